//! Cross-CPU determinism: the same digest on every CPU, kernel ISA, cache geometry and thread
//! count.
//!
//! The probe (`opg-probe`, inference/src/bin/opg-probe.rs) runs a workload through every canonical
//! kernel and prints `digest=<64 hex>` as its last `digest=` line. This test runs it in many
//! configurations, as child processes, and compares each digest with the native one:
//!
//! - the small workload (synthetic, no files): natively with the default and 1, 2, 4 and 8
//!   threads; with `OPG_KERNELS_ISA` set to each ISA this CPU has; under `qemu-x86_64 -cpu` for
//!   older and other x86-64 CPUs; with four faked cache geometries (scripts/fake-cache.sh: gemm
//!   sizes its blocks from /sys); and the arm64 build of the probe under `qemu-aarch64`;
//! - the full workload (all-MiniLM-L6-v2, from scripts/fetch-models.sh): natively with the
//!   default and 1, 2, 4 and 8 threads, each ISA and the four cache geometries;
//! - the LLM workload (SmolLM2-135M-Instruct's Q4_1 GGUF: quantized weights, RoPE, causal
//!   attention, sampling, and generation against one prefill pass): as the full workload, and
//!   under `qemu-x86_64 -cpu qemu64` (SSE2 only) and `qemu-aarch64`.
//!
//! The arm64 probe is cross-built by scripts/test.sh, which passes its path in
//! `OPG_PROBE_AARCH64`; without it the test fails (it is never skipped). `OPG_PROBE` overrides the
//! native probe (the workspace's `opg-probe` by default). At most two probes run at once (the
//! machines have two cores; one emulated run takes one), each killed after ten minutes, and none
//! starts after fifteen; all 32 take about 20 s. The table of every run (configuration, digest,
//! seconds, verdict, the probe's own line: ISA, threads, time) goes to stderr uncaptured, so the
//! CI log shows it whether the test passes or fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Each run is killed (its whole process group) after this long.
const TIMEOUT: Duration = Duration::from_secs(600);
/// No run starts after this long (so a hanging probe costs at most this plus one `TIMEOUT`).
const BUDGET: Duration = Duration::from_secs(900);
/// Probes running at once.
const PARALLEL: usize = 2;
/// `qemu-x86_64 -cpu` models: x86-64 baseline (SSE2 only), SSE4.2, AVX, AVX2 + FMA, AMD Zen.
const QEMU_X86_64_CPUS: [&str; 5] = ["qemu64", "Nehalem", "SandyBridge", "Haswell", "EPYC"];
/// Faked (L1d size, L1d ways, L2 size): Haswell, Golden Cove, Neoverse N1, Apple M1-like.
const CACHES: [(&str, &str, &str); 4] =
	[("32K", "8", "256K"), ("48K", "12", "2M"), ("64K", "4", "1M"), ("128K", "8", "4M")];
const THREADS: [&str; 4] = ["1", "2", "4", "8"];
/// `qemu-aarch64` with the cross C library (Debian's libc6-arm64-cross, scripts/setup.sh): its
/// loader and, through `LD_LIBRARY_PATH`, its libraries, not libc6:arm64's libc of another version
/// from /lib/aarch64-linux-gnu (with that mix every thread start hung). As scripts/env.sh's runner.
const QEMU_AARCH64: [&str; 5] = [
	"qemu-aarch64",
	"-L",
	"/usr/aarch64-linux-gnu",
	"-E",
	"LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Workload {
	Small,
	Full,
	Llm,
}

impl Workload {
	fn name(self) -> &'static str {
		match self {
			Workload::Small => "small",
			Workload::Full => "full",
			Workload::Llm => "llm",
		}
	}
}

