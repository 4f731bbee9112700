/** A loaded model of a known role: contract-checked at creation, run with plain Float32 tensors. */
import type * as OrtTypes from 'onnxruntime-web';
import { checkContract, type ModelRole, type SessionSignature } from './contracts';
import {
  createOrtSession,
  type HostTensor,
  type RuntimeReport,
  runOrtSession,
  type SessionOptions,
} from './runtime';

export interface ModelSessionOptions extends SessionOptions {
  /** Manifest dims used to check fixed sizes against the contract. */
  dims?: Record<string, number>;
  /** Model id for messages. */
  id?: string;
}

export class ModelSession {
  /** Milliseconds of the last run() (feeds in, outputs on the CPU). */
  lastRunMs = 0;
  private released = false;

  private constructor(
    private readonly session: OrtTypes.InferenceSession,
    readonly role: ModelRole,
    readonly id: string,
    readonly runtime: RuntimeReport,
  ) {}

  /** Creates the session (WebGPU EP on `options.device` when possible) and checks the role's contract. */
  static async create(
    model: Uint8Array,
    role: ModelRole,
    options: ModelSessionOptions = {},
  ): Promise<ModelSession> {
    const id = options.id ?? role;
    const { session, report } = await createOrtSession(model, { ...options, label: `${role} model '${id}'` });
    try {
      checkContract(session as SessionSignature, role, options.dims ?? {});
    } catch (err) {
      await session.release();
      throw err;
    }
    return new ModelSession(session, role, id, report);
  }

  get signature(): SessionSignature {
    return this.session as SessionSignature;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    if (this.released) throw new Error(`${this.role} model '${this.id}' was released`);
    const t0 = performance.now();
    const out = await runOrtSession(this.session, feeds, `${this.role} model '${this.id}'`);
    this.lastRunMs = performance.now() - t0;
    return out;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
