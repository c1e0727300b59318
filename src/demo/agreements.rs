//! Demo partnership agreements: the Keski-Suomi meeting place (active, signed by all five
//! parties, reviewed) and Keusote with a subsidised NGO (in negotiation).

use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::contacts::demo_contact;
use super::identity::{demo_admin, demo_org_admin};
use super::ids;
use crate::db::Conn;
use crate::domain::agreements::reviews::{self as agreement_reviews, ReviewDecision, ReviewInput, ReviewOutcome};
use crate::domain::agreements::{
    self, AgreementFields, AgreementVisibility, AmountPeriod, CiPrinciple, CostBasis, CostCategory, CostItem,
    ExtraSection, GroundRules, Party, PartyRole, Period, Principle, Review, Share, SignatureInput, SignatureMethod,
    Status, Task, TransitionInput,
};
use crate::domain::context::Cx;
use crate::domain::identity::tokens::KeySet;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;
use crate::repo::agreements as agreement_repo;

fn as_admin(conn: &mut Conn) -> Cx<'_> {
    Cx::acting(conn, demo_admin())
}

fn to(status: Status, comment: &str) -> TransitionInput {
    TransitionInput { to: status, comment: Some(comment.to_owned()) }
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
    super::agreement_date(y, m, d)
}

fn meeting_place_agreement(contacts: (Uuid, Uuid)) -> Result<AgreementFields, AppError> {
    use ids::*;
    let principle =
        |p: Principle, text: &str| CiPrinciple { principle: p, commitment: fi(text), evidence_links: vec![] };
    Ok(AgreementFields {
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

fn keusote_agreement(contact: Uuid) -> Result<AgreementFields, AppError> {
    use ids::*;
    Ok(AgreementFields {
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
pub(super) async fn seed(conn: &mut Conn, keys: &KeySet) -> Result<usize, AppError> {
    use ids::*;
    if agreement_repo::id_by_code(conn, "KS-2026-014").await?.is_some() {
        return Ok(0);
    }
    conn.transaction(async |tx| {
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
            agreements::create(&mut as_admin(tx), meeting_place_agreement((county_contact, ngo_contact))?).await?;
        agreements::transition(&mut as_admin(tx), meeting_place.id, to(Status::Negotiation, "Luonnos osapuolille"))
            .await?;
        agreements::transition(
            &mut as_admin(tx),
            meeting_place.id,
            to(Status::AwaitingSignatures, "Allekirjoitettavaksi"),
        )
        .await?;
        let version = agreements::version(&mut as_admin(tx), meeting_place.id, 1).await?;
        for org in [KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI, KOHTAAMISPAIKAT, JYVASKYLA_PARISH] {
            let signature = SignatureInput {
                organization_id: Some(org),
                content_hash: version.content_hash.clone(),
                signatory_name: "Demo Allekirjoittaja".into(),
                signatory_title: "Pääkäyttäjä".into(),
                method: SignatureMethod::BoardDecision,
                decision_ref: Some("Hallitus 15.12.2025 §7".into()),
            };
            agreements::sign(&mut Cx::acting(tx, demo_org_admin(org)), keys, meeting_place.id, 1, signature).await?;
        }
        let review = ReviewInput {
            scheduled_date: date(2026, 11, 10)?,
            held_on: Some(date(2026, 11, 10)?),
            participant_organization_ids: vec![KESKI_SUOMI_COUNTY, JYVASKYLA, SENIORIKAMMARI],
            participant_contact_ids: vec![county_contact, ngo_contact],
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
        agreement_reviews::record_review(&mut as_admin(tx), meeting_place.id, review).await?;

        let keusote = agreements::create(&mut as_admin(tx), keusote_agreement(keusote_contact)?).await?;
        agreements::transition(&mut as_admin(tx), keusote.id, to(Status::Negotiation, "Avustusehdot neuvoteltavana"))
            .await?;
        let review = ReviewInput {
            scheduled_date: date(2026, 10, 6)?,
            held_on: Some(date(2026, 10, 6)?),
            participant_organization_ids: vec![KEUSOTE, HYVA_ARKI],
            participant_contact_ids: vec![keusote_contact],
            agenda: Some(fi("Edellisen kauden ryhmät ja uuden sopimuksen tarve")),
            findings: Some(fi("Ryhmät olivat täynnä; jatkoon tarvitaan toinen ryhmä.")),
            decisions: vec![],
            outcome: ReviewOutcome::Continue,
            next_review_due: Some(date(2027, 10, 5)?),
        };
        agreement_reviews::record_review(&mut as_admin(tx), keusote.id, review).await?;
        Ok::<usize, AppError>(2)
    })
    .await
}
