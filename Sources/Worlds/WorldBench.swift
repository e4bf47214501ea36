import CLua
import Common
import Foundation

/// `marl-sim bench worlds`: environment steps per second, and the host's own cost per step.
public enum WorldBench {
    /// Steps per second of `world` under the random policy (fast mode) for about `seconds`.
    public static func stepsPerSecond(world: LuaWorld, seconds: Double, seed: UInt64) throws -> Double {
        world.strict = false
        var policy = RandomPolicy(seed: seed, stream: 99)
        var action = JointAction(spec: world.spec)
        var steps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        try world.reset()
        while elapsed < seconds {
            for _ in 0..<256 {
                policy.act(world, into: &action)
                if try world.step(action).done { try world.reset() }
            }
            steps += 256
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        return Double(steps) / elapsed
    }

    /// Total steps per second of `threads` instances stepping at once, one per thread.
    public static func stepsPerSecond(file: String, options: [(String, OptionValue)], threads: Int, seconds: Double,
                                      limits: WorldLimits = WorldLimits()) throws -> Double {
        let results = ResultBox<Double>(count: threads)
        DispatchQueue.concurrentPerform(iterations: threads) { k in
            results.set(k, Result {
                let world = try LuaWorld(file: file, options: options, seed: 1, instance: k, limits: limits)
                return try stepsPerSecond(world: world, seconds: seconds, seed: UInt64(k))
            })
        }
        return try (0..<threads).map { try results.get($0) }.reduce(0, +)
    }

    /// The host's overhead per step for `file` (a discrete world): the host-driven loop's time per
    /// step minus the time of the same calls made by a pure-Lua loop, both with the same
    /// action pattern and no policy.
    public static func hostOverhead(file: String, steps: Int = 200_000) throws -> (host: Double, pureLua: Double) {
        let world = try LuaWorld(file: file, seed: 1)
        let spec = world.spec
        guard case let .discrete(n) = spec.actionSpaces[0], spec.isHomogeneous, !spec.hasAvailable else {
            throw WorldError(file: file, message: "the overhead benchmark needs homogeneous discrete agents without available()", rule: ContractRule.spec)
        }
        var best = (host: Double.infinity, pureLua: Double.infinity)
        for _ in 0..<3 {
            var action = JointAction(spec: spec)
            try world.reset()
            var t0 = DispatchTime.now().uptimeNanoseconds
            for s in 1...steps {
                for i in 0..<spec.agents { action.discrete[i] = Int32((s + i + 1) % n) }
                if try world.step(action).done { try world.reset() }
            }
            best.host = min(best.host, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3 / Double(steps))

            let vm = world.vm
            vm.rawField(LuaVM.hostIndex, "pure_loop")
            lua_pushvalue(vm.L, LuaWorld.worldIndex)
            lua_pushinteger(vm.L, lua_Integer(spec.agents))
            lua_createtable(vm.L, Int32(spec.agents), 0)
            for i in 0..<spec.agents {
                lua_pushinteger(vm.L, lua_Integer(spec.observationSizes[i]))
                lua_rawseti(vm.L, -2, lua_Integer(i + 1))
            }
            lua_pushinteger(vm.L, lua_Integer(spec.hasStateFunction ? spec.stateSize : 0))
            lua_pushinteger(vm.L, lua_Integer(n))
            lua_pushinteger(vm.L, lua_Integer(spec.episodeLimit))
            lua_pushinteger(vm.L, lua_Integer(steps))
            t0 = DispatchTime.now().uptimeNanoseconds
            if let failure = vm.protectedCall(arguments: 7, results: 0) {
                throw LuaWorld.error(failure, file: file, rule: ContractRule.step, limits: world.limits)
            }
            best.pureLua = min(best.pureLua, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3 / Double(steps))
        }
        return best
    }
}
