use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;

use crate::support::{As, TestApp, json};

#[actix_web::test]
async fn org_admins_read_entries_about_their_organisation_only() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    // One write in each organisation.
    for (org, who) in [(p.org, As::OrgAdmin), (p.other_org, As::Outsider)] {
        let res = app
            .call(json(
                TestRequest::patch()
                    .uri(&format!("/api/v1/organizations/{org}"))
                    .insert_header(p.bearer(who))
                    .insert_header(("if-match", "*")),
                serde_json::json!({"website": "https://www.example.fi"}),
            ))
            .await;
        res.assert_status(200);
    }
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::Client, 403),
            (As::OrgAdmin, 200),
            (As::Outsider, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri("/api/v1/audit-log"),
    )
    .await;
    let seen_by = |who: As| {
        let req = TestRequest::get().uri("/api/v1/audit-log?resource_type=organization").insert_header(p.bearer(who));
        async { app.call(req).await.json()["data"].as_array().unwrap().clone() }
    };
    let mine = seen_by(As::OrgAdmin).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["organization_ids"], serde_json::json!([p.org.to_string()]));
    assert_eq!(mine[0]["diff"]["after"]["website"], "https://www.example.fi");
    assert_eq!(mine[0]["diff"]["before"]["website"], serde_json::Value::Null);
    assert_eq!(seen_by(As::PlatformAdmin).await.len(), 2);
}

#[actix_web::test]
async fn sequence_numbers_increase_and_page_with_cursors() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    for i in 0..5 {
        let res = app
            .call(json(
                TestRequest::post()
                    .uri(&format!("/api/v1/organizations/{}/contacts", p.org))
                    .insert_header(p.bearer(As::OrgAdmin)),
                serde_json::json!({"name": format!("Henkilö {i}")}),
            ))
            .await;
        res.assert_status(201);
    }
    let mut seqs = Vec::new();
    let mut uri = "/api/v1/audit-log?resource_type=contact&limit=2".to_owned();
    loop {
        let body = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::PlatformAdmin))).await.json();
        seqs.extend(body["data"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()));
        match body["meta"]["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/audit-log?resource_type=contact&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seqs.len(), 5);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // The log itself cannot be rewritten.
    let err = diesel_async::SimpleAsyncConnection::batch_execute(&mut *app.conn().await, "DELETE FROM audit_log").await;
    assert!(err.is_err());
}
