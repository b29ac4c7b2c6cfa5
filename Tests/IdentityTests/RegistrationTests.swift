import Core
import Foundation
import Identity
import Store
import TestSupport
import Testing

/// Joining the marketplace and the register's standing (DOMAIN §7), written from the rules: anyone signs up; the
/// civil-affairs bureau of the applicant's jurisdiction (its registrars) approves, returns or refuses; the applicant
/// corrects a returned application; standing is kept by those registrars, corrected only with a reason, audited.
@Suite("Joining the marketplace and the register")
struct RegistrationTests {
    static let pdf = Data("%PDF-1.4\n% 登记证书\n%%EOF\n".utf8)

    static func code(_ n: Int) throws -> String { try CreditCode.completing(String(format: "5237010250%07d", 900_000 + n)).value }

    static func application(_ n: Int, form: String = "social_organisation", username: String? = nil) throws -> SignUp {
        SignUp(form: form, nameZh: "历下区新芽社会工作服务中心\(n)", nameEn: "", creditCode: form == "team" ? nil : try code(n),
               jurisdictionCode: "370102001", registrationAuthority: "济南市历下区民政局", legalRepresentative: "王新芽",
               contactName: "王新芽", contactPhone: "0531-8888 6666", email: "xinya\(n)@example.cn", username: username ?? "xinya\(n)",
               displayName: "王新芽", password: "a long enough password", certificate: form == "team" ? nil : pdf, certificateName: "登记证书.pdf")
    }

