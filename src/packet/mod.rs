//! The evidence packet: what an attorney or a court's media lodging receives.
//!
//! A folder with the report volume(s), every exhibit's ORIGINAL bytes, `manifest.json` (what
//! each file is and its SHA-256), `manifest.sig` (Ed25519 over the exact manifest bytes, with
//! the journal's signing key), `SHA256SUMS` (for `sha256sum -c`, no Daybook needed) and a
//! `README.txt` saying all this in plain words. `verify_packet` checks all of it and names the
//! first file that does not match.

mod verify;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::evidence::EvidenceError;
use crate::journal::{Journal, JournalError};
use crate::report::exhibits::Selection;
pub use verify::{verify_packet, PacketProblem, PacketReport};

pub const FORMAT: &str = "daybook-evidence-packet/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const SUMS: &str = "SHA256SUMS";
pub const README: &str = "README.txt";

#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error("{0} already exists and is not an empty folder; choose a new folder so nothing is overwritten.")]
    Exists(PathBuf),
    #[error("Could not write the packet to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A finished report volume to include.
pub struct ReportFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub generated_at: String,
    pub generator: String,
    pub journal_id: String,
    /// The journal's fingerprint (head of its revision chain) when the packet was made.
    pub journal_fingerprint: String,
    /// Hex Ed25519 public key that verifies `manifest.sig`.
    pub public_key: String,
    pub files: Vec<ManifestFile>,
    pub exhibits: Vec<ManifestExhibit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub role: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestExhibit {
    pub exhibit: String,
    pub number: usize,
    pub file: String,
    pub incident_id: String,
    pub incident_number: i64,
    pub incident_date: String,
    pub original_name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    /// Capture time the file itself states (EXIF), if any.
    pub captured_at: Option<String>,
    /// The original file's modification time when it was imported.
    pub file_modified_at: Option<String>,
    pub imported_at: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSummary {
    pub exhibits: usize,
    pub files: usize,
    pub bytes: u64,
    pub fingerprint: String,
}

/// Writes the packet into `out`, which must not exist yet (or be an empty folder). If anything
/// fails, the folder is removed again: a half-written packet must never be mistaken for one.
pub fn export_packet(
    journal: &Journal,
    selection: &Selection,
    reports: &[ReportFile],
    out: &Path,
) -> Result<PacketSummary, PacketError> {
    prepare_folder(out)?;
    match write_packet(journal, selection, reports, out) {
        Ok(summary) => Ok(summary),
        Err(e) => {
            let _ = fs::remove_dir_all(out);
            Err(e)
        }
    }
}

fn prepare_folder(out: &Path) -> Result<(), PacketError> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.is_dir() => {
            let empty = fs::read_dir(out).map_err(write_err(out))?.next().is_none();
            if !empty {
                return Err(PacketError::Exists(out.to_path_buf()));
            }
        }
        Ok(_) => return Err(PacketError::Exists(out.to_path_buf())),
        Err(_) => fs::create_dir_all(out).map_err(write_err(out))?,
    }
    Ok(())
}

