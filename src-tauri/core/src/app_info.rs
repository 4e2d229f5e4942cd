//! What the home screen asks for when it starts: the version, the workspaces, the ticket kinds,
//! the limits of the forms, and the demo instance the app was pointed at (the README's demo command sets
//! `TICKET_BRIDGE_DEMO_INSTANCE` to the simulator's address).

use crate::servicenow::InstanceUrl;
use crate::servicenow::kinds::{KINDS, KindSpec};
use crate::workspace::WorkspaceSummary;
use serde::Serialize;

/// The environment variable that points a demo or test run at an instance (normally the
/// simulator). It only pre-fills the setup form; it never connects by itself.
pub const DEMO_INSTANCE_ENV: &str = "TICKET_BRIDGE_DEMO_INSTANCE";

/// The demo tenant the Microsoft 365 sign-in form is pre-filled with: the simulator's address
/// (sign-in authority and Graph endpoint at once), the tenant and the app's client ID, separated
/// by spaces. Only pre-fills; never signs in.
pub const DEMO_MICROSOFT_ENV: &str = "TICKET_BRIDGE_DEMO_MICROSOFT";

/// What [`DEMO_MICROSOFT_ENV`] says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoMicrosoft {
    pub endpoint: String,
    pub tenant: String,
    pub client_id: String,
}

/// The Microsoft 365 addresses used when the form leaves them blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftDefaults {
    pub authority: &'static str,
    pub graph: &'static str,
}

pub const MICROSOFT_DEFAULTS: MicrosoftDefaults = MicrosoftDefaults {
    authority: crate::oauth::microsoft::DEFAULT_AUTHORITY,
    graph: crate::oauth::microsoft::DEFAULT_GRAPH,
};

/// Reads the demo tenant; anything unusable is logged and ignored.
pub fn demo_microsoft(value: Option<&str>) -> Option<DemoMicrosoft> {
    use crate::oauth::microsoft::{BaseUrl, is_guid, parse_tenant};
    let raw = value?.trim();
    if raw.is_empty() {
        return None;
    }
    let parts: Vec<&str> = raw.split_whitespace().collect();
    let parsed = match parts.as_slice() {
        [endpoint, tenant, client] => BaseUrl::parse(endpoint, "demo endpoint")
            .and_then(|e| Ok((e, parse_tenant(tenant)?)))
            .ok()
            .filter(|_| is_guid(&client.to_ascii_lowercase()))
            .map(|(e, tenant)| DemoMicrosoft {
                endpoint: e.to_string(),
                tenant,
                client_id: client.to_ascii_lowercase(),
            }),
        _ => None,
    };
    if parsed.is_none() {
        log::warn!("ignoring {DEMO_MICROSOFT_ENV}: expected \"<endpoint> <tenant> <client id>\"");
    }
    parsed
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    pub version: String,
    pub demo_instance: Option<String>,
    pub demo_microsoft: Option<DemoMicrosoft>,
    /// The global service's sign-in authority and Graph endpoint (the form's placeholders).
    pub microsoft_defaults: MicrosoftDefaults,
    /// The language the app speaks: the admin's choice in Settings, or the operating system's
    /// as one of the six. WebKit's `navigator.language` does not always follow the OS on Linux,
    /// so the UI asks Rust, and Rust and the UI always agree.
    pub locale: String,
    /// The language setting (`system` or a language tag) and what it may be set to.
    pub language: String,
    pub languages: Vec<&'static str>,
    /// The operating system's language, matched to the six (what `system` stands for).
    pub system_locale: String,
    /// Every workspace, and the one the home page shows.
    pub workspaces: Vec<WorkspaceSummary>,
    pub selected: Option<String>,
    /// The screen to open on (`/settings`, from the tray's menu), once; else none.
    pub open_at: Option<String>,
    /// What the organisation presets and locks (the forms show it; each sign-in checks it).
    pub policy: crate::policy::Policy,
    /// The ticket kinds, in the order the UI shows them.
    pub kinds: &'static [KindSpec],
    pub limits: Limits,
}

/// The rules the UI shows before it asks Rust (Rust checks them again): the one copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub default_port: u16,
    pub min_port: u16,
    pub max_port: u16,
    pub task_name_chars: usize,
    pub state_name_chars: usize,
    pub workspace_name_chars: usize,
    pub category_value_chars: usize,
    pub action_title_chars: usize,
}

