@testable import Core
import Foundation
import Testing

@Suite("QR codes")
struct QRCodeTests {
    /// "HELLO" in byte mode, level M, mask 0, as the Python `qrcode` library draws it (an independent implementation).
    static let hello = [
        "#######..###..#######",
        "#.....#.#.##..#.....#",
        "#.###.#...#...#.###.#",
        "#.###.#...##..#.###.#",
        "#.###.#.#.#.#.#.###.#",
        "#.....#..##.#.#.....#",
        "#######.#.#.#.#######",
        ".........#.##........",
        "#.#.#.#..#.#....#..#.",
        "#.#.#....##...#....#.",
        ".....##..##.#...#####",
        "#.#.##.#.##...#....#.",
        ".##..###.##.#.#.#.#..",
        "........#.##.#.#..##.",
        "#######....#.###..###",
        "#.....#...####.##....",
        "#.###.#.#.##.###..###",
        "#.###.#..#....##..##.",
        "#.###.#.#.#.#...#.#.#",
        "#.....#..##...#.#..#.",
        "#######.#.#.#.##..###",
    ]

    @Test("matches an independent implementation module for module")
    func golden() {
        let code = QRCode("HELLO", mask: 0)!
        #expect(code.version == 1 && code.size == 21)
        #expect(code.modules.map { String($0.map { $0 ? "#" : "." }) } == Self.hello)
    }

    @Test("Reed-Solomon gives the standard's worked example: 01234567 at 1-M")
    func reedSolomon() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        #expect(ReedSolomon.remainder(data, ReedSolomon.divisor(degree: 10)) == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    @Test("the smallest version that holds the text; nothing past version 10; format bits name level M and the chosen mask")
    func versions() {
        #expect(QRCode(String(repeating: "a", count: 14))!.version == 1 && QRCode(String(repeating: "a", count: 15))!.version == 2)
        #expect(QRCode(String(repeating: "a", count: 213))!.version == 10 && QRCode(String(repeating: "a", count: 214)) == nil)
        let survey = QRCode("https://spokes.example/survey/abcDEF23456789_-xyzABCDE")!
        #expect(survey.version == 4 && survey.size == 33)
        // The format bits around the top-left finder, unmasked, are level M (00) and the mask.
        let bits = (0...5).map { survey.modules[$0][8] } + [survey.modules[7][8], survey.modules[8][8], survey.modules[8][7]]
            + (9..<15).map { survey.modules[8][14 - $0] }
        let word = bits.enumerated().reduce(0) { $0 | ($1.element ? 1 << $1.offset : 0) } ^ 0x5412
        #expect(word >> 13 == 0 && (word >> 10) & 7 == survey.mask)
        // Every mask gives a valid code; the chosen one has the lowest penalty.
        let penalties = (0..<8).map { mask -> Int in
            var matrix = Matrix(version: 4)
            matrix.drawFunctionPatterns()
            matrix.drawCodewords(QRCode.codewords(Array("https://spokes.example/survey/abcDEF23456789_-xyzABCDE".utf8), version: 4))
            matrix.applyMask(mask)
            matrix.drawFormatBits(mask: mask)
            return matrix.penalty()
        }
        #expect(penalties[survey.mask] == penalties.min())
    }

    @Test("the SVG has a quiet zone and one square per dark module")
    func svg() {
        let code = QRCode("HELLO", mask: 0)!
        let svg = code.svg()
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 29 29\""))
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == code.modules.joined().filter { $0 }.count)
    }
}
