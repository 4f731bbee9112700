import { describe, expect, it } from 'vitest';
import { type Camera, projectPoint } from '../geometry/camera';
import { lookAt } from '../geometry/mat4';
import {
  readTransforms,
  relativeTo,
  TransformsError,
  type TransformsErrorKind,
  writeTransforms,
} from './transforms';

function expectTransformsError(fn: () => unknown, kind: TransformsErrorKind, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TransformsError);
  expect((caught as TransformsError).kind).toBe(kind);
  expect((caught as TransformsError).message).toMatch(message);
}

const I4 = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

describe('readTransforms', () => {
  it('converts an OpenGL camera-to-world to OpenCV (hand-checked pose)', () => {
    // GL camera at (1, 2, 3) with identity rotation: looks down world −z, its y is world +y (up).
    const json = {
      fl_x: 100,
      fl_y: 100,
      cx: 50,
      cy: 40,
      w: 100,
      h: 80,
      frames: [
        {
          file_path: 'a.png',
          transform_matrix: [
            [1, 0, 0, 1],
            [0, 1, 0, 2],
            [0, 0, 1, 3],
            [0, 0, 0, 1],
          ],
        },
      ],
    };
    const cam = readTransforms(json).frames[0].camera;
    // OpenCV axes in world: x = (1,0,0), y = (0,−1,0) (down), z = (0,0,−1) (forward); position unchanged.
    expect(Array.from(cam.worldFromCamera)).toEqual([1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 1, 2, 3, 1]);
    expect(projectPoint(cam, [1, 2, 0])).toEqual([50, 40, 3]); // 3 units straight ahead → principal point
    const above = projectPoint(cam, [1, 3, 0]); // world-up is image-up: smaller v
    expect(above[1]).toBeCloseTo(40 - 100 / 3, 10);
    const right = projectPoint(cam, [2, 2, 0]);
    expect(right[0]).toBeCloseTo(50 + 100 / 3, 10);
  });

  it('converts a rotated GL camera (90° about world y: looking along −x)', () => {
    const json = {
      fl_x: 10,
      w: 20,
      h: 20,
      frames: [
        {
          file_path: 'a.png',
          transform_matrix: [
            [0, 0, 1, 0],
            [0, 1, 0, 0],
            [-1, 0, 0, 0],
            [0, 0, 0, 1],
          ],
        },
      ],
    };
    const cam = readTransforms(json).frames[0].camera;
    expect(projectPoint(cam, [-5, 0, 0])).toEqual([10, 10, 5]);
    // GL camera x axis is world −z, so a point at world z = −1 in front lies to the right.
    expect(projectPoint(cam, [-5, 0, -1])[0]).toBeCloseTo(12, 10);
    expect(projectPoint(cam, [-5, 1, 0])[1]).toBeCloseTo(8, 10); // world up → image up
  });

  it('reads nerfstudio intrinsics with per-frame overrides, depth and relative paths', () => {
    const json = {
      camera_model: 'OPENCV',
      fl_x: 500,
      fl_y: 510,
      cx: 320,
      cy: 240,
      w: 640,
      h: 480,
      k1: 0.01,
      frames: [
        {
          file_path: 'images/frame_00001.png',
          depth_file_path: 'depths/frame_00001.png',
          transform_matrix: I4,
        },
        {
          file_path: './images/../images/frame_00002.png',
          fl_x: 600,
          w: 800,
          h: 600,
          cx: 400,
          cy: 300,
          transform_matrix: I4,
        },
      ],
    };
    const scene = readTransforms(json, { resolve: relativeTo('data/scene/transforms.json') });
    const [a, b] = scene.frames;
    expect(a.camera.intrinsics).toEqual({ fx: 500, fy: 510, cx: 320, cy: 240, width: 640, height: 480 });
    expect(b.camera.intrinsics).toEqual({ fx: 600, fy: 510, cx: 400, cy: 300, width: 800, height: 600 });
    expect(a.imagePath).toBe('data/scene/images/frame_00001.png');
    expect(a.filePath).toBe('images/frame_00001.png');
    expect(a.depthPath).toBe('data/scene/depths/frame_00001.png');
    expect(b.imagePath).toBe('data/scene/images/frame_00002.png');
    expect(b.depthPath).toBeUndefined();
    expect(a.distortion).toEqual({ k1: 0.01, k2: 0, k3: 0, k4: 0, p1: 0, p2: 0 });
    expect(scene.cameraModel).toBe('OPENCV');
  });

  it('falls back to camera_angle_x and asks for the image size (Blender synthetic scenes)', () => {
    const json = {
      camera_angle_x: 0.6911112070083618,
      frames: [{ file_path: './train/r_0', transform_matrix: I4 }],
    };
    const seen: string[] = [];
    const scene = readTransforms(json, {
      resolve: relativeTo('/data/lego/transforms_train.json'),
      sizeOf: (p) => {
        seen.push(p);
        return { width: 800, height: 800 };
      },
    });
    expect(seen).toEqual(['/data/lego/train/r_0']);
    const k = scene.frames[0].camera.intrinsics;
    expect(k.fx).toBeCloseTo(1111.1110311937682, 6); // the well-known lego focal
    expect(k.fy).toBeCloseTo(k.fx, 12);
    expect([k.cx, k.cy]).toEqual([400, 400]);
    expect(scene.frames[0].distortion).toBeUndefined();
  });

  it('gives specific errors', () => {
    const frame = { file_path: 'a.png', transform_matrix: I4 };
    const base = { fl_x: 100, w: 10, h: 10 };
    expectTransformsError(() => readTransforms([1, 2]), 'not-object', /JSON object/);
    expectTransformsError(() => readTransforms({ ...base, frames: [] }), 'no-frames', /no 'frames'/);
    expectTransformsError(
      () => readTransforms({ ...base, frames: [frame, { transform_matrix: I4 }] }),
      'bad-frame',
      /frames\[1\] has no file_path/,
    );
    expectTransformsError(
      () =>
        readTransforms({
          ...base,
          frames: [
            {
              file_path: 'a',
              transform_matrix: [
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
              ],
            },
          ],
        }),
      'bad-matrix',
      /frames\[0\]: transform_matrix row 0/,
    );
    const scaled = I4.map((r, i) => (i < 3 ? r.map((v, j) => (j < 3 ? 2 * v : v)) : r));
    expectTransformsError(
      () => readTransforms({ ...base, frames: [{ file_path: 'a', transform_matrix: scaled }] }),
      'bad-matrix',
      /not orthonormal/,
    );
    expectTransformsError(
      () => readTransforms({ w: 10, h: 10, frames: [frame] }),
      'missing-intrinsics',
      /frames\[0\]: no focal length/,
    );
    expectTransformsError(
      () => readTransforms({ fl_x: 100, frames: [frame] }),
      'missing-size',
      /size unknown .*'a\.png'/,
    );
    expectTransformsError(
      () => readTransforms({ ...base, camera_model: 'OPENCV_FISHEYE', frames: [frame] }),
      'unsupported-camera-model',
      /OPENCV_FISHEYE/,
    );
  });
});

