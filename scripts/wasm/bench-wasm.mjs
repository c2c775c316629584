// Batch-1 latency of binarynet.wasm in Node: one image per bnn_classify call (what the
// web page does), on deterministic random images, after a warm-up. Reports p50 and min
// over the calls, in µs, as one JSON line per (module, model).
//   node scripts/wasm/bench-wasm.mjs SECONDS MODEL.bnn MODULE.wasm [MODULE.wasm ...]
import { readFileSync } from "node:fs";
import { Runtime } from "../../web/binarynet.js";

const [seconds, modelPath, ...modules] = process.argv.slice(2);
const budget = Number(seconds) * 1000;
for (const path of modules) {
  const runtime = await Runtime.create(readFileSync(path));
  const model = runtime.load(readFileSync(modelPath));
  const e = runtime.exports;
  const input = e.bnn_input_buffer(model.handle);
  let seed = 7;
  const images = Array.from({ length: 16 }, () =>
    Uint8Array.from({ length: model.inputSize }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24)),
  );
  const times = [];
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < budget || times.length < 20; i++) {
    runtime.memory.set(images[i % images.length], input);
    const start = performance.now();
    e.bnn_classify(model.handle, input);
    const micros = (performance.now() - start) * 1000;
    if (performance.now() - t0 > budget / 5) times.push(micros); // the first fifth warms up
  }
  times.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      module: path.split("/").pop(),
      kernel: model.kernel,
      p50: times[times.length >> 1],
      min: times[0],
      calls: times.length,
    }),
  );
}
