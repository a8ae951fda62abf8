//! The evidence packet: what an attorney or a court's media lodging receives.
//!
//! The report volume(s), every exhibit's ORIGINAL bytes, `manifest.json` (what each file is and
//! its SHA-256), `manifest.sig` (Ed25519 over the exact manifest bytes, with the journal's
//! signing key), `SHA256SUMS` (for `sha256sum -c`, no Daybook needed) and a `README.txt` saying
//! all this in plain words. Written as a folder, or as one zip (optionally age-encrypted, see
//! [`archive`]); the same files in the same order either way. `verify_packet` checks all of it
//! and names the first file that does not match.

pub mod archive;
mod source;
mod verify;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::evidence::privacy::{self, Reveals};
use crate::evidence::{Attachment, EvidenceError};
use crate::journal::{Journal, JournalError};
use crate::report::exhibits::Selection;
pub use archive::Encryption;
pub use source::{packet_kind, PacketKey, PacketKind};
pub use verify::{verify_packet, PacketProblem, PacketReport};

pub const FORMAT: &str = "daybook-evidence-packet/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const SUMS: &str = "SHA256SUMS";
pub const README: &str = "README.txt";
/// Scripts that check every line of SHA256SUMS without Daybook: for a clerk on Linux or macOS,
/// and on Windows (PowerShell's Get-FileHash).
pub const CHECK_SH: &str = "check-packet.sh";
pub const CHECK_PS1: &str = "check-packet.ps1";
const CHECK_SH_TEXT: &str = include_str!("../../assets/packet/check-packet.sh");
const CHECK_PS1_TEXT: &str = include_str!("../../assets/packet/check-packet.ps1");

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
    #[error("{0}")]
    Recipient(String),
    #[error("The key file {path} cannot be used: {detail}.")]
    Identity { path: PathBuf, detail: String },
    #[error("{}", location_choice_message(.0))]
    LocationChoice(Vec<LocatedExhibit>),
    #[error("Daybook could not check or remove the location in {0}. Leave that exhibit out of the packet (choose dates or an order that do not include it), or export exact originals only for someone who needs them, such as your own attorney. Nothing was written.")]
    LocationNotRemoved(String),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// How exhibits whose originals record a location go into a packet. There is no default: the
/// person chooses, knowing that whoever receives the packet can read the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Originals {
    /// The exact original files, locations included.
    Exact,
    /// For each file that records a location or device identifiers, a copy with those blanked
    /// in place; every other byte is the original's.
    WithoutLocation,
}

/// What a packet holds beyond the report and its exhibits, as the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contents {
    /// See [`Originals`]; `None` only when no exhibit records a location.
    pub originals: Option<Originals>,
    /// The whole phone backups the printed texts and calls come from, besides the extracts
    /// of them. Each holds every conversation on the phone, so only when asked.
    pub include_source_backups: bool,
}

/// An exhibit whose original records where it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedExhibit {
    pub label: String,
    pub original_name: String,
    pub kind: crate::evidence::AttachmentKind,
    pub reveals: Reveals,
}

fn location_choice_message(exhibits: &[LocatedExhibit]) -> String {
    let mut text = String::from(
        "These exhibits record, or may record, where they were taken, and anyone who receives the packet can read it:\n",
    );
    for e in exhibits {
        let place = match (e.reveals.location, e.reveals.not_checked) {
            (Some(at), _) => at.to_string(),
            (None, true) => "Daybook could not check this file".to_string(),
            (None, false) => "location data".to_string(),
        };
        text.push_str(&format!("  {} ({}): {place}\n", e.label, e.original_name));
    }
    text.push_str(
        "Choose one and export again:\n  --originals without-location   copies with the location and device details removed; every other byte is the original's (recommended when the packet may reach the other side)\n  --originals exact              the exact original files, locations included (only for someone who needs the originals, such as your own attorney)\nNothing was written.",
    );
    text
}

/// The exhibits of `selection` whose originals record a location, in exhibit order. Uses
/// what import found, or reads the original when it was imported before Daybook looked.
pub fn exhibits_recording_location(
    journal: &Journal,
    selection: &Selection,
) -> Result<Vec<LocatedExhibit>, PacketError> {
    let mut found = Vec::new();
    for e in &selection.exhibits {
        let reveals = journal.attachment_reveals(&e.attachment)?;
        if reveals.records_location() {
            found.push(LocatedExhibit {
                label: e.label.clone(),
                original_name: e.attachment.original_name.clone(),
                kind: e.attachment.kind,
                reveals,
            });
        }
    }
    Ok(found)
}

