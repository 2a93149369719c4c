#!/usr/bin/env python3
"""scripts/strata-backup and scripts/strata-restore against Strata and against redis-server.

    backup_restore_test.py --strata build/src/strata-server [--redis redis-server]

For each server: a backup of rdb_dataset (manifest fields, gzip, sha256, keys per database, no
temporary file left), retention (--keep-last, --keep-days), a failed BGSAVE and an unreachable
server (exit 1, no backup left looking complete), restore into the running server after the data
changed (stopped without a save although save points are on, the previous dump kept as .bak,
started with --start-cmd, every key back as backed up), redis-server's backup restored into Strata
(a migration), and damaged backups (a flipped byte, a
manifest that does not match, a dump the checker refuses) refused before the server or its dump
is touched. Plus --help of both scripts, and --print-steps.
"""
import argparse
import glob
import gzip
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import rdb_dataset
from testlib import Closed, Conn, Server, Tally, answers_ping

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKUP = os.path.join(ROOT, "scripts", "strata-backup")
RESTORE = os.path.join(ROOT, "scripts", "strata-restore")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def succeeded(result):
    if result.returncode != 0:
        raise AssertionError("exit %d: %s" % (result.returncode, (result.stdout + result.stderr).strip()[-400:]))
    return result.stdout.strip().splitlines()[-1][:120]


def refused(result, words):
    """The script exited 1 with an error line containing `words`."""
    text = result.stdout + result.stderr
    if result.returncode != 1 or "error:" not in text or words not in text:
        raise AssertionError("exit %d, expected 1 with %r: %s" % (result.returncode, words, text.strip()[-400:]))
    return text.strip().splitlines()[-1][:120]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def complete_backups(backup_dir):
    return sorted(glob.glob(os.path.join(backup_dir, "strata-*.json")))


