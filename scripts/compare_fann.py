#!/usr/bin/env python3
"""Trains soma's `train` command and FANN beside it on FANN's benchmark data sets.

    scripts/compare_fann.py [--build-dir DIR] [--runs 5] [--skip-build] [--spread N]

Builds `train` (examples/train.cpp) and `fann_train` (bench/fann_train.cpp, FANN 2.2 with
its defaults: batch RPROP, symmetric-sigmoid hidden layer, sigmoid outputs) in DIR
(default build/compare-fann, Release), then for each data set of Debian's libfann-doc
(diabetes, thyroid, two-spiral; never shipped with soma) trains the same topology for the
same number of epochs: FANN `--runs` times (its initial weights come from the clock: the
median is reported), soma once per optimizer (its result is the same on every run, and the
weights hash says so: the script runs soma twice and checks). Writes the results into
docs/benchmarks.md between the markers <!-- training:begin --> and <!-- training:end -->
(scripts/run_benchmarks.py keeps that block when it regenerates the file).
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/doc/libfann-dev/examples/datasets"
# name, hidden neurons, epochs (the settings)
SETS = [("diabetes", 16, 300), ("thyroid", 16, 300), ("two-spiral", 32, 1000)]
# soma's runs: optimizer, extra arguments
SOMA_RUNS = [("rprop (default)", ["--optimizer", "rprop"]), ("adam", ["--optimizer", "adam"])]
SEEDS = [1, 2, 3, 4, 5]
BEGIN = "<!-- training:begin -->"
END = "<!-- training:end -->"


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    last = out.strip().splitlines()[-1]
    fields = last.split()
    return {fields[i]: fields[i + 1] for i in range(0, len(fields) - 1, 2)}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        model = re.search(r"model name\s*:\s*(.*)", text).group(1).strip()
        flags = re.search(r"flags\s*:\s*(.*)", text).group(1).split()
        isa = "AVX-512" if "avx512f" in flags else ("AVX2+FMA" if "avx2" in flags else "SSE2")
        return f"{model} ({isa}, {os.cpu_count()} logical CPUs)"
    except (OSError, AttributeError):
        return platform.processor() or "unknown CPU"


def compiler_version(cxx):
    try:
        return subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except OSError:
        return cxx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "compare-fann"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--spread", type=int, default=0, metavar="N",
                    help="also train FANN N times and soma (rprop) with the seeds 1..N per data "
                    "set, and report the spread of the test class error (0: not)")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    args = ap.parse_args()

    if not os.path.isdir(DATA):
        sys.exit(f"compare_fann.py: {DATA} not found (apt-get install libfann-doc libfann-dev)")
    b = args.build_dir
    if not args.skip_build:
        subprocess.run(["cmake", "-S", ROOT, "-B", b, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        f"-DCMAKE_CXX_COMPILER={args.cxx}", "-DSOMA_BUILD_TESTS=OFF",
                        "-DSOMA_BUILD_EXAMPLES=ON", "-DSOMA_BUILD_BENCHMARKS=ON",
                        "-DSOMA_BENCH_NATIVE=OFF"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", b, "--target", "train", "fann_train"], check=True,
                       stdout=subprocess.DEVNULL)
    train = os.path.join(b, "examples", "train")
    fann = os.path.join(b, "bench", "fann_train")

    rows = []
    for name, hidden, epochs in SETS:
        files = ["--train", f"{DATA}/{name}.train", "--test", f"{DATA}/{name}.test",
                 "--hidden", str(hidden), "--epochs", str(epochs)]
        f_runs = [run([fann] + files) for _ in range(args.runs)]
        f_err = statistics.median(float(r["class_error"]) for r in f_runs)
        f_mse = statistics.median(float(r["test_mse"]) for r in f_runs)
        f_time = statistics.median(float(r["train_s"]) for r in f_runs)
        print(f"{name}: FANN median class error {f_err:.4f}, mse {f_mse:.4f}, {f_time:.3f} s", file=sys.stderr)
        for label, extra in SOMA_RUNS:
            runs = [run([train] + files + extra + ["--seed", str(seed)]) for seed in SEEDS]
            again = run([train] + files + extra + ["--seed", str(SEEDS[0])])
            if again["weights_hash"] != runs[0]["weights_hash"]:
                sys.exit(f"compare_fann.py: soma gave two weights hashes on {name}, seed {SEEDS[0]}")
            s_err = statistics.median(float(r["class_error"]) for r in runs)
            s_mse = statistics.median(float(r["test_mse"]) for r in runs)
            s_time = statistics.median(float(r["train_s"]) for r in runs)
            rows.append((name, hidden, epochs, label, f_err, s_err, f_mse, s_mse, f_time / epochs,
                         s_time / epochs, runs[0]["weights_hash"]))
            print(f"  soma {label}: median class error {s_err:.4f}, {s_time:.3f} s", file=sys.stderr)

    spread = []
    for name, hidden, epochs in (SETS if args.spread > 0 else []):
        files = ["--train", f"{DATA}/{name}.train", "--test", f"{DATA}/{name}.test",
                 "--hidden", str(hidden), "--epochs", str(epochs)]
        f_e = [100 * float(run([fann] + files)["class_error"]) for _ in range(args.spread)]
        s_e = [100 * float(run([train] + files + ["--optimizer", "rprop", "--seed", str(seed)])
                           ["class_error"]) for seed in range(1, args.spread + 1)]
        spread.append((name, f_e, s_e))
        print(f"{name}: spread FANN {statistics.mean(f_e):.2f} %, soma {statistics.mean(s_e):.2f} %",
              file=sys.stderr)

    lines = [BEGIN, "## Training beside FANN", ""]
    lines.append(f"Machine: {cpu_model()}; {compiler_version(args.cxx)}, `-O3` (Release), no "
                 "`-march`. Reproduce: `scripts/compare_fann.py` (needs `libfann-dev` and "
                 "`libfann-doc`: the data sets are Debian's, not soma's).")
    lines.append("")
    lines.append("| data set | hidden | epochs | soma optimizer | test class error FANN | test "
                 "class error soma | test MSE FANN | test MSE soma | time per epoch FANN | time "
                 "per epoch soma | FANN / soma time | soma weights hash, seed 1 |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, hidden, epochs, label, f_err, s_err, f_mse, s_mse, f_t, s_t, h) in rows:
        lines.append(f"| {name} | {hidden} | {epochs} | {label} | {100 * f_err:.1f} % | "
                     f"{100 * s_err:.1f} % | {f_mse:.4f} | {s_mse:.4f} | {1e3 * f_t:.3f} ms | "
                     f"{1e3 * s_t:.3f} ms | {f_t / s_t:.2f}x | `{h}` |")
    lines.append("")
    lines.append("Both train inputs-H-outputs with the same number of epochs. FANN: "
                 "`fann_train_on_data` with its defaults (batch RPROP, symmetric-sigmoid hidden "
                 "layer, sigmoid outputs), initial weights random from the clock: medians of "
                 f"{args.runs} runs. soma: `train` (tanh hidden layer; sigmoid outputs and "
                 "cross-entropy, or softmax outputs when the targets are one-hot), medians over "
                 f"the seeds {', '.join(map(str, SEEDS))}: rprop takes one step per epoch on the "
                 "whole training set (as FANN does), adam mini-batches of 32 shuffled by soma's "
                 "generator. Each seed gives the same weights on every run, CPU and compiler "
                 "(the script runs seed 1 twice and compares the hashes). Class error: argmax "
                 "over the outputs (threshold 0.5 for one output) on the test set; times: the "
                 "median training time divided by the epochs.")
    if spread:
        n = args.spread
        lines.append("")
        lines.append(f"How much one run varies: FANN {n} more runs, soma (rprop) the seeds 1 to {n}; "
                     "test class error: mean ± standard deviation of one run, standard error of the "
                     "mean, median of all runs, and the lowest and highest median of 5 consecutive "
                     "runs (the statistic the table above compares). Reproduce: "
                     f"`scripts/compare_fann.py --spread {n}`.")
        lines.append("")
        lines.append("| data set | FANN mean ± sd | FANN s.e. | soma mean ± sd | soma s.e. | FANN "
                     "median | soma median | FANN medians of 5, range | soma medians of 5, range |")
        lines.append("|---|---|---|---|---|---|---|---|---|")

        def fives(e):
            m = [statistics.median(e[i:i + 5]) for i in range(0, len(e) - 4, 5)]
            return f"{min(m):.2f}–{max(m):.2f} %" if m else "–"

        for name, f_e, s_e in spread:
            def cell(e):
                sd = statistics.stdev(e) if len(e) > 1 else 0.0
                return f"{statistics.mean(e):.2f} ± {sd:.2f} %", f"{sd / len(e) ** 0.5:.2f} %"
            fm, fs = cell(f_e)
            sm, ss = cell(s_e)
            lines.append(f"| {name} | {fm} | {fs} | {sm} | {ss} | {statistics.median(f_e):.2f} % | "
                         f"{statistics.median(s_e):.2f} % | {fives(f_e)} | {fives(s_e)} |")
    lines.append(END)
    block = "\n".join(lines) + "\n"

    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)
    print(block)


if __name__ == "__main__":
    main()
