//! Event series: drafts are invisible to outsiders, naming an organiser is an invitation, the
//! schedule becomes occurrences in local time across daylight-saving changes, overrides and
//! attendance survive schedule changes, the flat list and its filters, the calendar, and cost
//! allocation exact to the cent.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::agreements::{self as agreements, activate};
use crate::resources::event_series::{OCCURRENCES, SERIES, accept, cafe, create, data, occurrences, patch};
use crate::resources::venues::{VENUES, venue, venue_body};
use crate::support::{As, TestApp, TestResponse, all, json};

#[actix_web::test]
async fn a_weekly_series_becomes_occurrences_in_local_time_across_the_clock_change() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let s = create(&app, &p, cafe(&p, &venue_id, "published")).await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(s["organizers"], json!([{"organization_id": p.org, "accepted": true}]));
    let all = occurrences(&app, &p, id).await;
    let starts: Vec<&str> = all.iter().map(|o| o["start"].as_str().unwrap()).collect();
    // Nine (the 17th is an EXDATE); 10:00 local is 08:00Z in winter and 07:00Z from 29 March.
    assert_eq!(starts.len(), 9);
    assert_eq!(
        &starts[..4],
        ["2026-03-03T08:00:00Z", "2026-03-10T08:00:00Z", "2026-03-24T08:00:00Z", "2026-03-31T07:00:00Z"]
    );
    assert_eq!(all[0]["end"], "2026-03-03T10:00:00Z");
    assert_eq!(all[0]["municipality_code"], "179");
    assert_eq!(all[0]["wellbeing_county_code"], "15");
    // The window is an overlap: an occurrence running at `from` is included.
    let res = app.get(&format!("{SERIES}/{id}/occurrences?from=2026-03-03T09:00:00Z&to=2026-03-10T08:00:01Z")).await;
    assert_eq!(data(&res).len(), 2);
    // Invalid rules name the offending part.
    let mut bad = cafe(&p, &venue_id, "published");
    bad["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=TU;BYHOUR=10");
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), bad.clone()))).await;
    let problem = res.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "schedule.rrule");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("BYHOUR"), "{problem}");
    bad["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=XY");
    let problem = app
        .call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), bad.clone())))
        .await
        .assert_problem(422);
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("XY"), "{problem}");
    bad["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=WE");
    let problem = app
        .call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), bad.clone())))
        .await
        .assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "schedule.start_date");
    bad["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=TU");
    bad["schedule"]["timezone"] = json!("Europe/Jyväskylä");
    let problem =
        app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), bad))).await.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "schedule.timezone");
}

#[actix_web::test]
async fn drafts_exist_only_for_the_named_organisations() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let draft = create(&app, &p, cafe(&p, &venue_id, "draft")).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let occurrence = occurrences(&app, &p, &id).await[0]["id"].as_str().unwrap().to_owned();
    let readers = [
        (As::Anonymous, 404),
        (As::Outsider, 404),
        (As::Client, 404),
        (As::Member, 200),
        (As::Coordinator, 200),
        (As::PlatformAdmin, 200),
    ];
    for path in [
        format!("{SERIES}/{id}"),
        format!("{SERIES}/{id}/occurrences"),
        format!("{SERIES}/{id}/occurrences/{occurrence}"),
        format!("{SERIES}/{id}/calendar.ics"),
    ] {
        app.access_matrix(&p, &readers, || TestRequest::get().uri(&path)).await;
    }
    for (who, count) in [(As::Anonymous, 0), (As::Outsider, 0), (As::Member, 1)] {
        let res = app.call(p.request(who, TestRequest::get().uri(SERIES))).await;
        assert_eq!(data(&res).len(), count, "{who:?}");
        let res =
            app.call(p.request(who, TestRequest::get().uri(&format!("{OCCURRENCES}?from=2026-01-01T00:00:00Z")))).await;
        assert_eq!(data(&res).is_empty(), count == 0, "{who:?}");
    }
    // Writes: outsiders cannot tell the draft exists (the anonymous are asked to sign in first).
    let writers =
        [(As::Anonymous, 401), (As::Outsider, 404), (As::Member, 403), (As::Coordinator, 200), (As::OrgAdmin, 200)];
    app.access_matrix(&p, &writers, || {
        patch(&format!("{SERIES}/{id}"), json!({"summary": {"fi": "Kahvia ja juttua"}}))
    })
    .await;
    app.access_matrix(&p, &writers, || {
        patch(&format!("{SERIES}/{id}/occurrences/{occurrence}"), json!({"status": "scheduled"}))
    })
    .await;
    // Published: everyone reads, writers are as before (now 401 for the anonymous).
    app.call(p.request(As::Coordinator, patch(&format!("{SERIES}/{id}"), json!({"publication_status": "published"}))))
        .await
        .assert_status(200);
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&format!("{SERIES}/{id}"))).await;
    // Platform admins read for support but do not act for organisations.
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403), (As::Client, 403), (As::PlatformAdmin, 403)],
        || patch(&format!("{SERIES}/{id}"), json!({"summary": {"fi": "x"}})),
    )
    .await;
    let creators = [
        (As::Anonymous, 401),
        (As::Outsider, 403),
        (As::Member, 403),
        (As::Client, 403),
        (As::PlatformAdmin, 403),
        (As::Coordinator, 201),
    ];
    app.access_matrix(&p, &creators, || json(TestRequest::post().uri(SERIES), cafe(&p, &venue_id, "draft"))).await;
    // Authorisation before validation.
    let mut broken = cafe(&p, &venue_id, "draft");
    broken["schedule"]["rrule"] = json!("nonsense");
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Coordinator, 422)], || {
        json(TestRequest::post().uri(SERIES), broken.clone())
    })
    .await;
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403)], || {
        TestRequest::delete().uri(&format!("{SERIES}/{id}")).insert_header(("if-match", "*"))
    })
    .await;
}

