//! Serialisation: laid-out pages → printpdf → lopdf post-processing → bytes.
//!
//! printpdf 0.12 does the parts that are hard to get right by hand (subsetting the TrueType
//! fonts, `/W` widths, `/ToUnicode` maps, content streams). It cannot express several things
//! the courts and PDF/A need, so they are added to the lopdf document it produces:
//! nested outlines (printpdf's are flat), `/PageMode /UseOutlines` (printpdf writes it as a
//! string, which viewers ignore), `/PageLabels`, XMP metadata and the sRGB output intent,
//! a caller-supplied document ID (printpdf's is random), a matching Info dictionary, and the
//! Print flag on link annotations.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use printpdf::{
    Actions, BorderArray, Color, ColorArray, CurTransMat, Destination, DictItem, ExternalStream,
    ExternalXObject, FontId, Greyscale, HighlightingMode, Line as PLine, LineCapStyle, LinePoint,
    LinkAnnotation, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rect, TextItem, TextMatrix, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use super::{fonts::FaceId, jpeg::JpegInfo, ImageData, Item, Layout, LayoutError};

/// sRGB IEC 61966-2.1 ICC v2 profile from Debian's icc-profiles-free (zlib licence, see
/// `assets/icc/LICENSE-icc-profiles-free.txt`). PDF/A requires an output intent, and sRGB is
/// what every camera and screenshot assumes.
const SRGB_ICC: &[u8] = include_bytes!("../../../assets/icc/sRGB.icc");

const PRODUCER: &str = "Daybook (printpdf 0.12, lopdf 0.44)";
const CREATOR: &str = "Daybook";

/// printpdf resource IDs of the faces in use, indexed by [`FaceId::index`]. A face no text
/// uses has none and is not embedded: a report without emoji carries no emoji font.
type FontIds = [Option<FontId>; FaceId::ALL.len()];

fn pdf_err(context: &str, e: impl std::fmt::Display) -> LayoutError {
    LayoutError::Pdf(format!("{context}: {e}"))
}

pub(super) fn write(
    layout: &Layout,
    first_number: usize,
    load: &mut dyn FnMut(u64) -> Result<super::Image, LayoutError>,
) -> Result<Vec<u8>, LayoutError> {
    let font_ids = subset_tags(layout);
    let mut doc = PdfDocument::new(&layout.info.title);
    for (face, id) in FaceId::ALL.iter().zip(&font_ids) {
        let (Some(id), Some(face)) = (id, layout.fonts.face(*face)) else {
            continue;
        };
        doc.resources
            .fonts
            .map
            .insert(id.clone(), PdfFont::new(face.parsed.clone()));
    }
    for (i, image) in layout.images.iter().enumerate() {
        let xobject = match &*image.data {
            ImageData::Deferred { token, .. } => {
                let loaded = load(*token)?;
                if !loaded.same_as(image) || !loaded.is_loaded() {
                    return Err(LayoutError::InvalidImage(
                        "a picture changed while the report was being written".into(),
                    ));
                }
                image_xobject(&loaded.data)
            }
            data => image_xobject(data),
        }
        .ok_or_else(|| LayoutError::InvalidImage("a picture was not loaded".into()))?;
        doc.resources
            .xobjects
            .map
            .insert(image_id(i), XObject::External(xobject));
    }
    for page in &layout.pages {
        let mut ops = Vec::new();
        for item in &page.items {
            item_ops(item, layout, &font_ids, &mut ops);
        }
        let bbox = Rect {
            x: Pt(0.0),
            y: Pt(0.0),
            width: Pt(layout.page_w),
            height: Pt(layout.page_h),
            mode: None,
            winding_order: None,
        };
        doc.pages.push(PdfPage {
            media_box: bbox.clone(),
            trim_box: bbox.clone(),
            crop_box: bbox,
            ops,
        });
    }

    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&doc, &opts, &mut warnings);
    post_process(&mut lo, layout, first_number)?;
    let mut out = Vec::new();
    lo.save_to(&mut out).map_err(|e| pdf_err("saving", e))?;
    Ok(out)
}

