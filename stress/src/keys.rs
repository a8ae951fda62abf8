//! Key-file safety: SIGKILL while the passphrase is being changed (the journal must open with
//! the old or the new passphrase, and always with the recovery key) and while a journal is
//! being created (it must either open or be refused clearly with `init` working again; never a
//! folder that neither opens nor can be started over).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use daybook::{Journal, JournalError, RecoveryKey, Unlock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::{
    io, listing, passphrase, say, ChildRun, HarnessError, Result, Tally, WorkDir, COST, PASSPHRASE,
};

fn numbered(i: u64) -> String {
    format!("stress passphrase number {i}")
}

pub fn passwd_child(journal: &Path, from: u64) -> Result<()> {
    let (j, _) = Journal::open(journal, Unlock::Passphrase(&passphrase(&numbered(from))))?;
    say("READY");
    let mut i = from;
    loop {
        i += 1;
        say(&format!("BEGIN {i}"));
        j.change_passphrase(&passphrase(&numbered(i)), COST)?;
        say(&format!("ACK {i}"));
    }
}

pub fn create_child(journal: &Path) -> Result<()> {
    let (_journal, recovery) = Journal::create(journal, &passphrase(PASSPHRASE), COST)?;
    say(&format!("CREATED {}", recovery.expose()));
    Ok(())
}

pub fn run(kills: usize, seed: u64, dir: Option<PathBuf>) -> Result<Tally> {
    let started = Instant::now();
    let work = WorkDir::new(dir, "keys")?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();

    let rotating = work.path.join("rotating");
    let (journal, recovery) = Journal::create(&rotating, &passphrase(&numbered(0)), COST)?;
    drop(journal);
    let mut current = 0u64;

    // How long one uninterrupted creation takes here, so kills spread over all of it.
    let calibration = work.path.join("calibration");
    let t0 = Instant::now();
    let (lines, _, _) =
        ChildRun::spawn(&create_args(&calibration), &[])?.kill_after(Duration::from_secs(120))?;
    let creation = t0.elapsed();
    if !lines.iter().any(|l| l.starts_with("CREATED ")) {
        return Err(HarnessError::Other(format!(
            "an uninterrupted creation did not finish: {lines:?}"
        )));
    }
    println!("one creation takes {} ms here", creation.as_millis());

    for case in 0..kills {
        tally.cases += 1;
        let outcome = if case % 2 == 0 {
            passwd_case(&rotating, &recovery, &mut current, &mut rng, &mut tally)
        } else {
            let folder = work.path.join(format!("create-{case}"));
            let outcome = create_case(&folder, creation, &mut rng, &mut tally);
            let _ = std::fs::remove_dir_all(&folder);
            outcome
        };
        if let Err(detail) = outcome {
            tally.fail(case, detail);
        }
    }
    tally.print("keys", started);
    Ok(tally)
}

fn create_args(journal: &Path) -> Vec<String> {
    vec![
        "create-child".into(),
        "--journal".into(),
        journal.display().to_string(),
    ]
}

