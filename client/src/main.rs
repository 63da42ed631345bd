//! `opg-cli`: the OPG appchain from the command line. `opg-cli --help` lists the commands.
//!
//! Human output by default (progress on stderr, answers on stdout); `--json` prints one JSON
//! value on stdout per command, for scripts. Exit codes: 0 success, 1 the chain or the node
//! refused (the error is named, with its documentation), 2 bad arguments or input (nothing was
//! sent).

use std::{
	io::{IsTerminal, Write},
	path::PathBuf,
	process::ExitCode,
	sync::{Arc, Mutex},
	time::Duration,
};

use clap::{Parser, Subcommand};
use opg_client::{
	bench::{BenchConfig, BenchReport, Percentiles},
	client::TxStage,
	executors, governance, keys,
	models::{self, Proposal},
	staking::{self, format_percent, parse_percent},
	units::{format_opg, parse_opg},
	Client, Error, Input, Model, RequestStage,
};
use opg_primitives::{json::TensorJson, InferenceOutput, ModelKind};
use serde_json::{json, Value};
use subxt_signer::sr25519::Keypair;

#[derive(Parser)]
#[command(
	name = "opg-cli",
	version,
	about = "Use the OPG appchain: models, inferences, executors, governance"
)]
struct Cli {
	/// The node's WebSocket RPC.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// Print JSON on stdout instead of text.
	#[arg(long, global = true)]
	json: bool,
	/// The signing account's secret URI (`//Alice` on dev chains, or a mnemonic).
	#[arg(long, global = true, conflicts_with = "keyfile")]
	suri: Option<String>,
	/// A key file: a secret URI on one line, or a polkadot.js JSON export.
	#[arg(long, global = true)]
	keyfile: Option<PathBuf>,
	/// The password of a polkadot.js key file.
	#[arg(long, global = true)]
	password: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The model registry.
	#[command(subcommand)]
	Models(ModelsCommand),
	/// Request an inference; with --wait, follow it to its final result.
	Request {
		/// The model: its name or hash.
		model: String,
		/// The input as JSON, or @file: nested arrays (`[[0.1, …]]`), one sample (`[0.1, …]`),
		/// a tensor object `{"dtype","shape","values"}`, or strings for a text model.
		#[arg(long, conflicts_with = "text", required_unless_present = "text")]
		input: Option<String>,
		/// A text for a text model (repeat for a batch).
		#[arg(long)]
		text: Vec<String>,
		/// The most to pay (OPG); the model's price by default.
		#[arg(long)]
		max_fee: Option<String>,
		/// Wait for the result and its finality.
		#[arg(long)]
		wait: bool,
		/// Give up waiting after this many seconds.
		#[arg(long, default_value_t = 600)]
		timeout: u64,
		/// Send even if the input does not fit the model's schema (the chain refuses it).
		#[arg(long, hide = true)]
		no_check: bool,
	},
	/// A request, its status and its result.
	Result {
		/// The request id.
		id: u64,
	},
	/// Challenge a result in its challenge window (holds the challenge bond until the verdict).
	Challenge {
		/// The request id.
		id: u64,
	},
	/// The dispute of a request: committee and votes, or the verdict and amounts.
	Dispute {
		/// The request id.
		id: u64,
	},
	/// Executors: bond OPG and a node key to answer requests.
	#[command(subcommand)]
	Executor(ExecutorCommand),
	/// Staking: delegate OPG to an executor, undelegate, withdraw; stakes and positions.
	#[command(subcommand)]
	Stake(StakeCommand),
	/// Governance of listings (OpenGov referenda) and sudo on dev chains.
	#[command(subcommand)]
	Govern(GovernCommand),
	/// An account's free balance.
	Balance {
		/// SS58 address; the signer's by default.
		account: Option<String>,
	},
	/// A load test: N requests from M accounts, with throughput and latency percentiles.
	Bench {
		/// Requests in all.
		#[arg(long, default_value_t = 100)]
		requests: u32,
		/// Sending accounts (funded by --suri).
		#[arg(long, default_value_t = 10)]
		accounts: u32,
		/// The model.
		#[arg(long, default_value = "digits-mlp")]
		model: String,
		/// The input (as for `request`); a fixed pseudo-random sample by default.
		#[arg(long)]
		input: Option<String>,
		/// Give up after this many seconds.
		#[arg(long, default_value_t = 900)]
		timeout: u64,
	},
	/// Write the node's runtime metadata (SCALE, version 16) to a file.
	Metadata {
		/// Where to write.
		#[arg(long, short)]
		out: PathBuf,
	},
}

