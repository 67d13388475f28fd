/// Conversions for the 16-bit formats safetensors stores. Done on bit patterns so the code
/// does not depend on the platform's `Float16` availability.
enum HalfFloat {
    /// IEEE binary16 → Float (exact: every half value is representable).
    static func floatFromF16(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            // Zero or subnormal: mant · 2^-24.
            let v = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        }
        if exp == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13))
        }
        return Float(bitPattern: sign | (UInt32(exp - 15 + 127) << 23) | (mant << 13))
    }

    /// Float → IEEE binary16, round to nearest even, overflow to infinity.
    static func f16FromFloat(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF)
        var mant = bits & 0x7F_FFFF
        if exp == 0xFF {  // inf / nan
            return sign | 0x7C00 | (mant != 0 ? 0x200 : 0)
        }
        let e = exp - 127 + 15
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal half (or zero): shift the full significand into place with rounding.
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            var half = mant >> shift
            let rem = mant & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if rem > halfway || (rem == halfway && (half & 1) != 0) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0) { half += 1 }  // may carry into exp: correct
        return sign | UInt16(half)
    }

    /// bfloat16 → Float (the upper half of a binary32).
    static func floatFromBF16(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}
