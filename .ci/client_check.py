"""An integrator's walk through the API with a client generated from the committed contract
(openapi-python-client), checked against `serve --demo`:

sign in, page every organisation, read a public agreement anonymously, recompute each of its
versions' content hashes with an independent RFC 8785 implementation (`rfc8785`), verify the
platform's seal with nothing but the JWKS (PyJWT), and read a party-only agreement with a
service client's token; read public networks and their meetings anonymously (no minutes), an
agreement's yearly meeting as a party (minutes), and a workshop's prioritised challenges,
actions and client path as a participant.

Usage: python3 client_check.py BASE_URL   (the generated package `yhdyspinta_client` importable)
"""

import hashlib
import json
import sys

import jwt
import rfc8785
from yhdyspinta_client import AuthenticatedClient, Client
from yhdyspinta_client.api.agreements import get_agreement, list_agreement_versions, list_agreements
from yhdyspinta_client.api.auth import get_me, issue_token, jwks
from yhdyspinta_client.api.coordination_documents import (
    get_coordination_entry, list_coordination_documents, list_coordination_entries, list_coordination_revisions,
    update_coordination_entry,
)
from yhdyspinta_client.api.actions import list_actions
from yhdyspinta_client.api.meetings import list_agreement_meetings, list_network_meetings
from yhdyspinta_client.api.networks import list_networks
from yhdyspinta_client.api.organizations import list_organizations
from yhdyspinta_client.api.workshops import list_workshop_artefacts, list_workshop_challenges, list_workshops
from yhdyspinta_client.models import EntryFieldsPatch, EntryStatus, ListWorkshopChallengesSort, Problem, TokenRequest
from yhdyspinta_client.types import UNSET

DEMO_PASSWORD = "yhdyspinta-demo"
DEMO_CLIENT_ID = "01930003-0000-7000-8000-000000000001"
DEMO_CLIENT_SECRET = "yhdyspinta-demo-client-secret"


def check(condition, message):
    if not condition:
        raise SystemExit(f"client check failed: {message}")


def raw(response):
    """The JSON an integrator received, exactly as sent."""
    check(response.status_code == 200, f"status {response.status_code}: {response.content[:300]!r}")
    return json.loads(response.content)


def token(anonymous, **form):
    response = issue_token.sync_detailed(client=anonymous, body=TokenRequest(**form))
    check(response.status_code == 200, f"token: {response.status_code} {response.content[:300]!r}")
    return response.parsed.access_token


