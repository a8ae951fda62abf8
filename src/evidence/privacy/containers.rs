//! Where each file format keeps its EXIF, XMP and location boxes, so that [`super::tiff`] and
//! the XMP check can read them and blank them in place. Every offset here is into the whole
//! file; every read is bounds-checked (files are hostile).

use std::ops::Range;

use super::tiff::{self, Findings};
use super::{Location, Patch};

const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION_ID: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// The `uuid` box that holds XMP in MP4 and MOV files (Adobe XMP Specification Part 3, 1.1.4).
pub(super) const XMP_UUID: &[u8] =
    b"\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC";
/// Apple's QuickTime metadata key for where a video was recorded.
const APPLE_LOCATION_KEY: &[u8] = b"com.apple.quicktime.location.ISO6709";
/// What an XMP property's local name (after the prefix) says it records, judged by words
/// rather than a list of known tags, so a maker's own names (DJI's `Latitude`,
/// `LRFTargetLat`, `DroneSerialNumber`) and tags added later count too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reveal {
    Place,
    Device,
}

fn reveal_of(local_name: &str) -> Option<Reveal> {
    const PLACE: [&str; 12] = [
        "gps",
        "lat",
        "lon",
        "latitude",
        "longitude",
        "altitude",
        "city",
        "state",
        "country",
        "province",
        "location",
        "sublocation",
    ];
    let words = name_words(local_name);
    if words.iter().any(|w| PLACE.contains(&w.as_str())) {
        return Some(Reveal::Place);
    }
    if words.iter().any(|w| w == "serial" || w == "owner") {
        return Some(Reveal::Device);
    }
    None
}

/// The words of a property name, lower-cased: "GPSLatitude" -> gps, latitude;
/// "LRFTargetLat" -> lrf, target, lat; "drone_serial" -> drone, serial.
fn name_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let starts = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if starts && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// `prefix:name="value"` (or single quotes) and `<prefix:name`, the two ways XMP writes a
/// property; compiled once (a hostile file may hold millions of tiny packets).
static XMP_ATTRIBUTE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)\s*=\s*("[^"]*"|'[^']*')"#).ok()
});
static XMP_ELEMENT: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"<([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)[\s>/]").ok()
});

/// Every property a packet names, as (where it starts, its whole match, its local name).
fn xmp_properties(text: &str) -> Vec<(Range<usize>, String, bool)> {
    let mut found = Vec::new();
    if let Some(re) = XMP_ATTRIBUTE.as_ref() {
        for c in re.captures_iter(text) {
            if let (Some(m), Some(local)) = (c.get(0), c.get(2)) {
                found.push((m.range(), local.as_str().to_string(), true));
            }
        }
    }
    if let Some(re) = XMP_ELEMENT.as_ref() {
        for c in re.captures_iter(text) {
            if let (Some(m), Some(local)) = (c.get(0), c.get(2)) {
                found.push((m.range(), local.as_str().to_string(), false));
            }
        }
    }
    found
}

/// What `text` (an XMP packet) records: a place, and device identifiers by local name.
fn xmp_reveals(text: &str) -> (bool, Vec<String>) {
    let mut place = false;
    let mut device = Vec::new();
    for (_, local, _) in xmp_properties(text) {
        match reveal_of(&local) {
            Some(Reveal::Place) => place = true,
            Some(Reveal::Device) if !device.contains(&local) => device.push(local),
            _ => {}
        }
    }
    (place, device)
}

