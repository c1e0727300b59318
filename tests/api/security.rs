//! Attacks on consent, invitations, sign-in and personal data, each performed as an org
//! admin, a coordinator or an anonymous caller would, and shown to fail.

use std::time::Duration;

use actix_web::test::TestRequest;
use diesel_async::RunQueryDsl;
use yhdyspinta::domain::access::Scope;
use yhdyspinta::domain::identity::rate_limit::{Limits, RateLimiter};

use crate::mail_sink::SmtpSink;
use crate::resources::agreements::{activate, amend, body, create, sign, transition, version_hash};
use crate::support::{As, Personas, TestApp, captured_logs, json, token_request, user_with_password};

const PASSWORD: &str = "oikein pitkä salasana";

async fn read(app: &TestApp, p: &Personas, who: As, uri: &str) -> crate::support::TestResponse {
    app.call(p.request(who, TestRequest::get().uri(uri))).await
}

async fn patch(
    app: &TestApp,
    p: &Personas,
    who: As,
    uri: &str,
    body: serde_json::Value,
) -> crate::support::TestResponse {
    app.call(json(p.request(who, TestRequest::patch().uri(uri)).insert_header(("if-match", "*")), body)).await
}

async fn members_only_contact(app: &TestApp, p: &Personas, who: As, org: uuid::Uuid, name: &str) -> String {
    // With an Idempotency-Key, so the answer is also kept for retries: one more copy.
    let res = app
        .call(json(
            p.request(who, TestRequest::post().uri(&format!("/api/v1/organizations/{org}/contacts")))
                .insert_header(("idempotency-key", format!("contact-{}", uuid::Uuid::now_v7()))),
            serde_json::json!({"name": name, "title": "Yhdyshenkilö", "visibility": "members",
                               "email": "yhdyshenkilo@example.fi"}),
        ))
        .await;
    res.assert_status(201).json()["id"].as_str().unwrap().to_owned()
}

// 1. Naming is not consent.
#[actix_web::test]
async fn naming_an_organisation_in_a_draft_opens_none_of_its_contacts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let theirs = members_only_contact(&app, &p, As::Outsider, p.other_org, "Salainen Yhdyshenkilö").await;
    let uri = format!("/api/v1/organizations/{}/contacts/{theirs}", p.other_org);
    // A coordinator names the other organisation in a draft, then in an agreement awaiting
    // signatures: nothing opens.
    let a = create(&app, &p, As::Coordinator, body("NIMI-1", &[p.org, p.other_org])).await;
    let id = a["id"].as_str().unwrap().to_owned();
    read(&app, &p, As::Member, &uri).await.assert_problem(404);
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let hash = version_hash(&app, &p, &id, 1).await;
    sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await.assert_status(201);
    read(&app, &p, As::Member, &uri).await.assert_problem(404);
    let list = read(&app, &p, As::Member, &format!("/api/v1/organizations/{}/contacts", p.other_org)).await.json();
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    // The other organisation's own signature puts it in force: now they collaborate.
    sign(&app, &p, As::Outsider, &id, 1, &hash).await.assert_status(201);
    read(&app, &p, As::Member, &uri).await.assert_status(200);
}

// 2. No unilateral amendment.
#[actix_web::test]
async fn one_party_cannot_amend_away_another_partys_signature_or_shift_its_costs() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "MUUTOS-1").await;
    let uri = format!("/api/v1/agreements/{id}");
    amend(&app, &p, As::Coordinator, &id, "Kustannusjaon muutos").await.assert_status(200);
    // The other party carries half the rent: it cannot be made a non-signer.
    let party = |org: uuid::Uuid, must_sign: bool| serde_json::json!({"organization_id": org, "roles": ["partner"], "must_sign": must_sign});
    let res = patch(
        &app,
        &p,
        As::Coordinator,
        &uri,
        serde_json::json!({"parties": [party(p.org, true), party(p.other_org, false)]}),
    )
    .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "parties[1].must_sign");
    // Move the whole rent to the other party and stop asking its signature: the content is
    // valid only with its signature required...
    let shift = serde_json::json!({
        "parties": [party(p.org, true), party(p.other_org, false)],
        "cost_sharing": [{"category": "rent", "basis": "percentage", "amount": "4800", "amount_period": "annual",
                          "shares": [{"organization_id": p.org, "percent": "100"}]}]});
    patch(&app, &p, As::Coordinator, &uri, shift).await.assert_status(200);
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let v2 = read(&app, &p, As::Member, &format!("{uri}/versions/2")).await.json();
    let required: Vec<&str> = v2["required_signers"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(required.contains(&p.other_org.to_string().as_str()), "{v2}");
    // ...so one party's org admin alone does not put it in force.
    let hash = v2["content_hash"].as_str().unwrap().to_owned();
    sign(&app, &p, As::OrgAdmin, &id, 2, &hash).await.assert_status(201);
    let now = read(&app, &p, As::Member, &uri).await.json();
    assert_eq!(now["current_version"], 1, "{now}");
    sign(&app, &p, As::Outsider, &id, 2, &hash).await.assert_status(201);
    assert_eq!(read(&app, &p, As::Member, &uri).await.json()["current_version"], 2);
}

