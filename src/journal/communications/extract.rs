//! An extract of a kept phone backup for an evidence packet: the same format, holding only the
//! records the report prints, each element copied byte for byte from the kept file (so its text
//! is exactly the original's, and anyone holding the original can find it at the same place).
//! The original holds every private conversation on the phone; it goes into a packet only when
//! the person asks for it.
//!
//! One exception to "byte for byte": a picture the packet gives without its location (the
//! person's answer to the packet's question) must not keep it in the extract either, so that
//! part's base64 text is replaced by the copy's. Everything else in the element stays as it
//! was, and the extract's heading says which records differ and why.

use std::io::{self, Cursor, Read, Write};

use rusqlite::OptionalExtension;

use super::Communication;
use crate::evidence::privacy::{Patch, PatchReader};
use crate::evidence::EvidenceError;
use crate::fsutil::HashingWriter;
use crate::journal::Journal;

/// What an extract holds, for the packet's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    pub sha256: String,
    pub size: u64,
    pub records: usize,
    /// Pictures whose data in the extract is the copy without location.
    pub pictures_without_location: usize,
}

/// The parts a packet gives as copies without location: attachment id -> the patches that
/// blank the location in the original's bytes.
pub type PartCopies<'a> = dyn Fn(&str) -> Option<&'a [Patch]> + 'a;

/// A part's base64 text to put in place of the original's.
struct Substitute {
    start: u64,
    end: u64,
    attachment_id: String,
}

impl Journal {
    /// Writes to `out` the extract of the kept backup `import_id` holding `records` (those of
    /// them that came from it). `copies` names the parts to give without their location.
    pub fn write_backup_extract(
        &self,
        import_id: &str,
        records: &[Communication],
        copies: &PartCopies<'_>,
        out: &mut dyn Write,
    ) -> Result<Extract, EvidenceError> {
        let kept = self.attachment(import_id)?;
        let mine: Vec<&Communication> = records
            .iter()
            .filter(|c| c.source.import_id == import_id)
            .collect();
        if kept.mime == SQLITE {
            return write_rows(&kept, &mine, out);
        }
        let mut ranges: Vec<(u64, u64)> = mine
            .iter()
            .map(|c| (c.source.byte_start, c.source.byte_end))
            .collect();
        ranges.sort_unstable();
        ranges.dedup();
        // A chat export's text holds no picture data (its media are files of their own, given
        // as exhibits), so its extract is its lines, with a plain-text heading.
        let chat = kept.mime == "text/plain";
        let mut substitutes = Vec::new();
        for c in mine.iter().filter(|_| !chat) {
            for part in &c.parts {
                if copies(&part.attachment_id).is_none() {
                    continue;
                }
                let (start, end) = self.part_data_range(&part.attachment_id)?.ok_or_else(|| {
                    EvidenceError::Damaged {
                        id: part.attachment_id.clone(),
                        detail: "the backup was imported by an older Daybook that did not note where this picture's data lies in it, so its location cannot be removed from the extract; export exact originals, or import the backup again into a new journal".into(),
                    }
                })?;
                substitutes.push(Substitute {
                    start,
                    end,
                    attachment_id: part.attachment_id.clone(),
                });
            }
        }
        substitutes.sort_by_key(|s| s.start);
        let mut reader = self.plaintext_reader(&kept)?;
        let mut head = vec![0u8; 4096];
        let n = crate::fsutil::read_up_to(&mut reader, &mut head).map_err(EvidenceError::Output)?;
        head.truncate(n);
        let root = root_element(&head);
        let mut input = Cursor::new(head).chain(reader);
        let mut output = HashingWriter::new(out);
        let name = kept.original_name.replace("--", "- -");
        let changed = match substitutes.len() {
            0 => String::new(),
            n => format!(" Except: the data of {n} picture(s) is a copy with the place where it was taken and the device removed (the packet's exhibits of the same name), since the packet was made without locations; the rest of those records is as in the original."),
        };
        let header = if chat {
            format!(
                "[Extract made by Daybook {}: the {} messages of {name} (SHA-256 {}) that the report prints, each copied byte for byte from it, one after another. Line numbers in the report refer to that file. Pictures and other files sent in the chat are the packet's exhibits.]\n",
                env!("CARGO_PKG_VERSION"),
                ranges.len(),
                kept.sha256,
            )
        } else {
            format!(
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--Extract made by Daybook {}: the {} records of {name} (SHA-256 {}) that the report prints, each copied byte for byte from it.{changed} Record numbers and lines in the report refer to that file.-->\n<{root} count=\"{}\">\n",
            env!("CARGO_PKG_VERSION"),
            ranges.len(),
            kept.sha256,
            ranges.len()
        )
        };
        output
            .write_all(header.as_bytes())
            .map_err(EvidenceError::Output)?;
        let damaged = |detail: &str| EvidenceError::Damaged {
            id: import_id.to_string(),
            detail: detail.to_string(),
        };
        let mut at = 0u64;
        let mut replaced = 0;
        for (start, end) in &ranges {
            let skip = start.saturating_sub(at);
            let skipped = io::copy(&mut (&mut input).take(skip), &mut io::sink())
                .map_err(EvidenceError::Output)?;
            let mut copied = 0;
            let mut here = *start;
            for sub in substitutes
                .iter()
                .filter(|s| s.start >= *start && s.end <= *end)
            {
                if sub.start < here {
                    return Err(damaged("two pictures' places in the kept backup overlap"));
                }
                copied += io::copy(&mut (&mut input).take(sub.start - here), &mut output)
                    .map_err(EvidenceError::Output)?;
                copied += io::copy(&mut (&mut input).take(sub.end - sub.start), &mut io::sink())
                    .map_err(EvidenceError::Output)?;
                self.write_copy_base64(&sub.attachment_id, copies, &mut output)?;
                here = sub.end;
                replaced += 1;
            }
            copied += io::copy(&mut (&mut input).take(end - here), &mut output)
                .map_err(EvidenceError::Output)?;
            if skipped != skip || copied != end - start {
                return Err(damaged("the kept backup is shorter than its records say"));
            }
            at = *end;
            if !chat {
                output.write_all(b"\n").map_err(EvidenceError::Output)?;
            }
        }
        // A picture to give without its location whose place is not inside its record would
        // otherwise go out as the original: refuse instead.
        if replaced != substitutes.len() {
            return Err(damaged(
                "a picture's place in the kept backup is not inside its message",
            ));
        }
        if !chat {
            output
                .write_all(format!("</{root}>\n").as_bytes())
                .map_err(EvidenceError::Output)?;
        }
        let (size, sha256) = output.finish();
        Ok(Extract {
            sha256,
            size,
            records: ranges.len(),
            pictures_without_location: substitutes.len(),
        })
    }

