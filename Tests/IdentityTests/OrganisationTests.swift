import Core
import Foundation
import Identity
import Store
import TestSupport
import Testing

@Suite("Organisations and users")
struct OrganisationTests {
    @Test("an administrator registers an organisation; it is audited")
    func register() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let admin = try await world.actor("admin")
            let organisation = try await world.identity.createOrganisation(by: admin, NewOrganisation(
                kind: "social_organisation", nameZh: "历下区测试服务中心", nameEn: "Test Centre",
                creditCode: "91350100m000100y43", jurisdictionCode: "370102001"))
            #expect(organisation.creditCode == "91350100M000100Y43")
            #expect(organisation.reference.hasPrefix("ORG-"))
            let stored = try await world.identity.organisation(id: organisation.id)
            #expect(stored.nameZh == "历下区测试服务中心" && stored.kind == .socialOrganisation && stored.reference == organisation.reference)
            let report = try await AuditVerifier(database: database).verify()
            #expect(report.isIntact)
        }
    }

    @Test("every invalid field is reported at once")
    func invalidFields() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            do {
                _ = try await world.identity.createOrganisation(by: try await world.actor("admin"), NewOrganisation(
                    kind: "company", nameZh: " ", nameEn: "X", creditCode: "91350100M000100Y44", jurisdictionCode: "370102"))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(Set(error.fields.map(\.field)) == ["kind", "nameZh", "creditCode"])
            }
        }
    }

    @Test("a social organisation may start unregistered, as a team with an idea; any other kind needs its credit code")
    func unregisteredTeam() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let admin = try await world.actor("admin")
            let team = try await world.identity.createOrganisation(by: admin, NewOrganisation(
                kind: "social_organisation", nameZh: "“邻里守望”公益团队", nameEn: "Neighbourhood Watch team", creditCode: " ", jurisdictionCode: "370102"))
            #expect(team.creditCode == nil)
            await #expect(throws: DomainError.invalid([FieldError("creditCode", "is required")])) {
                _ = try await world.identity.createOrganisation(by: admin, NewOrganisation(
                    kind: "department", nameZh: "某局", nameEn: "A bureau", creditCode: nil, jurisdictionCode: "370102"))
            }
        }
    }

    @Test("a credit code registered already is a conflict")
    func duplicateCreditCode() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let existing = try await world.organisation(ofUser: "ngo")
            await #expect(throws: DomainError.conflict("an organisation with credit code \(existing.creditCode!) is registered already")) {
                _ = try await world.identity.createOrganisation(by: try await world.actor("admin"), NewOrganisation(
                    kind: "social_organisation", nameZh: "重复", nameEn: "Duplicate", creditCode: existing.creditCode,
                    jurisdictionCode: "370102"))
            }
        }
    }

    @Test("an unknown jurisdiction is named")
    func unknownJurisdiction() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            await #expect(throws: DomainError.invalid([FieldError("jurisdictionCode", "no jurisdiction has code 999999")])) {
                _ = try await world.identity.createOrganisation(by: try await world.actor("admin"), NewOrganisation(
                    kind: "department", nameZh: "某局", nameEn: "Some bureau", creditCode: "91350100M000100Y43", jurisdictionCode: "999999"))
            }
        }
    }

    @Test("only platform administrators register organisations")
    func registerRefused() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            for username in ["finance", "ngo", "overseer", "incubator"] {
                await #expect(throws: DomainError.self) {
                    _ = try await world.identity.createOrganisation(by: try await world.actor(username), NewOrganisation(
                        kind: "department", nameZh: "某局", nameEn: "Some bureau", creditCode: "91350100M000100Y43", jurisdictionCode: "370102"))
                }
            }
        }
    }

    @Test("an organisation administrator adds a user to their own organisation, who can then sign in")
    func addUser() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let manager = try await world.actor("finance")
            let user = try await world.identity.createUser(by: manager, NewUser(
                username: "clerk", displayName: "小李", password: "a long password", organisationID: manager.organisationID,
                roles: ["buyer"]))
            #expect(user.roles == [.buyer])
            let actor = try await world.identity.signIn(username: "CLERK", password: "a long password")
            #expect(actor.userID == user.id)
            #expect(actor.organisationID == manager.organisationID)
        }
    }

    @Test("an organisation administrator cannot add users to another organisation")
    func addUserElsewhere() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let manager = try await world.actor("finance")
            let other = try await world.organisation(ofUser: "ngo")
            do {
                _ = try await world.identity.createUser(by: manager, NewUser(
                    username: "intruder", displayName: "X", password: "a long password", organisationID: other.id, roles: ["supplier"]))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .forbidden)
            }
        }
    }

    @Test("a member without the administrator role cannot add users")
    func memberCannotAdd() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let member = try await world.actor("civil")
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.createUser(by: member, NewUser(
                    username: "x1", displayName: "X", password: "a long password", organisationID: member.organisationID, roles: ["buyer"]))
            }
        }
    }

    @Test("roles must fit the organisation's kind, and only administrators grant admin")
    func rolesFitKind() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let manager = try await world.actor("ngo")
            do {
                _ = try await world.identity.createUser(by: manager, NewUser(
                    username: "x2", displayName: "X", password: "short", organisationID: manager.organisationID,
                    roles: ["buyer", "admin", "wizard"]))
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(error.fields.filter { $0.field == "roles" }.count == 4)
                #expect(error.fields.contains { $0.field == "password" })
            }
        }
    }

    @Test("a user name is unique whatever its case")
    func uniqueUsername() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let manager = try await world.actor("finance")
            await #expect(throws: DomainError.conflict("the user name Civil is taken")) {
                _ = try await world.identity.createUser(by: manager, NewUser(
                    username: "Civil", displayName: "X", password: "a long password", organisationID: manager.organisationID, roles: ["buyer"]))
            }
        }
    }

    @Test("a disabled user cannot sign in and loses their sessions")
    func disable() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let civil = try await world.actor("civil")
            let session = try await world.identity.startSession(for: civil)
            // Civil affairs has no organisation administrator of its own, so the platform's acts.
            _ = try await world.identity.setUserDisabled(by: try await world.actor("admin"), userID: civil.userID, disabled: true)
            #expect(try await world.identity.actor(forSession: session.secret) == nil)
            await #expect(throws: DomainError.unauthenticated("Wrong user name or password.")) {
                _ = try await world.actor("civil")
            }
        }
    }

    @Test("an organisation administrator cannot disable users of another organisation")
    func disableElsewhere() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let civil = try await world.actor("civil")
            await #expect(throws: DomainError.forbidden("only this organisation's administrators may do this")) {
                _ = try await world.identity.setUserDisabled(by: try await world.actor("finance"), userID: civil.userID, disabled: true)
            }
        }
    }

    @Test("demo seeding twice changes nothing the second time")
    func seedIdempotent() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let report = try await world.identity.seed(TestDatabase.demoSeed)
            #expect(report == SeedReport())
            let jurisdictions = try await world.identity.jurisdictions()
            #expect(jurisdictions.count == TestDatabase.demoSeed.jurisdictions.count)
        }
    }

    @Test("the demo data has Lixia's 14 streets and Fufeng's 8 towns, each user a valid organisation")
    func demoData() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let jurisdictions = try await world.identity.jurisdictions()
            let lixia = try #require(jurisdictions.first { $0.code == "370102" })
            let fufeng = try #require(jurisdictions.first { $0.code == "610324" })
            #expect(jurisdictions.filter { $0.parentID == lixia.id }.count == 14)
            #expect(jurisdictions.filter { $0.parentID == fufeng.id }.count == 8)
            for user in TestDatabase.demoSeed.users {
                let actor = try await world.actor(user.username)
                #expect(Set(actor.roles.map(\.rawValue)) == Set(user.roles))
            }
        }
    }
}
