// JPEG decoding from memory with libjpeg-turbo: header first, then the pixels into the
// caller's buffer (rules in cimagecodecs.h). Errors, and the warnings that mean the
// entropy-coded data is truncated or corrupt, longjmp back to the call in progress; other
// warnings are dropped, nothing is printed.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "codec_support.h"

struct bnn_jpeg_error_manager {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct bnn_jpeg_decoder {
  struct jpeg_decompress_struct cinfo;
  struct bnn_jpeg_error_manager error;
  int created;
  /// 1 once the source is set: the decoder can read.
  int ready;
  int header_read;
  int decoded;
  bnn_image_header header;
  char message[200];
};

static void stop_with_message(j_common_ptr cinfo) {
  struct bnn_jpeg_error_manager *error = (struct bnn_jpeg_error_manager *)cinfo->err;
  error->base.format_message(cinfo, error->message);
  longjmp(error->jump, 1);
}

/// Warnings that mean the image would come out grey or garbled.
static int is_corrupt_data_warning(int code) {
  return code == JWRN_JPEG_EOF || code == JWRN_HUFF_BAD_CODE || code == JWRN_HIT_MARKER ||
         code == JWRN_MUST_RESYNC;
}

static void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0 && is_corrupt_data_warning(cinfo->err->msg_code)) stop_with_message(cinfo);
  if (level < 0) cinfo->err->num_warnings++;
}

static void on_jpeg_output(j_common_ptr cinfo) { (void)cinfo; }

/// Copies the error manager's text into the decoder's message.
static bnn_codec_status failed(bnn_jpeg_decoder *decoder, bnn_codec_status status) {
  bnn_copy_message(decoder->message, sizeof decoder->message, decoder->error.message);
  return status;
}

bnn_jpeg_decoder *bnn_jpeg_decoder_create(const uint8_t *data, size_t size) {
  bnn_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
  if (decoder == NULL) return NULL;
  decoder->cinfo.err = jpeg_std_error(&decoder->error.base);
  decoder->error.base.error_exit = stop_with_message;
  decoder->error.base.emit_message = on_jpeg_message;
  decoder->error.base.output_message = on_jpeg_output;
  if (setjmp(decoder->error.jump)) {
    bnn_copy_message(decoder->message, sizeof decoder->message, decoder->error.message);
    return decoder;
  }
  jpeg_create_decompress(&decoder->cinfo);
  decoder->created = 1;
  jpeg_mem_src(&decoder->cinfo, data, (unsigned long)size);
  decoder->ready = 1;
  return decoder;
}

bnn_codec_status bnn_jpeg_read_header(bnn_jpeg_decoder *decoder, bnn_image_header *header) {
  if (!decoder->ready) {
    if (decoder->message[0] == '\0')
      bnn_copy_message(decoder->message, sizeof decoder->message, "cannot start libjpeg");
    return BNN_CODEC_INVALID;
  }
  if (decoder->header_read) {
    bnn_copy_message(decoder->message, sizeof decoder->message, "header read twice");
    return BNN_CODEC_FAILED;
  }
  j_decompress_ptr cinfo = &decoder->cinfo;
  if (setjmp(decoder->error.jump)) return failed(decoder, BNN_CODEC_INVALID);
  jpeg_read_header(cinfo, TRUE);
  int channels;
  switch (cinfo->jpeg_color_space) {
  case JCS_GRAYSCALE:
    cinfo->out_color_space = JCS_GRAYSCALE;
    channels = 1;
    break;
  case JCS_YCbCr:
  case JCS_RGB:
    cinfo->out_color_space = JCS_RGB;
    channels = 3;
    break;
  case JCS_CMYK:
  case JCS_YCCK:
    bnn_copy_message(decoder->message, sizeof decoder->message,
                     "CMYK JPEG images are not supported (save it as RGB)");
    return BNN_CODEC_UNSUPPORTED;
  default:
    bnn_copy_message(decoder->message, sizeof decoder->message,
                     "JPEG colour space not supported (only grey, YCbCr and RGB)");
    return BNN_CODEC_UNSUPPORTED;
  }
  decoder->header.width = cinfo->image_width;
  decoder->header.height = cinfo->image_height;
  decoder->header.channels = channels;
  decoder->header.bit_depth = cinfo->data_precision;
  decoder->header.color_type = (int32_t)cinfo->jpeg_color_space;
  decoder->header.has_alpha = 0;
  decoder->header.interlaced = cinfo->progressive_mode ? 1 : 0;
  decoder->header_read = 1;
  *header = decoder->header;
  return BNN_CODEC_OK;
}

bnn_codec_status bnn_jpeg_decode(bnn_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity) {
  if (!bnn_begin_decode(decoder->header_read, &decoder->decoded, &decoder->header, capacity,
                        decoder->message, sizeof decoder->message))
    return BNN_CODEC_FAILED;
  size_t width = decoder->header.width, height = decoder->header.height;
  size_t row_bytes = width * (size_t)decoder->header.channels;
  j_decompress_ptr cinfo = &decoder->cinfo;
  if (setjmp(decoder->error.jump)) return failed(decoder, BNN_CODEC_INVALID);
  jpeg_start_decompress(cinfo);
  if (cinfo->output_width != width || cinfo->output_height != height ||
      cinfo->output_components != decoder->header.channels) {
    bnn_copy_message(decoder->message, sizeof decoder->message,
                     "libjpeg's output does not match the header");
    return BNN_CODEC_FAILED;
  }
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = pixels + (size_t)cinfo->output_scanline * row_bytes;
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      bnn_copy_message(decoder->message, sizeof decoder->message, "no scanline decoded");
      return BNN_CODEC_INVALID;
    }
  }
  // All rows are decoded: what follows (EOI, trailing bytes) is not read.
  return BNN_CODEC_OK;
}

const char *bnn_jpeg_decoder_message(const bnn_jpeg_decoder *decoder) { return decoder->message; }

void bnn_jpeg_decoder_destroy(bnn_jpeg_decoder *decoder) {
  if (decoder == NULL) return;
  if (decoder->created) jpeg_destroy_decompress(&decoder->cinfo);
  free(decoder);
}
