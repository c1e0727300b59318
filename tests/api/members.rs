use actix_web::test::TestRequest;
use yhdyspinta::domain::access::Scope;

use crate::mail_sink::SmtpSink;
use crate::support::{As, TestApp, json, token_request};

#[actix_web::test]
async fn members_of_the_organisation_read_the_member_list() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/members", p.org);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Client, 403),
            (As::ClientWithoutScope, 403),
            (As::Member, 200),
            (As::Coordinator, 200),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri(&uri),
    )
    .await;
    let body = app.call(TestRequest::get().uri(&uri).insert_header(p.bearer(As::Member))).await.json();
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    let one = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::Coordinator));
    let res = app.call(TestRequest::get().uri(&one).insert_header(p.bearer(As::Member))).await;
    assert_eq!(res.assert_status(200).json()["role"], "coordinator");
    // An organisation that does not exist is 404 for everyone.
    let missing = format!("/api/v1/organizations/{}/members", uuid::Uuid::now_v7());
    app.call(TestRequest::get().uri(&missing).insert_header(p.bearer(As::PlatformAdmin))).await.assert_problem(404);
}

#[actix_web::test]
async fn org_admins_invite_by_mail_and_the_address_owner_redeems() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/members", p.org);
    let invite = |email: &'static str| {
        let uri = uri.clone();
        move || json(TestRequest::post().uri(&uri), serde_json::json!({"email": email, "role": "member"}))
    };
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::Client, 403),
            (As::OrgAdmin, 202),
            (As::PlatformAdmin, 202),
        ],
        invite("kutsuttu@example.fi"),
    )
    .await;

    // A new address gets an invitation by mail, never in the answer.
    let res = app
        .call(json(
            TestRequest::post().uri(&uri).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"email": "Uusi@Example.fi", "role": "coordinator", "display_name": "Uusi Henkilö"}),
        ))
        .await;
    let invitation = res.assert_status(202).json();
    assert_eq!(invitation["status"], "invited");
    assert_eq!(invitation["email"], "uusi@example.fi", "stored normalised");
    assert!(invitation.get("invitation_token").is_none(), "{invitation}");
    assert!(app.deliver_mail(&sink).await >= 1);
    let token = sink.invitation_token("uusi@example.fi");
    let message = sink.messages().into_iter().rev().find(|m| m.recipients == ["uusi@example.fi"]).unwrap();
    assert!(message.text.contains("Uusi Henkilö"), "{}", message.text);
    assert!(message.subject.starts_with("Kutsu: "), "{}", message.subject);
    assert_eq!(app.deliver_mail(&sink).await, 0, "delivered mail leaves the outbox");

    let accept = |password: &str| {
        json(
            TestRequest::post().uri(&format!("/api/v1/invitations/{token}/accept")),
            serde_json::json!({"password": password}),
        )
    };
    app.call(accept("lyhyt")).await.assert_problem(422);
    let created = app.call(accept("pitkä ja hyvä salasana")).await;
    assert_eq!(created.assert_status(201).json()["email"], "uusi@example.fi");
    // Single use.
    app.call(accept("pitkä ja hyvä salasana")).await.assert_problem(404);
    app.call(json(
        TestRequest::post().uri("/api/v1/invitations/not-a-token/accept"),
        serde_json::json!({"password": "pitkä ja hyvä salasana"}),
    ))
    .await
    .assert_problem(404);

    let tokens = token_request(
        &app,
        &[("grant_type", "password"), ("username", "UUSI@example.fi"), ("password", "pitkä ja hyvä salasana")],
    )
    .await
    .assert_status(200)
    .json();
    let me = app
        .call(
            TestRequest::get()
                .uri("/api/v1/me")
                .insert_header(("authorization", format!("Bearer {}", tokens["access_token"].as_str().unwrap()))),
        )
        .await
        .json();
    assert_eq!(me["memberships"][0]["organization_id"], p.org.to_string());
    assert_eq!(me["memberships"][0]["role"], "coordinator");
}

#[actix_web::test]
async fn the_last_org_admin_stays() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let admin_uri = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::OrgAdmin));
    let demote = json(
        TestRequest::patch().uri(&admin_uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::OrgAdmin)),
        serde_json::json!({"role": "member"}),
    );
    app.call(demote).await.assert_problem(409);
    app.call(
        TestRequest::delete()
            .uri(&admin_uri)
            .insert_header(("if-match", "*"))
            .insert_header(p.bearer(As::PlatformAdmin)),
    )
    .await
    .assert_problem(409);

    // With a second admin, the first may go.
    let coordinator_uri = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::Coordinator));
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&coordinator_uri)
                .insert_header(("if-match", "*"))
                .insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"role": "org_admin"}),
        ))
        .await;
    assert_eq!(res.assert_status(200).json()["role"], "org_admin");
    app.call(
        TestRequest::delete().uri(&admin_uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::Coordinator)),
    )
    .await
    .assert_status(204);
    // Members cannot manage members.
    let member_uri = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::Member));
    app.call(
        TestRequest::delete().uri(&member_uri).insert_header(("if-match", "*")).insert_header(p.bearer(As::Member)),
    )
    .await
    .assert_problem(403);
}

