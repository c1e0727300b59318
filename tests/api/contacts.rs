use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;

use crate::support::{As, Personas, TestApp, json};

async fn create(app: &TestApp, p: &Personas, body: serde_json::Value) -> serde_json::Value {
    let uri = format!("/api/v1/organizations/{}/contacts", p.org);
    app.call(json(TestRequest::post().uri(&uri).insert_header(p.bearer(As::Coordinator)), body))
        .await
        .assert_status(201)
        .json()
}

#[actix_web::test]
async fn coordinators_and_admins_add_contacts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/contacts", p.org);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Client, 403),
            (As::ClientWithoutScope, 403),
            (As::Coordinator, 201),
            (As::OrgAdmin, 201),
            (As::PlatformAdmin, 201),
        ],
        || json(TestRequest::post().uri(&uri), serde_json::json!({"name": "Aino Esimerkki", "topics": ["premises"]})),
    )
    .await;
    let res = app
        .call(json(
            TestRequest::post().uri(&uri).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"name": " ", "email": "nope"}),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn members_only_contacts_are_invisible_to_others() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let private = create(&app, &p, serde_json::json!({"name": "Aino Esimerkki", "email": "aino@example.fi"})).await;
    let public = create(
        &app,
        &p,
        serde_json::json!({"name": "Neuvonta", "email": "neuvonta@example.fi", "visibility": "public"}),
    )
    .await;
    let list_uri = format!("/api/v1/organizations/{}/contacts", p.org);
    let private_uri = format!("{list_uri}/{}", private["id"].as_str().unwrap());
    let public_uri = format!("{list_uri}/{}", public["id"].as_str().unwrap());

    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 404),
            (As::Outsider, 404),
            (As::Client, 404),
            (As::Member, 200),
            (As::Coordinator, 200),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri(&private_uri),
    )
    .await;
    app.access_matrix(&p, &crate::support::all(200), || TestRequest::get().uri(&public_uri)).await;

    let count = |body: serde_json::Value| body["data"].as_array().unwrap().len();
    assert_eq!(count(app.get(&list_uri).await.assert_status(200).json()), 1);
    assert_eq!(
        count(app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::Outsider))).await.json()),
        1
    );
    assert_eq!(count(app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::Member))).await.json()), 2);
    // Writing to someone else's private contact reveals nothing either.
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&private_uri)
                .insert_header(("if-match", "*"))
                .insert_header(p.bearer(As::Outsider)),
            serde_json::json!({"title": "x"}),
        ))
        .await;
    res.assert_problem(404);
    let res = app
        .call(json(
            TestRequest::patch().uri(&private_uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::Member)),
            serde_json::json!({"title": "x"}),
        ))
        .await;
    res.assert_problem(403);
}

#[actix_web::test]
async fn erasure_leaves_no_personal_data_in_the_row_or_the_audit_log() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let contact = create(
        &app,
        &p,
        serde_json::json!({"name": "Aino Esimerkki", "title": "Toiminnanjohtaja",
        "email": "aino.esimerkki@example.fi", "phone": "+358 40 000 0001", "topics": ["ngo-collaboration"]}),
    )
    .await;
    let id = contact["id"].as_str().unwrap();
    let uri = format!("/api/v1/organizations/{}/contacts/{id}", p.org);
    let res = app
        .call(json(
            TestRequest::patch().uri(&uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"phone": "+358 40 000 0002"}),
        ))
        .await;
    res.assert_status(200);

    app.call(TestRequest::delete().uri(&uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::OrgAdmin)))
        .await
        .assert_status(204);
    let erased =
        app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Member))).await.assert_status(200).json();
    assert_eq!(erased["erased"], true);
    for field in ["name", "title", "email", "phone", "user_id"] {
        assert!(erased[field].is_null(), "{field} survived erasure");
    }
    // Erasing twice is fine; editing an erased contact is not.
    app.call(TestRequest::delete().uri(&uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::OrgAdmin)))
        .await
        .assert_status(204);
    let res = app
        .call(json(
            TestRequest::patch().uri(&uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"name": "Uusi"}),
        ))
        .await;
    res.assert_problem(409);

    let log = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/audit-log?resource_type=contact&resource_id={id}"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await;
    log.assert_status(200);
    let text = String::from_utf8_lossy(&log.body).to_string();
    assert!(log.json()["data"].as_array().unwrap().len() >= 3, "{text}");
    for personal in ["Aino", "Esimerkki", "aino.esimerkki", "Toiminnanjohtaja", "000 0001", "000 0002"] {
        assert!(!text.contains(personal), "'{personal}' remains in the audit log: {text}");
    }
}

