//! An iPhone computer backup into the journal: one import per database the backup holds
//! (messages, calls, voicemails). SQLite reads a database in no fixed order, so each is copied
//! into the journal byte for byte first (that copy is the import's kept file, whose SHA-256
//! the report and packet give), then read through `phone::iphone`. Pictures and recordings are
//! parts, each with Manifest.db's record of the file it came from in the import's chain entry.
//!
//! An encrypted backup is opened with its password. What is kept is then each database as
//! the phone wrote it, decrypted (the evidence a court reads), decrypted as it streams into the
//! journal's own encrypted blob; the import's chain entry also records the encrypted file's
//! SHA-256 and size and that it was decrypted with the backup password (never the password).
//! Nothing decrypted is written anywhere else.

use std::io::{self, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde_json::{json, Value};

use super::{file_name, Batch, KeptBlobs, PartBlobs, Target, PROBLEMS_NAMED};
use crate::evidence::blob_writer::BlobWriter;
use crate::fsutil;
use crate::journal::communications::{ImportError, PhoneImport, Stopped};
use crate::journal::Journal;
use crate::phone::iphone::{IphoneBackup, IphoneRecord, SourceFile, Summary};
use crate::phone::Format;

/// Which of the phone's databases an import reads.
#[derive(Debug, Clone, Copy)]
enum Database {
    Messages,
    Calls,
    Voicemails,
}

impl Database {
    fn of(source: &SourceFile) -> Database {
        match source.relative_path.as_str() {
            "Library/SMS/sms.db" => Database::Messages,
            "Library/CallHistoryDB/CallHistory.storedata" => Database::Calls,
            _ => Database::Voicemails,
        }
    }
}

impl Journal {
    /// Imports an unencrypted iPhone backup folder: its messages, calls and voicemails, each
    /// database as its own import (so a newer backup adds only what is new in each). An
    /// encrypted one is refused, saying its password opens it.
    pub fn import_iphone_backup(
        &mut self,
        folder: &Path,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Vec<PhoneImport>, ImportError> {
        self.import_iphone_backup_with_password(folder, None, progress)
    }

    /// Imports an iPhone backup folder, an encrypted one with its backup `password`
    /// ([`crate::phone::iphone::is_encrypted`] says whether one is needed). A wrong password
    /// is refused before the journal is touched.
    pub fn import_iphone_backup_with_password(
        &mut self,
        folder: &Path,
        password: Option<&SecretString>,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Vec<PhoneImport>, ImportError> {
        let backup = IphoneBackup::open_with_password(folder, password)?;
        let sources = backup.sources()?;
        if sources.is_empty() {
            return Err(ImportError::Empty {
                path: folder.to_path_buf(),
            });
        }
        let mut out = Vec::new();
        for source in &sources {
            let mut report = self.import_iphone_database(&backup, source, progress)?;
            // Say which database, by the phone's own path, rather than its hashed file name.
            report.path = PathBuf::from(format!("{} ({})", folder.display(), source.relative_path));
            out.push(report);
        }
        Ok(out)
    }

    fn import_iphone_database(
        &mut self,
        backup: &IphoneBackup,
        source: &SourceFile,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<PhoneImport, ImportError> {
        let read_err = |e| ImportError::Read {
            path: source.path.clone(),
            source: e,
        };
        // In an encrypted backup, the SHA-256 of the decrypted file: the one it is kept as.
        let sha256 = if backup.is_encrypted() {
            fsutil::sha256_of(&mut backup.read_file(source)?)
                .map_err(read_err)?
                .1
        } else {
            fsutil::sha256_file(&source.path).map_err(read_err)?
        };
        if let Some(report) =
            self.same_file_again(&source.path, Format::IphoneBackup, &sha256, source.size)?
        {
            return Ok(report);
        }
        let region = self.number_region()?;
        let import_id = self.begin_pending_import()?;
        let blobs = self.paths().blobs.clone();
        let recipient = self.blob_identity.to_public();
        let mut kept = KeptBlobs::default();
        let target = Target {
            path: &source.path,
            kept_name: file_name(Path::new(&source.relative_path)),
            kept_mime: "application/vnd.sqlite3",
            format: Format::IphoneBackup,
            export: None,
            stated: None,
            region,
            import_id: &import_id,
            blobs: &blobs,
            recipient: &recipient,
        };
        let outcome = self.iphone_records(backup, source, &target, &mut kept, progress);
        self.settle(outcome, &mut kept, &blobs, &import_id, &source.path)
    }

    fn iphone_records(
        &mut self,
        backup: &IphoneBackup,
        source: &SourceFile,
        target: &Target<'_>,
        kept: &mut KeptBlobs,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<Option<PhoneImport>, ImportError> {
        let written = keep_file(backup, source, target, kept)?;
        let tx = self.conn.transaction()?;
        let mut batch = Batch::begin(&tx, target, written.size)?;
        let mut failure = None;
        let mut cancelled = false;
        let mut given_back: Vec<String> = Vec::new();
        let mut files: Vec<Value> = Vec::new();
        let mut seen = 0u64;
        let summary = {
            let mut each = |r: IphoneRecord| -> ControlFlow<()> {
                seen += 1;
                if !progress(seen, 0) {
                    cancelled = true;
                    return ControlFlow::Break(());
                }
                match batch.add(&tx, target, &r.record) {
                    Ok(true) => {
                        for (part, file) in r.record.parts.iter().zip(&r.files) {
                            if let (Some(Ok(stored)), Some(file)) = (&part.data, file) {
                                files.push(json!({
                                    "sha256": stored.sha256,
                                    "domain": file.domain,
                                    "relative_path": file.relative_path,
                                    "file_id": file.file_id,
                                }));
                            }
                        }
                        ControlFlow::Continue(())
                    }
                    Ok(false) => {
                        given_back.extend(r.record.stored_parts().map(|p| p.blob_id.clone()));
                        ControlFlow::Continue(())
                    }
                    Err(e) => {
                        failure = Some(e);
                        ControlFlow::Break(())
                    }
                }
            };
            let mut parts = PartBlobs {
                blobs: target.blobs,
                recipient: target.recipient,
                import_id: target.import_id,
                kept: &mut *kept,
            };
            match Database::of(source) {
                Database::Messages => backup.read_messages(&mut parts, &mut each),
                Database::Calls => backup.read_calls(&mut each),
                Database::Voicemails => backup.read_voicemails(&mut parts, &mut each),
            }?
        };
        if let Some(e) = failure {
            return Err(e);
        }
        if cancelled || summary.cancelled {
            return Ok(None);
        }
        for blob_id in given_back {
            kept.remove(target.blobs, &blob_id);
        }
        note_summary(&mut batch, &summary);
        let info = backup.info();
        let mut more = json!({
            "iphone": {
                "domain": source.domain,
                "relative_path": source.relative_path,
                "file_id": source.file_id,
                "device_name": info.device_name,
                "product_type": info.product_type,
                "ios_version": info.ios_version,
                "last_backup_ms": info.last_backup_ms,
                "finished": info.finished,
                "skipped": summary.skipped,
                "incomplete": summary.incomplete,
                "files": files,
            }
        });
        if let Some(size) = source.encrypted_size {
            let sha256 = fsutil::sha256_file(&source.path).map_err(|e| ImportError::Read {
                path: source.path.clone(),
                source: e,
            })?;
            more["iphone"]["encrypted"] = json!({
                "sha256": sha256,
                "size": size,
                "decrypted_with": "the backup password",
            });
        }
        batch.finish(tx, target, &written, more)
    }
}

/// What the reader left out or could not read, in the import's summary.
fn note_summary(batch: &mut Batch, summary: &Summary) {
    let report = &mut batch.report;
    report.unreadable += summary.unreadable;
    for problem in &summary.problems {
        if report.problems.len() < PROBLEMS_NAMED {
            report.problems.push(problem.clone());
        }
    }
    if let Some(what) = &summary.stopped {
        report.stopped = Some(Stopped {
            line: 0,
            what: what.clone(),
        });
    }
}

/// Copies the database into the journal, encrypted, byte for byte (in an encrypted backup,
/// the bytes decrypted).
fn keep_file(
    backup: &IphoneBackup,
    source: &SourceFile,
    target: &Target<'_>,
    kept: &mut KeptBlobs,
) -> Result<crate::evidence::blob_writer::WrittenBlob, ImportError> {
    let mut writer = BlobWriter::create(target.blobs, target.import_id, target.recipient)
        .map_err(ImportError::Write)?;
    kept.names.push(format!("{}.age", target.import_id));
    let mut file = backup.read_file(source)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(ImportError::Read {
                    path: source.path.clone(),
                    source: e,
                })
            }
        };
        writer.write_all(&buf[..n]).map_err(ImportError::Write)?;
    }
    writer.finish().map_err(ImportError::Write)
}
