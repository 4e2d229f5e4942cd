//! `ticket-bridge`: the Tauri shell of Ticket Bridge.
//!
//! Adapters only: it opens the workspace registry of `ticket-bridge-core` (which owns every
//! piece of state and every sequence), implements its `Host` trait for the desktop ([`host`]),
//! exposes its operations as IPC commands ([`commands`]), draws the tray from it ([`tray`]) and
//! shows its notifications ([`notify`]). [`build_app`] is generic over the runtime so the
//! commands can be exercised with `tauri::test::mock_builder()`; [`run`] adds the desktop-only
//! plugins and starts the real app.

mod commands;
mod host;
mod i18n;
mod notify;
mod settings;
mod tray;
mod updates;

use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Builder, Manager, RunEvent, Runtime, WindowEvent};
use ticket_bridge_core::app_info;
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::workspace::{OpenOptions, SettingsKv, Workspaces};

/// The label of the one main window (see `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// What the shell decides once, at start, from its environment.
#[derive(Debug, Clone)]
pub struct Shell {
    /// The instance the demo command points the app at (pre-fills the setup form).
    pub demo_instance: Option<InstanceUrl>,
    /// The demo tenant (pre-fills the Microsoft 365 sign-in form).
    pub demo_microsoft: Option<app_info::DemoMicrosoft>,
    /// When the process started, for the "ui ready" log line the start benchmark reads.
    pub started: std::time::Instant,
    /// The operating system's language, matched to the six the app speaks (the language
    /// setting's `system`).
    pub locale: &'static str,
    /// Offer the pseudo-locale in Settings (`TICKET_BRIDGE_PSEUDO_LOCALE=1`, tests only).
    pub pseudo_locale: bool,
    /// Started at login (`--minimized`): stay in the tray, keep the window closed.
    pub start_hidden: bool,
    /// What the organisation presets, locks or turns off; `None`: read from the platform's
    /// managed place once the log is there (in setup), so that what it ignores is logged.
    pub policy: Option<Arc<ticket_bridge_core::policy::Policy>>,
}

impl Default for Shell {
    fn default() -> Self {
        Self {
            demo_instance: None,
            demo_microsoft: None,
            started: std::time::Instant::now(),
            locale: "en",
            pseudo_locale: false,
            start_hidden: false,
            policy: Some(Arc::default()),
        }
    }
}

/// Whether the tray exists: without it, closing the window must quit, or the app would be
/// left running with no way back.
#[derive(Debug, Default)]
pub(crate) struct TrayPresence(pub std::sync::atomic::AtomicBool);

