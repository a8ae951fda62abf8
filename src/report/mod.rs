//! Court-ready exports: the chronological report, the evidence packet and the officer sheet.
//! `layout` turns flowing content into paginated PDF pages; the modules beside it decide what
//! goes on them.

pub mod chronological;
pub mod exhibits;
pub mod layout;
pub mod officer_sheet;
pub mod redact;
pub mod volumes;

/// Decodes a PNG to 8-bit RGB over white paper, for embedding. `None` for what we cannot
/// decode (the original file still goes in the evidence packet).
pub(crate) fn decode_png(bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
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
