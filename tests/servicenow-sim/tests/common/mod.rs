//! Helpers for the conformance tests: starting a simulator, a browser-like
//! client that keeps JSESSIONID and does not follow redirects, and tiny HTML
//! form readers (enough to "click" the simulator's own pages).
#![allow(dead_code)]

pub use servicenow_sim::browser::*;
use servicenow_sim::{RunningSim, Scenario, Seed, SimConfig};

pub async fn start(seed: Seed, scenarios: Vec<Scenario>) -> RunningSim {
    servicenow_sim::start(SimConfig {
        seed,
        scenarios,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}
