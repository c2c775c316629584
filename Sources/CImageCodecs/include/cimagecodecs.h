// SKELETON: the images helper writes the libpng / libjpeg-turbo wrappers here (C, because
// both libraries report errors through setjmp/longjmp, which Swift cannot catch).
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H
int bnn_image_codecs_placeholder(void);
#endif
