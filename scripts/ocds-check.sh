#!/usr/bin/env bash
# Checks an OCDS release or record package against the OCDS 1.1.5 schema kept in Contracts/ocds, offline,
# with libcoveocds (installed from PyPI when missing). Exit 0 when there is no schema or closed-codelist error.
set -euo pipefail
package=${1:?usage: scripts/ocds-check.sh PACKAGE.json}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v libcoveocds >/dev/null 2>&1 || python3 -m pip install --quiet libcoveocds
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -c 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], "standard-1__1__5")' "$scratch/schema" "$root/Contracts/ocds"
# A record package's schema refers to the versioned release schema online, which an offline machine cannot
# fetch: its releases and compiled releases are checked as one release package instead.
python3 - "$package" "$scratch/releases.json" <<'PY'
import json, sys
package = json.load(open(sys.argv[1]))
if "records" in package:
    for record in package["records"]:
        assert record.get("ocid") and record.get("releases"), "a record needs its ocid and releases"
    releases = [r for record in package["records"] for r in record["releases"] + [record["compiledRelease"]]]
    package = {k: v for k, v in package.items() if k not in ("records", "packages")} | {"releases": releases}
json.dump(package, open(sys.argv[2], "w"))
PY
libcoveocds --standard-zip "$scratch/schema.zip" -o "$scratch/cove" "$scratch/releases.json" > "$scratch/result.json"
python3 - "$scratch/result.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
schema = result.get("validation_errors") or []
codelists = result.get("additional_closed_codelist_values") or {}
for problem in schema:
    print("schema:", problem[0] if isinstance(problem, list) else problem)
for where, problem in codelists.items():
    print("closed codelist", problem.get("codelist"), "does not have", problem.get("values"), "at", where)
print(f"ocds-check: {result.get('count')} releases or records, {len(schema)} schema errors, {len(codelists)} closed-codelist errors")
sys.exit(1 if schema or codelists else 0)
PY
