/*
 * Checkpoint files: what nf_network_load refuses and nf_network_save
 * guarantees. Refused, with *out NULL and a message naming the file and,
 * where one is at fault, the member: a missing file, an empty file, a text
 * file, a file cut short at any length, a byte flipped in a member's data
 * (its CRC), in the directory (a CRC, a name), a zip archive that is not a
 * checkpoint, a foreign format name, a newer format version, a compressed
 * member, an unknown, malformed or repeated metadata key, an invalid
 * descriptor value, a member of the wrong dtype or shape, a member missing
 * or one too many. Every single-byte change anywhere in a small checkpoint
 * is refused or changes nothing (the loaded network saves to the same
 * bytes). Saving replaces the file whole or not at all (a full disk leaves
 * the previous checkpoint and no temporary file), refuses a folder, and the
 * file holds at most 1.05 times the bytes of its arrays. A network holding
 * inf and NaN where the library computes them loads back equal; a weight
 * made NaN in the file is refused. numpy reads it (tests/cli/run.sh, when
 * python3 and numpy are there).
 */
#include "checkpoint_util.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>

TestSuite(checkpoint_files, .timeout = 120);

/* A small network of every kind of object, run a few steps, saved to `name`. */
static const char *small_checkpoint(const char *name, int32_t n) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 2, 3);
    int32_t in, pop, lif, c, r, target, l, probe;
    NFT_OK(net, nf_input_add(net, 2, &in));
    float rows[4 * 2 * 2] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f,
                             0.9f, 1.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    NFT_OK(net, nf_input_set(net, in, 4, rows));
    nf_population_desc pd = nf_population_defaults(NF_MODEL_TANH, n);
    pd.filter.kind = NF_FILTER_LOWPASS;
    pd.filter.tau = 0.01f;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    pd = nf_population_defaults(NF_MODEL_LIF, 3);
    pd.bias = 1.5f;
    NFT_OK(net, nf_population_add(net, &pd, &lif));
    nf_connection_desc cd = nf_connection_defaults();
    cd.init = NF_WEIGHTS_NORMAL;
    NFT_OK(net, nf_connect(net, in, pop, &cd, &c));
    cd.kind = NF_CONNECTION_SPARSE;
    cd.p = 0.5f;
    NFT_OK(net, nf_connect(net, lif, pop, &cd, &c));
    NFT_OK(net, nf_readout_add(net, pop, 1, NULL, &r));
    NFT_OK(net, nf_input_add(net, 1, &target));
    NFT_OK(net, nf_input_set(net, target, 4, rows));
    nf_learner_desc ld = nf_learner_defaults();
    ld.readout = r;
    ld.target = target;
    NFT_OK(net, nf_learner_add(net, &ld, &l));
    NFT_OK(net, nf_probe_add(net, r, NF_PROBE_OUTPUT, 1, &probe));
    NFT_OK(net, nf_energy_device_register(net, "chip", 1e-12, 1e-12, 1));
    NFT_OK(net, nf_network_run(net, 2));
    const char *path = ckpt_path(name);
    NFT_OK(net, nf_network_save(net, path));
    nf_network_destroy(net);
    return path;
}

/* Loads path expecting a refusal: status one of ok1/ok2, *out NULL, the
 * message naming the path and containing `needle` (NULL: anything). */
static void expect_refused(const char *path, nf_status ok1, nf_status ok2, const char *needle) {
    nf_network *m = (nf_network *)&m; /* must be set to NULL */
    char msg[1024] = "unchanged";
    const nf_status st = nf_network_load(path, NF_BACKEND_CPU, 0, &m, msg, sizeof msg);
    cr_assert(st == ok1 || st == ok2, "loading %s gave %s (%s)", path, nf_status_string(st), msg);
    cr_assert_null(m, "a refused load leaves *out NULL");
    cr_assert(strstr(msg, "nf_network_load: '") && strstr(msg, path),
              "the message names the file: %s", msg);
    cr_assert(!needle || strstr(msg, needle), "the message says '%s': %s", needle, msg);
}

