//! A fake PG's settings (`mocks/<pg>.toml`): which PG, its fixed port for when an outside
//! platform must be pointed at it, its test keys, and its default fault rates.

use super::fault::FaultRates;
use super::webhook::WebhookSettings;
use crate::input::{self, InputError};
use crate::pg::{pg_table, Credentials, PgName};
use serde::Deserialize;
use std::path::Path;

/// One `mocks/<pg>.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockConfig {
    pub pg: PgName,
    /// Port used when the fakes must listen on fixed ports (`run --target`).
    pub port: u16,
    pub credentials: Credentials,
    #[serde(default)]
    pub faults: FaultRates,
    /// Deliberate wrongness, for proving that paydrill notices a PG that misreports.
    #[serde(default)]
    pub quirks: Quirks,
    #[serde(default)]
    pub webhooks: WebhookSettings,
}

/// Ways a fake can be told to misbehave beyond faults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quirks {
    /// Every cancel answer reports the balance this many won away from the truth.
    #[serde(default)]
    pub cancel_balance_offset: crate::pg::Krw,
}

macro_rules! embedded_mocks {
    ($($variant:ident $module:ident $name:literal $codec:ident $server:ident,)*) => {
        /// The mock files shipped in `mocks/`, built into the binary so paydrill runs from anywhere.
        const EMBEDDED: [(&str, &str); PgName::ALL.len()] =
            [$((concat!("mocks/", $name, ".toml"), include_str!(concat!("../../mocks/", $name, ".toml"))),)*];
    };
}
pg_table!(embedded_mocks);

impl MockConfig {
    pub fn parse(file: &Path, text: &str) -> Result<MockConfig, InputError> {
        let config: MockConfig = input::parse_toml(file, text)?;
        let line = |key: &str| input::key_line(text, key);
        if config.port == 0 {
            return Err(InputError::new(
                file,
                line("port"),
                "port = 0: the fixed port an outside platform is pointed at must be 1 to 65535",
            ));
        }
        let rates = &config.faults;
        for (name, rate) in [("error_rate", rates.error_rate), ("timeout_rate", rates.timeout_rate)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(InputError::new(
                    file,
                    line(name),
                    format!("faults.{name} = {rate}: must be between 0.0 and 1.0"),
                ));
            }
        }
        if config.credentials.secret.is_empty() {
            return Err(InputError::new(file, line("secret"), "credentials.secret must not be empty"));
        }
        Ok(config)
    }

    pub fn load(file: &Path) -> Result<MockConfig, InputError> {
        MockConfig::parse(file, &input::read(file)?)
    }

    /// Every `*.toml` in `dir`, sorted by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<MockConfig>, InputError> {
        let files = input::toml_files(dir, "mocks")?;
        let configs = files.iter().map(|f| MockConfig::load(f)).collect::<Result<Vec<_>, _>>()?;
        for (i, c) in configs.iter().enumerate() {
            if let Some(j) = configs[..i].iter().position(|o| o.pg == c.pg) {
                return Err(InputError::new(
                    &files[i],
                    None,
                    format!("a second mock for {} (the first is {})", c.pg, files[j].display()),
                ));
            }
        }
        if configs.is_empty() {
            return Err(InputError::new(dir, None, "no mock files (*.toml) in this folder"));
        }
        Ok(configs)
    }

    /// The mocks to use: `dir` if given, else `./mocks` when it exists, else the shipped ones.
    pub fn resolve(dir: Option<&Path>) -> Result<Vec<MockConfig>, InputError> {
        match dir {
            Some(dir) => MockConfig::load_dir(dir),
            None if Path::new("mocks").is_dir() => MockConfig::load_dir(Path::new("mocks")),
            None => Ok(MockConfig::embedded()),
        }
    }

    /// The shipped mock files: name and text.
    pub fn shipped_files() -> &'static [(&'static str, &'static str)] {
        &EMBEDDED
    }

    /// The shipped settings for every PG.
    pub fn embedded() -> Vec<MockConfig> {
        EMBEDDED
            .iter()
            .map(|(name, text)| MockConfig::parse(Path::new(name), text).expect("shipped mock files are valid"))
            .collect()
    }

    /// The shipped settings for one PG.
    pub fn embedded_for(pg: PgName) -> MockConfig {
        MockConfig::embedded().into_iter().find(|c| c.pg == pg).expect("every PG has a shipped mock file")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mocks_cover_every_pg_on_distinct_ports() {
        let configs = MockConfig::embedded();
        for pg in PgName::ALL {
            assert!(configs.iter().any(|c| c.pg == pg), "{pg} has no mock file");
        }
        let mut ports: Vec<_> = configs.iter().map(|c| c.port).collect();
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), PgName::ALL.len());
    }

    #[test]
    fn bad_rate_names_the_file() {
        let text = "pg = \"toss\"\nport = 1\n[credentials]\nsecret = \"s\"\n[faults]\nerror_rate = 2.0\n";
        let err = MockConfig::parse(Path::new("mocks/x.toml"), text).unwrap_err();
        assert!(err.to_string().starts_with("mocks/x.toml"), "{err}");
        let err = MockConfig::parse(Path::new("mocks/x.toml"), "pg = \"paypal\"\n").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
    }
}
