// The models: every model in the registry (proposed, listed, delisted), and one model's page with
// its record, its record of service, and the form that asks it for an inference.

import { rpc } from '../chain.js';
import { schemaText } from '../inputs.js';
import { Account, Amount, ErrorBox, Hash, html, Loading, useAsync, useChain } from '../ui.js';
import { Ask } from './ask.js';

/** Every model, in pages of the runtime API's cap. */
export async function allModels(api) {
  const models = [];
  let after = null;
  for (;;) {
    const page = await rpc(api, 'models_all', [after, null, null]);
    models.push(...page);
    if (page.length === 0) return models;
    const last = page[page.length - 1].model;
    if (last === after) return models;
    after = last;
    if (page.length < 64) return models;
  }
}

export function ModelsView() {
  const { api, head } = useChain();
  const models = useAsync(() => allModels(api), [api, Math.floor(head / 5)]);
  if (!models.value) return html`<${ErrorBox} error=${models.error} /><${Loading} what="the models" />`;
  return html`<section>
    <h2>Models</h2>
    <p class="muted">Every model in the registry. Token holders list a proposed model by referendum (Govern); a listed model takes requests.</p>
    <table data-testid="models">
      <thead><tr><th>name</th><th>kind</th><th>state</th><th>price</th><th>schema</th><th>owner</th><th>deposit</th></tr></thead>
      <tbody>
        ${models.value.map(
          (m) => html`<tr key=${m.model} data-testid="model-row" data-name=${m.name}>
            <td><a href=${`#/model/${m.model}`}>${m.name}</a></td>
            <td>${m.kind}</td>
            <td><span class=${`state ${m.state}`}>${m.state}</span></td>
            <td><${Amount} planck=${m.price} /></td>
            <td><code>${schemaText(m.schema)}</code></td>
            <td><${Account} address=${m.owner} /></td>
            <td><${Amount} planck=${m.deposit} /></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${models.value.length === 0 ? html`<p>No model yet.</p>` : null}
  </section>`;
}

function Stats({ model }) {
  const { api, head } = useChain();
  const stats = useAsync(() => rpc(api, 'inference_modelStats', [model, null]), [api, model, head]);
  if (stats.error) return html`<${ErrorBox} error=${stats.error} />`;
  const s = stats.value;
  if (!s) return html`<${Loading} what="its record" />`;
  return html`<dl class="stats" data-testid="stats">
    <dt>requests</dt><dd>${s.requests}</dd>
    <dt>answered</dt><dd data-testid="stats-answered">${s.answered}</dd>
    <dt>final</dt><dd>${s.finalized}</dd>
    <dt>disputes</dt><dd>${s.disputes}</dd>
    <dt>corrected</dt><dd>${s.corrected}</dd>
    <dt>refunded</dt><dd>${s.refunded}</dd>
    <dt>rejected</dt><dd>${s.rejected}</dd>
    <dt>fees paid</dt><dd><${Amount} planck=${s.feesPaid} /></dd>
  </dl>`;
}

export function ModelView({ hash }) {
  const { api } = useChain();
  const model = useAsync(() => rpc(api, 'models_get', [hash, null]), [api, hash]);
  if (model.error) return html`<${ErrorBox} error=${model.error} />`;
  if (model.value === undefined) return html`<${Loading} what="the model" />`;
  const m = model.value;
  if (m === null) return html`<p>No model has the hash <${Hash} value=${hash} full />.</p>`;
  return html`<section>
    <h2 data-testid="model-name">${m.name} <span class=${`state ${m.state}`}>${m.state}</span></h2>
    <p>${m.description}</p>
    <dl class="record">
      <dt>hash</dt><dd><${Hash} value=${m.model} full /></dd>
      <dt>kind</dt><dd>${m.kind}</dd>
      <dt>schema</dt><dd><code>${schemaText(m.schema)}</code></dd>
      <dt>price</dt><dd><${Amount} planck=${m.price} /> per request</dd>
      <dt>owner</dt><dd><${Account} address=${m.owner} /></dd>
      <dt>deposit</dt><dd><${Amount} planck=${m.deposit} /></dd>
      <dt>bundle</dt><dd>${(m.size / 1024).toFixed(1)} KiB ${m.uris.map((u) => html`<code class="uri">${u}</code>`)}</dd>
      <dt>proposed</dt><dd>block #${m.proposedAt}</dd>
    </dl>
    <h3>Record</h3>
    <${Stats} model=${m.model} />
    <h3>Ask</h3>
    ${m.state === 'Listed' ? html`<${Ask} model=${m} />` : html`<p>Only a listed model takes requests.</p>`}
  </section>`;
}
