//! Tensors as the graph computes them: a shape and row-major elements of one of three types.
//!
//! ONNX `FLOAT` is `f32`; `INT64` and `INT32` are both held as `i64` (an `INT32` value never
//! leaves the `i32` range: [`DType::Int32`] remembers that casts wrap to it); `BOOL` is `bool`.

use alloc::{string::String, vec::Vec};

use crate::{
	error::OnnxError,
	proto::{data_type, TensorProto},
};

/// The element type of a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
	/// `FLOAT`.
	F32,
	/// `INT64`.
	I64,
	/// `INT32` (held as `i64`).
	Int32,
	/// `BOOL`.
	Bool,
}

impl DType {
	/// The type of an ONNX `TensorProto.DataType`, if supported.
	pub fn from_onnx(data_type: i32) -> Option<Self> {
		match data_type {
			data_type::FLOAT => Some(DType::F32),
			data_type::INT64 => Some(DType::I64),
			data_type::INT32 => Some(DType::Int32),
			data_type::BOOL => Some(DType::Bool),
			_ => None,
		}
	}

	/// Its ONNX name.
	pub fn name(self) -> &'static str {
		match self {
			DType::F32 => "FLOAT",
			DType::I64 => "INT64",
			DType::Int32 => "INT32",
			DType::Bool => "BOOL",
		}
	}
}

/// The elements of a [`Value`], row-major.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
	/// `FLOAT` elements.
	F32(Vec<f32>),
	/// `INT64` or `INT32` elements.
	I64(Vec<i64>),
	/// `BOOL` elements.
	Bool(Vec<bool>),
}

impl Data {
	/// The number of elements.
	pub fn len(&self) -> usize {
		match self {
			Data::F32(v) => v.len(),
			Data::I64(v) => v.len(),
			Data::Bool(v) => v.len(),
		}
	}

	/// Whether there are no elements.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// A tensor: its element type, shape and elements.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
	/// The element type (`Int32` and `I64` share [`Data::I64`]).
	pub dtype: DType,
	/// The dimensions, outermost first (empty for a scalar).
	pub shape: Vec<usize>,
	/// The elements, row-major: `shape`'s product of them.
	pub data: Data,
}

impl Value {
	/// A float tensor. `None` if the element count is not the shape's.
	pub fn f32(shape: Vec<usize>, values: Vec<f32>) -> Option<Self> {
		(element_count(&shape) == Some(values.len())).then_some(Value {
			dtype: DType::F32,
			shape,
			data: Data::F32(values),
		})
	}

	/// An `INT64` tensor. `None` if the element count is not the shape's.
	pub fn i64(shape: Vec<usize>, values: Vec<i64>) -> Option<Self> {
		(element_count(&shape) == Some(values.len())).then_some(Value {
			dtype: DType::I64,
			shape,
			data: Data::I64(values),
		})
	}

	/// A `BOOL` tensor. `None` if the element count is not the shape's.
	pub fn bool(shape: Vec<usize>, values: Vec<bool>) -> Option<Self> {
		(element_count(&shape) == Some(values.len())).then_some(Value {
			dtype: DType::Bool,
			shape,
			data: Data::Bool(values),
		})
	}

	/// The number of elements.
	pub fn len(&self) -> usize {
		self.data.len()
	}

	/// Whether it has no elements.
	pub fn is_empty(&self) -> bool {
		self.data.is_empty()
	}

	/// The float elements, if it is a float tensor.
	pub fn as_f32(&self) -> Option<&[f32]> {
		match &self.data {
			Data::F32(v) => Some(v),
			_ => None,
		}
	}

	/// The integer elements, if it is an integer tensor.
	pub fn as_i64(&self) -> Option<&[i64]> {
		match &self.data {
			Data::I64(v) => Some(v),
			_ => None,
		}
	}

