//! Everything that speaks to a ServiceNow instance: its address, and (as the connection and
//! ticket work lands) the Table API client, the error-envelope mapping and the models.
//! No Tauri, no UI strings beyond the English fallback text in errors.

pub mod client;
pub mod errors;
pub mod http;
pub mod instance;

pub use instance::InstanceUrl;
