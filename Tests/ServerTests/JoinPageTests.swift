import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Identity
import NIOCore
import NIOFoundationCompat
import TestSupport
import Testing

/// Joining through the pages and the API (issue 24), in Chinese: the team signs up, the bureau returns it, it corrects
/// it, the bureau approves it; the registrar rates it; every refusal comes back beside its field.
@Suite("Joining the marketplace: pages and API")
struct JoinPageTests {
    static let pdf = Data("%PDF-1.4\n% 登记证书 新芽\n%%EOF\n".utf8)

    static func fields(_ n: Int, code: String) -> [(String, String)] {
        [("form", "social_work_agency"), ("nameZh", "历下区新芽社工服务中心\(n)"), ("nameEn", ""), ("creditCode", code), ("jurisdictionCode", "370102001"),
         ("registrationAuthority", "济南市历下区民政局"), ("legalRepresentative", "王新芽"), ("contactName", "王新芽"), ("contactPhone", "13800138000"),
         ("email", "xinya\(n)@example.cn"), ("username", "xinya\(n)"), ("displayName", "王新芽"), ("password", "a long enough password")]
    }

    @Test("a social-work agency signs up on the page and is signed in; the registrar returns it with reasons; it corrects; the registrar approves and rates it")
    func journey() async throws {
        try await TestApp.run { client, world in
            let code = try CreditCode.completing("52370102500000951").value
            let applicant = Browser(client)
            let form = try await applicant.get("/join")
            #expect(form.status == .ok && form.html.contains("社会组织入驻") && form.html.contains(#"enctype="multipart/form-data""#))
            // Every problem at once, in Chinese, beside its field, with what was typed kept (not the password).
            var wrong = Self.fields(1, code: "91350100M000100Y44")
            wrong[8] = ("contactPhone", "打电话")
            let refused = try await applicant.upload("/join", fields: wrong, file: Data("not a pdf".utf8), filename: "证书.pdf", fileField: "certificate")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains(##"<a href="#join-creditCode">"##) && refused.html.contains(##"<a href="#join-contactPhone">"##)
                    && refused.html.contains(##"<a href="#join-certificate">"##))
            #expect(refused.html.contains("不是有效的电话号码") && refused.html.contains(#"value="打电话""#) && !refused.html.contains("a long enough password"))
            let joined = try await applicant.upload("/join", fields: Self.fields(1, code: code), file: Self.pdf, filename: "证书.pdf", fileField: "certificate")
            #expect(joined.status == .seeOther)
            let location = try #require(joined.location?.split(separator: "#").first.map(String.init))
            let own = try await applicant.get(location)
            #expect(own.html.contains("待审核") && own.html.contains("入驻申请") && own.html.contains("证书.pdf"), "the applicant follows it on its page")
            let organisationID = String(location.dropFirst("/organisations/".count).prefix(36))

            let registrar = Browser(client)
            _ = try await registrar.signIn("civil")
            let queue = try await registrar.get("/registrations")
            #expect(queue.status == .ok && queue.html.contains("历下区新芽社工服务中心1"))
            let page = try await registrar.get("/organisations/\(organisationID)")
            #expect(page.html.contains(#"action="/organisations/\#(organisationID)/registration/decision""#))
            let noReasons = try await registrar.post("/organisations/\(organisationID)/registration/decision", [("decision", "return"), ("reasons", "")])
            #expect(noReasons.status == .unprocessableContent && noReasons.html.contains(##"<a href="#decision-reasons">"##))
            #expect(try await registrar.post("/organisations/\(organisationID)/registration/decision",
                                             [("decision", "return"), ("reasons", "证书副本页缺失")]).status == .seeOther)
            let returned = try await applicant.get("/organisations/\(organisationID)")
            #expect(returned.html.contains("证书副本页缺失") && returned.html.contains("已退回补正")
                    && returned.html.contains(#"action="/organisations/\#(organisationID)/registration""#))
            let corrected = try await applicant.upload("/organisations/\(organisationID)/registration",
                                                       fields: Self.fields(1, code: code).filter { !["form", "jurisdictionCode", "username", "displayName", "password"].contains($0.0) },
                                                       file: Data("%PDF-1.4\n% 完整扫描件\n%%EOF\n".utf8), filename: "证书正副本.pdf", fileField: "certificate")
            #expect(corrected.status == .seeOther)
            #expect(try await registrar.post("/organisations/\(organisationID)/registration/decision", [("decision", "approve"), ("reasons", "")]).status == .seeOther)
            let certificate = try await registrar.get("/organisations/\(organisationID)/certificate")
            #expect(certificate.status == .ok && certificate.html.contains("完整扫描件") && certificate.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            // A stranger does not read the application or its certificate.
            let stranger = Browser(client)
            _ = try await stranger.signIn("eldercare")
            #expect(try await stranger.get("/organisations/\(organisationID)/certificate").status == .forbidden)
            #expect(!(try await stranger.get("/organisations/\(organisationID)").html.contains("13800138000")), "contacts are not public")

            // The registrar rates it: a refused rating keeps what was typed, beside its field.
            let low = try await registrar.post("/organisations/\(organisationID)/ratings",
                                               [("level", "3"), ("points", "八百"), ("awardedOn", "2026-06-30"), ("assessedBy", "评估中心"), ("document", "")])
            #expect(low.status == .unprocessableContent && low.html.contains(##"<a href="#rating-points">"##) && low.html.contains(#"value="八百""#))
            #expect(try await registrar.post("/organisations/\(organisationID)/ratings",
                                             [("level", "3"), ("points", "880"), ("awardedOn", "2026-06-30"), ("assessedBy", "济南市社会组织评估中心"),
                                              ("document", "济历民评〔2026〕5号")]).status == .seeOther)
            let rated = try await Browser(client).get("/organisations/\(organisationID)")
            #expect(rated.html.contains("3A") && rated.html.contains("济南市社会组织评估中心") && !rated.html.contains("待审核"), "standing is public")
            let organisation = try await world.identity.organisation(id: try #require(UUID(uuidString: organisationID)))
            #expect(organisation.status == .approved)
        }
    }

