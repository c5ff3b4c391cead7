//! `paydrill check`: validate scenario, profile and mock files without running anything; the
//! kind of each file is recognised from its contents, and every mistake names file and line.

use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::input::{self, InputError};
use crate::spec::{MockConfig, Profile, Scenario};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "With no FILES, checks scenarios/*.toml, scenarios/profiles/*.toml and mocks/*.toml.\n\n\
Bounds every file is held to: amounts are whole won, 1 to 10,000,000,000 per order (so no sum can\n\
wrap); durations at most 7 days (168h); a fault hits 1 to 1000 times; ports are 1 to 65535; JSON\n\
pointers start with `/`; header names are HTTP tokens and values hold no CR or LF.\n\n\
With --profile FILE --target URL, probes a live platform once: drives FULL_FLOW through the profile\n\
(the PG fakes on their fixed ports, as `paydrill run --target` serves them) and prints, per call,\n\
the request, the answer and what each pointer read or missed, with the profile line.\n\n\
Example:\n  paydrill check --profile scenarios/profiles/shopapi.toml --target http://127.0.0.1:8080")]
pub struct CheckArgs {
    /// Scenario, profile or mock files (the kind is recognised from the contents).
    pub files: Vec<PathBuf>,
    /// Probe a live platform through this profile (with --target).
    #[arg(long, value_name = "FILE", requires = "target", conflicts_with = "files")]
    pub profile: Option<PathBuf>,
    /// The platform to probe (with --profile).
    #[arg(long, value_name = "URL", requires = "profile")]
    pub target: Option<String>,
    /// The PG to probe on (default: the profile's first, else toss).
    #[arg(long, value_name = "NAME")]
    pub pg: Option<crate::pg::PgName>,
    /// Allow a --target that is not on loopback.
    #[arg(long, env = "PAYDRILL_ALLOW_REMOTE")]
    pub allow_remote: bool,
    /// Folder of mock files for the probe's fakes (default: ./mocks if present, else the shipped ones).
    #[arg(long = "mocks", env = "PAYDRILL_MOCKS", value_name = "DIR")]
    pub mocks_dir: Option<PathBuf>,
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

/// `check --profile F --target URL`: the probe, printed; exit 1 when a pointer read nothing.
pub async fn probe(args: CheckArgs) -> CommandResult {
    let (Some(profile), Some(target)) = (&args.profile, &args.target) else {
        return Err(Fatal::bad_input("--profile and --target go together"));
    };
    let outcome =
        crate::drive::probe::probe(profile, target, args.pg, args.allow_remote, args.mocks_dir.as_deref()).await?;
    for n in &outcome.notes {
        eprintln!("{n}");
    }
    print!("{}", crate::report::probe::probe_text(&outcome));
    Ok(if outcome.missed.is_empty() { Exit::Held } else { Exit::Failed })
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
