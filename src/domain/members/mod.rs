//! Memberships (jäsenyydet): who belongs to an organisation and in which role, and the
//! invitations that bring new people in.

pub mod access;

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::config::MailConfig;
use crate::db::Conn;
use crate::domain::access::{Actor, Principal, Role};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::identity::passwords;
use crate::domain::identity::rate_limit::RateLimiter;
use crate::domain::identity::tokens::{random_token, token_hash};
use crate::domain::identity::users::User;
use crate::domain::mail::{self, Outgoing};
use crate::domain::organizations::ensure_exists;
use crate::domain::types::formats;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::pagination::Page;
use crate::domain::types::precondition::{IMMUTABLE_VERSION, IfMatch};
use crate::domain::types::stored::from_json;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::identity::users as user_repo;
use crate::repo::members::{self as repo, InvitationRow, MemberRow};
use crate::repo::organizations as organization_repo;

/// How long an invitation can be redeemed.
const INVITATION_VALIDITY_DAYS: i64 = 7;
/// How long an accepted or expired invitation (and its address) is kept.
const SPENT_INVITATIONS_KEPT_DAYS: i64 = 30;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<MemberRow> for Member {
    type Error = AppError;
    fn try_from(r: MemberRow) -> Result<Self, AppError> {
        Ok(Member {
            role: from_stored("role", &r.role)?,
            organization_id: r.organization_id,
            user_id: r.user_id,
            email: r.email,
            display_name: r.display_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Member {
    const RESOURCE_TYPE: &'static str = "membership";
    fn audit_id(&self) -> String {
        format!("{}:{}", self.organization_id, self.user_id)
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

/// An invitation as recorded (never with its token).
#[derive(Clone, Debug, Serialize)]
pub struct Invitation {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = AppError;
    fn try_from(r: InvitationRow) -> Result<Self, AppError> {
        Ok(Invitation {
            role: from_stored("role", &r.role)?,
            id: r.id,
            organization_id: r.organization_id,
            email: r.email,
            display_name: r.display_name,
            expires_at: r.expires_at,
        })
    }
}

impl Audited for Invitation {
    const RESOURCE_TYPE: &'static str = "invitation";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

pub async fn list(cx: &mut Cx<'_>, organization_id: Uuid, list: &ListQuery) -> Result<Page<Member, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    ensure_exists(conn, organization_id).await?;
    access::can_read(actor, organization_id)?;
    let rows = repo::list(conn, organization_id, list.updated_since, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.user_id).try_map(Member::try_from)
}

pub async fn get(cx: &mut Cx<'_>, organization_id: Uuid, user_id: Uuid) -> Result<Member, AppError> {
    let (conn, actor) = cx.parts().await?;
    ensure_exists(conn, organization_id).await?;
    access::can_read(actor, organization_id)?;
    repo::get(conn, organization_id, user_id).await?.ok_or(AppError::NotFound).and_then(Member::try_from)
}

/// Adding a person by e-mail.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "uusi.tyontekija@example.fi", "role": "member", "display_name": "Uusi Työntekijä"}))]
pub struct MemberInvitationInput {
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    #[validate(custom(function = "formats::email"))]
    pub email: String,
    pub role: Role,
    /// How the invitation greets the person (default: the part of the address before `@`).
    /// A person who has an account keeps their own name.
    #[serde(default)]
    #[schema(max_length = 200)]
    #[validate(length(max = 200))]
    pub display_name: String,
}

/// Invites a person by e-mail. Whether or not the address has an account, the answer is the
/// same: an invitation, sent to the address only. Its owner accepts it (signed in, or by
/// choosing a password), so nobody gains an organisation's rights through an address they do
/// not read.
pub async fn add(
    cx: &mut Cx<'_>,
    mail: &MailConfig,
    organization_id: Uuid,
    new: MemberInvitationInput,
) -> Result<Invitation, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        ensure_exists(tx, organization_id).await?;
        access::can_manage(actor, organization_id)?;
        validation::check(&new)?;
        let email = formats::normalized_email(&new.email);
        let role = new.role;
        if let Some(user) = user_repo::by_email(tx, &email).await?
            && repo::get(tx, organization_id, user.id).await?.is_some()
        {
            return Err(AppError::Conflict { detail: "the address is already a member of the organisation".into() });
        }
        // Without a name, the invitation greets the address's owner by its local part.
        let display_name = match new.display_name.trim() {
            "" => email.split('@').next().unwrap_or(&email).to_owned(),
            name => name.to_owned(),
        };
        let token = random_token()?;
        let row = InvitationRow {
            id: Uuid::now_v7(),
            organization_id,
            email: email.clone(),
            display_name,
            role: name_of(&role),
            token_hash: token_hash(&token),
            invited_by: actor.user_id(),
            expires_at: crate::domain::types::stored::now() + Duration::days(INVITATION_VALIDITY_DAYS),
            accepted_at: None,
        };
        repo::forget_spent_invitations(tx, organization_id, Utc::now() - Duration::days(SPENT_INVITATIONS_KEPT_DAYS))
            .await?;
        repo::insert_invitation(tx, &row).await?;
        let organization = organization_repo::get(tx, organization_id).await?.ok_or(AppError::NotFound)?;
        let name: LocalizedText = from_json(organization.written.name)?;
        mail::enqueue(tx, invitation_message(mail, &row, &name, &token)).await?;
        let invitation = Invitation {
            id: row.id,
            organization_id,
            email: row.email,
            display_name: row.display_name,
            role,
            expires_at: row.expires_at,
        };
        audit::record(tx, actor, "invite", Change::Created(&invitation)).await?;
        Ok(invitation)
    })
    .await
}

/// The organisation's invitations that can still be accepted (org admins).
pub async fn invitations(
    cx: &mut Cx<'_>,
    organization_id: Uuid,
    list: &ListQuery,
) -> Result<Page<Invitation, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    ensure_exists(conn, organization_id).await?;
    access::can_manage(actor, organization_id)?;
    let rows = repo::pending_invitations(conn, organization_id, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Invitation::try_from)
}

/// One invitation that was not accepted yet (org admins, platform admins).
pub async fn invitation(cx: &mut Cx<'_>, organization_id: Uuid, id: Uuid) -> Result<Invitation, AppError> {
    let (conn, actor) = cx.parts().await?;
    ensure_exists(conn, organization_id).await?;
    access::can_manage(actor, organization_id)?;
    Invitation::try_from(repo::pending_invitation(conn, organization_id, id).await?.ok_or(AppError::NotFound)?)
}

/// Revokes an invitation that was not accepted yet: its token no longer works.
pub async fn revoke_invitation(
    cx: &mut Cx<'_>,
    organization_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        ensure_exists(tx, organization_id).await?;
        access::can_manage(actor, organization_id)?;
        let row = repo::revoke_invitation(tx, organization_id, id).await?.ok_or(AppError::NotFound)?;
        // A mismatch rolls the deletion back.
        if_match.check(IMMUTABLE_VERSION)?;
        audit::record(tx, actor, "revoke", Change::Deleted(&Invitation::try_from(row)?)).await?;
        Ok(())
    })
    .await
}

/// The invitation e-mail, in Finnish and English.
fn invitation_message(mail: &MailConfig, row: &InvitationRow, organization: &LocalizedText, token: &str) -> Outgoing {
    let name = [&organization.fi, &organization.sv, &organization.en]
        .into_iter()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_default();
    let how = match &mail.invitation_url {
        Some(url) => format!("{}\n", url.replace("{token}", token)),
        None => format!(
            "POST /api/v1/invitations/{token}/accept\n\n\
             Kutsukoodi / invitation code: {token}\n"
        ),
    };
    let days = INVITATION_VALIDITY_DAYS;
    Outgoing {
        to: row.email.clone(),
        subject: format!("Kutsu: {name} / Invitation: {name}"),
        body: format!(
            "Hei {greeting},\n\n\
             sinut on kutsuttu Yhdyspinta-palveluun organisaation {name} jäseneksi. \
             Hyväksy kutsu {days} päivän kuluessa:\n\n\
             You have been invited to join {name} in Yhdyspinta. Accept within {days} days:\n\n\
             {how}\n\
             Jos sinulla on jo tunnus, kirjaudu ensin sisään. / If you have an account, sign in first.\n\
             Jos et odottanut kutsua, voit jättää viestin huomiotta. / If you did not expect this, ignore it.\n",
            greeting = row.display_name,
        ),
    }
}

/// Fails with 409 if losing `losing` would leave the organisation without an org admin;
/// `admins` are the organisation's org admins, locked.
fn keep_an_admin(admins: &[Uuid], losing: Uuid) -> Result<(), AppError> {
    if admins.iter().all(|a| *a == losing) && admins.contains(&losing) {
        return Err(AppError::Conflict {
            detail: "this is the organisation's last org admin; make someone else org admin first".into(),
        });
    }
    Ok(())
}

/// A membership's editable field.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "coordinator"}))]
pub struct MemberFields {
    pub role: Role,
}

/// Changes a member's role with a merge patch: lock, authorise, check `If-Match`, apply,
/// keep an admin, update, audit.
pub async fn update(
    cx: &mut Cx<'_>,
    organization_id: Uuid,
    user_id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Member, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        ensure_exists(tx, organization_id).await?;
        access::can_manage(actor, organization_id)?;
        // The admins first, always in this order, so concurrent demotions cannot deadlock.
        let admins = repo::lock_admins(tx, organization_id).await?;
        let before = Member::try_from(repo::lock(tx, organization_id, user_id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        let fields: MemberFields = merge_patch::apply(&MemberFields { role: before.role }, &patch)?;
        if fields.role != Role::OrgAdmin {
            keep_an_admin(&admins, user_id)?;
        }
        let after = Member::try_from(repo::set_role(tx, &before_row(&before), &name_of(&fields.role)).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

fn before_row(m: &Member) -> MemberRow {
    MemberRow {
        organization_id: m.organization_id,
        user_id: m.user_id,
        role: name_of(&m.role),
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
        email: m.email.clone(),
        display_name: m.display_name.clone(),
    }
}

pub async fn remove(cx: &mut Cx<'_>, organization_id: Uuid, user_id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        ensure_exists(tx, organization_id).await?;
        access::can_manage(actor, organization_id)?;
        let admins = repo::lock_admins(tx, organization_id).await?;
        keep_an_admin(&admins, user_id)?;
        let before = Member::try_from(repo::lock(tx, organization_id, user_id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        repo::delete(tx, organization_id, user_id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Redeeming an invitation.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "a long passphrase of my own"}))]
pub struct InvitationAcceptanceInput {
    /// The password of the new account, 12 to 1024 characters. Leave it out when accepting
    /// signed in with an account of the invited address.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    #[validate(length(max = 1024))]
    pub password: Option<String>,
}

/// What accepting an invitation did.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub user: User,
    /// Whether the account was created now.
    pub created: bool,
}

/// Tokens are 43 characters; anything longer is no token of ours.
const MAX_TOKEN_CHARS: usize = 128;

/// Redeems an invitation. Signed in, the account of the invited address joins the
/// organisation; otherwise a new account is created for the address with the given password
/// (an address that has an account must sign in). Unknown, used and expired tokens all read
/// 404. The token is looked up before anything costly; the password is hashed only for a
/// valid token, without holding a connection, and under the process-wide hashing bound.
pub async fn accept_invitation(
    cx: &mut Cx<'_>,
    limiter: &RateLimiter,
    client: Option<IpAddr>,
    token: &str,
    body: InvitationAcceptanceInput,
) -> Result<Accepted, AppError> {
    limiter.request_from(cx.conn().await?, client).await?;
    validation::check(&body)?;
    if token.len() > MAX_TOKEN_CHARS {
        return Err(AppError::NotFound);
    }
    let token_hash = token_hash(token);
    let (conn, actor) = cx.parts().await?;
    let invitation = valid(repo::invitation(conn, &token_hash, false).await?)?;
    let signed_in = match &actor.principal {
        Principal::User { id, .. } => Some(*id),
        Principal::Client { .. } => return Err(AppError::Forbidden),
        Principal::Anonymous => None,
    };
    if let Some(id) = signed_in {
        let user = User::from(user_repo::get(conn, id).await?.ok_or(AppError::NotFound)?);
        if user.email != invitation.email {
            return Err(AppError::Forbidden);
        }
        return cx
            .write(async |cx| {
                let (tx, actor) = cx.parts().await?;
                let invitation = valid(repo::invitation(tx, &token_hash, true).await?)?;
                join(tx, actor, &invitation, user.id).await?;
                Ok(Accepted { user, created: false })
            })
            .await;
    }
    if user_repo::by_email(conn, &invitation.email).await?.is_some() {
        return Err(AppError::Conflict {
            detail: "the invited address has an account: sign in and accept with your access token".into(),
        });
    }
    let password = body
        .password
        .ok_or_else(|| AppError::invalid("password", "required", "choose a password for the new account"))?;
    passwords::validate_new("password", &password).map_err(|e: FieldError| AppError::Validation(vec![e]))?;
    // Hashing is slow and needs no connection: the invitation is read again, locked, in the
    // write that follows, so this is still one transaction from the lock to the audit record.
    cx.release();
    let hash = passwords::hash_bounded(password).await?;
    let request_id = cx.request_id().map(str::to_owned);
    cx.write(async |cx| {
        let tx = cx.conn().await?;
        let invitation = valid(repo::invitation(tx, &token_hash, true).await?)?;
        if user_repo::by_email(tx, &invitation.email).await?.is_some() {
            return Err(AppError::Conflict { detail: "the invited address has an account: sign in".into() });
        }
        let row = user_repo::UserWrite {
            id: Uuid::now_v7(),
            email: invitation.email.clone(),
            display_name: invitation.display_name.clone(),
            password_hash: Some(hash),
            platform_admin: false,
        };
        let user = User::from(user_repo::insert(tx, &row).await?);
        // The new account is the actor of its own creation.
        let actor = Actor {
            principal: Principal::User { id: user.id, platform_admin: false, memberships: vec![] },
            request_id,
        };
        audit::record(tx, &actor, "accept_invitation", Change::Created(&user)).await?;
        join(tx, &actor, &invitation, user.id).await?;
        Ok(Accepted { user, created: true })
    })
    .await
}

/// The invitation, if it can still be redeemed (404 otherwise).
fn valid(invitation: Option<InvitationRow>) -> Result<InvitationRow, AppError> {
    invitation.filter(|i| i.accepted_at.is_none() && i.expires_at > Utc::now()).ok_or(AppError::NotFound)
}

/// Makes `user_id` a member as the invitation says (unless it already is one) and spends the
/// invitation.
async fn join(tx: &mut Conn, actor: &Actor, invitation: &InvitationRow, user_id: Uuid) -> Result<(), AppError> {
    if repo::get(tx, invitation.organization_id, user_id).await?.is_none() {
        repo::insert(tx, invitation.organization_id, user_id, &invitation.role).await?;
        let member =
            Member::try_from(repo::get(tx, invitation.organization_id, user_id).await?.ok_or(AppError::NotFound)?)?;
        audit::record(tx, actor, "create", Change::Created(&member)).await?;
    }
    repo::mark_invitation_accepted(tx, invitation.id).await?;
    Ok(())
}
