//! Just enough JPEG parsing to embed a file unchanged as a `/DCTDecode` image.
//!
//! Evidence photos must reach the PDF byte-for-byte (a re-encoded JPEG is a different file and
//! loses its hash), so nothing here decodes pixels: the header tells us the dimensions and
//! colour model, and the EXIF orientation tells us how the viewer must rotate it.

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

    #[test]
    fn reads_exif_orientation() {
        // Little-endian TIFF: IFD0 at 8 with a single Orientation=6 entry.
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&[1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0]);
        assert_eq!(exif_orientation(&tiff), Some(6));
    }
}
