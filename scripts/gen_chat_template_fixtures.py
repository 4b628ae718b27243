#!/usr/bin/env python3
"""Render real chat templates with jinja2 under Hugging Face `apply_chat_template` conventions and write
fixtures for Tests/ChatTemplateTests (the templates themselves + one JSON of cases per template).

Usage: scripts/gen_chat_template_fixtures.py TEMPLATES_DIR [MODEL.gguf ...]
  TEMPLATES_DIR: vendor/llama.cpp/models/templates of the llama-cpp-python==0.3.36 sdist
  MODEL.gguf:    optional, adds each model's `tokenizer.chat_template` (needs `gguf`), named after the file
                 (the project's fixtures use ~/.owl/models' SmolLM2-135M-Instruct.Q4_1; gemma-3-270m has none).
Oracle only: jinja2 (pinned in scripts/test-requirements.txt); never on the product's path.
"""
import copy, json, os, sys, shutil
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
    ("content_parts", dict(messages=[{"role": "user", "content": [{"type": "text", "text": "Describe"},
                                                                  {"type": "text", "text": " this."}]}],
                           add_generation_prompt=True)),
    ("string_arguments", dict(messages=[
        {"role": "user", "content": "Add 2 and 3"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_2", "type": "function", "function": {"name": "add", "arguments": "{\"a\": 2, \"b\": 3}"}}]},
        {"role": "tool", "tool_call_id": "call_2", "name": "add", "content": "5"}], tools=TOOLS,
        add_generation_prompt=True)),
    ("assistant_last", dict(messages=[SYS, U1, A1], add_generation_prompt=False)),
]


