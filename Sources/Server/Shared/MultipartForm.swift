import Core
import Foundation
import Hummingbird

/// The parts of a `multipart/form-data` body (RFC 7578), as browsers send file uploads.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String
        var filename: String?
        var data: Data
    }

    var parts: [Part] = []

    /// Parses `body` with the boundary named in `contentType`; nil when it is not a multipart form.
    init?(contentType: String?, body: Data) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundaryRange = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[boundaryRange.upperBound...]).split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty else { return nil }
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else { return nil }
        cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the form, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            cursor += 2
            guard let headersEnd = body.range(of: headerEnd, in: cursor..<body.endIndex),
                  let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headersEnd.upperBound..<body.endIndex) else { return nil }
            let headers = String(decoding: body[cursor..<headersEnd.lowerBound], as: UTF8.self)
            let disposition = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }.map(String.init) ?? ""
            if let name = Self.parameter("name", in: disposition) {
                parts.append(Part(name: name, filename: Self.parameter("filename", in: disposition),
                                  data: Data(body[headersEnd.upperBound..<next.lowerBound])))
            }
            cursor = next.upperBound
        }
    }

    subscript(_ name: String) -> Part? { parts.first { $0.name == name } }

    func text(_ name: String) -> String? { self[name].map { String(decoding: $0.data, as: UTF8.self) } }

    private static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where piece.hasPrefix(key + "=") {
            var value = String(piece.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}

extension MultipartForm {
    /// A page's upload form and its `file` part, for the spreadsheet imports; refused (422 on `file`) when no file came.
    static func spreadsheet(_ request: Request, _ context: AppRequestContext) async throws -> (form: MultipartForm, file: Part) {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body)),
              let file = form["file"], !file.data.isEmpty else {
            throw DomainError.invalid([FieldError("file", "choose a CSV or Excel file to upload")])
        }
        return (form, file)
    }
}
