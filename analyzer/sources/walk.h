/* walk — expand the command line's paths into the files to read: files as
 * given, directories recursively in sorted (byte) order, symbolic links
 * followed but every directory visited once (device+inode), so loops end.
 * Hidden entries are visited (Maildir++ folders start with '.'), but "tmp"
 * directories inside a Maildir are skipped (half-delivered files).
 * Ceiling: WALK_MAX_DEPTH levels. */
#ifndef SOURCES_WALK_H
#define SOURCES_WALK_H
#include <stddef.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 64

/* Called for every regular file; return non-zero to stop the walk. For a path
 * that does not exist or cannot be read, `err` is set and st is NULL. */
typedef int (*walk_fn)(const char *path, const struct stat *st, const char *err, void *ctx);

/* Returns 0, or the non-zero value a callback returned. */
int walk_paths(char *const *paths, size_t n_paths, walk_fn fn, void *ctx);

#endif
