// Classifies every image of an IDX file with binarynet.wasm in Node, through the same
// call the web page makes (bnn_classify, one image at a time), and writes one predicted
// class index per line: the format of `bnn-run eval --predictions`, so `cmp` compares.
//
//   node scripts/wasm/eval-wasm.mjs MODULE.wasm MODEL.bnn IMAGES.idx[.gz] OUT.txt [--kernel K] [--limit N]
//
// Prints the model's kernel path, the count and the wall time.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Runtime } from "../../web/binarynet.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const kernel = option("--kernel", "best");
const limit = Number(option("--limit", "Infinity"));
const [wasmPath, modelPath, imagesPath, outPath] = args;
if (!outPath) {
  console.error("usage: eval-wasm.mjs MODULE.wasm MODEL.bnn IMAGES.idx[.gz] OUT.txt [--kernel K] [--limit N]");
  process.exit(2);
}

/** An IDX file of unsigned bytes: { dims, data }. */
export function readIDX(path) {
  let bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8) throw new Error(`${path}: not an IDX file of bytes`);
  const rank = bytes[3];
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(bytes.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + 4 + 4 * rank) };
}

const runtime = await Runtime.create(readFileSync(wasmPath));
const model = runtime.load(readFileSync(modelPath), { kernel });
const { dims, data } = readIDX(imagesPath);
const count = Math.min(dims[0], limit);
const size = dims.slice(1).reduce((a, b) => a * b, 1);
if (size !== model.inputSize) {
  console.error(`${imagesPath}: images of ${dims.slice(1).join("x")}, the model takes ${model.height}x${model.width}x${model.channels}`);
  process.exit(1);
}
const t0 = performance.now();
const labels = model.predict(data.subarray(0, count * size), count);
const seconds = (performance.now() - t0) / 1000;
writeFileSync(outPath, Array.from(labels).join("\n") + "\n");
console.log(`${model.kernel} kernels, ${count} images in ${seconds.toFixed(2)} s`);
