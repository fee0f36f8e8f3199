"""Troupe's Python runner: one source shared by every executor transport.

Protocol (line-delimited JSON, see src/agents/executors/python-executor.ts):
  host -> runner  {"type": "configure"|"set_tools"|"define_python_tools"|"set_variables"|"exec", "id", ...}
  runner -> host  {"type": "call", "id", "tool", "args"}       model code called a host tool
  host -> runner  {"type": "result", "id", "ok", "value"|"error"}
  runner -> host  {"type": "done", "id", "output", "logs", "isFinalAnswer", "error"}

Pyodide drives `Runner.handle` directly with a synchronous `call_host`; the local and Docker
transports run `main()`, which speaks the protocol over stdin/stdout.

The import allow-list and the attribute checks are a policy layer, not the isolation boundary:
Pyodide (worker thread with JS access removed) and Docker (container) are the boundary.
"""

import _string
import ast
import builtins
import itertools
import json
import sys
import types

SAFE_MODULES = frozenset(
    [
        # smolagents' BASE_BUILTIN_MODULES
        "collections",
        "datetime",
        "itertools",
        "math",
        "queue",
        "random",
        "re",
        "stat",
        "statistics",
        "time",
        "unicodedata",
        # pure-computation additions
        "json",
        "functools",
        "fractions",
        "decimal",
        "heapq",
        "bisect",
        "copy",
        "textwrap",
        "enum",
    ]
)

# Extra modules a canvas-written Python tool may import (type hints).
TOOL_MODULES = frozenset(["typing"])

ALLOWED_DUNDERS = frozenset(
    [
        "__init__",
        "__name__",
        "__qualname__",
        "__doc__",
        "__module__",
        "__len__",
        "__str__",
        "__repr__",
        "__eq__",
        "__hash__",
        "__iter__",
        "__next__",
        "__enter__",
        "__exit__",
        "__contains__",
        "__getitem__",
        "__setitem__",
        "__call__",
        "__annotations__",
    ]
)

# Non-dunder attributes that lead from an object to frames, code or real globals.
FORBIDDEN_ATTRIBUTES = frozenset(
    [
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "tb_frame",
        "tb_next",
        "co_code",
        "func_globals",
        "mro",
    ]
)

REMOVED_BUILTINS = frozenset(
    [
        "open",
        "eval",
        "exec",
        "compile",
        "globals",
        "locals",
        "vars",
        "breakpoint",
        "input",
        "help",
        "exit",
        "quit",
        "memoryview",
        "copyright",
        "credits",
        "license",
        "__loader__",
        "__spec__",
        "__package__",
    ]
)

_OS_PROCESS_FUNCTIONS = frozenset(
    [
        "system",
        "popen",
        "fork",
        "forkpty",
        "kill",
        "killpg",
        "execl",
        "execle",
        "execlp",
        "execlpe",
        "execv",
        "execve",
        "execvp",
        "execvpe",
        "spawnl",
        "spawnle",
        "spawnlp",
        "spawnlpe",
        "spawnv",
        "spawnve",
        "spawnvp",
        "spawnvpe",
        "posix_spawn",
        "posix_spawnp",
    ]
)

# Functions refused inside authorized modules, whatever way they are reached (smolagents'
# DANGEROUS_FUNCTIONS and more), keyed by the module that defines them (`__module__`) and the
# module they are reached through. They stay refused when every import is authorized ("*").
DANGEROUS_FUNCTIONS = {
    "builtins": REMOVED_BUILTINS | frozenset(["__import__"]),
    "os": _OS_PROCESS_FUNCTIONS,
    "posix": _OS_PROCESS_FUNCTIONS,
    "nt": _OS_PROCESS_FUNCTIONS,
    "pty": frozenset(["spawn", "fork"]),
    "subprocess": frozenset(
        ["Popen", "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"]
    ),
    "_posixsubprocess": frozenset(["fork_exec"]),
    "shutil": frozenset(["rmtree"]),
}

# Module functions that return modules: their results go through the module check even when
# called from C (map, filter, ...).
MODULE_LOADERS = {
    "importlib": frozenset(["import_module", "reload"]),
    "importlib.util": frozenset(["module_from_spec"]),
    "pkgutil": frozenset(["resolve_name"]),
    "inspect": frozenset(["getmodule"]),
}

# smolagents' BASE_PYTHON_TOOLS that exist here as builtins: code may not assign to these names.
BASE_TOOL_NAMES = frozenset(
    [
        "print",
        "isinstance",
        "range",
        "float",
        "int",
        "bool",
        "str",
        "set",
        "list",
        "dict",
        "tuple",
        "round",
        "pow",
        "len",
        "sum",
        "max",
        "min",
        "abs",
        "enumerate",
        "zip",
        "reversed",
        "sorted",
        "all",
        "any",
        "map",
        "filter",
        "ord",
        "chr",
        "next",
        "iter",
        "divmod",
        "callable",
        "getattr",
        "hasattr",
        "setattr",
        "issubclass",
        "type",
        "complex",
        "final_answer",
    ]
)