/* Writes bytes to a file and expects loading it refused. */
static void refuse_bytes(const unsigned char *b, size_t size, nf_status ok1, nf_status ok2,
                         const char *needle) {
    const char *path = ckpt_path("edited.npz");
    ckpt_write(path, b, size);
    expect_refused(path, ok1, ok2, needle);
}

/* A copy of the checkpoint with one same-length edit in a member (CRC fixed). */
static void refuse_edit(const char *path, const char *member, const char *from, const char *to,
                        nf_status st, const char *needle) {
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    ckpt_replace(b, size, member, from, to);
    refuse_bytes(b, size, st, st, needle);
    free(b);
}

Test(checkpoint_files, missing_empty_and_text_files_are_refused) {
    ckpt_require_libzip();
    expect_refused(ckpt_path("none.npz"), NF_ERR_IO, NF_ERR_IO, "No such file");
    ckpt_write(ckpt_path("empty.npz"), "", 0);
    expect_refused(ckpt_path("empty.npz"), NF_ERR_IO, NF_ERR_INVALID_ARGUMENT, NULL);
    const char text[] = "population_0/voltage = 1\nnot a checkpoint at all\n";
    ckpt_write(ckpt_path("text.npz"), text, sizeof text - 1);
    expect_refused(ckpt_path("text.npz"), NF_ERR_IO, NF_ERR_IO, "not a zip archive");
    nf_network *m = NULL;
    cr_assert_eq(nf_network_load(NULL, NF_BACKEND_CPU, 0, &m, NULL, 0), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_network_load("x", NF_BACKEND_CPU, 0, NULL, NULL, 0),
                 NF_ERR_INVALID_ARGUMENT);
}

Test(checkpoint_files, a_file_cut_short_anywhere_is_refused) {
    const char *path = small_checkpoint("cut.npz", 5);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    for (size_t len = 0; len < size; len += len + 80 < size ? 37 : 1)
        refuse_bytes(b, len, NF_ERR_IO, NF_ERR_INVALID_ARGUMENT, NULL);
    free(b);
}

Test(checkpoint_files, a_flipped_byte_in_a_members_data_fails_its_crc) {
    const char *path = small_checkpoint("flip.npz", 5);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    const char *members[] = {"population_1/output.npy", "learner_7/P.npy", "metadata.txt",
                             "probe_8/rows.npy", "connection_4/col_idx.npy"};
    for (size_t k = 0; k < sizeof members / sizeof *members; k++) {
        const ckpt_member m = ckpt_find(b, size, members[k]);
        for (size_t at = 0; at < m.len; at += m.len / 3 + 1) {
            b[m.data + at] ^= 0x10;
            char needle[160];
            snprintf(needle, sizeof needle, "member '%s': CRC error", members[k]);
            refuse_bytes(b, size, NF_ERR_IO, NF_ERR_IO, needle);
            b[m.data + at] ^= 0x10;
        }
    }
    free(b);
}

Test(checkpoint_files, a_flipped_byte_in_the_directory_is_refused) {
    const char *path = small_checkpoint("dir.npz", 5);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    const ckpt_member m = ckpt_find(b, size, "population_1/output.npy");
    b[m.central + 16] ^= 0x01; /* the CRC in the central directory */
    refuse_bytes(b, size, NF_ERR_IO, NF_ERR_IO, NULL);
    b[m.central + 16] ^= 0x01;
    b[m.central + 46 + 13] ^= 0x01; /* the name in the central directory */
    refuse_bytes(b, size, NF_ERR_IO, NF_ERR_INVALID_ARGUMENT, NULL);
    b[m.central + 46 + 13] ^= 0x01;
    b[m.central + 20] ^= 0x04; /* the size in the central directory */
    refuse_bytes(b, size, NF_ERR_IO, NF_ERR_INVALID_ARGUMENT, NULL);
    free(b);
}

