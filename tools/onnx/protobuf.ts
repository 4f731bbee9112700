/**
 * A minimal protocol-buffers wire-format writer: just what an ONNX ModelProto needs (varints,
 * length-delimited fields, packed floats/int64s). Messages are built bottom-up: a nested message is
 * encoded first and embedded as bytes.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private chunks: number[] = [];
  private blobs: { at: number; bytes: Uint8Array }[] = [];

  /** Unsigned or non-negative varint; negative int64 values use the 10-byte two's-complement form. */
  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.chunks.push(Number((v & 0x7fn) | 0x80n));
      v >>= 7n;
    }
    this.chunks.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32 / int64 / enum / bool field. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(...b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    // Large payloads (tensor data) are kept as views and spliced in at finish() time.
    this.blobs.push({ at: this.chunks.length, bytes: value });
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** Packed repeated int64 (e.g. tensor dims, INTS attributes). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated float (FLOATS attributes). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const total = this.chunks.length + this.blobs.reduce((s, b) => s + b.bytes.length, 0);
    const out = new Uint8Array(total);
    let src = 0;
    let dst = 0;
    for (const blob of this.blobs) {
      for (; src < blob.at; src++) out[dst++] = this.chunks[src];
      out.set(blob.bytes, dst);
      dst += blob.bytes.length;
    }
    for (; src < this.chunks.length; src++) out[dst++] = this.chunks[src];
    return out;
  }
}
