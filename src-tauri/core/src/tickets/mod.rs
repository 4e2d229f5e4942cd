//! Tickets: what the admin submits and what ServiceNow holds, for one workspace.
//!
//! [`model`] the vocabulary and the read model, [`draft`] the task form and the record it becomes,
//! [`correlation`] the external key that finds Ticket Bridge's tickets again, [`outbox`] the
//! durable, exactly-once path from a draft to a ticket, [`dedup`] the "already open for this
//! action" check, [`sync`] reading every ticket of a tenant and the state labels, [`board`] the
//! cached list the cards paint from, [`watch`] one poll for changes and [`watcher`] the loop
//! around it, [`notice`] the words of a notification, [`service`] all of it for one workspace.
//!
//! These speak in types: the wire (query parameters, table names, the `result` envelope) is
//! `servicenow/`'s. No Tauri and no UI here; [`crate::Error`] passes through.

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
