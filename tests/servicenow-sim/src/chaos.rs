//! The `chaos=SEED[:PERCENT]` scenario: a seeded, reproducible fault
//! injector on the Table API. A splitmix64 generator, seeded when the
//! scenario is turned on, decides for each Table API request (in the order
//! they arrive) whether it gets a fault and which one, among those that fit
//! the method (see [`crate::scenarios::CHAOS_FAULTS`]). The middleware
//! (http.rs) applies the faults that happen around the handler; the write
//! handlers (table.rs) apply the ones that happen after the write. Each
//! fault is counted when it is actually applied.

use std::collections::BTreeMap;

/// splitmix64 (Steele, Lea, Flood): tiny, fast, good enough for tests.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// One fault `chaos` can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 error envelope, nothing done.
    ServerError,
    /// The write is persisted, then a 500 error envelope.
    ErrorAfterWrite,
    /// The write is persisted, then the connection is cut.
    DropAfterWrite,
    /// The write is persisted, then the load balancer's 504 page.
    GatewayTimeoutAfterWrite,
    /// 429 with `Retry-After` in seconds.
    RateLimit { retry_after_secs: u64 },
    /// 429 with `Retry-After` an HTTP-date this far ahead.
    RateLimitDate { retry_after_secs: u64 },
    /// Success, with the JSON body cut in the middle.
    MalformedJson,
    /// Answered normally after this many milliseconds.
    Slow { millis: u64 },
}

impl Fault {
    /// The name counted by `SimHandle::chaos_counts` (one of `CHAOS_FAULTS`).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::ServerError => "server-error",
            Fault::ErrorAfterWrite => "error-after-write",
            Fault::DropAfterWrite => "drop-after-write",
            Fault::GatewayTimeoutAfterWrite => "gateway-timeout-after-write",
            Fault::RateLimit { .. } => "rate-limit",
            Fault::RateLimitDate { .. } => "rate-limit-date",
            Fault::MalformedJson => "malformed-json",
            Fault::Slow { .. } => "slow",
        }
    }

    /// Whether the write handler applies it (after persisting).
    pub fn after_write(&self) -> bool {
        matches!(
            self,
            Fault::ErrorAfterWrite | Fault::DropAfterWrite | Fault::GatewayTimeoutAfterWrite
        )
    }
}

/// What kind of Table API request a fault is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// GET (and anything else that changes nothing).
    Read,
    /// POST, PATCH, PUT.
    Write,
    /// DELETE: no body to truncate, nothing reported after it.
    Delete,
}

impl RequestKind {
    /// The kind of a request by its method.
    pub fn of(method: &str) -> RequestKind {
        match method {
            "POST" | "PATCH" | "PUT" => RequestKind::Write,
            "DELETE" => RequestKind::Delete,
            _ => RequestKind::Read,
        }
    }
}

/// The live state of the chaos scenario.
#[derive(Debug, Clone)]
pub struct ChaosState {
    rng: SplitMix64,
    /// Fault name → how many were applied (every name of `CHAOS_FAULTS`).
    pub counts: BTreeMap<String, u64>,
}

impl ChaosState {
    /// A fresh sequence from `seed`, every count at zero.
    pub fn new(seed: u64) -> Self {
        ChaosState {
            rng: SplitMix64::new(seed),
            counts: crate::scenarios::CHAOS_FAULTS
                .iter()
                .map(|(name, _)| (name.to_string(), 0))
                .collect(),
        }
    }

    /// Decide the fault of the next Table API request (`None`: no fault).
    /// Always draws the same number of values for a given outcome, so the
    /// sequence depends only on the seed and the order of requests.
    pub fn draw(&mut self, percent: u8, kind: RequestKind) -> Option<Fault> {
        if self.rng.below(100) >= u64::from(percent) {
            return None;
        }
        let choices: &[u8] = match kind {
            RequestKind::Write => &[0, 1, 2, 3, 4, 5, 6, 7],
            RequestKind::Read => &[0, 4, 5, 6, 7],
            RequestKind::Delete => &[0, 4, 5, 7],
        };
        let pick = choices[self.rng.below(choices.len() as u64) as usize];
        let param = self.rng.next_u64();
        Some(match pick {
            0 => Fault::ServerError,
            1 => Fault::ErrorAfterWrite,
            2 => Fault::DropAfterWrite,
            3 => Fault::GatewayTimeoutAfterWrite,
            4 => Fault::RateLimit {
                retry_after_secs: 1 + param % 2,
            },
            5 => Fault::RateLimitDate {
                retry_after_secs: 1 + param % 2,
            },
            6 => Fault::MalformedJson,
            _ => Fault::Slow {
                millis: 200 + param % 601,
            },
        })
    }

    /// Count one applied fault.
    pub fn count(&mut self, fault: Fault) {
        *self.counts.entry(fault.name().to_string()).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_values() {
        // Reference outputs of splitmix64 seeded with 1234567.
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }

    #[test]
    fn draws_are_reproducible_and_fit_the_request() {
        let run = |seed| {
            let mut c = ChaosState::new(seed);
            (0..200)
                .map(|i| {
                    let kind = [RequestKind::Write, RequestKind::Read, RequestKind::Delete][i % 3];
                    (kind, c.draw(100, kind))
                })
                .collect::<Vec<_>>()
        };
        let a = run(9);
        assert_eq!(a, run(9));
        assert_ne!(a, run(10));
        for (kind, fault) in &a {
            let fault = fault.expect("percent 100 always faults");
            match kind {
                RequestKind::Read => assert!(!fault.after_write(), "{} on a read", fault.name()),
                RequestKind::Delete => assert!(
                    !fault.after_write() && fault != Fault::MalformedJson,
                    "{} on a delete",
                    fault.name()
                ),
                RequestKind::Write => {}
            }
            match fault {
                Fault::RateLimit { retry_after_secs }
                | Fault::RateLimitDate { retry_after_secs } => {
                    assert!((1..=2).contains(&retry_after_secs))
                }
                Fault::Slow { millis } => assert!((200..=800).contains(&millis)),
                _ => {}
            }
        }
        let mut none = ChaosState::new(1);
        assert!((0..100).all(|_| none.draw(0, RequestKind::Write).is_none()));
    }
}
