// Helpers shared by the js-scripts zombienet runs against the OPG nodes.

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

/** The bundled digits model's input: one sample of 64 pixels, as hex-encoded f32 data (a
 * Uint8Array given for `Bytes` would be read as already length-prefixed). */
function digitsInput(value) {
  const data = "0x" + Buffer.from(new Float32Array(64).fill(value).buffer).toString("hex");
  return { Tensor: { dtype: "F32", shape: [1, 64], data } };
}

/** Polls request `id` every 2 s until its status is one of `states`; returns that status. */
async function waitStatus(api, id, states, tries = 150) {
  for (let i = 0; i < tries; i++) {
    const request = (await api.query.inference.requests(id)).unwrap();
    if (states.includes(request.status.type)) return request.status;
    await sleep(2000);
  }
  throw new Error(`request ${id} never reached ${states}`);
}

/** The request `id` made in `events` (its `Requested` event) and the block its executor is
 * drawn in. */
function requested(api, events) {
  const event = events.map(({ event }) => event).find((e) => api.events.inference.Requested.is(e));
  if (!event) throw new Error("no Requested event");
  return { id: event.data.request.toNumber(), drawAt: event.data.drawAt.toNumber() };
}

/** The executor drawn for request `id`: the `Assigned` event of the block it is drawn in
 * (`drawAt`, or a later block if that one had no weight left for it). */
async function assignedExecutor(api, id, drawAt, tries = 120) {
  let block = drawAt;
  for (let i = 0; i < tries; i++) {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    while (block <= best) {
      const at = await api.at(await api.rpc.chain.getBlockHash(block));
      const assigned = (await at.query.system.events())
        .map(({ event }) => event)
        .find((e) => api.events.inference.Assigned.is(e) && e.data.request.toNumber() === id);
      if (assigned) return assigned.data.executor.toString();
      block++;
    }
    await sleep(1000);
  }
  throw new Error(`request ${id} was never assigned`);
}

module.exports = { send, sleep, digitsInput, waitStatus, requested, assignedExecutor };
