import Foundation
@testable import Grassroots
import Testing

/// An applicant's personal data is sealed to its case (PIPL, DOMAIN §6): it opens under the server's key for that case
/// only, so a database dump reads nothing and a sealed value copied to another case's row does not open there.
@Suite("Applicant sealing")
struct ApplicantSealerTests {
    let applicant = Applicant(name: "李秀兰", idNumber: "610324195001010029", phone: "13912345678")

    @Test("sealed for one case, it opens for that case, not for another, not under another key, and holds no plain text")
    func boundToItsCase() throws {
        let sealer = ApplicantSealer.random()
        let one = UUID(), other = UUID()
        let sealed = try sealer.seal(applicant, request: one)
        #expect(try sealer.open(sealed, request: one) == applicant)
        #expect(throws: (any Error).self) { _ = try sealer.open(sealed, request: other) }
        #expect(throws: (any Error).self) { _ = try ApplicantSealer.random().open(sealed, request: one) }
        let text = String(decoding: sealed, as: UTF8.self)
        #expect(!text.contains("610324195001010029") && !text.contains("13912345678"))
    }

    @Test("masks as DOMAIN §6 shows them: the first four and last four of the ID number, the phone's middle, the name's first character")
    func masks() {
        #expect(applicant.maskedIDNumber == "6103**********0029")
        #expect(applicant.maskedPhone == "139****5678")
        #expect(applicant.maskedName == "李**")
        #expect(applicant.phoneTail == "5678")
        #expect(Applicant.isIDNumber("610324195001010029") && !Applicant.isIDNumber("610324195001010021") && !Applicant.isIDNumber("61032419500101002"))
        #expect(Applicant.isIDNumber("11010519491231002X") && Applicant.isIDNumber("11010519491231002x"))
    }
}
