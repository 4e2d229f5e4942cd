// The order of the connect form's fields, for moving the focus to the first one Rust's check
// (check_connect_form) found wrong. The rules themselves (instance address, required fields,
// port range, the redirect URL) are Rust's alone. No DOM, no i18n, no IPC.

/** The form's fields, in the order a failed check moves the focus through them. */
export const FIELD_ORDER = Object.freeze(["instance", "clientId", "clientSecret", "integrationUser", "port"]);
