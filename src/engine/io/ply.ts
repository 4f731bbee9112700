/**
 * INRIA 3DGS `.ply` read/write (DESIGN.md conventions). The writer emits the layout every splat tool reads:
 * binary_little_endian, all float, `x y z nx ny nz f_dc_0..2 f_rest_0..N opacity scale_0..2 rot_0..3`, with
 * f_rest CHANNEL-major (all R rest coefficients, then G, then B) while our cloud is coefficient-major.
 * The reader accepts any property order, extra properties and elements, the three PLY encodings and every
 * scalar type; what it cannot use is rejected with a PlyError naming the problem.
 */
import { emptyCloud, type GaussianCloud, shCoeffs } from '../splats/cloud';

export type PlyErrorKind =
  | 'not-ply'
  | 'bad-header'
  | 'unsupported-format'
  | 'unsupported-type'
  | 'missing-property'
  | 'bad-sh'
  | 'truncated'
  | 'bad-data';

export class PlyError extends Error {
  override readonly name = 'PlyError';
  constructor(
    readonly kind: PlyErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type PlyFormat = 'binary_little_endian' | 'binary_big_endian' | 'ascii';
export type PlyScalar = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export interface PlyProperty {
  name: string;
  type: PlyScalar;
  /** Set for `property list <countType> <type> name`. */
  listCountType?: PlyScalar;
}

export interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
}

export interface PlyHeader {
  format: PlyFormat;
  comments: string[];
  elements: PlyElement[];
  /** Byte offset of the first data byte (just past `end_header\n`). */
  dataOffset: number;
}

const TYPE_ALIASES: Record<string, PlyScalar> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

const TYPE_SIZE: Record<PlyScalar, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

const MAX_HEADER_BYTES = 1 << 20;
const END_HEADER = 'end_header';

function printable(bytes: Uint8Array, n = 8): string {
  const head = bytes.subarray(0, n);
  const ascii = Array.from(head).every((b) => b >= 0x20 && b < 0x7f);
  if (ascii) return JSON.stringify(String.fromCharCode(...head));
  return Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Parses the text header; throws PlyError. Exposed so callers can show comments (e.g. SplatRenderMode). */
export function parsePlyHeader(bytes: Uint8Array): PlyHeader {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'ply\n' && magic !== 'ply\r') {
    throw new PlyError('not-ply', `not a PLY file (starts with ${printable(bytes)} instead of "ply")`);
  }
  // Find "end_header" followed by a line break; the header is ASCII so a byte scan is enough.
  const limit = Math.min(bytes.length, MAX_HEADER_BYTES);
  let end = -1;
  let dataOffset = -1;
  for (let i = 0; i + END_HEADER.length <= limit; i++) {
    if (bytes[i] !== 0x65 /* e */) continue;
    let match = true;
    for (let j = 0; j < END_HEADER.length && match; j++) match = bytes[i + j] === END_HEADER.charCodeAt(j);
    if (!match) continue;
    const prev = bytes[i - 1];
    if (prev !== 0x0a && prev !== 0x0d) continue;
    let k = i + END_HEADER.length;
    while (k < bytes.length && (bytes[k] === 0x20 || bytes[k] === 0x09)) k++;
    if (bytes[k] === 0x0d) k++;
    if (bytes[k] === 0x0a) {
      end = i;
      dataOffset = k + 1;
      break;
    }
    if (k >= bytes.length) {
      end = i;
      dataOffset = bytes.length;
      break;
    }
  }
  if (end < 0) {
    if (bytes.length < MAX_HEADER_BYTES) {
      throw new PlyError(
        'truncated',
        `truncated PLY: the header has no 'end_header' line (${bytes.length} bytes)`,
      );
    }
    throw new PlyError('bad-header', `PLY header has no 'end_header' within ${MAX_HEADER_BYTES} bytes`);
  }
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, end));
  const lines = text.split(/\r?\n|\r/);
  let format: PlyFormat | undefined;
  const comments: string[] = [];
  const elements: PlyElement[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const where = `PLY header line ${li + 1} ("${line}")`;
    switch (words[0]) {
      case 'format': {
        const f = words[1];
        if (f !== 'binary_little_endian' && f !== 'binary_big_endian' && f !== 'ascii') {
          throw new PlyError('unsupported-format', `unsupported PLY format '${f ?? ''}' (${where})`);
        }
        if (words[2] !== '1.0') {
          throw new PlyError('unsupported-format', `unsupported PLY version '${words[2] ?? ''}' (${where})`);
        }
        format = f;
        break;
      }
      case 'comment':
        comments.push(line.slice('comment'.length).trim());
        break;
      case 'obj_info':
        break;
      case 'element': {
        const count = Number(words[2]);
        if (words.length !== 3 || !Number.isInteger(count) || count < 0) {
          throw new PlyError('bad-header', `bad element declaration in ${where}`);
        }
        elements.push({ name: words[1], count, properties: [] });
        break;
      }
      case 'property': {
        const el = elements[elements.length - 1];
        if (!el) throw new PlyError('bad-header', `property before any element in ${where}`);
        if (words[1] === 'list') {
          const countType = TYPE_ALIASES[words[2]];
          const type = TYPE_ALIASES[words[3]];
          if (!countType || !type || words.length !== 5) {
            throw new PlyError('unsupported-type', `unknown list property type in ${where}`);
          }
          el.properties.push({ name: words[4], type, listCountType: countType });
        } else {
          const type = TYPE_ALIASES[words[1]];
          if (!type)
            throw new PlyError('unsupported-type', `unknown property type '${words[1]}' in ${where}`);
          if (words.length !== 3) throw new PlyError('bad-header', `bad property declaration in ${where}`);
          el.properties.push({ name: words[2], type });
        }
        break;
      }
      default:
        throw new PlyError('bad-header', `unknown keyword '${words[0]}' in ${where}`);
    }
  }
  if (!format) throw new PlyError('bad-header', "PLY header has no 'format' line");
  return { format, comments, elements, dataOffset };
}

