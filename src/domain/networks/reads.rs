//! Reading networks: the list (public ones and the reader's own) and one network.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::networks::{self as repo, NetworkFilter};

pub async fn list(cx: &mut Cx<'_>, query: NetworkQuery, list: &ListQuery) -> Result<Page<SeenNetwork, Uuid>, AppError> {
    crate::domain::types::validation::check(&query)?;
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    let filter = NetworkFilter {
        readers: actor.organizations(),
        all: actor.is_platform_admin(),
        kind: query.kind.map(|k| name_of(&k)),
        member: query.member,
        parent: query.parent,
        municipality: query.municipality,
        county: query.county,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let networks = with_members(conn, page.items).await?;
    let items = networks.into_iter().map(|n| access::for_reader(actor, n)).collect();
    Ok(Page { items, next: page.next, limit: page.limit })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<SeenNetwork, AppError> {
    let (conn, actor) = cx.parts().await?;
    let network = load(conn, id, false).await?;
    access::can_read(actor, &network)?;
    Ok(access::for_reader(actor, network))
}