#[actix_web::test]
async fn a_named_organiser_counts_only_after_its_own_coordinator_accepts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut body = cafe(&p, &venue_id, "published");
    body["organizer_ids"] = json!([p.org, p.other_org]);
    let s = create(&app, &p, body).await;
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(s["organizers"][1], json!({"organization_id": p.other_org, "accepted": false}));
    // Not an organiser yet: not found under its name, cannot edit, carries no costs.
    let res = app.get(&format!("{OCCURRENCES}?from=2026-01-01T00:00:00Z&organization={}", p.other_org)).await;
    assert!(data(&res).is_empty());
    // The public copy leaves the invited organisation out: it has an ETag of its own, and an
    // insider revalidating with it gets the whole series, not a 304.
    let public = app.get(&format!("{SERIES}/{id}")).await;
    let public_tag = public.header("etag").unwrap().to_owned();
    assert!(public_tag.ends_with("-redacted\""), "{public_tag}");
    assert_eq!(public.json()["organizers"].as_array().unwrap().len(), 1);
    let full = app
        .call(p.request(
            As::Member,
            TestRequest::get().uri(&format!("{SERIES}/{id}")).insert_header(("if-none-match", public_tag.as_str())),
        ))
        .await;
    full.assert_status(200);
    assert_eq!(full.json()["organizers"].as_array().unwrap().len(), 2);
    assert_ne!(full.header("etag").unwrap(), public_tag);
    app.call(p.request(As::Outsider, patch(&format!("{SERIES}/{id}"), json!({"summary": {"fi": "x"}}))))
        .await
        .assert_status(403);
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{SERIES}/{id}/cost-items")),
                json!({"category": "refreshments", "basis": "per_occurrence", "amount": "10.00",
                       "shares": [{"organization_id": p.org, "percent": "50"}, {"organization_id": p.other_org, "percent": "50"}]}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "shares[1].organization_id");
    // Only its own admin accepts.
    let accept = || {
        json(TestRequest::post().uri(&format!("{SERIES}/{id}/acceptances")), json!({"organization_id": p.other_org}))
            .insert_header(("if-match", "*"))
    };
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Coordinator, 403), (As::Member, 403)], accept).await;
    let res = app.call(p.request(As::Outsider, accept())).await;
    res.assert_status(200);
    assert_eq!(res.json()["organizers"][1]["accepted"], true);
    let res = app.get(&format!("{OCCURRENCES}?from=2026-01-01T00:00:00Z&organization={}", p.other_org)).await;
    assert_eq!(data(&res).len(), 9);
    app.call(p.request(As::Outsider, patch(&format!("{SERIES}/{id}"), json!({"summary": {"fi": "x"}}))))
        .await
        .assert_status(200);
    // It may leave; the publisher cannot be removed.
    let res =
        app.call(p.request(As::Outsider, patch(&format!("{SERIES}/{id}"), json!({"organizer_ids": [p.org]})))).await;
    res.assert_status(200);
    // The publisher stays an organiser whatever the list says; the other is invited anew.
    let res = app
        .call(p.request(As::Coordinator, patch(&format!("{SERIES}/{id}"), json!({"organizer_ids": [p.other_org]}))))
        .await;
    res.assert_status(200);
    assert_eq!(
        res.json()["organizers"],
        json!([{"organization_id": p.org, "accepted": true}, {"organization_id": p.other_org, "accepted": false}])
    );
}

/// 10:00 (or `hour`) in Helsinki on the day `days` from today, as the API writes instants.
fn helsinki(days: i64, hour: u32) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    let tz: chrono_tz::Tz = "Europe/Helsinki".parse().unwrap();
    yhdyspinta::domain::event_series::schedule::place(tz, day.and_hms_opt(hour, 0, 0).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[actix_web::test]
async fn overrides_and_attendance_survive_a_schedule_change() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let (other_venue, _) = venue(&app, &p, venue_body(&p, "Yhteistyöaula", "837", 23.7610, 61.4978)).await;
    // Weekly from 15 days ago: three have been held, seven are to come.
    let start = chrono::Utc::now().date_naive() - chrono::Duration::days(15);
    let mut body = cafe(&p, &venue_id, "published");
    body["schedule"] =
        json!({"start_date": start, "start_time": "10:00", "end_time": "12:00", "rrule": "FREQ=WEEKLY;COUNT=10"});
    let s = create(&app, &p, body).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let before = occurrences(&app, &p, &id).await;
    assert_eq!(before.len(), 10);
    let ids: Vec<String> = before.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    let url = |o: &str| format!("{SERIES}/{id}/occurrences/{o}");
    // Cancel a held one; move a coming one an hour later and to Tampere.
    let res = app.call(p.request(As::Coordinator, patch(&url(&ids[1]), json!({"status": "cancelled"})))).await;
    res.assert_status(200);
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(&url(&ids[4]), json!({"start": helsinki(13, 11), "end": helsinki(13, 13), "venue_id": other_venue})),
        ))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["moved"], true);
    assert_eq!(res.json()["municipality_code"], "837");
    // Attendance of the first (it has been held).
    let attendance = format!("{}/attendance", url(&ids[0]));
    let put = |body: Value| json(TestRequest::put().uri(&attendance), body);
    // A version of a record never made cannot match: 412 without a current representation.
    let res =
        app.call(p.request(As::Member, put(json!({"participants": 23})).insert_header(("if-match", "\"3\"")))).await;
    assert!(res.assert_problem(412).get("current").is_none());
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Client, 403)], || {
        put(json!({"participants": 23}))
    })
    .await;
    let res = app
        .call(p.request(
            As::Member,
            put(json!({"participants": 23, "volunteers": 3, "by_age_group": {"65+": 20, "unknown": 3}})),
        ))
        .await;
    res.assert_status(201);
    let stranger = uuid::Uuid::now_v7();
    let res = app
        .call(p.request(
            As::Member,
            put(json!({"participants": 23, "by_age_group": {"65+": 20}, "by_organizer": {stranger.to_string(): 23}})),
        ))
        .await;
    let errors = res.assert_problem(422)["errors"].clone();
    let fields: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["by_age_group".to_owned(), format!("by_organizer.{stranger}")]);
    let res =
        app.call(p.request(As::Member, put(json!({"participants": 24})).insert_header(("if-match", "\"7\"")))).await;
    assert_eq!(res.assert_problem(412)["current"]["participants"], 23);
    let res =
        app.call(p.request(As::Member, put(json!({"participants": 25})).insert_header(("if-match", "\"1\"")))).await;
    res.assert_status(200);
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 200)], || {
        TestRequest::get().uri(&attendance)
    })
    .await;
    // No attendance for a cancelled occurrence, nor for one still to come.
    for o in [&ids[1], &ids[5]] {
        let res = app
            .call(p.request(
                As::Member,
                json(TestRequest::put().uri(&format!("{}/attendance", url(o))), json!({"participants": 1})),
            ))
            .await;
        res.assert_status(409);
    }

    // The group moves to 13:00-15:00 and ends sooner. The days that remain keep their ids,
    // overrides and attendance; what has been held stays as it was (and now counts as moved);
    // the days past the new end are gone.
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(
                &format!("{SERIES}/{id}"),
                json!({"schedule": {"start_time": "13:00", "end_time": "15:00", "rrule": "FREQ=WEEKLY;COUNT=6"}}),
            ),
        ))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["sequence"], s["sequence"].as_i64().unwrap() + 3);
    let after = occurrences(&app, &p, &id).await;
    assert_eq!(after.len(), 6, "{after:#?}");
    let find = |o: &str| after.iter().find(|x| x["id"] == o).unwrap().clone();
    let held = find(&ids[0]);
    assert_eq!((held["start"].as_str().unwrap(), held["moved"].as_bool()), (helsinki(-15, 10).as_str(), Some(true)));
    assert_eq!(held["scheduled_start"].as_str().unwrap(), helsinki(-15, 13));
    let coming = find(&ids[3]);
    assert_eq!((coming["start"].as_str().unwrap(), coming["moved"].as_bool()), (helsinki(6, 13).as_str(), Some(false)));
    assert_eq!(find(&ids[1])["status"], "cancelled");
    let moved = find(&ids[4]);
    assert_eq!(
        (moved["start"].as_str().unwrap(), moved["scheduled_start"].as_str().unwrap()),
        (helsinki(13, 11).as_str(), helsinki(13, 13).as_str())
    );
    assert_eq!(moved["venue_id"], json!(other_venue));
    let res = app.call(p.request(As::Member, TestRequest::get().uri(&attendance))).await;
    assert_eq!(res.json()["participants"], 25);
    // With attendance on record the series is cancelled, not deleted.
    let res = app
        .call(p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("{SERIES}/{id}")).insert_header(("if-match", "*")),
        ))
        .await;
    res.assert_status(409);
    // The venue is in use.
    let res = app
        .call(p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("{VENUES}/{venue_id}")).insert_header(("if-match", "*")),
        ))
        .await;
    res.assert_status(409);
}

