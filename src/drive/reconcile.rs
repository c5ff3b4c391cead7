//! `paydrill reconcile`: gathers both sides — the platform's own settlement export, and the
//! PGs' settlement reports from files the user downloaded or from running fakes (`paydrill
//! serve`) — reconciles them per PG and date, and writes `reconcile.csv` and the summary.

use crate::exit::{Exit, Fatal};
use crate::pg::PgName;
use crate::report;
use crate::settle::reconcile::{self, read, PgRow, Reconciliation};
use crate::spec::{MockConfig, Profile};
use std::path::PathBuf;

/// Where the PGs' side comes from.
#[derive(Debug, Clone)]
pub enum PgReports {
    /// A folder of reports named after their PG: `toss.csv`, `kcp.json`...
    Dir(PathBuf),
    /// The fakes on loopback at the mocks' fixed ports, as `paydrill serve` runs them.
    Fakes(Vec<MockConfig>),
}

/// What to reconcile.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    pub export: PathBuf,
    /// Maps the export's columns (`[settlement_export]`); `None`: paydrill's settlement.csv columns.
    pub profile: Option<Profile>,
    pub reports: PgReports,
    /// Only this settlement date (`YYYY-MM-DD`), both sides.
    pub date: Option<String>,
    pub out: PathBuf,
}

/// What a reconciliation produced.
pub struct ReconcileOutcome {
    pub found: Reconciliation,
    /// `reconcile-summary.md`, also for printing.
    pub summary: String,
    pub exit: Exit,
}

/// The path of a fake's settlement report (every fake serves one).
const FAKE_REPORT: &str = "/__paydrill/settlements.csv";

async fn pg_rows(reports: &PgReports) -> Result<(Vec<PgRow>, Vec<String>), Fatal> {
    let mut rows = Vec::new();
    let mut sources = Vec::new();
    match reports {
        PgReports::Dir(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                Fatal::bad_input(format!("{}: cannot read the PG reports folder (--pg-reports): {e}", dir.display()))
            })?;
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
            files.sort();
            for file in files {
                let (Some(stem), Some(ext)) = (file.file_stem().and_then(|s| s.to_str()), file.extension()) else {
                    continue;
                };
                if ext != "csv" && ext != "json" {
                    continue;
                }
                let pg: PgName = stem.parse().map_err(|e| {
                    Fatal::bad_input(format!(
                        "{}: name each report after its PG (toss.csv, kcp.json...): {e}",
                        file.display()
                    ))
                })?;
                let text = crate::input::read(&file)?;
                rows.extend(read::pg_report(&file.display().to_string(), pg, &text)?);
                sources.push(file.display().to_string());
            }
            if sources.is_empty() {
                return Err(Fatal::bad_input(format!(
                    "{}: no PG report in it (--pg-reports wants files named after their PG: toss.csv, kcp.json...)",
                    dir.display()
                )));
            }
        }
        PgReports::Fakes(mocks) => {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .no_proxy()
                .build()
                .map_err(|e| Fatal::unreachable(format!("cannot make an HTTP client: {e}")))?;
            for mock in mocks {
                let url = format!("http://127.0.0.1:{}{FAKE_REPORT}", mock.port);
                let answer = client.get(&url).send().await.and_then(|r| r.error_for_status());
                let text = match answer {
                    Ok(r) => r.text().await.map_err(|e| Fatal::unreachable(format!("{url}: {e}")))?,
                    Err(e) => {
                        return Err(Fatal::unreachable(format!(
                        "{} fake at {url}: {e} (--from-fakes reads the fakes `paydrill serve` runs: is it running?)",
                        mock.pg
                    )))
                    }
                };
                rows.extend(read::pg_report(&url, mock.pg, &text)?);
                sources.push(url);
            }
        }
    }
    Ok((rows, sources))
}

/// Reads both sides, reconciles them and writes the reports into `opts.out`.
pub async fn reconcile(opts: &ReconcileOptions) -> Result<ReconcileOutcome, Fatal> {
    let text = crate::input::read(&opts.export)?;
    let columns = opts.profile.as_ref().and_then(|p| p.settlement_export.clone()).unwrap_or_default();
    let status = |word: &str| opts.profile.as_ref().map_or_else(|| word.to_string(), |p| p.canonical_status(word));
    let mut platform = read::platform_export(&opts.export, &text, &columns, &status)?;
    let (mut pg, sources) = pg_rows(&opts.reports).await?;
    if let Some(date) = &opts.date {
        platform.retain(|r| &r.date == date);
        pg.retain(|r| &r.date == date);
    }
    let found = reconcile::reconcile(platform, pg);
    let input = report::reconcile::Sources { export: &opts.export, pg_reports: &sources, date: opts.date.as_deref() };
    let summary = report::reconcile::write(&opts.out, &found, &input)
        .map_err(|e| Fatal::bad_input(format!("cannot write in {} (--out): {e}", opts.out.display())))?;
    let exit = if found.clean() { Exit::Held } else { Exit::Failed };
    Ok(ReconcileOutcome { found, summary, exit })
}
