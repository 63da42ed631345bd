//! The operators, over row-major `f32` slices.

/// A slice whose length does not match the dimensions it was passed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeError;
