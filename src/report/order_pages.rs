//! The court's order carried into a handout (the officer sheet, a notice for a school): the
//! pages of the order and of its proof of service, each footed as a copy.
//!
//! A PDF's pages are carried over as they are: each becomes a form XObject (ISO 32000-1
//! §8.10) drawn, slightly scaled, on a page of the handout, so its text stays text (searchable,
//! sharp when printed) and nothing is re-rendered. Filled-in form fields and stamps, which
//! live in annotations and not in the page itself, are drawn into it from their appearance
//! streams (the "flattening" every print path does), so a filled court form prints filled.
//! What the order's file says about itself (its author, the software that made it, XMP
//! packets, the EXIF inside its scanned pictures) is left behind: a handout is read by people
//! the protected person does not control. Scans and photos of pages go through the same
//! picture path as report exhibits (converted if HEIC, always without metadata), one per page.
//!
//! Every order PDF is hostile input: it is parsed inside `catch_unwind`, its content is
//! decompressed with a limit, and its page count is capped.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::layout::{Image, Layout};
use crate::journal::{Journal, JournalError};
use crate::model::{DocumentKind, Order};

/// The footer of every page copied from the order, as the court-report guidance asks: an
/// officer must never mistake the copy for the certified order.
pub const ORDER_FOOTER: &str =
    "Copy of the order on file with the protected person - the certified order controls";
/// The footer of the proof of service's pages.
pub const SERVICE_FOOTER: &str =
    "Copy of the proof of service on file with the protected person - the certified order controls";

/// More pages than any order and its proof of service have; a file beyond it is not an order.
const MAX_PAGES: usize = 200;
/// The decompressed content of one page; real pages are kilobytes.
const MAX_PAGE_CONTENT: usize = 64 * 1024 * 1024;
/// Nested page-tree levels followed when looking for inherited page attributes.
const MAX_DEPTH: usize = 32;

/// Why the order's pages cannot go into a handout. The sentences say what is wrong and what
/// the person can do about it, in no particular program's words: the CLI, the app's export and
/// its orders screen each say it in their own context.
#[derive(Debug, thiserror::Error)]
pub enum OrderPagesError {
    #[error(
        "No copy of the order itself is kept with the order in case {case}. Add the PDF from the court, or photos of its pages, to the order first."
    )]
    NoCopy { case: String, id: String },
    #[error(
        "The order's file {name} is locked with a password, so its pages cannot be copied. Add an unlocked copy (for example photos of its pages), or carry a paper copy of the order."
    )]
    Locked { name: String },
    #[error(
        "The order's file {name} is damaged ({detail}), so its pages cannot be copied. Add a good copy (for example photos of its pages), or carry a paper copy of the order."
    )]
    Damaged { name: String, detail: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
}

/// One page to carry over.
enum Source {
    /// Page `number` (1-based) of `pdfs[pdf]`.
    Pdf { pdf: usize, number: u32 },
    /// A scan or photo of a page, ready to place.
    Picture(Image),
}

