#!/usr/bin/env python3
"""Builds soma's benchmarks, runs them and writes docs/benchmarks.md.

Every bench_* program is built twice per compiler, in the builds users make: -O3 with no
-march (the "default" variant; soma picks its kernels at run time) and -O3 -march=native
(the "native" variant). Each program runs with Google Benchmark's JSON output; the
document reports times and ratios *baseline time / soma time* measured in the same run
(above 1 means soma is faster), the performance targets with met / missed, and the
detailed tables. Nothing here asserts on time.

    scripts/run_benchmarks.py [--build-dir PREFIX] [--compilers g++,clang++] [--min-time S]
                              [--repetitions N] [--time cpu|real] [--source-dir DIR]
                              [--output FILE] [--skip-build] [--skip-run]

--skip-run rewrites the document from the JSON files (and run_info.json) of the last run
in the same build directories, without building or running anything.

OpenBLAS runs single-threaded (OPENBLAS_NUM_THREADS=1) so that every library uses one core.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys

BENCHES = ["bench_sigmoid", "bench_neuron", "bench_dot", "bench_layer", "bench_dense_layer"]
VARIANTS = {"default": "", "native": "_native"}
VARIANT_NAMES = list(VARIANTS)

# ---------------------------------------------------------------------------------------
# Benchmark names (the programs in bench/ register exactly these)
# ---------------------------------------------------------------------------------------

SIGMOID_N = 4096
SIGMOID_KERNELS = [("soma", "`soma::sigmoid(span, span)` (array form)"),
                   ("soma_scalar", "`soma::sigmoid(T)`, one call per element"),
                   ("naive", "`1/(1+std::exp(-z))`, one per element"),
                   ("eigen", "Eigen `logistic()`"),
                   ("xnnpack_style", "XNNPACK-style AVX-512F kernel (float)")]


def sigmoid_name(kernel, t, n=SIGMOID_N):
    if kernel == "xnnpack_style":
        return f"BM_sigmoid_xnnpack_style/{n}" if t == "float" else None
    return f"BM_sigmoid_{kernel}<{t}>/{n}"


NEURON_CASES = [("example1_step", "Example 1: `step_neuron<T, 2>::from_threshold({5, 3}, 4)`"),
                ("sigmoid2", "2-input `sigmoid_neuron<T, 2>`"),
                ("z2", "2-input weighted input `weighted_input(w, x, b)`"),
                ("z3", "3-input weighted input `weighted_input(w, x, b)`")]
NEURON_STREAM = 4096


def neuron_name(case, side, t):
    return f"BM_neuron_{case}_{side}<{t}>"


DOT_SWEEP = list(range(2, 65))
DOT_LARGE = [256, 1024, 4096, 65536, 1048576]
DOT_SPARSE = [2, 3, 4, 8, 16, 64] + DOT_LARGE
DOT_BASELINES = [("naive", "plain loop"), ("std_inner_product", "std::inner_product"),
                 ("std_transform_reduce", "std::transform_reduce"), ("eigen", "Eigen"),
                 ("openblas", "OpenBLAS")]


def dot_name(impl, t, n):
    return f"BM_dot_{impl}<{t}>/{n}"


# (rows, n) = (outputs, inputs); shapes are written "out x in" everywhere.
LAYER_SHAPES = [(1, 2), (4, 4), (16, 16), (64, 64), (256, 256), (1024, 1024)]
LAYER_FIXED = [(1, 2), (4, 4), (16, 16), (64, 64)]
BATCH_SHAPES = [(16, 16), (64, 64), (256, 256)]


def layer_name(impl, out, n):
    return f"BM_layer_{impl}/out:{out}/in:{n}"


# Static dense layers (bench_dense_layer), shapes written "in x out" as the program names
# them: 2x1 is two inputs, one output.
DENSE_SHAPES = [(2, 1), (3, 1), (4, 4), (8, 8), (16, 16), (24, 1), (64, 64), (128, 128)]
NETWORKS = ["784-128-10", "64-64-64"]
NETWORK_BATCHES = [1, 256]


def dense_name(impl, n_in, n_out):
    return f"BM_dense_{impl}/{n_in}x{n_out}"


def network_name(impl, net, batch):
    return f"BM_network_{impl}/{net}/batch:{batch}"


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------

def run(cmd, **kw):
    print("+", shlex.join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def capture(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


ISA_FLAGS = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512cd",
             "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vnni", "avx512_bf16",
             "avx512_fp16"]


def cpu_info():
    model, flags = None, []
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if model is None and line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif not flags and line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    isa = [f for f in ISA_FLAGS if f in flags]
    return {"model": model or platform.processor() or "unknown",
            "logical_cpus": os.cpu_count(),
            "isa": isa,
            "avx512": "avx512f" in flags}


def compile_flags(build, bench, suffix):
    """The optimisation and target flags the bench target was compiled with."""
    try:
        with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return None
    for e in entries:
        cmd = e.get("command") or " ".join(e.get("arguments", []))
        if f"/{bench}{suffix}.dir/" not in cmd:
            continue
        keep = [a for a in shlex.split(cmd)[1:]
                if re.match(r"-(O|m|f|g|std=|DNDEBUG)", a)]
        return " ".join(keep)
    return None


def load(path, measure):
    """name -> time in ns (median when repeated), name -> counters."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    times, counters = {}, {}
    skip = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads",
            "iterations", "real_time", "cpu_time", "time_unit", "family_index",
            "per_family_instance_index", "aggregate_name", "aggregate_unit", "label",
            "error_occurred", "error_message"}
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            times[name] = None
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        times[name] = b[f"{measure}_time"] * scale
        counters[name] = {k: v for k, v in b.items()
                          if k not in skip and isinstance(v, (int, float))}
    return times, counters, data.get("context", {})


