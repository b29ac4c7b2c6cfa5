import Core
import Crypto
import Foundation
import Grassroots
import PostgresNIO
import Store

/// How big a generated province is. `province` is the scale of issue 8; `town` is a hundredth of it,
/// for tests of the generator itself.
public struct ScaleSize: Sendable {
    public var districts: Int
    public var streetsPerDistrict: Int
    public var socialOrganisations: Int
    public var tenders: Int
    /// Village and community service stations under each street's centre (issue 23).
    public var stationsPerStreet: Int
    /// Service requests registered at the stations over the year before the load.
    public var serviceRequests: Int

    public static let province = ScaleSize(districts: 20, streetsPerDistrict: 4, socialOrganisations: 4_900, tenders: 50_000,
                                           stationsPerStreet: 6, serviceRequests: 2_000_000)
    public static let town = ScaleSize(districts: 2, streetsPerDistrict: 4, socialOrganisations: 49, tenders: 500,
                                       stationsPerStreet: 3, serviceRequests: 20_000)

    public static func named(_ name: String) -> ScaleSize? { ["province": province, "town": town][name] }
}

/// A generated province loaded with COPY, beside the demo: jurisdictions, buyers and social organisations,
/// purchase lines with their budget lines, tenders in every state with their lots, opened bids and receipts,
/// awards, contracts with rate cards and commitments, milestones with reports, sign-offs, paid claims and
/// disbursements; the service network (issue 23: each district's service items, a centre per district and per street and
/// stations under each street, with a member of staff on duty at each, and service requests over a year in every state
/// with their ratings, see `ProvinceNetwork.swift`); and the audit trail of all of it as valid hash chains. Every row is a function of its
/// index (seeded randomness, ids derived from index and time), so each table is streamed in one pass
/// without holding the province in memory.
///
/// What it leaves out: evaluation panels and scores, complaints, questions, incubation records, users other than the
/// sites' staff, re-checks and item risks, site standards and inspections, and sealed bids of tenders still open for bids (their tenders have no bids yet): sealing needs the
/// bid service, and the bid burst benchmark measures it.
public enum ProvinceScale {
    /// `applicants` seals the cases' applicants (the server's key, or they cannot be read on the case pages); the sites'
    /// staff sign in with the password `passwordHash` was made from (`IdentityService.passwordHash`).
    public static func load(into database: Database, size: ScaleSize, applicants: ApplicantSealer, passwordHash: String, now: Date = Date(),
                            log: (String) -> Void) async throws {
        let loaded = try await database.read { connection in
            try await connection.query("SELECT count(*) FROM identity.jurisdictions WHERE code = '379901'", logger: database.logger)
                .collect()[0].decode(Int.self)
        }
        guard loaded == 0 else { throw DomainError.conflict("the generated province is loaded already") }
        let codes = try await database.read { connection in
            var codes: [(String, String)] = []
            for try await row in try await connection.query("""
                SELECT c.code, c.name_zh FROM catalogue.purchase_categories c
                WHERE c.code IN (SELECT catalogue_code FROM tendering.purchase_lines) ORDER BY c.code
                """, logger: database.logger).decode((String, String).self) {
                codes.append(row)
            }
            return codes
        }
        guard !codes.isEmpty else { throw DomainError.conflict("load the demo first: the province takes its catalogue codes from it") }
        let materials = try await database.read { connection in
            var materials: [String: UUID] = [:]
            for try await (code, id) in try await connection.query("SELECT code, id FROM catalogue.materials", logger: database.logger).decode((String, UUID).self) {
                materials[code] = id
            }
            return materials
        }
        let plan = ProvincePlan(size: size, now: now, codes: codes, materials: materials, applicants: applicants, passwordHash: passwordHash)
        let started = Date()
        try await database.transaction { connection in
            func copy<Rows: Sequence<[String?]>>(_ table: String, _ columns: String, _ rows: Rows) async throws {
                let began = Date()
                let count: Int
                do {
                    count = try await connection.copy(rows, into: table, columns: columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                                      logger: database.logger)
                } catch let error as PSQLError {
                    // A generator bug: say which table and what PostgreSQL refused.
                    throw DomainError.conflict("\(table): \(error.serverInfo?[.message] ?? "\(error.code)") \(error.serverInfo?[.detail] ?? "")")
                }
                log("\(table): \(count) rows in \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
            }
            let tenders = (0..<size.tenders).lazy.map(plan.tender)
            try await copy("identity.jurisdictions", "id, parent_id, tier, code, name_zh, name_en, path, created_at", plan.jurisdictionRows)
            try await copy("identity.organisations", "id, reference, kind, name_zh, name_en, credit_code, jurisdiction_id, created_at, updated_at",
                           plan.organisationRows)
            try await copy("tendering.supplier_offers", "id, organisation_id, item_code, areas, capacity, capacity_unit, price_min, price_max, "
                           + "description, created_at, updated_at", plan.offerRows)
            try await copy("identity.ratings", "organisation_id, level, awarded_on, expires_on, recorded_at, points, assessed_by, document", plan.ratingRows)
            try await copy("tendering.purchase_lines", "id, buyer_id, year, reference, catalogue_code, title, target_group, quantity, unit, budget_fen, "
                           + "funding_source, tier, created_at, updated_at", tenders.map(plan.lineRow))
            try await copy("payments.budget_lines", "line_id, buyer_id, budget_fen, committed_fen, paid_fen", tenders.map(plan.budgetLineRow))
            try await copy("tendering.tenders", "id, reference, buyer_id, status, terms, published_at, enquiry_end, tender_end, evaluation_end, opened_at, "
                           + "awarded_at, standstill_end, cancellation_reason, cancelled_at, next_event_at, created_at, updated_at", tenders.map(plan.tenderRow))
            try await copy("tendering.lots", "id, tender_id, number, purchase_line_id, title, budget_fen, status", tenders.map(plan.lotRow))
            try await copy("tendering.bids", "id, tender_id, lot_id, bidder_id, status, version, terms_version, commitment, submitted_at, opened_price_fen, "
                           + "opened_payload", tenders.flatMap(plan.bidRows))
            try await copy("tendering.bid_receipts", "commitment, bid_id, version, action, submitted_at", tenders.flatMap(plan.receiptRows))
            try await copy("tendering.awards", "id, tender_id, lot_id, bid_id, supplier_id, value_fen, recommended_bid_id, reason, decided_by, decided_at, "
                           + "contract_ready_at", tenders.compactMap(plan.awardRow))
            let contracts = tenders.compactMap { tender in tender.contract.map { (tender, $0) } }
            try await copy("delivery.contracts", "id, reference, award_id, tender_id, lot_id, buyer_id, supplier_id, purchase_line_id, title, value_fen, "
                           + "starts_on, ends_on, term_justification, terms, status, buyer_signed_by, buyer_signed_at, supplier_signed_by, supplier_signed_at, signed_at, "
                           + "published_at, commitment_id, closed_at, closing_reason, created_by, created_at, survey_token", contracts.map(plan.contractRow))
            try await copy("payments.rate_cards", "contract_id, maximum_fen, delivery_fee_bp, partial_rule, prices, set_by, set_at", contracts.map(plan.rateCardRow))
            try await copy("payments.commitments", "id, line_id, purpose, source_id, amount_fen, paid_fen, committed_at", contracts.compactMap(plan.commitmentRow))
            try await copy("delivery.milestones", "id, contract_id, number, title, due_on, deliverables, share_bp, metrics, status", contracts.flatMap(plan.milestoneRows))
            try await copy("delivery.reports", "id, milestone_id, contract_id, version, results, beneficiaries, narrative, submitted_by, submitted_at",
                           contracts.flatMap(plan.reportRows))
            try await copy("delivery.signoffs", "id, milestone_id, report_id, contract_id, decision, verified, verified_beneficiaries, reasons, evaluator_id, "
                           + "evaluator_name, signed_at, countersign_required", contracts.flatMap(plan.signoffRows))
            try await copy("payments.disbursements", "id, commitment_id, line_id, amount_fen, treasury_reference, paid_on, recorded_by, recorded_at",
                           contracts.flatMap(plan.disbursementRows))
            try await copy("payments.claims", "id, contract_id, number, amount_fen, earned_fen, explanation, status, claimed_by, claimed_at, decided_by, "
                           + "decided_at, disbursement_id, treasury_reference, paid_on", contracts.flatMap(plan.claimRows))
            try await copy("audit.events", "entity_type, entity_id, seq, occurred_at, actor_id, action, prev_hash, hash",
                           tenders.flatMap(plan.chains).flatMap(\.events))
            try await copy("audit.chain_heads", "entity_type, entity_id, seq, hash", tenders.flatMap(plan.chains).map(\.head))
            // The service network (issue 23).
            try await copy("catalogue.items", "id, code, department_id, published_version, jurisdiction_id, created_at", plan.itemRows)
            try await copy("catalogue.item_versions", "item_id, version, name_zh, name_en, legal_basis, conditions, procedure, result, time_limit_days, "
                           + "on_the_spot, channel, fees, accept_tier, approve_tier, handle_tier, accept_days, approve_days, material_ids, published_at, "
                           + "published_by", plan.itemVersionRows)
            try await copy("identity.users", "id, username, display_name, email, password_hash, organisation_id, roles, disabled_at, created_at, updated_at",
                           plan.staffRows)
            try await copy("grassroots.sites", "id, code, name_zh, name_en, tier, jurisdiction_code, jurisdiction_id, jurisdiction_path, operator_kind, "
                           + "operator_name, contract_id, address, floor_area, hall_area, equipment, windows, staff, opening_hours, item_ids, updated_at",
                           plan.siteRows)
            try await copy("grassroots.site_duties", "site_id, user_id, duty", plan.dutyRows)
            let requests = (0..<size.serviceRequests).lazy.map(plan.request)
            try await copy("grassroots.service_requests", "id, tracking_code, item_id, item_code, accepting_site_id, approving_site_id, handling_site_id, "
                           + "jurisdiction_path, owner_id, applicant_sealed, applicant_masked, id_number_masked, phone_masked, state, outcome, presented, "
                           + "missing, reason, result, site_id, registered_at, accepted_at, due_at, head_alert_at, above_alert_at, final_due_at, decided_at, "
                           + "closed_at, on_time, updated_at, rating", requests.map(plan.requestRow))
            try await copy("grassroots.request_ratings", "request_id, rating, comment, rated_at", requests.compactMap(plan.ratingRow))
            let network = plan.networkChains
            try await copy("audit.events", "entity_type, entity_id, seq, occurred_at, actor_id, action, prev_hash, hash", network.flatMap(\.events))
            try await copy("audit.chain_heads", "entity_type, entity_id, seq, hash", network.map(\.head))
            try await copy("audit.events", "entity_type, entity_id, seq, occurred_at, actor_id, action, prev_hash, hash",
                           requests.map(plan.chain).flatMap(\.events))
            try await copy("audit.chain_heads", "entity_type, entity_id, seq, hash", requests.map(plan.chain).map(\.head))
        }
        log("loaded in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; analysing")
        try await database.read { try await $0.query("ANALYZE", logger: database.logger) }
    }
}

/// The generated province, row by row.
struct ProvincePlan: Sendable {
    let size: ScaleSize
    let now: Date
    let codes: [(String, String)]
    /// The demo's materials by code (the generated items ask for them).
    var materials: [String: UUID] = [:]
    var applicants: ApplicantSealer = .random()
    var passwordHash = ""
    static let day: TimeInterval = 86_400
    static let statuses: [(String, Int)] = [("draft", 2), ("enquiries", 3), ("tendering", 3), ("evaluation", 3), ("awarded", 4),
                                            ("complete", 80), ("cancelled", 3), ("unsuccessful", 2)]

