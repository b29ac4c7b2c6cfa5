import Core
import Foundation
import PostgresNIO
import Store

/// Writes the records of an import that has been checked whole: a record equal to the stored one is
/// counted as unchanged, a different one is updated, a new one inserted; each change is audited.
/// Shared by the importers whose rows replace stored records (purchase categories, materials).
struct ImportWriter<Record: Encodable & Equatable & Sendable> {
    let connection: PostgresConnection
    let database: Database
    let actor: Actor
    /// The audit name of the records, e.g. "material" (actions become material.created, material.updated).
    let kind: String
    let at: Date

    func write(_ incoming: [Record], existing: (Record) -> Record?, id: (Record) -> UUID,
               insert: (Record) async throws -> Void, update: (Record) async throws -> Void) async throws -> ImportReport {
        var report = ImportReport()
        for record in incoming {
            let before = existing(record)
            if before == record { report.unchanged += 1; continue }
            if before != nil { try await update(record); report.updated += 1 } else { try await insert(record); report.created += 1 }
            try await AuditLog.record(on: connection, logger: database.logger, actor: actor.userID,
                                      action: "\(kind).\(before == nil ? "created" : "updated")",
                                      entity: AuditEntity(kind, id(record)), before: before, after: record, at: at)
        }
        return report
    }
}
