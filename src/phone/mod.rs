//! Texts and calls from the phone's own backups, read as records a court can follow to their
//! source.
//!
//! One reader per backup format, each behind [`PhoneReader`]: it streams the file once and
//! yields whole records (a message or a call, with its place in the file), handing picture
//! data to a [`PartStore`] as it is read so no picture is ever held in memory. What the journal
//! keeps, and how duplicates across backups are recognised, is `journal::communications`.

pub mod iphone;
pub mod numbers;
mod sms_backup;
pub mod whatsapp;
pub mod xml;

use std::io::Read;

use serde::{Deserialize, Serialize};

pub use sms_backup::SmsBackupReader;

/// The backup formats Daybook reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// SMS Backup & Restore (SyncTech) for Android: `<smses>` and `<calls>` XML files.
    #[serde(rename = "sms-backup-restore")]
    SmsBackupRestore,
    /// WhatsApp's "Export chat": a text file, in a `.zip` with its media or alone.
    #[serde(rename = "whatsapp-chat")]
    WhatsAppChat,
    /// An unencrypted iPhone computer backup (a folder): one import per database read.
    #[serde(rename = "iphone-backup")]
    IphoneBackup,
}

impl Format {
    pub fn key(self) -> &'static str {
        match self {
            Format::SmsBackupRestore => "sms-backup-restore",
            Format::WhatsAppChat => "whatsapp-chat",
            Format::IphoneBackup => "iphone-backup",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Format::SmsBackupRestore,
            Format::WhatsAppChat,
            Format::IphoneBackup,
        ]
        .into_iter()
        .find(|f| f.key() == key)
    }

    /// What the file is, in the words of the line printed after an import.
    pub fn describe(self) -> &'static str {
        match self {
            Format::SmsBackupRestore => "SMS Backup & Restore (Android)",
            Format::WhatsAppChat => "WhatsApp chat export",
            Format::IphoneBackup => "iPhone backup",
        }
    }

    /// Why a message's picture or other part can be missing from a file of this format, for
    /// the note after an import.
    pub fn why_parts_missing(self) -> &'static str {
        match self {
            Format::SmsBackupRestore => "the backup may have been saved without pictures",
            Format::WhatsAppChat => {
                "the chat was exported without media, or its files were not beside it"
            }
            Format::IphoneBackup => "the phone no longer kept them when the backup was made",
        }
    }
}

/// How many bytes of a file's start [`detect`] looks at.
pub const SNIFF_BYTES: usize = 4096;

/// Recognises a backup by its content, never its name: a renamed or extension-less file is
/// still read, and a file named `sms.xml` that is something else is refused.
pub fn detect(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let mut rest = text.trim_start();
    // Skip the XML declaration, comments and a DOCTYPE to the first element.
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    matches!(name.as_str(), "smses" | "calls").then_some(Format::SmsBackupRestore)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Sms,
    Mms,
    Call,
}

impl RecordKind {
    pub fn key(self) -> &'static str {
        match self {
            RecordKind::Sms => "sms",
            RecordKind::Mms => "mms",
            RecordKind::Call => "call",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "sms" => Some(RecordKind::Sms),
            "mms" => Some(RecordKind::Mms),
            "call" => Some(RecordKind::Call),
            _ => None,
        }
    }

    pub fn is_call(self) -> bool {
        self == RecordKind::Call
    }
}

/// What happened to a message (its box on the phone) or a call (its type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Sent,
    Draft,
    Outbox,
    Failed,
    Queued,
    Incoming,
    Outgoing,
    Missed,
    Voicemail,
    Rejected,
    Blocked,
    AnsweredElsewhere,
    Unknown,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Sent => "sent",
            Status::Draft => "draft",
            Status::Outbox => "outbox",
            Status::Failed => "failed",
            Status::Queued => "queued",
            Status::Incoming => "incoming",
            Status::Outgoing => "outgoing",
            Status::Missed => "missed",
            Status::Voicemail => "voicemail",
            Status::Rejected => "rejected",
            Status::Blocked => "blocked",
            Status::AnsweredElsewhere => "answered_elsewhere",
            Status::Unknown => "unknown",
        }
    }

    pub fn from_key(key: &str) -> Self {
        [
            Status::Received,
            Status::Sent,
            Status::Draft,
            Status::Outbox,
            Status::Failed,
            Status::Queued,
            Status::Incoming,
            Status::Outgoing,
            Status::Missed,
            Status::Voicemail,
            Status::Rejected,
            Status::Blocked,
            Status::AnsweredElsewhere,
        ]
        .into_iter()
        .find(|s| s.key() == key)
        .unwrap_or(Status::Unknown)
    }

    /// True when the other party sent the message or placed the call.
    pub fn incoming(self) -> bool {
        matches!(
            self,
            Status::Received
                | Status::Incoming
                | Status::Missed
                | Status::Voicemail
                | Status::Rejected
                | Status::Blocked
                | Status::AnsweredElsewhere
        )
    }

    /// How a report or list names it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Sent => "sent",
            Status::Draft => "draft (not sent)",
            Status::Outbox => "waiting to send",
            Status::Failed => "failed to send",
            Status::Queued => "queued to send",
            Status::Incoming => "incoming call",
            Status::Outgoing => "outgoing call",
            Status::Missed => "missed call",
            Status::Voicemail => "call to voicemail",
            Status::Rejected => "call rejected",
            Status::Blocked => "call blocked",
            Status::AnsweredElsewhere => "call answered on another device",
            Status::Unknown => "unknown",
        }
    }
}

/// Who an MMS address is in the message (PDU header fields of OMA-MMS-ENC: 137 From, 151 To,
/// 130 Cc, 129 Bcc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    From,
    To,
    Cc,
    Bcc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawParticipant {
    pub address: String,
    pub role: Role,
}

