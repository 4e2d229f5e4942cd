//! Correlation ids: the external key Ticket Bridge writes into a ticket's `correlation_id` so it
//! can find its own tickets again: `tb1/{tenant}/{action_id}/{draft_id}`.
//!
//! The action part lets Ticket Bridge find every ticket raised for one improvement action (the
//! duplicate check); the draft part makes each submission unique, so that after an unknown
//! outcome the outbox can ask ServiceNow whether *this* submission arrived. The id fits
//! ServiceNow's 100-character field; long tenant or action ids are shortened deterministically
//! (a prefix and a hash), so the same action always gives the same prefix. Segments keep only
//! characters that are safe inside an encoded query (`A-Z a-z 0-9 . _ -`).
//! No I/O here.

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The scheme marker and version.
pub const PREFIX: &str = "tb1";
/// ServiceNow's `correlation_id` length.
pub const MAX_LEN: usize = 100;
/// The longest tenant segment kept as is (a tenant GUID is 36).
const MAX_TENANT: usize = 40;
const DRAFT_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CorrelationId {
    tenant: String,
    action: String,
    draft: String,
}

fn safe_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// A segment safe for the id: unsafe characters become `_`, and a segment longer than `max`
/// becomes its first characters, `-` and 8 hex of a SHA-256 of the original text.
fn segment(raw: &str, max: usize) -> String {
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| if safe_char(c) { c } else { '_' })
        .collect();
    let clean = if clean.is_empty() { "_".into() } else { clean };
    // Anything rewritten gets a hash too, so `a/b` and `a_b` stay apart.
    if clean.len() <= max && clean == raw.trim() {
        return clean;
    }
    let digest = Sha256::digest(raw.trim().as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let keep = max.saturating_sub(hash.len() + 1).min(clean.len());
    format!("{}-{hash}", &clean[..keep])
}

fn tenant_segment(tenant: &str) -> String {
    segment(tenant, MAX_TENANT)
}

fn action_segment(tenant_seg: &str, action: &str) -> String {
    // tb1 / tenant / action / draft
    let budget = MAX_LEN - PREFIX.len() - 3 - DRAFT_LEN - tenant_seg.len();
    segment(action, budget)
}

impl CorrelationId {
    /// A new id for one submission of `action_id` in `tenant`.
    pub fn new(tenant: &str, action_id: &str) -> Self {
        let draft: u32 = rand::rng().random();
        Self::with_draft(tenant, action_id, &format!("{draft:08x}"))
    }

    /// An id with a given draft part (8 lowercase hex; anything else is hashed into that).
    pub fn with_draft(tenant: &str, action_id: &str, draft_id: &str) -> Self {
        let tenant_seg = tenant_segment(tenant);
        let action = action_segment(&tenant_seg, action_id);
        let draft = if is_draft(draft_id) {
            draft_id.to_owned()
        } else {
            let d = Sha256::digest(draft_id.as_bytes());
            d[..4].iter().map(|b| format!("{b:02x}")).collect()
        };
        Self {
            tenant: tenant_seg,
            action,
            draft,
        }
    }

    /// Reads an id written by Ticket Bridge; `None` for anyone else's.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() > MAX_LEN {
            return None;
        }
        let mut parts = s.split('/');
        let (p, tenant, action, draft) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || p != PREFIX || !is_draft(draft) {
            return None;
        }
        let ok = |seg: &str| !seg.is_empty() && seg.chars().all(safe_char);
        if !ok(tenant) || !ok(action) {
            return None;
        }
        Some(Self {
            tenant: tenant.into(),
            action: action.into(),
            draft: draft.into(),
        })
    }

    /// The tenant segment (shortened if it had to be).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The action segment (shortened if it had to be).
    pub fn action(&self) -> &str {
        &self.action
    }

    pub fn draft_id(&self) -> &str {
        &self.draft
    }

    /// Whether this id belongs to `action_id` in `tenant`.
    pub fn is_for(&self, tenant: &str, action_id: &str) -> bool {
        let t = tenant_segment(tenant);
        self.tenant == t && self.action == action_segment(&t, action_id)
    }
}

