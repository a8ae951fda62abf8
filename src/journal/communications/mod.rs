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

mod cite;
mod extract;
pub use extract::Extract;
mod import;
mod search;
pub use search::{fields_match, search_words, SearchedFields};
mod search_index;
pub(crate) use search_index::{fill_index, keep_index_current};
mod threads;
pub use threads::{ConversationPage, RecordCursor, RecordGroup, ThreadPart};

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::revisions;
use super::{Journal, JournalError};
use crate::evidence::EvidenceError;
use crate::phone::numbers;
use crate::phone::{Clock, Format, Mark, RecordKind, Role, Service, Status};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path} is not a phone backup Daybook can read. It reads SMS Backup & Restore files from Android (the .xml files of messages and of calls), WhatsApp chat exports (the .zip, or the .txt, that \"Export chat\" makes) and unencrypted iPhone backups (the folder Finder, Apple Devices or iTunes makes).")]
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
    Chat(#[from] crate::phone::whatsapp::ChatError),
    #[error(transparent)]
    Iphone(#[from] crate::phone::iphone::IphoneError),
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
    /// Parts the message had that the backup or export did not hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_parts: Vec<MissingPart>,
    /// iMessage, SMS, WhatsApp, ...; `None` for records imported before it was noted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    /// `Some` when the time is what the phone showed (a chat export), not a clock field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Clock>,
    /// The format's own id for the record (an iPhone message's guid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    pub source: SourceRef,
}

/// A picture or file a message had that its backup or export did not hold: named, never
/// silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub mime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub address: String,
    pub number: Option<String>,
    pub role: Role,
}

impl Communication {
    /// A call whose caller ID was withheld: the backup cannot say who called.
    pub fn from_withheld_number(&self) -> bool {
        self.hidden && self.numbers.is_empty()
    }

    /// What kind of kept file the record was read from, and where in it: a chat export's
    /// line, a phone database's row with the phone's own id for it, or a backup file's record
    /// and line. Both the report and the app cite a record so.
    pub fn place_in_source(&self) -> (&'static str, String) {
        if self.service == Some(Service::WhatsApp) {
            ("chat file", format!("line {}", self.source.line))
        } else if let (Some(id), 0) = (&self.locator, self.source.line) {
            (
                "database file",
                format!("row {} (id {id})", self.source.position),
            )
        } else {
            (
                "backup file",
                format!("record {}, line {}", self.source.position, self.source.line),
            )
        }
    }

    /// How a report or list names one of its parties: the number, or for a chat party named
    /// at import, the name the chat gives them.
    pub fn party_name(&self, thread: &str) -> String {
        // A chat export names people, not numbers: its label reads as the chat wrote it.
        let named = self.service == Some(Service::WhatsApp) && !thread.starts_with('+');
        if is_stated_party(thread) || named {
            let label = if self.incoming {
                self.contact_name.as_deref()
            } else {
                self.number_raw.as_deref()
            };
            label.unwrap_or("the other party").to_string()
        } else {
            numbers::display(thread)
        }
    }

    /// Whether a report prints it with the restrained person's texts and calls: one of its
    /// parties is one of `restrained` (normalised numbers), or it is a withheld call.
    pub fn is_with_restrained(&self, restrained: &[String]) -> bool {
        self.from_withheld_number() || self.numbers.iter().any(|n| restrained.contains(n))
    }
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
    /// Its element's bytes in the kept file, `[start, end)`.
    pub byte_start: u64,
    pub byte_end: u64,
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
    /// The communications that match `filter`, in time order.
    pub fn communications(
        &self,
        filter: &CommunicationFilter,
    ) -> Result<Vec<Communication>, JournalError> {
        let mut sql = format!("{SELECT_COMMUNICATIONS} WHERE 1 = 1");
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
        for comm in &mut out {
            comm.parts = self.parts_of(&comm.id)?;
        }
        Ok(out)
    }

    /// The texts and calls a report (and its packet) prints for the days `from`..=`to` read in
    /// `zone`: those with the restrained person's numbers on record, calls from a withheld
    /// number (listed as such), and the conversations with `chosen_threads` (normalised
    /// numbers) the person chose to include. Nothing else of a backup leaves the journal
    /// through a report.
    pub fn printed_communications(
        &self,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
        zone: chrono_tz::Tz,
        chosen_threads: &[String],
    ) -> Result<Vec<Communication>, JournalError> {
        let bound = |day| day_start_ms(day, zone);
        let mut filter = CommunicationFilter {
            from_ms: from.and_then(bound),
            to_ms: to.and_then(|d| d.succ_opt()).and_then(bound),
            ..CommunicationFilter::default()
        };
        let mut numbers = self.restrained_numbers()?;
        numbers.extend(chosen_threads.iter().cloned());
        numbers.sort();
        numbers.dedup();
        let mut records = Vec::new();
        if !numbers.is_empty() {
            filter.numbers = numbers;
            records = self.communications(&filter)?;
        }
        filter.numbers.clear();
        filter.kinds = Some(vec![RecordKind::Call]);
        records.extend(
            self.communications(&filter)?
                .into_iter()
                .filter(Communication::from_withheld_number),
        );
        records.sort_by_key(|c| c.at_ms);
        Ok(records)
    }

