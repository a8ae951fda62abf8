//! WhatsApp's "Export chat": a text file of the conversation (in a `.zip` with the media it
//! sent, or a `.txt` with the media beside it).
//!
//! The file is not a backup in the sense the Android and iPhone readers mean: it holds the
//! times the phone showed, to the minute (Android) or second (iPhone), in no zone; senders by
//! the names saved in the exporting phone's contacts (a number only for an unsaved contact);
//! and it can stop at the app's message limit. So the person names the zone, a fall-back hour
//! that happened twice is refused unless they say which, and every record keeps
//! [`Clock::AsShown`] so the report can say how exact its time is.
//!
//! Reading is two passes over the text: [`ChatFacts::scan`] reads every stamp to decide the
//! date's field order (the file does not say it: `03/04/26` is March or April) and finds who
//! wrote; [`ChatReader`] then yields the records.

mod lines;
mod outline;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use chrono::{LocalResult, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Clock, Mark, Part, PartStore, PhoneReader, PhoneRecord, ReadError, RecordKind, Service, Status,
};
use lines::{Special, Stamp};
pub use outline::{outline, ChatOutline, ChatSender};

/// Longest line read as one (a message longer than this is cut into lines, each kept).
const MAX_LINE: usize = 1 << 20;

/// How the date fields of a chat's stamps are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    DayFirst,
    MonthFirst,
    YearFirst,
}

impl DateOrder {
    fn date(self, s: &Stamp) -> Option<NaiveDate> {
        let [a, b, c] = s.fields;
        let (y, m, d) = match self {
            DateOrder::DayFirst => (c, b, a),
            DateOrder::MonthFirst => (c, a, b),
            DateOrder::YearFirst => (a, b, c),
        };
        let year = if y < 100 { 2000 + y } else { y };
        NaiveDate::from_ymd_opt(year as i32, m, d)
    }

    pub fn describe(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day/month/year",
            DateOrder::MonthFirst => "month/day/year",
            DateOrder::YearFirst => "year-month-day",
        }
    }
}

/// Which reading of a wall-clock time that happened twice (the hour the clocks went back) the
/// person chose for the whole chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepeatedHour {
    First,
    Second,
}

/// What the person says about a chat that the file cannot: its zone, and when the file leaves
/// them open, the date order, which sender is them, and which pass of a repeated hour.
#[derive(Debug, Clone, Default)]
pub struct ChatChoices {
    pub zone: Option<String>,
    pub date_order: Option<DateOrder>,
    pub me: Option<String>,
    pub repeated_hour: Option<RepeatedHour>,
    /// The journal's person the person says the chat is with (its other party is named only
    /// by their phone's contacts).
    pub with_person: Option<String>,
}

/// Why a chat cannot be read as it is, in words for the person, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("A WhatsApp chat export has no time zone in it: the times are what the phone showed. Say which zone the phone was in (for example America/Los_Angeles).")]
    NoZone,
    #[error("\"{0}\" is not a time zone name Daybook knows. Use a name like America/Chicago or America/Mexico_City.")]
    UnknownZone(String),
    #[error("The chat's dates could be read day first or month first (line {line}: \"{example}\"), and nothing in the file tells which. Say which the phone uses (day first, as in 31/12/2026, or month first, as in 12/31/2026).")]
    DateOrderUnknown { line: u64, example: String },
    #[error(
        "Line {line}'s date \"{example}\" is not a date in any order the chat's other lines allow."
    )]
    DateUnreadable { line: u64, example: String },
    #[error("Daybook cannot tell which of the chat's senders is you ({senders}). Say which name is yours.")]
    WhoIsMe { senders: String },
    #[error("\"{me}\" is not one of the chat's senders ({senders}).")]
    NotASender { me: String, senders: String },
    #[error("{count} message(s) of the chat, the first on line {line}, were sent between {from} and {to} on {day}, an hour that happened twice in {zone} because the clocks went back, and the chat does not say which time.{} Say whether they were in the first pass of that hour or the second.", other_days_sentence(.other_days))]
    RepeatedHour {
        count: u64,
        line: u64,
        day: String,
        from: String,
        to: String,
        zone: String,
        /// Other days with messages in the hour the clocks went back: the answer is taken for
        /// those too.
        other_days: usize,
    },
    #[error("The chat is with {count} other people ({senders}); a chat can be said to be with one person only when it has one other sender.")]
    NotOneOther { count: usize, senders: String },
    #[error("The chat holds no messages.")]
    Empty,
    #[error("{0}")]
    Read(#[from] io::Error),
}

