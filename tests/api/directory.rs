//! The change feed: a mirror that applies it page by page ends identical to the public API,
//! also while writes go on and when a transaction commits after one that began later; only
//! public changes appear; old cursors are 410.

use std::collections::BTreeMap;

use actix_web::test::TestRequest;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::event_series::{SERIES, cafe, create, data, patch};
use crate::resources::indicators;
use crate::resources::venues::{VENUES, venue, venue_body};
use crate::support::{As, Personas, TestApp, all};

const CHANGES: &str = "/api/v1/directory/changes";

/// A weekly series of five, starting next week: dated from today, so it never ages.
fn series_body(p: &Personas, venue: &str, status: &str) -> Value {
    let mut body = cafe(p, venue, status);
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(7);
    body["schedule"]["start_date"] = json!(start.to_string());
    body["schedule"]["rrule"] = json!("FREQ=WEEKLY;COUNT=5");
    body["schedule"]["exdates"] = json!([]);
    body
}

/// Where a change's resource is read anonymously.
fn public_url(change: &Value) -> String {
    let id = change["id"].as_str().unwrap();
    match change["type"].as_str().unwrap() {
        "organization" => format!("/api/v1/organizations/{id}"),
        "venue" => format!("{VENUES}/{id}"),
        "event_series" => format!("{SERIES}/{id}"),
        "event_occurrence" => format!("{SERIES}/{}/occurrences/{id}", change["series_id"].as_str().unwrap()),
        "indicator" => format!("/api/v1/indicators/{id}"),
        "observation" => format!("/api/v1/observations/{id}"),
        "network" => format!("/api/v1/networks/{id}"),
        other => panic!("unknown type {other}"),
    }
}

/// A directory that follows the feed: (type, id) → the public representation.
#[derive(Default)]
struct Mirror {
    cursor: Option<String>,
    last_seq: i64,
    items: BTreeMap<(String, String), Value>,
    /// Occurrence id → its series, so that a series' delete takes its occurrences.
    series_of: BTreeMap<String, String>,
    applied: usize,
}

impl Mirror {
    /// Reads and applies pages until the feed says no more are ready.
    async fn pull(&mut self, app: &TestApp, limit: usize) {
        loop {
            let after = self.cursor.as_ref().map(|c| format!("&after={c}")).unwrap_or_default();
            let res = app.get(&format!("{CHANGES}?limit={limit}{after}")).await;
            res.assert_status(200);
            let page = res.json();
            for change in page["data"].as_array().unwrap() {
                let seq = change["seq"].as_i64().unwrap();
                assert!(seq > self.last_seq, "positions strictly increase: {seq} after {}", self.last_seq);
                self.last_seq = seq;
                self.apply(app, change).await;
            }
            self.cursor = Some(page["meta"]["next_cursor"].as_str().unwrap().to_owned());
            if !page["meta"]["has_more"].as_bool().unwrap() {
                return;
            }
        }
    }

    async fn apply(&mut self, app: &TestApp, change: &Value) {
        self.applied += 1;
        let kind = change["type"].as_str().unwrap().to_owned();
        let id = change["id"].as_str().unwrap().to_owned();
        if change["op"] == "delete" {
            self.items.remove(&(kind.clone(), id.clone()));
            if kind == "event_series" {
                let gone: Vec<String> =
                    self.series_of.iter().filter(|(_, s)| **s == id).map(|(o, _)| o.clone()).collect();
                for occurrence in gone {
                    self.items.remove(&("event_occurrence".to_owned(), occurrence.clone()));
                    self.series_of.remove(&occurrence);
                }
            }
            return;
        }
        let res = app.get(&public_url(change)).await;
        match res.status.as_u16() {
            200 => {
                if kind == "event_occurrence" {
                    self.series_of.insert(id.clone(), change["series_id"].as_str().unwrap().to_owned());
                }
                self.items.insert((kind, id), res.json());
            }
            // Gone again since: a later change in the feed says so.
            404 => {
                self.items.remove(&(kind, id));
            }
            other => panic!("reading {} gave {other}", public_url(change)),
        }
    }
}

/// Every public list, read anonymously, each item by its own URL.
async fn public_state(app: &TestApp) -> BTreeMap<(String, String), Value> {
    async fn ids(app: &TestApp, list: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cursor = String::new();
        loop {
            let res = app.get(&format!("{list}{}limit=200{cursor}", if list.contains('?') { "&" } else { "?" })).await;
            res.assert_status(200);
            ids.extend(data(&res).iter().map(|i| i["id"].as_str().unwrap().to_owned()));
            match res.json()["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return ids,
            }
        }
    }
    let mut state = BTreeMap::new();
    for (kind, list, item) in [
        ("organization", "/api/v1/organizations", "/api/v1/organizations"),
        ("venue", VENUES, VENUES),
        ("event_series", SERIES, SERIES),
        ("indicator", "/api/v1/indicators", "/api/v1/indicators"),
        ("observation", "/api/v1/observations", "/api/v1/observations"),
        ("network", "/api/v1/networks", "/api/v1/networks"),
    ] {
        for id in ids(app, list).await {
            let res = app.get(&format!("{item}/{id}")).await;
            state.insert((kind.to_owned(), id), res.json());
        }
    }
    let series: Vec<String> =
        state.keys().filter(|(kind, _)| kind == "event_series").map(|(_, id)| id.clone()).collect();
    for s in series {
        for id in ids(app, &format!("{SERIES}/{s}/occurrences")).await {
            let res = app.get(&format!("{SERIES}/{s}/occurrences/{id}")).await;
            state.insert(("event_occurrence".to_owned(), id), res.json());
        }
    }
    state
}

