//! Corruption and tamper: random damage (flipped bytes, overwritten runs, truncation, appended
//! bytes) to `journal.db`, a blob, a key file or a file of an exported packet. Each case must be
//! caught with a clear error; the one failure is a silent wrong read: the journal opening with
//! no warning (or passing `verify`) while what it shows differs from what was saved.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use daybook::journal::{KeyError, VerifyProblem};
use daybook::model::IncidentInput;
use daybook::packet::PacketProblem;
use daybook::report::chronological::{render_selection, ReportOptions};
use daybook::report::exhibits::{select, Scope};
use daybook::report::layout::PaperSize;
use daybook::{Journal, JournalError, RecoveryKey, Unlock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::common::{io, passphrase, Result, Tally, WorkDir, COST, PASSPHRASE};

struct Fixture {
    journal: PathBuf,
    packet: PathBuf,
    recovery: RecoveryKey,
    incident_ids: Vec<String>,
    /// What an undamaged journal shows (see `snapshot`).
    expected: String,
    /// Every file that may be damaged, with its original bytes.
    originals: BTreeMap<PathBuf, Vec<u8>>,
}

pub fn run(cases: usize, seed: u64, dir: Option<PathBuf>) -> Result<Tally> {
    let started = Instant::now();
    let work = WorkDir::new(dir, "tamper")?;
    let fixture = build(&work.path)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let db = fixture.journal.join("journal.db");
    let passphrase_file = fixture.journal.join("unlock/passphrase.age");
    let recovery_file = fixture.journal.join("unlock/recovery.age");
    let blobs: Vec<PathBuf> = files_in(&fixture.originals, &fixture.journal.join("blobs"));
    let packet_files: Vec<PathBuf> = files_in(&fixture.originals, &fixture.packet);
    for case in 0..cases {
        tally.cases += 1;
        let roll = rng.random_range(0..100);
        let target = match roll {
            0..=34 => db.clone(),
            35..=54 => blobs[rng.random_range(0..blobs.len())].clone(),
            55..=59 => passphrase_file.clone(),
            60..=64 => recovery_file.clone(),
            _ => packet_files[rng.random_range(0..packet_files.len())].clone(),
        };
        let original = &fixture.originals[&target];
        let (damaged, how) = damage(original, &mut rng);
        std::fs::write(&target, &damaged).map_err(io(target.display().to_string()))?;
        let what = label(&fixture, &target);
        let verdict = if target.starts_with(&fixture.packet) {
            check_packet(&fixture)
        } else {
            check_journal(&fixture, &target)
        };
        match verdict {
            Ok(class) => tally.class(format!("{what}, {how}: {class}")),
            Err(detail) => tally.fail(case, format!("{what}, {how}: {detail}")),
        }
        restore(&fixture)?;
    }
    tally.print("tamper", started);
    Ok(tally)
}

/// A journal with a bit of everything a court would see, and a packet exported from it.
fn build(root: &Path) -> Result<Fixture> {
    let journal = root.join("journal");
    let (mut j, recovery) = Journal::create(&journal, &passphrase(PASSPHRASE), COST)?;
    let mut incident_ids = Vec::new();
    for (n, text) in [
        "Parked across the street from my work for an hour",
        "Called eleven times from a blocked number",
        "Left flowers and a note on the porch",
        "Sent a message through his sister",
        "Followed me from the store to the school",
        "Posted my address online",
    ]
    .iter()
    .enumerate()
    {
        let input = IncidentInput {
            occurred_at: format!("2025-0{}-1{}T1{}:30", n + 1, n, n),
            ended_at: None,
            timezone: "America/Denver".into(),
            approximate: n == 2,
            kinds: Vec::new(),
            location: Some(format!("Place {n}")),
            description: text.to_string(),
            quotes: vec![format!("Quote number {n}")],
            witnesses: Vec::new(),
            order_id: None,
            term: None,
            police: None,
            impact: None,
            communications: Vec::new(),
        };
        incident_ids.push(j.add_incident(&input)?.id);
    }
    j.edit_incident(
        &incident_ids[0],
        &serde_json::json!({"description": "Parked across the street from my work for two hours"}),
    )?;
    j.delete_incident(&incident_ids[5], "Entered twice")?;
    let sources = root.join("sources");
    std::fs::create_dir_all(&sources).map_err(io("sources"))?;
    let mut random = vec![0u8; 300_000];
    StdRng::seed_from_u64(7).fill(&mut random[..]);
    for (i, (name, bytes)) in [
        ("truck.png", daybook::demo::sample_png(4)),
        (
            "porch.jpg",
            daybook::demo::sample_photo(5, "2025:03:12 12:30:00"),
        ),
        ("voicemail.wav", daybook::demo::sample_voicemail(2)),
        ("screen-recording.bin", random),
    ]
    .into_iter()
    .enumerate()
    {
        let path = sources.join(name);
        std::fs::write(&path, &bytes).map_err(io(name))?;
        let a = j.attach(&incident_ids[i], &path, None, &mut |_, _| true)?;
        if i == 2 {
            j.describe_attachment(&a.id, Some("Voicemail"), Some("You can't hide"))?;
        }
    }
    let packet = root.join("packet");
    let selection = select(&j, &Scope::default())?;
    let options = ReportOptions {
        scope: Scope::default(),
        paper: PaperSize::Letter,
        generated_at: chrono::Utc::now(),
        redaction: Default::default(),
        // One file, as these harnesses check a single report.
        max_bytes: None,
        pictures_kept_bytes: daybook::report::chronological::PICTURES_KEPT_BYTES,
    };
    let report = render_selection(&j, &selection, &options)
        .map_err(|e| crate::common::HarnessError::Other(e.to_string()))?;
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
        &packet,
        daybook::packet::Contents::default(),
    )
    .map_err(|e| crate::common::HarnessError::Other(e.to_string()))?;
    let expected = snapshot(&j, &incident_ids)
        .map_err(|e| crate::common::HarnessError::Other(format!("fixture unreadable: {e}")))?;
    drop(j);
    let mut originals = BTreeMap::new();
    for dir in [&journal, &packet] {
        for rel in crate::common::listing(dir) {
            let path = dir.join(&rel);
            if path.is_file() && !rel.ends_with("journal.lock") {
                let bytes = std::fs::read(&path).map_err(io(rel))?;
                originals.insert(path, bytes);
            }
        }
    }
    Ok(Fixture {
        journal,
        packet,
        recovery,
        incident_ids,
        expected,
        originals,
    })
}

