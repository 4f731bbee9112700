import { describe, expect, it } from 'vitest';
import { emptyCloud, type GaussianCloud, shCoeffs } from '../splats/cloud';
import { PlyError, type PlyErrorKind, parsePlyHeader, readPly, writePly } from './ply';
import { randomCloud } from './test-clouds';

const enc = (s: string) => new TextEncoder().encode(s);

function expectPlyError(fn: () => unknown, kind: PlyErrorKind, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PlyError);
  expect((caught as PlyError).kind).toBe(kind);
  expect((caught as PlyError).message).toMatch(message);
}

function expectSameCloud(a: GaussianCloud, b: GaussianCloud): void {
  expect(b.count).toBe(a.count);
  expect(b.shDegree).toBe(a.shDegree);
  for (const key of ['means', 'logScales', 'rotations', 'opacityLogits', 'sh'] as const) {
    expect(Array.from(b[key]), key).toEqual(Array.from(a[key]));
  }
}

/** Values of the INRIA properties for splat i, by name (our coefficient-major → channel-major f_rest). */
function inriaValues(c: GaussianCloud, i: number): Record<string, number> {
  const K = shCoeffs(c.shDegree);
  const v: Record<string, number> = {
    x: c.means[i * 3],
    y: c.means[i * 3 + 1],
    z: c.means[i * 3 + 2],
    opacity: c.opacityLogits[i],
  };
  for (let a = 0; a < 3; a++) v[`scale_${a}`] = c.logScales[i * 3 + a];
  for (let a = 0; a < 4; a++) v[`rot_${a}`] = c.rotations[i * 4 + a];
  for (let ch = 0; ch < 3; ch++) {
    v[`f_dc_${ch}`] = c.sh[i * K * 3 + ch];
    for (let k = 1; k < K; k++) v[`f_rest_${ch * (K - 1) + k - 1}`] = c.sh[(i * K + k) * 3 + ch];
  }
  return v;
}

type T = 'char' | 'uchar' | 'short' | 'ushort' | 'int' | 'uint' | 'float' | 'double';
const SIZES: Record<T, number> = {
  char: 1,
  uchar: 1,
  short: 2,
  ushort: 2,
  int: 4,
  uint: 4,
  float: 4,
  double: 8,
};

/** A deliberately independent little PLY encoder: arbitrary property order/types, extra elements, any format. */
function encodePly(
  format: 'binary_little_endian' | 'binary_big_endian' | 'ascii',
  props: [T, string][],
  rows: Record<string, number>[],
  prefix?: { header: string[]; binary: number[]; ascii: string },
): Uint8Array {
  const header = ['ply', `format ${format} 1.0`, 'comment made by the test'];
  if (prefix) header.push(...prefix.header);
  header.push(
    `element vertex ${rows.length}`,
    ...props.map(([t, n]) => `property ${t} ${n}`),
    'end_header',
    '',
  );
  const head = enc(header.join('\n'));
  if (format === 'ascii') {
    const body = rows.map((r) => props.map(([, n]) => String(r[n] ?? 0)).join(' ')).join('\n');
    return enc(`${header.join('\n')}${prefix?.ascii ?? ''}${body}\n`);
  }
  const little = format === 'binary_little_endian';
  const stride = props.reduce((s, [t]) => s + SIZES[t], 0);
  const pre = prefix?.binary ?? [];
  const out = new Uint8Array(head.length + pre.length + stride * rows.length);
  out.set(head);
  out.set(pre, head.length);
  const dv = new DataView(out.buffer);
  let o = head.length + pre.length;
  for (const r of rows) {
    for (const [t, n] of props) {
      const v = r[n] ?? 0;
      if (t === 'char') dv.setInt8(o, v);
      else if (t === 'uchar') dv.setUint8(o, v);
      else if (t === 'short') dv.setInt16(o, v, little);
      else if (t === 'ushort') dv.setUint16(o, v, little);
      else if (t === 'int') dv.setInt32(o, v, little);
      else if (t === 'uint') dv.setUint32(o, v, little);
      else if (t === 'float') dv.setFloat32(o, v, little);
      else dv.setFloat64(o, v, little);
      o += SIZES[t];
    }
  }
  return out;
}