Test(checkpoint_files, every_single_byte_change_is_refused_or_changes_nothing, .timeout = 300) {
    const char *path = small_checkpoint("every.npz", 2);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    const char *edited = ckpt_path("edited.npz"), *resaved = ckpt_path("resaved.npz");
    int accepted = 0;
    for (size_t at = 0; at < size; at++) {
        const unsigned char was = b[at];
        b[at] = (unsigned char)(was ^ (1u << (at % 8)));
        ckpt_write(edited, b, size);
        b[at] = was;
        nf_network *m = NULL;
        char msg[1024] = "";
        const nf_status st = nf_network_load(edited, NF_BACKEND_CPU, 0, &m, msg, sizeof msg);
        if (st != NF_OK) {
            cr_assert(st == NF_ERR_IO || st == NF_ERR_INVALID_ARGUMENT,
                      "byte %zu: %s (%s)", at, nf_status_string(st), msg);
            cr_assert_null(m);
            continue;
        }
        accepted++;
        NFT_OK(m, nf_network_save(m, resaved));
        char what[64];
        snprintf(what, sizeof what, "byte %zu changed and accepted", at);
        ckpt_assert_same_files(path, resaved, what);
        nf_network_destroy(m);
    }
    cr_log_info("%d of %zu single-byte changes were accepted, each changing nothing", accepted,
                size);
    free(b);
}

Test(checkpoint_files, a_zip_that_is_not_a_checkpoint_is_refused) {
    const char *path = small_checkpoint("foreign.npz", 5);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    ckpt_rename(b, size, "metadata.txt", "metadata.bin");
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_INVALID_ARGUMENT,
                 "not a neurofuse checkpoint");
    free(b);
    refuse_edit(path, "metadata.txt", "format = neurofuse-checkpoint",
                "format = neurofuse-notebook!!", NF_ERR_INVALID_ARGUMENT,
                "not a neurofuse checkpoint");
}

Test(checkpoint_files, a_newer_format_version_is_refused) {
    const char *path = small_checkpoint("newer.npz", 5);
    refuse_edit(path, "metadata.txt", "format_version = 1", "format_version = 7",
                NF_ERR_INVALID_ARGUMENT, "format version 7 by a newer neurofuse");
}

Test(checkpoint_files, bad_metadata_is_refused_naming_the_key) {
    const char *path = small_checkpoint("meta.npz", 5);
    refuse_edit(path, "metadata.txt", "population_1.sigma = 1", "population_1.sigmx = 1",
                NF_ERR_INVALID_ARGUMENT, "the key 'population_1.sigmx' is not one");
    refuse_edit(path, "metadata.txt", "population_1.sigma = 1", "population_1.sigma = x",
                NF_ERR_INVALID_ARGUMENT, "population_1.sigma = 'x' is not a float");
    refuse_edit(path, "metadata.txt", "network.seed = 3", "network.batch = ", NF_ERR_INVALID_ARGUMENT,
                "appears twice");
    refuse_edit(path, "metadata.txt", "network.batch = 2", "network.batch = -", NF_ERR_INVALID_ARGUMENT,
                "network.batch = '-' is not an integer");
    refuse_edit(path, "metadata.txt", "population_2.tau_rc = 0.02", "population_2.tau_rc = -0.2",
                NF_ERR_INVALID_ARGUMENT, "population_2: nf_population_add: tau_rc must be > 0");
    refuse_edit(path, "metadata.txt", "objects = 9", "objects = 8", NF_ERR_INVALID_ARGUMENT,
                "the key 'object_8' is not one this network has");
    refuse_edit(path, "metadata.txt", "run.step = 2", "run.step = 1", NF_ERR_INVALID_ARGUMENT,
                "probe_8: start 0 and rows 2 do not fit the step count 1");
    refuse_edit(path, "metadata.txt", "object_3 = connection", "object_3 = Xonnection",
                NF_ERR_INVALID_ARGUMENT, "is not a kind of object");
}

