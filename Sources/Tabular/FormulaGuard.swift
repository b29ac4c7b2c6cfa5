/// Keeps what Spokes writes from running as a formula when a spreadsheet program opens it (CSV or
/// formula injection). A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// written with a `'` in front (OWASP's rule), so Excel, WPS and LibreOffice show it as text; the
/// readers take that one `'` off again, so an export imports back unchanged.
///
/// A negative number (`-12.50`, `-1,234`) is left as it is: it is made of digits, separators and a
/// sign only, so no program can read a formula into it, and amounts stay amounts. The writers do not
/// know which column is an amount (callers hand them text), so the exception is decided by the cell's
/// own characters, never by a column. XLSX cells are written as strings, which never run anyway; the
/// same `'` is written there too, so a cell edited in Excel and confirmed does not become a formula.
///
/// A cell that already begins with `'` before one of those characters gets one more, so that taking
/// one off on reading gives back exactly what was written: `'=x` is written `''=x` and reads `'=x`.
public enum FormulaGuard {
    /// The first characters that make a spreadsheet program read a cell as a formula (or a DDE call).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// The cell as it is safe to write.
    public static func neutralise(_ cell: String) -> String {
        needsGuard(cell) ? "'" + cell : cell
    }

    /// The cell as it was before `neutralise`: one leading `'` before a formula character is dropped.
    public static func restore(_ cell: String) -> String {
        guard cell.unicodeScalars.first == "'", startsWithFormula(afterQuotes: cell) else { return cell }
        return String(cell.unicodeScalars.dropFirst())
    }

    static func needsGuard(_ cell: String) -> Bool {
        guard startsWithFormula(afterQuotes: cell) else { return false }
        // Quotes in front: always one more, so that `restore` is exact. None: a plain negative number stays.
        return cell.unicodeScalars.first == "'" || !isNegativeNumber(cell)
    }

    /// Whether the cell, leading `'`s aside, begins with a formula character.
    private static func startsWithFormula(afterQuotes cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first(where: { $0 != "'" }) else { return false }
        return formulaStarts.contains(first)
    }

    /// `-` then a digit, then only digits, `.` and `,`: nothing a program could evaluate.
    private static func isNegativeNumber(_ cell: String) -> Bool {
        let scalars = Array(cell.unicodeScalars)
        guard scalars.count >= 2, scalars[0] == "-", ("0"..."9").contains(scalars[1]) else { return false }
        return scalars.dropFirst(2).allSatisfy { ("0"..."9").contains($0) || $0 == "." || $0 == "," }
    }
}

extension Table {
    /// Every cell, header included, as it is safe to write.
    func neutralised() -> Table {
        Table(header: header.map(FormulaGuard.neutralise), rows: rows.map { $0.map(FormulaGuard.neutralise) }, numbers: numbers)
    }

    /// Every cell as it was before `neutralised`.
    func restored() -> Table {
        Table(header: header.map(FormulaGuard.restore), rows: rows.map { $0.map(FormulaGuard.restore) }, numbers: numbers)
    }
}
