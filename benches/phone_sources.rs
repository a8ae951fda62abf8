//! Importing the two newer phone sources at scale (issue 15), each beside its floor in the
//! same run: a WhatsApp Android chat export of 100,000 lines, and an iPhone backup whose
//! `sms.db` holds 100,000 messages, unencrypted and then an encrypted copy of it (read with
//! the backup password: its databases are decrypted into memory, so its peak is the one to
//! watch). For each: read + SHA-256 of the same files (the
//! floor, before and after the import), the first import into a fresh journal with its peak
//! memory above the unlocked journal (goal: under 128 MiB), and a second import of the same
//! files (recognised from its SHA-256, adds nothing).
//!
//! Run: `scripts/bench-phone-sources [--quick]`, which is
//! `cargo bench --locked -p daybook --bench phone_sources -- [OPTIONS]`.
//!
//! - `--quick`: 10,000 lines and 10,000 messages instead of 100,000.
//!
//! The chat, "WhatsApp Chat with Marcus.txt", is written line by line in the Android format
//! with a 24-hour clock and month-first two-digit-year dates (`3/14/25, 21:15 - Marcus: ...`,
//! tests/phone_sources.rs and src/phone/whatsapp/lines.rs): the encryption notice, then two
//! senders (Marcus, whom the file is named after, and Dana, the person), one message in
//! twenty on two to four lines, one in two hundred "<Media omitted>", accents and emoji. It
//! is read in America/Los_Angeles; a stamp that would fall in the hour the clocks skip (it
//! names no time) or repeat (the import refuses the whole chat until the person says which
//! pass) is moved to the next minute that exists once, and the bench says how many were.
//!
//! The backup is built with the tests' fixture (tests/util/iphone_backup.rs: Manifest.db,
//! the plists, `sms.db` with iOS 17's tables): five handles (the restrained person's number
//! over iMessage and SMS, two others, an email address), a one-to-one chat each, and messages
//! a few minutes apart in nanoseconds since 2001, 60% with `text`, 30% with only
//! `attributedBody` (the typedstream iOS writes, as the fixture encodes it), 10% with both.
//! Both are deterministic (seeded) except for the journal's own ids and keys. The encrypted
//! copy is the fixture's `encrypted_copy` (tests/util/iphone_backup_encrypted.rs: every file
//! AES-256-CBC with its own wrapped key, as an iPhone writes them) with one round of each key
//! derivation: a phone's 10,000,000 PBKDF2-SHA256 rounds add about 1.5 s, and no memory.
//!
//! Peak memory is measured as benches/phone_import.rs measures it (benches/common/memory.rs):
//! each import runs in a fresh child process (this binary again, with
//! `DAYBOOK_BENCH_SOURCES_CHILD` set, unlocked with the recovery key: no KDF;
//! benches/common/child.rs), which notes `VmRSS` of the unlocked journal, resets `VmHWM` to it
//! through `/proc/self/clear_refs`, imports, and reads `VmHWM`; the figure is the difference.
//! Where `clear_refs` cannot reset the peak, it is the whole child's peak above its unlocked
//! journal. The floor, the journal, the printed lines and the table are benches/common/phone.rs.

#[path = "common/child.rs"]
mod child;
// Only the order (`common::order_input`) of what the other benches share.
#[allow(dead_code)]
mod common;
#[path = "../tests/util/iphone_backup.rs"]
mod iphone_backup;
#[path = "common/memory.rs"]
mod memory;
#[path = "common/phone.rs"]
mod phone;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use daybook::model::OrderInput;
use daybook::phone::whatsapp::ChatChoices;
use daybook::{Journal, RecoveryKey, Unlock};
use iphone_backup::{add_chat, add_handle, add_message, apple_ns, Backup, Message};
use memory::{clear_refs_works, loadavg, measure, Cost};
use phone::{floor, mb, name, print_floor, print_imports, total_size, FileRun, Floor, Table};
use secrecy::SecretString;

type Error = Box<dyn std::error::Error>;
type Res<T> = Result<T, Error>;

const SEED: u64 = 15;
const CHILD_ENV: &str = "DAYBOOK_BENCH_SOURCES_CHILD";
const ZONE: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

