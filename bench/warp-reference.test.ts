import { describe, expect, it } from 'vitest';
import { makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import { type DepthView, warpReference } from './warp-reference';

describe('warpReference', () => {
  const synth = makeSyntheticScene({ seed: 2, preset: 'objects', views: 3, width: 96, height: 72 });
  const views: DepthView[] = synth.cameras.map((camera) => {
    const r = renderView(synth.scene, camera, { samples: 2 });
    return { camera, rgba: r.rgba, depth: r.depth };
  });

  it('reproduces a view exactly from itself', () => {
    const self = warpReference(views[1], [views[1]]);
    expect(self.coverage).toBeGreaterThan(0.95);
    expect(self.psnr).toBeGreaterThan(60);
  });

  it('scores a neighbouring view well over the pixels it sees, and a wrong pose badly', () => {
    const good = warpReference(views[1], [views[0], views[2]]);
    expect(good.coverage).toBeGreaterThan(0.7);
    expect(good.psnr).toBeGreaterThan(22);
    // Training photo 0 with photo 2's pose: the depth test rejects most points, and what passes is wrong.
    const moved = { ...views[0], camera: views[2].camera };
    const bad = warpReference(views[1], [moved]);
    expect(bad.coverage < 0.5 || bad.psnr < good.psnr - 6).toBe(true);
  });
});
