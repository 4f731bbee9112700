/**
 * HEIC test fixtures made on the spot (Node only): pixels → PNG (or a JPEG when EXIF is wanted, since
 * heif-enc copies EXIF from JPEG input only) → Debian's `heif-enc` (package libheif-examples, libheif +
 * x265) → .heic in a temp dir. `withHeifTransforms` adds irot/imir properties to the primary item, which
 * heif-enc cannot write, so the decoder's orientation handling can be tested.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type ExifWriteFields, writeExifJpeg } from '../src/engine/io/exif';
import type { HeifTransform } from '../src/engine/io/heif-container';

/** Absolute path of heif-enc, or null when libheif-examples is not installed. */
export function heifEncPath(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(':')) {
    const p = join(dir, 'heif-enc');
    try {
      execFileSync(p, ['--help'], { stdio: 'ignore' });
      return p;
    } catch (e) {
      // heif-enc --help exits non-zero but runs: only a missing file is "absent".
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return p;
    }
  }
  return null;
}

export interface HeicOptions {
  /** heif-enc -q (0–100); 95 by default. */
  quality?: number;
  /** EXIF to carry (written into a quality-100 JPEG that heif-enc copies it from). */
  exif?: ExifWriteFields;
  /** Folder to keep the files in; without it they go to a temp dir that is removed afterwards. */
  dir?: string;
  name?: string;
}

