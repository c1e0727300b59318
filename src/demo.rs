//! Demo data modelled on the operating models the service supports: Pirkanmaa (Tampere and
//! the Hervanta health station), Keski-Suomi (meeting-place activity), Keski-Uusimaa
//! (Keusote's health-promotion network), with NGOs and a parish, their contact persons, and
//! two partnership agreements. Organisations are real
//! public bodies or fictional associations; every detail (IDs, addresses, numbers) is made up.
//!
//! Each organisation has three demo users (`paakayttaja@`, `koordinaattori@`, `jasen@` its
//! domain: org admin, coordinator, member) and there is one platform admin
//! (`admin@yhdyspinta.example`), all with the password [`DEMO_PASSWORD`].
//!
//! Seeding is idempotent: fixed ids, and rows that exist already are left as they are.

use std::collections::BTreeMap;

use uuid::Uuid;

use chrono::NaiveDate;
use diesel_async::AsyncConnection;

use crate::db::Conn;
use crate::domain::access::{Actor, Membership, Principal, Role};
use crate::domain::agreement_reviews::{self, ReviewDecision, ReviewInput, ReviewOutcome};
use crate::domain::agreements::{
    self, AgreementContent, AgreementVisibility, AmountPeriod, CiPrinciple, CostBasis, CostCategory, CostItem,
    ExtraSection, GroundRules, NewSignature, Party, PartyRole, Period, Principle, Review, Share, SignatureMethod,
    Status, Task,
};
use crate::domain::contacts::{self, ContactDetails, Visibility};
use crate::domain::decimal::Decimal2;
use crate::domain::localized::LocalizedText;
use crate::domain::organizations::{self, NewOrganization, OrganizationKind};
use crate::domain::passwords;
use crate::error::AppError;
use crate::repo::agreements as agreement_repo;
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
            let id = demo_user_id(org_id, n);
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
    inserted += seed_agreements(conn).await?;
    Ok(inserted)
}

/// Fixed ids of demo users: organisation number in the second-lowest byte, role in the lowest.
fn demo_user_id(org_id: Uuid, role_number: u128) -> Uuid {
    Uuid::from_u128(0x0193_0002_0000_7000_8000_0000_0000_0000 | ((org_id.as_u128() & 0xff) << 8) | role_number)
}

fn demo_admin() -> Actor {
    Actor {
        principal: Principal::User {
            id: Uuid::from_u128(0x0193_0001_0000_7000_8000_0000_0000_0000),
            platform_admin: true,
            memberships: vec![],
        },
        request_id: None,
    }
}

/// The demo org admin of `org`, who signs for it.
fn demo_org_admin(org: Uuid) -> Actor {
    Actor {
        principal: Principal::User {
            id: demo_user_id(org, 1),
            platform_admin: false,
            memberships: vec![Membership { organization_id: org, role: Role::OrgAdmin }],
        },
        request_id: None,
    }
}

fn fi(text: &str) -> LocalizedText {
    LocalizedText::fi(text)
}

fn party(org: Uuid, roles: &[PartyRole], contact_ids: Vec<Uuid>) -> Party {
    Party { organization_id: org, roles: roles.to_vec(), must_sign: true, contact_ids }
}

fn percent(org: Uuid, value: &str) -> Share {
    Share { organization_id: org, percent: Decimal2::parse(value), amount: None }
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| AppError::internal("demo date"))
}

async fn demo_contact(conn: &mut Conn, org: Uuid, name: &str, title: &str, topics: &[&str]) -> Result<Uuid, AppError> {
    let details = ContactDetails {
        name: name.into(),
        title: Some(title.into()),
        email: None,
        phone: None,
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        languages: vec!["fi".into()],
        user_id: None,
        visibility: Visibility::Members,
    };
    Ok(contacts::create(conn, &demo_admin(), org, details).await?.id)
}

