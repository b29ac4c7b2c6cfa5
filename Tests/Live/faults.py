"""Fault injection against real servers on fresh demo databases (make test-faults):

1. kill -9 the server during a bid burst while clients retry with their idempotency keys: every
   acknowledged bid version is stored exactly once, and no version exists that nobody asked for;
2. kill -9 the server while a buyer pays seed grants and retries with the same treasury references:
   every acknowledged payment is recorded exactly once and the ledger's sums hold;
3. stop and restart PostgreSQL under load: /health/ready reports the outage, requests answer 503
   (new ones at once; those already waiting for a connection when the pool gives up, or 200 if the
   database is back first), and the same server process serves again once the database is back;
4. two server instances on one database at a tendering deadline: every tender is opened exactly
   once, and every bid opened once;
5. a streaming replica (pg_basebackup) beside the cluster, named by DATABASE_REPLICA_URL: anonymous reads are served
   by it and signed-in reads are not; with its replay paused, a buyer reads their own write at once and so does a
   visitor once the lag passes its bound; stopped under load, no read is answered with an error;
6. Debian's nginx with the site of docs/operations/production.md (read from it, ports and certificate changed) over TLS
   in front of two instances, each restarted in turn with SIGTERM while clients read through it (the first while nginx
   still sends to it, the second taken out of nginx first, as production.md says): every request is answered, none
   with a 5xx; no instance answers a 5xx, nor loses a request nginx has sent it; the instances take the visitor's
   address from X-Forwarded-For.

After each scenario, the server (started again where the scenario killed it on purpose) must answer
GET /health/live with 200, and no server log may hold a `Fatal error`.

    .build/live-venv/bin/python Tests/Live/faults.py [scenario ...]
"""
import collections
import concurrent.futures
import glob
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import signal
import ssl
import sys
import threading
import time
import uuid

import live

RESULTS = []
RETRIES = [0]  # requests sent again after a connection error or a 5xx


def report(name, ok, detail):
    RESULTS.append((name, ok))
    print(f"faults: {'ok' if ok else 'FAILED'}: {name}: {detail}", flush=True)


ALIVE = []  # scenarios after which the server was found alive


def survived(spokes, name):
    """After a scenario, before its cluster stops: the server (the one started again where the scenario killed
    it on purpose) still answers GET /health/live with 200, and no server log holds a `Fatal error` (a kill -9
    writes none). Reported as a failure of its own otherwise."""
    try:
        spokes.check_alive(f"the scenario '{name}'")
        ALIVE.append(name)
    except live.ServerDied as died:
        report(f"{name}: the server afterwards", False, str(died))


class Restartable:
    """A server on a fixed port that the scenario can kill -9 and start again."""

    def __init__(self, spokes):
        self.spokes = spokes
        self.port = live.free_port()
        self.process, self.base = spokes.serve(self.port)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart(self):
        self.process, _ = self.spokes.serve(self.port)


def kill_midway(server, workers, work, items, answered, at):
    """Runs `work` on every item from `workers` threads; once `answered()` reaches `at`, kills the server
    with SIGKILL and starts it again while the clients keep retrying. Returns the answers before the kill."""
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(work, item) for item in items]
        while answered() < at:
            time.sleep(0.01)
        before = answered()
        server.kill()
        time.sleep(0.5)
        server.restart()
        for future in futures:
            future.result()
    return before


def retrying(base_holder, method, path, token, body, headers, deadline=60):
    """Sends until the server answers with something other than a connection error or a 5xx; returns it."""
    end = time.time() + deadline
    while time.time() < end:
        try:
            status, _, answer = live.request(base_holder.base, method, path, token=token, body=body, headers=headers, timeout=10)
        except OSError:
            RETRIES[0] += 1
            time.sleep(0.05)
            continue
        if status < 500:
            return status, answer
        RETRIES[0] += 1
        time.sleep(0.05)
    raise RuntimeError(f"{method} {path}: no answer in {deadline} s")


def clone_tenders(spokes, count, seconds, prefix):
    """Copies of the demo's tender open for bids (ZB-2026-0005) with their lots, their deadline `seconds` away."""
    ids = []
    for n in range(count):
        tender = str(uuid.uuid4())
        ids.append(tender)
        spokes.psql(f"""
            INSERT INTO tendering.tenders (id, reference, buyer_id, status, terms, terms_version, published_at, enquiry_end,
                                           tender_end, evaluation_end, next_event_at, created_at, updated_at)
            SELECT '{tender}', '{prefix}-{n:03d}', buyer_id, status, terms, terms_version, published_at, enquiry_end,
                   now() + interval '{seconds} seconds', now() + interval '{seconds} seconds' + interval '10 days',
                   now() + interval '{seconds} seconds', created_at, updated_at
            FROM tendering.tenders WHERE reference LIKE 'ZB-%-0005';
            INSERT INTO tendering.lots SELECT gen_random_uuid(), '{tender}', number, purchase_line_id, title, budget_fen, status
            FROM tendering.lots WHERE tender_id = (SELECT id FROM tendering.tenders WHERE reference LIKE 'ZB-%-0005');
        """)
    lots = {}
    for row in spokes.psql(f"SELECT tender_id, id FROM tendering.lots WHERE tender_id IN ({','.join(repr(i) for i in ids)})").splitlines():
        tender, lot = row.split("|")
        lots.setdefault(tender, []).append(lot)
    return ids, lots