/** Reads binary scalars of any PLY type in either byte order. */
function scalarReader(view: DataView, littleEndian: boolean): (type: PlyScalar, offset: number) => number {
  return (type, o) => {
    switch (type) {
      case 'int8':
        return view.getInt8(o);
      case 'uint8':
        return view.getUint8(o);
      case 'int16':
        return view.getInt16(o, littleEndian);
      case 'uint16':
        return view.getUint16(o, littleEndian);
      case 'int32':
        return view.getInt32(o, littleEndian);
      case 'uint32':
        return view.getUint32(o, littleEndian);
      case 'float32':
        return view.getFloat32(o, littleEndian);
      case 'float64':
        return view.getFloat64(o, littleEndian);
    }
  };
}

/** Which vertex columns feed which cloud fields. */
interface VertexPlan {
  shDegree: number;
  /** Property index feeding each float of a splat's means (3), logScales (3), rotations (4), opacity (1). */
  means: Int32Array;
  scales: Int32Array;
  rotations: Int32Array;
  opacity: number;
  /** Property index for each coefficient-major SH float [k][r,g,b] (channel-major f_rest resolved here). */
  sh: Int32Array;
}

const REQUIRED = [
  'x',
  'y',
  'z',
  'f_dc_0',
  'f_dc_1',
  'f_dc_2',
  'opacity',
  'scale_0',
  'scale_1',
  'scale_2',
  'rot_0',
  'rot_1',
  'rot_2',
  'rot_3',
];

function planVertex(vertex: PlyElement): VertexPlan {
  const columns = new Map<string, number>();
  vertex.properties.forEach((p, i) => {
    columns.set(p.name, i);
  });
  if (columns.has('packed_position')) {
    throw new PlyError(
      'unsupported-format',
      'compressed PLY (packed_position, SuperSplat) is not supported; decompress it first',
    );
  }
  for (const name of REQUIRED) {
    if (!columns.has(name))
      throw new PlyError('missing-property', `missing property '${name}' in element 'vertex'`);
    if (vertex.properties[columns.get(name)!].listCountType) {
      throw new PlyError('unsupported-type', `property '${name}' is a list; a scalar was expected`);
    }
  }
  let nRest = 0;
  for (const p of vertex.properties) if (/^f_rest_\d+$/.test(p.name)) nRest++;
  for (let i = 0; i < nRest; i++) {
    if (!columns.has(`f_rest_${i}`)) {
      throw new PlyError(
        'bad-sh',
        `f_rest properties are not numbered 0..${nRest - 1}: 'f_rest_${i}' is missing`,
      );
    }
  }
  const degree = [0, 9, 24, 45].indexOf(nRest);
  if (degree < 0) {
    throw new PlyError('bad-sh', `${nRest} f_rest properties do not match SH degree 0–3 (0, 9, 24 or 45)`);
  }
  const col = (name: string): number => columns.get(name)!;
  const K = shCoeffs(degree);
  const sh = new Int32Array(K * 3);
  for (let ch = 0; ch < 3; ch++) {
    sh[ch] = col(`f_dc_${ch}`);
    for (let k = 1; k < K; k++) sh[k * 3 + ch] = col(`f_rest_${ch * (K - 1) + k - 1}`);
  }
  return {
    shDegree: degree,
    means: Int32Array.from(['x', 'y', 'z'], col),
    scales: Int32Array.from(['scale_0', 'scale_1', 'scale_2'], col),
    rotations: Int32Array.from(['rot_0', 'rot_1', 'rot_2', 'rot_3'], col),
    opacity: col('opacity'),
    sh,
  };
}

