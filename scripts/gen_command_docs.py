#!/usr/bin/env python3
"""Generates src/server/command_docs_data.inc: the documentation, tips and key specifications of
Redis 7.0's commands, as a running redis-server 7.0.15 reports them (COMMAND DOCS, COMMAND INFO).

Strata's COMMAND, COMMAND INFO and COMMAND DOCS replies are meant to match Redis's byte for byte,
and clients (redis-cli's help and hints, cluster-aware clients' key lookup) read these fields. The
data is interface metadata, taken from the server's replies so that it matches them exactly.

Usage: scripts/gen_command_docs.py --port 6379 > src/server/command_docs_data.inc
       (start the server with `redis-server --port 6379 --save ''` first)
"""
import argparse
import socket
import sys


def read_reply(f):
    """Parses one RESP3 reply into (type, value) trees."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise RuntimeError("connection closed")
    t, rest = chr(line[0]), line[1:-2]
    if t == "+":
        return ("status", rest.decode())
    if t == "-":
        raise RuntimeError(rest.decode())
    if t == ":":
        return ("int", int(rest))
    if t == "$":
        n = int(rest)
        data = f.read(n + 2)[:-2]
        return ("bulk", data.decode())
    if t == "_":
        return ("null", None)
    if t in "*~%":
        n = int(rest)
        items = [read_reply(f) for _ in range(n * 2 if t == "%" else n)]
        if t == "%":
            return ("map", [(items[i][1], items[i + 1]) for i in range(0, len(items), 2)])
        return ("set" if t == "~" else "array", items)
    raise RuntimeError("unexpected reply type %r" % t)


def command(sock, f, *args):
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
    return read_reply(f)


def c_string(s):
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += "\\" + ch
        elif 32 <= ord(ch) < 127:
            out += ch
        else:
            out += "\\x%02x" % ord(ch)
    return out + '"'


def words(items):
    return " ".join(v for _, v in items)


class Tables:
    def __init__(self):
        self.args = []      # rows of kDocArgs
        self.history = []   # rows of kDocHistory
        self.specs = []     # rows of kDocKeySpecs
        self.docs = []      # rows of kCommandDocs

    def add_args(self, args):
        """Lays out `args` (a list of argument maps) contiguously; children after. Returns first index."""
        first = len(self.args)
        self.args.extend([None] * len(args))
        for i, (_, fields) in enumerate(args):
            m = dict(fields)
            children = m.get("arguments", ("array", []))[1]
            child_first = self.add_args(children) if children else 0
            flags = [v for _, v in m["flags"][1]] if "flags" in m else []
            self.args[first + i] = "{%s, %s, %d, %s, %s, %s, %s, %d, %d}" % (
                c_string(m["name"][1]), c_string(m["type"][1]),
                m["key_spec_index"][1] if "key_spec_index" in m else -1,
                c_string(m["token"][1]) if "token" in m else '""',
                c_string(m["since"][1]) if "since" in m else '""',
                c_string(m["deprecated_since"][1]) if "deprecated_since" in m else '""',
                c_string(" ".join(flags)), child_first, len(children))
            unknown = set(m) - {"name", "type", "key_spec_index", "token", "since", "deprecated_since", "flags",
                                "arguments"}
            if unknown:
                raise RuntimeError("unknown argument fields %s" % unknown)
        return first

    def add_specs(self, specs):
        first = len(self.specs)
        for _, fields in specs:
            m = dict(fields)
            begin = dict(m["begin_search"][1])
            begin_spec = dict(begin["spec"][1])
            find = dict(m["find_keys"][1])
            find_spec = dict(find["spec"][1])
            btype = begin["type"][1]
            ftype = find["type"][1]
            if btype == "index":
                bvals = (begin_spec["index"][1], '""', 0)
            elif btype == "keyword":
                bvals = (0, c_string(begin_spec["keyword"][1]), begin_spec["startfrom"][1])
            else:
                bvals = (0, '""', 0)
            if ftype == "range":
                fvals = (find_spec["lastkey"][1], find_spec["keystep"][1], find_spec["limit"][1])
            elif ftype == "keynum":
                fvals = (find_spec["keynumidx"][1], find_spec["firstkey"][1], find_spec["keystep"][1])
            else:
                fvals = (0, 0, 0)
            self.specs.append("{%s, %s, %s, %d, %s, %d, %s, %d, %d, %d}" % (
                c_string(m["notes"][1]) if "notes" in m else '""', c_string(words(m["flags"][1])),
                c_string(btype), bvals[0], bvals[1], bvals[2], c_string(ftype), fvals[0], fvals[1], fvals[2]))
        return first

    def add_command(self, name, doc, info):
        d = dict(doc[1])
        hist = d.get("history", ("array", []))[1]
        hist_first = len(self.history)
        for _, pair in hist:
            self.history.append("{%s, %s}" % (c_string(pair[0][1]), c_string(pair[1][1])))
        args = d.get("arguments", ("array", []))[1]
        args_first = self.add_args(args) if args else 0
        tips = words(info[1][7][1])
        specs = info[1][8][1]
        specs_first = self.add_specs(specs) if specs else 0
        unknown = set(d) - {"summary", "since", "group", "complexity", "doc_flags", "deprecated_since", "replaced_by",
                            "history", "arguments", "subcommands"}
        if unknown:
            raise RuntimeError("%s: unknown doc fields %s" % (name, unknown))
        self.docs.append(
            "{%s, %s, %s, %s, %s, %s, %s, %s, %d, %d, %d, %d, %d, %d, %s}" % (
                c_string(name), c_string(d["summary"][1]), c_string(d["since"][1]), c_string(d["group"][1]),
                c_string(d["complexity"][1]) if "complexity" in d else '""',
                c_string(words(d["doc_flags"][1])) if "doc_flags" in d else '""',
                c_string(d["deprecated_since"][1]) if "deprecated_since" in d else '""',
                c_string(d["replaced_by"][1]) if "replaced_by" in d else '""',
                hist_first, len(hist), args_first, len(args), specs_first, len(specs), c_string(tips)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=6379)
    opts = ap.parse_args()
    sock = socket.create_connection(("127.0.0.1", opts.port))
    f = sock.makefile("rb")
    version = dict(command(sock, f, "HELLO", "3")[1])["version"][1]
    docs = dict(command(sock, f, "COMMAND", "DOCS")[1])
    infos = {}
    for entry in command(sock, f, "COMMAND", "INFO")[1]:
        infos[entry[1][0][1]] = entry
        for sub in entry[1][9][1]:
            infos[sub[1][0][1]] = sub

    tables = Tables()
    rows = []
    for name in sorted(docs):
        rows.append((name, docs[name]))
        subs = dict(docs[name][1]).get("subcommands")
        if subs:
            rows.extend(sorted(subs[1]))
    for name, doc in sorted(rows):
        tables.add_command(name, doc, infos[name])

    out = sys.stdout
    out.write("// Generated by scripts/gen_command_docs.py from redis-server %s's COMMAND DOCS and COMMAND INFO.\n"
              "// Do not edit; regenerate. Included by src/server/command_docs.cpp.\n\n" % version)
    out.write("// {name, type, key_spec_index, token, since, deprecated_since, flags, first child, children}\n")
    out.write("constexpr DocArg kDocArgs[] = {\n")
    for row in tables.args:
        out.write("    %s,\n" % row)
    out.write("};\n\n// {version, description}\nconstexpr DocHistory kDocHistory[] = {\n")
    for row in tables.history:
        out.write("    %s,\n" % row)
    out.write("};\n\n// {notes, flags, begin_search type, index, keyword, startfrom, find_keys type, 3 numbers of the\n"
              "// find_keys spec: range (lastkey, keystep, limit) or keynum (keynumidx, firstkey, keystep)}\n"
              "constexpr DocKeySpec kDocKeySpecs[] = {\n")
    for row in tables.specs:
        out.write("    %s,\n" % row)
    out.write("};\n\n// {name, summary, since, group, complexity, doc_flags, deprecated_since, replaced_by, first history,\n"
              "// history entries, first argument, arguments, first key spec, key specs, tips}, sorted by name\n"
              "constexpr CommandDoc kCommandDocs[] = {\n")
    for row in tables.docs:
        out.write("    %s,\n" % row)
    out.write("};\n")


if __name__ == "__main__":
    main()
