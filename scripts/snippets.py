#!/usr/bin/env python3
"""Every code snippet in README.md and docs/*.md is a complete program that runs.

`make snippets` (part of `make test`) extracts each fenced block whose info
string names a language it can run, builds and runs it, and fails if any
does not build, does not run cleanly, or is not a complete program:

  ```c       a whole C11 program: compiled with -std=c11 -Wall -Wextra
             -Werror against include/sia.h and build/libsia.so, run, exit 0
  ```cpp     a whole C++17 program: the same with -std=c++17, sia.hpp
  ```go      a whole gofmt-formatted _test.go file of package <name>_test
             holding at least one Example function with an // Output: comment; run
             with `go test -run '^Example'` in a directory of its own under
             build/_snippets (so `go vet ./...` and `go test ./...` skip it),
             which checks the printed output
  ```python  a doctest (>>> lines with their expected output, at least one
             expected line): run against build/libsia.so (SIA_LIBRARY) and
             bindings/python, each block in a fresh interpreter

Blocks in other languages (sh, text, cmake, ...) are shown, not run.
Nothing can opt out: a fragment must be written as one of the above or not
in a runnable language. With file arguments, only those files; -v prints
each snippet's output.
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
OUT = BUILD / "_snippets"
FENCE = re.compile(r"^([ \t]*)```([A-Za-z0-9+_-]*)[^\n]*\n(.*?)^\1```[ \t]*$", re.S | re.M)
RUNNABLE = {"c", "cpp", "c++", "go", "python", "py"}
CC = os.environ.get("CC", "cc")
CXX = os.environ.get("CXX", "c++")
GO = os.environ.get("GO", "go")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
TIMEOUT = 120  # seconds per build or run


def blocks(path):
    """(line, language, code) of every fenced block of path."""
    text = path.read_text()
    for m in FENCE.finditer(text):
        indent, lang, body = m.group(1), m.group(2).lower(), m.group(3)
        if indent:
            body = "".join(l[len(indent):] if l.startswith(indent) else l for l in body.splitlines(True))
        yield text.count("\n", 0, m.start()) + 1, lang, body


def run(cmd, **kw):
    # A process group of its own, so that a timeout ends the program itself,
    # not only the `go test` that started it.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, **kw)
    try:
        out, _ = p.communicate(timeout=TIMEOUT)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return 124, (out or "") + f"\n(timed out after {TIMEOUT} s)"


def check_c(name, code, cpp):
    src = OUT / (name + (".cpp" if cpp else ".c"))
    exe = OUT / name
    src.write_text(code)
    if "int main(" not in code:
        return "not a complete program (no int main)"
    comp = [CXX, "-std=c++17"] if cpp else [CC, "-std=c11"]
    rc, out = run(comp + ["-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "include"), str(src), "-L", str(BUILD),
                          "-lsia", "-lm", "-Wl,-rpath," + str(BUILD), "-o", str(exe)])
    if rc:
        return "does not compile:\n" + out
    rc, out = run([str(exe)], cwd=OUT)
    return None if rc == 0 else f"exits {rc}:\n{out}"


def check_go(name, code):
    if not re.search(r"^package \w+_test\s*$", code, re.M):
        return "not a complete _test.go file (package <name>_test)"
    if not re.search(r"^func Example\w*\(\)", code, re.M) or "// Output:" not in code:
        return "no Example function with an // Output: comment"
    d = OUT / "go" / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "snippet_test.go").write_text(code)
    gofmt = shutil.which("gofmt") or str(pathlib.Path(subprocess.check_output([GO, "env", "GOROOT"], text=True).strip()) / "bin" / "gofmt")
    rc, out = run([gofmt, "-l", str(d / "snippet_test.go")])
    if rc or out.strip():
        return "not gofmt-formatted (gofmt -d shows how)" + (":\n" + out if rc else "")
    rc, out = run([GO, "test", "-count=1", "-timeout", f"{TIMEOUT - 10}s", "-run", "^Example", "-v",
                   "./" + str(d.relative_to(ROOT))], cwd=ROOT)
    if rc:
        return "fails:\n" + out
    if "--- PASS: Example" not in out:
        return "ran no Example:\n" + out
    return None


DOCTEST = """
import doctest, sys
text = open(sys.argv[1]).read()
test = doctest.DocTestParser().get_doctest(text, {}, sys.argv[1], sys.argv[1], 0)
if not test.examples:
    sys.exit("no >>> examples")
if not any(e.want.strip() for e in test.examples):
    sys.exit("no expected output: a doctest must show what it prints")
runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
runner.run(test)
r = runner.summarize(verbose=False)
sys.exit(1 if r.failed else 0)
"""


def check_python(name, code):
    src = OUT / (name + ".txt")
    src.write_text(code)
    env = dict(os.environ, SIA_LIBRARY=str(BUILD / "libsia.so"),
               PYTHONPATH=str(ROOT / "bindings" / "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rc, out = run([PYTHON, "-c", DOCTEST, str(src)], env=env, cwd=OUT)
    return None if rc == 0 else "doctest fails:\n" + out


def main(argv):
    verbose = "-v" in argv
    files = [pathlib.Path(a).resolve() for a in argv if a != "-v"]
    if not files:
        files = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    if not (BUILD / "libsia.so").is_file():
        print("snippets: build/libsia.so missing (make lib)")
        return 1
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    bad, ran, per_lang = [], 0, {}
    for f in files:
        rel = f.relative_to(ROOT)
        for line, lang, code in blocks(f):
            if lang not in RUNNABLE:
                continue
            name = re.sub(r"[^A-Za-z0-9]+", "_", f"{rel.with_suffix('')}_{line}").strip("_").lower()
            if lang in ("c", "cpp", "c++"):
                err = check_c(name, code, lang != "c")
            elif lang == "go":
                err = check_go(name, code)
            else:
                err = check_python(name, code)
            ran += 1
            key = {"c++": "cpp", "py": "python"}.get(lang, lang)
            per_lang[key] = per_lang.get(key, 0) + 1
            where = f"{rel}:{line} ({lang})"
            if err:
                bad.append(where)
                print(f"snippets: FAIL {where}: {err}")
            elif verbose:
                print(f"snippets: ok {where}")
    langs = ", ".join(f"{n} {k}" for k, n in sorted(per_lang.items()))
    print(f"snippets: {ran} snippets in {len(files)} files ({langs}): {ran - len(bad)} ran, {len(bad)} failed")
    if ran == 0:
        print("snippets: no runnable snippets found")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
