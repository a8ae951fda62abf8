//! Tests of `picture`, kept beside it so the module reads in one sitting.
use super::*;
use std::path::Path;
use std::process::Command;

/// HEIC, HEIF and AVIF need libheif, both to make fixtures and to decode them.
#[cfg(feature = "phone-media")]
mod heic;

const RED: [u8; 3] = [255, 0, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const WHITE: [u8; 3] = [255, 255, 255];
/// Fixture size: wider than tall, so a rotation shows in the dimensions, and no side under
/// 64 pixels, which x265 would pad.
const W: u32 = 128;
const H: u32 = 64;

/// Left half red, right half blue: where the red ends up tells every rotation and mirror apart.
fn split(x: u32, _y: u32) -> [u8; 4] {
    if x < W / 2 {
        [255, 0, 0, 255]
    } else {
        [0, 0, 255, 255]
    }
}

/// Left half fully transparent, right half opaque blue.
fn half_transparent(x: u32, _y: u32) -> [u8; 4] {
    if x < W / 2 {
        [0, 0, 0, 0]
    } else {
        [0, 0, 255, 255]
    }
}

fn pixels(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<[u8; 4]> {
    (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| f(x, y))
        .collect()
}

fn write_png(path: &Path, width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) {
    let file = std::fs::File::create(path).expect("create png");
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    let data: Vec<u8> = pixels(width, height, f).concat();
    writer.write_image_data(&data).expect("png data");
}

/// Runs a fixture tool. A missing tool fails the test with the package to install: skipping
/// would let a machine without it report formats as working that were never tried.
fn tool(program: &str, package: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| {
            panic!("{program} is needed for this test (apt-get install {package}): {err}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// Decodes the copy with ffmpeg, an independent JPEG decoder, into packed RGB.
fn decode_jpeg(jpeg: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("copy.jpg");
    std::fs::write(&path, jpeg).expect("write jpeg");
    tool(
        "ffmpeg",
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path_str(&path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    )
}

/// The segments before the scan, as (marker, payload). Fails on anything malformed.
fn jpeg_segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "ends with EOI");
    let mut segments = Vec::new();
    let mut at = 2;
    loop {
        assert_eq!(jpeg[at], 0xFF, "marker at {at}");
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        segments.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
        if marker == 0xDA {
            return segments;
        }
        at += 2 + len;
    }
}

/// The copy must be a baseline JPEG of the stated size whose only header segment is JFIF:
/// no APP1 (EXIF/XMP), no other APPn (ICC, Photoshop, maker data), no comment.
fn assert_plain_baseline_jpeg(copy: &Converted) {
    let segments = jpeg_segments(&copy.jpeg);
    for (marker, payload) in &segments {
        match marker {
            0xE0 => assert!(payload.starts_with(b"JFIF\0"), "APP0 is JFIF"),
            0xDB | 0xC4 | 0xC0 | 0xDA => {}
            other => panic!("unexpected segment FF{other:02X} in the display copy"),
        }
    }
    let sof = segments
        .iter()
        .find(|(marker, _)| *marker == 0xC0)
        .map(|(_, payload)| payload)
        .expect("baseline SOF0");
    assert_eq!(sof[0], 8, "8-bit samples");
    let height = u32::from(u16::from_be_bytes([sof[1], sof[2]]));
    let width = u32::from(u16::from_be_bytes([sof[3], sof[4]]));
    assert_eq!((width, height), (copy.width, copy.height));
    assert_eq!(sof[5], 3, "three colour components");
}

/// Checks the pixel at each (x, y) against a colour, allowing for lossy coding on the way.
fn assert_colours(copy: &Converted, expected: &[(u32, u32, [u8; 3])]) {
    assert_plain_baseline_jpeg(copy);
    let rgb = decode_jpeg(&copy.jpeg);
    assert_eq!(rgb.len(), copy.width as usize * copy.height as usize * 3);
    for &(x, y, colour) in expected {
        let at = (y as usize * copy.width as usize + x as usize) * 3;
        let got = &rgb[at..at + 3];
        let close = got
            .iter()
            .zip(colour)
            .all(|(&g, c)| (i16::from(g) - i16::from(c)).abs() <= 40);
        assert!(
            close,
            "pixel ({x}, {y}) is {got:?}, expected about {colour:?}"
        );
    }
}

/// Upright left-red/right-blue at W x H.
fn assert_split(copy: &Converted) {
    assert_eq!((copy.width, copy.height), (W, H));
    assert_colours(copy, &[(W / 4, H / 2, RED), (3 * W / 4, H / 2, BLUE)]);
}

/// Left half white (was transparent), right half blue, at W x H.
fn assert_transparent_left_is_white(copy: &Converted) {
    assert_eq!((copy.width, copy.height), (W, H));
    assert_colours(copy, &[(W / 4, H / 2, WHITE), (3 * W / 4, H / 2, BLUE)]);
}

/// An uncompressed little-endian RGB TIFF with an Orientation tag, written by hand because
/// no installed tool sets that tag reliably.
fn tiff(width: u32, height: u32, orientation: u16, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    let entries: u16 = 11;
    let bits_at = 8 + 2 + 12 * u32::from(entries) + 4;
    let data_at = bits_at + 6;
    let strip = width * height * 3;
    let tags: [(u16, u16, u32, u32); 11] = [
        (256, LONG, 1, width),
        (257, LONG, 1, height),
        (258, SHORT, 3, bits_at),
        (259, SHORT, 1, 1),
        (262, SHORT, 1, 2),
        (273, LONG, 1, data_at),
        (274, SHORT, 1, u32::from(orientation)),
        (277, SHORT, 1, 3),
        (278, LONG, 1, height),
        (279, LONG, 1, strip),
        (284, SHORT, 1, 1),
    ];
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&entries.to_le_bytes());
    for (tag, kind, count, value) in tags {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        // A single SHORT sits in the first two bytes of the value field.
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..3 {
        out.extend_from_slice(&8u16.to_le_bytes());
    }
    for px in pixels(width, height, f) {
        out.extend_from_slice(&px[..3]);
    }
    out
}

/// A minimal EXIF block (TIFF structure after "Exif\0\0") with an Orientation and a Make
/// that must never reach a report.
fn exif_block(orientation: u16) -> Vec<u8> {
    let mut out = b"Exif\0\0II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    // Make (0x010F), ASCII, 12 bytes, stored after the IFD at TIFF offset 8+2+24+4 = 38.
    out.extend_from_slice(&0x010Fu16.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&12u32.to_le_bytes());
    out.extend_from_slice(&38u32.to_le_bytes());
    out.extend_from_slice(&0x0112u16.to_le_bytes());
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&u32::from(orientation).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(b"SecretPhone\0");
    out
}

fn riff_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// Rewraps a simple WebP as an extended (VP8X) one carrying an EXIF chunk, which ffmpeg
/// cannot write but phones and browsers do.
fn webp_with_exif(simple: &[u8], width: u32, height: u32, exif: &[u8]) -> Vec<u8> {
    assert_eq!(&simple[..4], b"RIFF");
    assert_eq!(&simple[8..12], b"WEBP");
    let image_chunk = &simple[12..];
    let mut vp8x = vec![0x08, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(&riff_chunk(b"VP8X", &vp8x));
    body.extend_from_slice(image_chunk);
    body.extend_from_slice(&riff_chunk(b"EXIF", exif));
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&body);
    out
}

fn ffmpeg_convert(input: &Path, output: &Path, options: &[&str]) -> Vec<u8> {
    let mut args = vec!["-v", "error", "-y", "-i", path_str(input)];
    args.extend_from_slice(options);
    args.push(path_str(output));
    tool("ffmpeg", "ffmpeg", &args);
    std::fs::read(output).expect("read ffmpeg output")
}

#[test]
fn can_convert_accepts_only_the_formats_a_pdf_cannot_hold() {
    for mime in ["image/tiff", "image/webp", "image/webp; charset=binary"] {
        assert!(can_convert(mime), "{mime}");
    }
    // libheif's formats only where libheif is built in (the `phone-media` feature).
    for mime in [
        "image/heic",
        "image/heif",
        "image/avif",
        "image/heic-sequence",
        "image/heif-sequence",
        "IMAGE/HEIC",
    ] {
        assert_eq!(can_convert(mime), heif::AVAILABLE, "{mime}");
    }
    for mime in ["image/jpeg", "image/png", "video/mp4", "", "image/", "heic"] {
        assert!(!can_convert(mime), "{mime}");
    }
    let err = convert("image/png", b"\x89PNG").unwrap_err();
    assert!(matches!(err, PictureError::Unsupported { .. }), "{err}");
}

/// Without libheif a HEIC is refused as unsupported, not reported as a damaged file and
/// never turned into some picture.
#[cfg(not(feature = "phone-media"))]
#[test]
fn without_libheif_heic_and_avif_are_unsupported() {
    for mime in ["image/heic", "image/heif", "image/avif"] {
        let err = convert(mime, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").unwrap_err();
        assert!(matches!(err, PictureError::Unsupported { .. }), "{err}");
    }
}

#[test]
fn tiff_from_ffmpeg_converts() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("split.png");
    write_png(&png, W, H, split);
    for (name, options) in [
        (
            "lzw.tiff",
            ["-compression_algo", "lzw", "-pix_fmt", "rgb24"],
        ),
        (
            "packbits.tiff",
            ["-compression_algo", "packbits", "-pix_fmt", "rgba"],
        ),
    ] {
        let bytes = ffmpeg_convert(&png, &dir.path().join(name), &options);
        let copy = convert("image/tiff", &bytes).unwrap();
        assert_eq!(copy.from, "TIFF");
        assert_split(&copy);
    }
}

#[test]
fn tiff_orientation_tag_is_applied() {
    // Orientation 1: as stored.
    let copy = convert("image/tiff", &tiff(W, H, 1, split)).unwrap();
    assert_split(&copy);
    // 6: turn a quarter clockwise to view, so the left (red) half ends on top.
    let copy = convert("image/tiff", &tiff(W, H, 6, split)).unwrap();
    assert_eq!((copy.width, copy.height), (H, W));
    assert_colours(&copy, &[(H / 2, W / 4, RED), (H / 2, 3 * W / 4, BLUE)]);
    // 8: a quarter anticlockwise, red at the bottom.
    let copy = convert("image/tiff", &tiff(W, H, 8, split)).unwrap();
    assert_eq!((copy.width, copy.height), (H, W));
    assert_colours(&copy, &[(H / 2, W / 4, BLUE), (H / 2, 3 * W / 4, RED)]);
    // 2: mirrored left to right.
    let copy = convert("image/tiff", &tiff(W, H, 2, split)).unwrap();
    assert_eq!((copy.width, copy.height), (W, H));
    assert_colours(&copy, &[(W / 4, H / 2, BLUE), (3 * W / 4, H / 2, RED)]);
    // A nonsense value is shown as stored rather than refused.
    let copy = convert("image/tiff", &tiff(W, H, 99, split)).unwrap();
    assert_split(&copy);
}

#[test]
fn webp_lossless_and_lossy_convert() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("split.png");
    write_png(&png, W, H, split);
    for (name, options) in [
        ("lossless.webp", ["-c:v", "libwebp", "-lossless", "1"]),
        ("lossy.webp", ["-c:v", "libwebp", "-quality", "90"]),
    ] {
        let bytes = ffmpeg_convert(&png, &dir.path().join(name), &options);
        let copy = convert("image/webp", &bytes).unwrap();
        assert_eq!(copy.from, "WebP");
        assert_split(&copy);
    }
}

#[test]
fn webp_transparency_is_laid_over_white() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("alpha.png");
    write_png(&png, W, H, half_transparent);
    for (name, options) in [
        (
            "lossless.webp",
            ["-c:v", "libwebp", "-lossless", "1", "-pix_fmt", "bgra"],
        ),
        (
            "lossy.webp",
            ["-c:v", "libwebp", "-quality", "90", "-pix_fmt", "yuva420p"],
        ),
    ] {
        let bytes = ffmpeg_convert(&png, &dir.path().join(name), &options);
        let copy = convert("image/webp", &bytes).unwrap();
        assert_transparent_left_is_white(&copy);
    }
}

#[test]
fn webp_exif_orientation_is_applied_and_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("split.png");
    write_png(&png, W, H, split);
    let simple = ffmpeg_convert(
        &png,
        &dir.path().join("split.webp"),
        &["-c:v", "libwebp", "-lossless", "1"],
    );
    let exif = exif_block(6);
    let bytes = webp_with_exif(&simple, W, H, &exif[6..]);
    let copy = convert("image/webp", &bytes).unwrap();
    assert_eq!((copy.width, copy.height), (H, W));
    assert_colours(&copy, &[(H / 2, W / 4, RED), (H / 2, 3 * W / 4, BLUE)]);
    let leaked = copy.jpeg.windows(11).any(|w| w == b"SecretPhone");
    assert!(!leaked, "the camera make leaked into the copy");
}

#[test]
fn oversized_tiff_is_refused_before_decoding() {
    // A TIFF whose header claims 20000 x 20000 (consistently, strip size included) with a
    // few bytes of data.
    let mut bomb = tiff(W, H, 1, split);
    let value_of = |entry: usize| 8 + 2 + 12 * entry + 8;
    for (entry, value) in [(0, 20_000u32), (1, 20_000), (8, 20_000), (9, 1_200_000_000)] {
        bomb[value_of(entry)..value_of(entry) + 4].copy_from_slice(&value.to_le_bytes());
    }
    let err = convert("image/tiff", &bomb).unwrap_err();
    assert!(matches!(err, PictureError::TooLarge { .. }), "{err}");
    // Wider than a JPEG can record, though small in area.
    let err = check_size("TIFF", 70_000, 10).unwrap_err();
    assert!(matches!(err, PictureError::TooLarge { .. }), "{err}");
}
