#!/usr/bin/python3
"""The cost of the request path's bookkeeping: one Strata server, redis-benchmark -P16 SET and GET
with a feature "on" and "off", switched by CONFIG SET between interleaved runs so both see the
same machine. --what slowlog (the default): the slowlog check at its default threshold against
slowlog-log-slower-than -1. --what prefixes: stats-prefixes with three prefixes, one of which
("key:") every benchmark key has, against none. Prints the median requests per second and server
CPU per million requests of each, and the ratios on/off.

Usage: observability_cost.py [--strata build/src/strata-server] [--what slowlog|prefixes]
                             [--repeats 5] [--requests 1000000] [--io-threads 2] [--port PORT]
"""
import argparse
import statistics
import subprocess

from common import ServerProc
from compare import raise_file_limit, run_benchmark

SETTINGS = {
    "slowlog": {"on": ["slowlog-log-slower-than", "10000"], "off": ["slowlog-log-slower-than", "-1"]},
    "prefixes": {"on": ["stats-prefixes", "user: session: key:"], "off": ["stats-prefixes", ""]},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--what", choices=sorted(SETTINGS), default="slowlog")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--io-threads", type=int, default=2)
    ap.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    args = ap.parse_args()
    raise_file_limit()
    server = ServerProc("strata", [args.strata, "--save", "", "--io-threads", str(args.io_threads)], args.port)
    try:
        settings = SETTINGS[args.what]
        results = {(mode, test): [] for mode in settings for test in ("set", "get")}
        for _ in range(args.repeats):
            for mode, setting in settings.items():
                subprocess.run(["redis-cli", "-p", str(server.port), "CONFIG", "SET", *setting], check=True,
                               capture_output=True)
                for test in ("set", "get"):
                    results[(mode, test)].append(run_benchmark(server, ["-P", "16", "-t", test], args.requests, 1))
        for test in ("set", "get"):
            on, off = results[("on", test)], results[("off", test)]
            rps_on, rps_off = (statistics.median(r[0] for r in x) for x in (on, off))
            cpu_on, cpu_off = (statistics.median(r[1] for r in x) for x in (on, off))
            print("%s -P16: on %.0f rps %.3f cpu-s/M, off %.0f rps %.3f cpu-s/M, rps on/off %.3f, cpu on/off %.3f" %
                  (test.upper(), rps_on, cpu_on, rps_off, cpu_off, rps_on / rps_off, cpu_on / cpu_off))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
