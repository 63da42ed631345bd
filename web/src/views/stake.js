// Stake: the executors (bond, delegated, stake, commission, whether they validate, what they
// earned), delegating to one, and the selected account's positions, to undelegate and withdraw.

import { useState } from 'preact/hooks';

import { rpc } from '../chain.js';
import { formatPerbill, parseOpg } from '../format.js';
import { Account, Amount, ErrorBox, html, Loading, TxButton, useAsync, useChain } from '../ui.js';

function Delegate({ executor, onDone }) {
  const { api, account } = useChain();
  const [amount, setAmount] = useState('');
  const min = api.consts.executors.minDelegation.toBigInt();
  if (account?.address === executor) return html`<span class="muted">(you)</span>`;
  return html`<span class="delegate">
    <input size="8" placeholder="OPG" value=${amount} onInput=${(e) => setAmount(e.target.value)} data-testid="delegate-amount" />
    <${TxButton} label="delegate" testid="delegate" build=${() => {
      const planck = parseOpg(amount);
      if (planck < min) throw new Error(`a delegation is at least ${min} planck`);
      return api.tx.executors.delegate(executor, planck);
    }} onDone=${onDone} />
  </span>`;
}

/** What a position has earned so far, net of slashes: what it is worth and took out, less what went in. */
export function positionGain(p) {
  return BigInt(p.active) + BigInt(p.unbonding) + BigInt(p.withdrawn) - BigInt(p.delegated);
}

function Positions({ reloadKey, onChange }) {
  const { api, account, head } = useChain();
  const positions = useAsync(
    () => (account ? rpc(api, 'staking_positions', [account.address, null]) : []),
    [api, account?.address, head, reloadKey],
  );
  const [amounts, setAmounts] = useState({});
  if (!account) return html`<p class="muted">Choose an account to see its positions.</p>`;
  if (!positions.value) return html`<${ErrorBox} error=${positions.error} /><${Loading} what="the positions" />`;
  if (positions.value.length === 0) return html`<p data-testid="no-positions">${account.name} has no position.</p>`;
  return html`<div class="scroll"><table data-testid="positions">
    <thead><tr><th>executor</th><th>active</th><th>share</th><th>unbonding</th><th>delegated, ever</th><th>withdrawn, ever</th><th>rewards less slashes</th><th></th></tr></thead>
    <tbody>
      ${positions.value.map((p) => html`<tr key=${p.executor} data-testid="position" data-executor=${p.executor}>
        <td><${Account} address=${p.executor} /></td>
        <td data-testid="position-active"><${Amount} planck=${p.active} /></td>
        <td>${formatPerbill(p.sharePerbill)}</td>
        <td><${Amount} planck=${p.unbonding} />${p.unlocksAt !== null ? ` until #${p.unlocksAt}` : ''}</td>
        <td><${Amount} planck=${p.delegated} /></td>
        <td><${Amount} planck=${p.withdrawn} /></td>
        <td data-testid="position-rewards"><${Amount} planck=${positionGain(p)} /></td>
        <td>
          <input size="8" placeholder="OPG" value=${amounts[p.executor] ?? ''} onInput=${(e) => setAmounts({ ...amounts, [p.executor]: e.target.value })} />
          <${TxButton} label="undelegate" testid="undelegate" build=${() => api.tx.executors.undelegate(p.executor, parseOpg(amounts[p.executor] ?? ''))} onDone=${onChange} />
          ${p.unlocksAt !== null ? html`<${TxButton} label="withdraw" testid="withdraw" disabled=${head < p.unlocksAt} build=${() => api.tx.executors.withdrawDelegation(p.executor)} onDone=${onChange} />` : null}
        </td>
      </tr>`)}
    </tbody>
  </table></div>`;
}

export function StakeView() {
  const { api, head } = useChain();
  const [reloadKey, setReloadKey] = useState(0);
  const bump = () => setReloadKey((k) => k + 1);
  const executors = useAsync(() => rpc(api, 'staking_executors', [null]), [api, head, reloadKey]);
  return html`<section>
    <h2>Stake</h2>
    <p class="muted">Stake (an executor's own bond plus what is delegated to it) elects the validators and weighs the draw of executors; delegators share the fees their executor earns, less its commission.</p>
    <h3>Executors</h3>
    <${ErrorBox} error=${executors.error} />
    ${!executors.value ? html`<${Loading} what="the executors" />` : html`<div class="scroll"><table data-testid="executors">
      <thead><tr><th>executor</th><th>state</th><th>validates</th><th>bond</th><th>delegated</th><th>stake</th><th>delegators</th><th>commission</th><th>earned</th><th>paid to delegators</th><th></th></tr></thead>
      <tbody>
        ${executors.value.map((x) => html`<tr key=${x.executor} data-testid="executor" data-executor=${x.executor}>
          <td><${Account} address=${x.executor} /></td>
          <td>${x.state}${x.unlocksAt !== undefined ? ` until #${x.unlocksAt}` : ''}</td>
          <td>${x.validator ? 'yes' : 'no'}</td>
          <td><${Amount} planck=${x.bond} /></td>
          <td><${Amount} planck=${x.delegated} /></td>
          <td><${Amount} planck=${x.stake} /></td>
          <td>${x.delegators}</td>
          <td>${formatPerbill(x.commissionPerbill)}${x.nextCommission ? ` (→ ${formatPerbill(x.nextCommission.perbill)} from #${x.nextCommission.from})` : ''}</td>
          <td><${Amount} planck=${x.earned} /></td>
          <td><${Amount} planck=${x.delegatorRewards} /></td>
          <td>${x.state === 'Active' ? html`<${Delegate} executor=${x.executor} onDone=${bump} />` : null}</td>
        </tr>`)}
      </tbody>
    </table></div>`}
    <h3>Your positions</h3>
    <${Positions} reloadKey=${reloadKey} onChange=${bump} />
  </section>`;
}
