//! Just enough JPEG parsing to embed a photo's image data unchanged as a `/DCTDecode` image.
//!
//! Evidence photos must reach the PDF without re-encoding (a re-encoded JPEG is a different
//! picture), so nothing here decodes pixels: the header tells us the dimensions and colour
//! model, and the EXIF orientation tells us how the viewer must rotate it. What a file says
//! about itself must NOT reach the PDF: a filed report is served on the restrained person, and a
//! phone photo's EXIF holds where it was taken (often the protected person's home), the
//! phone's serial numbers and a thumbnail that can show the picture before it was cropped. So
//! [`without_metadata`] keeps only the segments a decoder needs, around the untouched scans.

use super::LayoutError;

/// What the PDF image dictionary needs to know about a JPEG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JpegInfo {
    /// Stored (not displayed) pixel dimensions.
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// 1 = grey, 3 = YCbCr/RGB, 4 = CMYK/YCCK.
    pub(crate) components: u8,
    /// An Adobe APP14 marker is present. Adobe writes CMYK JPEGs with inverted values, which
    /// every PDF producer compensates for with `/Decode [1 0 1 0 1 0 1 0]`.
    pub(crate) adobe: bool,
    /// EXIF orientation 1..=8 (1 when absent or unreadable).
    pub(crate) orientation: u8,
}

impl JpegInfo {
    /// Dimensions as displayed, after applying the EXIF orientation.
    pub(crate) fn display_size(&self) -> (u32, u32) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

fn bad(reason: &str) -> LayoutError {
    LayoutError::InvalidJpeg(reason.to_string())
}

/// Walk the marker segments up to the first frame header.
pub(crate) fn parse(bytes: &[u8]) -> Result<JpegInfo, LayoutError> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(bad("the data does not start with a JPEG SOI marker"));
    }
    let mut adobe = false;
    let mut orientation = 1;
    let mut pos = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while pos < bytes.len() && bytes[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return Err(bad("no frame header (SOF) before the end of the data"));
        };
        pos += 1;
        match marker {
            // Stand-alone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(bad("no frame header (SOF) before the image data")),
            _ => {}
        }
        let len = match bytes.get(pos..pos + 2) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(bad("truncated marker segment")),
        };
        if len < 2 || pos + len > bytes.len() {
            return Err(bad("truncated marker segment"));
        }
        let body = &bytes[pos + 2..pos + len];
        match marker {
            // Baseline, extended sequential and progressive Huffman: what DCTDecode supports.
            0xC0..=0xC2 => {
                if body.len() < 6 {
                    return Err(bad("truncated frame header"));
                }
                if body[0] != 8 {
                    return Err(bad(&format!(
                        "{}-bit samples (PDF DCTDecode needs 8-bit)",
                        body[0]
                    )));
                }
                let height = u32::from(u16::from_be_bytes([body[1], body[2]]));
                let width = u32::from(u16::from_be_bytes([body[3], body[4]]));
                let components = body[5];
                if width == 0 || height == 0 {
                    return Err(bad(
                        "zero width or height (DNL-sized JPEGs are unsupported)",
                    ));
                }
                if !matches!(components, 1 | 3 | 4) {
                    return Err(bad(&format!("{components} colour components")));
                }
                return Ok(JpegInfo {
                    width,
                    height,
                    components,
                    adobe,
                    orientation,
                });
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(bad(
                    "lossless, hierarchical or arithmetic-coded JPEG (PDF viewers cannot decode it)",
                ));
            }
            0xEE if body.starts_with(b"Adobe") => adobe = true,
            0xE1 if body.starts_with(b"Exif\0\0") => {
                orientation = exif_orientation(&body[6..]).unwrap_or(1);
            }
            _ => {}
        }
        pos += len;
    }
}