DEFAULT_MAX_OUTPUT = 50_000
MAX_VALUE_REPR = 50_000
# smolagents' MAX_OPERATIONS, counted here as loop iterations and comprehension items per code action.
DEFAULT_MAX_OPERATIONS = 10_000_000


class InterpreterError(Exception):
    """Code broke the sandbox policy (forbidden attribute, builtin or construct)."""


class ToolError(Exception):
    """A host tool failed; raised inside model code so it can react."""


class _FinalAnswer(BaseException):
    def __init__(self, value):
        super().__init__("final_answer")
        self.value = value


class _CappedWriter:
    """stdout/stderr replacement that keeps at most `cap` characters."""

    def __init__(self, cap):
        self.cap = cap
        self.parts = []
        self.size = 0
        self.dropped = 0

    def write(self, text):
        if not isinstance(text, str):
            text = str(text)
        room = self.cap - self.size
        if room > 0:
            kept = text[:room]
            self.parts.append(kept)
            self.size += len(kept)
            self.dropped += len(text) - len(kept)
        else:
            self.dropped += len(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def getvalue(self):
        text = "".join(self.parts)
        if self.dropped:
            text += "\n[output truncated: %d more characters]" % self.dropped
        return text


class _PolicyChecker(ast.NodeVisitor):
    """Refuses, before anything runs, what the policy forbids by name.

    `protected` holds the names code may not bind (tools, `final_answer`, base functions);
    `bound` collects the names it does bind (parameters included)."""

    def __init__(self, protected):
        self.protected = protected
        self.bound = set()

    def visit_Attribute(self, node):
        check_attribute_name(node.attr)
        self.generic_visit(node)

    def visit_MatchClass(self, node):
        for name in node.kwd_attrs:
            check_attribute_name(name)
            if name.startswith("_"):
                raise InterpreterError("Forbidden access to private attribute in a match pattern: %s" % name)
        self.generic_visit(node)

    def visit_Name(self, node):
        name = node.id
        if name.startswith("__") and name.endswith("__") and name not in ("__name__", "__doc__"):
            raise InterpreterError("Forbidden access to dunder name: %s" % name)
        if isinstance(node.ctx, ast.Load):
            _check_internal_name(name)
        else:
            self._bind(name)
        self.generic_visit(node)

    def _bind(self, name):
        _check_internal_name(name)
        if name in self.protected:
            raise InterpreterError("Cannot assign to name '%s': doing this would erase the existing tool!" % name)
        self.bound.add(name)

    def visit_FunctionDef(self, node):
        self._bind(node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_alias(self, node):
        bound = node.asname or node.name.split(".")[0]
        if bound != "*":
            self._bind(bound)

    def visit_arg(self, node):
        _check_internal_name(node.arg)
        self.bound.add(node.arg)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node):
        if node.rest:
            self._bind(node.rest)
        self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            self._bind(name)

    visit_Nonlocal = visit_Global


def _check_internal_name(name):
    if name.startswith("_troupe"):
        raise InterpreterError("Forbidden access to name: %s" % name)


def check_attribute_name(name):
    if type(name) is not str:
        raise InterpreterError("Attribute names must be plain strings")
    if name.startswith("_troupe"):
        raise InterpreterError("Forbidden access to attribute: %s" % name)
    if name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS:
        raise InterpreterError("Forbidden access to dunder attribute: %s" % name)
    if name in FORBIDDEN_ATTRIBUTES:
        raise InterpreterError("Forbidden access to attribute: %s" % name)


_VALUE_CHECK = "_troupe_v"
_FORMAT_ATTRIBUTE = "_troupe_fmt"
_TICKS = "_troupe_ticks"
_TICK = "_troupe_tick"
_COUNTED = "_troupe_counted"
_TICK_TARGET = "_troupe_t"
_OUTPUT_MARK = "_troupe_output"
_FORMAT_METHODS = ("format", "format_map")
# Hidden names holding the value of an action's last assignment (and its hoisted target parts).
_LAST_VALUE = "_troupe_last"
_HOISTED = "_troupe_h%d"


def _ast_name(identifier, ctx):
    return ast.Name(id=identifier, ctx=ctx())


class _LastAssignment:
    """smolagents reports the value of a code action ending in an assignment as its last output:
    `x = 5`, `a, b = 1, 2` and `x: int = 5` the assigned value, `x += 1` the updated one, a bare
    annotation `x: int` None. `rewrite` ends such a body with an expression statement reading that
    value, so the runner's usual last-expression path reports it; the parts of an augmented
    target (`obj.attr`, `seq[key]`) are evaluated once, into hidden names, as Python does."""

    def __init__(self):
        self.names = [_LAST_VALUE]

    def _hoist(self, expr, before):
        if isinstance(expr, ast.Constant):
            return expr
        name = _HOISTED % len(self.names)
        self.names.append(name)
        before.append(ast.copy_location(ast.Assign(targets=[_ast_name(name, ast.Store)], value=expr), expr))
        return _ast_name(name, ast.Load)

    def _hoist_slice(self, expr, before):
        if isinstance(expr, ast.Slice):
            parts = [None if part is None else self._hoist(part, before) for part in (expr.lower, expr.upper, expr.step)]
            return ast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(expr, ast.Tuple):
            return ast.Tuple(elts=[self._hoist_slice(elt, before) for elt in expr.elts], ctx=ast.Load())
        return self._hoist(expr, before)

    def rewrite(self, body):
        if not body:
            return
        last = body[-1]
        if isinstance(last, (ast.Assign, ast.AnnAssign)) and last.value is not None:
            hold = ast.copy_location(ast.Assign(targets=[_ast_name(_LAST_VALUE, ast.Store)], value=last.value), last)
            last.value = _ast_name(_LAST_VALUE, ast.Load)
            body[-1:] = [hold, last, ast.copy_location(ast.Expr(_ast_name(_LAST_VALUE, ast.Load)), last)]
        elif isinstance(last, ast.AugAssign):
            target = last.target
            if isinstance(target, ast.Name):
                body.append(ast.copy_location(ast.Expr(_ast_name(target.id, ast.Load)), last))
                return
            # `obj[key] op= v` runs as Python runs it (read, in-place operation, write back), with
            # the updated value kept: `_h = obj; _k = key; _last = _h[_k]; _last op= v; _h[_k] = _last`.
            before = []
            if isinstance(target, ast.Attribute):
                target.value = self._hoist(target.value, before)
                read = ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load())
            elif isinstance(target, ast.Subscript):
                target.value = self._hoist(target.value, before)
                target.slice = self._hoist_slice(target.slice, before)
                read = ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load())
            else:
                return
            steps = [
                ast.Assign(targets=[_ast_name(_LAST_VALUE, ast.Store)], value=read),
                ast.AugAssign(target=_ast_name(_LAST_VALUE, ast.Store), op=last.op, value=last.value),
                ast.Assign(targets=[target], value=_ast_name(_LAST_VALUE, ast.Load)),
                ast.Expr(_ast_name(_LAST_VALUE, ast.Load)),
            ]
            body[-1:] = before + [ast.copy_location(step, last) for step in steps]


