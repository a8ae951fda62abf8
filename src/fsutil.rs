//! Durable file writes. A key file or blob that is half-written after a crash could lock a
//! survivor out of their own evidence, so every write that matters goes through here:
//! temp file in the same folder, fsync, rename over the target, fsync of the folder.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// Every temp file we write starts with this, so the unlock-time sweeps can tell a leftover of
/// an interrupted write from anything else.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` so that after a crash the file holds either the old or the new
/// content, never a mix.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Makes a rename or create inside `dir` durable (POSIX needs the folder itself fsynced).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Creates `dir` (and parents) readable by the owner only where the OS supports it.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn parent_dir(path: &Path) -> io::Result<&Path> {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent folder"))
}

/// Writes `bytes` to a new file at `path`, never over an existing one (`AlreadyExists`), and
/// syncs it. A failed write removes the partial file, so an export is whole or absent.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// Reads until `buf` is full or the input ends (a short read is not the end); returns how many
/// bytes it holds. For looking at a file's first bytes to tell what it is.
pub fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The SHA-256 (hex) of a file's contents.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    Ok(sha256_of(&mut fs::File::open(path)?)?.1)
}

/// The size and SHA-256 (hex) of everything `reader` gives, read in 1 MiB pieces.
pub fn sha256_of(reader: &mut dyn Read) -> io::Result<(u64, String)> {
    let mut hashing = HashingWriter::new(io::sink());
    // io::copy reads a BufReader through its buffer: 1 MiB reads, not 8 KiB ones.
    io::copy(
        &mut io::BufReader::with_capacity(1 << 20, reader),
        &mut hashing,
    )?;
    Ok(hashing.finish())
}

/// Passes bytes on to `inner` and hashes (SHA-256) and counts them as they go: what an export
/// wrote, known without reading it back.
pub struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        use sha2::Digest;
        Self {
            inner,
            hasher: sha2::Sha256::new(),
            size: 0,
        }
    }

    /// Bytes written and their SHA-256 (hex).
    pub fn finish(self) -> (u64, String) {
        use sha2::Digest;
        (self.size, hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
