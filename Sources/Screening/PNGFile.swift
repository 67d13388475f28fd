import CPNG
import Foundation
import Preparation

/// PNG files through libpng's simplified API (`png_image_*`), the only file that calls libpng.
/// The simplified API reports errors by return value and message, no setjmp needed.
public enum PNGFile {
    /// An 8-bit image, row-major, `channels` = 1 (gray) or 3 (RGB) interleaved.
    public struct Image: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var pixels: [UInt8]

        public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
            precondition(channels == 1 || channels == 3, "PNG images here are gray or RGB")
            precondition(pixels.count == width * height * channels, "pixel count mismatch")
            self.width = width
            self.height = height
            self.channels = channels
            self.pixels = pixels
        }
    }

    public static func write(_ image: Image, to path: String) throws {
        var png = header(of: image)
        let ok = image.pixels.withUnsafeBufferPointer { buf in
            png_image_write_to_file(&png, path, 0, buf.baseAddress, png_int_32(image.width * image.channels), nil)
        }
        defer { png_image_free(&png) }
        guard ok != 0 else {
            throw ScreeningError.output(path: path, reason: "libpng: \(message(of: &png))")
        }
    }

    private static func header(of image: Image) -> png_image {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = image.channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        // Faster zlib settings: larger files, much less time for hundreds of slice pictures.
        png.flags = png_uint_32(PNG_IMAGE_FLAG_FAST)
        return png
    }

    /// The PNG bytes of `image` (in memory: payloads that travel between processes).
    public static func encode(_ image: Image) throws -> [UInt8] {
        var png = header(of: image)
        defer { png_image_free(&png) }
        let stride = png_int_32(image.width * image.channels)
        return try image.pixels.withUnsafeBufferPointer { buf in
            var size = 0
            guard png_image_write_to_memory(&png, nil, &size, 0, buf.baseAddress, stride, nil) != 0 else {
                throw ScreeningError.inconsistentInput("libpng: \(message(of: &png))")
            }
            var bytes = [UInt8](repeating: 0, count: size)
            let ok = bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&png, out.baseAddress, &size, 0, buf.baseAddress, stride, nil)
            }
            guard ok != 0 else { throw ScreeningError.inconsistentInput("libpng: \(message(of: &png))") }
            return Array(bytes.prefix(size))
        }
    }

    /// Decodes PNG bytes of an image of `width × height` pixels to 8-bit gray (`channels: 1`)
    /// or RGB (`channels: 3`); other dimensions are refused before any pixel is allocated (the
    /// bytes may come from elsewhere). `what` names the bytes in errors.
    public static func decode(_ bytes: [UInt8], width: Int, height: Int, channels: Int, what: String) throws -> Image {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw ScreeningError.inconsistentInput("\(what): not a PNG (\(message(of: &png)))") }
        guard Int(png.width) == width, Int(png.height) == height else {
            throw ScreeningError.inconsistentInput("\(what): a PNG of \(png.width) × \(png.height) pixels, not \(width) × \(height)")
        }
        return try finishRead(&png, channels: channels) { ScreeningError.inconsistentInput("\(what): \($0)") }
    }

    /// Reads any PNG, converted to 8-bit gray (`channels: 1`) or RGB (`channels: 3`).
    public static func read(_ path: String, channels: Int = 3) throws -> Image {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            defer { png_image_free(&png) }
            throw ScreeningError.output(path: path, reason: "libpng read: \(message(of: &png))")
        }
        defer { png_image_free(&png) }
        return try finishRead(&png, channels: channels) { ScreeningError.output(path: path, reason: "libpng read: \($0)") }
    }

    /// The pixels of a PNG whose header `png` holds, as gray or RGB.
    private static func finishRead(_ png: inout png_image, channels: Int, failure: (String) -> Error) throws -> Image {
        png.format = channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        let width = Int(png.width), height = Int(png.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let ok = pixels.withUnsafeMutableBufferPointer { buf in
            png_image_finish_read(&png, nil, buf.baseAddress, png_int_32(width * channels), nil)
        }
        guard ok != 0 else { throw failure(message(of: &png)) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func message(of png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
