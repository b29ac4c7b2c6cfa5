"""Checks an OCDS release or record package as the open-contracting community's tools read it (issue 26), offline.

- libcoveocds against the OCDS 1.1.5 schema kept in Contracts/ocds, with the Spokes extension applied (served from
  Contracts/ocds/spokes-extension on a local port, as libcoveocds fetches extensions over HTTP), its additional checks
  (empty fields) included: no schema error, no closed-codelist error, no empty field.
- Every field outside the core schema belongs to an extension the package declares. The community's extensions cannot
  be fetched offline, so their fields are listed here (from their v1.1.5 release schemas).
- With --cardinal: the releases compiled per process (ocdskit), then the field coverage that OCDS Cardinal reports; every
  field its 11 indicators read must be present.

Exit 0 when every check passes. Usage: ocds_check.py PACKAGE.json [--cardinal]
"""
import csv
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIDS = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
LOTS = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
ENQUIRIES = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/v1.1.5/extension.json"
SPOKES = "/api/v1/ocds/extension/extension.json"

# (parent path, field) each community extension adds, as libcoveocds names an additional field.
COMMUNITY_FIELDS = {
    BIDS: {("/releases", "bids"), ("/releases/awards", "relatedBid")},
    LOTS: {("/releases/tender", "lots"), ("/releases/tender", "lotDetails"), ("/releases/tender", "lotGroups"),
           ("/releases/tender/items", "relatedLot"), ("/releases/awards/items", "relatedLot"), ("/releases/contracts/items", "relatedLot"),
           ("/releases/awards", "relatedLots"), ("/releases/bids/details", "relatedLots")},
    ENQUIRIES: {("/releases/tender", "enquiries")},
}

# The fields OCDS Cardinal's indicators read (cardinal-rs 0.0.8, src/indicators), as its coverage names them.
CARDINAL = {
    "R003 short submission period": ["/tender/tenderPeriod/startDate", "/tender/tenderPeriod/endDate"],
    "R018 single bid received": ["/tender/numberOfTenderers", "/tender/procurementMethod"],
    "R024 price close to winning bid": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
                                        "/bids/details[]/value/amount", "/bids/details[]/value/currency", "/bids/details[]/tenderers[]/id"],
    "R025 excessive unsuccessful bids": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status", "/bids/details[]/tenderers[]/id"],
    "R028 identical bid prices": ["/bids/details[]/status", "/bids/details[]/tenderers[]/id", "/bids/details[]/value/amount",
                                  "/bids/details[]/value/currency"],
    "R030 late bid won": ["/tender/tenderPeriod/endDate", "/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
                          "/bids/details[]/date", "/bids/details[]/tenderers[]/id"],
    "R035 all except winning bid disqualified": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status",
                                                 "/bids/details[]/tenderers[]/id"],
    "R036 lowest bid disqualified": ["/awards[]/status", "/bids/details[]/status", "/bids/details[]/value/amount", "/bids/details[]/value/currency"],
    "R038 excessive disqualified bids": ["/bids/details[]/status", "/bids/details[]/tenderers[]/id", "/buyer/id", "/tender/procuringEntity/id"],
    "R048 heterogeneous supplier": ["/awards[]/status", "/awards[]/suppliers[]/id", "/awards[]/items[]/classification/id"],
    "R058 heavily discounted bid": ["/awards[]/status", "/awards[]/suppliers[]/id", "/bids/details[]/status", "/bids/details[]/value/amount",
                                    "/bids/details[]/value/currency", "/bids/details[]/tenderers[]/id"],
}


def ensure(module, package):
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--root-user-action=ignore", package], check=True)


def as_release_package(package):
    """A record package's releases and compiled releases, as one release package (its schema refers to the release
    schema online, which an offline machine cannot fetch)."""
    if "records" not in package:
        return package
    for record in package["records"]:
        assert record.get("ocid") and record.get("releases"), "a record needs its ocid and releases"
    releases = [r for record in package["records"] for r in record["releases"] + [record["compiledRelease"]]]
    return {k: v for k, v in package.items() if k not in ("records", "packages")} | {"releases": releases}