#[actix_web::test]
async fn access_to_one_membership() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/members/{}", p.org, p.user(As::Member));
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Client, 403),
            (As::Member, 200),
            (As::Coordinator, 200),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri(&uri),
    )
    .await;
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Client, 403),
            (As::ClientWithoutScope, 403),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || {
            json(
                TestRequest::patch().uri(&uri).insert_header(("if-match", "*")),
                serde_json::json!({"role": "coordinator"}),
            )
        },
    )
    .await;
    // If-Match is honoured when sent.
    let res = app
        .call(json(
            TestRequest::patch()
                .uri(&uri)
                .insert_header(("if-match", "*"))
                .insert_header(p.bearer(As::OrgAdmin))
                .insert_header(("if-match", "\"1\"")),
            serde_json::json!({"role": "member"}),
        ))
        .await;
    res.assert_problem(412);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Client, 403),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::OrgAdmin, 204),
            (As::PlatformAdmin, 404),
        ],
        || TestRequest::delete().uri(&uri).insert_header(("if-match", "*")),
    )
    .await;
}

#[actix_web::test]
async fn me_is_for_people() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Client, 200),
            (As::ClientWithoutScope, 200),
            (As::Outsider, 200),
            (As::Member, 200),
            (As::Coordinator, 200),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri("/api/v1/me"),
    )
    .await;
}

#[actix_web::test]
async fn an_invitation_without_a_name_greets_the_address() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}/members", p.org);
    let res = app
        .call(json(
            TestRequest::post().uri(&uri).insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"email": "nimeton.tyontekija@example.fi", "role": "member"}),
        ))
        .await;
    res.assert_status(202);
    let mut conn = app.conn().await;
    let name: String = diesel_async::RunQueryDsl::get_result(
        diesel::QueryDsl::select(
            yhdyspinta::repo::schema::invitations::table,
            yhdyspinta::repo::schema::invitations::display_name,
        ),
        &mut *conn,
    )
    .await
    .unwrap();
    assert_eq!(name, "nimeton.tyontekija");
}

#[actix_web::test]
async fn org_admins_see_and_revoke_pending_invitations() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let list_uri = format!("/api/v1/organizations/{}/invitations", p.org);
    for email in ["yksi@example.fi", "kaksi@example.fi"] {
        app.call(json(
            TestRequest::post()
                .uri(&format!("/api/v1/organizations/{}/members", p.org))
                .insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"email": email, "role": "member"}),
        ))
        .await
        .assert_status(202);
    }
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::Client, 403),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 200),
        ],
        || TestRequest::get().uri(&list_uri),
    )
    .await;
    let pending = app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::OrgAdmin))).await.json();
    let items = pending["data"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{pending}");
    assert!(items.iter().all(|i| i.get("invitation_token").is_none()));
    let first =
        items.iter().find(|i| i["email"] == "yksi@example.fi").unwrap()["invitation_id"].as_str().unwrap().to_owned();

    let revoke = |who: As, org: uuid::Uuid| {
        p.request(who, TestRequest::delete().uri(&format!("/api/v1/organizations/{org}/invitations/{first}")))
    };
    app.call(revoke(As::Coordinator, p.org)).await.assert_problem(403);
    app.call(revoke(As::Outsider, p.other_org)).await.assert_problem(404);
    // Invitations never change: If-Match is honoured against their one version.
    let stale = app.call(revoke(As::OrgAdmin, p.org).insert_header(("if-match", "\"2\""))).await.assert_problem(412);
    assert_eq!(stale["current"]["invitation_id"], first.as_str());
    assert_eq!(stale["current_etag"], "\"1\"");
    app.call(revoke(As::OrgAdmin, p.org).insert_header(("if-match", "\"1\""))).await.assert_status(204);
    app.call(revoke(As::OrgAdmin, p.org)).await.assert_problem(404);
    let pending = app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::OrgAdmin))).await.json();
    assert_eq!(pending["data"].as_array().unwrap().len(), 1);

    // The revoked invitation's token no longer works; the other one does.
    app.deliver_mail(&sink).await;
    let accept = |address: &str| {
        json(
            TestRequest::post().uri(&format!("/api/v1/invitations/{}/accept", sink.invitation_token(address))),
            serde_json::json!({"password": "pitkä ja hyvä salasana"}),
        )
    };
    app.call(accept("yksi@example.fi")).await.assert_problem(404);
    app.call(accept("kaksi@example.fi")).await.assert_status(201);
    let pending = app.call(TestRequest::get().uri(&list_uri).insert_header(p.bearer(As::OrgAdmin))).await.json();
    assert!(pending["data"].as_array().unwrap().is_empty(), "accepted invitations are no longer pending");
}

#[actix_web::test]
async fn spent_invitations_and_their_addresses_are_not_kept_past_a_month() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let invite = |email: &str| {
        json(
            TestRequest::post()
                .uri(&format!("/api/v1/organizations/{}/members", p.org))
                .insert_header(p.bearer(As::OrgAdmin)),
            serde_json::json!({"email": email, "role": "member"}),
        )
    };
    app.call(invite("vanha@example.fi")).await.assert_status(202);
    let mut conn = app.conn().await;
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut *conn,
        "UPDATE invitations SET expires_at = now() - interval '31 days' WHERE email = 'vanha@example.fi'",
    )
    .await
    .unwrap();
    app.call(invite("uusi.kutsu@example.fi")).await.assert_status(202);
    let left: Vec<String> = diesel_async::RunQueryDsl::load(
        diesel::QueryDsl::select(
            yhdyspinta::repo::schema::invitations::table,
            yhdyspinta::repo::schema::invitations::email,
        ),
        &mut *conn,
    )
    .await
    .unwrap();
    assert_eq!(left, vec!["uusi.kutsu@example.fi".to_owned()]);
}
