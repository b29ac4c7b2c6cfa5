"""The permissions matrix: every operation of Contracts/openapi.yaml, called by the anonymous visitor and
by a demo user of every role and relation (own and other organisation; a jurisdiction's own office, one
above, one below and one beside; evaluators assigned to a contract, unassigned in the same institution
and of another institution), against a running server on the demo data. The expected answers are not
here: they are the tables of Sources/Core/Policy.table.md (§3 per operation and caller, §4 what a list
shows to whom), written from the rules of DOMAIN.md and issue 20, never from the code it checks.

    SPOKES=/path/to/spokes .build/live-venv/bin/python Tests/Live/matrix.py

`SPOKES` names the binary (default .build/debug/spokes). While others rebuild that one, run a copy made
with its resource bundles: `mkdir -p /tmp/matrix-bin && cp .build/debug/spokes /tmp/matrix-bin/ &&
cp -r .build/debug/*.resources /tmp/matrix-bin/`. `MATRIX_SEED_DIR` seeds from another folder than seed/
(a binary older than the seed files).

A refusal is 401 (not signed in), 403, or 404 where the resource is hidden from the caller. An allowed
call may still fail on the resource's state or the body's content (409, 422), but never as a refusal,
and never with a 5xx. Bodies are the smallest the contract accepts, or real ones where an allowed call
should go through (a sign-off, a draft, a review). Failures, besides mismatches: an operation of the
contract that the table does not cover, a caller that cannot sign in, a fixture the demo lacks, a list
that shows a caller what §4 hides from it (or hides what it must show). Rows of operations the contract
does not declare yet are reported as waiting. Afterwards the server must still answer GET /health/live
and its log hold no `Fatal error`.
"""
import json
import os
import re
import sys
import urllib.parse
import uuid

import yaml

import live

TABLE = os.path.join(live.ROOT, "Sources/Core/Policy.table.md")
CONTRACT = os.path.join(live.ROOT, "Contracts/openapi.yaml")
# The generator's copy (a symlink to the contract unless someone replaced it): its operations count too.
GENERATOR_COPY = os.path.join(live.ROOT, "Sources/SpokesAPI/openapi.yaml")
ALLOW, DENY = "✓", "✗"


class TableError(Exception):
    pass


def read_table(path):
    """§3 as {(operation, variant): set of allowed callers} in file order with the callers' list, and §4 as
    [(operation, fixture key, shown to, hidden from)]."""
    callers, cells, views = None, {}, []
    lines = open(path, encoding="utf-8").read().splitlines()
    index = 0
    while index < len(lines):
        header = [c.strip() for c in lines[index].strip().strip("|").split("|")] if lines[index].startswith("|") else []
        index += 1
        if header[:2] == ["operation", "acts on"]:
            these = header[2:-1]
            if callers is None:
                callers = these
            elif these != callers:
                raise TableError(f"line {index}: the callers' columns differ from the first table's: {these}")
            kind = "cells"
        elif header[:4] == ["operation", "fixture", "shown to", "hidden from"]:
            kind = "views"
        else:
            continue
        index += 1  # the separator
        while index < len(lines) and lines[index].startswith("|"):
            row = [c.strip() for c in lines[index].strip().strip("|").split("|")]
            index += 1
            name = re.fullmatch(r"`(\w+)`(?:\s*·\s*(\w[\w-]*))?", row[0])
            if not name:
                raise TableError(f"line {index}: the first cell names no operation: {row[0]!r}")
            key = (name.group(1), name.group(2) or "")
            if kind == "cells":
                marks = row[2:2 + len(callers)]
                if len(row) != len(header) or any(m not in (ALLOW, DENY) for m in marks):
                    raise TableError(f"line {index}: {row[0]} needs {ALLOW} or {DENY} for each of {len(callers)} callers")
                if key in cells:
                    raise TableError(f"line {index}: {row[0]} appears twice")
                cells[key] = {caller for caller, mark in zip(callers, marks) if mark == ALLOW}
            else:
                fixture = re.search(r"`(\w+)`", row[1])
                names = lambda cell: {n.strip(" `") for n in cell.split(",") if n.strip(" `")}
                if not fixture:
                    raise TableError(f"line {index}: §4 row {row[0]} names no fixture")
                views.append((key[0], fixture.group(1), names(row[2]), names(row[3])))
    if not cells:
        raise TableError(f"{path} holds no table of expected answers")
    for operation, _, shown, hidden in views:
        unknown = (shown | hidden) - set(callers)
        if unknown:
            raise TableError(f"§4 row {operation} names callers the tables do not: {sorted(unknown)}")
    return callers, cells, views


class Missing(KeyError):
    """A fixture the demo data does not hold."""


class Fixtures(dict):
    def __init__(self):
        super().__init__()
        self.why = {}

    def __getitem__(self, key):
        if key.startswith("="):
            return key[1:]
        if key not in self:
            raise Missing(key)
        return dict.__getitem__(self, key)


