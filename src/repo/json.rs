//! How a `jsonb` column is held between PostgreSQL and the domain.
//!
//! A column the domain reads into its own type (a localised name, opening hours) is a
//! [`JsonText`]: the text PostgreSQL sends, parsed once, straight into that type. Read as a
//! `serde_json::Value` it was parsed into a tree of maps first and then walked into the type:
//! on a public list page that tree was a quarter of what the service did per row (see
//! `bench/profile.sh`). A column the service works on as a tree (an audit diff, a JSON Patch)
//! stays a `Value`. Both are [`JsonColumn`]s, so the domain converts either with the same two
//! functions (`domain::types::stored::{from_json, to_json}`).

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The binary `jsonb` format's only version: one byte, then the JSON text.
const JSONB_VERSION: u8 = 1;

/// A `jsonb` value as JSON text. Not comparable: PostgreSQL sends its own spacing and key
/// order, so equal values can differ as text.
#[derive(Clone, Debug, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
pub struct JsonText(String);

impl FromSql<Jsonb, Pg> for JsonText {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((&JSONB_VERSION, text)) => Ok(JsonText(std::str::from_utf8(text)?.to_owned())),
            _ => Err("unsupported jsonb encoding".into()),
        }
    }
}

impl ToSql<Jsonb, Pg> for JsonText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[JSONB_VERSION])?;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

/// A `jsonb` column's value in Rust: read into a type, written from one.
pub trait JsonColumn: Sized {
    fn parse<T: DeserializeOwned>(self) -> serde_json::Result<T>;
    fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self>;
}

impl JsonColumn for JsonText {
    fn parse<T: DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_str(&self.0)
    }
    fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        serde_json::to_string(value).map(JsonText)
    }
}

impl JsonColumn for serde_json::Value {
    fn parse<T: DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_value(self)
    }
    fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        serde_json::to_value(value)
    }
}