#[actix_web::test]
async fn the_flat_list_filters_and_collapses_series() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (jkl, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let (tre, _) = venue(&app, &p, venue_body(&p, "Yhteistyöaula", "837", 23.7610, 61.4978)).await;
    let cafe_id = create(&app, &p, cafe(&p, &jkl, "published")).await["id"].as_str().unwrap().to_owned();
    let mut help = cafe(&p, &tre, "published");
    help["title"] = json!({"fi": "Digiapu"});
    help["activity_type"] = json!("support");
    help["target_groups"] = json!(["all_residents"]);
    help["languages"] = json!(["fi"]);
    help["price"] = json!({"is_free": false, "info": {"fi": "2 €"}});
    help["schedule"] = json!({"start_date": "2026-03-05", "start_time": "14:00", "duration_minutes": 60,
                              "rrule": "FREQ=MONTHLY;BYDAY=1TH;COUNT=6"});
    let help_id = create(&app, &p, help).await["id"].as_str().unwrap().to_owned();
    let series_of = |res: &TestResponse| -> Vec<String> {
        data(res).iter().map(|o| o["series"]["id"].as_str().unwrap().to_owned()).collect()
    };
    let q = |query: &str| format!("{OCCURRENCES}?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&{query}");
    let res = app.get(&q("")).await;
    res.assert_status(200);
    assert_eq!(series_of(&res).len(), 4 + 1);
    assert_eq!(data(&res)[0]["series"]["title"]["fi"], "Seniorikahvila");
    for (query, expected) in [
        ("wellbeing_county=08", vec![&help_id]),
        ("municipality=179", vec![&cafe_id, &cafe_id, &cafe_id, &cafe_id]),
        (&format!("venue={tre}"), vec![&help_id]),
        ("target_group=older_people", vec![&cafe_id, &cafe_id, &cafe_id, &cafe_id]),
        ("language=sv", vec![&cafe_id, &cafe_id, &cafe_id, &cafe_id]),
        ("activity_type=support", vec![&help_id]),
        ("is_free=false", vec![&help_id]),
        ("weekday=th", vec![&help_id]),
        ("weekday=tu,th&q=digi", vec![&help_id]),
        ("collapse=series", vec![&cafe_id, &help_id]),
    ] {
        let res = app.get(&q(query)).await;
        res.assert_status(200);
        let got = series_of(&res);
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{query}");
    }
    // collapse=series gives each series' first occurrence that is not cancelled.
    let first = occurrences(&app, &p, &cafe_id).await[0]["id"].as_str().unwrap().to_owned();
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{cafe_id}/occurrences/{first}"), json!({"status": "cancelled"})),
    ))
    .await
    .assert_status(200);
    let res = app.get(&q("collapse=series")).await;
    let rows = data(&res);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[1]["series"]["id"].as_str(), rows[1]["start"].as_str()),
        (Some(cafe_id.as_str()), Some("2026-03-10T08:00:00Z"))
    );
    let res = app.get(&q("status=cancelled")).await;
    assert_eq!(data(&res).len(), 1);
    // Pages follow one another without gaps.
    let mut seen = Vec::new();
    let mut url = q("limit=2");
    loop {
        let res = app.get(&url).await;
        seen.extend(data(&res).iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        match res.json()["meta"]["next_cursor"].as_str() {
            Some(c) => url = format!("{}&cursor={c}", q("limit=2")),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    for (query, field) in [("weekday=xx", "weekday"), ("municipality=1", "municipality")] {
        assert_eq!(app.get(&q(query)).await.assert_problem(422)["errors"][0]["field"], field, "{query}");
    }
    app.get(&format!("{OCCURRENCES}?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z")).await.assert_problem(422);
}

#[actix_web::test]
async fn the_calendar_carries_the_rule_exceptions_overrides_and_zone() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let s = create(&app, &p, cafe(&p, &venue_id, "published")).await;
    let id = s["id"].as_str().unwrap();
    let all = occurrences(&app, &p, id).await;
    let second = all[1]["id"].as_str().unwrap();
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{id}/occurrences/{second}"), json!({"status": "cancelled"})),
    ))
    .await
    .assert_status(200);
    // The fourth is held at another venue: its own event, with that location.
    let (lobby, _) = venue(&app, &p, venue_body(&p, "Yhteistyöaula", "837", 23.7610, 61.4978)).await;
    let fourth = all[3]["id"].as_str().unwrap();
    app.call(
        p.request(As::Coordinator, patch(&format!("{SERIES}/{id}/occurrences/{fourth}"), json!({"venue_id": lobby}))),
    )
    .await
    .assert_status(200);
    let res = app.get(&format!("{SERIES}/{id}/calendar.ics")).await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/calendar"));
    let text = String::from_utf8(res.body.to_vec()).unwrap();
    for line in [
        &format!("UID:{id}@yhdyspinta"),
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        "DTSTART;TZID=Europe/Helsinki:20260303T100000",
        "DTEND;TZID=Europe/Helsinki:20260303T120000",
        "EXDATE;TZID=Europe/Helsinki:20260317T100000",
        "RECURRENCE-ID;TZID=Europe/Helsinki:20260310T100000",
        "STATUS:CANCELLED",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Helsinki",
        "SEQUENCE:2",
        "RECURRENCE-ID;TZID=Europe/Helsinki:20260331T100000",
        "LOCATION:Yhteistyöaula\\, Kauppakatu 1\\, Jyväskylä",
    ] {
        assert!(text.contains(line), "{line} missing in\n{text}");
    }
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
}

