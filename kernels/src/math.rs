//! Elementary functions, defined by this crate (being written).