def main(base):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # A person signs in and sees who they are.
    person = AuthenticatedClient(
        base_url=base,
        token=token(anonymous, grant_type="password",
                    username="koordinaattori@jyvaskyla.example", password=DEMO_PASSWORD),
    )
    me = raw(get_me.sync_detailed(client=person))
    check(me["kind"] == "person" and me["memberships"], f"me: {me}")

    # Every organisation, page by page.
    names, cursor = [], UNSET
    while True:
        page = list_organizations.sync(client=person, limit=5, cursor=cursor)
        names += [o.name.fi for o in page.data]
        if not page.meta.next_cursor:
            break
        cursor = page.meta.next_cursor
    check(len(names) == len(set(names)) >= 17, f"organisations: {len(names)}")

    # A public agreement, read anonymously, found by its code.
    found = list_agreements.sync(client=anonymous, code="KS-2026-014")
    check(len(found.data) == 1, "KS-2026-014 is not listed")
    agreement_id = found.data[0].id
    agreement = get_agreement.sync(client=anonymous, id=agreement_id)
    check(agreement.code == "KS-2026-014" and str(agreement.status) in ("active", "Status.ACTIVE"),
          f"agreement: {agreement.status}")

    # Each version's hash recomputed from what this reader read, and its seal verified.
    keys = {k["kid"]: k for k in raw(jwks.sync_detailed(client=anonymous))["keys"]}
    versions = raw(list_agreement_versions.sync_detailed(client=anonymous, id=agreement_id))["data"]
    check(versions, "no versions")
    for version in versions:
        digest = hashlib.sha256(rfc8785.dumps(version["snapshot"])).hexdigest()
        check(digest == version["content_hash"], f"version {version['version']}: hash {digest} != {version['content_hash']}")
        if version["entered_into_force_at"]:
            seal = version["seal"]
            kid = jwt.get_unverified_header(seal)["kid"]
            key = jwt.PyJWK(keys[kid]).key
            claims = jwt.decode(seal, key, algorithms=["EdDSA"], options={"require": ["iss", "iat"]})
            check(claims["agreement_id"] == str(agreement_id), f"seal names {claims['agreement_id']}")
            check(claims["content_hash"] == version["content_hash"], "seal and version disagree on the hash")
            check(claims["version"] == version["version"] and claims["code"] == "KS-2026-014", f"seal: {claims}")
            signers = {s["organization_id"] for s in version["signatures"]}
            check({s["organization_id"] for s in claims["signatures"]} == signers, "seal and version disagree on signers")
    sealed = [v for v in versions if v["seal"]]
    check(sealed, "no version is sealed")

    # A reporting tool of Keusote reads its party-only agreement with a service client's token.
    tool = AuthenticatedClient(
        base_url=base,
        token=token(anonymous, grant_type="client_credentials",
                    client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET),
    )
    check(raw(get_me.sync_detailed(client=tool))["kind"] == "client", "me of a client")
    check(not list_agreements.sync(client=anonymous, code="KU-2026-003").data, "KU-2026-003 is public?")
    party_only = list_agreements.sync(client=tool, code="KU-2026-003")
    check(len(party_only.data) == 1, "the service client cannot read its party-only agreement")
    # The meeting place's shared plan: the city's coordinator confirms a planned row with the
    # ETag it read; a second write with the same ETag is refused with the current state.
    documents = list_coordination_documents.sync(client=person)
    check(len(documents.data) == 1, f"coordination documents: {len(documents.data)}")
    document = documents.data[0]
    rows = list_coordination_entries.sync(client=person, id=document.id).data
    planned = [r for r in rows if r.status == EntryStatus.PLANNED]
    check(planned, "no planned entry")
    read = get_coordination_entry.sync_detailed(client=person, id=document.id, entry_id=planned[0].id)
    etag = read.headers["etag"]
    confirm = EntryFieldsPatch(status=EntryStatus.CONFIRMED)
    done = update_coordination_entry.sync_detailed(
        client=person, id=document.id, entry_id=planned[0].id, body=confirm, if_match=etag)
    check(done.status_code == 200 and done.parsed.status == EntryStatus.CONFIRMED, f"confirm: {done.content[:300]!r}")
    again = update_coordination_entry.sync_detailed(
        client=person, id=document.id, entry_id=planned[0].id, body=confirm, if_match=etag)
    check(again.status_code == 412 and isinstance(again.parsed, Problem), f"stale write: {again.status_code}")
    check(again.parsed.current_etag == done.headers["etag"], "the 412 does not carry the current ETag")
    log = list_coordination_revisions.sync(client=person, id=document.id, limit=200).data
    check(log[-1].action == "entry_updated" and log[-1].entry_id == planned[0].id, f"last revision: {log[-1].action}")
    # Public networks and their meetings, anonymously: no minutes, no decisions.
    networks = list_networks.sync(client=anonymous, limit=50).data
    hyte = [n for n in networks if n.name.fi == "Keusoten hyte-verkosto"]
    check(hyte and len(hyte[0].members) >= 5, f"networks: {[n.name.fi for n in networks]}")
    check(all(m.contact_ids is None for m in hyte[0].members), "contacts shown to the anonymous")
    meetings = list_network_meetings.sync(client=anonymous, id=hyte[0].id).data
    check(meetings and all(m.minutes is None and not m.decisions for m in meetings), "minutes shown to the anonymous")
    # The agreement's parties read its yearly collaboration meeting with the minutes.
    yearly = list_agreement_meetings.sync(client=person, id=agreement_id).data
    check(len(yearly) == 1 and yearly[0].minutes is not None, f"yearly meetings: {len(yearly)}")
    # A participant of the Hervanta workshops reads the prioritised challenges, the actions and
    # the client path.
    participant = AuthenticatedClient(
        base_url=base,
        token=token(anonymous, grant_type="password", username="koordinaattori@tampere.example", password=DEMO_PASSWORD),
    )
    workshops = list_workshops.sync(client=participant).data
    waste = [w for w in workshops if str(w.kind) in ("waste_workshop", "WorkshopKind.WASTE_WORKSHOP")]
    check(len(workshops) == 2 and waste, f"workshops: {[str(w.kind) for w in workshops]}")
    challenges = list_workshop_challenges.sync(client=participant, id=waste[0].id, sort=ListWorkshopChallengesSort.VOTES).data
    votes = [c.votes for c in challenges]
    check(votes == sorted(votes, reverse=True) and challenges[0].prioritised, f"challenges by votes: {votes}")
    actions = list_actions.sync(client=participant).data
    check(len(actions) >= 3, f"actions: {len(actions)}")
    solution = [w for w in workshops if w.id != waste[0].id][0]
    steps = [len(a.steps) for a in list_workshop_artefacts.sync(client=participant, id=solution.id).data]
    check(steps == [4, 3], f"artefact steps: {steps}")
    print(f"client check: {len(networks)} public networks, {len(meetings)} + {len(yearly)} meetings, "
          f"{len(challenges)} challenges by votes, {len(actions)} actions; "
          f"{len(names)} organisations, {len(versions)} version(s) verified and sealed, "
          "party-only agreement read by a service client, a coordination entry confirmed "
          f"(revision {log[-1].revision}) and a stale write refused")


if __name__ == "__main__":
    main(sys.argv[1])
