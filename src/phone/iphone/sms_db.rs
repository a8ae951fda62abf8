//! Texts, iMessages and RCS messages from `HomeDomain`/`Library/SMS/sms.db`.
//!
//! Tables read: `message` (one row per message; `date` is seconds after 2001-01-01 UTC, or
//! nanoseconds since iOS 11), `handle` (the other party's number or address), `chat` and
//! `chat_handle_join` (who is in each conversation), `chat_message_join` (which conversation a
//! message is in), `chat_recoverable_message_join` (iOS 16's "Recently Deleted"),
//! `message_attachment_join` and `attachment` (pictures and other files, kept in
//! `MediaDomain`). Only `message` with its `date` column is required: older iOS versions lack
//! the newer tables and columns, and those are read as absent.
//!
//! Messages are read in row order with their conversation joined in; their attachments come
//! from a second query in the same order, merged as both are read, so nothing is held per
//! message. Conversations (and their members) are held, one entry per conversation.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use rusqlite::{Connection, Row, Rows};

use super::typedstream::{attributed_string_text, TypedStreamError};
use super::{
    column_or_null, required_table, table_columns, value_address, value_i64, value_text,
    IphoneBackup, IphoneError, IphoneRecord, SourceFile, Summary, APPLE_EPOCH_S, SMS_DB,
};
use crate::phone::{
    Clock, Mark, Part, PartStore, PhoneRecord, RawParticipant, RecordKind, Role, Service, Status,
};

/// `date` values above this are nanoseconds (iOS 11 and later); below, seconds.
const NANOSECONDS_ABOVE: i64 = 1_000_000_000_000;
/// `chat.style` of a group conversation (45 is one other person).
const GROUP_STYLE: i64 = 43;
/// The most parts one message keeps; more are counted as a problem.
const MAX_PARTS: usize = 100;
/// What the text holds where each attachment goes.
const OBJECT_REPLACEMENT: char = '\u{FFFC}';

struct Chat {
    identifier: Option<String>,
    group: bool,
    /// The other members' handles, in the database's order.
    members: Vec<String>,
}

pub(super) fn read(
    backup: &IphoneBackup,
    parts: &mut dyn PartStore,
    each: &mut dyn FnMut(IphoneRecord) -> ControlFlow<()>,
) -> Result<Summary, IphoneError> {
    let mut summary = Summary::default();
    let Some((_, conn)) = backup.database(SMS_DB, &mut summary)? else {
        return Ok(summary);
    };
    let db = |source| IphoneError::Database {
        what: SMS_DB.what,
        source,
    };
    let columns = required_table(&conn, SMS_DB, "message", &["date"])?;
    let chats = chats(&conn).map_err(db)?;
    let (sql, knows_handles) = message_query(&conn, &columns).map_err(db)?;
    if !knows_handles {
        summary.note(
            "the message database has no list of numbers (its handle table), so who sent or \
             received each message is not known"
                .into(),
        );
    }
    let attachment_sql = attachment_query(&conn).map_err(db)?;
    let mut attachment_stmt = match &attachment_sql {
        Some(sql) => Some(conn.prepare(sql).map_err(db)?),
        None => None,
    };
    let mut attachments = match attachment_stmt.as_mut() {
        Some(stmt) => Some(Attachments {
            rows: stmt.query([]).map_err(db)?,
            pending: None,
            finished: false,
        }),
        None => None,
    };
    let mut stmt = conn.prepare(&sql).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut last = None;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                summary.stopped = Some(match last {
                    Some(last) => {
                        format!("the message database is damaged after message {last} ({e})")
                    }
                    None => format!("the message database is damaged ({e})"),
                });
                break;
            }
        };
        let message = match MessageRow::read(row) {
            Ok(m) => m,
            Err(e) => {
                summary.stopped = Some(format!("the message database is damaged ({e})"));
                break;
            }
        };
        last = Some(message.rowid);
        let mut listed = Vec::new();
        let mut dropped = 0;
        if let Some(cursor) = attachments.as_mut() {
            match cursor.take_for(message.rowid) {
                Ok((found, more)) => {
                    listed = found;
                    dropped = more;
                }
                Err(e) => {
                    summary.note(format!(
                        "the message database's list of pictures is damaged from message {} \
                         on ({e}); later messages are read without their pictures",
                        message.rowid
                    ));
                    attachments = None;
                }
            }
        }
        let record = match message_record(backup, message, &chats, listed, dropped, parts)? {
            Outcome::Record(record, notes) => {
                summary.incomplete(notes);
                record
            }
            Outcome::Skipped => {
                summary.skipped += 1;
                continue;
            }
            Outcome::Unreadable(why) => {
                summary.unreadable(why);
                continue;
            }
        };
        if !summary.deliver(*record, each) {
            break;
        }
    }
    Ok(summary)
}

