//! The chain checkpoint: the last verified head of the revision chain, kept with a MAC, so
//! unlocking walks only the revisions recorded after it instead of the whole history.
//!
//! The MAC is HMAC-SHA-256 (RFC 2104, FIPS 180-4) keyed by the journal's data key. Whoever
//! could forge it holds that key, and with it could rewrite the whole chain anyway, so the
//! checkpoint weakens nothing (shared/docs/security-model.md, "Tamper evidence"). A
//! checkpoint that is missing, unreadable, forged or no longer matches its revision is
//! ignored and the whole chain is walked, as before checkpoints existed. `daybook verify` and
//! the app's background check still walk every revision; a problem they find removes the
//! checkpoint, so the next unlock walks everything and reports it too.

use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::Sha256;

use super::keys::DataKey;
use super::revisions::{self, ChainSummary, ChainWalk};

/// The `journal_meta` row holding `"<seq> <hash> <mac>"`.
const META_KEY: &str = "chain_checkpoint";

/// Names what the MAC is over, so it can never be mistaken for another use of the key.
const LABEL: &[u8] = b"daybook chain checkpoint v1";

/// HMAC-SHA-256 over the label, the journal's id, and the revision's number and hash, each
/// ended by a newline (none of them can contain one).
fn mac(key: &DataKey, journal_id: &str, seq: i64, hash: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length; 32 bytes never fails.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose())
        .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length"));
    for part in [
        LABEL,
        journal_id.as_bytes(),
        seq.to_string().as_bytes(),
        hash.as_bytes(),
    ] {
        mac.update(part);
        mac.update(b"\n");
    }
    mac
}

/// The walk unlock should take: on from the checkpoint when it is genuine and its revision
/// still carries the hash it vouches for, else over every revision.
pub(super) fn walk_for_unlock(
    conn: &Connection,
    key: &DataKey,
    journal_id: &str,
) -> rusqlite::Result<ChainWalk> {
    let stored = stored(conn)?;
    let Some((seq, hash, tag)) = stored.as_deref().and_then(parse) else {
        return Ok(ChainWalk::from_genesis());
    };
    // Compared in constant time by the hmac crate.
    if mac(key, journal_id, seq, hash).verify_slice(&tag).is_err() {
        return Ok(ChainWalk::from_genesis());
    }
    if revisions::hash_at(conn, seq)?.as_deref() != Some(hash) {
        return Ok(ChainWalk::from_genesis());
    }
    Ok(ChainWalk::after(seq, hash.to_string()))
}

/// The checkpoint row as stored, unchecked.
fn stored(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM journal_meta WHERE key = ?1",
        [META_KEY],
        |r| r.get(0),
    )
    .optional()
}

fn parse(stored: &str) -> Option<(i64, &str, Vec<u8>)> {
    let mut parts = stored.split(' ');
    let seq = parts.next()?.parse().ok()?;
    let hash = parts.next()?;
    let tag = hex::decode(parts.next()?).ok()?;
    parts.next().is_none().then_some((seq, hash, tag))
}

/// Records `summary`'s head, which a walk has just found to follow from a genuine
/// checkpoint or from the first revision.
pub(super) fn record(
    conn: &Connection,
    key: &DataKey,
    journal_id: &str,
    summary: &ChainSummary,
) -> rusqlite::Result<()> {
    if summary.revisions == 0 {
        return Ok(());
    }
    let tag = mac(key, journal_id, summary.revisions, &summary.head).finalize();
    let value = format!(
        "{} {} {}",
        summary.revisions,
        summary.head,
        hex::encode(tag.into_bytes())
    );
    conn.execute(
        "INSERT INTO journal_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![META_KEY, value],
    )?;
    Ok(())
}

/// Forgets the checkpoint after a whole walk found a problem, so every unlock walks again.
pub(super) fn forget(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM journal_meta WHERE key = ?1", [META_KEY])?;
    Ok(())
}