class Case:
    """One server under test: its argv (without --port), data directory, port and connection."""

    def __init__(self, name, binary):
        self.name = name
        self.data = tempfile.mkdtemp(prefix="backup-data-")
        self.backups = tempfile.mkdtemp(prefix="backup-dir-")
        # Save points on: a restore that let the server save at shutdown would lose the restore.
        self.argv = [binary, "--dir", self.data, "--save", "3600 1", "--appendonly", "no"]
        self.server = Server(self.argv)
        self.port = self.server.port
        self.conn = Conn(self.port)

    def start_cmd(self):
        return shlex.join(self.argv + ["--port", str(self.port)])

    def backup(self, *extra):
        return run([BACKUP, "-p", str(self.port), "--backup-dir", self.backups] + list(extra))

    def restore(self, backup, *extra):
        return run([RESTORE, backup, "-p", str(self.port), "--start-cmd", self.start_cmd(),
                    "--start-log", os.path.join(self.backups, "start.log")] + list(extra))

    def shutdown(self):
        """Stops whichever process serves the port now (the restore started its own)."""
        try:
            Conn(self.port).call("SHUTDOWN", "NOSAVE")
        except (Closed, OSError):
            pass
        deadline = time.monotonic() + 30
        while answers_ping(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.server.stop()


def check_manifest(case, snap):
    [manifest_file] = complete_backups(case.backups)
    with open(manifest_file) as f:
        manifest = json.load(f)
    gz = os.path.join(case.backups, manifest["file"])
    problems = []
    if not manifest["file"].startswith("strata-") or not manifest["file"].endswith(".rdb.gz"):
        problems.append("file name %s" % manifest["file"])
    if manifest["size"] != os.path.getsize(gz):
        problems.append("size %d, the file has %d" % (manifest["size"], os.path.getsize(gz)))
    if manifest["sha256"] != sha256(gz):
        problems.append("sha256 does not match the file")
    with gzip.open(gz) as f:
        data = f.read()
    if not data.startswith(b"REDIS") or len(data) != manifest["uncompressed_size"]:
        problems.append("the gzip does not hold the dump")
    want = {str(db): len(entries) for db, entries in snap.items() if entries}
    have = {db: v["keys"] for db, v in manifest["keys"].items()}
    if want != have:
        problems.append("keys %s, expected %s" % (have, want))
    if not manifest["server"].startswith(case.name) or "time" not in manifest:
        problems.append("server %r" % manifest["server"])
    leftovers = [n for n in os.listdir(case.backups) if n.startswith(".") or n.endswith(".tmp")]
    if leftovers:
        problems.append("temporary files left: %s" % leftovers)
    if problems:
        raise AssertionError("; ".join(problems))
    return "%s, %d bytes, keys from %s" % (manifest["file"], manifest["size"], manifest["keys_source"])


def check_retention(case):
    for _ in range(3):
        succeeded(case.backup("--keep-last", "2"))
    kept = complete_backups(case.backups)
    if len(kept) != 2 or len(glob.glob(os.path.join(case.backups, "*.rdb.gz"))) != 2:
        raise AssertionError("--keep-last 2 left %s" % os.listdir(case.backups))
    # Age the older one by ten days: --keep-days 7 removes it and its file.
    with open(kept[0]) as f:
        manifest = json.load(f)
    manifest["unix_time"] -= 10 * 86400
    with open(kept[0], "w") as f:
        json.dump(manifest, f)
    succeeded(case.backup("--keep-days", "7"))
    left = complete_backups(case.backups)
    if kept[0] in left or len(left) != 2 or os.path.exists(os.path.join(case.backups, manifest["file"])):
        raise AssertionError("--keep-days 7 left %s" % os.listdir(case.backups))
    return "keep-last and keep-days pruned"


def check_failed_bgsave(case):
    """A BGSAVE that cannot write its file (the data directory is gone): exit 1 naming the status,
    nothing new in the backup dir. Run last: the server's directory stays gone."""
    before = sorted(os.listdir(case.backups))
    shutil.rmtree(case.data)
    note = refused(case.backup(), "rdb_last_bgsave_status:err")
    if sorted(os.listdir(case.backups)) != before:
        raise AssertionError("the backup dir changed: %s" % os.listdir(case.backups))
    return note


def check_restore(case, snap, backup):
    """The data changes, then the restore brings back exactly `snap`."""
    case.conn.call("FLUSHALL")
    case.conn.call("SET", "written-after-the-backup", "x")
    had_dump = os.path.exists(os.path.join(case.data, "dump.rdb"))
    succeeded(case.restore(backup))
    if had_dump != os.path.exists(os.path.join(case.data, "dump.rdb.bak")):
        raise AssertionError("dump.rdb.bak %s" % ("missing" if had_dump else "made from nothing"))
    case.conn = Conn(case.port)
    diffs = rdb_dataset.differences(snap, rdb_dataset.snapshot(case.conn))
    if diffs:
        raise AssertionError("; ".join(diffs))
    return "%d keys back" % rdb_dataset.key_count(snap)


def damaged_copies(backup_gz):
    """(label, path, expected words) of damaged copies of a backup, each in a directory of its own."""
    with open(backup_gz, "rb") as f:
        data = f.read()
    with open(backup_gz[:-len(".rdb.gz")] + ".json") as f:
        manifest = json.load(f)
    name = manifest["file"]

    def write(label, gz_bytes, fix_sha):
        directory = tempfile.mkdtemp(prefix="backup-bad-")
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(gz_bytes)
        m = dict(manifest, sha256=hashlib.sha256(gz_bytes).hexdigest() if fix_sha else manifest["sha256"])
        with open(path[:-len(".rdb.gz")] + ".json", "w") as f:
            json.dump(m, f)
        return label, path

    plain = gzip.decompress(data)
    broken = plain[:len(plain) // 2] + bytes([plain[len(plain) // 2] ^ 0x5A]) + plain[len(plain) // 2 + 1:]
    yield write("a flipped byte in the file", data[:100] + bytes([data[100] ^ 1]) + data[101:], False) + ("sha256",)
    yield write("a damaged gzip matching its manifest", data[:len(data) // 2], True) + ("gzip",)
    yield write("a damaged dump in a sound gzip", gzip.compress(broken), True) + ("refuses the dump",)


def check_refused_untouched(case, path, words):
    dump = os.path.join(case.data, "dump.rdb")
    before = sha256(dump) if os.path.exists(dump) else None
    case.conn.call("SET", "marker", "still here")
    note = refused(case.restore(path), words)
    if case.conn.call("GET", "marker") != b"still here":
        raise AssertionError("the server lost its data")
    if (sha256(dump) if os.path.exists(dump) else None) != before or os.path.exists(os.path.join(case.data, "dump.rdb.bak.tmp")):
        raise AssertionError("the dump was touched")
    case.conn.call("DEL", "marker")
    return note


def kept_copy(backup_dir):
    """A copy, in a directory of its own, of the one complete backup in backup_dir (its .rdb.gz
    path), or None when there is not exactly one."""
    found = complete_backups(backup_dir)
    if len(found) != 1:
        return None
    directory = tempfile.mkdtemp(prefix="backup-kept-")
    shutil.copy(found[0], directory)
    with open(found[0]) as f:
        name = json.load(f)["file"]
    shutil.copy(os.path.join(backup_dir, name), directory)
    return os.path.join(directory, name)


def server_checks(tally, name, binary, migration=None):
    """The checks against one server; returns (its kept backup or None, the dataset's snapshot).
    migration: another server's (backup, snapshot), restored here too."""
    try:
        case = Case(name, binary)
    except RuntimeError as e:
        tally.fail("%s: starts" % name, str(e))
        return None, None
    try:
        if migration and migration[0]:  # first: a failed save below refuses writes (MISCONF)
            tally.run("%s: restore of the other server's backup brings it back exactly" % name,
                      lambda: check_restore(case, migration[1], migration[0]))
            case.conn = Conn(case.port)
        rdb_dataset.build(case.conn)
        snap = rdb_dataset.snapshot(case.conn)
        tally.run("%s: backup exits 0" % name, lambda: succeeded(case.backup()))
        tally.run("%s: the manifest, gzip and sha256 are right" % name, lambda: check_manifest(case, snap))
        kept = kept_copy(case.backups)
        tally.run("%s: retention prunes" % name, lambda: check_retention(case))
        if kept is None:
            tally.fail("%s: restore" % name, "no backup of its own to restore")
        else:
            for label, path, words in damaged_copies(kept):
                tally.run("%s: restore refuses %s, touching nothing" % (name, label),
                          lambda: check_refused_untouched(case, path, words))
            tally.run("%s: restore brings back exactly the backup" % name, lambda: check_restore(case, snap, kept))
            tally.run("%s: --print-steps prints docker steps" % name, lambda: print_steps(kept))
        tally.run("%s: a failed BGSAVE exits 1 and leaves no backup" % name, lambda: check_failed_bgsave(case))
        return kept, snap
    finally:
        case.shutdown()


def print_steps(backup):
    out = tempfile.mkdtemp(prefix="backup-steps-")
    result = run([RESTORE, backup, "--print-steps", "--container", "cache", "--output", os.path.join(out, "d.rdb")])
    succeeded(result)
    for step in ("docker stop cache", "docker cp %s cache:/data/dump.rdb" % os.path.join(out, "d.rdb"),
                 "docker start cache"):
        if step not in result.stdout:
            raise AssertionError("no %r in %s" % (step, result.stdout))
    with open(os.path.join(out, "d.rdb"), "rb") as f:
        if not f.read(5) == b"REDIS":
            raise AssertionError("the written dump is not a dump")


def help_works(script):
    result = run([script, "--help"])
    if result.returncode != 0 or "usage:" not in result.stdout:
        raise AssertionError("exit %d: %s" % (result.returncode, result.stdout[-200:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    tally = Tally()
    for script in (BACKUP, RESTORE):
        tally.run("%s --help" % os.path.basename(script), lambda: help_works(script))
    tally.run("backup of an unreachable server exits 1", lambda: refused(
        run([BACKUP, "-p", "1", "--backup-dir", tempfile.mkdtemp()]), "cannot connect"))
    # Strata restores redis-server's backup too: a migration by backup and restore.
    server_checks(tally, "strata", args.strata, migration=server_checks(tally, "redis", args.redis))
    sys.exit(tally.summary("backup_restore"))


if __name__ == "__main__":
    main()
