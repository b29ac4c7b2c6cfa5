import Foundation

/// What a release must hold before it is appended (issue 26): every organisation it names is a party with the role it
/// is named in, and every period ends no earlier than it starts. The publisher appends no release that fails, and logs
/// why, so a defect in the data or the builder is seen rather than published.
public enum ReleaseCheck {
    public static func problems(_ release: Release) -> [String] {
        var problems: [String] = []
        let roles = Dictionary(release.parties.map { ($0.id, Set($0.roles)) }, uniquingKeysWith: { $0.union($1) })
        func named(_ reference: OrganizationReference?, as role: String, at path: String) {
            guard let reference else { return }
            if roles[reference.id]?.contains(role) != true {
                problems.append("\(path) names \(reference.id), which is not a party with the role \(role)")
            }
        }
        named(release.buyer, as: "buyer", at: "buyer")
        named(release.tender.procuringEntity, as: "procuringEntity", at: "tender/procuringEntity")
        for tenderer in release.tender.tenderers ?? [] { named(tenderer, as: "tenderer", at: "tender/tenderers") }
        for bid in release.bids?.details ?? [] {
            for tenderer in bid.tenderers { named(tenderer, as: "tenderer", at: "bids/details/\(bid.id)/tenderers") }
        }
        for award in release.awards ?? [] {
            for supplier in award.suppliers ?? [] { named(supplier, as: "supplier", at: "awards/\(award.id)/suppliers") }
        }
        for contract in release.contracts ?? [] {
            for transaction in contract.implementation?.transactions ?? [] {
                named(transaction.payer, as: "payer", at: "contracts/\(contract.id)/implementation/transactions/\(transaction.id)/payer")
                named(transaction.payee, as: "payee", at: "contracts/\(contract.id)/implementation/transactions/\(transaction.id)/payee")
            }
            inOrder(contract.period, "contracts/\(contract.id)/period", &problems)
        }
        inOrder(release.tender.enquiryPeriod, "tender/enquiryPeriod", &problems)
        inOrder(release.tender.tenderPeriod, "tender/tenderPeriod", &problems)
        inOrder(release.tender.awardPeriod, "tender/awardPeriod", &problems)
        if let enquiries = release.tender.enquiryPeriod?.endDate.flatMap(instant), let tenders = release.tender.tenderPeriod?.endDate.flatMap(instant),
           enquiries > tenders {
            problems.append("tender/enquiryPeriod ends after tender/tenderPeriod")
        }
        return problems
    }

    private static func inOrder(_ period: Period?, _ path: String, _ problems: inout [String]) {
        guard let start = period?.startDate.flatMap(instant), let end = period?.endDate.flatMap(instant) else { return }
        if end < start { problems.append("\(path) ends before it starts") }
    }

    /// A release's date-time (UTC with Z, or a Beijing day at midnight +08:00) as an instant.
    static func instant(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }
}
