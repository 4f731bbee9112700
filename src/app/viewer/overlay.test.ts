import { describe, expect, it } from 'vitest';
import { lookAt, type Vec3 } from '../../engine/geometry/mat4';
import type { SceneCamera, ViewCamera } from '../../engine/protocol';
import { drawFrustums } from './overlay';

const K = { fx: 200, fy: 200, cx: 160, cy: 120, width: 320, height: 240 };

const sceneCamera = (eye: Vec3, kind: SceneCamera['kind']): SceneCamera => ({
  name: kind,
  kind,
  intrinsics: { ...K },
  worldFromCamera: Array.from(lookAt(eye, [eye[0], eye[1], eye[2] + 3])),
});

/** A 2D context that records the line segments and their colours instead of drawing. */
function recorder() {
  const lines: { colour: string; from: number[]; to: number[] }[] = [];
  let at: number[] = [0, 0];
  const ctx = {
    strokeStyle: '',
    lineWidth: 1,
    clearRect() {},
    beginPath() {},
    stroke() {},
    moveTo(x: number, y: number) {
      at = [x, y];
    },
    lineTo(x: number, y: number) {
      lines.push({ colour: String(ctx.strokeStyle), from: at, to: [x, y] });
      at = [x, y];
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, lines };
}

describe('frustum overlay', () => {
  const view: ViewCamera = {
    intrinsics: { ...K },
    worldFromCamera: Array.from(lookAt([0, 0, -3], [0, 0, 1])),
  };

  it('counts the frustums in view by kind and draws each in its colour', () => {
    const cameras = [
      sceneCamera([0, 0, 0], 'input'),
      sceneCamera([0.2, 0, 0], 'trajectory'),
      sceneCamera([0.4, 0, 0], 'trajectory'),
      sceneCamera([0.6, 0, 0], 'input'),
    ];
    const { ctx, lines } = recorder();
    expect(drawFrustums(ctx, view, cameras, 0.2, null)).toEqual({ input: 2, trajectory: 2 });
    // 4 far edges + 4 apex edges + the up tick per frustum; the path polyline joins the 2 trajectory centres.
    expect(lines.filter((l) => l.colour === '#f0b429').length).toBe(2 * 9);
    expect(lines.filter((l) => l.colour === '#6cb6ff').length).toBe(2 * 9);
    const { ctx: ctx2, lines: lit } = recorder();
    drawFrustums(ctx2, view, cameras, 0.2, 1);
    expect(lit.filter((l) => l.colour === '#ffffff').length).toBe(9);
  });

  it('does not count frustums behind the view or outside the canvas', () => {
    const cameras = [
      sceneCamera([0, 0, -5], 'input'),
      sceneCamera([40, 0, 0], 'trajectory'),
      sceneCamera([0, 0, 1], 'trajectory'),
    ];
    const { ctx } = recorder();
    expect(drawFrustums(ctx, view, cameras, 0.2, null)).toEqual({ input: 0, trajectory: 1 });
  });
});
