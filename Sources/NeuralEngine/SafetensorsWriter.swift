import Foundation

/// Writes safetensors files: tensors in name order, contiguous offsets, JSON header
/// space-padded to a multiple of 8 bytes (what the reference Python package writes).
public enum SafetensorsWriter {
    public enum DType: Sendable { case f32, f16 }

    public static func encode(_ tensors: [String: Tensor], dtype: DType = .f32,
                              metadata: [String: String] = [:]) throws -> Data {
        let names = tensors.keys.sorted()
        let elemSize = dtype == .f32 ? 4 : 2
        var header: [String: Any] = [:]
        var offset = 0
        for n in names {
            guard n != "__metadata__" else {
                throw EngineError(.invalidArgument, tensor: n, "reserved tensor name")
            }
            let t = tensors[n]!
            let size = t.count * elemSize
            header[n] = ["dtype": dtype == .f32 ? "F32" : "F16", "shape": t.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for n in names {
            let t = tensors[n]!
            switch dtype {
            case .f32:
                t.data.withUnsafeBufferPointer { p in
                    var le = [UInt32](repeating: 0, count: p.count)
                    for i in 0..<p.count { le[i] = p[i].bitPattern.littleEndian }
                    le.withUnsafeBytes { out.append(contentsOf: $0) }
                }
            case .f16:
                var le = [UInt16](repeating: 0, count: t.count)
                for i in 0..<t.count { le[i] = HalfFloat.f16FromFloat(t.data[i]).littleEndian }
                le.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    public static func write(_ tensors: [String: Tensor], to path: String, dtype: DType = .f32,
                             metadata: [String: String] = [:]) throws {
        let data = try encode(tensors, dtype: dtype, metadata: metadata)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EngineError(.io, file: path, "cannot write: \(error.localizedDescription)")
        }
    }
}
