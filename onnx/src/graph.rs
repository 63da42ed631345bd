//! A checked graph: parsed once, run many times.

use alloc::{
	collections::BTreeMap,
	format,
	string::{String, ToString},
	sync::Arc,
	vec::Vec,
};

use prost::Message;

use crate::{
	error::OnnxError,
	ops::{node_name, Op, ParseContext, RunContext},
	proto::{data_type, ModelProto, ValueInfoProto},
	value::{DType, Value},
	Exec, Limits,
};

/// The IR versions read (3: ONNX 1.0 ... 10: ONNX 1.16 and later).
pub const IR_VERSIONS: core::ops::RangeInclusive<i64> = 3..=11;
/// The opsets of the default domain whose operator definitions this crate follows.
pub const OPSETS: core::ops::RangeInclusive<i64> = 11..=22;

/// One axis of a graph input: a length, or symbolic (a `dim_param`, or unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputDim {
	/// Exactly this length.
	Fixed(usize),
	/// Any length (its `dim_param`, empty when unnamed).
	Symbolic(String),
}

/// A graph input that is not an initializer: what a caller must supply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
	/// Its name.
	pub name: String,
	/// Its element type.
	pub dtype: DType,
	/// Its axes.
	pub dims: Vec<InputDim>,
}

/// A graph output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
	/// Its name.
	pub name: String,
	/// Its declared element type, when supported.
	pub dtype: Option<DType>,
}

/// One node, ready to run.
#[derive(Clone, Debug)]
pub struct Step {
	/// The node's name (or its first output's).
	pub name: String,
	/// Its operator type.
	pub op_type: String,
	op: Op,
	/// Slots of its inputs (`None`: an omitted optional input).
	inputs: Vec<Option<usize>>,
	/// Slots of its outputs (`None`: an omitted optional output).
	outputs: Vec<Option<usize>>,
}

impl Step {
	/// Whether the step only relabels data: its output holds its input's elements unchanged
	/// (`Reshape`, `Flatten`, `Squeeze`, `Unsqueeze`, `Identity`, `Dropout`) or is a constant of
	/// the model (`Constant`). The engine does not hash these into the trace: their elements
	/// are hashed where they are computed.
	pub fn is_view(&self) -> bool {
		matches!(
			self.op,
			Op::Reshape { .. }
				| Op::Flatten { .. }
				| Op::Squeeze { .. }
				| Op::Unsqueeze { .. }
				| Op::Identity
				| Op::Constant(_)
		)
	}
}

/// A parsed, checked ONNX graph.
#[derive(Clone, Debug)]
pub struct Graph {
	/// The default domain's opset.
	pub opset: i64,
	inputs: Vec<(Input, usize)>,
	outputs: Vec<(Output, usize)>,
	constants: Vec<(usize, Arc<Value>)>,
	steps: Vec<Step>,
	/// For each slot, the last step that reads it (`usize::MAX`: a graph output, kept).
	last_use: Vec<usize>,
	slots: usize,
	limits: Limits,
}

fn input_of(info: &ValueInfoProto) -> Result<Input, OnnxError> {
	let tensor = info
		.r#type
		.as_ref()
		.and_then(|t| t.tensor_type.as_ref())
		.ok_or_else(|| OnnxError::UntypedInput(info.name.clone()))?;
	let dtype = DType::from_onnx(tensor.elem_type).ok_or_else(|| OnnxError::UnsupportedDType {
		what: format!("graph input {:?}", info.name),
		dtype: data_type::name(tensor.elem_type),
	})?;
	let shape = tensor.shape.as_ref().ok_or_else(|| OnnxError::UntypedInput(info.name.clone()))?;
	let dims = shape
		.dim
		.iter()
		.map(|d| match (d.dim_value, &d.dim_param) {
			(Some(v), _) if v > 0 => InputDim::Fixed(v as usize),
			(_, Some(p)) => InputDim::Symbolic(p.clone()),
			_ => InputDim::Symbolic(String::new()),
		})
		.collect();
	Ok(Input { name: info.name.clone(), dtype, dims })
}

