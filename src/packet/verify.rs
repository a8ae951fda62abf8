//! `daybook verify PACKET`: checks a packet without the journal, as an attorney or clerk would,
//! whether it is a folder, a zip or an encrypted zip (see [`super::source`]). Reads only what
//! the manifest names, refuses paths that leave the packet, and stops at the first file that
//! does not match.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::{Component, Path};

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Serialize;

use super::source::{self, PacketKey, Source};
use super::{Manifest, FORMAT, MANIFEST, SIGNATURE, SUMS};

/// Manifests are small; anything larger is not ours and is not parsed.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacketReport {
    pub files: usize,
    pub exhibits: usize,
    pub bytes: u64,
    pub fingerprint: String,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketProblem {
    #[error("{0} is not a Daybook evidence packet (it has no manifest.json).")]
    NotAPacket(String),
    #[error("The packet cannot be opened. {0}")]
    Locked(String),
    #[error("The packet file is damaged: {0}.")]
    Damaged(String),
    #[error("manifest.json cannot be read: {0}")]
    BadManifest(String),
    #[error("manifest.json was changed after it was signed (the signature in manifest.sig does not match).")]
    BadSignature,
    #[error("manifest.sig is missing or unreadable: {0}")]
    MissingSignature(String),
    #[error("{path} is missing.")]
    Missing { path: String },
    #[error("{path} does not match: {detail}")]
    Mismatch { path: String, detail: String },
    #[error("{path} is not part of the packet: it was added after export.")]
    Extra { path: String },
    #[error("{path} is not a safe path inside the packet.")]
    UnsafePath { path: String },
    #[error("SHA256SUMS does not match the manifest: {0}")]
    Sums(String),
}

/// Checks the packet at `path` (folder, `.zip` or `.zip.age`); `key` opens an encrypted one.
pub fn verify_packet(path: &Path, key: &PacketKey) -> Result<PacketReport, PacketProblem> {
    let mut source = source::open(path, key)?;
    let result = verify_source(source.as_mut(), path);
    // A failed age check explains any other failure: say that, not which file was being read.
    match (result, source.damage()) {
        (Err(_), Some(damage)) => Err(damage),
        (result, _) => result,
    }
}

fn verify_source(source: &mut dyn Source, path: &Path) -> Result<PacketReport, PacketProblem> {
    let manifest_bytes = read_limited(source, MANIFEST, MAX_MANIFEST_BYTES)
        .map_err(|_| PacketProblem::NotAPacket(path.display().to_string()))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| PacketProblem::BadManifest(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(PacketProblem::BadManifest(format!(
            "unknown format \"{}\"",
            manifest.format
        )));
    }
    check_signature(source, &manifest, &manifest_bytes)?;

    let mut listed = BTreeSet::new();
    let mut bytes = 0;
    for file in &manifest.files {
        let relative = safe_relative(&file.path)?;
        let (size, sha) = hash_file(source, relative).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                PacketProblem::Missing {
                    path: file.path.clone(),
                }
            } else {
                PacketProblem::Mismatch {
                    path: file.path.clone(),
                    detail: format!("its bytes cannot be read back ({e})"),
                }
            }
        })?;
        if size != file.size || sha != file.sha256 {
            return Err(PacketProblem::Mismatch {
                path: file.path.clone(),
                detail: format!(
                    "{size} bytes with SHA-256 {sha}; the manifest says {} bytes with SHA-256 {}",
                    file.size, file.sha256
                ),
            });
        }
        listed.insert(file.path.clone());
        bytes += size;
    }
    for exhibit in &manifest.exhibits {
        let file = manifest.files.iter().find(|f| f.path == exhibit.file);
        if file.is_none_or(|f| f.sha256 != exhibit.sha256 || f.size != exhibit.size) {
            return Err(PacketProblem::BadManifest(format!(
                "{} does not agree with its file entry",
                exhibit.exhibit
            )));
        }
    }
    check_sums(source, &manifest, &manifest_bytes)?;
    for name in [MANIFEST, SIGNATURE, SUMS] {
        listed.insert(name.to_string());
    }
    if let Some(extra) = source.entries()?.into_iter().find(|p| !listed.contains(p)) {
        return Err(PacketProblem::Extra { path: extra });
    }
    Ok(PacketReport {
        files: manifest.files.len(),
        exhibits: manifest.exhibits.len(),
        bytes,
        fingerprint: manifest.journal_fingerprint,
        public_key: manifest.public_key,
    })
}

