// The web page in headless Chromium, driven through chromedriver's WebDriver HTTP API with
// Node's fetch (no WebSocket client, no npm packages):
//   1. the page loads binarynet.wasm and the bundled model from a local static server;
//   2. a digit is drawn on the pad with pointer actions (a mouse stroke, then a touch one);
//   3. the label and probabilities the page shows are compared with `bnn-run classify
//      --resize area --invert --json` on the pad's pixels saved as a PNG;
//   4. an image file chosen in the page (an MNIST test digit, dark on white, 150x120) is
//      drawn onto the pad and classified, again as bnn-run does on the pad's pixels;
//   5. a damaged model chosen in the file input is refused with its message;
//   6. screenshots at desktop and phone widths are saved.
//
//   node scripts/wasm/page-test.mjs BNN_RUN WORK_DIR [CHROMIUM] [CHROMEDRIVER]
//
// Prints PASS/FAIL lines; exits 1 on any failure.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { encodeRGBA } from "./png.mjs";

const [bnnRun, workArg, chromium = "/usr/bin/chromium", driverPath = "/usr/bin/chromedriver"] = process.argv.slice(2);
const work = resolve(workArg);
mkdirSync(work, { recursive: true });
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const web = join(root, "web");
let failures = 0;
const pass = (what) => console.log(`PASS: page: ${what}`);
const fail = (what) => {
  failures++;
  console.log(`FAIL: page: ${what}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

const children = [];
function startChild(command, args) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}
function cleanup() {
  for (const child of children) child.kill();
}
process.on("exit", cleanup);

const webPort = await freePort();
startChild(process.execPath, [join(root, "scripts/wasm/serve.mjs"), web, String(webPort)]);
const driverPort = await freePort();
startChild(driverPath, [`--port=${driverPort}`]);
const driver = `http://127.0.0.1:${driverPort}`;

async function call(method, path, body) {
  const response = await fetch(driver + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${json.value?.message ?? response.status}`);
  return json.value;
}

// Wait for chromedriver and the server.
for (let i = 0; ; i++) {
  try {
    await fetch(`${driver}/status`);
    await fetch(`http://127.0.0.1:${webPort}/`);
    break;
  } catch (error) {
    if (i > 100) throw new Error(`chromedriver or the server did not start: ${error.message}`);
    await sleep(100);
  }
}

const session = await call("POST", "/session", {
  capabilities: {
    alwaysMatch: {
      browserName: "chrome",
      "goog:chromeOptions": {
        binary: chromium,
        args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"],
      },
    },
  },
});
const s = `/session/${session.sessionId}`;
const run = (script, ...args) => call("POST", `${s}/execute/sync`, { script, args });
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function waitFor(script, what, ms = 20000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const value = await run(script);
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function screenshot(name) {
  const png = Buffer.from(await call("GET", `${s}/screenshot`), "base64");
  writeFileSync(join(work, name), png);
  return png.length;
}

/** Draws strokes ([[x, y], ...] in pad pixels of 280) with a pointer of `type`. */
async function draw(strokes, type) {
  const pad = await call("POST", `${s}/element`, { using: "css selector", value: "#pad" });
  const size = await run("const r = document.getElementById('pad').getBoundingClientRect(); return [r.width, r.height];");
  const actions = [];
  for (const stroke of strokes) {
    stroke.forEach(([x, y], i) => {
      const move = {
        type: "pointerMove",
        duration: 0,
        origin: { [ELEMENT]: pad[ELEMENT] },
        x: Math.round(((x - 140) * size[0]) / 280),
        y: Math.round(((y - 140) * size[1]) / 280),
      };
      actions.push(move);
      if (i === 0) actions.push({ type: "pointerDown", button: 0 });
    });
    actions.push({ type: "pointerUp", button: 0 });
  }
  await call("POST", `${s}/actions`, {
    actions: [{ type: "pointer", id: `${type}1`, parameters: { pointerType: type }, actions }],
  });
  await call("DELETE", `${s}/actions`);
}

/** The page's shown prediction against bnn-run on the pad's pixels. */
async function checkAgainstEngine(name) {
  await waitFor("return document.body.dataset.state === 'result' && document.querySelectorAll('#top li').length > 0;", "a result");
  const shown = await run(`
    return [...document.querySelectorAll('#top li')].map((li) => ({
      index: Number(li.dataset.index), label: li.querySelector('.label').textContent,
      percent: li.querySelector('.percent').textContent }));`);
  const micros = await run("return document.getElementById('micros').textContent;");
  const dataURL = await run("return document.getElementById('pad').toDataURL('image/png');");
  const file = join(work, `${name}.png`);
  writeFileSync(file, Buffer.from(dataURL.split(",")[1], "base64"));
  const native = JSON.parse(
    execFileSync(bnnRun, ["classify", join(web, "mnist.bnn"), file, "--resize", "area", "--invert", "--json"], {
      encoding: "utf8",
    }),
  )[0];
  const expected = native.top.map((t) => ({
    index: t.class,
    label: t.label,
    percent: `${(Math.fround(t.probability) * 100).toFixed(1)}%`,
  }));
  if (JSON.stringify(shown) === JSON.stringify(expected)) {
    pass(`${name}: shows ${shown.map((t) => `${t.label} ${t.percent}`).join(", ")} (${micros} µs per inference), as bnn-run classify on the pad's PNG`);
  } else {
    fail(`${name}: page shows ${JSON.stringify(shown)}, bnn-run ${JSON.stringify(expected)}`);
  }
  return shown;
}

try {
  await call("POST", `${s}/url`, { url: `http://127.0.0.1:${webPort}/` });
  await waitFor("return document.body.dataset.state === 'ready';", "the bundled model");
  const info = await run("return document.getElementById('model-info').textContent;");
  pass(`loaded: ${info}`);

  // A "7": the top bar and the diagonal, with the mouse.
  await draw([[[80, 70], [130, 68], [200, 70]], [[200, 70], [170, 130], [140, 190], [120, 235]]], "mouse");
  const seven = await checkAgainstEngine("mouse-seven");
  await screenshot("page-desktop.png");

  // Clear, then a "1" with a finger (touch pointer).
  await run("document.getElementById('clear').click();");
  await draw([[[145, 50], [143, 120], [140, 180], [138, 235]]], "touch");
  await checkAgainstEngine("touch-one");
  if (seven.length === 3) pass("three classes with probability bars");
  else fail(`${seven.length} classes shown, not 3`);

  // An image file: MNIST test image 0 (a 7) dark on white, 150x120, through the file input.
  const mnist = gunzipSync(readFileSync(join(root, "datasets/mnist/t10k-images-idx3-ubyte.gz")));
  const [fw, fh] = [150, 120];
  const rgba = new Uint8Array(fw * fh * 4);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = 255 - mnist[16 + Math.floor((y * 28) / fh) * 28 + Math.floor((x * 28) / fw)];
      rgba.set([v, v, v, 255], 4 * (y * fw + x));
    }
  }
  const digitFile = join(work, "digit-file.png");
  writeFileSync(digitFile, encodeRGBA(rgba, fw, fh));
  await run("document.body.dataset.state = 'loading';");
  const picker = await call("POST", `${s}/element`, { using: "css selector", value: "#image-file" });
  await call("POST", `${s}/element/${picker[ELEMENT]}/value`, { text: digitFile });
  const fromFile = await checkAgainstEngine("image-file");
  if (fromFile[0]?.label === "7") pass("the image file's digit (MNIST test image 0) is read as a 7");
  else fail(`the image file's digit (a 7) is read as ${fromFile[0]?.label}`);

  // A damaged model file is refused with the core's message.
  const damaged = join(work, "damaged.bnn");
  copyFileSync(join(web, "mnist.bnn"), damaged);
  const bytes = readFileSync(damaged);
  bytes[300] ^= 0x55;
  writeFileSync(damaged, bytes);
  const input = await call("POST", `${s}/element`, { using: "css selector", value: "#model-file" });
  await call("POST", `${s}/element/${input[ELEMENT]}/value`, { text: damaged });
  const error = await waitFor("const e = document.getElementById('error'); return !e.hidden && e.textContent;", "the error");
  if (/CRC-32 mismatch/.test(error)) pass(`a damaged model is refused: "${error}"`);
  else fail(`damaged model: "${error}"`);

  // Phone width: the layout stacks, the pad still fits.
  await call("POST", `${s}/window/rect`, { width: 390, height: 844 });
  await run("document.getElementById('bundled').click();");
  await waitFor("return document.getElementById('error').hidden;", "the bundled model again");
  const fits = await run(
    "const r = document.getElementById('pad').getBoundingClientRect(); return r.width > 200 && r.right <= document.documentElement.clientWidth;",
  );
  await screenshot("page-phone.png");
  if (fits) pass(`phone width: the pad fits the screen (screenshots in ${work})`);
  else fail("phone width: the pad does not fit the screen");
} catch (error) {
  fail(error.message);
} finally {
  await call("DELETE", s).catch(() => {});
  cleanup();
}
process.exit(failures ? 1 : 0);
