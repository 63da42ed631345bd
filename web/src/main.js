// The page: a connection banner, the signing account, a hash router (#/models, #/model/<hash>,
// #/request/<id>, #/disputes, #/govern, #/stake, #/accounts), and the chain context every view
// reads. A node that is down or restarts is shown in the banner and reconnected; the views keep
// what they last read.

import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';

import { accountNames, devAccounts, extensionAccounts, isDevChain } from './accounts.js';
import { connect, nodeUrl } from './chain.js';
import { ChainContext, html } from './ui.js';
import { AccountsView } from './views/accounts.js';
import { RequestView } from './views/ask.js';
import { DisputesView } from './views/disputes.js';
import { GovernView } from './views/govern.js';
import { ModelsView, ModelView } from './views/models.js';
import { StakeView } from './views/stake.js';

const TABS = [
  ['models', 'Models'],
  ['disputes', 'Disputes'],
  ['govern', 'Govern'],
  ['stake', 'Stake'],
  ['accounts', 'Accounts'],
];

function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'models').split('/');
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Banner({ conn, head, finalized, chain }) {
  const cls = conn.status === 'ready' && !conn.error ? 'ok' : 'down';
  return html`<div class=${`banner ${cls}`} data-testid="connection" data-status=${conn.status}>
    ${conn.status === 'ready' && !conn.error
      ? html`${chain} · best <b data-testid="head">#${head}</b> · finalized <b data-testid="finalized-head">#${finalized}</b> · <code>${conn.url}</code>`
      : html`${conn.error ?? `connecting to ${conn.url}…`}`}
  </div>`;
}

function App() {
  const [conn, setConn] = useState({ status: 'connecting', api: null, url: nodeUrl(), error: null });
  const [head, setHead] = useState(0);
  const [finalized, setFinalized] = useState(0);
  const [info, setInfo] = useState({ chain: '', chainType: '', ss58: 42 });
  const [accounts, setAccounts] = useState([]);
  const [account, setAccountState] = useState(null);
  const route = useRoute();

  useEffect(() => {
    connect(nodeUrl(), setConn);
  }, []);

  const api = conn.api;
  useEffect(() => {
    if (!api) return undefined;
    let live = true;
    const unsubs = [];
    (async () => {
      const [chain, chainType] = await Promise.all([api.rpc.system.chain(), api.rpc.system.chainType()]);
      const ss58 = api.registry.chainSS58 ?? 42;
      if (!live) return;
      setInfo({ chain: chain.toString(), chainType: chainType.type, ss58 });
      const found = [
        ...(await extensionAccounts(ss58)),
        ...(isDevChain(chainType.type) ? await devAccounts(ss58) : []),
      ];
      if (!live) return;
      setAccounts(found);
      const saved = localStorage.getItem('opg.account');
      setAccountState(found.find((a) => a.address === saved) ?? found.find((a) => a.name === 'Bob') ?? found[0] ?? null);
      unsubs.push(await api.rpc.chain.subscribeNewHeads((h) => setHead(h.number.toNumber())));
      unsubs.push(await api.rpc.chain.subscribeFinalizedHeads((h) => setFinalized(h.number.toNumber())));
    })().catch((e) => setConn((c) => ({ ...c, error: `reading the chain: ${e.message}` })));
    return () => {
      live = false;
      unsubs.forEach((u) => u());
    };
  }, [api]);

  const setAccount = (a) => {
    localStorage.setItem('opg.account', a.address);
    setAccountState(a);
  };
  const blockMs = api ? Number(api.consts.aura?.slotDuration?.toString() ?? 6000) : 6000;
  const context = useMemo(
    () => ({ ...conn, head, finalized, chainType: info.chainType, accounts, account, setAccount, names: accountNames(accounts), blockMs, ss58: info.ss58 }),
    [conn, head, finalized, info, accounts, account],
  );

  const [tab, arg] = route;
  let view = null;
  if (api && head > 0) {
    if (tab === 'model') view = html`<${ModelView} hash=${arg} />`;
    else if (tab === 'request') view = html`<${RequestView} id=${Number(arg)} />`;
    else if (tab === 'disputes') view = html`<${DisputesView} />`;
    else if (tab === 'govern') view = html`<${GovernView} />`;
    else if (tab === 'stake') view = html`<${StakeView} />`;
    else if (tab === 'accounts') view = html`<${AccountsView} />`;
    else view = html`<${ModelsView} />`;
  }
  return html`<${ChainContext.Provider} value=${context}>
    <header>
      <h1>OPG <span>verified AI on chain</span></h1>
      <nav>
        ${TABS.map(([id, label]) => html`<a href=${`#/${id}`} class=${tab === id || (tab === 'model' && id === 'models') ? 'active' : ''} data-testid=${`tab-${id}`}>${label}</a>`)}
      </nav>
      <div class="signer" data-testid="signer">
        ${account ? html`signing as <b>${account.name}</b>${account.dev ? html` <span class="badge">dev account</span>` : null}` : 'no account'}
      </div>
    </header>
    <${Banner} conn=${conn} head=${head} finalized=${finalized} chain=${info.chain} />
    <main>${view ?? html`<p class="muted">waiting for the node…</p>`}</main>
  <//>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the static "loading…" placeholder
render(html`<${App} />`, root);
