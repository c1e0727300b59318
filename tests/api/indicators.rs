//! Indicators: who reads and keeps definitions, versions, values written in batches by
//! natural key with exact decimals, the reporting workflow with its approvals, history,
//! locked periods and the time series.

use std::cell::Cell;

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::agreements;
use crate::resources::indicators::{BATCH, INDICATORS, body, create, report, transition};
use crate::support::{As, Personas, TestApp, json};

fn patch(uri: &str, body: Value) -> TestRequest {
    json(TestRequest::patch().uri(uri), body)
        .insert_header(("content-type", "application/merge-patch+json"))
        .insert_header(("if-match", "*"))
}

fn ids(res: &crate::support::TestResponse) -> Vec<String> {
    res.json()["data"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

/// An agreement between the personas' organisation and the other one.
async fn partnership(app: &TestApp, p: &Personas) -> String {
    let made =
        agreements::create(app, p, As::Coordinator, agreements::body("KUMPPANUUS-1", &[p.org, p.other_org])).await;
    made["id"].as_str().unwrap().to_owned()
}

fn actual(indicator: &str, period: &str, municipality: &str, numerator: Value, denominator: Value) -> Value {
    json!({"indicator_id": indicator, "value_type": "actual", "period": period,
           "area": {"kind": "municipality", "code": municipality}, "numerator": numerator, "denominator": denominator})
}

#[actix_web::test]
async fn definitions_are_kept_by_the_owner_read_by_partners_and_versioned() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let n = Cell::new(0);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 403),
            (As::Member, 403),
            (As::Coordinator, 201),
            (As::OrgAdmin, 201),
            (As::PlatformAdmin, 403),
            (As::Client, 403),
            (As::ClientWithoutScope, 403),
        ],
        || {
            n.set(n.get() + 1);
            json(TestRequest::post().uri(INDICATORS), body(&p, &format!("KS_{}", n.get()), "partners"))
        },
    )
    .await;
    let res = app
        .call(json(p.request(As::Coordinator, TestRequest::post().uri(INDICATORS)), body(&p, "KS_LONELY", "partners")))
        .await;
    let location = app.follow_created(&p, As::Coordinator, &res, None).await;
    // A partner indicator is its partners': nobody else learns it exists.
    let read = || TestRequest::get().uri(&location);
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 404),
            (As::Outsider, 404),
            (As::Member, 200),
            (As::PlatformAdmin, 404),
            (As::Client, 200),
            (As::ClientWithoutScope, 404),
        ],
        read,
    )
    .await;
    app.access_matrix(&p, &[(As::Outsider, 404), (As::Member, 403), (As::Coordinator, 200)], || {
        patch(&location, json!({"title": {"fi": "Yksinäisyys 65+"}}))
    })
    .await;
    // Linking a partnership lets its other party read it, and nothing more.
    let agreement = partnership(&app, &p).await;
    let linked = app.call(p.request(As::Coordinator, patch(&location, json!({"agreement_ids": [agreement]})))).await;
    linked.assert_status(200);
    app.access_matrix(&p, &[(As::Outsider, 200), (As::Anonymous, 404)], read).await;
    app.call(p.request(As::Outsider, patch(&location, json!({"unit": "prosenttia"})))).await.assert_problem(403);
    // Every change is a version; the first one is still there as it was.
    let versions = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{location}/versions")))).await;
    versions.assert_status(200);
    let listed = versions.json()["data"].as_array().unwrap().clone();
    assert_eq!(listed.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(listed[0]["definition"]["title"]["fi"], "Yksinäisyyttä kokevat 65+");
    assert_eq!(listed[2]["definition"]["agreement_ids"][0], agreement.as_str());
    let later = format!("{location}/versions?updated_since=2999-01-01T00:00:00Z");
    let none = app.call(p.request(As::Member, TestRequest::get().uri(&later))).await;
    assert!(none.json()["data"].as_array().unwrap().is_empty(), "updated_since filters versions too");
    // A stale write is 412 with the current definition.
    let stale = app
        .call(p.request(As::Coordinator, patch(&location, json!({"unit": "%"})).insert_header(("if-match", "\"1\""))))
        .await;
    assert_eq!(stale.assert_problem(412)["current"]["version"], 3);

    // The anonymous list holds public indicators only; partners see theirs too.
    let public = create(&app, &p, body(&p, "KS_PUBLIC", "public")).await;
    let anonymous = app.get(INDICATORS).await;
    assert_eq!(ids(&anonymous), vec![public["id"].as_str().unwrap().to_owned()]);
    let outsider = app.call(p.request(As::Outsider, TestRequest::get().uri(INDICATORS))).await;
    assert_eq!(ids(&outsider).len(), 2, "the public one and the linked one");
    let by_agreement =
        app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{INDICATORS}?agreement={agreement}")))).await;
    assert_eq!(ids(&by_agreement).len(), 1);

    // Field rules, all at once, naming each field.
    let mut bad = body(&p, "x", "public");
    bad["measure"] = json!("rate");
    bad["dimensions"] = json!(["area", "area"]);
    bad["decimals"] = json!(9);
    bad["external_references"] = json!([{"vocabulary": "sotkanet", "code": "1", "url": "javascript:alert(1)"}]);
    let res = app.call(json(p.request(As::Coordinator, TestRequest::post().uri(INDICATORS)), bad)).await;
    let problem = res.assert_problem(422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["code", "decimals", "dimensions", "external_references[0].url", "rate_per"] {
        assert!(fields.contains(&field), "{field} in {problem}");
    }
    let mut unknown = body(&p, "KS_X", "public");
    unknown["agreement_ids"] = json!([uuid::Uuid::now_v7()]);
    let res = app.call(json(p.request(As::Coordinator, TestRequest::post().uri(INDICATORS)), unknown)).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "agreement_ids[0]");
    let res = app
        .call(json(p.request(As::Coordinator, TestRequest::post().uri(INDICATORS)), body(&p, "KS_PUBLIC", "public")))
        .await;
    assert_eq!(res.assert_problem(409)["detail"].as_str().map(|d| d.contains("code")), Some(true));

    // An indicator with values is not deleted; one without is.
    let public_id = public["id"].as_str().unwrap();
    report(&app, &p, As::Member, vec![actual(public_id, "2025", "179", json!(1), json!(2))]).await.assert_status(200);
    let uri = format!("{INDICATORS}/{public_id}");
    let delete = || TestRequest::delete().uri(&uri).insert_header(("if-match", "*"));
    app.call(p.request(As::Coordinator, delete())).await.assert_problem(409);
    app.call(p.request(As::Coordinator, TestRequest::delete().uri(&location).insert_header(("if-match", "*"))))
        .await
        .assert_status(204);
}

