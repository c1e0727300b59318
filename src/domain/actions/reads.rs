//! The action list across meetings and workshops, and one action.

use chrono::Utc;
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::actions::{self as repo, ActionFilter};

pub async fn list(cx: &mut Cx<'_>, query: ActionQuery, list: &ListQuery) -> Result<Page<Action, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    if actor.organizations().is_empty() && !actor.is_platform_admin() {
        return Err(crate::domain::access::denied(actor));
    }
    crate::domain::types::validation::check(&query)?;
    let today = Utc::now().with_timezone(&chrono_tz::Europe::Helsinki).date_naive();
    let filter = ActionFilter {
        readers: actor.organizations(),
        all: actor.is_platform_admin(),
        responsible: query.responsible,
        status: query.status.map(|s| name_of(&s)),
        overdue_on: query.overdue.map(|o| (today, o)),
        workshop: query.workshop,
        meeting: query.meeting,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.0.id).try_map(Action::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Action, AppError> {
    let (conn, actor) = cx.parts().await?;
    let action = load(conn, id, false).await?;
    access::can_read(actor, &action)?;
    Ok(action)
}
