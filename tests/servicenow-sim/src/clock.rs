//! The simulator's clock: real UTC time plus an offset that tests can move,
//! so token expiry, code expiry and `sys_updated_on` can be exercised without
//! sleeping. Everything in the simulator that asks "what time is it" asks here.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

/// Shared, cloneable clock. Clones see the same offset.
#[derive(Clone, Default)]
pub struct Clock {
    offset: Arc<Mutex<Duration>>,
}

/// ServiceNow's date-time format for values and queries (UTC).
pub const SN_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().expect("clock lock")
    }

    pub fn set_offset(&self, offset: Duration) {
        *self.offset.lock().expect("clock lock") = offset;
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }

    pub fn offset(&self) -> Duration {
        *self.offset.lock().expect("clock lock")
    }

    /// Now, formatted as ServiceNow stores dates (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub fn now_sn(&self) -> String {
        format_sn(self.now())
    }
}

pub fn format_sn(t: DateTime<Utc>) -> String {
    t.format(SN_FORMAT).to_string()
}