#[derive(Subcommand)]
enum ModelsCommand {
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

#[derive(Subcommand)]
enum ExecutorCommand {
	/// Bond OPG: registers the signer with its node's key the first time, adds later.
	Bond {
		/// Amount (OPG).
		amount: String,
		/// The node's `infr` public key (hex; `author_rotateKeys` or `key insert` on the node).
		#[arg(long)]
		key: Option<String>,
	},
	/// Have the node (`--url`) generate session keys and set them for the signer, to be
	/// electable as a validator; prints the `infr` key to bond with.
	Keys,
	/// Start unbonding: no new requests; the bond unlocks after the unbonding period.
	Unbond,
	/// Withdraw an unlocked bond.
	Withdraw,
	/// An executor's bond, state and pending requests.
	Status {
		/// SS58 address; the signer's by default.
		account: Option<String>,
	},
}

#[derive(Subcommand)]
enum StakeCommand {
	/// Delegate OPG to an executor: it adds to its stake and earns a share of its fees.
	Delegate {
		/// The executor (SS58).
		executor: String,
		/// Amount (OPG).
		amount: String,
	},
	/// Undelegate from an executor (everything without an amount); withdraw it after the delay.
	Undelegate {
		/// The executor (SS58).
		executor: String,
		/// Amount (OPG); everything if left out.
		amount: Option<String>,
	},
	/// Withdraw what was undelegated from an executor, once unlocked.
	Withdraw {
		/// The executor (SS58).
		executor: String,
	},
	/// An account's stake: its positions as a delegator, and as an executor its stake and terms.
	Status {
		/// SS58 address; the signer's by default.
		account: Option<String>,
	},
	/// Every executor's stake, the highest first (validators marked).
	Executors,
	/// Set the signer's commission as an executor (percent): lower at once, higher after a delay.
	Commission {
		/// Percent of the delegators' share, e.g. `5` or `2.5`.
		percent: String,
	},
}

#[derive(Subcommand)]
enum GovernCommand {
	/// Put listing a model to a referendum (preimage, submission, decision deposit).
	ProposeListing {
		/// Name or hash.
		model: String,
	},
	/// Vote on a referendum.
	Vote {
		/// The referendum's index.
		index: u32,
		/// `aye` or `nay`.
		#[arg(value_parser = ["aye", "nay"])]
		side: String,
		/// OPG to vote (and lock) with.
		#[arg(long)]
		amount: String,
		/// Conviction: 0.1x (no lock) or 1x … 6x.
		#[arg(long, default_value = "1x")]
		conviction: String,
	},
	/// A referendum's state and tally.
	Referendum {
		/// The referendum's index.
		index: u32,
	},
	/// List a model at once with the sudo key (dev and local chains).
	SudoList {
		/// Name or hash.
		model: String,
	},
}

/// Progress on stderr: a spinner on a terminal, one line per stage otherwise; silent with --json.
#[derive(Clone)]
struct Progress {
	line: Arc<Mutex<String>>,
	quiet: bool,
	tty: bool,
}

impl Progress {
	fn new(quiet: bool) -> Progress {
		let progress = Progress {
			line: Arc::new(Mutex::new(String::new())),
			quiet,
			tty: std::io::stderr().is_terminal(),
		};
		if !quiet && progress.tty {
			let line = progress.line.clone();
			tokio::spawn(async move {
				const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
				for frame in FRAMES.iter().cycle() {
					let text = line.lock().map(|l| l.clone()).unwrap_or_default();
					if !text.is_empty() {
						eprint!("\r\x1b[2K{frame} {text}");
					}
					tokio::time::sleep(Duration::from_millis(100)).await;
				}
			});
		}
		progress
	}

