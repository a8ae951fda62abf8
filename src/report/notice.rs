//! A one-page notice for the people who guard a door the restrained person may come to: a
//! school office, an employer's front desk, a building's concierge. Advocates' standing advice
//! is to give the school a copy of the order; this page tells staff, in a minute, who the
//! person is, what the order says about their place, and what to do.
//!
//! It is handed to people outside the case, so it carries nothing about incidents and none
//! of the protected person's addresses or usual numbers: only a number chosen for it.

use chrono::{DateTime, Utc};

use super::layout::{DocInfo, Image, Layout, LayoutError, PaperSize, Style};
use super::officer_sheet::{finish_with_order, respondent_photo, SheetError};
use super::order_pages::OrderPages;
use super::redact::{Profile, Redactor};
use crate::journal::{Journal, JournalError};
use crate::model::{Order, Person, TermKind};

/// Photo heights tried in turn: large enough to recognise a face across a front desk, and
/// shrinking before anything else gives way so the notice stays one page.
const PHOTO_HEIGHTS: [f32; 4] = [150.0, 120.0, 90.0, 60.0];

/// The place a notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    School,
    Workplace,
    Building,
}

impl Place {
    pub fn key(self) -> &'static str {
        match self {
            Place::School => "school",
            Place::Workplace => "workplace",
            Place::Building => "building",
        }
    }

    pub fn from_key(key: &str) -> Option<Place> {
        [Place::School, Place::Workplace, Place::Building]
            .into_iter()
            .find(|p| p.key() == key)
    }

    fn audience(self) -> &'static str {
        match self {
            Place::School => "For the school office and staff",
            Place::Workplace => "For the employer, reception and security",
            Place::Building => "For the front desk, concierge and security",
        }
    }

    /// Words that mark an order's place or term as concerning this place. Matched anywhere in
    /// a word, without case, so "children's school" and "Daycare" both count.
    fn words(self) -> &'static [&'static str] {
        match self {
            Place::School => &[
                "school",
                "daycare",
                "day care",
                "childcare",
                "child care",
                "preschool",
                "kindergarten",
                "children",
                "child",
                "kids",
            ],
            Place::Workplace => &["work", "job", "employ", "office", "business"],
            Place::Building => &[
                "home",
                "residence",
                "house",
                "apartment",
                "building",
                "dwelling",
                "condo",
                "unit",
            ],
        }
    }

    fn concerns(self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.words().iter().any(|w| text.contains(w))
    }
}

#[derive(Debug, Clone)]
pub struct NoticeOptions {
    pub place: Place,
    /// Which order; the most recently issued one in force when not given.
    pub order_id: Option<String>,
    /// The number staff should call after 911, chosen by the protected person for this notice.
    pub call: Option<String>,
    pub with_order: bool,
    pub paper: PaperSize,
    pub generated_at: DateTime<Utc>,
}

pub fn render(journal: &Journal, options: &NoticeOptions) -> Result<Vec<u8>, SheetError> {
    let today = options
        .generated_at
        .with_timezone(&chrono::Local)
        .date_naive();
    let order = journal.order_for_handout(options.order_id.as_deref(), today)?;
    if let Some(call) = &options.call {
        let digits = call.chars().filter(char::is_ascii_digit).count();
        if !(3..=20).contains(&digits) || call.chars().count() > 40 {
            return Err(JournalError::Invalid(format!(
                "\"{call}\" does not look like a phone number to call."
            ))
            .into());
        }
    }
    let order_pages = match options.with_order {
        true => Some(OrderPages::read(journal, &order)?),
        false => None,
    };
    // The photo is decrypted once; it shrinks until the page fits, as on the officer sheet.
    let photo = respondent_photo(journal, &order)?;
    let mut fitted = None;
    for height in PHOTO_HEIGHTS {
        let layout = lay_out(
            journal,
            &order,
            options,
            order_pages.as_ref(),
            (photo.as_ref(), height),
        )?;
        if layout.page_count() <= 1 {
            fitted = Some(layout);
            break;
        }
    }
    let layout = fitted.ok_or_else(|| {
        SheetError::Layout(LayoutError::Pdf(
            "the notice does not fit on one page; shorten the person's description or the order's terms".into(),
        ))
    })?;
    Ok(match order_pages {
        Some(pages) => finish_with_order(layout, pages)?,
        None => {
            let total = layout.page_count();
            layout.finish(1, total)?
        }
    })
}

