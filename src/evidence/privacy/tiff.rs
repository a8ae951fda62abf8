//! The parts of a TIFF-structured block (a photo's EXIF, or a whole TIFF file) that say where a
//! picture was taken or which device took it, and how to blank them where they stand.
//!
//! Blanking in place (never moving a byte) is what lets a copy "without location" stay
//! byte-identical to the original everywhere else: every offset in the file stays valid, so
//! nothing else needs rewriting. Tags from TIFF 6.0 and CIPA DC-008 (Exif 2.32).

use std::ops::Range;

use super::{Location, Patch};

/// IFD0 pointers to the Exif and GPS IFDs (Exif 2.32, 4.6.3).
const EXIF_IFD: u16 = 0x8769;
const GPS_IFD: u16 = 0x8825;
/// Exif IFD tags that identify a device or its owner (Exif 2.32, 4.6.5), and DNG's
/// CameraSerialNumber, which raw files keep in IFD0.
const DEVICE_TAGS: [(u16, &str); 4] = [
    (0xA431, "camera serial number"),
    (0xA435, "lens serial number"),
    (0xA430, "camera owner's name"),
    (0xC62F, "camera serial number"),
];
/// A camera maker's private block; Canon, Nikon and others keep serial numbers in it.
const MAKER_NOTE: u16 = 0x927C;
/// More entries than any real IFD has: a crafted count stops here.
const MAX_ENTRIES: usize = 4096;

/// What one TIFF block records, with the patches (relative to the block's start) that blank it.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub location: Option<Location>,
    /// GPS data without a readable position (only an altitude or a time, a damaged value).
    pub unreadable_location: bool,
    /// Plain labels with the value as recorded, e.g. "camera serial number C39XK2".
    pub device: Vec<String>,
    pub patches: Vec<Patch>,
    pub removed: Vec<String>,
}

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// Where the 12-byte entry itself is.
    at: usize,
    /// Where its value is (inside the entry when it fits in 4 bytes).
    value: Range<usize>,
}

