import Core
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Payments
import Tendering

/// The contract pages: the list by role, a contract with its milestones and money, and every form of
/// delivery (drafting, signing, reporting, sign-off, claims, approval, payment, recovery).
struct ContractController {
    let contracts: ContractService
    let payments: ContractPaymentService
    let awards: AwardService
    let identity: IdentityService
    let views: Views

    func register(on router: Router<AppRequestContext>) {
        router.get("/contracts", use: list)
        router.post("/contracts", use: draft)
        router.get("/contracts/:id", use: show)
        router.post("/contracts/:id/milestones", use: setTerms)
        router.post("/contracts/:id/sign", use: sign)
        router.post("/contracts/:id/publish", use: publish)
        router.post("/contracts/:id/terminate", use: terminate)
        router.post("/contracts/:id/claims", use: claim)
        router.post("/contracts/:id/milestones/:milestone/report", use: report)
        router.post("/contracts/:id/milestones/:milestone/sign-off", use: signOff)
        router.post("/contracts/:id/sign-offs/:signoff/countersign", use: countersign)
        router.post("/contracts/:id/claims/:claim/approve", use: approve)
        router.post("/contracts/:id/claims/:claim/reject", use: reject)
        router.post("/contracts/:id/claims/:claim/pay", use: pay)
        router.post("/contracts/:id/claims/:claim/payment-date", use: correctPaymentDate)
        router.post("/contracts/:id/recoveries/:recovery/repay", use: repay)
        router.get("/evidence/:evidence", use: evidence)
        router.post("/contracts/:id/evaluations", use: evaluate)
        router.post("/contracts/:id/complete", use: complete)
        router.post("/contracts/:id/amendments", use: proposeAmendment)
        router.post("/contracts/:id/amendments/decide", use: decideAmendment)
        router.post("/contracts/:id/engagements", use: engage)
        router.post("/contracts/:id/engagements/:engagement/end", use: endEngagement)
    }

    // MARK: Third-party evaluation

