/* encoding — base64 and quoted-printable decoders (RFC 2045 §6.7, §6.8;
 * RFC 2047 §4.2 for the header 'Q' form). Table-driven, one pass, output
 * allocated once in the arena at its maximum size (never larger than input).
 *
 * base64 decisions:
 *  - whitespace (SP, HT, CR, LF, FF, VT) is skipped silently;
 *  - any other byte outside the alphabet is skipped and recorded once per
 *    message as ANOM_B64_GARBAGE;
 *  - '=' ends the current quantum ("xx==" -> 1 byte, "xxx=" -> 2 bytes);
 *    further '=' right after padding are ignored; data after the padding
 *    starts a new quantum (concatenated encodings, as some mailers emit);
 *  - a '=' at the start of a quantum that does not follow padding is garbage;
 *  - a final quantum of 2 or 3 characters without its padding is decoded as
 *    far as it goes (1 or 2 bytes) and recorded as ANOM_B64_TRUNCATED; a lone
 *    final character (or "x=") carries no whole byte: dropped, also recorded.
 *
 * quoted-printable decisions:
 *  - "=XX" with upper- or lowercase hex digits is the byte XX;
 *  - '=' followed by optional SP/HT then CRLF, LF, a bare CR, or the end of
 *    input is a soft line break (the transport may add trailing blanks);
 *  - any other '=' is kept literally and recorded once as ANOM_QP_BAD_ESCAPE;
 *  - SP/HT at the end of a hard line (before CR/LF or the end of input) are
 *    deleted, as RFC 2045 requires of decoders; line ends are kept as written;
 *  - header mode (RFC 2047 'Q'): '_' is 0x20 and blanks are never trimmed.
 * Does NOT decode uuencode or detect which encoding was meant. */
#include "mail/encoding.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/str.h"

enum { B64_WS = 64, B64_PAD = 65, B64_BAD = 66 };

/* Byte -> 6-bit value, or one of the classes above. */
static const unsigned char b64_table[256] = {
#define B64_ROW_BAD B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD, B64_BAD
    /* 0x00 */ B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    /* 0x08 */ B64_BAD,
    B64_WS,
    B64_WS,
    B64_WS,
    B64_WS,
    B64_WS,
    B64_BAD,
    B64_BAD,
    /* 0x10 */ B64_ROW_BAD,
    B64_ROW_BAD,
    /* 0x20 */ B64_WS,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    /* 0x28 */ B64_BAD,
    B64_BAD,
    B64_BAD,
    62,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    63,
    /* 0x30 */ 52,
    53,
    54,
    55,
    56,
    57,
    58,
    59,
    /* 0x38 */ 60,
    61,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_PAD,
    B64_BAD,
    B64_BAD,
    /* 0x40 */ B64_BAD,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    /* 0x48 */ 7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    /* 0x50 */ 15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    /* 0x58 */ 23,
    24,
    25,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    /* 0x60 */ B64_BAD,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
    /* 0x68 */ 33,
    34,
    35,
    36,
    37,
    38,
    39,
    40,
    /* 0x70 */ 41,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    /* 0x78 */ 49,
    50,
    51,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    B64_BAD,
    /* 0x80-0xff */
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
    B64_ROW_BAD,
#undef B64_ROW_BAD
};

/* The same table pre-shifted for the fast path, one per position in a
 * quantum: OR-ing the four entries gives the 24 decoded bits, and bit 31 is
 * set when any of the four bytes is not in the alphabet (whitespace, '=',
 * garbage), which sends the quantum to the general loop. Saves the shifts
 * and the separate range test of each quantum; with the single store of
 * put3 and the line-break skip below, 36K -> 20K instructions a message of
 * the benchmark (callgrind). */
#define B64_V(c)                                                                                   \
    ((c) >= 'A' && (c) <= 'Z'   ? (uint32_t)((c) - 'A')                                            \
     : (c) >= 'a' && (c) <= 'z' ? (uint32_t)((c) - 'a' + 26)                                       \
     : (c) >= '0' && (c) <= '9' ? (uint32_t)((c) - '0' + 52)                                       \
     : (c) == '+'               ? 62u                                                              \
     : (c) == '/'               ? 63u                                                              \
                                : 0x80000000u)
