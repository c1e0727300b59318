//! Formats of single values, as `validator` custom rules: e-mail addresses, phone numbers,
//! web addresses, business ids, area codes and free tags. The database checks the same shapes
//! (see the migrations); these report them with the field's name and all at once.

use std::borrow::Cow;

use validator::ValidationError;

use super::business_id::{BusinessId, BusinessIdError};
use super::validation::rule;
use crate::error::AppError;

/// The pattern of an e-mail address, as the database's `*_email_check` has it.
pub const EMAIL_PATTERN: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";

/// `local@domain.tld` ([`EMAIL_PATTERN`]), at most 254 characters.
pub fn email(value: &str) -> Result<(), ValidationError> {
    let ok = value.chars().count() <= 254
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.char_indices().any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len())
        });
    if ok { Ok(()) } else { Err(rule("invalid_email", "not an e-mail address")) }
}

/// An e-mail address as stored and compared: spaces trimmed, ASCII letters lowercased. The
/// database applies the same rule (`normalized_email()`) and keeps addresses in this form, so a
/// lookup, a uniqueness check and the login limiter always agree on which account an address
/// names. Other letters are kept as written: Unicode case mapping differs between Rust and
/// PostgreSQL (`İ`), and a different address must not reach someone else's account.
pub fn normalized_email(value: &str) -> String {
    value.trim_matches(' ').to_ascii_lowercase()
}

/// Digits, spaces, `()-` and an optional leading `+`, 5–20 characters (`*_phone_check`).
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let rest = value.strip_prefix('+').unwrap_or(value);
    let ok = (5..=20).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit() || " ()-".contains(c));
    if ok { Ok(()) } else { Err(rule("invalid_phone", "not a phone number: digits, spaces, ()- and a leading +")) }
}

/// An `http(s)://` address without whitespace (`*_website_check`).
pub fn http_url(value: &str) -> Result<(), ValidationError> {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace));
    if ok { Ok(()) } else { Err(rule("invalid_url", "must be an http(s) URL")) }
}

/// A Finnish business id (Y-tunnus) with a correct check digit.
pub fn business_id(value: &str) -> Result<(), ValidationError> {
    BusinessId::parse(value).map(|_| ()).map_err(|e| match e {
        BusinessIdError::Format => rule("invalid_format", "use the form 1234567-8"),
        BusinessIdError::CheckDigit { expected } => {
            rule("invalid_check_digit", format!("the check digit of {value} should be {expected}"))
        }
        BusinessIdError::NeverIssued => rule("invalid_check_digit", "no business id has these digits"),
    })
}

/// The shape of a business id, `1234567-8`, whatever its check digit.
pub fn business_id_shape(value: &str) -> Result<(), ValidationError> {
    match BusinessId::parse(value) {
        Err(BusinessIdError::Format) => Err(rule("invalid_format", "use the form 1234567-8")),
        _ => Ok(()),
    }
}

fn digits(value: &str, n: usize) -> bool {
    value.len() == n && value.bytes().all(|b| b.is_ascii_digit())
}

/// A municipality code of Statistics Finland: three digits.
pub fn municipality_code(value: &str) -> Result<(), ValidationError> {
    if digits(value, 3) {
        Ok(())
    } else {
        Err(rule("invalid_area_code", format!("'{value}' is not a municipality code (three digits)")))
    }
}

/// A wellbeing services county code: two digits.
pub fn county_code(value: &str) -> Result<(), ValidationError> {
    if digits(value, 2) {
        Ok(())
    } else {
        Err(rule("invalid_area_code", format!("'{value}' is not a wellbeing services county code (two digits)")))
    }
}

/// Every item three-digit municipality code.
pub fn municipality_codes(values: &[String]) -> Result<(), ValidationError> {
    values.iter().try_for_each(|v| municipality_code(v))
}

/// Free tags (`ngo-collaboration`, `fi`, ...): non-blank, at most 64 characters each.
pub fn tags(values: &[String]) -> Result<(), ValidationError> {
    if values.iter().all(|t| !t.trim().is_empty() && t.chars().count() <= 64) {
        Ok(())
    } else {
        Err(rule("invalid_value", "use non-empty tags of at most 64 characters"))
    }
}

/// Text that a person must fill in: not only whitespace.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() { Err(rule("missing_text", "give a value that is not blank")) } else { Ok(()) }
}

/// The dates the service keeps: 1900–2199 (a typo such as year 20260 is refused, not stored).
pub fn plausible_date(value: &chrono::NaiveDate) -> Result<(), ValidationError> {
    use chrono::Datelike;
    if (1900..2200).contains(&value.year()) {
        Ok(())
    } else {
        Err(rule("out_of_range", "use a date in the years 1900-2199"))
    }
}

