//! The embedded faces: four DejaVu faces for text and Noto Emoji as a fallback for emoji;
//! which face draws each character, and measuring text with the real advance widths.
//!
//! Text is set in the DejaVu face of its style ([`Font`]). DejaVu has only a handful of emoji,
//! but the texts a report prints are full of them and the court must see what was sent, so a
//! character the style's face cannot draw and Noto Emoji can is drawn in Noto Emoji, at the
//! same size and on the same baseline. A line is therefore a sequence of runs, each in one
//! face ([`Fonts::runs`]): the PDF switches font between runs inside one text object, and
//! measuring adds up every character's advance in the face that draws it, so line breaking
//! agrees with what is printed.
//!
//! Widths are computed exactly the way the viewer will advance the pen: printpdf writes each
//! glyph's `/W` entry as `trunc(advance * 1000 / unitsPerEm)` thousandths of an em, so line
//! breaking uses that same truncated integer. Measuring any other way (float advances, an
//! average width) lets a line that "fitted" overflow the right margin by a fraction of a point.

use std::sync::{Arc, OnceLock};

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

/// Noto Emoji 3.005, Google's static Regular instance (SIL Open Font License 1.1, see
/// `assets/fonts/LICENSE-NotoEmoji.txt`). Monochrome outlines, because reports are black and
/// grey only (a black-and-white printout must lose nothing) and a PDF font program is drawn
/// from its outlines: a colour emoji font's bitmaps or colour layers would not print. One face
/// serves all four styles: there is no bold, italic or monospaced Noto Emoji, and a thumbs-up
/// needs no slant to be read.
const EMOJI: &[u8] = include_bytes!("../../../assets/fonts/NotoEmoji-Regular.ttf");

/// Shown in place of a character no face can draw (CJK, symbols from other scripts, ...). A
/// visible marker is better than silently dropping the character (a quote would read
/// differently) and better than the font's .notdef box, which PDF/A forbids referencing and
/// which extracts as nothing.
const REPLACEMENT: char = '\u{FFFD}';

/// Which embedded face draws a run of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaceId {
    /// The DejaVu face of the text's style.
    Text(Font),
    /// Noto Emoji, for what the style's face has no glyph for.
    Emoji,
}

impl FaceId {
    /// Every face a document can embed, in the order of [`FaceId::index`].
    pub(crate) const ALL: [FaceId; 5] = [
        FaceId::Text(Font::Regular),
        FaceId::Text(Font::Bold),
        FaceId::Text(Font::Italic),
        FaceId::Text(Font::Mono),
        FaceId::Emoji,
    ];

    /// Position in [`FaceId::ALL`], for per-face tables.
    pub(crate) fn index(self) -> usize {
        match self {
            FaceId::Text(Font::Regular) => 0,
            FaceId::Text(Font::Bold) => 1,
            FaceId::Text(Font::Italic) => 2,
            FaceId::Text(Font::Mono) => 3,
            FaceId::Emoji => 4,
        }
    }
}

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
    /// Parsed on first need, i.e. the first time a text face lacks a character: most reports
    /// never get there, and a layout is made several times per report (once per volume).
    /// `None` if the embedded font could not be parsed; the unit tests make sure it can, and
    /// without it emoji fall back to the replacement marker as before it existed.
    emoji: OnceLock<Option<Face>>,
}

impl Fonts {
    pub(crate) fn load() -> Result<Arc<Self>, LayoutError> {
        Ok(Arc::new(Self {
            faces: [
                Face::parse_text("DejaVuSans", REGULAR)?,
                Face::parse_text("DejaVuSans-Bold", BOLD)?,
                Face::parse_text("DejaVuSans-Oblique", ITALIC)?,
                Face::parse_text("DejaVuSansMono", MONO)?,
            ],
            emoji: OnceLock::new(),
        }))
    }

    /// The DejaVu face of a style.
    fn text_face(&self, font: Font) -> &Face {
        &self.faces[FaceId::Text(font).index()]
    }

    fn emoji(&self) -> Option<&Face> {
        self.emoji
            .get_or_init(|| Face::parse("NotoEmoji-Regular", EMOJI).ok())
            .as_ref()
    }

