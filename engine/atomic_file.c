/*
 * Whole-or-nothing file replacement (atomic_file.h): mkstemp beside the
 * destination, write, fflush + fsync, rename, fsync of the folder.
 */
#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static nf_status atomic_fail(char *message, size_t capacity, nf_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static nf_status atomic_fail(char *message, size_t capacity, nf_status st, const char *fmt, ...) {
    if (message && capacity) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, capacity, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* The status an errno stands for: running out of memory is not an I/O error. */
static nf_status errno_status(int e) {
    return e == ENOMEM ? NF_ERR_OUT_OF_MEMORY : NF_ERR_IO;
}

/* The destination with symbolic links followed (a link to a file that does
 * not exist yet is followed too); NULL with errno on failure. */
static char *resolve(const char *path) {
    char *resolved = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        int hops = 0;
        size_t len = strlen(path);
        char *current = malloc(len + 1);
        if (!current)
            return NULL;
        memcpy(current, path, len + 1);
        while (lstat(current, &st) == 0 && S_ISLNK(st.st_mode)) {
            const ssize_t n = readlink(current, target, sizeof target - 1);
            if (n < 0 || ++hops > 40) {
                if (n >= 0)
                    errno = ELOOP;
                free(current);
                return NULL;
            }
            target[n] = '\0';
            char *next;
            const char *slash = strrchr(current, '/');
            if (target[0] == '/' || !slash) {
                next = malloc((size_t)n + 1);
                if (next)
                    memcpy(next, target, (size_t)n + 1);
            } else { /* relative to the link's folder */
                const size_t dir = (size_t)(slash - current) + 1;
                next = malloc(dir + (size_t)n + 1);
                if (next) {
                    memcpy(next, current, dir);
                    memcpy(next + dir, target, (size_t)n + 1);
                }
            }
            free(current);
            if (!next)
                return NULL;
            current = next;
        }
        return current;
    }
    resolved = malloc(strlen(path) + 1);
    if (resolved)
        strcpy(resolved, path);
    return resolved;
}

nf_status nf__atomic_open(nf_atomic_file *af, const char *path, char *message,
                          size_t capacity) {
    memset(af, 0, sizeof *af);
    if (!path || !path[0])
        return atomic_fail(message, capacity, NF_ERR_INVALID_ARGUMENT, "no file name given");
    char *real = resolve(path);
    if (!real)
        return atomic_fail(message, capacity, errno_status(errno), "%s: %s", path,
                           strerror(errno));
    struct stat st;
    if (stat(real, &st) == 0 && !S_ISREG(st.st_mode)) {
        free(real);
        return atomic_fail(message, capacity, NF_ERR_IO,
                           "%s: exists and is not a regular file (a %s); not replaced", path,
                           S_ISDIR(st.st_mode) ? "folder" : "device, FIFO or socket");
    }
    const size_t len = strlen(real);
    char *temp = malloc(len + 16);
    if (!temp) {
        free(real);
        return atomic_fail(message, capacity, NF_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    }
    /* beside the destination: ".name.tmp-XXXXXX" in its folder */
    const char *slash = strrchr(real, '/');
    const size_t dir = slash ? (size_t)(slash - real) + 1 : 0;
    snprintf(temp, len + 16, "%.*s.%s.XXXXXX", (int)dir, real, real + dir);
    const int fd = mkstemp(temp);
    if (fd < 0) {
        const int e = errno;
        free(temp);
        free(real);
        return atomic_fail(message, capacity, errno_status(e), "%s: cannot create a file in its folder: %s",
                           path, strerror(e));
    }
    /* mkstemp makes 0600; a new file gets the usual permissions, an existing
     * one keeps its own. */
    mode_t mode = 0666;
    if (stat(real, &st) == 0)
        mode = st.st_mode & 07777;
    else {
        const mode_t mask = umask(022);
        umask(mask);
        mode &= ~mask;
    }
    fchmod(fd, mode);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        const int e = errno;
        close(fd);
        unlink(temp);
        free(temp);
        free(real);
        return atomic_fail(message, capacity, errno_status(e), "%s: %s", path, strerror(e));
    }
    af->path = real;
    af->temp_path = temp;
    return NF_OK;
}

static void finish(nf_atomic_file *af, int remove_temp) {
    if (af->f)
        fclose(af->f);
    if (remove_temp && af->temp_path)
        unlink(af->temp_path);
    free(af->path);
    free(af->temp_path);
    memset(af, 0, sizeof *af);
}

void nf__atomic_abort(nf_atomic_file *af) {
    if (af)
        finish(af, 1);
}

nf_status nf__atomic_commit(nf_atomic_file *af, char *message, size_t capacity) {
    int e = 0;
    if (fflush(af->f) != 0 || ferror(af->f))
        e = errno ? errno : EIO;
    else if (fsync(fileno(af->f)) != 0)
        e = errno;
    FILE *f = af->f;
    af->f = NULL;
    if (fclose(f) != 0 && !e)
        e = errno;
    if (!e && rename(af->temp_path, af->path) != 0)
        e = errno;
    if (e) {
        const nf_status st = atomic_fail(message, capacity, errno_status(e),
                                         "%s: writing failed (%s); the file is unchanged",
                                         af->path, strerror(e));
        finish(af, 1);
        return st;
    }
    /* the rename itself reaches the disk with its folder, named by af->path
     * cut at its last '/' in place (no allocation that could fail and leave
     * another folder to sync) */
    char *slash = strrchr(af->path, '/');
    const char *dir = !slash ? "." : slash == af->path ? "/" : af->path;
    if (slash && slash != af->path)
        *slash = '\0';
    const int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (slash && slash != af->path)
        *slash = '/';
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    finish(af, 0);
    return NF_OK;
}
