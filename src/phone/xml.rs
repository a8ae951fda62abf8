//! A forgiving, streaming reader of the flat XML that phone backup apps write.
//!
//! Why not a general XML parser: the files we read are not always XML. SMS Backup & Restore
//! writes an emoji as two character references, one per UTF-16 surrogate (`&#55357;&#56832;`),
//! which XML forbids and strict parsers refuse; and a picture's base64 sits in one attribute
//! that may be tens of megabytes, which a parser holds whole. This reader decodes surrogate
//! pairs into the character they spell, hands chosen attributes to the caller as a byte stream
//! (never in memory), tells where each element starts (line), and says where a file that ends
//! early stopped. It reads elements and attributes only: text between tags, comments,
//! processing instructions and DOCTYPEs are skipped, which is all these formats use.

use std::io::{self, BufRead, Read};

/// The longest attribute value held in memory (a message body). Longer values (which no phone
/// writes outside a picture's data) are an error for that file.
pub const MAX_HELD_VALUE: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("the file ends inside an element that starts on line {line}")]
    Truncated { line: u64 },
    #[error("line {line}: {what}")]
    Malformed { line: u64, what: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A start tag: its name, attributes (those the caller streamed have `Value::Streamed`) and
/// whether it closed itself (`<sms ... />`).
#[derive(Debug)]
pub struct Start<S> {
    pub name: String,
    pub attrs: Vec<(String, Value<S>)>,
    pub empty: bool,
    pub line: u64,
    /// Byte offset of its `<` in the file.
    pub offset: u64,
}

impl<S> Start<S> {
    /// The attribute's text, if it has one that was held.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find_map(|(n, v)| match v {
            Value::Text(text) if n == name => Some(text.as_str()),
            _ => None,
        })
    }
}

#[derive(Debug)]
pub enum Value<S> {
    Text(String),
    /// What the caller's streamer returned for it, and where the raw value lies in the file
    /// (from its first byte to its closing quote, exclusive): an extract that must put a
    /// different value in its place (a picture without its location) finds it there.
    Streamed {
        out: S,
        range: (u64, u64),
    },
}

#[derive(Debug)]
pub enum Event<S> {
    Start(Start<S>),
    End { name: String },
    Eof,
}

/// Chooses which attributes are streamed, and takes them: `stream` is given a reader of the
/// raw value (entities not decoded; what it leaves unread is skipped).
pub trait Streamer {
    type Out;
    fn wants(&self, element: &str, attribute: &str) -> bool;
    fn stream(&mut self, value: &mut dyn Read) -> Self::Out;
}

pub struct XmlReader<R> {
    inner: R,
    line: u64,
    /// Bytes consumed so far (for progress).
    offset: u64,
}

