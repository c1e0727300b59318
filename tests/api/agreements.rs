use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;
use yhdyspinta::domain::organizations::OrganizationKind;

use crate::resources::agreements::{activate, amend, body, create, sign, transition, version_hash};
use crate::support::{As, Personas, TestApp, fixtures, json};

#[actix_web::test]
async fn coordinators_of_a_party_create_agreements() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let next = std::cell::Cell::new(0);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Client, 403),
            (As::Coordinator, 201),
            (As::OrgAdmin, 201),
            (As::PlatformAdmin, 201),
        ],
        || {
            next.set(next.get() + 1);
            json(TestRequest::post().uri("/api/v1/agreements"), body(&format!("KS-2026-{:03}", next.get()), &[p.org]))
        },
    )
    .await;
    let created = create(&app, &p, As::Coordinator, body("KS-2026-100", &[p.org])).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["ci_principles_complete"], false);
    assert_eq!(created["cost_sharing"][0]["shares"][0]["percent"], "100.00");
    assert_eq!(created["cost_sharing"][0]["amount"], "4800.00");
    assert_eq!(created["review"]["cycle_months"], 12);
}

#[actix_web::test]
async fn invalid_agreements_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let post = |b: serde_json::Value| {
        json(TestRequest::post().uri("/api/v1/agreements").insert_header(p.bearer(As::PlatformAdmin)), b)
    };
    let mut uneven = body("KS-1", &[p.org, p.other_org]);
    uneven["cost_sharing"][0]["shares"][0]["percent"] = "33.33".into();
    uneven["cost_sharing"][0]["shares"][1]["percent"] = "66.66".into();
    let problem = app.call(post(uneven)).await.assert_problem(422);
    assert_eq!(problem["errors"][0]["code"], "percentages_not_100");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("99.99"));

    let mut float = body("KS-2", &[p.org]);
    float["cost_sharing"][0]["shares"][0]["percent"] = serde_json::json!(100.0);
    app.call(post(float)).await.assert_problem(422);

    let mut outsider_task = body("KS-3", &[p.org]);
    outsider_task["tasks"][0]["responsible_party_ids"] = serde_json::json!([p.other_org]);
    assert_eq!(app.call(post(outsider_task)).await.assert_problem(422)["errors"][0]["code"], "not_a_party");

    let mut dates = body("KS-4", &[p.org]);
    dates["period"]["end_date"] = "2025-01-01".into();
    assert_eq!(app.call(post(dates)).await.assert_problem(422)["errors"][0]["field"], "period.end_date");

    let unknown_party = body("KS-5", &[uuid::Uuid::now_v7()]);
    // Naming an organisation that does not exist is a reference that does not resolve (409).
    let problem = app.call(post(unknown_party)).await.assert_problem(409);
    assert!(problem["detail"].as_str().unwrap().starts_with("parties:"), "{problem}");

    let mut foreign_contact = body("KS-6", &[p.org]);
    foreign_contact["parties"][0]["contact_ids"] = serde_json::json!([uuid::Uuid::now_v7()]);
    assert_eq!(app.call(post(foreign_contact)).await.assert_problem(422)["errors"][0]["code"], "not_found");

    let mut extra = body("KS-7", &[p.org]);
    extra["status"] = "active".into();
    assert_eq!(app.call(post(extra)).await.assert_problem(422)["errors"][0]["field"], "status");

    create(&app, &p, As::PlatformAdmin, body("KS-8", &[p.org])).await;
    app.call(post(body("KS-8", &[p.org]))).await.assert_problem(409);
}

#[actix_web::test]
async fn party_agreements_are_invisible_to_others_and_public_ones_hide_contacts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let contact = app
        .call(json(
            TestRequest::post()
                .uri(&format!("/api/v1/organizations/{}/contacts", p.org))
                .insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"name": "Aino Esimerkki"}),
        ))
        .await
        .json();
    let mut b = body("KS-2026-001", &[p.org]);
    b["parties"][0]["contact_ids"] = serde_json::json!([contact["id"]]);
    let a = create(&app, &p, As::Coordinator, b).await;
    let uri = format!("/api/v1/agreements/{}", a["id"].as_str().unwrap());
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 404),
            (As::Outsider, 404),
            (As::Client, 404),
            (As::ClientWithoutScope, 404),
            (As::Member, 200),
            (As::Coordinator, 200),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri(&uri),
    )
    .await;
    let listed = |who: As| {
        let req = p.request(who, TestRequest::get().uri("/api/v1/agreements"));
        async { app.call(req).await.json()["data"].as_array().unwrap().len() }
    };
    assert_eq!(listed(As::Member).await, 1);
    assert_eq!(listed(As::Outsider).await, 0);
    assert_eq!(listed(As::Anonymous).await, 0);

    // Made public: readable by anyone, but contact persons only by the parties.
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&uri)
                .insert_header(p.bearer(As::Coordinator))
                .insert_header(("if-match", "\"1\"")),
            serde_json::json!({"visibility": "public"}),
        ))
        .await;
    res.assert_status(200);
    let anonymous = app.get(&uri).await.assert_status(200).json();
    assert_eq!(anonymous["parties"][0]["contact_ids"], serde_json::json!([]));
    let member = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(member["parties"][0]["contact_ids"][0], contact["id"]);
    assert_eq!(listed(As::Anonymous).await, 1);
}

