//! The node's inference engine, as the off-chain workers see it: the candle engine over the
//! model store, with Prometheus metrics and logs for the operator.

use std::{path::PathBuf, sync::Arc, time::Instant};

use opg_inference::{default_model, Engine, EngineConfig};
use opg_primitives::{
	InferenceBackend, InferenceError, InferenceExt, InferenceInput, InferenceRun, ModelHash,
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

/// How the node's engine is set up, from the command line.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
	/// The model store's directory (default: `<base path>/models`).
	pub model_store: Option<PathBuf>,
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
	let InferenceOutput::Tensor(t) = &run.output;
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

/// The engine with metrics and logs.
pub struct NodeEngine {
	engine: Engine,
	metrics: Option<Metrics>,
	#[cfg(feature = "dev-fault")]
	fault: Option<Fault>,
}

impl NodeEngine {
	/// Opens the model store at `store_dir`, seeds it with the bundled default model, and
	/// registers the metrics.
	pub fn new(store_dir: PathBuf, registry: Option<&Registry>) -> Result<Self, String> {
		let engine = Engine::new(EngineConfig::new(&store_dir))
			.map_err(|e| format!("cannot open the model store {}: {e}", store_dir.display()))?;
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
	}
}

impl InferenceBackend for NodeEngine {
	fn run(
		&self,
		model: &ModelHash,
		input: &InferenceInput,
	) -> Result<InferenceRun, InferenceError> {
		let started = Instant::now();
		let result = self.engine.run(model, input);
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
			Ok(_) => {
				log::info!(target: LOG_TARGET, "🧠 Ran model {model:?} in {:.3} ms", seconds * 1e3)
			}
			Err(InferenceError::UnknownModel) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "inference of {model:?} failed: {e}"),
		}
		result
	}

	fn fetch(&self, model: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		let result = self.engine.fetch_any(model, uris);
		if let Err(e) = &result {
			log::warn!(target: LOG_TARGET, "model {model:?} unavailable: {e}");
		}
		result
	}
}