	fn stage(&self, text: String) {
		if self.quiet {
			return;
		}
		if !self.tty {
			eprintln!("[opg-cli] {text}");
		}
		if let Ok(mut line) = self.line.lock() {
			*line = text;
		}
	}

	fn tx(&self) -> impl FnMut(&TxStage) + '_ {
		|stage| {
			self.stage(match stage {
				TxStage::Signed => "signed, sending".into(),
				TxStage::InPool => "in pool".into(),
				TxStage::InBlock { number, .. } => format!("in block #{number}"),
			})
		}
	}

	fn done(&self) {
		if !self.quiet && self.tty {
			if let Ok(mut line) = self.line.lock() {
				line.clear();
			}
			eprint!("\r\x1b[2K");
			let _ = std::io::stderr().flush();
		}
	}
}

fn signer(cli: &Cli) -> Result<Keypair, Error> {
	match (&cli.suri, &cli.keyfile) {
		(Some(suri), _) => keys::from_suri(suri),
		(None, Some(path)) => keys::from_file(path, cli.password.as_deref()),
		(None, None) => Err(Error::Invalid("this command signs: give --suri or --keyfile".into())),
	}
}

fn account_arg(cli: &Cli, account: &Option<String>) -> Result<opg_client::AccountId, Error> {
	match account {
		Some(text) => {
			text.parse().map_err(|_| Error::Invalid(format!("`{text}` is not an SS58 address")))
		}
		None => Ok(keys::account(&signer(cli)?)),
	}
}

fn read_json(text: &str) -> Result<Value, Error> {
	let source = match text.strip_prefix('@') {
		Some(path) => std::fs::read_to_string(path)
			.map_err(|e| Error::Invalid(format!("cannot read {path}: {e}")))?,
		None => text.to_string(),
	};
	serde_json::from_str(&source).map_err(|e| Error::Input(format!("not JSON: {e}")))
}

/// A deterministic input for `schema` (a tensor of values in 0..16, as the digits model takes).
fn sample_input(model: &Model) -> Result<Input, Error> {
	use opg_primitives::{Dim, InputSchema};
	match &model.schema().input {
		InputSchema::Text { .. } => {
			Input::from_texts(model.schema(), &["a benchmark sentence".into()])
		}
		InputSchema::Tensor(schema) => {
			let shape: Vec<u64> = schema
				.dims
				.iter()
				.map(|d| if let Dim::Fixed(n) = d { u64::from(*n) } else { 1 })
				.collect();
			let count: u64 = shape.iter().product();
			let values: Vec<Value> = (0..count).map(|i| json!((i * 7 + 3) % 17)).collect();
			let shape: Vec<u32> = shape.iter().map(|&d| d as u32).collect();
			Input::from_json(
				model.schema(),
				&json!({"dtype": schema.dtype, "shape": shape, "values": values}),
			)
		}
	}
}

fn show_output(output: &InferenceOutput) -> String {
	let tensor = TensorJson::from(output.tensor());
	let shown: Vec<String> = tensor
		.values
		.iter()
		.take(12)
		.map(|v| match v.as_f64() {
			Some(x) if v.is_f64() => format!("{x:.4}"),
			_ => v.to_string(),
		})
		.collect();
	let more = if tensor.values.len() > 12 { ", …" } else { "" };
	let mut text = format!("{:?}{:?} [{}{more}]", tensor.dtype, tensor.shape, shown.join(", "));
	// For a [batch, classes] output, the argmax of each row: a classifier's answer.
	if let [rows, cols] = tensor.shape[..] {
		let cols = cols as usize;
		if cols > 1 {
			let argmax: Vec<String> = (0..rows as usize)
				.filter_map(|r| {
					let row = tensor.values.get(r * cols..(r + 1) * cols)?;
					row.iter()
						.enumerate()
						.filter_map(|(i, v)| v.as_f64().map(|x| (i, x)))
						.max_by(|a, b| a.1.total_cmp(&b.1))
						.map(|(i, _)| i.to_string())
				})
				.collect();
			text.push_str(&format!("  argmax {}", argmax.join(", ")));
		}
	}
	text
}

