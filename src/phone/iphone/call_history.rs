//! Calls from `HomeDomain`/`Library/CallHistoryDB/CallHistory.storedata`, a Core Data store
//! (SQLite): one `ZCALLRECORD` row per call. `ZDATE` is seconds (a real number) after
//! 2001-01-01 UTC, `ZDURATION` seconds, `ZORIGINATED` 1 for a call the phone made,
//! `ZANSWERED` 1 for an answered call, `ZCALLTYPE` 1 phone / 8 FaceTime video / 16 FaceTime
//! audio, `ZADDRESS` the number (text or bytes; empty when it was withheld), `ZNAME` the name
//! the phone showed, `ZSERVICE_PROVIDER` the app (`com.apple.Telephony`, `com.apple.FaceTime`,
//! or another app's id for its calls, such as WhatsApp's).

use std::ops::ControlFlow;

use rusqlite::Row;

use super::{
    column_or_null, required_table, value_address, value_f64, value_i64, IphoneBackup, IphoneError,
    IphoneRecord, Summary, APPLE_EPOCH_S, CALL_HISTORY,
};
use crate::phone::{Clock, PhoneRecord, RecordKind, Service, Status};

pub(super) fn read(
    backup: &IphoneBackup,
    each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
) -> Result<Summary, IphoneError> {
    let mut summary = Summary::default();
    let Some((_, conn)) = backup.database(CALL_HISTORY, &mut summary)? else {
        return Ok(summary);
    };
    let db = |source| IphoneError::Database {
        what: CALL_HISTORY.what,
        source,
    };
    let columns = required_table(&conn, CALL_HISTORY, "ZCALLRECORD", &["Z_PK", "ZDATE"])?;
    let col = |c: &str| column_or_null(&columns, "c", c);
    let sql = format!(
        "SELECT c.Z_PK, {}, c.ZDATE, {}, {}, {}, {}, {}, {}, {} FROM ZCALLRECORD c ORDER BY c.Z_PK",
        col("ZUNIQUE_ID"),
        col("ZDURATION"),
        col("ZANSWERED"),
        col("ZORIGINATED"),
        col("ZCALLTYPE"),
        col("ZADDRESS"),
        col("ZNAME"),
        col("ZSERVICE_PROVIDER"),
    );
    let mut stmt = conn.prepare(&sql).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                summary.stopped = Some(format!("the call history is damaged ({e})"));
                break;
            }
        };
        match call(row) {
            Ok(Ok(record)) => {
                let record = IphoneRecord {
                    record,
                    files: Vec::new(),
                };
                if !summary.deliver(record, each) {
                    break;
                }
            }
            Ok(Err(why)) => summary.unreadable(why),
            Err(e) => {
                summary.stopped = Some(format!("the call history is damaged ({e})"));
                break;
            }
        }
    }
    Ok(summary)
}

/// One call; the inner error says why a row cannot be read.
fn call(row: &Row<'_>) -> rusqlite::Result<Result<PhoneRecord, String>> {
    let pk = value_i64(row.get_ref(0)?);
    let Some(position) = pk.and_then(|pk| u64::try_from(pk).ok()) else {
        return Ok(Err(format!("a call with the row number {pk:?}")));
    };
    let label = format!("call {position}");
    let date = row.get_ref(2)?;
    let at_ms = match value_f64(date) {
        None if matches!(date, rusqlite::types::ValueRef::Null) => {
            return Ok(Err(format!("{label}: it has no date")))
        }
        None => return Ok(Err(format!("{label}: its date is not a number"))),
        // Up to about the year 5000 either side of 2001.
        Some(s) if s.abs() < 1e11 => (s * 1000.0).round() as i64 + APPLE_EPOCH_S * 1000,
        Some(s) => return Ok(Err(format!("{label}: its date ({s:e}) is not a time"))),
    };
    let duration_s = value_f64(row.get_ref(3)?)
        .filter(|d| (0.0..1e12).contains(d))
        .map(|d| d.round() as i64);
    let answered = value_i64(row.get_ref(4)?) == Some(1);
    let originated = value_i64(row.get_ref(5)?) == Some(1);
    let call_type = value_i64(row.get_ref(6)?);
    let address = value_address(row.get_ref(7)?);
    let provider = value_address(row.get_ref(9)?);
    let service = match (provider.as_deref(), call_type) {
        (Some(p), _) if p.to_ascii_lowercase().contains("whatsapp") => Some(Service::WhatsApp),
        (Some(p), _) if !p.starts_with("com.apple.") => None,
        (_, Some(1)) => Some(Service::Cellular),
        (_, Some(8)) => Some(Service::FaceTimeVideo),
        (_, Some(16)) => Some(Service::FaceTimeAudio),
        _ => None,
    };
    let status = if originated {
        Status::Outgoing
    } else if answered {
        Status::Incoming
    } else {
        Status::Missed
    };
    Ok(Ok(PhoneRecord {
        position,
        line: 0,
        start: 0,
        end: 0,
        locator: value_address(row.get_ref(1)?),
        kind: RecordKind::Call,
        service,
        marks: Vec::new(),
        at_ms,
        clock: Clock::Recorded,
        status,
        hidden: address.is_none(),
        address,
        contact_name: value_address(row.get_ref(8)?),
        body: None,
        subject: None,
        duration_s,
        participants: Vec::new(),
        parts: Vec::new(),
    }))
}
