//! Brute-force protection for the credential endpoints (sign-in, accepting an invitation) and
//! per-client limits of exports, counted in the database so that every instance of the
//! service sees the same counts: N instances allow what one does, not N times as much.
//!
//! - Requests per client address: a fixed window shared by the credential endpoints.
//! - Failed sign-ins per (account, client address): the lock. An attacker elsewhere cannot
//!   lock a person out of their account by guessing from another address.
//! - Failed sign-ins per account from all addresses: a softer ceiling, against guessing
//!   spread over many addresses.
//! - Exports, and live event streams opened, per client address.
//!
//! Each count is one atomic upsert that returns the new count, so concurrent requests, through
//! any number of instances, cannot exceed a limit: an attempt is counted as a failure before
//! the password is verified and refunded when it was right. Keys are SHA-256 digests of what
//! they count (the normalised address, the client address, an IPv6 client by its /64, the
//! usual unit of one subscriber): a row holds no address in the clear and is 32 bytes whatever
//! was sent. Windows that have ended are deleted every minute ([`RateLimiter::prune`]).

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::domain::types::formats::normalized_email;
use crate::error::AppError;
use crate::repo::identity::rate_limits as repo;

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

/// What a counter counts, as the digest it is stored under.
fn key(kind: &str, account: Option<&AccountKey>, client: Client) -> [u8; 32] {
    let mut digest = Sha256::new().chain_update(kind.as_bytes()).chain_update([0]);
    if let Some(account) = account {
        digest.update(account.0);
    }
    match client {
        Some(IpAddr::V4(v4)) => digest.update(v4.octets()),
        // One subscriber usually holds a whole /64: counting its addresses one by one would
        // give them 2^64 budgets.
        Some(IpAddr::V6(v6)) => digest.update(&v6.octets()[..8]),
        None => digest.update(b"unknown"),
    }
    digest.finalize().into()
}

/// The limits of a [`RateLimiter`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Credential requests per client address and `ip_period` (`YHDYSPINTA_LOGIN_REQUESTS_PER_MINUTE`).
    pub ip_requests: u32,
    pub ip_period: Duration,
    /// Failed sign-ins per account and client address that lock that address out.
    pub client_failures: u32,
    /// Failed sign-ins per account from all addresses.
    pub account_failures: u32,
    pub failure_period: Duration,
    /// Exports per client address and minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`).
    pub exports_per_minute: u32,
    /// Live event streams opened per client address and minute
    /// (`YHDYSPINTA_STREAM_OPENS_PER_MINUTE`).
    pub stream_opens_per_minute: u32,
}

impl Default for Limits {
    /// 30 requests a minute per address; 5 failures per account and address, 50 per account,
    /// in 15 minutes; 60 exports and 120 stream openings a minute per address (an office behind
    /// one address reconnecting after a deploy stays under it).
    fn default() -> Self {
        Limits {
            ip_requests: 30,
            ip_period: Duration::from_secs(60),
            client_failures: 5,
            account_failures: 50,
            failure_period: Duration::from_secs(15 * 60),
            exports_per_minute: 60,
            stream_opens_per_minute: 120,
        }
    }
}

/// The limits; the counts are in the database.
#[derive(Clone, Copy, Debug, Default)]
pub struct RateLimiter {
    limits: Limits,
}

/// A sign-in attempt counted as a failure until [`RateLimiter::succeeded`] takes it back.
#[must_use]
pub struct Attempt {
    client_key: [u8; 32],
    account_key: [u8; 32],
}

/// One more hit on `key`; 429 with the window's remaining seconds when it is over `limit`.
async fn hit(conn: &mut Conn, key: &[u8; 32], limit: u32, period: Duration) -> Result<(), AppError> {
    let (hits, retry_after_secs) = repo::hit(conn, key, period.as_secs_f64()).await?;
    if u32::try_from(hits).unwrap_or(u32::MAX) > limit {
        return Err(AppError::TooManyRequests {
            retry_after_secs: u32::try_from(retry_after_secs).unwrap_or(1).max(1),
        });
    }
    Ok(())
}