/// The byte ranges of `packet` that hold a revealing property, as an attribute
/// (` exif:GPSLatitude="..."`) or an element (`<exif:GPSLatitude>...</exif:GPSLatitude>`);
/// `None` when something revealing would remain outside them, or the element's end cannot
/// be found (a form not recognised): the caller then empties the whole packet.
fn sensitive_properties(packet: &[u8]) -> Option<Vec<Range<usize>>> {
    let text = std::str::from_utf8(packet).ok()?;
    // Comments and CDATA could hide or fake a tag; such packets are emptied whole.
    if text.contains("<!--") || text.contains("<![CDATA[") {
        return None;
    }
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut properties = xmp_properties(text);
    properties.sort_by_key(|(r, _, _)| r.start);
    for (m, local, attribute) in properties {
        if reveal_of(&local).is_none() || ranges.last().is_some_and(|r| r.end > m.start) {
            continue;
        }
        if attribute {
            ranges.push(m);
            continue;
        }
        let name = text.get(m.start + 1..m.end - 1)?;
        let close = format!("</{name}>");
        let tag_end = quote_aware_tag_end(text, m.start)?;
        let end = if text[..tag_end].ends_with("/>") {
            tag_end
        } else {
            tag_end + text[tag_end..].find(&close)? + close.len()
        };
        ranges.push(m.start..end);
    }
    // Nothing revealing may be left outside the ranges.
    let mut rest = packet.to_vec();
    for r in &ranges {
        rest[r.clone()].fill(b' ');
    }
    let rest = String::from_utf8_lossy(&rest);
    let (place, device) = xmp_reveals(&rest);
    (!place && device.is_empty()).then_some(ranges)
}

/// Where the tag opened at `start` ends, skipping `>` inside quoted attribute values.
fn quote_aware_tag_end(text: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(start + i + 1),
            _ => {}
        }
    }
    None
}

/// What a blanked XMP packet becomes (XMP Specification Part 1, 7.3: the packet wrapper).
const EMPTY_XMP: &[u8] = b"<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
/// Items appended after a JPEG's end that are examined (phones append two or three).
const MAX_APPENDED: usize = 64;
/// Boxes deeper than this are not looked into (real files nest a handful deep).
const MAX_DEPTH: usize = 8;

/// What a picture in memory records, by its content (JPEG, PNG, TIFF, WebP, HEIF family).
pub(super) fn examine_picture(bytes: &[u8]) -> Findings {
    let mut found = Findings::default();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes, &mut found);
        jpeg_trailer(bytes, &mut found);
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes, &mut found);
    } else if bytes.starts_with(b"MM\0*") || bytes.starts_with(b"II*\0") {
        merge(&mut found, tiff::examine(bytes), 0);
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        webp(bytes, &mut found);
    } else if is_isobmff(bytes) {
        isobmff(bytes, 0, &mut found);
    }
    found
}

/// True when `head` starts with an ISO base media `ftyp` box (HEIF, AVIF, MP4, MOV).
pub(super) fn is_isobmff(head: &[u8]) -> bool {
    // Old QuickTime files start with a movie box, not `ftyp`.
    matches!(
        head.get(4..8),
        Some(b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot" | b"uuid")
    )
}

/// The boxes of an ISO base media file (HEIF images, MP4 and MOV videos) held in memory from
/// file offset `base`: the HEIF `meta` box's EXIF and XMP items, and a movie's location boxes.
pub(super) fn isobmff(data: &[u8], base: u64, found: &mut Findings) {
    for b in boxes(data, 0..data.len()) {
        match &b.kind {
            b"meta" => heif_meta(data, base, &b, found),
            b"moov" => movie(data, base, b.payload.clone(), 0, found),
            b"uuid" if data.get(b.payload.start..b.payload.start + 16) == Some(XMP_UUID) => {
                let mut part = Findings::default();
                xmp(data, b.payload.start + 16..b.payload.end, &mut part);
                merge(found, part, base);
            }
            _ => {}
        }
    }
}

fn merge(found: &mut Findings, from: Findings, base: u64) {
    if from.location.is_some() {
        found.location = from.location;
    }
    found.unreadable_location |= from.unreadable_location;
    found.device.extend(from.device);
    found
        .patches
        .extend(from.patches.into_iter().map(|p| Patch {
            offset: p.offset + base,
            bytes: p.bytes,
        }));
    for label in from.removed {
        if !found.removed.contains(&label) {
            found.removed.push(label);
        }
    }
}

fn jpeg(bytes: &[u8], found: &mut Findings) {
    let mut pos = 2;
    while let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) {
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if matches!(marker, 0xDA | 0xD9) {
            break;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            pos += 2;
            continue;
        }
        let Some(len) = bytes.get(pos + 2..pos + 4) else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let body = pos + 4..(pos + 2 + len).min(bytes.len());
        if len < 2 || body.start > body.end {
            break;
        }
        let data = &bytes[body.clone()];
        if marker == 0xE1 && data.starts_with(b"Exif\0\0") {
            let start = body.start + 6;
            merge(found, tiff::examine(&bytes[start..body.end]), start as u64);
        } else if marker == 0xE1 && data.starts_with(XMP_ID) {
            xmp(bytes, body.start + XMP_ID.len()..body.end, found);
        } else if marker == 0xE1 && data.starts_with(XMP_EXTENSION_ID) {
            // The identifier, a 32-character GUID, the full length and this part's offset.
            let start = (body.start + XMP_EXTENSION_ID.len() + 40).min(body.end);
            xmp(bytes, start..body.end, found);
        }
        pos = body.end;
    }
}