const CHAT_FILE: &str = "WhatsApp Chat with Marcus.txt";
const HIM: &str = "Marcus";
const ME: &str = "Dana";
/// The restrained person's number, on the order and as the iPhone's handles write it.
const HIS_NUMBER: &str = "+15105550100";

const HIS_WORDS: [&str; 16] = [
    "Answer your phone.",
    "I know you're home, your car is in the driveway.",
    "Why are you doing this to me?",
    "You can't keep the kids from me forever.",
    "Drop the case and we can talk like adults.",
    "I saw you at the store today \u{1F440}",
    "Te extraño. Por favor contéstame.",
    "I'm outside.",
    "You'll regret going to court.",
    "Just one coffee, that's all I'm asking \u{2615}",
    "Who is he?? I saw the pictures \u{1F621}",
    "I'm not going anywhere.",
    "Call me back NOW",
    "Your mother & sister can't protect you",
    "<3 remember when we were happy?",
    "\"No contact\" doesn't mean I can't see you",
];

const HER_WORDS: [&str; 8] = [
    "Leave me alone.",
    "You are not allowed to contact me.",
    "Stop messaging me.",
    "I'm saving all of this for the court.",
    "Déjame en paz.",
    "Talk to my lawyer.",
    "The kids are fine. Don't come here.",
    "I'm blocking this number after tonight.",
];

const OTHER_WORDS: [&str; 10] = [
    "Dinner at 6?",
    "Running 10 min late \u{1F697}",
    "Love you! \u{2764}\u{FE0F}",
    "Mamá dice que vengas el domingo \u{1F60A}",
    "Did you get the forms from the lawyer?",
    "ok",
    "Are you safe? Call me when you can.",
    "Happy Friday \u{1F389}\u{1F389}",
    "He came by the school again. Teachers called me.",
    "Thanks!! \u{1F64F}",
];

