//! The venue: its kinds, address, opening hours and contact, the editable fields with their
//! rules, the row it is read from, and loading.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::db::Conn;
use crate::domain::audit::Audited;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::formats;
use crate::domain::types::images::{Image, MAX_IMAGES};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation::rule;
use crate::error::AppError;
use crate::repo::venues::bookings::BookingRow;
use crate::repo::venues::{self as repo, VenueRow, VenueWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    /// Kohtaamispaikka.
    MeetingPlace,
    /// Yhteistyöaula.
    CollaborationLobby,
    Library,
    /// Seurakuntatalo.
    ParishHall,
    /// Terveysasema.
    HealthStation,
    School,
    Other,
}

/// Accessibility features (esteettömyys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Accessibility {
    Wheelchair,
    Rollator,
    /// Induktiosilmukka.
    InductionLoop,
    AccessibleToilet,
    Parking,
    AccessibleParking,
    StepFreeEntrance,
    Elevator,
    GuideDogsWelcome,
    QuietRoom,
}

/// On what terms organisations use the premises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PremisesTerms {
    /// Free for everyone.
    Free,
    /// Free for NGOs (järjestöt); others pay `rent_amount`.
    FreeForNgos,
    /// Everyone pays `rent_amount` a booking.
    #[default]
    Rent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    #[schema(max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::single_line"))]
    pub street: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^[0-9]{5}$", max_length = 5)]
    #[validate(custom(function = "valid_postal_code"))]
    pub postal_code: Option<String>,
    /// Postitoimipaikka.
    #[serde(default)]
    #[schema(max_length = 100)]
    #[validate(length(max = 100), custom(function = "formats::single_line"))]
    pub locality: Option<String>,
    /// Municipality code of Statistics Finland; must be in the area register.
    #[schema(pattern = "^[0-9]{3}$", max_length = 3, example = "179")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality_code: String,
}

fn valid_postal_code(value: &str) -> Result<(), ValidationError> {
    if value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(rule("invalid_postal_code", "a Finnish postal code has five digits"))
    }
}

/// WGS84 coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Position {
    #[schema(minimum = -180, maximum = 180, example = 25.7473)]
    #[validate(range(min = -180.0, max = 180.0))]
    pub lon: f64,
    #[schema(minimum = -90, maximum = 90, example = 62.2426)]
    #[validate(range(min = -90.0, max = 90.0))]
    pub lat: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mo,
    Tu,
    We,
    Th,
    Fr,
    Sa,
    Su,
}

/// Open on these weekdays between `opens` and `closes`, within the validity (if given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OpeningRule {
    #[schema(min_items = 1, max_items = 7)]
    #[validate(length(min = 1, max = 7))]
    pub weekdays: Vec<Weekday>,
    #[serde(with = "required_time")]
    #[schema(value_type = String, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "09:00")]
    pub opens: NaiveTime,
    #[serde(with = "required_time")]
    #[schema(value_type = String, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "16:00")]
    pub closes: NaiveTime,
    #[serde(default)]
    #[validate(custom(function = "formats::plausible_date"))]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    #[validate(custom(function = "formats::plausible_date"))]
    pub valid_to: Option<NaiveDate>,
}

/// A day that differs from the rules: closed, or other hours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OpeningException {
    #[validate(custom(function = "formats::plausible_date"))]
    pub date: NaiveDate,
    /// Closed all day (then `opens`/`closes` are not given).
    #[serde(default)]
    pub closed: bool,
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
    pub opens: Option<NaiveTime>,
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
    pub closes: Option<NaiveTime>,
    #[serde(default)]
    #[validate(nested)]
    pub note: Option<LocalizedText>,
}

/// Weekly opening hours with exceptions (aukioloajat).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub rules: Vec<OpeningRule>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    pub exceptions: Vec<OpeningException>,
}

/// `HH:MM[:SS]`, required.
mod required_time {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        crate::domain::types::formats::local_time::serialize(&Some(*time), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        crate::domain::types::formats::local_time::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("use a 24-hour time HH:MM or HH:MM:SS, e.g. 10:00"))
    }
}

