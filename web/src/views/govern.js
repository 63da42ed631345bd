// Governance (OpenGov): the referenda with their track, proposal, tally and time left; putting a
// proposed model's listing to a referendum on the `model_listing` track; voting with conviction.

import { useState } from 'preact/hooks';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToString } from '@polkadot/util';

import { findEvent, sendTx } from '../chain.js';
import { formatBlocks, parseOpg } from '../format.js';
import { Amount, ErrorBox, Field, html, Loading, TxButton, useAsync, useChain } from '../ui.js';
import { allModels } from './models.js';

/** The tracks by id: `{name, decisionPeriod, preparePeriod, confirmPeriod, decisionDeposit}`. */
function tracksOf(api) {
  const tracks = new Map();
  for (const [id, info] of api.consts.referenda.tracks) {
    // A fixed-size, zero-padded name (`[u8; N]`) or a string, whichever the runtime declares.
    const name = u8aToString(info.name.toU8a(true)).replace(/\0+$/, '');
    tracks.set(id.toNumber(), {
      name,
      preparePeriod: info.preparePeriod.toNumber(),
      decisionPeriod: info.decisionPeriod.toNumber(),
      confirmPeriod: info.confirmPeriod.toNumber(),
      decisionDeposit: info.decisionDeposit.toBigInt(),
    });
  }
  return tracks;
}

/** The call a referendum proposes, as `section.method(args)`, from its preimage when noted. */
async function proposalText(api, proposal, modelNames) {
  let call;
  if (proposal.isInline) call = api.createType('Call', proposal.asInline);
  else if (proposal.isLookup) {
    // `hash_`: @polkadot/api renames the field, as every codec has a `hash` of its own encoding.
    const { hash_: hash, len } = proposal.asLookup;
    const bytes = await api.query.preimage.preimageFor([hash, len]);
    if (bytes.isNone) return `preimage ${hash.toHex()} (not noted)`;
    call = api.createType('Call', bytes.unwrap());
  } else return 'a legacy proposal';
  const args = call.args.map((a) => {
    const hex = a.toHex?.();
    return modelNames[hex] ? `${modelNames[hex]}` : a.toString();
  });
  return `${call.section}.${call.method}(${args.join(', ')})`;
}

async function referenda(api, head, modelNames) {
  const tracks = tracksOf(api);
  const entries = await api.query.referenda.referendumInfoFor.entries();
  const list = await Promise.all(
    entries.map(async ([key, info]) => {
      const index = key.args[0].toNumber();
      const r = info.unwrap();
      if (!r.isOngoing) {
        // `Killed(at)`, or `Approved | Rejected | Cancelled | TimedOut (at, deposits…)`.
        const v = r.value;
        const at = typeof v.toNumber === 'function' ? v.toNumber() : v[0].toNumber();
        return { index, state: r.type, endedAt: at };
      }
      const o = r.asOngoing;
      const track = tracks.get(o.track.toNumber());
      let phase;
      let ends;
      if (o.deciding.isSome) {
        const d = o.deciding.unwrap();
        if (d.confirming.isSome) {
          phase = 'confirming';
          ends = d.confirming.unwrap().toNumber();
        } else {
          phase = 'deciding';
          ends = d.since.toNumber() + track.decisionPeriod;
        }
      } else {
        phase = o.decisionDeposit.isSome ? 'preparing' : 'waiting for its decision deposit';
        ends = o.submitted.toNumber() + track.preparePeriod;
      }
      return {
        index,
        state: 'Ongoing',
        track: track?.name ?? o.track.toString(),
        phase,
        left: Math.max(0, ends - head),
        ayes: o.tally.ayes.toBigInt(),
        nays: o.tally.nays.toBigInt(),
        support: o.tally.support.toBigInt(),
        proposal: await proposalText(api, o.proposal, modelNames),
      };
    }),
  );
  return list.sort((a, b) => b.index - a.index);
}

const CONVICTIONS = [
  ['None', '0.1× (no lock)'],
  ['Locked1x', '1×'],
  ['Locked2x', '2×'],
  ['Locked3x', '3×'],
  ['Locked4x', '4×'],
  ['Locked5x', '5×'],
  ['Locked6x', '6×'],
];

function Vote({ index }) {
  const { api } = useChain();
  const [amount, setAmount] = useState('1');
  const [conviction, setConviction] = useState('Locked1x');
  const [aye, setAye] = useState(true);
  const build = () =>
    api.tx.convictionVoting.vote(index, { Standard: { vote: { aye, conviction }, balance: parseOpg(amount) } });
  return html`<div class="vote" data-testid=${`vote-${index}`}>
    <select value=${aye ? 'aye' : 'nay'} onChange=${(e) => setAye(e.target.value === 'aye')} data-testid="vote-side">
      <option value="aye">aye</option><option value="nay">nay</option>
    </select>
    <input size="8" value=${amount} onInput=${(e) => setAmount(e.target.value)} data-testid="vote-amount" /> OPG
    <select value=${conviction} onChange=${(e) => setConviction(e.target.value)} data-testid="vote-conviction">
      ${CONVICTIONS.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
    </select>
    <${TxButton} label="vote" testid="vote" build=${build} />
  </div>`;
}