#[actix_web::test]
async fn a_batch_upserts_by_natural_key_with_exact_values_all_or_nothing() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let indicator = create(&app, &p, body(&p, "KS_LONELY_65", "public")).await;
    let id = indicator["id"].as_str().unwrap();
    let row = actual(id, "2025", "179", json!(110), json!(1000));

    // Only the partners' members report, and anonymous callers not at all.
    let send = || json(TestRequest::post().uri(BATCH), json!({"observations": [row.clone()]}));
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Client, 403)], send).await;
    let res = report(&app, &p, As::Member, vec![row.clone()]).await;
    res.assert_status(200);
    let written = res.json();
    assert_eq!((written["created"].as_i64(), written["unchanged"].as_i64()), (Some(1), Some(0)));
    let value = &written["data"][0];
    assert_eq!(value["value"], "11.0", "110 / 1000 × 100, shown with one decimal");
    assert_eq!(value["exact_value"], "11");
    assert_eq!(value["period"], json!({"code": "2025", "start": "2025-01-01", "end": "2025-12-31"}));
    assert_eq!(value["status"], "draft");
    assert_eq!(value["reporting_organization_id"], p.org.to_string());

    // The same batch again changes nothing: same id, same version.
    let again = report(&app, &p, As::Member, vec![row.clone()]).await.json();
    assert_eq!(again["unchanged"], 1);
    assert_eq!((&again["data"][0]["id"], &again["data"][0]["version"]), (&value["id"], &value["version"]));

    // Exact arithmetic: a third is kept to 28 digits and rounded only when shown.
    let third = actual(id, "2024", "179", json!("1"), json!("3"));
    let tenths = json!({"indicator_id": id, "value_type": "target", "period": "2026", "value": "0.30"});
    let res = report(&app, &p, As::Member, vec![third, tenths]).await;
    let both = res.json();
    assert_eq!(both["data"][0]["value"], "33.3");
    assert_eq!(both["data"][0]["exact_value"], "33.333333333333333333333333333");
    assert_eq!(both["data"][1]["value"], "0.3");
    assert_eq!(both["data"][1]["exact_value"], "0.3");
    // The history keeps all 28 digits too.
    let third_history = format!("/api/v1/observations/{}/history", both["data"][0]["id"].as_str().unwrap());
    let kept = app.call(p.request(As::Member, TestRequest::get().uri(&third_history))).await;
    assert_eq!(kept.assert_status(200).json()["data"][0]["value"], "33.333333333333333333333333333");

    // A changed value is a correction: updated in place, its history kept.
    let corrected = report(&app, &p, As::Member, vec![actual(id, "2025", "179", json!(120), json!(1000))]).await.json();
    assert_eq!(corrected["updated"], 1);
    assert_eq!(corrected["data"][0]["id"], value["id"]);
    assert_eq!(corrected["data"][0]["value"], "12.0");
    let history = app
        .call(p.request(
            As::Member,
            TestRequest::get().uri(&format!("/api/v1/observations/{}/history", value["id"].as_str().unwrap())),
        ))
        .await
        .json();
    let exact: Vec<&str> = history["data"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(exact, vec!["11", "12"]);

    // A failed batch writes nothing and names every row's broken field.
    let count_before = app.call(p.request(As::Member, TestRequest::get().uri("/api/v1/observations"))).await;
    let before = ids(&count_before).len();
    let res = report(
        &app,
        &p,
        As::Member,
        vec![
            actual(id, "2023", "179", json!(5), json!(10)),
            actual(id, "2023-13", "179", json!(5), json!(10)),
            actual(id, "2022", "999", json!(5), json!(0)),
            json!({"indicator_id": id, "value_type": "actual", "period": "2021", "value": "5", "sex": "female"}),
        ],
    )
    .await;
    let problem = res.assert_problem(422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        vec!["observations[1].period", "observations[2].denominator", "observations[3].sex"],
        "{problem}"
    );
    let after = app.call(p.request(As::Member, TestRequest::get().uri("/api/v1/observations"))).await;
    assert_eq!(ids(&after).len(), before, "all or nothing");
    let res = report(&app, &p, As::Member, vec![actual(id, "2022", "999", json!(5), json!(10))]).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "observations[0].area.code");
    // Fractions as JSON numbers have been rounded to binary already: refused, by path.
    let res = report(
        &app,
        &p,
        As::Member,
        vec![json!({"indicator_id": id, "value_type": "target", "period": "2027", "value": 0.1})],
    )
    .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "observations[0].value");
    let res = report(
        &app,
        &p,
        As::Member,
        vec![actual(&uuid::Uuid::now_v7().to_string(), "2025", "179", json!(1), json!(2))],
    )
    .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "observations[0].indicator_id");

    // Idempotency-Key: a retry gets the first answer again.
    let keyed = || {
        json(TestRequest::post().uri(BATCH), json!({"observations": [actual(id, "2020", "179", json!(1), json!(4))]}))
            .insert_header(("idempotency-key", "batch-2020"))
    };
    let first = app.call(p.request(As::Member, keyed())).await;
    first.assert_status(200);
    let replay = app.call(p.request(As::Member, keyed())).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), first.json());
}