    @Test("a sign-up waits as applied with its first user as administrator and supplier; the registrar returns it, the applicant corrects it, the registrar approves it; every step audited")
    func signUpReturnCorrectApprove() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let (organisation, user) = try await world.identity.signUp(try Self.application(1), client: "203.0.113.1")
            #expect(organisation.status == .applied && organisation.kind == .socialOrganisation && organisation.nameEn == organisation.nameZh)
            #expect(Set(user.roles) == [.orgAdmin, .supplier])
            let applicant = try await world.identity.signIn(username: "xinya1", password: "a long enough password")
            let registration = try await world.identity.registration(of: organisation.id, by: applicant)
            #expect(registration.application.certificate?.kind == .pdf && registration.application.certificate?.size == Self.pdf.count)
            #expect(registration.application.email == "xinya1@example.cn" && registration.application.submissions == 1)
            // The registrar of Lixia (civil, 济南市历下区民政局) sees it waiting.
            let registrar = try await world.actor("civil")
            #expect(try await world.identity.registrations(by: registrar).map(\.organisation.id).contains(organisation.id))
            #expect(try await world.identity.waitingRegistrations(for: registrar) >= 1)
            await #expect(throws: DomainError.invalid([FieldError("reasons", "is required")])) {
                _ = try await world.identity.decide(by: registrar, organisationID: organisation.id, .return, reasons: " ")
            }
            let returned = try await world.identity.decide(by: registrar, organisationID: organisation.id, .return, reasons: "证书扫描件不清晰，请重新上传")
            #expect(returned.organisation.status == .returned && returned.application.reasons == "证书扫描件不清晰，请重新上传")
            // Deciding again is a conflict: it no longer waits.
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.decide(by: registrar, organisationID: organisation.id, .approve, reasons: "")
            }
            let corrected = try await world.identity.resubmit(by: applicant, organisationID: organisation.id, Resubmission(
                contactPhone: "13800138000", certificate: Data("%PDF-1.7\n% 清晰版\n%%EOF\n".utf8), certificateName: "证书.pdf"))
            #expect(corrected.organisation.status == .applied && corrected.application.submissions == 2 && corrected.application.contactPhone == "13800138000")
            // Only a returned application is sent again.
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.resubmit(by: applicant, organisationID: organisation.id, Resubmission(contactName: "李"))
            }
            let approved = try await world.identity.decide(by: registrar, organisationID: organisation.id, .approve, reasons: "")
            #expect(approved.organisation.status == .approved)
            #expect(try await world.identity.organisation(id: organisation.id).status == .approved)
            let (_, certificate) = try await world.identity.certificate(of: organisation.id, by: registrar)
            #expect(certificate == Data("%PDF-1.7\n% 清晰版\n%%EOF\n".utf8))
            #expect(try await AuditVerifier(database: database).verify().isIntact)
        }
    }

    @Test("every problem of a sign-up is reported at once and nothing is created")
    func everyProblemAtOnce() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            var bad = try Self.application(2)
            bad.form = "company"
            bad.nameZh = " "
            bad.creditCode = "91350100M000100Y44"
            bad.legalRepresentative = ""
            bad.contactPhone = "call me"
            bad.email = "not-an-address"
            bad.password = "short"
            bad.certificate = Data("MZ\u{90}\u{0}executable".utf8)
            do {
                _ = try await world.identity.signUp(bad, client: "203.0.113.2")
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .invalid)
                #expect(Set(error.fields.map(\.field)) == ["form", "nameZh", "creditCode", "legalRepresentative", "contactPhone", "email", "password", "certificate"])
            }
            var missing = try Self.application(3)
            missing.certificate = nil
            await #expect(throws: DomainError.invalid([FieldError("certificate", "is required: upload the registration certificate (登记证书)")])) {
                _ = try await world.identity.signUp(missing, client: "203.0.113.2")
            }
            #expect(try await world.identity.userExists(username: "xinya2") == false)
            #expect(try await world.identity.organisation(creditCode: try Self.code(3)) == nil)
        }
    }

    @Test("a team signs up without a credit code or certificate and may not claim one; a registered form needs both")
    func team() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            var application = try Self.application(4, form: "team")
            application.registrationAuthority = ""
            let (team, _) = try await world.identity.signUp(application, client: "203.0.113.4")
            #expect(team.creditCode == nil && team.status == .applied)
            var claimed = try Self.application(5, form: "team")
            claimed.creditCode = try Self.code(5)
            claimed.certificate = Self.pdf
            do {
                _ = try await world.identity.signUp(claimed, client: "203.0.113.4")
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(Set(error.fields.map(\.field)) == ["creditCode", "certificate"])
            }
        }
    }

    @Test("a credit code registered already, or a user name taken, is a conflict that leaves nothing behind")
    func duplicates() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            var existing = try Self.application(6)
            existing.creditCode = "523701025000000151"  // 济南市历下区阳光社会工作服务中心, in the seed
            await #expect(throws: DomainError.conflict("an organisation with credit code 523701025000000151 is registered already")) {
                _ = try await world.identity.signUp(existing, client: "203.0.113.6")
            }
            #expect(try await world.identity.userExists(username: "xinya6") == false)
            let taken = try Self.application(7, username: "ngo")
            await #expect(throws: DomainError.conflict("the user name ngo is taken")) {
                _ = try await world.identity.signUp(taken, client: "203.0.113.6")
            }
            #expect(try await world.identity.organisation(creditCode: try Self.code(7)) == nil, "the organisation is rolled back with the user")
        }
    }

    @Test("sign-ups per address are limited, also when they arrive at once; another address is not affected")
    func rateLimit() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let limit = world.identity.policy.maxSignUpsPerAddress
            let outcomes = await withTaskGroup(of: DomainError.Kind?.self) { group in
                for n in 0..<(limit + 3) {
                    group.addTask {
                        do {
                            _ = try await world.identity.signUp(try Self.application(100 + n), client: "198.51.100.7")
                            return nil
                        } catch let error as DomainError {
                            return error.kind
                        } catch {
                            return .unavailable
                        }
                    }
                }
                var all: [DomainError.Kind?] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == nil }.count == limit)
            #expect(outcomes.filter { $0 == .rateLimited }.count == 3)
            do {
                _ = try await world.identity.signUp(try Self.application(200), client: "198.51.100.7")
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(error.kind == .rateLimited && (error.retryAfter ?? 0) > 0)
            }
            _ = try await world.identity.signUp(try Self.application(201), client: "198.51.100.8")
        }
    }

    @Test("only the registrars of the applicant's jurisdiction or above decide: not a registrar of another county, an administrator, a buyer or the applicant; two decisions at once make one")
    func whoDecides() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let (organisation, _) = try await world.identity.signUp(try Self.application(8), client: "203.0.113.8")
            let applicant = try await world.identity.signIn(username: "xinya8", password: "a long enough password")
            let admin = try await world.actor("admin")
            // Fufeng's civil-affairs bureau gets a registrar from the platform's administrators.
            let fufengBureau = try #require(try await world.identity.organisation(creditCode: "11610324300000029G"))
            _ = try await world.identity.createUser(by: admin, NewUser(username: "fuclerk2", displayName: "扶风登记员", password: "a long enough password",
                                                                       organisationID: fufengBureau.id, roles: ["registrar"]))
            let elsewhere = try await world.identity.signIn(username: "fuclerk2", password: "a long enough password")
            for actor in [elsewhere, admin, try await world.actor("finance"), applicant] {
                await #expect(throws: DomainError.self, "\(actor.username)") {
                    _ = try await world.identity.decide(by: actor, organisationID: organisation.id, .approve, reasons: "")
                }
            }
            #expect(try await world.identity.registrations(by: elsewhere).contains { $0.organisation.id == organisation.id } == false)
            await #expect(throws: DomainError.self) { _ = try await world.identity.registration(of: organisation.id, by: elsewhere) }
            let registrar = try await world.actor("civil")
            async let approve: Registration? = try? world.identity.decide(by: registrar, organisationID: organisation.id, .approve, reasons: "")
            async let refuse: Registration? = try? world.identity.decide(by: registrar, organisationID: organisation.id, .refuse, reasons: "材料虚假")
            let decided = [await approve, await refuse].compactMap { $0 }
            #expect(decided.count == 1)
            #expect(try await world.identity.organisation(id: organisation.id).status == decided.first?.organisation.status)
        }
    }

    @Test("a registrar is made by the platform's administrators only: an organisation's own administrator cannot grant the role")
    func registrarGrantedByAdministrators() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let admin = try await world.actor("admin")
            let bureau = try await world.organisation(ofUser: "civil")
            _ = try await world.identity.createUser(by: admin, NewUser(username: "bureauadmin", displayName: "民政局管理员", password: "a long enough password",
                                                                       organisationID: bureau.id, roles: ["org_admin"]))
            let bureauAdmin = try await world.identity.signIn(username: "bureauadmin", password: "a long enough password")
            await #expect(throws: DomainError.invalid([FieldError("roles", "only platform administrators may grant registrar")])) {
                _ = try await world.identity.createUser(by: bureauAdmin, NewUser(username: "self-made", displayName: "自封", password: "a long enough password",
                                                                                organisationID: bureau.id, roles: ["registrar"]))
            }
            #expect(try await world.identity.actions(on: bureau.id, for: bureauAdmin).assignableRoles.contains(.registrar) == false)
        }
    }

    @Test("ratings and sanctions are recorded by the organisation's registrars, checked at their limits, corrected only with a reason, and audited")
    func standing() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let registrar = try await world.actor("civil")
            let youth = try await world.organisation(ofUser: "youth")
            // 3A needs 851 points of 1,000 (DOMAIN §2): 851 is enough, 850 is not.
            await #expect(throws: DomainError.invalid([FieldError("points", "a rating of 3A or more needs at least 851 points")])) {
                _ = try await world.identity.recordRating(by: registrar, organisationID: youth.id, NewRating(level: 3, points: 850, awardedOn: "2026-06-30"))
            }
            for (level, points, day) in [(0, 900, "2026-06-30"), (6, 900, "2026-06-30"), (3, 1001, "2026-06-30"), (3, -1, "2026-06-30"),
                                         (3, 900, "2026-02-30"), (3, 900, "-001-01-01"), (3, 900, "1989-12-31"), (3, 900, "2099-01-01")] {
                await #expect(throws: DomainError.self, "\(level) \(points) \(day)") {
                    _ = try await world.identity.recordRating(by: registrar, organisationID: youth.id, NewRating(level: level, points: points, awardedOn: day))
                }
            }
            let rating = try await world.identity.recordRating(by: registrar, organisationID: youth.id, NewRating(
                level: 3, points: 851, awardedOn: "2024-02-29", assessedBy: "济南市社会组织评估中心", document: "济历民〔2024〕12号"))
            #expect(rating.expiresOn == "2029-02-28")
            await #expect(throws: DomainError.conflict("a rating awarded on 2024-02-29 is recorded already")) {
                _ = try await world.identity.recordRating(by: registrar, organisationID: youth.id, NewRating(level: 4, awardedOn: "2024-02-29"))
            }
            for stranger in [try await world.actor("admin"), try await world.actor("finance"), try await world.actor("youth"), try await world.actor("overseer")] {
                await #expect(throws: DomainError.self, "\(stranger.username)") {
                    _ = try await world.identity.recordRating(by: stranger, organisationID: youth.id, NewRating(level: 5, awardedOn: "2026-01-05"))
                }
            }
            await #expect(throws: DomainError.invalid([FieldError("reason", "is required")])) {
                _ = try await world.identity.correctRating(by: registrar, organisationID: youth.id, awardedOn: "2024-02-29", StandingCorrection(level: 4, reason: ""))
            }
            let corrected = try await world.identity.correctRating(by: registrar, organisationID: youth.id, awardedOn: "2024-02-29",
                                                                   StandingCorrection(level: 4, points: 905, reason: "评估结果复核更正"))
            #expect(corrected.level == 4 && corrected.points == 905 && corrected.correction == "评估结果复核更正")
            #expect(try await world.identity.standingRecord(of: youth.id, by: nil).ratings.first { $0.awardedOn == "2024-02-29" } == corrected)

            await #expect(throws: DomainError.invalid([FieldError("endsOn", "is before the sanction began")])) {
                _ = try await world.identity.recordSanction(by: registrar, organisationID: youth.id, NewSanction(
                    kind: .seriousDishonesty, occurredOn: "2026-03-01", endsOn: "2026-02-28", source: "济历民罚〔2026〕3号", description: "提供虚假材料"))
            }
            let listing = try await world.identity.recordSanction(by: registrar, organisationID: youth.id, NewSanction(
                kind: .seriousDishonesty, occurredOn: "2026-03-01", source: "济历民罚〔2026〕3号", description: "提供虚假材料"))
            #expect(listing.severity == .major && listing.endsOn == nil && listing.inForce(on: "2026-12-01"))
            let lifted = try await world.identity.correctSanction(by: registrar, organisationID: youth.id, sanctionID: listing.id,
                                                                  StandingCorrection(endsOn: "2026-09-01", reason: "信用修复，移出名单"))
            #expect(lifted.endsOn == "2026-09-01" && !lifted.inForce(on: "2026-09-02") && lifted.correction == "信用修复，移出名单")
            // Another organisation's sanction is not found through this one.
            let ngo = try await world.organisation(ofUser: "ngo")
            await #expect(throws: DomainError.self) {
                _ = try await world.identity.correctSanction(by: registrar, organisationID: ngo.id, sanctionID: listing.id, StandingCorrection(reason: "x"))
            }
            #expect(try await AuditVerifier(database: database).verify().isIntact)
        }
    }

    @Test("a bureau's rating list loads all or nothing: every bad row named, another county's organisation refused, a second load changes nothing, other facts need a correction")
    func ratingList() async throws {
        try await TestDatabase.with { database in
            let world = DemoWorld(database)
            let registrar = try await world.actor("civil")
            let bad = Data("""
                统一社会信用代码,评估等级,评估得分,评定日期,评估机构,文号
                52370102500000023U,6A,,2026-01-10,,
                5261032450000004X0,3A,900,2026-01-10,,
                91350100M000100Y44,3A,900,2026-01-10,,
                52370102500000040L,3A,850,2099-01-10,,
                52370102500000058E,AAA,,2026-01-10,,
                52370102500000058E,4A,,2026-01-10,,
                """.utf8)
            do {
                _ = try await world.identity.importRatings(by: registrar, bad)
                Issue.record("must be refused")
            } catch let error as DomainError {
                #expect(Set(error.fields.map(\.field)) == ["rows[2].level", "rows[3].creditCode", "rows[4].creditCode", "rows[5].points", "rows[5].awardedOn",
                                                           "rows[7].creditCode+awardedOn"], "\(error.fields)")
            }
            let youth = try await world.organisation(ofUser: "youth")
            #expect(try await world.identity.standingRecord(of: youth.id, by: nil).ratings.count == 1, "nothing was written")
            let good = Data("统一社会信用代码,评估等级,评估得分,评定日期,评估机构,文号\n52370102500000031N,3A,866,2026-01-10,济南市社会组织评估中心,济历民〔2026〕2号\n52370102500000058E,4A,,2026-01-10,,\n".utf8)
            #expect(try await world.identity.importRatings(by: registrar, good) == { var r = RatingImportReport(); r.created = 2; return r }())
            #expect(try await world.identity.standing(of: youth.id).rating?.label == "3A")
            #expect(try await world.identity.importRatings(by: registrar, good).unchanged == 2, "loading twice changes nothing")
            let changed = Data("统一社会信用代码,评估等级,评定日期\n52370102500000031N,4A,2026-01-10\n".utf8)
            await #expect(throws: DomainError.self) { _ = try await world.identity.importRatings(by: registrar, changed) }
            await #expect(throws: DomainError.self) { _ = try await world.identity.importRatings(by: try await world.actor("finance"), good) }
        }
    }
}
