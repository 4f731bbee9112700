/**
 * Minimal JPEG EXIF reader/writer: orientation and what is needed for a focal-length prior. The reader is
 * defensive — every read is bounds-checked, IFD loops are cut, and malformed data yields the fields read
 * so far instead of an exception (photos from the wild carry broken EXIF surprisingly often).
 */

export interface ExifData {
  /** 1–8 (EXIF 0x0112); absent when missing or out of range. */
  orientation?: number;
  make?: string;
  model?: string;
  /** Lens focal length in mm (0x920A). */
  focalLength?: number;
  /** 35 mm-equivalent focal length in mm (0xA405). */
  focal35?: number;
  /** Pixels per resolution unit on the focal plane (0xA20E / 0xA20F). */
  focalPlaneXResolution?: number;
  focalPlaneYResolution?: number;
  /** 2 = inch (default), 3 = cm, 4 = mm, 5 = µm (0xA210). */
  focalPlaneResolutionUnit?: number;
  /** Image size the camera recorded (0xA002 / 0xA003). */
  pixelXDimension?: number;
  pixelYDimension?: number;
  byteOrder?: 'II' | 'MM';
}

const TAG = {
  make: 0x010f,
  model: 0x0110,
  orientation: 0x0112,
  exifIfd: 0x8769,
  focalLength: 0x920a,
  focal35: 0xa405,
  fpXRes: 0xa20e,
  fpYRes: 0xa20f,
  fpUnit: 0xa210,
  pixelX: 0xa002,
  pixelY: 0xa003,
} as const;

/** Bytes per component of each TIFF field type (1-based index). */
const TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];

const MAX_IFD_ENTRIES = 1000;

class Tiff {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(o: number, n: number): boolean {
    return Number.isInteger(o) && o >= 0 && o + n <= this.bytes.length;
  }
  u16(o: number): number | undefined {
    return this.has(o, 2) ? this.view.getUint16(o, this.little) : undefined;
  }
  u32(o: number): number | undefined {
    return this.has(o, 4) ? this.view.getUint32(o, this.little) : undefined;
  }
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the value bytes (inline or pointed to). */
  valueOffset: number;
}

function readIfd(t: Tiff, offset: number): { entries: Entry[]; next: number | undefined } {
  const n = t.u16(offset);
  const entries: Entry[] = [];
  if (n === undefined) return { entries, next: undefined };
  for (let i = 0; i < Math.min(n, MAX_IFD_ENTRIES); i++) {
    const e = offset + 2 + i * 12;
    const tag = t.u16(e);
    const type = t.u16(e + 2);
    const count = t.u32(e + 4);
    if (tag === undefined || type === undefined || count === undefined) break; // truncated IFD
    const size = (TYPE_BYTES[type] ?? 0) * count;
    const valueOffset = size <= 4 ? e + 8 : (t.u32(e + 8) ?? -1);
    entries.push({ tag, type, count, valueOffset });
  }
  return { entries, next: t.u32(offset + 2 + n * 12) };
}

/** First numeric value of an entry, or undefined when its type/offset is unusable. */
function number(t: Tiff, e: Entry): number | undefined {
  if (e.count < 1) return undefined;
  const o = e.valueOffset;
  switch (e.type) {
    case 1:
    case 7:
      return t.has(o, 1) ? t.bytes[o] : undefined;
    case 3:
      return t.u16(o);
    case 4:
      return t.u32(o);
    case 9:
      return t.has(o, 4) ? t.view.getInt32(o, t.little) : undefined;
    case 5:
    case 10: {
      if (!t.has(o, 8)) return undefined;
      const signed = e.type === 10;
      const num = signed ? t.view.getInt32(o, t.little) : t.view.getUint32(o, t.little);
      const den = signed ? t.view.getInt32(o + 4, t.little) : t.view.getUint32(o + 4, t.little);
      return den === 0 ? undefined : num / den;
    }
    case 11:
      return t.has(o, 4) ? t.view.getFloat32(o, t.little) : undefined;
    case 12:
      return t.has(o, 8) ? t.view.getFloat64(o, t.little) : undefined;
    default:
      return undefined;
  }
}