/// An instant in the years the service keeps, 1900–2199 (a typo such as year 20260, or year
/// -9999, is refused, not stored or sent to the database).
pub fn plausible_instant(value: &chrono::DateTime<chrono::Utc>) -> Result<(), ValidationError> {
    plausible_date(&value.date_naive())
}

/// One line of text: no line breaks or other control characters (a title, a heading), so it
/// stays one line in every export (iCalendar, CSV).
pub fn single_line(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) {
        Err(rule("control_character", "use one line of text without line breaks or control characters"))
    } else {
        Ok(())
    }
}

/// Keys and values of `external_ids`: register name and identifier, each 1–128 characters.
pub fn external_ids(map: &std::collections::BTreeMap<String, String>) -> Result<(), ValidationError> {
    let ok = map.len() <= 20
        && map.iter().all(|(k, v)| (1..=64).contains(&k.chars().count()) && (1..=128).contains(&v.chars().count()));
    if ok {
        Ok(())
    } else {
        Err(rule(
            "invalid_value",
            Cow::Borrowed("at most 20 identifiers; names of 1-64 and values of 1-128 characters"),
        ))
    }
}

/// CSV flavour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvDialect {
    /// RFC 4180: `,` separator, no byte order mark.
    #[default]
    Standard,
    /// Finnish Excel: `;` separator and a UTF-8 byte order mark, so Excel opens it as is
    /// (exports of numbers also write the decimal comma).
    Fi,
}

/// Text as a spreadsheet cell: a leading `=`, `+`, `-` or `@` would start a formula in Excel,
/// so such text gets a leading apostrophe.
pub fn spreadsheet_text(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Text for a calendar property: CR or CRLF become LF (which the crate escapes), so no text
/// can end a content line early; other control characters but tab, which RFC 5545 forbids,
/// become spaces.
pub fn ics_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\r' => '\n',
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The `PRODID` of every calendar the service writes.
pub const CALENDAR_PRODID: &str = "-//Yhdyspinta//Yhdyspinta API//FI";

/// Text for a calendar property the `icalendar` crate writes as given (the calendar's
/// `NAME`): one line, with `\`, `;` and `,` escaped as RFC 5545 §3.3.11 says.
pub fn ics_escaped(text: &str) -> String {
    ics_text(text).replace('\n', " ").replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,")
}

/// A local wall-clock time written `HH:MM` or `HH:MM:SS` (24-hour, zero-padded), exactly as
/// the contract's pattern says; written back as `HH:MM` when the seconds are zero. For
/// `Option<NaiveTime>` fields: `#[serde(default, with = "formats::local_time")]`.
pub mod local_time {
    use chrono::{NaiveTime, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn parse(text: &str) -> Option<NaiveTime> {
        let b = text.as_bytes();
        let digits =
            |i: usize| b.get(i).is_some_and(u8::is_ascii_digit) && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        let shape = match b.len() {
            5 => digits(0) && b[2] == b':' && digits(3),
            8 => digits(0) && b[2] == b':' && digits(3) && b[5] == b':' && digits(6),
            _ => false,
        };
        let number = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        if !shape {
            return None;
        }
        let seconds = if b.len() == 8 { number(6) } else { 0 };
        if seconds > 59 {
            return None;
        }
        NaiveTime::from_hms_opt(number(0), number(3), seconds)
    }

    pub fn serialize<S: Serializer>(time: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) if t.second() == 0 => s.serialize_str(&t.format("%H:%M").to_string()),
            Some(t) => s.serialize_str(&t.format("%H:%M:%S").to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("use a 24-hour time HH:MM or HH:MM:SS, e.g. 10:00")),
        }
    }
}

/// Schemas of the formats above for lists and maps of them (`#[schema(value_type = …)]`),
/// so the contract bounds each item as the rules do.
/// A time window of a list (`from`, `to`): both in the years 1900–2199 and `to` after `from`
/// (422 naming the parameter).
pub fn time_window(
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), AppError> {
    for (field, at) in [("from", from), ("to", to)] {
        if at.is_some_and(|t| plausible_instant(&t).is_err()) {
            return Err(AppError::invalid(field, "out_of_range", "use a time in the years 1900-2199"));
        }
    }
    match (from, to) {
        (Some(f), Some(t)) if t <= f => Err(AppError::invalid("to", "before_from", "to is not after from")),
        _ => Ok(()),
    }
}

pub mod schema {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
    use utoipa::{PartialSchema, ToSchema};

