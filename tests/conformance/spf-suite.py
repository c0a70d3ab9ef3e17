#!/usr/bin/env python3
"""spf-suite.py - run the RFC 7208 SPF test suite (pyspf's rfc7208-tests.yml)
against mailaudit's SPF checker.

Usage: spf-suite.py SUITE.yml SPFCHECK [-v]

Each scenario's zonedata becomes a DNS snapshot in master-file syntax (what
`--dns` reads); each test becomes a line for the C driver SPFCHECK
(tests/conformance/spfcheck.c), which prints the verdicts. They are compared
with the suite's: a test may accept several results; an explanation is
compared when the suite gives one ("DEFAULT": none from exp=).

Zonedata conventions (as pyspf's own test driver reads them):
  - a record typed SPF also serves as TXT unless the name lists TXT records
    ("TXT: NONE" lists none); such TXT copies come after everything else;
  - TIMEOUT: a DNS timeout for every type that has no record before it; the
    records before it are given to the driver as recorded answers;
  - TXT strings are UTF-8 bytes; a list is several strings of one record.
Prints each failure and "SPF RFC 7208 suite: N of M passed".
"""
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SPF RFC 7208 suite: skipped (PyYAML missing: apt-get install python3-yaml)")
    sys.exit(0)

SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*")


def zname(name):
    """A domain name in master-file syntax (absolute), odd bytes as \\DDD."""
    name = str(name)
    if name in ("", "."):
        return "."
    if name.endswith("."):
        name = name[:-1]
    out = []
    for label in name.split("."):
        out.append("".join(chr(b) if b in SAFE else "\\%03d" % b
                           for b in label.encode("utf-8")))
    return ".".join(out) + "."


def zstrings(value):
    """TXT rdata: one or more quoted strings (255 bytes at most each)."""
    if isinstance(value, str):
        value = [value]
    parts = []
    for s in value:
        data = s.encode("utf-8")
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
        for c in chunks:
            parts.append('"' + "".join(
                "\\%03d" % b if b < 0x20 or b >= 0x7f or b in (0x22, 0x5c) else chr(b)
                for b in c) + '"')
    return " ".join(parts) if parts else '""'


def zrecord(owner, rtype, value):
    if rtype in ("TXT", "SPF"):
        rdata = zstrings(value)
    elif rtype == "MX":
        rdata = "%d %s" % (int(value[0]), zname(value[1]))
    elif rtype in ("PTR", "CNAME", "NS"):
        rdata = zname(value)
    else:
        rdata = str(value)
    return "%s 300 IN %s %s\n" % (zname(owner), rtype, rdata)


def convert(zonedata):
    """(snapshot text, timeout-records text, names that time out)"""
    zone, tzone, tnames = [], [], []
    for owner, entries in (zonedata or {}).items():
        records, timeout = [], False
        has_txt, spf_copies = False, []
        for entry in entries or []:
            if entry == "TIMEOUT":
                timeout = True
                continue
            for rtype, value in entry.items():
                if rtype == "TXT":
                    has_txt = True
                    if value == "NONE":
                        continue
                if rtype == "SPF":
                    spf_copies.append(value)
                if not timeout:
                    records.append(zrecord(owner, rtype, value))
        if not has_txt and not timeout:  # SPF serves as TXT (after a TIMEOUT: never reached)
            records += [zrecord(owner, "TXT", v) for v in spf_copies]
        if timeout:
            tnames.append(zname(owner))
            tzone += records
        else:
            zone += records
    return "".join(zone), "".join(tzone), tnames


def field(s):
    s = s.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
    return None if s == "-" else s


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    suite, driver = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv[3:]
    with open(suite, "rb") as fp:
        scenarios = list(yaml.safe_load_all(fp))
    tmp = tempfile.mkdtemp(prefix="spf-suite-")
    commands, expect = [], {}
    for i, sc in enumerate(scenarios):
        zone, tzone, tnames = convert(sc.get("zonedata"))
        zpath = os.path.join(tmp, "s%d.zone" % i)
        tpath = os.path.join(tmp, "s%d.timeout.zone" % i)
        with open(zpath, "w", encoding="latin-1") as fp:
            fp.write(zone)
        with open(tpath, "w", encoding="latin-1") as fp:
            fp.write(tzone)
        commands.append("scenario\t%s\t%s\t%s" % (zpath, tpath if tzone else "-",
                                                   ",".join(tnames) or "-"))
        for name, t in (sc.get("tests") or {}).items():
            key = "%d:%s" % (i, name)
            expect[key] = (sc.get("description", ""), name, t)
            commands.append("test\t%s\t%s\t%s\t%s" % (key, t["host"], t.get("helo", ""),
                                                     t.get("mailfrom", "")))
    proc = subprocess.run([driver], input="\n".join(commands) + "\n", capture_output=True,
                          text=True, encoding="latin-1")
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        print("SPF RFC 7208 suite: driver failed (status %d)" % proc.returncode)
        return 1
    got = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 5:
            got[parts[0]] = [field(p) for p in parts[1:]]
    passed = 0
    for key, (desc, name, t) in expect.items():
        want = t["result"] if isinstance(t["result"], list) else [t["result"]]
        res = got.get(key)
        why = []
        if res is None:
            why.append("no answer from the driver")
        else:
            result, explanation, mechanism, problem = res
            if result not in want:
                why.append("result %s, expected %s" % (result, "/".join(want)))
            if "explanation" in t:
                wexp = t["explanation"]
                if (wexp == "DEFAULT" and explanation is not None) or \
                   (wexp != "DEFAULT" and explanation != wexp):
                    why.append("explanation %r, expected %r" % (explanation, wexp))
        if why:
            extra = "" if res is None else " [mechanism %s; problem %s]" % (res[2], res[3])
            print("FAIL %s / %s (%s): %s%s" % (desc, name, t.get("spec", ""), "; ".join(why),
                                               extra))
        else:
            passed += 1
            if verbose:
                print("ok   %s / %s: %s [mechanism %s; problem %s]" % (desc, name, res[0],
                                                                  res[2], res[3]))
    print("SPF RFC 7208 suite: %d of %d passed" % (passed, len(expect)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
