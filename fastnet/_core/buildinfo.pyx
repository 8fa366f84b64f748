"""How this copy of the kernels was built (for show_config and bug reports)."""

cdef extern from *:
    """
    #ifndef FASTNET_BUILD_FLAGS
    #define FASTNET_BUILD_FLAGS ""
    #endif
    """
    const char* FASTNET_BUILD_FLAGS

import cython

CYTHON_VERSION = cython.__version__
COMPILE_FLAGS = FASTNET_BUILD_FLAGS.decode()


def bounds_checked():
    """True when this build checks memoryview bounds (built with FASTNET_DEBUG=1).

    Asks the compiled code itself: with bounds checking an index one past the
    end of a memoryview raises IndexError; without it, it reads the next
    element of the (larger) C array behind the view.
    """
    cdef double storage[2]
    storage[0] = 0.0
    storage[1] = 0.0
    cdef double[::1] view = <double[:1]> storage
    cdef Py_ssize_t past_end = 1
    try:
        view[past_end]
    except IndexError:
        return True
    return False
