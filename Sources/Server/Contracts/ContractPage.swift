import Core
import Delivery
import Foundation
import Identity
import Payments

/// What the contract page shows, as template data: the parties, milestones with their reports and
/// sign-offs, the rate card, the calculation in the reader's language, claims and recoveries, and
/// which forms the reader may use.
struct ContractPage {
    let file: ContractFile
    let statement: ContractStatement
    let evaluations: [PerformanceEvaluation]
    let satisfaction: SatisfactionSummary
    let amendments: [Amendment]
    let names: [UUID: Organisation]
    /// The institutions a buyer may engage (empty for everyone else).
    let institutions: [Organisation]
    let actor: Actor?
    let say: (String) -> String
    /// The working calendar held, which the publication deadline is counted on.
    let workingCalendar: WorkingCalendar
    /// A sentence the code said in English and a row keeps (a recovery's reason), in the reader's language.
    var stored: (String) -> String = { $0 }

    private let calendar = WorkingCalendar()

    // What the reader may do, as the service's policy decided with the contract.
    var isBuyer: Bool { file.may.manage }
    var isSupplier: Bool { file.may.deliver }
    var isEvaluator: Bool { file.may.signOff }

    func data() -> [String: Any] {
        let c = file.contract
        let signed = c.status == .signed
        var data: [String: Any] = [
            "id": c.id.lowercased, "contractId": c.id.lowercased, "reference": c.reference, "title": c.title, "status": say("contract_status_\(c.status.rawValue)"),
            "buyer": names[c.buyerID]?.nameZh ?? "", "buyerId": c.buyerID.lowercased,
            "supplier": names[c.supplierID]?.nameZh ?? "", "supplierId": c.supplierID.lowercased,
            "value": c.value.formatted, "startsOn": c.startsOn, "endsOn": c.endsOn, "terms": c.terms,
            "noSubcontracting": Contract.noSubcontractingClause,
            "milestones": file.milestones.map(milestone),
            "claims": statement.claims.map(claim),
            "recoveries": statement.recoveries.map(recovery),
            "today": calendar.dayKey(Date()),
        ]
        if let justification = c.termJustification { data["termJustification"] = justification }
        if let at = c.buyerSignedAt { data["buyerSignedAt"] = calendar.describe(at) }
        if let at = c.supplierSignedAt { data["supplierSignedAt"] = calendar.describe(at) }
        if let at = c.signedAt { data["signedAt"] = calendar.describe(at) }
        if let at = c.publishedAt { data["publishedAt"] = calendar.describe(at) }
        // A deadline the calendar cannot count yet is not shown rather than guessed.
        if let deadline = try? c.publicationDeadline(workingCalendar), c.publishedAt == nil {
            data["publicationDeadline"] = calendar.describe(deadline)
            if deadline < Date() { data["publicationLate"] = true }
        }
        if let reason = c.closingReason { data["closingReason"] = reason }
        if let commitment = statement.commitment {
            data["committed"] = commitment.amount.formatted
            data["paid"] = commitment.paid.formatted
        }
        if let card = statement.rateCard { data["rateCard"] = rateCard(card) }
        if let calculation = statement.calculation {
            data["calculation"] = ["lines": calculation.lines.map(line), "payable": calculation.payable.formatted,
                                   "earned": calculation.earned.formatted]
            if isSupplier && signed && calculation.payable.minorUnits > 0 && !statement.claims.contains(where: { $0.status == .claimed || $0.status == .approved }) {
                data["mayClaim"] = true
            }
        }
        // The forms of the reader's part.
        if c.status == .draft {
            if isBuyer && c.buyerSignedAt == nil && c.supplierSignedAt == nil { data["editor"] = editor() }
            if (isBuyer && c.buyerSignedAt == nil) || (isSupplier && c.supplierSignedAt == nil) { data["maySign"] = true }
        }
        if isBuyer && c.signedAt != nil && c.publishedAt == nil { data["mayPublish"] = true }
        if isBuyer && signed { data["mayTerminate"] = true }
        if isBuyer { data["buyerView"] = true }
        if isBuyer && signed { data["mayComplete"] = true }
        data["engagements"] = file.engagements.reversed().map(engagement)
        if isBuyer && (c.status == .draft || signed) && !file.engagements.contains(where: \.isOpen) {
            data["engageForm"] = ["institutions": institutions.map { ["id": $0.id.lowercased, "name": $0.nameZh] },
                                  "startsOn": c.startsOn, "endsOn": c.endsOn]
        }
        data["evaluations"] = evaluations.map(evaluation)
        if isEvaluator && c.signedAt != nil && c.status != .terminated { data["evaluationForm"] = evaluationForm() }
        data["satisfaction"] = satisfactionData()
        if file.may.shareSurvey, let token = c.surveyToken { data["surveyPath"] = "/survey/\(token)" }
        data["amendments"] = amendments.map(amendment)
        if signed && (isBuyer || isSupplier) {
            if let open = amendments.first(where: { $0.status == .proposed }) {
                let mine = isBuyer ? open.buyerSignedAt != nil : open.supplierSignedAt != nil
                data["openAmendment"] = ["number": open.number, "maySign": !mine]
            } else {
                data["amendmentForm"] = ["endsOn": c.endsOn, "terms": c.terms, "termJustification": c.termJustification ?? ""]
            }
        }
        return data
    }

