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

function floats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

async function check(dir, name, images, n) {
  const session = await ort.InferenceSession.create(path.join(dir, name + '.onnx'));
  const feed = (k) => ({images: new ort.Tensor('uint8', images.subarray(0, k * PIXELS), [k, PIXELS])});
  const out = await session.run(feed(n));
  const labels = fs.readFileSync(path.join(dir, name + '.labels'));
  const proba = floats(path.join(dir, name + '.proba'));
  const p = out.probabilities.data, l = out.label.data;
  if (p.length !== n * CLASSES || l.length !== n) throw new Error(name + ': output shapes');
  let same = 0, worst = 0;
  for (let i = 0; i < n; i++) {
    if (Number(l[i]) === labels[i]) same++;
    for (let c = 0; c < CLASSES; c++)
      worst = Math.max(worst, Math.abs(p[i * CLASSES + c] - proba[i * CLASSES + c]));
  }
  // The batch size is symbolic: one image alone gives the same row.
  const one = await session.run(feed(1));
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
