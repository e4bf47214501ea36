import Common
import Foundation
import Training
import XCTest

/// The settings table is generated from the declarations; the declarations keep their own rules.
final class SettingsReferenceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDocsSettingsIsTheGeneratedTable() throws {
        let file = Self.root.appendingPathComponent("docs/settings.md")
        let written = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(written, SettingsReference.markdown + "\n",
                       "docs/settings.md is stale: regenerate it with .build/release/marl-sim settings --markdown > docs/settings.md")
    }

    func testEveryDefaultKeepsItsOwnRuleAndEverySettingIsListed() throws {
        for entry in LearnerRegistry.all {
            let text = try SettingsReference.text(learner: entry.name)
            for variant in [entry.discrete, entry.continuous].compactMap({ $0 }) {
                for spec in TrainingSettings.specs + variant.settings {
                    if case let .failure(error) = spec.value(of: spec.defaultValue.description) {
                        XCTFail("\(entry.name): the default of \(spec.name) breaks its own rule: \(error)")
                    }
                    XCTAssertFalse(spec.help.isEmpty, "\(entry.name).\(spec.name) has no doc")
                    let line = text.split(separator: "\n").first { $0.hasPrefix("  \(spec.name) ") }
                    XCTAssertNotNil(line, "\(entry.name): \(spec.name) is not in the table")
                    XCTAssertTrue(line?.contains(spec.type) == true && (spec.allowed.isEmpty || line?.contains(spec.allowed) == true),
                                  "\(entry.name): \(line ?? "")")
                }
            }
        }
    }
}