#[actix_web::test]
async fn costs_are_allocated_to_the_cent_and_default_from_the_venue_and_agreement() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut body = cafe(&p, &venue_id, "published");
    body["organizer_ids"] = json!([p.org, p.other_org]);
    let id = create(&app, &p, body).await["id"].as_str().unwrap().to_owned();
    accept(&app, &p, As::Outsider, &id, p.other_org).await.assert_status(200);
    let items = format!("{SERIES}/{id}/cost-items");
    let add = |body: Value| json(TestRequest::post().uri(&items), body);
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Member, 403), (As::Client, 403)], || {
        add(json!({"category": "other", "basis": "lump_sum", "amount": "1.00", "shares": [{"organization_id": p.org, "percent": "100"}]}))
    })
    .await;
    let res = app
        .call(p.request(
            As::Coordinator,
            add(json!({"category": "refreshments", "basis": "per_occurrence", "amount": "10.00",
                       "shares": [{"organization_id": p.org, "percent": "33.33"}, {"organization_id": p.other_org, "percent": "66.67"}]})),
        ))
        .await;
    res.assert_status(201);
    let res = app
        .call(p.request(
            As::Coordinator,
            add(json!({"category": "refreshments", "basis": "per_occurrence", "amount": "1.00",
                       "shares": [{"organization_id": p.org, "percent": "33.33"}, {"organization_id": p.other_org, "percent": "66.66"}]})),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "shares");
    // Rent defaults from the venue: the publisher is an NGO and the terms are free for NGOs.
    let res = app
        .call(p.request(
            As::Coordinator,
            add(json!({"category": "rent", "basis": "per_occurrence", "shares": [{"organization_id": p.org, "percent": "100"}]})),
        ))
        .await;
    res.assert_status(201);
    assert_eq!(res.json()["amount"], "0.00");
    let res = app
        .call(p.request(
            As::Coordinator,
            add(json!({"category": "materials", "basis": "per_participant", "amount": "0.10",
                       "shares": [{"organization_id": p.org, "percent": "33.33"}, {"organization_id": p.other_org, "percent": "33.33"}]})),
        ))
        .await;
    res.assert_status(422);
    // Cancel one occurrence: eight are held.
    let all = occurrences(&app, &p, &id).await;
    let second = all[1]["id"].as_str().unwrap();
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{id}/occurrences/{second}"), json!({"status": "cancelled"})),
    ))
    .await
    .assert_status(200);
    let url = format!("{SERIES}/{id}/cost-allocation?from=2026-01-01&to=2027-01-01");
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Client, 403), (As::Member, 200), (As::Outsider, 200)], || {
        TestRequest::get().uri(&url)
    })
    .await;
    let res = app.call(p.request(As::Member, TestRequest::get().uri(&url))).await;
    let a = res.json();
    assert_eq!(a["held_occurrences"], 8);
    assert_eq!(a["total"], "80.00");
    let shares = &a["items"][0]["shares"];
    assert_eq!((shares[0]["amount"].as_str(), shares[1]["amount"].as_str()), (Some("26.66"), Some("53.34")));
    let sum: f64 =
        a["organizers"].as_array().unwrap().iter().map(|o| o["amount"].as_str().unwrap().parse::<f64>().unwrap()).sum();
    assert!((sum - 80.0).abs() < 1e-9);
    app.call(p.request(
        As::Member,
        TestRequest::get().uri(&format!("{SERIES}/{id}/cost-allocation?from=2027-01-01&to=2026-01-01")),
    ))
    .await
    .assert_problem(422);
}

