/** What the studio's buttons do: photo intake, run control, downloads, the saved last result. */
import { create } from 'zustand';
import type { EngineEvent } from '../engine/protocol';
import { nextEvent, onEngineEvent, requestId, sendCommand } from './engine-session';
import { loadResult, type SavedResult, saveResult } from './persist';
import { intakeFiles } from './photos';
import { useStudio } from './store';
import { viewerPose } from './viewer/link';

/** Metadata of the result saved in IndexedDB (the bytes stay there until opened). */
export const useSaved = create<{ saved: Omit<SavedResult, 'ply'> | null }>(() => ({ saved: null }));

const saveIds = new Set<number>();
/** During a run the current splats are also saved this often, so a lost device loses little. */
const SAVE_EVERY_MS = 20_000;
let lastSave = 0;

function requestSave(): void {
  lastSave = performance.now();
  const id = requestId();
  saveIds.add(id);
  sendCommand({ type: 'export', format: 'ply', id });
}
const downloadIds = new Set<number>();

export async function addFiles(files: File[]): Promise<void> {
  const { photos } = useStudio.getState();
  const result = await intakeFiles(files, photos.length);
  useStudio.setState((s) => ({ photos: [...s.photos, ...result.photos], intake: result.messages }));
  for (const scene of result.scenes) await openSceneFile(scene);
}

export function removePhoto(id: string): void {
  useStudio.setState((s) => ({ photos: s.photos.filter((p) => p.id !== id), intake: [] }));
}

export function movePhoto(id: string, by: -1 | 1): void {
  useStudio.setState((s) => {
    const photos = [...s.photos];
    const i = photos.findIndex((p) => p.id === id);
    const j = i + by;
    if (i < 0 || j < 0 || j >= photos.length) return {};
    [photos[i], photos[j]] = [photos[j], photos[i]];
    return { photos };
  });
}

export function startRun(): void {
  const { photos, settings } = useStudio.getState();
  if (photos.length < 2) {
    useStudio.setState({
      intake: [
        {
          kind: 'error',
          message:
            photos.length === 0
              ? 'Add at least two photos of the same scene first.'
              : 'One photo is not enough: add at least one more photo of the same scene from a slightly different viewpoint.',
        },
      ],
    });
    return;
  }
  // Copies: the photos stay in the list for another run.
  const inputs = photos.map((p) => ({ name: p.name, bytes: p.bytes.slice(0) }));
  useStudio.setState({ run: { status: 'running', firstStepDone: false }, notices: [] });
  sendCommand(
    {
      type: 'start',
      photos: inputs,
      options: {
        preset: settings.preset,
        steps: settings.steps,
        workingSize: settings.workingSize,
        synthesis: settings.synthesis,
        refinePoses: settings.refinePoses,
        geometry: settings.geometry,
        geometryModel: settings.geometry === 'pointmap' ? settings.geometryModel : undefined,
        synthesisMethod: settings.synthesisMethod,
        samplerSteps: settings.synthesisMethod === 'diffusion' ? settings.samplerSteps : undefined,
      },
    },
    inputs.map((i) => i.bytes),
  );
}

export function cancelRun(): void {
  // Shown at once: on a slow GPU the steps already queued take a while to finish.
  useStudio.setState((s) => ({ run: { ...s.run, cancelling: true } }));
  sendCommand({ type: 'cancel' });
}

export function download(format: 'ply' | 'splat'): void {
  const id = requestId();
  downloadIds.add(id);
  sendCommand({ type: 'export', format, id });
}

function saveBlob(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function persist(event: Extract<EngineEvent, { type: 'exported' }>): Promise<void> {
  const label = useStudio
    .getState()
    .photos.map((p) => p.name)
    .join(', ');
  const record: SavedResult = { ply: event.bytes, count: event.count, savedAt: Date.now(), label };
  try {
    await saveResult(record);
    useSaved.setState({ saved: { count: record.count, savedAt: record.savedAt, label } });
  } catch (err) {
    useStudio.setState((s) => ({
      notices: [
        ...s.notices,
        {
          kind: 'warning',
          message: `The result could not be kept for the next visit: ${(err as Error).message}`,
        },
      ],
    }));
  }
}

export async function openSceneFile(file: File): Promise<void> {
  const bytes = await file.arrayBuffer();
  sendCommand({ type: 'open-splats', name: file.name, bytes }, [bytes]);
}

export async function openSaved(): Promise<void> {
  const saved = await loadResult();
  if (!saved) return;
  sendCommand({ type: 'open-splats', name: 'last result.ply', bytes: saved.ply }, [saved.ply]);
}

export async function downloadSaved(): Promise<void> {
  const saved = await loadResult();
  if (saved) saveBlob(saved.ply, 'last-result.ply');
}

/** Wire the engine events that the actions answer; call once at start-up. */
export function installActions(): void {
  void loadResult().then((saved) => {
    if (saved)
      useSaved.setState({ saved: { count: saved.count, savedAt: saved.savedAt, label: saved.label } });
  });
  onEngineEvent((event) => {
    switch (event.type) {
      case 'exported':
        if (event.id !== undefined && downloadIds.delete(event.id)) saveBlob(event.bytes, event.fileName);
        else if (event.id !== undefined && saveIds.delete(event.id)) void persist(event);
        return;
      case 'finished': {
        // Keep the result (also a cancelled run's splats) for the next visit — not a failed run's, whose
        // splats may be gone with a lost device (the saved one is better).
        const { run } = useStudio.getState();
        if (run.firstStepDone && run.status !== 'failed') requestSave();
        return;
      }
      case 'splats-updated':
        if (useStudio.getState().run.status === 'running' && performance.now() - lastSave > SAVE_EVERY_MS)
          requestSave();
        return;
      case 'device-lost':
        useStudio.setState((s) => ({
          run: s.run.status === 'running' ? { ...s.run, status: 'failed' } : s.run,
        }));
        return;
      case 'device-recovered':
        // The splats on the lost device are gone; the last saved result comes back into the view.
        if (useSaved.getState().saved) {
          void openSaved();
          useStudio.setState((s) => ({
            notices: [
              ...s.notices,
              { kind: 'info', message: 'The last saved result was reopened in the viewer.' },
            ],
          }));
        }
        return;
      default:
        return;
    }
  });
}

/** Test and debugging API on window.__studio. */
export const studioApi = {
  store: useStudio,
  saved: useSaved,
  /** Statistics of the viewer's pixels after it has drawn the latest camera. */
  async probe() {
    const id = requestId();
    const answer = nextEvent(
      (e): e is Extract<EngineEvent, { type: 'viewer-probe' }> => e.type === 'viewer-probe' && e.id === id,
    );
    sendCommand({ type: 'viewer-probe', id });
    return answer;
  },
  simulateDeviceLoss: () => sendCommand({ type: 'simulate-device-loss' }),
  /** The 3D view's camera position, orbit target and their distance (touch and mouse control tests). */
  viewPose: viewerPose,
  /** Raw protocol access for benchmarks (bench/viewer.ts drives the viewer's camera and size). */
  send: sendCommand,
  on: onEngineEvent,
};
