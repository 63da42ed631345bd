//! `opg-cli models list | show | propose | pack`: the model registry.

use std::path::{Path, PathBuf};

use opg_client::{
	models::{self, ModelStats, Proposal},
	units::{format_opg, parse_opg},
	Error, Model,
};
use opg_onnx::{OnnxConfig, Pooling};
use opg_primitives::{IoSchema, ModelKind};
use serde::Serialize;
use subxt::utils::H256;

use crate::context::{Context, Output};

#[derive(clap::Subcommand)]
pub enum Command {
	/// Every model: listed, proposed and delisted.
	List,
	/// One model.
	Show {
		/// Name or hash.
		model: String,
	},
	/// Propose a model from its bundle file, under a deposit. The schema is given, copied from
	/// another model, or for a bundle of kind onnx or text-generation, inferred from the bundle
	/// as `models pack` does.
	Propose {
		/// The bundle (see `models pack`).
		bundle: PathBuf,
		/// A short name.
		#[arg(long)]
		name: String,
		/// Price per inference (OPG); per token for a text-generation model.
		#[arg(long)]
		price: String,
		/// Input schema: `f32[B,64]` (B = batch axis), `text:<max bytes>` or
		/// `prompt:<max bytes>:<max prompt tokens>`.
		#[arg(long, requires = "output_schema")]
		input_schema: Option<String>,
		/// Output schema: `f32[B,10]` or `generated:<max new tokens>`.
		#[arg(long, requires = "input_schema")]
		output_schema: Option<String>,
		/// The largest batch.
		#[arg(long, default_value_t = models::DEFAULT_MAX_BATCH)]
		max_batch: u32,
		/// Copy the schema of an existing model instead.
		#[arg(long, conflicts_with_all = ["input_schema", "output_schema"])]
		schema_of: Option<String>,
		/// A description.
		#[arg(long, default_value = "")]
		description: String,
		/// Where executors fetch the bundle (`https://…`, `file://…`); repeat for mirrors.
		#[arg(long = "uri", required = true)]
		uris: Vec<String>,
	},
	/// Pack model files into a bundle (offline) and print its hash. For kind onnx: give the
	/// `.onnx` graph (and a text model's `tokenizer.json`); pack writes the `config.json` from
	/// the flags, checks the graph as the engine does and prints the inferred schema.
	Pack {
		/// The architecture (`--help` lists the files of each one's bundle).
		#[arg(long, ignore_case = true, value_parser = kind_parser())]
		kind: ModelKind,
		/// Where to write the bundle.
		#[arg(long, short)]
		out: PathBuf,
		/// The files. Kind onnx: the graph (any name; stored as `model.onnx`), then for a text
		/// model its `tokenizer.json`.
		#[arg(required = true)]
		files: Vec<PathBuf>,
		/// Kind onnx: the graph output that is the model's result (default: the first).
		#[arg(long)]
		output: Option<String>,
		/// Kind onnx, text models: the most tokens of a text, special tokens included (longer
		/// texts are truncated; default 512).
		#[arg(long)]
		max_seq_length: Option<usize>,
		/// Kind onnx, text models: how a per-token output becomes one vector per text.
		#[arg(long, value_enum)]
		pooling: Option<PoolingArg>,
		/// Kind onnx, text models: L2-normalise the vector.
		#[arg(long)]
		normalize: bool,
	},
}

/// `models pack --pooling`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PoolingArg {
	/// The output is already one vector per text.
	None,
	/// The mean over the tokens.
	Mean,
	/// The first token's vector (`[CLS]`).
	Cls,
}

impl From<PoolingArg> for Pooling {
	fn from(arg: PoolingArg) -> Pooling {
		match arg {
			PoolingArg::None => Pooling::None,
			PoolingArg::Mean => Pooling::Mean,
			PoolingArg::Cls => Pooling::Cls,
		}
	}
}

/// What `models pack --kind onnx` takes besides the files.
struct OnnxFlags {
	output: Option<String>,
	max_seq_length: Option<usize>,
	pooling: Option<PoolingArg>,
	normalize: bool,
}

impl OnnxFlags {
	fn any(&self) -> bool {
		self.output.is_some() || self.text()
	}

	/// Whether a flag of text models is given.
	fn text(&self) -> bool {
		self.max_seq_length.is_some() || self.pooling.is_some() || self.normalize
	}
}

