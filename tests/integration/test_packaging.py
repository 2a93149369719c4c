#!/usr/bin/python3
"""What the container image and the sample configurations promise, run without a container engine.

Usage: test_packaging.py [--strata build/src/strata-server]

- The image's entry point (deploy/docker-entrypoint.sh) run directly: how it turns `docker run`
  arguments into a strata-server command line (against a stand-in server that records what it
  got), the drop from root to the unprivileged user (STRATA_USER=nobody here, as root only), and
  the real server started through it: reachable on every interface, saving on SIGTERM and exiting
  0 within docker stop's 10 s, loading the dump at the next start.
- Each sample in conf/: the server starts with it and CONFIG GET answers what the file says;
  conf/strata.conf names every directive Strata implements, with the value a server started
  without a file has.
- The image's run stage installs what scripts/runtime-packages lists: it must list the
  libraries the server loads.
- README.md's compatibility table is what scripts/compat_table.py makes of the command tables.
Prints one line per check and ends with "packaging: N passed, N failed".
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from testlib import Conn, Server, Tally, expect, expect_eq, free_port, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENTRYPOINT = os.path.join(ROOT, "deploy", "docker-entrypoint.sh")
STRATA = None
USER = "nobody"

# A stand-in for strata-server: records its arguments (one per line), umask and uid.
FAKE_SERVER = """#!/bin/sh
{ printf '%s\\n' "$@"; echo "umask=$(umask)"; echo "uid=$(id -u)"; } > "$PWD/recorded"
"""


def world_readable_tempdir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


def run_entrypoint(args, data_dir, bin_dir, env=None, **kwargs):
    """Runs the entry point in `data_dir` (the image's WORKDIR) with `bin_dir` first on PATH."""
    full_env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], STRATA_USER=USER, **(env or {}))
    return subprocess.Popen([ENTRYPOINT, *args], cwd=data_dir, env=full_env, **kwargs)


def fake_server_dir():
    """A directory for PATH holding FAKE_SERVER as strata-server."""
    bin_dir = world_readable_tempdir("strata-bin-")
    with open(os.path.join(bin_dir, "strata-server"), "w") as f:
        f.write(FAKE_SERVER)
    os.chmod(os.path.join(bin_dir, "strata-server"), 0o755)
    return bin_dir


def recorded_command(args, files=None):
    """What strata-server received when the entry point ran with `args`, as (argv, umask, uid),
    in a fresh data directory holding `files` (name -> content)."""
    data = world_readable_tempdir("strata-entry-")
    bin_dir = fake_server_dir()
    try:
        for name, content in (files or {}).items():
            with open(os.path.join(data, name), "w") as f:
                f.write(content)
        proc = run_entrypoint(args, data, bin_dir)
        expect_eq(proc.wait(timeout=10), 0, "entry point's exit status")
        lines = open(os.path.join(data, "recorded")).read().splitlines()
        return lines[:-2], lines[-2].split("=")[1], int(lines[-1].split("=")[1])
    finally:
        shutil.rmtree(data)
        shutil.rmtree(bin_dir)


EVERYWHERE = ["--bind", "* -::*", "--protected-mode", "no"]


def check_arguments():
    expect_eq(recorded_command([])[0], EVERYWHERE, "no arguments")
    expect_eq(recorded_command(["strata-server"])[0], EVERYWHERE, "the image's CMD")
    expect_eq(recorded_command(["redis-server", "--save", ""])[0], ["--save", ""] + EVERYWHERE,
              "the Redis image's habit: IMAGE redis-server --save ''")
    expect_eq(recorded_command(["--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru"])[0],
              ["--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru"] + EVERYWHERE, "options only")
    expect_eq(recorded_command(["--protected-mode", "yes"])[0],
              ["--protected-mode", "yes", "--bind", "* -::*"], "--protected-mode given")
    expect_eq(recorded_command(["--bind", "10.0.0.1"])[0],
              ["--bind", "10.0.0.1", "--protected-mode", "no"], "--bind given")
    expect_eq(recorded_command(["my.conf", "--port", "7000"], {"my.conf": "maxmemory 10mb\n"})[0],
              ["my.conf", "--port", "7000"] + EVERYWHERE, "a config file without bind or protected-mode")
    expect_eq(recorded_command(["my.conf"], {"my.conf": "bind 10.0.0.1\n  protected-mode yes\n"})[0],
              ["my.conf"], "a config file that sets both")
    expect_eq(recorded_command(["my.conf"], {"my.conf": "# bind 10.0.0.1\nport 7000\n"})[0],
              ["my.conf"] + EVERYWHERE, "a commented-out bind is not a bind")


