// PNG encoding to memory with libpng: 8-bit grey or RGB, not interlaced.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>

#include "codec_support.h"

struct png_encoder_state {
  png_structp png;
  png_infop info;
  bnn_encoded_image *out;
  jmp_buf jump;
};

static void on_png_write_error(png_structp png, png_const_charp text) {
  struct png_encoder_state *state = png_get_error_ptr(png);
  bnn_copy_message(state->out->message, sizeof state->out->message, text);
  longjmp(state->jump, 1);
}

static void on_png_write_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static void write_to_memory(png_structp png, png_bytep bytes, size_t count) {
  struct png_encoder_state *state = png_get_io_ptr(png);
  if (!bnn_encoded_append(state->out, bytes, count)) png_error(png, "out of memory");
}

static void flush_nothing(png_structp png) { (void)png; }

bnn_codec_status bnn_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                                int32_t channels, bnn_encoded_image *out) {
  out->data = NULL;
  out->size = 0;
  out->capacity = 0;
  out->message[0] = '\0';
  if (width == 0 || height == 0 || (channels != 1 && channels != 3)) {
    bnn_copy_message(out->message, sizeof out->message, "bad image shape for PNG");
    return BNN_CODEC_FAILED;
  }
  struct png_encoder_state *state = calloc(1, sizeof *state);
  if (state == NULL) {
    bnn_copy_message(out->message, sizeof out->message, "out of memory");
    return BNN_CODEC_FAILED;
  }
  state->out = out;
  if (setjmp(state->jump)) {
    if (state->png != NULL) png_destroy_write_struct(&state->png, &state->info);
    free(state);
    bnn_encoded_image_free(out);
    return BNN_CODEC_FAILED;
  }
  state->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, state, on_png_write_error,
                                       on_png_write_warning);
  if (state->png == NULL) {
    bnn_copy_message(out->message, sizeof out->message, "cannot start libpng");
    free(state);
    return BNN_CODEC_FAILED;
  }
  state->info = png_create_info_struct(state->png);
  if (state->info == NULL) png_error(state->png, "out of memory");
  png_set_write_fn(state->png, state, write_to_memory, flush_nothing);
  png_set_IHDR(state->png, state->info, width, height, 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(state->png, state->info);
  size_t row_bytes = (size_t)width * (size_t)channels;
  for (size_t y = 0; y < height; y++) png_write_row(state->png, pixels + y * row_bytes);
  png_write_end(state->png, NULL);
  png_destroy_write_struct(&state->png, &state->info);
  free(state);
  return BNN_CODEC_OK;
}