/// One resource name per used face: six capital letters derived from the glyph set, which is
/// exactly the ISO 32000 subset tag (`ABCDEF+DejaVuSans`). printpdf uses the first six
/// characters of the font ID as that tag, and deriving it from content instead of printpdf's
/// process-global counter keeps output identical from run to run. Only faces some text is
/// drawn in get one, so only they are embedded.
fn subset_tags(layout: &Layout) -> FontIds {
    let mut used: [BTreeSet<char>; FaceId::ALL.len()] = Default::default();
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Text { font, text, .. } = item {
                for (face, run) in layout.fonts.runs(*font, text) {
                    used[face.index()].extend(run.chars());
                }
            }
        }
    }
    let mut taken = BTreeSet::new();
    let mut ids = FontIds::default();
    for face in FaceId::ALL {
        let chars = &used[face.index()];
        let Some(parsed) = layout.fonts.face(face).filter(|_| !chars.is_empty()) else {
            continue;
        };
        let mut hasher = Sha256::new();
        hasher.update(parsed.name.as_bytes());
        for c in chars {
            hasher.update(u32::from(*c).to_be_bytes());
        }
        let mut digest: [u8; 32] = hasher.finalize().into();
        loop {
            let tag: String = digest[..6]
                .iter()
                .map(|b| char::from(b'A' + b % 26))
                .collect();
            if taken.insert(tag.clone()) {
                ids[face.index()] = Some(FontId(tag));
                break;
            }
            digest = Sha256::digest(digest).into();
        }
    }
    ids
}

fn image_id(index: usize) -> XObjectId {
    XObjectId(format!("Im{}", index + 1))
}

fn name(n: &str) -> DictItem {
    DictItem::Name(n.as_bytes().to_vec())
}

/// Image XObjects are written as raw streams rather than printpdf `RawImage`s, because
/// printpdf decodes and re-encodes JPEGs; evidence must stay byte-identical.
fn image_xobject(image: &ImageData) -> Option<ExternalXObject> {
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_string(), name("XObject"));
    dict.insert("Subtype".to_string(), name("Image"));
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    let content = match image {
        ImageData::Jpeg { bytes, info } => {
            jpeg_dict(info, &mut dict);
            bytes.clone()
        }
        ImageData::Rgb {
            width,
            height,
            deflated,
        } => {
            dict.insert("Width".to_string(), DictItem::Int(i64::from(*width)));
            dict.insert("Height".to_string(), DictItem::Int(i64::from(*height)));
            dict.insert("ColorSpace".to_string(), name("DeviceRGB"));
            dict.insert("Filter".to_string(), name("FlateDecode"));
            deflated.clone()
        }
        ImageData::PngStream {
            width,
            height,
            colors,
            idat,
        } => {
            dict.insert("Width".to_string(), DictItem::Int(i64::from(*width)));
            dict.insert("Height".to_string(), DictItem::Int(i64::from(*height)));
            let space = if *colors == 1 {
                "DeviceGray"
            } else {
                "DeviceRGB"
            };
            dict.insert("ColorSpace".to_string(), name(space));
            dict.insert("Filter".to_string(), name("FlateDecode"));
            let mut parms = BTreeMap::new();
            parms.insert("Predictor".to_string(), DictItem::Int(15));
            parms.insert("Colors".to_string(), DictItem::Int(i64::from(*colors)));
            parms.insert("BitsPerComponent".to_string(), DictItem::Int(8));
            parms.insert("Columns".to_string(), DictItem::Int(i64::from(*width)));
            dict.insert("DecodeParms".to_string(), DictItem::Dict { map: parms });
            idat.clone()
        }
        // `write` loads it first.
        ImageData::Deferred { .. } => return None,
    };
    Some(ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: false,
        },
        width: None,
        height: None,
        dpi: None,
    })
}

