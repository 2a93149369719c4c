#!/usr/bin/python3
"""The cost of the request path's bookkeeping: the slowlog check, latency tracking (the per-command
histograms of INFO latencystats and LATENCY HISTOGRAM) and command statistics (INFO commandstats),
each on against off, side by side in one interleaved run.

    bench/observability_cost.py [--strata build/src/strata-server]
                                [--strata-no-commandstats build-nocmdstats/src/strata-server]
                                [--repeats 5] [--requests 1000000] [--io-threads 2]
    bench/observability_cost.py --self-check [--redis redis-server]

One server runs redis-benchmark SET and GET (-c 50, -P 1 and -P 16) in each setting, switched by
CONFIG SET between runs so every setting sees the same machine, in turn (A B C D A B C D ...):
  all-on        slowlog-log-slower-than 10000 (the default), latency-tracking yes (the default)
  slowlog-off   slowlog-log-slower-than -1
  latency-off   latency-tracking no
  both-off      both of the above
Redis has no switch for command statistics, and Strata adds no directive Redis lacks: their
cost is measured against a second binary built with `meson setup build-nocmdstats
-Dcommandstats=false` (calls and time per command not counted; nothing else differs), given as
--strata-no-commandstats and run in the all-on setting as one more column of the rotation.

Prints, per case, the median requests per second and server CPU microseconds per request of each
setting, and the ratios X / all-on for throughput and all-on / X for CPU: above 1 means the
bookkeeping X turns off costs that much. Nothing here asserts a number, except --self-check: a
tiny run against redis-server (which has the same two directives) that checks the script's own
workings and ends with "observability_cost self-check: N passed, N failed".
"""
import argparse
import subprocess
import sys

from common import median, start_server
from compare import raise_file_limit, run_benchmark

SETTINGS = {
    "all-on": {"slowlog-log-slower-than": "10000", "latency-tracking": "yes"},
    "slowlog-off": {"slowlog-log-slower-than": "-1", "latency-tracking": "yes"},
    "latency-off": {"slowlog-log-slower-than": "10000", "latency-tracking": "no"},
    "both-off": {"slowlog-log-slower-than": "-1", "latency-tracking": "no"},
}
NO_COMMANDSTATS = "cmdstats-off"  # the all-on setting on the build without command statistics
CASES = [
    ("SET -P 1", ["-c", "50", "-t", "set", "-P", "1", "-d", "32"]),
    ("GET -P 1", ["-c", "50", "-t", "get", "-P", "1", "-d", "32"]),
    ("SET -P 16", ["-c", "50", "-t", "set", "-P", "16", "-d", "32"]),
    ("GET -P 16", ["-c", "50", "-t", "get", "-P", "16", "-d", "32"]),
]


def apply_setting(server, setting):
    for name, value in SETTINGS[setting].items():
        subprocess.run(["redis-cli", "-p", str(server.port), "CONFIG", "SET", name, value], check=True,
                       capture_output=True)


def measure(columns, cases, repeats, requests):
    """{(case label, column): [(rps, cpu seconds per million requests), ...]}: each column is
    (name, server, setting), run in turn for every repeat of every case."""
    results = {(label, name): [] for label, _ in cases for name, _, _ in columns}
    for label, extra in cases:
        for _ in range(repeats):
            for name, server, setting in columns:
                apply_setting(server, setting)
                rps, cpu, _ = run_benchmark(server, extra, requests, 1)
                results[(label, name)].append((rps, cpu))
    return results


def report(results, columns, cases):
    """Prints the table; returns {(case, column): (rps ratio column/all-on, cpu ratio all-on/column)}."""
    names = [name for name, _, _ in columns]
    ratios = {}
    print("%-10s %-13s %10s %9s %13s %12s" % ("case", "setting", "rps", "cpu us/op", "rps this/on", "cpu on/this"))
    for label, _ in cases:
        on_rps = median([r for r, _ in results[(label, "all-on")]])
        on_cpu = median([c for _, c in results[(label, "all-on")]])
        for name in names:
            rps = median([r for r, _ in results[(label, name)]])
            cpu = median([c for _, c in results[(label, name)]])
            ratios[(label, name)] = (rps / on_rps, on_cpu / cpu)
            print("%-10s %-13s %10.0f %9.3f %13.3f %12.3f" % (label, name, rps, cpu, rps / on_rps, on_cpu / cpu))
        sys.stdout.flush()
    return ratios


def self_check(args):
    """A tiny run against redis-server alone: the settings apply, the runs measure, the table prints."""
    server = start_server("redis", args.redis)
    checks = []
    try:
        columns = [(name, server, name) for name in SETTINGS]
        cases = CASES[:1] + CASES[3:]
        results = measure(columns, cases, 1, 20000)
        ratios = report(results, columns, cases)
        got = {}
        for setting in SETTINGS:
            apply_setting(server, setting)
            out = subprocess.run(["redis-cli", "-p", str(server.port), "CONFIG", "GET", "latency-tracking"],
                                 capture_output=True, text=True, check=True).stdout.split()
            got[setting] = out[-1]
        checks.append(("CONFIG SET applies each setting", got == {s: v["latency-tracking"] for s, v in SETTINGS.items()}))
        checks.append(("every run measured throughput and CPU",
                       all(r > 0 and c > 0 for runs in results.values() for r, c in runs)))
        checks.append(("all-on against itself is 1", all(ratios[(label, "all-on")] == (1.0, 1.0) for label, _ in cases)))
        checks.append(("a ratio for every case and setting", len(ratios) == len(cases) * len(SETTINGS)))
    finally:
        server.stop()
    failed = 0
    for name, ok in checks:
        print("%s %s" % ("ok  " if ok else "FAIL", name))
        failed += 0 if ok else 1
    print("observability_cost self-check: %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--strata-no-commandstats", default="",
                    help="a strata-server built with -Dcommandstats=false (omitted: commandstats not measured)")
    ap.add_argument("--redis", default="redis-server", help="for --self-check")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--io-threads", type=int, default=2)
    ap.add_argument("--self-check", action="store_true")
    args = ap.parse_args()
    if args.self_check:
        sys.exit(self_check(args))
    raise_file_limit()
    options = ["--io-threads", str(args.io_threads)]
    servers = [start_server("strata", args.strata, options=options)]
    try:
        columns = [(name, servers[0], name) for name in SETTINGS]
        if args.strata_no_commandstats:
            servers.append(start_server("strata", args.strata_no_commandstats, options=options))
            columns.append((NO_COMMANDSTATS, servers[1], "all-on"))
        else:
            print("commandstats not measured: no --strata-no-commandstats binary")
        report(measure(columns, CASES, args.repeats, args.requests), columns, CASES)
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
