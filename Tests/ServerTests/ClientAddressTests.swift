@testable import Server
import Testing

@Suite("Client address behind a proxy")
struct ClientAddressTests {
    @Test("only a configured proxy's X-Forwarded-For is believed, and only its nearest untrusted hop")
    func resolve() {
        let proxy: Set<String> = ["10.0.0.5"]
        // Without a trusted proxy in front, the connection's address stands, whatever the header says.
        #expect(ClientAddressMiddleware.client(connection: "203.0.113.7", forwardedFor: ["198.51.100.1"], trusted: proxy) == "203.0.113.7")
        // Through the proxy: the address it saw.
        #expect(ClientAddressMiddleware.client(connection: "10.0.0.5", forwardedFor: ["198.51.100.1"], trusted: proxy) == "198.51.100.1")
        // A client forging hops to the left does not move its own address.
        #expect(ClientAddressMiddleware.client(connection: "10.0.0.5", forwardedFor: ["1.2.3.4, 198.51.100.1"], trusted: proxy) == "198.51.100.1")
        // Two trusted proxies in a row are skipped; several header lines read as one list.
        #expect(ClientAddressMiddleware.client(connection: "10.0.0.5", forwardedFor: ["198.51.100.1", "10.0.0.6"], trusted: proxy.union(["10.0.0.6"])) == "198.51.100.1")
        // A proxy that forwards nothing: its own address.
        #expect(ClientAddressMiddleware.client(connection: "10.0.0.5", forwardedFor: [], trusted: proxy) == "10.0.0.5")
        #expect(ClientAddressMiddleware.client(connection: nil, forwardedFor: ["198.51.100.1"], trusted: proxy) == nil)
    }
}
