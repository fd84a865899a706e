"""Entry script of the bundled application (PyInstaller): the same command line as ``paper-terminal``.

The bundle has two executables on Windows (the windowed ``Paper Terminal`` and the
console ``paper-terminal``) and one elsewhere; all of them run this script.
"""

import sys

if __name__ == "__main__":
    if sys.platform == "win32":  # a frozen Windows program must say so before any child process starts
        import multiprocessing

        multiprocessing.freeze_support()
    from terminal.cli import run

    run()
