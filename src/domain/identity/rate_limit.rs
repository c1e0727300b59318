//! Brute-force protection for the credential endpoints (sign-in, accepting an invitation).
//!
//! - Requests per client address: a fixed window shared by the credential endpoints.
//! - Failed sign-ins per (account, client address): the lock. An attacker elsewhere cannot
//!   lock a person out of their account by guessing from another address.
//! - Failed sign-ins per account from all addresses: a softer ceiling, against guessing
//!   spread over many addresses.
//!
//! An attempt is counted as a failure before the password is verified and refunded when it
//! was right, in one step under the lock, so concurrent guesses cannot exceed the limit.
//! Accounts are keyed by a SHA-256 digest of the normalised address: a key is 32 bytes
//! whatever was sent. Expired windows are pruned on a timer ([`LoginLimiter::prune`]) and
//! every map has a hard cap. Counters live in this process, so with N instances behind a
//! balancer the effective limits are up to N times higher.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::domain::types::formats::normalized_email;
use crate::error::AppError;

/// Keys one counter keeps at most; past it, windows that lock nobody are dropped first.
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

struct Counter<K> {
    windows: HashMap<K, Window>,
    limit: u32,
    period: Duration,
}

impl<K: Eq + Hash + Clone> Counter<K> {
    fn new(limit: u32, period: Duration) -> Self {
        Counter { windows: HashMap::new(), limit, period }
    }

    fn current(&self, key: &K) -> Option<Window> {
        self.windows.get(key).copied().filter(|w| w.started.elapsed() < self.period)
    }

    /// Seconds until `key` may try again, if it is at the limit now.
    fn blocked(&self, key: &K) -> Option<u32> {
        let w = self.current(key)?;
        (w.count >= self.limit).then(|| retry_after(self.period.saturating_sub(w.started.elapsed())))
    }

    fn hit(&mut self, key: &K) {
        if self.windows.len() >= MAX_KEYS && !self.windows.contains_key(key) {
            self.prune();
            if self.windows.len() >= MAX_KEYS {
                let limit = self.limit;
                self.windows.retain(|_, w| w.count >= limit);
            }
            if self.windows.len() >= MAX_KEYS {
                self.windows.clear();
            }
        }
        let period = self.period;
        let w = self.windows.entry(key.clone()).or_insert(Window { started: Instant::now(), count: 0 });
        if w.started.elapsed() >= period {
            *w = Window { started: Instant::now(), count: 0 };
        }
        w.count = w.count.saturating_add(1);
    }

    /// Takes back one hit of the current window.
    fn refund(&mut self, key: &K) {
        if let Some(w) = self.windows.get_mut(key) {
            w.count = w.count.saturating_sub(1);
        }
    }

    fn clear(&mut self, key: &K) {
        self.windows.remove(key);
    }

    fn prune(&mut self) {
        let period = self.period;
        self.windows.retain(|_, w| w.started.elapsed() < period);
        self.windows.shrink_to_fit();
    }
}

fn retry_after(left: Duration) -> u32 {
    left.as_secs().max(1).try_into().unwrap_or(u32::MAX)
}

/// A fixed-size key for an account, whatever the caller sent as its address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AccountKey([u8; 32]);

impl AccountKey {
    pub fn of(address: &str) -> Self {
        AccountKey(Sha256::digest(normalized_email(address).as_bytes()).into())
    }
}

/// The address a request comes from; `None` when unknown (in-process tests).
type Client = Option<IpAddr>;

struct Counters {
    per_ip: Counter<IpAddr>,
    failures_per_client: Counter<(AccountKey, Client)>,
    failures_per_account: Counter<AccountKey>,
}

pub struct LoginLimiter {
    counters: Mutex<Counters>,
}

/// The limits of a [`LoginLimiter`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Credential requests per client address and `ip_period`.
    pub ip_requests: u32,
    pub ip_period: Duration,
    /// Failed sign-ins per account and client address that lock that address out.
    pub client_failures: u32,
    /// Failed sign-ins per account from all addresses.
    pub account_failures: u32,
    pub failure_period: Duration,
}

impl Default for Limits {
    /// 30 requests a minute per address; 5 failures per account and address, 50 per account,
    /// in 15 minutes.
    fn default() -> Self {
        Limits {
            ip_requests: 30,
            ip_period: Duration::from_secs(60),
            client_failures: 5,
            account_failures: 50,
            failure_period: Duration::from_secs(15 * 60),
        }
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(Limits::default())
    }
}

/// A sign-in attempt counted as a failure until [`LoginLimiter::succeeded`] takes it back.
#[must_use]
pub struct Attempt {
    account: AccountKey,
    client: Client,
}

impl LoginLimiter {
    pub fn new(limits: Limits) -> Self {
        LoginLimiter {
            counters: Mutex::new(Counters {
                per_ip: Counter::new(limits.ip_requests, limits.ip_period),
                failures_per_client: Counter::new(limits.client_failures, limits.failure_period),
                failures_per_account: Counter::new(limits.account_failures, limits.failure_period),
            }),
        }
    }

