//! Coordination documents: access for every endpoint, invitations and acceptance, required
//! `If-Match` and the 412 body, JSON Patch tests, no lost update under concurrency, history
//! with diffs and restore, soft delete, exports, and live updates (in-process and across two
//! server processes on one database).

use std::pin::Pin;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use yhdyspinta::domain::access::Scope;

use crate::resources::coordination_documents::{DOCS, document, entry, with_if_match};
use crate::support::{As, TestApp, json};

#[actix_web::test]
async fn only_members_of_listed_organisations_see_a_document_and_its_parts() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (entry_id, _) = entry(&app, &p, &doc, "Tapaaminen").await;
    let readers = [
        (As::Anonymous, 401),
        (As::Outsider, 404),
        (As::Client, 404),
        (As::ClientWithoutScope, 404),
        (As::Member, 200),
        (As::Coordinator, 200),
        (As::OrgAdmin, 200),
        (As::PlatformAdmin, 200),
    ];
    for path in [
        format!("{DOCS}/{doc}"),
        format!("{DOCS}/{doc}/entries"),
        format!("{DOCS}/{doc}/entries/{entry_id}"),
        format!("{DOCS}/{doc}/revisions"),
        format!("{DOCS}/{doc}/revisions/1"),
        format!("{DOCS}/{doc}/revisions/1/diff/2"),
        format!("{DOCS}/{doc}/export.csv"),
        format!("{DOCS}/{doc}/calendar.ics"),
    ] {
        app.access_matrix(&p, &readers, || TestRequest::get().uri(&path)).await;
    }
    // The list shows it only to members.
    for (who, count) in [(As::Member, 1), (As::Outsider, 0), (As::PlatformAdmin, 1)] {
        let res = app.call(p.request(who, TestRequest::get().uri(DOCS))).await;
        assert_eq!(res.json()["data"].as_array().unwrap().len(), count, "{who:?}");
    }
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Client, 403)], || TestRequest::get().uri(DOCS)).await;

    let writers = [
        (As::Anonymous, 401),
        (As::Outsider, 404),
        (As::Client, 404),
        (As::Member, 403),
        (As::PlatformAdmin, 403),
        (As::Coordinator, 200),
        (As::OrgAdmin, 200),
    ];
    app.access_matrix(&p, &writers, || {
        with_if_match(json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), json!({"title": "Uusi"})), "*")
    })
    .await;
    app.access_matrix(&p, &writers, || {
        with_if_match(
            json(TestRequest::patch().uri(&format!("{DOCS}/{doc}/entries/{entry_id}")), json!({"content": "x"})),
            "*",
        )
    })
    .await;
    let creators: Vec<(As, u16)> = writers.iter().map(|(who, s)| (*who, if *s == 200 { 201 } else { *s })).collect();
    app.access_matrix(&p, &creators, || {
        with_if_match(
            json(
                TestRequest::post().uri(&format!("{DOCS}/{doc}/entries")),
                json!({"date": "2026-05-01", "title": "T"}),
            ),
            "*",
        )
    })
    .await;
    let refused: Vec<(As, u16)> = writers.iter().copied().filter(|(_, s)| *s != 200).collect();
    app.access_matrix(&p, &refused, || {
        with_if_match(
            json(
                TestRequest::post().uri(&format!("{DOCS}/{doc}/revisions/1/restore")),
                json!({"based_on_revision": 1}),
            ),
            "*",
        )
    })
    .await;
    // Creating needs a coordinator of the owner.
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Member, 403), (As::Outsider, 403), (As::PlatformAdmin, 403)],
        || json(TestRequest::post().uri(DOCS), json!({"title": "T", "owner_organization_id": p.org})),
    )
    .await;
    // Deleting is for the owner's coordinators; restoring for its org admins.
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Outsider, 404),
            (As::Member, 403),
            (As::PlatformAdmin, 403),
            (As::Coordinator, 204),
        ],
        || with_if_match(TestRequest::delete().uri(&format!("{DOCS}/{doc}")), "*"),
    )
    .await;
    // The deleted document's ETag is in its owner's list of deleted documents.
    let deleted =
        app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{DOCS}?deleted=true")))).await.json();
    let etag = format!("\"{}\"", deleted["data"][0]["version"]);
    let undelete = format!("{DOCS}/{doc}/undeletion");
    app.call(p.request(As::OrgAdmin, TestRequest::post().uri(&undelete))).await.assert_problem(428);
    // A stale ETag is 412 with the deleted document as it is, like every other write.
    let stale = app.call(p.request(As::OrgAdmin, with_if_match(TestRequest::post().uri(&undelete), "\"99\""))).await;
    let stale = stale.assert_problem(412);
    assert_eq!(stale["current"]["id"], doc.to_string());
    assert_eq!(stale["current_etag"], etag);
    app.access_matrix(
        &p,
        &[(As::Member, 404), (As::Coordinator, 404), (As::Outsider, 404), (As::OrgAdmin, 200)],
        || with_if_match(TestRequest::post().uri(&undelete), &etag),
    )
    .await;
    // A live document is not undeleted: 409 after If-Match, for those who could.
    app.call(p.request(As::OrgAdmin, TestRequest::post().uri(&undelete))).await.assert_problem(428);
    app.call(p.request(As::OrgAdmin, with_if_match(TestRequest::post().uri(&undelete), "*"))).await.assert_problem(409);
    app.call(p.request(As::Member, with_if_match(TestRequest::post().uri(&undelete), "*"))).await.assert_problem(403);
    app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}")))).await.assert_status(200);
}

