/**
 * `npm run bench -- viewer [--quick] [--splats=N] [--frames=K] [--no-build]`: one random scene of N splats
 * (default 1,000,000; `--quick` 50,000) drawn at 1280×720 in headless Chromium (the flags of
 * playwright.config.ts) by
 *   ours      — the studio's worker viewer (compute rasterizer, fresh GPU sort each frame), opened through
 *               the app's own open-splats path; time = the 'viewer-frame' events' ms (draw start → GPU done);
 *   reference — Spark (@sparkjsdev/spark, three.js, WebGL2) in the same browser at the same size; time =
 *               renderer.render + a 1-pixel readPixels (waits for the GL work). Spark sorts in a CPU worker
 *               asynchronously, so its frame time holds no sort; ours does.
 * Both load the same .splat file and see the same camera orbit. Prints the medians and their ratio.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM, WEBGPU_FLAGS } from '../playwright.config';
import { lookAt, type Vec3 } from '../src/engine/geometry/mat4';
import { writeSplat } from '../src/engine/io/splat';
import type { ViewCamera } from '../src/engine/protocol';
import { randomCloud } from '../src/engine/splats/random-scene';
import type { Benchmark } from './types';

const WIDTH = 1280;
const HEIGHT = 720;
const FOV_DEG = 50;
const CACHE = resolve('node_modules/.cache/viewer-bench');
const APP_DIR = join(CACHE, 'app');
const REFERENCE = '@sparkjsdev/spark';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

const numArg = (args: string[], name: string, fallback: number): number => {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A slow orbit around the scene: every frame a new camera, so both viewers must redraw (and re-sort). */
function orbit(frames: number): ViewCamera[] {
  const fx = WIDTH / 2 / Math.tan((FOV_DEG * Math.PI) / 360);
  const intrinsics = { fx, fy: fx, cx: WIDTH / 2, cy: HEIGHT / 2, width: WIDTH, height: HEIGHT };
  return Array.from({ length: frames }, (_, i) => {
    const a = (i / Math.max(1, frames)) * 0.5 * Math.PI;
    const eye: Vec3 = [3.2 * Math.sin(a), -0.8, -3.2 * Math.cos(a)];
    return { intrinsics, worldFromCamera: Array.from(lookAt(eye, [0, 0, 0])) };
  });
}

/** three.js camera matrix (x right, y up, looking down −z) from an OpenCV worldFromCamera. */
const glWorldFromCamera = (m: number[]): number[] => m.map((v, i) => (i >= 4 && i < 12 ? -v : v)); // negate the camera's y and z columns

/** Spark in a page of its own: three and Spark straight from node_modules through an import map. */
const referencePage = `<!doctype html><html><head><style>body{margin:0;background:#14161a}</style>
<script type="importmap">{"imports":{
  "three":"/__bench/nm/three/build/three.module.js",
  "three/addons/":"/__bench/nm/three/examples/jsm/",
  "@sparkjsdev/spark":"/__bench/nm/@sparkjsdev/spark/dist/spark.module.js"}}</script></head><body>
<script type="module">
import * as THREE from 'three';
import { SparkRenderer, SplatMesh } from '@sparkjsdev/spark';
const W = ${WIDTH}, H = ${HEIGHT};
const renderer = new THREE.WebGLRenderer({ antialias: false });
renderer.setPixelRatio(1);
renderer.setSize(W, H);
document.body.appendChild(renderer.domElement);
const gl = renderer.getContext();
const scene = new THREE.Scene();
scene.background = new THREE.Color(0x14161a);
scene.add(new SparkRenderer({ renderer }));
const camera = new THREE.PerspectiveCamera(${FOV_DEG * (HEIGHT / WIDTH)}, W / H, 0.01, 100);
const pixel = new Uint8Array(4);
const info = gl.getExtension('WEBGL_debug_renderer_info');
window.__ref = {
  renderer: info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
  async load(url) {
    const mesh = new SplatMesh({ url });
    await mesh.initialized;
    scene.add(mesh);
    return mesh.numSplats ?? mesh.packedSplats?.numSplats ?? -1;
  },
  frame(matrix) {
    new THREE.Matrix4().fromArray(matrix).decompose(camera.position, camera.quaternion, camera.scale);
    camera.updateMatrixWorld(true);
    const t0 = performance.now();
    renderer.render(scene, camera);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    return performance.now() - t0;
  },
};
window.__refReady = true;
</script></body></html>`;

