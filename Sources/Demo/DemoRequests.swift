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
        let digits = String(format: "6103241948%02d%02d0%02d", 1 + index % 12, 1 + index % 28, 10 + index)
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
        // FM-002: approved at the county, then refused at the town with its legal reason.
        let county002 = try await requests.forward(by: clerk, id: try await register("FM-002", ["M0001", "M0002", "M0007"]).id)
        _ = try await requests.forward(by: clerk, id: try await register("FM-002", ["M0001", "M0002", "M0007"]).id)
        _ = try await requests.approve(by: county, id: county002.id)
        _ = try await requests.refuse(by: town, id: county002.id, reason: "经入户核查，申请人有法定赡养人且具备赡养能力，不符合特困人员认定条件（《社会救助暂行办法》第十四条）")
        return "Demo service requests: \(duties.count) duties at 3 Fufeng sites; \(index) cases at 永平村 in every state (fuclerk, futown, fucounty)."
    }
}
