//! Frozen versions, their differences and signatures. A version is frozen when the agreement
//! enters `awaiting_signatures`; org admins of the signing parties sign its content hash, and
//! the last signature puts it in force in the same transaction.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::{Agreement, AgreementFields, Signature, SignatureMethod, Status, Version, load, version_of};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::identity::tokens::KeySet;
use crate::domain::types::formats;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::agreements::versions::{self as repo, SignatureRow};

/// Every version with its signatures, in two queries.
/// A page of versions with their signatures, in two queries.
pub async fn versions(cx: &mut Cx<'_>, id: Uuid, list: &ListQuery) -> Result<Page<Version, i32>, AppError> {
    let page = list.page::<i32>()?;
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, id, false).await?;
    access::can_read(actor, &a)?;
    let rows = repo::versions(conn, id, list.updated_since, page.after, page.fetch_limit()).await?;
    let page = Page::from_rows(rows, &page, |r| r.number);
    let numbers: Vec<i32> = page.items.iter().map(|r| r.number).collect();
    let mut signatures = repo::signatures_of(conn, id, &numbers).await?;
    let seals = repo::seals_of(conn, id, &numbers).await?;
    page.try_map(|row| {
        let (mine, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut signatures).into_iter().partition(|s| s.version == row.number);
        signatures = rest;
        let seal = seals.iter().find(|(n, _)| *n == row.number).map(|(_, s)| s.clone());
        Ok(redact_version(actor, &a, version_of(id, row, mine, seal)?))
    })
}

pub async fn version(cx: &mut Cx<'_>, id: Uuid, number: i32) -> Result<Version, AppError> {
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, id, false).await?;
    access::can_read(actor, &a)?;
    frozen(conn, actor, &a, number).await
}

/// What the parties signed and is in force now (not an amendment's working copy), for an
/// agreement the actor may read; `None` when nothing is in force.
pub async fn in_force(cx: &mut Cx<'_>, id: Uuid) -> Result<Option<AgreementFields>, AppError> {
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, id, false).await?;
    access::can_read(actor, &a)?;
    let (Status::Active, Some(number)) = (a.status, a.current_version) else { return Ok(None) };
    // The snapshot alone: parties and cost sharing are for every reader, signatures not needed.
    let row = repo::version(conn, id, number).await?.ok_or(AppError::NotFound)?;
    crate::domain::types::stored::from_json(row.snapshot).map(Some)
}

/// One signature of a version, redacted for the actor as the version is.
pub async fn signature(cx: &mut Cx<'_>, id: Uuid, number: i32, signature_id: Uuid) -> Result<Signature, AppError> {
    let version = version(cx, id, number).await?;
    version.signatures.into_iter().find(|s| s.id == signature_id).ok_or(AppError::NotFound)
}

/// Version `number` of an agreement the actor may read, redacted for the actor.
async fn frozen(conn: &mut Conn, actor: &Actor, a: &Agreement, number: i32) -> Result<Version, AppError> {
    let row = repo::version(conn, a.id, number).await?.ok_or(AppError::NotFound)?;
    let signatures = repo::signatures(conn, a.id, number).await?;
    let seal = repo::seals_of(conn, a.id, &[number]).await?.pop().map(|(_, s)| s);
    Ok(redact_version(actor, a, version_of(a.id, row, signatures, seal)?))
}

/// Outsiders see neither the contact persons nor who recorded a signature. (Versions frozen
/// before contact persons were kept beside the snapshot have them inside it.)
fn redact_version(actor: &Actor, a: &Agreement, mut v: Version) -> Version {
    if !access::is_insider(actor, a) {
        v.party_contacts.clear();
        if let Some(Value::Array(parties)) = v.snapshot.get_mut("parties") {
            for p in parties {
                if let Some(ids) = p.get_mut("contact_ids") {
                    *ids = Value::Array(vec![]);
                }
            }
        }
        v.signatures.iter_mut().for_each(|s| {
            s.signed_by = None;
            s.signatory_name = None;
            s.signatory_title = None;
        });
    }
    v
}

