#!/usr/bin/env python3
"""Checks the mechanical parts of okta_cc.h's API conventions (the CONVENTIONS block at the top
of the header) on every public declaration, so a new function cannot quietly break them:

  1. every public symbol is named okta_cc_... / OKTA_CC_...;
  2. a function that returns okta_cc_result takes `okta_cc_error *err` last, and no function
     takes an okta_cc_error anywhere else;
  3. output buffers are (out, cap, out_len): a parameter `size_t cap` comes right after a
     pointer named `out` and right before `size_t *out_len`;
  4. callbacks (function-pointer types and members) take their `void *user` (or the
     transport's `void *ctx`) first;
  5. every function with an (out, cap, out_len) buffer is exercised by tests/unit/test_conventions.c,
     which checks at run time that a too-small buffer gives OKTA_CC_ERR_BUFFER_TOO_SMALL and the
     exact size needed;
  6. no function body in the implementation is longer than 70 lines;
  7. every public function has a comment of its own: the line above its declaration ends one;
  8. the version has one home, OKTA_CC_VERSION_MAJOR/_MINOR/_PATCH: OKTA_CC_VERSION_STRING
     spells them, the newest VERSION HISTORY entry is that version, and the header's opening
     comment names no other version (line 1 names none).

Usage: tests/check_api.py [okta_cc.h]   Prints "ok"/"FAIL" lines and "N passed, N failed"."""
import re
import sys

MAX_FUNCTION_LINES = 70

path = sys.argv[1] if len(sys.argv) > 1 else "okta_cc.h"
text = open(path, encoding="utf-8").read()
public = text[text.index("#ifndef OKTA_CC_H"):text.index("#endif /* OKTA_CC_H */")]
public_code = re.sub(r"/\*.*?\*/", " ", public, flags=re.S)
passed = failed = 0


def report(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + why if why else ""))


def split_params(params):
    out, depth, cur = [], 0, ""
    for ch in params:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return [" ".join(p.split()) for p in out if p.strip() != "void"]


def param_name(p):
    m = re.search(r"(\w+)\s*(\[[^\]]*\])?$", p)
    return m.group(1) if m else ""


decls = []
for m in re.finditer(r"OKTA_CC_DEF\s+([^;{]*?)\b(\w+)\s*\(([^;{]*?)\)\s*;", public_code, re.S):
    ret, name, params = " ".join(m.group(1).split()), m.group(2), split_params(m.group(3))
    decls.append((ret, name, params))
report(len(decls) > 40, "found the public functions (%d)" % len(decls))

# 1. names
bad = [n for _, n, _ in decls if not n.startswith("okta_cc_")]
for m in re.finditer(r"#define\s+(\w+)", public_code):
    if not m.group(1).startswith("OKTA_CC_"):
        bad.append(m.group(1))
flat = public_code
while re.search(r"\{[^{}]*\}", flat):      # drop struct and enum bodies, innermost first
    flat = re.sub(r"\{[^{}]*\}", " ", flat)
for m in re.finditer(r"typedef\b[^;]*?\b(\w+)\s*(?:\)\s*\([^;]*\))?\s*;", flat):
    if not m.group(1).startswith("okta_cc_"):
        bad.append(m.group(1))
for m in re.finditer(r"\b(?:struct|enum|union)\s+(\w+)", flat):
    if not m.group(1).startswith("okta_cc_"):
        bad.append(m.group(1))
report(not bad, "1. every public name starts with okta_cc_ / OKTA_CC_", " ".join(sorted(set(bad))))

# 2. err last
bad = []
for ret, name, params in decls:
    errs = [i for i, p in enumerate(params) if "okta_cc_error" in p]
    if ret.endswith("okta_cc_result") and (not params or params[-1] != "okta_cc_error *err"):
        bad.append(name + " (returns a result, err is not last)")
    elif errs and errs != [len(params) - 1]:
        bad.append(name + " (err not last)")
report(not bad, "2. every function returning okta_cc_result takes okta_cc_error *err last", "; ".join(bad))

