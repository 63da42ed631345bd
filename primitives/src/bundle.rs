//! The model bundle: the one canonical artifact a [`ModelHash`] names.
//!
//! A model is several files (a `config.json`, `model.safetensors`, a `tokenizer.json`, ...). To
//! give it one identity that a store can keep as one file, a fetcher can download, and an executor
//! can verify in one pass, the files are packed into a bundle, and the model's hash is
//! blake2-256 of the bundle's bytes. The packing is canonical: the same files always give the same
//! bytes, hence the same hash.
//!
//! ## Layout (all integers little-endian)
//! | size | field |
//! |---|---|
//! | 8 | magic `OPGMODEL` |
//! | 1 | format version, `1` |
//! | 1 | [`ModelKind`] byte ([`ModelKind::to_byte`]) |
//! | 2 | number of files `n` (`u16`), at most [`MAX_BUNDLE_FILES`] |
//! | `n` × | file: name length (`u16`), name (UTF-8), data length (`u64`), data |
//!
//! Files are sorted by name (byte order), names are unique and are relative paths of
//! `[A-Za-z0-9._-]` segments joined by `/` (no empty, `.` or `..` segment), at most
//! [`MAX_NAME_LEN`] bytes. Nothing may follow the last file. Which files a kind's bundle carries is
//! in the kind table ([`ModelKind::bundle_files`]; an MLP: `config.json` + `model.safetensors`; a
//! BERT embedder: those, `tokenizer.json` and `sentence_bert_config.json`; an ONNX model:
//! `config.json` + `model.onnx`, and `tokenizer.json` for a text model); the chain records `config.json`'s own blake2-256 as
//! [`crate::model::ModelSpec::config_hash`].
//!
//! With `std`, [`pack`] and [`from_dir`] pack files read from disk: the one packer of the engine
//! and the CLI.

use alloc::vec::Vec;
use sp_core::H256;
use sp_crypto_hashing::blake2_256;

use crate::model::{FileHash, ModelHash, ModelKind};

/// The first bytes of every bundle.
pub const BUNDLE_MAGIC: [u8; 8] = *b"OPGMODEL";
/// The format version this crate reads and writes.
pub const BUNDLE_VERSION: u8 = 1;
/// The most files a bundle may hold.
pub const MAX_BUNDLE_FILES: usize = 64;
/// The longest file name, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// The name of the configuration file every bundle carries.
pub const CONFIG_FILE: &str = "config.json";
/// The name of the weights file (safetensors) of the kinds that have one.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The name of the tokenizer file (Hugging Face `tokenizers` JSON) of text models.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The ONNX graph of a model of kind `onnx`.
pub const ONNX_FILE: &str = "model.onnx";
/// sentence-transformers' settings of a sentence embedder (its `max_seq_length`).
pub const SENTENCE_CONFIG_FILE: &str = "sentence_bert_config.json";
/// The GGUF file of a text-generation model: weights, hyperparameters, tokenizer and chat
/// template.
pub const GGUF_FILE: &str = "model.gguf";

/// Why bytes are not a well-formed bundle.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BundleError {
	/// The bytes do not start with [`BUNDLE_MAGIC`].
	BadMagic,
	/// A format version this crate does not know.
	UnsupportedVersion(u8),
	/// A kind byte no [`ModelKind`] has.
	UnknownKind(u8),
	/// The bytes end inside a header, a name or a file.
	Truncated,
	/// More than [`MAX_BUNDLE_FILES`] files.
	TooManyFiles,
	/// A file name that breaks the naming rule.
	BadName,
	/// Names out of order or repeated.
	Unsorted,
	/// Bytes after the last file.
	TrailingBytes,
}