def check_other_commands():
    data = world_readable_tempdir("strata-entry-")
    try:
        out = subprocess.run([ENTRYPOINT, "sh", "-c", "echo ran $0 $1", "a", "b"], cwd=data,
                             capture_output=True, text=True, timeout=10)
        expect_eq((out.returncode, out.stdout), (0, "ran a b\n"), "a command that is not the server")
    finally:
        shutil.rmtree(data)


def check_umask_and_user():
    if os.geteuid() != 0:
        raise AssertionError("needs root: the entry point's drop to the unprivileged user is what it checks")
    _, umask, uid = recorded_command(["--port", "7000"], {"dump.rdb": "root's copy"})
    expect_eq(umask, "0077", "the server's umask")
    expect_eq(uid, int(subprocess.check_output(["id", "-u", USER])), "the server's uid")


def check_chown():
    if os.geteuid() != 0:
        raise AssertionError("needs root")
    data = world_readable_tempdir("strata-entry-")
    bin_dir = fake_server_dir()
    try:
        os.makedirs(os.path.join(data, "sub"))
        open(os.path.join(data, "sub", "dump.rdb"), "w").close()
        expect_eq(run_entrypoint([], data, bin_dir).wait(timeout=10), 0, "exit status")
        nobody = int(subprocess.check_output(["id", "-u", USER]))
        for path in (data, os.path.join(data, "sub"), os.path.join(data, "sub", "dump.rdb")):
            expect_eq(os.stat(path).st_uid, nobody, "owner of " + path)
    finally:
        shutil.rmtree(data)
        shutil.rmtree(bin_dir)


def non_loopback_address():
    """An address of this host other than 127.0.0.1 (the server must answer there too), or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing address
        address = s.getsockname()[0]
        return None if address.startswith("127.") else address
    except OSError:
        return None
    finally:
        s.close()


def check_real_server():
    """The real server through the entry point: the data directory, every interface, SIGTERM."""
    data = world_readable_tempdir("strata-entry-")
    bin_dir = world_readable_tempdir("strata-bin-")
    shutil.copy(STRATA, os.path.join(bin_dir, "strata-server"))  # nobody may not reach the build tree
    port = free_port()
    log = open(os.path.join(bin_dir, "log"), "w+")
    proc = run_entrypoint(["--port", str(port)], data, bin_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _answers(port), "the server answers", timeout=30)
        c = Conn(port)
        expect_eq(c.call("CONFIG", "GET", "bind"), [b"bind", b"* -::*"], "bind")
        expect_eq(c.call("CONFIG", "GET", "protected-mode"), [b"protected-mode", b"no"], "protected-mode")
        expect_eq(c.call("CONFIG", "GET", "dir")[1].decode(), os.path.realpath(data), "dir is the working directory")
        address = non_loopback_address()
        if address:
            with socket.create_connection((address, port), timeout=5) as s:
                s.sendall(b"PING\r\n")
                expect_eq(s.recv(100), b"+PONG\r\n", "PING on " + address)
        for i in range(1000):
            c.call("SET", "key:%d" % i, "value:%d" % i)
        c.close()
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # what docker stop sends to the container's process 1
        status = proc.wait(timeout=10)
        expect_eq(status, 0, "exit status after SIGTERM")
        took = time.monotonic() - started
        dump = os.path.join(data, "dump.rdb")
        expect(os.path.exists(dump), "SIGTERM saved dump.rdb")
        if os.geteuid() == 0:
            expect_eq(os.stat(dump).st_uid, int(subprocess.check_output(["id", "-u", USER])), "dump owner")
            expect_eq(os.stat(dump).st_mode & 0o777, 0o600, "dump mode under umask 0077")
        proc = run_entrypoint(["--port", str(port)], data, bin_dir, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: _answers(port), "the server answers again", timeout=30)
        c = Conn(port)
        expect_eq(int(c.call("DBSIZE")), 1000, "keys loaded at the next start")
        expect_eq(c.call("GET", "key:999"), b"value:999", "a value loaded")
        c.close()
        return "stopped in %.2fs%s" % (took, "" if address else "; no non-loopback address to try")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.seek(0)
        problems = [line for line in log.read().splitlines() if "Sanitizer" in line]
        log.close()
        shutil.rmtree(data)
        shutil.rmtree(bin_dir)
        expect(not problems, "sanitizer report: %s" % problems)


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(100) == b"+PONG\r\n"
    except OSError:
        return False


# --- the sample configurations ---------------------------------------------------------------

_UNITS = {"k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2, "g": 1000 ** 3, "gb": 1024 ** 3}


def normalize(value):
    """A directive's value as CONFIG GET answers it: memory units turned into bytes, word by word."""
    out = []
    for word in value.split():
        m = re.fullmatch(r"(\d+)([kmg]b?)", word, re.IGNORECASE)
        out.append(str(int(m.group(1)) * _UNITS[m.group(2).lower()]) if m else word)
    return " ".join(out)


