//! Indicators whose values partners do not report: platform indicators derived from the
//! collaboration's own records, checked against counts made here from what the test wrote,
//! and stable once their month has closed.

use std::collections::BTreeMap;

use actix_web::test::TestRequest;
use chrono::{Datelike, Months, NaiveDate, Utc};
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::agreements;
use crate::resources::event_series::{SERIES, accept, cafe, create, occurrences};
use crate::resources::venues::{venue, venue_body};
use crate::support::{As, Personas, TestApp, json};

const REFRESH: &str = "/api/v1/indicators:refresh";

const PRINCIPLES: [&str; 5] = [
    "common_agenda",
    "shared_measurement",
    "mutually_reinforcing_activities",
    "continuous_communication",
    "backbone_support",
];

/// An agreement in force from `start` between both persona organisations; `principles` of
/// the five documented.
async fn agreement_in_force(app: &TestApp, p: &Personas, code: &str, start: NaiveDate, principles: usize) {
    let mut body = agreements::body(code, &[p.org, p.other_org]);
    body["period"] = json!({"start_date": start, "end_date": start + chrono::Duration::days(3650)});
    // Only public agreements count in public figures.
    body["visibility"] = json!("public");
    body["ci_principles"] = PRINCIPLES[..principles]
        .iter()
        .map(|name| json!({"principle": name, "commitment": {"fi": "Sitoumus"}}))
        .collect();
    let made = agreements::create(app, p, As::PlatformAdmin, body).await;
    let id = made["id"].as_str().unwrap();
    agreements::transition(app, p, As::PlatformAdmin, id, "awaiting_signatures").await.assert_status(200);
    let hash = agreements::version_hash(app, p, id, 1).await;
    agreements::sign(app, p, As::OrgAdmin, id, 1, &hash).await.assert_status(201);
    agreements::sign(app, p, As::Outsider, id, 1, &hash).await.assert_status(201);
}

/// The whole platform's values of the indicator with `code`, by period, and those of `area`.
async fn values(app: &TestApp, code: &str, area: Option<&str>) -> BTreeMap<String, String> {
    let res = app.get("/api/v1/indicators?source=platform&limit=100").await;
    let indicator = res.json()["data"].as_array().unwrap().iter().find(|i| i["code"] == code).cloned().unwrap();
    let id = indicator["id"].as_str().unwrap();
    let res = app.get(&format!("/api/v1/observations?indicator={id}&limit=500")).await;
    res.assert_status(200);
    (res.json()["data"].as_array().unwrap().iter())
        .filter(|o| match area {
            None => o["area"].is_null(),
            Some(code) => o["area"]["code"] == code,
        })
        .map(|o| (o["period"]["code"].as_str().unwrap().to_owned(), o["exact_value"].as_str().unwrap().to_owned()))
        .collect()
}

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn refresh(app: &TestApp, p: &Personas) -> Vec<Value> {
    let res = app.call(p.request(As::PlatformAdmin, TestRequest::post().uri(REFRESH))).await;
    res.assert_status(200).json().as_array().unwrap().clone()
}

