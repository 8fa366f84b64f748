"""warn_caller: the warning names the first line outside fastnet, however deep the call."""

import sys
import warnings

import pytest

from fastnet.runtime.caller import warn_caller


def test_warning_from_a_direct_call_names_this_line():
    with pytest.warns(UserWarning, match="here") as record:
        warn_caller("here", UserWarning)
    assert record[0].filename == __file__


def test_frames_inside_fastnet_are_skipped():
    # A frame that looks like fastnet's code (its module name) between this test and the warning.
    namespace = {"__name__": "fastnet.somewhere", "warn_caller": warn_caller}
    exec("def inner():\n    warn_caller('deep', RuntimeWarning)\n", namespace)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        namespace["inner"]()
        line = sys._getframe().f_lineno - 1   # the line above
    assert record[0].filename == __file__ and record[0].lineno == line
    assert record[0].category is RuntimeWarning