    @Test("the registrar uploads the documents behind a rating and a sanction: public downloads, only under their own organisation; a file that is no document is refused beside its field and records nothing")
    func standingDocuments() async throws {
        try await TestApp.run { client, world in
            let ngoID = try await world.actor("ngo").organisationID.lowercased
            let otherID = try await world.actor("eldercare").organisationID.lowercased
            let registrar = Browser(client)
            _ = try await registrar.signIn("civil")
            let rating: [(String, String)] = [("level", "4"), ("points", "905"), ("awardedOn", "2026-11-02"), ("assessedBy", "济南市社会组织评估中心"),
                                              ("document", "济民评〔2026〕12号")]
            // Not a document: refused beside the file input, the typed fields kept, no rating recorded.
            let bad = try await registrar.upload("/organisations/\(ngoID)/ratings", fields: rating, file: Data("MZ not a scan".utf8), filename: "证书.pdf")
            #expect(bad.status == .unprocessableContent && bad.html.contains(##"<a href="#rating-file">"##) && bad.html.contains(#"value="905""#))
            #expect(try await world.identity.standingRecord(of: UUID(uuidString: ngoID)!, by: nil).ratings.contains { $0.awardedOn == "2026-11-02" } == false)
            // A scan of the certificate: recorded with the rating, linked on the public page.
            let scan = Data("%PDF-1.4\n% 评估等级证书 4A\n%%EOF\n".utf8)
            #expect(try await registrar.upload("/organisations/\(ngoID)/ratings", fields: rating, file: scan, filename: "C:\\扫描\\4A证书.pdf").status == .seeOther)
            let page = try await Browser(client).get("/organisations/\(ngoID)")
            let link = try #require(page.html.range(of: #"/organisations/\#(ngoID)/standing-documents/[0-9a-f-]{36}"#, options: .regularExpression)
                .map { String(page.html[$0]) })
            #expect(page.html.contains(">4A证书.pdf<"), "named by its file name, without the folder")
            let download = try await Browser(client).get(link)
            #expect(download.status == .ok && download.headers[.contentType] == "application/pdf" && download.html.contains("评估等级证书 4A")
                    && download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let standing = try await client.json(.get, "/api/v1/organisations/\(ngoID)/standing", token: nil, body: nil)
            let file = (standing.json?["ratings"] as? [[String: Any]])?.first { $0["awardedOn"] as? String == "2026-11-02" }?["file"] as? [String: Any]
            #expect(file?["name"] as? String == "4A证书.pdf" && file?["kind"] as? String == "pdf" && link.hasSuffix(file?["id"] as? String ?? "-"),
                    "the API names the document as the page links it: \(standing.text.prefix(600))")
            // The wrong parent: the same document under another organisation is not found.
            let documentID = String(link.suffix(36))
            #expect(try await Browser(client).get("/organisations/\(otherID)/standing-documents/\(documentID)").status == .notFound)
            #expect(try await Browser(client).get("/organisations/\(ngoID)/standing-documents/\(UUID().uuidString.lowercased())").status == .notFound)
            let sanctionsBefore = try await world.identity.standingRecord(of: UUID(uuidString: otherID)!, by: nil).violations.count
            // A sanction's notice, through the service; bytes changed behind the register's back are refused, not served.
            let sanction = try await world.identity.recordSanction(by: try await world.actor("civil"), organisationID: UUID(uuidString: otherID)!, NewSanction(
                kind: .abnormalActivities, occurredOn: "2026-10-09", source: "济民异〔2026〕3号", description: "未按时报送年度报告",
                file: Upload(data: Data("%PDF-1.4\n% 列入名录通知\n%%EOF\n".utf8), name: "通知.pdf")))
            let noticeID = try #require(sanction.file?.id)
            #expect(try await Browser(client).get("/organisations/\(otherID)/standing-documents/\(noticeID.lowercased)").status == .ok)
            try await world.database.transaction { connection in
                try await connection.query("UPDATE identity.standing_documents SET bytes = 'tampered' WHERE id = \(noticeID)", logger: world.database.logger)
            }
            #expect(try await Browser(client).get("/organisations/\(otherID)/standing-documents/\(noticeID.lowercased)").status == .conflict)
            // Larger than a scan of a few pages: refused, nothing recorded.
            var big = Data("%PDF-1.4\n".utf8)
            big.append(Data(count: JoiningApplication.maximumCertificateSize))
            do {
                _ = try await world.identity.recordSanction(by: try await world.actor("civil"), organisationID: UUID(uuidString: otherID)!, NewSanction(
                    kind: .administrativePenalty, occurredOn: "2026-10-10", source: "济民罚〔2026〕1号", description: "警告", file: Upload(data: big, name: "大.pdf")))
                Issue.record("a file over the limit was accepted")
            } catch let error as DomainError {
                #expect(error.kind == .invalid && error.fields.map(\.field) == ["file"])
            }
            #expect(try await world.identity.standingRecord(of: UUID(uuidString: otherID)!, by: nil).violations.count == sanctionsBefore + 1)
            // A correction replaces the scan: the new one is linked, the replaced one stays downloadable (the audit trail
            // names it); a correction whose file is not a document changes nothing.
            let correction: [(String, String)] = [("awardedOn", "2026-11-02"), ("level", ""), ("points", ""), ("reason", "证书重新签发")]
            let refused = try await registrar.upload("/organisations/\(ngoID)/ratings/correction", fields: correction,
                                                     file: Data("MZ not a scan".utf8), filename: "新.pdf")
            #expect(refused.status == .unprocessableContent && refused.html.contains(##"<a href="#rating-correction-file">"##))
            #expect(try await world.identity.standingRecord(of: UUID(uuidString: ngoID)!, by: nil).ratings.first { $0.awardedOn == "2026-11-02" }?
                .correction == "", "a refused correction changes nothing")
            let reissued = Data("%PDF-1.4\n% 评估等级证书 4A 重新签发\n%%EOF\n".utf8)
            #expect(try await registrar.upload("/organisations/\(ngoID)/ratings/correction", fields: correction, file: reissued, filename: "4A证书（重发）.pdf")
                .status == .seeOther)
            let corrected = try #require(try await world.identity.standingRecord(of: UUID(uuidString: ngoID)!, by: nil).ratings.first { $0.awardedOn == "2026-11-02" })
            #expect(corrected.correction == "证书重新签发" && corrected.file?.name == "4A证书（重发）.pdf" && corrected.file?.id.lowercased != documentID)
            #expect(try await Browser(client).get("/organisations/\(ngoID)/standing-documents/\(try #require(corrected.file?.id).lowercased)").html.contains("重新签发"))
            #expect(try await Browser(client).get(link).html.contains("评估等级证书 4A"), "the replaced scan stays downloadable")
            let sanctionFix = try await world.identity.correctSanction(by: try await world.actor("civil"), organisationID: UUID(uuidString: otherID)!,
                sanctionID: sanction.id, StandingCorrection(file: Upload(data: Data("%PDF-1.4\n% 更正通知\n%%EOF\n".utf8), name: "更正.pdf"), reason: "通知更正"))
            #expect(sanctionFix.file?.name == "更正.pdf" && sanctionFix.file?.id != noticeID)
            #expect(try await world.identity.standingRecord(of: UUID(uuidString: otherID)!, by: nil).violations.first { $0.id == sanction.id }?.file?.name == "更正.pdf")
            // Only the registrar records standing, with or without a file.
            let stranger = Browser(client)
            _ = try await stranger.signIn("finance")
            #expect(try await stranger.upload("/organisations/\(ngoID)/ratings", fields: rating, file: scan, filename: "a.pdf").status == .forbidden)
        }
    }

    @Test("the registrar loads a rating list on the queue's page: a refused file names its rows in Chinese, a good one says what it added")
    func ratingList() async throws {
        try await TestApp.run { client, _ in
            let registrar = Browser(client)
            _ = try await registrar.signIn("civil")
            let bad = try await registrar.upload("/registrations/ratings", fields: [],
                                                 file: Data("统一社会信用代码,评估等级,评定日期\n52370102500000031N,9A,2026-01-10\n".utf8), filename: "名单.csv")
            #expect(bad.status == .unprocessableContent && bad.html.contains("必须是1A至5A") && bad.html.contains("rows[2].level"))
            let good = try await registrar.upload("/registrations/ratings", fields: [],
                                                  file: Data("统一社会信用代码,评估等级,评定日期\n52370102500000031N,3A,2026-01-10\n".utf8), filename: "名单.csv")
            #expect(good.status == .ok && good.html.contains("已添加1条评估等级"))
            let stranger = Browser(client)
            _ = try await stranger.signIn("finance")
            #expect(try await stranger.get("/registrations").status == .forbidden)
        }
    }

    @Test("the API: sign up without an account, the registrar's queue, a decision, a rating and a sanction; refusals as problems")
    func api() async throws {
        try await TestApp.run { client, world in
            let code = try CreditCode.completing("52370102500000952").value
            let body: [String: Any] = [
                "form": "social_organisation", "nameZh": "历下区彩虹桥社区服务中心", "creditCode": code, "jurisdictionCode": "370102001",
                "registrationAuthority": "济南市历下区民政局", "legalRepresentative": "孙志强", "contactName": "孙志强", "contactPhone": "13900139000",
                "email": "caihong@example.cn", "username": "caihong", "displayName": "孙志强", "password": "a long enough password",
                "certificate": ["filename": "证书.pdf", "content": Self.pdf.base64EncodedString()]]
            let created = try await client.json(.post, "/api/v1/registrations", body: body)
            #expect(created.status == .created)
            let organisation = try #require((created.json?["organisation"] as? [String: Any])?["id"] as? String)
            #expect((created.json?["organisation"] as? [String: Any])?["status"] as? String == "applied")
            let again = try await client.json(.post, "/api/v1/registrations", body: body)
            #expect(again.status == .conflict, "the same credit code twice")
            let notBase64 = try await client.json(.post, "/api/v1/registrations", body: body.merging(["certificate": ["filename": "x", "content": "***"]]) { $1 })
            #expect(notBase64.status == .unprocessableContent || notBase64.status == .badRequest)
            let civil = try await client.token("civil")
            let queue = try await client.json(.get, "/api/v1/registrations", token: civil, body: nil)
            #expect((queue.json?["items"] as? [[String: Any]])?.contains { ($0["organisation"] as? [String: Any])?["id"] as? String == organisation } == true)
            #expect(try await client.json(.get, "/api/v1/registrations", token: try await client.token("finance"), body: nil).status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/registrations", token: nil, body: nil).status == .unauthorized)
            let refusedByAdmin = try await client.json(.post, "/api/v1/organisations/\(organisation)/registration/decision",
                                                       body: ["decision": "approve"], token: try await client.token("admin"))
            #expect(refusedByAdmin.status == .forbidden, "the bureau's act, not the platform's")
            let approved = try await client.json(.post, "/api/v1/organisations/\(organisation)/registration/decision", body: ["decision": "approve"], token: civil)
            #expect(approved.status == .ok && (approved.json?["organisation"] as? [String: Any])?["status"] as? String == "approved")
            let twice = try await client.json(.post, "/api/v1/organisations/\(organisation)/registration/decision", body: ["decision": "refuse", "reasons": "x"], token: civil)
            #expect(twice.status == .conflict)
            let rating = try await client.json(.post, "/api/v1/organisations/\(organisation)/ratings",
                                               body: ["level": 4, "points": 930, "awardedOn": "2026-05-20", "assessedBy": "山东省社会组织评估中心"], token: civil)
            #expect(rating.status == .created && rating.json?["expiresOn"] as? String == "2031-05-20")
            let listing = try await client.json(.post, "/api/v1/organisations/\(organisation)/sanctions",
                                                body: ["kind": "serious_dishonesty", "occurredOn": "2026-06-01", "description": "提供虚假材料", "source": "济历民罚〔2026〕9号"],
                                                token: civil)
            #expect(listing.status == .created && listing.json?["severity"] as? String == "major")
            let sanction = try #require(listing.json?["id"] as? String)
            let noReason = try await client.json(.patch, "/api/v1/organisations/\(organisation)/sanctions/\(sanction)", body: ["endsOn": "2026-09-01", "reason": ""], token: civil)
            #expect(noReason.status == .unprocessableContent)
            let lifted = try await client.json(.patch, "/api/v1/organisations/\(organisation)/sanctions/\(sanction)",
                                               body: ["endsOn": "2026-09-01", "reason": "信用修复"], token: civil)
            #expect(lifted.status == .ok && lifted.json?["endsOn"] as? String == "2026-09-01")
            // The decision's scan, in base64: a file that is no document is refused beside `file`; a PDF is kept and named.
            let scanNotBase64 = try await client.json(.patch, "/api/v1/organisations/\(organisation)/sanctions/\(sanction)",
                                                  body: ["reason": "附决定书", "file": ["filename": "决定.pdf", "content": "%%%"]], token: civil)
            #expect(scanNotBase64.status == .unprocessableContent || scanNotBase64.status == .badRequest)
            let notADocument = try await client.json(.patch, "/api/v1/organisations/\(organisation)/sanctions/\(sanction)",
                body: ["reason": "附决定书", "file": ["filename": "决定.pdf", "content": Data("MZ program".utf8).base64EncodedString()]], token: civil)
            #expect(notADocument.status == .unprocessableContent && notADocument.text.contains("\"file\""), "\(notADocument.text)")
            let withScan = try await client.json(.patch, "/api/v1/organisations/\(organisation)/sanctions/\(sanction)",
                body: ["reason": "附决定书", "file": ["filename": "决定.pdf", "content": Data("%PDF-1.4\n%%EOF\n".utf8).base64EncodedString()]], token: civil)
            #expect(withScan.status == .ok && (withScan.json?["file"] as? [String: Any])?["name"] as? String == "决定.pdf", "\(withScan.text)")
            let standing = try await client.json(.get, "/api/v1/organisations/\(organisation)/standing", token: nil, body: nil)
            #expect((standing.json?["violations"] as? [[String: Any]])?.first?["correction"] as? String == "附决定书", "public, with the last reason")
            // The limits of the contract's numbers are the service's: no trap, a clear refusal.
            let huge = try await client.json(.post, "/api/v1/organisations/\(organisation)/ratings",
                                             body: ["level": 9_223_372_036_854_775_807, "awardedOn": "2026-05-21"], token: civil)
            #expect(huge.status == .badRequest || huge.status == .unprocessableContent)
            _ = world
        }
    }
}

extension TestClientProtocol {
    /// A JSON request whose body is written as a dictionary.
    fileprivate func json(_ method: HTTPRequest.Method, _ uri: String, body: [String: Any], token: String? = nil) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any]?, text: String) {
        try await json(method, uri, token: token, body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }
}