Test(checkpoint_files, members_of_the_wrong_dtype_or_shape_are_refused) {
    const char *path = small_checkpoint("shape.npz", 5);
    refuse_edit(path, "population_1/output.npy", "'<f4'", "'<i4'", NF_ERR_INVALID_ARGUMENT,
                "member 'population_1/output.npy' holds dtype '<i4' shape (2, 5); the "
                "metadata calls for '<f4' (2, 5)");
    refuse_edit(path, "population_1/output.npy", "(2, 5)", "(5, 2)", NF_ERR_INVALID_ARGUMENT,
                "holds dtype '<f4' shape (5, 2)");
}

Test(checkpoint_files, a_missing_unknown_or_compressed_member_is_refused) {
    const char *path = small_checkpoint("members.npz", 5);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    ckpt_rename(b, size, "probe_8/rows.npy", "probe_8/rowz.npy");
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_INVALID_ARGUMENT,
                 "member 'probe_8/rows.npy' is missing");
    ckpt_rename(b, size, "probe_8/rowz.npy", "probe_8/rows.npy");
    ckpt_rename(b, size, "population_1/output.npy", "population_1/outpux.npy");
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_INVALID_ARGUMENT,
                 "member 'population_1/output.npy' is missing");
    ckpt_rename(b, size, "population_1/outpux.npy", "population_1/output.npy");
    ckpt_rename(b, size, "population_1/gains.npy", "population_1/extra.npy");
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_INVALID_ARGUMENT, NULL);
    ckpt_rename(b, size, "population_1/extra.npy", "population_1/gains.npy");
    const ckpt_member m = ckpt_find(b, size, "readout_5/z.npy");
    b[m.local + 8] = b[m.central + 10] = 8; /* deflate */
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_IO, NULL);
    free(b);
}

// --- saving

/* The names in the scratch folder other than the checkpoints given. */
static int stray_files(const char *keep) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s", ckpt_path("x"));
    *strrchr(dir, '/') = '\0';
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int stray = 0;
    for (struct dirent *e; (e = readdir(d));)
        stray += e->d_name[0] != '.' && strcmp(e->d_name, keep);
    closedir(d);
    return stray;
}

Test(checkpoint_files, a_full_disk_leaves_the_previous_checkpoint) {
    const char *path = small_checkpoint("keep.npz", 5);
    size_t size;
    unsigned char *before = ckpt_read(path, &size);
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 4, 9);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 4000);
    int32_t pop;
    NFT_OK(net, nf_population_add(net, &pd, &pop));
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = {.rlim_cur = size + 1000, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    const nf_status st = nf_network_save(net, path);
    struct rlimit none = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
    setrlimit(RLIMIT_FSIZE, &none);
    cr_assert_eq(st, NF_ERR_IO, "%s", nf_network_last_error(net));
    cr_assert(strstr(nf_network_last_error(net), path) &&
                  strstr(nf_network_last_error(net), "unchanged"),
              "%s", nf_network_last_error(net));
    size_t after_size;
    unsigned char *after = ckpt_read(path, &after_size);
    cr_assert(after_size == size && !memcmp(before, after, size), "the previous file is intact");
    cr_assert_eq(stray_files("keep.npz"), 0, "no temporary file is left");
    free(before);
    free(after);
    nf_network_destroy(net);
}

Test(checkpoint_files, saving_refuses_a_folder_and_bad_arguments) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 1, 9);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", ckpt_path("x"));
    *strrchr(dir, '/') = '\0';
    cr_assert_eq(nf_network_save(net, dir), NF_ERR_IO);
    cr_assert(strstr(nf_network_last_error(net), dir), "%s", nf_network_last_error(net));
    cr_assert_eq(nf_network_save(net, ckpt_path("no/such/folder.npz")), NF_ERR_IO);
    cr_assert_eq(nf_network_save(net, NULL), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_network_save(net, ""), NF_ERR_INVALID_ARGUMENT);
    cr_assert_eq(nf_network_save(NULL, "x.npz"), NF_ERR_INVALID_ARGUMENT);
    /* an empty network saves and loads */
    NFT_OK(net, nf_network_save(net, ckpt_path("empty.npz")));
    nf_network *m = ckpt_load(ckpt_path("empty.npz"), NF_BACKEND_CPU);
    cr_assert_eq(nf_network_batch(m), 1);
    nf_network_destroy(m);
    nf_network_destroy(net);
}

