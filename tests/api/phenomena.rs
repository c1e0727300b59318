//! Phenomenon reports: who reports, reads, handles and deletes them; personal data refused;
//! the summary with small counts suppressed for outsiders; themes.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::support::{As, Personas, TestApp, json};

const PHENOMENA: &str = "/api/v1/phenomena";

fn report(p: &Personas, theme: &str, municipality: &str, month: &str, people: i64) -> Value {
    json!({"theme": theme, "description": {"fi": "Aulassa moni kertoo olevansa yksin."},
           "area": {"municipality_code": municipality}, "observed_from": format!("{month}-01"),
           "observed_to": format!("{month}-20"), "people_concerned": people, "reporter_organization_id": p.org})
}

async fn create(app: &TestApp, p: &Personas, who: As, body: Value) -> Value {
    let res = app.call(p.request(who, json(TestRequest::post().uri(PHENOMENA), body))).await;
    res.assert_status(201).json()
}

#[actix_web::test]
async fn reports_are_the_collaborations_and_handled_by_the_responsible_organisation() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    // Members report for their own organisation only.
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Outsider, 403), (As::Client, 403), (As::Member, 201), (As::PlatformAdmin, 403)],
        || json(TestRequest::post().uri(PHENOMENA), report(&p, "loneliness", "837", &month, 12)),
    )
    .await;
    // Without a reporter named, the member's only organisation reports.
    let mut body = report(&p, "housing", "837", &month, 3);
    body.as_object_mut().unwrap().remove("reporter_organization_id");
    body["responsible_organization_id"] = json!(p.other_org);
    let made = create(&app, &p, As::Member, body).await;
    assert_eq!((&made["reporter_organization_id"], &made["status"]), (&json!(p.org), &json!("new")));
    let uri = format!("{PHENOMENA}/{}", made["id"].as_str().unwrap());

    // Readable by the members of any organisation, not by the anonymous or clients.
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 403), (As::Outsider, 200), (As::Member, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&uri),
    )
    .await;
    let listed = app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{PHENOMENA}?theme=housing")))).await;
    assert_eq!(listed.json()["data"].as_array().unwrap().len(), 1);

    // The reporter's members edit; the named responsible organisation responds, the reporter
    // does not.
    let patch = |body: Value| {
        json(TestRequest::patch().uri(&uri), body)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
    };
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 200)], || patch(json!({"people_concerned": 4}))).await;
    let res = app.call(p.request(As::Member, patch(json!({"reporter_organization_id": p.other_org})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "reporter_organization_id");
    let transition = |body: Value| json(TestRequest::post().uri(&format!("{uri}/transitions")), body);
    app.access_matrix(&p, &[(As::Coordinator, 403), (As::Member, 403)], || {
        transition(json!({"status": "under_review"}))
    })
    .await;
    let res = app.call(p.request(As::Outsider, transition(json!({"status": "addressed"})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "response");
    let res = app
        .call(p.request(
            As::Outsider,
            transition(
                json!({"status": "addressed", "response": {"fi": "Asumisneuvoja päivystää aulassa tiistaisin."}}),
            ),
        ))
        .await;
    assert_eq!(res.assert_status(200).json()["status"], "addressed");

    // Deleting is for the reporter's coordinators.
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403), (As::Coordinator, 204)], || {
        TestRequest::delete().uri(&uri).insert_header(("if-match", "*"))
    })
    .await;
    let audit = app
        .call(p.request(As::PlatformAdmin, TestRequest::get().uri("/api/v1/audit-log?resource_type=phenomenon")))
        .await;
    let entries = audit.assert_status(200).json()["data"].as_array().cloned().unwrap_or_default();
    assert!(entries.len() >= 5, "{}", audit.json());
}

