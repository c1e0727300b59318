//! `/api/v1/directory/lahella/activities`: published activities in the shape of lähellä.fi, the
//! national directory of NGO activities; the field mapping is tabled in `docs/DIRECTORY.md`.

use crate::domain::context::Cx;
use crate::domain::directory::{self as directory, lahella::LahellaActivity};
use crate::domain::event_series::SeriesQuery;
use crate::domain::types::pagination::ListQuery;
use crate::error::AppError;
use crate::http::common::{ListResponse, Listed, Listing, ReadErrors};
use actix_web::get;

/// Published activities as lähellä.fi shows them: type (hobby, support, voluntary work),
/// themes, how people meet, the channels with address and accessibility, and the weekly
/// pattern when the schedule is one. Filters and paging as in `/api/v1/event-series`.
#[utoipa::path(
    operation_id = "list_lahella_activities",
    tag = "directory",
    params(SeriesQuery, ListQuery),
    responses((status = 200, description = "A page of activities", body = ListResponse<LahellaActivity>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/lahella/activities")]
pub async fn activities(mut cx: Cx<'static>, query: Listing<SeriesQuery>) -> Result<Listed<LahellaActivity>, AppError> {
    let page = directory::activities(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, |a| a))
}
