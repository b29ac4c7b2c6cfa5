import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import PostgresNIO
import Store
import Tabular
import Tendering
import TestSupport
import Testing

/// Service requests across the three tiers, from DOMAIN §6 and issue 23: a village window accepts (materials
/// checked, what is missing told once), the item's approving tier approves, its handling tier handles, each within
/// its working days; the result returns to the accepting window; only the staff on duty at the site where the case
/// waits act on it; the applicant is sealed and shown only to the case's chain; a resident follows and rates with the
/// tracking code and the phone's last four digits.
///
/// Fixture (the demo): Fufeng's Tiandu town (610324002) with its centre 610324002-T and village station 610324002-V001
/// (永平村), the county centre 610324-C. FM-001 (留守老人关爱服务登记): accepted at the village (2 working days),
/// approved and handled at the town, 10 working days in all, materials M0001 and M0002. FM-002: approved at the county,
/// handled at the town. Monday 7 September 2026, 10:00 Beijing: no holiday until National Day.
@Suite("Service requests")
struct RequestServiceTests {
    static let monday = ISO8601DateFormatter().date(from: "2026-09-07T02:00:00Z")!

    struct World {
        let database: Database
        let world: DemoWorld
        let clock: ManualClock
        let items: ServiceItemService
        let sites: SiteService
        let requests: RequestService

        init(_ database: Database, contracts: (any SiteContracts)? = nil) {
            self.database = database
            clock = ManualClock(RequestServiceTests.monday)
            world = DemoWorld(database, clock: clock)
            items = ServiceItemService(database: database, identity: world.identity)
            sites = SiteService(database: database, identity: world.identity, catalogue: items, contracts: contracts, clock: clock)
            requests = RequestService(database: database, identity: world.identity, catalogue: items, sites: sites, sealer: .random(),
                                      calendar: { try await CalendarService(database: database).calendar() }, clock: clock)
        }

        func site(_ code: String) async throws -> ServiceSite {
            var after: String?
            repeat {
                let page = try await sites.sites(SiteQuery(after: after, limit: 200))
                if let site = page.sites.first(where: { $0.content.code == code }) { return site }
                after = page.next
            } while after != nil
            throw DomainError.notFound("no site \(code)")
        }

        /// The staff of the fixture: two clerks of 永平村's window, the Tiandu centre's approver and handler, the
        /// county centre's approver, a clerk of another village (南张村), and the Tiandu station's site head.
        struct Staff {
            let clerk, backup, head, townApprover, townHandler, countyApprover, otherClerk: Actor
        }

        func staff() async throws -> Staff {
            let town = try await world.addUser("tiandu-clerk", kind: .department, roles: [.caseworker], jurisdictionCode: "610324002", nameZh: "天度镇人民政府")
            func member(_ name: String) async throws -> Actor { try await world.addMember(name, of: town.organisationID, roles: [.caseworker]) }
            let staff = Staff(clerk: town, backup: try await member("tiandu-backup"), head: try await member("tiandu-head"),
                              townApprover: try await member("tiandu-approver"), townHandler: try await member("tiandu-handler"),
                              countyApprover: try await world.addUser("fufeng-approver", kind: .department, roles: [.caseworker],
                                                                      jurisdictionCode: "610324", nameZh: "扶风县民政局办件"),
                              otherClerk: try await member("nanzhang-clerk"))
            let system = Actor.system
            _ = try await requests.setDuties(by: system, siteID: try await site("610324002-V001").id,
                                             [("tiandu-clerk", .clerk), ("tiandu-backup", .backup), ("tiandu-head", .head)])
            _ = try await requests.setDuties(by: system, siteID: try await site("610324002-V002").id, [("nanzhang-clerk", .clerk)])
            _ = try await requests.setDuties(by: system, siteID: try await site("610324002-T").id,
                                             [("tiandu-approver", .approver), ("tiandu-handler", .handler)])
            _ = try await requests.setDuties(by: system, siteID: try await site("610324-C").id, [("fufeng-approver", .approver)])
            return staff
        }

        func applicant() -> Applicant {
            let digits = "61032419500101002"
            return Applicant(name: "李秀兰", idNumber: digits + String(Applicant.checkCharacter(digits)!), phone: "13912345678")
        }