#define B64_S(c, s) (B64_V(c) & 0x80000000u ? 0x80000000u : B64_V(c) << (s))
#define B64_R4(c, s) B64_S(c, s), B64_S((c) + 1, s), B64_S((c) + 2, s), B64_S((c) + 3, s)
#define B64_R16(c, s) B64_R4(c, s), B64_R4((c) + 4, s), B64_R4((c) + 8, s), B64_R4((c) + 12, s)
#define B64_R64(c, s)                                                                              \
    B64_R16(c, s), B64_R16((c) + 16, s), B64_R16((c) + 32, s), B64_R16((c) + 48, s)
#define B64_T(s)                                                                                   \
    {                                                                                              \
        B64_R64(0, s), B64_R64(64, s), B64_R64(128, s), B64_R64(192, s)                            \
    }
static const uint32_t b64_q0[256] = B64_T(18), b64_q1[256] = B64_T(12), b64_q2[256] = B64_T(6),
                      b64_q3[256] = B64_T(0);
#undef B64_T
#undef B64_R64
#undef B64_R16
#undef B64_R4
#undef B64_S
#undef B64_V

/* Store the 24 bits of w as three bytes, high first. On little-endian
 * machines one 4-byte store: the fourth byte lands in the room the output
 * buffer keeps past its end (the allocation below is len / 4 * 3 + 4 and the
 * fast path has written at most 3 * i / 4 bytes when at least 4 input bytes
 * remain) and is overwritten by the next quantum or the terminating NUL. */
static inline void put3(unsigned char *d, uint32_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t be = __builtin_bswap32(w << 8);
    memcpy(d, &be, 4);
#else
    d[0] = (unsigned char)(w >> 16);
    d[1] = (unsigned char)(w >> 8);
    d[2] = (unsigned char)w;
#endif
}

unsigned char *enc_base64_decode(arena *a, const char *p, size_t len, size_t *out_len,
                                 struct anomalies *an)
{
    const unsigned char *in = (const unsigned char *)p;
    unsigned char *out = arena_alloc(a, len / 4 * 3 + 4);
    size_t o = 0, i = 0;
    uint32_t acc = 0; /* bits of the current quantum */
    int q = 0;        /* characters in the current quantum */
    int pads = 0;     /* '=' seen in the current padding run */
    bool garbage = false, truncated = false;

    while (i < len) {
        /* Fast path: whole quanta of alphabet characters (a line's worth),
         * then the line break skipped here rather than by the general loop
         * one byte at a time. */
        if (q == 0) {
            size_t start = i;
            while (len - i >= 4) {
                uint32_t w =
                    b64_q0[in[i]] | b64_q1[in[i + 1]] | b64_q2[in[i + 2]] | b64_q3[in[i + 3]];
                if (w & 0x80000000u) break;
                put3(out + o, w);
                o += 3;
                i += 4;
            }
            if (i != start) pads = 0;
            size_t ws = i;
            while (i < len && b64_table[in[i]] == B64_WS)
                i++;
            if (i != ws) continue; /* back to the fast path for the next line */
            if (i == len) break;
        }
        unsigned v = b64_table[in[i++]];
        if (v < 64) {
            pads = 0;
            acc = acc << 6 | v;
            if (++q == 4) {
                out[o++] = (unsigned char)(acc >> 16);
                out[o++] = (unsigned char)(acc >> 8);
                out[o++] = (unsigned char)acc;
                acc = 0;
                q = 0;
            }
        } else if (v == B64_WS) {
            continue;
        } else if (v == B64_PAD) {
            if (q == 2) {
                out[o++] = (unsigned char)(acc >> 4);
                pads = 1;
            } else if (q == 3) {
                out[o++] = (unsigned char)(acc >> 10);
                out[o++] = (unsigned char)(acc >> 2);
                pads = 2; /* "xxx=" is complete */
            } else if (q == 1) {
                truncated = true; /* "x=": six bits, no byte */
                pads = 2;
            } else if (pads == 0) {
                garbage = true; /* '=' where no padding can be */
            } else {
                pads++; /* the second '=' of "xx==", or excess padding */
            }
            acc = 0;
            q = 0;
        } else {
            garbage = true;
        }
    }
    if (q == 1) {
        truncated = true;
    } else if (q == 2) {
        out[o++] = (unsigned char)(acc >> 4);
        truncated = true;
    } else if (q == 3) {
        out[o++] = (unsigned char)(acc >> 10);
        out[o++] = (unsigned char)(acc >> 2);
        truncated = true;
    } else if (pads == 1) {
        truncated = true; /* "xx=" without its second '=' */
    }
    if (garbage) anom_add_once(an, ANOM_B64_GARBAGE, NULL);
    if (truncated) anom_add_once(an, ANOM_B64_TRUNCATED, NULL);
    out[o] = 0;
    *out_len = o;
    return out;
}

