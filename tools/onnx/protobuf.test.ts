import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder, ints } from './onnx';
import { ProtoWriter } from './protobuf';

describe('protobuf wire writer', () => {
  it('encodes varints, negative int64, floats and nested messages as protobuf does', () => {
    expect([...new ProtoWriter().int(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([0x10, ...new Array(9).fill(0xff), 0x01]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect([...new ProtoWriter().string(1, 'hi').finish()]).toEqual([0x0a, 0x02, 0x68, 0x69]);
    const inner = new ProtoWriter().int(1, 150);
    expect([...new ProtoWriter().message(3, inner).finish()]).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().packedInts(4, [3, 270]).finish()]).toEqual([0x22, 0x03, 0x03, 0x8e, 0x02]);
  });

  it('keeps large byte payloads in order among other fields', () => {
    const blob = new Uint8Array(1000).map((_, i) => i & 0xff);
    const out = new ProtoWriter().int(1, 1).bytes(9, blob).int(2, 2).finish();
    expect([...out.subarray(0, 5)]).toEqual([0x08, 0x01, 0x4a, 0xe8, 0x07]);
    expect(out.subarray(5, 1005)).toEqual(blob);
    expect([...out.subarray(1005)]).toEqual([0x10, 0x02]);
  });

  it('builds a ModelProto that starts with ir_version 8', () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [1, 'N']);
    g.op('Transpose', [x], { perm: ints([1, 0]) }, 'y');
    g.output('y', 'float32', ['N', 1]);
    expect([...encodeModel(g).subarray(0, 2)]).toEqual([0x08, 0x08]);
  });
});