fn print_model(model: &Model) {
	println!("{} ({}) {:?}", model.name, model.state, model.hash);
	println!("  price     {}", format_opg(model.price));
	println!("  schema    {}", models::show_schema(model.schema()));
	println!(
		"  kind      {:?}, {} bytes, config {:?}",
		model.spec.kind, model.size, model.spec.config_hash
	);
	println!("  owner     {} (deposit {})", model.owner, format_opg(model.deposit));
	if !model.description.is_empty() {
		println!("  about     {}", model.description);
	}
	for uri in &model.uris {
		println!("  uri       {uri}");
	}
}

fn print_percentiles(name: &str, unit: &str, p: &Percentiles) {
	println!(
		"  {name:<26} p50 {:>7.2}  p90 {:>7.2}  p99 {:>7.2}  max {:>7.2} {unit}  (n = {})",
		p.p50, p.p90, p.p99, p.max, p.n
	);
}

fn print_bench(report: &BenchReport) {
	println!(
		"{} requests: {} answered, {} final, {} corrected, {} refunded",
		report.submitted, report.answered, report.finalized, report.corrected, report.refunded
	);
	println!(
		"throughput: {:.2} final requests per block, {:.3} per second ({} blocks, {:.1} s)",
		report.final_per_block, report.final_per_second, report.blocks, report.seconds
	);
	println!(
		"largest block: {} requests, {} results",
		report.max_requests_per_block, report.max_results_per_block
	);
	println!("latency from submission:");
	print_percentiles("to result (blocks)", "", &report.result_blocks);
	print_percentiles("to result (seconds)", "s", &report.result_seconds);
	print_percentiles("to paid (blocks)", "", &report.final_blocks);
	print_percentiles("to paid + finalized (s)", "s", &report.final_seconds);
}

