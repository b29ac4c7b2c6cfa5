import Catalogue
import Core
import Foundation
import Identity
import Store
import Tabular
import Tendering
import TestSupport
import Testing

@Suite("Purchase lists")
struct PurchaseListTests {
    func service(_ database: Database) -> PurchaseListService {
        PurchaseListService(database: database, identity: DemoWorld(database).identity, catalogue: PurchaseCatalogueService(database: database))
    }

    func content(_ reference: String = "LX2026-90", code: String = "A0101", budget: Int64 = 150_000) -> PurchaseLineContent {
        PurchaseLineContent(year: 2026, reference: reference, catalogueCode: code, title: "居家养老上门服务（试点）", targetGroup: "高龄独居老人",
                            quantity: 60, unit: "人", budget: .yuan(budget), fundingSource: .generalBudget, tier: .street)
    }

    /// The demo list with one row changed (by its reference) or added.
    func demoFile(_ change: (inout [[String]]) -> Void) throws -> Data {
        var table = try SpreadsheetFile.read(try TestDatabase.seedFile("purchase-lines.csv"))
        change(&table.rows)
        return SpreadsheetFile.write(Table(header: table.header, rows: table.rows), as: .csv)
    }

    @Test("the demo list holds Lixia's 23 projects for 6 million yuan in four brand lines")
    func demo() async throws {
        try await TestDatabase.with { database in
            let finance = try await DemoWorld(database).organisation(ofUser: "finance")
            let lines = try await service(database).lines(PurchaseLineQuery(year: 2026, buyerID: finance.id))
            #expect(lines.count == 23)
            #expect(lines.reduce(0) { $0 + $1.content.budget.minorUnits } == Money.yuan(6_000_000).minorUnits)
            #expect(Set(lines.map { String($0.content.catalogueCode.prefix(3)) }) == ["A01", "A02", "A03", "A04"])
        }
    }

