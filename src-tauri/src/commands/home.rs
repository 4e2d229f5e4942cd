//! The home screen: what the connection card needs to draw itself.

use crate::Shell;
use std::sync::Arc;
use tauri::State;
use ticket_bridge_core::app_info::AppState;
use ticket_bridge_core::connection::ConnectionManager;

#[tauri::command]
pub async fn app_state(
    shell: State<'_, Shell>,
    manager: State<'_, Arc<ConnectionManager>>,
) -> Result<AppState, ticket_bridge_core::Error> {
    Ok(AppState::new(
        env!("CARGO_PKG_VERSION"),
        manager.status().await.is_some(),
        shell.demo_instance.as_ref(),
        shell.locale,
    ))
}

/// The UI calls this once its first screen is drawn. Logged, so that the start benchmark and a
/// support log can tell how long the app took to be usable.
#[tauri::command]
pub fn ui_ready(shell: State<'_, Shell>) {
    log::info!(
        "ui ready {} ms after start",
        shell.started.elapsed().as_millis()
    );
}

#[cfg(test)]
mod tests {
    use crate::{Options, Shell, build_app};
    use std::sync::Arc;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{
        INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
    };
    use tauri::webview::InvokeRequest;
    use ticket_bridge_core::connection::MemorySettings;
    use ticket_bridge_core::servicenow::InstanceUrl;

    fn app(shell: Shell) -> tauri::App<MockRuntime> {
        build_app(
            mock_builder(),
            shell,
            Options {
                tray: false,
                settings: Some(Arc::new(MemorySettings::default())),
            },
        )
        .build(mock_context(noop_assets()))
        .unwrap()
    }

    /// Calls `cmd` over IPC as the UI does; Ok is the command's value, Err what it rejected with.
    pub(crate) fn invoke(
        app: &tauri::App<MockRuntime>,
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let webview = match tauri::Manager::get_webview_window(app, "main") {
            Some(w) => w,
            None => tauri::WebviewWindowBuilder::new(app, "main", Default::default())
                .build()
                .unwrap(),
        };
        get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|r| r.deserialize::<serde_json::Value>().unwrap())
    }

    #[test]
    fn app_state_reports_version_language_and_demo_instance() {
        let app = app(Shell {
            demo_instance: Some(InstanceUrl::parse("http://127.0.0.1:8080").unwrap()),
            locale: "ja",
            ..Shell::default()
        });
        let v = invoke(&app, "app_state", serde_json::json!({})).unwrap();
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["connected"], false);
        assert_eq!(v["demoInstance"], "http://127.0.0.1:8080");
        assert_eq!(v["locale"], "ja");
    }

    #[test]
    fn errors_cross_ipc_as_kind_message_hint() {
        let app = app(Shell::default());
        assert_eq!(
            invoke(&app, "connection_status", serde_json::json!({})).unwrap(),
            serde_json::Value::Null
        );
        let e = invoke(&app, "check_connection", serde_json::json!({})).unwrap_err();
        assert_eq!(e["kind"], "not_connected");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(e["hint"].as_str().is_some_and(|h| !h.is_empty()));
        // Bad input is rejected before anything else happens, with the same shape.
        let e = invoke(
            &app,
            "connect",
            serde_json::json!({
                "instance": "http://contoso.service-now.com",
                "clientId": "abc",
                "clientSecret": "s",
                "integrationUser": "svc",
                "port": 8765
            }),
        )
        .unwrap_err();
        assert_eq!(e["kind"], "invalid_input");
        assert!(e["message"].as_str().unwrap().contains("HTTPS"));
    }

    #[test]
    fn watch_settings_validate_save_and_pause() {
        let app = app(Shell::default());
        let v = invoke(&app, "watch_settings", serde_json::json!({})).unwrap();
        assert_eq!(v["intervalSecs"], 60);
        assert_eq!(v["autostart"], false);
        assert_eq!(v["notify"]["comments"], true);
        assert_eq!(v["pausedUntil"], serde_json::Value::Null);
        assert_eq!(v["status"]["state"], "idle");

        let mut settings = v.clone();
        settings["intervalSecs"] = 10.into();
        let e = invoke(
            &app,
            "set_watch_settings",
            serde_json::json!({ "settings": settings }),
        )
        .unwrap_err();
        assert_eq!(e["kind"], "invalid_input");
        assert!(e["hint"].as_str().unwrap().contains("15 seconds"));

        settings["intervalSecs"] = 15.into();
        settings["notify"]["priority"] = false.into();
        let v = invoke(
            &app,
            "set_watch_settings",
            serde_json::json!({ "settings": settings }),
        )
        .unwrap();
        assert_eq!(v["intervalSecs"], 15);
        assert_eq!(v["notify"]["priority"], false);
        let v = invoke(&app, "watch_settings", serde_json::json!({})).unwrap();
        assert_eq!(v["intervalSecs"], 15, "the setting is kept");

        let e = invoke(
            &app,
            "pause_notifications",
            serde_json::json!({ "minutes": 0 }),
        )
        .unwrap_err();
        assert_eq!(e["kind"], "invalid_input");
        let v = invoke(
            &app,
            "pause_notifications",
            serde_json::json!({ "minutes": 60 }),
        )
        .unwrap();
        let until: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(v["pausedUntil"].clone()).unwrap();
        let left = until - chrono::Utc::now();
        assert!((58..=60).contains(&left.num_minutes()), "{left}");
        let v = invoke(&app, "resume_notifications", serde_json::json!({})).unwrap();
        assert_eq!(v["pausedUntil"], serde_json::Value::Null);
    }
}
