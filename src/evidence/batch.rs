//! Attaching several files to one incident at once, and the durable import protocol every
//! attachment goes through (`import_durably`; a person's photo is a batch of one).
//!
//! Dropping forty screenshots used to cost forty imports of two durable commits each, plus an
//! fsync of every blob and of the folder: about 16 ms a file on our disk whatever its size, so
//! small files imported at a sixth of the speed of hashing and encrypting them. A batch keeps
//! the same crash-safety argument (docs/reliability.md) with the durable steps done once:
//!
//! 1. every file gets a blob id, and all are logged in `pending_imports` in one commit, before
//!    any blob exists, so only this batch's leftovers can ever be swept;
//! 2. each file is checked and inspected just before it is streamed into its blob (a cancel
//!    never waits for the rest to be inspected); while the next one streams, a second thread
//!    fsyncs the last (the disk flushes while the processor encrypts);
//! 3. once every blob is fsynced, the folder is fsynced once (the renames are durable);
//! 4. one transaction records every attachment, each with its own revision, and clears the
//!    pending entries (a blob removed again keeps its entry unless the folder fsync made the
//!    removal durable).
//!
//! A crash before step 4 commits leaves pending entries and blobs no row names: the sweep at
//! the next unlock removes them. Nothing is recorded before its bytes are on disk.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use rusqlite::{params, Transaction};

use super::{
    check_source, display_name, insert_attachment_row, metadata, Attachment, EvidenceError,
    FileFacts, Result,
};
use crate::fsutil;
use crate::journal::revisions::Op;
use crate::journal::{Journal, JournalError};

/// Progress of a batch: the file's index in the list given, its bytes done and its size.
/// Return `false` to cancel.
pub type BatchProgress<'a> = &'a mut dyn FnMut(usize, u64, u64) -> bool;

/// What a batch import did.
#[derive(Debug)]
pub struct BatchImport {
    /// The files attached, in the order given.
    pub attached: Vec<Attached>,
    /// The files that were not attached and why, in the order given; the others were.
    pub problems: Vec<FileProblem>,
    /// Cancelled: the files finished before it are attached; the one streaming and any after
    /// it are not, and are in neither list.
    pub cancelled: bool,
}

impl BatchImport {
    /// The attachment of a batch of one file, or why it was not attached.
    pub(super) fn into_single(mut self) -> Result<Attachment> {
        if let Some(problem) = self.problems.pop() {
            return Err(problem.error);
        }
        if self.cancelled {
            return Err(EvidenceError::Cancelled);
        }
        match self.attached.pop() {
            Some(one) => Ok(one.attachment),
            None => Err(JournalError::Damaged("the import recorded no attachment".into()).into()),
        }
    }
}

#[derive(Debug)]
pub struct Attached {
    /// Index of the file in the list given.
    pub index: usize,
    pub attachment: Attachment,
}

#[derive(Debug)]
pub struct FileProblem {
    /// Index of the file in the list given.
    pub index: usize,
    pub path: PathBuf,
    pub error: EvidenceError,
}

/// Finished blobs waiting for the fsync thread, at most.
const SYNC_BACKLOG: usize = 8;

/// What streaming a batch left: the files to record, whether it was cancelled, and the blobs
/// removed again whose removal could not be made durable (their pending entries stay).
struct Written {
    attached: Vec<Attached>,
    cancelled: bool,
    unsure: Vec<String>,
}

/// A file that passed the checks, with the id its blob will have.
pub(super) struct Checked<'p> {
    pub(super) path: &'p Path,
    size: u64,
    pub(super) facts: FileFacts,
    id: String,
}

impl<'p> Checked<'p> {
    /// Refuses links, folders, empty and oversized files, and reads what the file says of
    /// itself (kind, size in pixels, capture time, duration). `id` is its blob's, already
    /// logged as pending.
    fn new(path: &'p Path, id: String) -> Result<Self> {
        let size = check_source(path)?;
        let facts = metadata::inspect(path).map_err(|source| EvidenceError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Checked {
            path,
            size,
            facts,
            id,
        })
    }

    /// The record of this file once its blob holds `size` bytes hashing to `sha256`.
    fn attachment(&self, sha256: String, size: u64) -> Attachment {
        Attachment {
            id: self.id.clone(),
            incident_id: None,
            person_id: None,
            order_id: None,
            phone_import_id: None,
            sha256,
            size,
            original_name: display_name(self.path),
            mime: self.facts.mime.clone(),
            kind: self.facts.kind,
            width: self.facts.width,
            height: self.facts.height,
            captured_at: self.facts.captured_at.clone(),
            duration_ms: self.facts.duration_ms,
            file_modified_at: self.facts.modified_at.clone(),
            reveals: self.facts.reveals.clone(),
            imported_at: crate::journal::time::now_utc(),
            caption: None,
            transcript: None,
        }
    }
}

