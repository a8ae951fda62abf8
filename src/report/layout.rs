//! Paginated, court-ready PDF layout over printpdf.
//!
//! Report code describes *flowing* content (headings, paragraphs, tables, photos) and this
//! module decides where each piece lands, breaking pages so that nothing is split mid-line,
//! headings are never stranded at the bottom of a page, and table headers repeat.
//!
//! Court filing rules drive most decisions here, so they are worth stating once:
//! * text stays real, extractable text in embedded, subset fonts (DejaVu, shipped in
//!   `assets/fonts/`, with Noto Emoji for the emoji DejaVu lacks: see `layout/fonts.rs`), never
//!   pictures of text;
//! * margins are 1 inch, body text is 12 pt (10 pt only for headers, footers and tables);
//! * only black and greys are used, so a black-and-white printout loses nothing;
//! * no encryption, scripts, web links, attachments or form fields; internal links only;
//! * photos are embedded byte-for-byte (`/DCTDecode`), so their hashes still match the vault;
//! * the file claims and follows PDF/A-2b (XMP, sRGB output intent, document ID), because
//!   e-filing systems increasingly reject anything else;
//! * every page says "Page N of M" and the PDF page labels agree with it, so "page 12" means
//!   the same thing to a judge holding paper and to one using a viewer's page box.
//!
//! Output is deterministic: the same calls with the same [`DocInfo`] give identical bytes.
//! Nothing reads the clock or a random source; the document ID is supplied by the caller.

mod fonts;
mod icc;
mod jpeg;
mod pdf;
mod volume;

pub use volume::PageWeight;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use fonts::Fonts;

/// Page sizes courts accept. US courts want Letter; A4 exists for filings abroad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperSize {
    Letter,
    A4,
}

impl PaperSize {
    /// Width and height in points.
    fn size(self) -> (f32, f32) {
        match self {
            PaperSize::Letter => (612.0, 792.0),
            PaperSize::A4 => (595.0, 842.0),
        }
    }
}

/// Document-level metadata. The caller supplies the date and ID so output is reproducible.
#[derive(Clone, Debug)]
pub struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub document_id: [u8; 16],
    pub paper: PaperSize,
}

/// Everything that can go wrong while laying out or serialising a document.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("font problem: {0}")]
    Font(String),
    #[error("this JPEG cannot be embedded unchanged: {0}")]
    InvalidJpeg(String),
    #[error("invalid image: {0}")]
    InvalidImage(String),
    #[error("impossible page numbering: {0}")]
    PageNumbering(String),
    #[error("a link points at an anchor that was never placed in this document")]
    UnplacedAnchor,
    #[error("could not write the PDF: {0}")]
    Pdf(String),
}

/// The four faces a document may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
    Italic,
    Mono,
}

/// How a block of text is set. Sizes are in points.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub font: Font,
    pub size: f32,
    /// Extra left indent of the whole block, in points.
    pub indent: f32,
    /// Vertical gap after the block, in points.
    pub space_after: f32,
}

impl Style {
    /// 12 pt: the smallest size many court rules allow for body text.
    pub fn body() -> Self {
        Self {
            font: Font::Regular,
            size: 12.0,
            indent: 0.0,
            space_after: 6.0,
        }
    }
    /// 10 pt. Court rules allow smaller text only in footers, tables and captions.
    pub fn small() -> Self {
        Self {
            font: Font::Regular,
            size: 10.0,
            indent: 0.0,
            space_after: 4.0,
        }
    }
    pub fn bold() -> Self {
        Self {
            font: Font::Bold,
            ..Self::body()
        }
    }
    pub fn italic() -> Self {
        Self {
            font: Font::Italic,
            ..Self::body()
        }
    }
    /// 12 pt mono: a 64-character SHA-256 still fits on one line of Letter.
    pub fn mono() -> Self {
        Self {
            font: Font::Mono,
            ..Self::body()
        }
    }
}

/// A place in the document that links and bookmarks can point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Anchor(usize);

const MARGIN: f32 = 72.0;
/// Line height as a multiple of the font size; DejaVu's ascent+descent is 1.16 em, so this
/// leaves a little air without looking double-spaced.
const LEADING: f32 = 1.3;
/// Distance from the top of a line box to its baseline, as a multiple of the font size.
const BASELINE: f32 = 1.0;
const HEADER_SIZE: f32 = 10.0;
const FOOTER_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 10.0;
const RULE_GREY: f32 = 0.6;
const TEXT_GREY: f32 = 0.0;

/// A drawing primitive in page (or, inside a [`Canvas`], block) coordinates, origin bottom-left.
#[derive(Clone, Debug)]
enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        font: Font,
        grey: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        grey: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        stroke: Option<f32>,
    },
    Image {
        index: usize,
        matrix: [f32; 6],
    },
    /// Start clipping to a rectangle (until the matching `ClipEnd`).
    ClipBegin {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    ClipEnd,
    /// A clickable area going to `target`, and the underline that shows it is one. Both are
    /// drawn only when the target is in the same document: in a report split into volumes, a
    /// reference to another volume stays as plain text.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        target: Anchor,
        /// Baseline of the underline and its thickness.
        underline: (f32, f32),
    },
}

impl Item {
    /// Map a canvas item into page space: scale by `s`, then move the origin to `(ox, oy)`.
    fn placed(self, ox: f32, oy: f32, s: f32) -> Item {
        let px = |x: f32| ox + x * s;
        let py = |y: f32| oy + y * s;
        match self {
            Item::Text {
                x,
                y,
                size,
                font,
                grey,
                text,
            } => Item::Text {
                x: px(x),
                y: py(y),
                size: size * s,
                font,
                grey,
                text,
            },
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                grey,
            } => Item::Line {
                x1: px(x1),
                y1: py(y1),
                x2: px(x2),
                y2: py(y2),
                width: width * s,
                grey,
            },
            Item::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => Item::Rect {
                x: px(x),
                y: py(y),
                w: w * s,
                h: h * s,
                fill,
                stroke,
            },
            Item::ClipBegin { x, y, w, h } => Item::ClipBegin {
                x: px(x),
                y: py(y),
                w: w * s,
                h: h * s,
            },
            Item::Link {
                x,
                y,
                w,
                h,
                target,
                underline: (under, thickness),
            } => Item::Link {
                x: px(x),
                y: py(y),
                w: w * s,
                h: h * s,
                target,
                underline: (py(under), thickness * s),
            },
            other @ (Item::Image { .. } | Item::ClipEnd) => other,
        }
    }
}