/** Fills the cloud from one row of vertex values (values indexed like vertex.properties). */
function storeRow(cloud: GaussianCloud, plan: VertexPlan, i: number, row: Float64Array): void {
  for (let a = 0; a < 3; a++) cloud.means[i * 3 + a] = row[plan.means[a]];
  for (let a = 0; a < 3; a++) cloud.logScales[i * 3 + a] = row[plan.scales[a]];
  for (let a = 0; a < 4; a++) cloud.rotations[i * 4 + a] = row[plan.rotations[a]];
  cloud.opacityLogits[i] = row[plan.opacity];
  const n = plan.sh.length;
  for (let j = 0; j < n; j++) cloud.sh[i * n + j] = row[plan.sh[j]];
}

function readBinary(
  bytes: Uint8Array,
  header: PlyHeader,
  vertexIndex: number,
  plan: VertexPlan,
): GaussianCloud {
  const little = header.format === 'binary_little_endian';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = scalarReader(view, little);
  let offset = header.dataOffset;
  const need = (n: number, what: string): void => {
    if (offset + n > bytes.length) {
      throw new PlyError(
        'truncated',
        `truncated PLY data in ${what}: expected ${offset + n - header.dataOffset} bytes after the header, got ${bytes.length - header.dataOffset}`,
      );
    }
  };
  // Skip elements before 'vertex' (fixed rows are skipped in one step; list rows are walked).
  for (let e = 0; e < vertexIndex; e++) {
    const el = header.elements[e];
    if (el.properties.every((p) => !p.listCountType)) {
      const stride = el.properties.reduce((s, p) => s + TYPE_SIZE[p.type], 0);
      need(stride * el.count, `element '${el.name}'`);
      offset += stride * el.count;
      continue;
    }
    for (let r = 0; r < el.count; r++) {
      for (const p of el.properties) {
        if (p.listCountType) {
          need(TYPE_SIZE[p.listCountType], `element '${el.name}'`);
          const n = read(p.listCountType, offset);
          offset += TYPE_SIZE[p.listCountType];
          need(n * TYPE_SIZE[p.type], `element '${el.name}'`);
          offset += n * TYPE_SIZE[p.type];
        } else {
          need(TYPE_SIZE[p.type], `element '${el.name}'`);
          offset += TYPE_SIZE[p.type];
        }
      }
    }
  }
  const vertex = header.elements[vertexIndex];
  if (vertex.properties.some((p) => p.listCountType)) {
    throw new PlyError(
      'unsupported-type',
      "list properties in element 'vertex' are not supported in binary PLY",
    );
  }
  const props = vertex.properties;
  const offsets: number[] = [];
  let stride = 0;
  for (const p of props) {
    offsets.push(stride);
    stride += TYPE_SIZE[p.type];
  }
  need(stride * vertex.count, "element 'vertex'");
  const cloud = emptyCloud(vertex.count, plan.shDegree);
  const row = new Float64Array(props.length);
  const allFloat = props.every((p) => p.type === 'float32');
  for (let i = 0; i < vertex.count; i++) {
    const rowStart = offset + i * stride;
    if (allFloat) for (let p = 0; p < props.length; p++) row[p] = view.getFloat32(rowStart + p * 4, little);
    else for (let p = 0; p < props.length; p++) row[p] = read(props[p].type, rowStart + offsets[p]);
    storeRow(cloud, plan, i, row);
  }
  return cloud;
}

function readAscii(
  bytes: Uint8Array,
  header: PlyHeader,
  vertexIndex: number,
  plan: VertexPlan,
): GaussianCloud {
  const text = new TextDecoder('latin1').decode(bytes.subarray(header.dataOffset));
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  let t = 0;
  const next = (what: string): number => {
    if (t >= tokens.length) {
      throw new PlyError('truncated', `truncated ASCII PLY: ran out of values in ${what} after ${t} values`);
    }
    const v = Number(tokens[t++]);
    if (Number.isNaN(v) && tokens[t - 1].toLowerCase() !== 'nan') {
      throw new PlyError('bad-data', `not a number in ASCII PLY ${what}: '${tokens[t - 1]}'`);
    }
    return v;
  };
  for (let e = 0; e < vertexIndex; e++) {
    const el = header.elements[e];
    for (let r = 0; r < el.count; r++) {
      for (const p of el.properties) {
        const n = p.listCountType ? next(`element '${el.name}'`) : 1;
        for (let j = 0; j < n; j++) next(`element '${el.name}'`);
      }
    }
  }
  const vertex = header.elements[vertexIndex];
  const cloud = emptyCloud(vertex.count, plan.shDegree);
  const row = new Float64Array(vertex.properties.length);
  for (let i = 0; i < vertex.count; i++) {
    vertex.properties.forEach((p, j) => {
      if (p.listCountType) {
        const n = next("element 'vertex'");
        for (let q = 0; q < n; q++) next("element 'vertex'");
        row[j] = Number.NaN;
      } else row[j] = next("element 'vertex'");
    });
    storeRow(cloud, plan, i, row);
  }
  return cloud;
}

