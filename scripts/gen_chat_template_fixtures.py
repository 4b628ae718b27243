#!/usr/bin/env python3
"""Render real chat templates with jinja2 under Hugging Face `apply_chat_template` conventions and write
fixtures for Tests/ChatTemplateTests (the templates themselves + one JSON of cases per template).

Usage: scripts/gen_chat_template_fixtures.py TEMPLATES_DIR [MODEL.gguf ...]
  TEMPLATES_DIR: vendor/llama.cpp/models/templates of the llama-cpp-python==0.3.36 sdist
  MODEL.gguf:    optional, adds each model's `tokenizer.chat_template` (needs `gguf`), named after the file
                 (the project's fixtures use ~/.owl/models' SmolLM2-135M-Instruct.Q4_1; gemma-3-270m has none).
Oracle only: jinja2 (pinned in scripts/test-requirements.txt); never on the product's path.
"""
import json, os, sys, shutil
from datetime import datetime
import jinja2, jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ChatTemplateTests", "Fixtures")
NOW = datetime(2025, 3, 14, 9, 26, 53)  # fixed clock for strftime_now; the Swift test passes the same
BOS, EOS = "<s>", "</s>"


class TemplateError(Exception):
    pass


class GenerationTracker(jinja2.ext.Extension):
    """HF's AssistantTracker minus the index bookkeeping: `{% generation %}` renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env():
    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {"type": "object", "properties": {
            "location": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["location"]}}},
    {"type": "function", "function": {
        "name": "add",
        "description": "Add two integers",
        "parameters": {"type": "object", "properties": {
            "a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}},
]
CALL = {"id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}
SYS = {"role": "system", "content": "You are a concise assistant."}
U1 = {"role": "user", "content": "What is the capital of France?"}
A1 = {"role": "assistant", "content": "Paris."}
U2 = {"role": "user", "content": "  And of Germany?  "}
A2 = {"role": "assistant", "content": "Berlin."}

CASES = [
    ("system_user", dict(messages=[SYS, U1], add_generation_prompt=True)),
    ("user_only", dict(messages=[U1], add_generation_prompt=True)),
    ("multi_turn", dict(messages=[SYS, U1, A1, U2], add_generation_prompt=True)),
    ("multi_turn_no_prompt", dict(messages=[U1, A1, U2, A2], add_generation_prompt=False)),
    ("unicode", dict(messages=[{"role": "user", "content": "Ünïcödé — 日本語 \"quotes\" <tag> & 'apos' \\ \ttab\nline"}],
                     add_generation_prompt=True)),
    ("tools_request", dict(messages=[SYS, {"role": "user", "content": "Weather in Paris?"}],
                           tools=TOOLS, add_generation_prompt=True)),
    ("tools_roundtrip", dict(messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temperature\": 22}"},
        {"role": "assistant", "content": "It is 22 °C in Paris."}], tools=TOOLS, add_generation_prompt=False)),
    ("tools_pending", dict(messages=[
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "22"}],
        tools=TOOLS, add_generation_prompt=True)),
    ("reasoning", dict(messages=[U1, {"role": "assistant", "content": "Paris.", "reasoning_content": "Easy one."}, U2],
                       add_generation_prompt=True)),
    ("thinking_off", dict(messages=[SYS, U1], add_generation_prompt=True, enable_thinking=False)),
]


def render(env, source, ctx):
    full = dict(ctx)
    full.setdefault("tools", None)
    full.setdefault("documents", None)
    full["bos_token"], full["eos_token"] = BOS, EOS
    return env.from_string(source).render(**full)


def main():
    src_dir = sys.argv[1]
    names = sorted(f for f in os.listdir(src_dir) if f.endswith(".jinja"))
    sources = {n: open(os.path.join(src_dir, n), encoding="utf-8").read() for n in names}
    for path in sys.argv[2:]:
        from gguf import GGUFReader
        field = GGUFReader(path).fields["tokenizer.chat_template"]
        name = os.path.basename(path).split(".")[0].split("-q")[0] + ".jinja"
        sources[name] = bytes(field.parts[field.data[0]]).decode("utf-8")
    tdir, cdir = os.path.join(OUT, "templates"), os.path.join(OUT, "cases")
    for d in (tdir, cdir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    env = make_env()
    kept, dropped, errors = 0, [], []
    for name, source in sorted(sources.items()):
        try:
            env.from_string(source)
        except Exception as e:  # jinja2 itself cannot parse it (e.g. non-HF extensions)
            dropped.append(f"{name}: parse: {e}")
            continue
        cases = []
        for cname, ctx in CASES:
            case = {"name": cname, "context": ctx}
            try:
                case["expected"] = render(env, source, ctx)
            except TemplateError as e:  # the template refuses this conversation: Swift must throw too
                case["error"] = str(e)
            except Exception as e:  # a runtime error (None + str, undefined attribute...): Swift must throw too
                case["error"] = f"{type(e).__name__}: {e}"
                errors.append(f"{name}/{cname}: {case['error']}")
            cases.append(case)
        if not any("expected" in c for c in cases):
            dropped.append(f"{name}: no case renders")
            continue
        kept += 1
        with open(os.path.join(tdir, name), "w", encoding="utf-8", newline="") as f:
            f.write(source)
        with open(os.path.join(cdir, name[:-len(".jinja")] + ".json"), "w", encoding="utf-8") as f:
            json.dump({"template": name, "now": NOW.isoformat(), "bos_token": BOS, "eos_token": EOS,
                       "cases": cases}, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"kept {kept} templates; dropped {len(dropped)} items:")
    for d in dropped:
        print("  " + d)
    print(f"{len(errors)} cases where jinja2 raises a runtime error (the Swift renderer must throw):")
    for e in errors:
        print("  " + e)


if __name__ == "__main__":
    main()
