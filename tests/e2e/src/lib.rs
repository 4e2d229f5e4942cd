//! The end-to-end harness for Ticket Bridge.
//!
//! A test gets a [`Harness`]: the ServiceNow simulator on 127.0.0.1, a notification server on the
//! session bus, the built app in a real WebKitGTK window driven by `tauri-driver`, and, when a
//! test needs the sign-in page, headless Chromium through chromedriver ([`Harness::browser`]).
//! Whatever the app opens "in the system browser" goes through `$BROWSER`, which here is a
//! script that writes the URL down; [`Harness::opened_urls`] reads them.
//!
//! The environment (Xvfb, `dbus-run-session`, an unlocked gnome-keyring, a fresh `HOME`) is set
//! up by `tests/e2e/run.sh`, which also builds the app. Every process a test starts is ended by
//! its id when the harness finishes or is dropped. Screenshots and logs go to
//! `target/e2e/<test name>/`.

pub mod notifications;
pub mod process;
pub mod standalone;
pub mod steps;
pub mod tray;
pub mod update_server;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use notifications::NotificationServer;
use process::{Guard, free_port, wait_for_port};
use servicenow_sim::microsoft::RunningMicrosoft;
use servicenow_sim::{RunningSim, SimConfig};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub use fantoccini::Locator;

/// The native title of the app's main window (tauri.conf.json).
pub const WINDOW_TITLE: &str = "Ticket Bridge";

/// How long a test waits for anything to appear before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/e2e sits two levels below the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The app binary under test: `$TB_APP_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    let bin = std::env::var_os("TB_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("ticket-bridge"));
    assert!(
        bin.is_file(),
        "{} does not exist: build it with `cargo build -p ticket-bridge` (tests/e2e/run.sh does)",
        bin.display()
    );
    bin
}

/// Whether a request the simulator logged is one of the watcher's polls.
pub fn is_watch_poll(r: &servicenow_sim::RequestRecord) -> bool {
    // The watcher's query is the one ordered by the last change (the full sync orders by
    // creation, the duplicate check by creation, newest first).
    r.path == "/api/now/table/task"
        && r.query
            .as_deref()
            .is_some_and(|q| q.contains("ORDERBYsys_updated_on"))
}

/// Options for one app start.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The `LANG` the app starts with (its UI language follows it).
    pub lang: String,
    /// The desktop's dark theme (`GTK_THEME=Adwaita:dark`): the webview then prefers dark.
    pub dark: bool,
    /// More variables for the app (a policy file, an update server).
    pub env: Vec<(String, String)>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            lang: "en_US.UTF-8".into(),
            dark: false,
            env: Vec::new(),
        }
    }
}

/// The output folder of a test or a group of checks: `target/e2e/<name>/`, emptied first.
pub fn output_dir(name: &str) -> PathBuf {
    fresh_dir(&target_dir().join("e2e").join(name))
}