def serve_spokes_extension(folder):
    """The Spokes extension on a local port, its catalogue codelist made from the seed's catalogue. Returns its URL."""
    shutil.copytree(os.path.join(ROOT, "Contracts", "ocds", "spokes-extension"), folder, dirs_exist_ok=True)
    with open(os.path.join(ROOT, "seed", "purchase-catalogue.csv"), encoding="utf-8-sig") as source, \
            open(os.path.join(folder, "codelists", "spokesCatalogue.csv"), "w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["Code", "Title", "Description"])
        for row in list(csv.reader(source))[1:]:
            writer.writerow(row[:3])
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/extension.json"


def cove(package, scratch):
    """libcoveocds' result for the package, with the Spokes extension served locally. Returns (result, problems)."""
    problems = []
    declared = package.get("extensions") or []
    local = serve_spokes_extension(os.path.join(scratch, "spokes-extension"))
    spokes = [url for url in declared if url.endswith(SPOKES)]
    if not spokes:
        problems.append(f"the package does not declare the Spokes extension (…{SPOKES})")
    package = dict(package, extensions=[local if url.endswith(SPOKES) else url for url in declared])
    path = os.path.join(scratch, "package.json")
    json.dump(package, open(path, "w"))
    shutil.make_archive(os.path.join(scratch, "schema"), "zip", os.path.join(ROOT, "Contracts", "ocds"), "standard-1__1__5")
    out = subprocess.run(["libcoveocds", "--standard-zip", os.path.join(scratch, "schema.zip"), "--additional-checks", "all",
                          "-o", os.path.join(scratch, "cove"), path], capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    applied = {e["url"]: e for e in (result.get("extensions") or {}).get("extensions", [])}
    if spokes and local not in applied:
        problems.append(f"libcoveocds could not apply the Spokes extension: {(result.get('extensions') or {}).get('invalid_extension', {}).get(local)}")
    elif spokes and applied[local].get("failed_codelists"):
        problems.append(f"the Spokes extension's codelists failed: {applied[local]['failed_codelists']}")
    for error in result.get("validation_errors") or []:
        problems.append(f"schema: {error[0] if isinstance(error, list) else error}")
    for where, value in (result.get("additional_closed_codelist_values") or {}).items():
        problems.append(f"closed codelist {value.get('codelist')} does not have {value.get('values')} at {where}")
    for check, found in (result.get("additional_checks") or {}).items():
        for entry in found:
            problems.append(f"additional check {check}: {entry.get('json_location')}")
    allowed = set().union(*(COMMUNITY_FIELDS.get(url, set()) for url in declared))
    for field in result.get("additional_fields") or []:
        if (field["path"], field["field"]) not in allowed:
            problems.append(f"{field['path']}/{field['field']} ({field['usage_count']} times) is in no declared extension")
    return result, problems


def cardinal(package, scratch):
    """The releases compiled per process with ocdskit, then Cardinal's coverage; the indicators' missing fields."""
    ensure("ocdskit", "ocdskit")
    ensure("ocdscardinal", "ocdscardinal")
    import ocdscardinal
    # Merged by the core schema kept here (ocdskit would fetch it); arrays of objects with ids merge by id.
    schema = os.path.join(ROOT, "Contracts", "ocds", "standard-1__1__5", "schema", "release-schema.json")
    compiled = subprocess.run([sys.executable, "-m", "ocdskit", "compile", "--schema", schema], input=json.dumps(package),
                              capture_output=True, text=True, check=True)
    lines = os.path.join(scratch, "compiled.jsonl")
    with open(lines, "w") as out:
        for line in compiled.stdout.splitlines():
            if line.strip():
                out.write(json.dumps(json.loads(line)) + "\n")
    coverage = ocdscardinal.coverage(lines)
    problems, rows = [], []
    for indicator, fields in CARDINAL.items():
        missing = [f for f in fields if not coverage.get(f)]
        rows.append(f"  {indicator}: {'all ' + str(len(fields)) + ' fields present' if not missing else 'missing ' + ', '.join(missing)}")
        if missing:
            problems.append(f"Cardinal {indicator} lacks {', '.join(missing)}")
    return rows, problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ensure("libcoveocds", "libcoveocds")
    package = as_release_package(json.load(open(sys.argv[1])))
    with tempfile.TemporaryDirectory() as scratch:
        result, problems = cove(package, scratch)
        rows = []
        if "--cardinal" in sys.argv[2:]:
            rows, more = cardinal(package, scratch)
            problems += more
    for problem in problems:
        print("ocds-check:", problem)
    for row in rows:
        print(row)
    print(f"ocds-check: {result.get('count')} releases, {len(problems)} problems"
          + (f"; Cardinal's 11 indicators: {sum('present' in r for r in rows)} have their fields" if rows else ""))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
