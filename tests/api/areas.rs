use std::collections::HashSet;

use actix_web::test::TestRequest;

use crate::support::TestApp;

#[actix_web::test]
async fn the_register_holds_every_municipality_and_county() {
    let app = TestApp::spawn().await;
    let mut codes = HashSet::new();
    let mut uri = "/api/v1/areas?kind=municipality&limit=200".to_owned();
    loop {
        let body = app.get(&uri).await.assert_status(200).json();
        for area in body["data"].as_array().unwrap() {
            assert_eq!(area["kind"], "municipality");
            assert!(codes.insert(area["code"].as_str().unwrap().to_owned()));
        }
        match body["meta"]["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/areas?kind=municipality&limit=200&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(codes.len(), 309);
    let counties = app.get("/api/v1/areas?kind=wellbeing_services_county&limit=200").await.json();
    assert_eq!(counties["data"].as_array().unwrap().len(), 23);
}

#[actix_web::test]
async fn reads_one_area_with_etag() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/areas/wellbeing_services_county/15").await;
    let body = res.assert_status(200).json();
    assert_eq!(body["name"]["fi"], "Keski-Suomen hyvinvointialue");
    assert_eq!(body["name"]["sv"], "Mellersta Finlands välfärdsområde");
    assert_eq!(body["short_id"], "KS");
    assert_eq!(body["sotkanet_region_id"], 965);
    let etag = res.header("etag").unwrap().to_owned();
    let again = app
        .call(
            TestRequest::get().uri("/api/v1/areas/wellbeing_services_county/15").insert_header(("if-none-match", etag)),
        )
        .await;
    again.assert_status(304);

    let tampere = app.get("/api/v1/areas/municipality/837").await.json();
    assert_eq!(tampere["name"]["sv"], "Tammerfors");
    assert_eq!(tampere["wellbeing_county_code"], "08");
}

#[actix_web::test]
async fn unknown_or_malformed_codes_are_404() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/areas/municipality/999").await.assert_problem(404);
    app.get("/api/v1/areas/municipality/15").await.assert_problem(404);
    app.get("/api/v1/areas/wellbeing_services_county/1%27%20OR%201=1").await.assert_problem(404);
}

#[actix_web::test]
async fn search_and_county_filters() {
    let app = TestApp::spawn().await;
    let by_prefix = app.get("/api/v1/areas?q=tamp").await.json();
    let codes: Vec<_> = by_prefix["data"].as_array().unwrap().iter().map(|a| a["code"].clone()).collect();
    assert_eq!(codes, vec![serde_json::json!("837")]);
    let by_swedish = app.get("/api/v1/areas?q=tammerf").await.json();
    assert_eq!(by_swedish["data"][0]["code"], "837");
    let by_code = app.get("/api/v1/areas?q=179").await.json();
    assert_eq!(by_code["data"][0]["name"]["fi"], "Jyväskylä");
    // LIKE wildcards are literal.
    assert_eq!(app.get("/api/v1/areas?q=%25").await.json()["data"].as_array().unwrap().len(), 0);

    let keski_suomi = app.get("/api/v1/areas?wellbeing_county=15&limit=200").await.json();
    let list = keski_suomi["data"].as_array().unwrap();
    assert!(list.len() >= 20, "{}", list.len());
    assert!(list.iter().all(|a| a["wellbeing_county_code"] == "15"));
    app.get("/api/v1/areas?wellbeing_county=1").await.assert_problem(422);
}

#[actix_web::test]
async fn validity_dates_select_the_register_of_a_day() {
    let app = TestApp::spawn().await;
    let before_counties = app.get("/api/v1/areas?kind=wellbeing_services_county&valid_on=2022-06-01").await.json();
    assert_eq!(before_counties["data"].as_array().unwrap().len(), 0);
    let municipalities_2022 = app.get("/api/v1/areas?kind=municipality&valid_on=2022-06-01&limit=1").await.json();
    assert_eq!(municipalities_2022["data"].as_array().unwrap().len(), 1);
}