    fn string(min: usize, max: usize, pattern: &str, description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(min))
            .max_length(Some(max))
            .pattern(Some(pattern))
            .description(Some(description))
    }

    macro_rules! text_schema {
        ($name:ident, $min:expr, $max:expr, $pattern:expr, $description:expr) => {
            #[doc = $description]
            pub struct $name;
            impl PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    string($min, $max, $pattern, $description).into()
                }
            }
            impl ToSchema for $name {}
        };
    }

    text_schema!(Tag, 1, 64, "[^\\s\\u0085]", "A free tag such as `premises` or `fi`: 1–64 characters, not blank.");
    text_schema!(MunicipalityCode, 3, 3, "^[0-9]{3}$", "A municipality code of Statistics Finland (three digits).");
    text_schema!(HttpUrl, 8, 2000, "^https?://\\S+$", "An http(s) address of at most 2,000 characters.");
    text_schema!(
        IdempotencyKey,
        1,
        255,
        "^[!-~]+$",
        "A key of 1–255 visible ASCII characters: a retry with the same key and body within 24 hours gets the first answer again."
    );

    /// One RFC 6902 JSON Patch operation, as the API writes them (diffs of versions).
    pub struct JsonPatchOperation;
    impl PartialSchema for JsonPatchOperation {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    "op",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(["add", "remove", "replace", "move", "copy", "test"])),
                )
                .required("op")
                .property(
                    "path",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .max_length(Some(1000))
                        .description(Some("JSON Pointer (RFC 6901)")),
                )
                .required("path")
                .property(
                    "from",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .max_length(Some(1000))
                        .description(Some("With move and copy")),
                )
                .property(
                    "value",
                    ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                        .description(Some("With add, replace and test: any JSON value")),
                )
                .description(Some("One RFC 6902 JSON Patch operation."))
                .into()
        }
    }
    impl ToSchema for JsonPatchOperation {}

    /// Identifiers in outside registers: at most 20, names of 1–64 and values of 1–128 characters.
    pub struct ExternalIds;
    impl PartialSchema for ExternalIds {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .max_properties(Some(20))
                .property_names(Some(
                    ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(64)),
                ))
                .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(
                    ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(128)).into(),
                ))))
                .description(Some("Identifiers in outside registers, e.g. `{\"ptv\": \"…\"}`."))
                .into()
        }
    }
    impl ToSchema for ExternalIds {}

    fn counts(names: ObjectBuilder, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .max_properties(Some(20))
            .property_names(Some(names))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(
                ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(1_000_000)).into(),
            ))))
            .description(Some(description))
            .into()
    }

    /// Counts by age group: at most 20 groups named like `0-6`, `65+` or `unknown`.
    pub struct AgeGroupCounts;
    impl PartialSchema for AgeGroupCounts {
        fn schema() -> RefOr<Schema> {
            counts(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(16))
                    .pattern(Some("^[A-Za-z0-9+_-]+$")),
                "Counts by age group, e.g. `{\"65+\": 20, \"unknown\": 3}`.",
            )
        }
    }
    impl ToSchema for AgeGroupCounts {}

    /// Counts by organisation id: at most 20.
    pub struct OrganizerCounts;
    impl PartialSchema for OrganizerCounts {
        fn schema() -> RefOr<Schema> {
            counts(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid))),
                "Counts by organisation id.",
            )
        }
    }
    impl ToSchema for OrganizerCounts {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_exactly_as_the_contract_writes_them() {
        assert_eq!(local_time::parse("10:00"), chrono::NaiveTime::from_hms_opt(10, 0, 0));
        assert_eq!(local_time::parse("23:59:59"), chrono::NaiveTime::from_hms_opt(23, 59, 59));
        for bad in ["9:00", "24:00", "10:60", "10:00:60", "10:00:00.5", "10.00", "", "١٠:٠٠"] {
            assert_eq!(local_time::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn shapes_match_the_database_checks() {
        assert!(email("a@b.fi").is_ok() && email("a@b").is_err() && email("a b@c.fi").is_err());
        assert!(phone("+358 40 123 4567").is_ok() && phone("12").is_err() && phone("040-abc").is_err());
        assert!(http_url("https://x.fi").is_ok() && http_url("ftp://x").is_err() && http_url("https://").is_err());
        assert!(business_id("0208201-1").is_ok() && business_id("0208201-2").is_err());
        let err = business_id("0112038-8").unwrap_err();
        assert_eq!(err.code, "invalid_check_digit");
        assert!(err.message.unwrap().contains("should be 9"));
        assert!(municipality_code("179").is_ok() && municipality_code("17").is_err());
        assert!(county_code("15").is_ok() && county_code("150").is_err());
    }
}
