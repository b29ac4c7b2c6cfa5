import Core
import Foundation
import Grassroots
import Store

/// One service item of a generated district's list, with its tier matrix (modelled on Fufeng's, seed/service-items-fufeng.csv).
struct NetworkItem: Sendable {
    var nameZh: String
    var nameEn: String
    var legalBasis: String
    var conditions: String
    var result: String
    var materials: [String]
    var limit: Int
    var onTheSpot: Bool
    var accept: String
    var approve: String
    var handle: String
    var acceptDays: Int
    var approveDays: Int
    /// Of every 100 applications, how many are for this item, and how many of its cases are refused.
    var weight: Int
    var refusePercent: Int
}

/// A generated site: a county centre per district, a town centre per street, `stationsPerStreet` stations per street.
struct NetworkSite: Sendable {
    var index: Int
    var tier: String
    var district: Int
    var street: Int?
    var station: Int?
}

/// A generated case as it stands at the plan's `now`, with the steps that brought it there (its audit chain).
struct GeneratedRequest: Sendable {
    var index: Int
    var id: UUID
    var item: Int
    var district: Int
    var street: Int
    var accepting: Int
    var approving: Int
    var handling: Int
    var registered: Date
    var state = "awaiting_materials"
    var outcome: String?
    var materialsMissing = false
    var reason: String?
    var result: String?
    var site: Int
    var acceptedAt: Date?
    var dueAt: Date?
    var headAlertAt: Date?
    var aboveAlertAt: Date?
    var finalDueAt: Date?
    var decidedAt: Date?
    var closedAt: Date?
    var onTime: Bool?
    var updatedAt: Date
    var rating: (rating: String, at: Date)?
    var steps: [(action: String, at: Date, actor: UUID)] = []
}

/// The service network of the generated province (issue 23): each district's list of five service items with its tier
/// matrix, the sites of its jurisdictions with staff, items served and who is on duty (a user per site, signing in with
/// the demo password), and `serviceRequests` cases registered over the year before `now` at the stations, in every
/// state, with their ratings and audit chains.
///
/// Working days here are the weekdays: the generator counts deadlines without the calendar's holidays (Foundation's
/// calendar arithmetic is too slow for millions of deadlines; a holiday only moves a generated deadline by a day or two).
/// Every applicant is sealed for its own case, as `RequestService` seals it (about 5 µs a case in a release build).
extension ProvincePlan {
    static let networkItems: [NetworkItem] = [
        NetworkItem(nameZh: "农村留守老人关爱服务登记", nameEn: "Registering left-behind older residents for visits",
                    legalBasis: "《关于加强农村留守老年人关爱服务工作的意见》", conditions: "子女长期外出、独自居住的60周岁以上老年人",
                    result: "纳入关爱服务名单并定期探访", materials: ["M0001", "M0002"], limit: 10, onTheSpot: false,
                    accept: "community", approve: "street", handle: "street", acceptDays: 2, approveDays: 5, weight: 25, refusePercent: 6),
        NetworkItem(nameZh: "特困人员供养审核", nameEn: "Support for residents in extreme poverty",
                    legalBasis: "《社会救助暂行办法》第三章", conditions: "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的居民",
                    result: "纳入特困人员供养并按月发放供养金", materials: ["M0001", "M0002", "M0007"], limit: 20, onTheSpot: false,
                    accept: "community", approve: "district", handle: "street", acceptDays: 3, approveDays: 15, weight: 10, refusePercent: 15),
        NetworkItem(nameZh: "困难残疾人生活补贴和重度残疾人护理补贴申请", nameEn: "Living and care allowances for people with disabilities",
                    legalBasis: "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》", conditions: "持有残疾人证的困难残疾人或重度残疾人",
                    result: "按月发放补贴", materials: ["M0001", "M0006"], limit: 15, onTheSpot: false,
                    accept: "community", approve: "district", handle: "street", acceptDays: 3, approveDays: 10, weight: 15, refusePercent: 6),
        NetworkItem(nameZh: "高龄老人优待证办理", nameEn: "Senior citizen's card", legalBasis: "《中华人民共和国老年人权益保障法》",
                    conditions: "本辖区户籍80周岁以上老年人", result: "当场发放优待证", materials: ["M0001", "M0008"], limit: 0, onTheSpot: true,
                    accept: "community", approve: "community", handle: "community", acceptDays: 0, approveDays: 0, weight: 35, refusePercent: 0),
        NetworkItem(nameZh: "临时救助审批", nameEn: "Temporary assistance", legalBasis: "《社会救助暂行办法》第十一章",
                    conditions: "因意外事件、突发重大疾病等导致基本生活暂时出现严重困难的家庭或个人",
                    result: "发放临时救助金", materials: ["M0001", "M0002", "M0004", "M0005"], limit: 15, onTheSpot: false,
                    accept: "community", approve: "street", handle: "district", acceptDays: 3, approveDays: 7, weight: 15, refusePercent: 15),
    ]

