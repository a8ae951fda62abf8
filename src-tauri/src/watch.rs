//! Auto-lock: after the idle delay the user chose, and when the computer wakes from sleep.
//!
//! Sleep is noticed without any OS service: the wall clock keeps running through a suspend,
//! while the monotonic clock (`Instant`, CLOCK_MONOTONIC on Linux) stops. When one tick of
//! this loop sees the wall clock jump well past the monotonic one, the machine was asleep (or
//! its clock was set forward, where locking is harmless too).

use std::sync::TryLockError;
use std::time::{Duration, Instant, SystemTime};

use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

const TICK: Duration = Duration::from_secs(1);
/// More than this unexplained wall-clock time in one tick counts as a sleep.
const SLEEP_GAP: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    Idle,
    Sleep,
}

/// Decides whether to lock now. `idle_limit` is `None` while nothing is unlocked.
pub fn should_lock(
    idle: Duration,
    idle_limit: Option<Duration>,
    wall_elapsed: Duration,
    monotonic_elapsed: Duration,
) -> Option<LockReason> {
    let limit = idle_limit?;
    if wall_elapsed.saturating_sub(monotonic_elapsed) > SLEEP_GAP {
        Some(LockReason::Sleep)
    } else if idle >= limit {
        Some(LockReason::Idle)
    } else {
        None
    }
}

pub fn spawn(app: AppHandle) {
    std::thread::Builder::new()
        .name("daybook-autolock".into())
        .spawn(move || {
            let mut wall = SystemTime::now();
            let mut mono = Instant::now();
            loop {
                std::thread::sleep(TICK);
                let state = app.state::<AppState>();
                // Long work holds the journal: skip this tick, but keep the clocks where they
                // were, so a sleep seen now is still seen when the work ends.
                let mut session = match state.session.try_lock() {
                    Ok(session) => session,
                    // A command panicked while holding it; the journal is still open and must
                    // still lock.
                    Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                    Err(TryLockError::WouldBlock) => continue,
                };
                let (now_wall, now_mono) = (SystemTime::now(), Instant::now());
                let wall_elapsed = now_wall.duration_since(wall).unwrap_or_default();
                let mono_elapsed = now_mono.duration_since(mono);
                (wall, mono) = (now_wall, now_mono);
                let limit = session
                    .as_ref()
                    .map(|s| Duration::from_secs(u64::from(s.settings.idle_lock_minutes) * 60));
                if let Some(reason) =
                    should_lock(state.idle_for(), limit, wall_elapsed, mono_elapsed)
                {
                    session.take();
                    drop(session);
                    let _ = app.emit("locked", reason);
                }
            }
        })
        .map(drop)
        .unwrap_or_else(|e| eprintln!("Auto-lock could not start: {e}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const S: Duration = Duration::from_secs(1);

    #[test]
    fn nothing_to_lock_while_locked() {
        assert_eq!(should_lock(10 * MIN, None, 100 * MIN, S), None);
    }

    #[test]
    fn locks_after_the_idle_delay_and_not_before() {
        assert_eq!(should_lock(5 * MIN - S, Some(5 * MIN), S, S), None);
        assert_eq!(
            should_lock(5 * MIN, Some(5 * MIN), S, S),
            Some(LockReason::Idle)
        );
    }

    #[test]
    fn a_jump_of_the_wall_clock_is_a_sleep() {
        assert_eq!(
            should_lock(S, Some(5 * MIN), 40 * MIN, S),
            Some(LockReason::Sleep)
        );
        // A slow tick on a busy machine is not a sleep.
        assert_eq!(should_lock(S, Some(5 * MIN), 3 * S, 2 * S), None);
    }
}