# Builtins whose result needs no runtime check (numbers, strings, fresh containers whose items are
# checked when taken out by subscript): calls to them by name skip `_troupe_v`. Only names code
# actions cannot rebind (BASE_TOOL_NAMES) qualify, and not in code that binds the name itself (a
# parameter, or anything in a Python tool's source, which may rebind them).
_PLAIN_RESULT_BUILTINS = frozenset(
    [
        "abs",
        "bool",
        "callable",
        "chr",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "map",
        "ord",
        "pow",
        "print",
        "range",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    ]
)


assert _PLAIN_RESULT_BUILTINS <= BASE_TOOL_NAMES


def _call_helper(helper, args, node):
    call = ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=args, keywords=[])
    return ast.copy_location(call, node)


class _Instrumenter(ast.NodeTransformer):
    """Adds the runtime half of the policy to checked code.

    Results of calls, subscripts and private attributes go through `_troupe_v` (modules are checked
    like imports, dangerous functions refused); `.format`/`.format_map` go through `_troupe_fmt`
    (field walks checked like attribute access); every loop iteration and comprehension item takes
    one tick of the operation budget. Ticks are drawn in C where possible (`for` and comprehension
    iterables zipped with the budget's iterator, `while` turned into a loop over it), since a call
    per iteration costs several times a loop body on Pyodide."""

    def __init__(self, bound):
        self.bound = bound

    def visit_Expr(self, node):
        """A discarded call or subscript result needs no check; the action's last line is its output."""
        value = node.value
        if isinstance(value, (ast.Call, ast.Subscript)) and not getattr(node, _OUTPUT_MARK, False):
            node.value = self.generic_visit(value)
        else:
            node.value = self.visit(value)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in _PLAIN_RESULT_BUILTINS and func.id not in self.bound:
            return node
        return _call_helper(_VALUE_CHECK, [node], node)

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            return _call_helper(_VALUE_CHECK, [node], node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        if node.attr in _FORMAT_METHODS:
            return _call_helper(_FORMAT_ATTRIBUTE, [node.value, ast.Constant(node.attr)], node)
        if node.attr.startswith("_"):
            return _call_helper(_VALUE_CHECK, [node], node)
        return node

    def _tick(self, node):
        return ast.copy_location(ast.Expr(_call_helper(_TICK, [], node)), node)

    def _counted(self, node):
        """`node.target in node.iter` becomes `(target, _troupe_t) in _troupe_counted(iter)`."""
        tick_target = ast.copy_location(ast.Name(id=_TICK_TARGET, ctx=ast.Store()), node.target)
        node.target = ast.copy_location(ast.Tuple(elts=[node.target, tick_target], ctx=ast.Store()), node.target)
        node.iter = _call_helper(_COUNTED, [node.iter], node.iter)

    def visit_For(self, node):
        self.generic_visit(node)
        self._counted(node)
        return node

    def visit_AsyncFor(self, node):
        self.generic_visit(node)
        node.body.insert(0, self._tick(node))
        return node

    def visit_While(self, node):
        self.generic_visit(node)
        if node.orelse:
            node.body.insert(0, self._tick(node))
            return node
        # `while cond: body` -> `for _troupe_t in _troupe_ticks: if not cond: break; body`
        stop = ast.copy_location(
            ast.If(
                test=ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=node.test), node.test),
                body=[ast.copy_location(ast.Break(), node)],
                orelse=[],
            ),
            node,
        )
        loop = ast.For(
            target=ast.Name(id=_TICK_TARGET, ctx=ast.Store()),
            iter=ast.Name(id=_TICKS, ctx=ast.Load()),
            body=[stop] + node.body,
            orelse=[],
        )
        return ast.copy_location(loop, node)

    def visit_comprehension(self, node):
        self.generic_visit(node)
        if node.is_async:
            node.ifs.insert(0, _call_helper(_TICK, [], node.iter))
        else:
            self._counted(node)
        return node


