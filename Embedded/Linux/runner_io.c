/* C library glue of the aarch64 Linux runner (see runner_io.h). */
#define _POSIX_C_SOURCE 200809L
#include "runner_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char last_error[512];

static void set_error(const char *path, const char *what, int error) {
  snprintf(last_error, sizeof last_error, "%s: %s: %s", path, what, strerror(error));
}

const char *runner_error(void) { return last_error; }

void *runner_read_file(const char *path, size_t alignment, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    set_error(path, "cannot open", errno);
    return NULL;
  }
  void *buffer = NULL;
  long length = -1;
  if (fseek(file, 0, SEEK_END) == 0) length = ftell(file);
  if (length < 0 || fseek(file, 0, SEEK_SET) != 0) {
    set_error(path, "cannot read", errno);
    fclose(file);
    return NULL;
  }
  if (posix_memalign(&buffer, alignment, length > 0 ? (size_t)length : 1) != 0) {
    set_error(path, "cannot allocate memory for", ENOMEM);
    fclose(file);
    return NULL;
  }
  size_t got = fread(buffer, 1, (size_t)length, file);
  int failed = ferror(file) || got != (size_t)length;
  int error = errno;
  fclose(file);
  if (failed) {
    set_error(path, "read error", error ? error : EIO);
    free(buffer);
    return NULL;
  }
  *size = (size_t)length;
  return buffer;
}

int runner_write_file(const char *path, const void *bytes, size_t count) {
  FILE *file = fopen(path, "wb");
  if (!file) {
    set_error(path, "cannot write", errno);
    return -1;
  }
  size_t put = fwrite(bytes, 1, count, file);
  int error = errno;
  if (fclose(file) != 0 || put != count) {
    set_error(path, "write error", error ? error : EIO);
    return -1;
  }
  return 0;
}

void runner_free(void *buffer) { free(buffer); }

void runner_eprint(const char *text) {
  fputs(text, stderr);
  fputc('\n', stderr);
}

void runner_write_stdout(const void *bytes, size_t count) { fwrite(bytes, 1, count, stdout); }

uint64_t runner_nanoseconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
