//! Access tokens: Ed25519-signed JWTs (EdDSA) with `kid`, `iss`, `aud`, `sub`, `exp`, `iat`,
//! `nbf` and `jti`, and the key set that signs and verifies them.
//!
//! Keys come from configuration (a PKCS#8 PEM) or, when none is configured, from the
//! database: the first instance to start generates one under an advisory lock, so restarts
//! and other instances share it. All active keys verify; the newest signs.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use diesel_async::AsyncConnection;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::TokenConfig;
use crate::db::Conn;
use crate::error::AppError;
use crate::repo::identity::tokens::{self as repo, SigningKeyRow};

/// PKCS#8 v1 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
/// Clock skew tolerated between instances (seconds).
const LEEWAY_SECS: u64 = 5;

/// Whether a token speaks for a person or a service client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    User,
    Client,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    /// Space-separated scopes (service clients); empty for people.
    #[serde(default)]
    pub scope: String,
    pub kind: SubjectKind,
    /// The sign-in (refresh-token family) a person's token was issued in: revoking the sign-in
    /// ends its access tokens at once, not when they expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// What the caller presented, after signature and claim checks.
#[derive(Clone, Debug)]
pub enum Credentials {
    None,
    Token(Claims),
}

/// A public key in JWK form (RFC 8037 OKP).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                          "kid": "5f1c2a9b8e7d6c4a", "use": "sig", "alg": "EdDSA"}))]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
}

struct KeyPair {
    kid: String,
    seed: [u8; 32],
    public: [u8; 32],
}

impl KeyPair {
    fn from_seed(seed: [u8; 32]) -> KeyPair {
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let kid = Sha256::digest(public)[..8].iter().map(|b| format!("{b:02x}")).collect();
        KeyPair { kid, seed, public }
    }

    fn from_row(row: &SigningKeyRow) -> Result<KeyPair, AppError> {
        let seed: [u8; 32] = row.private_key.as_slice().try_into().map_err(|_| AppError::internal("bad key seed"))?;
        Ok(KeyPair::from_seed(seed))
    }

    fn encoding_key(&self) -> EncodingKey {
        let mut der = ED25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&self.seed);
        EncodingKey::from_ed_der(&der)
    }
}

/// Reads the seed of a PKCS#8 PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`).
pub fn parse_private_key_pem(pem: &str) -> Result<[u8; 32], String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    let der = STANDARD.decode(body).map_err(|e| format!("not PEM: {e}"))?;
    if der.len() != 48 || der[..16] != ED25519_PKCS8_PREFIX {
        return Err("not a PKCS#8 Ed25519 private key (expected `openssl genpkey -algorithm ed25519`)".into());
    }
    der[16..].try_into().map_err(|_| "bad key length".into())
}

pub struct KeySet {
    signing: (String, EncodingKey),
    verifying: HashMap<String, DecodingKey>,
    jwks: Vec<Jwk>,
    config: TokenConfig,
}

impl KeySet {
    /// Loads the configured key and the database's keys, generating one if there are none.
    pub async fn load(conn: &mut Conn, config: &TokenConfig) -> Result<KeySet, AppError> {
        let configured = match &config.private_key_pem {
            Some(pem) => Some(KeyPair::from_seed(
                parse_private_key_pem(pem)
                    .map_err(|e| AppError::internal(format!("YHDYSPINTA_JWT_PRIVATE_KEY: {e}")))?,
            )),
            None => None,
        };
        let rows = if configured.is_some() {
            repo::active_signing_keys(conn).await?
        } else {
            conn.transaction(async |tx| {
                repo::lock_key_generation(tx).await?;
                let rows = repo::active_signing_keys(tx).await?;
                if !rows.is_empty() {
                    return Ok::<_, AppError>(rows);
                }
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(AppError::internal)?;
                let pair = KeyPair::from_seed(seed);
                repo::insert_signing_key(
                    tx,
                    &SigningKeyRow {
                        kid: pair.kid.clone(),
                        private_key: seed.to_vec(),
                        public_key: pair.public.to_vec(),
                    },
                )
                .await?;
                tracing::info!(kid = %pair.kid, "generated a token signing key");
                Ok(repo::active_signing_keys(tx).await?)
            })
            .await?
        };
        let mut pairs = configured.into_iter().collect::<Vec<_>>();
        for row in &rows {
            pairs.push(KeyPair::from_row(row)?);
        }
        let mut pairs = pairs.into_iter();
        let signer = pairs.next().ok_or_else(|| AppError::internal("no signing key"))?;
        Ok(Self::from_pairs(signer, pairs.collect(), config.clone()))
    }

    /// A key set from a fixed seed, without a database (tests and tools).
    pub fn from_seed_for_tests(seed: [u8; 32], config: TokenConfig) -> KeySet {
        Self::from_pairs(KeyPair::from_seed(seed), Vec::new(), config)
    }

