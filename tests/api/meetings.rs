//! Meetings of networks and agreements: who holds and reads them, minutes for members only,
//! venue bookings with the bookings' 409, decisions as follow-up actions, the calendar.

use actix_web::test::TestRequest;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::networks::{self, NETWORKS};
use crate::resources::{agreements, venues};
use crate::support::{As, TestApp, all, json};

fn meeting(starts: chrono::DateTime<Utc>, responsible: uuid::Uuid, due: chrono::NaiveDate) -> Value {
    json!({"kind": "network_meeting", "title": {"fi": "Hyte-verkoston kokous"}, "starts_at": starts,
           "agenda": [{"fi": "Ajankohtaiset"}, {"fi": "Teemaverkostojen kuulumiset"}],
           "minutes": {"fi": "Sovittiin kohtaamispaikkojen yhteisestä kalenterista."},
           "decisions": [{"decision": {"fi": "Kootaan kohtaamispaikkojen kalenteri."},
                          "responsible_organization_id": responsible, "due_date": due}]})
}

#[actix_web::test]
async fn network_meetings_show_minutes_and_decisions_to_members_only() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let network = networks::create(&app, &p, networks::body(&p, "Hyte-verkosto", "public")).await;
    let id = network["id"].as_str().unwrap();
    let held = Utc::now() - Duration::days(30);
    let due = (Utc::now() - Duration::days(10)).date_naive();
    let create =
        || json(TestRequest::post().uri(&format!("{NETWORKS}/{id}/meetings")), meeting(held, p.other_org, due));
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403), (As::Client, 403)], create)
        .await;
    let res = app.call(p.request(As::Coordinator, create())).await;
    let uri = app.follow_created(&p, As::Coordinator, &res, None).await;
    let made = res.json();
    let ends: chrono::DateTime<Utc> = made["ends_at"].as_str().unwrap().parse().unwrap();
    let starts: chrono::DateTime<Utc> = made["starts_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(ends - starts, Duration::hours(2));
    let decision = &made["decisions"][0];
    // Naming the responsible organisation binds it to nothing yet.
    assert_eq!((&decision["status"], &decision["accepted"]), (&json!("open"), &json!(false)));

    // Anyone sees a public network's meeting, without minutes and decisions.
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&uri)).await;
    let public = app.get(&uri).await;
    let body = public.json();
    assert_eq!((&body["minutes"], &body["decisions"]), (&json!(null), &json!([])));
    assert_ne!(public.header("etag"), res.header("etag"));
    assert_eq!(app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.json(), made);

    // The decision is an action: the responsible organisation sees it, outsiders of both do
    // not, and it is overdue.
    let action_uri = format!("/api/v1/actions/{}", decision["id"].as_str().unwrap());
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 404), (As::Outsider, 200), (As::Member, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&action_uri),
    )
    .await;
    let overdue = app.call(p.request(As::Outsider, TestRequest::get().uri("/api/v1/actions?overdue=true"))).await;
    assert_eq!(overdue.json()["data"][0]["id"], decision["id"]);
    let responsible = app
        .call(p.request(
            As::Member,
            TestRequest::get().uri(&format!("/api/v1/actions?responsible={}&overdue=false", p.other_org)),
        ))
        .await;
    assert_eq!(responsible.json()["data"], json!([]));
    app.call(p.request(As::Anonymous, TestRequest::get().uri("/api/v1/actions"))).await.assert_problem(401);

    // The responsible organisation takes it on, then follows it up; before that it cannot.
    let patch = |body: Value| {
        json(TestRequest::patch().uri(&action_uri), body)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
    };
    app.call(p.request(As::Outsider, patch(json!({"status": "in_progress"})))).await.assert_problem(403);
    let accept = || {
        json(TestRequest::post().uri(&format!("{action_uri}/acceptances")), json!({"organization_id": p.other_org}))
            .insert_header(("if-match", "*"))
    };
    app.access_matrix(&p, &[(As::Coordinator, 403), (As::Member, 403)], accept).await;
    app.call(p.request(As::Outsider, accept())).await.assert_status(200);
    let res = app.call(p.request(As::Outsider, patch(json!({"status": "done"})))).await;
    assert_eq!(res.assert_status(200).json()["status"], "done");
    // ...but only the host changes what was decided.
    app.call(p.request(As::Outsider, patch(json!({"due_date": "2099-01-01"})))).await.assert_problem(403);
    let res = app.call(p.request(As::Coordinator, patch(json!({"due_date": "2099-01-01"})))).await;
    assert_eq!(res.assert_status(200).json()["accepted"], false, "a changed decision is asked anew");
    let res = app.call(p.request(As::Coordinator, patch(json!({"indicator_id": uuid::Uuid::now_v7()})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "indicator_id");

    // Later decisions are added to the meeting.
    let add = || {
        json(
            TestRequest::post().uri(&format!("{uri}/actions")),
            json!({"description": {"fi": "Kutsutaan seurakunta mukaan."}, "responsible_organization_id": p.org}),
        )
    };
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403)], add).await;
    let res = app.call(p.request(As::Coordinator, add())).await;
    let added = app.follow_created(&p, As::Coordinator, &res, None).await;
    assert!(added.starts_with("/api/v1/actions/"));
    assert_eq!(res.json()["accepted"], true);

    // A time outside the calendar is a 422 naming it, with or without an end.
    for (field, body) in [
        ("starts_at", json!({"starts_at": "+262143-12-31T23:00:00Z"})),
        ("ends_at", json!({"ends_at": "+262143-12-31T23:00:00Z"})),
    ] {
        let res = app
            .call(
                p.request(
                    As::Coordinator,
                    json(TestRequest::patch().uri(&uri), body)
                        .insert_header(("content-type", "application/merge-patch+json"))
                        .insert_header(("if-match", "*")),
                ),
            )
            .await;
        assert_eq!(res.assert_problem(422)["errors"][0]["field"], field);
    }
    // Minutes are checked for personal data; a patch cannot smuggle decisions in.
    let patch_meeting = |body: Value| {
        json(TestRequest::patch().uri(&uri), body)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
    };
    let res =
        app.call(p.request(As::Coordinator, patch_meeting(json!({"minutes": {"fi": "Soita 040 1234567"}})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "minutes.fi");
    let res = app
        .call(p.request(
            As::Coordinator,
            patch_meeting(json!({"decisions": [{"decision": {"fi": "x"}, "responsible_organization_id": p.org}]})),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "decisions");

    // Across networks, by organisation and window; the calendar.
    let listed = app
        .call(p.request(As::Outsider, TestRequest::get().uri(&format!("/api/v1/meetings?organization={}", p.org))))
        .await;
    assert_eq!(listed.json()["data"][0]["id"], made["id"]);
    let later = (Utc::now() + Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = app.get(&format!("/api/v1/meetings?from={}", later.replace('+', "%2B"))).await;
    assert_eq!(none.json()["data"], json!([]));
    let calendar = app.get(&format!("{NETWORKS}/{id}/calendar.ics")).await;
    calendar.assert_status(200);
    let text = String::from_utf8(calendar.body.to_vec()).unwrap();
    assert!(text.contains("SUMMARY:Hyte-verkoston kokous"), "{text}");
    assert!(!text.contains("kalenterista"), "no minutes in the calendar: {text}");

    // A meeting whose decisions are followed up stays until they are deleted; each change to
    // a decision is a new version of the meeting.
    let delete = |uri: &str| TestRequest::delete().uri(uri).insert_header(("if-match", "*"));
    app.call(p.request(As::Coordinator, delete(&uri))).await.assert_problem(409);
    let before = app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.json()["version"].clone();
    app.call(p.request(As::Outsider, delete(&action_uri))).await.assert_problem(403);
    for action in [action_uri.as_str(), added.as_str()] {
        app.call(p.request(As::Coordinator, delete(action))).await.assert_status(204);
    }
    let after = app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.json();
    assert_eq!((after["decisions"].clone(), after["version"].as_i64() > before.as_i64()), (json!([]), true));
    app.call(p.request(As::Coordinator, delete(&uri))).await.assert_status(204);
    app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.assert_problem(404);
}

#[actix_web::test]
async fn members_only_networks_hide_their_meetings_and_bookings_clash_as_bookings_do() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let network = networks::create(&app, &p, networks::body(&p, "Sisäinen", "members")).await;
    let id = network["id"].as_str().unwrap();
    let (venue, _) = venues::venue(&app, &p, venues::venue_body(&p, "Aula", "179", 25.7, 62.2)).await;
    let starts = Utc::now() + Duration::days(14);
    let body = |starts: chrono::DateTime<Utc>| json!({"kind": "info_session", "starts_at": starts, "venue_id": venue, "book_venue": true});
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&format!("{NETWORKS}/{id}/meetings")), body(starts)),
        ))
        .await;
    let uri = app.follow_created(&p, As::Coordinator, &res, None).await;
    let booking = res.json()["booking_id"].as_str().unwrap().to_owned();
    let bookings = app
        .call(p.request(As::Coordinator, TestRequest::get().uri(&format!("/api/v1/venues/{venue}/bookings/{booking}"))))
        .await;
    bookings.assert_status(200);
    app.access_matrix(&p, &[(As::Anonymous, 404), (As::Outsider, 404), (As::Member, 200)], || {
        TestRequest::get().uri(&uri)
    })
    .await;
    assert_eq!(app.get(&format!("/api/v1/meetings?network={id}")).await.json()["data"], json!([]));
    app.call(TestRequest::get().uri(&format!("{NETWORKS}/{id}/calendar.ics"))).await.assert_problem(404);

    // The same time again is the bookings' own 409, naming the booking in the way.
    let clash = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&format!("{NETWORKS}/{id}/meetings")), body(starts + Duration::minutes(30))),
        ))
        .await;
    let problem = clash.assert_problem(409);
    assert!(problem["conflicting"].as_str().unwrap_or_default().contains(&booking), "{problem}");
    // Moving the meeting moves the booking; deleting it frees the time.
    let moved = app
        .call(
            p.request(
                As::Coordinator,
                json(TestRequest::patch().uri(&uri), json!({"starts_at": starts + Duration::days(1)}))
                    .insert_header(("content-type", "application/merge-patch+json"))
                    .insert_header(("if-match", "*")),
            ),
        )
        .await;
    let moved_booking = moved.assert_status(200).json()["booking_id"].clone();
    assert_ne!(moved_booking, json!(booking));
    app.call(
        p.request(As::Coordinator, json(TestRequest::post().uri(&format!("{NETWORKS}/{id}/meetings")), body(starts))),
    )
    .await
    .assert_status(201);
}

#[actix_web::test]
async fn an_agreements_parties_hold_its_yearly_collaboration_meeting() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let agreement = agreements::create(&app, &p, As::Coordinator, agreements::body("KS-MEET", &[p.org])).await;
    let id = agreement["id"].as_str().unwrap();
    let create = || {
        json(
            TestRequest::post().uri(&format!("/api/v1/agreements/{id}/meetings")),
            json!({"kind": "annual_collaboration_meeting", "starts_at": Utc::now() - Duration::days(3),
                   "attendance": [{"organization_id": p.org, "people": 3}], "minutes": {"fi": "Käytiin läpi vuosi."}}),
        )
    };
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 404), (As::Member, 403)], create).await;
    let res = app.call(p.request(As::Coordinator, create())).await;
    app.follow_created(&p, As::Coordinator, &res, None).await;
    assert_eq!(res.json()["agreement_id"], json!(id));
    let listed =
        app.call(p.request(As::Member, TestRequest::get().uri(&format!("/api/v1/agreements/{id}/meetings")))).await;
    assert_eq!(listed.json()["data"][0]["attendance"], json!([{"organization_id": p.org, "people": 3}]));
    app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("/api/v1/agreements/{id}/meetings"))))
        .await
        .assert_problem(404);
}
