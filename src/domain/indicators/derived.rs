//! Platform indicators (alustan omat mittarit): built-in indicators with fixed codes whose
//! values the platform computes from what it already holds (agreements, occurrences,
//! attendance, bookings), month by month for the whole platform, each wellbeing services
//! county and each municipality. They are public, marked `source: platform`, and read
//! through the same endpoints, series, charts and exports as reported ones.
//!
//! A month stays open until the month after it has ended (late attendance records still
//! count); after that its values are final: a refresh writes a closed month's value once if it
//! is missing and never changes it, and the indicator's `locked_through` says so.

use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::model::*;
use crate::domain::access::{Actor, allow};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;
use crate::repo::indicators::derived::{self as repo, Aggregate};

/// One built-in indicator.
pub struct Derivation {
    /// The indicator's code.
    pub code: &'static str,
    /// The `derivation` name, documented with its SQL in docs/INDICATORS.md.
    pub name: &'static str,
    pub aggregate: Aggregate,
    /// Whether values of months and areas add up (occurrences, attendance); an agreement or an
    /// organisation counts once in each county it is in, so those do not.
    pub summable: bool,
    /// Finnish, Swedish and English.
    pub title: [&'static str; 3],
    /// What is counted, in Finnish and English.
    pub description: [&'static str; 2],
}

pub const DERIVATIONS: &[Derivation] = &[
    Derivation {
        code: "PLATFORM_AGREEMENTS_IN_FORCE",
        name: "agreements_in_force",
        aggregate: Aggregate::Items,
        summable: false,
        title: [
            "Voimassa olevat kumppanuussopimukset",
            "Gällande partnerskapsavtal",
            "Partnership agreements in force",
        ],
        description: [
            "Allekirjoitetut kumppanuussopimukset, jotka olivat voimassa kuukauden aikana, osapuolten hyvinvointialueittain.",
            "Signed partnership agreements in force during the month, by the wellbeing services counties of their parties.",
        ],
    },
    Derivation {
        code: "PLATFORM_AGREEMENTS_ALL_PRINCIPLES",
        name: "agreements_with_all_principles",
        aggregate: Aggregate::FlaggedShare,
        summable: false,
        title: [
            "Kaikki viisi periaatetta kirjanneet sopimukset (%)",
            "Avtal som dokumenterar alla fem principer (%)",
            "Agreements documenting all five principles (%)",
        ],
        description: [
            "Osuus voimassa olevista sopimuksista, joissa on kirjattu kaikki viisi collective impact -periaatetta.",
            "Share of the agreements in force that document all five collective-impact principles.",
        ],
    },
    Derivation {
        code: "PLATFORM_ORGANIZATIONS_PUBLIC",
        name: "organizations_participating_public",
        aggregate: Aggregate::Items,
        summable: false,
        title: [
            "Mukana olleet julkisen sektorin organisaatiot",
            "Deltagande organisationer inom offentlig sektor",
            "Public-sector organisations taking part",
        ],
        description: [
            "Hyvinvointialueet, kunnat ja valtion virastot, jotka olivat voimassa olevan sopimuksen osapuolena tai järjestivät toteutuneen tapahtuman.",
            "Wellbeing services counties, municipalities and state agencies that were a party of an agreement in force or organised an occurrence held.",
        ],
    },
    Derivation {
        code: "PLATFORM_ORGANIZATIONS_NGO",
        name: "organizations_participating_ngo",
        aggregate: Aggregate::Items,
        summable: false,
        title: ["Mukana olleet järjestöt", "Deltagande organisationer", "NGOs taking part"],
        description: [
            "Järjestöt, jotka olivat voimassa olevan sopimuksen osapuolena tai järjestivät toteutuneen tapahtuman.",
            "NGOs that were a party of an agreement in force or organised an occurrence held.",
        ],
    },
    Derivation {
        code: "PLATFORM_ORGANIZATIONS_PARISH",
        name: "organizations_participating_parish",
        aggregate: Aggregate::Items,
        summable: false,
        title: ["Mukana olleet seurakunnat", "Deltagande församlingar", "Parishes taking part"],
        description: [
            "Seurakunnat, jotka olivat voimassa olevan sopimuksen osapuolena tai järjestivät toteutuneen tapahtuman.",
            "Parishes that were a party of an agreement in force or organised an occurrence held.",
        ],
    },
    Derivation {
        code: "PLATFORM_ORGANIZATIONS_COMPANY",
        name: "organizations_participating_company",
        aggregate: Aggregate::Items,
        summable: false,
        title: ["Mukana olleet yritykset", "Deltagande företag", "Companies taking part"],
        description: [
            "Yritykset, jotka olivat voimassa olevan sopimuksen osapuolena tai järjestivät toteutuneen tapahtuman.",
            "Companies that were a party of an agreement in force or organised an occurrence held.",
        ],
    },
    Derivation {
        code: "PLATFORM_OCCURRENCES_HELD",
        name: "occurrences_held",
        aggregate: Aggregate::Items,
        summable: true,
        title: ["Toteutuneet tapahtumakerrat", "Genomförda evenemangstillfällen", "Occurrences held"],
        description: [
            "Julkaistujen tapahtumasarjojen kerrat, jotka pidettiin (ei peruttu, päättyneet), tapahtumapaikan kunnan mukaan.",
            "Occurrences of published event series that took place (not cancelled, ended), by the venue's municipality.",
        ],
    },
    Derivation {
        code: "PLATFORM_OCCURRENCES_CANCELLED",
        name: "occurrences_cancelled",
        aggregate: Aggregate::Items,
        summable: true,
        title: ["Perutut tapahtumakerrat", "Inställda evenemangstillfällen", "Occurrences cancelled"],
        description: [
            "Julkaistujen tapahtumasarjojen perutut kerrat (kerta tai koko sarja peruttu).",
            "Cancelled occurrences of published event series (the occurrence or its whole series).",
        ],
    },
    Derivation {
        code: "PLATFORM_ATTENDANCE",
        name: "participants",
        aggregate: Aggregate::Sum,
        summable: true,
        title: ["Osallistujat yhteensä", "Deltagare totalt", "Total attendance"],
        description: [
            "Toteutuneisiin tapahtumakertoihin kirjatut osallistujat.",
            "Participants recorded at the occurrences held.",
        ],
    },
    Derivation {
        code: "PLATFORM_VOLUNTEERS",
        name: "volunteers",
        aggregate: Aggregate::Sum,
        summable: true,
        title: ["Vapaaehtoiset yhteensä", "Frivilliga totalt", "Total volunteers"],
        description: [
            "Toteutuneisiin tapahtumakertoihin kirjatut vapaaehtoiset.",
            "Volunteers recorded at the occurrences held.",
        ],
    },
    Derivation {
        code: "PLATFORM_CO_ORGANIZERS",
        name: "co_organizers",
        aggregate: Aggregate::Items,
        summable: false,
        title: [
            "Yhdessä järjestäneet organisaatiot",
            "Organisationer som samarrangerat",
            "Organisations co-organising",
        ],
        description: [
            "Eri organisaatiot, jotka järjestivät toteutuneita tapahtumakertoja yhdessä (julkaisija ja hyväksyneet järjestäjäkumppanit).",
            "Distinct organisations that organised occurrences held together (the publisher and the accepted co-organisers).",
        ],
    },
    Derivation {
        code: "PLATFORM_VENUES_FREE_FOR_NGOS",
        name: "venues_free_for_ngos",
        aggregate: Aggregate::Items,
        summable: false,
        title: [
            "Järjestöjen maksutta käyttämät tilat",
            "Lokaler som organisationer använt avgiftsfritt",
            "Venues used free of charge by NGOs",
        ],
        description: [
            "Tilat, joita järjestö käytti maksutta: vahvistettu varaus ilman vuokraa tai järjestön tapahtuma maksuttomassa tilassa.",
            "Venues an NGO used free of charge: a confirmed booking without rent, or an NGO's occurrence held at a free venue.",
        ],
    },
];

impl Derivation {
    pub fn by_name(name: &str) -> Option<&'static Derivation> {
        DERIVATIONS.iter().find(|d| d.name == name)
    }

    fn fields(&self, locked_through: NaiveDate) -> IndicatorFields {
        let share = self.aggregate == Aggregate::FlaggedShare;
        let [fi, sv, en] = self.title;
        let [description_fi, description_en] = self.description;
        IndicatorFields {
            code: self.code.to_owned(),
            title: LocalizedText { fi: Some(fi.into()), sv: Some(sv.into()), en: Some(en.into()) },
            description: Some(LocalizedText {
                fi: Some(description_fi.into()),
                sv: None,
                en: Some(description_en.into()),
            }),
            interpretation: None,
            limitations: Some(LocalizedText {
                fi: Some("Laskettu vain alustalle kirjatuista tiedoista.".into()),
                sv: None,
                en: Some("Counts only what is recorded on the platform.".into()),
            }),
            kind: IndicatorType::Performance,
            measure: if share { Measure::Percentage } else { Measure::Count },
            unit: Some(if share { "%" } else { "lkm" }.into()),
            decimals: if share { 1 } else { 0 },
            rate_per: None,
            direction: if self.name == "occurrences_cancelled" {
                Direction::LowerIsBetter
            } else {
                Direction::HigherIsBetter
            },
            aggregation: if share {
                Aggregation::WeightedMean
            } else if self.summable {
                Aggregation::Sum
            } else {
                Aggregation::None
            },
            periodicity: Periodicity::P1M,
            dimensions: vec![Dimension::Area],
            owner_organization_id: None,
            agreement_ids: Vec::new(),
            external_references: Vec::new(),
            attribution: Some("Yhdyspinta".into()),
            licence: Some("CC BY 4.0".into()),
            visibility: IndicatorVisibility::Public,
            locked_through: Some(locked_through),
        }
    }
}

/// The last day of the months whose values are final: those before the previous month.
pub fn closed_through(today: NaiveDate) -> NaiveDate {
    let this_month = today.with_day(1).unwrap_or(today);
    this_month.checked_sub_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(today)
}

/// What one refresh did to one platform indicator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    pub indicator_id: Uuid,
    pub code: &'static str,
    /// Values inserted or changed.
    pub written: i64,
    /// Values of open months removed (nothing left to count).
    pub removed: i64,
    pub closed_through: NaiveDate,
}