fn jpeg_dict(info: &JpegInfo, dict: &mut BTreeMap<String, DictItem>) {
    dict.insert("Width".to_string(), DictItem::Int(i64::from(info.width)));
    dict.insert("Height".to_string(), DictItem::Int(i64::from(info.height)));
    dict.insert("Filter".to_string(), name("DCTDecode"));
    let space = match info.components {
        1 => name("DeviceGray"),
        // PDF/A allows DeviceRGB/DeviceGray under the sRGB output intent, but not
        // DeviceCMYK: CMYK samples need a profile of their own.
        4 => {
            let mut icc = BTreeMap::new();
            icc.insert("N".to_string(), DictItem::Int(4));
            DictItem::Array(vec![
                name("ICCBased"),
                DictItem::Stream {
                    stream: ExternalStream {
                        dict: icc,
                        content: super::icc::naive_cmyk_profile(),
                        compress: true,
                    },
                },
            ])
        }
        _ => name("DeviceRGB"),
    };
    dict.insert("ColorSpace".to_string(), space);
    if info.components == 4 && info.adobe {
        let decode = (0..4)
            .flat_map(|_| [DictItem::Int(1), DictItem::Int(0)])
            .collect();
        dict.insert("Decode".to_string(), DictItem::Array(decode));
    }
}

fn grey(g: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: g,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

fn item_ops(item: &Item, layout: &Layout, fonts: &FontIds, ops: &mut Vec<Op>) {
    match item {
        Item::Text {
            x,
            y,
            size,
            font,
            grey: g,
            text,
        } => {
            // One text object, switching face between runs: each run starts where the
            // previous one left the pen, exactly where `Fonts::width` measured it.
            let runs = layout.fonts.runs(*font, text);
            if runs.is_empty() {
                return;
            }
            let Some(ids) = runs
                .iter()
                .map(|(face, _)| fonts[face.index()].clone())
                .collect::<Option<Vec<FontId>>>()
            else {
                return;
            };
            let set_font = |id: FontId| Op::SetFont {
                font: PdfFontHandle::External(id),
                size: Pt(*size),
            };
            let show = |run: &str| Op::ShowText {
                items: vec![TextItem::Text(run.to_string())],
            };
            ops.push(Op::StartTextSection);
            for (k, ((_, run), id)) in runs.iter().zip(ids).enumerate() {
                ops.push(set_font(id));
                if k == 0 {
                    ops.extend([
                        Op::SetFillColor { col: grey(*g) },
                        Op::SetTextMatrix {
                            matrix: TextMatrix::Raw([1.0, 0.0, 0.0, 1.0, *x, *y]),
                        },
                    ]);
                }
                ops.push(show(run));
            }
            ops.push(Op::EndTextSection);
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            grey: g,
        } => ops.extend([
            Op::SetOutlineColor { col: grey(*g) },
            Op::SetOutlineThickness { pt: Pt(*width) },
            Op::SetLineCapStyle {
                cap: LineCapStyle::Butt,
            },
            Op::DrawLine {
                line: PLine {
                    points: vec![point(*x1, *y1), point(*x2, *y2)],
                    is_closed: false,
                },
            },
        ]),
        Item::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            let mode = match (fill, stroke) {
                (Some(_), Some(_)) => PaintMode::FillStroke,
                (Some(_), None) => PaintMode::Fill,
                (None, Some(_)) => PaintMode::Stroke,
                (None, None) => return,
            };
            if let Some(f) = fill {
                ops.push(Op::SetFillColor { col: grey(*f) });
            }
            if let Some(s) = stroke {
                ops.push(Op::SetOutlineColor { col: grey(*s) });
                ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
            }
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(*x),
                    y: Pt(*y),
                    width: Pt(*w),
                    height: Pt(*h),
                    mode: Some(mode),
                    winding_order: None,
                },
            });
        }
        Item::Image { index, matrix } => ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw(*matrix),
            },
            Op::UseXobject {
                id: image_id(*index),
                transform: XObjectTransform {
                    no_auto_scale: true,
                    ..Default::default()
                },
            },
            Op::RestoreGraphicsState,
        ]),
        Item::ClipBegin { x, y, w, h } => ops.extend([
            Op::SaveGraphicsState,
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(*x),
                    y: Pt(*y),
                    width: Pt(*w),
                    height: Pt(*h),
                    mode: Some(PaintMode::Clip),
                    winding_order: None,
                },
            },
        ]),
        Item::ClipEnd => ops.push(Op::RestoreGraphicsState),
        Item::Link {
            x,
            y,
            w,
            h,
            target,
            underline: (under, thickness),
        } => {
            let Some(Some(pos)) = layout.anchors.get(target.0) else {
                return;
            };
            let top = (pos.y + 4.0).min(layout.page_h);
            ops.extend([
                Op::SetOutlineColor { col: grey(0.0) },
                Op::SetOutlineThickness { pt: Pt(*thickness) },
                Op::SetLineCapStyle {
                    cap: LineCapStyle::Butt,
                },
                Op::DrawLine {
                    line: PLine {
                        points: vec![point(*x, *under), point(*x + *w, *under)],
                        is_closed: false,
                    },
                },
            ]);
            ops.push(Op::LinkAnnotation {
                link: LinkAnnotation::new(
                    Rect {
                        x: Pt(*x),
                        y: Pt(*y),
                        width: Pt(*w),
                        height: Pt(*h),
                        mode: None,
                        winding_order: None,
                    },
                    Actions::Goto(Destination::Xyz {
                        page: pos.page + 1,
                        left: None,
                        top: Some(top),
                        zoom: None,
                    }),
                    Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                    Some(ColorArray::Transparent),
                    Some(HighlightingMode::Outline),
                ),
            });
        }
    }
}

