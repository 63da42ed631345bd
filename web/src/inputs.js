// Inputs built from a model's schema, as the chain checks them (`IoSchema` in opg-primitives),
// and their encoding for the `inference.request` extrinsic. Pure functions, unit-tested in
// test/unit/inputs.test.mjs.
//
// A schema as the RPC serves it:
//   {"input": {"Tensor": {"dtype": "F32", "dims": ["Batch", {"Fixed": 64}]}} | {"Text": {"max_bytes": 256}}
//             | {"Prompt": {"max_bytes": 2048, "max_prompt_tokens": 256}},
//    "output": {"Tensor": {"dtype": "F32", "dims": [...]}} | {"Generated": {"max_new_tokens": 128}},
//    "max_batch": 32}

export const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, I64: 8, U32: 4, I8: 1 };

/** One axis as the CLI writes it: `B` for the batch axis, else its length. */
function dimText(dim) {
  return dim === 'Batch' ? 'B' : String(dim.Fixed);
}

/** `f32[B,64]`. */
export function tensorSchemaText(schema) {
  return `${schema.dtype.toLowerCase()}[${schema.dims.map(dimText).join(',')}]`;
}

/**
 * `f32[B,64] → f32[B,10] (batch ≤ 32)`, `text ≤ 256 bytes → …`, or for a text-generation model
 * `prompt ≤ 2048 bytes, ≤ 256 tokens → text ≤ 128 tokens (per token)`, as `opg-cli models list`.
 */
export function schemaText(schema) {
  if (schema.input.Prompt) {
    const { max_bytes: bytes, max_prompt_tokens: tokens } = schema.input.Prompt;
    return `prompt ≤ ${bytes} bytes, ≤ ${tokens} tokens → text ≤ ${schema.output.Generated.max_new_tokens} tokens (per token)`;
  }
  const input = schema.input.Tensor
    ? tensorSchemaText(schema.input.Tensor)
    : `text ≤ ${schema.input.Text.max_bytes} bytes`;
  return `${input} → ${tensorSchemaText(schema.output.Tensor)} (batch ≤ ${schema.max_batch})`;
}

/** What kind of form asks for this schema's input: `digits` (an 8×8 pad), `text`, `prompt` or `json`. */
export function inputForm(schema) {
  if (schema.input.Prompt) return 'prompt';
  if (schema.input.Text) return 'text';
  const t = schema.input.Tensor;
  const fixed = t.dims.filter((d) => d !== 'Batch');
  if (t.dtype === 'F32' && fixed.length === 1 && fixed[0].Fixed === 64) return 'digits';
  return 'json';
}

/** The side of the digits pad, and the largest pixel value (scikit-learn's digits: 0–16). */
export const PAD_SIDE = 8;
export const PAD_MAX = 16;

/**
 * The digits pad (64 pixels, row by row, each 0–16) as the model's input: one sample, each pixel
 * scaled as the model was trained (pixel / 16).
 */
export function padTensor(pixels, schema) {
  if (pixels.length !== PAD_SIDE * PAD_SIDE) throw new Error(`the pad has ${PAD_SIDE * PAD_SIDE} pixels, not ${pixels.length}`);
  for (const p of pixels) {
    if (!Number.isInteger(p) || p < 0 || p > PAD_MAX) throw new Error(`a pixel is 0 to ${PAD_MAX}, not ${p}`);
  }
  return tensorFromJson(schema, [pixels.map((p) => p / PAD_MAX)]);
}

/** Strokes a pixel of the pad: the pixel at full ink, its four neighbours at least half. */
export function inkPad(pixels, row, col) {
  const next = pixels.slice();
  const set = (r, c, v) => {
    if (r < 0 || c < 0 || r >= PAD_SIDE || c >= PAD_SIDE) return;
    const i = r * PAD_SIDE + c;
    next[i] = Math.max(next[i], v);
  };
  set(row, col, PAD_MAX);
  for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]]) set(row + dr, col + dc, PAD_MAX / 2);
  return next;
}

/** The shape of nested arrays (`[[1,2],[3,4]]` → `[2,2]`), refusing ragged ones. */
function shapeOf(value) {
  if (!Array.isArray(value)) return [];
  if (value.length === 0) return [0];
  const inner = shapeOf(value[0]);
  for (const v of value) {
    if (JSON.stringify(shapeOf(v)) !== JSON.stringify(inner)) throw new Error('the arrays are ragged: every row must have the same shape');
  }
  return [value.length, ...inner];
}

/**
 * A tensor `{dtype, shape, values}` from JSON typed by a user, checked against the input schema:
 * nested arrays (`[[0.1, …]]`), one sample without its batch axis (`[0.1, …]`), or a tensor
 * object `{"dtype", "shape", "values"}`. Throws an Error saying what does not fit.
 */
export function tensorFromJson(schema, json) {
  const t = schema.input.Tensor;
  if (!t) throw new Error('this model takes text, not a tensor');
  let shape;
  let values;
  if (json && !Array.isArray(json) && typeof json === 'object') {
    if (json.dtype !== t.dtype) throw new Error(`the model takes ${t.dtype}, not ${json.dtype}`);
    shape = json.shape;
    values = json.values;
  } else {
    shape = shapeOf(json);
    values = [json].flat(Infinity);
    if (t.dims[0] === 'Batch' && shape.length === t.dims.length - 1) shape = [1, ...shape];
  }
  if (shape.length !== t.dims.length) {
    throw new Error(`the model takes ${tensorSchemaText(t)}: rank ${t.dims.length}, not ${shape.length}`);
  }
  t.dims.forEach((dim, axis) => {
    if (dim === 'Batch') {
      if (shape[axis] < 1 || shape[axis] > schema.max_batch) throw new Error(`a batch of 1 to ${schema.max_batch}, not ${shape[axis]}`);
    } else if (shape[axis] !== dim.Fixed) {
      throw new Error(`the model takes ${tensorSchemaText(t)}: axis ${axis} is ${dim.Fixed}, not ${shape[axis]}`);
    }
  });
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`${count} values for shape [${shape}], not ${values.length}`);
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`every value is a finite number, not ${JSON.stringify(v)}`);
    if (!t.dtype.startsWith('F') && !t.dtype.startsWith('BF') && !Number.isInteger(v)) throw new Error(`${t.dtype} takes integers, not ${v}`);
  }
  return { dtype: t.dtype, shape, values };
}

