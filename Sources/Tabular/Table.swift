import Core
import Foundation
import SwiftCSV

/// A spreadsheet as text cells: a header row and data rows. Row numbers in errors count as a
/// spreadsheet does: the header is row 1, the first data row is row 2.
public struct Table: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
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
        } catch {
            throw .invalid([FieldError("file", "is not a readable CSV file: \(error)")])
        }
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        // Rows that are wholly empty (a trailing blank line in Excel) are not data.
        let rows = csv.rows.filter { !$0.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        return Table(header: header, rows: rows)
    }

    public static func write(_ table: Table) -> Data {
        var text = "\u{FEFF}"
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
