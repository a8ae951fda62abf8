//! Finding a picture's Exif block without reading the picture.
//!
//! kamadak-exif's container reader looks for JPEG markers by scanning every byte up to EOI, and
//! reads a PNG's image data to step over it: about 0.45 ms per MB, most of the time spent
//! checking a batch of screenshots before import. Here a JPEG is walked segment by segment and
//! stops at the first SOS, and a PNG chunk by chunk with a seek over each chunk's data; the
//! block found is handed to `exif::Reader::read_raw`, which parses it as before.

use std::io::{self, BufReader, Read, Seek};

/// Exif APP1 segments start with this identifier (CIPA DC-008, Exif 2.32, 4.5.4).
const EXIF_ID: &[u8] = b"Exif\0\0";
/// A PNG eXIf chunk larger than this is not read (a JPEG segment cannot exceed 64 KiB either).
const MAX_PNG_EXIF: u32 = 1 << 20;
/// Segments or chunks looked at before giving up. Real JPEG headers have a few dozen segments
/// and a 30 MB PNG a few thousand chunks; a crafted file of empty ones would otherwise keep the
/// walk (and the import waiting on it) busy for minutes.
const MAX_STEPS: usize = 100_000;

/// The TIFF-structured Exif block of a JPEG: the payload of its APP1 "Exif" segment. Exif
/// records that segment right after SOI and before the image data, so the walk ends at the
/// first SOS (start of scan) or EOI.
///
/// Steps use `seek_relative`, which keeps the reader's buffer when the target is inside it (a
/// plain `seek` would drop it and read again for every segment).
pub(super) fn jpeg<R: Read + Seek>(r: &mut BufReader<R>) -> io::Result<Option<Vec<u8>>> {
    if read_array::<2, _>(r)? != [0xFF, 0xD8] {
        return Ok(None);
    }
    for _ in 0..MAX_STEPS {
        if read_array::<1, _>(r)? != [0xFF] {
            return Ok(None); // out of sync: not a well-formed header
        }
        let mut code = read_array::<1, _>(r)?[0];
        while code == 0xFF {
            code = read_array::<1, _>(r)?[0]; // fill bytes before a marker
        }
        match code {
            0xDA | 0xD9 => return Ok(None), // SOS, EOI: no Exif before the image data
            0x01 | 0xD0..=0xD7 => continue, // TEM, RSTn: markers without a segment
            _ => {}
        }
        let len = u16::from_be_bytes(read_array(r)?);
        let Some(len) = len.checked_sub(2) else {
            return Ok(None);
        };
        if code == 0xE1 {
            let mut segment = vec![0u8; usize::from(len)];
            r.read_exact(&mut segment)?;
            if segment.starts_with(EXIF_ID) {
                segment.drain(..EXIF_ID.len());
                return Ok(Some(segment));
            }
        } else {
            r.seek_relative(i64::from(len))?;
        }
    }
    Ok(None)
}

/// The Exif block of a PNG: the data of its eXIf chunk, which may come before or after the
/// image data (libpng writes it after), so every chunk header is read up to IEND.
pub(super) fn png<R: Read + Seek>(r: &mut BufReader<R>) -> io::Result<Option<Vec<u8>>> {
    if read_array::<8, _>(r)? != *b"\x89PNG\r\n\x1a\n" {
        return Ok(None);
    }
    for _ in 0..MAX_STEPS {
        let len = u32::from_be_bytes(read_array(r)?);
        let kind = read_array::<4, _>(r)?;
        match &kind {
            b"eXIf" if len <= MAX_PNG_EXIF => {
                let mut data = vec![0u8; len as usize];
                r.read_exact(&mut data)?;
                return Ok(Some(data));
            }
            b"IEND" => return Ok(None),
            // The chunk's data and its CRC.
            _ => r.seek_relative(i64::from(len) + 4)?,
        };
    }
    Ok(None)
}

