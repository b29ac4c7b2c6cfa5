import Core
import Foundation
@testable import Tabular
import Testing

@Suite("XLSX workbooks")
struct XLSXTests {
    func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)))
    }

    @Test("reads a workbook written by openpyxl: shared strings, numbers, booleans, gaps and the first sheet only")
    func readsThirdPartyFile() throws {
        let table = try SpreadsheetFile.read(try fixture("openpyxl.xlsx"))
        #expect(table.header == ["编码", "中文名称", "英文名称", "负面清单原因", "数量"])
        #expect(table.rows[0] == ["A", "公共服务", "Public services", "", "42"])
        #expect(table.rows[1] == ["A01", "养老服务", "Elderly care", "", "3.5"])
        #expect(table.rows[2] == ["A0101", "居家养老上门服务", "Home care, \"visits\" & more", "", "TRUE"])
        // Row 5 is blank and dropped; row 6 keeps its number and reaches column G.
        #expect(table.numbers == [2, 3, 4, 6])
        #expect(table.rows[3] == ["N0101", "办公设备", "Office <equipment>", "货物", "", "", "far"])
    }

    @Test("what it writes reads back unchanged, XML-sensitive characters and all")
    func roundTrip() throws {
        let table = Table(header: ["编码", "名称", "备注"], rows: [
            ["A", "a & b < c > d \"e\"", " leading space"],
            ["B", "", "line\nbreak"],
            ["C", "居家养老", "x"],
        ])
        let data = SpreadsheetFile.write(table, as: .xlsx)
        #expect(data.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        #expect(try SpreadsheetFile.read(data) == table)
    }

    @Test("old .xls files, zip files that are not workbooks and broken bytes are refused with a reason")
    func refusals() throws {
        for bytes in [Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]), Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3])] {
            do {
                _ = try SpreadsheetFile.read(bytes)
                Issue.record("must be refused")
            } catch {
                #expect(error.kind == .invalid)
                #expect(error.fields.first?.field == "file")
            }
        }
    }

    @Test("column letters and indices convert both ways", arguments: [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
    func columns(_ index: Int, _ name: String) {
        #expect(XLSXFile.columnName(index) == name)
        #expect(XLSXFile.columnIndex(name + "12") == index)
    }
}