impl Graph {
	/// Parses and checks an `.onnx` file: IR version and opset in range, every node's operator
	/// supported with attributes it understands, nodes in topological order, initializers
	/// decoded and within the limits, inputs typed.
	pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, OnnxError> {
		Self::parse_for(bytes, limits, None)
	}

	/// [`Graph::parse`], keeping only the graph outputs named in `wanted` (all when `None`) and
	/// the nodes they depend on: nodes whose results nothing wanted reads are dropped before
	/// they are checked (an exporter's post-processing, say, that the chain does not use).
	pub fn parse_for(
		bytes: &[u8],
		limits: &Limits,
		wanted: Option<&[&str]>,
	) -> Result<Self, OnnxError> {
		let model = ModelProto::decode(bytes).map_err(|e| OnnxError::Malformed(e.to_string()))?;
		if !IR_VERSIONS.contains(&model.ir_version) {
			return Err(OnnxError::UnsupportedIrVersion {
				found: model.ir_version,
				min: *IR_VERSIONS.start(),
				max: *IR_VERSIONS.end(),
			});
		}
		let opset = model
			.opset_import
			.iter()
			.find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
			.map(|o| o.version)
			.ok_or_else(|| {
				OnnxError::Malformed("no opset of the default domain is imported".into())
			})?;
		if !OPSETS.contains(&opset) {
			return Err(OnnxError::UnsupportedOpset {
				found: opset,
				min: *OPSETS.start(),
				max: *OPSETS.end(),
			});
		}
		let mut graph = model.graph.ok_or(OnnxError::NoGraph)?;
		if let Some(wanted) = wanted {
			if let Some(missing) =
				wanted.iter().find(|w| !graph.output.iter().any(|o| o.name == **w))
			{
				return Err(OnnxError::BadOutput(format!(
					"{missing:?} is not an output of the graph"
				)));
			}
			graph.output.retain(|o| wanted.contains(&o.name.as_str()));
			let mut needed: alloc::collections::BTreeSet<String> =
				graph.output.iter().map(|o| o.name.clone()).collect();
			let mut keep = alloc::vec![false; graph.node.len()];
			for (i, node) in graph.node.iter().enumerate().rev() {
				if node.output.iter().any(|o| needed.contains(o)) {
					keep[i] = true;
					needed.extend(node.input.iter().filter(|i| !i.is_empty()).cloned());
				}
			}
			let mut keep = keep.into_iter();
			graph.node.retain(|_| keep.next().unwrap_or(false));
		}
		if !graph.sparse_initializer.is_empty() {
			return Err(OnnxError::BadInitializer {
				name: String::from("(sparse)"),
				why: "sparse initializers are not supported".into(),
			});
		}
		if graph.node.len() > limits.max_nodes {
			return Err(OnnxError::TooManyNodes { found: graph.node.len(), max: limits.max_nodes });
		}

		let mut slots: BTreeMap<String, usize> = BTreeMap::new();
		let define = |name: &str,
		              node: &str,
		              slots: &mut BTreeMap<String, usize>|
		 -> Result<usize, OnnxError> {
			let next = slots.len();
			if slots.insert(name.to_string(), next).is_some() {
				return Err(OnnxError::BadEdge {
					node: node.into(),
					value: name.into(),
					why: "defined twice",
				});
			}
			Ok(next)
		};

		let mut total: u64 = 0;
		let mut constants = Vec::with_capacity(graph.initializer.len());
		let mut by_name: BTreeMap<String, Arc<Value>> = BTreeMap::new();
		for t in &graph.initializer {
			let value = Arc::new(Value::from_proto(t, limits.max_elements)?);
			total = total.saturating_add(value.len() as u64);
			if total > limits.max_initializer_elements {
				return Err(OnnxError::TooLarge {
					what: "the initializers together".into(),
					elements: total,
					max: limits.max_initializer_elements,
				});
			}
			let slot = define(&t.name, "(initializer)", &mut slots)?;
			by_name.insert(t.name.clone(), value.clone());
			constants.push((slot, value));
		}
		let mut inputs = Vec::new();
		for info in &graph.input {
			// Before IR 4, initializers are listed as inputs too.
			if by_name.contains_key(&info.name) {
				continue;
			}
			let input = input_of(info)?;
			let slot = define(&info.name, "(graph input)", &mut slots)?;
			inputs.push((input, slot));
		}

		let initializer = |name: &str| by_name.get(name).cloned();
		let cx = ParseContext { opset, limits, initializer: &initializer };
		let mut steps = Vec::with_capacity(graph.node.len());
		for node in &graph.node {
			let name = node_name(node);
			let op = Op::parse(node, &cx)?;
			let node_inputs = node
				.input
				.iter()
				.map(|i| {
					if i.is_empty() {
						return Ok(None);
					}
					slots.get(i).copied().map(Some).ok_or_else(|| OnnxError::BadEdge {
						node: name.clone(),
						value: i.clone(),
						why: "undefined (not an input, initializer or earlier node's output)",
					})
				})
				.collect::<Result<Vec<_>, _>>()?;
			let node_outputs =
				node.output
					.iter()
					.map(|o| {
						if o.is_empty() {
							Ok(None)
						} else {
							define(o, &name, &mut slots).map(Some)
						}
					})
					.collect::<Result<Vec<_>, _>>()?;
			steps.push(Step {
				name,
				op_type: node.op_type.clone(),
				op,
				inputs: node_inputs,
				outputs: node_outputs,
			});
		}

		let mut outputs = Vec::with_capacity(graph.output.len());
		for info in &graph.output {
			let slot = *slots.get(&info.name).ok_or_else(|| OnnxError::BadEdge {
				node: "(graph output)".into(),
				value: info.name.clone(),
				why: "undefined",
			})?;
			let dtype = info
				.r#type
				.as_ref()
				.and_then(|t| t.tensor_type.as_ref())
				.and_then(|t| DType::from_onnx(t.elem_type));
			outputs.push((Output { name: info.name.clone(), dtype }, slot));
		}
		if outputs.is_empty() {
			return Err(OnnxError::BadOutput("the graph has no outputs".into()));
		}

		let n = slots.len();
		let mut last_use = alloc::vec![0usize; n];
		for (i, step) in steps.iter().enumerate() {
			for slot in step.inputs.iter().flatten() {
				last_use[*slot] = i;
			}
		}
		for (_, slot) in &outputs {
			last_use[*slot] = usize::MAX;
		}
		Ok(Graph {
			opset,
			inputs,
			outputs,
			constants,
			steps,
			last_use,
			slots: n,
			limits: limits.clone(),
		})
	}

