//! Rules every resource shares: authorisation before validation and preconditions, bounded
//! and precisely reported input, writes that never answer 304, and cursors.

use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;

use crate::support::{As, TestApp, json};

#[actix_web::test]
async fn anonymous_callers_get_401_before_any_validation_or_precondition() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let agreement = uuid::Uuid::now_v7();
    // A body that says nothing of what a valid one looks like is judged only after sign-in.
    let res = app
        .call(json(
            TestRequest::post().uri(&format!("/api/v1/agreements/{agreement}/versions/1/signatures")),
            serde_json::json!({"nonsense": true}),
        ))
        .await;
    res.assert_problem(401);
    assert!(res.header("www-authenticate").is_some());
    // A missing token is 401 before a malformed If-Match is 412 ...
    let contact = format!("/api/v1/organizations/{}/contacts/{}", p.org, uuid::Uuid::now_v7());
    app.call(TestRequest::delete().uri(&contact).insert_header(("if-match", "null"))).await.assert_problem(401);
    // ... and before a missing one is 428.
    let org = format!("/api/v1/organizations/{}", p.org);
    app.call(json(TestRequest::patch().uri(&org), serde_json::json!({"phone": "+358 40 1"}))).await.assert_problem(401);
    // Signed in without the right: 403 before the precondition, whatever the If-Match.
    app.call(json(
        TestRequest::patch().uri(&org).insert_header(p.bearer(As::Member)).insert_header(("if-match", "\"999\"")),
        serde_json::json!({"phone": "+358 40 1"}),
    ))
    .await
    .assert_problem(403);
}

#[actix_web::test]
async fn writes_never_answer_304() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}", p.org);
    let res = app.call(TestRequest::get().uri(&uri)).await;
    let etag = res.header("etag").unwrap().to_owned();
    // The version after the write is the next one: a client may well hold that tag already
    // (or send `*`); the write still answers 200 with the new representation.
    for held in ["\"2\"", "*"] {
        let current = app.call(TestRequest::get().uri(&uri)).await.header("etag").unwrap().to_owned();
        let res = app
            .call(json(
                TestRequest::patch()
                    .uri(&uri)
                    .insert_header(p.bearer(As::OrgAdmin))
                    .insert_header(("if-match", current.as_str()))
                    .insert_header(("if-none-match", held)),
                serde_json::json!({"phone": format!("+358 40 {}", held.len())}),
            ))
            .await;
        assert_eq!(res.assert_status(200).json()["phone"], format!("+358 40 {}", held.len()));
    }
    // A read still revalidates.
    let now = app.call(TestRequest::get().uri(&uri)).await.header("etag").unwrap().to_owned();
    assert_ne!(now, etag);
    app.call(TestRequest::get().uri(&uri).insert_header(("if-none-match", now.as_str()))).await.assert_status(304);
}

#[actix_web::test]
async fn strings_and_arrays_are_bounded_and_errors_name_their_paths() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/contacts", p.org);
    let post =
        |body: serde_json::Value| json(TestRequest::post().uri(&uri).insert_header(p.bearer(As::Coordinator)), body);
    let body = app.call(post(serde_json::json!({"name": "x".repeat(200_000)}))).await.assert_problem(422);
    assert_eq!(
        (body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()),
        (Some("name"), Some("too_long"))
    );
    let topics: Vec<String> = (0..5000).map(|i| format!("t{i}")).collect();
    let body = app.call(post(serde_json::json!({"name": "Aino", "topics": topics}))).await.assert_problem(422);
    assert_eq!(body["errors"][0]["field"], "topics");

    // Every broken format of an organisation is reported at once, each by its field.
    let org = format!("/api/v1/organizations/{}", p.org);
    let body = app
        .call(json(
            TestRequest::patch().uri(&org).insert_header(p.bearer(As::PlatformAdmin)).insert_header(("if-match", "*")),
            serde_json::json!({"email": "ei-osoite", "phone": "soita", "website": "ftp://x", "business_id": "123"}),
        ))
        .await
        .assert_problem(422);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["business_id", "email", "phone", "website"]);

    // Nested paths name the list item.
    let body = app
        .call(json(
            TestRequest::post().uri("/api/v1/agreements").insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"code": "KS-2026-099", "title": {"fi": "Sopimus"}, "purpose": {"fi": " "},
                "period": {"start_date": "2026-01-01", "end_date": "2026-12-31"},
                "parties": [{"organization_id": p.org, "roles": []}]}),
        ))
        .await
        .assert_problem(422);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["parties[0].roles", "purpose"]);
    // A member of the wrong type is named by its JSON path too.
    let body = app
        .call(json(
            TestRequest::post().uri("/api/v1/agreements").insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"code": "KS-2026-098", "title": {"fi": "Sopimus"}, "purpose": {"fi": "Tarkoitus"},
                "period": {"start_date": "2026-01-01", "end_date": "2026-12-31"},
                "parties": [{"organization_id": p.org, "roles": ["partner"]}],
                "cost_sharing": [{"category": "rent", "basis": "percentage",
                                  "shares": [{"organization_id": p.org, "percent": 100}]}]}),
        ))
        .await
        .assert_problem(422);
    assert_eq!(body["errors"][0]["field"], "cost_sharing[0].shares[0].percent");
}

