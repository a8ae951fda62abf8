//! The chronological report for a judge or an attorney (shared/docs/court-report.md section 2):
//! cover, summary with a timeline chart, orders in force, every entry in the order it
//! occurred, exhibit index, exhibits, amendments appendix, declaration and integrity page.
//!
//! Laid out until its page numbers settle: each pass prints the exhibit pages (and, for a
//! report over the size cap, the volumes) the pass before learned, and the report is done
//! when a pass lands everything where it said it would. A report over the cap is cut into
//! volumes (see `volumes`); volume 1 then opens with the master index.

mod communications;
mod exhibit_pages;
mod plan;
mod volume_parts;

use exhibit_pages::{prepare_pictures, Prepared};

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::Value;

use super::exhibits::{select, Exhibit, Scope, Selection};
use super::layout::{Anchor, DocInfo, Font, Layout, LayoutError, PaperSize, Style};
use super::redact::{Profile, Redactor};
use super::volumes;
use crate::evidence::AttachmentKind;
use crate::journal::revisions::{Entity, Revision};
use crate::journal::{Journal, JournalError};
use crate::model::{Incident, IncidentKind, Order, Person};
use plan::{
    Plan, Section, AMENDMENTS, COMMUNICATIONS, COVER, DECLARATION, EXHIBITS, EXHIBIT_INDEX,
    INCIDENTS, INTEGRITY, MASTER_INDEX, SUMMARY,
};

