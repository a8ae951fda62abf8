//! What an original file says about the person who made it, beyond what it shows: where a
//! photo or video was taken (GPS in EXIF or XMP, a movie's location box) and which device took
//! it (serial numbers, the owner's name). For our users the place is usually their home, a
//! shelter or a new workplace, and every export may be read by the person they fear.
//!
//! [`examine`] reads a file and says what it records, with the in-place patches that blank
//! exactly those bytes. A copy with the patches applied (see [`write_without`]) is the original
//! byte for byte everywhere else, so it keeps its structure and only loses what it revealed.

mod containers;
mod tiff;

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// A picture larger than this is not read into memory to be examined (real photos are far
/// smaller); it is reported as not checked.
const MAX_PICTURE_BYTES: u64 = 256 * 1024 * 1024;
/// A movie's `moov` box larger than this is not read (a phone's is a few hundred KB).
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

/// A position in decimal degrees (WGS 84, as GPS receivers record it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.4}, {:.4}", self.latitude, self.longitude)
    }
}

/// What a file records about where and with what it was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reveals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Location data without a readable position (an altitude, a GPS time, a damaged value).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable_location: bool,
    /// Device identifiers as recorded, e.g. "camera serial number C39XK2".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device: Vec<String>,
    /// The file could not be checked (too large, unreadable): treat it as possibly revealing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_checked: bool,
    /// Which version of this examination found it: a remembered result from an older one
    /// (which knew fewer places metadata hides in) is examined again.
    #[serde(default)]
    pub examiner: u32,
}

/// Raised whenever `examine` learns to find something it did not before.
pub const EXAMINER_VERSION: u32 = 2;

impl Reveals {
    /// True when an export of the original may hand over a place: it records one, or it could
    /// not be checked.
    pub fn records_location(&self) -> bool {
        self.location.is_some() || self.unreadable_location || self.not_checked
    }

    pub fn is_empty(&self) -> bool {
        !self.records_location() && self.device.is_empty() && !self.not_checked
    }

    /// Plain sentences for a person, e.g. "This photo records where it was taken: 37.8044,
    /// -122.2712." `noun` is "photo", "video" or "file".
    pub fn sentences(&self, noun: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(at) = self.location {
            out.push(format!("This {noun} records where it was taken: {at}."));
        } else if self.unreadable_location {
            out.push(format!(
                "This {noun} holds location (GPS) data that Daybook cannot read as a place."
            ));
        }
        if !self.device.is_empty() {
            out.push(format!(
                "This {noun} records the device that made it: {}.",
                self.device.join("; ")
            ));
        }
        if self.not_checked {
            out.push(format!(
                "Daybook could not check whether this {noun} records a location."
            ));
        }
        out
    }
}

/// Bytes to write over the original at `offset` (same length: nothing moves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What [`examine`] found, and how to remove it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Examination {
    pub reveals: Reveals,
    /// Applied in order, these blank the location and device data in place.
    pub patches: Vec<Patch>,
    /// What the patches remove, in plain words ("GPS location", "camera serial number").
    pub removed: Vec<String>,
}

/// A reader that can step over bytes it does not need: a file seeks, a decrypting stream reads
/// and drops them.
pub trait Skip: Read {
    fn skip(&mut self, n: u64) -> io::Result<()>;
}

impl Skip for io::BufReader<std::fs::File> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        self.seek_relative(i64::try_from(n).map_err(io::Error::other)?)
    }
}

/// Any reader, stepping over bytes by reading them.
pub struct Forward<R>(pub R);

impl<R: Read> Read for Forward<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Skip for Forward<R> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.0).take(n), &mut io::sink())?;
        if copied < n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Reads a whole file from `r`. A movie (an ISO base media file that is not a HEIF picture)
/// is walked box by box, reading only its `moov` box; anything else is read into memory (up to
/// [`MAX_PICTURE_BYTES`]) and examined by its format.
pub fn examine(r: &mut dyn Skip) -> io::Result<Examination> {
    let mut head = Vec::with_capacity(32);
    (&mut *r).take(32).read_to_end(&mut head)?;
    if containers::is_isobmff(&head) && !is_heif_brand(&head) {
        return examine_movie(r, head);
    }
    let mut bytes = head;
    let known = bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"II*\0")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
        || containers::is_isobmff(&bytes);
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // A JPEG keeps its metadata before the image data, but phones append more pictures
        // and videos after its end, each with metadata of its own: read it all.
        (&mut *r).take(MAX_PICTURE_BYTES).read_to_end(&mut bytes)?;
        if bytes.len() as u64 >= MAX_PICTURE_BYTES {
            return Ok(not_checked());
        }
        return Ok(examine_bytes(&bytes));
    }
    if !known {
        // GIF, BMP and icons hold no location; anything else Daybook does not read (other
        // video containers, JPEG XL, JPEG 2000, Photoshop files) might: not checked.
        let plain = bytes.starts_with(b"GIF8")
            || bytes.starts_with(b"BM")
            || bytes.starts_with(&[0, 0, 1, 0]);
        return Ok(if plain {
            into_examination(tiff::Findings::default())
        } else {
            not_checked()
        });
    }
    (&mut *r).take(MAX_PICTURE_BYTES).read_to_end(&mut bytes)?;
    if bytes.len() as u64 >= MAX_PICTURE_BYTES {
        return Ok(not_checked());
    }
    Ok(examine_bytes(&bytes))
}