	/// Decodes an initializer or constant: `raw_data` (little-endian) or the typed fields.
	/// `max_elements` bounds its size before anything is allocated.
	pub fn from_proto(tensor: &TensorProto, max_elements: u64) -> Result<Self, OnnxError> {
		let bad = |why: String| OnnxError::BadInitializer { name: tensor.name.clone(), why };
		if tensor.data_location != 0 || !tensor.external_data.is_empty() {
			return Err(bad(
				"uses external data (the model must be one self-contained file)".into()
			));
		}
		let dtype =
			DType::from_onnx(tensor.data_type).ok_or_else(|| OnnxError::UnsupportedDType {
				what: alloc::format!("initializer {:?}", tensor.name),
				dtype: data_type::name(tensor.data_type),
			})?;
		let mut shape = Vec::with_capacity(tensor.dims.len());
		let mut elements: u64 = 1;
		for d in &tensor.dims {
			let d = u64::try_from(*d).map_err(|_| bad(alloc::format!("negative dimension {d}")))?;
			elements = elements.saturating_mul(d);
			shape.push(usize::try_from(d).unwrap_or(usize::MAX));
		}
		if elements > max_elements {
			return Err(OnnxError::TooLarge {
				what: alloc::format!("initializer {:?}", tensor.name),
				elements,
				max: max_elements,
			});
		}
		// Bounded by `max_elements` above, so this fits a `usize`.
		let n = usize::try_from(elements).map_err(|_| bad("too many elements".into()))?;
		let raw = &tensor.raw_data;
		let count = |found: usize| {
			if found == n {
				Ok(())
			} else {
				Err(bad(alloc::format!("{found} elements for dims {:?} ({n})", tensor.dims)))
			}
		};
		let data = match dtype {
			DType::F32 => {
				let values: Vec<f32> = if !raw.is_empty() {
					count(raw.len() / 4).and_then(|()| exact(raw.len(), n, 4).map_err(bad))?;
					raw.chunks_exact(4)
						.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
						.collect()
				} else {
					tensor.float_data.clone()
				};
				count(values.len())?;
				Data::F32(values)
			}
			DType::I64 | DType::Int32 => {
				let width = if dtype == DType::I64 { 8 } else { 4 };
				let values: Vec<i64> = if !raw.is_empty() {
					count(raw.len() / width)
						.and_then(|()| exact(raw.len(), n, width).map_err(bad))?;
					if width == 8 {
						raw.chunks_exact(8)
							.map(|c| {
								i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
							})
							.collect()
					} else {
						raw.chunks_exact(4)
							.map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
							.collect()
					}
				} else if dtype == DType::I64 {
					tensor.int64_data.clone()
				} else {
					tensor.int32_data.iter().map(|v| i64::from(*v)).collect()
				};
				count(values.len())?;
				Data::I64(values)
			}
			DType::Bool => {
				let values: Vec<bool> = if !raw.is_empty() {
					raw.iter().map(|b| *b != 0).collect()
				} else {
					tensor.int32_data.iter().map(|v| *v != 0).collect()
				};
				count(values.len())?;
				Data::Bool(values)
			}
		};
		Ok(Value { dtype, shape, data })
	}
}

/// `Ok` if `raw` bytes are exactly `n` elements of `width` bytes.
fn exact(raw: usize, n: usize, width: usize) -> Result<(), String> {
	if n.checked_mul(width) == Some(raw) {
		Ok(())
	} else {
		Err(alloc::format!("{raw} bytes of raw data for {n} elements of {width} bytes"))
	}
}

/// The product of the dimensions, `None` on overflow.
pub fn element_count(shape: &[usize]) -> Option<usize> {
	shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d))
}

/// Row-major strides of a shape (in elements).
pub fn strides(shape: &[usize]) -> Vec<usize> {
	let mut strides = alloc::vec![1usize; shape.len()];
	let mut acc = 1usize;
	for (s, d) in strides.iter_mut().zip(shape).rev() {
		*s = acc;
		acc = acc.saturating_mul(*d);
	}
	strides
}

/// The shape two shapes broadcast to (numpy's multidirectional rule), if they do.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
	let rank = a.len().max(b.len());
	let mut out = alloc::vec![0usize; rank];
	for (i, o) in out.iter_mut().enumerate() {
		let da = (i + a.len()).checked_sub(rank).map_or(1, |j| a[j]);
		let db = (i + b.len()).checked_sub(rank).map_or(1, |j| b[j]);
		*o = match (da, db) {
			(x, y) if x == y => x,
			(1, y) => y,
			(x, 1) => x,
			_ => return None,
		};
	}
	Some(out)
}