#[actix_web::test]
async fn editing_needs_if_match_and_an_editable_state() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let a = create(&app, &p, As::Coordinator, body("KS-2026-002", &[p.org])).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/agreements/{id}");
    let patch = |etag: Option<&str>, body: serde_json::Value| {
        let mut req = TestRequest::patch().uri(&uri).insert_header(p.bearer(As::Coordinator));
        if let Some(tag) = etag {
            req = req.insert_header(("if-match", tag.to_owned()));
        }
        json(req, body)
    };
    app.call(patch(None, serde_json::json!({"title": {"fi": "Uusi"}}))).await.assert_problem(428);
    app.call(patch(Some("\"9\""), serde_json::json!({"title": {"fi": "Uusi"}}))).await.assert_problem(412);
    let res = app.call(patch(Some("\"1\""), serde_json::json!({"ground_rules": {"premises_use": null, "meetings_and_development": {"fi": "Kerran vuodessa"}}}))).await;
    let edited = res.assert_status(200).json();
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert!(edited["ground_rules"]["premises_use"].is_null());
    assert_eq!(edited["ground_rules"]["contact_persons"]["fi"], "Nimetyt yhdyshenkilöt");
    assert_eq!(edited["ground_rules"]["meetings_and_development"]["fi"], "Kerran vuodessa");
    app.call(patch(Some("*"), serde_json::json!({"no_such_field": 1}))).await.assert_problem(422);
    // Members read but do not edit.
    let res = app
        .call(json(
            TestRequest::patch().uri(&uri).insert_header(p.bearer(As::Member)).insert_header(("if-match", "*")),
            serde_json::json!({}),
        ))
        .await;
    res.assert_problem(403);

    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    app.call(patch(Some("*"), serde_json::json!({"title": {"fi": "Myöhäinen muutos"}}))).await.assert_problem(409);
}

#[actix_web::test]
async fn all_five_principles_are_reported_and_filterable() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut b = body("KS-2026-003", &[p.org]);
    b["ci_principles"] = serde_json::json!(
        [
            "common_agenda",
            "shared_measurement",
            "mutually_reinforcing_activities",
            "continuous_communication",
            "backbone_support"
        ]
        .iter()
        .map(|x| serde_json::json!({"principle": x, "commitment": {"fi": "Sitoumus"}}))
        .collect::<Vec<_>>()
    );
    let complete = create(&app, &p, As::Coordinator, b).await;
    assert_eq!(complete["ci_principles_complete"], true);
    create(&app, &p, As::Coordinator, body("KS-2026-004", &[p.org])).await;
    let ids = |q: &str| {
        let req = TestRequest::get().uri(&format!("/api/v1/agreements?{q}")).insert_header(p.bearer(As::Member));
        async {
            app.call(req).await.json()["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["code"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("ci_principles=complete").await, vec!["KS-2026-003"]);
    assert_eq!(ids("ci_principles=incomplete").await, vec!["KS-2026-004"]);
    assert_eq!(ids("status=draft").await.len(), 2);
    assert_eq!(ids("status=active").await.len(), 0);
    assert_eq!(ids(&format!("party={}", p.org)).await.len(), 2);
    assert_eq!(ids("valid_on=2100-01-01").await.len(), 0);
    assert_eq!(ids("valid_on=2026-06-01").await.len(), 2);
    assert_eq!(ids("q=kohtaamisp").await.len(), 2);
    app.call(TestRequest::get().uri("/api/v1/agreements?status=whatever").insert_header(p.bearer(As::Member)))
        .await
        .assert_problem(400);
}

#[actix_web::test]
async fn signing_activates_only_when_every_party_signed_the_same_hash() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    // Outsider is the other organisation's org admin: here it is the second party.
    let a = create(&app, &p, As::Coordinator, body("KS-2026-005", &[p.org, p.other_org])).await;
    let id = a["id"].as_str().unwrap().to_owned();

    let illegal = transition(&app, &p, As::Coordinator, &id, "terminated").await;
    let detail = illegal.assert_problem(409)["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("negotiation") && detail.contains("awaiting_signatures") && detail.contains("cancelled"),
        "{detail}"
    );
    transition(&app, &p, As::Coordinator, &id, "active").await.assert_problem(409);
    transition(&app, &p, As::Coordinator, &id, "negotiation").await.assert_status(200);
    let frozen = transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200).json();
    assert_eq!(frozen["status"], "awaiting_signatures");

    let version = app
        .call(
            TestRequest::get().uri(&format!("/api/v1/agreements/{id}/versions/1")).insert_header(p.bearer(As::Member)),
        )
        .await
        .assert_status(200)
        .json();
    let hash = version["content_hash"].as_str().unwrap().to_owned();
    assert_eq!(hash, yhdyspinta::domain::types::canonical_json::content_hash(&version["snapshot"]));
    assert_eq!(version["snapshot"]["code"], "KS-2026-005");

    // A version's ETag answers If-None-Match, and changes once it is signed.
    let version_uri = format!("/api/v1/agreements/{id}/versions/1");
    let unsigned_tag = app
        .call(TestRequest::get().uri(&version_uri).insert_header(p.bearer(As::Member)))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = app
        .call(
            TestRequest::get()
                .uri(&version_uri)
                .insert_header(p.bearer(As::Member))
                .insert_header(("if-none-match", unsigned_tag.as_str())),
        )
        .await;
    res.assert_status(304);

    sign(&app, &p, As::OrgAdmin, &id, 1, &"0".repeat(64)).await.assert_problem(409);
    sign(&app, &p, As::Coordinator, &id, 1, &hash).await.assert_problem(403);
    sign(&app, &p, As::PlatformAdmin, &id, 1, &hash).await.assert_problem(403);
    sign(&app, &p, As::Anonymous, &id, 1, &hash).await.assert_problem(401);
    sign(&app, &p, As::OrgAdmin, &id, 2, &hash).await.assert_problem(404);

    let first = sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await.assert_status(201).json();
    assert_eq!(first["agreement_status"], "awaiting_signatures");
    let res = app
        .call(
            TestRequest::get()
                .uri(&version_uri)
                .insert_header(p.bearer(As::Member))
                .insert_header(("if-none-match", unsigned_tag.as_str())),
        )
        .await;
    res.assert_status(200);
    sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await.assert_problem(409);
    let last = sign(&app, &p, As::Outsider, &id, 1, &hash).await.assert_status(201).json();
    assert_eq!(last["agreement_status"], "active");
    assert_eq!(last["current_version"], 1);

    let active = app
        .call(TestRequest::get().uri(&format!("/api/v1/agreements/{id}")).insert_header(p.bearer(As::Member)))
        .await
        .json();
    assert_eq!(active["status"], "active");
    transition(&app, &p, As::Coordinator, &id, "cancelled").await.assert_problem(409);
    let res = app
        .call(json(
            TestRequest::post()
                .uri(&format!("/api/v1/agreements/{id}/transitions"))
                .insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"to": "terminated"}),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "comment");
    let versions = app
        .call(TestRequest::get().uri(&format!("/api/v1/agreements/{id}/versions")).insert_header(p.bearer(As::Member)))
        .await
        .json();
    assert_eq!(versions["data"][0]["signatures"].as_array().unwrap().len(), 2);
    // Signatures are append-only in the database too.
    let err =
        diesel_async::SimpleAsyncConnection::batch_execute(&mut *app.conn().await, "DELETE FROM agreement_signatures")
            .await;
    assert!(err.is_err());
}