/// A finished report volume to include.
pub struct ReportFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl ReportFile {
    /// The volumes of `report` as the packet names them: `Report.pdf`, or `Report-vol1.pdf` ...
    pub fn volumes_of(report: crate::report::chronological::Report) -> Vec<ReportFile> {
        report
            .file_names("Report")
            .into_iter()
            .zip(report.volumes)
            .map(|(file_name, volume)| ReportFile {
                file_name,
                bytes: volume.pdf,
            })
            .collect()
    }
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
    /// The phone backups the report's texts and calls come from: an extract of each holding
    /// only the printed records, and the whole file only when the person asked for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_backups: Vec<ManifestBackup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestBackup {
    /// The extract in the packet: the printed records, each element copied byte for byte.
    pub extract: String,
    pub records: usize,
    pub original_name: String,
    pub original_size: u64,
    pub original_sha256: String,
    /// The whole original in the packet, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_file: Option<String>,
    /// Pictures whose data in the extract is the copy without location (the exhibits' copies),
    /// the one way the extract's records differ from the original's.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pictures_without_location: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
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
    /// The incident it belongs to; left out for a picture of a text message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub incident_id: String,
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub incident_number: i64,
    /// The incident's (or the message's) local date.
    pub incident_date: String,
    /// For a picture or other part of a text message: the message's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_id: Option<String>,
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
    /// Set when the file in the packet is a copy without location: the original's SHA-256
    /// and size (`sha256` and `size` above are the copy's), and what was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSummary {
    /// The folder or archive file written.
    pub path: PathBuf,
    pub exhibits: usize,
    pub files: usize,
    pub bytes: u64,
    pub fingerprint: String,
}

/// Writes the packet into `out`, which must not exist yet (or be an empty folder). If anything
/// fails, the folder is removed again: a half-written packet must never be mistaken for one.
/// `originals` may be `None` only when no exhibit records a location; otherwise the export
/// stops with [`PacketError::LocationChoice`] before anything is written.
pub fn export_packet(
    journal: &Journal,
    selection: &Selection,
    reports: &[ReportFile],
    out: &Path,
    contents: Contents,
) -> Result<PacketSummary, PacketError> {
    let plans = settle_originals(journal, selection, contents.originals)?;
    prepare_folder(out)?;
    let mut sink = FolderSink { root: out };
    match write_packet(journal, selection, reports, &mut sink, &plans, contents) {
        Ok(summary) => {
            // A packet without attachments has no exhibits/ folder (found by `stress crash`).
            if !selection.exhibits.is_empty() {
                crate::fsutil::sync_dir(&out.join("exhibits")).map_err(write_err(out))?;
            }
            crate::fsutil::sync_dir(out).map_err(write_err(out))?;
            Ok(PacketSummary {
                path: out.to_path_buf(),
                ..summary
            })
        }
        Err(e) => {
            let _ = fs::remove_dir_all(out);
            Err(e)
        }
    }
}

/// Writes the packet as the single file `archive` (see [`archive::archive_path`] for the name),
/// encrypted as `encryption` says. Nothing is left behind on failure.
pub fn export_packet_archive(
    journal: &Journal,
    selection: &Selection,
    reports: &[ReportFile],
    archive: &Path,
    encryption: &Encryption,
    contents: Contents,
) -> Result<PacketSummary, PacketError> {
    let plans = settle_originals(journal, selection, contents.originals)?;
    let mut summary = None;
    archive::write_archive(archive, encryption, &mut |sink| {
        summary = Some(write_packet(
            journal, selection, reports, sink, &plans, contents,
        )?);
        Ok(())
    })?;
    let summary =
        summary.ok_or_else(|| write_err(archive)(io::Error::other("nothing was written")))?;
    Ok(PacketSummary {
        path: archive.to_path_buf(),
        ..summary
    })
}