fn meeting_place_agreement(contacts: (Uuid, Uuid)) -> Result<AgreementContent, AppError> {
    use ids::*;
    let principle =
        |p: Principle, text: &str| CiPrinciple { principle: p, commitment: fi(text), evidence_links: vec![] };
    Ok(AgreementContent {
        code: "KS-2026-014".into(),
        title: LocalizedText::fi_sv(
            "Kohtaamispaikan kumppanuussopimus, Jyväskylä",
            "Partnerskapsavtal för mötesplatsen, Jyväskylä",
        ),
        purpose: fi("Ikääntyneiden yksinäisyyden vähentäminen ja palveluohjaus matalan kynnyksen kohtaamispaikassa."),
        period: Period {
            start_date: date(2026, 1, 1)?,
            end_date: date(2027, 12, 31)?,
            max_extension_date: Some(date(2028, 12, 31)?),
        },
        visibility: AgreementVisibility::Public,
        parties: vec![
            party(KESKI_SUOMI_COUNTY, &[PartyRole::Backbone, PartyRole::Funder], vec![contacts.0]),
            party(JYVASKYLA, &[PartyRole::PremisesHost, PartyRole::Partner], vec![]),
            party(SENIORIKAMMARI, &[PartyRole::Partner], vec![contacts.1]),
            party(KOHTAAMISPAIKAT, &[PartyRole::Partner], vec![]),
            party(JYVASKYLA_PARISH, &[PartyRole::Partner], vec![]),
        ],
        tasks: vec![
            Task {
                description: fi("Kohtaamispaikan kahvila tiistaisin ja torstaisin"),
                responsible_party_ids: vec![SENIORIKAMMARI],
                event_series_id: None,
                indicator_id: None,
            },
            Task {
                description: fi("Palveluohjaus ja sosiaaliohjaajan vastaanotto kerran viikossa"),
                responsible_party_ids: vec![KESKI_SUOMI_COUNTY],
                event_series_id: None,
                indicator_id: None,
            },
            Task {
                description: fi("Tilat, siivous ja avaimet"),
                responsible_party_ids: vec![JYVASKYLA],
                event_series_id: None,
                indicator_id: None,
            },
            Task {
                description: fi("Vapaaehtoisten vertaisohjaajien koulutus"),
                responsible_party_ids: vec![KOHTAAMISPAIKAT, JYVASKYLA_PARISH],
                event_series_id: None,
                indicator_id: None,
            },
        ],
        ground_rules: GroundRules {
            contact_persons: Some(fi(
                "Jokaisella osapuolella on nimetty yhdyshenkilö; muutoksista ilmoitetaan yhteiseen tiedostoon.",
            )),
            meetings_and_development: Some(fi(
                "Yhteistyöpalaveri pidetään vähintään kerran vuodessa ja kehittämistyöpaja keväisin.",
            )),
            agreeing_and_changes: Some(fi(
                "Muutoksista sovitaan kirjallisesti; uudet työntekijät ja vapaaehtoiset perehdytetään pelisääntöihin.",
            )),
            premises_use: Some(fi("Kohtaamispaikan tilat ovat järjestöjen käytössä maksutta arkisin klo 9–16.")),
            extra: vec![ExtraSection {
                title: fi("Viestintä"),
                text: fi("Tapahtumat julkaistaan alueellisessa tapahtumakalenterissa."),
            }],
        },
        ci_principles: vec![
            principle(Principle::CommonAgenda, "Yhteinen tavoite: ikääntyneiden yksinäisyyden väheneminen."),
            principle(
                Principle::SharedMeasurement,
                "Kävijämäärät ja koettu yksinäisyys mitataan yhteisellä kyselyllä kahdesti vuodessa.",
            ),
            principle(
                Principle::MutuallyReinforcingActivities,
                "Kahvila, palveluohjaus ja vertaisryhmät tukevat toisiaan.",
            ),
            principle(
                Principle::ContinuousCommunication,
                "Kuukausittainen yhdyshenkilöpalaveri ja yhteinen suunnittelutiedosto.",
            ),
            principle(Principle::BackboneSupport, "Hyvinvointialue koordinoi ja vastaa yhteisestä viestinnästä."),
        ],
        cost_sharing: vec![
            CostItem {
                category: CostCategory::Rent,
                basis: CostBasis::Percentage,
                amount: Decimal2::parse("9600"),
                amount_period: Some(AmountPeriod::Annual),
                description: Some(fi("Kohtaamispaikan vuokra")),
                shares: vec![percent(KESKI_SUOMI_COUNTY, "50"), percent(JYVASKYLA, "50")],
            },
            CostItem {
                category: CostCategory::Refreshments,
                basis: CostBasis::Percentage,
                amount: Decimal2::parse("35"),
                amount_period: Some(AmountPeriod::PerEvent),
                description: Some(fi("Kahvitarjoilu")),
                shares: vec![
                    percent(SENIORIKAMMARI, "40"),
                    percent(KOHTAAMISPAIKAT, "30"),
                    percent(JYVASKYLA_PARISH, "30"),
                ],
            },
        ],
        review: Review { cycle_months: 12, next_due: Some(date(2026, 11, 10)?) },
    })
}

