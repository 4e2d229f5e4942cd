//! The home screen: what the connection card needs to draw itself.

use crate::Shell;
use tauri::State;
use ticket_bridge_core::app_info::AppState;

#[tauri::command]
pub fn app_state(shell: State<'_, Shell>) -> Result<AppState, ticket_bridge_core::Error> {
    Ok(AppState::new(
        env!("CARGO_PKG_VERSION"),
        false,
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
    use crate::{Shell, build_app};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;
    use ticket_bridge_core::servicenow::InstanceUrl;

    fn invoke(app: &tauri::App<tauri::test::MockRuntime>, cmd: &str) -> serde_json::Value {
        let webview = tauri::WebviewWindowBuilder::new(app, "main", Default::default())
            .build()
            .unwrap();
        let res = get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::default(),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .expect("command failed");
        res.deserialize::<serde_json::Value>().unwrap()
    }

    #[test]
    fn app_state_reports_version_and_demo_instance() {
        let shell = Shell {
            demo_instance: Some(InstanceUrl::parse("http://127.0.0.1:8080").unwrap()),
            locale: "ja",
            ..Shell::default()
        };
        let app = build_app(mock_builder(), shell, false)
            .build(mock_context(noop_assets()))
            .unwrap();
        let v = invoke(&app, "app_state");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["connected"], false);
        assert_eq!(v["demoInstance"], "http://127.0.0.1:8080");
        assert_eq!(v["locale"], "ja");
    }
}