# ---------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------

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


def fmt_ulp(u):
    if u is None:
        return "—"
    if u >= 1e3:
        return f"{u:.1e}"
    return f"{u:.2f}"


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------

class Target:
    """One performance target: `measure(times)` returns (value, text) or (None, None);
    value is compared with goal (>= goal: higher is better)."""

    def __init__(self, label, goal, goal_text, measure):
        self.label, self.goal, self.goal_text, self.measure = label, goal, goal_text, measure

    def evaluate(self, times):
        value, text = self.measure(times)
        if value is None:
            return "—", "not measured", None
        met = value >= self.goal - 1e-12
        return text, "met" if met else "**missed**", met


def simple_ratio(baseline_name, soma_name):
    def measure(times):
        r = ratio(times.get(baseline_name), times.get(soma_name))
        return (None, None) if r is None else (r, f"{r:.2f}")
    return measure


def hand_over_soma(case):
    def measure(times):
        s, h = times.get(neuron_name(case, "soma", "float")), times.get(neuron_name(case, "hand", "float"))
        r = ratio(h, s)
        return (None, None) if r is None else (r, f"{r:.2f} (soma / hand {1 / r:.2f})")
    return measure


def dot_worst(baseline, t):
    def measure(times):
        rs = [(ratio(times.get(dot_name(baseline, t, n)), times.get(dot_name("soma", t, n))), n)
              for n in DOT_SWEEP]
        rs = [(r, n) for r, n in rs if r is not None]
        if not rs:
            return None, None
        goal = 2.0 if baseline == "openblas" else 1.0
        worst, n = min(rs)
        met = sum(1 for r, _ in rs if r >= goal)
        return worst, f"{worst:.2f} at n = {n} (goal met at {met} of {len(rs)} n)"
    return measure


def worst_ratio(pairs, goal):
    """pairs: [(label, baseline name, soma name)]; the smallest ratio and where."""
    def measure(times):
        rs = [(ratio(times.get(b), times.get(so)), label) for label, b, so in pairs]
        rs = [(r, label) for r, label in rs if r is not None]
        if not rs:
            return None, None
        worst, label = min(rs)
        met = sum(1 for r, _ in rs if r >= goal)
        return worst, f"{worst:.2f} at {label} (goal met at {met} of {len(rs)})"
    return measure


