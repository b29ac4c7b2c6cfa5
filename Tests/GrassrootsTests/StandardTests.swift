import Catalogue
import Core
import Foundation
import Grassroots
import Identity
import PostgresNIO
import Store
import TestSupport
import Testing

/// The rules of site standards and grading, from DOMAIN §6, seed 003 and issue 23 item 2 (ARCHITECTURE.md, "Grassroots:
/// standards and grading"): a score is the points of the requirements met over the total, rounded down; at or above
/// the first mark the site meets the standard (达标), at or above the second it basically meets it (基本达标), else it
/// is below (不达标). Measured requirements come from the site's record, the others from the inspector.
@Suite("Site standards: rules")
struct StandardRuleTests {
    func content(meets: Int = 85, basic: Int = 60, _ requirements: [Requirement]) -> StandardContent {
        StandardContent(jurisdictionCode: "370102", tier: .townCentre, titleZh: "测试标准", requirements: requirements, meetsMark: meets, basicMark: basic)
    }

    @Test("grades by the marks: 85 of 100 meets, 84 basically meets, 60 basically meets, 59 is below; a share is rounded down, never up")
    func grades() {
        let c = content([Requirement(code: "R1", kind: .hoursPosted, points: 100)])
        #expect(c.grade(points: 100, of: 100) == (10_000, .meets))
        #expect(c.grade(points: 85, of: 100) == (8_500, .meets))
        #expect(c.grade(points: 84, of: 100) == (8_400, .basic))
        #expect(c.grade(points: 60, of: 100) == (6_000, .basic))
        #expect(c.grade(points: 59, of: 100) == (5_900, .below))
        #expect(c.grade(points: 0, of: 100) == (0, .below))
        // 2 of 3 is 66.666…%: 66.66, which does not reach a mark of 67.
        #expect(content(meets: 67, basic: 50, []).grade(points: 2, of: 3) == (6_666, .basic))
        #expect(content(meets: 66, basic: 50, []).grade(points: 2, of: 3) == (6_666, .meets))
    }

    @Test("measured requirements are met at the threshold and not below it; equipment by its name; confirmed kinds are not measured")
    func measured() {
        let site = SiteContent(code: "X-1", nameZh: "测试站", tier: .villageStation, jurisdictionCode: "610324002", operatorKind: .villageCommittee,
                               operatorName: "村委会", address: "某村", floorAreaTenths: 150, hallAreaTenths: 99, equipment: ["计算机", "电话"], windows: 1,
                               staff: [SiteStaff(name: "甲", post: .publicWelfare, payBand: "500元/月")], openingHours: "9:00–17:00")
        #expect(Requirement(code: "R1", kind: .minFloorArea, threshold: 150, points: 1).check(site)?.met == true)
        #expect(Requirement(code: "R1", kind: .minFloorArea, threshold: 151, points: 1).check(site)?.met == false)
        #expect(Requirement(code: "R1", kind: .minFloorArea, threshold: 150, points: 1).check(site)?.observed == "15")
        #expect(Requirement(code: "R2", kind: .minHallArea, threshold: 100, points: 1).check(site)?.met == false)
        #expect(Requirement(code: "R3", kind: .minWindows, threshold: 1, points: 1).check(site)?.met == true)
        #expect(Requirement(code: "R4", kind: .minStaff, threshold: 2, points: 1).check(site)?.met == false)
        #expect(Requirement(code: "R5", kind: .equipment, equipment: "电话", points: 1).check(site)?.met == true)
        #expect(Requirement(code: "R6", kind: .equipment, equipment: "打印机", points: 1).check(site)?.met == false)
        for kind in [RequirementKind.hoursPosted, .fiveDisclosures, .firstResponsible, .abPosts] {
            #expect(Requirement(code: "R7", kind: kind, points: 1).check(site) == nil, "\(kind) is confirmed by the inspector")
        }
    }