/// The screen a window made for the tray's menu opens on (*Settings…*): the UI takes it once,
/// through `app_state`, when it starts.
#[derive(Debug, Default)]
pub(crate) struct PendingRoute(pub std::sync::Mutex<Option<&'static str>>);

/// Managed when the updater plugin is registered (the desktop app, not the mock runtime).
pub(crate) struct UpdaterPlugin;

/// What differs between the desktop app and a test on the mock runtime.
#[derive(Default)]
pub struct Options {
    /// Build the tray (false in tests that have no desktop).
    pub tray: bool,
    /// Where settings live; `None` means `settings.json` through tauri-plugin-store.
    pub settings: Option<Arc<dyn SettingsKv>>,
    /// The data folder; `None` means the app's data folder.
    pub data_dir: Option<PathBuf>,
}

/// Everything that works the same with the real and the mock runtime: the registry, commands,
/// window behaviour, the tray.
pub fn build_app<R: Runtime>(builder: Builder<R>, shell: Shell, options: Options) -> Builder<R> {
    let Options {
        tray,
        settings,
        data_dir,
    } = options;
    builder
        .manage(shell)
        .manage(TrayPresence::default())
        .manage(PendingRoute::default())
        .invoke_handler(tauri::generate_handler![
            commands::home::app_state,
            commands::home::ui_ready,
            commands::home::set_language,
            commands::home::damaged_files,
            commands::home::dismiss_damaged_files,
            commands::help::save_diagnostics,
            commands::help::show_diagnostics,
            commands::help::open_log_folder,
            commands::updates::update_state,
            commands::updates::check_for_updates,
            commands::updates::install_update,
            commands::network::network_settings,
            commands::network::set_network,
            commands::workspaces::list_workspaces,
            commands::workspaces::select_workspace,
            commands::workspaces::rename_workspace,
            commands::workspaces::waiting_tasks,
            commands::workspaces::remove_connection,
            commands::connection::connect,
            commands::connection::check_connect_form,
            commands::connection::connect_profile,
            commands::connection::reauthorize,
            commands::connection::sign_in_again,
            commands::connection::keep_account,
            commands::connection::cancel_connect,
            commands::connection::connection_status,
            commands::connection::check_connection,
            commands::tickets::list_actions,
            commands::tickets::add_action,
            commands::tickets::open_ticket_for_action,
            commands::tickets::preview_task,
            commands::tickets::submit_task,
            commands::tickets::outbox_list,
            commands::tickets::outbox_retry,
            commands::tickets::outbox_discard,
            commands::tickets::outbox_send_anyway,
            commands::tickets::list_tickets,
            commands::tickets::ticket_summary,
            commands::tickets::refresh_tickets,
            commands::tickets::state_names,
            commands::tickets::set_state_name,
            commands::tickets::reset_state_names,
            commands::tickets::category_mapping,
            commands::tickets::set_category_mapping,
            commands::tickets::export_tickets_csv,
            commands::tickets::open_url,
            commands::watch::watch_settings,
            commands::watch::set_watch_settings,
            commands::watch::pause_notifications,
            commands::watch::resume_notifications,
            commands::watch::watch_now,
            commands::score::check_microsoft_form,
            commands::score::microsoft_status,
            commands::score::microsoft_sign_in,
            commands::score::microsoft_reconnect,
            commands::score::microsoft_cancel,
            commands::score::open_admin_consent,
            commands::score::microsoft_sign_out,
            commands::score::score_view,
            commands::score::refresh_score,
            commands::score::csv_preview,
            commands::score::csv_import,
            commands::score::csv_clear,
        ])
        .setup(move |app| {
            open(app.handle(), settings, data_dir, tray)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::Focused(true) = event {
                window_seen(window.app_handle());
            }
            // Closing the window with the tray there destroys it, webview and WebKit processes
            // included: the app lives on in the tray (see `run`), and Open makes it again.
            if let WindowEvent::Destroyed = event
                && window.label() == MAIN_WINDOW
            {
                log::info!("main window closed; the webview is released until it is opened again");
            }
        })
}

/// Opens the workspace registry (the settings file, the workspaces' folders), builds the tray,
/// starts the senders and watchers and restores the saved connections in the background. The
/// real app calls it in setup; tests on the mock runtime (which never runs setup) call it after
/// building.
pub fn open<R: Runtime>(
    app: &tauri::AppHandle<R>,
    settings: Option<Arc<dyn SettingsKv>>,
    data_dir: Option<PathBuf>,
    tray: bool,
) -> Result<Arc<Workspaces>, Box<dyn std::error::Error>> {
    // The window first: WebKit starts its web process and loads the page while the registry
    // opens (the page's first call waits for this setup to end, so the registry is there by
    // then). Started at login, the window waits for the tray (below).
    let start_hidden = tray && app.state::<Shell>().start_hidden;
    if !start_hidden {
        main_window(app);
    }
    log::info!(
        "window requested {} ms after start",
        app.state::<Shell>().started.elapsed().as_millis()
    );
    let damage = ticket_bridge_core::files::DamageReport::default();
    let kv: Arc<dyn SettingsKv> = match settings {
        Some(kv) => kv,
        None => Arc::new(settings::StoreKv::open(app, &damage)?),
    };
    let data_dir = match data_dir {
        Some(d) => d,
        None => app.path().app_data_dir()?,
    };
    // Clicks on notifications are reported only to a handler that exists before the first
    // one is shown.
    if app
        .try_state::<tauri_plugin_notification::Notification<R>>()
        .is_some()
    {
        notify::install(app);
    }
    let locale = app.state::<Shell>().locale;
    let update_kv = kv.clone();
    let policy = app
        .state::<Shell>()
        .policy
        .clone()
        .unwrap_or_else(|| Arc::new(ticket_bridge_core::policy::Policy::load()));
    let registry = Workspaces::open(
        &data_dir,
        kv,
        Arc::new(host::DesktopHost::new(app.clone())),
        locale,
        OpenOptions {
            damage,
            pseudo_locale: app.state::<Shell>().pseudo_locale,
            policy: policy.clone(),
            ..OpenOptions::default()
        },
    )?;
    app.manage(registry.clone());
    // The updater plugin is the real app's only (not the mock runtime's).
    let plugin = app.try_state::<UpdaterPlugin>().is_some();
    updates::install(app, update_kv, &policy, plugin);
    let tray_built = tray && tray::install(app);
    app.state::<TrayPresence>()
        .0
        .store(tray_built, std::sync::atomic::Ordering::SeqCst);
    // Started at login with a tray to live in: no window until the admin opens it (and
    // without a tray, a window after all).
    if start_hidden {
        if tray_built {
            log::info!("started in the tray; no window until it is opened");
        } else {
            main_window(app);
        }
    }
    registry.start();
    log::info!(
        "setup done {} ms after start",
        app.state::<Shell>().started.elapsed().as_millis()
    );
    Ok(registry)
}

fn window_seen<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(registry) = app.try_state::<Arc<Workspaces>>() {
        registry.window_seen();
    }
}

