use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;

use crate::support::{As, TestApp, all, json, token_request};

fn only_platform_admin(success: u16) -> Vec<(As, u16)> {
    let mut expected: Vec<(As, u16)> = all(403).into_iter().filter(|(who, _)| *who != As::PlatformAdmin).collect();
    expected[0] = (As::Anonymous, 401);
    expected.push((As::PlatformAdmin, success));
    expected
}

#[actix_web::test]
async fn only_platform_admins_manage_service_clients() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    app.access_matrix(&p, &only_platform_admin(200), || TestRequest::get().uri("/api/v1/service-clients")).await;
    let body = serde_json::json!({"name": "Hakemisto", "organization_id": p.org, "scopes": ["directory:read"]});
    app.access_matrix(&p, &only_platform_admin(201), || {
        json(TestRequest::post().uri("/api/v1/service-clients"), body.clone())
    })
    .await;

    let listed = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/service-clients?organization={}", p.org))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .json();
    let clients = listed["data"].as_array().unwrap();
    assert_eq!(clients.len(), 3);
    assert!(clients.iter().all(|c| c.get("client_secret").is_none() && c.get("secret_hash").is_none()));

    let id = clients.iter().find(|c| c["name"] == "Hakemisto").unwrap()["id"].as_str().unwrap().to_owned();
    let one = format!("/api/v1/service-clients/{id}");
    app.access_matrix(&p, &only_platform_admin(200), || TestRequest::get().uri(&one)).await;
    let rotate = format!("/api/v1/service-clients/{id}/secret");
    app.access_matrix(&p, &only_platform_admin(200), || TestRequest::post().uri(&rotate)).await;
    app.access_matrix(&p, &only_platform_admin(204), || {
        TestRequest::delete().uri(&one).insert_header(("if-match", "*"))
    })
    .await;
}

#[actix_web::test]
async fn rotation_replaces_the_secret() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let created = app
        .call(json(
            TestRequest::post().uri("/api/v1/service-clients").insert_header(p.bearer(As::PlatformAdmin)),
            serde_json::json!({"name": "Raportit", "organization_id": p.org, "scopes": ["indicators:read"]}),
        ))
        .await
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let old = created["client_secret"].as_str().unwrap().to_owned();
    let rotated = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/service-clients/{id}/secret"))
                .insert_header(p.bearer(As::PlatformAdmin)),
        )
        .await
        .assert_status(200)
        .json();
    let new = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    for (secret, status) in [(&old, 401), (&new, 200)] {
        let form =
            [("grant_type", "client_credentials"), ("client_id", id.as_str()), ("client_secret", secret.as_str())];
        token_request(&app, &form).await.assert_status(status);
    }
    // Unknown scopes are refused with 422.
    let res = app
        .call(json(
            TestRequest::post().uri("/api/v1/service-clients").insert_header(p.bearer(As::PlatformAdmin)),
            serde_json::json!({"name": "X", "organization_id": p.org, "scopes": ["everything"]}),
        ))
        .await;
    res.assert_problem(422);
}
