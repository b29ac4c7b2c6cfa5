import HTTPTypes
import OpenAPIRuntime

/// The generated layer writes a declared header as a URI component (the OpenAPI "simple" style), so
/// `attachment; filename="a.pdf"` would go out as `attachment%3B%20filename%3D…`, which no browser or curl reads
/// as a file name. `ContentDisposition.attachment` already makes a valid header value; this puts it back as made.
struct ContentDispositionMiddleware: ServerMiddleware {
    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, body) = try await next(request, body, metadata)
        if let encoded = response.headerFields[.contentDisposition], !encoded.contains(" "), let value = encoded.removingPercentEncoding {
            response.headerFields[.contentDisposition] = value
        }
        return (response, body)
    }
}
