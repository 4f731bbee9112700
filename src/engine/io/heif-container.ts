/**
 * A small, defensive reader of the HEIF (ISO-BMFF) container around a HEIC photo: the primary item's
 * transformative properties (irot, imir — libheif applies them when it decodes) and the EXIF item's TIFF
 * block (focal length, make, model; the EXIF orientation tag in a HEIF file is informational only: the
 * HEIF/MIAF rule is that irot/imir govern display, which is what libheif and Safari do).
 * Pure TypeScript, no decoder needed; malformed input yields what was read so far, never an exception.
 */

export interface HeifTransform {
  /** 'irot': rotation by angle × 90° counter-clockwise (0–3). */
  rotateCcw?: number;
  /** 'imir': the raw axis bit (0 or 1). */
  mirrorAxis?: number;
}

export interface HeifContainerInfo {
  /** Primary item ID (pitm), when present. */
  primaryId?: number;
  /** Transformative properties of the primary item in association order (the order they apply in). */
  transforms: HeifTransform[];
  /** TIFF block of the first EXIF item (starts at "II*\0" or "MM\0*"), when present and in the file. */
  exifTiff?: Uint8Array;
}

interface Box {
  type: string;
  /** Offset of the payload (after size, type and any 64-bit size). */
  start: number;
  end: number;
}

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  ok(o: number, n: number): boolean {
    return o >= 0 && o + n <= this.bytes.length;
  }
  u8(o: number): number {
    return this.bytes[o];
  }
  u16(o: number): number {
    return this.view.getUint16(o);
  }
  u32(o: number): number {
    return this.view.getUint32(o);
  }
  /** Unsigned big-endian integer of 0, 4 or 8 bytes (8-byte values above 2^53 lose precision; harmless). */
  uint(o: number, n: number): number {
    if (n === 0) return 0;
    if (n === 4) return this.u32(o);
    if (n === 8) return this.u32(o) * 2 ** 32 + this.u32(o + 4);
    if (n === 2) return this.u16(o);
    throw new RangeError(`field size ${n}`);
  }
  fourcc(o: number): string {
    return String.fromCharCode(this.bytes[o], this.bytes[o + 1], this.bytes[o + 2], this.bytes[o + 3]);
  }
  /** Child boxes of [from, to); stops at the first box that does not fit. */
  boxes(from: number, to: number): Box[] {
    const out: Box[] = [];
    let o = from;
    while (this.ok(o, 8) && o + 8 <= to) {
      let size = this.u32(o);
      const type = this.fourcc(o + 4);
      let start = o + 8;
      if (size === 1) {
        if (!this.ok(o, 16)) break;
        size = this.uint(o + 8, 8);
        start = o + 16;
      } else if (size === 0) size = to - o;
      const end = o + size;
      if (size < start - o || end > to) break;
      out.push({ type, start, end });
      o = end;
    }
    return out;
  }
}

const find = (boxes: Box[], type: string): Box | undefined => boxes.find((b) => b.type === type);

/** iinf: item ID → item type. */
function itemTypes(r: Reader, iinf: Box): Map<number, string> {
  const types = new Map<number, string>();
  const version = r.u8(iinf.start);
  const first = iinf.start + 4 + (version === 0 ? 2 : 4);
  for (const infe of r.boxes(first, iinf.end)) {
    if (infe.type !== 'infe' || !r.ok(infe.start, 12)) continue;
    const v = r.u8(infe.start);
    if (v < 2) continue; // version 0/1 entries carry no item type
    const id = v === 2 ? r.u16(infe.start + 4) : r.u32(infe.start + 4);
    const at = infe.start + 4 + (v === 2 ? 2 : 4) + 2;
    if (r.ok(at, 4)) types.set(id, r.fourcc(at));
  }
  return types;
}

interface Extent {
  offset: number;
  length: number;
}

interface Location {
  method: number;
  extents: Extent[];
}

/** iloc: item ID → construction method and absolute extents (base offset added). */
function itemLocations(r: Reader, iloc: Box): Map<number, Location> {
  const out = new Map<number, Location>();
  let o = iloc.start;
  const version = r.u8(o);
  o += 4;
  const offsetSize = r.u8(o) >> 4;
  const lengthSize = r.u8(o) & 15;
  const baseSize = r.u8(o + 1) >> 4;
  const indexSize = version >= 1 ? r.u8(o + 1) & 15 : 0;
  o += 2;
  const count = version < 2 ? r.u16(o) : r.u32(o);
  o += version < 2 ? 2 : 4;
  for (let i = 0; i < count && o < iloc.end; i++) {
    const id = version < 2 ? r.u16(o) : r.u32(o);
    o += version < 2 ? 2 : 4;
    let method = 0;
    if (version >= 1) {
      method = r.u16(o) & 15;
      o += 2;
    }
    o += 2; // data_reference_index
    const base = r.uint(o, baseSize);
    o += baseSize;
    const extentCount = r.u16(o);
    o += 2;
    const extents: Extent[] = [];
    for (let e = 0; e < extentCount; e++) {
      o += indexSize;
      const offset = r.uint(o, offsetSize);
      o += offsetSize;
      const length = r.uint(o, lengthSize);
      o += lengthSize;
      extents.push({ offset: base + offset, length });
    }
    if (o > iloc.end) break;
    out.set(id, { method, extents });
  }
  return out;
}

