#!/usr/bin/env python3
"""gen-rules-corpus.py — a varied synthetic mail corpus for the rules engine.

Writes N messages (one .eml file each, 00001.eml ...) into a directory, for
the accuracy comparison against SpamAssassin (tests/accuracy/compare.py) and
the rules benchmark (tests/bench/rules-bench.sh). Deterministic: the same
seed and N give the same bytes (message i depends on the seed and i only, so
a larger corpus starts with the smaller one).

Every text, template, vocabulary and structure here is written for this
project: nothing is copied from real mail. The aim is breadth: messages that
make many different SpamAssassin stock rules (header, body, rawbody, full,
uri, mimeheader) hit, each message a different random subset:
  ham   personal plain text, replies with quoted text, work threads, receipts
        and password resets (multipart/alternative), newsletters with
        List-Unsubscribe, mailing-list posts, calendar invitations,
        attachments (PDF, DOCX zip, images), forwarded message/rfc822,
        bounces (multipart/report), auto-replies, cron/system mail, and
        German, French, Spanish, Russian (windows-1251, KOI8-R), Japanese
        (ISO-2022-JP), Chinese (GB2312, UTF-8 base64);
  spam  advance fee, lottery, pharmacy, stock pump, phishing with lookalike
        links, mailbox-quota scams, marketing ("act now", "free",
        "guaranteed"), debt/diet/degree offers, B2B and SEO offers, replica
        watches, sextortion with bitcoin addresses, work-from-home,
        foreign-language spam; with image-only HTML, hidden text, comment and
        entity obfuscation, URL shorteners, IP/hex/escaped URLs, link text
        showing another domain, forged-looking Received chains, missing
        Message-ID/Date, odd X-Mailer values, base64 and quoted-printable
        text, RFC 2047 subjects, raw 8-bit headers, long lines, font tags.

Limits: the bytes are plausible, not exhaustive; images are tiny but valid
(PNG, GIF, baseline JPEG), documents are minimal (PDF text, DOCX zip).

Usage: gen-rules-corpus.py [-n N] [--seed S] OUTDIR
"""
import argparse
import base64
import io
import os
import random
import struct
import sys
import zipfile
import zlib

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------
FIRST = ["Anna", "Ben", "Carla", "David", "Elif", "Farid", "Greta", "Hugo",
         "Ines", "Jonas", "Kaito", "Lena", "Marek", "Nadia", "Oskar", "Priya",
         "Quentin", "Rosa", "Stefan", "Tomoko", "Ugo", "Vera", "Wen", "Ximena",
         "Yusuf", "Zoe", "Margaret", "Tobias", "Chiara", "Olu", "Sven", "Maya"]
LAST = ["Almeida", "Brandt", "Castillo", "Dubois", "Eriksen", "Fischer",
        "Garcia", "Hoffmann", "Ivanova", "Jensen", "Kowalski", "Lindqvist",
        "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt",
        "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Hartley",
        "Mbeki", "Novak", "Obi", "Peters", "Richter"]
ORG_A = ["north", "blue", "silver", "kestrel", "harbor", "maple", "granite",
         "lumen", "orchid", "pioneer", "quill", "river", "summit", "tandem",
         "vantage", "willow", "cobalt", "ember", "fjord", "juniper"]
ORG_B = ["works", "labs", "supply", "systems", "trading", "media", "foods",
         "analytics", "partners", "outfitters", "books", "travel", "energy",
         "clinic", "print", "studio"]
HAM_TLD = ["com", "org", "net", "de", "fr", "co.uk", "io", "es", "nl", "ch"]
FREEMAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com",
            "gmx.de", "web.de", "orange.fr", "mail.ru", "yandex.ru", "qq.com",
            "163.com", "libero.it", "protonmail.com", "yahoo.co.jp", "msn.com"]
SPAM_TLD = ["com", "net", "info", "biz", "top", "xyz", "ru", "cn", "club",
            "online", "us", "me", "pw", "site"]