fn get_dict_mut(doc: &mut lopdf::Document, id: ObjectId) -> Result<&mut Dictionary, LayoutError> {
    doc.get_dictionary_mut(id)
        .map_err(|e| pdf_err("reading back printpdf's output", e))
}

fn post_process(
    doc: &mut lopdf::Document,
    layout: &Layout,
    first_number: usize,
) -> Result<(), LayoutError> {
    // ISO 32000-1 is PDF 1.7; PDF/A-2 is based on it.
    doc.version = "1.7".to_string();
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    if pages.len() != layout.pages.len() {
        return Err(LayoutError::Pdf(format!(
            "printpdf wrote {} pages instead of {}",
            pages.len(),
            layout.pages.len()
        )));
    }
    check_fonts_subset(doc)?;
    annotations_indirect_and_printable(doc, &pages)?;

    let outline = outline(doc, layout, &pages);
    let labels = Dictionary::from_iter(vec![(
        "Nums",
        Object::Array(vec![
            Object::Integer(0),
            Object::Dictionary(Dictionary::from_iter(vec![
                ("S", Object::Name(b"D".to_vec())),
                ("St", Object::Integer(first_number as i64)),
            ])),
        ]),
    )]);
    let xmp = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp_packet(layout).into_bytes(),
    )
    // PDF/A-2 forbids filters on the metadata stream: archivers must be able to read it raw.
    .with_compression(false);
    let xmp_id = doc.add_object(xmp);
    let icc = Stream::new(
        Dictionary::from_iter(vec![("N", Object::Integer(3))]),
        SRGB_ICC.to_vec(),
    );
    let icc_id = doc.add_object(icc);
    let intent = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            text_string("sRGB IEC61966-2.1"),
        ),
        ("Info", text_string("sRGB IEC61966-2.1")),
        ("RegistryName", text_string("http://www.color.org")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);

    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| pdf_err("finding the catalog", e))?;
    let catalog = get_dict_mut(doc, root)?;
    catalog.remove(b"Outlines");
    match outline {
        Some(id) => {
            catalog.set("Outlines", Object::Reference(id));
            catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        None => catalog.set("PageMode", Object::Name(b"UseNone".to_vec())),
    }
    catalog.set("PageLabels", Object::Dictionary(labels));
    catalog.set("Metadata", Object::Reference(xmp_id));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    catalog.set(
        "ViewerPreferences",
        Object::Dictionary(Dictionary::from_iter(vec![(
            "DisplayDocTitle",
            Object::Boolean(true),
        )])),
    );

    let info_id = doc.add_object(info_dict(layout));
    doc.trailer.set("Info", Object::Reference(info_id));
    let id = Object::String(layout.info.document_id.to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));

    doc.prune_objects();
    doc.renumber_objects();
    compress_streams(doc)?;
    Ok(())
}

