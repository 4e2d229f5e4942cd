//! Improvement actions imported from the Defender portal's Secure Score export, for admins who
//! cannot get consent for Microsoft Graph: the last import, kept in `csv-actions.json` in the
//! workspace's folder (atomic writes), with when it was made. A new import replaces the last.
//! The points are the tenant's own (the export is the tenant's), as of the import.

use super::csv_import::{self, CsvImport, CsvStatus};
use super::{Action, ActionSource, ActionStatus, Origin};
use crate::error::{Error, ErrorKind, Result};
use crate::tickets::RecommendationSource;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

/// What the actions page says about the import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CsvSummary {
    pub imported_at: DateTime<Utc>,
    pub file_name: Option<String>,
    pub actions: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CsvFile {
    version: u32,
    summary: CsvSummary,
    actions: Vec<Action>,
}

pub struct CsvActions {
    path: PathBuf,
    data: Mutex<Option<CsvFile>>,
}

/// The one error type for a file that cannot be imported: what is wrong, and what to do.
pub fn import_error(e: &csv_import::CsvError) -> Error {
    let mut err = Error::new(
        ErrorKind::InvalidInput,
        e.to_string(),
        "Export the list again from the Microsoft Defender portal (Exposure management > Secure Score > Recommended actions > Export), then import that file.",
    )
    .with_reason(&format!("csv_{}", e.code()));
    match e {
        csv_import::CsvError::TooLarge { limit } => {
            err = err.with_param("limit", (limit / (1024 * 1024)).to_string());
        }
        csv_import::CsvError::TooManyRows { limit } => {
            err = err.with_param("limit", limit.to_string());
        }
        csv_import::CsvError::NotUtf8 { line }
        | csv_import::CsvError::Truncated { line }
        | csv_import::CsvError::Malformed { line, .. } => {
            err = err.with_param("line", line.to_string());
        }
        csv_import::CsvError::MissingColumns { columns } => {
            err = err.with_param("columns", columns.join(", "));
        }
        csv_import::CsvError::NoActions => {}
    }
    err
}

/// The file as the UI sends it (base64, the webview's file reader): decoded, or the same error
/// as a file too large to import. The length is checked before anything is decoded.
pub fn decode_upload(content: &str) -> Result<Vec<u8>> {
    use base64::Engine as _;
    let too_large = || {
        import_error(&csv_import::CsvError::TooLarge {
            limit: csv_import::MAX_BYTES,
        })
    };
    if content.len() > csv_import::MAX_BYTES.div_ceil(3) * 4 + 4 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.trim())
        .map_err(|_| {
            Error::invalid_input(
                "The file could not be read.",
                "Choose the CSV file exported from the Secure Score page again.",
            )
            .with_reason("csv_unreadable")
        })?;
    if bytes.len() > csv_import::MAX_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn status(s: CsvStatus) -> Option<ActionStatus> {
    Some(match s {
        CsvStatus::ToAddress => ActionStatus::ToAddress,
        CsvStatus::Planned => ActionStatus::Planned,
        CsvStatus::RiskAccepted => ActionStatus::RiskAccepted,
        CsvStatus::ThirdParty => ActionStatus::ThirdParty,
        CsvStatus::AlternateMitigation => ActionStatus::AlternateMitigation,
        CsvStatus::Completed => ActionStatus::Completed,
        CsvStatus::Other => return None,
    })
}

/// The actions of an import.
pub fn actions_of(import: &CsvImport) -> Vec<Action> {
    import
        .actions
        .iter()
        .map(|a| Action {
            id: a.id.clone(),
            title: a.title.clone(),
            category: a.category.and_then(|c| c.parse().ok()),
            source: RecommendationSource::Microsoft,
            origin: Origin::Csv,
            points: a.points,
            max_points: a.max_points,
            to_gain: match (a.points, a.max_points) {
                (Some(p), Some(m)) => Some((m - p).max(0.0)),
                _ => None,
            },
            rank: a.rank,
            service: a.product.clone(),
            tier: None,
            user_impact: None,
            implementation_cost: None,
            status: a.status.and_then(status),
            score_impact: a.score_impact,
            remediation: String::new(),
            remediation_impact: String::new(),
            action_url: None,
        })
        .collect()
}

impl CsvActions {
    /// Opens the last import; an unreadable file reads as none.
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self::open_in(path, &crate::files::Ctx::default())
    }

    /// [`Self::open`]; an unreadable import is moved aside and reported to `ctx`.
    pub fn open_in(path: impl Into<PathBuf>, ctx: &crate::files::Ctx) -> Self {
        let path = path.into();
        let data: Option<CsvFile> = ctx.read(&path, "csv_actions");
        Self {
            path,
            data: Mutex::new(data),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<CsvFile>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn summary(&self) -> Option<CsvSummary> {
        self.lock().as_ref().map(|f| f.summary.clone())
    }

    /// Keeps `import` in place of the last one (blocking: writes the file).
    pub fn replace(&self, import: &CsvImport, file_name: Option<&str>) -> Result<CsvSummary> {
        let actions = actions_of(import);
        let summary = CsvSummary {
            imported_at: Utc::now(),
            file_name: file_name.map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect()),
            actions: actions.len(),
        };
        let file = CsvFile {
            version: 1,
            summary: summary.clone(),
            actions,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(Error::internal)?;
        crate::files::write_atomic(&self.path, &bytes).map_err(|e| {
            Error::internal(format_args!(
                "the imported actions could not be saved ({e})"
            ))
        })?;
        *self.lock() = Some(file);
        Ok(summary)
    }

    /// Forgets the import (blocking).
    pub fn clear(&self) -> Result<()> {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(Error::internal(format_args!(
                "the imported actions could not be deleted ({e})"
            )));
        }
        *self.lock() = None;
        Ok(())
    }
}

impl ActionSource for CsvActions {
    fn actions(&self) -> Vec<Action> {
        self.lock()
            .as_ref()
            .map(|f| f.actions.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_decode_or_say_why_not() {
        assert_eq!(decode_upload("UmFuaw==").unwrap(), b"Rank");
        let e = decode_upload("not base64!").unwrap_err();
        assert_eq!(e.reason.as_deref(), Some("csv_unreadable"));
        let big = "A".repeat(csv_import::MAX_BYTES / 3 * 4 + 400);
        let e = decode_upload(&big).unwrap_err();
        assert_eq!(e.reason.as_deref(), Some("csv_too_large"));
        assert_eq!(e.params.get("limit").map(String::as_str), Some("5"));
    }
}
