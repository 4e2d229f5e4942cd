//! The connection doctor against the simulator: every finding in the scenario that causes it,
//! each failure with its fix.

mod common;

use common::{SECRET, world};
use servicenow_sim::browser::Browser;
use servicenow_sim::{INTEGRATION_USER, PASSWORD, PERSONAL_USER, Scenario};
use ticket_bridge_core::connection::ConnectOutcome;
use ticket_bridge_core::doctor::{self, Report, Status};

async fn report(w: &common::World) -> Report {
    let settings = w.manager.settings().expect("connected");
    worded(doctor::run(&settings, &w.manager.api().unwrap()).await)
}

/// Every line has words for the UI (a key, or the error of the call that failed, which the UI
/// words by its reason or kind) and an English detail with every placeholder filled.
fn worded(r: Report) -> Report {
    for c in &r.checks {
        assert!(
            c.detail_text.is_some() != c.error.is_some(),
            "{c:?} has a key or an error"
        );
        assert!(
            c.fix.is_some() == (c.fix_text.is_some() || c.error.is_some()),
            "{c:?}"
        );
        for text in std::iter::once(&c.detail).chain(c.fix.as_ref()) {
            assert!(!text.is_empty() && !text.contains('{'), "{c:?}");
        }
    }
    r
}

fn status(r: &Report, id: &str) -> Status {
    r.get(id).unwrap_or_else(|| panic!("no check {id}")).status
}

fn fix(r: &Report, id: &str) -> String {
    r.get(id).and_then(|c| c.fix.clone()).unwrap_or_default()
}

const ORDER: [&str; 8] = [
    "https",
    "oauth",
    "token",
    "identity",
    "change_rights",
    "incident_rights",
    "lookup",
    "release",
];

#[tokio::test]
async fn a_healthy_connection_passes_every_check_in_order() {
    let w = world("doc-ok", vec![], false).await;
    w.connect().await;
    let r = report(&w).await;
    assert_eq!(r.checks.iter().map(|c| c.id).collect::<Vec<_>>(), ORDER);
    assert_eq!(ticket_bridge_core::doctor::check_ids(), ORDER);
    for c in &r.checks {
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.fix.is_none());
    }
    assert!(r.get("release").unwrap().detail.contains("Zurich"));
    // Rights are checked by reading, never by creating a record.
    let writes = w
        .sim
        .handle()
        .requests()
        .into_iter()
        .filter(|q| q.path.starts_with("/api/") && q.method != "GET")
        .count();
    assert_eq!(writes, 0);
}

#[tokio::test]
async fn ip_address_access_control_is_named_with_its_fix() {
    let w = world("doc-ip", vec![], false).await;
    w.connect().await;
    w.sim.handle().set_scenario(Scenario::IpBlocked);
    let r = report(&w).await;
    assert_eq!(status(&r, "https"), Status::Fail);
    assert!(fix(&r, "https").contains("IP Address Access Control"));
    let e = r.get("https").unwrap().error.clone().unwrap();
    assert_eq!(e.reason.as_deref(), Some("sn_ip_blocked"));
    for id in &ORDER[1..] {
        assert_eq!(status(&r, id), Status::Warn, "{id} is not checked");
        assert!(r.get(id).unwrap().detail.starts_with("Not checked"));
    }
}

#[tokio::test]
async fn the_cross_scope_policy_gets_the_seeds_fix() {
    let w = world("doc-scope", vec![], false).await;
    w.connect().await;
    w.sim.handle().set_scenario(Scenario::CrossScopeDenied);
    let r = report(&w).await;
    assert_eq!(status(&r, "oauth"), Status::Fail);
    let c = r.get("oauth").unwrap();
    assert!(c.detail.contains("oauth_entity"), "{}", c.detail);
    let e = c.error.as_ref().unwrap();
    assert_eq!(e.reason.as_deref(), Some("sn_cross_scope"));
    assert!(e.params["detail"].contains("oauth_entity"));
    let fix = c.fix.clone().unwrap();
    assert!(
        fix.contains("All application scopes") && fix.contains("Can read"),
        "{fix}"
    );
}

#[tokio::test]
async fn missing_create_rights_are_found_without_creating_anything() {
    let w = world("doc-acl", vec![], false).await;
    w.connect().await;
    let before = w.sim.handle().records("incident").len();
    w.sim.handle().set_scenario(Scenario::AclDenyInsert);
    let r = report(&w).await;
    for id in ["incident_rights", "change_rights"] {
        assert_eq!(status(&r, id), Status::Fail, "{id}");
        assert!(fix(&r, id).contains("itil"));
    }
    assert_eq!(w.sim.handle().records("incident").len(), before);
}

