//! Crash safety: a child process unlocks a real journal and imports, edits, deletes, captions
//! and exports in a loop, printing `BEGIN` before and `ACK` after each operation. The parent
//! SIGKILLs it at a random moment, then checks the journal the way a survivor would need it:
//! it unlocks, its pages and hash chain check out, everything acknowledged is there
//! byte-for-byte, the one operation in flight happened entirely or not at all, and no orphan
//! or temp file is left after that unlock.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use daybook::journal::IncidentFilter;
use daybook::model::IncidentInput;
use daybook::report::chronological::{render_selection, ReportOptions};
use daybook::report::exhibits::{select, Scope};
use daybook::report::layout::PaperSize;
use daybook::{Journal, RecoveryKey, Unlock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::common::{
    evidence, io, listing, passphrase, say, ChildRun, HarnessError, Result, Tally, WorkDir, COST,
    PASSPHRASE,
};

/// Kills per journal before starting a fresh one, so checks stay fast in long runs.
const KILLS_PER_JOURNAL: usize = 25;

const WORDS: &[&str] = &[
    "truck",
    "parked",
    "outside",
    "called",
    "texted",
    "again",
    "window",
    "door",
    "at",
    "night",
    "he",
    "said",
    "work",
    "school",
    "followed",
    "me",
    "left",
    "a",
    "note",
    "voicemail",
];

// ---------------------------------------------------------------- child

pub fn child(journal: &Path, work: &Path, seed: u64, first_op: u64) -> Result<()> {
    let sources = work.join("sources");
    let outputs = work.join("outputs");
    for dir in [&sources, &outputs] {
        std::fs::create_dir_all(dir).map_err(io(dir.display().to_string()))?;
    }
    let (mut j, _) = Journal::open(journal, Unlock::RecoveryKey(&recovery_key()?))?;
    say("READY");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut n = first_op;
    loop {
        n += 1;
        let live = j.incidents(&IncidentFilter::default())?;
        let roll = rng.random_range(0..100);
        if live.is_empty() || roll < 25 {
            let description = sentence(&mut rng, n);
            say(&format!("BEGIN {n} add {description}"));
            let input = incident_input(&mut rng, &description);
            let incident = j.add_incident(&input)?;
            say(&format!("ACK {n} add {} {description}", incident.id));
            continue;
        }
        let target = &live[rng.random_range(0..live.len())];
        match roll {
            25..=44 => {
                let description = sentence(&mut rng, n);
                say(&format!("BEGIN {n} edit {} {description}", target.id));
                j.edit_incident(
                    &target.id,
                    &serde_json::json!({ "description": description }),
                )?;
                say(&format!("ACK {n} edit {} {description}", target.id));
            }
            45..=71 => {
                // One to three files in one batch: all are recorded in one commit, or none.
                let keys: Vec<u64> = (0..rng.random_range(1..=3)).map(|i| n * 3 + i).collect();
                let mut paths = Vec::new();
                for key in &keys {
                    let (name, bytes) = evidence(*key);
                    let path = sources.join(&name);
                    std::fs::write(&path, &bytes).map_err(io(path.display().to_string()))?;
                    paths.push(path);
                }
                let list: Vec<String> = keys.iter().map(u64::to_string).collect();
                say(&format!(
                    "BEGIN {n} attach {} {}",
                    target.id,
                    list.join(",")
                ));
                let batch = j.attach_files(&target.id, &paths, None, &mut |_, _, _| true)?;
                if let Some(problem) = batch.problems.into_iter().next() {
                    return Err(problem.error.into());
                }
                let acks: Vec<String> = batch
                    .attached
                    .iter()
                    .map(|a| {
                        format!(
                            "{}:{}:{}",
                            a.attachment.id, keys[a.index], a.attachment.sha256
                        )
                    })
                    .collect();
                say(&format!("ACK {n} attach {} {}", target.id, acks.join(",")));
                for path in paths {
                    let _ = std::fs::remove_file(&path);
                }
            }
            72..=81 => {
                let Some(attachment) = target.attachments.first() else {
                    continue;
                };
                let caption = format!("Caption {n}");
                say(&format!("BEGIN {n} caption {} {caption}", attachment.id));
                j.describe_attachment(&attachment.id, Some(&caption), None)?;
                say(&format!("ACK {n} caption {} {caption}", attachment.id));
            }
            82..=93 => {
                say(&format!("BEGIN {n} delete {}", target.id));
                j.delete_incident(&target.id, "Stress test: entered twice")?;
                say(&format!("ACK {n} delete {}", target.id));
            }
            94..=96 => {
                let out = outputs.join(format!("report-{n}.pdf"));
                say(&format!("BEGIN {n} report {}", out.display()));
                let selection = select(&j, &Scope::default())?;
                let report = render_selection(&j, &selection, &report_options())
                    .map_err(|e| HarnessError::Other(e.to_string()))?;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&out)
                    .map_err(io(out.display().to_string()))?;
                // No size cap: always exactly one volume.
                let pdf: Vec<u8> = report.volumes.into_iter().flat_map(|v| v.pdf).collect();
                file.write_all(&pdf)
                    .and_then(|()| file.sync_all())
                    .map_err(io(out.display().to_string()))?;
                say(&format!("ACK {n} report {}", out.display()));
            }
            _ => {
                let out = outputs.join(format!("packet-{n}"));
                say(&format!("BEGIN {n} packet {}", out.display()));
                let selection = select(&j, &Scope::default())?;
                let report = render_selection(&j, &selection, &report_options())
                    .map_err(|e| HarnessError::Other(e.to_string()))?;
                let reports: Vec<daybook::packet::ReportFile> = report
                    .volumes
                    .into_iter()
                    .map(|v| daybook::packet::ReportFile {
                        file_name: "Report.pdf".into(),
                        bytes: v.pdf,
                    })
                    .collect();
                daybook::packet::export_packet(
                    &j,
                    &selection,
                    &reports,
                    &out,
                    daybook::packet::Contents::default(),
                )
                .map_err(|e| HarnessError::Other(e.to_string()))?;
                say(&format!("ACK {n} packet {}", out.display()));
            }
        }
    }
}

