import Foundation

/// Why a safetensors file could not be read or applied.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case truncated(String)
    case invalidHeader(String)
    case unsupportedDType(name: String, dtype: String)
    case missingTensor(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case io(String)

    public var description: String {
        switch self {
        case let .truncated(why): return "safetensors: truncated file: \(why)"
        case let .invalidHeader(why): return "safetensors: invalid header: \(why)"
        case let .unsupportedDType(name, dtype): return "safetensors: tensor \(name) has unsupported dtype \(dtype) (only F32/F64)"
        case let .missingTensor(name): return "safetensors: tensor \(name) not in file"
        case let .shapeMismatch(name, expected, found): return "safetensors: tensor \(name) has shape \(found), expected \(expected)"
        case let .io(why): return "safetensors: \(why)"
        }
    }
}

/// A named Float32 array with a shape, as stored in a safetensors file.
public struct NamedTensor: Equatable {
    /// Tensor name.
    public var name: String
    /// Dimensions (any rank).
    public var shape: [Int]
    /// Row-major values.
    public var values: [Float]

    /// A tensor record; `values.count` must equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Reading and writing the safetensors format: 8-byte little-endian header length, a JSON header mapping names to
/// dtype/shape/data_offsets, then raw little-endian data.
public enum Safetensors {
    /// Serialises tensors (in the given order) with optional string metadata.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) -> Data {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            entries.append("\(jsonString(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) } // pad with spaces so the data is 8-byte aligned
        var data = Data(capacity: 8 + header.count + offset)
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for t in tensors {
            t.values.withUnsafeBufferPointer { buffer in
                var littleEndian = [UInt32](repeating: 0, count: buffer.count)
                for i in 0..<buffer.count { littleEndian[i] = buffer[i].bitPattern.littleEndian }
                littleEndian.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Parses a safetensors byte string; tensors come back in file-data order. Never traps on malformed input.
    public static func decode(_ data: Data) throws -> [NamedTensor] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SafetensorsError.truncated("\(bytes.count) bytes, need at least 8 for the header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.truncated("header claims \(headerLength) bytes, file has \(bytes.count - 8) after the length")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) } catch {
            throw SafetensorsError.invalidHeader("not JSON")
        }
        guard let header = json as? [String: Any] else { throw SafetensorsError.invalidHeader("not a JSON object") }
        let dataSize = bytes.count - headerEnd
        var result: [(Int, NamedTensor)] = []
        for (name, entryAny) in header where name != "__metadata__" {
            guard let entry = entryAny as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any], let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2 else {
                throw SafetensorsError.invalidHeader("entry \(name) lacks dtype/shape/data_offsets")
            }
            var shape: [Int] = []
            for d in shapeAny {
                guard let n = integer(d), n >= 0, n < 1 << 31 else { throw SafetensorsError.invalidHeader("entry \(name) has a bad shape") }
                shape.append(n)
            }
            guard let begin = integer(offsetsAny[0]), let end = integer(offsetsAny[1]), begin >= 0, begin <= end else {
                throw SafetensorsError.invalidHeader("entry \(name) has bad data_offsets")
            }
            guard end <= dataSize else { throw SafetensorsError.truncated("tensor \(name) ends at byte \(end) of \(dataSize) data bytes") }
            var elements = 1
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafetensorsError.invalidHeader("entry \(name) is too large") }
                elements = p
            }
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F64": width = 8
            default: throw SafetensorsError.unsupportedDType(name: name, dtype: dtype)
            }
            guard end - begin == elements * width else {
                throw SafetensorsError.invalidHeader("entry \(name): \(end - begin) bytes for \(elements) \(dtype) values")
            }
            var values = [Float](repeating: 0, count: elements)
            let base = headerEnd + begin
            for i in 0..<elements {
                let at = base + i * width
                if width == 4 {
                    var bits: UInt32 = 0
                    for b in 0..<4 { bits |= UInt32(bytes[at + b]) << (8 * UInt32(b)) }
                    values[i] = Float(bitPattern: bits)
                } else {
                    var bits: UInt64 = 0
                    for b in 0..<8 { bits |= UInt64(bytes[at + b]) << (8 * UInt64(b)) }
                    values[i] = Float(Double(bitPattern: bits))
                }
            }
            result.append((begin, NamedTensor(name: name, shape: shape, values: values)))
        }
        return result.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Writes tensors to a file.
    public static func write(_ tensors: [NamedTensor], to url: URL, metadata: [String: String] = [:]) throws {
        do { try encode(tensors, metadata: metadata).write(to: url, options: .atomic) } catch {
            throw SafetensorsError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads all tensors of a file.
    public static func read(_ url: URL) throws -> [NamedTensor] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SafetensorsError.io("cannot read \(url.path)") }
        return try decode(data)
    }

    /// Saves a parameter set (names → values) as a checkpoint.
    public static func save(_ parameters: ParameterSet, to url: URL, metadata: [String: String] = [:]) throws {
        try write(namedTensors(parameters), to: url, metadata: metadata)
    }

    /// The file contents for a parameter set (for callers that write files their own way).
    public static func encode(_ parameters: ParameterSet, metadata: [String: String] = [:]) -> Data {
        encode(namedTensors(parameters), metadata: metadata)
    }

    static func namedTensors(_ parameters: ParameterSet) -> [NamedTensor] {
        parameters.parameters.map { NamedTensor(name: $0.name, shape: $0.shape.dims, values: $0.values) }
    }

    /// Loads a checkpoint into a parameter set by name. Validates every tensor before changing anything.
    public static func load(_ parameters: ParameterSet, from url: URL) throws {
        let byName = Dictionary(try read(url).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for p in parameters.parameters {
            guard let t = byName[p.name] else { throw SafetensorsError.missingTensor(p.name) }
            guard t.shape == p.shape.dims || (t.values.count == p.count && t.shape.count == 0 && p.count == 1) else {
                throw SafetensorsError.shapeMismatch(name: p.name, expected: p.shape.dims, found: t.shape)
            }
        }
        for p in parameters.parameters { p.values = byName[p.name]!.values }
    }

    private static func integer(_ any: Any) -> Int? {
        if let n = any as? Int { return n }
        if let n = any as? NSNumber { return n.intValue }
        return nil
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