fn keusote_agreement(contact: Uuid) -> Result<AgreementContent, AppError> {
    use ids::*;
    Ok(AgreementContent {
        code: "KU-2026-003".into(),
        title: fi("Kumppanuussopimus: ikäihmisten liikuntaryhmät Tuusulassa"),
        purpose: fi("Ikäihmisten toimintakyvyn ja osallisuuden tukeminen avustetun järjestön ryhmillä."),
        period: Period { start_date: date(2027, 1, 1)?, end_date: date(2027, 12, 31)?, max_extension_date: None },
        visibility: AgreementVisibility::Parties,
        parties: vec![
            party(KEUSOTE, &[PartyRole::Backbone, PartyRole::Funder], vec![]),
            party(TUUSULA, &[PartyRole::PremisesHost], vec![]),
            party(HYVA_ARKI, &[PartyRole::SubsidisedNgo], vec![contact]),
        ],
        tasks: vec![
            Task {
                description: fi("Kaksi viikoittaista tuolijumpparyhmää"),
                responsible_party_ids: vec![HYVA_ARKI],
                event_series_id: None,
                indicator_id: None,
            },
            Task {
                description: fi("Maksuttomat tilat järjestön ryhmille"),
                responsible_party_ids: vec![TUUSULA],
                event_series_id: None,
                indicator_id: None,
            },
            Task {
                description: fi("Järjestöavustus ja järjestöneuvottelukunnan yhteydenpito"),
                responsible_party_ids: vec![KEUSOTE],
                event_series_id: None,
                indicator_id: None,
            },
        ],
        ground_rules: GroundRules {
            contact_persons: Some(fi("Yhdyshenkilöt hyvinvointialueella, kunnassa ja järjestössä.")),
            meetings_and_development: Some(fi("Järjestöneuvottelukunta kokoontuu neljästi vuodessa.")),
            agreeing_and_changes: Some(fi("Avustuksen käytöstä raportoidaan vuosittain.")),
            premises_use: Some(fi("Kunta tarjoaa tilat maksutta.")),
            extra: vec![],
        },
        ci_principles: vec![CiPrinciple {
            principle: Principle::CommonAgenda,
            commitment: fi("Ikäihmisten terveyden edistämisen verkoston yhteinen tavoite."),
            evidence_links: vec![],
        }],
        cost_sharing: vec![CostItem {
            category: CostCategory::Materials,
            basis: CostBasis::Fixed,
            amount: Decimal2::parse("1200"),
            amount_period: Some(AmountPeriod::Annual),
            description: Some(fi("Ryhmien välineet")),
            shares: vec![
                Share { organization_id: KEUSOTE, percent: None, amount: Decimal2::parse("1000") },
                Share { organization_id: HYVA_ARKI, percent: None, amount: Decimal2::parse("200") },
            ],
        }],
        review: Review::default(),
    })
}

