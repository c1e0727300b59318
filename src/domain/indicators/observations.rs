//! Reported values: reading them, writing a batch by natural key, the reporting workflow
//! (draft → submitted → approved | returned), deletion and history. Every change keeps the
//! value's previous version; only approved values count.

use std::collections::HashMap;

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::organizations::existing;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::indicators::observations::{self as repo, HistoryRow, Seen};

/// The indicator of a value with whether the actor's organisations are its partners, and the
/// value itself, as the actor may see them; 404 otherwise.
async fn seen(cx: &mut Cx<'_>, id: Uuid, for_update: bool) -> Result<(Indicator, bool, Observation), AppError> {
    let (conn, actor) = cx.parts().await?;
    let observation = load_observation(conn, id, for_update).await?;
    let indicator = load(conn, observation.indicator_id, false).await?;
    let partner = has_partner(conn, indicator.id, &access::reading_organizations(actor)).await?;
    if !access::sees(actor, &indicator, &observation, partner) {
        return Err(AppError::NotFound);
    }
    let observation = observation.shown_with(&indicator);
    Ok((indicator, partner, observation))
}

/// 409 for a write into a period closed after its review.
fn locked(what: &str) -> AppError {
    AppError::Conflict { detail: format!("{what} is locked after its review") }
}

async fn record_history(conn: &mut crate::db::Conn, observation: &Observation) -> Result<(), AppError> {
    let row = HistoryRow {
        observation_id: observation.id,
        version: observation.version,
        snapshot: serde_json::to_value(&observation.state).map_err(AppError::internal)?,
        changed_at: observation.updated_at,
    };
    Ok(repo::record_history(conn, &row).await?)
}

pub async fn list(
    cx: &mut Cx<'_>,
    query: ObservationQuery,
    list: &ListQuery,
) -> Result<Page<Observation, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    validation::check(&query)?;
    let (conn, actor) = cx.parts().await?;
    let orgs = access::reading_organizations(actor);
    let seen = if orgs.is_empty() { Seen::Public } else { Seen::PartnerOf(orgs) };
    let filter = query.filter(seen, list.updated_since, page.after, page.fetch_limit());
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.observation.id).try_map(|r| {
        let mut value = Observation::try_from(r.observation)?;
        value.decimals = u32::try_from(r.decimals).unwrap_or(0);
        Ok(value)
    })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Observation, AppError> {
    Ok(seen(cx, id, false).await?.2)
}

/// The value's versions, oldest first.
pub async fn history(
    cx: &mut Cx<'_>,
    id: Uuid,
    list: &ListQuery,
) -> Result<Page<(i64, chrono::DateTime<chrono::Utc>, ObservationState), i64>, AppError> {
    let page = list.page::<i64>()?;
    seen(cx, id, false).await?;
    let rows = repo::history(cx.conn().await?, id, list.updated_since, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.version)
        .try_map(|r| Ok((r.version, r.changed_at, crate::domain::types::stored::from_json(r.snapshot)?)))
}

/// The indicators a batch names, each read once: with whether the actor's organisations are
/// partners, or `None` when the actor may not read it.
async fn batch_indicators(
    cx: &mut Cx<'_>,
    batch: &ObservationBatch,
) -> Result<HashMap<Uuid, Option<(Indicator, bool)>>, AppError> {
    let (conn, actor) = cx.parts().await?;
    let orgs = access::reading_organizations(actor);
    let mut found = HashMap::new();
    for row in &batch.observations {
        if found.contains_key(&row.indicator_id) {
            continue;
        }
        let readable = match load(conn, row.indicator_id, false).await {
            Ok(indicator) => {
                let partner = has_partner(conn, indicator.id, &orgs).await?;
                access::visible(indicator, partner).ok().map(|i| (i, partner))
            }
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e),
        };
        found.insert(row.indicator_id, readable);
    }
    Ok(found)
}

