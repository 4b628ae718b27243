#!/usr/bin/env python3
"""Differential fuzzing of the Swift chat-template renderer against jinja2 (a local tool, not part of `make test`).

Mutates the fixture templates at random (seeded), or builds random expressions (`expr`) or statement soups (`ws`), renders each mutant with jinja2 under the same Hugging Face
conventions as scripts/gen_chat_template_fixtures.py, and writes the cases to a JSON file. Then:

    scripts/diff_fuzz_chat_templates.py SEED OUT.json [COUNT] [mutate|expr|ws]
    scripts/diff_fuzz_chat_templates.py 7 /tmp/ct_diff.json
    OWL_CHAT_TEMPLATE_DIFF=/tmp/ct_diff.json swift test --filter DifferentialTests

The Swift test requires the same output for every mutant jinja2 renders, and an error wherever jinja2 raises.
"""
import copy, importlib.util, json, os, random, signal, sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(HERE, "gen_chat_template_fixtures.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

PIECES = ["{%", "%}", "{{", "}}", "-", "(", ")", "[", "]", "'", "|", "~", ".", ",", ":", "=", " if ", " else ",
          " in ", " is ", "not ", "loop.index", "[::-1]", "|trim", "|length", "|tojson", "|upper", " + 1", " ~ 'x'",
          "[0]", ".strip()", "|string", " and ", " or ", "none", "true", "1", "'a'"]


# Random expressions (mode "expr"): literals, variables, operators, filters, tests and methods.
LITERALS = ["0", "1", "-3", "7", "2.5", "0.1", "1e3", "''", "'a'", "'Hello World'", "' pad '", "'a,b,c'", "'ü日'",
            "none", "true", "false", "[]", "[1, 2, 3]", "['b', 'a']", "{}", "{'k': 1, 'a': [1]}", "(1, 'x')",
            "messages", "messages[0]", "messages[-1].content", "tools", "tools[0].function", "nothing",
            "add_generation_prompt", "messages | length", "range(3)"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
FILTERS = ["trim", "length", "tojson", "upper", "lower", "string", "int", "float", "list", "first", "last", "items",
           "capitalize", "title", "reverse", "unique", "sort", "sum", "min", "max", "abs", "round", "dictsort",
           "join(', ')", "default('d')", "default('d', true)", "replace('a', 'b')", "indent(2)", "center(9)",
           "map(attribute='role')", "map('upper')", "selectattr('role', 'equalto', 'user')", "select('string')",
           "reject('none')", "tojson(indent=2)", "batch(2)", "wordcount", "e", "safe", "count"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence",
         "boolean", "true", "false", "odd", "even", "lower", "upper", "equalto 1", "in [1, 'a']", "divisibleby 2"]
METHODS = [".strip()", ".upper()", ".split(',')", ".split()", ".startswith('a')", ".endswith('c')",
           ".replace('a', 'x')", ".get('role')", ".items()", ".keys()", ".values()", ".title()", ".lstrip('a')",
           ".find('b')", ".count('a')", ".format(1)", ".rstrip()", "[0]", "[1:]", "[::-1]", ".role", ".content"]


def random_expr(rng, depth=0):
    r = rng.random()
    if depth > 2 or r < 0.3:
        return rng.choice(LITERALS)
    if r < 0.5:
        return f"({random_expr(rng, depth + 1)} {rng.choice(BINOPS)} {random_expr(rng, depth + 1)})"
    if r < 0.7:
        return f"({random_expr(rng, depth + 1)} | {rng.choice(FILTERS)})"
    if r < 0.8:
        return f"({random_expr(rng, depth + 1)} is {rng.choice(['', 'not '])}{rng.choice(TESTS)})"
    if r < 0.9:
        return f"({random_expr(rng, depth + 1)}){rng.choice(METHODS)}"
    return f"({random_expr(rng, depth + 1)} if {random_expr(rng, depth + 1)} else {random_expr(rng, depth + 1)})"


# Random statement soup (mode "ws"): whitespace control, trim/lstrip rules, comments, loops, macros.
TEXTS = ["", " ", "  ", "\n", "\n\n", "  \n", "\t", "a", " b ", "c\n", "\n  d", "x y"]


def random_template(rng, depth=0):
    out = []
    for _ in range(rng.randint(1, 5)):
        out.append(rng.choice(TEXTS))
        l, r = rng.choice(["", "-", "+"]), rng.choice(["", "-", "+"])
        lv, rv = rng.choice(["", "-"]), rng.choice(["", "-"])
        kind = rng.randrange(8 if depth < 2 else 4)
        if kind == 0:
            value = rng.choice(["1", "x", "loop_var", "ns.v", "'s'", "messages | length"])
            out.append(f"{{{{{lv} {value} {rv}}}}}")
        elif kind == 1:
            out.append(f"{{#{l} comment {r}#}}")
        elif kind == 2:
            out.append(f"{{%{l} set x = {rng.randint(0, 9)} {r}%}}")
        elif kind == 3:
            out.append(f"{{%{l} set ns.v = ns.v + 1 {r}%}}")
        elif kind == 4:
            out.append(f"{{%{l} if {rng.choice(['true', 'false', 'x', 'loop_var'])} {r}%}}{random_template(rng, depth + 1)}"
                       f"{{%{rng.choice(['', '-', '+'])} else {rng.choice(['', '-', '+'])}%}}{random_template(rng, depth + 1)}"
                       f"{{%{rng.choice(['', '-', '+'])} endif {rng.choice(['', '-', '+'])}%}}")
        elif kind == 5:
            out.append(f"{{%{l} for loop_var in [1, 2] {r}%}}{random_template(rng, depth + 1)}"
                       f"{{%{rng.choice(['', '-', '+'])} endfor {rng.choice(['', '-', '+'])}%}}")
        elif kind == 6:
            out.append(f"{{%{l} macro m() {r}%}}{random_template(rng, depth + 1)}{{%- endmacro %}}{{{{ m() }}}}")
        else:
            out.append(f"{{%{l} raw {r}%}}{rng.choice(TEXTS)}{{{{ raw }}}}{rng.choice(TEXTS)}"
                       f"{{%{rng.choice(['', '-'])} endraw {rng.choice(['', '-'])}%}}")
    out.append(rng.choice(TEXTS))
    return "".join(out)


class Timeout(Exception):
    pass


def mutate(rng, src):
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(max(1, len(src)))
        op = rng.randrange(3)
        if op == 0:
            src = src[:at] + src[at + rng.randint(1, 6):]
        elif op == 1:
            src = src[:at] + rng.choice(PIECES) + src[at:]
        else:
            f = rng.randrange(max(1, len(src)))
            src = src[:at] + src[f:f + rng.randint(1, 30)] + src[at:]
    return src


def main():
    seed, out_path = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    mode = sys.argv[4] if len(sys.argv) > 4 else "mutate"
    rng = random.Random(seed)
    env = gen.make_env()
    tdir = os.path.join(gen.OUT, "templates")
    names = sorted(n for n in os.listdir(tdir) if n.endswith(".jinja"))

    def on_alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    cases = []
    for _ in range(count):
        if mode == "expr":
            src = "{{ " + random_expr(rng) + " }}"
        elif mode == "ws":
            src = "{% set ns = namespace(v=0) %}" + random_template(rng)
        else:
            src = mutate(rng, open(os.path.join(tdir, rng.choice(names)), encoding="utf-8").read())
        ctx = copy.deepcopy(rng.choice(gen.CASES)[1])  # one of the fixture conversations
        case = {"template": src, "context": ctx}
        signal.alarm(2)
        try:
            # A copy: jinja2's `indent` does `s += "\n"`, which extends a list argument in place.
            case["expected"] = gen.render(env, src, copy.deepcopy(ctx))
        except Timeout:
            continue
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
        finally:
            signal.alarm(0)
        # Python object addresses (`<generator object … at 0x…>`) are not reproducible: skip those.
        if len(case.get("expected", "")) <= 200_000 and " at 0x" not in case.get("expected", ""):
            cases.append(case)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)
    print(f"{len(cases)} mutants, {sum('expected' in c for c in cases)} rendered by jinja2")


if __name__ == "__main__":
    main()
