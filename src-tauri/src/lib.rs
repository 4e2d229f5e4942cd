//! `ticket-bridge`: the Tauri shell of Ticket Bridge.
//!
//! This crate wires the window, the tray, the plugins and the IPC commands; it holds no business
//! logic. Everything worth testing lives in `ticket-bridge-core`, which never imports Tauri.
//! [`build_app`] is generic over the runtime so the commands can be exercised with
//! `tauri::test::mock_builder()`; [`run`] adds the desktop-only plugins and starts the real app.

mod commands;
mod events;
mod i18n;
mod notify;
mod sender;
mod settings;
mod tray;
mod watch;

use std::sync::Arc;
use tauri::{Builder, Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_store::StoreExt;
use ticket_bridge_core::app_info;
use ticket_bridge_core::connection::{ConnectionManager, SettingsStore};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::tickets::service::TicketService;

/// The label of the one main window (see `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// What the shell decides once, at start, from its environment.
#[derive(Debug, Clone)]
pub struct Shell {
    /// The instance the demo command points the app at (pre-fills the setup form).
    pub demo_instance: Option<InstanceUrl>,
    /// When the process started, for the "ui ready" log line the start benchmark reads.
    pub started: std::time::Instant,
    /// The operating system's language, matched to the six the app speaks.
    pub locale: &'static str,
    /// Started at login (`--minimized`): stay in the tray, keep the window closed.
    pub start_hidden: bool,
}

impl Default for Shell {
    fn default() -> Self {
        Self {
            demo_instance: None,
            started: std::time::Instant::now(),
            locale: "en",
            start_hidden: false,
        }
    }
}

/// Whether the tray exists: without it, closing the window must quit, or the app would be
/// left running with no way back.
#[derive(Debug, Default)]
pub(crate) struct TrayPresence(pub std::sync::atomic::AtomicBool);

/// What differs between the desktop app and a test on the mock runtime.
#[derive(Default)]
pub struct Options {
    /// Build the tray (false in tests that have no desktop).
    pub tray: bool,
    /// Where connection settings live; `None` means `settings.json` through tauri-plugin-store.
    pub settings: Option<Arc<dyn SettingsStore>>,
}

/// Everything that works the same with the real and the mock runtime: managed state, commands,
/// window behaviour, and the saved connection restored in the background.
pub fn build_app<R: Runtime>(builder: Builder<R>, shell: Shell, options: Options) -> Builder<R> {
    let Options { tray, settings } = options;
    // With settings given (tests), the manager exists before setup; otherwise setup opens the
    // store file first.
    let given = settings.map(|s| Arc::new(ConnectionManager::new(s)));
    let builder = match &given {
        // Tests: the watcher's settings live in memory.
        Some(m) => builder.manage(m.clone()).manage(Arc::new(watch::Watch::new(
            Default::default(),
            None,
            Box::new(|_, _| {}),
        ))),
        None => builder,
    };
    builder
        .manage(shell)
        .manage(TrayPresence::default())
        .invoke_handler(tauri::generate_handler![
            commands::home::app_state,
            commands::home::ui_ready,
            commands::connection::connect,
            commands::connection::reauthorize,
            commands::connection::sign_in_again,
            commands::connection::keep_account,
            commands::connection::cancel_connect,
            commands::connection::connection_status,
            commands::connection::check_connection,
            commands::connection::remove_connection,
            commands::tickets::list_actions,
            commands::tickets::add_action,
            commands::tickets::open_ticket_for_action,
            commands::tickets::preview_task,
            commands::tickets::submit_task,
            commands::tickets::outbox_list,
            commands::tickets::outbox_retry,
            commands::tickets::outbox_discard,
            commands::tickets::list_tickets,
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
        ])
        .setup(move |app| {
            let manager = match given {
                Some(m) => m,
                None => {
                    let file = app.store(settings::FILE)?;
                    let store: Arc<dyn SettingsStore> =
                        Arc::new(settings::StoreSettings(file.clone()));
                    let m = Arc::new(ConnectionManager::new(store));
                    app.manage(m.clone());
                    let (prefs, paused) = settings::load_watch(&file);
                    app.manage(Arc::new(watch::Watch::new(
                        prefs,
                        paused,
                        Box::new(move |p, until| settings::save_watch(&file, p, until)),
                    )));
                    m
                }
            };
            // Tickets: the outbox and the ticket cache in the app's data folder, and the
            // background sender.
            let data_dir = app.path().app_data_dir()?;
            let tickets = Arc::new(TicketService::open(&data_dir, manager.clone())?);
            app.manage(tickets.clone());
            sender::start(app.handle(), tickets.clone());
            // Clicks on notifications are reported only to a handler that exists before the
            // first one is shown.
            if app
                .try_state::<tauri_plugin_notification::Notification<R>>()
                .is_some()
            {
                notify::install(app.handle());
            }
            // The tray first (the watcher updates it), then the watcher.
            if tray {
                let built = tray::install(app.handle());
                app.state::<TrayPresence>()
                    .0
                    .store(built, std::sync::atomic::Ordering::SeqCst);
                if built
                    && app.state::<Shell>().start_hidden
                    && let Some(w) = app.get_webview_window(MAIN_WINDOW)
                {
                    let _ = w.hide();
                }
            }
            watch::start(app.handle(), tickets);
            // Restore the saved connection (keychain and settings, no network) in the
            // background, then let the sender look at the outbox.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match manager.restore().await {
                    Ok(Some(info)) => {
                        events::connection_changed(&handle, Some(&info));
                        sender::refresh(&handle);
                        watch::wake(&handle);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        log::warn!("the saved connection could not be restored: {}", e.message)
                    }
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::Focused(true) = event {
                watch::window_seen(window.app_handle());
            }
            if let WindowEvent::CloseRequested { api, .. } = event {
                let tray = window.app_handle().state::<TrayPresence>();
                if window.label() == MAIN_WINDOW && tray.0.load(std::sync::atomic::Ordering::SeqCst)
                {
                    // Keep living in the tray; "Quit" in the tray menu ends the app.
                    api.prevent_close();
                    if let Err(e) = window.hide() {
                        log::warn!("could not hide the main window: {e}");
                    }
                }
            }
        })
}

/// Shows, restores and focuses the main window (tray "Open", a second launch).
pub(crate) fn show_main_window<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        if let Err(e) = w.show() {
            log::warn!("could not show the main window: {e}");
        }
        let _ = w.set_focus();
    }
    watch::window_seen(app);
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
    let automation = std::env::var("TAURI_WEBVIEW_AUTOMATION").is_ok_and(|v| v == "true");
    let shell = Shell {
        demo_instance: app_info::demo_instance(
            std::env::var(app_info::DEMO_INSTANCE_ENV).ok().as_deref(),
        ),
        started,
        locale: i18n::system_locale(),
        start_hidden: std::env::args().any(|a| a == AUTOSTART_ARG),
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
            settings: None,
        },
    )
    .build(tauri::generate_context!())
    .unwrap_or_else(|e| {
        eprintln!("Ticket Bridge could not start: {e}");
        std::process::exit(1);
    });
    app.run(|_app, event| {
        // Closing the last window must not end a tray app; an explicit exit (code set) does.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}
