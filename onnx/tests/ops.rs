//! Every operator against onnxruntime: each case of `$OPG_ONNX_FIXTURES/ops` (a one-node graph,
//! or a few nodes, made with the `onnx` helper API; inputs random; outputs computed by
//! onnxruntime 1.32 with graph optimisations off) runs through [`Graph`] on every compiled copy
//! of the kernels this CPU has, which must agree bit for bit, and within 1e-5 (relative to
//! `max(1, |expected|)`) of onnxruntime. Integer and boolean outputs must be equal. Every
//! operator of [`opg_onnx::ops::SUPPORTED`] must have a case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;

use opg_kernels::Isa;
use opg_onnx::{Graph, Limits, Serial};

#[test]
fn every_operator_matches_onnxruntime() {
	let dir = common::fixtures().join("ops");
	let mut cases: Vec<_> = std::fs::read_dir(&dir)
		.unwrap()
		.map(|e| e.unwrap().path())
		.filter(|p| p.extension().is_some_and(|e| e == "json"))
		.collect();
	cases.sort();
	assert!(cases.len() >= 100, "only {} op cases in {}", cases.len(), dir.display());
	// Per operator: cases run and the worst error.
	let mut table: BTreeMap<String, (usize, f64)> = BTreeMap::new();
	for case in &cases {
		let name = case.file_stem().unwrap().to_str().unwrap();
		let json: serde_json::Value =
			serde_json::from_slice(&std::fs::read(case).unwrap()).unwrap();
		let graph =
			Graph::parse(&std::fs::read(case.with_extension("onnx")).unwrap(), &Limits::default())
				.unwrap_or_else(|e| panic!("{name}: {e}"));
		let inputs: Vec<_> =
			json["inputs"].as_array().unwrap().iter().map(common::tensor).collect();
		let expected: Vec<_> =
			json["outputs"].as_array().unwrap().iter().map(common::tensor).collect();
		let mut first: Option<Vec<opg_onnx::Value>> = None;
		for isa in Isa::available() {
			let outputs = graph
				.run(&Serial(isa), inputs.iter().map(|(_, v)| v.clone()).collect(), &mut |_, _| {})
				.unwrap_or_else(|e| panic!("{name} ({isa}): {e}"));
			let outputs: Vec<_> = outputs.iter().map(|v| (**v).clone()).collect();
			match &first {
				None => first = Some(outputs),
				Some(baseline) => {
					assert_eq!(baseline, &outputs, "{name}: {isa} differs from the baseline")
				}
			}
		}
		let outputs = first.unwrap();
		assert_eq!(outputs.len(), expected.len(), "{name}: outputs");
		let op = json["op"].as_str().unwrap().to_string();
		let entry = table.entry(op).or_default();
		entry.0 += 1;
		for (got, (out_name, want)) in outputs.iter().zip(&expected) {
			let error = common::max_error(got, want);
			assert!(error <= 1e-5, "{name}: output {out_name} is {error:e} from onnxruntime");
			entry.1 = entry.1.max(error);
		}
	}
	let untested: Vec<&&str> =
		opg_onnx::ops::SUPPORTED.iter().filter(|op| !table.contains_key(**op)).collect();
	assert!(untested.is_empty(), "supported operators with no onnxruntime case: {untested:?}");
	println!("{:<20} {:>5} {:>12}", "operator", "cases", "max error");
	for (op, (count, error)) in &table {
		println!("{op:<20} {count:>5} {error:>12.3e}");
	}
}

/// Graphs the checks refuse, each with its typed error.
#[test]
fn bad_graphs_are_typed_errors() {
	use opg_onnx::OnnxError;
	let limits = Limits::default();
	let err = |bytes: &[u8]| Graph::parse(bytes, &limits).unwrap_err();
	assert!(matches!(err(b"\xff\xff\xff garbage"), OnnxError::Malformed(_)));
	assert!(matches!(err(b""), OnnxError::UnsupportedIrVersion { found: 0, .. }));
	let good = std::fs::read(common::fixtures().join("ops/add_same.onnx")).unwrap();
	assert!(Graph::parse(&good, &limits).is_ok());
	for cut in [good.len() / 2, good.len() - 1] {
		assert!(matches!(err(&good[..cut]), OnnxError::Malformed(_)), "truncated at {cut}");
	}
}
