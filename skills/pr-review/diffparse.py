"""A small reader of unified diffs (`git diff`, `diff -u`, GitHub's `.diff`).

It keeps what the review rules need: for each file its path, whether it was added, deleted or renamed, and the
lines of the new file that the hunks show (added and context lines, with their new-file line numbers).
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
GIT_HEADER = re.compile(r"^diff --git (\"?a/.+?\"?) (\"?b/.+\"?)$")


@dataclass
class NewLine:
    """A line of the new file shown by a hunk: added (`+`) or unchanged context (` `)."""

    number: int
    text: str
    added: bool


@dataclass
class Hunk:
    lines: List[NewLine] = field(default_factory=list)


@dataclass
class FileDiff:
    path: str
    old_path: Optional[str] = None
    status: str = "modified"  # added, deleted, renamed, modified
    binary: bool = False
    hunks: List[Hunk] = field(default_factory=list)
    removed: int = 0

    @property
    def added_lines(self) -> List[NewLine]:
        return [line for hunk in self.hunks for line in hunk.lines if line.added]


class DiffError(ValueError):
    """The text is not a unified diff this reader understands."""


def _strip_prefix(path: str) -> Optional[str]:
    """`a/x` or `b/x` → `x`; `/dev/null` → None; quotes and a trailing tab-separated timestamp dropped."""
    path = path.split("\t", 1)[0].strip()
    if len(path) >= 2 and path[0] == path[-1] == '"':
        path = path[1:-1]
    if path == "/dev/null":
        return None
    if path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def parse_diff(text: str) -> List[FileDiff]:
    """The files of a unified diff, in order. Raises DiffError when no file with a header is found."""
    files: List[FileDiff] = []
    current: Optional[FileDiff] = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        git = GIT_HEADER.match(line)
        if git:
            current = FileDiff(path=_strip_prefix(git.group(2)) or "", old_path=_strip_prefix(git.group(1)))
            files.append(current)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = _strip_prefix(line[4:]), _strip_prefix(lines[i + 1][4:])
            if current is None or current.hunks:
                current = FileDiff(path=new or old or "")
                files.append(current)
            current.old_path = old
            current.path = new or old or current.path
            if old is None:
                current.status = "added"
            elif new is None:
                current.status = "deleted"
            i += 1
        elif current is not None and line.startswith("new file mode"):
            current.status = "added"
        elif current is not None and line.startswith("deleted file mode"):
            current.status = "deleted"
        elif current is not None and line.startswith("rename to "):
            current.status = "renamed"
            current.path = line[len("rename to "):]
        elif current is not None and (line.startswith("Binary files ") or line == "GIT binary patch"):
            current.binary = True
        elif current is not None and HUNK_HEADER.match(line):
            i = _read_hunk(lines, i, current)
            continue
        i += 1
    if not files:
        raise DiffError("no file headers ('diff --git' or '---'/'+++') found")
    return files


def _read_hunk(lines: List[str], start: int, target: FileDiff) -> int:
    """Reads the hunk whose header is lines[start] into `target`; answers the index after it."""
    header = HUNK_HEADER.match(lines[start])
    assert header is not None
    old_left = int(header.group(2) if header.group(2) is not None else 1)
    new_left = int(header.group(4) if header.group(4) is not None else 1)
    number = int(header.group(3))
    hunk = Hunk()
    target.hunks.append(hunk)
    i = start + 1
    # The header's counts say where the hunk ends, so an added line that reads "+++ x" stays an added line.
    while i < len(lines) and (old_left > 0 or new_left > 0):
        line = lines[i]
        kind, text = line[:1], line[1:]
        if kind == "+":
            hunk.lines.append(NewLine(number, text, True))
            number += 1
            new_left -= 1
        elif kind == "-":
            target.removed += 1
            old_left -= 1
        elif kind == " " or line == "":
            hunk.lines.append(NewLine(number, text, False))
            number += 1
            new_left -= 1
            old_left -= 1
        elif kind != "\\":  # "\ No newline at end of file" belongs to the hunk; anything else ends it
            break
        i += 1
    return i
