//! Order keys of entries (fractional indexing): a row inserted between two others gets a key
//! that sorts between theirs, so no other row is renumbered. Keys are strings of base-62
//! digits (`0-9A-Za-z`, in byte order) that never end in `0`, so there is always room before
//! any key. The database compares them bytewise (`COLLATE "C"`).

/// Longest key handed out. Keys grow by a digit about every sixth insert into the same gap;
/// this many allows thousands, and a cursor holding one stays within the cursor limit.
pub const MAX_KEY_LENGTH: usize = 512;

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: usize = DIGITS.len();

fn value(digit: u8) -> usize {
    DIGITS.iter().position(|d| *d == digit).unwrap_or(0)
}

/// A key strictly between `before` (`""`: the start) and `after` (`None`: the end). Both must
/// be keys this module made, with `before < after`.
pub fn between(before: &str, after: Option<&str>) -> String {
    let (a, b) = (before.as_bytes(), after.map(str::as_bytes));
    let mut key = Vec::new();
    midpoint(a, b, &mut key);
    String::from_utf8(key).unwrap_or_default()
}

fn midpoint(a: &[u8], b: Option<&[u8]>, out: &mut Vec<u8>) {
    if let Some(b) = b {
        // The shared prefix (a padded with zeros) stays as it is.
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(b'0') == b[n] {
            n += 1;
        }
        if n > 0 {
            out.extend_from_slice(&b[..n]);
            let rest_a = a.get(n..).unwrap_or(&[]);
            return midpoint(rest_a, Some(&b[n..]), out);
        }
    }
    let da = a.first().map_or(0, |d| value(*d));
    let db = b.and_then(|b| b.first()).map_or(BASE, |d| value(*d));
    if db > da + 1 {
        out.push(DIGITS[(da + db) / 2]);
    } else if let Some(b) = b.filter(|b| b.len() > 1) {
        // Adjacent first digits and b is longer: b's first digit alone sorts between.
        out.push(b[0]);
    } else {
        out.push(DIGITS[da]);
        midpoint(a.get(1..).unwrap_or(&[]), None, out);
    }
}

/// Whether `key` is one this module could have made (checked before using a stored key).
pub fn is_key(key: &str) -> bool {
    !key.is_empty() && !key.ends_with('0') && key.bytes().all(|b| DIGITS.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_between(a: &str, b: Option<&str>) -> String {
        let k = between(a, b);
        assert!(is_key(&k), "{k:?}");
        assert!(a < k.as_str(), "{a:?} < {k:?}");
        if let Some(b) = b {
            assert!(k.as_str() < b, "{k:?} < {b:?}");
        }
        k
    }

    #[test]
    fn keys_sort_between_their_neighbours() {
        assert_eq!(between("", None), "V");
        assert_between("V", None);
        assert_between("", Some("V"));
        assert_between("1", Some("2"));
        assert_between("z", None);
        assert_between("1", Some("11"));
        assert_between("0001", Some("001"));
        assert_between("", Some("01"));
    }

    #[test]
    fn repeated_inserts_at_the_front_the_back_and_one_spot_stay_ordered() {
        let mut keys = vec![between("", None)];
        for _ in 0..300 {
            let first = keys[0].clone();
            keys.insert(0, assert_between("", Some(&first)));
            let last = keys[keys.len() - 1].clone();
            keys.push(assert_between(&last, None));
        }
        // Always between the same two neighbours: keys grow, but stay ordered.
        let (mut lo, hi) = (keys[0].clone(), keys[1].clone());
        for _ in 0..300 {
            lo = assert_between(&lo, Some(&hi));
        }
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
    }
}
