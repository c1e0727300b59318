//! Demo data modelled on the operating models the service supports: Pirkanmaa (Tampere and
//! the Hervanta health station), Keski-Suomi (meeting-place activity), Keski-Uusimaa
//! (Keusote's health-promotion network), with NGOs and a parish, their contact persons, and
//! two partnership agreements, the Keski-Suomi meeting place's shared coordination document,
//! and venues with their event series, occurrences, attendance and costs, a webhook
//! subscription (turned off), the meeting places' indicators with two years of values, Tampere
//! lobby phenomenon reports, Keusote's networks with their meetings and decisions, and the
//! Hervanta lobby's waste and solution workshops. Organisations are real public bodies or
//! fictional associations; every detail (IDs, addresses, numbers) is made up.
//!
//! Each organisation has three demo users (`paakayttaja@`, `koordinaattori@`, `jasen@` its
//! domain: org admin, coordinator, member) and there is one platform admin
//! (`admin@yhdyspinta.example`), all with the password [`DEMO_PASSWORD`].
//!
//! Seeding is idempotent: fixed ids, and rows that exist already are left as they are.

mod agreements;
mod contacts;
mod coordination_documents;
mod event_series;
mod identity;
mod indicators;
mod networks;
mod organizations;
mod phenomena;
mod webhooks;
mod workshops;

use crate::db::Conn;
use crate::domain::identity::tokens::KeySet;
use crate::error::AppError;

/// The demo's dates are written as they stood on the day the demo was written (2026-12-04).
/// Seeded later, every agreement and review date moves on by the whole years passed since, so
/// the demo looks the same relative to its seeding day: the agreement in force, its last
/// review behind and the next one ahead.
pub fn agreement_date(y: i32, m: u32, d: u32) -> Result<chrono::NaiveDate, AppError> {
    use chrono::Datelike;
    let written = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    let mut years = (today.year() - written.year()).max(0);
    if years > 0 && today.ordinal() < written.ordinal() {
        years -= 1;
    }
    chrono::NaiveDate::from_ymd_opt(y + years, m, d)
        .or_else(|| chrono::NaiveDate::from_ymd_opt(y + years, m, d - 1))
        .ok_or_else(|| AppError::internal("demo date"))
}

/// Demo event dates keep their weekday and their distance from today: they move on by the
/// whole weeks passed since the demo was written (2026-12-04), so a Tuesday group stays on
/// Tuesdays, what had been held is held, and what was ahead is ahead, whenever it is seeded.
pub fn event_shift() -> chrono::Duration {
    let written = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
    chrono::Duration::weeks((chrono::Utc::now().date_naive() - written).num_days().max(0) / 7)
}

/// A demo event date as written, moved on by [`event_shift`].
pub fn event_date(y: i32, m: u32, d: u32) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|d| d + event_shift()).ok_or_else(|| AppError::internal("demo date"))
}

pub use identity::{DEMO_ADMIN_EMAIL, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, demo_users};

/// Fixed ids of the demo organisations, for tests and documentation.
pub mod ids {
    use uuid::Uuid;

    const fn id(n: u128) -> Uuid {
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | n)
    }
    pub const PIRKANMAA_COUNTY: Uuid = id(0x01);
    pub const TAMPERE: Uuid = id(0x02);
    pub const HERVANTA_HEALTH_STATION: Uuid = id(0x03);
    pub const KESKI_SUOMI_COUNTY: Uuid = id(0x04);
    pub const JYVASKYLA: Uuid = id(0x05);
    pub const AANEKOSKI: Uuid = id(0x06);
    pub const LAUKAA: Uuid = id(0x07);
    pub const KEUSOTE: Uuid = id(0x08);
    pub const HYVINKAA: Uuid = id(0x09);
    pub const JARVENPAA: Uuid = id(0x0a);
    pub const TUUSULA: Uuid = id(0x0b);
    pub const SENIORIKAMMARI: Uuid = id(0x0c);
    pub const KOHTAAMISPAIKAT: Uuid = id(0x0d);
    pub const HYVA_ARKI: Uuid = id(0x0e);
    pub const NAAPURIAPU: Uuid = id(0x0f);
    pub const JYVASKYLA_PARISH: Uuid = id(0x10);
    pub const OMAISHOITAJAT: Uuid = id(0x11);
}

/// Loads the demo data; returns how many rows were inserted (0 when already loaded).
/// `keys` seal the agreements that the demo puts in force.
pub async fn seed(conn: &mut Conn, keys: &KeySet) -> Result<usize, AppError> {
    let mut inserted = organizations::seed(conn).await?;
    inserted += identity::seed(conn).await?;
    inserted += agreements::seed(conn, keys).await?;
    inserted += coordination_documents::seed(conn).await?;
    inserted += event_series::seed(conn).await?;
    inserted += webhooks::seed(conn).await?;
    inserted += indicators::seed(conn).await?;
    inserted += indicators::derive(conn).await?;
    inserted += phenomena::seed(conn).await?;
    inserted += networks::seed(conn).await?;
    inserted += workshops::seed(conn).await?;
    Ok(inserted)
}
