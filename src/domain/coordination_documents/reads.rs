//! Reading documents: one, or a page by organisation, agreement or series; the deleted ones
//! an org admin can still restore.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::coordination_documents::{self as repo, EditorRow};

pub async fn list(
    cx: &mut Cx<'_>,
    query: DocumentQuery,
    list: &ListQuery,
) -> Result<Page<CoordinationDocument, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    access::can_list(actor)?;
    let deleted_of_owners = query.deleted.unwrap_or(false).then(|| (actor.admin_organizations(), restore_cutoff()));
    let filter = repo::DocumentFilter {
        editor_in: (!actor.is_platform_admin()).then(|| actor.organizations()),
        organization: query.organization,
        agreement_id: query.agreement_id,
        event_series_id: query.event_series_id,
        deleted_of_owners,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut editors = repo::editors_of(conn, &ids).await?;
    let names = authors(conn, rows.iter().map(|r| r.written.updated_by)).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(|row| {
        let mine: Vec<EditorRow> = editors.iter().filter(|(d, _)| *d == row.id).map(|(_, e)| e.clone()).collect();
        editors.retain(|(d, _)| *d != row.id);
        let mut doc = CoordinationDocument::from_row(row, mine)?;
        doc.author = names.iter().find(|a| Some(a.user_id) == doc.updated_by).cloned();
        Ok(doc)
    })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<CoordinationDocument, AppError> {
    let (conn, actor) = cx.parts().await?;
    let doc = access::visible(actor, live(conn, id, false).await?)?;
    named(conn, doc).await
}