#[actix_web::test]
async fn concurrent_last_signatures_activate_exactly_once() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let a = create(&app, &p, As::PlatformAdmin, body("KS-2026-006", &[p.org, p.other_org])).await;
    let id = a["id"].as_str().unwrap().to_owned();
    transition(&app, &p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let hash = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/agreements/{id}/versions/1"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .json()["content_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let (one, two) =
        tokio::join!(sign(&app, &p, As::OrgAdmin, &id, 1, &hash), sign(&app, &p, As::Outsider, &id, 1, &hash));
    one.assert_status(201);
    two.assert_status(201);
    let statuses = [one.json()["agreement_status"].clone(), two.json()["agreement_status"].clone()];
    assert_eq!(statuses.iter().filter(|s| *s == "active").count(), 1, "{statuses:?}");
    let log = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/audit-log?resource_type=agreement&resource_id={id}"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .json();
    let activations = log["data"].as_array().unwrap().iter().filter(|e| e["action"] == "activate").count();
    assert_eq!(activations, 1);
    // The entries belong to every party: the second party's org admin reads them too.
    let theirs = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/audit-log?resource_type=agreement&resource_id={id}"))
                .insert_header(p.bearer(As::Outsider)),
        )
        .await
        .json();
    assert_eq!(theirs["data"].as_array().unwrap().len(), log["data"].as_array().unwrap().len());
}

