// Shared pieces of the page: templates (preact + htm, no build step for markup), the chain
// context every view reads, and small components (amounts, accounts, hashes, transaction
// buttons that show each stage and the chain's error by name).

import { createContext, h } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

import { sendTx } from './chain.js';
import { formatOpg, shortAccount, shortHash } from './format.js';

export const html = htm.bind(h);

/**
 * What every view reads: `{api, status, url, error, head, finalized, chainType, accounts,
 * account, setAccount, names, blockMs, ss58}`. `head`/`finalized` are block numbers, updated by
 * subscriptions, so a view that depends on them re-renders every block.
 */
export const ChainContext = createContext(null);
export const useChain = () => useContext(ChainContext);

/**
 * Runs `load()` whenever `deps` change, keeping the last value while a new one loads:
 * `{value, error, loading, reload}`.
 */
export function useAsync(load, deps) {
  const [state, setState] = useState({ value: undefined, error: null, loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    Promise.resolve()
      .then(load)
      .then(
        (value) => mine === generation.current && setState({ value, error: null, loading: false }),
        (error) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
      );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Amount({ planck }) {
  const text = formatOpg(planck);
  return html`<span class="amount" title=${`${planck} planck`}>${text}</span>`;
}

export function Account({ address }) {
  const { names } = useChain();
  const name = names[address];
  return html`<span class="account" title=${address}>${name ? html`<b>${name}</b>` : shortAccount(address)}</span>`;
}

export function Hash({ value, full = false, testid }) {
  return html`<code class="hash" title=${value} data-testid=${testid}>${full ? value : shortHash(value)}</code>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  const named = error.errorName;
  return html`<div class="error" role="alert" data-testid="error">
    ${named ? html`<b>${error.section}.${error.errorName}</b>${error.docs ? html`: ${error.docs}` : null}` : String(error.message ?? error)}
  </div>`;
}

const STAGE_TEXT = {
  signing: 'signing…',
  signed: 'signed, sent',
  ready: 'in the pool',
  inBlock: 'in block',
  finalized: 'finalized',
};

/**
 * A button that builds a transaction with `build()` (returning a @polkadot/api submittable, or
 * throwing a user error), signs it with the selected account and shows its stages. `onDone`
 * gets `{blockNumber, events, fee}` once it is in a block.
 */
export function TxButton({ label, build, onDone, testid, disabled }) {
  const { api, account } = useChain();
  const [stage, setStage] = useState(null);
  const [error, setError] = useState(null);
  const busy = stage && stage.stage !== 'inBlock' && stage.stage !== 'finalized' && stage.stage !== 'failed';
  const click = async () => {
    setError(null);
    try {
      const tx = await build();
      setStage({ stage: 'signing' });
      // Later stages (finalized) keep coming after a failure: a failed one stays failed.
      const included = await sendTx(api, tx, account, (s) =>
        setStage((old) => (old?.stage === 'finalized' || old?.stage === 'failed' ? old : s)));
      setStage({ stage: 'inBlock', blockNumber: included.blockNumber });
      onDone?.(included);
    } catch (e) {
      setStage({ stage: 'failed' });
      setError(e);
    }
  };
  return html`<span class="tx">
    <button type="button" onClick=${click} disabled=${disabled || busy || !account} data-testid=${testid}>${label}</button>
    ${stage && stage.stage !== 'failed'
      ? html`<span class="stage" data-testid=${testid && `${testid}-stage`}>
          ${STAGE_TEXT[stage.stage]}${stage.blockNumber !== undefined ? ` #${stage.blockNumber}` : ''}
        </span>`
      : null}
    <${ErrorBox} error=${error} />
  </span>`;
}

/** A labelled field. */
export function Field({ label, children }) {
  return html`<label class="field"><span>${label}</span>${children}</label>`;
}

export function Loading({ what }) {
  return html`<p class="muted">loading ${what}…</p>`;
}
