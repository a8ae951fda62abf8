//! What goes into an export, and the exhibit numbers shared by the report and the packet.
//!
//! Exhibits are numbered in the order a reader meets them: incidents in the order they
//! occurred, and each incident's files in the order they were attached; then the pictures and
//! other parts of the printed text messages, in time order (the report's communications
//! section comes after the incidents). The same number names the same file in the PDF, the
//! packet folder and the manifest.

use chrono::NaiveDate;
use serde::Serialize;

use crate::evidence::Attachment;
use crate::journal::{IncidentFilter, Journal, JournalError};
use crate::model::{Incident, Order};

/// Which part of the journal an export covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub order_id: Option<String>,
    /// Put before exhibit numbers, e.g. "P-" gives "Exhibit P-3". Empty by default.
    pub exhibit_prefix: String,
    /// Other people's conversations (numbers as imports normalise them, see
    /// `Journal::normalise_number`) the person chose to include besides the restrained
    /// person's. Empty by default: the rest of a phone backup never leaves the journal.
    pub threads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exhibit {
    pub number: usize,
    /// "Exhibit 12" or "Exhibit P-12".
    pub label: String,
    /// Court-safe file name: ASCII letters, digits, '-', '_' and '.', at most 50 characters.
    pub file_name: String,
    /// The incident it belongs to; empty (and number 0) for a part of a text message.
    pub incident_id: String,
    pub incident_number: i64,
    /// Local date the incident occurred (or the message came), YYYY-MM-DD.
    pub incident_date: String,
    /// For a picture or other part of a text message: which message, and when it came.
    pub message: Option<ExhibitMessage>,
    pub attachment: Attachment,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExhibitMessage {
    pub communication_id: String,
    /// Local date and time with zone abbreviation, e.g. "2026-05-02 21:15:03 PDT".
    pub when: String,
}

impl Exhibit {
    /// Where the exhibit comes from, for the index and its own page.
    pub fn origin(&self) -> String {
        match &self.message {
            Some(m) => format!("Text message of {}", m.when),
            None => format!(
                "Incident {} of {}",
                self.incident_number, self.incident_date
            ),
        }
    }
}

/// The incidents and exhibits an export covers, and the orders they refer to.
#[derive(Debug, Clone)]
pub struct Selection {
    pub incidents: Vec<Incident>,
    pub exhibits: Vec<Exhibit>,
    pub orders: Vec<Order>,
    /// The texts and calls the report prints (see `Journal::printed_communications`).
    pub communications: Vec<crate::journal::Communication>,
}

impl Selection {
    /// Exhibits of one incident, in order.
    pub fn exhibits_of<'a>(
        &'a self,
        incident_id: &'a str,
    ) -> impl Iterator<Item = &'a Exhibit> + 'a {
        self.exhibits
            .iter()
            .filter(move |e| e.incident_id == incident_id)
    }
}

