//! Tests of HEIC, HEIF and AVIF, which run only in builds with the `phone-media` feature;
//! they also run the TIFF and WebP decoders over damaged files beside the HEIC ones.
use super::*;

use libheif_rs::{
    Channel, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, Image, LibHeif, RgbChroma,
};

/// A one-image HEIC or AVIF from libheif's own encoder. (Its `EncodingOptions`, which could
/// record an orientation, are not used: libheif-rs 0.20 frees them before libheif reads
/// them. Orientations are added by `heif_file` instead.)
fn encode_heif(
    format: CompressionFormat,
    width: u32,
    height: u32,
    f: impl Fn(u32, u32) -> [u8; 4],
    alpha: Option<bool>,
) -> Vec<u8> {
    let lib = LibHeif::new();
    let mut image = Image::new(width, height, ColorSpace::Rgb(RgbChroma::C444)).unwrap();
    let mut channels = vec![Channel::R, Channel::G, Channel::B];
    if alpha.is_some() {
        channels.push(Channel::Alpha);
    }
    for &channel in &channels {
        image.create_plane(channel, width, height, 8).unwrap();
    }
    if let Some(premultiplied) = alpha {
        image.set_premultiplied_alpha(premultiplied);
    }
    let source = pixels(width, height, f);
    let planes = image.planes_mut();
    let targets = [planes.r, planes.g, planes.b, planes.a];
    for (index, plane) in targets.into_iter().enumerate() {
        let Some(plane) = plane else { continue };
        for y in 0..height as usize {
            for x in 0..width as usize {
                plane.data[y * plane.stride + x] = source[y * width as usize + x][index];
            }
        }
    }
    let mut context = HeifContext::new().unwrap();
    let mut encoder = lib.encoder_for_format(format).unwrap();
    encoder.set_quality(EncoderQuality::Lossy(95)).unwrap();
    context.encode_image(&image, &mut encoder, None).unwrap();
    context.write_to_bytes().unwrap()
}

fn heic(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    encode_heif(CompressionFormat::Hevc, width, height, f, None)
}

// --- ISO BMFF, just enough to lay out a HEIF the way a phone camera does: a rotation or
// mirror (irot/imir) on the primary image, and Apple's tiled 'grid' primary image ---

fn bmff_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(payload.len() + 8)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn full_box(kind: &[u8; 4], version: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = vec![version, 0, 0, 0];
    body.extend_from_slice(payload);
    bmff_box(kind, &body)
}

/// The payload of the first child box of `kind` (32-bit sizes only, as libheif writes).
fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        if &data[at + 4..at + 8] == kind {
            return Some(&data[at + 8..at + size]);
        }
        at += size;
    }
    None
}

/// One coded image lifted out of a one-image file from libheif: its item type, its
/// decoder configuration box, its size (ispe) and its coded data.
struct Coded {
    item_type: &'static [u8; 4],
    config: Vec<u8>,
    size: (u32, u32),
    data: Vec<u8>,
}

fn coded(file: &[u8]) -> Coded {
    let meta = &child(file, b"meta").expect("meta")[4..];
    // libheif wraps a picture the encoder had to pad (a side under 64 pixels with x265)
    // in a one-tile grid; the fixtures keep clear of that.
    assert!(
        !file.windows(4).any(|w| w == b"grid"),
        "fixture was padded into a grid"
    );
    let ipco = child(child(meta, b"iprp").expect("iprp"), b"ipco").expect("ipco");
    let (item_type, config) = match child(ipco, b"hvcC") {
        Some(hvcc) => (b"hvc1", bmff_box(b"hvcC", hvcc)),
        None => (
            b"av01",
            bmff_box(b"av1C", child(ipco, b"av1C").expect("av1C")),
        ),
    };
    let ispe = child(ipco, b"ispe").expect("ispe");
    let word = |at: usize| u32::from_be_bytes(ispe[at..at + 4].try_into().unwrap());
    Coded {
        item_type,
        config,
        size: (word(4), word(8)),
        data: child(file, b"mdat").expect("mdat").to_vec(),
    }
}

/// How the primary image is laid out in `heif_file`.
enum Layout {
    /// The first tile is the picture.
    Single,
    /// Tiles left to right, top to bottom, into a picture of `output` pixels, whose own
    /// ispe box says `ispe` (a liar's file may make the two differ).
    Grid {
        columns: u8,
        output: (u32, u32),
        ispe: (u32, u32),
    },
}