#[actix_web::test]
async fn nul_characters_are_refused_not_a_server_error() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    app.call(TestRequest::get().uri("/api/v1/audit-log?resource_id=a%00b").insert_header(p.bearer(As::OrgAdmin)))
        .await
        .assert_problem(400);
    let uri = format!("/api/v1/organizations/{}/contacts", p.org);
    let body = app
        .call(json(
            TestRequest::post().uri(&uri).insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"name": "Aino\u{0}Esimerkki"}),
        ))
        .await
        .assert_problem(422);
    assert_eq!(body["errors"][0]["code"], "invalid_text");
    assert!(!body.to_string().contains("byte sequence"), "{body}");
}

#[actix_web::test]
async fn cursors_this_list_never_issued_are_404_and_garbage_is_400() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/organizations?cursor=AAAA").await.assert_problem(404);
    app.get("/api/v1/organizations?cursor=%21%21").await.assert_problem(400);
    app.get("/api/v1/organizations?cursor=").await.assert_problem(400);
}

#[actix_web::test]
async fn every_update_and_delete_of_a_versioned_resource_needs_if_match() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let contacts = format!("/api/v1/organizations/{}/contacts", p.org);
    let contact = app
        .call(json(
            TestRequest::post().uri(&contacts).insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"name": "Aino"}),
        ))
        .await
        .assert_status(201)
        .json();
    let contact = format!("{contacts}/{}", contact["id"].as_str().unwrap());
    let member = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::Member));
    let patch = |uri: &str, body: serde_json::Value| {
        json(TestRequest::patch().uri(uri).insert_header(p.bearer(As::OrgAdmin)), body)
    };
    app.call(patch(&contact, serde_json::json!({"title": "Ohjaaja"}))).await.assert_problem(428);
    app.call(patch(&member, serde_json::json!({"role": "coordinator"}))).await.assert_problem(428);
    for uri in [&contact, &member, &format!("/api/v1/organizations/{}", p.other_org)] {
        let who = if uri.contains(&p.other_org.to_string()) { As::PlatformAdmin } else { As::OrgAdmin };
        app.call(TestRequest::delete().uri(uri).insert_header(p.bearer(who))).await.assert_problem(428);
    }
    // A stale one is 412 carrying the current ETag.
    let res =
        app.call(patch(&contact, serde_json::json!({"title": "Ohjaaja"})).insert_header(("if-match", "\"9\""))).await;
    res.assert_problem(412);
    assert_eq!(res.header("etag"), Some("\"1\""));
}