    /// The face for `id`; `None` only for the emoji face when it could not be parsed, and
    /// then no text refers to it (see [`Fonts::face_for`]).
    pub(crate) fn face(&self, id: FaceId) -> Option<&Face> {
        match id {
            FaceId::Text(font) => Some(self.text_face(font)),
            FaceId::Emoji => self.emoji(),
        }
    }

    /// The face that draws `c` in text of style `font`: the style's own face whenever it has
    /// the glyph (DejaVu's few emoji, such as U+1F600, stay DejaVu's), else Noto Emoji when it
    /// has it. A character neither has stays with the style's face; sanitised text has none.
    fn face_for(&self, font: Font, c: char) -> (FaceId, &Face) {
        let text = self.text_face(font);
        // ASCII needs no lookup: every text face draws all of it (checked when loading).
        if !c.is_ascii() && text.glyph(c).is_none() {
            if let Some(emoji) = self.emoji().filter(|e| e.glyph(c).is_some()) {
                return (FaceId::Emoji, emoji);
            }
        }
        (FaceId::Text(font), text)
    }

    /// Turn arbitrary user text into text the faces can draw: NFC-normalised (so a decomposed
    /// "é" uses the precomposed glyph), tabs widened, invisible format characters dropped, and
    /// anything neither the style's face nor Noto Emoji has a glyph for replaced by a visible
    /// marker.
    ///
    /// Emoji are drawn one code point at a time, without OpenType shaping, so a sequence the
    /// sender's phone shows as one picture prints as its parts: a ZWJ sequence such as
    /// 👩‍💻 prints as 👩 and 💻 side by side (the joiner is invisible and dropped), a flag
    /// as the two letters of its regional indicators (🇺🇸 as "U S"), a subdivision flag as a
    /// plain black flag, a keycap as the digit followed by an empty keycap, and 👍🏽 as the
    /// thumb alone. Text extracted from the PDF gives the same parts back, so what is read
    /// out of the file matches what is printed.
    pub(crate) fn sanitize(&self, font: Font, text: &str) -> String {
        let face = self.text_face(font);
        let mut out = String::with_capacity(text.len());
        for c in text.nfc() {
            match c {
                '\t' => out.push_str("    "),
                '\n' => out.push('\n'),
                // Zero-width / bidi / variation selectors / BOM / soft hyphen / tag characters
                // (which spell out subdivision flags after a black flag): invisible, and a
                // replacement marker for them would litter emoji sequences with noise.
                '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{E0000}'..='\u{E007F}' => {}
                c if c.is_control() => {}
                c if face.glyph(c).is_some() => out.push(c),
                // Emoji skin-tone modifiers follow the emoji they modify. Unshaped, Noto Emoji
                // draws them as separate hatched squares, which look like missing-glyph boxes
                // beside the emoji: the emoji alone reads better.
                '\u{1F3FB}'..='\u{1F3FF}' => {}
                c if self.emoji().is_some_and(|e| e.glyph(c).is_some()) => out.push(c),
                _ => out.push(face.replacement),
            }
        }
        out
    }

