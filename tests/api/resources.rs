//! Typed helpers per resource, in one place: the body of a typical record and its creation
//! (or next step) as a persona. A new resource's tests start by adding its module here.

pub mod agreements {
    use actix_web::test::TestRequest;

    use crate::support::{As, Personas, TestApp, json};

    pub fn body(code: &str, parties: &[uuid::Uuid]) -> serde_json::Value {
        let share = format!("{}", 100 / parties.len());
        serde_json::json!({
            "code": code,
            "title": {"fi": "Kohtaamispaikan kumppanuussopimus"},
            "purpose": {"fi": "Ikääntyneiden yksinäisyyden vähentäminen"},
            "period": {"start_date": "2026-01-01", "end_date": "2099-12-31"},
            "parties": parties.iter().map(|p| serde_json::json!({"organization_id": p, "roles": ["partner"], "must_sign": true})).collect::<Vec<_>>(),
            "tasks": [{"description": {"fi": "Kahvilan järjestäminen"}, "responsible_party_ids": [parties[0]]}],
            "ground_rules": {"contact_persons": {"fi": "Nimetyt yhdyshenkilöt"}, "premises_use": {"fi": "Tilat maksutta"}},
            "ci_principles": [{"principle": "common_agenda", "commitment": {"fi": "Yhteinen tavoite"}}],
            "cost_sharing": [{"category": "rent", "basis": "percentage", "amount": "4800", "amount_period": "annual",
                              "shares": parties.iter().map(|p| serde_json::json!({"organization_id": p, "percent": share})).collect::<Vec<_>>()}]
        })
    }

    pub async fn create(app: &TestApp, p: &Personas, who: As, body: serde_json::Value) -> serde_json::Value {
        let res = app.call(json(p.request(who, TestRequest::post().uri("/api/v1/agreements")), body)).await;
        res.assert_status(201).json()
    }

    pub async fn transition(app: &TestApp, p: &Personas, who: As, id: &str, to: &str) -> crate::support::TestResponse {
        app.call(json(
            p.request(who, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/transitions"))),
            serde_json::json!({"to": to, "comment": "siirto"}),
        ))
        .await
    }

    pub async fn sign(
        app: &TestApp,
        p: &Personas,
        who: As,
        id: &str,
        n: i64,
        hash: &str,
    ) -> crate::support::TestResponse {
        app.call(json(
            p.request(who, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/versions/{n}/signatures"))),
            serde_json::json!({"content_hash": hash, "signatory_name": "Aino Esimerkki", "signatory_title": "Puheenjohtaja",
                               "method": "board_decision", "decision_ref": "Hallitus 1.2.2026 §4"}),
        ))
        .await
    }

    pub async fn activate(app: &TestApp, p: &Personas, code: &str) -> String {
        let a = create(app, p, As::PlatformAdmin, body(code, &[p.org, p.other_org])).await;
        let id = a["id"].as_str().unwrap().to_owned();
        transition(app, p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
        let hash = version_hash(app, p, &id, 1).await;
        sign(app, p, As::OrgAdmin, &id, 1, &hash).await.assert_status(201);
        sign(app, p, As::Outsider, &id, 1, &hash).await.assert_status(201);
        id
    }

    pub async fn version_hash(app: &TestApp, p: &Personas, id: &str, n: i64) -> String {
        let v = app
            .call(
                TestRequest::get()
                    .uri(&format!("/api/v1/agreements/{id}/versions/{n}"))
                    .insert_header(p.bearer(As::PlatformAdmin)),
            )
            .await;
        v.assert_status(200).json()["content_hash"].as_str().unwrap().to_owned()
    }

    pub async fn amend(
        app: &TestApp,
        p: &Personas,
        who: As,
        id: &str,
        rationale: &str,
    ) -> crate::support::TestResponse {
        app.call(json(
            p.request(who, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/amendments"))),
            serde_json::json!({"rationale": rationale}),
        ))
        .await
    }
}

pub mod venues {
    use actix_web::test::TestRequest;
    use serde_json::{Value, json};

    use crate::support::{As, Personas, TestApp, json};

    pub const VENUES: &str = "/api/v1/venues";

    pub fn venue_body(p: &Personas, name: &str, municipality: &str, lon: f64, lat: f64) -> Value {
        json!({"name": {"fi": name}, "kind": "meeting_place", "owner_organization_id": p.org,
               "address": {"street": "Kauppakatu 1", "postal_code": "40100", "locality": "Jyväskylä",
                           "municipality_code": municipality},
               "position": {"lon": lon, "lat": lat}, "accessibility": ["wheelchair", "induction_loop"],
               "premises_terms": "free_for_ngos", "rent_amount": "40.00", "capacity": 40,
               "opening_hours": {"rules": [{"weekdays": ["mo", "tu"], "opens": "09:00", "closes": "16:00"}],
                                 "exceptions": [{"date": "2026-12-24", "closed": true}]}})
    }

    pub async fn venue(app: &TestApp, p: &Personas, body: Value) -> (String, String) {
        let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(VENUES), body))).await;
        res.assert_status(201);
        (res.json()["id"].as_str().unwrap().to_owned(), res.header("etag").unwrap().to_owned())
    }
}

pub mod event_series {
    use actix_web::test::TestRequest;
    use serde_json::{Value, json};

