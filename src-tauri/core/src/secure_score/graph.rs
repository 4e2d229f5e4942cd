//! Microsoft Graph's Secure Score, over HTTP: every control profile and the recent daily
//! snapshots, each list followed through every `@odata.nextLink` to its end.
//!
//! Rules it keeps (servicenow-api.md §5): at most 4 requests in flight per tenant; a 429 or 503
//! waits what `Retry-After` says (bounded), else backs off from 5 s; a 401
//! `InvalidAuthenticationToken` renews the token once and asks again; a 403 says which
//! permission or role is missing. A `nextLink` is data from the server: it is followed only when
//! it points at the Graph endpoint the workspace was set up with, and the number of pages is
//! bounded. The bodies are returned as they came; `graph_data` reads them.

use crate::error::{Error, ErrorKind, Result};
use crate::oauth::microsoft::{BaseUrl, PERMISSION};
use crate::oauth::session::Session;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Graph's limit for Secure Score per app and tenant.
pub const MAX_IN_FLIGHT: usize = 4;
/// A bound on pages per list (300 profiles are 3 pages; 90 snapshots 1 to 90).
const MAX_PAGES: usize = 200;
/// Tries of one page under throttling before the refresh gives up (the list stays as cached).
const MAX_TRIES: u32 = 6;
/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const FIRST_BACKOFF: Duration = Duration::from_secs(5);

/// How many daily snapshots to read: enough to see a control move over a quarter.
pub const SNAPSHOT_DAYS: usize = 90;

/// A Graph client for one tenant's sign-in.
#[derive(Clone)]
pub struct Graph {
    http: reqwest::Client,
    base: BaseUrl,
    session: Arc<Session>,
    in_flight: Arc<Semaphore>,
    /// Backoff base (tests shorten it).
    backoff: Duration,
}

/// What one list read cost, for the benchmark and the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub requests: usize,
    pub pages: usize,
    pub throttled: usize,
}

fn unreachable(e: &reqwest::Error, base: &BaseUrl) -> Error {
    let mut err = crate::servicenow::errors::map_transport_error(e, base.as_str());
    err.message = err.message.replace("ServiceNow", "Microsoft Graph");
    // The transport's own reason words it for a ServiceNow instance: this one names Graph.
    err.with_reason("graph_unreachable")
        .with_param("address", base.as_str())
}

/// The `Retry-After` of an answer: seconds, or an HTTP date; bounded.
pub fn retry_after(value: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    crate::retry_after::parse(value, now, MAX_RETRY_AFTER)
}

/// A Graph error body's `error.code`.
fn graph_code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("error")?.get("code")?.as_str().map(str::to_owned)
}

fn forbidden(code: Option<&str>) -> Error {
    Error::new(
        ErrorKind::AclDenied,
        format!(
            "Microsoft Graph refused to show Secure Score ({}).",
            code.unwrap_or("Forbidden")
        ),
        format!("The app registration needs the delegated permission {PERMISSION} with admin consent, and the account that signs in needs a role that can read Secure Score, such as Security Reader. Ask an administrator for whichever is missing, then sign in again."),
    )
    .with_reason("graph_forbidden")
    .with_param("permission", PERMISSION)
    .with_status(403)
}

impl Graph {
    pub fn new(http: reqwest::Client, base: BaseUrl, session: Arc<Session>) -> Self {
        Self {
            http,
            base,
            session,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            backoff: FIRST_BACKOFF,
        }
    }

