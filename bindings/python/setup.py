"""Build hook: bundle libsia.so into the package.

`pip install ./bindings/python` and `make wheel` build the library with the
project's own build (`make lib` in the repository root, with Go and a C
compiler) into setuptools' build folder and put it beside sia/__init__.py,
so the installed package needs no SIA_LIBRARY. The wheel is tagged for this
platform (py3-none-<platform>): it holds a native library but no Python
extension, so one wheel serves every Python 3 version.

Where the library comes from, first match wins:
  SIA_PREBUILT_LIBRARY=/path/libsia.so   bundle that file, build nothing
  the repository around this folder      `make -C <root> lib BUILD=<tmp>`
  sia/libsia.so already in the source    bundle it as is
otherwise the build fails with a message saying what is missing.
Environment: MAKE (default make), GO (passed to make; default: go on PATH,
else /usr/local/go/bin/go).
"""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.dist import Distribution
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # wheel not installed: only plain installs
    _bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))


def _repo_root():
    """The libsia checkout this folder sits in (bindings/python), or None."""
    root = os.path.dirname(os.path.dirname(HERE))
    markers = ("Makefile", "go.mod", os.path.join("capi"), os.path.join("include", "sia.h"))
    if all(os.path.exists(os.path.join(root, m)) for m in markers):
        return root
    return None


def _go():
    if os.environ.get("GO"):
        return os.environ["GO"]
    if shutil.which("go"):
        return "go"
    if os.path.exists("/usr/local/go/bin/go"):
        return "/usr/local/go/bin/go"
    return None


def _build_library(tmp):
    """Path of a libsia.so to bundle (see the module docstring)."""
    prebuilt = os.environ.get("SIA_PREBUILT_LIBRARY")
    if prebuilt:
        if not os.path.isfile(prebuilt):
            raise SystemExit("SIA_PREBUILT_LIBRARY=%s: no such file" % prebuilt)
        return prebuilt
    root = _repo_root()
    if root is not None:
        go = _go()
        if go is None:
            raise SystemExit("building libsia needs Go >= 1.25 (https://go.dev/dl/) on PATH or in $GO; "
                             "or set SIA_PREBUILT_LIBRARY to a built libsia.so")
        out = os.path.abspath(os.path.join(tmp, "libsia-build"))
        os.makedirs(out, exist_ok=True)
        cmd = [os.environ.get("MAKE", "make"), "--no-print-directory", "-C", root, "lib", "BUILD=" + out, "GO=" + go]
        print("building libsia: " + " ".join(cmd), flush=True)
        subprocess.check_call(cmd)
        return os.path.join(out, "libsia.so")
    bundled = os.path.join(HERE, "sia", "libsia.so")
    if os.path.isfile(bundled):
        return bundled
    raise SystemExit("cannot find libsia: this folder is not inside a libsia checkout, sia/libsia.so is absent "
                     "and SIA_PREBUILT_LIBRARY is not set")


class BuildPyWithLibrary(build_py):
    """build_py that also builds libsia.so and copies it into the package."""

    def run(self):
        super().run()
        lib = _build_library(self.get_finalized_command("build").build_temp)
        dst = os.path.join(self.build_lib, "sia", "libsia.so")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.abspath(lib) != os.path.abspath(dst):
            shutil.copyfile(lib, dst)
            os.chmod(dst, 0o755)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, "sia", "libsia.so")]


class BinaryDistribution(Distribution):
    """Platform-specific: the package carries a native library, so setuptools
    builds it as it would an extension (platlib, a non-pure wheel)."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": BuildPyWithLibrary}

if _bdist_wheel is not None:
    class BdistWheelPlatform(_bdist_wheel):
        """Tagged py3-none-<platform>: a native library but no Python
        extension, so one wheel serves every Python 3 on this platform."""

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = BdistWheelPlatform

setup(cmdclass=cmdclass, distclass=BinaryDistribution)