/// How to reach the venue's staff.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct VenueContact {
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    #[validate(custom(function = "formats::email"))]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 21, pattern = "^\\+?[0-9 ()-]{5,20}$")]
    #[validate(custom(function = "formats::phone"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "formats::http_url"))]
    pub website: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Venue {
    pub id: Uuid,
    pub fields: VenueFields,
    pub wellbeing_county_code: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<VenueRow> for Venue {
    type Error = AppError;
    fn try_from(r: VenueRow) -> Result<Self, AppError> {
        Ok(Venue {
            id: r.id,
            fields: VenueFields::try_from(r.written)?,
            wellbeing_county_code: r.wellbeing_county_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// The fields as stored, read back: the one conversion from columns, as `into_row` is the one
/// to them.
impl TryFrom<VenueWrite> for VenueFields {
    type Error = AppError;
    fn try_from(r: VenueWrite) -> Result<Self, AppError> {
        let position = match (r.lon, r.lat) {
            (Some(lon), Some(lat)) => Some(Position { lon, lat }),
            _ => None,
        };
        Ok(VenueFields {
            name: from_json(r.name)?,
            description: r.description.map(from_json).transpose()?,
            kind: from_stored("venue kind", &r.kind)?,
            owner_organization_id: r.owner_organization_id,
            operator_organization_id: r.operator_organization_id,
            address: Address {
                street: r.street,
                postal_code: r.postal_code,
                locality: r.locality,
                municipality_code: r.municipality_code,
            },
            position,
            accessibility: all_from_stored("accessibility", &r.accessibility)?,
            accessibility_info: r.accessibility_info.map(from_json).transpose()?,
            interpretation_services: r.interpretation_services.into_iter().flatten().collect(),
            opening_hours: from_json(r.opening_hours)?,
            capacity: r.capacity,
            premises_terms: from_stored("premises terms", &r.premises_terms)?,
            rent_amount: r.rent_cents.map(Decimal2::from_hundredths),
            contact: r.contact.map(from_json).transpose()?,
            images: from_json(r.images)?,
            external_ids: from_json(r.external_ids)?,
        })
    }
}

impl Audited for Venue {
    const RESOURCE_TYPE: &'static str = "venue";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.fields.owner_organization_id]
    }
}

/// A venue's editable fields: the body of a create, and what a merge patch edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": {"fi": "Kohtaamispaikka Olotila"}, "kind": "meeting_place",
    "owner_organization_id": "01930000-0000-7000-8000-00000000000b",
    "address": {"street": "Kauppakatu 1", "postal_code": "40100", "locality": "Jyväskylä", "municipality_code": "179"},
    "position": {"lon": 25.7473, "lat": 62.2426}, "accessibility": ["wheelchair", "induction_loop"],
    "premises_terms": "free_for_ngos", "rent_amount": "40.00", "capacity": 40,
    "opening_hours": {"rules": [{"weekdays": ["mo", "tu", "we", "th"], "opens": "09:00", "closes": "16:00"}],
                      "exceptions": [{"date": "2026-12-24", "closed": true}]}}))]
pub struct VenueFields {
    #[validate(nested)]
    pub name: LocalizedText,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    pub kind: VenueKind,
    /// Owns the venue record; its coordinators and org admins keep it.
    pub owner_organization_id: Uuid,
    /// Runs the premises day to day (information only).
    #[serde(default)]
    pub operator_organization_id: Option<Uuid>,
    #[validate(nested)]
    pub address: Address,
    #[serde(default)]
    #[validate(nested)]
    pub position: Option<Position>,
    #[serde(default)]
    #[schema(max_items = 10)]
    #[validate(length(max = 10))]
    pub accessibility: Vec<Accessibility>,
    /// Accessibility in words (steps, doors, distances).
    #[serde(default)]
    #[validate(nested)]
    pub accessibility_info: Option<LocalizedText>,
    /// Interpretation available on the premises, e.g. `remote_interpreting`, `sign_language`.
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 20), custom(function = "formats::tags"))]
    pub interpretation_services: Vec<String>,
    #[serde(default)]
    #[validate(nested)]
    pub opening_hours: OpeningHours,
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100_000))]
    pub capacity: Option<i32>,
    #[serde(default)]
    pub premises_terms: PremisesTerms,
    /// Rent of one booking in euros, for those who pay under `premises_terms`; without it a
    /// booking is charged nothing here (the rent is agreed elsewhere).
    #[serde(default)]
    pub rent_amount: Option<Decimal2>,
    #[serde(default)]
    #[validate(nested)]
    pub contact: Option<VenueContact>,
    #[serde(default)]
    #[schema(max_items = 10)]
    #[validate(length(max = "MAX_IMAGES"), nested)]
    pub images: Vec<Image>,
    /// Identifiers in outside registers, e.g. `{"ptv": "…", "lahella": "…"}`.
    #[serde(default)]
    #[schema(value_type = formats::schema::ExternalIds)]
    #[validate(custom(function = "formats::external_ids"))]
    pub external_ids: BTreeMap<String, String>,
}

impl VenueFields {
    /// Rules between fields, each a field error.
    pub(crate) fn rules(&self) -> Vec<crate::error::FieldError> {
        let mut errors = Vec::new();
        for (i, r) in self.opening_hours.rules.iter().enumerate() {
            if r.closes <= r.opens {
                errors.push((format!("opening_hours.rules[{i}].closes"), "before_opening", "closes after it opens"));
            }
            if let (Some(from), Some(to)) = (r.valid_from, r.valid_to)
                && to < from
            {
                errors.push((format!("opening_hours.rules[{i}].valid_to"), "before_start", "ends before it starts"));
            }
        }
        for (i, e) in self.opening_hours.exceptions.iter().enumerate() {
            let hours = (e.opens, e.closes);
            match (e.closed, hours) {
                (true, (None, None)) => {}
                (true, _) => errors.push((
                    format!("opening_hours.exceptions[{i}].closed"),
                    "closed_with_hours",
                    "a closed day has no hours",
                )),
                (false, (Some(o), Some(c))) if c > o => {}
                (false, _) => errors.push((
                    format!("opening_hours.exceptions[{i}].closes"),
                    "missing_hours",
                    "give opens and closes (closes after opens), or closed: true",
                )),
            }
        }
        let mut errors: Vec<_> = errors.into_iter().map(|(f, c, m)| crate::error::FieldError::new(f, c, m)).collect();
        errors.extend(self.name.line_breaks("name"));
        errors
    }