async fn run(cli: &Cli) -> Result<Value, Error> {
	let progress = Progress::new(cli.json);
	// Offline commands first.
	if let Command::Models(ModelsCommand::Pack { kind, out, files }) = &cli.command {
		let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
		let (bytes, hash) = models::pack(*kind, &paths)?;
		std::fs::write(out, &bytes)
			.map_err(|e| Error::Invalid(format!("cannot write {}: {e}", out.display())))?;
		if !cli.json {
			println!("{hash:?} {} ({} bytes)", out.display(), bytes.len());
		}
		return Ok(json!({"hash": hash, "file": out, "size": bytes.len()}));
	}
	// Arguments are checked before connecting.
	let needs_signer = !matches!(
		cli.command,
		Command::Models(ModelsCommand::List | ModelsCommand::Show { .. })
			| Command::Result { .. }
			| Command::Dispute { .. }
			| Command::Metadata { .. }
			| Command::Govern(GovernCommand::Referendum { .. })
			| Command::Executor(ExecutorCommand::Status { account: Some(_) })
			| Command::Stake(StakeCommand::Status { account: Some(_) } | StakeCommand::Executors)
			| Command::Balance { account: Some(_) }
	);
	let signer = if needs_signer { Some(signer(cli)?) } else { None };
	let signer = || signer.as_ref().ok_or_else(|| Error::Invalid("no signer".into()));

	progress.stage(format!("connecting to {}", cli.url));
	let client = Client::connect(&cli.url).await?;
	let result = match &cli.command {
		Command::Models(ModelsCommand::Pack { .. }) => Ok(Value::Null),
		Command::Models(ModelsCommand::List) => {
			let models = client.models().await?;
			progress.done();
			if !cli.json {
				for model in &models {
					println!(
						"{:<20} {:<9} {:>14}  {}  {:?}",
						model.name,
						model.state,
						format_opg(model.price),
						models::show_schema(model.schema()),
						model.hash
					);
				}
			}
			Ok(json!(models))
		}
		Command::Models(ModelsCommand::Show { model }) => {
			let model = client.resolve_model(model).await?;
			progress.done();
			if !cli.json {
				print_model(&model);
			}
			Ok(json!(model))
		}
		Command::Models(ModelsCommand::Propose {
			bundle,
			name,
			price,
			input_schema,
			output_schema,
			max_batch,
			schema_of,
			description,
			uris,
		}) => {
			let schema = match (schema_of, input_schema, output_schema) {
				(Some(other), _, _) => client.resolve_model(other).await?.spec.schema,
				(None, Some(input), Some(output)) => {
					models::parse_schema(input, output, *max_batch)?
				}
				_ => {
					return Err(Error::Invalid(
						"give --input-schema and --output-schema, or --schema-of".into(),
					))
				}
			};
			let proposal = Proposal::from_bundle(
				bundle,
				schema,
				name.clone(),
				description.clone(),
				parse_opg(price)?,
				uris.clone(),
			)?;
			let (hash, included) = client.propose_model(signer()?, proposal, progress.tx()).await?;
			progress.done();
			if !cli.json {
				println!(
					"proposed {name} as {hash:?} in block #{} (fee {})",
					included.block_number,
					format_opg(included.fee)
				);
			}
			Ok(
				json!({"hash": hash, "block": included.block_number, "fee": included.fee.to_string()}),
			)
		}
		Command::Request { model, input, text, max_fee, wait, timeout, no_check } => {
			let model = client.resolve_model(model).await?;
			let input = match input {
				Some(json_text) => {
					let value = read_json(json_text)?;
					if *no_check {
						unchecked_input(&model, &value)?
					} else {
						Input::from_json(model.schema(), &value)?
					}
				}
				None => Input::from_texts(model.schema(), text)?,
			};
			if !model.is_listed() && !no_check {
				return Err(Error::UnknownModel(format!(
					"{} is {}, not listed: requests are refused",
					model.name, model.state
				)));
			}
			let max_fee = max_fee.as_deref().map(parse_opg).transpose()?;
			let submitted =
				client.request(signer()?, &model, input, max_fee, progress.tx()).await?;
			let mut answer = json!({
				"id": submitted.id,
				"executor": submitted.executor.to_string(),
				"fee": submitted.fee.to_string(),
				"deadline": submitted.deadline,
				"block": submitted.included.block_number,
				"txFee": submitted.included.fee.to_string(),
			});
			if !cli.json {
				progress.done();
				println!(
					"request {} in block #{}: {} held, executor {} (answers by block #{})",
					submitted.id,
					submitted.included.block_number,
					format_opg(submitted.fee),
					submitted.executor,
					submitted.deadline
				);
			}
			if *wait {
				let done = client
					.wait_final(submitted.id, Duration::from_secs(*timeout), |stage| {
						progress.stage(match stage {
							RequestStage::Assigned { executor, deadline } =>
								format!("request {}: waiting for {executor}'s result (deadline #{deadline})", submitted.id),
							RequestStage::Answered { at, challenge_end, .. } =>
								format!("request {}: result in block #{at}, challenge window until #{challenge_end}", submitted.id),
							RequestStage::Disputed => format!("request {}: challenged, the committee is voting", submitted.id),
							RequestStage::Settled { at } =>
								format!("request {}: final in block #{at}, waiting for finality", submitted.id),
						})
					})
					.await?;
				progress.done();
				if !cli.json {
					println!(
						"request {}: {} (finalized #{})",
						done.request.id, done.request.status, done.finalized_at
					);
					match &done.result {
						Some(result) => {
							println!("output   {}", show_output(&result.output));
							println!("hash     {:?}", result.output_hash);
							println!("trace    {:?}", result.trace_root);
						}
						None => println!("no result: the fee was refunded"),
					}
				}
				answer["final"] = json!({
					"request": done.request,
					"result": done.result,
					"finalizedAt": done.finalized_at,
				});
			}
			Ok(answer)
		}
		Command::Result { id } => {
			let (request, result) = client.request_with_result(*id).await?;
			progress.done();
			if !cli.json {
				println!(
					"request {} by {} of model {:?}: {}",
					request.id, request.requester, request.model, request.status
				);
				println!("fee      {}", format_opg(request.fee));
				match &result {
					Some(result) => {
						println!("output   {}", show_output(&result.output));
						println!(
							"hash     {:?} (submitted in #{})",
							result.output_hash, result.submitted_at
						);
					}
					None => println!("no result yet"),
				}
			}
			Ok(json!({"request": request, "result": result}))
		}
		Command::Challenge { id } => {
			let included = client.challenge(signer()?, *id, progress.tx()).await?;
			progress.done();
			if !cli.json {
				println!(
					"challenged request {id} in block #{}; `opg-cli dispute {id}` follows it",
					included.block_number
				);
			}
			Ok(json!({"block": included.block_number, "fee": included.fee.to_string()}))
		}
		Command::Dispute { id } => {
			let dispute = client.dispute(*id).await?;
			progress.done();
			if !cli.json {
				match &dispute {
					Value::Null => println!("request {id} has no dispute"),
					other => {
						println!("{}", serde_json::to_string_pretty(other).unwrap_or_default())
					}
				}
			}
			Ok(dispute)
		}
		Command::Executor(command) => executor(cli, &client, &progress, command, signer).await,
		Command::Stake(command) => stake(cli, &client, &progress, command, signer).await,
		Command::Govern(command) => govern(cli, &client, &progress, command, signer).await,
		Command::Balance { account } => {
			let who = account_arg(cli, account)?;
			let free = client.free_balance(&who).await?;
			progress.done();
			if !cli.json {
				println!("{who}: {} free", format_opg(free));
			}
			Ok(json!({"account": who.to_string(), "free": free.to_string()}))
		}
		Command::Bench { requests, accounts, model, input, timeout } => {
			let model = client.resolve_model(model).await?;
			let input = match input {
				Some(text) => Input::from_json(model.schema(), &read_json(text)?)?,
				None => sample_input(&model)?,
			};
			let config = BenchConfig {
				requests: *requests,
				accounts: *accounts,
				funder: signer()?.clone(),
				model,
				input,
				timeout: Duration::from_secs(*timeout),
			};
			let quiet = cli.json;
			let report = client
				.bench(config, |line| {
					if !quiet {
						eprintln!("[bench] {line}");
					}
				})
				.await?;
			if !cli.json {
				print_bench(&report);
			}
			Ok(json!(report))
		}
		Command::Metadata { out } => {
			let bytes = client
				.api()
				.at_current_block()
				.await?
				.runtime_apis()
				.call_raw("Metadata_metadata_at_version", Some(&codec::Encode::encode(&16u32)))
				.await?;
			// `Option<OpaqueMetadata>`: a `Some` byte, a length, the metadata.
			let metadata: Option<Vec<u8>> = codec::Decode::decode(&mut &bytes[..])
				.map_err(|e| Error::Decode(format!("metadata: {e}")))?;
			let metadata =
				metadata.ok_or_else(|| Error::Decode("the node has no v16 metadata".into()))?;
			std::fs::write(out, &metadata)
				.map_err(|e| Error::Invalid(format!("cannot write {}: {e}", out.display())))?;
			progress.done();
			if !cli.json {
				println!("{} bytes to {}", metadata.len(), out.display());
			}
			Ok(json!({"bytes": metadata.len()}))
		}
	};
	progress.done();
	result
}

