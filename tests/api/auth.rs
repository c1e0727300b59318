//! Signing in, token rotation, service clients and the attacks a verifier must refuse.

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use yhdyspinta::domain::access::Scope;
use yhdyspinta::domain::identity::rate_limit::{Limits, RateLimiter};
use yhdyspinta::domain::identity::tokens::{Claims, SubjectKind};

use crate::support::{As, TestApp, json, token_request, user_with_password};

const PASSWORD: &str = "kaksitoista merkkiä";

async fn me_with(app: &TestApp, token: &str) -> crate::support::TestResponse {
    app.call(TestRequest::get().uri("/api/v1/me").insert_header(("authorization", format!("Bearer {token}")))).await
}

#[actix_web::test]
async fn password_grant_issues_tokens_that_open_me() {
    let app = TestApp::spawn().await;
    let personas = app.personas(Scope::DirectoryRead).await;
    user_with_password(&app, "Maija@Example.fi", PASSWORD, Some((personas.org, "coordinator"))).await;

    // Form-encoded, and the e-mail matches case-insensitively.
    let res =
        token_request(&app, &[("grant_type", "password"), ("username", "maija@example.FI"), ("password", PASSWORD)])
            .await;
    let body = res.assert_status(200).json();
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].is_string());
    // The token's own `scope` claim says what the response said.
    let payload = body["access_token"].as_str().unwrap().split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert_eq!(claims["scope"], body["scope"]);
    let me_res = me_with(&app, body["access_token"].as_str().unwrap()).await;
    let me = me_res.assert_status(200).json();
    let tag = me_res.header("etag").expect("etag").to_owned();
    let again = app
        .call(
            TestRequest::get()
                .uri("/api/v1/me")
                .insert_header(("authorization", format!("Bearer {}", body["access_token"].as_str().unwrap())))
                .insert_header(("if-none-match", tag)),
        )
        .await;
    again.assert_status(304);
    assert_eq!(me["email"], "maija@example.fi", "addresses are stored normalised");
    assert_eq!(me["memberships"][0]["organization_id"], personas.org.to_string());
    assert_eq!(me["memberships"][0]["role"], "coordinator");

    // JSON is accepted too.
    let res = app
        .call(json(
            TestRequest::post().uri("/api/v1/auth/token"),
            serde_json::json!({"grant_type": "password", "username": "maija@example.fi", "password": PASSWORD}),
        ))
        .await;
    res.assert_status(200);
}

#[actix_web::test]
async fn wrong_credentials_do_not_reveal_whether_the_account_exists() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "olemassa@example.fi", PASSWORD, None).await;
    let mut times = Vec::new();
    for username in ["olemassa@example.fi", "ei-ole@example.fi"] {
        let mut best = Duration::MAX;
        let mut bodies = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let res = token_request(
                &app,
                &[("grant_type", "password"), ("username", username), ("password", "väärä salasana")],
            )
            .await;
            best = best.min(started.elapsed());
            bodies.push(res.assert_status(400).json());
        }
        assert_eq!(bodies[0]["error"], "invalid_grant");
        assert_eq!(bodies[0]["error_description"], "the e-mail address or password is wrong");
        times.push(best);
    }
    // Both paths run one Argon2 verification, so neither is dramatically faster.
    let (known, unknown) = (times[0].as_secs_f64(), times[1].as_secs_f64());
    assert!(unknown > known * 0.3 && known > unknown * 0.3, "known {known:.4}s vs unknown {unknown:.4}s");
}

#[actix_web::test]
async fn malformed_token_requests_use_oauth_error_codes() {
    let app = TestApp::spawn().await;
    let body = token_request(&app, &[("grant_type", "implicit")]).await.assert_status(400).json();
    assert_eq!(body["error"], "unsupported_grant_type");
    let body = token_request(&app, &[("grant_type", "password"), ("username", "x@example.fi")])
        .await
        .assert_status(400)
        .json();
    assert_eq!(body["error"], "invalid_request");
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("content-type", "text/plain"))
                .set_payload("x"),
        )
        .await;
    res.assert_problem(415);
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "kierto@example.fi", PASSWORD, None).await;
    let first =
        token_request(&app, &[("grant_type", "password"), ("username", "kierto@example.fi"), ("password", PASSWORD)])
            .await
            .json();
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let second = token_request(&app, &[("grant_type", "refresh_token"), ("refresh_token", &r1)]).await;
    let second = second.assert_status(200).json();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    me_with(&app, second["access_token"].as_str().unwrap()).await.assert_status(200);

    // Presenting the spent r1 again: someone has a copy. Refused, and r2 dies with it.
    let reuse = token_request(&app, &[("grant_type", "refresh_token"), ("refresh_token", &r1)]).await;
    assert_eq!(reuse.assert_status(400).json()["error"], "invalid_grant");
    let after = token_request(&app, &[("grant_type", "refresh_token"), ("refresh_token", &r2)]).await;
    assert_eq!(after.assert_status(400).json()["error"], "invalid_grant");
    // Every access token of the stolen sign-in dies with it.
    me_with(&app, second["access_token"].as_str().unwrap()).await.assert_status(401);
    me_with(&app, first["access_token"].as_str().unwrap()).await.assert_status(401);
}

