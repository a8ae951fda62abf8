//! Sections 3 and 5 of the perf bench: journal operations (unlock, timeline and its pages,
//! one month, search, insert, attach) beside their SQL floors, and how they grow with the
//! journal. Split from perf.rs, which keeps the datasets, the measuring and sections 1-2.

use super::*;

// ---------------------------------------------------------------------------------------
// 3. Journal operations

const SELECT_INCIDENTS: &str =
    "SELECT i.id, i.body, i.updated_at, i.amended, i.deleted_at, i.deleted_reason FROM incidents i";
const SELECT_ATTACHMENTS: &str = "SELECT a.id, a.incident_id, a.person_id, a.sha256, a.size, a.original_name, a.mime, a.kind, a.width, a.height, a.captured_at, a.duration_ms, a.file_modified_at, a.imported_at, a.caption, a.transcript FROM attachments a";

/// Runs `sql` and reads every column of every row into memory, as a query that returns its
/// rows must; returns how many. Until 2026-11-30 evening each value was dropped as soon as it
/// was read, which spared the floor the allocations the journal's result needs (the
/// timeline's floor was 1.2-1.5x faster that way; see docs/performance.md).
pub(super) fn read_all(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Res<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(args)?;
    // One flat vector: no per-row allocation beyond the values themselves.
    let mut kept: Vec<SqlValue> = Vec::new();
    while let Some(row) = rows.next()? {
        for c in 0..columns {
            kept.push(row.get(c)?);
        }
    }
    Ok(std::hint::black_box(kept).len() / columns.max(1))
}

