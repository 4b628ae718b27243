// OpenBLAS's CBLAS interface (Debian libopenblas-dev), for F32 GEMM in Kernels.
#include <cblas.h>
// Not declared by every cblas.h; OpenBLAS always exports it.
void openblas_set_num_threads(int num_threads);
