"""What scripts/strata-backup and scripts/strata-restore share: a small RESP client, the server's
persistence settings, the dump checker, manifests and file helpers.

Both scripts run with Debian's python3 and nothing else: no redis-py, no redis-cli. They work
against strata-server and redis-server alike (the commands and INFO fields used are Redis's).
"""
import datetime
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

# Where a checkout builds the checker (scripts/../build/src), for scripts run from the repository.
_REPO_CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "src", "strata-check-rdb")


class ToolError(Exception):
    """A failure the script reports as one "NAME: error: TEXT" line and exit status 1."""


def main_guard(name, fn):
    """Runs fn() and exits with its status; a ToolError (or a connection failure) prints one clear
    line on stderr and exits 1."""
    try:
        sys.exit(fn() or 0)
    except ToolError as e:
        print("%s: error: %s" % (name, e), file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("%s: interrupted" % name, file=sys.stderr)
        sys.exit(1)


def add_connection_args(parser):
    """The options naming the server: --host, --port, --password (default $REDISCLI_AUTH)."""
    parser.add_argument("-H", "--host", default="127.0.0.1", help="server host (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=6379, help="server port (default 6379)")
    parser.add_argument("-a", "--password", default=os.environ.get("REDISCLI_AUTH"),
                        help="AUTH password (default: $REDISCLI_AUTH, which keeps it out of `ps`)")
    parser.add_argument("--user", default=None, help="ACL user name for AUTH (default: the default user)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds to wait for a save, a shutdown or a start-up (default 600)")


def add_dump_args(parser):
    """The options locating the server's dump file and the checker."""
    parser.add_argument("--dump", help="path of the server's dump file (default: CONFIG GET dir and dbfilename)")
    parser.add_argument("--data-dir", help="the server's data directory (the dump is DIR/dbfilename)")
    parser.add_argument("--checker", help="the dump checker to run (default: strata-check-rdb beside the server, "
                        "on PATH or in build/src, else redis-check-rdb)")


class ServerError(ToolError):
    """An error reply from the server."""


class Connection:
    """One RESP2 connection, authenticated when a password is given."""

    def __init__(self, host, port, password=None, user=None, timeout=10):
        self.where = "%s:%d" % (host, port)
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise ToolError("cannot connect to the server at %s: %s" % (self.where, e.strerror or e))
        self.file = self.sock.makefile("rb")
        if password is not None:
            self.call(*(["AUTH", user, password] if user else ["AUTH", password]))

    def close(self):
        self.file.close()
        self.sock.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def read(self):
        """One reply: str for simple strings and bulk strings, int for integers, a list for an
        array, None for a null. Raises ServerError for an error reply and ConnectionError when
        the server closes the connection."""
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("the server closed the connection")
        kind, rest = line[:1], line[1:-2].decode(errors="replace")
        if kind == b"+":
            return rest
        if kind == b":":
            return int(rest)
        if kind == b"-":
            raise ServerError(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2].decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ToolError("unexpected reply from %s: %r" % (self.where, line[:40]))

    def call(self, *args):
        self.send(*args)
        try:
            return self.read()
        except ConnectionError as e:
            raise ToolError("%s: %s" % (" ".join(map(str, args[:2])), e))

    def info(self, section):
        """INFO SECTION as a dict of its "name:value" lines."""
        fields = {}
        for line in self.call("INFO", section).splitlines():
            name, sep, value = line.partition(":")
            if sep and not name.startswith("#"):
                fields[name] = value
        return fields


def connect(args, timeout=10):
    return Connection(args.host, args.port, args.password, args.user, timeout)


def answers(args):
    """Whether the server answers PING with PONG now (not -LOADING, not refused)."""
    try:
        conn = connect(args, timeout=2)
    except ToolError:
        return False
    try:
        return conn.call("PING") == "PONG"
    except (ToolError, OSError):
        return False
    finally:
        conn.close()


def keyspace(conn):
    """INFO keyspace as {db number: (keys, expires)}."""
    counts = {}
    for name, value in conn.info("keyspace").items():
        fields = dict(item.split("=", 1) for item in value.split(","))
        counts[int(name[2:])] = (int(fields["keys"]), int(fields.get("expires", 0)))
    return counts


def server_version(conn):
    """The server's name and version from INFO server ("strata 0.1.0" or "redis 7.0.15")."""
    server = conn.info("server")
    if "strata_version" in server:
        return "strata " + server["strata_version"]
    return "redis " + server.get("redis_version", "unknown")


def config_get(conn, name):
    """CONFIG GET NAME's value, or None when CONFIG is refused (renamed, ACL) or has no such name."""
    try:
        reply = conn.call("CONFIG", "GET", name)
    except ServerError:
        return None
    return reply[1] if reply and len(reply) == 2 else None


def dump_path(args, conn):
    """The server's dump file: --dump, else --data-dir (or CONFIG GET dir) joined with CONFIG GET
    dbfilename (dump.rdb when CONFIG is refused). conn may be None (the server is down). The
    CONFIG answer is a path on the server's host: the scripts refuse a remote host without
    --dump or --data-dir."""
    if args.dump:
        return os.path.abspath(args.dump)
    directory = args.data_dir
    dbfilename = config_get(conn, "dbfilename") if conn else None
    if directory is None:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            raise ToolError("the server at %s is not local: give --dump or --data-dir" % args.host)
        directory = config_get(conn, "dir") if conn else None
        if directory is None:
            raise ToolError("cannot ask the server for its dir (CONFIG GET dir): give --dump or --data-dir")
    return os.path.abspath(os.path.join(directory, dbfilename or "dump.rdb"))


def find_checker(args, conn=None):
    """The checker command: --checker; strata-check-rdb beside the server's executable (INFO
    server's `executable`, for a local server), on PATH or in the repository's build; else
    redis-check-rdb (it reads Strata's dumps as well, they are Redis's format)."""
    if args.checker:
        if not os.access(args.checker, os.X_OK):
            raise ToolError("--checker %s is not an executable file" % args.checker)
        return args.checker
    candidates = []
    if conn is not None:
        executable = conn.info("server").get("executable")
        if executable:
            candidates.append(os.path.join(os.path.dirname(executable), "strata-check-rdb"))
    candidates += [shutil.which("strata-check-rdb"), _REPO_CHECKER, shutil.which("redis-check-rdb")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise ToolError("no dump checker found (strata-check-rdb or redis-check-rdb): give --checker")


# A database line of strata-check-rdb's summary: "db 3: 10 keys, 2 expires ..." or
# "db3 keys=10 expires=2 ...".
_DB_LINE = re.compile(r"^\s*db\s*(\d+)\b(.*)$", re.IGNORECASE)
_KEYS = re.compile(r"(?:\bkeys\s*[=:]\s*(\d+))|(?:(\d+)\s+keys\b)", re.IGNORECASE)
_EXPIRES = re.compile(r"(?:\bexpires\s*[=:]\s*(\d+))|(?:(\d+)\s+(?:expires|with expir|volatile))", re.IGNORECASE)


def check_dump(checker, path):
    """Runs the checker on the uncompressed dump at path. Returns its per-database summary as
    {db: (keys, expires)}, empty when the checker prints none (redis-check-rdb). Raises ToolError
    with the checker's own words when it finds the file damaged."""
    result = subprocess.run([checker, path], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        words = (result.stdout + result.stderr).strip().splitlines()
        raise ToolError("%s refuses the dump (exit %d): %s" % (
            os.path.basename(checker), result.returncode, " | ".join(words[-4:]) or "no output"))
    summary = {}
    for line in result.stdout.splitlines():
        m = _DB_LINE.match(line)
        keys = _KEYS.search(m.group(2)) if m else None
        if keys:
            expires = _EXPIRES.search(m.group(2))
            summary[int(m.group(1))] = (int(keys.group(1) or keys.group(2)),
                                        int(expires.group(1) or expires.group(2)) if expires else 0)
    return summary


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def gunzip_to_temp(gz_path, directory):
    """Decompresses gz_path into a new temporary file in `directory` (fsynced); returns its path.
    Raises ToolError when the gzip stream is damaged; removes the temporary file then."""
    fd, tmp = tempfile.mkstemp(prefix=".strata-restore-", suffix=".rdb.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(gz_path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        os.unlink(tmp)
        raise ToolError("%s is not a valid gzip file: %s" % (gz_path, e))
    return tmp


def fsync_dir(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomically(path, data):
    """Writes data as JSON to path through a temporary file and a rename: a reader sees the
    whole manifest or none."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(path) or ".")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def manifest_path(backup_path):
    """The manifest beside a backup: strata-T.rdb.gz -> strata-T.json."""
    base = backup_path[:-len(".rdb.gz")] if backup_path.endswith(".rdb.gz") else backup_path
    return base + ".json"


def read_manifest(path):
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise ToolError("cannot read the manifest %s: %s" % (path, e))
    for field in ("file", "sha256", "size", "keys", "time", "unix_time"):
        if field not in manifest:
            raise ToolError("the manifest %s has no %r field" % (path, field))
    return manifest


def manifests(backup_dir):
    """The complete backups in backup_dir (those with a manifest) as (manifest path, manifest),
    oldest first."""
    found = []
    for name in sorted(os.listdir(backup_dir)):
        if name.startswith("strata-") and name.endswith(".json"):
            path = os.path.join(backup_dir, name)
            found.append((path, read_manifest(path)))
    return sorted(found, key=lambda item: item[1]["time"])


def wait_until(what, predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a true value, which it returns; raises ToolError naming
    `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise ToolError("timed out after %gs waiting for %s" % (timeout, what))
        time.sleep(interval)
