/* attach — mailaudit's attachment checks (evals.h): dangerous extensions,
 * double extensions, bytes that contradict the name or declared type,
 * executables, encryption and archives inside ZIP archives, and Unicode
 * tricks in file names.
 *
 * What counts as an attachment: every MIME leaf with a file name (from
 * Content-Disposition or the Content-Type name parameter), inline or not;
 * ZIP members come from the central directory mime.c read
 * (mime_part.zip). Nothing is extracted: members of nested archives are not
 * listed, and RAR/7z archives are recognised by their bytes only.
 *
 * The dangerous-extension table (executables, scripts, shortcuts, installers,
 * disk images, help and add-in files Windows runs or mounts on a double
 * click): ade adp app appref-ms application appx appxbundle bat cab chm cmd
 * com cpl diagcab dll exe gadget hlp hta img inf ins iso isp jar jnlp js jse
 * lib library-ms lnk mde msc msi msix msixbundle msp mst one pif ps1 ps1xml
 * ps2 ps2xml psc1 psc2 psd1 psm1 reg scf scr sct settingcontent-ms shb shs
 * sys url vb vbe vbs vhd vhdx wsc wsf wsh xll xnk.
 * Document-like extensions before a dangerous one (double extension): csv
 * doc docx gif htm html jpeg jpg mp3 mp4 odt ods pdf png ppt pptx rtf tif tiff
 * txt wav xls xlsx zip.
 * Archives inside archives: 7z ace arj bz2 cab gz img iso lzh rar tar tgz vhd
 * vhdx xz z zip zipx.
 * File-name tricks: bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), zero-width and invisible characters (U+00AD, U+200B-U+200D,
 * U+2060, U+FEFF), look-alike dots (U+2024, U+3002, U+FE52, U+FF0E), control
 * characters, and padding of 5 or more spaces (ASCII or Unicode). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "score/evals_int.h"
#include "util/str.h"

static const char *const dangerous[] = {"ade",
                                        "adp",
                                        "app",
                                        "appref-ms",
                                        "application",
                                        "appx",
                                        "appxbundle",
                                        "bat",
                                        "cab",
                                        "chm",
                                        "cmd",
                                        "com",
                                        "cpl",
                                        "diagcab",
                                        "dll",
                                        "exe",
                                        "gadget",
                                        "hlp",
                                        "hta",
                                        "img",
                                        "inf",
                                        "ins",
                                        "iso",
                                        "isp",
                                        "jar",
                                        "jnlp",
                                        "js",
                                        "jse",
                                        "lib",
                                        "library-ms",
                                        "lnk",
                                        "mde",
                                        "msc",
                                        "msi",
                                        "msix",
                                        "msixbundle",
                                        "msp",
                                        "mst",
                                        "one",
                                        "pif",
                                        "ps1",
                                        "ps1xml",
                                        "ps2",
                                        "ps2xml",
                                        "psc1",
                                        "psc2",
                                        "psd1",
                                        "psm1",
                                        "reg",
                                        "scf",
                                        "scr",
                                        "sct",
                                        "settingcontent-ms",
                                        "shb",
                                        "shs",
                                        "sys",
                                        "url",
                                        "vb",
                                        "vbe",
                                        "vbs",
                                        "vhd",
                                        "vhdx",
                                        "wsc",
                                        "wsf",
                                        "wsh",
                                        "xll",
                                        "xnk",
                                        NULL};

static const char *const doc_like[] = {
    "csv", "doc", "docx", "gif", "htm", "html", "jpeg", "jpg", "mp3", "mp4",  "odt", "ods", "pdf",
    "png", "ppt", "pptx", "rtf", "tif", "tiff", "txt",  "wav", "xls", "xlsx", "zip", NULL};

static const char *const archives[] = {"7z",  "ace", "arj", "bz2",  "cab", "gz",  "img",
                                       "iso", "lzh", "rar", "tar",  "tgz", "vhd", "vhdx",
                                       "xz",  "z",   "zip", "zipx", NULL};

static bool in_list(const char *const *l, const char *s, size_t n)
{
    for (size_t i = 0; l[i]; i++)
        if (strlen(l[i]) == n && strncasecmp(l[i], s, n) == 0) return true;
    return false;
}

/* The base name of a path inside an archive. */
static const char *base_name(const char *name)
{
    const char *b = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

/* The extension after the last '.', trailing whitespace and dots ignored;
 * *len its length (0 when none). */
static const char *ext_of(const char *name, size_t *len)
{
    size_t n = strlen(name);
    while (n && (ch_is_space((unsigned char)name[n - 1]) || name[n - 1] == '.'))
        n--;
    for (size_t i = n; i-- > 0;) {
        if (name[i] == '.') {
            *len = n - i - 1;
            return name + i + 1;
        }
        if (name[i] == '/' || name[i] == '\\') break;
    }
    *len = 0;
    return name + n;
}

bool attach_ext_is_dangerous(const char *name)
{
    size_t n;
    const char *e = ext_of(base_name(name), &n);
    return n && in_list(dangerous, e, n);
}

/* Length of the padding character (whitespace, '_', '.', NBSP, soft hyphen,
 * U+2000-U+200F, U+202F, U+3000) that ends (p, n), or 0. */
static size_t pad_before(const unsigned char *p, size_t n)
{
    if (n >= 1 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '_' || p[n - 1] == '.'))
        return 1;
    if (n >= 2 && p[n - 2] == 0xC2 && (p[n - 1] == 0xA0 || p[n - 1] == 0xAD)) return 2;
    if (n >= 3 && p[n - 3] == 0xE2 && p[n - 2] == 0x80 && (p[n - 1] <= 0x8F || p[n - 1] == 0xAF))
        return 3;
    if (n >= 3 && p[n - 3] == 0xE3 && p[n - 2] == 0x80 && p[n - 1] == 0x80) return 3;
    return 0;
}