#[actix_web::test]
async fn a_listed_organisation_edits_only_after_accepting_and_loses_access_when_removed() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[p.other_org]).await;
    let body = app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{DOCS}/{doc}")))).await.json();
    assert_eq!(body["editors"][1], json!({"organization_id": p.other_org, "accepted": false}));
    // Reading, yes; editing, not before its own admin accepts.
    let edit =
        || with_if_match(json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), json!({"title": "Muutettu"})), "*");
    app.call(p.request(As::Outsider, edit())).await.assert_problem(403);
    // Nobody accepts for another organisation.
    let accept = |org: uuid::Uuid| {
        with_if_match(
            json(TestRequest::post().uri(&format!("{DOCS}/{doc}/acceptances")), json!({"organization_id": org})),
            "*",
        )
    };
    app.call(p.request(As::Coordinator, accept(p.other_org))).await.assert_problem(403);
    let res = app.call(p.request(As::Outsider, accept(p.other_org))).await;
    res.assert_status(200);
    assert_eq!(res.json()["editors"][1]["accepted"], true);
    app.call(p.request(As::Outsider, edit())).await.assert_status(200);
    // The owner takes it off the list: at once it sees nothing.
    let res = app
        .call(p.request(
            As::Coordinator,
            with_if_match(json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), json!({"editors": [p.org]})), "*"),
        ))
        .await;
    res.assert_status(200);
    app.call(p.request(As::Outsider, TestRequest::get().uri(&format!("{DOCS}/{doc}")))).await.assert_problem(404);
    // The owner cannot be removed, and a listed organisation must exist.
    for (patch, field) in
        [(json!({"editors": []}), "editors"), (json!({"editors": [p.org, uuid::Uuid::now_v7()]}), "editors[1]")]
    {
        let res = app
            .call(p.request(
                As::Coordinator,
                with_if_match(json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), patch), "*"),
            ))
            .await;
        assert_eq!(res.assert_problem(422)["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn writes_need_if_match_and_a_stale_one_gets_the_current_state_and_its_author() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (entry_id, etag) = entry(&app, &p, &doc, "Tapaaminen").await;
    let uri = format!("{DOCS}/{doc}/entries/{entry_id}");
    app.call(p.request(As::Coordinator, json(TestRequest::patch().uri(&uri), json!({"content": "a"}))))
        .await
        .assert_problem(428);
    let res =
        app.call(p.request(
            As::OrgAdmin,
            with_if_match(json(TestRequest::patch().uri(&uri), json!({"content": "a"})), &etag),
        ))
        .await;
    res.assert_status(200);
    let fresh = res.header("etag").unwrap().to_owned();
    let stale = app
        .call(p.request(
            As::Coordinator,
            with_if_match(json(TestRequest::patch().uri(&uri), json!({"content": "b"})), &etag),
        ))
        .await;
    let body = stale.assert_problem(412);
    assert_eq!(body["current_etag"], fresh.as_str());
    assert_eq!(body["current"]["content"], "a");
    assert_eq!(body["current"]["updated_by"]["user_id"], p.user(As::OrgAdmin).to_string());
    assert_eq!(body["current"]["updated_by"]["name"], "OrgAdmin");
    // Deleting with a stale tag is refused the same way; the document's own writes too.
    app.call(p.request(As::Coordinator, with_if_match(TestRequest::delete().uri(&uri), &etag)))
        .await
        .assert_problem(412);
    app.call(
        p.request(As::Coordinator, json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), json!({"title": "x"}))),
    )
    .await
    .assert_problem(428);
    // An end before the start, and an unknown contact, are 422 naming the field; so are a
    // title of two lines (it would break calendars) and a date no one means.
    for (patch, field) in [
        (json!({"end_time": "09:00"}), "end_time"),
        (json!({"title": "Tapaaminen\r\nBEGIN:VEVENT"}), "title"),
        (json!({"date": "20260-04-01"}), "date"),
        (json!({"start_time": "9:00"}), "start_time"),
        // 03:30 on 29 March 2026 does not exist in Helsinki: the clocks go from 03:00 to 04:00.
        (json!({"date": "2026-03-29", "start_time": "03:30", "end_time": "04:30"}), "start_time"),
        (json!({"responsible": {"contact_ids": [uuid::Uuid::now_v7()]}}), "responsible.contact_ids[0]"),
        (json!({"status": "maybe"}), "status"),
    ] {
        let res =
            app.call(p.request(As::Coordinator, with_if_match(json(TestRequest::patch().uri(&uri), patch), "*"))).await;
        assert_eq!(res.assert_problem(422)["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn a_json_patch_changes_a_field_only_if_it_still_holds_what_the_user_saw() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (entry_id, _) = entry(&app, &p, &doc, "Tapaaminen").await;
    let uri = format!("{DOCS}/{doc}/entries/{entry_id}");
    let patch = |seen: &str| {
        with_if_match(
            TestRequest::patch().uri(&uri).insert_header(("content-type", "application/json-patch+json")).set_payload(
                json!([{"op": "test", "path": "/status", "value": seen},
                           {"op": "replace", "path": "/status", "value": "confirmed"}])
                .to_string(),
            ),
            "*",
        )
    };
    let res = app.call(p.request(As::Coordinator, patch("planned"))).await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "confirmed");
    app.call(p.request(As::Coordinator, patch("planned"))).await.assert_problem(409);
    // Malformed operations are 422; a patch is an array.
    let bad = app
        .call(
            p.request(
                As::Coordinator,
                with_if_match(
                    TestRequest::patch()
                        .uri(&uri)
                        .insert_header(("content-type", "application/json-patch+json"))
                        .set_payload(r#"[{"op": "jump", "path": "/status"}]"#),
                    "*",
                ),
            ),
        )
        .await;
    assert_eq!(bad.assert_problem(422)["errors"][0]["field"], "body[0]");
    // The document takes JSON Patch too, into its sections.
    let res = app
        .call(
            p.request(
                As::Coordinator,
                with_if_match(
                    TestRequest::patch()
                        .uri(&format!("{DOCS}/{doc}"))
                        .insert_header(("content-type", "application/json-patch+json"))
                        .set_payload(
                            json!([{"op": "replace", "path": "/sections/0/body", "value": "Uusi"}]).to_string(),
                        ),
                    "*",
                ),
            ),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["sections"][0]["body"], "Uusi");
}

#[actix_web::test]
async fn two_writers_with_the_same_etag_never_both_win_and_no_acknowledged_write_is_lost() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (entry_id, mut etag) = entry(&app, &p, &doc, "Tapaaminen").await;
    let uri = format!("{DOCS}/{doc}/entries/{entry_id}");
    let mut acknowledged = Vec::new();
    for round in 0..25 {
        let send = |who: As, content: String| {
            app.call(
                p.request(who, with_if_match(json(TestRequest::patch().uri(&uri), json!({"content": content})), &etag)),
            )
        };
        let (a, b) = futures_util::future::join(
            send(As::Coordinator, format!("coordinator {round}")),
            send(As::OrgAdmin, format!("org admin {round}")),
        )
        .await;
        let statuses = [a.status.as_u16(), b.status.as_u16()];
        assert!(statuses.contains(&200) && statuses.contains(&412), "round {round}: {statuses:?}");
        let winner = if a.status == 200 { a } else { b };
        acknowledged.push(winner.json()["content"].as_str().unwrap().to_owned());
        etag = winner.header("etag").unwrap().to_owned();
    }
    // The revision log holds every acknowledged write exactly once, in order.
    let res =
        app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/revisions?limit=200")))).await;
    let written: Vec<String> = res.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "entry_updated")
        .map(|r| r["patch"][0]["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(written, acknowledged);
}

#[actix_web::test]
async fn history_rebuilds_any_revision_diffs_markdown_by_line_and_restores_as_a_new_revision() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (first, _) = entry(&app, &p, &doc, "Ensimmäinen").await;
    // Enough changes to pass a snapshot (every 50th revision).
    for i in 0..55 {
        app.call(p.request(
            As::Coordinator,
            with_if_match(
                json(
                    TestRequest::patch().uri(&format!("{DOCS}/{doc}/entries/{first}")),
                    json!({"content": format!("Versio {i}")}),
                ),
                "*",
            ),
        ))
        .await
        .assert_status(200);
    }
    let rev = |n: i64| app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/revisions/{n}"))));
    let r2 = rev(2).await.json();
    assert_eq!(r2["action"], "entry_created");
    assert_eq!(r2["document"]["entries"][&first]["content"], "Ohjelma");
    let r52 = rev(52).await.json();
    assert_eq!(r52["document"]["entries"][&first]["content"], "Versio 49");
    assert_eq!(r52["actor"]["name"], "Coordinator");
    rev(58).await.assert_problem(404);
    // Sections change too; the diff names them and shows the lines.
    let doc_uri = format!("{DOCS}/{doc}");
    app.call(p.request(
        As::Coordinator,
        with_if_match(
            json(
                TestRequest::patch().uri(&doc_uri),
                json!({"sections": [{"heading": "Tavoitteet", "body": "Yksi\nKAKSI\nKolme"}]}),
            ),
            "*",
        ),
    ))
    .await
    .assert_status(200);
    let diff = app
        .call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/revisions/1/diff/58"))))
        .await
        .json();
    let section = diff["text_changes"].as_array().unwrap().iter().find(|c| c["path"] == "/sections/0/body").unwrap();
    assert!(section["unified_diff"].as_str().unwrap().contains("-Kaksi\n+KAKSI\n"), "{section}");
    assert!(diff["patch"].as_array().unwrap().iter().any(|op| op["path"] == format!("/entries/{first}")));
    // Delete the entry (a tombstone in history), then restore revision 2: it is back.
    app.call(p.request(
        As::Coordinator,
        with_if_match(TestRequest::delete().uri(&format!("{doc_uri}/entries/{first}")), "*"),
    ))
    .await
    .assert_status(204);
    let restore = |based_on: i64| {
        p.request(
            As::Coordinator,
            with_if_match(
                json(
                    TestRequest::post().uri(&format!("{doc_uri}/revisions/2/restore")),
                    json!({"based_on_revision": based_on}),
                ),
                "*",
            ),
        )
    };
    // Restoring what the user saw at revision 58 would undo the deletion made since: refused.
    let stale = app.call(restore(58)).await;
    assert_eq!(stale.assert_problem(412)["current"]["revision"], 59);
    let res = app.call(restore(59)).await;
    res.assert_status(200);
    assert_eq!(res.json()["revision"], 60);
    assert_eq!(res.json()["sections"][0]["body"], "Yksi\nKaksi\nKolme");
    let restored = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{doc_uri}/entries/{first}")))).await;
    assert_eq!(restored.json()["content"], "Ohjelma");
    // Back from deletion with an ETag it never had: a writer holding an old one gets 412.
    assert_eq!(restored.header("etag"), Some("\"60\""));
    let old_writer = app
        .call(p.request(
            As::OrgAdmin,
            with_if_match(
                json(TestRequest::patch().uri(&format!("{doc_uri}/entries/{first}")), json!({"content": "x"})),
                "\"1\"",
            ),
        ))
        .await;
    old_writer.assert_problem(412);
    let log =
        app.call(p.request(As::Member, TestRequest::get().uri(&format!("{doc_uri}/revisions?limit=200")))).await.json();
    let actions: Vec<&str> = log["data"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions.len(), 60);
    assert_eq!(actions[58], "entry_deleted");
    assert_eq!(actions[59], "revision_restored");
    // The revision log is append-only in the database too.
    let mut conn = app.conn().await;
    use diesel_async::RunQueryDsl;
    let rewritten = diesel::sql_query("UPDATE coordination_revisions SET action = 'x'").execute(&mut conn).await;
    assert!(rewritten.is_err());
}

#[actix_web::test]
async fn entries_are_placed_between_others_without_renumbering() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (a, _) = entry(&app, &p, &doc, "A").await;
    let (c, _) = entry(&app, &p, &doc, "C").await;
    let res = app
        .call(p.request(
            As::Coordinator,
            with_if_match(
                json(
                    TestRequest::post().uri(&format!("{DOCS}/{doc}/entries?after_entry_id={a}")),
                    json!({"date": "2026-04-02", "title": "B"}),
                ),
                "*",
            ),
        ))
        .await;
    res.assert_status(201);
    let titles = |list: serde_json::Value| -> Vec<String> {
        list["data"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
    };
    let list = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/entries")))).await;
    assert_eq!(titles(list.json()), ["A", "B", "C"], "B follows A; without a placement an entry goes last");
    let (_, c_etag) = {
        let r = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/entries/{c}")))).await;
        (r.json()["position"].clone(), r.header("etag").unwrap().to_owned())
    };
    // Move C first.
    let res = app
        .call(p.request(
            As::Coordinator,
            with_if_match(
                json(
                    TestRequest::post().uri(&format!("{DOCS}/{doc}/entries/{c}/move")),
                    json!({"after_entry_id": null}),
                ),
                &c_etag,
            ),
        ))
        .await;
    res.assert_status(200);
    let list = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/entries")))).await.json();
    assert_eq!(titles(list.clone()), ["C", "A", "B"], "a null after_entry_id moves it first");
    // A's version did not change: nothing else was renumbered.
    assert_eq!(list["data"][1]["version"], 1);
}

#[actix_web::test]
async fn exports_write_csv_for_finnish_excel_and_a_calendar() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let (id, _) = entry(&app, &p, &doc, "=Tapaaminen; kahvit").await;
    let res =
        app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/export.csv?dialect=fi")))).await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/csv"));
    assert!(res.body.starts_with("\u{feff}".as_bytes()));
    let text = String::from_utf8(res.body[3..].to_vec()).unwrap();
    // RFC 4180: every line ends in CRLF.
    assert!(text.ends_with("\r\n") && text.matches('\n').count() == text.matches("\r\n").count(), "{text:?}");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "2026-04-01");
    assert_eq!(&rows[0][3], "'=Tapaaminen; kahvit");
    assert_eq!(&rows[0][5], "Persona ry");
    // What the contract says each operation answers with is what Accept may ask for.
    let csv_uri = format!("{DOCS}/{doc}/export.csv");
    for (accept, status) in [("text/csv", 200), ("text/*", 200), ("text/calendar", 406), ("text/event-stream", 406)] {
        let res =
            app.call(p.request(As::Member, TestRequest::get().uri(&csv_uri).insert_header(("accept", accept)))).await;
        assert_eq!(res.status.as_u16(), status, "{accept}");
    }
    let doc_uri = format!("{DOCS}/{doc}");
    let res =
        app.call(p.request(As::Member, TestRequest::get().uri(&doc_uri).insert_header(("accept", "text/csv")))).await;
    res.assert_problem(406);
    let standard = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/export.csv")))).await;
    assert!(String::from_utf8_lossy(&standard.body).starts_with("date,start_time"));
    let ics = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/calendar.ics")))).await;
    ics.assert_status(200);
    let text = String::from_utf8_lossy(&ics.body).replace("\r\n ", "");
    assert!(text.contains("BEGIN:VCALENDAR") && text.contains(&format!("UID:{id}@yhdyspinta")), "{text}");
    // 10:00 in Helsinki on 1 April (summer time) is 07:00 UTC.
    assert!(text.contains("DTSTART:20260401T070000Z"), "{text}");
    assert!(text.contains("STATUS:TENTATIVE"));
    // An entry without a time lasts its day: DTEND is the next day (exclusive).
    app.call(p.request(
        As::Coordinator,
        with_if_match(
            json(
                TestRequest::post().uri(&format!("{DOCS}/{doc}/entries")),
                json!({"date": "2026-05-01", "title": "Vappu"}),
            ),
            "*",
        ),
    ))
    .await
    .assert_status(201);
    let ics = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/calendar.ics")))).await;
    let text = String::from_utf8_lossy(&ics.body).into_owned();
    assert!(text.contains("DTSTART;VALUE=DATE:20260501") && text.contains("DTEND;VALUE=DATE:20260502"), "{text}");
    app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/export.csv?dialect=xls"))))
        .await
        .assert_problem(400);
    // Content cannot end a calendar line early: a lone CR becomes an escaped line break.
    let uri = format!("{DOCS}/{doc}/entries/{id}");
    app.call(p.request(
        As::Coordinator,
        with_if_match(json(TestRequest::patch().uri(&uri), json!({"content": "a\rBEGIN:VEVENT\rSUMMARY:x"})), "*"),
    ))
    .await
    .assert_status(200);
    let ics = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/calendar.ics")))).await;
    let text = String::from_utf8_lossy(&ics.body).into_owned();
    assert_eq!(text.split("\r\n").filter(|l| *l == "BEGIN:VEVENT").count(), 2, "{text}");
    assert!(!text.replace("\r\n", "").contains('\r'), "{text}");
    // Dates the database cannot hold are the open ends of a range, not an error.
    let uri = format!("{DOCS}/{doc}/entries?from=-5000-01-01&to=%2B60000-01-01");
    let all = app.call(p.request(As::Member, TestRequest::get().uri(&uri))).await;
    assert_eq!(all.assert_status(200).json()["data"].as_array().unwrap().len(), 2);
}

