use std::collections::HashSet;

use actix_web::test::TestRequest;
use yhdyspinta::demo::ids;
use yhdyspinta::domain::organizations::OrganizationKind;
use yhdyspinta::domain::types::localized::LocalizedText;

use crate::support::{TestApp, fixtures};

async fn demo_app() -> TestApp {
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    app
}

fn names(body: &serde_json::Value) -> Vec<String> {
    body["data"].as_array().unwrap().iter().map(|o| o["name"]["fi"].as_str().unwrap_or_default().to_owned()).collect()
}

#[actix_web::test]
async fn reads_one_organization_with_all_fields() {
    let app = demo_app().await;
    let res = app.get(&format!("/api/v1/organizations/{}", ids::JYVASKYLA)).await;
    let body = res.assert_status(200).json();
    assert_eq!(body["id"], ids::JYVASKYLA.to_string());
    assert_eq!(body["name"]["fi"], "Jyväskylän kaupunki");
    assert_eq!(body["kind"], "municipality");
    assert_eq!(body["municipality_codes"], serde_json::json!(["179"]));
    assert_eq!(body["wellbeing_county_code"], "15");
    assert_eq!(body["version"], 1);
    for field in [
        "business_id",
        "parent_id",
        "description",
        "website",
        "email",
        "phone",
        "external_ids",
        "created_at",
        "updated_at",
    ] {
        assert!(body.get(field).is_some(), "missing {field}");
    }
    assert_eq!(res.header("etag"), Some("\"1\""));
}

#[actix_web::test]
async fn unknown_organization_is_404() {
    let app = demo_app().await;
    app.get(&format!("/api/v1/organizations/{}", uuid::Uuid::now_v7())).await.assert_problem(404);
}

#[actix_web::test]
async fn etag_answers_if_none_match_with_304() {
    let app = demo_app().await;
    let uri = format!("/api/v1/organizations/{}", ids::TAMPERE);
    let etag = app.get(&uri).await.header("etag").unwrap().to_owned();

    let res = app.call(TestRequest::get().uri(&uri).insert_header(("if-none-match", etag.as_str()))).await;
    res.assert_status(304);
    assert!(res.body.is_empty());
    assert_eq!(res.header("etag"), Some(etag.as_str()));

    let res = app.call(TestRequest::get().uri(&uri).insert_header(("if-none-match", "\"0\", W/\"1\""))).await;
    res.assert_status(304);
    let res = app.call(TestRequest::get().uri(&uri).insert_header(("if-none-match", "\"7\""))).await;
    res.assert_status(200);

    // A change bumps the version, so the old ETag no longer matches.
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *app.conn().await,
        &format!("UPDATE organizations SET phone = '+358 3 000 0000' WHERE id = '{}'", ids::TAMPERE),
    )
    .await
    .unwrap();
    let res = app.call(TestRequest::get().uri(&uri).insert_header(("if-none-match", etag.as_str()))).await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"2\""));
    assert_eq!(res.json()["version"], 2);
}

#[actix_web::test]
async fn filters_narrow_the_list() {
    let app = demo_app().await;
    let ngos = app.get("/api/v1/organizations?kind=ngo").await.assert_status(200).json();
    assert!(ngos["data"].as_array().unwrap().iter().all(|o| o["kind"] == "ngo"));
    assert_eq!(ngos["data"].as_array().unwrap().len(), 5);

    let jyvaskyla = names(&app.get("/api/v1/organizations?municipality=179").await.json());
    for expected in
        ["Keski-Suomen hyvinvointialue", "Jyväskylän kaupunki", "Jyväskylän Seniorikammari ry", "Jyväskylän seurakunta"]
    {
        assert!(jyvaskyla.contains(&expected.to_owned()), "{expected} not in {jyvaskyla:?}");
    }
    assert!(!jyvaskyla.contains(&"Tampereen kaupunki".to_owned()));

    let pirkanmaa = names(&app.get("/api/v1/organizations?wellbeing_county=08").await.json());
    assert_eq!(pirkanmaa.len(), 4, "{pirkanmaa:?}");

    let children = names(&app.get(&format!("/api/v1/organizations?parent={}", ids::PIRKANMAA_COUNTY)).await.json());
    assert_eq!(children, vec!["Hervannan sosiaali- ja terveysasema"]);

    let combined = names(&app.get("/api/v1/organizations?kind=municipality&wellbeing_county=15").await.json());
    assert_eq!(combined.len(), 3, "{combined:?}");

    let by_business_id = names(&app.get("/api/v1/organizations?business_id=2960038-4").await.json());
    assert_eq!(by_business_id, vec!["Tampereen kaupunki"]);
}

