//! Phone import at scale (issue 14): a generated SMS Backup & Restore backup of about 1 GB
//! imported into a fresh journal, beside the floor of reading and SHA-256-hashing the same
//! files in the same run; the peak memory of the import above the unlocked journal (goal:
//! under 128 MiB); a second import of the same files (adds nothing) and of an overlapping
//! later backup; and the chronological report of the period, whose "Communications with the
//! restrained person" section holds 20,000 texts and 2,000 calls.
//!
//! Run: `scripts/bench-phone-import [--quick] [--child-memory]`, which is
//! `cargo bench --locked -p daybook --bench phone_import -- [OPTIONS]`.
//!
//! - `--quick`: a tenth of everything (about 100 MB, 2,000 texts and 200 calls with him).
//! - `--in-process`: measure the first import in this process instead of a child (it reads
//!   low: see below).
//!
//! The backup (sms-*.xml and calls-*.xml, as the Android app writes them, through the tests'
//! writer tests/util/sms_backup.rs) is written to a temp folder record by record and never
//! held in memory: deterministic (seeded) except for the journal's own ids and keys. The
//! restrained person's number is written three ways (+1 (555) 010-1234, 5550101234,
//! +15550101234); family and friends write to and from eight other numbers (a short code and a
//! French number among them); some bodies hold emoji written as surrogate-pair references,
//! accents, `&`, `<`, quotes and line breaks. One MMS in eight is his and carries a real JPEG
//! screenshot (100-400 KB, benches/common): the report prints his pictures as exhibits. The
//! others' MMS carry 1-4 MB each, a JPEG header and pseudo-random bytes, base64 in
//! `data="..."`: the importer keeps a part by its content type without decoding it, and no
//! report prints them, so they need not be valid pictures; they make up the size.
//!
//! Peak memory: `VmRSS` just after unlocking (the unlocked journal), `VmHWM` reset to it by
//! writing 5 to `/proc/self/clear_refs` (Linux 4.0+), the step, then `VmHWM`; the figure is
//! the difference. Each step runs so in a fresh child process (this binary again, with
//! `DAYBOOK_BENCH_PHONE_CHILD` set, unlocked with the recovery key). In this process the
//! figure reads low: it keeps heap that generating the backup and earlier steps freed, and a
//! step reuses it unseen (first import of `--quick`: 4.2 MiB measured here, RSS 27.4 MiB
//! before it; 11.7 MiB in a child, RSS 19.4 MiB). Where `clear_refs` cannot reset the peak,
//! the figure is the whole child's peak above its unlocked journal.

mod common;
#[path = "common/memory.rs"]
mod memory;
#[path = "../tests/util/sms_backup.rs"]
mod sms_backup;

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use age::secrecy::SecretString;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use daybook::model::{IncidentInput, IncidentKind, PersonInput, PersonRef};
use daybook::report::chronological::{render, ReportOptions};
use daybook::report::exhibits::Scope;
use daybook::{Journal, KdfCost, RecoveryKey, Unlock};
use memory::{clear_refs_works, cpu_secs, loadavg, reset_peak, status_kib};

type Error = Box<dyn std::error::Error>;
type Res<T> = Result<T, Error>;

const SEED: u64 = 14;
const PASSPHRASE: &str = "bench passphrase";
const CHILD_ENV: &str = "DAYBOOK_BENCH_PHONE_CHILD";
const RECOVERY_ENV: &str = "DAYBOOK_BENCH_RECOVERY";
const GOAL_MIB: f64 = 128.0;
const ZONE: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

/// The restrained person's number as the order records it, and as his texts and calls write it.
const HIS_NUMBER: &str = "(555) 010-1234";
const HIS_FORMATS: [&str; 3] = ["+1 (555) 010-1234", "5550101234", "+15550101234"];
const HIS_CONTACT: &str = "Casey";
/// The phone's own number (an MMS names it as a recipient).
const OWN_NUMBER: &str = "+15105550199";
/// Family, friends and services: (number as written, contact name or "null").
const OTHERS: [(&str, &str); 8] = [
    ("+1 510-555-0142", "Mom"),
    ("5105550143", "Dad"),
    ("+15105550177", "Aunt Rosa"),
    ("(510) 555-0188", "Jamie"),
    ("510.555.0150", "Priya"),
    ("+14155550123", "Work"),
    ("22000", "null"),
    ("+33 1 42 68 53 00", "Claire"),
];

/// The report's period: 2024-01-01 to 2025-12-31 in Los Angeles (731 days), where the first
/// backup's records lie; the overlapping backup's new records come after it.
const START_MS: i64 = 1_704_096_000_000;
const SPAN_MS: i64 = 731 * 86_400_000;
const FIRST_DAY: (i32, u32, u32) = (2024, 1, 1);
const LAST_DAY: (i32, u32, u32) = (2025, 12, 31);