    @Test("a buyer adds and changes its own lines; each change is audited")
    func addAndUpdate() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            let world = DemoWorld(database)
            let finance = try await world.actor("finance")
            let line = try await lists.addLine(by: finance, buyerID: finance.organisationID, content())
            #expect(try await lists.line(id: line.id) == line)
            var changed = line.content
            changed.budget = .yuan(160_000)
            let updated = try await lists.updateLine(by: finance, id: line.id, changed)
            #expect(updated.content.budget == .yuan(160_000))
            let trail = try await database.read { try await AuditLog.trail(of: AuditEntity("purchase_line", line.id), on: $0, logger: database.logger) }
            #expect(trail.map(\.action) == ["purchase_line.created", "purchase_line.updated"])
            await #expect(throws: DomainError.self) { _ = try await lists.addLine(by: finance, buyerID: finance.organisationID, content()) }
        }
    }

    @Test("lines outside the catalogue, under a heading or on the negative list are refused, saying which rule failed")
    func catalogueRules() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            for (code, words) in [("Z9901", "not in the guiding purchase catalogue"), ("A01", "is a heading"),
                                  ("N0101", "on the negative list"), ("N0401", "on the negative list")] {
                do {
                    _ = try await lists.addLine(by: finance, buyerID: finance.organisationID, content(code: code))
                    Issue.record("\(code) was accepted")
                } catch let error as DomainError {
                    #expect(error.kind == .invalid && error.fields.first?.field == "catalogueCode" && error.fields.first!.message.english.contains(words), "\(code)")
                }
            }
        }
    }

    @Test("bad values are refused field by field")
    func badValues() async throws {
        try await TestDatabase.with { database in
            let finance = try await DemoWorld(database).actor("finance")
            var bad = content("LX 2026/1", budget: 0)
            bad.quantity = 0
            bad.title = ""
            do {
                _ = try await service(database).addLine(by: finance, buyerID: finance.organisationID, bad)
                Issue.record("bad line accepted")
            } catch let error as DomainError {
                #expect(Set(error.fields.map(\.field)) == ["reference", "title", "quantity", "budget"])
            }
        }
    }

    @Test("only the buyer's own staff keep its list")
    func refusals() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            let world = DemoWorld(database)
            let financeOffice = try await world.organisation(ofUser: "finance")
            let line = try #require(try await lists.lines(PurchaseLineQuery(buyerID: financeOffice.id, limit: 1)).first)
            for username in ["civil", "fufeng", "ngo", "evaluator", "overseer"] {
                let actor = try await world.actor(username)
                do {
                    _ = try await lists.addLine(by: actor, buyerID: financeOffice.id, content())
                    Issue.record("\(username) added a line to another's list")
                } catch let error as DomainError { #expect(error.kind == .forbidden, "\(username)") }
                do {
                    _ = try await lists.updateLine(by: actor, id: line.id, content())
                    Issue.record("\(username) changed another's line")
                } catch let error as DomainError { #expect(error.kind == .forbidden, "\(username)") }
                do {
                    _ = try await lists.importLines(by: actor, buyerID: financeOffice.id, try TestDatabase.seedFile("purchase-lines.csv"))
                    Issue.record("\(username) imported into another's list")
                } catch let error as DomainError { #expect(error.kind == .forbidden, "\(username)") }
            }
            // A department keeps its own list.
            let civil = try await world.actor("civil")
            _ = try await lists.addLine(by: civil, buyerID: civil.organisationID, content())
            // A supplier is not a buyer even for its own organisation.
            let ngo = try await world.actor("ngo")
            await #expect(throws: DomainError.self) { _ = try await lists.addLine(by: ngo, buyerID: ngo.organisationID, content()) }
        }
    }

    @Test("an import with bad rows reports every error by row and column and changes nothing; fixed, it imports")
    func importAllOrNothing() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            let before = try await lists.lines(PurchaseLineQuery(buyerID: finance.organisationID))
            let bad = try demoFile { rows in
                rows[0][7] = "410000.00"                // a change: would update, but the file is refused
                rows[2][2] = "N0201"                    // row 4: works, on the negative list
                rows[4][7] = "12.345"                   // row 6: three decimals
                rows[5][9] = "省级"                      // row 7: no such tier
                rows.append(rows[6])                    // row 25: same reference twice
            }
            do {
                _ = try await lists.importLines(by: finance, buyerID: finance.organisationID, bad)
                Issue.record("a bad file was imported")
            } catch let error as DomainError {
                #expect(error.fields.map(\.field) == ["rows[4].catalogueCode", "rows[6].budget", "rows[7].tier", "rows[25].reference"])
            }
            #expect(try await lists.lines(PurchaseLineQuery(buyerID: finance.organisationID)) == before)

            let good = try demoFile { rows in
                rows[0][7] = "410,000"
                rows.append(["2026", "LX2026-24", "A0801", "社区文化活动", "社区居民", "12", "场次", "90000", "其他", "社区"])
            }
            #expect(try await lists.importLines(by: finance, buyerID: finance.organisationID, good) == ImportReport(created: 1, updated: 1, unchanged: 22))
        }
    }

    @Test("an export imports back unchanged, as CSV and as Excel")
    func roundTrip() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            let finance = try await DemoWorld(database).actor("finance")
            for kind in [SpreadsheetFile.Kind.csv, .xlsx] {
                let file = try await lists.exportLines(buyerID: finance.organisationID, year: 2026, as: kind)
                #expect(try await lists.importLines(by: finance, buyerID: finance.organisationID, file) == ImportReport(unchanged: 23))
            }
        }
    }

    @Test("lists page by year and buyer without repeating or skipping a line")
    func paging() async throws {
        try await TestDatabase.with { database in
            let lists = service(database)
            var seen: [UUID] = []
            var after: PurchaseLine?
            repeat {
                let page = try await lists.lines(PurchaseLineQuery(after: after, limit: 5))
                seen += page.map(\.id)
                after = page.count == 5 ? page.last : nil
            } while after != nil
            // The finance office's 23 lines and the civil-affairs bureau's 3 (seed grants, two trainings), across two buyers.
            #expect(seen.count == 26 && Set(seen).count == 26)
        }
    }

    @Test("yuan amounts are read as people write them, and nothing else")
    func money() {
        #expect(Money.parse(yuan: "260000") == .yuan(260_000))
        #expect(Money.parse(yuan: "¥260,000.5") == Money(minorUnits: 26_000_050))
        #expect(Money.parse(yuan: "0.07") == Money(minorUnits: 7))
        for bad in ["", "12.345", "1,23", "-5", "1e5", "十万", "1.2.3", ",100"] { #expect(Money.parse(yuan: bad) == nil, "\(bad)") }
        #expect(Money(minorUnits: 26_000_050).yuanText == "260000.50")
    }
}
