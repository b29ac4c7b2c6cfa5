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
    public static func read(_ data: Data) throws(DomainError) -> Table {
        do {
            let archive = try Archive(data: data, accessMode: .read)
            let sheetPath = try firstSheetPath(in: archive)
            let shared = try entry("xl/sharedStrings.xml", in: archive).map(SharedStringsParser.parse) ?? []
            guard let sheet = try entry(sheetPath, in: archive) else {
                throw DomainError.invalid([FieldError("file", "the workbook names a worksheet it does not contain")])
            }
            var cells = try SheetParser.parse(sheet, sharedStrings: shared)
            guard let firstRow = cells.keys.min() else { throw DomainError.invalid([FieldError("file", "the first worksheet is empty")]) }
            let headerCells = cells.removeValue(forKey: firstRow) ?? [:]
            let width = max((headerCells.keys.max() ?? -1) + 1, 0)
            let header = (0..<width).map { headerCells[$0]?.trimmingCharacters(in: .whitespaces) ?? "" }
            let numbers = cells.keys.sorted()
            let rows = numbers.map { number in
                let row = cells[number]!
                return (0..<max(width, (row.keys.max() ?? -1) + 1)).map { row[$0] ?? "" }
            }
            return Table(header: header, rows: rows, numbers: numbers).withoutBlankRows()
        } catch let error as DomainError {
            throw error
        } catch {
            throw .invalid([FieldError("file", "is not a readable .xlsx workbook (\(error))")])
        }
    }

    public static func write(_ table: Table) -> Data {
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (index, row) in ([table.header] + table.rows).enumerated() {
            sheet += #"<row r="\#(index + 1)">"#
            for (column, value) in row.enumerated() where !value.isEmpty {
                sheet += #"<c r="\#(columnName(column))\#(index + 1)" t="inlineStr"><is><t xml:space="preserve">\#(escape(value))</t></is></c>"#
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let files: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
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

    // MARK: Parts of the workbook

    private static func entry(_ path: String, in archive: Archive) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return data
    }

    /// The first sheet in the workbook's order, through its relationship (sheet1.xml is not always it).
    private static func firstSheetPath(in archive: Archive) throws -> String {
        guard let workbook = try entry("xl/workbook.xml", in: archive) else {
            throw DomainError.invalid([FieldError("file", "is a zip file but not an Excel workbook")])
        }
        let relationships = try entry("xl/_rels/workbook.xml.rels", in: archive).map(AttributeCollector.relationships) ?? [:]
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

    /// The column index of a cell reference such as "AB12" (27).
    static func columnIndex(_ reference: String) -> Int? {
        let letters = reference.prefix { $0.isLetter }
        guard !letters.isEmpty else { return nil }
        return letters.uppercased().unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
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
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
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

    static func parse(_ data: Data) throws -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw parser.parserError ?? DomainError.badRequest("unreadable shared strings") }
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
        case "si": strings.append(current)
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
    var failure: (any Error)?

    init(sharedStrings: [String]) { self.sharedStrings = sharedStrings }

    static func parse(_ data: Data, sharedStrings: [String]) throws -> [Int: [Int: String]] {
        let delegate = SheetParser(sharedStrings: sharedStrings)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw parser.parserError ?? DomainError.badRequest("unreadable worksheet") }
        if let failure = delegate.failure { throw failure }
        return delegate.cells
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "row":
            row = attributes["r"].flatMap(Int.init) ?? row + 1
            column = 0
        case "c":
            if let reference = attributes["r"], let index = XLSXFile.columnIndex(reference) { column = index }
            type = attributes["t"] ?? "n"
            value = ""
        case "v": inValue = true
        case "t": inInlineText = type == "inlineStr"
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v": inValue = false
        case "t": inInlineText = false
        case "c":
            var text = value
            switch type {
            case "s":
                guard let index = Int(value), sharedStrings.indices.contains(index) else {
                    failure = DomainError.invalid([FieldError("file", "cell \(XLSXFile.columnName(column))\(row) points to a missing shared string")])
                    parser.abortParsing()
                    return
                }
                text = sharedStrings[index]
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            default: break
            }
            if !text.isEmpty { cells[row, default: [:]][column] = text }
            column += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue || inInlineText { value += string }
    }
}

/// Small attribute look-ups in the workbook and its relationships.
private final class AttributeCollector: NSObject, XMLParserDelegate {
    var elements: [(String, [String: String])] = []

    static func collect(_ data: Data) -> [(String, [String: String])] {
        let delegate = AttributeCollector()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldProcessNamespaces = false
        _ = parser.parse()
        return delegate.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }

    static func relationships(_ data: Data) -> [String: String] {
        var result: [String: String] = [:]
        for (name, attributes) in collect(data) where name.hasSuffix("Relationship") {
            if let id = attributes["Id"], let target = attributes["Target"] { result[id] = target }
        }
        return result
    }

    static func firstSheetRelationship(_ data: Data) -> String? {
        collect(data).first { $0.0.hasSuffix("sheet") && $0.0 != "sheets" }?.1.first { $0.key.hasSuffix(":id") }?.value
    }
}
