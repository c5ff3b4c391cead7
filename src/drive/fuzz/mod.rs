//! `paydrill bench parsers`: a mutation fuzzer over every reader of user input — scenario,
//! profile and mock files, and `history.jsonl` (then the checkers and the settlement over what
//! was read). Each case mutates a seed (a shipped file, or a history excerpt) and asks that the
//! reader answer with a value or an error, never a panic.

use crate::record::History;
use crate::spec::{MockConfig, Profile, Scenario};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// The reader a case is fed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Scenario,
    Profile,
    Mock,
    History,
}

impl Reader {
    const ALL: [Reader; 4] = [Reader::Scenario, Reader::Profile, Reader::Mock, Reader::History];

    pub fn name(self) -> &'static str {
        match self {
            Reader::Scenario => "scenario",
            Reader::Profile => "profile",
            Reader::Mock => "mock",
            Reader::History => "history",
        }
    }
}

/// An input a reader panicked on.
#[derive(Debug, Clone)]
pub struct Panic {
    pub reader: Reader,
    pub input: String,
    pub message: String,
}

/// What a fuzz run found.
#[derive(Debug, Clone, Default)]
pub struct FuzzReport {
    pub cases: u64,
    /// Inputs the reader took (mutations that kept the file valid).
    pub accepted: u64,
    /// Inputs refused with an error.
    pub refused: u64,
    /// The first panics found (at most [`PANICS_KEPT`]), and how many in all.
    pub panics: Vec<Panic>,
    pub panic_count: u64,
    /// Refusals worded in serde's terms, not a user's (at most [`PANICS_KEPT`] kept).
    pub jargon: Vec<String>,
    pub jargon_count: u64,
}

/// Words that mean a message speaks serde, not the user's file.
const JARGON: [&str; 3] = ["untagged enum", "did not match any variant", "data did not match"];

const PANICS_KEPT: usize = 10;

/// Values that broke readers before, or that readers must bound: overflows, negatives, odd
/// units, control characters, TOML and JSON structure, pointers and variables.
const NASTY: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "-1",
    "0",
    "1e309",
    "nan",
    "inf",
    "\"100000000000000000000000000000s\"",
    "\"99999999999999999999999h\"",
    "\"0s\"",
    "\"-5s\"",
    "\"1.5.5s\"",
    "\"\"",
    "\"\\r\\n\"",
    "\"\\u0000\"",
    "\u{0}",
    "\r\n",
    "\n[[steps]]\n",
    "\n[ops.x]\n",
    "{",
    "}",
    "[",
    "]",
    "=",
    "\"",
    ",",
    "\"/\"",
    "\"~2\"",
    "\"{env:PAYDRILL_FUZZ}\"",
    "\"{unknown}\"",
    "\"{\"",
    "true",
    "[]",
    "{}",
    "ÿ한",
    "\"\u{feff}\"",
];

/// Bare numbers put over a number (inside a string too: `"2s"` becomes `"9999…s"`).
const NUMBERS: &[&str] = &[
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999",
    "340282366920938463463374607431768211456",
    "0",
    "00",
    "1.5",
    "65536",
];

/// Runs `cases` cases from `seed` (the same seed gives the same cases).
pub fn fuzz_readers(cases: u64, seed: u64) -> FuzzReport {
    let seeds = seeds();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut report = FuzzReport::default();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for _ in 0..cases {
        let reader = Reader::ALL[rng.usize(..Reader::ALL.len())];
        let pool = &seeds[reader as usize];
        let mut input = pool[rng.usize(..pool.len())].clone();
        for _ in 0..rng.usize(1..=4) {
            input = mutate(&input, pool, &mut rng);
        }
        report.cases += 1;
        match catch_unwind(AssertUnwindSafe(|| read(reader, &input))) {
            Ok(Ok(())) => report.accepted += 1,
            Ok(Err(message)) => {
                report.refused += 1;
                if JARGON.iter().any(|j| message.contains(j)) {
                    report.jargon_count += 1;
                    if report.jargon.len() < PANICS_KEPT {
                        report.jargon.push(format!("{}: {message}", reader.name()));
                    }
                }
            }
            Err(payload) => {
                report.panic_count += 1;
                if report.panics.len() < PANICS_KEPT {
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    report.panics.push(Panic { reader, input, message });
                }
            }
        }
    }
    std::panic::set_hook(hook);
    report
}

