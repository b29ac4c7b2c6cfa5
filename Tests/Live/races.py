"""The same request twice at once (issue 21): every creating operation that names something unique is sent by
two clients released together, against a real server on a fresh demo database. Each pair must answer as if the
two had come one after the other: one creates (201, or 200 for a change that is its own idempotent result) and
the other is told what holds now (409, or the same 200); never a 5xx, never two records. Then every creating and
changing operation the contract's links reach is sent twice at once as each caller (twice_hooks.py): no 5xx. Afterwards the server
must answer GET /health/live and its log hold no `Fatal error`.

    .build/live-venv/bin/python Tests/Live/races.py
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import threading

import live

FAILURES = []


def both(base, method, path, token, body=None, headers=None):
    """Sends the request from two threads released by one barrier; returns the two statuses and bodies."""
    barrier = threading.Barrier(2)

    def one(_):
        barrier.wait()
        return live.request(base, method, path, token=token, body=body, headers=headers, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return [(status, answer) for status, _, answer in pool.map(one, range(2))]


def check(name, answers, created, allowed):
    statuses = sorted(status for status, _ in answers)
    made = sum(1 for status, _ in answers if status == created)
    ok = all(status in allowed for status in statuses) and (created is None or made >= 1) and (created != 201 or made == 1)
    print(f"races: {'ok' if ok else 'FAILED'}: {name}: {statuses}", flush=True)
    if not ok:
        FAILURES.append(f"{name}: {statuses} {[str(answer)[:200] for _, answer in answers]}")


# The callers whose creating operations the contract's links reach: the buyer, the social organisation, the
# administrator, the evaluation institution and the incubator.
CALLERS = ["finance", "ngo", "admin", "evalcentre", "incubator"]


def every_creating_operation(base, tokens, scenarios):
    """Schemathesis' stateful phase follows the contract's links with valid data as each caller; the hook in
    twice_hooks.py sends every POST/PUT/PATCH/DELETE it makes again, twice at once. Fails on any 5xx."""
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    here = os.path.dirname(os.path.abspath(__file__))
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="twice_hooks",
                       PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    results = os.path.join(live.RESULTS, "races")
    os.makedirs(results, exist_ok=True)
    for caller in CALLERS:
        pairs_log = os.path.join(results, f"{caller}-pairs.log")
        if os.path.exists(pairs_log):
            os.remove(pairs_log)
        environment.update(TWICE_LOG=pairs_log, TWICE_BASE=f"{base}/api/v1", TWICE_AUTH=f"Bearer {tokens[caller]}")
        command = [schemathesis, "--config-file", os.path.join(here, "schemathesis.toml"),
                   "run", f"{base}/api/v1/openapi.yaml", "--url", f"{base}/api/v1", "--phases", "stateful",
                   "--max-examples", str(scenarios), "--seed", "20261205", "--workers", "1",
                   "--checks", "not_a_server_error,twice_at_once", "--no-color", "--suppress-health-check", "all",
                   "--generation-database", "none", "--exclude-operation-id", "revokeCurrentToken",
                   "--exclude-operation-id", "revokeToken", "-H", f"Authorization: Bearer {tokens[caller]}"]
        run = subprocess.run(command, capture_output=True, text=True, env=environment)
        with open(os.path.join(results, f"{caller}.log"), "w") as log:
            log.write(run.stdout + run.stderr)
        steps = re.search(r"(\d+) generated", run.stdout)
        summary = re.search(r"=+ ([^=]*) in [\d.]+s =+\s*$", run.stdout)
        pairs = open(pairs_log).read().splitlines() if os.path.exists(pairs_log) else []
        twins = [pair for pair in pairs if "with its twin" in pair]
        created = sum(1 for pair in twins if "201" in pair.rsplit("[", 1)[-1])
        ok = run.returncode == 0 and len(twins) > 0
        print(f"races: {'ok' if ok else 'FAILED'}: every changing request of the stateful run as {caller}, twice at once: "
              f"{steps.group(1) if steps else '?'} steps, {len(twins)} raced by a twin ({created} creating), {len(pairs) - len(twins)} sent again twice, "
              f"{summary.group(1) if summary else 'no summary'}", flush=True)
        if not ok:
            FAILURES.append(f"the twice-at-once run as {caller}: see {results}/{caller}.log")


def main():
    spokes = live.Spokes("races").seed()
    try:
        _, base = spokes.serve()
        finance = live.token(base, "finance")
        office = spokes.psql("SELECT organisation_id FROM identity.users WHERE username = 'finance'")
        code = spokes.psql(f"SELECT catalogue_code FROM tendering.purchase_lines WHERE buyer_id = '{office}' ORDER BY reference LIMIT 1")
        for round in range(3):
            reference = f"RC2026-{round:02d}"
            line = {"year": 2026, "reference": reference, "catalogueCode": code, "title": "并发测试", "targetGroup": "老年人",
                    "quantity": 10, "unit": "人", "budgetFen": 1_000_000, "fundingSource": "general_budget", "tier": "district"}
            check(f"POST /purchase-lines {reference}", both(base, "POST", "/api/v1/purchase-lines", finance, line), 201, {201, 409})
        # Two drafts taking the whole of one line at once: the line is locked while the lots are summed, so the
        # second sees the first's lot and is told what remains (422), instead of both holding the line twice over.
        line = spokes.psql("SELECT id FROM tendering.purchase_lines WHERE reference = 'RC2026-00'")
        draft = {"title": "并发立项", "description": "同一预算行的两份草案同时提交", "lots": [{"purchaseLineId": line, "budgetFen": 1_000_000}]}
        check("POST /tenders (two drafts taking one whole line)", both(base, "POST", "/api/v1/tenders", finance, draft), 201, {201, 422})
        held = spokes.psql(f"SELECT coalesce(sum(budget_fen), 0) FROM tendering.lots WHERE purchase_line_id = '{line}'")
        if held != "1000000":
            FAILURES.append(f"lots hold {held} fen of a 1000000-fen line")
        csv = ("年度,编号,目录编码,项目名称,服务对象,数量,单位,预算金额（元）,资金来源,服务层级\n"
               f"2026,RC2026-90,{code},并发导入,老年人,10,人,10000,一般公共预算,区县\n").encode()
        check("POST /purchase-lines/import (the same new file)",
              both(base, "POST", "/api/v1/purchase-lines/import", finance, csv, {"Content-Type": "text/csv"}), 200, {200, 409})
        imported = spokes.psql("SELECT count(*) FROM tendering.purchase_lines WHERE reference = 'RC2026-90'")
        if imported != "1":
            FAILURES.append(f"the file imported twice at once made {imported} lines RC2026-90")

        # One contract per award: the demo drafted a contract for every award it made, so the pair on an award
        # with a contract must both be told so (409), neither make a second.
        award = spokes.psql("SELECT award_id FROM delivery.contracts WHERE reference LIKE 'HT-%-0001'")
        check("POST /contracts (an award with its contract)",
              both(base, "POST", "/api/v1/contracts", finance, {"awardId": award, "startsOn": "2027-01-01", "endsOn": "2027-12-31", "terms": "服务内容见附件"}),
              None, {409})
        if spokes.psql(f"SELECT count(*) FROM delivery.contracts WHERE award_id = '{award}'") != "1":
            FAILURES.append("two contracts for one award")
        # One open engagement per contract: the draft HT-2026-0001's is ended, then two engage at once.
        contract = spokes.psql("SELECT id FROM delivery.contracts WHERE reference LIKE 'HT-%-0001'")
        engaged = spokes.psql(f"SELECT id FROM delivery.engagements WHERE contract_id = '{contract}' AND ended_at IS NULL")
        if engaged:
            live.request(base, "POST", f"/api/v1/engagements/{engaged}/end", token=finance)
        institution = spokes.psql("SELECT id FROM identity.organisations WHERE credit_code = '523701026000000123'")
        answers = both(base, "POST", f"/api/v1/contracts/{contract}/engagements", finance,
                       {"institutionId": institution, "startsOn": "2026-12-01", "endsOn": "2027-12-31"})
        check("POST /contracts/{id}/engagements (one open at a time)", answers, 201, {201, 409})
        engagement = next((answer["id"] for status, answer in answers if status == 201), None)
        if engagement:
            evaluator = spokes.psql("SELECT id FROM identity.users WHERE username = 'evaluator'")
            check("PUT /engagements/{id}/evaluators/{user}",
                  both(base, "PUT", f"/api/v1/engagements/{engagement}/evaluators/{evaluator}", live.token(base, "evalcentre")), 200, {200, 409})

        # One application per organisation and programme; a reviewer's seat is seated once.
        status, _, programmes = live.request(base, "GET", "/api/v1/incubation/programmes")
        open_programme = next((p for p in (programmes or []) if p.get("intakeCloses", "") >= "2026-12-05"), None)
        if open_programme:
            check("POST /incubation/programmes/{id}/applications",
                  both(base, "POST", f"/api/v1/incubation/programmes/{open_programme['id']}/applications", live.token(base, "harmony"),
                       {"idea": "并发申请：楼栋志愿者每日敲门问候独居老人", "teamSize": 3, "needs": "项目设计辅导"}), 201, {201, 409})
            reviewer = spokes.psql("SELECT id FROM identity.users WHERE username = 'evaluator2'")
            check("PUT /incubation/programmes/{id}/reviewers/{user}",
                  both(base, "PUT", f"/api/v1/incubation/programmes/{open_programme['id']}/reviewers/{reviewer}", live.token(base, "incubator")),
                  200, {200, 409})
        else:
            FAILURES.append(f"no programme of the demo takes applications ({status})")

        # Service requests (issue 23): each step of a case is taken once, whoever clicks twice; a resident rates once;
        # a re-check is recorded once.
        clerk, town = live.token(base, "fuclerk"), live.token(base, "futown")
        station = spokes.psql("SELECT id FROM grassroots.sites WHERE code = '610324002-V001'")
        status, _, case = live.request(base, "POST", f"/api/v1/service-sites/{station}/requests", token=clerk, body={
            "itemCode": "FM-001", "applicant": {"name": "并发", "idNumber": "610324195001010029", "phone": "13900004321"},
            "presented": ["M0001", "M0002"]})
        if status != 201:
            FAILURES.append(f"registering a case for the races: {status} {case}")
        else:
            steps = f"/api/v1/service-requests/{case['id']}"
            check("POST /service-requests/{id}/forward", both(base, "POST", steps + "/forward", clerk), 200, {200, 409})
            check("POST /service-requests/{id}/approve", both(base, "POST", steps + "/approve", town), 200, {200, 409})
            check("POST /service-requests/{id}/complete", both(base, "POST", steps + "/complete", town, {"result": "已登记"}), 200, {200, 409})
            check("POST /service-requests/{id}/hand-over", both(base, "POST", steps + "/hand-over", clerk), 200, {200, 409})
            check("POST /service-requests/rate (the same case)", both(base, "POST", "/api/v1/service-requests/rate", None, {
                "trackingCode": case["trackingCode"], "phoneTail": "4321", "rating": "satisfied"}), 204, {204, 409})
            if spokes.psql(f"SELECT count(*) FROM grassroots.request_ratings WHERE request_id = '{case['id']}'") != "1":
                FAILURES.append("a case rated twice")
            steps_taken = spokes.psql(f"SELECT count(*) FROM audit.events WHERE entity_type = 'request' AND entity_id = '{case['id']}' "
                                      "AND action <> 'request.rated'")
            if steps_taken != "6":  # registered, accepted, forwarded, approved, completed, handed over: each once
                FAILURES.append(f"the case's trail holds {steps_taken} steps, not 6")
        drawn = spokes.psql("SELECT request_id FROM grassroots.rechecks WHERE outcome IS NULL ORDER BY sampled_at LIMIT 1")
        if drawn:
            check("POST /service-requests/{id}/recheck", both(base, "POST", f"/api/v1/service-requests/{drawn}/recheck", live.token(base, "fucounty"),
                                                                {"outcome": "confirmed"}), 200, {200, 409})
        else:
            FAILURES.append("the demo drew no approval for a re-check")

        every_creating_operation(base, {caller: live.token(base, caller) for caller in CALLERS},
                                 int(os.environ.get("RACE_SCENARIOS", "15")))

        try:
            spokes.check_alive("the races")
        except live.ServerDied as error:
            FAILURES.append(str(error))
    finally:
        spokes.stop(keep=bool(FAILURES))
    if FAILURES:
        print("races: FAILED:\n  - " + "\n  - ".join(FAILURES), flush=True)
        sys.exit(1)
    print("races: every pair answered as if one after the other; the server still live, no fatal error logged", flush=True)


if __name__ == "__main__":
    main()