#[actix_web::test]
async fn values_are_approved_by_the_owner_never_by_their_reporter_and_only_approved_ones_count() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let agreement = partnership(&app, &p).await;
    let mut definition = body(&p, "KS_PARTICIPANTS", "public");
    definition["agreement_ids"] = json!([agreement]);
    let indicator = create(&app, &p, definition).await;
    let id = indicator["id"].as_str().unwrap();
    let series = format!("{INDICATORS}/{id}/series?area=179");

    // The partner reports for itself.
    let mut row = actual(id, "2025", "179", json!(30), json!(200));
    row["reporting_organization_id"] = json!(p.other_org);
    let res = report(&app, &p, As::Outsider, vec![row]).await;
    let value = res.assert_status(200).json()["data"][0].clone();
    let value_id = value["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/observations/{value_id}");
    // A draft is the reporter's and the owner's; the public learns nothing of it.
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 404),
            (As::Outsider, 200),
            (As::Member, 200),
            (As::Client, 200),
            (As::ClientWithoutScope, 404),
        ],
        || TestRequest::get().uri(&uri),
    )
    .await;
    assert!(app.get("/api/v1/observations").await.json()["data"].as_array().unwrap().is_empty());
    // Only the reporter submits; nobody approves a draft.
    transition(&app, &p, As::Coordinator, &value_id, json!({"to": "submitted"})).await.assert_problem(403);
    transition(&app, &p, As::Coordinator, &value_id, json!({"to": "approved"})).await.assert_problem(409);
    transition(&app, &p, As::Outsider, &value_id, json!({"to": "submitted"})).await.assert_status(200);
    // The reporter does not approve its own value; the owner's member does not either.
    transition(&app, &p, As::Outsider, &value_id, json!({"to": "approved"})).await.assert_problem(403);
    transition(&app, &p, As::Member, &value_id, json!({"to": "approved"})).await.assert_problem(403);
    // Returning says why.
    let res = transition(&app, &p, As::Coordinator, &value_id, json!({"to": "returned"})).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "comment");
    let returned =
        transition(&app, &p, As::Coordinator, &value_id, json!({"to": "returned", "comment": "Tarkista nimittäjä"}))
            .await;
    assert_eq!(returned.assert_status(200).json()["status_comment"], "Tarkista nimittäjä");
    transition(&app, &p, As::Outsider, &value_id, json!({"to": "submitted"})).await.assert_status(200);
    let stale = app
        .call(
            p.request(
                As::Coordinator,
                json(TestRequest::post().uri(&format!("{uri}/transitions")), json!({"to": "approved"}))
                    .insert_header(("if-match", "\"1\"")),
            ),
        )
        .await;
    stale.assert_problem(412);
    let approved = transition(&app, &p, As::Coordinator, &value_id, json!({"to": "approved"})).await;
    assert_eq!(approved.assert_status(200).json()["status"], "approved");
    // Now the public sees it, in the list and in the series.
    assert_eq!(ids(&app.get("/api/v1/observations").await), vec![value_id.clone()]);
    let history = app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{uri}/history")))).await.json();
    let states: Vec<&str> = history["data"].as_array().unwrap().iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(states, vec!["draft", "submitted", "returned", "submitted", "approved"]);

    // The owner's own value: its submitter cannot approve it, another coordinator can.
    let own = vec![
        json!({"indicator_id": id, "value_type": "target", "period": "2025", "area": {"kind": "municipality", "code": "179"}, "value": "12.5"}),
        json!({"indicator_id": id, "value_type": "baseline", "period": "2025", "area": {"kind": "municipality", "code": "179"}, "value": "20"}),
        json!({"indicator_id": id, "value_type": "actual", "period": "2024", "area": {"kind": "municipality", "code": "179"},
               "numerator": 40, "denominator": 200, "confidential": true}),
    ];
    let written = report(&app, &p, As::Coordinator, own).await.json();
    for v in written["data"].as_array().unwrap() {
        let vid = v["id"].as_str().unwrap();
        transition(&app, &p, As::Coordinator, vid, json!({"to": "submitted"})).await.assert_status(200);
        transition(&app, &p, As::Coordinator, vid, json!({"to": "approved"})).await.assert_problem(403);
        transition(&app, &p, As::OrgAdmin, vid, json!({"to": "approved"})).await.assert_status(200);
    }
    let public = app.get(&series).await;
    public.assert_status(200);
    let etag = public.header("etag").unwrap().to_owned();
    app.call(TestRequest::get().uri(&series).insert_header(("if-none-match", etag))).await.assert_status(304);
    let points = public.json()["points"].clone();
    assert_eq!(
        points,
        json!([{"period": {"code": "2025", "start": "2025-01-01", "end": "2025-12-31"},
                "actual": "15.0", "target": "12.5", "baseline": "20.0", "provisional": false}]),
        "the confidential 2024 value stays out of public output"
    );
    let partners = app.call(p.request(As::Outsider, TestRequest::get().uri(&series))).await.json();
    assert_eq!(partners["points"][0]["actual"], "20.0", "partners see the confidential value");
    assert_eq!(partners["points"].as_array().unwrap().len(), 2);

    // After the annual review the period is closed.
    let locked = app
        .call(p.request(As::Coordinator, patch(&format!("{INDICATORS}/{id}"), json!({"locked_through": "2025-12-31"}))))
        .await;
    locked.assert_status(200);
    let res = report(&app, &p, As::Coordinator, vec![actual(id, "2025", "179", json!(31), json!(200))]).await;
    assert!(res.assert_problem(409)["detail"].as_str().unwrap().contains("observations[0]"));
    transition(&app, &p, As::Coordinator, &value_id, json!({"to": "returned", "comment": "Liian myöhään"}))
        .await
        .assert_problem(409);
    app.call(p.request(As::Coordinator, TestRequest::delete().uri(&uri).insert_header(("if-match", "*"))))
        .await
        .assert_problem(409);

    // Every write is audited: the partner's value was created and moved four times.
    let mut conn = app.conn().await;
    let actions: Vec<String> = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use yhdyspinta::repo::schema::audit_log;
        audit_log::table
            .filter(audit_log::resource_type.eq("observation"))
            .filter(audit_log::resource_id.eq(&value_id))
            .order(audit_log::seq)
            .select(audit_log::action)
            .load(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(actions, vec!["create", "transition", "transition", "transition", "transition"]);
}