def target_list():
    ts = [
        Target("Scalar sigmoid, float, 4096 inputs: naive loop / `soma::sigmoid(float)`", 1.0,
               ">= 1.00", simple_ratio(sigmoid_name("naive", "float"),
                                       sigmoid_name("soma_scalar", "float"))),
        Target("Scalar sigmoid, double, 4096 inputs: naive loop / `soma::sigmoid(double)`",
               1 / 1.5, ">= 0.67 (1/1.5)",
               simple_ratio(sigmoid_name("naive", "double"), sigmoid_name("soma_scalar", "double"))),
        Target("Example 1 step neuron, float, stream: hand / soma", 1 / 1.2,
               ">= 0.83 (soma / hand <= 1.2)", hand_over_soma("example1_step")),
        Target("2-input sigmoid neuron, float, stream: hand / soma", 1 / 1.2,
               ">= 0.83 (soma / hand <= 1.2)", hand_over_soma("sigmoid2")),
    ]
    for t in ("float", "double"):
        ts.append(Target(f"`dot` {t}, every n in 2..64: Eigen / soma, worst n", 1.0, ">= 1.00",
                         dot_worst("eigen", t)))
        ts.append(Target(f"`dot` {t}, every n in 2..64: OpenBLAS / soma, worst n", 2.0,
                         ">= 2.00", dot_worst("openblas", t)))
    for t in ("float", "double"):
        ts.append(Target(f"`dot` {t}, n = 4096: OpenBLAS / soma", 1.0, ">= 1.00",
                         simple_ratio(dot_name("openblas", t, 4096), dot_name("soma", t, 4096))))
    for out, n in LAYER_FIXED:
        s = layer_name("soma", out, n)
        for impl, label in (("naive", "plain loop"), ("eigen", "Eigen dynamic"),
                            ("eigen_fixed", "Eigen fixed-size")):
            ts.append(Target(f"Layer {out} x {n} (out x in): {label} / soma", 1.0, ">= 1.00",
                             simple_ratio(layer_name(impl, out, n), s)))
    ts.append(Target("Layer 1024 x 1024: (sgemv + activation loop) / soma", 1.0, ">= 1.00",
                     simple_ratio(layer_name("openblas", 1024, 1024),
                                  layer_name("soma", 1024, 1024))))
    dense = [(f"{i}x{o}", dense_name("eigen_fixed", i, o), dense_name("soma", i, o))
             for i, o in DENSE_SHAPES]
    ts.append(Target("Static `dense_layer`, every shape (in x out): Eigen fixed-size / soma, "
                     "worst", 1.0, ">= 1.00", worst_ratio(dense, 1.0)))
    ts.append(Target("Static `dense_layer`, 16x16 and above: Eigen fixed-size / soma, worst",
                     1.2, ">= 1.20",
                     worst_ratio([d for d, (i, o) in zip(dense, DENSE_SHAPES)
                                  if i * o >= 256], 1.2)))
    nets = [(f"{net} batch {b}", network_name("eigen", net, b), network_name("soma", net, b))
            for net in NETWORKS for b in NETWORK_BATCHES]
    ts.append(Target("Sigmoid networks 784-128-10 and 64-64-64, batch 1 and 256: Eigen "
                     "dynamic / soma, worst", 1.0, ">= 1.00", worst_ratio(nets, 1.0)))
    return ts


def targets_table(res):
    rows, met = [], {v: [0, 0] for v in VARIANT_NAMES}
    for t in target_list():
        cells = [t.label, t.goal_text]
        for v in VARIANT_NAMES:
            text, status, ok = t.evaluate(res.get(v, {}))
            cells += [text, status]
            if ok is not None:
                met[v][1] += 1
                met[v][0] += ok
        rows.append(cells)
    head = ["target", "goal"]
    for v in VARIANT_NAMES:
        head += [f"{v}: measured", f"{v}: status"]
    summary = "; ".join(f"{v}: {m} of {n} met" for v, (m, n) in met.items())
    return table(head, rows) + f"\n{summary}.\n"


# ---------------------------------------------------------------------------------------
# Detailed tables
# ---------------------------------------------------------------------------------------

def sigmoid_table(res, counters):
    head = ["kernel", "type"] + [f"{v} ns/elem" for v in VARIANT_NAMES] + \
           [f"{v}: naive / kernel" for v in VARIANT_NAMES] + \
           [f"{v}: max ULP (normal range)" for v in VARIANT_NAMES]
    rows = []
    for t in ("float", "double"):
        for kernel, label in SIGMOID_KERNELS:
            name = sigmoid_name(kernel, t)
            if name is None:
                continue
            cells = [label, t]
            for v in VARIANT_NAMES:
                tm = res[v].get(name)
                cells.append("—" if tm is None else f"{tm / SIGMOID_N:.3f}")
            for v in VARIANT_NAMES:
                cells.append(fmt_ratio(ratio(res[v].get(sigmoid_name("naive", t)),
                                             res[v].get(name))))
            for v in VARIANT_NAMES:
                c = counters[v].get(name) or {}
                u, un = c.get("max_ulp"), c.get("max_ulp_normal")
                cells.append("—" if u is None else f"{fmt_ulp(u)} ({fmt_ulp(un)})")
            rows.append(cells)
    return table(head, rows)


def neuron_table(res):
    head = ["case", "type"]
    for v in VARIANT_NAMES:
        head += [f"{v}: soma ns/input", f"{v}: hand ns/input", f"{v}: hand / soma"]
    rows = []
    for t in ("float", "double"):
        for case, label in NEURON_CASES:
            cells = [label, t]
            for v in VARIANT_NAMES:
                s = res[v].get(neuron_name(case, "soma", t))
                h = res[v].get(neuron_name(case, "hand", t))
                cells += ["—" if s is None else f"{s / NEURON_STREAM:.3f}",
                          "—" if h is None else f"{h / NEURON_STREAM:.3f}",
                          fmt_ratio(ratio(h, s))]
            rows.append(cells)
    return table(head, rows)


