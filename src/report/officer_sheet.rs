//! The one-page officer sheet (shared/docs/court-report.md section 5): what a responding
//! officer needs at the door, in the order they need it. Separate from the filed report: it
//! may hold details the respondent must not see, so it is never part of the packet.

use chrono::{DateTime, Utc};

use super::exhibits::Selection;
use super::layout::{DocInfo, Image, Layout, LayoutError, PaperSize, Style};
use super::order_pages::{OrderPages, OrderPagesError};
use crate::journal::{Journal, JournalError};
use crate::model::{Incident, Order};

/// Photo heights tried in turn: tall enough to recognise a face, and shrinking to leave room
/// for the recent violations.
const PHOTO_HEIGHTS: [f32; 3] = [130.0, 90.0, 60.0];

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("Could not lay out the handout: {0}")]
    Layout(#[from] LayoutError),
    /// Said when a handout with the order's pages was asked for: nothing is written, and the
    /// handout alone is the person's choice to make.
    #[error("{0} Nothing was written; the handout can be written without the order's pages.")]
    OrderPages(#[from] OrderPagesError),
}

#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// Which order; the most recently issued one when not given.
    pub order_id: Option<String>,
    /// How many recent violations to list (fewer when they would not fit on one page).
    pub last: usize,
    pub paper: PaperSize,
    pub generated_at: DateTime<Utc>,
    /// The order's own pages (and its proof of service's) after the sheet.
    pub with_order: bool,
}

/// The sheet for the order in force (see [`Journal::order_for_handout`]), then, with
/// `with_order`, the order's pages. Everything that can be refused (an expired order, a
/// locked or damaged order PDF) is refused before anything is laid out.
pub fn render(journal: &Journal, options: &SheetOptions) -> Result<Vec<u8>, SheetError> {
    let today = options
        .generated_at
        .with_timezone(&chrono::Local)
        .date_naive();
    let order = journal.order_for_handout(options.order_id.as_deref(), today)?;
    let order_pages = match options.with_order {
        true => Some(OrderPages::read(journal, &order)?),
        false => None,
    };
    let sheet = fitted_sheet(journal, &order, options, order_pages.as_ref())?;
    Ok(match order_pages {
        Some(pages) => finish_with_order(sheet, pages)?,
        None => {
            let total = sheet.page_count();
            sheet.finish(1, total)?
        }
    })
}

/// Lays out the order's pages after the one-page sheet and writes them together.
pub(crate) fn finish_with_order(
    mut layout: Layout,
    pages: OrderPages,
) -> Result<Vec<u8>, SheetError> {
    let slots = pages.lay_out(&mut layout);
    let total = layout.page_count();
    let written = layout.finish(1, total)?;
    Ok(pages.fill(&written, slots)?)
}

/// The sheet laid out on exactly one page: the photo shrinks and the oldest violations go
/// until it fits.
fn fitted_sheet(
    journal: &Journal,
    order: &Order,
    options: &SheetOptions,
    order_pages: Option<&OrderPages>,
) -> Result<Layout, SheetError> {
    let following = order_pages.map(OrderPages::describe);
    // The same selection the court report for this order makes, so the exhibit numbers on the
    // sheet are the ones an officer or prosecutor will find in that report.
    let selection = super::exhibits::select(
        journal,
        &super::exhibits::Scope {
            from: None,
            to: None,
            order_id: Some(order.id.clone()),
            exhibit_prefix: String::new(),
            threads: Vec::new(),
        },
    )?;
    // The photo is decrypted and prepared once, however many layouts are tried below.
    let photo = respondent_photo(journal, order)?;
    let mut recent = selection.incidents.clone();
    recent.reverse();
    // One page, always. The two most recent violations matter more than a large photo, so
    // the photo shrinks before they go; beyond those, the oldest go first.
    let wanted = options.last.min(recent.len());
    let must_keep = wanted.min(2);
    for photo_height in PHOTO_HEIGHTS {
        for count in (must_keep..=wanted).rev() {
            let layout = lay_out(
                journal,
                order,
                &selection,
                &recent[..count],
                (photo.as_ref(), photo_height),
                options,
                following.as_deref(),
            )?;
            if layout.page_count() <= 1 {
                return Ok(layout);
            }
        }
    }
    // Even the smallest photo leaves no room for two: list as many as fit, down to none.
    let smallest = PHOTO_HEIGHTS[PHOTO_HEIGHTS.len() - 1];
    let mut count = must_keep;
    loop {
        let layout = lay_out(
            journal,
            order,
            &selection,
            &recent[..count],
            (photo.as_ref(), smallest),
            options,
            following.as_deref(),
        )?;
        if layout.page_count() <= 1 || count == 0 {
            return Ok(layout);
        }
        count -= 1;
    }
}

/// The restrained person's photo: `None` when there is none on file, `Some(None)` when the
/// file cannot be shown.
pub(crate) fn respondent_photo(
    journal: &Journal,
    order: &Order,
) -> Result<Option<Option<Image>>, SheetError> {
    let Some(respondent) = order.respondent_id.as_ref() else {
        return Ok(None);
    };
    let Some(photo) = journal.person_photo(respondent)? else {
        return Ok(None);
    };
    let bytes = journal.attachment_bytes(&photo)?;
    Ok(Some(
        super::picture(&photo.mime, &bytes).map(|shown| shown.image),
    ))
}