impl<R: BufRead> XmlReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            line: 1,
            offset: 0,
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.inner.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if let Some(b) = byte {
            self.inner.consume(1);
            self.offset += 1;
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }

    /// Skips to just past `end` (a short byte string); false at end of file.
    fn skip_past(&mut self, end: &[u8]) -> io::Result<bool> {
        let mut matched = 0;
        while let Some(b) = self.bump()? {
            if b == end[matched] {
                matched += 1;
                if matched == end.len() {
                    return Ok(true);
                }
            } else {
                matched = usize::from(b == end[0]);
            }
        }
        Ok(false)
    }

    /// Skips text up to the next `<` (consumed); false at end of file.
    fn skip_to_tag(&mut self) -> io::Result<bool> {
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(false);
            }
            let (n, found) = match memchr::memchr(b'<', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            self.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            self.inner.consume(n);
            self.offset += n as u64;
            if found {
                return Ok(true);
            }
        }
    }

    fn skip_space(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => {
                    self.bump()?;
                }
                other => return Ok(other),
            }
        }
    }

    fn name(&mut self, line: u64) -> Result<String, XmlError> {
        let mut name = Vec::new();
        while let Some(b) = self.peek()? {
            if b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b'=') {
                break;
            }
            if name.len() > 256 {
                return Err(malformed(line, "a name longer than 256 bytes"));
            }
            name.push(b);
            self.bump()?;
        }
        if self.peek()?.is_none() {
            return Err(XmlError::Truncated { line });
        }
        if name.is_empty() {
            return Err(malformed(self.line, "a tag or attribute without a name"));
        }
        Ok(String::from_utf8_lossy(&name).into_owned())
    }

    /// The next element start or end; text, comments and declarations are skipped.
    pub fn next_event<S: Streamer>(&mut self, streamer: &mut S) -> Result<Event<S::Out>, XmlError> {
        loop {
            if !self.skip_to_tag()? {
                return Ok(Event::Eof);
            }
            let line = self.line;
            let offset = self.offset - 1;
            match self.peek()? {
                None => return Err(XmlError::Truncated { line }),
                Some(b'?') => {
                    if !self.skip_past(b"?>")? {
                        return Err(XmlError::Truncated { line });
                    }
                }
                Some(b'!') => {
                    self.bump()?;
                    let end: &[u8] = match self.peek()? {
                        Some(b'-') => b"-->",
                        Some(b'[') => b"]]>",
                        _ => b">",
                    };
                    if !self.skip_past(end)? {
                        return Err(XmlError::Truncated { line });
                    }
                }
                Some(b'/') => {
                    self.bump()?;
                    let name = self.name(line)?;
                    if !self.skip_past(b">")? {
                        return Err(XmlError::Truncated { line });
                    }
                    return Ok(Event::End { name });
                }
                Some(_) => return self.start_tag(line, offset, streamer).map(Event::Start),
            }
        }
    }

    fn start_tag<S: Streamer>(
        &mut self,
        line: u64,
        offset: u64,
        streamer: &mut S,
    ) -> Result<Start<S::Out>, XmlError> {
        let name = self.name(line)?;
        let mut attrs = Vec::new();
        loop {
            match self.skip_space()? {
                None => return Err(XmlError::Truncated { line }),
                Some(b'>') => {
                    self.bump()?;
                    return Ok(Start {
                        name,
                        attrs,
                        empty: false,
                        line,
                        offset,
                    });
                }
                Some(b'/') => {
                    self.bump()?;
                    match self.bump()? {
                        Some(b'>') => {
                            return Ok(Start {
                                name,
                                attrs,
                                empty: true,
                                line,
                                offset,
                            })
                        }
                        None => return Err(XmlError::Truncated { line }),
                        Some(_) => return Err(malformed(self.line, "'/' not followed by '>'")),
                    }
                }
                Some(_) => {
                    let attr = self.name(line)?;
                    if self.skip_space()? != Some(b'=') {
                        return match self.peek()? {
                            None => Err(XmlError::Truncated { line }),
                            Some(_) => Err(malformed(
                                self.line,
                                &format!("attribute {attr} of <{name}> has no value"),
                            )),
                        };
                    }
                    self.bump()?;
                    let quote = match self.skip_space()? {
                        Some(q @ (b'"' | b'\'')) => q,
                        None => return Err(XmlError::Truncated { line }),
                        Some(_) => {
                            return Err(malformed(
                                self.line,
                                &format!("attribute {attr} of <{name}> is not quoted"),
                            ))
                        }
                    };
                    self.bump()?;
                    let value = if streamer.wants(&name, &attr) {
                        let value_start = self.offset;
                        let mut raw = RawValue {
                            xml: self,
                            quote,
                            done: false,
                        };
                        let out = streamer.stream(&mut raw);
                        // Whatever the streamer left (it stopped at bad data) is skipped.
                        io::copy(&mut raw, &mut io::sink()).map_err(|e| truncated(e, line))?;
                        if !raw.done {
                            return Err(XmlError::Truncated { line });
                        }
                        // The closing quote has been consumed.
                        Value::Streamed {
                            out,
                            range: (value_start, self.offset - 1),
                        }
                    } else {
                        Value::Text(decode_text(&self.held_value(quote, line)?))
                    };
                    attrs.push((attr, value));
                }
            }
        }
    }

    fn held_value(&mut self, quote: u8, line: u64) -> Result<Vec<u8>, XmlError> {
        let mut value = Vec::new();
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if buf.is_empty() {
                return Err(XmlError::Truncated { line });
            }
            let (n, found) = match memchr::memchr(quote, buf) {
                Some(i) => (i, true),
                None => (buf.len(), false),
            };
            value.extend_from_slice(&buf[..n]);
            self.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            let used = n + usize::from(found);
            self.inner.consume(used);
            self.offset += used as u64;
            if value.len() > MAX_HELD_VALUE {
                return Err(malformed(
                    line,
                    &format!("a value longer than {} MiB", MAX_HELD_VALUE >> 20),
                ));
            }
            if found {
                return Ok(value);
            }
        }
    }
}

