// Run by zombienet (js-script) on Dave's node: watchers re-run every result (sudo), Dave requests
// the bundled digits model until a request goes to Charlie (the lying executor), then waits until
// the request is `Corrected` and checks that Charlie lost 10% of its bond. Returns 1 on success.

/** Sends `tx` signed by `signer`; resolves with the events once it is in a block. */
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(`dispatch error: ${dispatchError.toString()}`));
      else if (status.isInBlock) resolve(events);
    }).catch(reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  // As hex: polkadot.js reads a Uint8Array given for `Bytes` as already length-prefixed.
  const data = "0x" + Buffer.from(new Float32Array(64).fill(0.25).buffer).toString("hex");
  const input = { Tensor: { dtype: "F32", shape: [1, 64], data } };
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

  for (let i = 0; i < 150; i++) {
    const request = (await api.query.inference.requests(id)).unwrap();
    const state = request.status.type;
    if (state === "Corrected") break;
    if (state === "Final" || state === "Refunded") throw new Error(`request ${id} ended ${state}`);
    await sleep(2000);
  }
  const outcome = (await api.query.inference.disputeOutcomes(id)).unwrap();
  const bondAfter = (await api.query.executors.executors(charlie)).unwrap().bond.toBigInt();
  console.log(`verdict ${outcome.verdict.type}, Charlie's bond ${bondBefore} -> ${bondAfter}`);
  return outcome.verdict.type === "ExecutorWrong" && bondAfter === bondBefore - bondBefore / 10n ? 1 : 0;
}

module.exports = { run };
