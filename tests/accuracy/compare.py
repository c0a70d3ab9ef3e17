#!/usr/bin/env python3
"""compare.py — which SpamAssassin rules hit, mailaudit against SpamAssassin.

Runs SpamAssassin (tests/accuracy/sa-oracle.pl, one process) and
`mailaudit check --checks rules --json --rules DIR` over the same messages and
compares, message by message, the set of plain-regex rules that hit: header,
body, rawbody, full, uri and mimeheader rules as SpamAssassin compiled them
(eval and meta rules excluded), that SpamAssassin runs (a rule whose active
score is 0 never runs in SpamAssassin) and that mailaudit does not report as
skipped (`mailaudit rules lint --json`). Skipped rules are listed apart.

Measures, over (message, rule) pairs:
  agreement         pairs where both sides hit or both did not, of all pairs;
  strict agreement  the same over the pairs where at least one side hit.
Also per rule kind, the rules with most disagreements (SpamAssassin-only and
mailaudit-only counts, example messages), the messages with most
disagreements, the meta rules (for information), and the total scores
(mean absolute difference, same verdict at each side's threshold).
Writes OUTDIR/disagreements.tsv (file, rule, kind, side) and keeps the raw
outputs of both sides in OUTDIR.

The mailaudit side's contract (JSON Lines from check, one object a message):
  {"file": PATH, "score": {"total": N, "threshold": N,
   "hits": [{"rule", "score", "description", ...}],
   "matched": [every rule name that hit, "__" sub-rules and 0-score rules too]}}
and from `rules lint --json`: {"skipped": [{"rule", "kind", "reason"}], ...}.
Without "matched", the names in "hits" are used (and a warning printed).

Exit status 0, or 1 with --min PCT when the agreement is below PCT (2 on a
usage or run error).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

PLAIN = ("header", "body", "rawbody", "full", "uri", "mimeheader")
HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    print("compare: " + msg, file=sys.stderr)
    sys.exit(2)


def list_corpus(corpus):
    files = []
    for root, _dirs, names in os.walk(corpus):
        for n in names:
            if n.endswith(".eml"):
                files.append(os.path.join(root, n))
    files.sort()
    return files


def run_oracle(a, files, out):
    lst = os.path.join(out, "files.txt")
    with open(lst, "w") as f:
        f.write("\n".join(files) + "\n")
    res = os.path.join(out, "sa-results.tsv")
    rules = os.path.join(out, "sa-rules.tsv")
    cmd = ["perl", a.oracle, "--fork", "--rules", a.rules, "--site", a.sa_site, "--rules-out", rules,
           "--files-from", lst]
    with open(res, "wb") as fo, open(os.path.join(out, "sa-stderr.txt"), "wb") as fe:
        rc = subprocess.call(cmd, stdout=fo, stderr=fe)
    if rc != 0:
        die("SpamAssassin oracle failed (exit %d), see %s" % (rc, os.path.join(out, "sa-stderr.txt")))
    return res, rules


def run_mailaudit(a, files, out):
    res = os.path.join(out, "mailaudit.jsonl")
    errs = []
    with open(res, "wb") as fo, open(os.path.join(out, "mailaudit-stderr.txt"), "wb") as fe:
        for k in range(0, len(files), a.batch):
            cmd = [a.mailaudit, "check", "--checks", "rules", "--json", "--rules", a.rules] + files[k:k + a.batch]
            rc = subprocess.call(cmd, stdout=fo, stderr=fe)
            if rc not in (0, 1):
                errs.append(rc)
    if errs:
        print("compare: warning: mailaudit check exited %s in %d batch(es), see %s"
              % (sorted(set(errs)), len(errs), os.path.join(out, "mailaudit-stderr.txt")))
    return res


def run_lint(a, out):
    res = os.path.join(out, "lint.json")
    with open(res, "wb") as fo, open(os.path.join(out, "lint-stderr.txt"), "wb") as fe:
        subprocess.call([a.mailaudit, "rules", "lint", "--rules", a.rules, "--json"], stdout=fo, stderr=fe)
    return res


def read_sa(results, rules_file):
    kind, score = {}, {}
    with open(rules_file, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            kind[parts[0]] = parts[1]
            try:
                score[parts[0]] = float(parts[2])
            except ValueError:
                score[parts[0]] = 0.0
    hits, totals = {}, {}
    with open(results, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            key = os.path.realpath(parts[0])
            hits[key] = set(x for x in parts[2].split(",") if x)
            totals[key] = float(parts[1])
    return kind, score, hits, totals


def read_mailaudit(path):
    hits, totals, thresholds = {}, {}, {}
    bad = 0
    no_matched = 0
    no_score = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if not isinstance(o, dict) or "file" not in o:
                bad += 1
                continue
            key = os.path.realpath(o["file"])
            sc = o.get("score")
            if not isinstance(sc, dict):
                no_score += 1
                continue
            if key in hits:
                continue  # an mbox would give several messages per file: keep the first
            names = sc.get("matched")
            if not isinstance(names, list):
                no_matched += 1
                names = [h.get("rule") for h in sc.get("hits") or [] if isinstance(h, dict)]
            hits[key] = set(n for n in names if isinstance(n, str))
            try:
                totals[key] = float(sc.get("total"))
            except (TypeError, ValueError):
                pass
            try:
                thresholds[key] = float(sc.get("threshold"))
            except (TypeError, ValueError):
                pass
    return hits, totals, thresholds, bad, no_matched, no_score


def read_lint(path):
    """skipped {rule: (kind, reason)}, and mailaudit's rule list {rule: (kind, is_eval, score)} when given."""
    skipped, known = {}, {}
    try:
        with open(path, encoding="utf-8") as f:
            o = json.load(f)
    except (OSError, ValueError) as e:
        print("compare: warning: no usable lint JSON (%s): no rule is treated as skipped" % e)
        return skipped, known
    for s in o.get("skipped") or []:
        if isinstance(s, dict) and isinstance(s.get("rule"), str):
            skipped[s["rule"]] = (s.get("kind") or "?", s.get("reason") or "?")
    for r in o.get("rules") or []:
        if isinstance(r, dict) and isinstance(r.get("rule"), str):
            known[r["rule"]] = (r.get("kind") or "?", bool(r.get("eval")), r.get("score"))
    return skipped, known


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def measure(msgs, rules, sa, ma):
    """(pairs, agreeing, union pairs, union agreeing, per-rule counters)."""
    rs = set(rules)
    sa_only = collections.Counter()
    ma_only = collections.Counter()
    union = 0
    dis = 0
    for m in msgs:
        s = sa[m] & rs
        t = ma[m] & rs
        union += len(s | t)
        for r in s - t:
            sa_only[r] += 1
        for r in t - s:
            ma_only[r] += 1
        dis += len(s ^ t)
    pairs = len(msgs) * len(rs)
    return pairs, pairs - dis, union, union - dis, sa_only, ma_only


