//! Start-up configuration, read once from environment variables.
//!
//! Every variable is documented in the README and `.env.example`. An invalid value stops the
//! process at start-up with a message that names the variable, never later at run time.

use std::time::Duration;

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which origins may call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`: any origin (the API uses bearer tokens, never cookies, so this is safe for reads).
    Any,
    List(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub workers: usize,
    pub pool_size: usize,
    /// How long a request waits for a pooled connection before it is answered 503.
    pub pool_wait_timeout: Duration,
    pub statement_timeout: Duration,
    /// `YHDYSPINTA_BODY_TIMEOUT_MS`: how long a request body may take to arrive before the
    /// request is answered 408 (default 10 s).
    pub body_timeout: Duration,
    /// `YHDYSPINTA_SHUTDOWN_DRAIN_MS`: after SIGTERM, how long the server goes on answering
    /// (every answer with `Connection: close`, `/readyz` 503) before it stops accepting and
    /// finishes what is in flight (default 5 s, the keep-alive timeout: by then every idle
    /// keep-alive connection has been used once more and closed, or has timed out).
    pub shutdown_drain: Duration,
    /// `YHDYSPINTA_EXPENSIVE_CONCURRENCY`: searches, large pages and exports each worker runs
    /// at once (default half the worker's share of the pool, at least one).
    pub expensive_per_worker: usize,
    /// `YHDYSPINTA_LOGIN_REQUESTS_PER_MINUTE`: credential requests per client address (30).
    pub login_requests_per_minute: usize,
    /// `YHDYSPINTA_EXPORTS_PER_MINUTE`: exports per client address (60).
    pub exports_per_minute: usize,
    /// `YHDYSPINTA_CHANGE_RETENTION_DAYS`: how long the change feed keeps changes (90); an
    /// older cursor is answered 410.
    pub change_retention_days: usize,
    /// `YHDYSPINTA_READ_DATABASE_URL`: a streaming replica that anonymous reads use while it
    /// keeps up.
    pub read_database_url: Option<String>,
    /// `YHDYSPINTA_REPLICA_MAX_LAG_MS`: above this replay lag, anonymous reads go to the primary
    /// (5000).
    pub replica_max_lag: Duration,
    /// `YHDYSPINTA_CACHE_MAX_AGE`: seconds a shared cache may keep an anonymous read (60).
    pub cache_max_age: usize,
    /// `YHDYSPINTA_EXPORT_CACHE_MAX_AGE`: the same for calendars and other exports (300).
    pub export_cache_max_age: usize,
    /// `YHDYSPINTA_WEBHOOK_ALLOW_HOSTS`: comma-separated hosts webhook deliveries may reach
    /// although they are not public or not https (a receiver inside the network; tests).
    pub webhook_allow_hosts: Vec<String>,
    /// `YHDYSPINTA_STREAM_OPENS_PER_MINUTE`: live event streams opened per client address (120).
    pub stream_opens_per_minute: usize,
    /// `YHDYSPINTA_STREAMS_PER_PERSON`: open live event streams per person (5); one more ends
    /// the person's oldest.
    pub streams_per_person: usize,
    /// `YHDYSPINTA_STREAMS_PER_PROCESS`: open live event streams per process (1000); more are 429.
    pub streams_per_process: usize,
    pub log_format: LogFormat,
    pub cors_origins: CorsOrigins,
    /// Run embedded migrations when `serve` starts.
    pub migrate_on_start: bool,
    pub tokens: TokenConfig,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`YHDYSPINTA_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// `YHDYSPINTA_METRICS_TOKEN`: the bearer token that reads `/metrics` on the API address.
    pub metrics_token: Option<String>,
    /// `YHDYSPINTA_METRICS_BIND`: a separate address serving only `/metrics`, without a token.
    pub metrics_bind: Option<String>,
    /// `YHDYSPINTA_PUBLIC_URL`: the service's public address (`https://api.example.fi`), the
    /// prefix of the links in exports (JSON-LD `@id`s, a calendar's `SOURCE`); default
    /// `http://` and the bind address. Never taken from a request's `Host`, which a client
    /// chooses.
    pub public_url: Option<PublicUrl>,
    pub mail: MailConfig,
    /// `YHDYSPINTA_OCCURRENCE_HORIZON_MONTHS`: how far ahead event series' occurrences are
    /// materialised (1–60, default 18).
    pub occurrence_horizon_months: usize,
    /// `YHDYSPINTA_OCCURRENCE_HISTORY_MONTHS`: how far back a schedule change re-derives
    /// occurrences (1–600, default 12); older ones stay as they were.
    pub occurrence_history_months: usize,
}

