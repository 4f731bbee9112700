/**
 * What other panels ask of the 3D view: snap to a camera (a click in the frames strip) and highlight a
 * camera's frustum (hover). The view registers its camera rig here while it is mounted.
 */
import { create } from 'zustand';
import type { ViewCamera } from '../../engine/protocol';
import { useStudio } from '../store';
import type { CameraRig } from './camera-rig';

/** Index into the store's `cameras` of the frustum another panel points at, or null. */
export const useViewerLink = create<{ highlight: number | null }>(() => ({ highlight: null }));

let rig: CameraRig | null = null;

export function attachRig(next: CameraRig | null): void {
  rig = next;
}

/** Move the view to `camera` (looking at the scene's centre depth); false while there is no view. */
export function snapViewerTo(camera: ViewCamera): boolean {
  if (!rig) return false;
  rig.snapTo(camera, useStudio.getState().viewerScene?.center);
  return true;
}

/** The view camera's position, orbit target and distance between them; null while there is no view. */
export function viewerPose(): ReturnType<CameraRig['pose']> | null {
  return rig?.pose() ?? null;
}

/** Index in the store's cameras of the scene camera at exactly this pose (frames copy their camera's matrix). */
export function sceneCameraIndex(camera: ViewCamera): number {
  const m = camera.worldFromCamera;
  return useStudio.getState().cameras.findIndex((c) => c.worldFromCamera.every((v, i) => v === m[i]));
}
