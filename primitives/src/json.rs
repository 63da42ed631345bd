//! Tensors as JSON (`std` only), both ways: what RPC answers and what clients send.
//!
//! A tensor is `{"dtype": "F32", "shape": [1, 3], "values": [0.5, -1, 2]}`: its elements as JSON
//! numbers in row-major order, decoded per dtype. Floats that JSON cannot represent (NaN, ±∞) are
//! `null`. The other direction also takes nested arrays (`[[0.5, -1, 2]]`), whose nesting gives the
//! shape. Converting a number to a narrower float rounds to nearest, ties to even (as IEEE 754 and
//! numpy do); an integer dtype refuses fractions and out-of-range numbers instead of wrapping.

use alloc::{string::String, vec::Vec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{SchemaError, Tensor, TensorDType};

/// A tensor as JSON: its dtype, shape, and elements as numbers in row-major order (`null` for a
/// NaN or infinite float).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TensorJson {
	/// Element type.
	pub dtype: TensorDType,
	/// Axis lengths, outermost first.
	pub shape: Vec<u32>,
	/// The elements.
	pub values: Vec<Value>,
}

impl From<&Tensor> for TensorJson {
	fn from(t: &Tensor) -> Self {
		TensorJson { dtype: t.dtype, shape: t.shape.to_vec(), values: tensor_values(t) }
	}
}

impl TryFrom<&TensorJson> for Tensor {
	type Error = JsonTensorError;

	fn try_from(json: &TensorJson) -> Result<Self, Self::Error> {
		tensor_from_values(json.dtype, &json.shape, &json.values)
	}
}

/// Why JSON does not make a tensor.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JsonTensorError {
	/// Element `index` is not a number (or `null` for a float dtype).
	#[error("element {index} is not a number: {found}")]
	NotANumber {
		/// Row-major position.
		index: usize,
		/// What was there.
		found: String,
	},
	/// Element `index` does not fit the dtype (a fraction or out of range for an integer dtype).
	#[error("element {index} ({found}) does not fit {dtype:?}")]
	OutOfRange {
		/// Row-major position.
		index: usize,
		/// The number.
		found: String,
		/// The dtype it should fit.
		dtype: TensorDType,
	},
	/// Nested arrays that are not rectangular (rows of different lengths, or numbers next to
	/// arrays).
	#[error("nested arrays are not rectangular at depth {depth}")]
	Ragged {
		/// How deep the mismatch is (0 = the outermost array).
		depth: usize,
	},
	/// The tensor breaks the wire format's bounds (rank, size, length against shape).
	#[error("{0:?}")]
	Schema(SchemaError),
}

/// The elements of `t` as JSON numbers, decoded per dtype.
pub fn tensor_values(t: &Tensor) -> Vec<Value> {
	let float = |x: f64| serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null);
	let size = t.dtype.size_in_bytes() as usize;
	t.data
		.chunks_exact(size)
		.map(|c| match (t.dtype, c) {
			(TensorDType::F32, &[a, b, c, d]) => float(f32::from_le_bytes([a, b, c, d]) as f64),
			(TensorDType::F16, &[a, b]) => float(f16_to_f32(u16::from_le_bytes([a, b])) as f64),
			(TensorDType::BF16, &[a, b]) => float(bf16_to_f32(u16::from_le_bytes([a, b])) as f64),
			(TensorDType::I64, &[a, b, c, d, e, f, g, h]) => {
				Value::from(i64::from_le_bytes([a, b, c, d, e, f, g, h]))
			}
			(TensorDType::U32, &[a, b, c, d]) => Value::from(u32::from_le_bytes([a, b, c, d])),
			(TensorDType::I8, &[a]) => Value::from(a as i8),
			// `chunks_exact` gives chunks of the dtype's size: unreachable.
			_ => Value::Null,
		})
		.collect()
}

/// A tensor of `dtype` and `shape` from row-major JSON numbers (`null` is NaN for floats).
pub fn tensor_from_values(
	dtype: TensorDType,
	shape: &[u32],
	values: &[Value],
) -> Result<Tensor, JsonTensorError> {
	let mut data = Vec::with_capacity(values.len().saturating_mul(dtype.size_in_bytes() as usize));
	for (index, value) in values.iter().enumerate() {
		encode_element(dtype, index, value, &mut data)?;
	}
	Tensor::new(dtype, shape, data).map_err(JsonTensorError::Schema)
}

