// Run by zombienet (js-script) on Alice's node: Dave requests the bundled digits model; the
// executor drawn in the next block answers through its off-chain worker, and the result becomes final after the
// challenge window with the fee paid. Returns 1 on success.
const { send, digitsInput, waitStatus, requested, assignedExecutor } = require("./common.js");

async function run(nodeName, networkInfo) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  await zombie.util.cryptoWaitReady();
  const dave = new zombie.Keyring({ type: "sr25519" }).addFromUri("//Dave");

  const [model] = (await api.query.modelRegistry.models.keys()).map((k) => k.args[0]);
  const events = await send(api.tx.inference.request(model, digitsInput(0.5), "1000000000000000000"), dave);
  const { id, drawAt } = requested(api, events);
  const executor = await assignedExecutor(api, id, drawAt);
  console.log(`request ${id} drawn at block ${drawAt}: assigned to ${executor}`);

  await waitStatus(api, id, ["Answered", "Final"]);
  const result = (await api.query.inference.results(id)).unwrap();
  console.log(`answered in block ${result.submittedAt}, output hash ${result.commitment.outputHash}`);
  const status = await waitStatus(api, id, ["Final"]);
  console.log(`final at block ${status.asFinal.at} by ${status.asFinal.executor}`);
  return status.asFinal.executor.toString() === executor ? 1 : 0;
}

module.exports = { run };