/// Writes a batch of values by natural key, all or nothing: a new key is a draft, a changed
/// value a draft again (to be submitted and approved anew), an unchanged one stays as it is,
/// so sending the same batch twice changes nothing. A failed batch is one 422 naming each
/// row's fields (`observations[3].period`), or one 403 or 409 naming the row.
pub async fn write_batch(cx: &mut Cx<'_>, batch: ObservationBatch) -> Result<BatchOutcome, AppError> {
    let (_, actor) = cx.parts().await?;
    if actor.is_anonymous() {
        return Err(crate::domain::access::denied(actor));
    }
    cx.write(async |cx| {
        let indicators = batch_indicators(cx, &batch).await?;
        let (tx, actor) = cx.parts().await?;
        // Who may report, before any field rule; each indicator and reporter looked up once.
        let mut reference_errors = Vec::new();
        let mut partners: HashMap<(Uuid, Uuid), bool> = HashMap::new();
        for (i, row) in batch.observations.iter().enumerate() {
            match indicators.get(&row.indicator_id).and_then(Option::as_ref) {
                None => reference_errors.push(FieldError::new(
                    format!("observations[{i}].indicator_id"),
                    "not_found",
                    "no such indicator",
                )),
                Some((indicator, _)) => {
                    // Values of platform and Sotkanet indicators are read-only.
                    let Some(reporter) = row.reporter(indicator).filter(|_| indicator.is_reported()) else {
                        return Err(crate::domain::access::denied(actor));
                    };
                    let reporter_is_partner = match partners.get(&(indicator.id, reporter)) {
                        Some(known) => *known,
                        None => {
                            let found = has_partner(tx, indicator.id, &[reporter]).await?;
                            partners.insert((indicator.id, reporter), found);
                            found
                        }
                    };
                    access::can_report(actor, reporter, reporter_is_partner)?;
                }
            }
        }
        let mut rules = reference_errors;
        for (i, row) in batch.observations.iter().enumerate() {
            if let Some(Some((indicator, _))) = indicators.get(&row.indicator_id) {
                rules.extend(row.rules(indicator, &format!("observations[{i}]")));
            }
        }
        validation::check_with(&batch, rules)?;
        areas_and_organizations_exist(tx, &batch).await?;

        let mut outcome = BatchOutcome { observations: Vec::new(), created: 0, updated: 0, unchanged: 0 };
        for (i, row) in batch.observations.iter().enumerate() {
            let Some(Some((indicator, _))) = indicators.get(&row.indicator_id) else {
                return Err(AppError::internal("indicator checked above"));
            };
            let write = row.clone().into_row(indicator)?;
            if indicator.is_locked(write.period_end) {
                return Err(locked(&format!("observations[{i}]: the period {}", write.period_code)));
            }
            let saved = match repo::lock_by_key(tx, &write).await? {
                Some(existing) => {
                    let before = Observation::try_from(existing)?;
                    if same_report(&before, row, &write) {
                        outcome.unchanged += 1;
                        outcome.observations.push(before.shown_with(indicator));
                        continue;
                    }
                    if before.reporting_organization_id != write.reporting_organization_id {
                        access::can_report_on(actor, &before)?;
                    }
                    let after = Observation::try_from(repo::correct(tx, before.id, &write).await?)?;
                    audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
                    outcome.updated += 1;
                    after
                }
                None => {
                    let created = Observation::try_from(repo::insert(tx, Uuid::now_v7(), &write).await?)?;
                    audit::record(tx, actor, "create", Change::Created(&created)).await?;
                    outcome.created += 1;
                    created
                }
            };
            record_history(tx, &saved).await?;
            outcome.observations.push(saved.shown_with(indicator));
        }
        Ok(outcome)
    })
    .await
}

/// Whether the stored value already says what the row says.
fn same_report(
    before: &Observation,
    row: &ObservationFields,
    write: &crate::repo::indicators::observations::ObservationWrite,
) -> bool {
    before.state.value.map(|v| v.0) == write.value
        && before.state.numerator.map(|v| v.0) == row.numerator.map(|v| v.0)
        && before.state.denominator.map(|v| v.0) == row.denominator.map(|v| v.0)
        && before.state.narrative == row.narrative
        && before.state.provisional == row.provisional
        && before.state.confidential == row.confidential
        && before.reporting_organization_id == write.reporting_organization_id
}