#[actix_web::test]
async fn platform_indicators_count_what_the_platform_holds_and_closed_months_stay() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap();
    let first = this_month - Months::new(3);
    let months: Vec<String> = (0..4).map(|i| month(first + Months::new(i))).collect();

    // Two agreements in force from three months back, one documenting all five principles.
    agreement_in_force(&app, &p, "KUMPPANUUS-A", first, 1).await;
    agreement_in_force(&app, &p, "KUMPPANUUS-B", first, 5).await;
    // A weekly café from then on at a venue free for NGOs, organised by both NGOs.
    let (venue_id, _) = venue(&app, &p, venue_body(&p, "Olotila", "179", 25.7473, 62.2426)).await;
    let mut body = cafe(&p, &venue_id, "published");
    body["organizer_ids"] = json!([p.org, p.other_org]);
    body["schedule"] = json!({"start_date": first + chrono::Duration::days(1), "start_time": "10:00",
                              "end_time": "12:00", "rrule": "FREQ=WEEKLY;COUNT=20"});
    let series = create(&app, &p, body).await;
    let series = series["id"].as_str().unwrap().to_owned();
    accept(&app, &p, As::Outsider, &series, p.other_org).await.assert_status(200);
    let all = occurrences(&app, &p, &series).await;
    let url = |o: &Value| format!("{SERIES}/{series}/occurrences/{}", o["id"].as_str().unwrap());
    let held_before_now =
        |o: &Value| o["end"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap() <= Utc::now();
    // The second one cancelled; attendance recorded at every other held one.
    let res = app
        .call(p.request(
            As::Coordinator,
            crate::resources::event_series::patch(&url(&all[1]), json!({"status": "cancelled"})),
        ))
        .await;
    res.assert_status(200);
    let all = occurrences(&app, &p, &series).await;
    let mut attended: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (i, o) in all.iter().enumerate().filter(|(i, o)| i % 2 == 0 && held_before_now(o) && o["status"] != "cancelled")
    {
        let (participants, volunteers) = (10 + i as i64, 1 + (i as i64 % 3));
        let res = app
            .call(p.request(
                As::Member,
                json(
                    TestRequest::put().uri(&format!("{}/attendance", url(o))),
                    json!({"participants": participants, "volunteers": volunteers}),
                ),
            ))
            .await;
        res.assert_status(201);
        let entry = attended.entry(o["instance_date"].as_str().unwrap()[..7].to_owned()).or_default();
        entry.0 += participants;
        entry.1 += volunteers;
    }

    // The counts made here, month by month.
    let in_range = |o: &&Value| months.contains(&o["instance_date"].as_str().unwrap()[..7].to_owned());
    let per_month = |test: &dyn Fn(&Value) -> bool| -> BTreeMap<String, String> {
        let mut counts: BTreeMap<String, i64> = months.iter().map(|m| (m.clone(), 0)).collect();
        for o in all.iter().filter(in_range).filter(|o| test(o)) {
            *counts.get_mut(&o["instance_date"].as_str().unwrap()[..7]).unwrap() += 1;
        }
        counts.into_iter().map(|(m, c)| (m, c.to_string())).collect()
    };
    let held = per_month(&|o| held_before_now(o) && o["status"] != "cancelled");
    let cancelled = per_month(&|o| o["status"] == "cancelled");
    // Something to count in every figure.
    assert!(held.values().filter(|n| *n != "0").count() >= 3 && cancelled.values().any(|n| n == "1"), "{held:?}");
    assert!(attended.len() >= 3, "{attended:?}");
    let where_held = |value: &str| -> BTreeMap<String, String> {
        held.iter().map(|(m, n)| (m.clone(), if n == "0" { "0" } else { value }.to_owned())).collect()
    };
    let sums = |pick: fn(&(i64, i64)) -> i64| -> BTreeMap<String, String> {
        months.iter().map(|m| (m.clone(), attended.get(m).map(pick).unwrap_or(0).to_string())).collect()
    };
    let every_month =
        |value: &str| -> BTreeMap<String, String> { months.iter().map(|m| (m.clone(), value.to_owned())).collect() };

    // Only a platform admin asks for a refresh; the service does it hourly on its own.
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Coordinator, 403), (As::Client, 403)], || {
        TestRequest::post().uri(REFRESH)
    })
    .await;
    let done = refresh(&app, &p).await;
    assert_eq!(done.len(), 12);
    let closed = done[0]["closed_through"].as_str().unwrap().to_owned();
    assert_eq!(closed, (this_month - Months::new(1)).pred_opt().unwrap().to_string());

    // Public, kept by the platform, documented by their derivation.
    let res = app.get("/api/v1/indicators?source=platform&limit=100").await;
    let listed = res.json()["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 12);
    for i in &listed {
        assert_eq!(
            (&i["source"], &i["owner_organization_id"], &i["visibility"]),
            (&json!("platform"), &Value::Null, &json!("public"))
        );
        assert!(i["derivation"].is_string());
        assert_eq!(i["locked_through"], closed.as_str());
    }
    assert!(app.get("/api/v1/indicators?source=reported").await.json()["data"].as_array().unwrap().is_empty());

    let expected = [
        ("PLATFORM_AGREEMENTS_IN_FORCE", every_month("2")),
        ("PLATFORM_AGREEMENTS_ALL_PRINCIPLES", every_month("50")),
        ("PLATFORM_ORGANIZATIONS_NGO", every_month("2")),
        ("PLATFORM_ORGANIZATIONS_PUBLIC", every_month("0")),
        ("PLATFORM_ORGANIZATIONS_PARISH", every_month("0")),
        ("PLATFORM_ORGANIZATIONS_COMPANY", every_month("0")),
        ("PLATFORM_OCCURRENCES_HELD", held.clone()),
        ("PLATFORM_OCCURRENCES_CANCELLED", cancelled),
        ("PLATFORM_ATTENDANCE", sums(|a| a.0)),
        ("PLATFORM_VOLUNTEERS", sums(|a| a.1)),
        ("PLATFORM_CO_ORGANIZERS", where_held("2")),
        ("PLATFORM_VENUES_FREE_FOR_NGOS", where_held("1")),
    ];
    for (code, want) in &expected {
        assert_eq!(&values(&app, code, None).await, want, "{code}");
    }
    // By the venue's municipality too (only months with something to count).
    let nonzero = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        m.iter().filter(|(_, v)| *v != "0").map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    assert_eq!(values(&app, "PLATFORM_OCCURRENCES_HELD", Some("179")).await, nonzero(&held));

    // Recomputing changes nothing.
    let again = refresh(&app, &p).await;
    assert!(again.iter().all(|r| r["written"] == 0 && r["removed"] == 0), "{again:?}");

    // More attendance, in a closed month and in an open one: only the open month moves.
    let held_in = |m: &str| {
        all.iter()
            .enumerate()
            .find(|(i, o)| {
                i % 2 == 1
                    && held_before_now(o)
                    && o["status"] != "cancelled"
                    && o["instance_date"].as_str().unwrap().starts_with(m)
            })
            .map(|(_, o)| o.clone())
    };
    let before = values(&app, "PLATFORM_ATTENDANCE", None).await;
    let (closed_month, open_month) = (&months[0], &months[2]);
    for m in [closed_month, open_month] {
        let o = held_in(m).unwrap();
        let res = app
            .call(p.request(
                As::Member,
                json(TestRequest::put().uri(&format!("{}/attendance", url(&o))), json!({"participants": 7})),
            ))
            .await;
        res.assert_status(201);
    }
    refresh(&app, &p).await;
    let after = values(&app, "PLATFORM_ATTENDANCE", None).await;
    assert_eq!(after[closed_month], before[closed_month]);
    let grown: i64 = before[open_month].parse::<i64>().unwrap() + 7;
    assert_eq!(after[open_month], grown.to_string());

    // Nobody reports, approves or deletes platform values.
    let indicator = &listed[0]["id"];
    let res = crate::resources::indicators::report(
        &app,
        &p,
        As::Coordinator,
        vec![json!({"indicator_id": indicator, "value_type": "actual", "period": months[3], "value": 1})],
    )
    .await;
    res.assert_status(403);
    let res = app
        .call(
            p.request(
                As::PlatformAdmin,
                crate::resources::event_series::patch(
                    &format!("/api/v1/indicators/{}", indicator.as_str().unwrap()),
                    json!({"title": {"fi": "Muu"}}),
                )
                .insert_header(("content-type", "application/merge-patch+json")),
            ),
        )
        .await;
    res.assert_status(403);
}

