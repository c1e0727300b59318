use crate::support::TestApp;

#[actix_web::test]
async fn demo_data_loads_idempotently() {
    let app = TestApp::spawn().await;
    let first = yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    assert!(first >= 17 + 52, "{first}: organisations, users and memberships");
    let second = yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed again");
    assert_eq!(second, 0);

    let body = app.get("/api/v1/organizations?limit=200").await.assert_status(200).json();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 17);
    for kind in ["wellbeing_services_county", "municipality", "ngo", "parish"] {
        assert!(data.iter().any(|o| o["kind"] == kind), "no demo {kind}");
    }
    // Every demo user can sign in with the documented password.
    let res = app
        .call(crate::support::json(
            actix_web::test::TestRequest::post().uri("/api/v1/auth/token"),
            serde_json::json!({"grant_type": "password", "username": "paakayttaja@jyvaskyla.example",
                               "password": yhdyspinta::demo::DEMO_PASSWORD}),
        ))
        .await;
    let token = res.assert_status(200).json()["access_token"].as_str().unwrap().to_owned();
    let me = app
        .call(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/me")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(me.assert_status(200).json()["memberships"][0]["role"], "org_admin");

    // Keusote and its municipalities.
    let keusote = app.get("/api/v1/organizations?wellbeing_county=02").await.json();
    assert!(keusote["data"].as_array().unwrap().len() >= 4);
}