/* "invoice.pdf.exe", "invoice.pdf      .exe", "invoice.pdf_.exe": the name
 * without its dangerous extension and the padding before it ends in a
 * document-like extension. */
static bool double_ext(const char *name)
{
    const char *b = base_name(name);
    size_t n;
    const char *e = ext_of(b, &n);
    if (!n || !in_list(dangerous, e, n)) return false;
    size_t end = (size_t)(e - 1 - b), k;
    while ((k = pad_before((const unsigned char *)b, end)) != 0)
        end -= k;
    size_t s = end;
    while (s > 0 && ch_is_alnum((unsigned char)b[s - 1]))
        s--;
    return s > 0 && b[s - 1] == '.' && end > s && in_list(doc_like, b + s, end - s);
}

/* A part that is an attachment for these checks: a leaf with a file name. */
static bool named_leaf(const struct mime_part *p)
{
    return !p->is_multipart && !p->is_message && p->filename && p->filename[0];
}

bool ma_attach_dangerous_ext(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (named_leaf(p) && attach_ext_is_dangerous(p->filename)) {
            ev_evidence(c, "%s", p->filename);
            return true;
        }
    }
    return false;
}

bool ma_attach_double_ext(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!named_leaf(p)) continue;
        if (double_ext(p->filename)) {
            ev_evidence(c, "%s", p->filename);
            return true;
        }
        for (size_t k = 0; k < p->zip.n; k++)
            if (p->zip.m[k].name && double_ext(p->zip.m[k].name)) {
                ev_evidence(c, "%s in %s", p->zip.m[k].name, p->filename);
                return true;
            }
    }
    return false;
}

/* What the bytes may be for an extension or a declared type: a list of
 * filetype_detect() names; NULL when any type is fine. */
struct expect {
    const char *key;
    const char *types; /* space-separated */
};