/// Deflates every stream that has no filter yet (page text, subset fonts, the ICC profile),
/// as `lopdf::Document::compress` would, but at zlib's default level instead of level 9 and
/// on every core: the page text of a 1,200-page report is about 30 MB before compression,
/// and deflating it was the largest single cost of writing the PDF (benches/perf.rs,
/// `report`). Pictures already carry their own filter and are left alone.
fn compress_streams(doc: &mut lopdf::Document) -> Result<(), LayoutError> {
    let mut streams: Vec<&mut Stream> = doc
        .objects
        .values_mut()
        .filter_map(|object| match object {
            Object::Stream(stream)
                if stream.allows_compression && stream.dict.get(b"Filter").is_err() =>
            {
                Some(stream)
            }
            _ => None,
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = streams.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = streams
            .chunks_mut(share)
            .map(|chunk| scope.spawn(move || chunk.iter_mut().try_for_each(|s| deflate(s))))
            .collect();
        handles.into_iter().try_for_each(|handle| {
            handle
                .join()
                .map_err(|_| LayoutError::Pdf("compressing the PDF's streams failed".into()))?
        })
    })
}

fn deflate(stream: &mut Stream) -> Result<(), LayoutError> {
    use std::io::Write;
    let failed = |e: std::io::Error| LayoutError::Pdf(format!("compressing a stream: {e}"));
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(stream.content.len() / 3),
        flate2::Compression::default(),
    );
    encoder.write_all(&stream.content).map_err(failed)?;
    let compressed = encoder.finish().map_err(failed)?;
    if compressed.len() < stream.content.len() {
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
    Ok(())
}

/// printpdf silently falls back to embedding the whole font when subsetting fails; court
/// rules require subset fonts, so treat that as an error instead of shipping it.
fn check_fonts_subset(doc: &lopdf::Document) -> Result<(), LayoutError> {
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        let is_type0 = dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Type0");
        if !is_type0 {
            continue;
        }
        let base = dict
            .get(b"BaseFont")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let tagged = base.len() > 7
            && base.as_bytes()[6] == b'+'
            && base.as_bytes()[..6].iter().all(u8::is_ascii_uppercase);
        if !tagged {
            return Err(LayoutError::Font(format!(
                "font {base} could not be subset (court rules require subset fonts)"
            )));
        }
    }
    Ok(())
}

/// Link annotations become indirect objects with the Print flag (PDF/A requires it) and a
/// back-reference to their page.
fn annotations_indirect_and_printable(
    doc: &mut lopdf::Document,
    pages: &[ObjectId],
) -> Result<(), LayoutError> {
    for page_id in pages {
        let annots = match get_dict_mut(doc, *page_id)?.get(b"Annots") {
            Ok(Object::Array(a)) => a.clone(),
            _ => continue,
        };
        let mut refs = Vec::with_capacity(annots.len());
        for annot in annots {
            match annot {
                Object::Dictionary(mut d) => {
                    d.set("F", Object::Integer(4));
                    d.set("P", Object::Reference(*page_id));
                    refs.push(Object::Reference(doc.add_object(d)));
                }
                other => refs.push(other),
            }
        }
        let page = get_dict_mut(doc, *page_id)?;
        if refs.is_empty() {
            page.remove(b"Annots");
        } else {
            page.set("Annots", Object::Array(refs));
        }
    }
    Ok(())
}

/// A node of the outline tree, built from the flat bookmark list.
struct Node {
    title: String,
    dest: Object,
    children: Vec<Node>,
}

/// Nested outline: level 2 goes under the latest level 1, level 3 under the latest level 2
/// (or the latest level 1 when there is none). Level 1 entries start expanded so a reader
/// sees the incidents at a glance; deeper levels start collapsed.
fn outline(doc: &mut lopdf::Document, layout: &Layout, pages: &[ObjectId]) -> Option<ObjectId> {
    let mut roots: Vec<Node> = Vec::new();
    for bm in &layout.bookmarks {
        let Some(pos) = bm.pos else { continue };
        let Some(page) = pages.get(pos.page) else {
            continue;
        };
        let top = (pos.y + 4.0).min(layout.page_h);
        let node = Node {
            title: bm.title.clone(),
            dest: Object::Array(vec![
                Object::Reference(*page),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                Object::Real(top),
                Object::Null,
            ]),
            children: Vec::new(),
        };
        let parent: Option<&mut Vec<Node>> = match bm.level {
            1 => None,
            2 => roots.last_mut().map(|r| &mut r.children),
            _ => match roots.last_mut() {
                Some(r) if !r.children.is_empty() => r.children.last_mut().map(|c| &mut c.children),
                Some(r) => Some(&mut r.children),
                None => None,
            },
        };
        match parent {
            Some(list) => list.push(node),
            None => roots.push(node),
        }
    }
    if roots.is_empty() {
        return None;
    }
    let root_id = doc.new_object_id();
    let visible = write_nodes(doc, &roots, root_id, 1);
    let (first, last) = (visible.1, visible.2);
    doc.set_object(
        root_id,
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Outlines".to_vec())),
            ("First", Object::Reference(first)),
            ("Last", Object::Reference(last)),
            ("Count", Object::Integer(visible.0)),
        ]),
    );
    Some(root_id)
}

