#!/usr/bin/env python3
"""Break each rule in Tests/Mutations/mutations.toml, one at a time, and check that a test notices.

For every mutation: apply its edits (an exact snippet of a file, found exactly once, replaced) to a
scratch copy of the tree, build incrementally, run the tests its filter names, restore the files.
A mutation is *killed* when those tests fail, *survives* when they pass. A snippet that is missing
or ambiguous, a tree that no longer builds, or a filter that runs no test is a broken definition.

The scratch copy lives in .build/mutation-scratch (override with --scratch) and is kept between runs,
so only the first run builds it from nothing; each run syncs the sources into it first. Before any
mutation, the unmutated scratch is built and every filter is run once: a filter that fails on the
real code cannot tell a broken rule from anything else.

Exit status: 0 when every selected mutation was killed; 1 on a survivor or a broken definition;
2 when the unmutated tree does not build or a filter fails on it.

  scripts/mutations.py                    every mutation
  scripts/mutations.py --only ledger-     names starting with (or equal to) any of the given words
  scripts/mutations.py --list             names, rules and filters, nothing run
  scripts/mutations.py --check            only that every snippet is found exactly once
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = os.path.join(ROOT, "Tests", "Mutations", "mutations.toml")
SWIFT = os.environ.get("SWIFT") or shutil.which("swift") or "/opt/swift/usr/bin/swift"
# What the scratch copy takes of .build: the resolved dependencies, never build products (they name their
# own absolute paths, so a copy would be rebuilt whole anyway).
BUILD_STATE = ["checkouts", "repositories", "artifacts", "workspace-state.json"]
# The build or test running now, stopped with the script.
current = None


def load(path):
    with open(path, "rb") as f:
        mutations = tomllib.load(f)["mutation"]
    names = [m["name"] for m in mutations]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        sys.exit(f"mutations.toml: names used twice: {', '.join(duplicated)}")
    for m in mutations:
        for key in ("name", "rule", "filter", "edit"):
            if key not in m:
                sys.exit(f"mutations.toml: {m.get('name', '?')} has no {key}")
    return mutations


def problems(mutation, tree):
    """Why the mutation cannot be applied to `tree` (an empty list when it can)."""
    found = []
    for edit in mutation["edit"]:
        path = os.path.join(tree, edit["file"])
        if not os.path.exists(path):
            found.append(f"{edit['file']}: no such file")
            continue
        with open(path, encoding="utf-8") as f:
            count = f.read().count(edit["original"])
        if count != 1:
            found.append(f"{edit['file']}: the original snippet is found {count} times, not once")
        if edit["original"] == edit["replacement"]:
            found.append(f"{edit['file']}: the replacement is the original")
    return found


def apply(mutation, tree):
    """Applies the edits; returns what to write back."""
    saved = {}
    for edit in mutation["edit"]:
        path = os.path.join(tree, edit["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        saved.setdefault(path, text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(edit["original"], edit["replacement"], 1))
    return saved


def restore(saved):
    for path, text in saved.items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def mirror(source, target, skip=()):
    """Makes `target` hold what `source` holds (files compared by size and time, copied with their times, so an
    unchanged file is not rebuilt), leaving the top-level names in `skip` alone on both sides."""
    os.makedirs(target, exist_ok=True)
    for folder, dirs, files in os.walk(source):
        relative = os.path.relpath(folder, source)
        if relative == ".":
            dirs[:] = [d for d in dirs if d not in skip]
            files = [f for f in files if f not in skip]
        there = os.path.normpath(os.path.join(target, relative))
        os.makedirs(there, exist_ok=True)
        wanted = set(dirs) | set(files)
        for name in os.listdir(there):
            if name not in wanted and not (relative == "." and name in skip):
                path = os.path.join(there, name)
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
        for name in files:
            origin, copy = os.path.join(folder, name), os.path.join(there, name)
            mine = os.lstat(origin)
            if os.path.lexists(copy):
                theirs = os.lstat(copy)
                if theirs.st_size == mine.st_size and int(theirs.st_mtime) == int(mine.st_mtime):
                    continue
                os.remove(copy)
            shutil.copy2(origin, copy, follow_symlinks=False)


def sync(scratch):
    """The worktree's sources into the scratch copy (its own .build stays), and the resolved dependencies once."""
    mirror(ROOT, scratch, skip={".build", ".data", ".git"})
    build = os.path.join(scratch, ".build")
    if not os.path.exists(os.path.join(build, "workspace-state.json")):
        for name in BUILD_STATE:
            source = os.path.join(ROOT, ".build", name)
            if os.path.isdir(source):
                shutil.copytree(source, os.path.join(build, name), symlinks=True, dirs_exist_ok=True)
            elif os.path.exists(source):
                shutil.copy2(source, os.path.join(build, name))