static const struct expect by_ext[] = {
    {"7z", "7z"},
    {"bmp", "bmp"},
    {"doc", "ole2 rtf html text"},
    {"docm", "ooxml zip"},
    {"docx", "ooxml zip"},
    {"dot", "ole2 rtf"},
    {"dotx", "ooxml zip"},
    {"epub", "zip ooxml"},
    {"exe", "pe"},
    {"dll", "pe"},
    {"gif", "gif"},
    {"gz", "gzip"},
    {"jar", "zip ooxml"},
    {"jpe", "jpeg"},
    {"jpeg", "jpeg"},
    {"jpg", "jpeg"},
    {"msi", "ole2"},
    {"odp", "zip ooxml"},
    {"ods", "zip ooxml"},
    {"odt", "zip ooxml"},
    {"pdf", "pdf"},
    {"png", "png"},
    {"pps", "ole2"},
    {"ppsx", "ooxml zip"},
    {"ppt", "ole2"},
    {"pptm", "ooxml zip"},
    {"pptx", "ooxml zip"},
    {"rar", "rar"},
    {"rtf", "rtf"},
    {"tgz", "gzip"},
    {"tif", "tiff"},
    {"tiff", "tiff"},
    {"webp", "webp"},
    {"xls", "ole2 html text"},
    {"xlsb", "ooxml zip"},
    {"xlsm", "ooxml zip"},
    {"xlsx", "ooxml zip"},
    {"zip", "zip ooxml"},
};

static const struct expect by_ctype[] = {
    {"application/gzip", "gzip"},
    {"application/msword", "ole2 rtf html text"},
    {"application/pdf", "pdf"},
    {"application/rtf", "rtf"},
    {"application/vnd.ms-excel", "ole2 html text"},
    {"application/vnd.ms-powerpoint", "ole2"},
    {"application/vnd.rar", "rar"},
    {"application/x-7z-compressed", "7z"},
    {"application/x-gzip", "gzip"},
    {"application/x-rar-compressed", "rar"},
    {"application/x-zip", "zip ooxml"},
    {"application/x-zip-compressed", "zip ooxml"},
    {"application/zip", "zip ooxml"},
    {"image/bmp", "bmp"},
    {"image/gif", "gif"},
    {"image/jpeg", "jpeg"},
    {"image/jpg", "jpeg"},
    {"image/pjpeg", "jpeg"},
    {"image/png", "png"},
    {"image/tiff", "tiff"},
    {"image/webp", "webp"},
    {"text/html", "html text empty"},
    {"text/plain", "text html empty"},
};

/* Types detected from the bytes that are specific enough to contradict a
 * name or a declared type. */
static const char *const strong[] = {"pe",   "elf",  "macho", "zip", "ooxml", "rar", "7z",
                                     "gzip", "iso",  "pdf",   "png", "jpeg",  "gif", "bmp",
                                     "tiff", "webp", "ole2",  "rtf", NULL};

static const char *type_name(const char *t)
{
    static const struct {
        const char *t, *name;
    } names[] = {{"pe", "a Windows executable"},
                 {"elf", "a Linux executable"},
                 {"macho", "a macOS executable"},
                 {"zip", "a ZIP archive"},
                 {"ooxml", "an Office (OOXML) document"},
                 {"rar", "a RAR archive"},
                 {"7z", "a 7-Zip archive"},
                 {"gzip", "gzip data"},
                 {"iso", "a disk image"},
                 {"ole2", "an old Office (OLE2) file"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].t, t) == 0) return names[i].name;
    return t;
}

static bool word_in(const char *list, const char *w)
{
    size_t wl = strlen(w);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == wl && memcmp(p, w, l) == 0) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

static const char *expected_for(const struct expect *t, size_t n, const char *key, size_t klen)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i].key) == klen && strncasecmp(t[i].key, key, klen) == 0) return t[i].types;
    return NULL;
}

static bool is_strong(const char *t)
{
    for (size_t i = 0; strong[i]; i++)
        if (strcmp(strong[i], t) == 0) return true;
    return false;
}

