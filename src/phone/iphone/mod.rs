//! iPhone computer backups, as Finder, Apple Devices and iTunes write them: unencrypted, or
//! encrypted and opened with the backup password ([`crypto`]).
//!
//! A backup is a folder named with the phone's id. `Manifest.db` (SQLite) lists every file the
//! phone gave: `Files(fileID, domain, relativePath, flags, file)`, where `fileID` is the
//! lowercase hex SHA-1 of `domain-relativePath` and the file itself is kept as
//! `<folder>/<first two characters of fileID>/<fileID>`. `Manifest.plist` says whether the
//! backup is encrypted (`IsEncrypted`); `Info.plist` and `Status.plist` name the phone and say
//! whether the backup finished.
//!
//! Three of the phone's own databases are read, each through [`IphoneBackup`]:
//!
//! * texts and iMessages from `HomeDomain`/`Library/SMS/sms.db` ([`IphoneBackup::read_messages`]),
//!   with their pictures from `MediaDomain`;
//! * calls from `HomeDomain`/`Library/CallHistoryDB/CallHistory.storedata`
//!   ([`IphoneBackup::read_calls`]);
//! * voicemails from `HomeDomain`/`Library/Voicemail/voicemail.db`, with their audio
//!   ([`IphoneBackup::read_voicemails`]).
//!
//! Every database is opened read-only as an immutable file (`file:…?immutable=1`), so SQLite
//! never writes beside it (no `-wal`, `-shm` or journal): the backup folder is left exactly as
//! it was. In an encrypted backup each database is decrypted into memory and opened there
//! instead, read-only too, and read by the same code; nothing decrypted is written to disk. Files are found only through `Manifest.db` by domain and path; the only path ever
//! joined to the folder is a checked 40-character hex file id, and a file whose real location
//! (after links) is outside the folder is refused.
//!
//! Rows are streamed: each record goes to the caller's callback as soon as it is read and a
//! picture goes straight from its file into the [`PartStore`](super::PartStore), so a backup
//! of any size reads in bounded memory (what is held is per conversation, never per message).
//!
//! Since iOS 16 the text of many messages is only in `attributedBody`, an `NSAttributedString`
//! archived in Apple's typedstream format; [`typedstream`] decodes it. That decoder is written
//! here (about 150 lines) rather than taken from the `crabstep` crate (ReagentX, the parser of
//! imessage-exporter; GPL-3.0-or-later, so compatible, and without dependencies, so no second
//! SQLite): only the string of the attributed string is needed, and the one new dependency
//! went to `plist`, already in Cargo.lock, which reads both the XML and the binary form of
//! `Manifest.plist` correctly. The decoder gives the same text as crabstep for the real
//! message blobs in crabstep's test data (checked while it was written; they are not copied
//! here).

mod call_history;
mod crypto;
mod manifest;
mod sms_db;
pub mod typedstream;
mod voicemail;

#[cfg(test)]
#[path = "../../../tests/util/iphone_backup.rs"]
mod fixture;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use secrecy::SecretString;

pub use manifest::SourceReader;

use super::PhoneRecord;

/// Seconds from 1970-01-01 to 2001-01-01 (Apple's reference date), both UTC.
const APPLE_EPOCH_S: i64 = 978_307_200;

/// How many problems a [`Summary`] names (it counts them all).
pub const PROBLEMS_KEPT: usize = 10;

/// Where a file sits in the backup, by the names the phone gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    pub domain: &'static str,
    pub relative_path: &'static str,
    /// What the person is told it is.
    pub what: &'static str,
}

const SMS_DB: Location = Location {
    domain: "HomeDomain",
    relative_path: "Library/SMS/sms.db",
    what: "message database (Library/SMS/sms.db)",
};

const CALL_HISTORY: Location = Location {
    domain: "HomeDomain",
    relative_path: "Library/CallHistoryDB/CallHistory.storedata",
    what: "call history (Library/CallHistoryDB/CallHistory.storedata)",
};

