//! HEIC, HEIF and AVIF through the system libheif (only with the `phone-media` feature; see
//! `heif_unavailable.rs` for the build without it).

use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};

use super::{check_size, over_white, PictureError, Rgb8};

/// This build decodes HEIC, HEIF and AVIF.
pub(super) const AVAILABLE: bool = true;

/// Premultiplied alpha over a white page: the colour already carries its share.
fn premultiplied_over_white(colour: u8, alpha: u8) -> u8 {
    colour.saturating_add(255 - alpha)
}

/// HEIC, HEIF and AVIF through libheif. libheif assembles grid images (Apple's 512-pixel tiles)
/// and applies the file's crop, rotation and mirror (clap/irot/imir) while decoding, because
/// `ignore_transformations` is left off; the primary image is what a phone's gallery shows.
pub(super) fn decode(format: &'static str, bytes: &[u8]) -> Result<Rgb8, PictureError> {
    let heif_error = |err: libheif_rs::HeifError| PictureError::Decode {
        format,
        detail: err.message.clone(),
    };
    // libheif sizes a grid's canvas from the grid's own data, not from the ispe box the
    // handle reports, and allocates it before decoding a tile; libheif-rs 0.20 cannot lower
    // libheif's limit (32768 pixels a side). So the canvases are read and checked here first.
    for (width, height) in boxes::declared_canvases(bytes) {
        check_size(format, width, height)?;
    }
    // Declared first so it is dropped last: libheif stays initialised while the context lives.
    let lib = LibHeif::new();
    let context = HeifContext::read_from_bytes(bytes).map_err(heif_error)?;
    let handle = context.primary_image_handle().map_err(heif_error)?;
    // The handle reports the size after rotation; the coded size (ispe) is checked too, so a
    // file whose boxes disagree cannot sneak a larger buffer past the limit.
    check_size(format, handle.width(), handle.height())?;
    let ispe_width = u32::try_from(handle.ispe_width()).unwrap_or(0);
    let ispe_height = u32::try_from(handle.ispe_height()).unwrap_or(0);
    if ispe_width != 0 || ispe_height != 0 {
        check_size(format, ispe_width, ispe_height)?;
    }
    let has_alpha = handle.has_alpha_channel();
    let chroma = if has_alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    // No DecodingOptions: libheif-rs 0.20 frees them before libheif reads them. libheif's
    // defaults are the ones wanted anyway: transformations applied, and 10- or 12-bit pictures
    // (HDR photos) reduced to 8 bits because 8-bit interleaved RGB is asked for.
    let image = lib
        .decode(&handle, ColorSpace::Rgb(chroma), None)
        .map_err(heif_error)?;
    let premultiplied = image.is_premultiplied_alpha();
    let planes = image.planes();
    let plane = planes.interleaved.ok_or_else(|| PictureError::Decode {
        format,
        detail: "libheif returned no RGB pixels".to_string(),
    })?;
    let channels: usize = if has_alpha { 4 } else { 3 };
    if plane.bits_per_pixel != 8 || usize::from(plane.storage_bits_per_pixel) != channels * 8 {
        return Err(PictureError::Decode {
            format,
            detail: format!(
                "libheif returned {}-bit pixels where 8-bit ones were asked for",
                plane.bits_per_pixel
            ),
        });
    }
    check_size(format, plane.width, plane.height)?;
    let (width, height) = (plane.width as usize, plane.height as usize);
    let row_bytes = width * channels;
    if plane.stride < row_bytes || plane.data.len() < plane.stride * (height - 1) + row_bytes {
        return Err(PictureError::Decode {
            format,
            detail: "libheif returned a pixel buffer smaller than the picture".to_string(),
        });
    }
    let mut pixels = Vec::with_capacity(width * height * 3);
    for row in plane.data.chunks(plane.stride).take(height) {
        let row = &row[..row_bytes];
        if has_alpha {
            let blend = if premultiplied {
                premultiplied_over_white
            } else {
                over_white
            };
            for px in row.chunks_exact(4) {
                pixels.extend_from_slice(&[
                    blend(px[0], px[3]),
                    blend(px[1], px[3]),
                    blend(px[2], px[3]),
                ]);
            }
        } else {
            pixels.extend_from_slice(row);
        }
    }
    Ok(Rgb8 {
        width: plane.width,
        height: plane.height,
        pixels,
    })
}

/// Just enough of ISO BMFF / HEIF (ISO/IEC 14496-12, 23008-12) to find the canvas size that
/// each grid and overlay item declares. Every read is bounds-checked; anything unexpected ends
/// the search quietly, leaving libheif to judge the file, so a legitimate picture is never
/// refused by this parser's gaps.
mod boxes {
    /// Big-endian reads from an untrusted slice; a read past the end gives `None`.
    struct Reader<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        fn new(data: &'a [u8]) -> Self {
            Reader { data, at: 0 }
        }

