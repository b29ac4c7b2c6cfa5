import Foundation

/// The kinds of file Spokes accepts, recognised from the file's own first bytes, never from its
/// name or the type a browser claims: a renamed executable is refused whatever it is called.
public enum FileKind: String, CaseIterable, Codable, Sendable {
    case pdf, png, jpeg, docx, xlsx

    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }

    public var fileExtension: String { rawValue == "jpeg" ? "jpg" : rawValue }

    /// The kind of `data`, or nil when it is none of the accepted kinds.
    public static func detect(_ data: Data) -> FileKind? {
        let bytes = [UInt8](data.prefix(8))
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            // Office files are ZIP archives; their part names (stored uncompressed in the local
            // headers and the central directory at the end) say which. Any other ZIP is refused.
            let names = Data(data.prefix(65_536)) + Data(data.suffix(65_536))
            if names.range(of: Data("word/".utf8)) != nil && names.range(of: Data("[Content_Types].xml".utf8)) != nil { return .docx }
            if names.range(of: Data("xl/".utf8)) != nil && names.range(of: Data("[Content_Types].xml".utf8)) != nil { return .xlsx }
        }
        return nil
    }

    /// "PDF, PNG, JPEG, DOCX or XLSX", for messages.
    public static var accepted: String {
        let names = allCases.map { $0.rawValue.uppercased() }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

extension FileKind {
    /// A sent file's name without any folder: some browsers send the whole path, Windows' (`C:\扫描\证书.pdf`) included,
    /// so the name is what follows the last separator of either kind.
    public static func baseName(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }
}