    func engage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let id = try context.pathID()
        try await contracts.authorizeManaging(by: actor, contractID: id)
        return try await act(request, context, typed: RefusedContractForm(form: .engage, values: form.typed)) {
            guard let institution = form["institutionId"].flatMap(UUID.init(uuidString:)) else {
                throw DomainError.invalid([FieldError("institutionId", "choose an evaluation institution")])
            }
            var fee: Money?
            if let text = form["fee"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let fen = NumberText.scaled(text, decimals: 2) else {
                    throw DomainError.invalid([FieldError("fee", "must be an amount in yuan with at most two decimals")])
                }
                fee = Money(minorUnits: fen)
            }
            _ = try await contracts.engage(by: actor, contractID: id, EngagementInput(institutionID: institution, startsOn: form["startsOn"] ?? "",
                                                                                      endsOn: form["endsOn"] ?? "", fee: fee))
        }
    }

    func endEngagement(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let engagement = try context.pathID("engagement")
        return try await act(request, context) { _ = try await contracts.endEngagement(by: actor, engagementID: engagement) }
    }

    // MARK: List

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderList(request, context)
    }

    private func renderList(_ request: Request, _ context: AppRequestContext, form: [String: String] = [:], problem: DomainError? = nil,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let after = request.uri.queryParameters.get("after").flatMap(UUID.init(uuidString:))
        let page = try await contracts.contracts(for: context.actor, after: after, limit: 50)
        let milestones = Dictionary(grouping: try await contracts.milestones(of: page.map(\.id)), by: \.contractID)
        let model = ContractListPage.model(page: page, pageSize: 50, milestones: milestones, work: try await contracts.worklist(for: context.actor),
                                           form: form, problem: problem, say: { views.text($0, context) }, message: { views.say($0, context) })
        return views.page("contracts/contracts", title: views.text("contracts_title", context), model: model, status: status, request: request, context: context)
    }

    func draft(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let typed = Dictionary(uniqueKeysWithValues: ContractListPage.draftFields.map { ($0, form[$0] ?? "") })
        do {
            guard let award = UUID(uuidString: form["awardId"] ?? "") else { throw DomainError.invalid([FieldError("awardId", "choose an award")]) }
            let contract = try await contracts.draft(by: actor, ContractInput(awardID: award, startsOn: typed["startsOn"]!, endsOn: typed["endsOn"]!,
                                                                              termJustification: form["termJustification"], terms: typed["terms"]!))
            return .redirect(to: "/contracts/\(contract.id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await renderList(request, context, form: typed, problem: error, status: error.formStatus)
        }
    }

    // MARK: One contract

    func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context, id: try context.pathID())
    }

    private func render(_ request: Request, _ context: AppRequestContext, id: UUID, problem: DomainError? = nil, refused: RefusedMilestoneForm? = nil,
                        typed: RefusedContractForm? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let file = try await contracts.file(id: id, by: context.actor)
        let statement = try await payments.statement(of: id)
        let names = try await identity.organisations(ids: Set([file.contract.buyerID, file.contract.supplierID] + file.engagements.map(\.institutionID)))
        let institutions = file.may.manage ? try await identity.organisations(kind: .evaluationInstitution, limit: 200) : []
        let model = ContractPage.model(file: file, statement: statement, evaluations: try await contracts.evaluations(of: id),
                                       satisfaction: try await contracts.satisfaction(of: id), amendments: try await contracts.amendments(of: id),
                                       names: names, institutions: institutions, actor: context.actor, workingCalendar: try await contracts.calendar(),
                                       problem: problem, refused: refused, typed: typed, now: contracts.now(), say: { views.text($0, context) },
                                       stored: { views.stored($0, context) }, message: { views.say($0, context) })
        return views.page("contracts/contract", title: "\(file.contract.reference) · \(file.contract.title)", model: model, status: status,
                          request: request, context: context)
    }

    /// Runs a change and goes back to the contract; a refusal shows the contract again with the reason (and a refused
    /// report or sign-off with what was typed).
    private func act(_ request: Request, _ context: AppRequestContext, refused: RefusedMilestoneForm? = nil, typed: RefusedContractForm? = nil,
                     _ action: () async throws -> Void) async throws -> Response {
        let id = try context.pathID()
        do {
            try await action()
            return .redirect(to: "/contracts/\(id.lowercased)")
        } catch let error as DomainError where error.refusesForm {
            return try await render(request, context, id: id, problem: error, refused: refused, typed: typed, status: error.formStatus)
        }
    }

    /// The buyer's milestones and rate card, from the editor's rows: blank rows are left out.
    func setTerms(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let id = try context.pathID()
        return try await act(request, context, typed: RefusedContractForm(form: .terms, values: form.typed)) {
            var check = Validator()
            var milestones: [MilestoneInput] = []
            for index in 0..<3 {
                let title = form["m\(index)_title"]?.trimmingCharacters(in: .whitespaces) ?? ""
                guard !title.isEmpty else { continue }
                let share = Points(Double(form["m\(index)_share"] ?? "") ?? -1)
                check.check(share != nil && share!.hundredths >= 0, "milestones[\(index)].share", "must be a per cent such as 40 or 12.5")
                var metrics: [OutcomeMetric] = []
                for k in 0..<2 {
                    let prefix = "m\(index)_k\(k)_"
                    let code = form[prefix + "code"]?.trimmingCharacters(in: .whitespaces) ?? ""
                    guard !code.isEmpty else { continue }
                    let target = Int(form[prefix + "target"] ?? "")
                    check.check(target != nil, "milestones[\(index)].metrics[\(k)].target", "must be a whole number")
                    let recordText = form[prefix + "platformRecord"] ?? ""
                    let record = PlatformRecord(rawValue: recordText)
                    check.check(recordText.isEmpty || record != nil, "milestones[\(index)].metrics[\(k)].platformRecord",
                                "must be one of the platform's records: \(PlatformRecord.allCases.map(\.rawValue).joined(separator: ", "))")
                    metrics.append(OutcomeMetric(code: code, definition: form[prefix + "definition"] ?? "", unit: form[prefix + "unit"] ?? "", target: target ?? 0,
                                                 dataSource: form[prefix + "dataSource"] ?? "", validationMethod: form[prefix + "validationMethod"] ?? "",
                                                 platformRecord: record))
                }
                milestones.append(MilestoneInput(title: title, dueOn: form["m\(index)_dueOn"] ?? "", deliverables: form["m\(index)_deliverables"] ?? "",
                                                 shareBasisPoints: share?.hundredths ?? 0, metrics: metrics))
            }
            try check.finish()
            let saved = try await contracts.setMilestones(by: actor, contractID: id, milestones)
            // The rate card comes with the milestones, priced per metric code.
            let maximum = Money.parse(yuan: form["maximum"] ?? "")
            let fee = Points(Double(form["fee"] ?? "") ?? -1)
            let capText = form["capPerBeneficiary"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let cap = capText.isEmpty ? nil : Money.parse(yuan: capText)
            var prices: [RateCard.Price] = []
            for code in Set(saved.flatMap { $0.metrics.map(\.code) }).sorted() {
                let price = Money.parse(yuan: form["price_\(code)"] ?? "")
                check.check(price != nil, "price_\(code)", "give the price of one verified unit in yuan (0 if it earns nothing)")
                let capText = form["cap_\(code)"]?.trimmingCharacters(in: .whitespaces) ?? ""
                prices.append(RateCard.Price(metric: code, price: price ?? Money(minorUnits: 0), cap: capText.isEmpty ? nil : Money.parse(yuan: capText)))
            }
            check.check(maximum != nil, "maximum", "must be an amount in yuan")
            check.check(fee != nil, "fee", "must be a per cent from 0 to 100")
            check.check(capText.isEmpty || cap != nil, "capPerBeneficiary", "must be an amount in yuan, or left empty")
            try check.finish()
            _ = try await payments.setRateCard(by: actor, contractID: id, maximum: maximum!, deliveryFeeBasisPoints: fee!.hundredths, capPerBeneficiary: cap,
                                               partialRule: form["partialRule"] == "nothing" ? .nothing : .proportional, prices: prices)
        }
    }

    func sign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { _ = try await contracts.sign(by: actor, contractID: try context.pathID()) }
    }

    func publish(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { _ = try await contracts.publish(by: actor, contractID: try context.pathID()) }
    }

    func terminate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) { _ = try await contracts.terminate(by: actor, contractID: try context.pathID(), reason: form["reason"] ?? "") }
    }

    /// The supplier's report: results per metric (`result_<code>`), beneficiaries, narrative, and up to three files with how and when they were obtained.
    func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let milestoneID = try await child("milestone", of: context)
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = MultipartForm(contentType: request.headers[.contentType], body: Data(buffer: body))
        let fileRows = ContractPage.evidenceRows.filter { !(form?["file\($0)"]?.data.isEmpty ?? true) }
        var typed: [String: String] = [:]
        for part in form?.parts ?? [] where part.filename == nil { typed[part.name] = String(decoding: part.data, as: UTF8.self) }
        return try await act(request, context, refused: RefusedMilestoneForm(milestoneID: milestoneID, form: .report(fileRows: fileRows), values: typed)) {
            guard let form else { throw DomainError.badRequest("Send the report form as multipart/form-data.") }
            var check = Validator()
            var results: [String: Int] = [:]
            for part in form.parts where part.name.hasPrefix("result_") {
                let code = String(part.name.dropFirst("result_".count))
                let quantity = Int(String(decoding: part.data, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                check.check(quantity != nil, "results.\(code)", "must be a whole number")
                results[code] = quantity ?? 0
            }
            let beneficiaries = Int(form.text("beneficiaries")?.trimmingCharacters(in: .whitespaces) ?? "")
            check.check(beneficiaries != nil, "beneficiaries", "must be a whole number")
            try check.finish()
            let evidence = (0..<3).compactMap { index -> EvidenceUpload? in
                guard let file = form["file\(index)"], !file.data.isEmpty else { return nil }
                return EvidenceUpload(filename: file.filename ?? "evidence", data: file.data, obtainedHow: form.text("how\(index)") ?? "",
                                      obtainedOn: form.text("on\(index)") ?? "")
            }
            _ = try await contracts.report(by: actor, milestoneID: milestoneID,
                                           ReportInput(results: results, beneficiaries: beneficiaries!, narrative: form.text("narrative") ?? "", evidence: evidence))
        }
    }

    /// The evaluator's sign-off sheet: `verified_<code>` per metric, beneficiaries, decision and reasons. A figure the page
    /// cannot read is told with every other problem of the sheet: a stand-in that passes (0, partially met) goes to the
    /// sign-off's own rules, which are not told about the field it stands for (nor, while a figure is unread, about
    /// whether the decision meets the targets).
    func signOff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let milestoneID = try context.pathID("milestone")
        let file = try await contracts.file(id: try context.pathID(), by: actor)
        guard let milestone = file.milestones.first(where: { $0.id == milestoneID }) else { throw DomainError.notFound("no such milestone") }
        let typed = Dictionary(uniqueKeysWithValues: ContractPage.signOffFields(milestone).map { ($0, form[$0] ?? "") })
        return try await act(request, context, refused: RefusedMilestoneForm(milestoneID: milestoneID, form: .signOff, values: typed)) {
            var check = Validator()
            var verified: [String: Int] = [:]
            for metric in milestone.metrics {
                let quantity = Int(typed["verified_\(metric.code)"]!.trimmingCharacters(in: .whitespaces))
                check.check(quantity != nil, "verified.\(metric.code)", "must be a whole number")
                verified[metric.code] = quantity ?? 0
            }
            let beneficiaries = Int(typed["beneficiaries"]!.trimmingCharacters(in: .whitespaces))
            check.check(beneficiaries != nil, "verifiedBeneficiaries", "must be a whole number")
            let decision = SignOffDecision(rawValue: typed["decision"]!)
            check.check(decision != nil, "decision", "choose met, partially met, not met or more evidence")
            let input = SignOffInput(decision: decision ?? .partiallyMet, verified: verified, verifiedBeneficiaries: beneficiaries ?? 0, reasons: typed["reasons"]!)
            if !check.errors.isEmpty {
                let unread = Set(check.errors.map(\.field))
                let rest = file.reports.first { $0.milestoneID == milestoneID }.map { report in
                    ContractService.signOffProblems(input, milestone: milestone, report: report, figures: file.platformFigures[milestoneID],
                                                    isCorrection: milestone.status.isFinal)
                } ?? []
                throw DomainError.invalid(check.errors + rest.filter {
                    !unread.contains($0.field) && !($0.field == "decision" && unread.contains { $0.hasPrefix("verified.") })
                })
            }
            _ = try await contracts.signOff(by: actor, milestoneID: milestoneID, input)
        }
    }

    /// The child a path names (a sign-off, claim or recovery) must be the contract's of the same path: another
    /// contract's is not found here, before anything acts on it.
    private func child(_ key: String, of context: AppRequestContext) async throws -> UUID {
        let contractID = try context.pathID(), id = try context.pathID(key)
        let statement = try await payments.statement(of: contractID)
        let children: [UUID] = switch key {
        case "claim": statement.claims.map(\.id)
        case "recovery": statement.recoveries.map(\.id)
        case "milestone": try await contracts.file(id: contractID, by: context.actor).milestones.map(\.id)
        default: try await contracts.file(id: contractID, by: context.actor).signOffs.map(\.id)
        }
        guard children.contains(id) else { throw DomainError.notFound("contract \(contractID.lowercased) has no \(key) \(id.lowercased)") }
        return id
    }

    func countersign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let signOff = try await child("signoff", of: context)
        return try await act(request, context) { _ = try await contracts.countersign(by: actor, signOffID: signOff) }
    }

    func claim(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { _ = try await payments.claim(by: actor, contractID: try context.pathID()) }
    }

    func approve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let claim = try await child("claim", of: context)
        return try await act(request, context) { _ = try await payments.approve(by: actor, claimID: claim) }
    }

    func reject(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let claim = try await child("claim", of: context)
        return try await act(request, context) { _ = try await payments.reject(by: actor, claimID: claim, reason: form["reason"] ?? "") }
    }

    /// The form carries a key made when the page was drawn, so a double submission records one payment.
    func pay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let claim = try await child("claim", of: context)
        return try await act(request, context) {
            _ = try await payments.pay(by: actor, claimID: claim, treasuryReference: form["reference"] ?? "", paidOn: form["paidOn"] ?? "",
                                       idempotencyKey: form["key"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    func correctPaymentDate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let claim = try await child("claim", of: context)
        return try await act(request, context) {
            _ = try await payments.correctPaymentDate(by: actor, claimID: claim, paidOn: form["paidOn"] ?? "", reason: form["reason"] ?? "")
        }
    }

    func repay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        let recovery = try await child("recovery", of: context)
        return try await act(request, context) {
            _ = try await payments.repay(by: actor, recoveryID: recovery, treasuryReference: form["reference"] ?? "",
                                         receivedOn: form["receivedOn"] ?? "")
        }
    }

    func evidence(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (evidence, data) = try await contracts.evidenceFile(id: try context.pathID("evidence"), by: context.actor)
        return Response(status: .ok, headers: [.contentType: evidence.kind.mediaType, .contentDisposition: ContentDisposition.attachment(evidence.filename),
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    // MARK: Evaluation, completion, amendments

    /// The evaluator's grid: `kind_N`, `name_N`, `weight_N`, `score_N`, `note_N` for four rows, the phase and a summary.
    func evaluate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        try await contracts.authorizeGrading(by: actor, contractID: try context.pathID())
        return try await act(request, context) {
            var check = Validator()
            var indicators: [Indicator] = []
            for index in 0..<4 {
                let weight = Points(Double(form["weight_\(index)"] ?? "") ?? -1), score = Points(Double(form["score_\(index)"] ?? "") ?? -1)
                check.check(weight != nil && score != nil, "indicators[\(index)]", "weight and score are numbers with at most two decimals")
                indicators.append(Indicator(kind: IndicatorKind(rawValue: form["kind_\(index)"] ?? "") ?? .output, name: form["name_\(index)"] ?? "",
                                            weight: weight ?? .zero, score: score ?? .zero, note: form["note_\(index)"] ?? ""))
            }
            let phase = EvaluationPhase(rawValue: form["phase"] ?? "")
            check.check(phase != nil, "phase", "choose before, during or after delivery")
            try check.finish()
            _ = try await contracts.evaluate(by: actor, contractID: try context.pathID(), phase: phase!, indicators: indicators, summary: form["summary"] ?? "")
        }
    }

    func complete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        return try await act(request, context) { _ = try await contracts.complete(by: actor, contractID: try context.pathID()) }
    }

    func proposeAmendment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context, typed: RefusedContractForm(form: .amendment, values: form.typed)) {
            _ = try await contracts.proposeAmendment(by: actor, contractID: try context.pathID(), reason: form["reason"] ?? "", endsOn: form["endsOn"] ?? "",
                                                     terms: form["terms"] ?? "", termJustification: form["termJustification"])
        }
    }

    func decideAmendment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.signedIn()
        let form = try await FormData.read(request, context)
        return try await act(request, context) {
            _ = try await contracts.decideAmendment(by: actor, contractID: try context.pathID(), agree: form["agree"] == "yes")
        }
    }
}