impl core::fmt::Display for BundleError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			BundleError::BadMagic => write!(f, "not a model bundle (bad magic)"),
			BundleError::UnsupportedVersion(v) => write!(f, "unsupported bundle version {v}"),
			BundleError::UnknownKind(k) => write!(f, "unknown model kind byte {k}"),
			BundleError::Truncated => write!(f, "bundle is truncated"),
			BundleError::TooManyFiles => write!(f, "bundle has too many files"),
			BundleError::BadName => write!(f, "bundle has an invalid file name"),
			BundleError::Unsorted => write!(f, "bundle file names are unsorted or repeated"),
			BundleError::TrailingBytes => write!(f, "bytes follow the last file of the bundle"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for BundleError {}

/// A parsed bundle borrowing its files from the bundle bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleView<'a> {
	/// The architecture the bundle is for.
	pub kind: ModelKind,
	/// The files, sorted by name.
	pub files: Vec<(&'a str, &'a [u8])>,
}

impl<'a> BundleView<'a> {
	/// Parses and checks bundle bytes (layout, names, order; not the content of the files).
	pub fn parse(bytes: &'a [u8]) -> Result<Self, BundleError> {
		let mut reader = Reader(bytes);
		if reader.take(BUNDLE_MAGIC.len())? != BUNDLE_MAGIC.as_slice() {
			return Err(BundleError::BadMagic);
		}
		let version = reader.u8()?;
		if version != BUNDLE_VERSION {
			return Err(BundleError::UnsupportedVersion(version));
		}
		let kind_byte = reader.u8()?;
		let kind = ModelKind::from_byte(kind_byte).ok_or(BundleError::UnknownKind(kind_byte))?;
		let count = usize::from(reader.u16()?);
		if count > MAX_BUNDLE_FILES {
			return Err(BundleError::TooManyFiles);
		}
		let mut files: Vec<(&'a str, &'a [u8])> = Vec::with_capacity(count);
		for _ in 0..count {
			let name_len = usize::from(reader.u16()?);
			let name =
				core::str::from_utf8(reader.take(name_len)?).map_err(|_| BundleError::BadName)?;
			if !is_valid_name(name) {
				return Err(BundleError::BadName);
			}
			if files.last().is_some_and(|(previous, _)| *previous >= name) {
				return Err(BundleError::Unsorted);
			}
			let data_len = usize::try_from(reader.u64()?).map_err(|_| BundleError::Truncated)?;
			files.push((name, reader.take(data_len)?));
		}
		if !reader.0.is_empty() {
			return Err(BundleError::TrailingBytes);
		}
		Ok(BundleView { kind, files })
	}

	/// The content of the file with this name.
	pub fn file(&self, name: &str) -> Option<&'a [u8]> {
		self.files
			.binary_search_by(|(n, _)| (*n).cmp(name))
			.ok()
			.and_then(|i| self.files.get(i))
			.map(|(_, data)| *data)
	}

	/// blake2-256 of the file with this name.
	pub fn file_hash(&self, name: &str) -> Option<FileHash> {
		self.file(name).map(|data| H256(blake2_256(data)))
	}

	/// blake2-256 of `config.json` (what the chain records as the config hash).
	pub fn config_hash(&self) -> Option<FileHash> {
		self.file_hash(CONFIG_FILE)
	}
}

