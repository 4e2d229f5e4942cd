//! Improvement actions: what Ticket Bridge can turn into tickets, and where they come from.
//!
//! Each workspace reads its actions from its [`ActionSource`]s, in this order: the tenant's own
//! Secure Score from Microsoft Graph ([`score::ScoreStore`], after the Microsoft 365 sign-in of
//! [`signin`], read by [`graph`] and joined by [`graph_data`]), the portal's CSV export
//! ([`csv_source::CsvActions`], parsed by [`csv_import`]), and the actions the admin typed in
//! ([`TypedActions`]). Points are shown only as a tenant reported them; nothing here invents
//! any. [`verify`] says whether the score confirms a ticket's fix. Sources own their storage;
//! the board only reads them.

pub mod csv_import;
pub mod csv_source;
pub mod graph;
pub mod graph_data;
pub mod score;
pub mod signin;
pub mod verify;

use crate::error::{Error, Result};
use crate::tickets::{Category, RecommendationSource};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

/// The longest title of a typed action.
pub const MAX_TITLE_CHARS: usize = 300;

/// Where improvement actions come from. The actions page lists the actions of every source of
/// the workspace, in the order of the sources.
pub trait ActionSource: Send + Sync + 'static {
    fn actions(&self) -> Vec<Action>;
}

/// The actions the admin typed in (user recommendations), in one JSON file of the workspace
/// (atomic writes, nothing secret).
pub struct TypedActions {
    path: PathBuf,
    data: Mutex<Vec<Action>>,
}

impl TypedActions {
    /// Opens the file; `legacy` are actions kept elsewhere by older versions, added once.
    /// An unreadable file is moved aside (and reported); it never stops the app.
    pub fn open(path: impl Into<PathBuf>, legacy: Vec<Action>) -> Result<Self> {
        Self::open_in(path, legacy, &crate::files::Ctx::default())
    }

    /// [`Self::open`]; an unreadable file is moved aside and reported to `ctx`.
    pub fn open_in(
        path: impl Into<PathBuf>,
        legacy: Vec<Action>,
        ctx: &crate::files::Ctx,
    ) -> Result<Self> {
        let path = path.into();
        let mut data: Vec<Action> = ctx.read(&path, "typed_actions");
        let me = Self {
            path,
            data: Mutex::new(Vec::new()),
        };
        if !legacy.is_empty() {
            data.extend(legacy);
            me.save(&data)?;
        }
        *me.lock() = data;
        Ok(me)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Action>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self, data: &[Action]) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(data).map_err(Error::internal)?;
        crate::files::write_atomic(&self.path, &bytes).map_err(|e| {
            Error::internal(format_args!("the typed actions could not be saved ({e})"))
        })
    }

    /// Adds an action typed in by the admin and saves it.
    pub fn add(&self, title: &str, category: Category, remediation: &str) -> Result<Action> {
        let action = new_user_action(title, category, remediation)?;
        let mut data = self.lock();
        let mut next = data.clone();
        next.push(action.clone());
        self.save(&next)?;
        *data = next;
        Ok(action)
    }
}

impl ActionSource for TypedActions {
    fn actions(&self) -> Vec<Action> {
        self.lock().clone()
    }
}

/// Where an action came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The tenant's Secure Score, from Microsoft Graph.
    Graph,
    /// The portal's CSV export.
    Csv,
    /// Typed in by the admin.
    #[default]
    Typed,
}

/// An action's status, as the tenant set it (Graph's control state, the portal's status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    ToAddress,
    Planned,
    /// Ignored, risk accepted.
    RiskAccepted,
    /// Resolved through a third party.
    ThirdParty,
    /// Resolved through alternate mitigation.
    AlternateMitigation,
    Reviewed,
    Completed,
}

