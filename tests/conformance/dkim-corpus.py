#!/usr/bin/python3
"""make conformance: mailaudit's DKIM verdicts on ../shared/conformance/dkim-corpus
beside two other verifiers' (dkimpy 1.1.4 strict, Mail::DKIM 1.20230212 lenient).

usage: dkim-corpus.py MAILAUDIT CORPUSDIR
Prints one block per message (ours, dkimpy, Mail::DKIM) and the agreement on
"counts as a pass" per signature with each. The corpus README says the strict
reading (RFC 6376 + RFC 8301 + RFC 8463) decides where they disagree."""
import json, os, subprocess, sys

mailaudit, corpus = sys.argv[1], sys.argv[2]
def tsv(name):
    d = {}
    for line in open(os.path.join(corpus, name)):
        if "\t" not in line:
            continue  # a continuation of a detail that held a line end
        f, rest = line.rstrip("\n").split("\t", 1)
        d[f] = rest
    return d
py, md = tsv("dkimpy-results.tsv"), tsv("mail-dkim-results.tsv")
files = sorted(f for f in os.listdir(corpus) if f.endswith(".txt"))
out = subprocess.run([mailaudit, "check", "--json", "--checks", "dkim", "--dns",
                      os.path.join(corpus, "dns.zone")] + [os.path.join(corpus, f) for f in files],
                     capture_output=True, text=True, check=True).stdout.splitlines()
assert len(out) == len(files), "one JSON line per file"
agree_py = agree_md = n = 0
for f, line in zip(files, out):
    sigs = json.loads(line)["dkim"]
    ours = [d["result"] == "pass" for d in sigs]
    # dkimpy: "domain:result(...)" joined with " | ", or "none" (it ignores DomainKeys)
    pyv = [] if py.get(f, "none") == "none" else [":pass" in p.split("(")[0] for p in py[f].split(" | ")]
    # Mail::DKIM: "domain:result:detail" per signature from the third column on
    mdv = [p.split(":")[1] == "pass" for p in md.get(f, "").split("\t")[2:] if p]
    dk_only = [d for d in sigs if not d["legacy"]]
    ours_dkim = [d["result"] == "pass" for d in dk_only]
    n += 1
    same_py = ours_dkim == pyv[:len(ours_dkim)] and len(pyv) == len(ours_dkim)
    same_md = ours == mdv
    agree_py += same_py
    agree_md += same_md
    print("%-22s ours   %s" % (f, " ; ".join("%s%s %s%s" % ("(DomainKeys) " if d["legacy"] else "",
          d["domain"], d["result"], " (%s)" % d["reason"] if d["reason"] else "") for d in sigs) or "none"))
    print("%-22s dkimpy %s%s" % ("", py.get(f), "" if same_py else "   <- differs"))
    print("%-22s M::D   %s%s" % ("", " | ".join(md.get(f, "").split("\t")[2:]), "" if same_md else "   <- differs"))
print("DKIM corpus: %d messages; same pass/non-pass as dkimpy (strict) on %d, as Mail::DKIM (lenient) on %d"
      % (n, agree_py, agree_md))
