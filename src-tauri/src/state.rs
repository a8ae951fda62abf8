//! What the shell keeps between commands: where the journal lives, the unlocked journal (or
//! nothing), when the user last touched the app, and files handed over by drag and drop.
//!
//! The journal sits behind one mutex. Dropping it (lock, auto-lock, quick exit) closes the
//! database and zeroes the key; nothing else in the process holds either.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use daybook::journal::{Journal, KdfCost, Settings};

/// How the journal was opened: after a recovery-key unlock the app asks for a new passphrase
/// without asking for the old one (the user has lost it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockedWith {
    Passphrase,
    RecoveryKey,
}

pub struct Session {
    pub journal: Journal,
    pub unlocked_with: UnlockedWith,
    /// A copy, so the idle watcher never needs the journal's lock to know the delay.
    pub settings: Settings,
}

pub struct AppState {
    pub root: PathBuf,
    pub kdf_cost: KdfCost,
    /// Opened with `--demo`: the unlock screen says so and shows the demo passphrase.
    pub demo: bool,
    pub session: Mutex<Option<Session>>,
    pub last_activity: Mutex<Instant>,
    /// Set by the Cancel button; long work checks it between chunks.
    pub cancel: AtomicBool,
    /// Files dropped on the window, waiting for the editor to say which incident they belong
    /// to. Only paths the user chose by dropping them ever land here.
    pub dropped: Mutex<Vec<PathBuf>>,
    /// Phone backups, chat exports and iPhone backup folders chosen for import, waiting for
    /// the person's answers about a chat (see phone_import.rs); a slot empties once done.
    pub pending_import: Mutex<Option<crate::phone_import::PendingPlan>>,
    /// Files this app wrote in this run; only these may be opened in the system viewer.
    pub exported: Mutex<Vec<PathBuf>>,
    /// The whole-history check after unlock (history.rs): how it stands, and a count of
    /// checks started, so only the latest one reports.
    pub history: Mutex<crate::history::HistoryStatus>,
    pub history_runs: AtomicU64,
}

impl AppState {
    pub fn new(root: PathBuf, kdf_cost: KdfCost, demo: bool) -> Self {
        AppState {
            root,
            kdf_cost,
            demo,
            session: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            cancel: AtomicBool::new(false),
            dropped: Mutex::new(Vec::new()),
            pending_import: Mutex::new(None),
            exported: Mutex::new(Vec::new()),
            history: Mutex::new(crate::history::HistoryStatus::NotChecked),
            history_runs: AtomicU64::new(0),
        }
    }

    /// The session, even if an earlier command panicked while holding it: a poisoned lock
    /// must not keep a user out of their journal, and the journal itself is transactional.
    pub fn session(&self) -> MutexGuard<'_, Option<Session>> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn touch(&self) {
        *self.last_activity.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    pub fn idle_for(&self) -> std::time::Duration {
        self.last_activity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    pub fn history(&self) -> crate::history::HistoryStatus {
        self.history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_history(&self, status: crate::history::HistoryStatus) {
        *self.history.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }

    /// Closes the journal and forgets its key. Returns whether it was open.
    pub fn lock(&self) -> bool {
        // A check under way stops at its next step, and says nothing.
        self.history_runs.fetch_add(1, Ordering::SeqCst);
        self.set_history(crate::history::HistoryStatus::NotChecked);
        self.pending_import
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        self.session().take().is_some()
    }

    pub fn start_work(&self) {
        self.cancel.store(false, Ordering::SeqCst);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}
