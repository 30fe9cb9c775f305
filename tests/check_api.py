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
     comment names no other version (line 1 names none);
  9. the layers: the table of contents at the top, the API half and the implementation half name
     the same ">>marker  Title" lines in the same order (one section banner per marker in each
     half); each implementation section's banner says "uses: >>a >>b ..." and that line is
     exactly the set of earlier sections whose functions or macros (okta_cc_*, okta_cc__*,
     OKTA_CC__*) the section refers to; a reference into a later section is refused.

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

# 9. the layers: one map, and each layer uses only the ones above it
MARKER = re.compile(r"^\s*(>>[a-z0-9]+)\s+(\S.*?)\s*$")


def marker_lines(part):
    return [(m.group(1), " ".join(m.group(2).split()))
            for m in map(MARKER.match, part.splitlines()) if m]


def strip_code(code):
    """Comments, string and character literals out; line numbers kept."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", blank, code, flags=re.S)


def sections(part):
    """[(marker, text)] split at the marker lines of a half."""
    out, lines, cur = [], part.splitlines(True), None
    for line in lines:
        m = MARKER.match(line)
        if m:
            cur = [m.group(1), ""]
            out.append(cur)
        if cur is not None:
            cur[1] += line
    return out


toc = marker_lines(opening)
api = marker_lines(public)
impl_secs = sections(impl)
impl_marks = [(m, " ".join(MARKER.match(s.splitlines()[0]).group(2).split())) for m, s in impl_secs]
bad = []
if not toc:
    bad.append("no table of contents (lines \">>marker  Title\" in the opening comment)")
for name, got in (("API half", api), ("implementation half", impl_marks)):
    if got != toc:
        bad.append("the %s's markers and titles differ from the table of contents: %s" % (
            name, "; ".join("%s %s" % g for g in got if g not in toc) or
            " ".join(m for m, _ in got) + " vs " + " ".join(m for m, _ in toc)))
report(not bad, "9a. the same markers and titles in the contents, the API half and the code (%d)"
       % len(toc), "; ".join(bad))

order = [m for m, _ in impl_secs]
home, bad = {}, []
for idx, (mark, body) in enumerate(impl_secs):
    code = strip_code(body)
    for m in re.finditer(r"^(?:[A-Za-z_][\w \t\*]*?[ \t\*])?(okta_cc_\w+)\s*\([^;]*?\)\s*\{", code, re.M | re.S):
        home.setdefault(m.group(1), idx)
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+((?:okta_cc_|OKTA_CC__)\w+)", code, re.M):
        if home.setdefault(m.group(1), idx) != idx:
            bad.append("%s defined in %s and %s" % (m.group(1), order[home[m.group(1)]], mark))
for idx, (mark, body) in enumerate(impl_secs):
    lines = body.splitlines()
    uses_line = [l for l in lines[:8] if re.match(r"^\s*uses:", l)]
    if len(uses_line) != 1:
        bad.append("%s: no \"uses:\" line in its banner" % mark)
        continue
    said = set(uses_line[0].split(":", 1)[1].split()) - {"-", "nothing"}
    used, upward = set(), set()
    for m in re.finditer(r"\b(?:okta_cc_|OKTA_CC__)\w+\b", strip_code(body)):
        where = home.get(m.group(0))
        if where is None or where == idx:
            continue
        if where > idx:
            upward.add("%s -> %s (%s)" % (mark, order[where], m.group(0)))
        else:
            used.add(order[where])
    bad += sorted(upward)
    if said != used:
        bad.append("%s: \"uses:\" says %s, the code uses %s" % (
            mark, " ".join(sorted(said)) or "nothing", " ".join(sorted(used)) or "nothing"))
report(impl_secs and not bad, "9b. each section uses only earlier ones, as its \"uses:\" line says "
       "(%d names)" % len(home), "; ".join(bad))

# 9c. types follow the same order, in both halves: nothing below >>client names the client's
# configuration (the transport gets okta_cc_http_settings), nothing names a later layer's type.
TYPE_DEFS = (r"\}\s*((?:okta_cc_|okta_cc__)\w+)\s*;",                  # typedef struct {...} name;
             r"typedef\s+(?:struct|enum)\s+\w+\s+((?:okta_cc_|okta_cc__)\w+)\s*;",
             r"typedef[^;{}]*?\(\s*\*\s*((?:okta_cc_|okta_cc__)\w+)\s*\)\s*\(",
             r"\bstruct\s+((?:okta_cc_|okta_cc__)\w+)\s*\{")
api_secs = sections(public)
index = {m: i for i, m in enumerate(order)}
type_home, bad = {}, []
for half in (api_secs, impl_secs):
    for mark, body in half:
        code = strip_code(body)
        for pattern in TYPE_DEFS:
            for m in re.finditer(pattern, code, re.S):
                type_home.setdefault(m.group(1), index.get(mark, 0))
for name, half in (("API half", api_secs), ("implementation", impl_secs)):
    for mark, body in half:
        here = index.get(mark, 0)
        body = body[body.find("*/") + 2:]           # the banner: the end of a comment
        later = sorted({"%s names %s (%s)" % (mark, t, order[type_home[t]])
                        for t in re.findall(r"\bokta_cc_{1,2}\w+\b", strip_code(body))
                        if type_home.get(t, here) > here})
        bad += ["%s: %s" % (name, b) for b in later]
report(type_home and not bad, "9c. each section names only its own types and earlier ones (%d types)"
       % len(type_home), "; ".join(bad))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
