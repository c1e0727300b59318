use crate::support::TestApp;

#[actix_web::test]
async fn demo_data_loads_idempotently() {
    let app = TestApp::spawn().await;
    let first = yhdyspinta::demo::seed(&mut *app.conn().await).await.expect("seed");
    assert!(first >= 15, "{first}");
    let second = yhdyspinta::demo::seed(&mut *app.conn().await).await.expect("seed again");
    assert_eq!(second, 0);

    let body = app.get("/api/v1/organizations?limit=200").await.assert_status(200).json();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), first);
    for kind in ["wellbeing_services_county", "municipality", "ngo", "parish"] {
        assert!(data.iter().any(|o| o["kind"] == kind), "no demo {kind}");
    }
    // Keusote and its municipalities.
    let keusote = app.get("/api/v1/organizations?wellbeing_county=02").await.json();
    assert!(keusote["data"].as_array().unwrap().len() >= 4);
}
