// Disputes: the open ones (their phase, committee and votes) and the decided ones still in the
// state (their verdict and the money moved), newest first.

import { rpc } from '../chain.js';
import { Account, Amount, ErrorBox, Hash, html, Loading, useAsync, useChain } from '../ui.js';

/** The request ids of every open dispute and every outcome the state still holds. */
async function disputeIds(api) {
  const [open, decided] = await Promise.all([
    api.query.inference.disputes.keys(),
    api.query.inference.disputeOutcomes.keys(),
  ]);
  const ids = new Set([...open, ...decided].map((k) => k.args[0].toNumber()));
  return [...ids].sort((a, b) => b - a);
}

export function DisputesView() {
  const { api, head } = useChain();
  const disputes = useAsync(async () => {
    const ids = await disputeIds(api);
    return Promise.all(ids.slice(0, 100).map(async (id) => ({ id, state: await rpc(api, 'inference_dispute', [id, null]) })));
  }, [api, head]);
  if (!disputes.value) return html`<${ErrorBox} error=${disputes.error} /><${Loading} what="the disputes" />`;
  const open = disputes.value.filter((d) => d.state?.state === 'Open');
  const decided = disputes.value.filter((d) => d.state?.state === 'Resolved');
  return html`<section>
    <h2>Disputes</h2>
    <p class="muted">A result can be challenged during its window; a committee of other validators re-runs it and votes, and the side that was wrong is slashed.</p>
    <h3>Open</h3>
    ${open.length === 0 ? html`<p data-testid="no-open-disputes">None.</p>` : null}
    <table>
      ${open.length ? html`<thead><tr><th>request</th><th>challenger</th><th>bond</th><th>accused</th><th>phase</th><th>committee</th></tr></thead>` : null}
      <tbody>
        ${open.map(({ id, state: d }) => html`<tr data-testid="open-dispute">
          <td><a href=${`#/request/${id}`}>${id}</a></td>
          <td><${Account} address=${d.challenger} /></td>
          <td><${Amount} planck=${d.bond} /></td>
          <td><${Account} address=${d.executor} /> <${Hash} value=${d.accusedOutputHash} /></td>
          <td>${d.phase} until #${d.phaseEnds}${d.extended ? ' (extended)' : ''}</td>
          <td>${d.committee.map((m) => html`<div><${Account} address=${m.executor} />: ${m.vote}</div>`)}</td>
        </tr>`)}
      </tbody>
    </table>
    <h3>Decided</h3>
    ${decided.length === 0 ? html`<p>None in the state (decided disputes are pruned with their request after the retention).</p>` : null}
    <table>
      ${decided.length ? html`<thead><tr><th>request</th><th>verdict</th><th>challenger</th><th>executor</th><th>slashed</th><th>to winner</th><th>to committee</th><th>to treasury</th><th>at</th></tr></thead>` : null}
      <tbody>
        ${decided.map(({ id, state: d }) => html`<tr data-testid="decided-dispute">
          <td><a href=${`#/request/${id}`}>${id}</a></td>
          <td><b>${d.verdict}</b></td>
          <td><${Account} address=${d.challenger} /></td>
          <td><${Account} address=${d.executor} /></td>
          <td><${Amount} planck=${d.slashed} /></td>
          <td><${Amount} planck=${d.toWinner} /></td>
          <td><${Amount} planck=${d.toCommittee} /></td>
          <td><${Amount} planck=${d.toTreasury} /></td>
          <td>#${d.at}</td>
        </tr>`)}
      </tbody>
    </table>
  </section>`;
}