describe('writePly / readPly', () => {
  for (const degree of [0, 1, 2, 3]) {
    it(`round-trips SH degree ${degree} exactly`, () => {
      const cloud = randomCloud(57, degree, 10 + degree);
      const bytes = writePly(cloud);
      const header = parsePlyHeader(bytes);
      const names = header.elements[0].properties.map((p) => p.name);
      const nRest = [0, 9, 24, 45][degree];
      expect(names.filter((n) => n.startsWith('f_rest_')).length).toBe(nRest);
      expect(names.slice(0, 9)).toEqual(['x', 'y', 'z', 'nx', 'ny', 'nz', 'f_dc_0', 'f_dc_1', 'f_dc_2']);
      expect(names.slice(9 + nRest)).toEqual([
        'opacity',
        'scale_0',
        'scale_1',
        'scale_2',
        'rot_0',
        'rot_1',
        'rot_2',
        'rot_3',
      ]);
      expect(header.elements[0].properties.every((p) => p.type === 'float32')).toBe(true);
      expect(header.format).toBe('binary_little_endian');
      expect(bytes.length - header.dataOffset).toBe(57 * names.length * 4);
      expectSameCloud(cloud, readPly(bytes));
    });
  }

  it('stores f_rest channel-major (all R, then G, then B)', () => {
    const cloud = emptyCloud(1, 1);
    // sh[k][c] = 10·k + c, so the expected channel-major order is obvious by eye.
    for (let k = 0; k < 4; k++) for (let c = 0; c < 3; c++) cloud.sh[k * 3 + c] = 10 * k + c;
    const bytes = writePly(cloud, { normals: false });
    const { dataOffset } = parsePlyHeader(bytes);
    const row = new Float32Array(bytes.slice(dataOffset).buffer);
    // x y z | f_dc_0..2 | f_rest_0..8 | opacity scale×3 rot×4
    expect(Array.from(row.slice(3, 6))).toEqual([0, 1, 2]);
    expect(Array.from(row.slice(6, 15))).toEqual([10, 20, 30, 11, 21, 31, 12, 22, 32]);
  });

  it('tags Mip-trained scenes, keeps comments, and reads the tag back', () => {
    const bytes = writePly({ ...randomCloud(2, 0), renderMode: 'mip' }, { comments: ['splat studio'] });
    expect(parsePlyHeader(bytes).comments).toEqual(['SplatRenderMode: mip', 'splat studio']);
    expect(readPly(bytes).renderMode).toBe('mip');
    const classic = writePly(randomCloud(2, 0), { comments: ['splat studio'] });
    expect(parsePlyHeader(classic).comments).toEqual(['splat studio']);
    expect(readPly(classic).renderMode).toBeUndefined();
  });

  it('writes and reads an empty cloud', () => {
    const c = readPly(writePly(emptyCloud(0, 2)));
    expect(c.count).toBe(0);
    expect(c.shDegree).toBe(2);
  });
});

describe('readPly tolerance', () => {
  const cloud = randomCloud(5, 1, 77);
  const rows = Array.from({ length: cloud.count }, (_, i) => ({
    ...inriaValues(cloud, i),
    red: 200,
    alpha: -3,
  }));
  const names = Object.keys(inriaValues(cloud, 0));
  // Shuffled order, doubles, and extra properties of other types.
  const shuffled: [T, string][] = [...names].reverse().map((n, i) => [i % 2 ? 'double' : 'float', n]);
  shuffled.splice(3, 0, ['uchar', 'red']);
  shuffled.push(['short', 'alpha']);
  // An element before 'vertex' with a list property (like a face list) must be skipped.
  const prefix = {
    header: ['element camera 2', 'property list uchar int ids', 'property float fov'],
    binary: [],
    ascii: '3 1 2 3 0.5\n0 0.7\n',
  };

  const check = (read: GaussianCloud) => {
    expect(read.count).toBe(cloud.count);
    expect(read.shDegree).toBe(1);
    for (let i = 0; i < cloud.count; i++) {
      const want = inriaValues(cloud, i);
      const got = inriaValues(read, i);
      for (const n of names) expect(got[n], n).toBeCloseTo(want[n], 6);
    }
  };

  for (const format of ['binary_little_endian', 'binary_big_endian'] as const) {
    it(`reads ${format} with shuffled/double/extra properties and a leading list element`, () => {
      const little = format === 'binary_little_endian';
      const binary: number[] = [];
      // camera row 0: list of 3 ints, fov; row 1: empty list, fov.
      const push = (bytes: ArrayBuffer) => binary.push(...new Uint8Array(bytes));
      const i32 = (v: number) => {
        const b = new ArrayBuffer(4);
        new DataView(b).setInt32(0, v, little);
        return b;
      };
      const f32 = (v: number) => {
        const b = new ArrayBuffer(4);
        new DataView(b).setFloat32(0, v, little);
        return b;
      };
      binary.push(3);
      for (const v of [1, 2, 3]) push(i32(v));
      push(f32(0.5));
      binary.push(0);
      push(f32(0.7));
      check(readPly(encodePly(format, shuffled, rows, { ...prefix, binary })));
    });
  }

  it('reads big-endian files whose properties are all float (fast path)', () => {
    const floats: [T, string][] = names.map((n) => ['float', n]);
    check(readPly(encodePly('binary_big_endian', floats, rows)));
  });

  it('reads ascii', () => {
    check(readPly(encodePly('ascii', shuffled, rows, prefix)));
  });

  it('reads a file without normals and with CRLF header lines', () => {
    const text = new TextDecoder('latin1').decode(writePly(cloud, { normals: false }));
    const [head, body] = [
      text.slice(0, text.indexOf('end_header\n') + 11),
      text.slice(text.indexOf('end_header\n') + 11),
    ];
    const crlf = new Uint8Array(Array.from(head.replace(/\n/g, '\r\n') + body, (ch) => ch.charCodeAt(0)));
    check(readPly(crlf));
  });
});

