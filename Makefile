# The two commands a newcomer needs: `make run` and `make test`.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
SPOKES = .build/debug/spokes
PORT ?= 8080

LIVE_PY = .build/live-venv/bin/python

.PHONY: run test test-live test-faults test-mutations live-setup setup build seed db-stop clean bench bench-province bench-requests bench-directory bench-search bench-bids

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build

## Start the embedded PostgreSQL, migrate, load the demo data and serve http://127.0.0.1:$(PORT)
run: build
	$(SPOKES) seed
	@echo
	@echo "Spokes is starting on http://127.0.0.1:$(PORT) (Ctrl-C stops it and its database)."
	$(SPOKES) serve --port $(PORT)

## Build and run every test against a throw-away PostgreSQL cluster, then the end-to-end smoke test,
## then the live tests against running servers
test: setup
	python3 scripts/mutations.py --check
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/smoke.sh
	$(MAKE) test-live

live-setup:
	@scripts/live-setup.sh

## Break each rule of Tests/Mutations/mutations.toml, one at a time, in a scratch copy (.build/mutation-scratch) and
## check that its tests fail; fails on a survivor. Not part of `make test` (it takes hours on two cores); `make test`
## only checks, in seconds, that every mutation's snippet is still found exactly once in the code.
## ONLY="ledger- policy-" runs the mutations whose names start with those words.
test-mutations: setup
	SWIFT=$(SWIFT) python3 scripts/mutations.py $(if $(ONLY),--only $(ONLY))

## kill -9 during a bid burst and during payments, PostgreSQL restarted under load, two instances at a deadline
test-faults: build live-setup
	$(LIVE_PY) Tests/Live/faults.py

## Against real servers on fresh demo databases: contract fuzzing as every role, the permissions matrix, the
## browser journeys in Chinese and English (screenshots), every page at 390 and 1366 px, the fault scripts, and a
## training class's tender from publication to payment (results in .build/live-results)
test-live: build live-setup
	$(LIVE_PY) Tests/Live/fuzz.py
	$(LIVE_PY) Tests/Live/matrix.py
	$(LIVE_PY) Tests/Live/races.py
	$(LIVE_PY) Tests/Live/journeys.py
	$(LIVE_PY) Tests/Live/pages.py
	$(LIVE_PY) Tests/Live/faults.py
	$(LIVE_PY) Tests/Live/training.py

## Every benchmark: the province (read endpoints beside pgbench, OCDS export, start-up, memory), its service requests,
## the bid burst and catalogue search; each writes a dated Markdown file to Benchmarks/results/
bench: bench-province bench-requests bench-directory bench-bids bench-search

## Province scale (loaded once into .data/bench): read endpoints under wrk beside pgbench on the same SQL (public cache
## off), then kept and answered 304 for an anonymous visitor; the OCDS export, start-up, the dashboards' first reading and
## memory (writes Benchmarks/results/<date>-province-<config>.md)
bench-province: setup
	$(SWIFT) build -c $(CONFIG)
	CONFIG=$(CONFIG) python3 Benchmarks/province.py

## Service requests on the province (loaded once into .data/bench, as bench-province does): a clerk's queue, a site's
## overdue list, a county's supervision page and registering a case under wrk, p50/p95/p99 against issue 23's goals
## (writes Benchmarks/results/<date>-requests-<config>.md)
bench-requests: setup
	$(SWIFT) build -c $(CONFIG)
	CONFIG=$(CONFIG) python3 Benchmarks/requests.py

## The directory of suppliers on the province's 4,900 organisations (loaded once, as bench-province does): searches by
## service and area, rating and name, p50/p95/p99 against issue 24's goal (writes Benchmarks/results/<date>-directory-<config>.md)
bench-directory: setup
	$(SWIFT) build -c $(CONFIG)
	CONFIG=$(CONFIG) python3 Benchmarks/directory.py

## Catalogue search latency on 10,000 generated items (writes Benchmarks/results/<date>-search-<config>.md)
CONFIG ?= release
bench-search: setup
	$(SWIFT) run -c $(CONFIG) SearchBenchmark

## The bid burst: 2,000 bids from 500 organisations into 20 tenders in the 60 s before the deadline, over HTTP
## (writes Benchmarks/results/<date>-bid-burst-<config>.md)
bench-bids: setup
	$(SWIFT) run -c $(CONFIG) BidBurstBenchmark

seed: build
	$(SPOKES) seed

db-stop:
	-$(SPOKES) db stop

clean: db-stop
	rm -rf .build .data
