//! Reading one backup file into the journal (see the module's notes on crash safety and
//! duplicates).

mod iphone;

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::{
    chain_value, utc_text, Communication, ImportError, MissingPart, PartRef, Participant,
    PhoneImport, SourceRef, Stopped,
};
use crate::evidence::blob_writer::{BlobWriter, WrittenBlob};
use crate::evidence::{self, Attachment, AttachmentKind};
use crate::fsutil;
use crate::journal::revisions::{self, Entity, NewRevision, Op};
use crate::journal::{time, Journal};
use crate::phone::numbers::Numbers;
use crate::phone::whatsapp::{
    self, ChatChoices, ChatError, ChatFacts, ChatReader, ChatSettings, ChatSource,
};
use crate::phone::{
    self, Clock, Format, PartStore, PhoneReader, PhoneRecord, ReadError, RecordKind, Role,
    SmsBackupReader, StoredPart,
};

/// Records of two imports this close together (and alike) are one record.
const SAME_RECORD_WITHIN_MS: i64 = 2_000;
/// Unreadable records named in an import's summary (the count is always given).
const PROBLEMS_NAMED: usize = 5;

impl Journal {
    /// Imports one phone backup file. The file is recognised by its content; `progress` gets
    /// (bytes read, file size) and returns false to cancel (nothing is then kept).
    pub fn import_phone_backup(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<PhoneImport, ImportError> {
        self.import_phone_records(path, &ChatChoices::default(), progress)
    }

    /// Imports a phone backup or a chat export, with what the person says about a chat that
    /// its file cannot (its zone; which sender is them; see [`ChatChoices`]).
    pub fn import_phone_records(
        &mut self,
        path: &Path,
        choices: &ChatChoices,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<PhoneImport, ImportError> {
        let size = evidence::check_source(path)?;
        let read_err = |source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(read_err)?;
        let mut head = vec![0u8; phone::SNIFF_BYTES];
        let n = fsutil::read_up_to(&mut file, &mut head).map_err(read_err)?;
        drop(file);
        let source = match phone::detect(&head[..n]) {
            Some(format) => Source::Backup(format),
            None => Source::Chat(ChatSource::detect(path, &head[..n]).ok_or_else(|| {
                ImportError::NotABackup {
                    path: path.to_path_buf(),
                }
            })?),
        };
        // The same file again (people re-import the backup they have) is recognised from its
        // SHA-256 alone, read at the speed of the disk, before anything is decrypted, parsed
        // or encrypted (measured: 0.8 s instead of 19.5 s for a 1 GB backup).
        let sha256 = fsutil::sha256_file(path).map_err(read_err)?;
        if let Some(report) = self.same_file_again(path, source.format(), &sha256, size)? {
            return Ok(report);
        }
        let region = self.number_region()?;
        let format = source.format();
        // A chat is read through before anything is kept: to learn its date order and
        // senders, and to refuse what the person must decide first.
        let source = match source {
            Source::Backup(_) => Prepared::Backup,
            Source::Chat(chat) => {
                let settings = settings_for_chat(path, &chat, choices)?;
                Prepared::Chat(chat, settings)
            }
        };
        let export = match &source {
            Prepared::Chat(ChatSource::Zip { .. }, _) => Some(KeptExport {
                name: file_name(path),
                sha256: sha256.clone(),
                size,
            }),
            _ => None,
        };

        let import_id = self.begin_pending_import()?;
        let blobs = self.paths().blobs.clone();
        let recipient = self.blob_identity.to_public();
        let mut kept = KeptBlobs::default();
        // The person the chat is with, when they say so: its one other party's name.
        let stated = match (&source, &choices.with_person) {
            (Prepared::Chat(_, settings), Some(person_id)) => {
                self.person(person_id)?;
                settings.parties.others.first().map(|label| StatedParty {
                    person_id: person_id.clone(),
                    name_in_chat: label.clone(),
                })
            }
            _ => None,
        };
        let (kept_name, kept_mime) = match &source {
            Prepared::Backup => (file_name(path), "application/xml"),
            Prepared::Chat(chat, _) => (chat.text_name(path), "text/plain"),
        };
        let target = Target {
            path,
            kept_name,
            kept_mime,
            format,
            export,
            stated,
            region,
            import_id: &import_id,
            blobs: &blobs,
            recipient: &recipient,
        };
        let outcome = match source {
            Prepared::Backup => File::open(path).map_err(read_err).and_then(|mut file| {
                self.import_records(&mut file, size, &target, &mut kept, progress, |input| {
                    Box::new(SmsBackupReader::new(input))
                })
            }),
            Prepared::Chat(chat, settings) => {
                let media = chat.media(path).map_err(read_err)?;
                let total = chat.text_size(path).map_err(read_err)?;
                chat.with_text(path, |text| {
                    self.import_records(text, total, &target, &mut kept, progress, |input| {
                        Box::new(ChatReader::new(input, settings, media))
                    })
                })
                .map_err(read_err)
                .and_then(|r| r)
            }
        };
        self.settle(outcome, &mut kept, &blobs, &import_id, path)
    }

    /// A new import's id, noted as pending first, so that blobs a crash leaves behind are
    /// found and removed at the next unlock.
    fn begin_pending_import(&self) -> Result<String, ImportError> {
        let import_id = uuid::Uuid::new_v4().to_string();
        self.conn.execute(
            "INSERT INTO pending_imports (id, started_at) VALUES (?1, ?2)",
            params![import_id, time::now_utc()],
        )?;
        Ok(import_id)
    }

    /// An import's end: what it recorded, or (cancelled, refused, failed, or nothing new)
    /// every blob it wrote removed and its pending entry cleared.
    fn settle(
        &self,
        outcome: Result<Option<PhoneImport>, ImportError>,
        kept: &mut KeptBlobs,
        blobs: &Path,
        import_id: &str,
        path: &Path,
    ) -> Result<PhoneImport, ImportError> {
        if matches!(&outcome, Ok(Some(report)) if report.id.is_some()) {
            return outcome.map(|o| o.expect("matched Some above"));
        }
        kept.remove_all(blobs);
        if fsutil::sync_dir(blobs).is_ok() {
            let _ = self
                .conn
                .execute("DELETE FROM pending_imports WHERE id = ?1", [import_id]);
        }
        outcome.and_then(|o| {
            o.ok_or(ImportError::Cancelled {
                path: path.to_path_buf(),
            })
        })
    }

    /// The summary of importing a file already kept: every record is already there.
    fn same_file_again(
        &self,
        path: &Path,
        format: Format,
        sha256: &str,
        size: u64,
    ) -> Result<Option<PhoneImport>, ImportError> {
        let earlier: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT i.id, i.body FROM phone_imports i
                 LEFT JOIN attachments a ON a.id = i.id AND a.phone_import_id = i.id
                 WHERE a.sha256 = ?1 OR json_extract(i.body, '$.export.sha256') = ?1
                 ORDER BY i.imported_at LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, body)) = earlier else {
            return Ok(None);
        };
        let Ok(body) = serde_json::from_str::<Value>(&body) else {
            return Ok(None);
        };
        let count = |key: &str| body["records"][key].as_u64();
        let (Some(messages), Some(calls), Some(unreadable)) =
            (count("messages"), count("calls"), count("unreadable"))
        else {
            return Ok(None);
        };
        Ok(Some(PhoneImport {
            path: path.to_path_buf(),
            format,
            id: None,
            sha256: sha256.to_string(),
            size,
            messages,
            calls,
            added: 0,
            already_there: messages + calls,
            parts_missing: 0,
            unreadable,
            problems: Vec::new(),
            stopped: serde_json::from_value(body["stopped"].clone())
                .ok()
                .flatten(),
            same_file_as: Some(id),
        }))
    }

