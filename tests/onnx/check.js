// ONNX Runtime's side of `make onnx-check`: runs every model that
// export.c exported on the official 10 000 test images and compares with
// what the library predicted: the same labels, and probabilities within
// TOLERANCE. Exit 1 on any difference.
// Usage: node check.js DIR (export.c's output directory)
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// float32 arithmetic in another order (ORT's kernels, softmax in float
// where the library sums in double) moves a probability by ~1e-6; the
// issue's bound is 1e-4.
const TOLERANCE = 1e-4;
const PIXELS = 784;
const CLASSES = 10;
// Images a run takes: the views of test-time augmentation multiply the
// batch that a graph's layers hold at once.
const BATCH = 1000;

function floats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

async function check(dir, name, images, n) {
  const session = await ort.InferenceSession.create(path.join(dir, name + '.onnx'));
  const run = (at, k) =>
    session.run({images: new ort.Tensor('uint8', images.subarray(at * PIXELS, (at + k) * PIXELS),
                                        [k, PIXELS])});
  const labels = fs.readFileSync(path.join(dir, name + '.labels'));
  const proba = floats(path.join(dir, name + '.proba'));
  const p = new Float32Array(n * CLASSES), l = new Array(n);
  for (let at = 0; at < n; at += BATCH) {
    const k = Math.min(BATCH, n - at);
    const out = await run(at, k);
    if (out.probabilities.data.length !== k * CLASSES || out.label.data.length !== k)
      throw new Error(name + ': output shapes');
    p.set(out.probabilities.data, at * CLASSES);
    for (let i = 0; i < k; i++) l[at + i] = out.label.data[i];
  }
  let same = 0, worst = 0;
  for (let i = 0; i < n; i++) {
    if (Number(l[i]) === labels[i]) same++;
    for (let c = 0; c < CLASSES; c++)
      worst = Math.max(worst, Math.abs(p[i * CLASSES + c] - proba[i * CLASSES + c]));
  }
  // The batch size is symbolic: one image alone gives the same row.
  const one = await run(0, 1);
  let batch = 0;
  for (let c = 0; c < CLASSES; c++) batch = Math.max(batch, Math.abs(one.probabilities.data[c] - p[c]));
  const ok = same === n && worst <= TOLERANCE && batch <= TOLERANCE;
  console.log(`onnxruntime: ${name.padEnd(15)} labels equal ${same}/${n}, ` +
              `largest probability difference ${worst.toExponential(2)}` +
              `${ok ? '' : '  FAILED'}`);
  return ok;
}

(async () => {
  const dir = process.argv[2];
  const images = fs.readFileSync(path.join(dir, 'test.images'));
  const n = images.length / PIXELS;
  const names = fs.readFileSync(path.join(dir, 'models'), 'utf8').split('\n').filter(Boolean);
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version} on Node.js ` +
              `${process.version}, ${n} test images`);
  let ok = true;
  for (const name of names) ok = (await check(dir, name, images, n)) && ok;
  process.exit(ok ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