    /// An id that is the same every time for (kind, index) and orders by time like the app's UUIDv7s.
    static func id(_ kind: UInt8, _ index: Int, at date: Date) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var b = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        b[6] = 0x70
        b[7] = kind
        let n = UInt64(index)
        b[8] = 0x80
        for i in 9..<16 { b[i] = UInt8(truncatingIfNeeded: n >> (8 * (15 - UInt64(i)))) }
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    var epoch: Date { Date(timeIntervalSince1970: 1_704_067_200) }  // 2024-01-01, before anything generated

    // MARK: Jurisdictions and organisations

    func districtID(_ d: Int) -> UUID { Self.id(1, d, at: epoch) }
    func streetID(_ d: Int, _ s: Int) -> UUID { Self.id(1, 1_000 + d * 100 + s, at: epoch) }
    /// Buyers: each district's finance office, then each street office (a department).
    var buyerCount: Int { size.districts * (1 + size.streetsPerDistrict) }
    func buyerID(_ b: Int) -> UUID { Self.id(2, b, at: epoch) }
    func ngoID(_ n: Int) -> UUID { Self.id(3, n, at: epoch) }
    func buyerJurisdiction(_ b: Int) -> UUID {
        b < size.districts ? districtID(b) : streetID((b - size.districts) / size.streetsPerDistrict, (b - size.districts) % size.streetsPerDistrict)
    }