#[actix_web::test]
async fn answers_vary_by_caller_and_a_redacted_copy_never_revalidates_as_the_full_one() {
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    let list = app.get("/api/v1/agreements?code=KS-2026-014").await;
    assert!(list.headers.get_all("vary").any(|v| v.to_str().unwrap().contains("Authorization")));
    let id = list.json()["data"][0]["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/agreements/{id}");
    let anonymous = app.get(&uri).await;
    let public_tag = anonymous.header("etag").unwrap().to_owned();
    assert!(public_tag.ends_with("-public\""), "{public_tag}");
    assert!(anonymous.json()["parties"][0]["contact_ids"].as_array().unwrap().is_empty());

    let token = demo_token(&app, "jasen@jyvaskyla.example").await;
    let member = app
        .call(
            TestRequest::get()
                .uri(&uri)
                .insert_header(("authorization", format!("Bearer {token}")))
                .insert_header(("if-none-match", public_tag.as_str())),
        )
        .await;
    member.assert_status(200);
    assert_ne!(member.header("etag").unwrap(), public_tag);

    // Versions tell when they were frozen and entered into force, and signatures when given.
    let version = app.get(&format!("{uri}/versions/1")).await.assert_status(200).json();
    assert!(version["created_at"].is_string() && version["entered_into_force_at"].is_string(), "{version}");
    let last = version["signatures"].as_array().unwrap().iter().map(|s| s["signed_at"].as_str().unwrap()).max();
    assert_eq!(version["entered_into_force_at"].as_str(), last);
}

#[actix_web::test]
async fn an_accept_header_without_json_is_406() {
    let app = TestApp::spawn().await;
    let res = app.call(TestRequest::get().uri("/api/v1/organizations").insert_header(("accept", "text/csv"))).await;
    res.assert_problem(406);
    let res = app
        .call(TestRequest::get().uri("/api/v1/organizations").insert_header(("accept", "text/html, */*;q=0.1")))
        .await;
    res.assert_status(200);
}

#[actix_web::test]
async fn service_clients_read_as_their_organisations_members_with_the_read_scopes() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    // A party-only agreement of the client's organisation.
    let body = serde_json::json!({"code": "KS-2026-777", "title": {"fi": "Sopimus"}, "purpose": {"fi": "Tarkoitus"},
        "period": {"start_date": "2026-01-01", "end_date": "2026-12-31"},
        "parties": [{"organization_id": p.org, "roles": ["partner"]}]});
    let created = app
        .call(json(TestRequest::post().uri("/api/v1/agreements").insert_header(p.bearer(As::Coordinator)), body))
        .await
        .assert_status(201)
        .json();
    let uri = format!("/api/v1/agreements/{}", created["id"].as_str().unwrap());
    app.access_matrix(
        &p,
        &[(As::Client, 200), (As::ClientWithoutScope, 404), (As::Outsider, 404), (As::Anonymous, 404)],
        || TestRequest::get().uri(&uri),
    )
    .await;
    let listed = app.call(p.request(As::Client, TestRequest::get().uri("/api/v1/agreements"))).await.json();
    assert!(listed["data"].as_array().unwrap().iter().any(|a| a["code"] == "KS-2026-777"));
    // Reading is all the scope gives.
    app.call(p.request(
        As::Client,
        json(TestRequest::post().uri(&format!("{uri}/transitions")), serde_json::json!({"to": "negotiation"})),
    ))
    .await
    .assert_problem(403);

    // /me tells a client which client and organisation it is.
    let me = app.call(p.request(As::Client, TestRequest::get().uri("/api/v1/me"))).await.assert_status(200).json();
    assert_eq!(
        (me["kind"].as_str(), me["organization_id"].as_str()),
        (Some("client"), Some(p.org.to_string().as_str()))
    );
    assert_eq!(me["scopes"], serde_json::json!(["agreements:read"]));

    // contacts:read opens members-only contacts of the client's organisation.
    let p = app.personas(Scope::ContactsRead).await;
    let contacts = format!("/api/v1/organizations/{}/contacts", p.org);
    let contact = app
        .call(json(
            TestRequest::post().uri(&contacts).insert_header(p.bearer(As::Coordinator)),
            serde_json::json!({"name": "Aino"}),
        ))
        .await
        .assert_status(201)
        .json();
    let contact = format!("{contacts}/{}", contact["id"].as_str().unwrap());
    app.access_matrix(&p, &[(As::Client, 200), (As::ClientWithoutScope, 404), (As::Outsider, 404)], || {
        TestRequest::get().uri(&contact)
    })
    .await;
}

