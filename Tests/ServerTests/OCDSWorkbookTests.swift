import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Server
import Tabular
import Testing
import Transparency
import ZIPFoundation

/// A buyer's year of OCDS releases as a workbook for people (issue 26): a sheet per kind of record, Chinese headers,
/// the demo's published tenders in it; a request without a buyer or a year is refused, naming the field.
@Suite("OCDS workbook")
struct OCDSWorkbookTests {
    @Test("a buyer's year: its tenders, bids, awards, contracts and payments, each on a sheet with Chinese headers")
    func workbook() async throws {
        try await TestApp.runDelivery { client, w in
            // A contract signed, published and paid; its releases published by the service the router's OCDS reads.
            let contract = try await w.signedContract()
            let finance = try await w.actor("finance")
            _ = try await w.contracts.publish(by: finance, contractID: contract.id)
            let claim = try await w.approvedFirstClaim(contract)
            var beijing = Calendar(identifier: .gregorian)
            beijing.timeZone = TimeZone(identifier: "Asia/Shanghai")!
            let today = beijing.dateComponents([.year, .month, .day], from: w.t.clock.now())
            _ = try await w.payments.pay(by: finance, claimID: claim.id, treasuryReference: "GK-2026-1120-77",
                                         paidOn: String(format: "%04d-%02d-%02d", today.year!, today.month!, today.day!), idempotencyKey: nil)
            _ = try await TransparencyService(database: w.t.world.database, identity: w.t.world.identity, tenders: w.t.tenders, bids: w.t.bids,
                                              awards: w.t.awards, lists: w.t.lists, contracts: w.contracts, payments: w.payments,
                                              prefix: TestApp.configuration.ocdsPrefix, clock: w.t.clock).sync()
            let tender = try await w.t.tenders.tender(id: contract.tenderID, by: nil)
            let year = String(beijing.component(.year, from: tender.periods!.publishedAt))
            let (status, headers, data) = try await client.execute(uri: "/api/v1/ocds/workbook.xlsx?buyer=\(finance.organisationID.lowercased)&year=\(year)",
                                                                   method: .get) { ($0.status, $0.headers, Data(buffer: $0.body)) }
            #expect(status == .ok && headers[.contentDisposition] == "attachment; filename=\"spokes-ocds-\(year).xlsx\"")
            let first = try XLSXFile.read(data)
            #expect(first.header == ["ocid", "项目编号", "项目名称", "采购人", "OCDS状态", "平台状态", "采购方式", "预算金额（元）", "公告日期", "投标截止", "投标人数"])
            #expect(first.rows.contains { $0[1] == tender.reference }, "the contract's tender is a row of its buyer's year")
            let archive = try Archive(data: data, accessMode: .read)
            func sheet(_ path: String) throws -> String {
                var bytes = Data()
                _ = try archive.extract(try #require(archive[path])) { bytes.append($0) }
                return String(decoding: bytes, as: UTF8.self)
            }
            let names = try sheet("xl/workbook.xml")
            for name in ["采购项目", "标包", "投标", "成交", "合同", "里程碑", "付款"] { #expect(names.contains("name=\"\(name)\""), "\(name)") }
            #expect(try sheet("xl/worksheets/sheet3.xml").contains("报价（元）") && (try sheet("xl/worksheets/sheet3.xml")).contains("CN-USCI-"))
            #expect(try sheet("xl/worksheets/sheet5.xml").contains(contract.reference))
            #expect(try sheet("xl/worksheets/sheet7.xml").contains("GK-2026-1120-77"))
            // Another year of the same buyer holds nothing: the sheets are there, with their headers only.
            let empty = try await client.execute(uri: "/api/v1/ocds/workbook.xlsx?buyer=\(finance.organisationID.lowercased)&year=2001", method: .get) {
                Data(buffer: $0.body)
            }
            #expect(try XLSXFile.read(empty).rows.isEmpty)
        }
    }

    @Test("no buyer, a buyer that is not an id, no year or a year out of range: refused with the field named, as a problem")
    func refusals() async throws {
        try await TestApp.run { client, _ in
            let buyer = UUID().uuidString.lowercased()
            for (query, field) in [("year=2026", "buyer"), ("buyer=x&year=2026", "buyer"), ("buyer=\(buyer)", "year"), ("buyer=\(buyer)&year=99999", "year"),
                                   ("buyer=\(buyer)&year=abc", "year")] {
                let (status, type, body) = try await client.execute(uri: "/api/v1/ocds/workbook.xlsx?\(query)", method: .get) {
                    ($0.status, $0.headers[.contentType], String(buffer: $0.body))
                }
                #expect(status.code == 400 || status.code == 422, "\(query): \(status)")
                #expect(type == "application/problem+json" && body.contains("\"\(field)\""), "\(query): \(body)")
            }
        }
    }
}
