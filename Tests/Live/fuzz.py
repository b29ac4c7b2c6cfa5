"""Contract fuzzing: schemathesis generates requests from the served Contracts/openapi.yaml and checks
every response against it, once anonymously and once signed in as a user of each role, on a fresh
demo database. Fails on any 5xx or any response outside the contract.

    .build/live-venv/bin/python Tests/Live/fuzz.py [--examples N]
"""
import argparse
import os
import re
import subprocess
import sys

import live

# One user per role (and the anonymous visitor); finance and the NGO also administer their organisation.
# Administrators go last: they may disable users, and every token is taken before the first run.
ROLES = [None, "civil", "evaluator2", "overseer", "incubator", "ngo", "finance", "admin"]

# Every check but one: a schema-valid request may still break a business rule (a date in the past, a
# catalogue code that does not exist), so `positive_data_acceptance` would report the rules as failures.
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
          "allow_header_conformance", "ignored_auth", "use_after_free", "ensure_resource_availability"]

# Revoking the token in use would leave the rest of a run unauthenticated.
EXCLUDED = ["revokeCurrentToken", "revokeToken"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "10")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261126")))
    arguments = parser.parse_args()
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    results = os.path.join(live.RESULTS, "fuzz")
    os.makedirs(results, exist_ok=True)

    spokes = live.Spokes("fuzz").seed()
    failed, cases = [], 0
    try:
        server, base = spokes.serve()
        tokens = {role: live.token(base, role) for role in ROLES if role}
        for role in ROLES:
            name = role or "anonymous"
            command = [schemathesis, "--config-file", os.path.join(os.path.dirname(__file__), "schemathesis.toml"),
                       "run", f"{base}/api/v1/openapi.yaml", "--url", f"{base}/api/v1",
                       "--max-examples", str(arguments.examples), "--seed", str(arguments.seed), "--workers", "2",
                       "--checks", ",".join(CHECKS), "--no-color", "--suppress-health-check", "all", "--generation-database", "none",
                       "--report", "junit", "--report-junit-path", os.path.join(results, f"{name}.xml")]
            for operation in EXCLUDED:
                command += ["--exclude-operation-id", operation]
            if role:
                command += ["-H", f"Authorization: Bearer {tokens[role]}"]
            run = subprocess.run(command, capture_output=True, text=True)
            open(os.path.join(results, f"{name}.log"), "w").write(run.stdout + run.stderr)
            generated = re.search(r"(\d+) generated", run.stdout)
            cases += int(generated.group(1)) if generated else 0
            summary = re.search(r"=+ ([^=]*) in [\d.]+s =+\s*$", run.stdout)
            print(f"fuzz: {name}: {generated.group(1) if generated else '?'} cases, "
                  f"{summary.group(1) if summary else 'no summary'}", flush=True)
            if run.returncode != 0:
                failed.append(name)
            if server.poll() is not None:
                print(f"fuzz: the server died during the run as {name}", flush=True)
                failed.append(name + " (server died)")
                server, base = spokes.serve()
    finally:
        spokes.stop(keep=bool(failed))
    print(f"fuzz: {cases} cases in {len(ROLES)} runs (anonymous and {len(ROLES) - 1} users), "
          f"{arguments.examples} examples per operation; reports in {results}")
    if failed:
        print(f"fuzz: FAILED as {', '.join(failed)}; the server's log is in {spokes.folder}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