/// What a text record takes in the file, on average (to plan the MMS that make up the size).
const TEXT_BYTES: u64 = 470;
const CALL_BYTES: u64 = 290;
/// An MMS element without its picture's base64.
const MMS_MARKUP_BYTES: u64 = 2_300;
/// A JPEG screenshot from benches/common (100-400 KB).
const SCREENSHOT_BYTES: u64 = 250_000;

const HIS_WORDS: [&str; 20] = [
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
    "Happy birthday \u{1F382}\u{1F388}",
    "Who is he?? I saw the pictures \u{1F621}",
    "I'm not going anywhere.",
    "Call me back NOW",
    "Fine. Have it your way \u{1F600}",
    "Your mother & sister can't protect you",
    "<3 remember when we were happy?",
    "I left something for you on the porch",
    "\"No contact\" doesn't mean I can't see you",
    "Read this:\nI am still here.",
];

const OTHER_WORDS: [&str; 18] = [
    "Dinner at 6?",
    "Can you pick up Sam from practice?",
    "Running 10 min late \u{1F697}",
    "Love you! \u{2764}\u{FE0F}",
    "Your appointment is confirmed for Tuesday at 3:30 PM. Reply C to confirm.",
    "Mamá dice que vengas el domingo \u{1F60A}",
    "Did you get the forms from the lawyer?",
    "ok",
    "Thanks!! \u{1F64F}",
    "Photos from the weekend",
    "Your verification code is 482913",
    "Are you safe? Call me when you can.",
    "Meeting moved to 2pm",
    "Happy Friday \u{1F389}\u{1F389}",
    "Can't talk, in class",
    "Rent's paid, thanks",
    "He came by the school again. Teachers called me.",
    "Tom & Jerry marathon tonight \u{1F4FA}",
];