#[actix_web::test]
async fn no_sequence_of_calls_activates_without_all_signatures() {
    // A small exhaustive walk: every order of transitions and signatures among three parties
    // (one of which does not sign) must leave the agreement inactive until both signers
    // signed the version that is awaiting signatures.
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let third = fixtures::organization("Kolmas ry", OrganizationKind::Ngo);
    let third_id = third.0;
    fixtures::insert(&mut *app.conn().await, vec![third]).await;
    let mut b = body("KS-2026-007", &[p.org, p.other_org]);
    b["parties"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"organization_id": third_id, "roles": ["funder"], "must_sign": false}));
    b["cost_sharing"] = serde_json::json!([]);
    let a = create(&app, &p, As::PlatformAdmin, b).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let status = || {
        let req =
            TestRequest::get().uri(&format!("/api/v1/agreements/{id}")).insert_header(p.bearer(As::PlatformAdmin));
        async { app.call(req).await.json()["status"].as_str().unwrap().to_owned() }
    };
    // Freeze v1, sign it by one party, go back to negotiation (v1 is abandoned), freeze v2.
    transition(&app, &p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let v1 = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/agreements/{id}/versions/1"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .json();
    let h1 = v1["content_hash"].as_str().unwrap().to_owned();
    sign(&app, &p, As::OrgAdmin, &id, 1, &h1).await.assert_status(201);
    assert_eq!(status().await, "awaiting_signatures");
    transition(&app, &p, As::PlatformAdmin, &id, "negotiation").await.assert_status(200);
    sign(&app, &p, As::Outsider, &id, 1, &h1).await.assert_problem(409);
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&format!("/api/v1/agreements/{id}"))
                .insert_header(p.bearer(As::PlatformAdmin))
                .insert_header(("if-match", "*")),
            serde_json::json!({"purpose": {"fi": "Muutettu tarkoitus"}}),
        ))
        .await;
    res.assert_status(200);
    transition(&app, &p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let v2 = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/agreements/{id}/versions/2"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .json();
    let h2 = v2["content_hash"].as_str().unwrap().to_owned();
    assert_ne!(h1, h2);
    // The old hash does not count for the new version; the first party's v1 signature neither.
    sign(&app, &p, As::Outsider, &id, 2, &h1).await.assert_problem(409);
    sign(&app, &p, As::Outsider, &id, 2, &h2).await.assert_status(201);
    assert_eq!(status().await, "awaiting_signatures");
    let last = sign(&app, &p, As::OrgAdmin, &id, 2, &h2).await.assert_status(201).json();
    assert_eq!(last["agreement_status"], "active");
    assert_eq!(last["current_version"], 2);
}

#[actix_web::test]
async fn amendments_keep_the_signed_version_in_force_until_the_new_one_is_signed() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "KS-2026-010").await;
    let uri = format!("/api/v1/agreements/{id}");
    let patch = |body: serde_json::Value| {
        json(
            TestRequest::patch().uri(&uri).insert_header(p.bearer(As::Coordinator)).insert_header(("if-match", "*")),
            body,
        )
    };
    let res = app.call(patch(serde_json::json!({"purpose": {"fi": "Uusi tarkoitus"}}))).await;
    assert!(res.assert_problem(409)["detail"].as_str().unwrap().contains("amendment"));

    amend(&app, &p, As::Coordinator, &id, " ").await.assert_problem(422);
    amend(&app, &p, As::Anonymous, &id, "x").await.assert_problem(401);
    amend(&app, &p, As::Member, &id, "x").await.assert_problem(403);
    let opened = amend(&app, &p, As::Coordinator, &id, "Vuosikatsauksen päätös").await.assert_status(200).json();
    assert_eq!(opened["status"], "active");
    assert_eq!(opened["current_version"], 1);
    assert_eq!(opened["amendment"]["status"], "draft");
    amend(&app, &p, As::Coordinator, &id, "toinen").await.assert_problem(409);

    app.call(patch(serde_json::json!({"purpose": {"fi": "Uusi tarkoitus"}}))).await.assert_status(200);
    let v1 =
        app.call(TestRequest::get().uri(&format!("{uri}/versions/1")).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(v1["snapshot"]["purpose"]["fi"], "Ikääntyneiden yksinäisyyden vähentäminen");

    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let v2 =
        app.call(TestRequest::get().uri(&format!("{uri}/versions/2")).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(v2["rationale"], "Vuosikatsauksen päätös");
    let h2 = v2["content_hash"].as_str().unwrap().to_owned();
    let half = sign(&app, &p, As::OrgAdmin, &id, 2, &h2).await.assert_status(201).json();
    assert_eq!(half["agreement_status"], "active");
    assert_eq!(half["current_version"], 1, "the old version stays in force");
    let done = sign(&app, &p, As::Outsider, &id, 2, &h2).await.assert_status(201).json();
    assert_eq!(done["current_version"], 2);
    let now = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Member))).await.json();
    assert!(now["amendment"].is_null());

    let diff =
        app.call(TestRequest::get().uri(&format!("{uri}/versions/1/diff/2")).insert_header(p.bearer(As::Member))).await;
    let diff = diff.assert_status(200).json();
    assert_eq!(diff["changes"], serde_json::json!(["purpose.fi changed"]));
    assert_eq!(
        diff["patch"][0],
        serde_json::json!({"op": "replace", "path": "/purpose/fi", "value": "Uusi tarkoitus"})
    );
    app.call(TestRequest::get().uri(&format!("{uri}/versions/1/diff/9")).insert_header(p.bearer(As::Member)))
        .await
        .assert_problem(404);
    app.get(&format!("{uri}/versions/1/diff/2")).await.assert_problem(404);
}

