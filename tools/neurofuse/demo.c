/*
 * neurofuse demo: trains a FORCE network on a reference task (the task's own
 * RLS rule, window and lengths; tasks/), or with --target on the
 * user's signal from a .npy file (demo_target.c), on the best available
 * backend, shows progress, prints the mean absolute error e = z - f over the
 * training and the testing steps and the speed, and writes into the output
 * folder target.npy, output.npy and error.npy, each (steps, batch, dim)
 * float32, and plot.svg (batch element 0, dimension 0). Under MPI (cli_mpi.h:
 * mpirun, or --mpi) the batch is sharded over the ranks: each rank trains its
 * slice, the probes' rows are gathered to rank 0 after every chunk of steps,
 * and rank 0 prints and writes the same files a single process would.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_mpi.h"
#include "demo_checkpoint.h"
#include "staging.h"
#include "demo_target.h"
#include "svg_plot.h"
#include "task_registry.h"

static const char USAGE[] =
    "usage: neurofuse demo [options]\n"
    "  Trains a FORCE network on a reference task and writes target.npy, output.npy,\n"
    "  error.npy (float32, shape (steps, batch, dim)) and plot.svg into the output folder.\n"
    "\n"
    "options:\n"
    "  --task NAME         the task (default sussillo; --list-tasks shows them all)\n"
    "  --batch N           train N networks at once (default 1): independent ones (own\n"
    "                      weights and P) for sussillo; copies of one for the others\n"
    "  --backend B         auto (default: cuda when a GPU is usable), cpu or cuda\n"
    "  --device D          CUDA device ordinal (default 0)\n"
    "  --train-steps N     training steps (default: the task's)\n"
    "  --test-steps N      testing steps after training (default: the task's)\n"
    "  --target FILE.npy   train the sussillo network (dt 0.1) on your own signal instead:\n"
    "                      shape (steps,) or (steps, dim) (or (steps, 1, dim), as a --batch 1\n"
    "                      run's target.npy), row t the target at step t, finite values.\n"
    "                      The run is the file's steps: the first half trains and the rest\n"
    "                      tests, or --train-steps N trains on the first N, or --test-steps\n"
    "                      M tests on the last M. A file that cannot be used exits 2.\n"
    "  --seed S            network seed (default 2009)\n"
    "  --out DIR           output folder (default ./neurofuse-demo)\n"
    "  --checkpoint FILE   save the run to FILE every --checkpoint-every steps: the\n"
    "                      network (a .npz, nf_network_save) and the traces so far\n"
    "                      (FILE.traces.npy); each replaced whole, never left half written\n"
    "  --checkpoint-every N  steps between checkpoints (default: a tenth of the run)\n"
    "  --resume FILE       continue the run saved in FILE by --checkpoint (give the options\n"
    "                      it was started with): the same outputs as a run never stopped;\n"
    "                      under MPI each rank saves its slice to FILE.rank-R-of-K, and\n"
    "                      the run resumes on as many ranks as saved it\n"
    "  --list-tasks        list the tasks and exit\n"
    "  --mpi               run sharded over MPI ranks even without a launcher (started\n"
    "                      by mpirun, mpiexec or srun it is anyway): --batch is the global\n"
    "                      batch, each rank trains its slice, rank 0 prints and writes the\n"
    "                      outputs, the same bytes as one process with the whole batch\n"
    "  -h, --help          this help\n";

typedef struct demo_options {
    const char *task, *out, *target, *checkpoint, *resume;
    int64_t batch, device, train, test, seed, every;
    nf_backend backend;
    int list;
} demo_options;

static int handle(void *ctx, int argc, char **argv, int *i) {
    demo_options *o = ctx;
    static const struct {
        const char *name;
        int64_t lo, hi;
        size_t field;
    } ints[] = {
        {"--batch", 1, 1 << 20, offsetof(demo_options, batch)},
        {"--device", 0, 1024, offsetof(demo_options, device)},
        {"--train-steps", 0, INT64_C(1) << 40, offsetof(demo_options, train)},
        {"--test-steps", 0, INT64_C(1) << 40, offsetof(demo_options, test)},
        {"--seed", 0, INT64_MAX, offsetof(demo_options, seed)},
        {"--checkpoint-every", 1, INT64_C(1) << 40, offsetof(demo_options, every)},
    };
    const char *v;
    int r;
    if (!strcmp(argv[*i], "--list-tasks")) {
        o->list = 1;
        return CLI_OK;
    }
    if (!strcmp(argv[*i], "--mpi")) /* read by main (cli_mpi_start) */
        return CLI_OK;
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
        if ((r = cli_option(argc, argv, i, ints[k].name, &v)) == 1)
            return cli_parse_int("demo", USAGE, ints[k].name, v, ints[k].lo, ints[k].hi,
                                 (int64_t *)((char *)o + ints[k].field));
        if (r < 0)
            return cli_usage_error("demo", USAGE, "%s needs a value", ints[k].name);
    }
    if ((r = cli_option(argc, argv, i, "--backend", &v)) == 1)
        return cli_parse_backend("demo", USAGE, v, &o->backend);
    if (r == 0 && (r = cli_option(argc, argv, i, "--task", &v)) == 1)
        o->task = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--out", &v)) == 1)
        o->out = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--target", &v)) == 1)
        o->target = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--checkpoint", &v)) == 1)
        o->checkpoint = v;
    if (r == 0 && (r = cli_option(argc, argv, i, "--resume", &v)) == 1)
        o->resume = v;
    if (r < 0)
        return cli_usage_error("demo", USAGE, "%s needs a value", argv[*i]);
    return r == 1 ? CLI_OK : -1;
}

