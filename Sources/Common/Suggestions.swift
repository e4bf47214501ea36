/// "Did you mean …?" for a misspelled name: the known names within two edits of it, or that
/// contain it or are contained in it.
public enum Suggestions {
    /// The close names, nearest first.
    public static func close(to name: String, in known: [String]) -> [String] {
        let scored = known.map { ($0, distance(name, $0)) }
            .filter { $0.1 <= 2 || (!name.isEmpty && ($0.0.contains(name) || name.contains($0.0))) }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// " (did you mean a, b?)", or "" when nothing is close.
    public static func hint(for name: String, in known: [String]) -> String {
        let names = close(to: name, in: known)
        return names.isEmpty ? "" : " (did you mean \(names.prefix(3).joined(separator: ", "))?)"
    }

    /// The Levenshtein distance (insertions, deletions and substitutions).
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var previous = Array(0...y.count), current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