/// Feeds `input` to `reader`: taken, or the message it was refused with.
fn read(reader: Reader, input: &str) -> Result<(), String> {
    let file = Path::new("fuzz.toml");
    match reader {
        Reader::Scenario => Scenario::parse(file, input).map(drop),
        Reader::Profile => Profile::parse_with_env(file, input, |_| Some("fuzz-value".into())).map(drop),
        Reader::Mock => MockConfig::parse(file, input).map(drop),
        Reader::History => History::from_text(Path::new("history.jsonl"), input).map(|history| {
            let calls = history.calls();
            let verdict = crate::check::check_calls(&history, &calls, &[]);
            let rows = crate::settle::rows_of(&history, &calls);
            let _ = (verdict.passed(), crate::settle::net_by_pg(&rows));
        }),
    }
    .map_err(|e| e.to_string())
}

/// The seeds per reader, in [`Reader::ALL`] order.
fn seeds() -> [Vec<String>; 4] {
    let texts = |files: &[(&str, &str)]| files.iter().map(|(_, t)| t.to_string()).collect::<Vec<_>>();
    [
        texts(crate::spec::shipped_scenario_files()),
        vec![crate::spec::profile::REFERENCE.to_string()],
        texts(MockConfig::shipped_files()),
        vec![include_str!("seed_history.jsonl").to_string()],
    ]
}

/// One mutation of `input`: a span cut, doubled or moved, a nasty value put in or over a
/// number, or a line taken from another seed of the same kind.
fn mutate(input: &str, pool: &[String], rng: &mut fastrand::Rng) -> String {
    let bounds: Vec<usize> = input.char_indices().map(|(i, _)| i).chain([input.len()]).collect();
    let at = |rng: &mut fastrand::Rng| bounds[rng.usize(..bounds.len())];
    let (a, b) = {
        let (x, y) = (at(rng), at(rng));
        (x.min(y), x.max(y).min(x.min(y) + 64))
    };
    let b = bounds.iter().copied().find(|&i| i >= b).unwrap_or(input.len());
    // Numbers are where readers break most: over a number is tried three times as often.
    match rng.u8(..8) {
        0 => format!("{}{}", &input[..a], &input[b..]),
        1 => format!("{}{}{}", &input[..b], &input[a..b], &input[b..]),
        2 => format!("{}{}{}", &input[..a], NASTY[rng.usize(..NASTY.len())], &input[a..]),
        3 | 6 | 7 => {
            // Over the next number after `a`.
            let start = input[a..].find(|c: char| c.is_ascii_digit()).map(|i| a + i);
            match start {
                Some(s) => {
                    let end = input[s..].find(|c: char| !c.is_ascii_digit()).map_or(input.len(), |i| s + i);
                    let value =
                        if rng.bool() { NUMBERS[rng.usize(..NUMBERS.len())] } else { NASTY[rng.usize(..NASTY.len())] };
                    format!("{}{value}{}", &input[..s], &input[end..])
                }
                None => input.to_string(),
            }
        }
        4 => {
            let other = &pool[rng.usize(..pool.len())];
            let lines: Vec<&str> = other.lines().collect();
            let line = lines.get(rng.usize(..lines.len().max(1))).copied().unwrap_or("");
            format!("{}\n{line}\n{}", &input[..a], &input[a..])
        }
        _ => {
            let mut lines: Vec<&str> = input.lines().collect();
            if lines.len() > 1 {
                let (i, j) = (rng.usize(..lines.len()), rng.usize(..lines.len()));
                lines.swap(i, j);
            }
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_is_taken_as_it_is() {
        for (reader, pool) in Reader::ALL.iter().zip(seeds()) {
            for seed in pool {
                assert_eq!(read(*reader, &seed), Ok(()), "{} seed refused", reader.name());
            }
        }
    }

    #[test]
    fn three_thousand_mutated_inputs_panic_no_reader() {
        let report = fuzz_readers(3_000, 20261202);
        assert!(report.panics.is_empty(), "{:#?}", report.panics);
        assert!(report.jargon.is_empty(), "refusals in serde's words: {:#?}", report.jargon);
        assert!(report.accepted > 0 && report.refused > 0, "{report:?}");
    }
}
