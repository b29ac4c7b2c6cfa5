import Core
import Foundation
import Grassroots
import OpenAPIRuntime
import SpokesAPI

/// The site standards and inspections (issue 23 item 2): standards, grades and the summary read by everyone; standards
/// kept by the offices of their county, inspections recorded by the offices of the county whose standard grades the
/// site; evidence files read by the offices and overseers of the site's jurisdiction.
extension APIHandler {
    var standards: StandardService { sites.standards }

    func listSiteStandards(_ input: Operations.ListSiteStandards.Input) async throws -> Operations.ListSiteStandards.Output {
        let jurisdiction = try Self.jurisdictionFilter(input.query.jurisdiction)
        let tier = input.query.tier.flatMap { SiteTier(rawValue: $0.rawValue) }
        let actor = self.actor
        let items = try await standards.standards(jurisdictionCode: jurisdiction, tier: tier)
        return .ok(.init(body: .json(.init(items: items.map { .init(standards.view($0, for: actor)) }))))
    }

    func createSiteStandard(_ input: Operations.CreateSiteStandard.Input) async throws -> Operations.CreateSiteStandard.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let standard = try await standards.create(by: actor, Self.content(body))
        return .created(.init(body: .json(.init(standards.view(standard, for: actor)))))
    }

    func getSiteStandardSummary(_ input: Operations.GetSiteStandardSummary.Input) async throws -> Operations.GetSiteStandardSummary.Output {
        let lines = try await standards.summary(jurisdictionCode: try Self.jurisdictionFilter(input.query.jurisdiction))
        return .ok(.init(body: .json(.init(items: lines.map {
            .init(tier: .init($0.tier), sites: $0.sites, inspected: $0.inspected, meets: $0.meets, basic: $0.basic, below: $0.below,
                  belowStandard: $0.belowStandard, meetingShare: $0.meetingShare, belowShare: $0.belowShare)
        }))))
    }

    func getSiteStandard(_ input: Operations.GetSiteStandard.Input) async throws -> Operations.GetSiteStandard.Output {
        let standard = try await standards.standard(id: try uuid(input.path.standardId, "standardId"))
        return .ok(.init(body: .json(.init(standards.view(standard, for: actor)))))
    }

    func updateSiteStandard(_ input: Operations.UpdateSiteStandard.Input) async throws -> Operations.UpdateSiteStandard.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let standard = try await standards.revise(by: actor, id: try uuid(input.path.standardId, "standardId"), Self.content(body))
        return .ok(.init(body: .json(.init(standards.view(standard, for: actor)))))
    }

    func listSiteStandardVersions(_ input: Operations.ListSiteStandardVersions.Input) async throws -> Operations.ListSiteStandardVersions.Output {
        let versions = try await standards.versions(of: try uuid(input.path.standardId, "standardId"))
        return .ok(.init(body: .json(versions.map {
            .init(version: $0.version, titleZh: $0.content.titleZh, titleEn: $0.content.titleEn, requirements: $0.content.requirements.map { .init($0) },
                  meetsMark: $0.content.meetsMark, basicMark: $0.content.basicMark, totalPoints: $0.content.totalPoints, createdAt: $0.createdAt)
        })))
    }

    func listSiteInspections(_ input: Operations.ListSiteInspections.Input) async throws -> Operations.ListSiteInspections.Output {
        let limit = try pageSize(input.query.limit, default: 20, maximum: StandardService.historySizes.upperBound)
        let views = try await standards.inspections(siteID: try uuid(input.path.siteId, "siteId"), for: actor, limit: limit)
        return .ok(.init(body: .json(.init(items: views.map { .init($0) }))))
    }

    func createSiteInspection(_ input: Operations.CreateSiteInspection.Input) async throws -> Operations.CreateSiteInspection.Output {
        let actor = try signedIn()
        guard case .json(let body) = input.body else { throw DomainError.badRequest("Send JSON.") }
        let siteID = try uuid(input.path.siteId, "siteId")
        var check = Validator()
        var confirmations: [String: Bool] = [:]
        for (index, confirmation) in body.confirmations.enumerated() {
            check.check(confirmations.updateValue(confirmation.met, forKey: confirmation.code) == nil, "confirmations[\(index)].code",
                        "\(confirmation.code) is answered twice")
        }
        let evidence = (body.evidence ?? []).enumerated().map { index, file -> InspectionUpload in
            let data = Data(base64Encoded: file.content)
            check.check(data != nil, "evidence[\(index)].content", "is not base64")
            return InspectionUpload(requirementCode: file.requirementCode, filename: file.filename, data: data ?? Data())
        }
        // A stranger is refused before the body's problems are told.
        _ = try await standards.siteToInspect(id: siteID, by: actor)
        try check.finish()
        let inspection = try await standards.inspect(by: actor, siteID: siteID, InspectionInput(
            inspectedOn: body.inspectedOn, confirmations: confirmations, notes: body.notes ?? "", evidence: evidence))
        let view = try await standards.inspection(id: inspection.id, siteID: siteID, for: actor)
        return .created(.init(body: .json(.init(view))))
    }

    func getSiteInspection(_ input: Operations.GetSiteInspection.Input) async throws -> Operations.GetSiteInspection.Output {
        let view = try await standards.inspection(id: try uuid(input.path.inspectionId, "inspectionId"), siteID: try uuid(input.path.siteId, "siteId"),
                                                  for: actor)
        return .ok(.init(body: .json(.init(view))))
    }

    func downloadInspectionEvidence(_ input: Operations.DownloadInspectionEvidence.Input) async throws -> Operations.DownloadInspectionEvidence.Output {
        let siteID = try uuid(input.path.siteId, "siteId")
        let inspectionID = try uuid(input.path.inspectionId, "inspectionId")
        // The inspection must be the site's, the file the inspection's (a child in a path belongs to its parent).
        _ = try await standards.inspection(id: inspectionID, siteID: siteID, for: actor)
        let (evidence, data) = try await standards.evidenceFile(id: try uuid(input.path.fileId, "fileId"), inspectionID: inspectionID, by: actor)
        return .ok(.init(headers: .init(contentDisposition: ContentDisposition.attachment(evidence.filename)), body: .binary(HTTPBody(data))))
    }

    private static func content(_ body: Components.Schemas.SiteStandardInput) -> StandardContent {
        StandardContent(jurisdictionCode: body.jurisdictionCode, tier: SiteTier(rawValue: body.tier.rawValue) ?? .villageStation, titleZh: body.titleZh,
                        titleEn: body.titleEn ?? "", requirements: body.requirements.map {
                            Requirement(code: $0.code, kind: RequirementKind(rawValue: $0.kind.rawValue) ?? .hoursPosted, threshold: $0.threshold,
                                        equipment: $0.equipment, points: $0.points)
                        }, meetsMark: body.meetsMark, basicMark: body.basicMark)
    }
}

