#!/usr/bin/env python3
"""README's and docs/'s figures are committed data, not hand-typed numbers.

Every figure block in README.md and docs/*.md is fenced by
    <!-- figure: PATH -->
    ...
    <!-- /figure -->
and must be exactly the contents of PATH (a committed file written by the
command that measured it, or derived from such files by
scripts/derive_figures.py; `make figures` regenerates them). A block may be
indented (inside a list item): both markers then carry the same indentation
and so does every non-empty line of the file's contents. This script
checks that (the default; `make test` runs it) or, with --write, copies each
file into its block.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^([ \t]*)(<!-- figure: (\S+) -->\n)(.*?)^(\1<!-- /figure -->)", re.S | re.M)


def check(doc: pathlib.Path, write: bool, bad: list) -> int:
    """Checks (or fills) the figure blocks of doc; returns how many it has."""
    text = doc.read_text()
    rel = doc.relative_to(ROOT)
    n = 0

    def fill(m: re.Match) -> str:
        nonlocal n
        n += 1
        indent, name = m.group(1), m.group(3)
        path = ROOT / name
        if not path.is_file():
            bad.append(f"{rel}: {name}: no such file")
            return m.group(0)
        data = path.read_text()
        if not data.endswith("\n"):
            data += "\n"
        data = "".join(indent + line if line.strip() else line for line in data.splitlines(keepends=True))
        if data != m.group(4):
            bad.append(f"{rel}: {name}: the block differs from the file")
        return indent + m.group(2) + data + m.group(5)

    new = BLOCK.sub(fill, text)
    if write:
        if new != text:
            doc.write_text(new)
        return n
    opened = text.count("<!-- figure: ")
    if opened != n:
        bad.append(f"{rel}: {opened} figure markers but {n} well-formed blocks (a block's closing marker must have its opening's indentation)")
    return n


def main() -> int:
    write = "--write" in sys.argv[1:]
    docs = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    bad, n, per = [], 0, []
    for doc in docs:
        k = check(doc, write, bad)
        n += k
        if k:
            per.append(f"{doc.relative_to(ROOT)} {k}")
    if write:
        print(f"readme_figures: {n} blocks written ({', '.join(per)})")
        return 0
    for b in bad:
        print("readme_figures:", b)
    if n == 0:
        print("readme_figures: no figure blocks found")
        return 1
    print(f"readme_figures: {n} blocks in {len(per)} files checked, {len(bad)} differ ({', '.join(per)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
