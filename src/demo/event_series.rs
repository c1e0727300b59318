//! Meeting places and what happens there: the Tampere collaboration lobbies with the NGOs'
//! weekly drop-in, and the Keski-Suomi meeting place Olotila with a weekly seniors' café, a
//! monthly digital-help hour and a one-off wellbeing fair, with attendance recorded for the
//! past occurrences, one cancelled and one moved café, cost sharing and a booking.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::identity::demo_coordinator;
use super::ids::*;
use crate::db::Conn;
use crate::domain::agreements::CostCategory;
use crate::domain::context::Cx;
use crate::domain::event_series::costs;
use crate::domain::event_series::occurrences::{self, AttendanceFields};
use crate::domain::event_series::schedule::Schedule;
use crate::domain::event_series::{
    self as series, ActivityType, AttendanceMode, EventSeries, EventStatus, Price, PublicationStatus, SeriesFields,
    SeriesKind, TargetGroup,
};
use crate::domain::event_series::{CostItemBasis, CostItemFields, CostShare, OccurrenceStatus};
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::domain::venues::bookings::{self, BookingFields};
use crate::domain::venues::{
    self as venues, Accessibility, Address, OpeningHours, OpeningRule, Position, PremisesTerms, VenueContact,
    VenueFields, VenueKind, Weekday,
};
use crate::error::AppError;

const OLOTILA: &str = "Kohtaamispaikka Olotila";

fn time(h: u32) -> Result<NaiveTime, AppError> {
    NaiveTime::from_hms_opt(h, 0, 0).ok_or_else(|| AppError::internal("demo time"))
}

use super::event_date as date;

/// The first Thursday of a month, on or after `day`: a monthly first-Thursday rule starts on
/// one, however many weeks the demo's dates have moved on.
fn first_thursday_from(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day.iter_days().find(|d| d.weekday() == chrono::Weekday::Thu && d.day() <= 7).unwrap_or(day)
}

#[allow(clippy::too_many_arguments)]
fn venue(
    name: &str,
    kind: VenueKind,
    owner: Uuid,
    operator: Option<Uuid>,
    street: &str,
    postal: &str,
    locality: &str,
    municipality: &str,
    (lon, lat): (f64, f64),
    terms: PremisesTerms,
) -> Result<VenueFields, AppError> {
    Ok(VenueFields {
        name: LocalizedText::fi(name),
        description: None,
        kind,
        owner_organization_id: owner,
        operator_organization_id: operator,
        address: Address {
            street: Some(street.into()),
            postal_code: Some(postal.into()),
            locality: Some(locality.into()),
            municipality_code: municipality.into(),
        },
        position: Some(Position { lon, lat }),
        accessibility: vec![Accessibility::Wheelchair, Accessibility::InductionLoop, Accessibility::AccessibleToilet],
        accessibility_info: Some(LocalizedText::fi("Sisäänkäynti ilman portaita, hissi toiseen kerrokseen.")),
        interpretation_services: vec!["remote_interpreting".into()],
        opening_hours: OpeningHours {
            rules: vec![OpeningRule {
                weekdays: vec![Weekday::Mo, Weekday::Tu, Weekday::We, Weekday::Th, Weekday::Fr],
                opens: time(9)?,
                closes: time(16)?,
                valid_from: None,
                valid_to: None,
            }],
            exceptions: vec![],
        },
        capacity: Some(40),
        premises_terms: terms,
        rent_amount: Decimal2::parse("40.00"),
        contact: Some(VenueContact { email: Some("tilat@example.fi".into()), phone: None, website: None }),
        images: vec![],
        external_ids: BTreeMap::new(),
    })
}

#[allow(clippy::too_many_arguments)]
fn series_fields(
    title: LocalizedText,
    kind: SeriesKind,
    activity: ActivityType,
    publisher: Uuid,
    organizers: &[Uuid],
    venue: Uuid,
    groups: &[TargetGroup],
    schedule: Schedule,
) -> SeriesFields {
    SeriesFields {
        title,
        summary: None,
        description: None,
        kind,
        activity_type: activity,
        parent_id: None,
        publisher_id: publisher,
        organizer_ids: organizers.to_vec(),
        agreement_id: None,
        venue_id: Some(venue),
        attendance_mode: AttendanceMode::InPerson,
        online_url: None,
        target_groups: groups.to_vec(),
        min_age: None,
        max_age: None,
        themes: vec![],
        languages: vec!["fi".into()],
        interpretation: vec![],
        keywords: vec![],
        images: vec![],
        price: Price { is_free: true, info: None },
        registration: None,
        responsible_contact_ids: vec![],
        publication_status: PublicationStatus::Published,
        event_status: EventStatus::Scheduled,
        schedule: Some(schedule),
    }
}