fn lay_out(
    journal: &Journal,
    order: &Order,
    options: &NoticeOptions,
    order_pages: Option<&OrderPages>,
    (photo, photo_height): (Option<&Option<Image>>, f32),
) -> Result<Layout, SheetError> {
    let people = journal.people()?;
    // Every profile leaves out the protected person's addresses and phone numbers, wherever
    // they were typed (a stay-away place may name the street).
    let redactor = Redactor::new(Profile::None, &people);
    let clean = |text: &str| redactor.text(text);
    let respondent = order
        .respondent_id
        .as_ref()
        .and_then(|id| people.iter().find(|p| &p.id == id));
    let restrained_name = respondent
        .map(|p| p.details.name.clone())
        .unwrap_or_else(|| "the restrained person".into());
    let protected: Vec<&Person> = order
        .protected_person_ids
        .iter()
        .filter_map(|id| people.iter().find(|p| &p.id == id))
        .collect();
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&options.generated_at.timestamp().to_be_bytes());
    id[8] = options.place as u8;
    let mut l = Layout::new(DocInfo {
        title: "Protective order notice".into(),
        author: order.petitioner.clone().unwrap_or_default(),
        subject: format!("Case No. {}", order.case_number),
        created: options.generated_at,
        document_id: id,
        paper: options.paper,
    })
    .map_err(SheetError::Layout)?
    .with_margin(36.0);
    l.heading("Protective order in force: please read", 2);
    l.paragraph(options.place.audience(), Style::bold());
    l.paragraph(
        &format!(
            "A court has ordered {} to stay away from and not contact the people named below. \
             Please keep this page where the staff who let visitors in can see it. Summary \
             only: the certified order controls.",
            clean(&restrained_name)
        ),
        Style::body(),
    );
    let mut rows = vec![
        (
            "Order".to_string(),
            format!("{}, {} ({})", order.kind.label(), order.court, order.state),
        ),
        ("Case number".into(), order.case_number.clone()),
        (
            "In force".into(),
            match &order.expires_on {
                Some(until) => format!("From {} until {until}", order.issued_on),
                None => format!("From {} (no end date recorded)", order.issued_on),
            },
        ),
    ];
    let (children, adults): (Vec<&Person>, Vec<&Person>) =
        protected.iter().partition(|p| p.details.minor);
    let named: Vec<String> = match options.place {
        Place::School if !children.is_empty() => {
            children.iter().map(|p| p.details.name.clone()).collect()
        }
        _ => adults
            .iter()
            .map(|p| p.details.name.clone())
            .chain(order.petitioner.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    if !named.is_empty() {
        let label = match options.place {
            Place::School if !children.is_empty() => "Children protected",
            _ => "Protected",
        };
        rows.push((label.into(), clean(&named.join(", "))));
    }
    l.key_values(&rows);

    l.heading(&format!("Who to watch for: {}", clean(&restrained_name)), 3);
    if let Some(respondent) = respondent {
        match photo {
            Some(Some(image)) => l.image(image, Some(photo_height)),
            Some(None) => l.paragraph("(The photo on file could not be shown.)", Style::small()),
            None => {}
        }
        let d = &respondent.details;
        let mut rows = vec![("Name".to_string(), clean(&d.name))];
        if !d.aliases.is_empty() {
            rows.push(("Also known as".into(), clean(&d.aliases.join(", "))));
        }
        for (label, value) in [("Description", &d.description), ("Vehicle", &d.vehicle)] {
            if let Some(v) = value {
                rows.push((label.into(), clean(v)));
            }
        }
        l.key_values(&rows);
    }

    l.heading("What the order says about this place", 3);
    let terms = terms_for(order, options.place);
    if terms.is_empty() {
        l.paragraph(
            "No term of the order names this place; the order protects the people named above wherever they are.",
            Style::body(),
        );
    }
    for term in terms {
        l.paragraph(&format!("• {}", clean(&term)), Style::body());
    }

    l.heading("What to do", 3);
    let first_name = |p: &Person| {
        p.details
            .name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    // Who the staff call afterwards, and whose whereabouts they keep to themselves: an adult
    // (at a school, the protected parent).
    let adult = clean(
        &adults
            .first()
            .map(|p| first_name(p))
            .or_else(|| order.petitioner.clone())
            .unwrap_or_else(|| "the protected person".into()),
    );
    let name = clean(&restrained_name);
    let mut steps = vec![format!(
        "If {name} comes here, call 911 at once and say there is a protective order (case {}).",
        order.case_number
    )];
    steps.push(match options.place {
        Place::School => format!(
            "Do not release the children to {name}, or to anyone sent by {name}, and do not let {name} visit or contact them here."
        ),
        Place::Workplace => format!(
            "Do not let {name} in. Do not tell anyone who asks whether {adult} is at work, or when."
        ),
        Place::Building => format!(
            "Do not let {name} in or give out a key. Do not tell anyone who asks whether {adult} lives here, or which unit."
        ),
    });
    // The number was chosen for this notice, so it is printed even if it is one of the
    // protected person's own (which the redactor would otherwise withhold).
    steps.push(match &options.call {
        Some(number) => format!("Then call {adult} at {number}."),
        None => format!("Then tell {adult} as soon as you can."),
    });
    for (n, step) in steps.iter().enumerate() {
        l.paragraph(&format!("{}. {step}", n + 1), Style::body());
    }
    if let Some(papers) = order_pages.map(OrderPages::describe) {
        l.paragraph(
            &format!("Copies of {papers} follow this page."),
            Style::small(),
        );
    }
    l.paragraph(
        "Prepared by the protected person from the order on file; not a court document and not legal advice.",
        Style::small(),
    );
    Ok(l)
}

/// The order's terms that concern `place`: stay-away terms trimmed to the places that match
/// (a school is not told where the protected person lives), stay-away terms naming no place
/// and no-contact terms (they hold everywhere), and other terms that mention the place.
fn terms_for(order: &Order, place: Place) -> Vec<String> {
    let mut out = Vec::new();
    for term in &order.terms {
        match &term.kind {
            TermKind::StayAway {
                distance,
                unit,
                places,
            } => {
                let matching: Vec<String> = places
                    .iter()
                    .filter(|p| place.concerns(p))
                    .cloned()
                    .collect();
                if places.is_empty() || !matching.is_empty() {
                    let trimmed = crate::model::Term {
                        id: term.id.clone(),
                        kind: TermKind::StayAway {
                            distance: *distance,
                            unit: *unit,
                            places: matching,
                        },
                    };
                    out.push(trimmed.describe());
                }
            }
            TermKind::NoContact { .. } => out.push(term.describe()),
            TermKind::NoFirearms => {}
            TermKind::Other { text } if place.concerns(text) => out.push(term.describe()),
            TermKind::Other { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{terms_for, Place};
    use crate::model::{DistanceUnit, Order, OrderKind, Term, TermKind};

    fn order(terms: Vec<TermKind>) -> Order {
        Order {
            id: "o".into(),
            kind: OrderKind::AfterHearing,
            court: "Court".into(),
            state: "CA".into(),
            case_number: "1".into(),
            issued_on: "2026-01-01".into(),
            served_on: None,
            expires_on: None,
            petitioner: None,
            respondent_id: None,
            protected_person_ids: vec![],
            terms: terms
                .into_iter()
                .map(|kind| Term {
                    id: String::new(),
                    kind,
                })
                .collect(),
            notes: None,
            documents: vec![],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_school_hears_only_of_its_own_place() {
        let o = order(vec![
            TermKind::StayAway {
                distance: Some(100.0),
                unit: DistanceUnit::Yards,
                places: vec![
                    "home, 12 Oak St".into(),
                    "work".into(),
                    "the children's school".into(),
                ],
            },
            TermKind::NoFirearms,
            TermKind::Other {
                text: "Do not pick the children up from school".into(),
            },
            TermKind::Other {
                text: "Pay support".into(),
            },
        ]);
        let school = terms_for(&o, Place::School);
        assert_eq!(
            school,
            vec![
                "Stay at least 100 yards away from: the children's school",
                "Do not pick the children up from school",
            ]
        );
        let work = terms_for(&o, Place::Workplace);
        assert_eq!(work, vec!["Stay at least 100 yards away from: work"]);
        let building = terms_for(&o, Place::Building);
        assert_eq!(
            building,
            vec!["Stay at least 100 yards away from: home, 12 Oak St"]
        );
    }

    #[test]
    fn terms_that_hold_everywhere_are_on_every_notice() {
        let o = order(vec![
            TermKind::NoContact {
                direct: true,
                indirect: true,
            },
            TermKind::StayAway {
                distance: None,
                unit: DistanceUnit::Feet,
                places: vec![],
            },
        ]);
        for place in [Place::School, Place::Workplace, Place::Building] {
            assert_eq!(terms_for(&o, place).len(), 2, "{place:?}");
        }
    }
}
