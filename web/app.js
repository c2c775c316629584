// The page: a drawing pad, image drop, model choice, and the top-3 classes of binarynet.wasm.
import { BinaryNet, Runtime } from "./binarynet.js";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const context = pad.getContext("2d", { willReadFrequently: true });
const state = { runtime: null, model: null, name: "", drawing: false, last: null, pending: false };

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function clearPad() {
  context.fillStyle = "#fff";
  context.fillRect(0, 0, pad.width, pad.height);
  $("top").replaceChildren();
  $("micros").textContent = "–";
  $("timing-note").textContent = "";
  document.body.dataset.state = state.model ? "ready" : "loading";
}

function setModel(model, name, bytes) {
  state.model?.dispose();
  state.model = model;
  state.name = name;
  const kind = model.channels === 1 ? "grey" : "colour";
  $("model-info").textContent =
    `${name}: ${model.height}×${model.width} ${kind} input, ${model.classCount} classes ` +
    `(${model.labels.slice(0, 10).join(", ")}${model.classCount > 10 ? ", …" : ""}), ` +
    `${(bytes / 1024).toFixed(1)} KB, ${model.kernel} kernels`;
  showError("");
  document.body.dataset.state = "ready";
}

async function loadModelBytes(bytes, name) {
  try {
    const model = await BinaryNet.load(bytes, { runtime: state.runtime });
    setModel(model, name, bytes.byteLength);
    classify();
  } catch (error) {
    showError(`${name}: ${error.message}`);
  }
}

async function loadBundled() {
  const response = await fetch(new URL("mnist.bnn", import.meta.url));
  if (!response.ok) throw new Error(`mnist.bnn: HTTP ${response.status}`);
  await loadModelBytes(await response.arrayBuffer(), "mnist.bnn (bundled)");
}

function isBlank(data) {
  for (let i = 0; i < data.length; i += 4) if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) return false;
  return true;
}

function classify() {
  const model = state.model;
  if (!model) return;
  const image = context.getImageData(0, 0, pad.width, pad.height);
  if (isBlank(image.data)) {
    $("top").replaceChildren();
    return;
  }
  const options = { resize: $("resize").value, invert: $("invert").checked, k: 3 };
  let result;
  try {
    result = model.classify(image, options);
  } catch (error) {
    showError(error.message);
    return;
  }
  state.last = result;
  const items = result.top.map((entry) => {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = entry.label;
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.style.width = `${(entry.probability * 100).toFixed(1)}%`;
    bar.append(fill);
    const percent = document.createElement("span");
    percent.className = "percent";
    percent.textContent = `${(entry.probability * 100).toFixed(1)}%`;
    li.dataset.index = entry.index;
    li.append(label, bar, percent);
    return li;
  });
  $("top").replaceChildren(...items);
  // One inference is below the clock's resolution: time a batch of runs (~20 ms).
  let runs = 8;
  let micros = model.time(runs);
  if (micros * runs < 20000) {
    runs = Math.min(2000, Math.max(runs, Math.ceil(20000 / Math.max(micros, 1))));
    micros = model.time(runs);
  }
  $("micros").textContent = micros < 100 ? micros.toFixed(1) : Math.round(micros).toString();
  $("timing-note").textContent = `(${runs} runs; conversion ${Math.round(result.convertMicros)} µs)`;
  document.body.dataset.state = "result";
  document.body.dataset.label = result.label;
}

function scheduleClassify() {
  if (state.pending) return;
  state.pending = true;
  requestAnimationFrame(() => {
    state.pending = false;
    classify();
  });
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  state.drawing = true;
  const [x, y] = point(event);
  context.strokeStyle = "#000";
  context.fillStyle = "#000";
  context.lineWidth = pad.width / 13;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.beginPath();
  context.arc(x, y, context.lineWidth / 2, 0, 2 * Math.PI);
  context.fill();
  context.beginPath();
  context.moveTo(x, y);
  scheduleClassify();
});
pad.addEventListener("pointermove", (event) => {
  if (!state.drawing) return;
  const [x, y] = point(event);
  context.lineTo(x, y);
  context.stroke();
  context.beginPath();
  context.moveTo(x, y);
  scheduleClassify();
});
for (const name of ["pointerup", "pointercancel"]) {
  pad.addEventListener(name, () => {
    if (!state.drawing) return;
    state.drawing = false;
    classify();
  });
}

async function drawImageFile(file) {
  try {
    const bitmap = await createImageBitmap(file);
    clearPad();
    const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
    const w = bitmap.width * scale;
    const h = bitmap.height * scale;
    context.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    classify();
  } catch (error) {
    showError(`${file.name}: not an image this browser can decode`);
  }
}

const zone = $("drop-zone");
zone.addEventListener("dragover", (event) => {
  event.preventDefault();
  zone.classList.add("dragging");
});
zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("dragging");
  const file = event.dataTransfer.files[0];
  if (file) drawImageFile(file);
});
$("image-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) drawImageFile(file);
  event.target.value = "";
});
$("model-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) await loadModelBytes(await file.arrayBuffer(), file.name);
  event.target.value = "";
});
$("bundled").addEventListener("click", () => loadBundled().catch((error) => showError(error.message)));
$("clear").addEventListener("click", clearPad);
$("invert").addEventListener("change", classify);
$("resize").addEventListener("change", classify);

async function start() {
  clearPad();
  try {
    state.runtime = await Runtime.create();
    const name = state.runtime.file;
    const response = await fetch(new URL(name, import.meta.url), { method: "HEAD" }).catch(() => null);
    const size = response?.headers.get("content-length");
    if (size) $("module-size").textContent = `${(Number(size) / 1024).toFixed(1)} KB (${name})`;
    await loadBundled();
  } catch (error) {
    showError(`cannot start: ${error.message}`);
    document.body.dataset.state = "error";
  }
}

// For tests and the console.
window.binarynet = state;
start();