    fn counters(&self) -> Result<std::sync::MutexGuard<'_, Counters>, AppError> {
        self.counters.lock().map_err(|_| AppError::internal("login limiter lock poisoned"))
    }

    /// Counts a credential request from `ip`; 429 once the address is over its limit.
    pub fn request_from(&self, ip: Client) -> Result<(), AppError> {
        let Some(ip) = ip else { return Ok(()) };
        let mut c = self.counters()?;
        if let Some(retry_after_secs) = c.per_ip.blocked(&ip) {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
        c.per_ip.hit(&ip);
        Ok(())
    }

    /// Starts a sign-in to `account` from `client`: 429 while that client is locked out of the
    /// account or the account is at its ceiling (even for the right password); otherwise the
    /// attempt is counted as a failure now, in the same step.
    pub fn attempt(&self, account: AccountKey, client: Client) -> Result<Attempt, AppError> {
        let mut c = self.counters()?;
        let key = (account, client);
        if let Some(retry_after_secs) =
            c.failures_per_client.blocked(&key).or_else(|| c.failures_per_account.blocked(&account))
        {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
        c.failures_per_client.hit(&key);
        c.failures_per_account.hit(&account);
        Ok(Attempt { account, client })
    }

    /// The password was right: the attempt is no failure, and the client's count starts over.
    pub fn succeeded(&self, attempt: Attempt) {
        if let Ok(mut c) = self.counters() {
            c.failures_per_client.clear(&(attempt.account, attempt.client));
            c.failures_per_account.refund(&attempt.account);
        }
    }

    /// Drops expired windows; run on a timer.
    pub fn prune(&self) {
        if let Ok(mut c) = self.counters() {
            c.per_ip.prune();
            c.failures_per_client.prune();
            c.failures_per_account.prune();
        }
    }

    /// How many keys the counters hold (for tests and metrics).
    pub fn keys(&self) -> usize {
        self.counters().map_or(0, |c| {
            c.per_ip.windows.len() + c.failures_per_client.windows.len() + c.failures_per_account.windows.len()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(ip_requests: u32, client_failures: u32, account_failures: u32) -> Limits {
        Limits {
            ip_requests,
            ip_period: Duration::from_secs(60),
            client_failures,
            account_failures,
            failure_period: Duration::from_secs(60),
        }
    }

    #[test]
    fn blocks_after_the_limit_and_says_when_to_retry() {
        let limiter = LoginLimiter::new(limits(2, 2, 10));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.request_from(Some(ip)).is_ok());
        assert!(limiter.request_from(Some(ip)).is_ok());
        match limiter.request_from(Some(ip)) {
            Err(AppError::TooManyRequests { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("{other:?}"),
        }
        let _failed = limiter.attempt(AccountKey::of("A@example.fi"), Some(ip)).unwrap();
        let ok = limiter.attempt(AccountKey::of(" a@EXAMPLE.fi"), Some(ip)).unwrap();
        assert!(limiter.attempt(AccountKey::of("a@example.fi"), Some(ip)).is_err());
        limiter.succeeded(ok);
        assert!(limiter.attempt(AccountKey::of("a@example.fi"), Some(ip)).is_ok());
    }

    #[test]
    fn a_lock_holds_one_client_address_and_the_ceiling_all() {
        let limiter = LoginLimiter::new(limits(100, 2, 4));
        let account = AccountKey::of("kohde@example.fi");
        let attacker = Some("198.51.100.7".parse().unwrap());
        let owner = Some("192.0.2.10".parse().unwrap());
        for _ in 0..2 {
            let _ = limiter.attempt(account, attacker).unwrap();
        }
        assert!(limiter.attempt(account, attacker).is_err(), "the attacker's address is locked");
        let ok = limiter.attempt(account, owner).expect("the owner is not locked out");
        limiter.succeeded(ok);
        let _ = limiter.attempt(account, Some("203.0.113.1".parse().unwrap())).unwrap();
        let _ = limiter.attempt(account, Some("203.0.113.2".parse().unwrap())).unwrap();
        assert!(limiter.attempt(account, owner).is_err(), "the account's ceiling holds for every address");
    }

    #[test]
    fn keys_are_digests_and_expired_windows_are_pruned() {
        let limiter = LoginLimiter::new(Limits { failure_period: Duration::from_millis(1), ..limits(100, 5, 50) });
        let huge = "x".repeat(1 << 20);
        let _ = limiter.attempt(AccountKey::of(&huge), None).unwrap();
        assert_eq!(std::mem::size_of::<AccountKey>(), 32);
        assert_eq!(limiter.keys(), 2);
        std::thread::sleep(Duration::from_millis(5));
        limiter.prune();
        assert_eq!(limiter.keys(), 0);
    }

    #[test]
    fn the_address_is_normalised_like_the_database_does() {
        assert_eq!(AccountKey::of(" Koordinaattori@Example.FI"), AccountKey::of("koordinaattori@example.fi"));
        assert_ne!(AccountKey::of("koordİnaattori@example.fi"), AccountKey::of("koordinaattori@example.fi"));
    }
}