const VOICEMAIL_DB: Location = Location {
    domain: "HomeDomain",
    relative_path: "Library/Voicemail/voicemail.db",
    what: "voicemail list (Library/Voicemail/voicemail.db)",
};

/// One file of the backup that a record was read from, so the importer can keep it byte for
/// byte beside Manifest.db's record of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The phone's domain for it (`HomeDomain`, `MediaDomain`).
    pub domain: String,
    /// Its path on the phone inside that domain (`Library/SMS/sms.db`).
    pub relative_path: String,
    /// Its name in the backup: the SHA-1 of `domain-relativePath`, as Manifest.db lists it.
    pub file_id: String,
    /// Where it is on this computer (inside the backup folder).
    pub path: PathBuf,
    /// Its size in bytes when it was found; in an encrypted backup, its size decrypted (the
    /// `Size` the backup's file list gives, which decrypting it checks).
    pub size: u64,
    /// In an encrypted backup, its size on disk, encrypted; `None` in an unencrypted one.
    pub encrypted_size: Option<u64>,
}

/// A record and the backup files its parts were read from.
#[derive(Debug)]
pub struct IphoneRecord {
    pub record: PhoneRecord,
    /// One entry per `record.parts`, in the same order: the file the part's data came from, or
    /// `None` where the backup does not hold it.
    pub files: Vec<Option<SourceFile>>,
}

/// What reading one of the phone's databases gave.
#[derive(Debug, Default)]
pub struct Summary {
    /// The database read; `None` when the backup does not hold it (then nothing was read).
    pub source: Option<SourceFile>,
    /// Records handed to the callback.
    pub records: u64,
    /// Rows left out on purpose because they are not messages or calls: reactions (tapbacks)
    /// and group events such as a renamed conversation.
    pub skipped: u64,
    /// Rows that could not be read at all (each is named in `problems`, up to a few).
    pub unreadable: u64,
    /// Records handed over with something missing: text that could not be decoded, a part
    /// whose file could not be read (each named in `problems`, up to a few).
    pub incomplete: u64,
    /// The first [`PROBLEMS_KEPT`] problems, in words for the person.
    pub problems: Vec<String>,
    /// Reading broke off (a damaged database); every record before was handed over.
    pub stopped: Option<String>,
    /// The callback asked to stop.
    pub cancelled: bool,
}

impl Summary {
    fn note(&mut self, what: String) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(what);
        }
    }

    fn unreadable(&mut self, what: String) {
        self.unreadable += 1;
        self.note(what);
    }

    /// Counts a record as incomplete once, naming each of its problems.
    fn incomplete(&mut self, notes: Vec<String>) {
        if notes.is_empty() {
            return;
        }
        self.incomplete += 1;
        for note in notes {
            self.note(note);
        }
    }

    /// Hands a record over; `false` when the caller asked to stop.
    fn deliver(
        &mut self,
        record: IphoneRecord,
        each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
    ) -> bool {
        self.records += 1;
        if each(record).is_break() {
            self.cancelled = true;
            return false;
        }
        true
    }
}