#[actix_web::test]
async fn access_to_listing_editing_and_erasing() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let list_uri = format!("/api/v1/organizations/{}/contacts", p.org);
    app.access_matrix(&p, &crate::support::all(200), || TestRequest::get().uri(&list_uri)).await;
    let contact = create(&app, &p, serde_json::json!({"name": "Yhteyshenkilö", "visibility": "public"})).await;
    let uri = format!("{list_uri}/{}", contact["id"].as_str().unwrap());
    let write_matrix = |success: u16| {
        vec![
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Client, 403),
            (As::ClientWithoutScope, 403),
            (As::Member, 403),
            (As::Coordinator, success),
            (As::OrgAdmin, success),
            (As::PlatformAdmin, success),
        ]
    };
    app.access_matrix(&p, &write_matrix(200), || {
        json(
            TestRequest::patch().uri(&uri).insert_header(("if-match", "*")),
            serde_json::json!({"languages": ["fi", "sv"]}),
        )
    })
    .await;
    app.access_matrix(&p, &write_matrix(204), || TestRequest::delete().uri(&uri).insert_header(("if-match", "*")))
        .await;
    // Public role contacts disappear from anonymous listings once erased.
    assert_eq!(app.get(&list_uri).await.json()["data"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn collaborating_organisations_see_members_only_contacts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let contact = create(&app, &p, serde_json::json!({"name": "Aino Esimerkki"})).await;
    let uri = format!("/api/v1/organizations/{}/contacts/{}", p.org, contact["id"].as_str().unwrap());
    let list_uri = format!("/api/v1/organizations/{}/contacts", p.org);
    let outsider_sees = || async {
        let one = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Outsider))).await.status.as_u16();
        let listed = app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::Outsider))).await.json();
        (one, listed["data"].as_array().unwrap().len())
    };
    assert_eq!(outsider_sees().await, (404, 0));

    // Naming each other in an agreement is no collaboration yet; both signing it into force is.
    let agreement = app
        .call(json(
            TestRequest::post().uri("/api/v1/agreements").insert_header(p.bearer(As::PlatformAdmin)),
            serde_json::json!({"code": "YHT-1", "title": {"fi": "Yhteistyö"}, "purpose": {"fi": "Tarkoitus"},
                "period": {"start_date": "2026-01-01", "end_date": "2099-12-31"},
                "parties": [{"organization_id": p.org, "roles": ["partner"]}, {"organization_id": p.other_org, "roles": ["partner"]}]}),
        ))
        .await
        .json();
    let agreement_uri = format!("/api/v1/agreements/{}", agreement["id"].as_str().unwrap());
    assert_eq!(outsider_sees().await, (404, 0));
    app.call(json(
        TestRequest::post().uri(&format!("{agreement_uri}/transitions")).insert_header(p.bearer(As::OrgAdmin)),
        serde_json::json!({"to": "awaiting_signatures"}),
    ))
    .await
    .assert_status(200);
    let version = app
        .call(TestRequest::get().uri(&format!("{agreement_uri}/versions/1")).insert_header(p.bearer(As::OrgAdmin)))
        .await
        .json();
    for who in [As::OrgAdmin, As::Outsider] {
        app.call(json(
            TestRequest::post().uri(&format!("{agreement_uri}/versions/1/signatures")).insert_header(p.bearer(who)),
            serde_json::json!({"content_hash": version["content_hash"], "signatory_name": "Aino Esimerkki",
                               "signatory_title": "Puheenjohtaja", "method": "electronic"}),
        ))
        .await
        .assert_status(201);
    }
    assert_eq!(outsider_sees().await, (200, 1));
    // Still not theirs to edit.
    let res = app
        .call(json(
            TestRequest::patch().uri(&uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::Outsider)),
            serde_json::json!({"title": "x"}),
        ))
        .await;
    res.assert_problem(403);

    // A terminated agreement is no collaboration.
    let res = app
        .call(json(
            TestRequest::post().uri(&format!("{agreement_uri}/transitions")).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"to": "terminated", "comment": "Yhteistyö päättyi"}),
        ))
        .await;
    res.assert_status(200);
    assert_eq!(outsider_sees().await, (404, 0));
}
