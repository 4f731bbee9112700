import { useEffect, useMemo, useRef, useState } from 'react';
import type { FrameThumb } from '../../engine/protocol';
import { useStudio } from '../store';
import { blendConfidence, confidenceGradientCss } from '../viewer/confidence-heatmap';
import { sceneCameraIndex, snapViewerTo, useViewerLink } from '../viewer/link';

const percent = (v: number): string => `${Math.round(100 * v)}%`;

/** One synthesized frame: the picture, or its confidence heat map while hovered or focused. */
function FrameTile({
  frame,
  trajectoryLength,
  selected,
  onSelect,
}: {
  frame: FrameThumb;
  trajectoryLength: number;
  selected: boolean;
  onSelect: () => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const overlay = hovered || focused;
  const blended = useMemo(() => blendConfidence(frame.rgba, frame.confidence), [frame]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const pixels = overlay ? blended : frame.rgba;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels), frame.width, frame.height), 0, 0);
  }, [overlay, blended, frame]);

  // The frame's frustum lights up in the 3D view while the frame is pointed at.
  useEffect(() => {
    if (!overlay) return;
    const index = sceneCameraIndex(frame.camera);
    useViewerLink.setState({ highlight: index >= 0 ? index : null });
    return () => {
      if (useViewerLink.getState().highlight === index) useViewerLink.setState({ highlight: null });
    };
  }, [overlay, frame]);

  const position = frame.trajectoryIndex >= 0 ? frame.trajectoryIndex + 1 : '?';
  return (
    <li className={`frame-tile${selected ? ' selected' : ''}`}>
      <button
        type="button"
        data-testid="synth-frame"
        data-overlay={overlay ? 'on' : 'off'}
        data-trajectory-index={frame.trajectoryIndex}
        aria-pressed={selected}
        aria-label={`Frame ${position} of ${trajectoryLength} on the camera path, mean weight in the fit ${percent(frame.meanConfidence)}. View the scene from this camera.`}
        title="Hover or focus: weight in the fit · click: view from this camera"
        onMouseEnter={() => setHovered(true)}
        onMouseLeave={() => setHovered(false)}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onClick={onSelect}
      >
        <canvas ref={canvas} width={frame.width} height={frame.height} data-testid="synth-frame-canvas" />
        <span className="frame-caption">
          <span>#{position}</span>
          <span title="Mean weight in the fit (low where a photo already sees the surface)">
            {percent(frame.meanConfidence)}
          </span>
        </span>
      </button>
    </li>
  );
}

/**
 * The synthesized frames of the last run under the viewer, each with its confidence on hover. A frame's
 * confidence is its per-pixel weight in the fit: low where filled, and where a photo already sees the surface.
 */
export function FramesStrip() {
  const frames = useStudio((s) => s.synthFrames);
  const pathLength = useStudio((s) => s.synthPathLength);
  const [selected, setSelected] = useState<number | null>(null);
  const gradient = useMemo(confidenceGradientCss, []);
  // A new run's frames: nothing is selected yet.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset whenever the frames change
  useEffect(() => setSelected(null), [frames]);
  if (frames.length === 0) return null;
  return (
    <section className="frames-strip" data-testid="frames-strip" aria-label="Synthesized frames">
      <div className="frames-strip-head">
        <span>
          New views · {frames.length} synthesized frame{frames.length === 1 ? '' : 's'}
        </span>
        <span className="confidence-legend" data-testid="confidence-legend">
          <span>low</span>
          <span className="confidence-ramp" style={{ background: gradient }} />
          <span>high weight</span>
        </span>
        <span className="small">Hover: weight in the fit · click: view from there</span>
      </div>
      <ol className="frames-list">
        {frames.map((frame, i) => (
          <FrameTile
            key={frame.trajectoryIndex}
            frame={frame}
            trajectoryLength={pathLength}
            selected={selected === i}
            onSelect={() => {
              if (snapViewerTo(frame.camera)) setSelected(i);
            }}
          />
        ))}
      </ol>
    </section>
  );
}
