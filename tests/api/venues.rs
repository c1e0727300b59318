//! Venues and bookings: public reads, the owner's coordinators keep the record, filters
//! (area, kind, accessibility, bounding box, distance), and bookings that can never overlap.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::venues::{VENUES, venue, venue_body};
use crate::support::{As, Personas, TestApp, all, json};

fn ids(res: &crate::support::TestResponse) -> Vec<String> {
    res.json()["data"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn venues_are_public_and_kept_by_the_owners_coordinators() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&format!("{VENUES}/{id}"))).await;
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(VENUES)).await;
    let writers = [
        (As::Anonymous, 401),
        (As::Outsider, 403),
        (As::Member, 403),
        (As::Client, 403),
        (As::ClientWithoutScope, 403),
        // A platform admin acts for an organisation only through a membership: it neither
        // edits, creates (with someone else as owner) nor deletes a venue.
        (As::PlatformAdmin, 403),
        (As::Coordinator, 200),
        (As::OrgAdmin, 200),
    ];
    app.access_matrix(&p, &writers, || {
        json(TestRequest::patch().uri(&format!("{VENUES}/{id}")), json!({"capacity": 30}))
            .insert_header(("if-match", "*"))
    })
    .await;
    let creators: Vec<(As, u16)> = writers.iter().map(|(w, s)| (*w, if *s == 200 { 201 } else { *s })).collect();
    app.access_matrix(&p, &creators, || {
        json(TestRequest::post().uri(VENUES), venue_body(&p, "Uusi", "179", 25.7, 62.2))
    })
    .await;
    // Authorisation comes before validation: an outsider's broken body is 403, not 422.
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Coordinator, 422)], || {
        let mut body = venue_body(&p, "Rikki", "179", 25.7, 62.2);
        body["capacity"] = json!(0);
        json(TestRequest::post().uri(VENUES), body)
    })
    .await;
    // Another organisation's coordinator cannot move the venue to themselves either.
    let res = app
        .call(
            p.request(
                As::Coordinator,
                json(
                    TestRequest::patch().uri(&format!("{VENUES}/{id}")),
                    json!({"owner_organization_id": p.other_org}),
                )
                .insert_header(("if-match", "*")),
            ),
        )
        .await;
    res.assert_status(403);
    for who in [As::Outsider, As::PlatformAdmin] {
        let res = app
            .call(p.request(who, TestRequest::delete().uri(&format!("{VENUES}/{id}")).insert_header(("if-match", "*"))))
            .await;
        res.assert_status(403);
    }
    let res = app
        .call(p.request(
            As::Coordinator,
            TestRequest::delete().uri(&format!("{VENUES}/{id}")).insert_header(("if-match", "*")),
        ))
        .await;
    res.assert_status(204);
    app.get(&format!("{VENUES}/{id}")).await.assert_status(404);
}

#[actix_web::test]
async fn broken_venues_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"address": {"municipality_code": "999"}}), "address.municipality_code"),
        (json!({"address": {"municipality_code": "179", "postal_code": "4010"}}), "address.postal_code"),
        (json!({"position": {"lon": 190.0, "lat": 62.0}}), "position.lon"),
        (json!({"accessibility": ["teleporter"]}), "accessibility[0]"),
        (
            json!({"opening_hours": {"rules": [{"weekdays": ["mo"], "opens": "16:00", "closes": "09:00"}]}}),
            "opening_hours.rules[0].closes",
        ),
        (
            json!({"opening_hours": {"exceptions": [{"date": "2026-12-24", "closed": true, "opens": "10:00"}]}}),
            "opening_hours.exceptions[0].closed",
        ),
        (json!({"images": [{"url": "ftp://x"}]}), "images[0].url"),
    ];
    for (patch, field) in cases {
        let mut body = venue_body(&p, "Rikki", "179", 25.7, 62.2);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(VENUES), body))).await;
        let problem = res.assert_problem(422);
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{field}: {problem}");
    }

    // Every broken field rule and rule between fields of one body comes back in one 422.
    let mut body = venue_body(&p, "Rikki", "179", 25.7, 62.2);
    body["position"] = json!({"lon": 190.0, "lat": 62.0});
    body["address"]["postal_code"] = json!("4010");
    body["opening_hours"] = json!({"rules": [{"weekdays": ["mo"], "opens": "16:00", "closes": "09:00"}]});
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(VENUES), body))).await;
    let problem = res.assert_problem(422);
    let mut fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["address.postal_code", "opening_hours.rules[0].closes", "position.lon"], "{problem}");

    // A minimal body is a valid venue: defaults never make it invalid, and rent is optional.
    let minimal = json!({"name": {"fi": "Pieni tila"}, "kind": "meeting_place",
        "owner_organization_id": p.org, "address": {"municipality_code": "179"}});
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(VENUES), minimal.clone()))).await;
    res.assert_status(201);
    let mut free_for_ngos = minimal;
    free_for_ngos["premises_terms"] = json!("free_for_ngos");
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(VENUES), free_for_ngos))).await;
    res.assert_status(201);
}