	/// The inputs a caller supplies, in the graph's order.
	pub fn inputs(&self) -> impl Iterator<Item = &Input> {
		self.inputs.iter().map(|(i, _)| i)
	}

	/// The graph's outputs, in order.
	pub fn outputs(&self) -> impl Iterator<Item = &Output> {
		self.outputs.iter().map(|(o, _)| o)
	}

	/// The elements of every initializer and constant node together (the model's weights).
	pub fn weight_elements(&self) -> u64 {
		let constants = self.steps.iter().filter_map(|s| match &s.op {
			Op::Constant(v) => Some(v.len() as u64),
			_ => None,
		});
		self.constants
			.iter()
			.map(|(_, v)| v.len() as u64)
			.chain(constants)
			.fold(0, u64::saturating_add)
	}

	/// Which steps' outputs make up a run's trace (one flag per step), the layer boundaries:
	/// in a graph with normalisations (`LayerNormalization`, `BatchNormalization`: the ends of
	/// a transformer's sublayers, of a CNN's convolution blocks), their outputs and the steps
	/// that compute graph outputs; in a graph without, every step but the views
	/// ([`Step::is_view`]). So the trace commits to the activations between layers, as the
	/// built-in architectures' traces do, at a cost that stays a small part of the run: a
	/// transformer's attention scores and feed-forward intermediates are not hashed.
	pub fn traced_steps(&self) -> Vec<bool> {
		let norm = |s: &Step| matches!(s.op, Op::LayerNorm(_) | Op::BatchNorm { .. });
		if self.steps.iter().any(norm) {
			let outputs: Vec<usize> = self.outputs.iter().map(|(_, slot)| *slot).collect();
			self.steps
				.iter()
				.map(|s| norm(s) || s.outputs.iter().flatten().any(|o| outputs.contains(o)))
				.collect()
		} else {
			self.steps.iter().map(|s| !s.is_view()).collect()
		}
	}

