import Core
import Foundation

/// `Content-Disposition: attachment` with a file's name as browsers and clients read it (RFC 6266): an ASCII
/// `filename` for old clients and the exact UTF-8 name in `filename*`. Downloads are never shown inline, so no
/// uploaded file runs in Spokes' origin.
enum ContentDisposition {
    static func attachment(_ filename: String) -> String {
        let name = FileKind.baseName(filename)
        let ascii = String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar != "%" ? Character(scalar) : "_"
        })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii.isEmpty ? "download" : ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
