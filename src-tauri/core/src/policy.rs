//! What the organisation decides: a policy IT deploys through the platform's managed place.
//!
//! - Windows: the values of `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Ticket Bridge` (group policy,
//!   Intune), `REG_DWORD` or `REG_SZ`.
//! - macOS: the managed preferences for the app's identifier (a configuration profile),
//!   `/Library/Managed Preferences/com.ticketbridge.desktop.plist`.
//! - Linux: `/etc/ticket-bridge/policy.json`, one JSON object.
//!
//! Every platform gives the same flat names ([`KEYS`]): `DisableUpdates`, and a preset for the
//! ServiceNow instance, client ID, integration user, redirect port, the Microsoft tenant and
//! client ID and the notification interval, each with an optional `<Name>Locked`. A preset fills
//! the forms; a locked one is the only value the app accepts (the UI shows it read-only, "Set by
//! your organisation", and every sign-in refuses another). Names are matched without regard to
//! case, like the registry's. Unknown names and unusable values are logged and ignored: a policy
//! never stops the app from starting.

use crate::error::{Error, ErrorKind, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The app's identifier (`tauri.conf.json`), under which macOS keeps managed preferences.
pub const APP_IDENTIFIER: &str = "com.ticketbridge.desktop";
/// Where the policy lives on Linux.
pub const LINUX_POLICY_FILE: &str = "/etc/ticket-bridge/policy.json";
/// The registry key IT writes on Windows, under `HKEY_LOCAL_MACHINE`.
pub const WINDOWS_POLICY_KEY: &str = r"SOFTWARE\Policies\Ticket Bridge";
/// A debug build (the tests) may read its policy from this JSON file instead; a release build
/// ignores it, so nobody can step around their organisation's policy with a variable.
pub const POLICY_FILE_ENV: &str = "TICKET_BRIDGE_POLICY_FILE";

/// The names a policy may hold (each preset may also have `<Name>Locked`).
pub const KEYS: &[&str] = &[
    "DisableUpdates",
    "ServiceNowInstance",
    "ServiceNowClientId",
    "IntegrationUser",
    "RedirectPort",
    "MicrosoftTenant",
    "MicrosoftClientId",
    "NotificationIntervalSeconds",
];

/// One value as the managed place holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    Bool(bool),
    Int(i64),
    Text(String),
}

impl Raw {
    fn as_bool(&self) -> Option<bool> {
        match self {
            Raw::Bool(b) => Some(*b),
            Raw::Int(0) => Some(false),
            Raw::Int(1) => Some(true),
            Raw::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            Raw::Int(_) => None,
        }
    }

    fn as_int(&self) -> Option<i64> {
        match self {
            Raw::Int(i) => Some(*i),
            Raw::Text(t) => {
                let t = t.trim();
                (t.len() <= 10 && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| t.parse().ok())
                    .flatten()
            }
            Raw::Bool(_) => None,
        }
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            Raw::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }
}

/// A value the organisation set, and whether the admin may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preset<T> {
    pub value: T,
    pub locked: bool,
}

/// The policy in force: nothing set unless IT deployed one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// No update check, no update request, and no *Check for updates* button.
    pub disable_updates: bool,
    /// The instance address, as [`crate::servicenow::InstanceUrl`] writes it.
    pub servicenow_instance: Option<Preset<String>>,
    pub servicenow_client_id: Option<Preset<String>>,
    pub integration_user: Option<Preset<String>>,
    pub redirect_port: Option<Preset<u16>>,
    pub microsoft_tenant: Option<Preset<String>>,
    /// Lower case, as the Microsoft form keeps it.
    pub microsoft_client_id: Option<Preset<String>>,
    pub notification_interval_secs: Option<Preset<u64>>,
    /// Where the policy was read from (for the log and the diagnostics), when there is one.
    pub source: Option<String>,
}

/// What a policy said that the app could not use (logged, in English, never shown as an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.what)
    }
}

/// The longest text value the app takes from a policy.
const MAX_TEXT: usize = 512;