/// A HEIF file whose primary image is `tiles` laid out as `layout`, with `transforms`
/// (irot/imir boxes) as essential properties of the primary image. Tiles share the first
/// tile's size.
fn heif_file(tiles: &[Coded], layout: Layout, transforms: &[Vec<u8>]) -> Vec<u8> {
    let tile_size = tiles[0].size;
    let tile_count = u16::try_from(tiles.len()).unwrap();
    let (grid, descriptor) = match layout {
        Layout::Single => (None, Vec::new()),
        Layout::Grid {
            columns,
            output,
            ispe,
        } => {
            let rows = u8::try_from(tiles.len()).unwrap() / columns;
            let mut descriptor = vec![0, 0, rows - 1, columns - 1];
            descriptor.extend_from_slice(&u16::try_from(output.0).unwrap().to_be_bytes());
            descriptor.extend_from_slice(&u16::try_from(output.1).unwrap().to_be_bytes());
            (Some(ispe), descriptor)
        }
    };
    let primary: u16 = if grid.is_some() { tile_count + 1 } else { 1 };
    let item_count = if grid.is_some() {
        tile_count + 1
    } else {
        tile_count
    };
    let brands: &[u8] = if tiles[0].item_type == b"av01" {
        b"avif\0\0\0\0mif1avifmiaf"
    } else {
        b"heic\0\0\0\0mif1heic"
    };
    let ftyp = bmff_box(b"ftyp", brands);
    // Property indices (1-based): each tile's configuration, the tile ispe, the grid
    // ispe, then the transforms.
    let tile_ispe = u8::try_from(tiles.len()).unwrap() + 1;
    let grid_ispe = tile_ispe + 1;
    let first_transform = grid_ispe + 1;
    let meta = |data_start: u32| {
        let mut hdlr = vec![0; 4];
        hdlr.extend_from_slice(b"pict");
        hdlr.extend_from_slice(&[0; 13]);
        let mut iinf = item_count.to_be_bytes().to_vec();
        let mut iloc = vec![0x44, 0x00];
        iloc.extend_from_slice(&item_count.to_be_bytes());
        let mut offset = data_start;
        let mut dimg = primary.to_be_bytes().to_vec();
        dimg.extend_from_slice(&tile_count.to_be_bytes());
        let mut ipco = Vec::new();
        let mut ipma = u32::from(item_count).to_be_bytes().to_vec();
        let extents: Vec<usize> = tiles
            .iter()
            .map(|tile| tile.data.len())
            .chain(grid.map(|_| descriptor.len()))
            .collect();
        for (index, length) in extents.into_iter().enumerate() {
            let id = u16::try_from(index).unwrap() + 1;
            let is_grid = grid.is_some() && id == primary;
            let kind = if is_grid {
                b"grid"
            } else {
                tiles[index].item_type
            };
            let mut infe = id.to_be_bytes().to_vec();
            infe.extend_from_slice(&[0, 0]);
            infe.extend_from_slice(kind);
            infe.push(0);
            iinf.extend_from_slice(&full_box(b"infe", 2, &infe));
            iloc.extend_from_slice(&id.to_be_bytes());
            iloc.extend_from_slice(&[0, 0, 0, 1]);
            iloc.extend_from_slice(&offset.to_be_bytes());
            iloc.extend_from_slice(&u32::try_from(length).unwrap().to_be_bytes());
            offset += u32::try_from(length).unwrap();
            let mut associations = if is_grid {
                vec![grid_ispe]
            } else {
                dimg.extend_from_slice(&id.to_be_bytes());
                ipco.extend_from_slice(&tiles[index].config);
                vec![0x80 | u8::try_from(id).unwrap(), tile_ispe]
            };
            if id == primary {
                for n in 0..transforms.len() {
                    associations.push(0x80 | (first_transform + u8::try_from(n).unwrap()));
                }
            }
            ipma.extend_from_slice(&id.to_be_bytes());
            ipma.push(u8::try_from(associations.len()).unwrap());
            ipma.extend_from_slice(&associations);
        }
        for (width, height) in [tile_size, grid.unwrap_or(tile_size)] {
            let mut ispe = width.to_be_bytes().to_vec();
            ispe.extend_from_slice(&height.to_be_bytes());
            ipco.extend_from_slice(&full_box(b"ispe", 0, &ispe));
        }
        for transform in transforms {
            ipco.extend_from_slice(transform);
        }
        let mut iprp = bmff_box(b"ipco", &ipco);
        iprp.extend_from_slice(&full_box(b"ipma", 0, &ipma));
        let mut body = full_box(b"hdlr", 0, &hdlr);
        body.extend_from_slice(&full_box(b"pitm", 0, &primary.to_be_bytes()));
        body.extend_from_slice(&full_box(b"iinf", 0, &iinf));
        body.extend_from_slice(&full_box(b"iloc", 0, &iloc));
        if grid.is_some() {
            body.extend_from_slice(&full_box(b"iref", 0, &bmff_box(b"dimg", &dimg)));
        }
        body.extend_from_slice(&bmff_box(b"iprp", &iprp));
        full_box(b"meta", 0, &body)
    };
    // Offsets are fixed-width, so a first pass gives the size that places the data.
    let data_start = u32::try_from(ftyp.len() + meta(0).len() + 8).unwrap();
    let mut mdat = Vec::new();
    for tile in tiles {
        mdat.extend_from_slice(&tile.data);
    }
    mdat.extend_from_slice(&descriptor);
    let mut file = ftyp;
    file.extend_from_slice(&meta(data_start));
    file.extend_from_slice(&bmff_box(b"mdat", &mdat));
    file
}