#[actix_web::test]
async fn venues_are_found_by_area_kind_accessibility_box_and_distance() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    // Jyväskylä centre, 1.1 km away, Tampere (Pirkanmaa), and one without a position.
    let (centre, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut near = venue_body(&p, "Kirjasto", "179", 25.7350, 62.2350);
    near["kind"] = json!("library");
    // The owner names another organisation as operator, without that organisation's say.
    near["operator_organization_id"] = json!(p.other_org);
    near["accessibility"] = json!(["wheelchair"]);
    let (library, _) = venue(&app, &p, near).await;
    let (tampere, _) = venue(&app, &p, venue_body(&p, "Yhteistyöaula", "837", 23.7610, 61.4978)).await;
    let mut nowhere = venue_body(&p, "Kotikäynti", "179", 0.0, 0.0);
    nowhere["position"] = Value::Null;
    let (unplaced, _) = venue(&app, &p, nowhere).await;

    let found = |q: &'static str| {
        let app = &app;
        async move {
            let res = app.get(&format!("{VENUES}?{q}")).await;
            res.assert_status(200);
            ids(&res)
        }
    };
    assert_eq!(found("municipality=837").await, vec![tampere.clone()]);
    assert_eq!(found("wellbeing_county=15").await, vec![centre.clone(), library.clone(), unplaced.clone()]);
    assert_eq!(found("kind=library").await, vec![library.clone()]);
    // Naming is not consent: the venue is listed under its owner, not under the named operator.
    let owned = app.get(&format!("{VENUES}?organization={}", p.org)).await.assert_status(200).json()["data"].clone();
    assert_eq!(owned.as_array().unwrap().len(), 4);
    let operated = app.get(&format!("{VENUES}?organization={}", p.other_org)).await;
    assert!(operated.assert_status(200).json()["data"].as_array().unwrap().is_empty());
    assert_eq!(
        found("accessibility=wheelchair,induction_loop").await,
        vec![centre.clone(), tampere.clone(), unplaced.clone()]
    );
    assert_eq!(found("bbox=25.7,62.2,25.8,62.3").await, vec![centre.clone(), library.clone()]);
    assert_eq!(found("q=olot").await, vec![centre.clone()]);
    // Nearest first, within the radius, with the distance.
    let res = app.get(&format!("{VENUES}?near=25.7350,62.2350&radius_m=5000")).await;
    assert_eq!(ids(&res), vec![library.clone(), centre.clone()]);
    let d = res.json()["data"][1]["distance_m"].as_f64().unwrap();
    assert!((1000.0..1300.0).contains(&d), "{d}");
    assert_eq!(found("near=25.7350,62.2350&radius_m=100").await, vec![library.clone()]);
    // Pages of the distance order continue where they left off.
    let first = app.get(&format!("{VENUES}?near=25.7350,62.2350&radius_m=500000&limit=1")).await;
    let cursor = first.json()["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let second = app.get(&format!("{VENUES}?near=25.7350,62.2350&radius_m=500000&limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&second), vec![centre.clone()]);
    for (q, field) in [
        ("bbox=1,2,3", "bbox"),
        ("near=200,1", "near"),
        ("radius_m=5", "radius_m"),
        ("accessibility=x", "accessibility"),
    ] {
        let problem = app.get(&format!("{VENUES}?{q}")).await.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{q}");
    }
}

fn booking(p: &Personas, start: &str, end: &str) -> Value {
    json!({"organization_id": p.org, "start": start, "end": end, "note": "Seniorikahvila"})
}

