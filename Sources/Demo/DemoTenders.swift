import Core
import Foundation
import Identity
import Store
import Tendering

/// Lixia's 2026 purchase (23 projects in four brand lines, 6 million yuan) as tenders in every state
/// of the lifecycle, with panels, scores, awards and a complaint. Each is made through the ordinary services on a clock set back in
/// time, so its periods have really elapsed by now and the worker has really opened its bids.
enum DemoTenders {
    struct Plan {
        var references: [String]
        var title: String
        var description: String
        /// Where the tender should stand now.
        var phase: TenderStatus
        /// username → price per lot in yuan (by lot order).
        var bids: [(String, [Int64])] = []
        var questions: [(String, String)] = []
    }

    /// How well each organisation's proposals score, as a share of each criterion's weight.
    static let quality: [String: Double] = ["eldercare": 0.9, "ngo": 0.86, "harmony": 0.8, "warmsun": 0.88, "youth": 0.75, "fungo": 0.92]

    static let plans: [Plan] = [
        Plan(references: ["LX2026-05", "LX2026-06", "LX2026-07"], title: "“情系桑榆”老年人能力评估与社区为老服务",
             description: "全区申请养老服务补贴老年人的能力综合评估，龙洞、智远街道老年社会工作，泉城路街道老年助餐点运营。",
             phase: .awarded,
             bids: [("eldercare", [231_000, 196_000, 118_000]), ("ngo", [226_000, 192_000, 0]), ("harmony", [238_000, 0, 115_000])],
             questions: [("ngo", "能力评估是否需使用省统一评估量表？")]),
        Plan(references: ["LX2026-10", "LX2026-12", "LX2026-13"], title: "“快乐同行”困境儿童与青少年社会工作服务",
             description: "全区困境儿童关爱服务，舜华路街道青少年社会工作小组，趵突泉街道困境儿童个案管理。",
             phase: .complete,
             bids: [("ngo", [252_000, 193_000, 176_000]), ("harmony", [248_000, 0, 171_000]), ("warmsun", [0, 189_000, 178_000])]),
        Plan(references: ["LX2026-17", "LX2026-18"], title: "“暖心港湾”特殊困难家庭与残疾人家庭支持服务",
             description: "姚家街道特殊困难家庭个案帮扶，文东街道重度残疾人家庭支持服务。",
             phase: .complete,
             bids: [("warmsun", [236_000, 214_000]), ("harmony", [229_000, 218_000]), ("eldercare", [0, 211_000])]),
        Plan(references: ["LX2026-01", "LX2026-02", "LX2026-03", "LX2026-04"], title: "“情系桑榆”居家和社区养老服务",
             description: "为解放路、千佛山、燕山、姚家街道失能半失能及高龄独居老人提供居家上门服务，运营甸柳、文东街道社区日间照料中心。",
             phase: .evaluation,
             bids: [("eldercare", [386_000, 292_000, 271_000, 252_000]), ("ngo", [395_000, 288_000, 279_000, 255_000]),
                    ("harmony", [372_000, 296_000, 268_000, 259_000])],
             questions: [("ngo", "日间照料中心的场地由谁提供？"), ("harmony", "服务人数可否按季度调整？")]),
        Plan(references: ["LX2026-08", "LX2026-09", "LX2026-11"], title: "“快乐同行”青少年成长服务",
             description: "建新、东关街道青少年课后托管，全区中小学生心理健康服务，大明湖街道青少年成长辅导。",
             phase: .tendering, bids: [("ngo", [305_000, 0, 229_000]), ("harmony", [0, 287_000, 0])],
             questions: [("youth", "心理健康服务是否要求持证心理咨询师？")]),
        Plan(references: ["LX2026-14", "LX2026-15", "LX2026-16"], title: "“暖心港湾”特殊困难家庭支持服务",
             description: "持证残疾人社区康复、困难家庭帮扶和失独家庭关爱服务。",
             phase: .enquiries, questions: [("warmsun", "失独家庭关爱服务的服务对象名单由谁提供？")]),
        Plan(references: ["LX2026-19", "LX2026-20", "LX2026-21"], title: "“社区建设”社区治理与社会组织培育",
             description: "社区治理能力提升、燕山龙洞街道社区社会组织培育、智远街道志愿服务组织化。", phase: .draft),
        Plan(references: ["LX2026-22"], title: "“社区建设”社区议事协商（解放路街道）", description: "解放路街道社区议事协商服务。",
             phase: .cancelled),
        Plan(references: ["LX2026-23"], title: "“公益银行”社区储蓄所建设", description: "建设10个“公益银行”社区储蓄所。",
             phase: .unsuccessful),
    ]

