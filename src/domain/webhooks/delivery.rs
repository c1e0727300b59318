//! Delivering the feed to subscribers. Each round first cuts, for every active subscription
//! without a batch in flight, the next public changes of its types into one delivery (moving
//! its position past them in the same transaction), then claims the due deliveries for a
//! lease (so that no other instance takes them meanwhile) and sends them, a signed POST each,
//! without holding a lock or a transaction, recording each answer in a short transaction of
//! its own as it comes. A worker that dies mid-send leaves its claim to lapse, and the batch is
//! sent again (receivers deduplicate on `Yhdyspinta-Delivery`). A failed delivery is retried
//! with exponential back-off and jitter; one still failing [`RETRY_FOR`] after its first
//! failure disables its subscription with the reason.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel_async::AsyncConnection;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::model::*;
use crate::db::{Conn, Db};
use crate::domain::access::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::directory::Change as FeedChange;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::encode_cursor;
use crate::error::AppError;
use crate::repo::webhooks as repo;

/// Subscriptions cut into batches in one round.
const CUT_BATCH: i64 = 100;
/// Changes in one delivery at most.
pub const MAX_ITEMS: i64 = 500;
/// Deliveries sent in one round, all at once.
const SEND_BATCH: i64 = 32;
/// A claim on a delivery outlasts its longest attempt.
const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// How often an idle worker looks for work.
const POLL: Duration = Duration::from_millis(500);
/// A delivery is retried for at least this long before its subscription is disabled.
pub const RETRY_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Connect within this, and have the answer's head within [`TIMEOUT`].
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(10);

/// The wait before the next attempt after failing for `failing_for`: as long again, from 10 s
/// to at most an hour (so the waits double: 10 s, 10 s, 20 s, 40 s, …), ±20 % so that many
/// subscribers failing together do not return together.
pub fn backoff(failing_for: chrono::TimeDelta, jitter: f64) -> chrono::TimeDelta {
    let seconds = (failing_for.num_milliseconds() as f64 / 1000.0).clamp(10.0, 3600.0);
    let seconds = seconds * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0));
    chrono::TimeDelta::milliseconds((seconds * 1000.0) as i64)
}

/// A number in -1..=1 from the system's random source.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) * 2.0 - 1.0
}

/// `Yhdyspinta-Signature`: `t=UNIX_SECONDS,v1=HEX`, HEX the HMAC-SHA256 with the secret over
/// `UNIX_SECONDS + "." + body`.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(AppError::internal)?;
    mac.update(format!("{unix_seconds}.").as_bytes());
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("t={unix_seconds},v1={hex}"))
}

/// Resolves a delivery's host to its public addresses only (any address for an allowed
/// host), at the moment of connecting: a name that points inside is refused, also when it
/// changes after the subscription was checked.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = host_allowed(&host);
            let usable: Vec<SocketAddr> = found.into_iter().filter(|a| allowed || is_public(a.ip())).collect();
            if usable.is_empty() {
                return Err("the host has no public address".into());
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client deliveries go out with: TLS with the Mozilla roots, no redirects, no
/// proxies from the environment, timeouts, and the resolver above.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Sender {
    pub fn new() -> Result<Sender, AppError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(AppError::internal)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .dns_resolver(Arc::new(PublicResolver))
            .user_agent(concat!("Yhdyspinta-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(AppError::internal)?;
        Ok(Sender { client })
    }

    /// One attempt: the receiver's status, or what went wrong.
    async fn post(&self, delivery: Uuid, url: &str, secret: &str, body: Vec<u8>) -> Attempt {
        let at = Utc::now();
        let started = Instant::now();
        let outcome = match target(url) {
            // The rule may have changed since the subscription was made (the allowed hosts).
            Err(e) => Err(e.message),
            Ok(url) => match signature(secret, at.timestamp(), &body) {
                Err(_) => Err("could not sign".to_owned()),
                Ok(signature) => self
                    .client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("yhdyspinta-signature", signature)
                    .header("yhdyspinta-delivery", delivery.to_string())
                    .body(body)
                    .send()
                    .await
                    .map(|res| res.status().as_u16())
                    .map_err(describe),
            },
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok(code) if (200..300).contains(&code) => Attempt { at, status_code: Some(code), error: None, duration_ms },
            Ok(code) => Attempt { at, status_code: Some(code), error: Some(format!("answered {code}")), duration_ms },
            Err(error) => Attempt { at, status_code: None, error: Some(error), duration_ms },
        }
    }
}

/// What went wrong, without the URL (its query may hold something the subscriber keeps).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirects are not followed"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let text = if cause.is_empty() { kind.to_owned() } else { format!("{kind}: {cause}") };
    text.chars().take(300).collect()
}