/// Reads the stream until `needle` shows up (10 s at most); returns everything read.
async fn read_until(body: &mut BoxBody, needle: &str) -> String {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in the stream; got {text:?}"));
        match chunk {
            Some(Ok(bytes)) => text.push_str(&String::from_utf8_lossy(&bytes)),
            _ => break,
        }
    }
    text
}

#[actix_web::test]
async fn an_open_stream_gets_each_revision_resumes_from_last_event_id_and_ends_when_access_does() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[p.other_org]).await;
    let events = format!("{DOCS}/{doc}/events");
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Client, 404), (As::Outsider, 404), (As::Member, 404)], || {
        TestRequest::get()
            .uri(&format!("{DOCS}/{}/events", uuid::Uuid::now_v7()))
            .insert_header(("accept", "text/event-stream"))
    })
    .await;
    let res = app
        .call_streaming(
            p.request(As::Outsider, TestRequest::get().uri(&events).insert_header(("accept", "text/event-stream"))),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("content-type").unwrap(), "text/event-stream");
    let mut stream = res.into_body();
    read_until(&mut stream, "retry:").await;
    let (entry_id, _) = entry(&app, &p, &doc, "Tapaaminen").await;
    let text = read_until(&mut stream, "id: 2\n").await;
    let data: Value = serde_json::from_str(
        text.lines().find_map(|l| l.strip_prefix("data: ").filter(|d| d.contains("entry_created"))).unwrap(),
    )
    .unwrap();
    assert_eq!(data["entry_id"], entry_id.as_str());
    assert_eq!(data["etags"]["entry"], "\"1\"");
    assert_eq!(data["actor"]["name"], "Coordinator");
    // Resuming after revision 1 replays 2 first.
    let resumed = app
        .call_streaming(p.request(As::Member, TestRequest::get().uri(&events).insert_header(("last-event-id", "1"))))
        .await;
    let mut resumed = resumed.into_body();
    read_until(&mut resumed, "id: 2\n").await;
    // Taking the outsider's organisation off the list ends its stream.
    app.call(p.request(
        As::Coordinator,
        with_if_match(json(TestRequest::patch().uri(&format!("{DOCS}/{doc}")), json!({"editors": [p.org]})), "*"),
    ))
    .await
    .assert_status(200);
    read_until(&mut stream, "event: end").await;
    assert!(std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await.is_none());
    read_until(&mut resumed, "id: 3\n").await;
    // Streams per person are bounded (3 in tests): a fourth ends the oldest, so a reload never
    // waits for the server to notice a dead connection.
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(app.call_streaming(p.request(As::Member, TestRequest::get().uri(&events))).await.into_body());
    }
    let fourth = app.call_streaming(p.request(As::Member, TestRequest::get().uri(&events))).await;
    assert_eq!(fourth.status(), 200);
    read_until(&mut resumed, "event: end").await;
    assert_eq!(app.live.open_streams(), 3);
    drop(open);
    drop(fourth);
    assert_eq!(app.live.open_streams(), 0);
}

