#!/usr/bin/env python3
"""Builds soma's benchmarks (Release, default flags and -march=native), runs them with
Google Benchmark's JSON output and writes docs/benchmarks.md: times, ratios against each
baseline measured in the same run, the performance targets and whether they are met.

    scripts/run_benchmarks.py [--build-dir PREFIX] [--compilers g++,clang++] [--min-time S]
                              [--repetitions N] [--source-dir DIR] [--output FILE]

OpenBLAS runs single-threaded (OPENBLAS_NUM_THREADS=1) so that every library uses one core.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

BENCHES = ["bench_dot", "bench_layer", "bench_neuron"]
VARIANTS = {"default": "", "native": "_native"}


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def capture(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def cpu_name():
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def cpu_isa():
    flags = ""
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("flags"):
            flags = line.split(":", 1)[1].split()
            break
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl") if f in flags]
    return ", ".join(isa)


def load(path):
    """name -> real time in ns (median when repeated)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    times = {}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            times[name] = None
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        times[name] = b["real_time"] * scale
    return times, data.get("context", {})


def fmt_time(t):
    if t is None:
        return "—"
    if t >= 1e6:
        return f"{t / 1e6:.2f} ms"
    if t >= 1e3:
        return f"{t / 1e3:.2f} µs"
    return f"{t:.2f} ns"


def ratio(baseline, soma):
    if baseline is None or soma is None or soma == 0:
        return None
    return baseline / soma


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}x"


DOT_SIZES = [2, 3, 4, 8, 16, 64, 256, 1024, 4096, 65536, 1048576]
DOT_BASELINES = [("naive", "plain loop"), ("std_inner_product", "std::inner_product"),
                 ("std_transform_reduce", "std::transform_reduce"), ("eigen", "Eigen"),
                 ("openblas", "OpenBLAS")]
LAYER_SHAPES = [(4, 3), (16, 16), (64, 64), (256, 256), (1024, 1024), (4096, 1024)]


def dot_name(impl, t, n):
    return f"BM_dot_{impl}<{t}>/{n}"


def layer_name(impl, out, n):
    return f"BM_layer_{impl}/out:{out}/in:{n}"


