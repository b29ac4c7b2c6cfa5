"""The permissions matrix: every operation of Contracts/openapi.yaml, called by the anonymous visitor
and by a user of every role, on a resource of the caller's own organisation or jurisdiction and of
another's, against a running server on the demo data. Each cell is allowed or refused, as written in
EXPECTED below from the rules of DOMAIN.md (never from the code it checks).

    .build/live-venv/bin/python Tests/Live/matrix.py

A refusal is 401 (not signed in), 403, or 404 where the resource is hidden from the caller. An
allowed call may still fail on the resource's state or the body's content (409, 422), but never as
a refusal, and never with a 5xx. Bodies are the smallest the contract accepts, so allowed calls
mostly stop at a business rule and change little. Afterwards the server must still answer GET /health/live
and its log hold no `Fatal error`.
"""
import json
import os
import sys
import uuid

import yaml

import live

# Who calls. Own/other: finance keeps the demo's tenders and contracts (Lixia); civil is another buyer
# in the same district, fufeng a buyer in another county. ngo and eldercare are social organisations
# (eldercare is the supplier of the running contract HT-2026-0005, ngo of the draft HT-2026-0001 and
# the complainant on ZB-2026-0001). overseer audits Lixia.
USERS = ["anon", "admin", "finance", "civil", "fufeng", "ngo", "eldercare", "evaluator2", "incubator", "overseer"]
EVERYONE = set(USERS)
SIGNED = EVERYONE - {"anon"}
FINANCE_OFFICES = {"finance", "fufeng"}
SUPPLIERS = {"ngo", "eldercare"}

