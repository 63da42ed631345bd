//! Downloads a model bundle into the store from an `http://`, `https://` or `file://` URI.
//!
//! The bytes are streamed into a temporary file in the store's directory while being hashed and
//! counted; the download is aborted as soon as it passes the size limit, and the file is renamed
//! to its hash only when the hash is the expected one. So a model appears in the store complete
//! and verified, or not at all (no resume: an interrupted download starts over).

use std::{
	fs::File,
	io::{self, Read},
	path::PathBuf,
	time::Duration,
};

use opg_primitives::ModelHash;

use crate::{
	error::FetchError,
	store::{Hasher, ModelStore},
};

const CHUNK: usize = 64 * 1024;

/// How far a download has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchProgress {
	/// Bytes received so far.
	pub downloaded: u64,
	/// The size announced by the source (`Content-Length`, file size), if any.
	pub total: Option<u64>,
}

/// Fetches bundles into a [`ModelStore`].
pub struct Fetcher {
	max_bytes: u64,
	agent: ureq::Agent,
}

impl Fetcher {
	/// A fetcher that refuses sources larger than `max_bytes` and gives up on an HTTP transfer
	/// after `timeout` in total.
	pub fn new(max_bytes: u64, timeout: Duration) -> Self {
		let agent = ureq::Agent::config_builder()
			.timeout_global(Some(timeout))
			.http_status_as_error(true)
			.build()
			.into();
		Fetcher { max_bytes, agent }
	}

	/// Fetches the bundle at `uri`, checks it hashes to `expected`, and stores it. Does nothing if
	/// the store already has the model. `progress` is called after every chunk received.
	pub fn fetch(
		&self,
		uri: &str,
		expected: &ModelHash,
		store: &ModelStore,
		progress: &mut dyn FnMut(FetchProgress),
	) -> Result<(), FetchError> {
		if store.contains(expected) {
			return Ok(());
		}
		let max = self.max_bytes.min(store.max_model_bytes());
		if let Some(path) = uri.strip_prefix("file://") {
			let file = File::open(PathBuf::from(path))?;
			let total = file.metadata()?.len();
			if total > max {
				return Err(FetchError::TooLarge { max });
			}
			self.stream(file, Some(total), max, expected, store, progress)
		} else if uri.starts_with("http://") || uri.starts_with("https://") {
			let mut response =
				self.agent.get(uri).call().map_err(|e| FetchError::Http(e.to_string()))?;
			let total = response.body().content_length();
			if total.is_some_and(|total| total > max) {
				return Err(FetchError::TooLarge { max });
			}
			let reader = response.body_mut().as_reader();
			self.stream(reader, total, max, expected, store, progress)
		} else {
			Err(FetchError::UnsupportedScheme(uri.chars().take(64).collect()))
		}
	}

