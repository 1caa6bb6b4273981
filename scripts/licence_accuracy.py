"""Accuracy of tokn's licence detection on real licence files of open-hardware repositories.

The texts are not in this repository (fetch them again: the file names give repository
and path); licence_samples.csv, beside this script, gives each project's expected licence.
Each row is one project: every file named ``<sample>__<path with __ for />``
is copied into a temporary repository at its path, and ``detect_licence(repo/project, repo)``
is called.  Verdicts: ok (the expected SPDX id), safe (wrong or unknown, but the default
filter refuses it, so nothing is admitted under a wrong licence), WRONG (admitted under
another id than the expected one, or a refused licence admitted).
Usage: PYTHONPATH=. python scripts/licence_accuracy.py [SAMPLE_DIR (default /tmp/licences)] [--quiet]
"""
import csv, os, shutil, sys, tempfile
from collections import Counter
from tokn.dataset.licence import LicencePolicy, detect_licence

HERE = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "/tmp/licences"
CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "licence_samples.csv")
policy = LicencePolicy()
names = [n for n in os.listdir(HERE) if '__' in n]
verdicts, out = Counter(), []
for row in csv.DictReader(open(CSV)):
    tmp = tempfile.mkdtemp()
    try:
        repo = os.path.join(tmp, 'repo')
        os.makedirs(repo)
        for n in names:
            if n.startswith(row['sample'] + '__'):
                rel = n[len(row['sample']) + 2:].split('__')
                dst = os.path.join(repo, *rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy(os.path.join(HERE, n), dst)
        proj = os.path.join(repo, row['project'])
        os.makedirs(proj, exist_ok=True)
        lic = detect_licence(proj, repo)
    finally:
        shutil.rmtree(tmp)
    exp = row['expected']
    if lic.spdx == exp or (exp == 'NONE' and lic.spdx is None):
        v = 'ok'
    elif not policy.admits(lic.spdx):
        v = 'safe'
    else:
        v = 'WRONG'
    verdicts[v] += 1
    out.append((row['sample'] + ('' if row['project'] == '.' else '/' + row['project']), exp, lic.spdx, lic.confidence, lic.source, v))
if '--quiet' not in sys.argv:
    print('| sample | expected | detected | conf | source | verdict |')
    print('|---|---|---|---|---|---|')
    for s, e, d, c, src, v in out:
        print(f'| {s} | {e} | {d} | {c:.2f} | {src} | {v} |')
n = sum(verdicts.values())
print(f"\n{n} samples: ok {verdicts['ok']} ({100*verdicts['ok']/n:.0f}%), safe {verdicts['safe']}, WRONG {verdicts['WRONG']}")