/// Packs files into canonical bundle bytes (sorting them by name).
pub fn encode_bundle(kind: ModelKind, files: &[(&str, &[u8])]) -> Result<Vec<u8>, BundleError> {
	if files.len() > MAX_BUNDLE_FILES {
		return Err(BundleError::TooManyFiles);
	}
	let mut sorted: Vec<(&str, &[u8])> = files.to_vec();
	sorted.sort_by(|a, b| a.0.cmp(b.0));
	if sorted.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
		return Err(BundleError::Unsorted);
	}
	let total = sorted.iter().fold(12usize, |acc, (name, data)| {
		acc.saturating_add(10).saturating_add(name.len()).saturating_add(data.len())
	});
	let mut out = Vec::with_capacity(total);
	out.extend_from_slice(&BUNDLE_MAGIC);
	out.push(BUNDLE_VERSION);
	out.push(kind.to_byte());
	let count = u16::try_from(sorted.len()).map_err(|_| BundleError::TooManyFiles)?;
	out.extend_from_slice(&count.to_le_bytes());
	for (name, data) in sorted {
		if !is_valid_name(name) {
			return Err(BundleError::BadName);
		}
		let name_len = u16::try_from(name.len()).map_err(|_| BundleError::BadName)?;
		out.extend_from_slice(&name_len.to_le_bytes());
		out.extend_from_slice(name.as_bytes());
		let data_len = u64::try_from(data.len()).map_err(|_| BundleError::Truncated)?;
		out.extend_from_slice(&data_len.to_le_bytes());
		out.extend_from_slice(data);
	}
	Ok(out)
}

/// Packs files read from disk into canonical bundle bytes: each `(name, path)` becomes the
/// bundle file `name` holding the bytes at `path`. An error names the file it is about.
#[cfg(feature = "std")]
pub fn pack<P: AsRef<std::path::Path>>(
	kind: ModelKind,
	files: &[(&str, P)],
) -> std::io::Result<Vec<u8>> {
	use std::io::{Error, ErrorKind};
	let mut contents = Vec::with_capacity(files.len());
	for (name, path) in files {
		let path: &std::path::Path = path.as_ref();
		let data = std::fs::read(path)
			.map_err(|e| Error::new(e.kind(), format!("{}: {e}", path.display())))?;
		contents.push((*name, data));
	}
	let files: Vec<(&str, &[u8])> = contents.iter().map(|(n, d)| (*n, d.as_slice())).collect();
	encode_bundle(kind, &files).map_err(|e| Error::new(ErrorKind::InvalidData, e))
}

/// Packs the files a bundle of this kind carries ([`ModelKind::bundle_files`], and those of its
/// optional files that are there) from a directory (for instance an unpacked
/// sentence-transformers model) into canonical bundle bytes.
#[cfg(feature = "std")]
pub fn from_dir(kind: ModelKind, dir: &std::path::Path) -> std::io::Result<Vec<u8>> {
	let names = kind.bundle_files().ok_or_else(|| {
		std::io::Error::new(
			std::io::ErrorKind::Unsupported,
			format!("model kind {kind} has no bundle file list"),
		)
	})?;
	let optional = kind.info().optional.iter().filter(|name| dir.join(name).is_file());
	let files: Vec<(&str, std::path::PathBuf)> =
		names.iter().chain(optional).map(|name| (*name, dir.join(name))).collect();
	pack(kind, &files)
}

/// The model hash of bundle bytes: blake2-256 over all of them.
pub fn bundle_hash(bytes: &[u8]) -> ModelHash {
	H256(blake2_256(bytes))
}

/// Whether a file name follows the naming rule (see the module docs).
pub fn is_valid_name(name: &str) -> bool {
	!name.is_empty()
		&& name.len() <= MAX_NAME_LEN
		&& name.split('/').all(|segment| {
			!segment.is_empty()
				&& segment != "."
				&& segment != ".."
				&& segment
					.bytes()
					.all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
		})
}

