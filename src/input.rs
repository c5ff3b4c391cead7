//! Reading paydrill's own input files (scenarios, profiles, mocks): every error names the
//! file and, where the parser knows it, the line, so a user can go straight to the mistake.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in an input file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    pub fn new(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        InputError { file: file.to_path_buf(), line, message: message.into() }
    }

    /// A TOML parse or shape error, at the line its span points to.
    pub fn from_toml(file: &Path, text: &str, err: &toml::de::Error) -> Self {
        let line = err.span().map(|span| line_of(text, span.start));
        InputError::new(file, line, err.message().trim().to_string())
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// Reads a file, or says which file could not be read.
/// The line of the first `key = ...` in a TOML text (any table), for messages about a value
/// serde read without a position.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .map(|i| i + 1)
}

pub fn read(file: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(file).map_err(|e| InputError::new(file, None, format!("cannot read: {e}")))
}

/// Every `*.toml` file directly in `dir`, sorted by name; `what` names the folder in errors.
pub fn toml_files(dir: &Path, what: &str) -> Result<Vec<PathBuf>, InputError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::new(dir, None, format!("cannot read the {what} folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Parses TOML into `T`, with file:line on any error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, InputError> {
    toml::from_str(text).map_err(|e| InputError::from_toml(file, text, &e))
}
