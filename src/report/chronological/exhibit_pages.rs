//! The exhibit pages of the chronological report: the exhibit index, a separator page per
//! exhibit, and each picture or video prepared once (decrypted, stripped of its file metadata,
//! converted or turned into stills) for every layout pass.

use std::collections::HashMap;

use crate::report::layout::Image;

use super::*;

/// How tall a video still is printed: two fit on a page with their labels.
const STILL_HEIGHT: f32 = 190.0;

/// An exhibit prepared for the pages once, before the layout passes.
pub(super) enum Prepared {
    /// `None` when the picture cannot be shown.
    Picture(Option<crate::report::Shown>),
    /// Stills, or why there are none.
    Video(Result<crate::report::Stills, String>),
}

/// Bytes of prepared pictures a report keeps in memory for its layout passes. Pictures past
/// it keep only their size and dimensions and are decrypted and prepared again when the
/// volume that shows them is written, so a report's memory does not grow with its pictures:
/// a report of a few hundred photos stays at this, one of a few dozen is as fast as before.
pub const PICTURES_KEPT_BYTES: u64 = 48 * 1024 * 1024;

/// Each picture and video exhibit decrypted and prepared for embedding, by exhibit number.
/// Decrypting (here, through the journal) and preparing (parsing a JPEG, checking a PNG's data,
/// converting a HEIC, taking a video's stills, on a second thread) overlap, one exhibit apart;
/// at most two decrypted files wait between them. Pictures past `kept_bytes` are
/// kept as [`crate::report::layout::Image::deferred`], their token the exhibit number.
pub(super) fn prepare_pictures(
    journal: &Journal,
    selection: &Selection,
    kept_bytes: u64,
) -> Result<HashMap<usize, Prepared>, ReportError> {
    type Work = (
        usize,
        AttachmentKind,
        String,
        Option<crate::report::Known>,
        Vec<u8>,
    );
    let (to_worker, work) = std::sync::mpsc::sync_channel::<Work>(2);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let mut kept = 0u64;
            work.into_iter()
                .map(|(number, kind, mime, known, bytes)| {
                    let prepared = match kind {
                        AttachmentKind::Video => {
                            Prepared::Video(crate::report::video_stills(&bytes))
                        }
                        _ => {
                            let mut shown = crate::report::picture_of(&mime, &bytes, known);
                            if let Some(shown) = &mut shown {
                                kept += shown.image.stored_size();
                                if kept > kept_bytes {
                                    shown.image = shown.image.deferred(number as u64);
                                }
                            }
                            Prepared::Picture(shown)
                        }
                    };
                    (number, prepared)
                })
                .collect::<HashMap<_, _>>()
        });
        let mut sent = Ok(());
        for e in &selection.exhibits {
            let kind = e.attachment.kind;
            if !matches!(kind, AttachmentKind::Image | AttachmentKind::Video) {
                continue;
            }
            if kind == AttachmentKind::Video
                && e.attachment.size > crate::report::MAX_VIDEO_FOR_STILLS
            {
                // Not decrypted at all: a report must not hold gigabytes of video in memory.
                continue;
            }
            match journal.attachment_bytes(&e.attachment) {
                // A failed send means the worker has stopped, which only a panic does.
                Ok(bytes) => {
                    if to_worker
                        .send((
                            e.number,
                            kind,
                            e.attachment.mime.clone(),
                            crate::report::Known::of(&e.attachment, false),
                            bytes,
                        ))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    sent = Err(e.into());
                    break;
                }
            }
        }
        drop(to_worker);
        // A panic while preparing a picture goes on as it did before the work was threaded.
        let images = worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        sent.map(|()| images)
    })
}

