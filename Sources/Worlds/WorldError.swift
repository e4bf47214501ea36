/// A broken world: where (file and line when known), what happened, and the contract rule broken.
public struct WorldError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public var rule: String
    /// Frames of the world's own files (host frames removed), innermost first.
    public var traceback: [String]

    public init(file: String, line: Int? = nil, message: String, rule: String, traceback: [String] = []) {
        self.file = file
        self.line = line
        self.message = message
        self.rule = rule
        self.traceback = traceback
    }

    public var location: String { line.map { "\(file):\($0)" } ?? file }

    public var description: String {
        var text = "\(location): \(message)\n  rule: \(rule)"
        if !traceback.isEmpty { text += "\n  traceback:\n" + traceback.map { "    " + $0 }.joined(separator: "\n") }
        return text
    }
}

/// The rules of the world contract (docs/design.md §2), as quoted in error messages.
public enum ContractRule {
    public static let syntax = "a world file is valid Lua 5.4 text"
    public static let returnsWorld = "a world file returns the world table, a function of options that returns it, or {options = ..., build = function(options)}"
    public static let optionConstructor = "the option constructor (the function the file returns) takes the options table and returns the world table"
    public static let build = "a world file that returns {options = ..., build = function(options)} gets the world table from build, called with every declared option"
    public static let optionDeclaration = "an option is declared as name = {default = ..., help = \"...\"}, optionally with choices = {...} that include the default"
    public static let optionType = "an option takes a value of its default's type (and one of its choices, when it declares them)"
    public static let options = "--env options must be among those the world declares in its `options` table"
    public static let spec = "the world table declares name, agents, actions, observation_size, episode_limit and the functions reset, observe, step"
    public static let reset = "reset(self) starts an episode without error"
    public static let step = "step(self, actions) returns the team reward (a finite number), terminated (a boolean or nil) and optionally an info table of numbers or booleans"
    public static let observe = "observe(self, i, out) fills out[1..observation_size] with finite numbers (or returns such a table)"
    public static let state = "state(self, out) fills out[1..state_size] with finite numbers (or returns such a table)"
    public static let available = "available(self, i, out) sets out[k] to true or false for each action k = 1..n, with at least one true"
    public static let render = "render(self, draw) draws with draw:circle/line/rect/text using finite numbers"
    public static let snapshot = "snapshot(self) returns plain data: numbers, booleans, strings and tables of them (lists or string keys)"
    public static let restore = "restore(self, t) sets the world state from a table that snapshot returned"
    public static let scriptedAction = "scripted_action(self, i) returns agent i's action as step takes it: an available id 1..n (discrete) or a table of exactly d finite numbers (continuous; clipped into [low, high])"
    public static let actions = "an agent's action is one of its available actions 1..n (discrete) or finite numbers (continuous)"
    public static let sandbox = "worlds run in a sandbox: base (without dofile, loadfile, binary load), string, table, math, utf8, os.clock, and require from the world's folder and envs/lib/ only"
    public static let determinism = "the same seed gives the same episodes: randomness only through math.random (no os.clock, pairs order over string keys, or tostring of tables)"
    public static let recursion = "every call into the world returns: a function that calls itself without end overflows Lua's stack"
    public static func timeBudget(_ ms: Int) -> String {
        "every call into the world finishes within the time budget (\(ms) ms)"
    }
    public static func memoryCap(_ mib: Int) -> String {
        "a world instance stays within its memory cap (\(mib) MiB)"
    }
}
