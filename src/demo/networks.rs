//! Demo networks of Keski-Uusimaa (seed 003): Keusote's hyte network, its NGO advisory board
//! (järjestöneuvottelukunta) and the board's theme network for older people, each member
//! joined by its own org admin accepting an invitation; their meetings with agendas, minutes,
//! attendance and decisions; and the Keski-Suomi meeting place agreement's yearly
//! collaboration meeting (seed 001). Dates move on with the seeding day.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::identity::{demo_coordinator, demo_org_admin};
use super::ids::{HYVA_ARKI, HYVINKAA, JARVENPAA, KESKI_SUOMI_COUNTY, KEUSOTE, OMAISHOITAJAT, TUUSULA};
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::meetings::{self, MeetingFields, MeetingHost};
use crate::domain::networks::{self, NetworkFields, NetworkInvitationInput, NetworkRole};
use crate::error::AppError;

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

/// 12:00 UTC (14:00 in Helsinki in winter) on a demo day.
fn at_noon(day: NaiveDate) -> Result<chrono::DateTime<Utc>, AppError> {
    let noon = day.and_hms_opt(12, 0, 0).ok_or_else(|| AppError::internal("demo time"))?;
    Ok(Utc.from_utc_datetime(&noon))
}

/// Founds a network as Keusote's coordinator and has each member's org admin accept.
async fn network(conn: &mut Conn, body: Value, members: &[(Uuid, NetworkRole)]) -> Result<Uuid, AppError> {
    let made = networks::create(&mut Cx::acting(conn, demo_coordinator(KEUSOTE)), parse::<NetworkFields>(body)?)
        .await?
        .network;
    for (org, role) in members {
        let input = NetworkInvitationInput { organization_id: *org, role: *role };
        let invitation = networks::invite(&mut Cx::acting(conn, demo_coordinator(KEUSOTE)), made.id, input).await?;
        networks::accept_invitation(&mut Cx::acting(conn, demo_org_admin(*org)), made.id, invitation.id).await?;
    }
    Ok(made.id)
}