/// Write sibling outline items under `parent`; returns (visible item count, first id, last id).
fn write_nodes(
    doc: &mut lopdf::Document,
    nodes: &[Node],
    parent: ObjectId,
    depth: u8,
) -> (i64, ObjectId, ObjectId) {
    let ids: Vec<ObjectId> = nodes.iter().map(|_| doc.new_object_id()).collect();
    let mut visible = 0;
    for (i, node) in nodes.iter().enumerate() {
        let mut dict = Dictionary::from_iter(vec![
            ("Title", text_string(&node.title)),
            ("Parent", Object::Reference(parent)),
            ("Dest", node.dest.clone()),
        ]);
        if i > 0 {
            dict.set("Prev", Object::Reference(ids[i - 1]));
        }
        if let Some(next) = ids.get(i + 1) {
            dict.set("Next", Object::Reference(*next));
        }
        visible += 1;
        if !node.children.is_empty() {
            let (below, first, last) = write_nodes(doc, &node.children, ids[i], depth + 1);
            dict.set("First", Object::Reference(first));
            dict.set("Last", Object::Reference(last));
            if depth == 1 {
                dict.set("Count", Object::Integer(below));
                visible += below;
            } else {
                dict.set("Count", Object::Integer(-(node.children.len() as i64)));
            }
        }
        doc.set_object(ids[i], dict);
    }
    (visible, ids[0], ids[ids.len() - 1])
}

/// A PDF text string: PDFDocEncoding-compatible ASCII as a literal, anything else UTF-16BE.
fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// PDF/A requires the Info dictionary and the XMP packet to say the same things, so both
/// are written here from the same values.
fn info_dict(layout: &Layout) -> Dictionary {
    let info = &layout.info;
    let date = Object::String(
        info.created
            .format("D:%Y%m%d%H%M%S+00'00'")
            .to_string()
            .into_bytes(),
        StringFormat::Literal,
    );
    let mut dict = Dictionary::new();
    if !info.title.is_empty() {
        dict.set("Title", text_string(&info.title));
    }
    if !info.author.is_empty() {
        dict.set("Author", text_string(&info.author));
    }
    if !info.subject.is_empty() {
        dict.set("Subject", text_string(&info.subject));
    }
    dict.set("Creator", text_string(CREATOR));
    dict.set("Producer", text_string(PRODUCER));
    dict.set("CreationDate", date.clone());
    dict.set("ModDate", date);
    dict
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn xmp_packet(layout: &Layout) -> String {
    let info = &layout.info;
    let date = info.created.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let h = hex::encode(info.document_id);
    let uuid = format!(
        "uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    let mut dc = String::from("   <dc:format>application/pdf</dc:format>\n");
    if !info.title.is_empty() {
        dc.push_str(&format!(
            "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n",
            xml_escape(&info.title)
        ));
    }
    if !info.author.is_empty() {
        dc.push_str(&format!(
            "   <dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
            xml_escape(&info.author)
        ));
    }
    if !info.subject.is_empty() {
        dc.push_str(&format!(
            "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>\n",
            xml_escape(&info.subject)
        ));
    }
    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">
  <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">
{dc}  </rdf:Description>
  <rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">
   <pdf:Producer>{PRODUCER}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about=\"\" xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\">
   <xmpMM:DocumentID>{uuid}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{uuid}</xmpMM:InstanceID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end=\"r\"?>"
    )
}
