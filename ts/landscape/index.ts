export { randomDirection, planeThrough, type DirectionOptions, type Normalization, type Plane } from './directions.js';
export {
  evaluateSurface, planSurfaceCells, assembleSurfaceReport, type SurfacePlan, type SurfaceCell, type Surface, type SurfaceOptions, type SurfaceReport, type SurfaceSet,
} from './surface.js';
export { trajectoryPca, type TrajectoryPca } from './trajectory.js';
