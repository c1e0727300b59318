//! Demo data modelled on the operating models the service supports: Pirkanmaa (Tampere and
//! the Hervanta health station), Keski-Suomi (meeting-place activity), Keski-Uusimaa
//! (Keusote's health-promotion network), with NGOs and a parish. Organisations are real
//! public bodies or fictional associations; every detail (IDs, addresses, numbers) is made up.
//!
//! Each organisation has three demo users (`paakayttaja@`, `koordinaattori@`, `jasen@` its
//! domain: org admin, coordinator, member) and there is one platform admin
//! (`admin@yhdyspinta.example`), all with the password [`DEMO_PASSWORD`].
//!
//! Seeding is idempotent: fixed ids, and rows that exist already are left as they are.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::Role;
use crate::domain::localized::LocalizedText;
use crate::domain::organizations::{self, NewOrganization, OrganizationKind};
use crate::domain::passwords;
use crate::error::AppError;
use crate::repo::users::{self as user_repo, MembershipRow, NewUserRow};

/// Fixed ids of the demo organisations, for tests and documentation.
pub mod ids {
    use uuid::Uuid;

    const fn id(n: u128) -> Uuid {
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | n)
    }
    pub const PIRKANMAA_COUNTY: Uuid = id(0x01);
    pub const TAMPERE: Uuid = id(0x02);
    pub const HERVANTA_HEALTH_STATION: Uuid = id(0x03);
    pub const KESKI_SUOMI_COUNTY: Uuid = id(0x04);
    pub const JYVASKYLA: Uuid = id(0x05);
    pub const AANEKOSKI: Uuid = id(0x06);
    pub const LAUKAA: Uuid = id(0x07);
    pub const KEUSOTE: Uuid = id(0x08);
    pub const HYVINKAA: Uuid = id(0x09);
    pub const JARVENPAA: Uuid = id(0x0a);
    pub const TUUSULA: Uuid = id(0x0b);
    pub const SENIORIKAMMARI: Uuid = id(0x0c);
    pub const KOHTAAMISPAIKAT: Uuid = id(0x0d);
    pub const HYVA_ARKI: Uuid = id(0x0e);
    pub const NAAPURIAPU: Uuid = id(0x0f);
    pub const JYVASKYLA_PARISH: Uuid = id(0x10);
    pub const OMAISHOITAJAT: Uuid = id(0x11);
}

struct Spec {
    id: Uuid,
    kind: OrganizationKind,
    fi: &'static str,
    sv: Option<&'static str>,
    business_id: &'static str,
    parent: Option<Uuid>,
    municipalities: &'static [&'static str],
    county: &'static str,
    description: &'static str,
    domain: &'static str,
}

const PIRKANMAA: &[&str] = &["837", "211", "536", "980", "604", "418"];
const KESKI_SUOMI: &[&str] = &["179", "992", "410", "500"];
const KESKI_UUSIMAA: &[&str] = &["106", "186", "505", "543", "611", "858"];

