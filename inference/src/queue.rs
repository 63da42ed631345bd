//! Background fetching: a bounded queue of models to download, served by one thread, so that
//! whoever asks for a model (an off-chain worker, the node's prefetcher) never waits on the
//! network.
//!
//! [`FetchQueue::request`] answers at once:
//! - `Ok(())`: the store has the model;
//! - [`InferenceError::Fetching`]: it is queued or downloading now (or the queue is full): ask
//!   again later;
//! - [`InferenceError::FetchFailed`]: its last download failed from every URI less than
//!   `retry_after` ago.
//!
//! The queue holds at most `capacity` models; one thread downloads them in order with
//! [`Engine::fetch_any`] (so under the engine's [`FetchPolicy`](crate::FetchPolicy) and size
//! limit). It stops when the queue is dropped.

use std::{
	collections::HashMap,
	sync::{
		mpsc::{sync_channel, SyncSender, TrySendError},
		Arc, Mutex, MutexGuard,
	},
	thread,
	time::{Duration, Instant},
};

use opg_primitives::{InferenceError, ModelHash};

use crate::Engine;

const LOG_TARGET: &str = "opg-inference";

/// Where a model the queue was asked for stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
	/// Waiting in the queue, or downloading.
	Queued,
	/// Its last download failed at this instant.
	Failed(Instant),
}

type States = Arc<Mutex<HashMap<ModelHash, State>>>;

/// A bounded queue of downloads, served by one background thread.
pub struct FetchQueue {
	engine: Arc<Engine>,
	jobs: SyncSender<(ModelHash, Vec<Vec<u8>>)>,
	states: States,
	retry_after: Duration,
}

impl FetchQueue {
	/// Starts the download thread of `engine`, with room for `capacity` queued models; a model
	/// whose download failed is not tried again for `retry_after`.
	pub fn start(
		engine: Arc<Engine>,
		capacity: usize,
		retry_after: Duration,
	) -> std::io::Result<Self> {
		let (jobs, queued) = sync_channel::<(ModelHash, Vec<Vec<u8>>)>(capacity.max(1));
		let states: States = Arc::default();
		let (worker_engine, worker_states) = (engine.clone(), states.clone());
		thread::Builder::new().name("opg-fetch".into()).spawn(move || {
			for (hash, uris) in queued {
				let started = Instant::now();
				let result = worker_engine.fetch_any(&hash, &uris);
				let mut states = lock(&worker_states);
				match result {
					Ok(()) => {
						log::info!(target: LOG_TARGET, "model {hash:?} is in the store ({:.1} s)", started.elapsed().as_secs_f64());
						states.remove(&hash);
					}
					Err(e) => {
						log::warn!(target: LOG_TARGET, "model {hash:?} could not be fetched: {e}");
						states.insert(hash, State::Failed(Instant::now()));
					}
				}
			}
		})?;
		Ok(FetchQueue { engine, jobs, states, retry_after })
	}

	/// Makes sure the store has `hash` or will have it: queues a download from `uris` unless
	/// one is queued, running, or failed recently. Never blocks on I/O.
	pub fn request(&self, hash: &ModelHash, uris: &[Vec<u8>]) -> Result<(), InferenceError> {
		if self.engine.store().contains(hash) {
			return Ok(());
		}
		let mut states = lock(&self.states);
		match states.get(hash) {
			Some(State::Queued) => return Err(InferenceError::Fetching),
			Some(State::Failed(at)) if at.elapsed() < self.retry_after => {
				return Err(InferenceError::FetchFailed)
			}
			_ => {}
		}
		match self.jobs.try_send((*hash, uris.to_vec())) {
			Ok(()) => {
				log::info!(target: LOG_TARGET, "model {hash:?} queued for download");
				states.insert(*hash, State::Queued);
				Err(InferenceError::Fetching)
			}
			Err(TrySendError::Full(_)) => {
				log::warn!(target: LOG_TARGET, "model {hash:?}: the download queue is full; will ask again");
				Err(InferenceError::Fetching)
			}
			Err(TrySendError::Disconnected(_)) => {
				log::error!(target: LOG_TARGET, "model {hash:?}: the download thread is gone");
				Err(InferenceError::Internal)
			}
		}
	}

	/// How many models are queued or downloading.
	pub fn pending(&self) -> usize {
		lock(&self.states).values().filter(|s| **s == State::Queued).count()
	}
}

