//! Turning "what the clock said" into an instant, honestly.
//!
//! A wall-clock time in a zone can name no instant (spring-forward gap) or two (fall-back
//! overlap). Guessing would put a wrong time into a sworn record, so both are refused with a
//! message that names the real choices and how to pick one (write the offset).

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::model::ResolvedTime;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("\"{0}\" is not a time zone name Daybook knows. Use a name like America/Chicago or Europe/Madrid.")]
    UnknownZone(String),
    #[error("\"{0}\" is not a date and time. Write it as YYYY-MM-DDTHH:MM, for example 2026-03-04T21:15.")]
    Unreadable(String),
    #[error(
        "{} happened twice in {} because the clocks went back. Which one was it: {} (write \"{}\") or {} (write \"{}\")?",
        .0.local, .0.zone, .0.first, .0.first_input, .0.second, .0.second_input
    )]
    Ambiguous(Box<TimeChoices>),
    #[error("{local} did not exist in {zone}: the clocks jumped forward an hour. Did you mean {before} or {after}?")]
    Skipped {
        local: String,
        zone: String,
        before: String,
        after: String,
    },
    #[error("The offset in \"{input}\" ({offset}) was not in force in {zone} at that time; it was {actual}.")]
    WrongOffset {
        input: String,
        offset: String,
        zone: String,
        actual: String,
    },
    #[error("The end time ({end}) is before the start time ({start}).")]
    EndBeforeStart { start: String, end: String },
    #[error("{0} is in the future. Record incidents once they have happened.")]
    InFuture(String),
}

/// The two readings of a wall-clock time that happened twice, for a UI to offer as choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeChoices {
    pub local: String,
    pub zone: String,
    /// "01:30 EDT (UTC-04:00)"
    pub first: String,
    /// The input that picks it: "2026-11-01T01:30-04:00"
    pub first_input: String,
    pub second: String,
    pub second_input: String,
}

pub fn parse_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| TimeError::UnknownZone(name.to_string()))
}

/// Resolves `input` (local time, optionally with an explicit offset) in `zone`.
pub fn resolve(input: &str, zone_name: &str) -> Result<ResolvedTime, TimeError> {
    let zone = parse_zone(zone_name)?;
    let trimmed = input.trim();
    if let Some((naive, offset)) = split_offset(trimmed) {
        return resolve_with_offset(trimmed, naive, offset, zone);
    }
    let naive = parse_naive(trimmed)?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Ok(describe(dt)),
        LocalResult::Ambiguous(first, second) => Err(TimeError::Ambiguous(Box::new(TimeChoices {
            local: clock(&naive),
            zone: zone.name().to_string(),
            first: with_abbreviation(&first),
            first_input: input_form(&first),
            second: with_abbreviation(&second),
            second_input: input_form(&second),
        }))),
        LocalResult::None => {
            // Read the skipped clock time with the offset in force just before the jump and
            // just after it: the two instants it could mean (e.g. 01:30 CET or 03:30 CEST).
            let offset_near = |hours: i64| {
                zone.from_local_datetime(&(naive + chrono::Duration::hours(hours)))
                    .earliest()
                    .map(|d| d.offset().fix())
            };
            let reading = |offset: Option<FixedOffset>| {
                offset
                    .and_then(|o| o.from_local_datetime(&naive).single())
                    .map(|d| d.with_timezone(&zone))
            };
            let mut readings: Vec<DateTime<Tz>> =
                [reading(offset_near(3)), reading(offset_near(-3))]
                    .into_iter()
                    .flatten()
                    .collect();
            readings.sort();
            readings.dedup();
            let choice = |d: &DateTime<Tz>| {
                format!(
                    "{} (write \"{}\")",
                    with_abbreviation(d),
                    d.format("%Y-%m-%dT%H:%M")
                )
            };
            let (before, after) = match readings.as_slice() {
                [a, b, ..] => (choice(a), choice(b)),
                [a] => (choice(a), "the hour after".into()),
                [] => ("the hour before".into(), "the hour after".into()),
            };
            Err(TimeError::Skipped {
                local: clock(&naive),
                zone: zone.name().to_string(),
                before,
                after,
            })
        }
    }
}

/// Rejects an instant later than now (with a minute of grace for clock skew between devices).
pub fn ensure_not_future(time: &ResolvedTime) -> Result<(), TimeError> {
    let instant = DateTime::parse_from_rfc3339(&time.utc)
        .map_err(|_| TimeError::Unreadable(time.utc.clone()))?;
    if instant.with_timezone(&Utc) > Utc::now() + chrono::Duration::minutes(1) {
        return Err(TimeError::InFuture(format!(
            "{} {}",
            pretty_local(&time.local),
            time.abbreviation
        )));
    }
    Ok(())
}

pub fn ensure_ordered(start: &ResolvedTime, end: &ResolvedTime) -> Result<(), TimeError> {
    if end.utc < start.utc {
        return Err(TimeError::EndBeforeStart {
            start: format!("{} {}", pretty_local(&start.local), start.abbreviation),
            end: format!("{} {}", pretty_local(&end.local), end.abbreviation),
        });
    }
    Ok(())
}

