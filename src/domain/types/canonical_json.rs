//! RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON value, so that a
//! hash of an agreement's snapshot does not depend on key order or whitespace.
//!
//! The canonical form comes from `serde_json_canonicalizer` (numbers as ECMAScript writes
//! them, through `ryu-js`); the tests below hold it to the RFC's own examples.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical form of `value`.
pub fn canonicalize(value: &Value) -> String {
    // Serialising a `Value` cannot fail: it holds no maps with non-string keys.
    serde_json_canonicalizer::to_string(value).unwrap_or_default()
}

/// Lowercase hex SHA-256 of the canonical form.
pub fn content_hash(value: &Value) -> String {
    Sha256::digest(canonicalize(value).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_sorting_example() {
        // RFC 8785 §3.2.3: members sorted by UTF-16 code units, non-ASCII kept as is.
        let input: Value = serde_json::from_str(
            r#"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
                "\u00f6": "Latin Small Letter O With Diaeresis"}"#,
        )
        .unwrap();
        assert_eq!(
            canonicalize(&input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\
             \"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    #[test]
    fn rfc8785_primitive_example() {
        // RFC 8785 §3.2.2.
        let input: Value = serde_json::from_str(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonicalize(&input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn hash_ignores_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b": [1, {"y": 2, "x": 1}], "a": "teksti"}"#).unwrap();
        let b: Value = serde_json::from_str("{\"a\":\"teksti\",\n \"b\":[1,{\"x\":1,\"y\":2}]}").unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(content_hash(&a).len(), 64);
        let c: Value = serde_json::from_str(r#"{"a": "teksti", "b": [1, {"x": 1, "y": 3}]}"#).unwrap();
        assert_ne!(content_hash(&a), content_hash(&c));
    }
}