#[actix_web::test]
async fn demo_agreements_follow_the_operating_models() {
    use actix_web::test::TestRequest;
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    // The Keski-Suomi meeting-place agreement is public, active and documents all five principles.
    let public = app.get("/api/v1/agreements?ci_principles=complete").await.assert_status(200).json();
    let ks = &public["data"][0];
    assert_eq!(ks["code"], "KS-2026-014");
    assert_eq!(ks["status"], "active");
    assert_eq!(ks["current_version"], 1);
    assert_eq!(ks["parties"].as_array().unwrap().len(), 5);
    assert!(
        ks["parties"].as_array().unwrap().iter().all(|p| p["contact_ids"].as_array().unwrap().is_empty()),
        "contacts hidden from anonymous"
    );
    // Demo dates keep their place relative to the seeding day (see `demo::agreement_date`).
    assert_eq!(ks["review"]["next_due"], yhdyspinta::demo::agreement_date(2027, 11, 10).unwrap().to_string());

    // Keusote's agreement with the subsidised NGO is in negotiation, visible to its parties only.
    assert_eq!(app.get("/api/v1/agreements?status=negotiation").await.json()["data"].as_array().unwrap().len(), 0);
    let login = app
        .call(crate::support::json(
            TestRequest::post().uri("/api/v1/auth/token"),
            serde_json::json!({"grant_type": "password", "username": "koordinaattori@hyvaarki.example",
                               "password": yhdyspinta::demo::DEMO_PASSWORD}),
        ))
        .await
        .json();
    let bearer = ("authorization", format!("Bearer {}", login["access_token"].as_str().unwrap()));
    let mine = app
        .call(TestRequest::get().uri("/api/v1/agreements?status=negotiation").insert_header(bearer.clone()))
        .await
        .json();
    let ku = &mine["data"][0];
    assert_eq!(ku["code"], "KU-2026-003");
    assert!(ku["parties"].as_array().unwrap().iter().any(|p| p["roles"] == serde_json::json!(["subsidised_ngo"])));
    let reviews = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/agreements/{}/reviews", ku["id"].as_str().unwrap()))
                .insert_header(bearer),
        )
        .await
        .json();
    assert_eq!(reviews["data"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn agreements_are_found_by_their_code() {
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    for uri in ["/api/v1/agreements?code=ks-2026-014", "/api/v1/agreements?q=KS-2026-014"] {
        let body = app.get(uri).await.assert_status(200).json();
        let codes: Vec<&str> = body["data"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
        assert_eq!(codes, vec!["KS-2026-014"], "{uri}");
    }
    let body = app.get("/api/v1/agreements?code=KS-2099-001").await.assert_status(200).json();
    assert_eq!(body["data"], serde_json::json!([]));
}

#[actix_web::test]
async fn the_meeting_place_coordination_document_has_a_season_edited_by_three_organisations() {
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    let res = app
        .call(crate::support::json(
            actix_web::test::TestRequest::post().uri("/api/v1/auth/token"),
            serde_json::json!({"grant_type": "password", "username": "jasen@seniorikammari.example",
                               "password": yhdyspinta::demo::DEMO_PASSWORD}),
        ))
        .await;
    let bearer =
        ("authorization", format!("Bearer {}", res.assert_status(200).json()["access_token"].as_str().unwrap()));
    let get = |uri: String| app.call(actix_web::test::TestRequest::get().uri(&uri).insert_header(bearer.clone()));
    let docs = get("/api/v1/coordination-documents".into()).await.assert_status(200).json();
    let doc = &docs["data"][0];
    assert_eq!(doc["scope"]["kind"], "agreement");
    let accepted: Vec<bool> =
        doc["editors"].as_array().unwrap().iter().map(|e| e["accepted"].as_bool().unwrap()).collect();
    assert_eq!(accepted.iter().filter(|a| **a).count(), 3, "{doc}");
    let id = doc["id"].as_str().unwrap();
    let entries = get(format!("/api/v1/coordination-documents/{id}/entries")).await.json();
    let statuses: Vec<&str> =
        entries["data"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 7);
    assert!(statuses.contains(&"done") && statuses.contains(&"cancelled") && statuses.contains(&"planned"));
    let revisions = get(format!("/api/v1/coordination-documents/{id}/revisions?limit=200")).await.json();
    let authors: std::collections::BTreeSet<String> =
        revisions["data"].as_array().unwrap().iter().map(|r| r["actor"]["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(authors.len(), 3, "{authors:?}");
    let csv = get(format!("/api/v1/coordination-documents/{id}/export.csv?dialect=fi")).await;
    assert!(String::from_utf8_lossy(&csv.assert_status(200).body).contains("Seniorikahvila"));
}

#[actix_web::test]
async fn demo_meeting_places_have_series_occurrences_attendance_and_costs() {
    use actix_web::test::TestRequest;
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    let lobbies = app.get("/api/v1/venues?kind=collaboration_lobby&municipality=837").await.assert_status(200).json();
    assert_eq!(lobbies["data"].as_array().unwrap().len(), 2);
    let olotila = app.get("/api/v1/venues?q=olotila").await.json()["data"][0]["id"].as_str().unwrap().to_owned();
    let series = app.get(&format!("/api/v1/event-series?venue={olotila}")).await.json();
    let titles: Vec<&str> =
        series["data"].as_array().unwrap().iter().map(|s| s["title"]["fi"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["Seniorikahvila", "Digiapu: kysy kännykästä ja tietokoneesta", "Ikäihmisten viikon hyvinvointitori"]
    );
    let cafe = &series["data"][0];
    let cafe_id = cafe["id"].as_str().unwrap();
    // The county is invited, not an organiser yet.
    assert_eq!(cafe["organizers"].as_array().unwrap().iter().filter(|o| o["accepted"] == true).count(), 2);
    // What is on in Keski-Suomi in the autumn: the café weekly, one cancelled and one moved.
    // The demo's events move on with the weeks since it was written.
    let (from, to) =
        (yhdyspinta::demo::event_date(2026, 9, 1).unwrap(), yhdyspinta::demo::event_date(2026, 11, 1).unwrap());
    let autumn = app
        .get(&format!("/api/v1/occurrences?wellbeing_county=15&from={from}T00:00:00Z&to={to}T00:00:00Z&limit=200"))
        .await
        .json();
    let rows = autumn["data"].as_array().unwrap();
    assert!(rows.iter().any(|o| o["status"] == "cancelled"));
    assert!(rows.iter().any(|o| o["moved"] == true));
    assert_eq!(rows.iter().filter(|o| o["series"]["id"] == cafe_id).count(), 9);
    // Attendance is recorded for the past, and costs are shared.
    let login = |email: &str| {
        let email = email.to_owned();
        let app = &app;
        async move {
            let res = app
                .call(crate::support::json(
                    TestRequest::post().uri("/api/v1/auth/token"),
                    serde_json::json!({"grant_type": "password", "username": email, "password": yhdyspinta::demo::DEMO_PASSWORD}),
                ))
                .await;
            res.json()["access_token"].as_str().unwrap().to_owned()
        }
    };
    let token = login("koordinaattori@seniorikammari.example").await;
    let first = rows.iter().find(|o| o["series"]["id"] == cafe_id).unwrap()["id"].as_str().unwrap();
    let res = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/event-series/{cafe_id}/occurrences/{first}/attendance"))
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert!(res.assert_status(200).json()["participants"].as_i64().unwrap() >= 18);
    let res = app
        .call(
            TestRequest::get()
                .uri(&format!("/api/v1/event-series/{cafe_id}/cost-allocation?from={from}&to={to}"))
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    let allocation = res.assert_status(200).json();
    assert_eq!(allocation["held_occurrences"], 8);
    assert_eq!(allocation["total"], "100.00");
    let calendar = app.get(&format!("/api/v1/event-series/{cafe_id}/calendar.ics")).await;
    let text = String::from_utf8(calendar.assert_status(200).body.to_vec()).unwrap();
    assert_eq!(text.matches("RECURRENCE-ID").count(), 2);
}

#[actix_web::test]
async fn demo_meeting_place_indicators_have_targets_and_two_years_of_values() {
    use chrono::Datelike;
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    let listed = app.get("/api/v1/indicators?source=reported").await.json();
    let codes: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 2, "the partner organisations' indicator is for partners only: {codes:?}");
    let find = |code: &str| {
        listed["data"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let year = chrono::Utc::now().year();
    let lonely = app.get(&format!("/api/v1/indicators/{}/series?area=179", find("KS_LONELY_65"))).await.json();
    let points = lonely["points"].as_array().unwrap();
    assert_eq!(points.len(), 3, "{lonely}");
    assert_eq!(points[0]["period"]["code"], (year - 2).to_string());
    assert_eq!(
        (&points[0]["actual"], &points[0]["baseline"]),
        (&serde_json::json!("11.8"), &serde_json::json!("11.8"))
    );
    assert_eq!((&points[1]["actual"], &points[1]["target"]), (&serde_json::json!("10.5"), &serde_json::json!("11.0")));
    assert_eq!((&points[2]["actual"], &points[2]["target"]), (&serde_json::Value::Null, &serde_json::json!("10.0")));
    let participants = find("KS_PARTICIPANTS_MONTH");
    let jyvaskyla = yhdyspinta::demo::ids::JYVASKYLA;
    let monthly = app.get(&format!("/api/v1/indicators/{participants}/series?organization={jyvaskyla}")).await.json();
    assert_eq!(monthly["points"].as_array().unwrap().len(), 23, "24 months, the newest awaiting approval");

    // The platform indicators count the demo's own records: its agreements in force this
    // month, and the meeting places' occurrences held.
    let platform = app.get("/api/v1/indicators?source=platform&limit=100").await.json();
    let platform = platform["data"].as_array().unwrap();
    assert_eq!(platform.len(), 12);
    let id = |code: &str| platform.iter().find(|i| i["code"] == code).unwrap()["id"].as_str().unwrap().to_owned();
    let series = app.get(&format!("/api/v1/indicators/{}/series", id("PLATFORM_AGREEMENTS_IN_FORCE"))).await.json();
    let newest = series["points"].as_array().unwrap().last().cloned().unwrap();
    assert!(newest["actual"].as_str().unwrap().parse::<i64>().unwrap() >= 1, "{series}");
    let held = app.get(&format!("/api/v1/indicators/{}/series", id("PLATFORM_OCCURRENCES_HELD"))).await.json();
    let total: i64 =
        held["points"].as_array().unwrap().iter().map(|p| p["actual"].as_str().unwrap().parse::<i64>().unwrap()).sum();
    assert!(total > 0, "{held}");
    // Seeding again computes nothing new.
    assert_eq!(yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed"), 0);
}

#[actix_web::test]
async fn demo_lobbies_have_a_year_of_phenomenon_reports() {
    let app = TestApp::spawn().await;
    yhdyspinta::demo::seed(&mut *app.conn().await, &app.keys).await.expect("seed");
    use chrono::Datelike;
    let this_month = chrono::Utc::now().date_naive().with_day(1).unwrap();
    let (from, to) = (this_month - chrono::Months::new(12), this_month + chrono::Months::new(1));
    let summary = app.get(&format!("/api/v1/phenomena/summary?group_by=theme&from={from}&to={to}")).await.json();
    let groups = summary["data"].as_array().unwrap();
    let loneliness = groups.iter().find(|g| g["theme"] == "loneliness").unwrap();
    assert_eq!(loneliness["count"], serde_json::Value::Null, "four reports are under the threshold: {summary}");
    assert!(groups.len() >= 6, "{summary}");
}
