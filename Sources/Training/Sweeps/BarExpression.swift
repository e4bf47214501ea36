/// A sweep report's bar: a number, or arithmetic over `random` and `scripted`, the mean returns of
/// random and scripted play in the run's world (e.g. `random + 0.6 * (scripted - random)`,
/// `max(100, 5 * random)`), with + - * /, parentheses, max and min.
public struct BarExpression: CustomStringConvertible {
    struct Failure: Error { var message: String }

    indirect enum Term {
        case number(Double), reference(String)
        case unary(Term), binary(Character, Term, Term), call(String, [Term])
    }

    public let description: String
    let term: Term
    /// The references the expression uses (`random`, `scripted`), to be measured before it is evaluated.
    public let references: Set<String>

    static let referenceNames = ["random", "scripted"]
    static let functions = ["max", "min"]

    init(_ text: String) throws {
        description = text
        var parser = Parser(characters: Array(text))
        term = try parser.expression()
        parser.skipSpaces()
        guard parser.at == parser.characters.count else {
            throw Failure(message: "unexpected '\(String(parser.characters[parser.at...]))' in '\(text)'")
        }
        references = parser.references
    }

    /// The bar's value, given the measured references.
    public func value(references values: [String: Double]) -> Double { Self.evaluate(term, values) }

    static func evaluate(_ term: Term, _ values: [String: Double]) -> Double {
        switch term {
        case let .number(x): return x
        case let .reference(name): return values[name] ?? .nan
        case let .unary(inner): return -evaluate(inner, values)
        case let .binary(op, a, b):
            let x = evaluate(a, values), y = evaluate(b, values)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            default: return x / y
            }
        case let .call(name, arguments):
            let xs = arguments.map { evaluate($0, values) }
            return name == "max" ? xs.max()! : xs.min()!
        }
    }

    struct Parser {
        let characters: [Character]
        var at = 0
        var references: Set<String> = []

        mutating func skipSpaces() { while at < characters.count, characters[at] == " " { at += 1 } }

        mutating func peek() -> Character? {
            skipSpaces()
            return at < characters.count ? characters[at] : nil
        }

        mutating func expression() throws -> Term { try operations(["+", "-"]) { try $0.operations(["*", "/"]) { try $0.factor() } } }

        /// Operands joined left to right by any of `operators` (one precedence level).
        mutating func operations(_ operators: Set<Character>, _ operand: (inout Parser) throws -> Term) throws -> Term {
            var left = try operand(&self)
            while let op = peek(), operators.contains(op) {
                at += 1
                left = .binary(op, left, try operand(&self))
            }
            return left
        }

        mutating func factor() throws -> Term {
            guard let c = peek() else { throw Failure(message: "the expression ends where a number or name is expected") }
            if c == "-" { at += 1; return .unary(try factor()) }
            if c == "(" {
                at += 1
                let inner = try expression()
                guard peek() == ")" else { throw Failure(message: "a ( is not closed") }
                at += 1
                return inner
            }
            let start = at
            if c.isLetter {
                while at < characters.count, characters[at].isLetter || characters[at] == "_" { at += 1 }
                let name = String(characters[start..<at])
                if BarExpression.functions.contains(name) {
                    guard peek() == "(" else { throw Failure(message: "\(name) takes arguments: \(name)(a, b)") }
                    at += 1
                    var arguments = [try expression()]
                    while peek() == "," { at += 1; arguments.append(try expression()) }
                    guard peek() == ")" else { throw Failure(message: "\(name)( is not closed") }
                    at += 1
                    return .call(name, arguments)
                }
                guard BarExpression.referenceNames.contains(name) else {
                    throw Failure(message: "unknown name '\(name)'; a bar uses numbers, random, scripted, max and min")
                }
                references.insert(name)
                return .reference(name)
            }
            while at < characters.count, characters[at].isNumber || characters[at] == "." || characters[at] == "e"
                || (characters[at] == "-" && at > start && characters[at - 1] == "e") { at += 1 }
            guard let value = Double(String(characters[start..<at])), value.isFinite else {
                throw Failure(message: "expected a number or a name at '\(String(characters[start...]))'")
            }
            return .number(value)
        }
    }
}