fn main() -> Res<()> {
    if let Ok(step) = std::env::var(CHILD_ENV) {
        return child(&step);
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let in_process = std::env::args().any(|a| a == "--in-process");
    let sizes = if quick {
        Sizes {
            his_texts: 2_000,
            other_texts: 4_000,
            his_calls: 200,
            other_calls: 100,
            target_bytes: 100_000_000,
        }
    } else {
        Sizes {
            his_texts: 20_000,
            other_texts: 40_000,
            his_calls: 2_000,
            other_calls: 1_000,
            target_bytes: 1_000_000_000,
        }
    };
    println!(
        "phone_import{}: {} cores, load average {} at start, kernel {}",
        if quick { " --quick" } else { "" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    let clear_refs = clear_refs_works();
    let first_here = clear_refs && in_process;
    println!(
        "peak memory: VmHWM after the step - VmRSS of the freshly unlocked journal before it, {}; {}",
        if clear_refs {
            "VmHWM reset by clear_refs just before the step"
        } else {
            "clear_refs cannot reset VmHWM here, so the whole process's peak"
        },
        if first_here {
            "the first import in this process (unlocked with the passphrase), every later step in a child process (unlocked with the recovery key)"
        } else {
            "every step in a fresh child process (unlocked with the recovery key)"
        }
    );

    let dir = tempfile::tempdir()?;
    let plan = Plan::new(&sizes);
    let made = Instant::now();
    let first = write_backup(
        dir.path(),
        "20260101080000",
        &plan,
        0..plan.messages_in_first,
        0..plan.calls_in_first,
        false,
    )?;
    let ext_m = plan.messages.len() - plan.messages_in_first;
    let ext_c = plan.calls.len() - plan.calls_in_first;
    let second = write_backup(
        dir.path(),
        "20260215080000",
        &plan,
        plan.messages_in_first - ext_m..plan.messages.len(),
        plan.calls_in_first - ext_c..plan.calls.len(),
        true,
    )?;
    let first_bytes = total_size(&first)?;
    println!(
        "generated in {} ({:.1} s, not timed below): {} = {} ({} texts and MMS, of which {} MMS: {} of his with a JPEG screenshot, {} others' with {} of pictures) + {} = {} ({} calls); overlapping later backup {}",
        dir.path().display(),
        made.elapsed().as_secs_f64(),
        name(&first[0]),
        mb(fs::metadata(&first[0])?.len()),
        plan.messages_in_first,
        plan.mms_in_first,
        plan.his_mms_in_first,
        plan.mms_in_first - plan.his_mms_in_first,
        mb(plan.picture_bytes_in_first),
        name(&first[1]),
        mb(fs::metadata(&first[1])?.len()),
        plan.calls_in_first,
        mb(total_size(&second)?),
    );
    println!(
        "with the restrained person: {} texts ({} of them MMS) and {} calls; with others: {} texts and MMS, {} calls",
        sizes.his_texts, plan.his_mms_in_first, sizes.his_calls,
        plan.messages_in_first - sizes.his_texts,
        sizes.other_calls
    );

    // The journal: an order whose restrained person has his number on record, and an incident
    // a month over the period (a report needs at least one).
    let root = dir.path().join("journal");
    let recovery = new_journal(&root)?;
    let mut problems: Vec<String> = Vec::new();
    let run = |step: &Step, here: bool| -> Res<StepRun> {
        if here {
            run_here(&root, Unlock::Passphrase(&passphrase()), step, false)
        } else {
            run_child(&root, &recovery, step)
        }
    };

    let floor1 = floor(&first)?;
    println!(
        "floor 1: read + SHA-256 of {} in {:.2} s ({})",
        mb(first_bytes),
        floor1.secs,
        rate(first_bytes, floor1.secs)
    );
    let import = run(&Step::Import(first.clone()), first_here)?;
    print_imports("import", &import);
    let floor2 = floor(&first)?;
    println!(
        "floor 2: read + SHA-256 of {} in {:.2} s ({})",
        mb(first_bytes),
        floor2.secs,
        rate(first_bytes, floor2.secs)
    );
    if import.imports.first().map(|f| f.sha256.as_str()) != Some(floor1.sha256.as_str()) {
        problems.push("the kept copy's SHA-256 differs from the file's".into());
    }
    let added: u64 = import.imports.iter().map(|f| f.added).sum();
    let expected = (plan.messages_in_first + plan.calls_in_first) as u64;
    if added != expected {
        problems.push(format!("the import added {added} records of {expected}"));
    }
    let journal_bytes = dir_size(&root)?;
    let probe = if quick { 64 << 20 } else { 256 << 20 };
    let disk = durable_write(&dir.path().join("disk-probe"), probe)?;
    println!(
        "disk, for comparison: {} written in 1 MiB writes and fsynced in {:.2} s ({}); the journal's {} at that rate: {:.1} s",
        mb(probe),
        disk,
        rate(probe, disk),
        mb(journal_bytes),
        journal_bytes as f64 / (probe as f64 / disk.max(1e-9))
    );
    println!(
        "journal on disk after the import: {} ({:.2} x the backup), of which the database {} (SQLite page cache up to 256 MiB: PRAGMA cache_size, src/journal/store.rs)",
        mb(journal_bytes),
        journal_bytes as f64 / first_bytes as f64,
        mb(fs::metadata(daybook::JournalPaths::new(&root).db)?.len())
    );

    let again = run(&Step::Import(first.clone()), false)?;
    print_imports("re-import of the same files", &again);
    let readded: u64 = again.imports.iter().map(|f| f.added).sum();
    if readded != 0 {
        problems.push(format!("the re-import added {readded} records"));
    }

    let from = date(FIRST_DAY)?;
    let to = date(LAST_DAY)?;
    let report = run(&Step::Report { from, to }, false)?;
    let r = report
        .report
        .as_ref()
        .ok_or("the report step gave no report")?;
    let out_bytes: u64 = r.volumes.iter().map(|v| v.bytes).sum();
    println!(
        "report {from} to {to}: {} incidents, {} texts and {} calls in \"Communications with the restrained person\", {} exhibits (his MMS pictures); {} pages in {} volume(s) at the default 10 MB cap, {} in all (largest {}), {:.2} s ({:.2} s of processor time); peak {} above the unlocked journal (RSS {}; {})",
        r.incidents,
        r.texts,
        r.calls,
        r.exhibits,
        r.pages,
        r.volumes.len(),
        mb(out_bytes),
        mb(r.volumes.iter().map(|v| v.bytes).max().unwrap_or(0)),
        report.secs,
        report.cpu_secs,
        mib(report.peak_kib()),
        mib(report.rss_kib),
        report.measured
    );
    for v in &r.volumes {
        println!(
            "  volume: pages {}-{}, {}{}",
            v.first_page,
            v.last_page,
            mb(v.bytes),
            v.over_cap
                .as_deref()
                .map(|c| format!(" (over the cap: {c})"))
                .unwrap_or_default()
        );
    }
    if r.texts != sizes.his_texts || r.calls != sizes.his_calls {
        problems.push(format!(
            "the report holds {} texts and {} calls, expected {} and {}",
            r.texts, r.calls, sizes.his_texts, sizes.his_calls
        ));
    }

    let overlap = run(&Step::Import(second.clone()), false)?;
    print_imports("overlapping later backup", &overlap);
    let second_bytes = total_size(&second)?;
    let new_in_second = (ext_m + ext_c) as u64;
    let overlap_added: u64 = overlap.imports.iter().map(|f| f.added).sum();
    if overlap_added != new_in_second {
        problems.push(format!(
            "the overlapping backup added {overlap_added} records, expected {new_in_second} (the others are already there)"
        ));
    }

    // The figures.
    let floor_mean = (floor1.secs + floor2.secs) / 2.0;
    println!();
    println!(
        "| step | MB | seconds | processor s | MB/s | x floor time | peak above unlocked journal | RSS unlocked |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let line = |step: &str,
                bytes: u64,
                (secs, cpu): (f64, f64),
                ratio: String,
                peak: String,
                rss: String| {
        println!(
            "| {step} | {:.1} | {secs:.2} | {cpu:.2} | {:.1} | {ratio} | {peak} | {rss} |",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs.max(1e-9),
        );
    };
    line(
        "floor 1: read + SHA-256 (1 MiB reads)",
        first_bytes,
        (floor1.secs, floor1.cpu_secs),
        "-".into(),
        "-".into(),
        "-".into(),
    );
    let imported = |s: &StepRun, bytes: u64, label: &str| {
        line(
            label,
            bytes,
            (s.secs, s.cpu_secs),
            format!(
                "{:.2} ({:.2}-{:.2})",
                s.secs / floor_mean,
                s.secs / floor1.secs.max(floor2.secs),
                s.secs / floor1.secs.min(floor2.secs)
            ),
            format!(
                "{} ({}; {})",
                mib(s.peak_kib()),
                if s.peak_kib() as f64 / 1024.0 < GOAL_MIB {
                    "under 128 MiB"
                } else {
                    "OVER 128 MiB"
                },
                s.measured
            ),
            mib(s.rss_kib),
        )
    };
    imported(&import, first_bytes, "import (both files, fresh journal)");
    line(
        "floor 2: read + SHA-256 (1 MiB reads)",
        first_bytes,
        (floor2.secs, floor2.cpu_secs),
        "-".into(),
        "-".into(),
        "-".into(),
    );
    imported(&again, first_bytes, "re-import, same files (adds nothing)");
    println!(
        "| report, {} pages, {} volume(s), {} texts + {} calls, {} exhibits (MB = PDF output) | {:.1} | {:.2} | {:.2} | - | - | {} ({}) | {} |",
        r.pages,
        r.volumes.len(),
        r.texts,
        r.calls,
        r.exhibits,
        out_bytes as f64 / 1e6,
        report.secs,
        report.cpu_secs,
        mib(report.peak_kib()),
        report.measured,
        mib(report.rss_kib)
    );
    imported(
        &overlap,
        second_bytes,
        &format!(
            "overlapping backup ({} already there, {} new)",
            overlap.imports.iter().map(|f| f.already_there).sum::<u64>(),
            overlap_added
        ),
    );
    println!();
    println!(
        "x floor time: the step's time / the mean of floors 1 and 2 (range: against each); peak: VmHWM - VmRSS of the unlocked journal, measured where the row says; load average {} at end",
        loadavg()
    );
    if problems.is_empty() {
        println!("checks: the kept copy's SHA-256 is the file's, every record added once, nothing added again, the report holds every text and call with him, the overlap added only its new records");
        Ok(())
    } else {
        for p in &problems {
            println!("CHECK FAILED: {p}");
        }
        Err(format!("{} check(s) failed", problems.len()).into())
    }
}

struct Sizes {
    his_texts: usize,
    other_texts: usize,
    his_calls: usize,
    other_calls: usize,
    target_bytes: u64,
}

// ---------------------------------------------------------------------------------------
// The backup

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    HisText,
    OtherText,
    HisMms,
    OtherMms,
    HisCall,
    OtherCall,
}

/// Every record of the phone's history, in time order: the first backup holds the first
/// `*_in_first` of each list, the later one the last tenth of those and as many newer.
struct Plan {
    /// Messages with their picture's size (MMS only).
    messages: Vec<(Kind, u32)>,
    messages_in_first: usize,
    mms_in_first: usize,
    his_mms_in_first: usize,
    picture_bytes_in_first: u64,
    calls: Vec<(Kind, u32)>,
    calls_in_first: usize,
}

impl Plan {
    fn new(sizes: &Sizes) -> Self {
        let mut rng = StdRng::seed_from_u64(SEED);
        // Pictures until the messages file reaches its size; one MMS in eight is his, with a
        // real JPEG screenshot (the report prints his pictures), the others 1-4 MB each.
        let texts = (sizes.his_texts + sizes.other_texts) as u64;
        let calls_bytes = (sizes.his_calls + sizes.other_calls) as u64 * CALL_BYTES;
        let mut bytes = texts * TEXT_BYTES + calls_bytes;
        let mut pictures = Vec::new();
        let mut his_mms = 0;
        while bytes < sizes.target_bytes {
            if (pictures.len() + his_mms) % 8 == 0 {
                his_mms += 1;
                bytes += SCREENSHOT_BYTES * 4 / 3 + MMS_MARKUP_BYTES;
            } else {
                let size: u32 = rng.random_range(1_000_000..=4_000_000);
                bytes += (size as u64).div_ceil(3) * 4 + MMS_MARKUP_BYTES;
                pictures.push(size);
            }
        }
        let his_texts = sizes.his_texts.saturating_sub(his_mms);
        let mut messages = schedule(
            &mut rng,
            &[
                (Kind::HisText, his_texts),
                (Kind::OtherText, sizes.other_texts),
                (Kind::HisMms, his_mms),
                (Kind::OtherMms, pictures.len()),
            ],
        );
        let messages_in_first = messages.len();
        // The later backup's new tenth.
        let extra_his_mms = his_mms.div_ceil(10);
        let extra_pictures: Vec<u32> = (0..pictures.len().div_ceil(10))
            .map(|_| rng.random_range(1_000_000..=4_000_000))
            .collect();
        messages.extend(schedule(
            &mut rng,
            &[
                (Kind::HisText, his_texts / 10),
                (Kind::OtherText, sizes.other_texts / 10),
                (Kind::HisMms, extra_his_mms),
                (Kind::OtherMms, extra_pictures.len()),
            ],
        ));
        let mut sizes_iter = pictures.iter().chain(extra_pictures.iter());
        let messages: Vec<(Kind, u32)> = messages
            .into_iter()
            .map(|k| match k {
                Kind::OtherMms => (k, sizes_iter.next().copied().unwrap_or(1_000_000)),
                _ => (k, 0),
            })
            .collect();
        let mut calls = schedule(
            &mut rng,
            &[
                (Kind::HisCall, sizes.his_calls),
                (Kind::OtherCall, sizes.other_calls),
            ],
        );
        let calls_in_first = calls.len();
        calls.extend(schedule(
            &mut rng,
            &[
                (Kind::HisCall, sizes.his_calls / 10),
                (Kind::OtherCall, sizes.other_calls / 10),
            ],
        ));
        Self {
            picture_bytes_in_first: pictures.iter().map(|&p| p as u64).sum(),
            messages,
            messages_in_first,
            mms_in_first: pictures.len() + his_mms,
            his_mms_in_first: his_mms,
            calls: calls.into_iter().map(|k| (k, 0)).collect(),
            calls_in_first,
        }
    }
}

/// The kinds in a random order with exactly these counts.
fn schedule(rng: &mut StdRng, counts: &[(Kind, usize)]) -> Vec<Kind> {
    let mut left: Vec<(Kind, usize)> = counts.to_vec();
    let total: usize = left.iter().map(|(_, n)| n).sum();
    let mut out = Vec::with_capacity(total);
    for remaining in (1..=total).rev() {
        let mut pick = rng.random_range(0..remaining);
        for (kind, n) in left.iter_mut() {
            if pick < *n {
                *n -= 1;
                out.push(*kind);
                break;
            }
            pick -= *n;
        }
    }
    out
}

/// Record `i`'s own random numbers, the same in every backup that holds it.
fn record_rng(stream: u64, i: usize) -> StdRng {
    StdRng::seed_from_u64(SEED.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (stream << 48) ^ i as u64)
}

/// Record `i` of `per_span` spread over the period (and on past it), in time order.
fn at_ms(rng: &mut StdRng, i: usize, per_span: usize) -> i64 {
    let step = SPAN_MS / per_span.max(1) as i64;
    START_MS + i as i64 * step + rng.random_range(0..step / 2)
}

fn body(rng: &mut StdRng, words: &[&str]) -> String {
    let n = if rng.random_range(0..50) == 0 {
        rng.random_range(8..16)
    } else {
        rng.random_range(1..4)
    };
    (0..n)
        .map(|_| words[rng.random_range(0..words.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sms-*.xml and calls-*.xml of one backup, holding `messages` and `calls` of the plan.
/// `later`: written by a later backup, which writes his number another way and the times a
/// few hundred milliseconds apart (the same records all the same).
fn write_backup(
    dir: &Path,
    stamp: &str,
    plan: &Plan,
    messages: Range<usize>,
    calls: Range<usize>,
    later: bool,
) -> Res<Vec<PathBuf>> {
    let texts_path = dir.join(format!("sms-{stamp}.xml"));
    let calls_path = dir.join(format!("calls-{stamp}.xml"));
    let (head, tail) = frame(&sms_backup::messages_file(&[]), "smses", messages.len())?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&texts_path)?);
    out.write_all(head.as_bytes())?;
    for i in messages {
        let (kind, picture) = plan.messages[i];
        write_message(&mut out, i, kind, picture, plan.messages_in_first, later)?;
    }
    out.write_all(tail.as_bytes())?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;

    let (head, tail) = frame(&sms_backup::calls_file(&[]), "calls", calls.len())?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&calls_path)?);
    out.write_all(head.as_bytes())?;
    for i in calls {
        let mut rng = record_rng(2, i);
        let at = at_ms(&mut rng, i, plan.calls_in_first) + if later { 700 } else { 0 };
        let (number, contact) = match plan.calls[i].0 {
            Kind::HisCall => (his_number(&mut rng, later), his_contact(&mut rng)),
            _ => OTHERS[rng.random_range(0..OTHERS.len() - 2)],
        };
        // Incoming, outgoing, missed, voicemail, rejected, blocked.
        let kind: u8 = [1, 1, 1, 2, 3, 3, 3, 4, 4, 5, 6][rng.random_range(0..11)];
        let duration = if matches!(kind, 1 | 2 | 4) {
            rng.random_range(5..900)
        } else {
            0
        };
        out.write_all(sms_backup::call(number, at, kind, duration, 1, contact).as_bytes())?;
    }
    out.write_all(tail.as_bytes())?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(vec![texts_path, calls_path])
}

/// The writer's file around no records, split where the records go, with their count.
fn frame(empty: &str, root: &str, count: usize) -> Res<(String, String)> {
    let close = format!("</{root}>");
    let (head, tail) = empty.split_once(&close).ok_or("no closing root")?;
    Ok((
        head.replacen("count=\"0\"", &format!("count=\"{count}\""), 1),
        format!("{close}{tail}"),
    ))
}

fn his_number(rng: &mut StdRng, later: bool) -> &'static str {
    let k = rng.random_range(0..HIS_FORMATS.len());
    HIS_FORMATS[(k + usize::from(later)) % HIS_FORMATS.len()]
}

fn his_contact(rng: &mut StdRng) -> &'static str {
    if rng.random_range(0..10) == 0 {
        "null"
    } else {
        HIS_CONTACT
    }
}

fn write_message(
    out: &mut BufWriter<File>,
    i: usize,
    kind: Kind,
    picture: u32,
    per_span: usize,
    later: bool,
) -> Res<()> {
    let mut rng = record_rng(1, i);
    let at = at_ms(&mut rng, i, per_span) + if later { 700 } else { 0 };
    match kind {
        Kind::HisText | Kind::OtherText => {
            let (number, contact, words) = if kind == Kind::HisText {
                (
                    his_number(&mut rng, later),
                    his_contact(&mut rng),
                    &HIS_WORDS[..],
                )
            } else {
                let (n, c) = OTHERS[rng.random_range(0..OTHERS.len())];
                (n, c, &OTHER_WORDS[..])
            };
            // His mostly come in; the protected person's replies are few.
            let sent = rng.random_range(0..if kind == Kind::HisText { 6 } else { 2 }) == 0;
            let text = body(&mut rng, words);
            out.write_all(
                sms_backup::sms(number, at, if sent { 2 } else { 1 }, &text, contact).as_bytes(),
            )?;
        }
        Kind::HisMms | Kind::OtherMms => {
            let (address, from) = if kind == Kind::HisMms {
                let n = his_number(&mut rng, later);
                (n.to_string(), n.to_string())
            } else if rng.random_range(0..3) == 0 {
                // A family group: two others and the phone.
                let a = OTHERS[rng.random_range(0..3)].0;
                let b = OTHERS[3 + rng.random_range(0..2)].0;
                (format!("{a}~{b}"), a.to_string())
            } else {
                let n = OTHERS[rng.random_range(0..6)].0;
                (n.to_string(), n.to_string())
            };
            let text = (rng.random_range(0..2) == 0).then(|| {
                body(
                    &mut rng,
                    if kind == Kind::HisMms {
                        &HIS_WORDS
                    } else {
                        &OTHER_WORDS
                    },
                )
            });
            let mut addrs: Vec<(&str, u16)> = vec![(from.as_str(), 137), (OWN_NUMBER, 151)];
            if let Some((_, b)) = address.split_once('~') {
                addrs.push((b, 151));
            }
            let empty: &[u8] = &[];
            let element = sms_backup::mms(
                &address,
                at,
                1,
                text.as_deref(),
                Some(("image/jpeg", Some(empty))),
                &addrs,
            );
            let (before, after) = element
                .split_once("data=\"\"")
                .ok_or("the writer's MMS has no data attribute")?;
            out.write_all(before.as_bytes())?;
            out.write_all(b"data=\"")?;
            if kind == Kind::HisMms {
                let jpeg = common::screenshot(i as u64);
                if jpeg.is_empty() {
                    return Err("could not encode a screenshot".into());
                }
                let mut encoder = base64::write::EncoderWriter::new(&mut *out, &STANDARD);
                encoder.write_all(&jpeg)?;
                encoder.finish()?;
            } else {
                write_picture(out, &mut rng, picture as usize)?;
            }
            out.write_all(b"\"")?;
            out.write_all(after.as_bytes())?;
        }
        Kind::HisCall | Kind::OtherCall => return Err("a call among the messages".into()),
    }
    Ok(())
}

/// `size` bytes of "JPEG" (a JFIF header, pseudo-random bytes, the end marker) as base64,
/// 48 KiB at a time: for others' MMS, which no report prints.
fn write_picture(out: &mut BufWriter<File>, rng: &mut StdRng, size: usize) -> Res<()> {
    const HEAD: [u8; 20] = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    let mut encoder = base64::write::EncoderWriter::new(out, &STANDARD);
    encoder.write_all(&HEAD)?;
    let mut buf = vec![0u8; 48 * 1024];
    let mut left = size.saturating_sub(HEAD.len() + 2);
    while left > 0 {
        let n = left.min(buf.len());
        rng.fill_bytes(&mut buf[..n]);
        encoder.write_all(&buf[..n])?;
        left -= n;
    }
    encoder.write_all(&[0xFF, 0xD9])?;
    encoder.finish()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The floor

struct Floor {
    secs: f64,
    cpu_secs: f64,
    /// Of the first file (the messages).
    sha256: String,
}

/// Reads each file in 1 MiB reads into SHA-256: the least an import must do.
fn floor(files: &[PathBuf]) -> Res<Floor> {
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let mut buf = vec![0u8; 1 << 20];
    let mut first = None;
    for path in files {
        let mut file = File::open(path)?;
        let mut hasher = Sha256::new();
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let digest = hex::encode(hasher.finalize());
        first.get_or_insert(digest);
    }
    Ok(Floor {
        secs: start.elapsed().as_secs_f64(),
        cpu_secs: cpu_secs() - cpu_start,
        sha256: first.unwrap_or_default(),
    })
}

/// Seconds to write `bytes` of pseudo-random data in 1 MiB writes and fsync it (the file is
/// removed after).
fn durable_write(path: &Path, bytes: u64) -> Res<f64> {
    let mut buf = vec![0u8; 1 << 20];
    StdRng::seed_from_u64(SEED).fill_bytes(&mut buf);
    let start = Instant::now();
    let mut file = File::create(path)?;
    let mut left = bytes;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    let secs = start.elapsed().as_secs_f64();
    fs::remove_file(path)?;
    Ok(secs)
}

// ---------------------------------------------------------------------------------------
// The journal and the measured steps

fn passphrase() -> SecretString {
    SecretString::from(PASSPHRASE.to_string())
}

fn date((y, m, d): (i32, u32, u32)) -> Res<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?)
}

