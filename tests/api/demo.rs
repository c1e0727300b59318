use crate::support::TestApp;

#[actix_web::test]
async fn demo_data_loads_idempotently() {
    let app = TestApp::spawn().await;
    let first = yhdyspinta::demo::seed(&mut *app.conn().await).await.expect("seed");
    assert!(first >= 17 + 52, "{first}: organisations, users and memberships");
    let second = yhdyspinta::demo::seed(&mut *app.conn().await).await.expect("seed again");
    assert_eq!(second, 0);

    let body = app.get("/api/v1/organizations?limit=200").await.assert_status(200).json();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 17);
    for kind in ["wellbeing_services_county", "municipality", "ngo", "parish"] {
        assert!(data.iter().any(|o| o["kind"] == kind), "no demo {kind}");
    }
    // Every demo user can sign in with the documented password.
    let res = app
        .call(crate::support::json(
            actix_web::test::TestRequest::post().uri("/api/v1/auth/token"),
            serde_json::json!({"grant_type": "password", "username": "paakayttaja@jyvaskyla.example",
                               "password": yhdyspinta::demo::DEMO_PASSWORD}),
        ))
        .await;
    let token = res.assert_status(200).json()["access_token"].as_str().unwrap().to_owned();
    let me = app
        .call(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/me")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(me.assert_status(200).json()["memberships"][0]["role"], "org_admin");

    // Keusote and its municipalities.
    let keusote = app.get("/api/v1/organizations?wellbeing_county=02").await.json();
    assert!(keusote["data"].as_array().unwrap().len() >= 4);
}