/* mkdir -p; 0 on success, else -1 with errno set. */
static int make_dirs(const char *path) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            const char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return -1;
            }
            if (!c)
                return 0;
            *p = c;
        }
    }
}

/* The progress line: \r-updated on a terminal, a plain line per 10% otherwise; `ran`
 * of the `done` steps ran in this process (the others before a --resume). */
static void progress(int tty, int64_t done, int64_t ran, int64_t total, const cli_task_ids *ids,
                     double elapsed, double recent_error, int *last_decile) {
    const double frac = (double)done / (double)total;
    const char *phase = done <= ids->train_from    ? "warm-up"
                        : done <= ids->train_steps ? "training"
                                                   : "testing";
    if (tty) {
        char bar[31];
        for (int k = 0; k < 30; k++)
            bar[k] = k < (int)(30 * frac) ? '#' : '.';
        bar[30] = '\0';
        printf("\r  %-8s [%s] %3.0f%%  %lld/%lld steps  %.0f steps/s  |e| %.4f ", phase, bar,
               100 * frac, (long long)done, (long long)total, ran / elapsed, recent_error);
        if (done == total)
            printf("\n");
    } else if ((int)(10 * frac) > *last_decile || done == total) {
        *last_decile = (int)(10 * frac);
        printf("  %-8s %3.0f%%  %lld/%lld steps  %.0f steps/s  |e| %.4f\n", phase, 100 * frac,
               (long long)done, (long long)total, ran / elapsed, recent_error);
    }
    fflush(stdout);
}

/* Mean |e| of each batch element over rows [from, to); mean, best and worst of them. */
static void element_errors(const float *e, int64_t from, int64_t to, int32_t batch, int32_t dim,
                           double *mean, double *best, double *worst) {
    *mean = 0.0, *best = INFINITY, *worst = 0.0;
    for (int32_t b = 0; b < batch; b++) {
        double sum = 0.0;
        for (int64_t t = from; t < to; t++)
            for (int32_t d = 0; d < dim; d++)
                sum += fabs((double)e[(t * batch + b) * dim + d]);
        const double m = to > from ? sum / ((double)(to - from) * dim) : 0.0;
        *mean += m / batch;
        *best = fmin(*best, m);
        *worst = fmax(*worst, m);
    }
}

typedef struct demo_run {
    nf_network *net;
    float *z, *e, *f;
    cli_target target;
} demo_run;

static int finish(demo_run *r, int status) {
    free(r->z);
    free(r->e);
    free(r->f);
    cli_target_free(&r->target);
    nf_network_destroy(r->net);
    return status;
}

