//! Demo workshops of the Hervanta collaboration lobby (seeds 000 and 004): a waste workshop
//! (Hukkapaja) that names obstacles to collaboration, votes on them and prioritises the two
//! biggest, and the solution workshop (Ratkaisupaja) that follows it with two anonymised
//! client cases, actions, a client path and a collaboration flowchart. It takes up the
//! lobby's phenomenon reports. Dates move on with the seeding day.

use serde_json::{Value, json};
use uuid::Uuid;

use super::identity::{demo_coordinator, demo_member, demo_org_admin};
use super::ids::{HERVANTA_HEALTH_STATION, NAAPURIAPU, TAMPERE};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::context::Cx;
use crate::domain::workshops::artefacts::{self, ArtefactFields};
use crate::domain::workshops::challenges::{self, ChallengeFields};
use crate::domain::workshops::{self, WorkshopFields};
use crate::error::AppError;

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

const ORGANIZER: Uuid = HERVANTA_HEALTH_STATION;
const PARTICIPANTS: [Uuid; 2] = [TAMPERE, NAAPURIAPU];

/// Creates a workshop as the health station's coordinator; the participants' coordinators
/// accept their places.
async fn workshop(conn: &mut Conn, body: Value) -> Result<Uuid, AppError> {
    let made =
        workshops::create(&mut Cx::acting(conn, demo_coordinator(ORGANIZER)), parse::<WorkshopFields>(body)?).await?;
    let mut version = made.version;
    for org in PARTICIPANTS {
        let accepted = workshops::accept(
            &mut Cx::acting(conn, demo_coordinator(org)),
            made.id,
            org,
            crate::domain::types::precondition::IfMatch::Version(version),
        )
        .await?;
        version = accepted.version;
    }
    Ok(made.id)
}

