//! Keyset pagination: a page is "the next `limit` rows after this key" in a stable order, so
//! page 1,000 costs what page 1 costs and concurrent inserts neither skip nor repeat rows.

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

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next, limit: self.limit }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U, K>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, _>>()?, next: self.next, limit: self.limit })
    }
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
