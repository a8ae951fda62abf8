//! What the journal records, as the user enters it and as it comes back.
//!
//! Field names follow the incident log advocates recommend (SPARC stalking log, NNEDV
//! documentation tips; see shared/docs/court-report.md section 6). Input types are what the
//! CLI's `--json` and the app send; view types add what only the journal knows (ids, record
//! times, amendments, attachments).

use serde::{Deserialize, Serialize};

use crate::evidence::Attachment;

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The plain-language name shown to people and printed in reports.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The name used in JSON and the database.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

labelled_enum!(
    /// What kind of violation happened. An incident can be several at once.
    IncidentKind {
        DirectContact => ("direct_contact", "Direct contact"),
        PhoneCall => ("phone_call", "Phone call"),
        TextMessage => ("text_message", "Text message"),
        Voicemail => ("voicemail", "Voicemail"),
        Email => ("email", "Email"),
        SocialMedia => ("social_media", "Social media"),
        ThirdPartyContact => ("third_party_contact", "Contact through someone else"),
        GiftOrItemLeft => ("gift_or_item_left", "Gift or item left"),
        CameWithinDistance => ("came_within_distance", "Came within the stay-away distance"),
        Followed => ("followed", "Followed or watched"),
        PropertyDamage => ("property_damage", "Property damage"),
        Threat => ("threat", "Threat"),
        Firearm => ("firearm", "Firearm"),
        Other => ("other", "Other"),
    }
);

labelled_enum!(
    /// The kind of protective order. Names differ by state; these are the common families.
    OrderKind {
        Emergency => ("emergency", "Emergency protective order"),
        Temporary => ("temporary", "Temporary (ex parte) order"),
        AfterHearing => ("after_hearing", "Order after hearing"),
        CriminalNoContact => ("criminal_no_contact", "Criminal no-contact order"),
        CivilHarassment => ("civil_harassment", "Civil harassment order"),
        Other => ("other", "Other order"),
    }
);

labelled_enum!(
    PersonRole {
        Restrained => ("restrained", "Restrained person"),
        Protected => ("protected", "Protected person"),
        Witness => ("witness", "Witness"),
        Other => ("other", "Other person"),
    }
);

/// One term of an order, structured where courts use a standard form so that reports and the
/// officer sheet can state it plainly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TermKind {
    /// Stay a distance away from people and places.
    StayAway {
        distance: Option<f64>,
        #[serde(default = "default_unit")]
        unit: DistanceUnit,
        #[serde(default)]
        places: Vec<String>,
    },
    /// No contact: direct (in person, calls, messages) and/or indirect (through others).
    NoContact {
        #[serde(default = "yes")]
        direct: bool,
        #[serde(default = "yes")]
        indirect: bool,
    },
    NoFirearms,
    Other {
        text: String,
    },
}

fn yes() -> bool {
    true
}
fn default_unit() -> DistanceUnit {
    DistanceUnit::Yards
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistanceUnit {
    Feet,
    Yards,
    Meters,
}

impl DistanceUnit {
    pub fn label(self) -> &'static str {
        match self {
            DistanceUnit::Feet => "feet",
            DistanceUnit::Yards => "yards",
            DistanceUnit::Meters => "meters",
        }
    }
}

/// (No `deny_unknown_fields` here: serde cannot combine it with `flatten`; `TermKind` refuses
/// unknown fields itself.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// Short reference used by incidents ("T1"); assigned in order when left out.
    #[serde(default)]
    pub id: String,
    #[serde(flatten)]
    pub kind: TermKind,
}