/// The revision the checkpoint stands at, read without checking it (for tests and figures).
#[cfg(test)]
pub(super) fn stored_seq(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    Ok(stored(conn)?
        .as_deref()
        .and_then(parse)
        .map(|(seq, _, _)| seq))
}

/// The whole-chain check the app runs in short steps after unlock (`Journal::check_history`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCheck {
    walk: ChainWalk,
}

impl super::Journal {
    /// Walks the chain from the checkpoint (or from the start) at unlock. Returns the walk's
    /// outcome and how many revisions the checkpoint vouched for.
    ///
    /// Unlocking writes nothing, not even the checkpoint: a command refused for bad input
    /// leaves the journal's files exactly as they were (tests/attachments.rs). The checkpoint
    /// moves only after a walk over every revision: `verify`, or the app's background check.
    pub(super) fn check_chain_at_unlock(
        &self,
    ) -> super::Result<(Option<revisions::ChainError>, i64)> {
        let damaged = |e: rusqlite::Error| super::JournalError::Damaged(e.to_string());
        let journal_id = self.journal_id()?;
        let walk = walk_for_unlock(&self.conn, &self.data_key, &journal_id).map_err(damaged)?;
        let vouched = walk.started_after;
        let outcome = walk.finish(&self.conn).map_err(damaged)?;
        Ok((outcome.err(), vouched))
    }

    /// Starts a walk over the whole chain, to be taken a few revisions at a time with
    /// [`Journal::continue_history_check`] while the journal stays in use.
    pub fn begin_history_check(&self) -> HistoryCheck {
        HistoryCheck {
            walk: ChainWalk::from_genesis(),
        }
    }

    /// Checks up to `revisions` more revisions of `check`. Returns `None` while more remain;
    /// at the end, the outcome, after moving the checkpoint to the head (all intact) or
    /// removing it (a problem, which the next unlock then reports as well).
    pub fn continue_history_check(
        &self,
        check: &mut HistoryCheck,
        revisions: usize,
    ) -> super::Result<Option<Result<ChainSummary, revisions::ChainError>>> {
        let Some(outcome) = check.walk.step(&self.conn, Some(revisions))? else {
            return Ok(None);
        };
        self.settle_checkpoint(&outcome);
        Ok(Some(outcome))
    }

