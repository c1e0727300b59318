//! Keyset pagination: a page is "the next `limit` rows after this key" in a stable order, so
//! page 1,000 costs what page 1 costs and concurrent inserts neither skip nor repeat rows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Which page to read: up to `limit` items strictly after `after` in the list's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub limit: i64,
    pub after: Option<K>,
}

impl<K> PageRequest<K> {
    /// Clamps `limit` into 1..=MAX_LIMIT (too large is clamped, not rejected).
    pub fn new(limit: Option<i64>, after: Option<K>) -> Self {
        PageRequest { limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT), after }
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of results and the key to continue after, if more rows follow.
#[derive(Clone, Debug)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
    pub limit: i64,
}

impl<T, K> Page<T, K> {
    /// Builds a page from `fetch_limit()` rows, taking the continuation key from the last
    /// item kept.
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest<K>, key: impl Fn(&T) -> K) -> Self {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&key)
        } else {
            None
        };
        Page { items: rows, next, limit: request.limit }
    }

    /// A page with nothing on it (a filter nothing can match).
    pub fn empty(limit: i64) -> Self {
        Page { items: Vec::new(), next: None, limit }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next, limit: self.limit }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U, K>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, _>>()?, next: self.next, limit: self.limit })
    }
}

/// The parameters every list takes: page size, cursor and a change window.
#[derive(Clone, Debug, Default, serde::Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1–200 (default 50; larger values are clamped, smaller ones raised to 1).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    #[param(min_length = 1, max_length = 1024, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    /// Only items changed at or after this instant (RFC 3339 with an offset, e.g.
    /// `2026-03-01T00:00:00Z`).
    pub updated_since: Option<DateTime<Utc>>,
}

/// The longest cursor a list issues (and the bound the contract states).
const MAX_CURSOR_CHARS: usize = 1024;

impl ListQuery {
    pub const NAMES: [&'static str; 3] = ["limit", "cursor", "updated_since"];

    /// The page asked for, with the cursor decoded.
    pub fn page<K: DeserializeOwned>(&self) -> Result<PageRequest<K>, AppError> {
        if self.cursor.as_ref().is_some_and(|c| c.len() > MAX_CURSOR_CHARS) {
            return Err(AppError::bad_request("cursor: at most 1024 characters; start again without it"));
        }
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest::new(self.limit, after))
    }
}

/// Cursors are opaque to clients: base64url of the JSON keyset position.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        // Well-formed but unknown: the page it names does not exist (404), like any other
        // unknown resource; characters outside base64url are a malformed request (400).
        .ok_or(if !cursor.is_empty() && cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            AppError::NotFound
        } else {
            AppError::bad_request("cursor: not a cursor issued by this list; start again without it")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest::<i32>::new(None, None).limit, DEFAULT_LIMIT);
        assert_eq!(PageRequest::<i32>::new(Some(10_000), None).limit, MAX_LIMIT);
        assert_eq!(PageRequest::<i32>::new(Some(0), None).limit, 1);
        assert_eq!(PageRequest::<i32>::new(Some(-5), None).limit, 1);
    }

    #[test]
    fn next_key_only_when_more_rows_follow() {
        let req = PageRequest::new(Some(2), None);
        let page = Page::from_rows(vec![1, 2, 3], &req, |x| *x);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(2));
        let page = Page::from_rows(vec![1, 2], &req, |x| *x);
        assert_eq!(page.next, None);
    }
}
