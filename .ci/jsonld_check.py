"""Independent check of the served schema.org JSON-LD: expand /api/v1/directory/events.jsonld
with PyLD (schema.org's context given locally as its vocabulary, since CI may be offline) and
compare its events with the occurrences /api/v1/occurrences lists for the same window: the
same occurrences, starts and ends, each pointing with superEvent to its series, which is in
the graph as an EventSeries.

Usage: python3 .ci/jsonld_check.py BASE_URL
"""

import datetime as dt
import json
import sys
import urllib.request

from pyld import jsonld

BASE = sys.argv[1].rstrip("/")
SCHEMA = "https://schema.org/"


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as res:
        return res.headers.get("Content-Type", ""), res.read()


def loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": {"@context": {"@vocab": SCHEMA}}}
    raise jsonld.JsonLdError(f"no remote contexts here: {url}", "loading document failed")


jsonld.set_document_loader(loader)
since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
query = f"?from={since}&limit=200"
content_type, body = get(f"/api/v1/directory/events.jsonld{query}")
if not content_type.startswith("application/ld+json"):
    sys.exit(f"events.jsonld answered {content_type}")
expanded = jsonld.expand(json.loads(body))
nodes = {n["@id"]: n for n in expanded if "@id" in n}


def value(node, prop):
    values = node.get(SCHEMA + prop, [])
    return values[0].get("@value", values[0].get("@id")) if values else None


events = [n for n in expanded if SCHEMA + "Event" in n.get("@type", [])]
series = {i for i, n in nodes.items() if SCHEMA + "EventSeries" in n.get("@type", [])}
seen = {}
for event in events:
    parent = value(event, "superEvent")
    if parent not in series:
        sys.exit(f"{event['@id']}: superEvent {parent} is not an EventSeries in the graph")
    for prop in ("startDate", "endDate", "eventStatus", "eventAttendanceMode", "name", "isAccessibleForFree"):
        if value(event, prop) is None:
            sys.exit(f"{event['@id']}: no {prop}")
    seen[event["@id"].rsplit("/", 1)[1]] = (value(event, "startDate"), value(event, "endDate"))

_, listed_body = get(f"/api/v1/occurrences{query}")
listed = {o["id"]: (o["start"].replace(".000000", ""), o["end"].replace(".000000", ""))
          for o in json.loads(listed_body)["data"]}


def instant(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


listed = {k: (instant(a), instant(b)) for k, (a, b) in listed.items()}
seen = {k: (instant(a), instant(b)) for k, (a, b) in seen.items()}
if listed != seen:
    only_api = sorted(set(listed) - set(seen))[:5]
    only_ld = sorted(set(seen) - set(listed))[:5]
    differ = [(k, listed[k], seen[k]) for k in set(listed) & set(seen) if listed[k] != seen[k]][:5]
    sys.exit(f"the JSON-LD and the API disagree\n  only in the API: {only_api}\n  only in the JSON-LD: {only_ld}\n"
             f"  different: {differ}")
if not events:
    sys.exit("no events in the JSON-LD: the demo has published series")
print(f"JSON-LD check: {len(events)} events of {len(series)} series agree with /api/v1/occurrences")