fn grey_value(g: f32) -> f32 {
    if g.is_finite() {
        g.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A block of vector graphics handed to a [`Layout::drawing`] callback.
///
/// Coordinates are points with the origin at the bottom-left of the block. Anything drawn
/// outside the block is clipped, so a drawing can never spill into the margins.
pub struct Canvas {
    width: f32,
    height: f32,
    fonts: Arc<Fonts>,
    items: Vec<Item>,
}

impl Canvas {
    pub fn width(&self) -> f32 {
        self.width
    }
    pub fn height(&self) -> f32 {
        self.height
    }
    /// `grey` is 0 for black through 1 for white; colour is deliberately unavailable.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32, grey: f32) {
        self.items.push(Item::Line {
            x1,
            y1,
            x2,
            y2,
            width: thickness.max(0.0),
            grey: grey_value(grey),
        });
    }
    /// `None` for fill or stroke leaves that part unpainted; both `None` draws nothing.
    pub fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill_grey: Option<f32>,
        stroke_grey: Option<f32>,
    ) {
        if fill_grey.is_none() && stroke_grey.is_none() {
            return;
        }
        self.items.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill: fill_grey.map(grey_value),
            stroke: stroke_grey.map(grey_value),
        });
    }
    /// `(x, y)` is the left end of the baseline. Text is black and never wrapped; text that
    /// does not fit inside the canvas is dropped (see the comment inside).
    pub fn text(&mut self, x: f32, y: f32, text: &str, size: f32, font: Font) {
        let text = self.fonts.sanitize(font, text).replace('\n', " ");
        if text.is_empty() || size.is_nan() || size <= 0.0 {
            return;
        }
        // Text that would be clipped is left out entirely: clipping only hides glyphs, it
        // would still be extractable, and extracted text must match what is printed.
        let w = self.fonts.width(font, &text, size);
        let tol = 0.5;
        let inside = x >= -tol
            && x + w <= self.width + tol
            && y - 0.24 * size >= -tol
            && y + 0.93 * size <= self.height + tol;
        if !inside {
            return;
        }
        self.items.push(Item::Text {
            x,
            y,
            size,
            font,
            grey: TEXT_GREY,
            text,
        });
    }
    /// Width `text` would occupy when drawn with [`Canvas::text`], for centring and fitting.
    pub fn text_width(&self, text: &str, size: f32, font: Font) -> f32 {
        let text = self.fonts.sanitize(font, text).replace('\n', " ");
        self.fonts.width(font, &text, size)
    }
}

/// An image ready to place: a JPEG parsed (never decoded) or RGB pixels compressed, once.
/// Cheap to clone, so a report laid out several times (to settle its page numbers) prepares
/// each exhibit only once.
#[derive(Clone)]
pub struct Image {
    data: Arc<ImageData>,
    /// SHA-256 of the source bytes: the same picture placed twice is stored once.
    key: [u8; 32],
    width: u32,
    height: u32,
    orientation: u8,
}

/// A JPEG's bytes without its EXIF, XMP, IPTC or comments (see [`jpeg::without_metadata`]),
/// for JPEG pictures inside a PDF that Daybook carries into its own.
pub(crate) fn jpeg_without_metadata(bytes: &[u8]) -> Result<Vec<u8>, LayoutError> {
    jpeg::without_metadata(bytes)
}

impl Image {
    /// A JPEG to embed as DCTDecode with its compressed image data unchanged and none of its
    /// metadata (see [`jpeg::without_metadata`]): every PDF we write is read by people the
    /// protected person does not control. Reads width, height and components from its header
    /// (grey, RGB and CMYK; progressive too) and the EXIF orientation before that goes.
    pub fn jpeg(bytes: &[u8]) -> Result<Self, LayoutError> {
        Self::jpeg_keyed(bytes, Sha256::digest(bytes).into())
    }

    /// [`Image::jpeg`] for bytes whose SHA-256 is known (an attachment's, checked as it was
    /// decrypted): the same picture placed twice is still stored once.
    pub fn jpeg_keyed(bytes: &[u8], sha256: [u8; 32]) -> Result<Self, LayoutError> {
        let info = jpeg::parse(bytes)?;
        let (width, height) = info.display_size();
        Ok(Self {
            key: sha256,
            data: Arc::new(ImageData::Jpeg {
                bytes: jpeg::without_metadata(bytes)?,
                info,
            }),
            width,
            height,
            orientation: info.orientation,
        })
    }

    /// Decoded 8-bit RGB pixels (e.g. from a PNG), Flate-compressed.
    pub fn rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Self, LayoutError> {
        let expected = u64::from(width) * u64::from(height) * 3;
        if width == 0 || height == 0 || rgb.len() as u64 != expected {
            return Err(LayoutError::InvalidImage(format!(
                "a {width}x{height} RGB image needs {expected} bytes, got {}",
                rgb.len()
            )));
        }
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let deflated = enc
            .write_all(rgb)
            .and_then(|()| enc.finish())
            .map_err(|e| LayoutError::InvalidImage(format!("compressing pixels: {e}")))?;
        Ok(Self {
            key: Sha256::digest(rgb).into(),
            data: Arc::new(ImageData::Rgb {
                width,
                height,
                deflated,
            }),
            width,
            height,
            orientation: 1,
        })
    }