/// The input as given, without checking it against the schema (to see the chain refuse it).
fn unchecked_input(model: &Model, value: &Value) -> Result<Input, Error> {
	use opg_primitives::{json::tensor_from_nested, InferenceInput, InputSchema};
	match &model.schema().input {
		InputSchema::Tensor(schema) => Ok(Input(InferenceInput::Tensor(
			tensor_from_nested(schema.dtype, value).map_err(|e| Error::Input(e.to_string()))?,
		))),
		InputSchema::Text { .. } => Input::from_json(model.schema(), value),
	}
}

async fn executor<'a>(
	cli: &Cli,
	client: &Client,
	progress: &Progress,
	command: &ExecutorCommand,
	signer: impl Fn() -> Result<&'a Keypair, Error>,
) -> Result<Value, Error> {
	let included = match command {
		ExecutorCommand::Status { account } => {
			let who = account_arg(cli, account)?;
			let status = client.executor(&who).await?;
			progress.done();
			if !cli.json {
				match &status {
					Some(e) => {
						println!("{} {}: bond {}", e.account, e.state, format_opg(e.bond));
						println!("  key      {}", e.key);
						if let Some(at) = e.unlocks_at {
							println!("  unlocks  #{at}");
						}
						println!("  pending  {:?}", e.pending);
					}
					None => println!("{who} is not an executor"),
				}
			}
			return Ok(json!(status));
		}
		ExecutorCommand::Bond { amount, key } => {
			let key = key.as_deref().map(executors::parse_key).transpose()?;
			client.bond(signer()?, parse_opg(amount)?, key, progress.tx()).await?
		}
		ExecutorCommand::Keys => {
			let (infr, included) = client.rotate_session_keys(signer()?, progress.tx()).await?;
			progress.done();
			let infr = executors::to_hex(&infr);
			if !cli.json {
				println!("in block #{}: session keys set; infr key {infr}", included.block_number);
			}
			return Ok(json!({"block": included.block_number, "infr": infr}));
		}
		ExecutorCommand::Unbond => client.unbond(signer()?, progress.tx()).await?,
		ExecutorCommand::Withdraw => client.withdraw(signer()?, progress.tx()).await?,
	};
	progress.done();
	let who = keys::account(signer()?);
	let status = client.executor(&who).await?;
	if !cli.json {
		match &status {
			Some(e) => println!(
				"in block #{}: {} {}, bond {}",
				included.block_number,
				e.account,
				e.state,
				format_opg(e.bond)
			),
			None => println!("in block #{}: {who} is no longer an executor", included.block_number),
		}
	}
	Ok(json!({"block": included.block_number, "executor": status}))
}

