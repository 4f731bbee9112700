/**
 * `npm run reconstruct -- a.jpg b.jpg --out scene.ply`: the whole pipeline in Node. The pipeline lands with
 * issue 5; until then this says so plainly instead of pretending.
 */
console.error('reconstruct: the reconstruction pipeline is not in this build yet.');
process.exit(2);
