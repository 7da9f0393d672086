#!/usr/bin/env python3
"""Module import cycles within each crate of the workspace: edges from a file's module to the
modules its `use crate::a::b` / `super::b` paths name; `top` as the second argument collapses
every module to its top-level one. Exits 1 when a cycle is found (run by .ci/run)."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else '.'
crates = {}
for d in ['src', 'workloads/src', 'runners/src', 'reports/src', 'servers/src', 'os/src']:
    p = os.path.join(root, d)
    if os.path.isdir(p): crates[d] = p
def mods(src):
    m = {}
    for dp, _, fs in os.walk(src):
        for f in fs:
            if not f.endswith('.rs'): continue
            rel = os.path.relpath(os.path.join(dp, f), src)[:-3].split(os.sep)
            if rel[-1] in ('mod', 'lib', 'main'): rel = rel[:-1]
            m[tuple(rel)] = os.path.join(dp, f)
    return m
found = False
LEVEL = len(sys.argv) > 2 and sys.argv[2] == 'top'
for name, src in crates.items():
    m = mods(src)
    g = {(k[:1] if LEVEL else k): set() for k in m}
    for k, path in m.items():
        text = re.sub(r'(?m)^\s*//.*$', '', open(path).read())
        text = re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*', '', text, flags=re.S)
        paths = re.findall(r'crate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)', text)
        # super:: relative to the module's parent
        for sp in re.findall(r'\bsuper::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)', text):
            parent = k[:-1] if path.endswith('mod.rs') is False else k[:-1]
            paths.append('::'.join(list(parent) + sp.split('::')))
        # use crate::a::{b, c} and use super::{b, c}
        for kw, base, inner in re.findall(r'\b(crate|super)((?:::[a-z0-9_]+)*)::\{([^}]*)\}', text):
            pre = list(k[:-1]) if kw == 'super' else []
            for it in inner.split(','):
                it = it.strip().split('::')[0]
                if it and it != 'self': paths.append('::'.join(pre + [x for x in base.split('::') if x] + [it]))
        for p in paths:
            parts = tuple(p.split('::'))
            while parts and parts not in m: parts = parts[:-1]
            if LEVEL: parts, kk = parts[:1], k[:1]
            else: kk = k
            if parts and parts != kk and not (kk[:len(parts)] == parts):
                g.setdefault(kk, set()).add(parts)
    # find cycles (SCCs) at file granularity
    g = {v: {w for w in ws if w in g} for v, ws in g.items()}
    idx, low, st, on, out, c = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def sc(v):
        idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
        for w in g[v]:
            if w not in idx: sc(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(comp)
    for v in g:
        if v not in idx: sc(v)
    for comp in out:
        found = True
        print(name, ':', ' <-> '.join('::'.join(x) or '(root)' for x in comp))
if not found: print("no import cycles between modules of a crate")
sys.exit(1 if found else 0)
