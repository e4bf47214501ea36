import Common

extension StateArchive {
    /// Every parameter's values, each under its own name.
    public func parameters(_ name: String, _ set: ParameterSet) throws {
        try group(name) {
            for p in set.parameters { try floats(p.name, p.value, count: p.count) }
        }
    }

    /// An optimizer's moments and step count (the parameters themselves are saved by their owner).
    public func optimizer(_ name: String, _ optimizer: any Optimizer) throws {
        try part(name, optimizer)
    }

    /// The first parameter of `set` holding a NaN or an infinity, and where: (name, index, value).
    public static func firstNonFinite(in set: ParameterSet) -> (name: String, index: Int, value: Float)? {
        for p in set.parameters {
            for k in 0..<p.count where !p.value[k].isFinite { return (p.name, k, p.value[k]) }
        }
        return nil
    }
}

extension Adam: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        try archive.value("step", &stepCount)
        for (k, p) in parameters.parameters.enumerated() {
            try archive.floats("m.\(p.name)", firstMoments[k], count: p.count)
            try archive.floats("v.\(p.name)", secondMoments[k], count: p.count)
        }
    }
}

extension RMSprop: Checkpointable {
    public func exchangeState(with archive: StateArchive) throws {
        for (k, p) in parameters.parameters.enumerated() {
            try archive.floats("v.\(p.name)", squareAverages[k], count: p.count)
        }
    }
}