impl Journal {
    /// Imports `sources` as exhibits of `incident_id`, each with `caption`. A file that cannot
    /// be read or saved is reported in `problems` and the others are attached; an `Err` means
    /// nothing was attached (the incident is gone, or the journal could not record the batch).
    pub fn attach_files<P: AsRef<Path>>(
        &mut self,
        incident_id: &str,
        sources: &[P],
        caption: Option<&str>,
        progress: BatchProgress<'_>,
    ) -> Result<BatchImport> {
        let caption = crate::journal::clean_optional_long("caption", caption)?;
        {
            let tx = self.conn.unchecked_transaction()?;
            let (_, deleted) = crate::journal::load_incident_body(&tx, incident_id)?;
            if deleted {
                return Err(JournalError::Invalid(
                    "That incident was deleted; attach the file to another incident.".into(),
                )
                .into());
            }
        }
        self.import_durably(sources, &|_| Ok(()), progress, |tx, attached| {
            for Attached { attachment: a, .. } in attached.iter_mut() {
                a.incident_id = Some(incident_id.to_string());
                a.caption.clone_from(&caption);
            }
            record_incident_attachments(tx, incident_id, attached)
        })
    }

    /// The import protocol every attachment goes through (steps 1-4 above): `vet` may refuse
    /// a checked file before it streams, and `record` writes the rows naming the durable blobs,
    /// in the transaction that also clears their pending entries.
    pub(super) fn import_durably<P: AsRef<Path>>(
        &mut self,
        sources: &[P],
        vet: &dyn Fn(&Checked<'_>) -> Result<()>,
        progress: BatchProgress<'_>,
        record: impl FnOnce(&Transaction<'_>, &mut [Attached]) -> Result<()>,
    ) -> Result<BatchImport> {
        if sources.is_empty() {
            return Ok(BatchImport {
                attached: Vec::new(),
                problems: Vec::new(),
                cancelled: false,
            });
        }
        // Ids for every file, logged before any is checked: each file is checked just before
        // it streams, so a cancel or a lock never waits for the whole batch to be inspected.
        let ids: Vec<String> = sources
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        self.log_pending(&ids)?;
        let mut problems = Vec::new();
        let Written {
            mut attached,
            cancelled,
            unsure,
        } = self.write_durable_blobs(sources, &ids, vet, progress, &mut problems);
        // A removed blob whose removal may not be durable keeps its pending entry: should it
        // come back after a crash, the sweep still knows it.
        let clear: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| !unsure.iter().any(|u| u == id))
            .collect();
        let recorded = self.conn.transaction().map_err(Into::into).and_then(|tx| {
            if !attached.is_empty() {
                record(&tx, &mut attached)?;
            }
            for id in &clear {
                tx.execute("DELETE FROM pending_imports WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(())
        });
        if let Err(e) = recorded {
            for a in &attached {
                let _ = fs::remove_file(self.blob_path(&a.attachment.id));
            }
            if fsutil::sync_dir(&self.paths().blobs).is_ok() {
                for id in &clear {
                    let _ = self
                        .conn
                        .execute("DELETE FROM pending_imports WHERE id = ?1", [id]);
                }
            }
            return Err(e);
        }
        problems.sort_by_key(|p| p.index);
        Ok(BatchImport {
            attached,
            problems,
            cancelled,
        })
    }

    /// Step 1: one durable commit naming every blob this batch may leave behind.
    fn log_pending(&mut self, ids: &[String]) -> Result<()> {
        let started_at = crate::journal::time::now_utc();
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute(
                "INSERT INTO pending_imports (id, started_at) VALUES (?1, ?2)",
                params![id, started_at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Steps 2 and 3: checks each file and streams it into its blob while a second thread
    /// fsyncs the ones already written, then fsyncs the folder. Returns the attachments whose
    /// blobs are durable (in order); every other blob is removed again.
    fn write_durable_blobs<P: AsRef<Path>>(
        &self,
        sources: &[P],
        ids: &[String],
        vet: &dyn Fn(&Checked<'_>) -> Result<()>,
        progress: BatchProgress<'_>,
        problems: &mut Vec<FileProblem>,
    ) -> Written {
        let problem = |index: usize, error| FileProblem {
            index,
            path: sources[index].as_ref().to_path_buf(),
            error,
        };
        let mut written: Vec<(usize, Attachment)> = Vec::new();
        let mut cancelled = false;
        let mut failed_here = Vec::new();
        let mut sync_failures = thread::scope(|scope| {
            // Bounded, so a slow disk makes the import wait instead of holding every finished
            // blob open (hundreds of screenshots would exhaust the open-file limit).
            let (to_sync, synced) = mpsc::sync_channel::<(usize, File)>(SYNC_BACKLOG);
            let syncer = scope.spawn(move || {
                synced
                    .into_iter()
                    .filter_map(|(index, file)| file.sync_all().err().map(|e| (index, e)))
                    .collect::<Vec<_>>()
            });
            for (index, source) in sources.iter().enumerate() {
                let checked = Checked::new(source.as_ref(), ids[index].clone());
                let c = match checked.and_then(|c| vet(&c).map(|()| c)) {
                    Ok(c) => c,
                    Err(error) => {
                        problems.push(problem(index, error));
                        continue;
                    }
                };
                let mut one = |done: u64, total: u64| progress(index, done, total);
                match self.write_blob(&c.id, c.path, c.size, &mut one) {
                    Ok((sha256, size, file)) => {
                        written.push((index, c.attachment(sha256, size)));
                        // The syncer only ends when this sender is dropped, so the send cannot
                        // fail; if it ever did, syncing here keeps the promise.
                        if let Err(mpsc::SendError((_, file))) = to_sync.send((index, file)) {
                            if let Err(e) = file.sync_all() {
                                failed_here.push((index, e));
                            }
                        }
                    }
                    Err(EvidenceError::Cancelled) => {
                        cancelled = true;
                        break;
                    }
                    Err(error) => problems.push(problem(index, error)),
                }
            }
            drop(to_sync);
            syncer.join().unwrap_or_else(|_| {
                written
                    .iter()
                    .map(|(index, _)| (*index, io::Error::other("the fsync thread stopped")))
                    .collect()
            })
        });
        sync_failures.append(&mut failed_here);
        let mut removed = Vec::new();
        for (index, e) in sync_failures {
            if let Some(at) = written.iter().position(|(w, _)| *w == index) {
                let (_, a) = written.remove(at);
                let _ = fs::remove_file(self.blob_path(&a.id));
                removed.push(a.id);
                problems.push(problem(index, EvidenceError::Write(e)));
            }
        }
        let mut unsure = Vec::new();
        if !written.is_empty() || !removed.is_empty() {
            // Makes the renames of the blobs kept, and the removals of any dropped, durable.
            if let Err(e) = fsutil::sync_dir(&self.paths().blobs) {
                // No rename is known to be durable: none of the files may be recorded.
                unsure = removed;
                for (index, a) in written.drain(..) {
                    let _ = fs::remove_file(self.blob_path(&a.id));
                    unsure.push(a.id);
                    let error = EvidenceError::Write(io::Error::new(e.kind(), e.to_string()));
                    problems.push(problem(index, error));
                }
            }
        }
        let attached = written
            .into_iter()
            .map(|(index, attachment)| Attached { index, attachment })
            .collect();
        Written {
            attached,
            cancelled,
            unsure,
        }
    }
}

/// Step 4 for an incident's exhibits: each with its own revision, as one import each would
/// write; the incident's row and search entry are stored once, from the last.
fn record_incident_attachments(
    tx: &Transaction<'_>,
    incident_id: &str,
    attachments: &[Attached],
) -> Result<()> {
    let (mut body, deleted) = crate::journal::load_incident_body(tx, incident_id)?;
    if deleted {
        return Err(JournalError::Invalid(
            "That incident was deleted while the files were importing.".into(),
        )
        .into());
    }
    let mut last = None;
    for Attached { attachment: a, .. } in attachments {
        insert_attachment_row(tx, a)?;
        body.attachments.push(crate::journal::AttachmentRef {
            id: a.id.clone(),
            sha256: a.sha256.clone(),
            original_name: a.original_name.clone(),
            caption: a.caption.clone(),
            transcript: a.transcript.clone(),
        });
        last = Some(crate::journal::append_incident_revision(
            tx,
            incident_id,
            &body,
            Op::Attach,
            None,
        )?);
    }
    if let Some(revision) = last {
        crate::journal::store_incident(tx, incident_id, &body, Op::Attach, None, &revision)?;
    }
    Ok(())
}
