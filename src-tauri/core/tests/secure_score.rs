//! Secure Score against the Microsoft simulator, over real HTTP: the Microsoft 365 sign-in in
//! the (scripted) browser to the real loopback listener, Graph read page by page, the tenant's
//! own points on the actions, and the score confirming a ticket's fix (and its regression) as a
//! notification. Also what goes wrong: no consent, no role, throttling and an expired token in
//! the middle of the paging.

mod common;

use common::app::{App, Instance, PATIENCE, instance, open_in, until};
use servicenow_sim::microsoft::browser::{Consent, MsBrowser};
use servicenow_sim::microsoft::{
    self as ms, MS_ADMIN, MS_CLIENT_ID, MS_NO_ROLE, MS_PASSWORD, MS_READER, MS_TENANT_DOMAIN,
    MS_TENANT_ID, MsConfig, RunningMicrosoft,
};
use std::sync::Arc;
use std::time::Duration;
use ticket_bridge_core::ErrorKind;
use ticket_bridge_core::secure_score::Origin;
use ticket_bridge_core::secure_score::signin::{MicrosoftForm, MicrosoftInfo};
use ticket_bridge_core::secure_score::verify::Verdict;
use ticket_bridge_core::workspace::Workspace;

struct Setup {
    app: App,
    sn: Instance,
    ms: RunningMicrosoft,
    ws: Arc<Workspace>,
}

async fn setup(name: &str) -> Setup {
    let sn = instance(name).await;
    let ms = ms::start(MsConfig::default()).await.unwrap();
    let mut app = open_in(tempfile::tempdir().unwrap());
    let id = app.connect(None, &sn).await;
    let ws = app.registry.get(&id).unwrap();
    Setup { app, sn, ms, ws }
}

impl Setup {
    fn form(&self) -> MicrosoftForm {
        serde_json::from_value(serde_json::json!({
            "tenant": MS_TENANT_DOMAIN,
            "clientId": MS_CLIENT_ID,
            "authority": self.ms.base_url(),
            "graph": self.ms.base_url(),
        }))
        .unwrap()
    }

    /// Starts the sign-in, goes through Microsoft's pages as `user`, follows the redirect to
    /// the app's loopback listener; returns how the sign-in ended.
    async fn sign_in(
        &mut self,
        user: &str,
        consent: Consent,
    ) -> ticket_bridge_core::Result<MicrosoftInfo> {
        let ws = self.ws.clone();
        let form = self.form();
        let finish = tokio::spawn(async move { ws.microsoft_sign_in(form).await });
        let url = tokio::time::timeout(PATIENCE, self.app.browser.recv())
            .await
            .expect("the app opened the browser")
            .unwrap();
        assert!(
            url.starts_with(&format!(
                "{}/{MS_TENANT_DOMAIN}/oauth2/v2.0/authorize?",
                self.ms.base_url()
            )),
            "{url}"
        );
        let back = MsBrowser::new()
            .try_sign_in(&url, user, MS_PASSWORD, consent)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(back.starts_with("http://localhost:"), "{back}");
        let page = reqwest::get(&back).await.unwrap();
        assert!(page.status().is_success());
        finish.await.unwrap()
    }

    /// The sign-in wakes the score loop: waits for its read to end, then forgets the log, so
    /// that what follows is the test's alone.
    async fn settled(&self) {
        until("the score loop's first read", || {
            self.ws.score().summary(Some(MS_TENANT_ID)).is_some()
                && self.ms.handle().graph_requests_in_flight() == 0
        })
        .await;
        self.ms.handle().clear_requests();
        self.ms.handle().reset_max_concurrent_graph_requests();
    }

