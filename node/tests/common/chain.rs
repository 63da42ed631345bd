//! Talking to the OPG runtime from tests: extrinsics signed natively (as a wallet does), storage
//! reads, and waiting for conditions on finalized blocks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use opg_runtime::{
	AccountId, Balance, Nonce, Runtime, RuntimeCall, SignedPayload, TxExtension,
	UncheckedExtrinsic, VERSION,
};
use serde_json::{json, Value};
use sp_core::{crypto::Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

use super::Node;

/// `call` signed by `signer` with `nonce`, immortal, without metadata hash.
pub fn signed(
	call: RuntimeCall,
	signer: Sr25519Keyring,
	nonce: Nonce,
	genesis: H256,
) -> UncheckedExtrinsic {
	let tx_ext: TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		genesis,
		(),
		(),
		(),
		None,
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), tx_ext.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(call, signer.to_account_id().into(), signature.into(), tx_ext)
}

/// `0x`-prefixed hex.
pub fn hex(bytes: &[u8]) -> String {
	sp_core::bytes::to_hex(bytes, false)
}

/// Bytes from hex (with or without `0x`).
pub fn unhex(s: &str) -> Vec<u8> {
	sp_core::bytes::from_hex(s).expect("hex")
}

/// The genesis hash of the node's chain.
pub fn genesis(node: &Node) -> H256 {
	H256::from_slice(&unhex(&node.block_hash(0).expect("genesis hash")))
}

/// The next nonce of `who` (pool included).
pub fn next_nonce(node: &Node, who: Sr25519Keyring) -> Nonce {
	node.rpc("system_accountNextIndex", json!([who.to_account_id().to_string()]))
		.unwrap()
		.as_u64()
		.unwrap() as Nonce
}

/// Submits `call` signed by `signer` (next nonce); returns the transaction hash.
pub fn submit(node: &Node, call: RuntimeCall, signer: Sr25519Keyring) -> Result<String, String> {
	let xt = signed(call, signer, next_nonce(node, signer), genesis(node));
	node.rpc("author_submitExtrinsic", json!([hex(&xt.encode())]))
		.map(|v| v.as_str().unwrap_or_default().to_owned())
}

/// Raw storage at `key` in block `at`.
pub fn storage(node: &Node, key: &[u8], at: &str) -> Option<Vec<u8>> {
	let value = node.rpc("state_getStorage", json!([hex(key), at])).unwrap();
	value.as_str().map(unhex)
}

/// The free balance of `who` at block `at` (None: the account does not exist).
pub fn free_balance(node: &Node, who: &AccountId, at: &str) -> Option<Balance> {
	let bytes = storage(node, &frame_system::Account::<Runtime>::hashed_key_for(who), at)?;
	let info = frame_system::AccountInfo::<Nonce, pallet_balances::AccountData<Balance>>::decode(
		&mut &bytes[..],
	)
	.unwrap();
	Some(info.data.free)
}

/// Polls `f` every 250 ms until it returns `Some`, failing the test with the node's log after
/// `timeout`.
pub fn wait_for<T>(
	node: &Node,
	timeout: Duration,
	what: &str,
	mut f: impl FnMut() -> Option<T>,
) -> T {
	let deadline = Instant::now() + timeout;
	loop {
		if let Some(v) = f() {
			return v;
		}
		assert!(Instant::now() < deadline, "timed out waiting for {what}:\n{}", node.log_tail());
		std::thread::sleep(Duration::from_millis(250));
	}
}

/// The best block number in which `inference_request(id)` exists, as JSON.
pub fn request_json(node: &Node, id: u64) -> Option<Value> {
	node.rpc("inference_request", json!([id, null])).ok().filter(|v| !v.is_null())
}