/// irot: `quarter_turns` anticlockwise.
fn irot(quarter_turns: u8) -> Vec<u8> {
    bmff_box(b"irot", &[quarter_turns & 3])
}

/// imir with axis 1: mirrored left to right (about the vertical axis).
fn imir_left_right() -> Vec<u8> {
    bmff_box(b"imir", &[1])
}

/// The split-colour test picture as `split.png` and, encoded by heif-enc, `split.heic`.
fn split_heic(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let png = dir.join("split.png");
    let heic = dir.join("split.heic");
    write_png(&png, W, H, split);
    tool(
        "heif-enc",
        "libheif-examples",
        &["-q", "90", "-o", path_str(&heic), path_str(&png)],
    );
    (png, heic)
}

#[test]
fn heic_from_heif_enc_keeps_size_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    let (_, heic) = split_heic(dir.path());
    let copy = convert("image/heic", &std::fs::read(&heic).unwrap()).unwrap();
    assert_eq!(copy.from, "HEIC");
    assert_split(&copy);
    // The same bytes recorded as HEIF (or as a sequence) decode the same; only the label differs.
    let copy = convert("image/heif-sequence", &std::fs::read(&heic).unwrap()).unwrap();
    assert_eq!(copy.from, "HEIF");
    assert_split(&copy);
}

#[test]
fn heic_exif_never_reaches_the_copy() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("camera.jpg");
    let heic = dir.path().join("camera.heic");
    let mut source = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut source, 95);
    encoder.add_app_segment(1, &exif_block(1)).unwrap();
    let rgb: Vec<u8> = pixels(W, H, split)
        .iter()
        .flat_map(|px| px[..3].to_vec())
        .collect();
    encoder
        .encode(&rgb, W as u16, H as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    std::fs::write(&jpeg, &source).unwrap();
    tool(
        "heif-enc",
        "libheif-examples",
        &["-q", "90", "-o", path_str(&heic), path_str(&jpeg)],
    );
    let bytes = std::fs::read(&heic).unwrap();
    // The fixture really carries the EXIF, so its absence below means something.
    let context = HeifContext::read_from_bytes(&bytes).unwrap();
    let handle = context.primary_image_handle().unwrap();
    assert_eq!(handle.number_of_metadata_blocks(b"Exif"), 1);
    let copy = convert("image/heic", &bytes).unwrap();
    assert_split(&copy);
    let leaked = copy.jpeg.windows(11).any(|w| w == b"SecretPhone");
    assert!(!leaked, "the camera make leaked into the copy");
}

#[test]
fn heic_rotation_and_mirror_are_applied_to_the_pixels() {
    let tile = [coded(&heic(W, H, split))];
    // irot 3 (three quarter turns anticlockwise, as a phone held upright records it) is a
    // quarter turn clockwise: the left (red) half is now on top.
    let rotated = heif_file(&tile, Layout::Single, &[irot(3)]);
    let copy = convert("image/heic", &rotated).unwrap();
    assert_eq!((copy.width, copy.height), (H, W));
    assert_colours(&copy, &[(H / 2, W / 4, RED), (H / 2, 3 * W / 4, BLUE)]);

    let mirrored = heif_file(&tile, Layout::Single, &[imir_left_right()]);
    let copy = convert("image/heic", &mirrored).unwrap();
    assert_eq!((copy.width, copy.height), (W, H));
    assert_colours(&copy, &[(W / 4, H / 2, BLUE), (3 * W / 4, H / 2, RED)]);

    // Without a transform the same layout comes out as coded, so the above is no accident.
    let plain = heif_file(&tile, Layout::Single, &[]);
    assert_split(&convert("image/heic", &plain).unwrap());
}

