// Asking a model: a form built from its schema (an 8×8 drawing pad for the digits model, a text
// box for a text model, JSON for any other tensor), the fee shown before signing, and then the
// request's live timeline: signed, in block #n, executor drawn, result, challenge window,
// final, finalized by GRANDPA.

import { useEffect, useRef, useState } from 'preact/hooks';

import { findEvent, rpc, sendTx } from '../chain.js';
import { formatBlocks } from '../format.js';
import { argmaxRows, chainInput, heldFee, inputForm, inkPad, PAD_MAX, PAD_SIDE, padTensor, promptInput, tensorFromJson, textsInput } from '../inputs.js';
import { Account, Amount, ErrorBox, Hash, html, TxButton, useAsync, useChain } from '../ui.js';

/** The 8×8 pad: press and drag to draw (each touched pixel at full ink, its neighbours half). */
function DigitsPad({ pixels, setPixels }) {
  const drawing = useRef(false);
  const ink = (i) => setPixels((p) => inkPad(p, Math.floor(i / PAD_SIDE), i % PAD_SIDE));
  const stop = () => { drawing.current = false; };
  return html`<div class="pad-wrap">
    <div class="pad" data-testid="pad" onPointerDown=${() => { drawing.current = true; }} onPointerUp=${stop} onPointerLeave=${stop}>
      ${pixels.map(
        (p, i) => html`<div
          class="px"
          data-i=${i}
          style=${`background: rgba(20, 24, 40, ${p / PAD_MAX})`}
          onPointerDown=${(e) => { e.preventDefault(); ink(i); }}
          onPointerEnter=${() => drawing.current && ink(i)}
        />`,
      )}
    </div>
    <button type="button" onClick=${() => setPixels(Array(PAD_SIDE * PAD_SIDE).fill(0))} data-testid="pad-clear">clear</button>
  </div>`;
}

/**
 * The output: a generated answer's text, a bar chart of logits with the predicted class, or an
 * embedding's first values.
 */
export function Output({ result, model }) {
  const out = result.output;
  if (out.type === 'Generated') {
    return html`<div class="output">
      <p class="answer" data-testid="answer">${out.text}</p>
      <p class="muted">${out.promptTokens} prompt tokens, ${out.tokens.length} generated (${out.stop === 'EndToken' ? 'ended' : 'cut at the most tokens'})</p>
    </div>`;
  }
  const isClassifier = out.shape.length === 2 && out.shape[1] <= 32 && model?.kind !== 'BertEmbedding';
  if (isClassifier) {
    const row = out.values.slice(0, out.shape[1]);
    const [best] = argmaxRows(out);
    // Logits drawn from the smallest (empty) to the largest (full): the tallest is the class.
    const finite = row.filter((v) => v !== null);
    const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
    const height = (v) => (v === null || hi === lo ? 0 : ((v - lo) / (hi - lo)) * 100);
    return html`<div class="output">
      <p>predicted ${model?.kind === 'Mlp' ? 'digit' : 'class'}: <b class="predicted" data-testid="predicted">${best}</b></p>
      <div class="bars">
        ${row.map(
          (v, i) => html`<div class=${`bar ${i === best ? 'best' : ''}`} title=${`logit ${i}: ${v}`}>
            <div class="fill" style=${`height: ${Math.max(height(v), 2)}%`} />
            <span>${i}</span>
          </div>`,
        )}
      </div>
    </div>`;
  }
  const first = out.values.slice(0, 8).map((v) => (v === null ? 'NaN' : v.toFixed(5)));
  return html`<div class="output">
    <p>${out.dtype} [${out.shape.join(', ')}]: <code data-testid="embedding">${first.join(', ')}${out.values.length > 8 ? ', …' : ''}</code></p>
  </div>`;
}