fn main() -> Res<()> {
    if let Ok(step) = std::env::var(CHILD_ENV) {
        return child::serve_json(&step, |root, recovery, step| {
            run_here(root, Unlock::RecoveryKey(recovery), step)
        });
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 10_000 } else { 100_000 };
    phone::print_machine("phone_sources", quick);
    let clear_refs = clear_refs_works();
    println!(
        "peak memory: VmHWM after the import - VmRSS of the freshly unlocked journal before it, {}, each import in a fresh child process (unlocked with the recovery key)",
        if clear_refs {
            "VmHWM reset by clear_refs just before the import"
        } else {
            "clear_refs cannot reset VmHWM here, so the whole child's peak"
        }
    );

    let dir = tempfile::tempdir()?;
    let made = Instant::now();
    let chat_dir = dir.path().join("whatsapp");
    fs::create_dir(&chat_dir)?;
    let chat_path = chat_dir.join(CHAT_FILE);
    let chat = write_chat(&chat_path, n)?;
    let chat_bytes = fs::metadata(&chat_path)?.len();
    let chat_made = made.elapsed().as_secs_f64();
    println!(
        "generated {} ({:.1} s, not timed below): {}, {} lines: the encryption notice and {} messages ({} from {HIM}, {} from {ME}), {} of them on several lines ({} continuation lines), {} \"<Media omitted>\"; {} to {} ({}); {} stamp(s) that fell in an hour the clocks skipped or repeated moved to the next minute that exists once",
        CHAT_FILE,
        chat_made,
        mb(chat_bytes),
        chat.lines,
        chat.messages,
        chat.his,
        chat.messages - chat.his,
        chat.multi_line,
        chat.continuation_lines,
        chat.omitted,
        chat.first,
        chat.last,
        ZONE.name(),
        chat.moved
    );
    let made = Instant::now();
    let folder = dir.path().join("iphone").join("00008110-001A2B3C4D5E6F70");
    let backup = write_backup(&folder, n)?;
    let backup_files = files_under(&folder)?;
    let backup_bytes = total_size(&backup_files)?;
    let (domain, path) = iphone_backup::SMS_DB;
    let sms_id = iphone_backup::file_id(domain, path);
    let sms_path = folder.join(&sms_id[..2]).join(&sms_id);
    println!(
        "generated an iPhone backup ({:.1} s, not timed below): {} in {} files, of which sms.db {} ({} messages: {} with text, {} with only attributedBody, {} with both; {} handles, {} chats; {} to {})",
        made.elapsed().as_secs_f64(),
        mb(backup_bytes),
        backup_files.len(),
        mb(fs::metadata(&sms_path)?.len()),
        backup.messages,
        backup.text_only,
        backup.body_only,
        backup.both,
        backup.handles,
        backup.chats,
        backup.first,
        backup.last
    );

    let mut problems: Vec<String> = Vec::new();
    let mut table = Table {
        rate: false,
        digits: 1,
        peak_where: false,
        floor_ratio: "1 (floor)",
        rows: Vec::new(),
    };

    // WhatsApp.
    let chat_files = [chat_path.clone()];
    let chat_step = Step::WhatsApp(chat_path.clone());
    let root = dir.path().join("journal-whatsapp");
    let wa = measure_source("WhatsApp", &root, &chat_files, chat_bytes, &chat_step)?;
    check_first(
        "WhatsApp import",
        &wa.import,
        chat.messages,
        chat.omitted,
        &[(CHAT_FILE, wa.floors[0].digest(&chat_path))],
        &mut problems,
    );
    check_again("WhatsApp re-import", &wa.again, &mut problems);
    add_source(&mut table, "WhatsApp chat", chat_bytes, &wa);

    // iPhone.
    let backup_step = Step::Iphone(folder.clone());
    let root = dir.path().join("journal-iphone");
    let ip = measure_source("iPhone", &root, &backup_files, backup_bytes, &backup_step)?;
    check_first(
        "iPhone import",
        &ip.import,
        backup.messages,
        0,
        &[("sms.db", ip.floors[0].digest(&sms_path))],
        &mut problems,
    );
    check_again("iPhone re-import", &ip.again, &mut problems);
    add_source(&mut table, "iPhone backup", backup_bytes, &ip);

    // The same backup, encrypted: what is kept is the decrypted sms.db, byte for byte the
    // unencrypted one.
    let made = Instant::now();
    let encrypted = dir
        .path()
        .join("iphone-encrypted")
        .join("00008110-001A2B3C4D5E6F70");
    iphone_backup::encrypted_copy(&folder, &encrypted, iphone_backup::BACKUP_PASSWORD);
    let encrypted_files = files_under(&encrypted)?;
    let encrypted_bytes = total_size(&encrypted_files)?;
    println!(
        "encrypted a copy of it ({:.1} s, not timed below): {} in {} files",
        made.elapsed().as_secs_f64(),
        mb(encrypted_bytes),
        encrypted_files.len()
    );
    let step = Step::IphoneEncrypted(encrypted.clone());
    let root = dir.path().join("journal-iphone-encrypted");
    let enc = measure_source(
        "iPhone encrypted",
        &root,
        &encrypted_files,
        encrypted_bytes,
        &step,
    )?;
    check_first(
        "encrypted iPhone import",
        &enc.import,
        backup.messages,
        0,
        &[("sms.db", ip.floors[0].digest(&sms_path))],
        &mut problems,
    );
    check_again("encrypted iPhone re-import", &enc.again, &mut problems);
    add_source(
        &mut table,
        "iPhone backup, encrypted",
        encrypted_bytes,
        &enc,
    );

    println!();
    table.print();
    println!();
    println!(
        "x floor time: the step's time / the mean of the source's floors 1 and 2 (range: against each); processor s: user + system, counted in 10 ms ticks; peak: VmHWM - VmRSS of the unlocked journal, in a fresh child process; load average {} at end",
        loadavg()
    );
    phone::finish(&problems, "every message added once with no unreadable record, the omitted media counted as missing parts, the kept copies' SHA-256 the files', nothing added again and each file recognised as imported before")
}

// ---------------------------------------------------------------------------------------
// The WhatsApp chat

struct Chat {
    lines: usize,
    messages: u64,
    his: u64,
    multi_line: u64,
    continuation_lines: u64,
    omitted: u64,
    moved: u64,
    first: NaiveDateTime,
    last: NaiveDateTime,
}

/// The first minute at or after `t` that names one instant in the zone.
fn exists_once(mut t: NaiveDateTime, moved: &mut u64) -> NaiveDateTime {
    let mut shifted = false;
    while !matches!(ZONE.from_local_datetime(&t), LocalResult::Single(_)) {
        t += Duration::minutes(1);
        shifted = true;
    }
    *moved += u64::from(shifted);
    t
}

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