fn lock(states: &States) -> MutexGuard<'_, HashMap<ModelHash, State>> {
	states.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use crate::{fetch::FetchPolicy, EngineConfig};
	use opg_primitives::{
		bundle::{bundle_hash, encode_bundle},
		ModelKind,
	};
	use std::{io::Write, sync::mpsc};

	fn engine(dir: &std::path::Path) -> Arc<Engine> {
		let config = EngineConfig { fetch: FetchPolicy::development(), ..EngineConfig::new(dir) };
		Arc::new(Engine::new(config).unwrap())
	}

	/// An HTTP server that answers one request with `body` once `go` receives (saying on
	/// `accepted` when the request came); returns its URL.
	fn held_server(body: Vec<u8>, go: mpsc::Receiver<()>, accepted: mpsc::Sender<()>) -> String {
		crate::fetch::test_server::serve_one(move |mut stream| {
			let _ = accepted.send(());
			let _ = go.recv();
			let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
			let _ = stream.write_all(head.as_bytes());
			let _ = stream.write_all(&body);
		})
	}

	fn wait_until(mut done: impl FnMut() -> bool) {
		let started = Instant::now();
		while !done() {
			assert!(started.elapsed() < Duration::from_secs(30), "timed out");
			thread::sleep(Duration::from_millis(10));
		}
	}

	#[test]
	fn asking_for_a_model_never_waits_for_its_download() {
		// The attack: a model served slowly holds whoever fetches it. With the queue, a request
		// returns at once while the download runs in the background.
		let dir = tempfile::tempdir().unwrap();
		let engine = engine(dir.path());
		let queue = FetchQueue::start(engine.clone(), 4, Duration::from_secs(60)).unwrap();
		let bytes = encode_bundle(ModelKind::Mlp, &[("config.json", b"{}")]).unwrap();
		let hash = bundle_hash(&bytes);
		let (go, held) = mpsc::channel();
		let (accepted, _) = mpsc::channel();
		let uris = vec![held_server(bytes, held, accepted).into_bytes()];

		assert_eq!(queue.request(&hash, &uris), Err(InferenceError::Fetching));
		// The server has not answered yet: asking again neither blocks nor queues it twice.
		assert_eq!(queue.request(&hash, &uris), Err(InferenceError::Fetching));
		assert_eq!(queue.pending(), 1);
		go.send(()).unwrap();
		wait_until(|| engine.store().contains(&hash));
		assert_eq!(queue.request(&hash, &uris), Ok(()));
		wait_until(|| queue.pending() == 0);
	}

	#[test]
	fn a_failed_download_is_not_retried_before_its_time_and_a_full_queue_refuses() {
		let dir = tempfile::tempdir().unwrap();
		let engine = engine(dir.path());
		let queue = FetchQueue::start(engine, 1, Duration::from_secs(3600)).unwrap();
		let missing = ModelHash::repeat_byte(1);
		let nowhere = vec![b"file:///nonexistent/model.bundle".to_vec()];
		assert_eq!(queue.request(&missing, &nowhere), Err(InferenceError::Fetching));
		wait_until(|| queue.pending() == 0);
		// Failed from every URI: reported as such, and not queued again for an hour.
		assert_eq!(queue.request(&missing, &nowhere), Err(InferenceError::FetchFailed));
		assert_eq!(queue.pending(), 0);

		// One slot: while a slow download holds the thread and another model waits in the
		// slot, a third is refused (to be asked for again), never queued past the bound.
		let (go, held) = mpsc::channel();
		let (accepted, request_came) = mpsc::channel();
		let slow = vec![held_server(vec![0; 10], held, accepted).into_bytes()];
		let [a, b, c] = [2, 3, 4].map(ModelHash::repeat_byte);
		assert_eq!(queue.request(&a, &slow), Err(InferenceError::Fetching));
		request_came.recv_timeout(Duration::from_secs(30)).unwrap();
		assert_eq!(queue.request(&b, &nowhere), Err(InferenceError::Fetching));
		assert_eq!(queue.pending(), 2);
		assert_eq!(queue.request(&c, &nowhere), Err(InferenceError::Fetching));
		assert_eq!(queue.pending(), 2, "a full queue takes no more");
		go.send(()).unwrap();
	}
}
