//! Workshops: who holds and reads them, listed organisations taking their place by their own
//! act, challenges prioritised by votes (double votes and votes over the limit impossible,
//! also concurrently), actions and artefacts.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::support::{As, Personas, TestApp, json};

const WORKSHOPS: &str = "/api/v1/workshops";

fn waste_workshop(p: &Personas, votes: i64) -> Value {
    let held = chrono::Utc::now().date_naive() - chrono::Duration::days(30);
    json!({"kind": "waste_workshop", "date": held, "title": {"fi": "Hukkapaja"},
           "organizer_ids": [p.org], "participant_organization_ids": [p.other_org], "votes_per_person": votes,
           "client_cases": [{"title": {"fi": "Asiakas A"}, "description": {"fi": "Iäkäs asukas jää palveluiden väliin."}}]})
}

fn patch(uri: &str, body: Value) -> TestRequest {
    json(TestRequest::patch().uri(uri), body)
        .insert_header(("content-type", "application/merge-patch+json"))
        .insert_header(("if-match", "*"))
}

async fn challenge(app: &TestApp, p: &Personas, who: As, uri: &str, text: &str) -> String {
    let res = app
        .call(p.request(
            who,
            json(TestRequest::post().uri(&format!("{uri}/challenges")), json!({"description": {"fi": text}})),
        ))
        .await;
    res.assert_status(201).json()["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn listed_organisations_take_part_by_their_own_act_and_prioritise_by_vote() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 403), (As::Member, 403), (As::Outsider, 403), (As::PlatformAdmin, 403)],
        || json(TestRequest::post().uri(WORKSHOPS), waste_workshop(&p, 2)),
    )
    .await;
    let res =
        app.call(p.request(As::Coordinator, json(TestRequest::post().uri(WORKSHOPS), waste_workshop(&p, 2)))).await;
    let uri = app.follow_created(&p, As::Coordinator, &res, None).await;
    assert_eq!(
        res.json()["organizations"],
        json!([{"organization_id": p.org, "role": "organizer", "accepted": true},
               {"organization_id": p.other_org, "role": "participant", "accepted": false}])
    );
    // The listed read it; the anonymous and clients do not.
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Client, 404), (As::Outsider, 200), (As::Member, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&uri),
    )
    .await;
    let own = app.call(p.request(As::Outsider, TestRequest::get().uri(WORKSHOPS))).await.json();
    assert_eq!(own["data"].as_array().unwrap().len(), 1);
    // Client cases are anonymised.
    let res = app
        .call(p.request(
            As::Coordinator,
            patch(&uri, json!({"client_cases": [{"title": {"fi": "B"}, "description": {"fi": "hetu 131052-308T"}}]})),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "client_cases[0].description.fi");

    // Named is not taking part: the participant names no challenge and votes not until its
    // own coordinators accept.
    let first = challenge(&app, &p, As::Member, &uri, "Asiakas kertoo tarinansa monta kertaa.").await;
    let vote = |c: &str| TestRequest::post().uri(&format!("{uri}/challenges/{c}/votes"));
    app.call(p.request(As::Outsider, vote(&first))).await.assert_problem(403);
    let accept = || {
        json(TestRequest::post().uri(&format!("{uri}/acceptances")), json!({"organization_id": p.other_org}))
            .insert_header(("if-match", "*"))
    };
    app.access_matrix(&p, &[(As::Coordinator, 403), (As::Member, 403)], accept).await;
    let accepted = app.call(p.request(As::Outsider, accept())).await.assert_status(200).json();
    assert_eq!(accepted["organizations"][1]["accepted"], true);
    let second = challenge(&app, &p, As::Outsider, &uri, "Tieto ei kulje järjestön ja kunnan välillä.").await;
    let third = challenge(&app, &p, As::Member, &uri, "Tilat ovat hajallaan.").await;

    // One vote per person per challenge, two per person in this workshop.
    let res = app.call(p.request(As::Member, vote(&second))).await;
    assert_eq!((res.json()["votes"].clone(), res.json()["voted"].clone()), (json!(1), json!(true)));
    app.call(p.request(As::Member, vote(&second))).await.assert_problem(409);
    app.call(p.request(As::Member, vote(&first))).await.assert_status(200);
    app.call(p.request(As::Member, vote(&third))).await.assert_problem(409);
    app.call(p.request(As::Outsider, vote(&second))).await.assert_status(200);
    // Taking a vote back frees it.
    let unvote =
        app.call(p.request(As::Member, TestRequest::delete().uri(&format!("{uri}/challenges/{first}/votes")))).await;
    assert_eq!(unvote.assert_status(200).json()["votes"], 0);
    app.call(p.request(As::Member, vote(&third))).await.assert_status(200);

    // The prioritised list: most votes first; the organisers mark the top one.
    let sorted =
        app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{uri}/challenges?sort=votes")))).await;
    let order: Vec<_> =
        sorted.json()["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(order, [second.clone(), third.clone(), first.clone()]);
    let challenge_uri = format!("{uri}/challenges/{second}");
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403), (As::Coordinator, 200)], || {
        patch(&challenge_uri, json!({"prioritised": true}))
    })
    .await;
    let read = app.call(p.request(As::Member, TestRequest::get().uri(&challenge_uri))).await;
    assert_eq!((read.json()["prioritised"].clone(), read.json()["votes"].clone()), (json!(true), json!(2)));

    // Actions answer a challenge; the responsible organisation is named, not bound.
    let action = || {
        json(
            TestRequest::post().uri(&format!("{uri}/actions")),
            json!({"description": {"fi": "Yhteinen asiakaspolku."}, "responsible_organization_id": p.other_org,
                   "due_date": "2099-01-15", "challenge_id": second}),
        )
    };
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403)], action).await;
    let res = app.call(p.request(As::Coordinator, action())).await;
    app.follow_created(&p, As::Coordinator, &res, None).await;
    assert_eq!(res.json()["accepted"], false);
    let listed = app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{uri}/actions")))).await;
    assert_eq!(listed.json()["data"][0]["challenge_id"], json!(second));
    let res = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{uri}/actions")),
                json!({"description": {"fi": "x"}, "responsible_organization_id": p.org, "challenge_id": uuid::Uuid::now_v7()}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "challenge_id");

    // Artefacts are ordered steps.
    let path = json!({"kind": "client_path", "title": {"fi": "Asiakaspolku"},
                      "steps": [{"actor": "Asiakas", "description": {"fi": "Tulee aulaan."}},
                                {"actor": "Aulan työntekijä", "description": {"fi": "Ohjaa neuvojalle."}}]});
    let create = || json(TestRequest::post().uri(&format!("{uri}/artefacts")), path.clone());
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403)], create).await;
    let res = app.call(p.request(As::Coordinator, create())).await;
    let artefact_uri = app.follow_created(&p, As::Outsider, &res, None).await;
    assert_eq!(res.json()["steps"][1]["actor"], "Aulan työntekijä");
    let res = app.call(p.request(As::Coordinator, patch(&artefact_uri, json!({"steps": []})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "steps");

    // A phenomenon report it takes up: deleting the report is a new version of the workshop.
    let month_ago = chrono::Utc::now().date_naive() - chrono::Duration::days(30);
    let report = app
        .call(p.request(
            As::Member,
            json(
                TestRequest::post().uri("/api/v1/phenomena"),
                json!({"theme": "loneliness", "description": {"fi": "Yksinäisyyttä aulassa."},
                       "area": {"municipality_code": "837"}, "observed_from": month_ago, "observed_to": month_ago}),
            ),
        ))
        .await
        .assert_status(201)
        .json();
    let linked = app.call(p.request(As::Coordinator, patch(&uri, json!({"phenomenon_ids": [report["id"]]})))).await;
    let version = linked.assert_status(200).json()["version"].as_i64().unwrap();
    let report_uri = format!("/api/v1/phenomena/{}", report["id"].as_str().unwrap());
    let gone = TestRequest::delete().uri(&report_uri).insert_header(("if-match", "*"));
    app.call(p.request(As::Coordinator, gone)).await.assert_status(204);
    let after = app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await.json();
    assert_eq!((after["phenomenon_ids"].clone(), after["version"].as_i64().unwrap() > version), (json!([]), true));

    // A solution workshop follows the waste workshop.
    let mut solution = waste_workshop(&p, 3);
    solution["kind"] = json!("solution_workshop");
    solution["follows_workshop_id"] = json!(uri.rsplit('/').next().unwrap());
    let made = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(WORKSHOPS), solution))).await;
    made.assert_status(201);
    let following = app
        .call(p.request(
            As::Member,
            TestRequest::get().uri(&format!("{WORKSHOPS}?follows={}", uri.rsplit('/').next().unwrap())),
        ))
        .await;
    assert_eq!(following.json()["data"][0]["kind"], "solution_workshop");

    // Deleting takes the challenges, votes and artefacts along, once the actions are gone.
    let delete = |uri: &str| TestRequest::delete().uri(uri).insert_header(("if-match", "*"));
    app.call(p.request(As::Coordinator, delete(&uri))).await.assert_problem(409);
    let actions = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{uri}/actions")))).await.json();
    for action in actions["data"].as_array().unwrap() {
        let action_uri = format!("/api/v1/actions/{}", action["id"].as_str().unwrap());
        app.call(p.request(As::Coordinator, delete(&action_uri))).await.assert_status(204);
    }
    app.call(p.request(As::Coordinator, delete(&uri))).await.assert_status(204);
    app.call(p.request(As::Member, TestRequest::get().uri(&artefact_uri))).await.assert_problem(404);
}