    /// Reads `input` (the backup, or a chat's text) into one transaction, keeping it byte for
    /// byte as it is read; `Ok(None)` when cancelled. Commits only what is to be kept; on any
    /// other outcome the caller removes every blob written.
    fn import_records<'i>(
        &mut self,
        input: &'i mut dyn Read,
        size: u64,
        target: &Target<'_>,
        kept: &mut KeptBlobs,
        progress: &mut dyn FnMut(u64, u64) -> bool,
        make_reader: impl for<'t> FnOnce(BufReader<&'t mut Tee<'i>>) -> Box<dyn PhoneReader + 't>,
    ) -> Result<Option<PhoneImport>, ImportError> {
        let Target {
            path,
            import_id,
            blobs,
            recipient,
            ..
        } = *target;
        let read_err = |source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        };
        let source = BlobWriter::create(blobs, import_id, recipient).map_err(ImportError::Write)?;
        kept.names.push(format!("{import_id}.age"));
        let mut tee = Tee {
            input,
            copy: source,
            failed: None,
        };
        let mut parts = PartBlobs {
            blobs,
            recipient,
            import_id,
            kept,
        };
        let tx = self.conn.transaction()?;
        let mut batch = Batch::begin(&tx, target, size)?;
        let mut read_failure = None;
        {
            let mut reader = make_reader(BufReader::with_capacity(256 * 1024, &mut tee));
            loop {
                let record = match reader.next_record(&mut parts) {
                    Ok(Some(record)) => record,
                    Ok(None) => break,
                    Err(ReadError::Record { line, what }) => {
                        batch.unreadable(format!("line {line}: {what}"));
                        continue;
                    }
                    Err(ReadError::Xml(phone::xml::XmlError::Io(io)) | ReadError::Io(io)) => {
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
                        batch.report.stopped = Some(Stopped { line, what });
                        break;
                    }
                };
                if !progress(reader.offset(), size) {
                    return Ok(None);
                }
                if !batch.add(&tx, target, &record)? {
                    for stored in record.stored_parts() {
                        parts.kept.remove(blobs, &stored.blob_id);
                    }
                }
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
        batch.finish(tx, target, &written, json!({}))
    }
}