        func register(_ clerk: Actor, item: String = "FM-001", presented: [String] = ["M0001", "M0002"], at code: String = "610324002-V001") async throws -> ServiceRequest {
            try await requests.register(by: clerk, at: try await site(code).id, NewRequest(itemCode: item, applicant: applicant(), presented: presented))
        }

        func trail(_ id: UUID) async throws -> [String] {
            try await database.read { try await AuditLog.trail(of: AuditEntity("request", id), on: $0, logger: database.logger).map(\.action) }
        }
    }

    func fields(_ error: DomainError?) -> Set<String> { Set(error?.fields.map(\.field) ?? []) }

    @Test("A village window accepts with a material missing, the resident brings it, the town approves and handles, the window hands it over, the resident rates it once")
    func journey() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            var request = try await w.register(s.clerk, presented: ["M0001"])
            #expect(request.state == .awaitingMaterials)
            #expect(request.missing == [try #require(try await w.items.materials().first { $0.code == "M0002" }).id])
            #expect(request.trackingCode.wholeMatch(of: /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/) != nil)
            #expect(request.dueAt == nil)
            #expect(request.applicantMasked == "李**" && request.idNumberMasked == "6103**********" + String(w.applicant().idNumber.suffix(4))
                    && request.phoneMasked == "139****5678")

            request = try await w.requests.supplyMaterials(by: s.backup, id: request.id, ["M0002"])
            #expect(request.state == .accepted && request.missing.isEmpty)
            // Accepted Monday: the window's 2 working days end Wednesday 17:00; the whole 10 on Sunday 20 September,
            // a working day of the 2026 calendar (国庆节调休).
            #expect(request.dueAt == ISO8601DateFormatter().date(from: "2026-09-09T09:00:00Z"))
            #expect(request.finalDueAt == ISO8601DateFormatter().date(from: "2026-09-20T09:00:00Z"))

            request = try await w.requests.forward(by: s.clerk, id: request.id)
            #expect(request.state == .approving)
            #expect(request.siteID == (try await w.site("610324002-T")).id)
            // 2 + 5 working days from Monday: Wednesday of the next week.
            #expect(request.dueAt == ISO8601DateFormatter().date(from: "2026-09-16T09:00:00Z"))

            request = try await w.requests.approve(by: s.townApprover, id: request.id)
            #expect(request.state == .handling && request.dueAt == request.finalDueAt)
            request = try await w.requests.complete(by: s.townHandler, id: request.id, result: "已登记，纳入关爱服务名单")
            #expect(request.state == .returned && request.outcome == .granted && request.onTime == true)
            #expect(request.siteID == (try await w.site("610324002-V001")).id)
            request = try await w.requests.handOver(by: s.clerk, id: request.id)
            #expect(request.state == .closed)

            #expect(try await w.trail(request.id) == ["request.registered", "request.materials", "request.forwarded", "request.approved",
                                                      "request.completed", "request.handed_over"])

            let tracked = try await w.requests.track(code: request.trackingCode.lowercased(), phoneTail: "5678")
            #expect(tracked.mayRate && tracked.steps.count == 6)
            try await w.requests.rate(code: request.trackingCode, phoneTail: "5678", .satisfied, comment: "办得快")
            let again = await failure { try await w.requests.rate(code: request.trackingCode, phoneTail: "5678", .dissatisfied, comment: "") }
            #expect(again?.kind == .conflict)
            #expect(try await w.requests.track(code: request.trackingCode, phoneTail: "5678").rating == .satisfied)
        }
    }

    @Test("A site with service requests keeps its jurisdiction (its cases are read and counted there): the edit and the file are refused with 409 and nothing changes; a site without cases moves")
    func siteKeepsJurisdiction() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            _ = try await w.register(s.clerk)
            let fufeng = try await w.world.actor("fufeng")
            let yongping = try await w.site("610324002-V001"), nanzhang = try await w.site("610324002-V002")
            var moved = yongping.content
            moved.jurisdictionCode = "610324003"
            let refused = await failure { _ = try await w.sites.update(by: fufeng, id: yongping.id, moved) }
            #expect(refused?.kind == .conflict && refused?.fields.map(\.field) == ["jurisdictionCode"], "\(String(describing: refused))")
            #expect(try await w.sites.site(id: yongping.id) == yongping)

            // The same move in a file: the whole file is refused, naming the row.
            let exported = try await w.sites.export(for: fufeng, jurisdictionCode: "610324002", as: .csv)
            // Rows end in CRLF, one Character in Swift: split on it whole.
            let lines = try #require(String(data: exported, encoding: .utf8)).components(separatedBy: "\r\n").map { line in
                line.hasPrefix("610324002-V001,") ? line.replacingOccurrences(of: ",610324002,", with: ",610324003,") : line
            }
            #expect(lines.contains { $0.hasPrefix("610324002-V001,") && $0.contains(",610324003,") }, "the file moves the station")
            let file = await failure { _ = try await w.sites.importFile(by: fufeng, Data(lines.joined(separator: "\r\n").utf8)) }
            #expect(file?.kind == .conflict && file?.fields.first?.field.hasSuffix("].jurisdiction") == true, "\(String(describing: file))")
            #expect(try await w.sites.site(id: yongping.id) == yongping)

            // A station without cases may move.
            var elsewhere = nanzhang.content
            elsewhere.jurisdictionCode = "610324003"
            let after = try await w.sites.update(by: fufeng, id: nanzhang.id, elsewhere)
            #expect(after.jurisdictionID != nanzhang.jurisdictionID && after.content.jurisdictionCode == "610324003")
        }
    }

    @Test("A case waiting for materials, and one being approved, are withdrawn at the resident's word by the window only; a reason is required")
    func withdraw() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let waiting = try await w.register(s.clerk, presented: ["M0001"])
            #expect(fields(await failure { _ = try await w.requests.withdraw(by: s.clerk, id: waiting.id, reason: "") }) == ["reason"])
            #expect(await failure { _ = try await w.requests.withdraw(by: s.townApprover, id: waiting.id, reason: "不办了") }?.kind == .forbidden)
            let withdrawn = try await w.requests.withdraw(by: s.clerk, id: waiting.id, reason: "申请人表示暂不申请")
            #expect(withdrawn.state == .withdrawn && withdrawn.acceptedAt == nil && withdrawn.dueAt == nil)
            let approving = try await w.requests.forward(by: s.clerk, id: try await w.register(s.clerk).id)
            #expect(try await w.requests.withdraw(by: s.backup, id: approving.id, reason: "申请人已迁出本村").state == .withdrawn)
            #expect(await failure { _ = try await w.requests.approve(by: s.townApprover, id: approving.id) }?.kind == .conflict)
            #expect(await failure { _ = try await w.requests.withdraw(by: s.clerk, id: approving.id, reason: "again") }?.kind == .conflict)
        }
    }

    @Test("FM-002 goes to the county centre to approve and back to the town to handle; a refusal returns to the window with its reason")
    func countyApproval() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            var request = try await w.register(s.clerk, item: "FM-002", presented: ["M0001", "M0002", "M0007"])
            request = try await w.requests.forward(by: s.clerk, id: request.id)
            #expect(request.siteID == (try await w.site("610324-C")).id)
            // The town's approver is not on duty where FM-002 is approved.
            #expect(await failure { _ = try await w.requests.approve(by: s.townApprover, id: request.id) }?.kind == .forbidden)
            request = try await w.requests.approve(by: s.countyApprover, id: request.id)
            #expect(request.siteID == (try await w.site("610324002-T")).id && request.state == .handling)
            let empty = await failure { _ = try await w.requests.refuse(by: s.townHandler, id: request.id, reason: "  ") }
            #expect(fields(empty) == ["reason"])
            request = try await w.requests.refuse(by: s.townHandler, id: request.id, reason: "经核查，申请人不符合特困人员认定条件（《社会救助暂行办法》第十四条）")
            #expect(request.state == .returned && request.outcome == .refused && request.reason?.hasPrefix("经核查") == true)
        }
    }

    @Test("Only the staff on duty where the case waits act on it: not another village's clerk, the town's approver at the window, the county's finance office or an administrator")
    func whoActs() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let station = try await w.site("610324002-V001")
            let fufeng = try await w.world.actor("fufeng")
            for outsider in [s.otherClerk, s.townApprover, fufeng, Actor.system] {
                let refused = await failure {
                    _ = try await w.requests.register(by: outsider, at: station.id, NewRequest(itemCode: "FM-001", applicant: w.applicant(), presented: []))
                }
                #expect(refused?.kind == .forbidden, "\(outsider.username)")
            }
            let request = try await w.register(s.clerk)
            for outsider in [s.otherClerk, s.townApprover, fufeng, Actor.system] {
                #expect(await failure { _ = try await w.requests.forward(by: outsider, id: request.id) }?.kind == .forbidden, "\(outsider.username)")
            }
            // The approver may not approve before the window forwards it: the case is not there yet (409).
            #expect(await failure { _ = try await w.requests.approve(by: s.townApprover, id: request.id) }?.kind == .conflict)
            let forwarded = try await w.requests.forward(by: s.clerk, id: request.id)
            // Forwarding twice (a double click) is told the case has moved on.
            #expect(await failure { _ = try await w.requests.forward(by: s.clerk, id: forwarded.id) }?.kind == .conflict)
            // The window's staff no longer act where the case is now, except to withdraw it at the resident's word.
            #expect(await failure { _ = try await w.requests.approve(by: s.clerk, id: request.id) }?.kind == .forbidden)
            // A backup takes the case over (AB岗); the owner cannot take over their own case.
            #expect(try await w.requests.takeOver(by: s.backup, id: request.id).ownerID == s.backup.userID)
            #expect(await failure { _ = try await w.requests.takeOver(by: s.backup, id: request.id) }?.kind == .conflict)
        }
    }

    @Test("The applicant is sealed in the database and shown in full only to the staff of the case's chain")
    func personalData() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let request = try await w.register(s.clerk)
            let stored = try await database.read { connection in
                var text = ""
                for try await row in try await connection.query("SELECT to_jsonb(r)::text FROM grassroots.service_requests r WHERE id = \(request.id)",
                                                                logger: database.logger).decode(String.self) { text = row }
                return text
            }
            #expect(!stored.contains(w.applicant().idNumber) && !stored.contains("13912345678") && !stored.contains("李秀兰"))
            let events = try await database.read { connection in
                var text = ""
                for try await row in try await connection.query("SELECT string_agg(coalesce(after_state::text, ''), '') FROM audit.events WHERE entity_id = \(request.id)",
                                                                logger: database.logger).decode(String?.self) { text = row ?? "" }
                return text
            }
            #expect(!events.isEmpty && !events.contains(w.applicant().idNumber) && !events.contains("李秀兰"))

            #expect(try await w.requests.view(id: request.id, by: s.clerk).applicant == w.applicant())
            #expect(try await w.requests.view(id: request.id, by: s.townApprover).applicant == w.applicant())
            // The county's finance office reads the case (its jurisdiction), masked; so does an overseer of Fufeng.
            #expect(try await w.requests.view(id: request.id, by: try await w.world.actor("fufeng")).applicant == nil)
            let overseer = try await w.world.addUser("fufeng-audit", kind: .overseer, roles: [.overseer], jurisdictionCode: "610324", nameZh: "扶风县审计局")
            #expect(try await w.requests.view(id: request.id, by: overseer).applicant == nil)
            #expect(try await w.requests.view(id: request.id, by: .system).applicant == nil)
            // Lixia's overseer, a supplier and a visitor do not read it at all.
            for reader in [try await w.world.actor("overseer"), try await w.world.actor("ngo")] {
                #expect(await failure { _ = try await w.requests.view(id: request.id, by: reader) }?.kind == .forbidden)
            }
            #expect(await failure { _ = try await w.requests.view(id: request.id, by: nil) }?.kind == .unauthenticated)
        }
    }

    @Test("Every problem of an application is told at once, and nothing is stored")
    func badApplications() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let station = try await w.site("610324002-V001")
            let bad = NewRequest(itemCode: "FM-001", applicant: Applicant(name: "", idNumber: "610324195001010021", phone: "12345"),
                                 presented: ["M0001", "M9999"])
            let error = await failure { _ = try await w.requests.register(by: s.clerk, at: station.id, bad) }
            #expect(fields(error) == ["applicant.name", "applicant.idNumber", "applicant.phone", "presented"])
            let unknown = await failure {
                _ = try await w.requests.register(by: s.clerk, at: station.id, NewRequest(itemCode: "NO-SUCH", applicant: w.applicant(), presented: []))
            }
            #expect(fields(unknown) == ["itemCode"])
            let tooMany = await failure {
                _ = try await w.requests.register(by: s.clerk, at: station.id,
                                                  NewRequest(itemCode: "FM-001", applicant: w.applicant(), presented: Array(repeating: "M0001", count: 101)))
            }
            #expect(fields(tooMany).contains("presented"))
            // A village item approved at the town cannot be applied for at the county centre (no town below it to send it to).
            let county = try await w.site("610324-C")
            _ = try await w.requests.setDuties(by: .system, siteID: county.id, [("tiandu-clerk", .clerk)])
            let below = await failure {
                _ = try await w.requests.register(by: s.clerk, at: county.id, NewRequest(itemCode: "FM-001", applicant: w.applicant(), presented: []))
            }
            #expect(fields(below) == ["itemCode"])
            let count = try await database.read { connection in
                var n = -1
                for try await c in try await connection.query("SELECT count(*)::integer FROM grassroots.service_requests", logger: database.logger).decode(Int.self) { n = c }
                return n
            }
            #expect(count == 0)
        }
    }

    @Test("A late case alerts its clerk, two working days later the site head, five later the tier above")
    func overdue() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let request = try await w.register(s.clerk)
            let due = try #require(request.dueAt)
            #expect(request.alert(at: due) == .none)
            #expect(request.alert(at: due + 60) == .clerk)
            // Due Wednesday 9 September 17:00: the head is told after Friday 11th's close, the tier above after Wednesday 16th's.
            #expect(request.alert(at: ISO8601DateFormatter().date(from: "2026-09-11T08:59:00Z")!) == .clerk)
            #expect(request.alert(at: ISO8601DateFormatter().date(from: "2026-09-11T09:01:00Z")!) == .siteHead)
            #expect(request.alert(at: ISO8601DateFormatter().date(from: "2026-09-16T09:01:00Z")!) == .tierAbove)

            let station = try await w.site("610324002-V001")
            let town = try await w.site("610324002-T")
            let townQuery = RequestQuery(siteID: town.id, scope: .overdue)
            w.clock.advance(by: 3 * 86_400)  // Thursday: late at the window
            #expect(try await w.requests.queue(RequestQuery(siteID: station.id, scope: .overdue), by: s.clerk).requests.map(\.id) == [request.id])
            #expect(try await w.requests.queue(townQuery, by: s.townApprover).requests.isEmpty)
            w.clock.advance(by: 7 * 86_400)  // Thursday 17th: past the tier above's moment
            #expect(try await w.requests.queue(townQuery, by: s.townApprover).requests.map(\.id) == [request.id])
            #expect(try await w.requests.counts(at: station).overdue == 1)
            // The tier above reads the station's own queue (its town's approver, the county's approver); another village's
            // clerk does not.
            #expect(try await w.requests.queue(RequestQuery(siteID: station.id, scope: .overdue), by: s.townApprover).requests.map(\.id) == [request.id])
            #expect(try await w.requests.queue(RequestQuery(siteID: station.id, scope: .overdue), by: s.countyApprover).requests.map(\.id) == [request.id])
            #expect(await failure { _ = try await w.requests.queue(RequestQuery(siteID: station.id), by: s.otherClerk) }?.kind == .forbidden)
        }
    }

    @Test("Tracking: a wrong code and wrong digits read the same; five wrong tries shut the code for a quarter of an hour")
    func tracking() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let request = try await w.register(s.clerk)
            #expect(await failure { _ = try await w.requests.track(code: "AAAA-AAAA-AAAA", phoneTail: "5678") }?.kind == .notFound)
            #expect(fields(await failure { _ = try await w.requests.track(code: request.trackingCode, phoneTail: "56a8") }) == ["phoneTail"])
            #expect(fields(await failure { _ = try await w.requests.track(code: String(repeating: "A", count: 21), phoneTail: "") })
                    == ["trackingCode", "phoneTail"])
            for _ in 0..<RequestService.trackingAttempts {
                #expect(await failure { _ = try await w.requests.track(code: request.trackingCode, phoneTail: "0000") }?.kind == .notFound)
            }
            #expect(await failure { _ = try await w.requests.track(code: request.trackingCode, phoneTail: "5678") }?.kind == .rateLimited)
            w.clock.advance(by: RequestService.trackingLock + 1)
            #expect(try await w.requests.track(code: request.trackingCode, phoneTail: "5678").request.id == request.id)
            // Not settled yet: no rating.
            #expect(await failure { try await w.requests.rate(code: request.trackingCode, phoneTail: "5678", .satisfied, comment: "") }?.kind == .conflict)
        }
    }

    @Test("Only the offices that keep a site name its staff on duty; approvers must be a government office's staff")
    func duties() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let station = try await w.site("610324002-V001")
            let finance = try await w.world.actor("finance")
            let ngo = try await w.world.actor("ngo")
            let fufeng = try await w.world.actor("fufeng")
            let clerkDuty: [(username: String, duty: SiteDuty)] = [("tiandu-clerk", .clerk)]
            for outsider in [finance, s.clerk, ngo] {
                let refused = await failure { _ = try await w.requests.setDuties(by: outsider, siteID: station.id, clerkDuty) }
                #expect(refused?.kind == .forbidden)
            }
            let wrong: [(username: String, duty: SiteDuty)] = [("nobody", .clerk), ("ngo", .approver)]
            let bad = await failure { _ = try await w.requests.setDuties(by: fufeng, siteID: station.id, wrong) }
            #expect(fields(bad) == ["duties[0].username", "duties[1].username", "duties[1].duty"])
            // Lixia's finance office names Lixia's staff at its own sites, not Fufeng's clerk.
            let yanshan = try await w.site("370102010-T")
            let foreign = await failure { _ = try await w.requests.setDuties(by: finance, siteID: yanshan.id, clerkDuty) }
            #expect(fields(foreign) == ["duties[0].username"])
            #expect(try await w.requests.duties(at: station.id, by: s.clerk).count == 3)
            #expect(await failure { _ = try await w.requests.duties(at: station.id, by: s.otherClerk) }?.kind == .forbidden)
            #expect(try await w.requests.posts(of: s.clerk).map(\.site.id) == [station.id])
        }
    }

    @Test("Supervision: per town and item, cases settled within the limit, refused, late, satisfaction and the tier that settled them; for the county's offices and the town centre's staff, not another county or a village clerk")
    func supervision() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let yongping = try await w.site("610324002-V001"), nanzhang = try await w.site("610324002-V002")
            let chengguan = try await w.site("610324001-V001")
            func past(_ item: String, _ site: ServiceSite, took: Int, _ outcome: RequestOutcome = .granted, _ rating: Satisfaction? = nil) -> PastRequest {
                PastRequest(itemCode: item, siteID: site.id, ownerID: s.clerk.userID, applicant: w.applicant(), registeredAt: RequestServiceTests.monday,
                            tookDays: took, outcome: outcome, text: "已办结", handedOver: true, rating: rating)
            }
            // Tiandu: FM-001 (10 days, handled at the town) on time and late; FM-004 on the spot at the village; FM-005 (county) refused.
            // Chengguan: one FM-001 on time.
            let cases = [past("FM-001", yongping, took: 4, .granted, .satisfied), past("FM-001", nanzhang, took: 12, .granted, .dissatisfied),
                         past("FM-004", yongping, took: 0, .granted, .basicallySatisfied), past("FM-005", nanzhang, took: 9, .refused),
                         past("FM-001", chengguan, took: 3)]
            #expect(await failure { _ = try await w.requests.importPast(by: try await w.world.actor("fufeng"), cases) }?.kind == .forbidden)
            #expect(try await w.requests.importPast(by: .system, cases) == 5)
            _ = try await w.register(s.clerk)  // open, not late yet

            let fufeng = try await w.world.actor("fufeng")
            let report = try await w.requests.supervision(jurisdictionCode: "610324", year: 2026, by: fufeng)
            #expect(report.total.registered == 6 && report.total.settled == 5 && report.total.open == 1 && report.total.late == 0)
            #expect(report.total.onTime == 4 && report.total.refused == 1)
            let tiandu = try #require(try await w.world.identity.jurisdiction(code: "610324002"))
            let town = try #require(report.areas.first { $0.jurisdictionID == tiandu.id }?.figures)
            #expect(town.registered == 5 && town.settled == 4 && town.onTime == 3 && town.onTimeRate == 75)
            #expect(town.settledAt[.villageStation] == 1 && town.settledAt[.townCentre] == 2 && town.settledAt[.countyCentre] == 1)
            #expect(town.settledShare(.townCentre) == 50)
            #expect(town.rated == 3 && town.satisfied == 2 && town.satisfactionRate == 67)
            #expect(report.items.map(\.code) == ["FM-001", "FM-004", "FM-005"])
            #expect(report.items.first { $0.code == "FM-001" }?.figures.registered == 4)
            #expect(report.sites.first?.siteID == nanzhang.id, "the late and the refused case were at 南张村")
            #expect(try await w.requests.supervision(jurisdictionCode: "610324", year: 2025, by: fufeng).total.registered == 0)

            // The town centre's staff watch their town; a village clerk, Lixia's office and a visitor do not watch the county.
            #expect(try await w.requests.supervision(jurisdictionCode: "610324002", year: 2026, by: s.townApprover).total.registered == 5)
            #expect(await failure { _ = try await w.requests.supervision(jurisdictionCode: "610324002", year: 2026, by: s.clerk) }?.kind == .forbidden,
                    "a station's clerk sits in the town but does not watch it")
            for outsider in [s.clerk, try await w.world.actor("finance")] {
                #expect(await failure { _ = try await w.requests.supervision(jurisdictionCode: "610324", year: 2026, by: outsider) }?.kind == .forbidden)
            }
            #expect(await failure { _ = try await w.requests.supervision(jurisdictionCode: "610324", year: 2026, by: nil) }?.kind == .unauthenticated)
            #expect(fields(await failure { _ = try await w.requests.supervision(jurisdictionCode: "999999", year: 2026, by: fufeng) }) == ["jurisdiction"])
            #expect(fields(await failure { _ = try await w.requests.supervision(jurisdictionCode: "610324", year: 99_999, by: fufeng) }) == ["year"])

            // What the public sees per town is read from counts kept as cases change (migration 0050) and the open cases
            // counted live: it agrees with the count over the cases, now, once a case is withdrawn and another registered,
            // and once the open ones are past their limit.
            func agrees(_ moment: String) async throws {
                let report = try await w.requests.supervision(jurisdictionCode: "610324", year: 2026, by: fufeng)
                let shown = Dictionary(uniqueKeysWithValues: try await w.requests.publicFigures(year: 2026).map { ($0.jurisdictionID, $0.figures) })
                #expect(!report.areas.isEmpty, "\(moment)")
                for area in report.areas {
                    #expect(shown[area.jurisdictionID ?? report.jurisdictionID] == area.figures, "\(moment)")
                }
            }
            try await agrees("after the import")
            let withdrawn = try await w.register(s.clerk)
            _ = try await w.requests.withdraw(by: s.clerk, id: withdrawn.id, reason: "申请人撤回申请")
            _ = try await w.register(s.clerk)
            try await agrees("after a withdrawal and a registration")
            w.clock.advance(by: 30 * 86_400)
            #expect(try await w.requests.publicFigures(year: 2026).reduce(0) { $0 + $1.figures.late } == 2, "both open cases are late now")
            try await agrees("a month on")
        }
    }

    @Test("Sampled re-checks: a high-risk item's approvals are drawn at its rate for the tier above, who records the outcome once; a normal item's never")
    func rechecks() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let s = try await w.staff()
            let fufeng = try await w.world.actor("fufeng")
            // FM-001 graded high with every approval drawn; FM-002 normal.
            #expect(await failure { _ = try await w.requests.setRisk(by: try await w.world.actor("finance"), itemCode: "FM-001", jurisdictionCode: "610324",
                                                                    grade: .high, samplePercent: 100) }?.kind == .forbidden)
            #expect(fields(await failure { _ = try await w.requests.setRisk(by: fufeng, itemCode: "NO", jurisdictionCode: "610324", grade: .high,
                                                                            samplePercent: 101) }) == ["itemCode", "samplePercent"])
            _ = try await w.requests.setRisk(by: fufeng, itemCode: "FM-001", jurisdictionCode: "610324", grade: .high, samplePercent: 100)
            _ = try await w.requests.setRisk(by: fufeng, itemCode: "FM-003", jurisdictionCode: "610324", grade: .normal, samplePercent: 0)
            #expect(try await w.requests.risks(jurisdictionCode: "610324").map(\.itemCode) == ["FM-001", "FM-003"])

            let sampled = try await w.requests.forward(by: s.clerk, id: try await w.register(s.clerk).id)
            _ = try await w.requests.approve(by: s.townApprover, id: sampled.id)
            let county = try await w.site("610324-C")
            // The town's approval is re-checked by the county centre, whose approver may then read the case.
            let view = try await w.requests.view(id: sampled.id, by: s.countyApprover)
            #expect(view.recheck?.siteID == county.id && view.recheck?.outcome == nil && view.actions.contains(.recheck))
            #expect(try await w.requests.rechecks(at: county.id, by: s.countyApprover).map(\.requestID) == [sampled.id])
            #expect(await failure { _ = try await w.requests.recheck(by: s.townApprover, requestID: sampled.id, outcome: .confirmed, finding: "") }?.kind == .forbidden,
                    "the approver does not re-check their own approval")
            #expect(fields(await failure { _ = try await w.requests.recheck(by: s.countyApprover, requestID: sampled.id, outcome: .errorFound, finding: " ") })
                    == ["finding"])
            let done = try await w.requests.recheck(by: s.countyApprover, requestID: sampled.id, outcome: .errorFound, finding: "申请人子女有赡养能力，应复核")
            #expect(done.outcome == .errorFound && done.checkedBy == s.countyApprover.userID)
            #expect(await failure { _ = try await w.requests.recheck(by: s.countyApprover, requestID: sampled.id, outcome: .confirmed, finding: "") }?.kind == .conflict)
            // The error found reopens the case at the town, to be decided again within fresh limits; the county's
            // supervision counts it; approved again, it is not drawn a second time.
            #expect(try await w.trail(sampled.id).suffix(3) == ["request.sampled", "request.rechecked", "request.reopened"])
            let reopened = try await w.requests.view(id: sampled.id, by: s.townApprover).request
            let town = try await w.site("610324002-T")
            #expect(reopened.state == .approving && reopened.siteID == town.id && reopened.outcome == nil)
            #expect(reopened.reopenedAt == RequestServiceTests.monday && (reopened.dueAt ?? .distantPast) > RequestServiceTests.monday)
            // The resident sees the reopening, not the tier above's own steps.
            let tracked = try await w.requests.track(code: sampled.trackingCode, phoneTail: "5678").steps.map(\.action)
            #expect(tracked.last == "request.reopened" && !tracked.contains("request.sampled") && !tracked.contains("request.rechecked"))
            let supervision = try await w.requests.supervision(jurisdictionCode: "610324", year: 2026, by: fufeng)
            #expect(supervision.total.reopened == 1 && supervision.total.open == 1)
            #expect(try await w.requests.approve(by: s.townApprover, id: sampled.id).state == .handling)
            #expect(try await w.trail(sampled.id).last == "request.approved")

            // Graded normal again: never drawn, whatever its rate.
            _ = try await w.requests.setRisk(by: fufeng, itemCode: "FM-001", jurisdictionCode: "610324", grade: .normal, samplePercent: 100)
            let normal = try await w.requests.forward(by: s.clerk, id: try await w.register(s.clerk).id)
            _ = try await w.requests.approve(by: s.townApprover, id: normal.id)
            #expect(try await w.requests.view(id: normal.id, by: s.clerk).recheck == nil)
            #expect(await failure { _ = try await w.requests.recheck(by: s.countyApprover, requestID: normal.id, outcome: .confirmed, finding: "") }?.kind == .notFound)
        }
    }
}