/// Starts chromedriver and a headless Chromium session with an empty profile inside `out_dir`.
/// The returned guard ends chromedriver and the browser it started.
pub async fn chromium(out_dir: &Path) -> (Client, Guard) {
    let port = free_port();
    let profile = fresh_dir(&out_dir.join("chromium-profile"));
    let mut cmd = Command::new("chromedriver");
    cmd.arg(format!("--port={port}"));
    let guard = Guard::spawn("chromedriver", cmd, &out_dir.join("chromedriver.log"))
        .expect("chromedriver is not installed (Debian package chromium-driver)");
    assert!(
        wait_for_port(port, PATIENCE).await,
        "chromedriver did not start"
    );
    let client = webdriver_session(
        port,
        serde_json::json!({
            "browserName": "chrome",
            // The admin's browser trusts what their computer trusts; this one is a fresh
            // profile, so it takes a simulator's test CA (HTTPS tests) as given. The app
            // itself never does: its trust is the test's SSL_CERT_FILE or nothing.
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1000,760",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }),
    )
    .await;
    (client, guard)
}

/// A running app and everything around it.
pub struct Harness {
    pub out_dir: PathBuf,
    pub sim: RunningSim,
    /// The Microsoft identity platform and Graph's Secure Score (the demo tenant); the app's
    /// sign-in form is pre-filled with it, as the demo command does.
    pub microsoft: RunningMicrosoft,
    pub notifications: NotificationServer,
    /// The X display's system tray (trayer), when installed.
    pub tray: Option<tray::TrayHost>,
    app: Option<Client>,
    app_driver: Guard,
    browser: Option<(Client, Guard)>,
    shots: usize,
    opts: AppOptions,
    launches: usize,
}

/// Starts tauri-driver and a session of the app with the test's private folders.
async fn launch_app(
    out_dir: &Path,
    sim_url: &str,
    microsoft_url: &str,
    opts: &AppOptions,
    log: &str,
) -> (Client, Guard) {
    let home = out_dir.join("app-home");
    let opener = out_dir.join("open-url");
    let port = free_port();
    let native_port = free_port();
    let mut cmd = Command::new("tauri-driver");
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native_port.to_string(),
    ])
    .env("XDG_CONFIG_HOME", home.join("config"))
    .env("XDG_DATA_HOME", home.join("data"))
    .env("XDG_CACHE_HOME", home.join("cache"))
    .env("BROWSER", &opener)
    .env("LANG", &opts.lang)
    .env("LANGUAGE", opts.lang.split('.').next().unwrap_or("en_US"))
    .env("TICKET_BRIDGE_DEMO_INSTANCE", sim_url)
    // Settings offers the pseudo-locale (accented, 40 % longer) for the language test.
    .env(ticket_bridge_core::i18n::PSEUDO_ENV, "1")
    .env(
        "TICKET_BRIDGE_DEMO_MICROSOFT",
        format!(
            "{microsoft_url} {} {}",
            servicenow_sim::microsoft::MS_TENANT_DOMAIN,
            servicenow_sim::microsoft::MS_CLIENT_ID
        ),
    )
    .env("RUST_BACKTRACE", "1");
    if opts.dark {
        cmd.env("GTK_THEME", "Adwaita:dark");
    }
    for (name, value) in &opts.env {
        cmd.env(name, value);
    }
    let driver = Guard::spawn("tauri-driver", cmd, &out_dir.join(log))
        .expect("tauri-driver is not installed: cargo install tauri-driver --locked");
    assert!(
        wait_for_port(port, PATIENCE).await,
        "tauri-driver did not listen on port {port}; see {}",
        out_dir.join(log).display()
    );
    let app = webdriver_session(
        port,
        serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app_binary() },
        }),
    )
    .await;
    (app, driver)
}

/// When `1`, [`Harness::doc_shot`] writes the README's screenshots.
pub const DOCS_ENV: &str = "TICKET_BRIDGE_UPDATE_SCREENSHOTS";

/// The folder of the README's screenshots.
pub fn docs_screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

fn publish(shot: &Path, name: &str) {
    if std::env::var(DOCS_ENV).is_ok_and(|v| v == "1") {
        let to = docs_screenshots().join(format!("{name}.png"));
        std::fs::copy(shot, &to)
            .unwrap_or_else(|e| panic!("could not write {}: {e}", to.display()));
    }
}

fn check_environment() {
    for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the end-to-end tests through tests/e2e/run.sh"
        );
    }
}

/// How many colours a picture has (ImageMagick's `identify`); 0 when it cannot tell.
fn distinct_colours(path: &Path) -> u64 {
    Command::new("identify")
        .args(["-format", "%k"])
        .arg(path)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn fresh_dir(path: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(path);
    std::fs::create_dir_all(path).expect("cannot create the test output folder");
    path.to_path_buf()
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn webdriver_session(port: u16, caps: serde_json::Value) -> Client {
    let caps: Capabilities = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("capabilities are an object"),
    };
    // tauri-driver listens before the native driver behind it does: until that one answers,
    // a new session fails to connect. Try again until it does, or PATIENCE runs out.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e)
                if tokio::time::Instant::now() < deadline
                    && e.to_string().contains("did not respond") =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no WebDriver session on port {port}: {e}"),
        }
    }
}

