//! Peak memory and processor time of a bench step, from /proc (Linux), as
//! benches/phone_import.rs and benches/phone_sources.rs measure them ([`measure`]): VmRSS of
//! the freshly unlocked journal, VmHWM reset to it by writing 5 to /proc/self/clear_refs
//! (Linux 4.0+), the step, then VmHWM; the difference is the step's peak. Included with
//! `#[path = "common/memory.rs"] mod memory;` by the benches that use it (not through
//! common/mod.rs, so the other benches do not compile it unused; benches/perf.rs, which reads
//! /proc itself around its steps, uses only part of it and says so with `allow(dead_code)`).

use std::fs;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What a measured step cost: its time, processor time and peak memory.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cost {
    pub secs: f64,
    /// Processor time of the step (user + system, every thread of the process).
    pub cpu_secs: f64,
    /// VmRSS of the unlocked journal just before the step, and VmHWM just after it.
    pub rss_kib: u64,
    pub hwm_kib: u64,
    /// Where the peak was measured: "this process" or "child process", and how.
    pub measured: String,
}

impl Cost {
    /// The step's peak above the unlocked journal.
    pub fn peak_kib(&self) -> u64 {
        self.hwm_kib.saturating_sub(self.rss_kib)
    }
}

/// Notes VmRSS (the journal just unlocked), resets VmHWM to it, runs `step`, then reads its
/// time, processor time and VmHWM. Where `clear_refs` does not reset the peak, the figure is
/// the whole process's peak: said in [`Cost::measured`] in a child process (`in_child`), an
/// error in the bench's own process (whose earlier work would then be counted).
pub fn measure<T>(
    in_child: bool,
    step: impl FnOnce() -> Result<T, Box<dyn std::error::Error>>,
) -> Result<(Cost, T), Box<dyn std::error::Error>> {
    let rss_kib = status_kib("VmRSS:");
    let reset = reset_peak();
    if !reset && !in_child {
        return Err("clear_refs stopped resetting VmHWM".into());
    }
    let start = Instant::now();
    let cpu_start = cpu_secs();
    let out = step()?;
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu_start;
    let hwm_kib = status_kib("VmHWM:");
    let cost = Cost {
        secs,
        cpu_secs: cpu,
        rss_kib,
        hwm_kib,
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
    };
    Ok((cost, out))
}

/// A field of /proc/self/status in KiB (VmHWM: peak resident set; VmRSS: current).
pub fn status_kib(field: &str) -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// This process's processor time so far, user + system, in seconds (/proc/self/stat).
pub fn cpu_secs() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11..13)
        .map(|t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    // USER_HZ: 100 on every Linux architecture Rust targets.
    ticks / 100.0
}

/// Resets VmHWM to the current RSS (Linux `clear_refs` value 5); false when it did not.
pub fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
        && status_kib("VmHWM:") <= status_kib("VmRSS:") + 1024
}

/// Raises the peak by 64 MiB, gives the memory back, resets: does the peak come down?
pub fn clear_refs_works() -> bool {
    let mut probe = vec![0u8; 64 << 20];
    for i in (0..probe.len()).step_by(4096) {
        probe[i] = 1;
    }
    let touched = std::hint::black_box(&probe).iter().step_by(4096).count();
    drop(probe);
    touched > 0 && reset_peak() && status_kib("VmHWM:") < status_kib("VmRSS:") + 8 * 1024
}

/// The load average over 1, 5 and 15 minutes (/proc/loadavg), to say how busy the machine was.
pub fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
