// Run by zombienet (js-script) on Dave's node: watchers re-run every result (sudo), Dave requests
// the bundled digits model until a request goes to Charlie (the lying executor), then waits until
// the request is `Corrected` and checks that the verdict took 10% of Charlie's bond. Returns 1 on
// success.

const { send, digitsInput, waitStatus, requested, assignedExecutor } = require("./common.js");

async function run(nodeName, networkInfo) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: "sr25519" });
  const alice = keyring.addFromUri("//Alice");
  const dave = keyring.addFromUri("//Dave");
  const charlie = keyring.addFromUri("//Charlie").address;

  await send(api.tx.sudo.sudo(api.tx.inference.setWatchFraction(1_000_000_000)), alice);

  const [model] = (await api.query.modelRegistry.models.keys()).map((k) => k.args[0]);
  const input = digitsInput(0.25);
  let id = null;
  for (let n = 0; n < 30 && id === null; n++) {
    const events = await send(api.tx.inference.request(model, input, "1000000000000000000"), dave);
    const made = requested(api, events);
    if ((await assignedExecutor(api, made.id, made.drawAt)) === charlie) id = made.id;
  }
  if (id === null) throw new Error("no request went to Charlie in 30");
  console.log(`request ${id} assigned to Charlie`);

  const status = await waitStatus(api, id, ["Corrected", "Final", "Refunded"]);
  if (status.type !== "Corrected") throw new Error(`request ${id} ended ${status.type}`);
  const outcome = (await api.query.inference.disputeOutcomes(id)).unwrap();
  // Charlie's bond just before and at the verdict's block (other disputes may have moved it
  // earlier): the verdict takes exactly 10% of it (no delegators), and says so.
  const at = outcome.at.toNumber();
  const bondAt = async (n) => {
    const state = await api.at(await api.rpc.chain.getBlockHash(n));
    return (await state.query.executors.executors(charlie)).unwrap().bond.toBigInt();
  };
  const [bondBefore, bondAfter] = [await bondAt(at - 1), await bondAt(at)];
  const slashed = outcome.slashed.toBigInt();
  console.log(`verdict ${outcome.verdict.type} at #${at}, slashed ${slashed}, Charlie's bond ${bondBefore} -> ${bondAfter}`);
  return outcome.verdict.type === "ExecutorWrong" &&
    slashed === bondBefore / 10n &&
    bondAfter === bondBefore - slashed
    ? 1
    : 0;
}

module.exports = { run };