    /// A PNG's own compressed pixel stream (its IDAT data: zlib with PNG row filters),
    /// embedded as is with `/FlateDecode` and `/Predictor 15`: nothing decoded or
    /// re-compressed, and the PDF grows by about the file's size. 8-bit grey (`colors` 1) or
    /// RGB (3), not interlaced; the caller checks that. `key` identifies the source file.
    pub fn png_stream(
        width: u32,
        height: u32,
        colors: u8,
        idat: Vec<u8>,
        key: [u8; 32],
    ) -> Result<Self, LayoutError> {
        if width == 0 || height == 0 || !matches!(colors, 1 | 3) || idat.is_empty() {
            return Err(LayoutError::InvalidImage(format!(
                "a {width}x{height} PNG stream with {colors} colour(s) cannot be embedded"
            )));
        }
        Ok(Self {
            key,
            data: Arc::new(ImageData::PngStream {
                width,
                height,
                colors,
                idat,
            }),
            width,
            height,
            orientation: 1,
        })
    }

    /// Bytes the image's stream adds to a PDF that holds it.
    pub fn stored_size(&self) -> u64 {
        match &*self.data {
            ImageData::Jpeg { bytes, .. } => bytes.len() as u64,
            ImageData::Rgb { deflated, .. } => deflated.len() as u64,
            ImageData::PngStream { idat, .. } => idat.len() as u64,
            ImageData::Deferred { stored, .. } => *stored,
        }
    }

    /// The same image without its data: placed and measured like this one, and loaded again
    /// only when a volume that shows it is written ([`Layout::finish_loading`] asks for it by
    /// `token`). A report with more pictures than it keeps in memory holds only their sizes.
    pub fn deferred(&self, token: u64) -> Self {
        Self {
            data: Arc::new(ImageData::Deferred {
                token,
                stored: self.stored_size(),
            }),
            key: self.key,
            width: self.width,
            height: self.height,
            orientation: self.orientation,
        }
    }

    /// Whether the image's data is held (not [`Image::deferred`]).
    pub fn is_loaded(&self) -> bool {
        !matches!(*self.data, ImageData::Deferred { .. })
    }

    /// Whether `other` is this image: the same source file, placed the same way.
    fn same_as(&self, other: &Image) -> bool {
        (self.key, self.width, self.height, self.orientation)
            == (other.key, other.width, other.height, other.orientation)
    }
}

/// An image resource, stored once however often it is placed.
enum ImageData {
    /// The caller's JPEG without its metadata; the compressed image data untouched.
    Jpeg {
        bytes: Vec<u8>,
        info: jpeg::JpegInfo,
    },
    /// 8-bit RGB, zlib-compressed for `/FlateDecode`.
    Rgb {
        width: u32,
        height: u32,
        deflated: Vec<u8>,
    },
    /// A PNG's IDAT data, untouched: zlib over filtered rows (`/Predictor 15`).
    PngStream {
        width: u32,
        height: u32,
        colors: u8,
        idat: Vec<u8>,
    },
    /// Not held: loaded by its `token` when written (see [`Image::deferred`]).
    Deferred { token: u64, stored: u64 },
}

/// A position some link or bookmark resolves to: page index and y of the top of the target.
#[derive(Clone, Copy, Debug)]
struct Pos {
    page: usize,
    y: f32,
}

#[derive(Clone)]
struct Bookmark {
    title: String,
    level: u8,
    pos: Option<Pos>,
}

/// A mark waiting for the next placed content to learn where it ends up.
enum Mark {
    Anchor(usize),
    Bookmark(usize),
}

#[derive(Clone)]
struct Page {
    header: String,
    tag: Option<String>,
    items: Vec<Item>,
}

/// Lays out flowing content onto pages, then serialises them with [`Layout::finish`].
pub struct Layout {
    info: DocInfo,
    fonts: Arc<Fonts>,
    page_w: f32,
    page_h: f32,
    /// The same on all four sides: 1 inch for court papers, less for a handout.
    margin: f32,
    pages: Vec<Page>,
    /// False until content arrives after a page break, so a break never leaves a blank page
    /// and a header or tag set right after [`Layout::new_page`] still applies to that page.
    page_open: bool,
    /// Top of the free space on the current page.
    y: f32,
    header: String,
    tag: Option<String>,
    images: Vec<Image>,
    image_index: HashMap<[u8; 32], usize>,
    anchors: Vec<Option<Pos>>,
    bookmarks: Vec<Bookmark>,
    /// Anchors and bookmarks resolve to wherever the *next* block lands, so a bookmark made
    /// just before a heading that moves to the next page points at the heading, not at the
    /// bottom of the previous page.
    pending: Vec<Mark>,
    /// The heading just set, while nothing has followed it yet: if the next block has to
    /// start a new page, the heading moves there with it instead of staying behind alone.
    keep: Option<Keep>,
}

/// Where the last heading's items start, and the vertical span it took.
struct Keep {
    page: usize,
    first_item: usize,
    top: f32,
    bottom: f32,
}

/// One wrapped line of a text block.
struct Line {
    text: String,
    width: f32,
}

impl Layout {
    pub fn new(info: DocInfo) -> Result<Self, LayoutError> {
        let fonts = Fonts::load()?;
        let (page_w, page_h) = info.paper.size();
        Ok(Self {
            info,
            fonts,
            page_w,
            page_h,
            margin: MARGIN,
            pages: Vec::new(),
            page_open: false,
            y: page_h - MARGIN,
            header: String::new(),
            tag: None,
            images: Vec::new(),
            image_index: HashMap::new(),
            anchors: Vec::new(),
            bookmarks: Vec::new(),
            pending: Vec::new(),
            keep: None,
        })
    }

    /// Narrower margins than a court paper's 1 inch, for a one-page handout (the officer
    /// sheet) that no court rule governs. Only before anything is laid out.
    pub fn with_margin(mut self, margin: f32) -> Self {
        debug_assert!(self.pages.is_empty(), "margins change before any content");
        self.margin = margin.clamp(18.0, MARGIN);
        self.y = self.top();
        self
    }