#[actix_web::test]
async fn an_oversized_body_with_an_idempotency_key_is_a_problem_like_any_other() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let res = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/organizations/{}/contacts", p.org))
                .insert_header(p.bearer(As::Coordinator))
                .insert_header(("idempotency-key", "big-1"))
                .insert_header(("content-type", "application/json"))
                .set_payload(vec![b' '; 2 * 1024 * 1024]),
        )
        .await;
    let problem = res.assert_problem(413);
    assert!(problem["request_id"].is_string(), "{problem}");
    assert!(res.header("x-request-id").is_some());
}

#[actix_web::test]
async fn an_idempotency_key_makes_a_retried_create_return_the_first_answer() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/contacts", p.org);
    let post = |key: &str, body: serde_json::Value| {
        json(
            TestRequest::post()
                .uri(&uri)
                .insert_header(p.bearer(As::Coordinator))
                .insert_header(("idempotency-key", key)),
            body,
        )
    };
    let first = app.call(post("k-1", serde_json::json!({"name": "Aino"}))).await;
    let first_body = first.assert_status(201).json();
    let again = app.call(post("k-1", serde_json::json!({"name": "Aino"}))).await;
    assert_eq!(again.assert_status(201).json()["id"], first_body["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    let listed = app.call(p.request(As::Coordinator, TestRequest::get().uri(&uri))).await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "one contact, not two");

    // The key with another body is refused; a failed request frees its key.
    let other = app.call(post("k-1", serde_json::json!({"name": "Eino"}))).await.assert_problem(409);
    assert!(other["detail"].as_str().unwrap().starts_with("Idempotency-Key:"));
    app.call(post("k-2", serde_json::json!({"name": " "}))).await.assert_problem(422);
    app.call(post("k-2", serde_json::json!({"name": "Eino"}))).await.assert_status(201);
    // Keys are per caller: another caller's same key is a new request.
    let res = app
        .call(json(
            TestRequest::post()
                .uri(&uri)
                .insert_header(p.bearer(As::OrgAdmin))
                .insert_header(("idempotency-key", "k-1")),
            serde_json::json!({"name": "Aino"}),
        ))
        .await;
    assert_ne!(res.assert_status(201).json()["id"], first_body["id"]);
    // Answers that carry a secret take no key.
    app.call(json(
        TestRequest::post()
            .uri("/api/v1/service-clients")
            .insert_header(p.bearer(As::PlatformAdmin))
            .insert_header(("idempotency-key", "k-3")),
        serde_json::json!({"name": "Raportointi", "organization_id": p.org}),
    ))
    .await
    .assert_problem(400);
}

#[actix_web::test]
async fn every_reader_can_recompute_a_versions_hash_and_verify_its_seal() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ed25519_dalek::Verifier as _;

    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    let list = app.get("/api/v1/agreements?code=KS-2026-014").await.json();
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    // Anonymously: the snapshot hashes to content_hash, and no contact person is in sight.
    let version = app.get(&format!("/api/v1/agreements/{id}/versions/1")).await.assert_status(200).json();
    let canonical = serde_json_canonicalizer::to_string(&version["snapshot"]).unwrap();
    let hash: String =
        <sha2::Sha256 as sha2::Digest>::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(version["content_hash"], hash);
    assert!(!version.to_string().contains("contact_ids"), "{version}");

    // The seal verifies with the published key and names what was signed.
    let seal = version["seal"].as_str().expect("a version in force is sealed");
    let parts: Vec<&str> = seal.split('.').collect();
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let jwks = app.get("/.well-known/jwks.json").await.json();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("kid in the JWKS");
    let key: [u8; 32] = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap().try_into().unwrap();
    let signature: [u8; 64] = URL_SAFE_NO_PAD.decode(parts[2]).unwrap().try_into().unwrap();
    ed25519_dalek::VerifyingKey::from_bytes(&key)
        .unwrap()
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature))
        .expect("the seal verifies");
    assert_eq!((header["alg"].as_str(), header["typ"].as_str()), (Some("EdDSA"), Some("agreement-seal+jwt")));
    assert_eq!(payload["agreement_id"], id.as_str());
    assert_eq!((payload["code"].as_str(), payload["version"].as_i64()), (Some("KS-2026-014"), Some(1)));
    assert_eq!(payload["content_hash"], version["content_hash"]);
    assert_eq!(payload["signatures"].as_array().unwrap().len(), 5);

    // Party members see the contact persons beside the signed content.
    let token = demo_token(&app, "jasen@jyvaskyla.example").await;
    let inside = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/agreements/{id}/versions/1"))
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await
        .json();
    assert_eq!(inside["content_hash"], version["content_hash"]);
    assert!(
        inside["party_contacts"].as_array().unwrap().iter().any(|p| !p["contact_ids"].as_array().unwrap().is_empty())
    );
}

