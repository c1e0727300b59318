//! Reading subscriptions and their deliveries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::webhooks as repo;

pub async fn list(cx: &mut Cx<'_>, query: WebhookQuery, list: &ListQuery) -> Result<Page<Webhook, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    let mut organizations = access::listed_organizations(actor)?;
    if let Some(org) = query.organization {
        organizations.retain(|o| *o == org);
    }
    let rows = repo::list(conn, Some(&organizations), page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Webhook::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Webhook, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::signed_in(actor)?;
    let webhook = load(conn, id, false).await?;
    access::visible(actor, webhook.organization_id)?;
    Ok(webhook)
}

/// The subscription's deliveries, newest first, with their attempts.
pub async fn deliveries(
    cx: &mut Cx<'_>,
    id: Uuid,
    list: &ListQuery,
) -> Result<Page<Delivery, (DateTime<Utc>, Uuid)>, AppError> {
    let page = list.page::<(DateTime<Utc>, Uuid)>()?;
    let (conn, actor) = cx.parts().await?;
    access::signed_in(actor)?;
    let webhook = load(conn, id, false).await?;
    access::visible(actor, webhook.organization_id)?;
    let rows = repo::deliveries(conn, id, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| (r.created_at, r.id)).try_map(Delivery::try_from)
}
