//! Password hashing with Argon2id.
//!
//! Parameters follow the OWASP recommendation for Argon2id: 19 MiB of memory, 2 iterations,
//! 1 lane (`m=19456,t=2,p=1`), with a 16-byte random salt, stored as a PHC string. Hashes
//! carry their parameters, so raising them later still verifies old hashes.
//!
//! Each hash takes 19 MiB and tens of milliseconds, so the process runs at most one per core
//! at a time ([`hash_bounded`], [`verify_bounded`]): a flood of sign-ins or invitation accepts
//! waits its turn instead of taking memory, and never runs on the event loop.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Rules for a new password: long enough, not absurdly long.
pub fn validate_new(field: &str, password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(field, "too_short", format!("use at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(field, "too_long", format!("use at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
}

/// Checks a password against a stored hash. With no hash (unknown account, or no password
/// set yet) it verifies against a fixed dummy hash anyway, so the answer takes the same time
/// and does not reveal whether the account exists.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not the password of anyone").unwrap_or_default());
    let (candidate, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let ok = PasswordHash::new(candidate).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok());
    ok && real
}

/// Permits to run Argon2: one per core.
fn hashing_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// Runs `work` on the blocking pool once a hashing permit is free.
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    let _permit = hashing_permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// [`hash`], bounded in concurrency and off the event loop.
pub async fn hash_bounded(password: String) -> Result<String, AppError> {
    bounded(move || hash(&password)).await?
}

/// [`verify`], bounded in concurrency and off the event loop.
pub async fn verify_bounded(password: String, stored: Option<String>) -> Result<bool, AppError> {
    bounded(move || verify(&password, stored.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_carry_their_parameters() {
        let h = hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", Some(&h)));
        assert!(!verify("wrong horse battery staple", Some(&h)));
        assert!(!verify("anything", None));
        assert_ne!(hash("same").unwrap(), hash("same").unwrap(), "salts differ");
    }

    #[test]
    fn new_passwords_must_be_long_enough() {
        assert!(validate_new("password", "short").is_err());
        assert!(validate_new("password", "twelve chars").is_ok());
    }
}