/// The order's pages, read and checked, ready to lay out.
pub struct OrderPages {
    pages: Vec<(&'static str, Source)>,
    pdfs: Vec<OrderPdf>,
}

/// An order PDF, parsed and checked: its file name (for messages), the document, and each
/// page's decompressed content (decompressed once, when checked, and drawn from later).
struct OrderPdf {
    name: String,
    doc: Document,
    contents: Vec<Vec<u8>>,
}

/// Where [`OrderPages::lay_out`] left room for the PDF pages, to fill in [`OrderPages::fill`].
pub struct Slots(Vec<(usize, [f32; 4], usize)>);

impl OrderPages {
    /// Reads the papers kept with `order`: the order's own (required), then its proof of
    /// service. Refuses, naming the file, an order PDF that is locked or damaged, and a scan
    /// that cannot be shown.
    pub fn read(journal: &Journal, order: &Order) -> Result<Self, OrderPagesError> {
        let documents = journal.order_documents(&order.id)?;
        if !documents.iter().any(|(k, _)| *k == DocumentKind::Order) {
            return Err(OrderPagesError::NoCopy {
                case: order.case_number.clone(),
                id: order.id.clone(),
            });
        }
        let mut pages = Vec::new();
        let mut pdfs = Vec::new();
        for wanted in [DocumentKind::Order, DocumentKind::ProofOfService] {
            let footer = match wanted {
                DocumentKind::Order => ORDER_FOOTER,
                _ => SERVICE_FOOTER,
            };
            for (_, attachment) in documents.iter().filter(|(k, _)| *k == wanted) {
                let bytes = journal.attachment_bytes(attachment)?;
                if attachment.mime == "application/pdf" {
                    let (doc, contents) = open_pdf(&bytes)
                        .map_err(|problem| problem.for_file(attachment.original_name.clone()))?;
                    let count = doc.get_pages().len() as u32;
                    pdfs.push(OrderPdf {
                        name: attachment.original_name.clone(),
                        doc,
                        contents,
                    });
                    for number in 1..=count {
                        pages.push((
                            footer,
                            Source::Pdf {
                                pdf: pdfs.len() - 1,
                                number,
                            },
                        ));
                    }
                } else {
                    let shown = super::picture(&attachment.mime, &bytes).ok_or_else(|| {
                        OrderPagesError::Damaged {
                            name: attachment.original_name.clone(),
                            detail: "the picture cannot be shown".into(),
                        }
                    })?;
                    pages.push((footer, Source::Picture(shown.image)));
                }
                if pages.len() > MAX_PAGES {
                    return Err(OrderPagesError::Damaged {
                        name: attachment.original_name.clone(),
                        detail: format!("the papers have more than {MAX_PAGES} pages"),
                    });
                }
            }
        }
        Ok(Self { pages, pdfs })
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// What follows the handout, for its first page: "the order (3 pages)", or "the order
    /// (3 pages) and its proof of service (1 page)".
    pub fn describe(&self) -> String {
        let count = |footer: &str| self.pages.iter().filter(|(f, _)| *f == footer).count();
        let order = format!(
            "the order ({})",
            super::officer_sheet::plural(count(ORDER_FOOTER), "page")
        );
        match count(SERVICE_FOOTER) {
            0 => order,
            n => format!(
                "{order} and its proof of service ({})",
                super::officer_sheet::plural(n, "page")
            ),
        }
    }

    /// Puts each page on a page of its own, footed: pictures placed now, PDF pages left as
    /// room to be filled after the layout is written.
    pub fn lay_out(&self, layout: &mut Layout) -> Slots {
        let mut slots = Vec::new();
        for (i, (footer, source)) in self.pages.iter().enumerate() {
            layout.set_page_tag(Some(footer));
            match source {
                Source::Picture(image) => {
                    layout.new_page();
                    layout.image(image, None);
                }
                Source::Pdf { .. } => {
                    let (page, area) = layout.reserve_page();
                    slots.push((page, area, i));
                }
            }
            layout.new_page();
        }
        layout.set_page_tag(None);
        Slots(slots)
    }

    /// Draws the PDF pages into the room `lay_out` left in `written` (the finished layout),
    /// and returns the combined PDF. The order's objects are walked again here, so this runs
    /// behind `catch_unwind` too.
    pub fn fill(self, written: &[u8], slots: Slots) -> Result<Vec<u8>, OrderPagesError> {
        let names: Vec<String> = self.pdfs.iter().map(|pdf| pdf.name.clone()).collect();
        catch_unwind(AssertUnwindSafe(|| self.fill_unguarded(written, slots))).unwrap_or_else(
            |_| {
                Err(OrderPagesError::Damaged {
                    name: names.join(", "),
                    detail: "its pages could not be copied".into(),
                })
            },
        )
    }

    fn fill_unguarded(mut self, written: &[u8], slots: Slots) -> Result<Vec<u8>, OrderPagesError> {
        let broken = |detail: String| OrderPagesError::Journal(JournalError::Damaged(detail));
        let mut doc = Document::load_mem(written)
            .map_err(|e| broken(format!("the handout just written cannot be read back: {e}")))?;
        let ours = doc.get_pages();
        let ours_max = doc.max_id;
        // Each source's objects are renumbered past the handout's, its pages made forms, and
        // the whole lot moved in; what no page uses is pruned at the end.
        let mut forms: Vec<Vec<Option<Form>>> = Vec::new();
        for OrderPdf {
            doc: pdf, contents, ..
        } in &mut self.pdfs
        {
            pdf.renumber_objects_with(doc.max_id + 1);
            let pages = pdf.get_pages();
            let mut made = vec![None; pages.len() + 1];
            for (&number, &page_id) in &pages {
                let content = contents
                    .get_mut(number as usize - 1)
                    .map(std::mem::take)
                    .unwrap_or_default();
                made[number as usize] = Some(page_form(pdf, page_id, content));
            }
            doc.max_id = pdf.max_id;
            doc.objects.append(&mut pdf.objects);
            forms.push(made);
        }
        for (page_index, area, source_index) in slots.0 {
            let Source::Pdf { pdf, number } = &self.pages[source_index].1 else {
                continue;
            };
            let form = forms
                .get(*pdf)
                .and_then(|f| f.get(*number as usize))
                .and_then(Option::as_ref)
                .ok_or_else(|| broken("a page of the order went missing".into()))?;
            let page_id = *ours
                .get(&(page_index as u32 + 1))
                .ok_or_else(|| broken("a page of the handout went missing".into()))?;
            draw_form(&mut doc, page_id, form, area)
                .map_err(|e| broken(format!("placing a page of the order: {e}")))?;
        }
        scrub_metadata(&mut doc, ours_max);
        doc.prune_objects();
        drop_pdfa_claim(&mut doc);
        let mut out = Vec::new();
        doc.save_to(&mut out)
            .map_err(|e| broken(format!("writing the handout: {e}")))?;
        Ok(out)
    }
}

/// Why an order PDF cannot be used, before its file name is known.
enum Problem {
    Locked,
    Damaged(String),
}

impl Problem {
    fn for_file(self, name: String) -> OrderPagesError {
        match self {
            Problem::Locked => OrderPagesError::Locked { name },
            Problem::Damaged(detail) => OrderPagesError::Damaged { name, detail },
        }
    }
}

/// Parses an order PDF, refusing one that needs a password to open or has no readable page.
/// A PDF with only an owner password (one that restricts editing) opens without one and is
/// used: it is the person's own court order.
fn open_pdf(bytes: &[u8]) -> Result<(Document, Vec<Vec<u8>>), Problem> {
    let parsed = catch_unwind(AssertUnwindSafe(|| Document::load_mem(bytes)))
        .map_err(|_| Problem::Damaged("it could not be parsed".into()))?;
    let doc = match parsed {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_)) | Err(lopdf::Error::InvalidPassword) => {
            return Err(Problem::Locked)
        }
        Err(e) => return Err(Problem::Damaged(plain_pdf_error(&e))),
    };
    if doc.is_encrypted() {
        return Err(Problem::Locked);
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(Problem::Damaged("no page could be read".into()));
    }
    if pages.len() > MAX_PAGES {
        return Err(Problem::Damaged(format!(
            "it has more than {MAX_PAGES} pages"
        )));
    }
    // Every page's content is decompressed now, so a bad page is found before anything is
    // laid out rather than halfway through; it is kept for drawing the page later.
    let mut contents = Vec::with_capacity(pages.len());
    for (&number, &page_id) in &pages {
        let page = catch_unwind(AssertUnwindSafe(|| {
            doc.get_page_content_with_limit(page_id, MAX_PAGE_CONTENT)
        }));
        match page {
            Ok(Ok(content)) => contents.push(content),
            _ => return Err(Problem::Damaged(format!("page {number} cannot be read"))),
        }
    }
    Ok((doc, contents))
}

