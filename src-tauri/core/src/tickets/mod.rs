//! Tickets: what the admin submits and what ServiceNow holds.
//!
//! [`model`] the vocabulary and the read model, [`draft`] the task form and the record it becomes,
//! [`correlation`] the external key that finds Ticket Bridge's tickets again, [`outbox`] the
//! durable, exactly-once path from a draft to a ticket, [`dedup`] the "already open for this
//! action" check, [`sync`] reading every ticket of a tenant and the state labels.
//!
//! No Tauri and no UI here: the app's commands call these and pass [`crate::Error`] through.

pub mod board;
pub mod correlation;
pub mod dedup;
pub mod draft;
pub mod model;
pub mod notice;
pub mod outbox;
pub mod service;
pub mod sync;
pub mod watch;
pub mod watcher;

pub use correlation::CorrelationId;
pub use draft::{FieldError, TaskDraft};
pub use model::{Category, Priority, RecommendationSource, Ticket, TicketKind};
pub use outbox::{Outbox, OutboxEntry, SendReport, SentTicket};

/// Builds `/api/now/table/{table}?…` with URL-encoded parameters.
pub(crate) fn table_url(table: &str, params: &[(&str, &str)]) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/api/now/table/{table}?{q}")
}
