import { type DragEvent, useEffect, useRef, useState } from 'react';
import { sendCommand } from '../engine-session';
import { useStudio } from '../store';
import { CameraRig } from '../viewer/camera-rig';
import { attachRig, useViewerLink } from '../viewer/link';
import { drawFrustums } from '../viewer/overlay';

/** Canvases the studio already handed to the worker (StrictMode runs effects twice in development). */
const transferred = new WeakSet<HTMLCanvasElement>();

/** The live 3D view: the worker draws into the transferred canvas; the camera and overlay live here. */
export function ViewerPanel({ onOpenScene }: { onOpenScene: (file: File) => void }) {
  const holder = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const rigRef = useRef<CameraRig | null>(null);
  const gpuReady = useStudio((s) => s.gpu.status === 'ready');
  const scene = useStudio((s) => s.viewerScene);
  const cameras = useStudio((s) => s.cameras);
  const frames = useStudio((s) => s.viewerFrames);
  const frameMs = useStudio((s) => s.lastFrameMs);
  const [highlight, setHighlight] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const redraw = useRef<() => void>(() => undefined);

  useEffect(() => {
    const canvas = canvasRef.current;
    const box = holder.current;
    if (!gpuReady || !canvas || !box || transferred.has(canvas)) return;
    transferred.add(canvas);
    const size = () => [Math.max(1, Math.floor(box.clientWidth)), Math.max(1, Math.floor(box.clientHeight))];
    const [w, h] = size();
    const offscreen = canvas.transferControlToOffscreen();
    sendCommand({ type: 'viewer-attach', canvas: offscreen, width: w, height: h }, [offscreen]);
    let pending = 0;
    // Camera changes go out at most once a display frame; the worker throttles its own drawing too.
    const send = () => {
      if (pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        const rig = rigRef.current;
        if (!rig) return;
        const view = rig.view();
        sendCommand({ type: 'viewer-camera', camera: view });
        const overlay = overlayRef.current;
        const ctx = overlay?.getContext('2d');
        const { cameras: cams, viewerScene } = useStudio.getState();
        if (overlay && ctx) {
          overlay.width = view.intrinsics.width;
          overlay.height = view.intrinsics.height;
          const drawn = drawFrustums(
            ctx,
            view,
            cams,
            0.15 * (viewerScene?.radius ?? 1),
            highlightRef.current,
          );
          // What the overlay shows, for tests and assistive tools.
          overlay.dataset.inputFrustums = String(drawn.input);
          overlay.dataset.trajectoryFrustums = String(drawn.trajectory);
        }
      });
    };
    redraw.current = send;
    const rig = new CameraRig(canvas, send);
    rigRef.current = rig;
    attachRig(rig);
    rig.resize(w, h);
    send();
    const observer = new ResizeObserver(() => {
      const [nw, nh] = size();
      rig.resize(nw, nh);
      sendCommand({ type: 'viewer-resize', width: nw, height: nh });
      send();
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(pending);
      rig.dispose();
      rigRef.current = null;
      attachRig(null);
    };
  }, [gpuReady]);

  // A frustum pointed at here (input buttons) or from another panel (the frames strip).
  const linked = useViewerLink((s) => s.highlight);
  const highlightRef = useRef<number | null>(null);
  highlightRef.current = highlight ?? linked;

  // Frame each new scene once: a reconstruction from its first photo, an opened file from outside.
  const serial = scene?.serial;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per new scene (serial), reads the rest
  useEffect(() => {
    const rig = rigRef.current;
    const s = useStudio.getState().viewerScene;
    if (!rig || !s) return;
    const first = useStudio.getState().cameras.find((c) => c.kind === 'input');
    if (s.source === 'training' && first) rig.snapTo(first, s.center);
    else rig.frame(s.center, s.radius);
  }, [serial]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: redraw the overlay when its inputs change
  useEffect(() => redraw.current(), [cameras, highlight, linked]);

  const onKey = (event: React.KeyboardEvent, down: boolean) => {
    const rig = rigRef.current;
    if (!rig) return;
    if (rig.key(event.nativeEvent, down)) {
      event.preventDefault();
      return;
    }
    if (down && event.key.toLowerCase() === 'f' && scene) {
      rig.frame(scene.center, scene.radius);
      event.preventDefault();
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    for (const file of Array.from(event.dataTransfer.files)) onOpenScene(file);
  };

  return (
    <section className="viewer-panel">
      <div
        role="application"
        aria-label="3D view"
        className={`viewer${dragging ? ' dragging' : ''}`}
        ref={holder}
        data-testid="viewer"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the view takes keyboard input (WASD/QE fly, F)
        tabIndex={0}
        onKeyDown={(e) => onKey(e, true)}
        onKeyUp={(e) => onKey(e, false)}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        onContextMenu={(e) => e.preventDefault()}
      >
        <canvas ref={canvasRef} className="viewer-canvas" data-testid="viewer-canvas" />
        <canvas ref={overlayRef} className="viewer-overlay" data-testid="viewer-overlay" />
        {!scene ? (
          <div className="viewer-empty">
            The scene appears here while it optimises. Drop a .ply or .splat here to view one.
          </div>
        ) : null}
      </div>
      <div className="viewer-bar">
        <span data-testid="viewer-info">
          {scene
            ? `${scene.source === 'file' ? scene.name : 'Reconstruction'} · ${scene.count.toLocaleString('en-US')} splats`
            : 'Nothing to show yet'}
          {scene?.renderMode === 'mip' ? ' · Mip filter' : ''}
          {frames ? ` · frame ${frames}${frameMs ? ` (${frameMs.toFixed(0)} ms)` : ''}` : ''}
        </span>
        <button
          type="button"
          disabled={!scene}
          onClick={() => scene && rigRef.current?.frame(scene.center, scene.radius)}
        >
          Frame (F)
        </button>
        {cameras
          .map((c, i) => ({ c, i }))
          .filter(({ c }) => c.kind === 'input')
          .map(({ c, i }) => (
            <button
              type="button"
              key={`${c.name}-${i}`}
              onMouseEnter={() => setHighlight(i)}
              onMouseLeave={() => setHighlight(null)}
              onClick={() => rigRef.current?.snapTo(c, scene?.center)}
              data-testid="snap-camera"
            >
              {c.name}
            </button>
          ))}
        <span className="small">
          Drag: orbit · right/shift-drag: pan · wheel: zoom · WASD/QE: fly · touch: one finger orbits, pinch
          zooms, two fingers pan
        </span>
      </div>
    </section>
  );
}