/// What phones append after a JPEG's end: further pictures (MPF gain maps and depth maps,
/// each a JPEG with its own EXIF) and Motion Photo videos (an MP4). Each is examined where
/// it stands.
fn jpeg_trailer(bytes: &[u8], found: &mut Findings) {
    // The first scan, found segment by segment (an EXIF thumbnail holds a scan of its own).
    let mut sos = 2;
    loop {
        match (bytes.get(sos), bytes.get(sos + 1)) {
            (Some(0xFF), Some(0xDA)) => break,
            (Some(0xFF), Some(0xFF)) => sos += 1,
            (Some(0xFF), Some(0x01 | 0xD0..=0xD7)) => sos += 2,
            (Some(0xFF), Some(_)) => match bytes.get(sos + 2..sos + 4) {
                Some(l) => sos += 2 + usize::from(u16::from_be_bytes([l[0], l[1]])),
                None => return,
            },
            _ => return,
        }
    }
    // Entropy-coded data never holds FF D9 (a 0xFF there is followed by 0x00 or RSTn).
    let Some(eoi) = bytes[sos..].windows(2).position(|w| w == [0xFF, 0xD9]) else {
        return;
    };
    let trailer = sos + eoi + 2;
    // Every candidate found in one pass each; a picture appended after the end starts with
    // SOI and a marker, a video with a box whose type is `ftyp`.
    let rest = &bytes[trailer..];
    let pictures = memchr::memmem::find_iter(rest, &[0xFF, 0xD8, 0xFF]).map(|i| (i, false));
    let movies = memchr::memmem::find_iter(rest, b"ftyp")
        .filter(|&i| i >= 4)
        .map(|i| (i - 4, true));
    let mut candidates: Vec<(usize, bool)> = pictures.chain(movies).collect();
    candidates.sort_unstable();
    if candidates.len() > MAX_APPENDED {
        // More than any phone appends: something is hidden here that is not examined.
        found.unreadable_location = true;
        candidates.truncate(MAX_APPENDED);
    }
    for (offset, movie) in candidates {
        let start = trailer + offset;
        let mut part = Findings::default();
        if movie {
            isobmff(&bytes[start..], 0, &mut part);
        } else {
            jpeg(&bytes[start..], &mut part);
        }
        merge(found, part, start as u64);
    }
}