fn truncated(e: io::Error, line: u64) -> XmlError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        XmlError::Truncated { line }
    } else {
        XmlError::Io(e)
    }
}

fn malformed(line: u64, what: &str) -> XmlError {
    XmlError::Malformed {
        line,
        what: what.to_string(),
    }
}

/// The raw bytes of one attribute value, up to its closing quote (consumed, then `done`).
struct RawValue<'a, R> {
    xml: &'a mut XmlReader<R>,
    quote: u8,
    done: bool,
}

impl<R: BufRead> Read for RawValue<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let buf = self.xml.inner.fill_buf()?;
        if buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside a value",
            ));
        }
        let limit = buf.len().min(out.len());
        let (n, found) = match memchr::memchr(self.quote, &buf[..limit]) {
            Some(i) => (i, true),
            None => (limit, false),
        };
        out[..n].copy_from_slice(&buf[..n]);
        self.xml.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        let used = n + usize::from(found);
        self.xml.inner.consume(used);
        self.xml.offset += used as u64;
        if found {
            self.done = true;
        }
        if n == 0 && found {
            return Ok(0);
        }
        Ok(n)
    }
}

/// Decodes entity and character references. A UTF-16 surrogate pair written as two
/// references becomes the one character it encodes; a lone surrogate, a reference to no
/// character and bytes that are not UTF-8 become U+FFFD; an unknown named entity is kept as
/// written.
pub fn decode_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('&') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    let mut pending_high: Option<u32> = None;
    while let Some(amp) = rest.find('&') {
        let before = &rest[..amp];
        if !before.is_empty() {
            flush_high(&mut out, &mut pending_high);
            out.push_str(before);
        }
        let after = &rest[amp + 1..];
        let reference = |i: &usize| {
            *i <= 12
                && after[..*i]
                    .trim_start_matches('#')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric())
        };
        let Some(semi) = after.find(';').filter(reference) else {
            flush_high(&mut out, &mut pending_high);
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        rest = &after[semi + 1..];
        let code = if let Some(hex) = entity
            .strip_prefix("#x")
            .or_else(|| entity.strip_prefix("#X"))
        {
            u32::from_str_radix(hex, 16).ok()
        } else if let Some(dec) = entity.strip_prefix('#') {
            dec.parse::<u32>().ok()
        } else {
            let named = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    flush_high(&mut out, &mut pending_high);
                    out.push('&');
                    out.push_str(entity);
                    out.push(';');
                    continue;
                }
            };
            flush_high(&mut out, &mut pending_high);
            out.push(named);
            continue;
        };
        match code {
            Some(high @ 0xD800..=0xDBFF) => {
                flush_high(&mut out, &mut pending_high);
                pending_high = Some(high);
            }
            Some(low @ 0xDC00..=0xDFFF) => match pending_high.take() {
                Some(high) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => out.push(char::REPLACEMENT_CHARACTER),
            },
            Some(c) => {
                flush_high(&mut out, &mut pending_high);
                out.push(
                    char::from_u32(c)
                        .filter(|&c| c != '\0')
                        .unwrap_or(char::REPLACEMENT_CHARACTER),
                );
            }
            None => {
                flush_high(&mut out, &mut pending_high);
                out.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    flush_high(&mut out, &mut pending_high);
    out.push_str(rest);
    out
}

fn flush_high(out: &mut String, pending_high: &mut Option<u32>) {
    if pending_high.take().is_some() {
        out.push(char::REPLACEMENT_CHARACTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Holder;
    impl Streamer for Holder {
        type Out = Vec<u8>;
        fn wants(&self, element: &str, attribute: &str) -> bool {
            element == "part" && attribute == "data"
        }
        fn stream(&mut self, value: &mut dyn Read) -> Vec<u8> {
            let mut out = Vec::new();
            let _ = value.read_to_end(&mut out);
            out
        }
    }

    fn events(xml: &str) -> Vec<String> {
        let mut reader = XmlReader::new(io::BufReader::with_capacity(7, xml.as_bytes()));
        let mut out = Vec::new();
        loop {
            match reader.next_event(&mut Holder) {
                Ok(Event::Eof) => return out,
                Ok(Event::End { name }) => out.push(format!("/{name}")),
                Ok(Event::Start(s)) => {
                    let attrs: Vec<String> = s
                        .attrs
                        .iter()
                        .map(|(n, v)| match v {
                            Value::Text(t) => format!("{n}={t}"),
                            Value::Streamed { out, range } => format!(
                                "{n}#{}@{}..{}",
                                String::from_utf8_lossy(out),
                                range.0,
                                range.1
                            ),
                        })
                        .collect();
                    out.push(format!(
                        "{}@{}{}[{}]",
                        s.name,
                        s.line,
                        if s.empty { "/" } else { "" },
                        attrs.join(",")
                    ));
                }
                Err(e) => {
                    out.push(format!("error: {e}"));
                    return out;
                }
            }
        }
    }

    #[test]
    fn surrogate_pairs_become_one_character_and_lone_halves_are_marked() {
        assert_eq!(decode_text(b"hi &#55357;&#56832; x"), "hi \u{1F600} x");
        assert_eq!(decode_text(b"&#xD83D;&#xDE00;"), "\u{1F600}");
        assert_eq!(decode_text(b"a&#55357;b"), "a\u{FFFD}b");
        assert_eq!(decode_text(b"&#56832;"), "\u{FFFD}");
        assert_eq!(
            decode_text(b"&amp;&lt;&gt;&quot;&apos;&#233;&#x20AC;"),
            "&<>\"'\u{e9}\u{20ac}"
        );
        assert_eq!(
            decode_text(b"&nbsp; & alone &#0;"),
            "&nbsp; & alone \u{FFFD}"
        );
        assert_eq!(decode_text(b"caf\xc3\xa9 \xff"), "caf\u{e9} \u{FFFD}");
    }

    #[test]
    fn elements_attributes_and_lines_are_read_and_the_rest_skipped() {
        let xml = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n\
            <!--File Created By SMS Backup & Restore-->\n\
            <smses count=\"2\">\n  <sms body=\"a &gt; b\" date='1' />\n\
            <mms><parts><part ct=\"image/jpeg\" data=\"QUJD\" /></parts></mms>\n</smses>";
        let at = xml.find("QUJD").expect("in the file");
        let data = format!("part@5/[ct=image/jpeg,data#QUJD@{at}..{}]", at + 4);
        assert_eq!(
            events(xml),
            [
                "smses@3[count=2]",
                "sms@4/[body=a > b,date=1]",
                "mms@5[]",
                "parts@5[]",
                data.as_str(),
                "/parts",
                "/mms",
                "/smses"
            ]
        );
    }

    #[test]
    fn a_file_that_ends_inside_an_element_says_where_it_starts() {
        let cut = events("<smses>\n<sms body=\"one\" />\n<sms body=\"tw");
        assert_eq!(
            cut.last().unwrap(),
            "error: the file ends inside an element that starts on line 3"
        );
        let cut = events("<smses>\n<mms>\n<part data=\"QUJ");
        assert_eq!(
            cut.last().unwrap(),
            "error: the file ends inside an element that starts on line 3"
        );
        assert_eq!(
            events("<smses>\n<sms body=\"x\" /")[1..],
            ["error: the file ends inside an element that starts on line 2"]
        );
    }

    #[test]
    fn malformed_tags_are_named_with_their_line() {
        let bad = events("<smses>\n<sms body=x />");
        assert_eq!(
            bad.last().unwrap(),
            "error: line 2: attribute body of <sms> is not quoted"
        );
    }
}
