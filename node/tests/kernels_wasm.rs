//! The canonical kernels compiled into the runtime's WASM give the native engine's bits: the
//! runtime's `KernelsApi_kernel_probe` (run by the node's own WASM executor, with the runtime
//! this node embeds) equals the digest of the same workload run natively, with every compiled
//! copy this CPU has.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use codec::Decode;
use opg_kernels::{probe, Isa, OPSET};
use sc_executor::WasmExecutor;
use sc_executor_common::runtime_blob::RuntimeBlob;
use sp_core::H256;
use sp_io::hashing::blake2_256;

fn call(method: &str) -> Vec<u8> {
	let wasm = opg_runtime::WASM_BINARY.expect("the runtime's WASM is built");
	let executor = WasmExecutor::<sp_io::SubstrateHostFunctions>::builder().build();
	let mut ext = sp_io::TestExternalities::default();
	let mut ext = ext.ext();
	executor
		.uncached_call(
			RuntimeBlob::uncompress_if_needed(wasm).unwrap(),
			&mut ext,
			true,
			method,
			&[],
		)
		.unwrap()
}

#[test]
fn the_runtime_computes_the_engines_bits() {
	let opset = u16::decode(&mut &call("KernelsApi_opset")[..]).unwrap();
	assert_eq!(opset, OPSET, "the runtime's kernels are another opset");
	let in_wasm = H256::decode(&mut &call("KernelsApi_kernel_probe")[..]).unwrap();
	for isa in Isa::available() {
		let native = H256(blake2_256(&probe::workload_bytes(isa).unwrap()));
		assert_eq!(in_wasm, native, "WASM and the native {isa} copy differ");
	}
	println!("kernel probe {in_wasm:?}: WASM = native ({:?})", Isa::available());
}
