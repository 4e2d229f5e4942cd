//! IPC adapters, one module per screen. Each command parses its input, calls
//! `ticket-bridge-core` and returns data or `ticket_bridge_core::Error` (which serializes as
//! `{ kind, message, hint }`). No business logic here.

pub mod connection;
pub mod home;
pub mod tickets;
pub mod watch;