def _check_format_fields(template):
    """Apply the attribute rule to every `{a.b.c}` field (and nested spec field) of a format string."""
    for _literal, field, spec, _conversion in _string.formatter_parser(template):
        if field is None:
            continue
        _check_field_name(field)
        if spec:
            _check_format_fields(spec)


def _check_field_name(field):
    _first, rest = _string.formatter_field_name_split(field)
    for is_attribute, key in rest:
        if is_attribute:
            check_attribute_name(key)
            if key.startswith("_"):
                raise InterpreterError("Forbidden access to private attribute in a format field: %s" % key)


def _safe_format_method(template, method):
    real = getattr(str, method)

    def checked(*args, **kwargs):
        _check_format_fields(template)
        return real(template, *args, **kwargs)

    checked.__name__ = method
    return checked


def _safe_unbound_format(method):
    real = getattr(str, method)

    def checked(template, *args, **kwargs):
        if not isinstance(template, str):
            raise TypeError("descriptor '%s' requires a 'str' object" % method)
        _check_format_fields(template)
        return real(template, *args, **kwargs)

    checked.__name__ = method
    return checked


_SAFE_UNBOUND_FORMAT = {method: _safe_unbound_format(method) for method in _FORMAT_METHODS}


def _field_checking_get_field(original):
    def get_field(self, field_name, args, kwargs):
        _check_field_name(field_name)
        return original(self, field_name, args, kwargs)

    return get_field


_ModuleType = type(sys)
_WATCHED_TYPES = frozenset([_ModuleType, types.FunctionType, types.BuiltinFunctionType, type, dict])


def _dangerous_name(value):
    """The name of `value` if it is one of DANGEROUS_FUNCTIONS (function or class), else None."""
    try:
        names = DANGEROUS_FUNCTIONS.get(value.__module__)
        name = value.__name__
    except Exception:  # noqa: BLE001 - not a plain function
        return None
    if names is not None and name in names:
        return name
    return None


def _refusing_stub(module_name, name):
    def refused(*args, **kwargs):
        raise InterpreterError("Forbidden access to function: %s" % name)

    refused.__name__ = name
    refused.__qualname__ = name
    refused.__module__ = module_name
    return refused


_process_hardened = False


def _harden_process():
    """Neutralise, in this sandbox process, what no path may reach: process-spawning functions
    (replaced by refusing stubs, so even a path the policy does not see finds nothing to call) and
    `string.Formatter`'s field walk (checked like attribute access)."""
    global _process_hardened
    if _process_hardened:
        return
    _process_hardened = True
    for module_name in ("os", "posix", "nt", "_posixsubprocess"):
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = __import__(module_name)
            except ImportError:
                continue
        for name in DANGEROUS_FUNCTIONS[module_name]:
            if hasattr(module, name):
                setattr(module, name, _refusing_stub(module_name, name))
    import string

    string.Formatter.get_field = _field_checking_get_field(string.Formatter.get_field)


class _SafeModule:
    """A read-only view of an authorized module: no private names, no dangerous functions, no
    unauthorized modules behind it."""

    __slots__ = ("_troupe_module", "_troupe_policy", "_troupe_allowed")

    def __init__(self, module, policy):
        object.__setattr__(self, "_troupe_module", module)
        object.__setattr__(self, "_troupe_policy", policy)
        # Attributes already let through, as they were then: a hot `math.sqrt` is one dict lookup.
        object.__setattr__(self, "_troupe_allowed", {})

    def __getattr__(self, name):
        allowed = object.__getattribute__(self, "_troupe_allowed")
        if name in allowed:
            return allowed[name]
        module = object.__getattribute__(self, "_troupe_module")
        policy = object.__getattribute__(self, "_troupe_policy")
        if name == "__all__":
            return [n for n in _public_names(module) if _reachable(module, n, policy)]
        if name in ("__name__", "__doc__"):
            return getattr(module, name)
        if name.startswith("__") and name.endswith("__"):
            raise InterpreterError("Forbidden access to dunder attribute: %s" % name)
        value = _module_attribute(module, name, policy)
        allowed[name] = value
        return value

    def __setattr__(self, name, value):
        raise AttributeError("Modules are read-only in the sandbox")

    def __delattr__(self, name):
        raise AttributeError("Modules are read-only in the sandbox")

    def __dir__(self):
        module = object.__getattribute__(self, "_troupe_module")
        return [n for n in dir(module) if not n.startswith("_")]

    def __repr__(self):
        module = object.__getattribute__(self, "_troupe_module")
        return "<module '%s'>" % module.__name__


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return [n for n in names if isinstance(n, str)]


