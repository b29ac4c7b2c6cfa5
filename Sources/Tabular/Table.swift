import Core
import Foundation
import SwiftCSV

/// A spreadsheet as text cells: a header row and data rows. Row numbers in errors count as a
/// spreadsheet does: the header is row 1, the first data row is row 2.
public struct Table: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    /// Each row's number in the file (blank rows are dropped but keep the others' numbers right).
    public var numbers: [Int]

    public init(header: [String], rows: [[String]], numbers: [Int]? = nil) {
        self.header = header
        self.rows = rows
        self.numbers = numbers ?? Array((0..<rows.count).map { $0 + 2 })
    }

    /// Drops rows whose cells are all blank (a trailing empty line in Excel), keeping numbers.
    func withoutBlankRows() -> Table {
        let kept = zip(rows, numbers).filter { row, _ in !row.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        return Table(header: header, rows: kept.map(\.0), numbers: kept.map(\.1))
    }
}

/// A spreadsheet file of either kind, told apart by its first bytes.
public enum SpreadsheetFile {
    public enum Kind: String, Sendable { case csv, xlsx }

    public static func read(_ data: Data) throws(DomainError) -> Table {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try XLSXFile.read(data) }
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw .invalid([FieldError("file", "is an old Excel file (.xls); save it as .xlsx or as CSV UTF-8")])
        }
        return try CSVFile.read(data)
    }

    public static func write(_ table: Table, as kind: Kind) -> Data {
        switch kind {
        case .csv: CSVFile.write(table)
        case .xlsx: XLSXFile.write(table)
        }
    }
}

/// CSV in and out. Files are UTF-8 (a byte-order mark is accepted and written, so Excel opens them
/// with the right characters); comma-separated, fields quoted per RFC 4180.
public enum CSVFile {
    public static func read(_ data: Data) throws(DomainError) -> Table {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw .invalid([FieldError("file", "is not UTF-8 text; in Excel choose Save As › CSV UTF-8 (comma delimited)")])
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalid([FieldError("file", "is empty")])
        }
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
        } catch CSVParseError.quotation {
            throw .invalid([FieldError("file", "is not a readable CSV file: a quoted field is not closed, or has text after its closing quote")])
        } catch {
            // The parser's own words are for programmers, not for the person who sent the file.
            throw .invalid([FieldError("file", "is not a readable CSV file; in Excel choose Save As › CSV UTF-8 (comma delimited)")])
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        return Table(header: header, rows: csv.rows).withoutBlankRows().restored()
    }

    /// Cells that a spreadsheet program would take for a formula are written with a `'` in front
    /// (see `FormulaGuard`); `read` takes it off again.
    public static func write(_ table: Table) -> Data {
        var text = "\u{FEFF}"
        let table = table.neutralised()
        for row in [table.header] + table.rows {
            text += row.map(quote).joined(separator: ",") + "\r\n"
        }
        return Data(text.utf8)
    }

    private static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || field.hasPrefix(" ") || field.hasSuffix(" ") else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