/// Everything the journal shows a user: every incident (deleted ones too) as the app reads it,
/// every attachment's bytes (by hash) and the fingerprint.
fn snapshot(j: &Journal, ids: &[String]) -> Result<String, String> {
    let mut out = j.fingerprint().map_err(|e| e.to_string())?;
    for id in ids {
        let incident = j.incident(id).map_err(|e| e.to_string())?;
        out.push_str(&serde_json::to_string(&incident).map_err(|e| e.to_string())?);
    }
    let live = j
        .incidents(&Default::default())
        .map_err(|e| e.to_string())?;
    out.push_str(&format!("{} live", live.len()));
    for a in j.all_attachments().map_err(|e| e.to_string())? {
        let bytes = j.attachment_bytes(&a).map_err(|e| e.to_string())?;
        out.push_str(&hex::encode(Sha256::digest(&bytes)));
    }
    Ok(out)
}

fn damage(original: &[u8], rng: &mut StdRng) -> (Vec<u8>, String) {
    let mut bytes = original.to_vec();
    let len = bytes.len();
    match rng.random_range(0..100) {
        0..=59 => {
            let count = rng.random_range(1..=4);
            for _ in 0..count {
                let at = rng.random_range(0..len);
                bytes[at] ^= rng.random_range(1..=255u8);
            }
            (bytes, "bytes flipped".to_string())
        }
        60..=74 => {
            let run = rng.random_range(16..=512).min(len);
            let at = rng.random_range(0..=len - run);
            let mut garbage = vec![0u8; run];
            rng.fill(&mut garbage[..]);
            if garbage == bytes[at..at + run] {
                garbage[0] ^= 1;
            }
            bytes[at..at + run].copy_from_slice(&garbage);
            (bytes, "a run overwritten".to_string())
        }
        75..=89 => {
            bytes.truncate(rng.random_range(0..len));
            (bytes, "truncated".to_string())
        }
        _ => {
            let extra = rng.random_range(1..=64);
            bytes.extend((0..extra).map(|_| rng.random::<u8>()));
            (bytes, "bytes appended".to_string())
        }
    }
}

