//! Reading workshops: the list (those the reader's organisations are listed in or whose
//! network they belong to) and one workshop.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::workshops::{self as repo, WorkshopFilter};

pub async fn list(cx: &mut Cx<'_>, query: WorkshopQuery, list: &ListQuery) -> Result<Page<Workshop, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    if actor.organizations().is_empty() && !actor.is_platform_admin() {
        return Err(crate::domain::access::denied(actor));
    }
    crate::domain::types::validation::check(&query)?;
    let filter = WorkshopFilter {
        readers: actor.organizations(),
        all: actor.is_platform_admin(),
        kind: query.kind.map(|k| name_of(&k)),
        organization: query.organization,
        network: query.network,
        phenomenon: query.phenomenon,
        follows: query.follows,
        from: query.from,
        to: query.to,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let items = assemble(conn, page.items).await?;
    Ok(Page { items, next: page.next, limit: page.limit })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Workshop, AppError> {
    let (conn, actor) = cx.parts().await?;
    let workshop = load(conn, id, false).await?;
    access::can_read(actor, &workshop)?;
    Ok(workshop)
}