    var jurisdictionRows: [[String?]] {
        (0..<size.districts).flatMap { d -> [[String?]] in
            let district = districtID(d)
            let code = "3799\(Self.pad(d + 1, 2))"
            return [[district.lowercased, nil, "district", code, "泉城市第\(d + 1)区", "Quancheng District \(d + 1)", "{\(district.lowercased)}", CopyText.time(epoch)]]
                + (0..<size.streetsPerDistrict).map { s in
                    let street = streetID(d, s)
                    return [street.lowercased, district.lowercased, "street", code + Self.pad(s + 1, 3), "泉城市第\(d + 1)区第\(s + 1)街道",
                            "Street \(s + 1), Quancheng District \(d + 1)", "{\(district.lowercased),\(street.lowercased)}", CopyText.time(epoch)]
                }
        }
    }

    var organisationRows: LazyMapSequence<Range<Int>, [String?]> {
        (0..<(buyerCount + size.socialOrganisations)).lazy.map { o -> [String?] in
            let reference = "SC-\(Self.pad(o + 1, 5))"
            if o < buyerCount {
                let finance = o < size.districts
                return [buyerID(o).lowercased, reference, finance ? "finance_office" : "department",
                        finance ? "泉城市第\(o + 1)区财政局" : "泉城市第\((o - size.districts) / size.streetsPerDistrict + 1)区第\((o - size.districts) % size.streetsPerDistrict + 1)街道办事处",
                        finance ? "Finance Bureau, Quancheng District \(o + 1)" : "Street Office \(o + 1)",
                        try! CreditCode.completing("11379901MB\(Self.pad(o, 7))").value, buyerJurisdiction(o).lowercased, CopyText.time(epoch), CopyText.time(epoch)]
            }
            let n = o - buyerCount
            let fields = ["社会工作服务中心", "养老服务中心", "青少年发展中心", "残障人士服务社", "社区发展协会", "志愿服务协会"]
            return [ngoID(n).lowercased, reference, "social_organisation", "泉城市\(["阳光", "暖心", "同行", "和美", "康宁", "善行", "晨曦", "益邻"][n % 8])\(fields[n % fields.count])（\(n + 1)）",
                    "Quancheng Social Organisation \(n + 1)", try! CreditCode.completing("51379901MJ\(Self.pad(n, 7))").value,
                    buyerJurisdiction(n % buyerCount).lowercased, CopyText.time(epoch), CopyText.time(epoch)]
        }
    }

