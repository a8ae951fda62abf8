//! The encrypted journal: one folder holding `journal.db` (SQLCipher), `unlock/` (the data
//! key wrapped with age to the passphrase and to the recovery key) and `blobs/` (attachments,
//! each age-encrypted to the journal's own X25519 identity). See shared/docs/security-model.md.

pub mod keys;
pub mod model;
pub mod revisions;
pub mod time;

mod checkpoint;
pub use checkpoint::HistoryCheck;
mod communications;
pub use communications::{
    day_start_ms, fields_match, is_stated_party, search_words, stated_party, Communication,
    CommunicationFilter, ConversationPage, Extract, ImportError, MissingPart, PartRef, Participant,
    PhoneImport, RecordCursor, RecordGroup, SearchedFields, SourceRef, Stopped, ThreadPart,
};
mod incidents;
mod orders;
pub use orders::Renewal;
pub(crate) use orders::{load_order, store_order};
mod search;
mod settings;
mod store;
mod timeline;
mod verify;

use std::collections::HashSet;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::fsutil;
pub(crate) use incidents::{
    append_incident_revision, clean_optional_long, load_body as load_incident_body, store_incident,
    write_incident as write_incident_revision, AttachmentRef,
};
pub use incidents::{IncidentFilter, MAX_DESCRIPTION_CHARS};
pub use keys::{KdfCost, KeyError, RecoveryKey};
pub use revisions::ChainError;
pub use settings::Settings;
pub use store::StoreError;
pub use time::TimeError;
pub use timeline::{TimelinePage, TimelineRow};
pub use verify::{VerifyProblem, VerifyReport};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("There is no journal in {0}. Create one with `daybook init`.")]
    NoJournal(PathBuf),
    #[error("A journal, or part of one, already exists in {0}. Nothing was changed. If it is yours, unlock it (with the recovery key if the passphrase no longer works); to start over, move that folder somewhere else first.")]
    AlreadyExists(PathBuf),
    #[error("Creating the journal in {0} was interrupted before it was finished, so nothing was ever saved in it and it has no recovery key. Create it again (`daybook init`) to start over.")]
    Unfinished(PathBuf),
    #[error("The file unlock/{file} is missing, so the {what} cannot open this journal. {advice}")]
    KeyFileMissing {
        file: &'static str,
        what: &'static str,
        advice: &'static str,
    },
    #[error("This journal is open in another Daybook window or command. Close it there first.")]
    OpenElsewhere,
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Boxed: the DST messages carry several strings and would bloat every `Result`.
    #[error(transparent)]
    Time(Box<TimeError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("There is no {what} with id {id}.")]
    NotFound { what: &'static str, id: String },
    #[error("That edit changes nothing.")]
    NothingChanged,
    #[error("The journal is damaged: {0}")]
    Damaged(String),
    #[error("Could not read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("The disk is full, so nothing was saved; everything saved before is unchanged. Free some space and try again.")]
    DiskFull,
    #[error("Database error: {0}")]
    Sql(rusqlite::Error),
}

pub type Result<T, E = JournalError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for JournalError {
    /// Page-level damage surfaces mid-query as SQLITE_CORRUPT or SQLITE_NOTADB, a full disk as
    /// SQLITE_FULL (the transaction is rolled back); say so plainly.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => JournalError::Damaged(format!(
                "journal.db failed an integrity check ({e}). Your attachments and key files are stored separately; restore journal.db from a backup."
            )),
            Some(ErrorCode::DiskFull) => JournalError::DiskFull,
            _ => JournalError::Sql(e),
        }
    }
}

