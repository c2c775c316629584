/*
 * BatchNorm over a block of feature columns of a row-major [rows][ld] matrix (the caller
 * offsets the pointers to the block's first column). Every loop runs over the features
 * of one row, so it vectorises while each feature's sums still add the rows in order
 * 0, 1, 2, ... (results do not depend on vectorisation or on how features are split).
 */
#include <math.h>

#include "cfloatkernels.h"

void bnn_batchnorm_forward(const float *restrict z, float *restrict xhat, float *restrict y,
                           size_t rows, size_t width, size_t ld, const float *restrict gamma,
                           const float *restrict beta, float *restrict mean,
                           float *restrict variance, float *restrict inverse_std, float epsilon) {
  const float scale = 1.0f / (float)rows;
  for (size_t j = 0; j < width; j++) mean[j] = variance[j] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    const float *zr = z + r * ld;
    for (size_t j = 0; j < width; j++) mean[j] += zr[j];
  }
  for (size_t j = 0; j < width; j++) mean[j] *= scale;
  for (size_t r = 0; r < rows; r++) {
    const float *zr = z + r * ld;
    for (size_t j = 0; j < width; j++) {
      const float d = zr[j] - mean[j];
      variance[j] += d * d;
    }
  }
  for (size_t j = 0; j < width; j++) {
    variance[j] *= scale;
    inverse_std[j] = 1.0f / sqrtf(variance[j] + epsilon);
  }
  for (size_t r = 0; r < rows; r++) {
    const float *zr = z + r * ld;
    float *xr = xhat + r * ld;
    float *yr = y + r * ld;
    for (size_t j = 0; j < width; j++) {
      const float normalized = (zr[j] - mean[j]) * inverse_std[j];
      xr[j] = normalized;
      yr[j] = gamma[j] * normalized + beta[j];
    }
  }
}

void bnn_batchnorm_backward(float *restrict gradient, const float *restrict xhat, size_t rows,
                            size_t width, size_t ld, const float *restrict gamma,
                            const float *restrict inverse_std, float *restrict dgamma,
                            float *restrict dbeta) {
  const float count = (float)rows;
  for (size_t j = 0; j < width; j++) dgamma[j] = dbeta[j] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    const float *dy = gradient + r * ld;
    const float *xr = xhat + r * ld;
    for (size_t j = 0; j < width; j++) {
      dbeta[j] += dy[j];
      dgamma[j] += dy[j] * xr[j];
    }
  }
  for (size_t r = 0; r < rows; r++) {
    float *dy = gradient + r * ld;
    const float *xr = xhat + r * ld;
    for (size_t j = 0; j < width; j++) {
      const float factor = gamma[j] * inverse_std[j] / count;
      dy[j] = factor * (count * dy[j] - dbeta[j] - xr[j] * dgamma[j]);
    }
  }
}