def dot_sweep_table(res, t):
    head = ["n"]
    for v in VARIANT_NAMES:
        head += [f"{v}: soma", f"{v}: Eigen / soma", f"{v}: OpenBLAS / soma"]
    rows = []
    for n in DOT_SWEEP + DOT_LARGE:
        cells = [str(n)]
        for v in VARIANT_NAMES:
            s = res[v].get(dot_name("soma", t, n))
            cells += [fmt_time(s), fmt_ratio(ratio(res[v].get(dot_name("eigen", t, n)), s)),
                      fmt_ratio(ratio(res[v].get(dot_name("openblas", t, n)), s))]
        rows.append(cells)
    return table(head, rows)


def dot_table(times, t):
    head = ["n", "soma"] + [f"{label} / soma" for _, label in DOT_BASELINES]
    rows = []
    for n in DOT_SPARSE:
        s = times.get(dot_name("soma", t, n))
        rows.append([str(n), fmt_time(s)] +
                    [fmt_ratio(ratio(times.get(dot_name(b, t, n)), s)) for b, _ in DOT_BASELINES])
    return table(head, rows)


def layer_table(times):
    head = ["out x in", "soma forward", "soma weighted_inputs", "plain loop / soma",
            "Eigen dynamic / soma", "Eigen fixed / soma", "(sgemv + loop) / soma"]
    rows = []
    for out, n in LAYER_SHAPES:
        s = times.get(layer_name("soma", out, n))
        rows.append([f"{out} x {n}", fmt_time(s),
                     fmt_time(times.get(layer_name("soma_weighted_inputs", out, n)))] +
                    [fmt_ratio(ratio(times.get(layer_name(impl, out, n)), s))
                     for impl in ("naive", "eigen", "eigen_fixed", "openblas")])
    return table(head, rows)


def batch_table(times):
    rows = []
    for out, n in BATCH_SHAPES:
        s = times.get(f"BM_batch_soma/out:{out}/in:{n}")
        o = times.get(f"BM_batch_openblas/out:{out}/in:{n}")
        rows.append([f"{out} x {n}", fmt_time(s), fmt_time(o), fmt_ratio(ratio(o, s))])
    return table(["out x in, 64 inputs", "soma batch_forward", "OpenBLAS sgemm + loop",
                  "OpenBLAS / soma"], rows)


def dense_table(times):
    rows = []
    for i, o in DENSE_SHAPES:
        s = times.get(dense_name("soma", i, o))
        rows.append([f"{i}x{o}", fmt_time(s),
                     fmt_ratio(ratio(times.get(dense_name("eigen_fixed", i, o)), s)),
                     fmt_ratio(ratio(times.get(dense_name("loop", i, o)), s))])
    return table(["in x out", "soma `dense_layer` forward", "Eigen fixed / soma",
                  "plain loop / soma"], rows)


def network_table(times):
    rows = []
    for net in NETWORKS:
        for b in NETWORK_BATCHES:
            s, e = times.get(network_name("soma", net, b)), times.get(network_name("eigen", net, b))
            rows.append([net, str(b), fmt_time(s), fmt_time(e), fmt_ratio(ratio(e, s))])
    return table(["network", "inputs per call", "soma `network`", "Eigen dynamic",
                  "Eigen / soma"], rows)


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

