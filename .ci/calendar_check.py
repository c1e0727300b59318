"""Independent check of the served calendars: expand each demo series' calendar.ics with
the recurring-ical-events library and compare with the occurrences the API lists (same
starts and ends, same cancelled and moved ones).

Usage: python3 .ci/calendar_check.py BASE_URL
"""

import datetime as dt
import json
import sys
import urllib.request

import icalendar
import recurring_ical_events

BASE = sys.argv[1].rstrip("/")
UTC = dt.timezone.utc


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as res:
        return res.read()


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


checked = 0
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
    expanded = {}
    for event in recurring_ical_events.of(calendar).between(*window):
        when = utc(event["DTSTART"].dt)
        if when < window[0] or when >= window[1]:
            continue
        status = "cancelled" if str(event.get("STATUS", "")).upper() == "CANCELLED" else "scheduled"
        # The library sets RECURRENCE-ID on every instance: moved ones have another start.
        original = utc(event["RECURRENCE-ID"].dt) if "RECURRENCE-ID" in event else when
        expanded[when] = (utc(event["DTEND"].dt), status, original != when)
    if listed != expanded:
        only_api = sorted(set(listed) - set(expanded))[:5]
        only_ics = sorted(set(expanded) - set(listed))[:5]
        differ = [(k, listed[k], expanded[k]) for k in sorted(set(listed) & set(expanded)) if listed[k] != expanded[k]][:5]
        sys.exit(f"{series['title']}: the calendar and the API disagree\n  only in the API: {only_api}\n"
                 f"  only in the calendar: {only_ics}\n  different: {differ}")
    cancelled = sum(1 for v in listed.values() if v[1] == "cancelled")
    moved = sum(1 for v in listed.values() if v[2])
    print(f"{series['title'].get('fi')}: {len(listed)} occurrences agree ({cancelled} cancelled, {moved} moved)")
    checked += 1

if checked < 4:
    sys.exit(f"only {checked} series with a schedule: the demo should have at least 4")
print(f"calendar check: {checked} series agree with recurring-ical-events")
