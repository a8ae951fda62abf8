//! `daybook verify`: everything a court could ask about the journal's integrity, checked in
//! one pass, stopping at the first thing that does not match and naming it.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::revisions::{self, Revision};
use super::{store, Journal, Result};

/// Each (entity, id)'s latest revision.
type LatestRevisions = HashMap<(String, String), Revision>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub revisions: i64,
    pub head: String,
    pub incidents: i64,
    pub attachments: i64,
    pub attachment_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyProblem {
    #[error("The database file is damaged: {0}")]
    Database(String),
    #[error("{0}")]
    Chain(#[from] revisions::ChainError),
    #[error("The saved {entity} {id} differs from its last recorded revision: it was changed outside Daybook.")]
    StateMismatch { entity: String, id: String },
    #[error("The {entity} {id} has no revision: it was added outside Daybook.")]
    Unrecorded { entity: String, id: String },
    #[error("Attachment {id} ({name}): {detail}")]
    Attachment {
        id: String,
        name: String,
        detail: String,
    },
}

impl Journal {
    /// Checks the database pages, the hash chain, that the current state matches the chain,
    /// and that every attachment decrypts to bytes with its recorded size and SHA-256.
    pub fn verify(&self) -> Result<Result<VerifyReport, VerifyProblem>> {
        let problems = store::integrity_problems(&self.conn)
            .map_err(|e| super::JournalError::Damaged(e.to_string()))?;
        if let Some(first) = problems.into_iter().next() {
            return Ok(Err(VerifyProblem::Database(first)));
        }
        let chain = revisions::verify_chain(&self.conn)?;
        self.settle_checkpoint(&chain);
        let summary = match chain {
            Ok(summary) => summary,
            Err(e) => return Ok(Err(e.into())),
        };
        let (latest, edited) = self.chain_state()?;
        for (entity, table) in [
            ("order", "orders"),
            ("person", "people"),
            ("incident", "incidents"),
            ("phone_import", "phone_imports"),
        ] {
            let sql = format!("SELECT id, body FROM {table}");
            let mut stmt = self.conn.prepare(&sql)?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, body) = row?;
                match latest.get(&(entity.to_string(), id.clone())) {
                    None => {
                        return Ok(Err(VerifyProblem::Unrecorded {
                            entity: entity.replace('_', " "),
                            id,
                        }))
                    }
                    Some(rev) if rev.body != body => {
                        return Ok(Err(VerifyProblem::StateMismatch {
                            entity: entity.replace('_', " "),
                            id,
                        }))
                    }
                    Some(_) => {}
                }
            }
        }
        // The marks reports print (amended, last changed, deleted and why) are stored beside the
        // body for fast lists; they must agree with the chain too, or an "amended" mark could be
        // quietly removed.
        let mut stmt = self
            .conn
            .prepare("SELECT id, amended, updated_at, deleted_at, deleted_reason FROM incidents")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (id, amended, updated_at, deleted_at, deleted_reason) = row?;
            let Some(rev) = latest.get(&("incident".to_string(), id.clone())) else {
                continue;
            };
            let deleted =
                (rev.op == "delete").then(|| (rev.recorded_at.clone(), rev.reason.clone()));
            if amended != edited.contains(&id)
                || updated_at != rev.recorded_at
                || deleted != deleted_at.map(|at| (at, deleted_reason))
            {
                return Ok(Err(VerifyProblem::StateMismatch {
                    entity: "incident".into(),
                    id,
                }));
            }
        }
        // So are the columns the timeline lists (migration 05).
        if let Some(id) = super::timeline::list_columns_mismatch(&self.conn)? {
            return Ok(Err(VerifyProblem::StateMismatch {
                entity: "incident".into(),
                id,
            }));
        }
        // And every phone import's records are the ones its revision recorded.
        let import_bodies: HashMap<String, String> = latest
            .iter()
            .filter(|((entity, _), _)| entity == "phone_import")
            .map(|((_, id), rev)| (id.clone(), rev.body.clone()))
            .collect();
        if let Some(id) = self.phone_import_mismatch(&import_bodies)? {
            return Ok(Err(VerifyProblem::StateMismatch {
                entity: "phone import".into(),
                id,
            }));
        }
        let mut attachments = 0;
        let mut attachment_bytes = 0;
        for attachment in self.all_attachments()? {
            let owner = match (
                &attachment.incident_id,
                &attachment.person_id,
                &attachment.order_id,
                &attachment.phone_import_id,
            ) {
                (Some(incident), ..) => latest.get(&("incident".to_string(), incident.clone())),
                (None, Some(person), ..) => latest.get(&("person".to_string(), person.clone())),
                (None, None, Some(order), _) => latest.get(&("order".to_string(), order.clone())),
                (None, None, None, Some(import)) => {
                    latest.get(&("phone_import".to_string(), import.clone()))
                }
                (None, None, None, None) => None,
            };
            let chained =
                owner.is_some_and(|rev| rev.attachments.split(',').any(|s| s == attachment.sha256));
            if !chained {
                return Ok(Err(VerifyProblem::Attachment {
                    id: attachment.id.clone(),
                    name: attachment.original_name.clone(),
                    detail:
                        "its SHA-256 differs from the one the journal's history recorded for it"
                            .into(),
                }));
            }
            if let Err(detail) = self.check_blob(&attachment) {
                return Ok(Err(VerifyProblem::Attachment {
                    id: attachment.id,
                    name: attachment.original_name,
                    detail,
                }));
            }
            attachments += 1;
            attachment_bytes += attachment.size;
        }
        let incidents = self.conn.query_row(
            "SELECT count(*) FROM incidents WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(Ok(VerifyReport {
            revisions: summary.revisions,
            head: summary.head,
            incidents,
            attachments,
            attachment_bytes,
        }))
    }

    /// One pass over the chain: each entity's latest revision, and the incidents ever edited.
    fn chain_state(&self) -> Result<(LatestRevisions, HashSet<String>)> {
        let mut latest = HashMap::new();
        let mut edited = HashSet::new();
        for rev in revisions::all(&self.conn)? {
            if rev.entity == "incident" && rev.op == "edit" {
                edited.insert(rev.entity_id.clone());
            }
            latest.insert((rev.entity.clone(), rev.entity_id.clone()), rev);
        }
        Ok((latest, edited))
    }
}
