import Foundation
import Hummingbird

/// Keyset paging for list pages, as the API pages: a page of `size`, and a link to the next one that keeps the
/// request's filters and replaces only the cursor. Rendered by the `shared/pager` partial (`{{> shared/pager}}`),
/// which reads `pager.next` and `pager.first`.
struct Pager: Sendable, Equatable {
    /// The next page, when this one was full.
    var next: String?
    /// Back to the first page, when this is not it.
    var first: String?

    /// The links for a page whose last row is `last`, read with one row more than `size` to know whether more follow.
    /// `path`: the list's own address when the page answers a form posted elsewhere (the request's path otherwise).
    init(_ request: Request, cursor: String, fetched: Int, size: Int, last: String?, path: String? = nil) {
        let query = Self.query(of: request, without: cursor)
        let path = path ?? request.uri.path
        if fetched > size, let last {
            next = path + "?" + (query + [(cursor, last)]).map { "\($0)=\(Self.encode($1))" }.joined(separator: "&")
        }
        if request.uri.queryParameters[cursor[...]] != nil {
            first = path + (query.isEmpty ? "" : "?" + query.map { "\($0)=\(Self.encode($1))" }.joined(separator: "&"))
        }
    }

    /// No links: a page that is all there is.
    static let none = Pager(next: nil, first: nil)

    private init(next: String?, first: String?) {
        self.next = next
        self.first = first
    }

    /// Whether there is any link to show.
    var isEmpty: Bool { next == nil && first == nil }

    private static func query(of request: Request, without cursor: String) -> [(String, String)] {
        request.uri.queryParameters.filter { $0.key != cursor[...] }.map { (String($0.key), String($0.value)) }.sorted { $0.0 < $1.0 }
    }

    private static let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
    private static func encode(_ value: String) -> String { value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
}
