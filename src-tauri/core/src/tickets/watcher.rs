//! The background watcher: one task per connection that polls for ticket changes every poll
//! interval and tells the shell what it found, through [`WatchSink`].
//!
//! - Nothing to do while not connected: the task waits for [`WatchControl::wake`].
//! - Errors back off (15 s doubling up to 5 minutes); a 429 waits what `Retry-After` says.
//!   An unreachable instance (offline) is "offline": the same backoff, and no notification.
//! - A lost sign-in (`auth_expired`) stops the watcher with one call to
//!   [`WatchSink::lost_sign_in`]; it starts again when the shell wakes it after a reconnect.
//! - The wait between polls follows the wall clock in short slices, so a computer that slept
//!   through a poll catches up within a slice of waking, and nothing polls while it sleeps
//!   (the process is suspended with it).
//!
//! No Tauri here: the shell implements the sink (events, notifications, tray).

use super::notice::NotifyKinds;
use super::service::{TicketService, WatchReport};
use crate::error::{Error, ErrorKind, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;

pub const DEFAULT_INTERVAL_SECS: u64 = 60;
pub const MIN_INTERVAL_SECS: u64 = 15;
pub const MAX_INTERVAL_SECS: u64 = 3600;
/// The first wait after an error; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(15);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The longest single sleep: how late a poll can be after the computer wakes.
const SLICE: Duration = Duration::from_secs(10);

/// The watcher's settings (non-secret, kept by the shell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WatchPrefs {
    pub interval_secs: u64,
    pub notify: NotifyKinds,
    /// Start at login (the shell applies it through the OS).
    pub autostart: bool,
}

impl Default for WatchPrefs {
    fn default() -> Self {
        Self {
            interval_secs: DEFAULT_INTERVAL_SECS,
            notify: NotifyKinds::default(),
            autostart: false,
        }
    }
}

impl WatchPrefs {
    pub fn validate(&self) -> Result<()> {
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&self.interval_secs) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "A check every {} seconds is not possible.",
                    self.interval_secs
                ),
                format!(
                    "Choose an interval between {MIN_INTERVAL_SECS} seconds and {} minutes.",
                    MAX_INTERVAL_SECS / 60
                ),
            )
            .with_reason("watch_interval_out_of_range")
            .with_param("count", self.interval_secs.to_string())
            .with_param("min", MIN_INTERVAL_SECS.to_string())
            .with_param("max", (MAX_INTERVAL_SECS / 60).to_string()));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchState {
    /// Not connected: nothing to watch.
    Idle,
    Watching,
    /// The instance cannot be reached; trying again at `next_poll_at`.
    Offline,
    /// ServiceNow answered with an error or a rate limit; trying again at `next_poll_at`.
    Retrying,
    /// The sign-in was lost; waiting for a reconnect.
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchStatus {
    pub state: WatchState,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
    /// What went wrong, for `offline`, `retrying` and `stopped`.
    pub message: Option<String>,
}

impl Default for WatchStatus {
    fn default() -> Self {
        Self {
            state: WatchState::Idle,
            last_poll_at: None,
            next_poll_at: None,
            message: None,
        }
    }
}

/// What the shell does with what the watcher finds.
pub trait WatchSink: Send + Sync + 'static {
    /// A poll read tickets: `report.changes` are the changes to tell (maybe none: a ticket
    /// the app created itself is new, not changed), `report.read_tickets` whether the cached list changed.
    fn report(&self, report: &WatchReport);
    /// The status changed (after every poll).
    fn status(&self, status: &WatchStatus);
    /// The sign-in was lost; called once until a poll succeeds again.
    fn lost_sign_in(&self);
}

/// How the shell steers the watcher.
pub struct WatchControl {
    wake: Notify,
    interval_secs: AtomicU64,
    status: Mutex<WatchStatus>,
    rounds: AtomicU64,
    closed: AtomicBool,
}

impl WatchControl {
    pub fn new(interval_secs: u64) -> Self {
        Self {
            wake: Notify::new(),
            interval_secs: AtomicU64::new(interval_secs.clamp(1, MAX_INTERVAL_SECS)),
            status: Mutex::new(WatchStatus::default()),
            rounds: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Ends the loop (its workspace is gone).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Poll now: "Refresh now", a new or restored connection, the computer woke.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A new interval; the next wait uses it.
    pub fn set_interval(&self, secs: u64) {
        self.interval_secs
            .store(secs.clamp(1, MAX_INTERVAL_SECS), Ordering::SeqCst);
        self.wake();
    }

    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs.load(Ordering::SeqCst))
    }

    /// How many rounds (tries to poll) the loop has made.
    pub fn rounds(&self) -> u64 {
        self.rounds.load(Ordering::SeqCst)
    }

    pub fn status(&self) -> WatchStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_status(&self, s: WatchStatus) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = s;
    }
}

/// How long to wait after the `failures`-th error in a row: `Retry-After` when ServiceNow gave
/// one, else 15 s doubling up to 5 minutes, never sooner than the interval would poll anyway
/// when the interval is the shorter wait.
pub fn backoff(failures: u32, retry_after_secs: Option<u64>, interval: Duration) -> Duration {
    if let Some(s) = retry_after_secs {
        return Duration::from_secs(s.clamp(1, crate::retry_after::SERVICENOW_MAX.as_secs()));
    }
    let exp = failures.saturating_sub(1).min(10);
    let wait = FIRST_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF);
    wait.max(interval.min(FIRST_BACKOFF))
}

