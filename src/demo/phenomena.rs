//! Demo phenomenon reports of the Tampere collaboration lobbies over the past year: what the
//! city's lobby staff and the NGOs at the Hervanta lobby noticed, some handed to the county
//! and answered. Dates count back from the seeding day.

use chrono::{Datelike, Months, Utc};
use serde_json::json;

use super::identity::demo_coordinator;
use super::ids::{NAAPURIAPU, PIRKANMAA_COUNTY, TAMPERE};
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::phenomena::{self, PhenomenonFields, PhenomenonStatus, PhenomenonTransition};
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;

/// (months ago, theme, what was noticed, people concerned, reporter, responsible and response).
type Report = (u32, &'static str, &'static str, i32, uuid::Uuid, Option<&'static str>);

const REPORTS: &[Report] = &[
    (
        11,
        "loneliness",
        "Aamupäivisin aulassa istuu ikäihmisiä, jotka sanovat, ettei heillä ole ketään, jolle puhua.",
        12,
        TAMPERE,
        Some("Aulaan perustettiin tiistaikahvila yhdessä järjestöjen kanssa."),
    ),
    (
        10,
        "digital_exclusion",
        "Moni ei osaa asioida verkossa: pankkitunnukset ja Omakanta tuottavat ongelmia.",
        25,
        NAAPURIAPU,
        Some("Digituki päivystää aulassa kahdesti viikossa."),
    ),
    (
        9,
        "housing",
        "Vuokrien nousu huolettaa lapsiperheitä; kysymyksiä asumistuesta tulee viikoittain.",
        9,
        TAMPERE,
        None,
    ),
    (
        8,
        "loneliness",
        "Kesällä kohtaamispaikan kävijämäärä putosi ja osa vakiokävijöistä jäi pois.",
        7,
        NAAPURIAPU,
        None,
    ),
    (
        7,
        "livelihood",
        "Ruoka-avun jonossa on aiempaa enemmän työikäisiä.",
        30,
        NAAPURIAPU,
        Some("Ruoka-avun yhteyteen tuotiin talous- ja velkaneuvonnan vastaanotto."),
    ),
    (6, "mental_wellbeing", "Nuoret aikuiset kertovat uupumuksesta eivätkä tiedä, mistä saisi apua.", 6, TAMPERE, None),
    (5, "digital_exclusion", "Sähköinen ajanvaraus jättää osan ikäihmisistä ilman aikaa.", 14, TAMPERE, None),
    (4, "access_to_services", "Palveluohjausta kysytään aulassa enemmän kuin ehditään vastata.", 20, TAMPERE, None),
    (3, "loneliness", "Syksyn pimetessä iltapäivän ryhmät ovat täynnä ja jonoa on.", 15, NAAPURIAPU, None),
    (2, "family_life", "Vanhemmat kysyvät kerhoista, joihin voi tulla koko perhe.", 8, TAMPERE, None),
    (1, "housing", "Asunnottomuuden uhka on noussut puheeksi useammin kuin ennen.", 4, NAAPURIAPU, None),
    (0, "loneliness", "Joulun alla moni kertoo viettävänsä pyhät yksin.", 11, TAMPERE, None),
];

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let existing = crate::repo::phenomena::list(
        conn,
        &crate::repo::phenomena::PhenomenonFilter { reporter: Some(TAMPERE), limit: 1, ..Default::default() },
    )
    .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let this_month = Utc::now().date_naive().with_day(1).unwrap_or_else(|| Utc::now().date_naive());
    for (ago, theme, text, people, reporter, response) in REPORTS {
        let from = this_month.checked_sub_months(Months::new(*ago)).unwrap_or(this_month);
        let fields: PhenomenonFields = serde_json::from_value(json!({
            "theme": theme, "description": {"fi": text},
            "area": {"municipality_code": "837", "postal_code": if *reporter == NAAPURIAPU { "33720" } else { "33100" }},
            "observed_from": from, "observed_to": from + chrono::Duration::days(20), "people_concerned": people,
            "reporter_organization_id": reporter,
            "responsible_organization_id": response.map(|_| PIRKANMAA_COUNTY),
        }))
        .map_err(AppError::internal)?;
        let made = phenomena::create(&mut Cx::acting(conn, demo_coordinator(*reporter)), fields).await?;
        if let Some(text) = response {
            let answer =
                PhenomenonTransition { status: PhenomenonStatus::Addressed, response: Some(LocalizedText::fi(*text)) };
            phenomena::transition(&mut Cx::acting(conn, demo_coordinator(PIRKANMAA_COUNTY)), made.id, answer).await?;
        }
    }
    Ok(REPORTS.len())
}
