//! Demo indicators of the Keski-Suomi seniors' meeting places, linked to their partnership
//! agreement: loneliness experienced by those over 65 (the county's survey), participants per
//! month (reported by Jyväskylä), and partner organisations, with targets, a baseline and two
//! years of values. Periods are the two years and 24 months before the seeding day; the
//! newest month waits for approval, to show the workflow.

use chrono::{Datelike, Utc};
use serde_json::json;

use super::identity::{demo_coordinator, demo_org_admin};
use super::ids::{JYVASKYLA, KESKI_SUOMI_COUNTY};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::context::Cx;
use crate::domain::indicators::{
    self, IndicatorFields, ObservationBatch, ObservationFields, ObservationStatus, ObservationTransitionInput,
    observations,
};
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::repo::agreements as agreement_repo;

fn definition(value: serde_json::Value) -> Result<IndicatorFields, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

fn row(value: serde_json::Value) -> Result<ObservationFields, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

/// Writes the rows as `reporter`, submits each, and has `approver` approve all but the
/// newest `pending` ones.
async fn report(
    conn: &mut Conn,
    reporter: Actor,
    approver: Actor,
    rows: Vec<ObservationFields>,
    pending: usize,
) -> Result<usize, AppError> {
    let written =
        observations::write_batch(&mut Cx::acting(conn, reporter.clone()), ObservationBatch { observations: rows })
            .await?;
    let count = written.observations.len();
    for (i, value) in written.observations.into_iter().enumerate() {
        let to = |status| ObservationTransitionInput { to: status, comment: None };
        observations::transition(
            &mut Cx::acting(conn, reporter.clone()),
            value.id,
            IfMatch::Any,
            to(ObservationStatus::Submitted),
        )
        .await?;
        if i + pending < count {
            observations::transition(
                &mut Cx::acting(conn, approver.clone()),
                value.id,
                IfMatch::Any,
                to(ObservationStatus::Approved),
            )
            .await?;
        }
    }
    Ok(count)
}

