//! Reading series: one, or a page by organisation, venue, agreement, umbrella, kind, status
//! and title.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::search::TextSearch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::event_series::{self as repo, SeriesFilter};

pub async fn list(cx: &mut Cx<'_>, query: SeriesQuery, list: &ListQuery) -> Result<Page<EventSeries, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    validation::check(&query)?;
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(t) => Some(t),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    let (conn, actor) = cx.parts().await?;
    let (visible_to, all_visible) = access::visibility(actor);
    let filter = SeriesFilter {
        visible_to,
        all_visible,
        organization_id: query.organization,
        venue_id: query.venue,
        municipality_code: query.municipality,
        target_group: query.target_group.map(|g| name_of(&g)),
        agreement_id: query.agreement,
        parent_id: query.parent,
        kind: query.kind.map(|k| name_of(&k)),
        publication_status: query.publication_status.map(|s| name_of(&s)),
        search,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let next = page.next;
    let limit = page.limit;
    let series = with_organizers(conn, page.items).await?;
    let items = access::for_readers(conn, actor, series).await?;
    Ok(Page { items, next, limit })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<EventSeries, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, id, false).await?)?;
    access::for_reader(conn, actor, series).await
}
