//! Declares the `substrate_runtime` cfg that `#[runtime_interface]` expands to, so `rustc`'s
//! `unexpected_cfgs` check knows it (substrate-wasm-builder sets it when building the runtime).
fn main() {
	println!("cargo::rustc-check-cfg=cfg(substrate_runtime)");
}
