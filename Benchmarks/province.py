#!/usr/bin/env python3
"""Province-scale benchmarks (issue 8), run by `make bench` after a release build.

1. Loads the generated province into its own embedded cluster (BENCH_DATA_DIR, default .data/bench) once,
   timing `spokes seed --scale province`.
2. Publishes its OCDS releases (the first export syncs the queue), then times a pure export: releases per
   second and the exporter's peak memory.
3. Times `spokes serve` from exec to /health/ready on the running cluster.
4. For each read endpoint: captures the SQL one request runs (PostgreSQL's statement log, parameters
   inlined), then runs wrk against the endpoint and pgbench on that very SQL, both at 64 connections,
   and samples the server's memory meanwhile.
Writes Benchmarks/results/<date>-province-<config>.md.
"""
import datetime, json, os, re, signal, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.environ.get("CONFIG", "release")
SPOKES = os.path.join(ROOT, ".build", CONFIG, "spokes")
DATA = os.environ.get("BENCH_DATA_DIR", os.path.join(ROOT, ".data", "bench"))
PORT = int(os.environ.get("BENCH_PORT", "8097"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = 64
# Extra arguments of the load, e.g. "--tenders 5000 --requests 200000" for a smaller province on a debug build.
SEED_ARGS = os.environ.get("BENCH_SEED_ARGS", "").split()
ENV = dict(os.environ, SPOKES_DATA_DIR=DATA, SPOKES_BID_SECRET_FILE=DATA + ".bid-secret", SPOKES_BCRYPT_COST="4", SPOKES_LOG_LEVEL="warning")


def write_results(name, lines):
    """Benchmarks/results/<today>-<name>-<config>.md, and the same on the terminal."""
    path = os.path.join(ROOT, "Benchmarks", "results", f"{datetime.date.today().isoformat()}-{name}-{CONFIG}.md")
    open(path, "w").write("\n".join(lines))
    say(f"wrote {path}")
    print("\n".join(lines))


def say(text):
    print(f"bench: {text}", flush=True)


def spokes(*args, check=True):
    return subprocess.run([SPOKES, *args], env=ENV, capture_output=True, text=True, check=check)


def sql(query):
    return spokes("db", "psql", "--", "-Atc", query).stdout.strip()


def timed_child(args):
    """Runs a command; returns (seconds, peak resident memory in MB, stdout)."""
    started = time.monotonic()
    child = subprocess.Popen(args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{out}")
    return time.monotonic() - started, usage.ru_maxrss / 1024, out


def ensure_tools():
    missing = [p for p, c in (("wrk", "wrk"), ("postgresql-contrib", "pgbench")) if subprocess.run(["sh", "-c", f"command -v {c}"], capture_output=True).returncode]
    if missing:
        say(f"installing {' '.join(missing)}")
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, capture_output=True)


def load():
    marker = DATA + ".loaded"
    if os.path.exists(marker):
        return json.load(open(marker))
    say(f"loading the province (spokes seed --scale province {' '.join(SEED_ARGS)})")
    seconds, memory, out = timed_child([SPOKES, "seed", "--scale", "province", *SEED_ARGS])
    tables = [line.removeprefix("scale: ") for line in out.splitlines() if line.startswith("scale: ")]
    facts = {"seed_seconds": seconds, "seed_memory_mb": memory, "tables": tables, "seed_args": " ".join(SEED_ARGS)}
    json.dump(facts, open(marker, "w"))
    return facts


def wait_ready(process, deadline=60):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if process.poll() is not None:
            sys.exit("the server stopped while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/ready", timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.005)
    sys.exit("the server was not ready within a minute")


def serve(cache_mb=None, env=None):
    """The server on the loaded province (or the data of `env`); `cache_mb` sets its public cache (0: off), else the default."""
    env = env or ENV
    env = dict(env, SPOKES_PUBLIC_CACHE_MB=str(cache_mb)) if cache_mb is not None else env
    return subprocess.Popen([SPOKES, "serve", "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def rss_mb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0


def capture_sql(path, headers=None):
    """The statements one GET of `path` (with `headers`: a token, a cookie) runs, with their parameters inlined, as a pgbench script."""
    log = os.path.join(DATA, "server.log")
    sql("ALTER SYSTEM SET log_min_duration_statement = 0")
    sql("SELECT pg_reload_conf()")
    time.sleep(0.3)
    start = os.path.getsize(log)
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers or {})).read()
    time.sleep(0.3)
    sql("ALTER SYSTEM RESET log_min_duration_statement")
    sql("SELECT pg_reload_conf()")
    with open(log, "rb") as handle:  # the size is in bytes; the log holds Chinese
        handle.seek(start)
        text = handle.read().decode("utf-8", errors="replace")
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    statements = []
    for index, entry in enumerate(entries):
        match = re.search(r"LOG:  duration: [\d.]+ ms  (?:execute [^:]*|statement): (.*)", entry, re.S)
        if not match:
            continue
        statement = match.group(1).strip()
        if "pg_reload_conf" in statement or "log_min_duration" in statement:
            continue
        # The server's background work runs on other connections meanwhile: the tender worker's due
        # deadlines (with its transaction), the OCDS publisher's queue and releases, housekeeping.
        if re.match(r"(BEGIN|COMMIT|ROLLBACK)\b", statement) or "next_event_at <=" in statement \
                or "transparency." in statement or "DELETE FROM identity." in statement:
            continue
        detail = entries[index + 1] if index + 1 < len(entries) else ""
        params = dict(re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", detail.split("DETAIL:  parameters:", 1)[1])) if "DETAIL:  parameters:" in detail else {}
        statement = re.sub(r"\$(\d+)\b", lambda m: params.get(m.group(1), m.group(0)), statement)
        statements.append(statement.rstrip(";") + ";")
    return statements


def token(password, username="admin"):
    body = json.dumps({"username": username, "password": password, "name": "benchmark"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return "Bearer " + json.load(response)["token"]


def timed_get(path, authorization=None):
    """Seconds one GET takes to its whole answer."""
    started = time.monotonic()
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Authorization": authorization} if authorization else {})
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.monotonic() - started


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(len(values) * p + 0.5)) - 1))] if values else 0


def run_wrk(path, server, headers=()):
    peak = [0.0]
    wrk = subprocess.Popen(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *[a for h in headers for a in ("-H", h)],
                            f"http://127.0.0.1:{PORT}{path}"], stdout=subprocess.PIPE, text=True)
    while wrk.poll() is None:
        peak[0] = max(peak[0], rss_mb(server.pid))
        time.sleep(0.25)
    out = wrk.stdout.read()
    def ms(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "errors": int(errors.group(1)) if errors else 0, "rss": peak[0]}