fn check_signature(
    source: &mut dyn Source,
    manifest: &Manifest,
    manifest_bytes: &[u8],
) -> Result<(), PacketProblem> {
    let text = read_limited(source, SIGNATURE, 1024)
        .map_err(|e| PacketProblem::MissingSignature(e.to_string()))?;
    let text = String::from_utf8_lossy(&text);
    let mut signature = [0u8; 64];
    hex::decode_to_slice(text.trim(), &mut signature)
        .map_err(|e| PacketProblem::MissingSignature(e.to_string()))?;
    let mut key = [0u8; 32];
    hex::decode_to_slice(&manifest.public_key, &mut key)
        .map_err(|_| PacketProblem::BadManifest("the public key is not valid".into()))?;
    let key = VerifyingKey::from_bytes(&key)
        .map_err(|_| PacketProblem::BadManifest("the public key is not valid".into()))?;
    key.verify(manifest_bytes, &Signature::from_bytes(&signature))
        .map_err(|_| PacketProblem::BadSignature)
}

/// SHA256SUMS must list exactly the manifest's files plus the manifest and its signature, with
/// the same hashes (a packet someone re-summed after editing a file must still fail).
fn check_sums(
    source: &mut dyn Source,
    manifest: &Manifest,
    manifest_bytes: &[u8],
) -> Result<(), PacketProblem> {
    let text = read_limited(source, SUMS, MAX_MANIFEST_BYTES)
        .map_err(|_| PacketProblem::Missing { path: SUMS.into() })?;
    let text = String::from_utf8(text).map_err(|_| PacketProblem::Sums("it is not text".into()))?;
    let mut expected: Vec<(String, String)> = manifest
        .files
        .iter()
        .map(|f| (f.sha256.clone(), f.path.clone()))
        .collect();
    expected.push((super::sha256_hex(manifest_bytes), MANIFEST.into()));
    let signature = read_limited(source, SIGNATURE, 1024).map_err(|_| PacketProblem::Missing {
        path: SIGNATURE.into(),
    })?;
    expected.push((super::sha256_hex(&signature), SIGNATURE.into()));
    let found: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once("  ") {
            Some((sha, path)) => Ok((sha.to_string(), path.to_string())),
            None => Err(PacketProblem::Sums(format!("unreadable line \"{l}\""))),
        })
        .collect::<Result<_, _>>()?;
    for (sha, path) in &expected {
        match found.iter().find(|(_, p)| p == path) {
            None => return Err(PacketProblem::Sums(format!("{path} is not listed"))),
            Some((s, _)) if s != sha => {
                return Err(PacketProblem::Sums(format!("the hash of {path} differs")))
            }
            Some(_) => {}
        }
    }
    if found.len() != expected.len() {
        return Err(PacketProblem::Sums(
            "it lists files the manifest does not".into(),
        ));
    }
    Ok(())
}

fn safe_relative(path: &str) -> Result<&Path, PacketProblem> {
    let p = Path::new(path);
    let safe = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(p)
    } else {
        Err(PacketProblem::UnsafePath { path: path.into() })
    }
}

fn hash_file(source: &mut dyn Source, path: &Path) -> io::Result<(u64, String)> {
    let path = path.to_string_lossy().replace('\\', "/");
    crate::fsutil::sha256_of(&mut source.open(&path)?)
}

fn read_limited(source: &mut dyn Source, path: &str, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    source.open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "file is too large",
        ));
    }
    Ok(bytes)
}