fn print_stake(s: &staking::StakeView) {
	let role = if s.validator { "validator" } else { "not validating" };
	println!("{} {} ({role}): stake {}", s.executor, s.state, format_opg(s.stake));
	println!("  bond        {}", format_opg(s.bond));
	println!(
		"  delegated   {} by {} delegators ({} unbonding)",
		format_opg(s.delegated),
		s.delegators,
		format_opg(s.unbonding)
	);
	print!("  commission  {}", format_percent(s.commission_perbill));
	match s.next_commission {
		Some((next, from)) => println!(", {} from #{from}", format_percent(next)),
		None => println!(),
	}
	println!(
		"  earned      {} (delegators: {})",
		format_opg(s.earned),
		format_opg(s.delegator_rewards)
	);
}

fn print_position(p: &staking::PositionView) {
	print!(
		"  with {}: {} active ({} of the pool)",
		p.executor,
		format_opg(p.active),
		format_percent(p.share_perbill)
	);
	match p.unlocks_at {
		Some(at) => println!(", {} unbonding until #{at}", format_opg(p.unbonding)),
		None => println!(),
	}
}

async fn stake<'a>(
	cli: &Cli,
	client: &Client,
	progress: &Progress,
	command: &StakeCommand,
	signer: impl Fn() -> Result<&'a Keypair, Error>,
) -> Result<Value, Error> {
	let executor_arg = |text: &String| account_arg(cli, &Some(text.clone()));
	let included = match command {
		StakeCommand::Status { account } => {
			let who = account_arg(cli, account)?;
			let positions = client.positions(&who).await?;
			let as_executor = client.stake(&who).await?;
			progress.done();
			if !cli.json {
				if let Some(s) = &as_executor {
					print_stake(s);
				}
				if positions.is_empty() {
					println!("{who} delegates to nobody");
				} else {
					println!("{who} delegates:");
					positions.iter().for_each(print_position);
				}
			}
			return Ok(
				json!({"account": who.to_string(), "executor": as_executor, "positions": positions}),
			);
		}
		StakeCommand::Executors => {
			let all = client.stakes().await?;
			progress.done();
			if !cli.json {
				all.iter().for_each(print_stake);
			}
			return Ok(json!(all));
		}
		StakeCommand::Delegate { executor, amount } => {
			let executor = executor_arg(executor)?;
			client.delegate(signer()?, &executor, parse_opg(amount)?, progress.tx()).await?
		}
		StakeCommand::Undelegate { executor, amount } => {
			let executor = executor_arg(executor)?;
			let amount = amount.as_deref().map(parse_opg).transpose()?;
			client.undelegate(signer()?, &executor, amount, progress.tx()).await?
		}
		StakeCommand::Withdraw { executor } => {
			let executor = executor_arg(executor)?;
			client.withdraw_delegation(signer()?, &executor, progress.tx()).await?
		}
		StakeCommand::Commission { percent } => {
			let perbill = parse_percent(percent)?;
			client.set_commission(signer()?, perbill, progress.tx()).await?
		}
	};
	progress.done();
	let who = keys::account(signer()?);
	let positions = client.positions(&who).await?;
	let as_executor = client.stake(&who).await?;
	if !cli.json {
		println!("in block #{}:", included.block_number);
		if let (StakeCommand::Commission { .. }, Some(s)) = (command, &as_executor) {
			print_stake(s);
		}
		positions.iter().for_each(print_position);
	}
	Ok(json!({"block": included.block_number, "executor": as_executor, "positions": positions}))
}

