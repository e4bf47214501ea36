import Common
import Foundation
import XCTest

/// Every broken world fails `marl-sim check` cleanly, naming the file, the line and the rule.
final class BrokenWorldTests: XCTestCase {
    struct Expectation {
        var file: String?
        var line: String
        var rule: String
        var message: String
    }

    static func expectation(of url: URL) throws -> Expectation {
        let text = try String(contentsOf: url, encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("-- expect ") {
            let body = line.dropFirst("-- expect ".count)
            guard let colon = body.firstIndex(of: ":") else { continue }
            fields[String(body[..<colon])] = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let line = fields["line"], let rule = fields["rule"], let message = fields["message"] else {
            throw XCTSkip("\(url.lastPathComponent) has no expectation header")
        }
        return Expectation(file: fields["file"], line: line, rule: rule, message: message)
    }

    func testEveryFixtureFailsCleanlyWithFileLineAndRule() throws {
        let folder = Repository.fixtures.appendingPathComponent("broken")
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertGreaterThanOrEqual(fixtures.count, 20)
        for name in fixtures {
            let relative = "Tests/MarlSimTests/Fixtures/broken/" + name
            let expected = try Self.expectation(of: folder.appendingPathComponent(name))
            let result = try runMarlSim(["check", relative, "--time-budget", "1000", "--memory-limit", "32"])
            assertCleanFailure(result, name)
            let reported = expected.file.map { "Tests/MarlSimTests/Fixtures/broken/" + $0 } ?? relative
            let location = expected.line == "none" ? "error: \(reported): " : "error: \(reported):\(expected.line): "
            XCTAssertTrue(result.stderr.hasPrefix(location), "\(name): expected to start with '\(location)'\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected.message), "\(name): message should contain '\(expected.message)'\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("rule: ") && result.stderr.contains(expected.rule),
                          "\(name): rule should contain '\(expected.rule)'\n\(result.stderr)")
        }
    }

    /// Worlds broken in ways no fixture lists: seeded mutations of the bundled worlds. Each must
    /// either pass or fail cleanly; none may crash or hang.
    func testMutatedBundledWorldsNeverCrashOrHang() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-mutants-\(getpid())")
        try? FileManager.default.removeItem(at: scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("envs"), to: scratch.appendingPathComponent("envs"))
        // (file to mutate, world to check): library files are mutated in place and checked
        // through a world that requires them.
        let targets = [
            ("matrix/nonmono.lua", "matrix/nonmono.lua"), ("matrix/two_step.lua", "matrix/two_step.lua"),
            ("surfaces/quadratics.lua", "surfaces/quadratics.lua"), ("surfaces/ader_path.lua", "surfaces/ader_path.lua"),
            ("lib/surface.lua", "surfaces/facmac_cmg.lua"), ("lib/vectors.lua", "surfaces/ader_path.lua"),
        ]
        var generator = SeededGenerator(seed: 2026)
        var failures = 0
        let count = 36
        for k in 0..<count {
            let (mutated, world) = targets[k % targets.count]
            let url = scratch.appendingPathComponent("envs/" + mutated)
            let original = try String(contentsOf: url, encoding: .utf8)
            let (mutant, what) = Mutation.apply(to: original, using: &generator)
            try mutant.write(to: url, atomically: true, encoding: .utf8)
            defer { try? original.write(to: url, atomically: true, encoding: .utf8) }
            let result = try runMarlSim(["check", "envs/" + world, "--episodes", "5", "--time-budget", "1000", "--memory-limit", "64"],
                                        directory: scratch)
            let context = "mutant \(k) of \(mutated) (\(what))"
            XCTAssertTrue(result.exitedNormally, "\(context): crashed or hung\n\(result.stderr)")
            XCTAssertLessThan(result.seconds, 15, context)
            XCTAssertTrue([0, 1].contains(result.status), "\(context): exit status \(result.status)")
            if result.status == 1 {
                failures += 1
                assertCleanFailure(result, context)
                XCTAssertTrue(result.stderr.hasPrefix("error: envs/"), "\(context): the error names no world file\n\(result.stderr)")
            }
        }
        print("mutants that check rejected: \(failures) of \(count)")
        XCTAssertGreaterThan(failures, count / 3, "the mutations should break many worlds")
    }
}

/// Small random edits that break Lua worlds in assorted ways; each edit picks a line it changes.
enum Mutation {
    static let edits: [(name: String, applies: (String) -> Bool, edit: (String) -> String)] = [
        ("numbers became strings", { $0.contains("1") }, { $0.replacingOccurrences(of: "1", with: "\"one\"") }),
        ("assignments became nil", { $0.contains(" = ") }, { $0.replacingOccurrences(of: " = ", with: " = nil and ") }),
        ("unbalanced parenthesis", { $0.contains("(") }, { $0.replacingOccurrences(of: "(", with: "((") }),
        ("NaN written", { $0.contains("out[") || $0.contains("return ") },
         { $0.replacingOccurrences(of: "out[", with: "out[0 / 0 + ").replacingOccurrences(of: "return ", with: "return 0 / 0 + ") }),
        ("a call became a field", { $0.contains("(self") }, { $0.replacingOccurrences(of: "(self", with: ".x(self") }),
        ("error raised", { _ in true }, { "error(\"mutant\") " + $0 }),
        ("line deleted", { _ in true }, { _ in "" }),
    ]

    static func apply(to source: String, using generator: inout SeededGenerator) -> (String, String) {
        var lines = source.components(separatedBy: "\n")
        let code = lines.indices.filter {
            let text = lines[$0].trimmingCharacters(in: .whitespaces)
            return !text.hasPrefix("--") && !text.isEmpty && text != "end" && text != "}" && text != "end,"
        }
        let edit = edits[generator.nextInt(below: edits.count)]
        let candidates = code.filter { edit.applies(lines[$0]) }
        let target = candidates.isEmpty ? code[0] : candidates[generator.nextInt(below: candidates.count)]
        lines[target] = edit.edit(lines[target])
        return (lines.joined(separator: "\n"), "\(edit.name) on line \(target + 1)")
    }
}
