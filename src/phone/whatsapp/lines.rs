//! The line grammar of a WhatsApp "Export chat" text file.
//!
//! There is no published specification; the forms below are those the Android and iPhone apps
//! write in English and Spanish (checked against exports, and against the parsers other tools
//! keep, such as `whatstk` and `chat-miner`):
//!
//! ```text
//! 12/03/2026, 21:15 - Juan: hola                      Android, 24-hour clock
//! 3/12/26, 9:15 PM - Juan: hola                       Android, 12-hour (U+202F before PM)
//! 12/3/26 21:15 - Juan: hola                          Android, some locales: no comma
//! 12/3/26, 9:15 p. m. - Juan: hola                    Android, Spanish 12-hour
//! [03/12/26, 9:15:02 PM] Juan: hola                   iPhone, with seconds
//! ‎[12/3/26, 21:15:02] Juan: ‎<adjunto: 00000012-PHOTO-2026-03-12-21-15-02.jpg>
//! ```
//!
//! A line that does not start with a stamp continues the message above it. The date's field
//! order is not in the file: [`super::ChatFacts`] decides it from every stamp.

/// Marks WhatsApp inserts around names and stamps (left-to-right and right-to-left marks, the
/// byte order mark); they are not part of what anyone wrote.
const INVISIBLE: [char; 4] = ['\u{200E}', '\u{200F}', '\u{FEFF}', '\u{202A}'];