impl From<TimeError> for JournalError {
    fn from(e: TimeError) -> Self {
        JournalError::Time(Box::new(e))
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where everything of one journal lives.
#[derive(Debug, Clone)]
pub struct JournalPaths {
    pub root: PathBuf,
    pub db: PathBuf,
    pub unlock: PathBuf,
    pub passphrase_file: PathBuf,
    pub recovery_file: PathBuf,
    pub blobs: PathBuf,
    pub lock_file: PathBuf,
    /// Present only while `Journal::create` runs: a journal that still has it after a crash
    /// was never finished, never shown its recovery key, and never held an entry.
    pub creating_marker: PathBuf,
}

impl JournalPaths {
    pub fn new(root: &Path) -> Self {
        let unlock = root.join("unlock");
        Self {
            root: root.to_path_buf(),
            db: root.join("journal.db"),
            passphrase_file: unlock.join("passphrase.age"),
            recovery_file: unlock.join("recovery.age"),
            creating_marker: unlock.join("creating"),
            unlock,
            blobs: root.join("blobs"),
            lock_file: root.join("journal.lock"),
        }
    }

    /// Whether any part of a journal is here. A folder missing one file (a partial backup, a
    /// sync tool that skipped `unlock/`) is still somebody's journal and must never be treated
    /// as empty.
    pub fn exists(&self) -> bool {
        [&self.db, &self.passphrase_file, &self.recovery_file]
            .iter()
            .any(|p| p.exists())
            || fs::read_dir(&self.blobs).is_ok_and(|mut entries| entries.next().is_some())
    }

    /// Whether `Journal::create` was interrupted here (see `creating_marker`).
    pub fn is_unfinished(&self) -> bool {
        self.creating_marker.exists()
    }
}

/// How to unlock.
pub enum Unlock<'a> {
    Passphrase(&'a SecretString),
    RecoveryKey(&'a RecoveryKey),
}

/// An unlocked journal. Dropping it (or `lock`) closes the database, zeroes the key and
/// releases the folder for another process.
pub struct Journal {
    paths: JournalPaths,
    pub(crate) conn: Connection,
    data_key: keys::DataKey,
    pub(crate) blob_identity: age::x25519::Identity,
    _lock: File,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("root", &self.paths.root)
            .finish_non_exhaustive()
    }
}

/// What unlocking found and tidied up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnlockReport {
    /// Encrypted leftovers of imports that were interrupted before they were saved.
    pub orphans_removed: usize,
    /// Files in `blobs/` that belong to no saved attachment and to no interrupted import (for
    /// example from another copy of the journal). Left untouched: they may be someone's evidence.
    pub strays: usize,
    /// The first revision that does not check out, if any. The journal still opens (locking a
    /// survivor out of all their evidence over one altered record would help no one), but
    /// every caller must show this, and `verify` fails on it.
    pub chain_problem: Option<ChainError>,
    /// Revisions the chain checkpoint vouched for, which this unlock did not walk again
    /// (0: it walked them all). The app walks them in the background; `verify` always does.
    pub revisions_vouched: i64,
}

impl Journal {
    /// Creates a new journal in `root` and returns it with the recovery key, which the caller
    /// must show the user once: it is stored nowhere.
    pub fn create(
        root: &Path,
        passphrase: &SecretString,
        cost: KdfCost,
    ) -> Result<(Journal, RecoveryKey)> {
        keys::check_new_passphrase(passphrase)?;
        let paths = JournalPaths::new(root);
        let unfinished = paths.is_unfinished();
        if paths.exists() && !unfinished {
            return Err(JournalError::AlreadyExists(root.to_path_buf()));
        }
        fsutil::create_private_dir(root).map_err(io_err(root))?;
        let lock = take_lock(&paths)?;
        fsutil::create_private_dir(&paths.unlock).map_err(io_err(&paths.unlock))?;
        if unfinished {
            remove_unfinished(&paths)?;
        }
        // Written first and removed last: until it is gone, this folder is not a journal yet.
        fsutil::atomic_write(&paths.creating_marker, b"")
            .map_err(io_err(&paths.creating_marker))?;
        fsutil::create_private_dir(&paths.blobs).map_err(io_err(&paths.blobs))?;

        let data_key = keys::DataKey::generate().map_err(io_err(root))?;
        let mut conn = store::open(&paths.db, &data_key, true)?;
        let blob_identity = age::x25519::Identity::generate();
        let mut signing_seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(signing_seed.as_mut())
            .map_err(|e| io_err(root)(std::io::Error::other(e)))?;
        let tx = conn.transaction()?;
        for (key, value) in [
            ("journal_id", uuid::Uuid::new_v4().to_string()),
            ("created_at", time::now_utc()),
            (
                "blob_identity",
                blob_identity.to_string().expose_secret().to_string(),
            ),
            ("signing_key", hex::encode(&signing_seed[..])),
        ] {
            tx.execute(
                "INSERT INTO journal_meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
        }
        tx.commit()?;
        fsutil::sync_dir(root).map_err(io_err(root))?;

        let recovery = keys::generate_recovery_key();
        let wrapped = keys::wrap_to_recovery(&data_key, &recovery)?;
        fsutil::atomic_write(&paths.recovery_file, &wrapped)
            .map_err(io_err(&paths.recovery_file))?;
        let wrapped = keys::wrap_with_passphrase(&data_key, passphrase, cost)?;
        fsutil::atomic_write(&paths.passphrase_file, &wrapped)
            .map_err(io_err(&paths.passphrase_file))?;
        fs::remove_file(&paths.creating_marker).map_err(io_err(&paths.creating_marker))?;
        fsutil::sync_dir(&paths.unlock).map_err(io_err(&paths.unlock))?;

        let journal = Journal {
            paths,
            conn,
            data_key,
            blob_identity,
            _lock: lock,
        };
        Ok((journal, recovery))
    }

    /// Unlocks the journal in `root`, verifies its history and sweeps interrupted imports.
    pub fn open(root: &Path, unlock: Unlock<'_>) -> Result<(Journal, UnlockReport)> {
        let paths = JournalPaths::new(root);
        if !paths.exists() {
            return Err(JournalError::NoJournal(root.to_path_buf()));
        }
        if paths.is_unfinished() {
            return Err(JournalError::Unfinished(root.to_path_buf()));
        }
        let data_key = match unlock {
            Unlock::Passphrase(passphrase) => {
                if !paths.passphrase_file.exists() {
                    return Err(JournalError::KeyFileMissing {
                        file: "passphrase.age",
                        what: "passphrase",
                        advice: "Your recovery key still can: run `daybook --recovery passwd` to open it and set a new passphrase.",
                    });
                }
                let bytes =
                    fs::read(&paths.passphrase_file).map_err(io_err(&paths.passphrase_file))?;
                keys::unwrap_with_passphrase(&bytes, passphrase)?
            }
            Unlock::RecoveryKey(recovery) => {
                if !paths.recovery_file.exists() {
                    return Err(JournalError::KeyFileMissing {
                        file: "recovery.age",
                        what: "recovery key",
                        advice: "Unlock with your passphrase instead, and restore unlock/recovery.age from a backup.",
                    });
                }
                let bytes = fs::read(&paths.recovery_file).map_err(io_err(&paths.recovery_file))?;
                keys::unwrap_with_recovery(&bytes, recovery)?
            }
        };
        let lock = take_lock(&paths)?;
        if !paths.db.is_file() {
            return Err(JournalError::Damaged("journal.db is missing".into()));
        }
        let conn = store::open(&paths.db, &data_key, false)?;
        let identity_text: String = conn
            .query_row(
                "SELECT value FROM journal_meta WHERE key = 'blob_identity'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| JournalError::Damaged(e.to_string()))?
            .ok_or_else(|| {
                JournalError::Damaged("the journal's attachment key is missing".into())
            })?;
        let identity_text = Zeroizing::new(identity_text);
        let blob_identity = identity_text
            .parse::<age::x25519::Identity>()
            .map_err(|_| {
                JournalError::Damaged("the journal's attachment key is unreadable".into())
            })?;
        let journal = Journal {
            paths,
            conn,
            data_key,
            blob_identity,
            _lock: lock,
        };
        let (chain_problem, revisions_vouched) = journal.check_chain_at_unlock()?;
        journal.sweep_key_temp_files()?;
        let (orphans_removed, strays) = journal.sweep_orphan_blobs()?;
        Ok((
            journal,
            UnlockReport {
                orphans_removed,
                strays,
                chain_problem,
                revisions_vouched,
            },
        ))
    }

    /// Rewrites `unlock/passphrase.age` only; the recovery key keeps working.
    pub fn change_passphrase(&self, new: &SecretString, cost: KdfCost) -> Result<()> {
        keys::check_new_passphrase(new)?;
        let wrapped = keys::wrap_with_passphrase(&self.data_key, new, cost)?;
        fsutil::atomic_write(&self.paths.passphrase_file, &wrapped)
            .map_err(io_err(&self.paths.passphrase_file))
    }

    /// Checks that `passphrase` is the one that currently opens this journal, so an unlocked
    /// window left alone cannot have its passphrase changed by someone who does not know it.
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<()> {
        let bytes =
            fs::read(&self.paths.passphrase_file).map_err(io_err(&self.paths.passphrase_file))?;
        let key = keys::unwrap_with_passphrase(&bytes, passphrase)?;
        if *key.sqlcipher_literal() == *self.data_key.sqlcipher_literal() {
            Ok(())
        } else {
            Err(KeyError::WrongPassphrase.into())
        }
    }

    /// Closes the database and forgets the key.
    pub fn lock(self) {
        drop(self);
    }

    pub fn paths(&self) -> &JournalPaths {
        &self.paths
    }

    /// The journal's fingerprint: the head of its revision chain.
    pub fn fingerprint(&self) -> Result<String> {
        Ok(revisions::head(&self.conn)?)
    }

    pub fn journal_id(&self) -> Result<String> {
        self.meta("journal_id")
    }

    /// The Ed25519 key that signs exported manifests.
    pub fn signing_key(&self) -> Result<ed25519_dalek::SigningKey> {
        let hex_seed = Zeroizing::new(self.meta("signing_key")?);
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_seed.as_str(), seed.as_mut())
            .map_err(|_| JournalError::Damaged("the journal's signing key is unreadable".into()))?;
        Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Every revision of the journal in chain order (for the amendments appendix and audits).
    pub fn history(&self, entity: revisions::Entity, id: &str) -> Result<Vec<revisions::Revision>> {
        Ok(revisions::history(&self.conn, entity, id)?)
    }

    fn meta(&self, key: &str) -> Result<String> {
        self.conn
            .query_row(
                "SELECT value FROM journal_meta WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| JournalError::Damaged(format!("journal_meta has no {key}")))
    }

    /// Removes the temp file a passphrase change killed before its rename left in `unlock/`:
    /// it holds the data key wrapped to a passphrase the user never finished setting.
    fn sweep_key_temp_files(&self) -> Result<()> {
        remove_temp_files(&self.paths.unlock)
    }

    /// Removes what interrupted imports left: `.tmp-*` files (never complete) and blobs whose
    /// import was logged in `pending_imports` but never recorded. Any other unknown blob is
    /// counted and left alone. Returns (removed, strays).
    fn sweep_orphan_blobs(&self) -> Result<(usize, usize)> {
        let blobs = &self.paths.blobs;
        if !blobs.is_dir() {
            fsutil::create_private_dir(blobs).map_err(io_err(blobs))?;
        }
        let pending: Vec<String> = {
            let mut stmt = self.conn.prepare("SELECT id FROM pending_imports")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        // Every saved attachment's id, read once: one index scan instead of a query per blob
        // (which was a sixth of the unlock time of a journal with 1,500 files).
        let saved: HashSet<String> = {
            let mut stmt = self.conn.prepare("SELECT id FROM attachments")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let (mut removed, mut strays) = (0, 0);
        for entry in fs::read_dir(blobs).map_err(io_err(blobs))? {
            let entry = entry.map_err(io_err(blobs))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            // A phone import names its blobs after its own id: `<id>.age`, `<id>-<n>.age`.
            let interrupted = name.starts_with(fsutil::TEMP_PREFIX)
                || name.strip_suffix(".age").is_some_and(|id| {
                    !saved.contains(id)
                        && pending.iter().any(|p| {
                            id.strip_prefix(p.as_str())
                                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
                        })
                });
            if interrupted {
                fs::remove_file(&path).map_err(io_err(&path))?;
                removed += 1;
            } else if !name
                .strip_suffix(".age")
                .is_some_and(|id| saved.contains(id))
            {
                strays += 1;
            }
        }
        if !pending.is_empty() {
            self.conn.execute("DELETE FROM pending_imports", [])?;
        }
        if removed > 0 {
            fsutil::sync_dir(blobs).map_err(io_err(blobs))?;
        }
        Ok((removed, strays))
    }
}

/// Removes our temp files (`fsutil::TEMP_PREFIX`) from `dir`, if it exists.
fn remove_temp_files(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut removed = false;
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(fsutil::TEMP_PREFIX)
        {
            let path = entry.path();
            fs::remove_file(&path).map_err(io_err(&path))?;
            removed = true;
        }
    }
    if removed {
        fsutil::sync_dir(dir).map_err(io_err(dir))?;
    }
    Ok(())
}

/// Clears what an interrupted `create` wrote, so it can start over. Only the files `create`
/// itself writes are removed; anything in `blobs/` means this is not what it seems, and is
/// left alone.
fn remove_unfinished(paths: &JournalPaths) -> Result<()> {
    if fs::read_dir(&paths.blobs).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(JournalError::AlreadyExists(paths.root.clone()));
    }
    let rollback = paths.root.join("journal.db-journal");
    for file in [
        &paths.db,
        &rollback,
        &paths.recovery_file,
        &paths.passphrase_file,
    ] {
        match fs::remove_file(file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(file)(e)),
        }
    }
    remove_temp_files(&paths.unlock)?;
    fsutil::sync_dir(&paths.root).map_err(io_err(&paths.root))?;
    fsutil::sync_dir(&paths.unlock).map_err(io_err(&paths.unlock))
}

/// One process at a time: the app and the CLI must not interleave writes or sweep each
/// other's in-flight imports.
fn take_lock(paths: &JournalPaths) -> Result<File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&paths.lock_file)
        .map_err(io_err(&paths.lock_file))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(JournalError::OpenElsewhere),
        Err(TryLockError::Error(e)) => Err(io_err(&paths.lock_file)(e)),
    }
}
