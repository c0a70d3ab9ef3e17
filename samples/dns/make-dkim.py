#!/usr/bin/python3
"""make-dkim.py -- (re)make the real DKIM signatures of the demo data set.

Run from anywhere:   /usr/bin/python3 samples/dns/make-dkim.py [--check] [--new-keys]

Needs dkimpy (Debian/Ubuntu: python3-dkim; `import dkim`) and, only to create
keys, the openssl command. It is an implementation independent of mailaudit:
the canonicalization, header selection and RSA code are dkimpy's.

What it does, in order:

 1. Keys. For every (domain, selector) in KEYS it uses the demo private key
    samples/dns/keys/<selector>.<domain>.pem (PKCS#1 PEM, RSA-2048), making
    it with `openssl genrsa` when the file is missing (--new-keys: make all
    three again; every signature and key record then changes).
 2. Signing. It walks samples/ (skipping tmp/, logs/ and dns/), reads every
    single-message file (.eml, Maildir) and every message of every mbox
    (mboxrd quoting undone for hashing; the quoting never touches headers),
    and for each DKIM-Signature field whose d=/s= has a key here it
      - checks that bh= is the body hash of the message as stored (it stops
        with an error if not: a new b= cannot repair a body change);
      - computes b= over the signed header fields exactly as they appear in
        the file (relaxed or simple, as c= says; h= as written; the
        DKIM-Signature field itself with an empty b=), RSASSA-PKCS1-v1_5 /
        SHA-256 with the key;
      - writes the base64 value in place of the old one, folded exactly like
        the old one (same pieces, same folding whitespace, same line ends),
        so the file keeps its size and every other byte: Maildir S=/W= stay
        right, mbox offsets of later messages do not move;
      - rewrites header.b=XXXXXXXX in the Authentication-Results and
        ARC-Authentication-Results fields of that message that report this
        signature (header.d/header.i and header.s match) to the first
        characters of the new b=, as a receiver writes them (same length).
    Other DKIM/ARC signatures (keys not here) are left alone.
 3. Zone. It rewrites the `<selector>._domainkey.<domain>.` TXT line of each
    key in samples/dns/snapshot.zone ("v=DKIM1; k=rsa; p=..." split into
    255-byte strings, as DNS serves long TXT records).
 4. Check. It verifies every DKIM-Signature in samples/ with dkimpy, the key
    read back from snapshot.zone and the clock set to the signature's t= (the
    arrival day; x= has long passed today), prints one line per signature and
    exits 1 if a signature made with a key here does not verify.

RSASSA-PKCS1-v1_5 is deterministic: with the same keys, running it again
changes nothing. --check does step 4 only and writes nothing.
"""
import argparse
import base64
import hashlib
import os
import re
import subprocess
import sys

import dkim
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import RSASSA_PKCS1_v1_5_sign, parse_pem_private_key
from dkim.util import parse_tag_value

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
ZONE = os.path.join(HERE, "snapshot.zone")
KEYDIR = os.path.join(HERE, "keys")
SKIP_DIRS = {"tmp", "logs", "dns"}
KEY_TTL = 3600

# (domain, selector) -> which messages they sign (for the reader only)
KEYS = {
    (b"shop.example.com", b"sw1"): "the 10 Spring Sale campaign copies",
    (b"bank.example.com", b"sw1"): "the bank statement notice (Takeout #3)",
    (b"store.example.org", b"sw1"): "the shipping notification (Maildir INBOX)",
}


def key_path(domain, selector):
    return os.path.join(KEYDIR, "%s.%s.pem" % (selector.decode(), domain.decode()))


def ensure_key(domain, selector, new):
    path = key_path(domain, selector)
    if new or not os.path.exists(path):
        os.makedirs(KEYDIR, exist_ok=True)
        subprocess.run(["openssl", "genrsa", "-traditional", "-out", path, "2048"],
                       check=True, stderr=subprocess.DEVNULL)
        os.chmod(path, 0o644)  # a demo key, committed on purpose
        print("new key %s" % os.path.relpath(path, SAMPLES))
    with open(path, "rb") as f:
        return f.read()


def public_key_b64(domain, selector):
    der = subprocess.run(["openssl", "rsa", "-in", key_path(domain, selector), "-pubout",
                          "-outform", "DER"], check=True, capture_output=True).stdout
    return base64.b64encode(der)


# ---------------------------------------------------------------- messages

class Msg:
    """One message: file path, label, byte offset of the message in the file,
    raw bytes as stored (mboxrd-quoted inside an mbox) and the bytes a
    receiver saw (quoting undone)."""

    def __init__(self, path, label, offset, raw, in_mbox):
        self.path, self.label, self.offset, self.raw = path, label, offset, raw
        self.wire = re.sub(rb"(?m)^>(>*From )", rb"\1", raw) if in_mbox else raw