/// The message query for the columns and tables this database has; and whether it can name
/// each message's other party (it has a handle table).
fn message_query(conn: &Connection, m: &HashSet<String>) -> rusqlite::Result<(String, bool)> {
    let col = |c: &str| column_or_null(m, "m", c);
    let handle = table_columns(conn, "handle")?.filter(|h| h.contains("id"));
    let sender = if handle.is_some() && m.contains("handle_id") {
        "(SELECT h.id FROM handle h WHERE h.ROWID = m.handle_id)"
    } else {
        "NULL"
    };
    let joins_on_message = |c: &Option<HashSet<String>>| {
        c.as_ref()
            .is_some_and(|c| c.contains("chat_id") && c.contains("message_id"))
    };
    let in_chat = joins_on_message(&table_columns(conn, "chat_message_join")?);
    let deleted = joins_on_message(&table_columns(conn, "chat_recoverable_message_join")?);
    let mut joins = String::new();
    if in_chat {
        joins.push_str(" LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID");
    }
    if deleted {
        joins.push_str(" LEFT JOIN chat_recoverable_message_join r ON r.message_id = m.ROWID");
    }
    // A message in Recently Deleted has left its conversation's chat_message_join.
    let chat = match (in_chat, deleted) {
        (true, true) => "COALESCE(MIN(cmj.chat_id), MIN(r.chat_id))",
        (true, false) => "MIN(cmj.chat_id)",
        (false, true) => "MIN(r.chat_id)",
        (false, false) => "NULL",
    };
    let is_deleted = if deleted {
        "MAX(r.message_id IS NOT NULL)"
    } else {
        "0"
    };
    let group = if joins.is_empty() {
        ""
    } else {
        " GROUP BY m.ROWID"
    };
    let sql = format!(
        "SELECT m.ROWID, {guid}, {text}, {body}, {sender}, {service}, m.\"date\", {edited}, \
         {retracted}, {from_me}, {associated}, {item_type}, {has_attachments}, {subject}, \
         {chat}, {is_deleted}, {error} FROM message m{joins}{group} ORDER BY m.ROWID",
        guid = col("guid"),
        text = col("text"),
        body = col("attributedBody"),
        service = col("service"),
        edited = col("date_edited"),
        retracted = col("date_retracted"),
        from_me = col("is_from_me"),
        associated = col("associated_message_type"),
        item_type = col("item_type"),
        has_attachments = col("cache_has_attachments"),
        subject = col("subject"),
        error = col("error"),
    );
    Ok((sql, handle.is_some()))
}

/// Attachments of every message, in message order; `None` when the database has no
/// attachment tables.
fn attachment_query(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let (Some(join), Some(a)) = (
        table_columns(conn, "message_attachment_join")?,
        table_columns(conn, "attachment")?,
    ) else {
        return Ok(None);
    };
    if !(join.contains("message_id") && join.contains("attachment_id")) {
        return Ok(None);
    }
    let col = |c: &str| column_or_null(&a, "a", c);
    Ok(Some(format!(
        "SELECT j.message_id, a.ROWID, {}, {}, {}, {} FROM message_attachment_join j \
         JOIN attachment a ON a.ROWID = j.attachment_id ORDER BY j.message_id, a.ROWID",
        col("filename"),
        col("mime_type"),
        col("transfer_name"),
        col("total_bytes"),
    )))
}

