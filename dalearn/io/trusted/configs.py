"""Read a configuration a user is given, and refuse one that would run code: the one place
dalearn calls ``OmegaConf.load`` and ``hydra.utils.instantiate``.

A Hydra config builds objects by name: every node with a ``_target_`` calls that callable with
the node's keys, so a ``config.yaml`` naming ``builtins.open``, ``os.system`` or
``torch.utils.collect_env.run`` runs it — and interpolations run resolvers (``${oc.env:…}``
reads the environment; ``${oc.create:…}`` builds a node, ``_target_`` included, from a string
after any check of the tree). Before anything of a given config is built,
:func:`check_config` reads the **whole** tree, unresolved:

1. every interpolation may call only the resolvers of
   :data:`~dalearn.io.trusted.allowlist.SAFE_RESOLVERS` (each computes from the config itself),
   with a resolver name written out (``${${x}:…}`` is refused) and ``${oc.env:…}`` only for the
   variables of :data:`~dalearn.io.trusted.allowlist.SAFE_ENVIRONMENT`;
2. every ``_target_``, at any depth and in lists, resolved if it is an interpolation, must be
   one of the exact names of :data:`~dalearn.io.trusted.allowlist.TRUSTED_CALLABLES` — the
   callables dalearn's own configs use, no module prefix;
3. ``_args_`` (positional arguments, which no shipped config uses) is refused, and
   ``_partial_`` / ``_recursive_`` / ``_convert_`` must be written as plain values.

Anything else is refused with :class:`UntrustedConfigError`, naming the file, the key and the
value, before a single object exists. The user's way past is explicit and per command:
``trust_config=true`` (``dalearn-eval``) or ``--trust-config`` (``dalearn-analyze``), for a
config they have read.

YAML itself is read with OmegaConf's loader, a ``yaml.SafeLoader`` (``!!python/…`` tags are an
error). This is a guard against a config naming code, not a sandbox: the trusted callables
still run with the arguments the config gives (e.g. they read the files it names).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from dalearn._extras import require

require("train", "hydra", "omegaconf", by="dalearn.io.trusted.configs (reading a configuration)")

from hydra.errors import InstantiationException
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import GrammarParseError, OmegaConfBaseException

from dalearn.io.trusted.allowlist import SAFE_ENVIRONMENT, SAFE_RESOLVERS, TRUSTED_CALLABLES

#: keys Hydra's instantiate reads besides ``_target_``; ``_args_`` is refused, the others must be plain values.
PLAIN_SPECIAL_KEYS = ("_partial_", "_recursive_", "_convert_")


class UntrustedConfigError(PermissionError):
    """A configuration that names a callable or a resolver outside what dalearn trusts."""


def read_yaml(path: Union[str, Path], key: str = "config") -> Union[DictConfig, ListConfig]:
    """``OmegaConf.load(path)`` (YAML safe loader), with errors that name the file and ``key``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{key}={path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
        _refuse_alias_bombs(text)
        return OmegaConf.load(io.StringIO(text))
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{key}={path} cannot be read ({error})") from None
    except Exception as error:  # yaml's scanner/constructor errors, OmegaConf's grammar errors
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(f"{key}={path} is not a plain YAML configuration ({first})") from None


#: the most YAML nodes a configuration may expand to once its aliases are copied (OmegaConf copies
#: every ``*alias``): dalearn's own configs have a few hundred and no alias at all.
MAX_EXPANDED_NODES = 100_000


def _refuse_alias_bombs(text: str) -> None:
    """Refuse YAML whose aliases expand it past :data:`MAX_EXPANDED_NODES` nodes (nested
    anchors — "a billion laughs" — turn 1 kB of YAML into 10⁹ nodes and exhaust memory when
    OmegaConf copies them) or refer to themselves. Counted on the composed node graph, where an
    alias is the same node object: linear in the file's size."""
    import yaml

    if "*" not in text:
        return
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, active: set[int]) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in active:
            raise ValueError("an alias refers to the node it is in")
        active.add(ident)
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1 + sum(size(child, active) for child in children)
        active.discard(ident)
        sizes[ident] = total
        if total > MAX_EXPANDED_NODES:
            raise ValueError(
                f"its aliases expand it to more than {MAX_EXPANDED_NODES:,} values (nested anchors); "
                f"dalearn writes configs without aliases"
            )
        return total

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        size(root, set())


def yaml_data(path: Union[str, Path], key: str = "config") -> Any:
    """The YAML file at ``path`` as plain Python data, interpolations left as written (nothing
    is resolved, nothing built): for reading settings out of sweep files."""
    return OmegaConf.to_container(read_yaml(path, key), resolve=False)


def load_config(
    path: Union[str, Path],
    key: str = "config",
    trust: bool = False,
    build: bool = True,
    trust_hint: str = "trust_config=true",
) -> DictConfig:
    """Read the configuration at ``path`` and :func:`check_config` it.

    ``build=True``: the config will be instantiated (resolvers and targets checked);
    ``build=False``: only its values will be read (resolvers checked). ``trust=True`` skips the
    checks (the user's explicit ``trust_hint``)."""
    cfg = read_yaml(path, key)
    if not isinstance(cfg, DictConfig):
        raise ValueError(f"{key}={path} is a YAML list, not a configuration (a mapping of keys)")
    check_config(cfg, Path(path), trust=trust, build=build, trust_hint=trust_hint)
    return cfg


