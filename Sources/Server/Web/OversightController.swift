import Core
import Foundation
import Hummingbird
import Identity
import Transparency

/// The overseers' workspace: the red flags of the purchases in their jurisdiction, each explained and
/// linked to its evidence.
struct OversightController {
    let transparency: TransparencyService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/oversight", use: show)
    }

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        guard actor.has(.overseer) || actor.has(.admin) else { throw DomainError.forbidden("only overseers and administrators see the red flags") }
        var flags: [RedFlag] = []
        for flag in try await transparency.redFlags() {
            // Overseers see the buyers of their jurisdiction and below; administrators every one.
            let buyer = try await identity.resource(of: flag.buyerID)
            if actor.has(.admin) || actor.jurisdictionID.map(buyer.jurisdictionPath.contains) == true { flags.append(flag) }
        }
        let names = try await identity.organisations(ids: Set(flags.map(\.buyerID)))
        let groups = RedFlag.Kind.allCases.map { kind -> [String: Any] in
            let ofKind = flags.filter { $0.kind == kind }
            return ["title": views.text("flag_title_\(kind.rawValue)", context), "explanation": views.text("flag_about_\(kind.rawValue)", context),
                    "count": ofKind.count, "none": ofKind.isEmpty,
                    "flags": ofKind.map { flag -> [String: Any] in
                        let unpublished = flag.kind == .latePublication && flag.values[2].isEmpty
                        var sentence = views.text("flag_\(flag.kind.rawValue)\(unpublished ? "_unpublished" : "")", context)
                        for (index, value) in flag.values.enumerated() { sentence = sentence.replacingOccurrences(of: "{\(index)}", with: value) }
                        return ["sentence": sentence, "buyer": names[flag.buyerID]?.nameZh ?? "", "evidence": flag.evidence]
                    }]
        }
        return views.page("oversight", title: views.text("oversight_title", context), data: ["groups": groups, "total": flags.count],
                          request: request, context: context)
    }
}