    // MARK: Items

    func itemID(_ d: Int, _ n: Int) -> UUID { Self.id(30, d * 10 + n, at: epoch) }
    /// QA-001 … QA-005 for the first district, QB-… for the second (a district's own list).
    func itemCode(_ d: Int, _ n: Int) -> String {
        "Q" + String(UnicodeScalar(UInt8(65 + d % 26))) + "-00\(n + 1)"
    }
    func districtCode(_ d: Int) -> String { "3799\(Self.pad(d + 1, 2))" }
    func streetCode(_ d: Int, _ s: Int) -> String { districtCode(d) + Self.pad(s + 1, 3) }

    var itemRows: [[String?]] {
        (0..<size.districts).flatMap { d in
            (0..<Self.networkItems.count).map { n -> [String?] in
                [itemID(d, n).lowercased, itemCode(d, n), buyerID(d).lowercased, "1", districtID(d).lowercased, CopyText.time(epoch)]
            }
        }
    }

    var itemVersionRows: [[String?]] {
        (0..<size.districts).flatMap { d in
            Self.networkItems.enumerated().map { n, item -> [String?] in
                let materials = item.materials.compactMap { self.materials[$0]?.lowercased }
                return [itemID(d, n).lowercased, "1", item.nameZh, item.nameEn, item.legalBasis, item.conditions,
                        item.onTheSpot ? "{社区受理,当场办结}" : "{社区受理,\(Self.tierZh(item.approve))审批,\(Self.tierZh(item.handle))经办}",
                        item.result, String(item.limit), item.onTheSpot ? "true" : "false", "window", "不收费", item.accept, item.approve, item.handle,
                        String(item.acceptDays), String(item.approveDays), "{\(materials.joined(separator: ","))}", CopyText.time(epoch),
                        Actor.systemID.lowercased]
            }
        }
    }

    static func tierZh(_ tier: String) -> String { ["district": "区县", "street": "街道"][tier] ?? "社区" }

    // MARK: Sites, staff and duties

    var streetCount: Int { size.districts * size.streetsPerDistrict }
    var stationCount: Int { streetCount * size.stationsPerStreet }
    var siteCount: Int { size.districts + streetCount + stationCount }
    func countyCentre(_ d: Int) -> Int { d }
    func townCentre(_ d: Int, _ s: Int) -> Int { size.districts + d * size.streetsPerDistrict + s }
    func station(_ d: Int, _ s: Int, _ k: Int) -> Int { size.districts + streetCount + (d * size.streetsPerDistrict + s) * size.stationsPerStreet + k }
    func siteID(_ n: Int) -> UUID { Self.id(31, n, at: epoch) }
    /// Each site's one member of staff on duty (the station's clerk and head, the centres' approver, handler and head).
    func staffID(_ n: Int) -> UUID { Self.id(32, n, at: epoch) }

    func site(_ n: Int) -> NetworkSite {
        if n < size.districts { return NetworkSite(index: n, tier: "county_centre", district: n) }
        if n < size.districts + streetCount {
            let m = n - size.districts
            return NetworkSite(index: n, tier: "town_centre", district: m / size.streetsPerDistrict, street: m % size.streetsPerDistrict)
        }
        let m = n - size.districts - streetCount
        let street = m / size.stationsPerStreet
        return NetworkSite(index: n, tier: "village_station", district: street / size.streetsPerDistrict, street: street % size.streetsPerDistrict,
                           station: m % size.stationsPerStreet)
    }

    func siteCode(_ site: NetworkSite) -> String {
        switch site.tier {
        case "county_centre": districtCode(site.district) + "-C"
        case "town_centre": streetCode(site.district, site.street!) + "-T"
        default: streetCode(site.district, site.street!) + "-V" + Self.pad(site.station! + 1, 3)
        }
    }