/// The least SQL that returns what a timeline query returns: the list columns of the rows
/// matching `filter`, in order.
fn sql_timeline(conn: &Connection, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Res<usize> {
    read_all(
        conn,
        &format!(
            "SELECT i.id, i.number, i.occurred_local, i.approximate, i.amended, i.occurred_abbreviation,
                 i.kinds, i.location, i.summary, i.exhibits, i.reported
             FROM incidents i WHERE {filter} ORDER BY i.occurred_utc, i.number"
        ),
        args,
    )
}

/// The least SQL that returns what a query of whole incidents returns: the incidents
/// matching `filter` in order, and their attachments.
fn sql_incidents(conn: &Connection, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Res<usize> {
    let n = read_all(
        conn,
        &format!("{SELECT_INCIDENTS} WHERE {filter} ORDER BY i.occurred_utc, i.number"),
        args,
    )?;
    read_all(
        conn,
        &format!("{SELECT_ATTACHMENTS} JOIN incidents i ON i.id = a.incident_id WHERE {filter} ORDER BY a.incident_id, a.position"),
        args,
    )?;
    Ok(n)
}

const ALL: &str = "i.deleted_at IS NULL";
const MONTH: &str = "i.deleted_at IS NULL AND substr(i.occurred_local, 1, 10) >= ?1 AND substr(i.occurred_local, 1, 10) <= ?2";
const SEARCH: &str = "i.deleted_at IS NULL AND i.number IN (SELECT rowid FROM incident_search WHERE incident_search MATCH ?1)";

/// The least SQL that records one new incident with its revision, as the journal does:
/// next number, chain head, the revision (SHA-256 over the previous hash and the body), the
/// current-state row, the search row, in one durable transaction; then reads it back.
fn sql_insert(conn: &mut Connection, input: &IncidentInput, n: usize) -> Res<()> {
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let tx = conn.transaction()?;
    let number: i64 = tx.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents",
        [],
        |r| r.get(0),
    )?;
    let (seq, prev): (i64, String) = tx.query_row(
        "SELECT seq, hash FROM revisions ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let now = chrono::Utc::now().to_rfc3339();
    let body = serde_json::to_string(&serde_json::json!({
        "number": number, "occurred": {"local": input.occurred_at, "timezone": input.timezone},
        "recorded_at": now, "kinds": input.kinds, "location": input.location,
        "description": input.description, "quotes": input.quotes, "witnesses": input.witnesses,
        "order_id": input.order_id, "police": input.police, "attachments": [],
    }))?;
    let mut hasher = Sha256::new();
    hasher.update(hex::decode(&prev)?);
    hasher.update(body.as_bytes());
    let hash = hex::encode(hasher.finalize());
    tx.execute(
        "INSERT INTO revisions (seq, entity, entity_id, op, recorded_at, reason, body, attachments, prev_hash, hash)
         VALUES (?1, 'incident', ?2, 'create', ?3, NULL, ?4, '', ?5, ?6)",
        params![seq + 1, id, now, body, prev, hash],
    )?;
    let local = format!("{}:00", input.occurred_at);
    tx.execute(
        "INSERT INTO incidents (id, number, occurred_utc, occurred_end_utc, occurred_local, timezone,
             utc_offset_s, approximate, recorded_at, updated_at, amended, order_id, body, deleted_at, deleted_reason,
             occurred_abbreviation, kinds, location, summary, exhibits, reported)
         VALUES (?1, ?2, ?3, NULL, ?4, ?5, -28800, 0, ?6, ?6, 0, ?7, ?8, NULL, NULL, 'PST', ?9, ?10, ?11, 0, ?12)",
        params![
            id,
            number,
            local,
            local,
            input.timezone,
            now,
            input.order_id,
            body,
            input.kinds.iter().map(|k| k.key()).collect::<Vec<_>>().join(","),
            input.location,
            input.description.chars().take(160).collect::<String>(),
            input.police.is_some()
        ],
    )?;
    tx.execute(
        "INSERT INTO incident_search (incident_id, location, description, quotes, captions, transcripts, extra)
         VALUES (?1, ?2, ?3, ?4, '', '', '')",
        params![id, input.location, input.description, input.quotes.join("\n")],
    )?;
    tx.commit()?;
    sql_incidents(conn, "i.id = ?1", &[&id])?;
    Ok(())
}

/// Opens a database as the journal does: the key, a check that it opens, the same pragmas.
fn sql_connect(path: &Path, key: Option<&str>) -> Res<Connection> {
    let conn = Connection::open(path)?;
    if let Some(key) = key {
        conn.execute_batch(&format!(
            "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{key}\";"
        ))?;
    }
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// The least work a whole chain check does beyond the KDF: open the database, check it, and
/// read and hash every revision.
fn sql_unlock(path: &Path, key: Option<&str>) -> Res<Connection> {
    let conn = sql_connect(path, key)?;
    {
        let mut stmt = conn.prepare(
            "SELECT seq, entity, entity_id, op, recorded_at, reason, body, attachments, prev_hash, hash FROM revisions ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut hasher = Sha256::new();
        while let Some(row) = rows.next()? {
            let body: String = row.get(6)?;
            hasher.update(body.as_bytes());
        }
        std::hint::black_box(hasher.finalize());
    }
    Ok(conn)
}

/// The least any unlock must do, whatever it checks: open the database with its key, check
/// it opens, and read the chain's head (the journal's fingerprint).
pub(super) fn sql_open(path: &Path, key: Option<&str>) -> Res<Connection> {
    let conn = sql_connect(path, key)?;
    let head: String = conn.query_row(
        "SELECT hash FROM revisions ORDER BY seq DESC LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    std::hint::black_box(head);
    Ok(conn)
}

/// The timeline's rows as the app asks for a page: `limit` rows after the incident numbered
/// `after` (from the top with `None`), and for the first page the count of all matches.
fn sql_timeline_page(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
    after: Option<i64>,
    limit: usize,
) -> Res<usize> {
    let mut args = args.to_vec();
    let filter = match &after {
        None => {
            let count: i64 = conn
                .prepare_cached(&format!("SELECT count(*) FROM incidents i WHERE {filter}"))?
                .query_row(&*args, |r| r.get(0))?;
            std::hint::black_box(count);
            filter.to_string()
        }
        Some(after) => {
            args.push(after);
            format!(
                "{filter} AND (i.occurred_utc, i.number) > (SELECT occurred_utc, number FROM incidents WHERE number = ?{})",
                args.len()
            )
        }
    };
    read_all(
        conn,
        &format!(
            "SELECT i.id, i.number, i.occurred_local, i.approximate, i.amended, i.occurred_abbreviation,
                 i.kinds, i.location, i.summary, i.exhibits, i.reported
             FROM incidents i WHERE {filter} ORDER BY i.occurred_utc, i.number LIMIT {limit}"
        ),
        &args,
    )
}

/// Per size: what `growth` prints in its summary.
pub(super) struct OpsFigures {
    incidents: usize,
    unlock_rest: f64,
    timeline: f64,
    month: f64,
    search: f64,
    insert: f64,
    attach: f64,
    floors: [f64; 5],
    /// Unlock's floor that reads only the head (`sql_open`).
    open_floor: f64,
    /// The whole walk the app runs after unlock, in steps of 2,000 revisions.
    whole_walk: f64,
    first_page: f64,
    middle_page: f64,
    search_page: f64,
}

pub(super) fn ops_section(args: &Args, set: &Dataset, label: &str) -> Res<OpsFigures> {
    println!(
        "\n## 3. Journal operations: {label} ({} incidents, {} files)",
        set.spec.incidents,
        set.spec.files()
    );
    let work = args.data.join(format!("work-{}", set.spec.name()));
    working_copy(set, &work)?;
    // Opened once untimed: brings a copy made by an older build up to date (migrations), and
    // its whole history checked as the app does after unlock, which leaves the checkpoint at
    // the head (unlock itself writes nothing).
    {
        let (journal, _) = Journal::open(&work, Unlock::RecoveryKey(&set.recovery))?;
        let mut check = journal.begin_history_check();
        while journal.continue_history_check(&mut check, 2_000)?.is_none() {}
    }
    let key =
        keys::unwrap_with_recovery(&fs::read(work.join("unlock/recovery.age"))?, &set.recovery)?
            .sqlcipher_literal();
    let plain_path = work.join("plain.db");
    {
        let conn = Connection::open(work.join("journal.db"))?;
        conn.execute_batch(&format!(
            "PRAGMA cipher_log_level = NONE; PRAGMA key = \"{}\";",
            key.as_str()
        ))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [plain_path.to_str().ok_or("path")?],
        )?;
        conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))?;
        conn.execute_batch("DETACH DATABASE plain;")?;
    }
    let reps = args.reps.max(3);
    let pass = passphrase();

    // Unlock: the whole of it, the KDF alone, and the rest (with the recovery key: X25519).
    let (mut whole, mut kdf, mut rest, mut rest_floor, mut rest_enc) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut open_floor, mut walk) = (vec![], vec![]);
    let wrapped = fs::read(work.join("unlock/passphrase.age"))?;
    for _ in 0..reps {
        whole.push(
            time(|| {
                drop(Journal::open(&work, Unlock::Passphrase(&pass))?);
                Ok(())
            })?
            .0,
        );
        kdf.push(
            time(|| {
                drop(keys::unwrap_with_passphrase(&wrapped, &pass)?);
                Ok(())
            })?
            .0,
        );
        rest.push(
            time(|| {
                drop(Journal::open(&work, Unlock::RecoveryKey(&set.recovery))?);
                Ok(())
            })?
            .0,
        );
        rest_floor.push(
            time(|| {
                drop(sql_unlock(&plain_path, None)?);
                Ok(())
            })?
            .0,
        );
        // The same reads on the encrypted file: what decrypting every page costs.
        rest_enc.push(
            time(|| {
                drop(sql_unlock(&work.join("journal.db"), Some(key.as_str()))?);
                Ok(())
            })?
            .0,
        );
        open_floor.push(
            time(|| {
                drop(sql_open(&plain_path, None)?);
                Ok(())
            })?
            .0,
        );
    }
    // The whole walk the app runs after unlock (history.rs: steps of 2,000 revisions), on an
    // open journal whose pages are not yet cached, as right after unlock.
    for _ in 0..reps {
        let (journal, _) = Journal::open(&work, Unlock::RecoveryKey(&set.recovery))?;
        walk.push(
            time(|| {
                let mut check = journal.begin_history_check();
                while journal.continue_history_check(&mut check, 2_000)?.is_none() {}
                Ok(())
            })?
            .0,
        );
    }
    let (open_floor, whole_walk) = (median(open_floor), median(walk));
    let (whole, kdf, rest, rest_floor, rest_enc) = (
        median(whole),
        median(kdf),
        median(rest),
        median(rest_floor),
        median(rest_enc),
    );
    row(
        "unlock, whole (passphrase)",
        ms(whole),
        "-".into(),
        f64::NAN,
        "(absolute)",
    );
    row(
        "unlock, KDF alone (scrypt, calibrated ~1 s)",
        ms(kdf),
        "-".into(),
        f64::NAN,
        "(absolute)",
    );
    row(
        "unlock without KDF (recovery key; walks the revisions after the checkpoint)",
        ms(rest),
        format!(
            "{} open+read+hash revisions, plain ({} same on the encrypted file)",
            ms(rest_floor),
            ms(rest_enc)
        ),
        rest / rest_floor,
        "<= 1.3",
    );
    row(
        "unlock without KDF, against opening alone",
        ms(rest),
        format!("{} open and read the head, plain", ms(open_floor)),
        rest / open_floor,
        "-",
    );
    row(
        "whole history walk after unlock (the app's background check)",
        ms(whole_walk),
        format!("{} open+read+hash revisions, plain", ms(rest_floor)),
        whole_walk / rest_floor,
        "(background)",
    );

    let (mut journal, _) = Journal::open(&work, Unlock::RecoveryKey(&set.recovery))?;
    let month_from = NaiveDate::from_ymd_opt(2025, 6, 1).ok_or("date")?;
    let month_to = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("date")?;
    let (from_s, to_s) = (month_from.to_string(), month_to.to_string());
    let month_filter = IncidentFilter {
        from: Some(month_from),
        to: Some(month_to),
        ..IncidentFilter::default()
    };
    let search_word = "truck";
    let fts = format!("\"{search_word}\"*");
    let mut figures = Vec::new();
    type Ours<'a> = Box<dyn FnMut(&mut Journal) -> Res<usize> + 'a>;
    type Floor<'a> = Box<dyn FnMut(&Connection) -> Res<usize> + 'a>;
    let all = IncidentFilter::default();
    // The incident in the middle of the timeline, after which the middle page starts.
    let middle: i64 = sql_open(&plain_path, None)?.query_row(
        "SELECT number FROM incidents WHERE deleted_at IS NULL ORDER BY occurred_utc, number
         LIMIT 1 OFFSET (SELECT count(*) / 2 FROM incidents WHERE deleted_at IS NULL)",
        [],
        |r| r.get(0),
    )?;
    // The first three are what the app's timeline asks (`Journal::timeline`); the fourth
    // reads whole incidents with their attachments, as the report and the editor do.
    let cases: Vec<(&str, Ours, Floor)> = vec![
        (
            "timeline, all incidents",
            Box::new(|j: &mut Journal| -> Res<usize> { Ok(j.timeline(&all, "")?.len()) }),
            Box::new(|c: &Connection| -> Res<usize> { sql_timeline(c, ALL, &[]) }),
        ),
        (
            "one month (June 2025)",
            Box::new(|j: &mut Journal| -> Res<usize> { Ok(j.timeline(&month_filter, "")?.len()) }),
            Box::new(|c: &Connection| -> Res<usize> { sql_timeline(c, MONTH, &[&from_s, &to_s]) }),
        ),
        (
            "full-text search (\"truck\")",
            Box::new(|j: &mut Journal| -> Res<usize> { Ok(j.timeline(&all, search_word)?.len()) }),
            Box::new(|c: &Connection| -> Res<usize> { sql_timeline(c, SEARCH, &[&fts]) }),
        ),
        (
            "whole incidents with attachments, all",
            Box::new(|j: &mut Journal| -> Res<usize> { Ok(j.incidents(&all)?.len()) }),
            Box::new(|c: &Connection| -> Res<usize> { sql_incidents(c, ALL, &[]) }),
        ),
        // What the app's timeline asks since it pages (`Journal::timeline_page`).
        (
            "timeline, first page (200 rows and the count)",
            Box::new(|j: &mut Journal| -> Res<usize> {
                Ok(j.timeline_page(&all, "", None, 200)?.rows.len())
            }),
            Box::new(|c: &Connection| -> Res<usize> { sql_timeline_page(c, ALL, &[], None, 200) }),
        ),
        (
            "timeline, a page from the middle (500 rows)",
            Box::new(|j: &mut Journal| -> Res<usize> {
                Ok(j.timeline_page(&all, "", Some(middle), 500)?.rows.len())
            }),
            Box::new(|c: &Connection| -> Res<usize> {
                sql_timeline_page(c, ALL, &[], Some(middle), 500)
            }),
        ),
        (
            "search, first page (\"truck\", 200 rows and the count)",
            Box::new(|j: &mut Journal| -> Res<usize> {
                Ok(j.timeline_page(&all, search_word, None, 200)?.rows.len())
            }),
            Box::new(|c: &Connection| -> Res<usize> {
                sql_timeline_page(c, SEARCH, &[&fts], None, 200)
            }),
        ),
    ];
    for (name, mut ours, mut floor) in cases {
        let (mut o, mut p, mut e) = (vec![], vec![], vec![]);
        let mut count = (0, 0);
        // Ours, then the floors, each repeated, in one run. Not interleaved: SQLite's page
        // caches share one pool in this build (SQLITE_ENABLE_MEMORY_MANAGEMENT), so a scan on
        // another file-backed connection in this process evicts the journal's cached pages;
        // interleaved, every journal query here ran about 3x slower at 100,000 incidents than
        // it does in the app, which holds one connection. Each floor connection is open only
        // for its own repetitions.
        for _ in 0..reps {
            let (s, n) = time(|| ours(&mut journal))?;
            o.push(s);
            count.0 = n;
        }
        {
            let plain = sql_unlock(&plain_path, None)?;
            for _ in 0..reps {
                let (s, n) = time(|| floor(&plain))?;
                p.push(s);
                count.1 = n;
            }
        }
        {
            let enc = sql_unlock(&work.join("journal.db"), Some(key.as_str()))?;
            for _ in 0..reps {
                e.push(time(|| floor(&enc))?.0);
            }
        }
        if count.0 != count.1 {
            println!(
                "WARNING: {name}: journal returned {} rows, SQL {}",
                count.0, count.1
            );
        }
        let (o, p, e) = (median(o), median(p), median(e));
        row(
            &format!("{name}: {} incidents", count.0),
            ms(o),
            format!(
                "{} plain SQLite ({} same SQL on the encrypted file)",
                ms(p),
                ms(e)
            ),
            o / p,
            "<= 1.3",
        );
        figures.push((o, p));
    }
    // Insert one incident with its revision (durable commit).
    let mut plain = sql_unlock(&plain_path, None)?;
    let mut rng = StdRng::seed_from_u64(99);
    let order_id = journal.orders()?.first().ok_or("order")?.id.clone();
    let (mut o, mut p) = (vec![], vec![]);
    for k in 0..reps.max(5) {
        let input = incident_input(&mut rng, last_day(), &order_id);
        o.push(
            time(|| {
                drop(journal.add_incident(&input)?);
                Ok(())
            })?
            .0,
        );
        p.push(time(|| sql_insert(&mut plain, &input, k))?.0);
    }
    let (insert, insert_floor) = (median(o), median(p));
    row(
        "insert one incident with its revision",
        ms(insert),
        format!("{} plain SQLite, same statements", ms(insert_floor)),
        insert / insert_floor,
        "<= 1.3",
    );
    // Attach one 250 KB screenshot to an existing incident (import plus its revision).
    let shot = work.join("shot.jpg");
    fs::write(&shot, screenshot(7))?;
    let target = journal
        .incidents(&month_filter)?
        .first()
        .ok_or("incident")?
        .id
        .clone();
    let mut a = vec![];
    for _ in 0..reps {
        a.push(
            time(|| {
                drop(journal.attach(&target, &shot, None, &mut |_, _| true)?);
                Ok(())
            })?
            .0,
        );
    }
    let attach = median(a);
    row(
        "attach one 0.2 MB screenshot (import + revision)",
        ms(attach),
        "-".into(),
        f64::NAN,
        "(absolute)",
    );
    drop(journal);
    drop(plain);
    let _ = fs::remove_dir_all(&work);
    Ok(OpsFigures {
        incidents: set.spec.incidents,
        unlock_rest: rest,
        timeline: figures[0].0,
        month: figures[1].0,
        search: figures[2].0,
        insert,
        attach,
        floors: [
            rest_floor,
            figures[0].1,
            figures[1].1,
            figures[2].1,
            insert_floor,
        ],
        open_floor,
        whole_walk,
        first_page: figures[4].0,
        middle_page: figures[5].0,
        search_page: figures[6].0,
    })
}

