//! Why a graph cannot be loaded or run: one typed error, naming the node or value at fault.

use alloc::string::String;

/// Why an ONNX model cannot be loaded, checked or run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OnnxError {
	/// The bytes are not a protobuf `ModelProto` (truncated, garbage, invalid UTF-8 in a name).
	#[error("not an ONNX model: {0}")]
	Malformed(String),
	/// The model has no graph.
	#[error("the ONNX model has no graph")]
	NoGraph,
	/// The model's IR version is outside the supported range.
	#[error("ONNX IR version {found} is not supported (supported: {min} to {max})")]
	UnsupportedIrVersion {
		/// The model's IR version.
		found: i64,
		/// The oldest supported.
		min: i64,
		/// The newest supported.
		max: i64,
	},
	/// The model imports the default operator set at a version outside the supported range.
	#[error(
		"opset {found} of the default ONNX domain is not supported (supported: {min} to {max})"
	)]
	UnsupportedOpset {
		/// The imported version.
		found: i64,
		/// The oldest supported.
		min: i64,
		/// The newest supported.
		max: i64,
	},
	/// A node uses an operator this crate does not implement (or of another domain).
	#[error("node {node:?}: operator {domain}{op} is not supported")]
	UnsupportedOp {
		/// The node's name (or its first output's when unnamed).
		node: String,
		/// The operator type.
		op: String,
		/// The domain with a trailing `.`, or empty for the default domain.
		domain: String,
	},
	/// An attribute is missing, of the wrong type, or has a value this crate does not support.
	#[error("node {node:?} ({op}): attribute {attribute}: {why}")]
	BadAttribute {
		/// The node.
		node: String,
		/// Its operator.
		op: String,
		/// The attribute.
		attribute: String,
		/// What is wrong.
		why: String,
	},
	/// A tensor's element type is not one of FLOAT, INT64, INT32 and BOOL.
	#[error("{what}: element type {dtype} is not supported (FLOAT, INT64, INT32, BOOL are)")]
	UnsupportedDType {
		/// The tensor (initializer, input, output or node).
		what: String,
		/// The ONNX data type's name.
		dtype: &'static str,
	},
	/// A graph input has a dimension that is neither fixed nor the batch axis (a symbolic
	/// first axis); text models may also have a symbolic sequence axis.
	#[error("graph input {input:?}: axis {axis} is dynamic (only the first axis may be)")]
	DynamicDim {
		/// The input.
		input: String,
		/// The axis.
		axis: usize,
	},
	/// A graph input has no tensor type or shape.
	#[error("graph input {0:?} has no tensor type and shape")]
	UntypedInput(String),
	/// The graph's inputs are not what a model of the chain takes: one float tensor, or the
	/// token inputs of a text model.
	#[error("graph inputs: {0}")]
	BadInputs(String),
	/// The configured output is not a graph output, or not a float tensor.
	#[error("graph output: {0}")]
	BadOutput(String),
	/// An initializer's data do not match its dims and type, or use external data.
	#[error("initializer {name:?}: {why}")]
	BadInitializer {
		/// The initializer.
		name: String,
		/// What is wrong.
		why: String,
	},
	/// A tensor (an initializer, or a value computed while running) has more elements than
	/// allowed, or the initializers together do.
	#[error("{what}: {elements} elements exceed the limit of {max}")]
	TooLarge {
		/// The tensor, or "initializers".
		what: String,
		/// Its element count (saturated).
		elements: u64,
		/// The limit.
		max: u64,
	},
	/// More nodes than allowed.
	#[error("{found} nodes exceed the limit of {max}")]
	TooManyNodes {
		/// The graph's node count.
		found: usize,
		/// The limit.
		max: usize,
	},
	/// A node reads a value that no earlier node, initializer or input defines (the graph is
	/// not in topological order, or has a dangling edge), or a value is defined twice.
	#[error("node {node:?}: value {value:?} is {why}")]
	BadEdge {
		/// The node.
		node: String,
		/// The value's name.
		value: String,
		/// "undefined" or "defined twice".
		why: &'static str,
	},
	/// A node was given inputs it cannot work on (shapes that do not broadcast, a rank it
	/// does not support, an index out of range, a wrong element type ...).
	#[error("node {node:?} ({op}): {why}")]
	BadNodeInput {
		/// The node.
		node: String,
		/// Its operator.
		op: String,
		/// What is wrong.
		why: String,
	},
	/// An input given to [`crate::Graph::run`] does not match the graph's input.
	#[error("input {input:?}: {why}")]
	BadRunInput {
		/// The graph input.
		input: String,
		/// What is wrong.
		why: String,
	},
	/// A kernel refused its slices (a bug of this crate, never bad input).
	#[error("node {node:?}: kernel shape error")]
	Kernel {
		/// The node.
		node: String,
	},
}
