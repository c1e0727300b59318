//! Integers in request bodies as JSON Schema counts them: `12` and `12.0` are the same integer,
//! so both are accepted where the contract says `integer`; `12.5` is not an integer.

use serde::{Deserialize, Deserializer};

fn whole(value: &serde_json::Number) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64))
}

fn integral<'de, D: Deserializer<'de>>(value: serde_json::Number) -> Result<i32, D::Error> {
    whole(&value)
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a whole number in the 32-bit range")))
}

/// `#[serde(deserialize_with = "integers::int64")]` (whole floats up to 10^15).
pub fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let value = serde_json::Number::deserialize(d)?;
    whole(&value).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a whole number")))
}

/// `#[serde(deserialize_with = "integers::int32")]`
pub fn int32<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    integral::<D>(serde_json::Number::deserialize(d)?)
}

/// `#[serde(default, deserialize_with = "integers::opt_int32")]`
pub fn opt_int32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?.map(integral::<D>).transpose()
}

/// `#[serde(default, deserialize_with = "integers::int32_values")]`: a map of counts.
pub fn int32_values<'de, D, K>(d: D) -> Result<std::collections::BTreeMap<K, i32>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
{
    std::collections::BTreeMap::<K, serde_json::Number>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| integral::<D>(v).map(|n| (k, n)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::int32")]
        n: i32,
    }

    #[test]
    fn whole_floats_are_integers() {
        assert_eq!(serde_json::from_str::<Body>(r#"{"n": 12.0}"#).unwrap().n, 12);
        assert_eq!(serde_json::from_str::<Body>(r#"{"n": 12}"#).unwrap().n, 12);
        assert!(serde_json::from_str::<Body>(r#"{"n": 12.5}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{"n": 1e12}"#).is_err());
    }
}