/** The request's state on chain, re-read every block, shown as a timeline. */
export function Timeline({ id, submitted, model }) {
  const { api, head, finalized, blockMs } = useChain();
  const state = useAsync(async () => {
    const [request, result, dispute] = await Promise.all([
      rpc(api, 'inference_request', [id, null]),
      rpc(api, 'inference_result', [id, null]),
      rpc(api, 'inference_dispute', [id, null]),
    ]);
    return { request, result, dispute };
  }, [api, id, head]);
  if (state.error && state.error.code === 2) {
    return html`<p data-testid="pruned">${state.error.message}</p>`;
  }
  const s = state.value;
  if (!s) return html`<${ErrorBox} error=${state.error} />`;
  if (!s.request) return html`<p>No request has the id ${id}.</p>`;
  const { request, result, dispute } = s;
  const st = request.status;
  const done = (cond) => (cond ? 'done' : 'todo');
  const settled = ['Final', 'Corrected', 'Refunded', 'Rejected'].includes(st.state);
  const settledAt = settled ? st.at : null;
  const assigned = st.state !== 'Drawing';
  const steps = [];
  if (submitted) steps.push({ k: 'signed', text: html`signed and sent <${Hash} value=${submitted.hash} />`, cls: 'done' });
  steps.push({ k: 'included', text: `request ${id} in block #${request.created}, fee ${''}`, fee: request.fee, cls: 'done' });
  steps.push({
    k: 'assigned',
    cls: done(assigned),
    text:
      st.state === 'Drawing'
        ? `its executor is drawn in block #${st.at}`
        : st.state === 'Assigned'
          ? html`assigned to <${Account} address=${st.executor} />, answers by block #${st.deadline}`
          : result
            ? html`answered by <${Account} address=${result.executor} />`
            : 'no executor answered',
  });
  if (result) {
    steps.push({ k: 'result', cls: 'done', text: html`result in block #${result.submittedAt}` });
    const left = result.finalAt - head;
    steps.push({
      k: 'window',
      cls: done(result.isFinal || st.state !== 'Answered'),
      text:
        st.state === 'Answered'
          ? html`challenge window: final at block #${result.finalAt}, <b data-testid="window-left">${formatBlocks(left, blockMs)}</b> left`
          : st.state === 'Disputed'
            ? 'challenged: the dispute is deciding'
            : `challenge window over at block #${result.finalAt}`,
    });
  }
  if (dispute) {
    steps.push({
      k: 'dispute',
      cls: done(dispute.state === 'Resolved'),
      text:
        dispute.state === 'Open'
          ? `disputed by ${dispute.challenger}: ${dispute.phase} phase until block #${dispute.phaseEnds}`
          : html`dispute resolved at #${dispute.at}: <b>${dispute.verdict}</b>, <${Amount} planck=${dispute.slashed} /> slashed`,
    });
  }
  steps.push({
    k: 'final',
    cls: done(settled),
    text: settled
      ? html`<span data-testid="final-state">${st.state}</span> at block #${settledAt}${st.executor ? html`, paid to <${Account} address=${st.executor} />` : null}`
      : 'final once the window is over',
  });
  steps.push({
    k: 'finalized',
    cls: done(settled && finalized >= settledAt),
    text:
      settled && finalized >= settledAt
        ? html`<span data-testid="finalized">finalized by GRANDPA</span> (finalized head #${finalized})`
        : `finalized by GRANDPA (finalized head #${finalized})`,
  });
  return html`<div class="timeline" data-testid="timeline" data-state=${st.state} data-request=${id}>
    <ol>
      ${steps.map(
        (step) => html`<li class=${step.cls} data-step=${step.k}>
          ${step.text}${step.fee !== undefined ? html`<${Amount} planck=${step.fee} /> held` : null}
        </li>`,
      )}
    </ol>
    ${result
      ? html`<div class="result">
          <${Output} result=${result} model=${model} />
          <dl class="record">
            <dt>output hash</dt><dd><${Hash} value=${result.outputHash} full testid="output-hash" /></dd>
            <dt>trace root</dt><dd><${Hash} value=${result.traceRoot} full testid="trace-root" /></dd>
            <dt>opset</dt><dd>${result.opset}</dd>
          </dl>
          ${st.state === 'Answered' ? html`<${ChallengeButton} id=${id} />` : null}
        </div>`
      : null}
  </div>`;
}

function ChallengeButton({ id }) {
  const { api } = useChain();
  const bond = api.consts.inference.challengeBond.toBigInt();
  return html`<p>
    Think it is wrong? Challenge it during the window, bonding <${Amount} planck=${bond} />: a
    committee re-runs it, and the side that was wrong is slashed.
    <${TxButton} label="challenge" testid="challenge" build=${() => api.tx.inference.challenge(id)} />
  </p>`;
}

