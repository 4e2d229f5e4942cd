//! Tokens minted without the browser, for tests that exercise what comes after a sign-in (the
//! outbox, the watcher, an upgrade from stored tokens) and have no sign-in to prove.

use crate::SimHandle;

impl SimHandle {
    /// An access token and a refresh token for the account `user_name` and `client_id`, as a
    /// sign-in would have issued them: `(access, refresh)`. `None` for an unknown account.
    pub fn issue_tokens(&self, user_name: &str, client_id: &str) -> Option<(String, String)> {
        let now = self.app.clock.now();
        let mut shared = self.app.lock();
        let user = shared.account_by_name(user_name)?.sys_id.clone();
        let access = crate::oauth::issue(&mut shared, true, &user, client_id, now);
        let refresh = crate::oauth::issue(&mut shared, false, &user, client_id, now);
        Some((access, refresh))
    }
}