/// Proposes a model (`bundle`, of `kind`, served from a `file://` URI of `path`, where it is
/// written) as Alice and lists it by sudo; waits until it is listed and returns its hash.
pub fn propose_and_list(
	node: &Node,
	kind: opg_primitives::ModelKind,
	bundle: &[u8],
	schema: opg_primitives::IoSchema,
	name: &str,
	price: Balance,
	path: &std::path::Path,
) -> opg_primitives::ModelHash {
	use opg_primitives::{bundle::BundleView, ModelSpec};
	let model = opg_primitives::bundle::bundle_hash(bundle);
	let config_hash = BundleView::parse(bundle).unwrap().config_hash().unwrap();
	std::fs::write(path, bundle).unwrap();
	let proposal = pallet_model_registry::ModelProposal {
		spec: ModelSpec { kind, model, config_hash, schema },
		name: name.as_bytes().to_vec().try_into().unwrap(),
		description: format!("{name}, listed by a test").into_bytes().try_into().unwrap(),
		price,
		uris: vec![format!("file://{}", path.display()).into_bytes().try_into().unwrap()]
			.try_into()
			.unwrap(),
		size: bundle.len() as u64,
	};
	let propose =
		RuntimeCall::ModelRegistry(pallet_model_registry::Call::propose_model { proposal });
	submit(node, propose, Sr25519Keyring::Alice).expect("proposal accepted");
	wait_for(node, Duration::from_secs(60), "the proposal", || {
		let found = node.rpc("models_get", json!([model, null])).ok()?;
		(!found.is_null()).then_some(())
	});
	let list = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::ModelRegistry(pallet_model_registry::Call::list_model {
			model,
		})),
	});
	submit(node, list, Sr25519Keyring::Alice).expect("listing accepted");
	wait_for(node, Duration::from_secs(60), "the listing", || {
		let found = node.rpc("models_get", json!([model, null])).ok()?;
		(found["state"] == "Listed").then_some(())
	});
	model
}

/// The sampling nonce of request `id` (`request`, its `inference_request` JSON, made with
/// `input`): its [`opg_primitives::RequestDigest`], computed here from the chain's genesis and
/// the request's fields, as the runtime computes it.
pub fn request_nonce(
	node: &Node,
	id: u64,
	request: &Value,
	input: &opg_primitives::InferenceInput,
) -> [u8; 32] {
	use std::str::FromStr;
	let requester = AccountId::from_str(request["requester"].as_str().unwrap()).unwrap();
	let model: opg_primitives::ModelHash =
		serde_json::from_value(request["model"].clone()).unwrap();
	let created = request["created"].as_u64().unwrap() as opg_runtime::BlockNumber;
	let digest = opg_primitives::RequestDigest::new(
		&genesis(node),
		id,
		&requester,
		&model,
		&input.encode(),
		&created,
	);
	digest.0 .0
}

/// The three-validator local network with Charlie's node running the test-only fault switch
/// (`--dev-executor-fault wrong-output`), past its first blocks (when a node may still count
/// itself as syncing and skip its off-chain worker: a committee member that skips its vote
/// voids the dispute), and with watchers checking every result (governance's call; 10% by
/// default), so that a test does not depend on the sample.
pub fn lying_network() -> super::LocalNetwork {
	let mut net = super::LocalNetwork::start(|name| {
		if name == "charlie" {
			vec!["--dev-executor-fault".into(), "wrong-output".into()]
		} else {
			vec![]
		}
	});
	net.alice.wait_finalized(4, Duration::from_secs(180));
	assert!(net.charlie.log().contains("TEST FAULT"), "Charlie's node runs with the fault switch");
	let alice = &net.alice;
	let watch_all = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::Inference(pallet_inference::Call::set_watch_fraction {
			fraction: sp_runtime::Perbill::one(),
		})),
	});
	submit(alice, watch_all, Sr25519Keyring::Alice).expect("sudo accepted");
	let fraction_key = pallet_inference::WatchFraction::<Runtime>::hashed_key();
	wait_for(alice, Duration::from_secs(60), "the watch fraction", || {
		let best = alice.rpc("chain_getBlockHash", json!([])).unwrap();
		let raw = storage(alice, &fraction_key, best.as_str().unwrap())?;
		(sp_runtime::Perbill::decode(&mut &raw[..]).ok()? == sp_runtime::Perbill::one())
			.then_some(())
	});
	net
}