#[actix_web::test]
async fn cancelling_an_amendment_restores_the_version_in_force() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "KS-2026-011").await;
    let uri = format!("/api/v1/agreements/{id}");
    amend(&app, &p, As::OrgAdmin, &id, "Kokeilu").await.assert_status(200);
    let res = app
        .call(json(
            TestRequest::patch().uri(&uri).insert_header(p.bearer(As::OrgAdmin)).insert_header(("if-match", "*")),
            serde_json::json!({"title": {"fi": "Keskeneräinen muutos"}, "tasks": [], "cost_sharing": []}),
        ))
        .await;
    res.assert_status(200);
    let cancelled = transition(&app, &p, As::OrgAdmin, &id, "cancelled").await.assert_status(200).json();
    assert_eq!(cancelled["status"], "active", "cancelling the amendment does not cancel the agreement");
    assert!(cancelled["amendment"].is_null());
    assert_eq!(cancelled["title"]["fi"], "Kohtaamispaikan kumppanuussopimus");
    assert_eq!(cancelled["parties"].as_array().unwrap().len(), 2);
    // Termination closes an open amendment too.
    amend(&app, &p, As::OrgAdmin, &id, "Toinen kokeilu").await.assert_status(200);
    let res = app
        .call(json(
            TestRequest::post().uri(&format!("{uri}/transitions")).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"to": "terminated", "comment": "Toiminta päättyi"}),
        ))
        .await;
    let terminated = res.assert_status(200).json();
    assert_eq!(terminated["status"], "terminated");
    assert!(terminated["amendment"].is_null());
}

async fn record_review(
    app: &TestApp,
    p: &Personas,
    who: As,
    id: &str,
    body: serde_json::Value,
) -> crate::support::TestResponse {
    app.call(json(p.request(who, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/reviews"))), body)).await
}

#[actix_web::test]
async fn annual_reviews_move_the_next_due_date_and_can_open_an_amendment() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "KS-2026-020").await;
    let review = serde_json::json!({
        "scheduled_date": "2026-11-15", "held_on": "2026-11-15",
        "participant_organization_ids": [p.org, p.other_org],
        "findings": {"fi": "Kahvila vakiintunut"},
        "decisions": [{"decision": {"fi": "Toinen kahvilapäivä"}, "responsible_party_id": p.org, "due_date": "2027-01-31"}],
        "outcome": "continue"});
    for (who, status) in [(As::Anonymous, 401), (As::Client, 404), (As::Member, 403)] {
        record_review(&app, &p, who, &id, review.clone()).await.assert_problem(status);
    }
    let recorded = record_review(&app, &p, As::Coordinator, &id, review.clone()).await.assert_status(201).json();
    assert_eq!(recorded["review"]["next_review_due"], "2027-11-15");
    assert_eq!(recorded["agreement"]["review"]["next_due"], "2027-11-15");
    assert!(recorded["agreement"]["amendment"].is_null());

    let mut bad = review.clone();
    bad["participant_organization_ids"] = serde_json::json!([uuid::Uuid::now_v7()]);
    bad["next_review_due"] = "2026-01-01".into();
    let problem = record_review(&app, &p, As::Coordinator, &id, bad.clone()).await.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "next_review_due");
    // Naming an organisation that is not a party conflicts with the agreement as it is (409).
    bad["next_review_due"] = serde_json::Value::Null;
    let problem = record_review(&app, &p, As::Coordinator, &id, bad).await.assert_problem(409);
    assert!(problem["detail"].as_str().unwrap().contains("participant_organization_ids[0]"), "{problem}");

    let mut amend_review = review.clone();
    amend_review["scheduled_date"] = "2027-11-10".into();
    amend_review["outcome"] = "amend".into();
    let amended = record_review(&app, &p, As::OrgAdmin, &id, amend_review).await.assert_status(201).json();
    assert_eq!(amended["agreement"]["amendment"]["status"], "draft");
    assert_eq!(amended["agreement"]["amendment"]["rationale"], "Annual review of 2027-11-10");

    let list_uri = format!("/api/v1/agreements/{id}/reviews");
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 404), (As::Member, 200), (As::Outsider, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&list_uri),
    )
    .await;
    let listed = app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    assert_eq!(listed["data"][0]["decisions"][0]["due_date"], "2027-01-31");
}

