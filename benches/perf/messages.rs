//! Section 6 of the perf bench: journals of texts and calls imported from a phone, at the sizes
//! of `--growth` (records = texts + calls), and what the Messages screen and the report ask of
//! them (issue 18): the list of conversations, a page of his conversation (the newest, and one
//! from the middle), searches for a rare and a common word (counts per conversation, and his
//! first page), a month's report, unlock, and an import of a thousand more records. Each
//! beside the same SQL on the same encrypted file.
//!
//! The backups are written by benches/common/phone_history.rs (the phone_import bench's
//! generator): his texts and calls (three tenths of the records), family and services, no
//! pictures. Journals are built once into `--data` (untimed but for the import, printed).

use super::*;
use crate::phone_history::{self, Plan, Sizes};
use daybook::journal::{RecordCursor, ThreadPart};

/// His number as the generated backups write it, normalised as imports store it.
const HIS_THREAD: &str = "+15550101234";
/// A word only some of his texts hold (`phone_history::HIS_WORDS`).
const SEARCH_WORD: &str = "porch";
/// A word about half the texts hold: a search whose matches are a large part of the journal.
const COMMON_WORD: &str = "you";
/// The page the app's conversation asks for (src-tauri/src/messages.rs `THREAD_PAGE`).
const PAGE: usize = 500;

struct Figures {
    records: u64,
    unlock: f64,
    open_floor: f64,
    list: f64,
    list_before: Option<f64>,
    newest_page: f64,
    middle_page: f64,
    page_floor: f64,
    search: f64,
    search_floor: f64,
    search_matches: u64,
    /// The search's first page of his conversation (what the open conversation shows).
    search_his: f64,
    search_common: f64,
    /// The common word's first page of his conversation.
    common_his: f64,
    common_floor: f64,
    common_matches: u64,
    import_more: f64,
    import_more_added: u64,
    report_month: f64,
    report_pages: usize,
}

/// The backup of `n` records: (texts file, calls file).
fn sizes(n: usize) -> Sizes {
    Sizes {
        his_texts: n * 25 / 100,
        other_texts: n * 55 / 100,
        his_calls: n * 5 / 100,
        other_calls: n - n * 25 / 100 - n * 55 / 100 - n * 5 / 100,
        target_bytes: 0,
    }
}

/// A journal holding `n` generated records, built the first time (its import timed, beside
/// reading and hashing the files).
fn dataset(args: &Args, n: usize) -> Res<(PathBuf, RecoveryKey)> {
    let dir = args.data.join(format!("messages-{n}"));
    if !dir.join("done").exists() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        let plan = Plan::new(&sizes(n));
        let files = phone_history::write_backup(
            &dir,
            "20260101000000",
            &plan,
            0..plan.messages_in_first,
            0..plan.calls_in_first,
            false,
        )?;
        let (floor, _) = time(|| {
            for f in &files {
                std::hint::black_box(Sha256::digest(fs::read(f)?));
            }
            Ok(())
        })?;
        let root = dir.join("journal");
        let (mut journal, recovery) = Journal::create(&root, &passphrase(), KdfCost::LogN(10))?;
        let mut order = common::order_input("HF20-000777", "2020-06-02", "2027-06-02");
        if let Some(daybook::model::PersonRef::New(person)) = &mut order.respondent {
            person.phones = vec![phone_history::HIS_NUMBER.into()];
        }
        let order_id = journal.add_order(&order)?.id;
        // An incident a week over the backup's two years (a report needs incidents).
        let mut rng = StdRng::seed_from_u64(18);
        let mut day = NaiveDate::from_ymd_opt(2024, 1, 3).ok_or("date")?;
        while day < NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")? {
            journal.add_incident(&incident_input(&mut rng, day, &order_id))?;
            day += Duration::days(7);
        }
        let (secs, added) = time(|| {
            let mut added = 0;
            for f in &files {
                added += journal.import_phone_backup(f, &mut |_, _| true)?.added;
            }
            Ok(added)
        })?;
        println!(
            "built messages-{n}: imported {added} records in {secs:.2} s ({:.1} µs a record; reading and hashing the files {floor:.2} s)",
            secs * 1e6 / added.max(1) as f64
        );
        for f in &files {
            fs::remove_file(f)?;
        }
        fs::write(dir.join("recovery.txt"), recovery.expose())?;
        fs::write(dir.join("done"), format!("{added}\n"))?;
    }
    let recovery = RecoveryKey::parse(&fs::read_to_string(dir.join("recovery.txt"))?)?;
    Ok((dir.join("journal"), recovery))
}

