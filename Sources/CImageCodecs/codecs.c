#include "cimagecodecs.h"
int bnn_image_codecs_placeholder(void) { return 0; }
