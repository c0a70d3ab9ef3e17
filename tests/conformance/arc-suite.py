#!/usr/bin/python3
"""make conformance: mailaudit's ARC validator (auth/arc.c, through the small
driver tests/conformance/arccheck.c) on the public ARC validation suite,
../shared/conformance/arc/arc-draft-validation-tests.yml.

usage: arc-suite.py ARCCHECK SUITE.yml [-v] [-a]
  -v  per-set detail under each mismatch; -a  every test's result, not only mismatches

The suite was written against the ARC drafts; RFC 8617 decides. Every test
whose result differs from the suite's `cv` is printed with its judgement (the
JUDGED table below): "RFC 8617 agrees with us" keeps the mismatch, and it is
counted as a mismatch all the same, so "ARC suite: N of M" is the plain
agreement. A mismatch with no judgement is printed as UNJUDGED and makes the
exit status 1 (a regression, or a new test); judged mismatches do not.

Needs python3-yaml."""
import os
import subprocess
import sys
import tempfile

import yaml

# test name -> why our answer is the RFC 8617 one (see the README of the suite:
# "check each expectation against RFC 8617 before trusting it").
JUDGED = {
    "cv_fail_i1_as_cv_fail":
        "suite expects no result (''); RFC 8617 section 5.2 step 2: when the highest "
        "instance's AS says cv=fail, the chain validation status is fail. We say fail.",
    "cv_fail_i2_as2_fail":
        "suite expects no result (''); RFC 8617 section 5.2 step 2: cv=fail in the highest "
        "AS makes the chain fail. We say fail.",
    "cv_fail_i2_as1_fail":
        "suite expects no result (''); RFC 8617 section 5.2 step 3: an AS with cv=fail in the "
        "chain is a structural failure. We say fail.",
    "ams_fields_c_na":
        "suite expects pass for an AMS without c= whose signer used relaxed/relaxed (the "
        "drafts' and dkimpy's default for ARC); RFC 8617 section 4.1.2 gives the AMS the "
        "syntax and semantics of DKIM-Signature, whose c= default is simple/simple (RFC 6376 "
        "section 3.5), and lists no exception for c=. Under simple/simple the signed header "
        "fields differ: we say fail (AMS signature mismatch).",
    "ams_fields_h_mis_hdr":
        "suite expects pass for h=from:to::date (an empty name between two colons); RFC 6376 "
        "section 3.5's hdr-name is 1*ftext, so the AMS is syntactically invalid (RFC 8617 "
        "section 4.1.2: DKIM-Signature syntax). We say fail (syntax error in tag h).",
    "ams_fields_h_empty":
        "suite expects pass for h= with no field name; RFC 8617 section 4.1.2 gives the AMS "
        "DKIM-Signature's syntax, and RFC 6376 section 3.5 (sig-h-tag = hdr-name *(\":\" "
        "hdr-name)) needs one name at least, From among them (section 5.4, 6.1.1: PERMFAIL). "
        "We say fail (syntax error in tag h).",
}


def zone_text(records):
    lines = []
    for name, txt in (records or {}).items():
        txt = " ".join(str(txt).split())  # YAML folding left line ends and runs of spaces
        txt = txt.replace("\\", "\\\\").replace('"', '\\"')
        chunks = " ".join('"%s"' % txt[i:i + 250] for i in range(0, len(txt), 250))
        lines.append("%s. 300 IN TXT %s\n" % (name.rstrip("."), chunks))
    return "".join(lines)


def expected_word(cv):
    if cv is None:
        return "none"
    s = str(cv).strip().lower()
    return s  # "pass", "fail", "none" or "" (the suite leaves some open)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    arccheck, suite = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv[3:]
    show_all = "-a" in sys.argv[3:]
    docs = [d for d in yaml.safe_load_all(open(suite)) if d]
    total = agree = 0
    unjudged = 0
    mismatches = []
    with tempfile.TemporaryDirectory() as tmp:
        for si, doc in enumerate(docs):
            zone = os.path.join(tmp, "zone%d" % si)
            with open(zone, "w") as f:
                f.write(zone_text(doc.get("txt-records")))
            names, files = [], []
            for name, test in doc["tests"].items():
                path = os.path.join(tmp, "%d-%s.eml" % (si, name))
                with open(path, "wb") as f:
                    f.write(str(test.get("message") or "").encode("utf-8", "surrogateescape"))
                names.append(name)
                files.append(path)
            cmd = [arccheck] + (["-v"] if verbose else []) + [zone] + files
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print("arccheck failed on scenario %r: %s" % (doc.get("description"), out.stderr))
                return 2
            rows = {}
            detail = {}
            last = None
            for line in out.stdout.splitlines():
                if line.startswith("  ") and last:
                    detail.setdefault(last, []).append(line)
                    continue
                f = line.split("\t")
                rows[f[0]] = f
                last = f[0]
            for name, path in zip(names, files):
                test = doc["tests"][name]
                want = expected_word(test.get("cv"))
                got = rows[path]
                total += 1
                if show_all:
                    print("%-32s suite %-5s ours %-5s %s" % (name, want, got[1], got[4]))
                if got[1] == want:
                    agree += 1
                    continue
                mismatches.append((doc.get("description"), name, want, got, detail.get(path, [])))
    print("ARC suite: %d of %d" % (agree, total))
    for scen, name, want, got, det in mismatches:
        j = JUDGED.get(name)
        if not j:
            unjudged += 1
        print("  %s / %s: suite %r, ours %s (%s)" % (scen, name, want, got[1], got[4] or "-"))
        print("      %s" % (("judgement: " + j) if j else "UNJUDGED"))
        for line in det:
            print("    " + line)
    print("%d mismatches, %d judged against RFC 8617, %d unjudged"
          % (len(mismatches), len(mismatches) - unjudged, unjudged))
    return 1 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())