const MIP_COMMENT = 'SplatRenderMode: mip';

/**
 * Reads a 3DGS `.ply` (any property order/type, extra properties and elements). Throws PlyError. A
 * `comment SplatRenderMode: mip` line makes the cloud render in the mip mode.
 */
export function readPly(bytes: Uint8Array): GaussianCloud {
  const header = parsePlyHeader(bytes);
  const vertexIndex = header.elements.findIndex((e) => e.name === 'vertex');
  if (vertexIndex < 0) throw new PlyError('missing-property', "PLY has no 'vertex' element");
  const plan = planVertex(header.elements[vertexIndex]);
  const cloud =
    header.format === 'ascii'
      ? readAscii(bytes, header, vertexIndex, plan)
      : readBinary(bytes, header, vertexIndex, plan);
  if (header.comments.some((c) => c.replace(/\s+/g, ' ').toLowerCase() === MIP_COMMENT.toLowerCase()))
    cloud.renderMode = 'mip';
  return cloud;
}

export interface WritePlyOptions {
  /** Extra `comment` lines. */
  comments?: string[];
  /** Write nx ny nz (zeros) like the INRIA reference; default true. */
  normals?: boolean;
}

/** The vertex property names in the order writePly emits them. */
export function plyPropertyNames(shDegree: number, normals = true): string[] {
  const names = ['x', 'y', 'z'];
  if (normals) names.push('nx', 'ny', 'nz');
  names.push('f_dc_0', 'f_dc_1', 'f_dc_2');
  const nRest = (shCoeffs(shDegree) - 1) * 3;
  for (let i = 0; i < nRest; i++) names.push(`f_rest_${i}`);
  names.push('opacity', 'scale_0', 'scale_1', 'scale_2', 'rot_0', 'rot_1', 'rot_2', 'rot_3');
  return names;
}

/** Writes the INRIA 3DGS layout (binary little-endian, float32, channel-major f_rest). */
export function writePly(cloud: GaussianCloud, options: WritePlyOptions = {}): Uint8Array {
  const { shDegree, count } = cloud;
  if (!Number.isInteger(shDegree) || shDegree < 0 || shDegree > 3) {
    throw new PlyError('bad-sh', `cannot write SH degree ${shDegree} (0–3 supported)`);
  }
  const K = shCoeffs(shDegree);
  if (cloud.sh.length < count * K * 3) {
    throw new PlyError(
      'bad-sh',
      `cloud.sh has ${cloud.sh.length} floats, ${count * K * 3} needed for degree ${shDegree}`,
    );
  }
  const normals = options.normals ?? true;
  const names = plyPropertyNames(shDegree, normals);
  const lines = ['ply', 'format binary_little_endian 1.0'];
  // The tag Brush writes for scenes fitted with the Mip filter.
  if (cloud.renderMode === 'mip') lines.push(`comment ${MIP_COMMENT}`);
  for (const c of options.comments ?? []) lines.push(`comment ${c.replace(/[\r\n]+/g, ' ')}`);
  lines.push(`element vertex ${count}`);
  for (const n of names) lines.push(`property float ${n}`);
  lines.push('end_header', '');
  const head = new TextEncoder().encode(lines.join('\n'));
  const stride = names.length * 4;
  const out = new Uint8Array(head.length + stride * count);
  out.set(head);
  const view = new DataView(out.buffer);
  let o = head.length;
  const put = (v: number): void => {
    view.setFloat32(o, v, true);
    o += 4;
  };
  for (let i = 0; i < count; i++) {
    put(cloud.means[i * 3]);
    put(cloud.means[i * 3 + 1]);
    put(cloud.means[i * 3 + 2]);
    if (normals) o += 12; // zeros
    const base = i * K * 3;
    for (let ch = 0; ch < 3; ch++) put(cloud.sh[base + ch]);
    // Channel-major rest: every R coefficient, then G, then B.
    for (let ch = 0; ch < 3; ch++) for (let k = 1; k < K; k++) put(cloud.sh[base + k * 3 + ch]);
    put(cloud.opacityLogits[i]);
    for (let a = 0; a < 3; a++) put(cloud.logScales[i * 3 + a]);
    for (let a = 0; a < 4; a++) put(cloud.rotations[i * 4 + a]);
  }
  return out;
}
