//! The append-only revision chain: the journal's answer to "you wrote that afterwards".
//!
//! Every change to an order, person or incident appends one revision:
//! `hash = SHA-256(prev_hash || canonical JSON of the revision || its attachments' SHA-256s)`,
//! with 32 zero bytes before the first. The last hash (the head) is the journal's fingerprint,
//! printed on every export. Changing, removing or reordering any revision breaks every hash
//! after it, and `verify_chain` names the first one that no longer matches.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::time::now_utc;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Order,
    Person,
    Incident,
    /// One phone backup read into the journal (journal::communications).
    PhoneImport,
}

impl Entity {
    pub fn key(self) -> &'static str {
        match self {
            Entity::Order => "order",
            Entity::Person => "person",
            Entity::Incident => "incident",
            Entity::PhoneImport => "phone_import",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Edit,
    Attach,
    Annotate,
    Delete,
}

impl Op {
    pub fn key(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Edit => "edit",
            Op::Attach => "attach",
            Op::Annotate => "annotate",
            Op::Delete => "delete",
        }
    }
}

/// A stored revision, as the amendments appendix and `verify` read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    pub recorded_at: String,
    pub reason: Option<String>,
    pub body: String,
    pub attachments: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("Revision {seq} ({entity} {entity_id}) does not match its hash: it was changed after it was recorded.")]
    HashMismatch {
        seq: i64,
        entity: String,
        entity_id: String,
    },
    #[error("Revision {seq} ({entity} {entity_id}) does not follow the revision before it: revisions were removed or reordered.")]
    BrokenLink {
        seq: i64,
        entity: String,
        entity_id: String,
    },
    #[error("Revision {seq} is out of sequence (expected {expected}): revisions were removed.")]
    Gap { seq: i64, expected: i64 },
    #[error("Revision {seq} cannot be read: {detail}")]
    Unreadable { seq: i64, detail: String },
}

pub struct NewRevision<'a> {
    pub entity: Entity,
    pub entity_id: &'a str,
    pub op: Op,
    pub reason: Option<&'a str>,
    pub body: &'a Value,
    /// Hex SHA-256 of each attachment the entity has after this change, in order.
    pub attachments: &'a [String],
}

/// Appends a revision inside the caller's transaction and returns it.
pub fn append(tx: &Transaction<'_>, new: NewRevision<'_>) -> rusqlite::Result<Revision> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM revisions ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut revision = Revision {
        seq,
        entity: new.entity.key().to_string(),
        entity_id: new.entity_id.to_string(),
        op: new.op.key().to_string(),
        recorded_at: now_utc(),
        reason: new.reason.map(str::to_string),
        body: canonical_json(new.body),
        attachments: new.attachments.join(","),
        prev_hash,
        hash: String::new(),
    };
    revision.hash = compute_hash(&revision)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other(e))))?;
    tx.execute(
        "INSERT INTO revisions (seq, entity, entity_id, op, recorded_at, reason, body, attachments, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            revision.seq,
            revision.entity,
            revision.entity_id,
            revision.op,
            revision.recorded_at,
            revision.reason,
            revision.body,
            revision.attachments,
            revision.prev_hash,
            revision.hash
        ],
    )?;
    Ok(revision)
}

/// The hash of `revision` as it should be, from its content and its predecessor's hash.
pub fn compute_hash(revision: &Revision) -> Result<String, String> {
    let body: Value = serde_json::from_str(&revision.body).map_err(|e| format!("body: {e}"))?;
    hash_with_body(revision, &canonical_json(&body))
}

