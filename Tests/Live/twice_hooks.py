"""Schemathesis hooks for Tests/Live/races.py: every creating or changing request (POST, PUT, PATCH, DELETE) that the
stateful phase makes is raced by a twin, the very same request sent at the same moment from another thread; then the
prepared request is sent twice more at once. Every answer must be as if the requests had come in sequence: never a
5xx. The links of the contract carry the chains to real records (a purchase line into a tender, a contract to its
claims), so the pairs reach every state the fuzzer does.

Loaded with SCHEMATHESIS_HOOKS=twice_hooks (this folder on PYTHONPATH); TWICE_BASE and TWICE_AUTH give the twin the
server and the caller's Authorization header, TWICE_LOG a file that gets one line per pair."""
import concurrent.futures
import os
import threading

import requests
import schemathesis

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
TWINS = {}


def log(line):
    if os.environ.get("TWICE_LOG"):
        with open(os.environ["TWICE_LOG"], "a") as out:
            out.write(line + "\n")


@schemathesis.hook
def before_call(context, case, **kwargs):
    """Starts the twin just as the case itself is sent."""
    if case.method.upper() not in CHANGING or not os.environ.get("TWICE_BASE"):
        return
    auth = os.environ.get("TWICE_AUTH")
    request = case.as_transport_kwargs(base_url=os.environ["TWICE_BASE"], headers={"Authorization": auth} if auth else None)
    answer = {}

    def twin():
        try:
            response = requests.request(**request, timeout=60)
            answer["status"], answer["text"] = response.status_code, response.text[:300]
        except requests.RequestException as error:
            answer["status"], answer["text"] = 599, str(error)

    thread = threading.Thread(target=twin)
    thread.start()
    TWINS[id(case)] = (thread, answer)


@schemathesis.check
def twice_at_once(ctx, response, case):
    if case.method.upper() not in CHANGING:
        return None
    failures = []
    twin = TWINS.pop(id(case), None)
    if twin:
        twin[0].join(60)
        statuses = sorted([response.status_code, twin[1].get("status", 599)])
        log(f"{case.method} {response.request.path_url.split('?')[0]} at once with its twin {statuses}")
        if twin[1].get("status", 599) >= 500:
            failures.append(f"its twin sent at the same moment answered {twin[1].get('status')}: {twin[1].get('text')}")
    if response.status_code < 500:
        prepared = response.request
        barrier = threading.Barrier(2)

        def one(_):
            with requests.Session() as session:
                barrier.wait()
                return session.send(prepared.copy(), timeout=60)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(one, range(2)))
        log(f"{case.method} {prepared.path_url.split('?')[0]} again, twice at once {[answer.status_code for answer in answers]}")
        failures += [f"sent again twice at once, answered {answer.status_code}: {answer.text[:300]}" for answer in answers if answer.status_code >= 500]
    if failures:
        raise AssertionError(f"{case.method} {response.request.path_url}: " + "; ".join(failures))
    return None
