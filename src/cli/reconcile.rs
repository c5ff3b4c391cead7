//! `paydrill reconcile`: the flags, and the hand-over to the reconcile driver.

use crate::drive::reconcile::{self, PgReports, ReconcileOptions};
use crate::exit::{CommandResult, Fatal};
use crate::spec::{MockConfig, Profile};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
paydrill reconcile export.csv --profile my-platform.toml --pg-reports downloads/settlements/\n  \
curl -s http://127.0.0.1:18080/settlements/export.csv > export.csv   # the reference platform under `paydrill serve`\n  \
paydrill reconcile export.csv --profile scenarios/profiles/reference.toml --from-fakes\n\n\
Movements match by the PG's transaction id where the export has one, else by order, kind and amount.\n\
Mismatch kinds: missing_at_pg, missing_at_platform, amount_differs, status_differs, fee_differs.\n\
Exit codes: 0 both sides agree, 1 a mismatch (or nothing to compare), 2 a bad file or flag, 3 a fake unreachable.")]
pub struct ReconcileArgs {
    /// The platform's own settlement export (CSV with a header row).
    pub export: PathBuf,
    /// The platform's profile: its [settlement_export] names the export's columns, its
    /// [statuses] map status words (default: the columns of paydrill's settlement.csv).
    #[arg(long, env = "PAYDRILL_PROFILE", value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// A folder of the PGs' settlement reports, each named after its PG (toss.csv, kcp.json):
    /// CSV or JSON in Toss's settlement columns (paymentKey, transactionKey, orderId, amount,
    /// fee, soldDate, cancelAmount).
    #[arg(long, value_name = "DIR", conflicts_with = "from_fakes", required_unless_present = "from_fakes")]
    pub pg_reports: Option<PathBuf>,
    /// Read the reports from the PG fakes `paydrill serve` runs on loopback (the mocks' ports).
    #[arg(long)]
    pub from_fakes: bool,
    /// Folder of mock files naming the fakes' ports, for --from-fakes (default: ./mocks if
    /// present, else the shipped ones).
    #[arg(long = "mocks", env = "PAYDRILL_MOCKS", value_name = "DIR")]
    pub mocks_dir: Option<PathBuf>,
    /// Only this settlement date (YYYY-MM-DD, KST), on both sides.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<String>,
    /// Folder for reconcile.csv and reconcile-summary.md.
    #[arg(long, env = "PAYDRILL_RECONCILE_OUT", default_value = "reports/reconcile", value_name = "DIR")]
    pub out: PathBuf,
}

fn parse_date(text: &str) -> Result<String, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format).map(|_| text.to_string()).map_err(|_| format!("`{text}`: a date as YYYY-MM-DD"))
}

pub async fn reconcile(args: ReconcileArgs) -> CommandResult {
    let profile = args.profile.as_deref().map(Profile::load).transpose()?;
    if let Some(p) = &profile {
        if p.settlement_export.is_none() {
            return Err(Fatal::bad_input(format!(
                "{}: no [settlement_export] section naming the export's columns (see scenarios/profiles/reference.toml)",
                p.file.display()
            )));
        }
    }
    let reports = match args.pg_reports {
        Some(dir) => PgReports::Dir(dir),
        None => PgReports::Fakes(MockConfig::resolve(args.mocks_dir.as_deref())?),
    };
    let opts = ReconcileOptions { export: args.export, profile, reports, date: args.date, out: args.out };
    let outcome = reconcile::reconcile(&opts).await?;
    println!("{}", outcome.summary);
    eprintln!("wrote {}", opts.out.join("reconcile.csv").display());
    Ok(outcome.exit)
}