fn specs() -> Vec<Spec> {
    use OrganizationKind::*;
    use ids::*;
    vec![
        Spec {
            id: PIRKANMAA_COUNTY,
            kind: WellbeingServicesCounty,
            fi: "Pirkanmaan hyvinvointialue",
            sv: Some("Birkalands välfärdsområde"),
            business_id: "2960001-8",
            parent: None,
            municipalities: PIRKANMAA,
            county: "08",
            description: "Sosiaali-, terveys- ja pelastuspalvelut Pirkanmaalla; alueelliset yhteistyöaulat yhdessä kaupunkien ja järjestöjen kanssa.",
            domain: "pirha.example",
        },
        Spec {
            id: TAMPERE,
            kind: Municipality,
            fi: "Tampereen kaupunki",
            sv: Some("Tammerfors stad"),
            business_id: "2960038-4",
            parent: None,
            municipalities: &["837"],
            county: "08",
            description: "Hyvinvoinnin ja terveyden edistäminen, asukastilat ja yhteistyöaulat.",
            domain: "tampere.example",
        },
        Spec {
            id: HERVANTA_HEALTH_STATION,
            kind: WellbeingServicesCounty,
            fi: "Hervannan sosiaali- ja terveysasema",
            sv: None,
            business_id: "2960075-5",
            parent: Some(PIRKANMAA_COUNTY),
            municipalities: &["837"],
            county: "08",
            description: "Terveysasema, jonka henkilöstö kehittää yhteistyötä järjestöjen kanssa hukka- ja ratkaisupajoissa.",
            domain: "hervanta.pirha.example",
        },
        Spec {
            id: KESKI_SUOMI_COUNTY,
            kind: WellbeingServicesCounty,
            fi: "Keski-Suomen hyvinvointialue",
            sv: Some("Mellersta Finlands välfärdsområde"),
            business_id: "2960112-5",
            parent: None,
            municipalities: KESKI_SUOMI,
            county: "15",
            description: "Kohtaamispaikkatoiminnan taustaorganisaatio yhdessä kuntien ja kolmannen sektorin kanssa.",
            domain: "hyvaks.example",
        },
        Spec {
            id: JYVASKYLA,
            kind: Municipality,
            fi: "Jyväskylän kaupunki",
            sv: Some("Jyväskylä stad"),
            business_id: "2960149-1",
            parent: None,
            municipalities: &["179"],
            county: "15",
            description: "Kohtaamispaikkojen tilat ja kaupungin hyte-työ.",
            domain: "jyvaskyla.example",
        },
        Spec {
            id: AANEKOSKI,
            kind: Municipality,
            fi: "Äänekosken kaupunki",
            sv: None,
            business_id: "2960186-2",
            parent: None,
            municipalities: &["992"],
            county: "15",
            description: "Kaupungin hyvinvointipalvelut ja järjestöyhteistyö.",
            domain: "aanekoski.example",
        },
        Spec {
            id: LAUKAA,
            kind: Municipality,
            fi: "Laukaan kunta",
            sv: Some("Laukas kommun"),
            business_id: "2960223-2",
            parent: None,
            municipalities: &["410"],
            county: "15",
            description: "Kunnan vapaa-aikapalvelut ja kohtaamispaikan tilat kirjastossa.",
            domain: "laukaa.example",
        },
        Spec {
            id: KEUSOTE,
            kind: WellbeingServicesCounty,
            fi: "Keski-Uudenmaan hyvinvointialue",
            sv: Some("Mellersta Nylands välfärdsområde"),
            business_id: "2960260-3",
            parent: None,
            municipalities: KESKI_UUSIMAA,
            county: "02",
            description: "Keusote: ikäihmisten terveyden edistämisen verkosto, järjestöneuvottelukunta ja ilmiöpajat.",
            domain: "keusote.example",
        },
        Spec {
            id: HYVINKAA,
            kind: Municipality,
            fi: "Hyvinkään kaupunki",
            sv: Some("Hyvinge stad"),
            business_id: "2960371-0",
            parent: None,
            municipalities: &["106"],
            county: "02",
            description: "Kaupungin hyte-koordinaatio ja järjestöjen maksuttomat tilat.",
            domain: "hyvinkaa.example",
        },
        Spec {
            id: JARVENPAA,
            kind: Municipality,
            fi: "Järvenpään kaupunki",
            sv: Some("Träskända stad"),
            business_id: "2960408-6",
            parent: None,
            municipalities: &["186"],
            county: "02",
            description: "Kaupungin hyvinvointipalvelut.",
            domain: "jarvenpaa.example",
        },
        Spec {
            id: TUUSULA,
            kind: Municipality,
            fi: "Tuusulan kunta",
            sv: Some("Tusby kommun"),
            business_id: "2960445-7",
            parent: None,
            municipalities: &["858"],
            county: "02",
            description: "Kunnan hyvinvointi- ja vapaa-aikapalvelut.",
            domain: "tuusula.example",
        },
        Spec {
            id: SENIORIKAMMARI,
            kind: Ngo,
            fi: "Jyväskylän Seniorikammari ry",
            sv: None,
            business_id: "2960482-8",
            parent: None,
            municipalities: &["179"],
            county: "15",
            description: "Ikääntyneiden kohtaamispaikka ja kahvila, vertaisohjaajien ryhmät.",
            domain: "seniorikammari.example",
        },
        Spec {
            id: KOHTAAMISPAIKAT,
            kind: Ngo,
            fi: "Keski-Suomen Kohtaamispaikat ry",
            sv: None,
            business_id: "2960519-3",
            parent: None,
            municipalities: KESKI_SUOMI,
            county: "15",
            description: "Järjestöjen yhteinen kohtaamispaikkaverkosto ja alueellinen viestintä.",
            domain: "kohtaamispaikat.example",
        },
        Spec {
            id: HYVA_ARKI,
            kind: Ngo,
            fi: "Tuusulanjärven Hyvä Arki ry",
            sv: None,
            business_id: "2960556-4",
            parent: None,
            municipalities: &["858", "186"],
            county: "02",
            description: "Avustettu järjestö: liikuntaryhmät ja yksinäisyyttä vähentävä toiminta ikäihmisille.",
            domain: "hyvaarki.example",
        },
        Spec {
            id: NAAPURIAPU,
            kind: Ngo,
            fi: "Hervannan Naapuriapu ry",
            sv: None,
            business_id: "2960593-5",
            parent: None,
            municipalities: &["837"],
            county: "08",
            description: "Asukaskahvila yhteistyöaulassa ja naapuriapua Hervannassa.",
            domain: "naapuriapu.example",
        },
        Spec {
            id: JYVASKYLA_PARISH,
            kind: Parish,
            fi: "Jyväskylän seurakunta",
            sv: None,
            business_id: "2960630-5",
            parent: None,
            municipalities: &["179"],
            county: "15",
            description: "Diakoniatyö ja kohtaamispaikan vapaaehtoiset.",
            domain: "seurakunta.example",
        },
        Spec {
            id: OMAISHOITAJAT,
            kind: Ngo,
            fi: "Järvenpään Omaishoitajat ry",
            sv: None,
            business_id: "2960667-1",
            parent: None,
            municipalities: &["186"],
            county: "02",
            description: "Omaishoitajien vertaistuki ja virkistys.",
            domain: "omaishoitajat.example",
        },
    ]
}

