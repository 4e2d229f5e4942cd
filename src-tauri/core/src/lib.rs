//! `ticket-bridge-core`: everything Ticket Bridge does that is worth testing, with no Tauri
//! dependency. The app crate (`src-tauri`) is a thin shell that parses IPC input, calls into this
//! crate and passes [`Error`] back unchanged.
//!
//! Modules own one thing each: [`error`] the one error type, [`servicenow`] the instance address
//! and everything that talks to ServiceNow, [`app_info`] what the home screen needs at start,
//! [`tickets`] task drafts, the outbox that turns them into tickets, and reading tickets back;
//! [`diagnostics`] the zip an admin sends to IT; [`network`] the proxy every HTTP client uses.

pub mod app_info;
pub mod connection;
pub mod diagnostics;
pub mod doctor;
pub mod error;
pub mod files;
pub mod i18n;
pub mod network;
pub mod oauth;
pub mod policy;
pub mod retry_after;
pub mod secret;
pub mod secrets;
pub mod secure_score;
pub mod servicenow;
pub mod tickets;
pub mod updates;
pub mod workspace;

pub use error::{Error, ErrorKind, Result};
pub use secret::Secret;
