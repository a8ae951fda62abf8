//! Redaction for filed reports (shared/docs/court-report.md section 3): the restrained person
//! reads everything that is filed.
//!
//! Redaction replaces the text itself before anything is laid out, so the removed words are in
//! no text layer, no bookmark and no metadata; nothing is ever drawn over text. It works on
//! the report's copy of the data: the journal and the exhibits' original bytes are untouched
//! (text inside pictures and recordings is not redacted; the integrity page says so).
//!
//! Every profile, `none` included, leaves out the protected person's addresses and phone
//! numbers wherever they appear. The court profiles add (rules as of 2026; courts change them,
//! so this is a starting point, not legal advice):
//! - `federal-civil`, FRCP 5.2(a): SSNs, taxpayer ids and financial account numbers to the last
//!   4 digits, birth dates to the year, minors' names to initials.
//! - `federal-criminal`, Fed. R. Crim. P. 49.1(a): the same, and home addresses to city and
//!   state.
//! - `california`, Cal. R. Ct. 1.201(a): SSNs and financial account numbers to the last 4.
//! - `texas`, TRCP 21c(a): government id and financial account numbers to the last 3, birth
//!   dates to the year, home addresses left out, minors' names to initials.
//! - `new-york`, 22 NYCRR 202.5(e): SSNs, taxpayer ids and financial account numbers to the
//!   last 4, birth dates to the year, minors' names to initials.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::model::{Person, PersonRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    None,
    FederalCivil,
    FederalCriminal,
    California,
    Texas,
    NewYork,
}

impl Profile {
    pub const ALL: [Profile; 6] = [
        Profile::None,
        Profile::FederalCivil,
        Profile::FederalCriminal,
        Profile::California,
        Profile::Texas,
        Profile::NewYork,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Profile::None => "none",
            Profile::FederalCivil => "federal-civil",
            Profile::FederalCriminal => "federal-criminal",
            Profile::California => "california",
            Profile::Texas => "texas",
            Profile::NewYork => "new-york",
        }
    }

    pub fn from_key(key: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.key() == key)
    }

    /// What the report says it did.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::None => "Protected person's addresses and phone numbers left out; no court profile",
            Profile::FederalCivil => "Federal civil (FRCP 5.2): ID and account numbers to the last 4 digits, birth dates to the year, minors by initials; protected person's addresses and phone numbers left out",
            Profile::FederalCriminal => "Federal criminal (Fed. R. Crim. P. 49.1): ID and account numbers to the last 4 digits, birth dates to the year, minors by initials, home addresses to city and state; protected person's addresses and phone numbers left out",
            Profile::California => "California (Cal. R. Ct. 1.201): ID and account numbers to the last 4 digits; protected person's addresses and phone numbers left out",
            Profile::Texas => "Texas (TRCP 21c): ID and account numbers to the last 3 digits, birth dates to the year, home addresses left out, minors by initials; protected person's addresses and phone numbers left out",
            Profile::NewYork => "New York (22 NYCRR 202.5(e)): ID and account numbers to the last 4 digits, birth dates to the year, minors by initials; protected person's addresses and phone numbers left out",
        }
    }

    fn rules(self) -> Rules {
        let court = |keep, home: Home, minors| Rules {
            numbers_keep: Some(keep),
            birth_year_only: true,
            minors_initials: minors,
            home,
        };
        match self {
            Profile::None => Rules::default(),
            Profile::FederalCivil | Profile::NewYork => court(4, Home::Keep, true),
            Profile::FederalCriminal => court(4, Home::CityState, true),
            Profile::California => Rules {
                numbers_keep: Some(4),
                ..Rules::default()
            },
            Profile::Texas => court(3, Home::Withhold, true),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Home {
    #[default]
    Keep,
    CityState,
    Withhold,
}

#[derive(Debug, Clone, Copy, Default)]
struct Rules {
    /// Mask ID and account numbers, keeping this many last digits.
    numbers_keep: Option<usize>,
    birth_year_only: bool,
    minors_initials: bool,
    /// What happens to the home addresses of people other than protected persons.
    home: Home,
}

/// Replaces what a profile says must not be filed, in any text.
pub struct Redactor {
    profile: Profile,
    /// Known strings (addresses, phone numbers, minors' names, birth dates) and what replaces
    /// them, longest first so a full address goes before a part of it.
    known: Vec<(Regex, String)>,
}

static SSN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b").expect("valid pattern"));
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d{4}[ -]){3}\d{1,7}\b").expect("valid pattern"));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(account|acct|card|routing|iban|license|licence|passport|tax id|ein|itin)(\s*(?:no\.?|number|#))?\s*[:#]?\s*([0-9][0-9 -]{3,}[0-9])",
    )
    .expect("valid pattern")
});
static LONG_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{11,19}\b").expect("valid pattern"));
static BIRTH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(DOB|D\.O\.B\.|date of birth|born(?: on)?)(\s*:?\s*)(\d{1,2}/\d{1,2}/(\d{4})|(\d{4})-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2},? (\d{4}))",
    )
    .expect("valid pattern")
});