/// The platform indicators computed from the demo's agreements, occurrences and attendance
/// (the service recomputes them hourly after that).
pub(super) async fn derive(conn: &mut Conn) -> Result<usize, AppError> {
    let done = crate::domain::indicators::derived::refresh_as_of(
        &mut Cx::acting(conn, crate::domain::access::Actor::system()),
        chrono::Utc::now().date_naive(),
    )
    .await?;
    Ok(done.iter().map(|r| usize::try_from(r.written).unwrap_or(0)).sum())
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    use crate::repo::schema::indicators::dsl as i;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let exists: i64 = i::indicators.filter(i::code.eq("KS_LONELY_65")).count().get_result(conn).await?;
    if exists > 0 {
        return Ok(0);
    }
    let Some(agreement) = agreement_repo::id_by_code(conn, "KS-2026-014").await? else { return Ok(0) };
    let county = || demo_coordinator(KESKI_SUOMI_COUNTY);

    let lonely = indicators::create(
        &mut Cx::acting(conn, county()),
        definition(json!({
            "code": "KS_LONELY_65",
            "title": {"fi": "Yksinäisyyttä kokevat 65 vuotta täyttäneet", "sv": "Personer över 65 som upplever ensamhet"},
            "description": {"fi": "Osuus 65 vuotta täyttäneistä vastaajista, jotka kokevat itsensä yksinäiseksi melko tai hyvin usein."},
            "interpretation": {"fi": "Laskeva osuus kertoo, että kohtaamispaikat tavoittavat yksinäisiä."},
            "limitations": {"fi": "Kyselyn vastausaste vaihtelee vuosittain."},
            "type": "population", "measure": "percentage", "unit": "%", "decimals": 1,
            "direction": "lower_is_better", "aggregation": "weighted_mean", "periodicity": "P1Y",
            "dimensions": ["area"], "owner_organization_id": KESKI_SUOMI_COUNTY, "agreement_ids": [agreement],
            "attribution": "Hyvinvointialueen ikääntyneiden kysely (demo)", "licence": "CC BY 4.0", "visibility": "public"
        }))?,
    )
    .await?;
    let participants = indicators::create(
        &mut Cx::acting(conn, county()),
        definition(json!({
            "code": "KS_PARTICIPANTS_MONTH",
            "title": {"fi": "Kohtaamispaikan osallistujat kuukaudessa"},
            "type": "performance", "measure": "count", "unit": "osallistujaa", "decimals": 0,
            "direction": "higher_is_better", "aggregation": "sum", "periodicity": "P1M",
            "dimensions": ["organization"], "owner_organization_id": KESKI_SUOMI_COUNTY, "agreement_ids": [agreement],
            "attribution": "Kohtaamispaikan kävijälaskenta", "licence": "CC BY 4.0", "visibility": "public"
        }))?,
    )
    .await?;
    let partners = indicators::create(
        &mut Cx::acting(conn, county()),
        definition(json!({
            "code": "KS_PARTNER_ORGS",
            "title": {"fi": "Kohtaamispaikan kumppaniorganisaatiot"},
            "type": "performance", "measure": "count", "unit": "organisaatiota", "decimals": 0,
            "direction": "higher_is_better", "aggregation": "none", "periodicity": "P1Y",
            "owner_organization_id": KESKI_SUOMI_COUNTY, "agreement_ids": [agreement], "visibility": "partners"
        }))?,
    )
    .await?;

    let year = Utc::now().year();
    let (two_ago, last) = (year - 2, year - 1);
    let jyvaskyla = json!({"kind": "municipality", "code": "179"});
    let mut county_rows = vec![
        row(
            json!({"indicator_id": lonely.id, "value_type": "baseline", "period": two_ago.to_string(), "area": jyvaskyla, "value": "11.8"}),
        )?,
        row(
            json!({"indicator_id": lonely.id, "value_type": "actual", "period": two_ago.to_string(), "area": jyvaskyla, "numerator": 118, "denominator": 1000}),
        )?,
        row(
            json!({"indicator_id": lonely.id, "value_type": "actual", "period": last.to_string(), "area": jyvaskyla, "numerator": 109, "denominator": 1040}),
        )?,
        row(
            json!({"indicator_id": lonely.id, "value_type": "target", "period": last.to_string(), "area": jyvaskyla, "value": "11.0"}),
        )?,
        row(
            json!({"indicator_id": lonely.id, "value_type": "target", "period": year.to_string(), "area": jyvaskyla, "value": "10.0"}),
        )?,
    ];
    for (y, organisations) in [(two_ago, 4), (last, 5)] {
        county_rows.push(row(json!({"indicator_id": partners.id, "value_type": "actual", "period": y.to_string(), "value": organisations}))?);
    }
    county_rows.push(row(
        json!({"indicator_id": partners.id, "value_type": "target", "period": year.to_string(), "value": 6}),
    )?);
    let mut inserted = 3 + report(conn, county(), demo_org_admin(KESKI_SUOMI_COUNTY), county_rows, 0).await?;

    // Participants per month over the 24 full months before this one, the newest awaiting
    // approval; Jyväskylä reports for itself and the county approves.
    let today = Utc::now().date_naive();
    let mut months = Vec::new();
    for back in (1..=24).rev() {
        let total = today.year() * 12 + today.month0() as i32 - back;
        let (y, m) = (total / 12, total % 12 + 1);
        let count = 38 + (back * 7) % 17 + if back <= 12 { 6 } else { 0 };
        months.push(row(
            json!({"indicator_id": participants.id, "value_type": "actual", "period": format!("{y}-{m:02}"),
                               "organization_id": JYVASKYLA, "value": count}),
        )?);
    }
    inserted += report(conn, demo_coordinator(JYVASKYLA), demo_org_admin(KESKI_SUOMI_COUNTY), months, 1).await?;
    Ok(inserted)
}
