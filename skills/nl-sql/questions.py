"""Rule-based SQL for the common shapes of questions about one table.

    how many / number of / count          COUNT(*), COUNT(DISTINCT col)
    total / sum, average, highest, lowest SUM, AVG, MAX, MIN of a numeric column
    per / by / for each <column>          GROUP BY (ordered by the aggregate, largest first)
    top N <rows or column> by <column>    ORDER BY … DESC LIMIT N (grouped when N names a column)
    latest / oldest N                     ORDER BY the date column
    <column> is / over / under <value>    WHERE filters; enum values and boolean columns by name
    in 2024, in March 2024, since/before/between dates, last N days/weeks/months/years, today, this month/year
    list / show <columns> of <table>      SELECT those columns

A question is read into a Query (what to select, filter, group, order), which is then written in the asked
dialect. Anything the rules cannot place raises CannotAnswer, so a filter is never silently dropped.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from schema import Column, Schema, Table


class CannotAnswer(ValueError):
    """The question is outside the shapes the rules understand."""


class WriteRequested(ValueError):
    """The question asks to change data."""


NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
STOP = set(
    "a an the of in on for with and or by per is are was were be been to from that which who whose than at as has have "
    "had do does did what how many much all each every any me show list give get find display tell there their its it "
    "where when whom please can could you i we our my rows records entries items number count total".split()
)
WRITE_VERBS = (
    r"delete|remove|drop|truncate|insert|add|update|change|set|modify|rename|alter|create|grant|revoke|replace|merge|"
    r"upsert|erase|wipe|purge|clear|reset|increase|decrease|append"
)
WRITE = re.compile(
    rf"^(?:(?:please|kindly|now|then|go|can you|could you|would you|will you|i want to|i'd like to|i would like to|"
    rf"let's|lets|we need to|you should)\s+)*({WRITE_VERBS})\b",
    re.I,
)
TOKEN = re.compile(
    r"'(?P<q1>[^']*)'|\"(?P<q2>[^\"]*)\"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<num>\d+(?:\.\d+)?)|"
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:'s)?)|(?P<op>>=|<=|!=|<>|=|>|<)"
)


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and re.search(r"(?:ss|x|ch|sh|z)es$", word):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass
class Token:
    kind: str  # word, number, date, quoted, op
    text: str
    start: int
    end: int
    used: bool = False
    ref: Optional[Union[Table, Column]] = None  # a table or column this token (span) names
    span: int = 1  # tokens the mention covers

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def value(self) -> Union[int, float, str]:
        if self.kind == "number":
            return float(self.text) if "." in self.text else int(self.text)
        return self.text


def tokenize(text: str) -> List[Token]:
    tokens = []
    for m in TOKEN.finditer(text):
        kind = next(k for k, v in m.groupdict().items() if v is not None)
        value = m.group(kind)
        if kind == "word" and value.lower().endswith("'s"):
            value = value[:-2]
        tokens.append(Token({"q1": "quoted", "q2": "quoted", "num": "number"}.get(kind, kind), value, m.start(), m.end()))
    return tokens


# --- the query ---------------------------------------------------------------------------------------------------


@dataclass
class RelativeDate:
    """A date relative to today: `amount` `unit`s ago (unit day, week, month, year), or the start of this month/year."""

    unit: str
    amount: int = 0
    start_of: bool = False


Value = Union[int, float, str, bool, None, RelativeDate]


@dataclass
class Condition:
    column: str
    op: str  # = != > >= < <= IS NULL
    value: Value = None


@dataclass
class Aggregate:
    function: str  # COUNT SUM AVG MAX MIN
    column: Optional[str] = None  # None: COUNT(*)
    distinct: bool = False

    @property
    def alias(self) -> str:
        if self.column is None:
            return "count"
        prefix = {"COUNT": "distinct" if self.distinct else "count", "SUM": "total", "AVG": "average", "MAX": "max",
                  "MIN": "min"}[self.function]
        return f"{prefix}_{self.column}"


@dataclass
class Query:
    table: Table
    columns: List[str] = field(default_factory=list)  # plain selected columns; none: *
    aggregates: List[Aggregate] = field(default_factory=list)
    distinct: bool = False
    where: List[Condition] = field(default_factory=list)
    group_by: Optional[str] = None
    order_by: List[Tuple[str, str]] = field(default_factory=list)  # (column or aggregate alias, ASC/DESC)
    limit: Optional[int] = None


# --- reading the question ----------------------------------------------------------------------------------------


def names_of(name: str) -> List[Tuple[str, ...]]:
    """The word sequences that name a table or column: `created_at` → (created, at), and `created` for *_at/_on."""
    words = tuple(singular(w) for w in re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower().split("_") if w)
    forms = [words]
    if len(words) > 1 and words[-1] in ("at", "on"):
        forms.append(words[:-1])
    return forms


def find_mentions(tokens: List[Token], candidates: Sequence[Union[Table, Column]]) -> None:
    """Marks, longest first, the token spans that name a candidate (words compared in their singular form)."""
    index: Dict[Tuple[str, ...], Union[Table, Column]] = {}
    for candidate in candidates:
        for form in names_of(candidate.name):
            index.setdefault(form, candidate)
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            words = tokens[i: i + size]
            if len(words) < size or any(t.kind != "word" or t.ref is not None for t in words):
                continue
            ref = index.get(tuple(singular(t.low) for t in words))
            if ref is not None:
                words[0].ref, words[0].span = ref, size
                for t in words[1:]:
                    t.used = True  # covered by the mention on words[0]
                i += size - 1
                break
        i += 1


def mentions(tokens: List[Token], kind: type) -> List[Token]:
    return [t for t in tokens if isinstance(t.ref, kind)]


def choose_table(schema: Schema, tokens: List[Token]) -> Table:
    """The table the question is about: the one named, or the one that points at the named ones (orders for "orders
    per customer", through orders.customer_id) or holds more of the named columns."""
    tables = list(schema.tables.values())
    find_mentions(tokens, tables)
    named: List[Table] = []
    for t in mentions(tokens, Table):
        if t.ref not in named:
            named.append(t.ref)  # type: ignore[arg-type]
    for table in named:
        others = [o for o in named if o is not table]
        if others and all(table.column(singular(o.name.lower()) + "_id") for o in others):
            return table
    pointing = [t for t in tables if t not in named and any(t.column(singular(n.name.lower()) + "_id") for n in named)]
    candidates = named + pointing if named else tables
    scored = []
    for table in candidates:
        probe = [Token(t.kind, t.text, t.start, t.end) for t in tokens if not isinstance(t.ref, Table)]
        find_mentions(probe, table.columns)
        scored.append((len(mentions(probe, Column)), -candidates.index(table), table))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    if not named and (scored[0][0] == 0 or (len(scored) > 1 and scored[0][0] == scored[1][0])) and len(tables) > 1:
        raise CannotAnswer(f"could not tell which table the question is about; name one of: {', '.join(schema.tables)}")
    return scored[0][2]


def write_asked(question: str) -> Optional[str]:
    """The verb when the question asks to change data ("delete", "update", …), else None."""
    match = WRITE.match(question.strip())
    return match.group(1).lower() if match else None


class Reader:
    """Reads one question about one table into a Query."""

    def __init__(self, question: str, schema: Schema) -> None:
        self.question = question.strip().rstrip("?.! ")
        verb = write_asked(self.question)
        if verb:
            raise WriteRequested(f"it asks to {verb} data")
        self.tokens = tokenize(self.question)
        if not self.tokens:
            raise CannotAnswer("it has no words")
        self.table = choose_table(schema, self.tokens)
        find_mentions(self.tokens, self.table.columns)
        self.query = Query(self.table)

    # helpers ------------------------------------------------------------------------------------------------------

    def at(self, i: int) -> Optional[Token]:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def next_index(self, i: int) -> int:
        """Index of the token after the one at i (a mention may cover several tokens)."""
        return i + (self.tokens[i].span if self.tokens[i].ref is not None else 1)

    def words_at(self, i: int, *phrases: str) -> Optional[int]:
        """When one of `phrases` (space-separated words) starts at token i: the index after it."""
        for phrase in phrases:
            words = phrase.split()
            if all((t := self.at(i + k)) is not None and t.low == w for k, w in enumerate(words)):
                return i + len(words)
        return None

    def skip(self, i: int, *words: str) -> int:
        while (t := self.at(i)) is not None and t.low in words:
            i += 1
        return i

    def column_at(self, i: int, kinds: Sequence[str] = ()) -> Optional[Column]:
        t = self.at(i)
        if t is not None and isinstance(t.ref, Column) and (not kinds or t.ref.kind in kinds):
            return t.ref
        return None

    def use(self, start: int, end: int) -> None:
        for t in self.tokens[start:end]:
            t.used = True

    def date_column(self) -> Column:
        named = [t.ref for t in mentions(self.tokens, Column) if t.ref.kind == "date"]  # type: ignore[union-attr]
        if named:
            for t in self.tokens:
                if t.ref is named[0]:
                    t.used = True
            return named[0]  # type: ignore[return-value]
        dates = [c for c in self.table.columns if c.kind == "date"]
        if not dates:
            raise CannotAnswer(f"it mentions dates but {self.table.name} has no date column")
        preferred = [c for c in dates if re.search(r"created|date|^time|ordered|placed", c.name, re.I)]
        return (preferred or dates)[0]

    def metric_column(self, hint: str) -> Column:
        numeric = [c for c in self.table.columns if c.kind == "number" and not re.search(r"(^|_)id$", c.name, re.I)]
        named = [c for c in numeric if re.search(r"amount|total|price|cost|value|revenue|sales|balance|salary|spent", c.name, re.I)]
        if len(named) == 1 or (named and hint == "price"):
            return named[0]
        if len(numeric) == 1:
            return numeric[0]
        raise CannotAnswer(f"could not tell which column '{hint}' is about; name the column")

    # the steps --------------------------------------------------------------------------------------------------

    def read(self) -> Query:
        for i in range(len(self.tokens)):
            end = self.words_at(i, "in total", "in all", "overall", "altogether", "of all time")
            if end is not None:
                self.use(i, end)
        self.read_dates()
        self.read_top()
        self.read_aggregates()
        self.read_group_by()
        self.read_order()
        self.read_filters()
        self.read_columns()
        self.check_everything_read()
        return self.query

    def read_dates(self) -> None:
        i = 0
        while i < len(self.tokens):
            found = self.date_range_at(i)
            if found is None:
                i += 1
                continue
            end, conditions = found
            column = self.date_column()
            self.query.where.extend(Condition(column.name, op, value) for op, value in conditions)
            self.use(i, end)
            i = end

    def date_range_at(self, i: int) -> Optional[Tuple[int, List[Tuple[str, Value]]]]:
        t = self.at(i)
        assert t is not None
        nxt = self.at(i + 1)
        if t.low == "between" and nxt and nxt.kind == "date" and self.words_at(i + 2, "and") and (d2 := self.at(i + 3)) and d2.kind == "date":
            return i + 4, [(">=", nxt.text), ("<", next_day(d2.text))]
        if t.low in ("since", "from", "after", "starting") and nxt and nxt.kind == "date":
            return i + 2, [(">=", next_day(nxt.text) if t.low == "after" else nxt.text)]
        if t.low in ("before", "until", "till", "through") and nxt and nxt.kind == "date":
            return i + 2, [("<", nxt.text if t.low == "before" else next_day(nxt.text))]
        if t.low == "on" and nxt and nxt.kind == "date":
            return i + 2, [(">=", nxt.text), ("<", next_day(nxt.text))]
        if t.low in ("in", "during", "for", "of") and nxt:
            if nxt.low in MONTHS and (y := self.at(i + 2)) and is_year(y):
                start = f"{y.text}-{MONTHS[nxt.low]:02d}-01"
                return i + 3, [(">=", start), ("<", next_month(start))]
            if is_year(nxt):
                return i + 2, [(">=", f"{nxt.text}-01-01"), ("<", f"{int(nxt.text) + 1}-01-01")]
        if t.low in ("today", "yesterday"):
            back = 0 if t.low == "today" else 1
            return i + 1, [(">=", RelativeDate("day", back)), ("<", RelativeDate("day", back - 1))]
        if t.low == "this" and nxt and nxt.low in ("month", "year"):
            return i + 2, [(">=", RelativeDate(nxt.low, 0, start_of=True))]
        start = self.skip(i, "in", "during", "over", "within", "for", "the")
        s = self.at(start)
        if s is not None and s.low in ("last", "past", "previous"):
            j = start + 1
            amount = 1
            n = self.at(j)
            if n is not None and (n.kind == "number" or n.low in NUMBER_WORDS):
                amount = int(n.text) if n.kind == "number" else NUMBER_WORDS[n.low]
                j += 1
            unit = self.at(j)
            if unit is not None and singular(unit.low) in ("day", "week", "month", "year"):
                return j + 1, [(">=", RelativeDate(singular(unit.low), amount))]
        return None

    def number_at(self, i: int) -> Optional[int]:
        t = self.at(i)
        if t is None or t.used:
            return None
        if t.kind == "number" and "." not in t.text:
            return int(t.text)
        return NUMBER_WORDS.get(t.low) if t.kind == "word" and t.low != "zero" else None

    def read_top(self) -> None:
        """Ranking: `top N …`, `N latest …`, `the latest …`, `which <column> has the most …`, `… with the highest …`."""
        for i, t in enumerate(self.tokens):
            if t.used:
                continue
            n = self.number_at(i + 1)
            if t.low in ("top", "bottom", "best", "worst") or (t.low == "first" and n is not None):
                self.use(i, i + (2 if n is not None else 1))
                self.rank_by(i + (2 if n is not None else 1), None, "ASC" if t.low in ("bottom", "worst") else "DESC",
                             n if n is not None else 10)
                return
            n = self.number_at(i)
            found = self.superlative_at(i + 1 if n is not None else i)
            if found is not None and (n is not None or found[1] == "date"):
                after = self.at(found[0])
                if n is None:  # "the latest order": one; "the latest orders": all, newest first
                    plural = after is not None and after.ref is not None and singular(after.low) != after.low
                    n = None if plural else 1
                self.use(i, found[0])
                self.apply_superlative(found, n)
                return
            if t.low in ("which", "what"):
                j = self.skip(i + 1, "the", "is", "are", "was")
                rank = next((k for k in range(j + 1, len(self.tokens)) if self.tokens[k].low in RANK_WORDS), None)
                entity = self.at(j)
                if rank is None or entity is None or entity.ref is None:
                    continue
                if entity.ref is self.table:
                    found = self.superlative_at(rank)
                    if found is not None:
                        self.use(rank, found[0])
                        self.apply_superlative(found, 1)
                        return
                    continue
                self.use(i, i + 1)
                self.use(rank, rank + 1)
                self.rank_by(j, rank + 1, RANK_WORDS[self.tokens[rank].low], 1, counting=self.tokens[rank].low in ("most", "fewest"))
                return
            end = self.words_at(i, "with the", "that has the", "having the", "has the")
            found = self.superlative_at(end) if end is not None else None
            if found is not None:
                self.use(i, found[0])
                self.apply_superlative(found, 1)
                return

    SUPERLATIVES = {
        "latest": ("date", "DESC"), "newest": ("date", "DESC"), "most recent": ("date", "DESC"),
        "oldest": ("date", "ASC"), "earliest": ("date", "ASC"),
        "highest": ("number", "DESC"), "largest": ("number", "DESC"), "biggest": ("number", "DESC"),
        "greatest": ("number", "DESC"), "most expensive": ("price", "DESC"),
        "lowest": ("number", "ASC"), "smallest": ("number", "ASC"), "cheapest": ("price", "ASC"),
        "least expensive": ("price", "ASC"),
    }

    def superlative_at(self, i: int) -> Optional[Tuple[int, str, str, Optional[Column]]]:
        """(index after, kind, direction, the column named right after it) for a superlative at token i."""
        for phrase, (kind, direction) in self.SUPERLATIVES.items():
            end = self.words_at(i, phrase)
            if end is not None and not self.tokens[i].used:
                column = self.column_at(end, ("date",) if kind == "date" else ("number", "date"))
                return end, kind, direction, column
        return None

    def apply_superlative(self, found: Tuple[int, str, str, Optional[Column]], n: Optional[int]) -> None:
        """Rows ordered by the superlative's column (named, or the date/metric column), `n` of them."""
        end, kind, direction, column = found
        if column is not None:
            self.use(end, end + 1)
        elif kind == "date":
            column = self.date_column()
        else:
            column = self.metric_column(kind)
        self.query.order_by.append((column.name, direction))
        self.query.limit = n

    def rank_by(self, entity_at: int, metric_at: Optional[int], direction: str, limit: int, counting: bool = False) -> None:
        """Ranked rows or groups. The entity at `entity_at` is the table (rows) or a column / another table (groups);
        the metric follows `by` (or starts at `metric_at`): `[total|average] <column>` or `[number of] <table>`."""
        self.query.limit = limit
        entity = self.at(entity_at)
        grouped: Optional[Column] = None
        if entity is not None and isinstance(entity.ref, Column) and entity.ref.kind != "date":
            grouped = entity.ref
        elif entity is not None and isinstance(entity.ref, Table) and entity.ref is not self.table:
            grouped = self.table.column(singular(entity.ref.name.lower()) + "_id")
        if grouped is not None:
            self.use(entity_at, self.next_index(entity_at))
        if metric_at is None:
            by = next((k for k in range(entity_at, len(self.tokens)) if self.tokens[k].low == "by" and not self.tokens[k].used), None)
            if by is not None:
                self.use(by, by + 1)
                metric_at = by + 1
        function, metric = "SUM", None
        if metric_at is not None:
            j = metric_at
            word = self.at(j)
            if word is not None and word.low in ("total", "sum", "average", "avg", "mean"):
                function = {"average": "AVG", "avg": "AVG", "mean": "AVG"}.get(word.low, "SUM")
                j = self.skip(j + 1, "of")
            end = self.words_at(j, "number of", "count of", "count")
            if end is not None:
                counting, j = True, end
            target = self.at(j)
            if target is not None and isinstance(target.ref, Table):
                counting = True
                self.use(metric_at, self.next_index(j))
            elif (metric := self.column_at(j)) is not None:
                counting = False
                self.use(metric_at, self.next_index(j))
            elif counting:
                self.use(metric_at, j)
        if grouped is not None:
            if metric is None and not counting:
                raise CannotAnswer(f"it ranks {grouped.name} but not by what; say e.g. 'by total amount' or 'by number of …'")
            aggregate = Aggregate("COUNT") if metric is None else Aggregate(function, metric.name)
            self.query.group_by = grouped.name
            self.query.aggregates.append(aggregate)
            self.query.order_by.append((aggregate.alias, direction))
        elif metric is not None:
            self.query.order_by.append((metric.name, direction))
        else:
            raise CannotAnswer("it asks for the top rows but not by what; say e.g. 'top 5 orders by amount'")

    def read_aggregates(self) -> None:
        for i, t in enumerate(self.tokens):
            if t.used:
                continue
            end = self.words_at(i, "how many", "number of", "count of", "total number of", "count")
            if end is not None:
                self.use(i, end)
                j = self.skip(end, "the", "different", "distinct", "unique")
                distinct = j > end and any(self.tokens[k].low in ("different", "distinct", "unique") for k in range(end, j))
                column = self.column_at(j)
                if distinct and column is not None:
                    self.use(end, j + 1)
                    self.query.aggregates.append(Aggregate("COUNT", column.name, distinct=True))
                else:
                    self.query.aggregates.append(Aggregate("COUNT"))
                continue
            function = {"total": "SUM", "sum": "SUM", "average": "AVG", "avg": "AVG", "mean": "AVG", "maximum": "MAX",
                        "max": "MAX", "highest": "MAX", "largest": "MAX", "minimum": "MIN", "min": "MIN",
                        "lowest": "MIN", "smallest": "MIN"}.get(t.low)
            if function is None:
                continue
            j = self.skip(i + 1, "of", "the")
            if (between := self.at(j)) is not None and between.ref is self.table:  # "average order amount"
                j = self.skip(self.next_index(j), "of", "the")
            column = self.column_at(j, ("number",))
            if column is not None:
                self.use(i, j + 1)
                self.query.aggregates.append(Aggregate(function, column.name))
            elif t.low == "total" and (nxt := self.at(j)) is not None and isinstance(nxt.ref, Table):
                self.use(i, j)
                self.query.aggregates.append(Aggregate("COUNT"))

    def read_group_by(self) -> None:
        for i, t in enumerate(self.tokens):
            if t.used:
                continue
            end = self.words_at(i, "per", "by", "for each", "for every", "each", "grouped by", "group by",
                                "broken down by", "split by", "across")
            if end is None:
                continue
            j = self.skip(end, "the", "each", "every")
            target = self.at(j)
            if target is None:
                continue
            column = self.column_at(j)
            if column is None and isinstance(target.ref, Table):
                column = self.table.column(singular(target.ref.name.lower()) + "_id")
            if column is None and target.kind == "word":
                column = self.table.column(singular(target.low) + "_id")
            if column is None:
                continue
            if t.low == "by" and (p := self.at(i - 1)) is not None and p.low in ("sorted", "ordered", "order", "sort"):
                continue
            self.use(i, self.next_index(j))
            self.query.group_by = column.name
            return

    def read_order(self) -> None:
        """sorted/ordered by <column> [asc|desc], alphabetically."""
        for i, t in enumerate(self.tokens):
            if t.used:
                continue
            end = self.words_at(i, "sorted by", "ordered by", "order by", "sort by", "sorted on")
            if end is not None and (column := self.column_at(self.skip(end, "the"))) is not None:
                j = self.next_index(self.skip(end, "the"))
                direction = "ASC"
                if (d := self.at(j)) is not None and d.low in ("desc", "descending", "asc", "ascending"):
                    direction = "DESC" if d.low.startswith("desc") else "ASC"
                    j += 1
                self.use(i, j)
                self.query.order_by.append((column.name, direction))
            elif t.low == "alphabetically":
                texts = [c for c in self.table.columns if c.kind == "text"]
                named = [c for c in texts if "name" in c.name.lower()] or texts
                if named:
                    t.used = True
                    self.query.order_by.append((named[0].name, "ASC"))

    def read_filters(self) -> None:
        for i, t in enumerate(self.tokens):
            if t.used:
                continue
            if isinstance(t.ref, Column):
                self.filter_after_column(i, t.ref)
            elif t.kind == "word" and not t.ref:
                self.filter_by_word(i)
        for i, t in enumerate(self.tokens):
            if not t.used and (t.kind == "number" or t.kind == "op" or t.low in COMPARISONS_FIRST):
                self.bare_comparison(i)

    def comparison_at(self, i: int) -> Optional[Tuple[int, str]]:
        for phrase, op in COMPARISONS:
            end = self.words_at(i, phrase)
            if end is not None:
                return end, op
        t = self.at(i)
        if t is not None and t.kind == "op":
            return i + 1, {"<>": "!="}.get(t.text, t.text)
        return None

    def filter_after_column(self, i: int, column: Column) -> None:
        j = self.next_index(i)
        found = self.comparison_at(j)
        op = "="
        if found is not None:
            j, op = found
        value = self.at(j)
        if value is None or value.used:
            if found is not None:
                raise CannotAnswer(f"'{column.name}' is compared with nothing")
            return
        if value.low in ("null", "empty", "missing", "unset", "blank"):
            self.use(i, j + 1)
            self.query.where.append(Condition(column.name, "IS NOT NULL" if op == "!=" else "IS NULL"))
            return
        if value.kind == "number" and column.kind in ("number", "other", "text"):
            literal: Value = value.value
        elif value.kind in ("quoted", "date"):
            literal = value.text
        elif value.kind == "word" and value.ref is None and value.low not in STOP and column.kind in ("text", "other") \
                and (found is not None or self.looks_like_value(j)):
            literal = self.capitalized_run(j)
            j += len(literal.split()) - 1
        else:
            if found is not None and op != "=":
                raise CannotAnswer(f"could not read the value '{column.name}' is compared with")
            return
        self.use(i, j + 1)
        self.query.where.append(Condition(column.name, op, literal))

    def looks_like_value(self, j: int) -> bool:
        """An unquoted word right after a column is its value when it is a known value or not an English stop word."""
        t = self.tokens[j]
        return t.low not in STOP and not t.low.endswith("ly")

    def capitalized_run(self, j: int) -> str:
        """`New York` from `city New York`: the word at j and the capitalized words after it."""
        words = [self.tokens[j].text]
        k = j + 1
        while self.tokens[j].text[:1].isupper() and (t := self.at(k)) is not None and t.kind == "word" \
                and t.text[:1].isupper() and t.ref is None and t.low not in MONTHS:
            words.append(t.text)
            k += 1
        return " ".join(words)

    def filter_by_word(self, i: int) -> None:
        """Known values (ENUM / CHECK IN), boolean columns by name, `in/from <Place>`."""
        t = self.tokens[i]
        negated = (p := self.at(i - 1)) is not None and p.low in ("not", "non") and not p.used
        for column in self.table.columns:
            match = next((v for v in column.values if v.lower() == t.low), None)
            if match is not None:
                self.use(i - 1 if negated else i, i + 1)
                self.query.where.append(Condition(column.name, "!=" if negated else "=", match))
                return
        word = t.low
        if word.startswith(("in", "un")) and self.bool_column(word[2:]):
            negated, word = True, word[2:]
        column = self.bool_column(word)
        if column is not None:
            self.use(i - 1 if negated and p is not None and p.low in ("not", "non") else i, i + 1)
            self.query.where.append(Condition(column.name, "=", not negated))
            return
        if t.low in ("in", "from") and (place := self.at(i + 1)) is not None and place.kind == "word" \
                and place.text[:1].isupper() and place.ref is None and place.low not in MONTHS:
            column = next((self.table.column(n) for n in ("country", "city", "state", "region", "location")
                           if self.table.column(n)), None)
            if column is not None:
                value = self.capitalized_run(i + 1)
                self.use(i, i + 1 + len(value.split()))
                self.query.where.append(Condition(column.name, "=", value))

    def bool_column(self, word: str) -> Optional[Column]:
        for column in self.table.columns:
            if column.kind == "bool" and re.sub(r"^(is|has)_", "", column.name.lower()) == word:
                return column
        return None

    def bare_comparison(self, i: int) -> None:
        """`orders over 100`: a comparison with no column before it applies to the metric column."""
        found = self.comparison_at(i)
        if found is None:
            return
        j, op = found
        value = self.at(j)
        if value is None or value.kind != "number" or value.used:
            return
        column = self.metric_column(self.tokens[i].low)
        self.use(i, j + 1)
        self.query.where.append(Condition(column.name, op, value.value))

    def read_columns(self) -> None:
        """Columns named and not used by anything else are the ones to show (list, show, names of …)."""
        for t in self.tokens:
            if isinstance(t.ref, Column) and not t.used:
                t.used = True
                if t.ref.name not in self.query.columns:
                    self.query.columns.append(t.ref.name)
            elif t.kind == "word" and t.low in ("distinct", "unique", "different") and not t.used:
                t.used = True
                self.query.distinct = True
        if self.query.aggregates and self.query.columns and not self.query.group_by:
            if len(self.query.columns) == 1:  # "count of orders for each status" without a per/by word
                self.query.group_by = self.query.columns.pop()
            else:
                raise CannotAnswer(f"it names columns ({', '.join(self.query.columns)}) next to an aggregate")
        if self.query.group_by and not self.query.aggregates:
            self.query.aggregates.append(Aggregate("COUNT"))
        if self.query.group_by and not self.query.order_by:
            self.query.order_by.append((self.query.aggregates[0].alias, "DESC"))
        if self.query.aggregates and not self.query.group_by and self.query.limit == 1 and self.query.order_by:
            self.query.order_by, self.query.limit = [], None  # "the highest amount" read twice: keep the MAX

    def check_everything_read(self) -> None:
        """Numbers, quoted values and comparison words left over mean a filter the rules did not understand."""
        if not any(t.used or t.ref is not None for t in self.tokens):
            raise CannotAnswer("nothing in it names a table or column of the schema")
        for t in self.tokens:
            if t.used:
                continue
            if t.kind in ("number", "quoted", "date", "op") or t.low in SIGNAL_WORDS:
                raise CannotAnswer(f"could not place {t.text!r} in the query")
            if t.kind == "word" and t.text[:1].isupper() and len(t.text) > 1 and t is not self.tokens[0] \
                    and t.ref is None and t.low not in STOP:
                raise CannotAnswer(f"could not place {t.text!r} in the query (a value? quote it after its column)")
            if isinstance(t.ref, Table) and t.ref is not self.table:
                raise CannotAnswer(f"it needs both {self.table.name} and {t.ref.name}; the rules answer about one table")


COMPARISONS: List[Tuple[str, str]] = [
    ("is greater than or equal to", ">="), ("greater than or equal to", ">="), ("is at least", ">="),
    ("at least", ">="), ("no less than", ">="), ("is less than or equal to", "<="), ("less than or equal to", "<="),
    ("is at most", "<="), ("at most", "<="), ("no more than", "<="), ("up to", "<="),
    ("is greater than", ">"), ("is more than", ">"), ("greater than", ">"), ("more than", ">"), ("higher than", ">"),
    ("larger than", ">"), ("bigger than", ">"), ("over", ">"), ("above", ">"), ("exceeding", ">"), ("exceeds", ">"),
    ("is less than", "<"), ("less than", "<"), ("fewer than", "<"), ("lower than", "<"), ("smaller than", "<"),
    ("under", "<"), ("below", "<"),
    ("is not", "!="), ("isn't", "!="), ("not equal to", "!="), ("other than", "!="), ("not", "!="),
    ("is equal to", "="), ("equal to", "="), ("equals", "="), ("is", "="), ("are", "="), ("was", "="),
    ("were", "="), ("of", "="), ("with", "="), ("named", "="), ("called", "="),
]
# Words that change the answer: left unread, they mean the rules misunderstood the question.
SIGNAL_WORDS = set(
    "not no non without except excluding total sum average avg mean maximum max minimum min highest lowest largest "
    "smallest biggest most least fewest top bottom latest newest oldest earliest today yesterday week weeks month "
    "months year years day days since before after between until last past over under above below than distinct "
    "unique".split()
)
RANK_WORDS = {"most": "DESC", "highest": "DESC", "largest": "DESC", "biggest": "DESC", "greatest": "DESC",
              "fewest": "ASC", "least": "ASC", "lowest": "ASC", "smallest": "ASC"}
COMPARISONS_FIRST = {phrase.split()[0] for phrase, op in COMPARISONS if op not in ("=", "!=")}


def is_year(t: Token) -> bool:
    return t.kind == "number" and len(t.text) == 4 and 1900 <= int(t.text) <= 2100


def next_day(day: str) -> str:
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


def next_month(first: str) -> str:
    year, month = int(first[:4]), int(first[5:7])
    return f"{year + month // 12}-{month % 12 + 1:02d}-01"


def read_question(question: str, schema: Schema) -> Query:
    return Reader(question, schema).read()


# --- writing the SQL ---------------------------------------------------------------------------------------------

SIMPLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
RESERVED = set(
    "all and as asc between by case check column constraint create cross current_date default delete desc distinct "
    "drop else end exists false for foreign from full grant group having in index inner insert interval into is join "
    "key left like limit natural not null offset on or order outer primary references right select set table then to "
    "true union unique update user using values when where with".split()
)


def quote(name: str, dialect: str) -> str:
    if SIMPLE_NAME.match(name) and name not in RESERVED:
        return name
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def relative(value: RelativeDate, dialect: str) -> str:
    unit, n = value.unit, value.amount
    if value.start_of:
        return {
            "postgresql": f"date_trunc('{unit}', CURRENT_DATE)",
            "mysql": "DATE_FORMAT(CURRENT_DATE, '%Y-%m-01')" if unit == "month" else "MAKEDATE(YEAR(CURRENT_DATE), 1)",
            "sqlite": f"date('now', 'start of {unit}')",
        }[dialect]
    if n == 0:
        return {"postgresql": "CURRENT_DATE", "mysql": "CURRENT_DATE", "sqlite": "date('now')"}[dialect]
    sign = "-" if n > 0 else "+"
    n = abs(n)
    if dialect == "postgresql":
        return f"CURRENT_DATE {sign} INTERVAL '{n} {unit}{'s' if n != 1 else ''}'"
    if dialect == "mysql":
        return f"CURRENT_DATE {sign} INTERVAL {n} {unit.upper()}"
    if unit == "week":
        unit, n = "day", n * 7
    return f"date('now', '{sign}{n} {unit}{'s' if n != 1 else ''}')"


def literal(value: Value, dialect: str) -> str:
    if isinstance(value, RelativeDate):
        return relative(value, dialect)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def to_sql(query: Query, dialect: str) -> str:
    q = lambda name: quote(name, dialect)  # noqa: E731
    select: List[str] = []
    if query.group_by:
        select.append(q(query.group_by))
    select += [q(c) for c in query.columns]
    for a in query.aggregates:
        inner = "*" if a.column is None else ("DISTINCT " if a.distinct else "") + q(a.column)
        select.append(f"{a.function}({inner}) AS {q(a.alias)}")
    sql = "SELECT " + ("DISTINCT " if query.distinct and not query.aggregates else "") + (", ".join(select) or "*")
    sql += f" FROM {q(query.table.name)}"
    if query.where:
        parts = [
            f"{q(c.column)} {c.op}" if c.op.startswith("IS") else f"{q(c.column)} {c.op} {literal(c.value, dialect)}"
            for c in query.where
        ]
        sql += " WHERE " + " AND ".join(parts)
    if query.group_by:
        sql += f" GROUP BY {q(query.group_by)}"
    order_by = list(query.order_by)
    if query.group_by and order_by and all(name != query.group_by for name, _ in order_by):
        order_by.append((query.group_by, "ASC"))  # ties between groups come out in a stable order
    if order_by:
        sql += " ORDER BY " + ", ".join(f"{q(name)} {direction}" for name, direction in order_by)
    if query.limit is not None:
        sql += f" LIMIT {query.limit}"
    return sql


def explain(query: Query) -> str:
    """What the query does, in a sentence."""
    words = {"SUM": "the total", "AVG": "the average", "MAX": "the highest", "MIN": "the lowest"}
    what = ", ".join(
        [
            "the number of rows" if a.column is None
            else f"the number of distinct {a.column} values" if a.distinct
            else f"{words[a.function]} {a.column}"
            for a in query.aggregates
        ]
        + query.columns
    ) or "all columns"
    text = f"Selects {what} from {query.table.name}"
    if query.where:
        text += " where " + " and ".join(
            f"{c.column} {c.op.lower()}" if c.op.startswith("IS") else f"{c.column} {c.op} {literal(c.value, 'postgresql')}"
            for c in query.where
        )
    if query.group_by:
        text += f", per {query.group_by}"
    if query.order_by:
        text += ", ordered by " + ", ".join(f"{n} {'descending' if d == 'DESC' else 'ascending'}" for n, d in query.order_by)
    if query.limit is not None:
        text += f", first {query.limit}"
    return text + "."
