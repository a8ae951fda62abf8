//! Texts and calls imported from the phone's backups: each one a dated record a court can
//! follow to its source.
//!
//! An import keeps the backup file byte for byte (an attachment of the import, its id the
//! import's id), reads it once (src/phone), and stores each message or call with where it came
//! from: the kept file and the record's place and line in it. Pictures in MMS messages are
//! attachments of the import. One revision per import goes into the hash chain: it names the
//! file's SHA-256, every part's SHA-256, and a digest of every record the import added, so
//! `verify` notices a record changed, added or removed afterwards.
//!
//! Crash safety follows the attachment batches (docs/reliability.md): the import's id is logged
//! in `pending_imports` and committed before any blob exists, every blob it writes is named
//! after that id (`<id>.age`, `<id>-<n>.age`), and one transaction records everything and
//! clears the entry. A crash before that commit leaves only blobs the next unlock sweeps.
//!
//! Duplicates: backups overlap (each one holds the phone's whole history), and the same
//! message may come back with other milliseconds, the number written another way, its picture
//! present or not, or as an MMS where it was an SMS. Records share a `content_key` when they
//! are the same kind (message or call), direction, other parties (normalised) and content (the
//! text; a call's type and duration); one within two seconds of a record of another import with
//! the same key is already there.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::revisions::{self, Entity, NewRevision, Op};
use super::{time, Journal, JournalError};
use crate::evidence::blob_writer::{BlobWriter, WrittenBlob};
use crate::evidence::{self, Attachment, AttachmentKind, EvidenceError};
use crate::fsutil;
use crate::phone::numbers::{self, Numbers};
use crate::phone::{
    self, Format, PartStore, PhoneRecord, ReadError, RecordKind, Role, Status, StoredPart,
};

/// Records of two imports this close together (and alike) are one record.
const SAME_RECORD_WITHIN_MS: i64 = 2_000;
/// Unreadable records named in an import's summary (the count is always given).
const PROBLEMS_NAMED: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path} is not a phone backup Daybook can read. It reads SMS Backup & Restore files from Android (the .xml files of messages and of calls).")]
    NotABackup { path: PathBuf },
    #[error("{path} holds no messages or calls. Nothing was imported.")]
    Empty { path: PathBuf },
    #[error("{path} stops at line {line}, before its first whole message or call ({what}). Nothing was imported. If the backup was copied from the phone, copy it again.")]
    NothingWhole {
        path: PathBuf,
        line: u64,
        what: String,
    },
    #[error("The import was cancelled. Nothing was imported from {path}.")]
    Cancelled { path: PathBuf },
    #[error("Could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("Could not save the encrypted copy: {0}. Nothing was imported.")]
    Write(#[source] io::Error),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Journal(e.into())
    }
}

/// A message or call as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Communication {
    pub id: String,
    pub kind: RecordKind,
    /// UTC, RFC 3339 with milliseconds.
    pub at: String,
    pub at_ms: i64,
    pub status: Status,
    pub incoming: bool,
    /// The other party or parties as the phone wrote them.
    pub number_raw: Option<String>,
    /// The other parties' numbers, normalised (E.164 where they are phone numbers).
    pub numbers: Vec<String>,
    /// Who sent an incoming message (a group member), normalised.
    pub sender: Option<String>,
    /// The caller's number was withheld, unknown or a payphone.
    pub hidden: bool,
    /// The name the phone's contacts gave the number: its owner's label, not proof of who
    /// wrote.
    pub contact_name: Option<String>,
    pub body: Option<String>,
    pub subject: Option<String>,
    pub duration_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Participant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartRef>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub address: String,
    pub number: Option<String>,
    pub role: Role,
}

/// A picture or other part of an MMS, kept as an attachment of the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRef {
    pub attachment_id: String,
    pub sha256: String,
    pub mime: String,
}

/// Where a record came from: the kept backup (attachment id = import id) and its place in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub import_id: String,
    pub position: u64,
    pub line: u64,
}

