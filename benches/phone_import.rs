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
//! writer tests/util/sms_backup.rs; benches/common/phone_history.rs) is written to a temp
//! folder record by record and never held in memory: deterministic (seeded) except for the
//! journal's own ids and keys. The
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
//! the figure is the whole child's peak above its unlocked journal. The child process, the
//! measuring, the floor, the journal, the printed lines and the table are shared with
//! benches/phone_sources.rs (benches/common: child.rs, memory.rs, phone.rs).

#[path = "common/child.rs"]
mod child;
mod common;
#[path = "common/memory.rs"]
mod memory;
#[path = "common/phone.rs"]
mod phone;
#[path = "common/phone_history.rs"]
mod phone_history;
#[path = "../tests/util/sms_backup.rs"]
mod sms_backup;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use daybook::report::chronological::{render, ReportOptions};
use daybook::report::exhibits::Scope;
use daybook::{Journal, RecoveryKey, Unlock};
use memory::{clear_refs_works, loadavg, measure, Cost};
use phone::{floor, mb, mib, name, print_floor, print_imports, rate, total_size, FileRun, Row};
use phone_history::{write_backup, Plan, Sizes, HIS_NUMBER, SEED};

type Error = Box<dyn std::error::Error>;
type Res<T> = Result<T, Error>;

const CHILD_ENV: &str = "DAYBOOK_BENCH_PHONE_CHILD";
const ZONE: chrono_tz::Tz = chrono_tz::America::Los_Angeles;

/// The report's period, where the first backup's records lie (phone_history.rs).
const FIRST_DAY: (i32, u32, u32) = (2024, 1, 1);
const LAST_DAY: (i32, u32, u32) = (2025, 12, 31);

fn main() -> Res<()> {
    if let Ok(step) = std::env::var(CHILD_ENV) {
        return child::serve_json(&step, |root, recovery, step| {
            run_here(root, Unlock::RecoveryKey(recovery), step, true)
        });
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
    phone::print_machine("phone_import", quick);
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
            run_here(&root, Unlock::Passphrase(&phone::passphrase()), step, false)
        } else {
            child::run_json(CHILD_ENV, &root, step, &recovery)
        }
    };

    let floor1 = floor(&first)?;
    print_floor("floor 1", first_bytes, &floor1);
    let import = run(&Step::Import(first.clone()), first_here)?;
    print_imports("import", &import.cost, &import.imports);
    let floor2 = floor(&first)?;
    print_floor("floor 2", first_bytes, &floor2);
    if import.imports.first().map(|f| f.sha256.as_str()) != Some(floor1.digest(&first[0]).as_str())
    {
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
    print_imports("re-import of the same files", &again.cost, &again.imports);
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
        "report {from} to {to}: {} incidents, {} texts and {} calls in \"Communications with the restrained person\", {} exhibits (his MMS pictures); {} pages in {} volume(s) at the default 10 MB cap, {} in all (largest {}), {}",
        r.incidents,
        r.texts,
        r.calls,
        r.exhibits,
        r.pages,
        r.volumes.len(),
        mb(out_bytes),
        mb(r.volumes.iter().map(|v| v.bytes).max().unwrap_or(0)),
        phone::cost_text(&report.cost)
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
    print_imports("overlapping later backup", &overlap.cost, &overlap.imports);
    let second_bytes = total_size(&second)?;
    let new_in_second = (ext_m + ext_c) as u64;
    let overlap_added: u64 = overlap.imports.iter().map(|f| f.added).sum();
    if overlap_added != new_in_second {
        problems.push(format!(
            "the overlapping backup added {overlap_added} records, expected {new_in_second} (the others are already there)"
        ));
    }

    // The figures.
    let mut table = phone::Table {
        rate: true,
        digits: 2,
        peak_where: true,
        floor_ratio: "-",
        rows: Vec::new(),
    };
    let (bytes, floors) = (first_bytes, [&floor1, &floor2]);
    let read = "read + SHA-256 (1 MiB reads)";
    table.floor(format!("floor 1: {read}"), bytes, &floor1);
    let label = "import (both files, fresh journal)";
    table.step(label, bytes, &import.cost, floors);
    table.floor(format!("floor 2: {read}"), bytes, &floor2);
    let label = "re-import, same files (adds nothing)";
    table.step(label, bytes, &again.cost, floors);
    table.rows.push(Row {
        step: format!(
            "report, {} pages, {} volume(s), {} texts + {} calls, {} exhibits (MB = PDF output)",
            r.pages,
            r.volumes.len(),
            r.texts,
            r.calls,
            r.exhibits
        ),
        bytes: out_bytes,
        secs: report.cost.secs,
        cpu_secs: report.cost.cpu_secs,
        rated: false,
        ratio: "-".into(),
        peak: format!("{} ({})", mib(report.cost.peak_kib()), report.cost.measured),
        rss: mib(report.cost.rss_kib),
    });
    let overlap_label = format!(
        "overlapping backup ({} already there, {} new)",
        overlap.imports.iter().map(|f| f.already_there).sum::<u64>(),
        overlap_added
    );
    table.step(overlap_label, second_bytes, &overlap.cost, floors);
    println!();
    table.print();
    println!();
    println!(
        "x floor time: the step's time / the mean of floors 1 and 2 (range: against each); peak: VmHWM - VmRSS of the unlocked journal, measured where the row says; load average {} at end",
        loadavg()
    );
    phone::finish(&problems, "the kept copy's SHA-256 is the file's, every record added once, nothing added again, the report holds every text and call with him, the overlap added only its new records")
}