/// The demo agreements, through the same domain functions as the API: the Keski-Suomi
/// meeting-place agreement signed by every party and reviewed, and Keusote's agreement with a
/// subsidised NGO in negotiation. Skipped when their codes exist.
async fn seed_agreements(conn: &mut Conn) -> Result<usize, AppError> {
    use ids::*;
    if agreement_repo::id_by_code(conn, "KS-2026-014").await?.is_some() {
        return Ok(0);
    }
    conn.transaction(async |tx| {
        let admin = demo_admin();
        let county_contact = demo_contact(
            tx,
            KESKI_SUOMI_COUNTY,
            "Kaisa Koordinaattori",
            "Yhteisösuunnittelija",
            &["ngo-collaboration"],
        )
        .await?;
        let ngo_contact =
            demo_contact(tx, SENIORIKAMMARI, "Pekka Puheenjohtaja", "Puheenjohtaja", &["premises"]).await?;
        let keusote_contact =
            demo_contact(tx, HYVA_ARKI, "Tiina Toiminnanjohtaja", "Toiminnanjohtaja", &["ngo-collaboration"]).await?;

        let meeting_place =
            agreements::create(tx, &admin, meeting_place_agreement((county_contact, ngo_contact))?).await?;
        agreements::transition(tx, &admin, meeting_place.id, Status::Negotiation, Some("Luonnos osapuolille".into()))
            .await?;
        agreements::transition(
            tx,
            &admin,
            meeting_place.id,
            Status::AwaitingSignatures,
            Some("Allekirjoitettavaksi".into()),
        )
        .await?;
        let version = agreements::version(tx, &admin, meeting_place.id, 1).await?;
        for org in [KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI, KOHTAAMISPAIKAT, JYVASKYLA_PARISH] {
            let signature = NewSignature {
                organization_id: Some(org),
                content_hash: version.content_hash.clone(),
                signatory_name: "Demo Allekirjoittaja".into(),
                signatory_title: "Pääkäyttäjä".into(),
                method: SignatureMethod::BoardDecision,
                decision_ref: Some("Hallitus 15.12.2025 §7".into()),
            };
            agreements::sign(tx, &demo_org_admin(org), meeting_place.id, 1, signature).await?;
        }
        let review = ReviewInput {
            scheduled_date: date(2026, 11, 10)?,
            held_on: Some(date(2026, 11, 10)?),
            participant_organization_ids: vec![KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI],
            participant_names: vec!["Kaisa Koordinaattori".into(), "Pekka Puheenjohtaja".into()],
            agenda: Some(fi("Vuoden toiminta, kävijämäärät, tilat ja kustannusjako")),
            findings: Some(fi("Kahvila on vakiintunut; palveluohjaukselle on kysyntää myös iltaisin.")),
            decisions: vec![ReviewDecision {
                decision: fi("Kokeillaan iltavastaanottoa kevään ajan"),
                responsible_party_id: Some(KESKI_SUOMI_COUNTY),
                due_date: Some(date(2027, 3, 31)?),
            }],
            outcome: ReviewOutcome::Continue,
            next_review_due: None,
        };
        agreement_reviews::record_review(tx, &admin, meeting_place.id, review).await?;

        let keusote = agreements::create(tx, &admin, keusote_agreement(keusote_contact)?).await?;
        agreements::transition(tx, &admin, keusote.id, Status::Negotiation, Some("Avustusehdot neuvoteltavana".into()))
            .await?;
        let review = ReviewInput {
            scheduled_date: date(2026, 10, 6)?,
            held_on: Some(date(2026, 10, 6)?),
            participant_organization_ids: vec![KEUSOTE, HYVA_ARKI],
            participant_names: vec!["Tiina Toiminnanjohtaja".into()],
            agenda: Some(fi("Edellisen kauden ryhmät ja uuden sopimuksen tarve")),
            findings: Some(fi("Ryhmät olivat täynnä; jatkoon tarvitaan toinen ryhmä.")),
            decisions: vec![],
            outcome: ReviewOutcome::Continue,
            next_review_due: Some(date(2027, 10, 5)?),
        };
        agreement_reviews::record_review(tx, &admin, keusote.id, review).await?;
        Ok::<usize, AppError>(2)
    })
    .await
}
