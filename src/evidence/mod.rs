//! Attachments: screenshots, photos, voicemails, documents.
//!
//! Import streams the file once: every 64 KiB chunk goes into SHA-256 (of the original bytes,
//! the figure a court compares) and into age's STREAM encryption to the journal's X25519
//! identity, so a 2 GiB video never sits in memory. The blob is written to a temp file in
//! `blobs/`, renamed to its random id and fsynced before the database row is committed; an
//! import killed in between leaves only an encrypted orphan, swept at the next unlock. Several
//! files go through `attach_files` (batch.rs), which does the durable steps once per batch.

mod batch;
pub(crate) mod blob_writer;
mod exif_block;
mod metadata;
mod order_papers;
pub mod privacy;

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::iter;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsutil;
use crate::journal::{Journal, JournalError};
pub use batch::{Attached, BatchImport, BatchProgress, FileProblem};
pub use metadata::{inspect, AttachmentKind, FileFacts};

/// The largest file we import. Courts' media lodging rarely takes more; larger files are
/// usually whole-phone backups that belong with an attorney, not in a journal.
pub const MAX_ATTACHMENT_BYTES: u64 = 8 * 1024 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{path} is a link to another file. Choose the file itself.")]
    Symlink { path: PathBuf },
    #[error("{path} is not a file.")]
    NotAFile { path: PathBuf },
    #[error("{path} is empty (0 bytes); there is nothing to keep.")]
    Empty { path: PathBuf },
    #[error("{path} is too large ({size} bytes; the limit is {MAX_ATTACHMENT_BYTES} bytes).")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("Could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("Could not save the encrypted copy: {0}")]
    Write(#[source] io::Error),
    #[error("{0} already exists; choose a new file name so nothing is overwritten.")]
    Exists(PathBuf),
    #[error("Could not write the file: {0}")]
    Output(#[source] io::Error),
    #[error("Could not write the exported file {path}: {source}")]
    Export {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("The import was cancelled; nothing was saved.")]
    Cancelled,
    #[error("The stored copy of attachment {id} is damaged: {detail}")]
    Damaged { id: String, detail: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl From<rusqlite::Error> for EvidenceError {
    fn from(e: rusqlite::Error) -> Self {
        EvidenceError::Journal(e.into())
    }
}

type Result<T, E = EvidenceError> = std::result::Result<T, E>;

/// An attachment's record: what the file is and what is known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub incident_id: Option<String>,
    pub person_id: Option<String>,
    /// Set for the court's papers kept with an order. Left out of JSON when unset, so the
    /// attachment lists inside incident revisions keep their exact bytes (and hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Set for a phone backup kept as the source of its texts and calls, and for the pictures
    /// read out of it (journal::communications). Left out of JSON when unset, like `order_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_import_id: Option<String>,
    /// Hex SHA-256 of the original bytes.
    pub sha256: String,
    pub size: u64,
    pub original_name: String,
    pub mime: String,
    pub kind: AttachmentKind,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// EXIF DateTimeOriginal as the camera wrote it (no zone: cameras rarely record one).
    pub captured_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub file_modified_at: Option<String>,
    pub imported_at: String,
    pub caption: Option<String>,
    pub transcript: Option<String>,
    /// What the original records about where and with what it was made; `None` when it was
    /// imported before Daybook looked (see [`Journal::attachment_reveals`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveals: Option<privacy::Reveals>,
}

impl Attachment {
    /// Plain sentences on what the original records beyond what it shows (where it was taken,
    /// the device); empty when nothing, or when it has not been looked at yet.
    pub fn reveal_sentences(&self) -> Vec<String> {
        self.reveals
            .as_ref()
            .map(|r| r.sentences(self.kind.noun()))
            .unwrap_or_default()
    }
}

/// Progress of a long import or export: bytes done and total. Return `false` to cancel.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

impl Journal {
    /// Imports `source` as an exhibit of `incident_id`: a batch of one.
    pub fn attach(
        &mut self,
        incident_id: &str,
        source: &Path,
        caption: Option<&str>,
        progress: Progress<'_>,
    ) -> Result<Attachment> {
        let mut one = |_: usize, done: u64, total: u64| progress(done, total);
        self.attach_files(incident_id, &[source], caption, &mut one)?
            .into_single()
    }

    /// Imports a photo of a person (the restrained person's photo goes on the officer sheet).
    /// Recorded as a revision of the person, so the chain covers the photo's SHA-256.
    pub fn attach_person_photo(
        &mut self,
        person_id: &str,
        source: &Path,
        progress: Progress<'_>,
    ) -> Result<Attachment> {
        self.person(person_id)?;
        let vet = |checked: &batch::Checked<'_>| {
            match checked.facts.mime.as_str() {
            "image/jpeg" | "image/png" => Ok(()),
            // Phone pictures: the officer sheet prints a converted copy.
            other if crate::media::picture::can_convert(other) => Ok(()),
            other => Err(JournalError::Invalid(format!(
                "A person's photo must be a picture (JPEG, PNG, HEIC, TIFF or WebP); {} is {other}.",
                checked.path.display(),
            ))
            .into()),
        }
        };
        let mut one = |_: usize, done: u64, total: u64| progress(done, total);
        self.import_durably(&[source], &vet, &mut one, |tx, attached| {
            for Attached { attachment: a, .. } in attached.iter_mut() {
                a.person_id = Some(person_id.to_string());
                record_person_photo(tx, a)?;
            }
            Ok(())
        })?
        .into_single()
    }

    /// The most recent photo of a person, if any.
    pub fn person_photo(&self, person_id: &str) -> Result<Option<Attachment>> {
        Ok(self
            .select_attachments(
                "WHERE person_id = ?1 ORDER BY position DESC LIMIT 1",
                &[&person_id],
            )?
            .pop())
    }

    /// Sets or clears (with `Some("")`) an attachment's caption or transcript; `None` leaves a
    /// field as it is. Recorded as a revision of its incident.
    pub fn describe_attachment(
        &mut self,
        id: &str,
        caption: Option<&str>,
        transcript: Option<&str>,
    ) -> Result<Attachment> {
        let mut attachment = self.attachment(id)?;
        if let Some(c) = caption {
            attachment.caption = crate::journal::clean_optional_long("caption", Some(c))?;
        }
        if let Some(t) = transcript {
            attachment.transcript = crate::journal::clean_optional_long("transcript", Some(t))?;
        }
        let incident_id = attachment.incident_id.clone().ok_or_else(|| {
            JournalError::Invalid("Only incident attachments have captions and transcripts.".into())
        })?;
        let tx = self.conn.transaction()?;
        let (mut body, deleted) = crate::journal::load_incident_body(&tx, &incident_id)?;
        if deleted {
            return Err(JournalError::Invalid(
                "That incident was deleted; it can no longer be changed.".into(),
            )
            .into());
        }
        let Some(entry) = body.attachments.iter_mut().find(|a| a.id == id) else {
            return Err(JournalError::Damaged(format!(
                "attachment {id} is missing from its incident's history"
            ))
            .into());
        };
        if entry.caption == attachment.caption && entry.transcript == attachment.transcript {
            return Err(JournalError::NothingChanged.into());
        }
        entry.caption = attachment.caption.clone();
        entry.transcript = attachment.transcript.clone();
        tx.execute(
            "UPDATE attachments SET caption = ?2, transcript = ?3 WHERE id = ?1",
            params![id, attachment.caption, attachment.transcript],
        )?;
        crate::journal::write_incident_revision(
            &tx,
            &incident_id,
            &body,
            crate::journal::revisions::Op::Annotate,
            None,
        )?;
        tx.commit()?;
        Ok(attachment)
    }

    pub fn attachment(&self, id: &str) -> Result<Attachment> {
        let mut found = self.select_attachments("WHERE a.id = ?1", &[&id])?;
        found.pop().ok_or_else(|| {
            JournalError::NotFound {
                what: "attachment",
                id: id.to_string(),
            }
            .into()
        })
    }

    /// Every attachment, incident exhibits in incident then import order, then people's photos.
    pub fn all_attachments(&self) -> Result<Vec<Attachment>, JournalError> {
        self.select_attachments(
            "ORDER BY a.incident_id IS NULL, a.incident_id, a.position",
            &[],
        )
        .map_err(into_journal_error)
    }

    /// The attachments of the incidents `where_clause` (over `incidents i`, with `args`)
    /// selects, in incident then import order. A join, so SQLite picks the cheaper side to
    /// drive it: the attachments when the filter keeps most incidents (the timeline), the
    /// incidents' own index when it keeps few (a month, a search). An `IN (SELECT ...)` here
    /// forced a second pass over every incident row.
    pub(crate) fn incident_attachments_where(
        &self,
        where_clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Attachment>, JournalError> {
        self.select_attachments(
            &format!(
                "JOIN incidents i ON i.id = a.incident_id WHERE {where_clause}
                 ORDER BY a.incident_id, a.position"
            ),
            args,
        )
        .map_err(into_journal_error)
    }

    /// What the original of `a` records about where and with what it was made: as found at
    /// import, or read from the original (and remembered) when it was imported before Daybook
    /// looked. Only pictures and videos are examined.
    pub fn attachment_reveals(&self, a: &Attachment) -> Result<privacy::Reveals> {
        if let Some(known) = a
            .reveals
            .as_ref()
            .filter(|r| r.examiner == privacy::EXAMINER_VERSION)
        {
            return Ok(known.clone());
        }
        if !matches!(a.kind, AttachmentKind::Image | AttachmentKind::Video) {
            return Ok(privacy::Reveals::default());
        }
        let reveals = privacy::reveals_of(&mut privacy::Forward(self.plaintext_reader(a)?));
        // A cache of what the bytes say, outside the revision chain; a file that could not be
        // checked is looked at again next time, and a failed write only costs a re-check.
        if !reveals.not_checked {
            if let Ok(json) = serde_json::to_string(&reveals) {
                let _ = self.conn.execute(
                    "UPDATE attachments SET reveals = ?2 WHERE id = ?1",
                    params![a.id, json],
                );
            }
        }
        Ok(reveals)
    }

    /// Writes the original bytes of attachment `id` to `dest` (which must not exist yet),
    /// re-checking the SHA-256 on the way; a mismatch leaves no file behind.
    pub fn export_attachment(
        &self,
        id: &str,
        dest: &Path,
        progress: Progress<'_>,
    ) -> Result<Attachment> {
        let attachment = self.attachment(id)?;
        if dest.symlink_metadata().is_ok() {
            return Err(EvidenceError::Exists(dest.to_path_buf()));
        }
        // Written straight to the name the user chose (no plaintext temp file elsewhere); a
        // failure removes the partial file.
        let export_err = |source| EvidenceError::Export {
            path: dest.to_path_buf(),
            source,
        };
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    EvidenceError::Exists(dest.to_path_buf())
                } else {
                    export_err(e)
                }
            })?;
        let mut out = BufWriter::new(file);
        let written = self
            .copy_plaintext(&attachment, &mut out, progress)
            .and_then(|()| out.flush().map_err(export_err))
            .and_then(|()| out.get_ref().sync_all().map_err(export_err));
        if let Err(e) = written {
            drop(out);
            let _ = fs::remove_file(dest);
            return Err(e);
        }
        Ok(attachment)
    }

    /// The original bytes in memory (for thumbnails and reports). Checked against the SHA-256.
    pub fn attachment_bytes(&self, attachment: &Attachment) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(attachment.size).unwrap_or(0));
        self.copy_plaintext(attachment, &mut bytes, &mut |_, _| true)?;
        Ok(bytes)
    }

    /// Streams the original bytes of `attachment` into `out`, checking size and SHA-256 at the
    /// end. On `Err` the caller must discard what was written.
    pub fn copy_attachment(
        &self,
        attachment: &Attachment,
        out: &mut dyn Write,
        progress: Progress<'_>,
    ) -> Result<()> {
        self.copy_plaintext(attachment, out, progress)
    }

    /// The decrypted bytes of `attachment` as a stream, for readers that look at part of a
    /// file (its metadata). Not checked against the SHA-256: [`Journal::copy_attachment`] is.
    pub fn plaintext_reader(&self, attachment: &Attachment) -> Result<Box<dyn Read + '_>> {
        let damaged = |detail: String| EvidenceError::Damaged {
            id: attachment.id.clone(),
            detail,
        };
        let file = File::open(self.blob_path(&attachment.id))
            .map_err(|e| damaged(format!("its encrypted file cannot be opened ({e})")))?;
        let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(CHUNK, file))
            .map_err(|e| damaged(format!("its encrypted file is unreadable ({e})")))?;
        let reader = decryptor
            .decrypt(iter::once(&self.blob_identity as &dyn age::Identity))
            .map_err(|e| damaged(format!("its encrypted file does not decrypt ({e})")))?;
        Ok(Box::new(reader))
    }

    /// Decrypts and hashes a blob without keeping it; `Err` says what is wrong.
    pub(crate) fn check_blob(&self, attachment: &Attachment) -> Result<(), String> {
        self.copy_plaintext(attachment, &mut io::sink(), &mut |_, _| true)
            .map_err(|e| match e {
                EvidenceError::Damaged { detail, .. } => detail,
                other => other.to_string(),
            })
    }

    fn copy_plaintext(
        &self,
        attachment: &Attachment,
        out: &mut dyn Write,
        progress: Progress<'_>,
    ) -> Result<()> {
        let damaged = |detail: String| EvidenceError::Damaged {
            id: attachment.id.clone(),
            detail,
        };
        let path = self.blob_path(&attachment.id);
        let file = File::open(&path)
            .map_err(|e| damaged(format!("its encrypted file cannot be opened ({e})")))?;
        let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(CHUNK, file))
            .map_err(|e| damaged(format!("its encrypted file is unreadable ({e})")))?;
        let mut reader = decryptor
            .decrypt(iter::once(&self.blob_identity as &dyn age::Identity))
            .map_err(|e| damaged(format!("its encrypted file does not decrypt ({e})")))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(damaged(format!(
                        "its encrypted file fails authentication ({e})"
                    )))
                }
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(EvidenceError::Output)?;
            total += n as u64;
            if !progress(total, attachment.size) {
                return Err(EvidenceError::Cancelled);
            }
        }
        let sha = hex::encode(hasher.finalize());
        if total != attachment.size || sha != attachment.sha256 {
            return Err(damaged(format!(
                "its content ({total} bytes, SHA-256 {sha}) does not match the record ({} bytes, SHA-256 {})",
                attachment.size, attachment.sha256
            )));
        }
        Ok(())
    }

    fn blob_path(&self, id: &str) -> PathBuf {
        self.paths().blobs.join(format!("{id}.age"))
    }

    /// Streams `source` through SHA-256 and age into `blobs/<id>.age`; returns (sha, bytes,
    /// the blob's file). The blob is not durable yet: the caller fsyncs it and the folder
    /// before any row names it, and removes it if it will not be recorded.
    fn write_blob(
        &self,
        id: &str,
        source: &Path,
        size: u64,
        progress: Progress<'_>,
    ) -> Result<(String, u64, File)> {
        let read_err = |e| EvidenceError::Read {
            path: source.to_path_buf(),
            source: e,
        };
        let mut input = File::open(source).map_err(read_err)?;
        let blobs = &self.paths().blobs;
        let mut tmp = tempfile::Builder::new()
            .prefix(fsutil::TEMP_PREFIX)
            .tempfile_in(blobs)
            .map_err(EvidenceError::Write)?;
        let recipient = self.blob_identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| EvidenceError::Write(io::Error::other(e.to_string())))?;
        let mut total = 0u64;
        let sha256 = hash_alongside(|hash| {
            let buffered = BufWriter::with_capacity(CHUNK, tmp.as_file_mut());
            let mut writer = encryptor
                .wrap_output(buffered)
                .map_err(EvidenceError::Write)?;
            loop {
                let mut buf = hash.buffer()?;
                let n = loop {
                    match input.read(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        read => break read.map_err(read_err)?,
                    }
                };
                if n == 0 {
                    break;
                }
                writer.write_all(&buf[..n]).map_err(EvidenceError::Write)?;
                hash.update(buf, n)?;
                total += n as u64;
                if total > MAX_ATTACHMENT_BYTES {
                    return Err(EvidenceError::TooLarge {
                        path: source.to_path_buf(),
                        size: total,
                    });
                }
                if !progress(total, size) {
                    return Err(EvidenceError::Cancelled);
                }
            }
            let mut buffered = writer.finish().map_err(EvidenceError::Write)?;
            buffered.flush().map_err(EvidenceError::Write)
        })?;
        if total == 0 {
            return Err(EvidenceError::Empty {
                path: source.to_path_buf(),
            });
        }
        let file = tmp
            .persist_noclobber(self.blob_path(id))
            .map_err(|e| EvidenceError::Write(e.error))?;
        Ok((sha256, total, file))
    }

    fn select_attachments(
        &self,
        tail: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Attachment>> {
        let sql = format!(
            "SELECT a.id, a.incident_id, a.person_id, a.sha256, a.size, a.original_name, a.mime,
                 a.kind, a.width, a.height, a.captured_at, a.duration_ms, a.file_modified_at,
                 a.imported_at, a.caption, a.transcript, a.reveals, a.order_id, a.phone_import_id
             FROM attachments a {tail}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            let kind: String = r.get(7)?;
            Ok(Attachment {
                id: r.get(0)?,
                incident_id: r.get(1)?,
                person_id: r.get(2)?,
                order_id: r.get(17)?,
                phone_import_id: r.get(18)?,
                sha256: r.get(3)?,
                size: r.get::<_, i64>(4)? as u64,
                original_name: r.get(5)?,
                mime: r.get(6)?,
                kind: AttachmentKind::from_key(&kind).unwrap_or(AttachmentKind::Other),
                width: r.get(8)?,
                height: r.get(9)?,
                captured_at: r.get(10)?,
                duration_ms: r.get::<_, Option<i64>>(11)?.map(|d| d as u64),
                file_modified_at: r.get(12)?,
                imported_at: r.get(13)?,
                caption: r.get(14)?,
                transcript: r.get(15)?,
                // Unreadable JSON (it is only a cache of what the bytes say) counts as unknown.
                reveals: r
                    .get::<_, Option<String>>(16)?
                    .and_then(|json| serde_json::from_str(&json).ok()),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// Inserts the attachment's row, last in its owner's order (an incident's, a person's or an
/// order's).
pub(crate) fn insert_attachment_row(
    tx: &rusqlite::Transaction<'_>,
    a: &Attachment,
) -> rusqlite::Result<()> {
    let position: i64 = tx.query_row(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM attachments
         WHERE incident_id IS ?1 AND person_id IS ?2 AND order_id IS ?3 AND phone_import_id IS ?4",
        params![a.incident_id, a.person_id, a.order_id, a.phone_import_id],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO attachments (id, incident_id, person_id, sha256, size, original_name, mime, kind,
             width, height, captured_at, duration_ms, file_modified_at, imported_at, caption, transcript, position,
             reveals, order_id, phone_import_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        params![
            a.id, a.incident_id, a.person_id, a.sha256, a.size as i64, a.original_name, a.mime, a.kind.key(),
            a.width, a.height, a.captured_at, a.duration_ms.map(|d| d as i64), a.file_modified_at,
            a.imported_at, a.caption, a.transcript, position,
            a.reveals.as_ref().and_then(|r| serde_json::to_string(r).ok()),
            a.order_id, a.phone_import_id
        ],
    )?;
    Ok(())
}

fn into_journal_error(e: EvidenceError) -> JournalError {
    match e {
        EvidenceError::Journal(j) => j,
        other => JournalError::Damaged(other.to_string()),
    }
}

/// A file size as people read it: "1 byte", "900 bytes", "37 KB", "1.4 MB", "2.0 GB".
pub fn human_size(bytes: u64) -> String {
    match bytes {
        1 => "1 byte".into(),
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Refuses links, folders and empty or oversized files before any work is done.
pub fn check_source(path: &Path) -> Result<u64> {
    let meta = path.symlink_metadata().map_err(|e| EvidenceError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    if meta.file_type().is_symlink() {
        return Err(EvidenceError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Err(EvidenceError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 {
        return Err(EvidenceError::Empty {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_ATTACHMENT_BYTES {
        return Err(EvidenceError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    Ok(meta.len())
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into())
}

/// Records a person's photo as a revision of the person, so the chain covers its SHA-256.
fn record_person_photo(tx: &rusqlite::Transaction<'_>, a: &Attachment) -> Result<()> {
    use crate::journal::revisions::{self, Entity, NewRevision, Op};
    let person_id = a.person_id.as_deref().unwrap_or_default();
    let body: String = tx.query_row("SELECT body FROM people WHERE id = ?1", [person_id], |r| {
        r.get(0)
    })?;
    insert_attachment_row(tx, a)?;
    let hashes: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT sha256 FROM attachments WHERE person_id = ?1 ORDER BY position")?;
        let rows = stmt.query_map([person_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let value: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| JournalError::Damaged(format!("person {person_id} cannot be read: {e}")))?;
    let revision = revisions::append(
        tx,
        NewRevision {
            entity: Entity::Person,
            entity_id: person_id,
            op: Op::Attach,
            reason: None,
            body: &value,
            attachments: &hashes,
        },
    )?;
    tx.execute(
        "UPDATE people SET updated_at = ?2 WHERE id = ?1",
        params![person_id, revision.recorded_at],
    )?;
    Ok(())
}

/// How many chunks may be read ahead of the hashing thread.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Chunks handed to the thread that hashes them, and their buffers coming back for reuse.
struct ChunkHasher {
    to_hash: mpsc::Sender<(Vec<u8>, usize)>,
    free: mpsc::Receiver<Vec<u8>>,
    allocated: usize,
}

impl ChunkHasher {
    /// A 64 KiB buffer to read the next chunk into: a new one while fewer than
    /// `CHUNKS_IN_FLIGHT` exist, else the next one the hashing thread is done with.
    fn buffer(&mut self) -> Result<Vec<u8>> {
        if let Ok(buf) = self.free.try_recv() {
            return Ok(buf);
        }
        if self.allocated < CHUNKS_IN_FLIGHT {
            self.allocated += 1;
            return Ok(vec![0u8; CHUNK]);
        }
        self.free.recv().map_err(|_| hasher_stopped())
    }

    /// Hashes `buf[..len]` on the hashing thread, in the order given.
    fn update(&mut self, buf: Vec<u8>, len: usize) -> Result<()> {
        self.to_hash.send((buf, len)).map_err(|_| hasher_stopped())
    }
}

fn hasher_stopped() -> EvidenceError {
    EvidenceError::Write(io::Error::other("the hashing thread stopped"))
}

/// Runs `encrypt`, which feeds every chunk it encrypts to `ChunkHasher::update`, while a
/// second thread computes their SHA-256; returns the hex digest. SHA-256 and age's
/// ChaCha20-Poly1305 each take about as long as the other per byte, so on two cores an import
/// runs at the speed of the slower one instead of their sum.
fn hash_alongside(encrypt: impl FnOnce(&mut ChunkHasher) -> Result<()>) -> Result<String> {
    thread::scope(|scope| {
        let (to_hash, chunks) = mpsc::channel::<(Vec<u8>, usize)>();
        let (to_reuse, free) = mpsc::channel();
        let hashing = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for (buf, len) in chunks {
                hasher.update(&buf[..len]);
                // The encrypting side stops taking buffers back once it is done.
                let _ = to_reuse.send(buf);
            }
            hasher.finalize()
        });
        let mut hash = ChunkHasher {
            to_hash,
            free,
            allocated: 0,
        };
        let encrypted = encrypt(&mut hash);
        // Closing the channel ends the hashing thread once it has hashed every chunk.
        drop(hash);
        let digest = hashing.join().map_err(|_| hasher_stopped())?;
        encrypted.map(|()| hex::encode(digest))
    })
}