/// Cuts the next batch of every ready subscription; how many batches were cut.
pub async fn cut(conn: &mut Conn) -> Result<usize, AppError> {
    conn.transaction(async |tx| {
        let mut cut = 0;
        for webhook in repo::lock_ready(tx, CUT_BATCH).await? {
            // Another instance may have cut one between our snapshot and our lock.
            if repo::has_pending(tx, webhook.id).await? {
                continue;
            }
            let types: Vec<String> = webhook.written.event_types.iter().flatten().cloned().collect();
            let rows = repo::changes_after(tx, webhook.after_seq, &types, MAX_ITEMS).await?;
            let (Some(first), Some(last)) = (rows.first().map(|r| r.seq), rows.last().map(|r| r.seq)) else {
                continue;
            };
            let id = Uuid::now_v7();
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let c = FeedChange::try_from(row)?;
                items.push(json!({"seq": c.seq, "type": name_of(&c.resource_type), "id": c.resource_id,
                    "series_id": c.series_id, "op": name_of(&c.op), "changed_at": c.changed_at}));
            }
            let payload = json!({"webhook_id": webhook.id, "delivery_id": id, "data": items,
                "meta": {"next_cursor": encode_cursor(&last)}});
            repo::enqueue(tx, id, webhook.id, first, last, &payload).await?;
            cut += 1;
        }
        Ok(cut)
    })
    .await
}

/// Claims the due deliveries and sends them all at once, recording each answer as it comes;
/// how many were attempted.
pub async fn send_due(conn: &mut Conn, sender: &Sender) -> Result<usize, AppError> {
    use futures_util::StreamExt;
    let lease_until = Utc::now() + LEASE;
    let due =
        conn.transaction(async |tx| Ok::<_, AppError>(repo::claim_due(tx, SEND_BATCH, lease_until).await?)).await?;
    let count = due.len();
    let mut sending: futures_util::stream::FuturesUnordered<_> = due
        .into_iter()
        .map(|(d, url, secret)| async move {
            let body = serde_json::to_vec(&d.payload).unwrap_or_default();
            let attempt = sender.post(d.id, &url, &secret, body).await;
            (d, attempt)
        })
        .collect();
    while let Some((delivery, attempt)) = sending.next().await {
        // One answer that cannot be recorded leaves the others to be: its lease lapses and
        // it is sent again.
        if let Err(e) = conn.transaction(async |tx| record(tx, &delivery, attempt).await).await {
            tracing::warn!(delivery_id = %delivery.id, "webhook attempt not recorded: {e}");
        }
    }
    Ok(count)
}