pub const LIMITS: Limits = Limits {
    default_port: crate::connection::DEFAULT_PORT,
    min_port: crate::connection::MIN_PORT,
    max_port: crate::connection::MAX_PORT,
    task_name_chars: crate::tickets::draft::MAX_NAME_CHARS,
    state_name_chars: crate::tickets::board::MAX_STATE_NAME_CHARS,
    workspace_name_chars: crate::workspace::MAX_NAME_CHARS,
    category_value_chars: crate::tickets::board::MAX_CATEGORY_VALUE_CHARS,
    action_title_chars: crate::secure_score::MAX_TITLE_CHARS,
};

/// Reads the demo instance from a variable's value. An unusable value is logged and ignored, so a
/// typo in a script cannot stop the app from starting.
pub fn demo_instance(value: Option<&str>) -> Option<InstanceUrl> {
    let raw = value?.trim();
    if raw.is_empty() {
        return None;
    }
    match InstanceUrl::parse(raw) {
        Ok(url) => Some(url),
        Err(e) => {
            log::warn!("ignoring {DEMO_INSTANCE_ENV}: {}", e.message);
            None
        }
    }
}

impl AppState {
    pub fn new(
        version: &str,
        demo: Option<&InstanceUrl>,
        locale: &str,
        workspaces: Vec<WorkspaceSummary>,
        selected: Option<String>,
    ) -> Self {
        Self {
            version: version.to_owned(),
            demo_instance: demo.map(|d| d.to_string()),
            demo_microsoft: None,
            microsoft_defaults: MICROSOFT_DEFAULTS,
            locale: locale.to_owned(),
            language: crate::i18n::SYSTEM.to_owned(),
            languages: crate::i18n::choices(false),
            system_locale: locale.to_owned(),
            workspaces,
            selected,
            open_at: None,
            policy: crate::policy::Policy::default(),
            kinds: &KINDS,
            limits: LIMITS,
        }
    }
}

impl AppState {
    pub fn with_language(mut self, state: crate::workspace::language::LanguageState) -> Self {
        self.locale = state.locale;
        self.language = state.language;
        self.languages = state.languages;
        self.system_locale = state.system_locale;
        self
    }

    pub fn with_open_at(mut self, route: Option<&str>) -> Self {
        self.open_at = route.map(str::to_owned);
        self
    }

    pub fn with_demo_microsoft(mut self, demo: Option<DemoMicrosoft>) -> Self {
        self.demo_microsoft = demo;
        self
    }

    pub fn with_policy(mut self, policy: &crate::policy::Policy) -> Self {
        self.policy = policy.clone();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_microsoft_needs_endpoint_tenant_and_client() {
        let d = demo_microsoft(Some(
            "http://127.0.0.1:8081 contoso.onmicrosoft.com 3C9D2F71-4A8B-4E2C-B5D6-7E1F0A9B8C23",
        ))
        .unwrap();
        assert_eq!(d.endpoint, "http://127.0.0.1:8081");
        assert_eq!(d.tenant, "contoso.onmicrosoft.com");
        assert_eq!(d.client_id, "3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23");
        assert_eq!(demo_microsoft(Some("http://127.0.0.1:8081")), None);
        assert_eq!(
            demo_microsoft(Some(
                "http://127.0.0.1:8081 contoso.onmicrosoft.com not-a-guid"
            )),
            None
        );
        assert_eq!(demo_microsoft(None), None);
    }

    #[test]
    fn demo_instance_accepts_loopback_and_ignores_junk() {
        assert_eq!(
            demo_instance(Some("http://127.0.0.1:8080")).map(|u| u.to_string()),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(demo_instance(Some("  ")), None);
        assert_eq!(demo_instance(None), None);
        assert_eq!(demo_instance(Some("http://example.com")), None);
    }

    #[test]
    fn app_state_is_camel_case_and_carries_the_registry() {
        let demo = InstanceUrl::parse("http://127.0.0.1:8080").unwrap();
        let v =
            serde_json::to_value(AppState::new("0.1.0", Some(&demo), "fr", vec![], None)).unwrap();
        assert_eq!(v["demoInstance"], "http://127.0.0.1:8080");
        assert_eq!(v["locale"], "fr");
        assert_eq!(v["workspaces"], serde_json::json!([]));
        assert_eq!(v["kinds"][0]["kind"], "change_request");
        assert_eq!(v["kinds"][0]["table"], "change_request");
        assert_eq!(v["kinds"][1]["states"][0]["value"], "1");
        assert_eq!(v["limits"]["minPort"], 1024);
        assert_eq!(v["limits"]["taskNameChars"], 160);
    }
}
