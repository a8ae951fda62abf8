//! Performance figures for docs/performance.md (issue 6): each of Daybook's costs measured
//! side by side, in the same run, with a floor (the least any implementation must do) or a
//! peer, on generated journals of realistic size. Dev-only; never shipped.
//!
//! Run (release): `cargo bench -p daybook --bench perf -- [OPTIONS] SECTION...`
//!
//! Sections:
//! - `import`: attachment import vs a minimal SHA-256 + age loop over the same bytes, and the
//!   peak memory of importing a 2 GiB file (in a child process);
//! - `report`: the court report of the large journal's last year vs decrypting and hashing
//!   its images, vs LibreOffice converting an HTML page with the same text and images, its
//!   size vs the image bytes, and its peak memory (in a child process);
//! - `ops`: unlock (KDF apart), timeline, one month, search and insert on the large journal,
//!   each vs the same SQL on an unencrypted copy (and, for reference, on the encrypted file);
//! - `growth`: the same figures on text-only journals of 1k, 10k and 100k incidents.
//! - `messages`: journals of texts and calls at the `--growth` sizes (perf/messages.rs).
//!
//! Options: `--data DIR` where generated datasets are kept between runs (default
//! `$TMPDIR/daybook-perf`); `--build-in DIR` build datasets there (e.g. a tmpfs, where fsync is
//! free) and copy them to `--data`; `--reps N` repetitions, the median is reported (default
//! 3); `--quick` a small large-journal (1,000 incidents, 150 files) and growth at 1k and 10k
//! only; `--growth 1000,10000,100000` sizes for `growth` and `messages`.
//!
//! Datasets are deterministic (fixed seeds, fixed dates) except for the random ids and keys
//! every journal makes. Building them is never timed.

// Of child.rs and memory.rs, only what runs a child process and reads /proc around its step.
#[allow(dead_code)]
#[path = "common/child.rs"]
mod child;
mod common;
#[allow(dead_code)]
#[path = "common/memory.rs"]
mod memory;
/// Section 6 (texts and calls).
#[path = "perf/messages.rs"]
mod messages;
/// Sections 3 (journal operations) and 5 (growth).
#[path = "perf/ops.rs"]
mod ops;
/// Section 2 (the court report).
#[path = "perf/report.rs"]
mod report;
// The phone_import bench's backup generator, and the tests' SMS Backup & Restore writer it uses.
#[allow(dead_code)]
#[path = "common/phone_history.rs"]
mod phone_history;
#[path = "../tests/util/sms_backup.rs"]
mod sms_backup;

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Instant;

use age::secrecy::SecretString;
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

use common::{screenshot, PLACES, SENTENCES};
use daybook::journal::keys;
use daybook::journal::IncidentFilter;
use daybook::model::{IncidentInput, IncidentKind, PoliceContact, Witness};
use daybook::report::chronological::{render, ReportOptions};
use daybook::report::exhibits::{select, Scope};
use daybook::{AttachmentKind, Journal, KdfCost, RecoveryKey, Unlock};
use memory::{loadavg, reset_peak, status_kib};

type Error = Box<dyn std::error::Error>;
type Res<T> = Result<T, Error>;

const PASSPHRASE: &str = "bench passphrase";
/// The last day of every generated journal: fixed, so datasets do not depend on the date.
const LAST_DAY: (i32, u32, u32) = (2025, 12, 31);
const CHUNK: usize = 64 * 1024;

fn passphrase() -> SecretString {
    SecretString::from(PASSPHRASE.to_string())
}

struct Args {
    data: PathBuf,
    build_in: Option<PathBuf>,
    reps: usize,
    quick: bool,
    growth: Vec<usize>,
    sections: Vec<String>,
}

