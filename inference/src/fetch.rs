//! Downloads a model bundle into the store from an `http://`, `https://` or `file://` URI, under
//! a [`FetchPolicy`].
//!
//! The bytes are streamed into a temporary file in the store's directory while being hashed and
//! counted; the download is aborted as soon as it passes the size limit, and the file is renamed
//! to its hash only when the hash is the expected one. So a model appears in the store complete
//! and verified, or not at all (no resume: an interrupted download starts over).
//!
//! A model's URIs come from the chain, so from whoever proposed the model: the policy keeps them
//! from turning an executor against itself.
//! - `file://` reads only regular files (never a device such as `/dev/zero`, a FIFO or a
//!   directory), and only under the directories the operator named ([`FileAccess`]); nothing on
//!   a live chain's default.
//! - `http://` and `https://` connect only to public addresses: every address a host name
//!   resolves to (on every redirect) that is loopback, private, link-local, shared (CGNAT),
//!   unique-local, multicast or unspecified is refused, unless the operator allowed private hosts
//!   ([`FetchPolicy::private_hosts`], for tests and private mirrors). Proxies from the
//!   environment are not used.
//! - A connection must open within [`FetchPolicy::connect_timeout`], and a stalled transfer is
//!   cut after [`FetchPolicy::idle_timeout`] without a byte, besides the total
//!   [`FetchPolicy::total_timeout`].

use std::{
	fs::File,
	io::{self, Read},
	net::{IpAddr, Ipv4Addr, Ipv6Addr},
	path::{Path, PathBuf},
	time::Duration,
};

use opg_primitives::ModelHash;
use ureq::unversioned::{
	resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver},
	transport::{DefaultConnector, NextTimeout},
};

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

/// Where `file://` URIs may read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileAccess {
	/// Nowhere: `file://` URIs are refused.
	Nowhere,
	/// Any regular file (development chains, tests).
	Anywhere,
	/// Regular files under these directories (an operator's mirror), after resolving `..` and
	/// symbolic links.
	Under(Vec<PathBuf>),
}

/// What a [`Fetcher`] may fetch from, and how long it waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPolicy {
	/// Where `file://` URIs may read from.
	pub files: FileAccess,
	/// Whether HTTP may connect to loopback, private and link-local addresses.
	pub private_hosts: bool,
	/// The longest wait for a connection (and for name resolution).
	pub connect_timeout: Duration,
	/// The longest wait for the next bytes of a transfer.
	pub idle_timeout: Duration,
	/// The longest one download may take in all.
	pub total_timeout: Duration,
}

impl Default for FetchPolicy {
	/// A live chain's: no files, public hosts only, 10 s to connect, 30 s idle, 10 min in all.
	fn default() -> Self {
		FetchPolicy {
			files: FileAccess::Nowhere,
			private_hosts: false,
			connect_timeout: Duration::from_secs(10),
			idle_timeout: Duration::from_secs(30),
			total_timeout: Duration::from_secs(600),
		}
	}
}

impl FetchPolicy {
	/// A development chain's: any regular file, private hosts allowed, the default timeouts.
	pub fn development() -> Self {
		FetchPolicy { files: FileAccess::Anywhere, private_hosts: true, ..FetchPolicy::default() }
	}
}

/// Whether `ip` is an address anyone on the internet could reach: not loopback, private,
/// link-local, shared address space (100.64/10), unique-local (fc00::/7), documentation,
/// multicast, broadcast or unspecified (IPv4-mapped IPv6 addresses are judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => is_public_v4(v4),
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => is_public_v4(v4),
			None => is_public_v6(v6),
		},
	}
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
	let [a, b, ..] = ip.octets();
	!(ip.is_loopback()
		|| ip.is_private()
		|| ip.is_link_local()
		|| ip.is_unspecified()
		|| ip.is_broadcast()
		|| ip.is_multicast()
		|| ip.is_documentation()
		|| a == 0
		|| (a == 100 && (64..128).contains(&b))
		|| (a == 198 && (b == 18 || b == 19))
		|| a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
	let [first, second, ..] = ip.segments();
	let unique_local = (first & 0xfe00) == 0xfc00;
	let link_local = (first & 0xffc0) == 0xfe80;
	let documentation = first == 0x2001 && second == 0x0db8;
	!(ip.is_loopback()
		|| ip.is_unspecified()
		|| ip.is_multicast()
		|| unique_local
		|| link_local
		|| documentation)
}

/// The default resolver, keeping only public addresses (refusing a host that has none).
#[derive(Debug, Default)]
struct PublicOnly(DefaultResolver);