def run(command, cwd, log, timeout):
    """Runs `command`, its output going to `log` as it comes (tail -f it); returns (exit status or None on timeout, output)."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        start = out.tell()
        began = time.monotonic()
        global current
        process = current = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = None
        out.seek(0, os.SEEK_END)
        out.write(f"\n[{'timed out' if status is None else f'exit {status}'} after {time.monotonic() - began:.0f} s]\n")
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        return status, f.read()


def tests_run(output):
    """How many tests the run reported (swift-testing and XCTest), so that a filter matching nothing is noticed."""
    counts = [int(n) for n in re.findall(r"Test run with (\d+) tests?", output)]
    counts += [int(n) for n in re.findall(r"Executed (\d+) tests?", output)]
    return sum(counts)


def build(scratch, log, timeout):
    status, _ = run([SWIFT, "build", "--build-tests"], scratch, log, timeout)
    return status == 0


def test(scratch, test_filter, log, timeout):
    """'passed', 'failed', 'timeout' or 'none' (the filter ran no test)."""
    status, output = run([SWIFT, "test", "--skip-build", "--filter", test_filter], scratch, log, timeout)
    if status is None:
        return "timeout"
    if tests_run(output) == 0 and status == 0:
        return "none"
    return "passed" if status == 0 else "failed"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run the mutations whose names start with any of these")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--check", action="store_true", help="check that every snippet is found exactly once, and exit")
    parser.add_argument("--scratch", default=os.path.join(ROOT, ".build", "mutation-scratch"))
    parser.add_argument("--no-baseline", action="store_true", help="skip running the filters on the unmutated tree")
    parser.add_argument("--build-timeout", type=int, default=3600, help="seconds a build may take")
    parser.add_argument("--test-timeout", type=int, default=1200, help="seconds a filtered test run may take")
    args = parser.parse_args()

    mutations = load(LIST)
    if args.only:
        mutations = [m for m in mutations if any(m["name"].startswith(word) for word in args.only)]
        if not mutations:
            sys.exit(f"no mutation is named {' or '.join(args.only)}")
    if args.list:
        for m in mutations:
            print(f"{m['name']}\n  rule:   {m['rule']}\n  filter: {m['filter']}\n  files:  {', '.join(e['file'] for e in m['edit'])}")
        return 0

    unfound = {m["name"]: problems(m, ROOT) for m in mutations}
    unfound = {name: found for name, found in unfound.items() if found}
    for name, found in unfound.items():
        print(f"BROKEN  {name}: " + "; ".join(found))
    if args.check:
        print(f"{len(mutations) - len(unfound)} of {len(mutations)} mutations apply.")
        return 1 if unfound else 0

    logs = os.path.join(ROOT, ".build", "mutation-logs")
    os.makedirs(logs, exist_ok=True)
    started = time.monotonic()
    print(f"Syncing the tree into {args.scratch} ...", flush=True)
    sync(args.scratch)
    # A stop (Ctrl-C, kill) between apply and restore must not leave a mutation in the scratch copy.
    saved = {}

    def stop(signum, _frame):
        if current and current.poll() is None:
            os.killpg(current.pid, signal.SIGKILL)
        restore(saved)
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    baseline_log = os.path.join(logs, "_baseline.log")
    open(baseline_log, "w").close()
    print("Building the unmutated tree ...", flush=True)
    if not build(args.scratch, baseline_log, args.build_timeout):
        print(f"The unmutated tree does not build; see {baseline_log}")
        return 2
    if not args.no_baseline:
        for test_filter in sorted({m["filter"] for m in mutations}):
            outcome = test(args.scratch, test_filter, baseline_log, args.test_timeout)
            print(f"  baseline {test_filter}: {outcome}", flush=True)
            if outcome != "passed":
                print(f"The filter {test_filter} does not pass on the unmutated tree ({outcome}); see {baseline_log}")
                return 2

    results = []
    runnable = [m for m in mutations if m["name"] not in unfound]
    for index, mutation in enumerate(runnable, 1):
        name = mutation["name"]
        log = os.path.join(logs, f"{name}.log")
        open(log, "w").close()
        began = time.monotonic()
        saved = apply(mutation, args.scratch)
        try:
            if not build(args.scratch, log, args.build_timeout):
                outcome = "broken (does not build)"
            else:
                outcome = {"failed": "killed", "timeout": "killed (timed out)", "passed": "SURVIVED",
                           "none": "broken (the filter ran no test)"}[test(args.scratch, mutation["filter"], log, args.test_timeout)]
        finally:
            restore(saved)
            saved = {}
        results.append((mutation, outcome))
        print(f"[{index}/{len(runnable)}] {outcome:<24} {name}  ({time.monotonic() - began:.0f} s)", flush=True)

    killed = [m for m, outcome in results if outcome.startswith("killed")]
    survivors = [m for m, outcome in results if outcome == "SURVIVED"]
    broken = [(m, outcome) for m, outcome in results if outcome.startswith("broken")]
    total = len(mutations)
    minutes = (time.monotonic() - started) / 60
    print(f"\nKilled {len(killed)} of {total} mutations ({100 * len(killed) / total:.0f} %) in {minutes:.0f} min.")
    for m in survivors:
        print(f"SURVIVED {m['name']}: {m['rule']}\n         (filter {m['filter']}; log .build/mutation-logs/{m['name']}.log)")
    for m, outcome in broken:
        print(f"BROKEN   {m['name']}: {outcome} (log .build/mutation-logs/{m['name']}.log)")
    for name in unfound:
        print(f"BROKEN   {name}: its snippet is not found once")
    return 1 if survivors or broken or unfound else 0


if __name__ == "__main__":
    sys.exit(main())
