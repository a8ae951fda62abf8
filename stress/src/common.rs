//! What the harnesses share: the fixed passphrase, deterministic evidence files, the child
//! process with its acknowledgement lines, and the tally each harness prints.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use daybook::{EvidenceError, JournalError, KdfCost};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const PASSPHRASE: &str = "stress test passphrase";

/// The floor (2^17): what the tests use; the harness measures durability, not the KDF.
pub const COST: KdfCost = KdfCost::LogN(17);

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Evidence(#[from] EvidenceError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = HarnessError> = std::result::Result<T, E>;

pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> HarnessError {
    let context = context.into();
    move |source| HarnessError::Io { context, source }
}

pub fn passphrase(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

/// Counts of each outcome class, and every failure spelled out.
#[derive(Debug, Default)]
pub struct Tally {
    pub cases: usize,
    pub classes: BTreeMap<String, usize>,
    pub failures: Vec<String>,
}

impl Tally {
    pub fn class(&mut self, name: impl Into<String>) {
        *self.classes.entry(name.into()).or_default() += 1;
    }

    pub fn fail(&mut self, case: usize, detail: impl Into<String>) {
        let detail = detail.into();
        eprintln!("FAILURE in case {case}: {detail}");
        self.failures.push(format!("case {case}: {detail}"));
    }

    /// The summary the CI tests and docs/reliability.md read: one `RESULT` line, then classes.
    pub fn print(&self, harness: &str, started: Instant) {
        println!(
            "RESULT {harness}: {} cases, {} failures, {:.0} s",
            self.cases,
            self.failures.len(),
            started.elapsed().as_secs_f64()
        );
        for (class, n) in &self.classes {
            println!("  {n:>6}  {class}");
        }
        for failure in &self.failures {
            println!("  FAILURE {failure}");
        }
    }
}

/// The folder a harness works in: the one given, or a fresh temp folder removed at the end.
pub struct WorkDir {
    pub path: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl WorkDir {
    pub fn new(given: Option<PathBuf>, name: &str) -> Result<Self> {
        match given {
            Some(path) => {
                let path = path.join(name);
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(io(path.display().to_string()))?;
                }
                std::fs::create_dir_all(&path).map_err(io(path.display().to_string()))?;
                Ok(Self { path, _tmp: None })
            }
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix(&format!("daybook-stress-{name}-"))
                    .tempdir()
                    .map_err(io("temp dir"))?;
                Ok(Self {
                    path: tmp.path().to_path_buf(),
                    _tmp: Some(tmp),
                })
            }
        }
    }
}

/// The bytes of evidence file number `key`: mostly random bytes of very different sizes (a
/// few multi-megabyte ones, so kills land mid-stream), some real PNG and JPEG pictures so the
/// metadata readers run too. The same key always gives the same bytes, so the parent can check
/// what the child imported without sharing anything but the number.
pub fn evidence(key: u64) -> (String, Vec<u8>) {
    let mut rng = StdRng::seed_from_u64(key ^ 0x5eed_f11e);
    match key % 10 {
        0 => (
            format!("photo-{key}.png"),
            daybook::demo::sample_png(key % 97),
        ),
        1 => (
            format!("photo-{key}.jpg"),
            daybook::demo::sample_photo(key % 89, "2026:05:02 14:03:11"),
        ),
        2 => {
            let len = rng.random_range(2 << 20..12 << 20);
            (format!("video-{key}.bin"), random_bytes(&mut rng, len))
        }
        3..=5 => {
            let len = rng.random_range(64 << 10..1 << 20);
            (format!("file-{key}.bin"), random_bytes(&mut rng, len))
        }
        _ => {
            let len = rng.random_range(1..64 << 10);
            (format!("note-{key}.bin"), random_bytes(&mut rng, len))
        }
    }
}

fn random_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill(&mut bytes[..]);
    bytes
}

/// A running child harness process and the lines it has printed so far.
pub struct ChildRun {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl ChildRun {
    /// Starts this binary again with `args` and the extra environment `envs`.
    pub fn spawn(args: &[String], envs: &[(&str, &str)]) -> Result<Self> {
        let exe = std::env::current_exe().map_err(io("current exe"))?;
        let mut child = Command::new(exe)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(io("spawn child"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| HarnessError::Other("child has no stdout".into()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            child,
            lines: rx,
            seen: Vec::new(),
        })
    }

    /// Waits up to `timeout` for a line equal to `wanted`; false if the child ended or the
    /// time ran out first.
    pub fn wait_for(&mut self, wanted: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line == wanted;
                    self.seen.push(line);
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// SIGKILLs the child after `delay` (unless it ended first), reaps it and returns every
    /// line it printed. `killed` is false when the child had already exited on its own.
    pub fn kill_after(mut self, delay: Duration) -> Result<(Vec<String>, bool, Option<i32>)> {
        let deadline = Instant::now() + delay;
        let mut exited = None;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().map_err(io("try_wait"))? {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(1).min(deadline - Instant::now()));
        }
        let killed = exited.is_none();
        if killed {
            // std's kill is SIGKILL on Unix: no destructor, no flush, no unwinding.
            let _ = self.child.kill();
        }
        let status = self.child.wait().map_err(io("wait"))?;
        // The reader thread ends at EOF once the child is gone.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        Ok((self.seen, killed, status.code()))
    }
}

/// Every file and folder below `dir`, relative, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_string_lossy().into_owned());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Prints a line and flushes it at once: the parent treats it as an acknowledgement.
pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
