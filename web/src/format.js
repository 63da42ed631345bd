// Amounts, hashes, accounts and blocks as the page shows them. Pure functions (no chain, no DOM),
// unit-tested in test/unit/format.test.mjs.

/** OPG has 18 decimals: 1 OPG = 10^18 planck. */
export const DECIMALS = 18;
const ONE = 10n ** BigInt(DECIMALS);

/** A planck amount as a BigInt, from a decimal string (the RPC's JSON), a number or a codec. */
export function toPlanck(amount) {
  if (typeof amount === 'bigint') return amount;
  if (typeof amount === 'number') {
    if (!Number.isSafeInteger(amount)) throw new Error(`not an exact planck amount: ${amount}`);
    return BigInt(amount);
  }
  if (typeof amount === 'string') {
    if (!/^-?\d+$/.test(amount)) throw new Error(`an amount is a decimal string of planck, not ${JSON.stringify(amount)}`);
    return BigInt(amount);
  }
  if (amount && typeof amount.toBigInt === 'function') return amount.toBigInt();
  if (amount && typeof amount.toString === 'function') return toPlanck(amount.toString());
  throw new Error(`not an amount: ${amount}`);
}

/** `1234` → `1,234`. */
function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Formats planck exactly as OPG: every significant decimal is kept (no rounding), trailing zeros
 * are dropped, the integer part is grouped by thousands. `10000000000000000` → `0.01 OPG`.
 */
export function formatOpg(amount, { unit = true } = {}) {
  const planck = toPlanck(amount);
  const negative = planck < 0n;
  const abs = negative ? -planck : planck;
  const whole = abs / ONE;
  const frac = (abs % ONE).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  const text = `${negative ? '-' : ''}${groupThousands(whole.toString())}${frac ? `.${frac}` : ''}`;
  return unit ? `${text} OPG` : text;
}

/**
 * Parses an OPG amount typed by a user (`1`, `0.5`, `1,000.25`) into planck, exactly. Refuses
 * more than 18 decimals, negative amounts and anything that is not a number.
 */
export function parseOpg(text) {
  const clean = String(text).trim().replace(/,/g, '').replace(/\s*OPG$/i, '');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(clean);
  if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
    throw new Error(`"${text}" is not an amount of OPG`);
  }
  const frac = m[2] ?? '';
  if (frac.length > DECIMALS) throw new Error(`"${text}": OPG has ${DECIMALS} decimals at most`);
  return BigInt(m[1] || '0') * ONE + BigInt(frac.padEnd(DECIMALS, '0') || '0');
}

/** `0x1234…cdef`: a hash shortened for a table cell (the full hash goes in the title). */
export function shortHash(hash, keep = 6) {
  const h = String(hash);
  return h.length <= 2 + 2 * keep ? h : `${h.slice(0, 2 + keep)}…${h.slice(-keep)}`;
}

/** An SS58 address shortened, or the dev account's name when it is one. */
export function shortAccount(address, names = {}) {
  const a = String(address);
  if (names[a]) return names[a];
  return a.length <= 14 ? a : `${a.slice(0, 6)}…${a.slice(-6)}`;
}

/** Parts per billion as a percentage: `50000000` → `5%`. */
export function formatPerbill(perbill) {
  const p = Number(perbill) / 1e7;
  return `${Number.isInteger(p) ? p : p.toFixed(2).replace(/0+$/, '')}%`;
}

/** Blocks as a duration at the chain's block time: `10` blocks of 6 s → `1 min`. */
export function formatBlocks(blocks, blockMs = 6000) {
  const n = Math.max(0, Number(blocks));
  const s = Math.round((n * blockMs) / 1000);
  const time = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  return `${n} block${n === 1 ? '' : 's'} (~${time})`;
}
