//! `opg-cli models list | show | propose | pack`: the model registry.

use std::path::PathBuf;

use opg_client::{
	models::{self, Proposal},
	units::{format_opg, parse_opg},
	Error, Model,
};
use opg_primitives::ModelKind;
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
	/// Propose a model from its bundle file, under a deposit.
	Propose {
		/// The bundle (see `models pack`).
		bundle: PathBuf,
		/// A short name.
		#[arg(long)]
		name: String,
		/// Price per inference (OPG).
		#[arg(long)]
		price: String,
		/// Input schema: `f32[B,64]` (B = batch axis) or `text:<max bytes>`.
		#[arg(long, required_unless_present = "schema_of")]
		input_schema: Option<String>,
		/// Output schema: `f32[B,10]`.
		#[arg(long, required_unless_present = "schema_of")]
		output_schema: Option<String>,
		/// The largest batch.
		#[arg(long, default_value_t = 32)]
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
	/// Pack model files into a bundle (offline) and print its hash.
	Pack {
		/// The architecture (`--help` lists the files of each one's bundle).
		#[arg(long, ignore_case = true, value_parser = kind_parser())]
		kind: ModelKind,
		/// Where to write the bundle.
		#[arg(long, short)]
		out: PathBuf,
		/// The files.
		#[arg(required = true)]
		files: Vec<PathBuf>,
	},
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
			let model = ctx.client().await?.resolve_model(&model).await?;
			Output::of(&model, details)
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
			let client = ctx.client().await?;
			let schema = match (given, schema_of) {
				(Some(schema), _) => schema,
				(None, Some(other)) => client.resolve_model(&other).await?.schema,
				(None, None) => {
					return Err(Error::Invalid(
						"give --input-schema and --output-schema, or --schema-of".into(),
					))
				}
			};
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
		Command::Pack { kind, out, files } => {
			let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
			let (bytes, hash) = models::pack(kind, &paths)?;
			std::fs::write(&out, &bytes)
				.map_err(|e| Error::Invalid(format!("cannot write {}: {e}", out.display())))?;
			Output::of(&Packed { hash, file: out, size: bytes.len() }, |p| {
				format!("{:?} {} ({} bytes)", p.hash, p.file.display(), p.size)
			})
		}
	}
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