    private func engagement(_ e: Engagement) -> [String: Any] {
        var row: [String: Any] = ["id": e.id.lowercased, "institution": names[e.institutionID]?.nameZh ?? "", "startsOn": e.startsOn, "endsOn": e.endsOn,
                                  "evaluatorNames": e.evaluators.map(\.displayName).joined(separator: "、"), "hasEvaluators": !e.evaluators.isEmpty,
                                  "open": e.isOpen]
        if let fee = e.fee { row["fee"] = fee.formatted }
        if let ended = e.endedAt { row["endedAt"] = calendar.describe(ended) }
        if isBuyer && e.isOpen { row["mayEnd"] = true }
        return row
    }

    private func evaluation(_ e: PerformanceEvaluation) -> [String: Any] {
        ["phase": say("perf_phase_\(e.phase.rawValue)"), "score": e.score.formatted, "grade": e.grade, "summary": e.summary,
         "evaluator": e.evaluatorName, "at": calendar.describe(e.evaluatedAt),
         "indicators": e.indicators.map { ["kind": say("indicator_\($0.kind.rawValue)"), "name": $0.name, "weight": $0.weight.formatted,
                                           "score": $0.score.formatted, "note": $0.note] }]
    }

    /// Four rows, one per kind, weighted as the MoF templates usually weigh them; the evaluator may change names and weights.
    private func evaluationForm() -> [String: Any] {
        let defaults: [(IndicatorKind, String, Int)] = [(.output, say("indicator_default_output"), 30), (.outcome, say("indicator_default_outcome"), 40),
                                                        (.cost, say("indicator_default_cost"), 10), (.satisfaction, say("indicator_default_satisfaction"), 20)]
        var rows: [[String: Any]] = []
        for (index, row) in defaults.enumerated() {
            var data: [String: Any] = ["index": index, "kind": row.0.rawValue, "kindLabel": say("indicator_\(row.0.rawValue)"), "name": row.1, "weight": row.2]
            if row.0 == .satisfaction, let satisfied = satisfaction.satisfied { data["note"] = "\(satisfied.formatted) %" }
            rows.append(data)
        }
        let milestones = file.milestones
        var phases: [[String: Any]] = []
        if !milestones.contains(where: \.status.isFinal) && !evaluations.contains(where: { $0.phase == .exAnte }) { phases.append(["value": "ex_ante", "label": say("perf_phase_ex_ante")]) }
        if milestones.contains(where: \.status.isFinal) { phases.append(["value": "in_process", "label": say("perf_phase_in_process")]) }
        if !milestones.isEmpty && milestones.allSatisfy(\.status.isFinal) && !evaluations.contains(where: { $0.phase == .exPost }) {
            phases.append(["value": "ex_post", "label": say("perf_phase_ex_post")])
        }
        return ["rows": rows, "phases": phases, "hasPhases": !phases.isEmpty]
    }