function ascii(t: Tiff, e: Entry): string | undefined {
  if (e.type !== 2 || e.count < 1 || !t.has(e.valueOffset, 1)) return undefined;
  const end = Math.min(e.valueOffset + e.count, t.bytes.length);
  let s = '';
  for (let i = e.valueOffset; i < end && t.bytes[i] !== 0; i++) s += String.fromCharCode(t.bytes[i]);
  s = s.trim();
  return s === '' ? undefined : s;
}

const positive = (v: number | undefined): number | undefined =>
  v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;

/** Parses a TIFF-structured EXIF block (starting at "II*\0" or "MM\0*"). Never throws. */
export function parseTiffExif(tiff: Uint8Array): ExifData {
  const out: ExifData = {};
  try {
    if (tiff.length < 8) return out;
    const order = String.fromCharCode(tiff[0], tiff[1]);
    if (order !== 'II' && order !== 'MM') return out;
    const t = new Tiff(tiff, order === 'II');
    if (t.u16(2) !== 42) return out;
    out.byteOrder = order;
    const visited = new Set<number>();
    const ifd0 = t.u32(4);
    if (ifd0 === undefined) return out;
    visited.add(ifd0);
    let exifOffset: number | undefined;
    for (const e of readIfd(t, ifd0).entries) {
      if (e.tag === TAG.orientation) {
        const o = number(t, e);
        if (o !== undefined && o >= 1 && o <= 8) out.orientation = o;
      } else if (e.tag === TAG.make) out.make = ascii(t, e);
      else if (e.tag === TAG.model) out.model = ascii(t, e);
      else if (e.tag === TAG.exifIfd) exifOffset = number(t, e);
    }
    if (out.make === undefined) delete out.make;
    if (out.model === undefined) delete out.model;
    if (exifOffset === undefined || visited.has(exifOffset)) return out;
    const set = (key: keyof ExifData, v: number | undefined): void => {
      if (v !== undefined) (out as Record<string, unknown>)[key] = v;
    };
    for (const e of readIfd(t, exifOffset).entries) {
      switch (e.tag) {
        case TAG.focalLength:
          set('focalLength', positive(number(t, e)));
          break;
        case TAG.focal35:
          set('focal35', positive(number(t, e)));
          break;
        case TAG.fpXRes:
          set('focalPlaneXResolution', positive(number(t, e)));
          break;
        case TAG.fpYRes:
          set('focalPlaneYResolution', positive(number(t, e)));
          break;
        case TAG.fpUnit:
          set('focalPlaneResolutionUnit', positive(number(t, e)));
          break;
        case TAG.pixelX:
          set('pixelXDimension', positive(number(t, e)));
          break;
        case TAG.pixelY:
          set('pixelYDimension', positive(number(t, e)));
          break;
      }
    }
  } catch {
    // Defensive: a bug or an exotic layout must never break image loading; keep what was read.
  }
  return out;
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

interface Segment {
  marker: number;
  /** Offset of the marker's 0xFF. */
  start: number;
  /** Offset just past the segment (clipped to the file). */
  end: number;
  /** Payload after the 2-byte length. */
  payload: Uint8Array;
}

/** Header segments of a JPEG up to SOS; stops quietly at the first malformed byte. */
function jpegSegments(jpeg: Uint8Array): Segment[] {
  const segs: Segment[] = [];
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return segs;
  let o = 2;
  while (o + 1 < jpeg.length) {
    if (jpeg[o] !== 0xff) break;
    let m = o + 1;
    while (m < jpeg.length && jpeg[m] === 0xff) m++; // fill bytes
    if (m >= jpeg.length) break;
    const marker = jpeg[m];
    if (marker === 0xd9 || marker === 0xda) break; // EOI / start of scan: no more metadata
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o = m + 1;
      continue;
    }
    if (m + 2 >= jpeg.length) break;
    const len = (jpeg[m + 1] << 8) | jpeg[m + 2];
    if (len < 2) break;
    const end = Math.min(m + 1 + len, jpeg.length);
    segs.push({ marker, start: o, end, payload: jpeg.subarray(m + 3, end) });
    o = m + 1 + len;
  }
  return segs;
}

const isExifPayload = (p: Uint8Array): boolean => EXIF_HEADER.every((b, i) => p[i] === b);