// 3. Removing and terminating.
#[actix_web::test]
async fn only_the_party_itself_removes_it_and_only_a_signing_org_admin_terminates() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let single = |org: uuid::Uuid| {
        serde_json::json!({"parties": [{"organization_id": org, "roles": ["partner"], "must_sign": true}],
                           "tasks": [], "cost_sharing": []})
    };
    // The creating organisation may drop a party it named, before anyone signed.
    let a = create(&app, &p, As::Coordinator, body("POISTO-1", &[p.org, p.other_org])).await;
    let uri = format!("/api/v1/agreements/{}", a["id"].as_str().unwrap());
    patch(&app, &p, As::Coordinator, &uri, single(p.org)).await.assert_status(200);

    // Created by the other organisation and signed by it: our coordinator cannot remove it.
    let b = create(&app, &p, As::PlatformAdmin, body("POISTO-2", &[p.org, p.other_org])).await;
    let id = b["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/agreements/{id}");
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let hash = version_hash(&app, &p, &id, 1).await;
    sign(&app, &p, As::Outsider, &id, 1, &hash).await.assert_status(201);
    transition(&app, &p, As::Coordinator, &id, "negotiation").await.assert_status(200);
    patch(&app, &p, As::Coordinator, &uri, single(p.org)).await.assert_problem(403);
    patch(&app, &p, As::PlatformAdmin, &uri, single(p.org)).await.assert_problem(403);
    read(&app, &p, As::Outsider, &uri).await.assert_status(200);
    // The other organisation removes itself.
    patch(&app, &p, As::Outsider, &uri, single(p.org)).await.assert_status(200);

    // An agreement in force: a coordinator cannot terminate it; a signing org admin can.
    let id = activate(&app, &p, "POISTO-3").await;
    let terminate = |who: As| {
        let id = id.clone();
        let app = &app;
        let p = &p;
        async move {
            app.call(json(
                p.request(who, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/transitions"))),
                serde_json::json!({"to": "terminated", "comment": "Toiminta päättyi"}),
            ))
            .await
        }
    };
    terminate(As::Coordinator).await.assert_problem(403);
    terminate(As::PlatformAdmin).await.assert_problem(403);
    assert_eq!(terminate(As::OrgAdmin).await.assert_status(200).json()["status"], "terminated");
}

/// What a version's content binds `org` to, as the service compares it.
fn obligations(snapshot: &serde_json::Value, org: &str) -> Option<serde_json::Value> {
    let party = snapshot["parties"].as_array()?.iter().find(|p| p["organization_id"] == org)?;
    let mut roles: Vec<String> = party["roles"].as_array()?.iter().map(|r| r.as_str().unwrap().to_owned()).collect();
    roles.sort();
    let tasks: Vec<&serde_json::Value> = snapshot["tasks"]
        .as_array()?
        .iter()
        .filter(|t| t["responsible_party_ids"].as_array().is_some_and(|r| r.iter().any(|x| x == org)))
        .collect();
    let shares: Vec<serde_json::Value> = snapshot["cost_sharing"]
        .as_array()?
        .iter()
        .flat_map(|c| {
            c["shares"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["organization_id"] == org)
                .map(move |s| serde_json::json!([c["category"], c["basis"], c["amount"], c["amount_period"], s]))
        })
        .collect();
    Some(serde_json::json!([party["must_sign"], roles, tasks, shares]))
}

