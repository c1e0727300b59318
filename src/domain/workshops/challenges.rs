//! A workshop's challenges (obstacles it names), votes on them and their prioritisation.
//! One vote per person per challenge is the database's key; the per-person limit is its
//! trigger, so concurrent votes cannot pass either.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::workshops::challenges::{self as repo, CountedChallengeRow, VoteRefused};

/// At most this many challenges in one workshop.
const MAX_CHALLENGES: i64 = 200;

/// A challenge as it is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": {"fi": "Asiakas joutuu kertomaan tarinansa jokaiselle toimijalle uudelleen."}, "prioritised": false}))]
pub struct ChallengeFields {
    #[validate(nested)]
    pub description: LocalizedText,
    /// Marked by the organisers as one of the biggest to work on (seed 004: one or two).
    #[serde(default)]
    pub prioritised: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000a7", "workshop_id": "01938000-0000-7000-8000-0000000000a6",
    "description": {"fi": "Asiakas joutuu kertomaan tarinansa jokaiselle toimijalle uudelleen."}, "prioritised": true,
    "votes": 7, "voted": false, "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T12:00:00Z", "version": 2}))]
pub struct Challenge {
    pub id: Uuid,
    pub workshop_id: Uuid,
    #[serde(flatten)]
    pub fields: ChallengeFields,
    /// How many people voted for it.
    pub votes: i64,
    /// You voted for it.
    pub voted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<CountedChallengeRow> for Challenge {
    type Error = AppError;
    fn try_from((r, votes, voted): CountedChallengeRow) -> Result<Self, AppError> {
        Ok(Challenge {
            id: r.id,
            workshop_id: r.workshop_id,
            fields: ChallengeFields { description: from_json(r.description)?, prioritised: r.prioritised },
            votes,
            voted,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// Audited without the counts: a vote is not a change of the challenge.
#[derive(Serialize)]
struct AuditedChallenge<'a> {
    #[serde(flatten)]
    fields: &'a ChallengeFields,
    #[serde(skip)]
    id: Uuid,
    #[serde(skip)]
    organizations: Vec<Uuid>,
}

impl Audited for AuditedChallenge<'_> {
    const RESOURCE_TYPE: &'static str = "workshop_challenge";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizations.clone()
    }
}

fn audited<'a>(c: &'a Challenge, w: &Workshop) -> AuditedChallenge<'a> {
    AuditedChallenge {
        fields: &c.fields,
        id: c.id,
        organizations: w.organizations.iter().map(|o| o.organization_id).collect(),
    }
}

/// How the list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeSort {
    /// In the order they were named.
    #[default]
    Created,
    /// Most votes first: the prioritised list.
    Votes,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChallengeQuery {
    #[serde(default)]
    #[param(inline)]
    pub sort: ChallengeSort,
}

async fn one(
    conn: &mut crate::db::Conn,
    workshop: Uuid,
    id: Uuid,
    reader: Option<Uuid>,
) -> Result<Challenge, AppError> {
    Challenge::try_from(repo::get(conn, workshop, id, reader).await?.ok_or(AppError::NotFound)?)
}

pub async fn list(cx: &mut Cx<'_>, workshop_id: Uuid, query: ChallengeQuery) -> Result<Vec<Challenge>, AppError> {
    let (conn, actor) = cx.parts().await?;
    let workshop = load(conn, workshop_id, false).await?;
    access::can_read(actor, &workshop)?;
    let rows = repo::list(conn, workshop_id, actor.user_id(), query.sort == ChallengeSort::Votes).await?;
    rows.into_iter().map(Challenge::try_from).collect()
}

pub async fn get(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid) -> Result<Challenge, AppError> {
    let (conn, actor) = cx.parts().await?;
    let workshop = load(conn, workshop_id, false).await?;
    access::can_read(actor, &workshop)?;
    one(conn, workshop_id, id, actor.user_id()).await
}