# Path parameters by name (fixture keys; "=x" is the literal x), then per operation and per variant.
PARAMETERS = {
    "tenderId": "evaluation", "lotId": "evaluation_lot", "questionId": "question", "bidId": "opened_bid",
    "documentId": "document", "commitment": "commitment", "complaintId": "complaint", "itemId": "item",
    "code": "material", "jurisdictionCode": "=370102", "lineId": "line", "programmeId": "programme",
    "applicationId": "application", "grantId": "grant", "spaceId": "space", "allocationId": "allocation",
    "contractId": "running", "milestoneId": "milestone", "signOffId": "signoff", "evidenceId": "evidence",
    "claimId": "claim", "recoveryId": "recovery", "token": "survey", "stage": "=nursery",
    "organisationId": "ngo_org", "userId": "ngo_user", "tokenId": "spare_token",
    "engagementId": "engagement", "evaluatorId": "evaluator3_user", "caseId": "case", "needId": "need",
    "ocid": "ocid", "chart": "=category", "entryId": "negative_entry", "siteId": "site", "requestId": "request_accepted",
    # Grassroots: standards
    "standardId": "standard", "inspectionId": "inspection", "fileId": "inspection_evidence",
}
BY_OPERATION = {
    "getPurchaseCategory": {"code": "category"},
    "updateTender": {"tenderId": "draft"}, "publishTender": {"tenderId": "draft"},
    "cancelTender": {"tenderId": "enquiries"}, "askQuestion": {"tenderId": "enquiries"},
    "answerQuestion": {"tenderId": "enquiries"}, "listQuestions": {"tenderId": "enquiries"},
    "listOwnBids": {"tenderId": "tendering"},
    "submitBid": {"tenderId": "tendering", "lotId": "tendering_lot"},
    "withdrawBid": {"tenderId": "tendering", "lotId": "tendering_lot"},
    "confirmBid": {"tenderId": "tendering", "lotId": "tendering_lot"},
    "fileComplaint": {"tenderId": "awarded"}, "listComplaints": {"tenderId": "awarded"}, "listAwards": {"tenderId": "awarded"},
    "removeEvaluator": {"userId": "evaluator2_user"},
    "setMilestones": {"contractId": "draft_contract"}, "setRateCard": {"contractId": "draft_contract"},
    "getIncubationJourney": {"organisationId": "pipeline_org"}, "moveOrganisation": {"organisationId": "pipeline_org"},
    "listAssessments": {"organisationId": "pipeline_org"}, "recordAssessment": {"organisationId": "pipeline_org"},
    "listSessions": {"organisationId": "pipeline_org"}, "recordSession": {"organisationId": "pipeline_org"},
    "listSeedGrants": {"organisationId": "pipeline_org"}, "awardSeedGrant": {"organisationId": "pipeline_org"},
    "withdrawApplication": {"applicationId": "admitted"}, "discardServiceItemDraft": {"itemId": "item2"},
    "assignEngagementEvaluator": {"userId": "evaluator3_user"}, "removeEngagementEvaluator": {"userId": "evaluator3_user"},
    "seatProgrammeReviewer": {"userId": "evaluator_user"}, "removeProgrammeReviewer": {"userId": "evaluator_user"},
    # Service requests at 永平村's station (issue 23): one demo case per state, each row on its own.
    "listSiteDuties": {"siteId": "station"}, "setSiteDuties": {"siteId": "station"}, "listSiteRequests": {"siteId": "station"},
    "registerServiceRequest": {"siteId": "station"},
    "supplyRequestMaterials": {"requestId": "request_awaiting"}, "withdrawServiceRequest": {"requestId": "request_awaiting2"},
    "approveServiceRequest": {"requestId": "request_approving"}, "refuseServiceRequest": {"requestId": "request_approving2"},
    "takeOverServiceRequest": {"requestId": "request_approving"},
    "completeServiceRequest": {"requestId": "request_handling"}, "handOverServiceRequest": {"requestId": "request_returned"},
    "listSiteRechecks": {"siteId": "fufeng_centre"}, "recheckServiceRequest": {"requestId": "request_sampled"},
    # Grassroots: standards. Inspections act on Fufeng's county centre (graded by Fufeng's standard; the demo's evidence is its).
    "listSiteInspections": {"siteId": "fufeng_centre"}, "createSiteInspection": {"siteId": "fufeng_centre"},
    "getSiteInspection": {"siteId": "fufeng_centre"}, "downloadInspectionEvidence": {"siteId": "fufeng_centre"},
    # Joining and the register (issue 24): 新芽 waits for Lixia's registrar; standing acts on Lixia's organisations.
    "getRegistration": {"organisationId": "applicant_org"}, "resubmitRegistration": {"organisationId": "applicant_org"},
    "decideRegistration": {"organisationId": "applicant_org"}, "downloadCertificate": {"organisationId": "applicant_org"},
    "correctRating": {"awardedOn": "ngo_rating"}, "withdrawOffer": {"offerId": "ngo_offer"},
    "recordSanction": {"organisationId": "youth_org"}, "correctSanction": {"organisationId": "youth_org", "sanctionId": "youth_sanction"},
}
# Variants of §3 (`operation` · variant): other path parameters and body fields.
VARIANTS = {
    ("createServiceItem", "street"): {"fields": {"code": "=ZZ-902", "departmentId": "street_department"}},
    ("getServiceItemDraft", "street"): {"parameters": {"itemId": "street_item"}},
    ("saveServiceItemDraft", "street"): {"parameters": {"itemId": "street_item"}},
    ("publishServiceItemDraft", "street"): {"parameters": {"itemId": "street_item"}},
    ("discardServiceItemDraft", "street"): {"parameters": {"itemId": "street_item"}},  # its draft is saved again first
    ("setLocalDetails", "street"): {"parameters": {"jurisdictionCode": "=370102010"}},
    ("signOffMilestone", "awaiting"): {"parameters": {"milestoneId": "awaiting"}},
}

# The "wrong parent" caller (issue 21): a child named in a path belongs to the parent in the path. Each of these is
# also called once by an allowed caller with the parent swapped for another of its kind (another tender); the answer
# must be 404, whatever state the other parent is in, and nothing may change.
WRONG_PARENT = {operation: "tenderId" for operation in
                ["answerQuestion", "submitBid", "withdrawBid", "confirmBid", "justifyPrice", "decideLot", "getCitedDocument"]}
OTHER_PARENTS = {"tenderId": ["awarded", "enquiries", "tendering", "evaluation"]}

# Operations that change what later ones act on run last, in this order.
LAST = ["decideRegistration", "withdrawOffer", "withdrawBid", "retireDocument", "removeEvaluator", "discardServiceItemDraft", "removeNegativeEntry", "cancelSeedGrant",
        "removeProgrammeReviewer", "assignEngagementEvaluator", "removeEngagementEvaluator", "endEngagement", "closeMonitoringCase",
        "terminateContract", "cancelTender", "revokeCurrentToken"]

# Required query parameters where the smallest value would not do (fixture keys or "=literal").
QUERIES = {"getRequestSupervision": {"jurisdiction": "=610324", "year": "=2026"}, "listRequestRisks": {"jurisdiction": "=610324"}}

