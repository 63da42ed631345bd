// Run by zombienet (js-script) on Dave's node: watchers re-run every result (sudo), Dave requests
// the bundled digits model until a request goes to Charlie (the lying executor), then waits until
// the request is `Corrected` and checks that Charlie lost 10% of its bond. Returns 1 on success.

const { send, digitsInput, waitStatus } = require("./common.js");

async function run(nodeName, networkInfo) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  await zombie.util.cryptoWaitReady();
  const keyring = new zombie.Keyring({ type: "sr25519" });
  const alice = keyring.addFromUri("//Alice");
  const dave = keyring.addFromUri("//Dave");
  const charlie = keyring.addFromUri("//Charlie").address;

  await send(api.tx.sudo.sudo(api.tx.inference.setWatchFraction(1_000_000_000)), alice);
  const bondBefore = (await api.query.executors.executors(charlie)).unwrap().bond.toBigInt();

  const [model] = (await api.query.modelRegistry.models.keys()).map((k) => k.args[0]);
  const input = digitsInput(0.25);
  let id = null;
  for (let n = 0; n < 30 && id === null; n++) {
    const events = await send(api.tx.inference.request(model, input, "1000000000000000000"), dave);
    for (const { event } of events) {
      if (api.events.inference.Requested.is(event) && event.data.executor.toString() === charlie) {
        id = event.data.request.toNumber();
      }
    }
  }
  if (id === null) throw new Error("no request went to Charlie in 30");
  console.log(`request ${id} assigned to Charlie`);

  const status = await waitStatus(api, id, ["Corrected", "Final", "Refunded"]);
  if (status.type !== "Corrected") throw new Error(`request ${id} ended ${status.type}`);
  const outcome = (await api.query.inference.disputeOutcomes(id)).unwrap();
  const bondAfter = (await api.query.executors.executors(charlie)).unwrap().bond.toBigInt();
  console.log(`verdict ${outcome.verdict.type}, Charlie's bond ${bondBefore} -> ${bondAfter}`);
  return outcome.verdict.type === "ExecutorWrong" && bondAfter === bondBefore - bondBefore / 10n ? 1 : 0;
}

module.exports = { run };