/** ipma + ipco: the item's associated properties, in association order. */
function itemProperties(r: Reader, ipco: Box, ipma: Box, itemId: number): Box[] {
  const props = r.boxes(ipco.start, ipco.end);
  let o = ipma.start;
  const version = r.u8(o);
  const wide = (r.u8(o + 3) & 1) === 1;
  o += 4;
  const count = r.u32(o);
  o += 4;
  for (let i = 0; i < count && o < ipma.end; i++) {
    const id = version < 1 ? r.u16(o) : r.u32(o);
    o += version < 1 ? 2 : 4;
    const n = r.u8(o);
    o += 1;
    const found: Box[] = [];
    for (let a = 0; a < n; a++) {
      const index = wide ? r.u16(o) & 0x7fff : r.u8(o) & 0x7f;
      o += wide ? 2 : 1;
      if (index > 0 && index <= props.length) found.push(props[index - 1]);
    }
    if (id === itemId) return found;
  }
  return [];
}

/** The bytes of an item stored in the file (construction method 0) or in idat (method 1). */
function itemBytes(r: Reader, loc: Location, idat: Box | undefined): Uint8Array | undefined {
  const base = loc.method === 0 ? 0 : loc.method === 1 && idat ? idat.start : -1;
  if (base < 0) return undefined;
  const parts = loc.extents.map((e) => {
    // A zero length means "to the end of the file" (only meaningful for a single extent).
    const length = e.length === 0 ? r.bytes.length - (base + e.offset) : e.length;
    return r.ok(base + e.offset, length) ? r.bytes.subarray(base + e.offset, base + e.offset + length) : null;
  });
  if (parts.some((p) => p === null)) return undefined;
  if (parts.length === 1) return parts[0] ?? undefined;
  const out = new Uint8Array(parts.reduce((s, p) => s + (p?.length ?? 0), 0));
  let at = 0;
  for (const p of parts) {
    if (!p) continue;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads what the HEIF container says about the primary image. Never throws. */
export function readHeifContainer(bytes: Uint8Array): HeifContainerInfo {
  const info: HeifContainerInfo = { transforms: [] };
  try {
    const r = new Reader(bytes);
    const meta = find(r.boxes(0, bytes.length), 'meta');
    if (!meta) return info;
    const children = r.boxes(meta.start + 4, meta.end); // meta is a FullBox
    const pitm = find(children, 'pitm');
    if (pitm && r.ok(pitm.start, 8)) {
      info.primaryId = r.u8(pitm.start) === 0 ? r.u16(pitm.start + 4) : r.u32(pitm.start + 4);
    }
    const iprp = find(children, 'iprp');
    if (iprp && info.primaryId !== undefined) {
      const inner = r.boxes(iprp.start, iprp.end);
      const ipco = find(inner, 'ipco');
      const ipma = find(inner, 'ipma');
      if (ipco && ipma) {
        for (const p of itemProperties(r, ipco, ipma, info.primaryId)) {
          if (!r.ok(p.start, 1)) continue;
          if (p.type === 'irot') info.transforms.push({ rotateCcw: r.u8(p.start) & 3 });
          else if (p.type === 'imir') info.transforms.push({ mirrorAxis: r.u8(p.start) & 1 });
        }
      }
    }
    const iinf = find(children, 'iinf');
    const iloc = find(children, 'iloc');
    if (iinf && iloc) {
      const exifId = [...itemTypes(r, iinf)].find(([, type]) => type === 'Exif')?.[0];
      const loc = exifId === undefined ? undefined : itemLocations(r, iloc).get(exifId);
      const item = loc && itemBytes(r, loc, find(children, 'idat'));
      // The Exif item: a 4-byte offset to the TIFF header (usually past an "Exif\0\0" prefix), then the data.
      if (item && item.length >= 4) {
        const skip = 4 + new DataView(item.buffer, item.byteOffset, 4).getUint32(0);
        if (skip + 8 <= item.length) info.exifTiff = item.subarray(skip);
      }
    }
  } catch {
    // Bounds errors from a truncated or malformed container: keep what was read.
  }
  return info;
}