fn read_array<const N: usize, R: Read>(r: &mut R) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    r.read_exact(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn reader(bytes: &[u8]) -> BufReader<Cursor<&[u8]>> {
        BufReader::new(Cursor::new(bytes))
    }

    #[test]
    fn files_of_empty_segments_or_chunks_stop_after_max_steps() {
        let mut jpeg_file = vec![0xFF, 0xD8];
        for _ in 0..MAX_STEPS + 10 {
            jpeg_file.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x02]);
        }
        jpeg_file.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x08]);
        jpeg_file.extend_from_slice(EXIF_ID);
        assert_eq!(jpeg(&mut reader(&jpeg_file)).unwrap(), None);
        let mut png_file = b"\x89PNG\r\n\x1a\n".to_vec();
        for _ in 0..MAX_STEPS + 10 {
            png_file.extend_from_slice(b"\0\0\0\0tEXt\0\0\0\0");
        }
        png_file.extend_from_slice(b"\0\0\0\x04eXIftiny\0\0\0\0");
        assert_eq!(png(&mut reader(&png_file)).unwrap(), None);
        // Below the cap the same walks find the block.
        let short = [
            &jpeg_file[..2 + 4 * 100],
            &jpeg_file[jpeg_file.len() - 10..],
        ]
        .concat();
        assert_eq!(jpeg(&mut reader(&short)).unwrap(), Some(Vec::new()));
    }

    fn tiff_of_sample_photo() -> Vec<u8> {
        let photo = crate::demo::sample_photo(1, "2026:05:02 14:03:11");
        jpeg(&mut reader(&photo))
            .unwrap()
            .expect("the sample photo has Exif")
    }

    fn capture_time(block: Vec<u8>) -> String {
        let exif = exif::Reader::new().read_raw(block).unwrap();
        let field = exif
            .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
            .unwrap();
        field.display_value().to_string()
    }

    fn png_with_chunk_after(after: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let png = crate::demo::sample_png(2);
        let at = png
            .windows(4)
            .position(|w| w == after)
            .expect("chunk present")
            - 4;
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let end = at + 12 + len;
        let mut out = png[..end].to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0, 0, 0, 0]); // CRC: not checked by the walk
        out.extend_from_slice(&png[end..]);
        out
    }

    #[test]
    fn a_jpeg_block_is_the_app1_exif_payload_and_parses() {
        let block = tiff_of_sample_photo();
        assert!(block.starts_with(b"II*\0") || block.starts_with(b"MM\0*"));
        assert_eq!(capture_time(block), "2026-05-02 14:03:11");
    }

    #[test]
    fn a_jpeg_walk_stops_at_the_image_data() {
        // Exif bytes inside the compressed data (after SOS) are picture data, not metadata.
        let tiff = tiff_of_sample_photo();
        let mut fake = vec![0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 2, 3, 4, 5, 6];
        fake.extend_from_slice(&[0xFF, 0xE1]);
        fake.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
        fake.extend_from_slice(EXIF_ID);
        fake.extend_from_slice(&tiff);
        fake.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(jpeg(&mut reader(&fake)).unwrap(), None);
        // Fill bytes and an APP0 segment before the APP1 are stepped over.
        let mut ok = vec![0xFF, 0xD8, 0xFF, 0xFF, 0xE0, 0x00, 0x04, 0xAB, 0xCD];
        ok.extend_from_slice(&fake[12..]);
        assert_eq!(jpeg(&mut reader(&ok)).unwrap(), Some(tiff));
    }

    #[test]
    fn broken_jpegs_give_none_or_an_error_never_a_panic() {
        let photo = crate::demo::sample_photo(1, "2026:05:02 14:03:11");
        // Cut anywhere before the end of its APP1 segment, right after SOI.
        assert_eq!(photo[2..4], [0xFF, 0xE1]);
        let end = 4 + usize::from(u16::from_be_bytes([photo[4], photo[5]]));
        for cut in 0..end {
            assert!(!matches!(jpeg(&mut reader(&photo[..cut])), Ok(Some(_))));
        }
        assert!(matches!(jpeg(&mut reader(&photo[..end])), Ok(Some(_))));
        // A segment length below its own two bytes.
        assert_eq!(
            jpeg(&mut reader(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01])).unwrap(),
            None
        );
        assert_eq!(jpeg(&mut reader(b"GIF89a")).unwrap(), None);
    }

    #[test]
    fn a_png_exif_chunk_is_found_before_or_after_the_image_data() {
        let tiff = tiff_of_sample_photo();
        for after in [b"IHDR", b"IDAT"] {
            let file = png_with_chunk_after(after, b"eXIf", &tiff);
            let block = png(&mut reader(&file)).unwrap();
            assert_eq!(block.as_ref(), Some(&tiff), "after {after:?}");
            assert_eq!(capture_time(block.unwrap()), "2026-05-02 14:03:11");
        }
        let plain = crate::demo::sample_png(2);
        assert_eq!(png(&mut reader(&plain)).unwrap(), None);
    }

    #[test]
    fn a_png_exif_chunk_claiming_more_than_a_mebibyte_is_not_read() {
        let mut file = png_with_chunk_after(b"IHDR", b"eXIf", b"tiny");
        let at = file.windows(4).position(|w| w == b"eXIf").unwrap() - 4;
        file[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        // It is stepped over like any chunk, past the end of the file.
        assert!(!matches!(png(&mut reader(&file)), Ok(Some(_))));
    }
}