def directives(path):
    """The (name, value) lines of a config file, in order."""
    out = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            words = shlex.split(line)
            out.append((words[0].lower(), " ".join(words[1:])))
    return out


def commented_directives(path):
    """The names of the examples a config file gives in comments ("# maxmemory 1gb")."""
    return {m.group(1) for m in re.finditer(r"^# ([a-z][a-z0-9-]*) \S", open(path).read(), re.MULTILINE)}


def output_limits(value, only=None):
    """client-output-buffer-limit's value with its classes in CONFIG GET's order and Redis's names
    (slave for replica), limited to the classes named in `only` if given."""
    classes = dict(re.findall(r"(\w+) (\S+ \S+ \S+)", normalize(value).replace("replica", "slave")))
    return " ".join("%s %s" % (c, classes[c]) for c in ("normal", "slave", "pubsub")
                    if c in classes and (only is None or c in only))


def expected_values(pairs):
    """{name: CONFIG GET value} for a file's directives: client-output-buffer-limit lines merge
    into the one value CONFIG GET shows, others take their last value."""
    want = {}
    for name, value in pairs:
        if name == "client-output-buffer-limit":
            want[name] = output_limits(want.get(name, "") + " " + value)
        else:
            want[name] = normalize(value)
    return want


def config_get(c, name):
    reply = c.call("CONFIG", "GET", name)
    expect(len(reply) == 2, "CONFIG GET %s: %r" % (name, reply))
    return reply[1].decode()


# Directives that depend on where the server runs: the tests move them.
_MOVED = {"dir", "port", "bind", "logfile", "pidfile", "unixsocket", "include"}


def check_sample(name):
    path = os.path.join(ROOT, "conf", name)
    work = tempfile.mkdtemp(prefix="strata-conf-")
    want = expected_values(directives(path))
    # A copy without the lines that depend on the host (its dir may not exist here) and without
    # save, which goes on the command line: Server() adds --save "" unless told a schedule.
    copy = os.path.join(work, name)
    with open(copy, "w") as f:
        for line in open(path):
            if line.split(" ", 1)[0].lower() not in _MOVED | {"save"}:
                f.write(line)
    server = Server([STRATA, copy, "--dir", work, "--bind", "127.0.0.1", "--save", want.get("save", "")])
    try:
        c = Conn(server.port)
        checked = 0
        for directive, value in want.items():
            if directive in _MOVED:
                continue
            got = config_get(c, directive)
            if directive == "client-output-buffer-limit":
                got = output_limits(got, only=value)
            expect_eq(got, value, "%s: CONFIG GET %s" % (name, directive))
            checked += 1
        c.close()
        return "%d directives" % checked
    finally:
        problems = server.stop()
        shutil.rmtree(work, ignore_errors=True)
        expect(not problems, "\n".join(problems))


def implemented_directives():
    """The directives Strata implements: the names in src/server/config.cpp's table."""
    source = open(os.path.join(ROOT, "src", "server", "config.cpp")).read()
    names = re.findall(r'\{ConfigId::k\w+, "([a-z0-9-]+)"', source)
    expect(len(names) > 40, "found only %d directives in config.cpp's table" % len(names))
    return names