# Whole bodies (f, path parameters) where the smallest would not do.
BODIES = {
    "createToken": lambda f, p: {"username": "civil", "password": live.PASSWORD},
    "updateUser": lambda f, p: {"disabled": False},
    "setRequestRisk": lambda f, p: {"itemCode": "FM-005", "jurisdictionCode": "610324", "grade": "high", "samplePercent": 20},
    "recheckServiceRequest": lambda f, p: {"outcome": "confirmed"},
    # The station's clerk named again: the duties stay as the demo made them for the rows that follow.
    "setSiteDuties": lambda f, p: {"duties": [{"username": "fuclerk", "duty": "clerk"}]},
    "saveServiceItemDraft": lambda f, p: content(f, p["itemId"]),
    # The smallest move: on the matrix's production instance the trainer (admin) gets 409, everyone else 401/403.
    "advanceClock": lambda f, p: {"by": "1s"},
    "signOffMilestone": lambda f, p: f["signoff_body"].get(p["milestoneId"]) or missing(f"a sign-off body for milestone {p['milestoneId']}"),
}
# Fields set on the smallest body (fixture keys or "=literal", or a function of f): the resource acted on
# must be the fixture's, not the caller's own, and an allowed call should get through. Only fields the
# request's schema declares are set.
FIELDS = {
    "addPurchaseLine": {"buyerId": "finance_org"},
    "createTender": {"buyerId": "finance_org"},
    "awardSeedGrant": {"purchaseLineId": "civil_line"},
    "allocateSpace": {"organisationId": "pipeline_org"},
    "draftContract": {"awardId": "award"},
    "assignEvaluator": {"userId": "evaluator_user"},  # seated already: the buyer gets 409, nobody a new seat
    "createServiceItem": {"code": "=ZZ-901", "departmentId": "civil_org", "content": lambda f: content(f, f["item"])},
    "evaluateContract": {"phase": "=in_process", "summary": "=The matrix grades during delivery.", "indicators": lambda f: [
        {"kind": "output", "name": "服务数量完成率", "weight": 30, "score": 24},
        {"kind": "outcome", "name": "服务对象状况改善", "weight": 40, "score": 30},
        {"kind": "cost", "name": "单位成本与预算控制", "weight": 10, "score": 8},
        {"kind": "satisfaction", "name": "服务对象满意度", "weight": 20, "score": 17}]},
    "reviewApplication": {"points": lambda f: {"公益创意": 30, "团队": 20, "社区需求": 20}, "comment": "=matrix"},
    "engageInstitution": {"institutionId": "institution", "startsOn": "=2026-12-01", "endsOn": "=2027-11-30"},
    "assignEngagementEvaluator": {"userId": "evaluator3_user", "evaluatorId": "evaluator3_user"},
    "openMonitoringCase": {"buyerId": "finance_org", "subjectType": "=contract", "subjectId": "running",
                           "evidence": lambda f: f"/contracts/{f['running']}", "title": "=The matrix asks",
                           "question": "=Why was this paid before its sign-off?"},
    "postToMonitoringCase": {"text": "=The matrix writes back."},
    "closeMonitoringCase": {"outcome": "=Nothing further to ask: closed by the matrix."},
    "linkNeedToLine": {"purchaseLineId": "line"},
    "addNegativeEntry": {"jurisdictionCode": "=370102"},
    "createServiceSite": {"code": "=ZZ-SITE-1", "tier": "=county_centre", "jurisdictionCode": "=370102", "operatorKind": "=government_office",
                          "floorAreaTenths": lambda f: 1000, "hallAreaTenths": lambda f: 500, "windows": lambda f: 4},
    "updateServiceSite": {"code": "=370102010-T", "tier": "=town_centre", "jurisdictionCode": "=370102010", "operatorKind": "=government_office",
                          "floorAreaTenths": lambda f: 3000, "hallAreaTenths": lambda f: 300, "windows": lambda f: 8},
    "proposeNeed": {"jurisdictionId": "lixia", "title": "=The matrix proposes", "description": "=A need the matrix writes."},
    # Grassroots: standards
    "createSiteStandard": {"jurisdictionCode": "=370102", "tier": "=town_centre", "titleZh": "=矩阵的街道中心标准", "meetsMark": lambda f: 85,
                           "basicMark": lambda f: 60, "requirements": lambda f: [{"code": "R1", "kind": "min_windows", "threshold": 4, "points": 50},
                                                                                 {"code": "R2", "kind": "five_disclosures", "points": 50}]},
    "updateSiteStandard": {"jurisdictionCode": "=610324", "tier": "=village_station", "titleZh": "=扶风县村（社区）公共服务站建设标准（矩阵修订）",
                           "meetsMark": lambda f: 85, "basicMark": lambda f: 60,
                           "requirements": lambda f: [{"code": "R1", "kind": "min_floor_area", "threshold": 150, "points": 50},
                                                      {"code": "R2", "kind": "five_disclosures", "points": 50}]},
    "createSiteInspection": {"inspectedOn": lambda f: __import__("datetime").date.today().isoformat(),
                             "confirmations": lambda f: [{"code": code, "met": True} for code in ("R7", "R8", "R9", "R10")]},
}


def missing(what):
    raise Missing(what)


def content(f, item):
    """An item's content as the editor saves it (read in `fixtures`)."""
    if item not in f["content"]:
        raise Missing(f"the content of item {item}")
    return f["content"][item]


HEADERS = {"downloadEvidence": {"Accept": "*/*"}, "getMyDocumentContent": {"Accept": "*/*"}}  # besides any whose answers are not JSON

# Operations that use their resource up: after an allowed caller, the next may find it gone (404).
CONSUMING = {"removeEvaluator", "withdrawBid", "retireDocument", "removeNegativeEntry", "removeProgrammeReviewer", "removeEngagementEvaluator", "endEngagement"}
# Operations on an item's draft: a draft is saved again before every call, so that each caller meets one.
ON_DRAFT = {"getServiceItemDraft", "publishServiceItemDraft", "discardServiceItemDraft"}


def demo_applicant(index):
    """The ID number and phone of DemoRequests.applicant(index) (GB 11643 check character)."""
    digits = "6103241948%02d%02d%03d" % (1 + index % 12, 1 + index % 28, (10 + index) % 1000)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(digits, weights)) % 11]
    return digits + check, "139%08d" % (10_000_000 + index * 7_919)