/// Object keys whose values are identifiers, hashes, times or codes, never redacted: changing
/// them would break the report's links to files and its record of when things happened.
fn untouchable(key: &str) -> bool {
    matches!(
        key,
        "id" | "sha256"
            | "hash"
            | "prev_hash"
            | "mime"
            | "kind"
            | "kinds"
            | "type"
            | "unit"
            | "timezone"
            | "utc"
            | "local"
            | "utc_offset"
            | "abbreviation"
            | "case_number"
            | "report_number"
            | "badge"
            | "court"
            | "state"
            | "role"
    ) || key.ends_with("_id")
        || key.ends_with("_ids")
        || key.ends_with("_at")
        || key.ends_with("_on")
}

/// A pattern matching `text` whatever the case and spacing, as a whole phrase.
fn loose(text: &str) -> Option<Regex> {
    let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
    if words.is_empty() {
        return None;
    }
    // Bounded by anything but a letter or digit (not `\b`, for which '_' is a letter), so
    // "Sofia_voicemail.wav" gives up the name too. The bounds are captured and put back.
    Regex::new(&format!(
        r"(?i)(?P<pre>^|[^\p{{L}}\p{{N}}]){}(?P<post>[^\p{{L}}\p{{N}}]|$)",
        words.join(r"\s+")
    ))
    .ok()
}

/// A pattern matching a phone number's digits with any punctuation between them.
fn phone_pattern(phone: &str) -> Option<Regex> {
    let digits: Vec<String> = phone
        .chars()
        .filter(char::is_ascii_digit)
        .map(String::from)
        .collect();
    if digits.len() < 7 {
        return loose(phone);
    }
    // The last ten digits, so "+1 510 555 0199" and "(510) 555-0199" are the same number.
    let tail = &digits[digits.len().saturating_sub(10)..];
    Regex::new(&format!(
        r"(?:\+?1[\s.-]?)?\(?{}\b",
        tail.join(r"[\s().-]*")
    ))
    .ok()
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect()
}

/// "1234 Oak St, Oakland, CA 94607" -> "Oakland, CA".
fn city_state(address: &str) -> String {
    let parts: Vec<&str> = address.split(',').map(str::trim).collect();
    if parts.len() < 3 {
        return "[address withheld]".into();
    }
    let state = parts[parts.len() - 1]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    format!("{}, {state}", parts[parts.len() - 2])
}