#[actix_web::test]
async fn a_partner_pulling_with_removals_hears_of_withdrawn_approvals_and_deletions() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let agreement = partnership(&app, &p).await;
    let mut definition = body(&p, "KS_PARTNERS_ONLY", "partners");
    definition["agreement_ids"] = json!([agreement]);
    let id = create(&app, &p, definition).await["id"].as_str().unwrap().to_owned();
    let rows = vec![actual(&id, "2024", "179", json!(1), json!(4)), actual(&id, "2025", "179", json!(1), json!(5))];
    let written = report(&app, &p, As::Member, rows).await.json();
    let (kept, dropped) = (written["data"][0]["id"].as_str().unwrap(), written["data"][1]["id"].as_str().unwrap());
    transition(&app, &p, As::Member, kept, json!({"to": "submitted"})).await.assert_status(200);
    transition(&app, &p, As::Coordinator, kept, json!({"to": "approved"})).await.assert_status(200);
    // The partner sees the approved value, then its approval is withdrawn.
    let partner_list = || TestRequest::get().uri("/api/v1/observations");
    assert_eq!(ids(&app.call(p.request(As::Outsider, partner_list())).await), vec![kept.to_owned()]);
    let withdrawn =
        transition(&app, &p, As::Coordinator, kept, json!({"to": "returned", "comment": "Väärä vuosi"})).await;
    withdrawn.assert_status(200);
    assert!(ids(&app.call(p.request(As::Outsider, partner_list())).await).is_empty());
    app.call(p.request(
        As::Member,
        TestRequest::delete().uri(&format!("/api/v1/observations/{dropped}")).insert_header(("if-match", "*")),
    ))
    .await
    .assert_status(204);
    let removals = |who| p.request(who, TestRequest::get().uri("/api/v1/removals?resource_type=observation"));
    let heard = app.call(removals(As::Outsider)).await.json();
    let seen: Vec<(String, String)> = heard["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["resource_id"].as_str().unwrap().to_owned(), r["reason"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(seen, vec![(kept.to_owned(), "unpublished".to_owned()), (dropped.to_owned(), "deleted".to_owned())]);
    // A service client of the owner reading indicators hears of both; the public never saw
    // either, and hears of neither, nor does a client without the scope.
    assert_eq!(app.call(removals(As::Client)).await.json()["data"].as_array().unwrap().len(), 2);
    for who in [As::Anonymous, As::ClientWithoutScope] {
        assert!(app.call(removals(who)).await.json()["data"].as_array().unwrap().is_empty());
    }
}