    func username(_ site: NetworkSite) -> String {
        switch site.tier {
        case "county_centre": "qcounty-" + districtCode(site.district)
        case "town_centre": "qtown-" + streetCode(site.district, site.street!)
        default: "qclerk-" + streetCode(site.district, site.street!) + "-\(site.station! + 1)"
        }
    }

    /// The items a site serves: a station all five of its district's list; the centres those approved or handled at their tier.
    func items(of site: NetworkSite) -> [Int] {
        let tier = ["county_centre": "district", "town_centre": "street"][site.tier] ?? "community"
        return Self.networkItems.indices.filter { n in
            let item = Self.networkItems[n]
            return tier == "community" || item.approve == tier || item.handle == tier
        }
    }

    var siteRows: LazyMapSequence<Range<Int>, [String?]> {
        (0..<siteCount).lazy.map { n -> [String?] in
            let site = site(n)
            let d = site.district
            let jurisdiction = site.street.map { streetID(d, $0) } ?? districtID(d)
            let path = [districtID(d)] + (site.street.map { [streetID(d, $0)] } ?? [])
            let names: (String, String, String, String) = switch site.tier {
            case "county_centre": ("泉城市第\(d + 1)区社会保障服务中心", "Social Services Centre, Quancheng District \(d + 1)", "泉城市第\(d + 1)区人民政府", "泉城市第\(d + 1)区政务服务大厅")
            case "town_centre": ("泉城市第\(d + 1)区第\(site.street! + 1)街道便民服务中心", "Service Centre, Street \(site.street! + 1), District \(d + 1)",
                                 "泉城市第\(d + 1)区第\(site.street! + 1)街道办事处", "泉城市第\(d + 1)区第\(site.street! + 1)街道办事处一楼")
            default: ("第\(site.street! + 1)街道第\(site.station! + 1)社区便民服务站", "Service Station \(site.station! + 1), Street \(site.street! + 1), District \(d + 1)",
                      "第\(site.street! + 1)街道第\(site.station! + 1)社区居民委员会", "第\(site.street! + 1)街道第\(site.station! + 1)社区党群服务中心")
            }
            let (floor, hall, windows, staff): (Int, Int, Int, Int) = switch site.tier {
            case "county_centre": (4_800 + n % 7 * 100, 3_200, 12, 8)
            case "town_centre": (430 + n % 5 * 10, 260, 4, 5)
            default: (150 + n % 9 * 30, 80, 1, 2)
            }
            let posts = [("establishment", "财政全额拨款"), ("public_welfare", "500元/月"), ("labour_assistant", "1000元/月"), ("committee_member", "兼职补贴")]
            let people = ["王建华", "李秀英", "张伟", "刘芳", "陈静", "杨磊", "赵敏", "黄勇"]
            let staffJSON = "[" + (0..<staff).map { p in
                let post = site.tier == "village_station" ? posts[2 + p % 2] : posts[p % 3]
                return #"{"name": "\#(people[(n + p) % people.count])", "post": "\#(post.0)", "payBand": "\#(post.1)"}"#
            }.joined(separator: ", ") + "]"
            let social = site.tier == "village_station" && site.station! % 4 == 3
            return [siteID(n).lowercased, siteCode(site), names.0, names.1, site.tier, site.street.map { streetCode(d, $0) } ?? districtCode(d),
                    jurisdiction.lowercased, "{\(path.map(\.lowercased).joined(separator: ","))}", social ? "social_organisation" : site.tier == "village_station" ? "village_committee" : "government_office",
                    social ? "泉城市阳光社会工作服务中心" : names.2, nil, names.3, String(floor), String(hall), "{自助服务终端,高拍仪,叫号机}", String(windows), staffJSON,
                    "周一至周五 9:00-12:00 13:30-17:00", "{\(items(of: site).map { itemID(d, $0).lowercased }.joined(separator: ","))}", CopyText.time(epoch)]
        }
    }