#[actix_web::test]
async fn acknowledgements_show_who_needs_briefing_after_an_amendment() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "KS-2026-021").await;
    let uri = format!("/api/v1/agreements/{id}/acknowledgements");
    let post = |who: As, body: serde_json::Value| json(p.request(who, TestRequest::post().uri(&uri)), body);

    let own = app.call(post(As::Member, serde_json::json!({}))).await.assert_status(201).json();
    assert_eq!(own["version"], 1);
    assert_eq!(own["user_id"], p.user(As::Member).to_string());
    assert_eq!(own["organization_id"], p.org.to_string());
    assert_eq!(own["current"], true);
    app.call(post(As::Member, serde_json::json!({}))).await.assert_problem(409);
    // Recording someone else's briefing takes a coordinator.
    app.call(post(As::Member, serde_json::json!({"person_name": "Vapaaehtoinen Virtanen"}))).await.assert_problem(403);
    app.call(post(
        As::Coordinator,
        serde_json::json!({"person_name": "Vapaaehtoinen Virtanen", "organization_id": p.org}),
    ))
    .await
    .assert_status(201);
    app.call(post(As::Anonymous, serde_json::json!({}))).await.assert_problem(401);
    app.call(post(As::Coordinator, serde_json::json!({"version": 7}))).await.assert_problem(409);
    let problem =
        app.call(post(As::Coordinator, serde_json::json!({"user_id": uuid::Uuid::now_v7()}))).await.assert_problem(409);
    assert_eq!(problem["detail"], "user_id: no such user");

    // Amend and sign version 2: both briefings are now of an older version.
    amend(&app, &p, As::OrgAdmin, &id, "Pelisääntöjen päivitys").await.assert_status(200);
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&format!("/api/v1/agreements/{id}"))
                .insert_header(p.bearer(As::OrgAdmin))
                .insert_header(("if-match", "*")),
            serde_json::json!({"ground_rules": {"premises_use": {"fi": "Tilat myös iltaisin"}}}),
        ))
        .await;
    res.assert_status(200);
    transition(&app, &p, As::OrgAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let h2 = version_hash(&app, &p, &id, 2).await;
    sign(&app, &p, As::OrgAdmin, &id, 2, &h2).await.assert_status(201);
    sign(&app, &p, As::Outsider, &id, 2, &h2).await.assert_status(201);

    let stale = app
        .call(TestRequest::get().uri(&format!("{uri}?current=false")).insert_header(p.bearer(As::Coordinator)))
        .await
        .json();
    assert_eq!(stale["data"].as_array().unwrap().len(), 2);
    app.call(post(As::Member, serde_json::json!({}))).await.assert_status(201);
    let current = app
        .call(TestRequest::get().uri(&format!("{uri}?current=true")).insert_header(p.bearer(As::Coordinator)))
        .await
        .json();
    assert_eq!(current["data"][0]["version"], 2);
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 404), (As::Member, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&uri),
    )
    .await;
}

#[actix_web::test]
async fn access_to_versions_diffs_transitions_and_edits() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let a = create(&app, &p, As::Coordinator, body("KS-2026-030", &[p.org])).await;
    let id = a["id"].as_str().unwrap().to_owned();
    let readers = |ok: u16| {
        vec![
            (As::Anonymous, 404),
            (As::Outsider, 404),
            (As::Client, 404),
            (As::ClientWithoutScope, 404),
            (As::Member, ok),
            (As::Coordinator, ok),
            (As::OrgAdmin, ok),
            (As::PlatformAdmin, ok),
        ]
    };
    // Writes need a token: an anonymous caller learns nothing but that (401).
    let editors = |ok: u16| {
        vec![
            (As::Anonymous, 401),
            (As::Outsider, 404),
            (As::Client, 404),
            (As::Member, 403),
            (As::Coordinator, ok),
            (As::OrgAdmin, ok),
            (As::PlatformAdmin, ok),
        ]
    };
    let uri = format!("/api/v1/agreements/{id}");
    app.access_matrix(&p, &editors(200), || {
        json(
            TestRequest::patch().uri(&uri).insert_header(("if-match", "*")),
            serde_json::json!({"review": {"cycle_months": 6}}),
        )
    })
    .await;
    // draft → negotiation → draft → negotiation ...: every editor's transition succeeds.
    let to = std::cell::Cell::new("negotiation");
    app.access_matrix(&p, &editors(200), || {
        let next = to.get();
        to.set(if next == "negotiation" { "draft" } else { "negotiation" });
        json(TestRequest::post().uri(&format!("{uri}/transitions")), serde_json::json!({"to": next}))
    })
    .await;
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    transition(&app, &p, As::Coordinator, &id, "negotiation").await.assert_status(200);
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    app.access_matrix(&p, &readers(200), || TestRequest::get().uri(&format!("{uri}/versions"))).await;
    app.access_matrix(&p, &readers(200), || TestRequest::get().uri(&format!("{uri}/versions/2"))).await;
    app.access_matrix(&p, &readers(200), || TestRequest::get().uri(&format!("{uri}/versions/1/diff/2"))).await;
    // Versions are a list like any other: a page, its cursor, the next page.
    let first = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{uri}/versions?limit=1")))).await;
    let first_body = first.assert_status(200).json();
    assert_eq!((first_body["data"][0]["version"].as_i64(), first_body["meta"]["limit"].as_i64()), (Some(1), Some(1)));
    assert!(first.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
    let cursor = first_body["meta"]["next_cursor"].as_str().unwrap();
    let second = app
        .call(p.request(As::Member, TestRequest::get().uri(&format!("{uri}/versions?limit=1&cursor={cursor}"))))
        .await
        .json();
    assert_eq!(second["data"][0]["version"], 2);
    let hash = version_hash(&app, &p, &id, 2).await;
    let signers = vec![
        (As::Anonymous, 401),
        (As::Outsider, 404),
        (As::Client, 404),
        (As::Member, 403),
        (As::Coordinator, 403),
        (As::PlatformAdmin, 403),
        (As::OrgAdmin, 201),
    ];
    app.access_matrix(&p, &signers, || {
        json(
            TestRequest::post().uri(&format!("{uri}/versions/2/signatures")),
            serde_json::json!({"content_hash": hash, "signatory_name": "A", "signatory_title": "B", "method": "electronic"}),
        )
    })
    .await;
    let n = std::cell::Cell::new(0);
    app.access_matrix(
        &p,
        &editors(200).into_iter().filter(|(w, _)| *w != As::PlatformAdmin && *w != As::OrgAdmin).collect::<Vec<_>>(),
        || {
            n.set(n.get() + 1);
            json(
                TestRequest::post().uri(&format!("{uri}/amendments")),
                serde_json::json!({"rationale": format!("muutos {}", n.get())}),
            )
        },
    )
    .await;
    // Reviews due before a day.
    let due = |q: &str| {
        let req = TestRequest::get()
            .uri(&format!("/api/v1/agreements?review_due_before={q}"))
            .insert_header(p.bearer(As::Member));
        async { app.call(req).await.json()["data"].as_array().unwrap().len() }
    };
    app.call(json(
        TestRequest::post().uri(&format!("{uri}/reviews")).insert_header(p.bearer(As::Coordinator)),
        serde_json::json!({"scheduled_date": "2026-06-01", "outcome": "continue"}),
    ))
    .await
    .assert_status(201);
    assert_eq!(due("2026-12-01").await, 0);
    assert_eq!(due("2026-12-02").await, 1);
}