fn is_draft(s: &str) -> bool {
    s.len() == DRAFT_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}/{}/{}/{}", self.tenant, self.action, self.draft)
    }
}

impl From<CorrelationId> for String {
    fn from(c: CorrelationId) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for CorrelationId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("'{s}' is not a Ticket Bridge correlation id"))
    }
}

/// The id prefix shared by every submission of one action: `tb1/{tenant}/{action}/`.
pub fn action_prefix(tenant: &str, action_id: &str) -> String {
    let t = tenant_segment(tenant);
    let a = action_segment(&t, action_id);
    format!("{PREFIX}/{t}/{a}/")
}

/// The prefix of every ticket Ticket Bridge raised in `tenant`: `tb1/{tenant}/`.
pub fn tenant_prefix(tenant: &str) -> String {
    format!("{PREFIX}/{}/", tenant_segment(tenant))
}

/// The tenant segment of tickets made before installs had their own: still this install's.
pub const LEGACY_TENANT: &str = "local";

/// The tenant segments whose tickets are this install's: the first is the one new tickets get;
/// the others are recognised (a `str` is one segment).
pub trait Owners {
    fn segments(&self) -> Vec<&str>;

    /// The one new tickets get.
    fn current(&self) -> &str;

    fn prefixes(&self) -> Vec<String> {
        self.segments().into_iter().map(tenant_prefix).collect()
    }

    fn action_prefixes(&self, action_id: &str) -> Vec<String> {
        self.segments()
            .into_iter()
            .map(|t| action_prefix(t, action_id))
            .collect()
    }

    /// Whether `c` is one of these segments' ticket for `action_id`.
    fn owns(&self, c: &CorrelationId, action_id: &str) -> bool {
        self.segments().into_iter().any(|t| c.is_for(t, action_id))
    }

    /// Whether the correlation id text is one of these segments'.
    fn owns_text(&self, correlation: &str) -> bool {
        self.prefixes().iter().any(|p| correlation.starts_with(p))
    }
}

impl Owners for str {
    fn segments(&self) -> Vec<&str> {
        vec![self]
    }
    fn current(&self) -> &str {
        self
    }
}

impl Owners for [String] {
    fn segments(&self) -> Vec<&str> {
        self.iter().map(String::as_str).collect()
    }
    fn current(&self) -> &str {
        self.first().map_or(LEGACY_TENANT, String::as_str)
    }
}

impl Owners for Vec<String> {
    fn segments(&self) -> Vec<&str> {
        self.as_slice().segments()
    }
    fn current(&self) -> &str {
        self.as_slice().current()
    }
}

/// A new random install segment: `i` and 10 lowercase hex characters.
pub fn new_install_segment() -> String {
    let n: u64 = rand::rng().random();
    format!("i{:010x}", n & 0xff_ffff_ffff)
}