/// A cursor over bundle bytes whose every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
	fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
		if n > self.0.len() {
			return Err(BundleError::Truncated);
		}
		let (head, tail) = self.0.split_at(n);
		self.0 = tail;
		Ok(head)
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N], BundleError> {
		self.take(N)?.try_into().map_err(|_| BundleError::Truncated)
	}

	fn u8(&mut self) -> Result<u8, BundleError> {
		self.array::<1>().map(|[b]| b)
	}

	fn u16(&mut self) -> Result<u16, BundleError> {
		self.array().map(u16::from_le_bytes)
	}

	fn u64(&mut self) -> Result<u64, BundleError> {
		self.array().map(u64::from_le_bytes)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
	use super::*;

	fn sample() -> Vec<u8> {
		encode_bundle(
			ModelKind::Mlp,
			&[("model.safetensors", b"weights".as_slice()), ("config.json", b"{}".as_slice())],
		)
		.unwrap()
	}

	#[test]
	fn round_trips_sorted() {
		let bytes = sample();
		let view = BundleView::parse(&bytes).unwrap();
		assert_eq!(view.kind, ModelKind::Mlp);
		assert_eq!(view.files[0].0, "config.json");
		assert_eq!(view.file("model.safetensors"), Some(b"weights".as_slice()));
		assert_eq!(view.file("tokenizer.json"), None);
		assert_eq!(view.config_hash(), Some(H256(blake2_256(b"{}"))));
	}

	#[test]
	fn encoding_is_canonical_whatever_the_input_order() {
		let other = encode_bundle(
			ModelKind::Mlp,
			&[("config.json", b"{}".as_slice()), ("model.safetensors", b"weights".as_slice())],
		)
		.unwrap();
		assert_eq!(bundle_hash(&sample()), bundle_hash(&other));
	}

	#[test]
	fn malformed_bundles_are_rejected() {
		let bytes = sample();
		for cut in 0..bytes.len() {
			assert!(BundleView::parse(&bytes[..cut]).is_err(), "cut at {cut}");
		}
		let mut trailing = bytes.clone();
		trailing.push(0);
		assert_eq!(BundleView::parse(&trailing), Err(BundleError::TrailingBytes));
		let mut magic = bytes.clone();
		magic[0] = b'X';
		assert_eq!(BundleView::parse(&magic), Err(BundleError::BadMagic));
		let mut kind = bytes.clone();
		kind[9] = 9;
		assert_eq!(BundleView::parse(&kind), Err(BundleError::UnknownKind(9)));
		let mut version = bytes.clone();
		version[8] = 2;
		assert_eq!(BundleView::parse(&version), Err(BundleError::UnsupportedVersion(2)));
		// Swap the names' first letters so they are out of order: c.. > m..
		let mut unsorted = bytes;
		let c = unsorted.iter().position(|b| *b == b'c').unwrap();
		unsorted[c] = b'z';
		assert_eq!(BundleView::parse(&unsorted), Err(BundleError::Unsorted));
		let dup = encode_bundle(ModelKind::Mlp, &[("a", b"".as_slice()), ("a", b"".as_slice())]);
		assert_eq!(dup, Err(BundleError::Unsorted));
	}

	#[test]
	fn the_default_model_packs_from_its_directory_to_the_genesis_hash() {
		let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits-mlp");
		let bytes = from_dir(ModelKind::Mlp, &dir).unwrap();
		// The hash the runtime's genesis lists `digits-mlp` under.
		assert_eq!(
			format!("{:x}", bundle_hash(&bytes)),
			"5785e6a4f84b638bd4082278a2396a32e78fbfa3fe2be3710fc5c1e1702b4cda"
		);
		let files =
			[("model.safetensors", dir.join(WEIGHTS_FILE)), ("config.json", dir.join(CONFIG_FILE))];
		assert_eq!(pack(ModelKind::Mlp, &files).unwrap(), bytes);
		let missing = from_dir(ModelKind::BertEmbedding, &dir).unwrap_err();
		assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
		assert!(missing.to_string().contains("tokenizer.json"), "{missing}");
		let missing = from_dir(ModelKind::TextGeneration, &dir).unwrap_err();
		assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
		assert!(missing.to_string().contains("model.gguf"), "{missing}");
	}

	#[test]
	fn names_are_safe_relative_paths() {
		assert!(is_valid_name("1_Pooling/config.json"));
		for bad in ["", "/etc/passwd", "a//b", "../x", "a/./b", "sp ace", "a\\b"] {
			assert!(!is_valid_name(bad), "{bad}");
		}
	}
}
