//! `/api/v1/observations`: values reported for indicators, written in batches by natural key,
//! moved through the reporting workflow, with their history.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::indicators::observations as values;
use crate::domain::indicators::{
    AreaRef, Observation, ObservationBatch, ObservationQuery, ObservationState, ObservationStatus,
    ObservationTransitionInput, ReportingPeriod, Sex, ValueType,
};
use crate::domain::types::decimal::StoredDecimal;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchOptional, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors,
    or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000f1", "indicator_id": "01938000-0000-7000-8000-0000000000e1",
    "value_type": "actual", "period": {"code": "2025", "start": "2025-01-01", "end": "2025-12-31"},
    "area": {"kind": "municipality", "code": "179"}, "organization_id": null, "sex": null, "age_group": null,
    "reporting_organization_id": "01930000-0000-7000-8000-000000000001", "value": "11.0", "exact_value": "11",
    "numerator": "110", "denominator": "1000", "narrative": null, "provisional": false, "confidential": false,
    "status": "approved", "status_comment": null, "created_at": "2026-03-01T09:30:00Z",
    "updated_at": "2026-03-02T10:00:00Z", "version": 3}))]
pub struct ObservationView {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub value_type: ValueType,
    pub period: ReportingPeriod,
    pub area: Option<AreaRef>,
    pub organization_id: Option<Uuid>,
    pub sex: Option<Sex>,
    pub age_group: Option<String>,
    pub reporting_organization_id: Option<Uuid>,
    /// Rounded (half away from zero) to the indicator's decimals.
    pub value: Option<String>,
    /// As stored: computed from the ratio where one was given.
    pub exact_value: Option<StoredDecimal>,
    pub numerator: Option<StoredDecimal>,
    pub denominator: Option<StoredDecimal>,
    pub narrative: Option<LocalizedText>,
    pub provisional: bool,
    pub confidential: bool,
    pub status: ObservationStatus,
    pub status_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Observation> for ObservationView {
    fn from(o: Observation) -> Self {
        ObservationView {
            value: o.shown_value(),
            id: o.id,
            indicator_id: o.indicator_id,
            value_type: o.value_type,
            period: o.period,
            area: o.area,
            organization_id: o.organization_id,
            sex: o.sex,
            age_group: o.age_group,
            reporting_organization_id: o.reporting_organization_id,
            exact_value: o.state.value,
            numerator: o.state.numerator,
            denominator: o.state.denominator,
            narrative: o.state.narrative,
            provisional: o.state.provisional,
            confidential: o.state.confidential,
            status: o.state.status,
            status_comment: o.state.status_comment,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

impl Versioned for ObservationView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// What a batch did; `data` holds every row's value in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub data: Vec<ObservationView>,
}

/// One version of a value.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationVersionView {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    #[serde(flatten)]
    pub state: ObservationState,
}

/// List the values you may see: approved, non-confidential values of public indicators for
/// anyone; for partners of an indicator its approved values, and every value their
/// organisation reports or owns the indicator of.
#[utoipa::path(
    operation_id = "list_observations",
    tag = "indicators",
    params(ObservationQuery, ListQuery),
    responses((status = 200, description = "A page of values", body = ListResponse<ObservationView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/observations")]
pub async fn list(mut cx: Cx<'static>, query: Listing<ObservationQuery>) -> Result<Listed<ObservationView>, AppError> {
    let page = values::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, ObservationView::from))
}

/// Read one value.
#[utoipa::path(
    operation_id = "get_observation",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Observation id")),
    responses((status = 200, description = "The value", body = ObservationView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/observations/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<ObservationView, AppError> {
    values::get(cx, id).await.map(ObservationView::from)
}

/// Report values, up to 1,000 at once, all or nothing. Each row is upserted by its natural
/// key (indicator, value type, period, area, organisation, sex, age group): a new key is a
/// draft, a changed value a draft again, an unchanged one stays as it is, so a retry changes
/// nothing. For a percentage or rate give `numerator` and `denominator`: the value is
/// computed exactly. A failed batch is one 422 whose `errors` name the row
/// (`observations[1].period`).
#[utoipa::path(
    operation_id = "write_observations",
    tag = "indicators",
    request_body = ObservationBatch,
    responses((status = 200, description = "Written", body = BatchView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/observations:batch")]
pub async fn batch(mut cx: Cx<'static>, body: Body<ObservationBatch>) -> Result<HttpResponse, AppError> {
    let outcome = values::write_batch(&mut cx, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(BatchView {
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        data: outcome.observations.into_iter().map(ObservationView::from).collect(),
    }))
}

/// Move a value in the reporting workflow: the reporter submits (`submitted`) or withdraws
/// (`draft`); the indicator owner's coordinators approve or return it with a comment, never
/// their own submission nor their own organisation's. Only approved values count.
#[utoipa::path(
    operation_id = "transition_observation",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Observation id"), IfMatchOptional),
    request_body = ObservationTransitionInput,
    responses((status = 200, description = "The value in its new state", body = ObservationView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/observations/{id}/transitions")]
pub async fn transition(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<ObservationTransitionInput>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = values::transition(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&ObservationView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a value: its reporter while it is a draft or returned, the indicator owner's
/// coordinators at any time until the period is locked.
#[utoipa::path(
    operation_id = "delete_observation",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Observation id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/observations/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = values::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every version of a value, oldest first: corrections and workflow moves.
#[utoipa::path(
    operation_id = "list_observation_history",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Observation id"), ListQuery),
    responses((status = 200, description = "A page of versions", body = ListResponse<ObservationVersionView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/observations/{id}/history")]
pub async fn history(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    paging: web::Query<ListQuery>,
) -> Result<Listed<ObservationVersionView>, AppError> {
    let page = values::history(&mut cx, id.into_inner(), &paging).await?;
    Ok(Listed::from_page(page, |(version, changed_at, state)| ObservationVersionView { version, changed_at, state }))
}
