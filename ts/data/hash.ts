/**
 * FNV-1a 64-bit over bytes, in two 32-bit halves (no BigInt in the loop). The prime 2^40 + 435 makes
 * h·prime = h·435 + (h << 40), so the high half gains lo << 8.
 */

/** A running FNV-1a 64 hash; feed it bytes or 32-bit words, read it as 16 hex digits. */
export class Fnv1a64 {
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;

  /** Feeds one byte. */
  byte(b: number): void {
    const lo = (this.lo ^ (b & 0xff)) >>> 0;
    const t = lo * 435;
    const carry = Math.floor(t / 4294967296);
    this.hi = (Math.imul(this.hi, 435) + (lo << 8) + carry) >>> 0;
    this.lo = t >>> 0;
  }

  /** Feeds 32-bit words as their little-endian bytes, whatever the host's byte order. */
  words(values: Uint32Array): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < values.length; i++) {
      const w = values[i];
      for (let s = 0; s < 32; s += 8) {
        lo = (lo ^ ((w >>> s) & 0xff)) >>> 0;
        const t = lo * 435;
        hi = (Math.imul(hi, 435) + (lo << 8) + Math.floor(t / 4294967296)) >>> 0;
        lo = t >>> 0;
      }
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** Feeds a string as UTF-8. */
  text(s: string): void {
    for (const b of new TextEncoder().encode(s)) this.byte(b);
  }

  /** The hash as 16 lowercase hex digits. */
  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
