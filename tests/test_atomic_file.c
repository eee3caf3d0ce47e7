/*
 * File faults against the whole-or-nothing writer (engine/atomic_file.c,
 * compiled into this test): a read-only folder, a folder, a device node, a
 * FIFO and a missing folder as destinations, symbolic links (the target is
 * replaced whole, the link kept), a write given up half way, and a full disk
 * (a 64 KiB tmpfs in a private mount namespace where this process may mount
 * one, and always RLIMIT_FSIZE with SIGXFSZ ignored, which makes a write fail
 * with EFBIG). After every failure the old file is byte for byte what it was,
 * nothing else is in its folder (no temporary file left), and the message
 * names the path. The library's writers that use it, nf_npy_write_f32 and
 * nf_probe_write_npy, are tried on the full disk too (a probe keeps its rows).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common.h"
#include "engine/atomic_file.h"

TestSuite(atomic_file, .timeout = 60);

#define OLD_TEXT "old content, must survive\n"

// --- helpers

static char made_dir[64]; /* this test's folder, removed at exit */

/* Removes a tree, making its folders writable first. */
static void remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    DIR *d = opendir(path);
    const struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[512];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        remove_tree(child);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

static void remove_made_dir(void) { remove_tree(made_dir); }

/* A fresh folder under /tmp (every test runs in its own process). */
static void temp_dir(char *dir, size_t cap) {
    snprintf(dir, cap, "/tmp/nft_atomic_XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert_eq(chmod(dir, 0755), 0);
    if (!made_dir[0]) {
        snprintf(made_dir, sizeof made_dir, "%s", dir);
        atexit(remove_made_dir);
    }
}

static void join(char *out, size_t cap, const char *dir, const char *name) {
    cr_assert_lt((size_t)snprintf(out, cap, "%s/%s", dir, name), cap);
}

static void write_plain(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}

/* The file's whole content (NUL-terminated, at most cap - 1 bytes); -1 when unreadable. */
static long read_plain(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    const size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return (long)n;
}

static void assert_content(const char *path, const char *expected) {
    char buf[4096];
    const long n = read_plain(path, buf, sizeof buf);
    cr_assert_geq(n, 0, "%s cannot be read: %s", path, strerror(errno));
    cr_assert_str_eq(buf, expected, "%s holds \"%s\", expected \"%s\"", path, buf, expected);
}

/* Asserts that `dir` holds exactly the names given (NULL-terminated list). */
static void assert_entries(const char *dir, const char *const *names) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
    int expected = 0;
    while (names[expected])
        expected++;
    int seen = 0;
    const struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int known = 0;
        for (int i = 0; names[i]; i++)
            known |= !strcmp(names[i], e->d_name);
        cr_assert(known, "%s holds an unexpected entry '%s' (a temporary file left behind?)",
                  dir, e->d_name);
        seen++;
    }
    closedir(d);
    cr_assert_eq(seen, expected, "%s holds %d entries, expected %d", dir, seen, expected);
}

/* Writes `len` bytes of `text` repeated through the atomic writer; the status
 * of open (when it fails) or of commit. */
static nf_status atomic_write(const char *path, const char *text, size_t len, char *msg,
                              size_t cap) {
    nf_atomic_file af;
    nf_status st = nf__atomic_open(&af, path, msg, cap);
    if (st != NF_OK) {
        cr_assert_null(af.f, "a failed open leaves no stream");
        cr_assert_null(af.temp_path, "a failed open leaves no temporary file");
        return st;
    }
    const size_t chunk = strlen(text);
    for (size_t done = 0; done < len; done += chunk)
        fwrite(text, 1, len - done < chunk ? len - done : chunk, af.f); /* errors: commit's */
    return nf__atomic_commit(&af, msg, cap);
}

static void assert_failed(nf_status st, nf_status expected, const char *msg, const char *path) {
    cr_assert_eq(st, expected, "expected %s, got %s (%s)", nf_status_string(expected),
                 nf_status_string(st), msg);
    cr_assert(msg[0], "a failure without a message");
    cr_assert_not_null(strstr(msg, path), "the message \"%s\" does not name %s", msg, path);
}

// --- the normal case

Test(atomic_file, writes_a_new_file_whole_with_the_usual_mode) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "new.txt");
    const mode_t mask = umask(022);
    cr_assert_eq(atomic_write(path, "fresh\n", 6, msg, sizeof msg), NF_OK, "%s", msg);
    umask(mask);
    assert_content(path, "fresh\n");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644, "a new file gets 0666 & ~umask, got %o",
                 (unsigned)(st.st_mode & 07777));
    assert_entries(dir, (const char *[]){"new.txt", NULL});
}

