//! The words of a change notification: which changes the admin wants to hear about, and one
//! notification for what one poll found (a single change told as it is, several as a summary).
//! State names are the admin's own; the texts come from the UI's locale files.

use super::TicketKind;
use super::watch::{Change, TicketChange};
use crate::i18n;
use crate::secure_score::verify::Verdict;
use serde::{Deserialize, Serialize};

/// At most this many lines in a summary's body; the rest are counted.
const SUMMARY_LINES: usize = 5;

/// Which changes notify. All of them by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotifyKinds {
    pub state: bool,
    pub assigned: bool,
    pub priority: bool,
    pub due: bool,
    pub comments: bool,
    pub closed: bool,
    /// Verified by Secure Score, closed but not fixed yet, regressed.
    pub score: bool,
}

impl Default for NotifyKinds {
    fn default() -> Self {
        Self {
            state: true,
            assigned: true,
            priority: true,
            due: true,
            comments: true,
            closed: true,
            score: true,
        }
    }
}

impl NotifyKinds {
    pub fn wants(&self, change: &Change) -> bool {
        match change {
            Change::StateChanged { .. } => self.state,
            Change::Assigned { .. } => self.assigned,
            Change::PriorityChanged { .. } => self.priority,
            Change::Closed { .. } => self.closed,
            Change::DuePassed { .. } => self.due,
            Change::Scored { .. } => self.score,
            // An update the watcher cannot name is, as a rule, a journal entry it could not read.
            Change::Commented { .. } | Change::Updated => self.comments,
        }
    }
}

/// One native notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The ticket to open on a click, when the notification is about one ticket.
    pub sys_id: Option<String>,
}

/// What a notice needs from the board: the admin's name for a state.
pub trait StateLabel {
    fn state_label(&self, kind: Option<TicketKind>, value: &str) -> String;
}

impl<F: Fn(Option<TicketKind>, &str) -> String> StateLabel for F {
    fn state_label(&self, kind: Option<TicketKind>, value: &str) -> String {
        self(kind, value)
    }
}

fn priority_text(lang: &str, p: u8) -> String {
    let label = i18n::text(lang, &format!("priority.p{p}"));
    i18n::format(
        lang,
        "priority.option",
        &[("n", &p.to_string()), ("label", &label)],
    )
}

/// One line for one change: `INC0010024 is now Being fixed`.
pub fn line(lang: &str, t: &TicketChange, change: &Change, labels: &dyn StateLabel) -> String {
    let n = t.number.as_str();
    let someone = || i18n::text(lang, "notify.someone");
    match change {
        Change::StateChanged { to, .. } => i18n::format(
            lang,
            "notify.stateChanged",
            &[("number", n), ("state", &labels.state_label(t.kind, to))],
        ),
        Change::Assigned { to: Some(_), name } => i18n::format(
            lang,
            "notify.assigned",
            &[
                ("number", n),
                ("who", &name.clone().unwrap_or_else(someone)),
            ],
        ),
        Change::Assigned { to: None, .. } => {
            i18n::format(lang, "notify.unassigned", &[("number", n)])
        }
        Change::PriorityChanged { to, .. } => i18n::format(
            lang,
            "notify.priority",
            &[
                ("number", n),
                (
                    "priority",
                    &to.map(|p| priority_text(lang, p)).unwrap_or_default(),
                ),
            ],
        ),
        Change::Closed { state } => i18n::format(
            lang,
            "notify.closed",
            &[("number", n), ("state", &labels.state_label(t.kind, state))],
        ),
        Change::Commented { work_note, by, .. } => i18n::format(
            lang,
            if *work_note {
                "notify.workNote"
            } else {
                "notify.comment"
            },
            &[("number", n), ("who", &by.clone().unwrap_or_else(someone))],
        ),
        Change::DuePassed { .. } => i18n::format(lang, "notify.due", &[("number", n)]),
        Change::Scored { verdict } => i18n::format(
            lang,
            match verdict {
                Verdict::Verified => "notify.verified",
                Verdict::ClosedNotFixed => "notify.closedNotFixed",
                Verdict::Regressed => "notify.regressed",
            },
            &[("number", n)],
        ),
        Change::Updated => i18n::format(lang, "notify.updated", &[("number", n)]),
    }
}

/// Text for a notification server that reads the body as markup (the FreeDesktop
/// `body-markup` capability): ServiceNow's text shows as written, never as formatting or links.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The one notification for what a poll found, or `None` when nothing the admin asked for
/// changed.
pub fn notice(
    lang: &str,
    changes: &[TicketChange],
    kinds: &NotifyKinds,
    labels: &dyn StateLabel,
) -> Option<Notice> {
    let wanted: Vec<(&TicketChange, Vec<&Change>)> = changes
        .iter()
        .map(|t| (t, t.changes.iter().filter(|c| kinds.wants(c)).collect()))
        .filter(|(_, c): &(_, Vec<_>)| !c.is_empty())
        .collect();
    let lines: Vec<(&TicketChange, &Change)> = wanted
        .iter()
        .flat_map(|(t, cs)| cs.iter().map(move |c| (*t, *c)))
        .collect();
    match (wanted.len(), lines.len()) {
        (0, _) => None,
        (1, 1) => {
            let (t, c) = lines[0];
            let body = match c {
                Change::Commented { text, .. } if !text.is_empty() => {
                    format!("{}\n“{}”", t.name, text)
                }
                _ => t.name.clone(),
            };
            Some(Notice {
                title: line(lang, t, c, labels),
                body,
                sys_id: Some(t.sys_id.clone()),
            })
        }
        (tickets, count) => {
            let title = if tickets == 1 {
                i18n::plural(
                    lang,
                    "notify.summaryOne",
                    count as u64,
                    &[("number", &lines[0].0.number)],
                )
            } else {
                i18n::plural(lang, "notify.summaryTitle", tickets as u64, &[])
            };
            let mut body: Vec<String> = lines
                .iter()
                .take(SUMMARY_LINES)
                .map(|(t, c)| line(lang, t, c, labels))
                .collect();
            if count > SUMMARY_LINES {
                body.push(i18n::plural(
                    lang,
                    "notify.more",
                    (count - SUMMARY_LINES) as u64,
                    &[],
                ));
            }
            Some(Notice {
                title,
                body: body.join("\n"),
                sys_id: (tickets == 1).then(|| lines[0].0.sys_id.clone()),
            })
        }
    }
}

