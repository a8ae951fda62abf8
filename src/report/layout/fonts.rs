//! The four embedded DejaVu faces, and measuring text with their real advance widths.
//!
//! Widths are computed exactly the way the viewer will advance the pen: printpdf writes each
//! glyph's `/W` entry as `trunc(advance * 1000 / unitsPerEm)` thousandths of an em, so line
//! breaking uses that same truncated integer. Measuring any other way (float advances, an
//! average width) lets a line that "fitted" overflow the right margin by a fraction of a point.

use std::sync::Arc;

use printpdf::ParsedFont;
use unicode_normalization::UnicodeNormalization;

use super::{Font, LayoutError};

/// DejaVu 2.37 (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`). Chosen because
/// it covers Latin-1, Latin Extended, curly quotes, dashes, ellipsis and the euro sign, and is
/// free to embed.
const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Oblique.ttf");
const MONO: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf");

/// Shown in place of a character the font cannot draw (emoji, CJK, ...). A visible marker is
/// better than silently dropping the character (a quote would read differently) and better
/// than the font's .notdef box, which PDF/A forbids referencing and which extracts as nothing.
const REPLACEMENT: char = '\u{FFFD}';

/// One parsed face plus what serialisation needs to know about it.
pub(crate) struct Face {
    /// PostScript-ish family name, used only to derive the subset tag.
    pub(crate) name: &'static str,
    pub(crate) parsed: ParsedFont,
    units_per_em: f32,
    /// What an undrawable character becomes in this face.
    replacement: char,
}

/// All faces a layout can use. Shared (`Arc`) between the layout and its canvases so a
/// drawing callback can measure text without borrowing the layout.
pub(crate) struct Fonts {
    faces: [Face; 4],
}

impl Fonts {
    pub(crate) fn load() -> Result<Arc<Self>, LayoutError> {
        Ok(Arc::new(Self {
            faces: [
                Face::parse("DejaVuSans", REGULAR)?,
                Face::parse("DejaVuSans-Bold", BOLD)?,
                Face::parse("DejaVuSans-Oblique", ITALIC)?,
                Face::parse("DejaVuSansMono", MONO)?,
            ],
        }))
    }

    pub(crate) fn face(&self, font: Font) -> &Face {
        &self.faces[font_index(font)]
    }

    /// Turn arbitrary user text into text this face can draw: NFC-normalised (so a decomposed
    /// "é" uses the precomposed glyph), tabs widened, invisible format characters dropped, and
    /// anything the font has no glyph for replaced by a visible marker.
    pub(crate) fn sanitize(&self, font: Font, text: &str) -> String {
        let face = self.face(font);
        let mut out = String::with_capacity(text.len());
        for c in text.nfc() {
            match c {
                '\t' => out.push_str("    "),
                '\n' => out.push('\n'),
                // Zero-width / bidi / variation selectors / BOM / soft hyphen: invisible, and
                // a replacement marker for them would litter emoji sequences with noise.
                '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}' => {}
                c if c.is_control() => {}
                c if face.glyph(c).is_some() => out.push(c),
                // Emoji skin-tone modifiers follow the emoji they modify: one marker is enough.
                '\u{1F3FB}'..='\u{1F3FF}' => {}
                _ => out.push(face.replacement),
            }
        }
        out
    }

    /// Width in points of already-sanitised `text` (no newlines) at `size`.
    pub(crate) fn width(&self, font: Font, text: &str, size: f32) -> f32 {
        let face = self.face(font);
        let thousandths: i64 = text.chars().map(|c| face.advance_1000(c)).sum();
        thousandths as f32 * size / 1000.0
    }
}

pub(crate) fn font_index(font: Font) -> usize {
    match font {
        Font::Regular => 0,
        Font::Bold => 1,
        Font::Italic => 2,
        Font::Mono => 3,
    }
}

impl Face {
    fn parse(name: &'static str, bytes: &[u8]) -> Result<Self, LayoutError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
            LayoutError::Font(format!("embedded font {name} could not be parsed"))
        })?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let mut face = Self {
            name,
            parsed,
            units_per_em,
            replacement: '?',
        };
        if face.glyph(REPLACEMENT).is_some() {
            face.replacement = REPLACEMENT;
        }
        if face.glyph('?').is_none() || face.glyph(' ').is_none() {
            return Err(LayoutError::Font(format!(
                "embedded font {name} lacks basic ASCII glyphs"
            )));
        }
        Ok(face)
    }

    /// The glyph for `c`, treating .notdef (gid 0) as "no glyph": drawing it is what
    /// sanitising exists to prevent.
    fn glyph(&self, c: char) -> Option<u16> {
        self.parsed
            .lookup_glyph_index(u32::from(c))
            .filter(|gid| *gid != 0)
    }

    /// Advance in thousandths of an em, truncated exactly like printpdf's `/W` entries.
    fn advance_1000(&self, c: char) -> i64 {
        let gid = self
            .glyph(c)
            .or_else(|| self.glyph(self.replacement))
            .unwrap_or(0);
        let raw = self
            .parsed
            .get_or_decode_glyph(gid)
            .map(|g| f32::from(g.horz_advance))
            .unwrap_or_else(|| f32::from(self.parsed.get_horizontal_advance(gid)));
        (raw * 1000.0 / self.units_per_em) as i64
    }
}
