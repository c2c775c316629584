// The conversion of canvas pixels is bit for bit bnn-run's: RGBA images of many sizes
// (MNIST digits drawn dark on white and scaled up like a canvas drawing, random colours,
// partly transparent pixels) go through binarynet.wasm (bnn_convert_rgba + bnn_classify),
// are written as RGBA PNG files, and `bnn-run classify --resize area|bilinear [--invert]
// --json` classifies the files; class, every score and every probability must be equal.
//
//   node scripts/wasm/convert-test.mjs MODULE.wasm MODEL.bnn BNN_RUN IMAGES.idx[.gz] WORK_DIR
//
// Prints "N images, M equal" per setting; exits 1 on any difference.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Runtime } from "../../web/binarynet.js";
import { encodeRGBA } from "./png.mjs";

const [wasmPath, modelPath, bnnRun, imagesPath, work] = process.argv.slice(2);
mkdirSync(work, { recursive: true });

let seed = 12345;
function random() { // xorshift32, deterministic
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
}

let idx = readFileSync(imagesPath);
if (idx[0] === 0x1f) idx = gunzipSync(idx);
const digit = (i) => idx.subarray(16 + 784 * i, 16 + 784 * (i + 1));

/** Image i: a digit scaled up (nearest) dark on white, or noise; some with alpha. */
function makeImage(i) {
  const sizes = [[280, 280], [28, 28], [100, 37], [13, 50], [1, 1], [57, 91], [300, 200], [29, 27]];
  const [width, height] = sizes[i % sizes.length];
  const rgba = new Uint8Array(width * height * 4);
  const d = digit(i);
  const kind = i % 3; // 0: digit, opaque; 1: digit with translucent pixels; 2: colour noise
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 4 * (y * width + x);
      if (kind === 2) {
        for (let c = 0; c < 4; c++) rgba[p + c] = Math.floor(random() * 256);
      } else {
        const v = 255 - d[Math.floor((y * 28) / height) * 28 + Math.floor((x * 28) / width)];
        rgba.set([v, Math.min(255, v + 20), v, kind === 1 ? Math.floor(random() * 256) : 255], p);
      }
    }
  }
  return { rgba, width, height };
}

const runtime = await Runtime.create(readFileSync(wasmPath));
const model = runtime.load(readFileSync(modelPath));
const count = 24;
const images = [];
for (let i = 0; i < count; i++) {
  const image = makeImage(i);
  const file = `${work}/image-${i}.png`;
  writeFileSync(file, encodeRGBA(image.rgba, image.width, image.height));
  images.push({ ...image, file, data: image.rgba });
}

let failed = 0;
for (const resize of ["area", "bilinear"]) {
  for (const invert of [false, true]) {
    const args = ["classify", modelPath, ...images.map((x) => x.file), "--resize", resize, "--json", "--top", "1"];
    if (invert) args.push("--invert");
    const native = JSON.parse(execFileSync(bnnRun, args, { encoding: "utf8", maxBuffer: 1 << 26 }));
    let equal = 0;
    for (let i = 0; i < count; i++) {
      const r = model.classify(images[i], { resize, invert });
      const n = native[i];
      const same =
        r.index === n.class &&
        n.scores.every((s, j) => Math.fround(s) === r.scores[j]) &&
        n.probabilities.every((p, j) => Math.fround(p) === r.probabilities[j]);
      if (same) equal++;
      else if (failed++ < 5) {
        console.log(`differs: ${images[i].file} (${images[i].width}x${images[i].height}) --resize ${resize}${invert ? " --invert" : ""}: wasm class ${r.index} scores ${r.scores.join(",")}; bnn-run class ${n.class} scores ${n.scores.join(",")}`);
      }
    }
    console.log(`--resize ${resize}${invert ? " --invert" : ""}: ${count} images, ${equal} equal (class, scores, probabilities)`);
  }
}
process.exit(failed ? 1 : 0);
