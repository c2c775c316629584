#include "cfloatkernels.h"