/// One more `kind` of request from `ip`; an unknown address (in-process tests) is not counted.
async fn per_client(conn: &mut Conn, kind: &str, ip: Client, limit: u32, period: Duration) -> Result<(), AppError> {
    match ip {
        Some(_) => hit(conn, &key(kind, None, ip), limit, period).await,
        None => Ok(()),
    }
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter { limits }
    }

    /// Counts a credential request from `ip`; 429 once the address is over its limit.
    pub async fn request_from(&self, conn: &mut Conn, ip: Client) -> Result<(), AppError> {
        per_client(conn, "request", ip, self.limits.ip_requests, self.limits.ip_period).await
    }

    /// Counts an export by `ip`; 429 once the address is over its limit.
    pub async fn export_by(&self, conn: &mut Conn, ip: Client) -> Result<(), AppError> {
        per_client(conn, "export", ip, self.limits.exports_per_minute, Duration::from_secs(60)).await
    }

    /// Counts a live event stream opened by `ip`; 429 once the address is over its limit.
    /// The streams' caps bound how many are open; this bounds how fast a client may churn them
    /// (each opening reads the document and evicts the person's oldest stream at the cap).
    pub async fn stream_opened_by(&self, conn: &mut Conn, ip: Client) -> Result<(), AppError> {
        per_client(conn, "stream", ip, self.limits.stream_opens_per_minute, Duration::from_secs(60)).await
    }

    /// Starts a sign-in to `account` from `client`: counted as a failure now, and 429 while
    /// that client is locked out of the account or the account is at its ceiling (even for
    /// the right password).
    pub async fn attempt(&self, conn: &mut Conn, account: AccountKey, client: Client) -> Result<Attempt, AppError> {
        let attempt = Attempt {
            client_key: key("failure", Some(&account), client),
            account_key: key("account-failure", Some(&account), None),
        };
        let period = self.limits.failure_period;
        hit(conn, &attempt.client_key, self.limits.client_failures, period).await?;
        hit(conn, &attempt.account_key, self.limits.account_failures, period).await?;
        Ok(attempt)
    }

    /// Deletes the windows that have ended; run on a timer.
    pub async fn prune(&self, conn: &mut Conn) -> Result<usize, AppError> {
        let longest = self.limits.failure_period.max(self.limits.ip_period).max(Duration::from_secs(60));
        Ok(repo::prune(conn, longest.as_secs_f64()).await?)
    }

    /// The password was right: the attempt is no failure, and the client's count starts over.
    pub async fn succeeded(&self, conn: &mut Conn, attempt: Attempt) -> Result<(), AppError> {
        repo::clear(conn, &attempt.client_key).await?;
        repo::refund(conn, &attempt.account_key).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_normalised_like_the_database_does() {
        assert_eq!(AccountKey::of(" Koordinaattori@Example.FI"), AccountKey::of("koordinaattori@example.fi"));
        assert_ne!(AccountKey::of("koordİnaattori@example.fi"), AccountKey::of("koordinaattori@example.fi"));
    }

    #[test]
    fn keys_are_digests_and_an_ipv6_client_counts_by_its_64() {
        let huge = "x".repeat(1 << 20);
        assert_eq!(key("failure", Some(&AccountKey::of(&huge)), None).len(), 32);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(key("request", None, ip("2001:db8:1:2::1")), key("request", None, ip("2001:db8:1:2:ffff::9")));
        assert_ne!(key("request", None, ip("2001:db8:1:2::1")), key("request", None, ip("2001:db8:1:3::1")));
        assert_ne!(key("request", None, ip("192.0.2.1")), key("request", None, ip("192.0.2.2")));
        assert_ne!(key("request", None, ip("192.0.2.1")), key("export", None, ip("192.0.2.1")));
    }
}