def reproduce_command(args):
    cmd = ["scripts/run_benchmarks.py", "--compilers", args.compilers, "--min-time",
           str(args.min_time), "--repetitions", str(args.repetitions), "--time",
           args.time or "cpu", "--build-dir", args.build_dir]
    return shlex.join(cmd)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source-dir", default=os.path.dirname(here))
    ap.add_argument("--build-dir", default="/tmp/build-bench",
                    help="prefix; one build directory per compiler: <prefix>-<compiler>")
    ap.add_argument("--compilers", default="g++,clang++", help="comma-separated")
    ap.add_argument("--min-time", default="0.1", help="seconds per benchmark (Google Benchmark)")
    ap.add_argument("--repetitions", type=int, default=3, help="the median is reported")
    ap.add_argument("--time", choices=("cpu", "real"), default=None,
                    help="which Google Benchmark time to compare (default: cpu, which a "
                         "shared machine disturbs less, every benchmark being single-threaded;"
                         " with --skip-run: the last run's choice)")
    ap.add_argument("--output", default=None, help="default: <source-dir>/docs/benchmarks.md")
    ap.add_argument("--skip-build", action="store_true", help="run the existing binaries")
    ap.add_argument("--skip-run", action="store_true",
                    help="rewrite the document from the JSON files of the last run")
    args = ap.parse_args()
    out_md = args.output or os.path.join(args.source_dir, "docs", "benchmarks.md")
    compilers = [c for c in args.compilers.split(",") if c]
    if not compilers:
        ap.error("no compilers")

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    results, counters, info = {}, {}, {}
    run_info = None
    for cxx in compilers:
        build = f"{args.build_dir}-{os.path.basename(cxx)}"
        info_path = os.path.join(build, "run_info.json")
        if args.skip_run:
            saved = {}
            if os.path.exists(info_path):
                with open(info_path, encoding="utf-8") as f:
                    saved = json.load(f)
            measure = args.time or saved.get("time", "cpu")
            this_run = dict(saved) if saved else None
        else:
            measure = args.time or "cpu"
            if not args.skip_build:
                run(["cmake", "-S", args.source_dir, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     f"-DCMAKE_CXX_COMPILER={cxx}", "-DSOMA_BUILD_TESTS=OFF",
                     "-DSOMA_BUILD_EXAMPLES=OFF", "-DSOMA_BUILD_BENCHMARKS=ON",
                     "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"])
                targets = [b + s for b in BENCHES for s in VARIANTS.values()]
                run(["cmake", "--build", build, "-j2", "--target"] + targets)
            this_run = {"command": reproduce_command(args), "min_time": args.min_time,
                        "repetitions": args.repetitions,
                        "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
                        "cpu": cpu_info()}
        res, cnt = {}, {}
        for variant, suffix in VARIANTS.items():
            res[variant], cnt[variant] = {}, {}
            for b in BENCHES:
                exe = os.path.join(build, "bench", b + suffix)
                out_json = os.path.join(build, f"{b}{suffix}.json")
                if not args.skip_run:
                    cmd = [exe, f"--benchmark_min_time={args.min_time}",
                           f"--benchmark_out={out_json}", "--benchmark_out_format=json"]
                    if args.repetitions > 1:
                        # Repetitions in random order across the program's benchmarks,
                        # so that a burst of load from other work on the machine hits
                        # one repetition of several benchmarks rather than every
                        # repetition of one (the median then discards it).
                        cmd += [f"--benchmark_repetitions={args.repetitions}",
                                "--benchmark_enable_random_interleaving=true",
                                "--benchmark_report_aggregates_only=true"]
                    run(cmd, env=env, stdout=subprocess.DEVNULL)
                if not os.path.exists(out_json):
                    print(f"warning: {out_json} missing; its rows stay empty", file=sys.stderr)
                    continue
                times, c, _ = load(out_json, measure)
                res[variant].update(times)
                cnt[variant].update(c)
        if not args.skip_run:
            this_run["time"] = measure
            this_run["interleaved"] = args.repetitions > 1
            with open(info_path, "w", encoding="utf-8") as f:
                json.dump(this_run, f, indent=1)
        if run_info is None and this_run:
            run_info = dict(this_run, time=measure)
        version = capture([cxx, "--version"]).splitlines()
        openblas_lib = None
        try:
            for line in open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8"):
                m = re.match(r"SOMA_OPENBLAS_LIBRARY:\w+=(.*)", line)
                if m:
                    openblas_lib = m.group(1).strip()
        except OSError:
            pass
        flags = {v: compile_flags(build, "bench_dot", s) for v, s in VARIANTS.items()}
        results[cxx], counters[cxx] = res, cnt
        info[cxx] = {"version": version[0] if version else cxx, "flags": flags,
                     "openblas": openblas_lib}

    if run_info is None:  # --skip-run on a build directory without run_info.json
        run_info = {"command": reproduce_command(args), "min_time": args.min_time,
                    "repetitions": args.repetitions, "time": args.time or "cpu",
                    "date": "unknown", "cpu": cpu_info()}
    write_document(out_md, compilers, results, counters, info, run_info)
    print(f"wrote {out_md}")


