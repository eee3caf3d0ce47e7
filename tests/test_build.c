/*
 * What the build put in the library: header and library versions agree, and
 * the CUDA backend is present exactly when the build has CUDA. A library
 * built without CUDA refuses NF_BACKEND_CUDA with NF_ERR_NO_DEVICE and says
 * it was built without CUDA, and AUTO runs on the CPU saying why.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

Test(build, version_number_agrees_with_header_and_string) {
    cr_assert_eq(NF_VERSION_NUMBER, 100 * (100 * NF_VERSION_MAJOR + NF_VERSION_MINOR) +
                                        NF_VERSION_PATCH);
    cr_assert_eq(nf_version_number(), NF_VERSION_NUMBER, "library %d, header %d",
                 nf_version_number(), NF_VERSION_NUMBER);
    char text[32];
    snprintf(text, sizeof text, "%d.%d.%d", nf_version_number() / 10000,
             nf_version_number() / 100 % 100, nf_version_number() % 100);
    cr_assert_str_eq(nf_version(), text);
}

/* Every way of asking for CUDA fails with NF_ERR_NO_DEVICE and `reason` in
 * the message. */
static void assert_cuda_refused(const char *reason) {
    cr_assert_eq(nf_backend_available(NF_BACKEND_CUDA), 0);

    nf_network_desc nd = nf_network_defaults();
    nd.backend = NF_BACKEND_CUDA;
    nf_network *net = (nf_network *)&nd;
    char msg[512] = "";
    cr_assert_eq(nf_network_create_ex(&nd, &net, msg, sizeof msg), NF_ERR_NO_DEVICE);
    cr_assert_null(net);
    cr_assert(strstr(msg, "nf_network_create") && strstr(msg, reason), "message: %s", msg);

    nf_layer_desc ld = nf_layer_defaults(NF_LAYER_LOWPASS, 4);
    ld.backend = NF_BACKEND_CUDA;
    nf_layer *layer = (nf_layer *)&ld;
    cr_assert_eq(nf_layer_create_ex(&ld, &layer, msg, sizeof msg), NF_ERR_NO_DEVICE);
    cr_assert_null(layer);
    cr_assert(strstr(msg, "nf_layer_create") && strstr(msg, reason), "message: %s", msg);

    nf_device_info info;
    cr_assert_eq(nf_device_query(NF_BACKEND_CUDA, 0, &info), NF_ERR_NO_DEVICE);
    cr_assert(strstr(info.detail, reason), "detail: %s", info.detail);

    /* AUTO runs on the CPU and says why. */
    cr_assert_eq(nf_device_query(NF_BACKEND_AUTO, 0, &info), NF_OK, "%s", info.detail);
    cr_assert_eq(info.backend, NF_BACKEND_CPU);
    cr_assert(strstr(info.detail, "auto chose the CPU") && strstr(info.detail, reason),
              "detail: %s", info.detail);
    nd.backend = NF_BACKEND_AUTO;
    cr_assert_eq(nf_network_create_ex(&nd, &net, msg, sizeof msg), NF_OK, "%s", msg);
    cr_assert_eq(nf_network_backend(net), NF_BACKEND_CPU);
    nf_network_destroy(net);
}

Test(build, cuda_backend_present_exactly_when_built) {
    if (NFT_HAVE_CUDA) {
        if (nf_backend_available(NF_BACKEND_CUDA))
            cr_skip_test("a usable CUDA device is present: nothing to refuse");
        assert_cuda_refused("CUDA device");
    } else {
        assert_cuda_refused("built without CUDA");
    }
}
