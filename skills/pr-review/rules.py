"""The review rules: each looks at the lines a diff adds and reports findings (file, line, severity, rule).

Rules:
  secret-added     error    credentials in added lines (cloud keys, tokens, private keys, `password = "…"`)
  debug-print      warning  print(), breakpoint(), pdb / console.log, debugger
  todo             info     TODO, FIXME, XXX, HACK
  long-function    warning  a function the change touches that is longer than the limit
  missing-tests    warning  a source file changes and no test file does
  py-*, js-*, ts-*          risky patterns of Python, JavaScript and TypeScript (see RISKY_PATTERNS)
"""

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Pattern, Sequence, Tuple

from diffparse import FileDiff, NewLine

SEVERITIES = ("error", "warning", "info")

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
}
# Other source files that count for missing-tests (the language rules only know the three above).
OTHER_CODE = {".go", ".rb", ".java", ".kt", ".rs", ".php", ".cs", ".c", ".cc", ".cpp", ".h", ".hpp", ".swift", ".scala"}
DOCS = {".md", ".rst", ".txt", ".adoc"}


@dataclass
class Finding:
    file: str
    line: int
    severity: str
    rule: str
    message: str
    snippet: str = ""

    def as_dict(self) -> Dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "snippet": self.snippet,
        }


def extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def language(path: str) -> Optional[str]:
    return None if path.endswith(".d.ts") else LANGUAGES.get(extension(path))


def is_test_file(path: str) -> bool:
    parts = path.lower().split("/")
    name = parts[-1]
    if any(part in ("test", "tests", "__tests__", "spec", "specs", "testing") for part in parts[:-1]):
        return True
    return bool(
        re.match(r"^(test_.*\.py|.*_test\.(py|go)|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?)$", name)
    )


def is_source_file(path: str) -> bool:
    return not is_test_file(path) and (language(path) is not None or extension(path) in OTHER_CODE)


