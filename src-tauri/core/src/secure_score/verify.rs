//! Whether the score confirms a ticket's fix: each ticket made for an improvement action is
//! compared with its control's points in the newest Secure Score snapshot.
//!
//! - **Verified by Secure Score**: the control is at full points in a snapshot taken after the
//!   ticket was made.
//! - **Closed, not fixed yet**: the ticket was closed (or resolved) and, 48 hours after, the
//!   control still lacks points (Secure Score takes 24 to 48 hours to see a change).
//! - **Regressed**: a verified control lost points again; the actions page offers a new ticket.
//!
//! Each change of state is told once (the caller turns it into a notification). Pure: no I/O,
//! no clock (the caller passes `now`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long after closing a ticket the score may take before "not fixed yet" is said.
pub const GRACE_HOURS: i64 = 48;

/// A ticket's standing against the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Verified,
    ClosedNotFixed,
    Regressed,
}

/// The control's points as the newest snapshot has them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlNow {
    pub points: Option<f64>,
    pub max_points: Option<f64>,
    /// When the snapshot was taken.
    pub as_of: DateTime<Utc>,
}

impl ControlNow {
    /// At full points (a control worth nothing is never "full").
    pub fn full(&self) -> bool {
        match (self.points, self.max_points) {
            (Some(p), Some(m)) => m > 0.0 && p + 1e-9 >= m,
            _ => false,
        }
    }
}

/// What Ticket Bridge remembers of one ticket against the score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketScore {
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// When the verdict was reached.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// When the ticket was first seen closed or resolved.
    #[serde(default)]
    pub closed_seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub control: Option<ControlNow>,
}

/// The facts about a ticket the verdict needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TicketFacts {
    /// When the ticket was made (`sys_created_on`).
    pub created: Option<DateTime<Utc>>,
    /// Closed, canceled or resolved.
    pub done: bool,
}