fn png(bytes: &[u8], found: &mut Findings) {
    let mut pos = 8;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let data = pos + 8..pos + 8 + len;
        if data.end + 4 > bytes.len() || kind == b"IEND" {
            break;
        }
        let mut chunk = Findings::default();
        if kind == b"eXIf" {
            merge(
                &mut chunk,
                tiff::examine(&bytes[data.clone()]),
                data.start as u64,
            );
        } else if kind == b"iTXt" && bytes[data.clone()].starts_with(b"XML:com.adobe.xmp\0\0") {
            // Keyword, NUL, compression flag 0, method 0, language, NUL, translated keyword,
            // NUL: the text starts after the fifth zero byte (only uncompressed text is read).
            let text = &bytes[data.clone()];
            let after = text
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == 0)
                .nth(4)
                .map(|(i, _)| data.start + i + 1);
            if let Some(start) = after {
                xmp(bytes, start..data.end, &mut chunk);
            }
        }
        if !chunk.patches.is_empty() {
            // The chunk's CRC covers its type and data: recompute it over the blanked data.
            let mut patched = bytes[pos + 4..data.end].to_vec();
            for p in &chunk.patches {
                let at = p.offset as usize - (pos + 4);
                patched[at..at + p.bytes.len()].copy_from_slice(&p.bytes);
            }
            let mut crc = flate2::Crc::new();
            crc.update(&patched);
            chunk.patches.push(Patch {
                offset: data.end as u64,
                bytes: crc.sum().to_be_bytes().to_vec(),
            });
        }
        merge(found, chunk, 0);
        pos = data.end + 4;
    }
}

fn webp(bytes: &[u8], found: &mut Findings) {
    let mut pos = 12;
    while let Some(head) = bytes.get(pos..pos + 8) {
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let data = pos + 8..(pos + 8 + len).min(bytes.len());
        match &head[0..4] {
            b"EXIF" => {
                let skip = if bytes[data.clone()].starts_with(b"Exif\0\0") {
                    6
                } else {
                    0
                };
                let start = data.start + skip;
                merge(found, tiff::examine(&bytes[start..data.end]), start as u64);
            }
            b"XMP " => xmp(bytes, data.clone(), found),
            _ => {}
        }
        pos = data.end + (len & 1);
    }
}

/// An XMP packet that records a GPS position is replaced by an empty one padded with spaces
/// (XMP's own padding), so readers see no properties. The position is read when written the usual way
/// (`exif:GPSLatitude="37,48.264N"`).
pub(super) fn xmp(bytes: &[u8], range: Range<usize>, found: &mut Findings) {
    let Some(packet) = bytes.get(range.clone()) else {
        return;
    };
    let text = String::from_utf8_lossy(packet);
    let (place, device) = xmp_reveals(&text);
    if !place && device.is_empty() {
        return;
    }
    for name in &device {
        found.device.push(format!("{name} (in the XMP metadata)"));
    }
    let blank = |found: &mut Findings| {
        match sensitive_properties(packet) {
            // Each revealing property is overwritten with spaces, attribute or element whole,
            // so everything else the packet says (HDR gain maps, Motion Photo offsets) stays.
            Some(ranges) => {
                for r in ranges {
                    found.patches.push(Patch {
                        offset: (range.start + r.start) as u64,
                        bytes: vec![b' '; r.len()],
                    });
                }
            }
            // A form not recognised: an empty but valid packet, padded with the whitespace
            // XMP allows, so readers see no properties rather than a damaged packet.
            None => {
                let mut empty = EMPTY_XMP.to_vec();
                if empty.len() > range.len() {
                    empty.clear();
                }
                empty.resize(range.len(), b' ');
                found.patches.push(Patch {
                    offset: range.start as u64,
                    bytes: empty,
                });
            }
        }
        let label = if place {
            "GPS location"
        } else {
            "camera serial number"
        };
        if !found.removed.iter().any(|l| l == label) {
            found.removed.push(label.into());
        }
    };
    if !place {
        blank(found);
        return;
    }
    let coordinate = |name: &str| -> Option<f64> {
        let re = regex::Regex::new(&format!(
            r#"{name}(?:="|>)\s*(\d+),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?([NSEW])"#
        ))
        .ok()?;
        let c = re.captures(&text)?;
        let deg: f64 = c[1].parse().ok()?;
        let min: f64 = c[2].parse().ok()?;
        let sec: f64 = c.get(3).map_or(Some(0.0), |s| s.as_str().parse().ok())?;
        let value = deg + min / 60.0 + sec / 3600.0;
        Some(if matches!(&c[4], "S" | "W") {
            -value
        } else {
            value
        })
    };
    match (
        coordinate("exif:GPSLatitude"),
        coordinate("exif:GPSLongitude"),
    ) {
        (Some(latitude), Some(longitude)) if found.location.is_none() => {
            found.location = Some(Location {
                latitude,
                longitude,
            })
        }
        (Some(_), Some(_)) => {}
        _ => found.unreadable_location = true,
    }
    blank(found);
}