/// Writes the chat, `lines` lines in all, and says what it holds.
fn write_chat(path: &Path, lines: usize) -> Res<Chat> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let start = NaiveDate::from_ymd_opt(2025, 1, 2)
        .and_then(|d| d.and_hms_opt(8, 30, 0))
        .ok_or("start")?;
    let stamp = |t: NaiveDateTime| t.format("%-m/%-d/%y, %H:%M").to_string();
    writeln!(
        out,
        "{} - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.",
        stamp(start)
    )?;
    let mut chat = Chat {
        lines: 1,
        messages: 0,
        his: 0,
        multi_line: 0,
        continuation_lines: 0,
        omitted: 0,
        moved: 0,
        first: start,
        last: start,
    };
    let mut t = start;
    while chat.lines < lines {
        // About 11 minutes apart on average, several in one minute at times.
        t = exists_once(
            t + Duration::minutes(rng.random_range(0..=22)),
            &mut chat.moved,
        );
        let his = rng.random_range(0..3) != 0;
        let (sender, words) = if his {
            (HIM, &HIS_WORDS[..])
        } else {
            (ME, &HER_WORDS[..])
        };
        let left = lines - chat.lines;
        if rng.random_range(0..200) == 0 {
            writeln!(out, "{} - {sender}: <Media omitted>", stamp(t))?;
            chat.omitted += 1;
            chat.lines += 1;
        } else {
            let extra = if rng.random_range(0..20) == 0 {
                rng.random_range(1..=3usize).min(left - 1)
            } else {
                0
            };
            let first = if rng.random_range(0..4) == 0 {
                format!("{} {}", pick(&mut rng, words), pick(&mut rng, words))
            } else {
                pick(&mut rng, words).to_string()
            };
            writeln!(out, "{} - {sender}: {first}", stamp(t))?;
            for _ in 0..extra {
                // A line that continues the message (no stamp in front of it).
                writeln!(out, "{}", pick(&mut rng, words))?;
            }
            chat.lines += 1 + extra;
            chat.continuation_lines += extra as u64;
            chat.multi_line += u64::from(extra > 0);
        }
        if chat.messages == 0 {
            chat.first = t;
        }
        chat.messages += 1;
        chat.his += u64::from(his);
        chat.last = t;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(chat)
}

// ---------------------------------------------------------------------------------------
// The iPhone backup

struct BackupMade {
    messages: u64,
    text_only: u64,
    body_only: u64,
    both: u64,
    handles: usize,
    chats: usize,
    first: String,
    last: String,
}

