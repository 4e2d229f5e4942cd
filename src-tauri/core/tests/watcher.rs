//! The watcher's loop against the simulator: a fulfiller's change reaches the sink once; an
//! outage backs off and the change made during it is told once after; a 429 waits what
//! Retry-After says; a lost sign-in stops the loop with one call and no further requests.

mod common;

use common::world;
use servicenow_sim::Scenario;
use std::sync::Arc;
use std::time::Duration;
use ticket_bridge_core::tickets::service::{TicketService, WatchReport};
use ticket_bridge_core::tickets::watch::Change;
use ticket_bridge_core::tickets::watcher::{
    self, WatchControl, WatchSink, WatchState, WatchStatus,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

#[derive(Debug)]
enum Seen {
    Report(WatchReport),
    Status(WatchStatus),
    Lost,
}

struct Sink(UnboundedSender<Seen>);

impl WatchSink for Sink {
    fn report(&self, r: &WatchReport) {
        let _ = self.0.send(Seen::Report(r.clone()));
    }
    fn status(&self, s: &WatchStatus) {
        let _ = self.0.send(Seen::Status(s.clone()));
    }
    fn lost_sign_in(&self) {
        let _ = self.0.send(Seen::Lost);
    }
}

const PATIENCE: Duration = Duration::from_secs(20);

/// The next event matching `pred`, skipping the others.
async fn next(rx: &mut UnboundedReceiver<Seen>, pred: impl Fn(&Seen) -> bool) -> Seen {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let s = rx.recv().await.expect("the watcher ended");
            if pred(&s) {
                return s;
            }
        }
    })
    .await
    .expect("the watcher did not report in time")
}

fn status(state: WatchState) -> impl Fn(&Seen) -> bool {
    move |s| matches!(s, Seen::Status(st) if st.state == state)
}

#[tokio::test]
async fn the_loop_reports_changes_backs_off_and_stops_once_when_signed_out() {
    let w = world("watcher", vec![], false).await;
    w.connect_direct().await;
    let dir = tempfile::tempdir().unwrap();
    let svc =
        Arc::new(TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap());
    let sent = svc
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap()
        .sent
        .unwrap();
    let h = w.sim.handle();

    let (tx, mut rx) = unbounded_channel();
    // A long interval: every poll after the first is asked for with wake(), so the test
    // decides when polls happen.
    let control = Arc::new(WatchControl::new(3600));
    let task = tokio::spawn(watcher::run(
        svc.clone(),
        Arc::new(Sink(tx)),
        control.clone(),
    ));

    // The first poll learns the ticket the app created: a report with the list, no change.
    match next(&mut rx, |s| matches!(s, Seen::Report(_))).await {
        Seen::Report(r) => {
            assert!(r.changes.is_empty());
            assert!(r.read_tickets);
            assert!(
                svc.cached_tickets()
                    .unwrap()
                    .tickets
                    .iter()
                    .any(|t| t.sys_id == sent.sys_id)
            );
        }
        _ => unreachable!(),
    }
    next(&mut rx, status(WatchState::Watching)).await;

    // The fulfiller works the ticket; the next poll tells it once.
    assert!(h.update_record("incident", &sent.sys_id, serde_json::json!({"state": "2"})));
    control.wake();
    match next(&mut rx, |s| matches!(s, Seen::Report(_))).await {
        Seen::Report(r) => {
            assert_eq!(r.changes.len(), 1);
            assert_eq!(
                r.changes[0].changes,
                vec![Change::StateChanged {
                    from: "1".into(),
                    to: "2".into()
                }]
            );
            assert!(r.read_tickets, "the cached list follows the change");
            let list = svc.cached_tickets().unwrap();
            let t = list
                .tickets
                .iter()
                .find(|t| t.sys_id == sent.sys_id)
                .unwrap();
            assert_eq!(t.state, "2");
        }
        _ => unreachable!(),
    }

    // An outage: the poll fails and backs off 15 s; the change made meanwhile is told once
    // after the instance is back.
    h.set_scenario(Scenario::ServerError);
    control.wake();
    match next(&mut rx, status(WatchState::Retrying)).await {
        Seen::Status(s) => {
            let wait = s.next_poll_at.unwrap() - chrono::Utc::now();
            assert!((13..=15).contains(&wait.num_seconds()), "backoff {wait}");
        }
        _ => unreachable!(),
    }
    h.clear_scenario("server-error");
    h.advance_clock(Duration::from_secs(2));
    assert!(h.update_record(
        "incident",
        &sent.sys_id,
        serde_json::json!({"comments": "On it"})
    ));
    control.wake();
    match next(&mut rx, |s| matches!(s, Seen::Report(_))).await {
        Seen::Report(r) => {
            assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
            assert!(
                matches!(&r.changes[0].changes[0], Change::Commented { text, .. } if text == "On it")
            );
        }
        _ => unreachable!(),
    }
    next(&mut rx, status(WatchState::Watching)).await;

    // A rate limit: the next try is when Retry-After says.
    h.set_scenario(Scenario::RateLimit {
        retry_after_secs: 120,
    });
    control.wake();
    match next(&mut rx, status(WatchState::Retrying)).await {
        Seen::Status(s) => {
            let wait = s.next_poll_at.unwrap() - chrono::Utc::now();
            assert!(
                (118..=120).contains(&wait.num_seconds()),
                "Retry-After wait {wait}"
            );
        }
        _ => unreachable!(),
    }
    h.clear_scenario("rate-limit");

    // The sign-in is revoked: one lost_sign_in, then nothing reaches the instance however
    // often the loop is woken.
    h.revoke_all_tokens();
    control.wake();
    next(&mut rx, |s| matches!(s, Seen::Lost)).await;
    next(&mut rx, status(WatchState::Stopped)).await;
    h.clear_requests();
    for _ in 0..3 {
        let before = control.rounds();
        control.wake();
        tokio::time::timeout(PATIENCE, async {
            while control.rounds() == before {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the loop did not answer the wake");
    }
    while let Ok(s) = rx.try_recv() {
        assert!(
            !matches!(s, Seen::Lost),
            "told twice about the lost sign-in"
        );
    }
    assert!(
        h.requests()
            .iter()
            .all(|r| !r.path.starts_with("/api/") && !r.path.starts_with("/oauth")),
        "a dead session made requests: {:?}",
        h.requests()
    );
    task.abort();
}
