//! Every error path answers with problem+json and the right status, framework errors included.

use std::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;

use crate::support::{PoolSettings, TestApp, call};

#[actix_web::test]
async fn unknown_route_is_404_problem() {
    let app = TestApp::spawn().await;
    let body = app.get("/api/v1/no-such-thing").await.assert_problem(404);
    assert_eq!(body["instance"], "/api/v1/no-such-thing");
}

#[actix_web::test]
async fn wrong_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let res = app.call(TestRequest::put().uri("/api/v1/organizations")).await;
    res.assert_problem(405);
    assert_eq!(res.header("allow"), Some("GET, POST"));
    let res = app.call(TestRequest::put().uri("/api/v1/areas/municipality/179")).await;
    res.assert_problem(405);
}

#[actix_web::test]
async fn bad_path_parameter_is_400() {
    let app = TestApp::spawn().await;
    let body = app.get("/api/v1/organizations/not-a-uuid").await.assert_problem(400);
    assert!(body["detail"].as_str().unwrap().contains("path parameter"));
    app.get("/api/v1/areas/county/15").await.assert_problem(400);
}

#[actix_web::test]
async fn bad_query_parameters_are_400() {
    let app = TestApp::spawn().await;
    for uri in [
        "/api/v1/organizations?kind=bogus",
        "/api/v1/organizations?limit=many",
        "/api/v1/organizations?parent=xyz",
        "/api/v1/organizations?kidn=ngo",
        "/api/v1/organizations?cursor=not%20a%20cursor!",
        "/api/v1/areas?valid_on=2026-13-01",
    ] {
        let body = app.get(uri).await.assert_problem(400);
        assert!(!body["detail"].as_str().unwrap().is_empty(), "{uri}");
    }
    // A cursor longer than any list issues is refused before it is decoded.
    let long = format!("/api/v1/organizations?cursor={}", "A".repeat(1025));
    assert!(app.get(&long).await.assert_problem(400)["detail"].as_str().unwrap().contains("1024"));
    // A change window that is not an RFC 3339 instant is a 422 saying which form to use.
    for since in ["yesterday", "2026-03-01T00:00:00"] {
        let body = app.get(&format!("/api/v1/organizations?updated_since={since}")).await.assert_problem(422);
        assert_eq!(body["title"], "Unprocessable Content");
        assert_eq!(body["errors"][0]["field"], "updated_since");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("RFC 3339"));
    }
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let res = app
        .call(
            TestRequest::post()
                .uri("/__test/echo")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(r#"{"name": "#),
        )
        .await;
    res.assert_problem(400);
}

#[actix_web::test]
async fn json_of_the_wrong_shape_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .call(
            TestRequest::post()
                .uri("/__test/echo")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(r#"{"name": "x", "is_admin": true}"#),
        )
        .await;
    let body = res.assert_problem(422);
    assert_eq!(body["errors"][0]["field"], "is_admin");
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let res = app
        .call(
            TestRequest::post()
                .uri("/__test/echo")
                .insert_header((header::CONTENT_TYPE, "text/plain"))
                .set_payload(r#"{"name": "x"}"#),
        )
        .await;
    res.assert_problem(415);
    // +json types are accepted as JSON.
    let res = app
        .call(
            TestRequest::post()
                .uri("/__test/echo")
                .insert_header((header::CONTENT_TYPE, "application/merge-patch+json"))
                .set_payload(r#"{"name": "x"}"#),
        )
        .await;
    res.assert_status(200);
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(yhdyspinta::http::framework::JSON_BODY_LIMIT + 1));
    let res = app
        .call(
            TestRequest::post()
                .uri("/__test/echo")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(big),
        )
        .await;
    res.assert_problem(413);
}

#[actix_web::test]
async fn request_id_is_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app.call(TestRequest::get().uri("/healthz").insert_header(("x-request-id", "trace-abc-123"))).await;
    assert_eq!(res.header("x-request-id"), Some("trace-abc-123"));

    let res = app.call(TestRequest::get().uri("/nope").insert_header(("x-request-id", "trace-xyz"))).await;
    assert_eq!(res.assert_problem(404)["request_id"], "trace-xyz");

    // An unusable id (too long, control characters) is replaced by a generated one.
    let res = app.call(TestRequest::get().uri("/healthz").insert_header(("x-request-id", "x".repeat(500)))).await;
    let generated = res.header("x-request-id").expect("generated id");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
}

#[actix_web::test]
async fn security_headers_are_set() {
    let app = TestApp::spawn().await;
    for res in [app.get("/healthz").await, app.get("/nope").await] {
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert!(res.header("content-security-policy").is_some());
        assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    }
}

#[actix_web::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::spawn().await;
    let res = app.call(TestRequest::get().uri("/healthz").insert_header(("origin", "https://app.example.fi"))).await;
    assert_eq!(res.header("access-control-allow-origin"), Some("https://app.example.fi"));
    let res = app.call(TestRequest::get().uri("/healthz").insert_header(("origin", "https://evil.example"))).await;
    assert_eq!(res.header("access-control-allow-origin"), None);
    let preflight = app
        .call(
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/api/v1/organizations")
                .insert_header(("origin", "https://app.example.fi"))
                .insert_header(("access-control-request-method", "GET")),
        )
        .await;
    assert!(preflight.status.is_success(), "{:?}", preflight.status);
}

#[actix_web::test]
async fn unreachable_database_is_503_with_retry_after() {
    let (service, _db) = TestApp::spawn_unreachable().await;
    for uri in ["/readyz", "/api/v1/organizations"] {
        let res = call(&service, TestRequest::get().uri(uri)).await;
        res.assert_problem(503);
        assert!(res.header("retry-after").is_some(), "{uri}");
    }
    // Liveness does not depend on the database.
    call(&service, TestRequest::get().uri("/healthz")).await.assert_status(200);
}

#[actix_web::test]
async fn saturated_pool_answers_503_instead_of_hanging() {
    let app = TestApp::spawn_with(PoolSettings { size: 1, wait_timeout: Duration::from_millis(200) }).await;
    let held = app.conn().await;
    let started = std::time::Instant::now();
    let res = app.get("/api/v1/organizations").await;
    res.assert_problem(503);
    assert_eq!(res.header("retry-after"), Some("2"));
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(held);
    app.get("/api/v1/organizations").await.assert_status(200);
}