/// One configuration: a command line ending in the probe and its arguments.
struct Run {
	workload: Workload,
	label: String,
	argv: Vec<OsString>,
	env: Vec<(&'static str, String)>,
	/// Under qemu: slow, so started first.
	emulated: bool,
}

struct Outcome {
	digest: Result<String, String>,
	seconds: f64,
	/// The probe's last line on stderr (the ISA it chose, its threads and time).
	note: String,
}

/// The model files the workloads read.
struct Files {
	minilm: PathBuf,
	gguf: PathBuf,
}

/// The probe's own arguments: `[--threads N] small`, `[--threads N] full --minilm DIR` or
/// `[--threads N] llm --gguf FILE`.
fn probe_args(workload: Workload, threads: Option<&str>, files: &Files) -> Vec<OsString> {
	let mut args: Vec<OsString> = Vec::new();
	if let Some(threads) = threads {
		args.extend(["--threads".into(), threads.into()]);
	}
	args.push(workload.name().into());
	match workload {
		Workload::Small => {}
		Workload::Full => args.extend(["--minilm".into(), files.minilm.as_os_str().to_owned()]),
		Workload::Llm => args.extend(["--gguf".into(), files.gguf.as_os_str().to_owned()]),
	}
	args
}

/// The kernel ISAs this CPU can run, as `OPG_KERNELS_ISA` names them (opg-kernels' `Isa`).
fn isas() -> Vec<&'static str> {
	#[allow(unused_mut)]
	let mut all = vec!["baseline"];
	#[cfg(target_arch = "x86_64")]
	{
		if std::is_x86_feature_detected!("avx") {
			all.push("avx");
		}
		if std::is_x86_feature_detected!("avx2") {
			all.push("avx2");
		}
		if std::is_x86_feature_detected!("avx512f") {
			all.push("avx512");
		}
	}
	all
}

fn runs(probe: &Path, probe_aarch64: &Path, files: &Files) -> Vec<Run> {
	let fake_cache = common::repo().join("scripts/fake-cache.sh");
	let mut runs = Vec::new();
	for workload in [Workload::Small, Workload::Full, Workload::Llm] {
		let native = |label: String, threads: Option<&str>, env: Vec<(&'static str, String)>| {
			let mut argv = vec![probe.as_os_str().to_owned()];
			argv.extend(probe_args(workload, threads, files));
			Run { workload, label, argv, env, emulated: false }
		};
		// The reference: the first run of each workload.
		runs.push(native("native".into(), None, vec![]));
		for threads in THREADS {
			runs.push(native(format!("native --threads {threads}"), Some(threads), vec![]));
		}
		for isa in isas() {
			runs.push(native(
				format!("OPG_KERNELS_ISA={isa}"),
				None,
				vec![("OPG_KERNELS_ISA", isa.into())],
			));
		}
		for (l1d, ways, l2) in CACHES {
			let mut argv: Vec<OsString> = vec![
				fake_cache.as_os_str().to_owned(),
				l1d.into(),
				ways.into(),
				l2.into(),
				"--".into(),
				probe.as_os_str().to_owned(),
			];
			argv.extend(probe_args(workload, None, files));
			let label = format!("fake cache: L1d {l1d} {ways}-way, L2 {l2}");
			runs.push(Run { workload, label, argv, env: vec![], emulated: false });
		}
		// Under emulation: the small workload on every CPU model, the LLM on the two extremes
		// (SSE2 only, and arm64).
		if workload != Workload::Full {
			let cpus: &[&str] = if workload == Workload::Small {
				&QEMU_X86_64_CPUS
			} else {
				&QEMU_X86_64_CPUS[..1]
			};
			for cpu in cpus {
				let mut argv: Vec<OsString> = vec![
					"qemu-x86_64".into(),
					"-cpu".into(),
					cpu.into(),
					probe.as_os_str().to_owned(),
				];
				argv.extend(probe_args(workload, None, files));
				let label = format!("qemu-x86_64 -cpu {cpu}");
				runs.push(Run { workload, label, argv, env: vec![], emulated: true });
			}
			let mut argv: Vec<OsString> = QEMU_AARCH64.iter().map(OsString::from).collect();
			argv.push(probe_aarch64.as_os_str().to_owned());
			argv.extend(probe_args(workload, None, files));
			runs.push(Run {
				workload,
				label: "qemu-aarch64".into(),
				argv,
				env: vec![],
				emulated: true,
			});
		}
	}
	runs
}

