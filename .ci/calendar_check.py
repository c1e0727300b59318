"""Independent check of the served calendars: expand each demo series' calendar.ics, and the
directory's calendar of every published series, with the recurring-ical-events library and
compare with the occurrences the API lists (same starts and ends, same cancelled and moved
ones). Given a token of an org admin, it first
publishes a series whose title is hostile to iCalendar text (component keywords, separators,
quotes, emoji) and checks a title with a line break is refused, so that calendar is read
back too.

Public networks' meeting calendars are read back the same way against the meetings the API
lists, a hostile-titled meeting among them when a token is given.

Usage: python3 .ci/calendar_check.py BASE_URL [TOKEN]
"""

import datetime as dt
import json
import sys
import urllib.error
import urllib.request

import icalendar
import recurring_ical_events

BASE = sys.argv[1].rstrip("/")
UTC = dt.timezone.utc


TOKEN = sys.argv[2] if len(sys.argv) > 2 else None


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as res:
        return res.read()


def send(method, path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method=method, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def hostile_series():
    me = json.loads(urllib.request.urlopen(urllib.request.Request(
        BASE + "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"}), timeout=30).read())
    org = next(m["organization_id"] for m in me["memberships"] if m["role"] in ("org_admin", "coordinator"))
    start = dt.date.today() + dt.timedelta(days=7)
    body = {"title": {"fi": "Kahvila BEGIN:VEVENT END:VCALENDAR; NAME:x, \\ \"lainaus\" ääkköset 😀"},
            "kind": "recurring", "activity_type": "ongoing_activity", "publisher_id": org,
            "organizer_ids": [org], "attendance_mode": "online", "online_url": "https://example.fi/kahvila",
            "target_groups": ["all_residents"], "price": {"is_free": True}, "publication_status": "published",
            "schedule": {"timezone": "Europe/Helsinki", "start_date": start.isoformat(), "start_time": "10:00",
                         "end_time": "11:00", "rrule": "FREQ=WEEKLY;COUNT=5"}}
    broken = json.loads(json.dumps(body))
    broken["title"]["fi"] = "Kahvila\r\nBEGIN:VEVENT"
    status, problem = send("POST", "/api/v1/event-series", broken)
    if status != 422 or not any(e["field"] == "title.fi" for e in problem.get("errors", [])):
        sys.exit(f"a title with a line break was not refused with 422 naming title.fi: {status} {problem}")
    status, created = send("POST", "/api/v1/event-series", body)
    if status != 201:
        sys.exit(f"the hostile-titled series was not created: {status} {created}")
    print(f"hostile title published as series {created['id']}")


def pages(path):
    url = path
    while True:
        body = json.loads(get(url))
        yield from body["data"]
        cursor = body["meta"].get("next_cursor")
        if not cursor:
            return
        url = f"{path}&cursor={cursor}"


def utc(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC)
    # An all-day date: midnight in the series' zone is what the API lists; compare dates.
    return value


def expand(calendar, window):
    """(start → (end, status, moved)) of each event instance in the window, by series id."""
    expanded = {}
    for event in recurring_ical_events.of(calendar).between(*window):
        when = utc(event["DTSTART"].dt)
        if when < window[0] or when >= window[1]:
            continue
        status = "cancelled" if str(event.get("STATUS", "")).upper() == "CANCELLED" else "scheduled"
        # The library sets RECURRENCE-ID on every instance: moved ones have another start.
        original = utc(event["RECURRENCE-ID"].dt) if "RECURRENCE-ID" in event else when
        sid = str(event["UID"]).split("@")[0]
        expanded.setdefault(sid, {})[when] = (utc(event["DTEND"].dt), status, original != when)
    return expanded


def disagreement(title, listed, expanded):
    only_api = sorted(set(listed) - set(expanded))[:5]
    only_ics = sorted(set(expanded) - set(listed))[:5]
    differ = [(k, listed[k], expanded[k]) for k in sorted(set(listed) & set(expanded)) if listed[k] != expanded[k]][:5]
    return (f"{title}: the calendar and the API disagree\n  only in the API: {only_api}\n"
            f"  only in the calendar: {only_ics}\n  different: {differ}")


if TOKEN:
    hostile_series()
