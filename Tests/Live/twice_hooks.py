"""A schemathesis check for Tests/Live/races.py: every creating or changing request (POST, PUT, PATCH, DELETE)
that the stateful phase makes is sent again, twice at once, as the very same prepared request (body, headers,
token). The pair must answer as if in sequence: never a 5xx. The links of the contract carry the chains to real
records (a purchase line into a tender, a contract to its claims), so the pairs reach every state the fuzzer does.

Loaded with SCHEMATHESIS_HOOKS=twice_hooks (the folder on PYTHONPATH)."""
import concurrent.futures
import threading

import requests
import schemathesis

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@schemathesis.check
def twice_at_once(ctx, response, case):
    if case.method.upper() not in CHANGING or response.status_code >= 500:
        return None
    prepared = response.request
    barrier = threading.Barrier(2)

    def one(_):
        with requests.Session() as session:
            barrier.wait()
            return session.send(prepared.copy(), timeout=60)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(one, range(2)))
    failed = [answer for answer in answers if answer.status_code >= 500]
    if failed:
        raise AssertionError(f"{case.method} {prepared.path_url} sent twice at once answered "
                             f"{[answer.status_code for answer in answers]}: {failed[0].text[:300]}")
    return None