/// Every conversation, with its members.
fn chats(conn: &Connection) -> rusqlite::Result<HashMap<i64, Chat>> {
    let mut out: HashMap<i64, Chat> = HashMap::new();
    if let Some(c) = table_columns(conn, "chat")? {
        let sql = format!(
            "SELECT c.ROWID, {}, {} FROM chat c",
            column_or_null(&c, "c", "chat_identifier"),
            column_or_null(&c, "c", "style"),
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let Some(id) = value_i64(row.get_ref(0)?) else {
                continue;
            };
            out.insert(
                id,
                Chat {
                    identifier: value_address(row.get_ref(1)?),
                    group: value_i64(row.get_ref(2)?) == Some(GROUP_STYLE),
                    members: Vec::new(),
                },
            );
        }
    }
    let join = table_columns(conn, "chat_handle_join")?;
    let handle = table_columns(conn, "handle")?;
    let usable = join.is_some_and(|j| j.contains("chat_id") && j.contains("handle_id"))
        && handle.is_some_and(|h| h.contains("id"));
    if usable {
        let mut stmt = conn.prepare(
            "SELECT j.chat_id, h.id FROM chat_handle_join j JOIN handle h ON h.ROWID = \
             j.handle_id ORDER BY j.chat_id, h.ROWID",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (Some(chat), Some(member)) =
                (value_i64(row.get_ref(0)?), value_address(row.get_ref(1)?))
            else {
                continue;
            };
            let chat = out.entry(chat).or_insert(Chat {
                identifier: None,
                group: false,
                members: Vec::new(),
            });
            if !chat.members.contains(&member) {
                chat.members.push(member);
            }
        }
    }
    Ok(out)
}

/// One row of the message query.
struct MessageRow {
    rowid: i64,
    guid: Option<String>,
    text: Option<String>,
    /// The text column held bytes that are not UTF-8.
    text_lossy: bool,
    /// `attributedBody`, decoded; `None` when there is none.
    decoded: Option<Result<String, TypedStreamError>>,
    sender: Option<String>,
    service: Option<String>,
    /// `date`: `Err(())` when it holds something that is not a number.
    date: Result<Option<i64>, ()>,
    edited: bool,
    retracted: bool,
    from_me: bool,
    associated_type: i64,
    item_type: i64,
    subject: Option<String>,
    chat: Option<i64>,
    recently_deleted: bool,
    /// `error`: the phone could not send it (a red "Not Delivered").
    failed: bool,
}

impl MessageRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        let int = |i: usize| row.get_ref(i).map(value_i64);
        let (text, text_lossy) = value_text(row.get_ref(2)?);
        let decoded = match row.get_ref(3)? {
            rusqlite::types::ValueRef::Blob(b) if !b.is_empty() => Some(attributed_string_text(b)),
            _ => None,
        };
        Ok(MessageRow {
            rowid: int(0)?.unwrap_or(0),
            guid: value_address(row.get_ref(1)?),
            text,
            text_lossy,
            decoded,
            sender: value_address(row.get_ref(4)?),
            service: value_address(row.get_ref(5)?),
            date: match row.get_ref(6)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                value => value_i64(value).map(Some).ok_or(()),
            },
            edited: int(7)?.is_some_and(|d| d > 0),
            retracted: int(8)?.is_some_and(|d| d > 0),
            from_me: int(9)? == Some(1),
            associated_type: int(10)?.unwrap_or(0),
            item_type: int(11)?.unwrap_or(0),
            subject: value_text(row.get_ref(13)?).0,
            chat: int(14)?,
            recently_deleted: int(15)?.is_some_and(|d| d != 0),
            failed: int(16)?.is_some_and(|e| e != 0),
        })
    }
}

struct Attachment {
    filename: Option<String>,
    mime: Option<String>,
    transfer_name: Option<String>,
    total_bytes: Option<i64>,
}

