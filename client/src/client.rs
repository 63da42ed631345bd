//! The connection to a node, and transactions with their progress.

use std::sync::Arc;

use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	error::TransactionEventsError,
	rpcs::{rpc_params, RpcClient},
	transactions::{Payload, TransactionStatus},
	utils::H256,
	OnlineClient, OnlineClientAtBlock,
};
use subxt_signer::sr25519::Keypair;

use crate::{keys, runtime, AccountId, ChainError, Config, Error};

/// A view of the chain at one block.
pub type At = OnlineClientAtBlock<Config>;
/// A submitted transaction's progress stream.
pub type Progress = subxt::transactions::TransactionProgress<
	Config,
	subxt::client::OnlineClientAtBlockImpl<Config>,
>;
/// The events of one included transaction.
pub type TxEvents = subxt::extrinsics::ExtrinsicEvents<Config>;

/// The connection's JSON-RPC client: the typed clients of `opg-api` (`ModelsApiClient`,
/// `InferenceApiClient`, `StakingApiClient`) are implemented for it.
pub type NodeRpc = jsonrpsee::core::client::Client;

/// A connection to an OPG node over WebSocket: one socket, read through the node's typed
/// JSON-RPC ([`Client::node`]) and written through subxt ([`Client::api`]).
#[derive(Clone)]
pub struct Client {
	api: OnlineClient<Config>,
	rpc: RpcClient,
	node: Arc<NodeRpc>,
	url: String,
}

/// Where a submitted transaction is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStage {
	/// Signed, being sent.
	Signed,
	/// Accepted into the node's transaction pool.
	InPool,
	/// Included in block `number` (not final yet).
	InBlock {
		/// The block's number.
		number: u64,
		/// The block's hash.
		hash: H256,
	},
}

/// A transaction included in a block, and what it did. In JSON: `{"block", "blockHash",
/// "txFee"}` (the events are left out).
#[derive(Debug, serde::Serialize)]
pub struct Included {
	/// The block's number.
	#[serde(rename = "block")]
	pub block_number: u64,
	/// The block's hash.
	#[serde(rename = "blockHash")]
	pub block_hash: H256,
	/// The events it emitted (`System::ExtrinsicSuccess` among them).
	#[serde(skip)]
	pub events: TxEvents,
	/// The fee it paid (`TransactionPayment::TransactionFeePaid`).
	#[serde(rename = "txFee", with = "opg_api::amount")]
	pub fee: u128,
}

