import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Tendering
import TestSupport
import Testing

@Suite("Supplier pages and document API")
struct SupplierPageTests {
    static let pdf = Data("%PDF-1.4\n% 阳光社工服务方案 2026\n%%EOF\n".utf8)

    @Test("a supplier keeps its profile and library on its page, cites a document in a bid, and the buyer downloads it after opening")
    func journey() async throws {
        try await TestApp.runTendering { client, t in
            let ngo = Browser(client)
            _ = try await ngo.signIn("ngo")
            let page = try await ngo.get("/supplier")
            #expect(page.status == .ok && page.html.contains("文件库为空") == false && page.html.contains("暂无文件"))
            let saved = try await ngo.post("/supplier/profile", [("summary", "深耕居家养老十年"), ("staffCount", "42"), ("socialWorkers", "18"),
                                                                 ("serviceAreas", "居家养老\n社区照料"), ("contact", "张阳光")])
            #expect(saved.status == .seeOther)
            let wrongCount = try await ngo.post("/supplier/profile", [("summary", "x"), ("staffCount", "四十"), ("socialWorkers", ""),
                                                                      ("serviceAreas", ""), ("contact", "")])
            #expect(wrongCount.status == .unprocessableContent && wrongCount.html.contains("不是整数") && wrongCount.html.contains("四十"))
            let program = try await ngo.upload("/supplier/documents", fields: [("title", "方案"), ("category", "proposal")],
                                               file: Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1]), filename: "方案.pdf")
            #expect(program.status == .unprocessableContent && program.html.contains("按文件内容而非文件名判断"))
            // A refused upload keeps what was typed, and names the field by its label with a link to it.
            #expect(program.html.contains(#"value="方案""#) && program.html.contains(#"<option value="proposal" selected>"#))
            #expect(program.html.contains(##"<a href="#f-file"><strong>文件</strong></a>"##), "\(program.html)")
            // Nothing chosen and no title: both problems at once, at the top of the page.
            let empty = try await ngo.upload("/supplier/documents", fields: [("title", " "), ("category", "audit")], file: Data(), filename: "")
            #expect(empty.status == .unprocessableContent)
            #expect(empty.html.contains(##"<a href="#f-file">"##) && empty.html.contains(##"<a href="#f-title">"##) && empty.html.contains("为必填项"))
            #expect(empty.html.range(of: #"id="problem""#)!.lowerBound < empty.html.range(of: "<h2")!.lowerBound, "the summary comes before the forms")
            #expect(try await ngo.upload("/supplier/documents", fields: [("title", "服务方案"), ("category", "proposal")], file: Self.pdf,
                                         filename: "方案.pdf").status == .seeOther)
            let library = try await ngo.get("/supplier")
            #expect(library.html.contains("服务方案") && library.html.contains("深耕居家养老十年"))
            let document = try #require(try await t.world.identity.organisation(id: try await t.world.actor("ngo").organisationID))
            let profile = try await client.json(.get, "/api/v1/organisations/\(document.id.lowercased)/supplier-profile")
            #expect(profile.json?["staffCount"] as? Int == 42, "the profile is public")
            let token = try await client.token("ngo")
            let documents = try await client.list("/api/v1/my-documents", token: token)
            let documentID = try #require(documents.first?["id"] as? String)
            #expect(documents.first?["kind"] as? String == "pdf")
            #expect(try await client.list("/api/v1/my-documents", token: try await client.token("eldercare")).isEmpty)

            // The bid cites it; at the deadline the buyer reads it, the public does not.
            let tender = try await t.publishedTender(["LX2026-01"], minimumBids: 1)
            try await t.move(to: tender.periods!.enquiryEnd)
            _ = try await ngo.signIn("ngo")
            let bidPage = try await ngo.get("/tenders/\(tender.id.lowercased)")
            #expect(bidPage.html.contains(#"name="documents" value="\#(documentID)""#))
            let key = UUID().uuidString
            #expect(try await ngo.post("/tenders/\(tender.id.lowercased)/lots/\(tender.lots[0].id.lowercased)/bid",
                                       [("price", "380000"), ("proposal", "阳光方案"), ("key", key), ("documents", documentID)]).status == .seeOther)
            try await t.move(to: tender.periods!.tenderEnd)
            let bid = try #require(try await t.bids.openedBids(tenderID: tender.id, by: nil).first)
            let path = "/tenders/\(tender.id.lowercased)/bids/\(bid.id.lowercased)/documents/\(documentID)"
            let finance = Browser(client)
            _ = try await finance.signIn("finance")
            #expect(try await finance.get("/tenders/\(tender.id.lowercased)").html.contains(path))
            let download = try await finance.get(path)
            #expect(download.status == .ok && download.headers[.contentType] == "application/pdf")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true && download.html.contains("阳光社工服务方案"))
            let anonymous = try await Browser(client).get(path)
            #expect(anonymous.location?.hasPrefix("/login") == true && !anonymous.html.contains("阳光社工服务方案"),
                    "a visitor is asked to sign in and sees nothing of the document")
            let api = try await client.list("/api/v1/tenders/\(tender.id.lowercased)/bids", token: try await client.token("finance"))
            let cited = try #require(api.first?["documents"] as? [[String: Any]])
            #expect(cited.first?["title"] as? String == "服务方案" && cited.first?["id"] as? String == documentID)
            #expect(!(try await client.json(.get, "/api/v1/tenders/\(tender.id.lowercased)/bids").text.contains(documentID)))
        }
    }

    @Test("the API takes a document as bytes, refuses what is not an accepted file, and lets only the owner fetch or retire it")
    func api() async throws {
        try await TestApp.run { client, _ in
            let token = try await client.token("ngo")
            func upload(_ data: Data, title: String = "登记证书") async throws -> (status: HTTPResponse.Status, text: String) {
                let query = "title=\(title.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&category=registration&filename=a.pdf"
                return try await client.execute(uri: "/api/v1/my-documents?\(query)", method: .post,
                                                headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
                                                body: ByteBuffer(data: data)) { ($0.status, String(buffer: $0.body)) }
            }
            let refused = try await upload(Data("#!/bin/sh\n".utf8))
            #expect(refused.status == .unprocessableContent && refused.text.contains("judged by its content"))
            let created = try await upload(Self.pdf)
            #expect(created.status == .created)
            let id = try #require((try JSONSerialization.jsonObject(with: Data(created.text.utf8)) as? [String: Any])?["id"] as? String)
            let content = try await client.execute(uri: "/api/v1/my-documents/\(id)/content", method: .get,
                                                   headers: [.authorization: "Bearer \(token)"]) { ($0.status, Data(buffer: $0.body)) }
            #expect(content.0 == .ok && content.1 == Self.pdf)
            let other = try await client.token("eldercare")
            #expect(try await client.json(.get, "/api/v1/my-documents/\(id)/content", token: other).status == .notFound)
            #expect(try await client.json(.delete, "/api/v1/my-documents/\(id)", token: other).status == .notFound)
            #expect(try await client.json(.delete, "/api/v1/my-documents/\(id)", token: token).status == .noContent)
            #expect(try await client.json(.put, "/api/v1/my-supplier-profile", token: try await client.token("finance"),
                                          body: #"{"summary": "x"}"#).status == .forbidden)
        }
    }
}