/// Layout passes before giving up on page numbers that keep moving. Two or three are usual.
const MAX_PASSES: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("Could not lay out the report: {0}")]
    Layout(#[from] LayoutError),
    #[error("Could not apply the redaction profile: {0}")]
    Redaction(String),
    #[error("There are no incidents in the chosen dates; there is nothing to report.")]
    Empty,
    #[error("The report's page numbers did not settle, so it was not written. Please report this problem; a different --max-mb may work meanwhile.")]
    Unsettled,
    #[error(transparent)]
    Write(#[from] volumes::WriteError),
    #[error("Cancelled. Nothing was written.")]
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub scope: Scope,
    pub paper: PaperSize,
    /// When the report was generated (printed on the cover and in the PDF metadata).
    pub generated_at: DateTime<Utc>,
    /// Privacy rule applied to the text; the protected person's addresses and phone numbers
    /// are left out in every profile.
    pub redaction: Profile,
    /// Largest size of one PDF file. A larger report is split into volumes; `None` keeps it
    /// in one file whatever its size.
    pub max_bytes: Option<u64>,
    /// Bytes of prepared pictures kept in memory while the report is laid out; pictures past
    /// it are decrypted again when their volume is written ([`PICTURES_KEPT_BYTES`] by default).
    pub pictures_kept_bytes: u64,
}

pub use exhibit_pages::PICTURES_KEPT_BYTES;

impl ReportOptions {
    /// Letter paper, generated now, no court redaction profile, the 10 MB default cap.
    pub fn new(scope: Scope) -> Self {
        Self {
            scope,
            paper: PaperSize::Letter,
            generated_at: Utc::now(),
            redaction: Profile::None,
            max_bytes: Some(volumes::DEFAULT_MAX_BYTES),
            pictures_kept_bytes: PICTURES_KEPT_BYTES,
        }
    }
}

/// A finished report: one PDF per volume, and facts for the caller.
pub struct Report {
    pub volumes: Vec<Volume>,
    /// Pages in all volumes together.
    pub pages: usize,
    pub incidents: usize,
    pub exhibits: usize,
    pub redaction: Profile,
}

/// One file of a report.
pub struct Volume {
    /// 1-based.
    pub number: usize,
    pub pdf: Vec<u8>,
    /// Printed page numbers of its first and last page.
    pub first_page: usize,
    pub last_page: usize,
    /// Set when the volume is over the size cap because one exhibit alone is larger than it:
    /// that exhibit is then alone in its volume, and this says which it is.
    pub over_cap: Option<String>,
}

impl Report {
    /// File names for the volumes, from a stem such as "Report": `Report.pdf` for one volume,
    /// `Report-vol1.pdf` ... for several (ASCII, at most 50 characters).
    pub fn file_names(&self, stem: &str) -> Vec<String> {
        volumes::file_names(stem, self.volumes.len())
    }

    /// Each file this report goes into when the user named `out` (see
    /// [`volumes::output_paths`]), with its bytes, for [`volumes::write_all_new`].
    pub fn files(&self, out: &std::path::Path) -> Vec<(std::path::PathBuf, &[u8])> {
        volumes::output_paths(out, self.volumes.len())
            .into_iter()
            .zip(self.volumes.iter().map(|v| v.pdf.as_slice()))
            .collect()
    }
}

pub fn render(journal: &Journal, options: &ReportOptions) -> Result<Report, ReportError> {
    render_selection(journal, &select(journal, &options.scope)?, options)
}

/// Renders an already made selection.
pub fn render_selection(
    journal: &Journal,
    selection: &Selection,
    options: &ReportOptions,
) -> Result<Report, ReportError> {
    render_printed(journal, selection, options).map(|(report, _)| report)
}

/// The report an evidence packet holds, and the selection as that report printed it
/// (redacted under `options.redaction`): the packet's exhibits come from the same selection,
/// so their numbers and file names are the ones the report prints, by construction.
pub fn render_for_packet(
    journal: &Journal,
    options: &ReportOptions,
) -> Result<(Report, Selection), ReportError> {
    render_printed(journal, &select(journal, &options.scope)?, options)
}

/// The report written to `out` (or, in volumes, to `STEM-vol1.pdf` ... beside it; see
/// [`volumes::output_paths`]) a volume at a time, so that no more than one volume's PDF is in
/// memory at once. Nothing is written unless every name is free; a failure or `cancelled()`
/// (asked between volumes) removes what was written: a report is whole or absent.
pub fn render_to_files(
    journal: &Journal,
    options: &ReportOptions,
    out: &std::path::Path,
    cancelled: &dyn Fn() -> bool,
) -> Result<WrittenReport, ReportError> {
    let selection = select(journal, &options.scope)?;
    let mut files = FilesOut {
        out: out.to_path_buf(),
        paths: Vec::new(),
        written: Vec::new(),
        cancelled,
    };
    let (made, facts, _) = lay_out_and_write(journal, &selection, options, &mut files)?;
    let paths = std::mem::take(&mut files.written);
    Ok(WrittenReport {
        volumes: made.into_iter().zip(paths).collect(),
        pages: facts.pages,
        incidents: facts.incidents,
        exhibits: facts.exhibits,
        redaction: facts.redaction,
    })
}

/// A report written to files by [`render_to_files`].
pub struct WrittenReport {
    /// Each volume, with where it was written.
    pub volumes: Vec<(Made, std::path::PathBuf)>,
    pub pages: usize,
    pub incidents: usize,
    pub exhibits: usize,
    pub redaction: Profile,
}

/// One volume as made, without its bytes.
#[derive(Debug, Clone)]
pub struct Made {
    /// 1-based.
    pub number: usize,
    /// Printed page numbers of its first and last page.
    pub first_page: usize,
    pub last_page: usize,
    /// As [`Volume::over_cap`].
    pub over_cap: Option<String>,
    /// Bytes of its PDF.
    pub size: u64,
}

/// What a report says of itself beside its volumes.
struct Facts {
    pages: usize,
    incidents: usize,
    exhibits: usize,
    redaction: Profile,
}

/// Where a report's volumes go as they are made. A report that comes out over its size cap
/// is laid out again, and its volumes made again from the start (`begin`).
trait VolumeOut {
    /// A new set of `count` volumes: whatever an earlier set put is let go.
    fn begin(&mut self, count: usize) -> Result<(), ReportError>;
    fn put(&mut self, number: usize, pdf: Vec<u8>) -> Result<(), ReportError>;
}

/// Volumes kept in memory, for callers that take the whole report (the evidence packet).
#[derive(Default)]
struct MemoryOut(Vec<Vec<u8>>);

impl VolumeOut for MemoryOut {
    fn begin(&mut self, count: usize) -> Result<(), ReportError> {
        self.0 = Vec::with_capacity(count);
        Ok(())
    }

    fn put(&mut self, _: usize, pdf: Vec<u8>) -> Result<(), ReportError> {
        self.0.push(pdf);
        Ok(())
    }
}

/// Volumes written to their files as they are made; what was written is removed again when
/// the report does not finish (on `begin` for a new set, and when dropped unfinished).
struct FilesOut<'c> {
    out: std::path::PathBuf,
    paths: Vec<std::path::PathBuf>,
    written: Vec<std::path::PathBuf>,
    cancelled: &'c dyn Fn() -> bool,
}

impl FilesOut<'_> {
    fn remove_written(&mut self) {
        for path in self.written.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl VolumeOut for FilesOut<'_> {
    fn begin(&mut self, count: usize) -> Result<(), ReportError> {
        self.remove_written();
        self.paths = volumes::output_paths(&self.out, count);
        if let Some(taken) = self.paths.iter().find(|p| p.symlink_metadata().is_ok()) {
            return Err(volumes::WriteError::Exists {
                path: taken.clone(),
            }
            .into());
        }
        Ok(())
    }

    fn put(&mut self, number: usize, pdf: Vec<u8>) -> Result<(), ReportError> {
        if (self.cancelled)() {
            return Err(ReportError::Cancelled);
        }
        let path =
            self.paths.get(number - 1).cloned().ok_or_else(|| {
                LayoutError::PageNumbering(format!("volume {number} has no file"))
            })?;
        volumes::write_one_new(&path, &pdf)?;
        self.written.push(path);
        Ok(())
    }
}