    var staffRows: LazyMapSequence<Range<Int>, [String?]> {
        (0..<siteCount).lazy.map { n -> [String?] in
            let site = site(n)
            let organisation = site.street.map { buyerID(size.districts + site.district * size.streetsPerDistrict + $0) } ?? buyerID(site.district)
            let role = site.tier == "village_station" ? "窗口受理员" : "审批经办员"
            return [staffID(n).lowercased, username(site), "\(siteCode(site)) \(role)", nil, passwordHash, organisation.lowercased, "{caseworker}", nil,
                    CopyText.time(epoch), CopyText.time(epoch)]
        }
    }

    func duties(_ site: NetworkSite) -> [String] { site.tier == "village_station" ? ["clerk", "head"] : ["approver", "handler", "head"] }

    var dutyRows: [[String?]] {
        (0..<siteCount).flatMap { n in duties(site(n)).map { [siteID(n).lowercased, staffID(n).lowercased, $0] } }
    }

    /// Each item's, site's and staff member's chain: published, registered with its duties, created.
    var networkChains: [GeneratedChain] {
        let system = Actor.systemID
        var chains: [GeneratedChain] = []
        for d in 0..<size.districts {
            for n in Self.networkItems.indices { chains.append(GeneratedChain(AuditEntity("service_item", itemID(d, n)), [("item.published", epoch, system)])) }
        }
        for n in 0..<siteCount {
            chains.append(GeneratedChain(AuditEntity("site", siteID(n)), [("site.registered", epoch, system), ("site.duties", epoch + 60, system)]))
            chains.append(GeneratedChain(AuditEntity("user", staffID(n)), [("user.created", epoch, system)]))
        }
        return chains
    }

    // MARK: Working days (weekdays, Beijing)

    /// The day number (days since 1970-01-01) of a moment in Beijing.
    static func beijingDay(_ date: Date) -> Int { Int(floor((date.timeIntervalSince1970 + 8 * 3_600) / 86_400)) }
    /// 1970-01-01 was a Thursday: Monday is 0.
    static func isWeekday(_ day: Int) -> Bool { ((day + 3) % 7 + 7) % 7 < 5 }
    static func workingDay(_ days: Int, after date: Date) -> Int {
        var day = beijingDay(date)
        var counted = 0
        while counted < days {
            day += 1
            if isWeekday(day) { counted += 1 }
        }
        return day
    }
    /// 17:00 in Beijing on the `days`-th working day after the day of `date`, as `WorkingCalendar.close` counts.
    static func close(_ days: Int, after date: Date) -> Date {
        Date(timeIntervalSince1970: Double(workingDay(days, after: date) * 86_400 + (WorkingCalendar.closingHour - 8) * 3_600))
    }
    /// When a step `days` working days after `date` is taken: in office hours that day (the same day: up to an hour later).
    static func moment(_ days: Int, after date: Date, _ random: inout SeededRandom) -> Date {
        if days == 0 { return date + Double(300 + random.next() % 3_300) }
        return Date(timeIntervalSince1970: Double(workingDay(days, after: date) * 86_400 + 3_600) + Double(random.next() % 27_000))
    }

    /// The first Monday of the generated year and how many weekdays it has before today: cases are registered on those.
    var registrationDays: (first: Int, count: Int) {
        let today = Self.beijingDay(now)
        var first = today - 365
        while ((first + 3) % 7 + 7) % 7 != 0 { first += 1 }
        let span = today - first
        return (first, span / 7 * 5 + min(span % 7, 5))
    }

    // MARK: Cases

