//! The text of a message's `attributedBody`: an `NSAttributedString` archived by `NSArchiver`
//! in the typedstream format of NeXTSTEP and Apple.
//!
//! Layout, as documented by python-typedstream (dgelessus, `stream.py`) and crabstep
//! (ReagentX, the parser of imessage-exporter), and checked here against blobs from real
//! message databases:
//!
//! ```text
//! 04 0b "streamtyped"        streamer version 4, signature (little-endian stream)
//! 81 e8 03                   system version 1000
//! 84 01 "@"                  type of the root value: an object ("@", a new shared string)
//! 84                         a new object; its class chain, most derived first:
//!   84 84 12 "NSAttributedString" 00    new class, new name, version 0
//!   84 84 08 "NSObject" 00              its superclass
//!   85                                  no further superclass
//! 92                         type "@" again (a reference to shared string 0)
//! 84 84 84 08 "NSString" 01  a new NSString object, class version 1,
//!   94                       superclass NSObject (a reference to object 2)
//! 84 01 "+"                  type "+": a string of bytes
//! <length> <UTF-8 bytes>     the text
//! 86                         end of the NSString; the attribute runs follow
//! ```
//!
//! Messages synced from a Mac may be `NSMutableAttributedString` over `NSMutableString`,
//! which adds a class to each chain and shifts the reference numbers; the chain is therefore
//! walked, not matched byte for byte.
//!
//! A number is one byte unless that byte is a tag (0x80..=0x91): 0x81 is followed by two
//! bytes little-endian, 0x82 by four. Other single bytes are the value (signed or not, as
//! the type says). 0x84 starts something new, 0x85 is nil, 0x86 ends an object, and a byte
//! from 0x92 up refers back to an earlier shared string, class or object (0x92 is the first).

/// Why an `attributedBody` gave no text, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypedStreamError {
    #[error("it is not in Apple's typedstream format")]
    NotTypedStream,
    #[error("it ends early")]
    Truncated,
    #[error("it is laid out in a way Daybook does not know ({0})")]
    Unexpected(&'static str),
    #[error("it holds {0} where the text should be")]
    WrongClass(String),
    #[error("its text is not valid UTF-8")]
    NotUtf8,
}

type Result<T> = std::result::Result<T, TypedStreamError>;

const TAG_INTEGER_2: u8 = 0x81;
const TAG_INTEGER_4: u8 = 0x82;
const TAG_NEW: u8 = 0x84;
const TAG_NIL: u8 = 0x85;
const TAG_END_OF_OBJECT: u8 = 0x86;
const FIRST_TAG: u8 = 0x80;
const LAST_TAG: u8 = 0x91;
/// 0x92 read as a signed byte: the number of the first earlier string or object.
const FIRST_REFERENCE: i64 = -110;

const ATTRIBUTED_STRING_CLASSES: [&[u8]; 2] = [b"NSAttributedString", b"NSMutableAttributedString"];
const STRING_CLASSES: [&[u8]; 2] = [b"NSString", b"NSMutableString"];

/// The text of an archived `NSAttributedString` (or `NSMutableAttributedString`).
pub fn attributed_string_text(blob: &[u8]) -> Result<String> {
    let mut stream = Stream {
        data: blob,
        pos: 0,
        shared: Vec::new(),
        objects: Vec::new(),
    };
    stream.header()?;
    if stream.type_encoding()? != b"@" {
        return Err(TypedStreamError::Unexpected("the root is not an object"));
    }
    let class = stream.new_object()?;
    if !ATTRIBUTED_STRING_CLASSES.contains(&class) {
        return Err(TypedStreamError::WrongClass(class_name(class)));
    }
    if stream.type_encoding()? != b"@" {
        return Err(TypedStreamError::Unexpected(
            "its first value is not an object",
        ));
    }
    let class = stream.new_object()?;
    if !STRING_CLASSES.contains(&class) {
        return Err(TypedStreamError::WrongClass(class_name(class)));
    }
    if stream.type_encoding()? != b"+" {
        return Err(TypedStreamError::Unexpected("its string holds no bytes"));
    }
    let head = stream.byte()?;
    let bytes = stream
        .unshared_string(head)?
        .ok_or(TypedStreamError::Unexpected("its string is nil"))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| TypedStreamError::NotUtf8)
}

fn class_name(name: &[u8]) -> String {
    format!("an {}", String::from_utf8_lossy(name))
}

struct Stream<'a> {
    data: &'a [u8],
    pos: usize,
    /// Shared strings (type encodings, class names) in the order they appeared.
    shared: Vec<&'a [u8]>,
    /// Objects and classes in the order they appeared: a class by its name, an object as
    /// `None`.
    objects: Vec<Option<&'a [u8]>>,
}