fn other_days_sentence(other_days: &usize) -> String {
    match *other_days {
        0 => String::new(),
        1 => " The chat also has messages in that hour on 1 other day when the clocks went back; the answer is taken for those too.".into(),
        n => format!(" The chat also has messages in that hour on {n} other days when the clocks went back; the answer is taken for those too."),
    }
}

/// What one pass over the whole chat learned.
#[derive(Debug, Clone)]
pub struct ChatFacts {
    pub order: DateOrder,
    /// Each sender's name as the file writes it, with how many messages they sent.
    pub senders: BTreeMap<String, u64>,
    pub messages: u64,
    /// Stamps carry seconds (iPhone exports).
    pub seconds: bool,
}

impl ChatFacts {
    /// Reads every stamp: the date order is the one under which every date exists and the
    /// dates run forward; if two orders fit equally, the person is asked.
    pub fn scan(input: impl BufRead, choices: &ChatChoices) -> Result<ChatFacts, ChatError> {
        let mut stamps: Vec<(u64, Stamp)> = Vec::new();
        let mut senders = BTreeMap::new();
        let mut seconds = false;
        let mut first_example = None;
        for_each_line(input, |line_no, line, _| {
            if let Some(h) = lines::header(line) {
                stamps.push((line_no, h.stamp));
                seconds |= h.stamp.second.is_some();
                if first_example.is_none() && !h.stamp.year_first {
                    first_example = Some((line_no, line.chars().take(40).collect::<String>()));
                }
                if let Some(name) = &h.sender {
                    if !is_system(&h) {
                        *senders.entry(name.clone()).or_insert(0) += 1;
                    }
                }
            }
        })?;
        if stamps.is_empty() {
            return Err(ChatError::Empty);
        }
        let order = match choices.date_order {
            Some(order) => order,
            None => decide_order(&stamps, first_example)?,
        };
        if let Some((line, stamp)) = stamps.iter().find(|(_, s)| order.date(s).is_none()) {
            return Err(ChatError::DateUnreadable {
                line: *line,
                example: format!("{:?}", stamp.fields),
            });
        }
        Ok(ChatFacts {
            order,
            senders,
            messages: stamps.len() as u64,
            seconds,
        })
    }

    /// Who is the person and who the others: the sender they name, else the one sender the
    /// chat's name is not (a two-person chat is named after the other person).
    pub fn parties(&self, chat_name: Option<&str>, me: Option<&str>) -> Result<Parties, ChatError> {
        let senders: Vec<&String> = self.senders.keys().collect();
        let list = || {
            senders
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let me = match me {
            Some(me) => {
                let me = me.trim();
                if !self.senders.contains_key(me) {
                    return Err(ChatError::NotASender {
                        me: me.to_string(),
                        senders: list(),
                    });
                }
                Some(me.to_string())
            }
            None => match (chat_name, senders.as_slice()) {
                (Some(chat), [only]) if only.as_str() == chat => None,
                (Some(chat), [a, b]) if a.as_str() == chat => Some(b.to_string()),
                (Some(chat), [a, b]) if b.as_str() == chat => Some(a.to_string()),
                _ => {
                    return Err(ChatError::WhoIsMe { senders: list() });
                }
            },
        };
        let others = senders
            .iter()
            .filter(|s| Some(s.as_str()) != me.as_deref())
            .map(|s| s.to_string())
            .collect();
        Ok(Parties { me, others })
    }
}

/// The person's own sender name in the chat (none if they never wrote) and everyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub me: Option<String>,
    pub others: Vec<String>,
}