/// SHA-256 over the previous hash, the canonical JSON envelope
/// `{"body":…,"entity":…,"entity_id":…,"op":…,"reason":…,"recorded_at":…,"seq":…}` (keys in
/// byte order, no spaces) with `body` as given, and the attachments' SHA-256s.
///
/// `append` stores bodies as canonical JSON, so checking the chain at unlock passes the stored
/// text as is and parses nothing; only when that does not match does it call `compute_hash`,
/// which re-canonicalises the body, so the check decides exactly as if it always had.
fn hash_with_body(revision: &Revision, body_canonical: &str) -> Result<String, String> {
    let prev = hex::decode(&revision.prev_hash).map_err(|e| format!("previous hash: {e}"))?;
    let mut hasher = Sha256::new();
    hasher.update(&prev);
    // The envelope is fed to the hasher piece by piece rather than built as one string: the
    // bytes are the same, and checking a long chain at unlock copies no bodies.
    let text = |hasher: &mut Sha256, s: &str| {
        serde_json::to_writer(hasher, s).map_err(|e| format!("revision text: {e}"))
    };
    hasher.update(b"{\"body\":");
    hasher.update(body_canonical.as_bytes());
    hasher.update(b",\"entity\":");
    text(&mut hasher, &revision.entity)?;
    hasher.update(b",\"entity_id\":");
    text(&mut hasher, &revision.entity_id)?;
    hasher.update(b",\"op\":");
    text(&mut hasher, &revision.op)?;
    hasher.update(b",\"reason\":");
    match &revision.reason {
        Some(reason) => text(&mut hasher, reason)?,
        None => hasher.update(b"null"),
    }
    hasher.update(b",\"recorded_at\":");
    text(&mut hasher, &revision.recorded_at)?;
    hasher.update(format!(",\"seq\":{}}}", revision.seq).as_bytes());
    for sha in revision.attachments.split(',').filter(|s| !s.is_empty()) {
        hasher.update(hex::decode(sha).map_err(|e| format!("attachment hash: {e}"))?);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The head of the chain: the journal's fingerprint. `GENESIS_HASH` for an empty journal.
pub fn head(conn: &Connection) -> rusqlite::Result<String> {
    Ok(conn
        .query_row(
            "SELECT hash FROM revisions ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_string()))
}

/// Summary of a verified chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainSummary {
    pub revisions: i64,
    pub head: String,
}

/// Re-derives every hash in order and names the first revision that does not match.
pub fn verify_chain(
    conn: &Connection,
) -> Result<Result<ChainSummary, ChainError>, rusqlite::Error> {
    ChainWalk::from_genesis().finish(conn)
}

/// A walk along the chain that can stop between revisions and go on later: unlock walks on
/// from a checkpoint, and the app walks the whole chain in short steps while the journal is
/// in use, so no step keeps the journal from the person for long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    /// Revisions taken as checked before this walk began (those up to its checkpoint).
    pub started_after: i64,
    next_seq: i64,
    prev: String,
}

impl ChainWalk {
    /// A walk over every revision.
    pub fn from_genesis() -> Self {
        Self::after(0, GENESIS_HASH.to_string())
    }

    /// A walk over the revisions after `seq`, whose hash the caller vouches for.
    pub(super) fn after(seq: i64, hash: String) -> Self {
        ChainWalk {
            started_after: seq,
            next_seq: seq + 1,
            prev: hash,
        }
    }

    /// Checks every revision that remains, up to the head.
    pub fn finish(
        mut self,
        conn: &Connection,
    ) -> Result<Result<ChainSummary, ChainError>, rusqlite::Error> {
        loop {
            if let Some(outcome) = self.step(conn, None)? {
                return Ok(outcome);
            }
        }
    }

    /// Checks up to `limit` more revisions (all that remain with `None`). Returns the outcome
    /// once the walk has reached the head or the first revision that does not check out, and
    /// `None` while revisions remain. Revisions appended between steps are walked too.
    pub fn step(
        &mut self,
        conn: &Connection,
        limit: Option<usize>,
    ) -> Result<Option<Result<ChainSummary, ChainError>>, rusqlite::Error> {
        let limit = limit.map_or(-1, |n| i64::try_from(n.max(1)).unwrap_or(i64::MAX));
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_REVISION} WHERE seq >= ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let mut rows = stmt.query(params![self.next_seq, limit])?;
        let mut read = 0;
        while let Some(row) = rows.next()? {
            read += 1;
            let revision = read_revision(row)?;
            if let Err(problem) = check_link(&revision, self.next_seq, &self.prev) {
                return Ok(Some(Err(problem)));
            }
            self.prev = revision.hash;
            self.next_seq += 1;
        }
        if limit >= 0 && read == limit {
            return Ok(None);
        }
        Ok(Some(Ok(ChainSummary {
            revisions: self.next_seq - 1,
            head: self.prev.clone(),
        })))
    }
}

/// Checks that `revision` is the one expected at `expected_seq` after the hash `prev`, and
/// that its own hash is what its content makes it.
fn check_link(revision: &Revision, expected_seq: i64, prev: &str) -> Result<(), ChainError> {
    if revision.seq != expected_seq {
        return Err(ChainError::Gap {
            seq: revision.seq,
            expected: expected_seq,
        });
    }
    if revision.prev_hash != prev {
        return Err(ChainError::BrokenLink {
            seq: revision.seq,
            entity: revision.entity.clone(),
            entity_id: revision.entity_id.clone(),
        });
    }
    let checked = match hash_with_body(revision, &revision.body) {
        Ok(hash) if hash == revision.hash => Ok(hash),
        _ => compute_hash(revision),
    };
    match checked {
        Ok(hash) if hash == revision.hash => Ok(()),
        Ok(_) => Err(ChainError::HashMismatch {
            seq: revision.seq,
            entity: revision.entity.clone(),
            entity_id: revision.entity_id.clone(),
        }),
        Err(detail) => Err(ChainError::Unreadable {
            seq: revision.seq,
            detail,
        }),
    }
}

/// The stored hash of revision `seq`, if there is one.
pub(super) fn hash_at(conn: &Connection, seq: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT hash FROM revisions WHERE seq = ?1", [seq], |r| {
        r.get(0)
    })
    .optional()
}