/// Outgoing mail (invitations).
#[derive(Clone, Debug, Default)]
pub struct MailConfig {
    /// `YHDYSPINTA_SMTP_URL`, e.g. `smtp://relay.example.fi:587?tls=required`; without it mail
    /// waits in the outbox.
    pub smtp_url: Option<String>,
    /// `YHDYSPINTA_MAIL_FROM`.
    pub from: String,
    /// `YHDYSPINTA_INVITATION_URL`: a frontend address with `{token}` where invitations are
    /// accepted; without it the message carries the token and the API call.
    pub invitation_url: Option<String>,
}

/// The service's public address, without a trailing slash (`YHDYSPINTA_PUBLIC_URL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(pub String);

/// How long an idle keep-alive connection stays open; the shutdown drain lasts as long by
/// default, so that every idle connection has been used once more or timed out.
pub const KEEP_ALIVE_SECS: u64 = 5;

pub const DEFAULT_MAIL_FROM: &str = "Yhdyspinta <no-reply@yhdyspinta.invalid>";

/// Addresses (or networks) of reverse proxies in front of the service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// The client address of a request that came from `peer`: the peer itself, or when the
    /// peer is a trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
    pub fn client(&self, peer: Option<std::net::IpAddr>, forwarded_for: Option<&str>) -> Option<std::net::IpAddr> {
        let trusted = |ip: &std::net::IpAddr| self.0.iter().any(|net| net.contains(ip));
        let peer = peer?;
        if !trusted(&peer) {
            return Some(peer);
        }
        // Right to left: each hop was appended by the proxy before it; the left part is the
        // client's to write.
        for hop in forwarded_for.unwrap_or_default().rsplit(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) if trusted(&ip) => continue,
                Ok(ip) => return Some(ip),
                Err(_) => break,
            }
        }
        Some(peer)
    }
}

