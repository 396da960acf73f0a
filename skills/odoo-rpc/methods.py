"""The model methods odoo-rpc calls, with the types of their arguments.

Each method's positional `args` and keyword `kwargs` are checked before anything is sent to Odoo, so a bad call
answers 422 naming the argument (`args[0]`, `kwargs.limit`) instead of an Odoo traceback.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

DOMAIN_OPERATORS = frozenset(
    ["=", "!=", ">", ">=", "<", "<=", "=?", "=like", "like", "not like", "ilike", "not ilike", "=ilike",
     "in", "not in", "child_of", "parent_of", "any", "not any"]
)


class ArgsError(ValueError):
    """An argument does not have the type its method needs; the message names it."""


Check = Callable[[Any, str], Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def domain(value: Any, where: str) -> List[Any]:
    """A search domain: [field, operator, value] conditions and the prefix operators '&', '|', '!'."""
    if not isinstance(value, list):
        raise ArgsError(f"'{where}' (domain) must be a list of [field, operator, value] conditions")
    for i, term in enumerate(value):
        if term in ("&", "|", "!"):
            continue
        if not (isinstance(term, list) and len(term) == 3 and isinstance(term[0], str) and term[0]):
            raise ArgsError(f"'{where}[{i}]' must be [field, operator, value] or one of '&', '|', '!'")
        if term[1] not in DOMAIN_OPERATORS:
            raise ArgsError(f"'{where}[{i}]' has an unknown operator {term[1]!r}")
    return value


def ids(value: Any, where: str) -> List[int]:
    """Record ids: a non-empty list of positive integers (a single integer is taken as a list of one)."""
    if _is_int(value):
        value = [value]
    if not (isinstance(value, list) and value and all(_is_int(v) and v > 0 for v in value)):
        raise ArgsError(f"'{where}' must be a non-empty list of record ids (positive integers)")
    return value


def one_id(value: Any, where: str) -> List[int]:
    found = ids(value, where)
    if len(found) != 1:
        raise ArgsError(f"'{where}' must name exactly one record")
    return found


def values(value: Any, where: str) -> Dict[str, Any]:
    if not (isinstance(value, dict) and value and all(isinstance(k, str) and k for k in value)):
        raise ArgsError(f"'{where}' must be a non-empty object of field values")
    return value


def values_or_list(value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [values(v, f"{where}[{i}]") for i, v in enumerate(value)] or values(None, where)
    return values(value, where)


def names(value: Any, where: str) -> List[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
        raise ArgsError(f"'{where}' must be a list of field names")
    return value


def count(value: Any, where: str) -> int:
    if not (_is_int(value) and value >= 0):
        raise ArgsError(f"'{where}' must be a non-negative integer")
    return value


def text(value: Any, where: str) -> str:
    if not (isinstance(value, str) and value.strip()):
        raise ArgsError(f"'{where}' must be a non-empty string")
    return value


def mapping(value: Any, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ArgsError(f"'{where}' must be an object")
    return value


def one_of(*choices: str) -> Check:
    def check(value: Any, where: str) -> str:
        if value not in choices:
            raise ArgsError(f"'{where}' must be one of {', '.join(choices)}")
        return value

    return check


@dataclass
class Method:
    name: str
    writes: bool
    # (name, check, required) for each positional argument, in order
    args: List[Tuple[str, Check, bool]] = field(default_factory=list)
    kwargs: Dict[str, Check] = field(default_factory=dict)
    required_kwargs: Tuple[str, ...] = ()

    def check(self, args: List[Any], kwargs: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
        """The arguments as Odoo's execute_kw takes them; raises ArgsError naming a wrong one."""
        if len(args) > len(self.args):
            raise ArgsError(
                f"'args': {self.name} takes at most {len(self.args)} positional argument(s) "
                f"({', '.join(n for n, _, _ in self.args) or 'none'}), got {len(args)}"
            )
        checked = []
        for i, (name, check, required) in enumerate(self.args):
            if i < len(args):
                checked.append(check(args[i], f"args[{i}]"))
            elif required:
                raise ArgsError(f"'args[{i}]' ({name}) is required for {self.name}")
        unknown = sorted(set(kwargs) - set(self.kwargs))
        if unknown:
            raise ArgsError(
                f"'kwargs.{unknown[0]}' is not an argument of {self.name} (it takes: {', '.join(sorted(self.kwargs))})"
            )
        for name in self.required_kwargs:
            if name not in kwargs:
                raise ArgsError(f"'kwargs.{name}' is required for {self.name}")
        return checked, {name: self.kwargs[name](value, f"kwargs.{name}") for name, value in kwargs.items()}


CONTEXT = {"context": mapping}
METHODS: Dict[str, Method] = {
    m.name: m
    for m in [
        Method(
            "search_read",
            False,
            [("domain", domain, False)],
            {"domain": domain, "fields": names, "offset": count, "limit": count, "order": text, **CONTEXT},
        ),
        Method("search_count", False, [("domain", domain, False)], {"domain": domain, "limit": count, **CONTEXT}),
        Method("read", False, [("ids", ids, True), ("fields", names, False)], {"fields": names, **CONTEXT}),
        Method("fields_get", False, [("allfields", names, False)], {"allfields": names, "attributes": names, **CONTEXT}),
        Method("create", True, [("vals", values_or_list, True)], dict(CONTEXT)),
        Method("write", True, [("ids", ids, True), ("vals", values, True)], dict(CONTEXT)),
        Method("unlink", True, [("ids", ids, True)], dict(CONTEXT)),
        Method(
            "message_post",
            True,
            [("id", one_id, True)],
            {
                "body": text,
                "subject": text,
                "message_type": one_of("comment", "notification"),
                "subtype_xmlid": text,
                "partner_ids": ids,
                **CONTEXT,
            },
            required_kwargs=("body",),
        ),
    ]
}
READ_METHODS = frozenset(name for name, m in METHODS.items() if not m.writes)


def method(name: str) -> Optional[Method]:
    return METHODS.get(name)