/// A tiny deterministic generator, so a failing sequence can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[actix_web::test]
async fn random_call_sequences_never_activate_without_every_signature_on_one_hash() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut activated = 0;
    for seed in 1..=4u64 {
        let mut rng = Lcg(seed);
        let a = create(&app, &p, As::PlatformAdmin, body(&format!("PROP-{seed}"), &[p.org, p.other_org])).await;
        let id = a["id"].as_str().unwrap().to_owned();
        let mut log = Vec::new();
        for step in 0..40 {
            let latest = app
                .call(
                    TestRequest::get()
                        .uri(&format!("/api/v1/agreements/{id}/versions"))
                        .insert_header(p.bearer(As::PlatformAdmin)),
                )
                .await
                .json();
            let versions = latest["data"].as_array().unwrap().clone();
            let action = rng.next(6);
            let signer = if rng.next(2) == 0 { As::OrgAdmin } else { As::Outsider };
            let res = match action {
                0 => {
                    let to = ["draft", "negotiation", "awaiting_signatures", "cancelled", "terminated"][rng.next(5)];
                    log.push(format!("{step}: transition {to}"));
                    app.call(json(
                        TestRequest::post()
                            .uri(&format!("/api/v1/agreements/{id}/transitions"))
                            .insert_header(p.bearer(As::PlatformAdmin)),
                        serde_json::json!({"to": to, "comment": "syy"}),
                    ))
                    .await
                }
                1 => {
                    log.push(format!("{step}: patch"));
                    app.call(json(
                        TestRequest::patch()
                            .uri(&format!("/api/v1/agreements/{id}"))
                            .insert_header(p.bearer(As::PlatformAdmin))
                            .insert_header(("if-match", "*")),
                        serde_json::json!({"purpose": {"fi": format!("tarkoitus {step}")}}),
                    ))
                    .await
                }
                2 => {
                    log.push(format!("{step}: amend"));
                    amend(&app, &p, As::PlatformAdmin, &id, "muutos").await
                }
                _ if !versions.is_empty() => {
                    // Sign some version with its own hash or another version's.
                    let v = &versions[rng.next(versions.len())];
                    let h = &versions[rng.next(versions.len())]["content_hash"];
                    let n = v["version"].as_i64().unwrap();
                    log.push(format!("{step}: {signer:?} signs v{n}"));
                    sign(&app, &p, signer, &id, n, h.as_str().unwrap()).await
                }
                _ => continue,
            };
            assert!(res.status.as_u16() < 500, "seed {seed}: {log:?}: {}", String::from_utf8_lossy(&res.body));
            // Invariant: a version in force carries a signature of every signing party on its hash.
            let now = app
                .call(
                    TestRequest::get()
                        .uri(&format!("/api/v1/agreements/{id}"))
                        .insert_header(p.bearer(As::PlatformAdmin)),
                )
                .await
                .json();
            if let Some(n) = now["current_version"].as_i64() {
                activated += 1;
                let v = app
                    .call(
                        TestRequest::get()
                            .uri(&format!("/api/v1/agreements/{id}/versions/{n}"))
                            .insert_header(p.bearer(As::PlatformAdmin)),
                    )
                    .await
                    .json();
                let hash = v["content_hash"].as_str().unwrap();
                let signed: std::collections::HashSet<String> = v["signatures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|s| s["content_hash"] == hash)
                    .map(|s| s["organization_id"].as_str().unwrap().to_owned())
                    .collect();
                assert!(
                    signed.contains(&p.org.to_string()) && signed.contains(&p.other_org.to_string()),
                    "seed {seed}: {log:?}"
                );
            }
            if ["active", "expired"].contains(&now["status"].as_str().unwrap()) {
                assert!(now["current_version"].is_i64(), "seed {seed}: active without a version in force: {log:?}");
            } else {
                assert!(now["current_version"].is_null() || now["status"] == "terminated", "seed {seed}: {log:?}");
            }
        }
    }
    assert!(activated > 0, "no walk reached a version in force: the test would prove nothing");
}

