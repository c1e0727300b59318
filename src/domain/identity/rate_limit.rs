//! Brute-force protection for the token endpoint: a fixed-window limit on requests per
//! client IP, and on failed sign-ins per account. Counters live in this process, so with N
//! instances behind a balancer the effective limit is up to N times higher.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

struct Window {
    started: Instant,
    count: u32,
}

struct Counter<K> {
    windows: Mutex<HashMap<K, Window>>,
    limit: u32,
    period: Duration,
}

impl<K: Eq + Hash + Clone> Counter<K> {
    fn new(limit: u32, period: Duration) -> Self {
        Counter { windows: Mutex::new(HashMap::new()), limit, period }
    }

    /// Seconds until `key` may try again, if it is over the limit now.
    fn blocked(&self, key: &K) -> Option<u32> {
        let windows = self.windows.lock().ok()?;
        let w = windows.get(key)?;
        let elapsed = w.started.elapsed();
        (elapsed < self.period && w.count >= self.limit)
            .then(|| (self.period - elapsed).as_secs().max(1).try_into().unwrap_or(u32::MAX))
    }

    fn hit(&self, key: &K) {
        let Ok(mut windows) = self.windows.lock() else { return };
        if windows.len() > 100_000 {
            let period = self.period;
            windows.retain(|_, w| w.started.elapsed() < period);
        }
        let w = windows.entry(key.clone()).or_insert(Window { started: Instant::now(), count: 0 });
        if w.started.elapsed() >= self.period {
            *w = Window { started: Instant::now(), count: 0 };
        }
        w.count += 1;
    }

    fn clear(&self, key: &K) {
        if let Ok(mut windows) = self.windows.lock() {
            windows.remove(key);
        }
    }
}

pub struct LoginLimiter {
    per_ip: Counter<IpAddr>,
    failures_per_account: Counter<String>,
}

impl Default for LoginLimiter {
    /// 30 token requests a minute per IP; 5 failed sign-ins per account in 15 minutes.
    fn default() -> Self {
        LoginLimiter::new(30, Duration::from_secs(60), 5, Duration::from_secs(15 * 60))
    }
}

impl LoginLimiter {
    pub fn new(ip_limit: u32, ip_period: Duration, account_failures: u32, account_period: Duration) -> Self {
        LoginLimiter {
            per_ip: Counter::new(ip_limit, ip_period),
            failures_per_account: Counter::new(account_failures, account_period),
        }
    }

    /// Counts a token request from `ip`; 429 once the IP is over its limit.
    pub fn request_from(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = ip else { return Ok(()) };
        if let Some(retry_after_secs) = self.per_ip.blocked(&ip) {
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
        self.per_ip.hit(&ip);
        Ok(())
    }

    /// 429 while the account has too many recent failures (even for the right password).
    pub fn check_account(&self, account: &str) -> Result<(), AppError> {
        match self.failures_per_account.blocked(&account.to_lowercase()) {
            Some(retry_after_secs) => Err(AppError::TooManyRequests { retry_after_secs }),
            None => Ok(()),
        }
    }

    pub fn failed(&self, account: &str) {
        self.failures_per_account.hit(&account.to_lowercase());
    }

    pub fn succeeded(&self, account: &str) {
        self.failures_per_account.clear(&account.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_says_when_to_retry() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60), 2, Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.request_from(Some(ip)).is_ok());
        assert!(limiter.request_from(Some(ip)).is_ok());
        match limiter.request_from(Some(ip)) {
            Err(AppError::TooManyRequests { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("{other:?}"),
        }
        limiter.failed("A@example.fi");
        assert!(limiter.check_account("a@example.fi").is_ok());
        limiter.failed("a@example.fi");
        assert!(limiter.check_account("a@EXAMPLE.fi").is_err());
        limiter.succeeded("a@example.fi");
        assert!(limiter.check_account("a@example.fi").is_ok());
    }
}
