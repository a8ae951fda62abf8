//! JSON input: incident, order and person JSON as a user (or a script) types it, and the
//! local-time resolution an incident's times go through. Errors are fine; panics are not.
#![no_main]

use daybook::journal::time;
use daybook::model::{IncidentInput, OrderInput, PersonInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<IncidentInput>(data) {
        if let Ok(start) = time::resolve(&input.occurred_at, &input.timezone) {
            let _ = time::ensure_not_future(&start);
            if let Some(end) = &input.ended_at {
                if let Ok(end) = time::resolve(end, &input.timezone) {
                    let _ = time::ensure_ordered(&start, &end);
                }
            }
        }
    }
    let _ = serde_json::from_slice::<OrderInput>(data);
    let _ = serde_json::from_slice::<PersonInput>(data);
    let _ = serde_json::from_slice::<serde_json::Value>(data);
    // The same text as a time and a zone name, as the form fields pass them.
    if let Ok(text) = std::str::from_utf8(data) {
        let (when, zone) = text.split_once('|').unwrap_or((text, "America/Chicago"));
        let _ = time::resolve(when, zone);
        let _ = time::parse_zone(zone);
    }
});
