"""A tender cancelled after its award, merged as the community merges releases (issue 26): against a running Spokes
with the demo data, the buyer cancels the awarded demo tender; the process's releases, compiled with ocdskit (ocdsmerge),
must show its awards cancelled, where before they were pending. Usage: ocds_cancel_check.py BASE_URL PASSWORD"""
import json
import os
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "Contracts", "ocds", "standard-1__1__5", "schema", "release-schema.json")


def call(base, method, path, token=None, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"content-type": "application/json"} | ({"authorization": f"Bearer {token}"} if token else {}))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def compiled_awards(base, ocid):
    record = call(base, "GET", f"/api/v1/ocds/records/{ocid}")["records"][0]
    package = {"uri": "check", "publishedDate": "2026-01-01T00:00:00Z", "version": "1.1", "releases": record["releases"]}
    out = subprocess.run([sys.executable, "-m", "ocdskit", "compile", "--schema", SCHEMA], input=json.dumps(package),
                         capture_output=True, text=True, check=True).stdout
    compiled = json.loads(out.splitlines()[0])
    return compiled["tender"]["status"], sorted(a["status"] for a in compiled.get("awards", []))


def main():
    base, password = sys.argv[1], sys.argv[2]
    try:
        import ocdskit  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--root-user-action=ignore", "ocdskit"], check=True)
    token = call(base, "POST", "/api/v1/auth/token", body={"username": "finance", "password": password})["token"]
    tender = call(base, "GET", "/api/v1/tenders?status=awarded", token)[0]
    before = compiled_awards(base, tender["ocid"])
    assert before[0] == "active" and before[1] and set(before[1]) == {"pending"}, f"before cancelling: {before}"
    call(base, "POST", f"/api/v1/tenders/{tender['id']}/cancel", token, {"reason": "budget_withdrawn", "note": "预算调整，本项目取消。"})
    deadline = time.time() + 30
    while time.time() < deadline:
        after = compiled_awards(base, tender["ocid"])
        if after[0] == "cancelled":
            break
        time.sleep(0.5)
    assert after[0] == "cancelled" and after[1] and set(after[1]) == {"cancelled"}, f"after cancelling, merged: {after}"
    print(f"{tender['ocid']}: merged awards {before[1]} before cancelling, {after[1]} after")


if __name__ == "__main__":
    main()