/// His conversation as the app reads it: his thread and the groups he is in, and calls from
/// a withheld number.
fn his_parts(journal: &Journal) -> Res<Vec<ThreadPart>> {
    let mut parts: Vec<ThreadPart> = Vec::new();
    for g in journal.record_groups(&[])? {
        let part = if g.numbers.iter().any(|n| n == HIS_THREAD) {
            ThreadPart {
                numbers: g.numbers,
                withheld_calls: None,
            }
        } else if g.withheld_calls() {
            ThreadPart {
                numbers: Vec::new(),
                withheld_calls: Some(true),
            }
        } else {
            continue;
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    Ok(parts)
}

/// Brings a journal built by an earlier version up to date, untimed in the figures but printed:
/// a migration that indexes every record is paid once, at the first unlock after an update.
fn migrate(root: &Path, recovery: &RecoveryKey, db: &Path, key: &str) -> Res<()> {
    let version = |db: &Path| -> Res<i64> {
        let conn = ops::sql_open(db, Some(key))?;
        Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    };
    let before = version(db)?;
    let size = || fs::metadata(db).map(|m| m.len() as f64 / 1e6);
    let size_before = size()?;
    let (secs, _) = time(|| Ok(Journal::open(root, Unlock::RecoveryKey(recovery))?))?;
    let after = version(db)?;
    if after != before {
        println!(
            "migrated {} from version {before} to {after} in {secs:.2} s ({size_before:.0} -> {:.0} MB)",
            root.display(),
            size()?
        );
    }
    Ok(())
}

fn figures(args: &Args, n: usize) -> Res<Figures> {
    let (root, recovery) = dataset(args, n)?;
    let work = args.data.join(format!("work-messages-{n}"));
    let small = args.data.join("messages-more");
    let more_files = if small.join("done").exists() {
        vec![small.join("sms-more.xml"), small.join("calls-more.xml")]
    } else {
        let _ = fs::remove_dir_all(&small);
        fs::create_dir_all(&small)?;
        // A thousand records of a later backup (times of its own plan, no overlap to speak of).
        let plan = Plan::new(&sizes(1_000));
        let files = phone_history::write_backup(
            &small,
            "more",
            &plan,
            0..plan.messages_in_first,
            0..plan.calls_in_first,
            true,
        )?;
        fs::write(small.join("done"), "")?;
        files
    };
    let key = keys::unwrap_with_recovery(&fs::read(root.join("unlock/recovery.age"))?, &recovery)?
        .sqlcipher_literal();
    let db = root.join("journal.db");
    migrate(&root, &recovery, &db, key.as_str())?;
    let mut f = Vec::new();
    for _ in 0..args.reps {
        let unlock = time(|| Ok(Journal::open(&root, Unlock::RecoveryKey(&recovery))?))?;
        let (journal, _) = unlock.1;
        let open_floor = time(|| ops::sql_open(&db, Some(key.as_str())))?;
        let conn = open_floor.1;
        let records: u64 = conn.query_row("SELECT count(*) FROM communications", [], |r| {
            r.get::<_, i64>(0)
        })? as u64;
        let list = time(|| Ok(journal.record_groups(&[])?))?.0;
        let list_before = if n <= 100_000 {
            Some(time(|| Ok(journal.communications(&Default::default())?.len()))?.0)
        } else {
            None
        };
        let parts = his_parts(&journal)?;
        let newest_page = time(|| Ok(journal.conversation_page(&parts, &[], None, PAGE)?))?.0;
        let middle: RecordCursor = conn.query_row(
            "SELECT at_ms, import_id, position FROM communications WHERE thread = ?1
             ORDER BY at_ms LIMIT 1 OFFSET (SELECT count(*) / 2 FROM communications WHERE thread = ?1)",
            [HIS_THREAD],
            |r| {
                Ok(RecordCursor {
                    at_ms: r.get(0)?,
                    import_id: r.get(1)?,
                    position: r.get::<_, i64>(2)? as u64,
                })
            },
        )?;
        let middle_page =
            time(|| Ok(journal.conversation_page(&parts, &[], Some(&middle), PAGE)?))?.0;
        let page_floor = time(|| {
            ops::read_all(
                &conn,
                &format!("SELECT * FROM communications WHERE thread = ?1 ORDER BY at_ms DESC LIMIT {PAGE}"),
                &[&HIS_THREAD],
            )
        })?
        .0;
        let words = vec![SEARCH_WORD.to_string()];
        let (search, groups) = time(|| Ok(journal.record_groups(&words)?))?;
        let search_floor = time(|| {
            ops::read_all(
                &conn,
                "SELECT thread, count(*) FROM communications WHERE body LIKE ?1 GROUP BY thread",
                &[&format!("%{SEARCH_WORD}%")],
            )
        })?
        .0;
        let search_his = time(|| Ok(journal.conversation_page(&parts, &words, None, PAGE)?))?.0;
        let common = vec![COMMON_WORD.to_string()];
        let (search_common, common_groups) = time(|| Ok(journal.record_groups(&common)?))?;
        let common_his = time(|| Ok(journal.conversation_page(&parts, &common, None, PAGE)?))?.0;
        let common_floor = time(|| {
            ops::read_all(
                &conn,
                "SELECT thread, count(*) FROM communications WHERE body LIKE ?1 GROUP BY thread",
                &[&format!("%{COMMON_WORD}%")],
            )
        })?
        .0;
        let mut options = ReportOptions::new(Scope {
            from: NaiveDate::from_ymd_opt(2024, 6, 1),
            to: NaiveDate::from_ymd_opt(2024, 6, 30),
            ..Scope::default()
        });
        options.max_bytes = None;
        let (report_month, report) = time(|| Ok(render(&journal, &options)?))?;
        drop(journal);
        drop(conn);

        // A thousand more records into a copy of the journal.
        let _ = fs::remove_dir_all(&work);
        copy_tree(&root, &work)?;
        let (mut copy, _) = Journal::open(&work, Unlock::RecoveryKey(&recovery))?;
        let (import_more, added) = time(|| {
            let mut added = 0;
            for file in &more_files {
                added += copy.import_phone_backup(file, &mut |_, _| true)?.added;
            }
            Ok(added)
        })?;
        drop(copy);
        fs::remove_dir_all(&work)?;
        f.push(Figures {
            records,
            unlock: unlock.0,
            open_floor: open_floor.0,
            list,
            list_before,
            newest_page,
            middle_page,
            page_floor,
            search,
            search_floor,
            search_matches: groups.iter().map(|g| g.records).sum(),
            search_his,
            search_common,
            common_his,
            common_floor,
            common_matches: common_groups.iter().map(|g| g.records).sum(),
            import_more,
            import_more_added: added,
            report_month,
            report_pages: report.pages,
        });
    }
    let med = |pick: fn(&Figures) -> f64| median(f.iter().map(pick).collect());
    let first = &f[0];
    Ok(Figures {
        records: first.records,
        unlock: med(|x| x.unlock),
        open_floor: med(|x| x.open_floor),
        list: med(|x| x.list),
        list_before: first
            .list_before
            .map(|_| med(|x| x.list_before.unwrap_or(0.0))),
        newest_page: med(|x| x.newest_page),
        middle_page: med(|x| x.middle_page),
        page_floor: med(|x| x.page_floor),
        search: med(|x| x.search),
        search_floor: med(|x| x.search_floor),
        search_matches: first.search_matches,
        search_his: med(|x| x.search_his),
        search_common: med(|x| x.search_common),
        common_his: med(|x| x.common_his),
        common_floor: med(|x| x.common_floor),
        common_matches: first.common_matches,
        import_more: med(|x| x.import_more),
        import_more_added: first.import_more_added,
        report_month: med(|x| x.report_month),
        report_pages: first.report_pages,
    })
}

pub(super) fn messages_section(args: &Args) -> Res<()> {
    println!(
        "\n## 6. Texts and calls (phone records), median of {}",
        args.reps
    );
    let mut all = Vec::new();
    for &n in &args.growth {
        all.push(figures(args, n)?);
        println!("({n} records measured, load {})", loadavg());
    }
    println!("\n| records | unlock w/o KDF (open, read the head) | conversations list (before: read every record) | his newest {PAGE} | {PAGE} from the middle (same SQL) | search \"{SEARCH_WORD}\" (LIKE in SQL) | import 1,000 more | report of one month |");
    println!("|---|---|---|---|---|---|---|---|");
    for x in &all {
        println!(
            "| {} | {} ({}) | {} ({}) | {} | {} ({}) | {} ({}; {} matches) | {} ({} added) | {} ({} pages) |",
            x.records,
            ms(x.unlock),
            ms(x.open_floor),
            ms(x.list),
            x.list_before.map(ms).unwrap_or_else(|| "not run".into()),
            ms(x.newest_page),
            ms(x.middle_page),
            ms(x.page_floor),
            ms(x.search),
            ms(x.search_floor),
            x.search_matches,
            ms(x.import_more),
            x.import_more_added,
            ms(x.report_month),
            x.report_pages,
        );
    }
    println!("\n| records | search \"{SEARCH_WORD}\" (LIKE in SQL; matches) | its first {PAGE} of his conversation | search \"{COMMON_WORD}\" (LIKE in SQL; matches) | its first {PAGE} of his conversation |");
    println!("|---|---|---|---|---|");
    for x in &all {
        println!(
            "| {} | {} ({}; {}) | {} | {} ({}; {}) | {} |",
            x.records,
            ms(x.search),
            ms(x.search_floor),
            x.search_matches,
            ms(x.search_his),
            ms(x.search_common),
            ms(x.common_floor),
            x.common_matches,
            ms(x.common_his),
        );
    }
    Ok(())
}
