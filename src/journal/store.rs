//! Opening the SQLCipher database and bringing its schema up to date.

use std::path::Path;
use std::sync::LazyLock;

use include_dir::{include_dir, Dir};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{HookError, Migrations, MigrationsBuilder};

use super::communications::{fill_index, keep_index_current};
use super::keys::DataKey;

static MIGRATIONS_DIR: Dir = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// The migration whose hook fills the texts-and-calls search index with the records already
/// stored (it needs Rust to build what each record's entry holds). Migration 13's index, which
/// it replaces, is left empty: nothing is stored between the two.
const MESSAGE_SEARCH_MIGRATION: usize = 14;

pub(crate) static MIGRATIONS: LazyLock<Result<Migrations<'static>, rusqlite_migration::Error>> =
    LazyLock::new(|| {
        Ok(MigrationsBuilder::from_directory(&MIGRATIONS_DIR)?
            .edit(MESSAGE_SEARCH_MIGRATION, |m| {
                m.set_up_hook(|tx: &rusqlite::Transaction| fill_index(tx).map_err(HookError::from))
            })
            .finalize())
    });

/// SQLite marks itself started before SQLCipher's own start-up (run right after, outside
/// SQLite's lock) has finished, and until it has, `PRAGMA key` fails on every connection with
/// "An error occurred with PRAGMA key or rekey" - so a thread opening a journal while another
/// thread's first-ever opening was still starting SQLCipher up was refused (about one process in
/// a hundred with eight threads; tests/vault.rs). The first connection is made here, once, and
/// every opening waits for it.
static SQLCIPHER_STARTED: LazyLock<Result<(), String>> = LazyLock::new(|| {
    Connection::open_in_memory()
        .map(drop)
        .map_err(|e| e.to_string())
});

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key is known to be right (age authenticated it), so a database that will not open
    /// with it has been damaged or replaced.
    #[error("journal.db is damaged or is not this journal's database ({0}).")]
    Damaged(String),
    #[error("Could not start the journal's database engine (SQLCipher): {0}")]
    NotStarted(String),
    #[error("Could not update the journal's layout: {0}")]
    Migration(String),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Opens (or creates) `journal.db` with the raw data key and applies every migration.
pub fn open(path: &Path, key: &DataKey, create: bool) -> Result<Connection, StoreError> {
    SQLCIPHER_STARTED
        .as_ref()
        .map_err(|e| StoreError::NotStarted(e.clone()))?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    // A wrong or damaged page would otherwise print "hmac check failed" noise on stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| StoreError::Damaged(e.to_string()))?;
    // Durability first (every commit reaches the disk), no plaintext temp files, and deleted
    // content overwritten rather than left in free pages. Up to 256 MiB of decrypted pages
    // are kept (SQLite's default is 2 MiB), so the timeline and searches do not decrypt every
    // page again on each query. Pages are cached only as they are read: a 10,000-incident
    // journal (about 35 MB) uses that much; at 100,000 incidents the incidents table alone is
    // about 110 MB, and with a 64 MiB cache every timeline decrypted all of it again
    // (benches/perf.rs, growth). They live in this process only, like everything the app
    // shows, and go with the connection at lock.
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -262144;",
    )?;
    let migrations = MIGRATIONS
        .as_ref()
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    migrations.to_latest(&mut conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => layout_error(err),
        e => StoreError::Migration(e.to_string()),
    })?;
    keep_index_current(&conn).map_err(layout_error)?;
    Ok(conn)
}

/// What an error while the schema or the search index is brought up to date means: the file
/// is damaged when SQLite says so (the key is known to be right by then), else the update
/// failed.
fn layout_error(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            StoreError::Damaged(e.to_string())
        }
        _ => StoreError::Migration(e.to_string()),
    }
}

/// Runs `PRAGMA integrity_check` and `PRAGMA cipher_integrity_check`; returns what they found
/// wrong (empty when all is well).
pub fn integrity_problems(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        let row = row?;
        if row != "ok" {
            problems.push(format!("integrity_check: {row}"));
        }
    }
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        problems.push(format!("cipher_integrity_check: {}", row?));
    }
    Ok(problems)
}