const IMPORT: &str = "/api/v1/indicators:import-sotkanet";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/sotkanet/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

async fn import(app: &TestApp, p: &Personas, body: Value) -> crate::support::TestResponse {
    app.call(p.request(As::PlatformAdmin, json(TestRequest::post().uri(IMPORT), body))).await
}

#[actix_web::test]
async fn sotkanet_indicators_import_with_their_regions_and_stay_read_only() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let mut values = fixture_json("data.json");
    // A hospital district's row and a suppressed cell are skipped.
    values
        .as_array_mut()
        .unwrap()
        .push(json!({"indicator": 5034, "region": 999, "year": 2023, "gender": "total", "value": 1.5}));
    values.as_array_mut().unwrap().push(json!({"indicator": 5034, "region": 46, "year": 2022, "gender": "total"}));
    let body = json!({"indicators": [fixture_json("indicator-5034.json")], "regions": fixture_json("regions.json"),
                      "values": values});
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Coordinator, 403), (As::OrgAdmin, 403), (As::Client, 403)],
        || json(TestRequest::post().uri(IMPORT), body.clone()),
    )
    .await;
    let res = import(&app, &p, body.clone()).await;
    let done = res.assert_status(200).json();
    assert_eq!(done["indicators"], json!(["SOTKANET_5034"]));
    assert_eq!(
        (&done["values_written"], &done["rows_skipped"], &done["skipped_regions"]),
        (&json!(7), &json!(2), &json!([999]))
    );

    // A public, read-only indicator credited to THL, its texts without HTML.
    let res = app.get("/api/v1/indicators?source=sotkanet").await;
    let indicator = res.json()["data"][0].clone();
    assert_eq!((&indicator["source"], &indicator["owner_organization_id"]), (&json!("sotkanet"), &Value::Null));
    assert_eq!(
        (&indicator["measure"], &indicator["rate_per"], &indicator["decimals"]),
        (&json!("rate"), &json!(100000), &json!(1))
    );
    assert_eq!(indicator["licence"], "CC BY 4.0");
    assert!(indicator["attribution"].as_str().unwrap().contains("Sotkanet, THL (ind. 5034)"));
    assert_eq!(indicator["external_references"][0]["code"], "5034");
    let description = indicator["description"]["fi"].as_str().unwrap();
    assert!(description.starts_with("Indikaattori ilmaisee") && !description.contains('<'), "{description}");
    let id = indicator["id"].as_str().unwrap().to_owned();

    // Values by municipality, county and sex, and the whole country without an area, exact.
    let res = app.get(&format!("/api/v1/observations?indicator={id}&limit=100")).await;
    let listed = res.json()["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 7);
    let find = |kind: Option<&str>, code: Option<&str>, sex: Option<&str>| -> String {
        listed
            .iter()
            .find(|o| {
                o["area"]["kind"].as_str() == kind && o["area"]["code"].as_str() == code && o["sex"].as_str() == sex
            })
            .unwrap()["exact_value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(find(Some("municipality"), Some("091"), Some("male")), "136.6");
    assert_eq!(find(Some("municipality"), Some("297"), None), "240.5");
    assert_eq!(find(Some("wellbeing_services_county"), Some("02"), None), "195");
    assert_eq!(find(Some("wellbeing_services_county"), Some("13"), None), "260.1");
    assert_eq!(find(None, None, None), "205.1");
    assert!(listed.iter().all(|o| o["status"] == "approved" && o["reporting_organization_id"].is_null()));

    // The same values as CSV change nothing; a corrected one changes that one.
    let csv = fixture("data.csv");
    let res = import(&app, &p, json!({"regions": fixture_json("regions.json"), "values_csv": csv})).await;
    assert_eq!((&res.json()["values_written"], &res.json()["values_unchanged"]), (&json!(0), &json!(7)));
    let corrected = csv.replace("5034;161;2023;total;240.5;298", "5034;161;2023;total;240,7;298");
    let res = import(&app, &p, json!({"regions": fixture_json("regions.json"), "values_csv": corrected})).await;
    assert_eq!(res.json()["values_written"], 1);

    // Values of an indicator never imported, a bad gender, a broken CSV: 422 naming them.
    let res = import(
        &app,
        &p,
        json!({"values": [{"indicator": 1, "region": 46, "year": 2023, "gender": "total", "value": 1}]}),
    )
    .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "values[0].indicator");
    let res = import(
        &app,
        &p,
        json!({"values": [{"indicator": 5034, "region": 46, "year": 2023, "gender": "kaikki", "value": 1}]}),
    )
    .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "values[0].gender");
    let res = import(
        &app,
        &p,
        json!({"values_csv": "indicator;region;year;gender;primary value;absolute value\n5034;46;vuosi;total;1;\n"}),
    )
    .await;
    let problem = res.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "values_csv");
    assert!(problem["errors"][0]["message"].as_str().unwrap().starts_with("line 2"));

    // Nobody writes, approves or deletes imported values through the API.
    let value = listed[0]["id"].as_str().unwrap();
    let res = crate::resources::indicators::report(
        &app,
        &p,
        As::Coordinator,
        vec![json!({"indicator_id": id, "value_type": "actual", "period": "2024", "value": 1})],
    )
    .await;
    res.assert_status(403);
    for who in [As::PlatformAdmin, As::Coordinator] {
        let res = app
            .call(p.request(
                who,
                TestRequest::delete().uri(&format!("/api/v1/observations/{value}")).insert_header(("if-match", "*")),
            ))
            .await;
        res.assert_status(403);
        let res =
            crate::resources::indicators::transition(&app, &p, who, value, json!({"to": "returned", "comment": "ei"}))
                .await;
        res.assert_status(403);
    }
}