/// Access-token settings.
#[derive(Clone, Debug)]
pub struct TokenConfig {
    /// `iss` of issued tokens.
    pub issuer: String,
    /// `aud` of issued tokens.
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// A PKCS#8 PEM Ed25519 private key; when absent, keys are generated and kept in the database.
    pub private_key_pem: Option<String>,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            issuer: "yhdyspinta".into(),
            audience: "yhdyspinta-api".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            private_key_pem: None,
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/yhdyspinta";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// A configuration variable that could not be used.
#[derive(Debug)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid configuration: {}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply variables without touching
    /// the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError { variable: "DATABASE_URL", message: "must be a postgres:// URL".into() });
        }
        let bind = get("YHDYSPINTA_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError {
                variable: "YHDYSPINTA_BIND",
                message: format!("'{bind}' is not an address:port such as 127.0.0.1:8080"),
            });
        }
        let workers = parse_number(&get, "YHDYSPINTA_WORKERS", cores, 1, 256)?;
        let pool_size = parse_number(&get, "YHDYSPINTA_POOL_SIZE", 2 * cores + 2, 1, 1000)?;
        let pool_wait_ms = parse_number(&get, "YHDYSPINTA_POOL_TIMEOUT_MS", 2000, 1, 600_000)?;
        let statement_ms = parse_number(&get, "YHDYSPINTA_STATEMENT_TIMEOUT_MS", 5000, 1, 3_600_000)?;
        let body_ms = parse_number(&get, "YHDYSPINTA_BODY_TIMEOUT_MS", 10_000, 100, 600_000)?;
        let drain_ms = parse_number(&get, "YHDYSPINTA_SHUTDOWN_DRAIN_MS", KEEP_ALIVE_SECS as usize * 1000, 0, 60_000)?;
        let worker_pool = pool_size.div_ceil(workers);
        let expensive_per_worker =
            parse_number(&get, "YHDYSPINTA_EXPENSIVE_CONCURRENCY", (worker_pool / 2).max(1), 1, 1000)?;
        let login_requests_per_minute = parse_number(&get, "YHDYSPINTA_LOGIN_REQUESTS_PER_MINUTE", 30, 1, 100_000)?;
        let exports_per_minute = parse_number(&get, "YHDYSPINTA_EXPORTS_PER_MINUTE", 60, 1, 100_000)?;
        let change_retention_days = parse_number(&get, "YHDYSPINTA_CHANGE_RETENTION_DAYS", 90, 1, 36_500)?;
        let stream_opens_per_minute = parse_number(&get, "YHDYSPINTA_STREAM_OPENS_PER_MINUTE", 120, 1, 100_000)?;
        let cache_max_age = parse_number(&get, "YHDYSPINTA_CACHE_MAX_AGE", 60, 0, 86_400)?;
        let read_database_url = get("YHDYSPINTA_READ_DATABASE_URL");
        let replica_max_lag_ms = parse_number(&get, "YHDYSPINTA_REPLICA_MAX_LAG_MS", 5000, 0, 3_600_000)?;
        let export_cache_max_age = parse_number(&get, "YHDYSPINTA_EXPORT_CACHE_MAX_AGE", 300, 0, 86_400)?;
        let webhook_allow_hosts: Vec<String> = get("YHDYSPINTA_WEBHOOK_ALLOW_HOSTS")
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .collect();
        if webhook_allow_hosts.iter().any(|h| h.len() > 253 || h.contains(['/', '@', ' '])) {
            return Err(ConfigError {
                variable: "YHDYSPINTA_WEBHOOK_ALLOW_HOSTS",
                message: "must be comma-separated host names or addresses, e.g. hooks.internal,10.0.0.5".into(),
            });
        }
        let streams_per_person = parse_number(&get, "YHDYSPINTA_STREAMS_PER_PERSON", 5, 1, 100)?;
        let streams_per_process = parse_number(&get, "YHDYSPINTA_STREAMS_PER_PROCESS", 1000, 1, 100_000)?;
        let log_format = match get("YHDYSPINTA_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "YHDYSPINTA_LOG_FORMAT",
                    message: format!("'{other}' is not one of text, json"),
                });
            }
        };
        let cors_origins = match get("YHDYSPINTA_CORS_ORIGINS") {
            None => CorsOrigins::List(Vec::new()),
            Some(v) if v == "*" => CorsOrigins::Any,
            Some(v) => {
                let origins: Vec<String> =
                    v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect();
                let is_origin = |o: &str| match o.split_once("://") {
                    Some(("http" | "https", host)) => !host.is_empty() && !host.contains('/'),
                    _ => false,
                };
                if let Some(bad) = origins.iter().find(|o| !is_origin(o)) {
                    return Err(ConfigError {
                        variable: "YHDYSPINTA_CORS_ORIGINS",
                        message: format!("'{bad}' is not an origin such as https://app.example.fi (or use *)"),
                    });
                }
                CorsOrigins::List(origins)
            }
        };
        let migrate_on_start = match get("YHDYSPINTA_MIGRATE").as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(ConfigError {
                    variable: "YHDYSPINTA_MIGRATE",
                    message: format!("'{other}' is not true or false"),
                });
            }
        };
        let defaults = TokenConfig::default();
        let private_key_pem = match (get("YHDYSPINTA_JWT_PRIVATE_KEY"), get("YHDYSPINTA_JWT_PRIVATE_KEY_FILE")) {
            (Some(pem), _) => Some(pem),
            (None, Some(path)) => Some(std::fs::read_to_string(&path).map_err(|e| ConfigError {
                variable: "YHDYSPINTA_JWT_PRIVATE_KEY_FILE",
                message: format!("cannot read {path}: {e}"),
            })?),
            (None, None) => None,
        };
        let tokens = TokenConfig {
            issuer: get("YHDYSPINTA_JWT_ISSUER").unwrap_or(defaults.issuer),
            audience: get("YHDYSPINTA_JWT_AUDIENCE").unwrap_or(defaults.audience),
            access_ttl: Duration::from_secs(
                parse_number(&get, "YHDYSPINTA_ACCESS_TOKEN_TTL_SECS", 900, 30, 86_400)? as u64
            ),
            refresh_ttl: defaults.refresh_ttl,
            private_key_pem,
        };
        let trusted_proxies = match get("YHDYSPINTA_TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(v) => TrustedProxies(
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.parse::<ipnet::IpNet>()
                            .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                            .map_err(|_| ConfigError {
                                variable: "YHDYSPINTA_TRUSTED_PROXIES",
                                message: format!("'{p}' is not an IP address or network such as 10.0.0.0/8"),
                            })
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let metrics_token = get("YHDYSPINTA_METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError {
                variable: "YHDYSPINTA_METRICS_TOKEN",
                message: "use at least 16 characters".into(),
            });
        }
        let metrics_bind = get("YHDYSPINTA_METRICS_BIND");
        if let Some(b) = &metrics_bind
            && b.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(ConfigError {
                variable: "YHDYSPINTA_METRICS_BIND",
                message: format!("'{b}' is not an address:port such as 127.0.0.1:9090"),
            });
        }
        let smtp_url = get("YHDYSPINTA_SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError {
                variable: "YHDYSPINTA_SMTP_URL",
                message: "must be an smtp:// or smtps:// URL".into(),
            });
        }
        let public_url = get("YHDYSPINTA_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned());
        if public_url.as_ref().is_some_and(|u| {
            !(u.starts_with("https://") || u.starts_with("http://"))
                || u.len() > 200
                || u.bytes().any(|b| !b.is_ascii_graphic())
        }) {
            return Err(ConfigError {
                variable: "YHDYSPINTA_PUBLIC_URL",
                message: "must be an http:// or https:// address, e.g. https://api.example.fi".into(),
            });
        }
        let invitation_url = get("YHDYSPINTA_INVITATION_URL");
        if invitation_url.as_ref().is_some_and(|u| !u.contains("{token}")) {
            return Err(ConfigError {
                variable: "YHDYSPINTA_INVITATION_URL",
                message: "must contain {token}, e.g. https://app.example.fi/kutsu/{token}".into(),
            });
        }
        let occurrence_horizon_months = parse_number(&get, "YHDYSPINTA_OCCURRENCE_HORIZON_MONTHS", 18, 1, 60)?;
        let occurrence_history_months = parse_number(&get, "YHDYSPINTA_OCCURRENCE_HISTORY_MONTHS", 12, 1, 600)?;
        let mail = MailConfig {
            smtp_url,
            from: get("YHDYSPINTA_MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
            invitation_url,
        };
        Ok(Config {
            database_url,
            bind,
            workers,
            pool_size,
            pool_wait_timeout: Duration::from_millis(pool_wait_ms as u64),
            statement_timeout: Duration::from_millis(statement_ms as u64),
            body_timeout: Duration::from_millis(body_ms as u64),
            shutdown_drain: Duration::from_millis(drain_ms as u64),
            expensive_per_worker,
            login_requests_per_minute,
            exports_per_minute,
            stream_opens_per_minute,
            change_retention_days,
            webhook_allow_hosts,
            cache_max_age,
            export_cache_max_age,
            read_database_url,
            replica_max_lag: Duration::from_millis(replica_max_lag_ms as u64),
            streams_per_person,
            streams_per_process,
            log_format,
            cors_origins,
            migrate_on_start,
            tokens,
            trusted_proxies,
            metrics_token,
            metrics_bind,
            public_url: public_url.map(PublicUrl),
            occurrence_horizon_months,
            occurrence_history_months,
            mail,
        })
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError { variable, message: format!("'{v}' is not a whole number from {min} to {max}") }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.bind, DEFAULT_BIND);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.cors_origins, CorsOrigins::List(vec![]));
        assert!(c.migrate_on_start);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (var, value) in [
            ("YHDYSPINTA_BIND", "localhost"),
            ("YHDYSPINTA_WORKERS", "0"),
            ("YHDYSPINTA_POOL_SIZE", "many"),
            ("YHDYSPINTA_BODY_TIMEOUT_MS", "5"),
            ("YHDYSPINTA_EXPENSIVE_CONCURRENCY", "0"),
            ("YHDYSPINTA_LOGIN_REQUESTS_PER_MINUTE", "none"),
            ("YHDYSPINTA_LOG_FORMAT", "xml"),
            ("YHDYSPINTA_CORS_ORIGINS", "app.example.fi"),
            ("DATABASE_URL", "mysql://x"),
            ("YHDYSPINTA_MIGRATE", "maybe"),
            ("YHDYSPINTA_TRUSTED_PROXIES", "proxy.example.fi"),
            ("YHDYSPINTA_METRICS_TOKEN", "short"),
            ("YHDYSPINTA_METRICS_BIND", "metrics"),
            ("YHDYSPINTA_SMTP_URL", "mail.example.fi"),
            ("YHDYSPINTA_INVITATION_URL", "https://app.example.fi/kutsu"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn the_client_address_comes_from_forwarded_for_only_behind_a_trusted_proxy() {
        let c = config(&[("YHDYSPINTA_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")]).unwrap();
        let proxies = c.trusted_proxies;
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
        let xff = Some("203.0.113.9, 198.51.100.4, 10.1.2.3");
        assert_eq!(proxies.client(ip("10.0.0.5"), xff), ip("198.51.100.4"), "nearest untrusted hop");
        assert_eq!(proxies.client(ip("198.51.100.77"), xff), ip("198.51.100.77"), "untrusted peer: header ignored");
        assert_eq!(proxies.client(ip("192.0.2.1"), None), ip("192.0.2.1"));
        assert_eq!(proxies.client(ip("10.0.0.5"), Some("garbage")), ip("10.0.0.5"));
        assert_eq!(TrustedProxies::default().client(ip("10.0.0.5"), xff), ip("10.0.0.5"));
    }

    #[test]
    fn cors_origins_parse_as_a_list_or_any() {
        let c = config(&[("YHDYSPINTA_CORS_ORIGINS", "https://a.fi, https://b.fi/")]).unwrap();
        assert_eq!(c.cors_origins, CorsOrigins::List(vec!["https://a.fi".into(), "https://b.fi".into()]));
        assert_eq!(config(&[("YHDYSPINTA_CORS_ORIGINS", "*")]).unwrap().cors_origins, CorsOrigins::Any);
    }
}