# Small templates, one feature each: (template, variables). Rendered into Fixtures/snippets.json.
SNIPPETS = [
    # whitespace control, trim_blocks / lstrip_blocks, comments
    ("a\n  {% if true %}\n  b\n  {% endif %}\nc", {}),
    ("a  {%- if true -%}  b  {%- endif -%}  c", {}),
    ("a {{- ' b ' -}} c", {}),
    ("x\n    {# comment #}\ny", {}),
    ("x {#- comment -#} y", {}),
    ("{% for i in [1,2] %}\n{{ i }}\n{% endfor %}\n", {}),
    ("  {%+ if true %}kept{% endif %}", {}),
    ("{% if true +%}\nnewline kept{% endif %}", {}),
    ("line\r\nwindows\n", {}),
    ("{{ 'a' }}\n{{ 'b' }}\n", {}),
    # literals, operators, Python formatting
    ("{{ 1 + 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 * 3.5 }}", {}),
    ("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 1e-5 }} {{ 0.0001 }} {{ 3.0 }} {{ -0.5 }} {{ 1.5e300 * 1e10 }}", {}),
    ("{{ 'a' ~ 1 ~ none ~ true ~ 2.5 }}|{{ 'x' + 'y' }}|{{ 'ab' * 3 }}|{{ [1] + [2, 3] }}", {}),
    ("{{ none }} {{ true }} {{ false }} {{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }}", {}),
    ("{{ \"it's\" }} {{ ['it\\'s', 'a\"b', 'both\\'\"', 'tab\\there'] }}", {}),
    ("{{ 'a\\nb' }}|{{ '\\u00e9\\x41' }}|{{ 'adjacent' 'strings' }}", {}),
    ("{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' != 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }}", {}),
    ("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} {{ not 1 }} {{ 1 and 'x' }} {{ 0 or 'y' }}", {}),
    ("{{ 'yes' if x else 'no' }} {{ 'yes' if y else 'no' }} [{{ 'only' if y }}]", {"x": 1, "y": 0}),
    ("{{ s[0] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[::2] }} {{ s[:-2] }} {{ l[1:] }} {{ l[::-1] }} {{ l[-2:] }}", {"s": "hello", "l": [1, 2, 3, 4]}),
    ("{{ d.a }} {{ d['b'] }} {{ d.c.x }} {{ l.0 }} {{ d.missing }}|{{ d.items is defined }}", {"d": {"a": 1, "b": 2, "c": {"x": 3}}, "l": [9]}),
    # assorted corners real templates touch
    ("{{ '%.2f' | format(3.14159) }}|{{ '%5d|%-4s|' % (42, 'ab') }}|{{ '%d items' % 3 }}|{{ '%s' % none }}|{{ '%r' % 'x' }}|{{ '%x' % 255 }}", {}),
    ("{{ 10 | string + 'a' }} {{ 'x' if true else 'y' | upper }} {{ true and none }} {{ [1, 2, 3][1:] | join }} {{ 10 // 3.0 }} {{ 7 % 2.5 }} {{ -0.0 }} {{ 2 ** -1 }}", {}),
    ("{{ (1, 2) }} {{ (1,) }} {{ () }} {{ 'a' ~ [1, 2] }} {% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %} {{ 'x' | list }} {{ [] | first }}|{{ 'Hello'[10] }}|", {}),
    ("{{ m | selectattr('role', 'in', ['user', 'system']) | list | length }} {{ (m | last).role }} {{ m[0] is mapping }} {{ m | map(attribute='role') | unique | list }}", {"m": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("{% macro m(a, b=a ~ '!') %}{{ a }}{{ b }}{% endmacro %}{{ m('x') }} {{ m('x', 'y') }}", {}),
    ("{% set ns = namespace(items=[]) %}{% for i in range(3) %}{% set ns.items = ns.items + [i * 2] %}{% endfor %}{{ ns.items }} {{ ns.items | sum }}", {}),
    ("{%- for m in msgs -%}\n  {%- if m.content is string -%}\n    {{ m.content }}\n  {%- else -%}\n    {{ m.content | map(attribute='text') | join('') }}\n  {%- endif -%}\n{%- endfor -%}", {"msgs": [{"content": "plain"}, {"content": [{"type": "text", "text": "part1"}, {"type": "text", "text": "part2"}]}]}),
    ("{{ c.split('\\n')[0] }}|{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ '\\n'.join(['a', 'b']) }}|{{ c.strip().startswith('<think>') }}", {"c": "<think>\nhmm\n</think>\n\nanswer"}),
    ("{{ x.y is defined }} {{ x.y.z is not defined if x.y is defined else 'no y' }} {{ x['y'] | default('dflt') }}", {"x": {}}),
    ("{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% set rest = messages[1:] %}{% else %}{% set sys = '' %}{% set rest = messages %}{% endif %}[{{ sys }}]{{ rest | length }}", {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]}),
    ("{{ 'a' < 'B' }} {{ 1 in [1.0] }} {{ true + true }} {{ 'x' * true }} {{ [1, [2, 3]] | tojson }} {{ 'ABC' | lower | capitalize }} {{ 'a b' | title }} {{ none | default('d', true) }}", {}),
    ("{{ tools | tojson(indent=4) }}", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}}]}),
    ("{%- for t in tools %}\n{{- t | tojson }}\n{% endfor %}\n{{- 'end' }}", {"tools": [{"a": 1}, {"b": "ü"}]}),
    ("{% raw %}{{ not rendered }}{% endraw %} {%- raw -%}  {% also %}  {%- endraw %}", {}),
    ("a\n  {% raw %}\n  x {{ y }}\n  {% endraw %}\nb", {}),
    ("{{ 3.0 * 2 }} {{ 1 / 3 }} {{ 2 / 3 * 3 }} {{ 1e100 }} {{ 123456789.123 }} {{ 0.000123 }}", {}),
    # jinja2 raises on these: the Swift renderer must throw too
    ("{{ d.items | length }}", {"d": {"a": 1}}),
    ("{{ none + 1 }}", {}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ missing.attr }}", {}),
    ("{{ missing[0] }}", {}),
    ("{% for x in none %}{% endfor %}", {}),
    ("{{ 'a' in none }}", {}),
    ("{{ none | length }}", {}),
    ("{{ ['a'] | map('upper') | tojson }}", {}),
    ("{{ ['a'] | select | length }}", {}),
    ("{{ 1 < 'a' }}", {}),
    ("{{ [1, 'a'] | sort }}", {}),
    ("{% set l = [1] %}{{ l.append(2) }}", {}),
    ("{{ {'a': 1}.pop('a') }}", {}),
    ("{{ range(200000) | length }}", {}),
    ("{{ 1 / 0 }}", {}),
    ("{{ missing | tojson }}", {}),
    ("{{ raise_exception('custom message') }}", {}),
    # undefined and none behaviour
    ("[{{ nothing }}] {{ nothing is defined }} {{ nothing is undefined }} {{ nothing | default('dflt') }} {{ '' | default('e', true) }}", {}),
    ("{{ none is none }} {{ none is not none }} {{ none.foo is defined }} {{ 'x'.foo is defined }} {{ nothing | length }} {{ nothing ~ 'x' }}", {}),
    ("{% for x in nothing %}never{% else %}empty{% endfor %}|{{ nothing | list }}|{{ nothing | join(',') }}|{{ nothing | trim }}", {}),
    # loops
    ("{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}", {"xs": ["a", "b", "c"]}),
    ("{% for x in xs %}{{ loop.previtem | default('-') }}>{{ x }}>{{ loop.nextitem | default('-') }} {% endfor %}", {"xs": [1, 2, 3]}),
    ("{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {"xs": [1, 2, 3]}),
    ("{% for x in xs if x > 1 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}", {"xs": [1, 2, 3, 4]}),
    ("{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {"xs": [1, 2, 3, 4, 5]}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {% for k in d %}{{ k }}{% endfor %}", {"d": {"z": 1, "a": 2, "m": 3}}),
    ("{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.depth }}{{ a }}{{ b }} {% endfor %}{% endfor %}", {}),
    ("{% for c in 'héllo' %}{{ c }}.{% endfor %} {{ 'héllo' | length }}", {}),
    ("{% for i in range(3) %}{{ i }}{% endfor %} {% for i in range(1, 10, 3) %}{{ i }}{% endfor %} {% for i in range(5, 0, -2) %}{{ i }}{% endfor %}", {}),
    # set, scoping, namespace
    ("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
    ("{% set ns = namespace(total=0, seen=[]) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", {}),
    ("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 'x', 'y' %}{{ t }}", {}),
    ("{% set block %}inside {{ 1 + 1 }}{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}", {}),
    ("{% if true %}{% set leaked = 'yes' %}{% endif %}{{ leaked }}", {}),
    ("{% with a = 5 %}{{ a }}{% endwith %}[{{ a }}]", {}),
    # macros
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', punct='?') }} {{ greet(name='Cy') }}", {}),
    ("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ 1 }}{% endcall %}", {}),
    ("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}", {}),
    ("{% macro render(x) %}{% if x is mapping %}{{ '{' }}{% for k, v in x.items() %}{{ k }}:{{ render(v) }}{% endfor %}{{ '}' }}{% else %}{{ x }}{% endif %}{% endmacro %}{{ render({'a': {'b': 1}}) }}", {}),
    # filters
    ("{{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'MiXed' | upper }}|{{ 'MiXed' | lower }}|{{ 'hello wORLD' | capitalize }}|{{ 'hello wORLD-foo (bar' | title }}", {}),
    ("{{ [3, 1, 2] | length }} {{ 'abc' | length }} {{ {'a': 1} | length }} {{ [1, 2] | first }} {{ [1, 2] | last }} {{ 'abc' | first }} {{ 'abc' | last }}", {}),
    ("{{ [1, 2, 3] | join(', ') }}|{{ ['a', 'b'] | join }}|{{ users | join(', ', attribute='name') }}", {"users": [{"name": "a"}, {"name": "b"}]}),
    ("{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 42 | string }} {{ '42' | int + 1 }} {{ '3.7' | int }} {{ 'x' | int }} {{ '2.5' | float }} {{ 3 | float }}", {}),
    ("{{ {'b': 1, 'a': 2} | items | list }} {{ {'b': 1, 'A': 2, 'a': 0} | dictsort }} {{ {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) }}", {}),
    ("{{ users | map(attribute='name') | list }} {{ ['a', 'b'] | map('upper') | join }} {{ users | map(attribute='age', default=0) | list }}", {"users": [{"name": "x", "age": 3}, {"name": "y"}]}),
    ("{{ users | selectattr('age') | map(attribute='name') | list }} {{ users | rejectattr('age') | map(attribute='name') | list }} {{ msgs | selectattr('role', 'equalto', 'user') | list | length }}", {"users": [{"name": "x", "age": 3}, {"name": "y", "age": 0}], "msgs": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('even') | list }} {{ ['a', 1, none] | select('string') | list }} {{ [0, 1, '', 'x'] | select | list }}", {}),
    ("{{ 'a\nb\n\nc' | indent }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent(width='> ', blank=true) }}", {}),
    ("{{ [3, 1, 2, 1] | unique | list }} {{ ['A', 'a', 'b'] | unique | list }} {{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ users | sort(attribute='n') | map(attribute='n') | list }}", {"users": [{"n": 2}, {"n": 1}]}),
    ("{{ [1, 2, 3] | sum }} {{ [1, 5, 2] | max }} {{ [4, 2, 8] | min }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }}", {}),
    ("{{ 'a<b>&\"c\"' | e }}|{{ ('<' | safe) + '<' }}|{{ 'x' | safe ~ '<' }}|{{ '%s is %d' | format('n', 3) }}|{{ '%s-%s' % ('a', 'b') }}", {}),
    ("{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ 'one two  three' | wordcount }} {{ 'hi' | center(6) }}|{{ none | string }}|{{ 7 | string | length }}", {}),
    # tojson (HF: ensure_ascii=False, key order kept)
    ("{{ data | tojson }}", {"data": {"z": 1, "a": [1, 2.5, None, True, "é\"\n\t<>&\u2028\x01"], "m": {}, "l": []}}),
    ("{{ data | tojson(indent=2) }}", {"data": {"z": 1, "a": [1, {"b": "c"}], "e": {}, "f": []}}),
    ("{{ data | tojson(separators=(',', ':')) }}|{{ data | tojson(sort_keys=true) }}|{{ 'x' | tojson }}|{{ 1.0 | tojson }}|{{ none | tojson }}", {"data": {"b": 1, "a": [1, 2]}}),
    # tests
    ("{{ 's' is string }} {{ 1 is string }} {{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ true is boolean }} {{ 1 is boolean }} {{ 1 is integer }} {{ 1.0 is float }}", {}),
    ("{{ {} is mapping }} {{ [] is mapping }} {{ [] is iterable }} {{ 's' is iterable }} {{ 1 is iterable }} {{ [] is sequence }} {{ 's' is sequence }} {{ {} is sequence }} {{ nothing is iterable }}", {}),
    ("{{ 3 is odd }} {{ 3 is even }} {{ 9 is divisibleby 3 }} {{ 'a' is equalto 'a' }} {{ 2 is eq 3 }} {{ 2 is in [1, 2] }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ none is sameas none }} {{ true is true }} {{ 0 is false }}", {}),
    ("{{ x is not defined }} {{ not x is defined }} {{ x is defined and x }} {{ (x is defined) or 'fallback' }}", {}),
    # string, dict and list methods
    ("{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|{{ '..a..'.lstrip('.') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}", {}),
    ("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} {{ 'aXa'.replace('a', 'b') }} {{ 'abc'.upper() }} {{ 'ABC'.lower() }} {{ \"hello world's\".title() }} {{ 'hello'.capitalize() }} {{ 'hello'.find('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.count('l') }}", {}),
    ("{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{n}!'.format(n=5) }} {{ '{{literal}}'.format() }} {{ ', '.join(['a', 'b']) }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }}", {}),
    ("{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ [1, 2, 1].count(1) }} {{ [5, 6].index(6) }}", {"d": {"a": 1, "b": [2]}}),
    ("{{ 'a\nb\n'.splitlines() }} {{ 'x=y=z'.partition('=') }} {{ 'x=y=z'.rpartition('=') }} {{ '5'.zfill(3) }} {{ 'ab'.ljust(4, '.') }}|{{ 'ab'.rjust(4) }}", {}),
    # globals and the HF extras
    ("{{ dict(a=1, b=2) }} {{ namespace(a=1).a }} {{ strftime_now('%Y-%m-%d %H:%M:%S %d %b %Y %B %A %a %j %I %p %y') }}", {}),
    ("{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages | length }}|{{ tools }}|{{ documents }}", {"messages": [{"role": "user", "content": "x"}], "add_generation_prompt": True}),
    ("{% generation %}generated {{ 1 }}{% endgeneration %}", {}),
    ("{% filter upper %}shout {{ 'this' }}{% endfilter %}", {}),
    ("{{ {0: 'zero', 512: 'x'} | dictsort }} {{ {1: 'a'}[1] }} {{ {1: 'a'} }}", {}),
    ("{{ messages[0]['content'] }} {{ messages[-1].role }} {{ messages[1:] | map(attribute='role') | join(',') }}", {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}),
]


def builtin_templates():
    """The family templates of Sources/ChatTemplate/BuiltinTemplates.swift (Swift multi-line literals)."""
    import re
    path = os.path.join(os.path.dirname(__file__), "..", "Sources", "ChatTemplate", "BuiltinTemplates.swift")
    text = open(path, encoding="utf-8").read()
    out = {}
    for name, body, indent in re.findall(r'"(\w+)": """\n(.*?)\n( *)"""', text, re.S):
        lines = [line[len(indent):] for line in body.split("\n")]
        out[f"builtin-{name}.jinja"] = "\n".join(lines).replace("\\\\", "\\")
    return out


def render(env, source, ctx):
    full = copy.deepcopy(ctx)  # a template can extend a list argument in place (`indent` does `s += "\n"`)
    full.setdefault("tools", None)
    full.setdefault("documents", None)
    full["bos_token"], full["eos_token"] = BOS, EOS
    return env.from_string(source).render(**full)


def main():
    src_dir = sys.argv[1]
    names = sorted(f for f in os.listdir(src_dir) if f.endswith(".jinja"))
    sources = {n: open(os.path.join(src_dir, n), encoding="utf-8").read() for n in names}
    sources.update(builtin_templates())
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
    snippets = []
    for source, variables in SNIPPETS:
        case = {"template": source, "variables": variables}
        try:
            tpl = env.from_string(source)
            case["expected"] = tpl.render(**{"bos_token": BOS, "eos_token": EOS, "tools": None, "documents": None,
                                             "messages": [], "add_generation_prompt": False, **variables})
        except Exception as e:
            case["error"] = f"{type(e).__name__}: {e}"
            errors.append(f"snippet {source!r}: {case['error']}")
        snippets.append(case)
    with open(os.path.join(OUT, "snippets.json"), "w", encoding="utf-8") as f:
        json.dump({"now": NOW.isoformat(), "bos_token": BOS, "eos_token": EOS, "snippets": snippets}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(snippets)} snippets")
    print(f"kept {kept} templates; dropped {len(dropped)} items:")
    for d in dropped:
        print("  " + d)
    print(f"{len(errors)} cases where jinja2 raises a runtime error (the Swift renderer must throw):")
    for e in errors:
        print("  " + e)


if __name__ == "__main__":
    main()