fn decide_order(
    stamps: &[(u64, Stamp)],
    example: Option<(u64, String)>,
) -> Result<DateOrder, ChatError> {
    if stamps.iter().all(|(_, s)| s.year_first) {
        return Ok(DateOrder::YearFirst);
    }
    // Every date must exist; then fewer steps back in time is the right reading.
    let score = |order: DateOrder| -> Option<usize> {
        let mut previous = None;
        let mut back = 0;
        for (_, s) in stamps {
            let date = order.date(s)?;
            if previous.is_some_and(|p| date < p) {
                back += 1;
            }
            previous = Some(date);
        }
        Some(back)
    };
    match (score(DateOrder::DayFirst), score(DateOrder::MonthFirst)) {
        (Some(_), None) => Ok(DateOrder::DayFirst),
        (None, Some(_)) => Ok(DateOrder::MonthFirst),
        (Some(d), Some(m)) if d < m => Ok(DateOrder::DayFirst),
        (Some(d), Some(m)) if m < d => Ok(DateOrder::MonthFirst),
        (None, None) => {
            let (line, stamp) = stamps
                .iter()
                .find(|(_, s)| DateOrder::DayFirst.date(s).is_none())
                .copied()
                .unwrap_or(stamps[0]);
            Err(ChatError::DateUnreadable {
                line,
                example: format!("{:?}", stamp.fields),
            })
        }
        _ => {
            let (line, example) = example.unwrap_or((1, String::new()));
            Err(ChatError::DateOrderUnknown { line, example })
        }
    }
}

/// A line the phone wrote itself (encryption notice, "added", "changed the group name"),
/// which is nobody's speech.
fn is_system(h: &lines::Header<'_>) -> bool {
    h.sender.is_none() || (h.marked && lines::special(h.text).is_none())
}

/// Calls `each(line number, line without its end, byte offset of its start)` for each line.
fn for_each_line(
    mut input: impl BufRead,
    mut each: impl FnMut(u64, &str, u64),
) -> Result<(), io::Error> {
    let mut buf = Vec::new();
    let mut line_no = 0;
    let mut offset = 0;
    loop {
        buf.clear();
        let n = (&mut input)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let text = String::from_utf8_lossy(&buf);
        each(line_no, text.trim_end_matches(['\n', '\r']), offset);
        offset += n as u64;
    }
}

/// Finds a file the chat names as attached: in the zip it came in, or beside the text file.
pub trait MediaSource {
    /// The file's bytes, or `None` when the export does not hold it. `name` is as the chat
    /// wrote it; a name that reaches outside the export is never opened.
    fn open(&mut self, name: &str) -> Option<Box<dyn Read + '_>>;
}

/// A name as a plain file name: no folders, no way out of the export.
fn plain_name(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != ".."
        && !name.starts_with("..");
    ok.then_some(name)
}

/// Media in the folder of a `.txt` export.
pub struct FolderMedia(pub PathBuf);

impl MediaSource for FolderMedia {
    fn open(&mut self, name: &str) -> Option<Box<dyn Read + '_>> {
        let path = self.0.join(plain_name(name)?);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        Some(Box::new(File::open(path).ok()?))
    }
}

/// Media in the `.zip` an export came in.
pub struct ZipMedia(pub zip::ZipArchive<File>);

impl MediaSource for ZipMedia {
    fn open(&mut self, name: &str) -> Option<Box<dyn Read + '_>> {
        let name = plain_name(name)?;
        let index = self.0.index_for_name(name)?;
        Some(Box::new(self.0.by_index(index).ok()?))
    }
}

/// The media of no export (a text file read on its own).
pub struct NoMedia;

impl MediaSource for NoMedia {
    fn open(&mut self, _name: &str) -> Option<Box<dyn Read + '_>> {
        None
    }
}

/// The chat's text in a `.zip` export: the one `.txt` entry at its top.
pub fn chat_entry(archive: &mut zip::ZipArchive<File>) -> Option<String> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let mut texts = names
        .into_iter()
        .filter(|n| plain_name(n).is_some() && n.to_lowercase().ends_with(".txt"));
    let first = texts.next()?;
    // `_chat.txt` (iPhone) or "WhatsApp Chat with X.txt" (Android); a zip with two texts is
    // not an export.
    texts.next().is_none().then_some(first)
}