static int fail_with(demo_run *r, const char *what, nf_status st, const char *why) {
    fprintf(stderr, "neurofuse demo: %s: %s\n  %s\n", what, nf_status_string(st), why);
    return finish(r, CLI_FAILED);
}

static int fail(demo_run *r, const char *what, nf_status st) {
    return fail_with(r, what, st, r->net ? nf_network_last_error(r->net) : "");
}

/* Every rank's outcome of a step (cli_mpi_agree): NF_OK, or the first failing
 * rank's status with its message in why (this rank's network's otherwise). */
static nf_status agree(const demo_run *r, nf_status st, char *why, size_t capacity) {
    snprintf(why, capacity, "%s", st != NF_OK && r->net ? nf_network_last_error(r->net) : "");
    return cli_mpi_agree(st, why, capacity);
}

static int write_outputs(demo_run *r, const demo_options *o, const cli_task *task,
                         const cli_task_ids *ids, int64_t steps, int32_t batch, int32_t dim) {
    const int64_t shape[3] = {steps, batch, dim};
    const struct {
        const char *name;
        const float *data;
    } files[] = {{"target.npy", r->f}, {"output.npy", r->z}, {"error.npy", r->e}};
    char path[4400], msg[512];
    /* all four files or none: written aside, moved into place together */
    cli_stage stage;
    if (cli_stage_begin(&stage, o->out, msg, sizeof msg) != 0) {
        fprintf(stderr, "neurofuse demo: %s\n", msg);
        return CLI_FAILED;
    }
    for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
        cli_stage_path(&stage, files[k].name, path, sizeof path);
        const nf_status st = nf_npy_write_f32(path, files[k].data, 3, shape, msg, sizeof msg);
        if (st != NF_OK) {
            fprintf(stderr, "neurofuse demo: %s\n", msg);
            cli_stage_abort(&stage);
            return CLI_FAILED;
        }
    }
    char title[256];
    snprintf(title, sizeof title, "neurofuse demo: %s (batch element 0 of %d, dimension 0)",
             task->name, batch);
    const cli_plot plot = {.title = title,
                           .subtitle = task->summary,
                           .time_unit = task->time_unit,
                           .dt = nf_network_dt(r->net),
                           .count = steps,
                           .boundary = ids->train_steps,
                           .target = r->f,
                           .output = r->z,
                           .error = r->e,
                           .stride = (int64_t)batch * dim};
    cli_stage_path(&stage, "plot.svg", path, sizeof path);
    if (cli_plot_write(path, &plot, msg, sizeof msg) != 0 ||
        cli_stage_commit(&stage, msg, sizeof msg) != 0) {
        fprintf(stderr, "neurofuse demo: %s\n", msg);
        cli_stage_abort(&stage);
        return CLI_FAILED;
    }
    for (size_t k = 0; k < sizeof files / sizeof *files; k++)
        printf("  wrote %s/%s (%lld x %d x %d float32)\n", o->out, files[k].name,
               (long long)steps, batch, dim);
    printf("  wrote %s/plot.svg\n", o->out);
    return CLI_OK;
}

/* A task without traces: build, run and score in one call. */
static int run_only(demo_run *r, const cli_task *task, const demo_options *o) {
    if (o->train >= 0 || o->test >= 0)
        fprintf(stderr,
                "neurofuse demo: task %s runs with its own lengths; --train-steps and "
                "--test-steps are ignored\n",
                task->name);
    printf("neurofuse %s demo: task %s\n  %s\n  batch %d, backend %s; this task runs whole "
           "(no progress, no traces written)\n",
           nf_version(), task->name, task->summary, nf_network_batch(r->net),
           nf_backend_name(nf_network_backend(r->net)));
    fflush(stdout);
    double train = 0.0, test = 0.0;
    const double t0 = cli_now();
    const nf_status s = task->run(r->net, (uint64_t)o->seed, &train, &test);
    const double elapsed = cli_now() - t0;
    if (s != NF_OK)
        return fail(r, task->name, s);
    const int64_t steps = nf_network_step_count(r->net);
    printf("results (mean |z - f|, over the batch):\n  training error %.5f\n  testing  error "
           "%.5f\n  speed    %.0f steps/s (%lld steps in %.2f s, building included)\n",
           train, test, steps / elapsed, (long long)steps, elapsed);
    return finish(r, CLI_OK);
}