describe('readPly errors', () => {
  const good = writePly(randomCloud(4, 0, 3));
  const header = parsePlyHeader(good);
  const dataBytes = good.length - header.dataOffset;

  it('rejects a non-PLY file', () => {
    expectPlyError(
      () => readPly(enc('hello world, not a ply')),
      'not-ply',
      /not a PLY file \(starts with "hello wo"/,
    );
  });

  it('reports truncated data with expected and actual byte counts', () => {
    const cut = good.subarray(0, good.length - 10);
    expectPlyError(
      () => readPly(cut),
      'truncated',
      new RegExp(`expected ${dataBytes} bytes .*got ${dataBytes - 10}`),
    );
  });

  it('reports a header without end_header as truncated', () => {
    expectPlyError(() => readPly(good.subarray(0, 60)), 'truncated', /no 'end_header'/);
  });

  it('names a missing property', () => {
    const bytes = encodePly(
      'binary_little_endian',
      (
        ['x', 'y', 'z', 'f_dc_0', 'f_dc_1', 'f_dc_2', 'opacity', 'rot_0', 'rot_1', 'rot_2', 'rot_3'] as const
      ).map((n) => ['float', n] as [T, string]),
      [{}],
    );
    expectPlyError(() => readPly(bytes), 'missing-property', /missing property 'scale_0'/);
  });

  it('rejects an unknown format', () => {
    const text = new TextDecoder('latin1')
      .decode(good)
      .replace('binary_little_endian', 'binary_middle_endian');
    expectPlyError(
      () => readPly(new Uint8Array(Array.from(text, (c) => c.charCodeAt(0)))),
      'unsupported-format',
      /unsupported PLY format 'binary_middle_endian'/,
    );
  });

  it('rejects an unknown property type', () => {
    expectPlyError(
      () => readPly(enc('ply\nformat ascii 1.0\nelement vertex 1\nproperty half x\nend_header\n0\n')),
      'unsupported-type',
      /unknown property type 'half'/,
    );
  });

  it('rejects an f_rest count that is no SH degree', () => {
    const props: [T, string][] = Object.keys(inriaValues(randomCloud(1, 0), 0)).map((n) => ['float', n]);
    for (let i = 0; i < 5; i++) props.push(['float', `f_rest_${i}`]);
    expectPlyError(
      () => readPly(encodePly('binary_little_endian', props, [{}])),
      'bad-sh',
      /5 f_rest properties/,
    );
  });

  it('rejects compressed PLY by name', () => {
    expectPlyError(
      () =>
        readPly(
          enc(
            'ply\nformat binary_little_endian 1.0\nelement vertex 0\nproperty uint packed_position\nend_header\n',
          ),
        ),
      'unsupported-format',
      /compressed PLY/,
    );
  });

  it('reports a non-number in ASCII data', () => {
    const props: [T, string][] = Object.keys(inriaValues(randomCloud(1, 0), 0)).map((n) => ['float', n]);
    const text = new TextDecoder().decode(encodePly('ascii', props, [{}])).replace(/\n0 /, '\nzero ');
    expectPlyError(() => readPly(enc(text)), 'bad-data', /not a number .*'zero'/);
  });
});
