//! The node service: Aura authoring, GRANDPA finality, off-chain workers, JSON-RPC.

use std::{sync::Arc, time::Duration};

use futures::FutureExt;
use opg_runtime::{apis::RuntimeApi, opaque::Block};
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};

/// The host functions the runtime may call: Substrate's standard set and `inference` (which
/// only answers in off-chain workers, where the engine's extension is registered).
pub type HostFunctions = (sp_io::SubstrateHostFunctions, opg_primitives::inference::HostFunctions);

/// The full client of this node.
pub type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;

/// Blocks between two GRANDPA justifications that are stored (and served to syncing peers).
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts of the service that subcommands (import, export, revert…) need too.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(
		sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>,
		sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
		Option<Telemetry>,
	),
>;

/// Builds the client, database, import queue and transaction pool.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|x| x.handle()),
	)?;

	let cidp_client = client.clone();
	let import_queue =
		sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
			block_import: grandpa_block_import.clone(),
			justification_import: Some(Box::new(grandpa_block_import.clone())),
			client: client.clone(),
			create_inherent_data_providers: move |parent_hash, _| {
				let cidp_client = cidp_client.clone();
				async move {
					let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
						&*cidp_client,
						parent_hash,
					)?;
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
					Ok((slot, timestamp))
				}
			},
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			check_for_equivocation: Default::default(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			compatibility_mode: Default::default(),
		})?;

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa_block_import, grandpa_link, telemetry),
	})
}

/// Builds and starts the full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	engine: crate::inference::EngineOptions,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (block_import, grandpa_link, mut telemetry),
	} = new_partial(&config)?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let peer_store_handle = net_config.peer_store_handle();
	let genesis_hash = client
		.block_hash(0)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the database has no genesis block".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			peer_store_handle,
		);
	net_config.add_notification_protocol(grandpa_protocol_config);

	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let dev_chain = matches!(
			config.chain_spec.chain_type(),
			sc_service::ChainType::Development | sc_service::ChainType::Local
		);
		let owners = executor_owners(&engine, dev_chain);
		if let Some(mut storage) = backend.offchain_storage() {
			sp_core::offchain::OffchainStorage::set(
				&mut storage,
				sp_core::offchain::STORAGE_PREFIX,
				opg_primitives::ExecutorOwners::<opg_runtime::AccountId>::STORAGE_KEY,
				&codec::Encode::encode(&owners),
			);
		}
		let store =
			engine.model_store.clone().unwrap_or_else(|| config.base_path.path().join("models"));
		let engine = Arc::new(
			crate::inference::NodeEngine::new(
				store,
				engine.fetch_policy(dev_chain),
				config.prometheus_registry(),
			)
			.map_err(ServiceError::Other)?
			.with_options(&engine),
		);
		if owners != opg_primitives::ExecutorOwners::Only(Vec::new()) {
			task_manager.spawn_handle().spawn(
				"model-prefetch",
				"offchain-worker",
				prefetch_listed_models(client.clone(), engine.clone()),
			);
		}
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				// The engine is reachable from off-chain workers only: block import, authoring
				// and runtime API calls get `InferenceError::Unavailable` from the host function.
				custom_extensions: move |_| {
					vec![Box::new(engine.extension()) as Box<dyn sp_externalities::Extension>]
				},
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let backoff_authoring_blocks: Option<()> = None;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let offchain = backend.offchain_storage();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				offchain: offchain.clone(),
			};
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: Arc::new(network.clone()),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		);

		let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;

		let vrf_client = client.clone();
		let vrf_keystore = keystore_container.keystore();
		let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
			StartAuraParams {
				slot_duration,
				client,
				select_chain,
				block_import,
				proposer_factory,
				// The slot, the time, and the slot author's VRF (the randomness pallet's inherent).
				create_inherent_data_providers: move |parent, ()| {
					let client = vrf_client.clone();
					let keystore = vrf_keystore.clone();
					async move {
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot =
							sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
						let vrf = crate::vrf::InherentDataProvider::new(
							&*client, &keystore, parent, *slot,
						);
						Ok((slot, timestamp, vrf))
					}
				},
				force_authoring,
				backoff_authoring_blocks,
				keystore: keystore_container.keystore(),
				sync_oracle: sync_service.clone(),
				justification_sync_link: sync_service.clone(),
				block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
				max_block_proposal_slot_portion: None,
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			},
		)?;

		// Block authoring is essential: if it fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	}

	if enable_grandpa {
		// Only an authority votes; others follow finality without a keystore.
		let keystore = if role.is_authority() { Some(keystore_container.keystore()) } else { None };

		let grandpa_config = sc_consensus_grandpa::Config {
			gossip_duration: Duration::from_millis(333),
			justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
			name: Some(name),
			observer_enabled: false,
			keystore,
			local_role: role,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			protocol_name: grandpa_protocol_name,
		};

		let grandpa_params = sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network,
			sync: Arc::new(sync_service),
			notification_service: grandpa_notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry,
			shared_voter_state: SharedVoterState::empty(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
		};

		// The GRANDPA voter is essential: if it fails, the node stops.
		task_manager.spawn_essential_handle().spawn_blocking(
			"grandpa-voter",
			None,
			sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
		);
	}

	Ok(task_manager)
}