/// A stamp as written: the three date fields in file order, and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub fields: [u32; 3],
    /// The first field has four digits (year first: 2026-03-12).
    pub year_first: bool,
    pub hour: u32,
    pub minute: u32,
    pub second: Option<u32>,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` on a 24-hour clock.
    pub pm: Option<bool>,
}

impl Stamp {
    /// The hour on a 24-hour clock, or `None` when the written hour cannot be one.
    pub fn hour24(&self) -> Option<u32> {
        match self.pm {
            None if self.hour < 24 => Some(self.hour),
            Some(pm) if (1..=12).contains(&self.hour) => {
                Some(self.hour % 12 + if pm { 12 } else { 0 })
            }
            _ => None,
        }
    }
}

/// A line that starts a message: its stamp and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub stamp: Stamp,
    /// `Some(name)` for a message, `None` for a system line (no sender).
    pub sender: Option<String>,
    /// The text after the sender, invisible marks at its start removed; `system` tells whether
    /// the phone marked it as its own words rather than the sender's.
    pub text: &'a str,
    pub marked: bool,
}

/// Reads `line` as the start of a message, or `None` when it continues the one above.
pub fn header(line: &str) -> Option<Header<'_>> {
    let line = line.trim_start_matches(INVISIBLE);
    let (stamp_text, rest, iphone) = if let Some(inner) = line.strip_prefix('[') {
        let (stamp, rest) = inner.split_once(']')?;
        (stamp, rest.strip_prefix(' ').unwrap_or(rest), true)
    } else {
        let (stamp, rest) = line.split_once(" - ")?;
        (stamp, rest, false)
    };
    let stamp = stamp(stamp_text)?;
    let (sender, text) = match rest.split_once(": ") {
        // A name is short and on one line; "Name: text". Android system lines have no sender.
        Some((name, text)) if !name.is_empty() && name.chars().count() <= 100 => {
            (Some(clean_name(name)), text)
        }
        _ if iphone => return None,
        _ => (None, rest),
    };
    let marked = text.starts_with(INVISIBLE);
    Some(Header {
        stamp,
        sender,
        text: text.trim_start_matches(INVISIBLE),
        marked,
    })
}

fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !INVISIBLE.contains(c) && *c != '\u{202C}')
        .collect::<String>()
        .trim()
        .to_string()
}

/// `12/03/2026, 21:15`, `3/12/26, 9:15 PM`, `12/3/26 21:15:02`, `12.03.26, 9:15 p. m.`.
pub fn stamp(text: &str) -> Option<Stamp> {
    let text: String = text
        .chars()
        .filter(|c| !INVISIBLE.contains(c))
        .map(|c| {
            if c == '\u{202F}' || c == '\u{00A0}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let text = text.trim();
    let split = text.find([',', ' '])?;
    let (date, time) = (
        &text[..split],
        text[split + 1..].trim_start_matches([',', ' ']),
    );
    let date = date.trim_end_matches('.');
    let mut fields = [0u32; 3];
    let mut parts = date.split(['/', '.', '-']);
    let mut year_first = false;
    for (i, field) in fields.iter_mut().enumerate() {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if i == 0 && part.len() == 4 {
            year_first = true;
        }
        *field = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    let clock_end = time
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(time.len());
    let mut clock = time[..clock_end].split(':');
    let number = |s: Option<&str>| -> Option<u32> {
        let s = s?;
        (!s.is_empty() && s.len() <= 2).then_some(())?;
        s.parse().ok()
    };
    let hour = number(clock.next())?;
    let minute = number(clock.next())?;
    let second = match clock.next() {
        Some(s) => Some(number(Some(s))?),
        None => None,
    };
    if clock.next().is_some() || minute > 59 || second.is_some_and(|s| s > 59) {
        return None;
    }
    let suffix: String = time[clock_end..]
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .flat_map(char::to_lowercase)
        .collect();
    let pm = match suffix.as_str() {
        "" => None,
        "am" | "a" => Some(false),
        "pm" | "p" => Some(true),
        _ => return None,
    };
    let stamp = Stamp {
        fields,
        year_first,
        hour,
        minute,
        second,
        pm,
    };
    stamp.hour24()?;
    Some(stamp)
}

/// What a message's text is, beyond words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Special<'a> {
    /// A file sent with the message, by the name the export gave it; `caption` follows it.
    Attached { name: &'a str, caption: &'a str },
    /// The export left the media out ("<Media omitted>", "image omitted").
    Omitted { kind: &'a str },
    /// Its sender deleted it for everyone.
    Deleted,
    /// A missed WhatsApp call, which the chat lists as a line.
    MissedCall { video: bool },
}

/// Recognises attachment markers, omitted media, deleted messages and missed calls in English
/// and Spanish.
pub fn special(text: &str) -> Option<Special<'_>> {
    let trimmed = text.trim();
    for open in ["<attached: ", "<adjunto: ", "<adjunt: "] {
        if let Some(rest) = trimmed.strip_prefix(open) {
            if let Some((name, caption)) = rest.split_once('>') {
                return Some(Special::Attached {
                    name: name.trim(),
                    caption: caption.trim(),
                });
            }
        }
    }
    let first_line = trimmed.lines().next().unwrap_or_default();
    for marker in [" (file attached)", " (archivo adjunto)"] {
        if let Some(at) = first_line.find(marker) {
            let name = first_line[..at].trim_start_matches(INVISIBLE).trim();
            let caption = trimmed[at + marker.len()..].trim();
            return Some(Special::Attached { name, caption });
        }
    }
    let lower = trimmed.to_lowercase();
    let lower = lower.trim_end_matches('.');
    for (phrase, kind) in [
        ("<media omitted>", "media file"),
        ("<multimedia omitido>", "media file"),
        ("<archivo omitido>", "media file"),
        ("image omitted", "picture"),
        ("video omitted", "video"),
        ("audio omitted", "audio"),
        ("sticker omitted", "sticker"),
        ("gif omitted", "GIF"),
        ("document omitted", "document"),
        ("contact card omitted", "contact card"),
        ("imagen omitida", "picture"),
        ("video omitido", "video"),
        ("audio omitido", "audio"),
        ("sticker omitido", "sticker"),
        ("gif omitido", "GIF"),
        ("documento omitido", "document"),
        ("tarjeta de contacto omitida", "contact card"),
    ] {
        if lower == phrase {
            return Some(Special::Omitted { kind });
        }
    }
    match lower {
        "this message was deleted"
        | "you deleted this message"
        | "se eliminó este mensaje"
        | "eliminaste este mensaje"
        | "este mensaje fue eliminado" => Some(Special::Deleted),
        "missed voice call" | "llamada perdida" | "llamada de voz perdida" => {
            Some(Special::MissedCall { video: false })
        }
        "missed video call" | "videollamada perdida" => Some(Special::MissedCall { video: true }),
        _ => None,
    }
}

/// Removes the "edited" note WhatsApp appends to an edited message's text.
pub fn strip_edited(text: &str) -> Option<&str> {
    let trimmed = text.trim_end();
    [
        "<This message was edited>",
        "<Se editó este mensaje.>",
        "<Se editó este mensaje>",
    ]
    .into_iter()
    .find_map(|note| trimmed.strip_suffix(note))
    .map(str::trim_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_in_each_form_the_apps_write() {
        let s = stamp("12/03/2026, 21:15").unwrap();
        assert_eq!(
            (s.fields, s.hour24(), s.minute, s.second),
            ([12, 3, 2026], Some(21), 15, None)
        );
        let s = stamp("3/12/26, 9:15\u{202F}PM").unwrap();
        assert_eq!((s.fields, s.hour24()), ([3, 12, 26], Some(21)));
        let s = stamp("12/3/26 21:15:02").unwrap();
        assert_eq!((s.hour24(), s.second), (Some(21), Some(2)));
        let s = stamp("12/3/26, 9:15\u{00A0}p.\u{00A0}m.").unwrap();
        assert_eq!(s.hour24(), Some(21));
        let s = stamp("12/3/26, 12:05 a. m.").unwrap();
        assert_eq!(s.hour24(), Some(0));
        let s = stamp("2026-03-12, 21:15").unwrap();
        assert!(s.year_first);
        assert_eq!(stamp("12/03/2026, 25:15"), None);
        assert_eq!(stamp("12/03/2026, 13:15 PM"), None);
        assert_eq!(stamp("12/03, 21:15"), None);
        assert_eq!(stamp("hello there"), None);
    }

    #[test]
    fn headers_of_android_and_iphone_lines() {
        let h = header("12/03/2026, 21:15 - Juan P: te veo: afuera").unwrap();
        assert_eq!(h.sender.as_deref(), Some("Juan P"));
        assert_eq!(h.text, "te veo: afuera");
        let h = header("12/03/2026, 21:15 - Messages and calls are end-to-end encrypted.").unwrap();
        assert_eq!(h.sender, None);
        let h =
            header("\u{200E}[03/12/26, 9:15:02\u{202F}PM] Juan: \u{200E}image omitted").unwrap();
        assert_eq!(
            (h.sender.as_deref(), h.text, h.marked),
            (Some("Juan"), "image omitted", true)
        );
        let h = header("[03/12/26, 9:15:02 PM] \u{202A}+1 (509) 555-0123\u{202C}: hi").unwrap();
        assert_eq!(h.sender.as_deref(), Some("+1 (509) 555-0123"));
        assert_eq!(header("and then he said - this"), None);
        assert_eq!(header("[not a stamp] Juan: hi"), None);
    }

    #[test]
    fn markers_in_english_and_spanish() {
        assert_eq!(
            special("IMG-20260312-WA0001.jpg (file attached)\nlook"),
            Some(Special::Attached {
                name: "IMG-20260312-WA0001.jpg",
                caption: "look"
            })
        );
        assert_eq!(
            special("IMG-20260312-WA0001.jpg (archivo adjunto)"),
            Some(Special::Attached {
                name: "IMG-20260312-WA0001.jpg",
                caption: ""
            })
        );
        assert_eq!(
            special("<adjunto: 00000012-PHOTO-2026-03-12-21-15-02.jpg>"),
            Some(Special::Attached {
                name: "00000012-PHOTO-2026-03-12-21-15-02.jpg",
                caption: ""
            })
        );
        assert_eq!(
            special("<Media omitted>"),
            Some(Special::Omitted { kind: "media file" })
        );
        assert_eq!(
            special("<Multimedia omitido>"),
            Some(Special::Omitted { kind: "media file" })
        );
        assert_eq!(
            special("imagen omitida"),
            Some(Special::Omitted { kind: "picture" })
        );
        assert_eq!(special("Se eliminó este mensaje."), Some(Special::Deleted));
        assert_eq!(
            special("Missed video call"),
            Some(Special::MissedCall { video: true })
        );
        assert_eq!(special("I attached it"), None);
        assert_eq!(
            strip_edited("ya voy <This message was edited>"),
            Some("ya voy")
        );
        assert_eq!(strip_edited("ya voy"), None);
    }
}
