// BinaryNet in the browser (and Node): an ES module around binarynet.wasm, the BinaryNet
// inference core built as Embedded Swift with the C kernels (scripts/wasm/build-wasm.sh).
// No framework, no bundler.
//
//   import { BinaryNet } from "./binarynet.js";
//   const model = await BinaryNet.load(modelBytes);            // a .bnn file's bytes
//   const result = model.classify(canvas.getContext("2d").getImageData(0, 0, w, h),
//                                 { resize: "area", invert: true });
//   result.top[0].label, result.top[0].probability, result.micros
//
// Images of any size are brought to the model's input inside the module by the core's own
// conversions (alpha onto white, BT.601 grey, area or bilinear resize, invert), so a
// canvas and `bnn-run classify --resize area [--invert]` on the same pixels saved as an
// RGBA PNG give the same bytes, scores and class.

const SIMD_PROBE = new Uint8Array([
  // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

/** Whether this engine runs WebAssembly SIMD128 (i8x16.popcnt included). */
export function simdSupported() {
  return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
}

const KERNELS = { best: 0, scalar: 1, simd128: 2 };
const RESIZE = { none: 0, area: 1, bilinear: 2 };
const MAX_MODEL_BYTES = 256 * 1024 * 1024;

let defaultRuntime = null;

function now() {
  return typeof performance === "object" ? performance.now() : Date.now();
}

/** A model file the runtime refused, or a call it could not do; `code` is the status. */
export class BinaryNetError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "BinaryNetError";
    this.code = code;
  }
}

/** One instance of binarynet.wasm (its memory holds every model loaded through it). */
export class Runtime {
  constructor(instance, file) {
    this.exports = instance.exports;
    this.file = file; // the module's name when create() chose it, else null
  }

  /**
   * Instantiates a module. `source`: the module's bytes (ArrayBuffer / typed array), a
   * compiled WebAssembly.Module, a URL or a Response; default: binarynet.wasm next to
   * this file, or binarynet-scalar.wasm where the engine has no SIMD.
   */
  static async create(source) {
    let file = null;
    if (source === undefined) {
      file = simdSupported() ? "binarynet.wasm" : "binarynet-scalar.wasm";
      source = new URL(file, import.meta.url);
    }
    let instance;
    if (source instanceof WebAssembly.Module) {
      instance = await WebAssembly.instantiate(source, {});
    } else {
      if (source instanceof URL || typeof source === "string") source = await fetch(source);
      if (typeof Response === "function" && source instanceof Response) {
        if (!source.ok) throw new BinaryNetError(`cannot fetch ${source.url}: HTTP ${source.status}`, -2);
        source = await source.arrayBuffer();
      }
      instance = (await WebAssembly.instantiate(source, {})).instance;
    }
    return new Runtime(instance, file);
  }

  get memory() {
    return new Uint8Array(this.exports.memory.buffer);
  }

  /** The message of the last failure. */
  errorMessage() {
    const e = this.exports;
    const start = e.bnn_error_message();
    return new TextDecoder().decode(this.memory.subarray(start, start + e.bnn_error_length()));
  }

  check(status) {
    if (status < 0) throw new BinaryNetError(this.errorMessage(), status);
    return status;
  }

  /** Copies `bytes` into module memory; the caller frees the returned pointer. */
  copyIn(bytes) {
    const pointer = this.exports.bnn_alloc(Math.max(bytes.length, 1));
    if (!pointer) throw new BinaryNetError(`out of memory for ${bytes.length} bytes`, -2);
    this.memory.set(bytes, pointer);
    return pointer;
  }

  /** Loads a model file's bytes. `kernel`: "best" (default), "scalar" or "simd128". */
  load(modelBytes, { kernel = "best" } = {}) {
    const bytes = toBytes(modelBytes);
    if (bytes.length > MAX_MODEL_BYTES) {
      throw new BinaryNetError(`model file of ${bytes.length} bytes is over the ${MAX_MODEL_BYTES}-byte limit`, -2);
    }
    if (!(kernel in KERNELS)) throw new BinaryNetError(`unknown kernel "${kernel}" (best, scalar, simd128)`, -2);
    const e = this.exports;
    const data = this.copyIn(bytes);
    const slot = e.bnn_alloc(4);
    try {
      this.check(e.bnn_load(data, bytes.length, KERNELS[kernel], slot));
      return new Model(this, new Uint32Array(this.exports.memory.buffer, slot, 1)[0]);
    } finally {
      e.bnn_free(slot);
      e.bnn_free(data);
    }
  }
}

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new BinaryNetError("model bytes must be an ArrayBuffer or a typed array", -2);
}

/** A loaded model. */
export class Model {
  constructor(runtime, handle) {
    this.runtime = runtime;
    this.handle = handle;
    const e = runtime.exports;
    this.height = e.bnn_input_height(handle);
    this.width = e.bnn_input_width(handle);
    this.channels = e.bnn_input_channels(handle);
    this.classCount = e.bnn_class_count(handle);
    const decoder = new TextDecoder();
    this.labels = [];
    for (let j = 0; j < this.classCount; j++) {
      const start = e.bnn_label(handle, j);
      this.labels.push(decoder.decode(runtime.memory.subarray(start, start + e.bnn_label_length(handle, j))));
    }
    const name = e.bnn_kernel_name(handle);
    let end = name;
    const memory = runtime.memory;
    while (memory[end] !== 0) end++;
    this.kernel = decoder.decode(memory.subarray(name, end));
  }

