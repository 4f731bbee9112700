import { type DragEvent, useRef, useState } from 'react';
import { addFiles, movePhoto, removePhoto } from '../actions';
import { describeFocal, describeSize } from '../photos';
import { useStudio } from '../store';

const ACCEPT =
  'image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,.jpg,.jpeg,.png,.webp,.ply,.splat';

export function PhotoPanel() {
  const photos = useStudio((s) => s.photos);
  const intake = useStudio((s) => s.intake);
  const running = useStudio((s) => s.run.status === 'running');
  const picker = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);

  const take = async (files: File[]) => {
    if (files.length === 0) return;
    setBusy(true);
    try {
      await addFiles(files);
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void take(Array.from(event.dataTransfer.files));
  };

  return (
    <div className="card">
      <h2>Photos</h2>
      <section
        aria-label="Photo drop zone"
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        data-busy={busy ? 'true' : 'false'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop two or more photos of one scene here (JPEG, PNG, WebP, HEIC).</p>
        <button type="button" onClick={() => picker.current?.click()} disabled={running}>
          Choose photos…
        </button>
        <input
          ref={picker}
          type="file"
          accept={ACCEPT}
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            void take(Array.from(e.target.files ?? []));
            e.target.value = '';
          }}
        />
      </section>
      {intake.length > 0 ? (
        <ul className="notices" data-testid="intake-messages">
          {intake.map((m) => (
            <li key={m.message} className={`notice ${m.kind}`}>
              <strong>{m.message}</strong>
              {m.hint ? <span className="hint"> {m.hint}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <ol className="thumbs" data-testid="photo-list">
        {photos.map((p, i) => (
          <li key={p.id} className="thumb" data-testid="photo">
            <img src={p.thumbUrl} alt={p.name} />
            <div className="thumb-text">
              <strong>{p.name}</strong>
              <span className="small">{describeSize(p)}</span>
              <span className="small" data-testid="photo-focal">
                {describeFocal(p)}
              </span>
              {p.note ? <span className="small warn-text">{p.note}</span> : null}
            </div>
            <div className="thumb-actions">
              <button
                type="button"
                title="Move up"
                disabled={running || i === 0}
                onClick={() => movePhoto(p.id, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                title="Move down"
                disabled={running || i === photos.length - 1}
                onClick={() => movePhoto(p.id, 1)}
              >
                ↓
              </button>
              <button type="button" title="Remove" disabled={running} onClick={() => removePhoto(p.id)}>
                ✕
              </button>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