#[actix_web::test]
async fn overlapping_bookings_are_refused_even_when_concurrent_and_name_the_holder() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let url = format!("{VENUES}/{id}/bookings");
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-09-01T10:00:00Z", "2099-09-01T12:00:00Z")),
        ))
        .await;
    res.assert_status(201);
    let first = res.json();
    // The persona organisation is an NGO: free under `free_for_ngos`.
    assert_eq!(first["rent"], "0.00");
    // Outsiders see the times only: that copy has an ETag of its own, so the booking
    // organisation revalidating with it gets the details, not a 304.
    let uri = format!("{url}/{}", first["id"].as_str().unwrap());
    let busy = app.get(&uri).await.assert_status(200).json();
    assert!(busy["organization_id"].is_null() && busy["note"].is_null(), "{busy}");
    let busy_tag = app.get(&uri).await.header("etag").unwrap().to_owned();
    assert!(busy_tag.ends_with("-busy\""), "{busy_tag}");
    let full = app
        .call(p.request(As::Member, TestRequest::get().uri(&uri).insert_header(("if-none-match", busy_tag.as_str()))))
        .await;
    full.assert_status(200);
    assert_eq!(full.json()["organization_id"], json!(p.org));
    assert_ne!(full.header("etag").unwrap(), busy_tag);
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-09-01T11:00:00Z", "2099-09-01T13:00:00Z")),
        ))
        .await;
    let problem = res.assert_problem(409);
    assert_eq!(problem["conflicting"], format!("{url}/{}", first["id"].as_str().unwrap()));
    // Back to back is fine.
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-09-01T12:00:00Z", "2099-09-01T13:00:00Z")),
        ))
        .await;
    res.assert_status(201);

    // Twelve concurrent requests for one slot: exactly one wins.
    let attempts = (0..12).map(|_| {
        app.call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-10-01T10:00:00Z", "2099-10-01T12:00:00Z")),
        ))
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 11, "{statuses:?}");

    // Others see when the venue is taken, not by whom.
    let res = app.get(&url).await;
    let data = res.json()["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 3);
    assert!(data.iter().all(|b| b["organization_id"].is_null() && b["note"].is_null() && b["rent"].is_null()));
    let mine = app.call(p.request(As::Member, TestRequest::get().uri(&url))).await;
    assert_eq!(mine.json()["data"][0]["organization_id"], json!(p.org));

    // Booking for another organisation is refused; cancelling frees the time.
    let mut theirs = booking(&p, "2099-11-01T10:00:00Z", "2099-11-01T12:00:00Z");
    theirs["organization_id"] = json!(p.other_org);
    app.call(p.request(As::Coordinator, json(TestRequest::post().uri(&url), theirs))).await.assert_status(403);
    // Platform admins do not book for organisations either.
    let res = app
        .call(p.request(
            As::PlatformAdmin,
            json(TestRequest::post().uri(&url), booking(&p, "2099-11-02T10:00:00Z", "2099-11-02T12:00:00Z")),
        ))
        .await;
    res.assert_status(403);
    let first_url = format!("{url}/{}", first["id"].as_str().unwrap());
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403)], || {
        TestRequest::delete().uri(&first_url).insert_header(("if-match", "*"))
    })
    .await;
    let res = app
        .call(p.request(As::Coordinator, TestRequest::delete().uri(&first_url).insert_header(("if-match", "\"1\""))))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "cancelled");
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-09-01T10:30:00Z", "2099-09-01T11:30:00Z")),
        ))
        .await;
    res.assert_status(201);
    // Broken ranges are 422, and so is a booking dated in the past (it would only lock the
    // venue's record).
    for (start, end, field) in [
        ("2020-01-01T10:00:00Z", "2020-01-01T12:00:00Z", "start"),
        ("1900-01-01T10:00:00Z", "1900-01-01T12:00:00Z", "start"),
        ("2099-09-02T12:00:00Z", "2099-09-02T10:00:00Z", "end"),
        ("2099-09-02T12:00:00Z", "2026-12-02T10:00:00Z", "end"),
    ] {
        let res =
            app.call(p.request(As::Coordinator, json(TestRequest::post().uri(&url), booking(&p, start, end)))).await;
        assert_eq!(res.assert_problem(422)["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn rent_follows_the_venue_terms() {
    use yhdyspinta::domain::organizations::OrganizationKind;
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    // A municipality's coordinator books the same venue: it pays the rent.
    let city = crate::support::fixtures::organization("Jyväskylän kaupunki", OrganizationKind::Municipality);
    let city_id = city.0;
    let mut conn = app.conn().await;
    crate::support::fixtures::insert(&mut conn, vec![city]).await;
    drop(conn);
    let coordinator = crate::support::member_token(&app, city_id, "coordinator").await;
    let res = app
        .call(
            json(
                TestRequest::post().uri(&format!("{VENUES}/{id}/bookings")),
                json!({"organization_id": city_id, "start": "2099-09-01T10:00:00Z", "end": "2099-09-01T12:00:00Z"}),
            )
            .insert_header(("authorization", format!("Bearer {coordinator}"))),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.json()["rent"], "40.00");
}

#[actix_web::test]
async fn what_holds_a_venue_is_named_and_cancelled_bookings_do_not() {
    use crate::resources::event_series::{SERIES, cafe};
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    // Another organisation's draft at the venue, which the owner cannot see.
    let mut draft = cafe(&p, &id, "draft");
    draft["publisher_id"] = json!(p.other_org);
    draft["organizer_ids"] = json!([p.other_org]);
    let res = app.call(p.request(As::Outsider, json(TestRequest::post().uri(SERIES), draft))).await;
    let series = format!("{SERIES}/{}", res.assert_status(201).json()["id"].as_str().unwrap());
    app.call(p.request(As::Coordinator, TestRequest::get().uri(&series))).await.assert_problem(404);
    let delete = || TestRequest::delete().uri(&format!("{VENUES}/{id}")).insert_header(("if-match", "*"));
    let held = app.call(p.request(As::Coordinator, delete())).await.assert_problem(409);
    assert!(held["detail"].as_str().unwrap().contains("1 event series of Muu ry"), "{held}");
    app.call(p.request(As::Outsider, TestRequest::delete().uri(&series).insert_header(("if-match", "*"))))
        .await
        .assert_status(204);
    // A cancelled booking holds no time and no venue.
    let url = format!("{VENUES}/{id}/bookings");
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(&url), booking(&p, "2099-09-01T10:00:00Z", "2099-09-01T12:00:00Z")),
        ))
        .await;
    let booked = format!("{url}/{}", res.assert_status(201).json()["id"].as_str().unwrap());
    let held = app.call(p.request(As::Coordinator, delete())).await.assert_problem(409);
    assert!(held["detail"].as_str().unwrap().contains("1 confirmed bookings"), "{held}");
    app.call(p.request(As::Coordinator, TestRequest::delete().uri(&booked).insert_header(("if-match", "*"))))
        .await
        .assert_status(200);
    app.call(p.request(As::Coordinator, delete())).await.assert_status(204);
}