/// What `r` reveals, for a person to be told: a file that cannot be read to the end counts as
/// not checked (and, with no examiner version, is looked at again next time).
pub fn reveals_of(r: &mut dyn Skip) -> Reveals {
    examine(r).map_or_else(
        |_| Reveals {
            not_checked: true,
            ..Reveals::default()
        },
        |found| found.reveals,
    )
}

/// Examines a whole file already in memory.
pub fn examine_bytes(bytes: &[u8]) -> Examination {
    let found = containers::examine_picture(bytes);
    into_examination(found)
}

fn not_checked() -> Examination {
    Examination {
        reveals: Reveals {
            not_checked: true,
            examiner: EXAMINER_VERSION,
            ..Reveals::default()
        },
        ..Examination::default()
    }
}

fn into_examination(found: tiff::Findings) -> Examination {
    Examination {
        reveals: Reveals {
            location: found.location,
            unreadable_location: found.unreadable_location && found.location.is_none(),
            device: found.device,
            not_checked: false,
            examiner: EXAMINER_VERSION,
        },
        patches: found.patches,
        removed: found.removed,
    }
}

/// HEIF-family brands (HEIC, HEIF, AVIF pictures): their metadata is in a top-level `meta`
/// box that points into the rest of the file, so they are read whole like other pictures.
fn is_heif_brand(head: &[u8]) -> bool {
    const HEIF: [&[u8]; 12] = [
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"miaf", b"avif",
        b"avis", b"MiHE",
    ];
    // The major brand, then the compatible brands that fit in what was read (a HEIF file may
    // name another major brand and list mif1 among the compatible ones).
    let size = head
        .get(0..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let end = size.min(head.len());
    let major = head.get(8..12).into_iter();
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    major.chain(compatible).any(|brand| HEIF.contains(&brand))
}

fn examine_movie(r: &mut dyn Skip, head: Vec<u8>) -> io::Result<Examination> {
    let mut found = tiff::Findings::default();
    let mut pending = head;
    let mut offset = 0u64;
    loop {
        // The next box header, from what is already read and then from the reader.
        if pending.len() < 16 {
            let need = 16 - pending.len();
            (&mut *r).take(need as u64).read_to_end(&mut pending)?;
        }
        if pending.len() < 8 {
            break;
        }
        let size = u64::from(u32::from_be_bytes([
            pending[0], pending[1], pending[2], pending[3],
        ]));
        let kind = [pending[4], pending[5], pending[6], pending[7]];
        let (header, size) = match size {
            0 => break, // the last box runs to the end of the file: nothing after it
            1 if pending.len() >= 16 => (
                16u64,
                u64::from_be_bytes(pending[8..16].try_into().unwrap_or([0; 8])),
            ),
            1 => break,
            s => (8, s),
        };
        if size < header {
            break;
        }
        // Dashcams write their GPS log as a top-level box of its own.
        if &kind == b"gps " || &kind == b"GPS " {
            found.unreadable_location = true;
        }
        // XMP lives in a `uuid` box; a large one is something else (never XMP) and is skipped.
        let xmp_sized = &kind == b"uuid" && size <= MAX_MOOV_BYTES;
        if &kind == b"moov" || &kind == b"meta" || xmp_sized {
            if size > MAX_MOOV_BYTES {
                return Ok(not_checked());
            }
            let mut whole = std::mem::take(&mut pending);
            if whole.len() as u64 > size {
                // The next box's header is already read: keep it for the next turn.
                pending = whole.split_off(size as usize);
            }
            let have = whole.len() as u64;
            (&mut *r).take(size - have).read_to_end(&mut whole)?;
            if (whole.len() as u64) < size {
                // A cut-off file: what is there is examined, and it counts as not checked.
                containers::isobmff(&whole, offset, &mut found);
                let mut cut = into_examination(found);
                cut.reveals.not_checked = true;
                return Ok(cut);
            }
            containers::isobmff(&whole, offset, &mut found);
        } else {
            let have = pending.len() as u64;
            if have >= size {
                pending.drain(..size as usize);
            } else {
                pending.clear();
                match r.skip(size - have) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
        }
        offset += size;
    }
    Ok(into_examination(found))
}

/// Writes `patches` over the bytes at their offsets as a stream goes by.
struct Patcher {
    patches: Vec<Patch>,
    position: u64,
}

impl Patcher {
    fn new(patches: &[Patch]) -> Self {
        let mut patches = patches.to_vec();
        patches.sort_by_key(|p| p.offset);
        Self {
            patches,
            position: 0,
        }
    }

    /// Patches `chunk`, the next bytes of the stream.
    fn apply(&mut self, chunk: &mut [u8]) {
        let end = self.position + chunk.len() as u64;
        for p in &self.patches {
            let (start, stop) = (p.offset, p.offset + p.bytes.len() as u64);
            if stop <= self.position || start >= end {
                continue;
            }
            let from = start.max(self.position);
            let to = stop.min(end);
            let dst = (from - self.position) as usize..(to - self.position) as usize;
            let src = (from - start) as usize..(to - start) as usize;
            chunk[dst].copy_from_slice(&p.bytes[src]);
        }
        self.position = end;
    }
}

/// A reader whose bytes come out with `patches` applied: the copy "without location", read.
pub struct PatchReader<R> {
    inner: R,
    patcher: Patcher,
}

impl<R: Read> PatchReader<R> {
    pub fn new(inner: R, patches: &[Patch]) -> Self {
        Self {
            inner,
            patcher: Patcher::new(patches),
        }
    }
}

impl<R: Read> Read for PatchReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.patcher.apply(&mut buf[..n]);
        Ok(n)
    }
}