/// The main window: the one it is, or a new one made from its entry in `tauri.conf.json`
/// (`create: false` there, so that the app decides). It does not exist while only the tray
/// shows: no webview and no WebKit process is kept for a window nobody sees.
pub(crate) fn main_window<R: Runtime>(
    app: &tauri::AppHandle<R>,
) -> Option<tauri::WebviewWindow<R>> {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        return Some(w);
    }
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)?
        .clone();
    match tauri::WebviewWindowBuilder::from_config(app, &config).and_then(|b| b.build()) {
        Ok(w) => {
            log::info!("main window opened");
            #[cfg(target_os = "linux")]
            draw_without_compositing(&w);
            Some(w)
        }
        Err(e) => {
            log::warn!("could not open the main window: {e}");
            None
        }
    }
}

/// WebKitGTK composites every page with OpenGL by default; without a GPU (a virtual machine,
/// a remote desktop, Mesa's llvmpipe) that costs the first frame about half a second and the
/// web process some 60 MiB, for a page of cards that has nothing to composite. Measured with
/// `scripts/bench.sh`; WebView2 and WKWebView decide this themselves.
#[cfg(target_os = "linux")]
fn draw_without_compositing<R: Runtime>(w: &tauri::WebviewWindow<R>) {
    let done = w.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = done {
        log::warn!("could not set the webview's drawing: {e}");
    }
}

/// GTK opens OpenGL (Mesa, and with llvmpipe all of LLVM) when it connects to the display,
/// to pick visuals, although this process never draws with it: the webview draws without
/// compositing and the web process has its own. Measured with `scripts/bench.sh`, that was
/// about 12 MiB of private memory all day in the tray. `GDK_GL=disable` tells GTK not to; a
/// value the admin set stays.
#[cfg(target_os = "linux")]
fn no_opengl_in_this_process() {
    // First thing in `run()`, before GTK, the async runtime or any other thread exists, so
    // nothing reads the environment while it changes; `false`: a value already set stays.
    if let Err(e) = webkit2gtk::glib::setenv("GDK_GL", "disable", false) {
        log::warn!("GDK_GL could not be set: {e}");
    }
}

/// Shows `route` (`/settings`): in the window that is open, or in the one about to be made.
pub(crate) fn show_screen<R: Runtime>(app: &tauri::AppHandle<R>, route: &'static str) {
    if app.get_webview_window(MAIN_WINDOW).is_some() {
        show_main_window(app);
        navigate(app, route);
    } else {
        *app.state::<PendingRoute>()
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(route);
        show_main_window(app);
    }
}

/// Shows, restores and focuses the main window, making it first when it is closed (tray
/// "Open", a second launch, a notification without a ticket).
pub(crate) fn show_main_window<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = main_window(app) {
        let _ = w.unminimize();
        if let Err(e) = w.show() {
            log::warn!("could not show the main window: {e}");
        }
        let _ = w.set_focus();
    }
    window_seen(app);
}

/// The event that tells the UI to show a screen (`/settings`), for the tray's menu.
pub const NAVIGATE_EVENT: &str = "app://navigate";

