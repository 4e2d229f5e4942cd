//! Updates: when to look for one, what the admin sees, and how a failure is worded.
//!
//! The shell asks Tauri's updater (a manifest signed with the release key, checked against the
//! public key in `tauri.conf.json`); this module decides everything around it, without Tauri:
//! - at most one automatic check a day (the last successful one is kept in the settings file
//!   under [`KEY`]), and one whenever the admin selects *Check for updates*;
//! - never a check, nor any request, when the organisation's policy says `DisableUpdates`, nor in
//!   a build that has no update address (built from source);
//! - an update is only offered: it is installed when the admin says so;
//! - the version and notes come from a server: they are data, kept short, shown as text.

use crate::error::{Error, ErrorKind, Result};
use crate::workspace::SettingsKv;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// The settings key of the last successful check.
pub const KEY: &str = "updates";
/// How often the app looks for an update by itself.
pub const CHECK_EVERY: Duration = Duration::hours(24);
/// The longest release notes shown (characters).
pub const MAX_NOTES_CHARS: usize = 4000;

/// Why updates are off, when they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Off {
    /// The organisation's policy (`DisableUpdates`).
    Policy,
    /// This build has no update address (built from source, not a release).
    NoEndpoint,
}

/// A newer version the update server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Available {
    pub version: String,
    pub notes: Option<String>,
    /// When it was published, as the server wrote it (RFC 3339), if it did.
    pub date: Option<String>,
}

impl Available {
    /// Keeps what a server sent within bounds: a version of the characters versions use, notes
    /// without control characters (but with their line breaks), at most [`MAX_NOTES_CHARS`].
    pub fn from_server(version: &str, notes: Option<&str>, date: Option<String>) -> Available {
        let version: String = version
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
            .take(64)
            .collect();
        let notes = notes
            .map(|n| {
                n.chars()
                    .filter(|c| !c.is_control() || *c == '\n')
                    .take(MAX_NOTES_CHARS)
                    .collect::<String>()
                    .trim()
                    .to_owned()
            })
            .filter(|n| !n.is_empty());
        Available {
            version,
            notes,
            date,
        }
    }
}

/// What went wrong, as the shell reads it from the updater.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No answer from the update server (network, proxy, TLS, a status that is not 2xx).
    Unreachable,
    /// The server's manifest could not be read, or has nothing for this computer.
    Manifest,
    /// The download does not carry the release key's signature: refused, nothing installed.
    Signature,
    /// The installer could not run (or this kind of installation cannot update itself).
    Install,
}

impl Failure {
    /// The error the UI words (reason `update_*`); `detail` goes to the log only.
    pub fn error(self, detail: &str) -> Error {
        log::warn!("update: {self:?}: {detail}");
        let (reason, message, hint) = match self {
            Failure::Unreachable => (
                "update_unreachable",
                "Ticket Bridge could not reach its update server.",
                "Check your network connection and the proxy in Settings → Network, then try again.",
            ),
            Failure::Manifest => (
                "update_manifest",
                "The update server's answer could not be used.",
                "Try again later. If it keeps happening, send the diagnostics to your IT department.",
            ),
            Failure::Signature => (
                "update_signature",
                "The downloaded update is not signed by the Ticket Bridge developers, so it was refused. Nothing was installed.",
                "Try again later. If it happens again, tell your IT department: something between this computer and the update server may be changing files.",
            ),
            Failure::Install => (
                "update_install",
                "The update could not be installed.",
                "Download the new version from your organisation's software portal or the release page, or ask your IT department.",
            ),
        };
        Error::new(ErrorKind::Update, message, hint).with_reason(reason)
    }
}

/// What the Settings page shows about updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    pub current_version: String,
    /// Why updates are off, or none when they are on.
    pub off: Option<Off>,
    pub checking: bool,
    pub installing: bool,
    /// The last check that got an answer.
    pub last_checked: Option<DateTime<Utc>>,
    pub available: Option<Available>,
    /// The last check's or install's failure, until the next one succeeds.
    pub error: Option<Error>,
}

#[derive(Debug, Default)]
struct State {
    checking: bool,
    installing: bool,
    last_checked: Option<DateTime<Utc>>,
    available: Option<Available>,
    error: Option<Error>,
}

