# The CBLAS behind the CPU backend, found with CMake's FindBLAS: BLA_VENDOR
# picks it (OpenBLAS unless set: FLAME for BLIS, Intel10_64lp for MKL, Apple
# for Accelerate, Generic for a reference BLAS that carries CBLAS). Gives the
# BLAS::BLAS target and NF_CBLAS_INCLUDE_DIR, the folder holding cblas.h (or
# mkl_cblas.h; Accelerate's umbrella header is used on Apple), and
# NF_CBLAS_DEFINITIONS for kernels/cpu/cblas_select.h.
if(NOT DEFINED BLA_VENDOR)
    set(BLA_VENDOR OpenBLAS CACHE STRING "CBLAS vendor for FindBLAS")
endif()
find_package(BLAS)
if(NOT BLAS_FOUND)
    message(FATAL_ERROR "No BLAS of vendor '${BLA_VENDOR}' found. Install one (Debian: "
                        "libopenblas-dev) or pick another with -DBLA_VENDOR=... "
                        "(FLAME, Intel10_64lp, Apple, Generic)")
endif()

set(NF_CBLAS_HEADER cblas.h)
set(NF_CBLAS_DEFINITIONS "")   # read by kernels/cpu/cblas_select.h
if(BLA_VENDOR MATCHES "^Intel")
    set(NF_CBLAS_HEADER mkl_cblas.h)
    set(NF_CBLAS_DEFINITIONS NF_CBLAS_MKL)
elseif(BLA_VENDOR STREQUAL "Apple")
    set(NF_CBLAS_HEADER Accelerate/Accelerate.h)
    set(NF_CBLAS_DEFINITIONS NF_CBLAS_ACCELERATE)
endif()
# The vendor's own folders first (Debian keeps each BLAS's cblas.h apart).
if(BLA_VENDOR STREQUAL "FLAME")
    set(nf_cblas_suffixes blis blis-openmp blis-pthread blis-serial include/blis)
elseif(BLA_VENDOR MATCHES "^Intel")
    set(nf_cblas_suffixes mkl include include/mkl)
else()
    set(nf_cblas_suffixes openblas openblas-pthread openblas-openmp include/openblas)
endif()
find_path(NF_CBLAS_INCLUDE_DIR ${NF_CBLAS_HEADER}
    HINTS ENV MKLROOT ENV BLIS_HOME
    PATH_SUFFIXES ${nf_cblas_suffixes} include)
if(NOT NF_CBLAS_INCLUDE_DIR)
    set(NF_CBLAS_INCLUDE_DIR "")
    include(CheckIncludeFile)
    check_include_file(${NF_CBLAS_HEADER} NF_HAVE_CBLAS_HEADER)
    if(NOT NF_HAVE_CBLAS_HEADER)
        message(FATAL_ERROR "BLAS found (${BLAS_LIBRARIES}) but not its ${NF_CBLAS_HEADER}: "
                            "set NF_CBLAS_INCLUDE_DIR to the folder that holds it")
    endif()
endif()
message(STATUS "neurofuse: BLAS ${BLA_VENDOR}: ${BLAS_LIBRARIES} (${NF_CBLAS_HEADER} in "
               "${NF_CBLAS_INCLUDE_DIR})")