// ---------------------------------------------------------------------------------------
// The disk, for comparison

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

fn date((y, m, d): (i32, u32, u32)) -> Res<NaiveDate> {
    Ok(NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?)
}

/// A journal with the order, his number and an incident on the 15th of each month of the
/// period. Returns its recovery key.
fn new_journal(root: &Path) -> Res<RecoveryKey> {
    let order = common::order_input("HF24-000914", "2023-12-20", "2028-12-20");
    let (mut journal, order_id, recovery) =
        phone::new_journal(root, order, "Casey B. Rivera", HIS_NUMBER)?;
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    for month in 0..24 {
        let sentences: Vec<&str> = (0..rng.random_range(2..5))
            .map(|_| common::SENTENCES[rng.random_range(0..common::SENTENCES.len())])
            .collect();
        journal.add_incident(&common::text_incident(
            format!("{}-{:02}-15T19:30", 2024 + month / 12, month % 12 + 1),
            common::PLACES[month % common::PLACES.len()],
            sentences.join(" "),
            &order_id,
        ))?;
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
    cost: Cost,
    imports: Vec<FileRun>,
    report: Option<ReportRun>,
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

/// Opens the journal, then runs the step with its cost measured (benches/common/memory.rs).
fn run_here(root: &Path, unlock: Unlock<'_>, step: &Step, in_child: bool) -> Res<StepRun> {
    let (mut journal, _) = Journal::open(root, unlock)?;
    match step {
        Step::Import(files) => {
            let (cost, imports) = measure(in_child, || {
                let mut imports = Vec::new();
                for path in files {
                    let began = Instant::now();
                    let r = journal.import_phone_backup(path, &mut |_, _| true)?;
                    let secs = began.elapsed().as_secs_f64();
                    imports.push(FileRun::new(name(path), Some(secs), r));
                }
                Ok(imports)
            })?;
            Ok(StepRun {
                cost,
                imports,
                report: None,
            })
        }
        Step::Report { from, to } => {
            let (cost, report) = measure(in_child, || {
                let options = ReportOptions::new(Scope {
                    from: Some(*from),
                    to: Some(*to),
                    ..Scope::default()
                });
                Ok(render(&journal, &options)?)
            })?;
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
            Ok(StepRun {
                cost,
                imports: Vec::new(),
                report: Some(ReportRun {
                    pages,
                    incidents,
                    exhibits,
                    texts: printed.len() - calls,
                    calls,
                    volumes,
                }),
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers (the others: benches/common/phone.rs)

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