CITIES = ["Lisbon", "Hamburg", "Lyon", "Valencia", "Krakow", "Osaka",
          "Toronto", "Nairobi", "Melbourne", "Austin", "Porto", "Ghent"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
SHORTENERS = ["bit.ly", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "cutt.ly",
              "t.co", "rebrand.ly", "buff.ly", "shorturl.at", "tiny.cc",
              "rb.gy", "clck.ru", "bit.do"]
LOREM = ("the of and to in is that for it with as was on be by this are from "
         "at or have an they which one you had not but what all were when we "
         "there can more if no out so said who use each about how up time "
         "them some could into two has see other than then now look only come "
         "its over think also back after work first well way even new want "
         "because any these give day most us plan review notes budget garden "
         "weekend trip photos dinner coffee report schedule train meeting").split()


class Ctx:
    """Per-message random source and helpers."""

    def __init__(self, seed, index):
        self.r = random.Random(seed * 1000003 + index)
        self.i = index

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def num(self, a, b):
        return self.r.randint(a, b)

    def hexs(self, n, upper=False):
        s = "".join(self.r.choice("0123456789abcdef") for _ in range(n))
        return s.upper() if upper else s

    def alnum(self, n, chars="abcdefghijklmnopqrstuvwxyz0123456789"):
        return "".join(self.r.choice(chars) for _ in range(n))

    def consonants(self, n):
        return "".join(self.r.choice("bcdfghjklmnpqrstvwxz") for _ in range(n))

    def person(self):
        return self.pick(FIRST), self.pick(LAST)

    def org_domain(self):
        return "%s%s.%s" % (self.pick(ORG_A), self.pick(ORG_B), self.pick(HAM_TLD))

    def spam_domain(self):
        style = self.num(0, 4)
        if style == 0:
            return "%s-%s.%s" % (self.pick(["best", "top", "mega", "super", "smart", "cheap", "secure"]),
                                 self.pick(["deals", "meds", "offers", "rx", "loans", "promo", "prizes"]),
                                 self.pick(SPAM_TLD))
        if style == 1:
            return "%s%d.%s" % (self.consonants(self.num(5, 9)), self.num(1, 999), self.pick(SPAM_TLD))
        if style == 2:
            return "%s.%s" % (self.alnum(self.num(6, 14)), self.pick(SPAM_TLD))
        if style == 3:
            return "mail%d.%s%s.%s" % (self.num(1, 40), self.pick(ORG_A), self.pick(["mkt", "news", "promo"]),
                                       self.pick(SPAM_TLD))
        return "%s-%s%d.%s" % (self.pick(["offers", "win", "pharma", "shop", "bonus"]), self.consonants(4),
                               self.num(10, 99), self.pick(SPAM_TLD))

    def ip(self, doc=False):
        if doc:
            return "%s.%d" % (self.pick(["192.0.2", "198.51.100", "203.0.113"]), self.num(1, 254))
        first = self.pick([23, 31, 37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 88, 89,
                           91, 93, 94, 95, 109, 141, 176, 178, 185, 188, 193, 194, 195, 209, 212, 213, 217])
        return "%d.%d.%d.%d" % (first, self.num(0, 255), self.num(0, 255), self.num(1, 254))


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------
def qp_encode(data, maxlen=76):
    """Quoted-printable with soft line breaks (RFC 2045), LF line ends."""
    out = []
    for line in data.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        toks = []
        n = len(line)
        for i, b in enumerate(line):
            if (33 <= b <= 126 and b != 61) or (b in (32, 9) and i != n - 1):
                toks.append(chr(b))
            else:
                toks.append("=%02X" % b)
        cur = ""
        for t in toks:
            if len(cur) + len(t) > maxlen - 1:
                out.append(cur + "=")
                cur = ""
            cur += t
        out.append(cur)
    return "\n".join(out).encode("ascii")


def b64_encode(data):
    return base64.encodebytes(data).replace(b"\r\n", b"\n")


def encode_word(text, charset, mode="B"):
    """RFC 2047 encoded words for a header value; chunks keep characters whole."""
    words = []
    step = 12 if mode == "B" else 18
    for k in range(0, len(text), step):
        chunk = text[k:k + step].encode(charset)
        if mode == "B":
            words.append("=?%s?B?%s?=" % (charset, base64.b64encode(chunk).decode()))
        else:
            enc = []
            for b in chunk:
                if b == 32:
                    enc.append("_")
                elif (48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122) or b in b"!*+-/":
                    enc.append(chr(b))
                else:
                    enc.append("=%02X" % b)
            words.append("=?%s?Q?%s?=" % (charset, "".join(enc)))
    return " ".join(words)


def fold(name, value, width=76):
    """Fold a header at whitespace; value is text (may contain non-ASCII)."""
    line = "%s: %s" % (name, value)
    if len(line) <= width or "\n" in value:
        return line
    parts = line.split(" ")
    out, cur = [], parts[0]
    for p in parts[1:]:
        if len(cur) + 1 + len(p) > width and cur.strip():
            out.append(cur)
            cur = "\t" + p
        else:
            cur += " " + p
    out.append(cur)
    return "\n".join(out)


# --------------------------------------------------------------------------
# Binary attachments (tiny but valid)
# --------------------------------------------------------------------------
def noise(c, n):
    """n pseudo-random bytes (incompressible payload, deterministic per message)."""
    return c.r.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def png_noise(c, w, h):
    """A photo-like PNG: random pixels, so the file is about 3*w*h bytes."""
    raw = b"".join(b"\x00" + noise(c, 3 * w) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def png_bytes(w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def gif_bytes(w, h, rgb):
    """GIF89a, 2-colour palette, every pixel a literal (clear code every 2)."""
    codes = []
    for k in range(w * h):
        if k % 2 == 0:
            codes.append(4)  # clear: code width stays 3 bits
        codes.append(0)
    codes.append(5)  # end of information
    bits, nbits, data = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += 3
        while nbits >= 8:
            data.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        data.append(bits & 0xFF)
    blocks = b"".join(bytes([len(data[k:k + 255])]) + bytes(data[k:k + 255]) for k in range(0, len(data), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) + bytes(rgb) + b"\xff\xff\xff"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x02" + blocks + b"\x00\x3b")


def jpeg_bytes(w, h):
    """Baseline grey JPEG: every 8x8 block DC 0, EOB (one-code Huffman tables)."""
    blocks = ((w + 7) // 8) * ((h + 7) // 8)
    bits = "00" * blocks
    bits += "1" * ((8 - len(bits) % 8) % 8)
    ent = bytearray()
    for k in range(0, len(bits), 8):
        b = int(bits[k:k + 8], 2)
        ent.append(b)
        if b == 0xFF:
            ent.append(0)

    def seg(marker, payload):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload

    dqt = b"\x00" + b"\x01" * 64
    sof = struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00"
    one = b"\x01" + b"\x00" * 15 + b"\x00"
    dht = b"\x00" + one + b"\x10" + one
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (b"\xff\xd8" + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00") + seg(0xDB, dqt)
            + seg(0xC0, sof) + seg(0xC4, dht) + seg(0xDA, sos) + bytes(ent) + b"\xff\xd9")


def pdf_bytes(title, lines, pad=b""):
    text = " ".join(lines).replace("(", "[").replace(")", "]")
    stream = ("BT /F1 11 Tf 72 720 Td (%s) Tj ET" % text[:400]).encode("latin-1", "replace")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            ("<< /Title (%s) /Producer (mailaudit corpus) >>" % title).encode("latin-1", "replace")]
    if pad:
        objs.append(b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /BitsPerComponent 8 "
                    b"/ColorSpace /DeviceGray /Filter /FlateDecode /Length %d >>\nstream\n" % len(pad) + pad
                    + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for k, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (k + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 17, 9, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def docx_bytes(paras):
    body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % p.replace("&", "&amp;").replace("<", "&lt;")
                   for p in paras)
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
         'openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
         'wordprocessingml.document.main+xml"/></Types>'),
        ("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
         'openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>' % body),
    ])


# --------------------------------------------------------------------------
# MIME parts
# --------------------------------------------------------------------------
class Leaf:
    def __init__(self, ctype, data, charset=None, cte=None, name=None, disp=None, cid=None,
                 extra=None, params=None, quote_charset=True, raw_ct=None):
        self.raw_ct = raw_ct
        self.ctype, self.data, self.charset, self.cte = ctype, data, charset, cte
        self.name, self.disp, self.cid = name, disp, cid
        self.extra = extra or []
        self.params = params or []
        self.quote_charset = quote_charset


class Multi:
    def __init__(self, subtype, parts, boundary=None, params=None, preamble=None, epilogue=None):
        self.subtype, self.parts, self.boundary = subtype, parts, boundary
        self.params = params or []
        self.preamble, self.epilogue = preamble, epilogue


class Rfc822:
    def __init__(self, message_bytes, disp=None):
        self.data, self.disp = message_bytes, disp


def boundary_for(c):
    style = c.num(0, 6)
    if style == 0:
        return "----=_NextPart_000_%04X_01D%s.%s" % (c.num(0, 0xFFFF), c.hexs(5, True), c.hexs(8, True))
    if style == 1:
        return "=_%s" % c.hexs(32)
    if style == 2:
        return "000000000000%s" % c.hexs(16)
    if style == 3:
        return "Apple-Mail=_%s-%s-%s-%s-%s" % (c.hexs(8, True), c.hexs(4, True), c.hexs(4, True),
                                                c.hexs(4, True), c.hexs(12, True))
    if style == 4:
        return "b1_%s" % c.hexs(32)
    if style == 5:
        return "--%d" % c.num(10 ** 9, 10 ** 10)
    return "------------%s" % "".join(str(c.num(0, 9)) for _ in range(24))


def ct_value(p, c):
    if p.raw_ct:
        return p.raw_ct
    v = p.ctype
    if p.charset:
        v += '; charset="%s"' % p.charset if p.quote_charset else "; charset=%s" % p.charset
    for k, val in p.params:
        v += '; %s="%s"' % (k, val)
    if p.name:
        v += ';\n\tname="%s"' % p.name
    return v


def render(p, c):
    """Return (header lines list, body bytes) for a part."""
    if isinstance(p, Multi):
        b = p.boundary or boundary_for(c)
        hv = 'multipart/%s;\n\tboundary="%s"' % (p.subtype, b)
        for k, val in p.params:
            hv += '; %s="%s"' % (k, val)
        out = bytearray()
        if p.preamble:
            out += p.preamble.encode() + b"\n"
        for sub in p.parts:
            hl, body = render(sub, c)
            out += b"\n--" + b.encode() + b"\n"
            out += "\n".join(hl).encode("utf-8", "surrogateescape") + b"\n\n" + body
        out += b"\n--" + b.encode() + b"--\n"
        if p.epilogue:
            out += p.epilogue.encode() + b"\n"
        return ["Content-Type: " + hv], bytes(out)
    if isinstance(p, Rfc822):
        hl = ["Content-Type: message/rfc822"]
        if p.disp:
            hl.append("Content-Disposition: " + p.disp)
        return hl, p.data
    hl = ["Content-Type: " + ct_value(p, c)]
    data = p.data
    if p.cte:
        hl.append("Content-Transfer-Encoding: " + p.cte)
        cte = p.cte.lower()
        if cte == "base64":
            data = b64_encode(data)
        elif cte == "quoted-printable":
            data = qp_encode(data)
    if p.disp:
        hl.append("Content-Disposition: " + p.disp)
    if p.cid:
        hl.append("Content-ID: <%s>" % p.cid)
    hl.extend(p.extra)
    if not data.endswith(b"\n"):
        data += b"\n"
    return hl, data


def text_leaf(c, text, subtype="plain", charset="utf-8", cte=None, flowed=False):
    try:
        data = text.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset = "utf-8"
        data = text.encode(charset)
    if cte is None:
        if all(b < 128 for b in data):
            cte = c.pick(["7bit", "7bit", None, "quoted-printable"])
        else:
            cte = c.pick(["quoted-printable", "base64", "8bit"])
    params = [("format", "flowed")] if flowed else []
    leaf = Leaf("text/" + subtype, data, charset=charset, cte=cte, params=params,
                quote_charset=c.chance(0.6))
    return leaf


# --------------------------------------------------------------------------
# Headers: dates, addresses, Received chains, Message-IDs, MUAs
# --------------------------------------------------------------------------
def date_parts(c):
    year = c.pick([2023, 2024, 2024, 2025])
    month = c.num(1, 12)
    day = c.num(1, 28)
    # day of week from a fixed formula (Zeller) so Date and Received agree
    y, m = (year, month) if month > 2 else (year - 1, month + 12)
    wd = (day + (13 * (m + 1)) // 5 + y + y // 4 - y // 100 + y // 400) % 7  # 0 = Saturday
    return year, month, day, WEEKDAYS[(wd + 5) % 7], c.num(0, 23), c.num(0, 59), c.num(0, 59)


def fmt_date(parts, tz="+0000", weekday=True):
    year, month, day, wd, hh, mm, ss = parts
    s = "%d %s %d %02d:%02d:%02d %s" % (day, MONTHS[month - 1], year, hh, mm, ss, tz)
    return ("%s, " % wd + s) if weekday else s


def date_header(c, parts, spammy):
    tz = c.pick(["+0000", "+0100", "+0200", "-0400", "-0500", "-0700", "+0530", "+0900", "+0800"])
    if spammy:
        k = c.num(0, 9)
        if k == 0:
            return "%d-%02d-%02d %02d:%02d:%02d" % (parts[0], parts[1], parts[2], parts[4], parts[5], parts[6])
        if k == 1:
            return fmt_date(parts, c.pick(["+2600", "-1900", "+0063", "+1370"]))
        if k == 2:
            return fmt_date(parts, "+0000")
        if k == 3:
            return fmt_date(parts, tz, weekday=False)
        if k == 4:
            return fmt_date(parts, tz) + " (" + c.pick(["GMT", "CET", "PST", "EST"]) + ")"
    return fmt_date(parts, tz)


def addr(c, local, domain, name=None, style=0):
    a = "%s@%s" % (local, domain)
    if name is None:
        return a if style == 0 else "<%s>" % a
    if any(ch in name for ch in ',.;:"@') or style == 1:
        return '"%s" <%s>' % (name.replace('"', ''), a)
    return "%s <%s>" % (name, a)


def local_part(c, first, last):
    k = c.num(0, 5)
    if k == 0:
        return ("%s.%s" % (first, last)).lower()
    if k == 1:
        return ("%s%s" % (first[0], last)).lower()
    if k == 2:
        return first.lower()
    if k == 3:
        return ("%s_%s%d" % (first, last, c.num(1, 99))).lower()
    if k == 4:
        return ("%s.%s" % (first[0], last)).lower()
    return ("%s%d" % (last, c.num(1960, 2005))).lower()


def message_id(c, domain, style=None):
    k = c.num(0, 10) if style is None else style
    if k == 0:
        return "<%s-%s-%s-%s-%s@%s>" % (c.hexs(8), c.hexs(4), c.hexs(4), c.hexs(4), c.hexs(12), domain)
    if k == 1:
        return "<CA%s@mail.gmail.com>" % c.alnum(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_=")
    if k == 2:
        return "<%d.%d.%s@%s>" % (c.num(10 ** 9, 2 * 10 ** 9), c.num(1000, 99999), c.hexs(8), domain)
    if k == 3:
        return "<%s-%s-%s-%s-%s@%s>" % (c.hexs(8, True), c.hexs(4, True), c.hexs(4, True), c.hexs(4, True),
                                        c.hexs(12, True), domain)
    if k == 4:
        return "<%s$%s$%s@%s>" % (c.hexs(12), c.hexs(8), c.hexs(8), domain.split(".")[0])
    if k == 5:
        return "<%s.JavaMail.%s@%s>" % (c.num(1000, 99999), c.pick(["app", "svc", "mailer"]), domain)
    if k == 6:
        return "<%s@%s>" % (c.alnum(c.num(3, 9)), c.pick(["localhost", "local", domain.split(".")[0]]))
    if k == 7:
        return "<%s@%s>" % (c.alnum(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), domain)
    if k == 8:
        return "<%d@%s>" % (c.num(10 ** 8, 10 ** 9 - 1), domain)
    if k == 9:
        return "<%s.%s@%s>" % (c.hexs(16), c.hexs(6), domain)
    return "<%s%s@%s>" % (c.alnum(30, "abcdefghijklmnopqrstuvwxyz0123456789"), c.pick(["", ".x"]), domain)


HAM_MUA = [("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.%d.0"),
           ("User-Agent", "Mutt/2.2.%d (2023-02-09)"),
           ("X-Mailer", "Apple Mail (2.3731.%d.1.1)"),
           ("X-Mailer", "Microsoft Outlook 16.0"),
           ("User-Agent", "Roundcube Webmail/1.6.%d"),
           ("X-Mailer", "iPhone Mail (21A%d)"),
           ("User-Agent", "K-9 Mail for Android"),
           ("User-Agent", "Evolution 3.46.%d"),
           ("User-Agent", "KMail/5.%d"),
           ("User-Agent", "Gnus/5.13 (Gnus v5.13)"),
           ("X-Mailer", "Forte Agent 4.2/32.%d"), ("X-Mailer", "Sylpheed 3.7.%d (GTK+ 2.24.32)"),
           ("X-Mailer", "Gnus v5.13"), ("X-Mailer", "VM 8.2.%d under Emacs 27.1"), ("X-Mailer", "mh-e 8.%d"),
           ("X-Mailer", "Ximian Evolution 1.4.%d"), ("X-Mailer", "Calypso Version 3.30.00.%d"),
           ("X-Mailer", "eC-Messenger Build 3.1.%d"), ("X-Mailer", "Mozilla 4.7%d [en] (Win98; I)"),
           ("X-Mailer", "Microsoft Outlook Express 5.50.4807.2300"), ("X-Mailer", "Microsoft Outlook Express 6.00.2800.1441"),
           ("X-Mailer", "Microsoft Outlook Express 4.72.2106.4"), ("X-Mailer", "QUALCOMM Windows Eudora Version 6.%d"),
           ("User-Agent", "Opera7.23/Win32 M2 build 3227"), ("User-Agent", "Pan/0.14.%d (Who cares?)"),
           ("User-Agent", "Xnews/5.04.%d"), ("User-Agent", "KNode/0.10.%d"),
           ("User-Agent", "Microsoft-MacOutlook/16.7%d.23061100"), ("User-Agent", "Microsoft-Outlook-Express-Macintosh-Edition/5.0%d"),
           ("X-Mailer", "MSN Explorer 7.02.0011.2700"), ("X-Mailer", "Motorola android mail 1.%d"),
           ("X-Mailer", "NetEase Flash Mail 2.4.1.%d"), ("X-Mailer", "SKYRiXgreen 4.%d"), ("X-Mailer", "vBulletin Mail via PHP"),
           ("X-Mailer", "WorkCentre 5335 v%d"), ("X-Mailer", "Amadeus Messaging Server 3.%d"),
           ("X-Mailer", "CommuniGate Pro MAPI Connector 1.5%d"), ("X-Mailer", "Outlook IMO, Build 9.0.24%d"),
           ("X-Mailer", "WWW-Mail 1.%d"), ("X-Mailer", "AOL 9.0 for Windows US sub 50%d"),
           ("X-Mailer", "Microsoft Outlook, Build 10.0.6626"), ("X-Mailer", "Microsoft Outlook, Build 10.0.3416"),
           ("X-Mailer", "Balsa 2.6.%d"), ("User-Agent", "Postfix admin notice"), ("X-Mailer", "PHP5"), ("X-Mailer", "PHP"),
           (None, None), (None, None), (None, None), (None, None), (None, None), (None, None)]
SPAM_MUA = ["The Bat! (v1.62r) UNREG", "Microsoft Outlook Express 6.00.2600.0000",
            "PHPMailer 5.2.%d (https://github.com/PHPMailer/PHPMailer)", "PHP/7.%d.3", "%d",
            "QWERTY MASS MAILER", "Outlook", "eGroups Message Poster", "Microsoft Outlook, Build 10.0.4115",
            "Internet Mail Service (5.5.2653.19)", "Microsoft Office Outlook, Build 11.0.5510",
            "MIME-tools 5.%d (Entity 5.4)", "Atlas Sender Pro %d", "AspQMail", "mPOP Web-Mail 2.19",
            "SquirrelMail/1.4.%d", "Foxmail 7, %d, 2, 130[cn]", "Business Mailer Light %d",
            "CodeIgniter", "qzxwv sender %d", "Microsoft CDO for Windows 2000", "Balsa 2.%d"]


def mua_headers(c, spammy):
    h = []
    if spammy and c.chance(0.55):
        v = c.pick(SPAM_MUA)
        if "%d" in v:
            v = v % c.num(1, 99)
        h.append(("X-Mailer", v))
        if "Outlook" in v and c.chance(0.6):
            h.append(("X-MimeOLE", "Produced By Microsoft MimeOLE V6.00.2900.%d" % c.pick([2180, 2962, 5512, 3138])))
        if c.chance(0.5):
            h.append(("X-Priority", c.pick(["1", "3", "1 (Highest)", "3 (Normal)"])))
            h.append(("X-MSMail-Priority", c.pick(["High", "Normal"])))
        return h
    name, v = c.pick(HAM_MUA)
    if name:
        h.append((name, v % c.num(1, 30) if "%d" in v else v))
    return h


def received_chain(c, rcpt_domain, rcpt, sender_domain, parts, kind):
    """Received headers, topmost first. kind: 'clean', 'auth', 'forged', 'direct'."""
    mx = "mx%d.%s" % (c.num(1, 3), rcpt_domain)
    hh = (parts[4] + c.num(0, 1)) % 24
    d = fmt_date((parts[0], parts[1], parts[2], parts[3], hh, parts[5], parts[6]), c.pick(["+0000", "+0100", "-0500"]))
    qid = c.alnum(12, "0123456789ABCDEFGHJKLMNPQRSTVWXYZ")
    out = []
    if c.chance(0.3):
        out.append("from localhost (localhost [127.0.0.1])\n\tby %s (Postfix) with ESMTP id %s;\n\t%s"
                   % (mx, c.alnum(10, "0123456789ABCDEF"), d))
    ip = c.ip(doc=(kind == "forged" and c.chance(0.2)))
    if kind in ("clean", "auth"):
        host = c.pick(["mail", "smtp", "mx", "out", "mta%d" % c.num(1, 9), "outbound"]) + "." + sender_domain
        out.append("from %s (%s [%s])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n"
                   "\tby %s (Postfix) with ESMTPS id %s\n\tfor <%s>; %s" % (host, host, ip, mx, qid, rcpt, d))
        if kind == "auth":
            out.append("from [192.168.%d.%d] (%s [%s])\n\t(Authenticated sender: %s)\n\tby %s (Postfix) with "
                       "ESMTPSA id %s;\n\t%s" % (c.num(0, 9), c.num(2, 250),
                                                 c.pick(["unknown", "dsl-%s.home.example-isp.net" % ip.replace(".", "-")]),
                                                 c.ip(), "user" + str(c.num(1, 99)), host,
                                                 c.alnum(10, "0123456789ABCDEF"), d))
        elif c.chance(0.4):
            out.append("from app%d.internal.%s (app%d.internal.%s [10.%d.%d.%d])\n\tby %s with SMTP id %s;\n\t%s"
                       % (c.num(1, 9), sender_domain, c.num(1, 9), sender_domain, c.num(0, 255), c.num(0, 255),
                          c.num(1, 254), host, c.alnum(8), d))
        return out
    # spam-side relays
    k = c.num(0, 17)
    if k == 0:
        helo, rdns = "localhost", "unknown"
    elif k == 1:
        helo = rdns = "dsl-%s.dyn.%s" % (ip.replace(".", "-"), c.pick(["telecom-isp.net", "broadband.example.com"]))
    elif k == 2:
        helo, rdns = c.pick(["yahoo.com", "hotmail.com", "msn.com", "aol.com"]), "unknown"
    elif k == 3:
        helo, rdns = "[%s]" % ip, "unknown"
    elif k == 4:
        helo, rdns = c.pick(["pc", "user", "User", "oem", "HOME-PC"]), "%s.cable.%s.net" % (ip.replace(".", "-"), c.consonants(5))
    elif k == 5:
        helo = rdns = "%d.%d.%d.%d.static.%s.com" % tuple([int(x) for x in ip.split(".")] + [c.consonants(6)])
    elif k == 6:
        helo, rdns = c.consonants(8), "unknown"
    elif k == 7:
        helo, rdns = "mail.%s" % sender_domain, "host-%s.adsl.%s.net" % (ip.replace(".", "-"), c.consonants(5))
    elif k == 8:
        helo, rdns = "0x%s.%s.net" % (c.hexs(8), c.consonants(5)), "0x%s.%s.net" % (c.hexs(8), c.consonants(5))
    elif k == 9:
        helo, rdns = "mail.%s" % sender_domain, "mail.%s" % sender_domain
    elif k == 10:
        helo, rdns = "cpe-%s.res.%s.com" % (ip.replace(".", "-"), c.consonants(4)), "unknown"
    elif k == 11:
        helo, rdns = "localhost.localdomain", "localhost"
    elif k == 12:
        helo, rdns = ip, "%s.res.%s.net" % (ip.replace(".", "-"), c.consonants(5))
    elif k == 13:
        helo = rdns = "%s.dhcp.%s.com" % (ip.replace(".", "-"), c.consonants(4))
    elif k == 14:
        helo, rdns = "device.lan", "a%s.dip.%s.net" % (c.hexs(8, True), c.consonants(4))
    elif k == 15:
        helo, rdns = "%s.home" % c.consonants(6), "%s.%s.%d" % (c.consonants(5), c.consonants(4), c.num(1, 99))
    elif k == 16:
        helo, rdns = "%d-%d-%d-%d.dyn.%s.net" % tuple([int(x) for x in ip.split(".")] + [c.consonants(5)]), \
            "%s.%s" % (c.consonants(6), c.pick(["com", "net"]))
    else:
        helo, rdns = "mail.%s.edu" % c.consonants(5), "smtp.%s.gov" % c.consonants(5)
    if c.chance(0.5):
        out.append("from %s (%s [%s])\n\tby %s (Postfix) with %s id %s\n\tfor <%s>; %s"
                   % (helo, rdns, ip, mx, c.pick(["SMTP", "ESMTP"]), qid, rcpt, d))
    else:
        out.append("from [%s] (helo=%s)\n\tby %s with esmtp (Exim 4.96)\n\t(envelope-from <%s>)\n\tid %s\n\tfor %s; %s"
                   % (ip, helo, mx, "bounce%d@%s" % (c.num(1, 9999), sender_domain),
                      "1r%s-000%s-%s" % (c.alnum(4), c.alnum(3), c.alnum(2)), rcpt, d))
    if kind == "forged" and c.chance(0.7):
        # extra forged-looking hops below: odd formats, illegal IPs, fake big-provider names
        j = c.num(0, 5)
        ip2 = c.ip(doc=c.chance(0.3))
        if j == 0:
            out.append("from User ([%s]) by %s with Microsoft SMTPSVC(6.0.3790.%d);\n\t%s"
                       % (ip2, helo, c.num(1000, 4999), d))
        elif j == 1:
            out.append("from %s by %s; %s" % (ip2, ip, d))
        elif j == 2:
            out.append("from [%s] by %s with SMTP; %s" % (ip2, ip, d))
        elif j == 3:
            out.append("from mx%d.hotmail.com ([%s]) by %s with SMTP id %s; %s"
                       % (c.num(1, 4), ip2, helo, c.alnum(8), d))
        elif j == 4:
            out.append("from %s ([%s][%s]) by %s (8.11.6/8.11.6) with ESMTP id %s;\n\t%s"
                       % (helo, ip2, ip, helo, c.alnum(10), d))
        else:
            out.append("from unknown (HELO %s) (%s)\n\tby %s with SMTP; %s" % (c.consonants(6), ip2, helo, d))
    return out


# --------------------------------------------------------------------------
# Text fragments
# --------------------------------------------------------------------------
def lorem_sentence(c, n=None):
    words = [c.pick(LOREM) for _ in range(n or c.num(6, 14))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


PERSONAL = [
    "Are we still on for dinner on {day}? I can bring the salad and something sweet.",
    "I uploaded the photos from the {city} trip to the shared album, the one with the harbour is my favourite.",
    "Mum asked whether you could call her this week, nothing urgent, she just wants to hear how the new job is going.",
    "The plumber finally came on {day} and the kitchen tap no longer drips, so that is one thing off the list.",
    "Thanks again for lending me the tent. It survived three nights of rain and I dried it before packing it up.",
    "I found the recipe you mentioned; it needs a lot more garlic than I expected but it turned out well.",
    "Could you send me the address of the place in {city}? I want to book a table for the twelfth.",
    "The kids loved the museum. We spent two hours in the dinosaur hall and still did not see everything.",
    "I'm running about ten minutes late, start without me and order me a coffee please.",
    "My train gets in at 18:40 on {day}, platform 4 if I remember the app correctly.",
    "Happy birthday! I hope you have a quiet day with lots of cake and no email.",
    "We are thinking of driving up to the lake on the long weekend, do you want to come along?",
]
WORK = [
    "Attached is the draft of the quarterly report; the numbers in section three still need a second look.",
    "The build on the release branch fails in the parser tests since {day}, I think it is the new timezone fixture.",
    "Could you review the budget spreadsheet before the meeting on {day}? Rows 40 to 55 changed.",
    "Minutes from today's call: we agreed to move the launch by one week and to keep the scope as it is.",
    "The customer in {city} asked for the signed contract and an updated delivery schedule.",
    "I have booked meeting room B for {day} at 14:00, the agenda is in the calendar invite.",
    "Please remember to submit your expenses for {month} by the end of the week.",
    "The new hire starts on {day}; I will show them around and set up their laptop in the morning.",
    "Server maintenance is planned for {day} night between 22:00 and 23:30, expect short interruptions.",
    "I merged the pull request for the export feature, the documentation update follows tomorrow.",
    "We received the invoice from the supplier, but the VAT number on page two looks wrong.",
    "Let's discuss the hiring plan in our one-to-one; I have a few questions about the timeline.",
]
NEWS_HEAD = ["Five tips for a calmer inbox", "What we learned from a year of remote work",
             "Spring collection: linen shirts are back", "New trails opened in the national park",
             "Our community garden project reaches 200 members", "Release notes for version 4.2",
             "How to brew better coffee at home", "The best small cameras of the season",
             "Interview: running a bakery on renewable power", "Upcoming workshops in your city"]


def fill(c, s, **kw):
    vals = dict(day=c.pick(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
                city=c.pick(CITIES), month=c.pick(["January", "March", "May", "July", "September", "November"]))
    vals.update(kw)
    return s.format(**vals)


def obfuscate(c, word):
    """A spam-style obfuscation of a word."""
    k = c.num(0, 9)
    if k == 0:
        return "-".join(word)
    if k == 1:
        return " ".join(word.upper())
    if k == 2:
        tr = {"a": "@", "i": "1", "o": "0", "e": "3", "s": "$", "l": "|"}
        return "".join(tr.get(ch.lower(), ch) if c.chance(0.5) else ch for ch in word)
    if k == 3:
        return word[0].upper() + "." + ".".join(word[1:].upper())
    if k == 4:
        tr = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}  # Cyrillic lookalikes
        return "".join(tr.get(ch, ch) for ch in word)
    if k == 5:
        return "\u200b".join(word)  # zero-width spaces
    if k == 6:
        return word.upper()
    if k == 7:
        return "".join(ch + "_" for ch in word)[:-1]
    if k == 8:
        return word.replace("i", "l").replace("I", "l") if "i" in word.lower() else word + "!"
    return word.capitalize()


def math_bold(word):
    out = []
    for ch in word:
        if "A" <= ch <= "Z":
            out.append(chr(0x1D400 + ord(ch) - 65))
        elif "a" <= ch <= "z":
            out.append(chr(0x1D41A + ord(ch) - 97))
        else:
            out.append(ch)
    return "".join(out)


def money(c, big=True):
    if big:
        k = c.num(0, 6)
        amt = c.pick([2.5, 4.8, 7.5, 10.5, 12.3, 15.0, 18.6, 25.0, 31.2])
        if k == 0:
            return "US$%s,%03d,000.00" % (int(amt), c.num(100, 999))
        if k == 1:
            return "USD %s million" % amt
        if k == 2:
            return "$%d,%03d,%03d" % (c.num(1, 45), c.num(0, 999), c.num(0, 999))
        if k == 3:
            return "%s Million United States Dollars" % c.pick(["Ten", "Fifteen", "Twenty-Five", "Seven"])
        if k == 4:
            return "EUR %d.%03d.000,00" % (c.num(1, 9), c.num(100, 999))
        if k == 5:
            return "GBP %d,%03d,000" % (c.num(1, 9), c.num(100, 999))
        return "%s Million Five Hundred Thousand Dollars" % c.pick(["Eight", "Four", "Nine"])
    return "$%d.%02d" % (c.num(1, 499), c.num(0, 99))


def from_pool(c, pool, lo, hi):
    """Sample lo..hi phrases from a pool and fill their slots."""
    d1, d2, d3 = c.r.sample(XPHARMA_DRUGS, 3)
    vals = dict(n="%s %s" % (c.pick(FIRST), c.pick(LAST)), amt=money(c), fm="%s%d@%s" % (
        c.pick(FIRST).lower(), c.num(1, 99), c.pick(FREEMAIL)), ref="%s-%d" % (c.alnum(3, "ABCDEFGHJKLMNPRSTUVWXYZ"),
                                                                          c.num(10000, 99999)),
                ser="%d-%d" % (c.num(100, 999), c.num(1000, 9999)), k=c.num(3, 40), d1=d1, d2=d2, d3=d3,
                p=money(c, False), city=c.pick(CITIES), ltc=c.alnum(32, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
    vals["m"] = vals["k"] * 7
    return [x.format(**vals) for x in c.r.sample(pool, min(len(pool), c.num(lo, hi)))]


# --------------------------------------------------------------------------
# Themes: each returns dict(subject, paras, links[, footer, flags])
# --------------------------------------------------------------------------
def t_personal(c, me, you):
    paras = [fill(c, c.pick(PERSONAL)) for _ in range(c.num(1, 3))]
    greet = c.pick(["Hi %s," % you, "Hey %s!" % you, "Dear %s," % you, "%s," % you, "Hello %s," % you])
    sign = c.pick(["Cheers,\n%s", "Love,\n%s", "-- \n%s", "Best,\n%s", "See you soon,\n%s", "%s"]) % me
    subj = c.pick(["dinner on %s?" % c.pick(["Friday", "Sunday"]), "photos", "quick question", "the tent",
                   "Re: weekend plans", "train times", "Happy birthday!", "recipe", "lake trip", ""])
    return dict(subject=subj, paras=[greet] + paras + [sign], links=[])


def t_work(c, me, you, org):
    paras = [fill(c, c.pick(WORK)) for _ in range(c.num(2, 4))]
    subj = c.pick(["Quarterly report draft", "Build failure on release branch", "Budget review",
                   "Meeting minutes %s" % c.pick(["03/14", "May 2", "week 42"]), "Contract for %s" % c.pick(CITIES),
                   "Room booking", "Expenses reminder", "Onboarding plan", "Maintenance window",
                   "Supplier invoice question"])
    links = []
    if c.chance(0.4):
        links.append(("https://wiki.%s/display/PROJ/%s" % (org, c.alnum(8)), "the wiki page"))
    sign = "%s\n%s | %s" % (me, c.pick(["Project Manager", "Software Engineer", "Accounts", "Operations"]), org)
    return dict(subject=subj, paras=["Hi %s," % you] + paras + ["Thanks,", sign], links=links)


def t_receipt(c, shop):
    n = c.num(100000, 999999)
    items = [(c.pick(["Linen shirt", "Coffee grinder", "Hiking socks (3 pairs)", "USB-C cable", "Notebook A5",
                      "Ceramic mug", "Rain jacket", "Bike light set", "Tea sampler"]), c.num(3, 120) + 0.99)
             for _ in range(c.num(1, 4))]
    total = sum(p for _, p in items)
    paras = ["Thank you for your order #%d." % n,
             "We have received your order and will send another email when it ships."]
    paras += ["%s ... $%.2f" % (name, p) for name, p in items]
    paras += ["Subtotal: $%.2f" % total, "Shipping: free", "Total: $%.2f" % total,
              "Shipping address: %d %s Street, %s" % (c.num(1, 200), c.pick(LAST), c.pick(CITIES)),
              "Questions about your order? Visit our help centre or reply to this email."]
    links = [("https://www.%s/orders/%d" % (shop, n), "View your order"),
             ("https://www.%s/help" % shop, "help centre")]
    return dict(subject=c.pick(["Your order #%d" % n, "Order confirmation %d" % n, "Receipt for your purchase"]),
                paras=paras, links=links, table=items)


def t_password(c, svc):
    tok = c.hexs(c.pick([32, 40, 64]))
    paras = ["Hello,",
             "We received a request to reset the password for your %s account." % svc.split(".")[0].capitalize(),
             "Use the link below to choose a new password. The link expires in %d minutes." % c.pick([15, 30, 60]),
             "If you did not request a password reset, you can ignore this email; your password will not change.",
             "For your security, never share this link with anyone.", "The %s team" % svc.split(".")[0].capitalize()]
    links = [("https://accounts.%s/reset?token=%s" % (svc, tok), "Reset your password")]
    return dict(subject=c.pick(["Reset your password", "Password reset request", "Your password reset link"]),
                paras=paras, links=links)


def t_shipping(c, shop):
    trk = "1Z%s" % c.alnum(16, "0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
    paras = ["Good news! Your package is on its way.", "Tracking number: %s" % trk,
             "Estimated delivery: %s" % c.pick(["Tuesday", "Thursday", "Friday"]),
             "You can follow the shipment on the carrier's website."]
    return dict(subject="Your package has shipped", paras=paras,
                links=[("https://track.%s/t/%s" % (shop, trk), "Track your package")])


def t_newsletter(c, org):
    heads = c.r.sample(NEWS_HEAD, c.num(3, 8))
    paras = ["This week at %s" % org.split(".")[0].capitalize()]
    links = []
    for h in heads:
        paras.append(h)
        paras.append(" ".join(lorem_sentence(c) for _ in range(c.num(2, 6))))
        links.append(("https://news.%s/%s/%s" % (org, c.alnum(6), h.lower().replace(" ", "-")[:30]), "Read more"))
    footer = [c.pick(["You are receiving this email because you subscribed to our newsletter.",
                      "You received this message because you signed up at %s." % org,
                      "You are subscribed to %s news." % org]),
              "Unsubscribe | Update your preferences | View in browser",
              "%s, %d %s Road, %s" % (org.split(".")[0].capitalize(), c.num(1, 99), c.pick(LAST), c.pick(CITIES))]
    return dict(subject=c.pick(["%s: %s" % (org.split(".")[0].capitalize(), heads[0]), heads[0],
                                "Newsletter %s" % c.pick(["#%d" % c.num(10, 200), "- April", "- autumn edition"])]),
                paras=paras, links=links, footer=footer)


def t_list_post(c, me):
    lst = c.pick(["users", "devel", "announce", "gardening", "photo-club", "climbers"])
    paras = ["On %s, %s wrote:" % (c.pick(["Mon", "Tue", "Wed"]), c.pick(FIRST))] + \
        ["> " + lorem_sentence(c) for _ in range(c.num(1, 4))] + \
        [lorem_sentence(c) + " " + lorem_sentence(c), "-- ", me]
    footer = ["_______________________________________________",
              "%s mailing list" % lst, "%s@lists.example.org" % lst,
              "https://lists.example.org/mailman/listinfo/%s" % lst]
    return dict(subject="[%s] %s" % (lst, c.pick(["Re: ", ""]) + c.pick(["config question", "meetup on Saturday",
                                                                          "release 2.1 testing", "new member intro"])),
                paras=paras + footer, links=[], lst=lst)


# ---- spam themes
def t_advance_fee(c):
    me = "%s %s" % (c.pick(["Barrister", "Dr.", "Mrs.", "Mr.", "Engr.", "Prince"]), c.pick(["James Okoro", "Amina Diallo",
                                                                                              "Peter Mensah", "Grace Bello"]))
    amt = money(c)
    bank = c.pick(["Central Bank of %s" % c.pick(["Nigeria", "Ghana", "Benin"]), "an international bank in Ivory Coast",
                   "a security company in Burkina Faso", "the Apex Bank"])
    pool = [
        "Dear Friend,",
        "Dear Beneficiary,",
        "I am %s, a personal attorney to the late %s, who died in a car accident with his wife and only daughter."
        % (me, c.pick(["Mr. Robert Hale", "Engr. Samuel Ade", "Dr. Henri Kone"])),
        "My late client left the sum of %s in a dormant account with %s." % (amt, bank),
        "I am contacting you because you share the same surname and I want to present you as the next of kin.",
        "This transaction is 100% risk free and will be handled with strict confidentiality.",
        "You will receive 40% of the total sum for your assistance, 50% for me and 10% for expenses.",
        "Kindly reply to my private email address with your full name, direct telephone number and address.",
        "Please treat this proposal as strictly confidential, it is a secret arrangement between us.",
        "The funds will be released to your foreign account once the affidavit of claim is approved.",
        "I am a widow suffering from cancer and my doctor says I have only a few months to live.",
        "I want you to use this money for charity and orphans in your country, God gives a second chance.",
        "The consignment box containing the funds is held by a diplomatic courier service.",
        "Your fund will be paid via ATM card and sent by courier company once you pay the delivery fee.",
        "Reply urgently so that we can begin the transfer of the funds to your account.",
        "I need your honest cooperation to secure the funds and invest them in your country.",
        "My father was poisoned by his business associates and before his death he told me about the money.",
        "I got your contact from the international business directory and decided to contact you.",
    ]
    paras = [pool[0] if c.chance(0.6) else pool[1]] + c.r.sample(pool[2:], c.num(2, 6)) + \
        from_pool(c, X419, 2, 6) + ["Yours faithfully,", me]
    c.r.shuffle(paras)
    if c.chance(0.1):
        paras = FBI + paras
    subj = c.pick(["URGENT ASSISTANCE NEEDED", "Very Urgent Business Proposal", "CONFIDENTIAL", "Dear Friend",
                   "Inheritance claim", "From the desk of %s" % me, "Re: your fund", "Good day to you",
                   "ATTENTION: BENEFICIARY", "Urgent response needed"])
    return dict(subject=subj, paras=paras, links=[], reply_freemail=True)


def t_lottery(c):
    tick = "%s/%d/%s" % (c.alnum(4, "ABCDEFGHJKLMNPQRSTUVWXYZ"), c.num(1000, 9999), c.num(10, 99))
    pool = [
        "Dear Winner,",
        "Congratulations! Your email address has won %s in the %s Online Lottery draw held on %s."
        % (money(c), c.pick(["Euro Millions", "International", "Microsoft", "UK National"]), c.pick(["Monday", "May 3"])),
        "Your email was selected by a computer ballot system from over 50,000 companies and individuals.",
        "Ticket number: %s   Lucky number: %d-%d-%d   Batch number: %d" % (tick, c.num(1, 49), c.num(1, 49),
                                                                         c.num(1, 49), c.num(100, 999)),
        "To claim your prize please contact our claims agent with your winning information.",
        "You are advised to keep your winning details confidential until your claim is processed.",
        "Fill this form: Your Full Name: ________ Your Address: ________ Your Phone Number: ________ "
        "Your Occupation: ________ Your Age: ________",
        "Collect your prize before the deadline or the funds will be returned to the lottery commission.",
        "We are pleased to inform you that you are one of the lucky winners of this year's promotion.",
        "Note: a processing fee is required before the release of your winning payment.",
    ]
    paras = c.r.sample(pool, c.num(2, 6)) + from_pool(c, XLOTTO, 2, 5)
    c.r.shuffle(paras)
    paras.append("Sincerely,\n%s\nClaims Agent / Fiduciary Officer" % c.pick(["Mrs. Helen Grant", "Dr. Paul Vries"]))
    subj = c.pick(["CONGRATULATIONS YOU HAVE WON!!!", "Winning Notification", "Your email has won",
                   "Award Notification - Claim your prize", "Lucky Winner", "Final Notice: unclaimed prize"])
    return dict(subject=subj, paras=paras, links=[], reply_freemail=True)


def t_pharmacy(c, dom):
    drug = c.pick(["Viagra", "Cialis", "Levitra", "Xanax", "Valium", "Tramadol", "Phentermine", "Ambien", "Soma"])
    shown = obfuscate(c, drug) if c.chance(0.6) else drug
    pool = [
        "Buy %s online - no prescription needed!" % shown,
        "%s from %s per pill, discreet shipping worldwide." % (shown, money(c, False)),
        "Online Pharmacy: quality meds at affordable low prices, %s, %s, %s." % (
            obfuscate(c, "Viagra"), obfuscate(c, "Cialis"), c.pick(["Levitra", "Valium", "Xanax"])),
        "No medical exam, no doctor visit, 100% satisfaction or your money back guarantee.",
        "Increase your stamina and performance with our male enhancement formula.",
        "Lose weight fast without dieting: burn fat and lose 20 pounds in 30 days.",
        "Generic %s: 10 pills $%d, 30 pills $%d, 90 pills $%d." % (drug, c.num(20, 40), c.num(50, 90), c.num(100, 200)),
        "Erectile dysfunction? Premature ejaculation? Our doctors can help.",
        "Save up to 80% compared to your local drugstore. Order now!",
        "FDA approved quality medications shipped overnight in a plain package.",
    ]
    paras = c.r.sample(pool, c.num(2, 5)) + from_pool(c, XPHARMA, 1, 4)
    c.r.shuffle(paras)
    links = [("http://%s/%s" % (dom, c.pick(["shop", "rx", "order.php?id=%d" % c.num(1, 9999), "meds/"])),
              c.pick(["Order here", "CLICK HERE", "Visit our online pharmacy", "http://%s/" % dom]))]
    subj = c.pick(["%s %s" % (shown, c.pick(["50% OFF", "cheap", "online", "no prescription"])),
                   "Best prices on %s" % shown, "RE: your %s order" % drug.lower(), "Pharmacy discount",
                   "%s - %s" % (obfuscate(c, "Viagra"), obfuscate(c, "Cialis")), "Feel 20 again"])
    return dict(subject=subj, paras=paras, links=links)


def t_stock(c, dom):
    tick = "%s.%s" % (c.alnum(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), c.pick(["PK", "OB"]))
    price = "%d cents" % c.num(5, 60)
    pool = [
        "Symbol: %s  Current Price: $0.%02d  Short Term Target: $%d.%02d" % (tick, c.num(5, 60), c.num(1, 4), c.num(0, 99)),
        "This stock is about to explode! Our analysts believe the share price will triple this week.",
        "Buy %s first thing Monday morning before the news breaks." % tick,
        "Trading at a bargain right now, grab it for less than %s." % price,
        "We recommend this company as our stock of the year: strong cash flow and a steady course.",
        "Get in now and watch your investment multiply; this could make you thousands.",
        "Hot stock tip: shares could go up by more than 300% after the announcement.",
        "This newsletter is a paid advertisement and not investment advice.",
        "Long term projected price: $%d.00" % c.num(3, 9),
    ]
    paras = c.r.sample(pool, c.num(3, 7))
    return dict(subject=c.pick(["%s ready to soar" % tick, "STOCK ALERT: %s" % tick, "Hot pick for Monday",
                                "Don't miss this one", "Investor alert"]), paras=paras,
                links=[("http://%s/%s" % (dom, tick.lower()), "Full report")])


def t_phish(c, brand, dom, you_addr):
    acct = c.pick(["account", "online banking profile", "mailbox", "Apple ID", "wallet"])
    pool = [
        "Dear %s," % c.pick(["Customer", "Valued Member", "User", "Client", "Account Holder", "webmail user"]),
        "We detected unusual activity on your %s and it has been temporarily suspended." % acct,
        "To restore access, please verify your account information within 24 hours.",
        "Failure to confirm your identity will result in permanent deactivation of your account.",
        "Your mailbox is almost full. Messages pending delivery will be deleted; please validate your mailbox.",
        "We noticed multiple unsuccessful login attempts from an unknown device.",
        "For your security, update your billing information and confirm your password.",
        "Click the link below to sign in and complete the verification process.",
        "Your password is due for expiration; keep your current password by confirming now.",
        "This is an automated message from the Security Department. Please do not reply.",
        "Your email account %s has been accessed from an unrecognised location." % you_addr,
    ]
    paras = [pool[0]] + c.r.sample(pool[1:], c.num(2, 5)) + from_pool(c, XPHISH, 1, 4) + ["%s Security Team" % brand]
    shown = "https://www.%s.com/%s" % (brand.lower().replace(" ", ""), c.pick(["signin", "verify", "account/security"]))
    k = c.num(0, 5)
    if k == 0:
        href = "http://%s/%s/login.php" % (c.ip(), brand.lower())
    elif k == 1:
        href = "http://%s.com.%s/%s" % (brand.lower().replace(" ", ""), dom, c.alnum(10))
    elif k == 2:
        href = "https://%s/%s" % (c.pick(SHORTENERS), c.alnum(7, "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    elif k == 3:
        href = "http://%s-%s.%s/secure/?email=%s" % (brand.lower().replace(" ", ""), c.pick(["verify", "support", "login"]),
                                                     c.pick(SPAM_TLD), you_addr)
    elif k == 4:
        href = "https://storage.googleapis.com/%s/%s.html#%s" % (c.alnum(12), c.pick(["index", "login", "verify"]), you_addr)
    else:
        href = "http://%s.%s/wp-content/plugins/%s/verify.php" % (c.alnum(8), c.pick(["com", "net", "org"]), c.alnum(6))
    links = [(href, shown if c.chance(0.6) else c.pick(["Verify Now", "Restore Access", "Click here", "Log In"]))]
    subj = c.pick(["Your account has been suspended", "Security alert: unusual activity", "Action required: verify "
                   "your account", "Mailbox quota exceeded", "Notice: account limited", "Unauthorized access attempt",
                   "Your %s profile needs attention" % brand, "Final warning: account deactivation",
                   "Respond now: billing service problem", "Important security verification",
                   "Rewards survey: claim your $50", "Your payment has been sent", "Accounts profile update",
                   "Remove limitation on your account", "Security settings changes", "Message from the Bank",
                   "Consumer notice", "Dear valued member", "Online banking alert", "Online department notice",
                   "Question from a member", "Verify access to your mailbox", "Notice:", "Suspended access"])
    return dict(subject=subj, paras=paras, links=links)


def t_marketing(c, dom):
    prod = c.pick(["home warranty", "solar panels", "car insurance", "mortgage refinance", "online degree",
                   "debt relief", "credit repair", "keto diet pills", "teeth whitening kit", "VPN service",
                   "life insurance", "business loan"])
    pool = [
        "ACT NOW! This limited time offer expires at midnight.",
        "100% GUARANTEED results or your money back guarantee - no questions asked!",
        "Get your FREE quote instantly, no obligation, no credit check.",
        "Eliminate bad credit and get rid of your debt in 30 days.",
        "You have been pre-approved for a low interest %s." % prod,
        "Join thousands of satisfied customers who already save hundreds every month.",
        "Click here to claim your free gift card worth $%d!" % c.pick([100, 250, 500, 1000]),
        "This is not spam. You are receiving this email because you opted in to receive special offers.",
        "To be removed from our mailing list, please reply with REMOVE in the subject line.",
        "If you no longer wish to receive these emails, click here to unsubscribe.",
        "Why pay more? Compare prices and save up to 70%% on %s today." % prod,
        "Once in a lifetime opportunity: a one time investment with guaranteed returns!!!",
        "Work from home and earn $%d a day with no experience required." % c.pick([300, 500, 800]),
        "Double your income in weeks with this passive income system, without any effort.",
        "Dear Sir/Madam, we are a leading manufacturer of LED lighting in China and we can offer competitive prices.",
        "We can put your website on the first page of Google with our SEO link building service.",
        "Our team does mobile app development and web design at affordable prices.",
        "Replica Rolex and designer watches from $%d, the best quality on the market." % c.num(60, 200),
        "Transform your life today: financial freedom is one click away.",
        "Special promotion for our valued customers: free shipping on all orders this week!!",
        "Don't delete this message! Call now toll free 1-800-%03d-%04d." % (c.num(200, 999), c.num(0, 9999)),
    ]
    paras = c.r.sample(pool, c.num(2, 6)) + from_pool(c, XMKT, 1, 4)
    c.r.shuffle(paras)
    opt = c.pick(["remove", "optout", "quit", "stop", "leave", "unsub"])
    links = [("http://%s/%s?id=%s" % (dom, c.pick(["offer", "go", "land/", "click"]), c.alnum(12)),
              c.pick(["Click Here", "CLICK HERE NOW", "Get Started", "Claim Now", "Learn more"])),
             ("http://%s.%s/?e=%s" % (opt, dom, c.alnum(10)), "unsubscribe")]
    subj = c.pick(["ACT NOW: %s" % prod, "FREE %s quote" % prod, "You've been approved!", "Limited Time Offer!!!",
                   "Save big on %s" % prod, "Last chance!", "GUARANTEED %s" % prod, "Re: your request",
                   "ADV: %s" % prod, "Lose weight fast", "Exclusive deal for you", "$%d,000 for you" % c.num(1, 9),
                   "Your free gift is waiting", "Buy cheap %s now" % prod, "As Seen On TV: %s" % prod,
                   "Protect Your Family today", "Wipe out your debt", "USB flash drives at factory prices",
                   "Advertisement: %s" % prod, "Order #%dXZ confirmed" % c.num(10, 999), "ch3ap pr1ces today",
                   "Get 50% off sUpplements"])
    return dict(subject=subj, paras=paras, links=links, bulk=True)


def t_sextortion(c, you_addr):
    btc = "1" + c.alnum(33, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    if c.chance(0.4):
        btc = "bc1q" + c.alnum(38, "acdefghjklmnpqrstuvwxyz234567890")
    pool = [
        "Hello, my victim. I am a hacker who has access to your device.",
        "I installed malware on your computer while you visited a website a few months ago.",
        "I have recorded you through your webcam and I have access to all your contacts.",
        "Send $%d in Bitcoin to the wallet below and I will destroy all the data." % c.pick([950, 1200, 1650]),
        "BTC wallet: %s" % btc,
        "You have 48 hours from the moment you open this email.",
        "Do not try to contact the police, I will know it immediately.",
        "Your password was %s, I know it and I changed it." % c.alnum(8),
    ]
    paras = c.r.sample(pool, c.num(3, 6)) + from_pool(c, CRYPTO, 1, 3)
    if not any(btc in p for p in paras):
        paras.append(btc)
    return dict(subject=c.pick(["%s" % you_addr, "Security notice", "You have 48 hours", "Your account is hacked"]),
                paras=paras, links=[])


# ---- extra phrase pools: each spam theme draws a few of its own
X419 = [
    "My name is Mrs. {n}, the wife of the late minister of finance; after my husband's death I inherited his fortune.",
    "The total sum will be shared in the agreed ratio of 60/40 between us.",
    "I am writing from the desk of the Director, Foreign Remittance Department, Central Bank of Nigeria.",
    "We discovered a dormant account belonging to a deceased customer who died in the plane crash.",
    "Nobody has come to claim this money since he died in 2019; can you be my partner in this deal?",
    "I will give you 30% of the total fund for your assistance and honest cooperation.",
    "The United Nations compensation unit has approved your payment of {amt}.",
    "Send me your bank information so that the funds can be transferred to your account without delay.",
    "This business is legitimate and it is 100% legal, there is no risk involved.",
    "The funds are packed in a trunk box and deposited with a security company as family valuables.",
    "My lawyer will furnish you with all the vital documents and the affidavit of claim.",
    "I am contacting you because I want you to stand as the beneficiary of the fund.",
    "As a foreigner you are in the best position to receive the money on our behalf.",
    "The over-invoiced contract sum was kept in a suspense account at the apex bank.",
    "Please do not betray my confidence, this transaction requires absolute secrecy.",
    "After receiving the money I will come to your country to invest in a lucrative business.",
    "My doctor told me that I will not last long due to my cancer, and I want to donate this money to charity.",
    "The son of the late president, who was assassinated by rebels, needs a foreign business partner.",
    "Contact my barrister via his private email and mention the reference number of the inheritance payment.",
    "You will need to pay the delivery fee and the security keeping charges before release.",
    "I found your email in a random selection and I believe you are an honest person.",
    "The African Union and the government of Benin have authorised this release of funds.",
    "Reply to my personal email at {fm} for more details about the sum of {amt}.",
    "We are pleased to inform you that your cashier's check will be delivered by diplomatic courier.",
    "This is not a scam; I am a God fearing woman and I need your help to claim this money.",
]
XLOTTO = [
    "Your e-mail address just won the sum of {amt} in our international promotion draw.",
    "We happily announce to you the draw of the Euro Millions e-mail lottery international programme.",
    "Congratulations to your success; this is a category A winner of our online sweepstake.",
    "Your winning information: reference number {ref}, serial number {ser}.",
    "Please contact the claims processing department to make your claim.",
    "To avoid double claiming, keep this award notification from the public.",
    "The cash prize of {amt} will be released after verification of your winning numbers.",
    "Your details were selected at random by a computer ballot from a list of e-mail addresses worldwide.",
    "This promotion was organised by the lottery commission to encourage the use of the internet.",
    "Que ha ganado! Su direccion de correo electronico ha sido seleccionada.",
    "For clarification and procedure of payout, contact our fiduciary agent immediately.",
    "Due to unexpected luck you are one of the ten lucky winners of this quarter.",
    "Your winning payment will be transferred by wire transfer or cheque, whichever you prefer.",
    "Pleased to inform you that your lucky numbers fell within our European booklet.",
]
XPHISH = [
    "Your account has been placed on restricted status until the verification is complete.",
    "We are unable to verify your account information; your account may be suspended.",
    "Your web mail account has exceeded its storage quota, upgrade your mailbox to continue receiving messages.",
    "To avoid losing access to your email account, re-validate your mailbox now.",
    "You have {k} pending messages that could not be delivered; release messages by logging in.",
    "Your ACH payment was rejected by the bank; review the transaction details below.",
    "We have noticed a suspicion login on your profile and locked it for your protection.",
    "This is to protect the safety of your account and your personal information.",
    "Dear online bank customer, please confirm your records to keep using our services.",
    "Your password upgrade is required by the IT Help Desk before the end of the day.",
    "Expiration notice: your mailbox password expires today.",
    "To guarantee the safety of your online banking account we need you to update your details.",
    "Multiple password failures were detected on your account.",
    "Kindly review the attached document and sign in to view the secure message.",
    "Please download the attachment to see the invoice for your recent payment.",
    "Your account will be deactivated and you will lose all your messages in the mailbox.",
    "Our records indicate that you have been charged twice; you are eligible for a refund payment.",
    "The e-mail administrator has scheduled a clean-up of your mailbox.",
]
XPHARMA_DRUGS = ["Sildenafil", "Tadalafil", "Alprazolam", "Diazepam", "Ativan", "Lorazepam", "Klonopin",
                 "Hydrocodone", "Vicodin", "Norco", "Ultram", "Carisoprodol", "Flexeril", "Fioricet", "Celebrex",
                 "Meridia", "Xenical", "Adipex", "Didrex", "Bontril", "Restoril", "Sonata", "Vioxx", "Codeine",
                 "Ambien", "Propecia", "Zanaflex", "Skelaxin", "Darvon", "Halcion"]
XPHARMA = [
    "Male enhancement pills that increase the size of your manhood by three inches.",
    "Enlarge your penis naturally with our herbal formula, thousands of satisfied men.",
    "No prescription required: {d1}, {d2}, {d3} and more delivered to your door.",
    "Quality medications for less: {d1} only {p} per pill.",
    "Our online drugstore offers {d1} and {d2} at the lowest price guaranteed!",
    "Impotence solution and cure for erectile problems, order discreetly online.",
    "Tablets: {d1} 100mg x 30 = ${n}, {d2} 20mg x 60 = ${m}.",
    "Power male formula: more stamina, more sex drive, better performance.",
    "Lose up to 30 lbs with {d1}, no exercise needed!",
    "Visit our Online Pharmacy for free pills with every order.",
]
XMKT = [
    "Dear Sir or Madam, we are a China based manufacturer of packaging machines with 20 years of experience.",
    "Here are new products: our company has just launched a new range of solar lights.",
    "We can help you get more sales leads for your business with our email marketing campaign.",
    "Are you losing your ranking on Google? We guarantee you 1st page results.",
    "This offer is only for United States residents over 18.",
    "You're pre-approved! Apply today, no credit history needed.",
    "Free instant online quote, no obligation: compare the best rates now.",
    "Last day of the $50 bonus offer - do not miss out!",
    "Make an extra dollar every day with this perfect binary option system.",
    "The day I joined I earned $430 without leaving my house.",
    "You will receive a bonus of $100 when you sign up today.",
    "Reply with your delivery address and we will ship your free sample.",
    "Our products are in stock and ready to ship right away from our warehouse.",
    "Get a free quote on auto accident claims from a local attorney.",
    "Bad credit? We can repair your credit score in 30 days, guaranteed!",
    "Lowest prices on replica Rolex, Omega and other luxury watches.",
    "Financially free in 90 days - join thousands who already quit their jobs.",
    "The advertiser does not manage your subscription. To change your ad preferences visit the link.",
    "If you are having trouble viewing this email, please click here to view it in your browser.",
    "Can't see the images? Open this message in your web browser.",
    "This message contains an HTML formatted message but your email client does not support HTML.",
    "Copy and paste the link into your browser if the button does not work.",
    "This is an ad-mail. To be removed, please reply with remove in the subject.",
    "For sale: 2019 boat with trailer, price: $18,500 or best offer.",
    "Price: $1,250.00 NET, ready for immediate delivery.",
    "Join millions of happy customers - low Price, high quality!",
    "Transform your life with this online course and start earning passive income.",
]
DATING = [
    "Hi,", "I am 25 and I live not far from you.", "I drive a small red car and love weekend trips.",
    "Maybe we can meet each other for a coffee next week?", "Drop me a line at my personal email.",
    "Please write me at my private address, I don't check this one often.",
    "Email me directly at the address below, I'm waiting for your photo.",
    "I am coming to your city next month for work.", "I was let go from a job I held for 21 years and now I "
    "work from home.", "Taking home 5 figures in 3 months was easier than I thought.",
    "It gives me a real financial advantage over my old job.", "My old job never paid this well.",
    "Correspond with me using my email so we can talk more freely.",
]
CRYPTO = [
    "Buy Monero (XMR) and Bitcoin at the best rates on our exchange.",
    "Send the payment in B-i-t-c-o-i-n to the wallet below within 48 hours.",
    "I will destroy you and your reputation if you do not pay.",
    "Leaving your home without your phone will not help you; I can see your screen and microphone.",
    "Trade with us on Paxful: no verification, instant release.",
    "Your Trust Wallet has been flagged, verify your recovery phrase to keep your funds.",
    "Litecoin address: L{ltc}",
]
TRAVEL = [
    "Your travel itinerary for the business travel to {city} is attached.",
    "Reservation confirmed: reservation number {ref}.",
    "Please check your traveler profile before the trip; the travel agent needs your passport number.",
    "Your current itinerary includes two flights and a hotel night in {city}.",
]
FBI = [
    "FEDERAL BUREAU OF INVESTIGATION",
    "Anti-Terrorist and Monetary Crimes Division, Washington DC.",
    "We have been informed that you are the beneficiary of an inheritance payment that was delayed.",
    "Failure to comply will result in your arrest; contact the office immediately.",
]

# ---- odds and ends any spam may carry (obfuscated brands test replace_tags)
MISC = [
    "Results guaranteed! Satisfaction guaranteed!", "This offer complies with all banking laws.",
    "A ONE BILLION DOLLAR market is waiting.", "Enlarge your penis by three inches in weeks.",
    "Bigger, longer and thicker: breast enlargement without surgery.", "ViagraCialis combo pack at half price.",
    "Generic sildenafil citrate 100mg.", "Excess Return Capital Profits for early investors.", "Genuine *rolex* copies.",
    "To Be Removed, Please reply to this message.", "To be removed from future mailings, click below.",
    "Get a free instant online quote for your car.", "Log in to your P4yPal account.", "Your Amaz0n order is on hold.",
    "Micr0soft support has detected a virus.", "Your Fac3book page was reported.", "Unsubscr1be from this list.",
    "Read our Pr1vacy policy.", "Pr0motion ends tonight.", "Huge Sav1ngs on all items.", "Your crypto Wa11et is locked.",
    "Earn B1tcoin daily.", "Works on Andr0id and iPhone.", "Update your Br0wser now.", "Your N0rton subscription expired.",
    "0verstock clearance sale.", "C1ick here to claim.", "Cr3dit approved instantly.", "Win a Mi11ion today.",
    "Lowest Pr1ces online.", "Your trusted Ph@rmacy.", "Cheap Xan@x overnight.", "Quality at a low Price.",
    "5 Million US$ is waiting for you.", "This email is not spam: you requested information.",
    "In our warehouse now: Ready to ship today!", "Not interested? http://unsubscribe.example-offers.biz/r",
    "The advertiser does not manage your subscription.", "you may unsubscribe by clicking here or by writing to us",
    "Congratulations, you're approved for $5,000.", "Only 250US per month.", "Increase the size of your manhood.",
    "Please verify your online account records.", "\u201c\u201cspecial\u201d\u201d price", "Reply to this email with your "
    "full name and delivery address.", "Your account access has been suspended.", "Ensure your account is not "
    "disrupted.", "Your account appears to be invalid.", "Restore your account access now.",
    "Make your email account more secure.", "Your ACH payment was cancelled.", "Your direct deposit was declined.",
    "The wire transfer was rejected due to a technical error.", "This ad-mail was sent to you.", "Call +44 70 %d %d.",
    "The African Union fund office.", "The agreed ratio is 60/40.", "Injured in an auto accident? Call us.",
    "A mutually beneficial relationship.", "Funds held in Benin.", "We will send your ad to 10,000,000 email addresses.",
    "Last day of the bonus offer!", "Send b i t c o i n to the wallet.", "Can't see this email? View it online.",
    "Having trouble viewing our message? Please click here.", "A cash prize of $50,000 is yours.",
    "Your mailbox quota size is full: email clean-up required.", "You will receive compensation.",
    "Contact my lawyer for details.", "Copy and paste this link into your browser.", "Kopieren Sie es und fügen Sie es ein.",
    "Copie y pegue: copiarlo y pegarlo en el navegador.", "Le copier et le coller dans votre navigateur.",
    "The first day I earned $650 from home.", "I will destroy you.", "Hunt me if you can.",
    "Download the attached file to continue.", "After his untimely death the account was frozen.",
    "We found your profile online.", "Fraud prevention team.", "Our company has recently launched new products.",
    "A lucrative opportunity.", "My fortune will go to you.", "Not a scam, 100% legit.", "Sent on our behalf.",
    "Pay me in gift cards.", "We can pay you weekly.", "The sum of fund is ready.", "Please review the attached invoice.",
    "Randomly selected from our customers.", "Release messages held by the server.", "Survey: win an iPhone.",
    "Confirm your mailbox at the Security Department.", "Your personal information was leaked.",
    "I recorded you from your screen and webcam.", "Your bank information is required.",
    "Your consignment is held at the airport.", "Your permission is needed to proceed.",
    "Collect your profit today.", "Next of kin claim.", "Trust Wallet security alert.", "Wells Farg0 online.",
    "Monero (XMR) accepted.", "Paxful exchange.", "Dr. Oz recommends this.", "You could win a car.",
    "You've won a gift card.", "You were selected as a winner.", "I won the lottery last year.",
]


# ---- foreign-language texts (written for this corpus)
FOREIGN = {
    "de": ("Hallo {n},\n\nvielen Dank für deine Nachricht. Können wir uns am Donnerstag um 15 Uhr im Büro treffen? "
           "Ich bringe die Unterlagen für das Projekt mit und wir gehen die Änderungen gemeinsam durch.\n\n"
           "Viele Grüße\n{m}", "Treffen am Donnerstag", ["iso-8859-1", "utf-8"]),
    "fr": ("Bonjour {n},\n\nMerci pour ton message. Est-ce qu'on se voit samedi au marché ? J'ai réservé une table "
           "pour huit heures au restaurant près de la gare. À très bientôt, et embrasse les enfants.\n\n{m}",
           "Samedi soir", ["iso-8859-1", "utf-8", "windows-1252"]),
    "es": ("Hola {n}:\n\nTe envío el presupuesto actualizado para la reforma de la cocina. ¿Podemos hablarlo "
           "mañana por teléfono? El fontanero puede empezar el lunes.\n\nUn saludo,\n{m}", "Presupuesto de la cocina",
           ["iso-8859-1", "utf-8"]),
    "ru": ("Здравствуйте, {n}!\n\nНаправляю вам счёт за сентябрь и акт выполненных работ. Прошу подтвердить "
           "получение документов и сообщить, если нужны исправления.\n\nС уважением,\n{m}", "Счёт и акт за сентябрь",
           ["windows-1251", "koi8-r", "utf-8"]),
    "ja": ("{n}様\n\nいつもお世話になっております。来週の打ち合わせの件ですが、水曜日の午後二時からでいかがでしょうか。"
           "資料は前日までにお送りします。\n\nよろしくお願いいたします。\n{m}", "打ち合わせの日程について",
           ["iso-2022-jp", "utf-8"]),
    "zh": ("{n}，你好：\n\n附件是本月的销售报表，请查收。如有问题请随时与我联系。下周一的会议改到下午三点。\n\n谢谢！\n{m}",
           "本月销售报表", ["gb2312", "utf-8"]),
}
FOREIGN_SPAM = {
    "ru": ("Уважаемые коллеги!\n\nПриглашаем вас на семинар «Налоговые изменения 2024 года». Скидка 30% при "
           "регистрации до пятницы! Количество мест ограничено.\n\nЗвоните прямо сейчас: +7 (495) {p}\n"
           "Если вы не хотите получать наши письма, ответьте с темой «отписаться».", "Семинар: налоги 2024 — скидка 30%",
           ["windows-1251", "koi8-r"]),
    "zh": ("尊敬的客户：\n\n本公司可代开各地增值税发票，税点优惠，真票可查。欢迎来电咨询：{p}\n\n"
           "如不需要请删除本邮件，谢谢！", "代开发票 优惠", ["gb2312", "utf-8"]),
    "ja": ("【重要なお知らせ】\n\n今だけ無料！副業で月収百万円を実現する方法を公開中です。\n"
           "今すぐ登録してください。先着百名様限定です。\n\n配信停止はこちらから", "【無料】副業で月収百万円",
           ["iso-2022-jp"]),
    "de": ("Sehr geehrte Damen und Herren,\n\nSie haben gewonnen! Ihre E-Mail-Adresse wurde bei unserer "
           "Verlosung ausgewählt. Fordern Sie jetzt Ihren Gewinn von 250.000 Euro an, kostenlos und ohne Risiko!\n\n"
           "Mit freundlichen Grüßen\nGewinnabteilung", "Herzlichen Glückwunsch! Sie haben gewonnen",
           ["iso-8859-1", "utf-8"]),
}


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------
def spam_url(c, dom, rcpt):
    """A link of one of many shapes that URI rules look at."""
    a = c.alnum
    k = c.num(0, 40)
    if k == 0:
        return "HTTP://%s/%s" % (dom, a(6))
    if k == 1:
        return "http://%d%s%d.%s/" % (c.num(1, 9), c.hexs(5).replace("a", "1").replace("b", "2"), c.num(1, 9), dom)
    if k == 2:
        return "http://%s/unsub/%s" % (dom, a(10))
    if k == 3:
        return "http://%s/report/%s" % (dom, a(8))
    if k == 4:
        return "http://%s/wp-admin/includes/%s.php" % (dom, a(6))
    if k == 5:
        return "http://%s/wp-includes/js/%s.html" % (dom, a(6))
    if k == 6:
        return "http://%s/wp-content/uploads/%d/" % (dom, c.num(2019, 2024))
    if k == 7:
        return "http://%s/redirect.php?url=http://%s/%s" % (dom, c.spam_domain(), a(6))
    if k == 8:
        return "https://%s.web.app/%s" % (a(10), a(5))
    if k == 9:
        return "https://%s-%s.firebaseapp.com/%s.html" % (a(6), a(4), a(6))
    if k == 10:
        return "https://docs.google.com/forms/d/e/%s/viewform?usp=sf_link" % a(56, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    if k == 11:
        return "https://drive.google.com/file/d/%s/view?usp=sharing" % a(33)
    if k == 12:
        return "https://storage.googleapis.com/%s/%s.%s" % (a(14), a(8), c.pick(["png", "html", "jpg"]))
    if k == 13:
        return "http://u%d.ct.sendgrid.net/ls/click?upn=%s" % (c.num(1000, 99999999), a(60))
    if k == 14:
        return "https://i.imgur.com/%s.jpg" % a(7)
    if k == 15:
        return "https://cloudflare-ipfs.com/ipfs/%s" % a(46)
    if k == 16:
        return "http://%s.%s.%s.%s.%s.%s.%s/" % (a(3), a(4), a(3), a(5), a(3), a(4), dom)
    if k == 17:
        return "http://%s/%s" % (dom, a(130, "abcdefghijklmnopqrstuvwxyz"))
    if k == 18:
        return "http://%s/?%s" % (dom, a(c.num(46, 70)))
    if k == 19:
        return "http://%s-gov.com/claim/%s" % (c.pick(["treasury", "refund", "irs"]), a(6))
    if k == 20:
        return "data:text/html;base64,%s" % base64.b64encode(b"<script>location='http://x/'</script>").decode()
    if k == 21:
        return "http://%s/pay/%s/" % (dom, "1" + a(33, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
    if k == 22:
        w = a(c.num(7, 10), "abcdefghijklmnopqrstuvwxyz")
        return "http://%s.%s.com/%s" % (w, w, a(5))
    if k == 23:
        return "https://www.amazon.com/dp/B0%s/" % a(8, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
    if k == 24:
        return "http://%s/cgi-bin/click.cgi?id=%d" % (c.ip(), c.num(1, 99999))
    if k == 25:
        return "https://%s.livefilestore.com/%s/doc.pdf" % (a(8), a(20))
    if k == 26:
        return "https://www.google.com/url?sa=t&url=http://%s/download/%s" % (dom, a(6))
    if k == 27:
        return "http://%s/1a8%s/C/%s" % (dom, a(24), a(6))
    if k == 28:
        return "http://%s/%s%s" % (dom, c.pick(["chd", "mhd", "uhd"]), a(24))
    if k == 29:
        return "http://%s/php/off/%d.%d/%s/" % (dom, c.num(1, 9), c.num(0, 9), c.pick(["sub", "top"]))
    if k == 30:
        return "http://%s/%d/%d/%d/%d/%d.%s.php" % (dom, c.num(1, 99), c.num(1, 99), c.num(1, 99), c.num(1, 99),
                                                   c.num(1, 99), a(4))
    if k == 31:
        return "http://%s/r/move/%d/" % (dom, c.num(1000, 99999))
    if k == 32:
        return "http://%s/%s.php" % (dom, a(55, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    if k == 33:
        return "http://%s/%s" % (dom, c.pick(["outl", "outi", "land/%s" % a(4)]))
    if k == 34:
        return "http://%s.%s.%s/" % (c.pick(["get", "try", "start", "save", "visit"]), a(7), c.pick(["us", "me", "club"]))
    if k == 35:
        return "https://%s.%s.cloudapp.azure.com/%s" % (a(9), c.pick(["eastus", "westeurope"]), a(6))
    if k == 36:
        return "https://branchlink.adobespark.com/%s" % a(10)
    if k == 37:
        return "https://%s.googleusercontent.com/proxy/%s" % (c.pick(["lh3", "ci4", "ci6"]), a(40))
    if k == 38:
        return "https://%s/%s/index.html#%s" % (dom, a(8), rcpt)
    if k == 39:
        return "http://%s.edu/%s/%s.php" % (a(6), c.pick(["~staff", "images", "files"]), a(5))
    return "http://%s/%s/%s.gif" % (dom, a(50, "abcdefghijklmnopqrstuvwxyz0123456789"), a(4))


def ham_url(c):
    a = c.alnum
    return c.pick([
        "https://docs.google.com/document/d/%s/edit?usp=sharing" % a(44),
        "https://drive.google.com/drive/folders/%s" % a(33),
        "https://www.youtube.com/watch?v=%s" % a(11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        "https://upload.wikimedia.org/wikipedia/commons/%s/%s/%s.jpg" % (a(1, "0123456789abcdef"), a(2, "0123456789abcdef"),
                                                                       c.pick(["Harbour", "Old_town", "Mountain_lake"])),
        "https://cdn.shopify.com/s/files/1/%04d/%04d/products/%s.png" % (c.num(0, 9999), c.num(0, 9999), a(8)),
        "https://www.%s.edu/events/%s" % (c.pick(["uni-example", "stateu", "techinst"]), a(6)),
        "https://www.%s.gov/forms/%s" % (c.pick(["tax", "transport", "census"]), a(5)),
        "https://us02web.zoom.us/j/%d?pwd=%s" % (c.num(10 ** 9, 10 ** 10), a(32)),
        "https://github.com/%s/%s/pull/%d" % (a(6), a(8), c.num(1, 999)),
        "https://maps.example.com/?q=%s" % c.pick(CITIES),
    ])


def extra_headers(c, spammy):
    """Optional headers of the kind header rules test for (existence, value)."""
    h = []
    if spammy:
        pool = [("X-IP", lambda: c.ip()), ("X-Mailer-LID", lambda: c.pick(["54,55,56,58,53", "61,62,60"])),
                ("X-Mailer-RecptId", lambda: str(c.num(10 ** 6, 10 ** 7))),
                ("X-Mailer-SID", lambda: str(c.num(100, 999))), ("X-Mailer-Sent-By", lambda: "1"),
                ("X-Campaignid", lambda: c.hexs(12)), ("X-CID", lambda: str(c.num(1000, 9999))),
                ("Complaint-To", lambda: "abuse@%s" % c.spam_domain()),
                ("Errors-To", lambda: "errors@%s" % c.spam_domain()),
                ("X-PHP-Originating-Script", lambda: c.pick(["1001:mailer.php", "33:class.phpmailer.php(%d) : "
                                                             "eval()'d code" % c.num(1, 999)])),
                ("X-PHP-Script", lambda: "www.%s/send.php for %s" % (c.spam_domain(), c.ip())),
                ("X-Source-Dir", lambda: "%s:/public_html" % c.spam_domain()),
                ("X-AntiAbuse", lambda: "This header was added to track abuse"),
                ("X-EBSERVER", lambda: "srv%d" % c.num(1, 9)), ("X-Letter", lambda: c.hexs(8)),
                ("X-No-Relay", lambda: "not in my network"),
                ("X-OutGoing-Spam-Status", lambda: "No, score=0.1"), ("X-Sender", lambda: c.alnum(8) + "@" + c.spam_domain()),
                ("Disposition-Notification-To", lambda: c.alnum(6) + "@" + c.spam_domain()),
                ("Return-Receipt-To", lambda: c.alnum(6) + "@" + c.spam_domain()),
                ("X-Confirm-Reading-To", lambda: c.alnum(6) + "@" + c.spam_domain()),
                ("X-Originating-IP", lambda: "[41.%d.%d.%d]" % (c.num(0, 255), c.num(0, 255), c.num(1, 254))),
                ("X-AOL-IP", lambda: c.ip()), ("Tracking-Code", lambda: c.hexs(10)), ("logid", lambda: c.hexs(12)),
                ("X-Forefront-Antispam-Report", lambda: "CIP:%s;CTRY:;SFV:SPM;SFS:(%d)" % (c.ip(), c.num(1000, 9999))),
                ("X-Antivirus", lambda: "avast! (VPS %d-0, %d)" % (c.num(100000, 999999), c.num(1, 28))),
                ("X-Company-Address", lambda: "%d Main St, %s" % (c.num(1, 999), c.pick(CITIES))),
                ("X-Spam-Checker-Version", lambda: "SpamAssassin 3.%d.%d" % (c.num(0, 4), c.num(0, 6))),
                ("X-%RND_UC_LETTER", lambda: "%RANDOM_WORD"),
                ("Mime-Subversion", lambda: "1.%d" % c.num(0, 9)),
                ("X-%s-%s" % (c.alnum(4, "abcdefghijklmnopqrstuvwxyz"), c.alnum(5, "abcdefghijklmnopqrstuvwxyz")),
                 lambda: c.alnum(10))]
        for name, fn in c.r.sample(pool, c.num(0, 3)):
            h.append((name, fn()))
    else:
        pool = [("Thread-Topic", lambda: "update"),
                ("Thread-Index", lambda: "A" + c.alnum(27, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + "w=="),
                ("X-MS-Has-Attach", lambda: ""), ("X-MS-TNEF-Correlator", lambda: ""),
                ("Accept-Language", lambda: c.pick(["en-US", "de-DE, en-US", "fr-FR"])),
                ("Content-Language", lambda: c.pick(["en-US", "de-DE", "en-GB"])),
                ("X-Originating-IP", lambda: "[%s]" % c.ip()), ("Organization", lambda: c.org_domain().split(".")[0].capitalize()),
                ("X-Loop", lambda: "support@%s" % c.org_domain()),
                ("X-Authenticated-Sender", lambda: "%s@%s" % (c.pick(FIRST).lower(), c.org_domain())),
                ("X-Originally-To", lambda: "%s@%s" % (c.pick(FIRST).lower(), c.org_domain())),
                ("Disposition-Notification-To", lambda: "%s@%s" % (c.pick(FIRST).lower(), c.org_domain())),
                ("X-Auto-Response-Suppress", lambda: "All"),
                ("DomainKey-Signature", lambda: "a=rsa-sha1; q=dns; c=nofws; s=s1; d=%s; b=%s" % (c.org_domain(), c.alnum(60)))]
        for name, fn in c.r.sample(pool, c.num(0, 2)):
            h.append((name, fn()))
    return h


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def entities(word):
    return "".join("&#%d;" % ord(ch) for ch in word)


def html_body(c, th, style, spam_feats):
    paras = th["paras"]
    links = th.get("links", [])
    out = []
    doctype = c.chance(0.6)
    if doctype:
        out.append('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                   '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')
    out.append("<html>")
    out.append('<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">')
    if c.chance(0.5):
        out.append("<title>%s</title>" % esc(th.get("subject", "")))
    if style in ("newsletter", "receipt") or c.chance(0.2):
        out.append("<style>body{font-family:Arial,sans-serif;color:#333}.btn{background:#0a66c2;color:#fff;"
                   "padding:10px 18px;text-decoration:none}</style>")
    out.append("</head>")
    out.append('<body%s>' % (' bgcolor="#ffffff"' if c.chance(0.3) else ""))
    if style == "image_only":
        img = "http://%s/images/%s.%s" % (th.get("dom", "img.example.net"), c.alnum(10), c.pick(["gif", "jpg", "png"]))
        href = links[0][0] if links else "http://%s/" % th.get("dom", "example.net")
        out.append('<center><a href="%s"><img src="%s" width="%d" height="%d" border="0"></a></center>'
                   % (href, img, c.pick([500, 600, 640]), c.pick([400, 700, 800])))
        if c.chance(0.5):
            out.append('<p><font size="1">%s</font></p>' % esc(lorem_sentence(c, 5)))
    elif style == "spam_font":
        out.append('<center><table width="%d" border="0" cellpadding="%d">' % (c.pick([500, 600]), c.num(2, 10)))
        for p in paras:
            tag = c.pick(['<font face="Arial" size="%d" color="#%s">' % (c.num(2, 5), c.pick(["FF0000", "000080",
                                                                                             "008000", "000000"])),
                          '<FONT face=Verdana size=%d>' % c.num(2, 4), '<FoNt color=red>', '<font size="+1">'])
            body = esc(p)
            if c.chance(0.3):
                body = "<b>%s</b>" % body
            out.append("<tr><td>%s%s</font></td></tr>" % (tag, body.replace("\n", "<br>")))
        out.append("</table></center>")
    elif style == "outlook":
        out.append('<div class="WordSection1">')
        for p in paras:
            out.append('<p class="MsoNormal">%s<o:p></o:p></p>' % esc(p).replace("\n", "<br>"))
        out.append("</div>")
    elif style in ("newsletter", "receipt"):
        out.append('<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">')
        out.append('<table width="600" cellpadding="12" style="border:1px solid #ddd">')
        if c.chance(0.7):
            out.append('<tr><td><img src="https://cdn.%s/logo.png" alt="logo" width="120" height="40"></td></tr>'
                       % th.get("dom", "example.org"))
        if style == "receipt" and th.get("table"):
            for p in paras[:2]:
                out.append("<tr><td>%s</td></tr>" % esc(p))
            out.append('<tr><td><table width="100%">')
            for name, price in th["table"]:
                out.append('<tr><td>%s</td><td align="right">$%.2f</td></tr>' % (esc(name), price))
            out.append("</table></td></tr>")
            for p in paras[2 + len(th["table"]):]:
                out.append("<tr><td>%s</td></tr>" % esc(p))
        else:
            for k, p in enumerate(paras):
                if k and k % 2 == 1:
                    out.append('<tr><td><h2 style="font-size:18px">%s</h2></td></tr>' % esc(p))
                else:
                    out.append("<tr><td style=\"padding:8px 24px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:22px;color:#333333;text-align:left;mso-line-height-rule:exactly\">%s</td></tr>" % esc(p))
    else:  # simple, Gmail-like
        out.append('<div dir="ltr">')
        for p in paras:
            out.append("<div>%s</div>" % esc(p).replace("\n", "<br>"))
            if c.chance(0.3):
                out.append("<div><br></div>")
        out.append("</div>")
    for href, text in links:
        if style == "image_only":
            break
        if c.chance(0.5) and style in ("newsletter", "receipt"):
            out.append('<p><a class="btn" href="%s" style="color:#fff">%s</a></p>' % (esc(href), esc(text)))
        else:
            out.append('<p><a href="%s">%s</a></p>' % (esc(href), esc(text)))
    # spam HTML features
    f = spam_feats
    if "hidden" in f:
        junk = " ".join(c.pick(LOREM) for _ in range(c.num(20, 60)))
        k = c.num(0, 4)
        if k == 0:
            out.append('<div style="display:none">%s</div>' % junk)
        elif k == 1:
            out.append('<span style="font-size:0px">%s</span>' % junk)
        elif k == 2:
            out.append('<font color="#ffffff" size="1">%s</font>' % junk)
        elif k == 3:
            out.append('<div style="position:absolute;top:-999px;left:-999px;">%s</div>' % junk)
        else:
            out.append('<p style="visibility: hidden">%s</p>' % junk)
    if "long_invis" in f:
        out.append('<div style="display:none">%s</div>' % c.alnum(1500, "abcdefghijklmnopqrstuvwxyz"))
    if "comment_obfu" in f:
        w = c.pick(["Viagra", "casino", "credit", "Cialis", "winner"])
        out.append("<p>%s<!-- %s -->%s now</p>" % (w[:2], c.alnum(6), w[2:]))
        out.append("<p>Get<!%s>ting rich</p>" % c.alnum(4))
    if "entities" in f:
        out.append("<p>%s %s</p>" % (entities(c.pick(["Viagra", "Bitcoin", "FREE MONEY", "password"])),
                                      entities("click here now")))
    if "spoof" in f:
        out.append('<p>Visit <a href="http://%s/%s">https://www.%s.com/account/%s</a></p>'
                   % (th.get("dom", "example.net"), c.alnum(8), c.pick(["paypal", "amazon", "apple", "chase",
                                                                         "wellsfargo", "netflix"]), c.alnum(6)))
    if "jsescape" in f:
        out.append('<script>document.write(unescape("%s"));</script>'
                   % "".join("%%%02x" % ord(ch) for ch in "<b>offer</b>"))
    if "mouseover" in f:
        out.append('<a href="http://%s/" onMouseOver="window.status=\'https://www.bank.example/\'; return true">Secure '
                   'login</a>' % th.get("dom", "example.net"))
    if "br_bonanza" in f:
        out.append("<br>" * c.num(30, 40))
    if "div_bonanza" in f:
        out.append("<div></div>\n" * c.num(10, 14))
    if "nonsense_tags" in f:
        out.append(" ".join("<%s>" % c.alnum(c.num(4, 7), "abcdefghijklmnopqrstuvwxyz") for _ in range(c.num(10, 14))))
    if "tiny_font" in f:
        out.append('<p style="font-size:2px;">%s</p>' % lorem_sentence(c))
        out.append('<font size="-3">%s</font>' % lorem_sentence(c))
    if "mixed_case" in f:
        out.append('<CeNtEr><FoNt face="Tahoma">%s</FoNt></CeNtEr>' % esc(lorem_sentence(c)))
        out.append('<ImG src="http://%s/x%s.gif" width="1" height="1">' % (th.get("dom", "example.net"), c.num(1, 99)))
    if "span_split" in f:
        w = c.pick(["pharmacy", "discount", "guaranteed", "account"])
        out.append("<p>Our %s<span style=\"color:#000\">%s</span>%s offer</p>" % (w[:3], w[3:5], w[5:]))
    if "shy" in f:
        out.append("<p>Your p&shy;a&shy;s&shy;s&shy;word will e&shy;x&shy;p&shy;i&shy;r&shy;e today.</p>")
    if "tracking" in f:
        out.append('<img src="https://t.%s/open/%s.gif?u=%s" width="1" height="1" alt="">'
                   % (th.get("dom", "example.net"), c.hexs(16), c.hexs(12)))
    if "data_uri" in f:
        out.append('<img src="data:image/png;base64,%s" alt="">' % base64.b64encode(png_bytes(2, 2, (9, 9, 9))).decode())
    if "letters" in f:
        w = c.pick(["VIAGRA", "CASINO", "CREDIT", "WINNER"])
        out.append("<table><tr>%s</tr></table>" % "".join("<td>%s</td>" % ch for ch in w))
    if "badattr" in f:
        out.append('<a target="_blank" /href="http://%s/%s">open</a>' % (th.get("dom", "example.net"), c.alnum(5)))
    if "href_empty" in f:
        out.append('<a href="">%s</a>' % esc(lorem_sentence(c, 3)))
    if "img_pair" in f:
        base = "http://%s/i/" % th.get("dom", "example.net")
        name = c.alnum(6, "abcdefghijklmnopqrstuvwxyz") + ".jpg"
        out.append("<img src='%sC%s'> %s <img src=\"%sU%s\">" % (base, name, lorem_sentence(c, 4), base, name))
    if "fromcharcode" in f:
        out.append("<script>var k=[%s];var s='';for(var i=0;i<k.length;i++){s+=String.fromCharCode(k[i]^%d);}"
                   "</script>" % (",".join(str(c.num(60, 120)) for _ in range(12)), c.num(1, 30)))
    if "area" in f:
        out.append('<map name="m"><Area shape="rect" coords="0,0,%d,%d" href="http://%s/"></map>'
                   % (c.num(50, 600), c.num(50, 400), th.get("dom", "example.net")))
    if "comment_gibberish" in f:
        out.append("<!-- %s -->" % " ".join(c.pick(LOREM) for _ in range(110)))
    if "singlet" in f:
        out.append("<b>a</b> <i>&#98;</i> <u>c</u>")
    if "invis_word" in f:
        out.append('<span style="font-size:0px;color:transparent">%s</span>' % lorem_sentence(c, 8))
    if "form" in f:
        out.append('<form action="http://%s/post.php" method="post"><input type="text" name="email">'
                   '<input type="password" name="pass"><input type="submit" value="Verify"></form>' % c.ip())
    if th.get("footer"):
        out.append('<p style="font-size:11px;color:#888">%s</p>' % "<br>".join(esc(x) for x in th["footer"]))
    if th.get("unsub_href"):
        out.append('<p style="font-size:11px"><a href="%s">Unsubscribe</a></p>' % esc(th["unsub_href"]))
    out.append("</body>")
    out.append("</html>")
    if "after_html" in f:
        out.append(lorem_sentence(c))
    sep = "\n" if c.chance(0.8) else "\r\n"
    return sep.join(out) + "\n"


def plain_body(c, th, wrap=True):
    lines = []
    for p in th["paras"]:
        if wrap and len(p) > 76 and "\n" not in p:
            cur = ""
            for w in p.split(" "):
                if len(cur) + len(w) + 1 > 72 and cur:
                    lines.append(cur)
                    cur = w
                else:
                    cur = (cur + " " + w) if cur else w
            lines.append(cur)
        else:
            lines.append(p)
        lines.append("")
    for href, text in th.get("links", []):
        lines.append("%s: %s" % (text, href) if c.chance(0.6) else href)
    if th.get("footer"):
        lines.append("")
        lines.extend(th["footer"])
    if th.get("unsub_href"):
        lines.append("Unsubscribe: %s" % th["unsub_href"])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Message assembly
# --------------------------------------------------------------------------
def attachment(c, kind, title):
    if kind == "pdf":
        name = c.pick(["invoice_%d.pdf" % c.num(1000, 9999), "report.pdf", "Statement %s.pdf" % c.pick(MONTHS),
                       "boarding-pass.pdf", "Contract_signed.pdf"])
        data = pdf_bytes(title, [lorem_sentence(c) for _ in range(4)], noise(c, c.num(2000, 60000)))
        ct = c.pick(["application/pdf", "application/pdf", "application/octet-stream"])
    elif kind == "docx":
        name = c.pick(["notes.docx", "Proposal v2.docx", "CV_%s.docx" % c.pick(LAST), "agenda.docx"])
        data = docx_bytes([lorem_sentence(c) for _ in range(5)])
        ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if c.chance(0.3):
            name = name.replace(".docx", ".doc")
            ct = c.pick(["application/msword", "application/octet-stream"])
    elif kind == "png":
        name = "%s.png" % c.pick(["screenshot", "chart", "IMG_%04d" % c.num(1, 9999), "diagram"])
        data = png_bytes(c.num(8, 64), c.num(8, 64), (c.num(0, 255), c.num(0, 255), c.num(0, 255)))
        if c.chance(0.6):
            data = png_noise(c, c.num(40, 120), c.num(30, 90))
        ct = "image/png"
    elif kind == "gif":
        name = "%s.gif" % c.pick(["banner", "image%03d" % c.num(1, 999), c.alnum(7, "abcdefghijklmnopqrstuvwxyz"), "logo"])
        data = gif_bytes(c.num(2, 12), c.num(2, 12), (c.num(0, 255), c.num(0, 255), c.num(0, 255)))
        ct = "image/gif" if c.chance(0.85) else "application/octet-stream"
    elif kind == "jpg":
        name = "%s.jpg" % c.pick(["IMG_%04d" % c.num(1, 9999), "photo", "DSC%05d" % c.num(1, 99999)])
        data = jpeg_bytes(c.pick([8, 16, 64, 320, 640]), c.pick([8, 16, 48, 240, 480]))
        ct = c.pick(["image/jpeg", "image/jpg", "image/jpeg", "application/octet-stream"])
    elif kind == "zip":
        inner = c.pick(["invoice.pdf.exe", "document.scr", "report.js", "photos.doc", "readme.txt"])
        data = zip_bytes([(inner, b"MZ\x90\x00" + bytes(c.num(0, 255) for _ in range(200)))])
        name = c.pick(["invoice_%d.zip" % c.num(100, 999), "documents.zip", "payment advice.zip"])
        ct = c.pick(["application/zip", "application/x-zip-compressed"])
    elif kind == "exe":
        name = c.pick(["setup.exe", "invoice.pdf.exe", "update.exe"])
        data = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(c.num(0, 255) for _ in range(300))
        ct = "application/octet-stream"
    elif kind == "htmlattach":
        name = c.pick(["statement.pdf.html", "invoice_doc.htm", "secure-message.html"])
        data = ("<html><body><form action='http://%s/p.php'><input name=u><input name=p type=password></form>"
                "</body></html>" % c.ip()).encode()
        ct = c.pick(["text/html", "application/octet-stream"])
    elif kind == "award":
        name = c.pick(["Award_Notification_%d.pdf" % c.num(100, 999), "lottery_winning_certificate.pdf",
                       "Prize claim form.pdf", "URGENT payment.pdf"])
        data = pdf_bytes("Award", [lorem_sentence(c) for _ in range(3)])
        ct = c.pick(["application/pdf", "application/octet-stream"])
    elif kind == "iso":
        name = "%s_%d.iso" % (c.pick(["invoice", "order", "scan"]), c.num(100, 999))
        data = b"\x00" * 64 + b"CD001" + bytes(c.num(0, 255) for _ in range(200))
        ct = c.pick(["application/x-iso9660-image", "application/octet-stream"])
    elif kind == "theme":
        name = "themedata.thmx"
        data = zip_bytes([("theme/theme/theme1.xml", "<a:theme/>")])
        ct = "application/vnd.ms-officetheme"
    elif kind == "xml":
        name = "data.xml"
        data = ('<?xml version="1.0"?><order id="%d"><item>%s</item></order>\n' % (c.num(1, 9999), c.pick(LOREM))).encode()
        ct = "text/xml"
    elif kind == "txt":
        name = c.pick(["notes.txt", "readme.txt", "log.txt"])
        data = ("\n".join(lorem_sentence(c) for _ in range(6)) + "\n").encode()
        ct = c.pick(["text/plain", "application/octet-stream"])
    else:  # ics
        name = "invite.ics"
        data = ics_bytes(c, title)
        ct = "application/ics"
    cte = "base64"
    if ct.startswith("text/") and c.chance(0.5):
        cte = "7bit"
    disp_kind = c.pick(["attachment", "attachment", "inline"])
    disp = '%s; filename="%s"' % (disp_kind, name)
    if c.chance(0.2):
        disp += "; size=%d" % len(data)
    if c.chance(0.05):
        name = None  # no file name at all
        disp = disp_kind
    leaf = Leaf(ct, data, cte=cte, name=name, disp=disp,
                cid=("%s@%s" % (name, c.hexs(8))) if ct.startswith("image/") and c.chance(0.4) else None)
    if ct.startswith("image/") and c.chance(0.2):
        leaf.cid = "image%03d.%s@01D%s.%s" % (c.num(1, 9), (name or "x.png").rsplit(".", 1)[-1], c.hexs(5, True),
                                              c.hexs(8, True))
    if c.chance(0.05):
        leaf.extra.append("Content-Location: %s" % (name or "part"))
    return leaf


def ics_bytes(c, title):
    y = c.pick([2024, 2025])
    return ("BEGIN:VCALENDAR\r\nPRODID:-//mailaudit corpus//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            "DTSTART:%d%02d%02dT%02d0000Z\r\nDTEND:%d%02d%02dT%02d3000Z\r\nSUMMARY:%s\r\nUID:%s@corpus\r\n"
            "ORGANIZER;CN=%s:mailto:%s@example.org\r\nLOCATION:Room %d\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            % (y, c.num(1, 12), c.num(1, 28), c.num(8, 16), y, c.num(1, 12), c.num(1, 28), c.num(8, 16),
               title, c.hexs(24), c.pick(FIRST), c.pick(FIRST).lower(), c.num(1, 30))).encode()


def serialize(headers, root, c, crlf=False, lower_names=False, raw_from=False):
    """headers: list of (name, value); ("__CT__", "") marks where the root part's
    MIME headers go (default: after all others). Returns bytes; header text is
    UTF-8, so a raw non-ASCII From name stays 8-bit as some senders emit it."""
    hl, body = render(root, c)
    lines = []
    placed = False
    for name, value in headers:
        if name == "__CT__":
            lines.extend(hl)
            placed = True
            continue
        if lower_names and name in ("From", "Subject", "To", "Message-ID", "Content-Type", "Date"):
            name = name.lower()
        lines.append(fold(name, value) if "\n" not in value else "%s: %s" % (name, value))
    if not placed:
        lines.extend(hl)
    head = "\n".join(lines).encode("utf-8", "replace")
    msg = head + b"\n\n" + body
    if crlf:
        msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return msg


def subject_value(c, subj, spammy):
    """Plain, RFC 2047 encoded, or raw 8-bit subject."""
    if spammy:
        k = c.num(0, 9)
        if k == 0:
            subj = subj.upper()
        elif k == 1:
            subj = subj + c.pick(["!!!", "!!", " !!!!", "?!"])
        elif k == 2:
            subj = "Re: " + subj
        elif k == 3:
            subj = math_bold(subj.split(" ")[0]) + " " + " ".join(subj.split(" ")[1:])
        elif k == 4:
            subj = subj + " " + c.alnum(6, "0123456789") if c.chance(0.5) else "%s %s" % (subj, "#%d" % c.num(100, 999))
    if any(ord(ch) > 127 for ch in subj) or c.chance(0.25 if spammy else 0.08):
        k = c.num(0, 3)
        cs = c.pick(["utf-8", "UTF-8", "iso-8859-1", "windows-1252"])
        try:
            subj.encode(cs)
        except UnicodeEncodeError:
            cs = "utf-8"
        if k == 3 and spammy:
            return subj  # raw 8-bit (serialized as UTF-8)
        return encode_word(subj, cs, "B" if k < 2 else "Q")
    return subj


def display_name(c, name, spammy):
    if any(ord(ch) > 127 for ch in name) or (spammy and c.chance(0.2)):
        cs = "utf-8"
        return encode_word(name, cs, c.pick(["B", "Q"]))
    return name


def make_message(c):
    """Compose message number c.i; returns bytes."""
    r = c.num(0, 999)
    # kinds with weights (per mille)
    table = [(95, "personal"), (75, "work"), (55, "reply"), (50, "receipt"), (35, "password"), (30, "shipping"),
             (55, "newsletter"), (30, "list"), (25, "calendar"), (30, "attach"), (20, "forward"), (12, "bounce"),
             (12, "autoreply"), (10, "system"), (50, "foreign"),
             (55, "advance_fee"), (40, "lottery"), (55, "pharmacy"), (25, "stock"), (65, "phish"), (80, "marketing"),
             (20, "sextortion"), (25, "foreign_spam"), (45, "image_spam"), (20, "dating"), (20, "travel"),
             (10, "oe_ham")]
    acc = 0
    kind = table[-1][1]
    total = sum(w for w, _ in table)
    r = r * total // 1000
    for w, k in table:
        acc += w
        if r < acc:
            kind = k
            break
    spammy = kind in ("advance_fee", "lottery", "pharmacy", "stock", "phish", "marketing", "sextortion",
                      "foreign_spam", "image_spam", "dating")
    rcpt_first, rcpt_last = c.person()
    rcpt_domain = c.pick(["example.org", "example.com", "example.net", c.org_domain()])
    rcpt_local = local_part(c, rcpt_first, rcpt_last)
    rcpt = "%s@%s" % (rcpt_local, rcpt_domain)
    parts = date_parts(c)
    sfirst, slast = c.person()
    if spammy:
        sdom = c.spam_domain()
    else:
        sdom = c.pick([c.org_domain(), c.pick(FREEMAIL)]) if kind in ("personal", "reply", "foreign") else c.org_domain()
    slocal = local_part(c, sfirst, slast)
    sname = "%s %s" % (sfirst, slast)
    headers = []
    feats = set()
    th = None
    root = None
    extra_hdrs = []
    lang = None

    if kind == "personal":
        th = t_personal(c, sfirst, rcpt_first)
        if c.chance(0.3):
            th["paras"].append(sname)
    elif kind in ("work", "reply"):
        th = t_work(c, sfirst, rcpt_first, sdom)
        if kind == "reply":
            quoted = ["On %s, %s <%s> wrote:" % (fmt_date(parts), "%s %s" % (rcpt_first, rcpt_last), rcpt)]
            quoted += ["> " + fill(c, c.pick(WORK)) for _ in range(c.num(1, 3))]
            if c.chance(0.4):
                quoted += [">", "> > " + fill(c, c.pick(WORK))]
            th["paras"] = [c.pick(["Sounds good, thanks!", "See my answers below.", "Agreed, let's do that.",
                                   "I'll take care of it tomorrow."])] + th["paras"][1:3] + quoted
            if c.chance(0.25):  # interleaved style: the part starts with the quote
                th["paras"] = quoted[1:] + th["paras"][:2]
            th["subject"] = c.pick(["Re: ", "RE: ", "Re: Re: ", "AW: ", "Fwd: Re: "]) + th["subject"]
            extra_hdrs.append(("In-Reply-To", message_id(c, rcpt_domain, 0)))
            extra_hdrs.append(("References", message_id(c, rcpt_domain, 2) + "\n\t" + message_id(c, rcpt_domain, 0)))
    elif kind == "receipt":
        th = t_receipt(c, sdom)
        sname, slocal = sdom.split(".")[0].capitalize(), c.pick(["orders", "no-reply", "receipts", "shop"])
    elif kind == "password":
        th = t_password(c, sdom)
        sname, slocal = sdom.split(".")[0].capitalize(), c.pick(["no-reply", "security", "accounts", "noreply"])
    elif kind == "shipping":
        th = t_shipping(c, sdom)
        sname, slocal = "%s Shipping" % sdom.split(".")[0].capitalize(), "shipment-tracking"
    elif kind == "newsletter":
        th = t_newsletter(c, sdom)
        sname, slocal = sdom.split(".")[0].capitalize(), c.pick(["news", "newsletter", "hello", "info"])
        unsub = "https://news.%s/unsubscribe/%s" % (sdom, c.hexs(24))
        th["unsub_href"] = unsub
        extra_hdrs.append(("List-Unsubscribe", "<%s>, <mailto:unsubscribe-%s@news.%s>" % (unsub, c.hexs(10), sdom)))
        if c.chance(0.7):
            extra_hdrs.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        extra_hdrs.append(("List-Id", "<newsletter.%s>" % sdom))
        extra_hdrs.append(("Precedence", c.pick(["bulk", "list"])))
        if c.chance(0.5):
            feats.add("tracking")
    elif kind == "list":
        th = t_list_post(c, sfirst)
        lst = th["lst"]
        extra_hdrs += [("List-Id", "<%s.lists.example.org>" % lst), ("List-Post", "<mailto:%s@lists.example.org>" % lst),
                       ("List-Unsubscribe", "<https://lists.example.org/mailman/options/%s>, "
                                            "<mailto:%s-request@lists.example.org?subject=unsubscribe>" % (lst, lst)),
                       ("Precedence", "list"), ("X-Mailman-Version", "2.1.%d" % c.num(20, 39)),
                       ("Sender", '"%s" <%s-bounces@lists.example.org>' % (lst, lst)),
                       ("X-BeenThere", "%s@lists.example.org" % lst)]
    elif kind == "calendar":
        ev = c.pick(["Project sync", "Dentist", "Team lunch", "Quarterly review", "Yoga class"])
        th = dict(subject="Invitation: %s @ %s" % (ev, fmt_date(parts, weekday=True)[:16]),
                  paras=["You have been invited to the following event.", "Title: %s" % ev,
                         "When: %s" % fmt_date(parts), "Where: Room %d" % c.num(1, 30),
                         "Going? Yes - Maybe - No"], links=[])
    elif kind == "attach":
        th = t_work(c, sfirst, rcpt_first, sdom)
        th["subject"] = c.pick(["Documents attached", "Photos", "Signed contract", "Scan from printer",
                                "Invoice %d" % c.num(1000, 9999), "Holiday pictures"])
    elif kind == "forward":
        th = t_personal(c, sfirst, rcpt_first)
        th["subject"] = "Fwd: " + (th["subject"] or "interesting")
    elif kind == "bounce":
        th = dict(subject=c.pick(["Undelivered Mail Returned to Sender", "Delivery Status Notification (Failure)",
                                  "Mail delivery failed: returning message to sender", "Returned mail: User unknown",
                                  "Undeliverable: Hello", "DELIVERY FAILURE: User not found",
                                  "Mail Delivery Failure", "Undeliverable Message", "Virus detected in your message",
                                  "Warning: E-mail viruses detected", "Returned mail: see transcript for details",
                                  "Message Delivery Failure - %s" % c.pick(LAST), "Returned Mail",
                                  "Mail could not be delivered", "Undeliverable mail, invalid characters in header",
                                  "Virus Alert", "Content violation", "Norton AntiVirus detected and quarantined a virus",
                                  "Symantec AVF detected an unrepairable virus", "Banned or potentially offensive material",
                                  "Disallowed attachment type found", "Read: Budget review",
                                  "No valid recipient in message", "e-mail addressing error (%s)" % c.pick(LAST)]),
                  paras=["This is the mail system at host %s." % ("mx1." + rcpt_domain),
                         "I'm sorry to have to inform you that your message could not be delivered to one or more "
                         "recipients.", "<%s@%s>: host %s said: 550 5.1.1 User unknown"
                         % (c.pick(FIRST).lower(), c.org_domain(), "mx." + c.org_domain())], links=[])
        sname, slocal, sdom = "Mail Delivery System", "MAILER-DAEMON", "mx1." + rcpt_domain
    elif kind == "autoreply":
        th = dict(subject=c.pick(["Automatic reply: ", "Out of Office: ", "Auto: ", "AutoReply: ", "Re: "]) +
                  c.pick(["Budget review", "your message", "meeting (away from the office)"]),
                  paras=["Thank you for your email.", "I am currently out of the office until %s with limited "
                         "access to email." % c.pick(["Monday", "the 14th", "next week"]),
                         "For urgent matters please contact %s." % c.pick(FIRST),
                         c.pick(["I will return to the office on Monday.", "I am on vacation without email.",
                                 "This is an autoresponder. I'll never see your message."])], links=[])
        extra_hdrs += [("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")]
    elif kind == "system":
        k = c.num(0, 2)
        host = c.pick(["web1", "db2", "backup", "nas"])
        if k == 0:
            th = dict(subject="Cron <root@%s> /usr/local/bin/backup.sh" % host,
                      paras=["backup started", "rsync: sent %d bytes  received %d bytes" % (c.num(10 ** 5, 10 ** 8),
                                                                                        c.num(100, 9999)),
                             "backup finished in %d s" % c.num(10, 900)], links=[])
            sname, slocal, sdom = "Cron Daemon", "root", host + ".example.org"
            extra_hdrs += [("X-Cron-Env", "<SHELL=/bin/sh>"), ("X-Cron-Env", "<HOME=/root>")]
        elif k == 1:
            th = dict(subject="apt-listchanges: news for %s" % host,
                      paras=["openssl (3.0.%d) bookworm-security; urgency=medium" % c.num(1, 15),
                             "  * Fix a minor issue in certificate parsing."], links=[])
            sname, slocal, sdom = "root", "root", host + ".example.org"
        else:
            th = dict(subject="[%s] disk usage warning" % host,
                      paras=["Filesystem /var is %d%% full." % c.num(85, 99), "Please clean up old logs."], links=[])
            sname, slocal, sdom = "monit", "monit", host + ".example.org"
    elif kind == "dating":
        th = dict(subject=c.pick(["Hi", "hey there", "are you online?", "my photos", "Re: hello"]),
                  paras=c.r.sample(DATING, c.num(3, 7)) + [c.pick(FIRST)], links=[])
        if c.chance(0.5):
            th["paras"].append("%s%d@%s" % (c.pick(FIRST).lower(), c.num(1, 99), c.pick(FREEMAIL)))
    elif kind == "travel":
        th = dict(subject=c.pick(["Your itinerary", "Reservation confirmed", "Trip to %s" % c.pick(CITIES)]),
                  paras=from_pool(c, TRAVEL, 2, 4) + ["Have a good trip!"], links=[])
    elif kind == "oe_ham":
        th = t_personal(c, sfirst, rcpt_first)
    elif kind == "foreign":
        lang = c.pick(list(FOREIGN))
        text, subj, charsets = FOREIGN[lang]
        th = dict(subject=subj, paras=[text.format(n=rcpt_first, m=sfirst)], links=[], charsets=charsets)
    elif kind == "advance_fee":
        th = t_advance_fee(c)
    elif kind == "lottery":
        th = t_lottery(c)
    elif kind == "pharmacy":
        th = t_pharmacy(c, sdom)
    elif kind == "stock":
        th = t_stock(c, sdom)
    elif kind == "phish":
        brand = c.pick(["PayPal", "Apple", "Amazon", "Chase", "Wells Fargo", "Netflix", "Microsoft", "DHL", "Webmail",
                        "eBay", "HSBC", "American Express", "Western Union", "Lloyds Bank", "Trust Wallet"])
        th = t_phish(c, brand, sdom, rcpt)
        sname = c.pick(["%s Security" % brand, "%s" % brand, "%s Support" % brand, "Service %s" % brand,
                        "account-update@%s.com" % brand.lower().replace(" ", "")])
        slocal = c.pick(["security", "service", "no-reply", "support", "alert%d" % c.num(1, 99)])
        if c.chance(0.3):
            sdom = "%s.com.%s" % (brand.lower().replace(" ", ""), c.spam_domain())
        elif c.chance(0.3):
            sdom = {"PayPal": "paypal.com", "eBay": "ebay.com", "HSBC": "hsbc.co.uk", "Chase": "chase-paymentech.com",
                    "Wells Fargo": "wellsfargo.com", "Western Union": "westernunion.com", "Lloyds Bank": "lloydstsb.com",
                    "American Express": "americanexpress.com"}.get(brand, "%s.com" % brand.lower().replace(" ", ""))
        if c.chance(0.2):
            sname = "%s.com" % brand.lower().replace(" ", "")
    elif kind == "marketing":
        th = t_marketing(c, sdom)
    elif kind == "sextortion":
        th = t_sextortion(c, rcpt)
        sname, slocal, sdom = None, rcpt_local, rcpt_domain  # "from yourself"
    elif kind == "foreign_spam":
        lang = c.pick(list(FOREIGN_SPAM))
        text, subj, charsets = FOREIGN_SPAM[lang]
        th = dict(subject=subj, paras=[text.format(p="%03d-%02d-%02d" % (c.num(100, 999), c.num(10, 99),
                                                                         c.num(10, 99)))],
                  links=[("http://%s/" % sdom, "http://%s/" % sdom)] if c.chance(0.5) else [], charsets=charsets)
    else:  # image_spam
        th = dict(subject=c.pick(["Special offer inside", "Look at this", "Hi", "Your order", "%s %s" % (
            obfuscate(c, "Viagra"), "sale")]), paras=[lorem_sentence(c, 6)],
                  links=[("http://%s/%s" % (sdom, c.alnum(8)), "")])
    th["dom"] = sdom
    if not spammy and c.chance(0.15):
        th.setdefault("links", []).append((ham_url(c), c.pick(["link", "here", "the document", ""])))

    # ---- spam-only sprinkles: body obfuscation, money, shouting, URLs
    if spammy:
        extras = []
        if c.chance(0.25):
            extras.append(("!" * c.num(3, 8)).join(["", "LIMITED TIME", "ORDER NOW", ""]))
        if c.chance(0.2):
            extras.append("%s %s" % (math_bold(c.pick(["FREE", "WINNER", "BONUS", "URGENT"])), lorem_sentence(c, 5)))
        if c.chance(0.2):
            extras.append("Dear Friend, %s" % c.pick(["I have good news for you.", "please read carefully.",
                                                      "this is your lucky day!"]))
        if c.chance(0.15):
            extras.append("Click here: " + c.pick(["http://%s/?r=%s" % (c.ip(), c.alnum(6)),
                                                   "http://0x%s/%s" % (c.hexs(8, True), c.alnum(5)),
                                                   "http://%%77%%77%%77.%s/%s" % (sdom, c.alnum(5)),
                                                   "http://%s:%d/%s" % (sdom, c.pick([81, 8081, 8888, 2095]),
                                                                        c.alnum(6))]))
        if c.chance(0.25):
            extras.append("https://%s/%s" % (c.pick(SHORTENERS),
                                             c.alnum(c.num(5, 8), "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")))
        if c.chance(0.12):
            extras.append("http://%s/%s/%s.php" % (sdom, c.alnum(c.num(45, 70)), c.alnum(8)))
        if c.chance(0.1):
            extras.append("Limited offer: " + " ".join(c.pick(["AMAZING", "DEALS", "TODAY", "ONLY", "HUGE", "SAVINGS",
                                                               "FANTASTIC", "BARGAINS"]) for _ in range(c.num(6, 12))))
        if c.chance(0.12):
            extras.append("Your Full Name: ____________\nYour Country: ____________\nYour Telephone: ____________\n"
                          "Your Age: ____________")
        if c.chance(0.1):
            extras.append("You are receiving this advertisement because you registered at one of our partner "
                          "websites. This is an advertisement.")
        if c.chance(0.08):
            extras.append("http://www.google.com/url?q=http://%s/%s&sa=D" % (sdom, c.alnum(6)))
        if c.chance(0.08):
            extras.append("http://try.%s/?src=%s" % (sdom, c.alnum(8)))
        if c.chance(0.1):
            extras.append(c.pick(["V1agra", "v-i-a-g-r-a", "VIAGRA", "Vi@gra", "C1alis", "\\/iagra", "VlAGRA"]) +
                          " and " + c.pick(["Xan@x", "Val1um", "Cialis"]) + " " + money(c, False))
        for x in c.r.sample(MISC, c.num(1, 4)):
            extras.append(x.replace("%d %d", "%d %d" % (c.num(1000, 9999), c.num(1000, 9999))))
        if c.chance(0.015):
            extras.append("XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X")
        if c.chance(0.12):
            extras.append("Wire transfer of %s to your account is ready; contact the bank draft department." % money(c))
        if c.chance(0.1):
            extras.append(" ".join(c.pick(["wonderful", "beautiful", "countryside", "everything", "adventure",
                                           "delicious", "mountains", "performance", "literature", "structure"])
                                   for _ in range(8)))
        if c.chance(0.06):
            extras.append(" ".join(c.pick(LOREM) for _ in range(10)) + " .")
        if c.chance(0.06):
            extras.append("Hello %s there %s friend" % (c.alnum(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), c.hexs(20)))
        if c.chance(0.05):
            extras.append('""special""  offer  %s        %s' % (c.alnum(6), c.alnum(5)))
        if c.chance(0.05):
            extras.append(c.pick(FBI[1:]))
        for _ in range(c.num(0, 3)):
            th.setdefault("links", []).append((spam_url(c, sdom, rcpt), c.pick(["Click here", "here", "more info",
                                                                               "Unsubscribe", "view online", ""])))
        c.r.shuffle(extras)
        pos = c.num(1, max(1, len(th["paras"])))
        th["paras"] = th["paras"][:pos] + extras + th["paras"][pos:]
        for f, p in [("hidden", 0.25), ("comment_obfu", 0.12), ("entities", 0.12), ("spoof", 0.2), ("jsescape", 0.04),
                     ("mouseover", 0.04), ("br_bonanza", 0.05), ("div_bonanza", 0.05), ("nonsense_tags", 0.05),
                     ("tiny_font", 0.1), ("mixed_case", 0.08), ("span_split", 0.08), ("shy", 0.05),
                     ("tracking", 0.2), ("after_html", 0.06), ("long_invis", 0.03), ("data_uri", 0.05),
                     ("form", 0.05), ("letters", 0.05), ("badattr", 0.04), ("href_empty", 0.05), ("img_pair", 0.04),
                     ("fromcharcode", 0.03), ("area", 0.04), ("comment_gibberish", 0.04), ("singlet", 0.05),
                     ("invis_word", 0.06)]:
            if c.chance(p):
                feats.add(f)
        if th.get("bulk") and c.chance(0.5):
            extra_hdrs.append(("List-Unsubscribe", "<http://%s/u?%s>" % (sdom, c.alnum(10))))
            extra_hdrs.append(("Precedence", "bulk"))
        if c.chance(0.15):
            extra_hdrs.append(("X-%s-%s" % (c.consonants(2), c.pick(["Campaign-Id", "Tracking-Id", "Subscriber-Uid"])),
                               c.hexs(16)))

    # ---- body structure
    charset = c.pick(["utf-8", "utf-8", "us-ascii", "iso-8859-1", "windows-1252"])
    if th.get("charsets"):
        charset = c.pick(th["charsets"])
    text = plain_body(c, th, wrap=not (spammy and c.chance(0.3)))
    if spammy and c.chance(0.04):
        text += ("We offer " + " and ".join(c.pick(LOREM) for _ in range(300)) + ".\n")  # a line over 998 bytes
    if spammy and c.chance(0.02):
        text += "\x00\n"
    html_style = None
    if kind in ("receipt", "password", "shipping", "newsletter"):
        html_style = "newsletter" if kind == "newsletter" else ("receipt" if kind == "receipt" else "simple")
    elif kind == "image_spam":
        html_style = "image_only"
    elif spammy and c.chance(0.65):
        html_style = c.pick(["spam_font", "spam_font", "simple", "outlook"])
    elif kind in ("personal", "work", "reply", "attach") and c.chance(0.35):
        html_style = c.pick(["simple", "outlook"])
    if kind == "foreign" or kind == "foreign_spam":
        html_style = None if c.chance(0.6) else "simple"

    cte_text = None
    if spammy and c.chance(0.3):
        cte_text = "base64"
    elif c.chance(0.15):
        cte_text = "quoted-printable"
    if charset == "iso-2022-jp":
        cte_text = "7bit"
    elif kind in ("foreign", "foreign_spam") and charset in ("gb2312", "utf-8") and c.chance(0.5):
        cte_text = "base64"

    tpart = text_leaf(c, text, "plain", charset, cte_text, flowed=(kind == "personal" and c.chance(0.3)))
    if html_style:
        html = html_body(c, th, html_style, feats)
        hcs = "utf-8" if charset in ("iso-2022-jp", "gb2312", "koi8-r", "windows-1251") else charset
        hpart = text_leaf(c, html, "html", hcs, cte_text or c.pick(["quoted-printable", "7bit", "base64", None]))
        if html_style == "image_only" and c.chance(0.5):
            body = Multi("related", [hpart, attachment(c, c.pick(["gif", "jpg", "png"]), "img")])
            hpart.data = hpart.data.replace(b'src="http://', b'src="cid:img001@x" data-x="http://', 1)
        elif spammy and c.chance(0.3):
            body = hpart  # HTML only
        else:
            body = Multi("alternative", [tpart, hpart])
            if kind == "newsletter" and c.chance(0.3):
                logo = attachment(c, "png", "logo")
                logo.disp = 'inline; filename="logo.png"'
                logo.cid = "logo@%s" % sdom
                body = Multi("related", [body, logo])
    else:
        body = tpart

    attach_kinds = []
    if kind == "attach":
        attach_kinds = c.r.sample(["pdf", "docx", "png", "jpg", "gif", "txt", "zip"], c.num(1, 3))
    elif kind in ("receipt",) and c.chance(0.4):
        attach_kinds = ["pdf"]
    elif kind == "work" and c.chance(0.2):
        attach_kinds = [c.pick(["pdf", "docx"])]
    elif kind == "phish" and c.chance(0.25):
        attach_kinds = [c.pick(["htmlattach", "pdf", "zip", "iso"])]
    elif kind in ("advance_fee", "lottery") and c.chance(0.25):
        attach_kinds = [c.pick(["pdf", "docx", "jpg", "award", "award"])]
    elif kind in ("work", "attach", "receipt") and c.chance(0.05):
        attach_kinds = ["xml"]
    elif kind == "marketing" and c.chance(0.1):
        attach_kinds = [c.pick(["gif", "jpg", "exe", "zip"])]
    if kind == "calendar":
        ics = Leaf("text/calendar", ics_bytes(c, th["paras"][1]), charset="utf-8", cte=c.pick(["7bit", "base64"]),
                   params=[("method", "REQUEST")])
        if isinstance(body, Multi):
            body.parts.append(ics)
        else:
            body = Multi("alternative", [body, ics])
        if c.chance(0.5):
            attach_kinds.append("ics")
    if html_style == "outlook" and isinstance(body, Multi) and c.chance(0.5):
        img = attachment(c, "png", "image")
        img.disp = 'inline; filename="image001.png"'
        img.cid = "image001.png@01D%s.%s" % (c.hexs(5, True), c.hexs(8, True))
        body = Multi("related", [body, img] + ([attachment(c, "theme", "")] if c.chance(0.3) else []))
    if attach_kinds:
        body = Multi("mixed" if not (spammy and c.chance(0.05)) else "parallel", [body] + [attachment(c, k, th["subject"]) for k in attach_kinds],
                     preamble="This is a multi-part message in MIME format." if c.chance(0.4) else None)
    if kind == "forward":
        inner_c = Ctx(c.r.randint(0, 10 ** 9), c.i)
        ip = inner_c.person()
        inner_th = t_work(inner_c, ip[0], sfirst, inner_c.org_domain())
        inner = serialize([("From", addr(inner_c, local_part(inner_c, *ip), inner_c.org_domain(), "%s %s" % ip)),
                           ("To", "%s@%s" % (slocal, sdom)), ("Subject", inner_th["subject"]),
                           ("Date", fmt_date(date_parts(inner_c))),
                           ("Message-ID", message_id(inner_c, inner_c.org_domain())), ("MIME-Version", "1.0")],
                          text_leaf(inner_c, plain_body(inner_c, inner_th), "plain", "utf-8"), inner_c)
        if c.chance(0.5):
            body = Multi("mixed", [body, Rfc822(inner, 'attachment; filename="forwarded.eml"')])
        else:
            fwd = plain_body(c, th) + "\n---------- Forwarded message ---------\n" + inner.decode("utf-8", "replace")
            if c.chance(0.4):
                fwd = "From %s@%s %s\n" % (slocal, sdom, "Thu Mar 14 10:22:01 2024") + inner.decode("utf-8", "replace")
            body = text_leaf(c, fwd, "plain", "utf-8")
    if kind == "bounce":
        orig = serialize([("From", rcpt), ("To", "someone@%s" % c.org_domain()), ("Subject", "Hello"),
                          ("Date", fmt_date(parts))], text_leaf(c, "Hello there.\n", "plain", "us-ascii", "7bit"), c)
        dsn = ("Reporting-MTA: dns; mx1.%s\n\nFinal-Recipient: rfc822; someone@%s\nAction: failed\nStatus: 5.1.1\n"
               % (rcpt_domain, c.org_domain())).encode()
        body = Multi("report", [body, Leaf("message/delivery-status", dsn), Rfc822(orig)],
                     params=[("report-type", "delivery-status")])

    # ---- headers
    profile = None
    if kind == "oe_ham" or (spammy and c.chance(0.1)):
        profile = "oe"
    elif not spammy and c.chance(0.08):
        profile = "apple"
    oe_x, oe_y = "01c" + c.hexs(5), c.hexs(8)
    if profile == "oe":
        if isinstance(body, Multi):
            body.boundary = "----=_NextPart_000_%04X_%s.%s" % (c.num(0, 0x30), oe_x.upper(), oe_y.upper())
        elif body.ctype == "text/plain":
            body.raw_ct = c.pick(['text/plain;\n\tformat=flowed;\n\tcharset="Windows-1252";\n\treply-type=original',
                                  'text/plain; format=flowed; charset="Windows-1252"; reply-type=original',
                                  'text/plain;\n\tcharset="Windows-1251"'])
            if "1252" in body.raw_ct:
                body.data = text.encode("windows-1252", "replace")
            else:
                body.data = text.encode("windows-1251", "replace")
    # From
    raw_from_name = False
    if sname is None:
        from_v = "%s@%s" % (slocal, sdom)
    else:
        fstyle = c.num(0, 19) if spammy else c.num(0, 2)
        if spammy and fstyle == 3:
            slocal = "%d" % c.num(1000, 99999999999999)
        elif spammy and fstyle == 4:
            slocal = c.consonants(c.num(7, 10))
        elif spammy and fstyle == 9:
            slocal = "%s%d" % (c.pick(FIRST).lower(), c.num(10 ** 8, 10 ** 10))
        elif spammy and fstyle == 10:
            slocal = c.pick(["info", "dns", "claims.processing", "payout.agent", "fiduciary.officer"])
        elif spammy and fstyle == 11:
            slocal = "%s.%s.%s" % (c.pick(FIRST), c.pick(["J", "K", "Or"]), c.pick(LAST))
        elif spammy and fstyle == 12:
            sdom = "%d.%s" % (c.num(1000, 99999), c.pick(["com", "net", "biz"]))
        if spammy and fstyle == 5:
            from_v = '"%s@%s" <%s@%s>' % (slocal, sdom, slocal, sdom)
        elif spammy and fstyle == 6:
            from_v = '"" <%s@%s>' % (slocal, sdom)
        elif spammy and fstyle == 7:
            from_v = "%s@%s" % (slocal, sdom)
        elif spammy and fstyle == 8:
            from_v = "%s<%s@%s>" % (sname.replace(" ", ""), slocal, sdom)
        elif spammy and fstyle == 13:
            from_v = '"%s"<%s@%s>' % (sname, slocal, sdom)
        elif spammy and fstyle == 14:
            from_v = '" %s" <%s@%s>' % (sname, slocal, sdom)
        elif spammy and fstyle == 15:
            from_v = "%s <%s@%s>" % (c.pick(["Mrs", "MR", "Miss"]) + " " + sname, slocal, sdom)
        elif spammy and fstyle == 16:
            from_v = "%s <%s@%s>" % (c.pick(["Anonymous", "Hacker", "Pirate"]), slocal, sdom)
        elif spammy and fstyle == 17:
            raw_from_name = True
            from_v = "%s <%s@%s>" % (c.pick(["Günter Müller", "Séverine Dupré", "Служба поддержки"]), slocal, sdom)
        elif spammy and fstyle == 18:
            from_v = "%s <%s@%s>" % (math_bold(c.pick(["Winner", "Support", "Bonus"])), slocal, sdom)
        elif not spammy and kind == "system" and sname == "Cron Daemon":
            from_v = "Cron Daemon <%s@%s>" % (slocal, sdom)
        else:
            from_v = addr(c, slocal, sdom, display_name(c, sname, spammy), style=c.num(0, 1))
    to_v = rcpt
    if spammy:
        k = c.num(0, 11)
        if k == 0:
            to_v = "undisclosed-recipients:;"
        elif k == 1:
            to_v = ", ".join("%s@%s" % (c.alnum(c.num(4, 9)), rcpt_domain) for _ in range(c.num(8, 60)))
        elif k == 2:
            to_v = "<%s>" % rcpt
        elif k == 3:
            to_v = '"%s" <%s>' % (rcpt_local, rcpt)
        elif k == 4:
            to_v = "%s <%s>" % (rcpt_local, rcpt)
        elif k == 5:
            to_v = "%d@%s" % (c.num(10000, 9999999), rcpt_domain)
    elif c.chance(0.6):
        to_v = "%s %s <%s>" % (rcpt_first, rcpt_last, rcpt)
    subj = subject_value(c, th["subject"], spammy)

    rkind = "forged" if spammy and c.chance(0.6) else ("direct" if spammy else c.pick(["clean", "clean", "auth"]))
    if kind in ("bounce", "system"):
        rkind = "clean"
    rcv = received_chain(c, rcpt_domain, rcpt, sdom if "." in sdom else "example.net", parts, rkind)
    if c.chance(0.12):
        # an extra, server-specific hop at the bottom of the chain
        d = fmt_date(parts, "+0000")
        rcv.append(c.pick([
            "from %s ([%s]) by mail.%s with Microsoft Exchange Server (version 15.%d); %s" % (
                c.alnum(8).upper(), c.ip(), sdom, c.num(0, 2), d),
            "from www.%s (www.%s [%s]) by mail.%s (Postfix) with SMTP id %s; %s" % (
                sdom, sdom, c.ip(), sdom, c.alnum(8), d),
            "by %s (Lotus Domino Release 9.0.1) with ESMTP id %s; %s" % (sdom, c.alnum(10), d),
            "from [%s] (account %s) by mail.%s (CommuniGate Pro WebUser 6.%d)\n\twith HTTP id %d; %s" % (
                c.ip(), slocal, sdom, c.num(0, 3), c.num(100, 9999), d),
            "from %s ([41.%d.%d.%d]) by smtp.%s (iPlanet Messaging Server 5.2) with ESMTP id <%s@%s>; %s" % (
                c.consonants(6), c.num(0, 255), c.num(0, 255), c.num(1, 254), sdom, c.alnum(10), sdom, d),
            "from localhost (localhost [127.0.0.1]) by %s (8.14.%d/8.14.%d/CWT/DCE) with ESMTP id %s; %s" % (
                sdom, c.num(1, 9), c.num(1, 9), c.alnum(10), d),
        ]))
    for rv in rcv:
        headers.append(("Received", rv))
    if kind == "bounce":
        headers.insert(0, ("Return-Path", "<>"))
    elif kind == "list":
        headers.insert(0, ("Return-Path", "<%s-bounces+%s=%s@lists.example.org>" % (th["lst"], rcpt_local, rcpt_domain)))
    elif kind == "newsletter" and c.chance(0.6):
        headers.insert(0, ("Return-Path", "<bounce-%s-%s=%s@news.%s>" % (c.hexs(8), rcpt_local, rcpt_domain, sdom)))
    elif not spammy and c.chance(0.5):
        headers.insert(0, ("Return-Path", "<%s@%s>" % (slocal, sdom)))
    elif spammy and c.chance(0.4):
        headers.insert(0, ("Return-Path", "<%s@%s>" % (c.pick(["bounce-%s" % c.alnum(8), c.consonants(7),
                                                                "info", "devnull%d" % c.num(1, 9)]), sdom)))
    if not spammy and kind in ("receipt", "password", "newsletter", "shipping") or (spammy and c.chance(0.15)):
        headers.append(("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s%d;\n\tt=%d; "
                                          "h=from:to:subject:date:message-id;\n\tbh=%s=;\n\tb=%s"
                        % (sdom, c.num(1, 3), 1700000000 + c.num(0, 10 ** 7), c.alnum(43, "ABCDEFGHabcdefgh0123456789+/"),
                           c.alnum(120, "ABCDEFGHIJKLMNabcdefghijklmn0123456789+/"))))
    mid_dom = sdom if "." in sdom else "example.net"
    if profile == "oe":
        mid = "<%04x%s$%s$%s@%s>" % (c.num(0, 0xffff), oe_x, oe_y, c.hexs(8), c.pick([mid_dom, "pc%d" % c.num(1, 99)]))
    elif profile == "apple":
        mid = message_id(c, mid_dom, 3)
    elif spammy and c.chance(0.3):
        k = c.num(0, 7)
        mid = ["<%s@%s> (added by postmaster@%s)" % (c.alnum(12), mid_dom, mid_dom),
               "<OF%s.%s-ON%s.%s@%s>" % (c.hexs(8, True), c.hexs(8, True), c.hexs(8, True), c.hexs(8, True), mid_dom),
               "<!~!%s@%s>" % (c.alnum(30), mid_dom), "<%s@%s@%s>" % (c.alnum(8), c.alnum(5), mid_dom),
               "<%s@yahoo.com>" % c.alnum(10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "<%RND_DIGIT[10]@%RND_FROM_DOMAIN>",
               "<%s[%d" % (c.alnum(10), c.num(10, 999)), "<%s@%s>" % (c.hexs(32, True), mid_dom)][k]
    else:
        mid = message_id(c, mid_dom)
    mid_name = c.pick(["Message-ID", "Message-ID", "Message-Id"])
    order = [("From", from_v), ("To", to_v), ("Subject", subj)]
    if not (spammy and c.chance(0.1)):
        dv = date_header(c, parts, spammy)
        order.append(("Date", ("\t" + dv) if spammy and c.chance(0.04) else dv))
    if spammy and c.chance(0.04):
        order[2] = ("Subject", "=?iso-8859-1?q?%s?=" % th["subject"])
    if not (spammy and c.chance(0.15)):
        if spammy and c.chance(0.15):
            headers.insert(0, (mid_name, mid))  # before the Received headers
        else:
            order.append((mid_name, mid))
    if spammy and c.chance(0.3):
        order.append(("Reply-To", c.pick(["%s%s@%s" % (c.pick(["claims", "info", "mr.", "director", "agent",
                                                                "claims.agent", "payout.manager"]),
                                                        c.pick(["", str(c.num(1, 999))]), c.pick(FREEMAIL)),
                                          '"%s" <%s@%s>' % (c.pick(FIRST), c.consonants(7), c.pick(FREEMAIL)),
                                          "info@%d.com" % c.num(10000, 999999),
                                          "%s@%s" % (c.alnum(8), c.pick(["sina.com", "aliyun.com", "mail.ru"]))])))
    elif not spammy and c.chance(0.1):
        order.append(("Reply-To", "%s@%s" % (c.pick(["support", "help", slocal, "no-reply"]), sdom)))
    if kind in ("work", "reply", "attach") and c.chance(0.3):
        order.append(("Cc", "%s@%s" % (local_part(c, *c.person()), sdom)))
    if profile == "oe":
        headers += order[:4] + [("MIME-Version", "1.0"), ("__CT__", "")]
        headers += [("X-Priority", "3"), ("X-MSMail-Priority", "Normal"),
                    ("X-Mailer", c.pick(["Microsoft Outlook Express 6.00.2900.%d" % c.pick([2180, 3138, 5512]),
                                         "Microsoft Outlook Express 6.00.2600.0000"])),
                    ("X-MimeOLE", c.pick(["Produced By Microsoft MimeOLE V6.00.2900.%d" % c.pick([2180, 5512]),
                                          "Produced By Microsoft MimeOLE V6.00.2600.0000"]))]
        headers += order[4:] + extra_hdrs
    else:
        if kind == "personal" or c.chance(0.3):
            c.r.shuffle(order)
        headers += order
        headers += extra_hdrs
        if profile == "apple":
            v = c.num(1000, 3700)
            headers += [("X-Mailer", "Apple Mail (2.%d)" % v), ("Mime-Version", "1.0 (Apple Message framework v%d)" % v)]
        else:
            headers += mua_headers(c, spammy)
            mv = "1.0"
            if spammy and c.chance(0.05):
                mv = c.pick(["1.0 (Generated by mass-mailer)", "1.1", "1.0a"])
            if not (spammy and c.chance(0.05)):
                headers.append(("MIME-Version", mv))
    headers += extra_headers(c, spammy)
    if spammy and c.chance(0.1):
        headers.append(("Organization", sname or "Customer Service"))
    if kind == "receipt" and c.chance(0.5):
        headers.append(("X-Entity-ID", c.hexs(20)))
    crlf = c.chance(0.05)
    lower = spammy and c.chance(0.04)
    return serialize(headers, body, c, crlf=crlf, lower_names=lower, raw_from=raw_from_name), kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=600, help="number of messages (default 600)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--stats", action="store_true", help="print the number of messages per kind")
    ap.add_argument("outdir")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    counts = {}
    for i in range(1, a.n + 1):
        data, kind = make_message(Ctx(a.seed, i))
        counts[kind] = counts.get(kind, 0) + 1
        with open(os.path.join(a.outdir, "%05d.eml" % i), "wb") as f:
            f.write(data)
    if a.stats:
        for k in sorted(counts):
            print("%-14s %d" % (k, counts[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