// 4. Randomised lifecycle with the moves of one party against another.
#[actix_web::test]
async fn random_moves_never_put_a_version_in_force_without_everyone_it_binds() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (ours, theirs) = (p.org.to_string(), p.other_org.to_string());
    let mut in_force_seen = 0;
    for seed in 1..=4u64 {
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let id = activate(&app, &p, &format!("SATUNNAINEN-{seed}")).await;
        let uri = format!("/api/v1/agreements/{id}");
        let mut log = Vec::new();
        let mut previous: Option<serde_json::Value> = None;
        for step in 0..40 {
            let who = [As::Coordinator, As::OrgAdmin, As::Outsider][next(3) as usize];
            let res = match next(8) {
                0 => {
                    log.push(format!("{step}: {who:?} amends"));
                    amend(&app, &p, who, &id, "muutos").await
                }
                1 => {
                    let flip = next(2) == 0;
                    log.push(format!("{step}: {who:?} sets the other party's must_sign {flip}"));
                    let parties = serde_json::json!([{"organization_id": ours, "roles": ["partner"], "must_sign": true},
                                                     {"organization_id": theirs, "roles": ["partner"], "must_sign": flip}]);
                    patch(&app, &p, who, &uri, serde_json::json!({"parties": parties, "cost_sharing": [], "tasks": []}))
                        .await
                }
                2 => {
                    log.push(format!("{step}: {who:?} removes the other party"));
                    let parties =
                        serde_json::json!([{"organization_id": ours, "roles": ["backbone"], "must_sign": true}]);
                    patch(&app, &p, who, &uri, serde_json::json!({"parties": parties, "cost_sharing": [], "tasks": []}))
                        .await
                }
                3 => {
                    let to_them = next(2) == 0;
                    log.push(format!("{step}: {who:?} shifts the rent (to them: {to_them})"));
                    let (a, b) = if to_them { ("10", "90") } else { ("90", "10") };
                    let shares = serde_json::json!([{"organization_id": ours, "percent": a}, {"organization_id": theirs, "percent": b}]);
                    let item = serde_json::json!([{"category": "rent", "basis": "percentage", "amount": "4800",
                                                   "amount_period": "annual", "shares": shares}]);
                    patch(&app, &p, who, &uri, serde_json::json!({"cost_sharing": item})).await
                }
                4 => {
                    log.push(format!("{step}: {who:?} terminates"));
                    app.call(json(
                        p.request(who, TestRequest::post().uri(&format!("{uri}/transitions"))),
                        serde_json::json!({"to": "terminated", "comment": "syy"}),
                    ))
                    .await
                }
                5 => {
                    log.push(format!("{step}: {who:?} freezes"));
                    transition(&app, &p, who, &id, "awaiting_signatures").await
                }
                _ => {
                    let versions = read(&app, &p, As::PlatformAdmin, &format!("{uri}/versions")).await.json();
                    let Some(latest) = versions["data"].as_array().and_then(|v| v.last()).cloned() else { continue };
                    let n = latest["version"].as_i64().unwrap();
                    let signer = if next(2) == 0 { As::OrgAdmin } else { As::Outsider };
                    log.push(format!("{step}: {signer:?} signs v{n}"));
                    sign(&app, &p, signer, &id, n, latest["content_hash"].as_str().unwrap()).await
                }
            };
            assert!(res.status.as_u16() < 500, "seed {seed}: {log:?}: {}", String::from_utf8_lossy(&res.body));
            let now = read(&app, &p, As::PlatformAdmin, &uri).await.json();
            let Some(n) = now["current_version"].as_i64() else { continue };
            let v = read(&app, &p, As::PlatformAdmin, &format!("{uri}/versions/{n}")).await.json();
            if previous.as_ref().is_some_and(|prev| prev["version"] == v["version"]) {
                continue;
            }
            in_force_seen += 1;
            // Invariant: the version in force carries, on its own hash, the signature of every
            // party whose obligations it sets, changes or removes.
            let signed: Vec<&str> = v["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["content_hash"] == v["content_hash"])
                .map(|s| s["organization_id"].as_str().unwrap())
                .collect();
            for org in [ours.as_str(), theirs.as_str()] {
                let before = previous.as_ref().and_then(|prev| obligations(&prev["snapshot"], org));
                let after = obligations(&v["snapshot"], org);
                let binds = after.as_ref().is_some_and(|o| o[0] == true) || (previous.is_some() && before != after);
                assert!(!binds || signed.contains(&org), "seed {seed}: v{n} binds {org} unsigned: {log:?}");
            }
            previous = Some(v);
        }
    }
    assert!(in_force_seen > 3, "the walks put too few versions in force to prove anything");
}

