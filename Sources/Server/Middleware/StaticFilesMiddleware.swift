import Foundation
import Hummingbird

/// Serves the files under `urlBasePath` (Hummingbird's `FileMiddleware` does the serving) only for
/// names made of safe characters: letters, digits, `.`, `_`, `-` and `/`, once percent-decoded. No
/// NUL or other control character, no `..`, no name starting with a dot. Anything else under the
/// base path is 404, whatever is on disk.
///
/// Why: `FileMiddleware` takes the content type from the decoded name's extension, while the file
/// system stops reading a path at a NUL, so `/static/spokes.svg%00.html` served spokes.svg as
/// `text/html`: a page of the caller's choosing, on our origin. With only safe characters, the
/// extension that sets the content type is the extension of the file that is served.
struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    let urlBasePath: String

    init(_ rootFolder: String, urlBasePath: String) {
        self.files = FileMiddleware(rootFolder, urlBasePath: urlBasePath)
        self.urlBasePath = urlBasePath.hasSuffix("/") ? String(urlBasePath.dropLast()) : urlBasePath
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Decided on the decoded path, as FileMiddleware decides (`/%73tatic/…` is `/static/…` to it).
        guard let path = request.uri.path.removingPercentEncoding else {
            if Self.isUnder(urlBasePath, request.uri.path) { throw HTTPError(.notFound) }
            return try await next(request, context)
        }
        guard Self.isUnder(urlBasePath, path) else { return try await next(request, context) }
        guard Self.isSafe(path) else { throw HTTPError(.notFound) }
        return try await files.handle(request, context: context, next: next)
    }

    static func isUnder(_ base: String, _ path: String) -> Bool {
        path == base || path.hasPrefix(base + "/")
    }

    /// Letters, digits, `.`, `_`, `-`, `/` (ASCII only); no `..`; no component starting with `.`.
    static func isSafe(_ path: String) -> Bool {
        let safe = path.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
        }
        return safe && !path.contains("..") && !path.split(separator: "/").contains { $0.hasPrefix(".") }
    }
}