/** A batch of texts for a text model, checked against its bound (bytes of UTF-8) and batch size. */
export function textsInput(schema, texts) {
  const bound = schema.input.Text;
  if (!bound) throw new Error('this model takes a tensor, not text');
  if (texts.length < 1 || texts.length > schema.max_batch) throw new Error(`1 to ${schema.max_batch} texts, not ${texts.length}`);
  const encoder = new TextEncoder();
  for (const text of texts) {
    const bytes = encoder.encode(text).length;
    if (bytes === 0) throw new Error('a text is not empty');
    if (bytes > bound.max_bytes) throw new Error(`a text is at most ${bound.max_bytes} bytes of UTF-8, not ${bytes}`);
  }
  return { texts };
}

/**
 * A prompt for a text-generation model (a chat message, greedy), checked against its bounds:
 * text of 1 to `max_bytes` bytes of UTF-8, 1 to the model's most new tokens.
 */
export function promptInput(schema, text, maxNewTokens) {
  const bound = schema.input.Prompt;
  if (!bound) throw new Error('this model does not take a prompt');
  const bytes = new TextEncoder().encode(text).length;
  if (bytes === 0) throw new Error('the prompt is not empty');
  if (bytes > bound.max_bytes) throw new Error(`a prompt is at most ${bound.max_bytes} bytes of UTF-8, not ${bytes}`);
  const most = schema.output.Generated.max_new_tokens;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1 || maxNewTokens > most) throw new Error(`1 to ${most} new tokens, not ${maxNewTokens}`);
  return { prompt: { text, chat: true, maxNewTokens } };
}

/**
 * The fee a request holds: the price, or for a text-generation model the price per token times
 * the prompt bound plus the tokens asked for (the unused part comes back at payout), as
 * `IoSchema::billable_units` in opg-primitives.
 */
export function heldFee(schema, price, input) {
  if (input?.prompt) return BigInt(price) * BigInt(schema.input.Prompt.max_prompt_tokens + input.prompt.maxNewTokens);
  return BigInt(price);
}

/** f32 → bf16 bits, rounded to nearest even (as candle's `bf16::from_f32`). */
function bf16Bits(value) {
  const f = new DataView(new ArrayBuffer(4));
  f.setFloat32(0, value, true);
  const bits = f.getUint32(0, true);
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f32 → IEEE half bits, rounded to nearest even; beyond the range → ±infinity. */
function f16Bits(value) {
  const f = new DataView(new ArrayBuffer(4));
  f.setFloat32(0, value, true);
  const x = f.getUint32(0, true);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m += 1;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** A tensor's elements as the wire format's little-endian bytes. */
export function tensorBytes({ dtype, values }) {
  const size = DTYPE_BYTES[dtype];
  if (!size) throw new Error(`unknown dtype ${dtype}`);
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    const at = i * size;
    switch (dtype) {
      case 'F32': view.setFloat32(at, v, true); break;
      case 'F16': view.setUint16(at, f16Bits(v), true); break;
      case 'BF16': view.setUint16(at, bf16Bits(v), true); break;
      case 'I64': view.setBigInt64(at, BigInt(v), true); break;
      case 'U32': view.setUint32(at, v, true); break;
      case 'I8': view.setInt8(at, v); break;
      default: throw new Error(`unknown dtype ${dtype}`);
    }
  });
  return new Uint8Array(view.buffer);
}

/**
 * The `InferenceInput` argument of `inference.request`, as @polkadot/api takes it:
 * `{Tensor: {dtype, shape, data}}`, `{Text: [bytes, …]}` or `{Prompt: {text, chat, maxNewTokens,
 * sampling}}`. Byte strings are plain arrays of
 * numbers: @polkadot/api reads a `Uint8Array` given for a `Vec<u8>` as its SCALE encoding
 * (length prefix first), an array as the bytes themselves.
 */
export function chainInput(input) {
  if (input.prompt) {
    const { text, chat, maxNewTokens } = input.prompt;
    return {
      Prompt: {
        text: Array.from(new TextEncoder().encode(text)),
        chat,
        maxNewTokens,
        sampling: { temperatureMilli: 0, topK: 0, topPMilli: 0, seed: 0 },
      },
    };
  }
  if (input.texts) {
    const encoder = new TextEncoder();
    return { Text: input.texts.map((t) => Array.from(encoder.encode(t))) };
  }
  return { Tensor: { dtype: input.dtype, shape: input.shape, data: Array.from(tensorBytes(input)) } };
}

/** The index of the largest value of each row of a `[B, N]` output (the predicted class). */
export function argmaxRows(output) {
  const [rows, cols] = output.shape.length === 2 ? output.shape : [1, output.values.length];
  const out = [];
  for (let r = 0; r < rows; r++) {
    // A NaN (null in JSON) is never the largest.
    const at = (c) => output.values[r * cols + c] ?? -Infinity;
    let best = 0;
    for (let c = 1; c < cols; c++) if (at(c) > at(best)) best = c;
    out.push(best);
  }
  return out;
}