/* Quoted-printable byte classes: 0 = copied as is. */
enum { QP_COPY = 0, QP_EQ, QP_BLANK, QP_UNDERSCORE };

static const unsigned char qp_class[256] = {
    ['='] = QP_EQ,
    [' '] = QP_BLANK,
    ['\t'] = QP_BLANK,
    ['_'] = QP_UNDERSCORE,
};

unsigned char *enc_qp_decode(arena *a, const char *p, size_t len, size_t *out_len, int header,
                             struct anomalies *an)
{
    const unsigned char *in = (const unsigned char *)p;
    unsigned char *out = arena_alloc(a, len + 1);
    size_t o = 0, i = 0;
    bool bad = false;

    while (i < len) {
        /* Copy the run of ordinary bytes in one go. */
        size_t run = i;
        for (;;) {
            while (run < len && qp_class[in[run]] == QP_COPY)
                run++;
            /* a single blank between ordinary bytes (the common word gap) is
             * part of the run: only blanks before a line end are special */
            if (run + 1 < len && qp_class[in[run]] == QP_BLANK &&
                qp_class[in[run + 1]] == QP_COPY && in[run + 1] != '\r' && in[run + 1] != '\n' &&
                !(header && in[run] == ' '))
                run++;
            else
                break;
        }
        if (run > i) {
            memcpy(out + o, in + i, run - i);
            o += run - i;
            i = run;
            if (i == len) break;
        }
        unsigned char c = in[i];
        switch (qp_class[c]) {
        case QP_UNDERSCORE:
            out[o++] = header ? ' ' : '_';
            i++;
            break;
        case QP_BLANK: {
            size_t j = i;
            while (j < len && ch_is_wsp(in[j]))
                j++;
            if (!header && (j == len || in[j] == '\r' || in[j] == '\n')) {
                i = j; /* trailing blanks of a hard line are deleted */
                break;
            }
            memcpy(out + o, in + i, j - i);
            o += j - i;
            i = j;
            break;
        }
        case QP_EQ: {
            if (len - i >= 3) {
                int hi = ch_hexval(in[i + 1]), lo = ch_hexval(in[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    out[o++] = (unsigned char)(hi << 4 | lo);
                    i += 3;
                    break;
                }
            }
            size_t j = i + 1;
            while (j < len && ch_is_wsp(in[j]))
                j++;
            if (j == len) {
                i = j; /* soft break at the very end */
            } else if (in[j] == '\n') {
                i = j + 1;
            } else if (in[j] == '\r') {
                i = (j + 1 < len && in[j + 1] == '\n') ? j + 2 : j + 1;
            } else {
                out[o++] = '=';
                bad = true;
                i++;
            }
            break;
        }
        default:
            out[o++] = c; /* not reached: QP_COPY bytes are taken by the run */
            i++;
            break;
        }
    }
    if (bad) anom_add_once(an, ANOM_QP_BAD_ESCAPE, NULL);
    out[o] = 0;
    *out_len = o;
    return out;
}