/// A journal (scrypt 2^17, the tests' cost) with the order, his number and an incident on the
/// 15th of each month of the period. Returns its recovery key.
fn new_journal(root: &Path) -> Res<RecoveryKey> {
    let (mut journal, recovery) = Journal::create(root, &passphrase(), KdfCost::LogN(17))?;
    let mut order = common::order_input("HF24-000914", "2023-12-20", "2028-12-20");
    order.respondent = Some(PersonRef::New(Box::new(PersonInput {
        name: "Casey B. Rivera".into(),
        phones: vec![HIS_NUMBER.into()],
        ..PersonInput::default()
    })));
    let order = journal.add_order(&order)?;
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    for month in 0..24 {
        let sentences: Vec<&str> = (0..rng.random_range(2..5))
            .map(|_| common::SENTENCES[rng.random_range(0..common::SENTENCES.len())])
            .collect();
        journal.add_incident(&IncidentInput {
            occurred_at: format!("{}-{:02}-15T19:30", 2024 + month / 12, month % 12 + 1),
            ended_at: None,
            timezone: ZONE.name().into(),
            approximate: false,
            kinds: vec![IncidentKind::TextMessage],
            location: Some(common::PLACES[month % common::PLACES.len()].into()),
            description: sentences.join(" "),
            quotes: vec!["You can't hide from me.".into()],
            witnesses: Vec::new(),
            order_id: Some(order.id.clone()),
            term: None,
            police: None,
            impact: None,
            communications: Vec::new(),
        })?;
    }
    Ok(recovery)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Step {
    /// Import these files, in order.
    Import(Vec<PathBuf>),
    /// The chronological report of these days at the default volume cap.
    Report { from: NaiveDate, to: NaiveDate },
}

#[derive(Debug, Serialize, Deserialize)]
struct StepRun {
    secs: f64,
    /// Processor time of the step (user + system, every thread of the process).
    cpu_secs: f64,
    /// VmRSS of the unlocked journal just before the step, and VmHWM just after it.
    rss_kib: u64,
    hwm_kib: u64,
    /// Where the peak was measured: "this process" or "child process", and how.
    measured: String,
    imports: Vec<FileRun>,
    report: Option<ReportRun>,
}

impl StepRun {
    fn peak_kib(&self) -> u64 {
        self.hwm_kib.saturating_sub(self.rss_kib)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct FileRun {
    name: String,
    bytes: u64,
    secs: f64,
    sha256: String,
    messages: u64,
    calls: u64,
    added: u64,
    already_there: u64,
    parts_missing: u64,
    unreadable: u64,
    problems: Vec<String>,
    stopped: Option<String>,
    kept: bool,
    same_file_as_before: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct ReportRun {
    pages: usize,
    incidents: usize,
    exhibits: usize,
    texts: usize,
    calls: usize,
    volumes: Vec<VolumeRun>,
}

#[derive(Debug, Serialize, Deserialize)]
struct VolumeRun {
    bytes: u64,
    first_page: usize,
    last_page: usize,
    over_cap: Option<String>,
}

/// Opens the journal, notes its resident size, resets the peak, runs the step, reads the peak.
fn run_here(root: &Path, unlock: Unlock<'_>, step: &Step, in_child: bool) -> Res<StepRun> {
    let (mut journal, _) = Journal::open(root, unlock)?;
    let rss_kib = status_kib("VmRSS:");
    let reset = reset_peak();
    if !reset && !in_child {
        return Err("clear_refs stopped resetting VmHWM".into());
    }
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let mut run = StepRun {
        secs: 0.0,
        cpu_secs: 0.0,
        rss_kib,
        hwm_kib: 0,
        measured: format!(
            "{}{}",
            if in_child {
                "child process"
            } else {
                "this process"
            },
            if reset {
                ""
            } else {
                ", whole process (clear_refs did not reset VmHWM)"
            }
        ),
        imports: Vec::new(),
        report: None,
    };
    match step {
        Step::Import(files) => {
            for path in files {
                let began = Instant::now();
                let r = journal.import_phone_backup(path, &mut |_, _| true)?;
                run.imports.push(FileRun {
                    name: name(path),
                    bytes: r.size,
                    secs: began.elapsed().as_secs_f64(),
                    sha256: r.sha256,
                    messages: r.messages,
                    calls: r.calls,
                    added: r.added,
                    already_there: r.already_there,
                    parts_missing: r.parts_missing,
                    unreadable: r.unreadable,
                    problems: r.problems,
                    stopped: r.stopped.map(|s| format!("line {}: {}", s.line, s.what)),
                    kept: r.id.is_some(),
                    same_file_as_before: r.same_file_as.is_some(),
                });
            }
            run.secs = start.elapsed().as_secs_f64();
            run.cpu_secs = cpu_secs() - cpu_start;
            run.hwm_kib = status_kib("VmHWM:");
        }
        Step::Report { from, to } => {
            let options = ReportOptions::new(Scope {
                from: Some(*from),
                to: Some(*to),
                ..Scope::default()
            });
            let report = render(&journal, &options)?;
            run.secs = start.elapsed().as_secs_f64();
            run.cpu_secs = cpu_secs() - cpu_start;
            run.hwm_kib = status_kib("VmHWM:");
            let volumes = report
                .volumes
                .iter()
                .map(|v| VolumeRun {
                    bytes: v.pdf.len() as u64,
                    first_page: v.first_page,
                    last_page: v.last_page,
                    over_cap: v.over_cap.clone(),
                })
                .collect();
            let (pages, incidents, exhibits) = (report.pages, report.incidents, report.exhibits);
            drop(report);
            // What the section printed (read after the peak, so not counted in it).
            let printed = journal.printed_communications(Some(*from), Some(*to), ZONE, &[])?;
            let calls = printed.iter().filter(|c| c.kind.is_call()).count();
            run.report = Some(ReportRun {
                pages,
                incidents,
                exhibits,
                texts: printed.len() - calls,
                calls,
                volumes,
            });
        }
    }
    Ok(run)
}

/// Runs the step in this binary again (`DAYBOOK_BENCH_PHONE_CHILD` holds it, as JSON).
fn run_child(root: &Path, recovery: &RecoveryKey, step: &Step) -> Res<StepRun> {
    let out = Command::new(std::env::current_exe()?)
        .env(CHILD_ENV, serde_json::to_string(&(root, step))?)
        .env(RECOVERY_ENV, recovery.expose())
        .output()?;
    if !out.status.success() {
        return Err(format!("child failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .ok_or("the child printed nothing")?;
    Ok(serde_json::from_str(line)?)
}

fn child(step: &str) -> Res<()> {
    let (root, step): (PathBuf, Step) = serde_json::from_str(step)?;
    let recovery = RecoveryKey::parse(&std::env::var(RECOVERY_ENV)?)?;
    let run = run_here(&root, Unlock::RecoveryKey(&recovery), &step, true)?;
    println!("child {}", serde_json::to_string(&run)?);
    Ok(())
}

fn print_imports(label: &str, run: &StepRun) {
    println!(
        "{label}: {:.2} s ({:.2} s of processor time); peak {} above the unlocked journal (RSS {}; {})",
        run.secs,
        run.cpu_secs,
        mib(run.peak_kib()),
        mib(run.rss_kib),
        run.measured
    );
    for f in &run.imports {
        println!(
            "  {}: {}, {:.2} s ({}): {} messages and {} calls; {} new, {} already there; {} parts missing, {} unreadable{}{}{}{}",
            f.name,
            mb(f.bytes),
            f.secs,
            rate(f.bytes, f.secs),
            f.messages,
            f.calls,
            f.added,
            f.already_there,
            f.parts_missing,
            f.unreadable,
            if f.problems.is_empty() { String::new() } else { format!(" ({})", f.problems.join("; ")) },
            f.stopped.as_deref().map(|s| format!("; stopped at {s}")).unwrap_or_default(),
            if f.kept { "" } else { "; nothing kept" },
            if f.same_file_as_before { "; the same file as an earlier import" } else { "" },
        );
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers (peak memory and processor time: benches/common/memory.rs)

fn total_size(files: &[PathBuf]) -> Res<u64> {
    let mut total = 0;
    for f in files {
        total += fs::metadata(f)?.len();
    }
    Ok(total)
}

fn dir_size(dir: &Path) -> Res<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn rate(bytes: u64, secs: f64) -> String {
    format!("{:.1} MB/s", bytes as f64 / 1e6 / secs.max(1e-9))
}