/// An unencrypted backup in `folder` whose sms.db holds `messages` messages, written through
/// the fixture's own tables and rows (one transaction; the database is left in WAL mode like
/// the phone's and checkpointed as the connection closes).
fn write_backup(folder: &Path, messages: usize) -> Res<BackupMade> {
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let backup = Backup::create(folder);
    let sms = backup.add_database(iphone_backup::SMS_DB, iphone_backup::SMS_SCHEMA);
    // (handle id, service, share of the messages in %, his?)
    let people: [(&str, &str, u32, bool); 5] = [
        (HIS_NUMBER, "iMessage", 45, true),
        (HIS_NUMBER, "SMS", 15, true),
        ("+15105550142", "iMessage", 20, false),
        ("+15105550188", "SMS", 10, false),
        ("jamie@example.com", "iMessage", 10, false),
    ];
    let mut threads = Vec::new();
    for (id, service, share, his) in people {
        let handle = add_handle(&sms, id, service);
        let chat = add_chat(&sms, id, service, 45, &[handle]);
        threads.push((handle, chat, service, share, his));
    }
    sms.execute_batch("BEGIN")?;
    let t0 = NaiveDate::from_ymd_opt(2025, 1, 2)
        .and_then(|d| d.and_hms_opt(16, 30, 0))
        .ok_or("start")?
        .and_utc()
        .timestamp();
    let mut ns = apple_ns(t0, 0);
    let first = ns;
    let mut made = BackupMade {
        messages: 0,
        text_only: 0,
        body_only: 0,
        both: 0,
        handles: threads.len(),
        chats: threads.len(),
        first: String::new(),
        last: String::new(),
    };
    for i in 0..messages {
        // A few minutes apart, to the nanosecond.
        ns += rng.random_range(1..1_200) * 1_000_000_000 + rng.random_range(0..1_000_000_000);
        let mut roll = rng.random_range(0..100);
        let &(handle, chat, service, _, his) = threads
            .iter()
            .find(|t| {
                let hit = roll < t.3;
                roll = roll.saturating_sub(t.3);
                hit
            })
            .unwrap_or(&threads[0]);
        let from_me = rng.random_range(0..if his { 5 } else { 2 }) == 0;
        let words: &[&str] = match (his, from_me) {
            (true, false) => &HIS_WORDS,
            (true, true) => &HER_WORDS,
            _ => &OTHER_WORDS,
        };
        let text = if rng.random_range(0..4) == 0 {
            format!("{} {}", pick(&mut rng, words), pick(&mut rng, words))
        } else {
            pick(&mut rng, words).to_string()
        };
        let guid = format!("{:08X}-5EED-4C3D-8E9F-{:012X}", SEED, i + 1);
        let kind = rng.random_range(0..10);
        let (text_col, body) = match kind {
            0..=5 => (Some(text.as_str()), None),
            6..=8 => (None, Some(iphone_backup::attributed_body(&text))),
            _ => (
                Some(text.as_str()),
                Some(iphone_backup::attributed_body(&text)),
            ),
        };
        match kind {
            0..=5 => made.text_only += 1,
            6..=8 => made.body_only += 1,
            _ => made.both += 1,
        }
        add_message(
            &sms,
            &Message {
                guid: &guid,
                text: text_col,
                attributed_body: body,
                handle_id: handle,
                service,
                date: ns,
                is_from_me: from_me,
                chat,
                ..Message::default()
            },
        );
        made.messages += 1;
    }
    sms.execute_batch("COMMIT")?;
    drop(sms);
    drop(backup);
    let when = |ns: i64| {
        chrono::DateTime::from_timestamp(ns / 1_000_000_000 + iphone_backup::APPLE_EPOCH_S, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    made.first = when(first);
    made.last = when(ns);
    Ok(made)
}

// ---------------------------------------------------------------------------------------
// The measured imports

/// A journal with an order from California whose restrained person has his number on
/// record. Returns its recovery key.
fn new_journal(root: &Path) -> Res<RecoveryKey> {
    let order = OrderInput {
        petitioner: Some("Dana Ellison".into()),
        ..common::order_input("HF26-014327", "2025-01-01", "2030-01-01")
    };
    let (_, _, recovery) = phone::new_journal(root, order, "Marcus Ellison", HIS_NUMBER)?;
    Ok(recovery)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Step {
    /// `Journal::import_phone_records` of a chat export, in Los Angeles.
    WhatsApp(PathBuf),
    /// `Journal::import_iphone_backup` of a backup folder.
    Iphone(PathBuf),
    /// The same, of an encrypted backup folder with the fixture's backup password.
    IphoneEncrypted(PathBuf),
}

#[derive(Debug, Serialize, Deserialize)]
struct StepRun {
    cost: Cost,
    imports: Vec<FileRun>,
}

/// Opens the journal, then imports with its cost measured (benches/common/memory.rs).
fn run_here(root: &Path, unlock: Unlock<'_>, step: &Step) -> Res<StepRun> {
    let (mut journal, _) = Journal::open(root, unlock)?;
    let (cost, reports) = measure(true, || {
        Ok(match step {
            Step::WhatsApp(path) => {
                let choices = ChatChoices {
                    zone: Some(ZONE.name().into()),
                    ..Default::default()
                };
                vec![journal.import_phone_records(path, &choices, &mut |_, _| true)?]
            }
            Step::Iphone(folder) => journal.import_iphone_backup(folder, &mut |_, _| true)?,
            Step::IphoneEncrypted(folder) => {
                let password = SecretString::from(iphone_backup::BACKUP_PASSWORD.to_string());
                journal.import_iphone_backup_with_password(
                    folder,
                    Some(&password),
                    &mut |_, _| true,
                )?
            }
        })
    })?;
    let imports = reports
        .into_iter()
        .map(|r| FileRun::new(report_name(&r.path), None, r))
        .collect();
    Ok(StepRun { cost, imports })
}

/// Runs the import in this binary again (`DAYBOOK_BENCH_SOURCES_CHILD` holds it, as JSON).
fn run_child(root: &Path, recovery: &RecoveryKey, step: &Step) -> Res<StepRun> {
    child::run_json(CHILD_ENV, root, step, recovery)
}

/// The first import added every message once, read every record, counted the omitted media,
/// and kept each named file with the SHA-256 the floor read.
fn check_first(
    label: &str,
    run: &StepRun,
    messages: u64,
    omitted: u64,
    digests: &[(&str, String)],
    problems: &mut Vec<String>,
) {
    let sum = |f: fn(&FileRun) -> u64| run.imports.iter().map(f).sum::<u64>();
    if sum(|f| f.added) != messages || sum(|f| f.messages) != messages {
        problems.push(format!(
            "{label}: read {} messages and added {} records, expected {messages}",
            sum(|f| f.messages),
            sum(|f| f.added)
        ));
    }
    if sum(|f| f.unreadable) != 0 {
        problems.push(format!(
            "{label}: {} unreadable record(s)",
            sum(|f| f.unreadable)
        ));
    }
    if sum(|f| f.parts_missing) != omitted {
        problems.push(format!(
            "{label}: {} parts missing, expected {omitted}",
            sum(|f| f.parts_missing)
        ));
    }
    for (file, digest) in digests {
        let kept = run
            .imports
            .iter()
            .find(|f| f.name.contains(file))
            .map(|f| f.sha256.as_str());
        if kept != Some(digest.as_str()) || !run.imports.iter().all(|f| f.kept) {
            problems.push(format!(
                "{label}: {file} not kept with the SHA-256 the floor read"
            ));
        }
    }
}

/// The second import added nothing and recognised each file.
fn check_again(label: &str, run: &StepRun, problems: &mut Vec<String>) {
    let added: u64 = run.imports.iter().map(|f| f.added).sum();
    if added != 0 {
        problems.push(format!("{label}: added {added} records"));
    }
    if run.imports.is_empty() || !run.imports.iter().all(|f| f.same_file_as_before) {
        problems.push(format!(
            "{label}: not every file recognised as imported before"
        ));
    }
}

/// A source's floors, its first import into a fresh journal and its re-import.
struct SourceRun {
    floors: [Floor; 2],
    import: StepRun,
    again: StepRun,
}

/// Floor 1, the import into a fresh journal at `root`, floor 2, the re-import: each printed.
fn measure_source(
    source: &str,
    root: &Path,
    files: &[PathBuf],
    bytes: u64,
    step: &Step,
) -> Res<SourceRun> {
    let recovery = new_journal(root)?;
    let floor1 = floor(files)?;
    print_floor(&format!("{source} floor 1"), bytes, &floor1);
    let import = run_child(root, &recovery, step)?;
    print_imports(&format!("{source} import"), &import.cost, &import.imports);
    let floor2 = floor(files)?;
    print_floor(&format!("{source} floor 2"), bytes, &floor2);
    let again = run_child(root, &recovery, step)?;
    print_imports(&format!("{source} re-import"), &again.cost, &again.imports);
    Ok(SourceRun {
        floors: [floor1, floor2],
        import,
        again,
    })
}

/// A source's four rows: floor 1, import, floor 2, re-import.
fn add_source(table: &mut Table, source: &str, bytes: u64, run: &SourceRun) {
    let floors = [&run.floors[0], &run.floors[1]];
    let read = "read + SHA-256 (1 MiB reads)";
    table.floor(format!("{source}: floor 1, {read}"), bytes, floors[0]);
    let label = format!("{source}: import, fresh journal");
    table.step(label, bytes, &run.import.cost, floors);
    table.floor(format!("{source}: floor 2, {read}"), bytes, floors[1]);
    let label = format!("{source}: re-import, same files (adds nothing)");
    table.step(label, bytes, &run.again.cost, floors);
}

// ---------------------------------------------------------------------------------------
// Small helpers

/// Every file under `dir`, in name order.
fn files_under(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_type()?.is_dir() {
            out.extend(files_under(&entry.path())?);
        } else {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// A report's file: the chat's name, or for a backup's database the phone's path that the
/// import puts in brackets after the folder.
fn report_name(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
        Some((_, inner)) => inner.to_string(),
        None => name(path),
    }
}
