//! The content-addressed model store: a directory of model bundles, each in a file named by the
//! lowercase hex of its [`ModelHash`] (64 characters, no prefix, no extension).
//!
//! Files are only ever made visible by an atomic `rename` of a fully written and synced temporary
//! file (named `.partial-…`, ignored by the store), so a reader never sees half a model, and a
//! crash leaves at most a temporary file behind (removed by [`ModelStore::open`]). Every read
//! through [`ModelStore::get`] re-hashes the bytes, so a file corrupted on disk is reported as
//! [`StoreError::HashMismatch`], never run.

use std::{
	fs::{self, File},
	io::{self, Read, Write},
	path::{Path, PathBuf},
	sync::atomic::{AtomicU64, Ordering},
};

use blake2::{digest::consts::U32, Blake2b, Digest};
use opg_primitives::{
	bundle::{bundle_hash, BundleView},
	ModelHash,
};

use crate::error::StoreError;

const PARTIAL_PREFIX: &str = ".partial-";

/// The lowercase hex of a hash, as store file names use it.
pub fn hash_hex(hash: &ModelHash) -> String {
	format!("{hash:x}")
}

/// A hash from 64 hex characters (as in store file names, with or without `0x`).
pub fn parse_hash_hex(text: &str) -> Option<ModelHash> {
	let bytes: [u8; 32] = sp_core::bytes::from_hex(text).ok()?.try_into().ok()?;
	Some(ModelHash::from(bytes))
}

/// Streaming blake2-256 (the same function as `sp_crypto_hashing::blake2_256`).
#[derive(Default)]
pub(crate) struct Hasher(Blake2b<U32>);

impl Hasher {
	pub(crate) fn update(&mut self, bytes: &[u8]) {
		self.0.update(bytes);
	}

	pub(crate) fn finish(self) -> ModelHash {
		ModelHash::from(<[u8; 32]>::from(self.0.finalize()))
	}
}

/// A directory of model bundles named by their hash.
#[derive(Debug)]
pub struct ModelStore {
	dir: PathBuf,
	max_model_bytes: u64,
}

/// A temporary file in the store, deleted on drop unless committed.
pub(crate) struct PartialFile {
	path: PathBuf,
	file: Option<File>,
}

impl PartialFile {
	pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
		match &mut self.file {
			Some(file) => file.write_all(bytes),
			None => Err(io::Error::other("partial file already closed")),
		}
	}
}

impl Drop for PartialFile {
	fn drop(&mut self) {
		self.file.take();
		let _ = fs::remove_file(&self.path);
	}
}

impl ModelStore {
	/// Opens (creating it if needed) the store in `dir`, which refuses models larger than
	/// `max_model_bytes`. Leftover temporary files of an interrupted write are removed.
	pub fn open(dir: impl Into<PathBuf>, max_model_bytes: u64) -> Result<Self, StoreError> {
		let dir = dir.into();
		fs::create_dir_all(&dir)?;
		for entry in fs::read_dir(&dir)? {
			let entry = entry?;
			if entry.file_name().to_string_lossy().starts_with(PARTIAL_PREFIX) {
				let _ = fs::remove_file(entry.path());
			}
		}
		Ok(ModelStore { dir, max_model_bytes })
	}

	/// The store's directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The largest model the store accepts, in bytes.
	pub fn max_model_bytes(&self) -> u64 {
		self.max_model_bytes
	}

	/// Where the model with this hash is (or would be) kept.
	pub fn path_of(&self, hash: &ModelHash) -> PathBuf {
		self.dir.join(hash_hex(hash))
	}

	/// Whether a file for this hash exists (not verified; [`ModelStore::get`] verifies).
	pub fn contains(&self, hash: &ModelHash) -> bool {
		self.path_of(hash).is_file()
	}

	/// The hashes of all models in the store, sorted.
	pub fn list(&self) -> Result<Vec<ModelHash>, StoreError> {
		let mut hashes = Vec::new();
		for entry in fs::read_dir(&self.dir)? {
			if let Some(hash) = entry?.file_name().to_str().and_then(parse_hash_hex) {
				hashes.push(hash);
			}
		}
		hashes.sort();
		Ok(hashes)
	}

	/// Imports a bundle file: checks its size and layout, hashes it, and stores it under its hash.
	/// Returns the hash. Importing a model already present is a no-op.
	pub fn import(&self, path: &Path) -> Result<ModelHash, StoreError> {
		let size = fs::metadata(path)?.len();
		self.check_size(size)?;
		let bytes = read_limited(path, self.max_model_bytes)?;
		self.import_bytes(&bytes)
	}

