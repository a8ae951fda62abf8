//! The parts of the report that exist because it may be split into volumes: planning the
//! cut, serialising each volume, the covers of volumes 2, 3 ... and volume 1's master index.

use std::ops::Range;

use super::plan::{Plan, MASTER_INDEX};
use super::{group_hex, profile_name, Context, Facts, Made, Pass, ReportError, VolumeOut};
use crate::report::exhibits::Exhibit;
use crate::report::layout::{Layout, LayoutError, Style};
use crate::report::volumes::{self, VOLUME_OVERHEAD};

impl Context<'_> {
    /// The plan the next pass prints: where this pass put things, and (over the cap) where
    /// to cut.
    pub(super) fn plan(&self, pass: &Pass, headroom: &[u64]) -> Plan {
        let weights = pass.layout.page_weights();
        let volumes = match self.options.max_bytes {
            None => std::iter::once(0..weights.len()).collect(),
            Some(cap) => volumes::cut(&weights, &pass.keep_together, |k| {
                let room = headroom.get(k).copied().unwrap_or(0);
                cap.saturating_sub(VOLUME_OVERHEAD + room)
            }),
        };
        Plan {
            volumes,
            exhibit_at: pass.exhibit_at.clone(),
            sections: pass.sections.clone(),
            body_pages: weights.len(),
        }
    }

    /// Serialises each volume, one at a time, into `out`: volume 1 from the report's own
    /// cover, later ones behind a cover of their own. A volume's pictures kept only by size
    /// are decrypted again while it is written, and let go with it.
    pub(super) fn volumes(
        &self,
        pass: &Pass,
        plan: &Plan,
        out: &mut dyn VolumeOut,
    ) -> Result<Vec<Made>, ReportError> {
        let count = plan.count();
        out.begin(count)?;
        let mut made = Vec::with_capacity(count);
        for (k, range) in (1..).zip(&plan.volumes) {
            let front = if k == 1 {
                Layout::new(self.doc_info(k, count))?
            } else {
                let cover = self.volume_cover(k, plan)?;
                if cover.page_count() != 1 {
                    return Err(LayoutError::PageNumbering(format!(
                        "the cover of volume {k} takes {} pages",
                        cover.page_count()
                    ))
                    .into());
                }
                cover
            };
            let (first_page, last_page) = plan.span(k);
            let volume = pass
                .layout
                .volume(&front, range.clone(), self.doc_info(k, count))?;
            let pdf = volume.finish_loading(first_page, plan.total(), &mut |token| {
                self.load_picture(token)
            })?;
            made.push(Made {
                number: k,
                first_page,
                last_page,
                over_cap: self.over_cap(&pdf, plan, range, &pass.keep_together),
                size: pdf.len() as u64,
            });
            out.put(k, pdf)?;
        }
        Ok(made)
    }

    /// A volume over the cap that cannot be cut further holds one exhibit (or the cover and
    /// master index alone): say which, in words a user can act on.
    fn over_cap(
        &self,
        pdf: &[u8],
        plan: &Plan,
        range: &Range<usize>,
        keep_together: &[Range<usize>],
    ) -> Option<String> {
        let cap = self.options.max_bytes?;
        let one_unit = range.len() <= 1
            || keep_together
                .iter()
                .any(|k| k.start <= range.start && range.end <= k.end);
        if pdf.len() as u64 <= cap || !one_unit {
            return None;
        }
        let size = crate::evidence::human_size(pdf.len() as u64);
        let limit = crate::evidence::human_size(cap);
        let exhibits: Vec<&Exhibit> = self
            .selection
            .exhibits
            .iter()
            .filter(|e| {
                plan.exhibit_at
                    .get(&e.number)
                    .is_some_and(|p| range.contains(p))
            })
            .collect();
        let what = match exhibits.as_slice() {
            [e] => format!(
                "{} ({}, {}) is larger than the {limit} limit by itself",
                e.label,
                e.attachment.original_name,
                crate::evidence::human_size(e.attachment.size)
            ),
            _ => format!("these pages cannot be split further under the {limit} limit"),
        };
        Some(format!(
            "{what}, so its volume is {size}. Ask the court clerk how to file a file this large (for example on a USB drive), or choose a larger --max-mb."
        ))
    }

    pub(super) fn facts(&self, plan: &Plan) -> Facts {
        Facts {
            pages: plan.total(),
            incidents: self.selection.incidents.len(),
            exhibits: self.selection.exhibits.len(),
            redaction: self.redactor.profile(),
        }
    }

    /// The one-page cover of volume 2, 3 ...: which part of which report this is.
    fn volume_cover(&self, k: usize, plan: &Plan) -> Result<Layout, ReportError> {
        let mut l = Layout::new(self.doc_info(k, plan.count()))?;
        l.bookmark(&format!("Volume {k} of {} (cover)", plan.count()), 1);
        self.cover_title(&mut l);
        l.space(12.0);
        l.big_label(&plan.volume_line(k), 14.0);
        l.space(12.0);
        l.key_values(&[
            ("This volume holds".into(), plan.contents(k)),
            ("Period covered".into(), self.period()),
            ("Generated".into(), self.generated()),
            ("Redaction".into(), profile_name(self.redactor.profile())),
            ("Journal fingerprint".into(), group_hex(&self.fingerprint)),
        ]);
        l.space(12.0);
        l.paragraph(
            &format!(
                "This report is in {} volumes, one file each, because courts limit the size of a file. Page numbers run straight through all of them. Volume 1 holds the master index: every exhibit with the volume and page it is on.",
                plan.count()
            ),
            Style::small(),
        );
        l.paragraph(
            "Daybook gives general information, not legal advice.",
            Style::small(),
        );
        Ok(l)
    }

    /// Volume 1 of a split report: what is in which volume, and where each exhibit is.
    pub(super) fn master_index(&self, l: &mut Layout, plan: &Plan) {
        l.bookmark(MASTER_INDEX, 1);
        l.heading(MASTER_INDEX, 1);
        l.paragraph(
            &format!(
                "This report is in {} volumes, one file each. Page numbers run straight through all of them, so \"page {}\" is the same page whichever volume is open. References to a page in another volume name the volume, for example \"(Volume 2, page {})\".",
                plan.count(),
                plan.span(2).0,
                plan.span(2).0
            ),
            Style::body(),
        );
        let rows: Vec<Vec<String>> = (1..=plan.count())
            .map(|k| {
                let (first, last) = plan.span(k);
                vec![k.to_string(), format!("{first}-{last}"), plan.contents(k)]
            })
            .collect();
        l.table(
            &[
                ("Volume".into(), 0.14),
                ("Pages".into(), 0.16),
                ("Contents".into(), 0.70),
            ],
            &rows,
        );
        if !self.selection.exhibits.is_empty() {
            self.exhibit_index(l, plan, 2);
        }
        l.new_page();
    }
}
