import Core
import Foundation
import Store
import Tabular

/// What loading a bureau's rating list changed.
public struct RatingImportReport: Sendable, Equatable {
    public var created = 0
    public var unchanged = 0
    public init() {}
}

extension IdentityService {
    /// The columns of a bureau's rating list (Contracts/imports/ratings.md).
    public static let ratingFormat = TableFormat([
        .init("creditCode", zh: "统一社会信用代码", en: "Credit code"),
        .init("level", zh: "评估等级", en: "Level"),
        .init("points", zh: "评估得分", en: "Points", required: false),
        .init("awardedOn", zh: "评定日期", en: "Awarded on"),
        .init("assessedBy", zh: "评估机构", en: "Assessed by", required: false),
        .init("document", zh: "文号", en: "Document", required: false),
    ])

    /// Loads a civil-affairs bureau's list of assessment results (社会组织评估等级名单), CSV or XLSX, as its registrar: each
    /// row is a rating of an organisation of the registrar's jurisdiction. Every row is checked before anything is written;
    /// a rating recorded already with the same facts is left alone, with other facts it is refused (a correction needs a
    /// reason: correct it on its own). All or nothing, each rating audited.
    public func importRatings(by actor: Actor, _ data: Data) async throws -> RatingImportReport {
        // A list is the register of the registrar's own jurisdiction; each row is checked against its organisation below.
        try Policy.authorize(actor, .recordStanding, Resource(jurisdictionPath: actor.jurisdictionPath))
        let rows = try Self.ratingFormat.rows(of: try SpreadsheetFile.read(data))
        var errors = RowErrors()
        var parsed: [(row: TableFormat.Row, organisation: Organisation, rating: NewRating)] = []
        let today = today()
        for row in rows {
            let code: String
            do {
                code = try CreditCode(row["creditCode"]).value
            } catch {
                errors.add(row, "creditCode", "is not a valid unified social credit code: \(error.message)")
                continue
            }
            errors.checkUnique(row, "creditCode+awardedOn", code + " " + row["awardedOn"])
            let levelText = row["level"].uppercased().replacingOccurrences(of: "A", with: "")
            let level = Int(levelText) ?? (row["level"].allSatisfy { $0 == "A" } && !row["level"].isEmpty ? row["level"].count : nil)
            if level.map({ !(1...5).contains($0) }) ?? true { errors.add(row, "level", "must be 1A to 5A") }
            var points: Int?
            if !row["points"].isEmpty {
                points = Int(row["points"])
                if points.map({ !(0...1000).contains($0) }) ?? true { errors.add(row, "points", "must be 0 to 1000") }
                if let points, let level, level >= 3, points < 851 { errors.add(row, "points", "a rating of 3A or more needs at least 851 points") }
            }
            let day = row["awardedOn"].replacingOccurrences(of: "/", with: "-")
            if !Self.plausibleDay(day) { errors.add(row, "awardedOn", "must be a day as yyyy-MM-dd, from 1990 on") } else if day > today {
                errors.add(row, "awardedOn", "is after today")
            }
            if row["assessedBy"].count > 200 { errors.add(row, "assessedBy", "must be at most 200 characters") }
            if row["document"].count > 200 { errors.add(row, "document", "must be at most 200 characters") }
            guard let organisation = try await organisation(creditCode: code) else {
                errors.add(row, "creditCode", "no organisation has credit code \(code)")
                continue
            }
            if Policy.decide(actor, .recordStanding, try await resource(of: organisation.id)) != .allow {
                errors.add(row, "creditCode", "\(organisation.nameZh) is not registered in your jurisdiction")
                continue
            }
            if let level {
                parsed.append((row, organisation, NewRating(level: level, points: points, awardedOn: day, assessedBy: row["assessedBy"], document: row["document"])))
            }
        }
        try errors.finish()
        return try await database.transaction { connection in
            let store = store(connection)
            var report = RatingImportReport()
            var conflicts = RowErrors()
            for (row, organisation, input) in parsed {
                _ = try await store.organisation(id: organisation.id, forUpdate: true)
                if let held = try await store.ratings(of: organisation.id).first(where: { $0.awardedOn == input.awardedOn }) {
                    if held.level == input.level && held.points == input.points && held.assessedBy == input.assessedBy && held.document == input.document {
                        report.unchanged += 1
                    } else {
                        conflicts.add(row, "awardedOn", "a rating awarded on \(input.awardedOn) is recorded already with other facts; correct it with a reason")
                    }
                    continue
                }
                _ = try await writeRating(by: actor, organisationID: organisation.id, input)
                report.created += 1
            }
            try conflicts.finish()
            return report
        }
    }
}