def _reachable(module, name, policy):
    try:
        _module_attribute(module, name, policy)
        return True
    except (InterpreterError, AttributeError):
        return False


def _module_attribute(module, name, policy):
    if name in DANGEROUS_FUNCTIONS.get(module.__name__, ()):
        raise InterpreterError("Forbidden access to function: %s" % name)
    value = getattr(module, name)
    if isinstance(value, _ModuleType):
        return policy.module_view(value)
    if name.startswith("_"):
        raise InterpreterError("Forbidden access to private attribute: %s.%s" % (module.__name__, name))
    if _dangerous_name(value) is not None:
        raise InterpreterError("Forbidden access to function: %s" % name)
    if value is sys.modules:
        return _ModulesView(policy)
    if name in MODULE_LOADERS.get(module.__name__, ()):
        return _result_checked(value, policy)
    return value


def _result_checked(function, policy):
    def checked(*args, **kwargs):
        return policy.check(function(*args, **kwargs))

    checked.__name__ = getattr(function, "__name__", "function")
    checked.__doc__ = getattr(function, "__doc__", None)
    return checked


class _ModulesView:
    """`sys.modules` as code sees it: read-only, every module checked like an import."""

    __slots__ = ("_troupe_policy",)

    def __init__(self, policy):
        object.__setattr__(self, "_troupe_policy", policy)

    def __getitem__(self, name):
        policy = object.__getattribute__(self, "_troupe_policy")
        return policy.check(sys.modules[name])

    def get(self, name, default=None):
        return self[name] if name in sys.modules else default

    def __contains__(self, name):
        return name in sys.modules

    def __iter__(self):
        return iter(list(sys.modules))

    def __len__(self):
        return len(sys.modules)

    def keys(self):
        return list(sys.modules)

    def values(self):
        return [self[name] for name in list(sys.modules)]

    def items(self):
        return [(name, self[name]) for name in list(sys.modules)]

    def __setattr__(self, name, value):
        raise AttributeError("sys.modules is read-only in the sandbox")

    def __repr__(self):
        return "<sys.modules: %d modules>" % len(sys.modules)


class _ImportPolicy:
    """Which modules code may reach, and the check applied to every value it obtains."""

    def __init__(self, authorized):
        self.any = "*" in authorized
        self.exact = set()
        self.prefixes = set()
        for name in list(SAFE_MODULES) + [a for a in authorized if a != "*"]:
            if name.endswith(".*"):
                self.prefixes.add(name[:-2])
            else:
                self.exact.add(name)
                self.prefixes.add(name)

    def allows(self, name):
        if self.any:
            return True
        if name in self.exact:
            return True
        parts = name.split(".")
        return any(".".join(parts[:i]) in self.prefixes for i in range(1, len(parts)))

    def describe(self):
        return ", ".join(sorted(self.exact | {p + ".*" for p in self.prefixes - self.exact})) + (
            " and any (*)" if self.any else ""
        )

    def module_view(self, module):
        """`module` wrapped for code, or InterpreterError if it is not authorized."""
        if not self.allows(module.__name__):
            raise InterpreterError("Forbidden access to module: %s" % module.__name__)
        return _SafeModule(module, self)

    def check(self, value):
        """The runtime value check (smolagents' check on every result): modules as imports,
        module namespaces and `sys.modules` as their modules, dangerous functions refused."""
        kind = type(value)
        if kind not in _WATCHED_TYPES:
            return value
        if kind is _ModuleType:
            return self.module_view(value)
        if kind is dict:
            if value is sys.modules:
                return _ModulesView(self)
            if "__spec__" in value and "__name__" in value:
                name = value["__name__"]
                if not isinstance(name, str) or not self.allows(name):
                    raise InterpreterError("Forbidden access to module: %s" % (name,))
            return value
        name = _dangerous_name(value)
        if name is not None:
            raise InterpreterError("Forbidden access to function: %s" % name)
        return value

    def format_attribute(self, obj, method):
        """`obj.format` / `obj.format_map`, with field walks checked when `obj` is a str."""
        if isinstance(obj, str) and getattr(type(obj), method) is getattr(str, method):
            return _safe_format_method(obj, method)
        if isinstance(obj, type) and issubclass(obj, str) and getattr(obj, method) is getattr(str, method):
            return _SAFE_UNBOUND_FORMAT[method]
        return self.check(getattr(obj, method))


