//! The engine: model store + cache + a fixed thread pool, implementing [`InferenceBackend`].

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	path::PathBuf,
	sync::{Arc, Mutex, MutexGuard},
};

use codec::Encode;
use opg_kernels::Isa;
use opg_primitives::{
	bundle::BundleView, limits, tensor::MAX_TENSOR_BYTES, InferenceBackend, InferenceError,
	InferenceInput, InferenceOutput, InferenceRun, ModelHash, Nonce, Tensor, TensorDType,
};

use crate::{
	cache::ModelCache,
	error::{internal, FetchError, StoreError},
	fetch::{FetchPolicy, FetchProgress, Fetcher},
	models::{self, f32_bytes, LoadOptions, Model, Output, Trace},
	store::ModelStore,
};

/// Models whose weights are smaller than this run on the caller's thread whatever the engine's
/// thread count (bits never depend on it; this is speed only).
pub const PARALLEL_MIN_WEIGHT_BYTES: u64 = 1 << 20;

/// Resource limits of an engine. Everything a request can make the engine spend is bounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
	/// The largest model bundle the store accepts and the engine loads (bytes).
	pub max_model_bytes: u64,
	/// The largest SCALE-encoded input the engine accepts (bytes; the wire format's own bounds
	/// apply as well).
	pub max_input_bytes: u32,
	/// The largest output (bytes of tensor data; at most the wire format's 256 KiB).
	pub max_output_bytes: u32,
	/// The largest batch a model accepts (texts for a text model; at most 32).
	pub max_batch: u32,
	/// The memory budget of the loaded-model cache (bytes of weights).
	pub cache_bytes: u64,
}

impl Default for Limits {
	fn default() -> Self {
		Limits {
			// What the chain lets a model and a request be (`opg_primitives::limits`): the engine
			// runs everything the chain accepts.
			max_model_bytes: limits::MAX_MODEL_BYTES,
			max_input_bytes: 512 * 1024,
			max_output_bytes: MAX_TENSOR_BYTES,
			max_batch: limits::MAX_BATCH,
			cache_bytes: 1024 * 1024 * 1024,
		}
	}
}

/// How to build an [`Engine`].
#[derive(Clone, Debug)]
pub struct EngineConfig {
	/// The model store's directory (created if missing).
	pub store_dir: PathBuf,
	/// Resource limits.
	pub limits: Limits,
	/// Threads of a forward pass: with more than one, passes of models of at least
	/// [`PARALLEL_MIN_WEIGHT_BYTES`] run in the engine's own rayon pool of this many threads,
	/// which split rows between them; with one (and for smaller models), on the caller's thread.
	/// Output bytes do not depend on it (see the crate docs); it only trades latency for CPU.
	pub threads: usize,
	/// What [`Engine::fetch`] may download from, and its timeouts.
	pub fetch: FetchPolicy,
}

impl EngineConfig {
	/// The defaults, with this store directory: default limits, 1 thread, a live chain's fetch
	/// policy (public HTTP hosts only, no `file://`).
	pub fn new(store_dir: impl Into<PathBuf>) -> Self {
		EngineConfig {
			store_dir: store_dir.into(),
			limits: Limits::default(),
			threads: 1,
			fetch: FetchPolicy::default(),
		}
	}
}

/// The native inference engine (see the crate docs).
pub struct Engine {
	store: ModelStore,
	cache: Mutex<ModelCache>,
	pool: rayon::ThreadPool,
	isa: Isa,
	fetcher: Fetcher,
	/// Serialises downloads, so two off-chain workers asking for the same missing model fetch it
	/// once (the second finds it in the store).
	fetching: Mutex<()>,
	config: EngineConfig,
}

