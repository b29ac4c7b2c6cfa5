#!/usr/bin/env bash
# End-to-end check of the built `spokes` binary, as a newcomer would use it:
#  1. embedded cluster: seed, serve, pages in Chinese and English, every demo user signs in through
#     the page and through the API, `audit verify` passes and then fails on a hand-altered event,
#     SIGTERM stops the server and the cluster it started, `db backup` and `db restore` bring back the
#     data as it was;
#  2. DATABASE_URL: `migrate && seed && serve` against a server Spokes did not start.
set -euo pipefail
cd "$(dirname "$0")/.."
SPOKES=${SPOKES:-.build/debug/spokes}
work=$(mktemp -d /tmp/spokes-smoke-XXXXXX)
export SPOKES_DATA_DIR=$work/pg SPOKES_BID_SECRET_FILE=$work/bid-master.key SPOKES_BCRYPT_COST=4 LOG_LEVEL=warning
unset DATABASE_URL
port=$((20000 + RANDOM % 20000))
server=""
passed=0
failed=0
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    "$SPOKES" db stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
check() {  # check NAME COMMAND...
    if "${@:2}" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "smoke: FAILED: $1" >&2; fi
}
wait_ready() {
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
password=$(python3 -c 'import json; print(json.load(open("seed/identity.json"))["demoPassword"])')
users=$(python3 -c 'import json; print(" ".join(u["username"] for u in json.load(open("seed/identity.json"))["users"]))')

# 1. The embedded cluster.
"$SPOKES" seed >/dev/null
check "seeding twice changes nothing" sh -c "'$SPOKES' seed | grep -q 'Identity: 0 jurisdictions, 0 organisations, 0 users, 0 ratings and violations added'"
check "the catalogue seeds unchanged the second time" sh -c "'$SPOKES' seed | grep -q 'Guiding purchase catalogue: 0 added, 0 updated'"
check "the service items seed unchanged the second time" sh -c "'$SPOKES' seed | grep -q 'Service items: 0 added, 0 updated, 62 unchanged'"
check "the purchase list seeds unchanged the second time" sh -c "'$SPOKES' seed | grep -q 'Purchase list of .*: 0 added, 0 updated, 23 unchanged'"
check "the demo tenders are put out once" sh -c "'$SPOKES' seed | grep -q 'Demo tenders: 9 present already'"
check "the generated bid master secret is readable by its owner only" sh -c "[ \$(stat -c %a '$work/bid-master.key') = 600 ]"
"$SPOKES" serve --port "$port" > "$work/serve.log" 2>&1 &
server=$!
check "server becomes ready" wait_ready "$port"
check "home page in Chinese" sh -c "curl -fs http://127.0.0.1:$port/ | grep -q '<html lang=\"zh-CN\">'"
check "home page in English" sh -c "curl -fs -H 'Accept-Language: en' http://127.0.0.1:$port/ | grep -q 'Government purchase of services'"
check "the purchase lists page totals the demo lists (Lixia's 6 million, the civil-affairs bureau's ¥675,000 and Fufeng's ¥180,000)" sh -c "curl -fs 'http://127.0.0.1:$port/purchase-lists?year=2026' | grep -q '¥6,855,000.00'"
check "the purchase lines API lists the 27 demo lines (Lixia's 23 projects, the seed-grant line, two training lines and Fufeng's stations)" sh -c "curl -fs 'http://127.0.0.1:$port/api/v1/purchase-lines?year=2026' | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 27'"
check "Yanshan street's list holds its 4 items and inherits Lixia's 62" sh -c "curl -fs 'http://127.0.0.1:$port/api/v1/catalogue/items?jurisdiction=370102010&limit=200' \
    | python3 -c 'import json,sys; l=json.load(sys.stdin); assert len(l) == 66 and sum(i[\"inherited\"] for i in l) == 62, len(l)'"
check "the tenders page lists the demo tenders" sh -c "curl -fs http://127.0.0.1:$port/tenders | grep -q '情系桑榆'"
check "the evaluated demo tender's 12 bids are open to all" sh -c "id=\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=evaluation' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') && curl -fs http://127.0.0.1:$port/api/v1/tenders/\$id/bids \
    | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 12'"
check "the awarded demo tender's ranking and award are public" sh -c "id=\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=awarded' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') && curl -fs http://127.0.0.1:$port/api/v1/tenders/\$id/evaluation \
    | python3 -c 'import json,sys; e=json.load(sys.stdin); assert e[\"isComplete\"] and len(e[\"awards\"]) == 3 and len(e[\"rankings\"]) == 3'"
check "the evaluation page shows the panel and the complaint" sh -c "id=\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=awarded' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') && curl -fs http://127.0.0.1:$port/tenders/\$id/evaluation | grep -q '评分依据为采购文件'"
check "the completed demo tenders' 5 awards are all under contract, so the buyer has no drafts left" sh -c "tok=\$(curl -fs -X POST http://127.0.0.1:$port/api/v1/auth/token \
    -H 'content-type: application/json' -d '{\"username\":\"finance\",\"password\":\"$password\"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"token\"])') \
    && curl -fs -H \"Authorization: Bearer \$tok\" http://127.0.0.1:$port/api/v1/contract-drafts | python3 -c 'import json,sys; assert json.load(sys.stdin) == []' \
    && curl -fs -H \"Authorization: Bearer \$tok\" http://127.0.0.1:$port/api/v1/contracts | python3 -c 'import json,sys; l=json.load(sys.stdin); assert len(l) == 5 and \"draft\" in [c[\"status\"] for c in l], l'"
check "the incubator board shows the four brand agencies in the park" sh -c "curl -fs http://127.0.0.1:$port/api/v1/incubation/board \
    | python3 -c 'import json,sys; b=json.load(sys.stdin); assert [len(c[\"placements\"]) for c in b] == [1, 1, 0, 4], b'"
check "the incubator page draws the funnel" sh -c "curl -fs http://127.0.0.1:$port/incubator | grep -q '<svg'"
check "the spaces page lists the centre's rooms and desks, the youth centre holding a room" sh -c "curl -fs http://127.0.0.1:$port/incubator/spaces \
    | grep -q '孵化室A-201' && curl -fs http://127.0.0.1:$port/api/v1/incubation/spaces | python3 -c 'import json,sys; s=json.load(sys.stdin); assert len(s) == 5 and sum(len(x[\"allocations\"]) for x in s) == 2, s'"
check "the autumn nursery programme shows its cohort" sh -c "id=\$(curl -fs http://127.0.0.1:$port/api/v1/incubation/programmes \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') && curl -fs http://127.0.0.1:$port/incubator/programmes/\$id | grep -q '邻里守望'"
check "the seed-grant line has ¥60,000 committed and ¥50,000 paid" sh -c "line=\$(curl -fs 'http://127.0.0.1:$port/api/v1/purchase-lines?year=2026' \
    | python3 -c 'import json,sys; print([l[\"id\"] for l in json.load(sys.stdin) if l[\"reference\"] == \"MZ2026-01\"][0])') \
    && curl -fs http://127.0.0.1:$port/api/v1/ledger/budget-lines/\$line | python3 -c 'import json,sys; b=json.load(sys.stdin); assert b[\"committedFen\"] == 6000000 and b[\"paidFen\"] == 5000000, b'"
check "the tendering demo tender's bids stay sealed" sh -c "id=\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=tendering' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"id\"])') && [ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/api/v1/tenders/\$id/bids) = 403 ]"
check "the public sees the 4 published demo contracts (Lixia's 3 and Fufeng's stations)" sh -c "curl -fs http://127.0.0.1:$port/api/v1/contracts \
    | python3 -c 'import json,sys; c=json.load(sys.stdin); assert len(c) == 4, c' && curl -fs http://127.0.0.1:$port/contracts | grep -q 'HT-20[0-9][0-9]-'"
check "a demo contract shows its calculation and the recovery a correction opened" sh -c "for id in \$(curl -fs http://127.0.0.1:$port/api/v1/contracts \
    | python3 -c 'import json,sys; [print(c[\"id\"]) for c in json.load(sys.stdin)]'); do curl -fs http://127.0.0.1:$port/api/v1/contracts/\$id \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [r[\"status\"] for r in d[\"recoveries\"]] == [\"open\"]' 2>/dev/null \
    && curl -fs http://127.0.0.1:$port/contracts/\$id | grep -q '待追回' && exit 0; done; exit 1"
check "a completed demo contract carries its 良 grade and its survey answers" sh -c "for id in \$(curl -fs http://127.0.0.1:$port/api/v1/contracts \
    | python3 -c 'import json,sys; [print(c[\"id\"]) for c in json.load(sys.stdin) if c[\"status\"] == \"completed\"]'); do curl -fs http://127.0.0.1:$port/api/v1/contracts/\$id \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [e[\"grade\"] for e in d[\"evaluations\"]] == [\"良\"] and d[\"satisfaction\"][\"answers\"] == 25, d[\"evaluations\"]' && exit 0; done; exit 1"
check "the OCDS export of the demo validates (schema, Spokes extension, additional checks, declared extensions) and has every field of Cardinal's 11 indicators" sh -c "'$SPOKES' ocds export --output '$work/ocds.json' 2>/dev/null; scripts/ocds-check.sh '$work/ocds.json' --cardinal"
check "purchase lines are published as planning processes that tenders link to" python3 -c "
import json; releases = json.load(open('$work/ocds.json'))['releases']
plans = {r['ocid'] for r in releases if r['tag'] == ['planning']}
linked = {p['identifier'] for r in releases for p in r.get('relatedProcesses', [])}
assert len(plans) >= 20 and linked and linked <= plans, (len(plans), len(linked))"
check "the OCDS API's bulk download, a page of releases and a record validate too" sh -c "
    curl -fs http://127.0.0.1:$port/api/v1/ocds/export.json > '$work/api-export.json' && scripts/ocds-check.sh '$work/api-export.json' &&
    curl -fs 'http://127.0.0.1:$port/api/v1/ocds/releases?limit=5' > '$work/api-page.json' && scripts/ocds-check.sh '$work/api-page.json' &&
    curl -fs http://127.0.0.1:$port/api/v1/ocds/records/\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=complete' | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"ocid\"])') > '$work/api-record.json' && scripts/ocds-check.sh '$work/api-record.json'"
check "an OCDS record has its releases and a compiled release" sh -c "curl -fs http://127.0.0.1:$port/api/v1/ocds/records/\$(curl -fs 'http://127.0.0.1:$port/api/v1/tenders?status=complete' | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"ocid\"])') \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"records\"][0]; assert len(r[\"releases\"]) >= 2 and r[\"compiledRelease\"][\"tag\"] == [\"compiled\"], r[\"ocid\"]'"
check "the overseer's oversight page counts the red flags: the split line, and no payment before sign-off (the demo pays after it)" sh -c "jar='$work/jar-oversight'; \
    csrf=\$(curl -fs -c \$jar http://127.0.0.1:$port/login | grep -o 'name=\"_csrf\" value=\"[0-9a-f]*\"' | head -1 | sed 's/.*value=\"//; s/\"//'); \
    curl -s -o /dev/null -b \$jar -c \$jar -X POST http://127.0.0.1:$port/login --data-urlencode _csrf=\$csrf --data-urlencode username=overseer --data-urlencode password=$password; \
    curl -fs -b \$jar http://127.0.0.1:$port/oversight | grep -q '验收前付款 (0)' && curl -fs -b \$jar http://127.0.0.1:$port/oversight | grep -q '化整为零规避限额 (1)'"
check "residents' voice lists the demo needs with the lines that answer them" sh -c "curl -fs http://127.0.0.1:$port/voice | grep -q '独居老人需要定期上门探访' && curl -fs http://127.0.0.1:$port/voice | grep -q 'LX2026-01'"
check "the insights page draws its charts and serves their CSV" sh -c "curl -fs http://127.0.0.1:$port/insights | grep -q '<svg' && curl -fs http://127.0.0.1:$port/insights/suppliers.csv | grep -q '情系桑榆'"
for user in $users; do
    jar=$work/jar-$user
    csrf=$(curl -fs -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="_csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
    check "$user signs in through the page" sh -c "curl -s -o /dev/null -w '%{http_code}' -b '$jar' -c '$jar' -X POST http://127.0.0.1:$port/login \
        --data-urlencode _csrf=$csrf --data-urlencode username=$user --data-urlencode password=$password | grep -q 303"
    check "$user gets an API token" sh -c "curl -fs -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' \
        -d '{\"username\":\"$user\",\"password\":\"$password\"}' | grep -q spk_"
done
check "a malformed body is a 400, not a 500" sh -c "curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/api/v1/auth/token \
    -H 'content-type: application/json' -d '{' | grep -q 400"
SPOKES_PASSWORD="another long password" check "users create adds a user" "$SPOKES" users create --username smoke --display-name Smoke \
    --organisation "$(python3 -c 'import json; print(json.load(open("seed/identity.json"))["organisations"][1]["creditCode"])')" --roles buyer
check "users list shows the new user, active" sh -c "'$SPOKES' users list | grep -P '^smoke\\t' | grep -q 'active\$'"
check "users disable, then the user cannot sign in; enable, and they can" sh -c "'$SPOKES' users disable smoke && \
    curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' \
      -d '{\"username\":\"smoke\",\"password\":\"another long password\"}' | grep -q 401 && '$SPOKES' users enable smoke && \
    curl -fs -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' \
      -d '{\"username\":\"smoke\",\"password\":\"another long password\"}' | grep -q spk_"
check "users reset-password takes the password from a file, never argv; the old one stops working" sh -c "printf 'a fresh long password\n' > '$work/pw' && \
    '$SPOKES' users reset-password smoke --password-file '$work/pw' && \
    curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' \
      -d '{\"username\":\"smoke\",\"password\":\"another long password\"}' | grep -q 401 && \
    ! '$SPOKES' users reset-password smoke --password 'on the command line' 2>/dev/null"
check "the API contract is valid OpenAPI 3.1, every operation declares its 4xx answers, every JSON body and read has a valid example, parameters are shared" python3 scripts/contract_check.py
check "every series the Grafana dashboard (docs/operations) reads is one Spokes records" python3 -c "
import glob, json, re
exprs = ' '.join(t['expr'] for p in json.load(open('docs/operations/grafana-dashboard.json'))['panels'] for t in p['targets'])
used = {re.sub(r'_bucket\$', '', n) for n in re.findall(r'\b((?:spokes|process)_[a-z_]+)', exprs)}
code = ' '.join(open(f).read() for f in glob.glob('Sources/**/*.swift', recursive=True))
missing = sorted(n for n in used if '\"' + n + '\"' not in code)
assert len(used) > 10 and not missing, missing"
check ".env.example is what 'spokes settings example' writes" sh -c "'$SPOKES' settings example | diff - .env.example"
check "every setting the code reads is in the settings list (serve --help, .env.example)" python3 -c "
import glob, re, subprocess
keys = {k.upper().replace('.', '_') for f in glob.glob('Sources/spokes/*.swift') for k in re.findall(r'forKey: \"([a-z._]+)\"', open(f).read())}
listed = subprocess.run(['$SPOKES', 'serve', '--help'], capture_output=True, text=True).stdout
missing = sorted(k for k in keys if k + '=' not in listed)
assert len(keys) > 15 and not missing, missing"
check "a flag wins over the environment, which wins over .env (--data-dir over SPOKES_DATA_DIR)" sh -c \
    "SPOKES_DATA_DIR=/nonexistent/env '$SPOKES' db status --data-dir '$work/flag-wins' 2>&1 | grep -q '$work/flag-wins'"
check "spokes clock show names the demo database production, and its clock cannot be moved" sh -c \
    "'$SPOKES' clock show | grep -q 'mode production' && ! '$SPOKES' clock advance 1d 2>/dev/null"
check "spokes --version names the version and the git revision" sh -c "'$SPOKES' --version | grep -Eq '^Spokes [0-9.]+ \\(revision [0-9a-f]{12}\\)'"
check "a mistyped command is an error naming the nearest command, not a server started" sh -c \
    "'$SPOKES' serv 2>&1 | grep -q \"Did you mean 'serve'\"; test \$? -eq 0 && ! timeout 10 '$SPOKES' serv >/dev/null 2>&1"
check "audit verify passes on fresh data" "$SPOKES" audit verify
check "db backup writes a backup while the server runs" "$SPOKES" db backup "$work/demo.dump"
check "db restore is refused while the server is connected" sh -c "! '$SPOKES' db restore '$work/demo.dump'"
"$SPOKES" db psql -- -q -c "ALTER TABLE audit.events DISABLE TRIGGER events_append_only" \
    -c "UPDATE audit.events SET action = 'forged' WHERE id = 3" >/dev/null
check "audit verify fails on a hand-altered event" sh -c "! '$SPOKES' audit verify"
check "audit verify names the altered event" sh -c "'$SPOKES' audit verify | grep -q 'event 1 (id 3)'"
kill -TERM "$server"
wait "$server" || true
server=""
check "SIGTERM stops the cluster the server started" sh -c "! '$SPOKES' db status"
check "db restore puts the backup (taken before the event was altered) in place" "$SPOKES" db restore "$work/demo.dump"
check "audit verify passes on the restored database" "$SPOKES" audit verify

# 2. An external server: the same cluster, started by hand and named by DATABASE_URL.
"$SPOKES" db start >/dev/null
socket=$("$SPOKES" db status | sed -n 's/.*socket \(.*\)\/\.s\.PGSQL.*/\1/p')
"$SPOKES" db psql -- -q -c "CREATE DATABASE external_db" >/dev/null
export DATABASE_URL="postgres://spokes@localhost/external_db?host=$socket"
check "migrate with DATABASE_URL" "$SPOKES" migrate
check "seed with DATABASE_URL" "$SPOKES" seed
"$SPOKES" serve --port "$port" > "$work/serve-external.log" 2>&1 &
server=$!
check "serve with DATABASE_URL becomes ready" wait_ready "$port"
check "a demo user signs in against the external database" sh -c "curl -fs -X POST http://127.0.0.1:$port/api/v1/auth/token \
    -H 'content-type: application/json' -d '{\"username\":\"finance\",\"password\":\"$password\"}' | grep -q spk_"
check "a tender cancelled after its award: its releases merged with ocdskit show the awards cancelled, not pending" \
    python3 scripts/ocds_cancel_check.py "http://127.0.0.1:$port" "$password"
kill -TERM "$server"; wait "$server" || true; server=""
unset DATABASE_URL
check "the external server keeps running after Spokes stops" "$SPOKES" db status

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
