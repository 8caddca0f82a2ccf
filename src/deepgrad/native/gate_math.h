/* The gate functions of the compiled recurrent steps (recurrent_steps.h), written so that the
 * loops calling them vectorize: e^x for x <= 0 as 2^n * p(x - n*ln 2) with a Taylor polynomial p
 * (degree 7 in float32, 13 in float64) on |x - n*ln 2| <= ln 2 / 2, within one unit in the last
 * place of the exact value; 0 below the exp floor of ops/stable.py (-87 in float32, -708 in
 * float64), NaN kept. sigmoid(x) = 1/(1 + e) or e/(1 + e) with e = e^-|x| (one
 * division); tanh(x) = +-(1 - e)/(1 + e) with e = e^-2|x|; act is tanh, or ReLU when
 * `relu`; act_slope its derivative from its output. No -ffast-math.
 */
#ifndef DEEPGRAD_GATE_MATH_H
#define DEEPGRAD_GATE_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define RELU(T, v) (((v) > 0 || (v) != (v)) ? (v) : (T)0)

/* e^x for x ≤ 0 (0 below the floor, where e^x is subnormal or 0; NaN stays NaN). */
static inline float
expneg_float(float x)
{
    const float floor_ = -87.0f, log2e = 1.44269504088896341f, magic = 12582912.0f; /* 1.5·2^23 */
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    float xc = x < floor_ ? floor_ : x;
    float shifted = xc * log2e + magic;
    float nf = shifted - magic; /* round(x / ln 2) */
    float r = (xc - nf * ln2_hi) - nf * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 127u) << 23; /* the low bits of `shifted` hold n */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = p * scale;
    return x < floor_ ? 0.0f : (x != x ? x : y);
}

static inline double
expneg_double(double x)
{
    const double floor_ = -708.0, log2e = 1.4426950408889634074, magic = 6755399441055744.0;
    const double ln2_hi = 0.6931471803691238164901733, ln2_lo = 1.9082149292705877e-10;
    double xc = x < floor_ ? floor_ : x;
    double shifted = xc * log2e + magic; /* magic = 1.5·2^52 */
    double nf = shifted - magic;
    double r = (xc - nf * ln2_hi) - nf * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits + 1023u) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    double y = p * scale;
    return x < floor_ ? 0.0 : (x != x ? x : y);
}

#define GATE_FUNCTIONS(T, ABS)                                                                \
    static inline T sigmoid_##T(T x)                                                          \
    {                                                                                         \
        T e = expneg_##T(-ABS(x));                                                            \
        return (x < 0 ? e : (T)1) / ((T)1 + e);                                               \
    }                                                                                         \
                                                                                              \
    static inline T tanh_##T(T x)                                                             \
    {                                                                                         \
        T e = expneg_##T((T)-2 * ABS(x));                                                     \
        T y = ((T)1 - e) / ((T)1 + e);                                                        \
        return x < 0 ? -y : (x != x ? x : y);                                                 \
    }                                                                                         \
                                                                                              \
    static inline T act_##T(T x, int relu) { return relu ? RELU(T, x) : tanh_##T(x); }        \
                                                                                              \
    /* act'(x) from y = act(x) */                                                             \
    static inline T act_slope_##T(T y, int relu)                                              \
    {                                                                                         \
        return relu ? (y > 0 ? (T)1 : (T)0) : (T)1 - y * y;                                   \
    }

GATE_FUNCTIONS(float, fabsf)
GATE_FUNCTIONS(double, fabs)

#endif