/// A tensor of `dtype` from nested JSON arrays, its shape given by the nesting: `[[1, 2, 3]]` is
/// `[1, 3]`, a bare number is a scalar (shape `[]`).
pub fn tensor_from_nested(dtype: TensorDType, value: &Value) -> Result<Tensor, JsonTensorError> {
	let mut shape = Vec::new();
	let mut probe = value;
	while let Value::Array(items) = probe {
		shape.push(
			u32::try_from(items.len())
				.map_err(|_| JsonTensorError::Ragged { depth: shape.len() })?,
		);
		match items.first() {
			Some(first) => probe = first,
			None => break,
		}
	}
	let mut values = Vec::new();
	flatten(value, &shape, 0, &mut values)?;
	tensor_from_values(dtype, &shape, &values)
}

fn flatten(
	value: &Value,
	shape: &[u32],
	depth: usize,
	out: &mut Vec<Value>,
) -> Result<(), JsonTensorError> {
	match (value, shape.get(depth)) {
		(Value::Array(items), Some(&len)) if items.len() == len as usize => {
			let next = depth.saturating_add(1);
			items.iter().try_for_each(|item| flatten(item, shape, next, out))
		}
		(Value::Array(_), _) => Err(JsonTensorError::Ragged { depth }),
		(_, Some(_)) => Err(JsonTensorError::Ragged { depth }),
		(scalar, None) => {
			out.push(scalar.clone());
			Ok(())
		}
	}
}

fn encode_element(
	dtype: TensorDType,
	index: usize,
	value: &Value,
	out: &mut Vec<u8>,
) -> Result<(), JsonTensorError> {
	let not_a_number = || JsonTensorError::NotANumber { index, found: value.to_string() };
	let out_of_range = || JsonTensorError::OutOfRange { index, found: value.to_string(), dtype };
	let float = || match value {
		Value::Null => Ok(f64::NAN),
		Value::Number(n) => n.as_f64().ok_or_else(not_a_number),
		_ => Err(not_a_number()),
	};
	match dtype {
		TensorDType::F32 => out.extend_from_slice(&(float()? as f32).to_le_bytes()),
		TensorDType::F16 => out.extend_from_slice(&f32_to_f16(float()? as f32).to_le_bytes()),
		TensorDType::BF16 => out.extend_from_slice(&f32_to_bf16(float()? as f32).to_le_bytes()),
		TensorDType::I64 | TensorDType::U32 | TensorDType::I8 => {
			let Value::Number(n) = value else { return Err(not_a_number()) };
			let int: i128 = if let Some(i) = n.as_i64() {
				i.into()
			} else if let Some(u) = n.as_u64() {
				u.into()
			} else {
				return Err(out_of_range());
			};
			match dtype {
				TensorDType::I64 => out.extend_from_slice(
					&i64::try_from(int).map_err(|_| out_of_range())?.to_le_bytes(),
				),
				TensorDType::U32 => out.extend_from_slice(
					&u32::try_from(int).map_err(|_| out_of_range())?.to_le_bytes(),
				),
				_ => out.extend_from_slice(
					&i8::try_from(int).map_err(|_| out_of_range())?.to_le_bytes(),
				),
			}
		}
	}
	Ok(())
}

/// IEEE 754 binary16 to binary32 (exact).
pub fn f16_to_f32(bits: u16) -> f32 {
	let sign = if bits & 0x8000 != 0 { -1.0f32 } else { 1.0 };
	let exponent = i32::from((bits >> 10) & 0x1f);
	let mantissa = f32::from(bits & 0x3ff);
	match exponent {
		0 => sign * mantissa * 2f32.powi(-24),
		0x1f if mantissa == 0.0 => sign * f32::INFINITY,
		0x1f => f32::NAN,
		e => sign * (1.0 + mantissa / 1024.0) * 2f32.powi(e.saturating_sub(15)),
	}
}

/// bfloat16 to binary32 (exact: bfloat16 is binary32's upper half).
pub fn bf16_to_f32(bits: u16) -> f32 {
	f32::from_bits(u32::from(bits) << 16)
}

