// libpng and libjpeg-turbo wrapped for BinaryNetImages: decoding from memory in two steps
// (the header first, so the caller checks the size before it allocates the pixels; then
// the pixels into the caller's buffer) and encoding to memory.
//
// Both libraries report errors by longjmp, which Swift cannot catch: every call here sets
// its own setjmp and turns an error into a status and a one-line message. Warnings never
// reach stderr.
//
// Decoded pixels are 8-bit, HWC, 1 channel (grey) or 3 (RGB):
//   PNG  palette -> RGB; grey of 1, 2, 4 bits -> 8 bits; 16 bits -> 8 bits by libpng's
//        png_set_scale_16 (round(v * 255 / 65535), exact); tRNS -> alpha; alpha flattened
//        onto white, per sample, in integers:
//            out = (v * a + 255 * (255 - a) + 127) / 255
//        so grey + alpha -> 1 channel, RGBA -> 3; interlaced (Adam7) images de-interlaced.
//        No gamma correction.
//   JPEG grey -> 1 channel; YCbCr or RGB -> 3 channels (RGB); CMYK and YCCK refused.
//        Truncated or corrupt entropy-coded data (the warnings "premature end of JPEG
//        file", "bad Huffman code", "premature end of data segment", "must resync") is an
//        error, not a grey or garbled image; other warnings are ignored.
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/// What a call did.
typedef enum {
  BNN_CODEC_OK = 0,
  /// The data is not a valid file of the format (the message says why).
  BNN_CODEC_INVALID = 1,
  /// A valid file that BinaryNet does not decode (CMYK JPEG, ...).
  BNN_CODEC_UNSUPPORTED = 2,
  /// The caller got the calling sequence or a buffer size wrong, or memory ran out.
  BNN_CODEC_FAILED = 3,
} bnn_codec_status;

/// What a file's header says, known before any pixel buffer is allocated.
typedef struct {
  uint32_t width;
  uint32_t height;
  /// Channels of the decoded pixels: 1 (grey, with or without alpha) or 3 (colour).
  int32_t channels;
  /// Bits per sample in the file (PNG: 1, 2, 4, 8 or 16; JPEG: 8).
  int32_t bit_depth;
  /// The PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA), or the
  /// JPEG colour space (libjpeg's J_COLOR_SPACE: 1 grey, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK).
  int32_t color_type;
  /// 1 when the file has transparency (an alpha channel or a tRNS chunk).
  int32_t has_alpha;
  /// 1 for an interlaced PNG or a progressive JPEG.
  int32_t interlaced;
} bnn_image_header;

/// Encoded bytes (malloc'd; free with bnn_encoded_image_free) or the reason there are none.
typedef struct {
  uint8_t *data;
  size_t size;
  size_t capacity;
  char message[200];
} bnn_encoded_image;

// ---- PNG -----------------------------------------------------------------------------

typedef struct bnn_png_decoder bnn_png_decoder;

/// A decoder over `size` bytes at `data`, which must stay valid until it is destroyed.
/// NULL only when memory runs out.
bnn_png_decoder *bnn_png_decoder_create(const uint8_t *data, size_t size);
/// Reads the signature and every chunk up to the first IDAT; fills `header`. Nothing sized
/// by the image is allocated before bnn_png_decode.
bnn_codec_status bnn_png_read_header(bnn_png_decoder *decoder, bnn_image_header *header);
/// Decodes the pixels into `pixels` (width * height * channels bytes, HWC), after
/// bnn_png_read_header. `capacity` is the buffer's size in bytes.
bnn_codec_status bnn_png_decode(bnn_png_decoder *decoder, uint8_t *pixels, size_t capacity);
/// The reason of the last failure (libpng's text, or this wrapper's), "" when none.
const char *bnn_png_decoder_message(const bnn_png_decoder *decoder);
void bnn_png_decoder_destroy(bnn_png_decoder *decoder);

/// Encodes 8-bit grey (`channels` 1) or RGB (3) pixels, HWC, as a PNG (not interlaced,
/// zlib level 6, libpng's adaptive filters).
bnn_codec_status bnn_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                                int32_t channels, bnn_encoded_image *out);

// ---- JPEG ----------------------------------------------------------------------------

typedef struct bnn_jpeg_decoder bnn_jpeg_decoder;

/// As for PNG: create, read the header, decode into the caller's buffer, destroy.
bnn_jpeg_decoder *bnn_jpeg_decoder_create(const uint8_t *data, size_t size);
bnn_codec_status bnn_jpeg_read_header(bnn_jpeg_decoder *decoder, bnn_image_header *header);
bnn_codec_status bnn_jpeg_decode(bnn_jpeg_decoder *decoder, uint8_t *pixels, size_t capacity);
const char *bnn_jpeg_decoder_message(const bnn_jpeg_decoder *decoder);
void bnn_jpeg_decoder_destroy(bnn_jpeg_decoder *decoder);

/// Encodes 8-bit grey (`channels` 1) or RGB (3) pixels, HWC, as a baseline JFIF JPEG with
/// `quality` 1...100 (libjpeg's standard tables scaled; 4:2:0 chroma for RGB).
bnn_codec_status bnn_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                                 int32_t channels, int32_t quality, bnn_encoded_image *out);

/// Frees the bytes of an encoded image (safe on one that holds none).
void bnn_encoded_image_free(bnn_encoded_image *image);

#endif
