import Common
import XCTest

final class SettingsTests: XCTestCase {
    let specs = [
        SettingSpec("lr", .number(1e-3), "learning rate"),
        SettingSpec("batch_size", .integer(32), "episodes per update"),
        SettingSpec("double_q", .flag(true), "double Q-learning"),
        SettingSpec("mixer", .text("sum"), "the mixer", choices: ["sum", "qmix"]),
    ]

    func testLayeredOverridesKeepTheirKindAndSource() throws {
        var settings = Settings(specs: specs)
        try settings.apply([("batch_size", "64"), ("lr", "5e-4")], from: "envs/x.lua")
        try settings.apply([("lr", "0.01"), ("double_q", "false"), ("mixer", "qmix"), ("batch_size", "1e2")], from: "--set")
        XCTAssertEqual(settings.double("lr"), 0.01)
        XCTAssertEqual(settings.int("batch_size"), 100)
        XCTAssertFalse(settings.bool("double_q"))
        XCTAssertEqual(settings.string("mixer"), "qmix")
        XCTAssertEqual(settings.sources["lr"], "--set")
        XCTAssertEqual(settings.json.serialized, #"{"batch_size":100,"double_q":false,"lr":0.01,"mixer":"qmix"}"#)
    }

    func testUnknownKeysAndBadValuesNameTheValidOnes() {
        var settings = Settings(specs: specs)
        XCTAssertThrowsError(try settings.apply([("batch", "3")], from: "--set")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("unknown setting 'batch' (did you mean batch_size?)"), text)
            XCTAssertTrue(text.contains("valid settings: batch_size, double_q, lr, mixer"), text)
        }
        XCTAssertThrowsError(try settings.apply([("batch_size", "3.5")], from: "--set")) { error in
            XCTAssertTrue("\(error)".contains("takes a whole number, got '3.5'"))
        }
        XCTAssertThrowsError(try settings.apply([("mixer", "attention")], from: "--set")) { error in
            XCTAssertTrue("\(error)".contains("must be one of sum, qmix"))
        }
        XCTAssertThrowsError(try Settings.pairs(["lr"]))
    }

    func testRangesAndFormerNames() throws {
        let specs = [
            SettingSpec("gamma", .number(0.99), "discount", range: .unit),
            SettingSpec("polyak", .number(0.005), "τ", range: .aboveUpTo(0, 1)),
            SettingSpec("hidden", .integer(64), "units", range: .count, formerNames: ["width"]),
        ]
        var settings = Settings(specs: specs)
        for (key, text, message) in [("gamma", "1.5", "setting 'gamma' must be in [0, 1], got 1.5"),
                                     ("polyak", "0", "setting 'polyak' must be in (0, 1], got 0"),
                                     ("hidden", "0", "setting 'hidden' must be ≥ 1, got 0")] {
            XCTAssertThrowsError(try settings.apply([(key, text)], from: "--set")) { error in
                XCTAssertTrue("\(error)".hasPrefix("--set: " + message + "\n  rule: "), "\(error)")
            }
        }
        try settings.apply([("gamma", "1"), ("polyak", "1"), ("width", "8")], from: "--set")
        XCTAssertEqual(settings.int("hidden"), 8)
        XCTAssertEqual(settings.warnings, ["--set: setting 'width' is now called 'hidden'; the old name will go"])
        XCTAssertEqual(SettingRange.atLeast(0).description, "≥ 0")
        XCTAssertEqual(SettingRange.above(0).description, "> 0")
        XCTAssertEqual(specs[1].allowed, "(0, 1]")
    }
}