Test(atomic_file, replaces_an_existing_file_and_keeps_its_mode) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "old.txt");
    write_plain(path, OLD_TEXT);
    cr_assert_eq(chmod(path, 0640), 0);
    cr_assert_eq(atomic_write(path, "new\n", 4, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content(path, "new\n");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", (unsigned)(st.st_mode & 07777));
    assert_entries(dir, (const char *[]){"old.txt", NULL});
}

Test(atomic_file, a_path_without_a_folder_is_written_in_the_working_folder) {
    char dir[64], msg[512];
    temp_dir(dir, sizeof dir);
    cr_assert_eq(chdir(dir), 0);
    write_plain("here.txt", OLD_TEXT);
    cr_assert_eq(atomic_write("here.txt", "here\n", 5, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content("here.txt", "here\n");
    assert_entries(".", (const char *[]){"here.txt", NULL});
}

// --- destinations that must be refused

Test(atomic_file, refuses_a_folder_as_destination) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "sub");
    cr_assert_eq(mkdir(path, 0755), 0);
    assert_failed(atomic_write(path, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, path);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode), "the folder is still a folder");
    assert_entries(dir, (const char *[]){"sub", NULL});
    assert_entries(path, (const char *[]){NULL});
    /* with a trailing slash too */
    char slash[160];
    snprintf(slash, sizeof slash, "%s/", path);
    assert_failed(atomic_write(slash, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, path);
    assert_entries(path, (const char *[]){NULL});
}

Test(atomic_file, refuses_a_device_node_and_never_removes_it) {
    char msg[512];
    struct stat before, after;
    cr_assert_eq(stat("/dev/null", &before), 0);
    cr_assert(S_ISCHR(before.st_mode));
    assert_failed(atomic_write("/dev/null", "x", 1, msg, sizeof msg), NF_ERR_IO, msg,
                  "/dev/null");
    cr_assert_eq(stat("/dev/null", &after), 0, "/dev/null is gone: %s", strerror(errno));
    cr_assert(S_ISCHR(after.st_mode), "/dev/null is no longer a device");
    cr_assert_eq(after.st_rdev, before.st_rdev);
    /* and through a symbolic link to it: refused, the link kept */
    char dir[64], link[128];
    temp_dir(dir, sizeof dir);
    join(link, sizeof link, dir, "null-link");
    cr_assert_eq(symlink("/dev/null", link), 0);
    assert_failed(atomic_write(link, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, link);
    cr_assert_eq(lstat(link, &after), 0);
    cr_assert(S_ISLNK(after.st_mode), "the link is kept");
    cr_assert_eq(stat("/dev/null", &after), 0);
    cr_assert(S_ISCHR(after.st_mode));
    assert_entries(dir, (const char *[]){"null-link", NULL});
}

Test(atomic_file, refuses_a_fifo_without_opening_it) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "fifo");
    cr_assert_eq(mkfifo(path, 0644), 0);
    /* opening a FIFO for writing would block here: the check comes first */
    assert_failed(atomic_write(path, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, path);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode));
    assert_entries(dir, (const char *[]){"fifo", NULL});
}

Test(atomic_file, refuses_a_missing_folder_and_an_empty_or_null_path) {
    char dir[64], path[160], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "no/such/folder/file.npy");
    assert_failed(atomic_write(path, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, path);
    assert_entries(dir, (const char *[]){NULL});
    nf_atomic_file af;
    cr_assert_eq(nf__atomic_open(&af, "", msg, sizeof msg), NF_ERR_INVALID_ARGUMENT);
    cr_assert(msg[0]);
    cr_assert_eq(nf__atomic_open(&af, NULL, msg, sizeof msg), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf__atomic_open(&af, "", NULL, 0), NF_ERR_INVALID_ARGUMENT, "NULL message");
    nf__atomic_abort(NULL); /* a no-op */
}

/* As root, hands the given paths to nobody and becomes nobody, who, unlike
 * root, cannot write into a folder without the permission (each test is its
 * own process). */
static void drop_root(const char *const *paths) {
    if (geteuid() != 0)
        return;
    for (int i = 0; paths[i]; i++)
        cr_assert_eq(lchown(paths[i], 65534, 65534), 0, "chown %s: %s", paths[i],
                     strerror(errno));
    cr_assert_eq(setgid(65534), 0, "setgid: %s", strerror(errno));
    cr_assert_eq(setuid(65534), 0, "setuid: %s", strerror(errno));
}

