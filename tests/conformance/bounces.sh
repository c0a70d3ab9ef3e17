#!/bin/sh
# bounces.sh — optional conformance check of classify_bounce against Sisimai's
# verdicts on the public bounce corpus (../shared/conformance/bounces/, see its
# README). NOT run by `make check`; prints "skipped" when the corpus is absent.
#
#  1. python3 extracts, for every (file, recipient) row of sisimai-results.tsv
#     that is a bounce (not feedback / vacation / not-a-bounce), the Status and
#     Diagnostic-Code of that recipient's message/delivery-status block; for
#     bounces without one (qmail, old Exim, ...) the body lines that follow the
#     recipient's address up to the next blank line;
#  2. a small C driver, compiled here with cc against analyzer/logs/classify.c,
#     classifies each (final = true);
#  3. agreement with Sisimai's reason and hard/soft is printed, overall and for
#     the two extraction kinds, with the most frequent disagreements.
# Usage: sh tests/conformance/bounces.sh [corpus-dir]   (from the repository top)
set -eu
CORPUS=${1:-../shared/conformance/bounces}
if [ ! -f "$CORPUS/sisimai-results.tsv" ]; then
    echo "bounces conformance: skipped ($CORPUS not found)"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/driver.c" <<'C'
/* reads "status TAB diagnostic-type TAB action TAB text TAB context" lines
 * (tabs and newlines in the fields escaped as spaces), prints "reason TAB hard TAB rule" */
#include <stdio.h>
#include <string.h>
#include "logs/classify.h"
int main(void)
{
    static char line[1 << 17];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        char *field[5] = {line, "", "", "", ""};
        for (int i = 1; i < 5; i++) {
            char *tab = strchr(field[i - 1], '\t');
            if (!tab) break;
            *tab = '\0';
            field[i] = tab + 1;
        }
        struct bounce_facts f = {0};
        f.status = *field[0] ? field[0] : NULL;
        f.diagnostic_type = *field[1] ? field[1] : NULL;
        f.action = *field[2] ? field[2] : NULL;
        f.text = field[3];
        f.text_len = strlen(field[3]);
        /* the stage: from the diagnostic, else from the human-readable text */
        f.smtp_command = classify_smtp_command(f.text, f.text_len);
        if (!f.smtp_command) f.smtp_command = classify_smtp_command(field[4], strlen(field[4]));
        f.final = strcmp(field[2], "delayed") != 0;
        struct bounce_class b;
        classify_bounce_facts(&f, &b);
        printf("%s\t%d\t%s\n", b.reason, b.hard ? 1 : 0, b.rule);
    }
    return 0;
}
C
cc -std=c17 -O1 -D_GNU_SOURCE -Ianalyzer "$TMP/driver.c" analyzer/logs/classify.c \
    analyzer/util/str.c -o "$TMP/driver"

python3 - "$CORPUS" "$TMP" <<'PY'
import email, email.policy, os, re, subprocess, sys
from collections import Counter
corpus, tmp = sys.argv[1], sys.argv[2]
rows = []
for line in open(os.path.join(corpus, 'sisimai-results.tsv'), encoding='utf-8'):
    f = line.rstrip('\n').split('\t')
    if len(f) < 6 or f[2] in ('feedback', 'vacation', 'not-a-bounce'):
        continue
    rows.append(f)

def one_line(s):
    return re.sub(r'\s+', ' ', s or '').strip()

def dsn_blocks(msg):
    out = []
    for part in msg.walk():
        if part.get_content_type() in ('message/delivery-status', 'message/global-delivery-status'):
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            if not blocks:  # some corpora carry it as text
                raw = part.get_payload(decode=True) or b''
                for chunk in re.split(r'\n\s*\n', raw.decode('utf-8', 'replace')):
                    blocks.append(email.message_from_string(chunk))
            for b in blocks:
                rcpt = b.get('Final-Recipient') or b.get('Original-Recipient')
                if rcpt:
                    out.append((one_line(rcpt).split(';')[-1].strip().strip('<>').lower(),
                                one_line(b.get('Status')), one_line(b.get('Diagnostic-Code')),
                                one_line(b.get('Action')).lower()))
    return out

def body_text(msg):
    parts = []
    for part in msg.walk():
        if part.get_content_type() == 'text/plain' and not part.is_multipart():
            raw = part.get_payload(decode=True) or b''
            parts.append(raw.decode('utf-8', 'replace'))
        if len(parts) >= 1:
            break
    if not parts and not msg.is_multipart():
        parts.append((msg.get_payload(decode=True) or b'').decode('utf-8', 'replace'))
    return '\n'.join(parts)

STOP = re.compile(r'^(-{2,}.*(original|copy|message|headers)|Received:|Return-Path:|Content-Type:)', re.I)