fn main() -> Res<()> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("--child") {
        return child(&raw[1..]);
    }
    let mut args = Args {
        data: std::env::temp_dir().join("daybook-perf"),
        build_in: None,
        reps: 3,
        quick: false,
        growth: vec![1_000, 10_000, 100_000],
        sections: Vec::new(),
    };
    let mut it = raw.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--data" => args.data = it.next().ok_or("--data DIR")?.into(),
            "--build-in" => args.build_in = Some(it.next().ok_or("--build-in DIR")?.into()),
            "--reps" => args.reps = it.next().ok_or("--reps N")?.parse()?,
            "--quick" => args.quick = true,
            "--growth" => {
                args.growth = it
                    .next()
                    .ok_or("--growth N,N")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?
            }
            "--bench" => {}
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            s => args.sections.push(s.to_string()),
        }
    }
    if args.quick && args.growth == [1_000, 10_000, 100_000] {
        args.growth = vec![1_000, 10_000];
    }
    if args.sections.is_empty() {
        args.sections = ["import", "report", "ops", "growth", "messages"]
            .map(String::from)
            .to_vec();
    }
    fs::create_dir_all(&args.data)?;
    println!(
        "daybook perf: data in {}, {} repetition(s), median reported; load average at start: {}",
        args.data.display(),
        args.reps,
        loadavg()
    );
    let large = if args.quick {
        Spec::new(1_000, 100, 30, 20)
    } else {
        Spec::new(10_000, 1_000, 300, 200)
    };
    for section in args.sections.clone() {
        let started = Instant::now();
        match section.as_str() {
            "import" => import_section(&args)?,
            "report" => report::report_section(&args, &large)?,
            "ops" => {
                let set = dataset(&args, &large)?;
                ops::ops_section(&args, &set, "large")?;
            }
            "growth" => ops::growth_section(&args)?,
            "messages" => messages::messages_section(&args)?,
            other => return Err(format!("unknown section {other}").into()),
        }
        println!(
            "[{section} done in {:.0} s; load average {}]",
            started.elapsed().as_secs_f64(),
            loadavg()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Datasets

/// A generated journal: `incidents` over five years, with `jpeg` phone screenshots
/// (1080x1920, about 100-400 KB), `png` pictures and `audio` voicemails (WAV) attached.
#[derive(Clone)]
struct Spec {
    incidents: usize,
    jpeg: usize,
    png: usize,
    audio: usize,
}

impl Spec {
    fn new(incidents: usize, jpeg: usize, png: usize, audio: usize) -> Self {
        Self {
            incidents,
            jpeg,
            png,
            audio,
        }
    }
    fn files(&self) -> usize {
        self.jpeg + self.png + self.audio
    }
    fn name(&self) -> String {
        format!(
            "j{}-{}-{}-{}",
            self.incidents, self.jpeg, self.png, self.audio
        )
    }
}

struct Dataset {
    root: PathBuf,
    recovery: RecoveryKey,
    spec: Spec,
}

/// The dataset for `spec`, built (untimed) the first time.
fn dataset(args: &Args, spec: &Spec) -> Res<Dataset> {
    let dir = args.data.join(spec.name());
    let done = dir.join("done");
    if !done.exists() {
        let build_dir = match &args.build_in {
            Some(b) => b.join(spec.name()),
            None => dir.clone(),
        };
        let _ = fs::remove_dir_all(&build_dir);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&build_dir)?;
        let started = Instant::now();
        let (recovery, bytes) = build_journal(&build_dir.join("journal"), spec)?;
        fs::write(build_dir.join("recovery.txt"), recovery.expose())?;
        if build_dir != dir {
            copy_tree(&build_dir, &dir)?;
            fs::remove_dir_all(&build_dir)?;
        }
        fs::write(&done, format!("{bytes}\n"))?;
        println!(
            "built {} ({} incidents, {} files, {:.1} MB of attachments) in {:.0} s (not timed)",
            spec.name(),
            spec.incidents,
            spec.files(),
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    let recovery = RecoveryKey::parse(&fs::read_to_string(dir.join("recovery.txt"))?)?;
    Ok(Dataset {
        root: dir.join("journal"),
        recovery,
        spec: spec.clone(),
    })
}

fn copy_tree(from: &Path, to: &Path) -> Res<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A working copy of a dataset's journal: database and key files copied, blobs hard-linked
/// (never written by the figures), so inserts never change the cached dataset.
fn working_copy(set: &Dataset, to: &Path) -> Res<()> {
    let _ = fs::remove_dir_all(to);
    fs::create_dir_all(to.join("unlock"))?;
    fs::create_dir_all(to.join("blobs"))?;
    fs::copy(set.root.join("journal.db"), to.join("journal.db"))?;
    for f in ["passphrase.age", "recovery.age"] {
        fs::copy(set.root.join("unlock").join(f), to.join("unlock").join(f))?;
    }
    for entry in fs::read_dir(set.root.join("blobs"))? {
        let entry = entry?;
        fs::hard_link(entry.path(), to.join("blobs").join(entry.file_name()))?;
    }
    Ok(())
}

const QUOTES: [&str; 6] = [
    "You can't hide from me.",
    "Answer the phone or I'm coming over.",
    "Drop the case and this all stops.",
    "I know where you park.",
    "You'll be sorry.",
    "Pick up. Now.",
];

const KINDS: [IncidentKind; 10] = [
    IncidentKind::TextMessage,
    IncidentKind::PhoneCall,
    IncidentKind::Voicemail,
    IncidentKind::SocialMedia,
    IncidentKind::CameWithinDistance,
    IncidentKind::Followed,
    IncidentKind::ThirdPartyContact,
    IncidentKind::GiftOrItemLeft,
    IncidentKind::Threat,
    IncidentKind::PropertyDamage,
];

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2).expect("date")
}

/// One incident, deterministic for (`seed`, `n`), on day `day`.
fn incident_input(rng: &mut StdRng, day: NaiveDate, order_id: &str) -> IncidentInput {
    let sentences: Vec<&str> = (0..rng.random_range(2..7))
        .map(|_| SENTENCES[rng.random_range(0..SENTENCES.len())])
        .collect();
    let quotes = (0..rng.random_range(0..3))
        .map(|_| QUOTES[rng.random_range(0..QUOTES.len())].to_string())
        .collect();
    let mut kinds = vec![KINDS[rng.random_range(0..KINDS.len())]];
    if rng.random_range(0..3) == 0 {
        kinds.push(KINDS[rng.random_range(0..KINDS.len())]);
    }
    let witnesses = if rng.random_range(0..10) == 0 {
        vec![Witness {
            name: "Alicia Moreno".into(),
            contact: Some("(510) 555-0150".into()),
            saw: Some("Saw his truck outside".into()),
        }]
    } else {
        Vec::new()
    };
    let police = if rng.random_range(0..7) == 0 {
        Some(PoliceContact {
            agency: "Oakland Police Department".into(),
            officer: Some("Officer L. Tran".into()),
            badge: Some(format!("{}", rng.random_range(1000..9999))),
            report_number: Some(format!(
                "{}-{:06}",
                day.format("%y"),
                rng.random_range(0..999_999)
            )),
            outcome: Some("Report taken".into()),
        })
    } else {
        None
    };
    IncidentInput {
        occurred_at: format!(
            "{}T{:02}:{:02}",
            day.format("%Y-%m-%d"),
            rng.random_range(7..23),
            rng.random_range(0..60)
        ),
        ended_at: None,
        timezone: "America/Los_Angeles".into(),
        approximate: rng.random_range(0..20) == 0,
        kinds,
        location: Some(PLACES[rng.random_range(0..PLACES.len())].into()),
        description: sentences.join(" "),
        quotes,
        witnesses,
        order_id: Some(order_id.to_string()),
        term: None,
        police,
        impact: None,
        communications: Vec::new(),
    }
}

fn add_order(journal: &mut Journal) -> Res<String> {
    Ok(journal
        .add_order(&common::order_input(
            "HF20-000777",
            "2020-06-02",
            "2027-06-02",
        ))?
        .id)
}

/// Which file attachment `k` is (of `spec.files()`), interleaved 10:3:2 like the large
/// dataset's 1,000 screenshots, 300 pictures and 200 voicemails.
#[derive(Clone, Copy)]
enum FileKind {
    Jpeg(usize),
    Png(usize),
    Wav(usize),
}

fn file_plan(spec: &Spec) -> Vec<FileKind> {
    let mut out = Vec::new();
    let (mut j, mut p, mut a) = (0, 0, 0);
    let total = spec.files();
    for k in 0..total {
        // Spread each kind evenly: take the kind furthest behind its share.
        let want = |n: usize, of: usize| (k + 1) as f64 * n as f64 / total as f64 - of as f64;
        let (wj, wp, wa) = (want(spec.jpeg, j), want(spec.png, p), want(spec.audio, a));
        if j < spec.jpeg && wj >= wp && wj >= wa {
            out.push(FileKind::Jpeg(j));
            j += 1;
        } else if p < spec.png && wp >= wa {
            out.push(FileKind::Png(p));
            p += 1;
        } else {
            out.push(FileKind::Wav(a));
            a += 1;
        }
    }
    out
}

fn make_file(kind: FileKind) -> (String, Vec<u8>) {
    match kind {
        FileKind::Jpeg(i) => (format!("Screenshot_{i:04}.jpg"), screenshot(i as u64)),
        FileKind::Png(i) => (format!("Photo_{i:04}.png"), picture(i as u64)),
        FileKind::Wav(i) => (format!("Voicemail_{i:04}.wav"), voicemail(i as u64)),
    }
}

/// Builds a journal for `spec`; returns its recovery key and the attachments' total bytes.
fn build_journal(root: &Path, spec: &Spec) -> Res<(RecoveryKey, u64)> {
    let (mut journal, recovery) = Journal::create(root, &passphrase(), KdfCost::Calibrated)?;
    let order_id = add_order(&mut journal)?;
    let files = root.parent().ok_or("root")?.join("files");
    fs::create_dir_all(&files)?;
    let plan = file_plan(spec);
    // Files are made on another thread while this one imports.
    let (tx, rx) = mpsc::sync_channel::<(String, Vec<u8>)>(4);
    let maker = {
        let plan = plan.clone();
        std::thread::spawn(move || {
            for kind in plan {
                if tx.send(make_file(kind)).is_err() {
                    break;
                }
            }
        })
    };
    let mut rng = StdRng::seed_from_u64(6);
    let days = 5 * 365;
    let first = last_day() - Duration::days(days as i64 - 1);
    let (n, total_files) = (spec.incidents, plan.len());
    let mut bytes = 0u64;
    let started = Instant::now();
    for i in 0..n {
        let day = first + Duration::days((i * days / n) as i64);
        let incident = journal.add_incident(&incident_input(&mut rng, day, &order_id))?;
        if i % 50 == 25 {
            let patch = serde_json::json!({
                "description": format!("{} (Corrected: it was the evening, not the afternoon.)", incident.description)
            });
            journal.edit_incident(&incident.id, &patch)?;
        }
        if total_files > 0 && i * total_files / n != (i + 1) * total_files / n {
            let (name, content) = rx.recv()?;
            bytes += content.len() as u64;
            let path = files.join(&name);
            fs::write(&path, &content)?;
            journal.attach(&incident.id, &path, Some("Screenshot"), &mut |_, _| true)?;
            fs::remove_file(&path)?;
        }
        if (i + 1) % 10_000 == 0 {
            println!(
                "  ... {} incidents in {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    drop(rx);
    let _ = maker.join();
    fs::remove_dir_all(&files)?;
    Ok((recovery, bytes))
}

/// A 1024x768 RGB picture (a photo of a note, a door, a car): gradients and grain; about
/// 0.7-1.5 MB as PNG.
fn picture(seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_0000);
    let (w, h) = (1024u32, 768u32);
    let grain = rng.random_range(6..24u32);
    let mut px = vec![0u8; (w * h * 3) as usize];
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 3) as usize;
            let wave = ((x as f32 / 61.0).sin() * (y as f32 / 47.0).cos()) * 40.0;
            let noise = rng.random_range(0..grain) as f32;
            px[i] = (90.0 + wave + noise + y as f32 / 8.0) as u8;
            px[i + 1] = (110.0 + wave * 0.3 + noise) as u8;
            px[i + 2] = (70.0 - wave * 0.5 + noise + x as f32 / 10.0) as u8;
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&px));
        if written.is_err() {
            return Vec::new();
        }
    }
    out
}