/// Why a wait ended.
#[derive(Debug, PartialEq, Eq)]
enum Woke {
    Due,
    Asked,
}

/// Waits `wait`, by the monotonic clock or the wall clock, whichever ends first, in slices of
/// at most [`SLICE`]; ends early when woken.
async fn wait(control: &WatchControl, wait: Duration) -> Woke {
    let mono_end = Instant::now() + wait;
    let wall_end = SystemTime::now() + wait;
    loop {
        let now = Instant::now();
        if now >= mono_end || SystemTime::now() >= wall_end {
            return Woke::Due;
        }
        let slice = (mono_end - now).min(SLICE);
        let slept_from = SystemTime::now();
        tokio::select! {
            _ = control.wake.notified() => return Woke::Asked,
            _ = tokio::time::sleep(slice) => {}
        }
        if let Ok(passed) = SystemTime::now().duration_since(slept_from)
            && passed > slice + Duration::from_secs(30)
        {
            log::info!(
                "the computer slept for about {} s; looking for changes now",
                passed.as_secs()
            );
            return Woke::Due;
        }
    }
}

fn at(d: Duration) -> Option<DateTime<Utc>> {
    chrono::TimeDelta::from_std(d).ok().map(|d| Utc::now() + d)
}

/// The watcher's loop. Runs until [`WatchControl::close`] or the end of the process.
pub async fn run(
    service: Arc<TicketService>,
    sink: Arc<dyn WatchSink>,
    control: Arc<WatchControl>,
) {
    let mut failures = 0u32;
    let mut told_lost = false;
    let mut last_poll_at = None;
    loop {
        if control.is_closed() {
            return;
        }
        let publish = |s: WatchStatus| {
            if control.status() != s {
                control.set_status(s.clone());
                sink.status(&s);
            }
        };
        // Intervals run from the start of one poll to the start of the next.
        let started = Instant::now();
        let result = service.watch_poll().await;
        control.rounds.fetch_add(1, Ordering::SeqCst);
        let next = match result {
            Ok(report) => {
                failures = 0;
                told_lost = false;
                last_poll_at = Some(Utc::now());
                if !report.changes.is_empty() || report.read_tickets {
                    sink.report(&report);
                }
                let next = control.interval();
                publish(WatchStatus {
                    state: WatchState::Watching,
                    last_poll_at,
                    next_poll_at: at(next),
                    message: None,
                });
                Some(next)
            }
            Err(e) if e.kind == ErrorKind::NotConnected => {
                failures = 0;
                publish(WatchStatus::default());
                None
            }
            Err(e) if e.kind == ErrorKind::AuthExpired => {
                if !told_lost {
                    told_lost = true;
                    log::warn!("the watcher stopped: {}", e.message);
                    sink.lost_sign_in();
                }
                publish(WatchStatus {
                    state: WatchState::Stopped,
                    last_poll_at,
                    next_poll_at: None,
                    message: Some(e.message.clone()),
                });
                None
            }
            Err(e) => {
                failures += 1;
                let next = backoff(failures, e.retry_after_secs, control.interval());
                log::info!(
                    "looking for ticket changes failed ({} in a row), next try in {} s: {}",
                    failures,
                    next.as_secs(),
                    e.message
                );
                let state = if e.kind == ErrorKind::InstanceUnreachable {
                    WatchState::Offline
                } else {
                    WatchState::Retrying
                };
                publish(WatchStatus {
                    state,
                    last_poll_at,
                    next_poll_at: at(next),
                    message: Some(e.message.clone()),
                });
                Some(next)
            }
        };
        match next {
            Some(d) => {
                wait(&control, d.saturating_sub(started.elapsed())).await;
            }
            // Not connected or signed out: nothing polls until the shell wakes the watcher.
            None => control.wake.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes_and_follows_retry_after() {
        let i = Duration::from_secs(60);
        let secs = |n| backoff(n, None, i).as_secs();
        assert_eq!(
            [
                secs(1),
                secs(2),
                secs(3),
                secs(4),
                secs(5),
                secs(6),
                secs(40)
            ],
            [15, 30, 60, 120, 240, 300, 300]
        );
        assert_eq!(backoff(1, Some(9), i), Duration::from_secs(9));
        assert_eq!(backoff(3, Some(0), i), Duration::from_secs(1));
        // A short test interval is not made longer than the first backoff.
        assert_eq!(backoff(1, None, Duration::from_millis(200)).as_secs(), 15);
    }

    #[test]
    fn prefs_refuse_intervals_outside_15_seconds_to_an_hour() {
        let mut p = WatchPrefs::default();
        assert_eq!(p.interval_secs, 60);
        assert!(!p.autostart);
        assert!(p.validate().is_ok());
        p.interval_secs = 14;
        let e = p.validate().unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.hint.contains("15 seconds"));
        p.interval_secs = 3601;
        assert!(p.validate().is_err());
        // Older or partial settings files read with the defaults.
        let p: WatchPrefs = serde_json::from_str(r#"{"intervalSecs": 30}"#).unwrap();
        assert_eq!(p.interval_secs, 30);
        assert!(p.notify.state && p.notify.comments);
    }

    #[tokio::test]
    async fn a_wake_ends_the_wait_at_once() {
        let c = WatchControl::new(60);
        c.wake();
        assert_eq!(wait(&c, Duration::from_secs(3600)).await, Woke::Asked);
        assert_eq!(wait(&c, Duration::from_millis(1)).await, Woke::Due);
    }
}
