#!/usr/bin/env python3
"""The directory of suppliers at province scale (issue 24), run by `make bench` after a release build.

Against the province `Benchmarks/province.py` loads (`spokes seed --scale province`: 4,900 generated social organisations
beside the demo's, one to three offers each, two in five rated; loaded here if it is not yet), with wrk for BENCH_SECONDS
each, anonymously, the searches a buyer makes: a service in a street (an offer serving the street's district counts), a
minimum rating, a name, the unfiltered first page, and the page itself. The goal (p95 ≤ 20 ms) names no concurrency, so
each search runs one at a time (the goal) and at 64 connections (for the record). Then EXPLAIN ANALYZE of the search's SQL.
Writes Benchmarks/results/<date>-directory-<config>.md.
"""
import datetime, os, sys, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import province as p  # noqa: E402  (the province's helpers: spokes, sql, load, serve, stop, wrk settings)
import requests as r  # noqa: E402  (wrk with wrk's own percentiles)

GOAL = 20  # ms, p95


def main():
    if not os.path.exists(p.SPOKES):
        sys.exit(f"build first: swift build -c {p.CONFIG}")
    p.ensure_tools()
    facts = p.load()
    p.spokes("db", "start")
    organisations = int(p.sql("SELECT count(*) FROM identity.organisations WHERE kind = 'social_organisation' AND status = 'approved'"))
    offers = int(p.sql("SELECT count(*) FROM tendering.supplier_offers WHERE withdrawn_at IS NULL"))
    if offers < 1_000:
        sys.exit("the loaded province has no offers: reload it (rm -r BENCH_DATA_DIR and its .loaded marker)")
    code = p.sql("SELECT item_code FROM tendering.supplier_offers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    name = urllib.parse.quote("暖心")
    server = p.serve(cache_mb=0)  # every search computed: the public cache would answer repeats
    p.wait_ready(server)
    searches = [
        ("a service in a street", f"/api/v1/suppliers?code={code}&area=379901001"),
        ("rated 3A or more", "/api/v1/suppliers?minimumRating=3"),
        ("a name", f"/api/v1/suppliers?q={name}"),
        ("everyone, the first page", "/api/v1/suppliers"),
        ("the page: a service in a street (HTML)", f"/suppliers?code={code}&area=379901001"),
    ]
    rows = []
    for what, path in searches:
        for connections in (1, p.CONNECTIONS):
            p.say(f"{what}, {connections} connection(s): wrk, {p.SECONDS} s")
            rows.append((what, path, connections, r.run(path, connections=connections)))
    p.stop(server)
    street = p.sql("SELECT path FROM identity.jurisdictions WHERE code = '379901001'")
    plan = p.sql(f"""EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
        SELECT o.id FROM identity.organisations o
        LEFT JOIN LATERAL (SELECT level, expires_on FROM identity.ratings WHERE organisation_id = o.id ORDER BY awarded_on DESC LIMIT 1) r ON true
        WHERE o.kind = 'social_organisation' AND o.status = 'approved'
          AND EXISTS (SELECT 1 FROM tendering.supplier_offers f WHERE f.organisation_id = o.id AND f.withdrawn_at IS NULL
                      AND f.item_code = '{code}' AND f.areas && '{street}'::uuid[])
        ORDER BY o.name_zh, o.id LIMIT 31""")
    p.spokes("db", "stop", check=False)

    today = datetime.date.today().isoformat()
    lines = [f"# Directory of suppliers, {today}", "",
             f"- Machine: {os.cpu_count()} cores; server, PostgreSQL and wrk on the same machine",
             f"- Build: {p.CONFIG}; command: `make bench-directory` (`Benchmarks/directory.py`, {p.SECONDS} s per run, anonymous)",
             f"- Data: `spokes seed --scale province {facts.get('seed_args', '')}`: {organisations:,} approved social organisations, "
             f"{offers:,} offers; the service searched (`{code}`) is the most offered",
             "",
             "| search | request | connections | req/s | p50 ms | p95 ms | p99 ms | goal (p95, one at a time) | met | non-2xx |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for what, path, connections, result in rows:
        met = ("yes" if result["p95"] <= GOAL else "**no**") if connections == 1 else "(for the record)"
        lines.append(f"| {what} | `{path}` | {connections} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p95']:.1f} | {result['p99']:.1f} | "
                     f"≤ {GOAL} ms | {met} | {result['non2xx']} |")
    lines += ["", "<details><summary>The search's plan: a service in a street</summary>", "", "```", plan, "```", "</details>", ""]
    p.write_results("directory", lines)


if __name__ == "__main__":
    main()