/// What changed between two versions: an RFC 6902 JSON Patch that turns the first snapshot
/// into the second, and the same changes in plain words.
#[derive(Clone, Debug, Serialize)]
pub struct VersionDiff {
    pub from: i32,
    pub to: i32,
    pub patch: json_patch::Patch,
    pub changes: Vec<String>,
}

pub async fn diff(cx: &mut Cx<'_>, id: Uuid, from: i32, to: i32) -> Result<VersionDiff, AppError> {
    let (conn, actor) = cx.parts().await?;
    let agreement = load(conn, id, false).await?;
    access::can_read(actor, &agreement)?;
    let a = frozen(conn, actor, &agreement, from).await?;
    let b = frozen(conn, actor, &agreement, to).await?;
    let patch = json_patch::diff(&a.snapshot, &b.snapshot);
    let changes = patch.0.iter().map(describe).collect();
    Ok(VersionDiff { from, to, patch, changes })
}

/// One patch operation in words: `purpose.fi changed`, `parties.1 added`.
fn describe(op: &json_patch::PatchOperation) -> String {
    use json_patch::PatchOperation as Op;
    let (path, verb) = match op {
        Op::Add(o) => (&o.path, "added"),
        Op::Remove(o) => (&o.path, "removed"),
        Op::Replace(o) => (&o.path, "changed"),
        Op::Move(o) => (&o.path, "moved"),
        Op::Copy(o) => (&o.path, "copied"),
        Op::Test(o) => (&o.path, "tested"),
    };
    let field = path.tokens().map(|token| token.decoded().into_owned()).collect::<Vec<_>>().join(".");
    format!("{} {verb}", if field.is_empty() { "everything" } else { field.as_str() })
}

/// A party's signature of a version.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"content_hash": "9f2c7c1d4b3a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7", "signatory_name": "Aino Esimerkki",
    "signatory_title": "Puheenjohtaja", "method": "board_decision", "decision_ref": "Hallitus 1.2.2026 §4"}))]
pub struct SignatureInput {
    /// The signing party; needed only if you are org admin of several signing parties.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// The version's `content_hash`: what you read is what you sign.
    #[schema(min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")]
    #[validate(length(max = 64))]
    pub content_hash: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::not_blank"))]
    pub signatory_name: String,
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::not_blank"))]
    pub signatory_title: String,
    pub method: SignatureMethod,
    /// The decision the signature rests on, e.g. a board minute.
    #[serde(default)]
    #[schema(max_length = 500)]
    #[validate(length(max = 500))]
    pub decision_ref: Option<String>,
}

