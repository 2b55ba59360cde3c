package dev.cohort.train.compress;

/**
 * Conversions between float32 and the two 16-bit floats, rounding to nearest, ties to even, as IEEE
 * 754 and PyTorch do. Java 17 has neither ({@code Float.floatToFloat16} came in Java 20).
 *
 * <ul>
 *   <li>fp16 (binary16): 1 sign, 5 exponent, 10 fraction bits. Values from 65,520 on round to
 *       infinity, values up to 2^-25 to zero, those below 2^-14 to subnormals (multiples of 2^-24).
 *   <li>bf16: the upper half of a float32: 1 sign, 8 exponent, 7 fraction bits.
 * </ul>
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** {@code f} as fp16 bits, rounded to nearest even; NaN stays NaN. */
  public static short toFp16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7FFF_FFFF;
    if (abs >= 0x7F80_0000) { // infinity or NaN
      return (short) (sign | 0x7C00 | (abs > 0x7F80_0000 ? 0x200 : 0));
    }
    if (abs >= 0x4780_0000) { // 65,536 and above: beyond the largest fp16 even after rounding
      return (short) (sign | 0x7C00);
    }
    int exponent = (abs >>> 23) - 127 + 15;
    int mantissa = abs & 0x7F_FFFF;
    if (exponent <= 0) { // a subnormal fp16, or zero
      if (exponent < -10) {
        return (short) sign; // below half the smallest subnormal: zero
      }
      mantissa |= 0x80_0000; // the implicit bit
      int shift = 14 - exponent; // 24-bit significand to a subnormal's 10 bits
      int half = mantissa >>> shift;
      int rest = mantissa & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (exponent << 10) | (mantissa >>> 13);
    int rest = mantissa & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++; // may carry into the exponent, up to infinity: that is the right rounding
    }
    return (short) (sign | half);
  }

  /** The float32 that fp16 bits {@code h} stand for (exactly). */
  public static float fromFp16(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float value = mantissa * 0x1p-24f; // subnormal (or zero): exact in float32
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** {@code f} as bf16 bits, rounded to nearest even; NaN stays NaN. */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
      return (short) ((bits >>> 16) | 0x40); // a quiet NaN, whatever its payload
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** The float32 that bf16 bits {@code h} stand for (exactly). */
  public static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xFFFF) << 16);
  }
}