fn check_journal(f: &Fixture, target: &Path) -> Result<String, String> {
    let key_file = target.parent().is_some_and(|p| p.ends_with("unlock"));
    let with_passphrase = target.ends_with("passphrase.age");
    let secret = passphrase(PASSPHRASE);
    let opened = if with_passphrase {
        Journal::open(&f.journal, Unlock::Passphrase(&secret))
    } else {
        Journal::open(&f.journal, Unlock::RecoveryKey(&f.recovery))
    };
    let (j, report) = match opened {
        Err(e) => {
            if key_file {
                // The other key must still open it.
                let other = if with_passphrase {
                    Journal::open(&f.journal, Unlock::RecoveryKey(&f.recovery))
                } else {
                    Journal::open(&f.journal, Unlock::Passphrase(&secret))
                };
                other.map_err(|e2| format!("refused ({e}) and the other key fails too: {e2}"))?;
            }
            return Ok(format!("refused at unlock ({})", open_class(&e)));
        }
        Ok(opened) => opened,
    };
    let warned = report.chain_problem.is_some();
    let verdict = match j.verify() {
        Err(e) => Some(format!("verify refuses ({})", open_class(&e))),
        Ok(Err(problem)) => Some(format!("verify fails ({})", problem_class(&problem))),
        Ok(Ok(_)) => None,
    };
    let read = snapshot(&j, &f.incident_ids);
    let wrong_read = matches!(&read, Ok(s) if *s != f.expected);
    if wrong_read && !warned {
        return Err(format!(
            "SILENT WRONG READ: it unlocked without a warning and shows changed content (verify: {verdict:?})"
        ));
    }
    match (verdict, warned) {
        (None, false) if !wrong_read => {
            if key_file {
                Ok("unlocks; the damaged key file was not needed or not affected".into())
            } else {
                Ok(format!(
                    "NOT DETECTED, nothing read differs{}",
                    if read.is_err() {
                        " (a read failed)"
                    } else {
                        ""
                    }
                ))
            }
        }
        (None, _) => Err("verify passes on a journal that reads differently".into()),
        (Some(v), true) => Ok(format!("warned at unlock; {v}")),
        (Some(v), false) => Ok(v),
    }
}

fn check_packet(f: &Fixture) -> Result<String, String> {
    match daybook::packet::verify_packet(&f.packet, &daybook::packet::PacketKey::None) {
        Ok(_) => Err("UNDETECTED: the damaged packet verifies".into()),
        Err(problem) => Ok(format!("verify refuses ({})", packet_class(&problem))),
    }
}

fn restore(f: &Fixture) -> Result<()> {
    for dir in [&f.journal, &f.packet] {
        for rel in crate::common::listing(dir) {
            let path = dir.join(&rel);
            if path.is_file() && !f.originals.contains_key(&path) && !rel.ends_with("journal.lock")
            {
                std::fs::remove_file(&path).map_err(io(rel))?;
            }
        }
    }
    for (path, bytes) in &f.originals {
        if std::fs::read(path).ok().as_ref() != Some(bytes) {
            std::fs::write(path, bytes).map_err(io(path.display().to_string()))?;
        }
    }
    Ok(())
}

fn files_in(originals: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path) -> Vec<PathBuf> {
    originals
        .keys()
        .filter(|p| p.starts_with(dir))
        .cloned()
        .collect()
}

fn label(f: &Fixture, target: &Path) -> String {
    if let Ok(rel) = target.strip_prefix(&f.packet) {
        let rel = rel.to_string_lossy();
        if rel.starts_with("exhibits/") {
            return "packet exhibit".into();
        }
        return format!("packet {rel}");
    }
    match target.strip_prefix(&f.journal) {
        Ok(rel) if rel.starts_with("blobs") => "blob".into(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => target.display().to_string(),
    }
}

fn open_class(e: &JournalError) -> String {
    match e {
        JournalError::Key(KeyError::WrongPassphrase) => {
            "\"That passphrase does not open this journal\"".into()
        }
        JournalError::Key(KeyError::WrongRecoveryKey) => {
            "\"That recovery key does not open this journal\"".into()
        }
        JournalError::Key(KeyError::Damaged { file, .. }) => {
            format!("\"The key file {file} is damaged\"")
        }
        JournalError::Damaged(_) | JournalError::Store(_) => {
            "\"The journal is damaged\" / \"journal.db is damaged\"".into()
        }
        other => format!("other: {other}"),
    }
}

fn problem_class(p: &VerifyProblem) -> &'static str {
    match p {
        VerifyProblem::Database(_) => "database pages",
        VerifyProblem::Chain(_) => "hash chain",
        VerifyProblem::StateMismatch { .. } => "state differs from chain",
        VerifyProblem::Unrecorded { .. } => "unrecorded row",
        VerifyProblem::Attachment { .. } => "attachment named",
    }
}

fn packet_class(p: &PacketProblem) -> &'static str {
    match p {
        PacketProblem::NotAPacket(_) => "not a packet",
        PacketProblem::BadManifest(_) => "manifest unreadable",
        PacketProblem::BadSignature => "signature does not match",
        PacketProblem::MissingSignature(_) => "signature unreadable",
        PacketProblem::Missing { .. } => "file missing",
        PacketProblem::Mismatch { .. } => "file named as changed",
        PacketProblem::Extra { .. } => "extra file",
        PacketProblem::UnsafePath { .. } => "unsafe path",
        PacketProblem::Sums(_) => "SHA256SUMS differs",
        PacketProblem::Locked(_) => "encrypted, cannot be opened",
        PacketProblem::Damaged(_) => "archive damaged",
    }
}
