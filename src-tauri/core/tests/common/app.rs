//! The app as a test drives it: the workspace registry on a test host (events and
//! notifications kept, the browser a channel), simulated instances with an OAuth app each.

use super::{SECRET, free_port, mock_keychain};
use servicenow_sim::browser::Browser;
use servicenow_sim::{INTEGRATION_USER, OAuthApp, PASSWORD, RunningSim, SimConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ticket_bridge_core::connection::{ConnectOutcome, ConnectRequest};
use ticket_bridge_core::tickets::notice::Notice;
use ticket_bridge_core::workspace::{
    Event, FileKv, Host, OpenOptions, SettingsKv, Task, Workspaces,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

pub const PATIENCE: Duration = Duration::from_secs(20);

/// The desktop as a test sees it: events and notifications kept, the browser a channel.
pub struct TestHost {
    pub events: Mutex<Vec<Event>>,
    pub notices: Mutex<Vec<Notice>>,
    pub browser: UnboundedSender<String>,
}

impl Host for TestHost {
    fn emit(&self, event: Event) {
        self.events.lock().unwrap().push(event);
    }
    fn notify(&self, notice: &Notice, _open: Option<String>) {
        self.notices.lock().unwrap().push(notice.clone());
    }
    fn open_url(&self, url: &str) -> ticket_bridge_core::Result<()> {
        let _ = self.browser.send(url.to_owned());
        Ok(())
    }
    fn tray_changed(&self) {}
    fn window_in_front(&self) -> bool {
        false
    }
    fn window_visible(&self) -> bool {
        true
    }
    fn spawn(&self, task: Task) {
        tokio::spawn(task);
    }
}

/// A simulated instance with an OAuth app for a port of its own.
pub struct Instance {
    pub sim: RunningSim,
    pub port: u16,
    pub client_id: String,
}

pub async fn instance(name: &str) -> Instance {
    mock_keychain();
    let sim = servicenow_sim::start(SimConfig {
        seed: servicenow_sim::Seed::Empty,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let port = free_port();
    let client_id = format!("tb-ws-{name}");
    sim.handle().add_oauth_app(OAuthApp {
        name: "Ticket Bridge".into(),
        client_id: client_id.clone(),
        client_secret: Some(SECRET.into()),
        redirect_urls: vec![format!("http://127.0.0.1:{port}/callback")],
        pkce_required: false,
        issue_refresh_token: true,
    });
    Instance {
        sim,
        port,
        client_id,
    }
}

impl Instance {
    pub fn request(&self) -> ConnectRequest {
        ConnectRequest {
            instance: self.sim.base_url(),
            client_id: self.client_id.clone(),
            client_secret: Some(SECRET.into()),
            integration_user: INTEGRATION_USER.into(),
            port: Some(self.port),
        }
    }

    /// Ticket Bridge's records in either table.
    pub fn created(&self) -> Vec<serde_json::Value> {
        ["incident", "change_request"]
            .into_iter()
            .flat_map(|t| self.sim.handle().records(t))
            .filter(|r| r["correlation_display"] == "Ticket Bridge")
            .collect()
    }

    pub fn table_posts(&self) -> usize {
        self.sim
            .handle()
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/api/now/table/"))
            .count()
    }
}

pub struct App {
    pub registry: Arc<Workspaces>,
    pub host: Arc<TestHost>,
    pub browser: UnboundedReceiver<String>,
    pub _dir: tempfile::TempDir,
}

pub fn open_in(dir: tempfile::TempDir) -> App {
    let (tx, rx) = unbounded_channel();
    let host = Arc::new(TestHost {
        events: Mutex::default(),
        notices: Mutex::default(),
        browser: tx,
    });
    let kv: Arc<dyn SettingsKv> = Arc::new(FileKv::open(dir.path().join("settings.json")));
    let registry = Workspaces::open(
        dir.path(),
        kv,
        host.clone(),
        "en",
        OpenOptions {
            callback_timeout: Duration::from_secs(30),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    registry.start();
    App {
        registry,
        host,
        browser: rx,
        _dir: dir,
    }
}

impl App {
    /// Signs in through the browser as the integration user; returns the workspace's id.
    pub async fn connect(&mut self, target: Option<&str>, inst: &Instance) -> String {
        let registry = self.registry.clone();
        let (target, request) = (target.map(str::to_owned), inst.request());
        let finish =
            tokio::spawn(async move { registry.connect(target.as_deref(), request).await });
        let url = tokio::time::timeout(PATIENCE, self.browser.recv())
            .await
            .expect("the app opened the browser")
            .unwrap();
        let mut browser = Browser::new(&inst.sim.base_url());
        let callback = browser
            .authorize_as(&url, INTEGRATION_USER, PASSWORD, true)
            .await;
        assert_eq!(reqwest::get(&callback).await.unwrap().status(), 200);
        let result = finish.await.unwrap().unwrap();
        assert!(
            matches!(result.outcome, ConnectOutcome::Connected { .. }),
            "{result:?}"
        );
        result.workspace
    }
}

/// Waits until `done` holds, checking whenever the runtime lets other tasks run.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} never happened"));
}