# operationId: who is allowed (everyone else is refused). Written from DOMAIN.md's rules, per resource:
# the fixture each operation acts on is named in FIXTURES.
EXPECTED = {
    # Identity: organisations are public; their users and settings belong to their administrators.
    "createToken": EVERYONE,
    "listTokens": SIGNED,
    "getMe": SIGNED,
    "revokeToken": {"finance"},                      # finance's own spare token
    "listJurisdictions": EVERYONE,
    "createJurisdiction": {"admin"},
    "listOrganisations": EVERYONE,
    "createOrganisation": {"admin"},
    "getOrganisation": EVERYONE,
    "updateOrganisation": {"admin", "ngo"},          # the NGO's own organisation
    "listUsers": {"admin", "ngo"},
    "createUser": {"admin", "ngo"},
    "updateUser": {"admin", "ngo"},                  # a user of the NGO
    # Catalogues: public to read. Each jurisdiction's list (items, its own negative-list entries) is kept by the
    # finance offices of that jurisdiction or one above it: the fixtures are Lixia's, so finance and not fufeng.
    # The guiding catalogue and the materials registry are national: administrators only. Local details by
    # offices of the jurisdiction or above.
    "listPurchaseCategories": EVERYONE,
    "getPurchaseCategory": EVERYONE,
    "importPurchaseCategories": {"admin"},
    "exportPurchaseCategories": EVERYONE,
    "listNegativeEntries": EVERYONE,
    "addNegativeEntry": {"admin", "finance"},        # an entry for Lixia
    "removeNegativeEntry": {"admin", "finance"},     # Lixia's entry
    "searchServiceItems": EVERYONE,
    "createServiceItem": {"admin", "finance"},       # an item of a Lixia department
    "listServiceItemDrafts": {"admin"} | FINANCE_OFFICES,  # each sees the drafts of its own lists
    "getServiceItem": EVERYONE,
    "getServiceItemDraft": {"admin", "finance"},
    "saveServiceItemDraft": {"admin", "finance"},
    "publishServiceItemDraft": {"admin", "finance"},
    "discardServiceItemDraft": {"admin", "finance"},
    "listServiceItemVersions": EVERYONE,
    "listLocalDetails": EVERYONE,
    "setLocalDetails": {"admin", "finance", "civil"},  # Lixia's offices, not Fufeng's
    # The smallest body is no file: a finance office is refused only for rows of lists it does not keep
    # (CatalogueJurisdictionWebTests), so here every finance office reaches the file's check.
    "importServiceItems": {"admin"} | FINANCE_OFFICES,
    "exportServiceItems": EVERYONE,
    "listMaterials": EVERYONE,
    "materialsReport": EVERYONE,
    "importMaterials": {"admin"},
    "exportMaterials": EVERYONE,
    "retireMaterial": {"admin"},
    # Purchase lists: public; a buyer's own staff keep its lines.
    "listPurchaseLines": EVERYONE,
    "addPurchaseLine": {"admin", "finance"},
    "importPurchaseLines": {"admin", "finance"},
    "exportPurchaseLines": EVERYONE,
    "getPurchaseLine": EVERYONE,
    "updatePurchaseLine": {"admin", "finance"},
    # Tenders: public once published; the buyer's own staff run them.
    "listTenders": EVERYONE,
    "createTender": {"admin", "finance"},
    "getTender": EVERYONE,
    "updateTender": {"admin", "finance"},
    "publishTender": {"admin", "finance"},
    "cancelTender": {"admin", "finance"},
    "getTenderTimeline": EVERYONE,
    "listQuestions": EVERYONE,
    "askQuestion": SIGNED - {"finance"},             # anyone signed in but the buyer's staff
    "answerQuestion": {"admin", "finance"},
    # Bids: sealed for all but the bidder until the deadline; no administrator bids or reads one.
    "listOpenedBids": EVERYONE,                      # of the tender in evaluation (opened)
    "listOwnBids": SIGNED,                           # the caller's own organisation's bids: none for most
    "submitBid": SUPPLIERS,
    "withdrawBid": SUPPLIERS,
    "confirmBid": SUPPLIERS,
    "checkBidReceipt": EVERYONE,
    # Evaluation: the buyer seats the panel and decides; panel members score; bidders justify and complain.
    "listEvaluators": {"admin", "finance", "civil", "fufeng"},
    "listMyPanels": SIGNED,
    "getEvaluation": {"admin", "finance", "evaluator2", "overseer"},  # not public before the award
    "assignEvaluator": {"admin", "finance"},
    "removeEvaluator": {"admin", "finance"},
    "declareConflicts": {"evaluator2"},
    "saveScores": {"evaluator2"},
    "justifyPrice": {"ngo", "eldercare"},            # both bid on the tender in evaluation
    "decideLot": {"admin", "finance"},
    "listAwards": EVERYONE,
    "listComplaints": EVERYONE,
    "fileComplaint": {"ngo", "eldercare"},           # both bid on the awarded tender
    "answerComplaint": {"admin", "finance"},
    "acceptComplaintAnswer": {"ngo"},                # the complainant
    "escalateComplaint": {"ngo"},
    "decideComplaint": {"admin", "overseer"},
    "listContractDrafts": EVERYONE,
    # Supplier profiles and document libraries: public profiles; each organisation keeps its own library.
    "getSupplierProfile": EVERYONE,
    "updateSupplierProfile": SUPPLIERS,
    "listMyDocuments": SIGNED,                       # the caller's own library (empty but for suppliers)
    "uploadDocument": SUPPLIERS,
    "retireDocument": {"ngo"},                       # the NGO's document
    "getMyDocumentContent": {"ngo"},
    # No opened bid of the demo cites a document, so every caller is refused here (404; a visitor 401). Who
    # reads a cited document is checked in SupplierPageTests, on a bid opened with the test clock.
    "getCitedDocument": set(),
    # Incubation: public pipeline; the incubator's staff run it; organisations apply for themselves.
    "listStagePolicies": EVERYONE,
    "updateStagePolicy": {"admin", "incubator"},
    "getIncubationBoard": EVERYONE,
    "getIncubationFunnel": EVERYONE,
    "listIncubationAlerts": {"admin", "incubator"},
    "getIncubationJourney": EVERYONE,
    "moveOrganisation": {"admin", "incubator"},
    "listProgrammes": EVERYONE,
    "createProgramme": {"admin", "incubator"},
    "listApplications": {"admin", "incubator", "evaluator2"},
    "applyToProgramme": SUPPLIERS,
    "reviewApplication": {"incubator", "evaluator2"},
    "decideApplication": {"admin", "incubator"},
    "withdrawApplication": {"admin", "incubator"},   # an application of another team
    "listAssessments": EVERYONE,
    "recordAssessment": {"admin", "incubator"},
    "listCohortAverages": EVERYONE,
    "listMentors": EVERYONE,
    "addMentor": {"admin", "incubator"},
    "listSessions": EVERYONE,
    "recordSession": {"admin", "incubator"},
    "listSeedGrants": EVERYONE,
    "awardSeedGrant": {"admin", "incubator"},
    "listGrantsAwaitingPayment": SIGNED,             # grants from the caller's own lines: none for most
    "paySeedGrant": {"civil"},                       # the grant's line is the civil-affairs bureau's
    "cancelSeedGrant": {"admin", "incubator"},
    "listSpaces": EVERYONE,
    "addSpace": {"admin", "incubator"},
    "allocateSpace": {"admin", "incubator"},
    "handBackSpace": {"admin", "incubator"},
    "getBudgetLineBalance": EVERYONE,
    # Contracts: the buyer's staff manage, the supplier's staff deliver, evaluators sign off; money only by the parties.
    "listContracts": EVERYONE,
    "draftContract": {"finance"},
    "getContract": EVERYONE,
    "setMilestones": {"finance"},
    "setRateCard": {"finance"},
    "signContract": {"finance", "eldercare"},
    "publishContract": {"finance"},
    "terminateContract": {"finance"},
    "claimPayment": {"eldercare"},
    "submitReport": {"eldercare"},
    "signOffMilestone": {"evaluator2"},
    "listAwaitingSignOff": {"evaluator2"},
    "countersignSignOff": {"evaluator2"},
    "downloadEvidence": {"admin", "finance", "eldercare", "evaluator2", "overseer"},
    "approveClaim": {"finance"},
    "rejectClaim": {"finance"},
    "payClaim": {"finance"},
    "repayRecovery": {"finance"},
    "evaluateContract": {"evaluator2"},
    "completeContract": {"finance"},
    "proposeAmendment": {"finance", "eldercare"},
    "decideAmendment": {"finance", "eldercare"},
    "getSurvey": EVERYONE,
    "answerSurvey": EVERYONE,
    "revokeCurrentToken": SIGNED,                    # with a spare token of each user, last
}