impl Drop for FilesOut<'_> {
    fn drop(&mut self) {
        self.remove_written();
    }
}

/// The report in memory, and the redacted selection it was laid out from.
fn render_printed(
    journal: &Journal,
    selection: &Selection,
    options: &ReportOptions,
) -> Result<(Report, Selection), ReportError> {
    let mut kept = MemoryOut::default();
    let (made, facts, selection) = lay_out_and_write(journal, selection, options, &mut kept)?;
    let volumes = made
        .into_iter()
        .zip(kept.0)
        .map(|(m, pdf)| Volume {
            number: m.number,
            pdf,
            first_page: m.first_page,
            last_page: m.last_page,
            over_cap: m.over_cap,
        })
        .collect();
    let report = Report {
        volumes,
        pages: facts.pages,
        incidents: facts.incidents,
        exhibits: facts.exhibits,
        redaction: facts.redaction,
    };
    Ok((report, selection))
}

/// Lays the report out until its page numbers settle and its volumes fit their cap, and puts
/// the volumes into `out`; gives what they are and the redacted selection.
fn lay_out_and_write(
    journal: &Journal,
    selection: &Selection,
    options: &ReportOptions,
    out: &mut dyn VolumeOut,
) -> Result<(Vec<Made>, Facts, Selection), ReportError> {
    if selection.incidents.is_empty() {
        return Err(ReportError::Empty);
    }
    let context = Context::load(journal, selection, options)?;
    let mut plan = Plan::default();
    // Extra room per volume, learned when a volume came out bigger than its estimate.
    let mut headroom: Vec<u64> = Vec::new();
    let mut tries = 0;
    'layout: while tries < MAX_PASSES {
        tries += 1;
        let pass = context.lay_out(&plan)?;
        loop {
            let next = context.plan(&pass, &headroom);
            if next != plan {
                plan = next;
                continue 'layout;
            }
            let made = context.volumes(&pass, &plan, out)?;
            let Some(cap) = options.max_bytes else {
                return Ok((made, context.facts(&plan), context.selection));
            };
            let over = made
                .iter()
                .position(|v| v.over_cap.is_none() && v.size > cap);
            match over {
                None => return Ok((made, context.facts(&plan), context.selection)),
                Some(k) => {
                    if headroom.len() <= k {
                        headroom.resize(k + 1, 0);
                    }
                    let excess = made[k].size - cap;
                    headroom[k] += excess + cap / 50;
                    tries += 1;
                    if tries >= MAX_PASSES {
                        break 'layout;
                    }
                }
            }
        }
    }
    Err(ReportError::Unsettled)
}

struct Context<'a> {
    /// For pictures decrypted again as their volume is written.
    journal: &'a Journal,
    /// As printed: redacted.
    selection: Selection,
    options: &'a ReportOptions,
    redactor: Redactor,
    /// Redacted too.
    people: HashMap<String, Person>,
    fingerprint: String,
    public_key: String,
    histories: HashMap<String, Vec<Revision>>,
    /// Each picture and video exhibit prepared once for all passes.
    images: HashMap<usize, Prepared>,
    /// Texts and calls with the restrained person in the period.
    communications: communications::Communications,
}

struct Pass {
    layout: Layout,
    /// Exhibit number -> body page (from 0) of its separator page.
    exhibit_at: BTreeMap<usize, usize>,
    /// Link targets, one per exhibit number, placed on its separator page.
    anchors: HashMap<usize, Anchor>,
    sections: Vec<Section>,
    /// Pages that must stay in one volume: the cover with the master index, each exhibit.
    keep_together: Vec<Range<usize>>,
}

impl Pass {
    /// Body page (from 0) the next content lands on.
    fn page(&self) -> usize {
        self.layout.current_page() - 1
    }

    fn section(&mut self, name: &'static str) {
        let page = self.page();
        self.sections.push((name, page));
    }
}

