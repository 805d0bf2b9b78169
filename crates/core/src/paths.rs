//! Where Vica keeps its files, by each OS's convention.
//!
//! Linux: `$XDG_DATA_HOME/vica` (usually `~/.local/share/vica`); macOS:
//! `~/Library/Application Support/app.vica.Vica`; Windows: `%APPDATA%\Vica\Vica\data`.
//! `VICA_DATA_DIR` (or the CLI's `--data-dir`) overrides it.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "vica.db";

/// The environment variable that overrides the data dir.
pub const DATA_DIR_ENV: &str = "VICA_DATA_DIR";

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("app", "Vica", "Vica")
}

/// The data dir: `explicit` if given, else `VICA_DATA_DIR`, else the OS's per-user data dir.
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(Error::NoDataDir)
}

/// The config dir (user templates, OAuth client ids).
pub fn config_dir() -> Result<PathBuf> {
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .ok_or(Error::NoDataDir)
}

/// Creates the data dir if needed and returns the database path inside it.
pub fn database_path(data_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        action: "cannot create the data directory",
        path: data_dir.to_path_buf(),
        source,
    })?;
    Ok(data_dir.join(DATABASE_FILE))
}
