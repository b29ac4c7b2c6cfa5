import Core
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// Excel workbooks (.xlsx, Office Open XML): the first worksheet is the table, its first row the header.
/// Cells are read as the text Excel shows for strings, numbers and booleans; formulas by their last
/// computed value. Written files hold one sheet of inline strings, which Excel, WPS and LibreOffice open.
public enum XLSXFile {
    /// A number cell as Excel shows it. Excel keeps 15 significant digits, so a computed cell stored as
    /// 296294.39999999997 (240 × 1234.56) is the 296294.4 its user sees; a number with 15 significant digits or
    /// fewer (anything typed) is left exactly as stored, and the import's own checks judge it.
    static func asExcelShows(_ value: String) -> String {
        let mantissa = value.prefix { $0 != "E" && $0 != "e" }
        let significant = mantissa.filter(\.isNumber).drop { $0 == "0" }.count
        guard significant > 15, let number = Double(value), number.isFinite else { return value }
        return String(format: "%.15g", number)
    }

    // MARK: Limits
    //
    // An .xlsx file is a zip archive: 11 MB uploaded (the body limit) can unpack to gigabytes, and the
    // archive's own records of how big each part is may lie. The reader therefore checks the archive's
    // records before unpacking anything and counts the bytes it actually unpacks, stopping at the limit.
    //
    // What a real workbook needs: Excel writes 10–20 parts (content types, relationships, workbook,
    // styles, theme, one XML file per sheet, shared strings, document properties); a workbook with a
    // hundred sheets and pictures stays in the low hundreds. A sheet costs about 40 bytes per cell,
    // so 50 MB is over a million cells: a city's purchase list or service catalogue is a few thousand
    // rows of 10–20 columns (a few MB). Whatever the reader keeps is bounded by the cell limit below.
    // Every limit is many times what a finance office's workbook reaches, and small enough that a
    // few uploads at once cannot exhaust the server.

    /// At most this many entries in the archive.
    static let maxEntries = 1_000
    /// At most this many bytes in any one part, unpacked (declared and actually produced).
    static let maxPartSize: UInt64 = 50 * 1024 * 1024
    /// At most this many bytes in all parts together, unpacked (declared and actually produced).
    static let maxTotalSize: UInt64 = 200 * 1024 * 1024
    /// At most this many cells in the first worksheet, counted as rows × columns (so one cell far to
    /// the right cannot widen every row), and this many shared strings: 50,000 rows of 20 columns.
    static let maxCells = 1_000_000
    /// Excel's own bounds: column XFD, row 1,048,576. A reference beyond them is not Excel's.
    static let maxColumns = 16_384
    static let maxRows = 1_048_576

    static let unreadable = DomainError.invalid([FieldError("file", "cannot be read as an Excel workbook; open it in Excel and save it again as .xlsx")])
    static let tooLarge = DomainError.invalid([FieldError("file", "unpacks to more than an import can hold (50 MB in one part, 200 MB in all); split the list into smaller files")])
    static let tooManyEntries = DomainError.invalid([FieldError("file", "holds more than 1,000 parts, far more than a workbook has; save it again as a plain .xlsx")])
    static let tooManyCells = DomainError.invalid([FieldError("file", "has more than 1,000,000 cells in its first worksheet; split the list into smaller files")])
    static let outsideSheet = DomainError.invalid([FieldError("file", "has a cell beyond Excel's last column (XFD) or row (1,048,576)")])