#[actix_web::test]
async fn invalid_filter_values_are_422() {
    let app = demo_app().await;
    let body = app.get("/api/v1/organizations?municipality=17").await.assert_problem(422);
    assert_eq!(body["errors"][0]["field"], "municipality");
    assert_eq!(body["errors"][0]["code"], "invalid_area_code");
    let body = app.get("/api/v1/organizations?wellbeing_county=abc&municipality=x").await.assert_problem(422);
    assert_eq!(body["errors"].as_array().unwrap().len(), 2);
    // A `q` without a word of letters or digits is a valid query that nothing matches.
    let body = app.get("/api/v1/organizations?q=%21%21%21").await.assert_status(200).json();
    assert_eq!(body["data"], serde_json::json!([]));
}

#[actix_web::test]
async fn business_id_filter_validates_the_check_digit() {
    let app = demo_app().await;
    // The contract can state the shape but not the check digit: a wrong one matches nothing.
    let body = app.get("/api/v1/organizations?business_id=2960038-5").await.assert_status(200).json();
    assert_eq!(body["data"], serde_json::json!([]));
    let body = app.get("/api/v1/organizations?business_id=296003-84").await.assert_problem(422);
    assert_eq!(body["errors"][0]["code"], "invalid_format");
}

#[actix_web::test]
async fn full_text_search_matches_prefixes_in_finnish_and_swedish() {
    let app = demo_app().await;
    assert_eq!(names(&app.get("/api/v1/organizations?q=tampe").await.json()), vec!["Tampereen kaupunki"]);
    // Swedish name.
    assert_eq!(names(&app.get("/api/v1/organizations?q=tammerfors").await.json()), vec!["Tampereen kaupunki"]);
    // Several words must all match; case and punctuation do not matter.
    assert_eq!(
        names(&app.get("/api/v1/organizations?q=JYV%C3%84SKYL%C3%84N%20seurak").await.json()),
        vec!["Jyväskylän seurakunta"]
    );
    // Finnish stemming: inflected forms ("in Jyväskylä", "of the parish") find the base names.
    let found = names(&app.get("/api/v1/organizations?q=jyv%C3%A4skyl%C3%A4ss%C3%A4%20seurakunnan").await.json());
    assert_eq!(found, vec!["Jyväskylän seurakunta"]);
    // tsquery syntax in input is not an error.
    app.get("/api/v1/organizations?q=a%27%20%7C%20%21b%3A%2A").await.assert_status(200);
}

#[actix_web::test]
async fn updated_since_returns_only_changed_rows() {
    let app = demo_app().await;
    let mut conn = app.conn().await;
    // Backdate every row; the version trigger (which stamps updated_at) is bypassed for this.
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *conn,
        "SET session_replication_role = replica; \
         UPDATE organizations SET updated_at = '2026-01-01T00:00:00Z'; \
         SET session_replication_role = origin",
    )
    .await
    .unwrap();
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *conn,
        &format!("UPDATE organizations SET email = 'kirjaamo@tampere.example' WHERE id = '{}'", ids::TAMPERE),
    )
    .await
    .unwrap();
    drop(conn);
    let changed = names(&app.get("/api/v1/organizations?updated_since=2026-06-01T00:00:00Z").await.json());
    assert_eq!(changed, vec!["Tampereen kaupunki"]);
    let all = app.get("/api/v1/organizations?updated_since=2025-12-31T00:00:00Z&limit=200").await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 17);
}