/// The records of one kept file, added in one transaction: counted, checked for duplicates,
/// stored, and digested for the import's entry in the hash chain.
struct Batch {
    report: PhoneImport,
    numbers: Numbers,
    imported_at: String,
    digest: Sha256,
    part_hashes: Vec<String>,
}

impl Batch {
    fn begin(tx: &Transaction<'_>, target: &Target<'_>, size: u64) -> Result<Batch, ImportError> {
        let imported_at = time::now_utc();
        tx.execute(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES (?1, ?2, '{}', ?3)",
            params![target.import_id, target.format.key(), imported_at],
        )?;
        Ok(Batch {
            report: PhoneImport {
                path: target.path.to_path_buf(),
                format: target.format,
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
            },
            numbers: Numbers::new(target.region),
            imported_at,
            digest: Sha256::new(),
            part_hashes: Vec::new(),
        })
    }

    fn unreadable(&mut self, what: String) {
        self.report.unreadable += 1;
        if self.report.problems.len() < PROBLEMS_NAMED {
            self.report.problems.push(what);
        }
    }

    /// Adds `record` unless another import holds it already (then false: the caller gives
    /// back its parts' blobs).
    fn add(
        &mut self,
        tx: &Transaction<'_>,
        target: &Target<'_>,
        record: &PhoneRecord,
    ) -> Result<bool, ImportError> {
        if record.at_ms >= LATEST_RECORD_MS {
            let what = if record.kind.is_call() {
                "call"
            } else {
                "message"
            };
            self.unreadable(format!(
                "line {}: a {what} dated after the year 2200",
                record.line
            ));
            return Ok(false);
        }
        let report = &mut self.report;
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
        let comm = to_communication(
            record,
            target.import_id,
            &mut self.numbers,
            target.stated.as_ref(),
        );
        if is_duplicate(tx, &comm, target.import_id)? {
            report.already_there += 1;
            return Ok(false);
        }
        let comm = store_communication(tx, comm, record, target.import_id, &self.imported_at)?;
        self.digest
            .update(revisions::canonical_json(&chain_value(&comm)).as_bytes());
        self.digest.update(b"\n");
        self.part_hashes
            .extend(comm.parts.iter().map(|p| p.sha256.clone()));
        report.added += 1;
        Ok(true)
    }

