import Core
import Testing

/// The domain error `body` throws; nil (and an issue) when it goes through or throws something else.
func failure(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> DomainError? {
    do {
        try await body()
        Issue.record("went through", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        return error
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
    return nil
}