/// Packs an ONNX model: the graph, then optionally a tokenizer; the config from the flags.
fn pack_onnx(files: &[PathBuf], flags: OnnxFlags) -> Result<(Vec<u8>, H256, IoSchema), Error> {
	let (graph, tokenizer) = match files {
		[graph] => (graph, None),
		[graph, tokenizer] => (graph, Some(tokenizer.as_path())),
		_ => {
			return Err(Error::Invalid(format!(
				"kind onnx takes the .onnx graph and optionally a tokenizer.json, not {} files",
				files.len()
			)))
		}
	};
	if let Some(config) = files.iter().find(|f| f.file_name().is_some_and(|n| n == "config.json")) {
		return Err(Error::Invalid(format!(
			"{}: pack writes the config.json of kind onnx itself, from --output, \
			 --max-seq-length, --pooling and --normalize",
			config.display()
		)));
	}
	if tokenizer.is_none() && flags.text() {
		return Err(Error::Invalid(
			"--max-seq-length, --pooling and --normalize are for a text model: give its \
			 tokenizer.json after the graph"
				.into(),
		));
	}
	let config = OnnxConfig {
		output: flags.output,
		max_seq_length: flags.max_seq_length,
		pooling: flags.pooling.map(Pooling::from).unwrap_or_default(),
		normalize: flags.normalize,
		..OnnxConfig::tensor()
	};
	models::pack_onnx(graph, tokenizer, &config, models::DEFAULT_MAX_BATCH)
}

/// `models pack --kind`'s values: the kinds whose bundle files the kind table lists.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = ModelKind> {
	use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
	let kinds = ModelKind::all().filter_map(|kind| {
		let info = kind.info();
		let files = info.files?.join(", ");
		Some(PossibleValue::new(info.name).aliases(info.aliases).help(files))
	});
	PossibleValuesParser::new(kinds).try_map(|name| name.parse::<ModelKind>())
}

/// A bundle written by `models pack`.
#[derive(Serialize)]
struct Packed {
	hash: H256,
	file: PathBuf,
	size: usize,
	/// Kind onnx: the schema inferred from the graph.
	#[serde(skip_serializing_if = "Option::is_none")]
	schema: Option<IoSchema>,
}

/// A proposal included.
#[derive(Serialize)]
struct Proposed<'a> {
	hash: H256,
	#[serde(flatten)]
	included: &'a opg_client::Included,
}

pub async fn run(command: Command, ctx: &Context) -> Result<Output, Error> {
	match command {
		Command::List => {
			let models = ctx.client().await?.models().await?;
			Output::of(&models, |models| {
				models.iter().map(|m| format!("{}\n", summary(m))).collect()
			})
		}
		Command::Show { model } => {
			let client = ctx.client().await?;
			let model = client.resolve_model(&model).await?;
			let stats = client.model_stats(model.model).await?;
			Output::of(&Shown { model, stats }, |shown| {
				let s = &shown.stats;
				format!(
					"{}  record    {} requests: {} answered, {} final, {} disputed, {} corrected, \
					 {} refunded, {} rejected; {} paid\n",
					details(&shown.model),
					s.requests,
					s.answered,
					s.finalized,
					s.disputes,
					s.corrected,
					s.refunded,
					s.rejected,
					format_opg(s.fees_paid)
				)
			})
		}
		Command::Propose {
			bundle,
			name,
			price,
			input_schema,
			output_schema,
			max_batch,
			schema_of,
			description,
			uris,
		} => {
			let signer = ctx.signer()?;
			let price = parse_opg(&price)?;
			// A schema given is checked before connecting.
			let given = match (input_schema, output_schema) {
				(Some(input), Some(output)) => {
					Some(models::parse_schema(&input, &output, max_batch)?)
				}
				_ => None,
			};
			// So is one inferred from an ONNX bundle.
			let schema = match (given, schema_of) {
				(Some(schema), _) => schema,
				(None, None) => inferred_schema(&bundle, max_batch)?,
				(None, Some(other)) => ctx.client().await?.resolve_model(&other).await?.schema,
			};
			// An ONNX bundle's graph, or a text-generation bundle's config, says its schema: one
			// given must be the same.
			if matches!(bundle_kind(&bundle), Some(ModelKind::Onnx | ModelKind::TextGeneration)) {
				let inferred = inferred_schema(&bundle, schema.max_batch)?;
				if (&inferred.input, &inferred.output) != (&schema.input, &schema.output) {
					return Err(Error::Invalid(format!(
						"the schema given, {}, is not the graph's, {}",
						models::show_schema(&schema),
						models::show_schema(&inferred)
					)));
				}
			}
			let client = ctx.client().await?;
			let proposal =
				Proposal::from_bundle(&bundle, schema, name.clone(), description, price, uris)?;
			let (hash, included) =
				client.propose_model(&signer, proposal, ctx.progress().tx()).await?;
			Output::of(&Proposed { hash, included: &included }, |p| {
				format!(
					"proposed {name} as {:?} in block #{} (fee {})",
					p.hash,
					p.included.block_number,
					format_opg(p.included.fee)
				)
			})
		}
		Command::Pack { kind, out, files, output, max_seq_length, pooling, normalize } => {
			let flags = OnnxFlags { output, max_seq_length, pooling, normalize };
			let (bytes, hash, schema) = if kind == ModelKind::Onnx {
				let (bytes, hash, schema) = pack_onnx(&files, flags)?;
				(bytes, hash, Some(schema))
			} else if flags.any() {
				return Err(Error::Invalid(
					"--output, --max-seq-length, --pooling and --normalize are for --kind onnx"
						.into(),
				));
			} else {
				let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
				let (bytes, hash) = models::pack(kind, &paths)?;
				(bytes, hash, None)
			};
			std::fs::write(&out, &bytes)
				.map_err(|e| Error::Invalid(format!("cannot write {}: {e}", out.display())))?;
			Output::of(&Packed { hash, file: out, size: bytes.len(), schema }, |p| {
				let mut text = format!("{:?} {} ({} bytes)", p.hash, p.file.display(), p.size);
				if let Some(schema) = &p.schema {
					text.push_str(&format!("\nschema {}", models::show_schema(schema)));
				}
				text
			})
		}
	}
}