def walk_messages():
    for dirpath, dirnames, filenames in os.walk(SAMPLES):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                data = f.read()
            rel = os.path.relpath(path, SAMPLES)
            if data.startswith(b"From "):
                starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
                for i, s in enumerate(starts):
                    e = starts[i + 1] if i + 1 < len(starts) else len(data)
                    body_start = data.index(b"\n", s) + 1
                    raw = data[body_start:e]
                    if i + 1 < len(starts) and raw.endswith(b"\n\n"):
                        raw = raw[:-1]  # the blank line before the next From_ line
                    yield Msg(path, "%s #%d" % (rel, i + 1), body_start, raw, True)
            elif re.match(rb"[\x21-\x39\x3b-\x7e]+:", data):
                yield Msg(path, rel, 0, data, False)


def header_fields(raw):
    """(name, start, end) of each header field in raw (end after its line end)."""
    fields = []
    pos = 0
    while pos < len(raw):
        eol = raw.find(b"\n", pos)
        eol = len(raw) if eol < 0 else eol + 1
        line = raw[pos:eol]
        if line in (b"\n", b"\r\n"):
            break
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][2] = eol
        else:
            fields.append([line.split(b":", 1)[0], pos, eol])
        pos = eol
    return [tuple(f) for f in fields]


def b_tag_span(field, start):
    """Span (s, e) of the b= tag value inside field bytes (folding included,
    trailing line end excluded)."""
    for m in re.finditer(rb"(?:^|[;\s])b[ \t]*=", field):
        s = m.end()
        e = field.find(b";", s)
        e = len(field) if e < 0 else e
        while e > s and field[e - 1:e] in (b" ", b"\t", b"\r", b"\n"):
            e -= 1
        return start + s, start + e
    raise ValueError("no b= tag")


def fold_like(old, new):
    """new (base64, no whitespace) laid out like old: same pieces, same
    whitespace between them."""
    parts = re.split(rb"(\s+)", old)
    lengths = [len(p) for p in parts[0::2]]
    if sum(lengths) != len(new):
        raise ValueError("new b= has %d characters, the old one %d" % (len(new), sum(lengths)))
    out, pos = [], 0
    for i, p in enumerate(parts):
        if i % 2:
            out.append(p)
        else:
            out.append(new[pos:pos + len(p)])
            pos += len(p)
    return b"".join(out)


def sign_one(msg, idx, sig, pem):
    """The base64 signature of the idx-th DKIM-Signature of msg."""
    d = dkim.DKIM(msg.wire)
    policy = CanonicalizationPolicy.from_c_value(sig.get(b"c", b"simple/simple"))
    if sig.get(b"a") != b"rsa-sha256":
        raise ValueError("a=%s: only rsa-sha256 is made here" % sig.get(b"a"))
    body = policy.canonicalize_body(d.body)
    if b"l" in sig:
        body = body[:int(sig[b"l"])]
    bh = base64.b64encode(hashlib.sha256(body).digest())
    if bh != re.sub(rb"\s+", b"", sig[b"bh"]):
        raise ValueError("bh= is not the body hash (%s): fix the body or bh= first" % bh.decode())
    sigheaders = [(x, y) for x, y in d.headers if x.lower() == b"dkim-signature"]
    include = [x.strip().lower() for x in re.split(rb"\s*:\s*", re.sub(rb"\s+", b"", sig[b"h"]))]
    h = hashlib.sha256()
    dkim.hash_headers(h, policy, policy.canonicalize_headers(d.headers), include,
                      sigheaders[idx], sig)
    return base64.b64encode(bytes(RSASSA_PKCS1_v1_5_sign(h, parse_pem_private_key(pem))))


def ar_edits(raw, fields, domain, selector, newb):
    """Edits (s, e, bytes) of header.b= in the A-R/AAR fields of raw that
    report the signature (domain, selector)."""
    edits = []
    for name, s, e in fields:
        if name.lower() not in (b"authentication-results", b"arc-authentication-results"):
            continue
        field = raw[s:e]
        for bm in re.finditer(rb"header\.b=([A-Za-z0-9+/]+)", field):
            start = field.rfind(b"dkim=", 0, bm.start())
            if start < 0:
                continue
            res = field[start:bm.start()]  # this result's properties (comments may hold ';')
            dm = re.search(rb"header\.d=([\w.-]+)|header\.i=[^@\s;]*@([\w.-]+)", res)
            sm = re.search(rb"header\.s=([\w.-]+)", res)
            if not dm or (dm.group(1) or dm.group(2)).lower() != domain:
                continue
            if sm and sm.group(1).lower() != selector:
                continue
            edits.append((s + bm.start(1), s + bm.end(1), newb[:bm.end(1) - bm.start(1)]))
    return edits


# ---------------------------------------------------------------- zone

