//! Networks: who founds, reads and runs them; joining only by the joining organisation's own
//! act; members' contacts; a network keeps a coordinator.

use actix_web::test::TestRequest;
use serde_json::json;
use yhdyspinta::domain::access::Scope;

use crate::resources::networks::{self, NETWORKS};
use crate::support::{As, TestApp, all, json};

#[actix_web::test]
async fn networks_are_founded_read_and_run_by_their_coordinators() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    app.access_matrix(
        &p,
        &[
            (As::Anonymous, 401),
            (As::Client, 403),
            (As::Member, 403),
            (As::Outsider, 403),
            (As::PlatformAdmin, 403),
            (As::Coordinator, 201),
        ],
        || json(TestRequest::post().uri(NETWORKS), networks::body(&p, "Hyte-verkosto", "public")),
    )
    .await;
    let res = app
        .call(p.request(
            As::Coordinator,
            json(TestRequest::post().uri(NETWORKS), networks::body(&p, "Julkinen", "public")),
        ))
        .await;
    let uri = app.follow_created(&p, As::Coordinator, &res, None).await;
    let made = res.json();
    assert_eq!(
        made["members"],
        json!([{"organization_id": p.org, "role": "coordinator", "contact_ids": [],
                                         "joined_at": made["members"][0]["joined_at"]}])
    );
    assert!(made.get("founding_organization_id").is_none());

    // A public network is anyone's to read, its members' contacts are not.
    app.access_matrix(&p, &all(200), || TestRequest::get().uri(&uri)).await;
    let anonymous = app.get(&uri).await.json();
    assert_eq!(anonymous["members"][0]["contact_ids"], json!(null));
    // A members-only one does not exist for others.
    let hidden = networks::create(&app, &p, networks::body(&p, "Sisäinen", "members")).await;
    let hidden_uri = format!("{NETWORKS}/{}", hidden["id"].as_str().unwrap());
    app.access_matrix(
        &p,
        &[(As::Anonymous, 404), (As::Outsider, 404), (As::Client, 404), (As::Member, 200), (As::PlatformAdmin, 200)],
        || TestRequest::get().uri(&hidden_uri),
    )
    .await;
    let listed = app.call(p.request(As::Outsider, TestRequest::get().uri(NETWORKS))).await.json();
    let names: Vec<_> = listed["data"].as_array().unwrap().iter().map(|n| n["name"]["fi"].clone()).collect();
    assert!(names.contains(&json!("Julkinen")) && !names.contains(&json!("Sisäinen")), "{names:?}");
    let mine = app.call(p.request(As::Member, TestRequest::get().uri(&format!("{NETWORKS}?member={}", p.org)))).await;
    assert_eq!(mine.json()["data"].as_array().unwrap().len(), 3);

    // Coordinators edit; members, outsiders and the anonymous do not.
    let patch = |body: serde_json::Value| {
        json(TestRequest::patch().uri(&uri), body)
            .insert_header(("content-type", "application/merge-patch+json"))
            .insert_header(("if-match", "*"))
    };
    app.access_matrix(
        &p,
        &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403), (As::Coordinator, 200)],
        || patch(json!({"purpose": {"fi": "Uusi tarkoitus"}})),
    )
    .await;
    let res = app.call(p.request(As::Coordinator, patch(json!({"area": {"municipality_codes": ["999"]}})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "area.municipality_codes");
    // A theme network under a network its creator coordinates; not under itself.
    let mut theme = networks::body(&p, "Ikäihmisten teemaverkosto", "public");
    theme["kind"] = json!("theme_network");
    theme["parent_network_id"] = made["id"].clone();
    let child = networks::create(&app, &p, theme).await;
    let res = app.call(p.request(As::Coordinator, patch(json!({"parent_network_id": child["id"]})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "cycle");
    let children = app.get(&format!("{NETWORKS}?parent={}", made["id"].as_str().unwrap())).await.json();
    assert_eq!(children["data"][0]["id"], child["id"]);
    // Someone else's network cannot be named the parent.
    let other = app
        .call(p.request(
            As::Outsider,
            json(
                TestRequest::post().uri(NETWORKS),
                json!({"name": {"fi": "Muu verkosto"}, "kind": "other", "visibility": "public"}),
            ),
        ))
        .await
        .assert_status(201)
        .json();
    let res = app.call(p.request(As::Coordinator, patch(json!({"parent_network_id": other["id"]})))).await;
    assert_eq!(res.assert_problem(422)["errors"][0]["code"], "not_coordinated");

    // Closing: not while a network is under it.
    let delete = || TestRequest::delete().uri(&uri).insert_header(("if-match", "*"));
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403), (As::Coordinator, 409)], delete).await;
    let child_uri = format!("{NETWORKS}/{}", child["id"].as_str().unwrap());
    let res = app
        .call(p.request(As::Coordinator, TestRequest::delete().uri(&child_uri).insert_header(("if-match", "*"))))
        .await;
    res.assert_status(204);
    app.call(p.request(As::Coordinator, delete())).await.assert_status(204);
}

