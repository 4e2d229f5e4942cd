//! Microsoft Secure Score as read from Microsoft Graph, turned into a typed,
//! joined model.
//!
//! This module is pure: it takes the JSON objects Graph returned (every page
//! of `/security/secureScoreControlProfiles` and `/security/secureScores`,
//! already fetched) and builds [`Control`]s, [`Snapshot`]s and a
//! [`ScoreBoard`]. No network, no I/O, no clock.
//!
//! Graph's data is loose: numbers arrive as strings, fields are missing, null
//! or of the wrong type, the order of snapshots is not documented. Every
//! parser here skips what it cannot use and keeps the rest; nothing panics and
//! one bad object never fails a whole list.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

/// A control's tier, as Graph's `tier` names it (in any casing and spacing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Core,
    DefenseInDepth,
    Advanced,
    /// A non-empty tier this module does not know.
    Other,
}

/// `userImpact` / `implementationCost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Moderate,
    High,
}

/// A control's current state: the latest entry of `controlStateUpdates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlState {
    Default,
    Ignored,
    ThirdParty,
    Reviewed,
    /// A state string this module does not know.
    Other,
}

/// The five Secure Score categories as the portal names them.
pub const CATEGORIES: [&str; 5] = ["Identity", "Data", "Devices", "Apps", "Infrastructure"];

/// One `secureScoreControlProfile`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Control {
    /// The profile id (`AdminMFAV2`, `scid_2010`, ...), trimmed, never empty.
    pub id: String,
    /// The title; the id when Graph gave none.
    pub title: String,
    /// One of [`CATEGORIES`] (`Device` → `Devices`, `Account` → `Identity`).
    pub category: Option<&'static str>,
    pub action_type: Option<String>,
    pub service: Option<String>,
    pub max_score: Option<f64>,
    pub rank: Option<u32>,
    /// `None` when missing or empty, [`Tier::Other`] when unknown.
    pub tier: Option<Tier>,
    pub user_impact: Option<Level>,
    pub implementation_cost: Option<Level>,
    /// Plain text (see [`html_to_text`]); empty when missing.
    pub remediation: String,
    /// Plain text (see [`html_to_text`]); empty when missing.
    pub remediation_impact: String,
    pub threats: Vec<String>,
    pub deprecated: bool,
    /// Only an absolute `https://` URL (see [`safe_action_url`]).
    pub action_url: Option<String>,
    pub state: ControlState,
    /// Defender for Endpoint control: id `scid_…` or service `MDATP`.
    pub defender_for_endpoint: bool,
}

/// One entry of a snapshot's `controlScores`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlScore {
    pub score: f64,
    pub category: Option<&'static str>,
    /// Plain text (see [`html_to_text`]).
    pub description: Option<String>,
    /// The undocumented `scoreInPercentage`.
    pub percentage: Option<f64>,
    /// The undocumented `implementationStatus` (prose), as plain text.
    pub implementation_status: Option<String>,
}

/// One daily `secureScore`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// `{tenantId}_{YYYY-MM-DD}`; empty when Graph gave none.
    pub id: String,
    pub created: DateTime<Utc>,
    pub current_score: Option<f64>,
    pub max_score: Option<f64>,
    /// Control scores by `controlName`.
    pub scores: BTreeMap<String, ControlScore>,
}

/// One line of the improvement-actions list: a control joined with its score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoredAction {
    /// For a score without a profile: id = `controlName`, title = the
    /// description (or the id), category from the score,
    /// `defender_for_endpoint` from the id (`scid_…`), state `Default`,
    /// everything else empty/None/false.
    #[serde(flatten)]
    pub control: Control,
    /// The newest snapshot's score for it.
    pub points: Option<f64>,
    /// The profile's `maxScore`.
    pub max_points: Option<f64>,
    /// `max_points - points`, never below 0 (None unless both known).
    pub to_gain: Option<f64>,
    pub has_profile: bool,
    pub has_score: bool,
}

/// Everything the Secure Score view shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreBoard {
    /// The newest snapshot's `createdDateTime`.
    pub as_of: Option<DateTime<Utc>>,
    pub current_score: Option<f64>,
    pub max_score: Option<f64>,
    /// current / max * 100, rounded to 1 decimal; None if max is 0 (or
    /// below) or unknown.
    pub percentage: Option<f64>,
    /// Deprecated controls left out; sorted by rank (None last), then title
    /// (case-insensitively), then id.
    pub actions: Vec<ScoredAction>,
    /// How many (distinct) deprecated controls were left out.
    pub deprecated_hidden: usize,
}

// ---------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------

/// Every usable profile, deprecated ones included, in the order given.
///
/// Objects that are not JSON objects or have no usable `id` (a non-empty
/// string, or a number) are skipped. When an id appears twice the first
/// wins. Every other field is optional and read leniently.
pub fn parse_profiles(values: &[Value]) -> Vec<Control> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for value in values {
        if let Some(control) = parse_profile(value)
            && seen.insert(control.id.clone())
        {
            out.push(control);
        }
    }
    out
}

fn parse_profile(value: &Value) -> Option<Control> {
    let o = value.as_object()?;
    let id = ident(o.get("id"))?;
    let service = text_field(o.get("service"));
    let defender_for_endpoint = is_scid(&id)
        || service
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("MDATP"));
    Some(Control {
        title: text_field(o.get("title")).unwrap_or_else(|| id.clone()),
        category: o
            .get("controlCategory")
            .and_then(Value::as_str)
            .and_then(category),
        action_type: text_field(o.get("actionType")),
        service,
        max_score: number(o.get("maxScore")),
        rank: rank(o.get("rank")),
        tier: o.get("tier").and_then(Value::as_str).and_then(tier),
        user_impact: o.get("userImpact").and_then(Value::as_str).and_then(level),
        implementation_cost: o
            .get("implementationCost")
            .and_then(Value::as_str)
            .and_then(level),
        remediation: html_field(o.get("remediation")),
        remediation_impact: html_field(o.get("remediationImpact")),
        threats: threats(o.get("threats")),
        deprecated: boolean(o.get("deprecated")).unwrap_or(false),
        action_url: o
            .get("actionUrl")
            .and_then(Value::as_str)
            .and_then(safe_action_url),
        state: current_state(o.get("controlStateUpdates")),
        defender_for_endpoint,
        id,
    })
}

fn is_scid(id: &str) -> bool {
    id.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("scid_"))
}

/// The state of the latest `controlStateUpdates` entry by `updatedDateTime`.
///
/// Entries without a string `state` are ignored. Entries whose date cannot
/// be read count as older than every dated one. Among equal dates the entry
/// listed last wins (Graph appends updates). No usable entry: `Default`.
fn current_state(updates: Option<&Value>) -> ControlState {
    let Some(Value::Array(items)) = updates else {
        return ControlState::Default;
    };
    let mut best: Option<(Option<DateTime<Utc>>, ControlState)> = None;
    for item in items {
        let Some(o) = item.as_object() else { continue };
        let Some(state) = o.get("state").and_then(Value::as_str) else {
            continue;
        };
        let when = timestamp(o.get("updatedDateTime"));
        // `None < Some(_)` for Option, so undated entries lose to dated ones.
        if best.as_ref().is_none_or(|(b, _)| when >= *b) {
            best = Some((when, control_state(state)));
        }
    }
    best.map_or(ControlState::Default, |(_, s)| s)
}

fn control_state(raw: &str) -> ControlState {
    match squash(raw).as_str() {
        "default" => ControlState::Default,
        "ignored" => ControlState::Ignored,
        "thirdparty" => ControlState::ThirdParty,
        "reviewed" => ControlState::Reviewed,
        _ => ControlState::Other,
    }
}

fn threats(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text_field(Some(v))).collect(),
        Some(Value::String(_)) => text_field(value).into_iter().collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------

/// Every snapshot with a readable `createdDateTime` (RFC 3339; a date-time
/// without offset is taken as UTC), in the order given.
///
/// A `controlScores` entry needs a `controlName` and a readable `score`
/// (number or numeric string); others are skipped. When a `controlName`
/// appears twice in one snapshot, the FIRST usable entry wins.
pub fn parse_snapshots(values: &[Value]) -> Vec<Snapshot> {
    values.iter().filter_map(parse_snapshot).collect()
}