/// What the backup's own lists say about the phone and the backup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupInfo {
    /// The name the phone was given (Info.plist `Device Name`).
    pub device_name: Option<String>,
    /// Apple's model code, such as `iPhone14,5`.
    pub product_type: Option<String>,
    /// The iOS version, such as `17.3.1`.
    pub ios_version: Option<String>,
    /// When the backup was made, UTC milliseconds since 1970 (Info.plist `Last Backup Date`).
    pub last_backup_ms: Option<i64>,
    /// Status.plist's `SnapshotState` is `finished`; `Some(false)` for a backup that was
    /// interrupted, `None` when Status.plist does not say.
    pub finished: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum IphoneError {
    #[error(
        "{} is not an iPhone backup folder (it has no Manifest.db file). Choose the folder named \
         with a long string of letters and numbers inside the \"Backup\" folder.",
        .folder.display()
    )]
    NotABackup { folder: PathBuf },
    #[error(
        "This iPhone backup was made before iOS 10 in an older format that Daybook cannot \
         read. Connect the iPhone to the computer and make a new backup with Finder (Mac) or \
         Apple Devices or iTunes (Windows), then choose the new backup."
    )]
    TooOld,
    #[error(
        "This iPhone backup is encrypted. Daybook can open it with the backup password: the \
         one chosen when \"Encrypt local backup\" was turned on, not the phone's passcode. \
         If nobody knows that password (someone else may have set it): on the iPhone, open \
         Settings, General, Transfer or Reset iPhone, Reset, Reset All Settings. This removes \
         the backup password; it keeps your messages, photos and apps, but resets settings such \
         as Wi-Fi and the wallpaper. Then connect the iPhone to the computer, open Finder (Mac) \
         or Apple Devices or iTunes (Windows), select the iPhone, leave \"Encrypt local \
         backup\" unticked, click \"Back Up Now\", and import that new backup. A domestic \
         violence advocate can help with these steps."
    )]
    Encrypted,
    #[error(
        "The backup's {what} is {size} bytes once decrypted, more than the {limit} bytes Daybook \
         reads from an encrypted backup: it is read in memory, so that nothing decrypted is \
         written to the disk. Make a backup that is not encrypted (untick \"Encrypt local \
         backup\" in Finder, Apple Devices or iTunes) and import that. Nothing was imported."
    )]
    TooLargeToDecrypt {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("The backup password is not right. Nothing was imported.")]
    WrongPassword,
    #[error(
        "This encrypted iPhone backup cannot be opened: its list of keys (in Manifest.plist) \
         cannot be used, because {why}. Nothing was imported."
    )]
    Keybag { why: String },
    #[error("The iPhone backup in {} cannot be read: {what}.", .folder.display())]
    Damaged { folder: PathBuf, what: String },
    #[error("The backup's {what} cannot be read: {source}.")]
    Database {
        what: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "The backup's {what} is not laid out the way iPhones write it (it has no \"{table}\" \
         table); it may come from an iOS version Daybook does not know."
    )]
    MissingTable {
        what: &'static str,
        table: &'static str,
    },
    #[error(
        "The backup's {what} is not laid out the way iPhones write it (its \"{table}\" table \
         has no \"{column}\" column); it may come from an iOS version Daybook does not know."
    )]
    MissingColumn {
        what: &'static str,
        table: &'static str,
        column: &'static str,
    },
    #[error("Could not read {}: {source}.", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An open backup folder.
pub struct IphoneBackup {
    /// The folder, with links resolved.
    folder: PathBuf,
    manifest: Connection,
    info: BackupInfo,
    /// An encrypted backup's class keys, unwrapped with its password; `None` when it is not
    /// encrypted.
    keys: Option<crypto::ClassKeys>,
}

impl std::fmt::Debug for IphoneBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IphoneBackup")
            .field("folder", &self.folder)
            .field("info", &self.info)
            .field("encrypted", &self.keys.is_some())
            .finish_non_exhaustive()
    }
}

impl IphoneBackup {
    /// True when `folder` holds a `Manifest.db` file, as every backup since iOS 10 does
    /// (encrypted or not).
    pub fn looks_like_backup(folder: &Path) -> bool {
        manifest::is_regular_file(&folder.join("Manifest.db"))
    }

    /// Opens the backup in `folder`: refuses an encrypted one (saying the backup password
    /// opens it, with the steps to make one that is not encrypted) and reads which files it
    /// holds. Nothing in the folder is changed.
    pub fn open(folder: &Path) -> Result<Self, IphoneError> {
        manifest::open(folder, None)
    }

    /// Opens the backup in `folder`, an encrypted one with `password` (ignored when the
    /// backup is not encrypted): [`IphoneError::WrongPassword`] when it does not open the
    /// backup's keys, before anything else is read. Nothing in the folder is changed.
    pub fn open_with_password(
        folder: &Path,
        password: Option<&SecretString>,
    ) -> Result<Self, IphoneError> {
        manifest::open(folder, password)
    }

    /// The backup is encrypted (and was opened with its password).
    pub fn is_encrypted(&self) -> bool {
        self.keys.is_some()
    }