    use crate::support::{As, Personas, TestApp, TestResponse, json};

    pub const SERIES: &str = "/api/v1/event-series";

    pub const OCCURRENCES: &str = "/api/v1/occurrences";

    pub fn cafe(p: &Personas, venue: &str, status: &str) -> Value {
        json!({"title": {"fi": "Seniorikahvila", "sv": "Seniorcafé"}, "kind": "recurring",
               "activity_type": "ongoing_activity", "organizer_ids": [p.org], "publisher_id": p.org,
               "venue_id": venue, "target_groups": ["older_people"], "languages": ["fi", "sv"],
               "price": {"is_free": true}, "publication_status": status,
               "schedule": {"timezone": "Europe/Helsinki", "start_date": "2026-03-03", "start_time": "10:00",
                            "end_time": "12:00", "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": ["2026-03-17"]}})
    }

    pub async fn create(app: &TestApp, p: &Personas, body: Value) -> Value {
        let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), body))).await;
        res.assert_status(201);
        res.json()
    }

    pub fn data(res: &TestResponse) -> Vec<Value> {
        res.json()["data"].as_array().unwrap().clone()
    }

    pub async fn occurrences(app: &TestApp, p: &Personas, series: &str) -> Vec<Value> {
        let res = app
            .call(p.request(As::Member, TestRequest::get().uri(&format!("{SERIES}/{series}/occurrences?limit=200"))))
            .await;
        res.assert_status(200);
        data(&res)
    }

    pub fn patch(uri: &str, body: Value) -> TestRequest {
        json(TestRequest::patch().uri(uri), body).insert_header(("if-match", "*"))
    }

    /// `who` accepts `organization`'s place among the series' organisers.
    pub async fn accept(app: &TestApp, p: &Personas, who: As, series: &str, organization: uuid::Uuid) -> TestResponse {
        app.call(
            p.request(
                who,
                json(
                    TestRequest::post().uri(&format!("{SERIES}/{series}/acceptances")),
                    json!({"organization_id": organization}),
                )
                .insert_header(("if-match", "*")),
            ),
        )
        .await
    }
}

pub mod coordination_documents {
    use actix_web::test::TestRequest;
    use serde_json::json;

    use crate::support::{As, Personas, TestApp, json};

    pub const DOCS: &str = "/api/v1/coordination-documents";

    pub fn with_if_match(req: TestRequest, etag: &str) -> TestRequest {
        req.insert_header(("if-match", etag.to_owned()))
    }