fn passwd_case(
    journal: &Path,
    recovery: &RecoveryKey,
    current: &mut u64,
    rng: &mut StdRng,
    tally: &mut Tally,
) -> Result<(), String> {
    let args = vec![
        "passwd-child".to_string(),
        "--journal".into(),
        journal.display().to_string(),
        "--from".into(),
        current.to_string(),
    ];
    let mut child = ChildRun::spawn(&args, &[]).map_err(|e| e.to_string())?;
    if !child.wait_for("READY", Duration::from_secs(60)) {
        return Err("the passphrase child did not unlock".into());
    }
    let delay = Duration::from_millis(rng.random_range(0..2000));
    let (lines, killed, code) = child.kill_after(delay).map_err(|e| e.to_string())?;
    if !killed {
        return Err(format!(
            "the passphrase child stopped on its own ({code:?}): {lines:?}"
        ));
    }
    let acked = lines
        .iter()
        .filter_map(|l| l.strip_prefix("ACK ")?.parse::<u64>().ok())
        .max()
        .unwrap_or(*current);
    let begun = lines
        .iter()
        .filter_map(|l| l.strip_prefix("BEGIN ")?.parse::<u64>().ok())
        .max();
    let in_flight = begun.filter(|b| *b > acked);
    match Journal::open(journal, Unlock::Passphrase(&passphrase(&numbered(acked)))) {
        Ok(_) => {
            *current = acked;
            tally.class(if in_flight.is_some() {
                "passwd killed mid-change: the old passphrase opens"
            } else {
                "passwd killed between changes: the last passphrase opens"
            });
        }
        Err(old_err) => {
            let Some(new) = in_flight else {
                return Err(format!(
                    "the acknowledged passphrase {acked} does not open: {old_err}"
                ));
            };
            Journal::open(journal, Unlock::Passphrase(&passphrase(&numbered(new)))).map_err(
                |new_err| {
                    format!("neither passphrase opens: old ({acked}): {old_err}; new ({new}): {new_err}")
                },
            )?;
            *current = new;
            tally.class("passwd killed mid-change: the new passphrase opens (finished, not yet acknowledged)");
        }
    }
    Journal::open(journal, Unlock::RecoveryKey(recovery))
        .map_err(|e| format!("the recovery key no longer opens: {e}"))?;
    let unlock = listing(&journal.join("unlock"));
    if unlock != ["passphrase.age", "recovery.age"] {
        return Err(format!("unlock/ after the next unlock holds {unlock:?}"));
    }
    Ok(())
}

fn create_case(
    folder: &Path,
    creation: Duration,
    rng: &mut StdRng,
    tally: &mut Tally,
) -> Result<(), String> {
    let child = ChildRun::spawn(&create_args(folder), &[]).map_err(|e| e.to_string())?;
    let span = (creation.as_millis() as u64 * 13 / 10).max(1);
    let delay = Duration::from_millis(rng.random_range(0..span));
    let (lines, _, _) = child.kill_after(delay).map_err(|e| e.to_string())?;
    let secret = passphrase(PASSPHRASE);
    if let Some(key) = lines.iter().find_map(|l| l.strip_prefix("CREATED ")) {
        Journal::open(folder, Unlock::Passphrase(&secret))
            .map_err(|e| format!("a created journal does not open with its passphrase: {e}"))?;
        let key = RecoveryKey::parse(key).map_err(|e| e.to_string())?;
        Journal::open(folder, Unlock::RecoveryKey(&key))
            .map_err(|e| format!("a created journal does not open with its recovery key: {e}"))?;
        tally.class("create finished: opens with passphrase and recovery key");
        return Ok(());
    }
    match Journal::open(folder, Unlock::Passphrase(&secret)) {
        Ok(_) => {
            tally.class("create killed after the last key file: opens with the passphrase");
            Ok(())
        }
        Err(refusal) => {
            let class = refusal_class(&refusal);
            // Not a trap: starting over in the same folder must work, and then open.
            Journal::create(folder, &secret, COST).map_err(|e| {
                format!("trap: unlocking says \"{refusal}\" and creating again says \"{e}\"")
            })?;
            Journal::open(folder, Unlock::Passphrase(&secret))
                .map_err(|e| format!("created again but does not open: {e}"))?;
            tally.class(format!(
                "create killed early: refused ({class}), init again works"
            ));
            let _ = std::fs::remove_dir_all(folder).map_err(io("remove"));
            Ok(())
        }
    }
}

fn refusal_class(e: &JournalError) -> &'static str {
    match e {
        JournalError::NoJournal(_) => "no journal there yet",
        JournalError::Unfinished(_) => "creation was interrupted",
        JournalError::KeyFileMissing { .. } => "a key file is missing",
        JournalError::Damaged(_) | JournalError::Store(_) => "damaged",
        JournalError::Key(_) => "key file unreadable",
        _ => "other error",
    }
}