    /// Cells that a spreadsheet program would take for a formula are written with a `'` in front
    /// (see `FormulaGuard`) and read back without it. No part is unpacked before the archive's records
    /// pass the limits above; none is parsed before it is unpacked within them. Whatever goes wrong
    /// inside the zip or XML libraries is reported in one plain sentence, never in their words.
    public static func read(_ data: Data) throws(DomainError) -> Table {
        do {
            let archive = try Archive(data: data, accessMode: .read)
            var parts = try Parts(archive)
            let sheetPath = try firstSheetPath(in: &parts)
            let shared = try parts.read("xl/sharedStrings.xml").map(SharedStringsParser.parse) ?? []
            guard let sheet = try parts.read(sheetPath) else {
                throw DomainError.invalid([FieldError("file", "the workbook names a worksheet it does not contain")])
            }
            var cells = try SheetParser.parse(sheet, sharedStrings: shared)
            guard let firstRow = cells.keys.min() else { throw DomainError.invalid([FieldError("file", "the first worksheet is empty")]) }
            let headerCells = cells.removeValue(forKey: firstRow) ?? [:]
            let width = max((headerCells.keys.max() ?? -1) + 1, 0)
            let numbers = cells.keys.sorted()
            // Every row is as wide as the header or its own last cell: count before making them.
            let grid = numbers.reduce(width) { $0 + max(width, (cells[$1]!.keys.max() ?? -1) + 1) }
            guard grid <= maxCells else { throw tooManyCells }
            let header = (0..<width).map { headerCells[$0]?.trimmingCharacters(in: .whitespaces) ?? "" }
            let rows = numbers.map { number in
                let row = cells[number]!
                return (0..<max(width, (row.keys.max() ?? -1) + 1)).map { row[$0] ?? "" }
            }
            return Table(header: header, rows: rows, numbers: numbers).withoutBlankRows().restored()
        } catch let error as DomainError {
            throw error
        } catch {
            // ZIPFoundation's and the XML parser's errors name their domains and codes; the person who
            // sent the file needs to know only that it cannot be read.
            throw unreadable
        }
    }

    public static func write(_ table: Table) -> Data {
        write(sheets: [("Sheet1", table)])
    }