#[actix_web::test]
async fn deleted_documents_are_purged_after_the_restore_window_with_an_audit_entry() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, etag) = document(&app, &p, &[]).await;
    app.call(p.request(As::Coordinator, with_if_match(TestRequest::delete().uri(&format!("{DOCS}/{doc}")), &etag)))
        .await
        .assert_status(204);
    let mut conn = app.conn().await;
    assert_eq!(yhdyspinta::domain::coordination_documents::purge_expired(&mut conn).await.unwrap(), 0);
    diesel::sql_query("UPDATE coordination_documents SET deleted_at = now() - interval '31 days'")
        .execute(&mut conn)
        .await
        .unwrap();
    // Past the window it is no longer offered for restoring, then it is gone.
    let deleted = app.call(p.request(As::OrgAdmin, TestRequest::get().uri(&format!("{DOCS}?deleted=true")))).await;
    assert_eq!(deleted.json()["data"], json!([]));
    assert_eq!(yhdyspinta::domain::coordination_documents::purge_expired(&mut conn).await.unwrap(), 1);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |sql: &'static str| diesel::sql_query(sql);
    let revisions: Count =
        count("SELECT count(*) AS n FROM coordination_revisions").get_result(&mut conn).await.unwrap();
    assert_eq!(revisions.n, 0);
    let purges: Count =
        count("SELECT count(*) AS n FROM audit_log WHERE action = 'purge'").get_result(&mut conn).await.unwrap();
    assert_eq!(purges.n, 1);
}

