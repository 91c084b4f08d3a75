// Architecture inference and name mapping on hand-made state_dict shapes: what each layout reads
// (gaps, trailing pools, flatten), and the typed errors — unmatched tensors listed, option-A
// shortcuts and torchvision's 7x7 adaptive pool NOT_SUPPORTED, name collisions, bad mapping JSON.
import { describe, expect, it } from 'vitest';
import { inferArch } from '../../ts/io/infer-arch.js';
import { mapNames, parseNameMapping } from '../../ts/io/names.js';
import { resnet } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { expectCode } from './helpers.js';

type Spec = Array<[string, number[]]>;
const shapes = (spec: Spec) => new Map(spec.map(([n, shape]) => [n, { shape }]));
const bn = (prefix: string, c: number): Spec => [[`${prefix}.weight`, [c]], [`${prefix}.bias`, [c]], [`${prefix}.running_mean`, [c]], [`${prefix}.running_var`, [c]], [`${prefix}.num_batches_tracked`, []]];
const conv = (prefix: string, out: number, cin: number, k = 3, bias = false): Spec => [[`${prefix}.weight`, [out, cin, k, k]], ...(bias ? [[`${prefix}.bias`, [out]] as [string, number[]]] : [])];

/** The state_dict shapes of a CIFAR ResNet-(6n+2) with option-B shortcuts (names as akamaster's). */
function cifarResnet(width: number, n: number, shortcut = 'shortcut'): Spec {
  const spec: Spec = [...conv('conv1', width, 3), ...bn('bn1', width)];
  let c = width;
  for (let s = 0; s < 3; s++) {
    for (let b = 0; b < n; b++) {
      const out = width * 2 ** s;
      const p = `layer${s + 1}.${b}`;
      spec.push(...conv(`${p}.conv1`, out, c), ...bn(`${p}.bn1`, out), ...conv(`${p}.conv2`, out, out), ...bn(`${p}.bn2`, out));
      if (c !== out) spec.push(...conv(`${p}.${shortcut}.0`, out, c, 1), ...bn(`${p}.${shortcut}.1`, out));
      c = out;
    }
  }
  return [...spec, ['linear.weight', [10, c]], ['linear.bias', [10]]];
}