#[actix_web::test]
async fn coordination_documents_refer_to_series_and_venues_they_can_see() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let id = create(&app, &p, cafe(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();
    let docs = "/api/v1/coordination-documents";
    let body = |series: &str| json!({"title": "Kevätkausi", "editors": [p.org], "scope": {"kind": "event_series", "event_series_id": series}});
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(docs), body(&id)))).await;
    res.assert_status(201);
    let doc = res.json();
    assert_eq!(doc["scope"], json!({"kind": "event_series", "event_series_id": id}));
    let doc_id = doc["id"].as_str().unwrap();
    let listed = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{docs}?event_series_id={id}")))).await;
    assert_eq!(data(&listed).len(), 1);
    // Another organisation cannot point its document at our draft.
    let res = app.call(p.request(As::Outsider, json(TestRequest::post().uri(docs), json!({"title": "X", "editors": [p.other_org], "owner_organization_id": p.other_org, "scope": {"kind": "event_series", "event_series_id": id}})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "scope.event_series_id");
    let entries = format!("{docs}/{doc_id}/entries");
    let entry = |extra: Value| {
        let mut b = json!({"date": "2026-03-03", "title": "Kahvila"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json(TestRequest::post().uri(&entries), b).insert_header(("if-match", "*"))
    };
    let res = app.call(p.request(As::Coordinator, entry(json!({"event_series_id": id, "venue_id": venue_id})))).await;
    res.assert_status(201);
    assert_eq!(res.json()["venue_id"], json!(venue_id));
    let res = app.call(p.request(As::Coordinator, entry(json!({"venue_id": uuid::Uuid::now_v7()})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "venue_id");
    let res =
        app.call(p.request(As::Coordinator, TestRequest::get().uri(&format!("{entries}?venue={venue_id}")))).await;
    assert_eq!(data(&res).len(), 1);
    // Anyone may refer to a published series or a venue, so a reference does not stop its
    // owner deleting it: the reference becomes null.
    let res = app
        .call(p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("{SERIES}/{id}")).insert_header(("if-match", "*")),
        ))
        .await;
    res.assert_status(204);
    let res = app
        .call(p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("{VENUES}/{venue_id}")).insert_header(("if-match", "*")),
        ))
        .await;
    res.assert_status(204);
    let res = app.call(p.request(As::Member, TestRequest::get().uri(&entries))).await;
    assert_eq!(
        (data(&res)[0]["event_series_id"].clone(), data(&res)[0]["venue_id"].clone()),
        (Value::Null, Value::Null)
    );
    let res = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{docs}/{doc_id}")))).await;
    assert_eq!(res.json()["scope"], json!({"kind": "organizations"}));
}

#[actix_web::test]
async fn only_the_publisher_hands_over_and_shares_bind_once_agreed() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut body = cafe(&p, &venue_id, "published");
    body["organizer_ids"] = json!([p.org, p.other_org]);
    let s = create(&app, &p, body).await;
    let id = s["id"].as_str().unwrap().to_owned();
    // Before accepting, the invited organisation is not shown to the public as an organiser.
    let public = app.get(&format!("{SERIES}/{id}")).await.json();
    assert_eq!(public["organizers"], json!([{"organization_id": p.org, "accepted": true}]));
    accept(&app, &p, As::Outsider, &id, p.other_org).await.assert_status(200);
    // An organiser that accepted cannot make itself the publisher.
    let res =
        app.call(p.request(As::Outsider, patch(&format!("{SERIES}/{id}"), json!({"publisher_id": p.other_org})))).await;
    res.assert_status(403);
    // A share set by another organisation binds only once its own coordinator agrees.
    let items = format!("{SERIES}/{id}/cost-items");
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&items),
                json!({"category": "refreshments", "basis": "lump_sum", "amount": "100.00",
                       "shares": [{"organization_id": p.org, "percent": "10"}, {"organization_id": p.other_org, "percent": "90"}]}),
            ),
        ))
        .await;
    res.assert_status(201);
    let item = res.json();
    assert_eq!(item["shares"][0]["agreed"], true);
    assert_eq!(item["shares"][1]["agreed"], false);
    let allocation = format!("{SERIES}/{id}/cost-allocation?from=2026-01-01&to=2027-01-01");
    let a = app.call(p.request(As::Member, TestRequest::get().uri(&allocation))).await.json();
    assert_eq!(a["binding"], false);
    let accept = format!("{items}/{}/acceptances", item["id"].as_str().unwrap());
    let body = json!({"organization_id": p.other_org});
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Coordinator, 403), (As::Member, 403)], || {
        json(TestRequest::post().uri(&accept), body.clone()).insert_header(("if-match", "*"))
    })
    .await;
    let res = app
        .call(p.request(
            As::Outsider,
            json(TestRequest::post().uri(&accept), body.clone()).insert_header(("if-match", "*")),
        ))
        .await;
    assert_eq!(res.assert_status(200).json()["shares"][1]["agreed"], true);
    let a = app.call(p.request(As::Member, TestRequest::get().uri(&allocation))).await.json();
    assert_eq!(a["binding"], true);
    // Changing the other's percentage needs its agreement again.
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(
                &format!("{items}/{}", item["id"].as_str().unwrap()),
                json!({"shares": [{"organization_id": p.org, "percent": "5"}, {"organization_id": p.other_org, "percent": "95"}]}),
            ),
        ))
        .await;
    assert_eq!(res.assert_status(200).json()["shares"][1]["agreed"], false);
    // An organiser carrying a share cannot leave before the cost items change.
    let res =
        app.call(p.request(As::Outsider, patch(&format!("{SERIES}/{id}"), json!({"organizer_ids": [p.org]})))).await;
    res.assert_problem(409);
    // The publisher hands its role to an organiser that accepted.
    let res = app
        .call(p.request(As::Coordinator, patch(&format!("{SERIES}/{id}"), json!({"publisher_id": p.other_org}))))
        .await;
    assert_eq!(res.assert_status(200).json()["publisher_id"], json!(p.other_org));
}

