/// A single-channel image, values in [0, 1], row-major: `pixels[row * width + column]`.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "image size mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// 8-bit values mapped 0…255 → [0, 1] (the 2D sets are lung-windowed already).
    public init(width: Int, height: Int, bytes: [UInt8]) {
        self.init(width: width, height: height, pixels: bytes.map { Float($0) / 255 })
    }

    public subscript(row: Int, column: Int) -> Float {
        get { pixels[row * width + column] }
        set { pixels[row * width + column] = newValue }
    }
}