#[actix_web::test]
async fn concurrent_votes_cannot_pass_the_key_or_the_limit() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let mut body = waste_workshop(&p, 2);
    body["participant_organization_ids"] = json!([]);
    let res = app.call(p.request(As::Coordinator, json(TestRequest::post().uri(WORKSHOPS), body))).await;
    let uri = format!("{WORKSHOPS}/{}", res.assert_status(201).json()["id"].as_str().unwrap());
    // Others do not even see it.
    app.call(p.request(As::Outsider, TestRequest::get().uri(&uri))).await.assert_problem(404);
    let mut challenges = Vec::new();
    for i in 0..5 {
        challenges.push(challenge(&app, &p, As::Member, &uri, &format!("Este {i}")).await);
    }
    // Ten requests for one vote: one counts.
    let once = (0..10).map(|_| {
        app.call(p.request(As::Member, TestRequest::post().uri(&format!("{uri}/challenges/{}/votes", challenges[0]))))
    });
    let statuses: Vec<u16> = futures_util::future::join_all(once).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    // Four challenges at once with one vote left: one counts.
    let rest = challenges[1..]
        .iter()
        .map(|c| app.call(p.request(As::Coordinator, TestRequest::post().uri(&format!("{uri}/challenges/{c}/votes")))));
    let statuses: Vec<u16> = futures_util::future::join_all(rest).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 2, "the coordinator has two votes: {statuses:?}");
    let rest = challenges[1..]
        .iter()
        .map(|c| app.call(p.request(As::Member, TestRequest::post().uri(&format!("{uri}/challenges/{c}/votes")))));
    let statuses: Vec<u16> = futures_util::future::join_all(rest).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "the member has one vote left: {statuses:?}");
    let all = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{uri}/challenges")))).await.json();
    let total: i64 = all["data"].as_array().unwrap().iter().map(|c| c["votes"].as_i64().unwrap()).sum();
    assert_eq!(total, 4);
}
