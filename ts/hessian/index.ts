export { hessianBlocks, hessianOperator, functionOperator, type HessianBlock, type HessianOperator, type HessianOptions } from './operator.js';
export { lanczos, topEigenpairs, tridiagonal, gaussianVector, type LanczosRun, type RitzPair, type TopEigenOptions } from './lanczos.js';
export { hutchinsonTrace, rademacherVector, type TraceEstimate, type HutchinsonOptions } from './hutchinson.js';
export { slq, slqTrace, lanczosQuadrature, densityGrid, type Quadrature, type SlqOptions, type DensityGridOptions } from './slq.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { hessianSpectrum, type SpectrumOptions, type SpectrumReport, type LayerSpectrum } from './spectrum.js';
export { hessianAlongPath, planHessianPathCells, hessianDirections, type PathSpectrumOptions, type PathSpectrumPoint } from './along-path.js';