/// Where the packet's files go: a folder, or entries of a zip. `fill` writes one file's bytes.
trait Sink {
    fn file(
        &mut self,
        relative: &str,
        size: u64,
        compress: bool,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), PacketError>,
    ) -> Result<(), PacketError>;

    /// The folder or archive being written, for error messages.
    fn target(&self) -> &Path;

    /// True for a zip: the README then names the real file in its commands.
    fn is_archive(&self) -> bool;
}

struct FolderSink<'a> {
    root: &'a Path,
}

impl Sink for FolderSink<'_> {
    fn file(
        &mut self,
        relative: &str,
        _size: u64,
        _compress: bool,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), PacketError>,
    ) -> Result<(), PacketError> {
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        let mut writer = BufWriter::new(File::create(&path).map_err(write_err(&path))?);
        fill(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(|e| write_err(&path)(e.into_error()))?;
        file.sync_all().map_err(write_err(&path))
    }

    fn target(&self) -> &Path {
        self.root
    }

    fn is_archive(&self) -> bool {
        false
    }
}

/// The copies to write, decided before anything is: none for exact originals (the person's
/// choice, or nothing records a location), a plan per exhibit with something to remove for
/// copies without location. Refuses when the person has not chosen and something would leak.
fn settle_originals(
    journal: &Journal,
    selection: &Selection,
    originals: Option<Originals>,
) -> Result<std::collections::HashMap<String, CopyPlan>, PacketError> {
    let mut plans = std::collections::HashMap::new();
    match originals {
        Some(Originals::Exact) => {}
        Some(Originals::WithoutLocation) => {
            for e in &selection.exhibits {
                if let Some(plan) = plan_copy(journal, &e.attachment, &e.label)? {
                    plans.insert(e.attachment.id.clone(), plan);
                }
            }
        }
        None => {
            let located = exhibits_recording_location(journal, selection)?;
            if !located.is_empty() {
                return Err(PacketError::LocationChoice(located));
            }
        }
    }
    Ok(plans)
}

/// How to write an exhibit's copy without location: the patches that blank it in place, and
/// what they remove, in plain words.
struct CopyPlan {
    patches: Vec<privacy::Patch>,
    removed: Vec<String>,
}

