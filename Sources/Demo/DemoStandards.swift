import Core
import Foundation
import Grassroots
import Identity
import Store

/// Fufeng's site standards and an inspection of every one of its 183 sites (issue 23 item 2). The requirements are
/// illustrative, set near the seed's figures (seed 004: towns average 42.6 m², villages 15.6 m²), and the inspectors'
/// findings are chosen so that the share of sites below the standard comes out as seed 003 reports it nationally:
/// about 90 % of county, 85 % of town and 70 % of village sites (Fufeng has one county centre, so 100 % of it; 7 of
/// 8 towns; 122 of 174 stations). Idempotent: a standard held and a site inspected are left alone.
enum DemoStandards {
    static let county = "610324"

    /// The requirements of each tier: what is measured from the record, then what an inspector confirms.
    static func standard(_ tier: SiteTier) -> StandardContent {
        func r(_ code: String, _ kind: RequirementKind, _ threshold: Int? = nil, _ equipment: String? = nil, points: Int) -> Requirement {
            Requirement(code: code, kind: kind, threshold: threshold, equipment: equipment, points: points)
        }
        switch tier {
        case .countyCentre:
            return StandardContent(jurisdictionCode: county, tier: tier, titleZh: "扶风县县级社会公共服务中心建设标准",
                                   titleEn: "Fufeng county centre standard", requirements: [
                r("R1", .minFloorArea, 8_000, nil, points: 20), r("R2", .minHallArea, 5_000, nil, points: 10), r("R3", .minWindows, 10, nil, points: 10),
                r("R4", .minStaff, 20, nil, points: 15), r("R5", .equipment, nil, "叫号机", points: 5), r("R6", .equipment, nil, "评价器", points: 5),
                r("R7", .hoursPosted, points: 5), r("R8", .fiveDisclosures, points: 15), r("R9", .firstResponsible, points: 10), r("R10", .abPosts, points: 5),
            ], meetsMark: 85, basicMark: 60)
        case .townCentre:
            return StandardContent(jurisdictionCode: county, tier: tier, titleZh: "扶风县镇（街道）社会公共服务中心建设标准",
                                   titleEn: "Fufeng town centre standard", requirements: [
                r("R1", .minFloorArea, 500, nil, points: 20), r("R2", .minHallArea, 400, nil, points: 10), r("R3", .minWindows, 4, nil, points: 10),
                r("R4", .minStaff, 10, nil, points: 10), r("R5", .equipment, nil, "计算机", points: 5), r("R6", .equipment, nil, "打印机", points: 5),
                r("R7", .equipment, nil, "叫号机", points: 5), r("R8", .hoursPosted, points: 5), r("R9", .fiveDisclosures, points: 15),
                r("R10", .firstResponsible, points: 10), r("R11", .abPosts, points: 5),
            ], meetsMark: 85, basicMark: 60)
        case .villageStation:
            return StandardContent(jurisdictionCode: county, tier: tier, titleZh: "扶风县村（社区）公共服务站建设标准",
                                   titleEn: "Fufeng village station standard", requirements: [
                r("R1", .minFloorArea, 150, nil, points: 15), r("R2", .minHallArea, 100, nil, points: 5), r("R3", .minWindows, 1, nil, points: 10),
                r("R4", .minStaff, 2, nil, points: 15), r("R5", .equipment, nil, "计算机", points: 5), r("R6", .equipment, nil, "打印机", points: 5),
                r("R7", .equipment, nil, "电话", points: 5), r("R8", .hoursPosted, points: 10), r("R9", .fiveDisclosures, points: 15),
                r("R10", .firstResponsible, points: 10), r("R11", .abPosts, points: 5),
            ], meetsMark: 85, basicMark: 60)
        }
    }

    /// The share of each tier's sites the demo's inspectors find meeting the standard, in per cent (seed 003's complement).
    static func meetingShare(_ tier: SiteTier) -> Int {
        switch tier {
        case .countyCentre: 10
        case .townCentre: 15
        case .villageStation: 30
        }
    }

    /// A 1×1 PNG: the photo of the county centre's disclosure board.
    static let photo = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!

    static func load(database: Database, identity: IdentityService, sites: SiteService, password: String) async throws -> String {
        guard try await identity.jurisdiction(code: county) != nil else { return "Demo site standards: no Fufeng jurisdiction." }
        let standards = sites.standards
        let inspector = try await identity.signIn(username: "fufeng", password: password)
        var created = 0
        var held: [SiteTier: SiteStandard] = [:]
        for standard in try await standards.standards(jurisdictionCode: county, tier: nil) where standard.content.jurisdictionCode == county {
            held[standard.content.tier] = standard
        }
        for tier in SiteTier.allCases where held[tier] == nil {
            held[tier] = try await standards.create(by: inspector, standard(tier))
            created += 1
        }
        var all: [ServiceSite] = []
        var after: String?
        repeat {
            let page = try await sites.sites(SiteQuery(jurisdictionCode: county, after: after, limit: SiteService.pageSizes.upperBound))
            all += page.sites
            after = page.next
        } while after != nil
        let graded = try await standards.latestGrades(of: all.map(\.id))
        let calendar = WorkingCalendar()
        let now = Date()
        var inspected = 0
        for tier in SiteTier.allCases {
            guard let standard = held[tier] else { continue }
            let requirements = standard.content.requirements
            func measured(_ site: ServiceSite) -> Int {
                requirements.reduce(0) { $0 + ($1.check(site.content)?.met == true ? $1.points : 0) }
            }
            // Those the inspectors find meeting the standard: the best-equipped, as far as the record tells.
            let ranked = all.filter { $0.content.tier == tier }.sorted { (measured($0), $1.content.code) > (measured($1), $0.content.code) }
            let meeting = (ranked.count * meetingShare(tier) + 50) / 100
            for (index, site) in ranked.enumerated() where graded[site.id] == nil {
                var confirmations: [String: Bool] = [:]
                for requirement in requirements where !requirement.kind.isMeasured {
                    let met: Bool
                    if index < meeting {
                        met = true
                    } else {
                        // The gaps seed 003 describes: disclosures not posted, no backup clerk, no first-responsible rule.
                        switch (index % 3, requirement.kind) {
                        case (0, .fiveDisclosures), (0, .abPosts), (1, .abPosts), (1, .firstResponsible), (1, .hoursPosted),
                             (2, .fiveDisclosures), (2, .firstResponsible): met = false
                        default: met = true
                        }
                    }
                    confirmations[requirement.code] = met
                }
                let day = calendar.dayKey(now.addingTimeInterval(-Double(7 + (index * 7) % 60) * 86_400))
                let evidence = tier == .countyCentre
                    ? [InspectionUpload(requirementCode: requirements.first { $0.kind == .fiveDisclosures }?.code ?? "R1", filename: "公开栏.png", data: photo)]
                    : []
                _ = try await standards.inspect(by: inspector, siteID: site.id, InspectionInput(
                    inspectedOn: day, confirmations: confirmations, notes: index < meeting ? "按标准逐项核查，均已落实。" : "逐项核查，未达标项已告知站点限期整改。",
                    evidence: evidence))
                inspected += 1
            }
        }
        let summary = try await standards.summary(jurisdictionCode: county)
        let shares = summary.map { "\($0.tier.rawValue) \($0.belowStandard)/\($0.inspected)" }.joined(separator: ", ")
        return "Demo site standards of Fufeng: \(created) standards set, \(inspected) sites inspected; below the standard: \(shares)."
    }
}