#[actix_web::test]
async fn the_audit_log_hides_a_bookings_occurrence_from_the_venue_owner_as_the_booking_does() {
    use crate::resources::event_series::{SERIES, cafe};
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    // The other organisation's draft meets at the venue in two weeks; it books the room for it.
    let mut draft = cafe(&p, &id, "draft");
    draft["publisher_id"] = json!(p.other_org);
    draft["organizer_ids"] = json!([p.other_org]);
    let start = (chrono::Utc::now() + chrono::Duration::days(14)).date_naive();
    draft["schedule"] = json!({"timezone": "Europe/Helsinki", "start_date": start, "start_time": "10:00",
                               "end_time": "12:00", "rrule": "FREQ=WEEKLY;COUNT=2"});
    let res = app.call(p.request(As::Outsider, json(TestRequest::post().uri(SERIES), draft))).await;
    let series = res.assert_status(201).json()["id"].as_str().unwrap().to_owned();
    let occurrences = app
        .call(p.request(As::Outsider, TestRequest::get().uri(&format!("{SERIES}/{series}/occurrences"))))
        .await
        .json();
    let first = &occurrences["data"][0];
    let res = app
        .call(p.request(
            As::Outsider,
            json(
                TestRequest::post().uri(&format!("{VENUES}/{id}/bookings")),
                json!({"organization_id": p.other_org, "occurrence_id": first["id"], "start": first["start"], "end": first["end"]}),
            ),
        ))
        .await;
    let booking = res.assert_status(201).json()["id"].as_str().unwrap().to_owned();
    let entry = |who: As| {
        let app = &app;
        let p = &p;
        let booking = booking.clone();
        async move {
            let log = app
                .call(p.request(who, TestRequest::get().uri("/api/v1/audit-log?resource_type=venue_booking")))
                .await
                .json();
            log["data"].as_array().unwrap().iter().find(|e| e["resource_id"] == booking.as_str()).cloned().unwrap()
        }
    };
    // The venue owner's admin reads the entry (it concerns the venue) but not the occurrence.
    let owners = entry(As::OrgAdmin).await;
    assert!(owners["diff"]["after"].get("occurrence_id").is_none(), "{owners}");
    assert_eq!(owners["diff"]["after"]["organization_id"], json!(p.other_org));
    // The booking organisation's admin sees it, as the booking view shows it.
    let bookers = entry(As::Outsider).await;
    assert_eq!(bookers["diff"]["after"]["occurrence_id"], first["id"]);
}
