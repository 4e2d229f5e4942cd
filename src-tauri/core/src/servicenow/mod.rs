//! Everything that speaks to a ServiceNow instance: its address ([`instance`]), the HTTP client
//! ([`http`]), the authenticated client with its one retry after a renewed token ([`client`]),
//! the typed Table API ([`table`]), the registry of ticket kinds ([`kinds`]), and the one place
//! where ServiceNow's answers become error kinds ([`errors`]).
//!
//! Only this module knows the wire: `sysparm_*`, encoded queries, the `result` envelope and table
//! names. Everything above it speaks in types. No Tauri, no UI strings beyond the English text of
//! errors.

pub mod client;
pub mod errors;
pub mod http;
pub mod instance;
pub mod kinds;
pub mod table;

pub use instance::InstanceUrl;
pub use kinds::TicketKind;