# 3. out, cap, out_len
bad, buffered = [], []
for ret, name, params in decls:
    names = [param_name(p) for p in params]
    for i, n in enumerate(names):
        if n != "cap":
            continue
        buffered.append(name)
        ok = (i > 0 and names[i - 1] == "out" and "*" in params[i - 1] and params[i] == "size_t cap"
              and i + 1 < len(params) and params[i + 1] == "size_t *out_len")
        if not ok:
            bad.append(name)
report(not bad, "3. output buffers are (out, cap, out_len) (%d functions)" % len(buffered), " ".join(bad))

# 4. callbacks take user first
bad, seen = [], 0
for m in re.finditer(r"\(\s*\*\s*(\w+)\s*\)\s*\(([^;]*?)\)\s*;", public_code, re.S):
    seen += 1
    params = split_params(m.group(2))
    if not params or params[0] not in ("void *user", "void *ctx"):
        bad.append(m.group(1))
report(seen > 4 and not bad, "4. callbacks take void *user first (%d)" % seen, " ".join(bad))

# 5. runtime coverage of every buffered function
try:
    conv = open("tests/unit/test_conventions.c", encoding="utf-8").read()
except OSError:
    conv = ""
missing = [n for n in sorted(set(buffered)) if not re.search(r"\b%s\s*\(" % n, conv)]
report(conv and not missing, "5. tests/unit/test_conventions.c checks BUFFER_TOO_SMALL of every buffered function",
       " ".join(missing))

# 6. function length in the implementation
impl = text[text.index("#ifdef OKTA_CC_IMPLEMENTATION"):]
long_ones, start, name = [], None, None
for no, line in enumerate(impl.splitlines(), 1):
    if start is None and re.match(r"^[A-Za-z].*\(", line) and not line.rstrip().endswith(";"):
        start, name = no, line.split("(")[0].split()[-1]
    elif start is not None and line.startswith("}"):
        if no - start + 1 > MAX_FUNCTION_LINES:
            long_ones.append("%s (%d lines)" % (name, no - start + 1))
        start = None
report(not long_ones, "6. no function longer than %d lines" % MAX_FUNCTION_LINES, ", ".join(long_ones))

# 7. a comment of its own for every public function
lines, bad = public.splitlines(), []
for i, line in enumerate(lines):
    if not line.startswith("OKTA_CC_DEF"):
        continue
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0 or not lines[j].rstrip().endswith("*/"):
        m = re.search(r"(\w+)\s*\(", line)
        bad.append(m.group(1) if m else line.strip())
report(not bad, "7. every public function has a comment of its own (%d)" % len(decls), " ".join(bad))

# 8. one home for the version
def macro(name):
    m = re.search(r"#define\s+%s\s+(\S+)" % name, public_code)
    return m.group(1) if m else None
nums = [macro("OKTA_CC_VERSION_" + p) for p in ("MAJOR", "MINOR", "PATCH")]
version = ".".join(n or "?" for n in nums)
string = (macro("OKTA_CC_VERSION_STRING") or "").strip('"')
opening = text[:text.index("*/")]
history = opening[opening.index("VERSION HISTORY"):] if "VERSION HISTORY" in opening else ""
newest = re.search(r"^\s+(\d+\.\d+\.\d+)\s", history, re.M)
elsewhere = [a or b for a, b in re.findall(r"\bv(\d+\.\d+\.\d+)\b|\b[Vv]ersion\s+(\d+\.\d+\.\d+)\b",
                                            opening[:len(opening) - len(history)])]
bad = []
if string != version:
    bad.append("OKTA_CC_VERSION_STRING is %s, the numbers say %s" % (string, version))
if not newest or newest.group(1) != version:
    bad.append("the newest VERSION HISTORY entry is %s" % (newest.group(1) if newest else "missing"))
if elsewhere:
    bad.append("the opening comment names version(s) %s" % ", ".join(sorted(set(elsewhere))))
report(not bad, "8. one home for the version (%s)" % version, "; ".join(bad))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
