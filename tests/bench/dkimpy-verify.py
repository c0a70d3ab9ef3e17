#!/usr/bin/python3
"""make bench: verify every file with dkimpy, keys from a DNS snapshot
(no network). usage: dkimpy-verify.py ZONE FILE... ; prints "pass N of M"."""
import re, sys

import dkim

keys = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\S+)\.\s+\d+\s+IN\s+TXT\s+(.*)', line)
    if m:
        keys[m.group(1).encode()] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()

def dnsfunc(name, timeout=5):
    return keys.get(name.rstrip(b"."))

ok = 0
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        if dkim.verify(f.read(), dnsfunc=dnsfunc):
            ok += 1
print("pass %d of %d" % (ok, len(sys.argv) - 2))