class Runner:
    """Holds one run's Python state and executes code actions under the sandbox policy."""

    def __init__(self):
        self.policy = _ImportPolicy([])
        self.tool_policy = _ImportPolicy(list(TOOL_MODULES))
        self.max_output = DEFAULT_MAX_OUTPUT
        self.max_operations = DEFAULT_MAX_OPERATIONS
        self.call_host = None
        self.tool_names = set()
        self.python_tool_names = set()
        self._call_seq = 0
        _harden_process()
        self.safe_builtins = self._make_builtins(self.policy)
        self.namespace = {"__builtins__": self.safe_builtins, "__name__": "__main__"}
        self.namespace["final_answer"] = self._final_answer
        # Scopes whose code calls `_troupe_tick`: the run's namespace and each Python tool's.
        self._budget_scopes = [self.namespace]
        self._install_helpers(self.namespace, self.policy)
        self._reset_budget()

    # -- policy -------------------------------------------------------------------------------
    def _make_builtins(self, policy):
        real_import = builtins.__import__
        real_getattr = getattr

        def safe_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level != 0:
                raise ImportError("Relative imports are not allowed")
            if not isinstance(name, str) or not policy.allows(name):
                raise ImportError(
                    "Import of %s is not allowed. Authorized imports are: %s" % (name, policy.describe())
                )
            module = real_import(name, None, None, fromlist, 0)
            if fromlist:
                target = sys.modules.get(name, module)
                for item in fromlist:
                    if item == "*":
                        continue
                    if item.startswith("_"):
                        raise ImportError("Cannot import private name '%s' from '%s'" % (item, name))
                    value = real_getattr(target, item, None)
                    if isinstance(value, _ModuleType) and not policy.allows(value.__name__):
                        raise ImportError("Module '%s' is not authorized" % value.__name__)
                # The import statement reads each name through the view, which applies the rules.
                return _SafeModule(target, policy)
            return _SafeModule(module, policy)

        def safe_getattr(obj, name, *default):
            check_attribute_name(name)
            if name in _FORMAT_METHODS:
                try:
                    return policy.format_attribute(obj, name)
                except AttributeError:
                    if default:
                        return default[0]
                    raise
            return policy.check(real_getattr(obj, name, *default))

        def safe_setattr(obj, name, value):
            check_attribute_name(name)
            return setattr(obj, name, value)

        def safe_delattr(obj, name):
            check_attribute_name(name)
            return delattr(obj, name)

        def safe_hasattr(obj, name):
            try:
                safe_getattr(obj, name)
                return True
            except InterpreterError:
                raise
            except Exception:
                return False

        safe = {k: v for k, v in vars(builtins).items() if k not in REMOVED_BUILTINS}
        safe["__import__"] = safe_import
        safe["getattr"] = safe_getattr
        safe["setattr"] = safe_setattr
        safe["delattr"] = safe_delattr
        safe["hasattr"] = safe_hasattr
        safe["ToolError"] = ToolError
        safe["InterpreterError"] = InterpreterError
        return safe

    def _install_helpers(self, scope, policy):
        scope[_VALUE_CHECK] = policy.check
        scope[_FORMAT_ATTRIBUTE] = policy.format_attribute

    def _reset_budget(self):
        """A fresh operation budget for the next code action, shared by the code and its Python tools."""
        limit = self.max_operations

        def exceeded(_):
            raise InterpreterError(
                "Reached the limit of %d operations (loop iterations and comprehension items) "
                "for one code action: is there an infinite loop, or too much computation for one step?" % limit
            )

        # C-level countdown: one `next` per tick, the raising function only once the budget is spent.
        ticks = itertools.chain(itertools.repeat(True, limit), map(exceeded, itertools.repeat(None)))

        def counted(iterable):
            return zip(iterable, ticks)

        for scope in self._budget_scopes:
            scope[_TICKS] = ticks
            scope[_TICK] = ticks.__next__
            scope[_COUNTED] = counted

    def _protected_names(self):
        return BASE_TOOL_NAMES | self.tool_names | self.python_tool_names

    def _prepare(self, tree, protected, last_assignment=None):
        """Static policy check, then the runtime checks and the budget ticks added to the tree
        (and, for a code action, its last assignment reported as its output)."""
        checker = _PolicyChecker(protected)
        checker.visit(tree)
        if last_assignment is not None:
            last_assignment.rewrite(tree.body)
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            setattr(tree.body[-1], _OUTPUT_MARK, True)
        tree = _Instrumenter(checker.bound).visit(tree)
        return ast.fix_missing_locations(tree)

    # -- protocol -----------------------------------------------------------------------------
    def handle(self, msg, call_host):
        """Handle one host message and return the `done` reply (dict)."""
        self.call_host = call_host
        kind = msg.get("type")
        mid = msg.get("id")
        try:
            if kind == "exec":
                reply = self.execute(msg.get("code", ""))
            elif kind == "configure":
                self.configure(msg)
                reply = _ok()
            elif kind == "set_tools":
                self.set_tools(msg.get("tools", []))
                reply = _ok()
            elif kind == "define_python_tools":
                reply = self.define_python_tools(msg.get("tools", []))
            elif kind == "set_variables":
                for key, value in (msg.get("variables") or {}).items():
                    self.namespace[str(key)] = value
                reply = _ok()
            elif kind == "ping":
                reply = _ok()
            else:
                reply = _fail("SandboxError", "Unknown message type: %r" % (kind,))
        except Exception as exc:  # protocol-level failure, never model code
            reply = _fail("SandboxError", "%s: %s" % (type(exc).__name__, exc))
        reply["type"] = "done"
        reply["id"] = mid
        return reply

    def configure(self, msg):
        self.policy = _ImportPolicy(list(msg.get("authorizedImports") or []))
        self.tool_policy = _ImportPolicy(list(msg.get("authorizedImports") or []) + list(TOOL_MODULES))
        self.max_output = int(msg.get("maxOutputChars") or DEFAULT_MAX_OUTPUT)
        self.max_operations = int(msg.get("maxOperations") or DEFAULT_MAX_OPERATIONS)
        self.safe_builtins = self._make_builtins(self.policy)
        self.namespace["__builtins__"] = self.safe_builtins
        self._install_helpers(self.namespace, self.policy)
        self._reset_budget()

    def set_tools(self, tools):
        for name in self.tool_names:
            self.namespace.pop(name, None)
        self.tool_names = set()
        for tool in tools:
            name = tool["name"]
            self.namespace[name] = self._make_tool(name, list(tool.get("inputNames") or []))
            self.tool_names.add(name)

    def _make_tool(self, name, input_names):
        runner = self

        def tool(*args, **kwargs):
            if args:
                if len(args) == 1 and not kwargs and isinstance(args[0], dict) and not input_names:
                    kwargs = dict(args[0])
                elif len(args) > len(input_names):
                    raise TypeError("%s() takes keyword arguments (got %d positional)" % (name, len(args)))
                else:
                    for key, value in zip(input_names, args):
                        if key in kwargs:
                            raise TypeError("%s() got multiple values for argument '%s'" % (name, key))
                        kwargs[key] = value
            return runner._call_tool(name, kwargs)

        tool.__name__ = name
        tool.__qualname__ = name
        return tool

    def _call_tool(self, name, kwargs):
        try:
            encoded = json.loads(json.dumps(kwargs))
        except (TypeError, ValueError) as exc:
            raise TypeError("Arguments of %s() must be JSON-serializable: %s" % (name, exc))
        if self.call_host is None:
            raise ToolError("No host connection for tool %s" % name)
        self._call_seq += 1
        reply = self.call_host(
            {"type": "call", "id": "c%d" % self._call_seq, "tool": name, "args": encoded}
        )
        if reply.get("ok"):
            return reply.get("value")
        raise ToolError(str(reply.get("error") or "Tool %s failed" % name))

    def define_python_tools(self, tools):
        errors = []
        for tool in tools:
            name = tool["name"]
            try:
                tree = self._prepare(ast.parse(tool["source"], filename="<tool %s>" % name), frozenset())
                builtins_for_tool = self._make_builtins(self.tool_policy)
                scope = {"__builtins__": builtins_for_tool, "__name__": "tool_%s" % name}
                scope["final_answer"] = self._final_answer
                for tname in self.tool_names:
                    scope[tname] = self.namespace[tname]
                self._install_helpers(scope, self.tool_policy)
                for helper in (_TICKS, _TICK, _COUNTED):
                    scope[helper] = self.namespace[helper]
                self._budget_scopes.append(scope)
                exec(compile(tree, "<tool %s>" % name, "exec"), scope)
                func = scope.get(name)
                if not callable(func):
                    raise InterpreterError("Tool source must define a function named '%s'" % name)
                self.namespace[name] = func
                self.python_tool_names.add(name)
            except BaseException as exc:  # noqa: BLE001 - reported to the host
                errors.append("%s: %s: %s" % (name, type(exc).__name__, exc))
        if errors:
            return _fail("ExecutionError", "; ".join(errors))
        return _ok()

    def _final_answer(self, answer=None, *args, **kwargs):
        if answer is None and "answer" in kwargs:
            answer = kwargs["answer"]
        raise _FinalAnswer(answer)

    # -- execution ----------------------------------------------------------------------------
    def execute(self, code):
        writer = _CappedWriter(self.max_output)
        saved = (sys.stdout, sys.stderr)
        output = None
        is_final = False
        error = None
        try:
            tree = ast.parse(code, filename="<code>")
        except SyntaxError as exc:
            return _done(None, "", False, _error("SyntaxError", exc, _syntax_message(exc)))
        last_assignment = _LastAssignment()
        try:
            tree = self._prepare(tree, self._protected_names(), last_assignment)
        except InterpreterError as exc:
            return _done(None, "", False, _error("ExecutionError", exc))
        self._reset_budget()
        last_expr = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last_expr = ast.Expression(tree.body.pop().value)
        sys.stdout = writer
        sys.stderr = writer
        try:
            if tree.body:
                exec(compile(tree, "<code>", "exec"), self.namespace)
            if last_expr is not None:
                output = eval(compile(last_expr, "<code>", "eval"), self.namespace)
        except _FinalAnswer as fa:
            output = fa.value
            is_final = True
        except MemoryError as exc:
            error = _error("MemoryLimit", exc, "MemoryError: out of memory")
        except ImportError as exc:
            error = _error("ImportError", exc)
        except ToolError as exc:
            error = _error("ToolError", exc)
        except SyntaxError as exc:
            error = _error("SyntaxError", exc, _syntax_message(exc))
        except KeyboardInterrupt as exc:
            error = _error("Cancelled", exc, "Execution interrupted")
        except RecursionError as exc:
            error = _error("ExecutionError", exc, "RecursionError: maximum recursion depth exceeded")
        except SystemExit as exc:
            error = _error("ExecutionError", exc, "SystemExit is not allowed: %s" % (exc,))
        except BaseException as exc:  # noqa: BLE001 - reported to the host
            error = _error("ExecutionError", exc)
        finally:
            sys.stdout, sys.stderr = saved
            for name in last_assignment.names:
                self.namespace.pop(name, None)
        logs = writer.getvalue()
        try:
            safe_output = _json_safe(output)
        except BaseException as exc:  # noqa: BLE001 - a hostile __repr__
            safe_output = None
            if error is None:
                error = _error("ExecutionError", exc, "Could not represent the result: %s" % type(exc).__name__)
        return _done(safe_output, logs, is_final, error)