impl Context<'_> {
    /// A picture exhibit kept only by its size ([`PICTURES_KEPT_BYTES`]), decrypted and
    /// prepared again for the volume that shows it.
    pub(super) fn load_picture(&self, token: u64) -> Result<Image, LayoutError> {
        let lost = || {
            LayoutError::InvalidImage(format!("picture exhibit {token} could not be read again"))
        };
        let exhibit = self
            .selection
            .exhibits
            .iter()
            .find(|e| e.number as u64 == token)
            .ok_or_else(lost)?;
        let bytes = self
            .journal
            .attachment_bytes(&exhibit.attachment)
            .map_err(|e| LayoutError::InvalidImage(e.to_string()))?;
        let known = crate::report::Known::of(&exhibit.attachment, true);
        crate::report::picture_of(&exhibit.attachment.mime, &bytes, known)
            .map(|shown| shown.image)
            .ok_or_else(lost)
    }

    /// The exhibit index as a section of its own (`level` 1) or inside the master index (2).
    pub(super) fn exhibit_index(&self, l: &mut Layout, plan: &Plan, level: u8) {
        l.bookmark(EXHIBIT_INDEX, level);
        l.heading(EXHIBIT_INDEX, level);
        l.paragraph(
            "SHA-256 is the fingerprint of each original file; the same file in the evidence packet has the same value.",
            Style::small(),
        );
        let rows: Vec<Vec<String>> = self
            .selection
            .exhibits
            .iter()
            .map(|e| {
                let a = &e.attachment;
                let mut description = format!(
                    "{}: {} ({})",
                    a.kind.label(),
                    a.original_name,
                    crate::evidence::human_size(a.size)
                );
                if let Some(c) = &a.caption {
                    description.push_str(&format!("\n{c}"));
                }
                description.push_str(&format!("\n{}", e.origin()));
                let mut times = String::new();
                if let Some(c) = &a.captured_at {
                    times.push_str(&format!("Captured:\n{}\n", c.replace('T', " ")));
                }
                times.push_str(&format!(
                    "Imported:\n{}",
                    a.imported_at.replace('T', " ").trim_end_matches('Z')
                ));
                let sha: Vec<&str> = (0..4)
                    .filter_map(|i| a.sha256.get(i * 16..(i + 1) * 16))
                    .collect();
                let place = plan.exhibit(e.number);
                let mut row = vec![
                    e.label.replace("Exhibit ", ""),
                    description,
                    sha.join("\n"),
                    times,
                ];
                if plan.split() {
                    row.push(place.map(|p| p.0.to_string()).unwrap_or_default());
                }
                row.push(place.map(|p| p.1.to_string()).unwrap_or_default());
                row
            })
            .collect();
        let mut columns = vec![
            ("No.".into(), 0.07),
            ("Exhibit".into(), 0.34),
            ("SHA-256".into(), 0.25),
            ("Times (UTC)".into(), 0.26),
        ];
        if plan.split() {
            columns[1].1 = 0.28;
            columns[2].1 = 0.24;
            columns.push(("Vol.".into(), 0.07));
        }
        columns.push(("Page".into(), 0.08));
        l.table(&columns, &rows);
    }

    pub(super) fn exhibits(&self, pass: &mut Pass) -> Result<(), ReportError> {
        if self.selection.exhibits.is_empty() {
            return Ok(());
        }
        pass.layout.bookmark(EXHIBITS, 1);
        let mut starts = Vec::new();
        for e in &self.selection.exhibits {
            pass.layout.set_page_tag(Some(&e.label));
            pass.layout.new_page();
            if starts.is_empty() {
                pass.section(EXHIBITS);
            }
            let start = pass.page();
            starts.push(start);
            pass.exhibit_at.insert(e.number, start);
            let l = &mut pass.layout;
            if let Some(anchor) = pass.anchors.get(&e.number) {
                l.place_anchor(*anchor);
            }
            let a = &e.attachment;
            l.bookmark(
                &format!("{} - {} {}", e.label, a.kind.label(), e.incident_date),
                2,
            );
            l.space(48.0);
            l.big_label(&e.label, 28.0);
            l.space(18.0);
            let mut rows = vec![
                ("File".to_string(), a.original_name.clone()),
                (
                    if e.message.is_some() {
                        "Came with".into()
                    } else {
                        "Incident".into()
                    },
                    e.origin(),
                ),
                ("Type".into(), format!("{} ({})", a.kind.label(), a.mime)),
                (
                    "Size".into(),
                    format!("{} ({} bytes)", crate::evidence::human_size(a.size), a.size),
                ),
                ("SHA-256".into(), a.sha256.clone()),
            ];
            if let Some(c) = &a.captured_at {
                rows.push(("Captured (per file)".into(), c.replace('T', " ")));
            }
            rows.push((
                "Imported".into(),
                format!(
                    "{} UTC",
                    a.imported_at.replace('T', " ").trim_end_matches('Z')
                ),
            ));
            if let Some(ms) = a.duration_ms {
                rows.push(("Duration".into(), duration_text(ms)));
            }
            if let Some(c) = &a.caption {
                rows.push(("Caption".into(), c.clone()));
            }
            l.key_values(&rows);
            match a.kind {
                AttachmentKind::Image => self.image(l, e)?,
                AttachmentKind::Video => {
                    self.stills(l, e);
                    l.paragraph(
                        &format!(
                            "The video itself is not embedded in the PDF. The original file is {} in the evidence packet; its SHA-256 is given above.",
                            e.file_name
                        ),
                        Style::body(),
                    );
                    if let Some(t) = &a.transcript {
                        l.heading("Transcript (typed by the petitioner)", 3);
                        l.paragraph(t, Style::body());
                    }
                }
                AttachmentKind::Audio => {
                    l.paragraph(
                        &format!(
                            "This {} is not embedded in the PDF. The original file is {} in the evidence packet; its SHA-256 is given above.",
                            a.kind.label().to_lowercase(),
                            e.file_name
                        ),
                        Style::body(),
                    );
                    if let Some(t) = &a.transcript {
                        l.heading("Transcript (typed by the petitioner)", 3);
                        l.paragraph(t, Style::body());
                    }
                }
                AttachmentKind::Document | AttachmentKind::Other => {
                    l.paragraph(
                        &format!(
                            "The original file is {} in the evidence packet.",
                            e.file_name
                        ),
                        Style::body(),
                    );
                }
            }
        }
        pass.layout.set_page_tag(None);
        pass.layout.new_page();
        starts.push(pass.page());
        pass.keep_together
            .extend(starts.windows(2).map(|w| w[0]..w[1]));
        Ok(())
    }

    pub(super) fn image(&self, l: &mut Layout, e: &Exhibit) -> Result<(), ReportError> {
        match self.images.get(&e.number) {
            Some(Prepared::Picture(Some(shown))) => {
                let note = match shown.converted_from {
                    Some(format) => format!(
                        "Shown converted from {format}: a copy made for printing, without the original's file metadata. The original file is {} in the evidence packet; its SHA-256 is given above.",
                        e.file_name
                    ),
                    None => format!(
                        "The picture below is the original's image without its file metadata (such as where and with what it was taken). The original file is {} in the evidence packet; its SHA-256 is given above.",
                        e.file_name
                    ),
                };
                l.paragraph(&note, Style::body());
                l.image(&shown.image, None);
            }
            _ => l.paragraph(
                &format!("This image format cannot be shown in the PDF. The original file is {} in the evidence packet.", e.file_name),
                Style::body(),
            ),
        }
        Ok(())
    }

    /// A video's facts from its container and four stills, each labelled with its offset.
    pub(super) fn stills(&self, l: &mut Layout, e: &Exhibit) {
        match self.images.get(&e.number) {
            Some(Prepared::Video(Ok(stills))) => {
                let f = &stills.facts;
                let mut facts = vec![(
                    "Picture size".to_string(),
                    format!("{} x {} pixels", f.width, f.height),
                )];
                if let Some(at) = &f.recorded_at {
                    facts.push((
                        "Recorded (per file)".into(),
                        format!("{} UTC", at.replace('T', " ").trim_end_matches('Z')),
                    ));
                }
                if let Some(codec) = &f.codec {
                    facts.push(("Video format".into(), codec.clone()));
                }
                l.key_values(&facts);
                l.paragraph(
                    "Stills from the video (pictures taken from it for printing, without its file metadata):",
                    Style::body(),
                );
                for (offset, image) in &stills.stills {
                    l.keep_space(STILL_HEIGHT + 30.0);
                    l.paragraph(
                        &format!("At {} from the start", duration_text(*offset)),
                        Style::bold(),
                    );
                    l.image(image, Some(STILL_HEIGHT));
                }
            }
            Some(Prepared::Video(Err(why))) => l.paragraph(
                &format!("No stills could be taken from this video: {why}"),
                Style::body(),
            ),
            _ => l.paragraph(
                "No stills were taken: this video is too large to read for the report.",
                Style::body(),
            ),
        }
    }
}