/** Static files: the built app at /, node_modules and the scene under /__bench/. */
function serve(scenePath: string): Promise<Server> {
  const root = resolve('node_modules');
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    let file: string;
    if (url === '/__bench/ref.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(referencePage);
      return;
    }
    if (url === '/__bench/scene.splat') file = scenePath;
    else if (url.startsWith('/__bench/nm/')) file = normalize(join(root, url.slice('/__bench/nm/'.length)));
    else file = normalize(join(APP_DIR, url === '/' ? 'index.html' : url));
    const inside = file === scenePath || file.startsWith(root + sep) || file.startsWith(APP_DIR + sep);
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const ext = file.slice(file.lastIndexOf('.'));
    res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

interface StudioWindow {
  __studio: {
    store: { getState(): { gpu: { status: string; adapter?: Record<string, unknown> } } };
    send(command: unknown, transfer?: Transferable[]): void;
    on(listener: (event: { type: string; [k: string]: unknown }) => void): () => void;
    probe(): Promise<{ splats: number; width: number; height: number }>;
  };
}

const bench: Benchmark = async ({ args }) => {
  const quick = args.includes('--quick');
  const splats = numArg(args, 'splats', quick ? 50_000 : 1_000_000);
  const frames = numArg(args, 'frames', quick ? 8 : 12);
  const warmup = 2;
  mkdirSync(CACHE, { recursive: true });

  if (!args.includes('--no-build') || !existsSync(join(APP_DIR, 'index.html'))) {
    console.log('building the app (vite build) …');
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', APP_DIR, '--emptyOutDir'], {
      stdio: 'inherit',
    });
  }
  // Splat sizes about the mean spacing (means fill a 2×2×2 box), like a real scene of that density.
  const spacing = 2 / Math.cbrt(splats);
  const cloud = randomCloud(splats, 0, 11, { logScale: [Math.log(0.25 * spacing), Math.log(spacing)] });
  const scenePath = join(CACHE, 'scene.splat');
  writeFileSync(scenePath, writeSplat(cloud));
  const cameras = orbit(warmup + frames);

  const server = await serve(scenePath);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--no-first-run', ...WEBGPU_FLAGS],
  });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    page.setDefaultTimeout(600_000);
    // tsx (esbuild keepNames) wraps named functions in __name(); the page must have one too.
    await page.addInitScript('globalThis.__name = (f) => f;');
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));

    // --- ours: the studio's worker viewer, through the app's open-splats path.
    await page.goto(`${base}/`);
    await page.waitForFunction(() => {
      const s = (window as unknown as StudioWindow).__studio?.store.getState().gpu.status;
      return s === 'ready' || s === 'failed';
    });
    const adapter = await page.evaluate(
      () => (window as unknown as StudioWindow).__studio.store.getState().gpu,
    );
    if (adapter.status !== 'ready')
      throw new Error(`the studio found no WebGPU adapter: ${JSON.stringify(adapter)}`);
    const ours = await page.evaluate(
      async ({ cameras, width, height, warmup }) => {
        const s = (window as unknown as StudioWindow).__studio;
        const next = (type: string) =>
          new Promise<{ type: string; [k: string]: unknown }>((ok) => {
            const off = s.on((e) => {
              if (e.type !== type) return;
              off();
              ok(e);
            });
          });
        const bytes = await (await fetch('/__bench/scene.splat')).arrayBuffer();
        const opened = next('viewer-scene');
        s.send({ type: 'open-splats', name: 'scene.splat', bytes }, [bytes]);
        const scene = await opened;
        s.send({ type: 'viewer-resize', width, height });
        s.send({ type: 'viewer-camera', camera: cameras[0] });
        const first = await s.probe(); // waits until that frame is drawn and nothing is pending
        const times: number[] = [];
        for (const camera of cameras) {
          const frame = next('viewer-frame');
          s.send({ type: 'viewer-camera', camera });
          times.push((await frame).ms as number);
        }
        return { count: scene.count as number, probe: first, times: times.slice(warmup) };
      },
      { cameras, width: WIDTH, height: HEIGHT, warmup },
    );
    if (ours.probe.width !== WIDTH || ours.probe.height !== HEIGHT || ours.probe.splats !== splats)
      throw new Error(
        `our viewer drew ${JSON.stringify(ours.probe)}, not ${splats} splats at ${WIDTH}×${HEIGHT}`,
      );

    // --- reference: Spark at the same size, same file, same cameras (three.js axes).
    await page.goto(`${base}/__bench/ref.html`);
    await page.waitForFunction(() => (window as unknown as { __refReady?: boolean }).__refReady === true);
    const reference = await page.evaluate(
      async ({ matrices, warmup }) => {
        const ref = (
          window as unknown as {
            __ref: { renderer: string; load(u: string): Promise<number>; frame(m: number[]): number };
          }
        ).__ref;
        const count = await ref.load('/__bench/scene.splat');
        const raf = () => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
        // Let Spark build its packed splats and finish a first sort before timing.
        for (let i = 0; i < 5; i++) {
          ref.frame(matrices[0]);
          await raf();
        }
        const times: number[] = [];
        for (const m of matrices) {
          times.push(ref.frame(m));
          await raf(); // its sort worker runs between frames, as in a real render loop
        }
        return { count, renderer: ref.renderer, times: times.slice(warmup) };
      },
      { matrices: cameras.map((c) => glWorldFromCamera(c.worldFromCamera)), warmup },
    );
    if (consoleErrors.length) console.log(`page errors: ${consoleErrors.join(' | ')}`);

    const oursMs = median(ours.times);
    const refMs = median(reference.times);
    const a = adapter.adapter ?? {};
    const adapterText = [a.vendor, a.architecture, a.description]
      .filter((v) => v && v !== 'unknown')
      .join(' ');
    console.log(
      `${splats.toLocaleString('en-US')} splats at ${WIDTH}×${HEIGHT}, ${frames} timed frames each`,
    );
    console.log(
      `  ours (WebGPU: ${adapterText})  median ${oursMs.toFixed(1)} ms  [${ours.times.map((t) => t.toFixed(0)).join(' ')}]`,
    );
    console.log(
      `  ${REFERENCE} (WebGL: ${reference.renderer}, ${reference.count} splats)  median ${refMs.toFixed(1)} ms  [${reference.times.map((t) => t.toFixed(0)).join(' ')}]`,
    );
    console.log(`  ratio ours/reference ${(oursMs / refMs).toFixed(2)}`);
    return {
      adapter: `${adapterText}${a.software ? ' (software)' : ''}`,
      splats,
      width: WIDTH,
      height: HEIGHT,
      ours_ms: Number(oursMs.toFixed(2)),
      reference: REFERENCE,
      reference_ms: Number(refMs.toFixed(2)),
      ratio: Number((oursMs / refMs).toFixed(3)),
      reference_renderer: reference.renderer,
      reference_splats: reference.count,
      frames,
    };
  } finally {
    await browser.close();
    server.close();
  }
};

export default bench;