    fn top(&self) -> f32 {
        self.page_h - self.margin
    }
    fn bottom(&self) -> f32 {
        self.margin
    }
    fn left(&self) -> f32 {
        self.margin
    }
    fn text_width(&self) -> f32 {
        self.page_w - 2.0 * self.margin
    }
    fn content_height(&self) -> f32 {
        self.top() - self.bottom()
    }

    /// Running header (the case caption) printed at the top of every page started after this call. "" = none.
    pub fn set_header(&mut self, text: &str) {
        self.header = self.fonts.sanitize(Font::Regular, text).replace('\n', " ");
    }

    /// A tag printed beside the page number on pages started while it is set, e.g. "Exhibit 3" → footer "Exhibit 3 · Page 12 of 40".
    pub fn set_page_tag(&mut self, tag: Option<&str>) {
        self.tag = tag
            .map(|t| self.fonts.sanitize(Font::Regular, t).replace('\n', " "))
            .filter(|t| !t.trim().is_empty());
    }

    /// Start a new page (no-op when the current page is still empty).
    pub fn new_page(&mut self) {
        if self.page_open && !self.current_is_empty() {
            self.page_open = false;
        }
    }

    fn current_is_empty(&self) -> bool {
        self.pages.last().is_none_or(|p| p.items.is_empty())
    }

    /// The page content goes on next, opening it if a break is pending.
    fn open_page(&mut self) {
        if !self.page_open {
            let orphan = self.take_orphan_heading();
            self.pages.push(Page {
                header: self.header.clone(),
                tag: self.tag.clone(),
                items: Vec::new(),
            });
            self.page_open = true;
            self.y = self.top();
            if let Some((items, keep)) = orphan {
                self.move_heading_here(items, &keep);
            }
        }
    }

    /// The last heading's items, taken off the page being left, when nothing followed it there.
    fn take_orphan_heading(&mut self) -> Option<(Vec<Item>, Keep)> {
        let keep = self.keep.take()?;
        let last = self.pages.len().checked_sub(1)?;
        // A heading already at the top of its page gains nothing by moving.
        if keep.page != last || keep.first_item == 0 {
            return None;
        }
        let items = self.pages[last].items.split_off(keep.first_item);
        Some((items, keep))
    }

    /// Re-places a heading taken by `take_orphan_heading` at the top of the new page, with the
    /// bookmarks and anchors that pointed at it.
    fn move_heading_here(&mut self, items: Vec<Item>, keep: &Keep) {
        let dy = self.top() - keep.top;
        let new_page = self.pages.len() - 1;
        let old_page = new_page - 1;
        if let Some(page) = self.pages.last_mut() {
            page.items
                .extend(items.into_iter().map(|item| item.placed(0.0, dy, 1.0)));
        }
        let moves = |pos: &mut Pos| {
            if pos.page == old_page && pos.y <= keep.top + 0.01 && pos.y >= keep.bottom - 0.01 {
                pos.page = new_page;
                pos.y += dy;
            }
        };
        self.anchors.iter_mut().flatten().for_each(moves);
        self.bookmarks
            .iter_mut()
            .filter_map(|b| b.pos.as_mut())
            .for_each(moves);
        self.y = keep.bottom + dy;
    }

    fn remaining(&self) -> f32 {
        if self.page_open {
            self.y - self.bottom()
        } else {
            self.content_height()
        }
    }

    /// Reserve `height` points at the cursor, breaking the page first if they do not fit (a
    /// block taller than a whole page is placed at the top of one and allowed to overflow
    /// only by callers that never produce such blocks). Returns the block's top y.
    fn reserve(&mut self, height: f32) -> f32 {
        self.open_page();
        if self.y - height < self.bottom() - 0.01 && !self.current_is_empty() {
            self.page_open = false;
            self.open_page();
        }
        let top = self.y;
        self.resolve_pending(top);
        self.y -= height;
        top
    }

    fn resolve_pending(&mut self, y: f32) {
        let page = self.pages.len().saturating_sub(1);
        for mark in self.pending.drain(..) {
            let pos = Some(Pos { page, y });
            match mark {
                Mark::Anchor(i) => self.anchors[i] = pos,
                Mark::Bookmark(i) => self.bookmarks[i].pos = pos,
            }
        }
    }

    /// Vertical space that vanishes at the top of a page, where it would only look like a
    /// layout mistake.
    fn gap(&mut self, pt: f32) {
        if pt > 0.0 && self.page_open && !self.current_is_empty() {
            self.y = (self.y - pt).max(self.bottom());
        }
    }

    fn push(&mut self, item: Item) {
        // Content after a heading: it is no longer alone.
        self.keep = None;
        if let Some(page) = self.pages.last_mut() {
            page.items.push(item);
        }
    }

