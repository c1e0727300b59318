//! Exact decimals with two fractional digits, for euros and percentages: amounts are never
//! floats, and shares that must add up to 100 add up exactly.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// A non-negative decimal with at most two fractional digits, held in hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal2(i64);

impl utoipa::PartialSchema for Decimal2 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^[0-9]{1,12}(\.[0-9]{1,2})?$"))
            .description(Some("A non-negative decimal string with at most two decimals, e.g. \"123.40\"."))
            .examples([serde_json::json!("123.40")])
            .into()
    }
}

impl ToSchema for Decimal2 {}

impl Decimal2 {
    pub const HUNDRED: Decimal2 = Decimal2(10_000);

    /// Parses `"123"`, `"123.4"` or `"123.40"`; `None` for anything else (signs, exponents,
    /// more than two decimals, more than 12 integer digits).
    pub fn parse(s: &str) -> Option<Decimal2> {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || frac.len() > 2 || !digits_ok(whole) || !digits_ok(frac) {
            return None;
        }
        if s.contains('.') && frac.is_empty() {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = format!("{frac:0<2}").parse().ok()?;
        Some(Decimal2(whole * 100 + frac))
    }

    /// From a count of hundredths (cents), as the database keeps amounts.
    pub const fn from_hundredths(hundredths: i64) -> Decimal2 {
        Decimal2(hundredths)
    }

    /// The value in hundredths (cents).
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Decimal2) -> Option<Decimal2> {
        self.0.checked_add(other.0).map(Decimal2)
    }
}

impl fmt::Display for Decimal2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Decimal2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Decimal2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // The message names the rule, not the value: it may be anything up to the body limit.
        Decimal2::parse(&s)
            .ok_or_else(|| serde::de::Error::custom("not a decimal string with at most two decimals, e.g. \"12.50\""))
    }
}

/// An exact signed decimal for indicator values: up to 18 integer and 10 fractional digits,
/// held as `rust_decimal::Decimal` (PostgreSQL `numeric`), never a float. In JSON it is a
/// string (`"11.5"`); a whole JSON number is accepted too, a fractional one is not, since it
/// has already been rounded to binary by the time it arrives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExactDecimal(pub rust_decimal::Decimal);

impl utoipa::PartialSchema for ExactDecimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(EXACT_PATTERN)))
            .item(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(-1e15)).maximum(Some(1e15)))
            .description(Some("An exact decimal as a string, e.g. \"11.5\" (a whole number may be a JSON integer)."))
            .examples([serde_json::json!("11.5")])
            .into()
    }
}

impl ToSchema for ExactDecimal {}

const EXACT_PATTERN: &str = r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$";

impl ExactDecimal {
    /// Parses `"-12"`, `"0.125"`; `None` for exponents, signs other than a leading `-`,
    /// blanks, or more digits than the bounds.
    pub fn parse(s: &str) -> Option<ExactDecimal> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 18 || frac.len() > 10 || !all_digits(whole) || !all_digits(frac) {
            return None;
        }
        if digits.contains('.') && frac.is_empty() {
            return None;
        }
        s.parse::<rust_decimal::Decimal>().ok().map(|d| ExactDecimal(d.normalize()))
    }
}

impl fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for ExactDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ExactDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rule = "an exact decimal string such as \"11.5\" (up to 18 digits before the point and 10 after), \
                    or a whole number";
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => ExactDecimal::parse(&s).ok_or_else(|| serde::de::Error::custom(rule)),
            serde_json::Value::Number(n) => n
                .as_i64()
                .filter(|n| n.unsigned_abs() <= 1_000_000_000_000_000)
                .map(|n| ExactDecimal(rust_decimal::Decimal::from(n)))
                .ok_or_else(|| serde::de::Error::custom(rule)),
            _ => Err(serde::de::Error::custom(rule)),
        }
    }
}

/// An exact decimal as the service answers it: a value computed from a ratio keeps up to 28
/// significant digits, beyond what a request may send ([`ExactDecimal`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoredDecimal(pub rust_decimal::Decimal);

impl utoipa::PartialSchema for StoredDecimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]{1,29}(\.[0-9]{1,28})?$"))
            .description(Some(
                "An exact decimal string, up to 28 significant digits, e.g. \"33.333333333333333333333333333\".",
            ))
            .examples([serde_json::json!("11")])
            .into()
    }
}

impl ToSchema for StoredDecimal {}

impl StoredDecimal {
    /// Rounded half away from zero to `decimals` places, and printed with exactly that many.
    pub fn rounded(self, decimals: u32) -> String {
        let mut d = self.0.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        d.rescale(decimals);
        d.to_string()
    }
}

impl fmt::Display for StoredDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for StoredDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Read back from what the service wrote (a value's history): any decimal string.
impl<'de> Deserialize<'de> for StoredDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<rust_decimal::Decimal>().map(StoredDecimal).map_err(|_| serde::de::Error::custom("not a decimal"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(Decimal2::parse("50").unwrap().to_string(), "50.00");
        assert_eq!(Decimal2::parse("33.3").unwrap().to_string(), "33.30");
        assert_eq!(Decimal2::parse("0.05").unwrap().to_string(), "0.05");
        for bad in ["", "-1", "1.", ".5", "1.234", "1e3", "12a", "1,5", "1234567890123"] {
            assert!(Decimal2::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn thirds_do_not_sum_to_a_hundred_but_explicit_shares_do() {
        let third = Decimal2::parse("33.33").unwrap();
        let sum = third.checked_add(third).and_then(|s| s.checked_add(third)).unwrap();
        assert_ne!(sum, Decimal2::HUNDRED);
        let last = Decimal2::parse("33.34").unwrap();
        assert_eq!(third.checked_add(third).and_then(|s| s.checked_add(last)), Some(Decimal2::HUNDRED));
    }

    #[test]
    fn exact_decimals_round_only_when_printed() {
        let ratio = ExactDecimal::parse("110").unwrap().0 / ExactDecimal::parse("1000").unwrap().0;
        assert_eq!(StoredDecimal(ratio * rust_decimal::Decimal::from(100)).rounded(1), "11.0");
        assert_eq!(
            ExactDecimal::parse("0.1").unwrap().0 + ExactDecimal::parse("0.2").unwrap().0,
            ExactDecimal::parse("0.3").unwrap().0
        );
        assert_eq!(StoredDecimal(ExactDecimal::parse("2.25").unwrap().0).rounded(1), "2.3");
        assert_eq!(StoredDecimal(ExactDecimal::parse("-2.25").unwrap().0).rounded(1), "-2.3");
        let third: StoredDecimal = serde_json::from_str("\"33.333333333333333333333333333\"").unwrap();
        assert_eq!(third.rounded(1), "33.3");
        assert_eq!(ExactDecimal::parse("12.50").unwrap().to_string(), "12.5");
        for bad in ["", "-", "1.", ".5", "1e3", "+1", "1,5", "1234567890123456789", "0.12345678901"] {
            assert!(ExactDecimal::parse(bad).is_none(), "{bad}");
        }
        assert!(serde_json::from_str::<ExactDecimal>("12.5").is_err());
        assert_eq!(serde_json::from_str::<ExactDecimal>("12").unwrap().to_string(), "12");
    }

    #[test]
    fn json_is_a_string() {
        let d: Decimal2 = serde_json::from_str("\"12.5\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"12.50\"");
        assert!(serde_json::from_str::<Decimal2>("12.5").is_err());
    }
}
