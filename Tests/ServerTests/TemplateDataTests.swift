import Foundation
import Mustache
@testable import Server
import Testing

/// A page model flattened for Mustache renders exactly as the model itself did through `Mirror` (issue 25): the same
/// names, nil optionals skipped and looked up further out, lists, nested rows, values that render themselves.
@Suite("Template data")
struct TemplateDataTests {
    enum Shade: String { case light, dark }

    struct Row {
        let name: String
        let count: Int
        let flagged: Bool
        let note: String?
        let shade: Shade
        let option: SelectOption
    }

    struct Model {
        let title: String
        let rows: [Row]
        let empty: [Row]
        let missing: Row?
        let present: Row?
        let when: Date
        let words: [String: String]
        let tags: [String]
        let note: String
    }

    static let template = """
        {{title}}|{{#rows}}[{{name}} {{count}} {{#flagged}}F{{/flagged}}{{^flagged}}-{{/flagged}} \
        {{#note}}n={{.}}{{/note}}{{^note}}outer={{note}}{{/note}} {{shade}} {{option.label}}{{#option.selected}}*{{/option.selected}} \
        {{words.hello}} {{title}}]{{/rows}}|{{^empty}}none{{/empty}}|{{#missing}}M{{/missing}}{{^missing}}no-missing{{/missing}}|\
        {{#present}}{{name}}{{/present}}|{{#tags}}<{{.}}>{{/tags}}|{{#first(rows)}}{{name}}{{/first(rows)}}|{{count(rows)}}|{{when}}
        """

    static let model = Model(
        title: "招标 & <list>",
        rows: [Row(name: "一", count: 1, flagged: true, note: nil, shade: .light, option: SelectOption(value: "a", label: "甲", selected: true)),
               Row(name: "two", count: -2, flagged: false, note: "kept", shade: .dark, option: SelectOption(value: "b", label: "乙"))],
        empty: [], missing: nil,
        present: Row(name: "p", count: 0, flagged: false, note: nil, shade: .light, option: SelectOption(value: "", label: "")),
        when: Date(timeIntervalSince1970: 1_790_000_000), words: ["hello": "你好"], tags: ["x", "y"], note: "page-note")

    @Test("renders the same flattened as through Mirror, for every kind of value a page model holds")
    func sameRendering() throws {
        let template = try MustacheTemplate(string: Self.template)
        let throughMirror = template.render(Self.model)
        let flattened = template.render(TemplateData.fields(of: Self.model))
        #expect(flattened == throughMirror)
        // And what it renders is what the names say (so the comparison above compares something); the first row has no
        // note of its own, so the page's is found further out, as Mirror does.
        #expect(throughMirror.contains("[一 1 F n=page-note light 甲* 你好 招标 &amp; &lt;list&gt;]"))
        #expect(throughMirror.contains("[two -2 - n=kept dark 乙 你好"))
        #expect(throughMirror.contains("|none|no-missing|p|<x><y>|一|2|"))
    }

    @Test("nil optionals are left out; rows become dictionaries; self-rendering values and MustacheParent models are kept")
    func shapes() throws {
        let fields = TemplateData.fields(of: Self.model)
        #expect(fields["missing"] == nil)
        #expect(fields["when"] is Date)
        let rows = try #require(fields["rows"] as? [Any])
        let first = try #require(rows.first as? [String: Any])
        #expect(first["note"] == nil && first["name"] as? String == "一" && first["shade"] is Shade && first["option"] is SelectOption)
        #expect(fields["words"] as? [String: String] == ["hello": "你好"])
    }
}