    /// A file the backup holds (one of [`IphoneBackup::sources`]), as the phone wrote it:
    /// decrypted as it is read in an encrypted backup, after its size and padding are checked.
    pub fn read_file(&self, source: &SourceFile) -> Result<SourceReader, IphoneError> {
        self.open_source(source)
            .map_err(|why| IphoneError::Damaged {
                folder: self.folder.clone(),
                what: format!("its file {}: {why}", source.relative_path),
            })
    }

    /// The backup folder (links resolved).
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The phone and backup, as Info.plist and Status.plist describe them.
    pub fn info(&self) -> &BackupInfo {
        &self.info
    }

    /// The phone's databases this backup holds (messages, calls, voicemails), in that order.
    pub fn sources(&self) -> Result<Vec<SourceFile>, IphoneError> {
        let mut out = Vec::new();
        for location in [SMS_DB, CALL_HISTORY, VOICEMAIL_DB] {
            if let manifest::Found::Present(source) =
                self.locate(location.domain, location.relative_path)?
            {
                out.push(source);
            }
        }
        Ok(out)
    }

    /// Texts, iMessages and RCS messages, in the database's order (its row numbers), each with
    /// its pictures stored through `parts` as they are read. Reactions and group events are
    /// counted in `skipped`, not handed over. Stops when `each` breaks.
    pub fn read_messages(
        &self,
        parts: &mut dyn super::PartStore,
        each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
    ) -> Result<Summary, IphoneError> {
        sms_db::read(self, parts, each)
    }

    /// Phone and FaceTime calls, in the call history's order. Stops when `each` breaks.
    pub fn read_calls(
        &self,
        each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
    ) -> Result<Summary, IphoneError> {
        call_history::read(self, each)
    }

    /// Voicemails (as calls with the status voicemail), each with its recording stored through
    /// `parts` when the backup holds it. Stops when `each` breaks.
    pub fn read_voicemails(
        &self,
        parts: &mut dyn super::PartStore,
        each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
    ) -> Result<Summary, IphoneError> {
        voicemail::read(self, parts, each)
    }

    /// Finds one of the phone's databases; `None` (with the reason noted when it is odd) when
    /// the backup does not hold it.
    fn database(
        &self,
        location: Location,
        summary: &mut Summary,
    ) -> Result<Option<(SourceFile, Connection)>, IphoneError> {
        let source = match self.locate(location.domain, location.relative_path)? {
            manifest::Found::Present(source) => source,
            manifest::Found::NotListed => return Ok(None),
            manifest::Found::NotOnDisk => {
                summary.note(format!(
                    "the backup's file list names its {} but the file is not in the backup \
                     folder",
                    location.what
                ));
                return Ok(None);
            }
            manifest::Found::Refused(why) => {
                return Err(IphoneError::Damaged {
                    folder: self.folder.clone(),
                    what: format!("its {}: {why}", location.what),
                })
            }
        };
        let database_error = |source| IphoneError::Database {
            what: location.what,
            source,
        };
        let conn = if self.keys.is_some() {
            if source.size > MAX_DECRYPTED_DATABASE_BYTES {
                return Err(IphoneError::TooLargeToDecrypt {
                    what: location.what,
                    size: source.size,
                    limit: MAX_DECRYPTED_DATABASE_BYTES,
                });
            }
            let reader = self
                .open_source(&source)
                .map_err(|why| IphoneError::Damaged {
                    folder: self.folder.clone(),
                    what: format!("its {}: {why}", location.what),
                })?;
            crypto::open_in_memory(reader, source.size).map_err(database_error)?
        } else {
            open_database(&source.path).map_err(database_error)?
        };
        summary.source = Some(source.clone());
        Ok(Some((source, conn)))
    }
}

