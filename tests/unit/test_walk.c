/* test_walk — a temporary tree with a symlink loop, a Maildir with tmp/, a
 * tmp/ that is not in a Maildir, a dangling link, a FIFO, a deep chain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sources/walk.h"
#include "util/buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct log {
    struct buf b; /* one line per callback: "F rel" or "E rel" */
    size_t root_len;
    int stop_after; /* stop (return 7) at this many callbacks; 0 = never */
    int calls;
};

static int record(const char *path, const struct stat *st, const char *err, void *ctx)
{
    struct log *l = ctx;
    const char *rel = strlen(path) > l->root_len ? path + l->root_len + 1 : path;
    if (err) {
        assert_null(st);
        buf_printf(&l->b, "E %s\n", rel);
    } else {
        assert_non_null(st);
        assert_true(S_ISREG(st->st_mode));
        buf_printf(&l->b, "F %s\n", rel);
    }
    l->calls++;
    return l->stop_after && l->calls >= l->stop_after ? 7 : 0;
}

static void mk(const char *root, const char *rel, bool dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if (dir) {
        assert_int_equal(mkdir(p, 0755), 0);
    } else {
        int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "X: y\n", 5), 5);
        close(fd);
    }
}

static void ln(const char *root, const char *target, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void rm_tree(const char *root)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void test_tree(void **state)
{
    (void)state;
    char root[] = "/tmp/test_walk_XXXXXX";
    assert_non_null(mkdtemp(root));
    mk(root, "a.eml", false);
    mk(root, "Z.eml", false);
    mk(root, "b", true);
    mk(root, "b/c.eml", false);
    ln(root, "..", "b/loop");   /* back to root: a loop */
    ln(root, "../b", "b/self"); /* to b itself */
    mk(root, "Maildir", true);
    mk(root, "Maildir/cur", true);
    mk(root, "Maildir/new", true);
    mk(root, "Maildir/tmp", true);
    mk(root, "Maildir/cur/1.M1.h:2,S", false);
    mk(root, "Maildir/new/2.M1.h", false);
    mk(root, "Maildir/tmp/3.M1.h", false); /* skipped */
    mk(root, "Maildir/.Junk", true);
    mk(root, "Maildir/.Junk/cur", true);
    mk(root, "Maildir/.Junk/new", true);
    mk(root, "Maildir/.Junk/tmp", true);
    mk(root, "Maildir/.Junk/tmp/4", false); /* skipped */
    mk(root, "Maildir/.Junk/cur/5:2,", false);
    mk(root, "Maildir/.Sent", true); /* no new/: dropped by a copy that skips empty dirs */
    mk(root, "Maildir/.Sent/cur", true);
    mk(root, "Maildir/.Sent/tmp", true);
    mk(root, "Maildir/.Sent/cur/7:2,S", false);
    mk(root, "Maildir/.Sent/tmp/8", false); /* skipped all the same */
    mk(root, "notmaildir", true);
    mk(root, "notmaildir/tmp", true);
    mk(root, "notmaildir/tmp/6", false); /* kept: no cur/new beside it */
    ln(root, "does-not-exist", "dangling");
    ln(root, "a.eml", "link_to_file");
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", root);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    struct log l = {.root_len = strlen(root)};
    buf_init(&l.b, 0);
    char *paths[] = {root, root}; /* the same tree twice: walked once */
    assert_int_equal(walk_paths(paths, 2, record, &l), 0);
    const char *want = "F Maildir/.Junk/cur/5:2,\n"
                       "F Maildir/.Sent/cur/7:2,S\n"
                       "F Maildir/cur/1.M1.h:2,S\n"
                       "F Maildir/new/2.M1.h\n"
                       "F Z.eml\n"
                       "F a.eml\n"
                       "F b/c.eml\n"
                       "E dangling\n"
                       "E fifo\n"
                       "F link_to_file\n"
                       "F notmaildir/tmp/6\n";
    assert_string_equal(buf_cstr(&l.b), want);

    /* A callback's non-zero return stops the walk and is returned. */
    buf_reset(&l.b);
    l.calls = 0;
    l.stop_after = 3;
    assert_int_equal(walk_paths(paths, 1, record, &l), 7);
    assert_int_equal(l.calls, 3);

    buf_free(&l.b);
    rm_tree(root);
}

static void test_missing_and_file(void **state)
{
    (void)state;
    char root[] = "/tmp/test_walk_XXXXXX";
    assert_non_null(mkdtemp(root));
    mk(root, "one.eml", false);
    char file[4096], missing[4096];
    snprintf(file, sizeof file, "%s/one.eml", root);
    snprintf(missing, sizeof missing, "%s/nope", root);
    struct log l = {.root_len = strlen(root)};
    buf_init(&l.b, 0);
    char *paths[] = {missing, file};
    assert_int_equal(walk_paths(paths, 2, record, &l), 0);
    assert_string_equal(buf_cstr(&l.b), "E nope\nF one.eml\n");
    buf_free(&l.b);
    rm_tree(root);
}

/* An unreadable directory is reported, its siblings still walked. As root
 * (which reads everything) the walk runs in a child that drops to nobody. */
static int walk_unreadable(const char *root)
{
    struct log l = {.root_len = strlen(root)};
    buf_init(&l.b, 0);
    char *paths[] = {(char *)root};
    int rc = walk_paths(paths, 1, record, &l);
    int ok = rc == 0 && strcmp(buf_cstr(&l.b), "E closed\nF open/y\n") == 0;
    if (!ok) fprintf(stderr, "# got: %s", buf_cstr(&l.b));
    buf_free(&l.b);
    return ok;
}

static void test_unreadable(void **state)
{
    (void)state;
    char root[] = "/tmp/test_walk_XXXXXX";
    assert_non_null(mkdtemp(root));
    assert_int_equal(chmod(root, 0755), 0);
    mk(root, "closed", true);
    mk(root, "closed/x", false);
    mk(root, "open", true);
    mk(root, "open/y", false);
    char p[4096];
    snprintf(p, sizeof p, "%s/closed", root);
    assert_int_equal(chmod(p, 0), 0);
    if (geteuid() != 0) {
        assert_true(walk_unreadable(root));
    } else {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
            _exit(walk_unreadable(root) ? 0 : 1);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    chmod(p, 0755);
    rm_tree(root);
}

/* 70 nested directories, a file at level 10 and at the bottom: the walk
 * enters levels 0..63 below the root, reports level 64 once, never sees the
 * bottom file. */
static void test_depth(void **state)
{
    (void)state;
    char root[] = "/tmp/test_walk_XXXXXX";
    assert_non_null(mkdtemp(root));
    char rel[4096] = "";
    size_t rl = 0;
    for (int i = 1; i <= 70; i++) {
        rl += (size_t)snprintf(rel + rl, sizeof rel - rl, "%sd", i > 1 ? "/" : "");
        mk(root, rel, true);
        if (i == 10) {
            char f[4200];
            snprintf(f, sizeof f, "%s/f10", rel);
            mk(root, f, false);
        }
    }
    char f[4200];
    snprintf(f, sizeof f, "%s/bottom", rel);
    mk(root, f, false);
    struct log l = {.root_len = strlen(root)};
    buf_init(&l.b, 0);
    char *paths[] = {root};
    assert_int_equal(walk_paths(paths, 1, record, &l), 0);
    const char *s = buf_cstr(&l.b);
    assert_int_equal(l.calls, 2);
    assert_non_null(strstr(s, "F d/d/d/d/d/d/d/d/d/d/f10\n"));
    /* the error is for the directory at depth 64: 64 "d" components */
    const char *e = strstr(s, "E ");
    assert_non_null(e);
    size_t comps = 1;
    for (const char *q = e + 2; *q && *q != '\n'; q++)
        comps += *q == '/';
    assert_int_equal(comps, WALK_MAX_DEPTH);
    assert_null(strstr(s, "bottom"));
    buf_free(&l.b);
    rm_tree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_missing_and_file),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