/// Records a party's signature on version `number`. When every signing party has signed it,
/// the agreement becomes active in the same transaction. The agreement row is locked first,
/// so two last signatures arriving together activate it once.
pub async fn sign(
    cx: &mut Cx<'_>,
    keys: &KeySet,
    id: Uuid,
    number: i32,
    s: SignatureInput,
) -> Result<(Signature, Agreement), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_read(actor, &before)?;
        let row = repo::version(tx, id, number).await?.ok_or(AppError::NotFound)?;
        let required: Vec<Uuid> = row.required_signers.iter().flatten().copied().collect();
        let party = access::signing_party(actor, &before, &required, s.organization_id)?;
        validation::check(&s)?;
        let latest = repo::latest_number(tx, id).await?.unwrap_or(0);
        if before.working_status() != Status::AwaitingSignatures || number != latest {
            return Err(AppError::Conflict {
                detail: format!(
                    "version {number} is not awaiting signatures (the agreement is {})",
                    name_of(&before.working_status())
                ),
            });
        }
        if s.content_hash != row.content_hash {
            return Err(AppError::Conflict {
                detail: "content_hash is not the hash of this version; read the version again and check what you sign"
                    .into(),
            });
        }
        let signature_row = SignatureRow {
            id: Uuid::now_v7(),
            agreement_id: id,
            version: number,
            organization_id: party,
            content_hash: s.content_hash.clone(),
            signatory_name: s.signatory_name.trim().to_owned(),
            signatory_title: s.signatory_title.trim().to_owned(),
            method: name_of(&s.method),
            decision_ref: s.decision_ref.clone(),
            signed_by: actor.user_id(),
            signed_at: crate::domain::types::stored::now(),
        };
        repo::insert_signature(tx, &signature_row).await?;
        let signature = Signature::try_from(signature_row)?;
        audit::record(tx, actor, "sign", Change::Created(&signature)).await?;
        let signed: HashSet<Uuid> = repo::signatures(tx, id, number).await?.iter().map(|r| r.organization_id).collect();
        let after = if required.iter().all(|p| signed.contains(p)) {
            crate::repo::agreements::put_in_force(tx, id, number).await?;
            let signatures: Vec<Signature> = repo::signatures(tx, id, number)
                .await?
                .into_iter()
                .map(Signature::try_from)
                .collect::<Result<_, _>>()?;
            let seal = seal(keys, &before, number, &row.content_hash, &signatures)?;
            repo::insert_seal(tx, id, number, &seal).await?;
            let after = load(tx, id, false).await?;
            audit::record(tx, actor, "activate", Change::updated(&before, &after)).await?;
            after
        } else {
            before
        };
        Ok((signature, after))
    })
    .await
}

/// The payload of the platform's seal of a version that entered into force.
#[derive(Serialize)]
struct SealPayload<'a> {
    iss: &'a str,
    /// When it was sealed (seconds since the epoch).
    iat: i64,
    agreement_id: Uuid,
    code: &'a str,
    version: i32,
    content_hash: &'a str,
    signatures: Vec<SealedSignature>,
}

#[derive(Serialize)]
struct SealedSignature {
    organization_id: Uuid,
    signed_at: chrono::DateTime<chrono::Utc>,
}

/// The media type of a seal (its JWS `typ`).
pub const SEAL_TYPE: &str = "agreement-seal+jwt";

/// Seals a version that enters into force: a compact JWS (EdDSA, `kid` of the JWKS) over the
/// agreement, the version, its content hash and the signing organisations with their times.
fn seal(
    keys: &KeySet,
    a: &Agreement,
    number: i32,
    content_hash: &str,
    signatures: &[Signature],
) -> Result<String, AppError> {
    keys.seal(
        SEAL_TYPE,
        &SealPayload {
            iss: keys.issuer(),
            iat: chrono::Utc::now().timestamp(),
            agreement_id: a.id,
            code: &a.content.code,
            version: number,
            content_hash,
            signatures: signatures
                .iter()
                .map(|s| SealedSignature { organization_id: s.organization_id, signed_at: s.signed_at })
                .collect(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_turns_one_snapshot_into_the_other_and_reads_in_words() {
        let a: Value = serde_json::json!({"code": "K-1", "purpose": {"fi": "Vanha"}, "ground_rules": {"premises_use": {"fi": "x"}, "a/b": 1},
                                          "parties": [{"id": 1}], "tasks": []});
        let b: Value = serde_json::json!({"code": "K-1", "purpose": {"fi": "Uusi", "sv": "Ny"}, "ground_rules": {"a/b": 2},
                                          "parties": [{"id": 1}, {"id": 2}], "tasks": [], "review": {"cycle_months": 6}});
        let patch = json_patch::diff(&a, &b);
        let mut patched = a.clone();
        json_patch::patch(&mut patched, &patch.0).unwrap();
        assert_eq!(patched, b);
        let words: Vec<String> = patch.0.iter().map(describe).collect();
        for expected in [
            "purpose.fi changed",
            "purpose.sv added",
            "ground_rules.premises_use removed",
            "ground_rules.a/b changed",
            "parties.1 added",
            "review added",
        ] {
            assert!(words.contains(&expected.to_owned()), "{expected} not in {words:?}");
        }
        assert!(json_patch::diff(&a, &a).0.is_empty());
    }
}