// 5. Account takeover through an invitation.
#[actix_web::test]
async fn an_invitation_token_reaches_only_the_invited_address() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let res = app
        .call(json(
            p.request(As::OrgAdmin, TestRequest::post().uri(&format!("/api/v1/organizations/{}/members", p.org))),
            serde_json::json!({"email": "someone@other-org.example", "role": "org_admin"}),
        ))
        .await;
    let answer = res.assert_status(202).json();
    let text = answer.to_string();
    app.deliver_mail(&sink).await;
    let token = sink.invitation_token("someone@other-org.example");
    assert!(!text.contains(&token), "the inviter's answer carries the token: {text}");
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(sink.messages()[0].recipients, ["someone@other-org.example"]);
    // Once delivered, the token is nowhere in the database: invitations keep only its hash.
    assert_eq!(copies_of(&app, &token).await, Vec::<String>::new());
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

// 6. Adding an existing account is an invitation its owner accepts signed in.
#[actix_web::test]
async fn adding_an_existing_account_looks_like_any_invitation_and_needs_its_owner() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start().await;
    let p = app.personas(Scope::DirectoryRead).await;
    user_with_password(&app, "olemassa@example.fi", PASSWORD, Some((p.other_org, "member"))).await;
    let invite = |email: &str| {
        json(
            p.request(As::OrgAdmin, TestRequest::post().uri(&format!("/api/v1/organizations/{}/members", p.org))),
            serde_json::json!({"email": email, "role": "coordinator"}),
        )
    };
    let existing = app.call(invite("olemassa@example.fi")).await;
    let new = app.call(invite("uusi.osoite@example.fi")).await;
    assert_eq!(existing.status, new.status);
    let keys = |v: serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(existing.json()), keys(new.json()));
    assert!(!existing.json().to_string().contains("Testi Henkilö"), "no name of the existing person");
    // Nothing is granted before the owner acts.
    let members = read(&app, &p, As::OrgAdmin, &format!("/api/v1/organizations/{}/members", p.org)).await.json();
    assert!(!members.to_string().contains("olemassa@example.fi"));

    app.deliver_mail(&sink).await;
    let token = sink.invitation_token("olemassa@example.fi");
    let accept = format!("/api/v1/invitations/{token}/accept");
    // Anonymously, with a password of the attacker's choice: the address has an account.
    app.call(json(TestRequest::post().uri(&accept), serde_json::json!({"password": "hyökkääjän salasana"})))
        .await
        .assert_problem(409);
    // Signed in as someone else: no.
    app.call(json(p.request(As::Member, TestRequest::post().uri(&accept)), serde_json::json!({})))
        .await
        .assert_problem(403);
    // The owner, signed in.
    let tokens =
        token_request(&app, &[("grant_type", "password"), ("username", "olemassa@example.fi"), ("password", PASSWORD)])
            .await
            .json();
    let owner = ("authorization", format!("Bearer {}", tokens["access_token"].as_str().unwrap()));
    let joined = app.call(json(TestRequest::post().uri(&accept).insert_header(owner), serde_json::json!({}))).await;
    assert_eq!(joined.assert_status(200).json()["email"], "olemassa@example.fi");
    let members = read(&app, &p, As::OrgAdmin, &format!("/api/v1/organizations/{}/members", p.org)).await.json();
    assert!(members.to_string().contains("olemassa@example.fi"));
}

// 7. Cheap rejection first.
#[actix_web::test]
async fn a_bogus_invitation_token_is_refused_before_the_password_is_judged_and_accepts_are_limited() {
    let mut app = TestApp::spawn().await;
    let bogus = |password: &str, ip: &str| {
        json(
            TestRequest::post()
                .uri("/api/v1/invitations/not-a-real-token-at-all/accept")
                .peer_addr(format!("{ip}:4000").parse().unwrap()),
            serde_json::json!({"password": password}),
        )
    };
    // A short password would be 422; an unknown token is 404 before the password matters.
    app.call(bogus("lyhyt", "198.51.100.1")).await.assert_problem(404);
    app.call(bogus(&"x".repeat(1024), "198.51.100.1")).await.assert_problem(404);
    app.use_limiter(RateLimiter::new(Limits { ip_requests: 3, ..Limits::default() })).await;
    for _ in 0..3 {
        app.call(bogus("a long enough password", "198.51.100.2")).await.assert_problem(404);
    }
    app.call(bogus("a long enough password", "198.51.100.2")).await.assert_problem(429);
}

