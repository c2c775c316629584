// Runs the kernel test module (Embedded/Wasm/kernel_test.c, built by scripts/test-wasm.sh)
// in Node: the SIMD128 kernels against the scalar reference on random operands.
//   node scripts/wasm/kernel-test.mjs KERNEL_TEST.wasm [SEED ...]
// Prints one line per seed; exits 1 on any difference.
import { readFileSync } from "node:fs";

const [file, ...seeds] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const e = instance.exports;
let failed = 0;
for (const seed of seeds.length ? seeds.map(Number) : [1, 2, 3]) {
  const failures = e.bnn_kernel_test(seed);
  const checks = e.bnn_kernel_test_checks();
  if (failures) {
    const memory = new Uint8Array(e.memory.buffer);
    const start = e.bnn_kernel_test_message();
    const message = new TextDecoder().decode(memory.subarray(start, memory.indexOf(0, start)));
    console.log(`seed ${seed}: ${failures} of ${checks} comparisons differ; first: ${message}`);
    failed++;
  } else {
    console.log(`seed ${seed}: ${checks} comparisons, simd128 identical to scalar`);
  }
}
process.exit(failed ? 1 : 0);