/** Encodes RGBA pixels (alpha ignored) as HEIC with heif-enc; returns the file's bytes. */
export function encodeHeic(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: HeicOptions = {},
): { bytes: Uint8Array } {
  const enc = heifEncPath();
  if (!enc) throw new Error('heif-enc not found: apt-get install libheif-examples (scripts/test.sh does)');
  if (options.dir) return { bytes: encodeInto(enc, options.dir, rgba, width, height, options) };
  const dir = mkdtempSync(join(tmpdir(), 'heic-'));
  try {
    return { bytes: encodeInto(enc, dir, rgba, width, height, options) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function encodeInto(
  enc: string,
  dir: string,
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: HeicOptions,
): Uint8Array {
  const name = options.name ?? 'photo';
  const opaque = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  let source: string;
  if (options.exif) {
    const encoded = jpeg.encode({ data: opaque, width, height }, 100).data;
    source = join(dir, `${name}.src.jpg`);
    writeFileSync(source, writeExifJpeg(new Uint8Array(encoded), options.exif));
  } else {
    // RGB PNG, so heif-enc stores no alpha plane.
    const png = new PNG({ width, height, colorType: 2, inputHasAlpha: true });
    png.data = opaque;
    source = join(dir, `${name}.src.png`);
    writeFileSync(source, PNG.sync.write(png, { colorType: 2, inputHasAlpha: true }));
  }
  const path = join(dir, `${name}.heic`);
  execFileSync(enc, ['-q', String(options.quality ?? 95), '-o', path, source], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(path));
}

interface At {
  type: string;
  /** Offset of the box header. */
  at: number;
  size: number;
}

function children(b: Buffer, from: number, to: number): At[] {
  const out: At[] = [];
  for (let o = from; o + 8 <= to; ) {
    const size = b.readUInt32BE(o);
    if (size < 8) throw new Error('withHeifTransforms: box sizes other than 32-bit are not handled');
    out.push({ type: b.toString('latin1', o + 4, o + 8), at: o, size });
    o += size;
  }
  return out;
}

const only = (list: At[], type: string): At => {
  const box = list.find((x) => x.type === type);
  if (!box) throw new Error(`withHeifTransforms: no ${type} box`);
  return box;
};

const box = (type: string, payload: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
};

/**
 * Returns a copy of a heif-enc file whose primary item has `transforms` (irot/imir) appended to its
 * properties, in order. Handles the layout heif-enc writes (32-bit boxes, meta before mdat); item data
 * offsets (iloc, construction method 0) move by the bytes added.
 */
export function withHeifTransforms(heic: Uint8Array, transforms: HeifTransform[]): Uint8Array {
  const b = Buffer.from(heic);
  const meta = only(children(b, 0, b.length), 'meta');
  const inMeta = children(b, meta.at + 12, meta.at + meta.size);
  const primary = b.readUInt16BE(only(inMeta, 'pitm').at + 12); // pitm version 0
  const iprp = only(inMeta, 'iprp');
  const inIprp = children(b, iprp.at + 8, iprp.at + iprp.size);
  const ipco = only(inIprp, 'ipco');
  const ipma = only(inIprp, 'ipma');
  const props = transforms.map((t) =>
    t.rotateCcw !== undefined
      ? box('irot', Buffer.from([t.rotateCcw & 3]))
      : box('imir', Buffer.from([(t.mirrorAxis ?? 0) & 1])),
  );
  const firstNew = children(b, ipco.at + 8, ipco.at + ipco.size).length + 1;
  const newIpco = Buffer.concat([b.subarray(ipco.at, ipco.at + ipco.size), ...props]);
  newIpco.writeUInt32BE(newIpco.length);
  // ipma: append the new property indices to the primary item's association list.
  const version = b[ipma.at + 8];
  const wide = (b[ipma.at + 11] & 1) === 1;
  const idBytes = version < 1 ? 2 : 4;
  const idxBytes = wide ? 2 : 1;
  const parts: Buffer[] = [b.subarray(ipma.at, ipma.at + 16)];
  let o = ipma.at + 16;
  const count = b.readUInt32BE(ipma.at + 12);
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? b.readUInt16BE(o) : b.readUInt32BE(o);
    const n = b[o + idBytes];
    const assoc = b.subarray(o + idBytes + 1, o + idBytes + 1 + n * idxBytes);
    const extra = id === primary ? props.map((_, k) => firstNew + k) : [];
    const entry = Buffer.alloc(idBytes + 1 + (n + extra.length) * idxBytes);
    b.copy(entry, 0, o, o + idBytes);
    entry[idBytes] = n + extra.length;
    assoc.copy(entry, idBytes + 1);
    extra.forEach((index, k) => {
      const at = idBytes + 1 + (n + k) * idxBytes;
      if (wide) entry.writeUInt16BE(index, at);
      else entry[at] = index;
    });
    parts.push(entry);
    o += idBytes + 1 + n * idxBytes;
  }
  const newIpma = Buffer.concat(parts);
  newIpma.writeUInt32BE(newIpma.length);
  const newIprp = Buffer.concat(
    inIprp.map((c) => (c === ipco ? newIpco : c === ipma ? newIpma : b.subarray(c.at, c.at + c.size))),
  );
  const delta = newIprp.length - (iprp.size - 8);
  // iloc: move file-offset extents that lie past the meta box.
  const iloc = only(inMeta, 'iloc');
  const ilocBytes = Buffer.from(b.subarray(iloc.at, iloc.at + iloc.size));
  const iv = ilocBytes[8];
  const offsetSize = ilocBytes[12] >> 4;
  const lengthSize = ilocBytes[12] & 15;
  const baseSize = ilocBytes[13] >> 4;
  const indexSize = iv >= 1 ? ilocBytes[13] & 15 : 0;
  if (offsetSize !== 4 || (baseSize !== 0 && baseSize !== 4))
    throw new Error('withHeifTransforms: iloc layout');
  let p = 14;
  const items = iv < 2 ? ilocBytes.readUInt16BE(p) : ilocBytes.readUInt32BE(p);
  p += iv < 2 ? 2 : 4;
  const metaEnd = meta.at + meta.size;
  for (let i = 0; i < items; i++) {
    p += iv < 2 ? 2 : 4;
    const method = iv >= 1 ? ilocBytes.readUInt16BE(p) & 15 : 0;
    if (iv >= 1) p += 2;
    p += 2;
    const base = baseSize ? ilocBytes.readUInt32BE(p) : 0;
    const baseAt = p;
    p += baseSize;
    const extents = ilocBytes.readUInt16BE(p);
    p += 2;
    for (let e = 0; e < extents; e++) {
      p += indexSize;
      const off = ilocBytes.readUInt32BE(p);
      if (method === 0 && !baseSize && off >= metaEnd) ilocBytes.writeUInt32BE(off + delta, p);
      p += offsetSize + lengthSize;
    }
    if (method === 0 && baseSize && base >= metaEnd) ilocBytes.writeUInt32BE(base + delta, baseAt);
  }
  const newMeta = Buffer.concat([
    b.subarray(meta.at, meta.at + 12),
    ...inMeta.map((c) =>
      c === iprp ? box('iprp', newIprp) : c === iloc ? ilocBytes : b.subarray(c.at, c.at + c.size),
    ),
  ]);
  newMeta.writeUInt32BE(newMeta.length);
  return new Uint8Array(Buffer.concat([b.subarray(0, meta.at), newMeta, b.subarray(metaEnd)]));
}
