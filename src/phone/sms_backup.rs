//! SMS Backup & Restore (SyncTech, Android) XML backups.
//!
//! Fields as the vendor documents them ("Fields in XML Backup Files", synctech.com.au):
//! `<smses>` holds `<sms>` (address, date in ms, type 1 received / 2 sent / 3 draft / 4 outbox
//! / 5 failed / 6 queued, body, contact_name) and `<mms>` (date, msg_box with the same boxes,
//! address with group members joined by `~`, `<parts>` of `<part ct text data>` and `<addrs>`
//! of `<addr address type>`); `<calls>` holds `<call>` (number, duration in seconds, date,
//! type 1 incoming / 2 outgoing / 3 missed / 4 voicemail / 5 rejected / 6 blocked / 7 answered
//! externally, presentation 1 allowed / 2 restricted / 3 unknown / 4 payphone). Absent values
//! are written as the text `null`; `readable_date` is text in the phone's locale and is never
//! read.

use std::io::{self, BufRead, Read};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::xml::{Event, Start, Streamer, Value, XmlError, XmlReader};
use super::{
    Clock, Part, PartStore, PhoneReader, PhoneRecord, RawParticipant, ReadError, RecordKind, Role,
    Service, Status, StoredPart,
};

/// Base64 as phones write it: padding present or not.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Dates before this many milliseconds (1973) are seconds: some phones store MMS dates so.
const SECONDS_NOT_MILLIS_BELOW: i64 = 100_000_000_000;

pub struct SmsBackupReader<R> {
    xml: XmlReader<R>,
    position: u64,
}

type PartResult = Result<StoredPart, String>;

impl<R: BufRead> SmsBackupReader<R> {
    pub fn new(input: R) -> Self {
        Self {
            xml: XmlReader::new(input),
            position: 0,
        }
    }

    /// The rest of an `<mms>` element: its parts and addresses, to `</mms>`.
    fn mms_content(
        &mut self,
        record: &mut PhoneRecord,
        store: &mut dyn PartStore,
    ) -> Result<(), ReadError> {
        let line = record.line;
        let mut bodies: Vec<String> = Vec::new();
        loop {
            let event = self
                .xml
                .next_event(&mut PartData { store: &mut *store })
                .map_err(|e| match e {
                    XmlError::Truncated { .. } => XmlError::Truncated { line },
                    other => other,
                })?;
            match event {
                Event::Eof => return Err(XmlError::Truncated { line }.into()),
                Event::End { name } if name == "mms" => break,
                Event::End { .. } => {}
                Event::Start(part) if part.name == "part" => {
                    let mime = text(&part, "ct").unwrap_or_default().to_ascii_lowercase();
                    let name = text(&part, "cl").or_else(|| text(&part, "name"));
                    let part_text = text(&part, "text");
                    let data = part
                        .attrs
                        .into_iter()
                        .find_map(|(attr, value)| match value {
                            Value::Streamed { out, range } if attr == "data" => Some((out, range)),
                            _ => None,
                        });
                    let data_range = data.as_ref().map(|(_, range)| *range);
                    let data = data.map(|(out, _)| out);
                    match (mime.as_str(), data) {
                        ("application/smil", _) => {}
                        ("text/plain", None) => bodies.extend(part_text),
                        (_, data) => record.parts.push(Part {
                            mime,
                            name,
                            data,
                            data_range,
                            declared_size: None,
                        }),
                    }
                }
                Event::Start(addr) if addr.name == "addr" => {
                    let role = match addr.attr("type") {
                        Some("137") => Role::From,
                        Some("151") => Role::To,
                        Some("130") => Role::Cc,
                        Some("129") => Role::Bcc,
                        _ => continue,
                    };
                    if let Some(address) = text(&addr, "address") {
                        record.participants.push(RawParticipant { address, role });
                    }
                }
                Event::Start(_) => {}
            }
        }
        if !bodies.is_empty() {
            record.body = Some(bodies.join("\n"));
        }
        Ok(())
    }

    /// Skips to the end of an element that was not self-closing.
    fn skip_element(&mut self, name: &str, line: u64) -> Result<(), ReadError> {
        let mut depth = 1;
        loop {
            match self.xml.next_event(&mut NoStreams)? {
                Event::Eof => return Err(XmlError::Truncated { line }.into()),
                Event::Start(s) if !s.empty => depth += 1,
                Event::End { name: end } => {
                    depth -= 1;
                    if depth == 0 {
                        if end != name {
                            return Err(ReadError::Record {
                                line,
                                what: format!("<{name}> is closed by </{end}>"),
                            });
                        }
                        return Ok(());
                    }
                }
                Event::Start(_) => {}
            }
        }
    }
}

impl<R: BufRead> PhoneReader for SmsBackupReader<R> {
    fn next_record(&mut self, store: &mut dyn PartStore) -> Result<Option<PhoneRecord>, ReadError> {
        loop {
            let start = match self.xml.next_event(&mut PartData { store: &mut *store })? {
                Event::Eof => return Ok(None),
                Event::End { .. } => continue,
                Event::Start(start) => start,
            };
            let kind = match start.name.as_str() {
                "sms" => RecordKind::Sms,
                "mms" => RecordKind::Mms,
                "call" => RecordKind::Call,
                // The <smses> and <calls> roots, and anything newer versions add.
                _ => continue,
            };
            self.position += 1;
            let record = match kind {
                RecordKind::Call => call(&start, self.position),
                _ => message(&start, self.position, kind),
            };
            let mut record = match record {
                Ok(record) => record,
                Err(e) => {
                    if !start.empty {
                        self.skip_element(&start.name, start.line)?;
                    }
                    return Err(e);
                }
            };
            if !start.empty {
                if kind == RecordKind::Mms {
                    self.mms_content(&mut record, store)?;
                } else {
                    self.skip_element(&start.name, start.line)?;
                }
            }
            record.start = start.offset;
            record.end = self.xml.offset();
            return Ok(Some(record));
        }
    }

