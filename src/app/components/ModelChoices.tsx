import { formatBytes, modelBytes, modelLabel, modelOffer, useModelsManifest } from '../models';
import { type RunSettings, useStudio } from '../store';

const CLASSICAL = 'GPU feature matching, plane-sweep stereo, and warp-and-fill view synthesis';

/**
 * The advanced panel's model choices: per stage, the classical default or a model the manifest lists
 * (name, role, size). What actually ran is shown per stage after the run (RunPanel).
 */
export function ModelChoices({ disabled }: { disabled: boolean }) {
  const settings = useStudio((s) => s.settings);
  const state = useModelsManifest();
  const set = (patch: Partial<RunSettings>) =>
    useStudio.setState((s) => ({ settings: { ...s.settings, ...patch } }));

  if (state.status === 'loading')
    return (
      <div className="small" data-testid="models">
        Reading the model manifest…
      </div>
    );
  if (state.status === 'failed' || !state.manifest) {
    return (
      <div className="small" data-testid="models">
        The model manifest could not be read ({state.error}): the classical default runs — {CLASSICAL}.
      </div>
    );
  }
  const manifest = state.manifest;
  if (manifest.models.length === 0) {
    return (
      <div className="small" data-testid="models">
        No neural models are installed (public/models/manifest.json lists none): the classical default runs —{' '}
        {CLASSICAL}.
      </div>
    );
  }
  const offer = modelOffer(manifest);
  const geometryChoice =
    settings.geometry === 'pointmap' ? (settings.geometryModel ?? offer.pointmap[0]?.id) : '';
  const diffusionTotal = offer.diffusion.models.reduce((s, m) => s + modelBytes(m), 0);
  const diffusionOk = offer.diffusion.missing.length === 0;

  return (
    <fieldset className="model-choices" data-testid="models" disabled={disabled}>
      <legend>Models</legend>
      <div className="model-group" data-testid="geometry-choices">
        <div>Cameras and depth</div>
        <label>
          <input
            type="radio"
            name="geometry-method"
            checked={geometryChoice === ''}
            onChange={() => set({ geometry: 'classical', geometryModel: undefined })}
            data-testid="geometry-classical"
          />{' '}
          Classical default <span className="small">(features + stereo, no weights)</span>
        </label>
        {offer.pointmap.map((m) => (
          <label key={m.id}>
            <input
              type="radio"
              name="geometry-method"
              checked={geometryChoice === m.id}
              onChange={() => set({ geometry: 'pointmap', geometryModel: m.id })}
              data-testid={`geometry-model-${m.id}`}
            />{' '}
            {modelLabel(m)} <span className="small">· pointmap · {formatBytes(modelBytes(m))}</span>
          </label>
        ))}
        {offer.pointmap.length === 0 && <div className="small">No pointmap model is listed.</div>}
      </div>
      <div className="model-group" data-testid="synthesis-choices">
        <div>New views</div>
        <label>
          <input
            type="radio"
            name="synthesis-method"
            checked={settings.synthesisMethod !== 'diffusion'}
            onChange={() => set({ synthesisMethod: 'warp-fill' })}
            data-testid="synthesis-warp-fill"
          />{' '}
          Classical default <span className="small">(warp-and-fill, no weights)</span>
        </label>
        {offer.diffusion.models.length > 0 && (
          <label>
            <input
              type="radio"
              name="synthesis-method"
              checked={settings.synthesisMethod === 'diffusion'}
              disabled={!diffusionOk}
              onChange={() => set({ synthesisMethod: 'diffusion' })}
              data-testid="synthesis-diffusion"
            />{' '}
            Video diffusion{' '}
            <span className="small">
              · {formatBytes(diffusionTotal)} in all
              {!diffusionOk && ` — unavailable: no ${offer.diffusion.missing.join(', ')} model listed`}
            </span>
            <ul className="model-list small">
              {offer.diffusion.models.map((m) => (
                <li key={m.id}>
                  {modelLabel(m)} · {m.role} · {formatBytes(modelBytes(m))}
                </li>
              ))}
            </ul>
          </label>
        )}
        {settings.synthesisMethod === 'diffusion' && (
          <label>
            Sampling steps{' '}
            <input
              type="number"
              min={1}
              max={1000}
              placeholder={String(offer.diffusion.sampleSteps ?? 'manifest')}
              value={settings.samplerSteps ?? ''}
              onChange={(e) =>
                set({ samplerSteps: e.target.value.trim() === '' ? undefined : Number(e.target.value) })
              }
              data-testid="sampler-steps"
            />
          </label>
        )}
        {!settings.synthesis && <div className="small">View synthesis is switched off above.</div>}
      </div>
      {offer.unused.length > 0 && (
        <div className="small">
          Not used by this version: {offer.unused.map((m) => `${modelLabel(m)} (${m.role})`).join(', ')}.
        </div>
      )}
      <div className="small">
        Model files are verified (size, SHA-256, input/output contract) when a run loads them. A model that is
        missing or does not match is skipped with a warning, and the classical default runs instead.
      </div>
    </fieldset>
  );
}
