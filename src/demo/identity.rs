//! Demo users: a platform admin and an org admin, a coordinator and a member per organisation.

use uuid::Uuid;

use super::organizations::specs;
use crate::db::Conn;
use crate::domain::access::{Actor, Membership, Principal, Role, Scope};
use crate::domain::identity::passwords;
use crate::domain::identity::tokens::token_hash;
use crate::domain::types::names::name_of;
use crate::error::AppError;
use crate::repo::identity::users::{self as user_repo, MembershipRow, UserWrite};
use crate::repo::service_clients::{self as client_repo, ServiceClientWrite};

/// The password of every demo user. Demo mode only: never use it anywhere else.
pub const DEMO_PASSWORD: &str = "yhdyspinta-demo";
/// A demo service client of Keusote with `agreements:read` and `contacts:read`, for trying the
/// `client_credentials` grant. Demo mode only, like the password.
pub const DEMO_CLIENT_ID: Uuid = Uuid::from_u128(0x0193_0003_0000_7000_8000_0000_0000_0001);
pub const DEMO_CLIENT_SECRET: &str = "yhdyspinta-demo-client-secret";
/// The demo platform administrator.
pub const DEMO_ADMIN_EMAIL: &str = "admin@yhdyspinta.example";

/// A demo user of an organisation: `{prefix}@{domain}` with a role.
const DEMO_ROLES: [(&str, &str, Role, u128); 3] = [
    ("paakayttaja", "Pääkäyttäjä", Role::OrgAdmin, 1),
    ("koordinaattori", "Koordinaattori", Role::Coordinator, 2),
    ("jasen", "Jäsen", Role::Member, 3),
];

/// Demo user emails with their roles, for printing at start-up.
pub fn demo_users() -> Vec<(String, String)> {
    let mut users = vec![(DEMO_ADMIN_EMAIL.to_owned(), "platform admin".to_owned())];
    for spec in specs() {
        for (prefix, _, role, _) in DEMO_ROLES {
            users.push((format!("{prefix}@{}", spec.domain), name_of(&role)));
        }
    }
    users
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let org_ids: Vec<(Uuid, &'static str)> = specs().iter().map(|s| (s.id, s.domain)).collect();
    let hash = tokio::task::spawn_blocking(|| passwords::hash(DEMO_PASSWORD)).await.map_err(AppError::internal)??;
    let mut users = vec![UserWrite {
        id: Uuid::from_u128(0x0193_0001_0000_7000_8000_0000_0000_0000),
        email: DEMO_ADMIN_EMAIL.to_owned(),
        display_name: "Alustan ylläpitäjä".to_owned(),
        password_hash: Some(hash.clone()),
        platform_admin: true,
    }];
    let mut memberships = Vec::new();
    for (org_id, domain) in org_ids {
        for (prefix, title, role, n) in DEMO_ROLES {
            let id = demo_user_id(org_id, n);
            users.push(UserWrite {
                id,
                email: format!("{prefix}@{domain}"),
                display_name: format!("{title} ({domain})"),
                password_hash: Some(hash.clone()),
                platform_admin: false,
            });
            memberships.push(MembershipRow { organization_id: org_id, user_id: id, role: name_of(&role).to_owned() });
        }
    }
    let mut inserted = user_repo::insert_missing(conn, &users).await?;
    inserted += user_repo::insert_memberships_missing(conn, &memberships).await?;
    let client = ServiceClientWrite {
        id: DEMO_CLIENT_ID,
        name: "Keusoten raportointi (demo)".to_owned(),
        organization_id: super::ids::KEUSOTE,
        scopes: [Scope::AgreementsRead, Scope::ContactsRead].iter().map(|s| Some(name_of(s))).collect(),
        secret_hash: token_hash(DEMO_CLIENT_SECRET),
    };
    inserted += client_repo::insert_missing(conn, &[client]).await?;
    Ok(inserted)
}

/// Fixed ids of demo users: organisation number in the second-lowest byte, role in the lowest.
pub(super) fn demo_user_id(org_id: Uuid, role_number: u128) -> Uuid {
    Uuid::from_u128(0x0193_0002_0000_7000_8000_0000_0000_0000 | ((org_id.as_u128() & 0xff) << 8) | role_number)
}

pub(super) fn demo_admin() -> Actor {
    Actor {
        principal: Principal::User {
            id: Uuid::from_u128(0x0193_0001_0000_7000_8000_0000_0000_0000),
            platform_admin: true,
            memberships: vec![],
        },
        request_id: None,
    }
}

/// The demo coordinator of `org`.
pub(super) fn demo_coordinator(org: Uuid) -> Actor {
    Actor {
        principal: Principal::User {
            id: demo_user_id(org, 2),
            platform_admin: false,
            memberships: vec![Membership { organization_id: org, role: Role::Coordinator }],
        },
        request_id: None,
    }
}

/// The demo org admin of `org`, who signs for it.
pub(super) fn demo_org_admin(org: Uuid) -> Actor {
    Actor {
        principal: Principal::User {
            id: demo_user_id(org, 1),
            platform_admin: false,
            memberships: vec![Membership { organization_id: org, role: Role::OrgAdmin }],
        },
        request_id: None,
    }
}

/// The demo member of `org`.
pub(super) fn demo_member(org: Uuid) -> Actor {
    Actor {
        principal: Principal::User {
            id: demo_user_id(org, 3),
            platform_admin: false,
            memberships: vec![Membership { organization_id: org, role: Role::Member }],
        },
        request_id: None,
    }
}
