//! What the home screen asks for when it starts: the version, whether a connection exists, and
//! the demo instance the app was pointed at (the README's demo command sets
//! `TICKET_BRIDGE_DEMO_INSTANCE` to the simulator's address).

use crate::servicenow::InstanceUrl;
use serde::Serialize;

/// The environment variable that points a demo or test run at an instance (normally the
/// simulator). It only pre-fills the setup form; it never connects by itself.
pub const DEMO_INSTANCE_ENV: &str = "TICKET_BRIDGE_DEMO_INSTANCE";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    pub version: String,
    pub connected: bool,
    pub demo_instance: Option<String>,
    /// The operating system's language, as one of the six the UI speaks. WebKit's
    /// `navigator.language` does not always follow the OS on Linux, so the UI asks Rust.
    pub locale: String,
}

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
    pub fn new(version: &str, connected: bool, demo: Option<&InstanceUrl>, locale: &str) -> Self {
        Self {
            version: version.to_owned(),
            connected,
            demo_instance: demo.map(|d| d.to_string()),
            locale: locale.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn app_state_is_camel_case() {
        let demo = InstanceUrl::parse("http://127.0.0.1:8080").unwrap();
        let v = serde_json::to_value(AppState::new("0.1.0", false, Some(&demo), "fr")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"version":"0.1.0","connected":false,"demoInstance":"http://127.0.0.1:8080","locale":"fr"})
        );
    }
}