def check_config(
    cfg: DictConfig,
    source: Union[str, Path],
    trust: bool = False,
    build: bool = True,
    trust_hint: str = "trust_config=true",
) -> None:
    """Refuse ``cfg`` (read from ``source``) unless every interpolation and — with ``build`` —
    every ``_target_`` is trusted (see the module docstring). Raises :class:`UntrustedConfigError`."""
    if trust:
        return
    raw = OmegaConf.to_container(cfg, resolve=False)
    for where, text in _strings(raw, ""):
        problem = interpolation_problem(text)
        if problem:
            raise UntrustedConfigError(
                f"{source}: {where}={text!r} {problem}. A resolver can read files or the environment, or build "
                f"nodes after this check; dalearn resolves only {', '.join(sorted(SAFE_RESOLVERS))}. Read the "
                f"config, and if you trust it pass {trust_hint}"
            )
    if not build:
        return
    for where, node in _nodes(raw, ""):
        if "_args_" in node:
            raise UntrustedConfigError(
                f"{source}: {where}._args_ passes positional arguments, which no configuration of dalearn uses. "
                f"Read the config, and if you trust it pass {trust_hint}"
            )
        for special in PLAIN_SPECIAL_KEYS:
            value = node.get(special)
            if special in node and (not isinstance(value, (bool, str, type(None))) or _is_interpolation(value)):
                raise UntrustedConfigError(
                    f"{source}: {where}.{special}={value!r} must be written as a plain value. "
                    f"Read the config, and if you trust it pass {trust_hint}"
                )
        if "_target_" not in node:
            continue
        target = _resolved_target(cfg, where, node["_target_"], source, trust_hint)
        if target not in TRUSTED_CALLABLES:
            raise UntrustedConfigError(
                f"{source} asks to build {where}._target_={target!r}, which is not one of the callables dalearn's "
                f"own configs use (the list is in the documentation: docs/security.md, 'Security and shared run directories'). A "
                f"config can name any Python callable and it would run: read the config, and if you trust it pass "
                f"{trust_hint}"
            )


def target_class(node: Any) -> type:
    """The class ``node._target_`` names, imported but not instantiated (the run's factory reads
    what a method needs from its class). Like :func:`build`, for configurations composed from
    the user's own command line or checked by :func:`check_config`."""
    return get_class(str(node["_target_"]))


def build(node: Any, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate(node, **kwargs)``, raising the constructor's own exception.

    For configurations composed from the user's own command line, or checked by
    :func:`check_config`. Hydra wraps whatever a ``_target_`` raises in an
    ``InstantiationException`` whose message is the ``repr`` of the original; a user then
    reads "Error in call to target …" above the message that says what to fix. This re-raises
    the original exception (its type, message and traceback intact) with a note naming the
    config key it came from, so that ``FileNotFoundError``/``ValueError`` reach the user and
    the tests as themselves.
    """
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__
        if not isinstance(cause, Exception):
            raise
        key = re.search(r"full_key: (\S+)", str(error))
        if key and hasattr(cause, "add_note"):
            cause.add_note(f"(raised while building the config node {key.group(1)})")
        raise cause from None


# ---------------------------------------------------------------------------- the tree walk
def _join(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, _join(where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, _join(where, index))
    elif isinstance(node, str):
        yield where or "<root>", node


def _nodes(node: Any, where: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield where or "<root>", node
        for key, value in node.items():
            yield from _nodes(value, _join(where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, _join(where, index))


def _is_interpolation(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _resolved_target(cfg: DictConfig, where: str, raw: Any, source: Any, trust_hint: str) -> Any:
    """The ``_target_`` at ``where``, resolved when it is an interpolation (only safe resolvers
    can be reached: :func:`check_config` has checked every string first)."""
    if not _is_interpolation(raw):
        return raw
    key = "_target_" if where == "<root>" else re.sub(r"\[(\d+)\]", r".\1", where) + "._target_"
    try:
        return OmegaConf.select(cfg, key, throw_on_missing=True)
    except OmegaConfBaseException as error:
        raise UntrustedConfigError(
            f"{source}: {where}._target_={raw!r} cannot be resolved to check it ({type(error).__name__}). "
            f"Read the config, and if you trust it pass {trust_hint}"
        ) from None


def interpolation_problem(text: str) -> Optional[str]:
    """None when every resolver ``text`` calls is safe; else what is wrong, as a phrase."""
    if "${" not in text:
        return None
    from omegaconf import grammar_parser
    from omegaconf.grammar.gen.OmegaConfGrammarParser import OmegaConfGrammarParser

    try:
        tree = grammar_parser.parse(text)
    except GrammarParseError:
        return "is not a valid interpolation"
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, OmegaConfGrammarParser.InterpolationResolverContext):
            name_node = node.resolverName()
            name = name_node.getText()
            if name_node.interpolation():
                return f"calls a resolver whose name is computed ({name})"
            if name not in SAFE_RESOLVERS:
                return f"calls the resolver {name!r}, which dalearn does not resolve in a config it is given"
            if name == "oc.env":
                sequence = node.sequence()
                variable = sequence.element(0).getText().strip("'\"") if sequence and sequence.element() else ""
                if variable not in SAFE_ENVIRONMENT:
                    return (
                        f"reads the environment variable {variable!r} (only {', '.join(SAFE_ENVIRONMENT)} may be "
                        "read, the one dalearn's data configs use)"
                    )
        for index in range(node.getChildCount()):
            child = node.getChild(index)
            if hasattr(child, "getChildCount") and not hasattr(child, "symbol"):
                pending.append(child)
    return None
