import CSTB
import Foundation

/// JPEG, PNG (and BMP, GIF, …) decoding through stb_image; the only file that calls CSTB.
public enum ImageFile {
    /// Decodes to 8-bit gray (stb_image's luma for colour images, alpha dropped) and maps
    /// 0…255 → [0, 1].
    public static func readGray(_ path: String) throws -> GrayImage {
        var w: Int32 = 0, h: Int32 = 0, channels: Int32 = 0
        guard let data = stbi_load(path, &w, &h, &channels, 1) else {
            let reason = stbi_failure_reason().map { String(cString: $0) } ?? "unknown error"
            throw DatasetError.unreadableImage(path: path, reason: FileManager.default.fileExists(atPath: path)
                                               ? "stb_image: \(reason)" : "no such file")
        }
        defer { stbi_image_free(data) }
        guard w > 0, h > 0 else { throw DatasetError.unreadableImage(path: path, reason: "empty image") }
        let bytes = Array(UnsafeBufferPointer(start: data, count: Int(w) * Int(h)))
        return GrayImage(width: Int(w), height: Int(h), bytes: bytes)
    }

    /// True when any pixel of the (mask) image is non-zero, without the Float conversion.
    public static func hasNonZeroPixel(_ path: String) throws -> Bool {
        var w: Int32 = 0, h: Int32 = 0, channels: Int32 = 0
        guard let data = stbi_load(path, &w, &h, &channels, 1) else {
            let reason = stbi_failure_reason().map { String(cString: $0) } ?? "unknown error"
            throw DatasetError.unreadableImage(path: path, reason: "stb_image: \(reason)")
        }
        defer { stbi_image_free(data) }
        return UnsafeBufferPointer(start: data, count: Int(w) * Int(h)).contains { $0 != 0 }
    }
}