/// The notification that tells the admin the watcher stopped because the sign-in was lost.
pub fn reconnect(lang: &str) -> Notice {
    Notice {
        title: i18n::text(lang, "notify.reconnectTitle"),
        body: i18n::text(lang, "notify.reconnectBody"),
        sys_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_for_servers_that_read_it() {
        assert_eq!(
            escape_markup("<b>Fix</b> & <a href='x'>\"MFA\"</a>"),
            "&lt;b&gt;Fix&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;&quot;MFA&quot;&lt;/a&gt;"
        );
        assert_eq!(escape_markup("plain"), "plain");
    }

    fn labels(_: Option<TicketKind>, value: &str) -> String {
        match value {
            "2" => "Being fixed".into(),
            "7" => "Closed".into(),
            v => format!("state {v}"),
        }
    }

    fn inc(n: u32, changes: Vec<Change>) -> TicketChange {
        TicketChange::new(
            &format!("id{n}"),
            &format!("INC00{n}"),
            Some(TicketKind::Incident),
            "Turn on MFA for admins",
            "2",
            changes,
        )
    }

    fn state_to(v: &str) -> Change {
        Change::StateChanged {
            from: "1".into(),
            to: v.into(),
        }
    }

    #[test]
    fn one_change_is_told_with_the_admins_state_name() {
        let n = notice(
            "en",
            &[inc(1, vec![state_to("2")])],
            &NotifyKinds::default(),
            &labels,
        )
        .unwrap();
        assert_eq!(n.title, "INC001 is now Being fixed");
        assert_eq!(n.body, "Turn on MFA for admins");
        assert_eq!(n.sys_id.as_deref(), Some("id1"));
    }

    #[test]
    fn several_changes_become_one_summary() {
        let changes: Vec<_> = (1..=7).map(|i| inc(i, vec![state_to("2")])).collect();
        let n = notice("en", &changes, &NotifyKinds::default(), &labels).unwrap();
        assert_eq!(n.title, "7 tickets changed");
        let body: Vec<_> = n.body.lines().collect();
        assert_eq!(body.len(), 6);
        assert_eq!(body[0], "INC001 is now Being fixed");
        assert_eq!(body[5], "and 2 more");
        assert_eq!(n.sys_id, None, "a summary opens the app, not one ticket");

        let one = inc(
            3,
            vec![
                state_to("2"),
                Change::Assigned {
                    to: Some("u".into()),
                    name: Some("Beth Agent".into()),
                },
            ],
        );
        let n = notice("en", &[one], &NotifyKinds::default(), &labels).unwrap();
        assert_eq!(n.title, "INC003 changed 2 times");
        assert_eq!(
            n.body,
            "INC003 is now Being fixed\nINC003 was assigned to Beth Agent"
        );
        assert_eq!(n.sys_id.as_deref(), Some("id3"));
    }

    #[test]
    fn only_the_changes_the_admin_chose_notify() {
        let kinds = NotifyKinds {
            comments: false,
            ..NotifyKinds::default()
        };
        let comment = Change::Commented {
            work_note: true,
            by: Some("beth.agent".into()),
            text: "Rolling out tonight".into(),
        };
        assert_eq!(
            notice("en", &[inc(1, vec![comment.clone()])], &kinds, &labels),
            None
        );
        let n = notice(
            "en",
            &[inc(1, vec![comment, Change::Closed { state: "7".into() }])],
            &kinds,
            &labels,
        )
        .unwrap();
        assert_eq!(n.title, "INC001 was closed: Closed");
        let n = notice(
            "en",
            &[inc(
                2,
                vec![Change::Commented {
                    work_note: false,
                    by: None,
                    text: "Done?".into(),
                }],
            )],
            &NotifyKinds::default(),
            &labels,
        )
        .unwrap();
        assert_eq!(n.title, "Someone commented on INC002");
        assert_eq!(n.body, "Turn on MFA for admins\n“Done?”");
    }

    #[test]
    fn every_language_has_every_notification_text() {
        let all = [
            state_to("2"),
            Change::Assigned {
                to: Some("u".into()),
                name: None,
            },
            Change::Assigned {
                to: None,
                name: None,
            },
            Change::PriorityChanged {
                from: Some(3),
                to: Some(1),
            },
            Change::Closed { state: "7".into() },
            Change::Commented {
                work_note: false,
                by: None,
                text: String::new(),
            },
            Change::Commented {
                work_note: true,
                by: None,
                text: String::new(),
            },
            Change::DuePassed {
                due: chrono::Utc::now(),
            },
            Change::Updated,
        ];
        for lang in ["en", "fr", "ja", "nl", "sv", "zh-TW"] {
            for c in &all {
                let l = line(lang, &inc(9, vec![]), c, &labels);
                assert!(l.contains("INC009"), "{lang}: {l}");
                assert!(!l.contains('{'), "{lang}: a placeholder is left in {l}");
            }
            let r = reconnect(lang);
            assert!(
                !r.title.starts_with("notify."),
                "{lang} lacks the reconnect text"
            );
        }
    }
}
