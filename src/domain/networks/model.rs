//! A network: its name, purpose, kind, parent, area and visibility, and its members with their
//! role and contact persons.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::audit::Audited;
use crate::domain::types::formats;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::networks::members::{MemberRow, RequestRow};
use crate::repo::networks::{NetworkRow, NetworkWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// A county's or municipality's health and wellbeing promotion network (hyte-verkosto).
    HyteNetwork,
    /// An NGO advisory board (järjestöneuvottelukunta).
    NgoAdvisoryBoard,
    /// A theme network, often under an advisory board (older people, children and families).
    ThemeNetwork,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkVisibility {
    /// Anyone sees the network, its member organisations and its meetings (not minutes,
    /// contacts or decisions).
    Public,
    /// Only member organisations' people see it.
    Members,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    Member,
    /// Its coordinators and org admins run the network: edit it, invite, approve, hold meetings.
    Coordinator,
}

/// The area a network works in: a wellbeing services county, municipalities, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"county_code": "02", "municipality_codes": ["186", "245"]}))]
pub struct NetworkArea {
    /// A wellbeing services county code (two digits).
    #[serde(default)]
    #[schema(pattern = "^[0-9]{2}$", min_length = 2, max_length = 2)]
    #[validate(custom(function = "formats::county_code"))]
    pub county_code: Option<String>,
    #[serde(default)]
    #[schema(max_items = 100, value_type = Vec<formats::schema::MunicipalityCode>)]
    #[validate(length(max = 100), custom(function = "formats::municipality_codes"))]
    pub municipality_codes: Vec<String>,
}

/// A network as its coordinators write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": {"fi": "Keusoten hyte-verkosto"},
    "purpose": {"fi": "Hyvinvoinnin ja terveyden edistämisen yhteistyö Keski-Uudellamaalla."},
    "kind": "hyte_network", "visibility": "public", "parent_network_id": null,
    "area": {"county_code": "02", "municipality_codes": []}}))]
pub struct NetworkFields {
    #[validate(nested)]
    pub name: LocalizedText,
    #[serde(default)]
    #[validate(nested)]
    pub purpose: Option<LocalizedText>,
    pub kind: NetworkKind,
    /// The network this one belongs to (a theme network of an advisory board); you coordinate
    /// both.
    #[serde(default)]
    pub parent_network_id: Option<Uuid>,
    #[serde(default)]
    #[validate(nested)]
    pub area: NetworkArea,
    pub visibility: NetworkVisibility,
    /// On creation only: the organisation that founds and first coordinates the network; you
    /// coordinate it. Default: the one organisation you coordinate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founding_organization_id: Option<Uuid>,
}

impl NetworkFields {
    /// Rules between fields, each a field error.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = self.name.line_breaks("name");
        let mut seen = std::collections::HashSet::new();
        if self.area.municipality_codes.iter().any(|c| !seen.insert(c)) {
            errors.push(FieldError::new("area.municipality_codes", "duplicate", "each municipality once"));
        }
        errors
    }

    pub fn into_row(self) -> Result<NetworkWrite, AppError> {
        Ok(NetworkWrite {
            name: to_json(&self.name)?,
            purpose: self.purpose.as_ref().map(to_json).transpose()?,
            kind: name_of(&self.kind),
            parent_network_id: self.parent_network_id,
            county_code: self.area.county_code,
            municipality_codes: self.area.municipality_codes.into_iter().map(Some).collect(),
            visibility: name_of(&self.visibility),
        })
    }
}

/// A member organisation, its role and its contact persons for the network.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct NetworkMember {
    pub organization_id: Uuid,
    pub role: NetworkRole,
    /// Contacts of the member organisation (`/api/v1/organizations/{id}/contacts/{contact_id}`).
    pub contact_ids: Vec<Uuid>,
    pub joined_at: DateTime<Utc>,
}

