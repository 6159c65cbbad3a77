#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every requirement ID or section a source comment cites must be defined in docs/.

Scans the tracked source files of the repository (C++, CUDA, shell, Python, CMake and the CI
script) for
  * requirement IDs: MR-7, DI-6, TE-4.8; ranges (MR-1..3, MR-1..MR-3) and slash lists (MR-2/3/7)
    are expanded; each must be a heading "### <ID> " in docs/METHODOLOGY.md;
  * section citations: "METHODOLOGY §2.6", "DESIGN §1.4", and lists after one keyword
    ("METHODOLOGY §2, §3", "METHODOLOGY MR-16, §3"); each number must be a heading ("## 3. ...",
    "### 2.1 ...") or a bold item at the start of a line ("**1.4 Timing policy ...**") in
    docs/METHODOLOGY.md or docs/DESIGN.md respectively.
A bare "§N" without METHODOLOGY or DESIGN in front is not checked: it may cite another document.

usage: scripts/check_doc_ids.py [REPO_ROOT]   (default: the parent of this script's folder)
Prints "file:line: ID not defined in docs/..." for each unresolved citation and exits 1, or
prints one summary line and exits 0. Exit 2 when the docs cannot be read. Python 3 stdlib only.
"""

import os
import re
import subprocess
import sys

SOURCE_SUFFIXES = (".cpp", ".hpp", ".cu", ".cuh", ".h", ".sh", ".py", ".cmake")
SOURCE_NAMES = ("CMakeLists.txt",)
SOURCE_PATHS = (".ci/run",)
# The docs themselves, recorded outputs and test inputs: they quote IDs, they do not cite them.
EXCLUDED_PREFIXES = ("docs/", "tests/golden/", "tests/fixtures/", "results/")
THIS_SCRIPT = "scripts/check_doc_ids.py"  # its docstring shows examples, not citations

METHODOLOGY = "docs/METHODOLOGY.md"
DESIGN = "docs/DESIGN.md"

PREFIX = r"(?:MR|DI|FH|IN|TE)"
# MR-7, TE-4.8, MR-1..3, MR-1..MR-3, MR-2/3/7
ID_RE = re.compile(
    r"\b(" + PREFIX + r")-(\d+(?:\.\d+)?)"
    r"(?:\.\.(?:" + PREFIX + r"-)?(\d+)|((?:/\d+)+))?(?![\w-])"
)
# A keyword followed by a list of section numbers and requirement IDs.
SECTION_ITEM = (
    r"(?:§\s?\d+(?:\.\d+)*|"
    + PREFIX
    + r"-\d+(?:\.\d+)?(?:\.\.(?:" + PREFIX + r"-)?\d+|(?:/\d+)+)?)"
)
SECTION_RE = re.compile(
    r"\b(METHODOLOGY|DESIGN)\s+(" + SECTION_ITEM + r"(?:\s*(?:,|;|and|/)\s*" + SECTION_ITEM + r")*)"
)
SECTION_NUMBER_RE = re.compile(r"§\s?(\d+(?:\.\d+)*)")

REQ_HEADING_RE = re.compile(r"^###\s+(" + PREFIX + r"-\d+(?:\.\d+)?)\s")
NUMBERED_HEADING_RE = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s")
NUMBERED_BOLD_RE = re.compile(r"^\s*(?:[-*+]\s+|\d+\.\s+)?\*\*(\d+(?:\.\d+)*)\.?\s")


def repo_files(root):
    """Tracked files (git ls-files); without git, every file below root."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z"],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ).stdout
        return [p for p in out.decode("utf-8", "replace").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root)
            dirnames[:] = [
                d
                for d in dirnames
                if not (d.startswith(".") and d != ".ci") and not d.startswith("build")
            ]
            for f in filenames:
                files.append(os.path.normpath(os.path.join(rel_dir, f)).replace(os.sep, "/"))
        return files


def is_source(path):
    if path == THIS_SCRIPT or path.startswith(EXCLUDED_PREFIXES):
        return False
    name = path.rsplit("/", 1)[-1]
    return path in SOURCE_PATHS or name in SOURCE_NAMES or name.endswith(SOURCE_SUFFIXES)


def expand_id(match):
    prefix, first, range_end, slash_list = match.groups()
    if range_end is not None and "." not in first:
        lo, hi = int(first), int(range_end)
        if lo <= hi:
            return ["%s-%d" % (prefix, n) for n in range(lo, hi + 1)]
    ids = ["%s-%s" % (prefix, first)]
    if slash_list:
        ids += ["%s-%s" % (prefix, n) for n in slash_list.strip("/").split("/")]
    return ids


def citations(text):
    """(line, kind, id) for every citation in text; kind is 'req', 'METHODOLOGY' or 'DESIGN'."""
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for m in ID_RE.finditer(line):
            for ident in expand_id(m):
                found.append((lineno, "req", ident))
        for m in SECTION_RE.finditer(line):
            for n in SECTION_NUMBER_RE.finditer(m.group(2)):
                found.append((lineno, m.group(1), n.group(1)))
    return found


def definitions(path):
    """Requirement IDs and section numbers defined in one doc, each with its first line."""
    reqs, sections, duplicates = {}, {}, []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    in_code = False
    for lineno, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        m = REQ_HEADING_RE.match(line)
        if m:
            if m.group(1) in reqs:
                duplicates.append((lineno, m.group(1)))
            reqs.setdefault(m.group(1), lineno)
            continue
        m = NUMBERED_HEADING_RE.match(line) or NUMBERED_BOLD_RE.match(line)
        if m:
            number = m.group(1)
            if number in sections:
                duplicates.append((lineno, "§" + number))
            sections.setdefault(number, lineno)
    return reqs, sections, duplicates


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.abspath(root)
    try:
        meth_reqs, meth_sections, meth_dups = definitions(os.path.join(root, METHODOLOGY))
        _, design_sections, design_dups = definitions(os.path.join(root, DESIGN))
    except OSError as e:
        print("check_doc_ids: cannot read the docs: %s" % e, file=sys.stderr)
        return 2

    problems = []
    for lineno, ident in meth_dups:
        problems.append("%s:%d: %s defined more than once" % (METHODOLOGY, lineno, ident))
    for lineno, ident in design_dups:
        problems.append("%s:%d: %s defined more than once" % (DESIGN, lineno, ident))

    count = 0
    distinct = set()
    for path in sorted(repo_files(root)):
        full = os.path.join(root, path)
        if not is_source(path) or not os.path.isfile(full):
            continue
        try:
            with open(full, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for lineno, kind, ident in citations(text):
            if kind == "req":
                label, known, doc = ident, ident in meth_reqs, METHODOLOGY
            elif kind == "METHODOLOGY":
                label, known, doc = "METHODOLOGY §" + ident, ident in meth_sections, METHODOLOGY
            else:
                label, known, doc = "DESIGN §" + ident, ident in design_sections, DESIGN
            count += 1
            distinct.add(label)
            if not known:
                problems.append("%s:%d: %s not defined in %s" % (path, lineno, label, doc))

    if problems:
        for p in problems:
            print(p)
        return 1
    print("check_doc_ids: %d citations of %d IDs resolve" % (count, len(distinct)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