bool ma_attach_type_mismatch(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (p->is_multipart || p->is_message || !p->detected_type) continue;
        const char *dt = p->detected_type;
        if (!is_strong(dt)) continue;
        if (named_leaf(p)) {
            size_t el;
            const char *e = ext_of(base_name(p->filename), &el);
            const char *want =
                el ? expected_for(by_ext, sizeof by_ext / sizeof by_ext[0], e, el) : NULL;
            if (want && !word_in(want, dt)) {
                ev_evidence(c, "%s is %s", p->filename, type_name(dt));
                return true;
            }
        }
        /* the declared type: only for attachments, body text parts are
         * judged by their content elsewhere */
        if (p->content_type && (p->is_attachment || named_leaf(p))) {
            const char *want = expected_for(by_ctype, sizeof by_ctype / sizeof by_ctype[0],
                                            p->content_type, strlen(p->content_type));
            if (want && !word_in(want, dt)) {
                ev_evidence(c, "%s declared %s is %s", p->filename ? p->filename : p->path,
                            p->content_type, type_name(dt));
                return true;
            }
        }
    }
    return false;
}

bool ma_attach_exe_in_archive(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        for (size_t k = 0; k < p->zip.n; k++) {
            const struct zip_member *z = &p->zip.m[k];
            if (!z->is_dir && z->name && attach_ext_is_dangerous(z->name)) {
                ev_evidence(c, "%s in %s", z->name, p->filename ? p->filename : p->path);
                return true;
            }
        }
    }
    return false;
}

bool ma_attach_encrypted_archive(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (p->zip.any_encrypted) {
            ev_evidence(c, "%s", p->filename ? p->filename : p->path);
            return true;
        }
    }
    return false;
}

bool ma_attach_nested_archive(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (p->detected_type && strcmp(p->detected_type, "ooxml") == 0) continue;
        for (size_t k = 0; k < p->zip.n; k++) {
            const struct zip_member *z = &p->zip.m[k];
            if (z->is_dir || !z->name) continue;
            size_t el;
            const char *e = ext_of(base_name(z->name), &el);
            if (el && in_list(archives, e, el)) {
                ev_evidence(c, "%s in %s", z->name, p->filename ? p->filename : p->path);
                return true;
            }
        }
    }
    return false;
}

/* A Unicode trick in a file name: returns a short description, or NULL. */
static const char *name_trick(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len = strlen(name), run = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char *p = s + i;
        size_t rest = len - i;
        uint32_t cp = 0;
        size_t l = str_utf8_seqlen(p, rest);
        if (l == 0) {
            i++;
            run = 0;
            continue;
        }
        if (l == 1)
            cp = p[0];
        else if (l == 2)
            cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
        else if (l == 3)
            cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        else
            cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
                 (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
        i += l;
        if (cp == 0x202E || cp == 0x202D || cp == 0x202A || cp == 0x202B || cp == 0x202C ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C)
            return "a bidirectional control character";
        if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF)
            return "an invisible character";
        if (cp == 0x2024 || cp == 0x3002 || cp == 0xFE52 || cp == 0xFF0E) return "a look-alike dot";
        if (cp < 0x20 || cp == 0x7F) return "a control character";
        bool space = cp == ' ' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000 ||
                     cp == 0x202F || cp == 0x205F;
        run = space ? run + 1 : 0;
        if (run >= 5) return "padding whitespace";
    }
    return NULL;
}

bool ma_attach_filename_tricks(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        const char *why;
        if (named_leaf(p) && (why = name_trick(p->filename)) != NULL) {
            ev_evidence(c, "name with %s", why);
            return true;
        }
        for (size_t k = 0; k < p->zip.n; k++)
            if (p->zip.m[k].name && (why = name_trick(p->zip.m[k].name)) != NULL) {
                ev_evidence(c, "archive member name with %s", why);
                return true;
            }
    }
    return false;
}
