// The accounts the page can sign with: a browser wallet extension's (polkadot.js, Talisman,
// SubWallet: anything that injects `window.injectedWeb3`), and on dev and local chains the
// well-known dev accounts, whose keys everybody knows (clearly marked as such).

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';

export const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

/** Whether the chain's type (`system_chainType`) is one where dev accounts make sense. */
export function isDevChain(chainType) {
  return chainType === 'Development' || chainType === 'Local';
}

/** The dev accounts `//Alice` … `//Ferdie` (sr25519), with their keys: `{name, address, pair, dev}`. */
export async function devAccounts(ss58Format) {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  return DEV_NAMES.map((name) => {
    const pair = keyring.addFromUri(`//${name}`);
    return { name, address: pair.address, pair, dev: true };
  });
}

/** The accounts of the browser's wallet extensions, if any is installed and the user allows it. */
export async function extensionAccounts(ss58Format) {
  if (!globalThis.injectedWeb3 || Object.keys(globalThis.injectedWeb3).length === 0) return [];
  const extensions = await web3Enable('OPG appchain');
  if (extensions.length === 0) return [];
  const accounts = await web3Accounts({ ss58Format });
  return Promise.all(
    accounts.map(async (a) => ({
      name: a.meta.name ?? a.address.slice(0, 8),
      address: a.address,
      signer: (await web3FromAddress(a.address)).signer,
      source: a.meta.source,
      dev: false,
    })),
  );
}

/** Names to show instead of addresses: the dev accounts' and the extension's. */
export function accountNames(accounts) {
  return Object.fromEntries(accounts.map((a) => [a.address, a.name]));
}
