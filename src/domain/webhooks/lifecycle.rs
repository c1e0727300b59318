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
        let organization = fields.organization_id;
        if repo::count_of_organization(tx, organization).await? >= MAX_PER_ORGANIZATION {
            return Err(AppError::Conflict {
                detail: format!(
                    "the organisation has {MAX_PER_ORGANIZATION} subscriptions, the most it may have: \
                     change or delete one"
                ),
            });
        }
        let start = repo::latest_seq(tx).await?;
        let active = fields.active;
        let mut created =
            Webhook::try_from(repo::insert(tx, Uuid::now_v7(), organization, &fields.into_row(), start).await?)?;
        if !active {
            created = Webhook::try_from(repo::set_active(tx, created.id, Some(TURNED_OFF)).await?)?;
        }
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

const TURNED_OFF: &str = "turned off by its keeper";

/// The subscription's fields as they are written, with its secret.
async fn current_fields(conn: &mut crate::db::Conn, webhook: &Webhook) -> Result<WebhookFields, AppError> {
    let secret = repo::get(conn, webhook.id).await?.ok_or(AppError::NotFound)?.written.secret;
    Ok(WebhookFields {
        organization_id: webhook.organization_id,
        url: webhook.url.clone(),
        event_types: webhook.event_types.clone(),
        secret,
        active: webhook.active,
    })
}

/// `patch` applied to `current`: `active` cannot be null, nor the organisation change.
fn patched(current: &WebhookFields, patch: &serde_json::Value) -> Result<WebhookFields, AppError> {
    if patch.get("active").is_some_and(serde_json::Value::is_null) {
        return Err(AppError::invalid("active", "required", "true or false"));
    }
    let fields = merge_patch::apply(current, patch)?;
    if fields.organization_id != current.organization_id {
        return Err(AppError::invalid("organization_id", "immutable", "a subscription stays with its organisation"));
    }
    Ok(fields)
}

/// Applies a merge patch to the subscription's fields (the secret included, which is never
/// shown: patch it to rotate). `active: true` turns a disabled subscription back on, unless
/// the changes it missed are no longer kept (409: subscribe again and read the lists).
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Webhook, AppError> {
    // The checks first, the new target's name looked up without a connection held.
    let (conn, actor) = cx.parts().await?;
    access::signed_in(actor)?;
    let before = load(conn, id, false).await?;
    access::visible(actor, before.organization_id)?;
    let checked_url = {
        let fields = patched(&current_fields(conn, &before).await?, &patch)?;
        if fields.url == before.url {
            validation::check_with(&fields, fields.rules())?;
        } else {
            checked(cx, &fields).await?;
        }
        fields.url
    };
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::visible(actor, before.organization_id)?;
        if_match.check_required(before.version)?;
        // Merged again onto the row as it is now: a change made meanwhile is kept.
        let fields = patched(&current_fields(tx, &before).await?, &patch)?;
        if fields.url != checked_url && fields.url != before.url {
            return Err(AppError::Conflict {
                detail: "the subscription's URL changed meanwhile: read it and try again".into(),
            });
        }
        validation::check_with(&fields, fields.rules())?;
        let active = fields.active;
        if active && !before.active {
            let horizon = crate::repo::directory::pruned_through(tx).await?;
            if before.after_seq < horizon {
                return Err(AppError::Conflict {
                    detail: "changes this subscription missed are no longer kept: delete it, subscribe again and \
                             read the lists for what changed meanwhile"
                        .into(),
                });
            }
        }
        let mut after = Webhook::try_from(repo::update(tx, id, &fields.into_row()).await?)?;
        if active != after.active {
            after = Webhook::try_from(repo::set_active(tx, id, (!active).then_some(TURNED_OFF)).await?)?;
        }
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes the subscription with its deliveries.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    let (_, actor) = cx.parts().await?;
    access::signed_in(actor)?;
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
