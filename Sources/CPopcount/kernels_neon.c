/* placeholder */
#include "kernels_internal.h"