    private func satisfactionData() -> [String: Any] {
        var data: [String: Any] = ["answers": satisfaction.answers, "comments": satisfaction.comments,
                                   "bars": satisfaction.distribution.enumerated().reversed().enumerated().map { row, entry -> [String: Any] in
                                       let width = satisfaction.answers == 0 ? 0 : entry.element * 200 / satisfaction.answers
                                       return ["rating": entry.offset + 1, "count": entry.element, "width": width, "y": row * 20 + 4,
                                               "textY": row * 20 + 15, "labelX": 26 + width]
                                   }]
        if let average = satisfaction.average { data["average"] = average.formatted }
        if let satisfied = satisfaction.satisfied { data["satisfied"] = satisfied.formatted }
        return data
    }

    private func amendment(_ a: Amendment) -> [String: Any] {
        var data: [String: Any] = ["number": a.number, "reason": a.reason, "status": say("amendment_status_\(a.status.rawValue)"),
                                   "proposedAt": calendar.describe(a.proposedAt), "changes": [[String: Any]]()]
        var changes: [[String: Any]] = []
        if a.before.endsOn != a.after.endsOn { changes.append(["field": say("contract_endsOn"), "before": a.before.endsOn, "after": a.after.endsOn]) }
        if a.before.terms != a.after.terms { changes.append(["field": say("contract_terms"), "before": a.before.terms, "after": a.after.terms]) }
        if a.before.termJustification != a.after.termJustification {
            changes.append(["field": say("contract_termJustification"), "before": a.before.termJustification ?? "—", "after": a.after.termJustification ?? "—"])
        }
        data["changes"] = changes
        if let at = a.buyerSignedAt { data["buyerSignedAt"] = calendar.describe(at) }
        if let at = a.supplierSignedAt { data["supplierSignedAt"] = calendar.describe(at) }
        return data
    }

    private func milestone(_ m: Milestone) -> [String: Any] {
        let reports = file.reports.filter { $0.milestoneID == m.id }
        let signOffs = file.signOffs.filter { $0.milestoneID == m.id }
        let current = signOffs.last
        let signed = file.contract.status == .signed
        var data: [String: Any] = [
            "id": m.id.lowercased, "number": m.number, "title": m.title, "dueOn": m.dueOn, "deliverables": m.deliverables, "share": m.sharePercent,
            "status": say("milestone_status_\(m.status.rawValue)"), "statusKey": m.status.rawValue,
            "metrics": m.metrics.map { metric -> [String: Any] in
                var row: [String: Any] = ["code": metric.code, "definition": metric.definition, "unit": metric.unit, "target": metric.target,
                                          "dataSource": metric.dataSource, "validationMethod": metric.validationMethod]
                if let report = reports.first { row["reported"] = report.results[metric.code] ?? 0 }
                if let verified = signOffs.last(where: \.isFinal)?.verified[metric.code] { row["verified"] = verified }
                if let record = metric.platformRecord {
                    row["platform"] = platformText(record, m.id, signedAt: signOffs.last(where: \.isFinal)?.platformFigures[metric.code])
                }
                return row
            },
            "reports": reports.map { r -> [String: Any] in
                ["version": r.version, "submittedAt": calendar.describe(r.submittedAt), "beneficiaries": r.beneficiaries, "narrative": r.narrative,
                 "results": results(r.results),
                 "evidence": r.evidence.map { ["id": $0.id.lowercased, "filename": $0.filename, "kind": $0.kind.rawValue.uppercased(),
                                               "size": Self.size($0.size),
                                               "sha256": String($0.sha256.prefix(16)), "obtainedHow": $0.obtainedHow, "obtainedOn": $0.obtainedOn] }]
            },
            "signOffs": signOffs.map { s -> [String: Any] in
                var row: [String: Any] = ["decision": say("decision_\(s.decision.rawValue)"), "evaluator": s.evaluatorName,
                                          "signedAt": calendar.describe(s.signedAt), "reasons": s.reasons,
                                          "verified": results(s.verified),
                                          "beneficiaries": s.verifiedBeneficiaries]
                if !s.platformFigures.isEmpty { row["platform"] = results(s.platformFigures) }
                if s.supersedes != nil { row["correction"] = true }
                if let name = s.countersignerName { row["countersigner"] = name }
                if s.countersignRequired && s.countersignedAt == nil {
                    row["awaitingCountersign"] = true
                    if isEvaluator && actor?.userID != s.evaluatorID && s.id == current?.id && signed { row["mayCountersign"] = ["id": s.id.lowercased] }
                }
                return row
            },
        ]
        let waiting = current.map { $0.countersignRequired && $0.countersignedAt == nil } ?? false
        if isSupplier && signed && [.pending, .reported, .moreEvidence].contains(m.status) && !waiting { data["mayReport"] = true }
        if isEvaluator && signed && !waiting && (m.status == .reported || m.status.isFinal), let report = reports.first {
            data["maySignOff"] = ["correction": m.status.isFinal, "version": report.version, "reportedBeneficiaries": report.beneficiaries,
                                  "rows": m.metrics.map { metric -> [String: Any] in
                                      let reported = report.results[metric.code] ?? 0
                                      var row: [String: Any] = ["code": metric.code, "definition": metric.definition, "unit": metric.unit,
                                                                "reported": reported, "proposed": reported]
                                      // Verified against the platform's records: no more than they show, which is what the form proposes.
                                      if let record = metric.platformRecord, let figures = file.platformFigures[m.id] {
                                          row["platform"] = platformText(record, m.id, signedAt: nil)
                                          row["proposed"] = min(reported, figures.value(of: record))
                                      }
                                      // A `satisfaction` metric is verified against the survey's share of 4–5 ratings.
                                      if metric.code == "satisfaction", let satisfied = satisfaction.satisfied {
                                          row["survey"] = "\(satisfied.formatted) % (\(satisfaction.answers))"
                                      }
                                      return row
                                  }]
        }
        return data
    }