#[actix_web::test]
async fn a_schedule_change_keeps_what_happened_and_odd_inputs_are_422() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let s = create(&app, &p, cafe(&p, &venue_id, "published")).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let all = occurrences(&app, &p, &id).await;
    let first = all[0]["id"].as_str().unwrap();
    let attendance = format!("{SERIES}/{id}/occurrences/{first}/attendance");
    app.call(p.request(As::Member, json(TestRequest::put().uri(&attendance), json!({"participants": 12}))))
        .await
        .assert_status(201);
    // Starting a week later would drop the first, which has attendance: 409.
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(&format!("{SERIES}/{id}"), json!({"schedule": {"start_date": "2026-03-10"}})),
        ))
        .await;
    assert!(res.assert_problem(409)["detail"].as_str().unwrap().contains("2026-03-03"));
    // UNTIL in local time is ambiguous beside a zoned start: 422.
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(&format!("{SERIES}/{id}"), json!({"schedule": {"rrule": "FREQ=WEEKLY;UNTIL=20260331"}})),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "invalid_until");
    // Times outside 1900-2199 are 422, not a database error.
    for url in [
        format!("{OCCURRENCES}?from=0001-01-01T00:00:00Z"),
        format!("{SERIES}/{id}/occurrences?to=0001-01-01T00:00:00Z"),
        format!("{VENUES}/{venue_id}/bookings?from=0001-01-01T00:00:00Z"),
    ] {
        app.get(&url).await.assert_problem(422);
    }
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(
                &format!("{SERIES}/{id}/occurrences/{first}"),
                json!({"start": "0001-01-01T02:00:00Z", "end": "0001-01-01T00:00:00Z"}),
            ),
        ))
        .await;
    // Every broken rule at once: both times out of range, and the end before the start.
    let errors = res.assert_problem(422)["errors"].clone();
    let broken: Vec<(&str, &str)> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(broken, [("end", "out_of_range"), ("end", "before_start"), ("start", "out_of_range")]);
    // A booking names an occurrence during its time only.
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{VENUES}/{venue_id}/bookings")),
                json!({"organization_id": p.org, "occurrence_id": first, "start": "2099-07-07T10:00:00Z", "end": "2099-07-07T12:00:00Z"}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "occurrence_id");
    // `updated_since` narrows the occurrence lists too.
    let later = app.get(&format!("{SERIES}/{id}/occurrences?updated_since=2100-01-01T00:00:00Z")).await;
    assert!(data(&later).is_empty());
}

#[actix_web::test]
async fn every_cost_and_booking_endpoint_refuses_outsiders() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let id = create(&app, &p, cafe(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let items = format!("{SERIES}/{id}/cost-items");
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&items),
                json!({"category": "other", "basis": "lump_sum", "amount": "5.00",
                       "shares": [{"organization_id": p.org, "percent": "100"}]}),
            ),
        ))
        .await;
    let item = format!("{items}/{}", res.assert_status(201).json()["id"].as_str().unwrap());
    let readers = [
        (As::Anonymous, 401),
        (As::Outsider, 403),
        (As::Client, 403),
        (As::Member, 200),
        (As::Coordinator, 200),
        (As::PlatformAdmin, 200),
    ];
    app.access_matrix(&p, &readers, || TestRequest::get().uri(&items)).await;
    let writers = [
        (As::Anonymous, 401),
        (As::Outsider, 403),
        (As::Client, 403),
        (As::Member, 403),
        (As::PlatformAdmin, 403),
        (As::Coordinator, 200),
    ];
    app.access_matrix(&p, &writers, || patch(&item, json!({"amount": "6.00"}))).await;
    let creators: Vec<(As, u16)> = writers.iter().map(|(w, s)| (*w, if *s == 200 { 201 } else { *s })).collect();
    app.access_matrix(&p, &creators, || {
        json(
            TestRequest::post().uri(&items),
            json!({"category": "other", "basis": "lump_sum", "amount": "1.00",
                   "shares": [{"organization_id": p.org, "percent": "100"}]}),
        )
    })
    .await;
    // Agreeing to a share is the sharing organisation's own act; platform admins do not act
    // for it.
    app.access_matrix(&p, &writers, || {
        json(TestRequest::post().uri(&format!("{item}/acceptances")), json!({"organization_id": p.org}))
            .insert_header(("if-match", "*"))
    })
    .await;
    let allocation = format!("{SERIES}/{id}/cost-allocation?from=2026-01-01&to=2027-01-01");
    app.access_matrix(&p, &readers, || TestRequest::get().uri(&allocation)).await;
    let deleters: Vec<(As, u16)> = writers.iter().map(|(w, s)| (*w, if *s == 200 { 204 } else { *s })).collect();
    app.access_matrix(&p, &deleters, || TestRequest::delete().uri(&item).insert_header(("if-match", "*"))).await;
    // A booking reads as free/busy for everyone; its details as the venue test shows.
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{VENUES}/{venue_id}/bookings")),
                json!({"organization_id": p.org, "start": "2099-09-01T10:00:00Z", "end": "2099-09-01T12:00:00Z"}),
            ),
        ))
        .await;
    let booking = format!("{VENUES}/{venue_id}/bookings/{}", res.assert_status(201).json()["id"].as_str().unwrap());
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&booking)).await;
    let res = app.get(&booking).await;
    assert!(res.json()["organization_id"].is_null());
    // Cancelling is for the booking organisation's (here also the owner's) coordinators.
    let cancellers = [
        (As::Anonymous, 401),
        (As::Outsider, 403),
        (As::Client, 403),
        (As::Member, 403),
        (As::PlatformAdmin, 403),
        (As::Coordinator, 200),
    ];
    app.access_matrix(&p, &cancellers, || TestRequest::delete().uri(&booking).insert_header(("if-match", "*"))).await;
}