// 8. Oversized usernames.
#[actix_web::test]
async fn usernames_over_254_bytes_are_refused_before_anything_else() {
    let app = TestApp::spawn().await;
    let app = &app;
    let just = format!("{}@x.fi", "ä".repeat(123));
    let over = format!("{}@x.fi", "ä".repeat(125));
    assert!(just.len() <= 254 && over.len() > 254 && over.chars().count() < 254);
    let grant = |u: String| async move {
        token_request(app, &[("grant_type", "password"), ("username", &u), ("password", "väärä salasana")]).await
    };
    assert_eq!(grant(just).await.assert_status(400).json()["error"], "invalid_grant");
    assert_eq!(grant(over).await.assert_status(400).json()["error"], "invalid_request");
}

// 9. One normalisation of addresses.
#[actix_web::test]
async fn a_look_alike_address_does_not_reach_a_locked_account() {
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits { ip_requests: 100, client_failures: 3, ..Limits::default() })).await;
    user_with_password(&app, "koordinaattori@example.fi", PASSWORD, None).await;
    let app = &app;
    let grant = |username: &'static str, password: &'static str| async move {
        token_request(app, &[("grant_type", "password"), ("username", username), ("password", password)]).await
    };
    for _ in 0..3 {
        grant("koordinaattori@example.fi", "väärä salasana").await.assert_status(400);
    }
    grant("KOORDINAATTORI@example.fi", PASSWORD).await.assert_problem(429);
    let look_alike = grant("koordİnaattori@example.fi", PASSWORD).await;
    assert_ne!(look_alike.status.as_u16(), 200, "a different address is a different (unknown) account");
}

// 10. Checking and counting are one step.
#[actix_web::test]
async fn concurrent_wrong_passwords_are_evaluated_at_most_the_limit() {
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits { ip_requests: 1000, client_failures: 5, ..Limits::default() })).await;
    user_with_password(&app, "rinnakkain@example.fi", PASSWORD, None).await;
    let attempts = (0..29).map(|_| {
        token_request(
            &app,
            &[("grant_type", "password"), ("username", "rinnakkain@example.fi"), ("password", "väärä salasana")],
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let evaluated = results.iter().filter(|r| r.status == 400).count();
    let refused = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(evaluated + refused, 29);
    assert!(evaluated <= 5, "{evaluated} wrong passwords were evaluated");
}

// 11. No lock-out from elsewhere; the client address behind a trusted proxy.
#[actix_web::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits {
        ip_requests: 100,
        client_failures: 3,
        account_failures: 20,
        failure_period: Duration::from_secs(600),
        ..Limits::default()
    }))
    .await;
    user_with_password(&app, "omistaja@example.fi", PASSWORD, None).await;
    let from = |peer: &str, forwarded: Option<&str>, password: &str| {
        let req = sign_in_from(peer, "omistaja@example.fi", password);
        match forwarded {
            Some(f) => req.insert_header(("x-forwarded-for", f.to_owned())),
            None => req,
        }
    };
    for _ in 0..3 {
        app.call(from("198.51.100.66", None, "väärä")).await.assert_status(400);
    }
    app.call(from("198.51.100.66", None, PASSWORD)).await.assert_problem(429);
    // The owner, elsewhere, signs in.
    app.call(from("192.0.2.10", None, PASSWORD)).await.assert_status(200);
    // Behind the trusted proxy (10.0.0.0/8 in tests) the forwarded client is what counts...
    for _ in 0..3 {
        app.call(from("10.0.0.1", Some("203.0.113.50"), "väärä")).await.assert_status(400);
    }
    app.call(from("10.0.0.1", Some("203.0.113.50"), PASSWORD)).await.assert_problem(429);
    app.call(from("10.0.0.1", Some("203.0.113.51"), PASSWORD)).await.assert_status(200);
    // ...and from an untrusted peer the header is ignored: spoofing it changes nothing.
    app.call(from("198.51.100.66", Some("203.0.113.99"), PASSWORD)).await.assert_problem(429);
}