struct Tiff<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl<'a> Tiff<'a> {
    fn new(data: &'a [u8]) -> Option<Self> {
        let big_endian = match data.get(0..4)? {
            b"MM\0*" => true,
            b"II*\0" => false,
            _ => return None,
        };
        Some(Self { data, big_endian })
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.data.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The entries of the IFD at `offset`; an IFD that does not fit in the block is empty.
    fn entries(&self, offset: usize) -> Vec<Entry> {
        let Some(count) = self.u16_at(offset).map(usize::from) else {
            return Vec::new();
        };
        (0..count.min(MAX_ENTRIES))
            .map_while(|i| {
                let at = offset + 2 + i * 12;
                let tag = self.u16_at(at)?;
                let kind = self.u16_at(at + 2)?;
                let count = self.u32_at(at + 4)?;
                let size = usize::try_from(count).ok()?.checked_mul(type_size(kind))?;
                let value = if size <= 4 {
                    at + 8..at + 8 + size
                } else {
                    let start = usize::try_from(self.u32_at(at + 8)?).ok()?;
                    start..start.checked_add(size)?
                };
                Some(Entry {
                    tag,
                    kind,
                    count,
                    at,
                    value,
                })
            })
            .collect()
    }

    fn pointer(&self, entries: &[Entry], tag: u16) -> Option<usize> {
        let e = entries.iter().find(|e| e.tag == tag && e.count == 1)?;
        usize::try_from(self.u32_at(e.value.start)?).ok()
    }

    fn text(&self, range: &Range<usize>) -> Option<String> {
        let bytes = self.data.get(range.clone())?;
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        (!text.is_empty()).then(|| text.to_string())
    }

    /// Degrees, minutes and seconds as three RATIONALs.
    fn degrees(&self, entry: &Entry) -> Option<f64> {
        if entry.kind != 5 || entry.count != 3 {
            return None;
        }
        let mut parts = [0f64; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            let at = entry.value.start + i * 8;
            let (num, den) = (self.u32_at(at)?, self.u32_at(at + 4)?);
            if den == 0 {
                return None;
            }
            *part = f64::from(num) / f64::from(den);
        }
        Some(parts[0] + parts[1] / 60.0 + parts[2] / 3600.0)
    }
}

fn type_size(kind: u16) -> usize {
    match kind {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 1, // BYTE, ASCII, SBYTE, UNDEFINED and unknown types
    }
}

/// Reads `block` (starting with the TIFF header) for a location and device identifiers.
pub(super) fn examine(block: &[u8]) -> Findings {
    let mut found = Findings::default();
    let Some(tiff) = Tiff::new(block) else {
        return found;
    };
    let Some(ifd0) = tiff.u32_at(4).and_then(|o| usize::try_from(o).ok()) else {
        return found;
    };
    let ifd0_entries = tiff.entries(ifd0);
    if let Some(gps) = tiff.pointer(&ifd0_entries, GPS_IFD) {
        gps_ifd(&tiff, gps, &mut found);
    }
    let mut device_entries: Vec<Entry> = ifd0_entries;
    if let Some(exif) = tiff.pointer(&device_entries, EXIF_IFD) {
        let exif_entries = tiff.entries(exif);
        device_entries.extend(exif_entries);
    }
    for entry in &device_entries {
        if let Some((_, label)) = DEVICE_TAGS.iter().find(|(tag, _)| *tag == entry.tag) {
            if let Some(value) = tiff.text(&entry.value) {
                found.device.push(format!("{label} {value}"));
                blank(block, &entry.value, &mut found.patches);
                push_once(&mut found.removed, label);
            }
        }
        if entry.tag == MAKER_NOTE && !entry.value.is_empty() {
            blank(block, &entry.value, &mut found.patches);
            push_once(
                &mut found.removed,
                "the camera maker's private notes (which can hold serial numbers)",
            );
        }
    }
    found
}

/// The GPS IFD: its position, and patches that empty it (entry count 0, entries and their
/// values zeroed). The pointer to it stays, pointing at an IFD with nothing in it.
fn gps_ifd(tiff: &Tiff<'_>, offset: usize, found: &mut Findings) {
    let entries = tiff.entries(offset);
    if entries.is_empty() {
        return;
    }
    // Version and processing tags alone (some phones write them with location off) say
    // nothing of a place; any position, altitude, time, speed, direction or area does.
    if !entries
        .iter()
        .any(|e| matches!(e.tag, 1..=6 | 7 | 0x0D..=0x11 | 0x13..=0x1A | 0x1C | 0x1D))
    {
        return;
    }
    let get = |tag: u16| entries.iter().find(|e| e.tag == tag);
    let reference = |tag: u16| get(tag).and_then(|e| tiff.text(&e.value));
    let latitude = get(2).and_then(|e| tiff.degrees(e));
    let longitude = get(4).and_then(|e| tiff.degrees(e));
    if let (Some(lat), Some(lon)) = (latitude, longitude) {
        let lat = if reference(1).as_deref() == Some("S") {
            -lat
        } else {
            lat
        };
        let lon = if reference(3).as_deref() == Some("W") {
            -lon
        } else {
            lon
        };
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            found.location = Some(Location {
                latitude: lat,
                longitude: lon,
            });
        } else {
            found.unreadable_location = true;
        }
    } else {
        // Still location data: removed all the same, and said plainly.
        found.unreadable_location = true;
    }
    let mut patches = vec![Patch {
        offset: offset as u64,
        bytes: vec![0; 2],
    }];
    let table = offset + 2..offset + 2 + entries.len() * 12;
    blank(tiff.data, &table, &mut patches);
    for entry in &entries {
        if !table.contains(&entry.value.start) {
            blank(tiff.data, &entry.value, &mut patches);
        }
    }
    debug_assert!(entries.iter().all(|e| table.contains(&e.at)));
    found.patches.extend(patches);
    push_once(&mut found.removed, "GPS location");
}

/// Zeroes `range` of `block`, if it lies inside it.
fn blank(block: &[u8], range: &Range<usize>, patches: &mut Vec<Patch>) {
    if range.end <= block.len() && !range.is_empty() {
        patches.push(Patch {
            offset: range.start as u64,
            bytes: vec![0; range.len()],
        });
    }
}

