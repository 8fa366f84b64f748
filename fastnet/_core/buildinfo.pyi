# Stub for the compiled module fastnet._core.buildinfo (buildinfo.pyx):
# how this copy of the kernels was built (fastnet.show_config prints it).

CYTHON_VERSION: str  # the Cython that generated the C code
COMPILE_FLAGS: str  # const char* FASTNET_BUILD_FLAGS: setup.py's extra compile flags (and "debug")

def bounds_checked() -> bool: ...  # True for a FASTNET_DEBUG=1 build