    @Test("a standard's content is refused on every rule at once, each on its field")
    func refusals() {
        let fields = { (c: StandardContent) in Set(c.problems.map(\.field)) }
        #expect(fields(content([])).contains("requirements"))
        let bad = content(meets: 50, basic: 70, [
            Requirement(code: "R1", kind: .minFloorArea, points: 10),                         // no threshold
            Requirement(code: "R1", kind: .hoursPosted, threshold: 3, points: 0),              // code taken, threshold on a confirmed kind, no points
            Requirement(code: "R 3", kind: .minWindows, threshold: 101, points: 101),          // bad code, windows beyond 100, too many points
            Requirement(code: "R4", kind: .equipment, points: 5),                              // no piece named
            Requirement(code: "R5", kind: .equipment, equipment: "电话", points: 5),
            Requirement(code: "R6", kind: .equipment, equipment: "电话", points: 5),            // the same piece twice
            Requirement(code: "R7", kind: .hoursPosted, points: 5),                            // the same kind twice
            Requirement(code: "R8", kind: .fiveDisclosures, equipment: "电话", points: 5),      // a piece on a confirmed kind
        ])
        #expect(fields(bad) == ["requirements[0].threshold", "requirements[1].code", "requirements[1].threshold", "requirements[1].points",
                                "requirements[2].code", "requirements[2].threshold", "requirements[2].points", "requirements[3].equipment",
                                "requirements[5].equipment", "requirements[6].kind", "requirements[7].equipment", "basicMark"])
        #expect(fields(content(meets: 0, basic: 101, [Requirement(code: "R1", kind: .abPosts, points: 1)])) == ["meetsMark", "basicMark"])
        #expect(content([Requirement(code: "R1", kind: .minStaff, threshold: 200, points: 100)]).problems.isEmpty)
    }

    @Test("the form's lines: blank ones skipped, areas in m², errors named by the line they are on")
    func form() throws {
        var form = ["jurisdictionCode": "370102", "tier": "town_centre", "titleZh": "标准", "meetsMark": "85", "basicMark": "60",
                    "req0_code": "R1", "req0_kind": "min_floor_area", "req0_value": "42.6", "req0_points": "40",
                    "req2_code": "R2", "req2_kind": "five_disclosures", "req2_value": "", "req2_points": "60"]
        let content = try StandardForm.content(form)
        #expect(content.requirements == [Requirement(code: "R1", kind: .minFloorArea, threshold: 426, points: 40),
                                         Requirement(code: "R2", kind: .fiveDisclosures, points: 60)])
        #expect(StandardForm.fields(of: content)["req0_value"] == "42.6")
        form["req2_points"] = "0"
        form["req0_value"] = "4x"
        do {
            _ = try StandardForm.content(form)
            Issue.record("went through")
        } catch let error as DomainError {
            #expect(Set(error.fields.map(\.field)) == ["requirements[0].threshold", "requirements[2].points"])
        }
    }

    @Test("shares are of the inspected sites in tenths of a per cent, rounded to the nearest: 122 of 174 is 70.1 %, 7 of 8 is 87.5 %")
    func shares() {
        #expect(TierStanding(tier: .villageStation, sites: 174, inspected: 174, meets: 52, basic: 60, below: 62).belowShare == 701)
        #expect(TierStanding(tier: .villageStation, sites: 174, inspected: 174, meets: 52, basic: 60, below: 62).meetingShare == 299)
        #expect(TierStanding(tier: .townCentre, sites: 8, inspected: 8, meets: 1, basic: 7, below: 0).belowShare == 875)
        #expect(TierStanding(tier: .countyCentre, sites: 1, inspected: 0, meets: 0, basic: 0, below: 0).belowShare == nil)
    }
}