/** EXIF of a JPEG file (first APP1 "Exif" segment); `{}` when absent or unreadable. Never throws. */
export function readJpegExif(jpeg: Uint8Array): ExifData {
  try {
    for (const s of jpegSegments(jpeg)) {
      if (s.marker === 0xe1 && isExifPayload(s.payload)) return parseTiffExif(s.payload.subarray(6));
    }
  } catch {
    // fall through
  }
  return {};
}

const MM_PER_UNIT: Record<number, number> = { 2: 25.4, 3: 10, 4: 1, 5: 0.001 };
const DIAG_35MM = Math.hypot(36, 24);

/**
 * Focal length in pixels for an image of `width`×`height` (as used, after any resize or rotation), or null.
 * Prefers the 35 mm equivalent (diagonal-based, which is how cameras compute it); otherwise uses the
 * lens focal length and the focal-plane resolution, rescaled when the image is not at the recorded size.
 */
export function focalPriorPx(exif: ExifData, width: number, height: number): number | null {
  if (!(width > 0 && height > 0)) return null;
  if (exif.focal35 && exif.focal35 > 0) return (exif.focal35 / DIAG_35MM) * Math.hypot(width, height);
  const f = exif.focalLength;
  const res = exif.focalPlaneXResolution;
  const mmPerUnit = MM_PER_UNIT[exif.focalPlaneResolutionUnit ?? 2];
  if (!f || !res || !mmPerUnit) return null;
  let fPx = (f * res) / mmPerUnit;
  const px = exif.pixelXDimension;
  const py = exif.pixelYDimension;
  // Focal-plane resolution refers to the recorded image; rotation-invariant rescale by the long side.
  if (px && py) fPx *= Math.max(width, height) / Math.max(px, py);
  else if (px) fPx *= Math.max(width, height) / px;
  return Number.isFinite(fPx) && fPx > 0 ? fPx : null;
}

export interface ExifWriteFields {
  orientation?: number;
  /** mm */
  focalLength?: number;
  /** mm, 35 mm equivalent (stored as an integer SHORT per the spec). */
  focal35?: number;
  focalPlaneXResolution?: number;
  focalPlaneResolutionUnit?: number;
  pixelXDimension?: number;
  pixelYDimension?: number;
  make?: string;
  /** Byte order of the TIFF block; default 'II' (little-endian). */
  byteOrder?: 'II' | 'MM';
}

interface OutEntry {
  tag: number;
  type: number;
  count: number;
  /** Value bytes (already in the target byte order). */
  data: Uint8Array;
}

function encodeEntries(fields: ExifWriteFields, little: boolean): { ifd0: OutEntry[]; exif: OutEntry[] } {
  const u16 = (v: number): Uint8Array => {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, little);
    return b;
  };
  const u32 = (v: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, little);
    return b;
  };
  const rational = (v: number): Uint8Array => {
    const den = 10000;
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, Math.round(v * den), little);
    dv.setUint32(4, den, little);
    return b;
  };
  const ifd0: OutEntry[] = [];
  const exif: OutEntry[] = [];
  if (fields.make !== undefined) {
    const s = new TextEncoder().encode(`${fields.make}\0`);
    ifd0.push({ tag: TAG.make, type: 2, count: s.length, data: s });
  }
  if (fields.orientation !== undefined) {
    ifd0.push({ tag: TAG.orientation, type: 3, count: 1, data: u16(fields.orientation) });
  }
  if (fields.pixelXDimension !== undefined) {
    exif.push({ tag: TAG.pixelX, type: 4, count: 1, data: u32(fields.pixelXDimension) });
  }
  if (fields.pixelYDimension !== undefined) {
    exif.push({ tag: TAG.pixelY, type: 4, count: 1, data: u32(fields.pixelYDimension) });
  }
  if (fields.focalLength !== undefined) {
    exif.push({ tag: TAG.focalLength, type: 5, count: 1, data: rational(fields.focalLength) });
  }
  if (fields.focalPlaneXResolution !== undefined) {
    exif.push({ tag: TAG.fpXRes, type: 5, count: 1, data: rational(fields.focalPlaneXResolution) });
  }
  if (fields.focalPlaneResolutionUnit !== undefined) {
    exif.push({ tag: TAG.fpUnit, type: 3, count: 1, data: u16(fields.focalPlaneResolutionUnit) });
  }
  if (fields.focal35 !== undefined) {
    exif.push({ tag: TAG.focal35, type: 3, count: 1, data: u16(Math.round(fields.focal35)) });
  }
  return { ifd0, exif };
}

