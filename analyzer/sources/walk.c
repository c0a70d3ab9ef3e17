/* walk — expand paths into files (see walk.h).
 *
 * Depth-capped recursion (at most WALK_MAX_DEPTH frames, each holding one
 * sorted name list). Entries are sorted with strcmp (byte order, locale
 * independent) and examined with stat(), so symbolic links are followed; a
 * directory's (st_dev, st_ino) goes into an open-addressing hash set before
 * it is entered, so a directory reached twice (link loops, two links to one
 * tree, the same path given twice) is walked once.
 *
 * Reported through the callback's err (st == NULL): a path that does not
 * exist or cannot be stat'ed (dangling link), a directory that cannot be
 * opened or read, a directory deeper than WALK_MAX_DEPTH (not entered), and
 * anything that is neither a regular file nor a directory (FIFOs, devices:
 * opening them could block). "." and ".." are never visited; other hidden
 * entries are. A "tmp" directory is skipped when its directory also has a
 * "cur" or a "new" sub-directory (a Maildir: tmp holds partial deliveries;
 * one of cur/new may be missing when copies drop empty directories).
 * Does NOT open files. */
#include "sources/walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct visited {
    struct {
        dev_t dev;
        ino_t ino;
        int used;
    } * slot;
    size_t cap, n;
};

struct walker {
    walk_fn fn;
    void *ctx;
    struct visited seen;
};

static size_t slot_of(const struct visited *v, dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15u ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4Fu;
    h ^= h >> 29;
    size_t i = (size_t)h & (v->cap - 1);
    while (v->slot[i].used && !(v->slot[i].dev == dev && v->slot[i].ino == ino))
        i = (i + 1) & (v->cap - 1);
    return i;
}

/* Insert; false when it was already there. */
static bool visited_add(struct visited *v, dev_t dev, ino_t ino)
{
    if (v->n * 2 >= v->cap) {
        struct visited old = *v;
        v->cap = old.cap ? old.cap * 2 : 64;
        v->slot = xcalloc(v->cap, sizeof *v->slot);
        v->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i].used) {
                size_t j = slot_of(v, old.slot[i].dev, old.slot[i].ino);
                v->slot[j] = old.slot[i];
                v->n++;
            }
        free(old.slot);
    }
    size_t i = slot_of(v, dev, ino);
    if (v->slot[i].used) return false;
    v->slot[i].dev = dev;
    v->slot[i].ino = ino;
    v->slot[i].used = 1;
    v->n++;
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *p = xmalloc(dl + (slash ? 1 : 0) + nl + 1);
    memcpy(p, dir, dl);
    if (slash) p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

static bool is_subdir(const char *dir, const char *name)
{
    char *p = join(dir, name);
    struct stat st;
    bool ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return ok;
}

/* The sorted entries of dir (without "." and ".."), or NULL with errno set. */
static char **list_dir(const char *dir, size_t *n_out)
{
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        names = xgrow(names, &cap, n + 1, sizeof *names);
        names[n++] = xstrdup(e->d_name);
        errno = 0;
    }
    int saved = errno;
    closedir(d);
    if (saved != 0) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        errno = saved;
        return NULL;
    }
    if (n > 1) qsort(names, n, sizeof *names, cmp_names);
    *n_out = n;
    if (!names) /* empty directory: a non-NULL empty list */
        names = xmalloc(sizeof *names);
    return names;
}

static int visit(struct walker *w, const char *path, int depth);

static int walk_dir(struct walker *w, const char *dir, int depth)
{
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (!names) return w->fn(dir, NULL, strerror(errno), w->ctx);
    int rc = 0;
    bool maildir = false, checked = false;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (strcmp(names[i], "tmp") == 0) {
            if (!checked) {
                /* either one is enough: an empty new/ or cur/ is often not
                 * kept (git, some backup tools drop empty directories) */
                maildir = is_subdir(dir, "cur") || is_subdir(dir, "new");
                checked = true;
            }
            if (maildir && is_subdir(dir, "tmp")) continue;
        }
        char *p = join(dir, names[i]);
        rc = visit(w, p, depth + 1);
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int visit(struct walker *w, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) return w->fn(path, NULL, strerror(errno), w->ctx);
    if (S_ISREG(st.st_mode)) return w->fn(path, &st, NULL, w->ctx);
    if (!S_ISDIR(st.st_mode)) return w->fn(path, NULL, "not a regular file or directory", w->ctx);
    if (depth >= WALK_MAX_DEPTH)
        return w->fn(path, NULL, "directory nesting deeper than the walk ceiling; not entered",
                     w->ctx);
    if (!visited_add(&w->seen, st.st_dev, st.st_ino))
        return 0; /* already walked (link loop or a second path to it) */
    return walk_dir(w, path, depth);
}

int walk_paths(char *const *paths, size_t n_paths, walk_fn fn, void *ctx)
{
    struct walker w = {.fn = fn, .ctx = ctx};
    int rc = 0;
    for (size_t i = 0; i < n_paths && rc == 0; i++)
        rc = visit(&w, paths[i], 0);
    free(w.seen.slot);
    return rc;
}
