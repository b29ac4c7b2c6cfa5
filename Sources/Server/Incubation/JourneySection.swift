import Core
import Delivery
import Foundation
import Hummingbird
import Identity
import Incubation
import Tendering

/// A social organisation's journey on its public page (`JourneyModel`): one timeline from its first idea through
/// the pipeline's stages and assessments to the awards it won, its supplier profile, and the rules it meets for its
/// next stage.
struct JourneySection {
    let incubation: IncubationService
    let awards: AwardService
    let suppliers: SupplierService
    let contracts: ContractService
    let views: Views

    func model(for organisation: Organisation, _ context: AppRequestContext) async throws -> JourneyModel? {
        guard organisation.kind == .socialOrganisation else { return nil }
        return JourneyModel.model(organisation: organisation, journey: try await incubation.journey(of: organisation.id),
                                  assessments: try await incubation.assessments(of: organisation.id), awards: try await awards.awards(wonBy: organisation.id),
                                  grades: try await contracts.grades(of: [organisation.id])[organisation.id] ?? [],
                                  profile: try await suppliers.profile(of: organisation.id),
                                  say: { views.text($0, context) }, finding: { views.say($0, context) })
    }
}