impl<'a> Context<'a> {
    fn load(
        journal: &'a Journal,
        selection: &Selection,
        options: &'a ReportOptions,
    ) -> Result<Self, ReportError> {
        // Everything the report prints comes from redacted copies, so no later code can print
        // a withheld string by mistake.
        let redactor = Redactor::new(options.redaction, &journal.people()?);
        let selection = redact_selection(&redactor, selection)?;
        let mut people = HashMap::new();
        for person in journal.people()? {
            people.insert(
                person.id.clone(),
                redactor.record(&person).map_err(ReportError::Redaction)?,
            );
        }
        let mut histories = HashMap::new();
        for incident in &selection.incidents {
            if incident.amended {
                let mut history = journal.history(Entity::Incident, &incident.id)?;
                for revision in &mut history {
                    revision.body = redactor.json_text(&revision.body);
                    revision.reason = revision.reason.as_deref().map(|r| redactor.text(r));
                }
                histories.insert(incident.id.clone(), history);
            }
        }
        let images = prepare_pictures(journal, &selection, options.pictures_kept_bytes)?;
        let zone = selection
            .incidents
            .last()
            .and_then(|i| i.occurred.timezone.parse::<chrono_tz::Tz>().ok())
            .unwrap_or(chrono_tz::Tz::UTC);
        let communications = communications::Communications::load(
            journal,
            &selection.communications,
            &selection.exhibits,
            zone,
        )?;
        let public_key = hex::encode(journal.signing_key()?.verifying_key().as_bytes());
        Ok(Self {
            journal,
            selection,
            options,
            redactor,
            people,
            fingerprint: journal.fingerprint()?,
            public_key,
            histories,
            images,
            communications,
        })
    }

    fn doc_info(&self, volume: usize, count: usize) -> DocInfo {
        let mut title = "Chronological record of protective order violations".to_string();
        let mut document_id = self.document_id();
        if count > 1 {
            title.push_str(&format!(", volume {volume} of {count}"));
            use sha2::Digest;
            let digest = sha2::Sha256::digest([&document_id[..], &volume.to_be_bytes()].concat());
            document_id.copy_from_slice(&digest[..16]);
        }
        let order = self.selection.orders.first();
        DocInfo {
            title,
            author: order.and_then(|o| o.petitioner.clone()).unwrap_or_default(),
            subject: self.header(),
            created: self.options.generated_at,
            document_id,
            paper: self.options.paper,
        }
    }

    fn header(&self) -> String {
        self.selection
            .orders
            .first()
            .map(|o| self.caption(o))
            .unwrap_or_else(|| "Chronological record".into())
    }

    fn lay_out(&self, plan: &Plan) -> Result<Pass, ReportError> {
        let mut layout = Layout::new(self.doc_info(1, 1))?;
        let anchors = self
            .selection
            .exhibits
            .iter()
            .map(|e| (e.number, layout.new_anchor()))
            .collect();
        let mut pass = Pass {
            layout,
            exhibit_at: BTreeMap::new(),
            anchors,
            sections: Vec::new(),
            keep_together: Vec::new(),
        };
        pass.section(COVER);
        self.cover(&mut pass.layout, plan);
        pass.layout.set_header(&self.header());
        if plan.split() {
            pass.section(MASTER_INDEX);
            self.master_index(&mut pass.layout, plan);
        }
        pass.keep_together.push(0..pass.page());
        pass.section(SUMMARY);
        self.summary(&mut pass.layout);
        pass.section(INCIDENTS);
        self.entries(&mut pass.layout, plan, &pass.anchors);
        if !self.communications.is_empty() {
            pass.section(COMMUNICATIONS);
            self.communications
                .lay_out(&mut pass.layout, COMMUNICATIONS, plan, &pass.anchors);
        }
        if !plan.split() && !self.selection.exhibits.is_empty() {
            pass.section(EXHIBIT_INDEX);
            self.exhibit_index(&mut pass.layout, plan, 1);
            pass.layout.new_page();
        }
        self.exhibits(&mut pass)?;
        pass.section(AMENDMENTS);
        self.amendments(&mut pass.layout);
        pass.section(DECLARATION);
        self.declaration(&mut pass.layout);
        pass.section(INTEGRITY);
        self.integrity(&mut pass.layout, plan);
        Ok(pass)
    }

    /// The PDF's /ID: the same journal state, scope and time give the same ID.
    fn document_id(&self) -> [u8; 16] {
        use sha2::Digest;
        let scope = &self.options.scope;
        let digest = sha2::Sha256::digest(format!(
            "{}|{:?}|{:?}|{:?}|{}",
            self.fingerprint,
            scope.from,
            scope.to,
            scope.order_id,
            self.options.generated_at.to_rfc3339()
        ));
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        id
    }

    fn caption(&self, order: &Order) -> String {
        let respondent = order
            .respondent_id
            .as_ref()
            .and_then(|id| self.people.get(id))
            .map(|p| p.details.name.clone())
            .unwrap_or_else(|| "Respondent".into());
        let petitioner = order
            .petitioner
            .clone()
            .unwrap_or_else(|| "Petitioner".into());
        format!(
            "{petitioner} v. {respondent}, Case No. {}",
            order.case_number
        )
    }

