/*
 * BatchNorm over a block of feature columns and a block of rows of a row-major [rows][ld]
 * matrix (the caller offsets the pointers to the block's first row and column). Every
 * loop runs over the features of one row, so it vectorises while each feature's sums
 * still add the rows in order 0, 1, 2, ... (results do not depend on vectorisation or on
 * how features are split). A caller that splits the rows sums the blocks' partial sums
 * in block order, over a partition that depends on the shape only.
 */
#include <math.h>

#include "cfloatkernels.h"

void bnn_column_sums(const float *restrict x, size_t rows, size_t width, size_t ld,
                     float *restrict sum) {
  for (size_t j = 0; j < width; j++) sum[j] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * ld;
    for (size_t j = 0; j < width; j++) sum[j] += xr[j];
  }
}

void bnn_column_squared_deviations(const float *restrict x, size_t rows, size_t width, size_t ld,
                                   const float *restrict mean, float *restrict sum) {
  for (size_t j = 0; j < width; j++) sum[j] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * ld;
    for (size_t j = 0; j < width; j++) {
      const float d = xr[j] - mean[j];
      sum[j] += d * d;
    }
  }
}

void bnn_batchnorm_normalize(const float *restrict z, float *restrict xhat, float *restrict y,
                             float *restrict signs, size_t rows, size_t width, size_t ld,
                             const float *restrict gamma, const float *restrict beta,
                             const float *restrict mean, const float *restrict inverse_std) {
  for (size_t r = 0; r < rows; r++) {
    const float *zr = z + r * ld;
    float *xr = xhat + r * ld;
    float *yr = y + r * ld;
    if (signs) {
      float *sr = signs + r * ld;
      for (size_t j = 0; j < width; j++) {
        const float normalized = (zr[j] - mean[j]) * inverse_std[j];
        const float out = gamma[j] * normalized + beta[j];
        xr[j] = normalized;
        yr[j] = out;
        sr[j] = out < 0.0f ? -1.0f : 1.0f;
      }
    } else {
      for (size_t j = 0; j < width; j++) {
        const float normalized = (zr[j] - mean[j]) * inverse_std[j];
        xr[j] = normalized;
        yr[j] = gamma[j] * normalized + beta[j];
      }
    }
  }
}

void bnn_batchnorm_forward(const float *restrict z, float *restrict xhat, float *restrict y,
                           float *restrict signs, size_t rows, size_t width, size_t ld,
                           const float *restrict gamma, const float *restrict beta,
                           float *restrict mean, float *restrict variance,
                           float *restrict inverse_std, float epsilon) {
  const float scale = 1.0f / (float)rows;
  bnn_column_sums(z, rows, width, ld, mean);
  for (size_t j = 0; j < width; j++) mean[j] *= scale;
  bnn_column_squared_deviations(z, rows, width, ld, mean, variance);
  for (size_t j = 0; j < width; j++) {
    variance[j] *= scale;
    inverse_std[j] = 1.0f / sqrtf(variance[j] + epsilon);
  }
  bnn_batchnorm_normalize(z, xhat, y, signs, rows, width, ld, gamma, beta, mean, inverse_std);
}

void bnn_batchnorm_gradient_sums(float *restrict gradient, const float *restrict xhat,
                                 const float *restrict window, size_t rows, size_t width, size_t ld,
                                 float *restrict dgamma, float *restrict dbeta) {
  for (size_t j = 0; j < width; j++) dgamma[j] = dbeta[j] = 0.0f;
  for (size_t r = 0; r < rows; r++) {
    float *dy = gradient + r * ld;
    const float *xr = xhat + r * ld;
    if (window) {
      /* The hard-tanh window of the sign that follows: dy *= (|y| <= 1), as
         bnn_hardtanh_mask, stored back for bnn_batchnorm_gradient_apply. */
      const float *yr = window + r * ld;
      for (size_t j = 0; j < width; j++) {
        const float g = dy[j] * (float)(fabsf(yr[j]) <= 1.0f);
        dy[j] = g;
        dbeta[j] += g;
        dgamma[j] += g * xr[j];
      }
    } else {
      for (size_t j = 0; j < width; j++) {
        dbeta[j] += dy[j];
        dgamma[j] += dy[j] * xr[j];
      }
    }
  }
}

void bnn_batchnorm_gradient_apply(float *restrict gradient, const float *restrict xhat, size_t rows,
                                  size_t width, size_t ld, size_t batch_rows,
                                  const float *restrict gamma, const float *restrict inverse_std,
                                  const float *restrict dgamma, const float *restrict dbeta) {
  const float count = (float)batch_rows;
  for (size_t r = 0; r < rows; r++) {
    float *dy = gradient + r * ld;
    const float *xr = xhat + r * ld;
    for (size_t j = 0; j < width; j++) {
      const float factor = gamma[j] * inverse_std[j] / count;
      dy[j] = factor * (count * dy[j] - dbeta[j] - xr[j] * dgamma[j]);
    }
  }
}

void bnn_batchnorm_backward(float *restrict gradient, const float *restrict xhat,
                            const float *restrict window, size_t rows, size_t width, size_t ld,
                            const float *restrict gamma, const float *restrict inverse_std,
                            float *restrict dgamma, float *restrict dbeta) {
  bnn_batchnorm_gradient_sums(gradient, xhat, window, rows, width, ld, dgamma, dbeta);
  bnn_batchnorm_gradient_apply(gradient, xhat, rows, width, ld, rows, gamma, inverse_std, dgamma,
                               dbeta);
}
