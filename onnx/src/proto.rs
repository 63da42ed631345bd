//! The part of the ONNX protobuf schema (`onnx/onnx.proto`, IR version 3 and later) that a
//! graph of dense tensors needs, as `prost` messages.
//!
//! Field numbers are the official schema's; fields this crate does not read are left out, and
//! protobuf decoding skips them. Sparse initializers, external data, functions and training
//! information are not read (a graph that needs them fails the checks of [`crate::Graph`]).

#![allow(missing_docs, reason = "the fields are the ONNX schema's, documented there")]

use alloc::{string::String, vec::Vec};

/// Encoding and decoding of the messages (`encode_to_vec`, `decode`).
pub use prost::Message;

/// `ModelProto`: the top-level message of an `.onnx` file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
	#[prost(int64, tag = "1")]
	pub ir_version: i64,
	#[prost(message, repeated, tag = "8")]
	pub opset_import: Vec<OperatorSetIdProto>,
	#[prost(string, tag = "2")]
	pub producer_name: String,
	#[prost(string, tag = "3")]
	pub producer_version: String,
	#[prost(message, optional, tag = "7")]
	pub graph: Option<GraphProto>,
	/// Functions defined by the model (not supported: a node calling one is an unknown op).
	#[prost(bytes = "vec", repeated, tag = "25")]
	pub functions: Vec<Vec<u8>>,
}

/// `OperatorSetIdProto`: an operator set the model uses, and its version.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
	#[prost(string, tag = "1")]
	pub domain: String,
	#[prost(int64, tag = "2")]
	pub version: i64,
}

/// `GraphProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
	#[prost(message, repeated, tag = "1")]
	pub node: Vec<NodeProto>,
	#[prost(string, tag = "2")]
	pub name: String,
	#[prost(message, repeated, tag = "5")]
	pub initializer: Vec<TensorProto>,
	/// Sparse initializers (not supported; their presence is an error).
	#[prost(bytes = "vec", repeated, tag = "15")]
	pub sparse_initializer: Vec<Vec<u8>>,
	#[prost(message, repeated, tag = "11")]
	pub input: Vec<ValueInfoProto>,
	#[prost(message, repeated, tag = "12")]
	pub output: Vec<ValueInfoProto>,
}

/// `NodeProto`: one operator application.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
	#[prost(string, repeated, tag = "1")]
	pub input: Vec<String>,
	#[prost(string, repeated, tag = "2")]
	pub output: Vec<String>,
	#[prost(string, tag = "3")]
	pub name: String,
	#[prost(string, tag = "4")]
	pub op_type: String,
	#[prost(string, tag = "7")]
	pub domain: String,
	#[prost(message, repeated, tag = "5")]
	pub attribute: Vec<AttributeProto>,
}

/// `AttributeProto`: a named attribute of a node.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
	#[prost(string, tag = "1")]
	pub name: String,
	/// A reference to an attribute of an enclosing function (not supported).
	#[prost(string, tag = "21")]
	pub ref_attr_name: String,
	/// `AttributeType`: 1 float, 2 int, 3 string, 4 tensor, 5 graph, 6 floats, 7 ints,
	/// 8 strings, 9 tensors, 10 graphs, 11 sparse tensor, 12 sparse tensors, 13 type proto,
	/// 14 type protos.
	#[prost(int32, tag = "20")]
	pub r#type: i32,
	#[prost(float, tag = "2")]
	pub f: f32,
	#[prost(int64, tag = "3")]
	pub i: i64,
	#[prost(bytes = "vec", tag = "4")]
	pub s: Vec<u8>,
	#[prost(message, optional, tag = "5")]
	pub t: Option<TensorProto>,
	#[prost(float, repeated, tag = "7")]
	pub floats: Vec<f32>,
	#[prost(int64, repeated, tag = "8")]
	pub ints: Vec<i64>,
}

/// The `AttributeType` values this crate reads.
pub mod attribute_type {
	pub const FLOAT: i32 = 1;
	pub const INT: i32 = 2;
	pub const STRING: i32 = 3;
	pub const TENSOR: i32 = 4;
	pub const FLOATS: i32 = 6;
	pub const INTS: i32 = 7;
}

/// `ValueInfoProto`: a graph input's or output's name and type.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
	#[prost(string, tag = "1")]
	pub name: String,
	#[prost(message, optional, tag = "2")]
	pub r#type: Option<TypeProto>,
}

/// `TypeProto`, of which only the tensor case (`tensor_type`) is read; a sequence, map,
/// optional or sparse type leaves it empty.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
	#[prost(message, optional, tag = "1")]
	pub tensor_type: Option<TypeProtoTensor>,
}

/// `TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProtoTensor {
	/// A `TensorProto.DataType`.
	#[prost(int32, tag = "1")]
	pub elem_type: i32,
	#[prost(message, optional, tag = "2")]
	pub shape: Option<TensorShapeProto>,
}

/// `TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
	#[prost(message, repeated, tag = "1")]
	pub dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`: a length, a named symbolic length, or neither (unknown).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
	#[prost(int64, optional, tag = "1")]
	pub dim_value: Option<i64>,
	#[prost(string, optional, tag = "2")]
	pub dim_param: Option<String>,
}

/// `TensorProto`: an initializer or a constant.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
	#[prost(int64, repeated, tag = "1")]
	pub dims: Vec<i64>,
	/// A `TensorProto.DataType`.
	#[prost(int32, tag = "2")]
	pub data_type: i32,
	#[prost(float, repeated, tag = "4")]
	pub float_data: Vec<f32>,
	#[prost(int32, repeated, tag = "5")]
	pub int32_data: Vec<i32>,
	#[prost(int64, repeated, tag = "7")]
	pub int64_data: Vec<i64>,
	#[prost(string, tag = "8")]
	pub name: String,
	#[prost(bytes = "vec", tag = "9")]
	pub raw_data: Vec<u8>,
	/// External data locations (not supported: a model must be one self-contained file).
	#[prost(bytes = "vec", repeated, tag = "13")]
	pub external_data: Vec<Vec<u8>>,
	/// 0 default, 1 external.
	#[prost(int32, tag = "14")]
	pub data_location: i32,
	#[prost(double, repeated, tag = "10")]
	pub double_data: Vec<f64>,
}

/// The `TensorProto.DataType` values.
pub mod data_type {
	pub const FLOAT: i32 = 1;
	pub const UINT8: i32 = 2;
	pub const INT8: i32 = 3;
	pub const INT32: i32 = 6;
	pub const INT64: i32 = 7;
	pub const BOOL: i32 = 9;
	pub const DOUBLE: i32 = 11;

	/// The schema's name of a data type, for error messages.
	pub fn name(data_type: i32) -> &'static str {
		match data_type {
			0 => "UNDEFINED",
			1 => "FLOAT",
			2 => "UINT8",
			3 => "INT8",
			4 => "UINT16",
			5 => "INT16",
			6 => "INT32",
			7 => "INT64",
			8 => "STRING",
			9 => "BOOL",
			10 => "FLOAT16",
			11 => "DOUBLE",
			12 => "UINT32",
			13 => "UINT64",
			14 => "COMPLEX64",
			15 => "COMPLEX128",
			16 => "BFLOAT16",
			_ => "an unknown data type",
		}
	}
}