    /// A workbook of several sheets, in order (names of at most 31 characters, without `[]:*?/\`, as Excel requires).
    public static func write(sheets: [(name: String, table: Table)]) -> Data {
        let worksheet = #"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"#
        let overrides = sheets.indices.map { #"<Override PartName="/xl/worksheets/sheet\#($0 + 1).xml" ContentType="\#(worksheet)"/>"# }.joined()
        let entries = sheets.enumerated().map { index, sheet in #"<sheet name="\#(escape(sheet.name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"# }.joined()
        let links = sheets.indices.map {
            #"<Relationship Id="rId\#($0 + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#($0 + 1).xml"/>"#
        }.joined()
        var files: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\#(overrides)</Types>"#),
            ("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\#(entries)</sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#(links)</Relationships>"#),
        ]
        for (index, sheet) in sheets.enumerated() {
            files.append(("xl/worksheets/sheet\(index + 1).xml", worksheetXML(sheet.table)))
        }
        // Writing to an in-memory archive only fails when memory does; there is no file to go wrong.
        let archive = try! Archive(data: Data(), accessMode: .create)
        for (path, text) in files {
            let bytes = Data(text.utf8)
            try! archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data!
    }

    private static func worksheetXML(_ table: Table) -> String {
        let table = table.neutralised()
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (index, row) in ([table.header] + table.rows).enumerated() {
            sheet += #"<row r="\#(index + 1)">"#
            for (column, value) in row.enumerated() where !value.isEmpty {
                sheet += #"<c r="\#(columnName(column))\#(index + 1)" t="inlineStr"><is><t xml:space="preserve">\#(escape(value))</t></is></c>"#
            }
            sheet += "</row>"
        }
        return sheet + "</sheetData></worksheet>"
    }

    // MARK: Parts of the workbook

    /// The parts of an archive whose records passed the limits, unpacked one by one within them.
    struct Parts {
        let archive: Archive
        /// Bytes unpacked so far, all parts together.
        var unpacked: UInt64 = 0

        /// Checks the archive's records: the number of entries and the sizes they declare.
        init(_ archive: Archive) throws {
            var count = 0
            var declared: UInt64 = 0
            for entry in archive {
                count += 1
                guard count <= XLSXFile.maxEntries else { throw XLSXFile.tooManyEntries }
                let size = entry.uncompressedSize
                guard size <= XLSXFile.maxPartSize else { throw XLSXFile.tooLarge }
                declared += size  // at most 1,000 × 50 MB: no overflow
                guard declared <= XLSXFile.maxTotalSize else { throw XLSXFile.tooLarge }
            }
            self.archive = archive
        }

        /// The part at `path`, or nil. Declared sizes can lie: unpacking stops as soon as the bytes
        /// actually produced pass either limit. A part with a document type declaration is refused
        /// before any parser sees it: workbooks have none, and a DTD is how XML multiplies entities
        /// (a "billion laughs") or reaches for external files. So is a part not in UTF-8 or ASCII
        /// (UTF-16, UTF-32, EBCDIC), where the declaration could not be found by its bytes.
        mutating func read(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            // The declared size, if it is honest, saves copies as the part grows; if not, it is a hint.
            data.reserveCapacity(Int(min(entry.uncompressedSize, XLSXFile.maxPartSize)))
            var unpacked = self.unpacked
            _ = try archive.extract(entry) { chunk in
                unpacked += UInt64(chunk.count)
                guard UInt64(data.count + chunk.count) <= XLSXFile.maxPartSize, unpacked <= XLSXFile.maxTotalSize else { throw XLSXFile.tooLarge }
                data.append(chunk)
            }
            self.unpacked = unpacked
            // Excel writes UTF-8; in UTF-16 or another encoding unlike ASCII a DTD would escape the search.
            let text = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
            if let first = text.first, ![UInt8(ascii: "<"), 0x20, 0x09, 0x0A, 0x0D].contains(first) || text.prefix(4).contains(0) {
                throw XLSXFile.unreadable
            }
            if data.range(of: Data("<!DOCTYPE".utf8)) != nil { throw XLSXFile.unreadable }
            return data
        }
    }

    /// The first sheet in the workbook's order, through its relationship (sheet1.xml is not always it).
    private static func firstSheetPath(in parts: inout Parts) throws -> String {
        guard let workbook = try parts.read("xl/workbook.xml") else {
            throw DomainError.invalid([FieldError("file", "is a zip file but not an Excel workbook")])
        }
        let relationships = try parts.read("xl/_rels/workbook.xml.rels").map(AttributeCollector.relationships) ?? [:]
        guard let id = AttributeCollector.firstSheetRelationship(workbook), let target = relationships[id] else {
            return "xl/worksheets/sheet1.xml"
        }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    /// A, B, … Z, AA, AB, …
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }

    /// The column index of a cell reference such as "AB12" (27); nil past Excel's last column (XFD),
    /// so that no reference, however long, can overflow.
    static func columnIndex(_ reference: String) -> Int? {
        let letters = reference.utf8.prefix { (65...90).contains($0) || (97...122).contains($0) }
        guard (1...3).contains(letters.count) else { return nil }
        let index = letters.reduce(0) { $0 * 26 + Int($1 & 0xDF) - 64 } - 1  // & 0xDF: upper case
        return index < maxColumns ? index : nil
    }

    /// XML text: the five entities escaped, and characters XML 1.0 cannot carry left out.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            // A parser turns a bare carriage return into a line feed; a character reference survives.
            case "\r": result += "&#13;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// Reads the shared string table: one string per <si>, the text of its <t> runs, without the
/// phonetic guides (<rPh>) that East Asian Excel adds.
private final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false
    var phoneticDepth = 0
    var failure: DomainError?

    static func parse(_ data: Data) throws -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        // corelibs' parser can report success with an error set (a document cut short): refuse that too.
        guard parser.parse(), parser.parserError == nil else { throw delegate.failure ?? XLSXFile.unreadable }
        return delegate.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "si": current = ""
        case "rPh": phoneticDepth += 1
        case "t": inText = phoneticDepth == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si":
            strings.append(current)
            if strings.count > XLSXFile.maxCells {
                failure = XLSXFile.tooManyCells
                parser.abortParsing()
            }
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}

/// Reads a worksheet into cells by row number and column index.
private final class SheetParser: NSObject, XMLParserDelegate {
    let sharedStrings: [String]
    var cells: [Int: [Int: String]] = [:]
    var row = 0
    var column = 0
    var type = "n"
    var value = ""
    var inValue = false
    var inInlineText = false
    var count = 0
    var failure: DomainError?

    init(sharedStrings: [String]) { self.sharedStrings = sharedStrings }

    static func parse(_ data: Data, sharedStrings: [String]) throws -> [Int: [Int: String]] {
        let delegate = SheetParser(sharedStrings: sharedStrings)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        // corelibs' parser can report success with an error set (a document cut short): refuse that too.
        guard parser.parse(), parser.parserError == nil else { throw delegate.failure ?? XLSXFile.unreadable }
        if let failure = delegate.failure { throw failure }
        return delegate.cells
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        switch name {
        case "row":
            row = attributes["r"].flatMap(Int.init) ?? row + 1
            column = 0
            if !(1...XLSXFile.maxRows).contains(row) { fail(XLSXFile.outsideSheet, parser) }
        case "c":
            if let reference = attributes["r"] {
                guard let index = XLSXFile.columnIndex(reference) else { return fail(XLSXFile.outsideSheet, parser) }
                column = index
            }
            if column >= XLSXFile.maxColumns { fail(XLSXFile.outsideSheet, parser) }
            type = attributes["t"] ?? "n"
            value = ""
        case "v": inValue = true
        case "t": inInlineText = type == "inlineStr"
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        switch name {
        case "v": inValue = false
        case "t": inInlineText = false
        case "c":
            var text = value
            switch type {
            case "s":
                guard let index = Int(value), sharedStrings.indices.contains(index) else {
                    return fail(DomainError.invalid([FieldError("file", "cell \(XLSXFile.columnName(column))\(row) points to a missing shared string")]), parser)
                }
                text = sharedStrings[index]
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "n": text = XLSXFile.asExcelShows(value)
            default: break
            }
            if !text.isEmpty {
                cells[row, default: [:]][column] = text
                count += 1
                if count > XLSXFile.maxCells { return fail(XLSXFile.tooManyCells, parser) }
            }
            column += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue || inInlineText { value += string }
    }

    /// Stops at the first failure; the parser may still report an element or two, which are ignored.
    private func fail(_ error: DomainError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }
}

/// Small attribute look-ups in the workbook and its relationships. Only the elements asked for are
/// kept, and at most `limit` of them, so a part of millions of elements costs no memory.
private final class AttributeCollector: NSObject, XMLParserDelegate {
    let wanted: (String) -> Bool
    let limit: Int
    var elements: [(String, [String: String])] = []

    init(limit: Int, wanted: @escaping (String) -> Bool) {
        self.limit = limit
        self.wanted = wanted
    }

    static func collect(_ data: Data, limit: Int, where wanted: @escaping (String) -> Bool) -> [(String, [String: String])] {
        let delegate = AttributeCollector(limit: limit, wanted: wanted)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldProcessNamespaces = false
        _ = parser.parse()
        return delegate.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard elements.count < limit, wanted(name) else { return }
        elements.append((name, attributes))
        if elements.count == limit { parser.abortParsing() }
    }

    /// Relationship ids to targets; a workbook has one relationship per part at most.
    static func relationships(_ data: Data) -> [String: String] {
        var result: [String: String] = [:]
        for (_, attributes) in collect(data, limit: XLSXFile.maxEntries, where: { $0.hasSuffix("Relationship") }) {
            if let id = attributes["Id"], let target = attributes["Target"] { result[id] = target }
        }
        return result
    }

    static func firstSheetRelationship(_ data: Data) -> String? {
        collect(data, limit: 1) { $0.hasSuffix("sheet") && $0 != "sheets" }.first?.1.first { $0.key.hasSuffix(":id") }?.value
    }
}