#[actix_web::test]
async fn the_command_imports_downloaded_files() {
    let app = TestApp::spawn().await;
    let dir = format!("{}/tests/fixtures/sotkanet", env!("CARGO_MANIFEST_DIR"));
    let vars = [("DATABASE_URL", app.database_url())];
    let config =
        yhdyspinta::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .unwrap();
    let files: Vec<String> =
        ["indicator-5034.json", "regions.json", "data.csv"].iter().map(|f| format!("{dir}/{f}")).collect();
    yhdyspinta::server::import_sotkanet(&config, &files).await.unwrap();
    let res = app.get("/api/v1/indicators?source=sotkanet").await;
    let id = res.json()["data"][0]["id"].as_str().unwrap().to_owned();
    let res = app.get(&format!("/api/v1/observations?indicator={id}&limit=100")).await;
    assert_eq!(res.json()["data"].as_array().unwrap().len(), 7);
    // A file in neither shape says so.
    let err = yhdyspinta::server::import_sotkanet(&config, &[format!("{dir}/README.md")]).await.unwrap_err();
    assert!(err.to_string().contains("README.md"), "{err}");
}

#[actix_web::test]
async fn partners_cannot_take_the_platforms_codes() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    for code in ["PLATFORM_OCCURRENCES_HELD", "sotkanet_4230"] {
        let body = crate::resources::indicators::body(&p, code, "public");
        let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri("/api/v1/indicators"), body))).await;
        let error = res.assert_problem(422)["errors"][0].clone();
        assert_eq!((&error["field"], &error["code"]), (&json!("code"), &json!("reserved")));
    }
}