/// The other person's (or group's) name from an export's file name: "WhatsApp Chat with
/// Juan.txt", "WhatsApp Chat - Juan.zip", "Chat de WhatsApp con Juan.txt".
pub fn chat_name(file_name: &str) -> Option<String> {
    let stem = file_name
        .strip_suffix(".zip")
        .or_else(|| file_name.strip_suffix(".txt"))
        .unwrap_or(file_name);
    // Downloads add " (1)" to a second copy.
    let stem = match stem.rsplit_once(" (") {
        Some((head, tail))
            if tail.ends_with(')')
                && tail[..tail.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => stem,
    };
    [
        "WhatsApp Chat with ",
        "WhatsApp Chat - ",
        "Chat de WhatsApp con ",
        "Chat de WhatsApp - ",
    ]
    .into_iter()
    .find_map(|prefix| stem.strip_prefix(prefix))
    .map(|name| name.trim().to_string())
    .filter(|name| !name.is_empty())
}

/// Whether `head` (a file's first bytes) is a chat export's text.
pub fn looks_like_chat(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(lines::header)
        .is_some()
}

/// Everything [`ChatReader`] needs besides the text.
pub struct ChatSettings {
    pub order: DateOrder,
    pub zone: Tz,
    pub seconds: bool,
    pub parties: Parties,
    pub repeated_hour: Option<RepeatedHour>,
}

impl ChatSettings {
    /// The zone named by the person, checked.
    pub fn zone(choices: &ChatChoices) -> Result<Tz, ChatError> {
        let name = choices.zone.as_deref().ok_or(ChatError::NoZone)?;
        name.trim()
            .parse::<Tz>()
            .map_err(|_| ChatError::UnknownZone(name.to_string()))
    }

    /// Refuses, before anything is kept, a chat with messages in an hour that happened twice
    /// when the person has not said which pass they were in.
    pub fn check_repeated_hours(&self, input: impl BufRead) -> Result<(), ChatError> {
        if self.repeated_hour.is_some() {
            return Ok(());
        }
        let mut first: Option<(u64, chrono::NaiveDateTime)> = None;
        let mut count = 0;
        let mut other_days = std::collections::BTreeSet::new();
        for_each_line(input, |line_no, line, _| {
            let Some(h) = lines::header(line) else {
                return;
            };
            let Some(local) = self.local(&h.stamp) else {
                return;
            };
            if let LocalResult::Ambiguous(..) = self.zone.from_local_datetime(&local) {
                let (_, day) = first.get_or_insert((line_no, local));
                if day.date() == local.date() {
                    count += 1;
                } else {
                    other_days.insert(local.date());
                }
            }
        })?;
        let Some((line, local)) = first else {
            return Ok(());
        };
        let hour = local.format("%H:00").to_string();
        let next = (local + chrono::Duration::hours(1))
            .format("%H:00")
            .to_string();
        Err(ChatError::RepeatedHour {
            count,
            line,
            day: local.format("%Y-%m-%d").to_string(),
            from: hour,
            to: next,
            zone: self.zone.name().to_string(),
            other_days: other_days.len(),
        })
    }

    fn local(&self, s: &Stamp) -> Option<chrono::NaiveDateTime> {
        self.order
            .date(s)?
            .and_hms_opt(s.hour24()?, s.minute, s.second.unwrap_or(0))
    }

    /// The instant a stamp names, or why it names none.
    fn instant_ms(&self, s: &Stamp) -> Result<i64, String> {
        let local = self.local(s).ok_or("its date or time does not exist")?;
        let at = match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(first, second) => match self.repeated_hour {
                Some(RepeatedHour::First) => first,
                Some(RepeatedHour::Second) => second,
                None => return Err("its time happened twice (the clocks went back)".into()),
            },
            LocalResult::None => {
                return Err(format!(
                    "{} did not exist in {}: the clocks jumped forward",
                    local.format("%Y-%m-%d %H:%M"),
                    self.zone.name()
                ))
            }
        };
        Ok(at.timestamp_millis())
    }
}

