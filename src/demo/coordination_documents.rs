//! The Keski-Suomi meeting place's shared coordination document: a spring season of rows that
//! the county's, the city's and the seniors' association's coordinators have edited, so its
//! history has something to show. The meeting-place association is listed but has not
//! accepted yet.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::identity::demo_coordinator;
use super::ids::*;
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::coordination_documents::entries::{self, EntryPlacement, MoveInput};
use crate::domain::coordination_documents::{self as documents, DocumentFields, DocumentScope, Section};
use crate::domain::coordination_documents::{EntryFields, EntryStatus, Responsible};
use crate::domain::types::merge_patch::Patch;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::repo::schema::coordination_documents as table;

const TITLE: &str = "Kohtaamispaikka Olotila: kevään 2026 suunnitelma";

fn row(
    date: (i32, u32, u32),
    times: Option<(u32, u32)>,
    title: &str,
    content: &str,
    orgs: &[Uuid],
) -> Result<EntryFields, AppError> {
    let date = NaiveDate::from_ymd_opt(date.0, date.1, date.2).ok_or_else(|| AppError::internal("demo date"))?;
    let time = |h: u32| chrono::NaiveTime::from_hms_opt(h, 0, 0);
    Ok(EntryFields {
        date,
        start_time: times.and_then(|(s, _)| time(s)),
        end_time: times.and_then(|(_, e)| time(e)),
        title: title.to_owned(),
        content: content.to_owned(),
        responsible: Responsible { organization_ids: orgs.to_vec(), contact_ids: vec![] },
        status: EntryStatus::Planned,
        event_series_id: None,
        venue_id: None,
    })
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    let exists: i64 = table::table.filter(table::title.eq(TITLE)).count().get_result(conn).await?;
    if exists > 0 {
        return Ok(0);
    }
    let agreement = crate::repo::agreements::id_by_code(conn, "KS-2026-014").await?;
    conn.transaction(async |tx| {
        let county = || demo_coordinator(KESKI_SUOMI_COUNTY);
        let doc = documents::create(
            &mut Cx::acting(tx, county()),
            DocumentFields {
                title: TITLE.to_owned(),
                owner_organization_id: Some(KESKI_SUOMI_COUNTY),
                scope: agreement.map_or(DocumentScope::Organizations, |agreement_id| DocumentScope::Agreement { agreement_id }),
                editors: vec![KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI, KOHTAAMISPAIKAT],
                sections: vec![
                    Section {
                        heading: "Tavoitteet".into(),
                        body: "Matalan kynnyksen kohtaamispaikka ikääntyneille: kahvila, neuvonta ja \
                               digiapu samassa paikassa.\n\nYksinäisyyden vähentäminen ja palveluohjaus."
                            .into(),
                    },
                    Section {
                        heading: "Yhteystiedot ja vastuut".into(),
                        body: "- Tilat: Jyväskylän kaupunki\n- Kahvila: Seniorikammari ry\n- Palveluohjaus: hyvinvointialue"
                            .into(),
                    },
                ],
                timezone: documents::DEFAULT_TIMEZONE.into(),
            },
        )
        .await?;
        for org in [JYVASKYLA, SENIORIKAMMARI] {
            documents::accept(&mut Cx::acting(tx, demo_coordinator(org)), doc.id, org, IfMatch::Any).await?;
        }
        let rows = [
            (KESKI_SUOMI_COUNTY, row((2026, 3, 3), Some((10, 12)), "Kauden avaus", "Esittäytyminen ja kevään **ohjelma**.", &[KESKI_SUOMI_COUNTY, SENIORIKAMMARI])?),
            (SENIORIKAMMARI, row((2026, 3, 10), Some((10, 12)), "Seniorikahvila", "Kahvit ja pulla, vapaaehtoiset paikalla.", &[SENIORIKAMMARI])?),
            (JYVASKYLA, row((2026, 3, 17), Some((13, 15)), "Digiapu: pankkitunnukset", "Kirjaston digiopastajat.", &[JYVASKYLA])?),
            (SENIORIKAMMARI, row((2026, 3, 24), Some((10, 12)), "Seniorikahvila", "Teemana kevään retket.", &[SENIORIKAMMARI])?),
            (KESKI_SUOMI_COUNTY, row((2026, 4, 7), Some((10, 12)), "Palveluohjauksen päivä", "Hyvinvointialueen palveluohjaaja tavattavissa.", &[KESKI_SUOMI_COUNTY])?),
            (JYVASKYLA, row((2026, 4, 14), None, "Tilan kevätsiivous", "Kohtaamispaikka suljettu.", &[JYVASKYLA])?),
            (SENIORIKAMMARI, row((2026, 4, 21), Some((10, 12)), "Seniorikahvila", "Vierailijana seurakunnan diakoni.", &[SENIORIKAMMARI])?),
            (KESKI_SUOMI_COUNTY, row((2026, 5, 19), Some((10, 13)), "Kauden päätös ja arviointi", "Palautekysely ja ensi syksyn suunnittelu.", &[KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI])?),
        ];
        let mut created = Vec::new();
        for (org, fields) in rows {
            let entry = entries::create(&mut Cx::acting(tx, demo_coordinator(org)), doc.id, IfMatch::Any, EntryPlacement::default(), fields)
                .await?;
            created.push(entry);
        }
        // Later edits by the three organisations: confirmations, a change of content, a
        // cancellation, a moved row and a deleted one.
        let edit = |patch: serde_json::Value| Patch::Merge(patch);
        let updates = [
            (0, KESKI_SUOMI_COUNTY, json!({"status": "done"})),
            (1, SENIORIKAMMARI, json!({"status": "done"})),
            (2, JYVASKYLA, json!({"status": "done", "content": "Kirjaston digiopastajat. Paikalla 14 osallistujaa."})),
            (3, SENIORIKAMMARI, json!({"status": "confirmed"})),
            (6, SENIORIKAMMARI, json!({"status": "confirmed"})),
            (4, KESKI_SUOMI_COUNTY, json!({"status": "cancelled", "content": "Siirtyy toukokuulle."})),
        ];
        for (i, org, patch) in updates {
            entries::update(&mut Cx::acting(tx, demo_coordinator(org)), doc.id, created[i].id, IfMatch::Any, edit(patch)).await?;
        }
        entries::move_entry(
            &mut Cx::acting(tx, demo_coordinator(JYVASKYLA)),
            doc.id,
            created[5].id,
            IfMatch::Any,
            MoveInput { after_entry_id: Some(created[6].id) },
        )
        .await?;
        entries::delete(&mut Cx::acting(tx, demo_coordinator(JYVASKYLA)), doc.id, created[5].id, IfMatch::Any).await?;
        documents::update(
            &mut Cx::acting(tx, county()),
            doc.id,
            IfMatch::Any,
            Patch::Json(json!([{"op": "replace", "path": "/sections/1/body",
                "value": "- Tilat: Jyväskylän kaupunki\n- Kahvila: Seniorikammari ry\n- Palveluohjaus: hyvinvointialue\n- Digiapu: kaupunginkirjasto"}])),
        )
        .await?;
        Ok(1 + created.len())
    })
    .await
}
