// WGSL files are imported as text (`?raw`): Vite and Vitest do it natively, Node scripts through tools/raw-loader.mjs.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