fn schedule(
    start: NaiveDate,
    from: u32,
    to: u32,
    rrule: Option<String>,
    exdates: Vec<NaiveDate>,
) -> Result<Schedule, AppError> {
    Ok(Schedule {
        timezone: "Europe/Helsinki".into(),
        start_date: start,
        start_time: Some(time(from)?),
        end_time: Some(time(to)?),
        duration_minutes: None,
        all_day: false,
        duration_days: None,
        rrule,
        rdates: vec![],
        exdates,
    })
}

/// Attendance for every occurrence of the series that has started and is not cancelled:
/// a plausible count that varies from week to week.
async fn attendance(conn: &mut Conn, s: &EventSeries, recorder: Uuid, base: i32) -> Result<(), AppError> {
    let until = Some(Utc::now());
    let page = occurrences::of_series(
        &mut Cx::acting(conn, demo_coordinator(recorder)),
        s.id,
        occurrences::SeriesOccurrenceQuery { from: None, to: until },
        &ListQuery { limit: Some(200), cursor: None, updated_since: None },
    )
    .await?;
    for (i, o) in page.items.iter().enumerate() {
        if o.status == OccurrenceStatus::Cancelled || o.start > Utc::now() {
            continue;
        }
        let participants = base + i32::try_from(i * 7 % 9).unwrap_or(0);
        let fields = AttendanceFields {
            participants,
            volunteers: 2 + i32::try_from(i % 3).unwrap_or(0),
            by_age_group: BTreeMap::from([("65+".to_owned(), participants - 3), ("unknown".to_owned(), 3)]),
            by_organizer: BTreeMap::new(),
            notes: None,
        };
        occurrences::put_attendance(
            &mut Cx::acting(conn, demo_coordinator(recorder)),
            s.id,
            o.id,
            IfMatch::Any,
            fields,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn seed(conn: &mut Conn) -> Result<usize, AppError> {
    use crate::repo::schema::venues::dsl as v;
    let exists: i64 = v::venues.filter(v::name.retrieve_as_text("fi").eq(OLOTILA)).count().get_result(conn).await?;
    if exists > 0 {
        return Ok(0);
    }
    let agreement = crate::repo::agreements::id_by_code(conn, "KS-2026-014").await?;
    conn.transaction(async |tx| {
        let jyvaskyla = || demo_coordinator(JYVASKYLA);
        let tampere = || demo_coordinator(TAMPERE);
        let olotila = venues::create(
            &mut Cx::acting(tx, jyvaskyla()),
            venue(
                OLOTILA,
                VenueKind::MeetingPlace,
                JYVASKYLA,
                Some(KOHTAAMISPAIKAT),
                "Kauppakatu 1",
                "40100",
                "Jyväskylä",
                "179",
                (25.7473, 62.2426),
                PremisesTerms::FreeForNgos,
            )?,
        )
        .await?;
        let hervanta = venues::create(
            &mut Cx::acting(tx, tampere()),
            venue(
                "Yhteistyöaula Hervanta",
                VenueKind::CollaborationLobby,
                TAMPERE,
                Some(HERVANTA_HEALTH_STATION),
                "Insinöörinkatu 8",
                "33720",
                "Tampere",
                "837",
                (23.8490, 61.4505),
                PremisesTerms::Free,
            )?,
        )
        .await?;
        venues::create(
            &mut Cx::acting(tx, tampere()),
            venue(
                "Yhteistyöaula Keskusta",
                VenueKind::CollaborationLobby,
                TAMPERE,
                None,
                "Hämeenkatu 10",
                "33100",
                "Tampere",
                "837",
                (23.7610, 61.4978),
                PremisesTerms::FreeForNgos,
            )?,
        )
        .await?;

        // Keski-Suomi: the seniors' association publishes the café with the city; the county is
        // invited and has not accepted yet.
        let mut cafe = series_fields(
            LocalizedText::fi_sv("Seniorikahvila", "Seniorcafé"),
            SeriesKind::Recurring,
            ActivityType::OngoingActivity,
            SENIORIKAMMARI,
            &[SENIORIKAMMARI, JYVASKYLA, KESKI_SUOMI_COUNTY],
            olotila.id,
            &[TargetGroup::OlderPeople],
            schedule(
                date(2026, 9, 1)?,
                10,
                12,
                Some(format!("FREQ=WEEKLY;BYDAY=TU;UNTIL={}T215959Z", date(2027, 5, 25)?.format("%Y%m%d"))),
                vec![date(2026, 12, 22)?, date(2026, 12, 29)?],
            )?,
        );
        cafe.agreement_id = agreement;
        cafe.languages = vec!["fi".into(), "sv".into()];
        cafe.summary = Some(LocalizedText::fi("Kahvia, juttuseuraa ja vapaaehtoisia joka tiistai."));
        cafe.keywords = vec!["kahvila".into(), "http://www.yso.fi/onto/yso/p2433".into()];
        let cafe = series::create(&mut Cx::acting(tx, demo_coordinator(SENIORIKAMMARI)), cafe).await?;
        series::accept(&mut Cx::acting(tx, jyvaskyla()), cafe.id, JYVASKYLA, IfMatch::Any).await?;
        let page = occurrences::of_series(
            &mut Cx::acting(tx, jyvaskyla()),
            cafe.id,
            occurrences::SeriesOccurrenceQuery::default(),
            &ListQuery { limit: Some(10), cursor: None, updated_since: None },
        )
        .await?;
        // 13 October: cancelled (illness); 27 October: an hour later.
        let (ill, later) = (date(2026, 10, 13)?, date(2026, 10, 27)?);
        for (o, patch) in page.items.iter().filter_map(|o| match o.instance_date {
            d if d == ill => Some((o, json!({"status": "cancelled"}))),
            d if d == later => Some((
                o,
                json!({"start": o.start + chrono::Duration::hours(1), "end": o.end + chrono::Duration::hours(1)}),
            )),
            _ => None,
        }) {
            occurrences::update(
                &mut Cx::acting(tx, demo_coordinator(SENIORIKAMMARI)),
                cafe.id,
                o.id,
                IfMatch::Any,
                patch,
            )
            .await?;
        }
        attendance(tx, &cafe, SENIORIKAMMARI, 18).await?;
        costs::create(
            &mut Cx::acting(tx, demo_coordinator(SENIORIKAMMARI)),
            cafe.id,
            CostItemFields {
                category: CostCategory::Refreshments,
                basis: CostItemBasis::PerOccurrence,
                amount: Decimal2::parse("12.50"),
                shares: vec![
                    CostShare { organization_id: SENIORIKAMMARI, percent: Decimal2::parse("60").unwrap_or_default() },
                    CostShare { organization_id: JYVASKYLA, percent: Decimal2::parse("40").unwrap_or_default() },
                ],
                description: Some("Kahvi ja pulla".into()),
            },
        )
        .await?;

        let mut digital = series_fields(
            LocalizedText::fi("Digiapu: kysy kännykästä ja tietokoneesta"),
            SeriesKind::Recurring,
            ActivityType::Support,
            JYVASKYLA,
            &[JYVASKYLA],
            olotila.id,
            &[TargetGroup::OlderPeople, TargetGroup::AllResidents],
            schedule(
                first_thursday_from(date(2026, 9, 3)?),
                14,
                15,
                Some("FREQ=MONTHLY;BYDAY=1TH;COUNT=10".into()),
                vec![],
            )?,
        );
        digital.themes = vec!["digital_skills".into()];
        let digital = series::create(&mut Cx::acting(tx, jyvaskyla()), digital).await?;
        attendance(tx, &digital, JYVASKYLA, 6).await?;

        let fair = series_fields(
            LocalizedText::fi("Ikäihmisten viikon hyvinvointitori"),
            SeriesKind::Single,
            ActivityType::Event,
            KESKI_SUOMI_COUNTY,
            &[KESKI_SUOMI_COUNTY],
            olotila.id,
            &[TargetGroup::OlderPeople, TargetGroup::Carers],
            schedule(date(2026, 10, 7)?, 10, 14, None, vec![])?,
        );
        let fair = series::create(&mut Cx::acting(tx, demo_coordinator(KESKI_SUOMI_COUNTY)), fair).await?;
        attendance(tx, &fair, KESKI_SUOMI_COUNTY, 64).await?;
        // The county has booked the meeting place for its spring service day (a booking is
        // for time still to come).
        let start =
            Utc.with_ymd_and_hms(2027, 1, 13, 8, 0, 0).single().ok_or_else(|| AppError::internal("demo time"))?
                + super::event_shift();
        bookings::create(
            &mut Cx::acting(tx, demo_coordinator(KESKI_SUOMI_COUNTY)),
            olotila.id,
            BookingFields {
                organization_id: KESKI_SUOMI_COUNTY,
                occurrence_id: None,
                start,
                end: start + chrono::Duration::hours(5),
                note: Some("Palveluohjauksen päivä".into()),
            },
        )
        .await?;

        // Tampere: the NGOs' weekly drop-in at the Hervanta lobby, run with the county.
        let drop_in = series_fields(
            LocalizedText::fi("Järjestöjen vastaanotto yhteistyöaulassa"),
            SeriesKind::Recurring,
            ActivityType::Support,
            PIRKANMAA_COUNTY,
            &[PIRKANMAA_COUNTY, NAAPURIAPU],
            hervanta.id,
            &[TargetGroup::AllResidents],
            schedule(date(2026, 9, 2)?, 12, 15, Some("FREQ=WEEKLY;BYDAY=WE".into()), vec![])?,
        );
        let drop_in = series::create(&mut Cx::acting(tx, demo_coordinator(PIRKANMAA_COUNTY)), drop_in).await?;
        series::accept(&mut Cx::acting(tx, demo_coordinator(NAAPURIAPU)), drop_in.id, NAAPURIAPU, IfMatch::Any).await?;
        attendance(tx, &drop_in, PIRKANMAA_COUNTY, 9).await?;
        Ok(3 + 4)
    })
    .await
}
