//! The reference platform's temporary database folder: `paydrill-platform-<pid>-<random>` in
//! the system's temp folder, removed when the platform stops. Folders a process left behind
//! when it was killed (`kill -9` runs no destructor) are swept when the next platform starts.

use std::path::Path;

const PREFIX: &str = "paydrill-platform-";

/// A fresh folder for one platform's database, after sweeping the ones of processes gone.
pub fn create() -> std::io::Result<tempfile::TempDir> {
    let temp = std::env::temp_dir();
    let swept = sweep_stale(&temp);
    if swept > 0 {
        tracing::info!("removed {swept} platform database folder(s) left in {} by stopped runs", temp.display());
    }
    tempfile::Builder::new().prefix(&format!("{PREFIX}{}-", std::process::id())).tempdir()
}

/// Removes the platform folders in `dir` whose process no longer runs; returns how many.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut swept = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if pid != std::process::id() && !running(pid) && std::fs::remove_dir_all(entry.path()).is_ok() {
            swept += 1;
        }
    }
    swept
}

/// Whether process `pid` runs. Where there is no `/proc` to ask, every folder is kept: a live
/// run's database is never swept.
fn running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_gone_processes_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!("{PREFIX}{gone}-abc123"));
        let live = dir.path().join(format!("{PREFIX}{}-def456", std::process::id()));
        let old_style = dir.path().join(format!("{PREFIX}Xy12Zq"));
        for d in [&stale, &live, &old_style] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("platform.db"), b"x").unwrap();
        }
        assert_eq!(sweep_stale(dir.path()), 1);
        assert!(!stale.exists() && live.exists() && old_style.exists());
    }
}