impl Engine {
	/// An engine over the store in `config.store_dir`.
	pub fn new(config: EngineConfig) -> Result<Self, StoreError> {
		let store = ModelStore::open(&config.store_dir, config.limits.max_model_bytes)?;
		let pool = rayon::ThreadPoolBuilder::new()
			.num_threads(config.threads.max(1))
			.thread_name(|i| format!("opg-inference-{i}"))
			.build()
			.map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
		Ok(Engine {
			store,
			cache: Mutex::new(ModelCache::new(config.limits.cache_bytes)),
			pool,
			isa: Isa::detect(),
			fetcher: Fetcher::new(config.limits.max_model_bytes, config.fetch.clone()),
			fetching: Mutex::new(()),
			config,
		})
	}

	/// The model store.
	pub fn store(&self) -> &ModelStore {
		&self.store
	}

	/// The configuration the engine was built with.
	pub fn config(&self) -> &EngineConfig {
		&self.config
	}

	/// Fetches a model into the store (see [`Fetcher::fetch`]).
	pub fn fetch(
		&self,
		uri: &str,
		hash: &ModelHash,
		progress: &mut dyn FnMut(FetchProgress),
	) -> Result<(), FetchError> {
		self.fetcher.fetch(uri, hash, &self.store, progress)
	}

	/// Makes sure the store has `hash`, trying `uris` in order until one serves the right bytes.
	/// URIs that are not UTF-8 or fail are logged and skipped.
	pub fn fetch_any(&self, hash: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		let _one_at_a_time = self.fetching.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if self.store.contains(hash) {
			return Ok(());
		}
		for uri in uris {
			let Ok(uri) = std::str::from_utf8(uri) else {
				log::warn!(target: "opg-inference", "model {hash:?}: skipping a URI that is not UTF-8");
				continue;
			};
			log::info!(target: "opg-inference", "fetching model {hash:?} from {uri}");
			match self.fetch(uri, hash, &mut |_| {}) {
				Ok(()) => {
					log::info!(target: "opg-inference", "fetched model {hash:?} from {uri}");
					return Ok(());
				}
				Err(e) => log::warn!(target: "opg-inference", "model {hash:?}: {uri}: {e}"),
			}
		}
		Err(InferenceError::FetchFailed)
	}

	/// The loaded model with this hash: from the cache, or loaded from the store (verified
	/// against its hash) and cached.
	pub fn model(&self, hash: &ModelHash) -> Result<Arc<dyn Model>, InferenceError> {
		if let Some(model) = self.lock_cache().get(hash) {
			return Ok(model);
		}
		let bytes = self.store.get(hash)?;
		let view = BundleView::parse(&bytes).map_err(|_| InferenceError::CorruptModel)?;
		if !view.kind.is_runnable() {
			return Err(InferenceError::UnsupportedKind);
		}
		let options = LoadOptions { max_batch: self.config.limits.max_batch, isa: self.isa };
		let model = self.guarded(false, || models::load(&view, &options))?;
		for evicted in self.lock_cache().insert(*hash, model.clone()) {
			log::debug!(target: "opg-inference", "evicted model {evicted:?} from the cache");
		}
		Ok(model)
	}

	/// Runs a model on an input outside any request: [`Engine::run_with_nonce`] with a nonce
	/// of zeros (which only a prompt's sampling reads).
	pub fn run(
		&self,
		hash: &ModelHash,
		input: &InferenceInput,
	) -> Result<InferenceRun, InferenceError> {
		self.run_with_nonce(hash, input, &[0; 32])
	}

	/// Runs a model on an input: checks the input against the model's schema and the limits,
	/// runs the forward pass (or, for a prompt, the generation, its sampling keyed by `nonce`:
	/// a request's digest on chain) in the engine's pool, and returns the output with its
	/// commitment.
	pub fn run_with_nonce(
		&self,
		hash: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
	) -> Result<InferenceRun, InferenceError> {
		let model = self.checked(hash, input)?;
		let schema = model.schema();
		let mut trace = Trace::default();
		let parallel = model.weight_bytes() >= PARALLEL_MIN_WEIGHT_BYTES;
		let output = match input {
			InferenceInput::Prompt(prompt) => {
				let answer =
					self.guarded(parallel, || model.generate(prompt, nonce, &mut trace))?;
				InferenceOutput::Generated(answer)
			}
			_ => self.to_wire(&self.guarded(parallel, || model.forward(input, &mut trace))?)?,
		};
		schema.check_output(input, &output).map_err(|e| internal(format!("{e:?}")))?;
		let layer_hashes =
			trace.into_hashes().try_into().map_err(|_| internal("trace too long"))?;
		Ok(InferenceRun::new(output, layer_hashes))
	}