fn report_options() -> ReportOptions {
    ReportOptions {
        scope: Scope::default(),
        paper: PaperSize::Letter,
        generated_at: chrono::Utc::now(),
        redaction: Default::default(),
        // One file, as these harnesses check a single report.
        max_bytes: None,
        pictures_kept_bytes: daybook::report::chronological::PICTURES_KEPT_BYTES,
    }
}

/// Children and checks unlock with the recovery key (X25519): the same open path as the
/// passphrase after the key is unwrapped, without a second of scrypt per kill. Key-file safety
/// under kills, passphrase included, is `stress keys`.
const RECOVERY_ENV: &str = "DAYBOOK_STRESS_RECOVERY_KEY";

fn recovery_key() -> Result<RecoveryKey> {
    let text = std::env::var(RECOVERY_ENV)
        .map_err(|_| HarnessError::Other(format!("{RECOVERY_ENV} is not set")))?;
    RecoveryKey::parse(&text).map_err(|e| HarnessError::Journal(e.into()))
}

/// Descriptions are one line of plain words, so they travel in an `ACK` line unchanged.
fn sentence(rng: &mut StdRng, n: u64) -> String {
    let count = rng.random_range(3..60);
    let words: Vec<&str> = (0..count)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect();
    format!("Stress {n}: {}", words.join(" "))
}

fn incident_input(rng: &mut StdRng, description: &str) -> IncidentInput {
    // Daytime hours in 2025: never in the future, never inside a daylight-saving change.
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let hour = rng.random_range(9..=20);
    IncidentInput {
        occurred_at: format!(
            "2025-{month:02}-{day:02}T{hour:02}:{:02}",
            rng.random_range(0..60)
        ),
        ended_at: None,
        timezone: "America/Chicago".into(),
        approximate: false,
        kinds: Vec::new(),
        location: Some("Home".into()),
        description: description.into(),
        quotes: Vec::new(),
        witnesses: Vec::new(),
        order_id: None,
        term: None,
        police: None,
        impact: None,
        communications: Vec::new(),
    }
}