async fn meeting(conn: &mut Conn, organizer: Uuid, host: MeetingHost, body: Value) -> Result<(), AppError> {
    meetings::create(&mut Cx::acting(conn, demo_coordinator(organizer)), host, parse::<MeetingFields>(body)?).await?;
    Ok(())
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let existing = crate::repo::networks::list(
        conn,
        &crate::repo::networks::NetworkFilter { all: true, member: Some(KEUSOTE), limit: 1, ..Default::default() },
    )
    .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let day = |y, m, d| super::event_date(y, m, d);
    let hyte = network(
        conn,
        json!({"name": {"fi": "Keusoten hyte-verkosto", "sv": "Mellersta Nylands hälsofrämjande nätverk"},
               "purpose": {"fi": "Hyvinvoinnin ja terveyden edistämisen yhteistyö hyvinvointialueen, kuntien ja järjestöjen kesken."},
               "kind": "hyte_network", "visibility": "public", "area": {"county_code": "02"}}),
        &[
            (HYVINKAA, NetworkRole::Member),
            (JARVENPAA, NetworkRole::Member),
            (TUUSULA, NetworkRole::Member),
            (HYVA_ARKI, NetworkRole::Member),
        ],
    )
    .await?;
    let board = network(
        conn,
        json!({"name": {"fi": "Keski-Uudenmaan järjestöneuvottelukunta"},
               "purpose": {"fi": "Järjestöjen ääni hyvinvointialueen päätöksenteossa ja yhteistyössä."},
               "kind": "ngo_advisory_board", "visibility": "public", "parent_network_id": hyte,
               "area": {"county_code": "02"}}),
        &[(HYVA_ARKI, NetworkRole::Coordinator), (OMAISHOITAJAT, NetworkRole::Member)],
    )
    .await?;
    let older = network(
        conn,
        json!({"name": {"fi": "Ikäihmisten teemaverkosto"},
               "purpose": {"fi": "Ikäihmisten yksinäisyyden vähentäminen ja liikkumisen tukeminen Tuusulanjärven alueella."},
               "kind": "theme_network", "visibility": "members", "parent_network_id": board,
               "area": {"municipality_codes": ["186", "858"]}}),
        &[(HYVA_ARKI, NetworkRole::Member), (OMAISHOITAJAT, NetworkRole::Member), (JARVENPAA, NetworkRole::Member)],
    )
    .await?;

    meeting(
        conn,
        KEUSOTE,
        MeetingHost::Network(hyte),
        json!({"kind": "network_meeting", "title": {"fi": "Hyte-verkoston syyskokous"},
               "starts_at": at_noon(day(2026, 10, 8)?)?, "online_url": "https://teams.example.fi/hyte-syksy",
               "agenda": [{"fi": "Hyvinvointikertomuksen painopisteet"}, {"fi": "Järjestöneuvottelukunnan kuulumiset"},
                          {"fi": "Liikkumisen edistämisen yhteinen kampanja"}],
               "attendance": [{"organization_id": KEUSOTE, "people": 4}, {"organization_id": HYVINKAA, "people": 2},
                              {"organization_id": JARVENPAA, "people": 2}, {"organization_id": HYVA_ARKI, "people": 1}],
               "minutes": {"fi": "Painopisteiksi sovittiin yksinäisyyden vähentäminen ja arkiliikunta. Kampanja toteutetaan keväällä."},
               "decisions": [
                   {"decision": {"fi": "Kootaan kuntien ja järjestöjen liikuntaryhmät yhteiseen kalenteriin."},
                    "responsible_organization_id": KEUSOTE, "due_date": day(2026, 11, 27)?},
                   {"decision": {"fi": "Järjestöneuvottelukunta valmistelee kevään kampanjan."},
                    "responsible_organization_id": HYVA_ARKI, "due_date": day(2027, 2, 26)?}]}),
    )
    .await?;
    meeting(
        conn,
        KEUSOTE,
        MeetingHost::Network(hyte),
        json!({"kind": "network_meeting", "title": {"fi": "Hyte-verkoston kevätkokous"},
               "starts_at": at_noon(day(2027, 2, 11)?)?,
               "agenda": [{"fi": "Kevään kampanjan käynnistys"}, {"fi": "Indikaattorien katsaus"}]}),
    )
    .await?;
    meeting(
        conn,
        HYVA_ARKI,
        MeetingHost::Network(board),
        json!({"kind": "info_session", "title": {"fi": "Avustusinfo järjestöille"},
               "starts_at": at_noon(day(2026, 11, 18)?)?,
               "agenda": [{"fi": "Hyvinvointialueen järjestöavustukset 2027"}],
               "attendance": [{"organization_id": HYVA_ARKI, "people": 2}, {"organization_id": OMAISHOITAJAT, "people": 3}],
               "minutes": {"fi": "Hakuaika ja kumppanuussopimusten malli esiteltiin."}}),
    )
    .await?;
    meeting(
        conn,
        KEUSOTE,
        MeetingHost::Network(older),
        json!({"kind": "network_meeting", "title": {"fi": "Teemaverkoston tapaaminen"},
               "starts_at": at_noon(day(2026, 11, 25)?)?,
               "minutes": {"fi": "Joulun ajan yksinäisyyteen varaudutaan avoimilla kahviloilla."},
               "decisions": [{"decision": {"fi": "Avoimet joulukahvilat Järvenpäässä ja Tuusulassa."},
                              "responsible_organization_id": OMAISHOITAJAT, "due_date": day(2026, 12, 18)?}]}),
    )
    .await?;
    let mut made = 7;
    if let Some(agreement) = crate::repo::agreements::id_by_code(conn, "KS-2026-014").await? {
        meeting(
            conn,
            KESKI_SUOMI_COUNTY,
            MeetingHost::Agreement(agreement),
            json!({"kind": "annual_collaboration_meeting", "title": {"fi": "Kohtaamispaikan vuosipalaveri"},
                   "starts_at": at_noon(day(2026, 11, 10)?)?,
                   "agenda": [{"fi": "Vuoden toiminta ja kävijämäärät"}, {"fi": "Sopimuksen jatko"}],
                   "attendance": [{"organization_id": KESKI_SUOMI_COUNTY, "people": 2}],
                   "minutes": {"fi": "Toiminta jatkuu; iltapäiväryhmiin lisätään digituki."}}),
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
