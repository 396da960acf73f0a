"""The table schema as SQLite sees it, and the read-only check of a query against it.

`load_schema` runs the CREATE TABLE and CREATE VIEW statements of the given DDL on an empty in-memory
SQLite database, after smoothing over common PostgreSQL and MySQL syntax SQLite does not take (AUTO_INCREMENT,
ENGINE=…, DEFAULT now(), ::casts, ENUM(…), KEY … inside CREATE TABLE, schema-qualified names). `check_query` then
compiles a query with `EXPLAIN` under an authorizer that allows reading only: a query that writes, attaches a
database or sets a pragma is refused, a query that names an unknown table or column fails.
"""

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


class SchemaError(ValueError):
    """The DDL cannot be read."""


class QueryError(ValueError):
    """The query does not compile against the schema."""


class ReadOnlyError(ValueError):
    """The query would change something."""


@dataclass
class Column:
    name: str
    type: str
    kind: str  # number, text, date, bool, other
    values: List[str] = field(default_factory=list)  # known values, from ENUM(…) or CHECK (col IN (…))


@dataclass
class Table:
    name: str
    columns: List[Column]

    def column(self, name: str) -> Optional[Column]:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


@dataclass
class Schema:
    tables: Dict[str, Table]
    connection: sqlite3.Connection
    warnings: List[str] = field(default_factory=list)


def column_kind(declared: str) -> str:
    t = declared.upper()
    if "BOOL" in t:
        return "bool"
    if "DATE" in t or "TIME" in t:
        return "date"
    if "INT" in t or "SERIAL" in t or any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL", "MONEY")):
        return "number"
    if any(k in t for k in ("CHAR", "TEXT", "CLOB", "ENUM", "UUID", "JSON", "STRING")) or not t:
        return "text"
    return "other"


def split_statements(ddl: str) -> List[str]:
    """The statements of `ddl`, each complete (SQLite's own idea of where a statement ends)."""
    statements, start = [], 0
    for end in (i + 1 for i, char in enumerate(ddl) if char == ";"):
        if sqlite3.complete_statement(ddl[start:end]):
            statements.append(ddl[start:end].strip())
            start = end
    if ddl[start:].strip():
        statements.append(ddl[start:].strip() + ";")
    return [s for s in statements if s.strip(" ;\n\t")]


QUALIFIED = re.compile(r'(\b(?:TABLE|VIEW|ON|REFERENCES|EXISTS)\s+)(?:"?\w+"?|`\w+`)\.', re.I)
ENUM = re.compile(r"\b(?:ENUM|SET)\s*\(((?:\s*'[^']*'\s*,?)+)\)", re.I)
ENUM_COLUMN = re.compile(r"[\"`]?(\w+)[\"`]?\s+" + ENUM.pattern[2:], re.I)
CHECK_IN = re.compile(r"CHECK\s*\(\s*[\"`]?(\w+)[\"`]?\s+IN\s*\(((?:\s*'[^']*'\s*,?)+)\)\s*\)", re.I)
SMOOTHING: List[Tuple[re.Pattern, str]] = [
    (re.compile(r"--[^\n]*|/\*.*?\*/", re.S), " "),
    (re.compile(r"\bAUTO_INCREMENT\b(\s*=\s*\d+)?", re.I), ""),
    (re.compile(r"\bGENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY(?:\s*\([^()]*\))?", re.I), ""),
    (re.compile(r"\bON\s+UPDATE\s+CURRENT_TIMESTAMP(?:\(\d*\))?", re.I), ""),
    (re.compile(r"::\s*\"?\w+\"?(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*"
                r"(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\])*", re.I), ""),
    (re.compile(r"\bDEFAULT\s+(?:'(?:[^']|'')*'|\((?:[^()]|\([^()]*\))*\)|[-\w.]+(?:\s*\((?:[^()]|\([^()]*\))*\))?)", re.I), ""),
    (re.compile(r"\bCOMMENT\s+(?:=\s*)?'(?:[^']|'')*'", re.I), ""),
    (re.compile(r"\b(?:CHARACTER\s+SET|CHARSET)\s+\w+|\bCOLLATE\s+[\"`]?[\w-]+[\"`]?", re.I), ""),
    (re.compile(r",\s*(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?(?:KEY|INDEX)\s+[\"`]?\w*[\"`]?\s*\([^()]*\)", re.I), ""),
    (ENUM, "TEXT"),
]
KEPT = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(TABLE|VIEW)\b", re.I)
INDEX = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I)