#[actix_web::test]
async fn pagination_walks_every_row_once_while_rows_are_inserted() {
    let app = TestApp::spawn().await;
    let initial: Vec<_> =
        (0..250).map(|i| fixtures::organization(&format!("Yhdistys {i:03}"), OrganizationKind::Ngo)).collect();
    let initial_ids: HashSet<String> = initial.iter().map(|o| o.0.to_string()).collect();
    fixtures::insert(&mut *app.conn().await, initial).await;

    let mut seen: Vec<String> = Vec::new();
    let mut uri = "/api/v1/organizations?limit=37&kind=ngo".to_owned();
    let mut pages = 0;
    loop {
        let res = app.get(&uri).await;
        let body = res.assert_status(200).json();
        assert_eq!(body["meta"]["limit"], 37);
        seen.extend(body["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        pages += 1;
        // Others keep writing while we page.
        let more =
            (0..5).map(|i| fixtures::organization(&format!("Uusi {pages}-{i}"), OrganizationKind::Ngo)).collect();
        fixtures::insert(&mut *app.conn().await, more).await;
        match body["meta"]["next_cursor"].as_str() {
            Some(_) => {
                let link = res.header("link").expect("Link header on a non-final page");
                let next = link.trim_start_matches('<').split('>').next().unwrap();
                assert!(next.contains("kind=ngo") && next.contains("limit=37"), "{link}");
                uri = next.to_owned();
            }
            None => {
                assert!(res.header("link").is_none());
                break;
            }
        }
        assert!(pages < 100, "pagination does not terminate");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a row was returned twice");
    let missing: Vec<_> = initial_ids.iter().filter(|id| !unique.contains(id)).collect();
    assert!(missing.is_empty(), "rows skipped: {missing:?}");
}

#[actix_web::test]
async fn limit_is_clamped_to_200() {
    let app = TestApp::spawn().await;
    let orgs = (0..210).map(|i| fixtures::organization(&format!("Org {i}"), OrganizationKind::Other)).collect();
    fixtures::insert(&mut *app.conn().await, orgs).await;
    let body = app.get("/api/v1/organizations?limit=5000").await.assert_status(200).json();
    assert_eq!(body["meta"]["limit"], 200);
    assert_eq!(body["data"].as_array().unwrap().len(), 200);
    assert!(body["meta"]["next_cursor"].is_string());
}

#[actix_web::test]
async fn database_constraints_guard_the_data() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let mut bad = fixtures::organization("Väärä", OrganizationKind::Ngo);
    bad.1.business_id = Some("0112038-8".into());
    let err = yhdyspinta::domain::organizations::insert_missing(&mut conn, vec![bad]).await.unwrap_err();
    assert!(matches!(err, yhdyspinta::error::AppError::Validation(_)), "{err:?}");

    // Bypassing the domain, the database itself refuses a wrong check digit, an unknown
    // municipality and an empty name.
    for sql in [
        "INSERT INTO organizations (id, name, kind, business_id) VALUES (gen_random_uuid(), '{\"fi\":\"x\"}', 'ngo', '0112038-8')",
        "INSERT INTO organizations (id, name, kind, municipality_codes) VALUES (gen_random_uuid(), '{\"fi\":\"x\"}', 'ngo', '{999}')",
        "INSERT INTO organizations (id, name, kind) VALUES (gen_random_uuid(), '{\"fi\":\" \"}', 'ngo')",
        "INSERT INTO organizations (id, name, kind) VALUES (gen_random_uuid(), '{\"de\":\"x\"}', 'ngo')",
    ] {
        let result = diesel_async::SimpleAsyncConnection::batch_execute(&mut *conn, sql).await;
        assert!(result.is_err(), "accepted: {sql}");
    }

    // Violations map to precise client errors.
    let mut known = fixtures::organization("Oikea", OrganizationKind::Ngo);
    known.1.business_id = Some("0112038-9".into());
    fixtures::insert(&mut conn, vec![known]).await;
    let mut duplicate = fixtures::organization("Kaksoiskappale", OrganizationKind::Ngo);
    duplicate.1.business_id = Some("0112038-9".into());
    let err = yhdyspinta::domain::organizations::insert_missing(&mut conn, vec![duplicate]).await.unwrap_err();
    assert!(matches!(err, yhdyspinta::error::AppError::Conflict { .. }), "{err:?}");
    let mut unknown_area = fixtures::organization("Alueeton", OrganizationKind::Ngo);
    unknown_area.1.municipality_codes = vec!["999".into()];
    let err = yhdyspinta::domain::organizations::insert_missing(&mut conn, vec![unknown_area]).await.unwrap_err();
    // A reference to an area the register does not have conflicts with the register (409).
    match err {
        yhdyspinta::error::AppError::Conflict { detail } => assert!(detail.starts_with("municipality_codes:")),
        other => panic!("{other:?}"),
    }
    let mut no_name = fixtures::organization("x", OrganizationKind::Ngo);
    no_name.1.name = LocalizedText::default();
    assert!(yhdyspinta::domain::organizations::insert_missing(&mut conn, vec![no_name]).await.is_err());
}

mod writes {
    use actix_web::test::TestRequest;
    use yhdyspinta::domain::access::Scope;

    use crate::support::{As, TestApp, all, json};

    #[actix_web::test]
    async fn only_platform_admins_create_organisations() {
        let app = TestApp::spawn().await;
        let p = app.personas(Scope::DirectoryRead).await;
        let body =
            serde_json::json!({"name": {"fi": "Uusi yhdistys ry"}, "kind": "ngo", "municipality_codes": ["179"]});
        let mut expected = all(403);
        expected[0] = (As::Anonymous, 401);
        expected.retain(|(who, _)| *who != As::PlatformAdmin);
        expected.push((As::PlatformAdmin, 201));
        app.access_matrix(&p, &expected, || json(TestRequest::post().uri("/api/v1/organizations"), body.clone())).await;
    }

    #[actix_web::test]
    async fn created_organisations_come_back_with_location_and_etag() {
        let app = TestApp::spawn().await;
        let p = app.personas(Scope::DirectoryRead).await;
        let res = app
            .call(json(
                TestRequest::post().uri("/api/v1/organizations").insert_header(p.bearer(As::PlatformAdmin)),
                serde_json::json!({"name": {"fi": "Laukaan Kohtaamispaikka ry"}, "kind": "ngo", "business_id": "2960667-1",
                                   "parent_id": p.org, "municipality_codes": ["410"], "wellbeing_county_code": "15",
                                   "external_ids": {"lahella": "123"}}),
            ))
            .await;
        let body = res.assert_status(201).json();
        let location = res.header("location").unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/organizations/{}", body["id"].as_str().unwrap()));
        assert_eq!(res.header("etag"), Some("\"1\""));
        assert_eq!(app.get(&location).await.assert_status(200).json()["external_ids"]["lahella"], "123");

        // An unknown municipality is a reference that does not resolve: 409 naming the field.
        let res = app
            .call(json(
                TestRequest::post().uri("/api/v1/organizations").insert_header(p.bearer(As::PlatformAdmin)),
                serde_json::json!({"name": {"fi": "X"}, "kind": "ngo", "municipality_codes": ["999"]}),
            ))
            .await;
        assert!(res.assert_problem(409)["detail"].as_str().unwrap().starts_with("municipality_codes:"));
        // Validation: check digit, unknown field (mass assignment), empty name.
        for (payload, field) in [
            (serde_json::json!({"name": {"fi": "X"}, "kind": "ngo", "business_id": "2960667-2"}), "business_id"),
            (serde_json::json!({"name": {"fi": "X"}, "kind": "ngo", "version": 7}), "version"),
            (serde_json::json!({"name": {}, "kind": "ngo"}), "name"),
        ] {
            let res = app
                .call(json(
                    TestRequest::post().uri("/api/v1/organizations").insert_header(p.bearer(As::PlatformAdmin)),
                    payload,
                ))
                .await;
            let problem = res.assert_problem(422);
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        // Duplicate business ID is a conflict.
        let res = app
            .call(json(
                TestRequest::post().uri("/api/v1/organizations").insert_header(p.bearer(As::PlatformAdmin)),
                serde_json::json!({"name": {"fi": "Toinen"}, "kind": "ngo", "business_id": "2960667-1"}),
            ))
            .await;
        res.assert_problem(409);
    }

    #[actix_web::test]
    async fn org_admins_patch_their_organisation_with_if_match() {
        let app = TestApp::spawn().await;
        let p = app.personas(Scope::DirectoryRead).await;
        let uri = format!("/api/v1/organizations/{}", p.org);
        let patch = || {
            TestRequest::patch()
                .uri(&uri)
                .insert_header(("content-type", "application/merge-patch+json"))
                .insert_header(("if-match", "*"))
                .set_payload(r#"{"phone": "+358 40 123 4567"}"#)
        };
        app.access_matrix(
            &p,
            &[
                (As::Anonymous, 401),
                (As::Outsider, 403),
                (As::Member, 403),
                (As::Coordinator, 403),
                (As::Client, 403),
                (As::ClientWithoutScope, 403),
                (As::OrgAdmin, 200),
                (As::PlatformAdmin, 200),
            ],
            patch,
        )
        .await;

        // Without If-Match: 428. With a stale one: 412 carrying the current ETag.
        let res = app
            .call(json(
                TestRequest::patch().uri(&uri).insert_header(p.bearer(As::OrgAdmin)),
                serde_json::json!({"phone": null}),
            ))
            .await;
        res.assert_problem(428);
        let res = app
            .call(json(
                TestRequest::patch()
                    .uri(&uri)
                    .insert_header(p.bearer(As::OrgAdmin))
                    .insert_header(("if-match", "\"1\"")),
                serde_json::json!({"phone": null}),
            ))
            .await;
        res.assert_problem(412);
        let current = res.header("etag").unwrap().to_owned();
        assert_eq!(current, "\"3\"");
        // Null clears, absent fields stay.
        let res = app
            .call(json(
                TestRequest::patch()
                    .uri(&uri)
                    .insert_header(p.bearer(As::OrgAdmin))
                    .insert_header(("if-match", current.as_str())),
                serde_json::json!({"phone": null, "description": {"fi": "Kuvaus"}}),
            ))
            .await;
        let body = res.assert_status(200).json();
        assert_eq!(body["phone"], serde_json::Value::Null);
        assert_eq!(body["description"]["fi"], "Kuvaus");
        assert_eq!(body["name"]["fi"], "Persona ry");
        assert_eq!(res.header("etag"), Some("\"4\""));
        // A parent cycle is refused.
        let res = app
            .call(json(
                TestRequest::patch()
                    .uri(&uri)
                    .insert_header(p.bearer(As::PlatformAdmin))
                    .insert_header(("if-match", "*")),
                serde_json::json!({"parent_id": p.org}),
            ))
            .await;
        let problem = res.assert_problem(409);
        assert_eq!(problem["detail"], "parent_id: an organisation cannot be under itself");
    }

    #[actix_web::test]
    async fn only_platform_admins_delete_and_every_write_is_audited() {
        let app = TestApp::spawn().await;
        let p = app.personas(Scope::DirectoryRead).await;
        let uri = format!("/api/v1/organizations/{}", p.other_org);
        app.access_matrix(
            &p,
            &[
                (As::Anonymous, 401),
                (As::Outsider, 403),
                (As::Member, 403),
                (As::OrgAdmin, 403),
                (As::Client, 403),
                (As::PlatformAdmin, 204),
                (As::PlatformAdmin, 404),
            ],
            || TestRequest::delete().uri(&uri).insert_header(("if-match", "*")),
        )
        .await;
        let log = app
            .call(
                TestRequest::get()
                    .uri(&format!("/api/v1/audit-log?resource_type=organization&resource_id={}", p.other_org))
                    .insert_header(p.bearer(As::PlatformAdmin)),
            )
            .await
            .assert_status(200)
            .json();
        let entry = &log["data"][0];
        assert_eq!(entry["action"], "delete");
        assert_eq!(entry["actor_kind"], "user");
        assert_eq!(entry["actor_id"], p.user(As::PlatformAdmin).to_string());
        assert_eq!(entry["diff"]["before"]["name"]["fi"], "Muu ry");
        assert!(entry["request_id"].is_string());
    }
}