/// Values written straight into the database, approved: enough to span several batches.
async fn bulk_values(app: &TestApp, indicator: &str, reporter: uuid::Uuid, count: usize) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.conn().await;
    conn.batch_execute(&format!(
        "INSERT INTO observations (id, indicator_id, value_type, period_code, period_start, period_end, area_kind,
                                   area_code, value, status, reporting_organization_id)
         SELECT gen_random_uuid(), '{indicator}', 'actual', '2020-' || lpad(n::text, 4, '0'), date '2020-01-01',
                date '2020-12-31', NULL, NULL, n / 8.0, 'approved', '{reporter}'
         FROM generate_series(1, {count}) n"
    ))
    .await
    .unwrap();
}

#[actix_web::test]
async fn exports_stream_every_format_with_etags_and_hostile_text_kept_inert() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let mut definition = body(&p, "KS_EXPORT", "public");
    definition["measure"] = json!("count");
    definition["unit"] = json!("hlö; \"kävijät\"");
    definition["decimals"] = json!(2);
    let id = create(&app, &p, definition).await["id"].as_str().unwrap().to_owned();
    let hostile = "=HYPERLINK(\"http://x\")\n\"lainaus\"; pilkku, rivi";
    let rows = vec![
        json!({"indicator_id": id, "value_type": "actual", "period": "2025-Q1", "area": {"kind": "municipality", "code": "179"},
               "value": "12", "narrative": {"fi": hostile}}),
        json!({"indicator_id": id, "value_type": "target", "period": "2025", "value": "1234567", "provisional": true}),
        json!({"indicator_id": id, "value_type": "baseline", "period": "2024-2025", "value": "3"}),
    ];
    let written = report(&app, &p, As::Member, rows).await.json();
    for v in written["data"].as_array().unwrap().iter().take(2) {
        let vid = v["id"].as_str().unwrap();
        transition(&app, &p, As::Member, vid, json!({"to": "submitted"})).await.assert_status(200);
        transition(&app, &p, As::Coordinator, vid, json!({"to": "approved"})).await.assert_status(200);
    }
    const EXPORT: &str = "/api/v1/exports/observations";

    // CSV by default, RFC 4180: the hostile narrative is one quoted, inert cell.
    let csv_res = app.get(EXPORT).await;
    csv_res.assert_status(200);
    assert_eq!(csv_res.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(&csv_res.body[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2, "approved values only; the draft baseline stays out");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let actual = records.iter().find(|r| &r[column("value_type")] == "actual").unwrap();
    assert_eq!(&actual[column("narrative")], format!("'{hostile}"));
    assert_eq!(&actual[column("value")], "12.00");
    assert_eq!(&actual[column("period_end")], "2025-03-31");
    assert_eq!(&actual[column("unit")], "hlö; \"kävijät\"");

    // Finnish Excel: byte order mark, `;`, decimal comma.
    let fi = app.get(&format!("{EXPORT}?dialect=fi")).await;
    assert!(fi.body.starts_with("\u{feff}".as_bytes()));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&fi.body[3..]);
    let values: Vec<String> = reader.records().map(|r| r.unwrap()[column("value")].to_owned()).collect();
    assert!(values.contains(&"1234567,00".to_owned()), "{values:?}");

    // JSON, NDJSON and SDMX-CSV, by format= or by Accept; an Accept it cannot meet is 406.
    let json_res = app.call(TestRequest::get().uri(EXPORT).insert_header(("accept", "application/json"))).await;
    assert_eq!(json_res.header("content-type"), Some("application/json"));
    assert_eq!(json_res.json().as_array().unwrap().len(), 2);
    let ndjson = app
        .call(TestRequest::get().uri(EXPORT).insert_header(("accept", "text/html;q=0.9, application/x-ndjson")))
        .await;
    let lines: Vec<Value> =
        std::str::from_utf8(&ndjson.body).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines, json_res.json().as_array().unwrap().clone());
    let sdmx = app.get(&format!("{EXPORT}?format=sdmx-csv")).await;
    assert_eq!(sdmx.header("content-type"), Some("application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(&sdmx.body[..]);
    assert_eq!(&reader.headers().unwrap()[1], "STRUCTURE_ID");
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!((&first[1], &first[3]), ("YHDYSPINTA:DF_OBSERVATIONS(1.0.0)", "KS_EXPORT"));
    app.call(TestRequest::get().uri(EXPORT).insert_header(("accept", "image/png"))).await.assert_problem(406);

    // Unchanged: 304 on the ETag; changed (a removal too): a new one.
    let etag = csv_res.header("etag").unwrap().to_owned();
    let again = app.call(TestRequest::get().uri(EXPORT).insert_header(("if-none-match", etag.clone()))).await;
    again.assert_status(304);
    let draft = written["data"][2]["id"].as_str().unwrap();
    app.call(p.request(
        As::Member,
        TestRequest::delete().uri(&format!("/api/v1/observations/{draft}")).insert_header(("if-match", "*")),
    ))
    .await
    .assert_status(204);
    let after = app.call(TestRequest::get().uri(EXPORT).insert_header(("if-none-match", etag.clone()))).await;
    after.assert_status(200);
    assert_ne!(after.header("etag"), Some(etag.as_str()));

    // Many batches: every value once, the JSON whole, the partners' values for partners only.
    bulk_values(&app, &id, p.org, 4500).await;
    let big = app.get(&format!("{EXPORT}?format=json")).await.json();
    let ids: std::collections::BTreeSet<&str> =
        big.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4502);
    let since = app.get(&format!("{EXPORT}?format=ndjson&updated_since=2999-01-01T00:00:00Z")).await;
    assert!(since.body.is_empty());
    app.call(p.request(As::Coordinator, patch(&format!("{INDICATORS}/{id}"), json!({"visibility": "partners"}))))
        .await
        .assert_status(200);
    assert_eq!(app.get(&format!("{EXPORT}?format=json")).await.json(), json!([]));
    let client = app.call(p.request(As::Client, TestRequest::get().uri(&format!("{EXPORT}?format=ndjson")))).await;
    assert_eq!(std::str::from_utf8(&client.body).unwrap().lines().count(), 4502);

    // The data package describes the CSV's columns, in order.
    let package = app.get(&format!("{EXPORT}/datapackage.json")).await.json();
    let fields: Vec<&str> = package["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, header.iter().map(String::as_str).collect::<Vec<_>>());
}

#[actix_web::test]
async fn a_chart_draws_the_series_with_an_accessible_title_and_finnish_numbers() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let mut definition = body(&p, "KS_CHART", "public");
    definition["title"] = json!({"fi": "<script>alert(1)</script> & \"Osallistujat\""});
    definition["measure"] = json!("index");
    definition["unit"] = json!("hlö");
    definition["decimals"] = json!(1);
    let id = create(&app, &p, definition).await["id"].as_str().unwrap().to_owned();
    let chart = format!("{INDICATORS}/{id}/chart.svg");
    // No values yet: an empty chart that says so.
    let empty = app.get(&chart).await;
    empty.assert_status(200);
    assert!(std::str::from_utf8(&empty.body).unwrap().contains("Ei hyväksyttyjä arvoja"));
    let rows = [
        ("2023", "actual", "1200"),
        ("2024", "actual", "1234.5"),
        ("2024", "target", "1300"),
        ("2023", "baseline", "1100"),
    ]
    .iter()
    .map(|(period, kind, value)| json!({"indicator_id": id, "value_type": kind, "period": period, "value": value}))
    .collect();
    let written = report(&app, &p, As::Member, rows).await.json();
    for v in written["data"].as_array().unwrap() {
        let vid = v["id"].as_str().unwrap();
        transition(&app, &p, As::Member, vid, json!({"to": "submitted"})).await.assert_status(200);
        transition(&app, &p, As::Coordinator, vid, json!({"to": "approved"})).await.assert_status(200);
    }
    let res = app.get(&chart).await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("image/svg+xml; charset=utf-8"));
    let svg = std::str::from_utf8(&res.body).unwrap();
    assert!(svg.contains("role=\"img\" aria-labelledby=\"chart-title chart-desc\""), "{svg}");
    assert!(!svg.contains("<script"), "the title is text, never markup");
    assert!(svg.contains(
        "<title id=\"chart-title\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Osallistujat&quot; (hlö)</title>"
    ));
    assert!(svg.contains("Toteuma: 2023 1\u{a0}200,0 hlö, 2024 1\u{a0}234,5 hlö. Tavoite: 2024 1\u{a0}300,0 hlö. Lähtötaso: 2023 1\u{a0}100,0 hlö."), "{svg}");
    let texts: Vec<&str> = svg.split("</text>").filter_map(|t| Some(t.rsplit_once('>')?.1.trim())).collect();
    for label in ["Arvo (hlö)", "Kausi", "2023", "2024", "1\u{a0}200,0", "Toteuma", "Tavoite", "Lähtötaso"] {
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    // Anonymous readers of a partner indicator learn nothing, as for its series.
    app.call(p.request(As::Coordinator, patch(&format!("{INDICATORS}/{id}"), json!({"visibility": "partners"}))))
        .await
        .assert_status(200);
    app.get(&chart).await.assert_problem(404);
    app.call(p.request(As::Member, TestRequest::get().uri(&chart))).await.assert_status(200);
}