fn assert_mirrors(mirror: &Mirror, public: &BTreeMap<(String, String), Value>) {
    let missing: Vec<_> = public.keys().filter(|k| !mirror.items.contains_key(*k)).collect();
    let extra: Vec<_> = mirror.items.keys().filter(|k| !public.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?} {:?}",
        missing.iter().map(|k| public[*k].to_string()).collect::<Vec<_>>()
    );
    for (key, value) in public {
        assert_eq!(&mirror.items[key], value, "{key:?}");
    }
}

#[actix_web::test]
async fn a_mirror_following_the_feed_ends_identical_to_the_public_api_while_writes_go_on() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let series = create(&app, &p, series_body(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let mut mirror = Mirror::default();
    mirror.pull(&app, 7).await;
    assert_mirrors(&mirror, &public_state(&app).await);

    // Writes go on while the mirror reads small pages.
    let writes = async {
        let coordinator = |req| p.request(As::Coordinator, req);
        let (other_venue, _) = venue(&app, &p, venue_body(&p, "Kirjasto", "179", 25.74, 62.24)).await;
        app.call(coordinator(patch(&format!("{VENUES}/{venue_id}"), json!({"name": {"fi": "Olohuone"}}))))
            .await
            .assert_status(200);
        let second =
            create(&app, &p, series_body(&p, &other_venue, "published")).await["id"].as_str().unwrap().to_owned();
        let draft = create(&app, &p, series_body(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();
        let occurrences = data(&app.get(&format!("{SERIES}/{series}/occurrences")).await);
        let first = occurrences[0]["id"].as_str().unwrap();
        app.call(coordinator(patch(&format!("{SERIES}/{series}/occurrences/{first}"), json!({"status": "cancelled"}))))
            .await
            .assert_status(200);
        app.call(coordinator(patch(&format!("{SERIES}/{series}"), json!({"title": {"fi": "Kahvila"}}))))
            .await
            .assert_status(200);
        // Withdrawn, and published again; shortened; another withdrawn for good.
        for status in ["draft", "published"] {
            app.call(coordinator(patch(&format!("{SERIES}/{series}"), json!({"publication_status": status}))))
                .await
                .assert_status(200);
        }
        app.call(coordinator(patch(
            &format!("{SERIES}/{series}"),
            json!({"schedule": {"rrule": "FREQ=WEEKLY;COUNT=3"}}),
        )))
        .await
        .assert_status(200);
        app.call(coordinator(patch(&format!("{SERIES}/{second}"), json!({"publication_status": "draft"}))))
            .await
            .assert_status(200);
        app.call(coordinator(TestRequest::delete().uri(&format!("{SERIES}/{draft}")).insert_header(("if-match", "*"))))
            .await
            .assert_status(204);
        app.call(coordinator(patch(
            &format!("/api/v1/organizations/{}", p.org),
            json!({"website": "https://uusi.example"}),
        )))
        .await;
        let (gone, _) = venue(&app, &p, venue_body(&p, "Väliaikainen", "179", 25.75, 62.25)).await;
        app.call(coordinator(TestRequest::delete().uri(&format!("{VENUES}/{gone}")).insert_header(("if-match", "*"))))
            .await
            .assert_status(204);
        // Indicators: approved values enter public view; a correction, a confidential value
        // and an indicator made partners-only leave it.
        for code in ["KS_A", "KS_B"] {
            let indicator = indicators::create(&app, &p, indicators::body(&p, code, "public")).await;
            let id = indicator["id"].as_str().unwrap();
            let rows = ["2023", "2024", "2025"]
                .iter()
                .map(|year| {
                    json!({"indicator_id": id, "value_type": "actual", "period": year, "value": "4",
                                    "confidential": *year == "2025"})
                })
                .collect();
            let written = indicators::report(&app, &p, As::Member, rows).await.json();
            for value in written["data"].as_array().unwrap() {
                let value = value["id"].as_str().unwrap();
                indicators::transition(&app, &p, As::Member, value, json!({"to": "submitted"}))
                    .await
                    .assert_status(200);
                indicators::transition(&app, &p, As::Coordinator, value, json!({"to": "approved"}))
                    .await
                    .assert_status(200);
            }
            let corrected = json!({"indicator_id": id, "value_type": "actual", "period": "2024", "value": "5"});
            indicators::report(&app, &p, As::Member, vec![corrected]).await.assert_status(200);
            if code == "KS_B" {
                app.call(coordinator(patch(&format!("/api/v1/indicators/{id}"), json!({"visibility": "partners"}))))
                    .await
                    .assert_status(200);
            }
        }
        // Networks: a public one changes and gains a member; one is made members-only, one
        // closed.
        for name in ["Hyte", "Sisäinen", "Suljettu"] {
            let network =
                crate::resources::networks::create(&app, &p, crate::resources::networks::body(&p, name, "public"))
                    .await;
            let uri = format!("/api/v1/networks/{}", network["id"].as_str().unwrap());
            match name {
                "Hyte" => {
                    app.call(coordinator(patch(&uri, json!({"purpose": {"fi": "Uusi"}})))).await.assert_status(200);
                    let invite = crate::support::json(
                        TestRequest::post().uri(&format!("{uri}/invitations")),
                        json!({"organization_id": p.other_org}),
                    );
                    let invitation = app.call(coordinator(invite)).await.json();
                    let accept = TestRequest::post()
                        .uri(&format!("{uri}/invitations/{}/accept", invitation["id"].as_str().unwrap()));
                    app.call(p.request(As::Outsider, accept)).await.assert_status(200);
                }
                "Sisäinen" => {
                    app.call(coordinator(patch(&uri, json!({"visibility": "members"})))).await.assert_status(200);
                }
                _ => {
                    app.call(coordinator(TestRequest::delete().uri(&uri).insert_header(("if-match", "*"))))
                        .await
                        .assert_status(204);
                }
            }
        }
    };
    let follow = async {
        for _ in 0..40 {
            mirror.pull(&app, 3).await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::join!(writes, follow);
    mirror.pull(&app, 1000).await;
    let all = app.get(&format!("{CHANGES}?limit=1000")).await.json();
    eprintln!(
        "NETWORK CHANGES {:?}",
        all["data"].as_array().unwrap().iter().filter(|c| c["type"] == "network").collect::<Vec<_>>()
    );
    assert_mirrors(&mirror, &public_state(&app).await);
    assert!(mirror.items.keys().any(|(kind, _)| kind == "event_occurrence"));
    assert!(mirror.items.values().any(|v| v["name"]["fi"] == "Olohuone"));
    let kinds = |kind: &str| mirror.items.keys().filter(|(k, _)| k == kind).count();
    assert_eq!((kinds("indicator"), kinds("observation")), (1, 1), "KS_A and its one public value");
    assert_eq!(kinds("network"), 1, "the public network that stayed public");
    let network = mirror.items.iter().find(|((k, _), _)| k == "network").map(|(_, v)| v.clone()).unwrap();
    assert_eq!(network["members"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_transaction_that_commits_after_a_later_one_is_not_skipped() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut mirror = Mirror::default();
    mirror.pull(&app, 50).await;

    // The slow writer begins first and takes its audit-log number first...
    let mut slow = app.conn().await;
    slow.batch_execute(&format!(
        "BEGIN; SELECT nextval('audit_log_seq_seq');
         UPDATE venues SET name = '{{\"fi\": \"Myöhäinen\"}}', version = version + 1 WHERE id = '{venue_id}'"
    ))
    .await
    .unwrap();
    // ...another commits meanwhile, and the mirror reads past it...
    let (other, _) = venue(&app, &p, venue_body(&p, "Kirjasto", "179", 25.74, 62.24)).await;
    mirror.pull(&app, 50).await;
    assert!(mirror.items.contains_key(&("venue".to_owned(), other.clone())));
    let passed = mirror.last_seq;
    // ...and the slow one commits after it: its change comes after, not below, the cursor.
    slow.batch_execute("COMMIT").await.unwrap();
    mirror.pull(&app, 50).await;
    assert!(mirror.last_seq > passed);
    assert_eq!(mirror.items[&("venue".to_owned(), venue_id.clone())]["name"]["fi"], "Myöhäinen");
    assert_mirrors(&mirror, &public_state(&app).await);
}

#[actix_web::test]
async fn only_public_changes_are_in_the_feed_for_everyone_alike() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let start =
        app.get(&format!("{CHANGES}?limit=1")).await.json()["meta"]["latest_cursor"].as_str().unwrap().to_owned();
    let draft = create(&app, &p, series_body(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();
    app.call(p.request(
        As::Coordinator,
        TestRequest::delete().uri(&format!("{SERIES}/{draft}")).insert_header(("if-match", "*")),
    ))
    .await
    .assert_status(204);
    let res = app.get(&format!("{CHANGES}?after={start}")).await;
    assert_eq!(data(&res), Vec::<Value>::new(), "a draft, made and deleted, was never public");
    assert_eq!(res.json()["meta"]["next_cursor"], start.as_str(), "an empty page keeps the cursor");
    // Everyone reads the same feed: signed in or not, any organisation.
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&format!("{CHANGES}?after={start}"))).await;
    // The types filter, and what is wrong with a request is named.
    let published = create(&app, &p, series_body(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let series_only = data(&app.get(&format!("{CHANGES}?after={start}&types=event_series")).await);
    assert_eq!(series_only.len(), 1);
    assert_eq!(series_only[0]["id"], published.as_str());
    assert_eq!(series_only[0]["op"], "upsert");
    let with_occurrences =
        data(&app.get(&format!("{CHANGES}?after={start}&types=event_series,event_occurrence")).await);
    assert_eq!(with_occurrences.len(), 6);
    let bad = app.get(&format!("{CHANGES}?types=event_series,meeting")).await.assert_problem(422);
    assert_eq!(bad["errors"][0]["field"], "types");
    app.get(&format!("{CHANGES}?after=not%20a%20cursor")).await.assert_problem(400);
    let long = app.get(&format!("{CHANGES}?after={}", "a".repeat(1025))).await.assert_problem(422);
    assert_eq!(long["errors"][0]["field"], "after");
    app.get(&format!("{CHANGES}?since=2026-01-01")).await.assert_problem(400);
    let big = app.get(&format!("{CHANGES}?limit=100000")).await;
    assert_eq!(big.json()["meta"]["limit"], 1000);
}

#[actix_web::test]
async fn a_cursor_older_than_the_kept_changes_is_410_and_a_resync_starts_from_the_latest() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let page = app.get(&format!("{CHANGES}?limit=2")).await.json();
    let early = page["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let latest = page["meta"]["latest_cursor"].as_str().unwrap().to_owned();
    // Everything so far is past its retention and deleted.
    let mut conn = app.conn().await;
    conn.batch_execute("UPDATE changes SET changed_at = now() - interval '100 days'").await.unwrap();
    let pruned = yhdyspinta::domain::directory::prune(&mut conn).await.unwrap();
    assert!(pruned > 2, "{pruned}");
    let gone = app.get(&format!("{CHANGES}?after={early}")).await.assert_problem(410);
    assert_eq!(gone["type"], "/problems/cursor-expired");
    assert!(gone["detail"].as_str().unwrap().contains("90 days"));
    // From the latest cursor (taken before reading the lists), the feed goes on.
    let (later, _) = venue(&app, &p, venue_body(&p, "Kirjasto", "179", 25.74, 62.24)).await;
    let res = app.get(&format!("{CHANGES}?after={latest}")).await;
    let ids: Vec<String> = data(&res).iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, [later]);
    // Without a cursor the feed starts at what it keeps.
    assert_eq!(data(&app.get(CHANGES).await).len(), 1);
    // The removals are kept as long: a window reaching back past them is 410 too.
    let since = (chrono::Utc::now() - chrono::Duration::days(95)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    app.get(&format!("/api/v1/removals?updated_since={since}")).await.assert_problem(410);
    app.get("/api/v1/removals").await.assert_status(200);
}

#[actix_web::test]
async fn the_directory_calendar_holds_the_published_series_that_match_its_filters() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (jyvaskyla, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let (tampere, _) = venue(&app, &p, venue_body(&p, "Kirjasto", "837", 23.76, 61.50)).await;
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let here = id(create(&app, &p, series_body(&p, &jyvaskyla, "published")).await);
    let there = id(create(&app, &p, series_body(&p, &tampere, "published")).await);
    let draft = id(create(&app, &p, series_body(&p, &jyvaskyla, "draft")).await);
    let first = data(&app.get(&format!("{SERIES}/{here}/occurrences")).await)[0]["id"].as_str().unwrap().to_owned();
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{here}/occurrences/{first}"), json!({"status": "cancelled"})),
    ))
    .await
    .assert_status(200);
    let calendar = |query: &str| {
        let app = &app;
        let uri = format!("/api/v1/directory/calendar.ics{query}");
        async move {
            let res = app.get(&uri).await;
            res.assert_status(200);
            assert!(res.header("content-type").unwrap().starts_with("text/calendar"));
            String::from_utf8(res.body.to_vec()).unwrap()
        }
    };
    let all = calendar("").await;
    assert!(all.starts_with("BEGIN:VCALENDAR\r\n") && all.ends_with("END:VCALENDAR\r\n"), "{all}");
    for line in [
        "NAME:Yhdyspinta: tapahtumat",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "SOURCE;VALUE=URI:https://yhdyspinta.example/api/v1/directory/calendar.ics",
    ] {
        assert!(all.contains(line), "{line} in {all}");
    }
    assert!(all.contains(&format!("UID:{here}@yhdyspinta")) && all.contains(&format!("UID:{there}@yhdyspinta")));
    assert!(!all.contains(&draft), "a draft is in no public calendar");
    assert_eq!(all.matches("BEGIN:VTIMEZONE").count(), 1, "one zone, given once");
    assert_eq!(all.matches("RECURRENCE-ID").count(), 1, "the cancelled occurrence");
    let in_jyvaskyla = calendar("?municipality=179").await;
    assert!(in_jyvaskyla.contains(&here) && !in_jyvaskyla.contains(&there));
    assert!(in_jyvaskyla.contains("NAME:Yhdyspinta: tapahtumat (kunta 179)"));
    assert!(calendar(&format!("?venue={tampere}")).await.contains(&there));
    assert!(!calendar("?target_group=children").await.contains("BEGIN:VEVENT"));
    assert!(calendar(&format!("?organization={}&target_group=older_people", p.org)).await.contains(&here));
    let bad = app.get("/api/v1/directory/calendar.ics?municipality=17").await.assert_problem(422);
    assert_eq!(bad["errors"][0]["field"], "municipality");
    app.get("/api/v1/directory/calendar.ics?county=15").await.assert_problem(400);
    // More series than one calendar holds: narrowed with a filter instead.
    let mut conn = app.conn().await;
    conn.batch_execute(&format!(
        "INSERT INTO event_series (id, title, kind, activity_type, publisher_id, publication_status)
         SELECT gen_random_uuid(), '{{\"fi\": \"Sarja\"}}', 'umbrella', 'event', '{}', 'published'
         FROM generate_series(1, 500)",
        p.org
    ))
    .await
    .unwrap();
    let too_many = app.get("/api/v1/directory/calendar.ics").await.assert_problem(422);
    assert_eq!(too_many["errors"][0]["code"], "too_many");
    assert!(calendar("?municipality=179").await.contains(&here));
}

#[actix_web::test]
async fn what_is_on_is_schema_org_json_ld_with_each_event_under_its_series() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut weekly = series_body(&p, &venue_id, "published");
    weekly["schedule"]["rrule"] = json!("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4");
    weekly["schedule"]["start_date"] = json!(next_weekday(chrono::Weekday::Tue).to_string());
    let series = create(&app, &p, weekly).await["id"].as_str().unwrap().to_owned();
    let draft = create(&app, &p, series_body(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();
    let occurrences = data(&app.get(&format!("{SERIES}/{series}/occurrences")).await);
    let cancelled = occurrences[1]["id"].as_str().unwrap().to_owned();
    app.call(p.request(
        As::Coordinator,
        patch(&format!("{SERIES}/{series}/occurrences/{cancelled}"), json!({"status": "cancelled"})),
    ))
    .await
    .assert_status(200);

    // A member asks, naming another host: still only what is published, under the configured
    // address.
    let res = app
        .call(
            p.request(
                As::Member,
                TestRequest::get()
                    .uri("/api/v1/directory/events.jsonld")
                    .insert_header(("x-forwarded-host", "a b"))
                    .insert_header(("host", "evil.example")),
            ),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/ld+json"));
    let document = res.json();
    assert_eq!(document["@context"], "https://schema.org");
    let graph = document["@graph"].as_array().unwrap();
    assert!(!document.to_string().contains(&draft), "a draft is not on");
    let series_node = graph.iter().find(|n| n["@type"] == "EventSeries").unwrap();
    let series_id = series_node["@id"].as_str().unwrap();
    assert_eq!(series_id, format!("https://yhdyspinta.example/api/v1/event-series/{series}"));
    let schedule = &series_node["eventSchedule"];
    assert_eq!(schedule["repeatFrequency"], "P1W");
    assert_eq!(schedule["byDay"], json!(["https://schema.org/Tuesday", "https://schema.org/Thursday"]));
    assert_eq!(schedule["repeatCount"], 4);
    assert_eq!(schedule["startTime"], "10:00:00");
    assert_eq!(schedule["scheduleTimezone"], "Europe/Helsinki");
    assert_eq!(series_node["location"]["@type"], "Place");
    assert_eq!(series_node["location"]["address"]["addressLocality"], "Jyväskylä");
    assert_eq!(series_node["organizer"][0]["@type"], "Organization");
    assert_eq!(series_node["inLanguage"], json!(["fi", "sv"]));
    assert_eq!(series_node["isAccessibleForFree"], true);
    let events: Vec<&Value> = graph.iter().filter(|n| n["@type"] == "Event").collect();
    assert_eq!(events.len(), 4);
    for event in &events {
        assert_eq!(event["superEvent"]["@id"], series_id);
        assert_eq!(event["eventAttendanceMode"], "https://schema.org/OfflineEventAttendanceMode");
        let status =
            if event["@id"].as_str().unwrap().ends_with(&cancelled) { "EventCancelled" } else { "EventScheduled" };
        assert_eq!(event["eventStatus"], format!("https://schema.org/{status}"));
    }
    // Paged like the occurrences, the next page in a Link header.
    let first = app.get("/api/v1/directory/events.jsonld?limit=3").await;
    let link = first.header("link").unwrap().to_owned();
    assert!(link.contains("cursor=") && link.ends_with("rel=\"next\""), "{link}");
    assert_eq!(first.json()["@graph"].as_array().unwrap().iter().filter(|n| n["@type"] == "Event").count(), 3);
    app.get("/api/v1/directory/events.jsonld?municipality=1").await.assert_problem(422);
}

/// The next `weekday` after today.
fn next_weekday(weekday: chrono::Weekday) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    while day.weekday() != weekday {
        day += chrono::Duration::days(1);
    }
    day
}

/// Validators for HSDS 3.0 objects, from Open Referral's own schemas in `../shared/hsds/3.0`,
/// read at test time, with format checks on.
struct Hsds {
    registry: jsonschema::Registry<'static>,
}

const HSDS_BASE: &str = "https://hsds.test/3.0/";

impl Hsds {
    fn load() -> Hsds {
        // `../shared/hsds/3.0` beside the project, or where YHDYSPINTA_HSDS_DIR says.
        let dir = std::env::var_os("YHDYSPINTA_HSDS_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hsds/3.0"));
        assert!(dir.is_dir(), "the HSDS 3.0 schemas are not at {}: set YHDYSPINTA_HSDS_DIR", dir.display());
        let mut resources = Vec::new();
        // The compiled schemas refer to some objects by relative name: they are registered
        // beside the others, so that those resolve to the per-object files.
        for sub in ["", "compiled/"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                    resources.push((format!("{HSDS_BASE}{}{name}", sub.replace('/', ".")), schema));
                }
            }
        }
        assert!(resources.len() > 20, "the HSDS schemas are read from ../shared/hsds/3.0");
        let mut registry = jsonschema::Registry::new();
        for (uri, schema) in resources {
            registry = registry.add(uri, schema).unwrap();
        }
        Hsds { registry: registry.prepare().unwrap() }
    }

    /// Every error of `item` against the schema at `path` (e.g. `compiled/organization.json`).
    fn errors(&self, path: &str, item: &Value) -> Vec<String> {
        let path = path.replace('/', ".");
        let validator = jsonschema::options()
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&json!({"$ref": format!("{HSDS_BASE}{path}")}))
            .unwrap();
        validator.iter_errors(item).map(|e| format!("{path} at {}: {e}", e.instance_path())).collect()
    }

    fn assert_valid(&self, path: &str, item: &Value) {
        let errors = self.errors(path, item);
        assert!(errors.is_empty(), "{errors:#?}\n{item:#}");
    }
}

#[actix_web::test]
async fn the_hsds_export_validates_against_open_referrals_schemas() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let hsds = Hsds::load();
    // The schemas catch what is wrong: a service without its required status.
    assert!(!hsds.errors("compiled/service_with_definitions.json", &json!({"id": p.org, "name": "x"})).is_empty());
    // ...and formats are checked: an id that is no UUID.
    let bad_id = json!({"id": "42", "name": "x", "description": "y"});
    assert!(!hsds.errors("compiled/organization.json", &bad_id).is_empty());

    app.call(
        p.request(
            As::PlatformAdmin,
            TestRequest::patch()
                .uri(&format!("/api/v1/organizations/{}", p.org))
                .insert_header(("content-type", "application/merge-patch+json"))
                .insert_header(("if-match", "*"))
                .set_payload(
                    json!({"phone": "+358 40 123 4567", "email": "info@setlementti.example",
                       "website": "https://setlementti.example/", "business_id": "0208201-1",
                       "external_ids": {"lahella": "L-42"}})
                    .to_string(),
                ),
        ),
    )
    .await
    .assert_status(200);
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let weekly = create(&app, &p, series_body(&p, &venue_id, "published")).await["id"].as_str().unwrap().to_owned();
    let mut monthly = series_body(&p, &venue_id, "published");
    monthly["schedule"]["rrule"] = json!("FREQ=MONTHLY;BYDAY=1MO;COUNT=3");
    monthly["schedule"]["start_date"] = json!(first_monday_of_next_month().to_string());
    monthly["title"] = json!({"fi": "Kuukausitapaaminen <b>&</b> \"lainausmerkit\"", "en": "Monthly"});
    let monthly = create(&app, &p, monthly).await["id"].as_str().unwrap().to_owned();
    let mut online = series_body(&p, &venue_id, "published");
    online["attendance_mode"] = json!("online");
    online["online_url"] = json!("https://meet.example/kahvila");
    online["venue_id"] = Value::Null;
    online["schedule"]["rrule"] = json!("FREQ=DAILY;COUNT=3");
    let online = create(&app, &p, online).await["id"].as_str().unwrap().to_owned();
    let draft = create(&app, &p, series_body(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();

    let page = |table: &str, query: &str| {
        let uri = format!("/api/v1/directory/hsds/{table}?{query}");
        let app = &app;
        async move {
            let res = app.get(&uri).await;
            res.assert_status(200);
            res.json()
        }
    };
    let list_schema = |table: &str| match table {
        "organizations" => "compiled/organization_list.json",
        "services" => "compiled/service_list.json",
        "service_at_locations" => "compiled/service_at_location_list.json",
        _ => "location.json",
    };
    let item_schema = |table: &str| match table {
        "organizations" => "compiled/organization.json",
        "services" => "compiled/service_with_definitions.json",
        "service_at_locations" => "compiled/service_at_location.json",
        _ => "location.json",
    };
    for table in ["organizations", "services", "locations", "service_at_locations"] {
        let first = page(table, "per_page=500").await;
        let contents = first["contents"].as_array().unwrap();
        assert!(!contents.is_empty(), "{table}");
        assert_eq!(first["total_items"].as_u64().unwrap() as usize, contents.len(), "{table}");
        assert_eq!((first["page_number"].clone(), first["first_page"].clone()), (json!(1), json!(true)));
        assert_eq!((first["last_page"].clone(), first["empty"].clone()), (json!(true), json!(false)));
        for item in contents {
            hsds.assert_valid(list_schema(table), item);
            let id = item["id"].as_str().unwrap();
            let one = app.get(&format!("/api/v1/directory/hsds/{table}/{id}")).await;
            one.assert_status(200);
            hsds.assert_valid(item_schema(table), &one.json());
            assert_eq!(&one.json(), item, "a list item is the item itself");
        }
        assert!(!first.to_string().contains(&draft), "a draft is not exported ({table})");
        app.get(&format!("/api/v1/directory/hsds/{table}/{draft}")).await.assert_problem(404);
    }

    // Services: the weekly one with its HSDS recurrence at its venue, the monthly one with an
    // nth weekday, the daily online one stated in words and without a location.
    let services = page("services", "").await;
    let service = |id: &str| services["contents"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap().clone();
    let weekly_service = service(&weekly);
    assert_eq!(weekly_service["status"], "active");
    assert_eq!(weekly_service["organization_id"], json!(p.org));
    let schedule = &weekly_service["schedules"][0];
    assert_eq!((schedule["freq"].clone(), schedule["interval"].clone()), (json!("WEEKLY"), json!(1)));
    assert_eq!((schedule["count"].clone(), schedule["opens_at"].clone()), (json!(5), json!("10:00")));
    assert_eq!(weekly_service["service_at_locations"][0]["location_id"], json!(venue_id));
    assert_eq!(service(&monthly)["schedules"][0]["byday"], "1MO");
    let online_service = service(&online);
    assert!(online_service["schedules"][0].get("freq").is_none());
    assert!(online_service["schedules"][0]["description"].as_str().unwrap().contains("RRULE:FREQ=DAILY;COUNT=3"));
    assert_eq!(online_service["service_at_locations"], json!([]));
    assert_eq!(online_service["url"], "https://meet.example/kahvila");

    // The venue: address with its county, accessibility, opening hours with the exceptions.
    let location = app.get(&format!("/api/v1/directory/hsds/locations/{venue_id}")).await.json();
    assert_eq!(location["addresses"][0]["city"], "Jyväskylä");
    assert_eq!(location["addresses"][0]["state_province"], "Keski-Suomen hyvinvointialue");
    assert_eq!(location["accessibility"][0]["description"], "induction_loop, wheelchair");
    assert_eq!(location["schedules"][0]["byday"], "MO,TU");
    // The helper's exception day, as it was given.
    let closed = venue_body(&p, "", "179", 0.0, 0.0)["opening_hours"]["exceptions"][0]["date"].clone();
    assert!(
        location["schedules"][0]["notes"].as_str().unwrap().contains(&format!("{} closed", closed.as_str().unwrap()))
    );
    let org = app.get(&format!("/api/v1/directory/hsds/organizations/{}", p.org)).await.json();
    assert_eq!(org["phones"][0]["number"], "+358 40 123 4567");
    assert_eq!(org["organization_identifiers"][0]["identifier"], "0208201-1");
    assert_eq!(org["website"], "https://setlementti.example/");
    // Only at a venue: the online series has no service_at_location.
    app.get(&format!("/api/v1/directory/hsds/service_at_locations/{online}")).await.assert_problem(404);
    let at_venue = app.get(&format!("/api/v1/directory/hsds/service_at_locations/{weekly}")).await.json();
    assert_eq!(at_venue["location"]["id"], json!(venue_id));

    // HSDS paging: numbered pages of the requested size, and modified_after.
    let total = page("services", "").await["total_items"].as_i64().unwrap();
    assert_eq!(total, 3);
    let second = page("services", "per_page=2&page=2").await;
    assert_eq!(second["contents"].as_array().unwrap().len(), 1);
    assert_eq!((second["total_pages"].clone(), second["last_page"].clone()), (json!(2), json!(true)));
    let beyond = page("services", "per_page=2&page=9").await;
    assert_eq!((beyond["size"].clone(), beyond["empty"].clone()), (json!(0), json!(false)));
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = page("services", &format!("modified_after={later}")).await;
    assert_eq!((none["total_items"].clone(), none["empty"].clone()), (json!(0), json!(true)));
    for bad in ["page=0", "page=x", "per_page=x", "modified_after=yesterday", "organization_id=1", "colour=red"] {
        let res = app.get(&format!("/api/v1/directory/hsds/services?{bad}")).await;
        assert!(matches!(res.status.as_u16(), 400 | 422), "{bad}: {}", res.status);
    }
    app.get("/api/v1/directory/hsds/programs").await.assert_problem(400);
    assert_eq!(app.get("/api/v1/directory/hsds").await.json()["version"], "3.0");
}

/// The first Monday of next month.
fn first_monday_of_next_month() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let mut day =
        chrono::NaiveDate::from_ymd_opt(today.year() + i32::from(today.month() == 12), today.month() % 12 + 1, 1)
            .unwrap();
    while day.weekday() != chrono::Weekday::Mon {
        day += chrono::Duration::days(1);
    }
    day
}

#[actix_web::test]
async fn activities_are_exported_in_lahella_shape_with_channels_and_weekly_patterns() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut weekly = series_body(&p, &venue_id, "published");
    weekly["schedule"]["rrule"] = json!("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20991231T215959Z");
    weekly["schedule"]["start_date"] = json!(next_weekday(chrono::Weekday::Tue).to_string());
    weekly["activity_type"] = json!("support");
    weekly["attendance_mode"] = json!("mixed");
    weekly["online_url"] = json!("https://meet.example/tuki");
    weekly["themes"] = json!(["vertaistuki"]);
    let weekly = create(&app, &p, weekly).await["id"].as_str().unwrap().to_owned();
    let mut monthly = series_body(&p, &venue_id, "published");
    monthly["schedule"]["rrule"] = json!("FREQ=MONTHLY;BYDAY=1MO;COUNT=3");
    monthly["schedule"]["start_date"] = json!(first_monday_of_next_month().to_string());
    let monthly = create(&app, &p, monthly).await["id"].as_str().unwrap().to_owned();
    let draft = create(&app, &p, series_body(&p, &venue_id, "draft")).await["id"].as_str().unwrap().to_owned();

    let uri = "/api/v1/directory/lahella/activities";
    // The same for everyone: a member of the publisher sees no draft here either.
    let res = app.call(p.request(As::Member, TestRequest::get().uri(uri))).await;
    res.assert_status(200);
    let activities = data(&res);
    assert!(!res.json().to_string().contains(&draft));
    assert_eq!(activities.len(), 2);
    let activity = |id: &str| activities.iter().find(|a| a["id"] == id).unwrap().clone();
    let support = activity(&weekly);
    assert_eq!(support["activity_type"], "support");
    assert_eq!(support["meeting_format"], "hybrid");
    assert_eq!(support["themes"], json!(["vertaistuki"]));
    assert_eq!(support["channels"][0]["kind"], "place");
    assert_eq!(support["channels"][0]["address"]["city"], "Jyväskylä");
    assert_eq!(support["channels"][0]["accessibility"], json!(["induction_loop", "wheelchair"]));
    assert_eq!(
        support["channels"][1],
        json!({"kind": "online", "venue_id": null, "name": null, "address": null,
        "latitude": null, "longitude": null, "accessibility": [], "accessibility_info": null,
        "url": "https://meet.example/tuki"})
    );
    let recurrence = &support["recurrence"];
    assert_eq!(recurrence["weekdays"], json!(["tu", "th"]));
    assert_eq!(recurrence["interval_weeks"], 2);
    assert_eq!((recurrence["start_time"].clone(), recurrence["end_time"].clone()), (json!("10:00"), json!("12:00")));
    assert_eq!(recurrence["valid_until"], "2099-12-31");
    assert_eq!(support["organizers"][0]["id"], json!(p.org));
    let hobby = activity(&monthly);
    assert_eq!(hobby["activity_type"], "hobby");
    assert_eq!(hobby["recurrence"], Value::Null, "the first Monday of a month is no weekly pattern");
    assert!(hobby["schedule_text"].as_str().unwrap().starts_with("RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=3"));
    // Filtered and paged as the series list.
    assert_eq!(data(&app.get(&format!("{uri}?municipality=091")).await).len(), 0);
    assert_eq!(data(&app.get(&format!("{uri}?municipality=179")).await).len(), 2);
    let first = app.get(&format!("{uri}?limit=1")).await;
    assert_eq!(data(&first).len(), 1);
    assert!(first.header("link").unwrap().contains("cursor="));
    app.get(&format!("{uri}?municipality=1")).await.assert_problem(422);
}