impl Policy {
    /// Reads the platform's managed place. Never fails: a missing policy is none, a damaged one
    /// is logged and ignored as a whole, unusable values one by one.
    pub fn load() -> Policy {
        #[cfg(debug_assertions)]
        if let Some(path) = std::env::var_os(POLICY_FILE_ENV) {
            return Self::load_json_file(Path::new(&path));
        }
        Self::load_platform()
    }

    #[cfg(target_os = "linux")]
    fn load_platform() -> Policy {
        Self::load_json_file(Path::new(LINUX_POLICY_FILE))
    }

    #[cfg(target_os = "macos")]
    fn load_platform() -> Policy {
        // A profile for the user wins over the computer's, as macOS applies them.
        let user = std::env::var("USER").unwrap_or_default();
        let mut places = Vec::new();
        if !user.is_empty() && !user.contains(['/', '.']) {
            places.push(format!(
                "/Library/Managed Preferences/{user}/{APP_IDENTIFIER}.plist"
            ));
        }
        places.push(format!(
            "/Library/Managed Preferences/{APP_IDENTIFIER}.plist"
        ));
        for place in places {
            match std::fs::read(&place) {
                Ok(bytes) => {
                    return match values_from_plist(&bytes) {
                        Ok(values) => Self::report(Self::from_values(&values), &place),
                        Err(e) => {
                            log::warn!("ignoring the policy in {place}: {e}");
                            Policy::default()
                        }
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("could not read the policy in {place}: {e}"),
            }
        }
        Policy::default()
    }

    #[cfg(windows)]
    fn load_platform() -> Policy {
        let place = format!(r"HKEY_LOCAL_MACHINE\{WINDOWS_POLICY_KEY}");
        let key = match windows_registry::LOCAL_MACHINE.open(WINDOWS_POLICY_KEY) {
            Ok(key) => key,
            // No key: no policy (the usual case).
            Err(_) => return Policy::default(),
        };
        let mut values = BTreeMap::new();
        match key.values() {
            Ok(iter) => {
                for (name, value) in iter {
                    let raw = match value.ty() {
                        windows_registry::Type::U32 => {
                            u32::try_from(value).ok().map(|v| Raw::Int(v.into()))
                        }
                        windows_registry::Type::U64 => u64::try_from(value)
                            .ok()
                            .and_then(|v| i64::try_from(v).ok())
                            .map(Raw::Int),
                        windows_registry::Type::String | windows_registry::Type::ExpandString => {
                            String::try_from(value).ok().map(Raw::Text)
                        }
                        _ => None,
                    };
                    match raw {
                        Some(raw) => {
                            values.insert(name, raw);
                        }
                        None => log::warn!(
                            "ignoring the policy value {name:?} in {place}: use REG_DWORD or REG_SZ"
                        ),
                    }
                }
            }
            Err(e) => log::warn!("could not read the policy in {place}: {e}"),
        }
        Self::report(Self::from_values(&values), &place)
    }

    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    fn load_platform() -> Policy {
        Policy::default()
    }

    /// Reads a JSON policy file (Linux's, or the tests'): absent is none.
    pub fn load_json_file(path: &Path) -> Policy {
        let place = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => match values_from_json(&text) {
                Ok(values) => Self::report(Self::from_values(&values), &place),
                Err(e) => {
                    log::warn!("ignoring the policy in {place}: {e}");
                    Policy::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Policy::default(),
            Err(e) => {
                log::warn!("could not read the policy in {place}: {e}");
                Policy::default()
            }
        }
    }

    fn report((mut policy, problems): (Policy, Vec<Problem>), place: &str) -> Policy {
        for p in &problems {
            log::warn!("policy in {place}: ignoring {p}");
        }
        log::info!(
            "policy in {place}: {}",
            if policy.is_empty() {
                "nothing set".to_owned()
            } else {
                policy.summary()
            }
        );
        policy.source = Some(place.to_owned());
        policy
    }

    /// Whether the policy sets nothing at all.
    pub fn is_empty(&self) -> bool {
        Policy {
            source: None,
            ..self.clone()
        } == Policy::default()
    }

    /// The names set, for the log: which are locked, never the values.
    pub fn summary(&self) -> String {
        let locks = [
            (
                "ServiceNowInstance",
                self.servicenow_instance.as_ref().map(|p| p.locked),
            ),
            (
                "ServiceNowClientId",
                self.servicenow_client_id.as_ref().map(|p| p.locked),
            ),
            (
                "IntegrationUser",
                self.integration_user.as_ref().map(|p| p.locked),
            ),
            (
                "RedirectPort",
                self.redirect_port.as_ref().map(|p| p.locked),
            ),
            (
                "MicrosoftTenant",
                self.microsoft_tenant.as_ref().map(|p| p.locked),
            ),
            (
                "MicrosoftClientId",
                self.microsoft_client_id.as_ref().map(|p| p.locked),
            ),
            (
                "NotificationIntervalSeconds",
                self.notification_interval_secs.as_ref().map(|p| p.locked),
            ),
        ];
        let disable = self.disable_updates.then(|| "DisableUpdates".to_owned());
        let presets = locks.into_iter().filter_map(|(name, locked)| {
            locked.map(|l| {
                if l {
                    format!("{name} (locked)")
                } else {
                    name.to_owned()
                }
            })
        });
        disable
            .into_iter()
            .chain(presets)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Builds the policy from the managed place's values; returns what it could not use.
    pub fn from_values(values: &BTreeMap<String, Raw>) -> (Policy, Vec<Problem>) {
        let mut r = Reader::new(values);
        let policy = Policy {
            disable_updates: r.flag("DisableUpdates"),
            servicenow_instance: r.preset("ServiceNowInstance", |raw| {
                crate::servicenow::InstanceUrl::parse(&text(raw)?)
                    .map(|i| i.to_string())
                    .map_err(|_| {
                        "expected an instance address such as https://contoso.service-now.com"
                            .into()
                    })
            }),
            servicenow_client_id: r.preset("ServiceNowClientId", text),
            integration_user: r.preset("IntegrationUser", text),
            redirect_port: r.preset("RedirectPort", |raw| {
                use crate::connection::{MAX_PORT, MIN_PORT};
                raw.as_int()
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| (MIN_PORT..=MAX_PORT).contains(p))
                    .ok_or_else(|| format!("expected a port from {MIN_PORT} to {MAX_PORT}"))
            }),
            microsoft_tenant: r.preset("MicrosoftTenant", |raw| {
                crate::oauth::microsoft::parse_tenant(&text(raw)?).map_err(|_| {
                    "expected a tenant ID or a domain such as contoso.onmicrosoft.com".into()
                })
            }),
            microsoft_client_id: r.preset("MicrosoftClientId", |raw| {
                let t = text(raw)?.to_ascii_lowercase();
                if crate::oauth::microsoft::is_guid(&t) {
                    Ok(t)
                } else {
                    Err("expected an application (client) ID, a GUID".into())
                }
            }),
            notification_interval_secs: r.preset("NotificationIntervalSeconds", |raw| {
                use crate::tickets::watcher::{MAX_INTERVAL_SECS, MIN_INTERVAL_SECS};
                raw.as_int()
                    .and_then(|i| u64::try_from(i).ok())
                    .filter(|i| (MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(i))
                    .ok_or_else(|| {
                        format!("expected seconds from {MIN_INTERVAL_SECS} to {MAX_INTERVAL_SECS}")
                    })
            }),
            source: None,
        };
        (policy, r.problems)
    }

    /// Refuses a value the organisation locked to another.
    pub fn check_locked<T: PartialEq>(
        preset: &Option<Preset<T>>,
        setting: &'static str,
        asked: &T,
    ) -> Result<()> {
        match preset {
            Some(p) if p.locked && &p.value != asked => Err(locked_error(setting)),
            _ => Ok(()),
        }
    }

    /// The ServiceNow connection the setup form asks for, against the locked presets.
    pub fn check_connect(&self, request: &crate::connection::ConnectRequest) -> Result<()> {
        if let Some(p) = self.servicenow_instance.as_ref().filter(|p| p.locked) {
            let same = crate::servicenow::InstanceUrl::parse(&request.instance)
                .is_ok_and(|i| i.to_string() == p.value);
            if !same {
                return Err(locked_error("servicenowInstance"));
            }
        }
        Self::check_locked(
            &self.servicenow_client_id,
            "servicenowClientId",
            &request.client_id.trim().to_owned(),
        )?;
        if let Some(p) = self.integration_user.as_ref().filter(|p| p.locked)
            && !p
                .value
                .eq_ignore_ascii_case(request.integration_user.trim())
        {
            return Err(locked_error("integrationUser"));
        }
        let port = request.port.unwrap_or(crate::connection::DEFAULT_PORT);
        Self::check_locked(&self.redirect_port, "redirectPort", &port)
    }

    /// The Microsoft 365 sign-in form, against the locked presets.
    pub fn check_microsoft(&self, tenant: &str, client_id: &str) -> Result<()> {
        if let Some(p) = self.microsoft_tenant.as_ref().filter(|p| p.locked) {
            let same = crate::oauth::microsoft::parse_tenant(tenant).is_ok_and(|t| t == p.value);
            if !same {
                return Err(locked_error("microsoftTenant"));
            }
        }
        Self::check_locked(
            &self.microsoft_client_id,
            "microsoftClientId",
            &client_id.trim().to_ascii_lowercase(),
        )
    }
}

/// Reads a policy's values by name, without regard to case, and keeps what it could not use.
struct Reader<'a> {
    by_name: BTreeMap<String, &'a Raw>,
    problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    fn new(values: &'a BTreeMap<String, Raw>) -> Reader<'a> {
        let mut r = Reader {
            by_name: BTreeMap::new(),
            problems: Vec::new(),
        };
        for (name, raw) in values {
            let lower = name.to_ascii_lowercase();
            let known = KEYS.iter().any(|k| {
                let k = k.to_ascii_lowercase();
                lower == k || (k != "disableupdates" && lower == format!("{k}locked"))
            });
            if known {
                // The last spelling read wins, like the registry's one name.
                r.by_name.insert(lower, raw);
            } else {
                r.bad(&printable(name), "not a setting Ticket Bridge knows");
            }
        }
        r
    }

    fn get(&self, key: &str) -> Option<&'a Raw> {
        self.by_name.get(&key.to_ascii_lowercase()).copied()
    }

    fn bad(&mut self, key: &str, what: &str) {
        self.problems.push(Problem {
            key: key.to_owned(),
            what: what.to_owned(),
        });
    }

    /// A true-or-false setting; absent or unusable is false.
    fn flag(&mut self, key: &str) -> bool {
        let raw = self.get(key);
        match raw.map(Raw::as_bool) {
            None => false,
            Some(Some(b)) => b,
            Some(None) => {
                self.bad(key, "expected true or false (1 or 0)");
                false
            }
        }
    }

    /// A preset: the value checked with the app's own rules, then its `<key>Locked`.
    fn preset<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Raw) -> std::result::Result<T, String>,
    ) -> Option<Preset<T>> {
        let value = match parse(self.get(key)?) {
            Ok(v) => v,
            Err(what) => {
                self.bad(key, &what);
                return None;
            }
        };
        let lock_key = format!("{key}Locked");
        let locked = match self.get(&lock_key).map(Raw::as_bool) {
            None => false,
            Some(Some(b)) => b,
            Some(None) => {
                // An unreadable lock locks: IT meant something, and the value still stands as
                // they set it.
                self.bad(
                    &lock_key,
                    "expected true or false (1 or 0); treated as locked",
                );
                true
            }
        };
        Some(Preset { value, locked })
    }
}

/// A text value: one short line.
fn text(raw: &Raw) -> std::result::Result<String, String> {
    let t = raw.as_text().ok_or("expected text")?.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT || t.chars().any(char::is_control) {
        return Err("expected a short line of text".into());
    }
    Ok(t.to_owned())
}

/// The error for a value the organisation locked; `setting` names the field (the UI words it).
pub fn locked_error(setting: &'static str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("Your organisation sets {setting}; Ticket Bridge cannot use another value."),
        "Use the value shown, or ask your IT department to change the policy.",
    )
    .with_reason("policy_locked")
    .with_param("setting", setting)
}