	/// Whether `output` is exactly what [`Engine::run`] answers to `input` with `nonce`: for a
	/// prompt, one pass over the prompt and the answer's tokens (cheaper than generating them
	/// again, see `models::llama`); for other inputs, one run and a comparison.
	pub fn check(
		&self,
		hash: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
		output: &InferenceOutput,
	) -> Result<bool, InferenceError> {
		let InferenceInput::Prompt(prompt) = input else {
			return self.run_with_nonce(hash, input, nonce).map(|run| run.output == *output);
		};
		let model = self.checked(hash, input)?;
		let InferenceOutput::Generated(answer) = output else { return Ok(false) };
		if model.schema().check_output(input, output).is_err() {
			return Ok(false);
		}
		let parallel = model.weight_bytes() >= PARALLEL_MIN_WEIGHT_BYTES;
		self.guarded(parallel, || model.check_generation(prompt, nonce, answer))
	}

	/// The model, once the input passed the limits and the model's schema.
	fn checked(
		&self,
		hash: &ModelHash,
		input: &InferenceInput,
	) -> Result<Arc<dyn Model>, InferenceError> {
		if input.encoded_size() > self.config.limits.max_input_bytes as usize {
			return Err(InferenceError::InputTooLarge);
		}
		let model = self.model(hash)?;
		model.schema().check(input)?;
		Ok(model)
	}

	/// Runs `f` (in the engine's pool if `parallel` and it has more than one thread), turning a
	/// panic inside the engine into `Internal`.
	fn guarded<T>(
		&self,
		parallel: bool,
		f: impl FnOnce() -> Result<T, InferenceError> + Send,
	) -> Result<T, InferenceError>
	where
		T: Send,
	{
		// One thread: on the caller's (no hand-over to a pool thread); more: in the pool, where
		// the models split their rows across its threads.
		let outcome = if self.config.threads <= 1 || !parallel {
			catch_unwind(AssertUnwindSafe(f))
		} else {
			self.pool.install(|| catch_unwind(AssertUnwindSafe(f)))
		};
		outcome.unwrap_or_else(|_| Err(internal("panic in the engine")))
	}

	/// The compiled copy of the canonical kernels this engine runs (detected at start).
	pub fn isa(&self) -> Isa {
		self.isa
	}

	fn to_wire(&self, output: &Output) -> Result<InferenceOutput, InferenceError> {
		let shape: Vec<u32> = output
			.shape
			.iter()
			.map(|d| u32::try_from(*d).map_err(|_| InferenceError::OutputTooLarge))
			.collect::<Result<_, _>>()?;
		let max = self.config.limits.max_output_bytes.min(MAX_TENSOR_BYTES) as usize;
		if output.values.len().saturating_mul(4) > max {
			return Err(InferenceError::OutputTooLarge);
		}
		Tensor::new(TensorDType::F32, &shape, f32_bytes(&output.values))
			.map(InferenceOutput::Tensor)
			.map_err(|_| InferenceError::OutputTooLarge)
	}

	fn lock_cache(&self) -> MutexGuard<'_, ModelCache> {
		self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

impl InferenceBackend for Engine {
	fn run(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
	) -> Result<InferenceRun, InferenceError> {
		Engine::run_with_nonce(self, model, input, nonce)
	}

	fn check(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
		nonce: &Nonce,
		output: &InferenceOutput,
	) -> Result<bool, InferenceError> {
		Engine::check(self, model, input, nonce, output)
	}

	fn fetch(&self, model: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		self.fetch_any(model, uris)
	}
}