    /// Court, caption and title: the top of every cover.
    fn cover_title(&self, l: &mut Layout) {
        l.space(72.0);
        if let Some(order) = self.selection.orders.first() {
            l.paragraph(&order.court.to_uppercase(), Style::bold());
            l.space(12.0);
            l.paragraph(&self.caption(order), Style::body());
        }
        l.space(36.0);
        l.big_label("Chronological Record of", 22.0);
        l.big_label("Protective Order Violations", 22.0);
    }

    fn period(&self) -> String {
        let incidents = &self.selection.incidents;
        let date = |i: Option<&Incident>| {
            i.map(|i| pretty_date(&i.occurred.local))
                .unwrap_or_default()
        };
        format!("{} to {}", date(incidents.first()), date(incidents.last()))
    }

    fn generated(&self) -> String {
        self.options
            .generated_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string()
    }

    fn cover(&self, l: &mut Layout, plan: &Plan) {
        self.cover_title(l);
        if plan.split() {
            l.space(12.0);
            l.big_label(&plan.volume_line(1), 14.0);
        }
        l.space(if plan.split() { 12.0 } else { 36.0 });
        let mut rows = vec![
            ("Period covered".to_string(), self.period()),
            (
                "Incidents".to_string(),
                self.selection.incidents.len().to_string(),
            ),
            (
                "Exhibits".to_string(),
                self.selection.exhibits.len().to_string(),
            ),
        ];
        if let Some(p) = self
            .selection
            .orders
            .first()
            .and_then(|o| o.petitioner.clone())
        {
            rows.push(("Prepared by".into(), p));
        }
        rows.push(("Generated".into(), self.generated()));
        if plan.body_pages > 0 {
            let mut pages = plan.total().to_string();
            if plan.split() {
                pages.push_str(&format!(" in {} volumes", plan.count()));
            }
            rows.push(("Pages".into(), pages));
        }
        if plan.split() {
            rows.push(("This volume holds".into(), plan.contents(1)));
        }
        rows.push(("Redaction".into(), profile_name(self.redactor.profile())));
        rows.push(("Journal fingerprint".into(), group_hex(&self.fingerprint)));
        l.key_values(&rows);
        l.space(if plan.split() { 12.0 } else { 24.0 });
        l.paragraph(
            "Each entry was recorded in Daybook, an encrypted journal. Times of recording come from the computer's clock and cannot be edited. Entries changed after they were first recorded are marked \"amended\" and every change is listed in the Amendments appendix. The journal fingerprint identifies the exact state of the journal this report was made from.",
            Style::small(),
        );
        l.paragraph(
            "Daybook gives general information, not legal advice.",
            Style::small(),
        );
        l.new_page();
    }

    fn summary(&self, l: &mut Layout) {
        l.bookmark("Summary", 1);
        l.heading("Summary", 1);
        let mut by_kind: BTreeMap<IncidentKind, usize> = BTreeMap::new();
        let mut by_month: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        for i in &self.selection.incidents {
            for k in &i.kinds {
                *by_kind.entry(*k).or_default() += 1;
            }
            if let Some(d) = local_date(&i.occurred.local) {
                *by_month.entry((d.year(), d.month())).or_default() += 1;
            }
        }
        let reported = self
            .selection
            .incidents
            .iter()
            .filter(|i| i.police.is_some())
            .count();
        l.paragraph(
            &format!(
                "{} incidents are recorded in this period; {} were reported to police.",
                self.selection.incidents.len(),
                reported
            ),
            Style::body(),
        );
        l.heading("Incidents per month", 2);
        let months = fill_months(&by_month);
        let max = months.iter().map(|m| m.1).max().unwrap_or(1).max(1);
        l.drawing(170.0, |c| {
            let left = 30.0;
            let bottom = 30.0;
            let width = c.width() - left;
            let height = c.height() - bottom - 10.0;
            c.line(left, bottom, left + width, bottom, 0.8, 0.0);
            c.line(left, bottom, left, bottom + height, 0.8, 0.0);
            let step = (max as f32 / 4.0).ceil().max(1.0) as usize;
            let mut tick = 0;
            while tick <= max {
                let y = bottom + height * tick as f32 / max as f32;
                c.line(left - 3.0, y, left + width, y, 0.3, 0.8);
                c.text(4.0, y - 3.0, &tick.to_string(), 9.0, Font::Regular);
                tick += step;
            }
            let slot = width / months.len().max(1) as f32;
            for (i, ((year, month), count)) in months.iter().enumerate() {
                let x = left + slot * i as f32 + slot * 0.2;
                let h = height * *count as f32 / max as f32;
                c.rect(x, bottom, slot * 0.6, h, Some(0.35), None);
                if *count > 0 {
                    c.text(x, bottom + h + 2.0, &count.to_string(), 9.0, Font::Regular);
                }
                let label = format!("{} {}", month_abbrev(*month), year % 100);
                c.text(x - 2.0, bottom - 14.0, &label, 8.0, Font::Regular);
            }
        });
        l.heading("Incidents by kind", 2);
        let rows: Vec<Vec<String>> = by_kind
            .iter()
            .map(|(k, n)| vec![k.label().to_string(), n.to_string()])
            .collect();
        l.table(&[("Kind".into(), 0.75), ("Incidents".into(), 0.25)], &rows);
        l.bookmark("Orders in force", 2);
        l.heading("Protective orders", 1);
        for order in &self.selection.orders {
            self.order_block(l, order);
        }
        l.new_page();
    }