/// Brings a test's in-memory database to the latest schema.
#[cfg(test)]
pub(crate) fn migrate_for_test(conn: &mut Connection) {
    MIGRATIONS
        .as_ref()
        .expect("migrations")
        .to_latest(conn)
        .expect("migrated");
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::MIGRATIONS.as_ref().unwrap().validate().unwrap();
    }

    /// Migration 08 rebuilds `attachments` (an attachment may now belong to an order): rows
    /// saved before it come through unchanged, and the one-owner rule still holds.
    #[test]
    fn attachments_survive_the_rebuild_for_order_papers() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        let migrations = super::MIGRATIONS.as_ref().unwrap();
        migrations.to_version(&mut conn, 7).unwrap();
        conn.execute_batch(
            "INSERT INTO people (id, role, name, body, created_at, updated_at)
                 VALUES ('p1', 'restrained', 'M', '{}', 't', 't');
             INSERT INTO attachments (id, person_id, sha256, size, original_name, mime, kind,
                 imported_at, position, reveals)
                 VALUES ('a1', 'p1', 'ab', 3, 'm.jpg', 'image/jpeg', 'image', 't', 1, '{\"gps\":1}');",
        )
        .unwrap();
        migrations.to_latest(&mut conn).unwrap();
        let row: (String, Option<String>, Option<String>, String) = conn
            .query_row(
                "SELECT person_id, order_id, reveals, original_name FROM attachments WHERE id = 'a1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "p1".into(),
                None,
                Some("{\"gps\":1}".into()),
                "m.jpg".into()
            )
        );
        conn.execute_batch(
            "INSERT INTO orders (id, kind, court, state, case_number, issued_on, body,
                 created_at, updated_at)
                 VALUES ('o1', 'temporary', 'C', 'CA', '1', '2026-01-01', '{}', 't', 't');
             INSERT INTO attachments (id, order_id, sha256, size, original_name, mime, kind,
                 imported_at, position)
                 VALUES ('a3', 'o1', 'ef', 1, 'order.pdf', 'application/pdf', 'document', 't', 1);",
        )
        .unwrap();
        // Exactly one owner: none, or two, is refused.
        for owners in ["NULL, NULL", "'p1', 'o1'"] {
            let sql = format!(
                "INSERT INTO attachments (id, person_id, order_id, sha256, size, original_name,
                     mime, kind, imported_at, position) VALUES ('a2', {owners}, 'cd', 1, 'x',
                     'application/pdf', 'document', 't', 1)"
            );
            assert!(conn.execute(&sql, []).is_err(), "{owners} accepted");
        }
    }

    /// Migration 12 counts the records already stored, and its triggers keep the counts as
    /// records are added (or, should that ever happen, changed or removed).
    #[test]
    fn conversation_counts_are_filled_and_kept() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let migrations = super::MIGRATIONS.as_ref().unwrap();
        migrations.to_version(&mut conn, 11).unwrap();
        let add = |conn: &rusqlite::Connection,
                   id: &str,
                   kind: &str,
                   at: i64,
                   thread: &str,
                   hidden: i64,
                   name: &str| {
            conn.execute(
                "INSERT INTO communications (id, import_id, position, line, byte_start, byte_end,
                     kind, at_ms, status, incoming, thread, hidden, contact_name, content_key)
                 VALUES (?1, 'i1', ?3, 1, 0, 1, ?2, ?3, 'received', 1, ?4, ?5, nullif(?6, ''), ?1)",
                rusqlite::params![id, kind, at, thread, hidden, name],
            )
            .unwrap();
        };
        conn.execute_batch(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES ('i1', 'f', '{}', 't')",
        )
        .unwrap();
        add(&conn, "c1", "sms", 10, "+1510", 0, "M");
        add(&conn, "c2", "sms", 30, "+1510", 0, "M");
        add(&conn, "c3", "call", 20, "", 1, "");
        migrations.to_latest(&mut conn).unwrap();
        let groups = |conn: &rusqlite::Connection| -> Vec<(String, i64, i64, String, i64, i64)> {
            let mut stmt = conn
                .prepare("SELECT * FROM communication_groups ORDER BY thread, call")
                .unwrap();
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        assert_eq!(
            groups(&conn),
            [
                ("".into(), 1, 1, "".into(), 1, 20),
                ("+1510".into(), 0, 0, "M".into(), 2, 30)
            ]
        );
        add(&conn, "c4", "sms", 40, "+1510", 0, "M");
        add(&conn, "c5", "call", 5, "+1510", 0, "M");
        conn.execute("UPDATE communications SET at_ms = 25 WHERE id = 'c4'", [])
            .unwrap();
        conn.execute("DELETE FROM communications WHERE id = 'c3'", [])
            .unwrap();
        assert_eq!(
            groups(&conn),
            [
                ("+1510".into(), 0, 0, "M".into(), 3, 30),
                ("+1510".into(), 1, 0, "M".into(), 1, 5)
            ]
        );
        conn.execute("DELETE FROM communications WHERE id = 'c2'", [])
            .unwrap();
        assert_eq!(groups(&conn)[0], ("+1510".into(), 0, 0, "M".into(), 2, 25));
    }
}
