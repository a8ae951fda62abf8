//! Cutting one laid-out document into volumes, for courts that cap the size of each file.
//!
//! A report is laid out once as a whole, so that page numbers can run straight through every
//! volume; then each volume is made from a run of its pages, behind a cover of its own. Links
//! work inside a volume; a link to another volume's page is dropped and its text stays, as
//! plain text that names the volume and page. Bookmarks keep to what the volume holds.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use super::{Anchor, Bookmark, DocInfo, Item, Layout, LayoutError, Page, Pos};

/// What one page adds to the size of a PDF that holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageWeight {
    /// Images the page shows, by index within the layout, with their stored sizes. A volume
    /// stores each image once however many of its pages show it.
    pub images: Vec<(usize, u64)>,
    /// Estimated bytes of the page object and its compressed content stream.
    pub content: u64,
}

/// Estimated compressed bytes per drawn glyph. Text is written as 4 hex digits per glyph and
/// deflates to about a third; measured on the demo report, rounded up.
const GLYPH_BYTES: u64 = 2;
/// Estimated compressed bytes of the operators around one text run, line or rectangle.
const ITEM_BYTES: u64 = 24;
/// The page dictionary, its content stream header and its entry in the cross-reference table.
const PAGE_BYTES: u64 = 400;
/// A link annotation is an object of its own, never compressed.
const LINK_BYTES: u64 = 260;

impl Layout {
    /// Size estimates per page, to decide where a report is cut into volumes. Estimates only:
    /// whoever cuts must check the real size of each volume it makes.
    pub fn page_weights(&self) -> Vec<PageWeight> {
        self.pages
            .iter()
            .map(|page| {
                let mut images = BTreeSet::new();
                let mut content = PAGE_BYTES;
                for item in &page.items {
                    content += match item {
                        Item::Text { text, .. } => ITEM_BYTES + GLYPH_BYTES * text.len() as u64,
                        Item::Image { index, .. } => {
                            images.insert(*index);
                            ITEM_BYTES
                        }
                        Item::Link { .. } => LINK_BYTES + ITEM_BYTES,
                        _ => ITEM_BYTES,
                    };
                }
                PageWeight {
                    images: images
                        .into_iter()
                        .map(|i| (i, self.images[i].stored_size()))
                        .collect(),
                    content,
                }
            })
            .collect()
    }

    /// One volume: `front`'s pages (its cover) followed by pages `range` of this layout, as a
    /// document of its own with `info`. Serialise it with [`Layout::finish`], numbering its
    /// first page where it falls in the whole report.
    ///
    /// A link from inside `range` to a page outside it is dropped (the text stays, without
    /// its underline). Bookmarks outside `range` are left out; a bookmark whose parent
    /// section began in an earlier volume gets a "(continued)" copy of that parent, so the
    /// outline still reads as a tree.
    pub fn volume(
        &self,
        front: &Layout,
        range: Range<usize>,
        info: DocInfo,
    ) -> Result<Layout, LayoutError> {
        if range.start > range.end || range.end > self.pages.len() {
            return Err(LayoutError::PageNumbering(format!(
                "pages {}..{} of a {}-page document",
                range.start,
                range.end,
                self.pages.len()
            )));
        }
        let shift = front.pages.len();
        let inside = |pos: &Pos| range.contains(&pos.page);
        let moved = |pos: Pos| Pos {
            page: pos.page - range.start + shift,
            y: pos.y,
        };

        let (front_anchors, front_marks) = front.settled_marks();
        let (body_anchors, body_marks) = self.settled_marks();
        let mut anchors = front_anchors;
        anchors.extend(body_anchors.iter().map(|a| a.filter(inside).map(moved)));

        let mut images = Vec::new();
        let mut image_index = HashMap::new();
        let mut pages = Vec::with_capacity(shift + range.len());
        let sources = front
            .pages
            .iter()
            .map(|p| (front, p, false))
            .chain(self.pages[range.clone()].iter().map(|p| (self, p, true)));
        for (source, page, is_body) in sources {
            let mut items = Vec::with_capacity(page.items.len());
            for item in &page.items {
                match item {
                    Item::Link { target, .. } if is_body => {
                        // Only body links can point outside the volume.
                        match body_anchors.get(target.0) {
                            None | Some(None) => return Err(LayoutError::UnplacedAnchor),
                            Some(Some(pos)) if !inside(pos) => continue,
                            Some(Some(_)) => {}
                        }
                        let mut link = item.clone();
                        if let Item::Link { target, .. } = &mut link {
                            *target = Anchor(target.0 + front.anchors.len());
                        }
                        items.push(link);
                    }
                    Item::Image { index, matrix } => {
                        let image = &source.images[*index];
                        let new = *image_index.entry(image.key).or_insert_with(|| {
                            images.push(image.clone());
                            images.len() - 1
                        });
                        items.push(Item::Image {
                            index: new,
                            matrix: *matrix,
                        });
                    }
                    other => items.push(other.clone()),
                }
            }
            pages.push(Page {
                header: page.header.clone(),
                tag: page.tag.clone(),
                items,
            });
        }

        let mut bookmarks: Vec<Bookmark> = front
            .bookmarks
            .iter()
            .zip(front_marks)
            .map(|(b, pos)| Bookmark { pos, ..b.clone() })
            .collect();
        bookmarks.extend(self.volume_bookmarks(&body_marks, &range, shift));

        Ok(Layout {
            info,
            fonts: self.fonts.clone(),
            page_w: self.page_w,
            page_h: self.page_h,
            margin: self.margin,
            pages,
            page_open: true,
            y: self.bottom(),
            header: String::new(),
            tag: None,
            image_index,
            images,
            anchors,
            bookmarks,
            pending: Vec::new(),
            keep: None,
        })
    }

    /// This layout's bookmarks that land in `range`, moved by `shift` pages, each preceded
    /// by "(continued)" copies of ancestors that are not in the volume themselves.
    fn volume_bookmarks(
        &self,
        positions: &[Option<Pos>],
        range: &Range<usize>,
        shift: usize,
    ) -> Vec<Bookmark> {
        let inside = |i: usize| positions[i].is_some_and(|p| range.contains(&p.page));
        let mut out = Vec::new();
        // Indices of the open ancestors, outermost first, as `pdf::outline` nests them.
        let mut parents: Vec<usize> = Vec::new();
        let mut continued = HashSet::new();
        for (i, bookmark) in self.bookmarks.iter().enumerate() {
            while parents
                .last()
                .is_some_and(|&p| self.bookmarks[p].level >= bookmark.level)
            {
                parents.pop();
            }
            if let (true, Some(pos)) = (inside(i), positions[i]) {
                let pos = Pos {
                    page: pos.page - range.start + shift,
                    y: pos.y,
                };
                for &p in &parents {
                    if !inside(p) && continued.insert(p) {
                        out.push(Bookmark {
                            title: format!("{} (continued)", self.bookmarks[p].title),
                            level: self.bookmarks[p].level,
                            pos: Some(pos),
                        });
                    }
                }
                out.push(Bookmark {
                    pos: Some(pos),
                    ..bookmark.clone()
                });
            }
            parents.push(i);
        }
        out
    }
}