def check_strata_conf_complete():
    """conf/strata.conf names every directive: set to the default a server without a file has,
    or shown in a comment as an example."""
    path = os.path.join(ROOT, "conf", "strata.conf")
    names = implemented_directives()
    in_file = expected_values(directives(path))
    examples = commented_directives(path)
    missing = [n for n in names if n not in in_file and n not in examples]
    expect(not missing, "conf/strata.conf does not describe: %s" % ", ".join(missing))
    server = Server([STRATA, "--bind", "127.0.0.1"])
    try:
        c = Conn(server.port)
        for directive in names:
            if directive not in in_file or directive in _MOVED or directive in ("save", "daemonize"):
                continue  # the test harness's --save ""; daemonize is start-up only
            expect_eq(in_file[directive], config_get(c, directive), "conf/strata.conf's %s" % directive)
        c.close()
    finally:
        problems = server.stop()
        expect(not problems, "\n".join(problems))
    return "%d directives" % len(names)


def check_runtime_packages():
    out = subprocess.run([os.path.join(ROOT, "scripts", "runtime-packages"), STRATA], capture_output=True,
                         text=True, timeout=60)
    expect_eq(out.returncode, 0, "runtime-packages' exit status (%s)" % out.stderr.strip())
    packages = set(out.stdout.split())
    for needed in ("libuv1", "libjemalloc2", "libc6"):
        expect(needed in packages, "%s is not in %s" % (needed, sorted(packages)))
    return " ".join(sorted(packages))


def check_systemd_notify():
    """`supervised systemd` (deploy/strata.service's Type=notify): READY=1 once the server answers,
    STOPPING=1 at SIGTERM, and daemonize yes does not detach a supervised server."""
    work = world_readable_tempdir("strata-notify-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(work, "notify"))
    sock.settimeout(30)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(work, "notify"))
    proc = subprocess.Popen([STRATA, "--port", str(port), "--save", "", "--dir", work, "--supervised", "auto",
                             "--daemonize", "yes"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = sock.recv(4096).decode()
        expect("READY=1" in ready.split("\n"), "the first notification: %r" % ready)
        expect(_answers(port), "the server answers once it said READY")
        expect(proc.poll() is None, "a supervised server stays in the foreground despite daemonize yes")
        proc.send_signal(signal.SIGTERM)
        stopping = sock.recv(4096).decode()
        expect("STOPPING=1" in stopping.split("\n"), "the notification at SIGTERM: %r" % stopping)
        expect_eq(proc.wait(timeout=10), 0, "exit status")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
        shutil.rmtree(work)


def check_compat_table():
    out = subprocess.run([os.path.join(ROOT, "scripts", "compat_table.py"), "--strata", STRATA, "--check"],
                         capture_output=True, text=True, timeout=120)
    expect_eq(out.returncode, 0, "scripts/compat_table.py --check:\n" + out.stdout + out.stderr)


def main():
    global STRATA
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "src", "strata-server"))
    STRATA = os.path.abspath(ap.parse_args().strata)
    tally = Tally()
    tally.run("entry point: docker run arguments", check_arguments)
    tally.run("entry point: other commands run as given", check_other_commands)
    tally.run("entry point: root drops to the server's user with umask 0077", check_umask_and_user)
    tally.run("entry point: root gives the data directory to the server's user", check_chown)
    tally.run("entry point: the real server, SIGTERM saves, the dump loads", check_real_server)
    for sample in sorted(f for f in os.listdir(os.path.join(ROOT, "conf")) if f.endswith(".conf")):
        tally.run("conf/%s: CONFIG GET reflects it" % sample, lambda s=sample: check_sample(s))
    tally.run("conf/strata.conf: every directive with its default", check_strata_conf_complete)
    tally.run("scripts/runtime-packages lists the server's libraries", check_runtime_packages)
    tally.run("supervised systemd: READY=1 and STOPPING=1 over NOTIFY_SOCKET", check_systemd_notify)
    tally.run("README's compatibility table matches the command table", check_compat_table)
    return tally.summary("packaging")


if __name__ == "__main__":
    sys.exit(main())