#[actix_web::test]
async fn organisations_join_only_by_their_own_act() {
    let app = TestApp::spawn().await;
    let p = app.personas(Scope::DirectoryRead).await;
    let network = networks::create(&app, &p, networks::body(&p, "Järjestöneuvottelukunta", "public")).await;
    let id = network["id"].as_str().unwrap().to_owned();
    let uri = format!("{NETWORKS}/{id}");
    let invite =
        || json(TestRequest::post().uri(&format!("{uri}/invitations")), json!({"organization_id": p.other_org}));
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 403), (As::Member, 403)], invite).await;
    let res = app.call(p.request(As::Coordinator, invite())).await;
    let invitation_uri = app.follow_created(&p, As::Coordinator, &res, None).await;
    assert_eq!(res.json()["status"], "pending");
    // Naming is not consent: the invited organisation is no member yet, and a second
    // invitation while one is pending is refused.
    assert_eq!(app.get(&uri).await.json()["members"].as_array().unwrap().len(), 1);
    app.call(p.request(As::Coordinator, invite())).await.assert_problem(409);
    // The invited organisation sees its invitation; the anonymous do not.
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Outsider, 200), (As::Member, 200)], || {
        TestRequest::get().uri(&format!("{uri}/invitations"))
    })
    .await;
    // Only its own org admin accepts.
    let accept = || TestRequest::post().uri(&format!("{invitation_uri}/accept"));
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Coordinator, 403), (As::OrgAdmin, 403)], accept).await;
    let accepted = app.call(p.request(As::Outsider, accept())).await.assert_status(200).json();
    assert_eq!(accepted["status"], "accepted");
    app.call(p.request(As::Outsider, accept())).await.assert_problem(409);
    let members = app.get(&uri).await.json()["members"].clone();
    assert_eq!(members[1]["organization_id"], json!(p.other_org));
    assert_eq!(members[1]["role"], "member");

    // Contacts: the member organisation names its own, nobody else does.
    let contact = app
        .call(p.request(
            As::Outsider,
            json(
                TestRequest::post().uri(&format!("/api/v1/organizations/{}/contacts", p.other_org)),
                json!({"name": "Verkostoyhdyshenkilö", "email": "verkosto@example.fi"}),
            ),
        ))
        .await
        .assert_status(201)
        .json();
    let member_uri = format!("{uri}/members/{}", p.other_org);
    let name_contacts =
        |ids: serde_json::Value| json(TestRequest::patch().uri(&member_uri), json!({"contact_ids": ids}));
    app.access_matrix(&p, &[(As::Coordinator, 403), (As::Member, 403)], || name_contacts(json!([contact["id"]]))).await;
    let res = app.call(p.request(As::Outsider, name_contacts(json!([contact["id"]])))).await;
    assert_eq!(res.assert_status(200).json()["members"][1]["contact_ids"], json!([contact["id"]]));
    let res = app
        .call(p.request(
            As::OrgAdmin,
            json(
                TestRequest::patch().uri(&format!("{uri}/members/{}", p.org)),
                json!({"contact_ids": [contact["id"]]}),
            ),
        ))
        .await;
    assert_eq!(res.assert_problem(422)["errors"][0]["field"], "contact_ids");
    // The anonymous see the member, not its contacts.
    assert_eq!(app.get(&uri).await.json()["members"][1]["contact_ids"], json!(null));

    // Coordinating is taken on, not imposed: a promotion is an invitation its org admin accepts.
    let promote = || json(TestRequest::patch().uri(&member_uri), json!({"role": "coordinator"}));
    app.call(p.request(As::Coordinator, promote())).await.assert_problem(409);
    let invite_coordinator = json(
        TestRequest::post().uri(&format!("{uri}/invitations")),
        json!({"organization_id": p.other_org, "role": "coordinator"}),
    );
    let promotion = app.call(p.request(As::Coordinator, invite_coordinator)).await.assert_status(201).json();
    assert_eq!(app.get(&uri).await.json()["members"][1]["role"], "member");
    let accept_promotion =
        TestRequest::post().uri(&format!("{uri}/invitations/{}/accept", promotion["id"].as_str().unwrap()));
    app.call(p.request(As::Outsider, accept_promotion)).await.assert_status(200);
    assert_eq!(app.get(&uri).await.json()["members"][1]["role"], "coordinator");
    let demote = json(TestRequest::patch().uri(&member_uri), json!({"role": "member"}));
    app.call(p.request(As::Coordinator, demote)).await.assert_status(200);

    // A network keeps a coordinator; a member leaves by its own act.
    let remove = |org: uuid::Uuid| TestRequest::delete().uri(&format!("{uri}/members/{org}"));
    app.call(p.request(As::OrgAdmin, remove(p.org))).await.assert_problem(409);
    let demote = json(TestRequest::patch().uri(&format!("{uri}/members/{}", p.org)), json!({"role": "member"}));
    app.call(p.request(As::Coordinator, demote)).await.assert_problem(409);
    app.call(p.request(As::Member, remove(p.other_org))).await.assert_problem(403);
    app.call(p.request(As::Outsider, remove(p.other_org))).await.assert_status(204);

    // Asking to join: the asking organisation's org admin asks, a coordinator approves.
    let ask =
        || json(TestRequest::post().uri(&format!("{uri}/join-requests")), json!({"organization_id": p.other_org}));
    app.access_matrix(&p, &[(As::Anonymous, 401), (As::Coordinator, 403)], ask).await;
    let res = app.call(p.request(As::Outsider, ask())).await;
    let request_uri = app.follow_created(&p, As::Outsider, &res, None).await;
    let approve = || TestRequest::post().uri(&format!("{request_uri}/approve"));
    app.access_matrix(&p, &[(As::Outsider, 403), (As::Member, 403)], approve).await;
    app.call(p.request(As::Coordinator, approve())).await.assert_status(200);
    assert_eq!(app.get(&uri).await.json()["members"].as_array().unwrap().len(), 2);

    // Declining and withdrawing.
    let network = networks::create(&app, &p, networks::body(&p, "Toinen", "public")).await;
    let second = format!("{NETWORKS}/{}", network["id"].as_str().unwrap());
    let asked = app
        .call(p.request(
            As::Outsider,
            json(TestRequest::post().uri(&format!("{second}/join-requests")), json!({"organization_id": p.other_org})),
        ))
        .await
        .json();
    let decline = TestRequest::post().uri(&format!("{second}/join-requests/{}/decline", asked["id"].as_str().unwrap()));
    let declined = app.call(p.request(As::Coordinator, decline)).await.assert_status(200).json();
    assert_eq!(declined["status"], "declined");
    // Invited to a members-only network, an organisation sees what it is asked to join
    // before it can read the network.
    let closed = networks::create(&app, &p, networks::body(&p, "Suljettu piiri", "members")).await;
    let closed_uri = format!("{NETWORKS}/{}", closed["id"].as_str().unwrap());
    let invited = app
        .call(p.request(
            As::Coordinator,
            json(
                TestRequest::post().uri(&format!("{closed_uri}/invitations")),
                json!({"organization_id": p.other_org}),
            ),
        ))
        .await
        .assert_status(201)
        .json();
    let invitation_uri = format!("{closed_uri}/invitations/{}", invited["id"].as_str().unwrap());
    let seen = app.call(p.request(As::Outsider, TestRequest::get().uri(&invitation_uri))).await;
    assert_eq!(seen.assert_status(200).json()["network_name"], json!({"fi": "Suljettu piiri"}));
    app.call(p.request(As::Outsider, TestRequest::get().uri(&closed_uri))).await.assert_problem(404);
    app.call(p.request(As::Outsider, TestRequest::post().uri(&format!("{invitation_uri}/accept"))))
        .await
        .assert_status(200);
    app.call(p.request(As::Outsider, TestRequest::get().uri(&closed_uri))).await.assert_status(200);

    // A members-only network cannot be asked into.
    let hidden = networks::create(&app, &p, networks::body(&p, "Sisäinen", "members")).await;
    let res = app
        .call(p.request(
            As::Outsider,
            json(
                TestRequest::post().uri(&format!("{NETWORKS}/{}/join-requests", hidden["id"].as_str().unwrap())),
                json!({"organization_id": p.other_org}),
            ),
        ))
        .await;
    res.assert_problem(404);
}
