import Core
import Foundation
@testable import Tabular
import Testing
import ZIPFoundation

/// Workbooks built to exhaust the server: a sheet that unpacks to hundreds of megabytes from about
/// 1.2 MB, the same with a central directory that claims a few kilobytes, too many entries, XML
/// entity expansion and cell references far outside a worksheet. Each must be refused with a plain
/// sentence (422), quickly and without the process's memory growing by the size of the bomb.
@Suite("XLSX files built to exhaust the server", .serialized)
struct ZipBombTests {
    /// What the bomb's sheet unpacks to: more than the 300 MB the memory check allows, so reading it
    /// whole (as the reader did before it had limits) fails the check.
    static let bombSize = 400 * 1024 * 1024

    /// The parts of a one-sheet workbook, as `XLSXFile.write` writes them, with `sheet` as its sheet.
    static func workbook(sheet: (path: String, size: Int, provider: Provider), extra: [(String, String)] = []) throws -> Data {
        let written = try Archive(data: XLSXFile.write(Table(header: ["a"], rows: [["1"]])), accessMode: .read)
        let archive = try Archive(data: Data(), accessMode: .create)
        for entry in written where entry.path != sheet.path {
            var bytes = Data()
            _ = try written.extract(entry) { bytes.append($0) }
            try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        for (path, text) in extra {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try archive.addEntry(with: sheet.path, type: .file, uncompressedSize: Int64(sheet.size), compressionMethod: .deflate,
                             bufferSize: 1024 * 1024, provider: sheet.provider)
        return try #require(archive.data)
    }

    /// Made once for the tests that use it (deflating 400 MB takes seconds in a debug build).
    static let bombData = Result { try bomb() }

    /// A worksheet that opens normally and then repeats one row for `size` bytes; built in chunks,
    /// so making it never holds more than a megabyte.
    static func bomb(size: Int = bombSize) throws -> Data {
        let start = Data(#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.utf8)
        let chunk = Data(String(repeating: #"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#, count: 30_000).utf8)
        return try workbook(sheet: ("xl/worksheets/sheet1.xml", size, { position, length in
            var data = Data()
            var offset = Int(position)
            while data.count < length {
                let piece = offset < start.count ? start : chunk
                let from = offset < start.count ? offset : (offset - start.count) % chunk.count
                let take = min(piece.count - from, length - data.count)
                data.append(piece[piece.startIndex + from..<piece.startIndex + from + take])
                offset += take
            }
            return data
        }))
    }

    /// The archive with every record of `path` (local header and central directory) claiming
    /// `size` unpacked bytes. ZIPFoundation writes true sizes, so the lie is patched in by hand.
    static func lying(_ data: Data, about path: String, size: UInt32) -> Data {
        var bytes = [UInt8](data)
        let name = Array(path.utf8)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func put32(_ at: Int, _ value: UInt32) { for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) } }
        var index = 0
        while index + 46 < bytes.count {
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x03, bytes[index + 3] == 0x04,
               Array(bytes[index + 30..<min(index + 30 + name.count, bytes.count)]) == name, u16(index + 26) == name.count {
                put32(index + 22, size)  // local file header: uncompressed size
            }
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x01, bytes[index + 3] == 0x02,
               Array(bytes[index + 46..<min(index + 46 + name.count, bytes.count)]) == name, u16(index + 28) == name.count {
                put32(index + 24, size)  // central directory: uncompressed size
            }
            index += 1
        }
        return Data(bytes)
    }

    /// The process's peak resident memory so far, in bytes (VmHWM), after resetting it to the
    /// current resident size where Linux allows it, so the next reading shows this test's peak.
    static func resetPeak() -> Int {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return peakMemory()
    }

    static func peakMemory() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kilobytes * 1024
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(truncatingIfNeeded: RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    }

    /// Reads `data`, expecting a refusal on `file`; returns its message and the peak memory growth.
    static func refusal(_ data: Data) throws -> (message: String, growth: Int, seconds: Double) {
        let before = resetPeak()
        let started = ContinuousClock.now
        var message = ""
        do {
            let table = try SpreadsheetFile.read(data)
            Issue.record("a bomb was read as \(table.rows.count) rows")
        } catch {
            #expect(error.kind == .invalid)
            #expect(error.fields.map(\.field) == ["file"])
            message = error.fields.first?.message.english ?? ""
        }
        let elapsed = ContinuousClock.now - started
        let growth = max(0, peakMemory() - before)
        return (message, growth, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static let internalWords = ["NSXMLParserErrorDomain", "Error Domain", "ArchiveError", "CompressionError", "NSError", "Code="]

    @Test("a sheet that unpacks to 400 MB is refused from its declared size, and memory stays flat")
    func declaredBomb() throws {
        let data = try Self.bombData.get()
        #expect(data.count < 2 * 1024 * 1024)
        let (message, growth, seconds) = try Self.refusal(data)
        print("declared bomb: \(data.count) bytes packed, peak memory +\(growth / 1024 / 1024) MB, \(seconds) s: \(message)")
        #expect(message.contains("50 MB"))
        #expect(growth < 300 * 1024 * 1024)
        #expect(!Self.internalWords.contains { message.contains($0) })
    }

    @Test("a sheet whose zip records claim 4 KB but unpack to 400 MB is stopped at the limit, and memory stays flat")
    func lyingBomb() throws {
        let data = Self.lying(try Self.bombData.get(), about: "xl/worksheets/sheet1.xml", size: 4096)
        // The lie took: the archive now declares a small sheet.
        let archive = try Archive(data: data, accessMode: .read)
        #expect(try #require(archive["xl/worksheets/sheet1.xml"]).uncompressedSize == 4096)
        let (message, growth, seconds) = try Self.refusal(data)
        print("lying bomb: \(data.count) bytes packed, peak memory +\(growth / 1024 / 1024) MB, \(seconds) s: \(message)")
        #expect(message.contains("50 MB"))
        #expect(growth < 300 * 1024 * 1024)
        #expect(!Self.internalWords.contains { message.contains($0) })
    }

    @Test("an archive of more than 1,000 entries is refused before anything is unpacked")
    func tooManyEntries() throws {
        let extra = (0..<1_001).map { ("xl/media/x\($0).xml", "<x/>") }
        let data = try Self.workbook(sheet: ("xl/worksheets/sheet1.xml", 10, { _, _ in Data("<a></a>   ".utf8) }), extra: extra)
        let (message, _, _) = try Self.refusal(data)
        #expect(message.contains("1,000"))
    }

    @Test("parts that are each allowed but together unpack to more than 200 MB are refused")
    func tooMuchInAll() throws {
        // Five parts of 45 MB each, declared truthfully; none is over the per-part limit.
        let blanks = Data(repeating: 0x20, count: 1024 * 1024)
        let archive = try Archive(data: try Self.workbook(sheet: ("xl/worksheets/sheet1.xml", 10, { _, _ in Data("<a></a>   ".utf8) })),
                                  accessMode: .update)
        for index in 0..<5 {
            try archive.addEntry(with: "xl/media/blank\(index).xml", type: .file, uncompressedSize: Int64(45 * 1024 * 1024),
                                 compressionMethod: .deflate, bufferSize: blanks.count) { _, size in blanks.prefix(size) }
        }
        let (message, _, _) = try Self.refusal(try #require(archive.data))
        #expect(message.contains("200 MB"))
    }

    @Test("XML the parser rejects, or cuts short, is refused in plain words, never in the parser's", arguments: [
        #"<worksheet><sheetData><row><c t="inlineStr"><is><t>&bogus;</t></is></c></row></sheetData></worksheet>"#,
        #"<worksheet><sheetData><row><c t="inlineStr"><is><t>x</t></is></c></row><row><c><v>1</v></c></row></sheetDat"#,
        #"<worksheet><sheetData><row><c t="inlineStr"><is><t>x</t></is></c></sheetData></worksheet>"#,
    ])
    func brokenXML(_ text: String) throws {
        let sheet = Data(text.utf8)
        let data = try Self.workbook(sheet: ("xl/worksheets/sheet1.xml", sheet.count, { position, size in sheet.subdata(in: Int(position)..<Int(position) + size) }))
        let (message, _, _) = try Self.refusal(data)
        #expect(message.contains("cannot be read"))
        #expect(!Self.internalWords.contains { message.contains($0) })
    }

    @Test("a sheet with a DTD (entity expansion, external entities) is refused before it is parsed, in UTF-8 or UTF-16",
          arguments: [false, true])
    func entityExpansion(utf16: Bool) throws {
        var laughs = #"<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a0 "ha">"#
        for level in 1...9 { laughs += "<!ENTITY a\(level) \"" + String(repeating: "&a\(level - 1);", count: 10) + "\">" }
        laughs += #"]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>"#
        let sheet = utf16 ? Data([0xFF, 0xFE]) + laughs.replacingOccurrences(of: #"<?xml version="1.0"?>"#, with: #"<?xml version="1.0" encoding="UTF-16"?>"#)
            .data(using: .utf16LittleEndian)! : Data(laughs.utf8)
        let data = try Self.workbook(sheet: ("xl/worksheets/sheet1.xml", sheet.count, { position, size in sheet.subdata(in: Int(position)..<Int(position) + size) }))
        let (message, growth, _) = try Self.refusal(data)
        #expect(message.contains("cannot be read"))
        #expect(growth < 300 * 1024 * 1024)
    }

    @Test("a workbook part of millions of elements is read without keeping them")
    func manyElements() throws {
        // 45 MB of empty elements in xl/workbook.xml (under the part limit), no <sheet>: the reader
        // falls back to sheet1.xml. It used to keep every element with its attributes (gigabytes).
        let start = Data(#"<workbook><sheets>  "#.utf8)  // 20 bytes: elements stay whole across chunks
        let element = Data(String(repeating: "<x/>", count: 262_144).utf8)  // 1 MB
        let size = 45 * 1024 * 1024
        let data = try Self.workbook(sheet: ("xl/workbook.xml", size, { position, length in
            position == 0 ? start + element.prefix(length - start.count) : element.prefix(length)
        }))
        let before = Self.resetPeak()
        let table = try SpreadsheetFile.read(data)
        let growth = max(0, Self.peakMemory() - before)
        print("many elements: peak memory +\(growth / 1024 / 1024) MB")
        #expect(table == Table(header: ["a"], rows: [["1"]]))
        #expect(growth < 300 * 1024 * 1024)
    }

    @Test("cell references past Excel's last column or row are refused, not overflowed or spread out")
    func farReferences() throws {
        // A 26-letter column would overflow Int (a trap ends the process); XFD is Excel's last column.
        #expect(XLSXFile.columnIndex("ZZZZZZZZZZZZZZZZZZZZZZZZZZ1") == nil)
        #expect(XLSXFile.columnIndex("XFD1") == 16_383)
        #expect(XLSXFile.columnIndex("XFE1") == nil)
        let sheets = [
            // The header's last cell at XFD and 70,000 one-cell rows would make 70,000 × 16,384 cells.
            #"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="XFD1" t="inlineStr"><is><t>z</t></is></c></row>"#
                + (2...70_001).map { #"<row r="\#($0)"><c r="A\#($0)"><v>1</v></c></row>"# }.joined() + "</sheetData></worksheet>",
            #"<worksheet><sheetData><row r="1"><c r="ZZZZZZZZZZZZZZZZZZZZZZZZZZ1"><v>1</v></c></row></sheetData></worksheet>"#,
            #"<worksheet><sheetData><row r="9223372036854775807"><c><v>1</v></c></row><row><c><v>1</v></c></row></sheetData></worksheet>"#,
        ]
        for text in sheets {
            let sheet = Data(text.utf8)
            let data = try Self.workbook(sheet: ("xl/worksheets/sheet1.xml", sheet.count, { position, size in sheet.subdata(in: Int(position)..<Int(position) + size) }))
            let (message, growth, _) = try Self.refusal(data)
            #expect(!message.isEmpty)
            #expect(growth < 300 * 1024 * 1024)
        }
    }
}