impl Harness {
    /// The app's data folder in the test's private home.
    pub fn app_data_dir(&self) -> PathBuf {
        self.out_dir.join("app-home/data/com.ticketbridge.desktop")
    }

    /// The app's own log so far (its log folder, every launch, oldest file first).
    pub fn app_output(&self) -> String {
        let dir = self.app_data_dir().join("logs");
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        logs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        logs.iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect()
    }

    /// The app's settings file, as it is on disk now (`null` before the first write).
    pub fn settings(&self) -> serde_json::Value {
        std::fs::read(self.app_data_dir().join("settings.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The workspaces the settings file lists: `(id, instance)`, in order.
    pub fn workspaces(&self) -> Vec<(String, String)> {
        self.settings()["workspaces"]["list"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| {
                (
                    w["id"].as_str().unwrap_or_default().to_owned(),
                    w["instance"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The workspace of the instance at `base`.
    pub fn workspace_of(&self, base: &str) -> String {
        self.workspaces()
            .into_iter()
            .find(|(_, i)| i == base)
            .map(|(id, _)| id)
            .unwrap_or_else(|| panic!("no workspace for {base}: {:?}", self.workspaces()))
    }

    /// Starts the simulator with `sim`, then the app with `opts`. `name` names the output folder.
    pub async fn start(name: &str, sim: SimConfig, opts: AppOptions) -> Self {
        check_environment();
        let out_dir = output_dir(name);
        let sim = servicenow_sim::start(sim)
            .await
            .expect("the simulator did not start");
        let microsoft = servicenow_sim::microsoft::start(Default::default())
            .await
            .expect("the Microsoft simulator did not start");
        let notifications = NotificationServer::start()
            .await
            .expect("cannot own org.freedesktop.Notifications on the session bus");

        // The app's own folders, inside the output folder, so a test can read what it wrote.
        let home = out_dir.join("app-home");
        for sub in ["config", "data", "cache"] {
            std::fs::create_dir_all(home.join(sub)).unwrap();
        }
        let opener = out_dir.join("open-url");
        let opened = out_dir.join("opened-urls.txt");
        write_executable(
            &opener,
            &format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                opened.display()
            ),
        );

        // Register the recorder as this session's browser the XDG way, as a desktop would:
        // xdg-open asks xdg-mime for the http(s) handler before it looks at $BROWSER.
        let apps = home.join("data").join("applications");
        std::fs::create_dir_all(&apps).unwrap();
        std::fs::write(
            apps.join("tb-test-browser.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Test browser\nExec={} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n",
                opener.display()
            ),
        )
        .unwrap();
        std::fs::write(
            home.join("config").join("mimeapps.list"),
            "[Default Applications]\nx-scheme-handler/http=tb-test-browser.desktop\nx-scheme-handler/https=tb-test-browser.desktop\n",
        )
        .unwrap();

        // The tray first: the app's tray icon looks for one when it is made.
        let tray = tray::TrayHost::start(&out_dir.join("trayer.log")).await;
        let (app, app_driver) = launch_app(
            &out_dir,
            &sim.base_url(),
            &microsoft.base_url(),
            &opts,
            "app.log",
        )
        .await;
        Self {
            out_dir,
            sim,
            microsoft,
            notifications,
            tray,
            app: Some(app),
            app_driver,
            browser: None,
            shots: 0,
            opts,
            launches: 1,
        }
    }

    /// Kills the app with SIGKILL, as a crash or a power cut would: no chance to save anything.
    /// [`Harness::restart_app`] starts it again.
    pub fn kill_app(&mut self) {
        let root = self.app_driver.id().expect("tauri-driver runs");
        let app = process::descendants(root)
            .into_iter()
            .find(|(_, name)| name == "ticket-bridge")
            .expect("the app's process");
        let _ = Command::new("kill")
            .args(["-KILL", &app.0.to_string()])
            .status();
        let deadline = std::time::Instant::now() + PATIENCE;
        while Path::new(&format!("/proc/{}", app.0)).exists()
            && std::fs::read_to_string(format!("/proc/{}/stat", app.0))
                .is_ok_and(|s| !s.contains(") Z "))
        {
            assert!(std::time::Instant::now() < deadline, "the app did not die");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The options the next [`Harness::restart_app`] starts the app with.
    pub fn options_mut(&mut self) -> &mut AppOptions {
        &mut self.opts
    }

    /// Quits the app and starts it again with the same data, settings and keychain, as a
    /// person would after a restart of the computer.
    pub async fn restart_app(&mut self) {
        if let Some(app) = self.app.take() {
            let _ = app.close().await;
        }
        self.app_driver.stop();
        self.launches += 1;
        let log = format!("app-{}.log", self.launches);
        let (app, driver) = launch_app(
            &self.out_dir,
            &self.sim.base_url(),
            &self.microsoft.base_url(),
            &self.opts,
            &log,
        )
        .await;
        self.app = Some(app);
        self.app_driver = driver;
    }

    /// The WebDriver session of the app's main window.
    pub fn app(&self) -> &Client {
        self.app.as_ref().expect("the app session is open")
    }

    /// Waits for an element of the app's window to exist and be displayed. `selector` is CSS,
    /// so a test can wait for a settled state, e.g. `#connection-card:not([aria-busy])`.
    pub async fn wait_visible(&self, selector: &str) -> fantoccini::elements::Element {
        // The screens redraw what changes (a new score, a ticket list): an element found a
        // moment ago may be replaced before it is looked at. Look again until one is shown.
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last;
        loop {
            match self.app().find(Locator::Css(selector)).await {
                Ok(el) => match el.is_displayed().await {
                    Ok(true) => return el,
                    Ok(false) => last = "exists but is not displayed".into(),
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e.to_string(),
            }
            if tokio::time::Instant::now() >= deadline {
                let shot = self.out_dir.join("failure.png");
                let _ = Command::new("import")
                    .args(["-window", WINDOW_TITLE])
                    .arg(&shot)
                    .status();
                panic!(
                    "{selector} never appeared: {last} (the window: {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element shows text containing `what`; returns its text. Read by script
    /// (WebKitWebDriver's own text of some elements is empty), only while it is displayed.
    pub async fn wait_text(&self, selector: &str, what: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let now = self
                .app()
                .execute(
                    "const e = document.querySelector(arguments[0]);\
                     return e && !e.closest('[hidden]') && e.getClientRects().length ? e.innerText : null;",
                    vec![serde_json::json!(selector)],
                )
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            if let Some(text) = now.as_deref().filter(|t| t.contains(what)) {
                return text.to_owned();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{selector} never showed {what:?}: {now:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Goes to a screen (`#/actions`, `#/manage`, …).
    pub async fn go(&self, hash: &str) {
        self.app()
            .execute(
                "location.hash = arguments[0]",
                vec![serde_json::json!(hash)],
            )
            .await
            .expect("the page takes a new hash");
    }

    fn next_shot(&mut self, label: &str) -> PathBuf {
        self.shots += 1;
        self.out_dir.join(format!("{:02}-{label}.png", self.shots))
    }

    /// Saves a screenshot of the app's window as `NN-label.png` and returns its path.
    ///
    /// The picture is taken from the X server (ImageMagick's `import` of the window named
    /// "Ticket Bridge"), which is what a person would see. WebKitGTK's own WebDriver snapshot
    /// leaves parts of the page black under Xvfb, so it is only the fallback.
    pub async fn shot(&mut self, label: &str) -> PathBuf {
        let path = self.next_shot(label);
        let mut x11 = false;
        // The DOM can be ready before the window shows it: wait for two presented frames, and
        // take the picture again while the window is still blank (one colour).
        for _ in 0..20 {
            self.app()
                .execute_async(
                    "const done = arguments[arguments.length - 1];\
                     requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                    vec![],
                )
                .await
                .expect("the page stopped rendering");
            x11 = Command::new("import")
                .args(["-window", WINDOW_TITLE])
                .arg(&path)
                .status()
                .is_ok_and(|s| s.success());
            if !x11 || distinct_colours(&path) > 1 {
                break;
            }
        }
        if !x11 {
            let png = self.app().screenshot().await.expect("no screenshot");
            std::fs::write(&path, png).unwrap();
        }
        path
    }

    /// A screenshot the README shows: saved like [`Self::shot`] and, when the variable
    /// [`DOCS_ENV`] is `1` (`scripts/screenshots.sh`), copied over `docs/screenshots/<name>.png`,
    /// so the README's pictures come from the tests and none is left stale.
    pub async fn doc_shot(&mut self, name: &str) -> PathBuf {
        let path = self.shot(name).await;
        publish(&path, name);
        path
    }

    /// The tray menu, for the README (see [`Self::doc_shot`]).
    pub async fn tray_menu_doc_shot(&mut self, name: &str) -> PathBuf {
        let path = self.tray_menu_shot(name).await;
        publish(&path, name);
        path
    }

    /// Opens the tray menu and saves a picture of it as `NN-label.png`.
    pub async fn tray_menu_shot(&mut self, label: &str) -> PathBuf {
        let path = self.next_shot(label);
        let tray = self
            .tray
            .as_ref()
            .expect("no tray on this display: install trayer and xdotool (scripts/deps.sh test)");
        let menu = tray
            .open_menu(PATIENCE)
            .await
            .expect("the tray menu did not open");
        assert!(tray.shot(&path, Some(menu)), "no picture of the tray menu");
        path
    }

    /// Saves a screenshot of the browser (sign-in pages).
    pub async fn browser_shot(&mut self, label: &str) -> PathBuf {
        let png = self
            .browser
            .as_ref()
            .expect("no browser started")
            .0
            .screenshot()
            .await
            .expect("no browser screenshot");
        let path = self.next_shot(&format!("browser-{label}"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Types `text` into the field `#id` of the app's window, replacing what is there. A screen
    /// may draw a part again while the test types (a score read arriving): the field is then
    /// found again and typed into again, until the field shown holds the text.
    pub async fn fill(&self, id: &str, text: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let field = self.wait_visible(&format!("#{id}")).await;
            let typed = async {
                field.clear().await?;
                if !text.is_empty() {
                    field.send_keys(text).await?;
                }
                Ok::<_, fantoccini::error::CmdError>(())
            }
            .await;
            let shown = self
                .app()
                .execute(
                    "const e = document.getElementById(arguments[0]); return e ? e.value : null;",
                    vec![serde_json::json!(id)],
                )
                .await
                .ok();
            if typed.is_ok() && shown.as_ref().and_then(|v| v.as_str()) == Some(text) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "#{id} never held {text:?} ({typed:?}, shown {shown:?})"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `selector`, a control that navigates, until the page's hash starts with `hash`. A
    /// list drawn again under the pointer (a score read arriving) can swallow one click, as it
    /// would a person's; like a person, the test then clicks again.
    pub async fn click_to(&self, selector: &str, hash: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            self.click(selector).await;
            let clicked = tokio::time::Instant::now();
            while clicked.elapsed() < Duration::from_secs(3) {
                let now = self
                    .app()
                    .execute("return location.hash", vec![])
                    .await
                    .unwrap();
                if now.as_str().is_some_and(|h| h.starts_with(hash)) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "clicking {selector} never led to {hash}"
            );
        }
    }

    /// Scrolls the first element matching `selector` (if any) to the middle of the window, for
    /// a screenshot of it.
    pub async fn scroll_to(&self, selector: &str) {
        self.app()
            .execute(
                "document.querySelector(arguments[0])?.scrollIntoView({block: 'center'});",
                vec![serde_json::json!(selector)],
            )
            .await
            .unwrap();
    }

    /// Clicks `selector` in the app's window once it is displayed, after scrolling it to the
    /// middle of the window (the sticky header would otherwise cover what sits at the top).
    ///
    /// A screen may draw its list again between finding the element and clicking it (a score
    /// read arriving): WebDriver then refuses the click on the node that left the page (stale,
    /// not found, intercepted) and dispatches nothing, so the element is found again and
    /// clicked again, until the patience runs out.
    pub async fn click(&self, selector: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let el = self.wait_visible(selector).await;
            let _ = self
                .app()
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![serde_json::to_value(&el).unwrap()],
                )
                .await;
            match el.click().await {
                Ok(()) => return,
                Err(e) if refused_before_dispatch(&e) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("could not click {selector}: {e}"),
            }
        }
    }

    /// Waits until the app has asked the system browser to open `n` URLs; returns the last.
    pub async fn wait_opened_url(&self, n: usize) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let urls = self.opened_urls();
            if urls.len() >= n {
                return urls[n - 1].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the app opened {} URLs, expected {n}",
                urls.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails if any of `secrets` appears in a file the app wrote (settings, logs, WebKit's
    /// caches and storage, under its private XDG folders) or in its output.
    pub fn assert_no_secrets(&self, secrets: &[&str]) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.out_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("app") && n.ends_with(".log"))
            })
            .collect();
        let mut dirs = vec![self.out_dir.join("app-home")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 3, "the app wrote nothing to scan: {files:?}");
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_default();
            for secret in secrets {
                assert!(secret.len() >= 8, "too short to scan for");
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "a secret was written to {}",
                    file.display()
                );
            }
        }
    }

    /// The URLs the app asked the system browser to open, in order.
    pub fn opened_urls(&self) -> Vec<String> {
        std::fs::read_to_string(self.out_dir.join("opened-urls.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Headless Chromium, started on first use, with its own empty profile.
    pub async fn browser(&mut self) -> &Client {
        if self.browser.is_none() {
            self.browser = Some(chromium(&self.out_dir).await);
        }
        &self.browser.as_ref().unwrap().0
    }

    /// Ends the sessions, then every process the harness started, then the simulator.
    pub async fn finish(mut self) {
        if let Some(app) = self.app.take() {
            let _ = app.close().await;
        }
        if let Some((client, mut guard)) = self.browser.take() {
            let _ = client.close().await;
            guard.stop();
        }
        self.app_driver.stop();
        let Self { sim, .. } = self;
        sim.shutdown().await;
    }

    /// How many times the watcher has polled the simulator (one `task` request with
    /// `sysparm_no_count` each).
    pub fn watch_polls(&self) -> usize {
        self.sim
            .handle()
            .requests()
            .iter()
            .filter(|r| is_watch_poll(r))
            .count()
    }

    /// The process id of tauri-driver (the app runs in its process group).
    pub fn app_driver_pid(&self) -> Option<u32> {
        self.app_driver.id()
    }
}

/// Whether WebDriver refused a click before sending any event: the element left the page or
/// something covered it for a moment. WebKitWebDriver words a node that was replaced as
/// "Node with identifier … was not found".
fn refused_before_dispatch(e: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::{CmdError, ErrorStatus};
    match e {
        CmdError::Standard(w) => {
            matches!(
                w.error,
                ErrorStatus::StaleElementReference
                    | ErrorStatus::NoSuchElement
                    | ErrorStatus::ElementClickIntercepted
                    | ErrorStatus::ElementNotInteractable
            ) || w.message.contains("was not found")
        }
        _ => false,
    }
}
