import Catalogue
import Core
import Delivery
import Foundation
import Grassroots
import Identity
import Payments
import Store
import Tendering
import Transparency

/// Loads the demo data of `seed/` (see seed/README.md): the same for `spokes seed` and the tests'
/// demo database. Idempotent: loading twice changes nothing the second time.
public enum DemoData {
    /// The Lixia civil-affairs bureau (济南市历下区民政局), which funds the incubator's seed grants.
    static let lixiaCivilAffairsBureau = "11370102200000021T"
    /// The Lixia district finance office (济南市历下区财政局), whose purchase list the demo carries.
    static let lixiaFinanceOffice = "113701022000000130"

    /// Loads everything and says, a line per file, what changed. With a bid sealer, also the demo
    /// tenders (the tests' template leaves them out, so tests own every tender they see).
    public static func load(into database: Database, from directory: String, policy: SignInPolicy, tenders sealer: BidSealer? = nil) async throws -> [String] {
        func file(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)) }
        let identity = IdentityService(database: database, policy: policy)
        var lines: [String] = []
        let seeded = try await identity.seed(try IdentitySeed.load(from: directory + "/identity.json"))
        lines.append("Identity: \(seeded.jurisdictions) jurisdictions, \(seeded.organisations) organisations, \(seeded.users) users, \(seeded.standings) ratings and violations added (existing ones left alone).")
        func say(_ what: String, _ report: ImportReport) {
            lines.append("\(what): \(report.created) added, \(report.updated) updated, \(report.unchanged) unchanged.")
        }
        let catalogue = PurchaseCatalogueService(database: database)
        say("Guiding purchase catalogue", try await catalogue.importFile(by: .system, try file("purchase-catalogue.csv")))
        let items = ServiceItemService(database: database, identity: identity)
        say("Materials", try await items.importMaterials(by: .system, try file("materials.csv")))
        say("Service items", try await items.importItems(by: .system, try file("service-items.csv")))
        for (what, name) in DemoCatalogue.itemFiles { say(what, try await items.importItems(by: .system, try file(name))) }
        lines.append(try await DemoCatalogue.loadNegativeList(database: database, identity: identity, from: try file("negative-list.json")))
        // The service sites of the three-tier network (issue 23): Fufeng's 183 and Lixia's 14 street centres.
        let sites = SiteService(database: database, identity: identity, catalogue: items)
        for (what, name) in [("Service sites of Fufeng county", "service-sites-fufeng.csv"), ("Service sites of Lixia district", "service-sites-lixia.csv")] {
            let report = try await sites.importFile(by: .system, try file(name))
            lines.append("\(what): \(report.created) added, \(report.updated) updated, \(report.unchanged) unchanged.")
        }
        // Grassroots: standards. Fufeng's standards per tier and an inspection of each of its sites (issue 23 item 2).
        lines.append(try await DemoStandards.load(database: database, identity: identity, sites: sites,
                                                  password: try IdentitySeed.load(from: directory + "/identity.json").demoPassword))
        guard let buyer = try await identity.organisation(creditCode: lixiaFinanceOffice) else {
            throw DomainError.notFound("the demo buyer \(lixiaFinanceOffice) is missing from identity.json")
        }
        let lists = PurchaseListService(database: database, identity: identity, catalogue: catalogue)
        say("Purchase list of \(buyer.nameZh)", try await lists.importLines(by: .system, buyerID: buyer.id, try file("purchase-lines.csv")))
        // The civil-affairs bureau budgets the incubator's seed grants (DemoIncubation pays two from it).
        guard let civilAffairs = try await identity.organisation(creditCode: lixiaCivilAffairsBureau) else {
            throw DomainError.notFound("the demo buyer \(lixiaCivilAffairsBureau) is missing from identity.json")
        }
        say("Purchase list of \(civilAffairs.nameZh)",
            try await lists.importLines(by: .system, buyerID: civilAffairs.id, try file("purchase-lines-civil-affairs.csv")))
        if let sealer {
            // Tenders count their periods on the working calendar; a demo run late in the year (or in 2027)
            // needs next year's. Until the State Council's schedule is imported, a provisional one stands in.
            let calendar = try await CalendarService(database: database).importFile(by: .system, try file("calendar-provisional.csv"), keepingHeld: true)
            let provisional = calendar.years.filter { $0.change == .added }.map { String($0.year) }
            if !provisional.isEmpty {
                lines.append("Working calendar: provisional \(provisional.joined(separator: ", ")) loaded (statutory holidays only); import the State Council's schedule over it (spokes calendar import FILE).")
            }
            // Fufeng's finance office buys the running of 午井镇's village stations, paid on the platform's records of them
            // (DemoStationContract, after the stations' cases).
            if let fufeng = try await identity.organisation(creditCode: DemoStationContract.fufengFinanceOffice) {
                say("Purchase list of \(fufeng.nameZh)", try await lists.importLines(by: .system, buyerID: fufeng.id, try file("purchase-lines-fufeng.csv")))
            }
            let password = try IdentitySeed.load(from: directory + "/identity.json").demoPassword
            lines.append(try await DemoTenders.load(database: database, identity: identity, buyerID: buyer.id, sealer: sealer, password: password))
            // What is public so far goes out as OCDS releases; the contracts that follow make later ones.
            let published = try await publishReleases(database: database, identity: identity, sealer: sealer)
            lines.append(try await DemoIncubation.load(database: database, identity: identity, password: password))
            lines.append(try await DemoContracts.load(database: database, identity: identity, buyerID: buyer.id, password: password))
            lines.append(try await DemoVoice.load(database: database, identity: identity, buyerID: buyer.id, password: password))
            lines.append(try await DemoJoining.load(database: database, identity: identity, sealer: sealer, password: password))
            lines.append(try await DemoRequests.load(database: database, identity: identity, sealer: sealer, password: password))
            lines.append(try await DemoStationContract.load(database: database, identity: identity, sealer: sealer, password: password))
            let updated = try await publishReleases(database: database, identity: identity, sealer: sealer)
            lines.append("OCDS releases: \(published) published after tendering, \(updated) after delivery.")
        }
        return lines
    }

    /// Appends an OCDS release for each public tender that changed (prefix "spokes", as `serve` defaults to).
    static func publishReleases(database: Database, identity: IdentityService, sealer: BidSealer) async throws -> Int {
        let lists = PurchaseListService(database: database, identity: identity, catalogue: PurchaseCatalogueService(database: database))
        let tenders = TenderService(database: database, identity: identity)
        let awards = AwardService(database: database, identity: identity)
        let payments = ContractPaymentService(database: database, ledger: LedgerService(database: database, purchaseLists: lists))
        let contracts = ContractService(database: database, identity: identity, awards: awards, funding: payments)
        return try await TransparencyService(database: database, identity: identity, tenders: tenders, bids: BidService(database: database, identity: identity, sealer: sealer),
                                             awards: awards, lists: lists, contracts: contracts, payments: payments, prefix: "spokes").sync()
    }
}