/// `value >> shift`, rounded to nearest with ties to even (`1 ≤ shift ≤ 31`).
fn shift_round_even(value: u32, shift: u32) -> u32 {
	let kept = value >> shift;
	let rest = value & ((1u32 << shift).wrapping_sub(1));
	let half = 1u32 << shift.wrapping_sub(1);
	if rest > half || (rest == half && kept & 1 == 1) {
		kept.wrapping_add(1)
	} else {
		kept
	}
}

/// binary32 to binary16, rounded to nearest with ties to even; overflow gives ±∞, NaN stays NaN.
pub fn f32_to_f16(x: f32) -> u16 {
	let bits = x.to_bits();
	let sign = ((bits >> 16) & 0x8000) as u16;
	let exponent = ((bits >> 23) & 0xff) as i32;
	let mantissa = bits & 0x7f_ffff;
	if exponent == 0xff {
		return sign | 0x7c00 | if mantissa != 0 { 0x200 } else { 0 };
	}
	// The exponent re-biased for binary16 (bias 15 instead of 127).
	let half_exponent = exponent.wrapping_sub(112);
	if half_exponent >= 0x1f {
		return sign | 0x7c00;
	}
	if half_exponent <= 0 {
		// A subnormal (or zero): the value in units of 2^-24 is `m · 2^(exponent - 126)`.
		let shift = 14i32.wrapping_sub(half_exponent) as u32;
		if shift > 24 {
			return sign;
		}
		let m = if exponent == 0 { mantissa } else { mantissa | 0x80_0000 };
		return sign | shift_round_even(m, shift) as u16;
	}
	// A normal: the carry of rounding may move into the exponent (up to ∞), which is correct.
	let rounded = ((half_exponent as u32) << 10).wrapping_add(shift_round_even(mantissa, 13));
	sign | rounded as u16
}