    /// Shorter backoffs, for tests.
    pub fn with_backoff(mut self, first: Duration) -> Self {
        self.backoff = first;
        self
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// Whether a `nextLink` stays on this Graph endpoint.
    fn follows(&self, next: &str) -> bool {
        next.starts_with(&format!("{}/v1.0/security/", self.base))
            && !next.chars().any(char::is_control)
    }

    /// One GET with the token, the 401 renewal, throttling waits and the concurrency limit.
    async fn get(&self, url: &str, cost: &mut Cost) -> Result<Value> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| Error::internal("the Graph client was closed"))?;
        let mut token = self.session.access_token().await?;
        let mut renewed = false;
        let mut tries = 0;
        loop {
            tries += 1;
            cost.requests += 1;
            let resp = self
                .http
                .get(url)
                .bearer_auth(token.expose())
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| unreachable(&e, &self.base))?;
            let status = resp.status().as_u16();
            let retry = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = resp
                .bytes()
                .await
                .map_err(|e| unreachable(&e, &self.base))?;
            match status {
                200 => {
                    return serde_json::from_slice(&body).map_err(|_| {
                        Error::new(
                            ErrorKind::Microsoft,
                            "Microsoft Graph answered, but Ticket Bridge could not read the answer.",
                            "Try again later. If it keeps happening, a proxy may be changing Graph's answers.",
                        )
                        .with_reason("graph_unreadable_answer")
                    });
                }
                401 if !renewed => {
                    renewed = true;
                    token = self.session.after_unauthorized(&token).await?;
                }
                401 => {
                    return Err(Error::new(
                        ErrorKind::AuthExpired,
                        "Microsoft Graph no longer accepts Ticket Bridge's sign-in.",
                        "Reconnect: sign in to Microsoft 365 again.",
                    )
                    .with_reason("graph_unauthorized")
                    .with_status(401));
                }
                403 => return Err(forbidden(graph_code(&body).as_deref())),
                429 | 503 if tries < MAX_TRIES => {
                    cost.throttled += 1;
                    let wait = retry_after(retry.as_deref(), chrono::Utc::now())
                        .unwrap_or_else(|| self.backoff.saturating_mul(1 << (tries - 1).min(5)));
                    log::info!("Graph asked to wait {} s (HTTP {status})", wait.as_secs());
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    let code = graph_code(&body);
                    let e = Error::new(
                        if status == 429 {
                            ErrorKind::RateLimited
                        } else {
                            ErrorKind::Microsoft
                        },
                        format!(
                            "Microsoft Graph could not show Secure Score (HTTP {status}{}).",
                            code.as_ref().map(|c| format!(", {c}")).unwrap_or_default()
                        ),
                        "This is usually temporary: Ticket Bridge shows the list it has and tries again later.",
                    )
                    .with_reason("graph_unavailable")
                    .with_param(
                        "code",
                        match &code {
                            Some(c) => format!("HTTP {status}, {c}"),
                            None => format!("HTTP {status}"),
                        },
                    )
                    .with_status(status);
                    return Err(match retry_after(retry.as_deref(), chrono::Utc::now()) {
                        Some(w) => e.with_retry_after(w.as_secs()),
                        None => e,
                    });
                }
            }
        }
    }

    /// Every object of a list, following `@odata.nextLink` to the end.
    async fn all(&self, first: &str, cost: &mut Cost) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut url = self.url(first);
        for _ in 0..MAX_PAGES {
            let page = self.get(&url, cost).await?;
            cost.pages += 1;
            match page.get("value") {
                Some(Value::Array(v)) => out.extend(v.iter().cloned()),
                _ => {
                    return Err(Error::new(
                        ErrorKind::Microsoft,
                        "Microsoft Graph sent a page without a list.",
                        "Try again later.",
                    )
                    .with_reason("graph_page_without_list"));
                }
            }
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) if self.follows(next) => url = next.to_owned(),
                Some(next) => {
                    log::warn!("not following a nextLink off the Graph endpoint: {next:.80}");
                    break;
                }
                None => break,
            }
        }
        Ok(out)
    }

    /// Every control profile of the tenant.
    pub async fn control_profiles(&self) -> Result<(Vec<Value>, Cost)> {
        let mut cost = Cost::default();
        let v = self
            .all(
                "/v1.0/security/secureScoreControlProfiles?$top=100",
                &mut cost,
            )
            .await?;
        Ok((v, cost))
    }

    /// The recent daily snapshots (in whatever order Graph sends them).
    pub async fn secure_scores(&self) -> Result<(Vec<Value>, Cost)> {
        let mut cost = Cost::default();
        let v = self
            .all(
                &format!("/v1.0/security/secureScores?$top={SNAPSHOT_DAYS}"),
                &mut cost,
            )
            .await?;
        Ok((v, cost))
    }

    /// Both lists, read side by side.
    pub async fn read_all(&self) -> Result<(Vec<Value>, Vec<Value>, Cost)> {
        let (p, s) = tokio::join!(self.control_profiles(), self.secure_scores());
        let ((profiles, a), (scores, b)) = (p?, s?);
        Ok((
            profiles,
            scores,
            Cost {
                requests: a.requests + b.requests,
                pages: a.pages + b.pages,
                throttled: a.throttled + b.throttled,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date_and_bounded() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after(Some("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(Some("Tue, 01 Dec 2026 10:00:30 GMT"), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(Some("Tue, 01 Dec 2026 09:00:00 GMT"), now),
            Some(Duration::ZERO),
            "a date in the past waits nothing"
        );
        assert_eq!(
            retry_after(Some("99999999999999"), now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(Some("soon"), now), None);
        assert_eq!(retry_after(None, now), None);
    }

    #[test]
    fn graph_error_codes_are_read_from_the_body() {
        assert_eq!(
            graph_code(br#"{"error":{"code":"Forbidden","message":"m","innerError":{}}}"#)
                .as_deref(),
            Some("Forbidden")
        );
        assert_eq!(graph_code(b"<html>"), None);
        let e = forbidden(Some("Forbidden"));
        assert_eq!(e.kind, ErrorKind::AclDenied);
        assert!(e.hint.contains("SecurityEvents.Read.All") && e.hint.contains("Security Reader"));
    }
}
