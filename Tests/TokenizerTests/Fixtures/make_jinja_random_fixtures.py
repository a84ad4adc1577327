"""Random expressions (fixed seed) over literals, context variables, operators, filters, tests and methods, each
rendered as `{{ expr }}` by transformers' chat-template Jinja environment (`_compile_jinja_template`), written to
jinja_random_cases.json for TokenizerTests/JinjaRandomTests; plus random templates of text, output, comment,
if, for and set tags with every whitespace-control variant (`{%-`, `{%+`, `-%}`, `+%}`, …). Lazy filters (map, select, unique, reverse) are always
consumed with `| list`, as templates do, since a bare generator prints its memory address. A case where Jinja
raised is kept as {"error": true}: ours must raise too (messages differ, so only the fact is compared).

    (installs transformers, jinja2 and tokenizers at the versions below when missing)
    python3 make_jinja_random_fixtures.py
"""
import importlib.util
import subprocess
import sys

# The versions these fixtures were made with; missing ones are installed first.
REQUIREMENTS = {"transformers": "transformers==5.24.0", "jinja2": "jinja2==3.1.6", "tokenizers": "tokenizers==0.23.3"}
_missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if _missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", *_missing])

import copy
import json
import os
import random
import re

from transformers.utils.chat_template_utils import _compile_jinja_template

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT = {"xs": [3, 1, 2], "d": {"a": 1, "b": "two"}, "x": "Val", "n": 7, "f": 2.5, "e": [], "s": "  pad me  ",
           "m": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}

ATOMS = ["0", "1", "2", "-3", "7", "10", "0.5", "2.25", "-1.5", "'a'", "'Ab c'", "''", "'x,y'", "[1, 2]", "[]",
         "['b', 'a']", "none", "true", "false", "xs", "d", "x", "n", "f", "e", "s", "m", "u", "{'k': 1}", "(1, 2)", "('a',)", "()"]
BINARY = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">", "<=", ">=", "and", "or", "in", "not in", "**"]
FILTERS = ["length", "string", "upper", "lower", "trim", "first", "last", "list", "reverse | list", "sort", "unique | list",
           "join(',')", "tojson", "abs", "int", "float", "default('z')", "d('z', true)", "capitalize", "title",
           "count", "replace('a', 'o')", "items | list", "map(attribute='role') | list", "selectattr('role', 'equalto', 'user') | list",
           "tojson(indent=1)", "indent(2)", "e"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "odd", "even", "iterable", "mapping",
         "sequence", "boolean", "true", "false", "divisibleby 2", "equalto 1", "float"]
METHODS = ["strip()", "upper()", "lower()", "split()", "split(',')", "startswith('a')", "endswith('c')",
           "replace('a', 'b')", "title()", "find('a')", "count('a')", "get('a')"]


# Jinja folds an all-constant expression at compile time through the sandbox's lenient getitem, so `3[1:2]` is ''
# while `n[1:2]` raises; templates slice variables, so slices here always apply to one.
VARIABLES = re.compile(r"\b(" + "|".join(list(CONTEXT) + ["u"]) + r")\b")


def expr(rng, depth):
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(ATOMS)
    kind = rng.random()
    if kind < 0.35:
        return f"({expr(rng, depth - 1)} {rng.choice(BINARY)} {expr(rng, depth - 1)})"
    if kind < 0.55:
        return f"({expr(rng, depth - 1)} | {rng.choice(FILTERS)})"
    if kind < 0.68:
        neg = rng.choice(["", "not "])
        return f"({expr(rng, depth - 1)} is {neg}{rng.choice(TESTS)})"
    if kind < 0.78:
        return f"({expr(rng, depth - 1)}).{rng.choice(METHODS)}"
    if kind < 0.86:
        return f"({expr(rng, depth - 1)} if {expr(rng, depth - 1)} else {expr(rng, depth - 1)})"
    if kind < 0.93:
        a, b = rng.choice(["", "1", "-1", "0", "2"]), rng.choice(["", "2", "-1", "10"])
        step = rng.choice(["", ":-1", ":2"])
        base = expr(rng, depth - 1)
        if not VARIABLES.search(base.replace("'", " ' ")) or " if " in base:
            base = rng.choice(["xs", "x", "s", "m", "e", "n", "d", "f"])
        return f"({base})[{a}:{b}{step}]"
    return f"(not {expr(rng, depth - 1)})"


TEXTS = ["", " ", "  ", "\n", " \n", "\n  ", "\t", "x", " y ", "\n\n", "z\n", "  w  \n  ", "\r\n", "\n\t "]


def tag(rng, body):
    return rng.choice(["{%", "{%-", "{%+"]) + " " + body + " " + rng.choice(["%}", "-%}", "+%}"])


def statements(rng, depth):
    """Random text, output, comment, if, for and set pieces, with every whitespace-control variant."""
    out = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.3 or depth <= 0:
            out.append(rng.choice(TEXTS))
        elif kind < 0.45:
            out.append(rng.choice(["{{", "{{-"]) + " " + rng.choice(["x", "n", "loop.index", "xs | length", "'q'"])
                       + " " + rng.choice(["}}", "-}}"]))
        elif kind < 0.55:
            out.append(rng.choice(["{#", "{#-"]) + " c " + rng.choice(["#}", "-#}", "+#}"]))
        elif kind < 0.72:
            body = tag(rng, "if " + rng.choice(["n > 3", "e", "x", "u is defined"])) + statements(rng, depth - 1)
            if rng.random() < 0.5:
                body += tag(rng, "else") + statements(rng, depth - 1)
            out.append(body + tag(rng, "endif"))
        elif kind < 0.88:
            out.append(tag(rng, "for i in xs[:2]") + statements(rng, depth - 1) + tag(rng, "endfor"))
        else:
            out.append(tag(rng, "set n = n + 1"))
        out.append(rng.choice(TEXTS))
    return "".join(out)


def render(env, source):
    try:
        # A fresh copy each time: Jinja's indent filter on a list extends it in place (`s += "\n"`).
        return env.from_string(source).render(**copy.deepcopy(CONTEXT)), None
    except Exception as error:
        return None, error


def main():
    env = _compile_jinja_template("").environment
    rng = random.Random(20261201)
    cases, seen = [], set()
    while len(cases) < 1500:
        source = "{{ " + expr(rng, 3) + " }}"
        if source in seen:
            continue
        seen.add(source)
        rendered, error = render(env, source)
        cases.append({"template": source, "error": True} if error else {"template": source, "expected": rendered})
    templates, seen = [], set()
    while len(templates) < 600:
        source = statements(rng, 3)
        if source in seen:
            continue
        seen.add(source)
        rendered, error = render(env, source)
        templates.append({"template": source, "error": True} if error else {"template": source, "expected": rendered})
    with open(os.path.join(HERE, "jinja_random_cases.json"), "w", encoding="utf-8") as f:
        # One case per line keeps the file small and its diffs readable.
        def lines(items):
            return ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
        f.write('{"context": ' + json.dumps(CONTEXT, ensure_ascii=False) + ',\n"cases": [\n' + lines(cases)
                + '\n],\n"templates": [\n' + lines(templates) + "\n]}\n")
    print(len(cases), "cases,", sum("error" in c for c in cases), "raise;", len(templates), "templates,",
          sum("error" in c for c in templates), "raise")


if __name__ == "__main__":
    main()