#[actix_web::test]
async fn what_leaves_view_is_in_the_removals_for_those_who_saw_it() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let published = create(&app, &p, cafe(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let draft = create(&app, &p, cafe(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();
    let removals = |who: As, query: &'static str| {
        let (app, p) = (&app, &p);
        async move {
            let res = app.call(p.request(who, TestRequest::get().uri(&format!("/api/v1/removals?{query}")))).await;
            data(&res)
                .iter()
                .map(|r| {
                    (
                        r["resource_type"].as_str().unwrap().to_owned(),
                        r["resource_id"].as_str().unwrap().to_owned(),
                        r["reason"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // The schedule ends sooner: five occurrences are gone, for everyone to hear of.
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{published}"), json!({"schedule": {"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=5"}})),
    ))
    .await
    .assert_status(200);
    let gone = removals(As::Anonymous, "resource_type=event_occurrence").await;
    assert_eq!(gone.len(), 5);
    assert!(gone.iter().all(|(_, _, reason)| reason == "deleted"));
    // Set back to draft: gone from public view.
    app.call(
        p.request(As::Coordinator, patch(&format!("{SERIES}/{published}"), json!({"publication_status": "draft"}))),
    )
    .await
    .assert_status(200);
    assert_eq!(
        removals(As::Anonymous, "resource_type=event_series").await,
        vec![("event_series".to_owned(), published.clone(), "unpublished".to_owned())]
    );
    // A draft deleted: only its organisations hear of it.
    app.call(p.request(
        As::Coordinator,
        TestRequest::delete().uri(&format!("{SERIES}/{draft}")).insert_header(("if-match", "*")),
    ))
    .await
    .assert_status(204);
    let deleted = ("event_series".to_owned(), draft.clone(), "deleted".to_owned());
    assert!(!removals(As::Anonymous, "resource_type=event_series").await.contains(&deleted));
    assert!(!removals(As::Outsider, "resource_type=event_series").await.contains(&deleted));
    assert!(removals(As::Member, "resource_type=event_series").await.contains(&deleted));
    assert!(removals(As::PlatformAdmin, "resource_type=event_series").await.contains(&deleted));
    // A venue deleted, and the window of `updated_since`.
    let (other, _) = venue(&app, &p, venue_body(&p, "Kirjasto", "179", 25.7, 62.2)).await;
    app.call(p.request(
        As::Coordinator,
        TestRequest::delete().uri(&format!("{VENUES}/{other}")).insert_header(("if-match", "*")),
    ))
    .await
    .assert_status(204);
    assert_eq!(
        removals(As::Anonymous, "resource_type=venue").await,
        vec![("venue".to_owned(), other, "deleted".to_owned())]
    );
    assert!(removals(As::Anonymous, "updated_since=2100-01-01T00:00:00Z").await.is_empty());
}

#[actix_web::test]
async fn titles_that_would_break_a_calendar_and_contradictory_rules_are_422() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let post = |body: Value| p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), body));
    // A line break in a title would start a new calendar line: refused in every language.
    let mut broken = cafe(&p, &venue_id, "published");
    broken["title"] = json!({"fi": "Kahvila\r\nBEGIN:VEVENT", "sv": "Café\nEND:VCALENDAR"});
    let errors = app.call(post(broken)).await.assert_problem(422)["errors"].clone();
    let fields: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title.fi", "title.sv"]);
    // RFC 5545: COUNT and UNTIL never together.
    let mut both = cafe(&p, &venue_id, "published");
    both["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=TU;COUNT=10;UNTIL=20260601T000000Z");
    assert_eq!(app.call(post(both)).await.assert_problem(422)["errors"][0]["code"], "count_with_until");
    // A one-line title made of calendar keywords stays text: the zone is a component of its own.
    let mut hostile = cafe(&p, &venue_id, "published");
    hostile["title"] = json!({"fi": "Kahvila BEGIN:VEVENT END:VCALENDAR; NAME:x, \\ \"lainaus\""});
    let id = create(&app, &p, hostile).await["id"].as_str().unwrap().to_owned();
    let ics = app.get(&format!("{SERIES}/{id}/calendar.ics")).await;
    let text = String::from_utf8(ics.assert_status(200).body.to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VTIMEZONE").count(), 1, "{text}");
    assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1, "{text}");
    let zone = lines.iter().position(|l| *l == "BEGIN:VTIMEZONE").unwrap();
    let event = lines.iter().position(|l| *l == "BEGIN:VEVENT").unwrap();
    assert!(zone < event && lines[zone - 1].starts_with(|c: char| c.is_ascii_uppercase()), "{text}");
    // Unknown members of a cost share are refused like everywhere else.
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{SERIES}/{id}/cost-items")),
                json!({"category": "other", "basis": "lump_sum", "amount": "5.00",
                       "shares": [{"organization_id": p.org, "percent": "100", "agreed": true}]}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "shares[0].agreed");
}

#[actix_web::test]
async fn an_agreement_link_binds_no_one_beyond_what_its_parties_signed() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    // An agreement in force between the other organisation alone and no one else, public.
    let mut theirs = agreements::body("KS-2026-050", &[p.other_org]);
    theirs["visibility"] = json!("public");
    let a = agreements::create(&app, &p, As::PlatformAdmin, theirs).await;
    let theirs = a["id"].as_str().unwrap().to_owned();
    agreements::transition(&app, &p, As::PlatformAdmin, &theirs, "awaiting_signatures").await.assert_status(200);
    let hash = agreements::version_hash(&app, &p, &theirs, 1).await;
    agreements::sign(&app, &p, As::Outsider, &theirs, 1, &hash).await.assert_status(201);
    // Linking it, a non-party would lend itself the agreement's cost sharing: 422.
    let mut body = cafe(&p, &venue_id, "published");
    body["agreement_id"] = json!(theirs);
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), body.clone()))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "not_a_party");
    // An unsigned amendment naming the organisation as a party does not make it one.
    agreements::amend(&app, &p, As::Outsider, &theirs, "Uusi osapuoli").await.assert_status(200);
    let mut parties = a["parties"].clone();
    parties.as_array_mut().unwrap().push(json!({"organization_id": p.org, "roles": ["partner"], "must_sign": true}));
    app.call(
        p.request(
            As::Outsider,
            json(TestRequest::patch().uri(&format!("/api/v1/agreements/{theirs}")), json!({"parties": parties}))
                .insert_header(("if-match", "*")),
        ),
    )
    .await
    .assert_status(200);
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), body))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "not_a_party");
    // Nor is an agreement that is not in force linked.
    let draft = agreements::create(&app, &p, As::Coordinator, agreements::body("KS-2026-051", &[p.org])).await;
    let mut body = cafe(&p, &venue_id, "published");
    body["agreement_id"] = draft["id"].clone();
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(SERIES), body))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "not_in_force");

    // A party links its agreement in force (rent 4,800.00 a year, half each).
    let ours = activate(&app, &p, "KS-2026-052").await;
    let mut body = cafe(&p, &venue_id, "published");
    body["agreement_id"] = json!(ours);
    body["organizer_ids"] = json!([p.org, p.other_org]);
    let id = create(&app, &p, body).await["id"].as_str().unwrap().to_owned();
    accept(&app, &p, As::Outsider, &id, p.other_org).await.assert_status(200);
    let items = format!("{SERIES}/{id}/cost-items");
    let add = |body: Value| p.request(As::Coordinator, json(TestRequest::post().uri(&items), body));
    // The cost the parties signed is agreed by both from the agreement.
    let signed = app.call(add(json!({"category": "rent", "basis": "lump_sum", "amount": "4800.00"}))).await;
    let agreed: Vec<bool> =
        signed.assert_status(201).json()["shares"].as_array().unwrap().iter().map(|s| s["agreed"] == true).collect();
    assert_eq!(agreed, [true, true]);
    // Any other amount or basis takes the agreement's shares as a proposal only: the other
    // party has not agreed to carry 5,000.00 per occurrence.
    let more = app.call(add(json!({"category": "rent", "basis": "per_occurrence", "amount": "5000.00"}))).await;
    let shares = more.assert_status(201).json()["shares"].clone();
    let carried: Vec<(String, bool)> = shares
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["organization_id"].as_str().unwrap().to_owned(), s["agreed"] == true))
        .collect();
    assert_eq!(carried, [(p.org.to_string(), true), (p.other_org.to_string(), false)]);
    let allocation = format!("{SERIES}/{id}/cost-allocation?from=2026-01-01&to=2027-01-01");
    let a = app.call(p.request(As::Member, TestRequest::get().uri(&allocation))).await.json();
    assert_eq!(a["binding"], false);
}