Test(checkpoint_files, loading_on_an_unusable_backend_is_refused) {
    if (nf_backend_available(NF_BACKEND_CUDA))
        cr_skip_test("CUDA is usable here");
    const char *path = small_checkpoint("cuda.npz", 5);
    nf_network *m = (nf_network *)&m;
    char msg[512];
    cr_assert_eq(nf_network_load(path, NF_BACKEND_CUDA, 0, &m, msg, sizeof msg),
                 NF_ERR_NO_DEVICE, "%s", msg);
    cr_assert_null(m);
    cr_assert(strstr(msg, "cannot create the network"), "%s", msg);
}

Test(checkpoint_files, without_libzip_save_and_load_say_so) {
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 1, 9);
    const nf_status st = nf_network_save(net, "/nonexistent/x.npz");
    if (st != NF_ERR_UNSUPPORTED) {
        nf_network_destroy(net);
        cr_skip_test("built with libzip");
    }
    cr_assert(strstr(nf_network_last_error(net), "built without libzip"), "%s",
              nf_network_last_error(net));
    nf_network *m = (nf_network *)&m;
    char msg[512];
    cr_assert_eq(nf_network_load("x.npz", NF_BACKEND_CPU, 0, &m, msg, sizeof msg),
                 NF_ERR_UNSUPPORTED);
    cr_assert_null(m);
    cr_assert(strstr(msg, "built without libzip"), "%s", msg);
    nf_network_destroy(net);
}

Test(checkpoint_files, the_file_is_at_most_the_arrays_bytes_plus_five_percent) {
    const char *path = small_checkpoint("size.npz", 300);
    size_t size;
    unsigned char *b = ckpt_read(path, &size);
    ckpt_member m[64];
    const int n = ckpt_members(b, size, m, 64);
    size_t raw = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(m[i].name, "metadata.txt"))
            continue;
        const size_t header = 10 + ckpt_u16(b + m[i].data + 8);
        raw += m[i].len - header;
    }
    cr_log_info("%zu bytes for %zu bytes of arrays (%.4fx)", size, raw, (double)size / raw);
    cr_assert_leq(size, raw * 1.05, "%zu bytes for %zu bytes of arrays", size, raw);
    free(b);
}

// --- non-finite values

/* The float values of a member's .npy data; *count of them (free the result). */
static float *member_floats(const unsigned char *b, size_t size, const char *name, size_t *count) {
    const ckpt_member m = ckpt_find(b, size, name);
    const size_t header = 10 + ckpt_u16(b + m.data + 8);
    cr_assert_leq(header, m.len, "%s: .npy header", name);
    *count = (m.len - header) / sizeof(float);
    float *v = malloc(*count * sizeof *v + 1);
    cr_assert_not_null(v);
    memcpy(v, b + m.data + header, *count * sizeof *v); /* little-endian hosts */
    return v;
}

/* Counts the infinities and NaNs among a member's values. */
static void count_non_finite(const unsigned char *b, size_t size, const char *name, int *inf,
                             int *nan) {
    size_t count;
    float *v = member_floats(b, size, name, &count);
    for (size_t i = 0; i < count; i++) {
        *inf += isinf(v[i]) != 0;
        *nan += isnan(v[i]) != 0;
    }
    free(v);
}

/* An event-driven connection from LIF neurons with weights of +-3e38: when
 * two neurons spike together its product (acc) is +-inf, and its post-side
 * filter, fed +inf and then -inf, NaN; the run stops with NF_ERR_NUMERIC
 * when the tanh population it drives would output NaN, and the network is
 * left at the end of the step before, holding those values, as documented.
 * What nf_network_save writes of it, nf_network_load reads back as it was
 * (saved again: the same bytes), and both go on alike (the same failure,
 * then the same checkpoint); a weight (which the API refuses non-finite) made
 * NaN in the file is still refused. */
