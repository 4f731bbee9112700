/**
 * Hand-written ONNX ModelProto encoder (field numbers from onnx/onnx.proto, IR version 8) and a small
 * graph builder, used to generate the project's tiny contract models at test time. No weights from
 * anywhere: every constant is computed by the generator that uses this.
 */
import { ProtoWriter } from './protobuf';

/** TensorProto.DataType values used here. */
export const DTYPE = { float32: 1, int64: 7 } as const;
export type DType = keyof typeof DTYPE;

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string };

export const int = (value: number): Attr => ({ kind: 'int', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const ints = (value: number[]): Attr => ({ kind: 'ints', value });
export const floats = (value: number[]): Attr => ({ kind: 'floats', value });
export const str = (value: string): Attr => ({ kind: 'string', value });

/** AttributeProto.AttributeType. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

/** A dimension: a fixed size or a symbolic name (dim_param). */
export type Dim = number | string;

function encodeAttr(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
  }
  return w.int(20, ATTR_TYPE[a.kind]);
}

function encodeValueInfo(name: string, dtype: DType, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, DTYPE[dtype]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

function encodeTensor(
  name: string,
  dtype: DType,
  dims: readonly number[],
  data: Float32Array | BigInt64Array,
) {
  // raw_data is little-endian, which is how typed arrays are laid out on every platform we run on.
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new ProtoWriter().packedInts(1, dims).int(2, DTYPE[dtype]).string(8, name).bytes(9, raw);
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
  name: string;
}

/** Builds one GraphProto; node outputs get unique generated names unless given. */
export class GraphBuilder {
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly nodes: NodeSpec[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(encodeValueInfo(name, dtype, dims));
    return name;
  }

  output(name: string, dtype: DType, dims: readonly Dim[]): void {
    this.outputs.push(encodeValueInfo(name, dtype, dims));
  }

  /** A float32 initializer; returns its name. */
  constant(data: ArrayLike<number>, dims: readonly number[], name = this.fresh('const')): string {
    if (size(dims) !== data.length)
      throw new Error(`constant ${name}: ${data.length} values for dims ${dims}`);
    this.initializers.push(encodeTensor(name, 'float32', dims, Float32Array.from(data)));
    return name;
  }

  /** An int64 initializer (shapes for Reshape, axes inputs). */
  constantInt64(
    data: readonly number[],
    dims: readonly number[] = [data.length],
    name = this.fresh('i64'),
  ): string {
    this.initializers.push(encodeTensor(name, 'int64', dims, BigInt64Array.from(data.map((v) => BigInt(v)))));
    return name;
  }

  /** Adds a node and returns its output names (one fresh name per output unless `outputs` names them). */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, Attr> = {},
    outputs: string[] | number = 1,
  ): string[] {
    const outs =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : outputs;
    this.nodes.push({ op, inputs, outputs: outs, attrs, name: this.fresh(`n_${op}`) });
    return outs;
  }

  /** A single-output node. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output ? [output] : 1)[0];
  }

  encode(): ProtoWriter {
    const g = new ProtoWriter();
    for (const n of this.nodes) {
      const w = new ProtoWriter();
      for (const i of n.inputs) w.string(1, i);
      for (const o of n.outputs) w.string(2, o);
      w.string(3, n.name).string(4, n.op);
      for (const [k, a] of Object.entries(n.attrs)) w.message(5, encodeAttr(k, a));
      g.message(1, w);
    }
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return g;
  }
}

export interface ModelOptions {
  opset?: number;
  producer?: string;
  docString?: string;
}

/** Serialises a ModelProto around the graph (IR version 8, default-domain opset 17 unless given). */
export function encodeModel(graph: GraphBuilder, options: ModelOptions = {}): Uint8Array {
  const opset = new ProtoWriter().string(1, '').int(2, options.opset ?? 17);
  const m = new ProtoWriter()
    .int(1, 8)
    .string(2, options.producer ?? 'splat-studio tools/onnx')
    .string(3, '1')
    .message(7, graph.encode())
    .message(8, opset);
  if (options.docString) m.string(6, options.docString);
  return m.finish();
}