int cli_demo(int argc, char **argv) {
    demo_options o = {.task = "sussillo",
                      .out = "neurofuse-demo",
                      .batch = 1,
                      .train = -1,
                      .test = -1,
                      .seed = 2009,
                      .backend = NF_BACKEND_AUTO};
    int st = cli_parse("demo", USAGE, argc, argv, handle, &o);
    if (st != CLI_OK)
        return st == -2 ? CLI_OK : st;
    if (o.list) {
        for (int k = 0; k < cli_task_count; k++)
            printf("%-14s %s\n", cli_tasks[k].name, cli_tasks[k].summary);
        return CLI_OK;
    }
    const cli_task *task = cli_task_find(o.task);
    if (!task) {
        fprintf(stderr, "neurofuse demo: unknown task '%s'; the tasks are:\n", o.task);
        for (int k = 0; k < cli_task_count; k++)
            fprintf(stderr, "  %-14s %s\n", cli_tasks[k].name, cli_tasks[k].summary);
        return CLI_USAGE;
    }
    if (o.train == 0 && o.test == 0)
        return cli_usage_error("demo", USAGE, "--train-steps 0 and --test-steps 0: no steps");
    demo_run r = {0};
    int64_t train = o.train, test = o.test;
    cli_task custom;
    char summary[256], why[1024];
    if (o.target) {
        if (strcmp(o.task, "sussillo"))
            return cli_usage_error("demo", USAGE,
                                   "--target trains the sussillo network; task %s takes none",
                                   o.task);
        const int bad = cli_target_load(o.target, &r.target, why, sizeof why) ||
                        cli_target_split(&r.target, o.train, o.test, &train, &test, why,
                                         sizeof why);
        if (cli_mpi_agree(bad ? NF_ERR_INVALID_ARGUMENT : NF_OK, why, sizeof why) != NF_OK) {
            cli_target_free(&r.target);
            return cli_usage_error("demo", USAGE, "--target: %s", why);
        }
        custom = *task;
        snprintf(summary, sizeof summary,
                 "your signal, %lld steps x %d, on Sussillo & Abbott's network (1000 tanh units, "
                 "output feedback)",
                 (long long)r.target.steps, r.target.dim);
        custom.name = o.target;
        custom.summary = summary;
        task = &custom;
    }
    const int sharded = cli_mpi_on(), root = cli_mpi_rank() == 0;
    if (sharded && cli_mpi_ranks() > 1 && !task->build)
        return finish(&r, cli_usage_error("demo", USAGE, "task %s runs whole in one process, "
                                          "not over %d MPI ranks", task->name, cli_mpi_ranks()));
    nf_status s = NF_OK;
    if (root && make_dirs(o.out) != 0)
        snprintf(why, sizeof why, "cannot create the output folder '%s': %s", o.out,
                 strerror(errno)), s = NF_ERR_IO;
    if ((s = cli_mpi_agree(s, why, sizeof why)) != NF_OK) {
        fprintf(stderr, "neurofuse demo: %s\n", why);
        return finish(&r, CLI_FAILED);
    }

    nf_network_desc nd = nf_network_defaults();
    nd.batch = (int32_t)o.batch;
    nd.seed = (uint64_t)o.seed;
    nd.backend = o.backend;
    nd.device = (int32_t)o.device;
    char msg[512];
    s = sharded ? cli_mpi_network_create(&nd, &r.net, msg, sizeof msg)
                : nf_network_create_ex(&nd, &r.net, msg, sizeof msg);
    if (s != NF_OK) {
        fprintf(stderr, "neurofuse demo: cannot create the network: %s\n  %s\n",
                nf_status_string(s), msg);
        return finish(&r, s == NF_ERR_NO_DEVICE || s == NF_ERR_INVALID_ARGUMENT ? CLI_USAGE
                                                                                 : CLI_FAILED);
    }
    if (!task->build && (o.checkpoint || o.resume))
        return finish(&r, cli_usage_error("demo", USAGE, "task %s runs whole: it takes no "
                                          "--checkpoint or --resume", task->name));
    if (!task->build)
        return run_only(&r, task, &o);
    cli_task_ids ids;
    s = o.target ? cli_target_build(r.net, &r.target, train, test, &ids)
                 : task->build(r.net, o.train, o.test, &ids);
    if ((s = agree(&r, s, why, sizeof why)) != NF_OK)
        return fail_with(&r, "building the task", s, why);
    int64_t row = 0; /* this rank's: count x dim */
    if ((s = agree(&r, nf_probe_row_size(r.net, ids.output_probe, &row), why, sizeof why)) !=
        NF_OK)
        return fail_with(&r, "nf_probe_row_size", s, why);
    const int32_t batch = nd.batch, dim = (int32_t)(row / nf_network_batch(r.net));
    const int64_t steps = ids.train_steps + ids.test_steps, grow = (int64_t)batch * dim;
    const size_t floats = (size_t)steps * (size_t)grow;
    if (root) { /* the whole batch's traces, on rank 0 alone under MPI */
        r.z = malloc(floats * sizeof(float));
        r.e = malloc(floats * sizeof(float));
        r.f = malloc(floats * sizeof(float));
    }
    s = root && (!r.z || !r.e || !r.f) ? NF_ERR_OUT_OF_MEMORY : NF_OK;
    snprintf(why, sizeof why, "%s", s != NF_OK ? "out of host memory" : "");
    if ((s = cli_mpi_agree(s, why, sizeof why)) != NF_OK)
        return fail_with(&r, "host buffers for the results", s, why);
    int64_t start = 0;
    if (o.resume) { /* the built network gave the ids; the saved one has the same */
        nf_network *saved;
        if (cli_checkpoint_resume(o.resume, nd.backend, nd.device, &saved, r.z, r.e, steps,
                                  batch, dim, &start, why, sizeof why)) {
            fprintf(stderr, "neurofuse demo: --resume: %s\n", why);
            return finish(&r, CLI_FAILED);
        }
        nf_network_destroy(r.net);
        r.net = saved;
    }

    nf_device_info dev;
    const nf_backend used = nf_network_backend(r.net);
    const int described = nf_device_query(used, nd.device * (used == NF_BACKEND_CUDA), &dev);
    printf("neurofuse %s demo: task %s\n  %s\n  batch %d, %lld warm-up + %lld training + %lld "
           "testing steps (dt %g %s), backend %s (%s)\n",
           nf_version(), task->name, task->summary, batch, (long long)ids.train_from,
           (long long)(ids.train_steps - ids.train_from), (long long)ids.test_steps,
           nf_network_dt(r.net), task->time_unit, nf_backend_name(used),
           described == NF_OK ? dev.name : "?");
    if (sharded)
        printf("  sharded over %d MPI ranks (%d to %d networks each); rank 0 gathers the "
               "traces\n",
               cli_mpi_ranks(), batch / cli_mpi_ranks(),
               (batch + cli_mpi_ranks() - 1) / cli_mpi_ranks());
    fflush(stdout);

    const int tty = isatty(STDOUT_FILENO) && !sharded; /* mpirun gives ranks a pty */
    int64_t chunk = steps / 100 > 64 ? steps / 100 / 64 * 64 : 64;
    const int64_t every = o.every ? o.every : (steps / 10 > chunk ? steps / 10 : chunk);
    if (o.resume)
        printf("  resumed from %s at step %lld\n", o.resume, (long long)start);
    if (o.checkpoint)
        printf("  checkpoints to %s every %lld steps\n", o.checkpoint, (long long)every);
    double elapsed = 0.0, recent = 0.0;
    double phase_time[3] = {0.0, 0.0, 0.0}; /* warm-up, training, testing */
    int decile = (int)(10 * start / steps);
    for (int64_t done = start; done < steps;) {
        int64_t n = steps - done < chunk ? steps - done : chunk;
        if (o.checkpoint && every - done % every < n)
            n = every - done % every;
        const int phase = done < ids.train_from ? 0 : done < ids.train_steps ? 1 : 2;
        const int64_t phase_end = phase == 0 ? ids.train_from : ids.train_steps;
        if (phase < 2 && phase_end - done < n) /* a chunk lies in one phase: timed apart */
            n = phase_end - done;
        const double t0 = cli_now();
        if ((s = agree(&r, nf_network_run(r.net, n), why, sizeof why)) != NF_OK)
            return fail_with(&r, "nf_network_run", s, why);
        int64_t rz = 0, re = 0;
        const size_t cap = root ? (size_t)(steps - done) * (size_t)grow : 0;
        float *z = root ? r.z + done * grow : NULL, *e = root ? r.e + done * grow : NULL;
        if (sharded) {
            if ((s = cli_mpi_probe_gather(r.net, ids.output_probe, z, cap, &rz, why,
                                          sizeof why)) != NF_OK ||
                (s = cli_mpi_probe_gather(r.net, ids.error_probe, e, cap, &re, why,
                                          sizeof why)) != NF_OK)
                return fail_with(&r, "nf_mpi_probe_gather", s, why);
        } else if ((s = nf_probe_read(r.net, ids.output_probe, z, cap, &rz)) != NF_OK ||
                   (s = nf_probe_read(r.net, ids.error_probe, e, cap, &re)) != NF_OK)
            return fail(&r, "nf_probe_read", s);
        const double took = cli_now() - t0;
        elapsed += took;
        phase_time[phase] += took;
        if (rz != n || re != n) {
            fprintf(stderr,
                    "neurofuse demo: the task's probes gave %lld and %lld rows for %lld "
                    "steps; they must record every step\n",
                    (long long)rz, (long long)re, (long long)n);
            return finish(&r, CLI_FAILED);
        }
        double sum = 0.0;
        for (size_t k = root ? (size_t)(done * grow) : 0; root && k < (size_t)((done + n) * grow);
             k++)
            sum += fabs((double)r.e[k]);
        recent = sum / (double)(n * grow);
        done += n;
        progress(tty, done, done - start, steps, &ids, elapsed, recent, &decile);
        if (o.checkpoint && done % every == 0 && done < steps &&
            cli_checkpoint_write(o.checkpoint, r.net, r.z, r.e, done, batch, dim, why,
                                 sizeof why)) {
            fprintf(stderr, "neurofuse demo: --checkpoint: %s\n", why);
            return finish(&r, CLI_FAILED);
        }
    }
    if (!root) /* rank 0 reports and writes the outputs */
        return finish(&r, CLI_OK);
    for (size_t k = 0; k < floats; k++)
        r.f[k] = r.z[k] - r.e[k];

    double mean, best, worst;
    printf("results (mean |z - f|%s):\n", batch > 1 ? " per network: mean [best, worst]" : "");
    const struct {
        const char *name;
        int64_t from, to;
    } phases[] = {{"training", ids.train_from, ids.train_steps},
                  {"testing", ids.train_steps, steps}};
    for (int k = 0; k < 2; k++) {
        if (phases[k].to <= phases[k].from)
            continue;
        element_errors(r.e, phases[k].from, phases[k].to, batch, dim, &mean, &best, &worst);
        if (batch > 1)
            printf("  %-8s error %.5f  [%.5f, %.5f]\n", phases[k].name, mean, best, worst);
        else
            printf("  %-8s error %.5f\n", phases[k].name, mean);
    }
    const int64_t ran = steps - start;
    printf("  speed    %.0f steps/s (%.2f us/step, %.3g network-steps/s over %d networks)\n",
           ran / elapsed, 1e6 * elapsed / ran, (double)ran * batch / elapsed, batch);
    printf("  time     warm-up %.3f s, training %.3f s, testing %.3f s\n", phase_time[0],
           phase_time[1], phase_time[2]);
    return finish(&r, write_outputs(&r, &o, task, &ids, steps, batch, dim));
}
