use actix_web::test::TestRequest;

use crate::support::{METRICS_TOKEN, TestApp};

#[actix_web::test]
async fn liveness_and_readiness() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.assert_status(200).json()["status"], "ok");
    assert_eq!(app.get("/readyz").await.assert_status(200).json()["status"], "ready");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_report_the_pool() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/organizations/01930000-0000-7000-8000-000000000099").await.assert_status(404);
    app.get("/definitely/not/here").await.assert_status(404);
    let res = app
        .call(TestRequest::get().uri("/metrics").insert_header(("authorization", format!("Bearer {METRICS_TOKEN}"))))
        .await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/plain"));
    let text = String::from_utf8_lossy(&res.body);
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/organizations/{id}",status="404"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404"} 1"#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket{route=\"/api/v1/organizations/{id}\""));
    assert!(text.contains("db_pool_max_size 4"));
    assert!(text.contains("db_pool_available"));
    assert!(text.contains("db_pool_waiting 0"));
}

#[actix_web::test]
async fn docs_and_spec_are_served() {
    let app = TestApp::spawn().await;
    let spec = app.get("/openapi.json").await.assert_status(200).json();
    assert_eq!(spec["openapi"], "3.1.0");
    let res = app.get("/docs").await;
    assert_eq!(res.status.as_u16(), 308);
    assert_eq!(res.header("location"), Some("/docs/"));
    let page = app.get("/docs/").await;
    page.assert_status(200);
    assert!(String::from_utf8_lossy(&page.body).contains("swagger-ui"));
}

#[actix_web::test]
async fn worker_pools_share_the_configured_size_and_report_together() {
    let database = crate::support::TestDatabase::create();
    let vars = [("DATABASE_URL", database.url.clone()), ("YHDYSPINTA_POOL_SIZE", "5".to_owned())];
    let config =
        yhdyspinta::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let pools = yhdyspinta::db::Db::per_worker(&config, 2).unwrap();
    assert_eq!(pools.len(), 2);
    let _a = pools[0].conn().await.unwrap();
    let _b = pools[1].conn().await.unwrap();
    let status = pools[0].status();
    assert_eq!(status.max_size, 6, "5 connections over 2 workers round up to 3 each");
    assert_eq!(status.size, 2);
    assert_eq!(status.available, 0);
    pools.iter().for_each(yhdyspinta::db::Db::close);
}

#[actix_web::test]
async fn create_admin_makes_a_platform_admin_who_can_sign_in() {
    let database = crate::support::TestDatabase::create();
    let vars = [("DATABASE_URL", database.url.clone())];
    let config =
        yhdyspinta::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let short = yhdyspinta::server::create_admin(&config, "root@example.fi", "Root", "short".into()).await;
    assert!(short.unwrap_err().to_string().contains("password"));
    yhdyspinta::server::create_admin(&config, "root@example.fi", "Root", "a long admin passphrase".into())
        .await
        .unwrap();
    let again =
        yhdyspinta::server::create_admin(&config, "ROOT@example.fi", "Root", "a long admin passphrase".into()).await;
    assert!(again.is_err(), "e-mail addresses are unique regardless of case");

    let db = yhdyspinta::db::Db::new(&config).unwrap();
    let user = yhdyspinta::repo::identity::users::by_email(&mut db.conn().await.unwrap(), "root@example.fi")
        .await
        .unwrap()
        .unwrap();
    assert!(user.platform_admin && user.active);
    assert!(yhdyspinta::domain::identity::passwords::verify("a long admin passphrase", user.password_hash.as_deref()));
    db.close();
}
