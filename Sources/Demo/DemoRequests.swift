import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import Store
import Tendering

/// Service requests in Fufeng's Tiandu town (issue 23): who is on duty at the 永平村 station, the Tiandu centre and the
/// county centre, and a case in every state of the chain, registered now through the service as the clerks would.
enum DemoRequests {
    /// (site code, user name, duty): the demo's caseworkers (seed/identity.json).
    static let duties: [(site: String, username: String, duty: SiteDuty)] = [
        ("610324002-V001", "fuclerk", .clerk),
        ("610324002-T", "futown", .approver), ("610324002-T", "futown", .handler), ("610324002-T", "futown", .head),
        ("610324-C", "fucounty", .approver), ("610324-C", "fucounty", .handler), ("610324-C", "fucounty", .head),
    ]

    /// Residents of 永平村 (illustrative names; ID numbers with valid check characters that belong to nobody).
    static func applicant(_ index: Int) -> Applicant {
        let names = ["李秀兰", "王建国", "张桂芳", "刘振华", "陈玉梅", "杨德胜", "赵淑珍", "黄志强", "周凤英", "吴永福"]
        let digits = String(format: "6103241948%02d%02d%03d", 1 + index % 12, 1 + index % 28, (10 + index) % 1000)
        return Applicant(name: names[index % names.count], idNumber: digits + String(Applicant.checkCharacter(digits) ?? "0"),
                         phone: String(format: "139%08d", 10_000_000 + index * 7_919))
    }

    static func load(database: Database, identity: IdentityService, sealer: BidSealer, password: String) async throws -> String {
        let items = ServiceItemService(database: database, identity: identity)
        let sites = SiteService(database: database, identity: identity, catalogue: items)
        let calendar = CalendarService(database: database)
        let requests = RequestService(database: database, identity: identity, catalogue: items, sites: sites,
                                      sealer: ApplicantSealer(key: sealer.derivedKey(for: "spokes applicants v1")),
                                      calendar: { try await calendar.calendar() })
        func site(_ code: String) async throws -> ServiceSite { try await sites.site(code: code) }
        let station = try await site("610324002-V001")
        if try await !requests.queue(RequestQuery(siteID: station.id, scope: .accepted, limit: 1), by: .system).requests.isEmpty {
            return "Demo service requests: present already, left alone."
        }
        for code in Set(duties.map(\.site)) {
            _ = try await requests.setDuties(by: .system, siteID: try await site(code).id,
                                             duties.filter { $0.site == code }.map { ($0.username, $0.duty) })
        }
        let history = try await loadHistory(requests: requests, sites: sites, identity: identity, password: password)
        let clerk = try await identity.signIn(username: "fuclerk", password: password)
        let town = try await identity.signIn(username: "futown", password: password)
        let county = try await identity.signIn(username: "fucounty", password: password)
        var index = 0
        func register(_ item: String, _ presented: [String]) async throws -> ServiceRequest {
            index += 1
            return try await requests.register(by: clerk, at: station.id, NewRequest(itemCode: item, applicant: applicant(index), presented: presented))
        }
        // Waiting for the household register (told once), twice: one to be brought, one to be withdrawn.
        _ = try await register("FM-001", ["M0001"])
        _ = try await register("FM-001", ["M0001"])
        // Accepted at the window, to be forwarded.
        _ = try await register("FM-001", ["M0001", "M0002"])
        // At the town to approve (two), at the town to handle, back at the window with a result.
        for _ in 0..<2 { _ = try await requests.forward(by: clerk, id: try await register("FM-001", ["M0001", "M0002"]).id) }
        let handling = try await requests.forward(by: clerk, id: try await register("FM-001", ["M0001", "M0002"]).id)
        _ = try await requests.approve(by: town, id: handling.id)
        let done = try await requests.forward(by: clerk, id: try await register("FM-001", ["M0001", "M0002"]).id)
        _ = try await requests.approve(by: town, id: done.id)
        _ = try await requests.complete(by: town, id: done.id, result: "已登记，纳入永平村留守老人关爱名单，每月探访两次")
        // Settled, handed over and rated.
        let rated = try await requests.forward(by: clerk, id: try await register("FM-001", ["M0001", "M0002"]).id)
        _ = try await requests.approve(by: town, id: rated.id)
        _ = try await requests.complete(by: town, id: rated.id, result: "已登记，纳入关爱名单")
        let closed = try await requests.handOver(by: clerk, id: rated.id)
        try await requests.rate(code: closed.trackingCode, phoneTail: applicant(index).phoneTail, .satisfied, comment: "村里就能办，不用跑镇上")
        // Temporary assistance (FM-005) is graded high-risk: the county re-checks a fifth of the towns' approvals. The demo's
        // first approval is drawn for certain (the grade is set at 100 % for it), and waits for the county centre's re-check.
        let office = try await identity.signIn(username: "fufeng", password: password)
        _ = try await requests.setRisk(by: office, itemCode: "FM-005", jurisdictionCode: "610324", grade: .high, samplePercent: 100)
        let assistance = try await requests.forward(by: clerk, id: try await register("FM-005", ["M0001", "M0002", "M0004", "M0005"]).id)
        _ = try await requests.approve(by: town, id: assistance.id)
        _ = try await requests.setRisk(by: office, itemCode: "FM-005", jurisdictionCode: "610324", grade: .high, samplePercent: 20)
        // FM-002: approved at the county, then refused at the town with its legal reason.
        let county002 = try await requests.forward(by: clerk, id: try await register("FM-002", ["M0001", "M0002", "M0007"]).id)
        _ = try await requests.forward(by: clerk, id: try await register("FM-002", ["M0001", "M0002", "M0007"]).id)
        _ = try await requests.approve(by: county, id: county002.id)
        _ = try await requests.refuse(by: town, id: county002.id, reason: "经入户核查，申请人有法定赡养人且具备赡养能力，不符合特困人员认定条件（《社会救助暂行办法》第十四条）")
        return "Demo service requests: \(duties.count) duties at 3 Fufeng sites; \(history) settled cases of 2026 at Fufeng's 174 stations; "
            + "\(index) cases at 永平村 in every state (fuclerk, futown, fucounty)."
    }