// ---------------------------------------------------------------- parent

#[derive(Debug, Clone)]
struct IncidentModel {
    description: String,
    deleted: bool,
}

#[derive(Debug, Clone)]
struct AttachmentModel {
    incident: String,
    key: u64,
    sha256: String,
    caption: Option<String>,
    bytes_checked: bool,
}

/// What the journal must hold: everything the children acknowledged.
#[derive(Debug, Default)]
struct Model {
    incidents: BTreeMap<String, IncidentModel>,
    attachments: BTreeMap<String, AttachmentModel>,
    outputs: Vec<(String, PathBuf)>,
}

/// One journal and what it must hold.
struct Generation {
    dir: PathBuf,
    journal: PathBuf,
    recovery: RecoveryKey,
    model: Model,
}

impl Generation {
    fn create(root: &Path, number: usize) -> Result<Self> {
        let dir = root.join(format!("journal-{number}"));
        let journal = dir.join("journal");
        let secret = passphrase(PASSPHRASE);
        let (_, recovery) = Journal::create(&journal, &secret, COST)?;
        // Every check after the first kill also proves the passphrase still opens it.
        Ok(Self {
            dir,
            journal,
            recovery,
            model: Model::default(),
        })
    }
}

pub fn run(kills: usize, seed: u64, dir: Option<PathBuf>) -> Result<Tally> {
    let started = Instant::now();
    let work = WorkDir::new(dir, "crash")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let mut generation: Option<Generation> = None;
    let mut generations = 0;
    let mut next_op = 0u64;
    for case in 0..kills {
        let mut g = match generation.take() {
            Some(g) if case % KILLS_PER_JOURNAL != 0 => g,
            old => {
                if let Some(old) = old {
                    let _ = std::fs::remove_dir_all(&old.dir);
                }
                generations += 1;
                Generation::create(&work.path, generations)?
            }
        };
        let args = vec![
            "crash-child".to_string(),
            "--journal".into(),
            g.journal.display().to_string(),
            "--work".into(),
            g.dir.display().to_string(),
            "--seed".into(),
            (seed.wrapping_mul(1_000_003) ^ case as u64).to_string(),
            "--first-op".into(),
            next_op.to_string(),
        ];
        let mut child = ChildRun::spawn(&args, &[(RECOVERY_ENV, g.recovery.expose())])?;
        // A fifth of the kills come from the start (often during unlock and its sweep); the
        // rest after the child has unlocked, anywhere in its work.
        let delay = if rng.random_range(0..5) == 0 {
            Duration::from_millis(rng.random_range(0..700))
        } else {
            if !child.wait_for("READY", Duration::from_secs(60)) {
                tally.fail(case, "the child did not unlock within 60 s");
            }
            Duration::from_millis(rng.random_range(0..1500))
        };
        let (lines, killed, code) = child.kill_after(delay)?;
        tally.cases += 1;
        if tally.cases % 50 == 0 {
            tally.print("crash (so far)", started);
        }
        if !killed {
            tally.fail(case, format!("the child stopped on its own (exit {code:?}) before it was killed; its last lines: {:?}", lines.iter().rev().take(3).collect::<Vec<_>>()));
        }
        let in_flight = apply_acks(&mut g.model, &lines, &mut next_op);
        tally.class(match (&in_flight, lines.first()) {
            (_, None) => "killed before unlocking finished".to_string(),
            (Some(op), _) => format!("killed during {}", op.kind()),
            (None, Some(_)) => "killed between operations".to_string(),
        });
        match check(&mut g, in_flight.as_ref(), &mut tally) {
            Ok(()) => {
                if case % KILLS_PER_JOURNAL == KILLS_PER_JOURNAL - 1 {
                    // Once per journal, the passphrase too.
                    Journal::open(&g.journal, Unlock::Passphrase(&passphrase(PASSPHRASE)))
                        .map_err(|e| {
                            tally.fail(case, format!("the passphrase no longer opens: {e}"))
                        })
                        .ok();
                }
                generation = Some(g)
            }
            Err(detail) => {
                tally.fail(case, detail);
                let kept = work.path.join(format!("failed-case-{case}"));
                let _ = std::fs::rename(&g.dir, &kept);
                eprintln!("the failing journal is kept in {}", kept.display());
            }
        }
    }
    tally.class(format!("journals used: {generations}"));
    tally.print("crash", started);
    if !tally.failures.is_empty() {
        // Keep the evidence of a failure: the temp folder would otherwise vanish.
        let kept = std::env::temp_dir().join(format!("daybook-stress-crash-failures-{seed}"));
        if work.path != kept && std::fs::rename(&work.path, &kept).is_ok() {
            eprintln!("failing journals moved to {}", kept.display());
        }
    }
    Ok(tally)
}