/// The attachment rows, read alongside the messages (both in message order).
struct Attachments<'s> {
    rows: Rows<'s>,
    pending: Option<(i64, Attachment)>,
    finished: bool,
}

impl Attachments<'_> {
    /// The attachments of `message` (up to [`MAX_PARTS`]) and how many more it has. Rows of
    /// earlier messages (skipped, or not there) are passed over.
    fn take_for(&mut self, message: i64) -> rusqlite::Result<(Vec<Attachment>, usize)> {
        let mut out = Vec::new();
        let mut more = 0;
        loop {
            let (id, attachment) = match self.pending.take() {
                Some(pending) => pending,
                None if self.finished => break,
                None => match self.rows.next()? {
                    None => {
                        self.finished = true;
                        break;
                    }
                    Some(row) => {
                        let Some(id) = value_i64(row.get_ref(0)?) else {
                            continue;
                        };
                        let attachment = Attachment {
                            filename: value_text(row.get_ref(2)?).0,
                            mime: value_address(row.get_ref(3)?),
                            transfer_name: value_address(row.get_ref(4)?),
                            total_bytes: value_i64(row.get_ref(5)?),
                        };
                        (id, attachment)
                    }
                },
            };
            if id < message {
                continue;
            }
            if id > message {
                self.pending = Some((id, attachment));
                break;
            }
            if out.len() < MAX_PARTS {
                out.push(attachment);
            } else {
                more += 1;
            }
        }
        Ok((out, more))
    }
}

enum Outcome {
    /// A record, with the problems it was read with.
    Record(Box<IphoneRecord>, Vec<String>),
    /// Not a message (a reaction, a group event).
    Skipped,
    /// Why it could not be read.
    Unreadable(String),
}

