import Foundation
import Tensors

/// How a learner acts: exploring (its behaviour policy) or greedily (test episodes).
public enum ActingMode: Sendable {
    case explore
    case greedy
}

/// Picking one action per row of values [rows][A] among the available ones ([rows][A], 1 = available).
public enum ActionSelection {
    /// argmax over available actions (first on ties).
    public static func greedy(_ values: UnsafePointer<Float>, available: UnsafePointer<Float>, rows: Int, actions: Int) -> [Int32] {
        (0..<rows).map { r in
            var best = -Float.infinity, choice = -1
            for a in 0..<actions where available[r * actions + a] != 0 {
                if choice < 0 || values[r * actions + a] > best { best = values[r * actions + a]; choice = a }
            }
            return Int32(max(choice, 0))
        }
    }

    /// With probability ε a uniformly random available action, else the greedy one (PyMARL).
    public static func epsilonGreedy(_ values: UnsafePointer<Float>, available: UnsafePointer<Float>, rows: Int, actions: Int,
                                     epsilon: Double, rng: inout RandomSource) -> [Int32] {
        var chosen = greedy(values, available: available, rows: rows, actions: actions)
        randomize(&chosen, available: available, actions: actions, probability: epsilon, rng: &rng)
        return chosen
    }

    /// Replaces each row's action, with the given probability, by a uniformly random available one.
    public static func randomize(_ chosen: inout [Int32], available: UnsafePointer<Float>, actions: Int, probability: Double,
                                 rng: inout RandomSource) {
        guard probability > 0 else { return }
        for r in chosen.indices where Double(rng.uniform()) < probability {
            if let a = uniformAvailable(row: r, available: available, actions: actions, rng: &rng) { chosen[r] = a }
        }
    }

    /// A uniformly random available action of row r, or nil when none is available.
    public static func uniformAvailable(row r: Int, available: UnsafePointer<Float>, actions: Int, rng: inout RandomSource) -> Int32? {
        var count = 0
        for a in 0..<actions where available[r * actions + a] != 0 { count += 1 }
        guard count > 0 else { return nil }
        var k = rng.nextInt(below: count)
        for a in 0..<actions where available[r * actions + a] != 0 {
            if k == 0 { return Int32(a) }
            k -= 1
        }
        return nil
    }

    /// A sample of softmax(values / temperature) over the available actions of each row.
    public static func softmaxSample(_ values: UnsafePointer<Float>, available: UnsafePointer<Float>, rows: Int, actions: Int,
                                     temperature: Float, rng: inout RandomSource) -> [Int32] {
        (0..<rows).map { r in
            var top = -Float.infinity
            for a in 0..<actions where available[r * actions + a] != 0 { top = max(top, values[r * actions + a] / temperature) }
            var total: Float = 0
            for a in 0..<actions where available[r * actions + a] != 0 { total += expf(values[r * actions + a] / temperature - top) }
            var u = rng.uniform() * total
            var last = 0
            for a in 0..<actions where available[r * actions + a] != 0 {
                last = a
                u -= expf(values[r * actions + a] / temperature - top)
                if u < 0 { return Int32(a) }
            }
            return Int32(last)
        }
    }
}
