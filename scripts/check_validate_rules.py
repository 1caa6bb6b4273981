#!/usr/bin/env python3
"""Delete each rule of tokn/validate.py in turn and run tests/test_validate_contract.py: every
deletion must make it fail.

usage (from the repository root): .venv/bin/python scripts/check_validate_rules.py

A rule is one err()/warn() call of tokn.validate.validate and its helpers; "deleting" it
replaces the call with None.  The file is restored afterwards, also when interrupted.
Exit status 0 when every deletion was caught.
"""
import ast
import subprocess
import sys

src_path = "tokn/validate.py"
orig = open(src_path).read()
tree = ast.parse(orig)
calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("err", "warn")]
lines = orig.split("\n")
def offset(line, col):
    return sum(len(l) + 1 for l in lines[:line - 1]) + col
results = []
try:
    for c in sorted(calls, key=lambda n: n.lineno):
        a, b = offset(c.lineno, c.col_offset), offset(c.end_lineno, c.end_col_offset)
        code = c.args[0].value if isinstance(c.args[0], ast.Constant) else "?"
        open(src_path, "w").write(orig[:a] + "None" + orig[b:])
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/test_validate_contract.py"],
                           capture_output=True, text=True)
        caught = r.returncode != 0
        results.append((c.lineno, code, caught))
        print(f"line {c.lineno:4} {code:24} {'FAILS (caught)' if caught else 'passes (NOT caught)'}", flush=True)
finally:
    open(src_path, "w").write(orig)
print(f"{sum(r[2] for r in results)}/{len(results)} rule deletions caught")
sys.exit(0 if all(r[2] for r in results) else 1)