def fixtures(spokes, base, tokens):
    """The demo's resources each operation acts on, found by SQL; a fixture the demo lacks is left out
    with the reason, and the rows that need it fail."""
    f = Fixtures()

    def one(key, sql):
        try:
            value = spokes.psql(sql)
        except Exception as error:  # a table the build does not have yet
            text = str(getattr(error, "stderr", "") or error)
            value = ""
            f.why[key] = next((line.strip() for line in text.splitlines() if "ERROR" in line), text.strip()[:200]) + f": {sql}"
        if value:
            f[key] = value.splitlines()[0]
        else:
            f.why.setdefault(key, f"nothing found by: {sql}")
        return f.get(key)

    user = lambda name: f"SELECT id FROM identity.users WHERE username = '{name}'"
    org = lambda name: f"SELECT organisation_id FROM identity.users WHERE username = '{name}'"
    tender = lambda ref: f"SELECT id FROM tendering.tenders WHERE reference LIKE '{ref}'"
    lot = lambda ref: f"SELECT l.id FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id WHERE t.reference LIKE '{ref}' ORDER BY l.number"
    contract = lambda ref: f"SELECT id FROM delivery.contracts WHERE reference LIKE '{ref}'"
    requests = lambda state, site, order="", more="": (f"SELECT r.id FROM grassroots.service_requests r JOIN grassroots.sites s ON s.id = r.site_id "
                                                       f"WHERE r.state = '{state}' AND s.code = '{site}' {more} ORDER BY r.id {order}")
    of_contract = lambda table, ref, more="": (f"SELECT x.id FROM {table} x JOIN delivery.contracts c ON c.id = x.contract_id "
                                               f"WHERE c.reference LIKE '{ref}' {more}")
    in_yanshan = ("SELECT o.id FROM identity.organisations o JOIN identity.jurisdictions j ON j.id = o.jurisdiction_id "
                  "WHERE j.code = '370102010' AND o.kind = 'department' ORDER BY o.name_zh")
    street_items = ("SELECT i.id FROM catalogue.items i JOIN identity.organisations o ON o.id = i.department_id "
                    "JOIN identity.jurisdictions j ON j.id = o.jurisdiction_id WHERE j.code = '370102010' "
                    "AND i.code NOT LIKE 'ZZ-%' ORDER BY i.code")
    for key, sql in {
        "ngo_org": org("ngo"), "finance_org": org("finance"), "civil_org": org("civil"), "ngo_user": user("ngo"),
        "evaluator_user": user("evaluator"), "evaluator2_user": user("evaluator2"), "evaluator3_user": user("evaluator3"),
        "lixia": "SELECT id FROM identity.jurisdictions WHERE code = '370102'",
        "youth_org": org("youth"),
        "ngo_offer": "SELECT f.id FROM tendering.supplier_offers f JOIN identity.users u ON u.organisation_id = f.organisation_id "
                     "WHERE u.username = 'ngo' AND f.item_code = 'A0104' AND f.withdrawn_at IS NULL",
        "applicant_org": "SELECT organisation_id FROM identity.users WHERE username = 'xinya'",
        "ngo_rating": "SELECT r.awarded_on::text FROM identity.ratings r JOIN identity.users u ON u.organisation_id = r.organisation_id "
                      "WHERE u.username = 'ngo' ORDER BY r.awarded_on DESC",
        "youth_sanction": "SELECT v.id FROM identity.violations v JOIN identity.users u ON u.organisation_id = v.organisation_id "
                          "WHERE u.username = 'youth' ORDER BY v.occurred_on",
        "institution": "SELECT id FROM identity.organisations WHERE name_zh = '山东泉城社会服务评估中心'",
        "draft": tender("ZB-%-0007"), "enquiries": tender("ZB-%-0006"), "tendering": tender("ZB-%-0005"),
        "evaluation": tender("ZB-%-0004"), "awarded": tender("ZB-%-0001"),
        "tendering_lot": lot("ZB-%-0005"), "evaluation_lot": lot("ZB-%-0004"),
        "question": "SELECT q.id FROM tendering.questions q JOIN tendering.tenders t ON t.id = q.tender_id WHERE t.reference LIKE 'ZB-%-0006'",
        "commitment": "SELECT r.commitment FROM tendering.bid_receipts r JOIN tendering.bids b ON b.id = r.bid_id JOIN tendering.tenders t ON t.id = b.tender_id WHERE t.reference LIKE 'ZB-%-0004'",
        "opened_bid": "SELECT b.id FROM tendering.bids b JOIN tendering.tenders t ON t.id = b.tender_id WHERE t.reference LIKE 'ZB-%-0004'",
        "complaint": "SELECT id FROM tendering.complaints",
        "item": "SELECT id FROM catalogue.items WHERE code = 'CL-001'",
        "item2": "SELECT id FROM catalogue.items WHERE code = 'CL-002'",
        "street_item": street_items, "street_department": in_yanshan,
        "category": "SELECT code FROM catalogue.purchase_categories ORDER BY code",
        "programme": "SELECT id FROM incubation.programmes",
        "application": "SELECT id FROM incubation.applications WHERE status = 'submitted'",
        "admitted": "SELECT id FROM incubation.applications WHERE status = 'admitted'",
        "grant": "SELECT id FROM incubation.seed_grants WHERE status = 'awarded'",
        "space": "SELECT id FROM incubation.spaces ORDER BY name",
        "allocation": "SELECT id FROM incubation.space_allocations WHERE handed_back_on IS NULL",
        "pipeline_org": "SELECT organisation_id FROM incubation.placements ORDER BY organisation_id",
        "draft_contract": contract("HT-%-0001"), "running": contract("HT-%-0005"),
        "milestone": "SELECT m.id FROM delivery.milestones m JOIN delivery.contracts c ON c.id = m.contract_id WHERE c.reference LIKE 'HT-%-0005' ORDER BY number",
        # A reported milestone nobody has signed off yet (HT-2026-0003's first).
        "awaiting": "SELECT m.id FROM delivery.milestones m JOIN delivery.contracts c ON c.id = m.contract_id "
                    "WHERE EXISTS (SELECT 1 FROM delivery.reports r WHERE r.milestone_id = m.id) "
                    "AND NOT EXISTS (SELECT 1 FROM delivery.signoffs s WHERE s.milestone_id = m.id) ORDER BY c.reference, m.number",
        # 刘评估's own sign-off that needed a second signature (given by 马评审).
        "signoff": of_contract("delivery.signoffs", "HT-%-0004", f"AND x.countersign_required AND x.evaluator_id = ({user('evaluator')}) ORDER BY x.seq"),
        "evidence": "SELECT e.id FROM delivery.evidence e JOIN delivery.reports r ON r.id = e.report_id JOIN delivery.contracts c ON c.id = r.contract_id WHERE c.reference LIKE 'HT-%-0005'",
        "claim": "SELECT k.id FROM payments.claims k JOIN delivery.contracts c ON c.id = k.contract_id WHERE c.reference LIKE 'HT-%-0005'",
        "recovery": "SELECT id FROM payments.recoveries",
        "survey": "SELECT survey_token FROM delivery.contracts WHERE reference LIKE 'HT-%-0005'",
        "award": "SELECT a.id FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id WHERE t.reference LIKE 'ZB-%-0002'",
        "engagement": of_contract("delivery.engagements", "HT-%-0005", "AND x.ended_at IS NULL"),
        "need": "SELECT n.id FROM transparency.needs n JOIN identity.jurisdictions j ON j.id = n.jurisdiction_id WHERE j.code = '370102' ORDER BY n.proposed_at",
        "ocid": "SELECT ocid FROM transparency.releases ORDER BY seq",
        "site": "SELECT id FROM grassroots.sites WHERE code = '370102010-T'",
        "station": "SELECT id FROM grassroots.sites WHERE code = '610324002-V001'",
        "request_accepted": requests("accepted", "610324002-V001"),
        "request_awaiting": requests("awaiting_materials", "610324002-V001"),
        "request_awaiting2": requests("awaiting_materials", "610324002-V001", "DESC"),
        "request_approving": requests("approving", "610324002-T"),
        "request_approving2": requests("approving", "610324002-T", "DESC"),
        "request_handling": requests("handling", "610324002-T"),
        "request_returned": requests("returned", "610324002-V001", more="AND r.outcome = 'granted'"),
        "request_sampled": "SELECT request_id FROM grassroots.rechecks WHERE outcome IS NULL ORDER BY sampled_at",
        "site_staff": "SELECT staff->0->>'name' FROM grassroots.sites WHERE code = '370102010-T'",
        # Grassroots: standards
        "standard": "SELECT s.id FROM grassroots.standards s WHERE s.jurisdiction_code = '610324' AND s.tier = 'village_station'",
        "fufeng_centre": "SELECT id FROM grassroots.sites WHERE code = '610324-C'",
        "inspection": "SELECT i.id FROM grassroots.inspections i JOIN grassroots.sites s ON s.id = i.site_id WHERE s.code = '610324-C' ORDER BY i.recorded_at",
        "inspection_evidence": "SELECT e.id FROM grassroots.inspection_evidence e JOIN grassroots.inspections i ON i.id = e.inspection_id "
                               "JOIN grassroots.sites s ON s.id = i.site_id WHERE s.code = '610324-C' ORDER BY i.recorded_at",
        "negative_entry": "SELECT e.id FROM catalogue.negative_entries e JOIN identity.jurisdictions j ON j.id = e.jurisdiction_id WHERE j.code = '370102' ORDER BY e.code",
    }.items():
        one(key, sql)
    # The demo's applicants are sealed in the database; their ID numbers and phones are made by Sources/Demo/DemoRequests.swift
    # (`applicant(index)`): the case accepted at the window is the third registered.
    f["applicant_id"], f["applicant_phone"] = demo_applicant(3)
    one("line", f"SELECT id FROM tendering.purchase_lines WHERE buyer_id = '{f.get('finance_org')}' ORDER BY reference")
    one("civil_line", f"SELECT id FROM tendering.purchase_lines WHERE buyer_id = '{f.get('civil_org')}' ORDER BY reference")
    one("split_line", f"SELECT id FROM tendering.purchase_lines WHERE buyer_id = '{f.get('civil_org')}' AND reference = 'MZ2026-02'")

    # A document of the NGO's library, made through the API.
    if "ngo" in tokens:
        status, _, document = live.request(base, "POST", "/api/v1/my-documents?title=matrix&category=other&filename=m.pdf", token=tokens["ngo"],
                                           body=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                           headers={"Content-Type": "application/octet-stream"})
        if status == 201:
            f["document"] = document["id"]
        else:
            f.why["document"] = f"ngo could not upload a document: {status} {document}"
    # Each item's content as the editor saves it (drafts are saved from it before each call on a draft).
    f["content"] = {}
    for key in ("item", "item2", "street_item"):
        if key not in f:
            continue
        status, _, item = live.request(base, "GET", f"/api/v1/catalogue/items/{f[key]}")
        if status != 200:
            f.why[key] = f"GET the item answered {status}"
            continue
        content = {name: item[name] for name in ("nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result",
                                                 "timeLimitDays", "onTheSpot", "channel", "fees", "authority") if name in item}
        content["nameZh"] += "（草稿）"
        content["materials"] = [m["code"] if isinstance(m, dict) else m for m in item.get("materials", [])]
        f["content"][f[key]] = content
        why = save_draft(base, tokens, f, f[key])
        if why:
            f.why[key + "_draft"] = why
    # A material to retire that no item whose draft is saved here needs (a draft naming a retired one is refused).
    needed = {code for item in f["content"].values() for code in item.get("materials", [])}
    one("material", "SELECT code FROM catalogue.materials WHERE retired_at IS NULL "
                    + (f"AND code NOT IN ({', '.join(repr(str(c)) for c in sorted(needed))}) " if needed else "") + "ORDER BY code")
    # Sign-off bodies that go through for an assigned evaluator: the running contract's paid milestone corrected
    # with the figures that stand (no money moves), the waiting report sent back for more evidence.
    f["signoff_body"] = {}
    for key, sql, decision in [
            ("milestone", "SELECT verified::text, verified_beneficiaries, decision FROM delivery.signoffs WHERE milestone_id = '{}' ORDER BY seq DESC", None),
            ("awaiting", "SELECT results::text, beneficiaries FROM delivery.reports WHERE milestone_id = '{}' ORDER BY version DESC", "more_evidence")]:
        if key in f:
            row = spokes.psql(sql.format(f[key])).splitlines()
            if row:
                fields = row[0].split("|")
                f["signoff_body"][f[key]] = {"decision": decision or fields[2], "verified": json.loads(fields[0]),
                                             "verifiedBeneficiaries": int(fields[1]), "reasons": "The matrix signs off with the figures it was given."}
    # A monitoring case on the running contract, opened by the overseer (through the API once it is there,
    # else through the page's form), for the case operations and §4.
    open_case(spokes, base, tokens, f)
    return f


