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

/// Parses an sr25519 proof of possession in hex (64 bytes: what [`Client::rotate_session_keys`]
/// returns for the `infr` key).
pub fn parse_proof(text: &str) -> Result<[u8; 64], Error> {
	let bytes = sp_core::bytes::from_hex(text)
		.map_err(|_| Error::Invalid(format!("`{text}` is not hex")))?;
	bytes.try_into().map_err(|_| Error::Invalid(format!("`{text}` is not a 64-byte proof")))
}

/// A new executor key and its proof of possession for the signer's account, as
/// [`Client::rotate_session_keys`] returns them for [`Client::bond`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvenKey {
	/// The node's `infr` public key.
	pub key: [u8; 32],
	/// Its signature of `"POP_" ‖ account`.
	pub proof: [u8; 64],
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
	/// stake. Returns the `infr` key with its proof of possession, to register with
	/// [`Client::bond`].
	pub async fn rotate_session_keys(
		&self,
		signer: &Keypair,
		on_stage: impl FnMut(&TxStage),
	) -> Result<(ProvenKey, Included), Error> {
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
		// The proof is the tuple of every key's proof, in the keys' order (Aura, GRANDPA, infr).
		let (_aura, _grandpa, infr_proof) =
			<([u8; 64], [u8; 64], [u8; 64])>::decode(&mut &proof[..])
				.map_err(|e| Error::Decode(format!("the node's ownership proof: {e}")))?;
		let call = runtime::transactions().session().set_keys(session_keys, proof);
		let included = self.submit(&call, signer, on_stage).await?;
		Ok((ProvenKey { key: infr, proof: infr_proof }, included))
	}

	/// Bonds `amount` more: registers the signer as an executor with its node's `key` (and the
	/// key's proof of possession for the signer) the first time, adds to its bond afterwards.
	pub async fn bond(
		&self,
		signer: &Keypair,
		amount: u128,
		key: Option<ProvenKey>,
		on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		let who = keys::account(signer);
		if self.stake(&who).await?.is_some() {
			let call = runtime::transactions().executors().bond_extra(amount);
			return self.submit(&call, signer, on_stage).await;
		}
		let key = key.ok_or_else(|| {
			Error::Invalid(format!(
				"{who} is not an executor yet: give its node's infr key and proof (--key 0x… \
				 --proof 0x…, from `opg-cli executor keys`) to register"
			))
		})?;
		let call = runtime::transactions().executors().register(
			recode(&key.key)?,
			amount,
			recode(&key.proof)?,
		);
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
