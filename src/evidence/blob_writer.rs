//! An encrypted blob written as bytes arrive, for content that is not a file of its own: a
//! picture decoded out of a phone backup, or the backup itself copied while it is parsed. Same
//! blob format as every attachment (age to the journal's X25519 recipient, SHA-256 of the
//! plaintext alongside), written to a temp file and given its name only when finished.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fsutil;

type AgeWriter = age::stream::StreamWriter<BufWriter<File>>;

pub struct BlobWriter {
    tmp: tempfile::NamedTempFile,
    writer: AgeWriter,
    hasher: Sha256,
    size: u64,
    path: PathBuf,
}

/// A finished blob: durable on disk under its name (the folder still needs an fsync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenBlob {
    pub sha256: String,
    pub size: u64,
}

impl BlobWriter {
    /// Starts `<blobs>/<id>.age`; nothing has that name until [`BlobWriter::finish`].
    pub fn create(blobs: &Path, id: &str, recipient: &age::x25519::Recipient) -> io::Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix(fsutil::TEMP_PREFIX)
            .tempfile_in(blobs)?;
        let file = tmp.as_file().try_clone()?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(|e| io::Error::other(e.to_string()))?;
        let writer = encryptor.wrap_output(BufWriter::with_capacity(64 * 1024, file))?;
        Ok(Self {
            tmp,
            writer,
            hasher: Sha256::new(),
            size: 0,
            path: blobs.join(format!("{id}.age")),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Ends the age stream, fsyncs the file and gives it its name (never over another file).
    pub fn finish(self) -> io::Result<WrittenBlob> {
        let mut buffered = self.writer.finish()?;
        buffered.flush()?;
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        self.tmp
            .persist_noclobber(&self.path)
            .map_err(|e| e.error)?;
        Ok(WrittenBlob {
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.writer.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}
