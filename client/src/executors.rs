//! Executors: bond OPG and a node key to answer requests; unbond and withdraw; read one's state.

use serde::Serialize;
use subxt_signer::sr25519::Keypair;

use crate::{
	client::{Included, TxStage},
	keys,
	models::ss58,
	recode, runtime, AccountId, Client, Error,
};

/// An executor as the chain records it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorView {
	/// Its account.
	#[serde(serialize_with = "ss58")]
	pub account: AccountId,
	/// Its node's `infr` key (sr25519 public key, hex).
	pub key: String,
	/// Bonded OPG, in planck.
	#[serde(serialize_with = "crate::units::planck")]
	pub bond: u128,
	/// `Active`, or `Unbonding` until `unlocksAt`.
	pub state: String,
	/// The first block the bond can be withdrawn in, while unbonding.
	pub unlocks_at: Option<u32>,
	/// The requests assigned to it and not answered yet.
	pub pending: Vec<u64>,
}

/// Parses an sr25519 public key in hex (the node's `infr` key).
pub fn parse_key(text: &str) -> Result<[u8; 32], Error> {
	let hash = crate::models::parse_hash(text)
		.ok_or_else(|| Error::Invalid(format!("`{text}` is not a 32-byte hex public key")))?;
	Ok(hash.0)
}

/// What `author_rotateKeysWithOwner` answers: SCALE-encoded session keys and the proof that the
/// owner's account may use them, both hex.
#[derive(serde::Deserialize)]
struct GeneratedKeys {
	keys: String,
	proof: Option<String>,
}

/// Bytes as `0x`-prefixed lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
	format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn from_hex(text: &str) -> Result<Vec<u8>, Error> {
	let digits = text.trim_start_matches("0x");
	let bad = || Error::Decode(format!("`{text}` is not hex"));
	if digits.len() % 2 != 0 {
		return Err(bad());
	}
	(0..digits.len())
		.step_by(2)
		.map(|i| digits.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()).ok_or_else(bad))
		.collect()
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
			self.rpc().request("author_rotateKeysWithOwner", rpc_params![to_hex(&owner.0)]).await?;
		let raw = from_hex(&generated.keys)?;
		let proof = from_hex(
			generated
				.proof
				.as_deref()
				.ok_or_else(|| Error::Decode("the node gave no ownership proof".into()))?,
		)?;
		let session_keys = SessionKeys::decode(&mut &raw[..])
			.map_err(|e| Error::Decode(format!("the node's session keys: {e}")))?;
		let infr: [u8; 32] = recode(&session_keys.infr)?;
		let call = runtime::transactions().session().set_keys(session_keys, proof);
		let included = self.submit(&call, signer, on_stage).await?;
		Ok((infr, included))
	}

	/// The executor `who`, if registered.
	pub async fn executor(&self, who: &AccountId) -> Result<Option<ExecutorView>, Error> {
		use runtime::runtime_types::pallet_executors::ExecutorStatus;
		let at = self.best().await?;
		let Some(value) = at
			.storage()
			.try_fetch(runtime::storage().executors().executors(), (who.clone(),))
			.await?
		else {
			return Ok(None);
		};
		let info = value.decode()?;
		let key: [u8; 32] = recode(&info.key)?;
		let (state, unlocks_at) = match info.status {
			ExecutorStatus::Active => ("Active", None),
			ExecutorStatus::Unbonding { unlocks_at } => ("Unbonding", Some(unlocks_at)),
		};
		let pending = at
			.runtime_apis()
			.call(runtime::runtime_apis().inference_api().pending(who.clone(), 256))
			.await?;
		Ok(Some(ExecutorView {
			account: who.clone(),
			key: to_hex(&key),
			bond: info.bond,
			state: state.into(),
			unlocks_at,
			pending,
		}))
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
		if self.executor(&who).await?.is_some() {
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