/// The areas are in the register and the named organisations exist (422 naming the row).
async fn areas_and_organizations_exist(conn: &mut crate::db::Conn, batch: &ObservationBatch) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let mut known_areas: HashMap<(String, String), bool> = HashMap::new();
    let mut named: Vec<Uuid> =
        batch.observations.iter().flat_map(|r| [r.organization_id, r.reporting_organization_id]).flatten().collect();
    named.sort();
    named.dedup();
    let organizations = existing(conn, &named).await?;
    for (i, row) in batch.observations.iter().enumerate() {
        if let Some(area) = &row.area {
            let key = (name_of(&area.kind), area.code.clone());
            let exists = match known_areas.get(&key) {
                Some(e) => *e,
                None => {
                    let e = crate::repo::areas::exists(conn, &key.0, &key.1).await?;
                    known_areas.insert(key, e);
                    e
                }
            };
            if !exists {
                errors.push(FieldError::new(
                    format!("observations[{i}].area.code"),
                    "unknown_area",
                    "not in the area register",
                ));
            }
        }
        for (field, org) in
            [("organization_id", row.organization_id), ("reporting_organization_id", row.reporting_organization_id)]
        {
            if org.is_some_and(|org| !organizations.contains(&org)) {
                errors.push(FieldError::new(format!("observations[{i}].{field}"), "not_found", "no such organisation"));
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Moves a value in the reporting workflow.
pub async fn transition(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    input: ObservationTransitionInput,
) -> Result<Observation, AppError> {
    cx.write(async |cx| {
        let (indicator, _, before) = seen(cx, id, true).await?;
        let (tx, actor) = cx.parts().await?;
        use ObservationStatus::*;
        let (submitted_by, reviewed_by) = match (before.state.status, input.to) {
            (Draft | Returned, Submitted) => {
                access::can_report_on(actor, &before)?;
                (actor.user_id(), None)
            }
            (Submitted, Draft) => {
                access::can_report_on(actor, &before)?;
                (None, None)
            }
            (Submitted, Approved) | (Submitted | Approved, Returned) => {
                access::can_review(actor, &indicator, &before)?;
                (before.submitted_by, actor.user_id())
            }
            (from, to) => {
                access::can_report_on(actor, &before).or_else(|_| access::can_review(actor, &indicator, &before))?;
                return Err(AppError::Conflict {
                    detail: format!("a value that is {} cannot become {}", name_of(&from), name_of(&to)),
                });
            }
        };
        if_match.check(before.version)?;
        validation::check(&input)?;
        let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
        if input.to == Returned && comment.is_none() {
            return Err(AppError::invalid("comment", "required", "say what to correct"));
        }
        if indicator.is_locked(before.period.end) {
            return Err(locked(&format!("the period {}", before.period.code)));
        }
        let comment = if input.to == Returned { comment } else { None };
        let row = repo::transition(tx, id, &name_of(&input.to), comment, submitted_by, reviewed_by).await?;
        let after = Observation::try_from(row)?.shown_with(&indicator);
        record_history(tx, &after).await?;
        audit::record(tx, actor, "transition", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes a value: its reporter while it is a draft or returned, the owner's coordinators
/// at any time before the period is locked.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (indicator, _, before) = seen(cx, id, true).await?;
        let (tx, actor) = cx.parts().await?;
        access::can_delete(actor, &indicator, &before)?;
        if_match.check_required(before.version)?;
        let owner = (indicator.fields.owner_organization_id)
            .is_some_and(|o| actor.has_role(o, crate::domain::access::Role::Coordinator));
        if !owner && matches!(before.state.status, ObservationStatus::Submitted | ObservationStatus::Approved) {
            return Err(AppError::Conflict {
                detail: "a submitted or approved value is deleted by the indicator's owner".into(),
            });
        }
        if indicator.is_locked(before.period.end) {
            return Err(locked(&format!("the period {}", before.period.code)));
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