fn push_once(list: &mut Vec<String>, label: &str) {
    if !list.iter().any(|l| l == label) {
        list.push(label.to_string());
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A big-endian EXIF block: IFD0 with pointers to an Exif IFD (body serial number) and a
    /// GPS IFD at 37deg 48' 15.84" N, 122deg 16' 16.32" W.
    pub(crate) fn exif_with_gps() -> Vec<u8> {
        let mut t = b"MM\0*\0\0\0\x08".to_vec();
        let entry = |tag: u16, kind: u16, count: u32, value: u32| {
            [
                tag.to_be_bytes().as_slice(),
                &kind.to_be_bytes(),
                &count.to_be_bytes(),
                &value.to_be_bytes(),
            ]
            .concat()
        };
        // IFD0 at 8: two entries -> 2 + 24 + 4 = 30 bytes, ends at 38.
        t.extend_from_slice(&2u16.to_be_bytes());
        t.extend(entry(EXIF_IFD, 4, 1, 38));
        t.extend(entry(GPS_IFD, 4, 1, 68));
        t.extend_from_slice(&[0; 4]);
        // Exif IFD at 38: one entry (serial, ASCII 8 at 56) -> ends at 56, then 8 bytes + pad.
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend(entry(0xA431, 2, 8, 56));
        t.extend_from_slice(&[0; 4]);
        t.extend_from_slice(b"C39XK2P\0");
        t.extend_from_slice(&[0; 4]); // to 68
                                      // GPS IFD at 68: four entries -> 2 + 48 + 4 = 54, ends at 122; rationals follow.
        t.extend_from_slice(&4u16.to_be_bytes());
        t.extend(entry(1, 2, 2, u32::from_be_bytes(*b"N\0\0\0")));
        t.extend(entry(2, 5, 3, 122));
        t.extend(entry(3, 2, 2, u32::from_be_bytes(*b"W\0\0\0")));
        t.extend(entry(4, 5, 3, 146));
        t.extend_from_slice(&[0; 4]);
        for (num, den) in [
            (37, 1),
            (48, 1),
            (1584, 100),
            (122, 1),
            (16, 1),
            (1632, 100),
        ] {
            t.extend_from_slice(&u32::to_be_bytes(num));
            t.extend_from_slice(&u32::to_be_bytes(den));
        }
        t
    }

    pub(crate) fn apply(block: &[u8], patches: &[Patch]) -> Vec<u8> {
        let mut out = block.to_vec();
        for p in patches {
            let at = p.offset as usize;
            out[at..at + p.bytes.len()].copy_from_slice(&p.bytes);
        }
        out
    }

    #[test]
    fn finds_the_position_and_the_serial_number() {
        let found = examine(&exif_with_gps());
        let at = found.location.expect("location");
        assert!((at.latitude - 37.8044).abs() < 1e-4, "{at:?}");
        assert!((at.longitude + 122.2712).abs() < 1e-4, "{at:?}");
        assert_eq!(found.device, ["camera serial number C39XK2P"]);
        assert_eq!(found.removed, ["GPS location", "camera serial number"]);
    }

    #[test]
    fn blanking_leaves_nothing_to_find_and_every_other_byte_in_place() {
        let block = exif_with_gps();
        let found = examine(&block);
        let clean = apply(&block, &found.patches);
        assert_eq!(clean.len(), block.len());
        let again = examine(&clean);
        assert_eq!(again.location, None);
        assert!(again.device.is_empty());
        // The header, IFD0 (with its pointers) and the Exif IFD's table are untouched.
        assert_eq!(clean[..56], block[..56]);
        // kamadak-exif, an independent reader, finds no GPS field either.
        let exif = exif::Reader::new()
            .read_raw(clean)
            .expect("still a valid EXIF block");
        assert!(exif.fields().all(|f| f.ifd_num != exif::In::PRIMARY
            || !matches!(f.tag, exif::Tag::GPSLatitude | exif::Tag::GPSLongitude)));
    }

    #[test]
    fn hostile_blocks_find_nothing_and_do_not_panic() {
        assert_eq!(examine(b"").location, None);
        assert_eq!(examine(b"MM\0*\xFF\xFF\xFF\xFF").location, None);
        let mut block = exif_with_gps();
        block[69] = 0xFF; // GPS entry count 0x00FF: entries run off the end
        let found = examine(&block);
        assert!(found
            .patches
            .iter()
            .all(|p| p.offset as usize + p.bytes.len() <= block.len()));
    }
}
