// The growable output buffer of the encoders, error-message copying, and the checks shared
// by the decoders.
#include <stdlib.h>
#include <string.h>

#include "codec_support.h"

void bnn_copy_message(char *message, size_t size, const char *text) {
  if (size == 0) return;
  if (text == NULL) text = "unknown error";
  size_t length = strlen(text);
  if (length >= size) length = size - 1;
  memcpy(message, text, length);
  message[length] = '\0';
}

int bnn_begin_decode(int header_read, int *decoded, const bnn_image_header *header, size_t capacity,
                     char *message, size_t message_size) {
  if (!header_read || *decoded) {
    bnn_copy_message(message, message_size, "decode called before the header was read, or twice");
    return 0;
  }
  *decoded = 1;
  size_t row_bytes = (size_t)header->width * (size_t)header->channels;
  if (header->height != 0 && row_bytes > capacity / header->height) {
    bnn_copy_message(message, message_size, "pixel buffer too small");
    return 0;
  }
  return 1;
}

int bnn_encoded_reserve(bnn_encoded_image *out, size_t count) {
  if (out->capacity - out->size >= count) return 1;
  size_t capacity = out->capacity < 4096 ? 4096 : out->capacity;
  while (capacity - out->size < count) {
    if (capacity > SIZE_MAX / 2) return 0;
    capacity *= 2;
  }
  uint8_t *grown = realloc(out->data, capacity);
  if (grown == NULL) return 0;
  out->data = grown;
  out->capacity = capacity;
  return 1;
}

int bnn_encoded_append(bnn_encoded_image *out, const uint8_t *bytes, size_t count) {
  if (!bnn_encoded_reserve(out, count)) return 0;
  if (count > 0) memcpy(out->data + out->size, bytes, count);
  out->size += count;
  return 1;
}

void bnn_encoded_image_free(bnn_encoded_image *image) {
  if (image == NULL) return;
  free(image->data);
  image->data = NULL;
  image->size = 0;
  image->capacity = 0;
}