/// The new standing of a ticket, and the verdict to tell when it changed.
pub fn evaluate(
    prev: &TicketScore,
    ticket: TicketFacts,
    control: Option<ControlNow>,
    now: DateTime<Utc>,
) -> (TicketScore, Option<Verdict>) {
    let mut next = prev.clone();
    if ticket.done {
        next.closed_seen_at = next.closed_seen_at.or(Some(now));
    } else {
        next.closed_seen_at = None;
    }
    let Some(c) = control else {
        // No score for it (yet): nothing to say, nothing forgotten.
        return (next, None);
    };
    next.control = Some(c);
    let after_ticket = ticket.created.is_none_or(|t| c.as_of > t);
    let verdict = match (prev.verdict, c.full()) {
        (Some(Verdict::Verified), true) => Some(Verdict::Verified),
        (Some(Verdict::Verified), false) => Some(Verdict::Regressed),
        (_, true) if after_ticket => Some(Verdict::Verified),
        (Some(Verdict::Regressed), _) => Some(Verdict::Regressed),
        (v, _) => {
            let grace_over = next
                .closed_seen_at
                .is_some_and(|at| now - at >= Duration::hours(GRACE_HOURS));
            if ticket.done && grace_over {
                Some(Verdict::ClosedNotFixed)
            } else if v == Some(Verdict::ClosedNotFixed) && !ticket.done {
                // Reopened: not judged until it is closed again.
                None
            } else {
                v
            }
        }
    };
    let told = (verdict != prev.verdict).then_some(verdict).flatten();
    if verdict != prev.verdict {
        next.since = verdict.map(|_| now);
    }
    next.verdict = verdict;
    (next, told)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    fn c(points: f64, max: f64, at: i64) -> Option<ControlNow> {
        Some(ControlNow {
            points: Some(points),
            max_points: Some(max),
            as_of: t(at),
        })
    }

    const OPEN: TicketFacts = TicketFacts {
        created: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
        done: false,
    };
    const DONE: TicketFacts = TicketFacts {
        created: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
        done: true,
    };

    #[test]
    fn full_points_after_the_ticket_verify_it_once() {
        let s = TicketScore::default();
        let (s, told) = evaluate(&s, OPEN, c(3.0, 9.0, 1), t(1));
        assert_eq!((s.verdict, told), (None, None));
        // Full points in a snapshot older than the ticket do not count.
        let (s2, told) = evaluate(&s, OPEN, c(9.0, 9.0, -1), t(2));
        assert_eq!((s2.verdict, told), (None, None));
        let (s, told) = evaluate(&s, DONE, c(9.0, 9.0, 30), t(30));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Verified), Some(Verdict::Verified))
        );
        assert_eq!(s.since, Some(t(30)));
        let (s, told) = evaluate(&s, DONE, c(9.0, 9.0, 31), t(31));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Verified), None),
            "told once"
        );
        assert_eq!(s.since, Some(t(30)));
    }

    #[test]
    fn closed_without_points_for_48_hours_is_not_fixed_yet() {
        let s = TicketScore::default();
        let (s, told) = evaluate(&s, DONE, c(0.0, 8.0, 1), t(1));
        assert_eq!((s.verdict, told), (None, None));
        assert_eq!(s.closed_seen_at, Some(t(1)));
        let (s, told) = evaluate(&s, DONE, c(0.0, 8.0, 40), t(48));
        assert_eq!(
            (s.verdict, told),
            (None, None),
            "47 hours is still the grace"
        );
        let (s, told) = evaluate(&s, DONE, c(0.0, 8.0, 49), t(49));
        assert_eq!(told, Some(Verdict::ClosedNotFixed));
        let (s, told) = evaluate(&s, DONE, c(0.0, 8.0, 60), t(60));
        assert_eq!((s.verdict, told), (Some(Verdict::ClosedNotFixed), None));
        // The fix shows later: verified after all.
        let (s, told) = evaluate(&s, DONE, c(8.0, 8.0, 70), t(70));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Verified), Some(Verdict::Verified))
        );
        // Reopened tickets are not judged "not fixed".
        let (r, _) = evaluate(&TicketScore::default(), DONE, c(0.0, 8.0, 1), t(1));
        let (r, _) = evaluate(&r, DONE, c(0.0, 8.0, 50), t(50));
        let (r, told) = evaluate(&r, OPEN, c(0.0, 8.0, 51), t(51));
        assert_eq!((r.verdict, told, r.closed_seen_at), (None, None, None));
    }

    #[test]
    fn a_verified_control_that_loses_points_regressed_and_can_recover() {
        let (s, _) = evaluate(&TicketScore::default(), DONE, c(9.0, 9.0, 5), t(5));
        assert_eq!(s.verdict, Some(Verdict::Verified));
        let (s, told) = evaluate(&s, DONE, c(4.0, 9.0, 30), t(30));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Regressed), Some(Verdict::Regressed))
        );
        let (s, told) = evaluate(&s, DONE, c(4.0, 9.0, 200), t(200));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Regressed), None),
            "told once, not 'not fixed'"
        );
        let (s, told) = evaluate(&s, DONE, c(9.0, 9.0, 220), t(220));
        assert_eq!(
            (s.verdict, told),
            (Some(Verdict::Verified), Some(Verdict::Verified))
        );
    }

    #[test]
    fn no_score_or_no_maximum_says_nothing() {
        let (s, told) = evaluate(&TicketScore::default(), DONE, None, t(100));
        assert_eq!((s.verdict, told), (None, None));
        let zero = ControlNow {
            points: Some(0.0),
            max_points: Some(0.0),
            as_of: t(5),
        };
        assert!(!zero.full());
        let unknown = Some(ControlNow {
            points: None,
            max_points: Some(5.0),
            as_of: t(5),
        });
        let (_, told) = evaluate(&TicketScore::default(), OPEN, unknown, t(5));
        assert_eq!(told, None);
    }
}