// 12. The account's ceiling holds across addresses, and an IPv6 client is one client per /64.
#[actix_web::test]
async fn guesses_spread_over_addresses_meet_the_accounts_ceiling_and_a_64_is_one_client() {
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits {
        ip_requests: 100,
        client_failures: 2,
        account_failures: 4,
        failure_period: Duration::from_secs(600),
        ..Limits::default()
    }))
    .await;
    user_with_password(&app, "katto@example.fi", PASSWORD, None).await;
    let from = |peer: &str, password: &str| sign_in_from(peer, "katto@example.fi", password);
    // Two addresses in one /64 are one client: its lock holds for both.
    app.call(from("[2001:db8:7:7::1]", "wrong")).await.assert_status(400);
    app.call(from("[2001:db8:7:7::2]", "wrong")).await.assert_status(400);
    app.call(from("[2001:db8:7:7::3]", PASSWORD)).await.assert_problem(429);
    // Two more guesses from elsewhere reach the account's ceiling of four.
    app.call(from("198.51.100.1", "wrong")).await.assert_status(400);
    app.call(from("198.51.100.2", "wrong")).await.assert_status(400);
    let locked = app.call(from("192.0.2.10", PASSWORD)).await;
    locked.assert_problem(429);
    assert!(locked.header("retry-after").is_some());
}

/// A password sign-in as `username` from the client address `peer`.
fn sign_in_from(peer: &str, username: &str, password: &str) -> TestRequest {
    let form = [("grant_type", "password"), ("username", username), ("password", password)];
    TestRequest::post()
        .uri("/api/v1/auth/token")
        .peer_addr(format!("{peer}:40000").parse().unwrap())
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(serde_urlencoded::to_string(form).unwrap())
}

/// Rows anywhere in the database whose text contains `needle`, by table and column.
async fn copies_of(app: &TestApp, needle: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        data_type: String,
    }
    let mut conn = app.conn().await;
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'ARRAY', 'character varying', 'bytea')",
    )
    .load(&mut *conn)
    .await
    .unwrap();
    let mut found = Vec::new();
    for c in columns {
        let (table, column) = (&c.table_name, &c.column_name);
        let sql = if c.data_type == "bytea" {
            format!("SELECT count(*) AS n FROM \"{table}\" WHERE position(convert_to($1, 'UTF8') IN \"{column}\") > 0")
        } else {
            format!("SELECT count(*) AS n FROM \"{table}\" WHERE \"{column}\"::text LIKE '%' || $1 || '%'")
        };
        let n = diesel::sql_query(sql)
            .bind::<diesel::sql_types::Text, _>(needle)
            .get_result::<Count>(&mut *conn)
            .await
            .unwrap()
            .n;
        if n > 0 {
            found.push(format!("{}.{}", c.table_name, c.column_name));
        }
    }
    found
}

// 12. Erasure is complete.
#[actix_web::test]
async fn an_erased_contact_and_a_deleted_volunteer_are_gone_from_every_copy() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "POISTETTAVA-1").await;
    let contact = members_only_contact(&app, &p, As::Coordinator, p.org, "Erkki Erasmus").await;
    let review = serde_json::json!({"scheduled_date": "2026-11-15", "participant_organization_ids": [p.org],
                                    "participant_contact_ids": [contact], "outcome": "continue"});
    app.call(json(
        p.request(As::Coordinator, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/reviews"))),
        review,
    ))
    .await
    .assert_status(201);
    let ack = |body: serde_json::Value| {
        json(
            p.request(As::Coordinator, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/acknowledgements"))),
            body,
        )
    };
    app.call(ack(serde_json::json!({"contact_id": contact}))).await.assert_status(201);
    let volunteer =
        app.call(ack(serde_json::json!({"person_name": "Vilja Vapaaehtoinen", "organization_id": p.org}))).await;
    let volunteer = volunteer.assert_status(201).json()["id"].as_str().unwrap().to_owned();
    assert!(!copies_of(&app, "Erkki Erasmus").await.is_empty());

    app.call(
        p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("/api/v1/organizations/{}/contacts/{contact}", p.org)),
        )
        .insert_header(("if-match", "*")),
    )
    .await
    .assert_status(204);
    assert_eq!(copies_of(&app, "Erkki Erasmus").await, Vec::<String>::new());

    assert!(!copies_of(&app, "Vilja Vapaaehtoinen").await.is_empty());
    let uri = format!("/api/v1/agreements/{id}/acknowledgements/{volunteer}");
    app.call(p.request(As::Member, TestRequest::delete().uri(&uri))).await.assert_problem(403);
    app.call(p.request(As::Coordinator, TestRequest::delete().uri(&uri)).insert_header(("if-match", "\"7\"")))
        .await
        .assert_problem(412);
    app.call(p.request(As::Coordinator, TestRequest::delete().uri(&uri))).await.assert_status(204);
    assert_eq!(copies_of(&app, "Vilja Vapaaehtoinen").await, Vec::<String>::new());
}

