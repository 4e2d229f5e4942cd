//! The notification settings every workspace's watcher shares: how often to check, which
//! changes notify, start at sign-in, and the pause. Kept in the settings file under `watch` and
//! `pausedUntil` (the keys versions before workspaces used, so they carry over).

use super::store::SettingsKv;
use crate::error::{Error, Result};
use crate::tickets::watcher::WatchPrefs;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, Mutex};

pub const WATCH_KEY: &str = "watch";
pub const PAUSED_KEY: &str = "pausedUntil";
/// The longest pause.
pub const MAX_PAUSE_MINUTES: i64 = 24 * 60;

/// What the notifications card shows (the status of the workspace it is shown for is added
/// by the command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettings {
    #[serde(flatten)]
    pub prefs: WatchPrefs,
    pub paused_until: Option<DateTime<Utc>>,
}

pub struct Notifications {
    kv: Arc<dyn SettingsKv>,
    prefs: Mutex<WatchPrefs>,
    paused_until: Mutex<Option<DateTime<Utc>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Notifications {
    /// Reads the settings; unreadable or out-of-range ones give the defaults (logged).
    pub fn load(kv: Arc<dyn SettingsKv>) -> Self {
        let prefs = kv
            .get(WATCH_KEY)
            .and_then(|v| match serde_json::from_value::<WatchPrefs>(v) {
                Ok(p) => Some(p),
                Err(e) => {
                    log::warn!("ignoring unreadable watch settings: {e}");
                    None
                }
            })
            .filter(|p| p.validate().is_ok())
            .unwrap_or_default();
        let paused = kv
            .get(PAUSED_KEY)
            .and_then(|v| serde_json::from_value(v).ok());
        Self {
            kv,
            prefs: Mutex::new(prefs),
            paused_until: Mutex::new(paused),
        }
    }

    /// The organisation's notification interval: the only one when locked, else the one used
    /// until the admin saves their own.
    pub fn apply_policy(&self, preset: &crate::policy::Preset<u64>) {
        if preset.locked || self.kv.get(WATCH_KEY).is_none() {
            lock(&self.prefs).interval_secs = preset.value;
        }
    }

    pub fn prefs(&self) -> WatchPrefs {
        lock(&self.prefs).clone()
    }

    /// When notifications resume, if they are paused now.
    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        let mut p = lock(&self.paused_until);
        if p.is_some_and(|until| until <= Utc::now()) {
            *p = None;
        }
        *p
    }

    pub fn view(&self) -> NotificationSettings {
        NotificationSettings {
            prefs: self.prefs(),
            paused_until: self.paused_until(),
        }
    }

    fn persist(&self, prefs: &WatchPrefs, paused: Option<DateTime<Utc>>) -> Result<()> {
        let prefs = serde_json::to_value(prefs).map_err(Error::internal)?;
        match paused {
            Some(t) => self.kv.write(
                vec![(WATCH_KEY, prefs), (PAUSED_KEY, serde_json::json!(t))],
                &[],
            ),
            None => self.kv.write(vec![(WATCH_KEY, prefs)], &[PAUSED_KEY]),
        }
    }

    /// Saves new settings (blocking: call from a blocking context).
    pub fn set_prefs(&self, prefs: WatchPrefs) -> Result<()> {
        prefs.validate()?;
        self.persist(&prefs, self.paused_until())?;
        *lock(&self.prefs) = prefs;
        Ok(())
    }

    /// Pauses every notification for `minutes` (1 minute to 24 hours).
    pub fn pause(&self, minutes: i64) -> Result<DateTime<Utc>> {
        if !(1..=MAX_PAUSE_MINUTES).contains(&minutes) {
            return Err(Error::invalid_input(
                format!("Notifications cannot be paused for {minutes} minutes."),
                "Pause for between 1 minute and 24 hours.",
            )
            .with_reason("pause_out_of_range")
            .with_param("count", minutes.to_string()));
        }
        let until = Utc::now() + chrono::TimeDelta::minutes(minutes);
        self.persist(&self.prefs(), Some(until))?;
        *lock(&self.paused_until) = Some(until);
        Ok(until)
    }

    pub fn resume(&self) -> Result<()> {
        self.persist(&self.prefs(), None)?;
        *lock(&self.paused_until) = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::store::MemoryKv;

    #[test]
    fn settings_carry_over_and_pause_is_bounded() {
        let kv: Arc<dyn SettingsKv> = Arc::new(MemoryKv::default());
        kv.write(
            vec![(WATCH_KEY, serde_json::json!({"intervalSecs": 30}))],
            &[],
        )
        .unwrap();
        let n = Notifications::load(kv.clone());
        assert_eq!(
            n.prefs().interval_secs,
            30,
            "the settings of a version before workspaces"
        );
        assert!(n.pause(0).is_err() && n.pause(24 * 60 + 1).is_err());
        let until = n.pause(60).unwrap();
        assert_eq!(Notifications::load(kv.clone()).paused_until(), Some(until));
        n.resume().unwrap();
        assert_eq!(Notifications::load(kv.clone()).paused_until(), None);
        let mut p = n.prefs();
        p.interval_secs = 10;
        assert!(n.set_prefs(p).is_err());
        assert_eq!(n.prefs().interval_secs, 30);
    }
}