#[actix_web::test]
async fn revocation_ends_the_sign_in() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "pois@example.fi", PASSWORD, None).await;
    let tokens =
        token_request(&app, &[("grant_type", "password"), ("username", "pois@example.fi"), ("password", PASSWORD)])
            .await
            .json();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    me_with(&app, access).await.assert_status(200);
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/revoke")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(format!("token={refresh}&token_type_hint=refresh_token")),
        )
        .await;
    res.assert_status(200);
    let again = token_request(&app, &[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
    assert_eq!(again.assert_status(400).json()["error"], "invalid_grant");
    // The sign-in's access token stops working at once, not when it expires.
    me_with(&app, access).await.assert_status(401);
    // Unknown tokens are not an error (RFC 7009).
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/revoke")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload("token=nonsense"),
        )
        .await;
    res.assert_status(200);
}

#[actix_web::test]
async fn client_credentials_are_limited_to_granted_scopes() {
    let app = TestApp::spawn().await;
    let personas = app.personas(Scope::IndicatorsRead).await;
    let admin = personas.token(As::PlatformAdmin).unwrap().to_owned();
    let created = app
        .call(json(
            TestRequest::post()
                .uri("/api/v1/service-clients")
                .insert_header(("authorization", format!("Bearer {admin}"))),
            serde_json::json!({"name": "Raportit", "organization_id": personas.org, "scopes": ["indicators:read"]}),
        ))
        .await;
    let client = created.assert_status(201).json();
    let (id, secret) =
        (client["id"].as_str().unwrap().to_owned(), client["client_secret"].as_str().unwrap().to_owned());

    let res =
        token_request(&app, &[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
            .await;
    let body = res.assert_status(200).json();
    assert_eq!(body["scope"], "indicators:read");
    assert!(body.get("refresh_token").is_none());
    let client_token = body["access_token"].as_str().unwrap().to_owned();

    // HTTP Basic client authentication.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let res = app
        .call(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .insert_header(("authorization", format!("Basic {basic}")))
                .set_payload("grant_type=client_credentials&scope=indicators:read"),
        )
        .await;
    res.assert_status(200);

    let res = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "webhooks:manage"),
        ],
    )
    .await;
    assert_eq!(res.assert_status(400).json()["error"], "invalid_scope");
    let res =
        token_request(&app, &[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", "wrong")])
            .await;
    assert_eq!(res.assert_status(401).json()["error"], "invalid_client");
    assert!(res.header("www-authenticate").is_some());

    // Revoking the client kills its secret and its outstanding tokens.
    let res = app
        .call(
            TestRequest::delete()
                .uri(&format!("/api/v1/service-clients/{id}"))
                .insert_header(("if-match", "*"))
                .insert_header(("authorization", format!("Bearer {admin}"))),
        )
        .await;
    res.assert_status(204);
    let res =
        token_request(&app, &[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
            .await;
    assert_eq!(res.assert_status(401).json()["error"], "invalid_client");
    let res = app
        .call(
            TestRequest::get()
                .uri("/api/v1/organizations")
                .insert_header(("authorization", format!("Bearer {client_token}"))),
        )
        .await;
    res.assert_problem(401);
}

fn forged(header: serde_json::Value, claims: &Claims, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

#[actix_web::test]
async fn the_verifier_refuses_forged_and_stale_tokens() {
    let app = TestApp::spawn().await;
    let personas = app.personas(Scope::DirectoryRead).await;
    let good = personas.token(As::Member).unwrap().to_owned();
    me_with(&app, &good).await.assert_status(200);
    let kid = app.keys.jwks()[0].kid.clone();
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        iss: "yhdyspinta".into(),
        aud: "yhdyspinta-api".into(),
        sub: personas.user(As::Member).to_string(),
        exp: now + 600,
        iat: now,
        nbf: now,
        jti: "x".into(),
        scope: String::new(),
        kind: SubjectKind::User,
        sid: None,
    };
    let parts: Vec<&str> = good.split('.').collect();
    let mut bad_signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    bad_signature[0] ^= 1;
    let hmac_key = URL_SAFE_NO_PAD.decode(&app.keys.jwks()[0].x).unwrap();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header { kid: Some(kid.clone()), ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) },
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&hmac_key),
    )
    .unwrap();
    let mut unknown_kid_header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": "0000000000000000"});
    let resign = |c: &Claims| app.keys.sign(c).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("tampered signature", format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&bad_signature))),
        (
            "tampered claims",
            format!(
                "{}.{}.{}",
                parts[0],
                URL_SAFE_NO_PAD.encode(
                    serde_json::to_vec(&Claims { sub: personas.user(As::PlatformAdmin).to_string(), ..claims.clone() })
                        .unwrap()
                ),
                parts[2]
            ),
        ),
        ("alg none", forged(serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid}), &claims, b"")),
        ("HMAC with the public key", hs256),
        ("unknown kid", forged(unknown_kid_header.take(), &claims, &bad_signature)),
        ("wrong issuer", resign(&Claims { iss: "someone-else".into(), ..claims.clone() })),
        ("wrong audience", resign(&Claims { aud: "another-api".into(), ..claims.clone() })),
        ("expired", resign(&Claims { exp: now - 60, iat: now - 960, nbf: now - 960, ..claims.clone() })),
        ("not yet valid", resign(&Claims { nbf: now + 300, ..claims.clone() })),
        ("garbage", "not.a.jwt".into()),
    ];
    for (what, token) in cases {
        let res = me_with(&app, &token).await;
        assert_eq!(res.status.as_u16(), 401, "{what} was accepted");
        assert!(res.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")), "{what}");
        res.assert_problem(401);
    }
    // A scheme other than Bearer, and no token at all on a protected endpoint.
    let res = app.call(TestRequest::get().uri("/api/v1/me").insert_header(("authorization", "Basic eDp5"))).await;
    res.assert_problem(401);
    app.get("/api/v1/me").await.assert_problem(401);

    // Deactivating the account invalidates its live tokens.
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *app.conn().await,
        &format!("UPDATE users SET active = false WHERE id = '{}'", personas.user(As::Member)),
    )
    .await
    .unwrap();
    me_with(&app, &good).await.assert_problem(401);
}