  /** Pixels of one input image (height x width x channels). */
  get inputSize() {
    return this.height * this.width * this.channels;
  }

  /**
   * Brings RGBA pixels of any size (an ImageData, or { data, width, height }) to the
   * model's input with the core's conversions; returns the input bytes (a copy).
   * `resize`: "area" (default) | "bilinear" | "none"; `invert`: 255 - v (dark-on-light
   * drawings to MNIST's light-on-dark).
   */
  convert(image, { resize = "area", invert = false } = {}) {
    const { data, width, height } = image;
    if (!(resize in RESIZE)) throw new BinaryNetError(`unknown resize "${resize}" (area, bilinear, none)`, -2);
    if (!data || data.length !== width * height * 4) {
      throw new BinaryNetError("an image needs width x height x 4 RGBA bytes", -2);
    }
    const e = this.runtime.exports;
    const pixels = this.runtime.copyIn(data);
    try {
      this.runtime.check(e.bnn_convert_rgba(this.handle, pixels, width, height, RESIZE[resize], invert ? 1 : 0));
    } finally {
      e.bnn_free(pixels);
    }
    const input = e.bnn_input_buffer(this.handle);
    return this.runtime.memory.slice(input, input + this.inputSize);
  }

  /**
   * Classifies an image: RGBA (ImageData or { data, width, height }, converted as in
   * `convert`) or the model's input bytes themselves (a Uint8Array of `inputSize`).
   * Returns { label, index, top: [{ index, label, probability, score }] (best first, `k`
   * of them), scores, probabilities, micros (the inference alone), convertMicros }.
   */
  classify(image, { resize = "area", invert = false, k = 3 } = {}) {
    const e = this.runtime.exports;
    let convertMicros = 0;
    let pointer;
    if (image instanceof Uint8Array) {
      if (image.length !== this.inputSize) {
        throw new BinaryNetError(
          `input is ${image.length} bytes, the model takes ${this.height}x${this.width}x${this.channels} = ${this.inputSize}`,
          -2,
        );
      }
      pointer = e.bnn_input_buffer(this.handle);
      this.runtime.memory.set(image, pointer);
    } else {
      const t0 = now();
      this.convert(image, { resize, invert });
      convertMicros = (now() - t0) * 1000;
      pointer = e.bnn_input_buffer(this.handle);
    }
    const t0 = now();
    const index = this.runtime.check(e.bnn_classify(this.handle, pointer));
    const micros = (now() - t0) * 1000;
    const buffer = this.runtime.exports.memory.buffer;
    const n = this.classCount;
    const scores = Array.from(new Float32Array(buffer, e.bnn_scores(this.handle), n));
    const probabilities = Array.from(new Float32Array(buffer, e.bnn_probabilities(this.handle), n));
    const ranking = new Int32Array(buffer, e.bnn_ranking(this.handle), n);
    const top = [];
    for (let r = 0; r < Math.min(k, n); r++) {
      const j = ranking[r];
      top.push({ index: j, label: this.labels[j], probability: probabilities[j], score: scores[j] });
    }
    return { index, label: this.labels[index], top, scores, probabilities, micros, convertMicros };
  }

  /**
   * Microseconds per inference of the input last converted or classified: `runs` calls of
   * bnn_classify timed together (one call is below the browser clock's resolution).
   */
  time(runs = 100) {
    const e = this.runtime.exports;
    const input = e.bnn_input_buffer(this.handle);
    const t0 = now();
    for (let i = 0; i < runs; i++) this.runtime.check(e.bnn_classify(this.handle, input));
    return ((now() - t0) * 1000) / runs;
  }

  /** Predicted class indices of `count` input images stored back to back (each through
   *  the same call as `classify`). */
  predict(pixels, count) {
    const size = this.inputSize;
    if (pixels.length !== count * size) {
      throw new BinaryNetError(`${pixels.length} bytes are not ${count} images of ${size}`, -2);
    }
    const e = this.runtime.exports;
    const input = e.bnn_input_buffer(this.handle);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      this.runtime.memory.set(pixels.subarray(i * size, (i + 1) * size), input);
      labels[i] = this.runtime.check(e.bnn_classify(this.handle, input));
    }
    return labels;
  }

  /** Frees the model's memory in the module; the object is unusable afterwards. */
  dispose() {
    if (this.handle) this.runtime.exports.bnn_unload(this.handle);
    this.handle = 0;
  }
}

/** The entry point: `await BinaryNet.load(modelBytes)`. */
export const BinaryNet = {
  /**
   * Loads a model (.bnn bytes) into the shared default runtime (made on first use), or
   * into `options.runtime`. `options.kernel`: "best" | "scalar" | "simd128".
   */
  async load(modelBytes, options = {}) {
    let runtime = options.runtime;
    if (!runtime) {
      defaultRuntime ??= Runtime.create(options.wasm).catch((error) => {
        defaultRuntime = null; // a failed fetch may be retried
        throw error;
      });
      runtime = await defaultRuntime;
    }
    return runtime.load(modelBytes, options);
  },
  Runtime,
  simdSupported,
};

export default BinaryNet;