impl Audited for Refreshed {
    const RESOURCE_TYPE: &'static str = "indicator";
    fn audit_id(&self) -> String {
        self.indicator_id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

/// Recomputes every platform indicator now: a platform admin's request.
pub async fn refresh(cx: &mut Cx<'_>) -> Result<Vec<Refreshed>, AppError> {
    let (_, actor) = cx.parts().await?;
    allow(actor, actor.is_platform_admin())?;
    refresh_as_of(cx, Utc::now().date_naive()).await
}

/// The periodic refresh (housekeeping): how many values changed.
pub async fn refresh_periodically(conn: &mut crate::db::Conn) -> Result<usize, AppError> {
    let done = refresh_as_of(&mut Cx::acting(conn, Actor::system()), Utc::now().date_naive()).await?;
    Ok(done.iter().map(|r| usize::try_from(r.written + r.removed).unwrap_or(0)).sum())
}

/// Defines any missing platform indicator (or brings its definition up to date), then
/// writes the values of every month from the first record to the current one, in one
/// transaction, one refresh at a time across instances.
pub async fn refresh_as_of(cx: &mut Cx<'_>, today: NaiveDate) -> Result<Vec<Refreshed>, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        repo::lock_refresh(tx).await?;
        let this_month = today.with_day(1).unwrap_or(today);
        let until = this_month.checked_add_months(Months::new(1)).unwrap_or(this_month);
        // At most ten years back: older records do not make a monthly series anyone reads.
        let earliest = this_month.checked_sub_months(Months::new(120)).unwrap_or(this_month);
        let from = repo::first_month(tx).await?.unwrap_or(this_month).clamp(earliest, this_month);
        let closed = closed_through(today);
        let mut done = Vec::new();
        for derivation in DERIVATIONS {
            let indicator = defined(tx, actor, derivation, closed).await?;
            let counts =
                repo::refresh(tx, indicator.id, derivation.name, derivation.aggregate, from, until, closed).await?;
            let refreshed = Refreshed {
                indicator_id: indicator.id,
                code: derivation.code,
                written: counts.written,
                removed: counts.removed,
                closed_through: closed,
            };
            if counts != repo::Refreshed::default() {
                audit::record(tx, actor, "refresh_values", Change::Created(&refreshed)).await?;
            }
            done.push(refreshed);
        }
        Ok(done)
    })
    .await
}

