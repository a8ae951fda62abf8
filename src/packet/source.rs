//! Where `daybook verify` reads a packet from: a folder, a zip, or an age-encrypted zip that is
//! decrypted on the fly (age's STREAM format allows random access, so the zip's central
//! directory is read without ever writing the plaintext to disk).

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use age::secrecy::SecretString;
use zip::ZipArchive;

use super::verify::PacketProblem;

/// Above this we refuse to try a passphrase: a crafted file could ask for hours of work.
const MAX_SCRYPT_LOG_N: u8 = 22;

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// What a path given to `daybook verify` holds, judged by its content, not its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    Folder,
    Zip,
    /// age-encrypted; `passphrase` when it opens with a passphrase rather than a key.
    Encrypted {
        passphrase: bool,
    },
    Unknown,
}

pub fn packet_kind(path: &Path) -> PacketKind {
    let Ok(meta) = path.metadata() else {
        return PacketKind::Unknown;
    };
    if meta.is_dir() {
        return PacketKind::Folder;
    }
    let mut head = [0u8; 32];
    let n = File::open(path)
        .and_then(|mut f| crate::fsutil::read_up_to(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        PacketKind::Zip
    } else if head.starts_with(AGE_MAGIC) {
        let passphrase = File::open(path)
            .ok()
            .and_then(|f| age::Decryptor::new_buffered(BufReader::new(f)).ok())
            .is_some_and(|d| d.is_scrypt());
        PacketKind::Encrypted { passphrase }
    } else {
        PacketKind::Unknown
    }
}

/// What opens an encrypted packet.
pub enum PacketKey {
    None,
    Identities(Vec<Box<dyn age::Identity>>),
    Passphrase(SecretString),
}

/// A packet's files, by their '/'-separated path inside the packet.
pub(super) trait Source {
    /// Every file (not folder) in the packet, sorted. Entries outside the packet's folder are
    /// returned whole, so they show up as extra files.
    fn entries(&mut self) -> Result<Vec<String>, PacketProblem>;

    /// Opens a regular file; `NotFound` when there is no such file.
    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>>;

    /// When the bytes under the zip failed age's authentication, what to say instead of
    /// blaming whichever file was being read at the time.
    fn damage(&self) -> Option<PacketProblem> {
        None
    }
}

/// Opens `path` as the kind it is. `key` is needed only for encrypted packets.
pub(super) fn open(path: &Path, key: &PacketKey) -> Result<Box<dyn Source>, PacketProblem> {
    let not_a_packet = || PacketProblem::NotAPacket(path.display().to_string());
    match packet_kind(path) {
        PacketKind::Folder => Ok(Box::new(FolderSource {
            root: path.to_path_buf(),
        })),
        PacketKind::Zip => {
            let file = File::open(path).map_err(|_| not_a_packet())?;
            ZipSource::new(BufReader::new(file), path, None).map(|s| Box::new(s) as _)
        }
        PacketKind::Encrypted { .. } => {
            let file = File::open(path).map_err(|_| not_a_packet())?;
            let reader = decrypt(BufReader::new(file), key)?;
            let failed = Rc::new(Cell::new(false));
            let reader = Flagged {
                inner: reader,
                failed: failed.clone(),
            };
            ZipSource::new(BufReader::new(reader), path, Some(failed)).map(|s| Box::new(s) as _)
        }
        PacketKind::Unknown => Err(not_a_packet()),
    }
}

fn decrypt(
    file: BufReader<File>,
    key: &PacketKey,
) -> Result<age::stream::StreamReader<BufReader<File>>, PacketProblem> {
    let decryptor = age::Decryptor::new_buffered(file)
        .map_err(|e| PacketProblem::Damaged(format!("its age header cannot be read ({e})")))?;
    let scrypt;
    let identities: Vec<&dyn age::Identity> = match key {
        PacketKey::None if decryptor.is_scrypt() => {
            return Err(PacketProblem::Locked(
                "It is encrypted with a passphrase: give it at the prompt or in DAYBOOK_PACKET_PASSPHRASE.".into(),
            ))
        }
        PacketKey::None => {
            return Err(PacketProblem::Locked(
                "It is encrypted to a key: give the matching secret key file with --identity FILE.".into(),
            ))
        }
        PacketKey::Passphrase(_) if !decryptor.is_scrypt() => {
            return Err(PacketProblem::Locked(
                "It is encrypted to a key, not a passphrase: give the matching secret key file with --identity FILE.".into(),
            ))
        }
        PacketKey::Identities(_) if decryptor.is_scrypt() => {
            return Err(PacketProblem::Locked(
                "It is encrypted with a passphrase, not a key: leave out --identity and give the passphrase.".into(),
            ))
        }
        PacketKey::Passphrase(passphrase) => {
            let mut identity = age::scrypt::Identity::new(passphrase.clone());
            identity.set_max_work_factor(MAX_SCRYPT_LOG_N);
            scrypt = identity;
            vec![&scrypt as &dyn age::Identity]
        }
        PacketKey::Identities(list) => list.iter().map(|i| i.as_ref()).collect(),
    };
    decryptor
        .decrypt(identities.into_iter())
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => PacketProblem::Locked(
                "The key given does not open it; it was encrypted to someone else's key.".into(),
            ),
            age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                PacketProblem::Locked("That passphrase or key does not open it.".into())
            }
            age::DecryptError::ExcessiveWork { required, .. } => PacketProblem::Damaged(format!(
                "it asks for scrypt work factor 2^{required}, far more than Daybook ever uses"
            )),
            other => PacketProblem::Damaged(format!("its age header does not check out ({other})")),
        })
}

