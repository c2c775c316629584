/* The one place that selects the kernel path. */
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"

const bnn_kernels *bnn_kernels_for(bnn_kernel_path path) {
  switch (path) {
  case BNN_PATH_SCALAR: return &bnn_scalar_kernels;
  default: return NULL;
  }
}

const bnn_kernels *bnn_kernels_best(void) { return &bnn_scalar_kernels; }