fn message_record(
    backup: &IphoneBackup,
    m: MessageRow,
    chats: &HashMap<i64, Chat>,
    attachments: Vec<Attachment>,
    more_attachments: usize,
    parts: &mut dyn PartStore,
) -> Result<Outcome, IphoneError> {
    let label = format!("message {}", m.rowid);
    let Ok(position) = u64::try_from(m.rowid) else {
        return Ok(Outcome::Unreadable(format!(
            "a message with the row number {}",
            m.rowid
        )));
    };
    // Tapbacks (2000-2999 given, 3000-3999 taken back; iOS 18 added stickers and emoji there)
    // are reactions to a message, not words of their own; item types other than 0 are group
    // events (renamed, member added or left) and other system rows.
    if (2000..4000).contains(&m.associated_type) || m.item_type != 0 {
        return Ok(Outcome::Skipped);
    }
    let at_ms = match message_time(m.date) {
        Ok(ms) => ms,
        Err(why) => return Ok(Outcome::Unreadable(format!("{label}: {why}"))),
    };
    let mut notes = Vec::new();
    if m.text_lossy {
        notes.push(format!(
            "{label}: its text holds bytes that are not text; they are shown as \u{FFFD}"
        ));
    }
    let mut undecodable = false;
    let body = match m.text.as_deref().and_then(visible_text) {
        Some(text) => Some(text),
        None => match &m.decoded {
            Some(Ok(text)) => visible_text(text),
            Some(Err(e)) => {
                undecodable = true;
                notes.push(format!("{label}: its text could not be read: {e}"));
                None
            }
            None => None,
        },
    };
    // Unsent: the phone says so, or an edit left no text at all. An edit is marked only when
    // there is an edited text to show.
    let unsent = m.retracted || (m.edited && body.is_none() && !undecodable);
    let mut marks = Vec::new();
    if m.edited && !(unsent && body.is_none()) {
        marks.push(Mark::Edited);
    }
    if unsent {
        marks.push(Mark::Unsent);
    }
    if m.recently_deleted {
        marks.push(Mark::RecentlyDeleted);
    }
    let chat = m.chat.and_then(|c| chats.get(&c));
    let members: &[String] = chat.map_or(&[], |c| c.members.as_slice());
    let group = members.len() > 1 || chat.is_some_and(|c| c.group);
    let mut participants = Vec::new();
    let address = if group {
        let mut everyone = members.to_vec();
        if let Some(sender) = &m.sender {
            if !m.from_me && !everyone.contains(sender) {
                everyone.push(sender.clone());
            }
        }
        for member in &everyone {
            let role = if !m.from_me && Some(member) == m.sender.as_ref() {
                Role::From
            } else {
                Role::To
            };
            participants.push(RawParticipant {
                address: member.clone(),
                role,
            });
        }
        participants.sort_by_key(|p| p.role != Role::From);
        if everyone.is_empty() {
            chat.and_then(|c| c.identifier.clone())
        } else {
            Some(everyone.join("~"))
        }
    } else {
        m.sender
            .clone()
            .or_else(|| members.first().cloned())
            .or_else(|| chat.and_then(|c| c.identifier.clone()))
    };
    let mut record_parts = Vec::new();
    let mut files = Vec::new();
    for attachment in &attachments {
        let (part, file) = attachment_part(backup, attachment, parts, &label, &mut notes)?;
        record_parts.push(part);
        files.push(file);
    }
    if more_attachments > 0 {
        notes.push(format!(
            "{label}: it has {more_attachments} more attachments than Daybook keeps for one \
             message ({MAX_PARTS})"
        ));
    }
    let service = m.service.as_deref().and_then(|s| {
        if s.eq_ignore_ascii_case("iMessage") {
            Some(Service::IMessage)
        } else if s.eq_ignore_ascii_case("SMS") {
            Some(Service::Sms)
        } else if s.eq_ignore_ascii_case("RCS") {
            Some(Service::Rcs)
        } else {
            None
        }
    });
    let kind = if group || !record_parts.is_empty() {
        RecordKind::Mms
    } else {
        RecordKind::Sms
    };
    let record = PhoneRecord {
        position,
        line: 0,
        start: 0,
        end: 0,
        locator: m.guid,
        kind,
        service,
        marks,
        at_ms,
        clock: Clock::Recorded,
        status: if m.from_me && m.failed {
            Status::Failed
        } else if m.from_me {
            Status::Sent
        } else {
            Status::Received
        },
        hidden: address.is_none(),
        address,
        contact_name: None,
        body,
        subject: m.subject,
        duration_s: None,
        participants,
        parts: record_parts,
    };
    Ok(Outcome::Record(
        Box::new(IphoneRecord { record, files }),
        notes,
    ))
}

/// The text without the placeholders the phone puts where each attachment goes; `None`
/// when nothing else is left.
fn visible_text(text: &str) -> Option<String> {
    let text: String = text.chars().filter(|c| *c != OBJECT_REPLACEMENT).collect();
    (!text.trim().is_empty()).then_some(text)
}

/// UTC milliseconds since 1970 of a message's `date`.
fn message_time(raw: Result<Option<i64>, ()>) -> Result<i64, String> {
    let raw = raw
        .map_err(|()| "its date is not a number".to_string())?
        .ok_or("it has no date")?;
    if raw <= 0 {
        return Err(format!("its date ({raw}) is not a time after 2001"));
    }
    let ms = if raw > NANOSECONDS_ABOVE {
        raw / 1_000_000
    } else {
        raw.checked_mul(1000)
            .ok_or(format!("its date ({raw}) is not a time"))?
    };
    ms.checked_add(APPLE_EPOCH_S * 1000)
        .ok_or(format!("its date ({raw}) is not a time"))
}

