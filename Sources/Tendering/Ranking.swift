import Core
import Foundation

/// Ranks a lot's opened bids from the evaluators' submitted sheets: a pure function, so that what
/// the pages show, what the award checks and what the tests assert are one computation.
public enum Ranking {
    /// Stated on the scoring sheet and the tender page, in the order applied.
    public static let tieBreak = "higher total; then lower price; then higher quality score; then the earlier final bid"

    /// With at least this many evaluators, each criterion drops its highest and its lowest points.
    public static let trimFrom = 5

    public static func rank(lotID: UUID, bids: [OpenedBid], sheets: [ScoreSheet], terms: TenderTerms,
                            justifications: [UUID: String]) -> LotRanking {
        let lotBids = bids.filter { $0.lotID == lotID }
        guard let lowest = lotBids.map(\.price.minorUnits).min() else { return LotRanking(lotID: lotID, bids: []) }
        var ranked: [RankedBid] = lotBids.map { bid in
            var criterionScores: [String: Points] = [:]
            for criterion in terms.criteria {
                let given = sheets.compactMap { sheet in
                    sheet.entries.first { $0.bidID == bid.id && $0.criterion == criterion.name }?.points.hundredths
                }
                criterionScores[criterion.name] = average(given)
            }
            let quality = criterionScores.values.reduce(Points.zero, +)
            let priceScore = Points(hundredths: clamped(divideRounded(Int128(lowest) * Int128(terms.priceWeight) * 100, by: Int128(bid.price.minorUnits))))
            return RankedBid(bidID: bid.id, bidderID: bid.bidderID, price: bid.price, submittedAt: bid.submittedAt, priceScore: priceScore,
                             criterionScores: criterionScores, qualityScore: quality, total: priceScore + quality, rank: 0,
                             abnormallyLow: AbnormalPrice.check(bid, among: lotBids), justification: justifications[bid.id])
        }
        ranked.sort(by: precedes)
        for index in ranked.indices { ranked[index].rank = index + 1 }
        return LotRanking(lotID: lotID, bids: ranked)
    }

    /// The tie-break as stated; the bid id settles the (practically impossible) rest, so the order is total.
    static func precedes(_ a: RankedBid, _ b: RankedBid) -> Bool {
        if a.total != b.total { return a.total > b.total }
        if a.price != b.price { return a.price < b.price }
        if a.qualityScore != b.qualityScore { return a.qualityScore > b.qualityScore }
        if a.submittedAt != b.submittedAt { return a.submittedAt < b.submittedAt }
        return a.bidID.uuidString < b.bidID.uuidString
    }

    /// The mean in hundredths, rounded half up, after dropping the highest and lowest from `trimFrom` on.
    static func average(_ hundredths: [Int]) -> Points {
        var values = hundredths.sorted()
        if values.count >= trimFrom { values = Array(values.dropFirst().dropLast()) }
        guard !values.isEmpty else { return .zero }
        return Points(hundredths: clamped(divideRounded(values.reduce(Int128(0)) { $0 + Int128($1) }, by: Int128(values.count))))
    }

    /// a ÷ b rounded half up, for non-negative a and positive b (a non-positive b, which validation never lets in, counts as 1).
    /// Int128 holds every product of Int64 prices and weights, so a stored value can never trap the ranking.
    private static func divideRounded(_ a: Int128, by b: Int128) -> Int128 { let b = max(b, 1); return (2 * a + b) / (2 * b) }

    /// Back to Int, held within Int's range.
    private static func clamped(_ value: Int128) -> Int { Int(clamping: value) }
}