def body_window(body, rcpt):
    """Text after the recipient's address: at most 15 lines or 1,200
    characters, up to where the returned message begins."""
    i = body.lower().find(rcpt)
    if i < 0:
        return ''
    i = body.rfind('\n', 0, i) + 1  # the whole line: "Unknown user: a@b" says why before the address
    take = []
    for ln in body[i:].split('\n')[:15]:
        if take and STOP.match(ln.strip()):
            break
        take.append(ln)
    return one_line(' '.join(take))[:1200]

cache = {}
inputs, kinds = [], []
for f in rows:
    path = os.path.join(corpus, f[0])
    if path not in cache:
        with open(path, 'rb') as fh:
            cache[path] = email.message_from_binary_file(fh, policy=email.policy.compat32)
    msg = cache[path]
    rcpt = f[1].lower()
    blocks = dsn_blocks(msg)
    hit = [b for b in blocks if b[0] == rcpt] or (blocks if len(blocks) == 1 else [])
    body = body_text(msg)
    context = body_window(body, rcpt)
    if hit:
        _, status, diag, action = hit[0]
        m = re.match(r'^([A-Za-z0-9-]+);\s*', diag)
        dtype = m.group(1).lower() if m else ''
        diag = diag[m.end():] if m else diag
        if not diag:  # nothing in the DSN block: the human-readable part says why
            diag = context
        status = re.sub(r'\s.*', '', status)  # "5.0.0 (permanent failure)" -> "5.0.0"
        inputs.append((status, dtype, action, diag, context)); kinds.append('dsn')
        continue
    inputs.append(('', '', '', context, context)); kinds.append('body')

data = ''.join('\t'.join(x.replace('\t', ' ').replace('\n', ' ') for x in inp) + '\n' for inp in inputs)
res = subprocess.run([os.path.join(tmp, 'driver')], input=data, capture_output=True,
                     text=True, check=True).stdout.splitlines()
agree = Counter(); total = Counter(); hard_ok = 0; hard_n = 0; miss = Counter()
for f, kind, r in zip(rows, kinds, res):
    reason, hard, rule = r.split('\t')
    total[kind] += 1
    if reason == f[2]:
        agree[kind] += 1
    else:
        miss[(f[2], reason)] += 1
    if f[5] in ('0', '1') and f[2] == reason:
        hard_n += 1
        hard_ok += (hard == '1') == (f[5] == '0')
n = sum(total.values()); a = sum(agree.values())
print('bounces conformance: %d recipients, reason agreement %d/%d = %.1f%%' % (n, a, n, 100.0 * a / max(n, 1)))
for k in ('dsn', 'body'):
    print('  %-4s (%s): %d/%d = %.1f%%' % (k, 'delivery-status block' if k == 'dsn' else 'body text near the address',
          agree[k], total[k], 100.0 * agree[k] / max(total[k], 1)))
# Sisimai 5 split some 4.25 reasons; mailaudit uses the newer words. A
# disagreement that is only such a split is counted separately.
V5_SPLIT = {'authfailure': ('policyviolation', 'securityerror', 'blocked'),
            'requireptr': ('blocked', 'rejected'), 'badreputation': ('blocked',),
            'speeding': ('toomanyconn', 'blocked'), 'failedstarttls': ('securityerror',)}
split = sum(c for (want, got), c in miss.items() if want in V5_SPLIT.get(got, ()))
hard_all = sum(1 for f, r in zip(rows, res) if f[5] in ('0', '1') and (r.split('\t')[1] == '1') == (f[5] == '0'))
hard_all_n = sum(1 for f in rows if f[5] in ('0', '1'))
decided = sum(1 for r in res if r.split("\t")[0] not in ("undefined", "onhold"))
newer = sum(c for (want, got), c in miss.items() if got in ('authfailure', 'requireptr', 'speeding', 'badreputation', 'failedstarttls'))
print('  where mailaudit decided (not undefined/onhold): %d/%d = %.1f%%' % (a, decided, 100.0 * a / max(decided, 1)))
print('  disagreements that are reasons Sisimai 4.25 lacks (authfailure, requireptr, ...): %d' % newer)
print('  counting Sisimai 5 refinements of the 4.25 reason as agreement: %d/%d = %.1f%%' % (a + split, n, 100.0 * (a + split) / max(n, 1)))
print('  hard/soft agreement where the reason agrees: %d/%d' % (hard_ok, hard_n))
print('  hard/soft agreement over all recipients: %d/%d = %.1f%%' % (hard_all, hard_all_n, 100.0 * hard_all / max(hard_all_n, 1)))
print('  most frequent disagreements (sisimai -> mailaudit):')
if os.environ.get("BOUNCES_DEBUG"):
    for f, kind, r, inp in zip(rows, kinds, res, inputs):
        if r.split("\t")[0] != f[2]:
            print("DBG", f[0], f[2], r.split("\t")[0], r.split("\t")[2], kind, inp[0], inp[1], inp[2], "|", inp[3][:220])
for (want, got), c in miss.most_common(12):
    print('    %3d  %s -> %s' % (c, want, got))
PY
