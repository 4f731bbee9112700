import { describe, expect, it } from 'vitest';
import { makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import { type DepthView, psnrOver, warpReference } from './warp-reference';

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

  it('scores a render over the seen pixels only', () => {
    const ref = warpReference(views[1], [views[0]]);
    const photo = views[1].rgba;
    const render = Float32Array.from(photo, (v) => v / 255);
    // Wrong colour at every pixel view 0 does not see: the whole view drops, the seen pixels stay exact.
    let unseen = 0;
    for (let p = 0; p < ref.seen.length; p++)
      if (!ref.seen[p]) {
        render[4 * p] = 1 - render[4 * p];
        unseen++;
      }
    expect(unseen).toBeGreaterThan(0.05 * ref.seen.length);
    expect(psnrOver(render, photo, ref.seen)).toBeGreaterThan(100); // float32 rounding only
    expect(psnrOver(render, photo, new Uint8Array(ref.seen.length).fill(1))).toBeLessThan(30);
    // One level off in one channel everywhere seen: 20·log10(255) + 10·log10(3) dB.
    for (let p = 0; p < ref.seen.length; p++)
      if (ref.seen[p]) render[4 * p + 1] = (photo[4 * p + 1] + 1) / 255;
    expect(psnrOver(render, photo, ref.seen)).toBeCloseTo(20 * Math.log10(255) + 10 * Math.log10(3), 4);
  });
});