// 13. Signatories are personal data.
#[actix_web::test]
async fn anonymous_readers_see_who_signed_but_not_the_signatory() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut b = body("JULKINEN-1", &[p.org, p.other_org]);
    b["visibility"] = "public".into();
    let id = create(&app, &p, As::Coordinator, b).await["id"].as_str().unwrap().to_owned();
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let hash = version_hash(&app, &p, &id, 1).await;
    sign(&app, &p, As::OrgAdmin, &id, 1, &hash).await.assert_status(201);
    let public = app.get(&format!("/api/v1/agreements/{id}/versions/1")).await.assert_status(200).json();
    let signature = &public["signatures"][0];
    assert_eq!(signature["organization_id"], p.org.to_string());
    assert!(signature["signed_at"].is_string() && signature["method"] == "board_decision");
    assert!(signature["signatory_name"].is_null() && signature["signatory_title"].is_null(), "{signature}");
    assert!(!public.to_string().contains("Aino Esimerkki"));
    let listed = app.get(&format!("/api/v1/agreements/{id}/versions")).await.json();
    assert!(!listed.to_string().contains("Aino Esimerkki"));
    let party = read(&app, &p, As::Member, &format!("/api/v1/agreements/{id}/versions/1")).await.json();
    assert_eq!(party["signatures"][0]["signatory_name"], "Aino Esimerkki");
}

// 14. No constraint names in answers.
#[actix_web::test]
async fn a_reference_to_a_missing_user_reads_in_plain_words() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "VIITE-1").await;
    let res = app
        .call(json(
            p.request(As::Coordinator, TestRequest::post().uri(&format!("/api/v1/agreements/{id}/acknowledgements"))),
            serde_json::json!({"user_id": uuid::Uuid::now_v7()}),
        ))
        .await;
    assert!(res.status.as_u16() == 409 || res.status.as_u16() == 422);
    let text = String::from_utf8_lossy(&res.body);
    for leak in ["_fkey", "_check", "_key", "constraint", "violates", "SQL"] {
        assert!(!text.contains(leak), "{text}");
    }
}

// 15. Secrets never reach the log.
#[actix_web::test]
async fn an_invitation_token_in_the_path_is_never_logged() {
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let secret = format!("salainen-kutsu-{}", uuid::Uuid::now_v7().simple());
    app.call(json(
        TestRequest::post().uri(&format!("/api/v1/invitations/{secret}/accept")),
        serde_json::json!({"password": "pitkä ja hyvä salasana"}),
    ))
    .await
    .assert_problem(404);
    let text = logs.text();
    assert!(text.contains("/api/v1/invitations/{token}/accept"), "the request is logged by its route pattern");
    assert!(!text.contains(&secret), "the token reached the log");
}

// 16. Registry facts.
#[actix_web::test]
async fn org_admins_cannot_change_what_their_organisation_is() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let uri = format!("/api/v1/organizations/{}", p.org);
    let before = app.get(&uri).await.json();
    for change in [
        serde_json::json!({"kind": "municipality"}),
        serde_json::json!({"business_id": "0201256-6"}),
        serde_json::json!({"parent_id": p.other_org}),
    ] {
        patch(&app, &p, As::OrgAdmin, &uri, change.clone()).await.assert_problem(403);
    }
    assert_eq!(app.get(&uri).await.json(), before, "nothing changed");
    patch(&app, &p, As::OrgAdmin, &uri, serde_json::json!({"website": "https://persona.example.fi"}))
        .await
        .assert_status(200);
    patch(&app, &p, As::PlatformAdmin, &uri, serde_json::json!({"kind": "parish"})).await.assert_status(200);
}