/// Decides from the original itself (never only from what import remembered) whether it has
/// anything to remove, and checks that the patched copy reveals nothing: a file whose location
/// Daybook cannot remove is refused rather than shipped. Streams the decrypted bytes, so a
/// video is never held in memory.
fn plan_copy(
    journal: &Journal,
    a: &Attachment,
    label: &str,
) -> Result<Option<CopyPlan>, PacketError> {
    if !matches!(
        a.kind,
        crate::evidence::AttachmentKind::Image | crate::evidence::AttachmentKind::Video
    ) {
        return Ok(None);
    }
    // A file that cannot be read to the end cannot be checked: it is refused like one whose
    // location cannot be removed.
    let read_err =
        |_: io::Error| PacketError::LocationNotRemoved(format!("{label} ({})", a.original_name));
    let examined =
        privacy::examine(&mut privacy::Forward(journal.plaintext_reader(a)?)).map_err(read_err)?;
    let not_removed = || PacketError::LocationNotRemoved(format!("{label} ({})", a.original_name));
    if examined.patches.is_empty() {
        if examined.reveals.records_location() {
            return Err(not_removed());
        }
        return Ok(None);
    }
    let again = privacy::examine(&mut privacy::Forward(privacy::PatchReader::new(
        journal.plaintext_reader(a)?,
        &examined.patches,
    )))
    .map_err(read_err)?;
    if again.reveals.records_location() || !again.reveals.device.is_empty() {
        return Err(not_removed());
    }
    Ok(Some(CopyPlan {
        patches: examined.patches,
        removed: examined.removed,
    }))
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
    sink: &mut dyn Sink,
    plans: &std::collections::HashMap<String, CopyPlan>,
    contents: Contents,
) -> Result<PacketSummary, PacketError> {
    let target = sink.target().to_path_buf();
    let mut files = Vec::new();
    let mut exhibits = Vec::new();
    let mut copies = 0;
    for exhibit in &selection.exhibits {
        let relative = format!("exhibits/{}", exhibit.file_name);
        let a = &exhibit.attachment;
        let (size, sha256, original_sha256, original_size, removed) = match plans.get(&a.id) {
            None => {
                sink.file(&relative, a.size, false, &mut |w| {
                    journal.copy_attachment(a, w, &mut |_, _| true)?;
                    Ok(())
                })?;
                (a.size, a.sha256.clone(), None, None, Vec::new())
            }
            Some(plan) => {
                // Straight from the decrypting stream through the patches into the packet;
                // copy_attachment still checks the original's SHA-256 on the way.
                let mut digest = None;
                sink.file(&relative, a.size, false, &mut |w| {
                    let hashing = crate::fsutil::HashingWriter::new(w);
                    let mut patched = privacy::PatchWriter::new(hashing, &plan.patches);
                    journal.copy_attachment(a, &mut patched, &mut |_, _| true)?;
                    digest = Some(patched.into_inner().finish().1);
                    Ok(())
                })?;
                let sha = digest.ok_or_else(|| {
                    write_err(&target)(io::Error::other("the copy was not written"))
                })?;
                copies += 1;
                (
                    a.size,
                    sha,
                    Some(a.sha256.clone()),
                    Some(a.size),
                    plan.removed.clone(),
                )
            }
        };
        files.push(ManifestFile {
            path: relative.clone(),
            role: "exhibit".into(),
            size,
            sha256: sha256.clone(),
        });
        exhibits.push(ManifestExhibit {
            exhibit: exhibit.label.clone(),
            number: exhibit.number,
            file: relative,
            incident_id: exhibit.incident_id.clone(),
            incident_number: exhibit.incident_number,
            incident_date: exhibit.incident_date.clone(),
            communication_id: exhibit.message.as_ref().map(|m| m.communication_id.clone()),
            original_name: a.original_name.clone(),
            mime: a.mime.clone(),
            size,
            sha256,
            captured_at: a.captured_at.clone(),
            file_modified_at: a.file_modified_at.clone(),
            imported_at: a.imported_at.clone(),
            source: if original_sha256.is_some() {
                "A copy of the file imported into the Daybook journal, with its location and device details removed".into()
            } else {
                "Imported into the Daybook journal from the user's device".into()
            },
            original_sha256,
            original_size,
            removed,
        });
    }
    let phone_backups = write_phone_backups(journal, selection, sink, contents, plans, &mut files)?;
    for report in reports {
        let relative = report.file_name.clone();
        put_bytes(sink, &relative, false, &report.bytes, &target)?;
        files.push(describe(&relative, "report", &report.bytes));
    }
    let fingerprint = journal.fingerprint()?;
    let signing_key = journal.signing_key()?;
    let public_key = hex::encode(signing_key.verifying_key().as_bytes());
    let name = if sink.is_archive() {
        archive::folder_name(&target)
    } else {
        "NAME".to_string()
    };
    let readme = readme_text(
        &name,
        &fingerprint,
        &public_key,
        selection.exhibits.len(),
        copies,
        reports,
        &phone_backups,
    );
    put_bytes(sink, README, true, readme.as_bytes(), &target)?;
    files.push(describe(README, "readme", readme.as_bytes()));
    // Windows reads the PowerShell script with CRLF line ends as readily; the shell script
    // must keep LF.
    let ps1 = CHECK_PS1_TEXT.replace('\n', "\r\n");
    for (name, text) in [(CHECK_SH, CHECK_SH_TEXT), (CHECK_PS1, ps1.as_str())] {
        put_bytes(sink, name, true, text.as_bytes(), &target)?;
        files.push(describe(name, "checker", text.as_bytes()));
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        generated_at: crate::journal::time::now_utc(),
        generator: format!("Daybook {}", env!("CARGO_PKG_VERSION")),
        journal_id: journal.journal_id()?,
        journal_fingerprint: fingerprint.clone(),
        public_key,
        files,
        exhibits,
        phone_backups,
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| write_err(&target)(io::Error::other(e)))?;
    manifest_bytes.push(b'\n');
    put_bytes(sink, MANIFEST, true, &manifest_bytes, &target)?;
    let signature = signing_key.sign(&manifest_bytes);
    let signature_text = format!("{}\n", hex::encode(signature.to_bytes()));
    put_bytes(sink, SIGNATURE, true, signature_text.as_bytes(), &target)?;

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
    put_bytes(sink, SUMS, true, sums.as_bytes(), &target)?;
    Ok(PacketSummary {
        path: target,
        exhibits: manifest.exhibits.len(),
        files: manifest.files.len() + 3,
        bytes: total,
        fingerprint,
    })
}

