import { test } from 'node:test';
import assert from 'node:assert/strict';

import { argmaxRows, chainInput, heldFee, inkPad, inputForm, padTensor, promptInput, schemaText, tensorBytes, tensorFromJson, textsInput } from '../../src/inputs.js';

const llm = { input: { Prompt: { max_bytes: 16, max_prompt_tokens: 100 } }, output: { Generated: { max_new_tokens: 8 } }, max_batch: 1 };

const digits = { input: { Tensor: { dtype: 'F32', dims: ['Batch', { Fixed: 64 }] } }, output: { Tensor: { dtype: 'F32', dims: ['Batch', { Fixed: 10 }] } }, max_batch: 32 };
const minilm = { input: { Text: { max_bytes: 16 } }, output: { Tensor: { dtype: 'F32', dims: ['Batch', { Fixed: 384 }] } }, max_batch: 2 };
const image = { input: { Tensor: { dtype: 'F32', dims: [{ Fixed: 2 }, { Fixed: 3 }] } }, output: { Tensor: { dtype: 'F32', dims: [{ Fixed: 1 }] } }, max_batch: 1 };

test('schemas read as the CLI writes them, and choose their form', () => {
  assert.equal(schemaText(digits), 'f32[B,64] → f32[B,10] (batch ≤ 32)');
  assert.equal(schemaText(minilm), 'text ≤ 16 bytes → f32[B,384] (batch ≤ 2)');
  assert.equal(inputForm(digits), 'digits');
  assert.equal(inputForm(minilm), 'text');
  assert.equal(inputForm(image), 'json');
});

test('the pad becomes one sample of pixels / 16, and strokes ink neighbours by half', () => {
  let pixels = Array(64).fill(0);
  pixels = inkPad(pixels, 0, 0);
  assert.equal(pixels[0], 16);
  assert.equal(pixels[1], 8);
  assert.equal(pixels[8], 8);
  assert.equal(pixels.filter((p) => p > 0).length, 3, 'the corner has two neighbours');
  pixels = inkPad(pixels, 0, 1);
  assert.deepEqual(pixels.slice(0, 3), [16, 16, 8], 'ink never lightens a pixel');
  const t = padTensor(pixels, digits);
  assert.deepEqual(t.shape, [1, 64]);
  assert.equal(t.values[0], 1);
  assert.equal(t.values[2], 0.5);
  assert.throws(() => padTensor(pixels.slice(1), digits), /64 pixels/);
  assert.throws(() => padTensor(Array(64).fill(17), digits), /0 to 16/);
});

test('JSON tensors: nested arrays, one sample, tensor objects, and what does not fit', () => {
  const row = Array.from({ length: 64 }, (_, i) => i / 64);
  assert.deepEqual(tensorFromJson(digits, row).shape, [1, 64], 'one sample gains its batch axis');
  assert.deepEqual(tensorFromJson(digits, [row, row]).shape, [2, 64]);
  assert.deepEqual(tensorFromJson(image, [[1, 2, 3], [4, 5, 6]]).values, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(tensorFromJson(image, { dtype: 'F32', shape: [2, 3], values: [0, 0, 0, 0, 0, 1] }).shape, [2, 3]);
  assert.throws(() => tensorFromJson(digits, row.slice(1)), /axis 1 is 64, not 63/);
  assert.throws(() => tensorFromJson(digits, Array(33).fill(row)), /batch of 1 to 32, not 33/);
  assert.throws(() => tensorFromJson(image, [[1, 2], [3]]), /ragged/);
  assert.throws(() => tensorFromJson(image, [[1, 2, 3], [4, 5, null]]), /finite number/);
  assert.throws(() => tensorFromJson(image, { dtype: 'I64', shape: [2, 3], values: [] }), /takes F32, not I64/);
  assert.throws(() => tensorFromJson(image, { dtype: 'F32', shape: [2, 3], values: [1] }), /6 values/);
  assert.throws(() => tensorFromJson(minilm, [1]), /takes text/);
});

test('texts are bounded in UTF-8 bytes and by the batch', () => {
  assert.deepEqual(textsInput(minilm, ['héllo']), { texts: ['héllo'] });
  assert.throws(() => textsInput(minilm, ['ééééééééé']), /at most 16 bytes of UTF-8, not 18/);
  assert.throws(() => textsInput(minilm, ['a', 'b', 'c']), /1 to 2 texts/);
  assert.throws(() => textsInput(minilm, ['']), /not empty/);
  assert.throws(() => textsInput(digits, ['a']), /takes a tensor/);
});

test('tensors encode as the wire format: little-endian elements of their dtype', () => {
  assert.deepEqual([...tensorBytes({ dtype: 'F32', values: [1] })], [0, 0, 0x80, 0x3f]);
  assert.deepEqual([...tensorBytes({ dtype: 'I64', values: [-2] })], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...tensorBytes({ dtype: 'U32', values: [258] })], [2, 1, 0, 0]);
  assert.deepEqual([...tensorBytes({ dtype: 'I8', values: [-1] })], [0xff]);
  // bf16: the top half of the f32, rounded to nearest even; f16 likewise.
  assert.deepEqual([...tensorBytes({ dtype: 'BF16', values: [1] })], [0x80, 0x3f]);
  assert.deepEqual([...tensorBytes({ dtype: 'F16', values: [1, -2, 65504, 1e6, 2 ** -24] })], [0, 0x3c, 0, 0xc0, 0xff, 0x7b, 0, 0x7c, 1, 0]);
  const input = chainInput({ dtype: 'F32', shape: [1, 2], values: [0, 1] });
  assert.deepEqual(input.Tensor.shape, [1, 2]);
  assert.equal(input.Tensor.data.length, 8);
  assert.deepEqual([...chainInput({ texts: ['hi'] }).Text[0]], [0x68, 0x69]);
});

test('the predicted class is the largest logit of each row', () => {
  assert.deepEqual(argmaxRows({ shape: [2, 3], values: [0, 5, 1, 9, -1, 2] }), [1, 0]);
  assert.deepEqual(argmaxRows({ shape: [1, 3], values: [null, -3, -1] }), [2]);
});

test('prompts: bounded, encoded as the chain takes them, and the fee held per token', () => {
  assert.equal(schemaText(llm), 'prompt ≤ 16 bytes, ≤ 100 tokens → text ≤ 8 tokens (per token)');
  assert.equal(inputForm(llm), 'prompt');
  const input = promptInput(llm, 'Hi?', 4);
  assert.deepEqual(input, { prompt: { text: 'Hi?', chat: true, maxNewTokens: 4 } });
  assert.deepEqual(chainInput(input), {
    Prompt: { text: [72, 105, 63], chat: true, maxNewTokens: 4, sampling: { temperatureMilli: 0, topK: 0, topPMilli: 0, seed: 0 } },
  });
  assert.throws(() => promptInput(llm, '', 4), /not empty/);
  assert.throws(() => promptInput(llm, 'x'.repeat(17), 4), /at most 16 bytes/);
  assert.throws(() => promptInput(llm, 'Hi?', 9), /1 to 8 new tokens/);
  assert.throws(() => promptInput(minilm, 'Hi?', 1), /does not take a prompt/);
  // The prompt bound and the tokens asked for, at the price per token; one price otherwise.
  assert.equal(heldFee(llm, 3n, input), 312n);
  assert.equal(heldFee(digits, 3n, { dtype: 'F32', shape: [1, 64], values: [] }), 3n);
});
