import Core

/// The columns of one kind of import file. Each column has a key (used in errors and code) and the
/// headers that name it, Chinese and English; a file may use either, in any order.
public struct TableFormat: Sendable {
    public struct Column: Sendable {
        public var key: String
        public var zh: String
        public var en: String
        public var required: Bool

        public init(_ key: String, zh: String, en: String, required: Bool = true) {
            self.key = key
            self.zh = zh
            self.en = en
            self.required = required
        }
    }

    public var columns: [Column]
    public init(_ columns: [Column]) { self.columns = columns }

    /// One data row, read by column key, with its spreadsheet row number.
    public struct Row: Sendable {
        public let number: Int
        let cells: [String: String]
        public subscript(_ key: String) -> String { cells[key]?.trimmingCharacters(in: .whitespaces) ?? "" }
    }

    /// Maps the table's header to columns. Unknown, doubled or missing required columns are all
    /// reported at once (row 1), so a wrong file is told apart from a wrong row.
    public func rows(of table: Table) throws(DomainError) -> [Row] {
        var positions: [String: Int] = [:]
        var problems: [FieldError] = []
        for (index, name) in table.header.enumerated() where !name.isEmpty {
            guard let column = columns.first(where: { $0.key == name || $0.zh == name || $0.en.caseInsensitiveCompare(name) == .orderedSame }) else {
                problems.append(FieldError("rows[1].\(name)", "is not a column of this file; the columns are \(columns.map { "\($0.zh) / \($0.en)" }.joined(separator: ", "))"))
                continue
            }
            if positions[column.key] != nil { problems.append(FieldError("rows[1].\(column.key)", "appears twice")) }
            positions[column.key] = index
        }
        for column in columns where column.required && positions[column.key] == nil {
            problems.append(FieldError("rows[1].\(column.key)", "the column \(column.zh) / \(column.en) is missing"))
        }
        guard problems.isEmpty else { throw .invalid(problems) }
        guard !table.rows.isEmpty else { throw .invalid([FieldError("rows[2]", "the file has a header but no rows")]) }
        return zip(table.rows, table.numbers).map { cells, number in
            Row(number: number, cells: positions.reduce(into: [:]) { result, entry in
                result[entry.key] = entry.value < cells.count ? cells[entry.value] : ""
            })
        }
    }

    /// The header a file written by Spokes carries: Chinese, as finance offices read it.
    public var header: [String] { columns.map(\.zh) }
}

/// Collects the errors of a whole file, each named by row and column, before anything is changed.
public struct RowErrors: Sendable {
    public private(set) var errors: [FieldError] = []
    /// The row each unique value was first seen in, by column.
    private var firstRows: [String: [String: Int]] = [:]
    public init() {}

    /// Records an error when `value` of `column` appeared in an earlier row of the file.
    public mutating func checkUnique(_ row: TableFormat.Row, _ column: String, _ value: String) {
        if let first = firstRows[column]?[value] {
            add(row, column, "\(value) is in the file twice (first in row \(first))")
        } else {
            firstRows[column, default: [:]][value] = row.number
        }
    }

    public mutating func add(_ row: TableFormat.Row, _ column: String, _ message: Message) {
        errors.append(FieldError("rows[\(row.number)].\(column)", message))
    }

    public func finish() throws(DomainError) {
        if !errors.isEmpty { throw DomainError(.invalid, "The file has \(errors.count) error(s); nothing was changed.", fields: errors) }
    }
}
