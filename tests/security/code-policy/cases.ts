import type { CodeErrorType } from "~/agents/executors/python-executor";

/**
 * The runner's code policy as a table: smolagents' security rules (its LocalPythonExecutor
 * security tests, rewritten here case by case from the rules), with Troupe's expected outcome.
 *
 * A case either fails with `error` (the type, and a fragment its message must contain) or succeeds
 * with `output`. `rule` names the rule the case belongs to; the test title starts with it.
 * Troupe differs from smolagents where noted: a plain authorized name ("asyncio") also authorizes
 * its submodules; frame attributes (`f_builtins`, `f_globals`) are refused before anything runs, and
 * the static check names the outermost forbidden attribute of a chain first; the dangerous
 * function list is longer (process spawning, `subprocess.*`, `shutil.rmtree`); getattr is allowed
 * but applies the attribute rules.
 */
export interface PolicyCase {
  id: string;
  rule: PolicyRule;
  code: string;
  authorizedImports?: string[];
  /** Host tools defined before the case runs (each returns "ok"). */
  tools?: string[];
  error?: { type: CodeErrorType; message: string };
  output?: unknown;
}

export type PolicyRule =
  | "imports are checked against the allow-list"
  | "dangerous functions stay forbidden inside authorized modules"
  | "modules reached indirectly are checked like imports"
  | "dunder attributes are refused"
  | "format fields are checked like attribute access"
  | "tools and base functions cannot be overwritten"
  | "the operation budget stops runaway code";

const IMPORTS: PolicyRule = "imports are checked against the allow-list";
const DANGEROUS: PolicyRule = "dangerous functions stay forbidden inside authorized modules";
const INDIRECT: PolicyRule = "modules reached indirectly are checked like imports";
const DUNDER: PolicyRule = "dunder attributes are refused";
const FORMAT: PolicyRule = "format fields are checked like attribute access";
const OVERWRITE: PolicyRule = "tools and base functions cannot be overwritten";
const BUDGET: PolicyRule = "the operation budget stops runaway code";

const ANY = ["*"];
const refused = (message: string) => ({ type: "ExecutionError" as const, message });
const notImported = (module: string) => ({
  type: "ImportError" as const,
  message: `Import of ${module} is not allowed`,
});
const forbiddenFunction = (name: string) => refused(`Forbidden access to function: ${name}`);
const forbiddenModule = (name: string) => refused(`Forbidden access to module: ${name}`);
const forbiddenDunder = (name: string) => refused(`Forbidden access to dunder attribute: ${name}`);
const erases = (name: string) =>
  refused(`Cannot assign to name '${name}': doing this would erase the existing tool!`);

/** Subclass walk from `{}` to a class found by name (smolagents' catch_warnings / BuiltinImporter gadgets). */
const subclassWalk = (className: string, then: string) =>
  `classes = {}.__class__.__base__.__subclasses__()\nfor cls in classes:\n    if cls.__name__ == "${className}":\n        break\n${then}`;
const traceback =
  'try:\n    1 / 0\nexcept Exception as e:\n    b = e.__traceback__.tb_frame.f_back.f_globals["__builtins__"]\n    b["__import__"]("os").system(":")';
const frameBuiltins = 'import sys\nb = sys._getframe().f_builtins\nb["__import__"]("os").system(":")';
const dunderCall =
  "def func():\n    pass\nfunction_class = func.__getattribute__('__class__')\nobject_class = type.__getattribute__(function_class, '__bases__')[0]\nobject_class.__subclasses__()";

/** smolagents' DANGEROUS_FUNCTIONS, each reached with its module authorized, then with "*". */
const smolagentsDangerous: [module: string, name: string][] = [
  ["builtins", "compile"],
  ["builtins", "eval"],
  ["builtins", "exec"],
  ["builtins", "globals"],
  ["builtins", "locals"],
  ["builtins", "__import__"],
  ["os", "popen"],
  ["os", "system"],
  ["posix", "system"],
];
/** Troupe's additions to the list. */
const troupeDangerous: [module: string, name: string][] = [
  ["os", "fork"],
  ["os", "kill"],
  ["os", "execv"],
  ["os", "spawnv"],
  ["os", "posix_spawn"],
  ["subprocess", "run"],
  ["subprocess", "Popen"],
  ["subprocess", "check_output"],
  ["shutil", "rmtree"],
  ["pty", "spawn"],
];

