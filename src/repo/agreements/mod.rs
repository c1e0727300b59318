//! Queries on partnership agreements and their parties; versions and signatures, reviews and
//! acknowledgements are in the files beside this one.

pub mod reviews;
pub mod versions;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{agreement_parties, agreements};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = agreements, check_for_backend(diesel::pg::Pg))]
pub struct AgreementRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: AgreementWrite,
    pub status: String,
    pub status_comment: Option<String>,
    pub current_version: Option<i32>,
    pub amendment_status: Option<String>,
    pub amendment_rationale: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub created_by_organization_id: Option<Uuid>,
}

/// The editable columns.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = agreements, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct AgreementWrite {
    pub code: String,
    pub title: JsonText,
    pub purpose: JsonText,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub max_extension_date: Option<NaiveDate>,
    pub visibility: String,
    pub tasks: JsonText,
    pub ground_rules: JsonText,
    pub ci_principles: JsonText,
    pub cost_sharing: JsonText,
    pub review_cycle_months: i32,
    pub review_next_due: Option<NaiveDate>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_parties, check_for_backend(diesel::pg::Pg))]
pub struct PartyRow {
    pub agreement_id: Uuid,
    pub organization_id: Uuid,
    pub position: i32,
    pub roles: Vec<Option<String>>,
    pub must_sign: bool,
    pub contact_ids: Vec<Option<Uuid>>,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<AgreementRow>> {
    agreements::table.find(id).select(AgreementRow::as_select()).first(conn).await.optional()
}

/// The row, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<AgreementRow>> {
    agreements::table.find(id).select(AgreementRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    created_by: Option<Uuid>,
    fields: &AgreementWrite,
) -> QueryResult<AgreementRow> {
    diesel::insert_into(agreements::table)
        .values((agreements::id.eq(id), agreements::created_by_organization_id.eq(created_by), fields))
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &AgreementWrite) -> QueryResult<AgreementRow> {
    diesel::update(agreements::table.find(id))
        .set(fields)
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_status(
    conn: &mut Conn,
    id: Uuid,
    status: &str,
    comment: Option<&str>,
    current_version: Option<i32>,
) -> QueryResult<AgreementRow> {
    diesel::update(agreements::table.find(id))
        .set((
            agreements::status.eq(status),
            agreements::status_comment.eq(comment),
            agreements::current_version.eq(current_version),
        ))
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
}

/// Opens, moves or (with `None`) closes an amendment.
pub async fn set_amendment(
    conn: &mut Conn,
    id: Uuid,
    status: Option<&str>,
    rationale: Option<&str>,
) -> QueryResult<AgreementRow> {
    diesel::update(agreements::table.find(id))
        .set((agreements::amendment_status.eq(status), agreements::amendment_rationale.eq(rationale)))
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
}

/// Puts a newly signed version in force and closes the amendment that produced it.
pub async fn put_in_force(conn: &mut Conn, id: Uuid, version: i32) -> QueryResult<AgreementRow> {
    diesel::update(agreements::table.find(id))
        .set((
            agreements::status.eq("active"),
            agreements::current_version.eq(Some(version)),
            agreements::amendment_status.eq(None::<String>),
            agreements::amendment_rationale.eq(None::<String>),
        ))
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn parties_of(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<PartyRow>> {
    agreement_parties::table
        .filter(agreement_parties::agreement_id.eq_any(ids))
        .order((agreement_parties::agreement_id, agreement_parties::position))
        .select(PartyRow::as_select())
        .load(conn)
        .await
}

pub async fn replace_parties(conn: &mut Conn, id: Uuid, parties: &[PartyRow]) -> QueryResult<()> {
    diesel::delete(agreement_parties::table.filter(agreement_parties::agreement_id.eq(id))).execute(conn).await?;
    diesel::insert_into(agreement_parties::table).values(parties).execute(conn).await?;
    Ok(())
}

/// List filters. Visibility: `viewer_organizations = None` sees everything; otherwise public
/// agreements and those that concern one of these organisations (see
/// `agreement_concerned_organizations`).
#[derive(Clone, Debug, Default)]
pub struct AgreementFilter {
    pub viewer_organizations: Option<Vec<Uuid>>,
    pub party: Option<Uuid>,
    /// Stored statuses to include.
    pub statuses: Option<Vec<String>>,
    /// With `statuses` containing `active`: only those whose end date is before (`Some(true)`,
    /// expired) or on/after (`Some(false)`) this day.
    pub ended_before: Option<(NaiveDate, bool)>,
    pub valid_on: Option<NaiveDate>,
    pub ci_principles_complete: Option<bool>,
    pub review_due_before: Option<NaiveDate>,
    /// A sanitised prefix tsquery over the title, and the raw words: an agreement whose code
    /// they are matches too.
    pub search: Option<(String, String)>,
    /// The agreement with this code (case-insensitive).
    pub code: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &AgreementFilter) -> QueryResult<Vec<AgreementRow>> {
    let mut q = agreements::table.select(AgreementRow::as_select()).into_boxed();
    // A caller with no organisation sees public agreements alone: one condition the partial
    // index `agreements_public_idx` answers, rather than an OR that reads every row; written
    // out rather than bound, so that a prepared statement's generic plan can use it too.
    let public = || diesel::dsl::sql::<Bool>("agreements.visibility = 'public'");
    if let Some([]) = f.viewer_organizations.as_deref() {
        q = q.filter(public());
    } else if let Some(orgs) = &f.viewer_organizations {
        let concerned = diesel::dsl::sql::<Bool>(
            "agreements.id IN (SELECT agreement_id FROM agreement_concerned_organizations \
             WHERE organization_id = ANY(",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(orgs.clone())
        .sql("))");
        q = q.filter(public().or(concerned));
    }
    if let Some(party) = f.party {
        let parties = agreement_parties::table
            .filter(agreement_parties::organization_id.eq(party))
            .select(agreement_parties::agreement_id);
        q = q.filter(agreements::id.eq_any(parties));
    }
    if let Some(statuses) = &f.statuses {
        q = q.filter(agreements::status.eq_any(statuses.clone()));
    }
    if let Some((day, expired)) = f.ended_before {
        q = if expired {
            q.filter(agreements::status.ne("active").or(agreements::end_date.lt(day)))
        } else {
            q.filter(agreements::status.ne("active").or(agreements::end_date.ge(day)))
        };
    }
    if let Some(day) = f.valid_on {
        q = q.filter(agreements::start_date.le(day)).filter(agreements::end_date.ge(day));
    }
    if let Some(complete) = f.ci_principles_complete {
        q = q.filter(agreements::ci_principles_complete.eq(complete));
    }
    if let Some(day) = f.review_due_before {
        q = q.filter(agreements::review_next_due.lt(day));
    }
    if let Some((terms, words)) = &f.search {
        q = q.filter(
            diesel::dsl::sql::<Bool>("(localized_search_vector(agreements.title) @@ localized_search_query(")
                .bind::<Text, _>(terms.clone())
                .sql(") OR lower(agreements.code) = lower(")
                .bind::<Text, _>(words.clone())
                .sql("))"),
        );
    }
    if let Some(code) = &f.code {
        q = q
            .filter(diesel::dsl::sql::<Bool>("lower(agreements.code) = lower(").bind::<Text, _>(code.clone()).sql(")"));
    }
    if let Some(since) = f.updated_since {
        q = q.filter(agreements::updated_at.ge(since));
    }
    if let Some(after) = f.after {
        q = q.filter(agreements::id.gt(after));
    }
    q.order(agreements::id).limit(f.limit).load(conn).await
}

/// The agreement with this code, if any.
pub async fn id_by_code(conn: &mut Conn, code: &str) -> QueryResult<Option<Uuid>> {
    agreements::table.filter(agreements::code.eq(code)).select(agreements::id).first(conn).await.optional()
}

/// Does `organization_id` collaborate with any of `others`: have both signed the version in
/// force of an agreement in force? Being named in an agreement is no one's consent.
pub async fn collaborates(conn: &mut Conn, organization_id: Uuid, others: &[Uuid]) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    if others.is_empty() {
        return Ok(false);
    }
    let found: Found = diesel::sql_query(
        "SELECT EXISTS ( \
             SELECT 1 FROM agreements a \
             JOIN agreement_signatures mine \
               ON mine.agreement_id = a.id AND mine.version = a.current_version \
             JOIN agreement_signatures theirs \
               ON theirs.agreement_id = a.id AND theirs.version = a.current_version \
             WHERE a.status = 'active' AND a.end_date >= current_date \
               AND mine.organization_id = $1 AND theirs.organization_id = ANY($2)) AS found",
    )
    .bind::<diesel::sql_types::Uuid, _>(organization_id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(others.to_vec())
    .get_result(conn)
    .await?;
    Ok(found.found)
}