    /// After a walk over every revision: the head it reached becomes the checkpoint, or a
    /// problem removes the checkpoint. Best effort: the walk's outcome is what the caller
    /// reports, and a full disk must not turn a verified history into an error. Should the
    /// removal fail, the next whole walk finds the same problem again.
    pub(super) fn settle_checkpoint(&self, outcome: &Result<ChainSummary, revisions::ChainError>) {
        match outcome {
            Ok(summary) => {
                if let Ok(id) = self.journal_id() {
                    let _ = record(&self.conn, &self.data_key, &id, summary);
                }
            }
            Err(_) => {
                let _ = forget(&self.conn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{stored_seq, META_KEY};
    use crate::journal::keys::RecoveryKey;
    use crate::journal::revisions::{ChainError, ChainSummary};
    use crate::journal::{Journal, KdfCost, Unlock, UnlockReport};
    use secrecy::SecretString;
    use serde_json::json;
    use std::path::Path;

    fn add(journal: &mut Journal, words: &str) {
        let input = serde_json::from_value(json!({
            "occurred_at": "2026-03-02T21:15",
            "timezone": "America/Los_Angeles",
            "description": words,
        }))
        .unwrap();
        journal.add_incident(&input).unwrap();
    }

    /// A journal of three revisions, and the key that opens it without the KDF.
    fn three_revisions(root: &Path) -> RecoveryKey {
        let passphrase = SecretString::from("correct horse battery staple 42".to_string());
        let (mut journal, recovery) =
            Journal::create(root, &passphrase, KdfCost::LogN(10)).unwrap();
        for words in ["He parked outside.", "He called twice.", "He followed me."] {
            add(&mut journal, words);
        }
        recovery
    }

    /// A temporary folder holding a journal of three revisions at `root`.
    fn fresh() -> (tempfile::TempDir, std::path::PathBuf, RecoveryKey) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("j");
        let recovery = three_revisions(&root);
        (dir, root, recovery)
    }

    fn open(root: &Path, recovery: &RecoveryKey) -> (Journal, UnlockReport) {
        Journal::open(root, Unlock::RecoveryKey(recovery)).unwrap()
    }

    /// Changes what revision `seq` says, as someone holding the key could.
    fn rewrite(journal: &Journal, seq: i64) {
        journal
            .conn
            .execute_batch("DROP TRIGGER IF EXISTS revisions_no_update;")
            .unwrap();
        let changed = journal
            .conn
            .execute(
                "UPDATE revisions SET body = replace(body, 'He', 'She') WHERE seq = ?1",
                [seq],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }

    /// The whole walk the app runs after unlock, one revision per step, to its end.
    fn check_history(journal: &Journal) -> Result<ChainSummary, ChainError> {
        let mut check = journal.begin_history_check();
        loop {
            if let Some(outcome) = journal.continue_history_check(&mut check, 1).unwrap() {
                return outcome;
            }
        }
    }

    #[test]
    fn unlock_walks_only_what_came_after_the_last_verified_head() {
        let (_dir, root, recovery) = fresh();
        let (mut journal, report) = open(&root, &recovery);
        assert_eq!(report.revisions_vouched, 0, "no checkpoint yet");
        assert_eq!(report.chain_problem, None);
        assert_eq!(
            stored_seq(&journal.conn).unwrap(),
            None,
            "unlock writes nothing"
        );
        assert_eq!(check_history(&journal).unwrap().revisions, 3);
        assert_eq!(stored_seq(&journal.conn).unwrap(), Some(3));
        add(&mut journal, "He waited by the car.");
        journal.lock();

        let (journal, report) = open(&root, &recovery);
        assert_eq!(report.revisions_vouched, 3, "only revision 4 was walked");
        assert_eq!(report.chain_problem, None);
        check_history(&journal).unwrap();
        assert_eq!(
            stored_seq(&journal.conn).unwrap(),
            Some(4),
            "moved to the head"
        );
        journal.lock();
        let (_journal, report) = open(&root, &recovery);
        assert_eq!(report.revisions_vouched, 4);
    }

    #[test]
    fn a_change_after_the_checkpoint_is_caught_at_unlock() {
        let (_dir, root, recovery) = fresh();
        let (mut journal, _) = open(&root, &recovery);
        check_history(&journal).unwrap();
        add(&mut journal, "He waited by the car.");
        rewrite(&journal, 4);
        journal.lock();
        let (journal, report) = open(&root, &recovery);
        assert_eq!(report.revisions_vouched, 3);
        assert!(
            matches!(
                report.chain_problem,
                Some(ChainError::HashMismatch { seq: 4, .. })
            ),
            "{:?}",
            report.chain_problem
        );
        assert!(matches!(
            check_history(&journal),
            Err(ChainError::HashMismatch { seq: 4, .. })
        ));
        assert_eq!(
            stored_seq(&journal.conn).unwrap(),
            None,
            "removed on a problem"
        );
    }

    #[test]
    fn a_change_before_the_checkpoint_is_found_by_the_whole_walk_then_at_every_unlock() {
        let (_dir, root, recovery) = fresh();
        let (journal, _) = open(&root, &recovery);
        check_history(&journal).unwrap();
        rewrite(&journal, 1);
        journal.lock();

        // The checkpoint vouches for revision 1, so this unlock does not look at it...
        let (journal, report) = open(&root, &recovery);
        assert_eq!((report.revisions_vouched, report.chain_problem), (3, None));
        // ...but the whole walk the app runs after unlock does.
        let outcome = check_history(&journal);
        assert!(
            matches!(outcome, Err(ChainError::HashMismatch { seq: 1, .. })),
            "{outcome:?}"
        );
        assert_eq!(
            stored_seq(&journal.conn).unwrap(),
            None,
            "checkpoint removed"
        );
        journal.lock();
        for _ in 0..2 {
            let (journal, report) = open(&root, &recovery);
            assert_eq!(report.revisions_vouched, 0);
            assert!(matches!(
                report.chain_problem,
                Some(ChainError::HashMismatch { seq: 1, .. })
            ));
            journal.lock();
        }
    }

    #[test]
    fn verify_walks_everything_and_removes_the_checkpoint_on_a_problem() {
        let (_dir, root, recovery) = fresh();
        let (journal, _) = open(&root, &recovery);
        assert!(journal.verify().unwrap().is_ok());
        assert_eq!(stored_seq(&journal.conn).unwrap(), Some(3));
        rewrite(&journal, 2);
        assert!(journal.verify().unwrap().is_err());
        assert_eq!(stored_seq(&journal.conn).unwrap(), None);
    }

    /// The checkpoint row as stored: `"<seq> <hash> <mac>"`.
    fn stored_value(journal: &Journal) -> String {
        super::stored(&journal.conn).unwrap().unwrap()
    }

    #[test]
    fn a_forged_foreign_or_stale_checkpoint_is_ignored() {
        let (_dir, root, recovery) = fresh();
        let (journal, _) = open(&root, &recovery);
        check_history(&journal).unwrap();
        let stored = stored_value(&journal);
        let head = stored.split(' ').nth(1).unwrap().to_string();
        // Another journal's checkpoint at the same place: made with another key and id.
        let other_root = root.with_file_name("other");
        let other_recovery = three_revisions(&other_root);
        let (other, _) = open(&other_root, &other_recovery);
        check_history(&other).unwrap();
        let foreign = stored_value(&other);
        let forged_tag = format!("3 {head} {}", "00".repeat(32));
        // Each walk from the start meets this; one from the checkpoint would not.
        rewrite(&journal, 3);
        for (what, value) in [
            ("forged", forged_tag.as_str()),
            ("foreign", foreign.as_str()),
            ("garbage", "3 nothing"),
            ("stale", stored.as_str()),
        ] {
            if what == "stale" {
                // The genuine checkpoint, but revision 3 no longer carries the hash it names.
                journal
                    .conn
                    .execute(
                        "UPDATE revisions SET hash = ?1 WHERE seq = 3",
                        ["11".repeat(32)],
                    )
                    .unwrap();
            }
            journal
                .conn
                .execute(
                    "UPDATE journal_meta SET value = ?2 WHERE key = ?1",
                    [META_KEY, value],
                )
                .unwrap();
            let (problem, vouched) = journal.check_chain_at_unlock().unwrap();
            assert_eq!(vouched, 0, "{what}: the whole chain is walked");
            assert!(
                matches!(problem, Some(ChainError::HashMismatch { seq: 3, .. })),
                "{what}: {problem:?}"
            );
        }
    }

    #[test]
    fn a_whole_walk_in_steps_follows_revisions_added_between_steps() {
        let (_dir, root, recovery) = fresh();
        let (mut journal, _) = open(&root, &recovery);
        let mut check = journal.begin_history_check();
        assert_eq!(journal.continue_history_check(&mut check, 2).unwrap(), None);
        add(&mut journal, "He waited by the car.");
        assert_eq!(journal.continue_history_check(&mut check, 2).unwrap(), None);
        let summary = journal
            .continue_history_check(&mut check, 2)
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(summary.revisions, 4);
        assert_eq!(summary.head, journal.fingerprint().unwrap());
        assert_eq!(stored_seq(&journal.conn).unwrap(), Some(4));
    }
}