    /// The country of numbers written without a country code: the orders' (their state).
    pub(crate) fn number_region(&self) -> Result<Option<phonenumber::country::Id>, JournalError> {
        Ok(self
            .orders()?
            .iter()
            .find_map(|o| numbers::region_for_state(&o.state)))
    }

    /// The restrained person's numbers, normalised as imports normalise them.
    pub fn restrained_numbers(&self) -> Result<Vec<String>, JournalError> {
        let region = self.number_region()?;
        let mut out: Vec<String> = self
            .people()?
            .iter()
            .filter(|p| p.role == super::model::PersonRole::Restrained)
            .flat_map(|p| {
                p.details
                    .phones
                    .iter()
                    .filter_map(|raw| numbers::normalise(raw, region))
                    .chain([stated_party(&p.id)])
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// A number as imports would store it (E.164 with the order's country), for filters.
    pub fn normalise_number(&self, raw: &str) -> Result<Option<String>, JournalError> {
        let region = self.number_region()?;
        Ok(numbers::normalise(raw, region))
    }

    /// For a database read from an encrypted iPhone backup: the encrypted file's SHA-256 and
    /// size as the backup holds it (what is kept, and hashed in a report, is the decrypted
    /// database, so a hash of the backup folder's file is this one).
    pub fn encrypted_original(
        &self,
        import_id: &str,
    ) -> Result<Option<(String, u64)>, JournalError> {
        let found: Option<(Option<String>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT json_extract(body, '$.iphone.encrypted.sha256'),
                        json_extract(body, '$.iphone.encrypted.size')
                 FROM phone_imports WHERE id = ?1",
                [import_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match found {
            Some((Some(sha256), Some(size))) => Some((sha256, u64::try_from(size).unwrap_or(0))),
            _ => None,
        })
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
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT_COMMUNICATIONS} WHERE id = ?1"))?;
        let mut comm =
            stmt.query_row([id], read_row)
                .optional()?
                .ok_or_else(|| JournalError::NotFound {
                    what: "message or call",
                    id: id.to_string(),
                })?;
        comm.parts = self.parts_of(id)?;
        Ok(comm)
    }

    /// An MMS's parts, in order.
    fn parts_of(&self, communication_id: &str) -> Result<Vec<PartRef>, JournalError> {
        let mut parts = self.conn.prepare_cached(
            "SELECT p.attachment_id, a.sha256, a.mime FROM message_parts p
             JOIN attachments a ON a.id = p.attachment_id
             WHERE p.communication_id = ?1 ORDER BY p.position",
        )?;
        let rows = parts.query_map([communication_id], |r| {
            Ok(PartRef {
                attachment_id: r.get(0)?,
                sha256: r.get(1)?,
                mime: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The first instant of `day` in `zone` (UTC ms); `None` when the zone skips its midnight
/// entirely (no zone in use does).
pub fn day_start_ms(day: chrono::NaiveDate, zone: chrono_tz::Tz) -> Option<i64> {
    use chrono::TimeZone;
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// The columns `read_row` reads, in its order.
const SELECT_COMMUNICATIONS: &str = "SELECT id, import_id, position, line, kind, at_ms, status,
    incoming, number_raw, thread, sender, hidden, contact_name, body, subject, duration_s,
    participants, byte_start, byte_end, service, marks, clock, locator, missing_parts
    FROM communications";

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
        missing_parts: json_column(r.get(23)?),
        service: json_column(r.get::<_, Option<String>>(19)?.map(|s| format!("\"{s}\""))),
        marks: json_column(r.get(20)?),
        clock: json_column(r.get(21)?),
        locator: r.get(22)?,
        source: SourceRef {
            import_id: r.get(1)?,
            position: r.get::<_, i64>(2)? as u64,
            line: r.get::<_, i64>(3)? as u64,
            byte_start: r.get::<_, i64>(17)? as u64,
            byte_end: r.get::<_, i64>(18)? as u64,
        },
    })
}

/// A JSON column's value, or the type's default when it is NULL or unreadable.
fn json_column<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// What of a record the chain covers (every stored field, and its parts' hashes).
fn chain_value(comm: &Communication) -> Value {
    let mut value = json!({
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
        "bytes": [comm.source.byte_start, comm.source.byte_end],
    });
    // Fields noted since migration 11, covered only when set so earlier digests hold.
    if let Some(fields) = value.as_object_mut() {
        if !comm.missing_parts.is_empty() {
            fields.insert("missing_parts".into(), json!(comm.missing_parts));
        }
        if let Some(service) = comm.service {
            fields.insert("service".into(), json!(service));
        }
        if !comm.marks.is_empty() {
            fields.insert("marks".into(), json!(comm.marks));
        }
        if let Some(clock) = &comm.clock {
            fields.insert("clock".into(), json!(clock));
        }
        if let Some(locator) = &comm.locator {
            fields.insert("locator".into(), json!(locator));
        }
    }
    value
}

/// The thread of a chat party the protected person said, at import, is the journal's person
/// `person_id`: a chat export names people only by the phone's contacts, so this statement
/// (kept in the import's record in the chain) is what ties the chat to them.
pub fn stated_party(person_id: &str) -> String {
    format!("{STATED_PARTY}{person_id}")
}

const STATED_PARTY: &str = "person:";

/// Whether a thread is a person named at import rather than a number.
pub fn is_stated_party(thread: &str) -> bool {
    thread.starts_with(STATED_PARTY)
}

pub(crate) fn utc_text(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}
