// Assembles crate/wat/relaxed.wat (the relaxed-SIMD kernels) with npm's wabt into
// ts/wasm/modeconn_relaxed.wasm (committed, like the core). Rust 1.63 cannot emit these opcodes, and
// Debian's binaryen (108) predates their final encoding; wabt ≥ 1.0.33 has it, which the check below
// pins: f32x4.relaxed_madd must be 0xfd 0x85 0x02 (opcode 0x105). `--check` assembles into memory
// and fails if the committed binary differs. Run by `npm run build:wasm` (scripts/build-wasm.sh).
import { readFile, writeFile } from 'node:fs/promises';
import wabtInit from 'wabt';

const source = new URL('../crate/wat/relaxed.wat', import.meta.url);
const target = new URL('../ts/wasm/modeconn_relaxed.wasm', import.meta.url);
const check = process.argv.includes('--check');

const wabt = await wabtInit();
const module = wabt.parseWat('relaxed.wat', await readFile(source, 'utf8'), { simd: true, relaxed_simd: true });
module.validate();
const { buffer } = module.toBinary({ log: false, write_debug_names: false });
module.destroy();
const bytes = Buffer.from(buffer);
if (!bytes.includes(Buffer.from([0xfd, 0x85, 0x02]))) {
  console.error('build-relaxed: no f32x4.relaxed_madd with its final opcode (0xfd 0x105) in the output; is wabt too old?');
  process.exit(1);
}
if (check) {
  const committed = await readFile(target).catch(() => Buffer.alloc(0));
  if (!committed.equals(bytes)) {
    console.error("build-relaxed: ts/wasm/modeconn_relaxed.wasm differs from crate/wat/relaxed.wat; run 'npm run build:wasm' and commit it");
    process.exit(1);
  }
  console.log(`build-relaxed: committed binary matches crate/wat/relaxed.wat (${bytes.length} bytes)`);
} else {
  await writeFile(target, bytes);
  console.log(`build-relaxed: wrote ts/wasm/modeconn_relaxed.wasm (${bytes.length} bytes)`);
}