/// The digest in the last `digest=` line of the probe's stdout.
fn parse_digest(stdout: &str) -> Option<String> {
	let digest = stdout.lines().rev().find_map(|line| line.trim().strip_prefix("digest="))?;
	(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit())).then(|| digest.to_owned())
}

/// The last lines of a child's output, for a failure message.
fn tail(text: &str) -> String {
	let lines: Vec<&str> = text.lines().collect();
	lines[lines.len().saturating_sub(15)..].join("\n")
}

fn spawn_reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
	std::thread::spawn(move || {
		let mut bytes = Vec::new();
		let _ = pipe.read_to_end(&mut bytes);
		String::from_utf8_lossy(&bytes).into_owned()
	})
}

/// Runs one configuration in its own process group, killed whole when it outlives `TIMEOUT`.
fn run_one(run: &Run) -> Outcome {
	let start = Instant::now();
	let program = run.argv[0].to_string_lossy().into_owned();
	let mut command = Command::new(&run.argv[0]);
	command
		.args(&run.argv[1..])
		// The configuration alone decides these.
		.env_remove("OPG_KERNELS_ISA")
		.env_remove("RAYON_NUM_THREADS")
		.envs(run.env.iter().map(|(key, value)| (key, value)))
		.stdin(Stdio::null())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.process_group(0);
	let mut child = match command.spawn() {
		Ok(child) => child,
		Err(error) => {
			return Outcome {
				digest: Err(format!(
					"cannot start {program}: {error} (scripts/setup.sh installs qemu-user)"
				)),
				seconds: 0.0,
				note: String::new(),
			}
		}
	};
	let stdout = spawn_reader(child.stdout.take().unwrap());
	let stderr = spawn_reader(child.stderr.take().unwrap());
	let status = loop {
		if let Some(status) = child.try_wait().unwrap() {
			break Some(status);
		}
		if start.elapsed() > TIMEOUT {
			// The probe may sit under qemu or fake-cache.sh's unshare: kill the whole group.
			let _ =
				Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
			let _ = child.kill();
			let _ = child.wait();
			break None;
		}
		std::thread::sleep(Duration::from_millis(20));
	};
	let seconds = start.elapsed().as_secs_f64();
	let stdout = stdout.join().unwrap();
	let stderr = stderr.join().unwrap();
	let digest = match status {
		None => Err(format!("timed out after {} s and killed", TIMEOUT.as_secs())),
		Some(status) if !status.success() => {
			Err(format!("{status}\nstdout:\n{}\nstderr:\n{}", tail(&stdout), tail(&stderr)))
		}
		Some(_) => parse_digest(&stdout).ok_or_else(|| {
			format!(
				"no digest=<64 hex> line\nstdout:\n{}\nstderr:\n{}",
				tail(&stdout),
				tail(&stderr)
			)
		}),
	};
	let note = stderr
		.lines()
		.rev()
		.map(str::trim)
		.find(|line| !line.is_empty() && !line.starts_with("qemu-"))
		.unwrap_or_default()
		.chars()
		.take(60)
		.collect();
	Outcome { digest, seconds, note }
}

/// Runs every configuration, `PARALLEL` at a time, emulated (slow) ones first; none starts after
/// `BUDGET`.
fn run_all(runs: &[Run]) -> Vec<Outcome> {
	let start = Instant::now();
	let mut order: Vec<usize> = (0..runs.len()).collect();
	order.sort_by_key(|&i| !runs[i].emulated);
	let next = AtomicUsize::new(0);
	let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(runs.iter().map(|_| None).collect());
	std::thread::scope(|scope| {
		for _ in 0..PARALLEL {
			scope.spawn(|| {
				while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
					let outcome = if start.elapsed() > BUDGET {
						Outcome {
							digest: Err(format!(
								"not started: the runs before it took over {} s",
								BUDGET.as_secs()
							)),
							seconds: 0.0,
							note: String::new(),
						}
					} else {
						run_one(&runs[i])
					};
					outcomes.lock().unwrap()[i] = Some(outcome);
				}
			});
		}
	});
	outcomes.into_inner().unwrap().into_iter().map(Option::unwrap).collect()
}