impl Client {
	/// Connects to a node's WebSocket RPC (`ws://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Client, Error> {
		let connect_error = |reason: String| Error::Connect { url: url.to_string(), reason };
		// Plain `ws://` is what local and dev nodes serve; `from_url` would refuse it for
		// non-loopback hosts.
		let node = Arc::new(
			subxt::rpcs::client::jsonrpsee_client(url)
				.await
				.map_err(|e| connect_error(e.to_string()))?,
		);
		let rpc = RpcClient::new(node.clone());
		let api = OnlineClient::<Config>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		Ok(Client { api, rpc, node, url: url.to_string() })
	}

	/// The subxt client, for anything this crate does not wrap.
	pub fn api(&self) -> &OnlineClient<Config> {
		&self.api
	}

	/// The raw JSON-RPC client, for Substrate's own methods (`chain_*`, `author_*`, …).
	pub fn rpc(&self) -> &RpcClient {
		&self.rpc
	}

	/// The node's own methods (`models_*`, `inference_*`, `staking_*`), typed: call them through
	/// `opg_api::{ModelsApiClient, InferenceApiClient, StakingApiClient}`, which answer the
	/// very types the node serializes.
	pub fn node(&self) -> &NodeRpc {
		&self.node
	}

	/// The URL connected to.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The hash of the node's best block.
	pub async fn best_hash(&self) -> Result<H256, Error> {
		Ok(self.rpc.request("chain_getBlockHash", rpc_params![]).await?)
	}

	/// The hash of the node's last finalized block.
	pub async fn finalized_hash(&self) -> Result<H256, Error> {
		Ok(self.rpc.request("chain_getFinalizedHead", rpc_params![]).await?)
	}

	/// The chain at the node's best block: what a user sees right after a transaction.
	pub async fn best(&self) -> Result<At, Error> {
		Ok(self.api.at_block(self.best_hash().await?).await?)
	}

	/// The chain at the node's last finalized block.
	pub async fn finalized(&self) -> Result<At, Error> {
		Ok(self.api.at_current_block().await?)
	}

	/// The hash and number of the last finalized block, read together.
	pub async fn finalized_block(&self) -> Result<(H256, u64), Error> {
		let hash = self.finalized_hash().await?;
		let header: serde_json::Value =
			self.rpc.request("chain_getHeader", rpc_params![hash]).await?;
		Ok((hash, header_number(&header)?))
	}

	/// The number of the last finalized block.
	pub async fn finalized_number(&self) -> Result<u64, Error> {
		Ok(self.finalized_block().await?.1)
	}

	/// The number of the best block.
	/// How many storage keys pallet `pallet` holds at block `at` (the best if `None`): the
	/// keys under `twox128(pallet)`, paged through `state_getKeysPaged`.
	pub async fn pallet_keys(&self, pallet: &str, at: Option<H256>) -> Result<u64, Error> {
		const PAGE: u32 = 1_000;
		let prefix = crate::executors::to_hex(sp_crypto_hashing::twox_128(pallet.as_bytes()));
		let mut start: Option<String> = None;
		let mut count = 0u64;
		loop {
			let page: Vec<String> = self
				.rpc
				.request("state_getKeysPaged", rpc_params![&prefix, PAGE, start.clone(), at])
				.await?;
			count = count.saturating_add(page.len() as u64);
			if page.len() < PAGE as usize {
				return Ok(count);
			}
			start = page.last().cloned();
		}
	}

	pub async fn best_number(&self) -> Result<u64, Error> {
		let header: serde_json::Value = self.rpc.request("chain_getHeader", rpc_params![]).await?;
		header_number(&header)
	}

	/// The node's runtime metadata (SCALE, version 16), as `metadata/opg.scale` holds it.
	pub async fn metadata(&self) -> Result<Vec<u8>, Error> {
		let bytes = self
			.api
			.at_current_block()
			.await?
			.runtime_apis()
			.call_raw("Metadata_metadata_at_version", Some(&codec::Encode::encode(&16u32)))
			.await?;
		// `Option<OpaqueMetadata>`: a `Some` byte, a length, the metadata.
		let metadata: Option<Vec<u8>> = codec::Decode::decode(&mut &bytes[..])
			.map_err(|e| Error::Decode(format!("metadata: {e}")))?;
		metadata.ok_or_else(|| Error::Decode("the node has no v16 metadata".into()))
	}

	/// The next nonce of `who`, counting its transactions in the node's pool (so that commands
	/// run one after another never reuse a nonce).
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u64, Error> {
		Ok(self.rpc.request("system_accountNextIndex", rpc_params![who.to_string()]).await?)
	}

	/// The free balance of `who`, at the best block.
	pub async fn free_balance(&self, who: &AccountId) -> Result<u128, Error> {
		let at = self.best().await?;
		let account = at
			.storage()
			.try_fetch(runtime::storage().system().account(), (crate::chain_account(who),))
			.await?;
		Ok(match account {
			Some(value) => value.decode()?.data.free,
			None => 0,
		})
	}

	/// Signs `call` with `signer` and submits it with the signer's next nonce.
	pub async fn sign_and_submit<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		nonce: Option<u64>,
	) -> Result<Progress, Error> {
		let nonce = match nonce {
			Some(nonce) => nonce,
			None => self.next_nonce(&keys::account(signer)).await?,
		};
		let params = DefaultExtrinsicParamsBuilder::<Config>::new().nonce(nonce).build();
		let mut transactions = self.finalized().await?.transactions();
		let signed = transactions.create_signed(call, signer, params).await?;
		Ok(signed.submit_and_watch().await?)
	}

	/// Signs and submits `call`, reports its progress to `on_stage`, and returns once it is in a
	/// block: its events and fee if it succeeded, the chain's error (by name, with its docs) if
	/// it failed.
	pub async fn submit<C: Payload>(
		&self,
		call: &C,
		signer: &Keypair,
		mut on_stage: impl FnMut(&TxStage),
	) -> Result<Included, Error> {
		on_stage(&TxStage::Signed);
		let mut progress = self.sign_and_submit(call, signer, None).await?;
		while let Some(status) = progress.next().await {
			let status = status.map_err(|e| Error::Rejected(e.to_string()))?;
			match status {
				TransactionStatus::Validated | TransactionStatus::Broadcasted => {
					on_stage(&TxStage::InPool)
				}
				TransactionStatus::NoLongerInBestBlock => on_stage(&TxStage::InPool),
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => {
					let block_hash = in_block.block_hash();
					let block_number = self.api.at_block(block_hash).await?.block_number();
					on_stage(&TxStage::InBlock { number: block_number, hash: block_hash });
					let fee = in_block
						.fetch_events()
						.await
						.map_err(|e| Error::Subxt(Box::new(e.into())))?
						.find_first::<runtime::transaction_payment::events::TransactionFeePaid>()
						.transpose()?
						.map(|paid| paid.actual_fee)
						.unwrap_or_default();
					let events = in_block.wait_for_success().await.map_err(|e| match e {
						TransactionEventsError::ExtrinsicFailed(dispatch) => {
							Error::Chain(ChainError::from_dispatch(&dispatch, fee))
						}
						other => Error::Subxt(Box::new(other.into())),
					})?;
					return Ok(Included { block_number, block_hash, events, fee });
				}
				TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message }
				| TransactionStatus::Error { message } => return Err(Error::Rejected(message)),
			}
		}
		Err(Error::Rejected("the node stopped reporting the transaction".into()))
	}
}

fn header_number(header: &serde_json::Value) -> Result<u64, Error> {
	header
		.get("number")
		.and_then(|n| n.as_str())
		.and_then(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| Error::Decode(format!("a header without a number: {header}")))
}