    /// Break `text` into lines no wider than `width` using the font's real advance widths.
    /// `'\n'` forces a break; a word wider than the line is split between characters.
    fn wrap(&self, text: &str, font: Font, size: f32, width: f32) -> Vec<Line> {
        let text = self.fonts.sanitize(font, text);
        let width = width.max(size);
        let space = self.fonts.width(font, " ", size);
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            let mut cur = String::new();
            let mut cur_w = 0.0;
            let mut started = false;
            for word in hard.split(' ') {
                let word_w = self.fonts.width(font, word, size);
                if !started {
                    started = true;
                } else if cur_w + space + word_w <= width + 0.001 {
                    cur.push(' ');
                    cur_w += space;
                } else {
                    lines.push(Line {
                        text: std::mem::take(&mut cur),
                        width: cur_w,
                    });
                    cur_w = 0.0;
                }
                if cur_w + word_w <= width + 0.001 {
                    cur.push_str(word);
                    cur_w += word_w;
                    continue;
                }
                // Too long even for a line of its own: fill lines character by character.
                for c in word.chars() {
                    let mut buf = [0u8; 4];
                    let c_w = self.fonts.width(font, c.encode_utf8(&mut buf), size);
                    if cur_w + c_w > width + 0.001 && !cur.is_empty() {
                        lines.push(Line {
                            text: std::mem::take(&mut cur),
                            width: cur_w,
                        });
                        cur_w = 0.0;
                    }
                    cur.push(c);
                    cur_w += c_w;
                }
            }
            lines.push(Line {
                text: cur,
                width: cur_w,
            });
        }
        lines
    }

    /// Set wrapped lines one by one, each at least on its own page. `rule_x` draws the thin
    /// grey quotation rule beside every line; `link` makes every line a link to the anchor.
    fn set_lines(
        &mut self,
        lines: &[Line],
        style: Style,
        x: f32,
        rule_x: Option<f32>,
        link: Option<Anchor>,
    ) {
        let line_h = style.size * LEADING;
        // Orphan control: don't leave just the first line of a paragraph at a page bottom.
        if lines.len() >= 2 && self.remaining() < 2.0 * line_h && self.remaining() >= line_h {
            self.new_page();
        }
        for line in lines {
            let top = self.reserve(line_h);
            let baseline = top - style.size * BASELINE;
            if !line.text.is_empty() {
                self.push(Item::Text {
                    x,
                    y: baseline,
                    size: style.size,
                    font: style.font,
                    grey: TEXT_GREY,
                    text: line.text.clone(),
                });
            }
            if let Some(rx) = rule_x {
                self.push(Item::Line {
                    x1: rx,
                    y1: top,
                    x2: rx,
                    y2: top - line_h,
                    width: 1.0,
                    grey: RULE_GREY,
                });
            }
            if let (Some(target), true) = (link, line.width > 0.0) {
                // Below DejaVu's underscore (-0.21 to -0.24 em) and descenders, so file names
                // such as Screenshot_000_1.jpg keep their underscores visible.
                let under = baseline - style.size * 0.30;
                self.push(Item::Link {
                    x,
                    y: top - line_h,
                    w: line.width,
                    h: line_h,
                    target,
                    underline: (under, (style.size * 0.05).max(0.5)),
                });
            }
        }
    }

    /// A heading: 1 = section (18 pt), 2 = subsection (15 pt), 3 = 13 pt; all bold.
    pub fn heading(&mut self, text: &str, level: u8) {
        let (size, before, after) = match level {
            0 | 1 => (18.0, 14.0, 8.0),
            2 => (15.0, 12.0, 6.0),
            _ => (13.0, 10.0, 4.0),
        };
        let style = Style {
            font: Font::Bold,
            size,
            indent: 0.0,
            space_after: after,
        };
        let lines = self.wrap(text, Font::Bold, size, self.text_width());
        self.gap(before);
        // Keep with next: the heading, its gap and two body lines must fit, or it moves.
        let needed = lines.len() as f32 * size * LEADING + after + 2.0 * 12.0 * LEADING;
        if self.remaining() < needed {
            self.new_page();
        }
        let x = self.left();
        self.open_page();
        let (page, first_item, top) = (
            self.pages.len() - 1,
            self.pages.last().map_or(0, |p| p.items.len()),
            self.y,
        );
        self.set_lines(&lines, style, x, None, None);
        self.gap(after);
        self.keep = Some(Keep {
            page,
            first_item,
            top,
            bottom: self.y,
        });
    }

    /// A paragraph. Lines wrap by real glyph widths and are never split across pages.
    pub fn paragraph(&mut self, text: &str, style: Style) {
        let style = sane_style(style);
        let indent = style.indent.clamp(0.0, self.text_width() / 2.0);
        let lines = self.wrap(text, style.font, style.size, self.text_width() - indent);
        let x = self.left() + indent;
        self.set_lines(&lines, style, x, None, None);
        self.gap(style.space_after);
    }

    /// Exact words set apart: indented ~24pt, italic, with a thin grey rule at the left.
    pub fn quote(&mut self, text: &str) {
        let style = Style::italic();
        let indent = 24.0;
        let lines = self.wrap(
            text,
            style.font,
            style.size,
            self.text_width() - indent - 12.0,
        );
        let x = self.left() + indent;
        let rule = self.left() + 10.0;
        self.set_lines(&lines, style, x, Some(rule), None);
        self.gap(style.space_after);
    }

    /// Label/value rows: bold labels in a ~30% column, values wrapping beside them.
    pub fn key_values(&mut self, rows: &[(String, String)]) {
        let size = 12.0;
        let line_h = size * LEADING;
        let gutter = 12.0;
        let label_w = (self.text_width() * 0.3).round();
        let value_w = self.text_width() - label_w - gutter;
        let (label_x, value_x) = (self.left(), self.left() + label_w + gutter);
        for (label, value) in rows {
            let labels = self.wrap(label, Font::Bold, size, label_w);
            let values = self.wrap(value, Font::Regular, size, value_w);
            let n = labels.len().max(values.len());
            let height = n as f32 * line_h;
            // A row moves whole to the next page unless it is taller than a page anyway.
            if height > self.remaining() && height <= self.content_height() {
                self.new_page();
            }
            for i in 0..n {
                let top = self.reserve(line_h);
                let baseline = top - size * BASELINE;
                for (lines, x, font) in [
                    (&labels, label_x, Font::Bold),
                    (&values, value_x, Font::Regular),
                ] {
                    if let Some(line) = lines.get(i).filter(|l| !l.text.is_empty()) {
                        self.push(Item::Text {
                            x,
                            y: baseline,
                            size,
                            font,
                            grey: TEXT_GREY,
                            text: line.text.clone(),
                        });
                    }
                }
            }
            self.gap(4.0);
        }
        self.gap(4.0);
    }

    /// A ruled table in 10 pt. `columns` are (title, width fraction); fractions are
    /// normalised, so they need not add up to 1. The header row repeats on every page.
    pub fn table(&mut self, columns: &[(String, f32)], rows: &[Vec<String>]) {
        if columns.is_empty() {
            return;
        }
        let total: f32 = columns
            .iter()
            .map(|(_, f)| if f.is_finite() && *f > 0.0 { *f } else { 0.0 })
            .sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|(_, f)| {
                let f = if f.is_finite() && *f > 0.0 { *f } else { 0.0 };
                if total > 0.0 {
                    self.text_width() * f / total
                } else {
                    self.text_width() / columns.len() as f32
                }
            })
            .collect();
        let pad_x = 4.0;
        let pad_y = 3.0;
        let line_h = TABLE_SIZE * LEADING;
        let wrap_row = |layout: &Self, cells: &[String], font: Font| -> Vec<Vec<Line>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let text = cells.get(i).map(String::as_str).unwrap_or("");
                    layout.wrap(text, font, TABLE_SIZE, w - 2.0 * pad_x)
                })
                .collect()
        };
        let titles: Vec<String> = columns.iter().map(|(t, _)| t.clone()).collect();
        let header = wrap_row(self, &titles, Font::Bold);
        let header_lines = header.iter().map(Vec::len).max().unwrap_or(1);
        let header_h = header_lines as f32 * line_h + 2.0 * pad_y;

        let body: Vec<Vec<Vec<Line>>> = rows
            .iter()
            .map(|r| wrap_row(self, r, Font::Regular))
            .collect();
        let first_h = body
            .first()
            .map(|r| r.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * pad_y)
            .unwrap_or(0.0);
        self.gap(4.0);
        // Never a header alone at the bottom of a page.
        if self.remaining() < header_h + first_h.min(self.content_height() - header_h) {
            self.new_page();
        }
        self.table_row(&widths, &header, 0, header_lines, Font::Bold, true);
        // True right after a (repeated) header row: breaking again could not help.
        let mut fresh = true;
        for row in &body {
            let n = row.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut start = 0;
            while start < n {
                // The whole row when it fits; otherwise move it whole to the next page, and
                // only split a row that is taller than a page.
                let fit = ((self.remaining() - 2.0 * pad_y) / line_h + 0.001)
                    .floor()
                    .max(0.0) as usize;
                let whole_fits_on_a_page =
                    n as f32 * line_h + 2.0 * pad_y + header_h <= self.content_height();
                let take = if fit >= n - start {
                    n - start
                } else if !fresh && (fit == 0 || (start == 0 && whole_fits_on_a_page)) {
                    self.new_page();
                    self.table_row(&widths, &header, 0, header_lines, Font::Bold, true);
                    fresh = true;
                    continue;
                } else {
                    fit.max(1)
                };
                self.table_row(&widths, row, start, take, Font::Regular, false);
                fresh = false;
                start += take;
            }
        }
        self.gap(10.0);
    }

    /// Draw lines `start..start + count` of one table row, with its rules and padding.
    fn table_row(
        &mut self,
        widths: &[f32],
        cells: &[Vec<Line>],
        start: usize,
        count: usize,
        font: Font,
        shaded: bool,
    ) {
        let pad_x = 4.0;
        let pad_y = 3.0;
        let line_h = TABLE_SIZE * LEADING;
        let height = count as f32 * line_h + 2.0 * pad_y;
        let top = self.reserve(height);
        let bottom = top - height;
        let left = self.left();
        let right = left + widths.iter().sum::<f32>();
        if shaded {
            self.push(Item::Rect {
                x: left,
                y: bottom,
                w: right - left,
                h: height,
                fill: Some(0.9),
                stroke: None,
            });
        }
        let mut x = left;
        for (i, w) in widths.iter().enumerate() {
            for (k, line) in cells[i].iter().skip(start).take(count).enumerate() {
                if line.text.is_empty() {
                    continue;
                }
                self.push(Item::Text {
                    x: x + pad_x,
                    y: top - pad_y - k as f32 * line_h - TABLE_SIZE * BASELINE,
                    size: TABLE_SIZE,
                    font,
                    grey: TEXT_GREY,
                    text: line.text.clone(),
                });
            }
            x += w;
        }
        let rule = |x1, y1, x2, y2| Item::Line {
            x1,
            y1,
            x2,
            y2,
            width: 0.5,
            grey: RULE_GREY,
        };
        self.push(rule(left, top, right, top));
        self.push(rule(left, bottom, right, bottom));
        let mut x = left;
        self.push(rule(x, top, x, bottom));
        for w in widths {
            x += w;
            self.push(rule(x, top, x, bottom));
        }
    }

    /// Embed a JPEG's image data unchanged, without its metadata (DCTDecode); scale to fit the text width and remaining height (or max_height); if less than 1/3 of the page remains, move to a new page first. Reads width/height/components from the JPEG header (gray, RGB and CMYK; progressive too).
    pub fn jpeg(&mut self, bytes: &[u8], max_height: Option<f32>) -> Result<(), LayoutError> {
        let image = Image::jpeg(bytes)?;
        self.image(&image, max_height);
        Ok(())
    }

    /// Embed decoded 8-bit RGB pixels (e.g. from a PNG), Flate-compressed.
    pub fn rgb_image(
        &mut self,
        width: u32,
        height: u32,
        rgb: &[u8],
        max_height: Option<f32>,
    ) -> Result<(), LayoutError> {
        let image = Image::rgb(width, height, rgb)?;
        self.image(&image, max_height);
        Ok(())
    }

    /// Place a prepared image, as [`Layout::jpeg`] does.
    pub fn image(&mut self, image: &Image, max_height: Option<f32>) {
        let index = self.intern_image(image);
        self.place_image(
            index,
            image.width,
            image.height,
            image.orientation,
            max_height,
        );
    }

    /// The same photo placed twice (report and exhibit) is stored once.
    fn intern_image(&mut self, image: &Image) -> usize {
        if let Some(&i) = self.image_index.get(&image.key) {
            return i;
        }
        self.images.push(image.clone());
        let i = self.images.len() - 1;
        self.image_index.insert(image.key, i);
        i
    }

    fn place_image(
        &mut self,
        index: usize,
        px_w: u32,
        px_h: u32,
        orientation: u8,
        max_height: Option<f32>,
    ) {
        self.open_page();
        if self.remaining() < self.content_height() / 3.0 && !self.current_is_empty() {
            self.page_open = false;
        }
        let limit_h = match max_height {
            Some(m) if m.is_finite() && m > 0.0 => m.min(self.remaining()),
            _ => self.remaining(),
        };
        // Fit the box; never magnify more than 4x, so a thumbnail does not fill a page.
        let scale = (self.text_width() / px_w as f32)
            .min(limit_h / px_h as f32)
            .min(4.0);
        let (w, h) = (px_w as f32 * scale, px_h as f32 * scale);
        let top = self.reserve(h);
        let x = self.left() + (self.text_width() - w) / 2.0;
        let y = top - h;
        let matrix = jpeg::placement_matrix(orientation, x, y, w, h);
        self.push(Item::Image { index, matrix });
        self.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill: None,
            stroke: Some(RULE_GREY),
        });
        self.gap(8.0);
    }

    /// One big centred line (e.g. "Exhibit 12" at 28pt on an exhibit separator page).
    pub fn big_label(&mut self, text: &str, size: f32) {
        let width = self.text_width();
        let mut size = if size.is_finite() {
            size.clamp(12.0, 72.0)
        } else {
            28.0
        };
        let clean = self.fonts.sanitize(Font::Bold, text).replace('\n', " ");
        // Shrink to stay on one line; only text too long even at 14 pt wraps.
        while size > 14.0 && self.fonts.width(Font::Bold, &clean, size) > width {
            size -= 1.0;
        }
        let lines = self.wrap(&clean, Font::Bold, size, width);
        self.gap(size * 0.5);
        let line_h = size * LEADING;
        for line in &lines {
            let top = self.reserve(line_h);
            let x = self.left() + (width - line.width) / 2.0;
            self.push(Item::Text {
                x,
                y: top - size * BASELINE,
                size,
                font: Font::Bold,
                grey: TEXT_GREY,
                text: line.text.clone(),
            });
        }
        self.gap(size * 0.5);
    }

    /// A block of vector graphics `height` pt tall spanning the text width (moves to next
    /// page if it doesn't fit). A block taller than a page is scaled down to fit one.
    pub fn drawing(&mut self, height: f32, draw: impl FnOnce(&mut Canvas)) {
        let height = if height.is_finite() {
            height.max(1.0)
        } else {
            1.0
        };
        let mut canvas = Canvas {
            width: self.text_width(),
            height,
            fonts: Arc::clone(&self.fonts),
            items: Vec::new(),
        };
        draw(&mut canvas);
        let scale = (self.content_height() / height).min(1.0);
        let placed_h = height * scale;
        let top = self.reserve(placed_h);
        let (ox, oy) = (
            self.left() + (self.text_width() * (1.0 - scale)) / 2.0,
            top - placed_h,
        );
        self.push(Item::ClipBegin {
            x: ox,
            y: oy,
            w: canvas.width * scale,
            h: placed_h,
        });
        for item in canvas.items {
            self.push(item.placed(ox, oy, scale));
        }
        self.push(Item::ClipEnd);
        self.gap(6.0);
    }

    /// A page of its own left blank for content placed after [`Layout::finish`] (a page of
    /// another PDF): returns the page's index and its free area `[x, y, width, height]` in
    /// points. The header and page tag set now are printed on it as on any page.
    pub fn reserve_page(&mut self) -> (usize, [f32; 4]) {
        self.new_page();
        self.open_page();
        let area = [
            self.left(),
            self.bottom(),
            self.text_width(),
            self.y - self.bottom(),
        ];
        // Paints nothing; it only marks the page as taken, so the next content starts a new one.
        self.push(Item::Rect {
            x: area[0],
            y: area[1],
            w: area[2],
            h: area[3],
            fill: None,
            stroke: None,
        });
        self.y = self.bottom();
        self.page_open = false;
        (self.pages.len() - 1, area)
    }

    /// Moves to a new page unless `pt` points are left on this one, so a label stays on the
    /// page of the picture it labels.
    pub fn keep_space(&mut self, pt: f32) {
        self.open_page();
        if self.remaining() < pt && !self.current_is_empty() {
            self.page_open = false;
        }
    }

    pub fn space(&mut self, pt: f32) {
        if pt.is_finite() {
            self.gap(pt);
        }
    }

    /// A destination at the current position, usable before or after the link that targets it.
    pub fn anchor(&mut self) -> Anchor {
        let anchor = self.new_anchor();
        self.place_anchor(anchor);
        anchor
    }

    /// An anchor that is not placed yet, so a link can point *forward* (e.g. an index entry
    /// to an exhibit laid out later). Bind it with [`Layout::place_anchor`]; `finish` fails
    /// if a link targets an anchor that was never placed.
    pub fn new_anchor(&mut self) -> Anchor {
        self.anchors.push(None);
        Anchor(self.anchors.len() - 1)
    }

    /// Put `anchor` at the current position (where the next block lands).
    pub fn place_anchor(&mut self, anchor: Anchor) {
        if anchor.0 < self.anchors.len() {
            self.pending.push(Mark::Anchor(anchor.0));
        }
    }

    /// Text that is an internal link (GoTo) to `target`; underlined rather than coloured.
    pub fn link_text(&mut self, text: &str, style: Style, target: Anchor) {
        let style = sane_style(style);
        let indent = style.indent.clamp(0.0, self.text_width() / 2.0);
        let lines = self.wrap(text, style.font, style.size, self.text_width() - indent);
        let x = self.left() + indent;
        self.set_lines(&lines, style, x, None, Some(target));
        self.gap(style.space_after);
    }

    /// Outline entry at the current position; level 1 = top, 2 nested under the previous level-1, 3 under level 2.
    pub fn bookmark(&mut self, title: &str, level: u8) {
        let title = title.replace(['\n', '\r', '\t'], " ");
        self.bookmarks.push(Bookmark {
            title,
            level: level.clamp(1, 3),
            pos: None,
        });
        let id = self.bookmarks.len() - 1;
        self.pending.push(Mark::Bookmark(id));
    }

    /// 1-based number of the page the next content will land on (for indexes).
    pub fn current_page(&self) -> usize {
        if self.page_open {
            self.pages.len()
        } else {
            self.pages.len() + 1
        }
    }

    pub fn page_count(&self) -> usize {
        self.pages.len().max(1)
    }

    /// Serialise. Printed/labelled page numbers start at `first_number` and the "of M" total is `total` (volumes of one report share one continuous numbering); for a single document pass (1, page_count()).
    pub fn finish(self, first_number: usize, total: usize) -> Result<Vec<u8>, LayoutError> {
        self.finish_loading(first_number, total, &mut |_| {
            Err(LayoutError::InvalidImage(
                "a picture was left to load later, and nothing loads it".into(),
            ))
        })
    }

    /// [`Layout::finish`] for a document with [`Image::deferred`] images: `load(token)` gives
    /// each one back, prepared again, one at a time as the PDF is written, and it is let go
    /// once written. A loaded image that is not the one laid out (another file, other
    /// dimensions) stops the writing.
    pub fn finish_loading(
        mut self,
        first_number: usize,
        total: usize,
        load: &mut dyn FnMut(u64) -> Result<Image, LayoutError>,
    ) -> Result<Vec<u8>, LayoutError> {
        if self.pages.is_empty() {
            self.open_page();
        }
        let count = self.pages.len();
        if first_number == 0 || first_number - 1 + count > total {
            return Err(LayoutError::PageNumbering(format!(
                "{count} pages numbered from {first_number} do not fit in a total of {total}"
            )));
        }
        let (anchors, bookmarks) = self.settled_marks();
        self.pending.clear();
        self.anchors = anchors;
        for (bookmark, pos) in self.bookmarks.iter_mut().zip(bookmarks) {
            bookmark.pos = pos;
        }
        let dangling = self.pages.iter().flat_map(|p| &p.items).any(|item| {
            matches!(item, Item::Link { target, .. }
                if self.anchors.get(target.0).is_none_or(Option::is_none))
        });
        if dangling {
            return Err(LayoutError::UnplacedAnchor);
        }
        for i in 0..count {
            self.decorate(i, first_number + i, total);
        }
        pdf::write(&self, first_number, load)
    }

    /// Where every anchor and bookmark points once the flow has ended: marks still waiting for
    /// content point at the end of the last page.
    fn settled_marks(&self) -> (Vec<Option<Pos>>, Vec<Option<Pos>>) {
        let end = Pos {
            page: self.pages.len().saturating_sub(1),
            y: if self.page_open { self.y } else { self.top() },
        };
        let mut anchors = self.anchors.clone();
        let mut bookmarks: Vec<Option<Pos>> = self.bookmarks.iter().map(|b| b.pos).collect();
        for mark in &self.pending {
            match *mark {
                Mark::Anchor(i) => anchors[i] = Some(end),
                Mark::Bookmark(i) => bookmarks[i] = Some(end),
            }
        }
        (anchors, bookmarks)
    }

    /// Running header and "Page N of M" footer, added last because M is only known now.
    fn decorate(&mut self, index: usize, number: usize, total: usize) {
        let width = self.text_width();
        let (left, page_w, page_h) = (self.left(), self.page_w, self.page_h);
        let header = self.pages[index].header.clone();
        let mut extra = Vec::new();
        if !header.trim().is_empty() {
            let text = ellipsize(&self.fonts, &header, HEADER_SIZE, width);
            let baseline = page_h - self.margin + 30.0;
            extra.push(Item::Text {
                x: left,
                y: baseline,
                size: HEADER_SIZE,
                font: Font::Regular,
                grey: 0.35,
                text,
            });
            extra.push(Item::Line {
                x1: left,
                y1: baseline - 6.0,
                x2: left + width,
                y2: baseline - 6.0,
                width: 0.5,
                grey: RULE_GREY,
            });
        }
        let page_no = format!("Page {number} of {total}");
        let footer = match &self.pages[index].tag {
            Some(tag) => format!("{tag} \u{00B7} {page_no}"),
            None => page_no,
        };
        let footer = ellipsize(&self.fonts, &footer, FOOTER_SIZE, width);
        let fw = self.fonts.width(Font::Regular, &footer, FOOTER_SIZE);
        extra.push(Item::Text {
            x: (page_w - fw) / 2.0,
            y: self.margin / 2.0,
            size: FOOTER_SIZE,
            font: Font::Regular,
            grey: 0.2,
            text: footer,
        });
        self.pages[index].items.extend(extra);
    }
}

/// Clamp caller-supplied styles to what the court rules and the page allow.
fn sane_style(style: Style) -> Style {
    Style {
        size: if style.size.is_finite() {
            style.size.clamp(10.0, 36.0)
        } else {
            12.0
        },
        indent: if style.indent.is_finite() {
            style.indent
        } else {
            0.0
        },
        space_after: if style.space_after.is_finite() {
            style.space_after.max(0.0)
        } else {
            6.0
        },
        ..style
    }
}

/// Shorten single-line text with "…" so it fits `width` (already sanitised text).
fn ellipsize(fonts: &Fonts, text: &str, size: f32, width: f32) -> String {
    if fonts.width(Font::Regular, text, size) <= width {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String =
            chars.iter().collect::<String>().trim_end().to_string() + "\u{2026}";
        if fonts.width(Font::Regular, &candidate, size) <= width {
            return candidate;
        }
    }
    "\u{2026}".to_string()
}