fn write_packet(
    journal: &Journal,
    selection: &Selection,
    reports: &[ReportFile],
    out: &Path,
) -> Result<PacketSummary, PacketError> {
    let mut files = Vec::new();
    let exhibits_dir = out.join("exhibits");
    fs::create_dir_all(&exhibits_dir).map_err(write_err(&exhibits_dir))?;
    let mut exhibits = Vec::new();
    for exhibit in &selection.exhibits {
        let relative = format!("exhibits/{}", exhibit.file_name);
        let path = out.join(&relative);
        let file = File::create(&path).map_err(write_err(&path))?;
        let mut writer = BufWriter::new(file);
        journal.copy_attachment(&exhibit.attachment, &mut writer, &mut |_, _| true)?;
        finish_file(writer, &path)?;
        let a = &exhibit.attachment;
        files.push(ManifestFile {
            path: relative.clone(),
            role: "exhibit".into(),
            size: a.size,
            sha256: a.sha256.clone(),
        });
        exhibits.push(ManifestExhibit {
            exhibit: exhibit.label.clone(),
            number: exhibit.number,
            file: relative,
            incident_id: exhibit.incident_id.clone(),
            incident_number: exhibit.incident_number,
            incident_date: exhibit.incident_date.clone(),
            original_name: a.original_name.clone(),
            mime: a.mime.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            captured_at: a.captured_at.clone(),
            file_modified_at: a.file_modified_at.clone(),
            imported_at: a.imported_at.clone(),
            source: "Imported into the Daybook journal from the user's device".into(),
        });
    }
    for report in reports {
        let relative = report.file_name.clone();
        write_bytes(&out.join(&relative), &report.bytes)?;
        files.push(describe(&relative, "report", &report.bytes));
    }
    let fingerprint = journal.fingerprint()?;
    let signing_key = journal.signing_key()?;
    let public_key = hex::encode(signing_key.verifying_key().as_bytes());
    let readme = readme_text(&fingerprint, &public_key, selection.exhibits.len(), reports);
    write_bytes(&out.join(README), readme.as_bytes())?;
    files.push(describe(README, "readme", readme.as_bytes()));

    let manifest = Manifest {
        format: FORMAT.into(),
        generated_at: crate::journal::time::now_utc(),
        generator: format!("Daybook {}", env!("CARGO_PKG_VERSION")),
        journal_id: journal.journal_id()?,
        journal_fingerprint: fingerprint.clone(),
        public_key,
        files,
        exhibits,
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| write_err(out)(io::Error::other(e)))?;
    manifest_bytes.push(b'\n');
    write_bytes(&out.join(MANIFEST), &manifest_bytes)?;
    let signature = signing_key.sign(&manifest_bytes);
    let signature_text = format!("{}\n", hex::encode(signature.to_bytes()));
    write_bytes(&out.join(SIGNATURE), signature_text.as_bytes())?;

    // SHA256SUMS last: a packet interrupted before this point has none and fails any check.
    let mut sums = String::new();
    let mut total = 0;
    for f in &manifest.files {
        sums.push_str(&format!("{}  {}\n", f.sha256, f.path));
        total += f.size;
    }
    sums.push_str(&format!("{}  {MANIFEST}\n", sha256_hex(&manifest_bytes)));
    sums.push_str(&format!(
        "{}  {SIGNATURE}\n",
        sha256_hex(signature_text.as_bytes())
    ));
    write_bytes(&out.join(SUMS), sums.as_bytes())?;
    crate::fsutil::sync_dir(out).map_err(write_err(out))?;
    Ok(PacketSummary {
        exhibits: manifest.exhibits.len(),
        files: manifest.files.len() + 3,
        bytes: total,
        fingerprint,
    })
}

fn describe(path: &str, role: &str, bytes: &[u8]) -> ManifestFile {
    ManifestFile {
        path: path.into(),
        role: role.into(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), PacketError> {
    let mut writer = BufWriter::new(File::create(path).map_err(write_err(path))?);
    writer.write_all(bytes).map_err(write_err(path))?;
    finish_file(writer, path)
}

fn finish_file(writer: BufWriter<File>, path: &Path) -> Result<(), PacketError> {
    let file = writer
        .into_inner()
        .map_err(|e| write_err(path)(e.into_error()))?;
    file.sync_all().map_err(write_err(path))
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> PacketError + '_ {
    move |source| PacketError::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn readme_text(
    fingerprint: &str,
    public_key: &str,
    exhibits: usize,
    reports: &[ReportFile],
) -> String {
    let report_names: Vec<&str> = reports.iter().map(|r| r.file_name.as_str()).collect();
    format!(
        "EVIDENCE PACKET\r\n\
         ===============\r\n\r\n\
         This folder was exported from Daybook, an encrypted journal in which the protected\r\n\
         person recorded incidents as they happened.\r\n\r\n\
         What is inside\r\n\
         - {reports}: the chronological report (PDF).\r\n\
         - exhibits/: {exhibits} exhibit file(s), byte-for-byte the originals the user imported.\r\n\
         \x20 Names start with the exhibit number used in the report, e.g. Exhibit-012_...\r\n\
         \x20 Audio and video are here only; the report has a page for each with its hash.\r\n\
         - manifest.json: every file with its size and SHA-256, and for each exhibit the\r\n\
         \x20 incident it belongs to, its original name, capture time and import time.\r\n\
         - manifest.sig: an Ed25519 signature over manifest.json, made with the journal's own\r\n\
         \x20 signing key. Public key: {public_key}\r\n\
         - SHA256SUMS: the SHA-256 of every file above.\r\n\r\n\
         How to check that nothing was changed\r\n\
         - Without Daybook (Linux or macOS terminal, in this folder):\r\n\
         \x20     sha256sum -c SHA256SUMS        (macOS: shasum -a 256 -c SHA256SUMS)\r\n\
         \x20 Every line must say OK.\r\n\
         - With Daybook:  daybook verify <this folder>\r\n\
         \x20 This also checks the signature and that no file was added or removed.\r\n\r\n\
         Journal fingerprint (head of its tamper-evident revision chain) at export:\r\n\
         \x20 {fingerprint}\r\n\
         The same fingerprint is printed in the report.\r\n\r\n\
         Daybook gives general information, not legal advice.\r\n",
        reports = if report_names.is_empty() { "(no report)".to_string() } else { report_names.join(", ") },
    )
}