/// What one import did, for the line printed after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneImport {
    pub path: PathBuf,
    pub format: Format,
    /// The import's id, which is also the kept file's attachment id; `None` when nothing was
    /// new, so nothing (not even the file) was kept.
    pub id: Option<String>,
    pub sha256: String,
    pub size: u64,
    pub messages: u64,
    pub calls: u64,
    pub added: u64,
    pub already_there: u64,
    /// Pictures and other parts the backup did not hold (saved without media) or that could
    /// not be read.
    pub parts_missing: u64,
    /// Records that could not be read (count), with the first few named.
    pub unreadable: u64,
    pub problems: Vec<String>,
    /// Where a file that ends early (or breaks off) stopped: everything before was imported.
    pub stopped: Option<Stopped>,
    /// This exact file was imported before, by this import.
    pub same_file_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stopped {
    pub line: u64,
    pub what: String,
}

/// Which communications to list.
#[derive(Debug, Clone, Default)]
pub struct CommunicationFilter {
    /// Only those with any of these numbers (normalised) among the other parties.
    pub numbers: Vec<String>,
    pub from_ms: Option<i64>,
    /// Exclusive.
    pub to_ms: Option<i64>,
    pub kinds: Option<Vec<RecordKind>>,
}

impl Journal {
    /// Imports one phone backup file. The file is recognised by its content; `progress` gets
    /// (bytes read, file size) and returns false to cancel (nothing is then kept).
    pub fn import_phone_backup(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<PhoneImport, ImportError> {
        let size = evidence::check_source(path)?;
        let read_err = |source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(read_err)?;
        let mut head = vec![0u8; phone::SNIFF_BYTES];
        let n = read_up_to(&mut file, &mut head).map_err(read_err)?;
        let format = phone::detect(&head[..n]).ok_or_else(|| ImportError::NotABackup {
            path: path.to_path_buf(),
        })?;
        drop(file);
        let region = self
            .orders()?
            .iter()
            .find_map(|o| numbers::region_for_state(&o.state));

        let import_id = uuid::Uuid::new_v4().to_string();
        self.conn.execute(
            "INSERT INTO pending_imports (id, started_at) VALUES (?1, ?2)",
            params![import_id, time::now_utc()],
        )?;
        let blobs = self.paths().blobs.clone();
        let recipient = self.blob_identity.to_public();
        let mut kept = KeptBlobs::default();
        let outcome = self.import_records(
            path, size, format, region, &import_id, &blobs, &recipient, &mut kept, progress,
        );
        if matches!(&outcome, Ok(Some(report)) if report.id.is_some()) {
            return outcome.map(|o| o.expect("matched Some above"));
        }
        // Nothing recorded (cancelled, refused, failed, or nothing new): nothing kept.
        kept.remove_all(&blobs);
        if fsutil::sync_dir(&blobs).is_ok() {
            let _ = self
                .conn
                .execute("DELETE FROM pending_imports WHERE id = ?1", [&import_id]);
        }
        outcome.and_then(|o| {
            o.ok_or(ImportError::Cancelled {
                path: path.to_path_buf(),
            })
        })
    }

    /// Reads the file into one transaction; `Ok(None)` when cancelled. Commits only what is to
    /// be kept; on any other outcome the caller removes every blob written.
    #[allow(clippy::too_many_arguments)]
    fn import_records(
        &mut self,
        path: &Path,
        size: u64,
        format: Format,
        region: Option<phonenumber::country::Id>,
        import_id: &str,
        blobs: &Path,
        recipient: &age::x25519::Recipient,
        kept: &mut KeptBlobs,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Option<PhoneImport>, ImportError> {
        let read_err = |source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(read_err)?;
        let source = BlobWriter::create(blobs, import_id, recipient).map_err(ImportError::Write)?;
        kept.names.push(format!("{import_id}.age"));
        let mut tee = Tee {
            input: file,
            copy: source,
            failed: None,
        };
        let mut parts = PartBlobs {
            blobs,
            recipient,
            import_id,
            kept,
        };
        let mut numbers = Numbers::new(region);
        let imported_at = time::now_utc();
        let mut report = PhoneImport {
            path: path.to_path_buf(),
            format,
            id: None,
            sha256: String::new(),
            size,
            messages: 0,
            calls: 0,
            added: 0,
            already_there: 0,
            parts_missing: 0,
            unreadable: 0,
            problems: Vec::new(),
            stopped: None,
            same_file_as: None,
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES (?1, ?2, '{}', ?3)",
            params![import_id, format.key(), imported_at],
        )?;
        let mut digest = Sha256::new();
        let mut part_hashes = Vec::new();
        let mut read_failure = None;
        {
            let mut reader = format.reader(BufReader::with_capacity(256 * 1024, &mut tee));
            loop {
                let record = match reader.next_record(&mut parts) {
                    Ok(Some(record)) => record,
                    Ok(None) => break,
                    Err(ReadError::Record { line, what }) => {
                        report.unreadable += 1;
                        if report.problems.len() < PROBLEMS_NAMED {
                            report.problems.push(format!("line {line}: {what}"));
                        }
                        continue;
                    }
                    Err(ReadError::Xml(phone::xml::XmlError::Io(io))) => {
                        read_failure = Some(io);
                        break;
                    }
                    Err(e) => {
                        let line = match &e {
                            ReadError::Xml(phone::xml::XmlError::Truncated { line })
                            | ReadError::Xml(phone::xml::XmlError::Malformed { line, .. }) => *line,
                            _ => 0,
                        };
                        let what = match e.truncated_at() {
                            Some(_) => "the file ends in the middle of a record".to_string(),
                            None => e.to_string(),
                        };
                        report.stopped = Some(Stopped { line, what });
                        break;
                    }
                };
                if !progress(reader.offset(), size) {
                    return Ok(None);
                }
                if record.kind.is_call() {
                    report.calls += 1;
                } else {
                    report.messages += 1;
                }
                report.parts_missing += record
                    .parts
                    .iter()
                    .filter(|p| !matches!(p.data, Some(Ok(_))))
                    .count() as u64;
                let comm = to_communication(&record, import_id, &mut numbers);
                if is_duplicate(&tx, &comm, import_id)? {
                    report.already_there += 1;
                    for stored in record.stored_parts() {
                        parts.kept.remove(blobs, &stored.blob_id);
                    }
                    continue;
                }
                let comm = store_communication(&tx, comm, &record, import_id, &imported_at)?;
                digest.update(revisions::canonical_json(&chain_value(&comm)).as_bytes());
                digest.update(b"\n");
                part_hashes.extend(comm.parts.iter().map(|p| p.sha256.clone()));
                report.added += 1;
            }
        }
        // A failed copy surfaces in the reader as a read error; say which it was.
        if let Some(e) = tee.failed.take() {
            return Err(ImportError::Write(e));
        }
        if let Some(e) = read_failure {
            return Err(read_err(e));
        }
        let written = tee.copy.finish().map_err(ImportError::Write)?;
        report.sha256 = written.sha256.clone();
        report.size = written.size;
        report.same_file_as = tx
            .query_row(
                "SELECT phone_import_id FROM attachments
                 WHERE phone_import_id IS NOT NULL AND id = phone_import_id AND sha256 = ?1",
                [&written.sha256],
                |r| r.get(0),
            )
            .optional()?;
        if report.added == 0 {
            if report.messages + report.calls + report.unreadable == 0 {
                return match report.stopped.take() {
                    Some(Stopped { line, what }) => Err(ImportError::NothingWhole {
                        path: path.to_path_buf(),
                        line,
                        what,
                    }),
                    None => Err(ImportError::Empty {
                        path: path.to_path_buf(),
                    }),
                };
            }
            // Nothing new: nothing is recorded, not even the file (the caller removes it).
            return Ok(Some(report));
        }
        fsutil::sync_dir(blobs).map_err(ImportError::Write)?;
        let source = Attachment {
            id: import_id.to_string(),
            incident_id: None,
            person_id: None,
            order_id: None,
            phone_import_id: Some(import_id.to_string()),
            sha256: written.sha256.clone(),
            size: written.size,
            original_name: file_name(path),
            mime: "application/xml".into(),
            kind: AttachmentKind::Document,
            width: None,
            height: None,
            captured_at: None,
            duration_ms: None,
            file_modified_at: None,
            imported_at: imported_at.clone(),
            caption: None,
            transcript: None,
            reveals: None,
        };
        evidence::insert_attachment_row(&tx, &source)?;
        let body = import_body(&report, &written, format, &hex::encode(digest.finalize()));
        tx.execute(
            "UPDATE phone_imports SET body = ?2 WHERE id = ?1",
            params![import_id, revisions::canonical_json(&body)],
        )?;
        let mut hashes = vec![written.sha256.clone()];
        hashes.extend(part_hashes);
        revisions::append(
            &tx,
            NewRevision {
                entity: Entity::PhoneImport,
                entity_id: import_id,
                op: Op::Create,
                reason: None,
                body: &body,
                attachments: &hashes,
            },
        )?;
        tx.execute("DELETE FROM pending_imports WHERE id = ?1", [import_id])?;
        tx.commit()?;
        report.id = Some(import_id.to_string());
        Ok(Some(report))
    }

    /// The communications that match `filter`, in time order.
    pub fn communications(
        &self,
        filter: &CommunicationFilter,
    ) -> Result<Vec<Communication>, JournalError> {
        let mut sql = String::from(
            "SELECT id, import_id, position, line, kind, at_ms, status, incoming, number_raw,
                 thread, sender, hidden, contact_name, body, subject, duration_s, participants
             FROM communications WHERE 1 = 1",
        );
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(from) = filter.from_ms {
            args.push(Box::new(from));
            sql.push_str(&format!(" AND at_ms >= ?{}", args.len()));
        }
        if let Some(to) = filter.to_ms {
            args.push(Box::new(to));
            sql.push_str(&format!(" AND at_ms < ?{}", args.len()));
        }
        if let Some(kinds) = &filter.kinds {
            let keys: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.key())).collect();
            sql.push_str(&format!(" AND kind IN ({})", keys.join(", ")));
        }
        if !filter.numbers.is_empty() {
            let mut any = Vec::new();
            for number in &filter.numbers {
                args.push(Box::new(format!("% {number} %")));
                any.push(format!("' ' || thread || ' ' LIKE ?{}", args.len()));
            }
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
        sql.push_str(" ORDER BY at_ms, import_id, position");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
            read_row,
        )?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut parts = self.conn.prepare_cached(
            "SELECT p.attachment_id, a.sha256, a.mime FROM message_parts p
             JOIN attachments a ON a.id = p.attachment_id
             WHERE p.communication_id = ?1 ORDER BY p.position",
        )?;
        for comm in &mut out {
            comm.parts = parts
                .query_map([&comm.id], |r| {
                    Ok(PartRef {
                        attachment_id: r.get(0)?,
                        sha256: r.get(1)?,
                        mime: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
    }

    /// The restrained person's numbers, normalised as imports normalise them.
    pub fn restrained_numbers(&self) -> Result<Vec<String>, JournalError> {
        let region = self
            .orders()?
            .iter()
            .find_map(|o| numbers::region_for_state(&o.state));
        let mut out: Vec<String> = self
            .people()?
            .iter()
            .filter(|p| p.role == super::model::PersonRole::Restrained)
            .flat_map(|p| p.details.phones.iter())
            .filter_map(|raw| numbers::normalise(raw, region))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// A number as imports would store it (E.164 with the order's country), for filters.
    pub fn normalise_number(&self, raw: &str) -> Result<Option<String>, JournalError> {
        let region = self
            .orders()?
            .iter()
            .find_map(|o| numbers::region_for_state(&o.state));
        Ok(numbers::normalise(raw, region))
    }

    /// `verify`'s check of every import: the records it added are those its revision
    /// recorded (by digest). Returns the first import whose records differ.
    pub(crate) fn phone_import_mismatch(
        &self,
        latest_bodies: &HashMap<String, String>,
    ) -> Result<Option<String>, JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM phone_imports ORDER BY id")?;
        let ids: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            let Some(body) = latest_bodies.get(&id) else {
                return Ok(Some(id));
            };
            let recorded: Value = serde_json::from_str(body)
                .map_err(|e| JournalError::Damaged(format!("phone import {id}: {e}")))?;
            let mut digest = Sha256::new();
            let mut count = 0u64;
            let mut stmt = self.conn.prepare_cached(
                "SELECT id FROM communications WHERE import_id = ?1 ORDER BY position",
            )?;
            let comm_ids: Vec<String> = stmt
                .query_map([&id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for comm_id in comm_ids {
                let comm = self.communication(&comm_id)?;
                digest.update(revisions::canonical_json(&chain_value(&comm)).as_bytes());
                digest.update(b"\n");
                count += 1;
            }
            let matches = recorded["records"]["digest"].as_str()
                == Some(hex::encode(digest.finalize()).as_str())
                && recorded["records"]["added"].as_u64() == Some(count);
            if !matches {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    pub fn communication(&self, id: &str) -> Result<Communication, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, import_id, position, line, kind, at_ms, status, incoming, number_raw,
                 thread, sender, hidden, contact_name, body, subject, duration_s, participants
             FROM communications WHERE id = ?1",
        )?;
        let mut comm =
            stmt.query_row([id], read_row)
                .optional()?
                .ok_or_else(|| JournalError::NotFound {
                    what: "message or call",
                    id: id.to_string(),
                })?;
        let mut parts = self.conn.prepare_cached(
            "SELECT p.attachment_id, a.sha256, a.mime FROM message_parts p
             JOIN attachments a ON a.id = p.attachment_id
             WHERE p.communication_id = ?1 ORDER BY p.position",
        )?;
        comm.parts = parts
            .query_map([id], |r| {
                Ok(PartRef {
                    attachment_id: r.get(0)?,
                    sha256: r.get(1)?,
                    mime: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(comm)
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Communication> {
    let kind: String = r.get(4)?;
    let status: String = r.get(6)?;
    let at_ms: i64 = r.get(5)?;
    let thread: String = r.get(9)?;
    let participants: Option<String> = r.get(16)?;
    Ok(Communication {
        id: r.get(0)?,
        kind: RecordKind::from_key(&kind).unwrap_or(RecordKind::Sms),
        at: utc_text(at_ms),
        at_ms,
        status: Status::from_key(&status),
        incoming: r.get(7)?,
        number_raw: r.get(8)?,
        numbers: thread
            .split(' ')
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect(),
        sender: r.get(10)?,
        hidden: r.get(11)?,
        contact_name: r.get(12)?,
        body: r.get(13)?,
        subject: r.get(14)?,
        duration_s: r.get(15)?,
        participants: participants
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default(),
        parts: Vec::new(),
        source: SourceRef {
            import_id: r.get(1)?,
            position: r.get::<_, i64>(2)? as u64,
            line: r.get::<_, i64>(3)? as u64,
        },
    })
}

/// What of a record the chain covers (every stored field, and its parts' hashes).
fn chain_value(comm: &Communication) -> Value {
    json!({
        "id": comm.id,
        "kind": comm.kind.key(),
        "at_ms": comm.at_ms,
        "status": comm.status.key(),
        "incoming": comm.incoming,
        "number_raw": comm.number_raw,
        "numbers": comm.numbers,
        "sender": comm.sender,
        "hidden": comm.hidden,
        "contact_name": comm.contact_name,
        "body": comm.body,
        "subject": comm.subject,
        "duration_s": comm.duration_s,
        "participants": comm.participants,
        "parts": comm.parts.iter().map(|p| json!([p.attachment_id, p.sha256, p.mime])).collect::<Vec<_>>(),
        "position": comm.source.position,
        "line": comm.source.line,
    })
}

fn import_body(report: &PhoneImport, written: &WrittenBlob, format: Format, digest: &str) -> Value {
    json!({
        "file": {
            "name": file_name(&report.path),
            "sha256": written.sha256,
            "size": written.size,
            "format": format.key(),
        },
        "records": {
            "messages": report.messages,
            "calls": report.calls,
            "added": report.added,
            "already_there": report.already_there,
            "unreadable": report.unreadable,
            "digest": digest,
        },
        "stopped": report.stopped,
    })
}

fn to_communication(record: &PhoneRecord, import_id: &str, numbers: &mut Numbers) -> Communication {
    let mut others: Vec<String> = record
        .address
        .as_deref()
        .unwrap_or_default()
        .split('~')
        .filter_map(|a| numbers.normalise(a))
        .collect();
    others.sort();
    others.dedup();
    let participants: Vec<Participant> = record
        .participants
        .iter()
        .map(|p| Participant {
            address: p.address.clone(),
            number: numbers.normalise(&p.address),
            role: p.role,
        })
        .collect();
    let incoming = record.status.incoming();
    let sender = if !incoming {
        None
    } else if record.kind == RecordKind::Mms {
        participants
            .iter()
            .find(|p| p.role == Role::From)
            .and_then(|p| p.number.clone())
            .or_else(|| (others.len() == 1).then(|| others[0].clone()))
    } else {
        others.first().cloned()
    };
    Communication {
        id: uuid::Uuid::new_v4().to_string(),
        kind: record.kind,
        at: utc_text(record.at_ms),
        at_ms: record.at_ms,
        status: record.status,
        incoming,
        number_raw: record.address.clone(),
        numbers: others,
        sender,
        hidden: record.hidden,
        contact_name: record.contact_name.clone(),
        body: record.body.clone(),
        subject: record.subject.clone(),
        duration_s: record.duration_s,
        participants,
        parts: Vec::new(),
        source: SourceRef {
            import_id: import_id.to_string(),
            position: record.position,
            line: record.line,
        },
    }
}

/// What two copies of one record share, whatever backup they came from.
fn content_key(comm: &Communication) -> String {
    let mut hasher = Sha256::new();
    let class = if comm.kind.is_call() {
        "call"
    } else {
        "message"
    };
    hasher.update(class.as_bytes());
    hasher.update([0, u8::from(comm.incoming), 0]);
    hasher.update(comm.numbers.join(" ").as_bytes());
    hasher.update([0]);
    if comm.kind.is_call() {
        hasher.update(comm.status.key().as_bytes());
        hasher.update([0]);
        hasher.update(comm.duration_s.unwrap_or(0).to_string().as_bytes());
    } else {
        let text: String = comm
            .body
            .as_deref()
            .unwrap_or_default()
            .trim()
            .nfc()
            .collect();
        hasher.update(text.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn is_duplicate(
    tx: &Transaction<'_>,
    comm: &Communication,
    import_id: &str,
) -> rusqlite::Result<bool> {
    tx.prepare_cached(
        "SELECT 1 FROM communications
         WHERE content_key = ?1 AND at_ms BETWEEN ?2 AND ?3 AND import_id != ?4 LIMIT 1",
    )?
    .exists(params![
        content_key(comm),
        comm.at_ms - SAME_RECORD_WITHIN_MS,
        comm.at_ms + SAME_RECORD_WITHIN_MS,
        import_id
    ])
}

fn store_communication(
    tx: &Transaction<'_>,
    mut comm: Communication,
    record: &PhoneRecord,
    import_id: &str,
    imported_at: &str,
) -> rusqlite::Result<Communication> {
    tx.prepare_cached(
        "INSERT INTO communications (id, import_id, position, line, kind, at_ms, status, incoming,
             number_raw, thread, sender, hidden, contact_name, body, subject, duration_s,
             participants, content_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        comm.id,
        import_id,
        comm.source.position as i64,
        comm.source.line as i64,
        comm.kind.key(),
        comm.at_ms,
        comm.status.key(),
        comm.incoming,
        comm.number_raw,
        comm.numbers.join(" "),
        comm.sender,
        comm.hidden,
        comm.contact_name,
        comm.body,
        comm.subject,
        comm.duration_s,
        (!comm.participants.is_empty())
            .then(|| serde_json::to_string(&comm.participants).unwrap_or_default()),
        content_key(&comm),
    ])?;
    let mut position = 0;
    for part in &record.parts {
        let Some(Ok(stored)) = &part.data else {
            continue;
        };
        position += 1;
        let kind = kind_of(&part.mime);
        let name = part
            .name
            .clone()
            .unwrap_or_else(|| format!("part-{}-{position}", record.position));
        let attachment = Attachment {
            id: stored.blob_id.clone(),
            incident_id: None,
            person_id: None,
            order_id: None,
            phone_import_id: Some(import_id.to_string()),
            sha256: stored.sha256.clone(),
            size: stored.size,
            original_name: name,
            mime: part.mime.clone(),
            kind,
            width: None,
            height: None,
            captured_at: None,
            duration_ms: None,
            file_modified_at: None,
            imported_at: imported_at.to_string(),
            caption: None,
            transcript: None,
            reveals: None,
        };
        evidence::insert_attachment_row(tx, &attachment)?;
        tx.prepare_cached(
            "INSERT INTO message_parts (communication_id, position, attachment_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![comm.id, position, stored.blob_id])?;
        comm.parts.push(PartRef {
            attachment_id: stored.blob_id.clone(),
            sha256: stored.sha256.clone(),
            mime: part.mime.clone(),
        });
    }
    Ok(comm)
}

/// The kind an MMS part says it is; the report looks at the bytes before it prints one.
fn kind_of(mime: &str) -> AttachmentKind {
    match mime.split('/').next().unwrap_or_default() {
        "image" => AttachmentKind::Image,
        "audio" => AttachmentKind::Audio,
        "video" => AttachmentKind::Video,
        "text" | "application" => AttachmentKind::Document,
        _ => AttachmentKind::Other,
    }
}

pub(crate) fn utc_text(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into())
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The blobs an import has written, by file name, so a failed or cancelled import (or a
/// duplicate record's picture) leaves none behind.
#[derive(Default)]
struct KeptBlobs {
    names: Vec<String>,
    /// Parts numbered so far (a removed part's number is not used again).
    parts: u64,
}

impl KeptBlobs {
    fn remove(&mut self, blobs: &Path, blob_id: &str) {
        let name = format!("{blob_id}.age");
        let _ = fs::remove_file(blobs.join(&name));
        self.names.retain(|n| *n != name);
    }

    fn remove_all(&mut self, blobs: &Path) {
        for name in self.names.drain(..) {
            let _ = fs::remove_file(blobs.join(name));
        }
    }
}

/// Copies the backup into its blob as the reader reads it: the file is read once.
struct Tee {
    input: File,
    copy: BlobWriter,
    failed: Option<io::Error>,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        if let Err(e) = self.copy.write_all(&buf[..n]) {
            let kind = e.kind();
            self.failed = Some(e);
            return Err(io::Error::new(kind, "could not save the encrypted copy"));
        }
        Ok(n)
    }
}

/// Keeps MMS parts as blobs named `<import id>-<n>.age`.
struct PartBlobs<'a> {
    blobs: &'a Path,
    recipient: &'a age::x25519::Recipient,
    import_id: &'a str,
    kept: &'a mut KeptBlobs,
}

impl PartStore for PartBlobs<'_> {
    fn store(&mut self, data: &mut dyn Read) -> Result<StoredPart, String> {
        self.kept.parts += 1;
        let blob_id = format!("{}-{}", self.import_id, self.kept.parts);
        let mut writer = BlobWriter::create(self.blobs, &blob_id, self.recipient)
            .map_err(|e| format!("could not save it ({e})"))?;
        if let Err(e) = io::copy(data, &mut writer) {
            return Err(format!("its data is damaged ({e})"));
        }
        if writer.size() == 0 {
            return Err("the backup holds no data for it".into());
        }
        let written = writer
            .finish()
            .map_err(|e| format!("could not save it ({e})"))?;
        self.kept.names.push(format!("{blob_id}.age"));
        Ok(StoredPart {
            blob_id,
            sha256: written.sha256,
            size: written.size,
        })
    }
}
