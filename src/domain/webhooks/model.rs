//! A webhook subscription, its editable fields with their rules, the rule for where a
//! delivery may go, and one delivery with its attempts.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::audit::Audited;
use crate::domain::directory::DirectoryResource;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::error::{AppError, FieldError};
use crate::repo::webhooks::{DeliveryRow, WebhookRow, WebhookWrite};

/// Hosts a delivery may go to although they are not public or not https
/// (`YHDYSPINTA_WEBHOOK_ALLOW_HOSTS`, set at start).
static ALLOWED_HOSTS: RwLock<Vec<String>> = RwLock::new(Vec::new());

pub fn set_allowed_hosts(hosts: Vec<String>) {
    let hosts = hosts.into_iter().map(|h| h.trim().trim_matches(['[', ']']).to_ascii_lowercase()).collect();
    *ALLOWED_HOSTS.write().unwrap_or_else(std::sync::PoisonError::into_inner) = hosts;
}

/// Whether `host` (a name or an address, without brackets) is let through.
pub fn host_allowed(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    ALLOWED_HOSTS.read().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&host)
}

/// An address on the public internet: not loopback, private, link-local (cloud metadata),
/// shared, documentation, benchmarking, multicast, reserved or unspecified, also when an IPv6
/// address carries an IPv4 one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            let embedded = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            // NAT64 (64:ff9b::/96) and IPv4-translated (::ffff:0:0/96, SIIT) addresses reach
            // the IPv4 address in their last 32 bits.
            if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0])
                || (s[..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0)
            {
                return public_v4(embedded);
            }
            // Local-use NAT64 (64:ff9b:1::/48) translates into a network of its own.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
                return false;
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments, Teredo
                || (s[0] == 0x2002) // 6to4 reaches any IPv4 address
                || s[0] == 0x0100 // discard-only
                || (s[..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible (deprecated)
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// Where a delivery may go: an https address without credentials, to a public host; an
/// allowed host also over http and on any address. The name's addresses are checked again at
/// every delivery.
pub fn target(url: &str) -> Result<url::Url, FieldError> {
    let bad = |message: &str| FieldError::new("url", "unsafe_url", message.to_owned());
    let parsed = url::Url::parse(url).map_err(|_| FieldError::new("url", "invalid", "not an absolute URL"))?;
    let host = parsed.host_str().ok_or_else(|| bad("the URL has no host"))?.to_owned();
    let allowed = host_allowed(&host);
    match parsed.scheme() {
        "https" => {}
        "http" if allowed => {}
        _ => return Err(bad("deliveries go over https")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("credentials do not belong in the URL; the signature authenticates deliveries"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("the URL has a fragment"));
    }
    if !allowed {
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let internal = ["localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa"];
        if name == "localhost" || internal.iter().any(|s| s.starts_with('.') && name.ends_with(s)) {
            return Err(bad("the host is not on the public internet"));
        }
        if let Some(ip) = parsed.host().and_then(|h| match h {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        }) && !is_public(ip)
        {
            return Err(bad("the address is not on the public internet"));
        }
    }
    Ok(parsed)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub event_types: Vec<DirectoryResource>,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The feed position up to which changes have been queued for it.
    pub after_seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = AppError;
    fn try_from(r: WebhookRow) -> Result<Self, AppError> {
        Ok(Webhook {
            id: r.id,
            organization_id: r.organization_id,
            url: r.written.url,
            event_types: all_from_stored("event type", &r.written.event_types)?,
            active: r.active,
            disabled_reason: r.disabled_reason,
            disabled_at: r.disabled_at,
            after_seq: r.after_seq,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// The subscription, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Webhook, AppError> {
    let row = if for_update {
        crate::repo::webhooks::lock(conn, id).await?
    } else {
        crate::repo::webhooks::get(conn, id).await?
    };
    Webhook::try_from(row.ok_or(AppError::NotFound)?)
}

impl Audited for Webhook {
    const RESOURCE_TYPE: &'static str = "webhook";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

fn active_by_default() -> bool {
    true
}

/// A subscription as it is written.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "01930000-0000-7000-8000-000000000004",
    "url": "https://partner.example/hook", "event_types": ["event_series", "venue"],
    "secret": "at least 32 characters, random, kept secret"}))]
pub struct WebhookFields {
    /// The organisation that owns the subscription; its org admins (and its service clients
    /// with `webhooks:manage`) keep it.
    pub organization_id: Uuid,
    /// Where deliveries are POSTed: https, to a public address.
    #[schema(max_length = 2000, example = "https://partner.example/hook")]
    #[validate(length(max = 2000))]
    pub url: String,
    /// The change types to deliver.
    #[schema(min_items = 1, max_items = 7)]
    #[validate(length(min = 1, max = 7))]
    pub event_types: Vec<DirectoryResource>,
    /// The HMAC-SHA256 key of `Yhdyspinta-Signature`: 32–256 characters. Never shown again.
    #[schema(min_length = 32, max_length = 256, write_only)]
    #[validate(length(min = 32, max = 256))]
    pub secret: String,
    /// Whether deliveries are made. Set it back to `true` after fixing what disabled it: the
    /// batch that failed is tried again first.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

/// Most subscriptions one organisation keeps: each costs every instance's worker a request
/// per batch, and a slow receiver holds a round up to its timeout.
pub const MAX_PER_ORGANIZATION: i64 = 10;

impl WebhookFields {
    /// The rules across fields: the target (as it will be stored), and each type once.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match target(&self.url) {
            Err(e) => errors.push(e),
            Ok(parsed) if parsed.as_str().len() > 2000 => {
                errors.push(FieldError::new("url", "too_long", "at most 2000 characters, percent-encoded"));
            }
            Ok(_) => {}
        }
        let mut types = self.event_types.clone();
        types.sort_by_key(name_of);
        types.dedup();
        if types.len() != self.event_types.len() {
            errors.push(FieldError::new("event_types", "duplicate", "each type once"));
        }
        errors
    }

    /// The row, with the URL as parsed (`HTTPS://X/` is stored `https://x/`).
    pub fn into_row(self) -> WebhookWrite {
        let url = target(&self.url).map(String::from).unwrap_or(self.url);
        WebhookWrite {
            url,
            event_types: self.event_types.iter().map(|t| Some(name_of(t))).collect(),
            secret: self.secret,
        }
    }
}

/// Filters of the webhook list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// Only this organisation's subscriptions.
    pub organization: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    Delivered,
    /// Given up after retrying for the retry period; the subscription was disabled.
    Failed,
}

/// One attempt to deliver a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// What went wrong, when it did (no response bodies are kept).
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// A batch of changes and its delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub first_seq: i64,
    pub last_seq: i64,
    pub items: usize,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = AppError;
    fn try_from(r: DeliveryRow) -> Result<Self, AppError> {
        let status: DeliveryStatus = from_stored("delivery status", &r.status)?;
        Ok(Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            first_seq: r.first_seq,
            last_seq: r.last_seq,
            items: r.payload["data"].as_array().map_or(0, Vec::len),
            status,
            attempts: serde_json::from_value(r.attempt_log).map_err(AppError::internal)?,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(r.next_attempt_at),
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "198.18.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "2002:7f00:1::",
            "ff02::1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "193.166.3.1", "2a00:1450:4010::1", "::ffff:1.1.1.1", "64:ff9b::101:101"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn targets_are_https_to_public_hosts_without_credentials() {
        assert!(target("https://partner.example/hook?x=1").is_ok());
        for refused in [
            "http://partner.example/hook",
            "ftp://partner.example/",
            "https://user:pw@partner.example/",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://localhost/",
            "https://db.internal/",
            "https://partner.example/#x",
            "hook",
        ] {
            assert!(target(refused).is_err(), "{refused}");
        }
    }
}
