#!/usr/bin/env python3
"""eval-rank — rank SpamAssassin's eval functions by how many stock rules
depend on them, directly (a rule `eval:fn(...)`) or through meta rules
(transitively).

Reads the rule files the way SpamAssassin would, roughly: *.cf in byte
order, if/ifplugin/else/endif evaluated against the plugins loaded by
/etc/spamassassin/*.pre (plus loadplugin lines seen), `version` as 4.000001,
can(Module::sub) true when the loaded module defines that sub (a Perl source
grep) or a Conf feature_/compat_ flag exists. Later definitions override
earlier ones. askdns, uridnsbl, urirhsbl and urirhssub rules count under
pseudo-functions of those names.

Usage: eval-rank.py [--rules DIR] [--pre DIR] [--perl DIR] [--top N] [--all]
                    [--evals FILE]
  --all    ignore conditionals (count every definition)
  --evals  mailaudit's eval table (default analyzer/score/evals.c next to
           this script's repository): adds a column saying whether the
           function is implemented (local), registered as never true
           offline (net), or missing
Prints: rank, function, direct rules, transitive dependants (rules whose
value can change with the function, the direct ones included), scored
dependants (non-zero score, not __), the plugin that defines it, and
mailaudit's coverage.
"""
import argparse
import glob
import os
import re
import sys

RULE_TYPES = {"header", "body", "rawbody", "full", "uri", "mimeheader"}
DNS_TYPES = {"askdns", "uridnsbl", "urirhsbl", "urirhssub", "urifullnsrhsbl",
             "urinsrhsbl", "urinsrhssub", "urifullnsrhssub", "uriarhsbl",
             "uriarhssub", "hashbl"}
SA_VERSION = 4.000001


def loaded_plugins(pre_dir):
    out = set()
    for f in sorted(glob.glob(os.path.join(pre_dir, "*.pre"))):
        with open(f, encoding="latin-1") as fh:
            for line in fh:
                m = re.match(r"\s*loadplugin\s+(\S+)", line)
                if m:
                    out.add(m.group(1))
    return out


def perl_subs(perl_dir):
    """Map module name -> set of sub names (from the Perl source)."""
    subs = {}
    for root, _, files in os.walk(perl_dir):
        for f in files:
            if not f.endswith(".pm"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, os.path.dirname(os.path.dirname(perl_dir.rstrip("/"))))
            mod = rel[:-3].replace(os.sep, "::")
            with open(path, encoding="latin-1") as fh:
                subs[mod] = set(re.findall(r"^sub\s+(\w+)", fh.read(), re.M))
    return subs


class Cond:
    def __init__(self, plugins, subs, compat):
        self.plugins = plugins
        self.subs = subs
        self.compat = compat

    def plugin(self, name):
        name = {"Mail::SpamAssassin::Plugin::Dmarc": "Mail::SpamAssassin::Plugin::DMARC",
                "Mail::SpamAssassin::Plugin::WhiteListSubject":
                "Mail::SpamAssassin::Plugin::WelcomeListSubject"}.get(name, name)
        return name in self.plugins

    def can(self, meth):
        mod, _, sub = meth.rpartition("::")
        if mod == "Mail::SpamAssassin::Conf" and sub.startswith("compat_"):
            return sub[len("compat_"):] in self.compat
        if mod.startswith("Mail::SpamAssassin::Plugin::") and not self.plugin(mod):
            return False
        if sub == "perl_min_version_5010000":
            return True
        return sub in self.subs.get(mod, set())

    def eval(self, expr):
        e = expr
        e = re.sub(r"\bplugin\s*\(\s*([\w:]+)\s*\)",
                   lambda m: " True " if self.plugin(m.group(1)) else " False ", e)
        e = re.sub(r"\b(?:can|has)\s*\(\s*([\w:]+)\s*\)",
                   lambda m: " True " if self.can(m.group(1)) else " False ", e)
        e = re.sub(r"\bperl_version\b", " 5.036 ", e)
        e = re.sub(r"\bversion\b", " %r " % SA_VERSION, e)
        e = re.sub(r"\blocal_tests_only\b", " False ", e)
        e = e.replace("&&", " and ").replace("||", " or ")
        e = re.sub(r"!(?!=)", " not ", e)
        try:
            return bool(eval(e, {"__builtins__": {}}, {"True": True, "False": False}))
        except Exception:
            print("warning: cannot evaluate condition %r" % expr, file=sys.stderr)
            return False