describe('writeTransforms', () => {
  const cams = (shared: boolean): Camera[] =>
    [
      [0, 0, -3],
      [2, 0.5, -2],
      [-1.5, -0.3, -2.5],
    ].map((eye, i) => ({
      intrinsics: { fx: 300 + (shared ? 0 : i), fy: 301, cx: 128, cy: 96.5, width: 256, height: 192 },
      worldFromCamera: lookAt(eye as [number, number, number], [0, 0, 0]),
    }));

  for (const shared of [true, false]) {
    it(`round-trips cameras through JSON (${shared ? 'shared' : 'per-frame'} intrinsics)`, () => {
      const input = cams(shared);
      const json = writeTransforms(
        input.map((camera, i) => ({ camera, filePath: `images/${i}.png`, depthPath: `d/${i}.png` })),
      );
      expect('fl_x' in json).toBe(shared);
      const scene = readTransforms(JSON.parse(JSON.stringify(json)), {
        resolve: relativeTo('out/transforms.json'),
      });
      scene.frames.forEach((f, i) => {
        expect(f.camera.intrinsics).toEqual(input[i].intrinsics);
        for (let e = 0; e < 16; e++)
          expect(f.camera.worldFromCamera[e]).toBeCloseTo(input[i].worldFromCamera[e], 12);
        expect(f.imagePath).toBe(`out/images/${i}.png`);
        expect(f.depthPath).toBe(`out/d/${i}.png`);
        // Same pixel for the same world point before and after.
        expect(projectPoint(f.camera, [0.1, 0.2, 0.3])[0]).toBeCloseTo(
          projectPoint(input[i], [0.1, 0.2, 0.3])[0],
          9,
        );
      });
    });
  }

  it('writes OpenGL axes: an OpenCV camera looking down world +z has a GL z column of −z', () => {
    const json = writeTransforms([{ camera: cams(true)[0], filePath: 'a.png' }]) as {
      frames: { transform_matrix: number[][] }[];
    };
    const m = json.frames[0].transform_matrix;
    // lookAt from (0,0,−3) to the origin: OpenCV forward = world +z, so the GL backward axis (column 2) = −z.
    expect([m[0][2], m[1][2], m[2][2]].map((v) => v + 0)).toEqual([0, 0, -1]);
    expect([m[0][3], m[1][3], m[2][3]]).toEqual([0, 0, -3]);
    expect(m[3]).toEqual([0, 0, 0, 1]);
  });
});

describe('relativeTo', () => {
  it('joins onto the json folder and normalises', () => {
    expect(relativeTo('a/b/transforms.json')('img/x.png')).toBe('a/b/img/x.png');
    expect(relativeTo('a/b/transforms.json')('../img/x.png')).toBe('a/img/x.png');
    expect(relativeTo('transforms.json')('./x.png')).toBe('x.png');
    expect(relativeTo('transforms.json')('../x.png')).toBe('../x.png');
    expect(relativeTo('/abs/t.json')('../../x.png')).toBe('/x.png');
    expect(relativeTo('a/t.json')('/abs/x.png')).toBe('/abs/x.png');
    expect(relativeTo('a/t.json')('https://host/x.png')).toBe('https://host/x.png');
    expect(relativeTo('C:\\data\\t.json')('img\\x.png')).toBe('C:/data/img/x.png');
  });
});
