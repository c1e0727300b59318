//! Demo organisations: counties, municipalities, a health station, NGOs and a parish.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::ids;
use crate::db::Conn;
use crate::domain::organizations::{self, OrganizationFields, OrganizationKind};
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;

pub(super) struct Spec {
    pub(super) id: Uuid,
    kind: OrganizationKind,
    fi: &'static str,
    sv: Option<&'static str>,
    business_id: &'static str,
    parent: Option<Uuid>,
    municipalities: &'static [&'static str],
    county: &'static str,
    description: &'static str,
    pub(super) domain: &'static str,
}

const PIRKANMAA: &[&str] = &["837", "211", "536", "980", "604", "418"];
const KESKI_SUOMI: &[&str] = &["179", "992", "410", "500"];
const KESKI_UUSIMAA: &[&str] = &["106", "186", "505", "543", "611", "858"];

pub(super) fn specs() -> Vec<Spec> {
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

fn new_organization(s: Spec) -> (Uuid, OrganizationFields) {
    (
        s.id,
        OrganizationFields {
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
        },
    )
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    organizations::insert_missing(conn, specs().into_iter().map(new_organization).collect()).await
}