/// The extract of each phone backup the printed texts and calls come from (and the whole file
/// when asked), in `communications/`.
fn write_phone_backups(
    journal: &Journal,
    selection: &Selection,
    sink: &mut dyn Sink,
    contents: Contents,
    plans: &std::collections::HashMap<String, CopyPlan>,
    files: &mut Vec<ManifestFile>,
) -> Result<Vec<ManifestBackup>, PacketError> {
    let copies = |id: &str| plans.get(id).map(|p| p.patches.as_slice());
    let mut imports: Vec<&str> = Vec::new();
    for c in &selection.communications {
        if !imports.contains(&c.source.import_id.as_str()) {
            imports.push(&c.source.import_id);
        }
    }
    let mut out = Vec::new();
    let mut stems: Vec<String> = Vec::new();
    for import_id in imports {
        let kept = journal.attachment(import_id)?;
        let mut stem = court_safe_stem(&kept.original_name);
        // Two backups saved under one name (each phone calls it sms.xml) get their own files.
        if stems.contains(&stem) {
            stem = format!("{stem}-{}", stems.len() + 1);
        }
        stems.push(stem.clone());
        // A chat export's text stays text and a backup XML; a database's extract is JSON.
        let (ext, extract_ext) = match kept.mime.as_str() {
            "text/plain" => ("txt", "txt"),
            "application/vnd.sqlite3" => ("db", "json"),
            _ => ("xml", "xml"),
        };
        let extract_path = format!("communications/{stem}-extract.{extract_ext}");
        let mut written = None;
        sink.file(&extract_path, 0, true, &mut |w| {
            written = Some(journal.write_backup_extract(
                import_id,
                &selection.communications,
                &copies,
                w,
            )?);
            Ok(())
        })?;
        let extract = written.ok_or_else(|| {
            write_err(sink.target())(io::Error::other("the extract was not written"))
        })?;
        files.push(ManifestFile {
            path: extract_path.clone(),
            role: "phone-backup-extract".into(),
            size: extract.size,
            sha256: extract.sha256.clone(),
        });
        let original_file = if contents.include_source_backups {
            let path = format!("communications/{stem}.{ext}");
            sink.file(&path, kept.size, true, &mut |w| {
                journal.copy_attachment(&kept, w, &mut |_, _| true)?;
                Ok(())
            })?;
            files.push(ManifestFile {
                path: path.clone(),
                role: "phone-backup".into(),
                size: kept.size,
                sha256: kept.sha256.clone(),
            });
            Some(path)
        } else {
            None
        };
        out.push(ManifestBackup {
            extract: extract_path,
            records: extract.records,
            original_name: kept.original_name.clone(),
            original_size: kept.size,
            original_sha256: kept.sha256.clone(),
            original_file,
            pictures_without_location: extract.pictures_without_location,
        });
    }
    Ok(out)
}

/// A file name's stem that any court system takes: ASCII letters, digits, '-', '_', at most 40.
fn court_safe_stem(name: &str) -> String {
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if safe.is_empty() {
        "backup".into()
    } else {
        safe
    }
}