Test(atomic_file, a_read_only_folder_is_refused_and_its_file_kept) {
    char dir[64], ro[128], path[160], msg[512];
    temp_dir(dir, sizeof dir);
    join(ro, sizeof ro, dir, "ro");
    cr_assert_eq(mkdir(ro, 0755), 0);
    join(path, sizeof path, ro, "data.npy");
    write_plain(path, OLD_TEXT);
    /* the file itself is writable: truncating it in place would succeed, a
     * temporary file beside it cannot be made */
    cr_assert_eq(chmod(path, 0666), 0);
    cr_assert_eq(chmod(ro, 0555), 0);
    drop_root((const char *[]){dir, ro, path, NULL});
    assert_failed(atomic_write(path, "new content\n", 12, msg, sizeof msg), NF_ERR_IO, msg,
                  path);
    assert_content(path, OLD_TEXT);
    assert_entries(ro, (const char *[]){"data.npy", NULL});
}

// --- symbolic links

Test(atomic_file, through_a_link_the_target_is_replaced_whole_and_the_link_kept) {
    char dir[64], sub[96], target[128], link[128], chain[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(sub, sizeof sub, dir, "sub");
    cr_assert_eq(mkdir(sub, 0755), 0);
    join(target, sizeof target, sub, "target.npy");
    write_plain(target, OLD_TEXT);
    join(link, sizeof link, dir, "link.npy");
    cr_assert_eq(symlink("sub/target.npy", link), 0); /* relative to the link's folder */
    join(chain, sizeof chain, dir, "chain.npy");
    cr_assert_eq(symlink(link, chain), 0); /* absolute, to the first link */

    cr_assert_eq(atomic_write(link, "via link\n", 9, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content(target, "via link\n");
    cr_assert_eq(atomic_write(chain, "via chain\n", 10, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content(target, "via chain\n");
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the link was replaced by a file");
    cr_assert_eq(lstat(chain, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the chained link was replaced by a file");
    char where[256];
    const ssize_t n = readlink(link, where, sizeof where - 1);
    cr_assert_gt(n, 0);
    where[n] = '\0';
    cr_assert_str_eq(where, "sub/target.npy");
    /* the temporary file was made beside the target, and is gone */
    assert_entries(sub, (const char *[]){"target.npy", NULL});
    assert_entries(dir, (const char *[]){"sub", "link.npy", "chain.npy", NULL});
}

Test(atomic_file, a_dangling_link_creates_its_target) {
    char dir[64], target[128], link[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(target, sizeof target, dir, "later.npy");
    join(link, sizeof link, dir, "link.npy");
    cr_assert_eq(symlink("later.npy", link), 0);
    cr_assert_eq(atomic_write(link, "made\n", 5, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content(target, "made\n");
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
}

Test(atomic_file, a_link_loop_is_refused) {
    char dir[64], a[128], b[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(a, sizeof a, dir, "a");
    join(b, sizeof b, dir, "b");
    cr_assert_eq(symlink("b", a), 0);
    cr_assert_eq(symlink("a", b), 0);
    assert_failed(atomic_write(a, "x", 1, msg, sizeof msg), NF_ERR_IO, msg, a);
    assert_entries(dir, (const char *[]){"a", "b", NULL});
}

// --- failures after the file was opened

Test(atomic_file, giving_up_half_way_keeps_the_old_file) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "kept.npy");
    write_plain(path, OLD_TEXT);
    nf_atomic_file af;
    cr_assert_eq(nf__atomic_open(&af, path, msg, sizeof msg), NF_OK, "%s", msg);
    fputs("half of the new", af.f);
    fflush(af.f);
    nf__atomic_abort(&af);
    assert_content(path, OLD_TEXT);
    assert_entries(dir, (const char *[]){"kept.npy", NULL});
}

/* A full disk: writes `size` bytes over a small old file at path (and to a
 * new file beside it); both fail with `expected_errno`'s text in the message,
 * the old file stays whole, nothing else is left in the folder. */
static void assert_full_disk_keeps_files(const char *dir, size_t size, const char *errtext) {
    char path[160], fresh[160], msg[512];
    join(path, sizeof path, dir, "big.npy");
    join(fresh, sizeof fresh, dir, "fresh.npy");
    write_plain(path, OLD_TEXT);
    const nf_status st =
        atomic_write(path, "0123456789abcdef0123456789abcdef", size, msg, sizeof msg);
    assert_failed(st, NF_ERR_IO, msg, path);
    cr_assert_not_null(strstr(msg, errtext), "the message \"%s\" lacks \"%s\"", msg, errtext);
    assert_content(path, OLD_TEXT);
    assert_failed(atomic_write(fresh, "zz", size, msg, sizeof msg), NF_ERR_IO, msg, fresh);
    assert_entries(dir, (const char *[]){"big.npy", NULL});
    /* and a write that fits still works there */
    cr_assert_eq(atomic_write(path, "small\n", 6, msg, sizeof msg), NF_OK, "%s", msg);
    assert_content(path, "small\n");
    assert_entries(dir, (const char *[]){"big.npy", NULL});
}

Test(atomic_file, a_full_tmpfs_keeps_the_old_file_and_leaves_no_temporary) {
    /* a private mount namespace: the tmpfs goes with this process */
    if (unshare(CLONE_NEWNS) != 0)
        cr_skip_test("no private mount namespace here (%s); the RLIMIT_FSIZE test covers a "
                     "full disk", strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        cr_skip_test("cannot make mounts private (%s)", strerror(errno));
    char dir[64];
    temp_dir(dir, sizeof dir);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755") != 0)
        cr_skip_test("cannot mount a tmpfs here (%s); the RLIMIT_FSIZE test covers a full "
                     "disk", strerror(errno));
    assert_full_disk_keeps_files(dir, 256 * 1024, strerror(ENOSPC));
    umount(dir);
    rmdir(dir);
}

Test(atomic_file, a_file_size_limit_keeps_the_old_file_and_leaves_no_temporary) {
    char dir[64];
    temp_dir(dir, sizeof dir);
    /* SIGXFSZ would kill the process; ignored, the write fails with EFBIG */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit small = {.rlim_cur = 64 * 1024, .rlim_max = old.rlim_max};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0, "setrlimit: %s", strerror(errno));
    assert_full_disk_keeps_files(dir, 256 * 1024, strerror(EFBIG));
    setrlimit(RLIMIT_FSIZE, &old);
}

// --- the library's writers on a full disk

/* Limits file sizes to `bytes` (SIGXFSZ ignored: writes fail with EFBIG). */
static void limit_file_size(rlim_t bytes) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    struct rlimit small = {.rlim_cur = bytes, .rlim_max = old.rlim_max};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0, "setrlimit: %s", strerror(errno));
}

Test(atomic_file, npy_writes_on_a_full_disk_keep_the_old_file) {
    char dir[64], path[128], msg[512];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "kept.npy");
    const float old[3] = {1.0f, 2.0f, 3.0f};
    const int64_t old_shape[1] = {3};
    cr_assert_eq(nf_npy_write_f32(path, old, 1, old_shape, msg, sizeof msg), NF_OK, "%s", msg);
    limit_file_size(64 * 1024);
    enum { N = 100000 };
    float *big = nft_alloc(N, sizeof *big);
    const int64_t shape[1] = {N};
    const nf_status st = nf_npy_write_f32(path, big, 1, shape, msg, sizeof msg);
    free(big);
    assert_failed(st, NF_ERR_IO, msg, path);
    float *back = NULL;
    int32_t ndim = 0;
    int64_t got[NF_NPY_MAX_DIMS];
    cr_assert_eq(nf_npy_read_f32(path, &back, &ndim, got, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert(ndim == 1 && got[0] == 3 && back[2] == 3.0f, "the old file changed");
    nf_npy_free(back);
    assert_entries(dir, (const char *[]){"kept.npy", NULL});
}

Test(atomic_file, a_probe_written_on_a_full_disk_keeps_its_rows) {
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "probe.npy");
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 4, 1);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, 2000);
    int32_t pop, probe;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    NFT_OK(net, nf_probe_add(net, pop, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_network_run(net, 10)); /* 10 x 4 x 2000 floats: 320 kB */
    limit_file_size(64 * 1024);
    const nf_status st = nf_probe_write_npy(net, probe, path);
    cr_assert_eq(st, NF_ERR_IO, "%s", nf_network_last_error(net));
    cr_assert_not_null(strstr(nf_network_last_error(net), "probe.npy"), "%s",
                       nf_network_last_error(net));
    int64_t rows = 0;
    NFT_OK(net, nf_probe_rows(net, probe, &rows));
    cr_assert_eq(rows, 10, "the failed write lost rows (%lld left)", (long long)rows);
    assert_entries(dir, (const char *[]){NULL});
    nf_network_destroy(net);
}