/// The largest database of an encrypted backup read: it is decrypted into memory (never onto
/// the disk), and SQLite holds all of it there while it is read. Real message databases are
/// tens to hundreds of megabytes; past this a computer with little memory would start to swap
/// (writing the decrypted bytes to disk after all) or stop the app.
pub(crate) const MAX_DECRYPTED_DATABASE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// True when `folder` is an encrypted backup, so the app can ask for its password before
/// importing it; reads only Manifest.plist and the first bytes of Manifest.db. The same errors
/// as [`IphoneBackup::open`] when it is not a backup.
pub fn is_encrypted(folder: &Path) -> Result<bool, IphoneError> {
    manifest::examine(folder).map(|e| e.encrypted)
}

/// Opens an SQLite file read-only as immutable, so SQLite never creates or writes a file
/// beside it (the phone's databases are kept in WAL mode; their `-wal` would otherwise be
/// created).
pub(crate) fn open_database(path: &Path) -> rusqlite::Result<Connection> {
    let uri = sqlite_uri(path);
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    // Reads the header now, so a file that is not a database is said to be one here.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok(conn)
}

/// `file:` URI of an absolute path, percent-encoded, asking for an immutable file.
fn sqlite_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    let encode = |out: &mut String, bytes: &[u8]| {
        for &b in bytes {
            if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~' | b':') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        encode(&mut out, path.as_os_str().as_bytes());
    }
    #[cfg(not(unix))]
    {
        let text = path.to_string_lossy();
        let text = text
            .strip_prefix(r"\\?\")
            .unwrap_or(&text)
            .replace('\\', "/");
        if !text.starts_with('/') {
            out.push('/');
        }
        encode(&mut out, text.as_bytes());
    }
    out.push_str("?immutable=1");
    out
}

/// A table's columns (lowercase); `None` when the table is not there.
/// A table's columns (lower-case), refused in plain words when the table or one of the columns
/// a reader cannot do without is missing (an older or damaged database).
fn required_table(
    conn: &Connection,
    location: Location,
    table: &'static str,
    required: &[&'static str],
) -> Result<HashSet<String>, IphoneError> {
    let columns = table_columns(conn, table)
        .map_err(|source| IphoneError::Database {
            what: location.what,
            source,
        })?
        .ok_or(IphoneError::MissingTable {
            what: location.what,
            table,
        })?;
    if let Some(column) = required
        .iter()
        .find(|c| !columns.contains(&c.to_ascii_lowercase()))
    {
        return Err(IphoneError::MissingColumn {
            what: location.what,
            table,
            column,
        });
    }
    Ok(columns)
}

fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Option<HashSet<String>>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt
        .query_map([table], |r| r.get::<_, String>(0))?
        .map(|n| n.map(|n| n.to_ascii_lowercase()))
        .collect::<rusqlite::Result<HashSet<_>>>()?;
    Ok((!names.is_empty()).then_some(names))
}

/// `alias."column"` when the table has it, else `NULL`: older iOS versions lack newer columns.
fn column_or_null(columns: &HashSet<String>, alias: &str, column: &str) -> String {
    if columns.contains(&column.to_ascii_lowercase()) {
        format!("{alias}.\"{column}\"")
    } else {
        "NULL".to_string()
    }
}

fn value_i64(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) if f.is_finite() && f.abs() < 9.0e18 => Some(f as i64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn value_f64(value: ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// Text as stored (a number is written out); `None` when NULL or empty. Bytes that are not
/// UTF-8 become U+FFFD, and the second value says so.
fn value_text(value: ValueRef<'_>) -> (Option<String>, bool) {
    let (text, lossy) = match value {
        ValueRef::Null => return (None, false),
        ValueRef::Integer(i) => (Cow::Owned(i.to_string()), false),
        ValueRef::Real(f) => (Cow::Owned(f.to_string()), false),
        ValueRef::Text(t) | ValueRef::Blob(t) => match std::str::from_utf8(t) {
            Ok(s) => (Cow::Borrowed(s), false),
            Err(_) => (String::from_utf8_lossy(t), true),
        },
    };
    ((!text.is_empty()).then(|| text.into_owned()), lossy)
}

/// A handle or number: trimmed, `None` when empty.
fn value_address(value: ValueRef<'_>) -> Option<String> {
    value_text(value)
        .0
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}
