#!/usr/bin/python3
"""make bench: a DKIM corpus signed by dkimpy (an independent signer).

usage: dkim-corpus.py DIR N
Writes DIR/rsa/NNNNN.eml (rsa-sha256, 2048-bit key, relaxed/relaxed) and
DIR/ed25519/NNNNN.eml (ed25519-sha256), N messages each of about 4 KB, and
DIR/keys.zone with both public keys in the DNS snapshot format."""
import base64, email.utils, os, subprocess, sys, time

import dkim
import nacl.signing

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out + "/rsa", exist_ok=True)
os.makedirs(out + "/ed25519", exist_ok=True)
pem = out + "/rsa.pem"
if not os.path.exists(pem):
    subprocess.run(["openssl", "genrsa", "-out", pem, "2048"], check=True, capture_output=True)
rsa_priv = open(pem, "rb").read()
spki = subprocess.run(["openssl", "rsa", "-in", pem, "-pubout", "-outform", "DER"],
                      check=True, capture_output=True).stdout
ed = nacl.signing.SigningKey(b"mailaudit-bench-ed25519-seed-32b")
ed_priv = base64.b64encode(bytes(ed))
ed_pub = base64.b64encode(bytes(ed.verify_key)).decode()

def txt(s):  # split into 250-byte strings as real DNS does
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))

with open(out + "/keys.zone", "w") as z:
    z.write("rsa2048._domainkey.bench.example. 300 IN TXT %s\n"
            % txt("v=DKIM1; k=rsa; p=" + base64.b64encode(spki).decode()))
    z.write("ed._domainkey.bench.example. 300 IN TXT %s\n" % txt("v=DKIM1; k=ed25519; p=" + ed_pub))

words = ("delivery inbox campaign reputation postmaster bounce feedback domain sender "
         "receiver message header signature selector policy alignment report weekly").split()
t0 = 1790000000  # t= of every signature; the mail arrives a minute later
signed = email.utils.formatdate(t0, usegmt=True)
arrived = email.utils.formatdate(t0 + 60, usegmt=True)
for i in range(n):
    lines, k = [], i
    while sum(len(l) + 2 for l in lines) < 3200:
        lines.append(" ".join(words[(k + j * 7) % len(words)] for j in range(11)))
        k += 3
    body = "\r\n".join(lines) + "\r\n"
    head = ("Received: from mta.bench.example (mta.bench.example [192.0.2.10])\r\n"
            "\tby mx.receiver.example with ESMTPS id %05d; %s\r\n"
            "From: Newsletter <news@bench.example>\r\nTo: reader%d@receiver.example\r\n"
            "Subject: Weekly report %d\r\nDate: %s\r\n"
            "Message-ID: <%d.bench@bench.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n"
            % (i, arrived, i, i, signed, i))
    msg = (head + "\r\n" + body).encode()
    hdrs = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]
    time.time = lambda: t0
    for sub, sel, key, alg in (("rsa", b"rsa2048", rsa_priv, b"rsa-sha256"),
                               ("ed25519", b"ed", ed_priv, b"ed25519-sha256")):
        sig = dkim.sign(msg, sel, b"bench.example", key, canonicalize=(b"relaxed", b"relaxed"),
                        signature_algorithm=alg, include_headers=hdrs)
        with open("%s/%s/%05d.eml" % (out, sub, i), "wb") as f:
            f.write(sig + msg)