// 17. Contact accounts and metrics.
#[actix_web::test]
async fn a_contact_links_only_a_members_account_and_metrics_need_their_token() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let contacts = format!("/api/v1/organizations/{}/contacts", p.org);
    let link = |user: uuid::Uuid| {
        json(
            p.request(As::Coordinator, TestRequest::post().uri(&contacts)),
            serde_json::json!({"name": "Linkitetty", "visibility": "members", "user_id": user}),
        )
    };
    let res = app.call(link(p.user(As::Outsider))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "user_id");
    let own = app.call(link(p.user(As::Member))).await.assert_status(201).json();
    let own_uri = format!("{contacts}/{}", own["id"].as_str().unwrap());
    patch(&app, &p, As::Coordinator, &own_uri, serde_json::json!({"user_id": p.user(As::PlatformAdmin)}))
        .await
        .assert_problem(422);

    app.get("/metrics").await.assert_problem(401);
    app.call(TestRequest::get().uri("/metrics").insert_header(p.bearer(As::PlatformAdmin))).await.assert_problem(401);
}

// 2–3. Leaving by amendment is the leaving party's act, and it stays bound until it signs.
#[actix_web::test]
async fn a_party_an_amendment_removes_sees_and_signs_its_removal() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let id = activate(&app, &p, "ERO-1").await;
    let uri = format!("/api/v1/agreements/{id}");
    let alone = serde_json::json!({"parties": [{"organization_id": p.org, "roles": ["backbone"], "must_sign": true}],
                                   "tasks": [], "cost_sharing": []});
    // Our coordinator cannot write the other party out...
    amend(&app, &p, As::Coordinator, &id, "Osapuoli lähtee").await.assert_status(200);
    patch(&app, &p, As::Coordinator, &uri, alone.clone()).await.assert_problem(403);
    // ...the other party leaves by its own act.
    patch(&app, &p, As::Outsider, &uri, alone).await.assert_status(200);
    let listed = |who: As| {
        let app = &app;
        let p = &p;
        async move {
            let list = read(app, p, who, "/api/v1/agreements").await.json();
            list["data"].as_array().unwrap().iter().any(|a| a["code"] == "ERO-1")
        }
    };
    // Still bound by the version in force: it reads the agreement and finds it listed.
    read(&app, &p, As::Outsider, &uri).await.assert_status(200);
    assert!(listed(As::Outsider).await);
    transition(&app, &p, As::Coordinator, &id, "awaiting_signatures").await.assert_status(200);
    let v2 = read(&app, &p, As::Outsider, &format!("{uri}/versions/2")).await.assert_status(200).json();
    assert!(v2["required_signers"].as_array().unwrap().iter().any(|o| o == &p.other_org.to_string()), "{v2}");
    let hash = v2["content_hash"].as_str().unwrap().to_owned();
    sign(&app, &p, As::OrgAdmin, &id, 2, &hash).await.assert_status(201);
    assert_eq!(read(&app, &p, As::Member, &uri).await.json()["current_version"], 1, "not without the leaving party");
    sign(&app, &p, As::Outsider, &id, 2, &hash).await.assert_status(201);
    assert_eq!(read(&app, &p, As::Member, &uri).await.json()["current_version"], 2);
    // Gone for good once its removal is in force.
    read(&app, &p, As::Outsider, &uri).await.assert_problem(404);
    assert!(!listed(As::Outsider).await);
}

// 15. Secrets and personal data never reach the log: a refusing mail server's reply repeats
// the address, and neither the log nor the outbox keeps it.
#[actix_web::test]
async fn a_refused_delivery_records_no_address_or_token() {
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start_rejecting().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let address = format!("hylatty-{}@example.fi", uuid::Uuid::now_v7().simple());
    app.call(json(
        p.request(As::OrgAdmin, TestRequest::post().uri(&format!("/api/v1/organizations/{}/members", p.org))),
        serde_json::json!({"email": address, "role": "member"}),
    ))
    .await
    .assert_status(202);
    assert_eq!(app.deliver_mail(&sink).await, 0);
    #[derive(diesel::QueryableByName)]
    struct Failure {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_error: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
    }
    let failure: Failure = diesel::sql_query("SELECT last_error, attempts FROM mail_outbox")
        .get_result(&mut *app.conn().await)
        .await
        .unwrap();
    assert_eq!(failure.attempts, 1, "kept for another attempt");
    let error = failure.last_error.unwrap();
    assert!(error.contains("550") && !error.contains("example.fi"), "{error}");
    assert!(logs.text().contains("mail delivery failed"));
    assert!(!logs.text().contains(&address), "the address reached the log");
}