fn plain_pdf_error(e: &lopdf::Error) -> String {
    match e {
        lopdf::Error::Parse(_) | lopdf::Error::Xref(_) | lopdf::Error::InvalidOffset(_) => {
            "it is not a whole PDF".into()
        }
        other => format!("{other}"),
    }
}

/// A page made into a form XObject, with the box it draws in and the page's rotation.
#[derive(Clone)]
struct Form {
    id: ObjectId,
    /// The page's visible area (crop box, or else media box): x0, y0, x1, y1.
    bbox: [f32; 4],
    /// Clockwise quarter turns the viewer applies (/Rotate 90 = 1).
    quarter_turns: u8,
}

/// Turns page `page_id` of `pdf` into a form XObject added to `pdf`: its `content` (all its
/// content streams, decompressed) in one stream, its resources (inherited ones too), and its
/// printable annotations drawn in.
fn page_form(pdf: &mut Document, page_id: ObjectId, content: Vec<u8>) -> Form {
    let bbox = inherited(pdf, page_id, b"CropBox")
        .or_else(|| inherited(pdf, page_id, b"MediaBox"))
        .and_then(|o| rectangle(pdf, &o))
        .unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let rotate = inherited(pdf, page_id, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0);
    let quarter_turns = (rotate.rem_euclid(360) / 90) as u8;
    let mut resources = match inherited(pdf, page_id, b"Resources") {
        Some(object) => resolve(pdf, &object)
            .and_then(|o| o.as_dict().ok().cloned())
            .unwrap_or_default(),
        None => Dictionary::new(),
    };
    let mut xobjects = resources
        .get(b"XObject")
        .ok()
        .and_then(|o| resolve(pdf, o))
        .and_then(|o| o.as_dict().ok().cloned())
        .unwrap_or_default();
    let mut stream = b"q\n".to_vec();
    stream.extend_from_slice(&content);
    stream.extend_from_slice(b"\nQ\n");
    for (n, (appearance, placement)) in appearances(pdf, page_id).into_iter().enumerate() {
        let name = format!("DaybookAnnot{n}");
        xobjects.set(name.as_bytes(), Object::Reference(appearance));
        stream.extend_from_slice(
            format!("q {} cm /{name} Do Q\n", matrix_ops(&placement)).as_bytes(),
        );
    }
    resources.set("XObject", Object::Dictionary(xobjects));
    let mut dict = Dictionary::new();
    dict.set("Type", "XObject");
    dict.set("Subtype", "Form");
    dict.set(
        "BBox",
        Object::Array(bbox.iter().map(|v| Object::Real(*v)).collect()),
    );
    dict.set("Resources", Object::Dictionary(resources));
    if let Some(group) = pdf
        .get_dictionary(page_id)
        .ok()
        .and_then(|page| page.get(b"Group").ok().cloned())
    {
        dict.set("Group", group);
    }
    let mut form = Stream::new(dict, stream);
    // A stream that will not shrink is kept as it is; either way it is a valid stream.
    let _ = form.compress();
    let id = pdf.add_object(form);
    Form {
        id,
        bbox,
        quarter_turns,
    }
}

