//! Peak memory and processor time of a bench step, from /proc (Linux), as
//! benches/phone_import.rs and benches/phone_sources.rs measure them: VmRSS of the freshly
//! unlocked journal, VmHWM reset to it by writing 5 to /proc/self/clear_refs (Linux 4.0+), the
//! step, then VmHWM; the difference is the step's peak. Included with
//! `#[path = "common/memory.rs"] mod memory;` by the benches that use it (not through
//! common/mod.rs, so the other benches do not compile it unused).

use std::fs;

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