async fn govern<'a>(
	cli: &Cli,
	client: &Client,
	progress: &Progress,
	command: &GovernCommand,
	signer: impl Fn() -> Result<&'a Keypair, Error>,
) -> Result<Value, Error> {
	match command {
		GovernCommand::ProposeListing { model } => {
			let model = client.resolve_model(model).await?;
			let proposed = client.propose_listing(signer()?, model.hash, progress.tx()).await?;
			progress.done();
			if !cli.json {
				println!(
					"referendum {} on the model_listing track: list {} ({:?}); vote with `opg-cli govern vote {} aye --amount …`",
					proposed.index, model.name, model.hash, proposed.index
				);
			}
			Ok(
				json!({"index": proposed.index, "preimage": proposed.preimage, "fees": proposed.fees.to_string()}),
			)
		}
		GovernCommand::Vote { index, side, amount, conviction } => {
			let included = client
				.vote(
					signer()?,
					*index,
					side == "aye",
					parse_opg(amount)?,
					governance::parse_conviction(conviction)?,
					progress.tx(),
				)
				.await?;
			progress.done();
			if !cli.json {
				println!("voted {side} on referendum {index} in block #{}", included.block_number);
			}
			Ok(json!({"block": included.block_number}))
		}
		GovernCommand::Referendum { index } => {
			let referendum = client.referendum(*index).await?;
			progress.done();
			if !cli.json {
				match &referendum {
					Some(r) => println!("{}", serde_json::to_string_pretty(r).unwrap_or_default()),
					None => println!("referendum {index} does not exist"),
				}
			}
			Ok(json!(referendum))
		}
		GovernCommand::SudoList { model } => {
			let model = client.resolve_model(model).await?;
			let included = client.sudo_list(signer()?, model.hash, progress.tx()).await?;
			progress.done();
			if !cli.json {
				println!(
					"listed {} ({:?}) in block #{}",
					model.name, model.hash, included.block_number
				);
			}
			Ok(json!({"block": included.block_number}))
		}
	}
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(runtime) => runtime,
		Err(e) => {
			eprintln!("error: cannot start: {e}");
			return ExitCode::FAILURE;
		}
	};
	match runtime.block_on(run(&cli)) {
		Ok(value) => {
			if cli.json {
				println!("{value}");
			}
			ExitCode::SUCCESS
		}
		Err(error) => {
			let code = match error {
				Error::Input(_) | Error::Invalid(_) | Error::UnknownModel(_) => 2,
				_ => 1,
			};
			if cli.json {
				let detail = match error.chain() {
					Some(chain) => {
						json!({"pallet": chain.pallet, "name": chain.name, "docs": chain.docs, "txFee": chain.fee.to_string()})
					}
					None => Value::Null,
				};
				println!("{}", json!({"error": error.to_string(), "chainError": detail}));
			}
			eprintln!("error: {error}");
			ExitCode::from(code)
		}
	}
}