impl Resolver for PublicOnly {
	fn resolve(
		&self,
		uri: &ureq::http::Uri,
		config: &ureq::config::Config,
		timeout: NextTimeout,
	) -> Result<ResolvedSocketAddrs, ureq::Error> {
		let found = self.0.resolve(uri, config, timeout)?;
		let mut public = self.0.empty();
		for addr in found.iter().filter(|addr| is_public(addr.ip())) {
			public.push(*addr);
		}
		if public.is_empty() {
			let host = uri.host().unwrap_or_default();
			return Err(ureq::Error::BadUri(format!(
				"{host} resolves only to private or local addresses"
			)));
		}
		Ok(public)
	}
}

/// Fetches bundles into a [`ModelStore`].
pub struct Fetcher {
	max_bytes: u64,
	files: FileAccess,
	agent: ureq::Agent,
}

impl Fetcher {
	/// A fetcher that refuses sources larger than `max_bytes` and follows `policy`.
	pub fn new(max_bytes: u64, policy: FetchPolicy) -> Self {
		let config = ureq::Agent::config_builder()
			.timeout_global(Some(policy.total_timeout))
			.timeout_resolve(Some(policy.connect_timeout))
			.timeout_connect(Some(policy.connect_timeout))
			.timeout_per_read(Some(policy.idle_timeout))
			.proxy(None)
			.http_status_as_error(true)
			.build();
		let agent = if policy.private_hosts {
			ureq::Agent::new_with_config(config)
		} else {
			ureq::Agent::with_parts(config, DefaultConnector::default(), PublicOnly::default())
		};
		Fetcher { max_bytes, files: policy.files, agent }
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
			let (file, total) = self.open_file(Path::new(path))?;
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

	/// Opens `path` if the policy lets `file://` read it and it is a regular file; returns it
	/// with its size. Checked before opening (opening a FIFO would block).
	fn open_file(&self, path: &Path) -> Result<(File, u64), FetchError> {
		let forbidden = |why: &str| FetchError::Forbidden(format!("{}: {why}", path.display()));
		let allowed = match &self.files {
			FileAccess::Nowhere => return Err(forbidden("file:// URIs are not allowed here")),
			FileAccess::Anywhere => true,
			FileAccess::Under(roots) => {
				let real = path.canonicalize()?;
				roots
					.iter()
					.any(|root| root.canonicalize().is_ok_and(|root| real.starts_with(root)))
			}
		};
		if !allowed {
			return Err(forbidden("outside the model mirror directories"));
		}
		if !std::fs::metadata(path)?.is_file() {
			return Err(forbidden("not a regular file"));
		}
		let file = File::open(path)?;
		let metadata = file.metadata()?;
		if !metadata.is_file() {
			return Err(forbidden("not a regular file"));
		}
		Ok((file, metadata.len()))
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

/// A one-shot HTTP server for the crate's tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod test_server {
	use std::{
		io::{BufRead, BufReader},
		net::{TcpListener, TcpStream},
		thread,
	};

	/// Accepts one connection on a loopback port, reads its request head, and hands the stream
	/// to `respond` (in a thread of its own); returns the URL to fetch.
	pub(crate) fn serve_one(respond: impl FnOnce(TcpStream) + Send + 'static) -> String {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let addr = listener.local_addr().unwrap();
		thread::spawn(move || {
			if let Ok((stream, _)) = listener.accept() {
				let mut reader = BufReader::new(stream.try_clone().unwrap());
				let mut line = String::new();
				while reader.read_line(&mut line).unwrap_or(0) > 2 {
					line.clear();
				}
				respond(stream);
			}
		});
		format!("http://{addr}/model.bundle")
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
	use std::{fs, io::Write, net::TcpListener, thread};

	fn bundle() -> Vec<u8> {
		let payload = vec![7u8; 300_000];
		encode_bundle(ModelKind::Mlp, &[("config.json", b"{}"), ("model.safetensors", &payload)])
			.unwrap()
	}

	/// Serves `body` once over HTTP on a loopback port; returns the URL.
	fn serve_once(body: Vec<u8>) -> String {
		test_server::serve_one(move |mut stream| {
			let head = format!(
				"HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
				body.len()
			);
			let _ = stream.write_all(head.as_bytes());
			let _ = stream.write_all(&body);
		})
	}

	/// The development policy (loopback servers, any file), with a short total timeout.
	fn local() -> FetchPolicy {
		FetchPolicy { total_timeout: Duration::from_secs(30), ..FetchPolicy::development() }
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
		let fetcher = Fetcher::new(1 << 30, local());
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
		let fetcher = Fetcher::new(1 << 30, local());
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
		let fetcher = Fetcher::new(1000, local());
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
		let fetcher = Fetcher::new(1 << 30, local());
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
		let fetcher = Fetcher::new(1 << 30, local());
		let err = fetcher
			.fetch(&format!("http://127.0.0.1:{port}/x"), &bundle_hash(b"z"), &store, &mut |_| {})
			.unwrap_err();
		assert!(matches!(err, FetchError::Http(_)), "{err}");
	}

	#[test]
	fn only_public_addresses_are_public() {
		for private in [
			"127.0.0.1",
			"10.1.2.3",
			"172.16.0.1",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"255.255.255.255",
			"224.0.0.1",
			"::1",
			"::",
			"fe80::1",
			"fd00::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
		] {
			assert!(!is_public(private.parse().unwrap()), "{private} is not public");
		}
		for public in ["1.1.1.1", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
			assert!(is_public(public.parse().unwrap()), "{public} is public");
		}
	}

	#[test]
	fn http_refuses_hosts_on_private_addresses_unless_allowed() {
		// The attack: a model's URI names an address inside the executor's own network (here
		// loopback), making every executor that fetches it the URI owner's client.
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let bytes = bundle();
		let hash = bundle_hash(&bytes);
		let url = serve_once(bytes.clone());
		let public_only = Fetcher::new(1 << 30, FetchPolicy::default());
		let err = public_only.fetch(&url, &hash, &store, &mut |_| {}).unwrap_err();
		assert!(matches!(&err, FetchError::Http(e) if e.contains("private or local")), "{err}");
		let localhost = url.replace("127.0.0.1", "localhost");
		assert!(public_only.fetch(&localhost, &hash, &store, &mut |_| {}).is_err());
		assert!(!store.contains(&hash));
		// The operator's explicit choice (tests, a mirror on the private network): the same
		// server, still waiting for its one connection, serves it.
		Fetcher::new(1 << 30, local()).fetch(&url, &hash, &store, &mut |_| {}).unwrap();
		assert!(store.contains(&hash));
	}

	#[test]
	fn a_stalled_transfer_is_cut_after_the_idle_timeout() {
		// The attack: a server that announces a bundle, sends a few bytes and then nothing,
		// holding an executor's fetch for as long as it likes.
		let url = test_server::serve_one(|mut stream| {
			let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n12345");
			thread::sleep(Duration::from_secs(120));
		});
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let policy = FetchPolicy { idle_timeout: Duration::from_millis(300), ..local() };
		let started = std::time::Instant::now();
		let err = Fetcher::new(1 << 30, policy)
			.fetch(&url, &bundle_hash(b"z"), &store, &mut |_| {})
			.unwrap_err();
		assert!(matches!(err, FetchError::Http(_) | FetchError::Io(_)), "{err}");
		// Cut by the idle timeout, not the 30 s total one (a generous bound, not a speed target).
		assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
		assert_eq!(files_in(dir.path()), 0);
	}

	#[test]
	fn file_uris_read_only_regular_files_where_the_policy_allows() {
		// The attack: `file:///dev/zero` (endless), a FIFO (blocks on open), or a path outside
		// the operator's mirror.
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 30).unwrap();
		let mirror = tempfile::tempdir().unwrap();
		let elsewhere = tempfile::tempdir().unwrap();
		let bytes = bundle();
		let hash = bundle_hash(&bytes);
		fs::write(mirror.path().join("m.bundle"), &bytes).unwrap();
		fs::write(elsewhere.path().join("m.bundle"), &bytes).unwrap();
		let fifo = mirror.path().join("fifo");
		let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
		assert!(made.success());
		let uri = |path: &std::path::Path| format!("file://{}", path.display());
		let forbidden = |fetcher: &Fetcher, path: &std::path::Path| {
			let err = fetcher.fetch(&uri(path), &hash, &store, &mut |_| {}).unwrap_err();
			assert!(matches!(err, FetchError::Forbidden(_)), "{}: {err}", path.display());
		};

		let anywhere = Fetcher::new(1 << 30, local());
		forbidden(&anywhere, Path::new("/dev/zero"));
		forbidden(&anywhere, &fifo);
		forbidden(&anywhere, mirror.path());

		let nowhere = Fetcher::new(1 << 30, FetchPolicy::default());
		forbidden(&nowhere, &mirror.path().join("m.bundle"));

		let policy = FetchPolicy {
			files: FileAccess::Under(vec![mirror.path().to_path_buf()]),
			..FetchPolicy::default()
		};
		let under = Fetcher::new(1 << 30, policy);
		forbidden(&under, &elsewhere.path().join("m.bundle"));
		let escape = mirror.path().join("..").join(elsewhere.path().file_name().unwrap());
		forbidden(&under, &escape.join("m.bundle"));
		forbidden(&under, &fifo);
		assert!(!store.contains(&hash));
		under.fetch(&uri(&mirror.path().join("m.bundle")), &hash, &store, &mut |_| {}).unwrap();
		assert!(store.contains(&hash));
	}
}