extension Components.Schemas.SiteRequirement {
    init(_ r: Requirement) {
        self.init(code: r.code, kind: .init(rawValue: r.kind.rawValue) ?? .hoursPosted, threshold: r.threshold, equipment: r.equipment, points: r.points)
    }
}

extension Components.Schemas.SiteStandard {
    init(_ view: StandardView) {
        let s = view.standard
        let c = s.content
        self.init(id: s.id.lowercased, jurisdictionCode: c.jurisdictionCode, jurisdictionId: s.jurisdictionID.lowercased, tier: .init(c.tier),
                  version: s.current.version, titleZh: c.titleZh, titleEn: c.titleEn, requirements: c.requirements.map { .init($0) },
                  meetsMark: c.meetsMark, basicMark: c.basicMark, totalPoints: c.totalPoints, updatedAt: s.updatedAt, mayEdit: view.mayEdit,
                  mayInspect: view.mayInspect)
    }
}

extension Components.Schemas.SiteInspection {
    init(_ view: InspectionView) {
        let i = view.inspection
        let byCode = Dictionary(view.requirements.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        self.init(id: i.id.lowercased, siteId: i.siteID.lowercased, standardId: i.standardID.lowercased, standardVersion: i.standardVersion,
                  inspectedOn: i.inspectedOn, points: i.points, totalPoints: i.totalPoints, score: i.score, grade: .init(rawValue: i.grade.rawValue) ?? .below,
                  notes: i.notes, recordedAt: i.recordedAt,
                  scores: i.scores.map { score in
                      let r = byCode[score.code]
                      return .init(code: score.code, kind: .init(rawValue: r?.kind.rawValue ?? "") ?? .hoursPosted, threshold: r?.threshold,
                                   equipment: r?.equipment, points: r?.points ?? 0, met: score.met, observed: score.observed)
                  },
                  missing: view.missing.map(\.code),
                  evidence: i.evidence.map {
                      .init(id: $0.id.lowercased, requirementCode: $0.requirementCode, filename: $0.filename, kind: .init(rawValue: $0.kind.rawValue) ?? .pdf,
                            size: $0.size, sha256: $0.sha256)
                  })
    }
}
