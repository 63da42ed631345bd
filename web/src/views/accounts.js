// Accounts: the ones the page can sign with, their balances in OPG, and which one signs.

import { Amount, html, useAsync, useChain } from '../ui.js';

function Balance({ address }) {
  const { api, head } = useChain();
  const account = useAsync(() => api.query.system.account(address), [api, address, head]);
  const d = account.value?.data;
  if (!d) return html`<td colspan="3"></td>`;
  return html`<td data-testid="free"><${Amount} planck=${d.free.toBigInt()} /></td>
    <td><${Amount} planck=${d.reserved.toBigInt()} /></td>
    <td><${Amount} planck=${d.frozen.toBigInt()} /></td>`;
}

export function AccountsView() {
  const { accounts, account, setAccount, chainType } = useChain();
  return html`<section>
    <h2>Accounts</h2>
    ${accounts.some((a) => a.dev)
      ? html`<p class="warn">This is a ${chainType.toLowerCase()} chain: the <b>dev accounts</b> below have keys everybody knows (<code>//Alice</code> …). Never send them anything of value.</p>`
      : null}
    ${accounts.length === 0 ? html`<p>No account: install a browser wallet extension (polkadot.js, Talisman, SubWallet) and allow this page.</p>` : null}
    <table data-testid="accounts">
      <thead><tr><th></th><th>name</th><th>address</th><th>free</th><th>reserved (held)</th><th>frozen (locked)</th></tr></thead>
      <tbody>
        ${accounts.map((a) => html`<tr data-testid="account-row" data-name=${a.name}>
          <td><input type="radio" name="signer" checked=${account?.address === a.address} onChange=${() => setAccount(a)} /></td>
          <td>${a.name}${a.dev ? html` <span class="badge">dev account</span>` : html` <span class="badge">${a.source}</span>`}</td>
          <td><code>${a.address}</code></td>
          <${Balance} address=${a.address} />
        </tr>`)}
      </tbody>
    </table>
  </section>`;
}
