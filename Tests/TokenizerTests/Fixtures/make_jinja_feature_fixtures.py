"""Renders small Jinja snippets, one per interpreter feature, with the very environment transformers'
`apply_chat_template` compiles templates in (`transformers.utils.chat_template_utils._compile_jinja_template`:
ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception, namespace),
and writes jinja_feature_cases.json for TokenizerTests/JinjaFeatureTests.

    (installs transformers, jinja2 and tokenizers at the versions below when missing)
    python3 make_jinja_feature_fixtures.py
"""
import importlib.util
import subprocess
import sys

# The versions these fixtures were made with; missing ones are installed first.
REQUIREMENTS = {"transformers": "transformers==5.24.0", "jinja2": "jinja2==3.1.6", "tokenizers": "tokenizers==0.23.3"}
_missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if _missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", *_missing])

import json
import os

from transformers.utils.chat_template_utils import _compile_jinja_template

HERE = os.path.dirname(os.path.abspath(__file__))

CONTEXT = {
    "d": {"a": 1, "b": "two", "nested": {"x": [1, 2]}},
    "xs": [1, 2, 3, 4, 5],
    "x": "val",
    "msgs": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},
             {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],
    "flag": True,
}

SNIPPETS = {
    "lstrip_trim_blocks": "a\n  {% if flag %}\n    yes\n  {% endif %}\nb\n\t{% for i in xs[:2] %}\n\t{{ i }}\n\t{% endfor %}\nc",
    "minus_strips_all": "x   {{- ' y ' -}}   \n\n z {%- if true -%}   w   {%- endif -%}  !",
    "plus_keeps": "  {%+ if true %}kept{% endif %}\n  {% if true +%}\nno-trim{% endif %}",
    "comments": "line1 {# comment #}\nline2\n   {# own line #}\nline3 {#- strip -#}   4",
    "variables_not_lstripped": "  {{ 'v' }}\n  {{- 'w' }}",
    "trailing_newline_dropped": "text\n",
    "crlf": "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc",
    "for_items_unpack": "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "loop_vars": "{% for x in xs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/"
                 "{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}",
    "loop_prev_next": "{% for x in xs[:3] %}[{{ loop.previtem }}-{{ loop.nextitem }}]{% endfor %}",
    "for_else": "{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}one{% else %}empty{% endfor %}",
    "filter_in_iterable": "{% for m in msgs | selectattr('role', 'equalto', 'user') %}{{ m.content }},{% endfor %}",
    "for_if_clause": "{% for x in xs if x is odd %}{{ loop.index }}:{{ x }} {% endfor %}",
    "nested_loops": "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}"
                    "{{ loop.index }}|{% endfor %}",
    "break_continue": "{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}"
                      "{{ x }}{% endfor %}",
    "namespace": "{% set ns = namespace(n=0, s='') %}{% for x in xs %}{% set ns.n = ns.n + x %}"
                 "{% set ns.s = ns.s ~ x %}{% endfor %}{{ ns.n }} {{ ns.s }}",
    "loop_scope": "{% set y = 1 %}{% for x in xs %}{% set y = x %}{% endfor %}{{ y }}",
    "set_block": "{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]",
    "set_tuple": "{% set a, b = 1, 'z' %}{{ a }}{{ b }}",
    "macro": "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
             "{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}",
    "macro_loop": "{% macro m(items) %}{% for i in items %}<{{ i }}>{% endfor %}{% endmacro %}{{ m([1, 2]) }}{{ m('ab') }}",
    "literals": "{{ 'a\\'b' }}|{{ \"tab\\there\" }}|{{ 42 }}|{{ 3.5 }}|{{ 1e3 }}|{{ 1_000 }}|{{ true }}|{{ True }}|"
                "{{ none }}|{{ None }}|{{ false }}|{{ [1, 'a', none, true, 2.0] }}|{{ {'k': 'v', 'n': 1} }}|{{ 'a' 'b' }}",
    "string_reprs": "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'nl\\n', 'back\\\\slash', 'é☕'] }}",
    "unicode_escapes": "{{ '\\u00e9\\x41\\n' }}",
    "code_points": "{{ 'e\\u0301x'[1] == '\\u0301' }}|{{ '👍🏽' | length }}|{{ 'ab👍🏽'[::-1] == '🏽👍ba' }}|"
                   "{{ 'e\\u0301' | list | length }}|{{ 'e\\u0301x'[1:] | length }}|{{ 'e\\u0301' | reverse | list | length }}|"
                   "{% for c in 'e\\u0301' %}[{{ c | length }}]{% endfor %}|{{ 'é👍' | first }}|{{ 'é👍' | last | length }}",
    "access": "{{ d.a }} {{ d['b'] }} {{ xs[0] }} {{ xs[-1] }} {{ xs.1 }} [{{ d.missing }}] {{ d.nested.x }} "
              "{{ {'a': {'b': [10, 20]}}['a']['b'][1] }} [{{ xs[10] }}]",
    "slicing": "{{ xs[1:] }} {{ xs[:2] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} "
               "{{ xs[-2:] }} {{ xs[5:] }} {{ xs[1:-1] }} {{ xs[-1:0:-2] }}",
    "arithmetic": "{{ 7 + 2 }} {{ 7 - 2 }} {{ 7 * 2 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} "
                  "{{ 2 ** 10 }} {{ 1 + 2.5 }} {{ 'ab' ~ 1 ~ none }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ 4 / 2 }} "
                  "{{ xs | length - 1 }} {{ -1 | abs }} {{ 'a' + 'b' | upper }} {{ 2 * 3 + 1 }} {{ 2 + 3 * 4 }}",
    "floats": "{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-7 }} {{ 10 / 4 }} {{ [1.5, 'x'] }} {{ 2.5e-3 }} {{ 100.0 }}",
    "comparisons": "{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 2 <= 2 }} {{ 'abc' >= 'abd' }} "
                   "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} "
                   "{{ undefined_thing == none }} {{ true == 1 }} {{ [1, 2] == [1, 2] }} {{ d == d }}",
    "logic": "{{ true and 'x' }} {{ false or 'y' }} {{ not none }} {{ 0 or [] }} [{{ 'a' if false }}] "
             "{{ 'a' if 1 > 2 else 'b' }} {{ not 1 == 2 }} {{ (xs | length > 2) and 'long' or 'short' }}",
    "if_chain": "{% for v in [1, 2, 3, 4] %}{% if v == 1 %}A{% elif v == 2 %}B{% elif v == 3 %}C{% else %}D{% endif %}{% endfor %}",
    "tests": "{{ u is defined }} {{ u is undefined }} {{ none is none }} {{ 's' is string }} {{ d is mapping }} "
             "{{ xs is iterable }} {{ 's' is iterable }} {{ 5 is iterable }} {{ xs is sequence }} {{ 1 is number }} "
             "{{ 1.5 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is integer }} "
             "{{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }} "
             "{{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} "
             "{{ 'a' is equalto 'a' }} {{ 2 is eq 3 }} {{ x is not none }} {{ none is not none }} {{ d is not mapping }} "
             "{{ u is iterable }} {{ x is string and x is not mapping }}",
    "string_filters": "{{ '  pad  ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hello WORLD' | capitalize }}|"
                      "{{ 'hello wORLD-foo (bar) x_y' | title }}|{{ 'abc' | length }}|{{ xs | count }}|"
                      "{{ 'a-b-c' | replace('-', '+') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 42 | string }}|"
                      "{{ u | default('dflt') }}|{{ '' | d('empty', true) }}|{{ none | default('x') }}|{{ '' | default('x') }}|"
                      "{{ 'xxhixx' | trim('x') }}",
    "list_filters": "{{ xs | join(', ') }}|{{ xs | first }}|{{ xs | last }}|{{ 'abc' | list }}|{{ xs | reverse | list }}|"
                    "{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}|"
                    "{{ [1, 2, 1, 3] | unique | list }}|{{ ['a', 'A', 'b'] | unique | list }}|{{ -3 | abs }}|"
                    "{{ '42' | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ 3 | float }}|{{ 2.7 | int }}|"
                    "{{ msgs | map(attribute='role') | join(',') }}|"
                    "{{ msgs | rejectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|"
                    "{{ xs | select('odd') | list }}|{{ xs | reject('even') | list }}|{{ 'abc' | reverse }}|"
                    "{{ msgs | selectattr('content') | list | length }}|{{ msgs | map('upper') | list | length }}|"
                    "{{ ['b', 'a'] | map('upper') | join }}|{{ msgs | sort(attribute='content') | map(attribute='content') | join(' ') }}|"
                    "{{ range(3) | list }}|{{ range(1, 7, 2) | list }}",
    "tojson": "{{ d | tojson }}|{{ {'é': 'ü ☕', 'q': 'say \"x\"\\n\\t', 'n': none, 'f': 1.0, 'l': [1, true, false]} | tojson }}|"
              "{{ xs | tojson(indent=2) }}|{{ {} | tojson }}|{{ [] | tojson(indent=2) }}|{{ 'x' | tojson }}|"
              "{{ d | tojson(indent=4) }}|{{ 0.5 | tojson }}|{{ '\\u0001' | tojson }}",
    "tojson_options": "{{ {'é': '☕🐈', 'b': [1, 2]} | tojson(ensure_ascii=true) }}|{{ 'ü' | tojson(true) }}|"
                      "{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(indent=2, separators=(';', ' = ')) }}|"
                      "{{ {'z': 1, 'a': {'y': 2, 'b': 3}} | tojson(sort_keys=true) }}|{{ '\u007f' | tojson(ensure_ascii=true) }}",
    "indent_escape": "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(4, true) }}|{{ 'a\\n\\nb\\n' | indent(2, blank=true) }}|"
                     "{{ '<a href=\"x\">&\\'' | e }}|{{ '<b>' | safe }}|{{ '<b>' | escape }}",
    "string_methods": "{{ '  x  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  x'.lstrip() }}|{{ 'x  '.rstrip() }}|"
                      "{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith('lo') }}|{{ 'hello'.startswith(('x', 'h')) }}|"
                      "{{ 'a b  c'.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|"
                      "{{ 'aXbXc'.replace('X', '-') }}|{{ 'Ab'.upper() }}|{{ 'Ab'.lower() }}|{{ 'hello there'.title() }}|"
                      "{{ '{} and {}'.format('x', 2) }}|{{ '{0}{1}{0}'.format('a', 'b') }}|{{ '{n}!'.format(n=3) }}|"
                      "{{ 'hello'.find('l') }}|{{ 'hello'.find('z') }}|{{ 'hello'.count('l') }}|{{ '-'.join(['a', 'b']) }}|"
                      "{{ 'abc'.capitalize() }}|{{ 'x\\n\\ny'.split('\\n') }}|{{ '<think>a</think>b'.split('</think>')[-1] }}",
    "dict_methods": "{{ d.get('a') }}|{{ d.get('zz') }}|{{ d.get('zz', 'dflt') }}|{{ d.keys() | list }}|"
                    "{{ d.values() | list | length }}|{% for k in d %}{{ k }}{% endfor %}|{{ d | length }}",
    "undefined": "[{{ u }}]{{ u | length }}{% for x in u %}x{% endfor %}{{ u is iterable }}{{ not u }}{{ u == u2 }}"
                 "{{ u | default(5) }}{{ 'x' if u else 'y' }}{{ u ~ 'z' }}",
    "tuples": "{{ (1, 2) }}|{{ ('a',) }}|{{ () }}|{{ d.items() | list }}|{{ d | items | list }}|{{ (1, 2) == [1, 2] }}|"
              "{{ (1, 2) + (3,) }}|{{ (1, 2)[::-1] }}|{{ 2 in (1, 2) }}|{{ (1, 'x') | tojson }}|{{ '%s+%s' % (1, 2) }}|"
              "{{ '%s' % [1, 2] }}|{{ 'x' % [1] }}|{% set a, b = 1, 2 %}{{ (a, b) }}|{{ (2, 1) < (2, 3) }}",
    "percent_format": "{{ '%s-%d' % ('a', 3) }}|{{ '%s!' % 'x' }}|{{ '100%%' % () }}",
    "raw_block": "a {% raw %}{{ not evaluated }} {% if %}{% endraw %} b\n  {% raw -%}  \n  x {{ y }}\n  {%- endraw %}\nc\n"
                 "{% raw %}\n  kept\n  {% endraw %}\nd",
    "generation_tag": "{% generation %}gen {{ 1 }}{% endgeneration %}",
    "truthiness": "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0, 0.1] %}{{ 'T' if v else 'F' }}{% endfor %}",
    "raise": "{% if xs | length > 3 %}{{ raise_exception('too many: ' ~ xs | length) }}{% endif %}",
}


def main():
    cases = []
    for name, source in SNIPPETS.items():
        case = {"name": name, "template": source}
        try:
            case["expected"] = _compile_jinja_template(source).render(**CONTEXT)
        except Exception as error:
            case["error"] = str(error)
        cases.append(case)
    with open(os.path.join(HERE, "jinja_feature_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"context": CONTEXT, "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for c in cases:
        print(c["name"], "=>", repr(c.get("expected", c.get("error"))))


if __name__ == "__main__":
    main()