/// The newest snapshot only (by `createdDateTime`; Graph's order is not documented), parsed
/// without parsing the control scores of the others: what a refresh needs.
pub fn parse_newest_snapshot(values: &[Value]) -> Option<Snapshot> {
    let mut best: Option<(DateTime<Utc>, &Value)> = None;
    for v in values {
        let Some(created) = v
            .as_object()
            .and_then(|o| timestamp(o.get("createdDateTime")))
        else {
            continue;
        };
        if best.is_none_or(|(b, _)| created > b) {
            best = Some((created, v));
        }
    }
    best.and_then(|(_, v)| parse_snapshot(v))
}

fn parse_snapshot(value: &Value) -> Option<Snapshot> {
    let o = value.as_object()?;
    let created = timestamp(o.get("createdDateTime"))?;
    let mut scores = BTreeMap::new();
    if let Some(Value::Array(items)) = o.get("controlScores") {
        for item in items {
            if let Some((name, score)) = item.as_object().and_then(parse_control_score) {
                scores.entry(name).or_insert(score);
            }
        }
    }
    Some(Snapshot {
        id: ident(o.get("id")).unwrap_or_default(),
        created,
        current_score: number(o.get("currentScore")),
        max_score: number(o.get("maxScore")),
        scores,
    })
}

fn parse_control_score(o: &Map<String, Value>) -> Option<(String, ControlScore)> {
    let name = ident(o.get("controlName"))?;
    let score = number(o.get("score"))?;
    let prose = |key: &str| {
        let text = html_field(o.get(key));
        (!text.is_empty()).then_some(text)
    };
    Some((
        name,
        ControlScore {
            score,
            category: o
                .get("controlCategory")
                .and_then(Value::as_str)
                .and_then(category),
            description: prose("description"),
            percentage: number(o.get("scoreInPercentage")),
            implementation_status: prose("implementationStatus"),
        },
    ))
}

/// The newest snapshot by `created`; on a tie the one listed first.
pub fn newest(snapshots: &[Snapshot]) -> Option<&Snapshot> {
    let mut best: Option<&Snapshot> = None;
    for s in snapshots {
        if best.is_none_or(|b| s.created > b.created) {
            best = Some(s);
        }
    }
    best
}

// ---------------------------------------------------------------------------
// Join
// ---------------------------------------------------------------------------

/// Joins profiles with the newest snapshot's control scores, on the control id.
///
/// Ids are matched exactly (after trimming, which the parsers do). Profiles
/// given twice: the first wins. Deprecated profiles are left out (and their
/// scores with them) and counted in `deprecated_hidden`. A profile without a
/// score and a score without a profile both make an action, flagged by
/// `has_profile` / `has_score`.
pub fn join(profiles: &[Control], snapshots: &[Snapshot]) -> ScoreBoard {
    let snapshot = newest(snapshots);
    let empty = BTreeMap::new();
    let scores = snapshot.map_or(&empty, |s| &s.scores);

    let mut seen: HashSet<&str> = HashSet::new();
    let mut deprecated_hidden = 0;
    let mut actions = Vec::new();
    for control in profiles {
        if !seen.insert(control.id.as_str()) {
            continue;
        }
        if control.deprecated {
            deprecated_hidden += 1;
            continue;
        }
        let score = scores.get(&control.id);
        let points = score.map(|s| s.score);
        actions.push(ScoredAction {
            control: control.clone(),
            points,
            max_points: control.max_score,
            to_gain: to_gain(control.max_score, points),
            has_profile: true,
            has_score: score.is_some(),
        });
    }
    for (name, score) in scores {
        if seen.contains(name.as_str()) {
            continue;
        }
        actions.push(ScoredAction {
            control: control_from_score(name, score),
            points: Some(score.score),
            max_points: None,
            to_gain: None,
            has_profile: false,
            has_score: true,
        });
    }

    let mut keyed: Vec<_> = actions
        .into_iter()
        .map(|a| {
            (
                (
                    a.control.rank.is_none(),
                    a.control.rank,
                    a.control.title.to_lowercase(),
                ),
                a,
            )
        })
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        ka.cmp(kb)
            .then_with(|| a.control.title.cmp(&b.control.title))
            .then_with(|| a.control.id.cmp(&b.control.id))
    });
    let actions = keyed.into_iter().map(|(_, a)| a).collect();

    let current_score = snapshot.and_then(|s| s.current_score);
    let max_score = snapshot.and_then(|s| s.max_score);
    ScoreBoard {
        as_of: snapshot.map(|s| s.created),
        current_score,
        max_score,
        percentage: percentage(current_score, max_score),
        actions,
        deprecated_hidden,
    }
}

fn control_from_score(name: &str, score: &ControlScore) -> Control {
    Control {
        id: name.to_string(),
        title: score
            .description
            .clone()
            .unwrap_or_else(|| name.to_string()),
        category: score.category,
        action_type: None,
        service: None,
        max_score: None,
        rank: None,
        tier: None,
        user_impact: None,
        implementation_cost: None,
        remediation: String::new(),
        remediation_impact: String::new(),
        threats: Vec::new(),
        deprecated: false,
        action_url: None,
        state: ControlState::Default,
        defender_for_endpoint: is_scid(name),
    }
}

fn to_gain(max: Option<f64>, points: Option<f64>) -> Option<f64> {
    let gain = max? - points?;
    // `max` turns NaN into 0 as well.
    Some(gain.max(0.0))
}

fn percentage(current: Option<f64>, max: Option<f64>) -> Option<f64> {
    let (current, max) = (current?, max?);
    if max.is_nan() || max <= 0.0 {
        return None;
    }
    let p = (current / max * 1000.0).round() / 10.0;
    p.is_finite().then_some(p)
}

// ---------------------------------------------------------------------------
// Field readers
// ---------------------------------------------------------------------------

/// A finite number from a JSON number or a numeric string (trimmed, an
/// optional trailing `%` allowed).
fn number(value: Option<&Value>) -> Option<f64> {
    let n = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            let t = t.strip_suffix('%').unwrap_or(t).trim_end();
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A rank: a non-negative whole number (JSON number or string).
fn rank(value: Option<&Value>) -> Option<u32> {
    let whole = |f: f64| {
        (f.is_finite() && f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f))
            .then_some(f as u32)
    };
    match value? {
        Value::Number(n) => match n.as_u64() {
            Some(u) => u32::try_from(u).ok(),
            None => whole(n.as_f64()?),
        },
        Value::String(s) => {
            let t = s.trim();
            t.parse::<u32>()
                .ok()
                .or_else(|| whole(t.parse::<f64>().ok()?))
        }
        _ => None,
    }
}

fn boolean(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("true") {
                Some(true)
            } else if t.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A trimmed, non-empty string.
fn text_field(value: Option<&Value>) -> Option<String> {
    let t = value?.as_str()?.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// An identifier: a trimmed non-empty string, or a number written out.
fn ident(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(n.to_string()),
        other => text_field(Some(other)),
    }
}

fn html_field(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .map(html_to_text)
        .unwrap_or_default()
}

/// RFC 3339, or an ISO date-time without offset (taken as UTC).
fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let s = value?.as_str()?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
}

/// Lowercase ASCII letters and digits only: "Defense In Depth" → "defenseindepth".
fn squash(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn category(raw: &str) -> Option<&'static str> {
    let name = match squash(raw).as_str() {
        "identity" | "account" => "Identity",
        "data" => "Data",
        "device" | "devices" => "Devices",
        "apps" | "app" => "Apps",
        "infrastructure" => "Infrastructure",
        _ => return None,
    };
    CATEGORIES.iter().copied().find(|c| *c == name)
}

/// `None` for an empty tier, [`Tier::Other`] for an unknown one.
fn tier(raw: &str) -> Option<Tier> {
    let t = squash(raw);
    Some(match t.as_str() {
        "" => return None,
        "core" => Tier::Core,
        "defenseindepth" => Tier::DefenseInDepth,
        "advanced" => Tier::Advanced,
        _ => Tier::Other,
    })
}