    fn order_block(&self, l: &mut Layout, order: &Order) {
        l.heading(
            &format!("{} — Case No. {}", order.kind.label(), order.case_number),
            2,
        );
        let mut rows = vec![(
            "Court".to_string(),
            format!("{} ({})", order.court, order.state),
        )];
        rows.push(("Issued".into(), order.issued_on.clone()));
        if let Some(s) = &order.served_on {
            rows.push(("Served".into(), s.clone()));
        }
        rows.push((
            "Expires".into(),
            order
                .expires_on
                .clone()
                .unwrap_or_else(|| "not stated".into()),
        ));
        if let Some(r) = order
            .respondent_id
            .as_ref()
            .and_then(|id| self.people.get(id))
        {
            rows.push(("Restrained person".into(), r.details.name.clone()));
        }
        for p in order
            .protected_person_ids
            .iter()
            .filter_map(|id| self.people.get(id))
        {
            // Their own addresses never print; an address confidentiality program's may.
            let text = match &p.details.substitute_address {
                Some(a) => format!(
                    "{} (mailing address, address confidentiality program: {a})",
                    p.details.name
                ),
                None => p.details.name.clone(),
            };
            rows.push(("Protected person".into(), text));
        }
        l.key_values(&rows);
        for term in &order.terms {
            l.paragraph(
                &format!("{}: {}", term.id, term.describe()),
                Style {
                    indent: 18.0,
                    ..Style::body()
                },
            );
        }
    }

    fn entries(&self, l: &mut Layout, plan: &Plan, anchors: &HashMap<usize, Anchor>) {
        l.bookmark(INCIDENTS, 1);
        l.heading("Incidents, in the order they occurred", 1);
        let orders: HashMap<&str, &Order> = self
            .selection
            .orders
            .iter()
            .map(|o| (o.id.as_str(), o))
            .collect();
        for incident in &self.selection.incidents {
            let title = format!(
                "Incident {} — {}",
                incident.number,
                pretty_date(&incident.occurred.local)
            );
            l.bookmark(&title, 2);
            l.heading(&title, 2);
            l.key_values(&self.entry_rows(incident, &orders));
            l.paragraph(&incident.description, Style::body());
            for quote in &incident.quotes {
                l.quote(&format!("\u{201c}{quote}\u{201d}"));
            }
            match incident.communications.len() {
                0 => {}
                n => l.paragraph(
                    &format!(
                        "Cites {} from the phone's backup, each listed with its source under \u{201c}{COMMUNICATIONS}\u{201d}.",
                        if n == 1 { "1 text or call".to_string() } else { format!("{n} texts and calls") }
                    ),
                    Style::italic(),
                ),
            }
            let exhibits: Vec<&Exhibit> = self.selection.exhibits_of(&incident.id).collect();
            for e in exhibits {
                // In a split report the volume is always named, so the words do not depend
                // on which volume this entry itself lands in (which would make the layout
                // chase its own tail). Within one volume the words are also a link.
                let see = format!("See {} ({})", e.label, e.attachment.original_name);
                let text = match plan.exhibit(e.number) {
                    Some((volume, page)) if plan.split() => {
                        format!("{see} (Volume {volume}, page {page})")
                    }
                    Some((_, page)) => format!("{see}, page {page}"),
                    None => see,
                };
                match anchors.get(&e.number) {
                    Some(anchor) => l.link_text(&text, Style::italic(), *anchor),
                    None => l.paragraph(&text, Style::italic()),
                }
            }
            l.space(8.0);
        }
        l.new_page();
    }