    /// Creates a document owned by the personas' organisation, listing `others` too.
    pub async fn document(app: &TestApp, p: &Personas, others: &[uuid::Uuid]) -> (String, String) {
        let mut editors = vec![p.org];
        editors.extend_from_slice(others);
        let res = app
            .call(p.request(
                As::Coordinator,
                json(
                    TestRequest::post().uri(DOCS),
                    json!({"title": "Kevään kohtaamispaikkasuunnitelma", "editors": editors,
                           "sections": [{"heading": "Tavoitteet", "body": "Yksi\nKaksi\nKolme"}]}),
                ),
            ))
            .await;
        res.assert_status(201);
        let id = res.json()["id"].as_str().unwrap().to_owned();
        (id, res.header("etag").unwrap().to_owned())
    }

    pub async fn entry(app: &TestApp, p: &Personas, doc: &str, title: &str) -> (String, String) {
        let res = app
            .call(p.request(
                As::Coordinator,
                with_if_match(
                    json(
                        TestRequest::post().uri(&format!("{DOCS}/{doc}/entries")),
                        json!({"date": "2026-04-01", "start_time": "10:00", "end_time": "12:00", "title": title,
                               "content": "Ohjelma", "responsible": {"organization_ids": [p.org]}}),
                    ),
                    "*",
                ),
            ))
            .await;
        res.assert_status(201);
        (res.json()["id"].as_str().unwrap().to_owned(), res.header("etag").unwrap().to_owned())
    }
}

pub mod indicators {
    use actix_web::test::TestRequest;
    use serde_json::{Value, json};

    use crate::support::{As, Personas, TestApp, TestResponse, json};

    pub const INDICATORS: &str = "/api/v1/indicators";
    pub const BATCH: &str = "/api/v1/observations:batch";

    /// A percentage indicator owned by the personas' organisation, by area.
    pub fn body(p: &Personas, code: &str, visibility: &str) -> Value {
        json!({"code": code, "title": {"fi": "Yksinäisyyttä kokevat 65+"}, "type": "population",
               "measure": "percentage", "unit": "%", "decimals": 1, "direction": "lower_is_better",
               "aggregation": "weighted_mean", "periodicity": "P1Y", "dimensions": ["area", "organization"],
               "owner_organization_id": p.org, "visibility": visibility,
               "external_references": [{"vocabulary": "sotkanet", "code": "4230"}], "licence": "CC BY 4.0"})
    }

    pub async fn create(app: &TestApp, p: &Personas, body: Value) -> Value {
        let res = app.call(json(p.request(As::Coordinator, TestRequest::post().uri(INDICATORS)), body)).await;
        res.assert_status(201).json()
    }

    /// Sends a batch of values as `who`.
    pub async fn report(app: &TestApp, p: &Personas, who: As, rows: Vec<Value>) -> TestResponse {
        app.call(json(p.request(who, TestRequest::post().uri(BATCH)), json!({"observations": rows}))).await
    }

    /// Moves a value as `who`.
    pub async fn transition(app: &TestApp, p: &Personas, who: As, id: &str, body: Value) -> TestResponse {
        let uri = format!("/api/v1/observations/{id}/transitions");
        app.call(json(p.request(who, TestRequest::post().uri(&uri)), body)).await
    }
}

pub mod networks {
    use actix_web::test::TestRequest;
    use serde_json::{Value, json};

    use crate::support::{As, Personas, TestApp, json};

    pub const NETWORKS: &str = "/api/v1/networks";

    pub fn body(p: &Personas, name: &str, visibility: &str) -> Value {
        json!({"name": {"fi": name}, "purpose": {"fi": "Hyvinvoinnin edistämisen yhteistyö"}, "kind": "hyte_network",
               "visibility": visibility, "area": {"county_code": "02", "municipality_codes": ["186"]},
               "founding_organization_id": p.org})
    }

    /// A network `p.org` coordinates, created by its coordinator.
    pub async fn create(app: &TestApp, p: &Personas, body: Value) -> Value {
        let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(NETWORKS), body))).await;
        res.assert_status(201).json()
    }
}
