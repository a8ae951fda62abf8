//! The backup's own lists: `Manifest.plist` (encrypted or not), `Info.plist` and
//! `Status.plist` (the phone, and whether the backup finished), and `Manifest.db` (which file
//! is where).

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::OptionalExtension;
use secrecy::SecretString;

use super::crypto::{self, ClassKeys, Decrypting, Unlocked};
use super::{open_database, table_columns, BackupInfo, IphoneBackup, IphoneError, SourceFile};
use crate::evidence::MAX_ATTACHMENT_BYTES;
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

/// A backup folder, whether it is encrypted, and its Manifest.plist.
pub(super) struct Examined {
    /// The folder, with links resolved.
    pub folder: PathBuf,
    pub encrypted: bool,
    /// Manifest.plist; `None` when absent or unreadable.
    pub manifest_plist: Option<plist::Value>,
}

/// Finds out whether `folder` is a backup and whether it is encrypted, reading only
/// Manifest.plist and the first bytes of Manifest.db.
pub(super) fn examine(folder: &Path) -> Result<Examined, IphoneError> {
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
    let manifest_plist = read_plist(&folder.join("Manifest.plist"));
    let plist_says_encrypted = manifest_plist
        .as_ref()
        .and_then(|p| p.as_dictionary())
        .and_then(|d| d.get("IsEncrypted"))
        .and_then(plist::Value::as_boolean);
    let encrypted = match plist_says_encrypted {
        Some(says) => says,
        // An encrypted backup's Manifest.db is encrypted too: without a Manifest.plist that
        // says otherwise, a file list that is not SQLite is taken as encrypted.
        None => {
            let mut head = [0u8; 16];
            let head_read = File::open(&manifest_db).and_then(|mut f| f.read_exact(&mut head));
            head_read.is_err() || &head != SQLITE_MAGIC
        }
    };
    Ok(Examined {
        folder,
        encrypted,
        manifest_plist,
    })
}

pub(super) fn open(
    folder: &Path,
    password: Option<&SecretString>,
) -> Result<IphoneBackup, IphoneError> {
    let Examined {
        folder,
        encrypted,
        manifest_plist,
    } = examine(folder)?;
    let damaged = |what: String| IphoneError::Damaged {
        folder: folder.clone(),
        what,
    };
    let manifest_db = folder.join("Manifest.db");
    let (manifest, keys) = if encrypted {
        let Some(password) = password else {
            return Err(IphoneError::Encrypted);
        };
        let (manifest, keys) = open_encrypted(&folder, manifest_plist.as_ref(), password)?;
        (manifest, Some(keys))
    } else {
        let mut head = [0u8; 16];
        let head_read = File::open(&manifest_db).and_then(|mut f| f.read_exact(&mut head));
        if head_read.is_err() || &head != SQLITE_MAGIC {
            return Err(damaged(
                "its file list (Manifest.db) is not a database; the copy may be incomplete".into(),
            ));
        }
        let manifest = open_database(&manifest_db).map_err(|e| {
            damaged(format!(
                "its file list (Manifest.db) cannot be opened ({e})"
            ))
        })?;
        (manifest, None)
    };
    let columns = table_columns(&manifest, "Files").map_err(|source| IphoneError::Database {
        what: MANIFEST_DB,
        source,
    })?;
    let has_all = columns.is_some_and(|c| {
        ["fileid", "domain", "relativepath"]
            .iter()
            .all(|n| c.contains(*n))
            && (keys.is_none() || c.contains("file"))
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
        keys,
    })
}