/// The kind of the bundle at `path`, if it reads as one.
fn bundle_kind(path: &Path) -> Option<ModelKind> {
	let bytes = std::fs::read(path).ok()?;
	opg_primitives::bundle::BundleView::parse(&bytes).map(|view| view.kind).ok()
}

/// The schema of a bundle of kind onnx, inferred as `models pack` does; for other kinds, the
/// error that asks for one.
fn inferred_schema(bundle: &Path, max_batch: u32) -> Result<IoSchema, Error> {
	let bytes = std::fs::read(bundle)
		.map_err(|e| Error::Invalid(format!("cannot read bundle {}: {e}", bundle.display())))?;
	let kind = opg_primitives::bundle::BundleView::parse(&bytes).map(|view| view.kind).ok();
	match kind {
		Some(ModelKind::Onnx) => models::onnx_schema(&bytes, max_batch),
		Some(ModelKind::TextGeneration) => models::text_generation_schema(&bytes),
		_ => Err(Error::Invalid(
			"give --input-schema and --output-schema, or --schema-of (only bundles of kinds onnx \
			 and text-generation have their schema inferred)"
				.into(),
		)),
	}
	.map_err(|e| Error::Invalid(format!("{}: {e}", bundle.display())))
}

/// One line: name, state, price, schema, hash.
fn summary(model: &Model) -> String {
	format!(
		"{:<20} {:<9} {:>14}  {}  {:?}",
		model.name,
		format!("{:?}", model.state),
		format_opg(model.price),
		models::show_schema(&model.schema),
		model.model
	)
}

/// `models show`: the model's record in the registry, and its record of service.
#[derive(Serialize)]
struct Shown {
	#[serde(flatten)]
	model: Model,
	stats: ModelStats,
}

/// Everything the registry records.
fn details(model: &Model) -> String {
	let mut text = format!("{} ({:?}) {:?}\n", model.name, model.state, model.model);
	text.push_str(&format!("  price     {}\n", format_opg(model.price)));
	text.push_str(&format!("  schema    {}\n", models::show_schema(&model.schema)));
	text.push_str(&format!(
		"  kind      {:?}, {} bytes, config {:?}\n",
		model.kind, model.size, model.config_hash
	));
	text.push_str(&format!(
		"  owner     {} (deposit {})\n",
		model.owner,
		format_opg(model.deposit)
	));
	if !model.description.is_empty() {
		text.push_str(&format!("  about     {}\n", model.description));
	}
	for uri in &model.uris {
		text.push_str(&format!("  uri       {uri}\n"));
	}
	text
}