/// An access token of a demo user, through the password grant.
async fn demo_token(app: &TestApp, email: &str) -> String {
    let form = [("grant_type", "password"), ("username", email), ("password", yhdyspinta::demo::DEMO_PASSWORD)];
    let res = crate::support::token_request(app, &form).await;
    res.assert_status(200).json()["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn every_get_answers_head() {
    let app = TestApp::spawn().await;
    for uri in ["/api/v1/organizations", "/api/v1/venues", "/openapi.json", "/docs/", "/healthz"] {
        let res = app.call(TestRequest::default().method(actix_web::http::Method::HEAD).uri(uri)).await;
        res.assert_status(200);
    }
    let res = app.call(TestRequest::default().method(actix_web::http::Method::HEAD).uri("/api/v1/nothing-here")).await;
    res.assert_problem(404);
}

#[actix_web::test]
async fn anonymous_reads_are_publicly_cacheable_and_a_callers_reads_are_private() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let cache_control = |res: &crate::support::TestResponse| res.header("cache-control").map(str::to_owned);
    // Anonymous: a shared cache may keep it a minute (an export five), keyed by Authorization.
    let list = app.get("/api/v1/organizations").await;
    list.assert_status(200);
    assert_eq!(cache_control(&list).as_deref(), Some("public, max-age=60"));
    assert!(list.headers.get_all("vary").any(|v| v.to_str().unwrap().contains("Authorization")));
    let one = app.get(&format!("/api/v1/organizations/{}", p.org)).await;
    assert_eq!(cache_control(&one).as_deref(), Some("public, max-age=60"));
    let etag = one.header("etag").unwrap().to_owned();
    let revalidated = app
        .call(
            TestRequest::get().uri(&format!("/api/v1/organizations/{}", p.org)).insert_header(("if-none-match", etag)),
        )
        .await;
    revalidated.assert_status(304);
    assert_eq!(cache_control(&revalidated).as_deref(), Some("public, max-age=60"));
    let calendar = app.get("/api/v1/directory/calendar.ics").await;
    calendar.assert_status(200);
    assert_eq!(cache_control(&calendar).as_deref(), Some("public, max-age=300"));
    // The feed too: a cached page delays the changes after it, never loses one.
    assert_eq!(cache_control(&app.get("/api/v1/directory/changes").await).as_deref(), Some("public, max-age=60"));

    // Whoever signs in gets an answer for them alone, revalidated each time.
    let mine = app.call(p.request(As::Member, TestRequest::get().uri("/api/v1/organizations"))).await;
    mine.assert_status(200);
    assert_eq!(cache_control(&mine).as_deref(), Some("private, no-cache"));
    let me = app.call(p.request(As::Member, TestRequest::get().uri("/api/v1/me"))).await;
    assert_eq!(cache_control(&me).as_deref(), Some("private, no-cache"));
    // Errors and writes are not stored.
    assert_eq!(cache_control(&app.get("/api/v1/organizations/nope").await).as_deref(), Some("no-store"));
    assert_eq!(cache_control(&app.get("/api/v1/me").await).as_deref(), Some("no-store"));
    let created = app
        .call(p.request(
            As::Coordinator,
            crate::support::json(
                TestRequest::post().uri("/api/v1/venues"),
                crate::resources::venues::venue_body(&p, "Olotila", "179", 25.7, 62.2),
            ),
        ))
        .await;
    created.assert_status(201);
    assert_eq!(cache_control(&created).as_deref(), Some("no-store"));
}