    /// `signer` signs; it and `others` verify.
    fn from_pairs(signer: KeyPair, others: Vec<KeyPair>, config: TokenConfig) -> KeySet {
        let signing = (signer.kid.clone(), signer.encoding_key());
        let pairs: Vec<KeyPair> = std::iter::once(signer).chain(others).collect();
        let verifying = pairs.iter().map(|p| (p.kid.clone(), DecodingKey::from_ed_der(&p.public))).collect();
        let jwks = pairs
            .iter()
            .map(|p| Jwk {
                kty: "OKP",
                crv: "Ed25519",
                x: URL_SAFE_NO_PAD.encode(p.public),
                kid: p.kid.clone(),
                use_: "sig",
                alg: "EdDSA",
            })
            .collect();
        KeySet { signing, verifying, jwks, config }
    }

    pub fn jwks(&self) -> &[Jwk] {
        &self.jwks
    }

    pub fn access_ttl_secs(&self) -> u64 {
        self.config.access_ttl.as_secs()
    }

    pub fn refresh_ttl(&self) -> std::time::Duration {
        self.config.refresh_ttl
    }

    /// Signs an access token for `subject`.
    pub fn issue(&self, subject: Uuid, kind: SubjectKind, scope: &str) -> Result<String, AppError> {
        self.issue_in(None, subject, kind, scope)
    }

    /// An access token of a person's sign-in `sid`.
    pub fn issue_for_sign_in(&self, sid: Uuid, subject: Uuid, scope: &str) -> Result<String, AppError> {
        self.issue_in(Some(sid), subject, SubjectKind::User, scope)
    }

    fn issue_in(&self, sid: Option<Uuid>, subject: Uuid, kind: SubjectKind, scope: &str) -> Result<String, AppError> {
        let now = Utc::now().timestamp();
        self.sign(&Claims {
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            sub: subject.to_string(),
            exp: now + self.config.access_ttl.as_secs() as i64,
            iat: now,
            nbf: now,
            jti: Uuid::now_v7().to_string(),
            scope: scope.to_owned(),
            kind,
            sid,
        })
    }

    /// A compact JWS over `payload` with the current key (EdDSA, its `kid` in the header), so
    /// anyone holding the JWKS can verify it.
    pub fn seal<T: Serialize>(&self, typ: &str, payload: &T) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.signing.0.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, payload, &self.signing.1).map_err(AppError::internal)
    }

    /// The `iss` of what this key set signs.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Signs arbitrary claims with the current key (tests use it to forge edge cases).
    pub fn sign(&self, claims: &Claims) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.signing.0.clone());
        jsonwebtoken::encode(&header, claims, &self.signing.1).map_err(AppError::internal)
    }

    /// Checks signature, algorithm, key id, issuer, audience and validity period.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let invalid = |why: &str| AppError::unauthorized(format!("The access token is not valid: {why}."));
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        if header.alg != Algorithm::EdDSA {
            return Err(invalid("unsupported algorithm"));
        }
        let kid = header.kid.ok_or_else(|| invalid("no key id"))?;
        let key = self.verifying.get(&kid).ok_or_else(|| invalid("unknown key id"))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        jsonwebtoken::decode::<Claims>(token, key, &validation).map(|d| d.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => invalid("expired"),
                ErrorKind::ImmatureSignature => invalid("not yet valid"),
                ErrorKind::InvalidIssuer => invalid("wrong issuer"),
                ErrorKind::InvalidAudience => invalid("wrong audience"),
                ErrorKind::InvalidSignature => invalid("bad signature"),
                _ => invalid("malformed"),
            }
        })
    }
}

/// An opaque random token (refresh tokens, invitations, client secrets): 32 random bytes,
/// base64url.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// How opaque tokens are stored: their SHA-256. They carry 256 bits of entropy, so a slow
/// hash would add nothing.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> KeySet {
        KeySet::from_seed_for_tests([7; 32], TokenConfig::default())
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let id = Uuid::now_v7();
        let token = keys.issue(id, SubjectKind::User, "").unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, id.to_string());
        assert_eq!(claims.kind, SubjectKind::User);
        assert_eq!(claims.aud, "yhdyspinta-api");
    }

    #[test]
    fn pem_keys_parse() {
        let mut der = ED25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&[9; 32]);
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", STANDARD.encode(&der));
        assert_eq!(parse_private_key_pem(&pem).unwrap(), [9; 32]);
        assert!(parse_private_key_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err());
    }

    #[test]
    fn jwks_publishes_the_public_key() {
        let keys = keys();
        let jwk = &keys.jwks()[0];
        assert_eq!((jwk.kty, jwk.crv, jwk.alg), ("OKP", "Ed25519", "EdDSA"));
        assert_eq!(URL_SAFE_NO_PAD.decode(&jwk.x).unwrap().len(), 32);
    }
}
