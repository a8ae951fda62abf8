//! The whole-history check after unlock. Unlock itself walks only the revisions after the
//! chain checkpoint (daybook::journal::checkpoint); this walks every revision, a short step at
//! a time with the journal's lock let go between steps, so the person can work meanwhile.
//! Its outcome is shown in Settings and, when something does not check out, at once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use daybook::journal::ChainError;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// Revisions checked per step: about 14 ms of work in a release build (the whole walk of
/// 100,000 revisions took 684 ms in benches/perf.rs, growth), the longest a command may wait
/// for it.
const STEP_REVISIONS: usize = 2_000;

/// What the window is told about the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HistoryStatus {
    /// Locked, or not begun.
    NotChecked,
    Checking,
    /// Every revision recorded so far follows from the one before it.
    Intact {
        revisions: i64,
    },
    /// A sentence naming the first revision that does not check out, or why none could be read.
    Problem {
        message: String,
    },
}

/// What the person is told when a revision does not check out, at unlock or after the
/// whole walk. Reports made now do not say it, so the person is told what to keep.
pub fn warning(problem: &ChainError) -> String {
    // The chain's own sentence ends with a full stop; inside the brackets it goes.
    let problem = problem.to_string();
    let problem = problem.trim_end_matches('.');
    format!(
        "Warning: the journal's history does not check out ({problem}). Your entries are still shown. Keep a copy of this journal folder exactly as it is, and tell your attorney or advocate before you hand over a report."
    )
}

/// Starts the check for the session just opened. A later unlock starts its own and this one
/// stops; so does a lock, which takes the journal away.
pub fn start(app: &AppHandle) {
    let state = app.state::<AppState>();
    let run = state.history_runs.fetch_add(1, Ordering::SeqCst) + 1;
    state.set_history(HistoryStatus::Checking);
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("history-check".into())
        .spawn(move || {
            let state = app.state::<AppState>();
            if let Some(status) = walk(&state, run) {
                // Only the latest unlock's check may say anything.
                if state.history_runs.load(Ordering::SeqCst) == run {
                    state.set_history(status.clone());
                    let _ = app.emit("history-checked", status);
                }
            }
        });
    if spawned.is_err() {
        state.set_history(HistoryStatus::NotChecked);
    }
}

/// How long the walk waits after unlock, so the first screen is drawn without it competing
/// for the journal's lock and the processor (src-tauri/tests/app_figures.rs measures the
/// first rows).
const START_AFTER: Duration = Duration::from_millis(1_500);

/// Walks the whole chain; `None` when the journal was locked or unlocked again meanwhile.
fn walk(state: &AppState, run: u64) -> Option<HistoryStatus> {
    std::thread::sleep(START_AFTER);
    let mut check = None;
    loop {
        {
            let session = state.session();
            if state.history_runs.load(Ordering::SeqCst) != run {
                return None;
            }
            let journal = &session.as_ref()?.journal;
            let check = check.get_or_insert_with(|| journal.begin_history_check());
            match journal.continue_history_check(check, STEP_REVISIONS) {
                Ok(None) => {}
                Ok(Some(Ok(summary))) => {
                    return Some(HistoryStatus::Intact {
                        revisions: summary.revisions,
                    })
                }
                Ok(Some(Err(problem))) => {
                    return Some(HistoryStatus::Problem {
                        message: warning(&problem),
                    })
                }
                Err(error) => {
                    return Some(HistoryStatus::Problem {
                        message: format!("The journal's history could not be read: {error}"),
                    })
                }
            }
        }
        // The lock is not fair: without a pause this thread could take it straight back
        // while a command waits. The pause also leaves most of a core to the window.
        std::thread::sleep(Duration::from_millis(5));
    }
}