#[actix_web::test]
async fn outsiders_see_the_version_in_force_while_an_amendment_is_prepared() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut b = body("KS-2026-040", &[p.org, p.other_org]);
    b["visibility"] = "public".into();
    let a = create(&app, &p, As::PlatformAdmin, b).await;
    let id = a["id"].as_str().unwrap().to_owned();
    transition(&app, &p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let hash = version_hash(&app, &p, &id, 1).await;
    sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await.assert_status(201);
    sign(&app, &p, As::Outsider, &id, 1, &hash).await.assert_status(201);
    amend(&app, &p, As::OrgAdmin, &id, "Luonnos").await.assert_status(200);
    let uri = format!("/api/v1/agreements/{id}");
    app.call(json(
        TestRequest::patch().uri(&uri).insert_header(p.bearer(As::OrgAdmin)).insert_header(("if-match", "*")),
        serde_json::json!({"title": {"fi": "Allekirjoittamaton luonnos"}}),
    ))
    .await
    .assert_status(200);
    let public = app.get(&uri).await.assert_status(200).json();
    assert_eq!(public["title"]["fi"], "Kohtaamispaikan kumppanuussopimus");
    assert!(public["amendment"].is_null());
    let listed = app.get("/api/v1/agreements").await.json();
    assert_eq!(listed["data"][0]["title"]["fi"], "Kohtaamispaikan kumppanuussopimus");
    let party = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(party["title"]["fi"], "Allekirjoittamaton luonnos");
    assert_eq!(party["amendment"]["status"], "draft");
}

#[actix_web::test]
async fn recorded_reviews_acknowledgements_and_signatures_are_addressable() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut public_agreement = body("KS-2026-040", &[p.org, p.other_org]);
    public_agreement["visibility"] = "public".into();
    let a = create(&app, &p, As::PlatformAdmin, public_agreement).await;
    let id = a["id"].as_str().unwrap().to_owned();
    transition(&app, &p, As::PlatformAdmin, &id, "awaiting_signatures").await.assert_status(200);
    let hash = version_hash(&app, &p, &id, 1).await;
    let signed = sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await;
    let signature = app.follow_created(&p, As::Member, &signed, Some("signature")).await;
    let missing = format!("/api/v1/agreements/{id}/versions/1/signatures/{}", uuid::Uuid::now_v7());
    app.call(TestRequest::get().uri(&missing).insert_header(p.bearer(As::Member))).await.assert_problem(404);
    sign(&app, &p, As::Outsider, &id, 1, &hash).await.assert_status(201);
    // Anyone who reads the version reads its signatures, redacted as the version is.
    let public = app.call(TestRequest::get().uri(&signature)).await;
    public.assert_status(200);
    assert!(public.json()["signatory_name"].is_null());
    let full = app.call(TestRequest::get().uri(&signature).insert_header(p.bearer(As::Member))).await;
    assert_ne!(public.header("etag"), full.header("etag"));

    let review = serde_json::json!({"scheduled_date": "2026-11-15", "outcome": "continue",
                                    "participant_organization_ids": [p.org]});
    let recorded = record_review(&app, &p, As::Coordinator, &id, review).await;
    let review = app.follow_created(&p, As::Member, &recorded, Some("review")).await;
    let uri = format!("/api/v1/agreements/{id}/acknowledgements");
    let briefed = app.call(json(p.request(As::Member, TestRequest::post().uri(&uri)), serde_json::json!({}))).await;
    let acknowledgement = app.follow_created(&p, As::Coordinator, &briefed, None).await;
    // The agreement is public, so a reader who is no party learns that much (403), no more.
    for record in [&review, &acknowledgement] {
        app.access_matrix(
            &p,
            &[(As::Anonymous, 401), (As::Client, 403), (As::Member, 200), (As::PlatformAdmin, 200)],
            || TestRequest::get().uri(record),
        )
        .await;
    }

    // A stale If-Match on the deletion is 412 with the acknowledgement as it is.
    let stale = app
        .call(p.request(As::Member, TestRequest::delete().uri(&acknowledgement)).insert_header(("if-match", "\"2\"")))
        .await
        .assert_problem(412);
    assert_eq!(stale["current"]["id"], briefed.json()["id"]);
    assert_eq!(stale["current_etag"], "\"1\"");
    app.call(p.request(As::Member, TestRequest::delete().uri(&acknowledgement)).insert_header(("if-match", "\"1\"")))
        .await
        .assert_status(204);
    app.call(p.request(As::Member, TestRequest::get().uri(&acknowledgement))).await.assert_problem(404);
}