#[actix_web::test]
async fn personal_data_and_unknown_references_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    for (text, found) in [
        ("Asiakas 131052-308T tarvitsee apua", "identity code"),
        ("Soittakaa numeroon 040 123 4567", "phone number"),
        ("Yhteys: liisa@example.fi", "e-mail"),
    ] {
        let mut body = report(&p, "loneliness", "837", &month, 1);
        body["description"] = json!({"fi": "Yksinäisyyttä", "sv": text});
        let res = app.call(p.request(As::Member, json(TestRequest::post().uri(PHENOMENA), body))).await;
        let error = res.assert_problem(422)["errors"][0].clone();
        assert_eq!(error["field"], "description.sv");
        assert!(error["message"].as_str().unwrap().contains(found), "{error}");
        assert!(!error.to_string().contains(text), "the refusal does not echo the data");
    }
    let mut body = report(&p, "weather", "999", &month, 1);
    body["venue_id"] = json!(uuid::Uuid::now_v7());
    use chrono::Datelike;
    // Ending the day before it starts.
    body["observed_to"] = json!(chrono::Utc::now().date_naive().with_day(1).unwrap().pred_opt().unwrap());
    let res = app.call(p.request(As::Member, json(TestRequest::post().uri(PHENOMENA), body))).await;
    let fields: Vec<String> = res.assert_problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["observed_to"]);
    let mut body = report(&p, "weather", "999", &month, 1);
    body["venue_id"] = json!(uuid::Uuid::now_v7());
    let res = app.call(p.request(As::Member, json(TestRequest::post().uri(PHENOMENA), body))).await;
    let fields: Vec<String> = res.assert_problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["theme", "area.municipality_code", "venue_id"]);
}

#[actix_web::test]
async fn the_summary_suppresses_small_counts_for_outsiders_and_themes_extend() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let today = chrono::Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    // Six loneliness reports in Tampere (people 1..6), two about housing.
    for people in 1..=6 {
        create(&app, &p, As::Member, report(&p, "loneliness", "837", &month, people)).await;
    }
    for people in [5, 7] {
        create(&app, &p, As::Member, report(&p, "housing", "837", &month, people)).await;
    }
    use chrono::Datelike;
    let from = today.with_day(1).unwrap();
    let to = from + chrono::Months::new(1);
    let uri = format!("{PHENOMENA}/summary?group_by=theme,municipality&from={from}&to={to}");
    let outsider = app.get(&uri).await.json();
    assert_eq!(
        outsider["data"],
        json!([{"theme": "housing", "municipality": "837", "count": null, "people_concerned": null},
               {"theme": "loneliness", "municipality": "837", "count": 6, "people_concerned": 21}])
    );
    let other = app.call(p.request(As::Outsider, TestRequest::get().uri(&uri))).await.json();
    assert_eq!(other, outsider);
    let own = app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.json();
    assert_eq!(own["data"][0], json!({"theme": "housing", "municipality": "837", "count": 2, "people_concerned": 12}));
    let by_month = app.get(&format!("{PHENOMENA}/summary?group_by=month&from={from}&to={to}")).await.json();
    assert_eq!(by_month["data"], json!([{"month": month, "count": 8, "people_concerned": 33}]));
    let res = app.get(&format!("{PHENOMENA}/summary?group_by=colour&from={to}&to={from}")).await;
    let errors = res.assert_problem(422)["errors"].clone();
    assert_eq!((errors[0]["field"].as_str(), errors[1]["field"].as_str()), (Some("group_by"), Some("to")));
    // Whole months only, and no year the database cannot hold (not a 500).
    let res =
        app.get(&format!("{PHENOMENA}/summary?group_by=theme&from={}&to={to}", from + chrono::Duration::days(3))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "from");
    let res =
        app.get(&format!("{PHENOMENA}/summary?group_by=theme&from={from}&to={to}&theme={}", "x".repeat(41))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "theme");
    let res = app.get(&format!("{PHENOMENA}/summary?group_by=&from=-5000-01-01&to=-4999-01-01")).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "out_of_range");

    // Themes: anyone lists them; platform admins add one.
    let themes = app.get("/api/v1/phenomenon-themes").await.json();
    assert!(themes["data"].as_array().unwrap().iter().any(|t| t["code"] == "digital_exclusion"));
    let theme = json!({"code": "energy_poverty", "name": {"fi": "Energiaköyhyys"}});
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::OrgAdmin, 403), (As::PlatformAdmin, 201), (As::PlatformAdmin, 409)],
        || json(TestRequest::post().uri("/api/v1/phenomenon-themes"), theme.clone()),
    )
    .await;
    create(&app, &p, As::Member, report(&p, "energy_poverty", "837", &month, 2)).await;
}
