//! Improvement actions: what Ticket Bridge can turn into tickets, and where they come from.
//!
//! Each workspace reads its actions from its [`ActionSource`]s: the actions the admin typed in
//! ([`TypedActions`], kept in the workspace's folder) and, until the Microsoft Graph sign-in
//! lands, a built-in set of well-known Secure Score controls ([`BuiltinActions`]). Sources own
//! their storage; the board only reads them. No network here.

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

/// The built-in Microsoft recommendations (see [`builtin`]).
pub struct BuiltinActions;

impl ActionSource for BuiltinActions {
    fn actions(&self) -> Vec<Action> {
        builtin()
    }
}

/// The actions the admin typed in (user recommendations), in one JSON file of the workspace
/// (atomic writes, nothing secret).
pub struct TypedActions {
    path: PathBuf,
    data: Mutex<Vec<Action>>,
}

impl TypedActions {
    /// Opens the file; `legacy` are actions kept elsewhere by older versions, added once.
    /// An unreadable file is moved aside by the next write; it never stops the app.
    pub fn open(path: impl Into<PathBuf>, legacy: Vec<Action>) -> Result<Self> {
        let path = path.into();
        let mut data: Vec<Action> = std::fs::read(&path)
            .ok()
            .and_then(|b| match serde_json::from_slice(&b) {
                Ok(v) => Some(v),
                Err(e) => {
                    log::warn!(
                        "ignoring the unreadable typed actions {}: {e}",
                        path.display()
                    );
                    None
                }
            })
            .unwrap_or_default();
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
        crate::tickets::outbox::write_atomic(&self.path, &bytes).map_err(|e| {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub source: RecommendationSource,
    pub points: Option<f64>,
    pub max_points: Option<f64>,
    /// Plain text (Graph's HTML is turned into text before it gets here).
    pub remediation: String,
}

fn ms(
    id: &str,
    title: &str,
    category: Category,
    points: f64,
    max: f64,
    remediation: &str,
) -> Action {
    Action {
        id: id.into(),
        title: title.into(),
        category,
        source: RecommendationSource::Microsoft,
        points: Some(points),
        max_points: Some(max),
        remediation: remediation.into(),
    }
}

/// The built-in Microsoft recommendations.
pub fn builtin() -> Vec<Action> {
    use Category::*;
    vec![
        ms(
            "AdminMFAV2",
            "Ensure multifactor authentication is enabled for all users in administrative roles",
            Identity,
            0.0,
            10.0,
            "Require multifactor authentication for every account that holds an administrative role, for example with a Conditional Access policy that targets directory roles.",
        ),
        ms(
            "MFARegistrationV2",
            "Ensure all users can complete multifactor authentication",
            Identity,
            4.0,
            9.0,
            "Have every user register for multifactor authentication, for example with a registration campaign or a Conditional Access policy for security info registration.",
        ),
        ms(
            "BlockLegacyAuthentication",
            "Enable Conditional Access policies to block legacy authentication",
            Identity,
            0.0,
            8.0,
            "Create a Conditional Access policy that blocks the legacy authentication client apps (Exchange ActiveSync and other clients) for all users.",
        ),
        ms(
            "SelfServicePasswordReset",
            "Enable self-service password reset",
            Identity,
            1.0,
            1.0,
            "Turn on self-service password reset for all users and require two methods to reset.",
        ),
        ms(
            "OneAdmin",
            "Designate more than one global admin",
            Identity,
            1.0,
            1.0,
            "Assign at least two, and fewer than five, global administrators so that one account is not a single point of failure.",
        ),
        ms(
            "PWAgePolicyNew",
            "Set the password expiration policy to never expire",
            Identity,
            0.0,
            8.0,
            "Set passwords to never expire; require a change only when there is a sign of compromise.",
        ),
        ms(
            "DLPEnabled",
            "Create Data Loss Prevention (DLP) policies",
            Data,
            0.0,
            10.0,
            "Create DLP policies that detect and protect sensitive information (for example financial data) in Exchange, SharePoint, OneDrive and Teams.",
        ),
        ms(
            "mdo_safelinksforemail",
            "Ensure Safe Links for Office applications is enabled",
            Apps,
            0.0,
            9.0,
            "Create or edit a Safe Links policy so that URLs in email and Office apps are checked when they are selected.",
        ),
        ms(
            "mdo_safeattachments",
            "Turn on Safe Attachments in block mode",
            Apps,
            0.0,
            8.0,
            "Create a Safe Attachments policy in block mode for all recipients.",
        ),
        ms(
            "mdo_atpprotectionforsharepointonedriveteams",
            "Turn on Microsoft Defender for Office 365 in SharePoint, OneDrive, and Microsoft Teams",
            Apps,
            0.0,
            8.0,
            "Turn on Defender for Office 365 for SharePoint, OneDrive and Teams so malicious files are detected and blocked.",
        ),
        ms(
            "scid_2010",
            "Turn on Microsoft Defender Antivirus PUA protection in block mode",
            Devices,
            2.0,
            7.0,
            "Configure potentially unwanted application (PUA) protection in block mode on all managed devices.",
        ),
        ms(
            "scid_91",
            "Enable 'Local Security Authority (LSA) protection'",
            Devices,
            0.0,
            6.0,
            "Run LSA as a protected process on managed Windows devices (RunAsPPL).",
        ),
        ms(
            "AATP_SensorHealth",
            "Resolve unhealthy sensors in Defender for Identity",
            Infrastructure,
            0.0,
            5.0,
            "Open the health issues page of Defender for Identity and resolve every open sensor health alert.",
        ),
    ]
}

/// A new action typed in by the admin (a user recommendation).
pub fn new_user_action(title: &str, category: Category, remediation: &str) -> Result<Action> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::invalid_input(
            "Enter a title for the improvement action.",
            "Describe in a few words what should change, for example: Turn on MFA for the help desk.",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(Error::invalid_input(
            format!("The title is longer than {MAX_TITLE_CHARS} characters."),
            "Shorten the title; put the details in the remediation.",
        ));
    }
    let mut b = [0u8; 4];
    rand::rng().fill_bytes(&mut b);
    Ok(Action {
        id: format!(
            "user-{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        title: title.to_owned(),
        category,
        source: RecommendationSource::User,
        points: None,
        max_points: None,
        remediation: remediation.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_are_unique_and_points_sane() {
        let all = builtin();
        let mut ids: Vec<_> = all.iter().map(|a| a.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for a in &all {
            assert!(a.points.unwrap() <= a.max_points.unwrap(), "{}", a.id);
            assert!(!a.remediation.is_empty());
        }
    }

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