const dangerousCases: PolicyCase[] = [...smolagentsDangerous, ...troupeDangerous].flatMap(
  ([module, name]): PolicyCase[] => {
    const error = name.startsWith("__") ? forbiddenDunder(name) : forbiddenFunction(name);
    const code = `import ${module}\n${module}.${name}`;
    return [
      { id: `${module}-${name}`, rule: DANGEROUS, code, authorizedImports: [module], error },
      { id: `${module}-${name}-any`, rule: DANGEROUS, code, authorizedImports: ANY, error },
    ];
  },
);

/** Every way of reaching os.system, with os authorized and with "*". */
const systemPaths: [id: string, code: string][] = [
  ["getattr", "import os\ngetattr(os, 'system')"],
  ["getattr-default", "import os\ngetattr(os, 'system', None)"],
  ["from-import", "from os import system"],
  ["from-import-alias", "from os import system as run_it"],
  ["module-alias", "import os as o\no.system"],
  ["variable-alias", "import os\nm = os\nm.system(':')"],
  ["map-getattr", "import os\nlist(map(getattr, [os], ['system']))"],
  ["star-import", "from os import *\nsystem(':')"],
  ["dir-walk", "import os\n[getattr(os, n) for n in dir(os) if n == 'system']"],
];
const systemPathCases: PolicyCase[] = systemPaths.flatMap(([id, code]): PolicyCase[] => {
  const error = id === "star-import" ? refused("name 'system' is not defined") : forbiddenFunction("system");
  return [
    { id: `os-system-${id}`, rule: DANGEROUS, code, authorizedImports: ["os"], error },
    { id: `os-system-${id}-any`, rule: DANGEROUS, code, authorizedImports: ANY, error },
  ];
});