// ---------------------------------------------------------------------------------------
// 5. Growth

pub(super) fn growth_section(args: &Args) -> Res<()> {
    println!("\n## 5. Growth: text-only journals (no attachments)");
    let mut all = Vec::new();
    for &n in &args.growth {
        let set = dataset(args, &Spec::new(n, 0, 0, 0))?;
        let figures = ops_section(args, &set, &format!("{n} incidents, text only"))?;
        let report = if n <= 10_000 {
            let (journal, _) = Journal::open(&set.root, Unlock::RecoveryKey(&set.recovery))?;
            let mut options = ReportOptions::new(Scope::default());
            options.max_bytes = None;
            let (secs, report) = time(|| Ok(render(&journal, &options)?))?;
            println!(
                "report of all {n} incidents, one file: {} pages, {:.2} s",
                report.pages, secs
            );
            Some(secs)
        } else {
            None
        };
        all.push((figures, report));
    }
    println!("\n| incidents | unlock w/o KDF | whole walk (background) | first page | middle page | search, first page | timeline (all rows) | one month | search (all rows) | insert | attach 0.2 MB | report (all, text) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (f, report) in &all {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.incidents,
            ms(f.unlock_rest),
            ms(f.whole_walk),
            ms(f.first_page),
            ms(f.middle_page),
            ms(f.search_page),
            ms(f.timeline),
            ms(f.month),
            ms(f.search),
            ms(f.insert),
            ms(f.attach),
            report
                .map(|s| format!("{s:.2} s"))
                .unwrap_or_else(|| "not run".into())
        );
    }
    println!("floors (plain SQLite): open and read the head | unlock (whole walk), timeline, month, search, insert");
    for (f, _) in &all {
        println!(
            "| {} | {} | {} |",
            f.incidents,
            ms(f.open_floor),
            f.floors
                .iter()
                .map(|s| ms(*s))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    Ok(())
}