/// binary32 to bfloat16, rounded to nearest with ties to even; NaN stays NaN.
pub fn f32_to_bf16(x: f32) -> u16 {
	let bits = x.to_bits();
	if x.is_nan() {
		return ((bits >> 16) | 0x40) as u16;
	}
	shift_round_even(bits, 16) as u16
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn tensors_decode_per_dtype() {
		let t = Tensor::from_f32(&[1, 3], &[1.5, -2.0, f32::NAN]).unwrap();
		assert_eq!(tensor_values(&t), vec![Value::from(1.5), Value::from(-2.0), Value::Null]);
		let half =
			Tensor::new(TensorDType::F16, &[3], vec![0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00]).unwrap();
		assert_eq!(
			tensor_values(&half),
			vec![Value::from(1.0), Value::from(-2.0), Value::from(2f32.powi(-24) as f64)]
		);
		let bf = Tensor::new(TensorDType::BF16, &[1], vec![0x80, 0x3f]).unwrap();
		assert_eq!(tensor_values(&bf), vec![Value::from(1.0)]);
		let ints = Tensor::new(
			TensorDType::I64,
			&[2],
			[(-3i64).to_le_bytes(), 7i64.to_le_bytes()].concat(),
		)
		.unwrap();
		assert_eq!(tensor_values(&ints), vec![Value::from(-3), Value::from(7)]);
		let bytes = Tensor::new(TensorDType::I8, &[2], vec![0xff, 0x05]).unwrap();
		assert_eq!(tensor_values(&bytes), vec![Value::from(-1), Value::from(5)]);
		let json = serde_json::to_value(TensorJson::from(&t)).unwrap();
		assert_eq!(json, json!({"dtype": "F32", "shape": [1, 3], "values": [1.5, -2.0, null]}));
	}

	#[test]
	fn every_dtype_round_trips_through_json() {
		for (dtype, values) in [
			(TensorDType::F32, json!([0.1, -3.5, 1e30, null])),
			(TensorDType::F16, json!([0.5, -2.0, 65504.0, 6.103515625e-5])),
			(TensorDType::BF16, json!([1.0, -0.5, 1.7014118346046923e38, 0.0])),
			(TensorDType::I64, json!([i64::MIN, -1, 0, i64::MAX])),
			(TensorDType::U32, json!([0, 1, 7, u32::MAX])),
			(TensorDType::I8, json!([-128, -1, 0, 127])),
		] {
			let values = values.as_array().unwrap().clone();
			let tensor = tensor_from_values(dtype, &[2, 2], &values).unwrap();
			let back = tensor_values(&tensor);
			let again = tensor_from_values(dtype, &[2, 2], &back).unwrap();
			assert_eq!(tensor, again, "{dtype:?}");
			if dtype != TensorDType::F32 {
				// Every value above is exact in its dtype.
				assert_eq!(
					back.iter().map(Value::as_f64).collect::<Vec<_>>(),
					values.iter().map(Value::as_f64).collect::<Vec<_>>(),
					"{dtype:?}"
				);
			}
		}
	}

	#[test]
	fn narrowing_floats_rounds_to_nearest_even() {
		// Compared with numpy's float16 conversions.
		assert_eq!(f32_to_f16(1.0), 0x3c00);
		assert_eq!(f32_to_f16(-2.0), 0xc000);
		assert_eq!(f32_to_f16(65504.0), 0x7bff);
		assert_eq!(f32_to_f16(65520.0), 0x7c00); // rounds up to ∞
		assert_eq!(f32_to_f16(1e10), 0x7c00);
		assert_eq!(f32_to_f16(2f32.powi(-24)), 0x0001); // smallest subnormal
		assert_eq!(f32_to_f16(2f32.powi(-25)), 0x0000); // a tie: to even (zero)
		assert_eq!(f32_to_f16(3.0 * 2f32.powi(-25)), 0x0002); // a tie: to even (two)
		assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00); // a tie: to even
		assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02);
		assert_eq!(f32_to_f16(0.1), 0x2e66);
		assert_eq!(f32_to_f16(-0.0), 0x8000);
		assert!(f16_to_f32(f32_to_f16(f32::NAN)).is_nan());
		assert_eq!(f32_to_f16(f32::NEG_INFINITY), 0xfc00);
		assert_eq!(f32_to_bf16(1.0), 0x3f80);
		assert_eq!(f32_to_bf16(0.1), 0x3dcd);
		assert_eq!(f32_to_bf16(f32::from_bits(0x3f80_8000)), 0x3f80); // a tie: to even
		assert_eq!(f32_to_bf16(f32::from_bits(0x3f81_8000)), 0x3f82);
		assert!(bf16_to_f32(f32_to_bf16(f32::NAN)).is_nan());
		// Every binary16 value survives the round trip through binary32.
		for bits in 0..=u16::MAX {
			let x = f16_to_f32(bits);
			if !x.is_nan() {
				assert_eq!(f32_to_f16(x), bits, "{bits:#06x}");
			}
		}
	}

	#[test]
	fn nested_arrays_give_the_shape() {
		let t = tensor_from_nested(TensorDType::F32, &json!([[1, 2, 3], [4, 5, 6]])).unwrap();
		assert_eq!(t.shape.to_vec(), vec![2, 3]);
		assert_eq!(t.to_f32_vec().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
		let scalar = tensor_from_nested(TensorDType::I64, &json!(7)).unwrap();
		assert!(scalar.shape.is_empty());
		assert_eq!(
			tensor_from_nested(TensorDType::F32, &json!([[1, 2], [3]])),
			Err(JsonTensorError::Ragged { depth: 1 })
		);
		assert_eq!(
			tensor_from_nested(TensorDType::F32, &json!([[1, 2], 3])),
			Err(JsonTensorError::Ragged { depth: 1 })
		);
	}

	#[test]
	fn bad_elements_are_named() {
		assert_eq!(
			tensor_from_values(TensorDType::F32, &[2], &[json!(1), json!("x")]),
			Err(JsonTensorError::NotANumber { index: 1, found: "\"x\"".into() })
		);
		assert!(matches!(
			tensor_from_values(TensorDType::I8, &[1], &[json!(128)]),
			Err(JsonTensorError::OutOfRange { index: 0, .. })
		));
		assert!(matches!(
			tensor_from_values(TensorDType::U32, &[1], &[json!(-1)]),
			Err(JsonTensorError::OutOfRange { index: 0, .. })
		));
		assert!(matches!(
			tensor_from_values(TensorDType::I64, &[1], &[json!(0.5)]),
			Err(JsonTensorError::OutOfRange { index: 0, .. })
		));
		assert_eq!(
			tensor_from_values(TensorDType::F32, &[3], &[json!(1)]),
			Err(JsonTensorError::Schema(SchemaError::LengthMismatch { expected: 12, found: 4 }))
		);
	}
}
