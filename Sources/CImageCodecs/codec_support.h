// Helpers shared by the codec wrappers (not part of the public header).
#ifndef CIMAGECODECS_SUPPORT_H
#define CIMAGECODECS_SUPPORT_H

#include "cimagecodecs.h"

/// Copies `text` into `message` (`size` bytes), truncated, always terminated.
void bnn_copy_message(char *message, size_t size, const char *text);

/// Appends `count` bytes to `out`, growing its buffer by doubling. 0 when memory ran out.
int bnn_encoded_append(bnn_encoded_image *out, const uint8_t *bytes, size_t count);

/// Makes room for at least `count` bytes beyond `out->size`. 0 when memory ran out.
int bnn_encoded_reserve(bnn_encoded_image *out, size_t count);

/// The checks every decoder makes before decoding: the header was read, decode was not
/// called before (`*decoded` is set), and `capacity` bytes hold the header's image at its
/// output channel count. 1 when decoding may go on; 0 with `message` set otherwise.
int bnn_begin_decode(int header_read, int *decoded, const bnn_image_header *header, size_t capacity,
                     char *message, size_t message_size);

/// The alpha rule: `value` (0...255) over white with opacity `alpha` (0...255), rounded:
/// (value * alpha + 255 * (255 - alpha) + 127) / 255.
static inline uint8_t bnn_flatten_on_white(unsigned value, unsigned alpha) {
  return (uint8_t)((value * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

#endif
