//! Per-journal preferences (auto-lock delay, order renewal reminder). They live inside the
//! encrypted database, in `journal_meta`, so the folder holds nothing else (security-model.md)
//! and a second computer opening the same journal gets the same safety settings.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Journal, JournalError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Lock after this many minutes without keyboard or mouse use in the app.
    pub idle_lock_minutes: u32,
    /// Remind the user this many days before an order expires (renewal usually has to be asked
    /// for before the expiry date).
    pub renewal_window_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_lock_minutes: 5,
            renewal_window_days: 90,
        }
    }
}

const IDLE_KEY: &str = "setting.idle_lock_minutes";
const RENEWAL_KEY: &str = "setting.renewal_window_days";

impl Settings {
    /// Refuses values that would defeat the setting's purpose (an auto-lock that never comes).
    pub fn check(&self) -> Result<()> {
        if !(1..=60).contains(&self.idle_lock_minutes) {
            return Err(JournalError::Invalid(
                "Auto-lock must come after 1 to 60 minutes.".into(),
            ));
        }
        if !(1..=365).contains(&self.renewal_window_days) {
            return Err(JournalError::Invalid(
                "The renewal reminder must start 1 to 365 days before expiry.".into(),
            ));
        }
        Ok(())
    }
}

impl Journal {
    pub fn settings(&self) -> Result<Settings> {
        let defaults = Settings::default();
        Ok(Settings {
            idle_lock_minutes: self
                .meta_number(IDLE_KEY)?
                .unwrap_or(defaults.idle_lock_minutes),
            renewal_window_days: self
                .meta_number(RENEWAL_KEY)?
                .unwrap_or(defaults.renewal_window_days),
        })
    }

    pub fn set_settings(&mut self, settings: &Settings) -> Result<()> {
        settings.check()?;
        let tx = self.conn.transaction()?;
        for (key, value) in [
            (IDLE_KEY, settings.idle_lock_minutes),
            (RENEWAL_KEY, settings.renewal_window_days),
        ] {
            tx.execute(
                "INSERT INTO journal_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn meta_number(&self, key: &str) -> Result<Option<u32>> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM journal_meta WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        // A value this code did not write falls back to the safe default rather than failing
        // the unlock.
        Ok(value.and_then(|v| v.parse().ok()))
    }
}
