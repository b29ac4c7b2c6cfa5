import Foundation
@testable import Server
import Testing

@Suite("Multipart forms")
struct MultipartFormTests {
    @Test("reads fields and a binary file part, with a quoted boundary")
    func parses() throws {
        let file = Data([0x50, 0x4B, 0x03, 0x04, 0x0D, 0x0A, 0x2D, 0x2D, 0x00])  // includes CRLF-- inside the file
        var body = Data("--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc\r\n".utf8)
        body += Data("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"目录.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file + Data("\r\n--XyZ--\r\n".utf8)
        let form = try #require(MultipartForm(contentType: "multipart/form-data; boundary=\"XyZ\"", body: body))
        #expect(form.text("_csrf") == "abc")
        #expect(form["file"]?.filename == "目录.xlsx")
        #expect(form["file"]?.data == file)
    }

    @Test("refuses bodies that are not multipart or are cut short")
    func refuses() {
        #expect(MultipartForm(contentType: "application/x-www-form-urlencoded", body: Data("a=b".utf8)) == nil)
        #expect(MultipartForm(contentType: "multipart/form-data; boundary=q", body: Data("--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".utf8)) == nil)
        #expect(MultipartForm(contentType: "multipart/form-data", body: Data()) == nil)
    }
}