/// Shows a screen of the UI by its route.
pub(crate) fn navigate<R: Runtime>(app: &tauri::AppHandle<R>, route: &str) {
    use tauri::Emitter;
    if let Err(e) = app.emit_to(MAIN_WINDOW, NAVIGATE_EVENT, route) {
        log::warn!("could not show {route}: {e}");
    }
}

fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .targets([
            Target::new(TargetKind::LogDir { file_name: None }),
            Target::new(TargetKind::Stdout),
        ])
        .level(log::LevelFilter::Info)
        .max_file_size(2_000_000)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .build()
}

/// The argument the login item starts the app with: straight into the tray.
const AUTOSTART_ARG: &str = "--minimized";

/// Starts the desktop app. Called by `main`.
pub fn run() {
    let started = std::time::Instant::now();
    #[cfg(target_os = "linux")]
    no_opengl_in_this_process();
    let automation = std::env::var("TAURI_WEBVIEW_AUTOMATION").is_ok_and(|v| v == "true");
    let shell = Shell {
        demo_instance: app_info::demo_instance(
            std::env::var(app_info::DEMO_INSTANCE_ENV).ok().as_deref(),
        ),
        demo_microsoft: app_info::demo_microsoft(
            std::env::var(app_info::DEMO_MICROSOFT_ENV).ok().as_deref(),
        ),
        started,
        locale: i18n::system_locale(),
        pseudo_locale: std::env::var(ticket_bridge_core::i18n::PSEUDO_ENV).is_ok_and(|v| v == "1"),
        start_hidden: std::env::args().any(|a| a == AUTOSTART_ARG),
        policy: None,
    };

    let mut builder = Builder::default();
    // A second launch focuses the first. Must be the first plugin. Skipped under WebDriver,
    // where the test harness starts and stops instances itself.
    if !automation {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }));
    }
    let builder = builder
        .plugin(log_plugin())
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(UpdaterPlugin)
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![AUTOSTART_ARG]),
        ));

    // Secrets live in the OS keychain. Without one, every secret operation says what to do.
    if let Err(e) = ticket_bridge_core::secrets::use_platform_store() {
        log::warn!("no credential store: {}", e.message);
    }
    let app = build_app(
        builder,
        shell,
        Options {
            tray: true,
            ..Options::default()
        },
    )
    .build(tauri::generate_context!())
    .unwrap_or_else(|e| {
        eprintln!("Ticket Bridge could not start: {e}");
        std::process::exit(1);
    });
    app.run(|app, event| {
        // Closing the last window must not end a tray app; an explicit exit (code set) does.
        // Without a tray, closing the window quits.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
            && app
                .state::<TrayPresence>()
                .0
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            api.prevent_exit();
        }
    });
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
    use ticket_bridge_core::servicenow::InstanceUrl;
    use ticket_bridge_core::workspace::MemoryKv;

    struct App {
        app: tauri::App<MockRuntime>,
        _dir: tempfile::TempDir,
    }

    fn app(shell: Shell) -> App {
        let dir = tempfile::tempdir().unwrap();
        let app = build_app(mock_builder(), shell, Options::default())
            .build(mock_context(noop_assets()))
            .unwrap();
        crate::open(
            app.handle(),
            Some(Arc::new(MemoryKv::default())),
            Some(dir.path().to_owned()),
            false,
        )
        .unwrap();
        App { app, _dir: dir }
    }

    /// Calls `cmd` over IPC as the UI does; Ok is the command's value, Err what it rejected with.
    fn invoke(
        app: &App,
        cmd: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let app = &app.app;
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

    /// The UI may call exactly the app's commands: the permission set the capability grants
    /// lists every command of generate_handler!, and nothing else.
    #[test]
    fn the_capability_grants_every_command_and_nothing_more() {
        let lib = include_str!("lib.rs");
        let start = lib.find("generate_handler![").unwrap();
        let block = &lib[start..start + lib[start..].find(']').unwrap()];
        let mut commands: Vec<String> = block
            .split(',')
            .filter_map(|i| i.trim().rsplit("::").next())
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        let set = include_str!("../permissions/app-commands.toml");
        let mut granted: Vec<String> = set
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .filter_map(|l| l.split('"').next())
            .map(str::to_owned)
            .collect();
        commands.sort();
        granted.sort();
        assert!(commands.len() > 40, "{commands:?}");
        assert_eq!(granted, commands);
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        assert_eq!(
            capability["permissions"],
            serde_json::json!([
                "app-commands",
                "core:event:allow-listen",
                "core:event:allow-unlisten"
            ])
        );
    }

    #[test]
    fn app_state_reports_version_language_workspaces_kinds_and_limits() {
        let app = app(Shell {
            demo_instance: Some(InstanceUrl::parse("http://127.0.0.1:8080").unwrap()),
            locale: "ja",
            ..Shell::default()
        });
        let v = invoke(&app, "app_state", serde_json::json!({})).unwrap();
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["workspaces"], serde_json::json!([]));
        assert_eq!(v["selected"], serde_json::Value::Null);
        assert_eq!(v["demoInstance"], "http://127.0.0.1:8080");
        assert_eq!(v["locale"], "ja");
        assert_eq!(v["kinds"].as_array().unwrap().len(), 2);
        assert_eq!(v["limits"]["defaultPort"], 8765);
    }

    #[test]
    fn the_language_setting_changes_what_app_state_says_at_once() {
        let app = app(Shell {
            locale: "fr",
            ..Shell::default()
        });
        let v = invoke(&app, "app_state", serde_json::json!({})).unwrap();
        assert_eq!(v["language"], "system");
        assert_eq!(v["systemLocale"], "fr");
        assert_eq!(
            v["languages"],
            serde_json::json!(["system", "en", "fr", "ja", "nl", "sv", "zh-TW"])
        );
        let set = invoke(
            &app,
            "set_language",
            serde_json::json!({"language": "zh-TW"}),
        )
        .unwrap();
        assert_eq!(set["locale"], "zh-TW");
        let v = invoke(&app, "app_state", serde_json::json!({})).unwrap();
        assert_eq!(
            (v["language"].as_str(), v["locale"].as_str()),
            (Some("zh-TW"), Some("zh-TW"))
        );
        let e = invoke(
            &app,
            "set_language",
            serde_json::json!({"language": "x-pseudo"}),
        )
        .unwrap_err();
        assert_eq!(
            e["reason"], "language",
            "not offered without the test variable"
        );
        let v = invoke(&app, "app_state", serde_json::json!({})).unwrap();
        assert_eq!(v["locale"], "zh-TW", "a refused choice changes nothing");
    }

    #[test]
    fn the_network_setting_crosses_ipc_and_a_bad_proxy_address_is_refused() {
        let app = app(Shell::default());
        let v = invoke(&app, "network_settings", serde_json::json!({})).unwrap();
        assert_eq!(v["mode"], "system");
        assert_eq!(v["passwordSaved"], false);
        let e = invoke(
            &app,
            "set_network",
            serde_json::json!({"mode": "explicit", "address": "socks5://proxy:1080"}),
        )
        .unwrap_err();
        assert_eq!(e["reason"], "proxy_scheme");
        assert_eq!(e["params"]["scheme"], "socks5");
        let v = invoke(
            &app,
            "set_network",
            serde_json::json!({"mode": "system", "address": "http://proxy.contoso.com:8080"}),
        )
        .unwrap();
        assert_eq!(
            (v["mode"].as_str(), v["address"].as_str()),
            (Some("system"), Some("http://proxy.contoso.com:8080"))
        );
    }

    #[test]
    fn errors_cross_ipc_as_kind_message_hint() {
        let app = app(Shell::default());
        let e = invoke(
            &app,
            "connection_status",
            serde_json::json!({"workspace": "ws-00000000"}),
        )
        .unwrap_err();
        assert_eq!(e["kind"], "invalid_input", "an unknown workspace");
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
        assert!(e["hint"].as_str().is_some_and(|h| !h.is_empty()));
        // The form's rules come from Rust, as locale keys.
        let v = invoke(
            &app,
            "check_connect_form",
            serde_json::json!({
                "instance": "contoso", "clientId": " ", "clientSecret": "s",
                "integrationUser": "svc", "port": "80"
            }),
        )
        .unwrap();
        assert_eq!(v["errors"]["clientId"], "validation.clientIdRequired");
        assert_eq!(v["errors"]["port"], "validation.portRange");
        assert_eq!(v["instance"], "https://contoso.service-now.com");
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