fn level(raw: &str) -> Option<Level> {
    match squash(raw).as_str() {
        "low" => Some(Level::Low),
        "moderate" => Some(Level::Moderate),
        "high" => Some(Level::High),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------

/// `actionUrl` as a link a ticket may carry and the browser may open: only an
/// absolute `https://` URL with a host and without whitespace, control
/// characters, invisible format characters (bidi overrides, zero-width) or
/// any of `<`, `>`, `"`, `\` and the backtick. Surrounding whitespace is
/// trimmed first.
pub fn safe_action_url(raw: &str) -> Option<String> {
    web_url(raw, false)
}

/// An absolute `https://` (or, when `allow_http`, `http://`) URL, trimmed.
fn web_url(raw: &str, allow_http: bool) -> Option<String> {
    let url = raw.trim();
    let rest = strip_prefix_ignore_case(url, "https://").or_else(|| {
        if allow_http {
            strip_prefix_ignore_case(url, "http://")
        } else {
            None
        }
    })?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..host_end)?;
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return None;
    }
    let bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '\\' | '`')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    };
    if url.chars().any(bad) {
        return None;
    }
    Some(url.to_string())
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// HTML to text
// ---------------------------------------------------------------------------

/// Plain text from Graph's HTML, for display.
///
/// - Tags are stripped; `<script>` and `<style>` lose their content too;
///   comments are dropped.
/// - `<br>` is a line break; `<p>`, `<div>`, headings, table rows and other
///   block elements start and end a line; `<td>`/`<th>` are separated by a
///   space.
/// - `<ul>`/`<ol>` items become lines starting with `• ` or `1. ` (an `<ol
///   start>` is honoured); nested lists are indented by two spaces a level.
/// - `<a href="URL">text</a>` becomes `text (URL)`, just `URL` when the text
///   is empty or equals the URL. Links that are not absolute `http(s)://`
///   (`javascript:`, `mailto:`, relative) keep only their text.
/// - Entities `&amp; &lt; &gt; &quot; &apos; &nbsp;`, a few typographic ones
///   (`&ndash; &mdash; &hellip; &lsquo; &rsquo; &ldquo; &rdquo; &bull;
///   &middot; &copy; &reg; &trade;`) and numeric `&#123;` / `&#x1F600;` are
///   decoded; unknown or invalid ones are left as they are.
/// - Line breaks in the text itself are kept; runs of spaces collapse to
///   one; lines are trimmed at the end; at most one blank line in a row; the
///   whole is trimmed. Control characters are dropped.
/// - Broken HTML never panics: a `<` that does not start a tag (`a < b`) or
///   a tag never closed by `>` (`<a href="x"`) stays as literal text; an
///   unclosed `<a>` is finished at the end; a stray end tag is ignored.
pub fn html_to_text(html: &str) -> String {
    let src = Source::new(html);
    let bytes = html.as_bytes();
    let mut r = Renderer::default();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let Some(markup) = src.markup(i) else {
            i += 1;
            continue;
        };
        r.out
            .text(&decode_entities(html.get(text_start..i).unwrap_or("")));
        let end = match markup {
            Markup::Skip { end } => end,
            Markup::Tag(tag) => r.tag(&tag, &src.lower),
        };
        // Always move forward, whatever the markup said.
        i = end.max(i + 1).min(bytes.len());
        text_start = i;
    }
    r.out
        .text(&decode_entities(html.get(text_start..).unwrap_or("")));
    r.close_link();
    r.out.finish()
}

enum Markup<'a> {
    /// A comment, doctype, processing instruction or `</>`: dropped.
    Skip {
        end: usize,
    },
    Tag(Tag<'a>),
}

struct Tag<'a> {
    /// Lowercase name.
    name: &'a str,
    closing: bool,
    self_closing: bool,
    /// The raw text between the name and `>`.
    attrs: &'a str,
    /// Byte index just past `>`.
    end: usize,
}

/// The input with what the tokenizer needs to stay linear on hostile input.
struct Source<'a> {
    html: &'a str,
    /// ASCII-lowercased copy (same byte offsets).
    lower: String,
    /// Position of the last `>`: no tag can close after it.
    last_gt: Option<usize>,
    /// Position of the last `-->`: no comment can close after it.
    last_comment_end: Option<usize>,
}

/// How far a quote-aware search for a tag's `>` goes before falling back
/// to the first `>` (keeps hostile input from costing quadratic time).
const TAG_SCAN_LIMIT: usize = 2048;

impl<'a> Source<'a> {
    fn new(html: &'a str) -> Self {
        Source {
            html,
            lower: html.to_ascii_lowercase(),
            last_gt: html.rfind('>'),
            last_comment_end: html.rfind("-->"),
        }
    }

    /// The byte index just past the first `>` at or after `from`.
    fn after_gt(&self, from: usize) -> Option<usize> {
        if self.last_gt.is_none_or(|g| g < from) {
            return None;
        }
        let p = self.html.get(from..)?.find('>')?;
        Some(from + p + 1)
    }

    /// Markup starting at `html[i] == '<'`, or None when that `<` is plain text.
    fn markup(&self, i: usize) -> Option<Markup<'_>> {
        let b = self.html.as_bytes();
        match *b.get(i + 1)? {
            b'!' => {
                if self.html.get(i..i + 4) == Some("<!--")
                    && self.last_comment_end.is_some_and(|e| e >= i + 4)
                    && let Some(p) = self.html.get(i + 4..).and_then(|r| r.find("-->"))
                {
                    return Some(Markup::Skip { end: i + 4 + p + 3 });
                }
                self.after_gt(i + 2).map(|end| Markup::Skip { end })
            }
            b'?' => self.after_gt(i + 2).map(|end| Markup::Skip { end }),
            b'/' => match *b.get(i + 2)? {
                b'>' => Some(Markup::Skip { end: i + 3 }),
                c if c.is_ascii_alphabetic() => self.tag_at(i + 2, true),
                _ => None,
            },
            c if c.is_ascii_alphabetic() => self.tag_at(i + 1, false),
            _ => None,
        }
    }

    fn tag_at(&self, start: usize, closing: bool) -> Option<Markup<'_>> {
        let b = self.html.as_bytes();
        let mut name_end = start;
        while name_end < b.len()
            && (b[name_end].is_ascii_alphanumeric() || matches!(b[name_end], b'-' | b':' | b'_'))
        {
            name_end += 1;
        }
        // No `>` anywhere after the name: not a tag (checked first so that a
        // long run of `<a<a<a` stays linear).
        let first_gt = self.after_gt(name_end)? - 1;
        // Quote-aware search for the closing `>`: a quote opens a value only
        // right after `=`.
        let mut quote: Option<u8> = None;
        let mut last = 0u8;
        let mut gt = None;
        for (k, &c) in b.iter().enumerate().skip(name_end).take(TAG_SCAN_LIMIT) {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'>' => {
                    gt = Some(k);
                    break;
                }
                None if (c == b'"' || c == b'\'') && last == b'=' => quote = Some(c),
                None => {}
            }
            if !c.is_ascii_whitespace() {
                last = c;
            }
        }
        // An unbalanced quote (or a monstrous tag): fall back to the first `>`.
        let gt = gt.unwrap_or(first_gt);
        let attrs = self.html.get(name_end..gt)?;
        Some(Markup::Tag(Tag {
            name: self.lower.get(start..name_end)?,
            closing,
            self_closing: attrs.trim_end().ends_with('/'),
            attrs,
            end: gt + 1,
        }))
    }
}