def snippet(text: str, limit: int = 160) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# String literals and a trailing // comment (JavaScript, TypeScript), for rules that look at code only.
STRINGS_AND_COMMENTS = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`|//.*$")


def is_comment(text: str, lang: Optional[str]) -> bool:
    stripped = text.lstrip()
    if lang == "python":
        return stripped.startswith("#")
    return stripped.startswith(("//", "/*", "*"))


# --- secrets -----------------------------------------------------------------------------------------------------

SECRET_PATTERNS: List[Tuple[str, Pattern[str]]] = [
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i)aws_?secret_?access_?key\W{0,5}[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9]{32,}")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    (
        "hard-coded credential",
        re.compile(
            r"(?i)\b([a-z0-9_.-]*(?:password|passwd|pwd|secret|api_?key|apikey|access_?token|auth_?token|"
            r"private_?key|client_?secret)[a-z0-9_]*)[\"']?\s*[:=]\s*([\"'])([^\"'\s]{8,})\2"
        ),
    ),
]
PLACEHOLDER = re.compile(
    r"(?i)^(?:changeme|change_me|password|secret|example|dummy|placeholder|redacted|your[-_].*|x+|\*+|<.*>)$|\$\{|\{\{|%\("
)


def find_secret(text: str) -> Optional[Tuple[str, str]]:
    """(kind, the secret's text) for the first credential in `text`, or None."""
    for kind, pattern in SECRET_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(match.lastindex or 0)
            if kind == "hard-coded credential" and PLACEHOLDER.search(value):
                continue
            return kind, value
    return None


def secret_rule(diff: FileDiff, lang: Optional[str]) -> List[Finding]:
    findings = []
    for line in diff.added_lines:
        found = find_secret(line.text)
        if found:
            kind, value = found
            findings.append(
                Finding(
                    diff.path,
                    line.number,
                    "error",
                    "secret-added",
                    f"{kind} added ({len(value)} characters); remove it, rotate it, "
                    "and read it from the environment or a secret store",
                    snippet(line.text.replace(value, "[REDACTED]")),
                )
            )
    return findings


# --- debug prints and TODOs --------------------------------------------------------------------------------------

DEBUG_PATTERNS = {
    "python": re.compile(r"^\s*(?:print\(|pprint\(|breakpoint\(\)|(?:i?pdb)\.set_trace\(\)|import i?pdb\b)"),
    "javascript": re.compile(r"\bconsole\.(?:log|debug|trace|dir|table)\(|^\s*debugger\s*;?\s*$"),
}
DEBUG_PATTERNS["typescript"] = DEBUG_PATTERNS["javascript"]
TODO = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b")


def debug_rule(diff: FileDiff, lang: Optional[str]) -> List[Finding]:
    pattern = DEBUG_PATTERNS.get(lang or "")
    if pattern is None:
        return []
    return [
        Finding(diff.path, line.number, "warning", "debug-print", "debug output left in the change", snippet(line.text))
        for line in diff.added_lines
        if not is_comment(line.text, lang) and pattern.search(line.text)
    ]


def todo_rule(diff: FileDiff, lang: Optional[str]) -> List[Finding]:
    if extension(diff.path) in DOCS:
        return []
    findings = []
    for line in diff.added_lines:
        match = TODO.search(line.text)
        if match:
            findings.append(
                Finding(
                    diff.path, line.number, "info", "todo", f"{match.group(1)} added: track it in an issue", snippet(line.text)
                )
            )
    return findings


# --- risky patterns per language ---------------------------------------------------------------------------------


@dataclass
class RiskyPattern:
    rule: str
    severity: str
    languages: Sequence[str]
    pattern: Pattern[str]
    message: str
    in_comments: bool = False  # also looked for in comment lines
    code_only: bool = False  # looked for in the line with its string literals and // comment removed


PY = ("python",)
JS_TS = ("javascript", "typescript")
TS = ("typescript",)
# rule, severity, languages, regular expression, message[, in_comments, code_only]
RISKY_TABLE = [
    ("py-eval", "error", PY, r"(?<![\w.])(?:eval|exec)\(", "eval/exec runs arbitrary code"),
    ("py-shell-true", "error", PY, r"\bshell\s*=\s*True\b", "shell=True lets input become shell syntax"),
    ("py-os-system", "warning", PY, r"\bos\.(?:system|popen)\(", "os.system/os.popen run a shell; use subprocess with an argument list"),
    ("py-pickle", "warning", PY, r"\b(?:c?[Pp]ickle|dill)\.loads?\(", "unpickling untrusted data runs code"),
    ("py-yaml-load", "error", PY, r"\byaml\.(?:unsafe_load\(|load\((?!.*Loader\s*=\s*(?:yaml\.)?C?SafeLoader))",
     "yaml.load without SafeLoader can build arbitrary objects; use yaml.safe_load"),
    ("py-bare-except", "warning", PY, r"^\s*except\s*:", "bare except also catches KeyboardInterrupt and SystemExit; name the exception"),
    ("py-tls-verify-off", "error", PY, r"\bverify\s*=\s*False\b", "TLS certificate verification turned off"),
    ("py-mutable-default", "warning", PY, r"^\s*(?:async\s+)?def\s+\w+\(.*=\s*(?:\[\]|\{\}|set\(\)|dict\(\)|list\(\))",
     "mutable default argument is shared between calls"),
    ("py-sql-format", "warning", PY, r"\.execute(?:many)?\(\s*(?:f[\"']|[\"'][^\"']*[\"']\s*(?:%|\.format\(|\+))",
     "SQL built from strings; pass parameters to execute()"),
    ("js-eval", "error", JS_TS, r"(?<![\w.$])eval\(|\bnew Function\(", "eval/new Function run arbitrary code"),
    ("js-inner-html", "warning", JS_TS, r"\.(?:inner|outer)HTML\s*\+?=(?!=)|dangerouslySetInnerHTML|\bdocument\.write(?:ln)?\(",
     "HTML from strings invites XSS; use textContent or a sanitizer"),
    ("js-shell-exec", "error", JS_TS, r"\bexec(?:Sync)?\(\s*`[^`]*\$\{",
     "shell command built with interpolation; use execFile/spawn with an argument list"),
    ("js-tls-verify-off", "error", JS_TS, r"rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*[\"']?0",
     "TLS certificate verification turned off"),
    ("js-loose-equality", "info", JS_TS, r"[^=!<>]\s*(?:==|!=)\s*(?!=|\s*null\b|\s*undefined\b)[^=]",
     "loose equality coerces types; use === or !==", False, True),
    ("ts-any", "info", TS, r"(?::\s*any\b|\bas\s+any\b|<any>)", "'any' turns type checking off"),
    ("ts-ignore", "warning", TS, r"@ts-(?:ignore|nocheck)\b", "a type error is silenced; fix it or use @ts-expect-error with a reason",
     True),
]
RISKY_PATTERNS = [RiskyPattern(rule, sev, langs, re.compile(regex), *rest) for rule, sev, langs, regex, *rest in RISKY_TABLE]


def risky_rule(diff: FileDiff, lang: Optional[str]) -> List[Finding]:
    if lang is None:
        return []
    patterns = [p for p in RISKY_PATTERNS if lang in p.languages]
    findings = []
    for line in diff.added_lines:
        comment = is_comment(line.text, lang)
        code = STRINGS_AND_COMMENTS.sub('""', line.text)
        for p in patterns:
            if comment and not p.in_comments:
                continue
            if p.pattern.search(code if p.code_only else line.text):
                findings.append(Finding(diff.path, line.number, p.severity, p.rule, p.message, snippet(line.text)))
    return findings


# --- long functions ----------------------------------------------------------------------------------------------

PY_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")
JS_DEF = re.compile(
    r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)?\s*[<(]"
    r"|^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?"
    r"(?:function\b|\([^)]*\)\s*(?::\s*[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)"
    r"|^\s*(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*"
    r"(?!(?:if|for|while|switch|catch|with|return|function)\b)([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\([^;]*\)\s*(?::[^{;]+)?\{\s*$"
)


def _python_function_end(lines: List[NewLine], start: int) -> Tuple[int, bool]:
    """Index of the last line of the function defined at lines[start]; True when the hunk shows where it ends."""
    indent = len(PY_DEF.match(lines[start].text).group(1))  # type: ignore[union-attr]
    last = start
    for i in range(start + 1, len(lines)):
        text = lines[i].text
        if not text.strip():
            continue
        if len(text) - len(text.lstrip()) <= indent and not text.lstrip().startswith((")", "]", "}")):
            return last, True
        last = i
    return last, False


def _brace_function_end(lines: List[NewLine], start: int) -> Tuple[int, bool]:
    depth = 0
    opened = False
    for i in range(start, len(lines)):
        code = STRINGS_AND_COMMENTS.sub("", lines[i].text)
        for char in code:
            if char == "{":
                depth += 1
                opened = True
            elif char == "}":
                depth -= 1
                if opened and depth == 0:
                    return i, True
        if not opened and i > start + 3:  # no body opened near the signature: not a function with a block
            return start, True
    return len(lines) - 1, False


def long_function_rule(diff: FileDiff, lang: Optional[str], max_lines: int) -> List[Finding]:
    if lang is None:
        return []
    findings = []
    for hunk in diff.hunks:
        lines = hunk.lines
        for start, line in enumerate(lines):
            if lang == "python":
                match = PY_DEF.match(line.text)
                if not match:
                    continue
                name = match.group(2)
                end, complete = _python_function_end(lines, start)
            else:
                match = JS_DEF.match(line.text)
                if not match:
                    continue
                name = next((g for g in match.groups() if g), "(anonymous)")
                end, complete = _brace_function_end(lines, start)
            complete = complete or (diff.status == "added")  # a new file's hunk shows all of it
            length = lines[end].number - line.number + 1
            touched = any(l.added for l in lines[start: end + 1])
            if touched and length > max_lines:
                size = f"{length} lines" if complete else f"at least {length} lines (the diff shows no end)"
                findings.append(
                    Finding(
                        diff.path,
                        line.number,
                        "warning",
                        "long-function",
                        f"function {name} is {size}, over the limit of {max_lines}; split it",
                        snippet(line.text),
                    )
                )
    return findings


# --- changes without tests ---------------------------------------------------------------------------------------


def missing_tests_rule(files: List[FileDiff]) -> List[Finding]:
    live = [f for f in files if f.status != "deleted" and not f.binary]
    if any(is_test_file(f.path) for f in live):
        return []
    findings = []
    for f in live:
        added = f.added_lines
        if is_source_file(f.path) and added:
            findings.append(
                Finding(
                    f.path,
                    added[0].number,
                    "warning",
                    "missing-tests",
                    f"{f.path} changes but no test file does; add or update a test",
                )
            )
    return findings


# --- all rules ---------------------------------------------------------------------------------------------------

PER_FILE_RULES: List[Callable[[FileDiff, Optional[str]], List[Finding]]] = [secret_rule, debug_rule, todo_rule, risky_rule]


def review(files: List[FileDiff], max_function_lines: int) -> List[Finding]:
    """Every finding of every rule, most severe first, then by file and line."""
    findings: List[Finding] = []
    for diff in files:
        if diff.status == "deleted" or diff.binary:
            continue
        lang = language(diff.path)
        for rule in PER_FILE_RULES:
            findings.extend(rule(diff, lang))
        findings.extend(long_function_rule(diff, lang, max_function_lines))
    findings.extend(missing_tests_rule(files))
    return sort_findings(findings)


def sort_findings(findings: List[Finding]) -> List[Finding]:
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.file, f.line, f.rule))


@dataclass
class Summary:
    files: int = 0
    added_lines: int = 0
    removed_lines: int = 0
    by_severity: Dict[str, int] = field(default_factory=dict)
    by_rule: Dict[str, int] = field(default_factory=dict)


def summarize(files: List[FileDiff], findings: List[Finding]) -> Dict[str, object]:
    s = Summary(files=len(files))
    for f in files:
        s.added_lines += len(f.added_lines)
        s.removed_lines += f.removed
    for finding in findings:
        s.by_severity[finding.severity] = s.by_severity.get(finding.severity, 0) + 1
        s.by_rule[finding.rule] = s.by_rule.get(finding.rule, 0) + 1
    return s.__dict__
