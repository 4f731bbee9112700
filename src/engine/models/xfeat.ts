/**
 * XFeat as an alternative matcher front-end: the `keypoints` role (the published XFeat ONNX export,
 * input `input` [1,3,S,S] RGB in [0,1], S = 640 for ../shared/models/xfeat.onnx) run through the same
 * session code as every model, decoded into the `Features` the GPU extractor produces, so the
 * matcher and pose stages take either.
 */
import type { RgbaImage } from '../geometry/features/types';
import { resizeImage } from '../io/image';
import { ModelError } from './errors';
import type { SessionOptions } from './runtime';
import { ModelSession } from './session';
import { decodeXFeat, type Letterbox, type XFeatDecodeOptions, type XFeatFeatures } from './xfeat-decode';

export interface XFeatTimings {
  preprocessMs: number;
  inferenceMs: number;
  decodeMs: number;
}

/** The image resized (aspect kept, long side = size) into the top-left of a size×size RGB [0,1] tensor. */
export function letterbox(image: RgbaImage, size: number): { tensor: Float32Array; box: Letterbox } {
  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.min(size, Math.round(image.width * scale)));
  const height = Math.max(1, Math.min(size, Math.round(image.height * scale)));
  const resized = resizeImage(image, width, height);
  const plane = size * size;
  const tensor = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 4;
      const dst = y * size + x;
      tensor[dst] = resized.data[src] / 255;
      tensor[plane + dst] = resized.data[src + 1] / 255;
      tensor[2 * plane + dst] = resized.data[src + 2] / 255;
    }
  }
  // Per-axis scales: the rounding of the resized size makes them differ slightly from `scale`.
  const box = {
    scaleX: width / image.width,
    scaleY: height / image.height,
    width,
    height,
    imageWidth: image.width,
    imageHeight: image.height,
  };
  return { tensor, box };
}

export class XFeat {
  lastTimings: XFeatTimings = { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 };

  private constructor(
    readonly session: ModelSession,
    /** Network input edge in pixels. */
    readonly size: number,
  ) {}

  /** From the model bytes (contract `keypoints`); `inputSize` must match the export (640 for the shared one). */
  static async create(
    model: Uint8Array,
    options: SessionOptions & { inputSize?: number } = {},
  ): Promise<XFeat> {
    const size = options.inputSize ?? 640;
    const session = await ModelSession.create(model, 'keypoints', {
      ...options,
      dims: { H: size, W: size },
      id: 'xfeat',
    });
    return new XFeat(session, size);
  }

  static fromSession(session: ModelSession, size = 640): XFeat {
    if (session.role !== 'keypoints') {
      throw new ModelError('contract-mismatch', `XFeat needs a keypoints model, got a ${session.role} model`);
    }
    return new XFeat(session, size);
  }

  async extract(image: RgbaImage, options: XFeatDecodeOptions = {}): Promise<XFeatFeatures> {
    const t0 = performance.now();
    const { tensor, box } = letterbox(image, this.size);
    const t1 = performance.now();
    const out = await this.session.run({ input: { data: tensor, dims: [1, 3, this.size, this.size] } });
    const t2 = performance.now();
    const h = this.size / 8;
    const features = decodeXFeat(
      { descriptors: out.output.data, logits: out['1266'].data, reliability: out['266'].data, h, w: h },
      box,
      options,
    );
    this.lastTimings = { preprocessMs: t1 - t0, inferenceMs: t2 - t1, decodeMs: performance.now() - t2 };
    return features;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