    pub(crate) fn into_row(self) -> Result<VenueWrite, AppError> {
        Ok(VenueWrite {
            name: to_json(&self.name)?,
            description: self.description.as_ref().map(to_json).transpose()?,
            kind: name_of(&self.kind),
            owner_organization_id: self.owner_organization_id,
            operator_organization_id: self.operator_organization_id,
            street: self.address.street.map(|s| s.trim().to_owned()),
            postal_code: self.address.postal_code,
            locality: self.address.locality.map(|s| s.trim().to_owned()),
            municipality_code: self.address.municipality_code,
            lon: self.position.map(|p| p.lon),
            lat: self.position.map(|p| p.lat),
            accessibility: {
                let mut codes: Vec<_> = self.accessibility.iter().map(name_of).collect();
                codes.sort();
                codes.dedup();
                codes.into_iter().map(Some).collect()
            },
            accessibility_info: self.accessibility_info.as_ref().map(to_json).transpose()?,
            interpretation_services: self.interpretation_services.into_iter().map(Some).collect(),
            opening_hours: to_json(&self.opening_hours)?,
            capacity: self.capacity,
            premises_terms: name_of(&self.premises_terms),
            rent_cents: self.rent_amount.map(Decimal2::hundredths),
            contact: self.contact.as_ref().map(to_json).transpose()?,
            images: to_json(&self.images)?,
            external_ids: to_json(&self.external_ids)?,
        })
    }
}

/// Filters of the venue list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VenueQuery {
    /// Only venues in this municipality (three-digit code).
    #[param(example = "179", pattern = "^[0-9]{3}$")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality: Option<String>,
    /// Only venues in this wellbeing services county (two-digit code).
    #[param(example = "15", pattern = "^[0-9]{2}$")]
    #[validate(custom(function = "formats::county_code"))]
    pub wellbeing_county: Option<String>,
    pub kind: Option<VenueKind>,
    /// Owned by this organisation. (An operator is named by the owner without the operator's
    /// say, so naming one does not list the venue under it.)
    pub organization: Option<Uuid>,
    /// Comma-separated accessibility codes; a venue must have all of them.
    #[param(example = "wheelchair,induction_loop", max_length = 300)]
    #[validate(length(max = 300))]
    pub accessibility: Option<String>,
    /// `west,south,east,north` in WGS84 degrees.
    #[param(example = "25.6,62.1,25.9,62.4", max_length = 200)]
    #[validate(length(max = 200))]
    pub bbox: Option<String>,
    /// `lon,lat`: only venues within `radius_m` of this point, nearest first.
    #[param(example = "25.7473,62.2426", max_length = 100)]
    #[validate(length(max = 100))]
    pub near: Option<String>,
    /// Radius for `near` in metres, 1–500,000 (default 5,000).
    #[param(minimum = 1, maximum = 500000)]
    pub radius_m: Option<i64>,
    /// Words to look for in the names; each word matches as a prefix.
    #[param(example = "olotila", max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

/// The venue, locked for the rest of the transaction when `locked`.
pub async fn load(conn: &mut Conn, id: Uuid, locked: bool) -> Result<Venue, AppError> {
    let row = if locked { repo::lock(conn, id).await? } else { repo::get(conn, id).await? };
    row.ok_or(AppError::NotFound).and_then(Venue::try_from)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Booking {
    pub id: Uuid,
    pub venue_id: Uuid,
    pub organization_id: Uuid,
    pub occurrence_id: Option<Uuid>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    pub rent: Decimal2,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<BookingRow> for Booking {
    type Error = AppError;
    fn try_from(r: BookingRow) -> Result<Self, AppError> {
        Ok(Booking {
            id: r.written.id,
            venue_id: r.written.venue_id,
            organization_id: r.written.organization_id,
            occurrence_id: r.written.occurrence_id,
            start: r.written.starts_at,
            end: r.written.ends_at,
            status: from_stored("booking status", &r.status)?,
            rent: Decimal2::from_hundredths(r.written.rent_cents),
            note: r.written.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Booking {
    const RESOURCE_TYPE: &'static str = "venue_booking";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

/// The venues with these ids that exist, by id, read in one query (each id once).
pub async fn by_id(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, Venue>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut venues = std::collections::HashMap::new();
    for row in repo::get_many(conn, &ids).await? {
        let venue = Venue::try_from(row)?;
        venues.insert(venue.id, venue);
    }
    Ok(venues)
}