describe('inferArch', () => {
  it('a CIFAR ResNet-32 is the resnet builder\'s, on any input size, with every tensor mapped', () => {
    const inferred = inferArch(shapes(cifarResnet(8, 5)), { input: [3, 24, 24] });
    expect(inferred.family).toBe('resnet');
    const built = resnet({ input: [3, 24, 24], width: 8, blocks: 5, classes: 10 });
    expect(compileArch(inferred.arch).words).toEqual(compileArch(built).words);
    expect(inferred.layoutNames.size).toBe(cifarResnet(8, 5).length);
  });

  it('lists the tensors no rule claimed', () => {
    const spec: Spec = [...cifarResnet(4, 1), ['aux.weight', [3, 4]], ['layer1.0.extra.scale', [4]]];
    expectCode(() => inferArch(shapes(spec), { name: 'x.pt' }), 'UNKNOWN_ARCH', 'x.pt', 'left unmatched', '"aux.weight"', '"layer1.0.extra.scale"');
  });

  it('option-A (parameter-free) shortcuts are NOT_SUPPORTED, naming the block', () => {
    const spec = cifarResnet(4, 1).filter(([n]) => !n.includes('shortcut'));
    expectCode(() => inferArch(shapes(spec), { name: 'a.pt' }), 'NOT_SUPPORTED', 'a.pt', 'layer2.0', 'option A');
  });

  it('VGG: the closing max-pool from the classifier width, a global pool for C features, torchvision\'s 7x7 adaptive pool refused', () => {
    const features: Spec = [...conv('features.0', 8, 3, 3, true), ...conv('features.3', 16, 8, 3, true)];
    const arch = (inFeatures: number) => inferArch(shapes([...features, ['classifier.weight', [10, inFeatures]], ['classifier.bias', [10]]])).arch;
    const types = (inFeatures: number) => arch(inFeatures).layers.map((l) => l.type);
    expect(types(16 * 16 * 16)).toEqual(['conv2d', 'relu', 'maxpool', 'conv2d', 'relu', 'flatten', 'dense']);
    expect(types(16 * 8 * 8)).toEqual(['conv2d', 'relu', 'maxpool', 'conv2d', 'relu', 'maxpool', 'flatten', 'dense']);
    expect(types(16)).toEqual(['conv2d', 'relu', 'maxpool', 'conv2d', 'relu', 'maxpool', 'avgpool', 'flatten', 'dense']);
    expectCode(() => arch(16 * 49), 'NOT_SUPPORTED', 'AdaptiveAvgPool2d((7, 7))');
    expectCode(() => arch(1000), 'UNKNOWN_ARCH', 'classifier input of 1000 features');
  });

  it('Sequential CNN: pools and flatten read from the gap before the Linear; a wrong input says so', () => {
    const spec: Spec = [...conv('0', 6, 1, 3, true), ['4.weight', [10, 6 * 14 * 14]], ['4.bias', [10]]];
    const layers = inferArch(shapes(spec), { input: [1, 28, 28] }).arch.layers.map((l) => l.type);
    expect(layers).toEqual(['conv2d', 'relu', 'maxpool', 'flatten', 'dense']);
    expectCode(() => inferArch(shapes(spec), { input: [1, 32, 32] }), 'UNKNOWN_ARCH', 'module 4 takes 1176 features');
    expectCode(() => inferArch(shapes(spec), { input: [3, 28, 28] }), 'UNKNOWN_ARCH', 'takes 1 channels');
  });

  it('named MLPs are ordered by their numbers, BatchNorm after its Linear', () => {
    const spec: Spec = [['fc2.weight', [3, 5]], ['fc2.bias', [3]], ...bn('bn1', 5), ['fc1.weight', [5, 12]], ['fc1.bias', [5]]];
    const arch = inferArch(shapes(spec), { input: [3, 2, 2] }).arch;
    expect(arch.layers.map((l) => l.type)).toEqual(['flatten', 'dense', 'batchnorm', 'relu', 'dense']);
    expect(arch.input).toEqual([3, 2, 2]);
    expectCode(() => inferArch(shapes([['fc1.weight', [5, 4]], ['fc2.weight', [3, 6]]])), 'UNKNOWN_ARCH', 'fc2 takes 6 features but receives 5');
  });
});

describe('name mapping', () => {
  it('map first, then the first matching rule; DataParallel\'s module. dropped', () => {
    const names = ['module.backbone.0.weight', 'module.head.weight', 'module.x'];
    const out = mapNames(names, { map: { 'module.x': 'module.y' }, rules: [{ from: 'module.backbone.', to: 'module.features.' }, { from: /head\.(\w+)$/, to: 'classifier.$1' }] });
    expect([...out.values()]).toEqual(['features.0.weight', 'classifier.weight', 'y']);
  });

  it('two names onto one, or onto an empty name, are refused', () => {
    expectCode(() => mapNames(['a.w', 'b.w'], { rules: [{ from: /^[ab]\./, to: 'c.' }] }, 'f.pt'), 'BAD_ARGUMENT', 'f.pt', '"a.w"', '"b.w"', '"c.w"');
    expectCode(() => mapNames(['a'], { map: { a: '' } }), 'BAD_ARGUMENT', 'empty name');
  });

  it('JSON: {map, rules} with /regex/ strings, or a flat map; errors name the file', () => {
    const m = parseNameMapping({ rules: [{ from: '/^net\\.(\\d+)/i', to: '$1' }, { from: 'x.', to: 'y.' }] }, 'n.json');
    expect(m.rules![0].from).toEqual(/^net\.(\d+)/i);
    expect(parseNameMapping({ a: 'b' }, 'n.json')).toEqual({ map: { a: 'b' } });
    expectCode(() => parseNameMapping([], 'n.json'), 'BAD_ARGUMENT', 'n.json');
    expectCode(() => parseNameMapping({ rules: [{ from: '/(/', to: '' }] }, 'n.json'), 'BAD_ARGUMENT', 'rules[0].from');
    expectCode(() => parseNameMapping({ map: { a: 1 } }, 'n.json'), 'BAD_ARGUMENT', '"map"');
    expectCode(() => parseNameMapping({ map: {}, extra: 1 }, 'n.json'), 'BAD_ARGUMENT', '"extra"');
  });
});
