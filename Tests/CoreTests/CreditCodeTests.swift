import Core
import Testing

@Suite("Unified social credit code (GB 32100-2015)")
struct CreditCodeTests {
    @Test("accepts published codes and normalises case and spaces", arguments: [
        "91350100M000100Y43", "91110000802100433B", " 91350100m000100y43 ",
    ])
    func acceptsValid(_ raw: String) throws {
        let code = try CreditCode(raw)
        #expect(code.value == raw.trimmingCharacters(in: .whitespaces).uppercased())
    }

    @Test("refuses a wrong check character and says which one was expected")
    func wrongCheckCharacter() {
        #expect(throws: CreditCode.Problem.checkCharacter(expected: "3", found: "4")) {
            try CreditCode("91350100M000100Y44")
        }
    }

    @Test("refuses the wrong length")
    func wrongLength() {
        #expect(throws: CreditCode.Problem.length(17)) { try CreditCode("91350100M000100Y4") }
        #expect(throws: CreditCode.Problem.length(0)) { try CreditCode("") }
    }

    @Test("refuses the letters the standard leaves out (I, O, S, V, Z)", arguments: ["I", "O", "S", "V", "Z"])
    func forbiddenLetters(_ letter: String) {
        let raw = "91350100M000100" + letter + "43"
        #expect(throws: CreditCode.Problem.character(Character(letter), position: 16)) { try CreditCode(raw) }
    }

    @Test("refuses a division code that is not six digits")
    func division() {
        #expect(throws: CreditCode.Problem.division) { try CreditCode("9135A100M000100Y43") }
    }

    @Test("completes seventeen characters with their check character")
    func completing() throws {
        #expect(try CreditCode.completing("91350100M000100Y4").value == "91350100M000100Y43")
        #expect(try CreditCode("91350100M000100Y43").division == "350100")
    }
}

@Suite("Money")
struct MoneyTests {
    @Test("formats fen as yuan with grouping", arguments: [
        (Int64(0), "¥0.00"), (5, "¥0.05"), (123_456, "¥1,234.56"), (600_000_000, "¥6,000,000.00"), (-150, "-¥1.50"),
    ])
    func formatting(_ fen: Int64, _ text: String) {
        #expect(Money(minorUnits: fen).formatted == text)
    }
}
