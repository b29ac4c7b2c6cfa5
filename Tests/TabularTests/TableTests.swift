import Core
import Foundation
import Tabular
import Testing

@Suite("CSV files and formats")
struct TableTests {
    let format = TableFormat([
        .init("code", zh: "编码", en: "Code"),
        .init("name", zh: "名称", en: "Name"),
        .init("note", zh: "备注", en: "Note", required: false),
    ])

    @Test("reads UTF-8 with a byte-order mark, quoted fields, CRLF, and skips blank rows")
    func reads() throws {
        let text = "\u{FEFF}编码,名称\r\nA01,\"养老, 助餐\"\r\nA02,\"He said \"\"hi\"\"\"\r\n,\r\n"
        let table = try CSVFile.read(Data(text.utf8))
        #expect(table.header == ["编码", "名称"])
        #expect(table.rows == [["A01", "养老, 助餐"], ["A02", "He said \"hi\""]])
    }

    @Test("writes what it reads back unchanged")
    func roundTrip() throws {
        let table = Table(header: ["编码", "名称", "备注"], rows: [["A", "a,b", "line\nbreak"], ["B", " spaced ", "\"q\""]])
        #expect(try CSVFile.read(CSVFile.write(table)) == table)
    }

    @Test("refuses text that is not UTF-8, and empty files")
    func refusesEncoding() {
        #expect(throws: DomainError.self) { try CSVFile.read(Data([0xB1, 0xE0, 0xC2, 0xEB])) }  // GBK bytes
        #expect(throws: DomainError.self) { try CSVFile.read(Data("  \n".utf8)) }
    }

    @Test("maps Chinese or English headers in any order; missing optional columns read as empty")
    func headers() throws {
        let rows = try format.rows(of: Table(header: ["Name", "编码"], rows: [["居家养老", "A0101"]]))
        #expect(rows[0]["code"] == "A0101")
        #expect(rows[0]["name"] == "居家养老")
        #expect(rows[0]["note"] == "")
        #expect(rows[0].number == 2)
    }

    @Test("reports unknown, doubled and missing columns all at once, on row 1")
    func badHeaders() {
        do {
            _ = try format.rows(of: Table(header: ["Code", "编码", "Colour"], rows: [["a", "b", "c"]]))
            Issue.record("must be refused")
        } catch {
            #expect(Set(error.fields.map(\.field)) == ["rows[1].Colour", "rows[1].code", "rows[1].name"])
        }
    }

    @Test("a header with no rows is refused")
    func noRows() {
        #expect(throws: DomainError.self) { _ = try format.rows(of: Table(header: ["编码", "名称"], rows: [])) }
    }

    @Test("a value seen in an earlier row is reported with the row it first appeared in, per column")
    func uniqueValues() throws {
        let rows = try format.rows(of: Table(header: ["编码", "名称"], rows: [["A", "x"], ["B", "x"], ["A", "y"], ["A", "z"]]))
        var errors = RowErrors()
        for row in rows {
            errors.checkUnique(row, "code", row["code"])
        }
        #expect(errors.errors == [FieldError("rows[4].code", "A is in the file twice (first in row 2)"),
                                  FieldError("rows[5].code", "A is in the file twice (first in row 2)")])
        var names = RowErrors()
        for row in rows { names.checkUnique(row, "name", row["name"]) }
        #expect(names.errors.map(\.field) == ["rows[3].name"])
    }
}