#[actix_web::test]
async fn a_difference_too_large_to_answer_is_refused_not_built() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    // 120 entries of 10,000 characters: the difference from the first revision to the last is
    // about 2.4 MB, over what one answer carries.
    for i in 0..120 {
        let res = app
            .call(p.request(
                As::Coordinator,
                with_if_match(
                    json(
                        TestRequest::post().uri(&format!("{DOCS}/{doc}/entries")),
                        json!({"date": "2026-04-01", "title": format!("Rivi {i}"), "content": "x".repeat(10_000)}),
                    ),
                    "*",
                ),
            ))
            .await;
        res.assert_status(201);
    }
    let diff =
        |a: i64, b: i64| p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/revisions/{a}/diff/{b}")));
    let problem = app.call(diff(1, 121)).await.assert_problem(422);
    assert_eq!(problem["errors"][0]["code"], "too_large");
    assert!(problem["detail"].as_str().unwrap_or_default().len() < 1000);
    // Revisions closer together still compare.
    app.call(diff(100, 121)).await.assert_status(200);
}

#[actix_web::test]
async fn live_streams_opened_too_often_are_refused_per_client_address() {
    use yhdyspinta::domain::identity::rate_limit::{Limits, RateLimiter};
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits { stream_opens_per_minute: 2, ..Limits::default() })).await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let open = |from: &str| {
        p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/events")))
            .insert_header(("accept", "text/event-stream"))
            .peer_addr(format!("{from}:40000").parse().unwrap())
    };
    let mut open_streams = Vec::new();
    for _ in 0..2 {
        let res = app.call_streaming(open("192.0.2.7")).await;
        assert_eq!(res.status(), 200);
        open_streams.push(res);
    }
    let refused = app.call_streaming(open("192.0.2.7")).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u32 = refused.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers().get("content-type").unwrap(), "application/problem+json");
    assert_eq!(app.call_streaming(open("192.0.2.8")).await.status(), 200);
}

#[actix_web::test]
async fn exports_are_limited_per_client_address() {
    use yhdyspinta::domain::identity::rate_limit::{Limits, RateLimiter};
    let mut app = TestApp::spawn().await;
    app.use_limiter(RateLimiter::new(Limits { exports_per_minute: 2, ..Limits::default() })).await;
    let p = app.personas(Scope::AgreementsRead).await;
    let (doc, _) = document(&app, &p, &[]).await;
    let export = |from: &str| {
        p.request(As::Member, TestRequest::get().uri(&format!("{DOCS}/{doc}/export.csv")))
            .peer_addr(format!("{from}:40000").parse().unwrap())
    };
    app.call(export("192.0.2.7")).await.assert_status(200);
    app.call(export("192.0.2.7")).await.assert_status(200);
    let refused = app.call(export("192.0.2.7")).await;
    refused.assert_problem(429);
    let retry_after: u32 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    app.call(export("192.0.2.8")).await.assert_status(200);
}