impl<'a> Stream<'a> {
    fn header(&mut self) -> Result<()> {
        let not = |_| TypedStreamError::NotTypedStream;
        if self.bytes(2).map_err(not)? != [4, 11] || self.bytes(11).map_err(not)? != b"streamtyped"
        {
            return Err(TypedStreamError::NotTypedStream);
        }
        let head = self.byte().map_err(not)?;
        self.integer(head, false).map_err(not)?;
        Ok(())
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self.data.get(self.pos).ok_or(TypedStreamError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.data.len())
            .ok_or(TypedStreamError::Truncated)?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// A number whose first byte, `head`, was read.
    fn integer(&mut self, head: u8, signed: bool) -> Result<i64> {
        match head {
            TAG_INTEGER_2 => {
                let b = self.bytes(2)?;
                let b = [b[0], b[1]];
                Ok(if signed {
                    i64::from(i16::from_le_bytes(b))
                } else {
                    i64::from(u16::from_le_bytes(b))
                })
            }
            TAG_INTEGER_4 => {
                let b = self.bytes(4)?;
                let b = [b[0], b[1], b[2], b[3]];
                Ok(if signed {
                    i64::from(i32::from_le_bytes(b))
                } else {
                    i64::from(u32::from_le_bytes(b))
                })
            }
            FIRST_TAG..=LAST_TAG => Err(TypedStreamError::Unexpected(
                "a marker where a number should be",
            )),
            _ if signed => Ok(i64::from(head as i8)),
            _ => Ok(i64::from(head)),
        }
    }

    /// Bytes with their length in front; `None` for nil.
    fn unshared_string(&mut self, head: u8) -> Result<Option<&'a [u8]>> {
        if head == TAG_NIL {
            return Ok(None);
        }
        let length = self.integer(head, false)?;
        let length = usize::try_from(length)
            .map_err(|_| TypedStreamError::Unexpected("a length that is not a size"))?;
        self.bytes(length).map(Some)
    }

    /// The number of an earlier string or object that `head` refers to.
    fn reference(&mut self, head: u8) -> Result<usize> {
        let number = self.integer(head, true)?;
        number
            .checked_sub(FIRST_REFERENCE)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(TypedStreamError::Unexpected("a reference to nothing"))
    }