    private func rateCard(_ card: RateCard) -> [String: Any] {
        var data: [String: Any] = ["maximum": card.maximum.formatted, "fee": Points(hundredths: card.deliveryFeeBasisPoints).formatted,
                                   "partialRule": say("partial_rule_\(card.partialRule.rawValue)"),
                                   "prices": card.prices.map { price -> [String: Any] in
                                       var row: [String: Any] = ["metric": price.metric, "price": price.price.formatted]
                                       if let cap = price.cap { row["cap"] = cap.formatted }
                                       return row
                                   }]
        if let cap = card.capPerBeneficiary { data["capPerBeneficiary"] = cap.formatted }
        return data
    }

    /// A metric's figure from the platform's records with what it counts: as signed off when `signedAt` is given,
    /// otherwise as the records stand now ("57 · 按时办结件数 · 2026-12-01…2027-02-28, 1 site: 62 settled, 57 on time, 40 rated, 37 satisfied").
    private func platformText(_ record: PlatformRecord, _ milestoneID: UUID, signedAt figure: Int?) -> String {
        let name = say("platformRecord_\(record.rawValue)")
        guard let figures = file.platformFigures[milestoneID] else { return figure.map { "\($0) · \(name)" } ?? name }
        let counts = Views.fill(say("platformFigures"), [figures.from, figures.through, String(figures.sites), String(figures.settled),
                                                         String(figures.onTime), String(figures.rated), String(figures.satisfied)])
        return "\(figure ?? figures.value(of: record)) · \(name) · \(counts)"
    }

    /// Results by metric, named as the contract defines them (服务困境儿童: 22), not by their codes.
    private func results(_ values: [String: Int]) -> String {
        values.sorted { $0.key < $1.key }.map { "\(metricNames[$0.key] ?? $0.key): \($0.value)" }.joined(separator: " · ")
    }

    /// The contract's metrics' definitions by code.
    private var metricNames: [String: String] {
        Dictionary(file.milestones.flatMap(\.metrics).map { ($0.code, $0.definition) }, uniquingKeysWith: { first, _ in first })
    }

