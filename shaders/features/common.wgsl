// Records shared by the feature kernels (features/*.ts mirror the layouts: 8 words each).

// A DoG extremum after sub-pixel refinement, in the index space of its octave (pixel i of octave o
// samples base pixel i·2^o), and later a selected keypoint.
struct Candidate {
  x: f32,
  y: f32,
  level: f32,    // continuous scale level inside the octave: sigma = sigma0 · 2^(level / FEAT_SCALES)
  response: f32, // |DoG| at the refined extremum (images in [0, 1])
  octave: u32,
  cell: u32,     // selection grid cell (base-image coordinates)
  slot: u32,     // arrival index inside its cell (from the cell counter)
  key: u32,      // selection key: (rank in cell) << 24 | inverted response; NO_KEY = never selected
}

// An oriented keypoint (one per dominant orientation), still in octave index space.
struct Feature {
  x: f32,
  y: f32,
  level: f32,
  angle: f32,    // radians in [0, 2π), image axes (x right, y down)
  octave: u32,
  response: f32,
  pad0: u32,
  pad1: u32,
}

const NO_KEY: u32 = 0xffffffffu;
const TWO_PI: f32 = 6.283185307179586;