fn put_bytes(
    sink: &mut dyn Sink,
    relative: &str,
    compress: bool,
    bytes: &[u8],
    target: &Path,
) -> Result<(), PacketError> {
    sink.file(relative, bytes.len() as u64, compress, &mut |w| {
        w.write_all(bytes).map_err(write_err(target))
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

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> PacketError + '_ {
    move |source| PacketError::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn readme_text(
    name: &str,
    fingerprint: &str,
    public_key: &str,
    exhibits: usize,
    copies: usize,
    reports: &[ReportFile],
    phone_backups: &[ManifestBackup],
) -> String {
    let report_names: Vec<&str> = reports.iter().map(|r| r.file_name.as_str()).collect();
    let backups_note = if phone_backups.is_empty() {
        String::new()
    } else {
        let whole = phone_backups
            .iter()
            .filter(|b| b.original_file.is_some())
            .count();
        format!(
            "- communications/: for {} phone backup(s) the report's texts and calls come from, an\r\n\
             \x20 extract (...-extract.xml) holding only the printed records, each copied byte for\r\n\
             \x20 byte from the backup (pictures without location excepted, as manifest.json says);\r\n\
             \x20 manifest.json gives the whole backup's SHA-256. {whole} whole backup(s) included.\r\n",
            phone_backups.len()
        )
    };
    let copies_note = if copies == 0 {
        String::new()
    } else {
        format!(
            "Copies without location\r\n\
             - {copies} exhibit file(s) are copies of the originals with the place where they were\r\n\
             \x20 taken (GPS) and the device's serial numbers removed; every other byte is the\r\n\
             \x20 original's. manifest.json lists each with \"original_sha256\" (the original's\r\n\
             \x20 SHA-256, as printed in the report) and what was removed. The person who made this\r\n\
             \x20 packet keeps the exact originals and can export them (\"--originals exact\") for\r\n\
             \x20 someone who needs them.\r\n\r\n"
        )
    };
    format!(
        "EVIDENCE PACKET\r\n\
         ===============\r\n\r\n\
         This packet was exported from Daybook, an encrypted journal in which the protected\r\n\
         person recorded incidents as they happened.\r\n\r\n\
         What is inside\r\n\
         - {reports}: the chronological report (PDF).\r\n\
         - exhibits/: {exhibits} exhibit file(s), byte-for-byte the originals the user imported.\r\n\
         \x20 Names start with the exhibit number used in the report, e.g. Exhibit-012_...\r\n\
         \x20 Audio and video are here only; the report has a page for each with its hash.\r\n\
         {backups_note}\
         - manifest.json: every file with its size and SHA-256, and for each exhibit the\r\n\
         \x20 incident (or text message) it belongs to, its original name, capture time and\r\n\
         \x20 import time.\r\n\
         - manifest.sig: an Ed25519 signature over manifest.json, made with the journal's own\r\n\
         \x20 signing key. Public key: {public_key}\r\n\
         - SHA256SUMS: the SHA-256 of every file above.\r\n\r\n\
         {copies_note}\
         If you received the packet as one file\r\n\
         - {name}.zip.age is encrypted with age (the free \"age\" tool, age-encryption.org).\r\n\
         \x20 Decrypt it into a zip, then unzip that:\r\n\
         \x20     age -d -i your-key.txt -o {name}.zip {name}.zip.age   (sent to your age or SSH key)\r\n\
         \x20     age -d -o {name}.zip {name}.zip.age                   (sent with a passphrase; age asks)\r\n\
         - {name}.zip: unzip it (unzip {name}.zip, or double-click it). It makes the folder {name}\r\n\
         \x20 holding this README; check the files there as below.\r\n\r\n\
         How to check that nothing was changed\r\n\
         - Without Daybook (Linux or macOS terminal, in this folder):\r\n\
         \x20     sha256sum -c SHA256SUMS        (macOS: shasum -a 256 -c SHA256SUMS)\r\n\
         \x20 Every line must say OK. Or run:  sh check-packet.sh\r\n\
         - Without Daybook on Windows (PowerShell, in this folder):\r\n\
         \x20     powershell -ExecutionPolicy Bypass -File check-packet.ps1\r\n\
         \x20 It prints OK, or the first file that does not match. One file at a time:\r\n\
         \x20     certutil -hashfile exhibits\\FILE SHA256      (Command Prompt)\r\n\
         \x20     Get-FileHash -Algorithm SHA256 exhibits\\FILE   (PowerShell)\r\n\
         \x20 and compare the result with the file's line in SHA256SUMS (case does not matter).\r\n\
         - With Daybook:  daybook verify <this folder>\r\n\
         \x20 or, without unpacking:  daybook verify {name}.zip\r\n\
         \x20                         daybook verify {name}.zip.age --identity your-key.txt\r\n\
         \x20 This also checks the signature and that no file was added or removed.\r\n\r\n\
         Journal fingerprint (head of its tamper-evident revision chain) at export:\r\n\
         \x20 {fingerprint}\r\n\
         The same fingerprint is printed in the report.\r\n\r\n\
         Daybook gives general information, not legal advice.\r\n",
        reports = if report_names.is_empty() { "(no report)".to_string() } else { report_names.join(", ") },
    )
}