	fn stream(
		&self,
		mut source: impl Read,
		total: Option<u64>,
		max: u64,
		expected: &ModelHash,
		store: &ModelStore,
		progress: &mut dyn FnMut(FetchProgress),
	) -> Result<(), FetchError> {
		let mut partial = store.partial_file()?;
		let mut hasher = Hasher::default();
		let mut buf = vec![0u8; CHUNK];
		let mut downloaded: u64 = 0;
		loop {
			let n = match source.read(&mut buf) {
				Ok(0) => break,
				Ok(n) => n,
				Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
				Err(e) => return Err(e.into()),
			};
			let chunk = buf.get(..n).unwrap_or_default();
			downloaded = downloaded.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
			if downloaded > max {
				return Err(FetchError::TooLarge { max });
			}
			hasher.update(chunk);
			partial.write_all(chunk)?;
			progress(FetchProgress { downloaded, total });
		}
		let found = hasher.finish();
		if found != *expected {
			return Err(FetchError::HashMismatch { expected: *expected, found });
		}
		store.commit(partial, expected)?;
		Ok(())
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use opg_primitives::{
		bundle::{bundle_hash, encode_bundle},
		ModelKind,
	};
	use std::{
		fs,
		io::{BufRead, BufReader, Write},
		net::TcpListener,
		thread,
	};

	fn bundle() -> Vec<u8> {
		let payload = vec![7u8; 300_000];
		encode_bundle(ModelKind::Mlp, &[("config.json", b"{}"), ("model.safetensors", &payload)])
			.unwrap()
	}

	/// Serves `body` once over HTTP on a loopback port; returns the URL.
	fn serve_once(body: Vec<u8>) -> String {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let addr = listener.local_addr().unwrap();
		thread::spawn(move || {
			if let Ok((mut stream, _)) = listener.accept() {
				let mut reader = BufReader::new(stream.try_clone().unwrap());
				let mut line = String::new();
				while reader.read_line(&mut line).unwrap_or(0) > 2 {
					line.clear();
				}
				let head = format!(
					"HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
					body.len()
				);
				let _ = stream.write_all(head.as_bytes());
				let _ = stream.write_all(&body);
			}
		});
		format!("http://{addr}/model.bundle")
	}

	fn files_in(dir: &std::path::Path) -> usize {
		fs::read_dir(dir).unwrap().count()
	}

	#[test]
	fn fetches_over_http_with_progress_and_hash_check() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let bytes = bundle();
		let hash = bundle_hash(&bytes);
		let fetcher = Fetcher::new(1 << 30, Duration::from_secs(30));
		let mut seen = Vec::new();
		fetcher.fetch(&serve_once(bytes.clone()), &hash, &store, &mut |p| seen.push(p)).unwrap();
		assert_eq!(store.get(&hash).unwrap(), bytes);
		let last = seen.last().unwrap();
		assert_eq!(last.downloaded, bytes.len() as u64);
		assert_eq!(last.total, Some(bytes.len() as u64));
		assert!(seen.len() > 1, "progress is reported per chunk");
		assert!(seen.windows(2).all(|w| w[0].downloaded < w[1].downloaded));
	}

	#[test]
	fn wrong_hash_leaves_nothing_behind() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let fetcher = Fetcher::new(1 << 30, Duration::from_secs(30));
		let wrong = bundle_hash(b"something else");
		let err = fetcher.fetch(&serve_once(bundle()), &wrong, &store, &mut |_| {}).unwrap_err();
		assert!(matches!(err, FetchError::HashMismatch { .. }), "{err}");
		assert_eq!(files_in(dir.path()), 0);
	}

	#[test]
	fn size_limit_aborts_the_download() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let bytes = bundle();
		let hash = bundle_hash(&bytes);
		let fetcher = Fetcher::new(1000, Duration::from_secs(30));
		let err =
			fetcher.fetch(&serve_once(bytes.clone()), &hash, &store, &mut |_| {}).unwrap_err();
		assert!(matches!(err, FetchError::TooLarge { max: 1000 }), "{err}");

		// Without a Content-Length the limit still holds, mid-stream.
		let source = dir.path().join("src");
		fs::write(&source, &bytes).unwrap();
		let mut calls = 0;
		let err = fetcher
			.stream(File::open(&source).unwrap(), None, 1000, &hash, &store, &mut |_| calls += 1)
			.unwrap_err();
		assert!(matches!(err, FetchError::TooLarge { .. }));
		fs::remove_file(&source).unwrap();
		assert_eq!(files_in(dir.path()), 0);
	}

	#[test]
	fn fetches_files_and_rejects_other_schemes() {
		let dir = tempfile::tempdir().unwrap();
		let src = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let bytes = bundle();
		let hash = bundle_hash(&bytes);
		let path = src.path().join("m.bundle");
		fs::write(&path, &bytes).unwrap();
		let fetcher = Fetcher::new(1 << 30, Duration::from_secs(30));
		fetcher.fetch(&format!("file://{}", path.display()), &hash, &store, &mut |_| {}).unwrap();
		assert!(store.contains(&hash));
		let err = fetcher.fetch("ftp://x/y", &bundle_hash(b"z"), &store, &mut |_| {}).unwrap_err();
		assert!(matches!(err, FetchError::UnsupportedScheme(_)));
	}

	#[test]
	fn http_errors_are_typed() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		// A port nobody listens on.
		let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
		let fetcher = Fetcher::new(1 << 30, Duration::from_secs(5));
		let err = fetcher
			.fetch(&format!("http://127.0.0.1:{port}/x"), &bundle_hash(b"z"), &store, &mut |_| {})
			.unwrap_err();
		assert!(matches!(err, FetchError::Http(_)), "{err}");
	}
}
