import Common
import Foundation

/// The folder a run leaves behind (docs/design.md §4). Every file is either complete or absent:
/// JSON files are written to a temporary name and renamed; metrics rows are appended with one
/// write each, so an interrupted run leaves the rows it finished.
public final class RunFolder {
    public let path: String
    private var metricsHandle: FileHandle?
    private var columns: [String] = []
    /// The run's TensorBoard event file in `tb/`, created with the first metrics row.
    private var tensorBoard: TensorBoardWriter?
    private var metricsRows = 0

    /// Opens a run folder again to continue its run (`marl-sim resume`): metrics and TensorBoard
    /// rows are appended after the checkpoint's rows once `exchangeState` has restored them.
    public init(reopening path: String) {
        self.path = path
    }

    /// Creates the folder (refusing one that already holds a run) and writes config.json.
    public init(path: String, config: JSONValue) throws {
        self.path = path
        let fm = FileManager.default
        // A folder with only config.json is a run that failed to start: it holds nothing to keep.
        let kept = ["metrics.csv", "summary.json", "model.safetensors", "checkpoint.bin", "checkpoint.previous.bin"]
        if kept.contains(where: { fm.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }) {
            throw TrainingError(message: "\(path): this folder already holds a run (marl-sim resume \(path) continues it); choose another --out")
        }
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(message: "\(path): cannot create the run folder (\(error.localizedDescription))")
        }
        try write(config, to: "config.json")
    }

    deinit { try? metricsHandle?.close() }

    /// Writes `value` to `name` atomically.
    public func write(_ value: JSONValue, to name: String) throws {
        try writeAtomically(value.serialized + "\n", to: name)
    }

    @discardableResult
    public func writeAtomically(_ text: String, to name: String) throws -> String {
        try writeAtomically(Data(text.utf8), to: name)
    }

    /// Writes `name` through a temporary file and a rename, so a reader never sees half a file; returns its path.
    @discardableResult
    public func writeAtomically(_ data: Data, to name: String) throws -> String {
        let target = (path as NSString).appendingPathComponent(name)
        let temporary = (path as NSString).appendingPathComponent(".\(name).partial")
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, target) != 0 { throw TrainingError(message: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw TrainingError(message: "\(target): cannot write (\(error))")
        }
        return target
    }

    /// Appends a metrics row. The first row fixes the columns; a later row with new columns
    /// rewrites the file with the wider header (earlier rows get empty cells).
    public func appendMetrics(_ row: [(String, Double)]) throws {
        let names = row.map(\.0)
        let target = (path as NSString).appendingPathComponent("metrics.csv")
        if metricsHandle == nil || !Set(names).isSubset(of: columns) {
            let widened = columns + names.filter { !columns.contains($0) }
            var text = widened.joined(separator: ",") + "\n"
            if let old = try? String(contentsOfFile: target, encoding: .utf8) {
                let pad = String(repeating: ",", count: widened.count - columns.count)
                for line in old.split(separator: "\n").dropFirst() { text += line + pad + "\n" }
            }
            try? metricsHandle?.close()
            try writeAtomically(text, to: "metrics.csv")
            columns = widened
            metricsHandle = FileHandle(forWritingAtPath: target)
            metricsHandle?.seekToEndOfFile()
        }
        let values = Dictionary(row, uniquingKeysWith: { _, last in last })
        let line = columns.map { values[$0].map(Self.format) ?? "" }.joined(separator: ",") + "\n"
        do {
            try metricsHandle?.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError(message: "\(target): cannot append a row (\(error.localizedDescription))")
        }
        try appendTensorBoard(names: names, values: values)
    }

    /// Writes a metrics row's scalars (all but `step`) to `tb/` at the row's step: each value as the
    /// csv states it (6 significant digits), NaN (an empty cell in the csv) as NaN.
    private func appendTensorBoard(names: [String], values: [String: Double]) throws {
        defer { metricsRows += 1 }
        if tensorBoard == nil {
            tensorBoard = try TensorBoardWriter(directory: (path as NSString).appendingPathComponent("tb"))
        }
        var step = Int64(metricsRows)
        if let value = values["step"], value.isFinite, abs(value) < 9e18 { step = Int64(value.rounded()) }
        var seen: Set<String> = ["step"]
        let scalars = names.filter { seen.insert($0).inserted }.map { name -> (tag: String, value: Double) in
            let value = values[name]!
            return (name, value.isNaN ? value : Double(Self.format(value)) ?? value)
        }
        try tensorBoard?.append(scalars: scalars, step: step)
    }

    /// The columns of a run folder's metrics.csv by name, empty cells as NaN.
    public static func readMetrics(folder: String) throws -> [String: [Double]] {
        let path = (folder as NSString).appendingPathComponent("metrics.csv")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrainingError(message: "\(folder): not a run folder (no readable metrics.csv)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { throw TrainingError(message: "\(path): empty (no header row)") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var columns = [[Double]](repeating: [], count: names.count)
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == names.count else {
                throw TrainingError(message: "\(path):\(index + 2): \(cells.count) cells where the header has \(names.count)")
            }
            for (k, cell) in cells.enumerated() {
                guard let value = cell.isEmpty ? Double.nan : Double(cell) else {
                    throw TrainingError(message: "\(path):\(index + 2): '\(cell)' in column \(names[k]) is not a number")
                }
                columns[k].append(value)
            }
        }
        return Dictionary(zip(names, columns), uniquingKeysWith: { first, _ in first })
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }
}

extension RunFolder: Checkpointable {
    /// The metrics written so far (the whole of metrics.csv, which is small) and how far the
    /// TensorBoard file had got; restoring puts both back as they were, so rows written after the
    /// checkpoint are written again rather than twice.
    public func exchangeState(with archive: StateArchive) throws {
        let metricsPath = (path as NSString).appendingPathComponent("metrics.csv")
        var metrics = archive.isSaving ? ((try? String(contentsOfFile: metricsPath, encoding: .utf8)) ?? "") : ""
        try archive.text("metrics_csv", &metrics)
        try archive.texts("columns", &columns)
        try archive.value("rows", &metricsRows)
        var eventFile = tensorBoard.map { ($0.path as NSString).lastPathComponent } ?? ""
        var eventBytes = tensorBoard?.size ?? 0
        try archive.text("tensorboard_file", &eventFile)
        try archive.value("tensorboard_bytes", &eventBytes)
        guard !archive.isSaving else { return }
        try? metricsHandle?.close()
        metricsHandle = nil
        if !columns.isEmpty {
            try writeAtomically(metrics, to: "metrics.csv")
            metricsHandle = FileHandle(forWritingAtPath: metricsPath)
            metricsHandle?.seekToEndOfFile()
        } else {
            try? FileManager.default.removeItem(atPath: metricsPath)
        }
        let folder = (path as NSString).appendingPathComponent("tb")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix("events.") && name != eventFile {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
        tensorBoard = eventFile.isEmpty ? nil
            : try TensorBoardWriter(reopening: (folder as NSString).appendingPathComponent(eventFile), truncatingTo: eventBytes)
    }
}