fn lay_out(
    journal: &Journal,
    order: &Order,
    selection: &Selection,
    recent: &[Incident],
    (photo, photo_height): (Option<&Option<Image>>, f32),
    options: &SheetOptions,
    following: Option<&str>,
) -> Result<Layout, SheetError> {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&options.generated_at.timestamp().to_be_bytes());
    let mut l = Layout::new(DocInfo {
        title: "Protective order summary for officers".into(),
        author: order.petitioner.clone().unwrap_or_default(),
        subject: format!("Case No. {}", order.case_number),
        created: options.generated_at,
        document_id: id,
        paper: options.paper,
    })?
    // Half-inch margins: a handout, not a court filing, and every line is room for a violation.
    .with_margin(36.0);
    l.heading("Protective order: summary for officers", 2);
    l.paragraph(
        "Summary only — the certified order controls.",
        Style::bold(),
    );
    if let Some(papers) = following {
        l.paragraph(
            &format!("Copies of {papers} on file with the protected person follow this sheet."),
            Style::small(),
        );
    }
    let served = match &order.served_on {
        Some(date) => format!("served {date}"),
        None => "NOT recorded as served".into(),
    };
    let mut rows = vec![
        (
            "Order".to_string(),
            format!("{}, {} ({})", order.kind.label(), order.court, order.state),
        ),
        ("Case number".into(), order.case_number.clone()),
        (
            "Dates".into(),
            format!(
                "Issued {}, expires {}; {served}",
                order.issued_on,
                order.expires_on.as_deref().unwrap_or("(not stated)")
            ),
        ),
    ];
    let protected: Vec<String> = order
        .protected_person_ids
        .iter()
        .filter_map(|id| journal.person(id).ok())
        .map(|p| p.details.name)
        .chain(order.petitioner.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !protected.is_empty() {
        rows.push(("Protected".into(), protected.join(", ")));
    }
    l.key_values(&rows);
    if !order.terms.is_empty() {
        l.heading("Terms", 3);
        for term in &order.terms {
            l.paragraph(
                &format!("• {}", term.describe()),
                Style {
                    space_after: 2.0,
                    ..Style::small()
                },
            );
        }
    }
    if let Some(respondent) = order
        .respondent_id
        .as_ref()
        .and_then(|id| journal.person(id).ok())
    {
        l.heading("Restrained person", 3);
        match photo {
            Some(Some(image)) => l.image(image, Some(photo_height)),
            Some(None) => l.paragraph("(The photo on file could not be shown.)", Style::small()),
            None => {}
        }
        let d = &respondent.details;
        // Name, birth date and aliases on one line: every line saved is room for a violation.
        let mut name = d.name.clone();
        if let Some(born) = &d.date_of_birth {
            name.push_str(&format!(", born {born}"));
        }
        if !d.aliases.is_empty() {
            name.push_str(&format!(" (also known as {})", d.aliases.join(", ")));
        }
        let mut rows = vec![("Name".to_string(), name)];
        for (label, value) in [
            ("Description", &d.description),
            ("Vehicle", &d.vehicle),
            ("Weapons", &d.weapons),
        ] {
            if let Some(v) = value {
                rows.push((label.into(), v.clone()));
            }
        }
        if !d.phones.is_empty() {
            rows.push(("Phones".into(), d.phones.join(", ")));
        }
        l.key_values(&rows);
    }
    if !recent.is_empty() {
        l.heading("Most recent violations", 3);
        let rows: Vec<Vec<String>> = recent
            .iter()
            .map(|i| {
                let kinds: Vec<&str> = i.kinds.iter().map(|k| k.label()).collect();
                vec![
                    format!(
                        "{} {}",
                        i.occurred
                            .local
                            .replacen('T', " ", 1)
                            .get(..16)
                            .unwrap_or_default(),
                        i.occurred.abbreviation
                    ),
                    // Kinds and text together in at most two or three lines, so the two most
                    // recent violations fit beside a full-size photo.
                    shorten(&format!("{}: {}", kinds.join(", "), i.description), 80),
                    exhibit_numbers(selection, &i.id),
                    i.police
                        .as_ref()
                        .and_then(|p| p.report_number.clone())
                        .unwrap_or_else(|| "—".into()),
                ]
            })
            .collect();
        l.table(
            &[
                ("When".into(), 0.22),
                ("What".into(), 0.48),
                ("Exhibits".into(), 0.12),
                ("Police report".into(), 0.18),
            ],
            &rows,
        );
    }
    l.paragraph(
        "Full faith and credit: a protection order issued by a court of one state or tribe must be enforced in every other state and tribal land as if it were its own (18 U.S.C. § 2265).",
        Style::small(),
    );
    Ok(l)
}

/// "3, 4" for an incident with exhibits 3 and 4 in the order's court report; "—" for none.
fn exhibit_numbers(selection: &Selection, incident_id: &str) -> String {
    let numbers: Vec<String> = selection
        .exhibits_of(incident_id)
        .map(|e| e.number.to_string())
        .collect();
    if numbers.is_empty() {
        "—".into()
    } else {
        numbers.join(", ")
    }
}

/// "1 page", "3 pages".
pub(crate) fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

fn shorten(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}
