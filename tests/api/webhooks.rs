//! Webhooks: who keeps them, what a target may be, and deliveries to a real receiver: signed,
//! once each, in order, retried, and given up after a day with the reason shown; from the
//! real server binary too, with two instances on one database and across a crash.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;
use yhdyspinta::domain::webhooks::delivery::{Sender, cut, send_due};

use crate::receiver::Receiver;
use crate::resources::venues::{venue, venue_body};
use crate::support::{As, Personas, TestApp, json};

const WEBHOOKS: &str = "/api/v1/webhooks";
const SECRET: &str = "a-secret-of-at-least-32-characters-for-tests";

fn body(p: &Personas, url: &str) -> Value {
    json!({"organization_id": p.org, "url": url, "event_types": ["venue", "organization"], "secret": SECRET})
}

async fn listed_ids(app: &TestApp, p: &Personas) -> Vec<String> {
    let res = app.call(p.request(As::OrgAdmin, TestRequest::get().uri(WEBHOOKS))).await;
    res.json()["data"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()).collect()
}

async fn subscribe(app: &TestApp, p: &Personas, url: &str) -> Value {
    let res = app.call(p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), body(p, url)))).await;
    res.assert_status(201);
    res.json()
}

#[actix_web::test]
async fn an_organisations_admins_and_its_clients_keep_its_webhooks_and_no_one_else_sees_them() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::WebhooksManage).await;
    let url = "http://127.0.0.1:9/hook";
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Coordinator, 403),
            (As::OrgAdmin, 201),
            (As::PlatformAdmin, 403),
            (As::Client, 201),
            (As::ClientWithoutScope, 403),
        ],
        || json(TestRequest::post().uri(WEBHOOKS), body(&p, url)),
    )
    .await;
    let created = app.call(p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), body(&p, url)))).await;
    let location = app.follow_created(&p, As::OrgAdmin, &created, None).await;
    assert!(!created.json().to_string().contains(SECRET), "the secret is never shown");
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 404),
            (As::Member, 404),
            (As::Coordinator, 404),
            (As::OrgAdmin, 200),
            (As::PlatformAdmin, 404),
            (As::Client, 200),
            (As::ClientWithoutScope, 404),
        ],
        || TestRequest::get().uri(&location),
    )
    .await;
    let deliveries = format!("{location}/deliveries");
    app.call(p.request(As::Outsider, TestRequest::get().uri(&deliveries))).await.assert_problem(404);
    app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&deliveries))).await.assert_status(200);
    // The outsider's list holds none of them; the owner's holds all three.
    let listed = |who| {
        let app = &app;
        let p = &p;
        async move {
            let res = app.call(p.request(who, TestRequest::get().uri(WEBHOOKS))).await;
            res.assert_status(200);
            res.json()["data"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed(As::Outsider).await, 0);
    assert_eq!(listed(As::OrgAdmin).await, 3);
    app.call(p.request(As::ClientWithoutScope, TestRequest::get().uri(WEBHOOKS))).await.assert_problem(403);
    // Changing and deleting: 404 before the precondition for those who do not keep it.
    let patch = || {
        TestRequest::patch()
            .uri(&location)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
            .set_payload(r#"{"event_types": ["event_series"]}"#)
    };
    app.access_matrix(&p, &[(As::Outsider, 404), (As::PlatformAdmin, 404), (As::OrgAdmin, 200)], patch).await;
    app.call(p.request(As::Outsider, TestRequest::delete().uri(&location).insert_header(("if-match", "*"))))
        .await
        .assert_problem(404);
    let stale = app
        .call(p.request(As::OrgAdmin, TestRequest::delete().uri(&location).insert_header(("if-match", "\"1\""))))
        .await;
    stale.assert_problem(412);
    app.call(p.request(As::OrgAdmin, TestRequest::delete().uri(&location).insert_header(("if-match", "*"))))
        .await
        .assert_status(204);
    app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&location))).await.assert_problem(404);
    // Anonymous callers learn nothing of what exists: 401 for a real id as for an unknown one.
    let kept = listed_ids(&app, &p).await;
    for id in [kept[0].clone(), uuid::Uuid::now_v7().to_string()] {
        app.get(&format!("{WEBHOOKS}/{id}")).await.assert_problem(401);
        app.get(&format!("{WEBHOOKS}/{id}/deliveries")).await.assert_problem(401);
    }
    // Every write is audited, without the secret.
    let mut conn = app.conn().await;
    let audited: Vec<String> = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        yhdyspinta::repo::schema::audit_log::table
            .filter(yhdyspinta::repo::schema::audit_log::resource_type.eq("webhook"))
            .select(diesel::dsl::sql::<diesel::sql_types::Text>("action || ' ' || coalesce(diff::text, '')"))
            .load(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(audited.len(), 5, "three creations, one change, one deletion: {audited:#?}");
    assert!(audited.iter().all(|a| !a.contains(SECRET)));
}

