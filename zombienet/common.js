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

module.exports = { send, sleep, digitsInput, waitStatus };
