"""Indicator exports read back by independent parsers, against `serve --demo`.

A value with hostile text (a formula, quotes, a newline, both separators) is reported,
submitted and approved through the API, for an indicator whose title is markup. Then Frictionless validates the Data Package
descriptor and the CSV it points to (types, required fields, the primary key), the CSV is read
with Python's csv module and the hostile text compared, and pysdmx reads the SDMX-CSV 2.0
export as a dataset of the documented dataflow, and the chart is parsed as XML: one SVG whose
accessible title is the indicator's title as text. Each parser is first shown a broken document,
so a check that cannot fail is noticed.

Usage: python3 .ci/indicators_check.py BASE
"""

import csv
import io
import json
import sys
import urllib.request
import xml.etree.ElementTree as ET

from frictionless import validate
from pysdmx.io import read_sdmx

BASE = sys.argv[1]
EXPORT = f"{BASE}/api/v1/exports/observations"
HOSTILE = '=HYPERLINK("http://x")\n"lainaus"; pilkku, rivi'
MARKUP = 'Tarkistus <script>alert("x")</script> & <b>'



def call(method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as res:
        text = res.read().decode()
        return json.loads(text) if text else None


def sign_in(email):
    form = f"grant_type=password&username={email}&password=yhdyspinta-demo".encode()
    req = urllib.request.Request(f"{BASE}/api/v1/auth/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)["access_token"]


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as res:
        return res.read().decode("utf-8")


coordinator = sign_in("koordinaattori@hyvaks.example")
admin = sign_in("paakayttaja@hyvaks.example")
county = call("GET", "/api/v1/me", coordinator)["memberships"][0]["organization_id"]
indicator = call("POST", "/api/v1/indicators", coordinator, {
    "code": "CI_HOSTILE", "title": {"fi": MARKUP}, "type": "performance", "measure": "count",
    "unit": 'hlö; "kävijät"', "decimals": 0, "direction": "none", "aggregation": "sum", "periodicity": "P1Y",
    "dimensions": ["sex", "age_group"], "owner_organization_id": county, "visibility": "public"})
written = call("POST", "/api/v1/observations:batch", coordinator, {"observations": [
    {"indicator_id": indicator["id"], "value_type": "actual", "period": "2025", "value": "7",
     "sex": "female", "age_group": "75+", "narrative": {"fi": HOSTILE}},
    {"indicator_id": indicator["id"], "value_type": "actual", "period": "2024-2025", "value": "1234567"},
]})
for value in written["data"]:
    call("POST", f"/api/v1/observations/{value['id']}/transitions", coordinator, {"to": "submitted"})
    call("POST", f"/api/v1/observations/{value['id']}/transitions", admin, {"to": "approved"})

# Frictionless: a broken package fails; ours passes, its CSV fetched from the service.
broken = {"resources": [{"name": "x", "data": [["a"], ["1"]], "schema": {"fields": [{"name": "a", "type": "integer"}],
                                                                      "primaryKey": ["b"]}}]}
assert not validate(broken).valid, "frictionless accepted a broken package"
report = validate(f"{EXPORT}/datapackage.json")
if not report.valid:
    print(report.to_summary(), file=sys.stderr)
    sys.exit("frictionless: the data package or its CSV is invalid")
print(f"frictionless: the data package and its CSV are valid ({report.stats['tasks']} resource)")

# The CSV read with Python's csv module: the hostile text comes back whole, formula-inert.
rows = list(csv.DictReader(io.StringIO(fetch(f"{EXPORT}?indicator={indicator['id']}"))))
assert len(rows) == 2, rows
narratives = [r["narrative"] for r in rows if r["narrative"]]
assert narratives == ["'" + HOSTILE], narratives
assert {r["unit"] for r in rows} == {'hlö; "kävijät"'}, rows
fi = fetch(f"{EXPORT}?indicator={indicator['id']}&dialect=fi")
assert fi.startswith("\ufeff"), "no byte order mark"
rows_fi = list(csv.DictReader(io.StringIO(fi[1:]), delimiter=";"))
assert sorted(r["value"] for r in rows_fi) == ["1234567", "7"], rows_fi
print("csv: RFC 4180 and the Finnish dialect read back, hostile text intact and inert")

# pysdmx: a document without SDMX-CSV's header fails; ours is one dataset of the dataflow.
try:
    read_sdmx(io.StringIO("a,b\n1,2\n").read())
except Exception:  # noqa: BLE001 - any refusal will do
    pass
else:
    sys.exit("pysdmx read a plain CSV as SDMX")
sdmx = fetch(f"{EXPORT}?format=sdmx-csv&indicator={indicator['id']}")
message = read_sdmx(sdmx, validate=True)
datasets = message.data
assert len(datasets) == 1 and datasets[0].short_urn == "Dataflow=YHDYSPINTA:DF_OBSERVATIONS(1.0.0)", datasets
records = datasets[0].data.to_dict("records")
assert sorted((r["TIME_PERIOD"], r["SEX"], r["AGE"], r["OBS_VALUE"]) for r in records) == [
    ("2024-01-01/P2Y", "_T", "_T", "1234567"), ("2025", "F", "Y_GE75", "7")], records
whole = read_sdmx(fetch(f"{EXPORT}?format=sdmx-csv"), validate=True)
print(f"pysdmx: SDMX-CSV 2.0 read back, {len(whole.data[0].data)} observations in the demo export")

# The chart: a broken document fails to parse; ours is one SVG, its title the text given.
try:
    ET.fromstring("<svg><title>x</svg>")
except ET.ParseError:
    pass
else:
    sys.exit("the XML parser accepted a broken document")
svg = ET.fromstring(fetch(f"{BASE}/api/v1/indicators/{indicator['id']}/chart.svg"))
ns = {"svg": "http://www.w3.org/2000/svg"}
assert svg.tag == "{http://www.w3.org/2000/svg}svg", svg.tag
assert svg.find("svg:title", ns).text == MARKUP + ' (hlö; "kävijät")', svg.find("svg:title", ns).text
assert "Toteuma: 2024-2025 1\xa0234\xa0567" in svg.find("svg:desc", ns).text, svg.find("svg:desc", ns).text
assert not [e for e in svg.iter() if e.tag.endswith("script")], "markup in the title became an element"
print("svg: the chart parses as XML with its accessible title and description")
