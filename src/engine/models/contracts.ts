/**
 * ONNX contracts (v1) per model role, from DESIGN.md: names, ranks, dtypes and symbolic dims. Sizes
 * come from the manifest (`dims`); a symbolic dim in the model itself is always accepted.
 */
import { ModelError } from './errors';

export const CONTRACT_VERSION = 1;

export type ModelRole =
  | 'pointmap'
  | 'video-unet'
  | 'vae-encoder'
  | 'vae-decoder'
  | 'image-encoder'
  | 'structure-encoder'
  | 'lpips'
  | 'keypoints';

export type TensorDType = 'float32' | 'float16' | 'int64' | 'int32';

/** A dim: a fixed size, a manifest symbol ('H'), or k*SYMBOL / SYMBOL/k ('2*C', 'H/8', '8*h'). */
export type DimSpec = number | string;

export interface TensorContract {
  name: string;
  dtype: TensorDType;
  dims: DimSpec[];
  optional?: boolean;
}

export interface RoleContract {
  role: ModelRole;
  version: number;
  inputs: TensorContract[];
  outputs: TensorContract[];
}

const f32 = (name: string, dims: DimSpec[], optional = false): TensorContract => ({
  name,
  dtype: 'float32',
  dims,
  optional,
});

export const CONTRACTS: Record<ModelRole, RoleContract> = {
  pointmap: {
    role: 'pointmap',
    version: 1,
    inputs: [f32('img1', [1, 3, 'H', 'W']), f32('img2', [1, 3, 'H', 'W'])],
    outputs: [
      f32('pts3d_1', [1, 'H', 'W', 3]),
      f32('conf_1', [1, 'H', 'W']),
      f32('pts3d_2', [1, 'H', 'W', 3]),
      f32('conf_2', [1, 'H', 'W']),
    ],
  },
  'video-unet': {
    role: 'video-unet',
    version: 1,
    inputs: [
      f32('x', [1, '2*C', 'T', 'h', 'w']),
      f32('timesteps', [1]),
      f32('context', [1, 'L', 'D']),
      f32('fs', [1]),
      f32('structure', [1, 'S', 'D'], true),
      // SpatialCrafter-style camera conditioning: Plücker rays (o × d, d) per latent pixel, method.md §6.
      f32('plucker', [1, 6, 'T', 'h', 'w'], true),
    ],
    outputs: [f32('v', [1, 'C', 'T', 'h', 'w'])],
  },
  'vae-encoder': {
    role: 'vae-encoder',
    version: 1,
    inputs: [f32('image', ['N', 3, 'H', 'W'])],
    outputs: [f32('moments', ['N', '2*C', 'H/8', 'W/8'])],
  },
  'vae-decoder': {
    role: 'vae-decoder',
    version: 1,
    inputs: [f32('latent', ['N', 'C', 'h', 'w'])],
    outputs: [f32('image', ['N', 3, '8*h', '8*w'])],
  },
  'image-encoder': {
    role: 'image-encoder',
    version: 1,
    inputs: [f32('image', [1, 3, 224, 224])],
    outputs: [f32('tokens', [1, 'Lp', 'D'])],
  },
  'structure-encoder': {
    role: 'structure-encoder',
    version: 1,
    inputs: [f32('points', [1, 'P', 6])],
    outputs: [f32('tokens', [1, 'S', 'D'])],
  },
  lpips: {
    role: 'lpips',
    version: 1,
    inputs: [f32('a', ['N', 3, 'H', 'W']), f32('b', ['N', 3, 'H', 'W'])],
    outputs: [f32('distance', ['N'])],
  },
  // Not in DESIGN.md's v1 table: the XFeat export published by verlab/accelerated_features
  // (dense descriptors, 65-way keypoint logits, reliability, all at 1/8 resolution).
  keypoints: {
    role: 'keypoints',
    version: 1,
    inputs: [f32('input', [1, 3, 'H', 'W'])],
    outputs: [
      f32('output', [1, 64, 'H/8', 'W/8']),
      f32('1266', [1, 65, 'H/8', 'W/8']),
      f32('266', [1, 1, 'H/8', 'W/8']),
    ],
  },
};

/** What checkContract needs from a session: ORT's InferenceSession.ValueMetadata, structurally. */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface SessionSignature {
  inputMetadata: readonly ValueInfo[];
  outputMetadata: readonly ValueInfo[];
}

/** Resolves a DimSpec against the manifest's dims; null when a symbol is not given. */
export function resolveDim(spec: DimSpec, dims: Record<string, number>): number | null {
  if (typeof spec === 'number') return spec;
  const mul = /^(\d+)\*(\w+)$/.exec(spec);
  if (mul) return dims[mul[2]] === undefined ? null : Number(mul[1]) * dims[mul[2]];
  const div = /^(\w+)\/(\d+)$/.exec(spec);
  if (div) return dims[div[1]] === undefined ? null : dims[div[1]] / Number(div[2]);
  return dims[spec] ?? null;
}

function fmtShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

/**
 * Every way a session's signature differs from the role's contract, one phrase each ("input 'img2'
 * missing", "output 'conf_1' has rank 4, expected 3"). Empty when it conforms.
 */
export function contractMismatches(
  signature: SessionSignature,
  role: ModelRole,
  dims: Record<string, number> = {},
): string[] {
  const contract = CONTRACTS[role];
  const problems: string[] = [];
  const check = (kind: 'input' | 'output', expected: TensorContract[], actual: readonly ValueInfo[]) => {
    const byName = new Map(actual.map((v) => [v.name, v]));
    for (const want of expected) {
      const got = byName.get(want.name);
      if (!got) {
        if (!want.optional) problems.push(`${kind} '${want.name}' missing`);
        continue;
      }
      if (!got.isTensor) {
        problems.push(`${kind} '${want.name}' is not a tensor`);
        continue;
      }
      if (got.type !== undefined && got.type !== want.dtype) {
        problems.push(`${kind} '${want.name}' has dtype ${got.type}, expected ${want.dtype}`);
      }
      // ORT reports an unknown shape as []; no contract tensor is a scalar, so [] means "unknown".
      const shape = got.shape ?? [];
      if (shape.length === 0) continue;
      if (shape.length !== want.dims.length) {
        problems.push(
          `${kind} '${want.name}' has rank ${shape.length}, expected ${want.dims.length} ${fmtShape(want.dims)}`,
        );
        continue;
      }
      want.dims.forEach((spec, axis) => {
        const have = shape[axis];
        const need = resolveDim(spec, dims);
        if (typeof have === 'number' && have >= 0 && need !== null && have !== need) {
          problems.push(
            `${kind} '${want.name}' has size ${have} on axis ${axis}, expected ${need} (${spec})`,
          );
        }
      });
    }
    const known = new Set(expected.map((t) => t.name));
    for (const v of actual) {
      // An extra input would have to be fed; an extra output is only wasted work, so it is allowed.
      if (kind === 'input' && !known.has(v.name)) problems.push(`unexpected input '${v.name}'`);
    }
  };
  check('input', contract.inputs, signature.inputMetadata);
  check('output', contract.outputs, signature.outputMetadata);
  return problems;
}

/** Throws a ModelError naming every mismatch, e.g. "pointmap model: input 'img2' missing; …". */
export function checkContract(
  signature: SessionSignature,
  role: ModelRole,
  dims: Record<string, number> = {},
): void {
  const problems = contractMismatches(signature, role, dims);
  if (problems.length > 0) {
    throw new ModelError('contract-mismatch', `${role} model: ${problems.join('; ')}`, { role, problems });
  }
}
