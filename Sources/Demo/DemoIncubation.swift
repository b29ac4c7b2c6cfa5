import Core
import Foundation
import Identity
import Incubation
import Store

/// Lixia's development centre's pipeline (seed 002): the four brand agencies in the industrial park,
/// 快乐同行 in the incubator, and a neighbourhood team with an idea and no registration in the
/// nursery. Made through the service on clocks set back to the moves' dates.
enum DemoIncubation {
    /// yyyy-MM-dd 10:00 Beijing.
    static func day(_ text: String) -> Date { WorkingCalendar().moment(hour: 10, on: ISO8601DateFormatter().date(from: text + "T02:00:00Z")!) }

    static func load(database: Database, identity: IdentityService, password: String) async throws -> String {
        let probe = IncubationService(database: database, identity: identity)
        guard try await probe.board().allSatisfy({ $0.placements.isEmpty }) else { return "Demo incubation: present already, left alone." }
        let staff = try await identity.signIn(username: "incubator", password: password)
        func organisation(_ username: String) async throws -> UUID { try await identity.signIn(username: username, password: password).organisationID }
        let team = try await identity.createOrganisation(by: .system, NewOrganisation(
            kind: "social_organisation", nameZh: "“邻里守望”社区互助团队", nameEn: "Neighbourhood Watch mutual-aid team", creditCode: nil,
            jurisdictionCode: "370102"))
        // The brand agencies came in from outside (外引) to the accelerator in 2024 and moved to the park
        // in 2025. The park asks for a contract delivered with 良 or better, which the delivery module will
        // show; until it exists the centre records the paper evaluation as an override.
        var moves: [(String, UUID, IncubationStage, String, Bool)] = []
        for username in ["ngo", "eldercare", "harmony", "warmsun"] {
            let id = try await organisation(username)
            moves.append(("2024-03-18", id, .accelerator, "外引：历下区品牌社工机构入驻加速器", false))
            moves.append(("2025-04-21", id, .industrialPark,
                          "2024年度购买服务项目绩效评价为良（纸质评价，合同模块上线前据此入园）", true))
        }
        let youth = try await organisation("youth")
        moves.append(("2025-09-15", youth, .incubator, "孵化器2025年第二期：青少年服务项目入孵", false))
        moves.append(("2026-09-07", team.id, .nursery, "苗圃计划2026年秋季：三人团队的邻里互助创意入选", false))
        for (date, id, stage, reason, override) in moves {
            let service = IncubationService(database: database, identity: identity, clock: ManualClock(day(date)))
            _ = try await service.move(by: staff, organisationID: id, to: stage, reason: reason, override: override)
        }
        return "Demo incubation: \(moves.count) moves of 6 organisations."
    }
}