/// An improvement action, whatever its source. Points are the tenant's own, or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub id: String,
    pub title: String,
    /// `None` when the source did not say (the task form then asks).
    pub category: Option<Category>,
    pub source: RecommendationSource,
    #[serde(default)]
    pub origin: Origin,
    pub points: Option<f64>,
    pub max_points: Option<f64>,
    #[serde(default)]
    pub to_gain: Option<f64>,
    #[serde(default)]
    pub rank: Option<u32>,
    /// The product or service (Graph's `service`, the export's Product).
    #[serde(default)]
    pub service: Option<String>,
    /// `core`, `defense_in_depth`, `advanced`, `other`.
    #[serde(default)]
    pub tier: Option<String>,
    /// `low`, `moderate`, `high`.
    #[serde(default)]
    pub user_impact: Option<String>,
    #[serde(default)]
    pub implementation_cost: Option<String>,
    #[serde(default)]
    pub status: Option<ActionStatus>,
    /// The export's Score impact, in percent.
    #[serde(default)]
    pub score_impact: Option<f64>,
    /// Plain text (Graph's HTML is turned into text before it gets here).
    pub remediation: String,
    #[serde(default)]
    pub remediation_impact: String,
    /// The action's page in the portal (`https://` only).
    #[serde(default)]
    pub action_url: Option<String>,
}

fn snake<T: Serialize>(v: T) -> Option<String> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

impl Action {
    /// An action from the tenant's Secure Score (Graph).
    pub fn from_scored(a: &graph_data::ScoredAction) -> Action {
        let c = &a.control;
        Action {
            id: c.id.clone(),
            title: c.title.clone(),
            category: c.category.and_then(|x| x.parse().ok()),
            source: RecommendationSource::Microsoft,
            origin: Origin::Graph,
            points: a.points,
            max_points: a.max_points,
            to_gain: a.to_gain,
            rank: c.rank,
            service: c.service.clone(),
            tier: c.tier.and_then(snake),
            user_impact: c.user_impact.and_then(snake),
            implementation_cost: c.implementation_cost.and_then(snake),
            status: match c.state {
                graph_data::ControlState::Default => Some(ActionStatus::ToAddress),
                graph_data::ControlState::Ignored => Some(ActionStatus::RiskAccepted),
                graph_data::ControlState::ThirdParty => Some(ActionStatus::ThirdParty),
                graph_data::ControlState::Reviewed => Some(ActionStatus::Reviewed),
                graph_data::ControlState::Other => None,
            },
            score_impact: None,
            remediation: c.remediation.clone(),
            remediation_impact: c.remediation_impact.clone(),
            action_url: c.action_url.clone(),
        }
    }
}

/// A new action typed in by the admin (a user recommendation).
pub fn new_user_action(title: &str, category: Category, remediation: &str) -> Result<Action> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::invalid_input(
            "Enter a title for the improvement action.",
            "Describe in a few words what should change, for example: Turn on MFA for the help desk.",
        )
        .with_reason("action_title_missing"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::invalid_input(
            format!("The title is longer than {MAX_TITLE_CHARS} characters."),
            "Shorten the title; put the details in the remediation.",
        )
        .with_reason("action_title_too_long")
        .with_param("limit", MAX_TITLE_CHARS.to_string()));
    }
    let mut b = [0u8; 4];
    rand::rng().fill_bytes(&mut b);
    Ok(Action {
        id: format!(
            "user-{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        title: title.to_owned(),
        category: Some(category),
        source: RecommendationSource::User,
        origin: Origin::Typed,
        points: None,
        max_points: None,
        to_gain: None,
        rank: None,
        service: None,
        tier: None,
        user_impact: None,
        implementation_cost: None,
        status: None,
        score_impact: None,
        remediation: remediation.trim().to_owned(),
        remediation_impact: String::new(),
        action_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_actions() {
        let a = new_user_action(
            "  Turn on MFA for the help desk ",
            Category::Identity,
            " Use CA ",
        )
        .unwrap();
        assert!(a.id.starts_with("user-") && a.id.len() == 13);
        assert_eq!(a.title, "Turn on MFA for the help desk");
        assert_eq!(a.source, RecommendationSource::User);
        assert!(new_user_action(" ", Category::Data, "").is_err());
        assert!(new_user_action(&"x".repeat(301), Category::Data, "").is_err());
    }
}
