import Core
import Foundation
@testable import Tabular
import Testing
import ZIPFoundation

/// CSV (formula) injection: what Spokes exports must not run as a formula when a finance office opens
/// it, and must still import back unchanged.
@Suite("Formula injection in exported files")
struct FormulaGuardTests {
    /// Cells a caller could have typed into a name or a note, each with what the file must carry.
    static let cells: [(value: String, written: String)] = [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+1+1", "'+1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  // already quoted: one more, so reading gives back exactly this
        ("-12.50", "-12.50"),  // an amount stays a number
        ("-1,234.56", "-1,234.56"),
        ("-", "'-"),
        ("'plain", "'plain"),
        ("居家养老", "居家养老"),
        ("a=b", "a=b"),
    ]

    static var table: Table {
        Table(header: ["编码", "名称", "金额"], rows: cells.map { ["A", $0.value, "260000.00"] })
    }

    @Test("each cell is written as OWASP says, negative amounts as they are", arguments: cells)
    func neutralise(_ value: String, _ written: String) {
        #expect(FormulaGuard.neutralise(value) == written)
        #expect(FormulaGuard.restore(written) == value)
    }

    @Test("CSV: dangerous cells carry a leading ' in the file and read back as they were")
    func csv() throws {
        let data = CSVFile.write(Self.table)
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.dropFirst().components(separatedBy: "\r\n")  // the byte-order mark, then rows
        #expect(lines[1] == #"A,"'=HYPERLINK(""http://x"",""y"")",260000.00"#)
        #expect(lines[2] == "A,'+1+1,260000.00")
        #expect(lines[4] == "A,'@SUM(A1:A2),260000.00")
        #expect(lines[8] == "A,-12.50,260000.00")
        // As the file holds them (read, then quoted again): no cell starts as a formula but the amounts.
        for row in try CSVFile.read(data).neutralised().rows {
            for cell in row where !["-12.50", "-1,234.56"].contains(cell) {
                #expect(!FormulaGuard.formulaStarts.contains(cell.unicodeScalars.first!), "\(cell)")
            }
        }
        #expect(try CSVFile.read(data) == Self.table)
    }

    @Test("XLSX: dangerous cells carry a leading ' in the sheet and read back as they were")
    func xlsx() throws {
        let data = XLSXFile.write(Self.table)
        let archive = try Archive(data: data, accessMode: .read)
        var sheet = Data()
        _ = try archive.extract(try #require(archive["xl/worksheets/sheet1.xml"])) { sheet.append($0) }
        let xml = String(decoding: sheet, as: UTF8.self)
        #expect(xml.contains(#"<t xml:space="preserve">'=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>"#))
        #expect(xml.contains(#"<t xml:space="preserve">'+1+1</t>"#))
        #expect(xml.contains(#"<t xml:space="preserve">'@SUM(A1:A2)</t>"#))
        #expect(xml.contains("<t xml:space=\"preserve\">'\t=1</t>"))
        #expect(xml.contains(#"<t xml:space="preserve">'&#13;=1</t>"#))
        #expect(xml.contains(#"<t xml:space="preserve">-12.50</t>"#))
        #expect(!xml.contains(#"<t xml:space="preserve">="#) && !xml.contains(#"<t xml:space="preserve">+"#) && !xml.contains(#"<t xml:space="preserve">@"#))
        #expect(try XLSXFile.read(data) == Self.table)
    }

    @Test("a file a person wrote with a leading ' before a formula character reads without it")
    func personsQuote() throws {
        let table = try CSVFile.read(Data("编码,名称\r\nA,'=1+1\r\nB,'-5\r\nC,'text\r\n".utf8))
        #expect(table.rows == [["A", "=1+1"], ["B", "-5"], ["C", "'text"]])
    }

    @Test("CSV parser errors are told in plain words")
    func csvErrors() {
        do {
            _ = try CSVFile.read(Data("a,b\r\n\"x\"y,z\r\n".utf8))
            Issue.record("must be refused")
        } catch {
            #expect(error.fields.first?.message.english.contains("quoted field") == true)
            #expect(error.fields.first?.message.english.contains("quotation(") == false)
        }
    }
}
