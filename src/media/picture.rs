//! Pictures a PDF cannot hold as they are, decoded in memory into a plain upright copy.
//!
//! A PDF can carry a JPEG as it is, but has no place for a phone's HEIC, an AVIF, a scanner's
//! TIFF or a browser's WebP, which would otherwise show as a blank box in the report, the
//! officer sheet and the app. The copy made here exists only in memory and only for display: the original
//! file, byte for byte, stays the exhibit and is what every hash refers to.
//!
//! Every file is treated as hostile, because it may have come from the person the journal is
//! about. Sizes are checked before any pixel buffer is allocated, decoder panics are caught, and
//! the copy carries no metadata, so nothing from the original (GPS position, camera serial,
//! editing history) can leak into a report through it.
//!
//! HEIC, HEIF and AVIF go through the system libheif (a C library that Debian keeps patched),
//! in builds with the `phone-media` feature only; TIFF and WebP go through the pure-Rust
//! decoders of the `image` crate in every build.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::codecs::tiff::TiffDecoder;
use image::codecs::webp::WebPDecoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, Limits};

/// HEIC, HEIF and AVIF need the system libheif, which exists only where the `phone-media`
/// feature can be built (not for Windows); without it the same two items say that these
/// formats cannot be decoded here, so the original is kept and the report says so.
#[cfg(feature = "phone-media")]
mod heif;
#[cfg(not(feature = "phone-media"))]
#[path = "picture/heif_unavailable.rs"]
mod heif;

/// Largest picture opened, in pixels. A 100-megapixel picture is well above any phone camera
/// or scanner page, yet small enough that its decoded copy (300 MB of RGB) fits in memory; a
/// "decompression bomb" that claims more is refused before anything is allocated.
pub const MAX_PIXELS: u64 = 100_000_000;

/// JPEG stores width and height as 16-bit numbers, so a longer side cannot be written at all.
const MAX_SIDE: u32 = u16::MAX as u32;

/// Ceiling for the `image` decoders' own buffers, so a 16-bit or float TIFF at the pixel limit
/// (up to 8 bytes a pixel) still decodes while nothing larger is attempted.
const MAX_DECODE_BYTES: u64 = 1 << 30;

/// High enough that text in a photographed letter or screenshot stays sharp; at 90 and above
/// jpeg-encoder also keeps full colour resolution (no chroma subsampling).
const JPEG_QUALITY: u8 = 90;

/// A picture converted for display: a baseline JPEG with no metadata at all (no EXIF, no XMP,
/// no ICC profile, no comment: only the JFIF header), already upright (the source's
/// rotation/mirroring applied to the pixels), 8-bit RGB with any transparency laid over white.
#[derive(Debug, Clone)]
pub struct Converted {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// plain name of the source format for a label: "HEIC", "HEIF", "AVIF", "TIFF", "WebP"
    pub from: &'static str,
}

/// Why a display copy could not be made. The messages are shown to the person keeping the
/// journal, so they say what happened in plain words; the original file is unaffected either way.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("Pictures of type {mime} cannot be converted for display.")]
    Unsupported { mime: String },
    #[error("This {format} picture could not be decoded: {detail}")]
    Decode {
        format: &'static str,
        detail: String,
    },
    #[error(
        "This {format} picture is {width} by {height} pixels, too large to convert for display \
         (the limit is 100 megapixels, and 65,535 pixels on a side)."
    )]
    TooLarge {
        format: &'static str,
        width: u32,
        height: u32,
    },
    #[error("This {format} picture is damaged: its decoder stopped unexpectedly.")]
    DecoderFailed { format: &'static str },
    #[error("The display copy of this {format} picture could not be written: {detail}")]
    Encode {
        format: &'static str,
        detail: String,
    },
}

/// Which decoder a MIME type goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Heif,
    Tiff,
    WebP,
}

/// Maps a MIME type to its decoder and label. Parameters (`; charset=...`) and letter case are
/// ignored because MIME types recorded from different sources spell them differently. HEIC,
/// HEIF and AVIF map to nothing in a build without libheif, so nothing claims to show them.
fn source_of(mime: &str) -> Option<(Source, &'static str)> {
    let essence = mime.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    let found = match essence.as_str() {
        "image/heic" | "image/heic-sequence" => Some((Source::Heif, "HEIC")),
        "image/heif" | "image/heif-sequence" => Some((Source::Heif, "HEIF")),
        "image/avif" => Some((Source::Heif, "AVIF")),
        "image/tiff" => Some((Source::Tiff, "TIFF")),
        "image/webp" => Some((Source::WebP, "WebP")),
        _ => None,
    };
    found.filter(|(source, _)| *source != Source::Heif || heif::AVAILABLE)
}