/// The printable annotations of a page that have a normal appearance, each with the matrix
/// that maps its appearance onto its rectangle (ISO 32000-1 §12.5.5, algorithm 8.1).
fn appearances(pdf: &Document, page_id: ObjectId) -> Vec<(ObjectId, [f32; 6])> {
    const HIDDEN: i64 = 2;
    const PRINT: i64 = 4;
    let Ok(annotations) = pdf.get_page_annotations(page_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for annotation in annotations {
        let flags = annotation
            .get(b"F")
            .ok()
            .and_then(|f| f.as_i64().ok())
            .unwrap_or(0);
        if flags & HIDDEN != 0 || flags & PRINT == 0 {
            continue;
        }
        let Some(rect) = annotation.get(b"Rect").ok().and_then(|r| rectangle(pdf, r)) else {
            continue;
        };
        let normal = annotation
            .get(b"AP")
            .ok()
            .and_then(|ap| resolve(pdf, ap))
            .and_then(|ap| ap.as_dict().ok())
            .and_then(|ap| ap.get(b"N").ok());
        // Either the appearance stream itself, or one per state (a check box) chosen by /AS.
        let appearance = match normal {
            Some(Object::Reference(id)) => match pdf.get_object(*id) {
                Ok(Object::Stream(_)) => Some(*id),
                Ok(Object::Dictionary(states)) => chosen_state(annotation, states),
                _ => None,
            },
            Some(Object::Dictionary(states)) => chosen_state(annotation, states),
            _ => None,
        };
        let Some(id) = appearance else { continue };
        let Ok(Object::Stream(stream)) = pdf.get_object(id) else {
            continue;
        };
        let Some(bbox) = stream
            .dict
            .get(b"BBox")
            .ok()
            .and_then(|b| rectangle(pdf, b))
        else {
            continue;
        };
        let matrix = stream
            .dict
            .get(b"Matrix")
            .ok()
            .and_then(|m| numbers(pdf, m))
            .and_then(|m| <[f32; 6]>::try_from(m).ok())
            .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let shown = transformed_bounds(&matrix, bbox);
        let (w, h) = (shown[2] - shown[0], shown[3] - shown[1]);
        if w.abs() < 1e-3 || h.abs() < 1e-3 {
            continue;
        }
        let (sx, sy) = ((rect[2] - rect[0]) / w, (rect[3] - rect[1]) / h);
        out.push((
            id,
            [
                sx,
                0.0,
                0.0,
                sy,
                rect[0] - shown[0] * sx,
                rect[1] - shown[1] * sy,
            ],
        ));
    }
    out
}

fn chosen_state(annotation: &Dictionary, states: &Dictionary) -> Option<ObjectId> {
    let state = annotation.get(b"AS").ok()?.as_name().ok()?;
    states.get(state).ok()?.as_reference().ok()
}

/// Draws `form` onto page `page_id` of `doc`, scaled (never up) to fit `area` and turned as
/// the original page was shown, with a thin frame marking the original page's edge.
fn draw_form(
    doc: &mut Document,
    page_id: ObjectId,
    form: &Form,
    area: [f32; 4],
) -> Result<(), lopdf::Error> {
    let [x0, y0, x1, y1] = form.bbox;
    let (w, h) = (x1 - x0, y1 - y0);
    // Where the viewer's rotation takes the page, in a box starting at 0,0.
    let turn = match form.quarter_turns {
        1 => [0.0, -1.0, 1.0, 0.0, 0.0, w],
        2 => [-1.0, 0.0, 0.0, -1.0, w, h],
        3 => [0.0, 1.0, -1.0, 0.0, h, 0.0],
        _ => [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    };
    let (shown_w, shown_h) = if form.quarter_turns % 2 == 1 {
        (h, w)
    } else {
        (w, h)
    };
    let [ax, ay, aw, ah] = area;
    let scale = (aw / shown_w).min(ah / shown_h).min(1.0);
    let (placed_w, placed_h) = (shown_w * scale, shown_h * scale);
    let (left, bottom) = (ax + (aw - placed_w) / 2.0, ay + ah - placed_h);
    let matrix = then(
        then([1.0, 0.0, 0.0, 1.0, -x0, -y0], turn),
        [scale, 0.0, 0.0, scale, left, bottom],
    );
    let name = format!("DaybookOrderPage{}", form.id.0);
    let ops = format!(
        "Q q {} cm /{name} Do Q q 0.6 G 0.5 w {left:.2} {bottom:.2} {placed_w:.2} {placed_h:.2} re S Q\n",
        matrix_ops(&matrix)
    );
    // Our own page: its resources are copied onto it, so a dictionary shared with other
    // pages is never changed.
    let mut resources = match doc.get_dictionary(page_id)?.get(b"Resources") {
        Ok(Object::Reference(id)) => doc.get_dictionary(*id)?.clone(),
        Ok(Object::Dictionary(dict)) => dict.clone(),
        _ => Dictionary::new(),
    };
    let mut xobjects = match resources.get(b"XObject") {
        Ok(Object::Reference(id)) => doc.get_dictionary(*id)?.clone(),
        Ok(Object::Dictionary(dict)) => dict.clone(),
        _ => Dictionary::new(),
    };
    xobjects.set(name.as_bytes(), Object::Reference(form.id));
    resources.set("XObject", Object::Dictionary(xobjects));
    // The page's own drawing is fenced in q ... Q so that whatever state it leaves cannot
    // move or recolour the order's page.
    let open = doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    let mut placed = Stream::new(Dictionary::new(), ops.into_bytes());
    let _ = placed.compress();
    let placed = doc.add_object(placed);
    let mut contents = vec![Object::Reference(open)];
    contents.extend(
        doc.get_page_contents(page_id)
            .into_iter()
            .map(Object::Reference),
    );
    contents.push(Object::Reference(placed));
    let page = doc.get_dictionary_mut(page_id)?;
    page.set("Resources", Object::Dictionary(resources));
    page.set("Contents", Object::Array(contents));
    Ok(())
}

/// Leaves behind what the order's file says about itself: XMP packets, page-piece data and
/// the EXIF, XMP and comments inside its JPEG pictures (objects numbered above `ours_max`).
fn scrub_metadata(doc: &mut Document, ours_max: u32) {
    for (id, object) in doc.objects.iter_mut() {
        if id.0 <= ours_max {
            continue;
        }
        match object {
            Object::Dictionary(dict) => {
                dict.remove(b"Metadata");
                dict.remove(b"PieceInfo");
                dict.remove(b"LastModified");
            }
            Object::Stream(stream) => {
                stream.dict.remove(b"Metadata");
                stream.dict.remove(b"PieceInfo");
                stream.dict.remove(b"LastModified");
                let is_jpeg =
                    matches!(stream.dict.get(b"Filter"), Ok(Object::Name(n)) if n == b"DCTDecode");
                if is_jpeg {
                    if let Ok(clean) = super::layout::jpeg_without_metadata(&stream.content) {
                        stream.set_content(clean);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The handout's XMP says PDF/A-2b, which Daybook's own pages are. The order's pages are
/// whatever the court's software made, so the combined file no longer claims it.
fn drop_pdfa_claim(doc: &mut Document) {
    let Some(id) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Metadata").ok())
        .and_then(|m| m.as_reference().ok())
    else {
        return;
    };
    if let Ok(Object::Stream(stream)) = doc.get_object_mut(id) {
        let Ok(text) = String::from_utf8(stream.content.clone()) else {
            return;
        };
        let (Some(start), Some(end)) = (
            text.find("<pdfaid:part>"),
            text.find("</pdfaid:conformance>"),
        ) else {
            return;
        };
        let mut cleaned = text[..start].to_string();
        cleaned.push_str(&text[end + "</pdfaid:conformance>".len()..]);
        stream.set_content(cleaned.into_bytes());
    }
}

/// A page attribute, from the page or the nearest page-tree node above it that has it.
fn inherited(pdf: &Document, page_id: ObjectId, key: &[u8]) -> Option<Object> {
    let mut node = pdf.get_dictionary(page_id).ok()?;
    for _ in 0..MAX_DEPTH {
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = pdf.get_dictionary(parent).ok()?;
    }
    None
}

fn resolve<'a>(pdf: &'a Document, object: &'a Object) -> Option<&'a Object> {
    pdf.dereference(object).ok().map(|(_, o)| o)
}

fn numbers(pdf: &Document, object: &Object) -> Option<Vec<f32>> {
    resolve(pdf, object)?
        .as_array()
        .ok()?
        .iter()
        .map(|n| resolve(pdf, n).and_then(|n| n.as_float().ok()))
        .collect()
}

/// A PDF rectangle, normalised so that x0 < x1 and y0 < y1.
fn rectangle(pdf: &Document, object: &Object) -> Option<[f32; 4]> {
    let n = numbers(pdf, object)?;
    let [a, b, c, d] = <[f32; 4]>::try_from(n).ok()?;
    let r = [a.min(c), b.min(d), a.max(c), b.max(d)];
    (r.iter().all(|v| v.is_finite()) && r[2] - r[0] > 1.0 && r[3] - r[1] > 1.0).then_some(r)
}

/// The affine map that applies `first`, then `second` ([a b c d e f] as PDF writes them).
fn then(first: [f32; 6], second: [f32; 6]) -> [f32; 6] {
    let [a1, b1, c1, d1, e1, f1] = first;
    let [a2, b2, c2, d2, e2, f2] = second;
    [
        a2 * a1 + c2 * b1,
        b2 * a1 + d2 * b1,
        a2 * c1 + c2 * d1,
        b2 * c1 + d2 * d1,
        a2 * e1 + c2 * f1 + e2,
        b2 * e1 + d2 * f1 + f2,
    ]
}

fn transformed_bounds(m: &[f32; 6], r: [f32; 4]) -> [f32; 4] {
    let corners = [(r[0], r[1]), (r[2], r[1]), (r[0], r[3]), (r[2], r[3])]
        .map(|(x, y)| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]));
    let xs = corners.map(|c| c.0);
    let ys = corners.map(|c| c.1);
    let min = |v: [f32; 4]| v.into_iter().fold(f32::INFINITY, f32::min);
    let max = |v: [f32; 4]| v.into_iter().fold(f32::NEG_INFINITY, f32::max);
    [min(xs), min(ys), max(xs), max(ys)]
}

fn matrix_ops(m: &[f32; 6]) -> String {
    m.iter()
        .map(|v| format!("{v:.4}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{then, transformed_bounds};

    fn apply(m: [f32; 6], (x, y): (f32, f32)) -> (f32, f32) {
        (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
    }

    #[test]
    fn a_page_turned_a_quarter_clockwise_lands_upright() {
        // A 600 x 800 page shown with /Rotate 90: its top-left corner becomes the top-right
        // of an 800 x 600 box, and its bottom-left the top-left.
        let turn = [0.0, -1.0, 1.0, 0.0, 0.0, 600.0];
        assert_eq!(apply(turn, (0.0, 800.0)), (800.0, 600.0));
        assert_eq!(apply(turn, (0.0, 0.0)), (0.0, 600.0));
        // Shift first, then turn, then halve: the composition does them in that order.
        let m = then(
            then([1.0, 0.0, 0.0, 1.0, -10.0, -20.0], turn),
            [0.5, 0.0, 0.0, 0.5, 5.0, 5.0],
        );
        assert_eq!(apply(m, (10.0, 20.0)), (5.0, 305.0));
    }

    #[test]
    fn an_appearance_box_is_bounded_after_its_matrix() {
        let quarter = [0.0, 1.0, -1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            transformed_bounds(&quarter, [0.0, 0.0, 10.0, 4.0]),
            [-4.0, 0.0, 0.0, 10.0]
        );
    }
}