# Operations that change what later ones act on run last, in this order.
LAST = ["withdrawBid", "retireDocument", "removeEvaluator", "discardServiceItemDraft", "removeNegativeEntry", "cancelSeedGrant",
        "terminateContract", "cancelTender", "revokeCurrentToken"]

# Bodies that the smallest schema-valid one would not do: they must name a real resource, or must not
# undo the fixture (re-enabling an enabled user changes nothing).
BODIES = {
    "createToken": lambda f: {"username": "civil", "password": live.PASSWORD},
    "updateUser": lambda f: {"disabled": False},
}

# Fields set on the smallest body: the resource acted on must be the fixture's (finance's), not the caller's own.
FIELDS = {
    "addPurchaseLine": lambda f: {"buyerId": f["finance_org"]},
    "createTender": lambda f: {"buyerId": f["finance_org"]},
    "awardSeedGrant": lambda f: {"purchaseLineId": f["civil_line"]},
    "allocateSpace": lambda f: {"organisationId": f["pipeline_org"]},
    "draftContract": lambda f: {"awardId": f["award"]},
    "createServiceItem": lambda f: {"departmentId": f["civil_org"]},
    "addNegativeEntry": lambda f: {"jurisdictionCode": "370102"},
}

# Operations that use their resource up: after the first allowed caller, the next may find it gone (404).
CONSUMING = {"removeEvaluator", "discardServiceItemDraft", "publishServiceItemDraft", "withdrawBid", "retireDocument", "removeNegativeEntry"}


