import Foundation

/// Where worlds and their shared Lua library live on disk.
public enum WorldFiles {
    /// The `envs/lib` folder a world may require from: the nearest one above the world's file,
    /// else the one beside the marl-sim installation (`$MARLSIM_ENVS` overrides both).
    public static func libraryFolder(forWorld path: String) -> String? {
        if let envs = ProcessInfo.processInfo.environment["MARLSIM_ENVS"], !envs.isEmpty {
            return displayPath((envs as NSString).appendingPathComponent("lib"))
        }
        var folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        for _ in 0..<16 {
            if (folder as NSString).lastPathComponent == "envs", isFolder(folder + "/lib") {
                return displayPath(folder + "/lib")
            }
            if isFolder(folder + "/envs/lib") { return displayPath(folder + "/envs/lib") }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        return bundledFolder().map { displayPath(($0 as NSString).appendingPathComponent("lib")) }
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The `envs` folder of this installation: found beside the executable's package checkout.
    public static func bundledFolder() -> String? {
        if let envs = ProcessInfo.processInfo.environment["MARLSIM_ENVS"], !envs.isEmpty { return envs }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        if let executable = Bundle.main.executablePath {
            folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent().path
        }
        for _ in 0..<6 {
            let candidate = (folder as NSString).appendingPathComponent("envs")
            if isFolder(candidate + "/lib") { return candidate }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder { break }
            folder = parent
        }
        return nil
    }

    /// The bundled worlds: every `.lua` file under `envs/` outside `envs/lib/`, sorted.
    public static func bundledWorlds() -> [String] {
        guard let envs = bundledFolder() else { return [] }
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: envs) else { return [] }
        var result: [String] = []
        while let item = walker.nextObject() as? String {
            if item.hasPrefix("lib/") || item == "lib" { walker.skipDescendants(); continue }
            if item.hasSuffix(".lua") { result.append(displayPath((envs as NSString).appendingPathComponent(item))) }
        }
        return result.sorted()
    }

    /// A path relative to the working directory when it lies below it, for shorter messages.
    public static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if absolute.hasPrefix(cwd + "/") { return String(absolute.dropFirst(cwd.count + 1)) }
        return path
    }
}