        fn bytes(&mut self, count: usize) -> Option<&'a [u8]> {
            let end = self.at.checked_add(count)?;
            let bytes = self.data.get(self.at..end)?;
            self.at = end;
            Some(bytes)
        }

        /// An unsigned field of 0 to 8 bytes (iloc's field sizes may be 0).
        fn uint(&mut self, size: u8) -> Option<u64> {
            if size > 8 {
                return None;
            }
            let bytes = self.bytes(usize::from(size))?;
            Some(
                bytes
                    .iter()
                    .fold(0, |value, &b| (value << 8) | u64::from(b)),
            )
        }

        /// Version of a FullBox; the three flag bytes are skipped.
        fn full_box_version(&mut self) -> Option<u8> {
            let version = self.uint(1)?;
            self.bytes(3)?;
            u8::try_from(version).ok()
        }

        fn rest(&self) -> &'a [u8] {
            self.data.get(self.at..).unwrap_or(&[])
        }
    }

    /// The boxes laid end to end in `data`, as (type, payload); stops at the first malformed one.
    fn boxes(data: &[u8]) -> Vec<([u8; 4], &[u8])> {
        let mut found = Vec::new();
        let mut reader = Reader::new(data);
        while let (Some(size), Some(kind)) = (reader.uint(4), reader.bytes(4)) {
            let header = match size {
                1 => 16,
                _ => 8,
            };
            let size = match size {
                0 => (data.len() - reader.at + 8) as u64,
                1 => match reader.uint(8) {
                    Some(large) => large,
                    None => break,
                },
                size => size,
            };
            let Some(payload_len) = size
                .checked_sub(header)
                .and_then(|len| usize::try_from(len).ok())
            else {
                break;
            };
            let (Some(payload), Ok(kind)) = (reader.bytes(payload_len), <[u8; 4]>::try_from(kind))
            else {
                break;
            };
            found.push((kind, payload));
        }
        found
    }

    /// (width, height) declared by every grid and overlay item in the file.
    pub(super) fn declared_canvases(file: &[u8]) -> Vec<(u32, u32)> {
        let top = boxes(file);
        let Some(meta) = top
            .iter()
            .find(|(kind, _)| kind == b"meta")
            .and_then(|(_, payload)| payload.get(4..))
        else {
            return Vec::new();
        };
        let children = boxes(meta);
        let child = |wanted: &[u8; 4]| {
            children
                .iter()
                .find(|(kind, _)| kind == wanted)
                .map(|(_, payload)| *payload)
        };
        let (Some(iinf), Some(iloc)) = (child(b"iinf"), child(b"iloc")) else {
            return Vec::new();
        };
        let idat = child(b"idat").unwrap_or(&[]);
        derived_items(iinf)
            .into_iter()
            .filter_map(|(id, kind)| canvas_size(&kind, &item_start(file, idat, iloc, id)?))
            .collect()
    }

    /// Items of type `grid` or `iovl`, the two whose canvas libheif builds from item data.
    fn derived_items(iinf: &[u8]) -> Vec<(u64, [u8; 4])> {
        let mut reader = Reader::new(iinf);
        let Some(version) = reader.full_box_version() else {
            return Vec::new();
        };
        if reader.uint(if version == 0 { 2 } else { 4 }).is_none() {
            return Vec::new();
        }
        boxes(reader.rest())
            .into_iter()
            .filter(|(kind, _)| kind == b"infe")
            .filter_map(|(_, infe)| {
                let mut reader = Reader::new(infe);
                let version = reader.full_box_version()?;
                let id = match version {
                    2 => reader.uint(2)?,
                    3 => reader.uint(4)?,
                    _ => return None,
                };
                reader.uint(2)?;
                let kind = <[u8; 4]>::try_from(reader.bytes(4)?).ok()?;
                (&kind == b"grid" || &kind == b"iovl").then_some((id, kind))
            })
            .collect()
    }

    /// The first bytes (enough for any canvas header) of item `wanted`, from the file or from
    /// the idat box as its iloc entry says.
    fn item_start(file: &[u8], idat: &[u8], iloc: &[u8], wanted: u64) -> Option<Vec<u8>> {
        const WANT: usize = 20;
        let mut reader = Reader::new(iloc);
        let version = reader.full_box_version()?;
        let sizes = reader.uint(1)?;
        let (offset_size, length_size) = ((sizes >> 4) as u8, (sizes & 15) as u8);
        let sizes = reader.uint(1)?;
        let base_offset_size = (sizes >> 4) as u8;
        let index_size = if version == 1 || version == 2 {
            (sizes & 15) as u8
        } else {
            0
        };
        let id_size = if version < 2 { 2 } else { 4 };
        let item_count = reader.uint(id_size)?;
        for _ in 0..item_count {
            let id = reader.uint(id_size)?;
            let method = if version == 1 || version == 2 {
                reader.uint(2)? & 15
            } else {
                0
            };
            reader.uint(2)?;
            let base = reader.uint(base_offset_size)?;
            let extent_count = reader.uint(2)?;
            let mut data = Vec::new();
            for _ in 0..extent_count {
                reader.uint(index_size)?;
                let offset = reader.uint(offset_size)?;
                let length = reader.uint(length_size)?;
                if id != wanted || data.len() >= WANT {
                    continue;
                }
                let source = match method {
                    0 => file,
                    1 => idat,
                    _ => return None,
                };
                let start = usize::try_from(base.checked_add(offset)?).ok()?;
                let available = source.get(start..)?;
                let length = match usize::try_from(length).ok()? {
                    0 => available.len(),
                    length => length.min(available.len()),
                };
                let take = length.min(WANT - data.len());
                data.extend_from_slice(available.get(..take)?);
            }
            if id == wanted {
                return Some(data);
            }
        }
        None
    }

    /// The output size in a grid (ISO/IEC 23008-12 6.6.2.3) or overlay (6.6.2.4) header.
    fn canvas_size(kind: &[u8; 4], data: &[u8]) -> Option<(u32, u32)> {
        let mut reader = Reader::new(data);
        reader.uint(1)?;
        let flags = reader.uint(1)?;
        // grid: rows and columns, one byte each; iovl: four 16-bit fill values.
        reader.bytes(if kind == b"grid" { 2 } else { 8 })?;
        let size = if flags & 1 == 1 { 4 } else { 2 };
        let width = u32::try_from(reader.uint(size)?).ok()?;
        let height = u32::try_from(reader.uint(size)?).ok()?;
        Some((width, height))
    }
}
