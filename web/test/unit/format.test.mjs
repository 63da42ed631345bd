import { test } from 'node:test';
import assert from 'node:assert/strict';

import { formatBlocks, formatOpg, formatPerbill, parseOpg, shortAccount, shortHash, toPlanck } from '../../src/format.js';

test('amounts are formatted exactly, with 18 decimals and no rounding', () => {
  assert.equal(formatOpg('10000000000000000'), '0.01 OPG');
  assert.equal(formatOpg('1000000000000000000'), '1 OPG');
  assert.equal(formatOpg(0n), '0 OPG');
  assert.equal(formatOpg('1'), '0.000000000000000001 OPG');
  assert.equal(formatOpg('1234567000000000000000001'), '1,234,567.000000000000000001 OPG');
  // u128::MAX, beyond any float: every digit kept.
  assert.equal(formatOpg('340282366920938463463374607431768211455'), '340,282,366,920,938,463,463.374607431768211455 OPG');
  assert.equal(formatOpg('-1500000000000000000'), '-1.5 OPG');
  assert.equal(formatOpg('2500000000000000000', { unit: false }), '2.5');
});

test('amounts parse exactly and refuse what is not one', () => {
  assert.equal(parseOpg('1'), 10n ** 18n);
  assert.equal(parseOpg('0.5'), 5n * 10n ** 17n);
  assert.equal(parseOpg('.25'), 25n * 10n ** 16n);
  assert.equal(parseOpg('1,000.000000000000000001 OPG'), 1000n * 10n ** 18n + 1n);
  for (const bad of ['', '.', '-1', '1e3', 'abc', '1.0000000000000000001', '0x10']) {
    assert.throws(() => parseOpg(bad), Error, bad);
  }
  for (const planck of ['0', '1', '999999999999999999', '340282366920938463463374607431768211455']) {
    assert.equal(parseOpg(formatOpg(planck, { unit: false })), BigInt(planck), planck);
  }
});

test('planck comes from decimal strings, safe integers and codecs only', () => {
  assert.equal(toPlanck('42'), 42n);
  assert.equal(toPlanck(42), 42n);
  assert.equal(toPlanck({ toBigInt: () => 7n }), 7n);
  assert.throws(() => toPlanck(1e30));
  assert.throws(() => toPlanck('1.5'));
});

test('hashes, accounts, commissions and durations are shortened for reading', () => {
  assert.equal(shortHash(`0x${'ab'.repeat(32)}`), '0xababab…ababab');
  assert.equal(shortHash('0x1234'), '0x1234');
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  assert.equal(shortAccount(alice), '5Grwva…GKutQY');
  assert.equal(shortAccount(alice, { [alice]: 'Alice' }), 'Alice');
  assert.equal(formatPerbill(50_000_000), '5%');
  assert.equal(formatPerbill(12_345_678), '1.23%');
  assert.equal(formatBlocks(10), '10 blocks (~60 s)');
  assert.equal(formatBlocks(1), '1 block (~6 s)');
  assert.equal(formatBlocks(-3), '0 blocks (~0 s)');
  assert.equal(formatBlocks(600), '600 blocks (~60 min)');
});
