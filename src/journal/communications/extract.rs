//! An extract of a kept phone backup for an evidence packet: the same format, holding only the
//! records the report prints, each element copied byte for byte from the kept file (so its text
//! is exactly the original's, and anyone holding the original can find it at the same place).
//! The original holds every private conversation on the phone; it goes into a packet only when
//! the person asks for it.

use std::io::{self, Cursor, Read, Write};

use sha2::{Digest, Sha256};

use super::Communication;
use crate::evidence::EvidenceError;
use crate::journal::Journal;

/// What an extract holds, for the packet's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    pub sha256: String,
    pub size: u64,
    pub records: usize,
}

impl Journal {
    /// Writes to `out` the extract of the kept backup `import_id` holding `records` (those of
    /// them that came from it).
    pub fn write_backup_extract(
        &self,
        import_id: &str,
        records: &[Communication],
        out: &mut dyn Write,
    ) -> Result<Extract, EvidenceError> {
        let kept = self.attachment(import_id)?;
        let mut ranges: Vec<(u64, u64)> = records
            .iter()
            .filter(|c| c.source.import_id == import_id)
            .map(|c| (c.source.byte_start, c.source.byte_end))
            .collect();
        ranges.sort_unstable();
        ranges.dedup();
        let mut reader = self.plaintext_reader(&kept)?;
        let mut head = vec![0u8; 4096];
        let n = crate::fsutil::read_up_to(&mut reader, &mut head).map_err(EvidenceError::Output)?;
        head.truncate(n);
        let root = root_element(&head);
        let mut input = Cursor::new(head).chain(reader);
        let mut output = Hashing {
            inner: out,
            hasher: Sha256::new(),
            size: 0,
        };
        let name = kept.original_name.replace("--", "- -");
        let header = format!(
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--Extract made by Daybook {}: the {} records of {name} (SHA-256 {}) that the report prints, each copied byte for byte from it. Record numbers and lines in the report refer to that file.-->\n<{root} count=\"{}\">\n",
            env!("CARGO_PKG_VERSION"),
            ranges.len(),
            kept.sha256,
            ranges.len()
        );
        output
            .write_all(header.as_bytes())
            .map_err(EvidenceError::Output)?;
        let mut at = 0u64;
        for (start, end) in &ranges {
            let skip = start.saturating_sub(at);
            let skipped = io::copy(&mut (&mut input).take(skip), &mut io::sink())
                .map_err(EvidenceError::Output)?;
            let copied = io::copy(&mut (&mut input).take(end - start), &mut output)
                .map_err(EvidenceError::Output)?;
            if skipped != skip || copied != end - start {
                return Err(EvidenceError::Damaged {
                    id: import_id.to_string(),
                    detail: "the kept backup is shorter than its records say".into(),
                });
            }
            at = *end;
            output.write_all(b"\n").map_err(EvidenceError::Output)?;
        }
        output
            .write_all(format!("</{root}>\n").as_bytes())
            .map_err(EvidenceError::Output)?;
        Ok(Extract {
            sha256: hex::encode(output.hasher.finalize()),
            size: output.size,
            records: ranges.len(),
        })
    }
}

/// `smses` or `calls`, whichever the backup's first element is.
fn root_element(head: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(head);
    match (text.find("<smses"), text.find("<calls")) {
        (Some(s), Some(c)) if c < s => "calls",
        (None, Some(_)) => "calls",
        _ => "smses",
    }
}

struct Hashing<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
    size: u64,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
