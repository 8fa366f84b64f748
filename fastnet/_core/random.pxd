# SplitMix64 (docs/MATH.md): the generator both fastnet.reference and the
# compiled core use, so one seed gives the same shuffles in both.
from libc.math cimport cos, log, sqrt
from libc.stdint cimport uint64_t

cdef inline uint64_t splitmix64_next(uint64_t* state) noexcept nogil:
    state[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)

# Fisher-Yates: order[i] = i, then for i = n-1 .. 1 swap order[i] with order[next() % (i+1)].
cdef inline void shuffled_order(Py_ssize_t n, Py_ssize_t* order, uint64_t* state) noexcept nogil:
    cdef Py_ssize_t i, j, tmp
    for i in range(n):
        order[i] = i
    i = n - 1
    while i > 0:
        j = <Py_ssize_t>(splitmix64_next(state) % <uint64_t>(i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
        i -= 1

# A double in [0, 1): the top 53 bits of next() (exact; MATH.md "Random numbers").
cdef inline double splitmix64_uniform(uint64_t* state) noexcept nogil:
    return <double>(splitmix64_next(state) >> 11) * (1.0 / 9007199254740992.0)

# A standard normal truncated to [-2, 2] (MATH.md "Initialisation"): Box-Muller's
# cosine half from two uniforms, both drawn again while |z| > 2. Only log, cos
# and sqrt of libm, and no rounded product feeds a sum, so that a fused multiply-add
# (-march=native) cannot change a bit: the reference computes the same doubles
# with Python's math module (the same libm).
cdef inline double splitmix64_truncated_normal(uint64_t* state) noexcept nogil:
    cdef double u1, u2, z
    while True:
        u1 = 1.0 - splitmix64_uniform(state)  # in (0, 1]: log(u1) is finite
        u2 = splitmix64_uniform(state)
        z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2)
        if -2.0 <= z <= 2.0:
            return z
