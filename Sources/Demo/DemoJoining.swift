import Core
import Foundation
import Identity
import Store
import Tendering

/// Applications to join in Lixia (issue 24): a social-work agency and a team waiting for the civil-affairs bureau, and a
/// social organisation it returned to correct, so the registrar (`civil`) has a queue and an applicant something to fix.
enum DemoJoining {
    static let applicants: [(form: ApplicantForm, name: String, nameEn: String, code: String?, representative: String, username: String, returned: String?)] = [
        (.socialWorkAgency, "济南市历下区新芽社会工作服务中心", "Xinya Social Work Centre", "52370102500000901", "王新芽", "xinya", nil),
        (.team, "历下区“银龄互助”公益团队", "Silver Mutual Aid team", nil, "赵秀兰", "yinling", nil),
        (.socialOrganisation, "济南市历下区彩虹桥社区服务中心", "Rainbow Bridge Community Centre", "52370102500000902", "孙志强", "caihong",
         "登记证书扫描件缺少副本页，请上传正副本完整扫描件。"),
    ]

    /// What Lixia's approved suppliers offer, from the purchase list's own figures (320 people for ¥400,000: ¥1,250 a person a year).
    static let offers: [(username: String, code: String, areas: [String], capacity: Int, low: String, high: String, description: String)] = [
        ("ngo", "A0101", ["370102"], 600, "1100", "1400", "失能半失能及高龄独居老人居家上门服务：助洁、助浴、助医、精神慰藉，每周至少一次。"),
        ("ngo", "A0104", ["370102"], 2000, "80", "120", "老年人能力评估：持证评估员入户评估，出具评估报告。"),
        ("eldercare", "A0101", ["370102010", "370102001"], 400, "1200", "1300", "燕山、解放路街道居家养老上门服务。"),
        ("youth", "A0201", ["370102"], 300, "900", "1200", "双职工家庭儿童课后托管与成长辅导。"),
    ]

    static func load(database: Database, identity: IdentityService, sealer: BidSealer, password: String) async throws -> String {
        if try await identity.userExists(username: applicants[0].username) { return "Demo applications to join: present already, left alone." }
        let suppliers = SupplierService(database: database, identity: identity, sealer: sealer)
        for offer in offers {
            _ = try await suppliers.publishOffer(by: try await identity.signIn(username: offer.username, password: password), OfferInput(
                itemCode: offer.code, areaCodes: offer.areas, capacity: offer.capacity, unit: "people", priceMin: offer.low, priceMax: offer.high,
                description: offer.description))
        }
        let registrar = try await identity.signIn(username: "civil", password: password)
        for applicant in applicants {
            let code = try applicant.code.map { try CreditCode.completing($0).value }
            let (organisation, _) = try await identity.signUp(SignUp(
                form: applicant.form.rawValue, nameZh: applicant.name, nameEn: applicant.nameEn, creditCode: code, jurisdictionCode: "370102001",
                registrationAuthority: applicant.form == .team ? "" : "济南市历下区民政局", legalRepresentative: applicant.representative,
                contactName: applicant.representative, contactPhone: "0531-8661 2300", email: "\(applicant.username)@example.cn",
                username: applicant.username, displayName: applicant.representative, password: password,
                certificate: applicant.form == .team ? nil : certificate(applicant.nameEn, code ?? ""), certificateName: "登记证书.pdf"),
                client: "demo")
            if let reasons = applicant.returned {
                _ = try await identity.decide(by: registrar, organisationID: organisation.id, .return, reasons: reasons)
            }
        }
        return "Demo applications to join: \(applicants.count) signed up, 1 returned to correct; \(offers.count) offers published."
    }

    /// A one-page PDF standing in for a scanned certificate (the standard fonts carry Latin letters only).
    static func certificate(_ name: String, _ code: String) -> Data {
        let text = "BT /F1 18 Tf 72 720 Td (Certificate of registration: \(name)) Tj 0 -30 Td (Unified social credit code \(code)) Tj ET"
        let objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                       "<< /Length \(text.utf8.count) >>\nstream\n\(text)\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n" + offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
