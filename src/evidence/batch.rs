//! Attaching several files to one incident at once.
//!
//! Dropping forty screenshots used to cost forty imports of two durable commits each, plus an
//! fsync of every blob and of the folder: about 16 ms a file on our disk whatever its size, so
//! small files imported at a sixth of the speed of hashing and encrypting them. A batch keeps
//! the same crash-safety argument (docs/reliability.md) with the durable steps done once:
//!
//! 1. every file is checked and inspected; the ones that pass are logged in `pending_imports`
//!    in one commit, before any blob exists, so only their leftovers can ever be swept;
//! 2. each is streamed into its blob; while the next one streams, a second thread fsyncs the
//!    last (the disk flushes while the processor encrypts);
//! 3. once every blob is fsynced, the folder is fsynced once (the renames are durable);
//! 4. one transaction records every attachment, each with its own revision, and clears the
//!    pending entries.
//!
//! A crash before step 4 commits leaves pending entries and blobs no row names: the sweep at
//! the next unlock removes them. Nothing is recorded before its bytes are on disk.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use rusqlite::params;

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

/// A file that passed the checks, with the id its blob will have.
pub(super) struct Checked<'p> {
    pub(super) index: usize,
    pub(super) path: &'p Path,
    pub(super) size: u64,
    pub(super) facts: FileFacts,
    pub(super) id: String,
}

impl<'p> Checked<'p> {
    /// Refuses links, folders, empty and oversized files, and reads what the file says of
    /// itself (kind, size in pixels, capture time, duration).
    pub(super) fn new(index: usize, path: &'p Path) -> Result<Self> {
        let size = check_source(path)?;
        let facts = metadata::inspect(path).map_err(|source| EvidenceError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Checked {
            index,
            path,
            size,
            facts,
            id: uuid::Uuid::new_v4().to_string(),
        })
    }

    /// The record of this file once its blob holds `size` bytes hashing to `sha256`.
    pub(super) fn attachment(&self, sha256: String, size: u64) -> Attachment {
        Attachment {
            id: self.id.clone(),
            incident_id: None,
            person_id: None,
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
        let mut problems = Vec::new();
        let mut checked = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let path = source.as_ref();
            match Checked::new(index, path) {
                Ok(c) => checked.push(c),
                Err(error) => problems.push(FileProblem {
                    index,
                    path: path.to_path_buf(),
                    error,
                }),
            }
        }
        if checked.is_empty() {
            return Ok(BatchImport {
                attached: Vec::new(),
                problems,
                cancelled: false,
            });
        }
        self.log_pending(&checked)?;
        let (mut written, cancelled) = self.write_durable_blobs(&checked, progress, &mut problems);
        for Attached { attachment: a, .. } in &mut written {
            a.incident_id = Some(incident_id.to_string());
            a.caption.clone_from(&caption);
        }
        if let Err(e) = self.record_attachments(incident_id, &written, &checked) {
            for a in &written {
                let _ = fs::remove_file(self.blob_path(&a.attachment.id));
            }
            for c in &checked {
                let _ = self
                    .conn
                    .execute("DELETE FROM pending_imports WHERE id = ?1", [&c.id]);
            }
            return Err(e);
        }
        problems.sort_by_key(|p| p.index);
        Ok(BatchImport {
            attached: written,
            problems,
            cancelled,
        })
    }