def fixtures(spokes, base):
    """The demo's resources each operation acts on, found by SQL."""
    def one(sql):
        value = spokes.psql(sql)
        if not value:
            raise RuntimeError(f"no fixture for: {sql}")
        return value.splitlines()[0]

    org = lambda user: one(f"SELECT organisation_id FROM identity.users WHERE username = '{user}'")
    tender = lambda ref: one(f"SELECT id FROM tendering.tenders WHERE reference = '{ref}'")
    lot = lambda ref: one(f"SELECT l.id FROM tendering.lots l JOIN tendering.tenders t ON t.id = l.tender_id WHERE t.reference = '{ref}' ORDER BY l.number")
    contract = lambda ref: one(f"SELECT id FROM delivery.contracts WHERE reference = '{ref}'")
    lixia = one("SELECT id FROM identity.jurisdictions WHERE code = '370102'")
    f = {
        "ngo_org": org("ngo"), "finance_org": org("finance"), "civil_org": org("civil"),
        "ngo_user": one("SELECT id FROM identity.users WHERE username = 'ngo'"),
        "evaluator2": one("SELECT id FROM identity.users WHERE username = 'evaluator2'"),
        "draft": tender("ZB-2026-0007"), "enquiries": tender("ZB-2026-0006"), "tendering": tender("ZB-2026-0005"),
        "evaluation": tender("ZB-2026-0004"), "awarded": tender("ZB-2026-0001"),
        "tendering_lot": lot("ZB-2026-0005"), "evaluation_lot": lot("ZB-2026-0004"), "awarded_lot": lot("ZB-2026-0001"),
        "question": one("SELECT q.id FROM tendering.questions q JOIN tendering.tenders t ON t.id = q.tender_id WHERE t.reference = 'ZB-2026-0006'"),
        "commitment": one("SELECT r.commitment FROM tendering.bid_receipts r JOIN tendering.bids b ON b.id = r.bid_id JOIN tendering.tenders t ON t.id = b.tender_id WHERE t.reference = 'ZB-2026-0004'"),
        "opened_bid": one("SELECT b.id FROM tendering.bids b JOIN tendering.tenders t ON t.id = b.tender_id WHERE t.reference = 'ZB-2026-0004'"),
        "complaint": one("SELECT id FROM tendering.complaints"),
        # Items of Lixia's list (finance keeps it; fufeng does not).
        "item": one(f"SELECT id FROM catalogue.items WHERE jurisdiction_id = '{lixia}' ORDER BY code"),
        "item2": one(f"SELECT id FROM catalogue.items WHERE jurisdiction_id = '{lixia}' ORDER BY code OFFSET 1"),
        "category": one("SELECT code FROM catalogue.purchase_categories ORDER BY code"),
        "material": one("SELECT code FROM catalogue.materials WHERE retired_at IS NULL ORDER BY code"),
        "negative_entry": one("SELECT e.id FROM catalogue.negative_entries e JOIN identity.jurisdictions j ON j.id = e.jurisdiction_id WHERE j.code = '370102'"),
        "line": one(f"SELECT id FROM tendering.purchase_lines WHERE buyer_id = '{org('finance')}' ORDER BY reference"),
        "civil_line": one(f"SELECT id FROM tendering.purchase_lines WHERE buyer_id = '{org('civil')}' ORDER BY reference"),
        "programme": one("SELECT id FROM incubation.programmes"),
        "application": one("SELECT id FROM incubation.applications WHERE status = 'submitted'"),
        "admitted": one("SELECT id FROM incubation.applications WHERE status = 'admitted'"),
        "grant": one("SELECT id FROM incubation.seed_grants WHERE status = 'awarded'"),
        "space": one("SELECT id FROM incubation.spaces ORDER BY name"),
        "allocation": one("SELECT id FROM incubation.space_allocations WHERE handed_back_on IS NULL"),
        "pipeline_org": one("SELECT organisation_id FROM incubation.placements ORDER BY organisation_id"),
        "draft_contract": contract("HT-2026-0001"), "running": contract("HT-2026-0005"),
        "milestone": one("SELECT m.id FROM delivery.milestones m JOIN delivery.contracts c ON c.id = m.contract_id WHERE c.reference = 'HT-2026-0005' ORDER BY number"),
        "signoff": one("SELECT id FROM delivery.signoffs WHERE countersign_required"),
        "evidence": one("SELECT e.id FROM delivery.evidence e JOIN delivery.reports r ON r.id = e.report_id JOIN delivery.contracts c ON c.id = r.contract_id WHERE c.reference = 'HT-2026-0005'"),
        "claim": one("SELECT k.id FROM payments.claims k JOIN delivery.contracts c ON c.id = k.contract_id WHERE c.reference = 'HT-2026-0005'"),
        "recovery": one("SELECT id FROM payments.recoveries"),
        "survey": one("SELECT survey_token FROM delivery.contracts WHERE reference = 'HT-2026-0005'"),
        "award": one("SELECT a.id FROM tendering.awards a JOIN tendering.tenders t ON t.id = a.tender_id WHERE t.reference = 'ZB-2026-0002'"),
    }
    # A document of the NGO's library, and a spare token per user (for revoking), made through the API.
    ngo = live.token(base, "ngo")
    status, _, document = live.request(base, "POST", "/api/v1/my-documents?title=matrix&category=other&filename=m.pdf", token=ngo,
                                       body=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                                       headers={"Content-Type": "application/octet-stream"})
    assert status == 201, (status, document)
    f["document"] = document["id"]
    # Drafts of two items (one to publish, one to discard), as finance saves them from the items' own content.
    finance = live.token(base, "finance")
    for key in ("item", "item2"):
        _, _, item = live.request(base, "GET", f"/api/v1/catalogue/items/{f[key]}")
        content = {name: item[name] for name in ("nameZh", "nameEn", "legalBasis", "conditions", "procedure", "result",
                                                 "timeLimitDays", "onTheSpot", "channel", "fees", "authority")}
        content["nameZh"] += "（草稿）"
        content["materials"] = [m["code"] if isinstance(m, dict) else m for m in item["materials"]]
        status, _, draft = live.request(base, "PUT", f"/api/v1/catalogue/items/{f[key]}/draft", token=finance, body=content)
        assert status == 200, (status, draft)
    return f