    /// Where a part's base64 text lies in its kept backup (None if imported before it was noted).
    fn part_data_range(&self, attachment_id: &str) -> Result<Option<(u64, u64)>, EvidenceError> {
        let range: Option<(Option<i64>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT data_start, data_end FROM message_parts WHERE attachment_id = ?1",
                [attachment_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(crate::journal::JournalError::from)?;
        Ok(match range {
            Some((Some(start), Some(end))) if 0 <= start && start <= end => {
                Some((start as u64, end as u64))
            }
            _ => None,
        })
    }

    /// The copy without location of a part, as base64 (the backup's own encoding), streamed.
    fn write_copy_base64(
        &self,
        attachment_id: &str,
        copies: &PartCopies<'_>,
        out: &mut dyn Write,
    ) -> Result<(), EvidenceError> {
        let patches = copies(attachment_id).unwrap_or_default();
        let part = self.attachment(attachment_id)?;
        let mut copy = PatchReader::new(self.plaintext_reader(&part)?, patches);
        let mut encoder =
            base64::write::EncoderWriter::new(out, &base64::engine::general_purpose::STANDARD);
        io::copy(&mut copy, &mut encoder).map_err(EvidenceError::Output)?;
        encoder.finish().map_err(EvidenceError::Output)?;
        Ok(())
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

/// The type of a kept database (an iPhone backup's sms.db or call history).
pub(crate) const SQLITE: &str = "application/vnd.sqlite3";

/// A database cannot be cut into records byte for byte, so its extract is the printed rows as
/// Daybook read them (row number and the phone's id with each), in JSON, naming the database
/// whose SHA-256 the manifest gives; the database itself goes into a packet only when asked.
fn write_rows(
    kept: &crate::evidence::Attachment,
    records: &[&Communication],
    out: &mut dyn Write,
) -> Result<Extract, EvidenceError> {
    let mut output = HashingWriter::new(out);
    let value = serde_json::json!({
        "note": format!(
            "Extract made by Daybook {}: the {} rows of {} (SHA-256 {}) that the report prints, as Daybook read them. Row numbers and ids in the report refer to that database; it is in the packet only when the packet was made with the whole backups.",
            env!("CARGO_PKG_VERSION"),
            records.len(),
            kept.original_name,
            kept.sha256
        ),
        "records": records,
    });
    serde_json::to_writer_pretty(&mut output, &value)
        .map_err(|e| EvidenceError::Output(io::Error::other(e)))?;
    output.write_all(b"\n").map_err(EvidenceError::Output)?;
    let (size, sha256) = output.finish();
    Ok(Extract {
        sha256,
        size,
        records: records.len(),
        pictures_without_location: 0,
    })
}
