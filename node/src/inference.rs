//! The node's inference engine, as the off-chain workers see it: the candle engine over the
//! model store, with Prometheus metrics and logs for the operator, and a background download
//! queue ([`FetchQueue`]) so that no off-chain worker ever waits on the network: a worker that
//! asks for a missing model gets `InferenceError::Fetching` at once and asks again in a later
//! block, and the node's prefetcher ([`NodeEngine::prefetch_listed`]) queues every listed model
//! it does not have as soon as it sees it listed.

use std::{
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

use opg_inference::{default_model, Engine, EngineConfig, FetchPolicy, FetchQueue};
use opg_primitives::{
	InferenceBackend, InferenceError, InferenceExt, InferenceInput, InferenceOutput, InferenceRun,
	ModelHash, Nonce,
};
use prometheus_endpoint::{
	register, CounterVec, HistogramOpts, HistogramVec, Opts, PrometheusError, Registry, U64,
};

const LOG_TARGET: &str = "opg-inference";

/// The metrics of the engine.
#[derive(Clone)]
struct Metrics {
	/// Inferences run, by outcome (`ok` or the error's name).
	runs: CounterVec<U64>,
	/// Wall time of one inference in seconds, by model kind's outcome.
	seconds: HistogramVec,
}

impl Metrics {
	fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Metrics {
			runs: register(
				CounterVec::new(
					Opts::new(
						"opg_inference_runs_total",
						"Inferences run by the off-chain workers",
					),
					&["outcome"],
				)?,
				registry,
			)?,
			seconds: register(
				HistogramVec::new(
					HistogramOpts::new(
						"opg_inference_seconds",
						"Wall time of one inference (model load included when not cached)",
					)
					.buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0]),
					&["outcome"],
				)?,
				registry,
			)?,
		})
	}
}

/// How the node's off-chain side (the engine, and the executors it acts for) is set up, from the
/// command line.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
	/// The model store's directory (default: `<base path>/models`).
	pub model_store: Option<PathBuf>,
	/// Directories `file://` model URIs may read from (`--model-mirror`).
	pub model_mirrors: Vec<PathBuf>,
	/// Let model downloads connect to private addresses (`--allow-private-model-hosts`).
	pub private_model_hosts: bool,
	/// The executor accounts the off-chain worker acts for (`--executor-account`).
	pub executor_accounts: Vec<opg_runtime::AccountId>,
	/// Act for every executor key in the keystore (`--any-executor-key`).
	pub any_executor_key: bool,
	/// A deliberate fault, for tests.
	#[cfg(feature = "dev-fault")]
	pub fault: Option<Fault>,
}

/// A deliberate executor fault (test builds only).
#[cfg(feature = "dev-fault")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Fault {
	/// Every output comes back with its first value changed, commitment recomputed to match.
	WrongOutput,
}

/// `run` with the fault applied.
#[cfg(feature = "dev-fault")]
fn apply_fault(run: InferenceRun) -> InferenceRun {
	use opg_primitives::{InferenceOutput, Tensor, TensorDType};
	let t = match &run.output {
		InferenceOutput::Tensor(t) => t,
		InferenceOutput::Generated(answer) => {
			// Another first token (the text left as it was): a lie at the answer's first step.
			let mut answer = answer.clone();
			if let Some(first) = answer.tokens.get_mut(0) {
				*first ^= 1;
			}
			return InferenceRun::new(InferenceOutput::Generated(answer), run.layer_hashes);
		}
	};
	let mut data = t.data.to_vec();
	match (t.dtype, data.get_mut(0..4)) {
		(TensorDType::F32, Some(first)) => {
			let value = f32::from_le_bytes(<[u8; 4]>::try_from(&*first).unwrap_or_default()) + 1.0;
			first.copy_from_slice(&value.to_le_bytes());
		}
		_ => {
			if let Some(first) = data.first_mut() {
				*first ^= 1;
			}
		}
	}
	match Tensor::new(t.dtype, &t.shape, data) {
		Ok(tensor) => InferenceRun::new(InferenceOutput::Tensor(tensor), run.layer_hashes),
		Err(_) => run,
	}
}

impl EngineOptions {
	/// The fetch policy: `file://` from the `--model-mirror`s (and, on development and local
	/// chains, from anywhere); HTTP to public hosts only unless `--allow-private-model-hosts`.
	pub fn fetch_policy(&self, dev_chain: bool) -> FetchPolicy {
		use opg_inference::FileAccess;
		let files = if dev_chain {
			FileAccess::Anywhere
		} else if self.model_mirrors.is_empty() {
			FileAccess::Nowhere
		} else {
			FileAccess::Under(self.model_mirrors.clone())
		};
		FetchPolicy { files, private_hosts: self.private_model_hosts, ..FetchPolicy::default() }
	}
}

/// Models the download queue holds at most (more wait for a later ask).
const FETCH_QUEUE: usize = 16;
/// How long a model whose download failed from every URI is not tried again.
const FETCH_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The engine with metrics and logs, and its download queue.
pub struct NodeEngine {
	engine: Arc<Engine>,
	fetches: FetchQueue,
	metrics: Option<Metrics>,
	#[cfg(feature = "dev-fault")]
	fault: Option<Fault>,
}