def run_pgbench(statements, connections=CONNECTIONS):
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, "request.sql")
        open(script, "w").write("\n".join(statements) + "\n")
        args = ["pgbench", "-n", "-c", str(connections), "-j", "2" if connections > 1 else "1", "-T", str(SECONDS), "-f", script, "-l",
                "--log-prefix", os.path.join(folder, "log")]
        # The embedded cluster listens on a socket in its data folder.
        out = subprocess.run(args + ["-h", DATA, "-p", "5432", "-U", "spokes", "spokes"], capture_output=True, text=True, env=ENV)
        if out.returncode != 0:
            sys.exit(f"pgbench failed: {out.stderr}")
        latencies = []
        for name in os.listdir(folder):
            if name.startswith("log"):
                for line in open(os.path.join(folder, name)):
                    latencies.append(int(line.split()[2]) / 1000)
        tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
        return {"tps": tps, "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95), "p99": percentile(latencies, 0.99), "sql": statements}


def first_readings(env):
    """Three starts of a fresh server on `env`'s data: seconds to ready, and the first (uncached) reading of /insights (for
    anyone) and of the red flags (for an administrator) after each, as both are kept a minute in memory once read."""
    starts, insights, flags = [], [], []
    password = json.load(open(os.path.join(ROOT, "seed", "identity.json")))["demoPassword"]
    for _ in range(3):
        server = serve(cache_mb=0, env=env)
        starts.append(wait_ready(server, deadline=600))  # a first start on new data runs its migrations
        insights.append(timed_get("/api/v1/insights"))
        flags.append(timed_get("/api/v1/red-flags?limit=50", token(password)))
        stop(server)
    return starts, insights, flags


def town():
    """The environment of a generated town (500 tenders, 20,000 service requests) beside the province, loaded once."""
    env = dict(ENV, SPOKES_DATA_DIR=DATA + "-town", SPOKES_BID_SECRET_FILE=DATA + "-town.bid-secret")
    if not os.path.exists(DATA + "-town.loaded"):
        say("loading a town (spokes seed --scale town)")
        subprocess.run([SPOKES, "seed", "--scale", "town"], env=env, check=True, capture_output=True)
        open(DATA + "-town.loaded", "w").write("town\n")
    return env


def main():
    if not os.path.exists(SPOKES):
        sys.exit(f"build first: swift build -c {CONFIG}")
    ensure_tools()
    facts = load()
    spokes("db", "start")
    with tempfile.TemporaryDirectory() as folder:
        say("publishing the province's OCDS releases (the first export syncs the queue)")
        publish_seconds, publish_memory, out = timed_child([SPOKES, "ocds", "export", "--output", os.path.join(folder, "first.json")])
        if "publish_seconds" not in facts:  # only the run that loaded the province had a queue to publish
            facts.update(publish_seconds=publish_seconds, publish_memory_mb=publish_memory)
            json.dump(facts, open(DATA + ".loaded", "w"))
        say("timing the bulk export")
        export_seconds, export_memory, out = timed_child([SPOKES, "ocds", "export", "--output", os.path.join(folder, "export.json")])
        released = int(re.search(r"Wrote (\d+) releases", out).group(1))
        export_bytes = os.path.getsize(os.path.join(folder, "export.json"))

    # Start-up, and the dashboards' first (uncached) reading after each start: /insights for anyone, the red flags for an
    # administrator (both are kept a minute in memory once read, so only a fresh server computes them).
    starts, insights, flags = first_readings(ENV)
    # The same on a town (a hundredth of the province), for how their cost grows with the data.
    town_env = town()
    _, town_insights, town_flags = first_readings(town_env)
    subprocess.run([SPOKES, "db", "stop"], env=town_env, capture_output=True)
    # The uncached rows: the public cache off, so every anonymous request is computed.
    server = serve(cache_mb=0)
    wait_ready(server)
    idle = rss_mb(server.pid)
    tender = sql("SELECT id FROM tendering.tenders WHERE status = 'complete' ORDER BY id DESC OFFSET 20000 LIMIT 1")
    contract = sql("SELECT id FROM delivery.contracts WHERE status = 'signed' ORDER BY id DESC OFFSET 10000 LIMIT 1")
    before = sql("SELECT id FROM tendering.tenders WHERE status = 'complete' ORDER BY id DESC OFFSET 5000 LIMIT 1")
    endpoints = [
        ("tender list, complete, page after 5,000 (JSON)", f"/api/v1/tenders?status=complete&limit=50&before={before}"),
        ("tender list, complete, page after 5,000 (HTML)", f"/tenders?status=complete&before={before}"),
        ("tender detail (JSON)", f"/api/v1/tenders/{tender}"),
        ("tender detail (HTML)", f"/tenders/{tender}"),
        ("contract detail (JSON)", f"/api/v1/contracts/{contract}"),
        ("contract detail (HTML)", f"/contracts/{contract}"),
    ]
    rows = []
    for name, path in endpoints:
        statements = capture_sql(path)
        say(f"{name}: {len(statements)} statements; wrk then pgbench, {SECONDS} s each")
        http = run_wrk(path, server)
        database = run_pgbench(statements)
        rows.append((name, path, len(statements), http, database))
    stop(server)
    # The same requests from an anonymous visitor with the public cache on (warm), and conditional GETs answered 304.
    server = serve()
    wait_ready(server)
    cached = []
    for name, path, count, http, database in rows:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}") as response:
            etag = response.headers.get("ETag")
        say(f"{name}: cached, then conditional (ETag {etag})")
        warm = run_wrk(path, server)
        conditional = run_wrk(path, server, headers=[f"If-None-Match: {etag}"]) if etag else None
        cached.append((name, path, warm, conditional, database))
    cache_peak = max(c[2]["rss"] for c in cached)
    stop(server)
    spokes("db", "stop", check=False)

    cores = os.cpu_count()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    version = subprocess.run(["pg_config", "--version"], capture_output=True, text=True).stdout.strip() or "PostgreSQL 15"
    today = datetime.date.today().isoformat()
    peak = max(r[3]["rss"] for r in rows)
    lines = [f"# Province benchmarks, {today}", "",
             f"- Machine: {cores} cores, {memory_gib:.0f} GiB; embedded {version}; server, PostgreSQL, wrk and pgbench on the same machine",
             f"- Build: {CONFIG}; command: `make bench` (`Benchmarks/province.py`, {SECONDS} s per run, {CONNECTIONS} connections)",
             f"- Data: `spokes seed --scale province`, loaded in {facts['seed_seconds']:.0f} s (goal ≤ 300 s), peak memory {facts['seed_memory_mb']:.0f} MB:",
             *[f"  - {t}" for t in facts["tables"]], "",
             "## Read endpoints against pgbench running the same SQL", "",
             "Each endpoint's SQL is what one request ran (captured from PostgreSQL's statement log, parameters inlined); pgbench runs it",
             "as one transaction per request, with the same concurrency, against the same cluster, right after wrk.", "",
             "| endpoint | statements | HTTP req/s | p50 ms | p99 ms | pgbench tx/s | p50 ms | p99 ms | ratio | non-2xx |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, path, count, http, database in rows:
        lines.append(f"| {name} | {count} | {http['rps']:.0f} | {http['p50']:.1f} | {http['p99']:.1f} | {database['tps']:.0f} | {database['p50']:.1f} | "
                     f"{database['p99']:.1f} | {http['rps'] / database['tps']:.2f} | {http['errors']} |")
    lines += ["", "Goal: ratio ≥ 0.5 and p99 ≤ 25 ms (the public cache off: every request computed).", "",
              "## The same requests from an anonymous visitor, the public cache on", "",
              "Warm: the answer is kept (after one request). Conditional: the request carries the answer's ETag in `If-None-Match` and",
              "is answered 304 without a body. The ratio is to pgbench running the uncached request's SQL, as above.", "",
              "| endpoint | warm req/s | p50 ms | p99 ms | ratio (goal ≥ 2) | p99 goal ≤ 10 ms | 304 req/s | p99 ms | ratio (goal ≥ 4) | non-2xx/3xx |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, path, warm, conditional, database in cached:
        c = conditional or {"rps": 0, "p99": 0, "errors": 0}
        lines.append(f"| {name} | {warm['rps']:.0f} | {warm['p50']:.1f} | {warm['p99']:.1f} | {warm['rps'] / database['tps']:.2f} | "
                     f"{'met' if warm['p99'] <= 10 else '**not met**'} | {c['rps']:.0f} | {c['p99']:.1f} | {c['rps'] / database['tps']:.2f} | "
                     f"{warm['errors'] + c['errors']} |")
    lines += ["", "## Server", "",
              f"- Start-up to ready on the running cluster: {', '.join(f'{s * 1000:.0f}' for s in starts)} ms (median {statistics.median(starts) * 1000:.0f} ms; goal ≤ 1,000 ms)",
              f"- The dashboards, uncached, on a fresh server (three starts): `/api/v1/insights` {', '.join(f'{t * 1000:.0f}' for t in insights)} ms; "
              f"the red flags `/api/v1/red-flags` {', '.join(f'{t * 1000:.0f}' for t in flags)} ms (goal ≤ 500 ms each)",
              f"- The same on a town (500 tenders, 20,000 service requests; a hundredth of the province): insights "
              f"{', '.join(f'{t * 1000:.0f}' for t in town_insights)} ms, red flags {', '.join(f'{t * 1000:.0f}' for t in town_flags)} ms; "
              f"town → province growth (medians) {statistics.median(insights) / statistics.median(town_insights):.0f}× for insights, "
              f"{statistics.median(flags) / statistics.median(town_flags):.0f}× for the red flags (goal ≤ 100× for 100× the data)",
              f"- Memory: {idle:.0f} MB idle after start, {peak:.0f} MB peak under load with the cache off, {cache_peak:.0f} MB with the "
              f"public cache on (default 32 MB of answers; goal ≤ 150 MB)", "",
              "## OCDS", "",
              f"- Publishing the province's releases (the export after the load syncs the queue it filled): {facts['publish_seconds']:.0f} s, "
              f"peak memory {facts['publish_memory_mb']:.0f} MB",
              f"- Bulk export of {released:,} releases ({export_bytes / 2**20:.0f} MB): {export_seconds:.1f} s, {released / export_seconds:,.0f} releases/s, "
              f"peak memory {export_memory:.0f} MB (goals ≥ 20,000 releases/s, ≤ 150 MB)", ""]
    lines += ["## The SQL of each request", "", "What pgbench ran for each endpoint, one transaction per request:", ""]
    for name, path, count, http, database in rows:
        lines += [f"<details><summary>{name}: <code>{path}</code></summary>", "", "```sql", *database["sql"], "```", "</details>", ""]
    write_results("province", lines)


if __name__ == "__main__":
    main()