def write_document(out_md, compilers, results, counters, info, run_info):
    cpu = run_info["cpu"]
    openblas = capture(["dpkg-query", "-W", "-f=${Version}", "libopenblas0"]) or "unknown"
    eigen = capture(["dpkg-query", "-W", "-f=${Version}", "libeigen3-dev"]) or "unknown"
    gbench = capture(["dpkg-query", "-W", "-f=${Version}", "libbenchmark-dev"]) or "unknown"
    first = info[compilers[0]]
    reps = run_info["repetitions"]
    measure = "CPU" if run_info["time"] == "cpu" else "real (wall-clock)"

    md = []
    md.append("# soma benchmarks\n")
    md.append("Generated by `scripts/run_benchmarks.py`; do not edit by hand (the notes are "
              f"part of the script). Times are Google Benchmark {measure} times per "
              "iteration, " + (f"the median of {reps} repetitions" + (
                  " run in random order across each program's benchmarks"
                  if run_info.get("interleaved") else "") if reps > 1 else
                               "one repetition each") + ". A "
              "ratio is *other time / soma time*, both measured in the same run, so above 1 "
              "means soma is faster. Benchmarks never assert on time; correctness is the "
              "tests' job (the neuron and layer benchmarks also check their outputs and "
              "report an error instead of a time on a mismatch).\n")

    md.append("## Setup\n")
    md.append(f"- CPU: {cpu['model']} ({cpu['logical_cpus']} logical CPUs). ISA flags: "
              f"{', '.join(cpu['isa']) or 'none of those checked'}. AVX-512: "
              f"{'yes' if cpu['avx512'] else 'no'}. The machine may be shared with other "
              "work; ratios within about 15 % of a goal can land on either side from run "
              "to run.")
    md.append("- Compilers: " + "; ".join(f"`{c}`: {info[c]['version']}" for c in compilers))
    for c in compilers:
        fl = info[c]["flags"]
        md.append(f"- Flags ({c}): default `{fl.get('default') or '-O3 -DNDEBUG -O3'}`; "
                  f"native `{fl.get('native') or '-O3 -DNDEBUG -O3 -march=native'}` (CMake "
                  "Release plus the bench targets' own `-O3`; warnings flags omitted). In "
                  "the default build soma picks AVX-512, AVX2 or portable kernels at run "
                  "time; in the native build it uses the targeted ISA directly.")
    md.append(f"- Baselines: OpenBLAS {openblas} (`{first.get('openblas') or '?'}`), run with "
              f"`OPENBLAS_NUM_THREADS=1`; Eigen {eigen}; Google Benchmark {gbench}.")
    md.append(f"- Date: {run_info['date']}")
    md.append(f"- Command (from the repository root): `{run_info['command']}` (min time "
              f"{run_info['min_time']} s per benchmark). `--skip-run` rewrites this file from "
              "the last run's JSON files.\n")

    for cxx in compilers:
        md.append(f"## Targets — {info[cxx]['version']}\n")
        md.append(targets_table(results[cxx]))
    md.append(NOTES_TARGETS)
    md.append(NOTES_MISSES)

    md.append("## Sigmoid σ(z) = 1/(1 + e^-z), n = 4096\n")
    for cxx in compilers:
        md.append(f"### {info[cxx]['version']}\n")
        md.append(sigmoid_table(results[cxx], counters[cxx]))
    md.append(NOTES_SIGMOID)

    md.append("## Small neurons over a stream of 4096 inputs\n")
    for cxx in compilers:
        md.append(f"### {info[cxx]['version']}\n")
        md.append(neuron_table(results[cxx]))
    md.append(NOTES_NEURON)

    md.append("## Dot product z = Σ wᵢxᵢ, n = 2..64 and large n\n")
    for cxx in compilers:
        for t in ("float", "double"):
            md.append(f"### {info[cxx]['version']}, {t}\n")
            md.append(dot_sweep_table(results[cxx], t))
    md.append("## Dot product against every baseline\n")
    for cxx in compilers:
        for variant in VARIANT_NAMES:
            for t in ("float", "double"):
                md.append(f"### {info[cxx]['version']}, {variant} build, {t}\n")
                md.append(dot_table(results[cxx][variant], t))
    md.append(NOTES_DOT)

    md.append("## Dense layer y = σ(W x + b), float (shapes out x in)\n")
    for cxx in compilers:
        for variant in VARIANT_NAMES:
            md.append(f"### {info[cxx]['version']}, {variant} build\n")
            md.append(layer_table(results[cxx][variant]))
            md.append(batch_table(results[cxx][variant]))
    md.append(NOTES_LAYER)

    md.append("## Static dense layers and networks, float, sigmoid\n")
    for cxx in compilers:
        for variant in VARIANT_NAMES:
            md.append(f"### {info[cxx]['version']}, {variant} build\n")
            md.append(dense_table(results[cxx][variant]))
            md.append(network_table(results[cxx][variant]))
    md.append(NOTES_DENSE)

    # The training comparison (scripts/compare_fann.py) is measured by its own script: its
    # block of the previous file is kept as it was.
    begin, end = "<!-- training:begin -->", "<!-- training:end -->"
    if os.path.exists(out_md):
        with open(out_md, encoding="utf-8") as f:
            old = f.read()
        if begin in old and end in old:
            md.append("\n" + old[old.index(begin):old.index(end) + len(end)] + "\n")
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(md))