impl Redactor {
    pub fn new(profile: Profile, people: &[Person]) -> Redactor {
        let rules = profile.rules();
        let mut known: Vec<(String, Option<Regex>, String)> = Vec::new();
        for person in people {
            let d = &person.details;
            let protected = person.role == PersonRole::Protected;
            for address in &d.addresses {
                let replacement = match (protected, rules.home) {
                    (true, _) | (false, Home::Withhold) => "[address withheld]".to_string(),
                    (false, Home::CityState) => city_state(address),
                    (false, Home::Keep) => continue,
                };
                known.push((address.clone(), loose(address), replacement.clone()));
                // People write the street alone ("outside 1234 Oak Street"): withhold that too.
                let street = address.split(',').next().unwrap_or_default().trim();
                if street != address.trim() && street.chars().any(|c| c.is_ascii_digit()) {
                    known.push((street.to_string(), loose(street), replacement));
                }
            }
            if protected {
                for phone in &d.phones {
                    known.push((
                        phone.clone(),
                        phone_pattern(phone),
                        "[phone withheld]".into(),
                    ));
                }
            }
            if rules.minors_initials && d.minor {
                known.push((d.name.clone(), loose(&d.name), initials(&d.name)));
                for alias in &d.aliases {
                    known.push((alias.clone(), loose(alias), initials(alias)));
                }
                if let Some(first) = d.name.split_whitespace().next() {
                    known.push((first.to_string(), loose(first), initials(first)));
                }
            }
            if rules.birth_year_only {
                if let Some(born) = &d.date_of_birth {
                    let year: String = born.chars().take(4).collect();
                    known.push((born.clone(), loose(born), year));
                }
            }
        }
        known.sort_by_key(|(text, _, _)| std::cmp::Reverse(text.len()));
        Redactor {
            profile,
            known: known
                .into_iter()
                .filter_map(|(_, pattern, replacement)| pattern.map(|p| (p, replacement)))
                .collect(),
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn text(&self, text: &str) -> String {
        // The PDF layout drops invisible characters (zero-width spaces, soft hyphens ...), so
        // drop them first: otherwise "123-45-6789" with a zero-width space pasted inside would
        // slip past the patterns and still print whole.
        let mut out: String = text.chars().filter(|c| !invisible(*c)).collect();
        for (pattern, replacement) in &self.known {
            // Twice: two matches next to each other share the character between them, and
            // the first match took it.
            for _ in 0..2 {
                out = pattern
                    .replace_all(&out, |c: &Captures<'_>| {
                        let bound = |name| c.name(name).map_or("", |m| m.as_str());
                        format!("{}{replacement}{}", bound("pre"), bound("post"))
                    })
                    .into_owned();
            }
        }
        let rules = self.profile.rules();
        if rules.birth_year_only {
            out = BIRTH_DATE
                .replace_all(&out, |c: &Captures<'_>| {
                    let year = c
                        .get(4)
                        .or_else(|| c.get(5))
                        .or_else(|| c.get(6))
                        .map_or("", |m| m.as_str());
                    format!("{}{}{year}", &c[1], &c[2])
                })
                .into_owned();
        }
        if let Some(keep) = rules.numbers_keep {
            let mask = |digits: &str| mask_digits(digits, keep);
            out = SSN
                .replace_all(&out, |c: &Captures<'_>| mask(&c[0]))
                .into_owned();
            out = CARD
                .replace_all(&out, |c: &Captures<'_>| mask(&c[0]))
                .into_owned();
            out = ACCOUNT
                .replace_all(&out, |c: &Captures<'_>| {
                    let whole = &c[0];
                    let number = &c[3];
                    format!("{}{}", &whole[..whole.len() - number.len()], mask(number))
                })
                .into_owned();
            out = LONG_NUMBER
                .replace_all(&out, |c: &Captures<'_>| mask(&c[0]))
                .into_owned();
        }
        out
    }

    /// Redacts every text field of a record (identifiers, hashes and times are left alone).
    pub fn record<T: Serialize + DeserializeOwned>(&self, record: &T) -> Result<T, String> {
        let mut value = serde_json::to_value(record).map_err(|e| e.to_string())?;
        self.value(&mut value);
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    /// Redacts a stored revision body (JSON text), for the amendments appendix.
    pub fn json_text(&self, body: &str) -> String {
        match serde_json::from_str::<Value>(body) {
            Ok(mut value) => {
                self.value(&mut value);
                value.to_string()
            }
            Err(_) => self.text(body),
        }
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if !untouchable(key) {
                        self.value(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Characters that print as nothing (the same the layout leaves out).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// Replaces every digit but the last `keep` with X, keeping separators.
fn mask_digits(text: &str, keep: usize) -> String {
    let total = text.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    text.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + keep <= total {
                    return 'X';
                }
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonInput;

    fn person(role: PersonRole, details: PersonInput) -> Person {
        Person {
            id: "p".into(),
            role,
            details,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn people() -> Vec<Person> {
        vec![
            person(
                PersonRole::Protected,
                PersonInput {
                    name: "Dana Ellison".into(),
                    phones: vec!["(510) 555-0199".into()],
                    addresses: vec!["1234 Oak Street, Oakland, CA 94607".into()],
                    ..PersonInput::default()
                },
            ),
            person(
                PersonRole::Other,
                PersonInput {
                    name: "Sofia Ellison".into(),
                    minor: true,
                    date_of_birth: Some("2017-05-02".into()),
                    ..PersonInput::default()
                },
            ),
            person(
                PersonRole::Restrained,
                PersonInput {
                    name: "Marcus Ellison".into(),
                    addresses: vec!["88 Pine Ave, Hayward, CA 94541".into()],
                    ..PersonInput::default()
                },
            ),
        ]
    }

    const TEXT: &str = "He came to 1234 oak street,  Oakland, CA 94607 and called 510.555.0199. \
        He said: I know you live at 1234 Oak Street. \
        Sofia Ellison (DOB 05/02/2017) saw him; Sofia cried. SSN 123-45-6789, card 4111 1111 1111 1111, \
        account no. 00123456789. He lives at 88 Pine Ave, Hayward, CA 94541. Report 26-031337.";

    #[test]
    fn every_profile_leaves_out_the_protected_persons_address_and_phone() {
        for profile in Profile::ALL {
            let out = Redactor::new(profile, &people()).text(TEXT);
            assert!(
                !out.to_lowercase().contains("oak street"),
                "{profile:?}: {out}"
            );
            assert!(!out.contains("555"), "{profile:?}: {out}");
            assert!(out.contains("[address withheld]") && out.contains("[phone withheld]"));
            assert!(out.contains("Report 26-031337"), "case numbers stay: {out}");
        }
        let none = Redactor::new(Profile::None, &people()).text(TEXT);
        assert!(none.contains("123-45-6789") && none.contains("Sofia Ellison"));
    }

    #[test]
    fn federal_civil_masks_numbers_birth_dates_and_minors() {
        let out = Redactor::new(Profile::FederalCivil, &people()).text(TEXT);
        for gone in [
            "123-45",
            "4111 1111 1111",
            "001234567",
            "Sofia",
            "05/02/2017",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in [
            "XXX-XX-6789",
            "XXXX XXXX XXXX 1111",
            "XXXXXXX6789",
            "S.E.",
            "DOB 2017",
            "88 Pine Ave",
        ] {
            assert!(out.contains(kept), "{kept} not in {out}");
        }
    }

    #[test]
    fn federal_criminal_cuts_home_addresses_to_city_and_state() {
        let out = Redactor::new(Profile::FederalCriminal, &people()).text(TEXT);
        assert!(!out.contains("88 Pine"), "{out}");
        assert!(out.contains("lives at Hayward, CA."), "{out}");
    }

    #[test]
    fn texas_keeps_three_digits_and_withholds_home_addresses() {
        let out = Redactor::new(Profile::Texas, &people()).text(TEXT);
        assert!(out.contains("XXX-XX-X789"), "{out}");
        assert!(
            !out.contains("88 Pine") && !out.contains("Hayward"),
            "{out}"
        );
    }

    #[test]
    fn california_masks_numbers_only() {
        let out = Redactor::new(Profile::California, &people()).text(TEXT);
        assert!(
            out.contains("XXX-XX-6789") && out.contains("Sofia Ellison"),
            "{out}"
        );
    }

    #[test]
    fn names_are_found_between_underscores_and_side_by_side() {
        let r = Redactor::new(Profile::FederalCivil, &people());
        assert_eq!(r.text("Sofia_voicemail.wav"), "S._voicemail.wav");
        assert_eq!(r.text("Sofia Ellison/Sofia Ellison"), "S.E./S.E.");
        assert_eq!(
            r.text("Sofiane came"),
            "Sofiane came",
            "not inside other words"
        );
    }

    #[test]
    fn invisible_characters_do_not_hide_a_number() {
        let out = Redactor::new(Profile::NewYork, &people()).text("SSN 123-45-\u{200B}6789");
        assert_eq!(out, "SSN XXX-XX-6789");
    }

    #[test]
    fn identifiers_and_times_in_records_are_left_alone() {
        let redactor = Redactor::new(Profile::FederalCivil, &people());
        let mut value = serde_json::json!({
            "id": "12345678901234",
            "sha256": "0123456789012345678901234567890123456789012345678901234567890123",
            "recorded_at": "2026-05-02T10:00:00Z",
            "description": "card 4111 1111 1111 1111",
        });
        redactor.value(&mut value);
        assert_eq!(value["id"], "12345678901234");
        assert_eq!(value["recorded_at"], "2026-05-02T10:00:00Z");
        assert_eq!(value["description"], "card XXXX XXXX XXXX 1111");
        assert!(value["sha256"].as_str().is_some_and(|s| !s.contains('X')));
    }
}
