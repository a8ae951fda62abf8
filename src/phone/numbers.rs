//! Phone numbers as phones write them and as a court compares them.
//!
//! One backup writes `(509) 555-0123`, the next `+15095550123`, an MMS `5095550123`; to match a
//! message to the restrained person's numbers, and a message to itself across backups, every
//! number is brought to E.164 (ITU-T E.164 as libphonenumber's metadata, through the
//! `phonenumber` crate, knows it), reading a number without a country code as one of the
//! order's country. What cannot be a phone number (a short code, a sender name such as
//! "AMAZON") is kept as written, without spaces; an absent or withheld number is `None`.

use std::collections::HashMap;

use phonenumber::country::Id;
use phonenumber::Mode;

/// Values Android writes where a number is withheld or unknown: `-1` unknown, `-2` private,
/// `-3` payphone (CallLog.Calls.PRESENTATION_*), and SMS Backup & Restore's `null`.
const NO_NUMBER: [&str; 6] = ["", "null", "-1", "-2", "-3", "insert-address-token"];

/// The US states, DC and territories, by postal code and name: an order from one of them makes
/// the US the country of numbers written without a country code.
const US_STATES: [(&str, &str); 56] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("PR", "Puerto Rico"),
    ("GU", "Guam"),
    ("VI", "U.S. Virgin Islands"),
    ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
];

/// The country whose numbers need no country code, from an order's state (`WA`,
/// `Washington`); `None` when the state is not one we know.
pub fn region_for_state(state: &str) -> Option<Id> {
    let state = state.trim();
    US_STATES
        .iter()
        .any(|(code, name)| code.eq_ignore_ascii_case(state) || name.eq_ignore_ascii_case(state))
        .then_some(Id::US)
}

/// Normalises numbers, remembering each one: a backup repeats the same few numbers thousands
/// of times, and parsing one costs microseconds.
pub struct Numbers {
    region: Option<Id>,
    seen: HashMap<String, Option<String>>,
}

impl Numbers {
    pub fn new(region: Option<Id>) -> Self {
        Self {
            region,
            seen: HashMap::new(),
        }
    }

    /// The number in E.164, or as written without spaces when it is not a phone number;
    /// `None` when there is no number (withheld, unknown, `null`).
    pub fn normalise(&mut self, raw: &str) -> Option<String> {
        if let Some(known) = self.seen.get(raw) {
            return known.clone();
        }
        let normal = normalise(raw, self.region);
        self.seen.insert(raw.to_string(), normal.clone());
        normal
    }
}

pub fn normalise(raw: &str, region: Option<Id>) -> Option<String> {
    let trimmed = raw.trim();
    if NO_NUMBER.iter().any(|n| n.eq_ignore_ascii_case(trimmed)) {
        return None;
    }
    // An email address (an iMessage handle) is its own kind of address: kept whole.
    if trimmed.contains('@') && !trimmed.contains(char::is_whitespace) {
        return Some(trimmed.to_lowercase());
    }
    let compact: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.'))
        .collect();
    let digits = compact.chars().filter(char::is_ascii_digit).count();
    let dialable = compact
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    // A short code (five or six digits) or a sender name is not a phone number anywhere.
    if !dialable || digits < 7 {
        return Some(compact);
    }
    // A number written with its country code is read as such, whatever the order's country.
    let region = if compact.starts_with('+') {
        None
    } else {
        region
    };
    match phonenumber::parse(region, &compact) {
        Ok(number) if phonenumber::is_viable(&compact) => {
            Some(number.format().mode(Mode::E164).to_string())
        }
        _ => Some(compact),
    }
}

/// How a normalised number is printed: `+1 509-555-0123`, or as stored when it is not one.
pub fn display(number: &str) -> String {
    if !number.starts_with('+') {
        return number.to_string();
    }
    match phonenumber::parse(None, number) {
        Ok(parsed) => parsed.format().mode(Mode::International).to_string(),
        Err(_) => number.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_kept_whole() {
        assert_eq!(
            normalise(" Friend@Example.com ", None).as_deref(),
            Some("friend@example.com")
        );
    }

    #[test]
    fn the_same_number_written_four_ways_is_one_number() {
        let us = region_for_state("wa");
        for raw in [
            "(509) 555-0123",
            "509-555-0123",
            "+1 509 555 0123",
            "15095550123",
        ] {
            assert_eq!(normalise(raw, us).as_deref(), Some("+15095550123"), "{raw}");
        }
        assert_eq!(display("+15095550123"), "+1 509-555-0123");
    }

    #[test]
    fn withheld_short_and_named_senders_are_kept_apart() {
        for hidden in ["", " null ", "-2", "insert-address-token"] {
            assert_eq!(normalise(hidden, Some(Id::US)), None, "{hidden}");
        }
        assert_eq!(normalise("22000", Some(Id::US)).as_deref(), Some("22000"));
        assert_eq!(normalise("AMAZON", Some(Id::US)).as_deref(), Some("AMAZON"));
        // A foreign number keeps its own country; without a region a national number stays digits.
        assert_eq!(
            normalise("+33 1 42 68 53 00", Some(Id::US)).as_deref(),
            Some("+33142685300")
        );
        assert_eq!(normalise("5095550123", None).as_deref(), Some("5095550123"));
        assert_eq!(region_for_state("Ontario"), None);
        assert_eq!(region_for_state("New York"), Some(Id::US));
    }
}