/// Remembers that the encrypted bytes failed to decrypt, whatever the zip reader made of it.
struct Flagged<R> {
    inner: R,
    failed: Rc<Cell<bool>>,
}

impl<R: Read> Read for Flagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| self.failed.set(true))
    }
}

impl<R: Seek> Seek for Flagged<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos).inspect_err(|_| self.failed.set(true))
    }
}

struct FolderSource {
    root: PathBuf,
}

impl Source for FolderSource {
    fn entries(&mut self) -> Result<Vec<String>, PacketProblem> {
        let mut out = Vec::new();
        files_under(&self.root, &self.root, &mut out);
        out.sort();
        Ok(out)
    }

    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        let full = self.root.join(path);
        if !full.symlink_metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not a regular file",
            ));
        }
        Ok(Box::new(File::open(full)?))
    }
}

/// Every entry below `dir` as a '/'-separated relative path (links and folders included, so
/// nothing can hide in the packet).
fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            files_under(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

struct ZipSource<R: Read + Seek> {
    zip: ZipArchive<R>,
    /// The packet's folder inside the zip, with its trailing '/', or "" when at the top.
    prefix: String,
    failed: Option<Rc<Cell<bool>>>,
}

impl<R: Read + Seek> ZipSource<R> {
    fn new(reader: R, path: &Path, failed: Option<Rc<Cell<bool>>>) -> Result<Self, PacketProblem> {
        let damaged = |failed: &Option<Rc<Cell<bool>>>| failed.as_ref().is_some_and(|f| f.get());
        let zip = match ZipArchive::new(reader) {
            Ok(zip) => zip,
            Err(_) if damaged(&failed) => return Err(encrypted_damage()),
            Err(e) => {
                return Err(PacketProblem::Damaged(format!(
                    "it is not a readable zip ({e})"
                )))
            }
        };
        if zip.has_duplicate_names() {
            return Err(PacketProblem::Damaged(
                "the zip holds two files with the same name".into(),
            ));
        }
        // The manifest says where the packet is: at the top, or in one folder.
        let manifests: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| {
                n.strip_suffix(super::MANIFEST).is_some_and(|dir| {
                    dir.is_empty()
                        || (dir.matches('/').count() == 1 && dir.ends_with('/') && dir.len() > 1)
                })
            })
            .map(|n| n.into_owned())
            .collect();
        let [manifest] = manifests.as_slice() else {
            return Err(PacketProblem::NotAPacket(path.display().to_string()));
        };
        let prefix = manifest[..manifest.len() - super::MANIFEST.len()].to_string();
        Ok(Self {
            zip,
            prefix,
            failed,
        })
    }
}

fn encrypted_damage() -> PacketProblem {
    PacketProblem::Damaged(
        "the encrypted file was altered or damaged after it was made (age's authentication check failed)".into(),
    )
}

impl<R: Read + Seek> Source for ZipSource<R> {
    fn entries(&mut self) -> Result<Vec<String>, PacketProblem> {
        let mut out = Vec::new();
        for name in self.zip.file_names_raw() {
            let name = String::from_utf8_lossy(name);
            if name.ends_with('/') {
                continue;
            }
            let inside = name.strip_prefix(self.prefix.as_str()).unwrap_or(&name);
            out.push(inside.to_string());
        }
        out.sort();
        Ok(out)
    }

    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        let name = format!("{}{path}", self.prefix);
        let not_found = || io::Error::new(io::ErrorKind::NotFound, "no such file in the zip");
        let index = self.zip.index_for_name(&name).ok_or_else(not_found)?;
        let file = self.zip.by_index(index).map_err(io::Error::other)?;
        if !file.is_file() {
            return Err(not_found());
        }
        Ok(Box::new(file))
    }

    fn damage(&self) -> Option<PacketProblem> {
        self.failed
            .as_ref()
            .is_some_and(|f| f.get())
            .then(encrypted_damage)
    }
}