    // MARK: The supply side (issue 24)

    /// One to three offers per organisation, of the catalogue codes the purchase lines use, serving its own jurisdiction
    /// and, for one in three, its whole district: what the directory searches.
    var offerRows: some Sequence<[String?]> {
        (0..<size.socialOrganisations).lazy.flatMap { n -> [[String?]] in
            let home = buyerJurisdiction(n % buyerCount)
            let district = districtID((n % buyerCount) < size.districts ? n % buyerCount : ((n % buyerCount) - size.districts) / size.streetsPerDistrict)
            let areas = n % 3 == 0 && home != district ? "{\(home.lowercased),\(district.lowercased)}" : "{\(home.lowercased)}"
            return (0..<(1 + n % 3)).map { k in
                let code = codes[(n * 7 + k * 13) % codes.count].0
                let price = 20_000 + (n * 37 + k * 11) % 200 * 1_000
                return [Self.id(9, n * 4 + k, at: epoch).lowercased, ngoID(n).lowercased, code, areas, String(50 + (n * 31 + k) % 2_000),
                        k % 2 == 0 ? "people" : "hours", String(price), String(price + 50_000), "服务\(codes[(n * 7 + k * 13) % codes.count].1)",
                        CopyText.time(epoch), CopyText.time(epoch)]
            }
        }
    }

    /// Two organisations in five rated (1A–5A from their points), one in ten of those with a rating already expired.
    var ratingRows: some Sequence<[String?]> {
        (0..<size.socialOrganisations).lazy.filter { $0 % 5 < 2 }.map { n -> [String?] in
            let points = 500 + (n * 53) % 500
            let level = points >= 951 ? 5 : points >= 901 ? 4 : points >= 851 ? 3 : points >= 701 ? 2 : 1
            let awarded = now.addingTimeInterval(-Double(30 + (n * 17) % (n % 10 == 0 ? 400 : 1_400)) * Self.day - (n % 10 == 0 ? 5 * 365 * Self.day : 0))
            let expires = awarded.addingTimeInterval(5 * 365 * Self.day)
            return [ngoID(n).lowercased, String(level), CopyText.day(awarded), CopyText.day(expires), CopyText.time(awarded), String(points),
                    "泉城市社会组织评估中心", "泉民评字〔\(CopyText.year(awarded))〕\(n + 1)号"]
        }
    }

    // MARK: Tenders