/// A voicemail as 16-bit mono 44.1 kHz WAV, 10 to 50 seconds (0.9 to 4.4 MB): a voice-like
/// warble with noise.
fn voicemail(seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xa0d1_0000);
    let rate = 44_100u32;
    let seconds = rng.random_range(10..50u32);
    let samples = rate * seconds;
    let mut out = Vec::with_capacity(44 + samples as usize * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples * 2).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples * 2).to_le_bytes());
    for s in 0..samples {
        let t = s as f32 / rate as f32;
        let pitch = 180.0 + 40.0 * (t * 3.0).sin();
        let v = (t * pitch * std::f32::consts::TAU).sin() * 6000.0 * (0.6 + 0.4 * (t * 5.0).sin())
            + rng.random_range(-800.0..800.0f32);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Measuring (reading /proc: benches/common/memory.rs)

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn time<T>(f: impl FnOnce() -> Res<T>) -> Res<(f64, T)> {
    let started = Instant::now();
    let out = f()?;
    Ok((started.elapsed().as_secs_f64(), out))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// One figure: what, ours, floor or peer, ratio, goal.
fn row(figure: &str, ours: String, floor: String, ratio: f64, goal: &str) {
    println!("| {figure} | {ours} | {floor} | {ratio:.2} | {goal} |");
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1e3)
}

// ---------------------------------------------------------------------------------------
// Child processes (peak memory is per process)

fn child(args: &[String]) -> Res<()> {
    let recovery = child::recovery_key()?;
    let root = PathBuf::from(args.get(1).ok_or("journal")?);
    let (mut journal, _) = Journal::open(&root, Unlock::RecoveryKey(&recovery))?;
    match args.first().map(String::as_str) {
        Some("import") => {
            let file = PathBuf::from(args.get(2).ok_or("file")?);
            let incident = journal
                .incidents(&IncidentFilter::default())?
                .pop()
                .ok_or("no incident")?;
            let before = status_kib("VmRSS:");
            reset_peak();
            let (secs, a) =
                time(|| Ok(journal.attach(&incident.id, &file, None, &mut |_, _| true)?))?;
            println!(
                "child rss_before_kib={before} hwm_kib={} secs={secs:.3} bytes={}",
                status_kib("VmHWM:"),
                a.size
            );
        }
        Some("report") => {
            let from: NaiveDate = args.get(2).ok_or("from")?.parse()?;
            let to: NaiveDate = args.get(3).ok_or("to")?.parse()?;
            let cap: u64 = args.get(4).ok_or("cap")?.parse()?;
            let mut options = ReportOptions::new(Scope {
                from: Some(from),
                to: Some(to),
                ..Scope::default()
            });
            options.max_bytes = (cap > 0).then_some(cap);
            // "memory-all": every picture kept for the whole report, as before 2026-12-05.
            if args.get(5).map(String::as_str) == Some("memory-all") {
                options.pictures_kept_bytes = u64::MAX;
            }
            let before = status_kib("VmRSS:");
            reset_peak();
            // "files": written a volume at a time, as `export report` and the app do; else
            // made in memory, as the evidence packet takes it.
            let (secs, sizes) = if args.get(5).map(String::as_str) == Some("files") {
                let dir = std::env::temp_dir()
                    .join(format!("daybook-perf-report-{}", std::process::id()));
                fs::create_dir_all(&dir)?;
                let written = time(|| {
                    Ok(daybook::report::chronological::render_to_files(
                        &journal,
                        &options,
                        &dir.join("report.pdf"),
                        &|| false,
                    )?)
                });
                fs::remove_dir_all(&dir)?;
                let (secs, written) = written?;
                (
                    secs,
                    written
                        .volumes
                        .iter()
                        .map(|(v, _)| v.size)
                        .collect::<Vec<_>>(),
                )
            } else {
                let (secs, report) = time(|| Ok(render(&journal, &options)?))?;
                (
                    secs,
                    report.volumes.iter().map(|v| v.pdf.len() as u64).collect(),
                )
            };
            println!(
                "child rss_before_kib={before} hwm_kib={} secs={secs:.3} volumes={} largest={}",
                status_kib("VmHWM:"),
                sizes.len(),
                sizes.iter().max().copied().unwrap_or(0)
            );
        }
        other => return Err(format!("unknown child {other:?}").into()),
    }
    Ok(())
}

/// Runs `--child ARGS` in this binary again (benches/common/child.rs); its `key=value` pairs.
fn run_child(recovery: &RecoveryKey, args: &[&str]) -> Res<Vec<(String, String)>> {
    let mut command = Command::new(std::env::current_exe()?);
    let line = child::run(command.arg("--child").args(args), recovery)?;
    Ok(line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

fn field(kv: &[(String, String)], key: &str) -> Res<f64> {
    Ok(kv
        .iter()
        .find(|(k, _)| k == key)
        .ok_or(format!("child gave no {key}"))?
        .1
        .parse()?)
}

// ---------------------------------------------------------------------------------------
// 1. Import

/// The floor: read the file, SHA-256 it and age-encrypt it to an X25519 recipient into a
/// file, in 64 KiB chunks, nothing else (no metadata, no database, no fsync).
fn floor_encrypt(source: &Path, dest: &Path, recipient: &age::x25519::Recipient) -> Res<String> {
    let mut input = File::open(source)?;
    let out = BufWriter::with_capacity(CHUNK, File::create(dest)?);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))?;
    let mut writer = encryptor.wrap_output(out)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        writer.write_all(&buf[..n])?;
    }
    writer.finish()?.flush()?;
    Ok(hex::encode(hasher.finalize()))
}