def dot_table(times, t):
    head = "| n | soma | " + " | ".join(f"vs {label}" for _, label in DOT_BASELINES) + " |"
    lines = [head, "|" + "---|" * (2 + len(DOT_BASELINES))]
    for n in DOT_SIZES:
        s = times.get(dot_name("soma", t, n))
        cells = [fmt_ratio(ratio(times.get(dot_name(b, t, n)), s)) for b, _ in DOT_BASELINES]
        lines.append(f"| {n} | {fmt_time(s)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def layer_table(times):
    lines = ["| out x in | soma forward | soma weighted_inputs | vs OpenBLAS sgemv + loop "
             "| vs Eigen | vs plain loop |", "|---|---|---|---|---|---|"]
    for out, n in LAYER_SHAPES:
        s = times.get(layer_name("soma", out, n))
        lines.append(
            f"| {out} x {n} | {fmt_time(s)} | "
            f"{fmt_time(times.get(layer_name('soma_weighted_inputs', out, n)))} | "
            f"{fmt_ratio(ratio(times.get(layer_name('openblas', out, n)), s))} | "
            f"{fmt_ratio(ratio(times.get(layer_name('eigen', out, n)), s))} | "
            f"{fmt_ratio(ratio(times.get(layer_name('naive', out, n)), s))} |")
    return "\n".join(lines)


def batch_table(times):
    lines = ["| out x in, 64 inputs | soma batch_forward | OpenBLAS sgemm + loop | ratio |",
             "|---|---|---|---|"]
    for out, n in [(16, 16), (64, 64), (256, 256)]:
        s = times.get(f"BM_batch_soma/out:{out}/in:{n}")
        o = times.get(f"BM_batch_openblas/out:{out}/in:{n}")
        lines.append(f"| {out} x {n} | {fmt_time(s)} | {fmt_time(o)} | {fmt_ratio(ratio(o, s))} |")
    return "\n".join(lines)


def neuron_table(times):
    lines = ["| case | soma fixed | soma public weighted_input | hand-written | "
             "fixed / hand-written |", "|---|---|---|---|---|"]
    cases = []
    for t in ("float", "double"):
        cases.append((f"Example 1, 4 inputs, {t}", f"BM_example1_soma_fixed<{t}>",
                      f"BM_example1_soma_public<{t}>", f"BM_example1_handwritten<{t}>"))
        for n in (2, 3):
            for kind in ("latency", "throughput"):
                label = f"static {n}-input, {kind}{' (256 inputs)' if kind == 'throughput' else ''}, {t}"
                p = f"BM_static{n}_{kind}_"
                cases.append((label, f"{p}soma_fixed<{t}>", f"{p}soma_public<{t}>",
                              f"{p}handwritten<{t}>"))
    for label, f, p, h in cases:
        tf, tp, th = times.get(f), times.get(p), times.get(h)
        r = None if tf is None or th is None else tf / th
        lines.append(f"| {label} | {fmt_time(tf)} | {fmt_time(tp)} | {fmt_time(th)} | "
                     f"{'—' if r is None else f'{r:.2f}'} |")
    return "\n".join(lines)


def check(label, value, goal, higher_is_better=True):
    if value is None:
        return f"| {label} | — | {goal} | not measured |"
    ok = value >= goal if higher_is_better else value <= goal
    return f"| {label} | {value:.2f} | {'>=' if higher_is_better else '<='} {goal} | " \
           f"{'met' if ok else 'missed'} |"


def targets(res):
    rows = ["| target | measured | goal | status |", "|---|---|---|---|"]
    for variant in ("default", "native"):
        times = res[variant]
        v = f"[{variant}]"
        for n in (1024, 4096):
            s = times.get(dot_name("soma", "float", n))
            for impl, goal, label in (("openblas", 1.0, "OpenBLAS"), ("eigen", 1.3, "Eigen"),
                                      ("naive", 30.0, "plain loop")):
                rows.append(check(f"{v} dot float n={n} vs {label}",
                                  ratio(times.get(dot_name(impl, "float", n)), s), goal))
        for t in ("float", "double"):
            worst = None
            for n in (2, 3, 4, 8, 16, 64):
                r = ratio(times.get(dot_name("openblas", t, n)),
                          times.get(dot_name("soma", t, n)))
                if r is not None:
                    worst = r if worst is None else min(worst, r)
            rows.append(check(f"{v} dot {t} n<=64 vs OpenBLAS (worst n)", worst, 2.0))
        for n in (2, 3):
            for kind in ("latency", "throughput"):
                tf = times.get(f"BM_static{n}_{kind}_soma_fixed<float>")
                th = times.get(f"BM_static{n}_{kind}_handwritten<float>")
                rows.append(check(f"{v} static {n}-input neuron ({kind}, float): soma / hand",
                                  None if tf is None or th is None else tf / th, 1.2,
                                  higher_is_better=False))
        for out, n in ((16, 16), (64, 64), (256, 256)):
            rows.append(check(f"{v} layer float {out}x{n} vs sgemv + loop",
                              ratio(times.get(layer_name("openblas", out, n)),
                                    times.get(layer_name("soma", out, n))), 1.5))
        rows.append(check(f"{v} layer float 1024x1024 vs sgemv + loop",
                          ratio(times.get(layer_name("openblas", 1024, 1024)),
                                times.get(layer_name("soma", 1024, 1024))), 1.0))
    for t in ("float", "double"):
        d = res["default"].get(dot_name("soma", t, 4096))
        nat = res["native"].get(dot_name("soma", t, 4096))
        rows.append(check(f"default-flags / -march=native time, dot {t} n=4096",
                          None if d is None or nat is None else d / nat, 1.1,
                          higher_is_better=False))
    return "\n".join(rows)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source-dir", default=os.path.dirname(here))
    ap.add_argument("--build-dir", default="/tmp/build-bench",
                    help="prefix; one build directory per compiler: <prefix>-<compiler>")
    ap.add_argument("--compilers", default="g++,clang++", help="comma-separated")
    ap.add_argument("--min-time", default="0.1")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--output", default=None, help="default: <source-dir>/docs/benchmarks.md")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-run", action="store_true",
                    help="rewrite the document from the JSON files of the last run")
    args = ap.parse_args()
    out_md = args.output or os.path.join(args.source_dir, "docs", "benchmarks.md")
    compilers = [c for c in args.compilers.split(",") if c]

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    results = {}
    context = {}
    info = {}
    for cxx in compilers:
        build = f"{args.build_dir}-{os.path.basename(cxx)}"
        if not args.skip_build and not args.skip_run:
            run(["cmake", "-S", args.source_dir, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                 f"-DCMAKE_CXX_COMPILER={cxx}", "-DSOMA_BUILD_TESTS=OFF",
                 "-DSOMA_BUILD_EXAMPLES=OFF", "-DSOMA_BUILD_BENCHMARKS=ON"])
            targets_list = [b + s for b in BENCHES for s in VARIANTS.values()]
            run(["cmake", "--build", build, "-j2", "--target"] + targets_list)
        res = {}
        for variant, suffix in VARIANTS.items():
            res[variant] = {}
            for b in BENCHES:
                exe = os.path.join(build, "bench", b + suffix)
                out_json = os.path.join(build, f"{b}{suffix}.json")
                cmd = [exe, f"--benchmark_min_time={args.min_time}",
                       f"--benchmark_out={out_json}", "--benchmark_out_format=json"]
                if args.repetitions > 1:
                    cmd += [f"--benchmark_repetitions={args.repetitions}",
                            "--benchmark_report_aggregates_only=true"]
                if not args.skip_run:
                    run(cmd, env=env, stdout=subprocess.DEVNULL)
                times, context = load(out_json)
                res[variant].update(times)
        version = capture([cxx, "--version"]).splitlines()
        cache = {}
        try:
            for line in open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8"):
                m = re.match(r"(CMAKE_CXX_FLAGS_RELEASE|SOMA_OPENBLAS_LIBRARY):\w+=(.*)", line)
                if m:
                    cache[m.group(1)] = m.group(2).strip()
        except OSError:
            pass
        results[cxx] = res
        info[cxx] = (version[0] if version else cxx, cache)

    openblas = capture(["dpkg-query", "-W", "-f=${Version}", "libopenblas0"]) or "unknown"
    eigen = capture(["dpkg-query", "-W", "-f=${Version}", "libeigen3-dev"]) or "unknown"
    gbench = capture(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"]) or "unknown"
    command = " ".join(["scripts/run_benchmarks.py"] +
                       [a for a in sys.argv[1:] if a not in ("--skip-run", "--skip-build")])
    first_cache = info[compilers[0]][1] if compilers else {}

    sigmoid_md = os.path.join(args.source_dir, "docs", "sigmoid.md")
    sigmoid = None
    if os.path.exists(sigmoid_md):
        sigmoid = open(sigmoid_md, encoding="utf-8").read()

    md = []
    md.append("# soma benchmarks\n")
    md.append("Generated by `scripts/run_benchmarks.py`; do not edit by hand (the notes under "
              "the tables are part of the script). Times are Google Benchmark real times "
              f"(median of {args.repetitions} repetitions); a ratio is *baseline time / soma "
              "time* from the same run, so above 1 means soma is faster. Benchmarks never "
              "assert on time; correctness is checked by the tests (and the Example 1 table "
              "is checked inside bench_neuron before timing).\n")
    md.append("## Setup\n")
    md.append(f"- CPU: {cpu_name()} ({context.get('num_cpus', '?')} logical CPUs, "
              f"{context.get('mhz_per_cpu', '?')} MHz reported; ISA: {cpu_isa()}). The "
              "machine is shared with other work, so differences of 10-20 % between runs are "
              "noise.")
    md.append("- Compilers: " + "; ".join(f"`{c}`: {info[c][0]}" for c in compilers))
    md.append(f"- Flags: CMake Release `{first_cache.get('CMAKE_CXX_FLAGS_RELEASE', '-O3 -DNDEBUG')}`"
              " plus `-O3`; the *default* build adds nothing else (soma picks AVX2 or AVX-512 "
              "at run time), the *native* build adds `-march=native` (soma uses the targeted "
              "ISA directly, no dispatch).")
    md.append(f"- Baselines: OpenBLAS {openblas} "
              f"(`{first_cache.get('SOMA_OPENBLAS_LIBRARY', '?')}`), run with "
              f"`OPENBLAS_NUM_THREADS=1`; Eigen {eigen}; Google Benchmark {gbench}.")
    md.append(f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    md.append(f"- Command: `{command}` (min time {args.min_time} s per benchmark)\n")

    for cxx in compilers:
        md.append(f"## Targets — {info[cxx][0]}\n")
        md.append(targets(results[cxx]) + "\n")
    md.append(NOTES_TARGETS)

    for cxx in compilers:
        res = results[cxx]
        name = info[cxx][0]
        for variant in ("default", "native"):
            md.append(f"## Dot product z = Σ wᵢxᵢ — {name}, {variant} build\n")
            for t in ("float", "double"):
                md.append(f"### {t}\n")
                md.append(dot_table(res[variant], t) + "\n")
    md.append(NOTES_DOT)

    for cxx in compilers:
        res = results[cxx]
        name = info[cxx][0]
        for variant in ("default", "native"):
            md.append(f"## Dense layer y = ReLU(W x + b), float — {name}, {variant} build\n")
            md.append(layer_table(res[variant]) + "\n")
            md.append(batch_table(res[variant]) + "\n")
    md.append(NOTES_LAYER)

    for cxx in compilers:
        res = results[cxx]
        name = info[cxx][0]
        for variant in ("default", "native"):
            md.append(f"## Small static neurons — {name}, {variant} build\n")
            md.append(neuron_table(res[variant]) + "\n")
    md.append(NOTES_NEURON)

    md.append("## Sigmoid\n")
    md.append("<!-- sigmoid results: maintained with soma's sigmoid (docs/sigmoid.md); this "
              "script copies that file's contents here when it exists. -->\n")
    if sigmoid:
        # The throughput part of docs/sigmoid.md (from its "## Throughput" heading on, or
        # the whole file), headings moved one level down to nest under this section.
        m = re.search(r"^## Throughput.*", sigmoid, flags=re.M | re.S)
        part = m.group(0) if m else sigmoid
        part = re.sub(r"^(#+) ", r"#\1 ", part, flags=re.M)
        md.append("From docs/sigmoid.md:\n")
        md.append(part.strip() + "\n")
    else:
        md.append("*Sigmoid benchmark results go here (docs/sigmoid.md is not present yet).*\n")

    os.makedirs(os.path.dirname(out_md), exist_ok=True)
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"wrote {out_md}")


NOTES_TARGETS = """\
Where a target is missed, and why (the machine is shared, so a ratio within about 15 %
of its goal can land on either side from run to run):

- *Dot, float n = 1024 / 4096, 30x the plain loop.* Met with Clang and -march=native
  (43x / 55x), where Clang compiles the plain loop to a chain of dependent FMAs (4
  cycles per element); missed elsewhere (17x to 28x), where the plain loop is a chain of
  dependent adds (2 to 3 cycles per element). soma itself is bounded by the load ports:
  every 16-lane FMA needs a 64-byte load of w and one of x, two per cycle, so at best
  one FMA per cycle, about 61 ns at n = 4096 when both are 64-byte aligned (the
  benchmark's buffers are not; soma peels to align w and reads x as aligned blocks
  joined by a permute, and measures 69 to 76 ns). At n = 1024 the fixed cost of the
  call, the peel and the 64-lane reduction tree (about 30 cycles) is a quarter of the
  time. No summation order can beat the load bound, so 30x over a 2-cycle loop would
  need about 16 elements per cycle sustained, which is exactly that bound.
- *Dot, 1.3x Eigen with -march=native.* Met at n = 4096 (1.31x GCC, 1.37x Clang);
  missed at n = 1024 (0.90x GCC, 1.14x Clang). With -march=native Eigen also uses
  AVX-512 and meets the same load bound with a cheaper, unordered reduction; soma pays
  its fixed-order 64-lane tree, which weighs more at n = 1024. With default flags Eigen
  has SSE2 only and soma (dispatching to AVX-512) is 2.2x to 3.6x faster.
- *Dot, n <= 64, 2x OpenBLAS.* Met for n = 2 .. 16 (2.1x to 4.4x; one exception, GCC
  -march=native float n = 8 at 1.5x); missed at n = 64 (1.3x to 1.7x). At n = 64 the time
  is mostly the canonical tree (two levels across four registers, four inside one,
  about 30 cycles of latency) for just four FMAs.
- *Static neuron within 1.2x of the hand-written expression.* The latency benchmarks
  (one evaluation) are at 1.0x to 1.2x with both compilers, and Clang's throughput loops
  too. GCC's throughput loops (256 inputs, step activation) come out at 1.3x to 1.4x:
  soma's products pass through an empty asm so that no compiler fuses them into the
  following add (which would change the bits); GCC schedules that loop less freely.
- *Layers 64x64 and 256x256, 1.5x sgemv.* Measured 1.27x to 1.30x (64x64) and 1.36x to
  1.44x (256x256); 16x16 (1.7x to 1.9x) and 1024x1024 (1.00x to 1.07x) are met. At
  256x256 W (256 KB) streams from L2: soma reaches about 135 GB/s, OpenBLAS about
  95 GB/s, and neither gets near the L2's peak with four row streams. At 64x64 (in L1)
  the FMAs are cheap and the time goes to the per-row epilogue the canonical order
  prescribes (the bias in partial sum n mod P, three cross-register adds, the
  in-register tree, done for four rows at once), about 30 cycles per group of rows.
- *Batches.* soma::batch_forward evaluates one layer pass per input (a gemv each), so
  it is 0.3x to 0.6x of one cblas_sgemm over the whole batch, which reuses W across
  inputs; a blocked batch kernel is not part of this work.
"""

NOTES_DOT = """\
Notes: soma sums in its canonical order (64 partial sums for float, 32 for double, fixed
pairwise tree), so its result has the same bits with every ISA, compiler and flag; the
plain loop and std::inner_product sum left to right (no reassociation without
-ffast-math); std::transform_reduce may reassociate. Eigen and OpenBLAS choose their own
order. Inputs are std::vector (16-byte aligned), so full-width loads are misaligned.
Google Benchmark here is Debian's build, which prints "Library was built as DEBUG"; that
concerns the harness only, the code under test is built -O3.
"""

NOTES_LAYER = """\
Notes: soma::forward computes 4 rows per pass (AVX-512) sharing each load of x, applies
the bias and ReLU per block of 64 outputs, and every output is bitwise the single-neuron
result. The OpenBLAS baseline is `memcpy(y, b)`, `cblas_sgemv(RowMajor, NoTrans, ...,
beta = 1)`, then a separate ReLU loop; Eigen evaluates `W * x` then `(y + b).cwiseMax(0)`.
The batch rows compare soma::batch_forward (64 inputs, one layer pass each) with one
cblas_sgemm plus the loop.
"""

NOTES_NEURON = """\
Notes: *soma fixed* is `detail::inner_product_fixed<T, N>`, the straight-line canonical
order (round(w_i x_i) per partial sum, the bias as partial sum N, the pairwise tree); the
public `soma::weighted_input` column is whatever path soma/weighted_input.hpp takes for a
static extent when this was run. The hand-written expression `w0*x0 + w1*x1 + b` is
compiled as the compiler likes (in the native build it is contracted to FMAs, so its bits
differ from soma's). Example 1 is w = (5, 3), θ = 4, b = -4 over (0,0), (1,0), (0,1), (1,1):
w·x = 0, 5, 3, 8 and y = 0, 1, 0, 1, checked before timing.
"""

if __name__ == "__main__":
    main()
