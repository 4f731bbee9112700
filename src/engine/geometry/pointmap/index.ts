/**
 * DUSt3R-style pointmap geometry: pairwise inference, Weiszfeld focal, similarity (Umeyama) poses,
 * global alignment, GeometryResult.
 *
 *   const model = await loadModel(findModel(manifest, 'pointmap'), { manifestUrl, session: { device } });
 *   const geo = await pointmapGeometry(images, model, { size: { width: dims.W, height: dims.H } });
 */
export { alignPointmaps } from './align';
export { logWeight, unitConfidence, unitConfidenceMap } from './confidence';
export { fitToModel, makePairs, type PointmapRunner, predictPairs, toModelTensor } from './infer';
export {
  type PointmapGeometry,
  type PointmapGeometryOptions,
  pointmapGeometry,
} from './pipeline';
export { applySimilarity, robustSimilarity, type Similarity, weightedSimilarity } from './procrustes';
export type { AlignmentResult, AlignOptions, PairPrediction, PointmapSize, Sim3 } from './types';
export { estimateFocal } from './weiszfeld';