    fn entry_rows(&self, i: &Incident, orders: &HashMap<&str, &Order>) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        let mut occurred = format!(
            "{} {} ({})",
            pretty_datetime(&i.occurred.local),
            i.occurred.abbreviation,
            i.occurred.timezone
        );
        if i.approximate {
            occurred.push_str(", approximate time");
        }
        if let Some(end) = &i.ended {
            occurred.push_str(&format!(
                " until {} {}",
                pretty_time(&end.local),
                end.abbreviation
            ));
        }
        rows.push(("Occurred".into(), occurred));
        let mut recorded = format!(
            "{} UTC",
            i.recorded_at.replace('T', " ").trim_end_matches('Z')
        );
        if let Some(days) = days_between(&i.occurred.utc, &i.recorded_at).filter(|d| *d >= 2) {
            recorded.push_str(&format!(" (recorded {days} days after it occurred)"));
        }
        rows.push(("Recorded".into(), recorded));
        if i.amended {
            rows.push((
                "Amended".into(),
                format!(
                    "yes, last on {} UTC (see Amendments)",
                    i.updated_at.replace('T', " ").trim_end_matches('Z')
                ),
            ));
        }
        if let Some(loc) = &i.location {
            rows.push(("Location".into(), loc.clone()));
        }
        if !i.kinds.is_empty() {
            rows.push((
                "Kind".into(),
                i.kinds
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if let Some(order) = i.order_id.as_deref().and_then(|id| orders.get(id)) {
            let mut text = format!("{}, Case No. {}", order.kind.label(), order.case_number);
            if let Some(term) = i.term.as_deref().and_then(|t| order.term(t)) {
                text.push_str(&format!(" — term {}: {}", term.id, term.describe()));
            }
            rows.push(("Order violated".into(), text));
        }
        for w in &i.witnesses {
            let mut text = w.name.clone();
            if let Some(c) = &w.contact {
                text.push_str(&format!(", {c}"));
            }
            if let Some(s) = &w.saw {
                text.push_str(&format!(" — {s}"));
            }
            rows.push(("Witness".into(), text));
        }
        if let Some(p) = &i.police {
            let mut parts = vec![p.agency.clone()];
            parts.extend(p.officer.clone());
            parts.extend(p.badge.as_ref().map(|b| format!("badge {b}")));
            parts.extend(p.report_number.as_ref().map(|r| format!("report no. {r}")));
            parts.extend(p.outcome.clone());
            rows.push(("Police".into(), parts.join(", ")));
        }
        if let Some(impact) = &i.impact {
            rows.push(("Impact".into(), impact.clone()));
        }
        rows
    }

    fn amendments(&self, l: &mut Layout) {
        l.bookmark(AMENDMENTS, 1);
        l.heading(AMENDMENTS, 1);
        let amended: Vec<&Incident> = self
            .selection
            .incidents
            .iter()
            .filter(|i| i.amended)
            .collect();
        if amended.is_empty() {
            l.paragraph(
                "No entry in this report was changed after it was first recorded.",
                Style::body(),
            );
        }
        for incident in amended {
            l.heading(&format!("Incident {}", incident.number), 2);
            let Some(history) = self.histories.get(&incident.id) else {
                continue;
            };
            for pair in history.windows(2) {
                let (before, after) = (&pair[0], &pair[1]);
                if after.op != "edit" {
                    continue;
                }
                l.paragraph(
                    &format!(
                        "Changed on {} UTC (revision {}):",
                        after.recorded_at.replace('T', " ").trim_end_matches('Z'),
                        after.seq
                    ),
                    Style::bold(),
                );
                for (field, old, new) in changed_fields(&before.body, &after.body) {
                    l.paragraph(
                        &format!("{field}: was \u{201c}{old}\u{201d}, now \u{201c}{new}\u{201d}"),
                        Style {
                            indent: 18.0,
                            ..Style::body()
                        },
                    );
                }
            }
        }
        l.new_page();
    }

    fn declaration(&self, l: &mut Layout) {
        l.bookmark(DECLARATION, 1);
        l.heading(DECLARATION, 1);
        l.paragraph(
            "I declare under penalty of perjury under the laws of the United States of America that the foregoing is true and correct.",
            Style::body(),
        );
        l.space(24.0);
        l.paragraph("Executed on ____________________ (date) at ______________________________ (city, state).", Style::body());
        l.space(48.0);
        l.paragraph("______________________________________", Style::body());
        let name = self
            .selection
            .orders
            .first()
            .and_then(|o| o.petitioner.clone())
            .unwrap_or_default();
        l.paragraph(&format!("Signature          {name}"), Style::body());
        l.space(18.0);
        l.paragraph(
            "This is the federal form (28 U.S.C. § 1746). State courts may use their own wording; ask the clerk or an advocate.",
            Style::small(),
        );
        l.new_page();
    }

    fn integrity(&self, l: &mut Layout, plan: &Plan) {
        l.bookmark(INTEGRITY, 1);
        l.heading("How to check this report and its exhibits", 1);
        l.paragraph(
            "Every exhibit's SHA-256 is listed in the Exhibit index. The evidence packet exported with this report holds each original file, a manifest.json listing every file with its SHA-256, a signature over that manifest (manifest.sig, Ed25519) and a SHA256SUMS file. To check the files without Daybook, run in the packet folder:",
            Style::body(),
        );
        l.paragraph("sha256sum -c SHA256SUMS", Style::mono());
        l.paragraph("Every line must end in OK. With Daybook, `daybook verify <packet folder>` also checks the signature.", Style::body());
        if plan.split() {
            l.paragraph(
                &format!(
                    "This report is in {} volumes, one PDF file each; the packet's manifest.json lists every volume with its SHA-256.",
                    plan.count()
                ),
                Style::body(),
            );
        }
        l.key_values(&[
            ("Journal fingerprint".into(), group_hex(&self.fingerprint)),
            ("Signing key (Ed25519)".into(), group_hex(&self.public_key)),
            ("Hash algorithm".into(), "SHA-256 (FIPS 180-4)".into()),
            ("Redaction".into(), self.options.redaction.describe().into()),
            (
                "Exhibits".into(),
                "Exhibits are the original files. Daybook does not redact text inside pictures or recordings.".into(),
            ),
            (
                "Made with".into(),
                format!("Daybook {}", env!("CARGO_PKG_VERSION")),
            ),
        ]);
    }
}

/// The report's own copy of the selection with the profile applied to every text field.
fn redact_selection(redactor: &Redactor, selection: &Selection) -> Result<Selection, ReportError> {
    let mut out = selection.clone();
    for incident in &mut out.incidents {
        *incident = redactor.record(incident).map_err(ReportError::Redaction)?;
    }
    for exhibit in &mut out.exhibits {
        exhibit.attachment = redactor
            .record(&exhibit.attachment)
            .map_err(ReportError::Redaction)?;
        // The file name is made from the original name, which may hold a minor's name or a
        // number: make it again from the redacted one.
        exhibit.file_name = super::exhibits::exhibit_file_name(
            exhibit.number,
            &exhibit.incident_date,
            &exhibit.attachment,
        );
    }
    for order in &mut out.orders {
        *order = redactor.record(order).map_err(ReportError::Redaction)?;
    }
    for communication in &mut out.communications {
        *communication = redactor
            .record(communication)
            .map_err(ReportError::Redaction)?;
    }
    Ok(out)
}

/// The profile's name for a cover: its description up to the first colon or semicolon.
fn profile_name(profile: Profile) -> String {
    let text = profile.describe();
    text.split([':', ';'])
        .next()
        .unwrap_or(text)
        .trim()
        .to_string()
}

fn changed_fields(before: &str, after: &str) -> Vec<(String, String, String)> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (
        serde_json::from_str::<Value>(before),
        serde_json::from_str::<Value>(after),
    ) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| (field_label(k), show(a.get(k)), show(b.get(k))))
        .collect()
}