def txt_line(owner, value):
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)]
    return "%s %d IN TXT %s" % (owner, KEY_TTL, " ".join('"%s"' % c.decode() for c in chunks))


def update_zone(records):
    with open(ZONE) as f:
        lines = f.read().split("\n")
    changed = False
    for owner, line in records.items():
        hits = [i for i, l in enumerate(lines) if l.split(None, 1)[:1] == [owner]]
        if len(hits) != 1:
            sys.exit("%s: need exactly one line for %s, found %d" % (ZONE, owner, len(hits)))
        if lines[hits[0]] != line:
            lines[hits[0]] = line
            changed = True
    if changed:
        with open(ZONE, "w") as f:
            f.write("\n".join(lines))
        print("updated %s" % os.path.relpath(ZONE, SAMPLES))


def zone_txt():
    """TXT records of the snapshot: name (lowercase, with final dot) -> list of
    values (strings concatenated). Enough of the master-file syntax for the
    one-line records written above."""
    txt = {}
    with open(ZONE, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b";"):
                continue
            m = re.match(rb"(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$", line)
            if m:
                value = b"".join(re.findall(rb'"((?:[^"\\]|\\.)*)"', m.group(2)))
                txt.setdefault(m.group(1).lower(), []).append(value)
    return txt


# ---------------------------------------------------------------- check

class PinnedClock:
    def __init__(self, t):
        self.t = t

    def time(self):
        return self.t


def check_all(txt):
    def dnsfunc(name, timeout=5):
        name = name if name.endswith(b".") else name + b"."
        values = txt.get(name.lower())
        return values[0] if values else None

    real_time = dkim.time
    bad = 0
    for msg in walk_messages():
        d = dkim.DKIM(msg.wire)
        sigs = [y for x, y in d.headers if x.lower() == b"dkim-signature"]
        for idx, value in enumerate(sigs):
            sig = parse_tag_value(value)
            ours = (sig[b"d"].lower(), sig[b"s"].lower()) in KEYS
            dkim.time = PinnedClock(int(sig.get(b"t", b"0")) + 60)
            try:
                ok = dkim.DKIM(msg.wire).verify(idx, dnsfunc=dnsfunc)
                why = "" if ok else "signature does not verify"
            except dkim.DKIMException as e:
                ok, why = False, str(e)
            finally:
                dkim.time = real_time
            print("%-4s d=%s s=%s  %s%s" % ("pass" if ok else "FAIL", sig[b"d"].decode(),
                                            sig[b"s"].decode(), msg.label,
                                            "" if ok else "  (" + why + ")"))
            if ours and not ok:
                bad += 1
    return bad


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only verify; write nothing")
    ap.add_argument("--new-keys", action="store_true", help="make new demo keys first")
    args = ap.parse_args()

    if not args.check:
        pems = {k: ensure_key(k[0], k[1], args.new_keys) for k in KEYS}
        edits = {}  # path -> list of (abs start, abs end, bytes)
        for msg in walk_messages():
            fields = header_fields(msg.raw)
            sig_fields = [f for f in fields if f[0].lower() == b"dkim-signature"]
            for idx, (name, s, e) in enumerate(sig_fields):
                value = msg.raw[s:e].split(b":", 1)[1]
                sig = parse_tag_value(value)
                key = (sig[b"d"].lower(), sig[b"s"].lower())
                if key not in KEYS:
                    continue
                try:
                    newb = sign_one(msg, idx, sig, pems[key])
                except ValueError as err:
                    sys.exit("%s: d=%s s=%s: %s" % (msg.label, key[0].decode(), key[1].decode(), err))
                bs, be = b_tag_span(msg.raw[s:e], s)
                todo = [(bs, be, fold_like(msg.raw[bs:be], newb))]
                todo += ar_edits(msg.raw, fields, key[0], key[1], newb)
                edits.setdefault(msg.path, []).extend(
                    (msg.offset + a, msg.offset + b, c) for a, b, c in todo)
        for path, todo in sorted(edits.items()):
            with open(path, "rb") as f:
                old = f.read()
            new = bytearray(old)
            for s, e, b in sorted(todo, reverse=True):
                assert len(b) == e - s
                new[s:e] = b
            assert len(new) == len(old)
            if new != old:
                with open(path, "wb") as f:
                    f.write(new)
                print("signed %s (%d field(s) rewritten)" % (os.path.relpath(path, SAMPLES), len(todo)))
        update_zone({"%s._domainkey.%s." % (s.decode(), d.decode()):
                     txt_line("%s._domainkey.%s." % (s.decode(), d.decode()),
                              b"v=DKIM1; k=rsa; p=" + public_key_b64(d, s))
                     for d, s in KEYS})

    bad = check_all(zone_txt())
    if bad:
        sys.exit("%d signature(s) made with a key here do not verify" % bad)


if __name__ == "__main__":
    main()
