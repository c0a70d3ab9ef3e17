/* gen-logs — write a synthetic Postfix mail log (classic syslog format) for
 * `make bench`: gen-logs FILE LINES SEED. Each message is the usual chain:
 * smtpd connect, client=, cleanup message-id=, qmgr from=, one to three
 * smtp deliveries (sent, deferred with a Gmail 421-4.7.28 reply, bounced with
 * 550 5.1.1), removed, smtpd disconnect; with NOQUEUE rejects, postscreen
 * lines and other daemons (dovecot, opendkim) in between, as real hosts have.
 * Deterministic for a seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng;
static unsigned pick(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const domains[] = {"gmail.com",  "outlook.com", "yahoo.com",   "example.org",
                                      "icloud.com", "gmx.de",      "hotmail.com", "example.net"};
static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static long lines, want;
static long t0 = 0;

static void stamp(FILE *f, long t)
{
    long d = t / 86400, s = t % 86400;
    fprintf(f, "%s %2ld %02ld:%02ld:%02ld mx1 ", mon[(d / 28) % 12], d % 28 + 1, s / 3600,
            s / 60 % 60, s % 60);
    lines++;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen-logs FILE LINES SEED\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    want = atol(argv[2]);
    rng = strtoull(argv[3], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
    long t = 0, msg = 0;
    while (lines < want) {
        t += 1 + pick(2);
        unsigned pid = 1000 + pick(30000), a = pick(254) + 1, b = pick(254) + 1;
        char qid[16];
        snprintf(qid, sizeof qid, "%X%05lX", 0x4A + pick(6), (unsigned long)(msg++ & 0xFFFFF));
        if (pick(10) == 0) {
            stamp(f, t);
            fprintf(f,
                    "postfix/postscreen[%u]: CONNECT from [203.0.113.%u]:%u to [198.51.100.2]:25\n",
                    pid, a, 40000 + b);
            stamp(f, t);
            fprintf(
                f,
                "postfix/smtpd[%u]: NOQUEUE: reject: RCPT from unknown[203.0.113.%u]: 554 5.7.1 "
                "<spam%u@example.com>: Relay access denied; from=<x%u@spam.example> "
                "to=<spam%u@example.com> proto=ESMTP helo=<bot%u>\n",
                pid, a, b, a, b, a);
            continue;
        }
        stamp(f, t);
        fprintf(f, "postfix/smtpd[%u]: connect from app%u.example.com[192.0.2.%u]\n", pid, a, a);
        stamp(f, t);
        fprintf(f,
                "postfix/smtpd[%u]: %s: client=app%u.example.com[192.0.2.%u], sasl_method=PLAIN, "
                "sasl_username=app%u\n",
                pid, qid, a, a, a);
        stamp(f, t);
        fprintf(f, "postfix/cleanup[%u]: %s: message-id=<%lu.%u@app%u.example.com>\n", pid + 1, qid,
                msg, b, a);
        if (pick(4) == 0) {
            stamp(f, t);
            fprintf(f, "opendkim[812]: %s: DKIM-Signature field added (s=s1, d=example.com)\n",
                    qid);
        }
        stamp(f, t);
        fprintf(
            f, "postfix/qmgr[612]: %s: from=<news@example.com>, size=%u, nrcpt=%u (queue active)\n",
            qid, 2000 + pick(60000), 1 + pick(3));
        unsigned n = 1 + pick(3);
        for (unsigned i = 0; i < n; i++) {
            const char *dom = domains[pick(8)];
            unsigned r = pick(20);
            stamp(f, t + 1);
            if (r < 15)
                fprintf(
                    f,
                    "postfix/smtp[%u]: %s: to=<user%u@%s>, relay=mx.%s[198.51.100.%u]:25, "
                    "delay=1.%u, "
                    "delays=0.1/0/0.4/0.%u, dsn=2.0.0, status=sent (250 2.0.0 OK  %u %s - gsmtp)\n",
                    pid + 2, qid, b + i, dom, dom, b, i, i, a, qid);
            else if (r < 18)
                fprintf(f,
                        "postfix/smtp[%u]: %s: to=<user%u@%s>, relay=mx.%s[198.51.100.%u]:25, "
                        "delay=3.2, "
                        "delays=0.1/0/0.5/2.6, dsn=4.7.0, status=deferred (host "
                        "mx.%s[198.51.100.%u] said: "
                        "%s (in reply to end of DATA command))\n",
                        pid + 2, qid, b + i, dom, dom, b, dom, b,
                        dom[0] == 'g' && dom[1] == 'm' && dom[2] == 'a'
                            ? "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail "
                              "originating "
                              "from your IP address."
                        : dom[0] == 'y'
                            ? "421 4.7.0 [TSS04] Messages from 198.51.100.2 temporarily deferred "
                              "due to unexpected volume or user complaints"
                            : "451 4.7.650 The mail server [198.51.100.2] has been temporarily "
                              "rate limited due to IP reputation. (S3113)");
            else
                fprintf(f,
                        "postfix/smtp[%u]: %s: to=<nouser%u@%s>, relay=mx.%s[198.51.100.%u]:25, "
                        "delay=0.9, "
                        "delays=0.1/0/0.4/0.4, dsn=5.1.1, status=bounced (host "
                        "mx.%s[198.51.100.%u] said: "
                        "550 5.1.1 <nouser%u@%s>: Recipient address rejected: User unknown (in "
                        "reply to "
                        "RCPT TO command))\n",
                        pid + 2, qid, b + i, dom, dom, b, dom, b, b + i, dom);
        }
        if (pick(5) == 0) {
            stamp(f, t + 1);
            fprintf(
                f,
                "dovecot: imap-login: Login: user=<u%u@example.com>, method=PLAIN, rip=192.0.2.%u, "
                "lip=198.51.100.2, mpid=%u, TLS\n",
                a, b, pid);
        }
        stamp(f, t + 1);
        fprintf(f, "postfix/qmgr[612]: %s: removed\n", qid);
        stamp(f, t + 1);
        fprintf(f,
                "postfix/smtpd[%u]: disconnect from app%u.example.com[192.0.2.%u] ehlo=2 "
                "starttls=1 auth=1 "
                "mail=1 rcpt=%u data=1 quit=1 commands=%u\n",
                pid, a, a, n, 7 + n);
    }
    (void)t0;
    return fclose(f) == 0 ? 0 : 2;
}