    /// A string written once and referred to afterwards; `None` for nil.
    fn shared_string(&mut self, head: u8) -> Result<Option<&'a [u8]>> {
        match head {
            TAG_NIL => Ok(None),
            TAG_NEW => {
                let head = self.byte()?;
                let s = self
                    .unshared_string(head)?
                    .ok_or(TypedStreamError::Unexpected("a nil name"))?;
                self.shared.push(s);
                Ok(Some(s))
            }
            _ => {
                let index = self.reference(head)?;
                let s = self
                    .shared
                    .get(index)
                    .ok_or(TypedStreamError::Unexpected("a reference to nothing"))?;
                Ok(Some(*s))
            }
        }
    }

    /// The type encoding in front of an object's next value.
    fn type_encoding(&mut self) -> Result<&'a [u8]> {
        let head = self.byte()?;
        if head == TAG_END_OF_OBJECT {
            return Err(TypedStreamError::Unexpected(
                "an object that ends before its text",
            ));
        }
        self.shared_string(head)?
            .ok_or(TypedStreamError::Unexpected("a nil type"))
    }

    /// A new object's start and class chain; gives its (most derived) class name.
    fn new_object(&mut self) -> Result<&'a [u8]> {
        if self.byte()? != TAG_NEW {
            return Err(TypedStreamError::Unexpected("an object that is not new"));
        }
        self.objects.push(None);
        let mut first = None;
        loop {
            let head = self.byte()?;
            match head {
                TAG_NEW => {
                    let name_head = self.byte()?;
                    let name = self
                        .shared_string(name_head)?
                        .ok_or(TypedStreamError::Unexpected("a class without a name"))?;
                    let version_head = self.byte()?;
                    self.integer(version_head, true)?;
                    self.objects.push(Some(name));
                    first.get_or_insert(name);
                }
                TAG_NIL => break,
                _ => {
                    let index = self.reference(head)?;
                    let name = self.objects.get(index).copied().flatten().ok_or(
                        TypedStreamError::Unexpected("a reference to a class that is not there"),
                    )?;
                    first.get_or_insert(name);
                    break;
                }
            }
        }
        first.ok_or(TypedStreamError::Unexpected("an object without a class"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{attributed_body, mutable_attributed_body};
    use super::*;

    #[test]
    fn short_text_is_read() {
        let blob = attributed_body("Noter test");
        // The header and class chains exactly as iOS writes them.
        let expected_head: &[u8] = b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+\x0aNoter test\x86";
        assert_eq!(&blob[..expected_head.len()], expected_head);
        assert_eq!(attributed_string_text(&blob).unwrap(), "Noter test");
    }

    #[test]
    fn long_text_has_a_two_byte_length() {
        let text = "I told you not to contact me. ".repeat(10);
        assert_eq!(text.len(), 300);
        let blob = attributed_body(&text);
        let at = blob.windows(3).position(|w| w == b"\x01+\x81").unwrap();
        assert_eq!(&blob[at + 3..at + 5], &300u16.to_le_bytes());
        assert_eq!(attributed_string_text(&blob).unwrap(), text);
        // 128..=255 are written with 0x81 too (a single byte there would be a tag or negative).
        let text = "x".repeat(157);
        let blob = attributed_body(&text);
        assert!(blob.windows(5).any(|w| w == b"\x01+\x81\x9d\x00"));
        assert_eq!(attributed_string_text(&blob).unwrap(), text);
    }

    #[test]
    fn very_long_text_has_a_four_byte_length() {
        let text = "a".repeat(70_000);
        let blob = attributed_body(&text);
        assert!(blob.windows(4).any(|w| w == b"\x01+\x82\x70"));
        assert_eq!(attributed_string_text(&blob).unwrap(), text);
    }

    #[test]
    fn non_ascii_text_is_read() {
        for text in [
            "Te veré mañana en la estación, ¿sí? 😡👀",
            "أهلاً بالعالم",
            "𝖍𝖊𝖑𝖑𝖔 \u{FFFC}",
            "",
        ] {
            assert_eq!(
                attributed_string_text(&attributed_body(text)).unwrap(),
                text
            );
            assert_eq!(
                attributed_string_text(&mutable_attributed_body(text)).unwrap(),
                text
            );
        }
    }

    #[test]
    fn a_mac_synced_mutable_string_is_read() {
        let blob = mutable_attributed_body("Test 3");
        assert!(blob.starts_with(b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x0fNSMutableString\x01\x84\x84\x08NSString\x01\x95\x84\x01+\x06Test 3"));
        assert_eq!(attributed_string_text(&blob).unwrap(), "Test 3");
    }

    #[test]
    fn damaged_blobs_give_an_error_never_a_panic() {
        let text = "Where are you? ¿Dónde estás? 🙂";
        let blob = attributed_body(text);
        let text_end = blob
            .windows(text.len())
            .position(|w| w == text.as_bytes())
            .unwrap()
            + text.len();
        // Cut anywhere before the text ends: an error; after: the text (the attribute runs
        // are not needed).
        for cut in 0..blob.len() {
            let result = attributed_string_text(&blob[..cut]);
            if cut < text_end {
                assert!(result.is_err(), "cut at {cut}");
            } else {
                assert_eq!(result.unwrap(), text, "cut at {cut}");
            }
        }
        // Every single corrupted byte: an answer or an error, never a panic.
        for i in 0..blob.len() {
            for b in [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0x86, 0x92, 0xff] {
                let mut bad = blob.clone();
                bad[i] = b;
                let _ = attributed_string_text(&bad);
            }
        }
        assert_eq!(
            attributed_string_text(b"not a typedstream at all"),
            Err(TypedStreamError::NotTypedStream)
        );
        assert_eq!(
            attributed_string_text(b""),
            Err(TypedStreamError::NotTypedStream)
        );
        assert_eq!(
            attributed_string_text(b"bplist00\xd0\x08"),
            Err(TypedStreamError::NotTypedStream)
        );
        // A length running past the end.
        let mut long = attributed_body("abc");
        let at = long.windows(2).position(|w| w == b"\x01+").unwrap() + 2;
        long[at] = 0x82;
        long.truncate(at + 3);
        assert_eq!(
            attributed_string_text(&long),
            Err(TypedStreamError::Truncated)
        );
        // Text that is not UTF-8.
        let mut latin = attributed_body("abc");
        let at = latin.windows(3).position(|w| w == b"abc").unwrap();
        latin[at] = 0xe9;
        assert_eq!(
            attributed_string_text(&latin),
            Err(TypedStreamError::NotUtf8)
        );
    }

    #[test]
    fn another_archived_class_is_named() {
        let mut blob = attributed_body("x");
        let at = blob
            .windows(18)
            .position(|w| w == b"NSAttributedString")
            .unwrap();
        blob[at..at + 18].copy_from_slice(b"NSMutableDictionar");
        assert_eq!(
            attributed_string_text(&blob),
            Err(TypedStreamError::WrongClass("an NSMutableDictionar".into()))
        );
    }
}
