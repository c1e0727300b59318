//! A workshop's challenges and the votes on them.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{challenge_votes, workshop_challenges};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = workshop_challenges, check_for_backend(diesel::pg::Pg))]
pub struct ChallengeRow {
    pub id: Uuid,
    pub workshop_id: Uuid,
    pub description: JsonText,
    pub prioritised: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A challenge with its number of votes and whether the reader voted for it.
pub type CountedChallengeRow = (ChallengeRow, i64, bool);

/// The row, its vote count and whether `reader` voted (a macro: the bound literal's type has
/// no public name).
macro_rules! counted {
    ($reader:expr) => {
        (
            ChallengeRow::as_select(),
            sql::<BigInt>("(SELECT count(*) FROM challenge_votes v WHERE v.challenge_id = workshop_challenges.id)"),
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM challenge_votes v WHERE v.challenge_id = workshop_challenges.id AND v.user_id = ",
            )
            .bind::<Nullable<SqlUuid>, _>($reader)
            .sql(")"),
        )
    };
}

/// Whether `challenge` is one of `workshop`'s.
pub async fn exists(conn: &mut Conn, workshop: Uuid, challenge: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        workshop_challenges::table
            .filter(workshop_challenges::workshop_id.eq(workshop))
            .filter(workshop_challenges::id.eq(challenge)),
    ))
    .get_result(conn)
    .await
}

/// A workshop's challenges, by votes (most first) or in the order they were named.
pub async fn list(
    conn: &mut Conn,
    workshop: Uuid,
    reader: Option<Uuid>,
    by_votes: bool,
) -> QueryResult<Vec<CountedChallengeRow>> {
    let query = workshop_challenges::table
        .filter(workshop_challenges::workshop_id.eq(workshop))
        .select(counted!(reader))
        .into_boxed();
    let query = if by_votes {
        query.order((
            sql::<BigInt>(
                "(SELECT count(*) FROM challenge_votes v WHERE v.challenge_id = workshop_challenges.id) DESC",
            ),
            workshop_challenges::id,
        ))
    } else {
        query.order(workshop_challenges::id)
    };
    query.load(conn).await
}

pub async fn count(conn: &mut Conn, workshop: Uuid) -> QueryResult<i64> {
    workshop_challenges::table.filter(workshop_challenges::workshop_id.eq(workshop)).count().get_result(conn).await
}

pub async fn get(
    conn: &mut Conn,
    workshop: Uuid,
    id: Uuid,
    reader: Option<Uuid>,
) -> QueryResult<Option<CountedChallengeRow>> {
    workshop_challenges::table
        .filter(workshop_challenges::workshop_id.eq(workshop))
        .filter(workshop_challenges::id.eq(id))
        .select(counted!(reader))
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, workshop: Uuid, id: Uuid, description: JsonText) -> QueryResult<usize> {
    diesel::insert_into(workshop_challenges::table)
        .values((
            workshop_challenges::id.eq(id),
            workshop_challenges::workshop_id.eq(workshop),
            workshop_challenges::description.eq(description),
        ))
        .execute(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, description: JsonText, prioritised: bool) -> QueryResult<usize> {
    diesel::update(workshop_challenges::table.find(id))
        .set((
            workshop_challenges::description.eq(description),
            workshop_challenges::prioritised.eq(prioritised),
            workshop_challenges::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
}

/// Marks the challenge changed (its votes changed): a new version and ETag.
pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::update(workshop_challenges::table.find(id))
        .set(workshop_challenges::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(workshop_challenges::table.find(id)).execute(conn).await
}

/// Why a vote was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteRefused {
    /// The person has voted for this challenge already.
    AlreadyVoted,
    /// The person has used all their votes in the workshop.
    NoVotesLeft,
}

/// Records a vote; the key and the limit trigger decide, in a savepoint so the transaction
/// can go on to say why.
pub async fn vote(
    conn: &mut Conn,
    workshop: Uuid,
    challenge: Uuid,
    user: Uuid,
) -> QueryResult<Result<(), VoteRefused>> {
    use diesel::result::{DatabaseErrorKind, Error};
    use diesel_async::AsyncConnection;
    let inserted = conn
        .transaction(async |tx| {
            diesel::insert_into(challenge_votes::table)
                .values((
                    challenge_votes::workshop_id.eq(workshop),
                    challenge_votes::challenge_id.eq(challenge),
                    challenge_votes::user_id.eq(user),
                ))
                .execute(tx)
                .await
        })
        .await;
    match inserted {
        Ok(_) => Ok(Ok(())),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
            if info.constraint_name() == Some("challenge_votes_once_per_person") =>
        {
            Ok(Err(VoteRefused::AlreadyVoted))
        }
        Err(Error::DatabaseError(DatabaseErrorKind::CheckViolation, info))
            if info.constraint_name() == Some("challenge_votes_limit_check") =>
        {
            Ok(Err(VoteRefused::NoVotesLeft))
        }
        Err(e) => Err(e),
    }
}

pub async fn unvote(conn: &mut Conn, challenge: Uuid, user: Uuid) -> QueryResult<usize> {
    diesel::delete(challenge_votes::table.find((challenge, user))).execute(conn).await
}