def parse(rules_dir, cond, ignore_cond):
    rules = {}   # name -> ("eval", fn) | ("meta", expr) | ("regex", None) | ("dns", kind)
    scores = {}
    files = sorted(glob.glob(os.path.join(rules_dir, "*.cf")))
    for f in files:
        stack = []  # entries: (active_before, cond_value)
        active = True
        with open(f, encoding="latin-1") as fh:
            for raw in fh:
                # SA strips comments at an unescaped '#' (regexes write \#)
                line = re.sub(r"(?<!\\)#.*", "", raw).strip()
                if not line:
                    continue
                words = line.split(None, 2)
                key = words[0].lower()
                if key in ("if", "ifplugin"):
                    arg = line[len(words[0]):].strip()
                    if ignore_cond:
                        v = True
                    elif key == "ifplugin":
                        v = cond.plugin(arg.split()[0])
                    else:
                        v = cond.eval(arg)
                    stack.append((active, v))
                    active = active and v
                    continue
                if key == "else":
                    if stack:
                        before, v = stack[-1]
                        stack[-1] = (before, not v)
                        active = before and (ignore_cond or not v)
                    continue
                if key == "endif":
                    if stack:
                        active = stack.pop()[0]
                    continue
                if not active:
                    continue
                if key == "loadplugin" and len(words) > 1:
                    cond.plugins.add(words[1])
                    continue
                if key == "enable_compat" and len(words) > 1:
                    cond.compat.add(words[1])
                    continue
                if len(words) < 2:
                    continue
                name = words[1]
                rest = words[2] if len(words) > 2 else ""
                if key in RULE_TYPES:
                    m = re.match(r"eval:\s*(\w+)\s*\(", rest)
                    if m:
                        rules[name] = ("eval", m.group(1))
                    else:
                        rules[name] = ("regex", None)
                elif key == "meta":
                    rules[name] = ("meta", rest)
                elif key in DNS_TYPES:
                    rules[name] = ("dns", key)
                elif key == "score":
                    vals = rest.split()
                    try:
                        scores[name] = float(vals[0])
                    except (IndexError, ValueError):
                        pass
    return rules, scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default="/usr/share/spamassassin")
    ap.add_argument("--pre", default="/etc/spamassassin")
    ap.add_argument("--perl", default="/usr/share/perl5/Mail/SpamAssassin")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--all", action="store_true")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--evals", default=os.path.join(here, "..", "..", "analyzer", "score", "evals.c"))
    args = ap.parse_args()
    covered = {}
    if os.path.exists(args.evals):
        with open(args.evals, encoding="utf-8") as fh:
            for m in re.finditer(r'\{"(\w+)",\s*\w+,\s*EV_(LOCAL|NET)', fh.read()):
                covered[m.group(1)] = m.group(2).lower()

    subs = perl_subs(args.perl)
    cond = Cond(loaded_plugins(args.pre), subs, set())
    rules, scores = parse(args.rules, cond, args.all)

    # which plugin defines each eval (register_eval_rule / sub name)
    owner = {}
    for mod, names in subs.items():
        if "::Plugin::" in mod:
            for n in names:
                owner.setdefault(n, mod.rsplit("::", 1)[1])

    # reverse edges: rule -> metas that mention it
    users = {}
    for name, (kind, val) in rules.items():
        if kind != "meta":
            continue
        for ref in set(re.findall(r"\b[A-Za-z_]\w*\b", val)):
            if ref in rules and ref != name:
                users.setdefault(ref, set()).add(name)

    def closure(start):
        seen = set(start)
        todo = list(start)
        while todo:
            r = todo.pop()
            for u in users.get(r, ()):
                if u not in seen:
                    seen.add(u)
                    todo.append(u)
        return seen

    direct = {}
    for name, (kind, val) in rules.items():
        if kind == "eval":
            direct.setdefault(val, set()).add(name)
        elif kind == "dns":
            direct.setdefault(val, set()).add(name)

    rows = []
    for fn, ds in direct.items():
        dep = closure(ds)
        scored = sum(1 for r in dep if not r.startswith("__") and scores.get(r, 1.0) != 0)
        rows.append((len(dep), len(ds), scored, fn))
    rows.sort(key=lambda r: (-r[0], -r[1], r[3]))
    if args.top:
        rows = rows[: args.top]
    print("%4s  %-40s %6s %6s %6s  %-18s %s" % ("rank", "function", "direct", "trans", "scored",
                                                "plugin", "mailaudit"))
    for i, (t, d, s, fn) in enumerate(rows, 1):
        cov = covered.get(fn, "missing")
        if fn in DNS_TYPES:
            cov = "net (rule type)"
        print("%4d  %-40s %6d %6d %6d  %-18s %s" % (i, fn, d, t, s, owner.get(fn, "-"), cov))


if __name__ == "__main__":
    main()