Test(checkpoint_files, state_a_network_holds_as_inf_or_nan_loads_back_equal) {
    ckpt_require_libzip();
    nf_network *net = nft_network(NF_BACKEND_CPU, 0.001, 2, 5);
    nf_population_desc pd = nf_population_defaults(NF_MODEL_LIF, 4);
    const float biases[4] = {3.0f, 4.0f, 5.0f, 6.0f};
    pd.biases = biases;
    pd.filter = (nf_filter_desc){.kind = NF_FILTER_LOWPASS, .tau = 0.005f};
    int32_t lif, post, conn, probe;
    NFT_OK(net, nf_population_add(net, &pd, &lif));
    pd = nf_population_defaults(NF_MODEL_TANH, 2);
    NFT_OK(net, nf_population_add(net, &pd, &post));
    const float w[2 * 4] = {3e38f, 3e38f, 3e38f, 3e38f, 3e38f, -3e38f, 3e38f, -3e38f};
    nf_connection_desc cd = nf_connection_defaults();
    cd.weights = w;
    cd.propagation = NF_PROPAGATION_EVENT;
    NFT_OK(net, nf_connect(net, lif, post, &cd, &conn));
    NFT_OK(net, nf_probe_add(net, post, NF_PROBE_OUTPUT, 1, &probe));
    cr_assert_eq(nf_network_run(net, 200), NF_ERR_NUMERIC, "%s", nf_network_last_error(net));
    const int64_t step = nf_network_step_count(net);
    cr_assert(step > 0 && step < 200, "stopped at step %lld", (long long)step);

    const char *saved = ckpt_path("non_finite.npz"), *again = ckpt_path("non_finite_again.npz");
    NFT_OK(net, nf_network_save(net, saved));
    size_t size;
    unsigned char *b = ckpt_read(saved, &size);
    char acc[64], filter[64], weights[64];
    snprintf(acc, sizeof acc, "connection_%d/acc.npy", conn);
    snprintf(filter, sizeof filter, "connection_%d/post_filter.npy", conn);
    snprintf(weights, sizeof weights, "connection_%d/weights.npy", conn);
    int inf = 0, nan = 0;
    count_non_finite(b, size, acc, &inf, &nan);
    count_non_finite(b, size, filter, &inf, &nan);
    cr_assert(inf > 0 && nan > 0, "the checkpoint holds %d inf and %d NaN (the test no longer "
              "makes both)", inf, nan);

    nf_network *m = ckpt_load(saved, NF_BACKEND_CPU);
    NFT_OK(m, nf_network_save(m, again));
    ckpt_assert_same_files(saved, again, "saved, and loaded then saved");
    cr_assert_eq(nf_network_step_count(m), step);
    ckpt_assert_same_probes(net, m, &probe, 1);
    const nf_status a = nf_network_run(net, 10), c = nf_network_run(m, 10);
    cr_assert_eq(a, c, "%s against %s", nf_status_string(a), nf_status_string(c));
    cr_assert_str_eq(nf_network_last_error(net), nf_network_last_error(m));
    NFT_OK(net, nf_network_save(net, saved));
    NFT_OK(m, nf_network_save(m, again));
    ckpt_assert_same_files(saved, again, "after the same run");

    /* a parameter the API refuses non-finite is still refused in a file */
    const ckpt_member wm = ckpt_find(b, size, weights);
    const float bad = NAN;
    ckpt_patch(b, size, weights, wm.len - sizeof bad, &bad, sizeof bad);
    refuse_bytes(b, size, NF_ERR_INVALID_ARGUMENT, NF_ERR_INVALID_ARGUMENT,
                 "value 7 is not finite");
    free(b);
    nf_network_destroy(m);
    nf_network_destroy(net);
}