/// The JPEG with every metadata segment removed and its compressed image data unchanged.
///
/// Kept before the first scan: frame headers, Huffman, quantisation and arithmetic-coding
/// tables, the restart interval, the ICC colour profile (APP2 `ICC_PROFILE`) and the Adobe
/// marker (APP14, which says how to read CMYK). Dropped: APP0 (JFIF/JFXX, which may hold a
/// thumbnail), APP1 (EXIF with GPS, serial numbers and a thumbnail; XMP), APP13 (IPTC,
/// Photoshop), every other APPn, comments and extension segments. From the first SOS to EOI
/// the bytes are copied as they are, except APPn and comment segments between the scans of a
/// progressive file; whatever follows EOI (a second "MPF" image, a maker's trailer) is cut.
/// Read [`parse`] first: the orientation lives in the EXIF segment this removes.
pub(crate) fn without_metadata(bytes: &[u8]) -> Result<Vec<u8>, LayoutError> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(bad("the data does not start with a JPEG SOI marker"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    let mut in_scans = false;
    loop {
        if in_scans {
            // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or RSTn inside it;
            // any other marker ends it.
            let start = pos;
            loop {
                let Some(offset) = bytes[pos..].iter().position(|&b| b == 0xFF) else {
                    // No EOI: a truncated file keeps what it has.
                    out.extend_from_slice(&bytes[start..]);
                    return Ok(out);
                };
                pos += offset;
                match bytes.get(pos + 1) {
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos += 1,
                    Some(_) => break,
                    None => {
                        out.extend_from_slice(&bytes[start..]);
                        return Ok(out);
                    }
                }
            }
            out.extend_from_slice(&bytes[start..pos]);
        }
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1; // fill bytes
        }
        // Once the image data has begun, a damaged tail ends the picture where it is, as
        // viewers show it, rather than losing the whole picture.
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            if in_scans {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            return Err(bad("a marker segment is out of place"));
        };
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[pos..pos + 2]);
                pos += 2;
                continue;
            }
            _ => {}
        }
        let len = bytes
            .get(pos + 2..pos + 4)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])));
        let end = pos + 2 + len.unwrap_or(0);
        let Some(len) = len.filter(|&len| len >= 2 && end <= bytes.len()) else {
            if in_scans {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            return Err(bad("truncated marker segment"));
        };
        let body = &bytes[pos + 4..pos + 2 + len];
        let keep = match marker {
            // Frame headers a PDF viewer decodes (parse refuses the others), Huffman and
            // arithmetic tables, quantisation tables, the restart interval. Nothing else,
            // not even reserved markers, which could carry anything.
            0xC0..=0xC2 | 0xC4 | 0xCC | 0xDB | 0xDD => true,
            0xDA => {
                in_scans = true;
                true
            }
            0xE2 => body.starts_with(b"ICC_PROFILE\0"),
            0xEE => body.starts_with(b"Adobe"),
            _ => false,
        };
        if keep {
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
    }
}

/// Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block; `None` when absent or
/// malformed, which callers treat as "upright".
fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if big {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at + 4)?;
        Some(if big {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        if u16_at(entry)? != 0x0112 {
            return None;
        }
        let value = u16_at(entry + 8)?;
        u8::try_from(value).ok().filter(|v| (1..=8).contains(v))
    })
}