/// The platform indicator of `derivation`, created or updated to its current definition.
async fn defined(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    derivation: &Derivation,
    closed: NaiveDate,
) -> Result<Indicator, AppError> {
    let existing = repo::by_derivation(tx, derivation.name).await?;
    keep_reference(tx, actor, existing, IndicatorSource::Platform, Some(derivation.name), derivation.fields(closed))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_closes_when_the_next_one_has_ended() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(closed_through(day(2026, 12, 6)), day(2026, 10, 31));
        assert_eq!(closed_through(day(2026, 12, 1)), day(2026, 10, 31));
        assert_eq!(closed_through(day(2026, 3, 31)), day(2026, 1, 31));
        assert_eq!(closed_through(day(2027, 1, 15)), day(2026, 11, 30));
    }

    #[test]
    fn codes_and_names_are_unique_and_valid() {
        let mut codes: Vec<_> = DERIVATIONS.iter().map(|d| d.code).collect();
        let mut names: Vec<_> = DERIVATIONS.iter().map(|d| d.name).collect();
        codes.sort_unstable();
        codes.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!((codes.len(), names.len()), (DERIVATIONS.len(), DERIVATIONS.len()));
        for d in DERIVATIONS {
            let fields = d.fields(closed_through(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()));
            let errors = fields.rules();
            // Platform indicators have no owner and a reserved code; every other rule holds.
            assert!(
                errors.iter().all(|e| e.field == "owner_organization_id" || e.code == "reserved"),
                "{}: {errors:?}",
                d.code
            );
        }
    }
}
