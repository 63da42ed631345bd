//! Executors: bond OPG and a node key to answer requests; unbond and withdraw; read one's state.

use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	keys, recode, runtime, Client, Error,
};

/// Parses an sr25519 public key in hex (the node's `infr` key).
pub fn parse_key(text: &str) -> Result<[u8; 32], Error> {
	let hash = crate::models::parse_hash(text)
		.ok_or_else(|| Error::Invalid(format!("`{text}` is not a 32-byte hex public key")))?;
	Ok(hash.0)
}

/// Bytes as `0x`-prefixed lowercase hex.
pub fn to_hex(bytes: impl AsRef<[u8]>) -> String {
	sp_core::bytes::to_hex(bytes.as_ref(), false)
}

/// What `author_rotateKeysWithOwner` answers: SCALE-encoded session keys and the proof that the
/// owner's account may use them, both hex.
#[derive(serde::Deserialize)]
struct GeneratedKeys {
	keys: sp_core::Bytes,
	proof: Option<sp_core::Bytes>,
}

impl Client {
	/// Has the connected node generate new session keys (Aura, GRANDPA and `infr`) in its
	/// keystore, with a proof of possession for the signer's account
	/// (`author_rotateKeysWithOwner`, an RPC a node serves only on its local interface), and
	/// sets them on chain for the signer (`session.set_keys`, holding a small deposit). From the
	/// next election on, the signer can be elected validator if it is an executor with enough
	/// stake. Returns the `infr` key, to register with [`Client::bond`].
	pub async fn rotate_session_keys(
		&self,
		signer: &Keypair,
		on_stage: impl FnMut(&TxStage),
	) -> Result<([u8; 32], Included), Error> {
		use codec::Decode;
		use runtime::runtime_types::opg_runtime::opaque::SessionKeys;
		use subxt::rpcs::rpc_params;
		let owner = keys::account(signer);
		let generated: GeneratedKeys =
			self.rpc().request("author_rotateKeysWithOwner", rpc_params![to_hex(owner)]).await?;
		let proof = generated
			.proof
			.ok_or_else(|| Error::Decode("the node gave no ownership proof".into()))?
			.0;
		let session_keys = SessionKeys::decode(&mut &generated.keys[..])
			.map_err(|e| Error::Decode(format!("the node's session keys: {e}")))?;
		let infr: [u8; 32] = recode(&session_keys.infr)?;
		let call = runtime::transactions().session().set_keys(session_keys, proof);
		let included = self.submit(&call, signer, on_stage).await?;
		Ok((infr, included))
	}

	/// Bonds `amount` more: registers the signer as an executor with its node's `key` the first
	/// time (the key is required then), adds to its bond afterwards.
	pub async fn bond(
		&self,
		signer: &Keypair,
		amount: u128,
		key: Option<[u8; 32]>,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let who = keys::account(signer);
		if self.stake(&who).await?.is_some() {
			let call = runtime::transactions().executors().bond_extra(amount);
			return self.submit(&call, signer, on_stage).await;
		}
		let key = key.ok_or_else(|| {
			Error::Invalid(format!(
				"{who} is not an executor yet: give its node's infr key (--key 0x…) to register"
			))
		})?;
		let call = runtime::transactions().executors().register(recode(&key)?, amount);
		self.submit(&call, signer, on_stage).await
	}

	/// Starts unbonding: the signer is no longer drawn for requests; the bond unlocks later.
	pub async fn unbond(
		&self,
		signer: &Keypair,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		self.submit(&runtime::transactions().executors().unbond(), signer, on_stage).await
	}

	/// Withdraws an unlocked bond.
	pub async fn withdraw(
		&self,
		signer: &Keypair,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		self.submit(&runtime::transactions().executors().withdraw(), signer, on_stage).await
	}
}
