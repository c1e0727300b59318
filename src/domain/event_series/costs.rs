//! Cost items (kustannukset) of a series and their allocation between organisers.
//!
//! Rounding rule: an item's total is its amount times its quantity, in cents. Each share gets
//! `total × percent / 100` rounded down to the cent; the cents left over go one at a time to
//! the shares with the largest remainders (ties: in the order the shares are listed). So each
//! item's shares add up to its total exactly, and each organiser's sum adds up to the grand
//! total exactly.
//!
//! Naming is not consent: a share binds its organisation once that organisation has agreed to
//! it (`agreed_by`): its own coordinator set it or accepted it (`POST …/acceptances`), or it
//! comes from the cost sharing of the linked agreement in force, which the organisation signed.
//! A changed percentage needs agreeing anew. The allocation says whether every share is agreed.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::access;
use super::model::{CostItem, CostItemBasis, CostItemFields, CostShare, EventSeries, load};
use crate::domain::agreements::{AmountPeriod, CostBasis as AgreementBasis, CostCategory};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::formats;
use crate::domain::types::merge_patch;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::domain::venues::PremisesTerms;
use crate::error::{AppError, FieldError};
use crate::repo::event_series::costs::{self as repo, CostItemWrite};

/// Most cost items one series carries: its allocation reads them all.
pub const MAX_COST_ITEMS: i64 = 200;

/// A page of the series' cost items, in creation order.
pub async fn list(cx: &mut Cx<'_>, series_id: Uuid, list: &ListQuery) -> Result<Page<CostItem, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, series_id, false).await?)?;
    access::can_read_costs(actor, &series)?;
    let rows = repo::page_of_series(conn, series_id, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(CostItem::try_from)
}

/// One cost item of the series.
pub async fn get(cx: &mut Cx<'_>, series_id: Uuid, id: Uuid) -> Result<CostItem, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, series_id, false).await?)?;
    access::can_read_costs(actor, &series)?;
    CostItem::try_from(repo::get(conn, series_id, id).await?.ok_or(AppError::NotFound)?)
}

/// Fills the defaults (venue rent, the agreement's shares) and checks the shares: 422. Says
/// whether the shares are those of the linked agreement in force.
async fn complete(
    cx: &mut Cx<'_>,
    series: &EventSeries,
    mut fields: CostItemFields,
) -> Result<(CostItemFields, bool), AppError> {
    let mut from_agreement = false;
    if fields.amount.is_none() && fields.category == CostCategory::Rent {
        let conn = cx.conn().await?;
        if let Some(venue) = series.fields.venue_id
            && let Some(row) = crate::repo::venues::get(conn, venue).await?
        {
            let venue = crate::domain::venues::Venue::try_from(row)?;
            let publisher_is_ngo = crate::repo::organizations::get(conn, series.fields.publisher_id)
                .await?
                .is_some_and(|o| o.written.kind == "ngo");
            fields.amount = Some(match venue.fields.premises_terms {
                PremisesTerms::Free => Decimal2::default(),
                PremisesTerms::FreeForNgos if publisher_is_ngo => Decimal2::default(),
                _ => venue.fields.rent_amount.unwrap_or_default(),
            });
        }
    }
    let mut errors = Vec::new();
    if fields.amount.is_none() {
        errors.push(FieldError::new("amount", "missing", "give the amount (only rent at a venue has a default)"));
    }
    if fields.shares.is_empty()
        && let Some(agreement) = series.fields.agreement_id
    {
        // An agreement the editor may not read gives no default (the shares are then asked
        // for); the default is what the parties signed, never an amendment's working copy.
        if let Ok(Some(signed)) = crate::domain::agreements::versions::in_force(cx, agreement).await
            && let Some(item) = signed
                .cost_sharing
                .iter()
                .find(|c| c.category == fields.category && c.basis == AgreementBasis::Percentage)
        {
            fields.shares = item
                .shares
                .iter()
                .filter_map(|s| s.percent.map(|percent| CostShare { organization_id: s.organization_id, percent }))
                .collect();
            // Agreed from the agreement only for the cost the parties signed: its amount per
            // event, or per year as a lump sum. Any other amount or basis needs each carrier's
            // own acceptance.
            from_agreement = match item.amount_period {
                Some(AmountPeriod::PerEvent) => fields.basis == CostItemBasis::PerOccurrence,
                Some(AmountPeriod::Annual) => fields.basis == CostItemBasis::LumpSum,
                None => false,
            } && item.amount.is_some()
                && item.amount == fields.amount;
        }
    }
    if fields.shares.is_empty() {
        errors.push(FieldError::new(
            "shares",
            "missing",
            "give the shares (no linked agreement of yours shares this category)",
        ));
    }
    errors.extend(share_rules(&fields, series));
    validation::check_with(&fields, errors)?;
    Ok((fields, from_agreement))
}

/// Shares are carried only by organisers that have accepted, once each, and add up to 100.
fn share_rules(fields: &CostItemFields, series: &EventSeries) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let accepted = series.accepted_organizers();
    let mut seen = std::collections::HashSet::new();
    for (i, share) in fields.shares.iter().enumerate() {
        if !accepted.contains(&share.organization_id) {
            errors.push(FieldError::new(
                format!("shares[{i}].organization_id"),
                "not_an_organizer",
                "a share is carried only by an organiser that has accepted",
            ));
        }
        if !seen.insert(share.organization_id) {
            errors.push(FieldError::new(
                format!("shares[{i}].organization_id"),
                "duplicate",
                "an organisation is listed twice",
            ));
        }
    }
    let sum: i64 = fields.shares.iter().map(|s| s.percent.hundredths()).sum();
    if !fields.shares.is_empty() && sum != Decimal2::HUNDRED.hundredths() {
        errors.push(FieldError::new(
            "shares",
            "sum_not_100",
            format!("the percentages add up to {}, not 100", Decimal2::from_hundredths(sum)),
        ));
    }
    errors
}

