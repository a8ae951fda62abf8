//! The packet as one file: `NAME.zip`, or `NAME.zip.age` when it is encrypted for an attorney.
//!
//! The zip is written as a stream straight into its final folder, through age when asked, so
//! the packet's files never exist unencrypted on disk: the only temporary file is the output's
//! own bytes (`.NAME.*.part`, owner-only), renamed into place after an fsync, and removed if
//! anything fails. Inside, every file sits under one folder named like the archive, so unzipping
//! gives the same tree as a folder packet and `sha256sum -c SHA256SUMS` works there.
//!
//! File name rule (the CLI documents it): the name given with `--out` gets `.zip` added unless
//! it already ends in `.zip`; an encrypted packet gets `.zip.age` (or just `.age` after a name
//! ending in `.zip`) unless it already ends in `.zip.age`.

use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::{PacketError, Sink};
use crate::journal::KdfCost;

/// Who can open an archive.
pub enum Encryption {
    /// A plain zip.
    None,
    /// age public keys (`age1...`) and/or SSH public keys (`ssh-ed25519 ...`, `ssh-rsa ...`).
    Recipients(Vec<Box<dyn age::Recipient + Send>>),
    /// A passphrase the user will tell the recipient (age scrypt).
    Passphrase {
        passphrase: SecretString,
        cost: KdfCost,
    },
}

impl Encryption {
    pub fn is_encrypted(&self) -> bool {
        !matches!(self, Encryption::None)
    }
}

/// The archive file a `--out` name stands for, by the rule in this module's doc.
pub fn archive_path(out: &Path, encrypted: bool) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let suffix = match (
        encrypted,
        lower.ends_with(".zip"),
        lower.ends_with(".zip.age"),
    ) {
        (false, true, _) | (true, _, true) => "",
        (false, false, _) => ".zip",
        (true, true, false) => ".age",
        (true, false, false) => ".zip.age",
    };
    let mut path = out.as_os_str().to_owned();
    path.push(suffix);
    PathBuf::from(path)
}

/// True when a `--out` name itself asks for an archive.
pub fn names_archive(out: &Path) -> bool {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".zip") || name.ends_with(".zip.age")
}

/// The folder inside the archive: its file name without `.zip` / `.zip.age`.
pub fn folder_name(archive: &Path) -> String {
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem = if lower.ends_with(".zip.age") {
        &name[..name.len() - ".zip.age".len()]
    } else if lower.ends_with(".zip") {
        &name[..name.len() - ".zip".len()]
    } else {
        &name[..]
    };
    let stem = stem.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if stem.is_empty() {
        "Evidence-packet".into()
    } else {
        stem.into()
    }
}

/// Parses `--encrypt-to` values; one bad string refuses them all, before anything is written.
pub fn parse_recipients(
    texts: &[String],
) -> Result<Vec<Box<dyn age::Recipient + Send>>, PacketError> {
    let mut recipients: Vec<Box<dyn age::Recipient + Send>> = Vec::new();
    for text in texts {
        let trimmed = text.trim();
        let parsed: Option<Box<dyn age::Recipient + Send>> = if trimmed.starts_with("age1") {
            trimmed
                .parse::<age::x25519::Recipient>()
                .ok()
                .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
        } else if trimmed.starts_with("ssh-") {
            match trimmed.parse::<age::ssh::Recipient>() {
                Ok(r) => Some(Box::new(r)),
                Err(age::ssh::ParseRecipientKeyError::RsaModulusTooSmall) => {
                    return Err(PacketError::Recipient(format!(
                        "\"{}\" is an SSH RSA key shorter than 2048 bits, too weak to protect evidence. Ask for an ed25519 key or an age key.",
                        shorten(trimmed)
                    )))
                }
                Err(_) => None,
            }
        } else {
            None
        };
        match parsed {
            Some(r) => recipients.push(r),
            None => {
                return Err(PacketError::Recipient(format!(
                    "\"{}\" is not a public key Daybook can encrypt to. Use the recipient's age public key (it starts with age1, as printed by `age-keygen`) or their SSH public key (the one line in ~/.ssh/id_ed25519.pub, starting with ssh-ed25519), in quotes.",
                    shorten(trimmed)
                )))
            }
        }
    }
    if recipients.is_empty() {
        return Err(PacketError::Recipient(
            "Give at least one public key to --encrypt-to.".into(),
        ));
    }
    Ok(recipients)
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push_str("...");
    }
    short
}

/// Writes the archive through `write` (which fills a [`Sink`]) into a temporary `.part` file
/// beside `path`, then renames it into place without ever replacing an existing file.
pub(super) fn write_archive(
    path: &Path,
    encryption: &Encryption,
    write: &mut dyn FnMut(&mut dyn Sink) -> Result<(), PacketError>,
) -> Result<(), PacketError> {
    let err = |source| PacketError::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.symlink_metadata().is_ok() {
        return Err(PacketError::Exists(path.to_path_buf()));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{}.", folder_name(path));
    // Removed on drop unless persisted: a failure at any point leaves nothing behind.
    let part = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(err)?;
    let file = part.as_file().try_clone().map_err(err)?;
    let out = BufWriter::with_capacity(256 * 1024, file);
    let folder = folder_name(path);
    let time = zip_time();
    let out = match encryption {
        Encryption::None => {
            let mut sink = ZipSink::new(ZipWriter::new(out), &folder, time, path)?;
            write(&mut sink)?;
            sink.finish()?
        }
        Encryption::Recipients(_) | Encryption::Passphrase { .. } => {
            let encryptor = encryptor(encryption).map_err(err)?;
            let stream = encryptor.wrap_output(out).map_err(err)?;
            let mut sink = ZipSink::new(ZipWriter::new_stream(stream), &folder, time, path)?;
            write(&mut sink)?;
            sink.finish()?.into_inner().finish().map_err(err)?
        }
    };
    let file = out.into_inner().map_err(|e| err(e.into_error()))?;
    file.sync_all().map_err(err)?;
    drop(file);
    part.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            PacketError::Exists(path.to_path_buf())
        } else {
            err(e.error)
        }
    })?;
    crate::fsutil::sync_dir(&dir).map_err(err)
}