def path_parameters(f, operation):
    """Values for the path's parameters: which resource each operation acts on."""
    by_operation = {
        "updateOrganisation": {"organisationId": f["ngo_org"]}, "listUsers": {"organisationId": f["ngo_org"]},
        "createUser": {"organisationId": f["ngo_org"]}, "getOrganisation": {"organisationId": f["ngo_org"]},
        "getSupplierProfile": {"organisationId": f["ngo_org"]}, "getPurchaseCategory": {"code": f["category"]},
        "updateTender": {"tenderId": f["draft"]}, "publishTender": {"tenderId": f["draft"]},
        "cancelTender": {"tenderId": f["enquiries"]}, "askQuestion": {"tenderId": f["enquiries"]},
        "answerQuestion": {"tenderId": f["enquiries"]}, "listQuestions": {"tenderId": f["enquiries"]},
        "listOwnBids": {"tenderId": f["tendering"]}, "submitBid": {"tenderId": f["tendering"], "lotId": f["tendering_lot"]},
        "withdrawBid": {"tenderId": f["tendering"], "lotId": f["tendering_lot"]},
        "confirmBid": {"tenderId": f["tendering"], "lotId": f["tendering_lot"]},
        "justifyPrice": {"tenderId": f["evaluation"], "lotId": f["evaluation_lot"]},
        "decideLot": {"tenderId": f["evaluation"], "lotId": f["evaluation_lot"]},
        "fileComplaint": {"tenderId": f["awarded"]}, "listComplaints": {"tenderId": f["awarded"]},
        "listAwards": {"tenderId": f["awarded"]},
        "removeEvaluator": {"tenderId": f["evaluation"], "userId": f["evaluator2"]},
        "updateUser": {"userId": f["ngo_user"]},
        "setMilestones": {"contractId": f["draft_contract"]}, "setRateCard": {"contractId": f["draft_contract"]},
        "publishContract": {"contractId": f["running"]},
        "getIncubationJourney": {"organisationId": f["pipeline_org"]}, "moveOrganisation": {"organisationId": f["pipeline_org"]},
        "listAssessments": {"organisationId": f["pipeline_org"]}, "recordAssessment": {"organisationId": f["pipeline_org"]},
        "listSessions": {"organisationId": f["pipeline_org"]}, "recordSession": {"organisationId": f["pipeline_org"]},
        "listSeedGrants": {"organisationId": f["pipeline_org"]}, "awardSeedGrant": {"organisationId": f["pipeline_org"]},
        "withdrawApplication": {"applicationId": f["admitted"]}, "discardServiceItemDraft": {"itemId": f["item2"]},
        "getBudgetLineBalance": {"lineId": f["line"]},
    }.get(operation, {})
    defaults = {
        "tenderId": f["evaluation"], "lotId": f["evaluation_lot"], "questionId": f["question"], "bidId": f["opened_bid"],
        "documentId": f["document"], "commitment": f["commitment"], "complaintId": f["complaint"], "itemId": f["item"],
        "code": f["material"], "jurisdictionCode": "370102", "entryId": f["negative_entry"], "lineId": f["line"], "programmeId": f["programme"],
        "applicationId": f["application"], "grantId": f["grant"], "spaceId": f["space"], "allocationId": f["allocation"],
        "contractId": f["running"], "milestoneId": f["milestone"], "signOffId": f["signoff"], "evidenceId": f["evidence"],
        "claimId": f["claim"], "recoveryId": f["recovery"], "token": f["survey"], "stage": "nursery",
        "organisationId": f["ngo_org"], "userId": f["ngo_user"], "tokenId": f.get("spare_token", ""),
    }
    return {**defaults, **by_operation}