def fmt_n(n):
    return "{:,}".format(n)


def main():
    ap = argparse.ArgumentParser(description="Compare mailaudit's rule hits with SpamAssassin's.")
    ap.add_argument("--corpus", help="directory of .eml messages (searched recursively)")
    ap.add_argument("--mailaudit", default="build/mailaudit")
    ap.add_argument("--rules", default="/usr/share/spamassassin", help="rule directory for both sides")
    ap.add_argument("--sa-site", default="/etc/spamassassin", help="SpamAssassin site rules (local.cf, *.pre)")
    ap.add_argument("--oracle", default=os.path.join(HERE, "sa-oracle.pl"))
    ap.add_argument("--sa-results", help="reuse an oracle output (FILE TAB SCORE TAB RULES) instead of running it")
    ap.add_argument("--sa-rules", help="with --sa-results: the oracle's --rules-out file")
    ap.add_argument("--ma-json", help="reuse a mailaudit check --json output instead of running it")
    ap.add_argument("--lint-json", help="reuse a mailaudit rules lint --json output instead of running it")
    ap.add_argument("--out", default="build/accuracy", help="directory for raw outputs and disagreements.tsv")
    ap.add_argument("--batch", type=int, default=500, help="messages per mailaudit check run (default 500)")
    ap.add_argument("--top", type=int, default=30, help="rules listed with most disagreements (default 30)")
    ap.add_argument("--examples", type=int, default=3, help="example messages per listed rule (default 3)")
    ap.add_argument("--min", type=float, help="exit 1 when the (message, rule) agreement is below PCT")
    ap.add_argument("--min-strict", type=float, help="exit 1 when the strict agreement is below PCT")
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    files = list_corpus(a.corpus) if a.corpus else []
    if a.sa_results:
        if not a.sa_rules:
            die("--sa-results needs --sa-rules")
        sa_res, sa_rules = a.sa_results, a.sa_rules
    else:
        if not files:
            die("no messages: give --corpus DIR (or --sa-results and --ma-json)")
        sa_res, sa_rules = run_oracle(a, files, a.out)
    kind, score, sa_hits, sa_tot = read_sa(sa_res, sa_rules)
    if not files:
        files = sorted(sa_hits)
    if a.ma_json:
        ma_path = a.ma_json
    else:
        if not os.access(a.mailaudit, os.X_OK):
            die("%s not found or not executable" % a.mailaudit)
        ma_path = run_mailaudit(a, files, a.out)
    ma_hits, ma_tot, ma_thr, bad, no_matched, no_score = read_mailaudit(ma_path)
    lint_path = a.lint_json or (run_lint(a, a.out) if os.access(a.mailaudit, os.X_OK) else None)
    skipped, known = read_lint(lint_path) if lint_path else ({}, {})

    keys = [os.path.realpath(f) for f in files]
    # mailaudit may name files differently (relative, another prefix): fall back to unique base names
    by_base = collections.Counter(os.path.basename(k) for k in keys)
    base_key = {os.path.basename(k): k for k in keys if by_base[os.path.basename(k)] == 1}
    kset = set(keys)
    for name in [n for n in ma_hits if n not in kset]:
        k = base_key.get(os.path.basename(name))
        if k and k not in ma_hits:
            ma_hits[k] = ma_hits.pop(name)
            if name in ma_tot:
                ma_tot[k] = ma_tot.pop(name)
            if name in ma_thr:
                ma_thr[k] = ma_thr.pop(name)
    msgs = [k for k in keys if k in sa_hits and k in ma_hits]
    miss_sa = [k for k in keys if k not in sa_hits]
    miss_ma = [k for k in keys if k not in ma_hits]
    if bad or no_score:
        print("compare: warning: mailaudit output: %d unparseable line(s), %d object(s) without a score"
              % (bad, no_score))
    if no_matched:
        print("compare: warning: %d mailaudit result(s) have no \"matched\" array: only scored hits compared, "
              "sub-rules and 0-score rules count as misses" % no_matched)
    if not msgs:
        die("no message has results from both sides (SpamAssassin %d, mailaudit %d)" % (len(sa_hits), len(ma_hits)))

    plain = [r for r, k in kind.items() if k in PLAIN]
    disabled = sorted(r for r in plain if score.get(r, 0) == 0)
    run_by_sa = [r for r in plain if score.get(r, 0) != 0]
    skipped_plain = sorted(r for r in run_by_sa if r in skipped)
    compared = sorted(r for r in run_by_sa if r not in skipped)
    by_kind = collections.defaultdict(list)
    for r in compared:
        by_kind[kind[r]].append(r)

    pairs, agree, upairs, uagree, sa_only, ma_only = measure(msgs, compared, sa_hits, ma_hits)

    # ---- summary
    print("accuracy: %d messages (%d without SpamAssassin result, %d without mailaudit result)"
          % (len(msgs), len(miss_sa), len(miss_ma)))
    print("rules compared: %d plain-regex rules (%s)" % (len(compared), ", ".join(
        "%s %d" % (k, len(by_kind[k])) for k in PLAIN if by_kind[k])))
    print("  not compared: %d skipped by mailaudit, %d disabled in SpamAssassin (score 0), %d eval, %d meta"
          % (len(skipped_plain), len(disabled), sum(1 for k in kind.values() if k.startswith("eval")),
             sum(1 for k in kind.values() if k == "meta")))
    print("(message, rule) pairs: %s; agreeing %s (%.3f%%)" % (fmt_n(pairs), fmt_n(agree), pct(agree, pairs)))
    print("strict: pairs where either side hit: %s; agreeing %s (%.2f%%)"
          % (fmt_n(upairs), fmt_n(uagree), pct(uagree, upairs)))
    if skipped_plain:
        sk = set(skipped_plain)
        ma_noskip = {m: ma_hits[m] - sk for m in msgs}
        p2, ag2, up2, uag2, _so, _mo = measure(msgs, compared + skipped_plain, sa_hits, ma_noskip)
        print("counting the %d skipped rules as never hitting: agreement %.3f%%, strict %.2f%%"
              % (len(skipped_plain), pct(ag2, p2), pct(uag2, up2)))
    print("%-11s %6s %12s %9s %10s %9s %8s %8s" % ("kind", "rules", "pairs", "agree%", "hit pairs", "strict%",
                                                    "SA-only", "MA-only"))
    for k in PLAIN:
        if not by_kind[k]:
            continue
        p, ag, up, uag, so, mo = measure(msgs, by_kind[k], sa_hits, ma_hits)
        print("%-11s %6d %12s %8.3f%% %10s %8.2f%% %8d %8d" % (k, len(by_kind[k]), fmt_n(p), pct(ag, p), fmt_n(up),
                                                               pct(uag, up), sum(so.values()), sum(mo.values())))

    # ---- rules with most disagreements
    examples = collections.defaultdict(list)
    per_msg = collections.Counter()
    rows = []
    cset = set(compared)
    for m in msgs:
        s = sa_hits[m] & cset
        t = ma_hits[m] & cset
        for r in sorted(s - t):
            rows.append((m, r, kind[r], "sa-only"))
        for r in sorted(t - s):
            rows.append((m, r, kind[r], "mailaudit-only"))
        per_msg[m] = len(s ^ t)
    for m, r, _k, side in rows:
        if len(examples[r]) < a.examples:
            examples[r].append((os.path.basename(m), "SA" if side == "sa-only" else "MA"))
    tsv = os.path.join(a.out, "disagreements.tsv")
    with open(tsv, "w") as f:
        f.write("file\trule\tkind\tside\n")
        for m, r, k, side in rows:
            f.write("%s\t%s\t%s\t%s\n" % (m, r, k, side))
    worst = sorted(set(sa_only) | set(ma_only), key=lambda r: (-(sa_only[r] + ma_only[r]), r))
    if worst:
        print("\nrules with most disagreements (of %d rules that disagree at least once):" % len(worst))
        print("  %-32s %-10s %7s %7s  %s" % ("rule", "kind", "SA-only", "MA-only", "examples (side: file)"))
        for r in worst[:a.top]:
            ex = " ".join("%s:%s" % (side, f) for f, side in examples[r])
            print("  %-32s %-10s %7d %7d  %s" % (r, kind[r], sa_only[r], ma_only[r], ex))
    bad_msgs = [m for m, n in per_msg.most_common(10) if n]
    if bad_msgs:
        print("\nmessages with most disagreements (+ mailaudit only, - SpamAssassin only):")
        for m in bad_msgs:
            s = sa_hits[m] & cset
            t = ma_hits[m] & cset
            diff = ["+" + r for r in sorted(t - s)] + ["-" + r for r in sorted(s - t)]
            more = " ..." if len(diff) > 12 else ""
            print("  %-16s %3d  %s%s" % (os.path.basename(m), per_msg[m], " ".join(diff[:12]), more))
    print("\nall disagreements: %s (%d rows)" % (tsv, len(rows)))

    # ---- apart: skipped, disabled, metas, unknown names, scores
    if skipped_plain:
        lost = collections.Counter()
        for m in msgs:
            for r in sa_hits[m]:
                if r in skipped:
                    lost[r] += 1
        print("\nskipped by mailaudit: %d plain rules SpamAssassin runs; SpamAssassin hit them in %d pairs"
              % (len(skipped_plain), sum(lost[r] for r in skipped_plain)))
        reasons = collections.Counter(skipped[r][1] for r in skipped_plain)
        for why, n in reasons.most_common(8):
            print("  %4d  %s" % (n, why))
        for r in sorted(skipped_plain, key=lambda r: -lost[r])[:10]:
            print("  %-32s %-10s SA hits %4d  (%s)" % (r, kind[r], lost[r], skipped[r][1]))
    if disabled:
        dis_hits = sum(len(ma_hits[m] & set(disabled)) for m in msgs)
        print("\ndisabled in SpamAssassin (score 0, never run; a meta sees them as 0): %d plain rules; "
              "mailaudit reported them in %d pairs" % (len(disabled), dis_hits))
    metas = sorted(r for r, k in kind.items() if k == "meta" and score.get(r, 0) != 0 and r not in skipped)
    if metas:
        p, ag, up, uag, so, mo = measure(msgs, metas, sa_hits, ma_hits)
        print("\nmeta rules (information): %d compared, agreement %.3f%% of %s pairs, strict %.2f%% of %s"
              % (len(metas), pct(ag, p), fmt_n(p), pct(uag, up), fmt_n(up)))
        mw = sorted(set(so) | set(mo), key=lambda r: (-(so[r] + mo[r]), r))[:10]
        if mw:
            print("  most disagreeing: " + ", ".join("%s (SA %d, MA %d)" % (r, so[r], mo[r]) for r in mw))
    if known:
        absent = [r for r in compared if r not in known]
        kmis = [r for r in compared if r in known and (known[r][1] or known[r][0] != kind[r])]
        smis = [r for r in compared if r in known and not r.startswith("__") and isinstance(known[r][2], (int, float))
                and abs(known[r][2] - score.get(r, 0)) > 0.0005]
        print("\nmailaudit's rule list (lint): %d compared rules absent (never hit there), %d of another kind, "
              "%d with another score" % (len(absent), len(kmis), len(smis)))
        if absent:
            print("  absent: " + " ".join(absent[:15]) + (" ..." if len(absent) > 15 else ""))
        if kmis:
            print("  kind (SpamAssassin/mailaudit): " + " ".join(
                "%s(%s/%s%s)" % (r, kind[r], known[r][0], ",eval" if known[r][1] else "") for r in kmis[:10]))
        if smis:
            print("  score (SpamAssassin/mailaudit): " + " ".join(
                "%s(%g/%g)" % (r, score.get(r, 0), known[r][2]) for r in smis[:10]))
    unknown = collections.Counter()
    for m in msgs:
        for r in ma_hits[m]:
            if r not in kind:
                unknown[r] += 1
    if unknown:
        print("\nmailaudit hits on %d rule names SpamAssassin did not compile (e.g. behind a plugin it lacks): %s"
              % (len(unknown), ", ".join("%s %d" % (r, n) for r, n in unknown.most_common(8))))
    both = [m for m in msgs if m in sa_tot and m in ma_tot]
    if both:
        mad = sum(abs(sa_tot[m] - ma_tot[m]) for m in both) / len(both)
        same = sum(1 for m in both if (sa_tot[m] >= 5.0) == (ma_tot[m] >= ma_thr.get(m, 5.0)))
        print("\ntotal scores: mean |SpamAssassin - mailaudit| = %.2f over %d messages; same verdict for %d (%.1f%%)"
              " (SpamAssassin's total includes eval rules mailaudit may lack)" % (mad, len(both), same,
                                                                                  pct(same, len(both))))
    print("\nsummary: %.3f%% of %s (message, rule) pairs agree, strict %.2f%% of %s hit pairs, %d messages, "
          "%d rules" % (pct(agree, pairs), fmt_n(pairs), pct(uagree, upairs), fmt_n(upairs), len(msgs), len(compared)))
    rc = 0
    if a.min is not None and pct(agree, pairs) < a.min:
        print("accuracy: agreement %.3f%% is below --min %.2f%%" % (pct(agree, pairs), a.min))
        rc = 1
    if a.min_strict is not None and pct(uagree, upairs) < a.min_strict:
        print("accuracy: strict agreement %.2f%% is below --min-strict %.2f%%" % (pct(uagree, upairs), a.min_strict))
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