/** Lays out one IFD at `at`, its out-of-line values after it; returns the bytes consumed. */
function layoutIfd(
  dv: DataView,
  bytes: Uint8Array,
  at: number,
  entries: OutEntry[],
  little: boolean,
): number {
  entries.sort((a, b) => a.tag - b.tag); // TIFF requires ascending tags
  dv.setUint16(at, entries.length, little);
  let extra = at + 2 + entries.length * 12 + 4;
  entries.forEach((e, i) => {
    const o = at + 2 + i * 12;
    dv.setUint16(o, e.tag, little);
    dv.setUint16(o + 2, e.type, little);
    dv.setUint32(o + 4, e.count, little);
    if (e.data.length <= 4) bytes.set(e.data, o + 8);
    else {
      dv.setUint32(o + 8, extra, little);
      bytes.set(e.data, extra);
      extra += e.data.length + (e.data.length & 1); // word-align values
    }
  });
  dv.setUint32(at + 2 + entries.length * 12, 0, little); // no next IFD
  return extra - at;
}

const ifdSize = (entries: OutEntry[]): number =>
  2 +
  entries.length * 12 +
  4 +
  entries.reduce((s, e) => s + (e.data.length > 4 ? e.data.length + (e.data.length & 1) : 0), 0);

/** The TIFF block of an EXIF segment holding `fields`. */
export function buildTiffExif(fields: ExifWriteFields): Uint8Array {
  const little = (fields.byteOrder ?? 'II') === 'II';
  const { ifd0, exif } = encodeEntries(fields, little);
  const withExif = exif.length > 0;
  // The ExifIFD pointer's value is known once IFD0's size is; the entry takes the same room either way.
  if (withExif) ifd0.push({ tag: TAG.exifIfd, type: 4, count: 1, data: new Uint8Array(4) });
  const ifd0Bytes = ifdSize(ifd0);
  const total = 8 + ifd0Bytes + (withExif ? ifdSize(exif) : 0);
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  bytes[0] = bytes[1] = little ? 0x49 : 0x4d;
  dv.setUint16(2, 42, little);
  dv.setUint32(4, 8, little);
  const exifAt = 8 + ifd0Bytes;
  if (withExif) new DataView(ifd0[ifd0.length - 1].data.buffer).setUint32(0, exifAt, little);
  layoutIfd(dv, bytes, 8, ifd0, little);
  if (withExif) layoutIfd(dv, bytes, exifAt, exif, little);
  return bytes;
}

/**
 * Returns a copy of `jpeg` with an APP1 EXIF segment holding `fields` (any existing EXIF APP1 is dropped).
 * The segment goes after SOI and a leading JFIF APP0. Throws only when `jpeg` is not a JPEG.
 */
export function writeExifJpeg(jpeg: Uint8Array, fields: ExifWriteFields): Uint8Array {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
    throw new Error('writeExifJpeg: input is not a JPEG (no SOI marker)');
  }
  const tiff = buildTiffExif(fields);
  const len = 2 + EXIF_HEADER.length + tiff.length;
  if (len > 0xffff) throw new Error('writeExifJpeg: EXIF block too large');
  const app1 = new Uint8Array(2 + len);
  app1.set([0xff, 0xe1, len >> 8, len & 0xff, ...EXIF_HEADER]);
  app1.set(tiff, 4 + EXIF_HEADER.length);
  const segs = jpegSegments(jpeg);
  const drop = segs.filter((s) => s.marker === 0xe1 && isExifPayload(s.payload));
  let insertAt = 2;
  if (segs[0]?.marker === 0xe0) insertAt = segs[0].end;
  const parts: Uint8Array[] = [jpeg.subarray(0, insertAt), app1];
  let o = insertAt;
  for (const s of drop) {
    if (s.start < o) continue;
    parts.push(jpeg.subarray(o, s.start));
    o = s.end;
  }
  parts.push(jpeg.subarray(o));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let w = 0;
  for (const p of parts) {
    out.set(p, w);
    w += p.length;
  }
  return out;
}
