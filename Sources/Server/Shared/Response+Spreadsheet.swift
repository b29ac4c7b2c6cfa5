import Foundation
import Hummingbird
import NIOFoundationCompat
import Tabular

extension Response {
    /// A CSV or Excel file for the browser to save as `name`.csv or `name`.xlsx.
    static func spreadsheet(_ data: Data, name: String, kind: SpreadsheetFile.Kind) -> Response {
        Response(status: .ok, headers: [
            .contentType: kind == .csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            .contentDisposition: ContentDisposition.attachment("\(name).\(kind.rawValue)"),
        ], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