/// The chat's messages, one record each, in file order.
pub struct ChatReader<'m, R> {
    input: R,
    settings: ChatSettings,
    media: Box<dyn MediaSource + 'm>,
    /// The message being gathered: its header line (number, offset, text) and its lines.
    pending: Option<Pending>,
    line_no: u64,
    offset: u64,
    position: u64,
    done: bool,
}

struct Pending {
    line: u64,
    start: u64,
    text: String,
}

impl<'m, R: BufRead> ChatReader<'m, R> {
    pub fn new(input: R, settings: ChatSettings, media: Box<dyn MediaSource + 'm>) -> Self {
        ChatReader {
            input,
            settings,
            media,
            pending: None,
            line_no: 0,
            offset: 0,
            position: 0,
            done: false,
        }
    }

    /// The next message's lines, whole: from its header to the line before the next header.
    fn next_message(&mut self) -> Result<Option<Pending>, io::Error> {
        let mut buf = Vec::new();
        while !self.done {
            buf.clear();
            let n = (&mut self.input)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut buf)?;
            if n == 0 {
                self.done = true;
                break;
            }
            self.line_no += 1;
            let start = self.offset;
            self.offset += n as u64;
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim_end_matches(['\n', '\r']);
            if lines::header(line).is_some() {
                let next = Pending {
                    line: self.line_no,
                    start,
                    text: line.to_string(),
                };
                if let Some(done) = self.pending.replace(next) {
                    return Ok(Some(done));
                }
            } else if let Some(p) = &mut self.pending {
                p.text.push('\n');
                p.text.push_str(line);
            }
        }
        Ok(self.pending.take())
    }

    fn record(
        &mut self,
        message: Pending,
        parts: &mut dyn PartStore,
    ) -> Result<Option<PhoneRecord>, ReadError> {
        let end = if self.done || self.pending.is_none() {
            self.offset
        } else {
            self.pending.as_ref().map_or(self.offset, |p| p.start)
        };
        let Some(h) = lines::header(&message.text) else {
            return Ok(None);
        };
        if is_system(&h) {
            return Ok(None);
        }
        let sender = h.sender.clone().unwrap_or_default();
        let at_ms = self
            .settings
            .instant_ms(&h.stamp)
            .map_err(|what| ReadError::Record {
                line: message.line,
                what,
            })?;
        let outgoing = self.settings.parties.me.as_deref() == Some(sender.as_str());
        self.position += 1;
        let mut record = PhoneRecord {
            position: self.position,
            line: message.line,
            start: message.start,
            end,
            locator: None,
            kind: RecordKind::Sms,
            service: Some(Service::WhatsApp),
            marks: Vec::new(),
            at_ms,
            clock: Clock::AsShown {
                zone: self.settings.zone.name().to_string(),
                seconds: self.settings.seconds,
            },
            status: if outgoing {
                Status::Sent
            } else {
                Status::Received
            },
            address: Some(if outgoing {
                self.settings.parties.others.join("~")
            } else {
                sender.clone()
            }),
            contact_name: (!outgoing).then(|| sender.clone()),
            body: None,
            subject: None,
            hidden: false,
            duration_s: None,
            participants: Vec::new(),
            parts: Vec::new(),
        };
        let mut text = h.text;
        if let Some(unedited) = lines::strip_edited(text) {
            record.marks.push(Mark::Edited);
            text = unedited;
        }
        match lines::special(text) {
            Some(Special::Attached { name, caption }) => {
                record.kind = RecordKind::Mms;
                let data = self
                    .media
                    .open(name)
                    .map(|mut reader| parts.store(&mut reader));
                record.parts.push(Part {
                    mime: mime_of(name).to_string(),
                    name: Some(name.to_string()),
                    data,
                    data_range: None,
                    declared_size: None,
                });
                record.body = (!caption.is_empty()).then(|| caption.to_string());
            }
            Some(Special::Omitted { kind }) => {
                record.kind = RecordKind::Mms;
                record.parts.push(Part {
                    mime: kind.to_string(),
                    name: None,
                    data: None,
                    data_range: None,
                    declared_size: None,
                });
            }
            Some(Special::Deleted) => record.marks.push(Mark::Unsent),
            Some(Special::MissedCall { video }) => {
                record.kind = RecordKind::Call;
                record.status = if outgoing {
                    Status::Outgoing
                } else {
                    Status::Missed
                };
                record.subject = video.then(|| "video call".to_string());
            }
            None => record.body = Some(text.to_string()),
        }
        Ok(Some(record))
    }
}

