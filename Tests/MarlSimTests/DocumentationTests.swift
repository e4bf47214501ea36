import Foundation
import XCTest

/// The repository carries its own documentation: every markdown file that the code, tests, scripts
/// and worlds cite exists in the checkout; every citation of a section of a file in docs/ (the file
/// name followed by `§` and a number) names a heading of that file; and the README's first screen
/// shows the two commands and a Lua world.
final class DocumentationTests: XCTestCase {
    /// The checkout's root folder (this file is Tests/MarlSimTests/DocumentationTests.swift).
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Folders whose files are scanned for citations (test fixtures excepted).
    let scannedFolders = ["Sources", "Tests", "scripts", "envs"]

    /// Markdown files the program writes rather than cites.
    static let written: Set<String> = ["report.md"]

    /// A cited markdown file: a path of letters, digits, `_`, `.`, `/`, `-` ending in the extension.
    let fileReference = try! NSRegularExpression(pattern: #"[A-Za-z0-9_./-]+\.md(?![A-Za-z0-9_])"#)
    /// A cited section of a file in docs/: the file name, a space, `§` and a section number (3, 0.10, 3A).
    let sectionReference = try! NSRegularExpression(pattern: #"docs/([A-Za-z0-9_-]+)\.md §([0-9]+(?:\.[0-9]+)*[A-Z]?)"#)
    /// Further sections of the same citation: `, §2`, `–§3`, `and §4`.
    let furtherSection = try! NSRegularExpression(pattern: #"\s*(?:,|–|—|-|and|or)\s*§([0-9]+(?:\.[0-9]+)*[A-Z]?)"#)
    /// A section number inside a heading.
    let headingSection = try! NSRegularExpression(pattern: #"§([0-9]+(?:\.[0-9]+)*[A-Z]?)"#)

    func testTheRootIsTheCheckout() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path),
                      "\(root.path) is not the repository root")
        XCTAssertFalse(scannedFiles().isEmpty, "no files found under \(scannedFolders) in \(root.path)")
    }

    func testEveryCitedMarkdownFileExists() {
        var references = 0
        for file in scannedFiles() {
            for (index, line) in file.lines.enumerated() {
                let text = line as NSString
                for match in fileReference.matches(in: line, range: NSRange(location: 0, length: text.length)) {
                    let reference = text.substring(with: match.range)
                    // Parts of web addresses are not files of the checkout.
                    if reference.contains("//") { continue }
                    if match.range.location > 0, text.substring(with: NSRange(location: match.range.location - 1, length: 1)) == ":" { continue }
                    // Files marl-sim writes (a sweep folder's report.md) are outputs, not citations.
                    if Self.written.contains(reference) { continue }
                    references += 1
                    if resolve(reference, citedIn: file.path) == nil {
                        XCTFail("\(file.path):\(index + 1): cites \(reference), which is not in the repository (looked in the root, docs/ and the citing file's folder)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(references, 0, "the scan found no markdown citations at all; is the root right?")
    }

    /// The team's inputs outside the checkout (papers, specs, anchor scripts) are not cited by the code:
    /// a reader of Sources/ has only the repository.
    func testSourcesCiteNothingOutsideTheRepository() {
        for file in scannedFiles() where file.path.hasPrefix("Sources/") {
            for (index, line) in file.lines.enumerated() where line.contains("shared/") && !line.contains("//shared/") {
                XCTFail("\(file.path):\(index + 1): cites a file outside the repository: \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
    }

    func testEveryCitedSectionIsAHeading() {
        var headingsByFile: [String: Set<String>] = [:]
        for file in scannedFiles() {
            for (index, line) in file.lines.enumerated() {
                let text = line as NSString
                for match in sectionReference.matches(in: line, range: NSRange(location: 0, length: text.length)) {
                    let name = text.substring(with: match.range(at: 1))
                    var sections = [text.substring(with: match.range(at: 2))]
                    var position = match.range.location + match.range.length
                    while let next = furtherSection.firstMatch(in: line, options: .anchored,
                                                               range: NSRange(location: position, length: text.length - position)) {
                        sections.append(text.substring(with: next.range(at: 1)))
                        position = next.range.location + next.range.length
                    }
                    let document = root.appendingPathComponent("docs").appendingPathComponent(name + ".md").path
                    guard FileManager.default.fileExists(atPath: document) else {
                        XCTFail("\(file.path):\(index + 1): cites docs/\(name).md, which does not exist")
                        continue
                    }
                    if headingsByFile[name] == nil { headingsByFile[name] = headingSections(of: document) }
                    for section in sections where !headingsByFile[name]!.contains(section) {
                        XCTFail("\(file.path):\(index + 1): cites docs/\(name).md §\(section), but no heading of that file carries §\(section)")
                    }
                }
            }
        }
    }

    func testTheReadmeFirstScreenShowsTheTwoCommandsAndAWorld() throws {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let firstScreen = readme.components(separatedBy: "\n").prefix(40).joined(separator: "\n")
        for needle in ["scripts/test", "--algo hasac", "```lua"] {
            XCTAssertTrue(firstScreen.contains(needle), "README.md's first 40 lines must contain \(needle)")
        }
    }

    // MARK: - Helpers

    /// Every readable text file under the scanned folders except `Tests/<target>/Fixtures/`, with its
    /// path relative to the root and its lines.
    func scannedFiles() -> [(path: String, lines: [String])] {
        let fm = FileManager.default
        var result: [(path: String, lines: [String])] = []
        for folder in scannedFolders {
            let base = root.appendingPathComponent(folder).path
            guard let walker = fm.enumerator(atPath: base) else { continue }
            while let item = walker.nextObject() as? String {
                let components = item.split(separator: "/")
                if folder == "Tests", components.count >= 2, components[1] == "Fixtures" {
                    walker.skipDescendants()
                    continue
                }
                let path = base + "/" + item
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
                result.append((path: folder + "/" + item, lines: text.components(separatedBy: "\n")))
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// The file a citation names: relative to the root, to docs/, or to the citing file's folder.
    func resolve(_ reference: String, citedIn path: String) -> String? {
        var name = reference
        while name.hasPrefix("./") { name.removeFirst(2) }
        let citingFolder = root.appendingPathComponent(path).deletingLastPathComponent()
        let candidates = [root.appendingPathComponent(name), root.appendingPathComponent("docs").appendingPathComponent(name),
                          citingFolder.appendingPathComponent(name)]
        return candidates.map(\.path).first { candidate in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The section numbers in a markdown file's headings (lines starting with `#` outside code fences).
    func headingSections(of path: String) -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var sections: Set<String> = []
        var inFence = false
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { inFence.toggle(); continue }
            guard !inFence, trimmed.hasPrefix("#") else { continue }
            let heading = trimmed as NSString
            for match in headingSection.matches(in: trimmed, range: NSRange(location: 0, length: heading.length)) {
                sections.insert(heading.substring(with: match.range(at: 1)))
            }
        }
        return sections
    }
}