impl Term {
    /// A one-line statement of the term, e.g. "Stay 100 yards away from: home, work".
    pub fn describe(&self) -> String {
        match &self.kind {
            TermKind::StayAway {
                distance,
                unit,
                places,
            } => {
                let mut text = match distance {
                    Some(d) => format!("Stay at least {} {} away", trim_float(*d), unit.label()),
                    None => "Stay away".to_string(),
                };
                if !places.is_empty() {
                    text.push_str(" from: ");
                    text.push_str(&places.join(", "));
                }
                text
            }
            TermKind::NoContact { direct, indirect } => match (direct, indirect) {
                (true, true) => "No contact, direct or indirect (including through others)".into(),
                (true, false) => "No direct contact".into(),
                (false, true) => "No indirect contact (through others)".into(),
                (false, false) => "Contact terms as written in the order".into(),
            },
            TermKind::NoFirearms => "No firearms or ammunition".into(),
            TermKind::Other { text } => text.clone(),
        }
    }
}

fn trim_float(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// A person, given either by id or inline (created with the order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PersonRef {
    Id(String),
    New(Box<PersonInput>),
}

/// Written by hand: serde's untagged enums answer any typo with "data did not match any
/// variant", which tells a person nothing. This names the field that is wrong.
impl<'de> Deserialize<'de> for PersonRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(id) => Ok(PersonRef::Id(id)),
            value @ serde_json::Value::Object(_) => serde_json::from_value::<PersonInput>(value)
                .map(|p| PersonRef::New(Box::new(p)))
                .map_err(|e| D::Error::custom(format!("in a person: {e}"))),
            _ => Err(D::Error::custom(
                "a person must be the id of a person already added, or an object such as {\"name\": \"...\"}",
            )),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Role; when given inline in an order it is implied by the field and may be left out.
    /// Read only: a stored `Person` carries its role once, in `Person::role`.
    #[serde(default, skip_serializing)]
    pub role: Option<PersonRole>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub date_of_birth: Option<String>,
    /// Height, build, hair, eyes, marks: what an officer would look for.
    pub description: Option<String>,
    pub vehicle: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    /// Social media, email and messaging accounts.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Home, work or school addresses. Left out of every report by default (the restrained
    /// person reads what is filed).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// A substitute mailing address from a state address confidentiality program (e.g.
    /// California's Safe at Home). For a protected person it is the only address a report
    /// prints. Left out of the stored JSON when empty, so records made before it existed keep
    /// their exact bytes (and their hashes in the revision chain): no migration is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_address: Option<String>,
    #[serde(default)]
    pub minor: bool,
    /// Known weapons, for the officer sheet.
    pub weapons: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub role: PersonRole,
    #[serde(flatten)]
    pub details: PersonInput,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    pub kind: OrderKind,
    pub court: String,
    pub state: String,
    pub case_number: String,
    /// YYYY-MM-DD
    pub issued_on: String,
    pub served_on: Option<String>,
    pub expires_on: Option<String>,
    pub petitioner: Option<String>,
    pub respondent: Option<PersonRef>,
    #[serde(default)]
    pub protected_persons: Vec<PersonRef>,
    #[serde(default)]
    pub terms: Vec<Term>,
    pub notes: Option<String>,
}

/// An order as stored: people given inline have become ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub kind: OrderKind,
    pub court: String,
    pub state: String,
    pub case_number: String,
    pub issued_on: String,
    pub served_on: Option<String>,
    pub expires_on: Option<String>,
    pub petitioner: Option<String>,
    pub respondent_id: Option<String>,
    pub protected_person_ids: Vec<String>,
    pub terms: Vec<Term>,
    pub notes: Option<String>,
    /// The court's papers as the person has them, in the order they were added. Left out of
    /// the JSON when empty, so orders saved before papers could be kept keep their exact
    /// bytes (and the hashes of their revisions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<OrderDocument>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a paper kept with an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The order itself: the e-filed PDF, or photos or scans of its pages.
    Order,
    /// The proof (return) of service: when and how the restrained person was served.
    ProofOfService,
    Other,
}

impl DocumentKind {
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Order => "Order",
            DocumentKind::ProofOfService => "Proof of service",
            DocumentKind::Other => "Other paper",
        }
    }
}

