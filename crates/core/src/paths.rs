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
/// On Unix the folder is the user's alone (0700), also when an older Vica
/// or another tool made it with wider permissions.
pub fn database_path(data_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        action: "cannot create the data directory",
        path: data_dir.to_path_buf(),
        source,
    })?;
    keep_private(data_dir);
    Ok(data_dir.join(DATABASE_FILE))
}

/// On Unix, takes every group and other permission off `path` (a folder
/// keeps at most 0700, a file 0600), leaving the owner's as they are;
/// elsewhere the per-user folders are private already. Best effort: a path
/// that cannot be changed (another owner, a read-only file system) stays as
/// it is, and writing to it fails on its own.
pub fn keep_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                let _ =
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Creates `path` as an empty file only the user can read and write (0600 on
/// Unix), unless it exists already.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