fn encryptor(encryption: &Encryption) -> io::Result<age::Encryptor> {
    let made = match encryption {
        Encryption::None => return Err(io::Error::other("no encryption was asked for")),
        Encryption::Recipients(recipients) => age::Encryptor::with_recipients(
            recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        ),
        Encryption::Passphrase { passphrase, cost } => {
            let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
            if let Some(log_n) = cost.log_n() {
                recipient.set_work_factor(log_n);
            }
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        }
    };
    made.map_err(|e| io::Error::other(e.to_string()))
}

/// Zip entry times are local wall-clock times without a zone; the manifest has the real instant.
fn zip_time() -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    zip::DateTime::from_date_and_time(
        now.year().clamp(1980, 2107) as u16,
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default()
}

struct ZipSink<'a, W: Write + Seek> {
    zip: ZipWriter<W>,
    folder: String,
    time: zip::DateTime,
    archive: &'a Path,
}

impl<'a, W: Write + Seek> ZipSink<'a, W> {
    fn new(
        mut zip: ZipWriter<W>,
        folder: &str,
        time: zip::DateTime,
        archive: &'a Path,
    ) -> Result<Self, PacketError> {
        let options = SimpleFileOptions::default()
            .last_modified_time(time)
            .unix_permissions(0o755);
        for dir in [format!("{folder}/"), format!("{folder}/exhibits/")] {
            zip.add_directory(dir, options)
                .map_err(|e| zip_err(archive, e))?;
        }
        Ok(Self {
            zip,
            folder: folder.to_string(),
            time,
            archive,
        })
    }

    fn finish(self) -> Result<W, PacketError> {
        self.zip.finish().map_err(|e| zip_err(self.archive, e))
    }
}

impl<W: Write + Seek> Sink for ZipSink<'_, W> {
    fn file(
        &mut self,
        relative: &str,
        size: u64,
        compress: bool,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<(), PacketError>,
    ) -> Result<(), PacketError> {
        // Photos, audio and PDFs are compressed already: stored, they cost no CPU to zip.
        let method = if compress {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.time)
            .unix_permissions(0o644)
            .large_file(size >= u64::from(u32::MAX));
        self.zip
            .start_file(format!("{}/{relative}", self.folder), options)
            .map_err(|e| zip_err(self.archive, e))?;
        fill(&mut self.zip)
    }

    fn target(&self) -> &Path {
        self.archive
    }

    fn is_archive(&self) -> bool {
        true
    }
}

fn zip_err(archive: &Path, e: zip::result::ZipError) -> PacketError {
    PacketError::Write {
        path: archive.to_path_buf(),
        source: match e {
            zip::result::ZipError::Io(io) => io,
            other => io::Error::other(other),
        },
    }
}

/// Reads `--identity FILE`: age secret keys (`AGE-SECRET-KEY-1...`, as `age-keygen` writes
/// them) or an unencrypted SSH private key.
pub fn read_identities(path: &Path) -> Result<Vec<Box<dyn age::Identity>>, PacketError> {
    let bad = |detail: String| PacketError::Identity {
        path: path.to_path_buf(),
        detail,
    };
    let text = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    if text.len() > 1024 * 1024 {
        return Err(bad("it is far too large to be a key file".into()));
    }
    if text.windows(16).any(|w| w == b"PRIVATE KEY-----") {
        let identity = age::ssh::Identity::from_buffer(&text[..], Some(path.display().to_string()))
            .map_err(|e| bad(format!("it is not an SSH key age can use ({e})")))?;
        return match identity {
            age::ssh::Identity::Unencrypted(_) => Ok(vec![Box::new(identity)]),
            age::ssh::Identity::Encrypted(_) => Err(bad(
                "this SSH key is protected by its own passphrase. Decrypt the packet with the age tool (age -d -i KEY -o packet.zip packet.zip.age), then run daybook verify on the .zip".into(),
            )),
            age::ssh::Identity::Unsupported(_) => {
                Err(bad("age does not support this kind of SSH key".into()))
            }
        };
    }
    let file = age::IdentityFile::from_buffer(&text[..])
        .map_err(|e| bad(format!("it is not an age identity file ({e})")))?;
    let identities = file
        .into_identities()
        .map_err(|e| bad(format!("it is not an age identity file ({e})")))?;
    if identities.is_empty() {
        return Err(bad(
            "it holds no secret key (a line starting AGE-SECRET-KEY-1)".into(),
        ));
    }
    Ok(identities
        .into_iter()
        .map(|i| i as Box<dyn age::Identity>)
        .collect())
}
