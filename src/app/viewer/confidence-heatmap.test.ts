import { describe, expect, it } from 'vitest';
import {
  blendConfidence,
  CONFIDENCE_STOPS,
  confidenceColor,
  confidenceGradientCss,
  OVERLAY_ALPHA,
} from './confidence-heatmap';

describe('confidence heat map', () => {
  it('runs through the stops from low to high and clamps outside [0, 1]', () => {
    expect(confidenceColor(0)).toEqual(CONFIDENCE_STOPS[0]);
    expect(confidenceColor(0.5)).toEqual(CONFIDENCE_STOPS[1]);
    expect(confidenceColor(1)).toEqual(CONFIDENCE_STOPS[2]);
    expect(confidenceColor(-3)).toEqual(CONFIDENCE_STOPS[0]);
    expect(confidenceColor(9)).toEqual(CONFIDENCE_STOPS[2]);
    const quarter = confidenceColor(0.25);
    for (let k = 0; k < 3; k++)
      expect(quarter[k]).toBe(Math.round((CONFIDENCE_STOPS[0][k] + CONFIDENCE_STOPS[1][k]) / 2));
    expect(confidenceGradientCss()).toContain(`rgb(${CONFIDENCE_STOPS[0].join(' ')}) 0%`);
    expect(confidenceGradientCss()).toContain(`rgb(${CONFIDENCE_STOPS[2].join(' ')}) 100%`);
  });

  it('blends the ramp over the frame so low and high confidence look different', () => {
    const rgba = new Uint8ClampedArray([100, 100, 100, 255, 100, 100, 100, 255]);
    const out = blendConfidence(rgba, new Uint8Array([0, 255]));
    for (let k = 0; k < 3; k++) {
      expect(out[k]).toBe(Math.round(100 * (1 - OVERLAY_ALPHA) + CONFIDENCE_STOPS[0][k] * OVERLAY_ALPHA));
      expect(out[4 + k]).toBe(Math.round(100 * (1 - OVERLAY_ALPHA) + CONFIDENCE_STOPS[2][k] * OVERLAY_ALPHA));
    }
    expect(out[3]).toBe(255);
    // Red dominates a doubtful pixel, green a confident one.
    expect(out[0]).toBeGreaterThan(out[1]);
    expect(out[5]).toBeGreaterThan(out[4]);
  });
});