function ProposeListing({ models, onDone }) {
  const { api, account } = useChain();
  const proposed = models.filter((m) => m.state !== 'Listed');
  const [model, setModel] = useState('');
  const [stage, setStage] = useState(null);
  const [error, setError] = useState(null);
  const chosen = model || proposed[0]?.model;
  const propose = async () => {
    setError(null);
    // Each transaction reports its stages until the next one starts (its later ones, such as
    // finalized, are dropped).
    let current = 0;
    try {
      const call = api.tx.modelRegistry.listModel(chosen).method;
      const bytes = call.toU8a();
      const hash = blake2AsHex(bytes);
      const step = (n, what) => {
        current = n;
        return (s) => current === n && setStage(`${n}/3 ${what}: ${s.stage}${s.blockNumber !== undefined ? ` #${s.blockNumber}` : ''}`);
      };
      // Noted already (by anyone) when its bytes are stored; a request status alone is not.
      const noted = await api.query.preimage.preimageFor([hash, bytes.length]);
      // A hex string: @polkadot/api reads a Uint8Array given for `Bytes` as its SCALE encoding.
      if (noted.isNone) await sendTx(api, api.tx.preimage.notePreimage(call.toHex()), account, step(1, 'noting the call'));
      const submitted = await sendTx(
        api,
        api.tx.referenda.submit({ Origins: 'ModelListing' }, { Lookup: { hash, len: bytes.length } }, { After: 1 }),
        account,
        step(2, 'submitting the referendum'),
      );
      const index = findEvent(submitted.events, 'referenda', 'Submitted').data[0].toNumber();
      await sendTx(api, api.tx.referenda.placeDecisionDeposit(index), account, step(3, 'placing the decision deposit'));
      current = 0;
      setStage(`referendum ${index} submitted`);
      onDone?.(index);
    } catch (e) {
      current = 0;
      setStage(null);
      setError(e);
    }
  };
  if (proposed.length === 0) return html`<p class="muted">No model waits for a listing.</p>`;
  return html`<div class="propose" data-testid="propose-listing">
    <select value=${chosen} onChange=${(e) => setModel(e.target.value)} data-testid="propose-model">
      ${proposed.map((m) => html`<option value=${m.model}>${m.name} (${m.state})</option>`)}
    </select>
    <button type="button" onClick=${propose} disabled=${!account || (stage && !stage.startsWith('referendum'))} data-testid="propose">put its listing to a referendum</button>
    ${stage ? html`<span class="stage" data-testid="propose-stage">${stage}</span>` : null}
    <${ErrorBox} error=${error} />
  </div>`;
}

export function GovernView() {
  const { api, head, blockMs } = useChain();
  const models = useAsync(() => allModels(api), [api, Math.floor(head / 3)]);
  const names = Object.fromEntries((models.value ?? []).map((m) => [m.model, m.name]));
  const list = useAsync(() => referenda(api, head, names), [api, head, models.value]);
  return html`<section>
    <h2>Govern</h2>
    <p class="muted">Listings are decided by referendum on the <code>model_listing</code> track, by conviction-weighted votes of OPG holders.</p>
    <h3>Propose a listing</h3>
    ${models.value ? html`<${ProposeListing} models=${models.value} onDone=${list.reload} />` : html`<${Loading} what="the models" />`}
    <h3>Referenda</h3>
    <${ErrorBox} error=${list.error} />
    ${!list.value ? html`<${Loading} what="the referenda" />` : list.value.length === 0 ? html`<p>None yet.</p>` : null}
    ${(list.value ?? []).map((r) =>
      r.state === 'Ongoing'
        ? html`<div class="referendum" key=${r.index} data-testid="referendum" data-index=${r.index}>
            <h4>#${r.index} on ${r.track}: <code data-testid="proposal">${r.proposal}</code></h4>
            <p>${r.phase}, ${formatBlocks(r.left, blockMs)} left</p>
            <p data-testid="tally">ayes <${Amount} planck=${r.ayes} />, nays <${Amount} planck=${r.nays} />, support <${Amount} planck=${r.support} /></p>
            <${Vote} index=${r.index} />
          </div>`
        : html`<div class="referendum over" key=${r.index} data-testid="referendum" data-index=${r.index}>
            <h4>#${r.index}: <span data-testid="referendum-state">${r.state}</span>${r.endedAt !== null ? ` at block #${r.endedAt}` : ''}</h4>
          </div>`,
    )}
  </section>`;
}