/// A name from a policy, fit for the log.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// The values of a JSON policy: one object of booleans, numbers and strings.
pub fn values_from_json(text: &str) -> std::result::Result<BTreeMap<String, Raw>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or("expected one JSON object of settings")?;
    let mut values = BTreeMap::new();
    for (name, v) in object {
        let raw = match v {
            serde_json::Value::Bool(b) => Raw::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Raw::Int(i),
                None => Raw::Text(n.to_string()),
            },
            serde_json::Value::String(s) => Raw::Text(s.clone()),
            // Kept, so the setting is reported as unusable rather than unknown.
            _ => Raw::Text(String::new()),
        };
        values.insert(name.clone(), raw);
    }
    Ok(values)
}

/// The values of a managed preferences file (XML or binary property list): its top dictionary.
pub fn values_from_plist(bytes: &[u8]) -> std::result::Result<BTreeMap<String, Raw>, String> {
    let value = plist::Value::from_reader(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a property list ({e})"))?;
    let dict = value
        .into_dictionary()
        .ok_or("expected a dictionary of settings")?;
    let mut values = BTreeMap::new();
    for (name, v) in dict {
        let raw = match v {
            plist::Value::Boolean(b) => Raw::Bool(b),
            plist::Value::Integer(i) => match i.as_signed() {
                Some(i) => Raw::Int(i),
                None => Raw::Text(String::new()),
            },
            plist::Value::String(s) => Raw::Text(s),
            _ => Raw::Text(String::new()),
        };
        values.insert(name, raw);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> (Policy, Vec<Problem>) {
        Policy::from_values(&values_from_json(json).unwrap())
    }

    #[test]
    fn presets_and_locks_are_read_with_the_apps_own_rules() {
        let (p, problems) = policy(
            r#"{"DisableUpdates": true,
                "ServiceNowInstance": "contoso.service-now.com", "ServiceNowInstanceLocked": true,
                "ServiceNowClientId": "abc123",
                "integrationuser": "svc_ticketbridge", "IntegrationUserLocked": 1,
                "RedirectPort": "8765",
                "MicrosoftTenant": "contoso.onmicrosoft.com", "MicrosoftTenantLocked": false,
                "MicrosoftClientId": "6731DE76-14A6-49AE-97BC-6EBA6914391E",
                "NotificationIntervalSeconds": 300, "NotificationIntervalSecondsLocked": true}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(p.disable_updates);
        let instance = p.servicenow_instance.clone().unwrap();
        assert_eq!(instance.value, "https://contoso.service-now.com");
        assert!(instance.locked);
        assert_eq!(
            p.servicenow_client_id,
            Some(Preset {
                value: "abc123".into(),
                locked: false
            })
        );
        assert_eq!(
            p.integration_user,
            Some(Preset {
                value: "svc_ticketbridge".into(),
                locked: true
            })
        );
        assert_eq!(
            p.redirect_port,
            Some(Preset {
                value: 8765,
                locked: false
            })
        );
        assert_eq!(
            p.microsoft_client_id.as_ref().map(|c| c.value.as_str()),
            Some("6731de76-14a6-49ae-97bc-6eba6914391e")
        );
        assert_eq!(
            p.notification_interval_secs,
            Some(Preset {
                value: 300,
                locked: true
            })
        );
        assert_eq!(
            p.summary(),
            "DisableUpdates, ServiceNowInstance (locked), ServiceNowClientId, IntegrationUser (locked), RedirectPort, MicrosoftTenant, MicrosoftClientId, NotificationIntervalSeconds (locked)"
        );
    }

    #[test]
    fn unknown_names_and_bad_values_are_reported_and_ignored() {
        let (p, problems) = policy(
            r#"{"DisableUpdate": true, "DisableUpdates": "perhaps",
                "ServiceNowInstance": "javascript:alert(1)", "ServiceNowInstanceLocked": true,
                "RedirectPort": 80, "NotificationIntervalSeconds": 5,
                "MicrosoftClientId": "not-a-guid", "IntegrationUser": "a\u0007b",
                "ServiceNowClientId": {"nested": 1}}"#,
        );
        assert_eq!(p, Policy::default());
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for key in [
            "DisableUpdate",
            "DisableUpdates",
            "ServiceNowInstance",
            "RedirectPort",
            "NotificationIntervalSeconds",
            "MicrosoftClientId",
            "IntegrationUser",
            "ServiceNowClientId",
        ] {
            assert!(keys.contains(&key), "{key} not reported: {problems:?}");
        }
        assert!(
            problems
                .iter()
                .find(|p| p.key == "DisableUpdate")
                .is_some_and(|p| p.what.contains("not a setting"))
        );
    }

    #[test]
    fn an_unreadable_lock_locks_and_a_lock_without_a_value_does_nothing() {
        let (p, problems) = policy(
            r#"{"ServiceNowClientId": "abc", "ServiceNowClientIdLocked": "yes", "RedirectPortLocked": true}"#,
        );
        assert_eq!(
            p.servicenow_client_id,
            Some(Preset {
                value: "abc".into(),
                locked: true
            })
        );
        assert_eq!(p.redirect_port, None);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "ServiceNowClientIdLocked");
    }

    #[test]
    fn a_damaged_file_is_no_policy_and_an_absent_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        assert_eq!(Policy::load_json_file(&path), Policy::default());
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(Policy::load_json_file(&path), Policy::default());
        std::fs::write(&path, "[1, 2]").unwrap();
        assert_eq!(Policy::load_json_file(&path), Policy::default());
        std::fs::write(&path, r#"{"DisableUpdates": 1}"#).unwrap();
        let p = Policy::load_json_file(&path);
        assert!(p.disable_updates);
        assert_eq!(
            p.source.as_deref(),
            Some(path.display().to_string().as_str())
        );
    }

    #[test]
    fn a_managed_preferences_plist_reads_like_the_json() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>DisableUpdates</key><true/>
  <key>RedirectPort</key><integer>8766</integer>
  <key>RedirectPortLocked</key><true/>
  <key>IntegrationUser</key><string>svc_tb</string>
  <key>PayloadUUID</key><data>AAAA</data>
</dict></plist>"#;
        let (p, problems) = Policy::from_values(&values_from_plist(xml).unwrap());
        assert!(p.disable_updates);
        assert_eq!(
            p.redirect_port,
            Some(Preset {
                value: 8766,
                locked: true
            })
        );
        assert_eq!(p.integration_user.unwrap().value, "svc_tb");
        // Profiles carry their own Payload* keys: reported as unknown, harmless.
        assert_eq!(problems.len(), 1);
        assert!(values_from_plist(b"garbage").is_err());
    }

    #[test]
    fn locked_values_refuse_another_and_unlocked_ones_do_not() {
        let (p, _) = policy(
            r#"{"ServiceNowInstance": "https://contoso.service-now.com", "ServiceNowInstanceLocked": true,
                "IntegrationUser": "svc_tb", "IntegrationUserLocked": true,
                "ServiceNowClientId": "abc", "RedirectPort": 8765, "RedirectPortLocked": true,
                "MicrosoftTenant": "contoso.onmicrosoft.com", "MicrosoftTenantLocked": true}"#,
        );
        let req =
            |instance: &str, user: &str, port: Option<u16>| crate::connection::ConnectRequest {
                instance: instance.into(),
                client_id: "other".into(),
                client_secret: None,
                integration_user: user.into(),
                port,
            };
        assert!(
            p.check_connect(&req("contoso.service-now.com", "SVC_TB", Some(8765)))
                .is_ok()
        );
        let e = p
            .check_connect(&req(
                "https://fabrikam.service-now.com",
                "svc_tb",
                Some(8765),
            ))
            .unwrap_err();
        assert_eq!(e.reason.as_deref(), Some("policy_locked"));
        assert_eq!(
            e.params.get("setting").map(String::as_str),
            Some("servicenowInstance")
        );
        let e = p
            .check_connect(&req("contoso.service-now.com", "admin", Some(8765)))
            .unwrap_err();
        assert_eq!(
            e.params.get("setting").map(String::as_str),
            Some("integrationUser")
        );
        let e = p
            .check_connect(&req("contoso.service-now.com", "svc_tb", Some(9000)))
            .unwrap_err();
        assert_eq!(
            e.params.get("setting").map(String::as_str),
            Some("redirectPort")
        );
        assert!(p.check_microsoft("contoso.onmicrosoft.com", "x").is_ok());
        assert!(p.check_microsoft("fabrikam.onmicrosoft.com", "x").is_err());
        assert!(
            Policy::default()
                .check_connect(&req("x.service-now.com", "a", None))
                .is_ok()
        );
    }
}
