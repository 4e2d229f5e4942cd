//! What the integration tests share: a simulator with an OAuth app registered for a port of
//! the test's own, a ConnectionManager with in-memory settings, keyring-core's mock store, and
//! a sign-in driven by the scripted browser against the real loopback listener.
#![allow(dead_code)]

use servicenow_sim::browser::Browser;
use servicenow_sim::{INTEGRATION_USER, OAuthApp, PASSWORD, RunningSim, Scenario, SimConfig};
use std::sync::{Arc, Once};
use std::time::Duration;
use ticket_bridge_core::connection::{
    ConnectOutcome, ConnectRequest, ConnectionManager, MemorySettings,
};
use ticket_bridge_core::secrets::Keychain;
use ticket_bridge_core::servicenow::InstanceUrl;

pub mod app;
pub mod tinyproxy;

/// Whether this test runs in a D-Bus session with a Secret Service (tests/e2e/session.sh gives
/// one). CI must; elsewhere the caller says what it does instead (skips, or uses the mock store).
pub fn keychain_session() -> bool {
    let there = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    assert!(
        there || std::env::var_os("CI").is_none(),
        "CI must run this inside tests/e2e/session.sh (a D-Bus session with gnome-keyring)"
    );
    there
}

pub fn mock_keychain() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    });
}

