//! Parsing the human units paydrill's files and flags use: durations (`250ms`, `2s`, `1m`),
//! arrival rates (`15000/min`, `250/s`) and shares (`0.05`, `5%`); and the settlement day, the
//! calendar date in Korea a moment falls on.

use std::time::Duration;

/// The KST calendar date (`YYYY-MM-DD`) of an RFC 3339 time, the day settlement is dated by;
/// empty when `at` is not such a time.
pub fn kst_day(at: &str) -> String {
    match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let d = t.to_offset(time::macros::offset!(+9)).date();
            format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
        }
        Err(_) => String::new(),
    }
}

/// Parses `250ms`, `2s`, `1.5s`, `3m`, `1h`. A bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a duration (try 250ms, 2s, 1m)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("`{text}`: unknown unit `{other}` (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("`{text}` is not a duration"));
    }
    if seconds > LONGEST.as_secs_f64() {
        return Err(format!("`{text}` is longer than paydrill takes (at most 7 days, 168h)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The longest duration any file or flag may give: long enough for any soak, short enough
/// that every deadline paydrill adds it to stays far from overflowing.
pub const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

/// [`parse_duration`] for a time that must pass: `0s` is refused.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(format!("`{text}`: a timeout must be longer than 0"));
    }
    Ok(d)
}

/// A share between 0 and 1; `5%` is accepted too.
pub fn parse_share(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a share (use 0.05 or 5%)"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("`{text}` must be between 0 and 1 (or 0% and 100%)"))
    }
}

/// Serde adapter: a duration written as a string like `"2s"`.
pub mod serde_duration {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

/// An arrival rate, stored as orders per minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_minute: f64,
}

impl Rate {
    pub fn per_second(self) -> f64 {
        self.per_minute / 60.0
    }
}

/// The highest arrival rate paydrill schedules: ten million orders a minute.
const MOST_PER_MINUTE: f64 = 10_000_000.0;

/// Parses `15000/min`, `250/s`, `900/h`; a bare number is per minute.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let (number, unit) = text.trim().split_once('/').unwrap_or((text.trim(), "min"));
    let value: f64 = number.trim().parse().map_err(|_| format!("`{text}` is not a rate (try 15000/min or 250/s)"))?;
    let per_minute = match unit.trim() {
        "min" | "m" => value,
        "s" | "sec" => value * 60.0,
        "h" => value / 60.0,
        other => return Err(format!("`{text}`: unknown rate unit `{other}` (use /s, /min or /h)")),
    };
    if !(per_minute.is_finite() && per_minute > 0.0) {
        return Err(format!("`{text}`: a rate must be positive"));
    }
    if !(1.0 / 60.0..=MOST_PER_MINUTE).contains(&per_minute) {
        return Err(format!("`{text}`: a rate must be from 1/h to {MOST_PER_MINUTE}/min"));
    }
    Ok(Rate { per_minute })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("2 weeks").is_err());
        // Too long for a Duration (a panic before) or for any deadline: refused in words.
        for huge in ["100000000000000000000000000000s", "99999999999999999999999h", "169h"] {
            assert!(parse_duration(huge).is_err_and(|m| m.contains("at most 7 days")), "{huge}");
        }
        assert_eq!(parse_duration("168h"), Ok(Duration::from_secs(7 * 24 * 3600)));
        assert_eq!(parse_rate("15000/min").unwrap().per_minute, 15000.0);
        assert_eq!(parse_rate("250/s").unwrap().per_minute, 15000.0);
        assert!(parse_rate("-5/s").is_err());
        assert!(parse_rate("1e300/s").is_err() && parse_rate("0.000001/h").is_err());
    }
}