    func request(_ i: Int) -> GeneratedRequest {
        var random = SeededRandom(seed: UInt64(i) &* 0xD1B5_4A32_D192_ED03 &+ 0x5EED)
        let station = Int(random.next() % UInt64(stationCount))
        let d = station / (size.streetsPerDistrict * size.stationsPerStreet)
        let s = station / size.stationsPerStreet % size.streetsPerDistrict
        let accepting = self.station(d, s, station % size.stationsPerStreet)
        var pick = Int(random.next() % 100)
        let n = Self.networkItems.firstIndex { pick -= $0.weight; return pick < 0 } ?? 0
        let item = Self.networkItems[n]
        func siteOf(_ tier: String) -> Int { tier == "district" ? countyCentre(d) : tier == "street" ? townCentre(d, s) : accepting }
        // The i-th case is registered on the (i·count/N)-th weekday of the year, in office hours: the cases' order is their ids'.
        let (first, count) = registrationDays
        let slot = i * count
        let j = slot / size.serviceRequests
        let day = first + j / 5 * 7 + j % 5
        let registered = Date(timeIntervalSince1970: Double(day * 86_400 + 3_600) + Double(slot % size.serviceRequests) * 27_000 / Double(size.serviceRequests))
        var r = GeneratedRequest(index: i, id: Self.id(33, i, at: registered), item: n, district: d, street: s, accepting: accepting,
                                 approving: siteOf(item.approve), handling: siteOf(item.handle), registered: registered, site: accepting,
                                 updatedAt: registered)
        let clerk = staffID(accepting), approver = staffID(r.approving), handler = staffID(r.handling)
        r.steps = [("request.registered", registered, clerk)]

        func setDue(_ due: Date) {
            let due = min(due, r.finalDueAt ?? due)
            r.dueAt = due
            r.headAlertAt = Self.close(AlertLevel.headAfterDays, after: due)
            r.aboveAlertAt = Self.close(AlertLevel.aboveAfterDays, after: due)
        }
        func decide(_ outcome: String, at t: Date) {
            r.outcome = outcome
            r.decidedAt = t
            r.onTime = t <= r.finalDueAt!
            r.state = "returned"
            r.site = accepting
            (r.dueAt, r.headAlertAt, r.aboveAlertAt) = (nil, nil, nil)
            r.updatedAt = t
        }
        func rate() {
            guard random.next() % 100 < 60 else { return }
            let at = (r.closedAt ?? r.decidedAt!) + Double(3_600 * (1 + random.next() % 48))
            guard at <= now else { return }
            let roll = random.next() % 100
            let rating = r.onTime == true ? (roll < 80 ? "satisfied" : roll < 96 ? "basically_satisfied" : "dissatisfied")
                : (roll < 30 ? "satisfied" : roll < 70 ? "basically_satisfied" : "dissatisfied")
            r.rating = (rating, at)
            r.steps.append(("request.rated", at, Actor.systemID))
        }

        if item.onTheSpot {
            r.acceptedAt = registered
            r.finalDueAt = Self.close(item.limit, after: registered)
            r.result = item.result
            decide("granted", at: registered)
            r.state = "closed"
            r.closedAt = registered
            r.steps.append(("request.settled_at_window", registered, clerk))
            rate()
            return r
        }
        var t = registered
        let roll = random.next() % 1_000
        if roll < 150 {
            // Materials missing (told once): brought a few days later, or the application withdrawn meanwhile.
            r.materialsMissing = true
            let brought = Self.moment(1 + Int(random.next() % 4), after: registered, &random)
            guard brought <= now else { return r }
            if roll < 15 {
                r.state = "withdrawn"
                r.reason = "申请人撤回申请"
                r.closedAt = brought
                r.updatedAt = brought
                r.steps.append(("request.withdrawn", brought, clerk))
                return r
            }
            r.materialsMissing = false
            r.steps.append(("request.materials", brought, clerk))
            t = brought
        } else {
            r.steps.append(("request.accepted", registered, clerk))
        }
        r.state = "accepted"
        r.acceptedAt = t
        r.updatedAt = t
        r.finalDueAt = Self.close(item.limit, after: t)
        setDue(Self.close(item.acceptDays, after: t))
        // Some cases are slow at every step (late), a few stop at one step and stay overdue.
        let slow = random.next() % 100 < 12
        let stuck = random.next() % 1_000 < 4 ? 1 + Int(random.next() % 3) : 0
        let f = slow ? item.acceptDays + 1 + Int(random.next() % 3) : Int(random.next() % UInt64(item.acceptDays + 1))
        let forwarded = Self.moment(f, after: t, &random)
        guard stuck != 1, forwarded <= now else { return r }
        r.state = "approving"
        r.site = r.approving
        r.updatedAt = forwarded
        setDue(Self.close(item.acceptDays + item.approveDays, after: t))
        r.steps.append(("request.forwarded", forwarded, clerk))
        let a = slow ? item.approveDays + 1 + Int(random.next() % 4) : Int(random.next() % UInt64(item.approveDays + 1))
        let approved = Self.moment(a, after: forwarded, &random)
        guard stuck != 2, approved <= now else { return r }
        if random.next() % 100 < item.refusePercent {
            r.reason = "经核查，申请人不符合\(item.nameZh)条件（依\(item.legalBasis)）"
            decide("refused", at: approved)
            r.steps.append(("request.refused", approved, approver))
        } else {
            r.state = "handling"
            r.site = r.handling
            r.updatedAt = approved
            setDue(r.finalDueAt!)
            r.steps.append(("request.approved", approved, approver))
            let budget = max(0, item.limit - f - a)
            let h = slow ? budget + 1 + Int(random.next() % 4) : Int(random.next() % UInt64(budget + 1))
            let completed = Self.moment(h, after: approved, &random)
            guard stuck != 3, completed <= now else { return r }
            r.result = item.result
            decide("granted", at: completed)
            r.steps.append(("request.completed", completed, handler))
        }
        let handedOver = Self.moment(1 + Int(random.next() % 2), after: r.decidedAt!, &random)
        if random.next() % 100 < 97 && handedOver <= now {
            r.state = "closed"
            r.closedAt = handedOver
            r.updatedAt = handedOver
            r.steps.append(("request.handed_over", handedOver, clerk))
        }
        rate()
        return r
    }