/// A port for a redirect URL that is free now and stays free for the test: taken at random
/// below Linux's ephemeral range (32768-60999), so that no listener bound to port 0 (a
/// simulator, the Microsoft sign-in's loopback) of a test running beside this one can be given
/// it between now and the sign-in, as happened with ports the OS handed out.
pub fn free_port() -> u16 {
    loop {
        let port = rand::random_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub struct World {
    pub sim: RunningSim,
    pub port: u16,
    pub client_id: String,
    pub settings: Arc<MemorySettings>,
    pub manager: Arc<ConnectionManager>,
}

pub const SECRET: &str = "test-secret-change-me";
/// The workspace id the tests' connections are filed under.
pub const WORKSPACE: &str = "ws-0000test";

/// A simulator with an OAuth app registered for a port of this test's own.
pub async fn world(name: &str, scenarios: Vec<Scenario>, public: bool) -> World {
    world_with(
        name,
        SimConfig {
            scenarios,
            ..SimConfig::default()
        },
        public,
    )
    .await
}

/// [`world`] with a simulator started from `config` (over TLS, on another address).
pub async fn world_with(name: &str, config: SimConfig, public: bool) -> World {
    mock_keychain();
    let sim = servicenow_sim::start(config).await.unwrap();
    let port = free_port();
    let client_id = format!("tb-test-{name}");
    sim.handle().add_oauth_app(OAuthApp {
        name: "Ticket Bridge".into(),
        client_id: client_id.clone(),
        client_secret: (!public).then(|| SECRET.to_string()),
        redirect_urls: vec![format!("http://127.0.0.1:{port}/callback")],
        pkce_required: public,
        issue_refresh_token: !public,
    });
    let settings = Arc::new(MemorySettings::default());
    let manager = Arc::new(
        ConnectionManager::new(WORKSPACE, settings.clone())
            .with_callback_timeout(Duration::from_secs(30)),
    );
    World {
        sim,
        port,
        client_id,
        settings,
        manager,
    }
}

impl World {
    pub fn request(&self, secret: Option<&str>) -> ConnectRequest {
        ConnectRequest {
            instance: self.sim.base_url(),
            client_id: self.client_id.clone(),
            client_secret: secret.map(str::to_owned),
            integration_user: INTEGRATION_USER.into(),
            port: Some(self.port),
        }
    }

    pub fn keychain(&self) -> Keychain {
        Keychain::for_workspace(
            WORKSPACE,
            &InstanceUrl::parse(&self.sim.base_url()).unwrap(),
            &self.client_id,
        )
    }

    /// Runs `finish` while the browser signs in as `user` and follows the redirect to the
    /// loopback listener, as the system browser would.
    pub async fn sign_in(&self, browser: &mut Browser, url: &str, user: &str) -> ConnectOutcome {
        let manager = self.manager.clone();
        let finish = tokio::spawn(async move { manager.finish().await });
        let callback = browser.authorize_as(url, user, PASSWORD, true).await;
        assert!(
            callback.starts_with(&format!("http://127.0.0.1:{}/callback?", self.port)),
            "{callback}"
        );
        let page = reqwest::get(&callback).await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("You can close this tab")
        );
        finish.await.unwrap().unwrap()
    }
}

impl World {
    /// Connects as the integration user without a browser: tokens the simulator mints, kept
    /// where a sign-in would have kept them, then the connection restored as at a start. For
    /// tests of what comes after a sign-in (the outbox, the watcher); connect.rs tests the
    /// sign-in itself.
    pub async fn connect_direct(&self) {
        use ticket_bridge_core::Secret;
        use ticket_bridge_core::connection::{ConnectionSettings, SettingsStore};
        use ticket_bridge_core::secrets::SecretKind;
        let (access, refresh) = self
            .sim
            .handle()
            .issue_tokens(INTEGRATION_USER, &self.client_id)
            .expect("the integration user exists");
        let kc = self.keychain();
        kc.set(SecretKind::ClientSecret, &Secret::new(SECRET))
            .unwrap();
        kc.set(SecretKind::AccessToken, &Secret::new(access))
            .unwrap();
        kc.set(SecretKind::RefreshToken, &Secret::new(refresh))
            .unwrap();
        self.settings
            .save(&ConnectionSettings {
                instance: InstanceUrl::parse(&self.sim.base_url()).unwrap(),
                client_id: self.client_id.clone(),
                integration_user: INTEGRATION_USER.into(),
                port: self.port,
                public_client: false,
                signed_in: ticket_bridge_core::servicenow::client::SignedInUser {
                    sys_id: self.sim.handle().user_sys_id(INTEGRATION_USER).unwrap(),
                    user_name: INTEGRATION_USER.into(),
                    display_name: servicenow_sim::INTEGRATION_USER_DISPLAY.into(),
                },
                release: None,
                access_token_expires_at: chrono::Utc::now() + chrono::Duration::minutes(29),
            })
            .unwrap();
        assert!(self.manager.restore().await.unwrap().is_some());
    }

    /// Connects as the integration user in one go.
    pub async fn connect(&self) {
        let url = self
            .manager
            .begin(self.request(Some(SECRET)))
            .await
            .unwrap();
        let mut browser = Browser::new(&self.sim.base_url());
        let outcome = self.sign_in(&mut browser, &url, INTEGRATION_USER).await;
        assert!(
            matches!(outcome, ConnectOutcome::Connected { .. }),
            "{outcome:?}"
        );
    }
}

/// The task form for `action` as the UI sends it: an incident due in a week.
pub fn incident_draft(action: &str) -> ticket_bridge_core::tickets::service::DraftInput {
    serde_json::from_value(serde_json::json!({
        "actionId": action, "actionTitle": action, "name": format!("Fix {action}"),
        "description": "d", "priority": 3,
        "dueDate": (chrono::Local::now().date_naive() + chrono::Days::new(7)).to_string(),
        "source": "microsoft", "category": "Identity", "kind": "incident",
    }))
    .unwrap()
}

/// A fixed list of actions, as a tenant's Secure Score would report them: the service tests
/// need actions to exist without a Microsoft sign-in (that path has its own tests).
pub struct FixedActions(pub Vec<ticket_bridge_core::secure_score::Action>);

impl ticket_bridge_core::secure_score::ActionSource for FixedActions {
    fn actions(&self) -> Vec<ticket_bridge_core::secure_score::Action> {
        self.0.clone()
    }
}

/// The sources the service tests open with: DLPEnabled, AdminMFAV2, BlockLegacyAuthentication.
pub fn actions() -> Vec<std::sync::Arc<dyn ticket_bridge_core::secure_score::ActionSource>> {
    use ticket_bridge_core::secure_score::{Action, Origin};
    use ticket_bridge_core::tickets::{Category, RecommendationSource};
    let one = |id: &str, title: &str, category: Category, points: f64, max: f64| Action {
        id: id.into(),
        title: title.into(),
        category: Some(category),
        source: RecommendationSource::Microsoft,
        origin: Origin::Graph,
        points: Some(points),
        max_points: Some(max),
        to_gain: Some(max - points),
        rank: None,
        service: None,
        tier: None,
        user_impact: None,
        implementation_cost: None,
        status: None,
        score_impact: None,
        remediation: format!("Remediate {id}."),
        remediation_impact: String::new(),
        action_url: None,
    };
    vec![std::sync::Arc::new(FixedActions(vec![
        one(
            "DLPEnabled",
            "Create Data Loss Prevention (DLP) policies",
            Category::Data,
            0.0,
            1.0,
        ),
        one(
            "AdminMFAV2",
            "Require MFA for administrative roles",
            Category::Identity,
            0.0,
            10.0,
        ),
        one(
            "BlockLegacyAuthentication",
            "Block legacy authentication",
            Category::Identity,
            0.0,
            8.0,
        ),
    ]))]
}