#[actix_web::test]
async fn cost_items_are_capped_per_series_and_listed_in_pages() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let id = create(&app, &p, cafe(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let items = format!("{SERIES}/{id}/cost-items");
    let add = || {
        p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&items),
                json!({"category": "other", "basis": "lump_sum", "amount": "1.00",
                       "shares": [{"organization_id": p.org, "percent": "100"}]}),
            ),
        )
    };
    app.call(add()).await.assert_status(201);
    // 198 more written straight to the table, as many creates would.
    let fill = format!(
        "INSERT INTO event_series_cost_items (id, series_id, category, basis, amount_cents, shares, agreed_by) \
         SELECT gen_random_uuid(), '{id}', 'other', 'lump_sum', 100, \
                '[{{\"organization_id\": \"{org}\", \"percent\": \"100.00\"}}]', ARRAY['{org}'::uuid] \
         FROM generate_series(1, 198)",
        org = p.org
    );
    diesel_async::SimpleAsyncConnection::batch_execute(&mut *app.conn().await, &fill).await.unwrap();
    app.call(add()).await.assert_status(201);
    assert!(app.call(add()).await.assert_problem(409)["detail"].as_str().unwrap().contains("at most 200"));
    // The list pages with the shared clamp instead of answering all at once.
    let first = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{items}?limit=1000")))).await.json();
    assert_eq!(first["data"].as_array().unwrap().len(), 200);
    assert_eq!(first["meta"]["limit"], 200);
    let page = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{items}?limit=150")))).await.json();
    let cursor = page["meta"]["next_cursor"].as_str().unwrap();
    let rest =
        app.call(p.request(As::Member, TestRequest::get().uri(&format!("{items}?limit=150&cursor={cursor}")))).await;
    assert_eq!(rest.assert_status(200).json()["data"].as_array().unwrap().len(), 50);
}

#[actix_web::test]
async fn a_booked_occurrence_does_not_move_away_from_its_booking_nor_into_anothers_room() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut theirs = venue_body(&p, "Toisen sali", "179", 25.74, 62.24);
    theirs["owner_organization_id"] = json!(p.other_org);
    let res = app.call(p.request(As::Outsider, json(TestRequest::post().uri(VENUES), theirs))).await;
    let their_venue = res.assert_status(201).json()["id"].as_str().unwrap().to_owned();
    let mut body = cafe(&p, &venue_id, "published");
    let start = (chrono::Utc::now() + chrono::Duration::days(14)).date_naive();
    body["schedule"] = json!({"timezone": "Europe/Helsinki", "start_date": start, "start_time": "10:00",
                              "end_time": "12:00", "rrule": "FREQ=WEEKLY;COUNT=3"});
    let id = create(&app, &p, body).await["id"].as_str().unwrap().to_owned();
    let list = occurrences(&app, &p, &id).await;
    let (booked, free) = (&list[0], &list[1]);
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{VENUES}/{venue_id}/bookings")),
                json!({"organization_id": p.org, "occurrence_id": booked["id"], "start": booked["start"], "end": booked["end"]}),
            ),
        ))
        .await;
    let booking = res.assert_status(201).json()["id"].as_str().unwrap().to_owned();
    // Moving the booked occurrence a day on would leave its booking behind: 409 naming it.
    let url = |o: &Value| format!("{SERIES}/{id}/occurrences/{}", o["id"].as_str().unwrap());
    let later = |t: &Value| {
        (chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap() + chrono::Duration::days(1)).to_rfc3339()
    };
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(&url(booked), json!({"start": later(&booked["start"]), "end": later(&booked["end"])})),
        ))
        .await;
    assert!(res.assert_problem(409)["detail"].as_str().unwrap().contains(&booking));
    // Nor does the series' schedule or venue carry it away from the booking.
    let mut later_schedule = json!({"timezone": "Europe/Helsinki", "start_date": start, "start_time": "14:00",
                                    "end_time": "16:00", "rrule": "FREQ=WEEKLY;COUNT=3"});
    let all_day = json!({"all_day": true, "start_time": null, "end_time": null});
    for change in
        [json!({"schedule": later_schedule.take()}), json!({"schedule": all_day}), json!({"venue_id": their_venue})]
    {
        let res = app.call(p.request(As::Coordinator, patch(&format!("{SERIES}/{id}"), change))).await;
        assert!(res.assert_problem(409)["detail"].as_str().unwrap().contains(&booking));
    }
    // A booking names only an occurrence held at the booked venue.
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{VENUES}/{their_venue}/bookings")),
                json!({"organization_id": p.org, "occurrence_id": free["id"], "start": free["start"], "end": free["end"]}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "elsewhere");
    // Relocating to another organisation's room takes a booking of it for the time.
    let res = app.call(p.request(As::Coordinator, patch(&url(free), json!({"venue_id": their_venue})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "not_booked");
    app.call(p.request(
        As::Coordinator,
        json(
            TestRequest::post().uri(&format!("{VENUES}/{their_venue}/bookings")),
            json!({"organization_id": p.org, "start": free["start"], "end": free["end"]}),
        ),
    ))
    .await
    .assert_status(201);
    let res = app.call(p.request(As::Coordinator, patch(&url(free), json!({"venue_id": their_venue})))).await;
    assert_eq!(res.assert_status(200).json()["venue_id"], json!(their_venue));
}