class Contract:
    """The operations of the contract, and the smallest request each accepts."""

    def __init__(self, path):
        self.spec = yaml.safe_load(open(path))
        self.operations = {}
        for template, item in self.spec["paths"].items():
            for method, operation in item.items():
                if method in ("get", "put", "post", "patch", "delete"):
                    self.operations[operation["operationId"]] = (method.upper(), template, operation)

    def resolve(self, schema):
        while "$ref" in schema:
            node = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def example(self, schema, f):
        """The smallest value the schema accepts."""
        schema = self.resolve(schema)
        for key in ("allOf", "oneOf", "anyOf"):
            if key in schema:
                return self.example(schema[key][0], f)
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = kind[0]
        if "enum" in schema:
            return schema["enum"][0]
        if kind == "object":
            return {name: self.example(schema["properties"][name], f) for name in schema.get("required", [])
                    if name in schema.get("properties", {})}
        if kind == "array":
            return [self.example(schema.get("items", {}), f) for _ in range(schema.get("minItems", 0))]
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

    def request(self, operation_id, f):
        """(method, path with query, body, headers) for one call."""
        method, template, operation = self.operations[operation_id]
        path = template
        for name, value in path_parameters(f, operation_id).items():
            path = path.replace("{" + name + "}", str(value))
        query = []
        for parameter in operation.get("parameters", []):
            parameter = self.resolve(parameter)
            if parameter.get("in") == "query" and (parameter.get("required") or parameter["name"] == "buyer"):
                value = self.example(parameter["schema"], f)
                if parameter["name"] == "buyer":
                    value = f["finance_org"]
                query.append(f"{parameter['name']}={value}")
        if query:
            path += "?" + "&".join(query)
        body, headers = None, {}
        content = operation.get("requestBody", {}).get("content", {})
        if operation_id in BODIES:
            body = BODIES[operation_id](f)
        elif "application/json" in content:
            body = self.example(content["application/json"].get("schema", {}), f)
            if operation_id in FIELDS:
                body.update(FIELDS[operation_id](f))
        elif content:
            media = next(iter(content))
            body, headers = b"x", {"Content-Type": media}
        return method, "/api/v1" + path, body, headers


def sealed_bid_paths(base, f, tokens):
    """The NGO bids on the tender still open for bids; nobody else finds its price or proposal on any path
    (API, pages, the OCDS releases and export, the Atom feed) before the deadline. Returns the
    mismatches and the number of reads."""
    canary = "SEALED-CANARY-" + uuid.uuid4().hex[:12]
    price = 1234567
    tender, lot = f["tendering"], f["tendering_lot"]
    status, _, receipt = live.request(base, "PUT", f"/api/v1/tenders/{tender}/lots/{lot}/bid", token=tokens["ngo"],
                                      body={"priceFen": price, "proposal": f"{canary} 我们的方案"})
    assert status == 200, (status, receipt)
    secrets = [canary, "12345.67", "12,345.67", str(price)]
    api = [f"/api/v1/tenders/{tender}", f"/api/v1/tenders/{tender}/bids", f"/api/v1/tenders/{tender}/my-bids",
           f"/api/v1/tenders/{tender}/evaluation", f"/api/v1/tenders/{tender}/timeline", f"/api/v1/tenders/{tender}/awards",
           f"/api/v1/bid-receipts/{receipt['commitment']}", "/api/v1/tenders?status=tendering", "/api/v1/contract-drafts",
           "/api/v1/ocds/releases", "/api/v1/ocds/export.json"]
    pages = [f"/tenders/{tender}", f"/tenders/{tender}/evaluation", "/tenders", "/tenders.atom", "/contracts", "/insights", "/oversight"]
    mismatches, reads = [], 0

    def read(user, path, page):
        headers = {"Accept": "text/html"} if page else {}
        if page and user != "anon":
            headers["Cookie"] = sessions[user]
        status, _, body = live.request(base, "GET", path, token=None if page or user == "anon" else tokens[user], headers=headers)
        return json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body

    sessions = {user: live.session(base, user) for user in USERS if user != "anon"}
    for user in USERS:
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


