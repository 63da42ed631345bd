//! Graphs the checks refuse, built message by message: each is its own typed error, at load,
//! never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use opg_onnx::{
	proto::{
		Dimension, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
		TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
	},
	Limits, Model, OnnxConfig, OnnxError,
};

fn value(name: &str, elem_type: i32, dims: &[Dimension]) -> ValueInfoProto {
	ValueInfoProto {
		name: name.into(),
		r#type: Some(TypeProto {
			tensor_type: Some(TypeProtoTensor {
				elem_type,
				shape: Some(TensorShapeProto { dim: dims.to_vec() }),
			}),
		}),
	}
}

fn fixed(n: i64) -> Dimension {
	Dimension { dim_value: Some(n), dim_param: None }
}

fn symbolic(name: &str) -> Dimension {
	Dimension { dim_value: None, dim_param: Some(name.into()) }
}

fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
	NodeProto {
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: outputs.iter().map(|s| s.to_string()).collect(),
		op_type: op.into(),
		..Default::default()
	}
}

/// `y = Relu(x · w)`, `x` `[N, 4]`, `w` a `[4, 3]` initializer, opset 17.
fn model() -> ModelProto {
	ModelProto {
		ir_version: 8,
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
		graph: Some(GraphProto {
			node: vec![node("MatMul", &["x", "w"], &["h"]), node("Relu", &["h"], &["y"])],
			initializer: vec![TensorProto {
				dims: vec![4, 3],
				data_type: 1,
				float_data: (0..12).map(|i| i as f32 / 10.0).collect(),
				name: "w".into(),
				..Default::default()
			}],
			input: vec![value("x", 1, &[symbolic("N"), fixed(4)])],
			output: vec![value("y", 1, &[symbolic("N"), fixed(3)])],
			..Default::default()
		}),
		..Default::default()
	}
}

fn load(m: &ModelProto) -> Result<Model, OnnxError> {
	Model::load(&m.encode_to_vec(), OnnxConfig::tensor(), false, &Limits::default())
}

#[test]
fn the_valid_model_loads_and_infers_its_schema() {
	let m = load(&model()).unwrap();
	let schema = m.schema(&opg_onnx::Serial(opg_kernels::Isa::baseline()), 32).unwrap();
	assert_eq!(format!("{:?}", schema.output.tensor().unwrap().dims.to_vec()), "[Batch, Fixed(3)]");
}

#[test]
fn each_bad_graph_is_its_own_error() {
	let mut wrong_opset = model();
	wrong_opset.opset_import[0].version = 5;
	assert!(matches!(load(&wrong_opset), Err(OnnxError::UnsupportedOpset { found: 5, .. })));
	wrong_opset.opset_import[0].version = 99;
	assert!(matches!(load(&wrong_opset), Err(OnnxError::UnsupportedOpset { found: 99, .. })));

	let mut old_ir = model();
	old_ir.ir_version = 2;
	assert!(matches!(load(&old_ir), Err(OnnxError::UnsupportedIrVersion { found: 2, .. })));

	let mut unsupported = model();
	unsupported.graph.as_mut().unwrap().node[1].op_type = "Einsum".into();
	let e = load(&unsupported).unwrap_err();
	assert!(matches!(&e, OnnxError::UnsupportedOp { op, .. } if op == "Einsum"), "{e}");
	assert!(e.to_string().contains("Einsum"), "{e}");
	let mut other_domain = model();
	other_domain.graph.as_mut().unwrap().node[1].domain = "com.microsoft".into();
	let e = load(&other_domain).unwrap_err();
	assert_eq!(e.to_string(), "node \"y\": operator com.microsoft.Relu is not supported");

	let mut dynamic = model();
	dynamic.graph.as_mut().unwrap().input[0] =
		value("x", 1, &[symbolic("N"), symbolic("features")]);
	assert!(matches!(load(&dynamic), Err(OnnxError::DynamicDim { axis: 1, .. })));

	let mut huge = model();
	let w = &mut huge.graph.as_mut().unwrap().initializer[0];
	w.dims = vec![1 << 20, 1 << 20];
	let e = load(&huge).unwrap_err();
	assert!(matches!(e, OnnxError::TooLarge { elements, .. } if elements == 1 << 40), "{e}");

	let mut short = model();
	short.graph.as_mut().unwrap().initializer[0].float_data.pop();
	assert!(matches!(load(&short), Err(OnnxError::BadInitializer { .. })));

	let mut external = model();
	external.graph.as_mut().unwrap().initializer[0].data_location = 1;
	assert!(matches!(load(&external), Err(OnnxError::BadInitializer { .. })));

	let mut unsorted = model();
	unsorted.graph.as_mut().unwrap().node.reverse();
	assert!(matches!(load(&unsorted), Err(OnnxError::BadEdge { .. })));

	let mut attribute = model();
	attribute.graph.as_mut().unwrap().node[1].attribute.push(opg_onnx::proto::AttributeProto {
		name: "alpha".into(),
		r#type: 1,
		f: 0.1,
		..Default::default()
	});
	assert!(matches!(load(&attribute), Err(OnnxError::BadAttribute { .. })));

	let mut int_input = model();
	int_input.graph.as_mut().unwrap().input[0] = value("x", 7, &[symbolic("N"), fixed(4)]);
	assert!(matches!(load(&int_input), Err(OnnxError::BadInputs(_))));

	let mut double = model();
	double.graph.as_mut().unwrap().initializer[0].data_type = 11;
	assert!(matches!(load(&double), Err(OnnxError::UnsupportedDType { dtype: "DOUBLE", .. })));

	// A text model needs its tokenizer.
	let mut text = model();
	text.graph.as_mut().unwrap().input[0] = value("input_ids", 7, &[symbolic("N"), symbolic("S")]);
	text.graph.as_mut().unwrap().node[0].input[0] = "input_ids".into();
	let e = load(&text).unwrap_err();
	assert!(matches!(e, OnnxError::BadInputs(_)), "{e}");

	let bytes = model().encode_to_vec();
	for cut in 1..bytes.len() {
		// Every truncation is an error (or, at a message boundary, a smaller valid model that
		// the checks then judge); never a panic.
		let _ = Model::load(&bytes[..cut], OnnxConfig::tensor(), false, &Limits::default());
	}
}

#[test]
fn a_value_too_large_to_compute_is_refused_before_it_is_allocated() {
	// ConstantOfShape of [2^20, 2^20].
	let mut m = model();
	let g = m.graph.as_mut().unwrap();
	g.initializer.push(TensorProto {
		dims: vec![2],
		data_type: 7,
		int64_data: vec![1 << 20, 1 << 20],
		name: "big".into(),
		..Default::default()
	});
	g.node.push(node("ConstantOfShape", &["big"], &["z"]));
	g.output.push(value("z", 1, &[fixed(1 << 20), fixed(1 << 20)]));
	let model =
		Model::load(&m.encode_to_vec(), OnnxConfig::tensor(), false, &Limits::default()).unwrap();
	let e = model
		.run_tensor(
			&opg_onnx::Serial(opg_kernels::Isa::baseline()),
			vec![1, 4],
			vec![0.0; 4],
			&mut |_, _| {},
		)
		.unwrap_err();
	assert!(matches!(e, OnnxError::TooLarge { .. }), "{e}");
}
