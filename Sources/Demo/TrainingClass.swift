import Core
import Foundation
import Identity
import Store
import Tendering

/// A training class's district (issue 27): the demo district's organisations, catalogue, sites and purchase lists
/// without its tenders and contracts, and accounts for a class: a trainer, buyers, social organisations and evaluators.
public enum TrainingClass {
    /// The class's accounts by role, for `trainees` people: a fifth buyers, a fifth evaluators (at least two, a panel's
    /// minimum), the rest social organisations that bid against one another.
    public struct Roster: Sendable, Equatable {
        public var buyers: Int
        public var evaluators: Int
        public var organisations: Int

        public static let sizes = 3...60

        public init(trainees: Int) {
            buyers = max(1, trainees / 5)
            evaluators = max(Evaluation.minimumScorers, trainees / 5)
            organisations = max(1, trainees - buyers - evaluators)
        }

        public var usernames: [(username: String, role: String)] {
            [("trainer", "admin")] + (1...buyers).map { (Self.name("buyer", $0), "buyer") }
                + (1...organisations).map { (Self.name("ngo", $0), "supplier, org_admin") }
                + (1...evaluators).map { (Self.name("eval", $0), $0 == 1 ? "evaluator, org_admin" : "evaluator") }
        }

        static func name(_ stem: String, _ number: Int) -> String { stem + (number < 10 ? "0" : "") + String(number) }
    }

    static let platform = "11370102100000016X"
    static let buyerOffices = [DemoData.lixiaFinanceOffice, DemoData.lixiaCivilAffairsBureau]
    static let evaluationCentre = "523701026000000123"

    /// Loads the district (idempotent) and the class, whose accounts all get `password`; returns what was done.
    public static func load(into database: Database, from directory: String, policy: SignInPolicy, clock: any SpokesClock,
                            roster: Roster, password: String) async throws -> [String] {
        var lines = try await DemoData.load(into: database, from: directory, policy: policy)
        let calendar = try await CalendarService(database: database, clock: clock)
            .importFile(by: .system, try Data(contentsOf: URL(fileURLWithPath: directory + "/calendar-provisional.csv")), keepingHeld: true)
        lines.append("Working calendar: \(calendar.years.map { String($0.year) }.joined(separator: ", ")) held.")
        let identity = IdentityService(database: database, clock: clock, policy: policy)
        let seeded = try await identity.seed(try seed(roster: roster, password: password, today: WorkingCalendar().dayKey(clock.now())))
        lines.append("Training class: \(seeded.organisations) social organisations and \(seeded.users) accounts added (existing ones left alone).")
        return lines
    }

    /// The class as an identity seed: one approved, rated social organisation per NGO trainee.
    static func seed(roster: Roster, password: String, today: String) throws -> IdentitySeed {
        var organisations: [[String: Any]] = []
        var ratings: [[String: Any]] = []
        var users: [[String: Any]] = [["username": "trainer", "displayName": "培训讲师", "organisationCreditCode": platform, "roles": ["admin"]]]
        for number in 1...roster.buyers {
            users.append(["username": Roster.name("buyer", number), "displayName": "采购学员\(Roster.name("", number))",
                          "organisationCreditCode": buyerOffices[(number - 1) % buyerOffices.count], "roles": ["buyer"]])
        }
        for number in 1...roster.organisations {
            // 52 (social service organisation) 370102 (Lixia) 7 (the training block) and a serial: never a real register's.
            let code = try CreditCode.completing("523701027" + String(format: "%08d", number)).value
            organisations.append(["kind": "social_organisation", "nameZh": "培训学员社会组织\(Roster.name("", number))",
                                  "nameEn": "Trainee Social Organisation \(Roster.name("", number))", "creditCode": code, "jurisdictionCode": "370102"])
            ratings.append(["creditCode": code, "level": 3, "awardedOn": today, "assessedBy": "培训用评估结果"])
            users.append(["username": Roster.name("ngo", number), "displayName": "社会组织学员\(Roster.name("", number))",
                          "organisationCreditCode": code, "roles": ["supplier", "org_admin"]])
        }
        for number in 1...roster.evaluators {
            // The first also administers the centre, as its director assigns evaluators to the contracts it is engaged for.
            users.append(["username": Roster.name("eval", number), "displayName": "评估学员\(Roster.name("", number))",
                          "organisationCreditCode": evaluationCentre, "roles": number == 1 ? ["evaluator", "org_admin"] : ["evaluator"]])
        }
        let json: [String: Any] = ["demoPassword": password, "jurisdictions": [], "organisations": organisations, "users": users, "ratings": ratings]
        return try JSONDecoder().decode(IdentitySeed.self, from: try JSONSerialization.data(withJSONObject: json))
    }
}
