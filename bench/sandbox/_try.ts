import { createExecutor } from "~/agents/executors";
const ex = await createExecutor({ kind: "pyodide" }, { memoryMb: 256, authorizedImports: ["*"], pyodideSnapshot: false });
const code = `
import gc
out = []
for o in gc.get_objects():
    tn = type(o).__name__
    if 'Js' in tn:
        names = []
        try:
            names = [n for n in dir(o) if n in ('loadBinaryFile','_api','FS','api','mount','loadPackage','runPython','_module','process','fetch')]
        except Exception as e:
            names = ['dir-error ' + str(e)[:50]]
        out.append((tn, repr(o)[:60], names))
    for r in (gc.get_referents(o) if tn in ('JsLoader','JsFinder') else []):
        rt = type(r).__name__
        if 'Js' in rt:
            out.append(('ref-of-'+tn, rt, repr(r)[:60]))
out
`;
const r = await ex.run(code);
console.log(JSON.stringify(r, null, 1).slice(0, 6000));
await ex.close();
process.exit(0);
