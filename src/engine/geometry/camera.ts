import { invertRigid, type Mat4, transformPoint, type Vec3 } from './mat4';

/** Pinhole intrinsics in pixels of the image actually used; pixel centres at +0.5 (OpenCV). */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
}

/** A posed camera. World = first input camera; OpenCV axes (x right, y down, z forward). */
export interface Camera {
  intrinsics: Intrinsics;
  worldFromCamera: Mat4;
}

export const cameraFromWorld = (camera: Camera): Mat4 => invertRigid(camera.worldFromCamera);

/** Pixel coordinates (u, v) and depth z of a world point; z ≤ 0 means behind the camera. */
export function projectPoint(camera: Camera, world: Vec3, fromWorld = cameraFromWorld(camera)): Vec3 {
  const [x, y, z] = transformPoint(fromWorld, world);
  const k = camera.intrinsics;
  return [(k.fx * x) / z + k.cx, (k.fy * y) / z + k.cy, z];
}

/** World point seen at pixel (u, v) at depth z (distance along the optical axis). */
export function unprojectPixel(camera: Camera, u: number, v: number, z: number): Vec3 {
  const k = camera.intrinsics;
  return transformPoint(camera.worldFromCamera, [((u - k.cx) / k.fx) * z, ((v - k.cy) / k.fy) * z, z]);
}

/** Intrinsics for an image resized by `scale` (pixel-centre convention preserved). */
export function scaleIntrinsics(k: Intrinsics, width: number, height: number): Intrinsics {
  const sx = width / k.width;
  const sy = height / k.height;
  return { fx: k.fx * sx, fy: k.fy * sy, cx: k.cx * sx, cy: k.cy * sy, width, height };
}
