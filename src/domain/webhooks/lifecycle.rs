//! Keeping a subscription: create, change (also turning it back on), delete, each one
//! transaction with its audit record. A new subscription starts at the feed's newest change:
//! what happened before it is read from the lists.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::webhooks as repo;

/// Refuses a host whose name resolves to an address that is not public (422 on `url`), unless
/// it is allowed. A name that does not resolve yet is accepted: deliveries check again.
async fn resolves_publicly(url: &url::Url) -> Result<(), AppError> {
    let Some(url::Host::Domain(name)) = url.host() else { return Ok(()) };
    if host_allowed(name) {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(std::time::Duration::from_secs(3), tokio::net::lookup_host((name, port))).await;
    if let Ok(Ok(addresses)) = lookup {
        for address in addresses {
            if !is_public(address.ip()) {
                return Err(AppError::Validation(vec![FieldError::new(
                    "url",
                    "unsafe_url",
                    "the host resolves to an address that is not on the public internet",
                )]));
            }
        }
    }
    Ok(())
}

/// The cheap checks, then the name lookup with the connection given back meanwhile.
async fn checked(cx: &mut Cx<'_>, fields: &WebhookFields) -> Result<(), AppError> {
    validation::check_with(fields, fields.rules())?;
    let target = target(&fields.url).map_err(|e| AppError::Validation(vec![e]))?;
    cx.release();
    resolves_publicly(&target).await
}

pub async fn create(cx: &mut Cx<'_>, fields: WebhookFields) -> Result<Webhook, AppError> {
    let (_, actor) = cx.parts().await?;
    access::can_create(actor, fields.organization_id)?;
    checked(cx, &fields).await?;
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_create(actor, fields.organization_id)?;
        let start = repo::latest_seq(tx).await?;
        let organization = fields.organization_id;
        let active = fields.active;
        let mut created =
            Webhook::try_from(repo::insert(tx, Uuid::now_v7(), organization, &fields.into_row(), start).await?)?;
        if !active {
            created = Webhook::try_from(repo::set_active(tx, created.id, Some("turned off by its keeper")).await?)?;
        }
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Applies a merge patch to the subscription's fields (the secret included, which is never
/// shown: patch it to rotate). `active: true` turns a disabled subscription back on.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Webhook, AppError> {
    let (conn, actor) = cx.parts().await?;
    let before = load(conn, id, false).await?;
    access::visible(actor, before.organization_id)?;
    let secret = repo::get(conn, id).await?.ok_or(AppError::NotFound)?.written.secret;
    let current = WebhookFields {
        organization_id: before.organization_id,
        url: before.url.clone(),
        event_types: before.event_types.clone(),
        secret,
        active: before.active,
    };
    let fields = merge_patch::apply(&current, &patch)?;
    if fields.organization_id != before.organization_id {
        return Err(AppError::invalid("organization_id", "immutable", "a subscription stays with its organisation"));
    }
    checked(cx, &fields).await?;
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::visible(actor, before.organization_id)?;
        if_match.check_required(before.version)?;
        let active = fields.active;
        let mut after = Webhook::try_from(repo::update(tx, id, &fields.into_row()).await?)?;
        if active != after.active {
            let reason = (!active).then_some("turned off by its keeper");
            after = Webhook::try_from(repo::set_active(tx, id, reason).await?)?;
        }
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes the subscription with its deliveries.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::visible(actor, before.organization_id)?;
        if_match.check_required(before.version)?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
