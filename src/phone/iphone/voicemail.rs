//! Voicemails from `HomeDomain`/`Library/Voicemail/voicemail.db`: table `voicemail`, whose
//! `date` is seconds since 1970 UTC (unlike the other databases), `sender` and `callback_num`
//! the caller's number, `duration` seconds, `trashed_date` set once it was deleted (it stays
//! in the phone's "Deleted Messages" until cleared). Each recording is
//! `Library/Voicemail/<ROWID>.amr` in the same domain.

use std::ops::ControlFlow;

use rusqlite::Row;

use super::{
    column_or_null, required_table, value_address, value_i64, IphoneBackup, IphoneError,
    IphoneRecord, Summary, VOICEMAIL_DB,
};
use crate::phone::{Clock, Mark, Part, PartStore, PhoneRecord, RecordKind, Service, Status};

pub(super) fn read(
    backup: &IphoneBackup,
    parts: &mut dyn PartStore,
    each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
) -> Result<Summary, IphoneError> {
    let mut summary = Summary::default();
    let Some((_, conn)) = backup.database(VOICEMAIL_DB, &mut summary)? else {
        return Ok(summary);
    };
    let db = |source| IphoneError::Database {
        what: VOICEMAIL_DB.what,
        source,
    };
    let columns = required_table(&conn, VOICEMAIL_DB, "voicemail", &["date"])?;
    let col = |c: &str| column_or_null(&columns, "v", c);
    let sql = format!(
        "SELECT v.ROWID, {}, v.\"date\", {}, {}, {}, {} FROM voicemail v ORDER BY v.ROWID",
        col("remote_uid"),
        col("sender"),
        col("callback_num"),
        col("duration"),
        col("trashed_date"),
    );
    let mut stmt = conn.prepare(&sql).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                summary.stopped = Some(format!("the voicemail list is damaged ({e})"));
                break;
            }
        };
        let voicemail = match voicemail(row) {
            Ok(Ok(v)) => v,
            Ok(Err(why)) => {
                summary.unreadable(why);
                continue;
            }
            Err(e) => {
                summary.stopped = Some(format!("the voicemail list is damaged ({e})"));
                break;
            }
        };
        let mut record = voicemail;
        let name = format!("{}.amr", record.position);
        let (data, file) = backup.store_file(
            VOICEMAIL_DB.domain,
            &format!("Library/Voicemail/{name}"),
            parts,
        )?;
        if let Some(Err(why)) = &data {
            summary.incomplete(vec![format!(
                "voicemail {}: its recording cannot be read: {why}",
                record.position
            )]);
        }
        record.parts.push(Part {
            mime: "audio/amr".into(),
            name: Some(name),
            data,
            data_range: None,
            declared_size: None,
        });
        let record = IphoneRecord {
            record,
            files: vec![file],
        };
        if !summary.deliver(record, each) {
            break;
        }
    }
    Ok(summary)
}

/// One voicemail, without its recording; the inner error says why a row cannot be read.
fn voicemail(row: &Row<'_>) -> rusqlite::Result<Result<PhoneRecord, String>> {
    let rowid = value_i64(row.get_ref(0)?);
    let Some(position) = rowid.and_then(|r| u64::try_from(r).ok()).filter(|p| *p > 0) else {
        return Ok(Err(format!("a voicemail with the row number {rowid:?}")));
    };
    let label = format!("voicemail {position}");
    let date = row.get_ref(2)?;
    let at_ms = match value_i64(date) {
        None if matches!(date, rusqlite::types::ValueRef::Null) => {
            return Ok(Err(format!("{label}: it has no date")))
        }
        None => return Ok(Err(format!("{label}: its date is not a number"))),
        Some(s) if s > 0 && s < 100_000_000_000 => s * 1000,
        Some(s) => return Ok(Err(format!("{label}: its date ({s}) is not a time"))),
    };
    let address = value_address(row.get_ref(3)?).or(value_address(row.get_ref(4)?));
    let duration_s = value_i64(row.get_ref(5)?).filter(|d| *d >= 0);
    let mut marks = Vec::new();
    if value_i64(row.get_ref(6)?).is_some_and(|t| t > 0) {
        marks.push(Mark::RecentlyDeleted);
    }
    Ok(Ok(PhoneRecord {
        position,
        line: 0,
        start: 0,
        end: 0,
        locator: value_address(row.get_ref(1)?),
        kind: RecordKind::Call,
        service: Some(Service::Cellular),
        marks,
        at_ms,
        clock: Clock::Recorded,
        status: Status::Voicemail,
        hidden: address.is_none(),
        address,
        contact_name: None,
        body: None,
        subject: None,
        duration_s,
        participants: Vec::new(),
        parts: Vec::new(),
    }))
}
