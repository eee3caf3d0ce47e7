/*
 * The CBLAS header of the BLAS the build found (cmake/NfBlas.cmake): MKL's
 * mkl_cblas.h, Apple Accelerate, or the usual cblas.h (OpenBLAS, BLIS,
 * reference CBLAS). Include this instead of <cblas.h>.
 */
#ifndef NF_CPU_CBLAS_SELECT_H
#define NF_CPU_CBLAS_SELECT_H

#if defined(NF_CBLAS_MKL)
#include <mkl_cblas.h>
#elif defined(NF_CBLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#endif /* NF_CPU_CBLAS_SELECT_H */
