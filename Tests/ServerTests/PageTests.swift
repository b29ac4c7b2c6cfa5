import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@Suite("HTML pages")
struct PageTests {
    @Test("the home page speaks Chinese by default and English when asked, with a switch on the page")
    func languages() async throws {
        try await TestApp.run { client, _ in
            let chinese = try await Browser(client).get("/")
            #expect(chinese.status == .ok)
            #expect(chinese.html.contains(#"<html lang="zh-CN">"#))
            #expect(chinese.html.contains("政府购买服务"))
            #expect(chinese.html.contains(#"href="/lang?to=en"#))

            let english = try await Browser(client, language: "en-GB,en;q=0.9").get("/")
            #expect(english.html.contains(#"<html lang="en">"#))
            #expect(english.html.contains("Government purchase of services"))

            // The switch sets a cookie that wins over Accept-Language.
            let browser = Browser(client, language: "en")
            let switched = try await browser.get("/lang?to=zh-CN&back=/organisations")
            #expect(switched.location == "/organisations")
            #expect(try await browser.get("/").html.contains(#"<html lang="zh-CN">"#))
        }
    }

    @Test("the language switch never redirects off the site")
    func noOpenRedirect() async throws {
        try await TestApp.run { client, _ in
            for back in ["//evil.example/", "https://evil.example/", "/\\evil"] {
                let page = try await Browser(client).get("/lang?to=en&back=\(back.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(page.location == "/")
            }
        }
    }

    @Test("every demo user signs in through the page and sees their own work")
    func signIn() async throws {
        try await TestApp.run { client, _ in
            for user in TestDatabase.demoSeed.users {
                let browser = Browser(client)
                let response = try await browser.signIn(user.username)
                #expect(response.status == .seeOther, "\(user.username)")
                let home = try await browser.get("/")
                #expect(home.html.contains(user.displayName), "\(user.username) sees their name")
                #expect(home.html.contains("/logout"))
            }
        }
    }

    @Test("signing in rotates the session and the CSRF token; signing out ends the session")
    func rotation() async throws {
        try await TestApp.run { client, _ in
            let browser = Browser(client)
            _ = try await browser.get("/login")
            let anonymousCSRF = await browser.cookie("spokes_csrf")
            _ = try await browser.signIn("finance")
            let firstSession = await browser.cookie("spokes_session")
            #expect(firstSession != nil)
            #expect(await browser.cookie("spokes_csrf") != anonymousCSRF)
            _ = try await browser.signIn("finance")
            #expect(await browser.cookie("spokes_session") != firstSession)

            _ = try await browser.post("/logout", [])
            #expect(await browser.cookie("spokes_session") == nil)
            let home = try await browser.get("/")
            #expect(!home.html.contains("/logout"))
        }
    }

    @Test("a wrong password shows the form again with a message and the name typed, status 401")
    func wrongPassword() async throws {
        try await TestApp.run { client, _ in
            let browser = Browser(client, language: "en")
            let page = try await browser.signIn("finance", password: "wrong")
            #expect(page.status == .unauthorized)
            #expect(page.html.contains("Wrong user name or password."))
            #expect(page.html.contains(#"value="finance""#))
        }
    }

    @Test("after five failures the page says the name is locked (429 with Retry-After)")
    func lockOut() async throws {
        try await TestApp.run { client, _ in
            let browser = Browser(client, language: "en")
            for _ in 0..<5 { _ = try await browser.signIn("civil", password: "wrong") }
            let locked = try await browser.signIn("civil")
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
            #expect(locked.html.contains("Too many failed sign-ins"))
        }
    }

    @Test("a form posted without the CSRF token, or with a wrong one, is refused and changes nothing")
    func csrf() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("admin")
            let fields = [("kind", "department"), ("nameZh", "某局"), ("nameEn", "Some bureau"),
                          ("creditCode", "91350100M000100Y43"), ("jurisdictionCode", "370102")]
            let forged = try await browser.post("/admin/organisations", fields, csrf: "forged")
            #expect(forged.status == .forbidden)
            #expect(forged.html.contains("did not come from Spokes"))
            #expect(try await world.identity.organisation(creditCode: "91350100M000100Y43") == nil)

            let login = try await Browser(client).post("/login", [("username", "admin"), ("password", world.password)], csrf: "")
            #expect(login.status == .forbidden)

            let real = try await browser.post("/admin/organisations", fields)
            #expect(real.status == .seeOther)
            #expect(try await world.identity.organisation(creditCode: "91350100M000100Y43") != nil)
        }
    }

    @Test("a refused form comes back with what was typed and every error")
    func formErrorsKeepInput() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("admin")
            let page = try await browser.post("/admin/organisations", [("kind", "department"), ("nameZh", "历下区某局"), ("nameEn", ""),
                                                                      ("creditCode", "91350100M000100Y44"), ("jurisdictionCode", "370102")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains(#"value="历下区某局""#))
            #expect(page.html.contains("check character is 4, expected 3"))
            #expect(page.html.contains("Name in English"))
            #expect(try await world.identity.organisations(limit: 200).count == TestDatabase.demoSeed.organisations.count)
        }
    }

    @Test("pages that need a signed-in user send visitors to sign in; wrong roles get a 403 page")
    func refusals() async throws {
        try await TestApp.run { client, _ in
            let anonymous = try await Browser(client).get("/admin/organisations/new")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.location?.hasPrefix("/login?next=") == true)

            let buyer = Browser(client, language: "en")
            _ = try await buyer.signIn("finance")
            let forbidden = try await buyer.get("/admin/organisations/new")
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.html.contains("Not allowed"))
        }
    }

    @Test("an organisation administrator adds and disables a user through the page")
    func manageUsers() async throws {
        try await TestApp.run { client, world in
            let browser = Browser(client, language: "en")
            _ = try await browser.signIn("ngo")
            let organisation = try await world.organisation(ofUser: "ngo").id.uuidString.lowercased()
            let page = try await browser.get("/organisations/\(organisation)")
            #expect(page.html.contains("Add a user"))
            let added = try await browser.post("/organisations/\(organisation)/users", [
                ("username", "helper"), ("displayName", "帮手"), ("password", "a long password"), ("roles", "supplier")])
            #expect(added.status == .seeOther)
            let helper = try await world.identity.signIn(username: "helper", password: "a long password")
            let disabled = try await browser.post("/users/\(helper.userID.uuidString.lowercased())/disable", [])
            #expect(disabled.status == .seeOther)
            await #expect(throws: (any Error).self) { _ = try await world.identity.signIn(username: "helper", password: "a long password") }
        }
    }

    @Test("unknown pages are a friendly 404 page")
    func notFound() async throws {
        try await TestApp.run { client, _ in
            let page = try await Browser(client, language: "en").get("/organisations/00000000-0000-7000-8000-000000000001")
            #expect(page.status == .notFound)
            #expect(page.html.contains("Page not found"))
            #expect(try await Browser(client).get("/nowhere").status == HTTPResponse.Status.notFound)
        }
    }

    @Test("organisations and jurisdictions are public pages")
    func publicPages() async throws {
        try await TestApp.run { client, _ in
            let organisations = try await Browser(client).get("/organisations?kind=social_organisation")
            #expect(organisations.html.contains("济南市历下区阳光社会工作服务中心"))
            #expect(!organisations.html.contains("济南市历下区财政局"))
            let jurisdictions = try await Browser(client).get("/jurisdictions")
            #expect(jurisdictions.html.contains("燕山街道") && jurisdictions.html.contains("法门镇"))
        }
    }
}