/// Whether `s` is an install segment as [`new_install_segment`] makes them.
pub fn is_install_segment(s: &str) -> bool {
    s.len() == 11
        && s.starts_with('i')
        && s[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn an_install_owns_its_own_and_the_legacy_tickets_only() {
        let seg = new_install_segment();
        assert!(is_install_segment(&seg), "{seg}");
        assert!(!is_install_segment("local") && !is_install_segment("iXYZ0000000"));
        let owners = vec![seg.clone(), LEGACY_TENANT.to_owned()];
        assert_eq!(owners.current(), seg);
        let mine = CorrelationId::new(&seg, "AdminMFAV2");
        let legacy = CorrelationId::new(LEGACY_TENANT, "AdminMFAV2");
        let other = CorrelationId::new("i0123456789", "AdminMFAV2");
        assert!(owners.owns(&mine, "AdminMFAV2") && owners.owns(&legacy, "AdminMFAV2"));
        assert!(!owners.owns(&other, "AdminMFAV2"));
        assert!(owners.owns_text(&mine.to_string()) && !owners.owns_text(&other.to_string()));
        assert!(
            !owners.owns_text("tb1/locale/x/00000000"),
            "a prefix, not a start of a word"
        );
        assert_eq!(
            owners.prefixes(),
            [format!("tb1/{seg}/"), "tb1/local/".to_owned()]
        );
    }

    #[test]
    fn plain_ids_read_as_written_and_round_trip() {
        let c = CorrelationId::new(TENANT, "AdminMFAV2");
        let s = c.to_string();
        assert!(s.starts_with(&format!("tb1/{TENANT}/AdminMFAV2/")), "{s}");
        assert_eq!(s.len(), 4 + 36 + 1 + 10 + 1 + 8);
        assert_eq!(CorrelationId::parse(&s), Some(c.clone()));
        assert!(c.is_for(TENANT, "AdminMFAV2"));
        assert!(!c.is_for(TENANT, "AdminMFAV"));
        assert!(s.starts_with(&action_prefix(TENANT, "AdminMFAV2")));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json, serde_json::Value::String(s.clone()));
        assert_eq!(serde_json::from_value::<CorrelationId>(json).unwrap(), c);
        // Two submissions of one action differ only in the draft part.
        let d = CorrelationId::new(TENANT, "AdminMFAV2");
        assert_eq!((c.tenant(), c.action()), (d.tenant(), d.action()));
    }

    #[test]
    fn long_or_odd_parts_are_shortened_and_stay_parseable() {
        let long_action = "a".repeat(300);
        let long_tenant = "t".repeat(120);
        for (tenant, action) in [
            (TENANT, long_action.as_str()),
            (long_tenant.as_str(), long_action.as_str()),
            (long_tenant.as_str(), "x"),
            ("", ""),
            ("contoso.onmicrosoft.com", "scid_2001/with^caret,comma é"),
        ] {
            let c = CorrelationId::new(tenant, action);
            let s = c.to_string();
            assert!(s.len() <= MAX_LEN, "{} > 100: {s}", s.len());
            assert_eq!(CorrelationId::parse(&s), Some(c.clone()), "{s}");
            assert!(c.is_for(tenant, action));
            assert!(s.starts_with(&action_prefix(tenant, action)));
            assert!(!s.contains('^') && !s.contains(','));
        }
        // Shortening keeps different actions apart.
        let a = CorrelationId::with_draft(TENANT, &format!("{long_action}1"), "00000000");
        let b = CorrelationId::with_draft(TENANT, &format!("{long_action}2"), "00000000");
        assert_ne!(a, b);
        let a = CorrelationId::with_draft(TENANT, "a/b", "00000000");
        let b = CorrelationId::with_draft(TENANT, "a_b", "00000000");
        assert_ne!(a, b);
    }

    #[test]
    fn foreign_ids_are_refused() {
        for s in [
            "",
            "INC0010001",
            "tb2/t/a/0a1b2c3d",
            "tb1/t/a/0A1B2C3D",
            "tb1/t/a/0a1b2c3",
            "tb1//a/0a1b2c3d",
            "tb1/t/a/b/0a1b2c3d",
            "tb1/t^x/a/0a1b2c3d",
        ] {
            assert_eq!(CorrelationId::parse(s), None, "{s}");
        }
        assert!(CorrelationId::parse(&format!("tb1/{}/a/0a1b2c3d", "t".repeat(100))).is_none());
    }
}

/// Arbitrary text as a correlation id: never a panic; what parses prints back the same.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_never_panics_and_round_trips(text in ".{0,120}", tb in "tb1/[a-z0-9._/-]{0,60}") {
            for t in [text.as_str(), tb.as_str()] {
                if let Some(c) = CorrelationId::parse(t) {
                    prop_assert_eq!(CorrelationId::parse(&c.to_string()), Some(c.clone()));
                    prop_assert!(c.to_string().len() <= MAX_LEN);
                }
            }
        }
    }
}
