//! What a file is, judged by its content (a screenshot renamed `.mp3` is still an image), and
//! what it says about itself: image size, the camera's capture time, audio length.
//!
//! Everything here is best effort. The bytes are the evidence; a file whose metadata cannot be
//! read (a truncated photo, an unusual codec) is still imported whole, just with less said
//! about it.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Image,
    Audio,
    Video,
    Document,
    Other,
}

impl AttachmentKind {
    pub fn key(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::Document => "document",
            AttachmentKind::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "image" => AttachmentKind::Image,
            "audio" => AttachmentKind::Audio,
            "video" => AttachmentKind::Video,
            "document" => AttachmentKind::Document,
            "other" => AttachmentKind::Other,
            _ => return None,
        })
    }

    /// The word for one such file in a sentence ("This photo records ...").
    pub fn noun(self) -> &'static str {
        match self {
            AttachmentKind::Image => "photo",
            AttachmentKind::Video => "video",
            AttachmentKind::Audio => "recording",
            AttachmentKind::Document => "document",
            AttachmentKind::Other => "file",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttachmentKind::Image => "Image",
            AttachmentKind::Audio => "Audio",
            AttachmentKind::Video => "Video",
            AttachmentKind::Document => "Document",
            AttachmentKind::Other => "File",
        }
    }
}

/// What inspection found.
#[derive(Debug, Clone, PartialEq)]
pub struct FileFacts {
    pub mime: String,
    pub kind: AttachmentKind,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub captured_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub modified_at: Option<String>,
    /// For pictures and videos: where and with what they were made, as far as they say.
    pub reveals: Option<super::privacy::Reveals>,
}

/// Reads the start of `path` (and, for images and audio, what their parsers need).
pub fn inspect(path: &Path) -> io::Result<FileFacts> {
    let mut head = Vec::with_capacity(8192);
    File::open(path)?.take(8192).read_to_end(&mut head)?;
    let (mime, kind) = detect(&head);
    let modified_at = std::fs::metadata(path)?.modified().ok().map(|t| {
        chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    let mut facts = FileFacts {
        mime,
        kind,
        width: None,
        height: None,
        captured_at: None,
        duration_ms: None,
        modified_at,
        reveals: None,
    };
    match kind {
        AttachmentKind::Image => {
            if let Ok(size) = imagesize::size(path) {
                facts.width = u32::try_from(size.width).ok();
                facts.height = u32::try_from(size.height).ok();
            }
            facts.captured_at = exif_capture_time(path, &facts.mime);
        }
        AttachmentKind::Audio | AttachmentKind::Video => {
            // symphonia's probes can panic on malformed input (found by fuzzing: an ADTS
            // frame starting past the middle of a file made its frame count subtract with
            // overflow). A damaged recording is still evidence: its duration is then unknown.
            facts.duration_ms = std::panic::catch_unwind(|| media_duration_ms(path, &facts.mime))
                .ok()
                .flatten();
        }
        AttachmentKind::Document | AttachmentKind::Other => {}
    }
    if matches!(kind, AttachmentKind::Image | AttachmentKind::Video) {
        let mut file = BufReader::new(File::open(path)?);
        facts.reveals = Some(super::privacy::reveals_of(&mut file));
    }
    Ok(facts)
}

/// Kind and MIME type from magic bytes; plain UTF-8 text counts as a document.
pub fn detect(head: &[u8]) -> (String, AttachmentKind) {
    if let Some(found) = infer::get(head) {
        let mime = found.mime_type().to_string();
        let kind = match found.matcher_type() {
            infer::MatcherType::Image => AttachmentKind::Image,
            infer::MatcherType::Audio => AttachmentKind::Audio,
            infer::MatcherType::Video => AttachmentKind::Video,
            infer::MatcherType::Doc | infer::MatcherType::Text => AttachmentKind::Document,
            infer::MatcherType::Archive
                if mime == "application/pdf" || mime == "application/rtf" =>
            {
                AttachmentKind::Document
            }
            _ => AttachmentKind::Other,
        };
        return (mime, kind);
    }
    if looks_like_text(head) {
        return ("text/plain".into(), AttachmentKind::Document);
    }
    ("application/octet-stream".into(), AttachmentKind::Other)
}

fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    // The sample may end inside a multi-byte character.
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.valid_up_to() + 4 > head.len(),
    }
}

fn exif_capture_time(path: &Path, mime: &str) -> Option<String> {
    let mut file = BufReader::new(File::open(path).ok()?);
    let reader = exif::Reader::new();
    let exif = match mime {
        // Our own walks step over the image data (see exif_block.rs).
        "image/jpeg" => reader.read_raw(super::exif_block::jpeg(&mut file).ok()??),
        "image/png" => reader.read_raw(super::exif_block::png(&mut file).ok()??),
        _ => reader.read_from_container(&mut file),
    }
    .ok()?;
    let field = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .or_else(|| exif.get_field(exif::Tag::DateTime, exif::In::PRIMARY))?;
    let text = match &field.value {
        exif::Value::Ascii(parts) => parts
            .first()
            .map(|p| String::from_utf8_lossy(p).into_owned())?,
        _ => return None,
    };
    // EXIF writes "2026:05:02 14:03:11"; show it as a date people read.
    let dt = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y:%m:%d %H:%M:%S").ok()?;
    Some(dt.format("%Y-%m-%dT%H:%M:%S").to_string())
}

/// Length of the first audio track, from the container's frame count (no full decode).
fn media_duration_ms(path: &Path, mime: &str) -> Option<u64> {
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let file = File::open(path).ok()?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.mime_type(mime);
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .ok()?;
    let track = probed.format.default_track()?;
    let params = &track.codec_params;
    let frames = params.n_frames?;
    if let Some(time_base) = params.time_base {
        let t = time_base.calc_time(frames);
        return Some(t.seconds * 1000 + (t.frac * 1000.0).round() as u64);
    }
    let rate = u64::from(params.sample_rate?);
    (rate > 0).then(|| frames * 1000 / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_name() {
        assert_eq!(
            detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']).1,
            AttachmentKind::Image
        );
        assert_eq!(detect(b"%PDF-1.7\n").1, AttachmentKind::Document);
        assert_eq!(
            detect("Hola, ¿qué tal?".as_bytes()),
            ("text/plain".into(), AttachmentKind::Document)
        );
        assert_eq!(detect(&[0, 1, 2, 3, 0xFE]).1, AttachmentKind::Other);
    }
}