/// The `cm` matrix that paints the stored image into the displayed box `(x, y, w, h)`,
/// rotating/mirroring it as its EXIF orientation asks. PDF maps the stored image onto the unit
/// square with its first row at the top, so orientation 1 is the usual `[w 0 0 h x y]`.
pub(crate) fn placement_matrix(orientation: u8, x: f32, y: f32, w: f32, h: f32) -> [f32; 6] {
    match orientation {
        2 => [-w, 0.0, 0.0, h, x + w, y],
        3 => [-w, 0.0, 0.0, -h, x + w, y + h],
        4 => [w, 0.0, 0.0, -h, x, y + h],
        5 => [0.0, -h, -w, 0.0, x + w, y + h],
        6 => [0.0, -h, w, 0.0, x, y + h],
        7 => [0.0, h, w, 0.0, x, y],
        8 => [0.0, h, -w, 0.0, x + w, y],
        _ => [w, 0.0, 0.0, h, x, y],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(width: u16, height: u16, color: jpeg_encoder::ColorType, bpp: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let pixels = vec![128u8; usize::from(width) * usize::from(height) * bpp];
        jpeg_encoder::Encoder::new(&mut out, 80)
            .encode(&pixels, width, height, color)
            .expect("encode");
        out
    }

    #[test]
    fn reads_rgb_and_grey_headers() {
        let rgb = parse(&encode(33, 17, jpeg_encoder::ColorType::Rgb, 3)).expect("rgb");
        assert_eq!((rgb.width, rgb.height, rgb.components), (33, 17, 3));
        let grey = parse(&encode(8, 9, jpeg_encoder::ColorType::Luma, 1)).expect("grey");
        assert_eq!((grey.width, grey.height, grey.components), (8, 9, 1));
        assert_eq!(grey.orientation, 1);
    }

    #[test]
    fn reads_cmyk_and_progressive() {
        let cmyk = parse(&encode(5, 6, jpeg_encoder::ColorType::Cmyk, 4)).expect("cmyk");
        assert_eq!(cmyk.components, 4);
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
        enc.set_progressive(true);
        enc.encode(&[7u8; 20 * 10 * 3], 20, 10, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        let prog = parse(&out).expect("progressive");
        assert_eq!((prog.width, prog.height), (20, 10));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"not a jpeg").is_err());
        assert!(parse(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len() + 2).expect("short segment");
        [&[0xFF, marker][..], &len.to_be_bytes(), body].concat()
    }

    /// `jpeg` with `segments` inserted right after SOI and `trailer` after EOI.
    fn with_segments(jpeg: &[u8], segments: &[Vec<u8>], trailer: &[u8]) -> Vec<u8> {
        [&jpeg[..2], &segments.concat(), &jpeg[2..], trailer].concat()
    }

    /// The markers of the segments before the first SOS.
    fn header_markers(jpeg: &[u8]) -> Vec<u8> {
        let mut markers = Vec::new();
        let mut pos = 2;
        while jpeg[pos + 1] != 0xDA {
            markers.push(jpeg[pos + 1]);
            pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        }
        markers
    }

    fn from_first_sos(jpeg: &[u8]) -> &[u8] {
        let sos = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xDA])
            .expect("SOS");
        &jpeg[sos..]
    }

    #[test]
    fn without_metadata_keeps_the_image_data_and_nothing_that_describes_the_file() {
        let plain = encode(40, 30, jpeg_encoder::ColorType::Rgb, 3);
        let mut exif = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
        exif.extend_from_slice(b"GPS 37.8044 -122.2712 serial C39XK2");
        let crowded = with_segments(
            &plain,
            &[
                segment(0xE1, &exif),
                segment(
                    0xE1,
                    b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPS</x:xmpmeta>",
                ),
                segment(0xED, b"Photoshop 3.0\08BIM IPTC city"),
                segment(0xFE, b"taken at home"),
                segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"),
                segment(0xE2, b"MPF\0second image index"),
                segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
                segment(0xEB, b"JP ISO 19566 box"),
            ],
            b"\xFF\xD8 an appended second picture with its own EXIF \xFF\xD9",
        );
        let clean = without_metadata(&crowded).expect("strip");
        // SOI, then JFIF gone too: only tables, frame, ICC and Adobe before the scan.
        let markers = header_markers(&clean);
        assert!(
            markers
                .iter()
                .all(|m| matches!(m, 0xC0..=0xCF | 0xDB..=0xDF | 0xE2 | 0xEE)),
            "{markers:x?}"
        );
        assert_eq!(
            markers.iter().filter(|&&m| m == 0xE2).count(),
            1,
            "only the ICC profile"
        );
        assert!(markers.contains(&0xEE) && markers.contains(&0xDB) && markers.contains(&0xC0));
        for leak in [
            &b"GPS"[..],
            b"serial",
            b"IPTC",
            b"home",
            b"MPF",
            b"appended",
            b"JFIF",
            b"19566",
        ] {
            assert!(
                !clean.windows(leak.len()).any(|w| w == leak),
                "{}",
                String::from_utf8_lossy(leak)
            );
        }
        // The scans and EOI byte for byte; nothing after EOI.
        assert_eq!(from_first_sos(&clean), from_first_sos(&plain));
        assert!(clean.ends_with(&[0xFF, 0xD9]));
        let (a, b) = (parse(&clean).expect("parse"), parse(&plain).expect("parse"));
        assert_eq!(
            (a.width, a.height, a.components),
            (b.width, b.height, b.components)
        );
    }

    #[test]
    fn without_metadata_drops_comments_between_progressive_scans() {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
        enc.set_progressive(true);
        let pixels: Vec<u8> = (0..24 * 16 * 3).map(|i| (i * 7 % 251) as u8).collect();
        enc.encode(&pixels, 24, 16, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        let second_sos = out
            .windows(2)
            .enumerate()
            .filter(|(_, w)| *w == [0xFF, 0xDA])
            .nth(1)
            .map(|(i, _)| i)
            .expect("a progressive file has several scans");
        let comment = segment(0xFE, b"secret between scans");
        let sneaky = [&out[..second_sos], &comment, &out[second_sos..]].concat();
        let clean = without_metadata(&sneaky).expect("strip");
        assert_eq!(clean, without_metadata(&out).expect("strip"));
        assert_eq!(from_first_sos(&clean), from_first_sos(&out));
    }

    #[test]
    fn without_metadata_refuses_what_is_not_a_jpeg_and_keeps_a_truncated_scan() {
        assert!(without_metadata(b"GIF89a").is_err());
        let mut plain = Vec::new();
        let pixels: Vec<u8> = (0..64 * 64 * 3).map(|i| (i * 31 % 253) as u8).collect();
        jpeg_encoder::Encoder::new(&mut plain, 90)
            .encode(&pixels, 64, 64, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        let cut = &plain[..plain.len() - 10];
        let clean = without_metadata(cut).expect("a truncated scan is still shown");
        assert_eq!(from_first_sos(&clean), from_first_sos(cut));
        // A damaged tail (a marker whose segment runs past the end) ends the picture there.
        let damaged = [
            &plain[..plain.len() - 2],
            &[0xFF, 0xE1, 0x40, 0x00, 1, 2][..],
        ]
        .concat();
        let clean = without_metadata(&damaged).expect("shown up to the damage");
        assert!(clean.ends_with(&[0xFF, 0xD9]));
        assert_eq!(clean.len(), without_metadata(&plain).expect("plain").len());
    }

    /// Damaged variants of a photo with EXIF: the filter never panics, and what it returns
    /// starts with SOI and holds no EXIF segment before its first scan.
    #[test]
    fn damaged_jpegs_never_panic_or_keep_exif() {
        let plain = encode(24, 16, jpeg_encoder::ColorType::Rgb, 3);
        let sample = with_segments(&plain, &[segment(0xE1, b"Exif\0\0MM\0*GPS")], b"");
        let mut seed = 0x2545_F491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize
        };
        for round in 0..5_000 {
            let mut bytes = sample.clone();
            for _ in 0..1 + round % 3 {
                let at = next() % bytes.len();
                bytes[at] = next() as u8;
            }
            if round % 4 == 0 {
                bytes.truncate(next() % bytes.len());
            }
            let _ = parse(&bytes);
            if let Ok(clean) = without_metadata(&bytes) {
                assert!(clean.starts_with(&[0xFF, 0xD8]));
                let header_end = clean
                    .windows(2)
                    .position(|w| w == [0xFF, 0xDA])
                    .unwrap_or(clean.len());
                assert!(!clean[..header_end].windows(4).any(|w| w == b"Exif"));
            }
        }
    }

    #[test]
    fn reads_exif_orientation() {
        // Little-endian TIFF: IFD0 at 8 with a single Orientation=6 entry.
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&[1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0]);
        assert_eq!(exif_orientation(&tiff), Some(6));
    }
}