	/// The nodes, in execution order.
	pub fn steps(&self) -> &[Step] {
		&self.steps
	}

	/// The distinct operator types the graph uses, sorted.
	pub fn op_types(&self) -> Vec<&str> {
		let mut ops: Vec<&str> = self.steps.iter().map(|s| s.op_type.as_str()).collect();
		ops.sort_unstable();
		ops.dedup();
		ops
	}

	/// Runs the graph on `inputs` (one per [`Graph::inputs`], in order), calling `observe` with
	/// each step's index and outputs as they are computed, and returns the graph's outputs.
	pub fn run(
		&self,
		exec: &dyn Exec,
		inputs: Vec<Value>,
		observe: &mut dyn FnMut(usize, &[Arc<Value>]),
	) -> Result<Vec<Arc<Value>>, OnnxError> {
		if inputs.len() != self.inputs.len() {
			return Err(OnnxError::BadRunInput {
				input: String::new(),
				why: format!(
					"{} inputs given, the graph takes {}",
					inputs.len(),
					self.inputs.len()
				),
			});
		}
		let mut env: Vec<Option<Arc<Value>>> = alloc::vec![None; self.slots];
		for (slot, value) in &self.constants {
			env[*slot] = Some(value.clone());
		}
		for ((input, slot), value) in self.inputs.iter().zip(inputs) {
			let bad = |why: String| OnnxError::BadRunInput { input: input.name.clone(), why };
			if value.dtype != input.dtype {
				return Err(bad(format!(
					"{} given, {} expected",
					value.dtype.name(),
					input.dtype.name()
				)));
			}
			let fits = value.shape.len() == input.dims.len()
				&& value.shape.iter().zip(&input.dims).all(|(v, d)| match d {
					InputDim::Fixed(n) => v == n,
					InputDim::Symbolic(_) => true,
				});
			if !fits {
				return Err(bad(format!("shape {:?} does not fit {:?}", value.shape, input.dims)));
			}
			env[*slot] = Some(Arc::new(value));
		}
		for (i, step) in self.steps.iter().enumerate() {
			let args: Vec<Option<Arc<Value>>> =
				step.inputs.iter().map(|s| s.and_then(|s| env[s].clone())).collect();
			let cx = RunContext { exec, limits: &self.limits, node: &step.name, op: &step.op_type };
			let results = step.op.run(&cx, &args)?;
			drop(args);
			for result in &results {
				if result.len() as u64 > self.limits.max_elements {
					return Err(OnnxError::TooLarge {
						what: format!("the output of node {:?}", step.name),
						elements: result.len() as u64,
						max: self.limits.max_elements,
					});
				}
			}
			observe(i, &results);
			for (slot, value) in step.outputs.iter().zip(results) {
				if let Some(slot) = slot {
					env[*slot] = Some(value);
				}
			}
			// Frees what no later step reads.
			for slot in step.inputs.iter().flatten() {
				if self.last_use[*slot] == i {
					env[*slot] = None;
				}
			}
		}
		self.outputs
			.iter()
			.map(|(o, slot)| {
				env[*slot]
					.clone()
					.ok_or_else(|| OnnxError::BadOutput(format!("{:?} was not computed", o.name)))
			})
			.collect()
	}
}
