import Foundation

/// A horizontal bar chart drawn as SVG on the server: no script, readable without colour (each bar
/// carries its figure), and a table of the same rows beside it on the page.
struct BarChart {
    struct Row {
        var label: String
        var value: Int64
        var valueText: String
        /// Drawn as a thin outline bar under the main one (a target, a total).
        var secondary: Int64? = nil
    }

    let rows: [Row]
    let title: String

    func svg() -> String {
        let labelWidth = 200, barWidth = 340, rowHeight = 28
        let height = max(rows.count, 1) * rowHeight + 8
        let largest = max(rows.map { max($0.value, $0.secondary ?? 0) }.max() ?? 1, 1)
        var body = ""
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight + 4
            let width = Int(Double(row.value) / Double(largest) * Double(barWidth))
            body += "<text x=\"0\" y=\"\(y + 17)\" font-size=\"12\">\(Self.escape(String(row.label.prefix(16))))</text>"
            if let secondary = row.secondary {
                let outline = Int(Double(secondary) / Double(largest) * Double(barWidth))
                body += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(outline)\" height=\"20\" fill=\"none\" stroke=\"#8a8a8a\" stroke-dasharray=\"3 2\"/>"
            }
            body += "<rect x=\"\(labelWidth)\" y=\"\(y + 5)\" width=\"\(max(width, 1))\" height=\"14\" fill=\"#2f6f9f\"/>"
            body += "<text x=\"\(labelWidth + max(width, 1) + 6)\" y=\"\(y + 17)\" font-size=\"12\">\(Self.escape(row.valueText))</text>"
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 140)\" height=\"\(height)\" role=\"img\" aria-label=\"\(Self.escape(title))\">"
            + body + "</svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
