/**
 * Data and models from files, read in the page (nothing leaves it): the built-in digits (static gzip
 * IDX files next to the page), IDX pairs the user picks, and two safetensors models.
 */
import { ModeconnError, loadIdx, parseModel, splitDataSet, validateArch, type Arch, type DataSet, type Model } from 'modeconn';

/** The whole file as bytes. */
async function readBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

let digits: Promise<{ train: DataSet; test: DataSet }> | null = null;

/** The built-in digits: loadMnist's 8,004 / 1,996 split, the same floats as in Node. */
export function loadDigits(): Promise<{ train: DataSet; test: DataSet }> {
  digits ??= (async () => {
    const fetchBytes = async (name: string) => {
      const response = await fetch(new URL(`./data/${name}`, document.baseURI));
      if (!response.ok) throw new ModeconnError('DATA_UNAVAILABLE', `the built-in digits (${name}) did not load: HTTP ${response.status}`, { advice: 'build the lab with npm run build:web' });
      return new Uint8Array(await response.arrayBuffer());
    };
    const split = async (part: 'train' | 'test') => loadIdx(
      await fetchBytes(`digits-${part}-images.idx.gz`), await fetchBytes(`digits-${part}-labels.idx.gz`), { name: `mnist-${part}`, classes: 10 },
    );
    const [train, test] = await Promise.all([split('train'), split('test')]);
    return { train, test };
  })();
  digits.catch(() => (digits = null));
  return digits;
}

/** Images and labels among two IDX files (labels have one dimension), split 80 / 20 with seed 0. */
export async function readIdxPair(files: readonly File[]): Promise<{ train: DataSet; test: DataSet }> {
  if (files.length !== 2) throw new ModeconnError('BAD_ARGUMENT', `choose two IDX files (images and labels), got ${files.length}`);
  const bytes = await Promise.all(files.map(readBytes));
  // n labels take fewer bytes than n images of more than one value, raw or compressed.
  const labelsAt = bytes[0].length <= bytes[1].length ? 0 : 1;
  const data = await loadIdx(bytes[1 - labelsAt], bytes[labelsAt], { name: files[1 - labelsAt].name, imagesName: files[1 - labelsAt].name, labelsName: files[labelsAt].name });
  return splitDataSet(data, { test: 0.2, seed: 0 });
}

/** Parses the JSON architecture text (empty: none); BAD_ARGUMENT naming the problem. */
export function parseArchText(text: string): Arch | undefined {
  if (!text.trim()) return undefined;
  let arch: Arch;
  try {
    arch = JSON.parse(text) as Arch;
  } catch (cause) {
    throw new ModeconnError('BAD_ARGUMENT', `the architecture is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  validateArch(arch);
  return arch;
}

/** Two models from two safetensors files, A first by file name; the arch from `arch`, the files' metadata or inferred. */
export async function readModels(files: readonly File[], arch?: Arch): Promise<[Model, Model]> {
  if (files.length !== 2) throw new ModeconnError('BAD_ARGUMENT', `choose two .safetensors files (A and B), got ${files.length}`, { advice: 'pick or drop both files at once' });
  const sorted = [...files].sort((x, y) => x.name.localeCompare(y.name));
  const models = await Promise.all(sorted.map(async (f) => parseModel(await readBytes(f), { name: f.name, ...(arch ? { arch } : {}) })));
  if (JSON.stringify(models[0].arch) !== JSON.stringify(models[1].arch)) {
    throw new ModeconnError('BAD_ARGUMENT', `${sorted[0].name} and ${sorted[1].name} have different architectures`, { advice: 'A and B must be two trainings of one architecture' });
  }
  return [models[0], models[1]];
}
