//! Court-ready exports: the chronological report, the evidence packet and the officer sheet.
//! `layout` turns flowing content into paginated PDF pages; the modules beside it decide what
//! goes on them.

pub mod chronological;
pub mod exhibits;
pub mod layout;
pub mod notice;
pub mod officer_sheet;
pub mod order_pages;
pub mod redact;
pub mod volumes;

/// A picture as an export shows it. Whatever the source, what is embedded carries no file
/// metadata: a JPEG's image data goes in without its EXIF, XMP or comments, a PNG's pixels
/// without its text chunks, and other formats as a JPEG made in memory from their pixels.
pub(crate) struct Shown {
    pub image: layout::Image,
    /// "HEIC", "TIFF" ...: the picture is a copy converted from that format.
    pub converted_from: Option<&'static str>,
}

/// A picture exhibit or photo ready to place, prepared once: a JPEG's image data passed
/// through, a plain PNG's own compressed stream, any other PNG decoded, and HEIC, HEIF, AVIF,
/// TIFF and WebP converted. `None` for what cannot be shown (the original file still goes in
/// the evidence packet).
pub(crate) fn picture(mime: &str, bytes: &[u8]) -> Option<Shown> {
    picture_of(mime, bytes, None)
}

/// What the journal already knows of a picture's bytes, which spares the report work on them:
/// their SHA-256 (the journal checked it as it decrypted them), and whether this report
/// already checked them once (a picture decrypted again for its volume).
#[derive(Clone, Copy)]
pub(crate) struct Known {
    pub sha256: [u8; 32],
    pub checked: bool,
}

impl Known {
    /// From an attachment's stored SHA-256 (hex), which `attachment_bytes` checks.
    pub(crate) fn of(attachment: &crate::evidence::Attachment, checked: bool) -> Option<Self> {
        let mut sha256 = [0u8; 32];
        hex::decode_to_slice(&attachment.sha256, &mut sha256).ok()?;
        Some(Self { sha256, checked })
    }
}

/// [`picture`], with what is known of the bytes: the SHA-256 is not computed again, and a
/// PNG already checked is not decoded again.
pub(crate) fn picture_of(mime: &str, bytes: &[u8], known: Option<Known>) -> Option<Shown> {
    let image = match mime {
        "image/jpeg" => match known {
            Some(k) => layout::Image::jpeg_keyed(bytes, k.sha256).ok(),
            None => layout::Image::jpeg(bytes).ok(),
        },
        "image/png" => match png_stream(bytes, !known.is_some_and(|k| k.checked)) {
            Some((w, h, colors, idat)) => {
                let key = match known {
                    Some(k) => k.sha256,
                    None => <sha2::Sha256 as sha2::Digest>::digest(bytes).into(),
                };
                layout::Image::png_stream(w, h, colors, idat, key).ok()
            }
            None => decode_png(bytes).and_then(|(w, h, rgb)| layout::Image::rgb(w, h, &rgb).ok()),
        },
        other if crate::media::picture::can_convert(other) => {
            let converted = crate::media::picture::convert(other, bytes).ok()?;
            return Some(Shown {
                image: layout::Image::jpeg(&converted.jpeg).ok()?,
                converted_from: Some(converted.from),
            });
        }
        _ => None,
    }?;
    Some(Shown {
        image,
        converted_from: None,
    })
}

/// A video's stills for the report, each with its offset from the start.
pub(crate) struct Stills {
    pub facts: crate::media::video::VideoFacts,
    pub stills: Vec<(u64, layout::Image)>,
}

/// The largest video decoded for stills: it is held in memory while GStreamer reads it.
pub(crate) const MAX_VIDEO_FOR_STILLS: u64 = 1024 * 1024 * 1024;