async fn action(conn: &mut Conn, workshop: Uuid, body: Value) -> Result<(), AppError> {
    workshops::add_action(&mut Cx::acting(conn, demo_coordinator(ORGANIZER)), workshop, parse(body)?).await?;
    Ok(())
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let existing = crate::repo::workshops::list(
        conn,
        &crate::repo::workshops::WorkshopFilter {
            all: true,
            organization: Some(ORGANIZER),
            limit: 1,
            ..Default::default()
        },
    )
    .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let day = |y, m, d| super::event_date(y, m, d);
    let reports = crate::repo::phenomena::list(
        conn,
        &crate::repo::phenomena::PhenomenonFilter { municipality: Some("837".into()), limit: 3, ..Default::default() },
    )
    .await?;
    let phenomena: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
    let waste = workshop(
        conn,
        json!({"kind": "waste_workshop", "title": {"fi": "Hukkapaja: Hervannan yhteistyöaula"},
               "description": {"fi": "Mikä hukkaa asiakkaan ja työntekijöiden aikaa aulan yhteistyössä?"},
               "date": day(2026, 10, 14)?, "phenomenon_ids": phenomena, "votes_per_person": 2,
               "organizer_ids": [ORGANIZER], "participant_organization_ids": PARTICIPANTS}),
    )
    .await?;
    let obstacles = [
        "Asiakas kertoo tarinansa jokaiselle toimijalle uudelleen.",
        "Järjestöjen toiminnasta ei ole ajantasaista tietoa aulassa.",
        "Ajanvaraus ja aulan aukiolo eivät kohtaa.",
        "Tieto ohjauksen jatkosta ei palaa aulaan.",
    ];
    let mut ids = Vec::new();
    for (i, text) in obstacles.iter().enumerate() {
        let by = demo_member(PARTICIPANTS[i % 2]);
        let fields = ChallengeFields {
            description: crate::domain::types::localized::LocalizedText::fi(*text),
            prioritised: false,
        };
        ids.push(challenges::create(&mut Cx::acting(conn, by), waste, fields).await?.id);
    }
    // Nine people, two votes each: the first two obstacles come out on top.
    let voters: Vec<Actor> = [ORGANIZER, TAMPERE, NAAPURIAPU]
        .into_iter()
        .flat_map(|org| [demo_org_admin(org), demo_coordinator(org), demo_member(org)])
        .collect();
    for (n, voter) in voters.into_iter().enumerate() {
        for challenge in [ids[0], ids[1 + n % 3]] {
            challenges::vote(&mut Cx::acting(conn, voter.clone()), waste, challenge).await?;
        }
    }
    for challenge in &ids[..2] {
        let mark = json!({"prioritised": true});
        challenges::update(
            &mut Cx::acting(conn, demo_coordinator(ORGANIZER)),
            waste,
            *challenge,
            crate::domain::types::precondition::IfMatch::Any,
            mark,
        )
        .await?;
    }
    action(
        conn,
        waste,
        json!({"description": {"fi": "Sovitaan yhteinen tapa kirjata asiakkaan asia kerran ja jakaa se luvalla."},
               "responsible_organization_id": ORGANIZER, "due_date": day(2026, 11, 30)?, "status": "in_progress",
               "challenge_id": ids[0]}),
    )
    .await?;

    let solution = workshop(
        conn,
        json!({"kind": "solution_workshop", "title": {"fi": "Ratkaisupaja: kerran kerrottu riittää"},
               "date": day(2026, 11, 11)?, "follows_workshop_id": waste,
               "organizer_ids": [ORGANIZER], "participant_organization_ids": PARTICIPANTS,
               "client_cases": [
                   {"title": {"fi": "Asiakas A"},
                    "description": {"fi": "Iäkäs asukas hakee apua yksinäisyyteen ja kodin muutostöihin; hän käy aulassa kolmesti ennen kuin asia etenee."}},
                   {"title": {"fi": "Asiakas B"},
                    "description": {"fi": "Nuori aikuinen kysyy toimeentulosta ja uupumuksesta; ohjaus järjestön ryhmään katkeaa, kun tieto ei palaa aulaan."}}]}),
    )
    .await?;
    action(
        conn,
        solution,
        json!({"description": {"fi": "Aulaan yhteinen ohjauslomake, jonka tiedot kulkevat asiakkaan luvalla."},
               "responsible_organization_id": ORGANIZER, "due_date": day(2027, 1, 29)?, "challenge_id": null}),
    )
    .await?;
    action(
        conn,
        solution,
        json!({"description": {"fi": "Järjestöjen viikkokalenteri aulan näytölle ja verkkoon."},
               "responsible_organization_id": NAAPURIAPU, "due_date": day(2026, 12, 18)?}),
    )
    .await?;
    let client_path = json!({"kind": "client_path", "title": {"fi": "Asiakaspolku: kerran kerrottu riittää"},
        "steps": [
            {"actor": "Asiakas", "description": {"fi": "Tulee yhteistyöaulaan ja kertoo asiansa."}},
            {"actor": "Aulan työntekijä", "description": {"fi": "Kirjaa asian yhteiselle ohjauslomakkeelle asiakkaan luvalla."}},
            {"actor": "Sosiaaliohjaaja", "description": {"fi": "Ottaa asian vastaan lomakkeelta samana päivänä."}},
            {"actor": "Järjestön vapaaehtoinen", "description": {"fi": "Kutsuu asiakkaan ryhmään ja kertoo aulaan, että yhteys syntyi."}}]});
    let flowchart = json!({"kind": "collaboration_flowchart", "title": {"fi": "Yhteistyön vuokaavio"},
        "steps": [
            {"actor": "Hyvinvointialue", "description": {"fi": "Ylläpitää ohjauslomaketta ja aulan vuorolistaa."}},
            {"actor": "Kaupunki", "description": {"fi": "Tarjoaa tilat ja kertoo kaupungin palveluista."}},
            {"actor": "Järjestöt", "description": {"fi": "Päivittävät viikkokalenterin ja vastaavat ohjauksiin."}}]});
    for body in [client_path, flowchart] {
        let fields: ArtefactFields = parse(body)?;
        artefacts::create(&mut Cx::acting(conn, demo_coordinator(ORGANIZER)), solution, fields).await?;
    }
    Ok(2 + obstacles.len())
}
