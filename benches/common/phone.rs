//! What the phone import benches (benches/phone_import.rs, benches/phone_sources.rs) share:
//! the journal they import into, the floor (reading and hashing the same files), the imports'
//! results as the child process sends them back, the lines and the figures table they print.
//! Included with `#[path = "common/phone.rs"] mod phone;` beside
//! `#[path = "common/memory.rs"] mod memory;`, whose [`Cost`] it prints.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use age::secrecy::SecretString;
use daybook::journal::PhoneImport;
use daybook::model::{OrderInput, PersonInput, PersonRef};
use daybook::{Journal, KdfCost, RecoveryKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::memory::{cpu_secs, loadavg, Cost};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "bench passphrase";
/// The goal for an import's peak above the unlocked journal.
const GOAL_MIB: f64 = 128.0;

pub fn passphrase() -> SecretString {
    SecretString::from(PASSPHRASE.to_string())
}

/// The bench's first line: the machine it runs on and how busy it is.
pub fn print_machine(bench: &str, quick: bool) {
    println!(
        "{bench}{}: {} cores, load average {} at start, kernel {}",
        if quick { " --quick" } else { "" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
}

/// A journal (scrypt 2^17, the tests' cost) with `order`, whose respondent is `him` with his
/// phone `number` on record. Returns the journal, the order's id and the recovery key.
pub fn new_journal(
    root: &Path,
    mut order: OrderInput,
    him: &str,
    number: &str,
) -> Res<(Journal, String, RecoveryKey)> {
    let (mut journal, recovery) = Journal::create(root, &passphrase(), KdfCost::LogN(17))?;
    order.respondent = Some(PersonRef::New(Box::new(PersonInput {
        name: him.into(),
        phones: vec![number.into()],
        ..PersonInput::default()
    })));
    let order_id = journal.add_order(&order)?.id;
    Ok((journal, order_id, recovery))
}

// ---------------------------------------------------------------------------------------
// The floor

pub struct Floor {
    pub secs: f64,
    pub cpu_secs: f64,
    /// Each file's SHA-256, in the order read.
    pub digests: Vec<(PathBuf, String)>,
}

impl Floor {
    pub fn digest(&self, path: &Path) -> String {
        self.digests
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    }
}

/// Reads each file in 1 MiB reads into SHA-256: the least an import must do.
pub fn floor(files: &[PathBuf]) -> Res<Floor> {
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let mut buf = vec![0u8; 1 << 20];
    let mut digests = Vec::new();
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
        digests.push((path.clone(), hex::encode(hasher.finalize())));
    }
    Ok(Floor {
        secs: start.elapsed().as_secs_f64(),
        cpu_secs: cpu_secs() - cpu_start,
        digests,
    })
}

pub fn print_floor(label: &str, bytes: u64, floor: &Floor) {
    println!(
        "{label}: read + SHA-256 of {} in {} file(s) in {} s ({})",
        mb(bytes),
        floor.digests.len(),
        seconds(floor.secs),
        rate(bytes, floor.secs)
    );
}

// ---------------------------------------------------------------------------------------
// The imports

/// One file's import, as the child process sends it back.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileRun {
    pub name: String,
    pub bytes: u64,
    /// The file's own time, where the step imports its files one by one.
    pub secs: Option<f64>,
    pub sha256: String,
    pub messages: u64,
    pub calls: u64,
    pub added: u64,
    pub already_there: u64,
    pub parts_missing: u64,
    pub unreadable: u64,
    pub problems: Vec<String>,
    pub stopped: Option<String>,
    pub kept: bool,
    pub same_file_as_before: bool,
}

impl FileRun {
    pub fn new(name: String, secs: Option<f64>, r: PhoneImport) -> Self {
        FileRun {
            name,
            bytes: r.size,
            secs,
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
        }
    }
}

/// A step's time, processor time and peak, as the lines after each step say them.
pub fn cost_text(cost: &Cost) -> String {
    format!(
        "{} s ({:.2} s of processor time); peak {} above the unlocked journal (RSS {}; {})",
        seconds(cost.secs),
        cost.cpu_secs,
        mib(cost.peak_kib()),
        mib(cost.rss_kib),
        cost.measured
    )
}

pub fn print_imports(label: &str, cost: &Cost, files: &[FileRun]) {
    println!("{label}: {}", cost_text(cost));
    for f in files {
        let timed = f
            .secs
            .map(|s| format!(", {s:.2} s ({})", rate(f.bytes, s)))
            .unwrap_or_default();
        println!(
            "  {}: {}{timed}: {} messages and {} calls; {} new, {} already there; {} parts missing, {} unreadable{}{}{}{}",
            f.name,
            mb(f.bytes),
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
// The figures table

pub struct Row {
    pub step: String,
    pub bytes: u64,
    pub secs: f64,
    pub cpu_secs: f64,
    /// Whether `bytes` is what the step read, so that bytes over seconds is its rate (not a
    /// report's, whose bytes are its output).
    pub rated: bool,
    pub ratio: String,
    pub peak: String,
    pub rss: String,
}

/// Each step's time against the floors measured in the same run, and its peak memory.
pub struct Table {
    /// Whether the table has an MB/s column.
    pub rate: bool,
    /// Decimals of "x floor time".
    pub digits: usize,
    /// Whether a step's peak says where it was measured (where steps differ in that).
    pub peak_where: bool,
    /// What a floor's row writes for "x floor time".
    pub floor_ratio: &'static str,
    pub rows: Vec<Row>,
}

impl Table {
    pub fn floor(&mut self, step: impl Into<String>, bytes: u64, floor: &Floor) {
        self.rows.push(Row {
            step: step.into(),
            bytes,
            secs: floor.secs,
            cpu_secs: floor.cpu_secs,
            rated: true,
            ratio: self.floor_ratio.into(),
            peak: "-".into(),
            rss: "-".into(),
        });
    }

    /// A measured step: its time over the mean of the two floors (in brackets, over each) and
    /// its peak against the goal.
    pub fn step(&mut self, step: impl Into<String>, bytes: u64, cost: &Cost, floors: [&Floor; 2]) {
        let [f1, f2] = floors.map(|f| f.secs);
        let d = self.digits;
        let ratio = format!(
            "{:.d$} ({:.d$}-{:.d$})",
            cost.secs / ((f1 + f2) / 2.0).max(1e-9),
            cost.secs / f1.max(f2).max(1e-9),
            cost.secs / f1.min(f2).max(1e-9)
        );
        let goal = if (cost.peak_kib() as f64 / 1024.0) < GOAL_MIB {
            "under 128 MiB"
        } else {
            "OVER 128 MiB"
        };
        let peak = if self.peak_where {
            format!("{} ({goal}; {})", mib(cost.peak_kib()), cost.measured)
        } else {
            format!("{} ({goal})", mib(cost.peak_kib()))
        };
        self.rows.push(Row {
            step: step.into(),
            bytes,
            secs: cost.secs,
            cpu_secs: cost.cpu_secs,
            rated: true,
            ratio,
            peak,
            rss: mib(cost.rss_kib),
        });
    }

    pub fn print(&self) {
        let (rate_head, rate_rule) = if self.rate {
            (" MB/s |", "---|")
        } else {
            ("", "")
        };
        println!(
            "| step | MB | seconds | processor s |{rate_head} x floor time | peak above unlocked journal | RSS unlocked |"
        );
        println!("|---|---|---|---|{rate_rule}---|---|---|");
        for r in &self.rows {
            let rate = match (self.rate, r.rated) {
                (false, _) => String::new(),
                (true, true) => format!(" {:.1} |", r.bytes as f64 / 1e6 / r.secs.max(1e-9)),
                (true, false) => " - |".into(),
            };
            println!(
                "| {} | {:.1} | {} | {:.2} |{rate} {} | {} | {} |",
                r.step,
                r.bytes as f64 / 1e6,
                seconds(r.secs),
                r.cpu_secs,
                r.ratio,
                r.peak,
                r.rss
            );
        }
    }
}

/// The bench's last line: that every check passed (`passed` says which), or each that failed
/// (the bench then fails).
pub fn finish(problems: &[String], passed: &str) -> Res<()> {
    if problems.is_empty() {
        println!("checks: {passed}");
        Ok(())
    } else {
        for p in problems {
            println!("CHECK FAILED: {p}");
        }
        Err(format!("{} check(s) failed", problems.len()).into())
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

pub fn total_size(files: &[PathBuf]) -> Res<u64> {
    let mut total = 0;
    for f in files {
        total += fs::metadata(f)?.len();
    }
    Ok(total)
}

pub fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Seconds to two decimals, or four below a tenth (a floor of a few MB takes milliseconds).
pub fn seconds(secs: f64) -> String {
    if secs < 0.1 {
        format!("{secs:.4}")
    } else {
        format!("{secs:.2}")
    }
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

pub fn rate(bytes: u64, secs: f64) -> String {
    format!("{:.1} MB/s", bytes as f64 / 1e6 / secs.max(1e-9))
}