/** The form that asks `model`, then the timeline of what was asked. */
export function Ask({ model }) {
  const { api, account } = useChain();
  const form = inputForm(model.schema);
  const [pixels, setPixels] = useState(Array(PAD_SIDE * PAD_SIDE).fill(0));
  const [text, setText] = useState('');
  const [json, setJson] = useState('');
  const [maxNew, setMaxNew] = useState(form === 'prompt' ? Math.min(64, model.schema.output.Generated.max_new_tokens) : 0);
  const [error, setError] = useState(null);
  const [fee, setFee] = useState(null);
  const [submitted, setSubmitted] = useState(null);
  const [stage, setStage] = useState(null);

  const build = () => {
    if (form === 'digits') return padTensor(pixels, model.schema);
    if (form === 'text') return textsInput(model.schema, text.split('\n').filter((t) => t.length > 0));
    if (form === 'prompt') return promptInput(model.schema, text, maxNew);
    let parsed;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new Error(`not JSON: ${e.message}`);
    }
    return tensorFromJson(model.schema, parsed);
  };
  const held = (input) => heldFee(model.schema, model.price, input);
  const tx = (input) => api.tx.inference.request(model.model, chainInput(input), held(input));

  // The fee before signing: the model's price, held, and the transaction fee, estimated.
  useEffect(() => {
    let live = true;
    setFee(null);
    if (!account) return undefined;
    let input;
    try {
      input = build();
    } catch {
      return undefined;
    }
    tx(input)
      .paymentInfo(account.address)
      .then((info) => live && setFee(info.partialFee.toBigInt()))
      .catch(() => {});
    return () => { live = false; };
  }, [account?.address, pixels, text, json, maxNew]);

  const submit = async () => {
    setError(null);
    setSubmitted(null);
    try {
      const input = build();
      const request = tx(input);
      setStage('signing…');
      let settled = false;
      const included = await sendTx(api, request, account, (s) => {
        if (!settled) setStage(`${s.stage}${s.blockNumber !== undefined ? ` #${s.blockNumber}` : ''}`);
      }).finally(() => { settled = true; });
      const event = findEvent(included.events, 'inference', 'Requested');
      const id = event.data[0].toNumber();
      setSubmitted({ id, hash: request.hash.toHex(), block: included.blockNumber });
      setStage(null);
    } catch (e) {
      setStage(null);
      setError(e);
    }
  };

  return html`<div class="ask">
    ${form === 'digits' ? html`<p>Draw a digit (0–9):</p><${DigitsPad} pixels=${pixels} setPixels=${setPixels} />` : null}
    ${form === 'text'
      ? html`<textarea data-testid="text-input" rows="4" placeholder="one text per line" value=${text} onInput=${(e) => setText(e.target.value)} />`
      : null}
    ${form === 'prompt'
      ? html`<textarea data-testid="prompt-input" rows="3" placeholder="ask a question" value=${text} onInput=${(e) => setText(e.target.value)} />
        <label>at most <input type="number" data-testid="max-new-tokens" min="1" max=${model.schema.output.Generated.max_new_tokens} value=${maxNew} onInput=${(e) => setMaxNew(Number(e.target.value))} /> tokens</label>`
      : null}
    ${form === 'json'
      ? html`<textarea data-testid="json-input" rows="6" placeholder='[[0.1, 0.2, …]] or {"dtype": "F32", "shape": [1, 4], "values": […]}' value=${json} onInput=${(e) => setJson(e.target.value)} />`
      : null}
    <p class="fee" data-testid="fee">
      ${form === 'prompt'
        ? html`fee: <${Amount} planck=${model.price} /> per token; <${Amount} planck=${heldFee(model.schema, model.price, { prompt: { maxNewTokens: maxNew } })} /> held (the prompt bound and ${maxNew} new tokens), the unused part returned when the answer is final`
        : html`fee: <${Amount} planck=${model.price} /> held until the request settles`}
      ${fee !== null ? html`, plus a transaction fee of about <${Amount} planck=${fee} />` : null}
    </p>
    <button type="button" onClick=${submit} disabled=${!account || stage} data-testid="request">request</button>
    ${stage ? html`<span class="stage">${stage}</span>` : null}
    ${!account ? html`<p class="muted">Choose an account (Accounts) to sign with.</p>` : null}
    <${ErrorBox} error=${error} />
    ${submitted ? html`<h3>Request ${submitted.id}</h3><${Timeline} id=${submitted.id} submitted=${submitted} model=${model} />` : null}
  </div>`;
}

/** `#/request/<id>`: any request's timeline. */
export function RequestView({ id }) {
  const { api } = useChain();
  const request = useAsync(() => rpc(api, 'inference_request', [id, null]), [api, id]);
  const model = useAsync(
    () => (request.value ? rpc(api, 'models_get', [request.value.model, null]) : null),
    [api, request.value?.model],
  );
  return html`<section>
    <h2>Request ${id}</h2>
    <${Timeline} id=${id} model=${model.value} />
  </section>`;
}