impl TryFrom<MemberRow> for NetworkMember {
    type Error = AppError;
    fn try_from(r: MemberRow) -> Result<Self, AppError> {
        Ok(NetworkMember {
            organization_id: r.organization_id,
            role: from_stored("network role", &r.role)?,
            contact_ids: r.contact_ids.into_iter().flatten().collect(),
            joined_at: r.joined_at,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    pub id: Uuid,
    pub fields: NetworkFields,
    pub members: Vec<NetworkMember>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Network {
    fn from_parts(r: NetworkRow, members: Vec<NetworkMember>) -> Result<Self, AppError> {
        let w = r.written;
        Ok(Network {
            id: r.id,
            fields: NetworkFields {
                name: from_json(w.name)?,
                purpose: w.purpose.map(from_json).transpose()?,
                kind: from_stored("network kind", &w.kind)?,
                parent_network_id: w.parent_network_id,
                area: NetworkArea {
                    county_code: w.county_code,
                    municipality_codes: w.municipality_codes.into_iter().flatten().collect(),
                },
                visibility: from_stored("network visibility", &w.visibility)?,
                founding_organization_id: None,
            },
            members,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }

    pub fn member_ids(&self) -> Vec<Uuid> {
        self.members.iter().map(|m| m.organization_id).collect()
    }

    pub fn coordinator_ids(&self) -> Vec<Uuid> {
        self.members.iter().filter(|m| m.role == NetworkRole::Coordinator).map(|m| m.organization_id).collect()
    }

    pub fn member(&self, organization: Uuid) -> Option<&NetworkMember> {
        self.members.iter().find(|m| m.organization_id == organization)
    }
}

impl Audited for Network {
    const RESOURCE_TYPE: &'static str = "network";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.member_ids()
    }
}

/// A network as one reader sees it: members' contact persons only for insiders.
#[derive(Clone, Debug, PartialEq)]
pub struct SeenNetwork {
    pub network: Network,
    pub insider: bool,
}

/// The networks of these rows with their members.
pub async fn with_members(conn: &mut crate::db::Conn, rows: Vec<NetworkRow>) -> Result<Vec<Network>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut members: std::collections::HashMap<Uuid, Vec<NetworkMember>> = std::collections::HashMap::new();
    for m in crate::repo::networks::members::of_networks(conn, &ids).await? {
        members.entry(m.network_id).or_default().push(NetworkMember::try_from(m)?);
    }
    rows.into_iter()
        .map(|r| {
            let mine = members.remove(&r.id).unwrap_or_default();
            Network::from_parts(r, mine)
        })
        .collect()
}

/// The network with its members, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Network, AppError> {
    let row = if for_update {
        crate::repo::networks::lock(conn, id).await?
    } else {
        crate::repo::networks::get(conn, id).await?
    };
    let row = row.ok_or(AppError::NotFound)?;
    with_members(conn, vec![row]).await?.pop().ok_or(AppError::NotFound)
}

/// Filters of the network list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NetworkQuery {
    pub kind: Option<NetworkKind>,
    /// Networks this organisation is a member of.
    pub member: Option<Uuid>,
    /// Networks under this one (theme networks of an advisory board).
    pub parent: Option<Uuid>,
    /// Networks working in this municipality (code).
    #[param(max_length = 3)]
    #[validate(length(max = 3))]
    pub municipality: Option<String>,
    /// Networks of this wellbeing services county (code).
    #[param(max_length = 2)]
    #[validate(length(max = 2))]
    pub county: Option<String>,
}

/// Whether an organisation is asked in (`invitation`) or asks in (`join_request`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRequestKind {
    Invitation,
    JoinRequest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRequestStatus {
    Pending,
    Accepted,
    Declined,
    /// The side that asked took it back.
    Withdrawn,
}

/// An invitation to a network or a request to join one.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000c1", "network_id": "01938000-0000-7000-8000-0000000000b1",
    "network_name": {"fi": "Keusoten hyte-verkosto"}, "organization_id": "01930000-0000-7000-8000-000000000003", "kind": "invitation", "role": "member",
    "status": "pending", "created_at": "2026-11-02T09:30:00Z", "decided_at": null, "version": 1}))]
pub struct MembershipRequest {
    pub id: Uuid,
    pub network_id: Uuid,
    /// The network's name, so that an organisation invited to a members-only network knows
    /// what it is asked to join before it can read the network.
    pub network_name: LocalizedText,
    pub organization_id: Uuid,
    pub kind: MembershipRequestKind,
    pub role: NetworkRole,
    pub status: MembershipRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl MembershipRequest {
    /// The request of this row, to `network`.
    pub fn of(r: RequestRow, network: &Network) -> Result<Self, AppError> {
        Ok(MembershipRequest {
            id: r.id,
            network_id: r.network_id,
            network_name: network.fields.name.clone(),
            organization_id: r.organization_id,
            kind: from_stored("membership request kind", &r.kind)?,
            role: from_stored("network role", &r.role)?,
            status: from_stored("membership request status", &r.status)?,
            created_at: r.created_at,
            decided_at: r.decided_at,
            version: r.version,
        })
    }
}

impl Audited for MembershipRequest {
    const RESOURCE_TYPE: &'static str = "network_membership_request";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

/// Invite an organisation (the network's coordinators).
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "01930000-0000-7000-8000-000000000003", "role": "member"}))]
pub struct NetworkInvitationInput {
    pub organization_id: Uuid,
    #[serde(default = "member_role")]
    pub role: NetworkRole,
}

/// Ask to join for an organisation you administer.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "01930000-0000-7000-8000-000000000003"}))]
pub struct JoinRequestInput {
    pub organization_id: Uuid,
}

fn member_role() -> NetworkRole {
    NetworkRole::Member
}

/// A member's place: its role (the network's coordinators set it) and its contact persons
/// (the member organisation names its own).
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_ids": ["01938000-0000-7000-8000-0000000000d1"]}))]
pub struct NetworkMemberInput {
    #[serde(default)]
    pub role: Option<NetworkRole>,
    /// Contacts of the member organisation, at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub contact_ids: Option<Vec<Uuid>>,
}

/// Filters of a network's invitations or join requests.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MembershipRequestQuery {
    pub status: Option<MembershipRequestStatus>,
}
