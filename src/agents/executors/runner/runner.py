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

import ast
import builtins
import json
import sys

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
        "__class__",
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
        "format_map",
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

DEFAULT_MAX_OUTPUT = 50_000
MAX_VALUE_REPR = 50_000


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
    def visit_Attribute(self, node):
        check_attribute_name(node.attr)
        self.generic_visit(node)

    def visit_MatchClass(self, node):
        for name in node.kwd_attrs:
            check_attribute_name(name)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id.startswith("__") and node.id.endswith("__") and node.id not in ("__name__", "__doc__"):
            raise InterpreterError("Forbidden access to dunder name: %s" % node.id)
        self.generic_visit(node)


def check_attribute_name(name):
    if type(name) is not str:
        raise InterpreterError("Attribute names must be plain strings")
    if name.startswith("_troupe"):
        raise InterpreterError("Forbidden access to attribute: %s" % name)
    if name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS:
        raise InterpreterError("Forbidden access to dunder attribute: %s" % name)
    if name in FORBIDDEN_ATTRIBUTES:
        raise InterpreterError("Forbidden access to attribute: %s" % name)


_ModuleType = type(sys)


class _SafeModule:
    """A read-only view of an authorized module: no private names, no unauthorized submodules."""

    __slots__ = ("_troupe_module", "_troupe_policy")

    def __init__(self, module, policy):
        object.__setattr__(self, "_troupe_module", module)
        object.__setattr__(self, "_troupe_policy", policy)

    def __getattr__(self, name):
        if name.startswith("_") and name not in ("__name__", "__doc__"):
            raise AttributeError("Access to private module attribute '%s' is not allowed" % name)
        module = object.__getattribute__(self, "_troupe_module")
        policy = object.__getattribute__(self, "_troupe_policy")
        value = getattr(module, name)
        if isinstance(value, _ModuleType):
            if not policy.allows(value.__name__):
                raise AttributeError("Module '%s' is not authorized" % value.__name__)
            return _SafeModule(value, policy)
        return value

    def __setattr__(self, name, value):
        raise AttributeError("Modules are read-only in the sandbox")

    def __dir__(self):
        module = object.__getattribute__(self, "_troupe_module")
        return [n for n in dir(module) if not n.startswith("_")]

    def __repr__(self):
        module = object.__getattribute__(self, "_troupe_module")
        return "<module '%s'>" % module.__name__


class _ImportPolicy:
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


class Runner:
    """Holds one run's Python state and executes code actions under the sandbox policy."""

    def __init__(self):
        self.policy = _ImportPolicy([])
        self.tool_policy = _ImportPolicy(list(TOOL_MODULES))
        self.max_output = DEFAULT_MAX_OUTPUT
        self.call_host = None
        self.tool_names = set()
        self._call_seq = 0
        self.safe_builtins = self._make_builtins(self.policy)
        self.namespace = {"__builtins__": self.safe_builtins, "__name__": "__main__"}
        self.namespace["final_answer"] = self._final_answer

    # -- policy -------------------------------------------------------------------------------
    def _make_builtins(self, policy):
        real_import = builtins.__import__
        real_getattr = getattr

        def safe_import(name, globals=None, locals=None, fromlist=(), level=0):
            if level != 0:
                raise ImportError("Relative imports are not allowed")
            if not isinstance(name, str) or not policy.allows(name):
                raise ImportError(
                    "Import of '%s' is not allowed. Authorized imports: %s"
                    % (name, ", ".join(sorted(policy.exact)) + (" and any (*)" if policy.any else ""))
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
                if policy.any:
                    return target
                return _SafeModule(target, policy)
            if policy.any:
                return module
            return _SafeModule(module, policy)

        def safe_getattr(obj, name, *default):
            check_attribute_name(name)
            return real_getattr(obj, name, *default)

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

    def _check(self, tree):
        _PolicyChecker().visit(tree)

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
        self.safe_builtins = self._make_builtins(self.policy)
        self.namespace["__builtins__"] = self.safe_builtins

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
                tree = ast.parse(tool["source"], filename="<tool %s>" % name)
                self._check(tree)
                builtins_for_tool = self._make_builtins(self.tool_policy)
                scope = {"__builtins__": builtins_for_tool, "__name__": "tool_%s" % name}
                scope["final_answer"] = self._final_answer
                for tname in self.tool_names:
                    scope[tname] = self.namespace[tname]
                exec(compile(tree, "<tool %s>" % name, "exec"), scope)
                func = scope.get(name)
                if not callable(func):
                    raise InterpreterError("Tool source must define a function named '%s'" % name)
                self.namespace[name] = func
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
        try:
            self._check(tree)
        except InterpreterError as exc:
            return _done(None, "", False, _error("ExecutionError", exc))
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


def _syntax_message(exc):
    return "SyntaxError: %s (line %s)" % (exc.msg, exc.lineno)


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