fn new_organization(s: Spec) -> NewOrganization {
    NewOrganization {
        id: s.id,
        name: LocalizedText { fi: Some(s.fi.to_owned()), sv: s.sv.map(str::to_owned), en: None },
        kind: s.kind,
        business_id: Some(s.business_id.to_owned()),
        parent_id: s.parent,
        municipality_codes: s.municipalities.iter().map(|c| (*c).to_owned()).collect(),
        wellbeing_county_code: Some(s.county.to_owned()),
        description: Some(LocalizedText::fi(s.description)),
        website: Some(format!("https://www.{}", s.domain)),
        email: Some(format!("info@{}", s.domain)),
        phone: Some("+358 40 000 0000".to_owned()),
        external_ids: BTreeMap::new(),
    }
}

/// The password of every demo user. Demo mode only: never use it anywhere else.
pub const DEMO_PASSWORD: &str = "yhdyspinta-demo";
/// The demo platform administrator.
pub const DEMO_ADMIN_EMAIL: &str = "admin@yhdyspinta.example";

/// A demo user of an organisation: `{prefix}@{domain}` with a role.
const DEMO_ROLES: [(&str, &str, Role, u128); 3] = [
    ("paakayttaja", "Pääkäyttäjä", Role::OrgAdmin, 1),
    ("koordinaattori", "Koordinaattori", Role::Coordinator, 2),
    ("jasen", "Jäsen", Role::Member, 3),
];

/// Demo user emails with their roles, for printing at start-up.
pub fn demo_users() -> Vec<(String, &'static str)> {
    let mut users = vec![(DEMO_ADMIN_EMAIL.to_owned(), "platform admin")];
    for spec in specs() {
        for (prefix, _, role, _) in DEMO_ROLES {
            users.push((format!("{prefix}@{}", spec.domain), role.as_str()));
        }
    }
    users
}

/// Loads the demo data; returns how many rows were inserted (0 when already loaded).
pub async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let specs = specs();
    let org_ids: Vec<(Uuid, &'static str)> = specs.iter().map(|s| (s.id, s.domain)).collect();
    let mut inserted = organizations::insert_missing(conn, specs.into_iter().map(new_organization).collect()).await?;

    let hash = tokio::task::spawn_blocking(|| passwords::hash(DEMO_PASSWORD)).await.map_err(AppError::internal)??;
    let mut users = vec![NewUserRow {
        id: Uuid::from_u128(0x0193_0001_0000_7000_8000_0000_0000_0000),
        email: DEMO_ADMIN_EMAIL.to_owned(),
        display_name: "Alustan ylläpitäjä".to_owned(),
        password_hash: Some(hash.clone()),
        platform_admin: true,
    }];
    let mut memberships = Vec::new();
    for (org_id, domain) in org_ids {
        for (prefix, title, role, n) in DEMO_ROLES {
            // Fixed ids: organisation number in the second-lowest byte, role in the lowest.
            let id = Uuid::from_u128(0x0193_0002_0000_7000_8000_0000_0000_0000 | ((org_id.as_u128() & 0xff) << 8) | n);
            users.push(NewUserRow {
                id,
                email: format!("{prefix}@{domain}"),
                display_name: format!("{title} ({domain})"),
                password_hash: Some(hash.clone()),
                platform_admin: false,
            });
            memberships.push(MembershipRow { organization_id: org_id, user_id: id, role: role.as_str().to_owned() });
        }
    }
    inserted += user_repo::insert_missing(conn, &users).await?;
    inserted += user_repo::insert_memberships_missing(conn, &memberships).await?;
    Ok(inserted)
}
