//! The HSDS export's pages: organisations, venues and published series by id, numbered pages
//! with their total, changed on or after an instant.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::event_series::{SeriesRow, accepted_organizer, published};
use crate::repo::organizations::OrganizationRow;
use crate::repo::schema::{event_series, organizations, venues};
use crate::repo::select_list;
use crate::repo::venues::VenueRow;

/// Which rows a page holds: the filters, then `limit` rows from `offset` in id order.
#[derive(Clone, Debug, Default)]
pub struct Window {
    pub modified_after: Option<DateTime<Utc>>,
    /// Provided (series: published or organised, accepted), owned or operated by.
    pub organization_id: Option<Uuid>,
    pub offset: i64,
    pub limit: i64,
}

/// A page of organisations and how many match in all.
pub async fn organizations(conn: &mut Conn, w: &Window) -> QueryResult<(i64, Vec<OrganizationRow>)> {
    let matching = || {
        let mut q = organizations::table.into_boxed();
        if let Some(since) = w.modified_after {
            q = q.filter(organizations::updated_at.ge(since));
        }
        if let Some(org) = w.organization_id {
            q = q.filter(organizations::id.eq(org));
        }
        q
    };
    let total = matching().count().get_result(conn).await?;
    let rows = matching()
        .select(select_list::<OrganizationRow>()?)
        .order(organizations::id)
        .offset(w.offset)
        .limit(w.limit)
        .load(conn)
        .await?;
    Ok((total, rows))
}

/// A page of venues and how many match in all.
pub async fn venues(conn: &mut Conn, w: &Window) -> QueryResult<(i64, Vec<VenueRow>)> {
    let matching = || {
        let mut q = venues::table.into_boxed();
        if let Some(since) = w.modified_after {
            q = q.filter(venues::updated_at.ge(since));
        }
        if let Some(org) = w.organization_id {
            q = q.filter(venues::owner_organization_id.eq(org).or(venues::operator_organization_id.eq(org)));
        }
        q
    };
    let total = matching().count().get_result(conn).await?;
    let rows = matching()
        .select(select_list::<VenueRow>()?)
        .order(venues::id)
        .offset(w.offset)
        .limit(w.limit)
        .load(conn)
        .await?;
    Ok((total, rows))
}

/// A page of published series (with `at_venue`, those at a venue) and how many match in all.
pub async fn series(conn: &mut Conn, w: &Window, at_venue: bool) -> QueryResult<(i64, Vec<SeriesRow>)> {
    let matching = || {
        let mut q = event_series::table.filter(published()).into_boxed();
        if at_venue {
            q = q.filter(event_series::venue_id.is_not_null());
        }
        if let Some(since) = w.modified_after {
            q = q.filter(event_series::updated_at.ge(since));
        }
        if let Some(org) = w.organization_id {
            q = q.filter(accepted_organizer(org));
        }
        q
    };
    let total = matching().count().get_result(conn).await?;
    let rows = matching()
        .select(SeriesRow::as_select())
        .order(event_series::id)
        .offset(w.offset)
        .limit(w.limit)
        .load(conn)
        .await?;
    Ok((total, rows))
}
