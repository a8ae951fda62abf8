//! The backup's own lists: `Manifest.plist` (encrypted or not), `Info.plist` and
//! `Status.plist` (the phone, and whether the backup finished), and `Manifest.db` (which file
//! is where).

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::OptionalExtension;

use super::{open_database, table_columns, BackupInfo, IphoneBackup, IphoneError, SourceFile};
use crate::phone::{PartStore, StoredPart};

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// A property list larger than this is not read (Manifest.plist lists the phone's apps and is
/// a few megabytes at most).
const MAX_PLIST_BYTES: u64 = 64 * 1024 * 1024;

const MANIFEST_DB: &str = "file list (Manifest.db)";

/// A part's data (`None` when the backup does not hold it) and the file it was read from.
pub(super) type Stored = (Option<Result<StoredPart, String>>, Option<SourceFile>);

/// Where a file the backup names is.
#[derive(Debug)]
pub(super) enum Found {
    Present(SourceFile),
    /// Manifest.db does not list it: the phone did not back it up.
    NotListed,
    /// Listed, but its file is not in the folder (an incomplete copy of the backup).
    NotOnDisk,
    /// Listed in a way that is not followed (why, in words).
    Refused(String),
}

pub(super) fn is_regular_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

pub(super) fn open(folder: &Path) -> Result<IphoneBackup, IphoneError> {
    let not_a_backup = || IphoneError::NotABackup {
        folder: folder.to_path_buf(),
    };
    let folder = match fs::canonicalize(folder) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_a_backup()),
        Err(source) => {
            return Err(IphoneError::Io {
                path: folder.to_path_buf(),
                source,
            })
        }
    };
    let manifest_db = folder.join("Manifest.db");
    if !is_regular_file(&manifest_db) {
        if is_regular_file(&folder.join("Manifest.mbdb")) {
            return Err(IphoneError::TooOld);
        }
        return Err(not_a_backup());
    }
    let plist_says_encrypted = read_plist(&folder.join("Manifest.plist"))
        .as_ref()
        .and_then(|p| p.as_dictionary())
        .and_then(|d| d.get("IsEncrypted"))
        .and_then(plist::Value::as_boolean);
    if plist_says_encrypted == Some(true) {
        return Err(IphoneError::Encrypted);
    }
    let damaged = |what: String| IphoneError::Damaged {
        folder: folder.clone(),
        what,
    };
    // An encrypted backup's Manifest.db is encrypted too: without a Manifest.plist that says
    // otherwise, a file list that is not SQLite is taken as encrypted.
    let mut head = [0u8; 16];
    let head_read = File::open(&manifest_db).and_then(|mut f| f.read_exact(&mut head));
    if head_read.is_err() || &head != SQLITE_MAGIC {
        if plist_says_encrypted.is_none() {
            return Err(IphoneError::Encrypted);
        }
        return Err(damaged(
            "its file list (Manifest.db) is not a database; the copy may be incomplete".into(),
        ));
    }
    let manifest = open_database(&manifest_db).map_err(|e| {
        damaged(format!(
            "its file list (Manifest.db) cannot be opened ({e})"
        ))
    })?;
    let columns = table_columns(&manifest, "Files").map_err(|source| IphoneError::Database {
        what: MANIFEST_DB,
        source,
    })?;
    let has_all = columns.is_some_and(|c| {
        ["fileid", "domain", "relativepath"]
            .iter()
            .all(|n| c.contains(*n))
    });
    if !has_all {
        return Err(damaged(
            "its file list (Manifest.db) does not list files the way iPhone backups do".into(),
        ));
    }
    let info = backup_info(&folder);
    Ok(IphoneBackup {
        folder,
        manifest,
        info,
    })
}

/// A property list (XML or binary); `None` when absent, too large or not a property list.
fn read_plist(path: &Path) -> Option<plist::Value> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_PLIST_BYTES {
        return None;
    }
    plist::Value::from_file(path).ok()
}

fn backup_info(folder: &Path) -> BackupInfo {
    let info = read_plist(&folder.join("Info.plist"));
    let info = info.as_ref().and_then(|v| v.as_dictionary());
    let text = |key: &str| {
        info.and_then(|d| d.get(key))
            .and_then(|v| v.as_string())
            .map(str::to_string)
    };
    let last_backup_ms = info
        .and_then(|d| d.get("Last Backup Date"))
        .and_then(|v| v.as_date())
        .map(|d| unix_ms(SystemTime::from(d)));
    let status = read_plist(&folder.join("Status.plist"));
    let finished = status
        .as_ref()
        .and_then(|v| v.as_dictionary())
        .and_then(|d| d.get("SnapshotState"))
        .and_then(|v| v.as_string())
        .map(|s| s == "finished");
    BackupInfo {
        device_name: text("Device Name"),
        product_type: text("Product Type"),
        ios_version: text("Product Version"),
        last_backup_ms,
        finished,
    }
}