/// Unlocks an encrypted backup's keys with the password and decrypts its Manifest.db into
/// memory. A wrong password is found before Manifest.db is read.
fn open_encrypted(
    folder: &Path,
    manifest_plist: Option<&plist::Value>,
    password: &SecretString,
) -> Result<(rusqlite::Connection, ClassKeys), IphoneError> {
    let keybag_refused = |why: String| IphoneError::Keybag { why };
    let dict = manifest_plist.and_then(plist::Value::as_dictionary);
    let Some(dict) = dict else {
        return Err(keybag_refused(
            "the backup has no readable Manifest.plist, which holds the keys".into(),
        ));
    };
    let Some(keybag) = dict.get("BackupKeyBag").and_then(plist::Value::as_data) else {
        return Err(keybag_refused(
            "Manifest.plist has no BackupKeyBag, the list of the backup's keys".into(),
        ));
    };
    let Some(manifest_key) = dict.get("ManifestKey").and_then(plist::Value::as_data) else {
        return Err(keybag_refused(
            "Manifest.plist has no ManifestKey, the key of the backup's file list (backups \
             encrypted by iOS before 10.2 have none; make a new backup of the phone)"
                .into(),
        ));
    };
    let keys = match crypto::unlock(keybag, password).map_err(keybag_refused)? {
        Unlocked::Keys(keys) => keys,
        Unlocked::WrongPassword => return Err(IphoneError::WrongPassword),
    };
    let damaged = |what: String| IphoneError::Damaged {
        folder: folder.to_path_buf(),
        what: format!("its file list (Manifest.db) {what}"),
    };
    let key = keys
        .unwrap_prefixed(manifest_key, None)
        .map_err(|why| damaged(format!("cannot be decrypted: {why}")))?;
    let path = folder.join("Manifest.db");
    let file = File::open(&path).map_err(|source| IphoneError::Io {
        path: path.clone(),
        source,
    })?;
    let reader = Decrypting::new(file, &key, None)
        .map_err(|why| damaged(format!("cannot be decrypted: {why}")))?;
    let size = reader.plain_len();
    if size > super::MAX_DECRYPTED_DATABASE_BYTES {
        return Err(IphoneError::TooLargeToDecrypt {
            what: "list of files (Manifest.db)",
            size,
            limit: super::MAX_DECRYPTED_DATABASE_BYTES,
        });
    }
    let conn = crypto::open_in_memory(reader, size)
        .map_err(|e| damaged(format!("cannot be opened ({e})")))?;
    Ok((conn, keys))
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
        let row: Option<(Option<String>, Option<Vec<u8>>)> = self
            .manifest
            .query_row(
                &format!(
                    "SELECT fileID, {} FROM Files WHERE domain = ?1 AND relativePath = ?2 \
                     AND (flags IS NULL OR flags = 1) ORDER BY fileID LIMIT 1",
                    if self.keys.is_some() { "file" } else { "NULL" }
                ),
                [domain, relative_path],
                |r| {
                    let blob = match r.get_ref(1)? {
                        rusqlite::types::ValueRef::Blob(b) => Some(b.to_vec()),
                        _ => None,
                    };
                    Ok((r.get(0)?, blob))
                },
            )
            .optional()
            .map_err(|source| IphoneError::Database {
                what: MANIFEST_DB,
                source,
            })?;
        let Some((file_id, record)) = row else {
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
        let (size, encrypted_size) = if self.keys.is_some() {
            let record = match record.as_deref().map(crypto::file_record) {
                Some(Ok(record)) => record,
                Some(Err(why)) => return Ok(Found::Refused(why)),
                None => {
                    return Ok(Found::Refused(
                        "the backup's file list does not give its size and key".into(),
                    ))
                }
            };
            // Decrypted files are held in memory (databases) or streamed (pictures), never
            // written out; the limit is the one every kept file has.
            if record.size > MAX_ATTACHMENT_BYTES {
                return Ok(Found::Refused(format!(
                    "it is {} bytes, more than the {MAX_ATTACHMENT_BYTES} bytes Daybook keeps",
                    record.size
                )));
            }
            (record.size, Some(meta.len()))
        } else {
            (meta.len(), None)
        };
        Ok(Found::Present(SourceFile {
            domain: domain.to_string(),
            relative_path: relative_path.to_string(),
            file_id,
            path: real,
            size,
            encrypted_size,
        }))
    }

    /// The file's bytes as the phone wrote them: from the folder as they are, or (in an
    /// encrypted backup) decrypted as they are read, its size and padding checked first. The
    /// error says why in words.
    pub(super) fn open_source(&self, source: &SourceFile) -> Result<SourceReader, String> {
        let open = || {
            File::open(&source.path)
                .map_err(|e| format!("its file in the backup cannot be opened ({e})"))
        };
        let Some(keys) = &self.keys else {
            return Ok(SourceReader(Inner::Plain(open()?)));
        };
        let blob: Option<Vec<u8>> = self
            .manifest
            .query_row(
                "SELECT file FROM Files WHERE fileID = ?1",
                [&source.file_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| format!("the backup's file list cannot be read ({e})"))?
            .flatten();
        let record = crypto::file_record(blob.as_deref().unwrap_or_default())?;
        let Some(wrapped) = record.key.as_deref() else {
            return Err("the backup's file list gives it no key".into());
        };
        let key = keys.unwrap_prefixed(wrapped, record.class)?;
        let reader = Decrypting::new(open()?, &key, Some(record.size))?;
        Ok(SourceReader(Inner::Decrypted(Box::new(reader))))
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
        let stored = match self.open_source(&source) {
            Ok(mut reader) => parts.store(&mut reader),
            Err(why) => Err(why),
        };
        Ok((Some(stored), Some(source)))
    }
}

/// A backup file being read: as it is, or decrypted (see [`IphoneBackup::read_file`]).
pub struct SourceReader(Inner);

enum Inner {
    Plain(File),
    Decrypted(Box<Decrypting<File>>),
}

impl Read for SourceReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match &mut self.0 {
            Inner::Plain(file) => file.read(buf),
            Inner::Decrypted(reader) => reader.read(buf),
        }
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