    /// Each town's share of cases settled within the limit (illustrative: the supervision page's figures differ by town).
    static let onTimeByTown = [0.97, 0.93, 0.88, 0.95, 0.82, 0.90, 0.86, 0.94]
    /// The items residents apply for at the village windows, with their weights: on-the-spot cards settled at the
    /// village, care registration and subsidies handled at the town, temporary assistance at the county.
    static let mix: [(code: String, weight: Int)] = [("FM-004", 35), ("FM-001", 25), ("FM-003", 15), ("FM-002", 10), ("FM-005", 15)]

    /// A year of settled cases at every village station of Fufeng (2026, January to November), written as the county's
    /// earlier records through `RequestService.importPast`: the supervision page has something to show.
    static func loadHistory(requests: RequestService, sites: SiteService, identity: IdentityService, password: String) async throws -> Int {
        var random = SeededRandom(seed: 610_324)
        let stations = try await sites.sites(SiteQuery(tier: .villageStation, jurisdictionCode: "610324", limit: 200)).sites
        let clerk = try await identity.signIn(username: "fuclerk", password: password)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        let start = calendar.date(from: DateComponents(year: 2026, month: 1, day: 5, hour: 9))!
        var past: [PastRequest] = []
        var serial = 100
        for station in stations {
            let town = Int(station.content.jurisdictionCode.dropFirst(6).prefix(3)).map { max(0, min($0 - 1, 7)) } ?? 0
            // 午井镇's stations, run by a social-work agency under contract (DemoStationContract), serve more residents.
            let busy = station.content.jurisdictionCode == DemoStationContract.town
            for _ in 0..<Int.random(in: busy ? 24...32 : 6...14, using: &random) {
                serial += 1
                var pick = Int.random(in: 0..<100, using: &random)
                let code = mix.first { pick -= $0.weight; return pick < 0 }?.code ?? "FM-001"
                let limit = ["FM-001": 10, "FM-002": 20, "FM-003": 15, "FM-004": 0, "FM-005": 15][code] ?? 10
                // A weekday morning or afternoon between January and late November.
                var day = calendar.date(byAdding: .day, value: Int.random(in: 0..<320, using: &random), to: start)!
                while calendar.isDateInWeekend(day) { day = calendar.date(byAdding: .day, value: 1, to: day)! }
                let registered = day.addingTimeInterval(Double(Int.random(in: 0..<7, using: &random)) * 3_600)
                let onTime = code == "FM-004" || Double.random(in: 0..<1, using: &random) < onTimeByTown[town]
                let took = code == "FM-004" ? 0 : onTime ? Int.random(in: 1...limit, using: &random) : limit + Int.random(in: 1...6, using: &random)
                let refused = code != "FM-004" && Double.random(in: 0..<1, using: &random) < (["FM-002", "FM-005"].contains(code) ? 0.15 : 0.06)
                let roll = Double.random(in: 0..<1, using: &random)
                let rating: Satisfaction? = Double.random(in: 0..<1, using: &random) < 0.6
                    ? (onTime ? (roll < 0.8 ? .satisfied : roll < 0.96 ? .basicallySatisfied : .dissatisfied)
                              : (roll < 0.3 ? .satisfied : roll < 0.7 ? .basicallySatisfied : .dissatisfied)) : nil
                past.append(PastRequest(
                    itemCode: code, siteID: station.id, ownerID: station.content.code == "610324002-V001" ? clerk.userID : Actor.systemID,
                    applicant: applicant(serial), registeredAt: registered, tookDays: took, outcome: refused ? .refused : .granted,
                    text: refused ? "经核查不符合申请条件（依《社会救助暂行办法》）" : "已按规定办结", handedOver: Double.random(in: 0..<1, using: &random) < 0.95,
                    rating: rating))
            }
        }
        return try await requests.importPast(by: .system, past)
    }
}