    fn offset(&self) -> u64 {
        self.xml.offset()
    }
}

/// A `<sms>` or the `<mms>` start tag.
fn message(
    start: &Start<PartResult>,
    position: u64,
    kind: RecordKind,
) -> Result<PhoneRecord, ReadError> {
    let box_attr = if kind == RecordKind::Mms {
        "msg_box"
    } else {
        "type"
    };
    let status = match start.attr(box_attr).map(str::trim) {
        Some("1") => Status::Received,
        Some("2") => Status::Sent,
        Some("3") => Status::Draft,
        Some("4") => Status::Outbox,
        Some("5") => Status::Failed,
        Some("6") => Status::Queued,
        _ => Status::Unknown,
    };
    let address = text(start, "address");
    Ok(PhoneRecord {
        position,
        line: start.line,
        start: start.offset,
        end: start.offset,
        locator: None,
        service: Some(if kind == RecordKind::Mms {
            Service::Mms
        } else {
            Service::Sms
        }),
        marks: Vec::new(),
        kind,
        at_ms: date(start)?,
        clock: Clock::Recorded,
        status,
        hidden: address.is_none(),
        address,
        contact_name: contact_name(start),
        body: if kind == RecordKind::Sms {
            text(start, "body")
        } else {
            None
        },
        subject: text(
            start,
            if kind == RecordKind::Mms {
                "sub"
            } else {
                "subject"
            },
        ),
        duration_s: None,
        participants: Vec::new(),
        parts: Vec::new(),
    })
}

fn call(start: &Start<PartResult>, position: u64) -> Result<PhoneRecord, ReadError> {
    let status = match start.attr("type").map(str::trim) {
        Some("1") => Status::Incoming,
        Some("2") => Status::Outgoing,
        Some("3") => Status::Missed,
        Some("4") => Status::Voicemail,
        Some("5") => Status::Rejected,
        Some("6") => Status::Blocked,
        Some("7") => Status::AnsweredElsewhere,
        _ => Status::Unknown,
    };
    let address = text(start, "number");
    let withheld = matches!(
        start.attr("presentation").map(str::trim),
        Some("2" | "3" | "4")
    );
    let hidden = withheld
        || address
            .as_deref()
            .is_none_or(|a| super::numbers::normalise(a, None).is_none());
    Ok(PhoneRecord {
        position,
        line: start.line,
        start: start.offset,
        end: start.offset,
        locator: None,
        service: Some(Service::Cellular),
        marks: Vec::new(),
        kind: RecordKind::Call,
        at_ms: date(start)?,
        clock: Clock::Recorded,
        status,
        address,
        contact_name: contact_name(start),
        body: None,
        subject: None,
        hidden,
        duration_s: start.attr("duration").and_then(|d| d.trim().parse().ok()),
        participants: Vec::new(),
        parts: Vec::new(),
    })
}

fn date(start: &Start<PartResult>) -> Result<i64, ReadError> {
    let raw = start.attr("date").map(str::trim).unwrap_or_default();
    let ms: i64 = raw.parse().map_err(|_| ReadError::Record {
        line: start.line,
        what: if raw.is_empty() {
            format!("a <{}> without a date", start.name)
        } else {
            format!("a <{}> whose date {raw:?} is not a number", start.name)
        },
    })?;
    if ms <= 0 {
        return Err(ReadError::Record {
            line: start.line,
            what: format!("a <{}> dated {raw}, before 1970", start.name),
        });
    }
    Ok(if ms < SECONDS_NOT_MILLIS_BELOW {
        ms * 1000
    } else {
        ms
    })
}

/// An attribute's text; `None` when absent, empty or the text `null`.
fn text(start: &Start<PartResult>, name: &str) -> Option<String> {
    start
        .attr(name)
        .filter(|v| !v.is_empty() && *v != "null")
        .map(str::to_string)
}

fn contact_name(start: &Start<PartResult>) -> Option<String> {
    text(start, "contact_name").filter(|n| n != "(Unknown)")
}

/// Streams `<part data="...">` into the part store through a base64 decoder.
struct PartData<'a> {
    store: &'a mut dyn PartStore,
}

impl Streamer for PartData<'_> {
    type Out = PartResult;

    fn wants(&self, element: &str, attribute: &str) -> bool {
        element == "part" && attribute == "data"
    }

    fn stream(&mut self, value: &mut dyn Read) -> PartResult {
        let mut decoded = base64::read::DecoderReader::new(Base64Text::new(value), &LENIENT_BASE64);
        self.store.store(&mut decoded)
    }
}

struct NoStreams;

impl Streamer for NoStreams {
    type Out = PartResult;
    fn wants(&self, _: &str, _: &str) -> bool {
        false
    }
    fn stream(&mut self, _: &mut dyn Read) -> PartResult {
        Err("not streamed".into())
    }
}

/// Base64 text from an attribute, without the line breaks a writer may have put in it (as
/// bytes, or as `&#10;`-style references).
struct Base64Text<'a> {
    inner: &'a mut dyn Read,
    in_reference: bool,
}

impl<'a> Base64Text<'a> {
    fn new(inner: &'a mut dyn Read) -> Self {
        Self {
            inner,
            in_reference: false,
        }
    }
}

impl Read for Base64Text<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(out)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                let b = out[i];
                if self.in_reference {
                    self.in_reference = b != b';';
                } else if b == b'&' {
                    self.in_reference = true;
                } else if !b.is_ascii_whitespace() {
                    out[kept] = b;
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}