/// Standards and inspections on the demo database: Lixia (370102) with Yanshan street (370102010) and its centre
/// 370102010-T (200 m², hall 488 m², 11 windows, 8 staff, a 叫号机 among its equipment); Fufeng (610324) with the demo's
/// standards and an inspection of each of its 183 sites.
@Suite("Site standards and inspections")
struct StandardServiceTests {
    struct World {
        let database: Database
        let world: DemoWorld
        let sites: SiteService
        let standards: StandardService

        init(_ database: Database) {
            self.database = database
            world = DemoWorld(database)
            sites = SiteService(database: database, identity: world.identity, catalogue: ServiceItemService(database: database, identity: world.identity))
            standards = sites.standards
        }

        func site(_ code: String) async throws -> ServiceSite { try await SiteServiceTests.World(database).site(code) }

        /// Lixia's town-centre standard: windows ≥ 11 (30), staff ≥ 9 (20), a 无人机 (10), five disclosures (30), A/B posts (10).
        static let lixiaTown = StandardContent(jurisdictionCode: "370102", tier: .townCentre, titleZh: "历下区街道便民服务中心建设标准", requirements: [
            Requirement(code: "R1", kind: .minWindows, threshold: 11, points: 30),
            Requirement(code: "R2", kind: .minStaff, threshold: 9, points: 20),
            Requirement(code: "R3", kind: .equipment, equipment: "无人机", points: 10),
            Requirement(code: "R4", kind: .fiveDisclosures, points: 30),
            Requirement(code: "R5", kind: .abPosts, points: 10),
        ], meetsMark: 85, basicMark: 60)

        var today: String { WorkingCalendar().dayKey(Date()) }

        func auditActions(_ type: String, _ id: UUID) async throws -> [String] {
            try await database.read { connection in
                var actions: [String] = []
                for try await action in try await connection.query(
                    "SELECT action FROM audit.events WHERE entity_type = \(type) AND entity_id = \(id) ORDER BY seq", logger: database.logger).decode(String.self) {
                    actions.append(action)
                }
                return actions
            }
        }
    }

