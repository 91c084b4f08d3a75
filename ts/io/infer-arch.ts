/**
 * Architecture inference from a state_dict's names and shapes: picks the rule set by the names
 * (`nn.Sequential` indices, VGG `features`/`classifier`, ResNet `conv1` + `layerN.M`, named MLP
 * layers) and returns the Arch with every tensor's layout name. UNKNOWN_ARCH lists what did not fit.
 */
import { cannotInfer, groupModules, type InferOptions, type InferredArch, type ShapedTensor } from './infer-modules.js';
import { inferResnet, looksLikeResnet } from './infer-resnet.js';
import { inferNamedMlp, inferSequential, inferVgg } from './infer-sequential.js';

export type { InferOptions, InferredArch } from './infer-modules.js';

/** Infers the arch of a state_dict (names already mapped, see `mapNames`). */
export function inferArch(tensors: Map<string, ShapedTensor>, options: InferOptions = {}): InferredArch {
  const name = options.name ?? 'state_dict';
  if (tensors.size === 0) cannotInfer(name, 'the file has no tensors');
  const modules = groupModules(tensors);
  const prefixes = [...modules.keys()];
  if (prefixes.every((p) => /^(0|[1-9]\d*)$/.test(p))) return inferSequential(modules, options, name);
  if (prefixes.some((p) => p.startsWith('features.'))) return inferVgg(modules, options, name);
  if (looksLikeResnet(modules)) return inferResnet(modules, options, name);
  if (prefixes.every((p) => p !== '' && !p.includes('.'))) return inferNamedMlp(modules, options, name);
  const sample = [...tensors.keys()].slice(0, 6).map((t) => `"${t}"`).join(', ');
  return cannotInfer(name, `no known layout (nn.Sequential indices, VGG features.N/classifier.N, ResNet conv1 + layerN.M, named MLP layers) fits tensors such as ${sample}`);
}