impl NodeEngine {
	/// Opens the model store at `store_dir`, seeds it with the bundled default model, and
	/// registers the metrics.
	pub fn new(
		store_dir: PathBuf,
		fetch: FetchPolicy,
		registry: Option<&Registry>,
	) -> Result<Self, String> {
		log::info!(target: LOG_TARGET, "🧠 Model downloads: {fetch:?}");
		let engine = Engine::new(EngineConfig { fetch, ..EngineConfig::new(&store_dir) })
			.map_err(|e| format!("cannot open the model store {}: {e}", store_dir.display()))?;
		let engine = Arc::new(engine);
		let fetches = FetchQueue::start(engine.clone(), FETCH_QUEUE, FETCH_RETRY_AFTER)
			.map_err(|e| format!("cannot start the model download thread: {e}"))?;
		let default = default_model::install(engine.store())
			.map_err(|e| format!("cannot install the default model: {e}"))?;
		let models = engine.store().list().map(|l| l.len()).unwrap_or(0);
		log::info!(
			target: LOG_TARGET,
			"🧠 Inference engine: model store {} ({models} models; default model {default:?})",
			store_dir.display()
		);
		let metrics = match registry.map(Metrics::register).transpose() {
			Ok(metrics) => metrics,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "inference metrics not registered: {e}");
				None
			}
		};
		Ok(NodeEngine {
			engine,
			fetches,
			metrics,
			#[cfg(feature = "dev-fault")]
			fault: None,
		})
	}

	/// Applies the command line's options beyond the store.
	#[cfg_attr(not(feature = "dev-fault"), allow(unused_variables, unused_mut))]
	pub fn with_options(mut self, options: &EngineOptions) -> Self {
		#[cfg(feature = "dev-fault")]
		if let Some(fault) = options.fault {
			log::warn!(target: LOG_TARGET, "⚠️  TEST FAULT {fault:?}: this node's executor answers wrongly on purpose");
			self.fault = Some(fault);
		}
		self
	}

	/// The extension to register for off-chain workers.
	pub fn extension(self: &Arc<Self>) -> InferenceExt {
		InferenceExt::new(self.clone())
	}

	/// Queues the download of every model of `listed` (hash and URIs) the store lacks.
	pub fn prefetch_listed(&self, listed: impl IntoIterator<Item = (ModelHash, Vec<Vec<u8>>)>) {
		for (model, uris) in listed {
			if !self.engine.store().contains(&model) {
				// `Fetching` (queued) or `FetchFailed` (recently): either way nothing to wait for.
				let _ = self.fetches.request(&model, &uris);
			}
		}
	}
}

fn outcome(result: &Result<InferenceRun, InferenceError>) -> &'static str {
	match result {
		Ok(_) => "ok",
		Err(InferenceError::Unavailable) => "unavailable",
		Err(InferenceError::UnknownModel) => "unknown_model",
		Err(InferenceError::HashMismatch) => "hash_mismatch",
		Err(InferenceError::CorruptModel) => "corrupt_model",
		Err(InferenceError::UnsupportedKind) => "unsupported_kind",
		Err(InferenceError::ModelTooLarge) => "model_too_large",
		Err(InferenceError::BadInput(_)) => "bad_input",
		Err(InferenceError::InputTooLarge) => "input_too_large",
		Err(InferenceError::OutputTooLarge) => "output_too_large",
		Err(InferenceError::Internal) => "internal",
		Err(InferenceError::FetchFailed) => "fetch_failed",
		Err(InferenceError::Fetching) => "fetching",
	}
}

impl InferenceBackend for NodeEngine {
	fn run(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
	) -> Result<InferenceRun, InferenceError> {
		let started = Instant::now();
		let result = self.engine.run_with_nonce(model, input, nonce);
		#[cfg(feature = "dev-fault")]
		let result = match self.fault {
			Some(Fault::WrongOutput) => result.map(apply_fault),
			None => result,
		};
		let seconds = started.elapsed().as_secs_f64();
		let outcome = outcome(&result);
		if let Some(m) = &self.metrics {
			m.runs.with_label_values(&[outcome]).inc();
			m.seconds.with_label_values(&[outcome]).observe(seconds);
		}
		match &result {
			Ok(run) => match run.output.generation() {
				Some(answer) => log::info!(
					target: LOG_TARGET,
					"🧠 Ran model {model:?} in {:.3} ms: {} prompt tokens, {} generated ({:.1} tokens/s)",
					seconds * 1e3,
					answer.prompt_tokens,
					answer.tokens.len(),
					answer.tokens.len() as f64 / seconds.max(1e-9),
				),
				None => {
					log::info!(target: LOG_TARGET, "🧠 Ran model {model:?} in {:.3} ms", seconds * 1e3)
				}
			},
			Err(InferenceError::UnknownModel) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "inference of {model:?} failed: {e}"),
		}
		result
	}

	fn check(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
		output: &InferenceOutput,
	) -> Result<bool, InferenceError> {
		let started = Instant::now();
		let result = self.engine.check(model, input, nonce, output);
		let ms = started.elapsed().as_secs_f64() * 1e3;
		match &result {
			Ok(agrees) => {
				log::info!(target: LOG_TARGET, "🔎 Checked a result of model {model:?} in {ms:.3} ms: {}", if *agrees { "agrees" } else { "differs" })
			}
			Err(InferenceError::UnknownModel) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "check of a result of {model:?} failed: {e}"),
		}
		result
	}

	fn fetch(&self, model: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		let result = self.fetches.request(model, uris);
		match &result {
			Ok(()) | Err(InferenceError::Fetching) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "model {model:?} unavailable: {e}"),
		}
		result
	}
}