NOTES_TARGETS = """\
How each target is measured (benchmark names in bench/):

- *Scalar sigmoid*: `BM_sigmoid_naive<T>/4096` over `BM_sigmoid_soma_scalar<T>/4096`
  (bench_sigmoid): one call per element over the same 4096 inputs, uniform in [-12, 12].
- *Neurons*: `BM_neuron_example1_step_hand<float>` over `..._soma<float>` and
  `BM_neuron_sigmoid2_hand<float>` over `..._soma<float>` (bench_neuron), each over the
  same stream of 4096 inputs; reported as hand / soma, so the goal soma / hand <= 1.2 is
  hand / soma >= 0.83.
- *Dot*: `BM_dot_eigen<T>/n` and `BM_dot_openblas<T>/n` over `BM_dot_soma<T>/n`
  (bench_dot) for every n in 2..64; the smallest ratio and its n are shown, with the
  number of n at which the goal is met. n = 4096 against OpenBLAS the same way.
- *Layers*: `BM_layer_naive`, `BM_layer_eigen` and `BM_layer_eigen_fixed` over
  `BM_layer_soma` at out:1/in:2, out:4/in:4, out:16/in:16 and out:64/in:64 (bench_layer),
  and `BM_layer_openblas` over `BM_layer_soma` at out:1024/in:1024.
"""

NOTES_MISSES = """\
Where targets are missed, and why (the measured gaps are in the tables above):

- *Scalar sigmoid, default build.* `soma::sigmoid(z)` runs the FMA-compiled definition
  through the kernel table (the C library's software fma made it 32 ns per value), with
  branch-free selects (a branch on the sign of z mispredicted for half of all random
  inputs) and a shortened critical path (-|z| and the 2^k scaling in floating-point
  registers; on x86-64 the whole evaluation in SSE registers, `one_double`). What is
  left is the algorithm's length: float evaluates a degree-6
  polynomial and a division in double (about 30 instructions, 0.53 ULP), double carries
  e^r and 1/(1+e) as double-double sums (about 90 instructions, 1 ULP), against glibc's
  table-driven `exp` plus one division in the naive loop (about 2.4 ULP float and 2.0 ULP
  double where σ is normal, see the sigmoid table). The algorithm is fixed by the bitwise
  contract (the recorded hashes): another one, such as a table-driven 2^(j/32)
  reduction, would round differently for some inputs. Needing FMA, the call cannot be
  inlined into a default build's loop, so the compiler cannot vectorize the user's loop
  either (with `-march=native` Clang inlines and vectorizes it: about 4x the naive loop).
- *Example 1's step neuron* keeps u(NaN) = NaN: a compare and two masks per four inputs
  on top of the hand expression, 1.2x its instructions with GCC (which meets the goal)
  and 1.34x with Clang (callgrind); Clang's measured ratio varies between about 1.15 and
  2 from run to run with the same instructions.
- *Layers of a few rows* (run-time `forward`) pay a fixed cost per call that the plain
  loop does not: size and overlap checks, one indirect call to the kernel table, and the
  sigmoid of one value at a time; Eigen's fixed-size layers are inlined entirely at
  compile time. The static `dense_layer` (section below) is the form that has no such
  cost.
- *Run-time layers of 64 x 64 and above with -march=native*: row-major weights and the
  canonical order mean one in-register tree per row and a transposed reduction per L
  rows; Eigen streams columns of W. The tail of long rows is laid out once per layer; the
  interleaved `dense_layer` (each partial sum one lane of a register, no reduction
  inside a register) is the structural answer.
- *Static layers of one output (2x1, 3x1, 24x1) and 4x4, every build.* Such a layer is a
  few products and the σ of one to four values; its time is σ's. soma's σ is within
  0.53 ULP with the same bits everywhere (a degree-6 polynomial and a division in
  double); Eigen's `logistic()` is a float rational approximation of a few ULP, about half
  the instructions. Tried, same bits: the evaluation of one value in SSE registers
  (kept: 2x1 -16 %), four rows on a 256-bit register of doubles (kept: 4x4 -23 %), narrow
  partial loads and stores (kept: a 4x4 layer whose input follows its output in memory,
  41 -> 11 ns with Clang), Estrin's scheme for the polynomial (the same floats for all
  2^32 inputs, no faster: the kernels are bound by instruction throughput, not latency),
  a Newton reciprocal instead of the division (the same floats for all 2^32 inputs, 10 %
  slower: the floating-point ports, not the divider, are the limit).
- *Static layers of 16x16 and above and networks, -march=native.* Two costs of the
  canonical bits that Eigen does not pay: with fewer than P = 64 terms per row every
  product is rounded on its own and joined by the fixed tree, one add per multiply
  (64x64: 256 FMAs and 252 adds per input on AVX-512, where Eigen issues 256 FMAs), and σ
  of floats runs in double, two registers per register of outputs. Without `-march`
  Eigen compiles for SSE2 and soma's run-time AVX-512 kernels win (1.4x to 4x); with it
  the bound is about 0.5x to 0.9x. 784-128-10 in batches of 256 reaches about 0.8x of
  Eigen's GEMM, whose bound there is about 0.9x (64 tree adds per 784 FMAs).
- *dot for 17..64 terms, default build* goes through the kernel table (one indirect
  call) to the AVX-512 / AVX2 kernel; the canonical order's fixed tree over 64 partial
  sums costs a few shuffles more than a left-to-right sum in registers. Below 17 terms the
  paths are inline; their ratios vary by about ±30 % from run to run on this shared
  machine (a few nanoseconds each), so the worst n of 63 is mostly the worst noise.
"""

