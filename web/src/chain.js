// The connection to an opg-node: @polkadot/api over a WebSocket that reconnects by itself, the
// node's typed JSON-RPC (`models_*`, `inference_*`, `staking_*`, served as the JSON of the
// opg-api crate), transactions followed stage by stage, and the chain's errors by name and
// documentation from the metadata.

import { ApiPromise, WsProvider } from '@polkadot/api';

/** The node the page talks to: `?rpc=ws://…` in the address, else the dev chain's default. */
export function nodeUrl(location = globalThis.location) {
  const param = location ? new URLSearchParams(location.search).get('rpc') : null;
  return param || 'ws://127.0.0.1:9944';
}

/** An error the chain returned: a dispatch error by pallet and name, with its docs. */
export class ChainError extends Error {
  constructor({ section, name, docs }) {
    super(`${section}.${name}${docs ? `: ${docs}` : ''}`);
    this.section = section;
    this.errorName = name;
    this.docs = docs;
  }
}

/** A dispatch error as a ChainError: module errors by name and docs from the metadata. */
export function dispatchErrorOf(api, dispatchError) {
  if (dispatchError.isModule) {
    const meta = api.registry.findMetaError(dispatchError.asModule);
    return new ChainError({ section: meta.section, name: meta.name, docs: meta.docs.join(' ').trim() });
  }
  if (dispatchError.isToken) return new ChainError({ section: 'token', name: dispatchError.asToken.type, docs: '' });
  if (dispatchError.isArithmetic) return new ChainError({ section: 'arithmetic', name: dispatchError.asArithmetic.type, docs: '' });
  return new ChainError({ section: 'dispatch', name: dispatchError.type, docs: dispatchError.toString() });
}

/**
 * The connection. `onChange(state)` is called whenever it changes:
 * `{status: 'connecting'|'ready'|'disconnected', api, url, error}`. The provider retries every
 * two seconds for as long as the page is open; @polkadot/api re-subscribes once it is back.
 */
export function connect(url, onChange) {
  const provider = new WsProvider(url, 2000, {}, 30_000);
  let state = { status: 'connecting', api: null, url, error: null };
  const set = (patch) => {
    state = { ...state, ...patch };
    onChange(state);
  };
  provider.on('disconnected', () => set({ status: 'disconnected', error: `the node at ${url} is unreachable; retrying every 2 s` }));
  provider.on('error', () => set({ error: `the node at ${url} is unreachable; retrying every 2 s` }));
  provider.on('connected', () => set({ status: state.api ? 'ready' : 'connecting', error: null }));
  // `AuthorizeCall` (frame-system) carries no data: declared, so it is not reported as unknown.
  const signedExtensions = { AuthorizeCall: { extrinsic: {}, payload: {} } };
  ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: false, signedExtensions })
    .then((api) => set({ status: 'ready', api, error: null }))
    .catch((e) => set({ error: `could not read the chain's metadata: ${e.message}` }));
  onChange(state);
  return { provider };
}

/** An error of the node's own RPC (`RUNTIME_ERROR` 1, `PRUNED` 2 with its data). */
export class RpcError extends Error {
  constructor(method, e) {
    super(`${method}: ${e.message ?? e}`);
    this.code = e.code;
    this.data = e.data;
  }
}

/**
 * Calls one of the node's own JSON-RPC methods and returns its JSON as is. (@polkadot/api decodes
 * only the methods it has type definitions for; these answer the JSON of the opg-api crate, so
 * they go to the provider directly.)
 */
export async function rpc(api, method, params = []) {
  try {
    return await api._rpcCore.provider.send(method, params);
  } catch (e) {
    throw new RpcError(method, e);
  }
}

/**
 * Signs and sends `tx` from `account` (`{address, signer?, pair?}`), reporting each stage to
 * `onStage({stage, hash, blockNumber})`: `signed`, `ready`, `inBlock`, `finalized`. Resolves
 * once it is in a block: `{blockHash, blockNumber, events, fee}`; rejects with a ChainError when
 * the extrinsic failed there, or with the pool's reason when it never got in.
 */
export function sendTx(api, tx, account, onStage = () => {}) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const signer = account.pair ?? account.address;
    const options = account.pair ? {} : { signer: account.signer };
    tx.signAndSend(signer, options, async (result) => {
      const { status, dispatchError, events } = result;
      try {
        if (status.isReady || status.isBroadcast) onStage({ stage: 'ready', hash: tx.hash.toHex() });
        if (status.isInBlock || status.isFinalized) {
          const blockHash = status.isInBlock ? status.asInBlock : status.asFinalized;
          const header = await api.rpc.chain.getHeader(blockHash);
          const blockNumber = header.number.toNumber();
          onStage({ stage: status.isInBlock ? 'inBlock' : 'finalized', hash: tx.hash.toHex(), blockNumber });
          if (settled) return;
          settled = true;
          if (dispatchError) return reject(dispatchErrorOf(api, dispatchError));
          const paid = events.find(({ event }) => event.section === 'transactionPayment' && event.method === 'TransactionFeePaid');
          const fee = paid ? paid.event.data[1].toBigInt() : 0n;
          resolve({ blockHash: blockHash.toHex(), blockNumber, events, fee });
        }
        if (status.isInvalid || status.isDropped || status.isUsurped) {
          settled = true;
          reject(new Error(`the transaction was ${status.type.toLowerCase()} by the pool`));
        }
      } catch (e) {
        settled = true;
        reject(e);
      }
    })
      .then(() => onStage({ stage: 'signed', hash: tx.hash.toHex() }))
      .catch((e) => {
        if (!settled) reject(e);
        settled = true;
      });
  });
}

/** The first event of `section.method` among a transaction's events, or undefined. */
export function findEvent(events, section, method) {
  return events.map((r) => r.event).find((e) => e.section === section && e.method === method);
}