/// True for the MIME types `convert` handles: image/tiff and image/webp always; image/heic,
/// image/heif, image/avif, and image/heic-sequence / image/heif-sequence (whose primary still
/// is used) only in a build with the `phone-media` feature.
pub fn can_convert(mime: &str) -> bool {
    source_of(mime).is_some()
}

/// Decodes `bytes` (the whole original file, in memory) and re-encodes it as a JPEG.
///
/// The decoders run behind `catch_unwind`, so a Rust decoder that panics on a crafted file
/// becomes an error instead of taking the report or the app down with it.
pub fn convert(mime: &str, bytes: &[u8]) -> Result<Converted, PictureError> {
    let (source, from) = source_of(mime).ok_or_else(|| PictureError::Unsupported {
        mime: mime.to_string(),
    })?;
    let decoded = catch_unwind(AssertUnwindSafe(|| match source {
        Source::Heif => heif::decode(from, bytes),
        Source::Tiff => match TiffDecoder::new(Cursor::new(bytes)) {
            Ok(decoder) => decode_with_image(from, decoder),
            Err(err) => Err(image_error(from, err)),
        },
        Source::WebP => match WebPDecoder::new(Cursor::new(bytes)) {
            Ok(decoder) => decode_with_image(from, decoder),
            Err(err) => Err(image_error(from, err)),
        },
    }))
    .map_err(|_| PictureError::DecoderFailed { format: from })??;
    let jpeg = catch_unwind(AssertUnwindSafe(|| encode_jpeg(from, &decoded))).map_err(|_| {
        PictureError::Encode {
            format: from,
            detail: "the JPEG encoder stopped unexpectedly".to_string(),
        }
    })??;
    Ok(Converted {
        jpeg,
        width: decoded.width,
        height: decoded.height,
        from,
    })
}

/// Upright 8-bit RGB pixels, rows top to bottom, no padding.
struct Rgb8 {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// Refuses a size before its buffer exists, so a file claiming billions of pixels costs nothing.
fn check_size(format: &'static str, width: u32, height: u32) -> Result<(), PictureError> {
    if width == 0 || height == 0 {
        return Err(PictureError::Decode {
            format,
            detail: format!("it claims to be {width} by {height} pixels"),
        });
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PictureError::TooLarge {
            format,
            width,
            height,
        });
    }
    Ok(())
}

/// Straight (unassociated) alpha over a white page.
fn over_white(colour: u8, alpha: u8) -> u8 {
    let (c, a) = (u32::from(colour), u32::from(alpha));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

fn image_error(format: &'static str, err: ImageError) -> PictureError {
    PictureError::Decode {
        format,
        detail: err.to_string(),
    }
}

/// TIFF and WebP through the `image` crate, with its allocation limits set so the decoder
/// refuses oversized strips, tiles and metadata by itself. The orientation comes from the
/// TIFF Orientation tag or the WebP's EXIF chunk; an unreadable one is taken as upright,
/// since a sideways picture is still evidence and a refused one is not.
fn decode_with_image<D: ImageDecoder>(
    format: &'static str,
    mut decoder: D,
) -> Result<Rgb8, PictureError> {
    let (width, height) = decoder.dimensions();
    check_size(format, width, height)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let too_large = |err: ImageError| match err {
        ImageError::Limits(_) => PictureError::TooLarge {
            format,
            width,
            height,
        },
        other => image_error(format, other),
    };
    decoder.set_limits(limits).map_err(too_large)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(too_large)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    check_size(format, width, height)?;
    let pixels = if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for px in rgba.as_raw().chunks_exact(4) {
            pixels.extend_from_slice(&[
                over_white(px[0], px[3]),
                over_white(px[1], px[3]),
                over_white(px[2], px[3]),
            ]);
        }
        pixels
    } else {
        image.into_rgb8().into_raw()
    };
    Ok(Rgb8 {
        width,
        height,
        pixels,
    })
}

/// jpeg-encoder writes only the JFIF header, tables and scan unless segments are added, and
/// none are: no EXIF, XMP, ICC or comment can reach the copy. Baseline (not progressive)
/// because every PDF reader decodes it.
fn encode_jpeg(format: &'static str, picture: &Rgb8) -> Result<Vec<u8>, PictureError> {
    let too_large = || PictureError::TooLarge {
        format,
        width: picture.width,
        height: picture.height,
    };
    let width = u16::try_from(picture.width).map_err(|_| too_large())?;
    let height = u16::try_from(picture.height).map_err(|_| too_large())?;
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, JPEG_QUALITY);
    encoder.set_progressive(false);
    encoder
        .encode(&picture.pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|err| PictureError::Encode {
            format,
            detail: err.to_string(),
        })?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests;