    /// A resident of the district (illustrative names; ID numbers with valid check characters that belong to nobody).
    func applicant(_ r: GeneratedRequest) -> Applicant {
        let names = ["李秀兰", "王建国", "张桂芳", "刘振华", "陈玉梅", "杨德胜", "赵淑珍", "黄志强", "周凤英", "吴永福", "孙丽娟", "马国强"]
        let i = r.index
        let digits = districtCode(r.district) + "19\(Self.pad(30 + i % 70, 2))\(Self.pad(1 + i / 70 % 12, 2))\(Self.pad(1 + i / 840 % 28, 2))\(Self.pad(i / 23_520 % 1_000, 3))"
        return Applicant(name: names[i % names.count], idNumber: digits + String(Applicant.checkCharacter(digits) ?? "0"),
                         phone: "13\(Self.pad(100_000_000 + i * 7_919 % 900_000_000, 9))")
    }

    /// Unique by index (its last eight characters), the first four from its seeded randomness; no look-alikes (0/O, 1/I).
    static func trackingCode(_ i: Int) -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        var random = SeededRandom(seed: UInt64(i) &+ 0x7AC4)
        let head = (0..<4).map { _ in alphabet[Int(random.next() % 32)] }
        let tail = (0..<8).reversed().map { k in alphabet[(i >> (5 * k)) & 31] }
        return String(head) + "-" + String(tail[0..<4]) + "-" + String(tail[4..<8])
    }

    func requestRow(_ r: GeneratedRequest) -> [String?] {
        let item = Self.networkItems[r.item]
        let ids = item.materials.compactMap { self.materials[$0]?.lowercased }
        let presented = r.materialsMissing ? Array(ids.dropLast()) : ids
        let missing = r.materialsMissing ? Array(ids.suffix(1)) : []
        let applicant = applicant(r)
        let sealed = (try? applicants.seal(applicant, request: r.id)) ?? Data()
        let t = { (date: Date?) in date.map(CopyText.time) }
        return [r.id.lowercased, Self.trackingCode(r.index), itemID(r.district, r.item).lowercased, itemCode(r.district, r.item),
                siteID(r.accepting).lowercased, siteID(r.approving).lowercased, siteID(r.handling).lowercased,
                "{\(districtID(r.district).lowercased),\(streetID(r.district, r.street).lowercased)}", staffID(r.accepting).lowercased,
                "\\x" + sealed.hexString, applicant.maskedName, applicant.maskedIDNumber, applicant.maskedPhone, r.state, r.outcome,
                "{\(presented.joined(separator: ","))}", "{\(missing.joined(separator: ","))}", r.reason, r.result, siteID(r.site).lowercased,
                CopyText.time(r.registered), t(r.acceptedAt), t(r.dueAt), t(r.headAlertAt), t(r.aboveAlertAt), t(r.finalDueAt), t(r.decidedAt),
                t(r.closedAt), r.onTime.map { $0 ? "true" : "false" }, CopyText.time(r.updatedAt), r.rating?.rating]
    }

    func ratingRow(_ r: GeneratedRequest) -> [String?]? {
        r.rating.map { [r.id.lowercased, $0.rating, $0.rating == "dissatisfied" ? "等了太久" : "", CopyText.time($0.at)] }
    }

    func chain(_ r: GeneratedRequest) -> GeneratedChain { GeneratedChain(AuditEntity("request", r.id), r.steps) }
}