pub fn select(journal: &Journal, scope: &Scope) -> Result<Selection, JournalError> {
    if let (Some(from), Some(to)) = (scope.from, scope.to) {
        if to < from {
            return Err(JournalError::Invalid(format!(
                "The end date {to} is before the start date {from}."
            )));
        }
    }
    let incidents = journal.incidents(&IncidentFilter {
        from: scope.from,
        to: scope.to,
        order_id: scope.order_id.clone(),
        ..IncidentFilter::default()
    })?;
    let orders = match &scope.order_id {
        Some(id) => vec![journal.order(id)?],
        None => journal.orders()?,
    };
    let mut exhibits = Vec::new();
    for incident in &incidents {
        let date = incident
            .occurred
            .local
            .get(..10)
            .unwrap_or_default()
            .to_string();
        for attachment in &incident.attachments {
            let number = exhibits.len() + 1;
            exhibits.push(Exhibit {
                number,
                label: format!("Exhibit {}{number}", scope.exhibit_prefix),
                file_name: exhibit_file_name(number, &date, attachment),
                incident_id: incident.id.clone(),
                incident_number: incident.number,
                incident_date: date.clone(),
                message: None,
                attachment: attachment.clone(),
            });
        }
    }
    // Days are read in the zone the latest incident happened in, as the report prints them.
    let zone = incidents
        .last()
        .and_then(|i| i.occurred.timezone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    let communications =
        journal.printed_communications(scope.from, scope.to, zone, &scope.threads)?;
    for communication in &communications {
        let Some(at) = chrono::DateTime::from_timestamp_millis(communication.at_ms) else {
            continue;
        };
        let local = at.with_timezone(&zone);
        let date = local.format("%Y-%m-%d").to_string();
        for part in &communication.parts {
            let attachment = journal
                .attachment(&part.attachment_id)
                .map_err(|e| JournalError::Damaged(format!("a picture of a text message: {e}")))?;
            let number = exhibits.len() + 1;
            exhibits.push(Exhibit {
                number,
                label: format!("Exhibit {}{number}", scope.exhibit_prefix),
                file_name: exhibit_file_name(number, &date, &attachment),
                incident_id: String::new(),
                incident_number: 0,
                incident_date: date.clone(),
                message: Some(ExhibitMessage {
                    communication_id: communication.id.clone(),
                    when: local.format("%Y-%m-%d %H:%M:%S %Z").to_string(),
                }),
                attachment,
            });
        }
    }
    Ok(Selection {
        incidents,
        exhibits,
        orders,
        communications,
    })
}

/// `Exhibit-012_2026-05-02_voicemail.m4a`: court e-filing systems reject names with spaces,
/// accents or more than 50 characters. The extension follows the content, not the old name,
/// so a PNG once saved as `.mp3` opens as a picture.
pub fn exhibit_file_name(number: usize, date: &str, attachment: &Attachment) -> String {
    const MAX: usize = 50;
    let original = std::path::Path::new(&attachment.original_name);
    let extension = extension_for(&attachment.mime)
        .map(str::to_string)
        .or_else(|| {
            original
                .extension()
                .map(|e| ascii_slug(&e.to_string_lossy()))
        })
        .filter(|e| !e.is_empty() && e.len() <= 5)
        .unwrap_or_else(|| "bin".into());
    let stem = ascii_slug(
        &original
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let prefix = format!("Exhibit-{number:03}_{date}");
    let room = MAX.saturating_sub(prefix.len() + 2 + extension.len());
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim_matches(|c| c == '-' || c == '_' || c == '.');
    if stem.is_empty() {
        format!("{prefix}.{extension}")
    } else {
        format!("{prefix}_{stem}.{extension}")
    }
}

/// Letters and digits kept (accents dropped to their base letter where simple), the rest '-'.
pub(crate) fn ascii_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let mapped = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => Some(c),
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'í' | 'ì' | 'î' | 'ï' => Some('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => Some('o'),
            'ú' | 'ù' | 'û' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            'ç' => Some('c'),
            'Á' | 'À' | 'Â' | 'Ä' => Some('A'),
            'É' | 'È' | 'Ê' | 'Ë' => Some('E'),
            'Í' => Some('I'),
            'Ó' | 'Ö' => Some('O'),
            'Ú' | 'Ü' => Some('U'),
            'Ñ' => Some('N'),
            _ => None,
        };
        match mapped {
            Some(m) => out.push(m),
            None if !out.ends_with('-') => out.push('-'),
            None => {}
        }
    }
    out.trim_matches('-').to_string()
}

fn extension_for(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heif" | "image/heic" => "heic",
        "image/tiff" => "tif",
        "image/bmp" => "bmp",
        "audio/x-wav" | "audio/wav" => "wav",
        "audio/mpeg" => "mp3",
        "audio/m4a" | "audio/x-m4a" | "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "audio/ogg" => "ogg",
        "audio/opus" => "opus",
        "audio/x-flac" | "audio/flac" => "flac",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        "video/x-msvideo" => "avi",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::AttachmentKind;

    fn attachment(name: &str, mime: &str) -> Attachment {
        Attachment {
            id: "a".into(),
            incident_id: None,
            person_id: None,
            order_id: None,
            phone_import_id: None,
            sha256: String::new(),
            size: 1,
            original_name: name.into(),
            mime: mime.into(),
            kind: AttachmentKind::Other,
            width: None,
            height: None,
            captured_at: None,
            duration_ms: None,
            file_modified_at: None,
            imported_at: String::new(),
            caption: None,
            transcript: None,
            reveals: None,
        }
    }

    #[test]
    fn exhibit_names_are_court_safe() {
        let name = exhibit_file_name(
            12,
            "2026-05-02",
            &attachment("Mensaje de voz (Núñez) #3.m4a", "audio/m4a"),
        );
        assert_eq!(name, "Exhibit-012_2026-05-02_Mensaje-de-voz-Nunez-3.m4a");
        let long = exhibit_file_name(7, "2026-05-02", &attachment(&"x".repeat(200), "image/png"));
        assert!(long.len() <= 50 && long.ends_with(".png"), "{long}");
        assert_eq!(
            exhibit_file_name(1, "2026-01-01", &attachment("🙂.jpg", "image/jpeg")),
            "Exhibit-001_2026-01-01.jpg"
        );
        // The extension follows the content.
        assert!(
            exhibit_file_name(1, "2026-01-01", &attachment("song.mp3", "image/png"))
                .ends_with("_song.png")
        );
        for n in [1, 999, 1234] {
            let name = exhibit_file_name(
                n,
                "2026-01-01",
                &attachment("ok name.weird-extension", "application/x-foo"),
            );
            assert!(name.len() <= 50, "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "{name}"
            );
        }
    }
}