impl<R: BufRead> PhoneReader for ChatReader<'_, R> {
    fn next_record(&mut self, parts: &mut dyn PartStore) -> Result<Option<PhoneRecord>, ReadError> {
        loop {
            let Some(message) = self.next_message().map_err(ReadError::Io)? else {
                return Ok(None);
            };
            if let Some(record) = self.record(message, parts)? {
                return Ok(Some(record));
            }
        }
    }

    fn offset(&self) -> u64 {
        self.offset
    }
}

/// The type a file's extension says it is; the report looks at the bytes before it prints
/// one.
fn mime_of(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "mp4" => "video/mp4",
        "3gp" => "video/3gpp",
        "mov" => "video/quicktime",
        "opus" => "audio/ogg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "mp3" => "audio/mpeg",
        "pdf" => "application/pdf",
        "vcf" => "text/vcard",
        _ => "application/octet-stream",
    }
}

/// Where a chat export's text and media are: the path given, and which kind of export it is.
pub enum ChatSource {
    /// A `.zip` export; `entry` is the chat's text inside it.
    Zip { entry: String },
    /// A `.txt` export, media beside it.
    Text,
}

impl ChatSource {
    /// Recognises an export by its content: a zip whose one text file is a chat, or a chat
    /// text.
    pub fn detect(path: &Path, head: &[u8]) -> Option<ChatSource> {
        if head.starts_with(b"PK\x03\x04") {
            let mut archive = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
            let entry = chat_entry(&mut archive)?;
            let mut text = archive.by_name(&entry).ok()?;
            let mut head = vec![0u8; super::SNIFF_BYTES];
            let n = crate::fsutil::read_up_to(&mut text, &mut head).ok()?;
            return looks_like_chat(&head[..n]).then_some(ChatSource::Zip { entry });
        }
        looks_like_chat(head).then_some(ChatSource::Text)
    }

    /// Calls `read` with the chat's text from its start (each pass opens it again). A zip
    /// entry's checksum is checked as it is read to its end.
    pub fn with_text<T>(
        &self,
        path: &Path,
        read: impl FnOnce(&mut dyn Read) -> T,
    ) -> io::Result<T> {
        let mut file = File::open(path)?;
        match self {
            ChatSource::Text => Ok(read(&mut file)),
            ChatSource::Zip { entry } => {
                let mut archive = zip::ZipArchive::new(file).map_err(io::Error::other)?;
                let mut text = archive.by_name(entry).map_err(io::Error::other)?;
                Ok(read(&mut text))
            }
        }
    }

    /// The size of the chat's text (a zip entry's uncompressed size).
    pub fn text_size(&self, path: &Path) -> io::Result<u64> {
        match self {
            ChatSource::Text => Ok(std::fs::metadata(path)?.len()),
            ChatSource::Zip { entry } => {
                let mut archive =
                    zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?;
                let size = archive.by_name(entry).map_err(io::Error::other)?.size();
                Ok(size)
            }
        }
    }

    /// Where the chat's media are.
    pub fn media(&self, path: &Path) -> io::Result<Box<dyn MediaSource>> {
        Ok(match self {
            ChatSource::Text => match path.parent() {
                Some(dir) => Box::new(FolderMedia(dir.to_path_buf())),
                None => Box::new(NoMedia),
            },
            ChatSource::Zip { .. } => Box::new(ZipMedia(
                zip::ZipArchive::new(File::open(path)?).map_err(io::Error::other)?,
            )),
        })
    }

    /// The name of the chat's text: the entry's in a zip, else the file's.
    pub fn text_name(&self, path: &Path) -> String {
        match self {
            ChatSource::Zip { entry } => entry.clone(),
            ChatSource::Text => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "chat.txt".into()),
        }
    }
}
