import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Loads `rows` into `table` with COPY in text format, sending a megabyte at a time so memory stays
    /// flat however many rows the (lazy) sequence yields; nil fields are NULL. Returns how many rows.
    /// `table` and `columns` are SQL identifiers from code, never from input.
    @discardableResult
    public func copy<Rows: Sequence<[String?]>>(_ rows: Rows, into table: String, columns: [String], logger: Logger) async throws -> Int {
        var count = 0
        // copyFrom quotes the name whole ("schema.table" would be one identifier): close and reopen the quotes at the dot.
        try await copyFrom(table: table.replacingOccurrences(of: ".", with: "\".\""), columns: columns, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            for row in rows {
                for (index, field) in row.enumerated() {
                    if index > 0 { buffer.writeStaticString("\t") }
                    if let field { buffer.writeString(Self.copyEscaped(field)) } else { buffer.writeStaticString("\\N") }
                }
                buffer.writeStaticString("\n")
                count += 1
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return count
    }

    /// A field in COPY's text format: backslash, tab, newline and carriage return escaped.
    static func copyEscaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return field }
        var escaped = ""
        for character in field {
            switch character {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