export const policyCases: PolicyCase[] = [
  // --- the allow-list ------------------------------------------------------------------------------
  { id: "import-os", rule: IMPORTS, code: "import os", error: notImported("os") },
  { id: "import-builtins", rule: IMPORTS, code: "import builtins", error: notImported("builtins") },
  {
    id: "builtins-print-unauthorized",
    rule: IMPORTS,
    code: "import builtins\nbuiltins.print(1)",
    error: notImported("builtins"),
  },
  {
    id: "builtins-exec-unauthorized",
    rule: IMPORTS,
    code: "import builtins\nbuiltins.exec",
    error: notImported("builtins"),
  },
  { id: "os-popen-unauthorized", rule: IMPORTS, code: "import os\nos.popen", error: notImported("os") },
  {
    id: "sys-unauthorized",
    rule: IMPORTS,
    code: 'import sys\nsys.modules["os"].system(":")',
    error: notImported("sys"),
  },
  {
    id: "import-os-authorized",
    rule: IMPORTS,
    code: "import os\nsorted(os.listdir('.')) == sorted(os.listdir('.'))",
    authorizedImports: ["os"],
    output: true,
  },
  {
    id: "builtins-print-authorized",
    rule: IMPORTS,
    code: "import builtins\nbuiltins.print('hi')\nbuiltins.len('abc')",
    authorizedImports: ["builtins"],
    output: 3,
  },
  // --- dangerous functions -------------------------------------------------------------------------
  ...dangerousCases,
  ...systemPathCases,
  {
    id: "callable-self-exec",
    rule: DANGEROUS,
    code: "exec = callable.__self__.exec\nexec('import os')",
    error: forbiddenDunder("__self__"),
  },
  {
    id: "removed-builtin-exec",
    rule: DANGEROUS,
    code: "exec(compile('import os', 'x', 'exec'))",
    error: refused("name 'exec' is not defined"),
  },
  {
    id: "os-listdir-any",
    rule: DANGEROUS,
    code: "import os\ntype(os.listdir('.')).__name__",
    authorizedImports: ANY,
    output: "list",
  },
  // --- modules reached indirectly ------------------------------------------------------------------
  {
    id: "sys-modules-os",
    rule: INDIRECT,
    code: 'import sys\nsys.modules["os"].system(":")',
    authorizedImports: ["sys"],
    error: forbiddenModule("os"),
  },
  ...["builtins", "io", "os", "posix"].map(
    (module): PolicyCase => ({
      id: `sys-modules-${module}`,
      rule: INDIRECT,
      code: `import sys\nsys.modules["${module}"]`,
      authorizedImports: ["sys"],
      error: forbiddenModule(module),
    }),
  ),
  {
    id: "sys-modules-get",
    rule: INDIRECT,
    code: 'import sys\nsys.modules.get("os")',
    authorizedImports: ["sys"],
    error: forbiddenModule("os"),
  },
  {
    id: "sys-modules-values",
    rule: INDIRECT,
    code: "import sys\n[m for m in sys.modules.values() if getattr(m, '__name__', '') == 'os']",
    authorizedImports: ["sys"],
    error: refused("Forbidden access to module: "),
  },
  {
    id: "sys-modules-os-authorized",
    rule: INDIRECT,
    code: 'import sys\nsys.modules["os"].system(":")',
    authorizedImports: ["sys", "os"],
    error: forbiddenFunction("system"),
  },
  {
    id: "sys-modules-os-any",
    rule: INDIRECT,
    code: 'import sys\nsys.modules["os"].system(":")',
    authorizedImports: ANY,
    error: forbiddenFunction("system"),
  },
  {
    id: "sys-modules-os-allowed-use",
    rule: INDIRECT,
    code: 'import sys\nsys.modules["os"].sep',
    authorizedImports: ["sys", "os"],
    output: "/",
  },
  {
    id: "importlib-os",
    rule: INDIRECT,
    code: 'import importlib\nimportlib.import_module("os").system(":")',
    authorizedImports: ["importlib"],
    error: forbiddenModule("os"),
  },
  {
    id: "importlib-os-through-map",
    rule: INDIRECT,
    code: 'import importlib\nfor m in map(importlib.import_module, ["os"]):\n    m.getcwd()',
    authorizedImports: ["importlib"],
    error: forbiddenModule("os"),
  },
  {
    id: "importlib-os-authorized",
    rule: INDIRECT,
    code: 'import importlib\nimportlib.import_module("os").system(":")',
    authorizedImports: ["importlib", "os"],
    error: forbiddenFunction("system"),
  },
  {
    id: "importlib-os-any",
    rule: INDIRECT,
    code: 'import importlib\nimportlib.import_module("os").system(":")',
    authorizedImports: ANY,
    error: forbiddenFunction("system"),
  },
  {
    id: "queue-threading",
    rule: INDIRECT,
    code: "import queue\nqueue.threading._os.system(':')",
    error: forbiddenModule("threading"),
  },
  {
    id: "queue-threading-os",
    rule: INDIRECT,
    code: "import queue\nqueue.threading._os.system(':')",
    authorizedImports: ["threading"],
    error: forbiddenModule("os"),
  },
  {
    id: "random-os",
    rule: INDIRECT,
    code: "import random\nrandom._os.system(':')",
    error: forbiddenModule("os"),
  },
  {
    id: "random-dict-os",
    rule: INDIRECT,
    code: "import random\nrandom.__dict__['_os'].system(':')",
    error: forbiddenDunder("__dict__"),
  },
  {
    id: "doctest-inspect",
    rule: INDIRECT,
    code: "import doctest\ndoctest.inspect.os.system(':')",
    authorizedImports: ["doctest"],
    error: forbiddenModule("inspect"),
  },
  {
    id: "doctest-inspect-os",
    rule: INDIRECT,
    code: "import doctest\ndoctest.inspect.os.system(':')",
    authorizedImports: ["doctest", "inspect"],
    error: forbiddenModule("os"),
  },
  ...[
    ["asyncio"],
    ["asyncio", "asyncio.base_events"],
    ["asyncio", "asyncio.base_events", "asyncio.events"],
  ].map(
    (imports, index): PolicyCase => ({
      id: `asyncio-subprocess-${index + 1}`,
      rule: INDIRECT,
      code: "import asyncio\nasyncio.base_events.events.subprocess",
      authorizedImports: imports,
      error: forbiddenModule("subprocess"),
    }),
  ),
  {
    id: "queue-threading-sys",
    rule: INDIRECT,
    code: "import queue\nqueue.threading._sys.modules['os'].system(':')",
    error: forbiddenModule("threading"),
  },
  {
    id: "queue-threading-sys-authorized",
    rule: INDIRECT,
    code: "import queue\nqueue.threading._sys.modules['os'].system(':')",
    authorizedImports: ["threading"],
    error: forbiddenModule("sys"),
  },
  {
    id: "warnings-sys",
    rule: INDIRECT,
    code: "import warnings\nwarnings.sys",
    authorizedImports: ["warnings"],
    error: forbiddenModule("sys"),
  },
  {
    id: "filter-partial-getattr",
    rule: INDIRECT,
    code: 'import functools\nimport warnings\nlist(filter(functools.partial(getattr, warnings), ["sys"]))',
    authorizedImports: ["warnings", "functools"],
    error: forbiddenModule("sys"),
  },
  {
    id: "map-getattr",
    rule: INDIRECT,
    code: 'import warnings\nlist(map(getattr, [warnings], ["sys"]))',
    authorizedImports: ["warnings"],
    error: forbiddenModule("sys"),
  },
  {
    id: "map-partial-getattr",
    rule: INDIRECT,
    code: 'import functools\nimport warnings\nlist(map(functools.partial(getattr, warnings), ["sys"]))',
    authorizedImports: ["warnings", "functools"],
    error: forbiddenModule("sys"),
  },
  {
    id: "object-attribute-module",
    rule: INDIRECT,
    code: "import warnings\nwarnings.catch_warnings()._module.sys.modules['os']",
    authorizedImports: ["warnings"],
    error: forbiddenModule("sys"),
  },
  {
    id: "gc-raw-module-any",
    rule: INDIRECT,
    code: "import gc\nfor m in gc.get_objects():\n    if type(m).__name__ == 'module' and m.__name__ in ('os', 'posix'):\n        m.system(':')",
    authorizedImports: ANY,
    error: forbiddenFunction("system"),
  },
  {
    id: "builtins-via-frame",
    rule: INDIRECT,
    code: frameBuiltins,
    authorizedImports: ["sys"],
    error: refused("Forbidden access to attribute: f_builtins"),
  },
  {
    id: "builtins-via-frame-authorized",
    rule: INDIRECT,
    code: frameBuiltins,
    authorizedImports: ["sys", "builtins"],
    error: refused("Forbidden access to attribute: f_builtins"),
  },
  {
    id: "private-module-function",
    rule: INDIRECT,
    code: "import sys\nsys._getframe()",
    authorizedImports: ["sys"],
    error: refused("Forbidden access to private attribute: sys._getframe"),
  },
  // --- dunder attributes ---------------------------------------------------------------------------
  { id: "dunder-class", rule: DUNDER, code: "a = ()\nb = a.__class__", error: forbiddenDunder("__class__") },
  {
    id: "dunder-dict",
    rule: DUNDER,
    code: "class A:\n    attr = 1\nx = A()\nx_dict = x.__dict__",
    error: forbiddenDunder("__dict__"),
  },
  {
    id: "getattr-dunder",
    rule: DUNDER,
    code: "a = ()\nb = getattr(a, '__class__')",
    error: forbiddenDunder("__class__"),
  },
  { id: "type-mro", rule: DUNDER, code: "type(1).__mro__", error: forbiddenDunder("__mro__") },
  { id: "vars", rule: DUNDER, code: "vars(final_answer)", error: refused("name 'vars' is not defined") },
  {
    id: "traceback",
    rule: DUNDER,
    code: traceback,
    error: refused("Forbidden access to attribute: f_globals"),
  },
  {
    id: "traceback-authorized",
    rule: DUNDER,
    code: traceback,
    authorizedImports: ["builtins", "os"],
    error: refused("Forbidden access to attribute: f_globals"),
  },
  {
    id: "traceback-dunder",
    rule: DUNDER,
    code: "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__",
    error: forbiddenDunder("__traceback__"),
  },
  ...[[], ["warnings"], ["warnings", "builtins"], ["warnings", "builtins", "os"]].map(
    (imports, index): PolicyCase => ({
      id: `catch-warnings-walk-${index + 1}`,
      rule: DUNDER,
      code: subclassWalk(
        "catch_warnings",
        'b = cls()._module.__builtins__\nb["__import__"]("os").system(":")',
      ),
      authorizedImports: imports,
      error: forbiddenDunder("__subclasses__"),
    }),
  ),
  ...[[], ["os"]].map(
    (imports, index): PolicyCase => ({
      id: `builtin-importer-walk-${index + 1}`,
      rule: DUNDER,
      code: subclassWalk("BuiltinImporter", 'cls().load_module("os").system(":")'),
      authorizedImports: imports,
      error: forbiddenDunder("__subclasses__"),
    }),
  ),
  {
    id: "popen-subclass-loop",
    rule: DUNDER,
    code: "for cls in ().__class__.__base__.__subclasses__():\n    if 'Popen' in cls.__class__.__repr__(cls):\n        break\ncls(['sh', '-c', ':']).wait()",
    error: forbiddenDunder("__subclasses__"),
  },
  {
    id: "popen-subclass-comprehension",
    rule: DUNDER,
    code: "[c for c in ().__class__.__base__.__subclasses__() if 'Popen' in c.__class__.__repr__(c)][0](['sh', '-c', ':']).wait()",
    error: forbiddenDunder("__subclasses__"),
  },
  { id: "dunder-dir-call", rule: DUNDER, code: "'string'.__dir__()", error: forbiddenDunder("__dir__") },
  { id: "dunder-getattribute", rule: DUNDER, code: dunderCall, error: forbiddenDunder("__getattribute__") },
  {
    id: "dunder-walk-any",
    rule: DUNDER,
    code: "().__class__.__base__.__subclasses__()",
    authorizedImports: ANY,
    error: forbiddenDunder("__subclasses__"),
  },
  { id: "dunder-name-allowed", rule: DUNDER, code: "type(1).__name__", output: "int" },
  // --- format fields -------------------------------------------------------------------------------
  {
    id: "format-globals",
    rule: FORMAT,
    code: '"{0.__func__.__globals__}".format(final_answer)',
    error: forbiddenDunder("__func__"),
  },
  {
    id: "format-class",
    rule: FORMAT,
    code: '"{0.__class__.__base__}".format(1)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-unbound",
    rule: FORMAT,
    code: 'str.format("{0.__class__}", 1)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-bound-later",
    rule: FORMAT,
    code: 'f = "{0.__class__}".format\nf(1)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-getattr",
    rule: FORMAT,
    code: 'getattr("{0.__class__}", "format")(1)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-nested-spec",
    rule: FORMAT,
    code: '"{0:{1.__class__}}".format(1, 2)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-map",
    rule: FORMAT,
    code: '"{a.__class__}".format_map({"a": 1})',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "format-private",
    rule: FORMAT,
    code: "import warnings\n'{0._module}'.format(warnings.catch_warnings())",
    authorizedImports: ["warnings"],
    error: refused("Forbidden access to private attribute in a format field: _module"),
  },
  {
    id: "format-str-subclass",
    rule: FORMAT,
    code: 'class S(str):\n    pass\nS("{0.__class__}").format(1)',
    error: forbiddenDunder("__class__"),
  },
  {
    id: "string-formatter",
    rule: FORMAT,
    code: 'import string\nstring.Formatter().format("{0.__class__}", 1)',
    authorizedImports: ["string"],
    error: forbiddenDunder("__class__"),
  },
  {
    id: "string-formatter-any",
    rule: FORMAT,
    code: 'import string\nstring.Formatter().get_field("0.__globals__", [final_answer], {})',
    authorizedImports: ANY,
    error: forbiddenDunder("__globals__"),
  },
  {
    id: "format-allowed",
    rule: FORMAT,
    code: '"{0.real}-{1[a]}-{2:>4}".format(3, {"a": 1}, "x")',
    output: "3-1-   x",
  },
  // --- overwriting tools ---------------------------------------------------------------------------
  { id: "assign-print", rule: OVERWRITE, code: "print = '3'", error: erases("print") },
  { id: "assign-final-answer", rule: OVERWRITE, code: "final_answer = 1", error: erases("final_answer") },
  {
    id: "assign-tool",
    rule: OVERWRITE,
    code: "search = lambda q: 'forged'",
    tools: ["search"],
    error: erases("search"),
  },
  {
    id: "def-tool",
    rule: OVERWRITE,
    code: "def search(q):\n    return 'forged'",
    tools: ["search"],
    error: erases("search"),
  },
  { id: "for-target-len", rule: OVERWRITE, code: "for len in range(2):\n    pass", error: erases("len") },
  { id: "import-as-print", rule: OVERWRITE, code: "import math as print", error: erases("print") },
  { id: "del-print", rule: OVERWRITE, code: "del print", error: erases("print") },
  {
    id: "global-in-function",
    rule: OVERWRITE,
    code: "def f():\n    global final_answer\n    final_answer = None\nf()",
    error: erases("final_answer"),
  },
  { id: "walrus-print", rule: OVERWRITE, code: "(print := 1)", error: erases("print") },
  {
    id: "builtins-setattr-any",
    rule: OVERWRITE,
    code: "import builtins\nbuiltins.print = None",
    authorizedImports: ANY,
    error: { type: "ExecutionError", message: "read-only" },
  },
  {
    id: "assign-print-any",
    rule: OVERWRITE,
    code: "print = '3'",
    authorizedImports: ANY,
    error: erases("print"),
  },
  {
    id: "globals-removed",
    rule: OVERWRITE,
    code: "globals()['print'] = 1",
    error: refused("name 'globals'"),
  },
  {
    id: "internal-name",
    rule: OVERWRITE,
    code: "_troupe_tick = None",
    error: refused("Forbidden access to name"),
  },
  // --- the operation budget ------------------------------------------------------------------------
  {
    id: "budget-loops-keep-their-meaning",
    rule: BUDGET,
    code: [
      "s = 0",
      "for i in range(10):",
      "    if i == 3:",
      "        continue",
      "    if i == 8:",
      "        break",
      "    s += i",
      "else:",
      "    s = -1",
      "n = 0",
      "while n < 5:",
      "    n += 1",
      "    if n == 2:",
      "        continue",
      "m = 0",
      "while m < 3:",
      "    m += 1",
      "else:",
      "    m = 10",
      "def gen():",
      "    k = 0",
      "    while True:",
      "        yield k",
      "        k += 1",
      "        if k == 3:",
      "            return",
      "pairs = [x * y for x in range(3) for y in range(2) if x]",
      "firsts = [a for a, *rest in [(1, 2, 3), (4, 5)]]",
      "[s, n, m, list(gen()), pairs, firsts, {k: v for k, v in [(1, 2)]}, sum(i for i in range(4))]",
    ].join("\n"),
    output: [25, 5, 10, [0, 1, 2], [0, 1, 0, 2], [1, 4], { "1": 2 }, 6],
  },
  {
    id: "budget-while",
    rule: BUDGET,
    code: "i = 0\nwhile True:\n    i += 1",
    error: refused("Reached the limit of 10000000 operations"),
  },
  {
    id: "budget-caught",
    rule: BUDGET,
    code: "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nwhile True:\n    pass",
    error: refused("Reached the limit of 10000000 operations"),
  },
  {
    id: "budget-generator-any",
    rule: BUDGET,
    code: "import itertools\nsum(1 for x in itertools.count())",
    authorizedImports: ANY,
    error: refused("Reached the limit of 10000000 operations"),
  },
  {
    id: "budget-shared-by-calls",
    rule: BUDGET,
    code: "def f():\n    for _ in range(1000):\n        pass\nfor _ in range(100_000):\n    f()",
    error: refused("Reached the limit of 10000000 operations"),
  },
];
