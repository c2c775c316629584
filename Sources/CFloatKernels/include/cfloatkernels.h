#ifndef CFLOATKERNELS_H
#define CFLOATKERNELS_H
#include <stddef.h>
#endif
