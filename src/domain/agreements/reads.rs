//! Reading agreements: one, or a filtered page, each as its reader may see it.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::{Agreement, Status, from_json, from_rows, load, today};
use crate::db::Conn;
use crate::domain::access::{Actor, Principal, Scope};
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::search::TextSearch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::agreements::versions as version_repo;
use crate::repo::agreements::{self as repo, AgreementFilter};

/// What a reader outside the parties sees: while an amendment is being prepared, the content
/// in force rather than the unsigned working copy, and never the contact persons.
pub(super) async fn redact_for(conn: &mut Conn, actor: &Actor, mut a: Agreement) -> Result<Agreement, AppError> {
    if access::is_insider(actor, &a) {
        return Ok(a);
    }
    if let (Some(_), Some(number)) = (&a.amendment, a.current_version) {
        if let Some(in_force) = version_repo::version(conn, a.id, number).await? {
            a.content = from_json(in_force.snapshot)?;
        }
        a.amendment = None;
    }
    a.content.parties.iter_mut().for_each(|p| p.contact_ids.clear());
    a.redacted = true;
    Ok(a)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Agreement, AppError> {
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, id, false).await?;
    access::can_read(actor, &a)?;
    redact_for(conn, actor, a).await
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    Complete,
    Incomplete,
}

/// Filters of the agreement list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// Agreements with this organisation as a party.
    pub party: Option<Uuid>,
    pub status: Option<Status>,
    /// Agreements whose period includes this day.
    pub valid_on: Option<NaiveDate>,
    /// Whether all five collective-impact principles are documented.
    #[param(inline)]
    pub ci_principles: Option<Completeness>,
    /// Agreements whose annual review is due before this day.
    pub review_due_before: Option<NaiveDate>,
    /// Words in the title (prefix match), or an agreement's code.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    /// The agreement with this code, e.g. `KS-2026-014` (case-insensitive); ids differ per
    /// installation, codes do not.
    #[param(example = "KS-2026-014", max_length = 40)]
    #[validate(length(max = 40))]
    pub code: Option<String>,
}

/// The agreements the actor may see, filtered: public ones and their own parties'.
pub async fn list(cx: &mut Cx<'_>, query: AgreementQuery, list: &ListQuery) -> Result<Page<Agreement, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    validation::check(&query)?;
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(terms) => Some((terms, query.q.as_deref().unwrap_or_default().trim().to_owned())),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    let (conn, actor) = cx.parts().await?;
    let viewer_organizations = match &actor.principal {
        Principal::User { platform_admin: true, .. } => None,
        _ => Some(actor.reading_organizations(Scope::AgreementsRead)),
    };
    let day = today();
    let active = Status::Active.stored();
    let (statuses, ended_before) = match query.status {
        None => (None, None),
        Some(Status::Expired) => (Some(vec![active]), Some((day, true))),
        Some(Status::Active) => (Some(vec![active]), Some((day, false))),
        Some(s) => (Some(vec![s.stored()]), None),
    };
    let filter = AgreementFilter {
        viewer_organizations,
        party: query.party,
        statuses,
        ended_before,
        valid_on: query.valid_on,
        ci_principles_complete: query.ci_principles.map(|c| matches!(c, Completeness::Complete)),
        review_due_before: query.review_due_before,
        search,
        code: query.code,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut parties = repo::parties_of(conn, &ids).await?;
    let concerned = crate::repo::agreements::versions::concerned_organizations(conn, &ids).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let (mine, rest): (Vec<_>, Vec<_>) = parties.into_iter().partition(|p| p.agreement_id == row.id);
        parties = rest;
        let mut agreement = from_rows(row, mine, day)?;
        agreement.concerned = concerned.iter().filter(|(a, _)| *a == agreement.id).map(|(_, o)| *o).collect();
        items.push(redact_for(conn, actor, agreement).await?);
    }
    Ok(Page { items, next: page.next, limit: page.limit })
}
