//! The fixtures `scripts/onnx-fixtures.sh` makes with onnxruntime (run by `scripts/setup.sh`),
//! and tensors in their JSON form.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use opg_onnx::{DType, Data, Value};
use serde_json::Value as Json;

/// `$OPG_ONNX_FIXTURES`; a missing directory fails the test (never a silent skip).
pub fn fixtures() -> PathBuf {
	let dir = std::env::var_os("OPG_ONNX_FIXTURES").map(PathBuf::from).expect(
		"OPG_ONNX_FIXTURES is not set: run the tests through scripts/test.sh, or source scripts/env.sh \
		 after scripts/setup.sh (which runs scripts/onnx-fixtures.sh)",
	);
	assert!(
		dir.join("manifest.json").is_file(),
		"{} has no fixtures: run scripts/onnx-fixtures.sh",
		dir.display()
	);
	dir
}

/// A tensor from the fixtures' JSON form `{name, dtype, shape, data}`.
pub fn tensor(json: &Json) -> (String, Value) {
	let name = json["name"].as_str().unwrap().to_string();
	let shape: Vec<usize> =
		json["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
	let data = json["data"].as_array().unwrap();
	let value = match json["dtype"].as_str().unwrap() {
		"float32" => Value::f32(shape, data.iter().map(|v| v.as_f64().unwrap() as f32).collect()),
		"int64" => Value::i64(shape, data.iter().map(|v| v.as_i64().unwrap()).collect()),
		"bool" => Value::bool(shape, data.iter().map(|v| v.as_bool().unwrap()).collect()),
		other => panic!("dtype {other}"),
	}
	.unwrap();
	(name, value)
}

/// The largest difference between two tensors, relative to `max(1, |expected|)`; panics if
/// their types or shapes differ or integers/booleans differ at all.
pub fn max_error(got: &Value, expected: &Value) -> f64 {
	assert_eq!(got.shape, expected.shape, "shape");
	match (&got.data, &expected.data) {
		(Data::F32(a), Data::F32(b)) => a
			.iter()
			.zip(b)
			.map(|(x, y)| {
				assert!(x.is_finite(), "non-finite {x} where onnxruntime has {y}");
				f64::from((x - y).abs()) / f64::from(y.abs()).max(1.0)
			})
			.fold(0.0, f64::max),
		(Data::I64(a), Data::I64(b)) => {
			assert_eq!(a, b);
			0.0
		}
		(Data::Bool(a), Data::Bool(b)) => {
			assert_eq!(a, b);
			0.0
		}
		_ => panic!("element types differ: {:?} vs {:?}", got.dtype, expected.dtype),
	}
}

/// Whether a fixture dtype is an integer one.
pub fn is_int(dtype: DType) -> bool {
	matches!(dtype, DType::I64 | DType::Int32)
}