pub(super) struct Bx {
    pub kind: [u8; 4],
    /// The whole box, header included.
    pub whole: Range<usize>,
    pub payload: Range<usize>,
}

/// The boxes laid end to end in `data[range]`; stops at the first one that does not fit.
pub(super) fn boxes(data: &[u8], range: Range<usize>) -> Vec<Bx> {
    let mut out = Vec::new();
    let mut pos = range.start;
    while let Some(head) = data.get(pos..pos + 8).filter(|_| pos + 8 <= range.end) {
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = [head[4], head[5], head[6], head[7]];
        let (header, size) = match size {
            0 => (8, (range.end - pos) as u64),
            1 => match data.get(pos + 8..pos + 16) {
                Some(l) => (16, u64::from_be_bytes(l.try_into().unwrap_or([0; 8]))),
                None => break,
            },
            s => (8, s),
        };
        let Ok(size) = usize::try_from(size) else {
            break;
        };
        let end = pos.saturating_add(size);
        if size < header || end > range.end {
            break;
        }
        out.push(Bx {
            kind,
            whole: pos..end,
            payload: pos + header..end,
        });
        pos = end;
    }
    out
}

fn be(data: &[u8], at: usize, size: usize) -> Option<u64> {
    let b = data.get(at..at + size)?;
    Some(b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

/// HEIF's `meta` box: EXIF items (a 4-byte offset to the TIFF header, then the block) and XMP
/// items (`mime` items holding RDF), found through `iinf` and located through `iloc`.
fn heif_meta(data: &[u8], base: u64, meta: &Bx, found: &mut Findings) {
    let children = boxes(data, meta.payload.start + 4..meta.payload.end);
    let mut exif_items = Vec::new();
    let mut xmp_items = Vec::new();
    if let Some(iinf) = children.iter().find(|b| &b.kind == b"iinf") {
        let p = iinf.payload.start;
        let count_size = if data.get(p) == Some(&0) { 2 } else { 4 };
        for infe in boxes(data, p + 4 + count_size..iinf.payload.end) {
            let q = infe.payload.start;
            let version = data.get(q).copied().unwrap_or(0);
            if &infe.kind != b"infe" || version < 2 {
                continue;
            }
            let id_size = if version == 2 { 2 } else { 4 };
            let Some(id) = be(data, q + 4, id_size) else {
                continue;
            };
            let kind_at = q + 4 + id_size + 2;
            match data.get(kind_at..kind_at + 4) {
                Some(b"Exif") => exif_items.push(id),
                Some(b"mime") => xmp_items.push(id),
                _ => {}
            }
        }
    }
    let idat = children
        .iter()
        .find(|b| &b.kind == b"idat")
        .map(|b| b.payload.start);
    let Some(iloc) = children.iter().find(|b| &b.kind == b"iloc") else {
        return;
    };
    for (id, extent) in iloc_extents(data, &iloc.payload, idat) {
        let Some(range) = extent.filter(|r| r.end <= data.len() && r.start < r.end) else {
            continue;
        };
        if exif_items.contains(&id) {
            let Some(offset) = be(data, range.start, 4).and_then(|o| usize::try_from(o).ok())
            else {
                continue;
            };
            let start = range.start.saturating_add(4).saturating_add(offset);
            if start < range.end {
                let block = &data[start..range.end];
                merge(found, tiff::examine(block), base + start as u64);
            }
        } else if xmp_items.contains(&id) {
            let mut part = Findings::default();
            xmp(data, range, &mut part);
            merge(found, part, base);
        }
    }
}

/// Each item's first extent in `iloc` (ISO/IEC 14496-12, 8.11.3), as a range of `data`:
/// file offsets (construction method 0) or offsets into `idat` (method 1).
fn iloc_extents(
    data: &[u8],
    payload: &Range<usize>,
    idat: Option<usize>,
) -> Vec<(u64, Option<Range<usize>>)> {
    let mut out = Vec::new();
    let p = payload.start;
    let Some(&version) = data.get(p) else {
        return out;
    };
    let (Some(&sizes), Some(&more)) = (data.get(p + 4), data.get(p + 5)) else {
        return out;
    };
    let (offset_size, length_size) = (usize::from(sizes >> 4), usize::from(sizes & 15));
    let base_size = usize::from(more >> 4);
    let index_size = if version >= 1 {
        usize::from(more & 15)
    } else {
        0
    };
    let (count, mut pos) = if version < 2 {
        (be(data, p + 6, 2), p + 8)
    } else {
        (be(data, p + 6, 4), p + 10)
    };
    let id_size = if version < 2 { 2 } else { 4 };
    for _ in 0..count.unwrap_or(0).min(10_000) {
        let Some(id) = be(data, pos, id_size) else {
            break;
        };
        pos += id_size;
        let mut method = 0;
        if version >= 1 {
            method = be(data, pos, 2).unwrap_or(0) & 15;
            pos += 2;
        }
        pos += 2; // data reference index
        let base = be(data, pos, base_size).unwrap_or(0);
        pos += base_size;
        let Some(extents) = be(data, pos, 2) else {
            break;
        };
        pos += 2;
        let mut first = None;
        for i in 0..extents {
            pos += index_size;
            let offset = be(data, pos, offset_size).unwrap_or(0);
            let length = be(data, pos + offset_size, length_size).unwrap_or(0);
            pos += offset_size + length_size;
            if i == 0 {
                let origin = match method {
                    0 => Some(0u64),
                    1 => idat.map(|i| i as u64),
                    _ => None,
                };
                first = origin.and_then(|o| {
                    let start = usize::try_from(o.checked_add(base)?.checked_add(offset)?).ok()?;
                    Some(start..start.checked_add(usize::try_from(length).ok()?)?)
                });
            }
        }
        if pos > payload.end {
            break;
        }
        out.push((id, first));
    }
    out
}

/// A movie's `moov` box held in memory from file offset `base`: location boxes (`©xyz`,
/// 3GPP `loci`) in `udta`, and Apple's location key in `meta`/`keys`/`ilst`. A box found is
/// renamed `free` (which every reader skips) and its contents zeroed.
fn movie(data: &[u8], base: u64, range: Range<usize>, depth: usize, found: &mut Findings) {
    if depth > MAX_DEPTH {
        return;
    }
    let children = boxes(data, range);
    for b in &children {
        match &b.kind {
            b"trak" | b"udta" | b"mdia" | b"minf" | b"stbl" => {
                movie(data, base, b.payload.clone(), depth + 1, found)
            }
            b"gps " => {
                // Novatek dashcams keep their GPS log index here.
                found.unreadable_location = true;
            }
            b"stsd" => {
                // A timed-metadata track of positions (GoPro GPMF, Google's camera motion
                // metadata) records a route in the video's own data, which cannot be blanked
                // in place: say so, so the packet asks and a copy is refused.
                let entries = boxes(
                    data,
                    (b.payload.start + 8).min(b.payload.end)..b.payload.end,
                );
                if entries.iter().any(|e| matches!(&e.kind, b"gpmd" | b"camm")) {
                    found.unreadable_location = true;
                }
            }
            b"XMP_" => {
                let mut part = Findings::default();
                xmp(data, b.payload.clone(), &mut part);
                merge(found, part, base);
            }
            [0xA9, b'x', b'y', b'z'] => {
                let value = data
                    .get(b.payload.start + 4..b.payload.end)
                    .map(|v| String::from_utf8_lossy(v).into_owned());
                location_box(value.and_then(|v| iso6709(&v)), data, base, b, found);
            }
            b"loci" => {
                let at = data.get(b.payload.clone()).and_then(loci);
                location_box(at, data, base, b, found);
            }
            b"meta" => {
                // QuickTime's meta is a plain box; ISO's (inside udta) has version and flags.
                let start = if data.get(b.payload.start + 4..b.payload.start + 8) == Some(b"hdlr") {
                    b.payload.start
                } else {
                    b.payload.start + 4
                };
                apple_keys(data, base, start..b.payload.end, found);
            }
            _ => {}
        }
    }
}

fn apple_keys(data: &[u8], base: u64, range: Range<usize>, found: &mut Findings) {
    let children = boxes(data, range);
    let Some(keys) = children.iter().find(|b| &b.kind == b"keys") else {
        return;
    };
    let mut index = None;
    for (i, key) in boxes(data, keys.payload.start + 8..keys.payload.end)
        .iter()
        .enumerate()
    {
        if data.get(key.payload.clone()) == Some(APPLE_LOCATION_KEY) {
            index = Some(i as u32 + 1);
        }
    }
    let (Some(index), Some(ilst)) = (index, children.iter().find(|b| &b.kind == b"ilst")) else {
        return;
    };
    for item in boxes(data, ilst.payload.clone()) {
        if u32::from_be_bytes(item.kind) != index {
            continue;
        }
        // The item's `data` box: type indicator and locale, then the ISO 6709 text.
        let value = boxes(data, item.payload.clone())
            .into_iter()
            .find(|d| &d.kind == b"data")
            .and_then(|d| data.get(d.payload.start + 8..d.payload.end))
            .map(|v| String::from_utf8_lossy(v).into_owned());
        location_box(value.and_then(|v| iso6709(&v)), data, base, &item, found);
    }
}

fn location_box(at: Option<Location>, data: &[u8], base: u64, b: &Bx, found: &mut Findings) {
    match at {
        Some(at) if found.location.is_none() => found.location = Some(at),
        Some(_) => {}
        None => found.unreadable_location = true,
    }
    found.patches.push(Patch {
        offset: base + (b.whole.start + 4) as u64,
        bytes: b"free".to_vec(),
    });
    if data.get(b.payload.clone()).is_some() {
        found.patches.push(Patch {
            offset: base + b.payload.start as u64,
            bytes: vec![0; b.payload.len()],
        });
    }
    if !found.removed.iter().any(|l| l == "GPS location") {
        found.removed.push("GPS location".into());
    }
}

/// The position in a 3GPP `loci` box (3GPP TS 26.244, 8.10): version and flags, language,
/// a NUL-terminated name, the role, then longitude, latitude and altitude as 16.16 fixed point.
fn loci(payload: &[u8]) -> Option<Location> {
    let name_end = 6 + payload.get(6..)?.iter().position(|&b| b == 0)?;
    let at = name_end + 2; // the NUL, then the role byte
    let fixed = |i: usize| -> Option<f64> {
        let b: [u8; 4] = payload.get(at + i * 4..at + i * 4 + 4)?.try_into().ok()?;
        Some(f64::from(i32::from_be_bytes(b)) / 65536.0)
    };
    let (longitude, latitude) = (fixed(0)?, fixed(1)?);
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
        Location {
            latitude,
            longitude,
        },
    )
}

/// The position in an ISO 6709 string as phones write it ("+37.8044-122.2712+010.000/"),
/// found anywhere in `text` (a `©xyz` box starts with a length and language code).
fn iso6709(text: &str) -> Option<Location> {
    let re = regex::Regex::new(r"([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)").ok()?;
    let c = re.captures(text)?;
    let latitude: f64 = c[1].parse().ok()?;
    let longitude: f64 = c[2].parse().ok()?;
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
        Location {
            latitude,
            longitude,
        },
    )
}

#[cfg(test)]
mod tests;
