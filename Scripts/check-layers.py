#!/usr/bin/env python3
"""Fails when a folder of Sources/MetaGraphKit uses a type declared in a folder
above it, or beside it in the same row, of the layer diagram at the top of
README.md's Layout section. The diagram is read from the README, so the check and
the picture cannot drift apart.

Usage: Scripts/check-layers.py [--edges]   (--edges prints every folder edge found)
"""
import os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lib = os.path.join(root, "Sources", "MetaGraphKit")
folders = sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)) and not d.endswith(".docc"))

# The diagram: the first ``` block after "## Layout"; a row is a line whose first
# words are folder names. Rows are listed top (highest) to bottom.
readme = open(os.path.join(root, "README.md")).read()
layout = readme[readme.index("## Layout"):]
block = layout[layout.index("```") + 3:]
block = block[:block.index("```")]
rank = {}
rows = []
for line in block.splitlines():
    words = line.split()
    names = []
    for w in words:
        if w in folders:
            names.append(w)
        else:
            break
    if names:
        rows.append(names)
for i, names in enumerate(rows):
    for n in names:
        rank[n] = len(rows) - i          # higher number = higher layer
missing = [f for f in folders if f not in rank]
if missing:
    sys.exit(f"check-layers: folders missing from README's layer diagram: {', '.join(missing)}")

def strip(code):
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)
    code = re.sub(r'"""(.*?)"""', '""', code, flags=re.S)
    code = re.sub(r'"(\\.|[^"\\\n])*"', '""', code)
    code = re.sub(r"//[^\n]*", " ", code)
    return code

decl = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|final|indirect|nonisolated)\s+)*"
                  r"(?:struct|class|enum|protocol|typealias|actor)\s+([A-Z]\w*)", re.M)
private_decl = re.compile(r"^\s*(?:@\w+\s+)*(?:private|fileprivate)\s", re.M)

files = {}
owner = {}
for f in folders:
    for dirpath, _, names in os.walk(os.path.join(lib, f)):
        for n in names:
            if n.endswith(".swift"):
                code = strip(open(os.path.join(dirpath, n)).read())
                files.setdefault(f, []).append((os.path.relpath(os.path.join(dirpath, n), root), code))
                for line in code.splitlines():
                    if private_decl.match(line):
                        continue
                    m = decl.match(line)
                    # top-level declarations only (no indentation)
                    if m and not line.startswith((" ", "\t")):
                        owner.setdefault(m.group(1), f)

bad = []
edges = {}
for f, entries in files.items():
    for path, code in entries:
        idents = set(re.findall(r"\b[A-Z]\w*\b", code))
        for t in idents:
            g = owner.get(t)
            if g is None or g == f:
                continue
            edges.setdefault((f, g), set()).add(t)
            if rank[g] >= rank[f]:
                bad.append(f"{path}: {f} uses {t} from {g}, which is {'beside' if rank[g] == rank[f] else 'above'} it")

if "--edges" in sys.argv:
    for (f, g), ts in sorted(edges.items()):
        print(f"{f} -> {g}: {', '.join(sorted(ts))}")
if bad:
    print("\n".join(sorted(bad)))
    sys.exit(f"check-layers: {len(bad)} uses against the layer diagram in README.md")
print(f"check-layers: {len(folders)} folders, {len(edges)} edges, all downward")
