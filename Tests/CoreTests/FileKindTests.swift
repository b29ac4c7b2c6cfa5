import Core
import Foundation
import Testing

@Suite("File kinds")
struct FileKindTests {
    @Test("accepted files are recognised from their first bytes, whatever they are called")
    func recognised() {
        #expect(FileKind.detect(Data("%PDF-1.7\n%âãÏÓ\n".utf8)) == .pdf)
        #expect(FileKind.detect(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0])) == .png)
        #expect(FileKind.detect(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])) == .jpeg)
        let docx = Data([0x50, 0x4B, 0x03, 0x04]) + Data("....[Content_Types].xml....word/document.xml".utf8)
        #expect(FileKind.detect(docx) == .docx)
        let xlsx = Data([0x50, 0x4B, 0x03, 0x04]) + Data("....[Content_Types].xml....xl/workbook.xml".utf8)
        #expect(FileKind.detect(xlsx) == .xlsx)
    }

    @Test("anything else is refused: programs, scripts, plain ZIP archives, HTML, empty files")
    func refused() {
        #expect(FileKind.detect(Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1])) == nil, "an ELF program")
        #expect(FileKind.detect(Data("MZ\u{90}\u{0}".utf8)) == nil, "a Windows program")
        #expect(FileKind.detect(Data("#!/bin/sh\nrm -rf /\n".utf8)) == nil)
        #expect(FileKind.detect(Data([0x50, 0x4B, 0x03, 0x04]) + Data("payload.exe".utf8)) == nil, "a ZIP that is no Office file")
        #expect(FileKind.detect(Data("<html><script>".utf8)) == nil)
        #expect(FileKind.detect(Data()) == nil)
        #expect(FileKind.accepted == "PDF, PNG, JPEG, DOCX or XLSX")
    }

    @Test("a sent file's name loses any folder, a Windows path's included")
    func baseName() {
        #expect(FileKind.baseName(#"C:\扫描\4A证书.pdf"#) == "4A证书.pdf")
        #expect(FileKind.baseName("/home/li/证书.pdf") == "证书.pdf")
        #expect(FileKind.baseName("../../etc/passwd") == "passwd")
        #expect(FileKind.baseName("证书.pdf") == "证书.pdf")
        #expect(FileKind.baseName("") == "")
    }
}
