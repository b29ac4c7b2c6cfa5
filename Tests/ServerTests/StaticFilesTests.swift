import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import Testing

/// Static files are served only under safe names, with the content type of the file served.
@Suite("Static files")
struct StaticFilesTests {
    /// Names that must never be served, whatever is on disk.
    static let refused = [
        "/static/spokes.svg%00.html",  // NUL: the file system stops at it, the content type does not
        "/static/spokes.svg%00",
        "/static/spokes.svg%0a.html",
        "/static/spokes.svg%0d",
        "/static/spokes.svg%09.html",
        "/static/spokes.svg%7f",
        "/static/..%2fsecret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/.hidden",
        "/static/sub/.hidden",
        "/static/spokes.svg;.html",
        "/static/spokes%20copy.svg",
        "/static/%E5%9B%BE.svg",
        "/static/spokes.svg%",
        "/static/spokes.svg%zz",
    ]

    @Test("a router with the middleware serves safe names with their own type and 404s the rest")
    func router() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("static/sub"), withIntermediateDirectories: true)
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg"/>"#
        for name in ["static/spokes.svg", "static/.hidden", "static/sub/.hidden", "static/sub/a-b_c.1.css", "secret.txt"] {
            try Data(svg.utf8).write(to: root.appendingPathComponent(name))
        }
        let router = Router()
        router.add(middleware: StaticFilesMiddleware(root.path + "/static", urlBasePath: "/static"))
        router.get("/hello") { _, _ in "hello" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/static/spokes.svg", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/svg+xml")
                #expect(String(buffer: response.body) == svg)
            }
            try await client.execute(uri: "/static/sub/a-b_c.1.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
            for uri in Self.refused {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType]?.contains("html") != true, "\(uri)")
                }
            }
            // Paths outside the base are the router's.
            try await client.execute(uri: "/hello", method: .get) { response in #expect(String(buffer: response.body) == "hello") }
            try await client.execute(uri: "/nowhere%00.html", method: .get) { response in #expect(response.status == .notFound) }
        }
    }

    @Test("the application: spokes.svg is an image, spokes.svg%00.html is not found")
    func application() async throws {
        try await TestApp.run { client, _ in
            let svg = try await client.json(.get, "/static/spokes.svg")
            #expect(svg.status == .ok)
            #expect(svg.headers[.contentType] == "image/svg+xml")
            for uri in Self.refused {
                let response = try await client.json(.get, uri)
                #expect(response.status == .notFound, "\(uri)")
                #expect(!response.text.contains("<svg"), "\(uri)")
            }
        }
    }
}