fn write_of(fields: &CostItemFields, agreed_by: Vec<Uuid>) -> Result<CostItemWrite, AppError> {
    Ok(CostItemWrite {
        agreed_by: agreed_by.into_iter().map(Some).collect(),
        category: name_of(&fields.category),
        basis: name_of(&fields.basis),
        amount_cents: fields.amount.unwrap_or_default().hundredths(),
        shares: to_json(&fields.shares)?,
        description: fields.description.as_ref().map(|d| d.trim().to_owned()),
    })
}

pub async fn create(cx: &mut Cx<'_>, series_id: Uuid, fields: CostItemFields) -> Result<CostItem, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        // The organisers as they are now, held until the write commits.
        let series = access::visible(actor, load(tx, series_id, true).await?)?;
        access::can_edit(actor, &series)?;
        let (fields, from_agreement) = complete(cx, &series, fields).await?;
        let (tx, actor) = cx.parts().await?;
        // Counted under the series' lock: concurrent creates cannot pass the cap together.
        if repo::count_of_series(tx, series_id).await? >= MAX_COST_ITEMS {
            return Err(AppError::Conflict {
                detail: format!("a series carries at most {MAX_COST_ITEMS} cost items; combine some first"),
            });
        }
        let row = write_of(&fields, access::agreed_after(actor, &fields, from_agreement, None))?;
        let created = CostItem::try_from(repo::insert(tx, Uuid::now_v7(), series_id, &row).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    cx: &mut Cx<'_>,
    series_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<CostItem, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let series = access::visible(actor, load(tx, series_id, true).await?)?;
        access::can_edit(actor, &series)?;
        let before = CostItem::try_from(repo::lock(tx, series_id, id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        let fields: CostItemFields = merge_patch::apply(&before.fields, &patch)?;
        let (fields, from_agreement) = complete(cx, &series, fields).await?;
        let (tx, actor) = cx.parts().await?;
        let row = write_of(&fields, access::agreed_after(actor, &fields, from_agreement, Some(&before)))?;
        let after = CostItem::try_from(repo::update(tx, id, &row).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// An organisation agrees to its share (its own coordinators and org admins).
pub async fn accept(
    cx: &mut Cx<'_>,
    series_id: Uuid,
    id: Uuid,
    organization_id: Uuid,
    if_match: IfMatch,
) -> Result<CostItem, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let series = access::visible(actor, load(tx, series_id, true).await?)?;
        access::can_accept_share(actor, &series, organization_id)?;
        let before = CostItem::try_from(repo::lock(tx, series_id, id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        if !before.fields.shares.iter().any(|s| s.organization_id == organization_id) {
            return Err(AppError::Conflict { detail: "The cost item gives this organisation no share.".into() });
        }
        if before.agreed_by.contains(&organization_id) {
            return Ok(before);
        }
        let mut agreed = before.agreed_by.clone();
        agreed.push(organization_id);
        let after = CostItem::try_from(repo::update(tx, id, &write_of(&before.fields, agreed)?).await?)?;
        audit::record(tx, actor, "accept", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, series_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let series = access::visible(actor, load(tx, series_id, false).await?)?;
        access::can_edit(actor, &series)?;
        let before = CostItem::try_from(repo::lock(tx, series_id, id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// `from`–`to`: local days in the series' zone, `to` exclusive.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// First day (local), e.g. `2026-01-01`.
    pub from: NaiveDate,
    /// Day after the last (local), e.g. `2027-01-01`.
    pub to: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ShareAmount {
    pub organization_id: Uuid,
    pub percent: Decimal2,
    pub amount: Decimal2,
    /// The organisation has agreed to this share.
    pub agreed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ItemAllocation {
    pub cost_item_id: Uuid,
    pub category: CostCategory,
    pub basis: CostItemBasis,
    pub amount: Decimal2,
    /// Occurrences, participants, or 1 for a lump sum (0 if nothing was held).
    pub quantity: i64,
    pub total: Decimal2,
    pub shares: Vec<ShareAmount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OrganizerAmount {
    pub organization_id: Uuid,
    pub amount: Decimal2,
}

/// Who pays what of a series' costs over the held (not cancelled) occurrences in a period.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"series_id": "01938000-0000-7000-8000-000000000010", "from": "2026-01-01", "to": "2027-01-01",
    "currency": "EUR", "held_occurrences": 9, "participants": 180, "occurrences_without_attendance": 1, "total": "90.00",
    "binding": true,
    "items": [{"cost_item_id": "01938000-0000-7000-8000-000000000020", "category": "refreshments", "basis": "per_occurrence",
               "amount": "10.00", "quantity": 9, "total": "90.00",
               "shares": [{"organization_id": "01930000-0000-7000-8000-00000000000c", "percent": "33.33", "amount": "30.00",
                           "agreed": true},
                          {"organization_id": "01930000-0000-7000-8000-00000000000b", "percent": "66.67", "amount": "60.00",
                           "agreed": true}]}],
    "organizers": [{"organization_id": "01930000-0000-7000-8000-00000000000c", "amount": "30.00"},
                   {"organization_id": "01930000-0000-7000-8000-00000000000b", "amount": "60.00"}]}))]
pub struct CostAllocation {
    pub series_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: String,
    pub held_occurrences: i64,
    /// Participants recorded at held occurrences.
    pub participants: i64,
    /// Held occurrences with no attendance recorded (they count 0 participants).
    pub occurrences_without_attendance: i64,
    pub total: Decimal2,
    /// Every share is agreed by its organisation: the allocation binds them all.
    pub binding: bool,
    pub items: Vec<ItemAllocation>,
    /// Each organiser's sum over the items; adds up to `total`.
    pub organizers: Vec<OrganizerAmount>,
}

/// Splits `total` cents by percentages in hundredths (adding up to 10,000): floors, then the
/// leftover cents to the largest remainders, ties in listed order.
pub fn split(total: i64, percents: &[i64]) -> Vec<i64> {
    // In i128: a total near i64::MAX times 10,000 does not fit in i64.
    let exact: Vec<(i64, i128)> = percents
        .iter()
        .map(|p| {
            let product = i128::from(total) * i128::from(*p);
            (i64::try_from(product / 10_000).unwrap_or(i64::MAX), product % 10_000)
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|(whole, _)| *whole).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for i in order.into_iter().cycle() {
        if left <= 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

pub async fn allocation(cx: &mut Cx<'_>, series_id: Uuid, query: AllocationQuery) -> Result<CostAllocation, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, series_id, false).await?)?;
    access::can_read_costs(actor, &series)?;
    if query.to <= query.from {
        return Err(AppError::invalid("to", "before_from", "to is not after from"));
    }
    if formats::plausible_date(&query.from).is_err() || formats::plausible_date(&query.to).is_err() {
        return Err(AppError::invalid("from", "out_of_range", "use dates in the years 1900-2199"));
    }
    let tz: chrono_tz::Tz =
        series.fields.schedule.as_ref().and_then(|s| s.timezone.parse().ok()).unwrap_or(chrono_tz::Europe::Helsinki);
    let at = |d: NaiveDate| super::schedule::place(tz, d.and_time(NaiveTime::MIN));
    let held = crate::repo::event_series::occurrences::held(conn, series_id, at(query.from), at(query.to)).await?;
    let items: Vec<CostItem> =
        repo::of_series(conn, series_id).await?.into_iter().map(CostItem::try_from).collect::<Result<_, _>>()?;
    let held_occurrences = held.len() as i64;
    let participants: i64 = held.iter().filter_map(|(_, p)| p.map(i64::from)).sum();
    let without = held.iter().filter(|(_, p)| p.is_none()).count() as i64;
    let mut organizers: Vec<OrganizerAmount> = Vec::new();
    let mut allocated = Vec::new();
    let mut total = 0i64;
    for item in items {
        let f = &item.fields;
        let amount = f.amount.unwrap_or_default();
        let quantity = match f.basis {
            CostItemBasis::PerOccurrence => held_occurrences,
            CostItemBasis::PerParticipant => participants,
            CostItemBasis::LumpSum => i64::from(held_occurrences > 0),
        };
        let item_total = amount
            .hundredths()
            .checked_mul(quantity)
            .ok_or_else(|| AppError::invalid("to", "too_large", "the total is too large to compute"))?;
        total = total
            .checked_add(item_total)
            .ok_or_else(|| AppError::invalid("to", "too_large", "the total is too large"))?;
        let parts = split(item_total, &f.shares.iter().map(|s| s.percent.hundredths()).collect::<Vec<_>>());
        let shares: Vec<ShareAmount> = f
            .shares
            .iter()
            .zip(parts)
            .map(|(s, cents)| ShareAmount {
                organization_id: s.organization_id,
                percent: s.percent,
                amount: Decimal2::from_hundredths(cents),
                agreed: item.agreed_by.contains(&s.organization_id),
            })
            .collect();
        for s in &shares {
            match organizers.iter_mut().find(|o| o.organization_id == s.organization_id) {
                Some(o) => o.amount = Decimal2::from_hundredths(o.amount.hundredths() + s.amount.hundredths()),
                None => organizers.push(OrganizerAmount { organization_id: s.organization_id, amount: s.amount }),
            }
        }
        allocated.push(ItemAllocation {
            cost_item_id: item.id,
            category: f.category,
            basis: f.basis,
            amount,
            quantity,
            total: Decimal2::from_hundredths(item_total),
            shares,
        });
    }
    // The contract's decimals have at most 12 integer digits.
    if total > 99_999_999_999_999 {
        return Err(AppError::invalid("to", "too_large", "the total is too large to report; choose a shorter period"));
    }
    Ok(CostAllocation {
        series_id,
        from: query.from,
        to: query.to,
        currency: "EUR".into(),
        held_occurrences,
        participants,
        occurrences_without_attendance: without,
        total: Decimal2::from_hundredths(total),
        binding: allocated.iter().all(|i| i.shares.iter().all(|s| s.agreed)),
        items: allocated,
        organizers,
    })
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn parts_always_add_up_to_the_total() {
        assert_eq!(split(9000, &[3333, 6667]), vec![3000, 6000]);
        assert_eq!(split(100, &[3333, 3333, 3334]), vec![33, 33, 34]);
        assert_eq!(split(1, &[5000, 5000]), vec![1, 0]);
        assert_eq!(split(i64::MAX / 2, &[5000, 5000]).iter().sum::<i64>(), i64::MAX / 2);
        for total in [0, 1, 7, 99, 1001, 123_457] {
            for shares in [vec![10_000], vec![3333, 3333, 3334], vec![1, 9999], vec![2500; 4]] {
                assert_eq!(split(total, &shares).iter().sum::<i64>(), total);
            }
        }
    }
}
