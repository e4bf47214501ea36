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
}