/// Names a challenge (people of organisations that accepted; prioritising is the organisers').
pub async fn create(cx: &mut Cx<'_>, workshop_id: Uuid, fields: ChallengeFields) -> Result<Challenge, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_contribute(actor, &workshop)?;
        if fields.prioritised {
            access::can_edit(actor, &workshop)?;
        }
        validation::check_with(
            &fields,
            crate::domain::types::personal_data::errors_in("description", &fields.description),
        )?;
        if repo::count(tx, workshop_id).await? >= MAX_CHALLENGES {
            return Err(AppError::Conflict { detail: "a workshop holds at most 200 challenges".into() });
        }
        let id = Uuid::now_v7();
        repo::insert(tx, workshop_id, id, to_json(&fields.description)?).await?;
        if fields.prioritised {
            repo::update(tx, id, to_json(&fields.description)?, true).await?;
        }
        let created = one(tx, workshop_id, id, actor.user_id()).await?;
        audit::record(tx, actor, "create", Change::Created(&audited(&created, &workshop))).await?;
        Ok(created)
    })
    .await
}

/// Changes a challenge or marks it prioritised (the organisers).
pub async fn update(
    cx: &mut Cx<'_>,
    workshop_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Challenge, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        let before = one(tx, workshop_id, id, actor.user_id()).await?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        validation::check_with(
            &fields,
            crate::domain::types::personal_data::errors_in("description", &fields.description),
        )?;
        if fields == before.fields {
            return Ok(before);
        }
        repo::update(tx, id, to_json(&fields.description)?, fields.prioritised).await?;
        let after = one(tx, workshop_id, id, actor.user_id()).await?;
        audit::record(tx, actor, "update", Change::updated(&audited(&before, &workshop), &audited(&after, &workshop)))
            .await?;
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        let before = one(tx, workshop_id, id, actor.user_id()).await?;
        if_match.check_required(before.version)?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&audited(&before, &workshop))).await?;
        Ok(())
    })
    .await
}

/// A person's vote, as the audit log records it (the person is the entry's actor).
#[derive(Serialize)]
struct ChallengeVote {
    workshop_id: Uuid,
    challenge_id: Uuid,
    #[serde(skip)]
    organizations: Vec<Uuid>,
}

impl Audited for ChallengeVote {
    const RESOURCE_TYPE: &'static str = "challenge_vote";
    fn audit_id(&self) -> String {
        self.challenge_id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizations.clone()
    }
}

fn ballot(w: &Workshop, challenge_id: Uuid) -> ChallengeVote {
    ChallengeVote {
        workshop_id: w.id,
        challenge_id,
        organizations: w.organizations.iter().map(|o| o.organization_id).collect(),
    }
}

/// The caller votes for the challenge: 409 when they already have, or have no votes left.
pub async fn vote(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid) -> Result<Challenge, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, false).await?;
        access::can_contribute(actor, &workshop)?;
        let user = actor.user_id().ok_or_else(|| crate::domain::access::denied(actor))?;
        one(tx, workshop_id, id, Some(user)).await?;
        match repo::vote(tx, workshop_id, id, user).await? {
            Ok(()) => {}
            Err(VoteRefused::AlreadyVoted) => {
                return Err(AppError::Conflict { detail: "you have voted for this challenge already".into() });
            }
            Err(VoteRefused::NoVotesLeft) => {
                return Err(AppError::Conflict {
                    detail: format!(
                        "each person has {} votes in this workshop, and yours are used",
                        workshop.fields.votes_per_person
                    ),
                });
            }
        }
        // Every vote is a new version, so no copy with an old count revalidates.
        repo::touch(tx, id).await?;
        audit::record(tx, actor, "vote", Change::Created(&ballot(&workshop, id))).await?;
        one(tx, workshop_id, id, Some(user)).await
    })
    .await
}

/// The caller takes their vote back (nothing happens when there was none).
pub async fn unvote(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid) -> Result<Challenge, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, false).await?;
        access::can_contribute(actor, &workshop)?;
        let user = actor.user_id().ok_or_else(|| crate::domain::access::denied(actor))?;
        one(tx, workshop_id, id, Some(user)).await?;
        if repo::unvote(tx, id, user).await? > 0 {
            repo::touch(tx, id).await?;
            audit::record(tx, actor, "unvote", Change::Deleted(&ballot(&workshop, id))).await?;
        }
        one(tx, workshop_id, id, Some(user)).await
    })
    .await
}