    /// Records the kept file and the import's chain entry (with `more` in its body) and
    /// commits; `Ok(Some)` without an id when nothing was new (nothing is then recorded).
    fn finish(
        self,
        tx: Transaction<'_>,
        target: &Target<'_>,
        written: &WrittenBlob,
        more: Value,
    ) -> Result<Option<PhoneImport>, ImportError> {
        let Batch {
            mut report,
            imported_at,
            digest,
            part_hashes,
            ..
        } = self;
        let (path, import_id) = (target.path, target.import_id);
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
        fsutil::sync_dir(target.blobs).map_err(ImportError::Write)?;
        let source = Attachment {
            id: import_id.to_string(),
            incident_id: None,
            person_id: None,
            order_id: None,
            phone_import_id: Some(import_id.to_string()),
            sha256: written.sha256.clone(),
            size: written.size,
            original_name: target.kept_name.clone(),
            mime: target.kept_mime.into(),
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
        let mut body = import_body(
            &report,
            written,
            target.format,
            &hex::encode(digest.finalize()),
        );
        body["file"]["name"] = json!(target.kept_name);
        if let Some(export) = &target.export {
            // The chat's text was kept from inside this zip (its media are the parts).
            body["export"] = json!(export);
        }
        if let Some(stated) = &target.stated {
            body["stated_party"] = json!(stated);
        }
        if let (Some(fields), Value::Object(more)) = (body.as_object_mut(), more) {
            fields.extend(more);
        }
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
        // Filed in the search index in order of place, as one batch (search_index.rs).
        super::search_index::index_pending(&tx)?;
        tx.commit()?;
        report.id = Some(import_id.to_string());
        Ok(Some(report))
    }
}

/// 2200-01-01 00:00 UTC: a record dated at or after it is not a real phone's and is not
/// imported (each reader refuses dates before 1970 already). The search index can tell times
/// apart only up to 2209 (search_index.rs): a backup of made-up dates centuries ahead could
/// otherwise fill its last hour and fail the whole import.
const LATEST_RECORD_MS: i64 = 7_258_118_400_000;

/// What is being imported and where it is kept.
struct Target<'a> {
    path: &'a Path,
    /// The kept file's name and type: the backup's, or the chat text's.
    kept_name: String,
    kept_mime: &'static str,
    format: Format,
    /// The `.zip` a chat's text was read from.
    export: Option<KeptExport>,
    stated: Option<StatedParty>,
    region: Option<phonenumber::country::Id>,
    import_id: &'a str,
    blobs: &'a Path,
    recipient: &'a age::x25519::Recipient,
}

/// The export file a chat came in, named in the import's record (its text and media are kept,
/// each byte for byte, rather than the zip).
#[derive(serde::Serialize)]
struct KeptExport {
    name: String,
    sha256: String,
    size: u64,
}

/// Who the person said a chat's other party is, recorded in the import's chain entry.
#[derive(serde::Serialize)]
struct StatedParty {
    person_id: String,
    name_in_chat: String,
}

/// What a file was recognised as.
enum Source {
    Backup(Format),
    Chat(ChatSource),
}

impl Source {
    fn format(&self) -> Format {
        match self {
            Source::Backup(format) => *format,
            Source::Chat(_) => Format::WhatsAppChat,
        }
    }
}

/// A recognised file with what its reader needs.
enum Prepared {
    Backup,
    Chat(ChatSource, ChatSettings),
}

