import Core
import Foundation
@testable import Tabular
import Testing

/// Issue 21, finding 6: a budget cell computed by a formula (240 × 1234.56) is stored by Excel as 296294.39999999997
/// and shown as 296,294.40. Read as Excel shows it (15 significant digits), it is that amount; a number typed with a
/// fraction of a fen is still refused by the amount's own check.
@Suite("Excel's numbers as Excel shows them")
struct ExcelNumberTests {
    static func sheet(_ values: [String]) -> String {
        let header = #"<row r="1"><c r="A1" t="inlineStr"><is><t>budget</t></is></c></row>"#
        let rows = values.enumerated().map { index, value in #"<row r="\#(index + 2)"><c r="A\#(index + 2)"><v>\#(value)</v></c></row>"# }
        return #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + header + rows.joined() + "</sheetData></worksheet>"
    }

    @Test("a computed cell is read as Excel shows it; typed numbers are read exactly as stored")
    func numbers() throws {
        let stored = ["296294.39999999997", "0.30000000000000004", "296294.404", "1234.56", "42", "1.5E-3"]
        let text = Self.sheet(stored)
        let data = try ZipBombTests.workbook(sheet: ("xl/worksheets/sheet1.xml", text.utf8.count, { position, length in
            Data(text.utf8).subdata(in: Int(position)..<Int(position) + length)
        }))
        let table = try SpreadsheetFile.read(data)
        #expect(table.rows.map { $0[0] } == ["296294.4", "0.3", "296294.404", "1234.56", "42", "1.5E-3"])
        #expect(Money.parse(yuan: table.rows[0][0]) == Money(minorUnits: 29_629_440), "shown as ¥296,294.40, read as it")
        #expect(Money.parse(yuan: table.rows[2][0]) == nil, "a typed fraction of a fen is refused as before")
    }

    @Test("only numbers with more than 15 significant digits are rounded, never typed ones")
    func rule() {
        #expect(XLSXFile.asExcelShows("296294.39999999997") == "296294.4")
        #expect(XLSXFile.asExcelShows("123456789012345.6") == "123456789012346", "16 digits: Excel shows 15")
        #expect(XLSXFile.asExcelShows("12345678901234.5") == "12345678901234.5", "15 digits stay")
        #expect(XLSXFile.asExcelShows("0.000000000000000012345678901234567") == "1.23456789012346e-17")
        #expect(XLSXFile.asExcelShows("not a number") == "not a number")
    }
}
