//! Password hashing with Argon2id.
//!
//! Parameters follow the OWASP recommendation for Argon2id: 19 MiB of memory, 2 iterations,
//! 1 lane (`m=19456,t=2,p=1`), with a 16-byte random salt, stored as a PHC string. Hashes
//! carry their parameters, so raising them later still verifies old hashes.
//!
//! Each hash takes 19 MiB and tens of milliseconds, so the process runs them on one thread per
//! core ([`hash_bounded`], [`verify_bounded`]): a flood of sign-ins or invitation accepts waits
//! its turn instead of taking memory, and never runs on the event loop.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

thread_local! {
    /// Argon2's working memory, kept by each thread that hashes: allocated once, not 19 MiB
    /// per hash, which the allocator would keep in per-thread arenas anyway.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's working memory.
fn argon2_into(argon: &Argon2, blocks: usize, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), AppError> {
    BLOCKS.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]).map_err(AppError::internal)
    })
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
    let params = params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2_into(&argon, params.block_count(), password.as_bytes(), &salt, &mut out)?;
    let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(AppError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(AppError::internal)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed with the parameters it
/// carries.
fn matches(password: &[u8], stored: &str) -> Option<bool> {
    let phc = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(phc.algorithm).ok()?;
    let version = phc.version.map(Version::try_from).transpose().ok()?.unwrap_or_default();
    let params = Params::try_from(&phc).ok()?;
    let expected = phc.hash?;
    let mut salt = [0u8; 64];
    let salt = phc.salt?.decode_b64(&mut salt).ok()?;
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    argon2_into(&argon, params.block_count(), password, salt, &mut out).ok()?;
    // `Output` compares in constant time.
    Some(Output::new(&out).ok()? == expected)
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
    matches(password.as_bytes(), candidate).unwrap_or(false) && real
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads: one per core, started on first use. Jobs wait in their queue, so at
/// most one hash per core runs at a time, and with each thread's working memory kept, hashing
/// holds cores × 19 MiB however many requests arrive. (On the blocking pool, with 19 MiB
/// allocated per hash, 100 concurrent sign-ins left the process at over 1 GiB.)
fn hashing_queue() -> &'static Sender<Job> {
    static QUEUE: OnceLock<Sender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (queue, jobs) = std::sync::mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            let jobs = jobs.clone();
            let started = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
                loop {
                    let job = match jobs.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = started {
                tracing::error!("cannot start a password hashing thread: {e}");
            }
        }
        queue
    })
}

/// Hashes queued or running per core at most. Each takes tens of milliseconds: a longer queue
/// would only make every sign-in wait seconds; past it, a sign-in is answered 503 with
/// `Retry-After` at once.
const QUEUED_PER_CORE: usize = 16;

/// Runs `work` on a hashing thread and waits for it without blocking the event loop.
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static QUEUED: AtomicUsize = AtomicUsize::new(0);
    /// Takes its job off the count however the wait ends (a client that goes away drops it).
    struct Queued;
    impl Drop for Queued {
        fn drop(&mut self) {
            QUEUED.fetch_sub(1, Ordering::Relaxed);
        }
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let queued = Queued;
    if QUEUED.fetch_add(1, Ordering::Relaxed) >= cores * QUEUED_PER_CORE {
        return Err(AppError::Busy { retry_after_secs: 1 });
    }
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _queued = queued;
        let _ = done.send(work());
    });
    hashing_queue().send(job).map_err(AppError::internal)?;
    result.await.map_err(AppError::internal)
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
    fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash("correct horse battery staple").unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"correct horse battery staple", &SaltString::encode_b64(&[7; 16]).unwrap())
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery staple", Some(&theirs)));
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery staple", &parsed).is_ok());
        assert!(!verify("correct horse battery staple", Some("$argon2id$v=19$m=19456,t=2,p=1$garbage")));
    }

    #[test]
    fn hashing_runs_only_on_one_thread_per_core() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let names = rt.block_on(async {
            let jobs = (0..20).map(|_| bounded(|| std::thread::current().name().map(str::to_owned)));
            futures_util::future::join_all(jobs).await
        });
        let names: std::collections::HashSet<String> = names.into_iter().map(|n| n.unwrap().unwrap()).collect();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(names.iter().all(|n| n.starts_with("argon2-")), "{names:?}");
        assert!(names.len() <= cores, "{names:?}");
    }

    #[test]
    fn new_passwords_must_be_long_enough() {
        assert!(validate_new("password", "short").is_err());
        assert!(validate_new("password", "twelve chars").is_ok());
    }
}
