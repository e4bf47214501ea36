import Foundation
import Worlds
import XCTest

enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func envs(_ relative: String) -> String { root.appendingPathComponent("envs/" + relative).path }
}

/// Writes `source` to a fresh folder and loads it as a world.
func makeWorld(_ source: String, name: String = "world", options: [(String, OptionValue)] = [], seed: UInt64 = 1,
               instance: Int = 0, limits: WorldLimits = WorldLimits(), extraFiles: [String: String] = [:]) throws -> LuaWorld {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("marl-sim-world-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (file, text) in extraFiles {
        let url = folder.appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    let file = folder.appendingPathComponent(name + ".lua")
    try source.write(to: file, atomically: true, encoding: .utf8)
    return try LuaWorld(file: file.path, options: options, seed: seed, instance: instance, limits: limits)
}

/// The WorldError a closure throws (failing the test when it throws none or another error).
func worldError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> WorldError? {
    do {
        try body()
        XCTFail("expected a WorldError", file: file, line: line)
    } catch let error as WorldError {
        return error
    } catch {
        XCTFail("expected a WorldError, got \(error)", file: file, line: line)
    }
    return nil
}

extension LuaWorld {
    /// The reward of one step from a fresh episode with discrete actions (1-based ids).
    func reward(discrete ids: [Int]) throws -> StepResult {
        try reset()
        var action = JointAction(spec: spec)
        for (i, id) in ids.enumerated() { action.discrete[i] = Int32(id - 1) }
        return try step(action)
    }

    /// The reward of one step from a fresh episode with one continuous value per agent.
    func reward(continuous values: [Double]) throws -> StepResult {
        try reset()
        var action = JointAction(spec: spec)
        action.continuous = values
        return try step(action)
    }

    var observationArray: [Float] { Array(observations) }
}