    /// A file's size in B, KB or MB (units the same in both languages).
    static func size(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: "\(bytes) B"
        case ..<(1024 * 1024): String(format: "%.1f KB", Double(bytes) / 1024)
        default: String(format: "%.1f MB", Double(bytes) / 1024 / 1024)
        }
    }

    /// A calculation line in the reader's language: `calc_<key>` (for fees `calc_fee_<state>`) with {0}, {1}… filled;
    /// an outcome line names its metric by the contract's definition.
    func line(_ line: CalculationLine) -> [String: Any] {
        var values = line.values
        if line.key == "outcome", let code = values.first, let name = metricNames[code] { values[0] = name }
        let key = switch line.key {
        case "fee" where line.values.count > 3: "calc_fee_\(line.values[3])"
        // Verified against the platform's records: the line names the figure (values[4]).
        case "outcome" where line.values.count > 4 && !line.values[4].isEmpty:
            line.values[3].isEmpty ? "calc_outcome_platform" : "calc_outcome_platform_capped"
        case "outcome" where line.values.count > 3 && !line.values[3].isEmpty: "calc_outcome_capped"
        default: "calc_\(line.key)"
        }
        return ["text": Views.fill(say(key), values), "amount": line.amount.formatted, "total": ["earned", "payable"].contains(line.key)]
    }

    private func claim(_ c: Claim) -> [String: Any] {
        var data: [String: Any] = ["id": c.id.lowercased, "number": c.number, "amount": c.amount.formatted, "status": say("claim_status_\(c.status.rawValue)"),
                                   "claimedAt": calendar.describe(c.claimedAt), "explanation": c.explanation.map(line)]
        if let reference = c.treasuryReference { data["treasuryReference"] = reference }
        if let paidOn = c.paidOn { data["paidOn"] = paidOn }
        if let reason = c.rejectionReason { data["rejectionReason"] = reason }
        if isBuyer && c.status == .claimed { data["mayDecide"] = true }
        if isBuyer && c.status == .paid { data["mayRedate"] = true }
        if isBuyer && c.status == .approved {
            data["mayPay"] = ["key": UUID().uuidString.lowercased()]
            data["mayReject"] = true
        }
        return data
    }

    private func recovery(_ r: Recovery) -> [String: Any] {
        var data: [String: Any] = ["id": r.id.lowercased, "amount": r.amount.formatted, "reason": stored(r.reason), "status": say("recovery_status_\(r.status.rawValue)"),
                                   "createdAt": calendar.describe(r.createdAt),
                                   "claimNumber": statement.claims.first { $0.id == r.claimID }?.number ?? 0]
        if isBuyer && r.status == .open { data["mayRepay"] = true }
        return data
    }

    /// Three milestone blocks with two metric rows each, filled from what is written so far, and a price row per metric.
    private func editor() -> [String: Any] {
        let milestones = file.milestones
        let blocks = (0..<3).map { index -> [String: Any] in
            let m = index < milestones.count ? milestones[index] : nil
            return ["index": index, "title": m?.title ?? "", "dueOn": m?.dueOn ?? "", "share": m?.sharePercent ?? "", "deliverables": m?.deliverables ?? "",
                    "metrics": (0..<2).map { k -> [String: Any] in
                        let metric = m.flatMap { k < $0.metrics.count ? $0.metrics[k] : nil }
                        return ["index": index, "k": k, "code": metric?.code ?? "", "unit": metric?.unit ?? "", "target": metric.map { String($0.target) } ?? "",
                                "definition": metric?.definition ?? "", "dataSource": metric?.dataSource ?? "", "validationMethod": metric?.validationMethod ?? "",
                                "records": PlatformRecord.allCases.map { record -> [String: Any] in
                                    ["value": record.rawValue, "label": say("platformRecord_\(record.rawValue)"), "selected": metric?.platformRecord == record]
                                }]
                    }]
        }
        let card = statement.rateCard
        let codes = Array(Set(milestones.flatMap { $0.metrics.map(\.code) })).sorted()
        var data: [String: Any] = [
            "blocks": blocks,
            "maximum": (card?.maximum ?? file.contract.value).yuanText,
            "fee": card.map { Points(hundredths: $0.deliveryFeeBasisPoints).formatted } ?? "30",
            "capPerBeneficiary": card?.capPerBeneficiary?.yuanText ?? "",
            "proportional": (card?.partialRule ?? .proportional) == .proportional,
            "prices": codes.map { code -> [String: Any] in
                let price = card?.prices.first { $0.metric == code }
                return ["code": code, "price": price?.price.yuanText ?? "", "cap": price?.cap?.yuanText ?? ""]
            },
        ]
        data["hasPrices"] = !codes.isEmpty
        return data
    }
}