#[test]
fn heic_grid_is_assembled_and_rotated() {
    let tile = |colour: [u8; 3]| {
        coded(&heic(64, 64, move |_, _| {
            [colour[0], colour[1], colour[2], 255]
        }))
    };
    let tiles = [tile(RED), tile(BLUE)];
    let grid = || Layout::Grid {
        columns: 2,
        output: (128, 64),
        ispe: (128, 64),
    };
    let upright = heif_file(&tiles, grid(), &[]);
    let copy = convert("image/heic", &upright).unwrap();
    assert_eq!((copy.width, copy.height), (128, 64));
    assert_colours(&copy, &[(32, 32, RED), (96, 32, BLUE)]);

    // irot 1 is a quarter turn anticlockwise: the right (blue) tile ends on top.
    let rotated = heif_file(&tiles, grid(), &[irot(1)]);
    let copy = convert("image/heic", &rotated).unwrap();
    assert_eq!((copy.width, copy.height), (64, 128));
    assert_colours(&copy, &[(32, 32, BLUE), (32, 96, RED)]);
}

#[test]
fn avif_converts_rotated_and_transparent() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("alpha.png");
    let avif = dir.path().join("alpha.avif");
    write_png(&png, W, H, half_transparent);
    tool(
        "heif-enc",
        "libheif-examples",
        &["-A", "-q", "90", "-o", path_str(&avif), path_str(&png)],
    );
    let copy = convert("image/avif", &std::fs::read(&avif).unwrap()).unwrap();
    assert_eq!(copy.from, "AVIF");
    assert_transparent_left_is_white(&copy);

    let tile = [coded(&encode_heif(
        CompressionFormat::Av1,
        W,
        H,
        split,
        None,
    ))];
    let rotated = heif_file(&tile, Layout::Single, &[irot(3)]);
    let copy = convert("image/avif", &rotated).unwrap();
    assert_eq!((copy.width, copy.height), (H, W));
    assert_colours(&copy, &[(H / 2, W / 4, RED), (H / 2, 3 * W / 4, BLUE)]);
}

#[test]
fn ten_bit_heic_and_avif_come_out_as_8_bit() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("deep.png");
    let heic = dir.path().join("deep.heic");
    let avif = dir.path().join("deep.avif");
    // 16-bit RGB #3366CC: heif-enc keeps 10 bits of it, libaom codes it as 10-bit AV1.
    tool(
        "ffmpeg",
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=0x3366CC:s=64x32",
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgb48be",
            path_str(&png),
        ],
    );
    tool(
        "heif-enc",
        "libheif-examples",
        &[
            "-b",
            "10",
            "-q",
            "90",
            "-o",
            path_str(&heic),
            path_str(&png),
        ],
    );
    let avif_bytes = ffmpeg_convert(
        &png,
        &avif,
        &[
            "-c:v",
            "libaom-av1",
            "-pix_fmt",
            "yuv420p10le",
            "-still-picture",
            "1",
            "-crf",
            "20",
        ],
    );
    for (mime, bytes) in [
        ("image/heic", std::fs::read(&heic).unwrap()),
        ("image/avif", avif_bytes),
    ] {
        let context = HeifContext::read_from_bytes(&bytes).unwrap();
        let handle = context.primary_image_handle().unwrap();
        assert_eq!(handle.luma_bits_per_pixel(), 10, "{mime} fixture is 10-bit");
        let copy = convert(mime, &bytes).unwrap();
        assert_eq!((copy.width, copy.height), (64, 32));
        assert_colours(&copy, &[(32, 16, [0x33, 0x66, 0xCC])]);
    }
}