#[actix_web::test]
async fn jwks_publishes_the_verifying_key() {
    let app = TestApp::spawn().await;
    let body = app.get("/.well-known/jwks.json").await.assert_status(200).json();
    let key = &body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    // A token's kid names a published key.
    let personas = app.personas(Scope::DirectoryRead).await;
    let header = jsonwebtoken::decode_header(personas.token(As::Member).unwrap()).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
}

#[actix_web::test]
async fn sign_in_is_rate_limited_per_account_and_per_ip() {
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits {
        ip_requests: 100,
        client_failures: 3,
        failure_period: Duration::from_secs(600),
        ..Limits::default()
    }))
    .await;
    user_with_password(&app, "arvaus@example.fi", PASSWORD, None).await;
    for _ in 0..3 {
        token_request(
            &app,
            &[("grant_type", "password"), ("username", "arvaus@example.fi"), ("password", "väärin väärin")],
        )
        .await
        .assert_status(400);
    }
    // Locked now, even with the right password.
    let res =
        token_request(&app, &[("grant_type", "password"), ("username", "arvaus@example.fi"), ("password", PASSWORD)])
            .await;
    res.assert_problem(429);
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry));

    app.use_limiter(RateLimiter::new(Limits { ip_requests: 2, ..Limits::default() })).await;
    let from = |ip: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .peer_addr(format!("{ip}:40000").parse().unwrap())
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("grant_type=password&username=x%40example.fi&password=y")
    };
    app.call(from("198.51.100.7")).await.assert_status(400);
    app.call(from("198.51.100.7")).await.assert_status(400);
    app.call(from("198.51.100.7")).await.assert_problem(429);
    app.call(from("198.51.100.8")).await.assert_status(400);
}

#[actix_web::test]
async fn oversized_token_request_fields_are_refused_before_anything_else() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(900_000);
    let res = token_request(&app, &[("grant_type", "password"), ("username", &long), ("password", "p")]).await;
    let body = res.assert_status(400).json();
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].as_str().unwrap().contains("username"), "{body}");
}