/// Every revision, in chain order.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Revision>> {
    let mut stmt = conn.prepare(&format!("{SELECT_REVISION} ORDER BY seq"))?;
    let rows = stmt.query_map([], read_revision)?;
    rows.collect()
}

/// Every revision of one entity, oldest first.
pub fn history(conn: &Connection, entity: Entity, id: &str) -> rusqlite::Result<Vec<Revision>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT_REVISION} WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![entity.key(), id], read_revision)?;
    rows.collect()
}

const SELECT_REVISION: &str =
    "SELECT seq, entity, entity_id, op, recorded_at, reason, body, attachments, prev_hash, hash FROM revisions";

fn read_revision(row: &rusqlite::Row<'_>) -> rusqlite::Result<Revision> {
    Ok(Revision {
        seq: row.get(0)?,
        entity: row.get(1)?,
        entity_id: row.get(2)?,
        op: row.get(3)?,
        recorded_at: row.get(4)?,
        reason: row.get(5)?,
        body: row.get(6)?,
        attachments: row.get(7)?,
        prev_hash: row.get(8)?,
        hash: row.get(9)?,
    })
}

/// JSON with object keys sorted and no insignificant white space.
///
/// Written by hand rather than relying on `serde_json::Value`'s map order: another crate in
/// the build (Tauri) can switch on serde_json's `preserve_order`, and the app and the CLI
/// must hash the same revision identically.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, val)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(val, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = serde_json::json!({"b": 1, "a": {"z": [true, null], "y": "é"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"y":"é","z":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn hash_covers_content_link_and_attachments() {
        let base = Revision {
            seq: 1,
            entity: "incident".into(),
            entity_id: "x".into(),
            op: "create".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            reason: None,
            body: "{\"a\":1}".into(),
            attachments: String::new(),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let h = compute_hash(&base).unwrap();
        // The unlock-time shortcut agrees for a canonical body, with a reason and attachments.
        assert_eq!(hash_with_body(&base, &base.body), Ok(h.clone()));
        let full = Revision {
            reason: Some("Entered \"twice\"".into()),
            body: canonical_json(&serde_json::json!({"z": [1, "é\n"], "a": null})),
            attachments: format!("{},{}", "ab".repeat(32), "cd".repeat(32)),
            ..base.clone()
        };
        assert_eq!(hash_with_body(&full, &full.body), compute_hash(&full));
        // The same, written out by hand: escaped quotes in the reason, a raw "é" and an
        // escaped newline in the body, the attachments' 32-byte hashes after the envelope.
        let mut expected = Sha256::new();
        expected.update([0u8; 32]);
        expected.update(
            r#"{"body":{"a":null,"z":[1,"é\n"]},"entity":"incident","entity_id":"x","op":"create","reason":"Entered \"twice\"","recorded_at":"2026-01-01T00:00:00Z","seq":1}"#
                .as_bytes(),
        );
        expected.update([0xab; 32]);
        expected.update([0xcd; 32]);
        assert_eq!(
            hash_with_body(&full, &full.body),
            Ok(hex::encode(expected.finalize()))
        );
        // A body stored in another form hashes differently by splicing, so unlock falls back
        // to compute_hash, which parses it.
        let spaced = Revision {
            body: "{ \"a\" : 1 }".into(),
            ..base.clone()
        };
        assert_ne!(hash_with_body(&spaced, &spaced.body), Ok(h.clone()));
        assert_eq!(compute_hash(&spaced).unwrap(), h);
        // SHA-256 of 32 zero bytes followed by the canonical envelope, computed independently:
        // printf '\0%.0s' {1..32}; printf '{"body":{"a":1},"entity":"incident",...}' | sha256sum
        let mut expected = Sha256::new();
        expected.update([0u8; 32]);
        expected.update(
            br#"{"body":{"a":1},"entity":"incident","entity_id":"x","op":"create","reason":null,"recorded_at":"2026-01-01T00:00:00Z","seq":1}"#,
        );
        assert_eq!(h, hex::encode(expected.finalize()));
        let mut other = base.clone();
        other.body = "{\"a\":2}".into();
        assert_ne!(compute_hash(&other).unwrap(), h);
        let mut with_file = base.clone();
        with_file.attachments = "ab".repeat(32);
        assert_ne!(compute_hash(&with_file).unwrap(), h);
        let mut relinked = base;
        relinked.prev_hash = "11".repeat(32);
        assert_ne!(compute_hash(&relinked).unwrap(), h);
    }
}