def main():
    contract = Contract(os.path.join(live.ROOT, "Contracts/openapi.yaml"))
    missing = set(contract.operations) - set(EXPECTED)
    if missing:
        sys.exit(f"matrix: operations without expectations: {sorted(missing)}")
    spokes = live.Spokes("matrix").seed()
    mismatches, cells, rows, used, reads, survived = [], 0, [], {}, 0, ""
    try:
        _, base = spokes.serve()
        tokens = {user: live.token(base, user) for user in USERS if user != "anon"}
        f = fixtures(spokes, base)
        spare = {user: live.token(base, user) for user in USERS if user != "anon"}
        live.token(base, "finance")  # a third token of finance's, for revokeToken
        f["spare_token"] = spokes.psql("SELECT t.id FROM identity.api_tokens t JOIN identity.users u ON u.id = t.user_id "
                                       "WHERE u.username = 'finance' ORDER BY t.created_at DESC, t.id DESC LIMIT 1")
        order = [op for op in contract.operations if op not in LAST] + LAST
        for operation in order:
            allowed = EXPECTED[operation]
            # Refused callers first, so that an allowed call changing the resource cannot hide a refusal.
            for user in sorted(USERS, key=lambda u: u in allowed):
                method, path, body, headers = contract.request(operation, f)
                token = None if user == "anon" else (spare if operation == "revokeCurrentToken" else tokens)[user]
                status, _, answer = live.request(base, method, path, token=token, body=body, headers=headers)
                refused = status in (401, 403, 404)
                ok = status < 500 and (refused != (user in allowed))
                if user in allowed and operation in CONSUMING and status == 404 and used.get(operation):
                    ok = True  # an earlier allowed caller used it up
                if user in allowed and 200 <= status < 300:
                    used[operation] = True
                if user == "anon" and user not in allowed:
                    ok = ok and status == 401  # a visitor is asked to sign in, whatever the resource
                cells += 1
                rows.append((operation, user, "allow" if user in allowed else "refuse", status))
                if not ok:
                    detail = answer.get("detail") if isinstance(answer, dict) else str(answer)[:120]
                    mismatches.append(f"{operation} as {user}: expected {'allowed' if user in allowed else 'refused'}, "
                                      f"got {status} ({detail})")
        sealed, reads = sealed_bid_paths(base, f, tokens)
        mismatches += sealed
        try:
            spokes.check_alive(f"the permissions matrix ({cells} calls and {reads} reads)")
            survived = "; the server still live, no fatal error logged"
        except live.ServerDied as died:
            mismatches.append(str(died))
    finally:
        spokes.stop(keep=bool(mismatches))
    os.makedirs(live.RESULTS, exist_ok=True)
    with open(os.path.join(live.RESULTS, "matrix.tsv"), "w") as out:
        out.write("operation\tuser\texpected\tstatus\n")
        out.writelines(f"{o}\t{u}\t{e}\t{s}\n" for o, u, e, s in rows)
    print(f"matrix: {len(contract.operations)} operations x {len(USERS)} callers = {cells} cells, "
          f"{len(mismatches)} mismatches (table in {live.RESULTS}/matrix.tsv); a sealed bid looked for in {reads} reads "
          f"({len(USERS) - 1} callers and the bidder, API, pages, OCDS){survived}")
    for line in mismatches:
        print("matrix: MISMATCH " + line, file=sys.stderr)
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