/// The operation a child began and never acknowledged.
#[derive(Debug, Clone)]
enum InFlight {
    Add { description: String },
    Edit { id: String, description: String },
    Delete { id: String },
    Attach { incident: String, keys: Vec<u64> },
    Caption { attachment: String, caption: String },
    Output { path: PathBuf },
}

impl InFlight {
    fn kind(&self) -> &'static str {
        match self {
            InFlight::Add { .. } => "add",
            InFlight::Edit { .. } => "edit",
            InFlight::Delete { .. } => "delete",
            InFlight::Attach { .. } => "attach",
            InFlight::Caption { .. } => "caption",
            InFlight::Output { .. } => "export",
        }
    }
}

/// Applies every `ACK` to the model; returns the operation begun but not acknowledged.
fn apply_acks(model: &mut Model, lines: &[String], next_op: &mut u64) -> Option<InFlight> {
    let mut in_flight = None;
    for line in lines {
        let mut parts = line.splitn(4, ' ');
        let (Some(tag), Some(n), Some(op)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let Ok(n) = n.parse::<u64>() {
            *next_op = (*next_op).max(n);
        }
        let rest = parts.next().unwrap_or_default();
        let (first, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        match (tag, op) {
            ("BEGIN", "add") => {
                in_flight = Some(InFlight::Add {
                    description: rest.into(),
                })
            }
            ("BEGIN", "edit") => {
                in_flight = Some(InFlight::Edit {
                    id: first.into(),
                    description: tail.into(),
                })
            }
            ("BEGIN", "delete") => in_flight = Some(InFlight::Delete { id: rest.into() }),
            ("BEGIN", "attach") => {
                in_flight = Some(InFlight::Attach {
                    incident: first.into(),
                    keys: tail.split(',').filter_map(|k| k.parse().ok()).collect(),
                })
            }
            ("BEGIN", "caption") => {
                in_flight = Some(InFlight::Caption {
                    attachment: first.into(),
                    caption: tail.into(),
                })
            }
            ("BEGIN", "report" | "packet") => {
                in_flight = Some(InFlight::Output { path: rest.into() })
            }
            ("ACK", _) => {
                in_flight = None;
                apply_ack(model, op, first, tail, rest);
            }
            _ => {}
        }
    }
    in_flight
}

fn apply_ack(model: &mut Model, op: &str, first: &str, tail: &str, rest: &str) {
    match op {
        "add" => {
            model.incidents.insert(
                first.into(),
                IncidentModel {
                    description: tail.into(),
                    deleted: false,
                },
            );
        }
        "edit" => {
            if let Some(i) = model.incidents.get_mut(first) {
                i.description = tail.into();
            }
        }
        "delete" => {
            if let Some(i) = model.incidents.get_mut(rest) {
                i.deleted = true;
            }
        }
        "attach" => {
            for one in tail.split(',') {
                let fields: Vec<&str> = one.split(':').collect();
                let [id, key, sha] = fields[..] else {
                    continue;
                };
                model.attachments.insert(
                    id.into(),
                    AttachmentModel {
                        incident: first.into(),
                        key: key.parse().unwrap_or(u64::MAX),
                        sha256: sha.into(),
                        caption: None,
                        bytes_checked: false,
                    },
                );
            }
        }
        "caption" => {
            if let Some(a) = model.attachments.get_mut(first) {
                a.caption = Some(tail.into());
            }
        }
        "report" | "packet" => model.outputs.push((op.into(), rest.into())),
        _ => {}
    }
}

/// Everything a survivor needs after a crash; `Err` says what is wrong.
fn check(
    g: &mut Generation,
    in_flight: Option<&InFlight>,
    tally: &mut Tally,
) -> Result<(), String> {
    let (j, report) = Journal::open(&g.journal, Unlock::RecoveryKey(&g.recovery))
        .map_err(|e| format!("the journal does not unlock: {e}"))?;
    if let Some(problem) = report.chain_problem {
        return Err(format!("the chain does not check out at unlock: {problem}"));
    }
    if report.strays > 0 {
        return Err(format!("{} stray blob(s) at unlock", report.strays));
    }
    if report.orphans_removed > 0 {
        tally.class("interrupted import swept at the next unlock");
    }
    match j.verify() {
        Ok(Ok(_)) => {}
        Ok(Err(problem)) => return Err(format!("verify: {problem}")),
        Err(e) => return Err(format!("verify could not run: {e}")),
    }
    let model = &mut g.model;
    // Incidents: each acknowledged one as acknowledged; at most the one in flight differs.
    let live: BTreeMap<String, String> = j
        .incidents(&IncidentFilter::default())
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|i| (i.id, i.description))
        .collect();
    for (id, description) in &live {
        if model.incidents.contains_key(id) {
            continue;
        }
        match in_flight {
            Some(InFlight::Add { description: d }) if d == description => {
                model.incidents.insert(
                    id.clone(),
                    IncidentModel {
                        description: d.clone(),
                        deleted: false,
                    },
                );
            }
            _ => return Err(format!("incident {id} was never begun: {description:?}")),
        }
    }
    for (id, expected) in model.incidents.iter_mut() {
        let incident = j
            .incident(id)
            .map_err(|e| format!("acknowledged incident {id} is gone: {e}"))?;
        let deleted = incident.deleted.is_some();
        if deleted != expected.deleted {
            match in_flight {
                Some(InFlight::Delete { id: d }) if d == id && deleted => expected.deleted = true,
                _ => {
                    return Err(format!(
                        "incident {id}: deleted is {deleted}, acknowledged {}",
                        expected.deleted
                    ))
                }
            }
        }
        if incident.description != expected.description {
            match in_flight {
                Some(InFlight::Edit { id: e, description })
                    if e == id && *description == incident.description =>
                {
                    expected.description = description.clone();
                }
                _ => {
                    return Err(format!(
                        "incident {id}: description {:?}, acknowledged {:?}",
                        incident.description, expected.description
                    ))
                }
            }
        }
    }
    // Attachments: acknowledged ones with their hash and caption; byte-for-byte once each.
    let saved = j.all_attachments().map_err(|e| e.to_string())?;
    // An unacknowledged batch is recorded in one commit: all of its files, or none. Each file
    // of the batch in flight (key, SHA-256) matches at most one saved attachment.
    let mut unmatched: Vec<(u64, String)> = match in_flight {
        Some(InFlight::Attach { keys, .. }) => keys
            .iter()
            .map(|&k| (k, hex_sha256(&evidence(k).1)))
            .collect(),
        _ => Vec::new(),
    };
    for a in &saved {
        if model.attachments.contains_key(&a.id) {
            continue;
        }
        let key = match in_flight {
            Some(InFlight::Attach { incident, .. })
                if a.incident_id.as_deref() == Some(incident.as_str()) =>
            {
                unmatched
                    .iter()
                    .position(|(_, sha)| *sha == a.sha256)
                    .map(|at| unmatched.remove(at).0)
            }
            _ => None,
        };
        let Some(key) = key else {
            return Err(format!("attachment {} was never begun", a.id));
        };
        model.attachments.insert(
            a.id.clone(),
            AttachmentModel {
                incident: a.incident_id.clone().unwrap_or_default(),
                key,
                sha256: a.sha256.clone(),
                caption: None,
                bytes_checked: false,
            },
        );
    }
    if let Some(InFlight::Attach { keys, .. }) = in_flight {
        let recorded = keys.len() - unmatched.len();
        if recorded != 0 && recorded != keys.len() {
            return Err(format!(
                "{recorded} of a batch of {} files were recorded",
                keys.len()
            ));
        }
    }
    if saved.len() != model.attachments.len() {
        return Err(format!(
            "{} attachments saved, {} acknowledged",
            saved.len(),
            model.attachments.len()
        ));
    }
    for a in &saved {
        let Some(expected) = model.attachments.get_mut(&a.id) else {
            continue;
        };
        if a.incident_id.as_deref() != Some(expected.incident.as_str())
            || a.sha256 != expected.sha256
        {
            return Err(format!(
                "attachment {}: owner or SHA-256 differs from what was acknowledged",
                a.id
            ));
        }
        if a.caption != expected.caption {
            match in_flight {
                Some(InFlight::Caption {
                    attachment,
                    caption,
                }) if *attachment == a.id && a.caption.as_deref() == Some(caption.as_str()) => {
                    expected.caption = Some(caption.clone());
                }
                _ => {
                    return Err(format!(
                        "attachment {}: caption {:?}, acknowledged {:?}",
                        a.id, a.caption, expected.caption
                    ))
                }
            }
        }
        if !expected.bytes_checked {
            let bytes = j
                .attachment_bytes(a)
                .map_err(|e| format!("attachment {}: {e}", a.id))?;
            if bytes != evidence(expected.key).1 {
                return Err(format!(
                    "attachment {}: bytes differ from the imported file",
                    a.id
                ));
            }
            expected.bytes_checked = true;
        }
    }
    // Nothing else in the folder: no orphan blob, no temp file, no rollback journal.
    let mut allowed: Vec<String> = [
        "blobs",
        "journal.db",
        "journal.lock",
        "unlock",
        "unlock/passphrase.age",
        "unlock/recovery.age",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    allowed.extend(saved.iter().map(|a| format!("blobs/{}.age", a.id)));
    allowed.sort();
    let mut found = listing(&g.journal);
    // SQLite creates the rollback journal, and zeroes its magic and syncs, before it writes a
    // transaction's pages to journal.db; killed there, the journal is not hot (nothing to roll
    // back), so SQLite leaves it and deletes it at the next write. Its pages are encrypted
    // like the database's.
    let rollback = g.journal.join("journal.db-journal");
    if let Ok(bytes) = std::fs::read(&rollback) {
        // An empty journal (killed right after SQLite created it) is not hot either.
        if bytes.len() < 8 || bytes[..8] == [0; 8] {
            tally.class("killed mid-commit before the database was touched: a not-hot rollback journal stays until the next write");
            found.retain(|f| f != "journal.db-journal");
        } else {
            return Err("a hot rollback journal is still there after unlock".into());
        }
    }
    if found != allowed {
        let extra: Vec<_> = found.iter().filter(|f| !allowed.contains(f)).collect();
        let missing: Vec<_> = allowed.iter().filter(|f| !found.contains(f)).collect();
        return Err(format!(
            "journal folder after unlock: extra {extra:?}, missing {missing:?}"
        ));
    }
    drop(j);
    // Acknowledged exports are whole; an interrupted one is removed (its bytes are not ours).
    for (kind, path) in model.outputs.drain(..) {
        if kind == "packet" {
            daybook::packet::verify_packet(&path, &daybook::packet::PacketKey::None)
                .map_err(|e| format!("acknowledged packet {} fails: {e}", path.display()))?;
            let _ = std::fs::remove_dir_all(&path);
        } else {
            let pdf = std::fs::read(&path)
                .map_err(|e| format!("acknowledged report {}: {e}", path.display()))?;
            if !pdf.starts_with(b"%PDF-") || !pdf.trim_ascii_end().ends_with(b"%%EOF") {
                return Err(format!(
                    "acknowledged report {} is not a whole PDF",
                    path.display()
                ));
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    if let Some(InFlight::Output { path }) = in_flight {
        if path.is_dir() {
            // A packet cut short must never pass as whole... unless it was finished.
            let verdict = daybook::packet::verify_packet(path, &daybook::packet::PacketKey::None);
            tally.class(if verdict.is_ok() {
                "interrupted packet: finished, verifies"
            } else {
                "interrupted packet: refused by verify"
            });
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(())
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
