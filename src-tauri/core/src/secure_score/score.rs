//! The tenant's Secure Score as the workspace last read it from Microsoft Graph: the joined
//! improvement actions and the score of the newest snapshot, with when they were read. Kept in
//! `secure-score.json` in the workspace's folder (atomic writes, nothing secret) so the page
//! paints at once and works offline, with its age said. Another tenant's list is never shown:
//! the file names its tenant.

use super::graph::Cost;
use super::graph_data::ScoreBoard;
use super::verify::ControlNow;
use super::{Action, ActionSource};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

/// The score as the page's header shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSummary {
    pub tenant_id: String,
    /// When Ticket Bridge read it.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When Microsoft took the newest snapshot.
    pub as_of: Option<DateTime<Utc>>,
    pub current_score: Option<f64>,
    pub max_score: Option<f64>,
    pub percentage: Option<f64>,
    pub actions: usize,
    pub deprecated_hidden: usize,
    /// Graph requests of the last read (pages of both lists, and any retries).
    pub requests: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScoreFile {
    version: u32,
    summary: ScoreSummary,
    actions: Vec<Action>,
}

pub struct ScoreStore {
    path: PathBuf,
    data: Mutex<Option<ScoreFile>>,
}

impl ScoreStore {
    /// Opens the cache; an unreadable one reads as none (and is replaced by the next read).
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self::open_in(path, &crate::files::Ctx::default())
    }

    /// [`Self::open`]; an unreadable cache is moved aside and reported to `ctx`.
    pub fn open_in(path: impl Into<PathBuf>, ctx: &crate::files::Ctx) -> Self {
        let path = path.into();
        let data: Option<ScoreFile> = ctx.read(&path, "secure_score");
        Self {
            path,
            data: Mutex::new(data),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ScoreFile>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached score, if it is `tenant_id`'s (any tenant's when `None`).
    pub fn summary(&self, tenant_id: Option<&str>) -> Option<ScoreSummary> {
        self.lock()
            .as_ref()
            .map(|f| f.summary.clone())
            .filter(|s| tenant_id.is_none_or(|t| s.tenant_id == t))
    }

    /// Keeps a new reading (blocking: writes the file).
    pub fn replace(&self, tenant_id: &str, board: &ScoreBoard, cost: Cost) -> Result<ScoreSummary> {
        let actions: Vec<Action> = board.actions.iter().map(Action::from_scored).collect();
        let summary = ScoreSummary {
            tenant_id: tenant_id.to_owned(),
            fetched_at: Some(Utc::now()),
            as_of: board.as_of,
            current_score: board.current_score,
            max_score: board.max_score,
            percentage: board.percentage,
            actions: actions.len(),
            deprecated_hidden: board.deprecated_hidden,
            requests: cost.requests,
        };
        let file = ScoreFile {
            version: 1,
            summary: summary.clone(),
            actions,
        };
        let bytes = serde_json::to_vec(&file).map_err(Error::internal)?;
        crate::files::write_atomic(&self.path, &bytes).map_err(|e| {
            Error::internal(format_args!(
                "the Secure Score cache could not be saved ({e})"
            ))
        })?;
        *self.lock() = Some(file);
        Ok(summary)
    }

    /// Forgets the reading (signed out).
    pub fn clear(&self) {
        *self.lock() = None;
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("the Secure Score cache could not be deleted: {e}");
        }
    }

    /// A control's points in the newest snapshot.
    pub fn control(&self, id: &str) -> Option<ControlNow> {
        let data = self.lock();
        let f = data.as_ref()?;
        let as_of = f.summary.as_of?;
        let a = f.actions.iter().find(|a| a.id == id)?;
        Some(ControlNow {
            points: a.points,
            max_points: a.max_points,
            as_of,
        })
    }
}

impl ActionSource for ScoreStore {
    fn actions(&self) -> Vec<Action> {
        self.lock()
            .as_ref()
            .map(|f| f.actions.clone())
            .unwrap_or_default()
    }
}
