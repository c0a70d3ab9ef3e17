/* gen-corpus — write a varied synthetic corpus for `make bench`:
 *   gen-corpus mbox FILE N SEED     N messages in one mbox (LF)
 *   gen-corpus maildir DIR N SEED   N message files in DIR/cur (LF)
 * Deterministic for a seed. Sizes 5-50 KB; structures: plain text (7bit and
 * quoted-printable), multipart/alternative with HTML links and images,
 * multipart/mixed with base64 attachments (PDF, ZIP-like, PNG), forwarded
 * message/rfc822, RFC 2047 subjects; 2-7 Received hops of several MTA forms.
 * Every message is distinct (unique Message-ID, recipient and date). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

static const char *const words[] = {
    "delivery", "report",  "invoice", "meeting",  "offer",   "customer",   "account",
    "update",   "spring",  "sale",    "shipping", "order",   "please",     "review",
    "attached", "thanks",  "regards", "schedule", "product", "newsletter", "discount",
    "limited",  "today",   "support", "service",  "payment", "confirm",    "details",
    "question", "project", "team",    "weekly",   "summary", "release",    "notes",
};
#define NWORDS (sizeof words / sizeof words[0])

static void para(FILE *f, size_t bytes)
{
    size_t col = 0, n = 0;
    while (n < bytes) {
        const char *w = words[pick(NWORDS)];
        size_t l = strlen(w);
        if (col + l + 1 > 72) {
            fputc('\n', f);
            col = 0;
            n++;
        }
        fputs(w, f);
        fputc(' ', f);
        col += l + 1;
        n += l + 1;
    }
    fputs("\n\n", f);
}

static void b64(FILE *f, size_t bytes, const char *magic)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *raw = malloc(bytes + 3);
    for (size_t i = 0; i < bytes; i++)
        raw[i] = (unsigned char)next();
    memcpy(raw, magic, strlen(magic) < bytes ? strlen(magic) : bytes);
    size_t col = 0;
    for (size_t i = 0; i < bytes; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (i + 1 < bytes ? (unsigned)raw[i + 1] << 8 : 0) |
                     (i + 2 < bytes ? raw[i + 2] : 0);
        fputc(al[v >> 18 & 63], f);
        fputc(al[v >> 12 & 63], f);
        fputc(i + 1 < bytes ? al[v >> 6 & 63] : '=', f);
        fputc(i + 2 < bytes ? al[v & 63] : '=', f);
        col += 4;
        if (col >= 76) {
            fputc('\n', f);
            col = 0;
        }
    }
    fputs("\n", f);
    free(raw);
}

static void received(FILE *f, unsigned i, unsigned hops, long t)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun"};
    unsigned a = pick(254) + 1, b = pick(254) + 1;
    long tt = t - (long)(hops - i) * 7;
    int d = (int)(tt / 86400 % 28) + 1, h = (int)(tt / 3600 % 24), mi = (int)(tt / 60 % 60),
        s = (int)(tt % 60);
    const char *m = mon[(tt / 86400 / 28) % 6];
    switch (pick(4)) {
    case 0:
        fprintf(f,
                "Received: from mail%u.sender.example (mail%u.sender.example [198.51.100.%u])\n"
                "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
                "\tby mx%u.receiver.example (Postfix) with ESMTPS id 4X%08llX\n"
                "\tfor <user%u@receiver.example>; Tue, %d %s 2025 %02d:%02d:%02d +0000 (UTC)\n",
                a, a, b, i, (unsigned long long)(next() & 0xffffffff), b, d, m, h, mi, s);
        break;
    case 1:
        fprintf(f,
                "Received: from [203.0.113.%u] (helo=out%u.relay.example)\n"
                "\tby smtp%u.relay.example with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384\n"
                "\t(Exim 4.96) (envelope-from <bounce@sender.example>) id 1t%06X-000%u-AB;\n"
                "\tTue, %d %s 2025 %02d:%02d:%02d +0000\n",
                a, b, i, (unsigned)(next() & 0xffffff), i, d, m, h, mi, s);
        break;
    case 2:
        fprintf(f,
                "Received: from helo%u.example (Unknown [192.0.2.%u])\r\n"
                "\tby HMAIL%u with ESMTP\n\t; Tue, %d %s 2025 %02d:%02d:%02d +0200\n",
                a, b, i, d, m, h, mi, s);
        break;
    default:
        fprintf(f,
                "Received: by 2002:a05:6a20:%x:b0:%x:%x:%x with SMTP id x%ucsp%u;\n"
                "        Tue, %d %s 2025 %02d:%02d:%02d -0700 (PDT)\n",
                a, b, a * 3, b * 5, a, b, d, m, h, mi, s);
    }
}

static void message(FILE *f, unsigned long n, int mbox)
{
    long t = 1735689600L + (long)n * 37;
    unsigned kind = pick(100);
    size_t target = 5000 + pick(45000);
    if (mbox) fprintf(f, "From bounce-%lu@sender.example Tue Apr  1 10:00:00 2025\n", n);
    unsigned hops = 2 + pick(6);
    for (unsigned i = 0; i < hops; i++)
        received(f, i, hops, t);
    fprintf(f, "Return-Path: <bounce-%lu@sender.example>\n", n);
    fprintf(f,
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.example; s=s1;\n"
            "\th=from:to:subject:date:message-id; bh=%016llx=; b=%016llx%016llx\n",
            (unsigned long long)next(), (unsigned long long)next(), (unsigned long long)next());
    if (pick(4) == 0)
        fprintf(f, "From: =?iso-8859-1?Q?Caf=E9_M=FCller?= <news%u@sender.example>\n", pick(50));
    else
        fprintf(f, "From: \"Sender Team %u\" <news%u@sender%u.example>\n", pick(9), pick(50),
                pick(30));
    fprintf(f, "To: user%lu@receiver.example\n", n);
    if (pick(3) == 0)
        fprintf(f, "Subject: =?utf-8?B?U3ByaW5nIFNhbGUg4oCUIDIwJSBvZmY=?= %s %lu\n",
                words[pick(NWORDS)], n);
    else
        fprintf(f, "Subject: %s %s %s #%lu\n", words[pick(NWORDS)], words[pick(NWORDS)],
                words[pick(NWORDS)], n);
    fprintf(f, "Date: Tue, %ld Apr 2025 %02ld:%02ld:%02ld +0000\n", (t / 86400) % 28 + 1,
            (t / 3600) % 24, (t / 60) % 60, t % 60);
    fprintf(f, "Message-ID: <%lu.%llx@mail.sender.example>\n", n, (unsigned long long)next());
    fprintf(f, "MIME-Version: 1.0\n");
    if (pick(2))
        fprintf(f,
                "List-Unsubscribe: <https://sender.example/u/%lu>\n"
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n",
                n);
    if (kind < 35) {
        if (pick(2)) {
            fprintf(f, "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
                       "quoted-printable\n\n");
            for (size_t w = 0; w < target; w += 800) {
                fputs("Caf=C3=A9 ", f);
                para(f, 780);
            }
        } else {
            fprintf(f, "Content-Type: text/plain; charset=us-ascii\n\n");
            para(f, target);
        }
        return;
    }
    const char *bnd = "=_b1_4f2a9c";
    if (kind < 75) {
        fprintf(
            f,
            "Content-Type: multipart/alternative; boundary=\"%s\"\n\nThis is a MIME message.\n\n",
            bnd);
        fprintf(f, "--%s\nContent-Type: text/plain; charset=utf-8\n\n", bnd);
        para(f, target / 3);
        fprintf(f,
                "--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: "
                "quoted-printable\n\n",
                bnd);
        fprintf(f, "<html><head><style>p{color:#333}</style></head><body>\n");
        for (size_t w = 0; w < target * 2 / 3; w += 900) {
            fprintf(f,
                    "<p>Hello <b>friend</b>, <a href=3D\"https://sender.example/c/%lu/%zu\">see "
                    "the offer</a> ",
                    n, w);
            para(f, 700);
            fprintf(f, "</p>\n");
        }
        fprintf(f,
                "<img src=3D\"https://t.sender.example/o/%lu.gif\" width=3D\"1\" "
                "height=3D\"1\">\n</body></html>\n",
                n);
        fprintf(f, "--%s--\n", bnd);
        return;
    }
    if (kind < 95) {
        fprintf(f, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", bnd);
        fprintf(f, "--%s\nContent-Type: text/plain; charset=us-ascii\n\n", bnd);
        para(f, target / 4);
        static const char *const att[][3] = {
            {"application/pdf", "report.pdf", "%PDF-1.7\n"},
            {"application/zip", "files.zip", "PK\003\004"},
            {"image/png", "logo.png", "\x89PNG\r\n\x1a\n"},
        };
        unsigned a = pick(3);
        fprintf(f,
                "--%s\nContent-Type: %s; name=\"%s\"\nContent-Disposition: attachment; "
                "filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n",
                bnd, att[a][0], att[a][1], att[a][1]);
        b64(f, target / 2, att[a][2]);
        fprintf(f, "--%s--\n", bnd);
        return;
    }
    fprintf(f, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", bnd);
    fprintf(f, "--%s\nContent-Type: text/plain\n\nForwarded message below.\n\n", bnd);
    fprintf(f, "--%s\nContent-Type: message/rfc822\n\n", bnd);
    fprintf(f,
            "From: someone@origin.example\nTo: user%lu@receiver.example\nSubject: original %lu\n"
            "Date: Mon, 31 Mar 2025 09:00:00 +0000\nMessage-ID: <orig.%lu@origin.example>\n\n",
            n, n, n);
    para(f, target / 2);
    fprintf(f, "--%s--\n", bnd);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: gen-corpus mbox FILE N SEED | gen-corpus maildir DIR N SEED\n");
        return 1;
    }
    unsigned long n = strtoul(argv[3], NULL, 10);
    rng = strtoull(argv[4], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
    if (!strcmp(argv[1], "mbox")) {
        FILE *f = fopen(argv[2], "w");
        if (!f) {
            perror(argv[2]);
            return 2;
        }
        for (unsigned long i = 0; i < n; i++) {
            message(f, i + rng % 1000000 * 1000000, 1);
            fputc('\n', f);
        }
        return fclose(f) == 0 ? 0 : 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", argv[2]);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/cur", argv[2]);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/new", argv[2]);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/tmp", argv[2]);
    mkdir(path, 0755);
    unsigned long base = rng % 1000000 * 1000000;
    for (unsigned long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/cur/%lu.M%luP1.bench:2,S", argv[2], 1700000000 + i, i);
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return 2;
        }
        message(f, base + i, 0);
        if (fclose(f) != 0) return 2;
    }
    return 0;
}