fn field_label(key: &str) -> String {
    match key {
        "occurred" => "Time it occurred".into(),
        "ended" => "End time".into(),
        "police" => "Police contact".into(),
        "order_id" => "Order".into(),
        other => {
            let mut s = other.replace('_', " ");
            if let Some(first) = s.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    }
}

fn show(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "(empty)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(map)) if map.contains_key("local") => {
            format!(
                "{} {}",
                map["local"].as_str().unwrap_or_default().replace('T', " "),
                map.get("abbreviation")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        }
        Some(other) => other.to_string(),
    }
}

/// A long hash as groups of 16 (as PGP prints fingerprints): easy to compare by eye, and lines
/// wrap between groups rather than at an arbitrary character.
fn group_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(16)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn local_date(local: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(local.get(..10)?, "%Y-%m-%d").ok()
}

fn pretty_date(local: &str) -> String {
    local_date(local)
        .map(|d| d.format("%a %b %-d, %Y").to_string())
        .unwrap_or_else(|| local.to_string())
}

fn pretty_time(local: &str) -> String {
    local.get(11..16).unwrap_or_default().to_string()
}

fn pretty_datetime(local: &str) -> String {
    format!("{} {}", pretty_date(local), pretty_time(local))
}

fn days_between(occurred_utc: &str, recorded_utc: &str) -> Option<i64> {
    let a = DateTime::parse_from_rfc3339(occurred_utc).ok()?;
    let b = DateTime::parse_from_rfc3339(recorded_utc).ok()?;
    Some((b - a).num_days())
}

fn fill_months(counts: &BTreeMap<(i32, u32), usize>) -> Vec<((i32, u32), usize)> {
    let (Some(first), Some(last)) = (counts.keys().next().copied(), counts.keys().last().copied())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut y, mut m) = first;
    while (y, m) <= last && out.len() < 120 {
        out.push(((y, m), counts.get(&(y, m)).copied().unwrap_or(0)));
        if m == 12 {
            y += 1;
            m = 1;
        } else {
            m += 1;
        }
    }
    out
}

fn month_abbrev(month: u32) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month as usize).clamp(1, 12) - 1]
}

fn duration_text(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02} ({} seconds)", s / 60, s % 60, s)
}