BIDDERS = ["ngo", "eldercare", "harmony", "warmsun"]


def bid_burst():
    spokes = live.Spokes("faults-bids").seed()
    try:
        server = Restartable(spokes)
        tokens = {user: live.token(server.base, user) for user in BIDDERS}
        tenders, lots = clone_tenders(spokes, 10, 3600, "FB")
        jobs = [(user, tender, lot) for user in BIDDERS for tender in tenders for lot in lots[tender]]
        versions = 6
        acknowledged, refused, lock = {}, [], threading.Lock()

        def bidder(job):
            user, tender, lot = job
            for version in range(1, versions + 1):
                key = f"{user}-{lot}-{version}"
                status, answer = retrying(server, "PUT", f"/api/v1/tenders/{tender}/lots/{lot}/bid", tokens[user],
                                          {"priceFen": 100000 + version, "proposal": f"方案 第{version}版"}, {"Idempotency-Key": key})
                with lock:
                    if status == 200:
                        acknowledged[key] = answer["commitment"]
                    else:
                        refused.append((key, status, answer))

        total = len(jobs) * versions
        RETRIES[0] = 0
        at_kill = kill_midway(server, 16, bidder, jobs, answered=lambda: len(acknowledged), at=total // 3)
        # What the database holds for these bids.
        rows = spokes.psql(f"""
            SELECT r.commitment, b.bidder_id, b.lot_id, r.version FROM tendering.bid_receipts r JOIN tendering.bids b ON b.id = r.bid_id
            WHERE b.tender_id IN ({','.join(repr(t) for t in tenders)})""").splitlines()
        stored = [row.split("|")[0] for row in rows]
        keys = spokes.psql(f"SELECT key, commitment FROM tendering.bid_requests WHERE key LIKE '%-%-%'").splitlines()
        key_map = dict(line.split("|", 1) for line in keys)
        problems = []
        if refused:
            problems.append(f"{len(refused)} bids refused, e.g. {refused[0]}")
        if len(stored) != len(set(stored)):
            problems.append("a receipt is stored twice")
        if set(stored) != set(acknowledged.values()):
            problems.append(f"{len(set(acknowledged.values()) - set(stored))} acknowledged receipts missing, "
                            f"{len(set(stored) - set(acknowledged.values()))} stored that nobody was told of")
        if any(key_map.get(key) != commitment for key, commitment in acknowledged.items()):
            problems.append("an idempotency key does not lead to its acknowledged receipt")
        report("kill -9 during a bid burst", not problems,
               f"{total} bid versions from {len(BIDDERS)} organisations into {len(jobs)} lots, server killed after {at_kill} "
               f"acknowledgements and restarted, {RETRIES[0]} requests retried; {len(acknowledged)} acknowledged, {len(stored)} stored"
               + ("; " + "; ".join(problems) if problems else ", each exactly once"))
    finally:
        survived(spokes, 'kill -9 during a bid burst')
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


def seed_grant_payments():
    spokes = live.Spokes("faults-payments").seed()
    try:
        server = Restartable(spokes)
        incubator, civil = live.token(server.base, "incubator"), live.token(server.base, "civil")
        line = spokes.psql("SELECT purchase_line_id FROM incubation.seed_grants LIMIT 1")
        organisations = spokes.psql("SELECT DISTINCT organisation_id FROM incubation.placements WHERE left_at IS NULL").splitlines()
        grants = []
        for n in range(30):
            organisation = organisations[n % len(organisations)]
            status, answer = retrying(server, "POST", f"/api/v1/incubation/organisations/{organisation}/grants", incubator,
                                      {"purchaseLineId": line, "amountFen": 10000 + n, "purpose": f"故障演练第{n}笔种子资金，用于场地与培训"}, {})
            if status == 201:
                grants.append(answer["id"])
        paid, lock = {}, threading.Lock()
        RETRIES[0] = 0

        def pay(grant):
            reference = f"GK-{grant.replace('-', '')[-16:]}"
            status, answer = retrying(server, "POST", f"/api/v1/incubation/grants/{grant}/payment", civil,
                                      {"treasuryReference": reference, "paidOn": time.strftime("%Y-%m-%d")}, {})
            with lock:
                paid[grant] = (status, reference)

        at_kill = kill_midway(server, 8, pay, grants, answered=lambda: len(paid), at=len(grants) // 3)
        problems = []
        if len(grants) < 10:
            problems.append(f"only {len(grants)} grants could be awarded")
        if any(status != 200 for status, _ in paid.values()):
            problems.append(f"payments refused: {[v for v in paid.values() if v[0] != 200][:3]}")
        disbursements = spokes.psql(f"""
            SELECT g.id, count(d.id) FROM incubation.seed_grants g LEFT JOIN payments.disbursements d ON d.commitment_id = g.commitment_id
            WHERE g.id IN ({','.join(repr(g) for g in grants)}) GROUP BY g.id""").splitlines()
        twice = [row for row in disbursements if not row.endswith("|1")]
        if twice:
            problems.append(f"grants not paid exactly once: {twice[:3]}")
        ledger = spokes.psql("""
            SELECT (SELECT count(*) FROM payments.commitments c
                    WHERE c.paid_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM payments.disbursements d WHERE d.commitment_id = c.id)
                       OR c.paid_fen > c.amount_fen)
                 + (SELECT count(*) FROM payments.budget_lines l
                    WHERE l.paid_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM payments.disbursements d WHERE d.line_id = l.line_id)
                       OR l.paid_fen > l.committed_fen OR l.committed_fen > l.budget_fen)""")
        if ledger != "0":
            problems.append(f"{ledger} commitments or budget lines whose sums do not hold (paid = disbursed ≤ committed ≤ budget)")
        report("kill -9 during seed-grant payments", not problems,
               f"{len(grants)} grants paid by 8 clients, server killed after {at_kill} answers and restarted, {RETRIES[0]} requests retried"
               + ("; " + "; ".join(problems) if problems else "; each paid exactly once, the ledger's sums hold"))
    finally:
        survived(spokes, 'kill -9 during seed-grant payments')
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


def postgres_restart():
    spokes = live.Spokes("faults-postgres").seed()
    try:
        _, base = spokes.serve()
        server = spokes.servers[-1]
        stop, statuses, odd, lock = threading.Event(), [], [], threading.Lock()

        def load():
            while not stop.is_set():
                started = time.time()
                try:
                    # Every request answers within its 30 s deadline (RequestDeadline): 45 s is a generous bound.
                    status, _, body = live.request(base, "GET", "/api/v1/tenders?limit=5", timeout=45)
                except OSError as error:
                    status, body = 0, repr(error)
                with lock:
                    statuses.append((started, status))  # by when it was sent: one sent in the outage may end after it
                    if status not in (200, 503):
                        odd.append((status, str(body)[:200]))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        stopped_at = time.time()
        spokes.run("db", "stop")
        ready_during = None
        for _ in range(100):
            # Within the probe's first seconds a readiness check may still wait on the database.
            status, _, body = live.request(base, "GET", "/health/ready", timeout=60)
            if status == 503:
                ready_during = body
                break
            time.sleep(0.05)
        # New requests while the probe finds the database away are refused at once: each a list no one asked for before,
        # so the public cache cannot answer it. An answer the cache keeps (the list the load asks for) is served at once.
        fresh = [] if ready_during is not None else [(0, None, 99)]
        for n in range(5 if ready_during is not None else 0):
            sent = time.time()
            status, headers, _ = live.request(base, "GET", f"/api/v1/tenders?limit={11 + n}", timeout=10)
            fresh.append((status, headers.get("Retry-After"), round(time.time() - sent, 2)))
        sent = time.time()
        kept_status, _, _ = live.request(base, "GET", "/api/v1/tenders?limit=5", timeout=10)
        kept = (kept_status, round(time.time() - sent, 2))
        time.sleep(1)
        spokes.run("db", "start")
        started_at = time.time()
        recovered_at = None
        while time.time() - started_at < 30:
            status, _, _ = live.request(base, "GET", "/health/ready", timeout=60)
            if status == 200:
                recovered_at = time.time()
                break
            time.sleep(0.1)
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
        during = [s for t, s in statuses if stopped_at < t < started_at]
        after = [s for t, s in statuses if recovered_at and t > recovered_at + 0.5]
        problems = []
        if any(status != 503 or retry != "5" or took > 1 for status, retry, took in fresh):
            problems.append(f"new requests during the outage were not refused at once with 503: {fresh}")
        if ready_during is not None and (kept[0] not in (200, 503) or kept[1] > 1):
            problems.append(f"a kept public answer during the outage was neither served nor refused at once: {kept}")
        if ready_during is None:
            problems.append("/health/ready never reported the outage")
        if server.poll() is not None:
            problems.append("the server exited")
        if recovered_at is None:
            problems.append("/health/ready did not recover within 30 s")
        if any(s not in (0, 200, 503) for s in during):
            problems.append(f"answers during the outage other than 503: {sorted(set(during))}")
        # A request already waiting on the database when it stops once got no answer for 90 s (it waits inside
        # postgres-nio, where cancelling it does not reach); the request deadline now answers it with 503.
        stuck = [s for _, s in statuses].count(0)
        if stuck:
            problems.append(f"{stuck} requests got no answer within 45 s")
        if not after or any(s != 200 for s in after):
            problems.append(f"answers after recovery other than 200: {sorted(set(after))}")
        report("PostgreSQL stopped and restarted under load", not problems,
               f"{len(statuses)} requests from 4 clients; during the outage {len(during)} answered {sorted(set(during))}, "
               f"{stuck} got no answer within 45 s; 5 new requests got {sorted(set(s for s, _, _ in fresh))} in at most "
               f"{max(t for _, _, t in fresh)} s; /health/ready said {ready_during}; ready again "
               f"{(recovered_at - started_at):.1f} s after PostgreSQL started, then {len(after)} requests all 200"
               if recovered_at else "; ".join(problems))
        if problems and recovered_at:
            print("faults:   " + "; ".join(problems) + f"; e.g. {odd[:2]}", flush=True)
    finally:
        survived(spokes, 'PostgreSQL stopped and restarted under load')
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


def two_instances():
    spokes = live.Spokes("faults-instances").seed()
    try:
        _, first = spokes.serve()
        _, second = spokes.serve()
        tenders, lots = clone_tenders(spokes, 20, 20, "FI")
        tokens = {user: live.token(first, user) for user in BIDDERS}
        submitted = 0
        for index, tender in enumerate(tenders):
            for user in BIDDERS[: 1 + index % len(BIDDERS)]:
                base = first if index % 2 else second
                status, _, answer = live.request(base, "PUT", f"/api/v1/tenders/{tender}/lots/{lots[tender][0]}/bid", token=tokens[user],
                                                 body={"priceFen": 200000, "proposal": "两个实例"})
                assert status == 200, (status, answer)
                submitted += 1
        deadline = float(spokes.psql(f"SELECT extract(epoch FROM max(tender_end)) FROM tendering.tenders WHERE reference LIKE 'FI-%'"))
        while time.time() < deadline + 5:
            time.sleep(0.5)
        quoted = ",".join(repr(t) for t in tenders)
        moves = spokes.psql(f"""
            SELECT entity_id, count(*) FROM audit.events WHERE entity_type = 'tender' AND entity_id IN ({quoted})
              AND action IN ('tender.bids_opened', 'tender.unsuccessful') GROUP BY entity_id""").splitlines()
        opened_bids = spokes.psql(f"""
            SELECT b.id, count(e.id) FROM tendering.bids b LEFT JOIN audit.events e ON e.entity_id = b.id AND e.action = 'bid.opened'
            WHERE b.tender_id IN ({quoted}) GROUP BY b.id""").splitlines()
        still = spokes.psql(f"SELECT count(*) FROM tendering.tenders WHERE id IN ({quoted}) AND status = 'tendering'")
        problems = []
        if len(moves) != len(tenders) or any(not m.endswith("|1") for m in moves):
            problems.append(f"tenders not opened exactly once: {len(moves)} moved, {[m for m in moves if not m.endswith('|1')][:3]}")
        if len(opened_bids) != submitted or any(not b.endswith("|1") for b in opened_bids):
            problems.append(f"bids not opened exactly once: {[b for b in opened_bids if not b.endswith('|1')][:3]}")
        if still != "0":
            problems.append(f"{still} tenders still open for bids")
        report("two instances at a deadline", not problems,
               f"{len(tenders)} tenders with {submitted} bids, both instances' workers running at the deadline"
               + ("; " + "; ".join(problems) if problems else "; each tender moved once, each bid opened once"))
    finally:
        survived(spokes, 'two instances at a deadline')
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


def as_postgres(*command):
    """Runs a PostgreSQL program as the `postgres` user when root (the server programs refuse root), else as is."""
    bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    command = [os.path.join(bin, command[0]), *command[1:]]
    if os.geteuid() == 0:
        command = ["/usr/sbin/runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True)


def replica_scenario():
    spokes = live.Spokes("faults-replica").seed()
    primary = os.path.join(spokes.folder, "pg")
    standby = os.path.join(spokes.folder, "replica")
    os.mkdir(standby, 0o700)
    if os.geteuid() == 0:
        shutil.chown(standby, "postgres", "postgres")
    try:
        # A streaming replica of the embedded cluster, listening on a socket in its own folder.
        as_postgres("pg_basebackup", "-h", primary, "-p", "5432", "-U", "spokes", "-D", standby, "-R", "-X", "stream", "-c", "fast")
        # The primary's socket lives in its data folder: its lock file came along, and would stop the replica starting.
        for lock in glob.glob(os.path.join(standby, ".s.PGSQL.*.lock")):
            os.remove(lock)
        with open(os.path.join(standby, "postgresql.auto.conf"), "a") as conf:
            # Every statement in its log: what the server asked of it.
            conf.write(f"unix_socket_directories = '{standby}'\nlog_statement = 'all'\n")
        as_postgres("pg_ctl", "-D", standby, "-l", os.path.join(standby, "server.log"), "-w", "start")

        def on_replica(sql):
            return as_postgres("psql", "-h", standby, "-p", "5432", "-U", "spokes", "-At", "-q", "-c", sql, "spokes").stdout.strip()

        replica_log = os.path.join(standby, "server.log")
        read_up_to = [0]

        def ran_on_replica(table):
            """Whether the replica ran a statement naming `table` since the last look (it logs every statement)."""
            with open(replica_log, errors="replace") as log:
                log.seek(read_up_to[0])
                text = log.read()
                read_up_to[0] = log.tell()
            return table in text

        # The public cache off, so that every anonymous read reaches a database; a lag bound of half a second.
        spokes.env.update(DATABASE_REPLICA_URL=f"postgres://spokes@/spokes?host={standby}", SPOKES_PUBLIC_CACHE_MB="0",
                          SPOKES_REPLICA_MAX_LAG_MS="500")
        problems, facts = [], []
        # Settings out of range are refused at start, naming the setting, before anything is served.
        for bad, named in (({"SPOKES_REPLICA_MAX_LAG_MS": "-1"}, "SPOKES_REPLICA_MAX_LAG_MS"),
                           ({"SPOKES_REPLICA_MAX_LAG_MS": "600001"}, "SPOKES_REPLICA_MAX_LAG_MS"),
                           ({"DATABASE_REPLICA_URL": "replica.example:5432"}, "DATABASE_REPLICA_URL")):
            refused = subprocess.run([live.SPOKES, "serve", "--port", str(live.free_port())], env=dict(spokes.env, **bad),
                                     capture_output=True, text=True, timeout=120)
            if refused.returncode == 0 or named not in refused.stdout + refused.stderr:
                problems.append(f"{bad} was not refused naming {named} (exit {refused.returncode})")
        _, base = spokes.serve()
        finance = live.token(base, "finance")
        time.sleep(1)  # the monitor's first looks

        ran_on_replica("")  # from here on
        for n in range(20):
            live.request(base, "GET", f"/api/v1/tenders?limit={n + 1}", token=finance)
        signed_in = ran_on_replica("tendering.tenders")
        for n in range(20):
            status, _, _ = live.request(base, "GET", f"/api/v1/tenders?limit={n + 1}")
            if status != 200:
                problems.append(f"an anonymous read answered {status}")
        anonymous = ran_on_replica("tendering.tenders")
        facts.append(f"20 signed-in reads of the tenders {'reached' if signed_in else 'did not reach'} the replica, 20 anonymous ones "
                     f"{'did' if anonymous else 'did not'}")
        if not anonymous:
            problems.append("anonymous reads were not served by the replica")
        if signed_in:
            problems.append("signed-in reads went to the replica")

        def visitor_sees(line_id, title):
            """Seconds until a visitor reads `title` on the purchase line (polled for up to 5 s), or None."""
            sent = time.time()
            while time.time() - sent < 5:
                _, _, public = live.request(base, "GET", f"/api/v1/purchase-lines/{line_id}")
                if public.get("title") == title:
                    return time.time() - sent
                time.sleep(0.05)
            return None

        # Lag: the replica stops replaying. First a change no instance hears of (SQL on the primary, no audit event): the
        # lag bound alone sends the visitor to the primary, within the bound and the monitor's look.
        on_replica("SELECT pg_wal_replay_pause()")
        _, _, lines = live.request(base, "GET", "/api/v1/purchase-lines?limit=50", token=finance)
        items = lines["items"] if isinstance(lines, dict) else lines
        unheard = items[-1]
        unheard_title = unheard["title"][:150] + "（未通知的修改）"
        as_postgres("psql", "-h", primary, "-p", "5432", "-U", "spokes", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"UPDATE tendering.purchase_lines SET title = '{unheard_title}' WHERE id = '{unheard['id']}'", "spokes")
        seen_at = visitor_sees(unheard["id"], unheard_title)
        facts.append(f"a change no instance heard of (lag bound 0.5 s) reached a visitor after "
                     f"{'%.2f s' % seen_at if seen_at is not None else 'more than 5 s'}")
        if seen_at is None or seen_at > 2:
            problems.append("with the replica behind, a visitor read the old version past the lag bound")
        # Then a buyer changes a line through Spokes and reads it back.
        changed = None
        for line in items:
            body = {k: line[k] for k in ("year", "reference", "catalogueCode", "title", "targetGroup", "quantity", "unit", "budgetFen", "fundingSource", "tier")}
            body["title"] = line["title"][:150] + "（复制延迟测试）"
            status, _, _ = live.request(base, "PUT", f"/api/v1/purchase-lines/{line['id']}", token=finance, body=body)
            if status == 200:
                changed = (line["id"], body["title"])
                break
        if not changed:
            problems.append("no purchase line could be changed")
        else:
            _, _, own = live.request(base, "GET", f"/api/v1/purchase-lines/{changed[0]}", token=finance)
            if own.get("title") != changed[1]:
                problems.append("the buyer read an older version of their own write")
            seen_at = visitor_sees(*changed)
            facts.append(f"with replay paused, the buyer read their own write at once; a visitor read it after "
                         f"{'%.1f s' % seen_at if seen_at is not None else 'more than 5 s'}")
            if seen_at is None or seen_at > 2:
                problems.append("a visitor read the old version past the lag bound")
        on_replica("SELECT pg_wal_replay_resume()")
        time.sleep(1)
        ran_on_replica("")
        for n in range(10):
            live.request(base, "GET", f"/api/v1/contracts?limit={n + 1}")
        if not ran_on_replica("delivery.contracts"):
            problems.append("reads did not go back to the replica once it caught up")

        # The replica stopped under load: every read is answered, none with an error.
        stop, statuses, lock, stopped_at = threading.Event(), [], threading.Lock(), [time.time() + 1]

        def load():
            while not stop.is_set():
                sent = time.time()
                try:
                    status, _, _ = live.request(base, "GET", f"/api/v1/tenders?limit={random.randint(1, 100)}", timeout=45)
                except OSError:
                    status = 0
                with lock:
                    statuses.append(status)
                    if status != 200:
                        print(f"faults:   replica: {status} after {time.time() - sent:.1f} s, sent {sent - stopped_at[0]:.1f} s after the stop", flush=True)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        stopped_at[0] = time.time()
        as_postgres("pg_ctl", "-D", standby, "-m", "fast", "-w", "stop")
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join()
        abandoned = 0
        for log in spokes.logs():
            with open(log, errors="replace") as file:
                abandoned += file.read().count("a read on the replica was abandoned")
        facts.append(f"{len(statuses)} reads from 4 clients while the replica was stopped: {sorted(set(statuses))}, "
                     f"{abandoned} caught at the instant it stopped and answered by the primary")
        if any(s != 200 for s in statuses):
            problems.append(f"answers other than 200 while the replica stopped: {sorted(set(statuses))}")
        report("a replica for the public", not problems, "; ".join(facts + problems))
    finally:
        try:
            as_postgres("pg_ctl", "-D", standby, "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        survived(spokes, 'a replica for the public')
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


# The site production.md recommends, with its production values replaced by this machine's: each must be there.
PROXY_SITE_CHANGES = [("127.0.0.1:8001", "127.0.0.1:{a}"), ("127.0.0.1:8002", "127.0.0.1:{b}"), ("listen 80;", "listen 127.0.0.1:{http};"),
                      ("listen 443 ssl http2;", "listen 127.0.0.1:{https} ssl http2;"), ("/etc/ssl/spokes/", "{folder}/")]

# What Debian's /etc/nginx/nginx.conf gives the site, in a folder of the scenario's own: no system service is touched.
# The access log says which instance answered each request and what it answered, retries included.
PROXY_MAIN = """user {user};
worker_processes 2;
pid {folder}/nginx.pid;
daemon off;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    ssl_protocols TLSv1.2 TLSv1.3;
    log_format upstreams '$msec $request_time $status "$upstream_addr" "$upstream_status" $request_uri';
    access_log {folder}/access.log upstreams;
{site}
}}
"""


def proxy_scenario():
    name = "nginx in front of two instances, each restarted under load"
    nginx_binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx_binary:
        report(name, False, "nginx is not installed (scripts/live-setup.sh installs Debian's)")
        return
    doc = open(os.path.join(live.ROOT, "docs/operations/production.md")).read()
    found = re.search(r"```nginx\n(# /etc/nginx/sites-available/spokes.*?)```", doc, re.S)
    if not found or any(old not in found.group(1) for old, _ in PROXY_SITE_CHANGES):
        report(name, False, "docs/operations/production.md has no nginx site block with the production values this test replaces: "
                            + ", ".join(old for old, _ in PROXY_SITE_CHANGES))
        return
    spokes = live.Spokes("faults-proxy")
    # Behind TLS, as production.md says; the proxy's address believed for X-Forwarded-For.
    spokes.env.update(SPOKES_TRUSTED_PROXIES="127.0.0.1", SPOKES_SECURE_COOKIES="true")
    spokes.seed()
    folder = os.path.join(spokes.folder, "nginx")
    os.mkdir(folder, 0o700)
    nginx = None
    try:
        ports = dict(a=live.free_port(), b=live.free_port(), http=live.free_port(), https=live.free_port())
        instances = {}  # "A"/"B" -> the process serving on its port now
        for label, key in (("A", "a"), ("B", "b")):
            instances[label], _ = spokes.serve(ports[key])
        # A certificate for 127.0.0.1, which the clients trust.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                        "-subj", "/CN=spokes-faults", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", os.path.join(folder, "privkey.pem"), "-out", os.path.join(folder, "fullchain.pem")],
                       check=True, capture_output=True)
        site = found.group(1)
        for old, new in PROXY_SITE_CHANGES:
            site = site.replace(old, new.format(folder=folder, **ports))
        with open(os.path.join(folder, "nginx.conf"), "w") as conf:
            conf.write(PROXY_MAIN.format(user="root" if os.geteuid() == 0 else "nobody", folder=folder, site=site))
        command = [nginx_binary, "-p", folder, "-c", os.path.join(folder, "nginx.conf"), "-e", os.path.join(folder, "error.log")]
        checked = subprocess.run(command + ["-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the site: {checked.stderr.strip()[-500:]}")
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tls = ssl.create_default_context(cafile=os.path.join(folder, "fullchain.pem"))

        def through(method, path, token=None, body=None, headers=None, scheme="https"):
            """One request through nginx on a connection of its own; (status, headers, body)."""
            if scheme == "https":
                connection = http.client.HTTPSConnection("127.0.0.1", ports["https"], context=tls, timeout=45)
            else:
                connection = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=45)
            sent = dict(headers or {}, Accept="application/json")
            if token:
                sent["Authorization"] = f"Bearer {token}"
            data = None if body is None else json.dumps(body).encode()
            if data is not None:
                sent["Content-Type"] = "application/json"
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            finally:
                connection.close()

        deadline = time.time() + 10
        while True:
            if nginx.poll() is not None:
                raise RuntimeError(f"nginx exited with {nginx.returncode}: {open(os.path.join(folder, 'error.log')).read()[-500:]}")
            try:
                if through("GET", "/health/live")[0] == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise
            time.sleep(0.1)

        problems, facts = [], []
        redirect = through("GET", "/tenders", scheme="http")
        if redirect[0] != 301 or not redirect[1].get("Location", "").startswith("https://"):
            problems.append(f"plain HTTP was not sent to HTTPS: {redirect[0]} {redirect[1].get('Location')}")
        # The request log names no client address, so the visitor's address is read where Spokes keeps it: a failed
        # sign-in is counted under the SHA-256 of the client's address. Sent with X-Forwarded-For: 203.0.113.7, nginx
        # appends its own client's (127.0.0.1); Spokes trusts 127.0.0.1 and so counts 203.0.113.7.
        status, _, _ = through("POST", "/api/v1/auth/token", body={"username": "proxy-check", "password": "not the password"},
                               headers={"X-Forwarded-For": "203.0.113.7"})
        counted = spokes.psql("SELECT client_hash FROM identity.login_failures WHERE username = 'proxy-check'").splitlines()
        visitor = hashlib.sha256(b"203.0.113.7").hexdigest()
        if status != 401 or [c.lower() for c in counted] != [visitor]:
            problems.append(f"a failed sign-in sent with X-Forwarded-For: 203.0.113.7 was answered {status} and counted under "
                            f"{'the visitor' if visitor in counted else 'another address'} ({len(counted)} rows)")
        else:
            facts.append("a failed sign-in sent with X-Forwarded-For: 203.0.113.7 was counted under 203.0.113.7")
        status, _, answer = through("POST", "/api/v1/auth/token", body={"username": "finance", "password": live.PASSWORD})
        if status != 201:
            raise RuntimeError(f"no token through nginx: {status} {answer[:200]}")
        finance = json.loads(answer)["token"]

        anonymous = ["/", "/tenders", "/contracts", "/suppliers", "/catalogue", "/api/v1/tenders?limit=5", "/api/v1/contracts?limit=5",
                     "/api/v1/catalogue/items?limit=5", "/api/v1/catalogue/purchase-categories", "/api/v1/jurisdictions"]
        signed_in = ["/api/v1/me", "/api/v1/tenders?limit=5", "/api/v1/purchase-lines?limit=5", "/api/v1/organisations?limit=5"]
        stop, answers, lock = threading.Event(), [], threading.Lock()  # answers: (sent, seconds, status, path)

        def load(seed):
            chooser = random.Random(seed)
            while not stop.is_set():
                token = finance if chooser.random() < 0.4 else None
                path = chooser.choice(signed_in if token else anonymous)
                sent = time.time()
                try:
                    status, _, body = through("GET", path, token=token)
                except (OSError, http.client.HTTPException) as error:
                    status, body = 0, repr(error).encode()
                with lock:
                    answers.append((sent, time.time() - sent, status, path))
                if status != 200:
                    print(f"faults:   proxy: GET {path} answered {status} after {time.time() - sent:.2f} s: {body[:200]!r}", flush=True)

        restarts = {}  # label -> (SIGTERM sent, exit code, seconds to exit, seconds until ready again)
        site_file = os.path.join(folder, "nginx.conf")

        def rotation(key, down):
            """production.md's way to take an instance out of nginx and back: `down` on its line, then a reload (SIGHUP)."""
            with open(site_file) as conf:
                text = conf.read()
            line, marked = f"127.0.0.1:{ports[key]} max_fails", f"127.0.0.1:{ports[key]} down max_fails"
            with open(site_file, "w") as conf:
                conf.write(text.replace(line, marked) if down else text.replace(marked, line))
            nginx.send_signal(signal.SIGHUP)
            time.sleep(1)  # the new workers take over; the old ones finish what they hold

        def restart(label, key, out_of_rotation):
            if out_of_rotation:
                rotation(key, down=True)
            process = instances[label]
            signalled = time.time()
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(40)  # TimeoutStopSec in production.md's unit
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
                problems.append(f"instance {label} did not exit within 40 s of SIGTERM")
            exited = time.time()
            instances[label], _ = spokes.serve(ports[key])  # returns once its own /health/ready answers 200
            restarts[label] = (signalled, code, exited - signalled, time.time() - exited)
            if out_of_rotation:
                rotation(key, down=False)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(8)]
        began = time.time()
        for thread in threads:
            thread.start()
        try:
            # A as `systemctl restart` does it, nginx still sending to it; B taken out of nginx first, as production.md says.
            time.sleep(5)
            restart("A", "a", out_of_rotation=False)
            time.sleep(max(0, began + 11 - time.time()))
            restart("B", "b", out_of_rotation=True)
            time.sleep(max(0, began + 20 - time.time()))
        finally:
            stop.set()
            for thread in threads:
                thread.join()

        statuses = collections.Counter(status for _, _, status, _ in answers)
        seconds = sorted(took for _, took, _, _ in answers)
        p50, p99 = seconds[len(seconds) // 2], seconds[int(len(seconds) * 0.99)]
        facts.insert(0, f"{len(answers)} GETs from 8 clients in {time.time() - began:.0f} s through nginx over TLS, "
                        f"answered {dict(sorted(statuses.items()))}, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                        f"slowest {seconds[-1] * 1000:.0f} ms")
        if set(statuses) != {200}:
            problems.append(f"answers other than 200: {dict((s, n) for s, n in statuses.items() if s != 200)}")

        # What nginx saw of the instances. A request an instance was sent and answered with a 5xx of its own, or lost, is
        # sent on by nginx to the other instance and never reaches a client reading: it is counted here, from nginx's logs.
        by_port = {str(ports["a"]): "A", str(ports["b"]): "B"}
        served, resent, instance_errors, drained = collections.Counter(), collections.Counter(), [], collections.Counter()
        with open(os.path.join(folder, "access.log")) as log:
            for line in log:
                fields = re.match(r'(\S+) (\S+) (\d+) "([^"]*)" "([^"]*)" (\S+)', line)
                if not fields:
                    continue
                ended, took, _, addresses, upstream_statuses, path = fields.groups()
                hops = [by_port.get(a.strip().rsplit(":", 1)[-1], "?") for a in re.split(r"[,:]\s", addresses) if a.strip()]
                codes = [c.strip() for c in re.split(r"[,:]\s", upstream_statuses) if c.strip()]
                for hop, code in zip(hops[:-1], codes):
                    resent[hop] += 1
                for hop, code in zip(hops, codes):
                    if code in ("500", "503"):
                        instance_errors.append(f"{hop} answered {code} to {path}")
                if hops and codes and codes[-1] == "200":
                    served[hops[-1]] += 1
                    sent = float(ended) - float(took)
                    if hops[-1] in restarts and sent < restarts[hops[-1]][0] < float(ended):
                        drained[hops[-1]] += 1  # in flight at the instance when it was sent SIGTERM, answered by it
        lost, refused = collections.Counter(), collections.Counter()
        first_lost = []
        with open(os.path.join(folder, "error.log"), errors="replace") as log:
            for line in log:
                upstream = re.search(r'upstream: "http://[0-9.]+:(\d+)', line)
                if not upstream:
                    continue
                hop = by_port.get(upstream.group(1), "?")
                if "Connection refused" in line:
                    refused[hop] += 1
                elif "from upstream" in line and ("prematurely closed" in line or "reset by peer" in line or "timed out" in line):
                    lost[hop] += 1  # sent to the instance, and its connection ended with no answer
                    if hop != "A":
                        first_lost.append(line.strip())
        for label in ("A", "B"):
            if label not in restarts:
                problems.append(f"instance {label} was not restarted")
                continue
            _, code, to_exit, to_ready = restarts[label]
            how = "after being taken out of nginx" if label == "B" else "while nginx was sending to it"
            facts.append(f"instance {label}, restarted {how}: exited {code} {to_exit:.2f} s after SIGTERM, ready again "
                         f"{to_ready:.2f} s later; it answered {served[label]} requests, {drained[label]} of them in flight at its "
                         f"SIGTERM; nginx found its port closed {refused[label]} times, sent {resent[label]} requests meant for it "
                         f"to the other, and lost {lost[label]} it had sent it (connection reset unanswered)")
            if code != 0:
                problems.append(f"instance {label} exited with {code} after SIGTERM")
        if instance_errors:
            problems.append(f"{len(instance_errors)} 5xx answered by an instance (sent on by nginx), e.g. {instance_errors[:3]}")
        # A stopped while nginx still sends to it: SwiftNIO's quiescing closes a connection just accepted whose request it has
        # not read (ShutdownDrain explains), so a request or two may be reset; nginx sends a GET on to B, never a POST. That
        # is why production.md takes an instance out of nginx before restarting it: B, restarted so, must lose nothing.
        if lost["A"]:
            facts.append(f"known: {lost['A']} request(s) reset by A as it stopped with nginx still sending (each GET resent to B; "
                         "a POST would have had 502: production.md's restart takes the instance out of nginx first)")
        if first_lost:
            problems.append(f"{len(first_lost)} request(s) sent to an instance restarted by production.md's procedure were lost: "
                            f"it closed their connections unanswered. The first: {first_lost[0][:400]}")
        report(name, not problems, "; ".join(facts + problems))
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        survived(spokes, name)
        spokes.stop(keep=not RESULTS[-1][1] if RESULTS else True)


SCENARIOS = {"bids": bid_burst, "payments": seed_grant_payments, "postgres": postgres_restart, "instances": two_instances, "replica": replica_scenario,
             "proxy": proxy_scenario}


def main():
    chosen = sys.argv[1:] or list(SCENARIOS)
    for name in chosen:
        try:
            SCENARIOS[name]()
        except Exception as error:  # a scenario that cannot run is a failure, said as such
            report(name, False, f"could not run: {error!r}")
    failed = [name for name, ok in RESULTS if not ok]
    print(f"faults: {len(RESULTS) - len(failed)} of {len(RESULTS)} fault scenarios passed; the server was alive "
          f"(GET /health/live 200, no 'Fatal error' logged) after {len(ALIVE)} of {len(chosen)} scenarios")
    sys.exit(1 if failed or len(ALIVE) != len(chosen) else 0)


if __name__ == "__main__":
    main()