    fn graph_requests(&self) -> Vec<ms::MsRequestRecord> {
        self.ms
            .handle()
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/v1.0/"))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenants_own_score_confirms_a_fix_and_tells_when_it_regresses() {
    let mut s = setup("score").await;
    assert!(
        s.ws.tickets()
            .actions()
            .unwrap()
            .iter()
            .all(|a| a.action.points.is_none()),
        "before the sign-in no action has points"
    );

    let info = s.sign_in(MS_ADMIN, Consent::Accept).await.unwrap();
    assert_eq!(info.account.tenant_id, MS_TENANT_ID);
    assert_eq!(info.account.upn, MS_ADMIN);
    // Only the keychain holds the tokens: the settings file has none.
    let settings = std::fs::read_to_string(s.app._dir.path().join("settings.json")).unwrap();
    assert!(settings.contains(MS_TENANT_ID) && !settings.to_lowercase().contains("token\":\""));

    s.settled().await;
    let summary = s.ws.refresh_score().await.unwrap();
    let handle = s.ms.handle();
    let live: Vec<_> = handle
        .profiles()
        .into_iter()
        .filter(|p| p["deprecated"] != true)
        .collect();
    assert!(summary.actions >= live.len(), "{summary:?}");
    assert!(summary.deprecated_hidden > 0);
    let newest = handle.newest_snapshot().unwrap();
    assert_eq!(summary.current_score, newest["currentScore"].as_f64());
    // Every page of both lists, nothing more: the cost a refresh has.
    let pages = s.graph_requests().len();
    assert_eq!(summary.requests, pages);

    // The actions carry the newest snapshot's points for each control.
    let actions = s.ws.tickets().actions().unwrap();
    let graph: Vec<_> = actions
        .iter()
        .filter(|a| a.action.origin == Origin::Graph)
        .collect();
    assert_eq!(graph.len(), summary.actions);
    let target = graph
        .iter()
        .find(|a| a.action.to_gain.is_some_and(|g| g > 0.0) && a.action.category.is_some())
        .expect("an action with points to gain");
    let id = target.action.id.clone();
    let entry = newest["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["controlName"] == id.as_str())
        .unwrap();
    assert_eq!(target.action.points, entry["score"].as_f64());
    assert_eq!(target.action.max_points, Some(handle.control_max(&id)));

    // A ticket for it, closed by the fulfiller.
    let mut draft = common::incident_draft(&id);
    draft.action_title = target.action.title.clone();
    let sent = s.ws.submit(draft).await.unwrap().sent.expect("sent");
    assert!(s.sn.sim.handle().update_record(
        "incident",
        &sent.sys_id,
        serde_json::json!({"state": "7"})
    ));
    s.ws.refresh_tickets().await.unwrap();

    // The next day's score has the control at full points: Verified, told once.
    handle.advance_clock(Duration::from_secs(120));
    handle.new_snapshot();
    handle.set_control_score(&id, handle.control_max(&id));
    s.ws.refresh_score().await.unwrap();
    let verdict_of = |ws: &Workspace| {
        ws.tickets()
            .actions()
            .unwrap()
            .into_iter()
            .find(|a| a.action.id == id)
            .and_then(|a| a.ticket)
            .and_then(|t| t.score)
            .and_then(|s| s.verdict)
    };
    assert_eq!(verdict_of(&s.ws), Some(Verdict::Verified));
    let told = |app: &App, n: &str| {
        app.host
            .notices
            .lock()
            .unwrap()
            .iter()
            .filter(|x| x.body.contains(n) || x.title.contains(n))
            .map(|x| format!("{} / {}", x.title, x.body))
            .collect::<Vec<_>>()
    };
    let verified = told(&s.app, &sent.number);
    assert!(
        verified
            .iter()
            .any(|t| t.contains("Secure Score confirms the fix")),
        "{verified:?}"
    );
    // Read again, nothing new to tell.
    s.ws.refresh_score().await.unwrap();
    assert_eq!(told(&s.app, &sent.number).len(), verified.len());

    // The control loses points again: Regressed, told.
    handle.advance_clock(Duration::from_secs(120));
    handle.new_snapshot();
    handle.set_control_score(&id, 0.0);
    s.ws.refresh_score().await.unwrap();
    assert_eq!(verdict_of(&s.ws), Some(Verdict::Regressed));
    let all = told(&s.app, &sent.number);
    assert!(all.iter().any(|t| t.contains("undone")), "{all:?}");

    // Signing out forgets the score: no points again.
    s.ws.microsoft_sign_out().await.unwrap();
    assert!(
        s.ws.tickets()
            .actions()
            .unwrap()
            .iter()
            .all(|a| a.action.points.is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_an_expired_token_in_the_middle_of_the_paging() {
    let mut s = setup("throttle").await;
    s.sign_in(MS_ADMIN, Consent::Accept).await.unwrap();
    s.settled().await;
    let first = s.ws.score().summary(Some(MS_TENANT_ID)).unwrap();
    let handle = s.ms.handle();

    // Two 429s with Retry-After: 1, a 503, and every access token expired: the read still
    // completes, renews the token once and asks no page twice beyond the retries.
    handle.rate_limit_next(2, Some(1));
    handle.unavailable_next(1, Some(1));
    handle.expire_access_tokens();
    handle.slow(Duration::from_millis(30));
    let again = s.ws.refresh_score().await.unwrap();
    handle.slow(Duration::ZERO);
    assert_eq!(again.actions, first.actions);
    let log = s.ms.handle().requests();
    let statuses: Vec<u16> = log
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.iter().filter(|&&c| c == 429).count(), 2);
    assert_eq!(statuses.iter().filter(|&&c| c == 503).count(), 1);
    // Each list's request in flight with the old token sees one 401; they share one renewal.
    let unauthorized = statuses.iter().filter(|&&c| c == 401).count();
    assert!((1..=2).contains(&unauthorized), "{statuses:?}");
    let refreshes = log
        .iter()
        .filter(|r| r.grant_type.as_deref() == Some("refresh_token"))
        .count();
    assert_eq!(refreshes, 1, "one renewal for every request that saw a 401");
    assert_eq!(again.requests, statuses.len());
    assert!(handle.max_concurrent_graph_requests() <= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_consent_or_role_the_admin_is_told_what_to_ask_for() {
    let mut s = setup("consent").await;
    // A Security Reader cannot consent: the sign-in comes back refused, and the error names
    // the admin consent URL to hand to a Global Administrator.
    let e = s.sign_in(MS_READER, Consent::AsReader).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConsentRequired, "{e:?}");
    let url = e.params.get("consentUrl").cloned().unwrap_or_default();
    assert!(
        url.contains("/adminconsent?") && url.contains(MS_CLIENT_ID),
        "{e:?}"
    );
    assert!(s.ws.microsoft().settings().is_none());

    // With the tenant's consent, a user without a Secure Score role signs in, but Graph
    // refuses: the error says which role to ask for, and nothing is kept.
    s.ms.handle().grant_admin_consent(MS_CLIENT_ID);
    s.sign_in(MS_NO_ROLE, Consent::Accept).await.unwrap();
    let e = s.ws.refresh_score().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::AclDenied, "{e:?}");
    assert_eq!(e.reason.as_deref(), Some("graph_forbidden"));
    assert!(e.hint.contains("Security Reader"), "{e:?}");
    assert!(s.ws.score().summary(None).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portals_export_gives_actions_until_graph_does() {
    let mut s = setup("csv").await;
    let export = s.ms.handle().portal_export_csv().into_bytes();
    let live =
        s.ms.handle()
            .profiles()
            .into_iter()
            .filter(|p| p["deprecated"] != true)
            .count();

    // The preview keeps nothing; the import does.
    let preview = s.ws.csv_preview(export.clone()).await.unwrap();
    assert_eq!(preview.actions.len(), live);
    assert!(s.ws.csv().summary().is_none());
    let summary =
        s.ws.csv_import(export.clone(), Some("export.csv".into()))
            .await
            .unwrap();
    assert_eq!(summary.actions, live);
    let from_csv = |ws: &Workspace| {
        ws.tickets()
            .actions()
            .unwrap()
            .into_iter()
            .filter(|a| a.action.origin == Origin::Csv)
            .collect::<Vec<_>>()
    };
    let imported = from_csv(&s.ws);
    assert_eq!(imported.len(), live);
    assert!(imported.iter().all(|a| a.action.max_points.is_some()));

    // A file that is not the export: a clear error, and the last import stays.
    let e =
        s.ws.csv_import(b"Rank,Title\n1,Enable MFA\n".to_vec(), None)
            .await
            .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert_eq!(e.reason.as_deref(), Some("csv_missing_columns"), "{e:?}");
    assert!(e.params.contains_key("columns"));
    assert_eq!(from_csv(&s.ws).len(), live);

    // Signed in, Graph's actions replace the imported ones of the same title.
    s.sign_in(MS_ADMIN, Consent::Accept).await.unwrap();
    s.settled().await;
    assert!(
        from_csv(&s.ws).is_empty(),
        "every exported title is one of Graph's"
    );
    s.ws.csv_clear().await.unwrap();
    assert!(s.ws.csv().summary().is_none());
}