/// The value of attribute `want` (entities decoded), if present.
fn attribute(attrs: &str, want: &str) -> Option<String> {
    let cs: Vec<char> = attrs.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].is_whitespace() || cs[i] == '/' {
            i += 1;
            continue;
        }
        let name_start = i;
        while i < cs.len() && !cs[i].is_whitespace() && !matches!(cs[i], '=' | '/') {
            i += 1;
        }
        if i == name_start {
            // A stray `=`: step over it.
            i += 1;
            continue;
        }
        let name: String = cs[name_start..i].iter().collect();
        while i < cs.len() && cs[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < cs.len() && cs[i] == '=' {
            i += 1;
            while i < cs.len() && cs[i].is_whitespace() {
                i += 1;
            }
            if i < cs.len() && (cs[i] == '"' || cs[i] == '\'') {
                let q = cs[i];
                i += 1;
                while i < cs.len() && cs[i] != q {
                    value.push(cs[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < cs.len() && !cs[i].is_whitespace() {
                    value.push(cs[i]);
                    i += 1;
                }
            }
        }
        if name.eq_ignore_ascii_case(want) {
            return Some(decode_entities(&value));
        }
    }
    None
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "hr",
    "address",
    "center",
    "form",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
    "head",
];

enum List {
    Unordered,
    Ordered(u64),
}

struct OpenLink {
    href: Option<String>,
    /// Where the link's text starts in the output.
    start: usize,
}

#[derive(Default)]
struct Renderer {
    out: TextOut,
    lists: Vec<List>,
    link: Option<OpenLink>,
}

impl Renderer {
    /// Handles one tag; returns the byte index to continue from.
    fn tag(&mut self, tag: &Tag<'_>, lower: &str) -> usize {
        let name = tag.name;
        match name {
            "script" | "style" if !tag.closing && !tag.self_closing => {
                // Drop everything up to and including the end tag (or to the
                // end of the input when there is none).
                let Some(rest) = lower.get(tag.end..) else {
                    return lower.len();
                };
                let close = format!("</{name}");
                return match rest.find(&close) {
                    Some(p) => {
                        let from = tag.end + p + close.len();
                        lower
                            .get(from..)
                            .and_then(|r| r.find('>'))
                            .map_or(lower.len(), |q| from + q + 1)
                    }
                    None => lower.len(),
                };
            }
            "br" => self.out.hard_break(),
            "a" => {
                self.close_link();
                if !tag.closing {
                    self.link = Some(OpenLink {
                        href: attribute(tag.attrs, "href").and_then(|h| web_url(&h, true)),
                        start: self.out.buf.len(),
                    });
                }
            }
            "ul" | "ol" => {
                self.out.soft_break();
                if tag.closing {
                    self.lists.pop();
                } else if !tag.self_closing {
                    self.lists.push(if name == "ol" {
                        let start = attribute(tag.attrs, "start")
                            .and_then(|s| s.trim().parse::<u64>().ok())
                            .unwrap_or(1);
                        List::Ordered(start)
                    } else {
                        List::Unordered
                    });
                }
            }
            "li" => {
                self.out.soft_break();
                if !tag.closing {
                    let depth = self.lists.len().clamp(1, 10);
                    let marker = match self.lists.last_mut() {
                        Some(List::Ordered(n)) => {
                            let m = format!("{n}. ");
                            *n = n.saturating_add(1);
                            m
                        }
                        _ => "• ".to_string(),
                    };
                    self.out
                        .prefix(&format!("{}{marker}", "  ".repeat(depth - 1)));
                }
            }
            "td" | "th" => self.out.space(),
            _ if BLOCKS.contains(&name) => self.out.soft_break(),
            _ => {}
        }
        tag.end
    }

    fn close_link(&mut self) {
        let Some(link) = self.link.take() else { return };
        let Some(url) = link.href else { return };
        let text = self.out.buf.get(link.start..).unwrap_or("").trim();
        if text.is_empty() {
            self.out.text(&url);
        } else if text != url {
            self.out.space();
            self.out.text(&format!("({url})"));
        }
    }
}

/// Output with space collapsing and blank-line capping.
#[derive(Default)]
struct TextOut {
    buf: String,
    /// Text (not just a list marker) on the current line.
    line_content: bool,
    /// A list marker on the current line.
    line_prefix: bool,
    /// A space is owed before the next character on this line.
    pending_space: bool,
    /// The last character seen was `\r` (so a following `\n` is the same break).
    after_cr: bool,
}

impl TextOut {
    fn text(&mut self, s: &str) {
        for c in s.chars() {
            let after_cr = std::mem::replace(&mut self.after_cr, c == '\r');
            match c {
                '\n' if after_cr => {}
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => self.hard_break(),
                c if c.is_whitespace() => self.space(),
                c if c.is_control() => {}
                c => {
                    if self.pending_space {
                        self.buf.push(' ');
                    }
                    self.pending_space = false;
                    self.buf.push(c);
                    self.line_content = true;
                }
            }
        }
    }

    fn space(&mut self) {
        if self.line_content {
            self.pending_space = true;
        }
    }

    fn hard_break(&mut self) {
        self.pending_space = false;
        if self.buf.is_empty() || self.buf.ends_with("\n\n") {
            return;
        }
        self.buf.push('\n');
        self.line_content = false;
        self.line_prefix = false;
    }

    /// A line break unless already at the start of an empty line.
    fn soft_break(&mut self) {
        if self.line_content || self.line_prefix {
            self.hard_break();
        }
        self.pending_space = false;
    }

    fn prefix(&mut self, marker: &str) {
        self.soft_break();
        self.buf.push_str(marker);
        self.line_prefix = true;
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.buf.len());
        let mut blank_run = false;
        for line in self.buf.lines().map(str::trim_end) {
            if line.is_empty() {
                if blank_run {
                    continue;
                }
                blank_run = true;
            } else {
                blank_run = false;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.trim().to_string()
    }
}

/// Decodes the entities listed at [`html_to_text`]; others stay as they are.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(rest.get(..p).unwrap_or(""));
        let after = rest.get(p + 1..).unwrap_or("");
        match entity(after) {
            Some((c, used)) => {
                out.push(c);
                rest = after.get(used..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character for the entity at the start of `s` (after `&`) and the
/// bytes it used, `;` included.
fn entity(s: &str) -> Option<(char, usize)> {
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = s.get(..semi)?;
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        _ => {
            let num = name.strip_prefix('#')?;
            let (digits, radix) = match num.strip_prefix(['x', 'X']) {
                Some(hex) => (hex, 16),
                None => (num, 10),
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            let code = u32::from_str_radix(digits, radix).ok()?;
            if code == 0 {
                return None;
            }
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod newest_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_newest_snapshot_whatever_the_order() {
        let snap = |id: &str, at: &str, score: f64| {
            json!({"id": id, "createdDateTime": at, "currentScore": score,
                   "controlScores": [{"controlName": "AdminMFAV2", "score": score}]})
        };
        let values = vec![
            snap("b", "2026-11-29T02:00:00Z", 2.0),
            snap("c", "2026-11-30T02:10:00Z", 3.0),
            json!({"id": "broken"}),
            snap("a", "2026-11-28T02:00:00Z", 1.0),
        ];
        let newest = parse_newest_snapshot(&values).unwrap();
        assert_eq!(newest.id, "c");
        assert_eq!(newest.current_score, Some(3.0));
        let all = parse_snapshots(&values);
        assert_eq!(self::newest(&all).map(|s| s.id.as_str()), Some("c"));
        assert!(parse_newest_snapshot(&[]).is_none());
    }

    /// The examples of Microsoft Graph's documentation (tests/fixtures/graph) read as expected.
    #[test]
    fn the_documentations_examples() {
        let list: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/graph/01-v1-list-secureScoreControlProfiles-DLPEnabled.json"
        ))
        .unwrap();
        let patched: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/graph/02-v1-patch-response-secureScoreControlProfile-NonOwnerAccess.json"
        ))
        .unwrap();
        let snapshot: Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/graph/04-v1-get-secureScore.json"
        ))
        .unwrap();
        let mut values = list["value"].as_array().unwrap().clone();
        values.push(patched);
        let profiles = parse_profiles(&values);
        assert_eq!(profiles.len(), 2);
        let dlp = &profiles[0];
        assert_eq!(dlp.title, "Apply Data Loss Prevention policies");
        assert_eq!((dlp.max_score, dlp.rank), (Some(20.0), Some(55)));
        assert_eq!(dlp.tier, Some(Tier::Advanced));
        assert_eq!(dlp.category, Some("Data"));
        assert_eq!(
            dlp.action_url.as_deref(),
            Some("https://compliance.microsoft.com/#/policies")
        );
        let review = &profiles[1];
        assert_eq!(review.state, ControlState::Reviewed);
        assert!(
            !review.remediation.contains('<'),
            "HTML as text: {}",
            review.remediation
        );
        assert!(review.remediation.contains("All non-owners"));

        let newest = parse_newest_snapshot(std::slice::from_ref(&snapshot)).unwrap();
        assert_eq!(newest.current_score, Some(387.0));
        let board = join(&profiles, &[newest]);
        let by_id = |id: &str| board.actions.iter().find(|a| a.control.id == id).unwrap();
        assert_eq!(by_id("DLPEnabled").points, Some(20.0));
        assert_eq!(by_id("DLPEnabled").to_gain, Some(0.0));
        // A profile without a score, and a score without a profile, both stay.
        assert_eq!(by_id("NonOwnerAccess").points, None);
        assert!(!by_id("AdminMFA").has_profile);
        assert_eq!(by_id("AdminMFA").points, Some(35.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn profile(v: Value) -> Control {
        let mut all = parse_profiles(&[v]);
        assert_eq!(all.len(), 1, "expected one profile");
        all.remove(0)
    }

    fn realistic_profile() -> Value {
        json!({
            "id": "NonOwnerAccess",
            "azureTenantId": "00000001-0001-0001-0001-000000000001c",
            "actionType": "Review",
            "actionUrl": "https://outlook.office365.com/NonOwnerAccessReport.aspx",
            "controlCategory": "Data",
            "title": "Review mailbox access by non-owners bi-weekly",
            "deprecated": false,
            "implementationCost": "Low",
            "lastModifiedDateTime": null,
            "maxScore": 5.0,
            "rank": 25,
            "remediation": "Once you have opened the search tool, specify a date range and select access by <b>All non-owners</b> or <b>External users</b>",
            "remediationImpact": "This change will have no effect on your users",
            "service": "EXO",
            "threats": ["Account Breach", "Data Exfiltration", "Malicious Insider"],
            "tier": "Core",
            "userImpact": "Moderate",
            "complianceInformation": null,
            "controlStateUpdates": [{
                "assignedTo": "", "comment": "control is reviewed", "state": "Reviewed",
                "updatedBy": "user1@contoso.com", "updatedDateTime": "2019-03-19T22:37:14.628799Z"
            }],
            "vendorInformation": {"provider": "SecureScore", "providerVersion": null, "subProvider": null, "vendor": "Microsoft"}
        })
    }

    fn realistic_snapshot(id: &str, created: &str, current: f64) -> Value {
        json!({
            "id": id,
            "azureTenantId": "00000001-0001-0001-0001-000000000001c",
            "activeUserCount": 0,
            "createdDateTime": created,
            "currentScore": current,
            "enabledServices": ["HasExchange", "HasSharePoint"],
            "licensedUserCount": 100,
            "maxScore": 697.0,
            "averageComparativeScores": [{"basis": "AllTenants", "averageScore": 37.0}],
            "controlScores": [
                {"controlCategory": "Identity", "controlName": "AdminMFAV2",
                 "description": "Requiring MFA for admins", "score": 10.0,
                 "scoreInPercentage": 100.0, "implementationStatus": "You have 2 of 2 admins with MFA",
                 "lastSynced": "2019-03-19T10:00:00Z", "count": "2", "total": "2"},
                {"controlCategory": "Data", "controlName": "NonOwnerAccess",
                 "description": "Review non-owner access", "score": 2.0}
            ],
            "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"}
        })
    }

    #[test]
    fn realistic_profile_parses_every_field() {
        let c = profile(realistic_profile());
        assert_eq!(c.id, "NonOwnerAccess");
        assert_eq!(c.title, "Review mailbox access by non-owners bi-weekly");
        assert_eq!(c.category, Some("Data"));
        assert_eq!(c.action_type.as_deref(), Some("Review"));
        assert_eq!(c.service.as_deref(), Some("EXO"));
        assert_eq!(c.max_score, Some(5.0));
        assert_eq!(c.rank, Some(25));
        assert_eq!(c.tier, Some(Tier::Core));
        assert_eq!(c.user_impact, Some(Level::Moderate));
        assert_eq!(c.implementation_cost, Some(Level::Low));
        assert_eq!(
            c.remediation,
            "Once you have opened the search tool, specify a date range and select access by All non-owners or External users"
        );
        assert_eq!(
            c.remediation_impact,
            "This change will have no effect on your users"
        );
        assert_eq!(
            c.threats,
            ["Account Breach", "Data Exfiltration", "Malicious Insider"]
        );
        assert!(!c.deprecated);
        assert_eq!(
            c.action_url.as_deref(),
            Some("https://outlook.office365.com/NonOwnerAccessReport.aspx")
        );
        assert_eq!(c.state, ControlState::Reviewed);
        assert!(!c.defender_for_endpoint);
    }

    #[test]
    fn realistic_snapshot_parses() {
        let s = parse_snapshots(&[realistic_snapshot(
            "t_2019-03-19",
            "2019-03-19T15:21:00Z",
            387.0,
        )]);
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.id, "t_2019-03-19");
        assert_eq!(s.created.to_rfc3339(), "2019-03-19T15:21:00+00:00");
        assert_eq!(s.current_score, Some(387.0));
        assert_eq!(s.max_score, Some(697.0));
        assert_eq!(s.scores.len(), 2);
        let mfa = &s.scores["AdminMFAV2"];
        assert_eq!(mfa.score, 10.0);
        assert_eq!(mfa.category, Some("Identity"));
        assert_eq!(mfa.description.as_deref(), Some("Requiring MFA for admins"));
        assert_eq!(mfa.percentage, Some(100.0));
        assert_eq!(
            mfa.implementation_status.as_deref(),
            Some("You have 2 of 2 admins with MFA")
        );
        assert_eq!(s.scores["NonOwnerAccess"].percentage, None);
    }

    #[test]
    fn numbers_as_strings_are_read() {
        let c = profile(json!({"id": "X", "maxScore": " 10 ", "rank": "7"}));
        assert_eq!(c.max_score, Some(10.0));
        assert_eq!(c.rank, Some(7));
        let c = profile(json!({"id": "X", "maxScore": "8.5", "rank": 3.0}));
        assert_eq!(c.max_score, Some(8.5));
        assert_eq!(c.rank, Some(3));
        let c = profile(json!({"id": "X", "maxScore": "ten", "rank": -1}));
        assert_eq!(c.max_score, None);
        assert_eq!(c.rank, None);
        let c = profile(json!({"id": "X", "maxScore": "NaN", "rank": "2.5"}));
        assert_eq!(c.max_score, None);
        assert_eq!(c.rank, None);

        let s = parse_snapshots(&[json!({
            "createdDateTime": "2024-05-01T00:00:00Z", "currentScore": "12.5", "maxScore": "50",
            "controlScores": [{"controlName": "A", "score": "3.5", "scoreInPercentage": "35%"}]
        })]);
        assert_eq!(s[0].current_score, Some(12.5));
        assert_eq!(s[0].max_score, Some(50.0));
        assert_eq!(s[0].scores["A"].score, 3.5);
        assert_eq!(s[0].scores["A"].percentage, Some(35.0));
    }

    #[test]
    fn tiers_in_any_casing_and_spacing() {
        let cases = [
            ("Core", Some(Tier::Core)),
            ("core", Some(Tier::Core)),
            (" CORE ", Some(Tier::Core)),
            ("DefenseInDepth", Some(Tier::DefenseInDepth)),
            ("Defense In Depth", Some(Tier::DefenseInDepth)),
            ("defense-in-depth", Some(Tier::DefenseInDepth)),
            ("defense_in_depth", Some(Tier::DefenseInDepth)),
            ("advanced", Some(Tier::Advanced)),
            ("ADVANCED", Some(Tier::Advanced)),
            ("Experimental", Some(Tier::Other)),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(
                profile(json!({"id": "X", "tier": raw})).tier,
                want,
                "tier {raw:?}"
            );
        }
        assert_eq!(profile(json!({"id": "X", "tier": 3})).tier, None);
        assert_eq!(profile(json!({"id": "X"})).tier, None);
    }

    #[test]
    fn levels_in_any_casing_unknown_is_none() {
        let cases = [
            ("Low", Some(Level::Low)),
            ("low", Some(Level::Low)),
            ("MODERATE", Some(Level::Moderate)),
            ("High", Some(Level::High)),
            ("Medium", None),
            ("", None),
        ];
        for (raw, want) in cases {
            let c = profile(json!({"id": "X", "userImpact": raw, "implementationCost": raw}));
            assert_eq!(c.user_impact, want, "userImpact {raw:?}");
            assert_eq!(c.implementation_cost, want, "implementationCost {raw:?}");
        }
        assert!(Level::Low < Level::Moderate && Level::Moderate < Level::High);
    }

    #[test]
    fn categories_mapped_case_insensitively() {
        let cases = [
            ("Identity", Some("Identity")),
            ("Account", Some("Identity")),
            ("account", Some("Identity")),
            ("Data", Some("Data")),
            ("Device", Some("Devices")),
            ("DEVICES", Some("Devices")),
            ("Apps", Some("Apps")),
            ("infrastructure", Some("Infrastructure")),
            ("Network", None),
        ];
        for (raw, want) in cases {
            assert_eq!(
                profile(json!({"id": "X", "controlCategory": raw})).category,
                want,
                "category {raw:?}"
            );
        }
        let s = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
            "controlScores": [{"controlName": "A", "score": 1, "controlCategory": "Device"}]})]);
        assert_eq!(s[0].scores["A"].category, Some("Devices"));
    }

    #[test]
    fn deprecated_hidden_from_join_but_counted() {
        let profiles = parse_profiles(&[
            json!({"id": "Old", "title": "Old one", "deprecated": true, "maxScore": 5}),
            json!({"id": "Old2", "title": "Old two", "deprecated": "true"}),
            json!({"id": "New", "title": "New one", "deprecated": false}),
        ]);
        assert_eq!(profiles.len(), 3, "parse_profiles keeps deprecated ones");
        assert!(profiles[0].deprecated && profiles[1].deprecated && !profiles[2].deprecated);
        let snaps = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
            "controlScores": [{"controlName": "Old", "score": 1}]})]);
        let board = join(&profiles, &snaps);
        assert_eq!(board.deprecated_hidden, 2);
        let ids: Vec<_> = board
            .actions
            .iter()
            .map(|a| a.control.id.as_str())
            .collect();
        assert_eq!(ids, ["New"], "deprecated control and its score are hidden");
    }

    #[test]
    fn duplicate_profile_id_first_wins_and_bad_objects_skipped() {
        let profiles = parse_profiles(&[
            json!("not an object"),
            json!({"title": "no id"}),
            json!({"id": "", "title": "empty id"}),
            json!({"id": null}),
            json!({"id": "A", "title": "first"}),
            json!({"id": " A ", "title": "second"}),
            json!({"id": "B", "title": 5, "maxScore": {"x": 1}, "threats": "One", "controlStateUpdates": "x"}),
        ]);
        let got: Vec<_> = profiles
            .iter()
            .map(|c| (c.id.as_str(), c.title.as_str()))
            .collect();
        assert_eq!(got, [("A", "first"), ("B", "B")]);
        assert_eq!(profiles[1].threats, ["One"]);
        assert_eq!(profiles[1].max_score, None);
        assert_eq!(profiles[1].state, ControlState::Default);

        let board = join(&[profiles[0].clone(), profiles[0].clone()], &[]);
        assert_eq!(board.actions.len(), 1, "join also ignores a repeated id");
    }

    #[test]
    fn join_keeps_both_kinds_with_flags() {
        let profiles = parse_profiles(&[
            json!({"id": "NonOwnerAccess", "title": "Review access", "maxScore": "5", "rank": 2}),
            json!({"id": "OnlyProfile", "title": "Nobody scored me", "maxScore": 3, "rank": 1}),
        ]);
        let snaps = parse_snapshots(&[realistic_snapshot("t", "2024-05-01T00:00:00Z", 12.0)]);
        let board = join(&profiles, &snaps);
        assert_eq!(board.actions.len(), 3);
        let by_id = |id: &str| board.actions.iter().find(|a| a.control.id == id).unwrap();

        let both = by_id("NonOwnerAccess");
        assert!(both.has_profile && both.has_score);
        assert_eq!(
            (both.points, both.max_points, both.to_gain),
            (Some(2.0), Some(5.0), Some(3.0))
        );

        let profile_only = by_id("OnlyProfile");
        assert!(profile_only.has_profile && !profile_only.has_score);
        assert_eq!((profile_only.points, profile_only.to_gain), (None, None));
        assert_eq!(profile_only.max_points, Some(3.0));

        let score_only = by_id("AdminMFAV2");
        assert!(!score_only.has_profile && score_only.has_score);
        assert_eq!(score_only.control.title, "Requiring MFA for admins");
        assert_eq!(score_only.control.category, Some("Identity"));
        assert_eq!(
            (score_only.points, score_only.max_points, score_only.to_gain),
            (Some(10.0), None, None)
        );
        assert_eq!(score_only.control.rank, None);
        assert_eq!(score_only.control.state, ControlState::Default);

        // A score without description takes the id as its title.
        let snaps = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
            "controlScores": [{"controlName": "scid_2010", "score": 0}]})]);
        let board = join(&[], &snaps);
        assert_eq!(board.actions[0].control.title, "scid_2010");
        assert!(board.actions[0].control.defender_for_endpoint);
    }

    #[test]
    fn actions_sorted_by_rank_none_last_then_title() {
        let profiles = parse_profiles(&[
            json!({"id": "a", "title": "zeta", "rank": 2}),
            json!({"id": "b", "title": "Beta"}),
            json!({"id": "c", "title": "alpha", "rank": 2}),
            json!({"id": "d", "title": "Gamma", "rank": 1}),
            json!({"id": "e", "title": "alpha"}),
        ]);
        let board = join(&profiles, &[]);
        let ids: Vec<_> = board
            .actions
            .iter()
            .map(|a| a.control.id.as_str())
            .collect();
        assert_eq!(ids, ["d", "c", "a", "e", "b"]);
    }

    fn snap_ids(values: &[Value]) -> Option<String> {
        let snaps = parse_snapshots(values);
        newest(&snaps).map(|s| s.id.clone())
    }

    #[test]
    fn newest_snapshot_by_created_not_position() {
        let old = realistic_snapshot("t_2024-05-01", "2024-05-01T10:00:00Z", 1.0);
        let mid = realistic_snapshot("t_2024-05-02", "2024-05-02T10:00:00+02:00", 2.0);
        let new = realistic_snapshot("t_2024-05-03", "2024-05-03T01:00:00Z", 3.0);
        let want = Some("t_2024-05-03".to_string());
        assert_eq!(
            snap_ids(&[new.clone(), old.clone(), mid.clone()]),
            want,
            "listed first"
        );
        assert_eq!(
            snap_ids(&[old.clone(), mid.clone(), new.clone()]),
            want,
            "listed last"
        );
        assert_eq!(
            snap_ids(&[mid.clone(), new.clone(), old.clone()]),
            want,
            "in the middle"
        );
        assert_eq!(snap_ids(&[]), None);

        let board = join(&[], &parse_snapshots(&[old, new, mid]));
        assert_eq!(board.current_score, Some(3.0));
        assert_eq!(
            board.as_of.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-05-03T01:00:00+00:00")
        );
    }

    #[test]
    fn newest_tie_is_first_listed_and_unreadable_dates_skipped() {
        let a = realistic_snapshot("a", "2024-05-03T00:00:00Z", 1.0);
        let b = realistic_snapshot("b", "2024-05-03T02:00:00+02:00", 2.0);
        assert_eq!(snap_ids(&[a.clone(), b.clone()]).as_deref(), Some("a"));
        assert_eq!(snap_ids(&[b, a]).as_deref(), Some("b"));

        let snaps = parse_snapshots(&[
            json!({"id": "bad", "createdDateTime": "yesterday"}),
            json!({"id": "missing"}),
            json!({"id": "number", "createdDateTime": 1714521600}),
            json!({"id": "naive", "createdDateTime": "2024-05-01T00:00:00.1234567"}),
            json!([1, 2]),
        ]);
        let ids: Vec<_> = snaps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["naive"]);
    }

    #[test]
    fn duplicate_control_name_first_usable_wins() {
        let snaps = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
        "controlScores": [
            {"controlName": "A", "score": "n/a"},
            {"controlName": "A", "score": 1, "description": "first"},
            {"controlName": "A", "score": 9, "description": "second"},
            {"controlName": null, "score": 4},
            {"score": 4},
            "junk"
        ]})]);
        assert_eq!(snaps[0].scores.len(), 1);
        assert_eq!(snaps[0].scores["A"].score, 1.0);
        assert_eq!(snaps[0].scores["A"].description.as_deref(), Some("first"));
    }

    #[test]
    fn current_state_from_latest_update() {
        let c = profile(json!({"id": "X", "controlStateUpdates": [
            {"state": "Ignored", "updatedDateTime": "2024-03-01T00:00:00Z"},
            {"state": "ThirdParty", "updatedDateTime": "2024-05-01T00:00:00Z"},
            {"state": "Reviewed", "updatedDateTime": "2024-04-01T00:00:00Z"},
            {"state": "Default", "updatedDateTime": null},
            {"updatedDateTime": "2025-01-01T00:00:00Z"}
        ]}));
        assert_eq!(c.state, ControlState::ThirdParty);
        let c = profile(json!({"id": "X", "controlStateUpdates": [
            {"state": "Reviewed", "updatedDateTime": "2024-05-01T00:00:00Z"},
            {"state": "Ignored", "updatedDateTime": "2024-05-01T00:00:00Z"}
        ]}));
        assert_eq!(
            c.state,
            ControlState::Ignored,
            "equal dates: the one listed last"
        );
        let c = profile(json!({"id": "X", "controlStateUpdates": [
            {"state": "Default", "updatedDateTime": "2024-01-01T00:00:00Z"},
            {"state": "Planned", "updatedDateTime": "2024-05-01T00:00:00Z"}
        ]}));
        assert_eq!(c.state, ControlState::Other);
        let c = profile(json!({"id": "X", "controlStateUpdates": [
            {"state": "third party", "updatedDateTime": "2024-05-01T00:00:00Z"}
        ]}));
        assert_eq!(c.state, ControlState::ThirdParty);
        assert_eq!(
            profile(json!({"id": "X", "controlStateUpdates": []})).state,
            ControlState::Default
        );
    }

    #[test]
    fn to_gain_never_negative() {
        let profiles = parse_profiles(&[
            json!({"id": "A", "maxScore": 5}),
            json!({"id": "B", "maxScore": 5}),
        ]);
        let snaps = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
            "controlScores": [{"controlName": "A", "score": 7.5}, {"controlName": "B", "score": 5}]})]);
        let board = join(&profiles, &snaps);
        assert_eq!(board.actions[0].to_gain, Some(0.0));
        assert_eq!(board.actions[1].to_gain, Some(0.0));
        assert_eq!(to_gain(Some(5.0), Some(1.5)), Some(3.5));
        assert_eq!(to_gain(Some(f64::NAN), Some(1.0)), Some(0.0));
    }

    #[test]
    fn percentage_rounding_and_zero_max() {
        let board_for = |current: Value, max: Value| {
            let snaps = parse_snapshots(&[json!({"createdDateTime": "2024-05-01T00:00:00Z",
                "currentScore": current, "maxScore": max})]);
            join(&[], &snaps).percentage
        };
        assert_eq!(board_for(json!(387.0), json!(697.0)), Some(55.5));
        assert_eq!(board_for(json!(1), json!(3)), Some(33.3));
        assert_eq!(board_for(json!(2), json!(3)), Some(66.7));
        assert_eq!(board_for(json!("50"), json!("50")), Some(100.0));
        assert_eq!(board_for(json!(10), json!(0)), None);
        assert_eq!(board_for(json!(10), json!(-5)), None);
        assert_eq!(board_for(json!(10), json!(null)), None);
        assert_eq!(board_for(json!(null), json!(100)), None);
        assert_eq!(join(&[], &[]).percentage, None);
    }

    #[test]
    fn defender_for_endpoint_flag() {
        assert!(profile(json!({"id": "scid_2010", "service": "MDATP"})).defender_for_endpoint);
        assert!(profile(json!({"id": "SCID_5"})).defender_for_endpoint);
        assert!(profile(json!({"id": "Other", "service": "mdatp"})).defender_for_endpoint);
        assert!(!profile(json!({"id": "AdminMFAV2", "service": "AzureAD"})).defender_for_endpoint);
        assert!(!profile(json!({"id": "scid"})).defender_for_endpoint);
    }

    #[test]
    fn action_url_validation() {
        let url = |raw: &str| profile(json!({"id": "X", "actionUrl": raw})).action_url;
        assert_eq!(
            url("https://security.microsoft.com/securescore?viewid=actions").as_deref(),
            Some("https://security.microsoft.com/securescore?viewid=actions")
        );
        assert_eq!(
            url("  https://compliance.microsoft.com/#/policies ").as_deref(),
            Some("https://compliance.microsoft.com/#/policies")
        );
        assert_eq!(
            url("HTTPS://Example.com").as_deref(),
            Some("HTTPS://Example.com")
        );
        for bad in [
            "http://security.microsoft.com/",
            "javascript:alert(1)",
            "JavaScript://https://x.com",
            "/securescore",
            "securescore?x=1",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\tx",
            "https://example.com/\u{7}",
            "https://example.com/\u{202E}gpj",
            "https://example.com/\"><script>",
            "https:\\\\example.com",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(url(bad), None, "{bad:?} should be refused");
        }
        assert_eq!(profile(json!({"id": "X", "actionUrl": 5})).action_url, None);
        assert_eq!(
            safe_action_url("https://a.example/x").as_deref(),
            Some("https://a.example/x")
        );
    }

    #[test]
    fn html_links() {
        assert_eq!(
            html_to_text(r#"Go to <a href="https://aka.ms/mfa">the MFA page</a> now."#),
            "Go to the MFA page (https://aka.ms/mfa) now."
        );
        assert_eq!(
            html_to_text(r#"See <a href="https://aka.ms/mfa">https://aka.ms/mfa</a>."#),
            "See https://aka.ms/mfa."
        );
        assert_eq!(
            html_to_text(r#"See <a href="https://aka.ms/mfa"></a>"#),
            "See https://aka.ms/mfa"
        );
        assert_eq!(
            html_to_text(r#"See <A HREF='https://aka.ms/x?a=1&amp;b=2'> </A>"#),
            "See https://aka.ms/x?a=1&b=2"
        );
        assert_eq!(
            html_to_text(r#"<a href=http://example.com/x>old</a>"#),
            "old (http://example.com/x)"
        );
        assert_eq!(
            html_to_text(r#"Click <a href="javascript:alert(1)">here</a>!"#),
            "Click here!"
        );
        assert_eq!(
            html_to_text(r#"<a href="mailto:a@b.c">mail us</a>"#),
            "mail us"
        );
        assert_eq!(html_to_text(r#"<a href="/relative">rel</a>"#), "rel");
        assert_eq!(html_to_text(r#"<a name="top">anchor</a>"#), "anchor");
        assert_eq!(
            html_to_text(r#"<a href="javascript:x()"></a>empty"#),
            "empty"
        );
        assert_eq!(
            html_to_text(r#"<a href="https://a.example">unclosed"#),
            "unclosed (https://a.example)"
        );
    }

    #[test]
    fn html_entities() {
        assert_eq!(
            html_to_text(
                "a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &apos;f&apos; g&nbsp;&nbsp;h"
            ),
            "a & b <c> \"d\" 'e' 'f' g h"
        );
        assert_eq!(html_to_text("&#123;&#x1F600;&#X41;"), "{😀A");
        assert_eq!(
            html_to_text("&foo; &amp &#xZZ; &#; &#0; &#x110000; AT&T"),
            "&foo; &amp &#xZZ; &#; &#0; &#x110000; AT&T"
        );
        assert_eq!(
            html_to_text("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "<script>alert(1)</script>"
        );
        assert_eq!(html_to_text("&amp;lt;"), "&lt;");
    }

    #[test]
    fn html_lists() {
        assert_eq!(
            html_to_text("Do this:<ul><li>one</li><li>two</li></ul>Done"),
            "Do this:\n• one\n• two\nDone"
        );
        assert_eq!(
            html_to_text("<ol><li>first<li>second</ol>"),
            "1. first\n2. second"
        );
        assert_eq!(
            html_to_text(r#"<ol start="3"><li>c</li><li>d</li></ol>"#),
            "3. c\n4. d"
        );
        assert_eq!(
            html_to_text(
                "<ol><li>Open<ul><li>sub a</li><li>sub b</li></ul></li><li>Save</li></ol>"
            ),
            "1. Open\n  • sub a\n  • sub b\n2. Save"
        );
        assert_eq!(html_to_text("<li>loose</li>"), "• loose");
        assert_eq!(html_to_text("</ul></ol><li>x"), "• x");
    }

    #[test]
    fn html_breaks_and_paragraphs() {
        assert_eq!(
            html_to_text("one<br>two<br/>three<BR />four"),
            "one\ntwo\nthree\nfour"
        );
        assert_eq!(html_to_text("<p>First</p><p>Second</p>"), "First\nSecond");
        assert_eq!(html_to_text("<div>a</div><div><p>b</p></div>c"), "a\nb\nc");
        assert_eq!(html_to_text("a<br><br><br><br>b"), "a\n\nb");
        assert_eq!(html_to_text("a\n\n\n\nb"), "a\n\nb");
        assert_eq!(
            html_to_text("  lots   of \t spaces  <b> here </b> "),
            "lots of spaces here"
        );
        assert_eq!(html_to_text("line one\r\nline two"), "line one\nline two");
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr></table>"),
            "a b"
        );
        assert_eq!(
            html_to_text("x<!-- a comment <b> -->y<!DOCTYPE html>z"),
            "xyz"
        );
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn html_script_and_style_content_removed() {
        assert_eq!(
            html_to_text(
                "a<script type=\"text/javascript\">if (x < 1) { alert('<b>'); }</script>b"
            ),
            "ab"
        );
        assert_eq!(html_to_text("a<STYLE>p { color: red }</Style >b"), "ab");
        assert_eq!(html_to_text("a<script>never closed <p>hidden</p>"), "a");
        assert_eq!(html_to_text("a<script/>b"), "ab");
    }

    #[test]
    fn html_broken_input_kept_sensibly() {
        assert_eq!(html_to_text(r#"Click <a href="x""#), r#"Click <a href="x""#);
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(html_to_text("if x<3 then"), "if x<3 then");
        assert_eq!(html_to_text("<"), "<");
        assert_eq!(html_to_text("<<b>bold</b>"), "<bold");
        assert_eq!(html_to_text("tail </"), "tail </");
        assert_eq!(
            // The unbalanced quote ends at the first `>`; the URL is still whole.
            html_to_text(r#"<a href="https://x.example>text</a>"#),
            "text (https://x.example)"
        );
        assert_eq!(html_to_text(r#"<a href="javascript:x>text</a>"#), "text");
        assert_eq!(html_to_text("<b>unclosed bold"), "unclosed bold");
        assert_eq!(html_to_text("<p title='a > b'>x</p>"), "x");
        assert_eq!(html_to_text("é<b>ü</b>ß &#xE9;"), "éüß é");
    }

    #[test]
    fn html_hostile_input_stays_linear() {
        let started = std::time::Instant::now();
        for unit in [
            "<a x='",
            "<a",
            "<!--",
            "<!-- <a x=\"",
            "<a x='>",
            "<ol><li>",
            "&#x1",
        ] {
            let hostile = unit.repeat(200_000 / unit.len());
            let text = html_to_text(&hostile);
            assert!(text.len() <= hostile.len() * 3, "{unit:?}");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn serializes_flat_camel_case() {
        let profiles =
            parse_profiles(
                &[json!({"id": "A", "title": "T", "tier": "Defense in depth",
            "userImpact": "low", "maxScore": 4, "controlStateUpdates": [{"state": "ThirdParty"}]})],
            );
        let board = join(&profiles, &[]);
        let v = serde_json::to_value(&board).unwrap();
        let a = &v["actions"][0];
        assert_eq!(a["id"], "A");
        assert_eq!(a["tier"], "defense_in_depth");
        assert_eq!(a["userImpact"], "low");
        assert_eq!(a["state"], "third_party");
        assert_eq!(a["maxPoints"], 4.0);
        assert_eq!(a["hasProfile"], true);
        assert_eq!(a["defenderForEndpoint"], false);
        assert!(a.get("control").is_none());
        assert_eq!(v["deprecatedHidden"], 0);
        assert_eq!(v["asOf"], Value::Null);
    }

    // ---------------------------------------------------------------- proptest

    const KEYS: &[&str] = &[
        "id",
        "title",
        "controlCategory",
        "actionType",
        "service",
        "maxScore",
        "rank",
        "tier",
        "userImpact",
        "implementationCost",
        "remediation",
        "remediationImpact",
        "threats",
        "deprecated",
        "actionUrl",
        "controlStateUpdates",
        "state",
        "updatedDateTime",
        "complianceInformation",
        "lastModifiedDateTime",
        "vendorInformation",
        "createdDateTime",
        "currentScore",
        "activeUserCount",
        "enabledServices",
        "averageComparativeScores",
        "controlScores",
        "controlName",
        "description",
        "score",
        "scoreInPercentage",
        "implementationStatus",
        "lastSynced",
        "count",
        "total",
    ];

    fn interesting_string() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            Just("2024-05-01T00:00:00Z".to_string()),
            Just("2024-05-02T10:00:00.1234567+02:00".to_string()),
            Just("10".to_string()),
            Just("-3.5".to_string()),
            Just("NaN".to_string()),
            Just("1e400".to_string()),
            Just("Defense In Depth".to_string()),
            Just("Account".to_string()),
            Just("Device".to_string()),
            Just("scid_2010".to_string()),
            Just("MDATP".to_string()),
            Just("Reviewed".to_string()),
            Just("https://example.com/x".to_string()),
            Just("<a href=\"https://x\">y</a><ol><li>z".to_string()),
            Just("AdminMFAV2".to_string()),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            interesting_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => any::<String>()],
                        inner
                    ),
                    0..10
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn html_soup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<String>(),
            prop::sample::select(vec![
                "<",
                ">",
                "</",
                "<a href=\"https://x.example\">",
                "<a href='javascript:x'>",
                "</a>",
                "<a href=\"",
                "<ul>",
                "</ul>",
                "<ol start=\"99999999999999999999\">",
                "<ol>",
                "</ol>",
                "<li>",
                "</li>",
                "<br>",
                "<p>",
                "</p>",
                "<div>",
                "<script>",
                "</script>",
                "<style>",
                "<!--",
                "-->",
                "<!x",
                "&amp;",
                "&#x1F600;",
                "&#99999999999;",
                "&",
                ";",
                "\"",
                "'",
                "=",
                " ",
                "\n",
                "\r",
                "é",
                "<b",
                "</b >",
                "<?x?>",
                "&nbsp;",
            ])
            .prop_map(str::to_string),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn html_to_text_never_panics_on_any_string(s in any::<String>()) {
            let t = html_to_text(&s);
            prop_assert!(!t.contains("\n\n\n"));
            prop_assert_eq!(t.trim(), t.as_str());
        }

        #[test]
        fn html_to_text_never_panics_on_html_soup(s in html_soup()) {
            let t = html_to_text(&s);
            prop_assert!(!t.contains("\n\n\n"));
            prop_assert!(!t.contains("  \n") && !t.contains(" \n"));
            prop_assert_eq!(t.trim(), t.as_str());
            prop_assert!(!t.chars().any(|c| c.is_control() && c != '\n'));
        }

        #[test]
        fn parsers_and_join_never_panic(values in prop::collection::vec(json_value(), 0..8)) {
            let profiles = parse_profiles(&values);
            let snapshots = parse_snapshots(&values);
            let mut ids = HashSet::new();
            for p in &profiles {
                prop_assert!(!p.id.is_empty());
                prop_assert!(ids.insert(p.id.clone()), "duplicate id {}", p.id);
                if let Some(u) = &p.action_url {
                    prop_assert!(u.to_ascii_lowercase().starts_with("https://"));
                }
            }
            let board = join(&profiles, &snapshots);
            prop_assert_eq!(board.deprecated_hidden, profiles.iter().filter(|p| p.deprecated).count());
            for a in &board.actions {
                prop_assert!(!a.control.deprecated);
                prop_assert!(a.has_profile || a.has_score);
                prop_assert!(a.to_gain.is_none_or(|g| g >= 0.0));
            }
            if let Some(n) = newest(&snapshots) {
                prop_assert!(snapshots.iter().all(|s| s.created <= n.created));
                prop_assert_eq!(board.as_of, Some(n.created));
            }
        }

        #[test]
        fn profile_shaped_objects_never_panic(
            fields in prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..16)
        ) {
            let obj: Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let values = vec![Value::Object(obj.clone()), json!({"controlScores": [Value::Object(obj.clone())], "createdDateTime": "2024-05-01T00:00:00Z"})];
            let profiles = parse_profiles(&values);
            let snapshots = parse_snapshots(&values);
            let board = join(&profiles, &snapshots);
            prop_assert!(board.actions.len() <= profiles.len() + snapshots.iter().map(|s| s.scores.len()).sum::<usize>());
        }
    }
}