/// Reads a chat through once: its zone, date order and senders, and a refusal of what the
/// person must decide first (which sender they are, a repeated hour).
fn settings_for_chat(
    path: &Path,
    chat: &ChatSource,
    choices: &ChatChoices,
) -> Result<ChatSettings, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let zone = ChatSettings::zone(choices)?;
    let facts = chat
        .with_text(path, |text| ChatFacts::scan(BufReader::new(text), choices))
        .map_err(read_err)??;
    let name = whatsapp::chat_name(&file_name(path))
        .or_else(|| whatsapp::chat_name(&chat.text_name(path)));
    let parties = facts.parties(name.as_deref(), choices.me.as_deref())?;
    if choices.with_person.is_some() && parties.others.len() != 1 {
        return Err(ChatError::NotOneOther {
            count: parties.others.len(),
            senders: parties.others.join(", "),
        }
        .into());
    }
    let settings = ChatSettings {
        order: facts.order,
        zone,
        seconds: facts.seconds,
        parties,
        repeated_hour: choices.repeated_hour,
    };
    chat.with_text(path, |text| {
        settings.check_repeated_hours(BufReader::new(text))
    })
    .map_err(read_err)??;
    Ok(settings)
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

fn to_communication(
    record: &PhoneRecord,
    import_id: &str,
    numbers: &mut Numbers,
    stated: Option<&StatedParty>,
) -> Communication {
    let mut thread_of = |a: &str| match stated {
        Some(s) if s.name_in_chat == a => Some(super::stated_party(&s.person_id)),
        _ => numbers.normalise(a),
    };
    let mut others: Vec<String> = record
        .address
        .as_deref()
        .unwrap_or_default()
        .split('~')
        .filter_map(&mut thread_of)
        .collect();
    others.sort();
    others.dedup();
    let participants: Vec<Participant> = record
        .participants
        .iter()
        .map(|p| Participant {
            address: p.address.clone(),
            number: thread_of(&p.address),
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
        missing_parts: record
            .parts
            .iter()
            .filter(|p| !matches!(p.data, Some(Ok(_))))
            .map(|p| MissingPart {
                name: p.name.clone(),
                mime: p.mime.clone(),
                size: p.declared_size,
            })
            .collect(),
        service: record.service,
        marks: record.marks.clone(),
        clock: match &record.clock {
            Clock::Recorded => None,
            shown => Some(shown.clone()),
        },
        locator: record.locator.clone(),
        source: SourceRef {
            import_id: import_id.to_string(),
            position: record.position,
            line: record.line,
            byte_start: record.start,
            byte_end: record.end,
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
             participants, content_key, byte_start, byte_end, service, marks, clock, locator,
             missing_parts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
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
        comm.source.byte_start as i64,
        comm.source.byte_end as i64,
        comm.service
            .and_then(|s| serde_json::to_value(s).ok())
            .and_then(|v| v.as_str().map(str::to_string)),
        json_or_null(&comm.marks, comm.marks.is_empty()),
        comm.clock
            .as_ref()
            .and_then(|c| serde_json::to_string(c).ok()),
        comm.locator,
        json_or_null(&comm.missing_parts, comm.missing_parts.is_empty()),
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
            "INSERT INTO message_parts (communication_id, position, attachment_id, data_start, data_end)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            comm.id,
            position,
            stored.blob_id,
            part.data_range.map(|r| r.0 as i64),
            part.data_range.map(|r| r.1 as i64)
        ])?;
        comm.parts.push(PartRef {
            attachment_id: stored.blob_id.clone(),
            sha256: stored.sha256.clone(),
            mime: part.mime.clone(),
        });
    }
    Ok(comm)
}

/// A list column: NULL when empty, so it reads as "nothing said".
fn json_or_null<T: serde::Serialize>(value: &T, empty: bool) -> Option<String> {
    (!empty)
        .then(|| serde_json::to_string(value).ok())
        .flatten()
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

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into())
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
struct Tee<'i> {
    input: &'i mut dyn Read,
    copy: BlobWriter,
    failed: Option<io::Error>,
}

impl Read for Tee<'_> {
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