#[actix_web::test]
async fn an_agreement_task_names_an_indicator_its_parties_may_read() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::IndicatorsRead).await;
    let public = create(&app, &p, body(&p, "KS_TASK_PUBLIC", "public")).await["id"].as_str().unwrap().to_owned();
    // Another organisation's partner indicator: the parties cannot read it.
    let elsewhere = {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = app.conn().await;
        let third = crate::support::fixtures::organization(
            "Kolmas ry",
            yhdyspinta::domain::organizations::OrganizationKind::Ngo,
        );
        let (owner, id) = (third.0, uuid::Uuid::now_v7());
        crate::support::fixtures::insert(&mut conn, vec![third]).await;
        conn.batch_execute(&format!(
            "INSERT INTO indicators (id, code, title, kind, measure, decimals, direction, aggregation, periodicity,
                                     dimensions, owner_organization_id, visibility)
             VALUES ('{id}', 'MUU', '{{\"fi\": \"Muu\"}}', 'performance', 'count', 0, 'none', 'sum', 'P1Y', '{{}}',
                     '{owner}', 'partners')"
        ))
        .await
        .unwrap();
        id
    };
    let mut agreement = agreements::body("KUMPPANUUS-T", &[p.org]);
    for (indicator, status) in [(uuid::Uuid::now_v7().to_string(), 422), (elsewhere.to_string(), 422), (public, 201)] {
        agreement["tasks"][0]["indicator_id"] = json!(indicator);
        let res = app
            .call(json(p.request(As::Coordinator, TestRequest::post().uri("/api/v1/agreements")), agreement.clone()))
            .await;
        res.assert_status(status);
        if status == 422 {
            assert_eq!(res.json()["errors"][0]["field"], "tasks[0].indicator_id");
        }
    }
}