def save_draft(base, tokens, f, item):
    """Saves the item's draft (as an administrator, else as Lixia's finance office); the reason when neither could."""
    if item not in f["content"]:
        return f"no content read for item {item}"
    answers = []
    for user in ("admin", "finance"):
        if user in tokens:
            status, _, body = live.request(base, "PUT", f"/api/v1/catalogue/items/{item}/draft", token=tokens[user], body=f["content"][item])
            if status == 200:
                return None
            answers.append(f"{user}: {status} {str(body)[:120]}")
    return "no draft saved: " + "; ".join(answers)


def open_case(spokes, base, tokens, f):
    if "overseer" not in tokens or "running" not in f or "finance_org" not in f:
        f.why["case"] = "no overseer, running contract or buyer to open a case with"
        return
    form = {"buyer": f["finance_org"], "subjectType": "contract", "subjectId": f["running"],
            "evidence": f"/contracts/{f['running']}", "title": "The matrix asks", "question": "Why was this paid before its sign-off?"}
    cookie = live.session(base, "overseer")
    csrf = next((c.split("=", 1)[1] for c in cookie.split("; ") if c.startswith("spokes_csrf=")), "")
    status, _, answer = live.request(base, "POST", "/oversight/cases", body=urllib.parse.urlencode({**form, "_csrf": csrf}).encode(),
                                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    try:
        value = spokes.psql("SELECT id FROM transparency.cases ORDER BY opened_at DESC LIMIT 1")
    except Exception:
        value = ""
    if value:
        f["case"] = value
    else:
        f.why["case"] = f"the overseer's form to open a case answered {status}"


class Contract:
    """The operations of the contract, and the request each cell sends."""

    def __init__(self, *paths):
        self.operations = {}
        self.specs = {}
        for path in paths:
            if not os.path.exists(path) or any(os.path.samefile(path, p) for p in self.specs):
                continue
            spec = yaml.safe_load(open(path))
            self.specs[path] = spec
            for template, item in spec["paths"].items():
                for method, operation in item.items():
                    if method in ("get", "put", "post", "patch", "delete"):
                        self.operations.setdefault(operation["operationId"], (method.upper(), template, operation, spec))

    def resolve(self, schema, spec):
        while "$ref" in schema:
            node = spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def example(self, schema, spec):
        """The smallest value the schema accepts."""
        schema = self.resolve(schema, spec)
        for key in ("allOf", "oneOf", "anyOf"):
            if key in schema:
                return self.example(schema[key][0], spec)
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = kind[0]
        if "enum" in schema:
            return schema["enum"][0]
        if kind == "object":
            return {name: self.example(schema["properties"][name], spec) for name in schema.get("required", [])
                    if name in schema.get("properties", {})}
        if kind == "array":
            return [self.example(schema.get("items", {}), spec) for _ in range(schema.get("minItems", 0))]
        if kind == "integer" or kind == "number":
            return max(schema.get("minimum", 1), 1) if schema.get("maximum", 1) >= 1 else schema.get("minimum", 0)
        if kind == "boolean":
            return False
        form = schema.get("format")
        if form == "uuid":
            return str(uuid.uuid4())
        if form == "date":
            return "2026-12-15"
        if form == "date-time":
            return "2026-12-15T00:00:00Z"
        return "x" * max(schema.get("minLength", 1), 1)

    def parameters(self, f, operation_id, variant, template):
        """The path's parameters: which resource the cell acts on (raises Missing)."""
        chosen = {**PARAMETERS, **BY_OPERATION.get(operation_id, {}), **VARIANTS.get((operation_id, variant), {}).get("parameters", {})}
        return {name: f[chosen[name]] for name in re.findall(r"\{(\w+)\}", template) if name in chosen}

    def request(self, operation_id, variant, f):
        """(method, path with query, body, headers, path parameters) for one cell (raises Missing)."""
        method, template, operation, spec = self.operations[operation_id]
        parameters = self.parameters(f, operation_id, variant, template)
        unnamed = set(re.findall(r"\{(\w+)\}", template)) - set(parameters)
        if unnamed:
            raise Missing(f"a value for the path parameter(s) {sorted(unnamed)}")
        path = template
        for name, value in parameters.items():
            path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
        query = []
        for parameter in operation.get("parameters", []):
            parameter = self.resolve(parameter, spec)
            if parameter.get("in") == "query" and (parameter.get("required") or parameter["name"] == "buyer"):
                value = f["finance_org"] if parameter["name"] == "buyer" else self.example(parameter["schema"], spec)
                if parameter["name"] in QUERIES.get(operation_id, {}):
                    value = f[QUERIES[operation_id][parameter["name"]]]
                query.append(f"{parameter['name']}={urllib.parse.quote(str(value))}")
        if query:
            path += "?" + "&".join(query)
        body, headers = None, dict(HEADERS.get(operation_id, {}))
        answers = {media for response in operation.get("responses", {}).values() for media in self.resolve(response, spec).get("content", {})}
        if answers and "application/json" not in answers:
            headers.setdefault("Accept", "*/*")  # a file (CSV, XLSX, PDF): not a JSON answer
        content = operation.get("requestBody", {}).get("content", {})
        if operation_id in BODIES:
            body = BODIES[operation_id](f, parameters)
        elif "application/json" in content:
            schema = self.resolve(content["application/json"].get("schema", {}), spec)
            body = self.example(schema, spec)
            fields = {**FIELDS.get(operation_id, {}), **VARIANTS.get((operation_id, variant), {}).get("fields", {})}
            declared = schema.get("properties")
            for name, value in fields.items():
                if isinstance(body, dict) and (declared is None or name in declared):
                    body[name] = value(f) if callable(value) else f[value]
        elif content:
            media = next(iter(content))
            body, headers["Content-Type"] = b"x", media
        return method, "/api/v1" + path, body, headers, parameters


def sealed_bid_paths(base, f, tokens, users):
    """The NGO bids on the tender still open for bids; nobody else finds its price or proposal on any path
    (API, pages, the OCDS releases and export, the Atom feed) before the deadline. Returns the
    mismatches and the number of reads."""
    canary = "SEALED-CANARY-" + uuid.uuid4().hex[:12]
    price = 1234567
    tender, lot = f["tendering"], f["tendering_lot"]
    status, _, receipt = live.request(base, "PUT", f"/api/v1/tenders/{tender}/lots/{lot}/bid", token=tokens["ngo"],
                                      body={"priceFen": price, "proposal": f"{canary} 我们的方案"})
    if status != 200:
        return [f"sealed bid: ngo could not bid on ZB-2026-0005: {status} {receipt}"], 0
    secrets = [canary, "12345.67", "12,345.67", str(price)]
    api = [f"/api/v1/tenders/{tender}", f"/api/v1/tenders/{tender}/bids", f"/api/v1/tenders/{tender}/my-bids",
           f"/api/v1/tenders/{tender}/evaluation", f"/api/v1/tenders/{tender}/timeline", f"/api/v1/tenders/{tender}/awards",
           f"/api/v1/bid-receipts/{receipt['commitment']}", "/api/v1/tenders?status=tendering", "/api/v1/contract-drafts",
           "/api/v1/ocds/releases", "/api/v1/ocds/export.json"]
    pages = [f"/tenders/{tender}", f"/tenders/{tender}/evaluation", "/tenders", "/tenders.atom", "/contracts", "/insights", "/oversight"]
    mismatches, reads = [], 0
    sessions = {user: live.session(base, user) for user in users if user != "anon"}

    def read(user, path, page):
        headers = {"Accept": "text/html"} if page else {}
        if page and user != "anon":
            headers["Cookie"] = sessions[user]
        status, _, body = live.request(base, "GET", path, token=None if page or user == "anon" else tokens[user], headers=headers)
        return json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body

    for user in users:
        for path, page in [(p, False) for p in api] + [(p, True) for p in pages]:
            text = read(user, path, page)
            reads += 1
            found = [secret for secret in secrets if secret in text]
            if page and user != "anon" and 'action="/logout"' not in text and path != "/tenders.atom":
                mismatches.append(f"sealed bid: {user} was not signed in reading {path}")
            if user != "ngo" and found:
                mismatches.append(f"sealed bid: {user} read {found} on {path}")
    # The test can fail: the bidder itself finds its bid, on the API and on the tender's page.
    for path, page in [(f"/api/v1/tenders/{tender}/my-bids", False), (f"/tenders/{tender}", True)]:
        if canary not in read("ngo", path, page):
            mismatches.append(f"sealed bid: the bidder does not find its own bid on {path}")
    return mismatches, reads


def check_views(base, contract, views, f, tokens, signed_in):
    """§4: what each list shows to whom. Returns (failures, waiting, reads)."""
    failures, waiting, reads = [], [], 0
    for operation, key, shown, hidden in views:
        if operation not in contract.operations:
            waiting.append(f"{operation} (§4)")
            continue
        if key not in f:
            failures.append(f"§4 {operation}: no fixture `{key}` ({f.why.get(key, 'not made')})")
            continue
        try:
            method, path, body, headers, _ = contract.request(operation, "", f)
        except Missing as absent:
            failures.append(f"§4 {operation}: no fixture {absent} ({f.why.get(absent.args[0], 'not made')})")
            continue
        for user in sorted(shown | hidden):
            if user not in signed_in:
                continue
            status, _, answer = live.request(base, method, path, token=tokens.get(user), body=body, headers=headers)
            reads += 1
            text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
            seen = 200 <= status < 300 and str(f[key]).lower() in text.lower()
            if user in shown and not seen:
                failures.append(f"§4 {operation} as {user}: `{key}` must be shown, got {status} without it")
            if user in hidden and seen:
                failures.append(f"§4 {operation} as {user}: `{key}` must be hidden, got {status} showing it")
    return failures, waiting, reads


def wrong_parent(base, contract, f, tokens, operation, variant, allowed):
    """Calls the operation as its first allowed caller with the path's parent swapped for another of its kind:
    (caller, status, detail)."""
    parameter = WRONG_PARENT[operation]
    method, path, body, headers, parameters = contract.request(operation, variant, f)
    right = str(parameters[parameter])
    other = next(f[key] for key in OTHER_PARENTS[parameter] if key in f and str(f[key]) != right)
    caller = next((user for user in sorted(allowed) if user in tokens), None)
    if caller is None:
        return "nobody", 404, "no allowed caller signed in"
    status, _, answer = live.request(base, method, path.replace(right, str(other), 1), token=tokens[caller], body=body, headers=headers)
    return caller, status, answer.get("detail") if isinstance(answer, dict) else " ".join(str(answer)[:120].split())


def main():
    try:
        callers, expected, views = read_table(TABLE)
    except (OSError, TableError) as error:
        sys.exit(f"matrix: cannot read the table {TABLE}: {error}")
    contract = Contract(CONTRACT, GENERATOR_COPY)
    failures = [f"{operation}: in the contract, in no row of Policy.table.md §3"
                for operation in sorted(set(contract.operations) - {op for op, _ in expected})]
    waiting = sorted({op for op, _ in expected if op not in contract.operations})
    seed_dir = os.environ.get("MATRIX_SEED_DIR")
    spokes = live.Spokes("matrix")
    if seed_dir:
        spokes.run("db", "start")
        spokes.run("seed", "--seed-dir", seed_dir)
    else:
        spokes.seed()
    mismatches, cells, rows, used, reads, survived, skipped = [], 0, [], {}, 0, "", 0
    try:
        _, base = spokes.serve()
        tokens = {}
        for user in callers:
            if user == "anon":
                continue
            status, _, answer = live.request(base, "POST", "/api/v1/auth/token", body={"username": user, "password": live.PASSWORD})
            if status in (200, 201):
                tokens[user] = answer["token"]
            else:
                failures.append(f"{user} cannot sign in: {status} {answer.get('detail') if isinstance(answer, dict) else answer}; "
                                "its cells are not called")
        signed_in = {"anon"} | set(tokens)
        f = fixtures(spokes, base, tokens)
        view_failures, view_waiting, reads = check_views(base, contract, views, f, tokens, signed_in)
        failures += view_failures
        spare = {user: live.token(base, user) for user in tokens}
        if "finance" in tokens:
            live.token(base, "finance")  # a third token of finance's, for revokeToken
            f["spare_token"] = spokes.psql("SELECT t.id FROM identity.api_tokens t JOIN identity.users u ON u.id = t.user_id "
                                           "WHERE u.username = 'finance' ORDER BY t.created_at DESC, t.id DESC LIMIT 1")
        present = [key for key in expected if key[0] in contract.operations]
        order = [key for key in present if key[0] not in LAST] + sorted((key for key in present if key[0] in LAST),
                                                                         key=lambda key: LAST.index(key[0]))
        for operation, variant in order:
            allowed = expected[(operation, variant)]
            name = operation + (f" · {variant}" if variant else "")
            try:
                contract.request(operation, variant, f)
            except Missing as absent:
                failures.append(f"{name}: no fixture {absent} ({f.why.get(absent.args[0], 'not made')}); its {len(callers)} cells not called")
                continue
            # Refused callers first, so that an allowed call changing the resource cannot hide a refusal; then the
            # parties, the administrator last (a consuming call by the administrator would leave the party nothing).
            row_mismatches, statuses = [], []
            if operation in WRONG_PARENT:
                wrong = wrong_parent(base, contract, f, tokens, operation, variant, allowed)
                cells += 1
                rows.append((name + " · wrong parent", wrong[0], "404", wrong[1]))
                if wrong[1] != 404:
                    row_mismatches.append(f"{name} under another tender as {wrong[0]}: expected 404, got {wrong[1]} ({wrong[2]})")
            for user in sorted(callers, key=lambda u: (u in allowed, u == "admin")):
                if user not in signed_in:
                    skipped += 1
                    continue
                method, path, body, headers, parameters = contract.request(operation, variant, f)
                if operation in ON_DRAFT:
                    why = save_draft(base, tokens, f, parameters["itemId"])
                    if why:
                        failures.append(f"{name}: before {user}'s call, {why}")
                token = None if user == "anon" else (spare if operation == "revokeCurrentToken" else tokens)[user]
                status, _, answer = live.request(base, method, path, token=token, body=body, headers=headers)
                refused = status in (401, 403, 404)
                ok = status < 500 and (refused != (user in allowed))
                if user in allowed and operation in CONSUMING and status == 404 and used.get(name):
                    ok = True  # an earlier allowed caller used it up
                if user in allowed and 200 <= status < 300:
                    used[name] = True
                if user == "anon" and user not in allowed:
                    ok = ok and status == 401  # a visitor is asked to sign in, whatever the resource
                cells += 1
                statuses.append(status)
                rows.append((name, user, "allow" if user in allowed else "refuse", status))
                if not ok:
                    detail = answer.get("detail") if isinstance(answer, dict) else " ".join(str(answer)[:120].split())
                    row_mismatches.append(f"{name} as {user}: expected {'allowed' if user in allowed else 'refused'}, "
                                          f"got {status} ({detail})")
            if row_mismatches and set(statuses) == {404} and any(u in allowed for u in signed_in):
                # Every caller, the visitor too, was told 404: this build does not serve the operation yet.
                failures.append(f"{name}: not served by this build (404 for every caller; {len(row_mismatches)} cells mismatch)")
            else:
                mismatches += row_mismatches
        sealed, sealed_reads = [], 0
        if "ngo" in tokens and "tendering" in f and "tendering_lot" in f:
            sealed, sealed_reads = sealed_bid_paths(base, f, tokens, [u for u in callers if u in signed_in])
        else:
            failures.append("sealed bid: not looked for (no ngo token or no tender open for bids)")
        mismatches += sealed
        reads += sealed_reads
        # The sealed bid's proposal never reaches a log line either.
        spokes.secrets.append(re.compile("SEALED-CANARY-"))
        try:
            spokes.check_alive(f"the permissions matrix ({cells} calls and {reads} reads)")
            survived = "; the server still live, no fatal error logged"
        except live.ServerDied as died:
            failures.append(str(died))
    finally:
        spokes.stop(keep=bool(mismatches or failures))
    os.makedirs(live.RESULTS, exist_ok=True)
    with open(os.path.join(live.RESULTS, "matrix.tsv"), "w") as out:
        out.write("operation\tuser\texpected\tstatus\n")
        out.writelines(f"{o}\t{u}\t{e}\t{s}\n" for o, u, e, s in rows)
    print(f"matrix: {len(present)} rows of Policy.table.md x {len(callers)} callers: {cells} cells called"
          f"{f' ({skipped} skipped: callers not signed in)' if skipped else ''}, {len(mismatches)} mismatches, "
          f"{len(failures)} other failures (table in {live.RESULTS}/matrix.tsv); {reads} reads of lists and of a sealed bid{survived}")
    if waiting or view_waiting:
        print(f"matrix: waiting for the contract to declare {len(waiting)} operation(s) of the table: {', '.join(waiting)}")
    for line in failures:
        print("matrix: FAILURE " + line, file=sys.stderr)
    for line in mismatches:
        print("matrix: MISMATCH " + line, file=sys.stderr)
    if mismatches or failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