fn import_section(args: &Args) -> Res<()> {
    println!("\n## 1. Attachment import");
    let src = args.data.join("import-src");
    // 40 screenshots, 12 pictures, 8 voicemails: the large dataset's mix.
    let mix = Spec::new(0, 40, 12, 8);
    let plan = file_plan(&mix);
    if !src.join("done").exists() {
        fs::create_dir_all(&src)?;
        for kind in &plan {
            let (name, bytes) = make_file(*kind);
            fs::write(src.join(name), bytes)?;
        }
        fs::write(src.join("done"), "")?;
    }
    let mut sources: Vec<PathBuf> = fs::read_dir(&src)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n != "done"))
        .collect();
    sources.sort();
    let total: u64 = sources
        .iter()
        .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    for p in &sources {
        fs::read(p)?; // into the page cache, for both sides
    }
    let root = args.data.join("import-journal");
    let _ = fs::remove_dir_all(&root);
    let (mut journal, recovery) = Journal::create(&root, &passphrase(), KdfCost::LogN(17))?;
    let order_id = add_order(&mut journal)?;
    let mut rng = StdRng::seed_from_u64(1);
    let mut incidents = Vec::new();
    for _ in 0..2 * args.reps {
        incidents.push(
            journal
                .add_incident(&incident_input(&mut rng, last_day(), &order_id))?
                .id,
        );
    }
    let recipient = age::x25519::Identity::generate().to_public();
    let floor_dir = args.data.join("import-floor");
    let (mut floors, mut durable) = (Vec::new(), Vec::new());
    let (mut imports, mut singles) = (Vec::new(), Vec::new());
    let mut next = incidents.iter();
    for _ in 0..args.reps {
        let _ = fs::remove_dir_all(&floor_dir);
        fs::create_dir_all(&floor_dir)?;
        let (secs, ()) = time(|| {
            for (i, p) in sources.iter().enumerate() {
                floor_encrypt(p, &floor_dir.join(format!("{i}.age")), &recipient)?;
            }
            Ok(())
        })?;
        floors.push(secs);
        // The floor again, plus what durability asks: fsync of each file and its folder.
        let _ = fs::remove_dir_all(&floor_dir);
        fs::create_dir_all(&floor_dir)?;
        let (secs, ()) = time(|| {
            for (i, p) in sources.iter().enumerate() {
                let dest = floor_dir.join(format!("{i}.age"));
                floor_encrypt(p, &dest, &recipient)?;
                File::open(&dest)?.sync_all()?;
                File::open(&floor_dir)?.sync_all()?;
            }
            Ok(())
        })?;
        durable.push(secs);
        // What the app does with files dropped on an incident: one batch.
        let (secs, ()) = time(|| {
            let id = next.next().ok_or("incident")?;
            let batch = journal.attach_files(id, &sources, None, &mut |_, _, _| true)?;
            match batch.problems.first() {
                Some(p) => Err(format!("{}: {}", p.path.display(), p.error).into()),
                None => Ok(()),
            }
        })?;
        imports.push(secs);
        // The same files one import each (the CLI or app given one file at a time).
        let (secs, ()) = time(|| {
            let id = next.next().ok_or("incident")?;
            for p in &sources {
                journal.attach(id, p, None, &mut |_, _| true)?;
            }
            Ok(())
        })?;
        singles.push(secs);
    }
    let _ = fs::remove_dir_all(&floor_dir);
    let (f, d, i, one) = (
        median(floors),
        median(durable),
        median(imports),
        median(singles),
    );
    let rate = |s: f64| format!("{:.1} MB/s", total as f64 / 1e6 / s);
    println!(
        "{} files ({} JPEG, {} PNG, {} WAV), {:.1} MB; floor {}, floor+fsync {}, import as one batch {}, one file at a time {} (each the median of {})",
        sources.len(),
        mix.jpeg,
        mix.png,
        mix.audio,
        total as f64 / 1e6,
        ms(f),
        ms(d),
        ms(i),
        ms(one),
        args.reps
    );
    row(
        "import throughput, 60 mixed files as one batch",
        rate(i),
        format!("{} (floor+fsync {})", rate(f), rate(d)),
        f / i,
        ">= 0.80",
    );
    row(
        "import throughput, the same files one at a time",
        rate(one),
        rate(f),
        f / one,
        "(no goal: each is durable alone)",
    );
    drop(journal);

    // One 2 GiB file, streamed from disk: throughput and peak memory (child process).
    let big = args.data.join("big-2GiB.bin");
    let size: u64 = 2 << 30;
    if fs::metadata(&big).map(|m| m.len()).ok() != Some(size) {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&big)?);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..(size >> 20) {
            for word in block.chunks_exact_mut(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                word.copy_from_slice(&state.to_le_bytes());
            }
            out.write_all(&block)?;
        }
        out.flush()?;
    }
    let (floor_secs, _) =
        time(|| floor_encrypt(&big, &args.data.join("big-floor.age"), &recipient))?;
    fs::remove_file(args.data.join("big-floor.age"))?;
    let kv = run_child(
        &recovery,
        &[
            "import",
            root.to_str().ok_or("path")?,
            big.to_str().ok_or("path")?,
        ],
    )?;
    let (secs, hwm, before) = (
        field(&kv, "secs")?,
        field(&kv, "hwm_kib")? as u64,
        field(&kv, "rss_before_kib")? as u64,
    );
    let rate = |s: f64| format!("{:.1} MB/s", size as f64 / 1e6 / s);
    row(
        "import throughput, one 2 GiB file",
        rate(secs),
        rate(floor_secs),
        floor_secs / secs,
        ">= 0.80",
    );
    row(
        "peak memory (VmHWM) importing 2 GiB",
        mib(hwm),
        format!("RSS before import {}", mib(before)),
        hwm as f64 / (64.0 * 1024.0),
        "< 64 MiB",
    );
    let _ = fs::remove_dir_all(&root);
    Ok(())
}