/// Four stills (start, one third, two thirds, end) of a video, or why there are none.
pub(crate) fn video_stills(bytes: &[u8]) -> Result<Stills, String> {
    if bytes.len() as u64 > MAX_VIDEO_FOR_STILLS {
        return Err("This video is too large to take stills from here.".into());
    }
    let (facts, stills) = crate::media::video::stills(bytes, 4, 1280).map_err(|e| e.to_string())?;
    let stills = stills
        .into_iter()
        .map(|s| {
            layout::Image::jpeg(&s.jpeg)
                .map(|image| (s.offset_ms, image))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stills { facts, stills })
}

/// Decodes a PNG to 8-bit RGB over white paper, for embedding. `None` for what we cannot
/// decode (the original file still goes in the evidence packet).
fn decode_png(bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let pixels = &buf[..info.buffer_size()];
    let rgb: Vec<u8> = match info.color_type {
        png::ColorType::Rgb => pixels.to_vec(),
        png::ColorType::Rgba => pixels
            .chunks_exact(4)
            .flat_map(|p| blend_white(p[0], p[1], p[2], p[3]))
            .collect(),
        png::ColorType::Grayscale => pixels.iter().flat_map(|g| [*g, *g, *g]).collect(),
        png::ColorType::GrayscaleAlpha => pixels
            .chunks_exact(2)
            .flat_map(|p| blend_white(p[0], p[0], p[0], p[1]))
            .collect(),
        png::ColorType::Indexed => return None,
    };
    Some((info.width, info.height, rgb))
}

/// Transparent pixels over white paper.
fn blend_white(r: u8, g: u8, b: u8, a: u8) -> [u8; 3] {
    let mix = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
    [mix(r), mix(g), mix(b)]
}

/// A PNG whose compressed pixels a PDF can take as they are: 8-bit grey or RGB, not
/// interlaced, no transparency or palette. Returns (width, height, colours, IDAT data), or
/// `None` for every other PNG (those are decoded instead). With `check`, the stream is checked
/// by decoding it once, so a damaged file is never embedded as a broken picture (a report
/// that decrypts a picture again, its SHA-256 checked, has checked it before).
pub(crate) fn png_stream(bytes: &[u8], check: bool) -> Option<(u32, u32, u8, Vec<u8>)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let mut rest = bytes.strip_prefix(SIGNATURE)?;
    let (mut header, mut idat) = (None, Vec::with_capacity(bytes.len()));
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind = &rest[4..8];
        let data = rest.get(8..8 + len)?;
        match kind {
            b"IHDR" if data.len() == 13 => header = Some(data),
            // Transparency and palettes need decoding.
            b"tRNS" | b"PLTE" => return None,
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        rest = rest.get(12 + len..)?;
    }
    let h = header?;
    let width = u32::from_be_bytes(h[0..4].try_into().ok()?);
    let height = u32::from_be_bytes(h[4..8].try_into().ok()?);
    let colors = match (h[8], h[9], h[10], h[11], h[12]) {
        // bit depth 8, colour type grey (0) or RGB (2), deflate, adaptive filters, no interlace
        (8, 0, 0, 0, 0) => 1,
        (8, 2, 0, 0, 0) => 3,
        _ => return None,
    };
    if check {
        // Decoding checks every chunk's CRC and that the stream inflates to the whole image.
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .ok()?;
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).ok()?;
    }
    (!idat.is_empty()).then_some((width, height, colors, idat))
}

#[cfg(test)]
mod tests {
    fn encode(color: png::ColorType, channels: usize) -> Vec<u8> {
        let (w, h) = (7u32, 5u32);
        let pixels: Vec<u8> = (0..w as usize * h as usize * channels)
            .map(|i| (i * 37 % 251) as u8)
            .collect();
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(color);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&pixels).unwrap();
        }
        out
    }

    #[test]
    fn png_stream_takes_plain_rgb_and_grey_only() {
        let (w, h, colors, idat) = super::png_stream(&encode(png::ColorType::Rgb, 3), true)
            .expect("8-bit RGB is embedded as is");
        assert_eq!((w, h, colors), (7, 5, 3));
        // The IDAT data is a zlib stream (0x78 ...) that inflates to filtered rows.
        assert_eq!(idat[0], 0x78);
        assert_eq!(
            super::png_stream(&encode(png::ColorType::Grayscale, 1), true).map(|s| s.2),
            Some(1)
        );
        assert!(super::png_stream(&encode(png::ColorType::Rgba, 4), true).is_none());
    }

    #[test]
    fn png_stream_refuses_a_damaged_file() {
        let mut bytes = encode(png::ColorType::Rgb, 3);
        let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap();
        bytes[idat + 6] ^= 0xff;
        assert!(super::png_stream(&bytes, true).is_none());
        assert!(super::png_stream(b"not a png", true).is_none());
    }
}