/// An attachment as a part: its file streamed into `parts`, or declared missing.
fn attachment_part(
    backup: &IphoneBackup,
    attachment: &Attachment,
    parts: &mut dyn PartStore,
    label: &str,
    notes: &mut Vec<String>,
) -> Result<(Part, Option<SourceFile>), IphoneError> {
    let file_name = attachment
        .filename
        .as_deref()
        .and_then(|f| f.rsplit('/').next())
        .filter(|f| !f.is_empty());
    let name = attachment
        .transfer_name
        .clone()
        .or_else(|| file_name.map(str::to_string));
    let mime = attachment
        .mime
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| guess_mime(name.as_deref().or(file_name)).to_string());
    let (data, file) = match attachment.filename.as_deref().map(media_path) {
        None => (None, None),
        Some(Err(why)) => (Some(Err(why)), None),
        Some(Ok(relative)) => backup.store_file("MediaDomain", relative, parts)?,
    };
    if let Some(Err(why)) = &data {
        notes.push(format!(
            "{label}: its attachment {} cannot be read: {why}",
            name.as_deref().unwrap_or("(no name)")
        ));
    }
    let declared_size = match (&data, attachment.total_bytes) {
        (None, Some(n)) => u64::try_from(n).ok(),
        _ => None,
    };
    Ok((
        Part {
            mime,
            name,
            data,
            data_range: None,
            declared_size,
        },
        file,
    ))
}

/// An attachment's path in `MediaDomain`: `attachment.filename` without its `~/` (or the
/// `/var/mobile/` older iOS versions wrote).
fn media_path(filename: &str) -> Result<&str, String> {
    let relative = ["~/", "/var/mobile/", "/private/var/mobile/"]
        .iter()
        .find_map(|prefix| filename.strip_prefix(prefix));
    match relative {
        Some(relative) => Ok(relative),
        None if filename.starts_with('/') => Err(format!(
            "the message names its file as {filename:?}, which is not among the phone's media"
        )),
        None => Ok(filename),
    }
}

/// A content type for an attachment that has none, from its name's extension.
fn guess_mime(name: Option<&str>) -> &'static str {
    let extension = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "heic" => "image/heic",
        "heif" => "image/heif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "mov" => "video/quicktime",
        "mp4" => "video/mp4",
        "m4v" => "video/x-m4v",
        "caf" => "audio/x-caf",
        "m4a" => "audio/mp4",
        "amr" => "audio/amr",
        "mp3" => "audio/mpeg",
        "vcf" => "text/vcard",
        "txt" => "text/plain",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_seconds_or_nanoseconds_after_2001() {
        // 2024-03-05T14:00:00.123Z in nanoseconds, and 2023-03-08T20:26:40Z in seconds.
        assert_eq!(
            message_time(Ok(Some(731_340_000_123_456_789))),
            Ok(1_709_647_200_123)
        );
        assert_eq!(message_time(Ok(Some(700_000_000))), Ok(1_678_307_200_000));
        assert_eq!(message_time(Ok(None)), Err("it has no date".into()));
        assert_eq!(
            message_time(Err(())),
            Err("its date is not a number".into())
        );
        assert!(message_time(Ok(Some(0))).is_err());
        assert!(message_time(Ok(Some(-5))).is_err());
        assert!(message_time(Ok(Some(i64::MAX))).is_ok());
    }

    #[test]
    fn attachment_paths() {
        assert_eq!(
            media_path("~/Library/SMS/Attachments/ab/12/G/IMG_0001.HEIC"),
            Ok("Library/SMS/Attachments/ab/12/G/IMG_0001.HEIC")
        );
        assert_eq!(
            media_path("/var/mobile/Library/SMS/Attachments/0c/12/IMG_0002.JPG"),
            Ok("Library/SMS/Attachments/0c/12/IMG_0002.JPG")
        );
        assert!(media_path("/etc/passwd").is_err());
        assert_eq!(guess_mime(Some("IMG_0001.HEIC")), "image/heic");
        assert_eq!(guess_mime(Some("noextension")), "application/octet-stream");
        assert_eq!(guess_mime(None), "application/octet-stream");
    }

    #[test]
    fn placeholders_are_not_text() {
        assert_eq!(visible_text("\u{FFFC}"), None);
        assert_eq!(visible_text("\u{FFFC} "), None);
        assert_eq!(
            visible_text("\u{FFFC}Look at this"),
            Some("Look at this".into())
        );
    }
}