    @Test("Lixia's offices set the county's standard, once per tier; a revision is a new version; another county, a street office, a supplier, an overseer are refused")
    func keep() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            for username in ["fufeng", "yanshan", "ngo", "overseer", "evaluator"] {
                let actor = try await w.world.actor(username)
                #expect(await failure { _ = try await w.standards.create(by: actor, World.lixiaTown) }?.kind == .forbidden, "\(username)")
            }
            let standard = try await w.standards.create(by: finance, World.lixiaTown)
            #expect(standard.current.version == 1)
            #expect(try await w.standards.standard(id: standard.id).content == World.lixiaTown)
            // One standard per county and tier.
            #expect(await failure { _ = try await w.standards.create(by: try await w.world.actor("civil"), World.lixiaTown) }?.kind == .conflict)
            // Streets keep no standards: the county does.
            var street = World.lixiaTown
            street.jurisdictionCode = "370102010"
            street.tier = .villageStation
            #expect(await failure { _ = try await w.standards.create(by: finance, street) }.map { Set($0.fields.map(\.field)) } == ["jurisdictionCode"])
            // A revision: version 2; the same content again changes nothing; county and tier stay.
            var revised = World.lixiaTown
            revised.meetsMark = 90
            #expect(try await w.standards.revise(by: finance, id: standard.id, revised).current.version == 2)
            #expect(try await w.standards.revise(by: finance, id: standard.id, revised).current.version == 2)
            #expect(try await w.standards.versions(of: standard.id).map(\.version) == [2, 1])
            #expect(try await w.standards.versions(of: standard.id).last?.content == World.lixiaTown, "version 1 stays as it was")
            var moved = revised
            moved.tier = .villageStation
            #expect(await failure { _ = try await w.standards.revise(by: finance, id: standard.id, moved) }.map { Set($0.fields.map(\.field)) } == ["tier"])
            #expect(await failure { _ = try await w.standards.revise(by: try await w.world.actor("fufeng"), id: standard.id, revised) }?.kind == .forbidden)
            #expect(try await w.auditActions("site-standard", standard.id) == ["site-standard.created", "site-standard.revised"])
        }
    }

    @Test("an inspection scores the measured requirements from the record and the others as confirmed, and grades from the marks: 60 of 100 basically meets")
    func inspect() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            _ = try await w.standards.create(by: finance, World.lixiaTown)
            let centre = try await w.site("370102010-T")
            let inspection = try await w.standards.inspect(by: finance, siteID: centre.id, InspectionInput(
                inspectedOn: w.today, confirmations: ["R4": true, "R5": false], notes: "现场检查"))
            // Windows 11 ≥ 11 (30) and the disclosures (30) are met; 8 staff < 9, no 无人机, no A/B posts.
            #expect(inspection.scores.map(\.met) == [true, false, false, true, false])
            #expect(inspection.scores.first?.observed == "11")
            #expect(inspection.points == 60 && inspection.totalPoints == 100 && inspection.score == 6_000)
            #expect(inspection.grade == .basic)
            let history = try await w.standards.inspections(siteID: centre.id, for: nil)
            #expect(history.map(\.inspection.id) == [inspection.id])
            #expect(history.first?.missing.map(\.code) == ["R2", "R3", "R5"])
            #expect(try await w.auditActions("site", centre.id).last == "site.inspected")
            // The summary of Lixia: one of its 14 street centres inspected, below the standard.
            let town = try #require(try await w.standards.summary(jurisdictionCode: "370102").first { $0.tier == .townCentre })
            #expect(town.inspected == 1 && town.basic == 1 && town.belowShare == 1_000)
        }
    }

    @Test("only the offices of the county whose standard grades the site inspect it: not the street's own office, another county, an overseer or a supplier")
    func inspectRefusals() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            let centre = try await w.site("370102010-T")
            let input = InspectionInput(inspectedOn: w.today, confirmations: ["R4": true, "R5": true])
            // No standard yet: the county's office learns it must set one (409); a stranger is refused first.
            #expect(await failure { _ = try await w.standards.inspect(by: finance, siteID: centre.id, input) }?.kind == .conflict)
            #expect(await failure { _ = try await w.standards.inspect(by: try await w.world.actor("fufeng"), siteID: centre.id, input) }?.kind == .forbidden)
            _ = try await w.standards.create(by: finance, World.lixiaTown)
            for username in ["yanshan", "fufeng", "overseer", "ngo", "incubator"] {
                let actor = try await w.world.actor(username)
                #expect(await failure { _ = try await w.standards.inspect(by: actor, siteID: centre.id, input) }?.kind == .forbidden, "\(username)")
                #expect(try await w.standards.mayInspect(actor, centre) == false, "\(username)")
            }
            #expect(try await w.standards.mayInspect(finance, centre))
            #expect(try await w.standards.mayInspect(try await w.world.actor("civil"), centre))
            #expect(try await w.standards.inspections(siteID: centre.id, for: nil).isEmpty)
        }
    }

    @Test("an inspection is refused on every problem at once: an unanswered or unknown requirement, a measured one confirmed, a future day, a file that is no photo")
    func inspectionInput() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            _ = try await w.standards.create(by: finance, World.lixiaTown)
            let centre = try await w.site("370102010-T")
            let error = await failure {
                _ = try await w.standards.inspect(by: finance, siteID: centre.id, InspectionInput(
                    inspectedOn: "2999-01-01", confirmations: ["R1": true, "R4": true, "R9": false],
                    evidence: [InspectionUpload(requirementCode: "R4", filename: "note.txt", data: Data("plain text".utf8)),
                               InspectionUpload(requirementCode: "R8", filename: "x.png", data: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))]))
            }
            #expect(error?.kind == .invalid)
            #expect(Set(error?.fields.map(\.field) ?? []) == ["inspectedOn", "confirmations.R1", "confirmations.R9", "confirmations.R5",
                                                               "evidence[0].file", "evidence[1].requirementCode"])
            #expect(await failure { _ = try await w.standards.inspect(by: finance, siteID: centre.id, InspectionInput(
                inspectedOn: "2026-02-30", confirmations: ["R4": true, "R5": true])) }.map { $0.fields.map(\.field) } == ["inspectedOn"])
            #expect(try await w.standards.inspections(siteID: centre.id, for: nil).isEmpty, "nothing was recorded")
        }
    }

    @Test("evidence keeps its SHA-256; its bytes go to the offices and overseers of the site's jurisdiction, checked against it, and are hidden from the rest")
    func evidence() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let finance = try await w.world.actor("finance")
            _ = try await w.standards.create(by: finance, World.lixiaTown)
            let centre = try await w.site("370102010-T")
            let photo = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data("spokes inspection photo".utf8)
            let inspection = try await w.standards.inspect(by: finance, siteID: centre.id, InspectionInput(
                inspectedOn: w.today, confirmations: ["R4": true, "R5": true],
                evidence: [InspectionUpload(requirementCode: "R4", filename: "../公开栏.png", data: photo)]))
            let file = try #require(inspection.evidence.first)
            // sha256 of those 31 bytes, computed outside Spokes (Python's hashlib).
            #expect(file.sha256 == "246ff628c329cdab68992e0b2c3a4ef21e2a89336a2bf337a6178a895ec4a237")
            #expect(file.kind == .png && file.size == photo.count && file.filename == "公开栏.png")
            for username in ["finance", "yanshan", "overseer"] {
                let read = try await w.standards.evidenceFile(id: file.id, inspectionID: inspection.id, by: try await w.world.actor(username))
                #expect(read.data == photo, "\(username)")
            }
            for username in ["fufeng", "ngo", "evaluator"] {
                let actor = try await w.world.actor(username)
                #expect(await failure { _ = try await w.standards.evidenceFile(id: file.id, by: actor) }?.kind == .notFound, "\(username)")
            }
            #expect(await failure { _ = try await w.standards.evidenceFile(id: file.id, by: nil) }?.kind == .unauthenticated)
            // Another inspection's path does not reach it.
            #expect(await failure { _ = try await w.standards.evidenceFile(id: file.id, inspectionID: UUID.v7(), by: finance) }?.kind == .notFound)
            // Bytes changed behind the platform's back no longer match their digest.
            try await database.transaction { connection in
                try await connection.query("UPDATE grassroots.inspection_evidence SET content = \(ByteBuffer(bytes: Data(photo.dropLast()))) WHERE id = \(file.id)",
                                           logger: database.logger)
            }
            #expect(await failure { _ = try await w.standards.evidenceFile(id: file.id, by: finance) }?.kind == .conflict)
        }
    }

    @Test("the demo's Fufeng: every site inspected against its tier's standard, below the standard as seed 003 reports: all of the county's, 7 of 8 towns, 122 of 174 villages")
    func demoSummary() async throws {
        try await TestDatabase.with { database in
            let w = World(database)
            let summary = try await w.standards.summary(jurisdictionCode: "610324")
            #expect(summary.map(\.sites) == [1, 8, 174])
            #expect(summary.map(\.inspected) == [1, 8, 174])
            #expect(summary.map(\.belowStandard) == [1, 7, 122])
            #expect(summary.map(\.belowShare) == [1_000, 875, 701])
            #expect(try await w.standards.standards(jurisdictionCode: "610324", tier: nil).map(\.content.tier) == [.countyCentre, .townCentre, .villageStation])
            // A site's page: what its latest inspection missed.
            let centre = try await w.site("610324-C")
            let latest = try #require(try await w.standards.inspections(siteID: centre.id, for: nil).first)
            #expect(latest.inspection.grade != .meets)
            #expect(latest.missing.map(\.kind).contains(.minFloorArea), "600 m² against the county centre's 800 m²")
            #expect(latest.inspection.evidence.count == 1)
        }
    }
}