    /// Loads the demo tenders unless the buyer has tenders already; says what it did.
    static func load(database: Database, identity: IdentityService, buyerID: UUID, sealer: BidSealer, password: String,
                     plans: [Plan] = plans, now: Date = Date()) async throws -> String {
        let existing = try await TenderService(database: database, identity: identity).tenders(TenderQuery(buyerID: buyerID), by: .system)
        guard existing.isEmpty else { return "Demo tenders: \(existing.count) present already, left alone." }
        let calendar = try await TenderService(database: database, identity: identity).calendar()
        // A step whose deadline falls in a year the working calendar does not hold (late in the year, before
        // an administrator loads the next) is refused; the tender stays where it got to, and the seed says so.
        var unplaced: Set<Int> = []
        for plan in plans {
            do {
                // Back far enough that the wanted phase holds now, and no further.
                let clock = ManualClock(start(for: plan.phase, now: now, calendar: calendar))
                let tenders = TenderService(database: database, identity: identity, clock: clock)
                let bids = BidService(database: database, identity: identity, sealer: sealer, clock: clock)
                let lists = PurchaseListService(database: database, identity: identity, catalogue: .init(database: database), clock: clock)
                let all = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyerID, limit: 100))
                let lines = plan.references.compactMap { reference in all.first { $0.content.reference == reference } }
                var terms = TenderTerms(title: plan.title, description: plan.description, eligibility: Eligibility(minimumRating: 3),
                                        lots: lines.map { LotTerms(purchaseLineID: $0.id, title: $0.content.title, budget: $0.content.budget) })
                terms.criteria = [Criterion(name: "服务方案与专业性", weight: 40), Criterion(name: "团队与同类项目经验", weight: 20),
                                  Criterion(name: "绩效目标与评估方法", weight: 10)]
                let buyer = Actor.demo(buyerID, kind: .financeOffice, roles: [.buyer])
                let draft = try await tenders.createDraft(by: buyer, buyerID: buyerID, terms)
                guard plan.phase != .draft else { continue }
                var tender = try await tenders.publish(by: buyer, tenderID: draft.id)
                let evaluations = EvaluationService(database: database, identity: identity, clock: clock)
                if [.evaluation, .awarded, .complete].contains(plan.phase) {
                    // 黄评审 sits on 和合's board: refused at the opening wherever 和合 bids.
                    for username in ["evaluator", "evaluator2", "evaluator3"] {
                        _ = try await evaluations.assign(by: buyer, tenderID: tender.id, userID: try await actor(username, identity, password).userID)
                    }
                }
                clock.advance(by: 3600)
                for (username, text) in plan.questions {
                    let asker = try await actor(username, identity, password)
                    let question = try await tenders.ask(by: asker, tenderID: tender.id, lotID: nil, text: text)
                    if plan.phase != .enquiries {
                        _ = try await tenders.answer(by: buyer, tenderID: question.tenderID, questionID: question.id, text: "请见采购文件第三部分；未尽事宜按合同约定执行。")
                    }
                }
                if plan.phase == .cancelled {
                    tender = try await tenders.cancel(by: buyer, tenderID: tender.id, reason: .budgetWithdrawn, note: "年中预算调整，该项目并入下一年度。")
                    continue
                }
                guard let periods = tender.periods, !plan.bids.isEmpty else { continue }
                clock.advance(by: periods.enquiryEnd.timeIntervalSince(clock.now()) + 3600)
                for (username, prices) in plan.bids {
                    let bidder = try await actor(username, identity, password)
                    for (lot, price) in zip(tender.lots, prices) where price > 0 {
                        _ = try await bids.submit(by: bidder, tenderID: tender.id, lotID: lot.id,
                                                  BidContent(price: .yuan(price), proposal: "\(plan.title)：服务方案、团队配置、绩效目标和质量控制措施详见附件。"))
                        clock.advance(by: 600)
                    }
                }
                guard [.evaluation, .awarded, .complete].contains(plan.phase) else { continue }
                clock.advance(by: periods.tenderEnd.timeIntervalSince(clock.now()) + 3600)
                try await TenderWorker(tenders: tenders, bids: bids).runDue()
                try await evaluate(tender.id, plan: plan, clock: clock, buyer: buyer, database: database, identity: identity, sealer: sealer,
                                   password: password)
            } catch let missing as WorkingCalendar.YearNotHeld {
                unplaced.insert(missing.year)
            }
        }
        // The worker, at the real time: opens what is due, marks unsuccessful what drew too few bids.
        let moves = try await TenderWorker(tenders: TenderService(database: database, identity: identity, clock: ManualClock(now)),
                                           bids: BidService(database: database, identity: identity, sealer: sealer, clock: ManualClock(now))).runDue()
        let missing = unplaced.sorted().map(String.init).joined(separator: ", ")
        return "Demo tenders: \(plans.count) drafted (\(moves) moves by the worker)."
            + (unplaced.isEmpty ? "" : " Some stopped short: the working calendar for \(missing) is not loaded (spokes calendar import FILE).")
    }

    /// The panel's work and what follows: both evaluators score (only the first submits while the
    /// tender stays in evaluation); the buyer awards every lot to its recommended bid; a loser
    /// complains and is answered; a completed tender's standstill runs out.
    private static func evaluate(_ tenderID: UUID, plan: Plan, clock: ManualClock, buyer: Actor, database: Database, identity: IdentityService,
                                 sealer: BidSealer, password: String) async throws {
        let evaluations = EvaluationService(database: database, identity: identity, clock: clock)
        let awards = AwardService(database: database, identity: identity, clock: clock)
        let tenders = TenderService(database: database, identity: identity, clock: clock)
        let tender = try await tenders.tender(id: tenderID, by: buyer)
        let opened = try await BidService(database: database, identity: identity, sealer: sealer, clock: clock).openedBids(tenderID: tenderID, by: buyer)
        var usernames: [UUID: String] = [:]
        for username in quality.keys { usernames[try await actor(username, identity, password).organisationID] = username }
        for (index, username) in ["evaluator", "evaluator2"].enumerated() {
            let evaluator = try await actor(username, identity, password)
            _ = try await evaluations.declare(by: evaluator, tenderID: tenderID, conflicts: [], statement: "")
            if plan.phase == .evaluation && index == 1 { break }
            let entries = opened.flatMap { bid in
                tender.terms.criteria.map { criterion in
                    // Halves of a point; the second evaluator a little stricter.
                    let share = (quality[usernames[bid.bidderID] ?? ""] ?? 0.8) - 0.03 * Double(index)
                    return ScoreEntry(bidID: bid.id, criterion: criterion.name, points: Points(hundredths: Int((Double(criterion.weight) * share * 2).rounded()) * 50))
                }
            }
            _ = try await evaluations.score(by: evaluator, tenderID: tenderID, entries, submit: true)
            clock.advance(by: 1800)
        }
        guard plan.phase != .evaluation else { return }
        clock.advance(by: 16 * 3600)
        for ranking in try await evaluations.evaluation(tenderID: tenderID, by: buyer).rankings ?? [] {
            _ = try await awards.decide(by: buyer, tenderID: tenderID, lotID: ranking.lotID, bidID: ranking.recommendedBidID, reason: "")
        }
        clock.advance(by: 3600)
        if plan.phase == .awarded {
            let ngo = try await actor("ngo", identity, password)
            let complaint = try await awards.file(by: ngo, tenderID: tenderID, lotID: tender.lots.first?.id,
                                                  text: "我方报价最低，但总分排名第二，请说明“服务方案与专业性”的评分依据。")
            clock.advance(by: 3600)
            _ = try await awards.answer(by: buyer, complaintID: complaint.id,
                                        text: "评分依据为采购文件第三章评分细则；两位评审专家对贵方方案的评分均低于第一名，已复核无误。")
        } else if let standstillEnd = try await tenders.tender(id: tenderID, by: buyer).periods?.standstillEnd {
            clock.advance(by: standstillEnd.timeIntervalSince(clock.now()) + 60)
            try await TenderWorker(tenders: tenders, bids: BidService(database: database, identity: identity, sealer: sealer, clock: clock)).runDue()
        }
    }

    /// A publication moment at 09:00 on a past day, such that at `now` the tender is in `phase`.
    static func start(for phase: TenderStatus, now: Date, calendar: WorkingCalendar) -> Date {
        let defaults = Procedure.open.minimums
        var day = now
        for _ in 0..<60 {
            let publishedAt = calendar.moment(hour: 9, on: day)
            day = day.addingTimeInterval(-86_400)
            // A day whose periods the calendar cannot count (a year not loaded) is no candidate.
            guard let enquiryEnd = try? calendar.close(ofWorkingDay: defaults.enquiryDays, after: publishedAt),
                  let tenderEnd = try? calendar.close(ofWorkingDay: defaults.tenderingDays, after: enquiryEnd),
                  // The demo's evaluators score within hours of the opening; the award comes the next morning.
                  case let awardedAt = tenderEnd.addingTimeInterval(20 * 3600),
                  let standstillEnd = try? calendar.close(ofWorkingDay: defaults.standstillDays, after: awardedAt) else { continue }
            let fits = switch phase {
            case .enquiries: publishedAt < now && now < enquiryEnd
            case .tendering: enquiryEnd.addingTimeInterval(4 * 3600) < now && now < tenderEnd
            case .evaluation: tenderEnd.addingTimeInterval(3 * 3600) < now
            case .awarded: awardedAt.addingTimeInterval(4 * 3600) < now && now < standstillEnd
            case .complete: standstillEnd.addingTimeInterval(3600) < now
            default: tenderEnd < now
            }
            if fits { return publishedAt }
        }
        return now.addingTimeInterval(-60 * 86_400)
    }

    private static func actor(_ username: String, _ identity: IdentityService, _ password: String) async throws -> Actor {
        try await identity.signIn(username: username, password: password)
    }
}

extension Actor {
    /// A member of the demo buyer acting through the services (the seed acts for it, as staff would).
    static func demo(_ organisationID: UUID, kind: OrganisationKind, roles: Set<Role>) -> Actor {
        Actor(userID: Actor.systemID, username: "seed", displayName: "Demo", organisationID: organisationID, organisationKind: kind,
              jurisdictionPath: [], roles: roles)
    }
}
