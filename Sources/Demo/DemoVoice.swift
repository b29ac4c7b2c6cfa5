import Core
import Foundation
import Identity
import Store
import Tendering
import Transparency

/// Residents' voice in Lixia: needs proposed by residents, supported by neighbours, two of them
/// answered by the finance office's purchase lines (which went out to tender).
enum DemoVoice {
    static let needs: [(title: String, description: String, supports: Int, answeredBy: String?)] = [
        ("独居老人需要定期上门探访", "燕山街道高龄独居老人多，子女不在身边，希望有社工每周上门看看。", 46, "LX2026-01"),
        ("社区老年助餐点", "泉城路街道老人买菜做饭不便，希望就近有助餐点。", 38, "LX2026-07"),
        ("双职工家庭孩子课后托管", "建新街道孩子放学早，家长下班晚，希望社区提供课后托管。", 27, nil),
        ("残疾人家庭喘息服务", "照顾重度残疾家人的家属长期无法休息，希望有短时替代照护。", 12, nil),
    ]

    static func load(database: Database, identity: IdentityService, buyerID: UUID, password: String) async throws -> String {
        let lists = PurchaseListService(database: database, identity: identity, catalogue: .init(database: database))
        let voice = VoiceService(database: database, identity: identity, lists: lists)
        guard try await voice.needs(by: nil).isEmpty else { return "Demo residents' voice: present already, left alone." }
        guard let lixia = try await identity.jurisdiction(code: "370102") else { return "Demo residents' voice: no Lixia jurisdiction." }
        let finance = try await identity.signIn(username: "finance", password: password)
        let lines = try await lists.lines(PurchaseLineQuery(year: 2026, buyerID: buyerID, limit: 100))
        var answered = 0
        for (index, need) in needs.enumerated() {
            // Each resident's device fetches the page (and its form token), then proposes or supports.
            let proposed = try await voice.propose(jurisdictionID: lixia.id, title: need.title, description: need.description,
                                                   deviceToken: voice.deviceToken(device: nil).token, client: "demo-resident-\(index)")
            for supporter in 0..<need.supports {
                _ = try await voice.support(needID: proposed.id, deviceToken: voice.deviceToken(device: nil).token, client: "demo-network-\(supporter % 20)")
            }
            if let reference = need.answeredBy, let line = lines.first(where: { $0.content.reference == reference }) {
                try await voice.link(by: finance, needID: proposed.id, purchaseLineID: line.id)
                answered += 1
            }
        }
        return "Demo residents' voice: \(needs.count) needs, \(needs.reduce(0) { $0 + $1.supports }) supports, \(answered) answered by purchase lines."
    }
}
