#!/usr/bin/env python3
"""The measured figures in the prose of README.md and docs/*.md come from
committed data.

readme_figures.py checks the figure blocks; this checks what is written
around them. A *figure* is a number or a range of numbers with a unit of
measurement: µs, us, ms, ns, s, min, %, ×, GFLOP/s or GB/s ("0.44×",
"12–16 µs", "77.5 %"). Figures in figure blocks and code fences are left
to readme_figures.py and to `make snippets`; a figure right after ≤, ≥, <, >,
~, "within", "than", "under", "up to", "at most" or "at least" is a target,
a tolerance or a limit, not a measurement, and a " × " between two factors
("4 × 4", "10 000 × n") is a shape; neither is checked (a ratio is written
"0.44×", without the space).

Every other figure must be *traceable*: each of its numbers (spaces inside
a number ignored: "3 972" is 3972) occurs in a committed file that its
paragraph cites, by a Markdown link or a `backquoted` path to a file (a
directory is too broad to count). This catches a figure that no data
behind it holds -- a typo, a stale figure, one that was never measured --
but not one that happens to equal another number of the cited files. A figure that is not traceable must be
listed, with the reason it holds, in scripts/prose-figures.txt (one line:
document, tab, the figure as written, tab, the reason: a unit conversion of
a cited number, a parameter of a test, a bound that is not a measurement).
An entry that no longer matches a figure of its document is an error too,
so that the list shrinks when the prose changes.

Exit status 0 when every figure is traceable or listed; 1 otherwise, naming
each offender. `make figures-check` runs it.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ALLOW = ROOT / "scripts" / "prose-figures.txt"
BLOCK = re.compile(r"^([ \t]*)<!-- figure: \S+ -->\n.*?^\1<!-- /figure -->", re.S | re.M)
FENCE = re.compile(r"^([ \t]*)```.*?^\1```", re.S | re.M)
NUM = r"\d+(?:[ \u2009\u202f\u00a0]\d{3})*(?:\.\d+)?"
FIG = re.compile(r"(?<![\w.·/^])(" + NUM + r")(?:\s?[–-]\s?(" + NUM + r"))?\s?"
                 r"(µs|us|ms|ns|s|min|%|×|GFLOP/s|GB/s)(?![\w/])")
BOUND = re.compile(r"(?:[≤≥<>~]|\b(?:within|than|under|up to|at most|at least))\s*$")
REF = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)|`([^`\s]+)`")


def squash(s: str) -> str:
    """Removes the spaces that group digits, so that "3 972" matches 3972."""
    return re.sub(r"(?<=\d)[ \u2009\u202f\u00a0](?=\d)", "", s)


def cited(par: str, doc: pathlib.Path) -> str:
    """The normalized text of the committed files the paragraph cites."""
    files = []
    for m in REF.finditer(par):
        ref = m.group(1) or m.group(2)
        if "://" in ref:
            continue
        for base in ((ROOT,) if ref.startswith("/") else (doc.parent, ROOT)):
            p = (base / ref.lstrip("/")).resolve()
            if ROOT not in p.parents and p != ROOT:
                continue
            if p.is_file():
                files.append(p)
                break
    return "\n".join(squash(f.read_text(errors="replace")) for f in files)


def figures(doc: pathlib.Path):
    """Yields (figure as written, traceable) for each figure of doc's prose."""
    text = FENCE.sub("", BLOCK.sub("", doc.read_text()))
    for par in re.split(r"\n[ \t]*\n", text):
        data = None
        for m in FIG.finditer(par):
            if BOUND.search(par[:m.start()]):
                continue
            if m.group(3) == "×" and re.search(r"\s×$", m.group(0)) and re.match(r"\s+[\w(]", par[m.end():]):
                continue  # a product or a shape ("4 × 4", "10 000 × n"), not a ratio ("0.44× the")
            if data is None:
                data = cited(par, doc)
            nums = [squash(v) for v in m.groups()[:2] if v]
            ok = all(re.search(r"(?<![\d.])" + re.escape(v) + r"(?![\d])", data) for v in nums)
            yield m.group(0), ok


def main() -> int:
    allow = {}
    for i, line in enumerate(ALLOW.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip():
            print(f"prose_figures: {ALLOW.name}:{i}: want DOC<TAB>FIGURE<TAB>REASON")
            return 1
        allow.setdefault((parts[0], parts[1]), i)
    docs = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    bad, used, n = [], set(), 0
    for doc in docs:
        rel = str(doc.relative_to(ROOT))
        for fig, ok in figures(doc):
            n += 1
            if (rel, fig) in allow:
                used.add((rel, fig))
            elif not ok:
                bad.append(f"{rel}: {fig!r} is in no file its paragraph cites (cite the data, or list it in {ALLOW.name} with the reason)")
    for key, line in sorted(allow.items(), key=lambda kv: kv[1]):
        if key not in used:
            bad.append(f"{ALLOW.name}:{line}: {key[0]} has no figure {key[1]!r} any more")
    for b in bad:
        print("prose_figures:", b)
    print(f"prose_figures: {n} figures in the prose of {len(docs)} files, {len(used)} listed, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