fn unix_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// A path on the phone as given to Manifest.db: relative, with no `..`, `.` or empty parts.
fn check_relative(path: &str) -> Result<(), String> {
    let refuse = || Err(format!("its path {path:?} is not one Daybook follows"));
    if path.is_empty() || path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return refuse();
    }
    if path
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return refuse();
    }
    Ok(())
}

/// A backup file's name: 40 lowercase hex digits.
fn is_file_id(id: &str) -> bool {
    id.len() == 40
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl IphoneBackup {
    /// Finds the file the phone called `domain`/`relative_path`, through Manifest.db.
    pub(super) fn locate(&self, domain: &str, relative_path: &str) -> Result<Found, IphoneError> {
        if let Err(why) = check_relative(relative_path) {
            return Ok(Found::Refused(why));
        }
        let file_id: Option<Option<String>> = self
            .manifest
            .query_row(
                "SELECT fileID FROM Files WHERE domain = ?1 AND relativePath = ?2 \
                 AND (flags IS NULL OR flags = 1) ORDER BY fileID LIMIT 1",
                [domain, relative_path],
                |r| r.get(0),
            )
            .optional()
            .map_err(|source| IphoneError::Database {
                what: MANIFEST_DB,
                source,
            })?;
        let Some(file_id) = file_id else {
            return Ok(Found::NotListed);
        };
        let file_id = file_id.unwrap_or_default();
        if !is_file_id(&file_id) {
            return Ok(Found::Refused(format!(
                "the backup's file list gives it the name {file_id:?}, which is not a backup \
                 file name"
            )));
        }
        let path = self.folder.join(&file_id[..2]).join(&file_id);
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::NotOnDisk),
            Err(e) => return Ok(Found::Refused(format!("it cannot be read ({e})"))),
            Ok(_) => {}
        }
        let real = match fs::canonicalize(&path) {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::NotOnDisk),
            Err(e) => return Ok(Found::Refused(format!("it cannot be read ({e})"))),
        };
        if !real.starts_with(&self.folder) {
            return Ok(Found::Refused(
                "its file is a link to somewhere outside the backup folder".into(),
            ));
        }
        let meta = match fs::metadata(&real) {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Ok(Found::Refused("it is not a file".into())),
            Err(e) => return Ok(Found::Refused(format!("it cannot be read ({e})"))),
        };
        Ok(Found::Present(SourceFile {
            domain: domain.to_string(),
            relative_path: relative_path.to_string(),
            file_id,
            path: real,
            size: meta.len(),
        }))
    }

    /// Streams the file the phone called `domain`/`relative_path` into `parts`: its data as
    /// [`crate::phone::Part::data`] (`None` when the backup does not hold it) and the file.
    pub(super) fn store_file(
        &self,
        domain: &str,
        relative_path: &str,
        parts: &mut dyn PartStore,
    ) -> Result<Stored, IphoneError> {
        let source = match self.locate(domain, relative_path)? {
            Found::Present(source) => source,
            Found::NotListed | Found::NotOnDisk => return Ok((None, None)),
            Found::Refused(why) => return Ok((Some(Err(why)), None)),
        };
        let stored = match File::open(&source.path) {
            Ok(mut file) => parts.store(&mut file),
            Err(e) => Err(format!("its file in the backup cannot be opened ({e})")),
        };
        Ok((Some(stored), Some(source)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_followed() {
        assert!(check_relative("Library/SMS/Attachments/ab/12/G/IMG_0001.HEIC").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../Manifest.db",
            "Library/../../x",
            "Library//x",
            "Library/./x",
            "Library\\x",
            "a\0b",
        ] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
        assert!(is_file_id("3d0d7e5fb2ce288813306e4d4636395e047a3d28"));
        assert!(!is_file_id("3D0D7E5FB2CE288813306E4D4636395E047A3D28"));
        assert!(!is_file_id("../../../../../../../../../../etc/passwd00"));
        assert!(!is_file_id("3d0d7e5f"));
    }
}
