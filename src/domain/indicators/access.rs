//! Who reads, keeps, reports and approves indicators. A public indicator and its approved,
//! non-confidential values are anyone's; a partner indicator is its partners': the owner and
//! the parties of its linked agreements, with their service clients holding
//! `indicators:read`. Others learn nothing of it (404). The owner's coordinators keep the
//! definition and approve values; a partner reports only for itself and never approves its
//! own submission. Naming an organisation (a linked agreement's party, a value's
//! organisation) lets it read, and binds it to nothing.

use uuid::Uuid;

use super::model::{Indicator, Observation, ObservationStatus};
use crate::domain::access::{Actor, Role, Scope, allow, denied};
use crate::error::AppError;

/// The organisations whose partner indicators the actor reads.
pub fn reading_organizations(actor: &Actor) -> Vec<Uuid> {
    actor.reading_organizations(Scope::IndicatorsRead)
}

/// Keep (create, change, delete) definitions owned by `owner`. Platform and Sotkanet
/// indicators have no owner: the platform keeps them, nobody through the API.
pub fn can_keep(actor: &Actor, owner: Option<Uuid>) -> Result<(), AppError> {
    allow(actor, owner.is_some_and(|owner| actor.has_role(owner, Role::Coordinator)))
}

/// Whether the actor has `role` in the organisation, when there is one.
fn has_role_in(actor: &Actor, organization: Option<Uuid>, role: Role) -> bool {
    organization.is_some_and(|o| actor.has_role(o, role))
}

/// 404 for an indicator the actor may not read; `partner` says whether its organisations are
/// among the indicator's partners.
pub fn visible(indicator: Indicator, partner: bool) -> Result<Indicator, AppError> {
    if indicator.is_public() || partner { Ok(indicator) } else { Err(AppError::NotFound) }
}

/// Report values for `reporter`: its own members, when it is a partner of the indicator.
pub fn can_report(actor: &Actor, reporter: Uuid, reporter_is_partner: bool) -> Result<(), AppError> {
    allow(actor, reporter_is_partner && actor.has_role(reporter, Role::Member))
}

/// Whether the actor sees this value of an indicator it reads: approved, non-confidential
/// values of public indicators are anyone's; the partners see approved values, and the owner
/// and the reporter every value.
pub fn sees(actor: &Actor, indicator: &Indicator, observation: &Observation, partner: bool) -> bool {
    let approved = observation.state.status == ObservationStatus::Approved;
    if approved && !observation.state.confidential && indicator.is_public() {
        return true;
    }
    let orgs = reading_organizations(actor);
    partner
        && (approved
            || indicator.fields.owner_organization_id.is_some_and(|o| orgs.contains(&o))
            || observation.reporting_organization_id.is_some_and(|o| orgs.contains(&o)))
}

/// Approve or return a value: the owner's coordinators, but not the person who submitted it,
/// nor anyone of the reporting partner when that is not the owner itself.
pub fn can_review(actor: &Actor, indicator: &Indicator, observation: &Observation) -> Result<(), AppError> {
    let owner = indicator.fields.owner_organization_id;
    if !has_role_in(actor, owner, Role::Coordinator) {
        return Err(denied(actor));
    }
    let own_submission = actor.user_id().is_some() && actor.user_id() == observation.submitted_by;
    let reporter = observation.reporting_organization_id;
    // A value is approved or returned by someone other than its reporter.
    allow(actor, !(own_submission || (reporter != owner && has_role_in(actor, reporter, Role::Member))))
}

/// Submit, withdraw or delete a value: the reporting partner's members; the owner's
/// coordinators may delete any value too.
pub fn can_report_on(actor: &Actor, observation: &Observation) -> Result<(), AppError> {
    allow(actor, has_role_in(actor, observation.reporting_organization_id, Role::Member))
}

pub fn can_delete(actor: &Actor, indicator: &Indicator, observation: &Observation) -> Result<(), AppError> {
    allow(
        actor,
        has_role_in(actor, observation.reporting_organization_id, Role::Member)
            || has_role_in(actor, indicator.fields.owner_organization_id, Role::Coordinator),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};

    fn user(id: Uuid, memberships: &[(Uuid, Role)]) -> Actor {
        Actor {
            principal: Principal::User {
                id,
                platform_admin: false,
                memberships: memberships.iter().map(|(o, r)| Membership { organization_id: *o, role: *r }).collect(),
            },
            request_id: None,
        }
    }

    #[test]
    fn only_the_owner_keeps_and_nobody_approves_their_own_value() {
        let (owner, partner) = (Uuid::now_v7(), Uuid::now_v7());
        let coordinator = user(Uuid::now_v7(), &[(owner, Role::Coordinator)]);
        let member = user(Uuid::now_v7(), &[(owner, Role::Member)]);
        let both = user(Uuid::now_v7(), &[(owner, Role::Coordinator), (partner, Role::Member)]);
        assert!(can_keep(&coordinator, Some(owner)).is_ok());
        assert!(can_keep(&member, Some(owner)).is_err());
        assert!(can_keep(&Actor::anonymous(), Some(owner)).is_err());
        assert!(can_report(&member, owner, true).is_ok());
        assert!(can_report(&member, partner, true).is_err());
        assert!(can_report(&member, owner, false).is_err());

        let indicator = crate::domain::indicators::model::tests_support::indicator(owner);
        let mut value = crate::domain::indicators::model::tests_support::observation(&indicator, partner);
        assert!(can_review(&coordinator, &indicator, &value).is_ok());
        assert!(can_review(&member, &indicator, &value).is_err());
        assert!(matches!(can_review(&both, &indicator, &value), Err(AppError::Forbidden)));
        value.submitted_by = coordinator.user_id();
        assert!(matches!(can_review(&coordinator, &indicator, &value), Err(AppError::Forbidden)));
    }
}