/// The offsets `base + Σ c[a] · strides[a]` of every index `c` of `dims`, in row-major order:
/// the one walk behind broadcasting, permuting and slicing. `strides` may be 0 (an axis
/// broadcast) or negative (a slice stepping backwards); every offset must be in range.
pub fn offsets(dims: &[usize], strides: &[isize], base: isize) -> Vec<usize> {
	let n = element_count(dims).unwrap_or(0);
	let mut out = Vec::with_capacity(n);
	let mut counter = alloc::vec![0usize; dims.len()];
	let mut offset = base;
	for _ in 0..n {
		out.push(offset as usize);
		// Odometer increment, keeping `offset` in step.
		for axis in (0..dims.len()).rev() {
			counter[axis] += 1;
			offset += strides[axis];
			if counter[axis] < dims[axis] {
				break;
			}
			offset -= strides[axis] * counter[axis] as isize;
			counter[axis] = 0;
		}
	}
	out
}

/// For each element of `out_shape` (row-major), the index of the element of a tensor of
/// `shape` (broadcast to `out_shape`, which it must broadcast to) that it reads.
pub fn broadcast_indices(shape: &[usize], out_shape: &[usize]) -> Vec<usize> {
	let offset = out_shape.len() - shape.len();
	let src_strides = strides(shape);
	// The stride of each output axis in the source (0 where the source broadcasts).
	let axis_strides: Vec<isize> = (0..out_shape.len())
		.map(|i| match i.checked_sub(offset) {
			Some(j) if shape[j] != 1 => src_strides[j] as isize,
			_ => 0,
		})
		.collect();
	offsets(out_shape, &axis_strides, 0)
}

/// Moves the elements of `data` (of `shape`) into the order of `perm` (output axis `i` is
/// input axis `perm[i]`); exact data movement.
pub fn permute<T: Copy>(data: &[T], shape: &[usize], perm: &[usize]) -> Vec<T> {
	let in_strides = strides(shape);
	let out_shape: Vec<usize> = perm.iter().map(|p| shape[*p]).collect();
	let axis_strides: Vec<isize> = perm.iter().map(|p| in_strides[*p] as isize).collect();
	if data.is_empty() {
		return Vec::new();
	}
	// The last axis stays last: whole rows are copied.
	let rank = shape.len();
	if rank > 1 && perm[rank - 1] == rank - 1 {
		let row = shape[rank - 1];
		let mut out = Vec::with_capacity(data.len());
		for start in offsets(&out_shape[..rank - 1], &axis_strides[..rank - 1], 0) {
			out.extend_from_slice(&data[start..start + row]);
		}
		return out;
	}
	offsets(&out_shape, &axis_strides, 0).into_iter().map(|i| data[i]).collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn broadcasting_follows_numpy() {
		assert_eq!(broadcast_shape(&[2, 3], &[3]), Some(vec![2, 3]));
		assert_eq!(broadcast_shape(&[2, 1, 4], &[3, 1]), Some(vec![2, 3, 4]));
		assert_eq!(broadcast_shape(&[2, 3], &[2]), None);
		assert_eq!(broadcast_shape(&[], &[5]), Some(vec![5]));
		assert_eq!(broadcast_indices(&[3], &[2, 3]), vec![0, 1, 2, 0, 1, 2]);
		assert_eq!(broadcast_indices(&[2, 1], &[2, 3]), vec![0, 0, 0, 1, 1, 1]);
		assert_eq!(broadcast_indices(&[], &[2]), vec![0, 0]);
	}

	#[test]
	#[allow(clippy::identity_op, reason = "indices written as row-major sums")]
	fn permutes_axes() {
		// [[0,1,2],[3,4,5]] transposed.
		let data: Vec<u8> = (0..6).collect();
		assert_eq!(permute(&data, &[2, 3], &[1, 0]), vec![0, 3, 1, 4, 2, 5]);
		assert_eq!(permute(&data, &[2, 3], &[0, 1]), data);
		let data: Vec<u8> = (0..24).collect();
		let p = permute(&data, &[2, 3, 4], &[2, 0, 1]);
		// out[k][i][j] = in[i][j][k]
		assert_eq!(p[1 * 6 + 1 * 3 + 2], data[1 * 12 + 2 * 4 + 1]);
		// The last axis kept: rows copied whole. out[j][i][k] = in[i][j][k].
		let q = permute(&data, &[2, 3, 4], &[1, 0, 2]);
		assert_eq!(q[2 * 8 + 1 * 4 + 3], data[1 * 12 + 2 * 4 + 3]);
		assert_eq!(permute(&q, &[3, 2, 4], &[1, 0, 2]), data);
	}
}
