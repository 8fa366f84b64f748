/*
 * The batch-1 workloads' SGD epoch written by hand in C: the limit of what the
 * per-sample loop can cost (no Python, no dispatch, no checks; the layer sizes
 * fixed when it is compiled).
 *
 * fastnet/bench/c_loop.py compiles it at benchmark time with the system compiler:
 *
 *     cc -O3 -march=native -shared -fPIC -DREAL=float -DNLAYERS=2 '-DSIZES={2,8,1}' -DMAXW=8 \
 *        mlp_batch1.c -o mlp.so
 *
 * REAL: float or double; NLAYERS: dense layers; SIZES: NLAYERS + 1 widths,
 * inputs first; MAXW: the widest of them. The network is fastnet's: relu
 * hidden layers, a linear output, the loss fastnet calls "mse" (the mean over
 * the outputs of (o - y)^2, gradient 2 (o - y) / n_out), plain SGD
 * (p -= lr * g) after each sample. The parameters are one buffer in fastnet's
 * layout: per layer W (n_in x n_out, row-major), then b.
 */
#include <stdint.h>

#ifndef REAL
#error "compile with -DREAL=float or -DREAL=double"
#endif
#if !defined(NLAYERS) || !defined(SIZES) || !defined(MAXW)
#error "compile with -DNLAYERS=<layers> -DSIZES={<widths>} -DMAXW=<widest>"
#endif

static const int sizes[NLAYERS + 1] = SIZES;

/* One epoch over the rows in `order` (n of them); returns the mean of the
 * per-sample losses, each taken before that sample's update. */
double mlp_epoch(REAL *restrict params, const REAL *restrict X, const REAL *restrict Y,
                 const int64_t *restrict order, int64_t n, double lr_)
{
    const REAL lr = (REAL)lr_;
    const int n_in0 = sizes[0], n_out = sizes[NLAYERS];
    REAL act[NLAYERS + 1][MAXW];   /* act[0]: the input; act[l + 1]: layer l's output */
    REAL delta[NLAYERS][MAXW];     /* dL/dz of each layer */
    REAL *W[NLAYERS], *b[NLAYERS];
    int64_t off = 0;
    for (int l = 0; l < NLAYERS; l++) {
        W[l] = params + off;
        off += (int64_t)sizes[l] * sizes[l + 1];
        b[l] = params + off;
        off += sizes[l + 1];
    }
    double total = 0.0;
    for (int64_t s = 0; s < n; s++) {
        const REAL *x = X + order[s] * n_in0;
        const REAL *y = Y + order[s] * n_out;
        for (int i = 0; i < n_in0; i++)
            act[0][i] = x[i];
        for (int l = 0; l < NLAYERS; l++) {            /* forward */
            const int ni = sizes[l], no = sizes[l + 1];
            REAL *z = act[l + 1];
            for (int j = 0; j < no; j++)
                z[j] = b[l][j];
            for (int i = 0; i < ni; i++) {
                const REAL a = act[l][i];
                for (int j = 0; j < no; j++)
                    z[j] += a * W[l][i * no + j];
            }
            if (l < NLAYERS - 1)
                for (int j = 0; j < no; j++)
                    z[j] = z[j] > 0 ? z[j] : 0;
        }
        REAL loss = 0;                                 /* mse: mean over the outputs */
        for (int k = 0; k < n_out; k++) {
            const REAL e = act[NLAYERS][k] - y[k];
            loss += e * e;
            delta[NLAYERS - 1][k] = 2 * e / n_out;
        }
        total += loss / n_out;
        for (int l = NLAYERS - 1; l >= 0; l--) {       /* backward, then the update of layer l */
            const int ni = sizes[l], no = sizes[l + 1];
            const REAL *d = delta[l], *a = act[l];
            if (l > 0)                                 /* the input gradient, with the old W */
                for (int i = 0; i < ni; i++) {
                    REAL g = 0;
                    for (int j = 0; j < no; j++)
                        g += W[l][i * no + j] * d[j];
                    delta[l - 1][i] = a[i] > 0 ? g : 0;
                }
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < no; j++)
                    W[l][i * no + j] -= lr * (a[i] * d[j]);
            for (int j = 0; j < no; j++)
                b[l][j] -= lr * d[j];
        }
    }
    return n > 0 ? total / (double)n : 0.0;
}