	/// Imports bundle bytes (see [`ModelStore::import`]).
	pub fn import_bytes(&self, bytes: &[u8]) -> Result<ModelHash, StoreError> {
		self.check_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX))?;
		BundleView::parse(bytes)?;
		let hash = bundle_hash(bytes);
		if !self.contains(&hash) {
			let mut partial = self.partial_file()?;
			partial.write_all(bytes)?;
			self.commit(partial, &hash)?;
		}
		Ok(hash)
	}

	/// The bytes of the model with this hash, verified against the hash.
	pub fn get(&self, hash: &ModelHash) -> Result<Vec<u8>, StoreError> {
		let path = self.path_of(hash);
		let size = match fs::metadata(&path) {
			Ok(meta) => meta.len(),
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				return Err(StoreError::NotFound(*hash))
			}
			Err(e) => return Err(e.into()),
		};
		self.check_size(size)?;
		let bytes = read_limited(&path, self.max_model_bytes)?;
		let found = bundle_hash(&bytes);
		if found != *hash {
			return Err(StoreError::HashMismatch { expected: *hash, found });
		}
		Ok(bytes)
	}

	/// Removes the model with this hash; returns whether it was there.
	pub fn remove(&self, hash: &ModelHash) -> Result<bool, StoreError> {
		match fs::remove_file(self.path_of(hash)) {
			Ok(()) => Ok(true),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
			Err(e) => Err(e.into()),
		}
	}

	fn check_size(&self, size: u64) -> Result<(), StoreError> {
		if size > self.max_model_bytes {
			return Err(StoreError::TooLarge { size, max: self.max_model_bytes });
		}
		Ok(())
	}

	/// A new temporary file in the store's directory.
	pub(crate) fn partial_file(&self) -> Result<PartialFile, StoreError> {
		static COUNTER: AtomicU64 = AtomicU64::new(0);
		let n = COUNTER.fetch_add(1, Ordering::Relaxed);
		let path = self.dir.join(format!("{PARTIAL_PREFIX}{}-{n}", std::process::id()));
		let file = fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
		Ok(PartialFile { path, file: Some(file) })
	}

	/// Syncs a temporary file and renames it to the hash's name: the only way a model appears.
	pub(crate) fn commit(
		&self,
		mut partial: PartialFile,
		hash: &ModelHash,
	) -> Result<(), StoreError> {
		if let Some(file) = partial.file.take() {
			file.sync_all()?;
		}
		fs::rename(&partial.path, self.path_of(hash))?;
		// Persist the rename itself (best effort: not every file system supports syncing a directory).
		if let Ok(dir) = File::open(&self.dir) {
			let _ = dir.sync_all();
		}
		Ok(())
	}
}

/// Reads a whole file, refusing to read more than `max` bytes (the file may grow after `stat`).
fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, StoreError> {
	let file = File::open(path)?;
	let mut bytes = Vec::new();
	file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
	let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
	if size > max {
		return Err(StoreError::TooLarge { size, max });
	}
	Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use opg_primitives::{bundle::encode_bundle, ModelKind};

	fn bundle(payload: &[u8]) -> Vec<u8> {
		encode_bundle(ModelKind::Mlp, &[("config.json", b"{}"), ("model.safetensors", payload)])
			.unwrap()
	}

	#[test]
	fn streaming_hash_equals_substrate_blake2_256() {
		let mut h = Hasher::default();
		h.update(b"hello ");
		h.update(b"world");
		assert_eq!(h.finish(), bundle_hash(b"hello world"));
	}

	#[test]
	fn hex_round_trips() {
		let hash = bundle_hash(b"x");
		assert_eq!(parse_hash_hex(&hash_hex(&hash)), Some(hash));
		assert_eq!(parse_hash_hex(&format!("{hash:?}")), Some(hash));
		assert_eq!(parse_hash_hex("zz"), None);
	}

	#[test]
	fn import_then_get_verifies() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 20).unwrap();
		let bytes = bundle(b"weights");
		let file = dir.path().join("in.bundle");
		fs::write(&file, &bytes).unwrap();
		let hash = store.import(&file).unwrap();
		assert_eq!(hash, bundle_hash(&bytes));
		assert_eq!(store.get(&hash).unwrap(), bytes);
		assert_eq!(store.list().unwrap(), vec![hash]);
		// Idempotent.
		assert_eq!(store.import_bytes(&bytes).unwrap(), hash);

		// A file corrupted on disk is caught on read.
		let mut corrupted = bytes.clone();
		*corrupted.last_mut().unwrap() ^= 1;
		fs::write(store.path_of(&hash), &corrupted).unwrap();
		assert!(matches!(store.get(&hash), Err(StoreError::HashMismatch { .. })));

		assert!(store.remove(&hash).unwrap());
		assert!(matches!(store.get(&hash), Err(StoreError::NotFound(_))));
	}

	#[test]
	fn refuses_non_bundles_and_oversized_models() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 64).unwrap();
		assert!(matches!(store.import_bytes(b"not a bundle"), Err(StoreError::Bundle(_))));
		assert!(matches!(
			store.import_bytes(&bundle(&[0; 100])),
			Err(StoreError::TooLarge { max: 64, .. })
		));
		assert!(store.list().unwrap().is_empty());
	}

	#[test]
	fn partial_files_never_show_and_are_cleaned_up() {
		let dir = tempfile::tempdir().unwrap();
		let store = ModelStore::open(dir.path(), 1 << 20).unwrap();
		let mut partial = store.partial_file().unwrap();
		partial.write_all(b"half").unwrap();
		assert!(store.list().unwrap().is_empty());
		std::mem::forget(partial); // as if the process died mid-write
		assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
		let _reopened = ModelStore::open(dir.path(), 1 << 20).unwrap();
		assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
	}
}