    func tender(_ i: Int) -> GeneratedTender {
        var random = SeededRandom(seed: UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
        var band = Int((UInt64(i) &* 2_654_435_761) % 100)
        let status = Self.statuses.first { band -= $0.1; return band < 0 }!.0
        let day = Self.day
        let published: Date = switch status {
        case "enquiries": now - day
        case "tendering": now - 5 * day
        case "evaluation": now - 10 * day
        case "awarded": now - 14 * day
        case "draft": now - Double(random.next() % 20) * day
        default: now - Double(40 + random.next() % 660) * day
        }
        let code = codes[Int(random.next() % UInt64(codes.count))]
        let budget = Int64(50_000 + random.next() % 750_000) * 100
        var tender = GeneratedTender(index: i, status: status, buyer: buyerID(i % buyerCount), created: published - 3 * day, published: published,
                                     code: code.0, title: "\(code.1)（第\(i + 1)号）", budgetFen: budget)
        if GeneratedTender.openedStatuses.contains(status) {
            let count = status == "unsuccessful" ? 1 : 5 + Int(random.next() % 10)
            let step = size.socialOrganisations > 2_000 ? 131 : 1
            let first = Int(random.next() % UInt64(size.socialOrganisations))
            tender.bids = (0..<count).map { k in
                let price = budget * Int64(80 + random.next() % 20) / 100
                return GeneratedBid(id: Self.id(5, i * 16 + k, at: tender.tenderEnd - 3_600), bidder: ngoID((first + k * step) % size.socialOrganisations),
                                    priceFen: price, submittedAt: tender.tenderEnd - Double(1 + random.next() % 90_000))
            }
        }
        if status == "complete" {
            let winner = tender.winner!
            let signed = [0: "draft", 13: "completed", 14: "completed", 15: "completed", 16: "completed", 17: "completed", 18: "completed", 19: "completed"][i % 20] ?? "signed"
            let starts = tender.standstillEnd + 10 * day
            let elapsed = max(0, now.timeIntervalSince(starts) / (73 * day))
            let met = signed == "completed" ? 5 : signed == "draft" ? 0 : min(4, Int(elapsed))
            tender.contract = GeneratedContract(status: signed, winner: winner, starts: starts, metMilestones: met, partial: i % 7 == 0)
        }
        return tender
    }

    func lineRow(_ t: GeneratedTender) -> [String?] {
        let year = CopyText.year(t.created)
        return [t.lineID.lowercased, t.buyer.lowercased, String(year), "SC\(year)-\(t.index + 1)", t.code, t.title, "辖区居民",
                String(50 + t.index % 1_950), "人", String(t.budgetFen), ["general_budget", "lottery", "transfer"][t.index % 3],
                t.buyer == buyerID(t.index % size.districts) ? "district" : "street", CopyText.time(t.created - 30 * Self.day), CopyText.time(t.created - 30 * Self.day)]
    }

    func budgetLineRow(_ t: GeneratedTender) -> [String?] {
        let committed = t.contract?.committed == true ? t.contract!.valueFen : 0
        return [t.lineID.lowercased, t.buyer.lowercased, String(t.budgetFen), String(committed), String(t.contract?.paidFen ?? 0)]
    }

    func tenderRow(_ t: GeneratedTender) -> [String?] {
        let terms = #"{"lots": [], "title": "\#(t.title)", "criteria": [{"name": "服务方案与专业性", "weight": 40}, {"name": "团队与同类项目经验", "weight": 20}, {"name": "绩效目标与评估方法", "weight": 10}], "procedure": "open", "description": "为辖区居民提供\#(t.title)。", "eligibility": {"minimumRating": 3, "reservedForStages": []}, "enquiryDays": 3, "minimumBids": 2, "priceWeight": 30, "justification": "", "tenderingDays": 5, "evaluationDays": 5, "standstillDays": 5, "invitedSuppliers": [], "bidsMayExceedBudget": false}"#
        let s = t.status
        let isPublished = s != "draft"
        let opened = t.isOpened
        let awarded = ["awarded", "complete"].contains(s)
        let next: Date? = switch s {
        case "enquiries": t.enquiryEnd
        case "tendering": t.tenderEnd
        case "awarded": t.standstillEnd
        default: nil
        }
        let t0 = CopyText.time
        return [t.id.lowercased, "ZB-\(CopyText.year(t.published))-S\(Self.pad(t.index + 1, 6))", t.buyer.lowercased, s, terms,
                isPublished ? t0(t.published) : nil, isPublished ? t0(t.enquiryEnd) : nil, isPublished ? t0(t.tenderEnd) : nil,
                isPublished ? t0(t.tenderEnd + 5 * Self.day) : nil, opened ? t0(t.tenderEnd) : nil, awarded ? t0(t.awardedAt) : nil,
                awarded ? t0(t.standstillEnd) : nil, s == "cancelled" ? "no_longer_needed" : nil, s == "cancelled" ? t0(t.published + 2 * Self.day) : nil,
                next.map(t0), t0(t.created), t0(awarded ? t.awardedAt : t.published)]
    }

    func lotRow(_ t: GeneratedTender) -> [String?] {
        let status = ["complete": "awarded", "awarded": "awarded", "unsuccessful": "unsuccessful", "cancelled": "cancelled"][t.status] ?? "active"
        return [t.lotID.lowercased, t.id.lowercased, "1", t.lineID.lowercased, t.title, String(t.budgetFen), status]
    }

    func bidRows(_ t: GeneratedTender) -> [[String?]] {
        t.bids.map { b in
            let payload = #"{"salt": "\#(b.salt)", "priceFen": \#(b.priceFen), "proposal": "服务方案、团队配置、绩效目标和质量控制措施详见附件。"}"#
            return [b.id.lowercased, t.id.lowercased, t.lotID.lowercased, b.bidder.lowercased, "submitted", "1", "1", b.commitment,
                    CopyText.time(b.submittedAt), String(b.priceFen), payload]
        }
    }

    func receiptRows(_ t: GeneratedTender) -> [[String?]] {
        t.bids.map { [$0.commitment, $0.id.lowercased, "1", "submitted", CopyText.time($0.submittedAt)] }
    }

    func awardRow(_ t: GeneratedTender) -> [String?]? {
        guard ["awarded", "complete"].contains(t.status), let winner = t.winner else { return nil }
        return [t.awardID.lowercased, t.id.lowercased, t.lotID.lowercased, winner.id.lowercased, winner.bidder.lowercased, String(winner.priceFen),
                winner.id.lowercased, "综合得分最高", t.buyer.lowercased, CopyText.time(t.awardedAt), t.status == "complete" ? CopyText.time(t.standstillEnd) : nil]
    }

    // MARK: Contracts

    func contractRow(_ pair: (GeneratedTender, GeneratedContract)) -> [String?] {
        let (t, c) = pair
        let signed = c.status != "draft"
        let t0 = CopyText.time
        return [t.contractID.lowercased, "HT-\(CopyText.year(c.starts))-S\(Self.pad(t.index + 1, 6))", t.awardID.lowercased, t.id.lowercased,
                t.lotID.lowercased, t.buyer.lowercased, c.winner.bidder.lowercased, t.lineID.lowercased, t.title, String(c.valueFen),
                CopyText.day(c.starts), CopyText.day(c.starts + 364 * Self.day), nil, "乙方不得将服务转包或分包。按里程碑验收结果付款。", c.status,
                signed ? t.buyer.lowercased : nil, signed ? t0(c.signedAt) : nil, signed ? c.winner.bidder.lowercased : nil, signed ? t0(c.signedAt) : nil,
                signed ? t0(c.signedAt) : nil, signed ? t0(c.signedAt + Self.day) : nil, c.committed ? t.commitmentID.lowercased : nil,
                c.status == "completed" ? t0(c.starts + 365 * Self.day) : nil, nil, t.buyer.lowercased, t0(t.standstillEnd + Self.day),
                Self.hex(t.contractID, "survey")]
    }

    func rateCardRow(_ pair: (GeneratedTender, GeneratedContract)) -> [String?] {
        let (t, c) = pair
        let price = max(1, c.valueFen * 7 / 10 / Int64(50 + t.index % 1_950))
        return [t.contractID.lowercased, String(c.valueFen), "3000", "proportional", #"[{"price": {"currency": "CNY", "minorUnits": \#(price)}, "metric": "served"}]"#,
                t.buyer.lowercased, CopyText.time(t.standstillEnd + Self.day)]
    }

    func commitmentRow(_ pair: (GeneratedTender, GeneratedContract)) -> [String?]? {
        let (t, c) = pair
        guard c.committed else { return nil }
        return [t.commitmentID.lowercased, t.lineID.lowercased, "contract", t.contractID.lowercased, String(c.valueFen), String(c.paidFen), CopyText.time(c.signedAt)]
    }

    func milestoneRows(_ pair: (GeneratedTender, GeneratedContract)) -> [[String?]] {
        let (t, c) = pair
        let target = (50 + t.index % 1_950) / 5
        return (0..<5).map { k in
            let status = k < c.metMilestones ? (c.partial && k == 0 ? "partially_met" : "met") : "pending"
            let metrics = #"[{"code": "served", "unit": "人", "target": \#(target), "dataSource": "服务台账与服务对象签字", "definition": "服务辖区居民", "validationMethod": "评估机构抽样入户回访"}]"#
            return [t.milestoneID(k).lowercased, t.contractID.lowercased, String(k + 1), "第\(k + 1)阶段服务", CopyText.day(c.due(k)),
                    "阶段服务台账与服务总结", "2000", metrics, status]
        }
    }

    func reportRows(_ pair: (GeneratedTender, GeneratedContract)) -> [[String?]] {
        let (t, c) = pair
        return (0..<c.metMilestones).map { k in
            let served = c.served(t, k)
            return [t.reportID(k).lowercased, t.milestoneID(k).lowercased, t.contractID.lowercased, "1", #"{"served": \#(served)}"#, String(served),
                    "本阶段服务按计划完成。", c.winner.bidder.lowercased, CopyText.time(c.due(k) - 2 * Self.day)]
        }
    }

    func signoffRows(_ pair: (GeneratedTender, GeneratedContract)) -> [[String?]] {
        let (t, c) = pair
        return (0..<c.metMilestones).map { k in
            let served = c.served(t, k)
            return [t.signoffID(k).lowercased, t.milestoneID(k).lowercased, t.reportID(k).lowercased, t.contractID.lowercased,
                    c.partial && k == 0 ? "partially_met" : "met", #"{"served": \#(served)}"#, String(served), "", Self.id(9, t.index % 200, at: epoch).lowercased,
                    "评估专家\(t.index % 200 + 1)", CopyText.time(c.due(k)), "false"]
        }
    }

    func disbursementRows(_ pair: (GeneratedTender, GeneratedContract)) -> [[String?]] {
        let (t, c) = pair
        return (0..<c.metMilestones).map { k in
            [t.disbursementID(k).lowercased, t.commitmentID.lowercased, t.lineID.lowercased, String(c.claimFen(k)), "GK-S\(t.index + 1)-\(k + 1)",
             CopyText.day(c.due(k) + 10 * Self.day), t.buyer.lowercased, CopyText.time(c.due(k) + 10 * Self.day)]
        }
    }

    func claimRows(_ pair: (GeneratedTender, GeneratedContract)) -> [[String?]] {
        let (t, c) = pair
        return (0..<c.metMilestones).map { k in
            let amount = c.claimFen(k)
            let earned = (0...k).reduce(Int64(0)) { $0 + c.claimFen($1) }
            let explanation = #"[{"key": "earned", "amount": {"currency": "CNY", "minorUnits": \#(earned)}, "values": ["¥\#(c.valueFen / 100)"], "english": "Earned to date"}, {"key": "payable", "amount": {"currency": "CNY", "minorUnits": \#(amount)}, "values": [], "english": "Payable now"}]"#
            return [t.claimID(k).lowercased, t.contractID.lowercased, String(k + 1), String(amount), String(earned), explanation, "paid",
                    c.winner.bidder.lowercased, CopyText.time(c.due(k) + Self.day), t.buyer.lowercased, CopyText.time(c.due(k) + 3 * Self.day),
                    t.disbursementID(k).lowercased, "GK-S\(t.index + 1)-\(k + 1)", CopyText.day(c.due(k) + 10 * Self.day)]
        }
    }

    // MARK: Audit

    /// The audit chains of a purchase line, its tender, the bids and the contract: rows of events and each chain's head.
    func chains(_ t: GeneratedTender) -> [GeneratedChain] {
        var chains: [GeneratedChain] = []
        let system = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        chains.append(GeneratedChain(AuditEntity("purchase_line", t.lineID), [("purchase_line.created", t.created - 30 * Self.day, t.buyer)]))
        var tenderEvents: [(String, Date, UUID)] = [("tender.draft_created", t.created, t.buyer)]
        if t.status != "draft" { tenderEvents.append(("tender.published", t.published, t.buyer)) }
        if t.isOpened {
            tenderEvents.append((t.status == "unsuccessful" ? "tender.unsuccessful" : "tender.bids_opened", t.tenderEnd, system))
        }
        if ["awarded", "complete"].contains(t.status) { tenderEvents.append(("tender.awarded", t.awardedAt, t.buyer)) }
        if t.status == "complete" { tenderEvents.append(("tender.completed", t.standstillEnd, system)) }
        if t.status == "cancelled" { tenderEvents.append(("tender.cancelled", t.published + 2 * Self.day, t.buyer)) }
        chains.append(GeneratedChain(AuditEntity("tender", t.id), tenderEvents))
        for bid in t.bids { chains.append(GeneratedChain(AuditEntity("bid", bid.id), [("bid.submitted", bid.submittedAt, bid.bidder)])) }
        if let c = t.contract {
            var events: [(String, Date, UUID)] = [("contract.drafted", t.standstillEnd + Self.day, t.buyer)]
            if c.status != "draft" {
                events += [("contract.signed", c.signedAt, c.winner.bidder), ("contract.signed", c.signedAt, t.buyer), ("contract.published", c.signedAt + Self.day, t.buyer)]
            }
            for k in 0..<c.metMilestones {
                events += [("milestone.reported", c.due(k) - 2 * Self.day, c.winner.bidder), ("milestone.signed_off", c.due(k), system),
                           ("claim.paid", c.due(k) + 10 * Self.day, t.buyer)]
            }
            if c.status == "completed" { events.append(("contract.completed", c.starts + 365 * Self.day, t.buyer)) }
            chains.append(GeneratedChain(AuditEntity("contract", t.contractID), events))
        }
        return chains
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func hex(_ id: UUID, _ salt: String) -> String {
        String(Data(SHA256.hash(data: Data((id.lowercased + salt).utf8))).hexString.prefix(32))
    }
}

struct GeneratedBid: Sendable {
    var id: UUID
    var bidder: UUID
    var priceFen: Int64
    var submittedAt: Date
    var salt: String { Data(SHA256.hash(data: Data(id.lowercased.utf8)).prefix(16)).base64EncodedString() }
    var commitment: String { Data(SHA256.hash(data: Data("\(salt)|\(priceFen)".utf8))).hexString }
}

struct GeneratedContract: Sendable {
    var status: String
    var winner: GeneratedBid
    var starts: Date
    var metMilestones: Int
    var partial: Bool
    var valueFen: Int64 { winner.priceFen }
    var committed: Bool { status != "draft" }
    var signedAt: Date { starts - 5 * ProvincePlan.day }
    func due(_ k: Int) -> Date { starts + Double(73 * (k + 1)) * ProvincePlan.day }
    /// A fifth of the value per milestone met; 87.5 % of it for a partially met one.
    func claimFen(_ k: Int) -> Int64 { partial && k == 0 ? valueFen / 5 * 7 / 8 : valueFen / 5 }
    var paidFen: Int64 { (0..<metMilestones).reduce(0) { $0 + claimFen($1) } }
    func served(_ t: GeneratedTender, _ k: Int) -> Int { (50 + t.index % 1_950) / 5 * (partial && k == 0 ? 7 : 8) / 8 }
}

struct GeneratedTender: Sendable {
    var index: Int
    var status: String
    var buyer: UUID
    var created: Date
    var published: Date
    var code: String
    var title: String
    var budgetFen: Int64
    var bids: [GeneratedBid] = []
    var contract: GeneratedContract?

    static let openedStatuses: Set = ["evaluation", "awarded", "complete", "unsuccessful"]
    var isOpened: Bool { Self.openedStatuses.contains(status) }
    /// The lowest price wins (the generated tenders score on price).
    var winner: GeneratedBid? { bids.min { $0.priceFen < $1.priceFen } }
    var enquiryEnd: Date { published + 3 * ProvincePlan.day }
    var tenderEnd: Date { published + 8 * ProvincePlan.day }
    var awardedAt: Date { tenderEnd + 4 * ProvincePlan.day }
    var standstillEnd: Date { awardedAt + 7 * ProvincePlan.day }
    var id: UUID { ProvincePlan.id(10, index, at: created) }
    var lineID: UUID { ProvincePlan.id(11, index, at: created - 30 * ProvincePlan.day) }
    var lotID: UUID { ProvincePlan.id(12, index, at: created) }
    var awardID: UUID { ProvincePlan.id(13, index, at: awardedAt) }
    var contractID: UUID { ProvincePlan.id(14, index, at: standstillEnd + ProvincePlan.day) }
    var commitmentID: UUID { ProvincePlan.id(15, index, at: standstillEnd) }
    func milestoneID(_ k: Int) -> UUID { ProvincePlan.id(16, index * 8 + k, at: standstillEnd) }
    func reportID(_ k: Int) -> UUID { ProvincePlan.id(17, index * 8 + k, at: standstillEnd) }
    func signoffID(_ k: Int) -> UUID { ProvincePlan.id(18, index * 8 + k, at: standstillEnd) }
    func claimID(_ k: Int) -> UUID { ProvincePlan.id(19, index * 8 + k, at: standstillEnd) }
    func disbursementID(_ k: Int) -> UUID { ProvincePlan.id(20, index * 8 + k, at: standstillEnd) }
}

/// One entity's audit chain: its event rows with their hashes, and the head row.
struct GeneratedChain: Sendable {
    var events: [[String?]] = []
    var head: [String?]

    init(_ entity: AuditEntity, _ steps: [(action: String, at: Date, actor: UUID)]) {
        var previous = AuditLog.genesisHash
        for (index, step) in steps.enumerated() {
            let at = Date(timeIntervalSince1970: (step.at.timeIntervalSince1970 * 1000).rounded() / 1000)
            let hash = AuditLog.hash(after: previous, entity: entity, seq: index + 1, at: at, actor: step.actor, action: step.action)
            events.append([entity.type, entity.id.lowercased, String(index + 1), CopyText.time(at), step.actor.lowercased, step.action, previous, hash])
            previous = hash
        }
        head = [entity.type, entity.id.lowercased, String(steps.count), previous]
    }
}

/// Dates in the text COPY reads, computed without a formatter (millions of them).
enum CopyText {
    /// A UTC timestamp with milliseconds, e.g. 2026-11-26 01:02:03.456+00.
    static func time(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = Int(floor(Double(millis) / 86_400_000))
        let rest = millis - Int64(days) * 86_400_000
        let (y, m, d) = civil(days)
        let seconds = rest / 1000
        return "\(y)-\(ProvincePlan.pad(m, 2))-\(ProvincePlan.pad(d, 2)) \(ProvincePlan.pad(Int(seconds / 3600), 2)):\(ProvincePlan.pad(Int(seconds / 60 % 60), 2)):"
            + "\(ProvincePlan.pad(Int(seconds % 60), 2)).\(ProvincePlan.pad(Int(rest % 1000), 3))+00"
    }

    /// The day in Beijing (UTC+8), e.g. 2026-11-26.
    static func day(_ date: Date) -> String {
        let (y, m, d) = civil(Int(floor((date.timeIntervalSince1970 + 8 * 3600) / 86_400)))
        return "\(y)-\(ProvincePlan.pad(m, 2))-\(ProvincePlan.pad(d, 2))"
    }

    static func year(_ date: Date) -> Int { civil(Int(floor((date.timeIntervalSince1970 + 8 * 3600) / 86_400))).0 }

    /// Year, month, day of a count of days since 1970-01-01 (the proleptic Gregorian calendar).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
