#!/usr/bin/env python3
"""README figures are committed data, not hand-typed numbers.

Every figure block in README.md is fenced by
    <!-- figure: PATH -->
    ...
    <!-- /figure -->
and must be exactly the contents of PATH (a committed file written by the
command that measured it; `make figures` regenerates them). This script
checks that (the default; `make test` runs it) or, with --write, copies each
file into its block.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- figure: (\S+) -->\n)(.*?)(<!-- /figure -->)", re.S)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    bad, n = [], 0

    def fill(m: re.Match) -> str:
        nonlocal n
        n += 1
        path = ROOT / m.group(2)
        if not path.is_file():
            bad.append(f"{m.group(2)}: no such file")
            return m.group(0)
        data = path.read_text()
        if not data.endswith("\n"):
            data += "\n"
        if data != m.group(3):
            bad.append(f"{m.group(2)}: README's block differs from the file")
        return m.group(1) + data + m.group(4)

    new = BLOCK.sub(fill, text)
    if "--write" in sys.argv[1:]:
        readme.write_text(new)
        print(f"readme_figures: {n} blocks written")
        return 0
    for b in bad:
        print("readme_figures:", b)
    if n == 0:
        print("readme_figures: no figure blocks found")
        return 1
    print(f"readme_figures: {n} blocks checked, {len(bad)} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
