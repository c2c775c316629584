// PNG decoding from memory with libpng: header first, then the pixels into the caller's
// buffer (rules in cimagecodecs.h). libpng's errors longjmp back to the setjmp of the
// call in progress; its warnings are dropped.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "codec_support.h"

struct bnn_png_decoder {
  png_structp png;
  png_infop info;
  const uint8_t *data;
  size_t size;
  size_t offset;
  jmp_buf jump;
  int header_read;
  int decoded;
  /// Samples per pixel and bytes per row after libpng's transformations (1 to 4 channels).
  int decoded_channels;
  size_t row_bytes;
  int passes;
  bnn_image_header header;
  /// Rows as libpng gives them (one row, or the whole image when interlaced).
  uint8_t *rows;
  char message[200];
};

static void on_png_error(png_structp png, png_const_charp text) {
  bnn_png_decoder *decoder = png_get_error_ptr(png);
  bnn_copy_message(decoder->message, sizeof decoder->message, text);
  longjmp(decoder->jump, 1);
}

static void on_png_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
  bnn_png_decoder *decoder = png_get_io_ptr(png);
  if (count > decoder->size - decoder->offset) png_error(png, "the file ends early (truncated)");
  memcpy(out, decoder->data + decoder->offset, count);
  decoder->offset += count;
}

bnn_png_decoder *bnn_png_decoder_create(const uint8_t *data, size_t size) {
  bnn_png_decoder *decoder = calloc(1, sizeof *decoder);
  if (decoder == NULL) return NULL;
  decoder->data = data;
  decoder->size = data == NULL ? 0 : size;
  if (setjmp(decoder->jump)) return decoder; // creation failed: the header step reports it
  decoder->png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, on_png_error, on_png_warning);
  if (decoder->png == NULL) return decoder;
  decoder->info = png_create_info_struct(decoder->png);
  if (decoder->info == NULL) return decoder;
  png_set_read_fn(decoder->png, decoder, read_from_memory);
  // Sizes are the caller's to judge (BinaryNetImages checks them against its limits).
  png_set_user_limits(decoder->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  return decoder;
}

bnn_codec_status bnn_png_read_header(bnn_png_decoder *decoder, bnn_image_header *header) {
  if (decoder->png == NULL || decoder->info == NULL) {
    if (decoder->message[0] == '\0')
      bnn_copy_message(decoder->message, sizeof decoder->message, "cannot start libpng");
    return BNN_CODEC_FAILED;
  }
  if (decoder->header_read) {
    bnn_copy_message(decoder->message, sizeof decoder->message, "header read twice");
    return BNN_CODEC_FAILED;
  }
  if (decoder->size < 8 || png_sig_cmp(decoder->data, 0, 8) != 0) {
    bnn_copy_message(decoder->message, sizeof decoder->message, "no PNG signature");
    return BNN_CODEC_INVALID;
  }
  if (setjmp(decoder->jump)) return BNN_CODEC_INVALID;
  png_structp png = decoder->png;
  png_infop info = decoder->info;
  png_read_info(png, info);
  png_uint_32 width = 0, height = 0;
  int depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &width, &height, &depth, &color_type, &interlace, NULL, NULL);
  int has_transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  // The transformations (and libpng's row buffer, sized by the width) wait for
  // bnn_png_decode: the caller checks the size first.
  decoder->header.width = width;
  decoder->header.height = height;
  decoder->header.channels = (color_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
  decoder->header.bit_depth = depth;
  decoder->header.color_type = color_type;
  decoder->header.has_alpha = has_transparency || (color_type & PNG_COLOR_MASK_ALPHA) != 0;
  decoder->header.interlaced = interlace != PNG_INTERLACE_NONE;
  decoder->header_read = 1;
  *header = decoder->header;
  return BNN_CODEC_OK;
}

/// One decoded row (`decoded_channels` samples a pixel) into `out` (1 or 3 a pixel).
static void store_row(const bnn_png_decoder *decoder, const uint8_t *row, uint8_t *out) {
  size_t width = decoder->header.width;
  switch (decoder->decoded_channels) {
  case 2: // grey, alpha
    for (size_t x = 0; x < width; x++) out[x] = bnn_flatten_on_white(row[2 * x], row[2 * x + 1]);
    break;
  case 4: // red, green, blue, alpha
    for (size_t x = 0; x < width; x++) {
      unsigned alpha = row[4 * x + 3];
      for (int c = 0; c < 3; c++) out[3 * x + c] = bnn_flatten_on_white(row[4 * x + c], alpha);
    }
    break;
  default: // grey or RGB: as they are
    memcpy(out, row, decoder->row_bytes);
    break;
  }
}

bnn_codec_status bnn_png_decode(bnn_png_decoder *decoder, uint8_t *pixels, size_t capacity) {
  if (!bnn_begin_decode(decoder->header_read, &decoder->decoded, &decoder->header, capacity,
                        decoder->message, sizeof decoder->message))
    return BNN_CODEC_FAILED;
  size_t width = decoder->header.width, height = decoder->header.height;
  size_t out_row = width * (size_t)decoder->header.channels;
  if (setjmp(decoder->jump)) return BNN_CODEC_INVALID;
  png_structp png = decoder->png;
  png_infop info = decoder->info;
  int depth = decoder->header.bit_depth, color_type = decoder->header.color_type;
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (depth == 16) png_set_scale_16(png);
  decoder->passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  decoder->decoded_channels = png_get_channels(png, info);
  decoder->row_bytes = png_get_rowbytes(png, info);
  if (png_get_bit_depth(png, info) != 8 || decoder->decoded_channels < 1 ||
      decoder->decoded_channels > 4 ||
      decoder->row_bytes != width * (size_t)decoder->decoded_channels) {
    bnn_copy_message(decoder->message, sizeof decoder->message,
                     "unexpected layout after libpng's transformations");
    return BNN_CODEC_FAILED;
  }
  // Interlaced: every pass adds pixels to rows seen before, so all rows stay in memory.
  int interlaced = decoder->passes > 1;
  size_t buffered_rows = interlaced ? height : 1;
  if (height != 0 && decoder->row_bytes > SIZE_MAX / buffered_rows) {
    bnn_copy_message(decoder->message, sizeof decoder->message, "image too large");
    return BNN_CODEC_FAILED;
  }
  decoder->rows = calloc(buffered_rows == 0 ? 1 : buffered_rows, decoder->row_bytes + 1);
  if (decoder->rows == NULL) {
    bnn_copy_message(decoder->message, sizeof decoder->message, "out of memory");
    return BNN_CODEC_FAILED;
  }
  if (interlaced) {
    for (int pass = 0; pass < decoder->passes; pass++)
      for (size_t y = 0; y < height; y++)
        png_read_row(png, decoder->rows + y * decoder->row_bytes, NULL);
    for (size_t y = 0; y < height; y++)
      store_row(decoder, decoder->rows + y * decoder->row_bytes, pixels + y * out_row);
  } else {
    for (size_t y = 0; y < height; y++) {
      png_read_row(png, decoder->rows, NULL);
      store_row(decoder, decoder->rows, pixels + y * out_row);
    }
  }
  return BNN_CODEC_OK;
}

const char *bnn_png_decoder_message(const bnn_png_decoder *decoder) { return decoder->message; }

void bnn_png_decoder_destroy(bnn_png_decoder *decoder) {
  if (decoder == NULL) return;
  if (decoder->png != NULL) png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
  free(decoder->rows);
  free(decoder);
}