#[tokio::test]
async fn a_kept_personal_account_is_flagged_with_the_login_do_route() {
    let w = world("doc-jane", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    let outcome = w.sign_in(&mut browser, &url, PERSONAL_USER).await;
    assert!(matches!(outcome, ConnectOutcome::WrongUser { .. }));
    w.manager.keep_account().await.unwrap();
    let r = report(&w).await;
    assert_eq!(status(&r, "identity"), Status::Warn);
    let c = r.get("identity").unwrap();
    assert!(c.detail.contains("Jane Doe") && c.detail.contains(INTEGRATION_USER));
    let words = c.detail_text.as_ref().unwrap();
    assert_eq!(words.key, "doctor.details.identity.someone_else");
    assert_eq!(words.params["expected"], INTEGRATION_USER);
    assert!(c.fix_text.as_ref().unwrap().params["loginUrl"].ends_with("/login.do"));
    let fix = c.fix.clone().unwrap();
    assert!(
        fix.contains("Not You?") && fix.contains("/login.do"),
        "{fix}"
    );
    // Jane has no role that creates tickets.
    assert_eq!(status(&r, "incident_rights"), Status::Fail);
}

#[tokio::test]
async fn releases_old_and_unreadable() {
    let w = world("doc-release", vec![], false).await;
    w.connect().await;
    w.sim
        .handle()
        .set_scenario(Scenario::Release(Some("Jakarta".into())));
    let r = report(&w).await;
    assert_eq!(status(&r, "release"), Status::Fail);
    assert!(fix(&r, "release").contains("Kingston"));
    w.sim.handle().set_scenario(Scenario::Release(None));
    let r = report(&w).await;
    assert_eq!(status(&r, "release"), Status::Ok);
    assert!(r.get("release").unwrap().detail.contains("normal"));
}

#[tokio::test]
async fn revoked_tokens_stop_the_checks_that_need_them() {
    let w = world("doc-token", vec![], false).await;
    w.connect().await;
    w.sim.handle().revoke_all_tokens();
    let r = report(&w).await;
    assert_eq!(status(&r, "https"), Status::Ok);
    assert_eq!(status(&r, "token"), Status::Fail);
    assert!(fix(&r, "token").contains("Re-authorize"));
    assert_eq!(status(&r, "identity"), Status::Warn);
}

#[tokio::test]
async fn an_unreachable_instance_is_said_plainly() {
    let w = world("doc-down", vec![], false).await;
    w.connect().await;
    let settings = w.manager.settings().unwrap();
    let api = w.manager.api().unwrap();
    let common::World { sim, .. } = w;
    sim.shutdown().await;
    let r = worded(doctor::run(&settings, &api).await);
    assert_eq!(status(&r, "https"), Status::Fail);
    assert!(r.get("https").unwrap().detail.contains("could not reach"));
    let e = r.get("https").unwrap().error.clone().unwrap();
    assert_eq!(e.reason.as_deref(), Some("net_unreachable"));
    assert_eq!(
        r.get("oauth").unwrap().detail_text.as_ref().unwrap().key,
        "doctor.details.not_checked.unreachable"
    );
}

#[tokio::test]
async fn single_sign_on_brings_back_the_wrong_person_until_login_do_is_used() {
    // With SSO, the authorization page signs in the SSO identity (Jane) by itself.
    let w = world("doc-sso", vec![Scenario::Sso], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    let outcome = w.sign_in(&mut browser, &url, PERSONAL_USER).await;
    assert!(
        matches!(outcome, ConnectOutcome::WrongUser { .. }),
        "{outcome:?}"
    );
    // The documented way out: sign in locally at /login.do as the integration user first.
    let url = w.manager.begin_sign_in_again().await.unwrap();
    let mut local = Browser::new(&w.sim.base_url());
    local.sign_in(INTEGRATION_USER, PASSWORD).await;
    let outcome = w.sign_in(&mut local, &url, INTEGRATION_USER).await;
    assert!(
        matches!(outcome, ConnectOutcome::Connected { .. }),
        "{outcome:?}"
    );
}

/// The search the outbox relies on after an unknown outcome: a query part ServiceNow ignores,
/// or a correlation id a read ACL hides, each named with its fix.
#[tokio::test]
async fn the_search_by_correlation_id_is_checked() {
    let w = world("doc-lookup", vec![], false).await;
    w.connect_direct().await;
    // A ticket of this app, so that the field itself can be checked.
    let h = w.sim.handle();
    h.insert_record(
        "incident",
        serde_json::json!({"short_description": "x", "correlation_id": "tb1/local/A/00000000"}),
    );
    let r = report(&w).await;
    assert_eq!(status(&r, "lookup"), Status::Ok, "{:?}", r.get("lookup"));

    h.set_scenario(Scenario::IgnoreQueryField("correlation_id".into()));
    let r = report(&w).await;
    assert_eq!(status(&r, "lookup"), Status::Fail);
    assert!(
        r.get("lookup").unwrap().detail.contains("ignored"),
        "{:?}",
        r.get("lookup")
    );
    h.clear_scenario("ignore-query-field");

    h.set_scenario(Scenario::HideField("correlation_id".into()));
    let r = report(&w).await;
    assert_eq!(status(&r, "lookup"), Status::Fail);
    assert!(
        fix(&r, "lookup").contains("task.correlation_id")
            || fix(&r, "lookup").contains("correlation_id")
    );
}