    /// Step 1: one durable commit naming every blob this batch may leave behind.
    fn log_pending(&mut self, checked: &[Checked<'_>]) -> Result<()> {
        let started_at = crate::journal::time::now_utc();
        let tx = self.conn.transaction()?;
        for c in checked {
            tx.execute(
                "INSERT INTO pending_imports (id, started_at) VALUES (?1, ?2)",
                params![c.id, started_at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Steps 2 and 3: streams each file into its blob while a second thread fsyncs the ones
    /// already written, then fsyncs the folder. Returns the attachments whose blobs are durable
    /// (in order) and whether the user cancelled; every other blob is removed again.
    fn write_durable_blobs(
        &self,
        checked: &[Checked<'_>],
        progress: BatchProgress<'_>,
        problems: &mut Vec<FileProblem>,
    ) -> (Vec<Attached>, bool) {
        let mut written: Vec<(usize, Attachment)> = Vec::new();
        let mut cancelled = false;
        let mut failed_here = Vec::new();
        let mut sync_failures = thread::scope(|scope| {
            let (to_sync, synced) = mpsc::channel::<(usize, File)>();
            let syncer = scope.spawn(move || {
                synced
                    .into_iter()
                    .filter_map(|(k, file)| file.sync_all().err().map(|e| (k, e)))
                    .collect::<Vec<_>>()
            });
            for (k, c) in checked.iter().enumerate() {
                let mut one = |done: u64, total: u64| progress(c.index, done, total);
                match self.write_blob(&c.id, c.path, c.size, &mut one) {
                    Ok((sha256, size, file)) => {
                        written.push((k, c.attachment(sha256, size)));
                        // The syncer only ends when this sender is dropped, so the send cannot
                        // fail; if it ever did, syncing here keeps the promise.
                        if let Err(mpsc::SendError((_, file))) = to_sync.send((k, file)) {
                            if let Err(e) = file.sync_all() {
                                failed_here.push((k, e));
                            }
                        }
                    }
                    Err(EvidenceError::Cancelled) => {
                        cancelled = true;
                        break;
                    }
                    Err(error) => problems.push(FileProblem {
                        index: c.index,
                        path: c.path.to_path_buf(),
                        error,
                    }),
                }
            }
            drop(to_sync);
            syncer.join().unwrap_or_else(|_| {
                written
                    .iter()
                    .map(|(k, _)| (*k, io::Error::other("the fsync thread stopped")))
                    .collect()
            })
        });
        sync_failures.append(&mut failed_here);
        for (k, e) in sync_failures {
            if let Some(at) = written.iter().position(|(w, _)| *w == k) {
                let (_, a) = written.remove(at);
                let _ = fs::remove_file(self.blob_path(&a.id));
                problems.push(FileProblem {
                    index: checked[k].index,
                    path: checked[k].path.to_path_buf(),
                    error: EvidenceError::Write(e),
                });
            }
        }
        if !written.is_empty() {
            if let Err(e) = fsutil::sync_dir(&self.paths().blobs) {
                // No rename is known to be durable: none of the files may be recorded.
                for (k, a) in written.drain(..) {
                    let _ = fs::remove_file(self.blob_path(&a.id));
                    problems.push(FileProblem {
                        index: checked[k].index,
                        path: checked[k].path.to_path_buf(),
                        error: EvidenceError::Write(io::Error::new(e.kind(), e.to_string())),
                    });
                }
            }
        }
        let attached = written
            .into_iter()
            .map(|(k, attachment)| Attached {
                index: checked[k].index,
                attachment,
            })
            .collect();
        (attached, cancelled)
    }

    /// Step 4: every attachment with its own revision, and the batch's pending entries
    /// cleared, in one transaction.
    fn record_attachments(
        &mut self,
        incident_id: &str,
        attachments: &[Attached],
        checked: &[Checked<'_>],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        if !attachments.is_empty() {
            let (mut body, deleted) = crate::journal::load_incident_body(&tx, incident_id)?;
            if deleted {
                return Err(JournalError::Invalid(
                    "That incident was deleted while the files were importing.".into(),
                )
                .into());
            }
            // One revision per file, as one import each would write; the incident's row and
            // search entry are stored once, from the last.
            let mut last = None;
            for Attached { attachment: a, .. } in attachments {
                insert_attachment_row(&tx, a)?;
                body.attachments.push(crate::journal::AttachmentRef {
                    id: a.id.clone(),
                    sha256: a.sha256.clone(),
                    original_name: a.original_name.clone(),
                    caption: a.caption.clone(),
                    transcript: a.transcript.clone(),
                });
                last = Some(crate::journal::append_incident_revision(
                    &tx,
                    incident_id,
                    &body,
                    Op::Attach,
                    None,
                )?);
            }
            if let Some(revision) = last {
                crate::journal::store_incident(
                    &tx,
                    incident_id,
                    &body,
                    Op::Attach,
                    None,
                    &revision,
                )?;
            }
        }
        for c in checked {
            tx.execute("DELETE FROM pending_imports WHERE id = ?1", [&c.id])?;
        }
        tx.commit()?;
        Ok(())
    }
}