/// The current UTC time as stored everywhere in the journal (RFC 3339, second precision).
pub fn now_utc() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn resolve_with_offset(
    input: &str,
    naive: NaiveDateTime,
    offset: FixedOffset,
    zone: Tz,
) -> Result<ResolvedTime, TimeError> {
    let fixed = offset
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| TimeError::Unreadable(input.to_string()))?;
    let in_zone = fixed.with_timezone(&zone);
    if in_zone.offset().fix() != offset {
        let actual = match zone.from_local_datetime(&naive) {
            LocalResult::Single(d) => with_abbreviation(&d),
            LocalResult::Ambiguous(a, b) => {
                format!("{} or {}", with_abbreviation(&a), with_abbreviation(&b))
            }
            LocalResult::None => "a time the clocks skipped".into(),
        };
        return Err(TimeError::WrongOffset {
            input: input.to_string(),
            offset: offset.to_string(),
            zone: zone.name().to_string(),
            actual,
        });
    }
    Ok(describe(in_zone))
}

fn split_offset(input: &str) -> Option<(NaiveDateTime, FixedOffset)> {
    let parsed = DateTime::parse_from_rfc3339(input)
        .ok()
        .or_else(|| DateTime::parse_from_str(input, "%Y-%m-%dT%H:%M%:z").ok())
        .or_else(|| DateTime::parse_from_str(input, "%Y-%m-%d %H:%M%:z").ok())?;
    Some((parsed.naive_local(), *parsed.offset()))
}

fn parse_naive(input: &str) -> Result<NaiveDateTime, TimeError> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(input, f).ok())
        .ok_or_else(|| TimeError::Unreadable(input.to_string()))
}

fn describe(dt: DateTime<Tz>) -> ResolvedTime {
    ResolvedTime {
        local: dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
        timezone: dt.timezone().name().to_string(),
        utc_offset: dt.offset().fix().to_string(),
        abbreviation: dt.format("%Z").to_string(),
        utc: dt
            .with_timezone(&Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

fn clock(naive: &NaiveDateTime) -> String {
    naive.format("%Y-%m-%d %H:%M").to_string()
}

fn with_abbreviation(dt: &DateTime<Tz>) -> String {
    dt.format("%H:%M %Z (UTC%:z)").to_string()
}

fn input_form(dt: &DateTime<Tz>) -> String {
    dt.format("%Y-%m-%dT%H:%M%:z").to_string()
}

fn pretty_local(local: &str) -> String {
    local.replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_time_resolves_to_utc() {
        let t = resolve("2026-03-04T21:15", "America/Los_Angeles").unwrap();
        assert_eq!(t.utc, "2026-03-05T05:15:00Z");
        assert_eq!(t.utc_offset, "-08:00");
        assert_eq!(t.abbreviation, "PST");
    }

    #[test]
    fn fall_back_overlap_offers_both_readings() {
        let err = resolve("2026-11-01T01:30", "America/New_York").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("01:30 EDT"), "{text}");
        assert!(text.contains("01:30 EST"), "{text}");
        assert!(text.contains("2026-11-01T01:30-04:00"), "{text}");
        let picked = resolve("2026-11-01T01:30-05:00", "America/New_York").unwrap();
        assert_eq!(picked.utc, "2026-11-01T06:30:00Z");
        assert_eq!(picked.abbreviation, "EST");
    }

    #[test]
    fn spring_forward_gap_is_refused_with_neighbours() {
        let err = resolve("2026-03-08T02:30", "America/New_York").unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, TimeError::Skipped { .. }), "{text}");
        assert!(text.contains("01:30 EST"), "{text}");
        assert!(text.contains("03:30 EDT"), "{text}");
    }

    #[test]
    fn spring_forward_east_of_utc_offers_two_different_times() {
        for (input, zone, earlier, later) in [
            (
                "2026-03-29T02:30",
                "Europe/Madrid",
                "01:30 CET",
                "03:30 CEST",
            ),
            (
                "2026-03-29T02:30",
                "Europe/Berlin",
                "01:30 CET",
                "03:30 CEST",
            ),
            (
                "2026-10-04T02:30",
                "Australia/Sydney",
                "01:30 AEST",
                "03:30 AEDT",
            ),
            (
                "2026-03-29T01:30",
                "Europe/London",
                "00:30 GMT",
                "02:30 BST",
            ),
        ] {
            let text = resolve(input, zone).unwrap_err().to_string();
            assert!(
                text.contains(earlier) && text.contains(later),
                "{zone}: {text}"
            );
            assert!(text.contains("(write \""), "{zone}: {text}");
        }
    }

    #[test]
    fn offset_not_in_force_is_refused() {
        let err = resolve("2026-07-01T12:00-05:00", "America/New_York").unwrap_err();
        assert!(matches!(err, TimeError::WrongOffset { .. }), "{err}");
    }

    #[test]
    fn unknown_zone_and_garbage_are_refused() {
        assert!(matches!(
            resolve("2026-01-01T10:00", "Mars/Olympus"),
            Err(TimeError::UnknownZone(_))
        ));
        assert!(matches!(
            resolve("2026-02-30T10:00", "UTC"),
            Err(TimeError::Unreadable(_))
        ));
        assert!(matches!(
            resolve("yesterday", "UTC"),
            Err(TimeError::Unreadable(_))
        ));
    }
}
