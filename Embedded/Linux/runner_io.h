/*
 * The C library calls the aarch64 Linux runner needs (files, stderr, a clock), behind a
 * few plain functions: Embedded Swift has no Glibc module, so the runner imports this.
 */
#ifndef BNN_RUNNER_IO_H
#define BNN_RUNNER_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file into a new buffer aligned to `alignment` bytes (a power of two,
 * >= sizeof(void *)); free it with runner_free. NULL on failure: runner_error() says why. */
void *runner_read_file(const char *path, size_t alignment, size_t *size);

/* Writes `count` bytes to `path` (created or truncated); 0 on success, -1 on failure. */
int runner_write_file(const char *path, const void *bytes, size_t count);

void runner_free(void *buffer);

/* The reason of the last failure, e.g. "t10k.idx: cannot open: No such file or directory". */
const char *runner_error(void);

/* Writes `text` and a newline to stderr. */
void runner_eprint(const char *text);

/* Writes `count` bytes to stdout (the stream Swift's print uses). */
void runner_write_stdout(const void *bytes, size_t count);

/* Monotonic clock in nanoseconds. */
uint64_t runner_nanoseconds(void);

#endif