def _json_safe(value):
    try:
        text = json.dumps(value, allow_nan=False)
        if len(text) <= MAX_VALUE_REPR:
            return value
    except (TypeError, ValueError, RecursionError):
        pass
    text = repr(value)
    if len(text) > MAX_VALUE_REPR:
        text = text[:MAX_VALUE_REPR] + "...[truncated]"
    return text


# Widest source line a syntax error quotes; a longer one is cut around the caret.
_SYNTAX_LINE_WIDTH = 160


def _syntax_message(exc):
    """A syntax error as smolagents reports it: the line it is on, the offending line with a caret
    under the column, and Python's message. The caret sits under the column Python names
    (smolagents draws it one column further right)."""
    lines = ["Code parsing failed on line %s due to: %s" % (exc.lineno, type(exc).__name__)]
    text = exc.text.rstrip("\r\n") if isinstance(exc.text, str) else ""
    if text.strip():
        column = max((exc.offset or 1) - 1, 0)
        if len(text) > _SYNTAX_LINE_WIDTH:
            start = max(0, min(column - _SYNTAX_LINE_WIDTH // 2, len(text) - _SYNTAX_LINE_WIDTH))
            text = text[start : start + _SYNTAX_LINE_WIDTH]
            column -= start
        column = min(column, len(text))
        lines.append(text)
        lines.append("".join(c if c == "\t" else " " for c in text[:column]) + "^")
    lines.append("Error: %s" % (exc,))
    return "\n".join(lines)


def _error(kind, exc, message=None):
    try:
        text = message or "%s: %s" % (type(exc).__name__, exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = type(exc).__name__
    if len(text) > 5000:
        text = text[:5000] + "...[truncated]"
    return {"type": kind, "pythonType": type(exc).__name__, "message": text}


def _done(output, logs, is_final, error):
    return {"output": output, "logs": logs, "isFinalAnswer": is_final, "error": error}


def _ok():
    return {"output": None, "logs": "", "isFinalAnswer": False, "error": None}


def _fail(kind, message):
    return {"output": None, "logs": "", "isFinalAnswer": False, "error": {"type": kind, "message": message}}


def main():
    """stdio transport: read one JSON message per line from stdin, answer on the protocol fd."""
    import os

    memory_mb = 0
    for arg in sys.argv[1:]:
        if arg.startswith("--memory-mb="):
            memory_mb = int(arg.split("=", 1)[1])
    if memory_mb > 0:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    # Keep a private copy of stdout for the protocol; anything else written to fd 1 goes to stderr.
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    proto = os.fdopen(proto_fd, "w", encoding="utf-8", newline="\n")
    stdin = sys.stdin

    def send(obj):
        proto.write(json.dumps(obj, default=repr) + "\n")
        proto.flush()

    def call_host(msg):
        send(msg)
        while True:
            line = stdin.readline()
            if not line:
                raise SystemExit(0)
            reply = json.loads(line)
            if reply.get("type") == "result" and reply.get("id") == msg["id"]:
                return reply

    runner = Runner()
    send({"type": "ready"})
    while True:
        line = stdin.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str) or "id" not in msg:
            # Not a protocol message (e.g. the Docker attach request body some APIs forward to stdin).
            sys.stderr.write("runner: ignored a non-protocol line\n")
            continue
        send(runner.handle(msg, call_host))


if __name__ == "__main__" and sys.platform != "emscripten":
    main()