/// The update state of the app (one for all workspaces).
pub struct Updates {
    kv: Arc<dyn SettingsKv>,
    current_version: String,
    off: Option<Off>,
    state: Mutex<State>,
}

/// Held while a check or an install runs; ends it when dropped (even on a panic).
pub struct Busy<'a> {
    updates: &'a Updates,
    install: bool,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        let mut s = self.updates.lock();
        if self.install {
            s.installing = false;
        } else {
            s.checking = false;
        }
    }
}

impl Updates {
    /// `disabled_by_policy`: the organisation's `DisableUpdates`; `has_endpoint`: whether this
    /// build knows where to look.
    pub fn load(
        kv: Arc<dyn SettingsKv>,
        current_version: &str,
        disabled_by_policy: bool,
        has_endpoint: bool,
    ) -> Updates {
        let last_checked = kv
            .get(KEY)
            .and_then(|v| v.get("lastChecked").cloned())
            .and_then(|v| serde_json::from_value::<DateTime<Utc>>(v).ok());
        let off = if disabled_by_policy {
            Some(Off::Policy)
        } else if !has_endpoint {
            Some(Off::NoEndpoint)
        } else {
            None
        };
        Updates {
            kv,
            current_version: current_version.to_owned(),
            off,
            state: Mutex::new(State {
                last_checked,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether updates are off, and why.
    pub fn off(&self) -> Option<Off> {
        self.off
    }

    /// Whether the automatic check should run now: updates on, none running, and no answer in
    /// the last day (a last check in the future, from a clock set back, counts as none).
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        if self.off.is_some() {
            return false;
        }
        let s = self.lock();
        !s.checking
            && s.last_checked
                .is_none_or(|last| last > now || now - last >= CHECK_EVERY)
    }

    /// Starts a check. Refused when updates are off (the policy's words) or one already runs.
    pub fn begin_check(&self) -> Result<Busy<'_>> {
        self.refuse_when_off()?;
        let mut s = self.lock();
        if s.checking || s.installing {
            return Err(Error::invalid_input(
                "Ticket Bridge is already looking for an update.",
                "Wait for it to finish.",
            )
            .with_reason("update_busy"));
        }
        s.checking = true;
        Ok(Busy {
            updates: self,
            install: false,
        })
    }

    /// Records a check's outcome; an answer (an update or none) is kept as the last check.
    pub fn finish_check(&self, now: DateTime<Utc>, outcome: Result<Option<Available>>) {
        let mut s = self.lock();
        match outcome {
            Ok(available) => {
                if let Some(a) = &available {
                    log::info!("update: version {} is available", a.version);
                } else {
                    log::info!("update: this is the latest version");
                }
                s.available = available;
                s.error = None;
                s.last_checked = Some(now);
                drop(s);
                if let Err(e) = self
                    .kv
                    .write(vec![(KEY, serde_json::json!({ "lastChecked": now }))], &[])
                {
                    log::warn!("update: could not save when it last checked: {e}");
                }
            }
            Err(e) => s.error = Some(e),
        }
    }

    /// Starts installing the update offered; refused when there is none.
    pub fn begin_install(&self) -> Result<(Busy<'_>, Available)> {
        self.refuse_when_off()?;
        let mut s = self.lock();
        let available = s.available.clone().ok_or_else(|| {
            Error::invalid_input(
                "There is no update to install.",
                "Select Check for updates first.",
            )
            .with_reason("update_none")
        })?;
        if s.checking || s.installing {
            return Err(Error::invalid_input(
                "Ticket Bridge is already looking for an update.",
                "Wait for it to finish.",
            )
            .with_reason("update_busy"));
        }
        s.installing = true;
        s.error = None;
        Ok((
            Busy {
                updates: self,
                install: true,
            },
            available,
        ))
    }

    /// Records an install that failed (one that succeeds restarts the app).
    pub fn install_failed(&self, e: Error) {
        self.lock().error = Some(e);
    }

    fn refuse_when_off(&self) -> Result<()> {
        match self.off {
            None => Ok(()),
            Some(Off::Policy) => Err(Error::invalid_input(
                "Your organisation manages updates of Ticket Bridge.",
                "Ask your IT department for the new version.",
            )
            .with_reason("updates_off_policy")),
            Some(Off::NoEndpoint) => Err(Error::invalid_input(
                "This copy of Ticket Bridge was built from source and does not update itself.",
                "Build the new version from source, or install a release.",
            )
            .with_reason("updates_off_build")),
        }
    }

    pub fn view(&self) -> UpdateView {
        let s = self.lock();
        UpdateView {
            current_version: self.current_version.clone(),
            off: self.off,
            checking: s.checking,
            installing: s.installing,
            last_checked: s.last_checked,
            available: s.available.clone(),
            error: s.error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::MemoryKv;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn the_automatic_check_runs_at_most_once_a_day_and_is_remembered() {
        let kv: Arc<dyn SettingsKv> = Arc::new(MemoryKv::default());
        let u = Updates::load(kv.clone(), "1.0.0", false, true);
        assert!(u.due(at(0)));
        {
            let _busy = u.begin_check().unwrap();
            assert!(!u.due(at(0)), "not while one runs");
            assert!(u.begin_check().is_err());
        }
        u.finish_check(at(0), Ok(None));
        assert!(!u.due(at(23)));
        assert!(u.due(at(24)));
        assert!(u.due(at(-1)), "a clock set back does not stop checks");
        // A failed check is not an answer: the next start tries again.
        u.finish_check(at(30), Err(Failure::Unreachable.error("test")));
        assert!(u.due(at(24)));
        assert_eq!(
            u.view().error.and_then(|e| e.reason).as_deref(),
            Some("update_unreachable")
        );
        // The last answer survives a restart.
        let again = Updates::load(kv, "1.0.0", false, true);
        assert_eq!(again.view().last_checked, Some(at(0)));
        assert!(!again.due(at(12)));
    }

    #[test]
    fn the_policy_and_a_build_without_an_address_turn_everything_off() {
        let kv: Arc<dyn SettingsKv> = Arc::new(MemoryKv::default());
        let u = Updates::load(kv.clone(), "1.0.0", true, true);
        assert!(!u.due(at(0)));
        assert_eq!(u.view().off, Some(Off::Policy));
        let e = u.begin_check().err().unwrap();
        assert_eq!(e.reason.as_deref(), Some("updates_off_policy"));
        assert!(u.begin_install().is_err());
        let u = Updates::load(kv, "1.0.0", false, false);
        assert!(!u.due(at(0)));
        assert_eq!(
            u.begin_check().err().unwrap().reason.as_deref(),
            Some("updates_off_build")
        );
    }

    #[test]
    fn an_update_is_installed_only_once_offered_and_one_at_a_time() {
        let u = Updates::load(Arc::new(MemoryKv::default()), "1.0.0", false, true);
        assert_eq!(
            u.begin_install().err().unwrap().reason.as_deref(),
            Some("update_none")
        );
        u.finish_check(
            at(0),
            Ok(Some(Available::from_server("2.0.0", Some("Fixes"), None))),
        );
        let (busy, offered) = u.begin_install().unwrap();
        assert_eq!(offered.version, "2.0.0");
        assert!(u.view().installing);
        assert!(u.begin_install().is_err());
        assert!(u.begin_check().is_err());
        drop(busy);
        assert!(!u.view().installing);
        u.install_failed(Failure::Signature.error("test"));
        assert_eq!(
            u.view().error.unwrap().reason.as_deref(),
            Some("update_signature")
        );
        assert_eq!(u.view().available.unwrap().version, "2.0.0");
    }

    #[test]
    fn what_a_server_sends_is_kept_short_and_plain() {
        let a = Available::from_server(
            "2.0.0<script>",
            Some(&format!(
                "Line one\nLine\u{7} two\u{1b}[31m{}",
                "x".repeat(10_000)
            )),
            None,
        );
        assert_eq!(a.version, "2.0.0script");
        let notes = a.notes.unwrap();
        assert!(notes.starts_with("Line one\nLine two[31m"));
        assert_eq!(notes.chars().count(), MAX_NOTES_CHARS);
        assert_eq!(Available::from_server("2", Some("  \n "), None).notes, None);
    }
}
