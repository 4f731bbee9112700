import { download, downloadSaved, openSaved, useSaved } from '../actions';
import { useStudio } from '../store';

export function OutputPanel() {
  const ready = useStudio((s) => s.run.firstStepDone);
  const saved = useSaved((s) => s.saved);
  return (
    <div className="card" data-testid="output-panel">
      <h2>Download</h2>
      <div className="run-buttons">
        <button type="button" disabled={!ready} onClick={() => download('ply')} data-testid="download-ply">
          .ply
        </button>
        <button
          type="button"
          disabled={!ready}
          onClick={() => download('splat')}
          data-testid="download-splat"
        >
          .splat
        </button>
        <span className="small">{ready ? 'the current splats' : 'after the first optimisation step'}</span>
      </div>
      {saved ? (
        <div className="saved" data-testid="saved-result" data-count={saved.count}>
          <p className="small">
            Last result: {saved.count.toLocaleString('en-US')} splats,{' '}
            {new Date(saved.savedAt).toLocaleString()}
            {saved.label ? ` (${saved.label})` : ''}
          </p>
          <button type="button" onClick={() => void openSaved()} data-testid="open-saved">
            Open in viewer
          </button>
          <button type="button" onClick={() => void downloadSaved()}>
            Download .ply
          </button>
        </div>
      ) : null}
    </div>
  );
}
