//! `paydrill check`: validate scenario, profile and mock files without running anything; the
//! kind of each file is recognised from its contents, and every mistake names file and line.

use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::input::{self, InputError};
use crate::spec::{MockConfig, Profile, Scenario};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "With no FILES, checks scenarios/*.toml, scenarios/profiles/*.toml and mocks/*.toml.")]
pub struct CheckArgs {
    /// Scenario, profile or mock files (the kind is recognised from the contents).
    pub files: Vec<PathBuf>,
}

/// The `*.toml` files of a folder that may be missing.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    input::toml_files(dir, "input").unwrap_or_default()
}

/// Validates one file, saying what it is.
fn check_file(file: &Path) -> Result<String, InputError> {
    let text = input::read(file)?;
    let value: toml::Table = input::parse_toml(file, &text)?;
    if value.contains_key("ops") {
        let p = Profile::parse(file, &text)?;
        Ok(format!("profile {} ({} ops)", p.name, p.ops.len()))
    } else if value.contains_key("credentials") {
        let m = MockConfig::parse(file, &text)?;
        Ok(format!("mock for {} on port {}", m.pg, m.port))
    } else {
        let s = Scenario::parse(file, &text)?;
        Ok(format!("scenario {} ({} steps)", s.name, s.steps.len()))
    }
}

pub fn check(args: CheckArgs) -> CommandResult {
    let files = if args.files.is_empty() {
        let mut all = toml_files(Path::new("scenarios"));
        all.extend(toml_files(Path::new("scenarios/profiles")));
        all.extend(toml_files(Path::new("mocks")));
        if all.is_empty() {
            return Err(Fatal::bad_input("no files given and no scenarios/ or mocks/ folder here"));
        }
        all
    } else {
        args.files
    };
    let mut bad = 0;
    for file in &files {
        match check_file(file) {
            Ok(what) => println!("ok     {}: {what}", file.display()),
            Err(e) => {
                bad += 1;
                eprintln!("error  {e}");
            }
        }
    }
    println!("{} file(s) checked, {bad} with errors", files.len());
    Ok(if bad == 0 { Exit::Held } else { Exit::BadInput })
}