/// One paper kept with an order: an attachment (original bytes, encrypted, hashed) and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDocument {
    pub attachment_id: String,
    pub kind: DocumentKind,
}

impl Order {
    pub fn term(&self, id: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    pub name: String,
    pub contact: Option<String>,
    /// What this witness saw or heard, in a few words.
    pub saw: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliceContact {
    pub agency: String,
    pub officer: Option<String>,
    pub badge: Option<String>,
    pub report_number: Option<String>,
    /// What happened: report taken, arrest, warned, no action ...
    pub outcome: Option<String>,
}

/// An incident as the user enters it (CLI `--json`, app form). Times are local wall-clock
/// times in `timezone`; the journal resolves them to instants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// Local date-time `YYYY-MM-DDTHH:MM[:SS]`, or with an explicit offset
    /// (`2026-11-01T01:30-04:00`) to pick one side of a daylight-saving change.
    pub occurred_at: String,
    pub ended_at: Option<String>,
    /// IANA time zone name, e.g. `America/Los_Angeles`.
    pub timezone: String,
    #[serde(default)]
    pub approximate: bool,
    #[serde(default)]
    pub kinds: Vec<IncidentKind>,
    pub location: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Exact words said or written, each set apart in reports.
    #[serde(default)]
    pub quotes: Vec<String>,
    #[serde(default)]
    pub witnesses: Vec<Witness>,
    pub order_id: Option<String>,
    /// Which term of the order was broken (its id, e.g. "T1").
    pub term: Option<String>,
    pub police: Option<PoliceContact>,
    /// How it affected you (optional; some courts weigh it, some do not).
    pub impact: Option<String>,
    /// Imported texts and calls this incident cites (their ids; `daybook messages --json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communications: Vec<String>,
}

/// A wall-clock time resolved to an instant, keeping what the user saw on their clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTime {
    /// `YYYY-MM-DDTHH:MM:SS` as on the clock where it happened.
    pub local: String,
    pub timezone: String,
    /// Offset in force, `-07:00`.
    pub utc_offset: String,
    /// Zone abbreviation in force, `PDT`.
    pub abbreviation: String,
    /// The instant, RFC 3339 UTC.
    pub utc: String,
}

/// An incident as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    /// 1, 2, 3 ... in order of recording; what people say aloud ("incident 12").
    pub number: i64,
    pub occurred: ResolvedTime,
    pub ended: Option<ResolvedTime>,
    pub approximate: bool,
    /// When it was first saved, from the system clock; never editable.
    pub recorded_at: String,
    pub updated_at: String,
    /// Edited after it was first recorded.
    pub amended: bool,
    pub kinds: Vec<IncidentKind>,
    pub location: Option<String>,
    pub description: String,
    pub quotes: Vec<String>,
    pub witnesses: Vec<Witness>,
    pub order_id: Option<String>,
    pub term: Option<String>,
    pub police: Option<PoliceContact>,
    pub impact: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Imported texts and calls it cites, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communications: Vec<String>,
    /// Set when the incident was deleted (it stays in the history, with the reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Deletion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    pub at: String,
    pub reason: String,
}

impl Incident {
    /// The input that would recreate this incident; the base an edit patches.
    pub fn to_input(&self) -> IncidentInput {
        IncidentInput {
            occurred_at: format!("{}{}", self.occurred.local, self.occurred.utc_offset),
            ended_at: self
                .ended
                .as_ref()
                .map(|e| format!("{}{}", e.local, e.utc_offset)),
            timezone: self.occurred.timezone.clone(),
            approximate: self.approximate,
            kinds: self.kinds.clone(),
            location: self.location.clone(),
            description: self.description.clone(),
            quotes: self.quotes.clone(),
            witnesses: self.witnesses.clone(),
            order_id: self.order_id.clone(),
            term: self.term.clone(),
            police: self.police.clone(),
            impact: self.impact.clone(),
            communications: self.communications.clone(),
        }
    }
}