/// Every imported best block, queues the download of every listed model the store lacks, so
/// that an executor has a model before its first request (its off-chain worker never waits for
/// a download: it asks again in a later block while the model is on its way).
async fn prefetch_listed_models(
	client: Arc<FullClient>,
	engine: Arc<crate::inference::NodeEngine>,
) {
	use futures::StreamExt;
	use pallet_model_registry_runtime_api::{ModelRegistryApi, MAX_PAGE};
	use sp_api::ProvideRuntimeApi;
	let mut blocks = sc_client_api::BlockchainEvents::import_notification_stream(&*client);
	while let Some(block) = blocks.next().await {
		if !block.is_new_best {
			continue;
		}
		let api = client.runtime_api();
		let mut start = None;
		loop {
			let page = match api.listed_models(block.hash, start, MAX_PAGE) {
				Ok(page) => page,
				Err(e) => {
					log::debug!(target: "opg-inference", "prefetch: listed models unreadable: {e}");
					break;
				}
			};
			start = page.last().map(|m| m.model);
			let full = page.len() >= MAX_PAGE as usize;
			engine.prefetch_listed(page.into_iter().map(|m| (m.model, m.uris)));
			if !full {
				break;
			}
		}
	}
}

/// Which executors the off-chain worker acts for: the `--executor-account`s; every key with
/// `--any-executor-key` or, without either, on development and local chains; none otherwise.
fn executor_owners(
	options: &crate::inference::EngineOptions,
	dev: bool,
) -> opg_primitives::ExecutorOwners<opg_runtime::AccountId> {
	use opg_primitives::ExecutorOwners;
	use sp_core::crypto::Ss58Codec;
	if !options.executor_accounts.is_empty() {
		let names: Vec<String> =
			options.executor_accounts.iter().map(|a| a.to_ss58check()).collect();
		log::info!("🧮 Acting for the executor accounts {}", names.join(", "));
		ExecutorOwners::Only(options.executor_accounts.clone())
	} else if options.any_executor_key || dev {
		log::info!("🧮 Acting for every executor key in the keystore");
		ExecutorOwners::Any
	} else {
		log::warn!(
			"🧮 No --executor-account given: this node acts for no executor (it answers no \
			 request). Name the executor accounts whose keys it holds, or pass --any-executor-key."
		);
		ExecutorOwners::Only(Vec::new())
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::executor_owners;
	use crate::inference::EngineOptions;
	use opg_inference::FileAccess;
	use opg_primitives::ExecutorOwners;
	use sp_keyring::Sr25519Keyring;

	#[test]
	fn a_live_node_acts_only_for_the_accounts_it_was_given() {
		let alice: opg_runtime::AccountId = Sr25519Keyring::Alice.to_account_id();
		let none = EngineOptions::default();
		assert_eq!(executor_owners(&none, false), ExecutorOwners::Only(Vec::new()));
		assert_eq!(executor_owners(&none, true), ExecutorOwners::Any);
		let named = EngineOptions { executor_accounts: vec![alice.clone()], ..Default::default() };
		assert_eq!(executor_owners(&named, false), ExecutorOwners::Only(vec![alice.clone()]));
		assert_eq!(executor_owners(&named, true), ExecutorOwners::Only(vec![alice]));
		let any = EngineOptions { any_executor_key: true, ..Default::default() };
		assert_eq!(executor_owners(&any, false), ExecutorOwners::Any);
	}

	#[test]
	fn a_live_node_reads_files_only_from_its_mirrors_and_no_private_hosts() {
		let none = EngineOptions::default();
		let live = none.fetch_policy(false);
		assert_eq!((live.files, live.private_hosts), (FileAccess::Nowhere, false));
		assert_eq!(none.fetch_policy(true).files, FileAccess::Anywhere);
		let mirror = EngineOptions {
			model_mirrors: vec!["/srv/models".into()],
			private_model_hosts: true,
			..Default::default()
		};
		let policy = mirror.fetch_policy(false);
		assert_eq!(policy.files, FileAccess::Under(vec!["/srv/models".into()]));
		assert!(policy.private_hosts);
	}
}