#[test]
fn heic_premultiplied_alpha_is_laid_over_white() {
    // Half-transparent blue, stored premultiplied (0, 0, 128) or straight (0, 0, 255):
    // over white both must come out as (127, 127, 255).
    for (premultiplied, blue) in [(true, 128), (false, 255)] {
        let bytes = encode_heif(
            CompressionFormat::Hevc,
            W,
            H,
            move |_, _| [0, 0, blue, 128],
            Some(premultiplied),
        );
        let copy = convert("image/heic", &bytes).unwrap();
        assert_colours(&copy, &[(W / 2, H / 2, [127, 127, 255])]);
    }
}

#[test]
fn garbage_and_truncated_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (png, heic) = split_heic(dir.path());
    let heic = std::fs::read(&heic).unwrap();
    let webp = ffmpeg_convert(
        &png,
        &dir.path().join("split.webp"),
        &["-c:v", "libwebp", "-lossless", "1"],
    );
    let tiff = tiff(W, H, 1, split);
    let mut noise = Vec::new();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..4096 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push(state as u8);
    }
    let mut heif_junk = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heif_junk.extend_from_slice(&noise);
    let mut tiff_junk = b"II*\0\x08\0\0\0".to_vec();
    tiff_junk.extend_from_slice(&noise);
    let mut webp_junk = b"RIFF\0\x10\0\0WEBPVP8 ".to_vec();
    webp_junk.extend_from_slice(&noise);
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("noise", noise.clone()),
        ("heif header", heif_junk),
        ("tiff header", tiff_junk),
        ("webp header", webp_junk),
        ("half a heic", heic[..heic.len() / 2].to_vec()),
        ("half a webp", webp[..webp.len() / 2].to_vec()),
        ("half a tiff", tiff[..tiff.len() / 2].to_vec()),
    ];
    for mime in [
        "image/heic",
        "image/heif",
        "image/avif",
        "image/tiff",
        "image/webp",
    ] {
        for (what, bytes) in &inputs {
            let result = convert(mime, bytes);
            assert!(result.is_err(), "{what} as {mime} converted");
        }
    }
    let message = convert("image/heic", b"not a picture")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("This HEIC picture could not be decoded: "),
        "{message}"
    );
}

#[test]
fn damaged_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (png, heic) = split_heic(dir.path());
    let webp = ffmpeg_convert(
        &png,
        &dir.path().join("split.webp"),
        &["-c:v", "libwebp", "-quality", "90"],
    );
    let files = [
        ("image/heic", std::fs::read(&heic).unwrap()),
        ("image/webp", webp),
        ("image/tiff", tiff(W, H, 6, split)),
    ];
    // Every byte of every header, and a spread of bytes after it, set to values that
    // matter to parsers (zero, one, all ones, a flipped bit). Ok or Err are both fine.
    for (mime, original) in &files {
        let positions: Vec<usize> = (0..original.len().min(400))
            .chain((400..original.len()).step_by(37))
            .collect();
        for at in positions {
            for value in [0x00, 0x01, 0xFF, original[at] ^ 0x80] {
                let mut damaged = original.clone();
                damaged[at] = value;
                if let Ok(copy) = convert(mime, &damaged) {
                    assert!(u64::from(copy.width) * u64::from(copy.height) <= MAX_PIXELS);
                    jpeg_segments(&copy.jpeg);
                }
            }
        }
    }
}

#[test]
fn oversized_heic_is_refused_before_decoding() {
    let tile = coded(&heic(64, 64, split));
    let tiles = [tile, coded(&heic(64, 64, split))];
    // A grid claiming 20000 x 20000 (400 megapixels) out of two small tiles.
    let claims = |ispe| Layout::Grid {
        columns: 2,
        output: (20_000, 20_000),
        ispe,
    };
    let bomb = heif_file(&tiles, claims((20_000, 20_000)), &[]);
    let err = convert("image/heic", &bomb).unwrap_err();
    assert_too_large(&err, 20_000, 20_000);
    assert!(err.to_string().contains("20000 by 20000"), "{err}");
    // The same grid whose ispe box understates the size: libheif would report 128 x 64 and
    // then allocate the 20000 x 20000 canvas.
    let liar = heif_file(&tiles, claims((128, 64)), &[]);
    let err = convert("image/heic", &liar).unwrap_err();
    assert_too_large(&err, 20_000, 20_000);
}

/// The refusal names the size the file claims.
fn assert_too_large(err: &PictureError, w: u32, h: u32) {
    assert!(
        matches!(err, PictureError::TooLarge { width, height, .. } if *width == w && *height == h),
        "{err}"
    );
}