/// Keeps an attempt; after a failure, schedules the next one or gives up and disables the
/// subscription with the reason.
async fn record(
    tx: &mut Conn,
    delivery: &crate::repo::webhooks::DeliveryRow,
    attempt: Attempt,
) -> Result<(), AppError> {
    use crate::repo::webhooks::Outcome;
    let log = serde_json::to_value(&attempt).map_err(AppError::internal)?;
    let Some(error) = &attempt.error else {
        repo::attempted(tx, delivery.id, &log, Outcome::Delivered).await?;
        return Ok(());
    };
    let attempts = delivery.attempts + 1;
    tracing::info!(delivery_id = %delivery.id, webhook_id = %delivery.webhook_id, attempts, error = %error,
        "webhook delivery failed");
    let failing_since = delivery.failing_since.unwrap_or(attempt.at);
    let failing_for = attempt.at - failing_since;
    if failing_for < RETRY_FOR {
        let at = attempt.at + backoff(failing_for, jitter());
        repo::attempted(tx, delivery.id, &log, Outcome::Retry { at, failing_since }).await?;
        return Ok(());
    }
    // The subscription first, as its deletion locks it first: no deadlock between the two.
    let before = match load(tx, delivery.webhook_id, true).await {
        Ok(webhook) => webhook,
        // Deleted meanwhile, with its deliveries: nothing left to record.
        Err(AppError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    repo::attempted(tx, delivery.id, &log, Outcome::GivenUp).await?;
    let reason = format!(
        "deliveries failed for {} hours ({attempts} attempts); the last: {error}. Fix the receiver, then set active to true",
        RETRY_FOR.num_hours()
    );
    let after = Webhook::try_from(repo::set_active(tx, delivery.webhook_id, Some(&reason)).await?)?;
    tracing::warn!(webhook_id = %delivery.webhook_id, "webhook disabled after failing deliveries");
    audit::record(tx, &Actor::system(), "disable", Change::updated(&before, &after)).await?;
    Ok(())
}

/// Deletes delivered batches older than the change feed keeps changes; how many.
pub async fn prune(conn: &mut Conn) -> Result<usize, AppError> {
    let days = i64::from(crate::domain::directory::retention_days());
    Ok(repo::prune_delivered(conn, Utc::now() - chrono::TimeDelta::days(days)).await?)
}

/// Cuts and sends for as long as the process runs, without pausing while there is work.
pub async fn run_worker(db: Db) {
    let sender = match Sender::new() {
        Ok(sender) => sender,
        Err(e) => {
            tracing::error!("webhook deliveries are off: {e}");
            return;
        }
    };
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        loop {
            let round = async {
                let mut conn = db.conn().await?;
                let cut = cut(&mut conn).await?;
                let sent = send_due(&mut conn, &sender).await?;
                Ok::<_, AppError>(cut + sent)
            };
            match round.await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("webhook round failed: {e}");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_ten_seconds_to_an_hour_within_the_jitter() {
        let secs = chrono::TimeDelta::seconds;
        assert_eq!(backoff(secs(0), 0.0).num_seconds(), 10);
        assert_eq!(backoff(secs(10), 0.0).num_seconds(), 10);
        assert_eq!(backoff(secs(40), 0.0).num_seconds(), 40);
        assert_eq!(backoff(chrono::TimeDelta::hours(30), 0.0).num_seconds(), 3600);
        assert_eq!(backoff(secs(0), 1.0).num_seconds(), 12);
        assert_eq!(backoff(secs(0), -1.0).num_seconds(), 8);
        assert_eq!(backoff(chrono::TimeDelta::hours(30), 5.0).num_seconds(), 4320);
        // Retried for a day, at most 72 minutes apart: at least 20 attempts.
        let mut failing_for = chrono::TimeDelta::zero();
        let mut attempts = 1;
        while failing_for < RETRY_FOR {
            failing_for += backoff(failing_for, 1.0);
            attempts += 1;
        }
        assert!(attempts > 20, "{attempts}");
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_the_time_a_dot_and_the_body() {
        // RFC 4231 cannot be reused (the message is prefixed), so the value is from
        // `printf '1700000000.{}' | openssl dgst -sha256 -hmac 'a-secret-of-at-least-32-characters'`.
        let s = signature("a-secret-of-at-least-32-characters", 1_700_000_000, b"{}").unwrap();
        assert_eq!(s, "t=1700000000,v1=72080d98876fbb260b80ee3d12c0b7addd748110e260f02c52c44984e97938c1");
    }
}