NOTES_SIGMOID = """\
Notes: ns/elem is the time of one pass over 4096 inputs (uniform in [-12, 12]) divided
by 4096: throughput, not the latency of one call. The scalar rows are the loops a user
writes, one call per element; the compiler may unroll or vectorize them as it can. Max
ULP is each kernel's largest error over every 61st float bit pattern (resp. 2·10^6
doubles on [-750, 750]), in parentheses restricted to |z| <= 87 (float) / 708 (double)
where σ(z) is a normal number; the naive loop and Eigen return 0 in the underflow range,
hence their huge whole-range errors. The sigmoid's contract and algorithm are in
[sigmoid.md](sigmoid.md).
"""

NOTES_NEURON = """\
Notes: each benchmark evaluates the neuron on all 4096 inputs of one array (one
`std::array<T, N>` per input) per iteration and stores each output; throughput, not
latency. *hand* is the expression a user writes: `(5*x0 + 3*x1 - 4 >= 0) ? 1 : 0` for
Example 1 (w = (5, 3), θ = 4; the weights are compile-time constants on both sides, the
inputs random points of {0, 1}^2), `1/(1+std::exp(-(w0*x0 + w1*x1 + b)))` for the sigmoid
neuron and `w0*x0 + w1*x1 (+ w2*x2) + b` for the weighted input (run-time weights).
The compiler is free to vectorize either loop and to contract the hand-written products
into FMAs; soma's results have the same bits in every build.
"""

NOTES_DOT = """\
Notes: `soma::dot` takes `std::span<T const>` of run-time extent; Eigen a
`Map<const Matrix<T, Dynamic, 1>>`; OpenBLAS `cblas_sdot` / `cblas_ddot`. In every
iteration the pointers and the length pass through `benchmark::DoNotOptimize`, the same
for all implementations. soma sums in its canonical order (fixed partial sums joined by a
fixed pairwise tree), so its result has the same bits with every ISA, compiler and flag;
the plain loop and std::inner_product sum left to right (no reassociation without
-ffast-math); std::transform_reduce may reassociate; Eigen and OpenBLAS choose their own
order. Inputs are std::vector (16-byte aligned). Debian's Google Benchmark prints
"Library was built as DEBUG"; that concerns the harness only, the code under test is
built -O3.
"""

NOTES_LAYER = """\
Notes: shapes are out x in (rows x n): 1 x 2 is the layer with two inputs and one
output. soma is `soma::forward<float>(W, rows, x, b, y, soma::sigmoid_activation{})` with
row-major W. *Plain loop*: per row z = Σ w·x + b, then y = 1/(1+std::exp(-z)). *Eigen
dynamic*: `Eigen::MatrixXf` / `VectorXf`, `y.noalias() = W * x + b`, then
`y.array() = y.array().logistic()`. *Eigen fixed*: the same with
`Eigen::Matrix<float, Out, In>` and fixed-size vectors (how RTNeural's compile-time dense
layers hold their weights), shapes up to 64 x 64. *sgemv + loop*: `memcpy(y, b)`,
`cblas_sgemv(RowMajor, NoTrans, ..., beta = 1)`, then the same activation loop. All get
the same W, x, b (the Eigen versions copy them into their own matrices before timing);
every iteration reads W and x from memory and stores y. The batch rows compare
`soma::batch_forward` (64 inputs, one layer pass each) with one `cblas_sgemm` plus the
activation loop.
"""

NOTES_DENSE = """\
Notes: *soma* is `soma::dense_layer<float, In, Out>` (static shape, weights interleaved
across rows, sigmoid) and `forward(x, y)` for one input per call; *Eigen fixed* is
`Eigen::Matrix<float, Out, In>` times a fixed-size vector plus the bias, then
`logistic()` (how RTNeural's compile-time dense layers compute); *plain loop* as for the
run-time layers. Networks: `soma::network` of static sigmoid `dense_layer`s,
`net.forward` per input (batch 1) or `net.batch_forward` over 256 inputs, against Eigen
with dynamic matrices, `(W h + b).logistic()` per layer (a matrix-vector product for one
input, a matrix product for 256). Every layer's outputs are soma's canonical bits
(bitwise `soma::neuron`), Eigen's are not (its `logistic()` is a fast approximation).
RTNeural's own compile-time models, against these layers: [rtneural.md](rtneural.md).
"""

if __name__ == "__main__":
    main()