/// The network a message or call went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Sms,
    Mms,
    #[serde(rename = "imessage")]
    IMessage,
    Rcs,
    /// An ordinary phone call.
    Cellular,
    #[serde(rename = "facetime_audio")]
    FaceTimeAudio,
    #[serde(rename = "facetime_video")]
    FaceTimeVideo,
    #[serde(rename = "whatsapp")]
    WhatsApp,
}

impl Service {
    /// How a report names it.
    pub fn label(self) -> &'static str {
        match self {
            Service::Sms => "SMS",
            Service::Mms => "MMS",
            Service::IMessage => "iMessage",
            Service::Rcs => "RCS",
            Service::Cellular => "phone call",
            Service::FaceTimeAudio => "FaceTime audio",
            Service::FaceTimeVideo => "FaceTime video",
            Service::WhatsApp => "WhatsApp",
        }
    }
}

/// Something the phone records about a message after it was sent, which a reader must see
/// rather than take the text as an ordinary message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Changed after sending; the text is the last version the backup holds.
    Edited,
    /// Taken back by its sender; the backup may hold no text.
    Unsent,
    /// In the phone's "Recently Deleted" when the backup was made.
    RecentlyDeleted,
}

/// Where a record's time came from, which says how exact it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis")]
pub enum Clock {
    /// The record's own clock field: an instant, to the millisecond or second.
    Recorded,
    /// The time as the phone showed it, read in the zone the person named: a chat export
    /// writes local wall-clock times with no zone, to the minute (or second).
    AsShown { zone: String, seconds: bool },
}

/// A part's data, kept by the [`PartStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub blob_id: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug)]
pub struct Part {
    pub mime: String,
    /// The file name the phone gave it (`cl` or `name`), if any.
    pub name: Option<String>,
    /// Its data: kept, unreadable (why), or absent from the backup.
    pub data: Option<Result<StoredPart, String>>,
    /// Where its base64 text lies in the backup file (byte offsets, end exclusive).
    pub data_range: Option<(u64, u64)>,
    /// The size the backup says it had, when its data is not there (a picture named in a
    /// message whose file the backup lacks).
    pub declared_size: Option<u64>,
}

/// One message or call, as the backup has it.
#[derive(Debug)]
pub struct PhoneRecord {
    /// 1 for the file's first record (message or call), in file order.
    pub position: u64,
    /// The line of the file its element starts on.
    pub line: u64,
    /// Its element's bytes in the file, `start..end` (an extract copies exactly these).
    pub start: u64,
    pub end: u64,
    /// The format's own name for the record where it has one (an iPhone message's guid), said
    /// beside its position so a reader can find it with the format's own tools.
    pub locator: Option<String>,
    pub kind: RecordKind,
    /// The network it went over, where the backup says (iMessage, SMS, RCS, FaceTime, ...).
    pub service: Option<Service>,
    /// What the phone says happened to it after it was sent (edited, unsent, deleted).
    pub marks: Vec<Mark>,
    /// UTC milliseconds since 1970, from the phone's clock field (never from the locale text
    /// beside it), or from the wall-clock time a chat export shows (see `clock`).
    pub at_ms: i64,
    pub clock: Clock,
    pub status: Status,
    /// The other party or parties as written (`~` between group members).
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub body: Option<String>,
    pub subject: Option<String>,
    /// The caller's number was withheld, unknown or a payphone.
    pub hidden: bool,
    pub duration_s: Option<i64>,
    pub participants: Vec<RawParticipant>,
    pub parts: Vec<Part>,
}

impl PhoneRecord {
    /// Every part this record kept, so an importer can give the data back when it drops it.
    pub fn stored_parts(&self) -> impl Iterator<Item = &StoredPart> {
        self.parts
            .iter()
            .filter_map(|p| p.data.as_ref().and_then(|d| d.as_ref().ok()))
    }
}

/// Keeps part data (a picture) while a backup is read; the reader streams it in.
pub trait PartStore {
    /// Keeps `data` (decoded bytes); an error says why it could not be read or kept, in words
    /// for the person (no data is an error too).
    fn store(&mut self, data: &mut dyn Read) -> Result<StoredPart, String>;
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Xml(#[from] xml::XmlError),
    #[error("line {line}: {what}")]
    Record { line: u64, what: String },
    #[error("{0}")]
    Io(#[source] std::io::Error),
}

impl ReadError {
    /// Where a file that ends early stopped: the line of the element it ends inside.
    pub fn truncated_at(&self) -> Option<u64> {
        match self {
            ReadError::Xml(xml::XmlError::Truncated { line }) => Some(*line),
            _ => None,
        }
    }
}

/// A backup format's reader: the file's records, one at a time, in file order.
pub trait PhoneReader {
    /// The next whole record; `Ok(None)` at the end of the file.
    fn next_record(&mut self, parts: &mut dyn PartStore) -> Result<Option<PhoneRecord>, ReadError>;
    /// Bytes of the file read so far.
    fn offset(&self) -> u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_recognised_by_their_content() {
        let sms = b"\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--File Created By SMS Backup & Restore v10.20.002 on 03/12/2026 21:14:08-->\n<?xml-stylesheet type=\"text/xsl\" href=\"sms.xsl\"?>\n<smses count=\"3\">";
        assert_eq!(detect(sms), Some(Format::SmsBackupRestore));
        assert_eq!(
            detect(b"<calls count=\"0\" />"),
            Some(Format::SmsBackupRestore)
        );
        assert_eq!(detect(b"<?xml version='1.0'?><html>"), None);
        assert_eq!(detect(b"\x89PNG\r\n"), None);
        assert_eq!(detect(b"<smsesx>"), None);
    }
}