    /// Already-sanitised `text` split into maximal runs drawn by one face each, in order.
    /// Drawing the runs one after the other in a single text object puts every glyph where
    /// [`Fonts::width`] measured it.
    pub(crate) fn runs<'t>(&self, font: Font, text: &'t str) -> Vec<(FaceId, &'t str)> {
        // Most lines: no character-by-character look at them (see `face_for`).
        if text.is_ascii() {
            return if text.is_empty() {
                Vec::new()
            } else {
                vec![(FaceId::Text(font), text)]
            };
        }
        let mut runs = Vec::new();
        let mut current: Option<(FaceId, usize)> = None;
        for (at, c) in text.char_indices() {
            let (id, _) = self.face_for(font, c);
            match current {
                Some((cur, _)) if cur == id => {}
                Some((cur, start)) => {
                    runs.push((cur, &text[start..at]));
                    current = Some((id, at));
                }
                None => current = Some((id, at)),
            }
        }
        if let Some((cur, start)) = current {
            runs.push((cur, &text[start..]));
        }
        runs
    }

    /// Width in points of already-sanitised `text` (no newlines) at `size`, each character
    /// measured in the face that draws it.
    pub(crate) fn width(&self, font: Font, text: &str, size: f32) -> f32 {
        let thousandths: i64 = text
            .chars()
            .map(|c| self.face_for(font, c).1.advance_1000(c))
            .sum();
        thousandths as f32 * size / 1000.0
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
        Ok(face)
    }

    /// A face for text, which must draw all of printable ASCII: every report's labels are
    /// ASCII, and [`Fonts::face_for`] relies on it to skip the lookup for most characters.
    fn parse_text(name: &'static str, bytes: &[u8]) -> Result<Self, LayoutError> {
        let face = Self::parse(name, bytes)?;
        if (' '..='~').any(|c| face.glyph(c).is_none()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = "Answer me 😡😡 or else 🔪 ❤\u{FE0F} 👍\u{1F3FD} 👩\u{200D}💻";

    #[test]
    fn the_embedded_emoji_font_parses_and_draws_common_emoji() {
        let fonts = Fonts::load().expect("fonts");
        let emoji = fonts.emoji().expect("Noto Emoji parses");
        for c in ['🔪', '👍', '👩', '💻', '🇺', '🥺', '🫠'] {
            assert!(emoji.glyph(c).is_some(), "Noto Emoji draws {c}");
            assert_eq!(fonts.face_for(Font::Regular, c).0, FaceId::Emoji, "{c}");
        }
        // What DejaVu draws itself stays DejaVu's, in every style it has it: Sans has some
        // emoticons (U+1F600..), Mono none.
        assert_eq!(
            fonts.face_for(Font::Regular, '😡').0,
            FaceId::Text(Font::Regular)
        );
        assert_eq!(fonts.face_for(Font::Mono, '😡').0, FaceId::Emoji);
        assert_eq!(fonts.face_for(Font::Bold, '❤').0, FaceId::Text(Font::Bold));
        assert_eq!(fonts.face_for(Font::Mono, 'a').0, FaceId::Text(Font::Mono));
    }

    #[test]
    fn sanitising_keeps_emoji_drops_invisibles_and_marks_the_rest() {
        let fonts = Fonts::load().expect("fonts");
        for font in [Font::Regular, Font::Bold, Font::Italic, Font::Mono] {
            assert_eq!(
                fonts.sanitize(font, MESSAGE),
                "Answer me 😡😡 or else 🔪 ❤ 👍 👩💻",
                "{font:?}"
            );
            // Neither face has CJK: still the visible marker, once per character.
            assert_eq!(fonts.sanitize(font, "見て"), "\u{FFFD}\u{FFFD}", "{font:?}");
        }
        // A flag is its two regional indicators; a subdivision flag's tag characters vanish.
        assert_eq!(fonts.sanitize(Font::Regular, "🇺🇸"), "🇺🇸");
        assert_eq!(
            fonts.sanitize(
                Font::Regular,
                "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"
            ),
            "🏴"
        );
    }

    #[test]
    fn runs_split_by_face_and_widths_add_up_per_face() {
        let fonts = Fonts::load().expect("fonts");
        let text = fonts.sanitize(Font::Bold, "ok 🔪🔪 no");
        let runs = fonts.runs(Font::Bold, &text);
        assert_eq!(
            runs,
            [
                (FaceId::Text(Font::Bold), "ok "),
                (FaceId::Emoji, "🔪🔪"),
                (FaceId::Text(Font::Bold), " no"),
            ]
        );
        assert!(fonts.runs(Font::Bold, "").is_empty());
        assert_eq!(
            fonts.runs(Font::Mono, "plain ASCII"),
            [(FaceId::Text(Font::Mono), "plain ASCII")]
        );
        // Each emoji advances by its own truncated /W width (2600 of 2048 units = 1269/1000
        // em), not by a DejaVu marker's.
        let size = 12.0;
        let emoji_w = fonts.width(Font::Bold, "🔪", size);
        assert!((emoji_w - 1269.0 * size / 1000.0).abs() < 1e-4, "{emoji_w}");
        let total = fonts.width(Font::Bold, &text, size);
        let parts: f32 = runs
            .iter()
            .map(|(_, r)| fonts.width(Font::Bold, r, size))
            .sum();
        assert!((total - parts).abs() < 1e-3, "{total} vs {parts}");
    }
}