checked = 0
# Every published series' occurrences, to compare with the directory calendar.
all_listed = {}
directory_window = None
for series in pages("/api/v1/event-series?limit=200"):
    if series["schedule"] is None:
        continue
    sid = series["id"]
    # Occurrences are materialised from a year back: compare within that.
    since = max(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime.now(UTC) - dt.timedelta(days=330))
    start = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = series["occurrences_until"] + "T00:00:00Z"
    listed = {}
    for o in pages(f"/api/v1/event-series/{sid}/occurrences?from={start}&to={until}&limit=200"):
        when = dt.datetime.fromisoformat(o["start"].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(o["end"].replace("Z", "+00:00"))
        listed[when] = (end, o["status"], o["moved"])
    calendar = icalendar.Calendar.from_ical(get(f"/api/v1/event-series/{sid}/calendar.ics"))
    window = (since, dt.datetime.fromisoformat(until.replace("Z", "+00:00")))
    expanded = expand(calendar, window).get(sid, {})
    if listed != expanded:
        sys.exit(disagreement(series["title"], listed, expanded))
    all_listed[sid] = (listed, window)
    cancelled = sum(1 for v in listed.values() if v[1] == "cancelled")
    moved = sum(1 for v in listed.values() if v[2])
    print(f"{series['title'].get('fi')}: {len(listed)} occurrences agree ({cancelled} cancelled, {moved} moved)")
    checked += 1

# The directory's calendar: every published series in one VCALENDAR, each as in its own.
directory = icalendar.Calendar.from_ical(get("/api/v1/directory/calendar.ics"))
for prop in ("NAME", "REFRESH-INTERVAL", "SOURCE"):
    if prop not in directory:
        sys.exit(f"the directory calendar has no {prop}")
for sid, (listed, window) in all_listed.items():
    expanded = expand(directory, window).get(sid, {})
    if listed != expanded:
        sys.exit(disagreement(f"directory calendar, series {sid}", listed, expanded))
print(f"directory calendar: {len(all_listed)} series agree with their own calendars' occurrences")



# Networks' meeting calendars: each public network's calendar.ics read back with icalendar,
# every meeting the API lists there with the same UID, start, end and title. With a token, a
# network meeting with a hostile title is held first (and a title with a line break refused).
def hostile_meeting():
    me = json.loads(urllib.request.urlopen(urllib.request.Request(
        BASE + "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"}), timeout=30).read())
    org = next(m["organization_id"] for m in me["memberships"] if m["role"] in ("org_admin", "coordinator"))
    status, network = send("POST", "/api/v1/networks", {
        "name": {"fi": "Verkosto; BEGIN:VCALENDAR, \\ \"lainaus\""}, "kind": "other", "visibility": "public",
        "founding_organization_id": org})
    if status != 201:
        sys.exit(f"the hostile-named network was not created: {status} {network}")
    starts = (dt.datetime.now(UTC) + dt.timedelta(days=9)).replace(microsecond=0).isoformat()
    meeting = {"kind": "network_meeting", "starts_at": starts,
               "title": {"fi": "Kokous END:VEVENT; SUMMARY:x, \\ ääkköset 😀"},
               "agenda": [{"fi": "Rivi 1\nBEGIN:VALARM"}, {"fi": "Rivi 2; pilkku, kenoviiva \\"}]}
    broken = json.loads(json.dumps(meeting))
    broken["title"]["fi"] = "Kokous\r\nBEGIN:VEVENT"
    status, problem = send("POST", f"/api/v1/networks/{network['id']}/meetings", broken)
    if status != 422 or not any(e["field"] == "title.fi" for e in problem.get("errors", [])):
        sys.exit(f"a meeting title with a line break was not refused with 422 naming title.fi: {status} {problem}")
    status, created = send("POST", f"/api/v1/networks/{network['id']}/meetings", meeting)
    if status != 201:
        sys.exit(f"the hostile-titled meeting was not created: {status} {created}")
    print(f"hostile meeting held as {created['id']} in network {network['id']}")


if TOKEN:
    hostile_meeting()
meetings_checked = 0
for network in pages("/api/v1/networks?limit=100"):
    nid = network["id"]
    calendar = icalendar.Calendar.from_ical(get(f"/api/v1/networks/{nid}/calendar.ics"))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    for meeting in pages(f"/api/v1/networks/{nid}/meetings?limit=100"):
        event = events.get(f"{meeting['id']}@yhdyspinta")
        if event is None:
            sys.exit(f"network {nid}: meeting {meeting['id']} is not in its calendar")
        start = dt.datetime.fromisoformat(meeting["starts_at"].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(meeting["ends_at"].replace("Z", "+00:00"))
        if (utc(event.decoded("DTSTART")), utc(event.decoded("DTEND"))) != (start, end):
            sys.exit(f"network {nid}: meeting {meeting['id']} is at another time in the calendar")
        title = (meeting.get("title") or {}).get("fi") or network["name"].get("fi")
        if str(event["SUMMARY"]) != title:
            sys.exit(f"network {nid}: meeting {meeting['id']} titled {str(event['SUMMARY'])!r}, not {title!r}")
        meetings_checked += 1
if meetings_checked < (4 if TOKEN else 3):
    sys.exit(f"only {meetings_checked} network meetings were checked: the demo's public networks have 3")
print(f"network calendars: {meetings_checked} meetings agree with icalendar")

if checked < (5 if TOKEN else 4):
    sys.exit(f"only {checked} series with a schedule: the demo has 4, and the hostile one is added")
print(f"calendar check: {checked} series agree with recurring-ical-events")
