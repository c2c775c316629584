// JPEG encoding to memory with libjpeg-turbo: 8-bit grey or RGB, baseline, quality 1...100.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <jerror.h>

#include "codec_support.h"

struct jpeg_encoder_state {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr error;
  struct jpeg_destination_mgr destination;
  bnn_encoded_image *out;
  int created;
  jmp_buf jump;
};

static void stop_encoding(j_common_ptr cinfo) {
  struct jpeg_encoder_state *state = (struct jpeg_encoder_state *)cinfo->client_data;
  char text[JMSG_LENGTH_MAX];
  cinfo->err->format_message(cinfo, text);
  bnn_copy_message(state->out->message, sizeof state->out->message, text);
  longjmp(state->jump, 1);
}

static void ignore_message(j_common_ptr cinfo, int level) {
  (void)cinfo;
  (void)level;
}

static void print_nothing(j_common_ptr cinfo) { (void)cinfo; }

// The destination: the encoded image's growable buffer, handed to libjpeg whole.
static void start_destination(j_compress_ptr cinfo) {
  struct jpeg_encoder_state *state = (struct jpeg_encoder_state *)cinfo->client_data;
  if (!bnn_encoded_reserve(state->out, 1 << 16)) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  cinfo->dest->next_output_byte = state->out->data;
  cinfo->dest->free_in_buffer = state->out->capacity;
}

/// Called with the buffer full (libjpeg ignores free_in_buffer here): keep it, grow.
static boolean grow_destination(j_compress_ptr cinfo) {
  struct jpeg_encoder_state *state = (struct jpeg_encoder_state *)cinfo->client_data;
  state->out->size = state->out->capacity;
  if (!bnn_encoded_reserve(state->out, state->out->capacity))
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
  cinfo->dest->next_output_byte = state->out->data + state->out->size;
  cinfo->dest->free_in_buffer = state->out->capacity - state->out->size;
  return TRUE;
}

static void finish_destination(j_compress_ptr cinfo) {
  struct jpeg_encoder_state *state = (struct jpeg_encoder_state *)cinfo->client_data;
  state->out->size = state->out->capacity - cinfo->dest->free_in_buffer;
}

bnn_codec_status bnn_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                                 int32_t channels, int32_t quality, bnn_encoded_image *out) {
  out->data = NULL;
  out->size = 0;
  out->capacity = 0;
  out->message[0] = '\0';
  if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
      (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
    bnn_copy_message(out->message, sizeof out->message, "bad image shape or quality for JPEG");
    return BNN_CODEC_FAILED;
  }
  struct jpeg_encoder_state *state = calloc(1, sizeof *state);
  if (state == NULL) {
    bnn_copy_message(out->message, sizeof out->message, "out of memory");
    return BNN_CODEC_FAILED;
  }
  state->out = out;
  struct jpeg_compress_struct *cinfo = &state->cinfo;
  cinfo->err = jpeg_std_error(&state->error);
  state->error.error_exit = stop_encoding;
  state->error.emit_message = ignore_message;
  state->error.output_message = print_nothing;
  if (setjmp(state->jump)) {
    if (state->created) jpeg_destroy_compress(&state->cinfo);
    free(state);
    bnn_encoded_image_free(out);
    return BNN_CODEC_FAILED;
  }
  cinfo->client_data = state;
  jpeg_create_compress(cinfo);
  state->created = 1;
  state->destination.init_destination = start_destination;
  state->destination.empty_output_buffer = grow_destination;
  state->destination.term_destination = finish_destination;
  cinfo->dest = &state->destination;
  cinfo->image_width = width;
  cinfo->image_height = height;
  cinfo->input_components = channels;
  cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  size_t row_bytes = (size_t)width * (size_t)channels;
  while (cinfo->next_scanline < cinfo->image_height) {
    // libjpeg reads the rows without writing them; its row type is not const.
    JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo->next_scanline * row_bytes);
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  jpeg_destroy_compress(cinfo);
  free(state);
  return BNN_CODEC_OK;
}
