import Core
import Foundation
import Identity
import Store
import Tendering

/// Lixia's 2026 purchase (23 projects in four brand lines, 6 million yuan) as tenders in every state
/// the lifecycle reaches so far. Each is made through the ordinary services on a clock set back in
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

    static let plans: [Plan] = [
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
                     now: Date = Date()) async throws -> String {
        let existing = try await TenderService(database: database, identity: identity).tenders(TenderQuery(buyerID: buyerID), by: .system)
        guard existing.isEmpty else { return "Demo tenders: \(existing.count) present already, left alone." }
        let calendar = try await TenderService(database: database, identity: identity).calendar()
        for plan in plans {
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
            clock.advance(by: 3600)
            for (username, text) in plan.questions {
                let asker = try await actor(username, identity, password)
                let question = try await tenders.ask(by: asker, tenderID: tender.id, lotID: nil, text: text)
                if plan.phase != .enquiries {
                    _ = try await tenders.answer(by: buyer, questionID: question.id, text: "请见采购文件第三部分；未尽事宜按合同约定执行。")
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
        }
        // The worker, at the real time: opens what is due, marks unsuccessful what drew too few bids.
        let moves = try await TenderWorker(tenders: TenderService(database: database, identity: identity, clock: ManualClock(now)),
                                           bids: BidService(database: database, identity: identity, sealer: sealer, clock: ManualClock(now))).runDue()
        return "Demo tenders: \(plans.count) drafted (\(moves) moves by the worker)."
    }

    /// A publication moment at 09:00 on a past day, such that at `now` the tender is in `phase`.
    static func start(for phase: TenderStatus, now: Date, calendar: WorkingCalendar) -> Date {
        let defaults = Procedure.open.minimums
        var day = now
        for _ in 0..<60 {
            let publishedAt = calendar.moment(hour: 9, on: day)
            let enquiryEnd = calendar.close(ofWorkingDay: defaults.enquiryDays, after: publishedAt)
            let tenderEnd = calendar.close(ofWorkingDay: defaults.tenderingDays, after: enquiryEnd)
            let fits = switch phase {
            case .enquiries: publishedAt < now && now < enquiryEnd
            case .tendering: enquiryEnd.addingTimeInterval(4 * 3600) < now && now < tenderEnd
            default: tenderEnd < now
            }
            if fits { return publishedAt }
            day = day.addingTimeInterval(-86_400)
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
