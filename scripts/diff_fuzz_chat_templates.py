#!/usr/bin/env python3
"""Differential fuzzing of the Swift chat-template renderer against jinja2 (a local tool, not part of `make test`).

Mutates the fixture templates at random (seeded), renders each mutant with jinja2 under the same Hugging Face
conventions as scripts/gen_chat_template_fixtures.py, and writes the cases to a JSON file. Then:

    scripts/diff_fuzz_chat_templates.py 7 /tmp/ct_diff.json
    OWL_CHAT_TEMPLATE_DIFF=/tmp/ct_diff.json swift test --filter DifferentialTests

The Swift test requires the same output for every mutant jinja2 renders, and an error wherever jinja2 raises.
"""
import importlib.util, json, os, random, signal, sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen", os.path.join(HERE, "gen_chat_template_fixtures.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

PIECES = ["{%", "%}", "{{", "}}", "-", "(", ")", "[", "]", "'", "|", "~", ".", ",", ":", "=", " if ", " else ",
          " in ", " is ", "not ", "loop.index", "[::-1]", "|trim", "|length", "|tojson", "|upper", " + 1", " ~ 'x'",
          "[0]", ".strip()", "|string", " and ", " or ", "none", "true", "1", "'a'"]


class Timeout(Exception):
    pass


def main():
    seed, out_path = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rng = random.Random(seed)
    env = gen.make_env()
    tdir = os.path.join(gen.OUT, "templates")
    names = sorted(n for n in os.listdir(tdir) if n.endswith(".jinja"))

    def on_alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    cases = []
    for _ in range(count):
        src = open(os.path.join(tdir, rng.choice(names)), encoding="utf-8").read()
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
        ctx = rng.choice(gen.CASES)[1]  # one of the fixture conversations
        case = {"template": src, "context": ctx}
        signal.alarm(2)
        try:
            case["expected"] = gen.render(env, src, ctx)
        except Timeout:
            continue
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
        finally:
            signal.alarm(0)
        if len(case.get("expected", "")) <= 200_000:
            cases.append(case)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)
    print(f"{len(cases)} mutants, {sum('expected' in c for c in cases)} rendered by jinja2")


if __name__ == "__main__":
    main()
