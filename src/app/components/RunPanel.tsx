import type { Preset, StageMethod, StageName } from '../../engine/protocol';
import { cancelRun, startRun } from '../actions';
import { type StageState, useStudio } from '../store';
import { ModelChoices } from './ModelChoices';

const PRESETS: { id: Preset; label: string; note: string }[] = [
  { id: 'fast', label: 'Fast', note: '384 px, 300 steps' },
  { id: 'balanced', label: 'Balanced', note: '512 px, 1000 steps' },
  { id: 'quality', label: 'Quality', note: '768 px, 2000 steps' },
];
const STAGE_LABELS: Record<StageName, string> = {
  geometry: 'Cameras and depth',
  trajectory: 'Camera path',
  synthesis: 'New views',
  optimization: 'Optimising splats',
};

/** How the UI names what a stage ran (never the method asked for, the one that ran). */
const METHOD_LABELS: Record<StageMethod, string> = {
  classical: 'classical (features + stereo)',
  posed: 'given cameras + stereo',
  pointmap: 'pointmap model',
  interpolation: 'interpolated path',
  'warp-fill': 'classical (warp-and-fill)',
  diffusion: 'video diffusion',
  off: 'off',
  '3dgs': 'Gaussian splatting',
};

function ranText(st: StageState): string {
  if (!st.ran) return '';
  const models = st.ran.models?.length ? `: ${st.ran.models.join(', ')}` : '';
  const ep = st.ran.ep ? ` on ${st.ran.ep === 'webgpu' ? 'WebGPU' : 'wasm (CPU)'}` : '';
  const sampled = st.sampler ? `, ${st.sampler.steps} sampling steps` : '';
  return `${METHOD_LABELS[st.ran.method]}${models}${ep}${sampled}`;
}

const seconds = (s?: number): string =>
  s === undefined ? '' : s >= 90 ? `${Math.round(s / 60)} min` : `${Math.max(0, Math.round(s))} s`;

export function RunPanel() {
  const settings = useStudio((s) => s.settings);
  const stages = useStudio((s) => s.stages);
  const live = useStudio((s) => s.live);
  const run = useStudio((s) => s.run);
  const photoCount = useStudio((s) => s.photos.length);
  const running = run.status === 'running';
  const set = (patch: Partial<typeof settings>) =>
    useStudio.setState((s) => ({ settings: { ...s.settings, ...patch } }));
  const num = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));

  return (
    <div className="card" data-testid="run-panel" data-run={run.status}>
      <h2>Reconstruct</h2>
      <fieldset className="presets" disabled={running}>
        {PRESETS.map((p) => (
          <label key={p.id} className={settings.preset === p.id ? 'chosen' : ''}>
            <input
              type="radio"
              name="preset"
              value={p.id}
              checked={settings.preset === p.id}
              onChange={() => set({ preset: p.id })}
            />
            {p.label} <span className="small">{p.note}</span>
          </label>
        ))}
      </fieldset>
      <div className="run-buttons">
        <button type="button" onClick={startRun} disabled={running || photoCount === 0} data-testid="start">
          Start
        </button>
        <button type="button" onClick={cancelRun} disabled={!running || run.cancelling} data-testid="cancel">
          Cancel
        </button>
        <span className="small" data-testid="run-status">
          {run.status === 'idle' ? '' : running && run.cancelling ? 'cancelling…' : run.status}
        </span>
      </div>
      <ul className="stages">
        {(Object.keys(STAGE_LABELS) as StageName[]).map((name) => {
          const st = stages[name];
          return (
            <li
              key={name}
              data-testid={`stage-${name}`}
              data-status={st.status}
              data-method={st.ran?.method ?? ''}
              data-sampler-steps={st.sampler?.steps ?? ''}
            >
              <div className="stage-row">
                <span>{STAGE_LABELS[name]}</span>
                <span className="small">
                  {st.status === 'done'
                    ? `done in ${seconds(st.seconds)}`
                    : st.status === 'running' && !running
                      ? `stopped at ${Math.round(st.fraction * 100)}%`
                      : st.status === 'running'
                        ? `${Math.round(st.fraction * 100)}%${st.etaSeconds !== undefined ? ` · about ${seconds(st.etaSeconds)} left` : ''}`
                        : ''}
                </span>
              </div>
              <progress max={1} value={st.fraction} />
              {st.status === 'running' && st.activity && (
                <div className="small stage-activity" data-testid={`activity-${name}`}>
                  {st.activity}
                </div>
              )}
              {st.ran && (
                <div className="small stage-method" data-testid={`method-${name}`}>
                  ran: {ranText(st)}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <dl className="facts live" data-testid="live">
        <dt>Step</dt>
        <dd data-testid="live-step">{live.step ?? '–'}</dd>
        <dt>Loss</dt>
        <dd>{live.loss !== undefined ? live.loss.toFixed(4) : '–'}</dd>
        <dt>PSNR on inputs</dt>
        <dd>{live.psnr !== undefined ? `${live.psnr.toFixed(2)} dB` : '–'}</dd>
        <dt>Splats</dt>
        <dd data-testid="live-splats">
          {live.splats !== undefined ? live.splats.toLocaleString('en-US') : '–'}
        </dd>
      </dl>
      <details className="advanced">
        <summary>Advanced</summary>
        <label>
          Steps{' '}
          <input
            type="number"
            min={1}
            max={100000}
            placeholder="preset"
            value={settings.steps ?? ''}
            onChange={(e) => set({ steps: num(e.target.value) })}
            data-testid="steps"
          />
        </label>
        <label>
          Working resolution (long side, px){' '}
          <input
            type="number"
            min={64}
            max={2048}
            placeholder="preset"
            value={settings.workingSize ?? ''}
            onChange={(e) => set({ workingSize: num(e.target.value) })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings.synthesis}
            onChange={(e) => set({ synthesis: e.target.checked })}
            data-testid="synthesis"
          />{' '}
          Synthesize extra views <span className="small">(new viewpoints between the photos; slower)</span>
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings.refinePoses ?? false}
            onChange={(e) => set({ refinePoses: e.target.checked })}
            data-testid="refine-poses"
          />{' '}
          Refine camera poses while optimising{' '}
          <span className="small">(corrects small errors of the estimated cameras)</span>
        </label>
        <ModelChoices disabled={running} />
      </details>
    </div>
  );
}