def smooth(statement: str) -> str:
    """`statement` with the PostgreSQL/MySQL syntax SQLite does not take removed or replaced."""
    text = QUALIFIED.sub(r"\1", statement)
    for pattern, replacement in SMOOTHING:
        text = pattern.sub(replacement, text)
    kept = KEPT.match(text)
    if kept and kept.group(1).upper() == "TABLE":
        text = re.sub(r"\)[^()]*;?\s*$", ");", text)  # table options after the column list (ENGINE=…)
    return re.sub(r"^(\s*CREATE\s+)OR\s+REPLACE\s+", r"\1", text, flags=re.I)


def known_values(statement: str) -> Dict[str, List[str]]:
    """Column → values listed in ENUM('a','b') types or CHECK (col IN ('a','b')) constraints."""
    found: Dict[str, List[str]] = {}
    for match in ENUM_COLUMN.finditer(statement):
        found[match.group(1).lower()] = re.findall(r"'([^']*)'", match.group(2))
    for match in CHECK_IN.finditer(statement):
        found[match.group(1).lower()] = re.findall(r"'([^']*)'", match.group(2))
    return found


def deny_attach(action: int, *_: object) -> int:
    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA) else sqlite3.SQLITE_OK


def load_schema(ddl: str) -> Schema:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    warnings: List[str] = []
    values: Dict[str, List[str]] = {}
    connection.set_authorizer(deny_attach)
    try:
        for number, statement in enumerate(split_statements(ddl), 1):
            smoothed = smooth(statement)
            kept = KEPT.match(smoothed)
            if not kept:
                if not INDEX.match(smoothed):  # indexes do not change what a query may name
                    first = " ".join(statement.split()[:3])
                    warnings.append(f"statement {number} ({first} …) is not CREATE TABLE or VIEW and was skipped")
                continue
            values.update(known_values(statement))
            try:
                connection.execute(smoothed)
            except sqlite3.Error as error:
                if kept.group(1).upper() == "VIEW":
                    warnings.append(f"statement {number} (a view) was skipped: {error}")
                    continue
                raise SchemaError(f"statement {number}: {error}")
    finally:
        connection.set_authorizer(None)
    tables: Dict[str, Table] = {}
    for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
    ):
        columns = [
            Column(col_name, col_type or "", column_kind(col_type or ""), values.get(col_name.lower(), []))
            for _, col_name, col_type, *_ in connection.execute(f'PRAGMA table_info("{name}")')
        ]
        tables[name] = Table(name, columns)
    if not tables:
        raise SchemaError("it defines no table (give CREATE TABLE statements)")
    return Schema(tables, connection, warnings)


READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
WRITE_WORDS = re.compile(
    r"\b(INSERT|UPDATE|DELETE|REPLACE(?!\s*\()|MERGE|UPSERT|DROP|ALTER|CREATE|TRUNCATE|GRANT|REVOKE|ATTACH|DETACH|PRAGMA|VACUUM|"
    r"REINDEX|COPY|CALL|EXEC|EXECUTE|LOCK|SET|COMMIT|ROLLBACK|BEGIN|LOAD|INTO|LOAD_EXTENSION|PG_READ_FILE|"
    r"PG_READ_BINARY_FILE|PG_LS_DIR|LO_IMPORT|LO_EXPORT|DBLINK\w*|PG_SLEEP|SLEEP|BENCHMARK|SET_CONFIG|NEXTVAL|SETVAL|"
    r"PG_TERMINATE_BACKEND|PG_CANCEL_BACKEND)\b",
    re.I,
)
STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`")


def read_only_problem(sql: str) -> Optional[str]:
    """Why `sql` is not one read-only SELECT, judged from its text (for dialects SQLite cannot compile)."""
    code = STRINGS.sub("''", re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S)).strip().rstrip(";").strip()
    if ";" in code:
        return "it holds more than one statement"
    if not re.match(r"^(SELECT|WITH)\b", code, re.I):
        return "it is not a SELECT"
    word = WRITE_WORDS.search(code)
    if word and not (word.group(1).upper() == "SET" and re.search(r"\bCHARACTER\s+SET\b", code, re.I)):
        return f"it uses {word.group(1).upper()}"
    return None


def check_query(schema: Schema, sql: str) -> None:
    """Compiles `sql` (SQLite syntax) with EXPLAIN on the empty schema database, allowing reads only."""
    problem = read_only_problem(sql)
    if problem:
        raise ReadOnlyError(problem)
    refused: List[int] = []

    def authorizer(action: int, *_: object) -> int:
        if action in READ_ACTIONS:
            return sqlite3.SQLITE_OK
        refused.append(action)
        return sqlite3.SQLITE_DENY

    schema.connection.set_authorizer(authorizer)
    try:
        schema.connection.execute("EXPLAIN " + sql.strip().rstrip(";"))
    except sqlite3.Warning as error:
        raise QueryError(str(error))
    except sqlite3.Error as error:
        if refused:
            raise ReadOnlyError("it does more than read")
        raise QueryError(str(error))
    finally:
        schema.connection.set_authorizer(None)