/// A writer that applies `patches` to what goes through it: the copy "without location",
/// written straight from the decrypting stream (a video is never held in memory).
pub struct PatchWriter<W> {
    inner: W,
    patcher: Patcher,
    buf: Vec<u8>,
}

impl<W: Write> PatchWriter<W> {
    pub fn new(inner: W, patches: &[Patch]) -> Self {
        Self {
            inner,
            patcher: Patcher::new(patches),
            buf: Vec::new(),
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.patcher.position
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for PatchWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.clear();
        self.buf.extend_from_slice(data);
        self.patcher.apply(&mut self.buf);
        self.inner.write_all(&self.buf)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `r` to `out` with `patches` written over it: the copy "without location".
pub fn write_without(r: &mut dyn Read, patches: &[Patch], out: &mut dyn Write) -> io::Result<u64> {
    let mut writer = PatchWriter::new(out, patches);
    io::copy(r, &mut writer)?;
    Ok(writer.written())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `moov` box whose `udta` holds a `©xyz` location, as Android phones write it.
    fn moov_with_location() -> Vec<u8> {
        let xyz = b"\0\x1a\x15\xc7+37.8044-122.2712+010.000/";
        let xyz_box = [&(8 + xyz.len() as u32).to_be_bytes()[..], b"\xa9xyz", xyz].concat();
        let udta = [
            &(8 + xyz_box.len() as u32).to_be_bytes()[..],
            b"udta",
            &xyz_box,
        ]
        .concat();
        [&(8 + udta.len() as u32).to_be_bytes()[..], b"moov", &udta].concat()
    }

    fn jpeg_with_exif(tiff: &[u8]) -> Vec<u8> {
        let mut body = b"Exif\0\0".to_vec();
        body.extend_from_slice(tiff);
        let len = u16::try_from(body.len() + 2).expect("short");
        [
            &[0xFF, 0xD8, 0xFF, 0xE1][..],
            &len.to_be_bytes(),
            &body,
            &[0xFF, 0xDA, 0, 2, 1, 2, 3, 0xFF, 0xD9],
        ]
        .concat()
    }

    #[test]
    fn a_jpeg_with_gps_is_found_and_its_copy_finds_nothing() {
        let original = jpeg_with_exif(&tiff::tests::exif_with_gps());
        let found = examine(&mut Forward(&original[..])).expect("examine");
        assert!(found.reveals.records_location());
        assert_eq!(
            found.reveals.sentences("photo")[0],
            "This photo records where it was taken: 37.8044, -122.2712."
        );
        let mut copy = Vec::new();
        // A small reader buffer: patches must land across chunk boundaries too.
        let written = write_without(&mut (&original[..]), &found.patches, &mut copy).expect("copy");
        assert_eq!(written, original.len() as u64);
        assert_eq!(copy.len(), original.len());
        assert!(examine_bytes(&copy).reveals.is_empty());
        // Only bytes inside the patches changed.
        for (i, (a, b)) in original.iter().zip(&copy).enumerate() {
            if a != b {
                assert!(found
                    .patches
                    .iter()
                    .any(|p| (p.offset..p.offset + p.bytes.len() as u64).contains(&(i as u64))));
            }
        }
    }

    #[test]
    fn pictures_and_videos_appended_after_a_jpeg_are_examined_too() {
        let primary = [&[0xFF, 0xD8][..], &[0xFF, 0xDA, 0, 2, 9, 9, 0xFF, 0xD9]].concat();
        let gain_map = jpeg_with_exif(&tiff::tests::exif_with_gps());
        let with_map = [&primary[..], &gain_map].concat();
        let found = examine_bytes(&with_map);
        assert!(found.reveals.location.is_some(), "{found:?}");
        let mut copy = Vec::new();
        write_without(&mut &with_map[..], &found.patches, &mut copy).expect("copy");
        assert!(examine_bytes(&copy).reveals.is_empty());
        assert_eq!(
            copy[..primary.len()],
            primary[..],
            "the primary picture is untouched"
        );

        let moov = moov_with_location();
        let motion = [
            &primary[..],
            &20u32.to_be_bytes(),
            b"ftypmp42\0\0\0\0mp42",
            &moov,
        ]
        .concat();
        assert!(examine_bytes(&motion).reveals.location.is_some());
    }

    /// Thousands of damaged variants of files that hold a location (bytes changed, cut short):
    /// examining never panics, every patch lies inside the file, a copy keeps its length.
    #[test]
    fn damaged_files_never_panic_and_patches_stay_inside() {
        let gps_jpeg = jpeg_with_exif(&tiff::tests::exif_with_gps());
        let movie = [
            &20u32.to_be_bytes()[..],
            b"ftypqt  \0\0\0\0qt  ",
            &moov_with_location(),
        ]
        .concat();
        let motion = [&gps_jpeg[..], &movie].concat();
        let tiff_file = tiff::tests::exif_with_gps();
        let mut seed = 0x9E37_79B9_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize
        };
        for sample in [&gps_jpeg, &movie, &motion, &tiff_file] {
            for round in 0..2_000 {
                let mut bytes = sample.clone();
                for _ in 0..1 + round % 4 {
                    let at = next() % bytes.len();
                    bytes[at] = next() as u8;
                }
                if round % 5 == 0 {
                    bytes.truncate(next() % bytes.len());
                }
                let found = examine_bytes(&bytes);
                for p in &found.patches {
                    assert!(p.offset as usize + p.bytes.len() <= bytes.len(), "{p:?}");
                }
                let mut copy = Vec::new();
                write_without(&mut &bytes[..], &found.patches, &mut copy).expect("copy");
                assert_eq!(copy.len(), bytes.len());
                let streamed = examine(&mut Forward(&bytes[..])).expect("examine");
                assert_eq!(
                    streamed.reveals.records_location(),
                    found.reveals.records_location() || streamed.reveals.not_checked
                );
            }
        }
    }

    #[test]
    fn a_gps_track_in_a_video_counts_as_location_that_cannot_be_removed() {
        let entry = [&16u32.to_be_bytes()[..], b"gpmd", &[0u8; 8]].concat();
        let stsd = [
            &(16 + entry.len() as u32).to_be_bytes()[..],
            b"stsd",
            &[0, 0, 0, 0, 0, 0, 0, 1],
            &entry,
        ]
        .concat();
        let mut nested = stsd;
        for kind in [b"stbl", b"minf", b"mdia", b"trak", b"moov"] {
            nested = [
                &(8 + nested.len() as u32).to_be_bytes()[..],
                &kind[..],
                &nested,
            ]
            .concat();
        }
        let movie = [&20u32.to_be_bytes()[..], b"ftypmp42\0\0\0\0mp42", &nested].concat();
        let found = examine(&mut Forward(&movie[..])).expect("examine");
        assert!(
            found.reveals.unreadable_location && found.patches.is_empty(),
            "{found:?}"
        );
        assert!(found.reveals.records_location());
    }

    #[test]
    fn a_movie_location_box_is_found_past_a_large_mdat() {
        let mut movie = Vec::new();
        movie.extend_from_slice(&20u32.to_be_bytes());
        movie.extend_from_slice(b"ftypqt  \0\0\0\0qt  ");
        movie.extend_from_slice(&(8u32 + 100_000).to_be_bytes());
        movie.extend_from_slice(b"mdat");
        movie.extend(std::iter::repeat_n(7u8, 100_000));
        let moov = moov_with_location();
        movie.extend_from_slice(&moov);
        let found = examine(&mut Forward(&movie[..])).expect("examine");
        let at = found.reveals.location.expect("location");
        assert_eq!((at.latitude, at.longitude), (37.8044, -122.2712));
        let mut copy = Vec::new();
        write_without(&mut (&movie[..]), &found.patches, &mut copy).expect("copy");
        let again = examine(&mut Forward(&copy[..])).expect("examine");
        assert!(again.reveals.is_empty(), "{again:?}");
        assert!(copy.windows(4).any(|w| w == b"free"));
    }
}