#[actix_web::test]
async fn a_target_must_be_https_to_a_public_address_and_the_fields_are_checked() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::WebhooksManage).await;
    let refused = [
        ("http://partner.example/hook", "url"),
        ("https://10.0.0.1/hook", "url"),
        ("https://169.254.169.254/latest/meta-data", "url"),
        ("https://[::1]/hook", "url"),
        ("https://127.0.0.2/hook", "url"),
        ("https://localhost/hook", "url"),
        ("https://user:password@partner.example/hook", "url"),
        ("not a url", "url"),
    ];
    for (url, field) in refused {
        let res = app.call(p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), body(&p, url)))).await;
        res.assert_problem(422);
        assert_eq!(res.json()["errors"][0]["field"], field, "{url}: {}", res.json());
    }
    for (change, field) in [
        (json!({"secret": "short"}), "secret"),
        (json!({"event_types": []}), "event_types"),
        (json!({"event_types": ["venue", "venue"]}), "event_types"),
        (json!({"url": "https://partner.example/".to_owned() + &"a".repeat(2000)}), "url"),
    ] {
        let mut b = body(&p, "https://partner.example/hook");
        b.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        let res = app.call(p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), b))).await;
        res.assert_problem(422);
        assert_eq!(res.json()["errors"][0]["field"], field, "{}", res.json());
    }
    // A name that passes the rules but resolves inside: this machine's own name.
    let own = std::fs::read_to_string("/etc/hostname").unwrap().trim().to_owned();
    let inside = tokio::net::lookup_host((own.as_str(), 443)).await.unwrap().all(|a| a.ip().is_loopback());
    assert!(inside, "{own} resolves to loopback on the test machine");
    let res = app
        .call(
            p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), body(&p, &format!("https://{own}/hook")))),
        )
        .await;
    res.assert_problem(422);
    assert!(res.json()["errors"][0]["message"].as_str().unwrap().contains("resolves"), "{}", res.json());
    let mut unknown = body(&p, "https://partner.example/hook");
    unknown["event_types"] = json!(["agreement"]);
    let res = app.call(p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), unknown))).await;
    assert!(matches!(res.status.as_u16(), 400 | 422));
    // A public name that does not resolve here yet is accepted: deliveries check again. The
    // URL is kept as parsed.
    subscribe(&app, &p, "https://partner.example/hook").await;
    let normalised = subscribe(&app, &p, " HTTPS://Partner.Example:443/Hook").await;
    assert_eq!(normalised["url"], "https://partner.example/Hook");
    let id = normalised["id"].as_str().unwrap();
    let patch = |body: &'static str| {
        TestRequest::patch()
            .uri(&format!("{WEBHOOKS}/{id}"))
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
            .set_payload(body)
    };
    let res = app.call(p.request(As::OrgAdmin, patch(r#"{"active": null}"#))).await;
    res.assert_problem(422);
    assert_eq!(res.json()["errors"][0]["field"], "active");
    let res = app.call(p.request(As::OrgAdmin, patch(r#"{"organization_id": null}"#))).await;
    assert!(matches!(res.status.as_u16(), 400 | 422), "{}", res.status);
    let res = app.call(p.request(As::OrgAdmin, patch(r#"{"url": "https://10.0.0.1/"}"#))).await;
    res.assert_problem(422);
    // An organisation keeps at most ten.
    for _ in 2..10 {
        subscribe(&app, &p, "https://partner.example/hook").await;
    }
    let res = app
        .call(
            p.request(As::OrgAdmin, json(TestRequest::post().uri(WEBHOOKS), body(&p, "https://partner.example/hook"))),
        )
        .await;
    res.assert_problem(409);
}

/// Cuts and sends until the receiver has answered `n` requests, as the worker does.
async fn deliver(app: &TestApp, sender: &Sender, receiver: &Receiver, n: usize) {
    let started = Instant::now();
    while receiver.received().len() < n {
        assert!(started.elapsed() < Duration::from_secs(20), "only {} deliveries", receiver.received().len());
        let mut conn = app.conn().await;
        cut(&mut conn).await.unwrap();
        send_due(&mut conn, sender).await.unwrap();
    }
}

async fn due_now(app: &TestApp) {
    app.conn().await.batch_execute("UPDATE webhook_deliveries SET next_attempt_at = now()").await.unwrap();
}

#[actix_web::test]
async fn deliveries_are_signed_in_order_retried_and_given_up_after_a_day_with_the_reason_shown() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::WebhooksManage).await;
    let receiver = Receiver::start().await;
    let sender = Sender::new().unwrap();
    let webhook = subscribe(&app, &p, &receiver.url()).await;
    let id = webhook["id"].as_str().unwrap().to_owned();

    // What changed before the subscription is not delivered; what changes after is.
    let (first, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7, 62.2)).await;
    deliver(&app, &sender, &receiver, 1).await;
    // The worker's progress is not the keeper's edit: the ETag stays.
    let read = app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{WEBHOOKS}/{id}")))).await;
    assert_eq!(read.header("etag"), Some("\"1\""));
    let got = receiver.received();
    assert!(got[0].signed_with(SECRET), "the signature verifies");
    assert!(!got[0].signed_with("another-secret-of-at-least-32-characters"));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    let payload = got[0].json();
    assert_eq!(payload["data"][0]["type"], "venue");
    assert_eq!(payload["data"][0]["id"], json!(first));
    assert_eq!(payload["data"][0]["op"], "upsert");
    assert_eq!(got[0].header("yhdyspinta-delivery"), payload["delivery_id"].as_str());

    // A receiver failing: retried with back-off, the same delivery id and body each time.
    receiver.answer(503);
    let (second, _) = venue(&app, &p, venue_body(&p, "Toinen", "179", 25.7, 62.2)).await;
    deliver(&app, &sender, &receiver, 2).await;
    let pending =
        app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{WEBHOOKS}/{id}/deliveries")))).await;
    let latest = &pending.json()["data"][0];
    assert_eq!(latest["status"], "pending");
    assert_eq!(latest["attempts"][0]["status_code"], 503);
    let wait = chrono::DateTime::parse_from_rfc3339(latest["next_attempt_at"].as_str().unwrap()).unwrap()
        - chrono::DateTime::parse_from_rfc3339(latest["attempts"][0]["at"].as_str().unwrap()).unwrap();
    assert!((8..=12).contains(&wait.num_seconds()), "first retry after about 10 s: {wait}");
    // Not before it is due.
    let mut conn = app.conn().await;
    assert_eq!(send_due(&mut conn, &sender).await.unwrap(), 0);
    drop(conn);
    due_now(&app).await;
    deliver(&app, &sender, &receiver, 3).await;
    let got = receiver.received();
    assert_eq!(got[1].header("yhdyspinta-delivery"), got[2].header("yhdyspinta-delivery"));
    assert_eq!(got[1].body, got[2].body);
    assert_eq!(got[2].json()["data"][0]["id"], json!(second));

    // Still failing a day after it began: given up, the subscription disabled with why.
    app.conn()
        .await
        .batch_execute(
            "UPDATE webhook_deliveries SET failing_since = now() - interval '25 hours', next_attempt_at = now() \
             WHERE status = 'pending'",
        )
        .await
        .unwrap();
    deliver(&app, &sender, &receiver, 4).await;
    let read = app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{WEBHOOKS}/{id}")))).await.json();
    assert_eq!(read["active"], false);
    let reason = read["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("24 hours") && reason.contains("503"), "{reason}");
    let listed =
        app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{WEBHOOKS}/{id}/deliveries")))).await;
    assert_eq!(listed.json()["data"][0]["status"], "failed");
    // Disabled: nothing is cut or sent for it.
    venue(&app, &p, venue_body(&p, "Kolmas", "179", 25.7, 62.2)).await;
    let mut conn = app.conn().await;
    assert_eq!(cut(&mut conn).await.unwrap() + send_due(&mut conn, &sender).await.unwrap(), 0);
    drop(conn);

    // Turned back on: the failed batch first, then what came meanwhile, nothing lost.
    receiver.answer(204);
    let res = app
        .call(
            p.request(
                As::OrgAdmin,
                TestRequest::patch()
                    .uri(&format!("{WEBHOOKS}/{id}"))
                    .insert_header(("content-type", "application/merge-patch+json"))
                    .insert_header(("if-match", "*"))
                    .set_payload(r#"{"active": true}"#),
            ),
        )
        .await;
    res.assert_status(200);
    assert_eq!((res.json()["active"].clone(), res.json()["disabled_reason"].clone()), (json!(true), Value::Null));
    deliver(&app, &sender, &receiver, 6).await;
    let got = receiver.received();
    assert_eq!(got[4].header("yhdyspinta-delivery"), got[1].header("yhdyspinta-delivery"));
    assert_eq!(got[5].json()["data"][0]["type"], "venue");
    let statuses: Vec<Value> =
        app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{WEBHOOKS}/{id}/deliveries")))).await.json()
            ["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status"].clone())
            .collect();
    assert_eq!(statuses, vec![json!("delivered"); 3]);
    // The seqs came in order, each once.
    let seqs: Vec<i64> = got
        .iter()
        .filter(|r| {
            r.header("yhdyspinta-delivery") != got[1].header("yhdyspinta-delivery") || std::ptr::eq(*r, &got[4])
        })
        .flat_map(|r| {
            r.json()["data"].as_array().unwrap().iter().map(|c| c["seq"].as_i64().unwrap()).collect::<Vec<_>>()
        })
        .collect();
    let unique: BTreeSet<i64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "{seqs:?}");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

/// One request to a server process, with a JSON or merge-patch body.
async fn send(addr: &str, method: &str, path: &str, body: &Value, token: &str) -> (u16, Value) {
    let body = body.to_string();
    let content_type = if method == "PATCH" { "application/merge-patch+json" } else { "application/json" };
    let (status, text) = crate::server::exchange(
        addr,
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nIf-Match: *\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The feed's positions after `cursor`, read from a server as a mirror would.
async fn feed_after(addr: &str, cursor: &str) -> BTreeSet<i64> {
    let mut seqs = BTreeSet::new();
    let mut cursor = cursor.to_owned();
    loop {
        let (status, text) =
            crate::server::get(addr, &format!("/api/v1/directory/changes?limit=1000&after={cursor}"), None).await;
        assert_eq!(status, 200, "{text}");
        let page: Value = serde_json::from_str(&text).unwrap();
        seqs.extend(page["data"].as_array().unwrap().iter().map(|c| c["seq"].as_i64().unwrap()));
        cursor = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
        if page["meta"]["has_more"] != true {
            return seqs;
        }
    }
}

/// The positions delivered with a 2xx answer, each with how often.
fn delivered(receiver: &Receiver) -> Vec<i64> {
    let mut seqs: Vec<i64> = receiver
        .received()
        .iter()
        .filter(|r| (200..300).contains(&r.answered))
        .flat_map(|r| {
            r.json()["data"].as_array().unwrap().iter().map(|c| c["seq"].as_i64().unwrap()).collect::<Vec<_>>()
        })
        .collect();
    seqs.sort_unstable();
    seqs
}

async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn two_server_instances_deliver_each_change_once_to_a_real_receiver_also_across_a_crash() {
    let receiver = Receiver::start().await;
    let env = [("YHDYSPINTA_WEBHOOK_ALLOW_HOSTS", crate::receiver::ALLOWED_HOST.to_owned())];
    let mut a = crate::server::Server::start_demo_with(&env).await;
    let mut b = crate::server::Server::beside(&a, &env).await;
    let form = format!(
        "grant_type=password&username=paakayttaja%40jyvaskyla.example&password={}",
        yhdyspinta::demo::DEMO_PASSWORD
    );
    let (status, text) =
        crate::server::post(&a.addr, "/api/v1/auth/token", "application/x-www-form-urlencoded", &form, None).await;
    assert_eq!(status, 200, "{text}");
    let token = serde_json::from_str::<Value>(&text).unwrap()["access_token"].as_str().unwrap().to_owned();
    let (_, me) = crate::server::get(&a.addr, "/api/v1/me", Some(&token)).await;
    let org =
        serde_json::from_str::<Value>(&me).unwrap()["memberships"][0]["organization_id"].as_str().unwrap().to_owned();
    let (_, feed) = crate::server::get(&a.addr, "/api/v1/directory/changes?limit=1", None).await;
    let start = serde_json::from_str::<Value>(&feed).unwrap()["meta"]["latest_cursor"].as_str().unwrap().to_owned();
    let subscription = json!({"organization_id": org, "url": receiver.url(),
        "event_types": ["organization", "venue", "event_series", "event_occurrence"], "secret": SECRET});
    let (status, webhook) = send(&a.addr, "POST", WEBHOOKS, &subscription, &token).await;
    assert_eq!(status, 201, "{webhook}");

    // Writes through both instances while both deliver.
    for i in 0..12 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, res) = send(
            &server.addr,
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            &json!({"phone": format!("+358 40 000 {i:04}")}),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{res}");
    }
    let expected = feed_after(&a.addr, &start).await;
    assert!(expected.len() >= 12, "{expected:?}");
    wait_until(Duration::from_secs(30), "every change delivered", || delivered(&receiver).len() >= expected.len())
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let once: Vec<i64> = expected.iter().copied().collect();
    assert_eq!(delivered(&receiver), once, "each change once, from whichever instance");
    assert!(receiver.received().iter().all(|r| r.signed_with(SECRET)));

    // The receiver fails; a change waits in the outbox; both instances die mid-retry.
    receiver.answer(503);
    let before = receiver.received().len();
    let (status, _) =
        send(&b.addr, "PATCH", &format!("/api/v1/organizations/{org}"), &json!({"phone": null}), &token).await;
    assert_eq!(status, 200);
    wait_until(Duration::from_secs(10), "a failed attempt", || receiver.received().len() > before).await;
    for server in [&mut a, &mut b] {
        server.signal("KILL");
        assert!(server.wait_for_exit(Duration::from_secs(10)).is_some());
    }
    // A new instance on the same database delivers it when it is due: nothing was lost.
    receiver.answer(204);
    let c = crate::server::Server::beside(&a, &env).await;
    let expected = feed_after(&c.addr, &start).await;
    wait_until(Duration::from_secs(40), "the waiting change delivered after the restart", || {
        delivered(&receiver).len() >= expected.len()
    })
    .await;
    assert_eq!(delivered(&receiver), expected.iter().copied().collect::<Vec<_>>());
    let (status, text) = crate::server::get(
        &c.addr,
        &format!("{WEBHOOKS}/{}/deliveries", webhook["id"].as_str().unwrap()),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let deliveries: Value = serde_json::from_str(&text).unwrap();
    let latest = &deliveries["data"][0];
    assert_eq!(latest["status"], "delivered");
    assert_eq!(latest["attempts"][0]["status_code"], 503);
    assert_eq!(latest["attempts"].as_array().unwrap().last().unwrap()["status_code"], 204);
}