#[test]
fn same_digest_across_cpus_isas_cache_geometries_and_thread_counts() {
	let probe = std::env::var_os("OPG_PROBE")
		.map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_opg-probe")), PathBuf::from);
	let probe_aarch64 = PathBuf::from(std::env::var_os("OPG_PROBE_AARCH64").expect(
		"OPG_PROBE_AARCH64 is not set: it names the arm64 build of opg-probe, which scripts/test.sh \
		 builds (cargo build --profile release --target aarch64-unknown-linux-gnu -p opg-inference \
		 --bin opg-probe, after scripts/setup.sh installed the cross toolchain) and exports; this \
		 test is part of the suite and is never skipped",
	));
	assert!(
		probe_aarch64.is_file(),
		"OPG_PROBE_AARCH64={} is not a file (scripts/test.sh cross-builds it)",
		probe_aarch64.display()
	);
	let files = Files { minilm: common::minilm_dir(), gguf: common::smollm_gguf() };
	let runs = runs(&probe, &probe_aarch64, &files);
	let start = Instant::now();
	let outcomes = run_all(&runs);

	// The reference of each workload is its first run ("native").
	let reference = |workload: Workload| {
		let i = runs.iter().position(|run| run.workload == workload).unwrap();
		outcomes[i].digest.as_ref().ok().cloned()
	};
	let (small, full, llm) =
		(reference(Workload::Small), reference(Workload::Full), reference(Workload::Llm));
	let mut table = String::from(
		"\ncross-CPU determinism (opg-probe): workload, configuration, digest, seconds, verdict, \
		 the probe's last stderr line\n",
	);
	let mut problems = Vec::new();
	for (run, outcome) in runs.iter().zip(&outcomes) {
		let native = match run.workload {
			Workload::Small => &small,
			Workload::Full => &full,
			Workload::Llm => &llm,
		};
		let (digest, verdict) = match (&outcome.digest, native) {
			(Ok(digest), Some(native)) if digest == native => (digest.as_str(), "same"),
			(Ok(digest), Some(native)) => {
				problems.push(format!(
					"{} workload, {}: digest {digest}, native {native}",
					run.workload.name(),
					run.label
				));
				(digest.as_str(), "DIFFERS")
			}
			(Ok(digest), None) => (digest.as_str(), "(native failed)"),
			(Err(error), _) => {
				problems.push(format!(
					"{} workload, {}: failed: {error}\n  command: {}",
					run.workload.name(),
					run.label,
					run.argv.iter().map(|arg| arg.to_string_lossy()).collect::<Vec<_>>().join(" ")
				));
				("-", "FAILED")
			}
		};
		writeln!(
			table,
			"  {:<5}  {:<36}  {:<64}  {:>7.2} s  {:<7}  {}",
			run.workload.name(),
			run.label,
			digest,
			outcome.seconds,
			verdict,
			outcome.note
		)
		.unwrap();
	}
	writeln!(
		table,
		"{} runs in {:.1} s, {PARALLEL} at a time",
		runs.len(),
		start.elapsed().as_secs_f64()
	)
	.unwrap();
	// Straight to the stderr file, past the test harness's capture: the CI log shows the table.
	std::io::stderr().write_all(table.as_bytes()).unwrap();
	assert!(
		problems.is_empty(),
		"{} of {} configurations differ from the native digest or failed:\n{}",
		problems.len(),
		runs.len(),
		problems.join("\n")
	);
}
