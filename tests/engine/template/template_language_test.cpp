// Language features of the Jinja interpreter, checked case by case against
// the output of real Jinja2 3.1.6 rendering with Hugging Face's environment
// (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
// raise_exception, json.dumps-based tojson). The expected strings were produced
// by that Python renderer and pasted here; a case marked `error` must fail.
#include <gtest/gtest.h>

#include "engine/template/chat_template.h"
#include "template_case.h"

namespace pg::jinja {
namespace {

constexpr const char* kContext = R"json({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello!"}], "x": {"a": 1, "items": [1, 2], "b": null}, "s": "  Hello World  ", "n": 5, "f": 2.5, "l": [3, 1, 2], "u": "\u00dcn\u00efc\u00f6d\u00e9 \u00df"})json";

constexpr const char* kChatContext = R"json({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], "n": 2})json";

const TemplateCase kArithmetic[] = {
    {"{{ 1 + 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|{{ 2 ** 10 }}|{{ 2 ** -2"
      " }}|{{ 7 / 2 }}|{{ 6 / 3 }}",
     false, "3|3|-4|1|2|-2|1024|0.25|3.5|2.0"},
    {"{{ 7.5 // 2 }}|{{ -7.5 // 2 }}|{{ 7.5 % 2 }}|{{ -7.5 % 2 }}|{{ 1e100 }}|{{ 1.5e-7 }}|{{ 0.1 + 0.2 }}|"
      "{{ 1/3 }}|{{ 2.0 ** 0.5 }}",
     false, "3.0|-4.0|1.5|0.5|1e+100|1.5e-07|0.30000000000000004|0.3333333333333333|1.4142135623730951"},
    {"{{ 'a' + 'b' }}|{{ 'ab' * 3 }}|{{ 3 * 'ab' }}|{{ [1] * 3 }}|{{ [1, 2] + [3] }}|{{ (1, 2) + (3,) }}|{{"
      " 'x' ~ 1 ~ none ~ true }}",
     false, "ab|ababab|ababab|[1, 1, 1]|[1, 2, 3]|(1, 2, 3)|x1NoneTrue"},
    {"{{ -n }}|{{ +n }}|{{ -f }}|{{ not n }}|{{ -2 ** 2 }}|{{ 2 ** 3 ** 2 }}|{{ 10 - 2 - 3 }}|{{ 2 * 3 + 4 "
      "}}|{{ 2 + 3 * 4 }}",
     false, "-5|5|-2.5|False|4|64|5|10|14"},
    {"{{ 1 / 0 }}",
     true, ""},  // ZeroDivisionError: division by zero
    {"{{ 1 // 0 }}",
     true, ""},  // ZeroDivisionError: integer division or modulo by zero
    {"{{ 1 % 0 }}",
     true, ""},  // ZeroDivisionError: integer modulo by zero
    {"{{ 'a' - 1 }}",
     true, ""},  // TypeError: unsupported operand type(s) for -: 'str' and 'int'
    {"{{ [1] + (2,) }}",
     true, ""},  // TypeError: can only concatenate list (not "tuple") to list
    {"{{ none + 1 }}",
     true, ""},  // TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'
    {"{{ true + true }}|{{ true * 3 }}|{{ 3 == 3.0 }}|{{ 1 == true }}|{{ 0 == false }}|{{ '1' == 1 }}",
     false, "2|3|True|True|True|False"},
    {"{{ 1 < 2 < 3 }}|{{ 1 < 3 < 2 }}|{{ 'a' < 'b' }}|{{ 'B' < 'a' }}|{{ [1, 2] < [1, 3] }}|{{ [1] < [1, 0]"
      " }}|{{ (1, 2) >= (1, 2) }}",
     false, "True|False|True|True|True|True|True"},
    {"{{ 'a' in 'cat' }}|{{ 'z' not in 'cat' }}|{{ 1 in [1, 2] }}|{{ 'a' in {'a': 1} }}|{{ 3 in x }}|{{ 'it"
      "ems' in x }}",
     false, "True|True|True|True|False|True"},
    {"{{ 1 in 'abc' }}",
     true, ""},  // TypeError: 'in <string>' requires string as left operand, not int
    {"{{ [] < 1 }}",
     true, ""},  // TypeError: '<' not supported between instances of 'list' and 'int'
    {"{{ none < none }}",
     true, ""},  // TypeError: '<' not supported between instances of 'NoneType' and 'NoneType'
    {"{{ {'a': 1} < {'b': 2} }}",
     true, ""},  // TypeError: '<' not supported between instances of 'dict' and 'dict'
    {"{{ 1 and 2 }}|{{ 0 and 2 }}|{{ 1 or 2 }}|{{ 0 or '' }}|{{ none or 'd' }}|{{ not none }}|{{ [] or {} }"
      "}",
     false, "2|0|1||d|True|{}"},
    {"{{ 'y' if n > 3 else 'n' }}|{{ 'y' if n > 10 }}|{{ ('y' if false) is defined }}|{{ 'a' if false else "
      "'b' if true else 'c' }}",
     false, "y||False|b"},
};

const TemplateCase kPrinting[] = {
    {"{{ none }}|{{ true }}|{{ false }}|{{ [1, 'a', none, true, 2.0] }}|{{ {'k': 'v', 'n': [1]} }}|{{ (1,) "
      "}}|{{ () }}|{{ x }}",
     false, "None|True|False|[1, 'a', None, True, 2.0]|{'k': 'v', 'n': [1]}|(1,)|()|{'a': 1, 'items': [1, 2], 'b':"
      " None}"},
    {"{{ \"it's\" }}|{{ ['it\\'s', 'say \"hi\"', 'both \\' \"'] }}|{{ ['tab\\tnl\\n', '\\x01\\x7f', 'é', '\\"
      "u00a0', '\\u200b'] }}",
     false, "it's|[\"it's\", 'say \"hi\"', 'both \\' \"']|['tab\\tnl\\n', '\\x01\\x7f', 'é', '\\xa0', '\\u200b']"},
    {"{{ 1e16 }}|{{ 1e15 }}|{{ 123456789012345678 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ -0.0 }}|{{ 1.0e0 }}|{{ 1"
      "00.0 }}|{{ 1.23456789e-10 }}",
     false, "1e+16|1000000000000000.0|123456789012345678|0.0001|1e-05|-0.0|1.0|100.0|1.23456789e-10"},
    {"{{ 0x1F }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1_000 }}|{{ 1_0.5 }}|{{ 3.14 }}|{{ 1E3 }}",
     false, "31|15|5|1000|10.5|3.14|1000.0"},
    {"{{ 'a' 'b' \"c\" }}|{{ '\\n\\t\\\\' }}|{{ '\\101\\x41\\u0041' }}|{{ 'unknown \\d escape' }}",
     false, "abc|\n"
      "\t\\|AAA|unknown \\d escape"},
};

const TemplateCase kAccess[] = {
    {"{{ s[2] }}|{{ s[-3] }}|{{ u[0] }}|{{ u[-1] }}|{{ u | length }}|{{ s | length }}",
     false, "H|d|Ü|ß|9|15"},
    {"{{ l[1:] }}|{{ l[:-1] }}|{{ l[::-1] }}|{{ l[::2] }}|{{ s[2:7] }}|{{ u[::-1] }}|{{ u[1:3] }}|{{ l[5:] "
      "}}|{{ l[-100:100] }}|{{ l[2:0:-1] }}",
     false, "[1, 2]|[3, 1]|[2, 1, 3]|[3, 2]|Hello|ß édöcïnÜ|nï|[]|[3, 1, 2]|[2, 1]"},
    {"{{ x.b }}|{{ x.b is none }}|{{ x.b.foo }}",
     false, "None|True|"},
    {"{{ nope.foo }}",
     true, ""},  // UndefinedError: 'nope' is undefined
    {"{{ nope['foo'] }}",
     true, ""},  // UndefinedError: 'nope' is undefined
    {"{{ nope() }}",
     true, ""},  // UndefinedError: 'nope' is undefined
    {"{{ nope | upper }}|{{ nope }}|{{ nope is defined }}",
     false, "||False"},
    {"{{ messages[0].role }}|{{ messages[-1]['content'] }}|{{ messages | length }}|{{ messages[1:] | length"
      " }}",
     false, "system|Hello!|3|2"},
    {"{{ x.get('a') }}|{{ x.get('zz') }}|{{ x.get('zz', 'dflt') }}|{{ x.keys() | list }}|{{ x.values() | li"
      "st }}|{{ x.items() | list }}",
     false, "1|None|dflt|['a', 'items', 'b']|[1, [1, 2], None]|[('a', 1), ('items', [1, 2]), ('b', None)]"},
    {"{{ x.keys() }}|{{ x.values() }}|{{ x.items() }}|{{ range(3) }}|{{ range(1, 10, 3) }}|{{ range(3) | li"
      "st }}",
     false, "dict_keys(['a', 'items', 'b'])|dict_values([1, [1, 2], None])|dict_items([('a', 1), ('items', [1, 2])"
      ", ('b', None)])|range(0, 3)|range(1, 10, 3)|[0, 1, 2]"},
};

const TemplateCase kStringMethods[] = {
    {"{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ s.upper() }}|{{ s.lowe"
      "r() }}|{{ s.title() }}|{{ 'hELLO wORLD'.capitalize() }}",
     false, "Hello World|Hello World  |  Hello World|hi|  HELLO WORLD  |  hello world  |  Hello World  |Hello worl"
      "d"},
    {"{{ 'a,b,,c'.split(',') }}|{{ ' a  b c '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a,b,c'.rsplit(',',"
      " 1) }}|{{ ' a b '.rsplit() }}|{{ 'a b c'.rsplit(None, 1) }}",
     false, "['a', 'b', '', 'c']|['a', 'b', 'c']|['a', 'b c']|['a,b', 'c']|['a', 'b']|['a b', 'c']"},
    {"{{ 'hello'.startswith('he') }}|{{ 'hello'.endswith(('lo', 'x')) }}|{{ 'hello'.startswith('l', 2) }}|{"
      "{ 'hello'.find('l') }}|{{ 'hello'.rfind('l') }}|{{ 'hello'.find('z') }}|{{ 'hello'.count('l') }}",
     false, "True|True|True|2|3|-1|2"},
    {"{{ 'hello'.replace('l', 'L') }}|{{ 'hello'.replace('l', 'L', 1) }}|{{ 'abc'.replace('', '-') }}|{{ '-"
      "'.join(['a', 'b']) }}|{{ ', '.join(l | map('string')) }}",
     false, "heLLo|heLlo|-a-b-c-|a-b|3, 1, 2"},
    {"{{ 'abc'.isalpha() }}|{{ '123'.isdigit() }}|{{ '  '.isspace() }}|{{ ''.isspace() }}|{{ 'Abc'.isupper("
      ") }}|{{ 'abc'.islower() }}|{{ 'Hello World'.istitle() }}|{{ 'a1'.isalnum() }}",
     false, "True|True|True|False|False|True|True|True"},
    {"{{ 'ab'.center(6, '*') }}|{{ 'ab'.ljust(5) }}|{{ 'ab'.rjust(5, '.') }}|{{ '42'.zfill(5) }}|{{ '-42'.z"
      "fill(5) }}|{{ 'a=b=c'.partition('=') }}|{{ 'a=b=c'.rpartition('=') }}",
     false, "**ab**|ab   |...ab|00042|-0042|('a', '=', 'b=c')|('a=b', '=', 'c')"},
    {"{{ 'line1\\nline2\\r\\nline3'.splitlines() }}|{{ 'x\\ny\\n'.splitlines(true) }}|{{ 'prefix_body'.remo"
      "veprefix('prefix_') }}|{{ 'a\\tb'.expandtabs(4) }}",
     false, "['line1', 'line2', 'line3']|['x\\n', 'y\\n']|body|a   b"},
    {"{{ '{} and {}'.format('a', 'b') }}|{{ '{0}{1}{0}'.format('x', 'y') }}|{{ '{name}!'.format(name='Bob')"
      " }}|{{ '{:>6}|{:<6}|{:^6}'.format('a', 'b', 'c') }}|{{ '{:.2f} {:5d} {:,}'.format(3.14159, 42, 123456"
      "7) }}",
     false, "a and b|xyx|Bob!|     a|b     |  c   |3.14    42 1,234,567"},
    {"{{ '{:x} {:#x} {:08.3f} {:+d} {:e} {:%}'.format(255, 255, 3.14159, 5, 12345.678, 0.25) }}|{{ '{0[a]} "
      "{0.a}'.format({'a': 7}) }}|{{ '{!r}'.format('q') }}",
     false, "ff 0xff 0003.142 +5 1.234568e+04 25.000000%|7 7|'q'"},
    {"{{ 'hello' | upper }}|{{ 'HeLLo' | lower }}|{{ 'hello world-foo (bar)' | title }}|{{ \"they're bill's"
      "\" | title }}|{{ \"they're\".title() }}|{{ 'hELLO' | capitalize }}",
     false, "HELLO|hello|Hello World-Foo (Bar)|They're Bill's|They'Re|Hello"},
    {"{{ u.upper() }}|{{ u.lower() }}|{{ u | title }}",
     false, "ÜNÏCÖDÉ SS|ünïcödé ß|Ünïcödé SS"},
};

const TemplateCase kFilters[] = {
    {"{{ s | trim }}|{{ 'xxaxx' | trim('x') }}|{{ l | first }}|{{ l | last }}|{{ l | sort }}|{{ l | sort(re"
      "verse=true) }}|{{ l | sum }}|{{ l | min }}|{{ l | max }}|{{ l | length }}|{{ l | count }}",
     false, "Hello World|a|3|2|[1, 2, 3]|[3, 2, 1]|6|1|3|3|3"},
    {"{{ [] | first }}|{{ [] | last }}|{{ [] | min }}|{{ 'abc' | first }}|{{ 'abc' | last }}|{{ x | first }"
      "}|{{ x | last }}",
     false, "|||a|c|a|b"},
    {"{{ l | join }}|{{ l | join(', ') }}|{{ messages | join(',', attribute='role') }}|{{ messages | map(at"
      "tribute='role') | join('/') }}|{{ messages | map(attribute='nope', default='?') | list }}",
     false, "312|3, 1, 2|system,user,assistant|system/user/assistant|['?', '?', '?']"},
    {"{{ l | map('string') | list }}|{{ ['a', 'B'] | map('upper') | list }}|{{ [1.5, 2.7] | map('round') | "
      "list }}|{{ [1.55, 2.77] | map('round', 1) | list }}",
     false, "['3', '1', '2']|['A', 'B']|[2.0, 3.0]|[1.6, 2.8]"},
    {"{{ messages | selectattr('role', 'equalto', 'user') | list | length }}|{{ messages | rejectattr('role"
      "', 'eq', 'user') | map(attribute='role') | list }}|{{ [0, 1, 2, 3] | select('odd') | list }}|{{ [0, 1"
      ", 2, 3] | reject('even') | list }}|{{ [0, 1, '', none, 'a'] | select | list }}",
     false, "1|['system', 'assistant']|[1, 3]|[1, 3]|[1, 'a']"},
    {"{{ messages | selectattr('role', 'in', ['user', 'system']) | map(attribute='content') | list }}|{{ [1"
      ", 5, 10] | select('gt', 4) | list }}|{{ [1,2,3,4] | select('divisibleby', 2) | list }}",
     false, "['Be brief.', 'Hi there']|[5, 10]|[2, 4]"},
    {"{{ x | dictsort }}|{{ {'b': 1, 'A': 2, 'c': 0} | dictsort }}|{{ {'b': 1, 'A': 2, 'c': 0} | dictsort(t"
      "rue) }}|{{ {'b': 1, 'A': 2, 'c': 0} | dictsort(by='value', reverse=true) }}",
     false, "[('a', 1), ('b', None), ('items', [1, 2])]|[('A', 2), ('b', 1), ('c', 0)]|[('A', 2), ('b', 1), ('c', "
      "0)]|[('A', 2), ('b', 1), ('c', 0)]"},
    {"{{ x | items | list }}|{{ nope | items | list }}|{{ x | list }}|{{ 'ab' | list }}|{{ x | length }}",
     false, "[('a', 1), ('items', [1, 2]), ('b', None)]|[]|['a', 'items', 'b']|['a', 'b']|3"},
    {"{{ ['b', 'A', 'c'] | sort }}|{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}|{{ messages | sort(att"
      "ribute='role') | map(attribute='role') | list }}|{{ [{'a': 2, 'b': 1}, {'a': 1, 'b': 2}] | sort(attri"
      "bute='a,b') }}",
     false, "['A', 'b', 'c']|['A', 'b', 'c']|['assistant', 'system', 'user']|[{'a': 1, 'b': 2}, {'a': 2, 'b': 1}]"},
    {"{{ [1, 2, 1, 'a', 'A'] | unique | list }}|{{ ['a', 'A'] | unique(case_sensitive=true) | list }}|{{ [3"
      ", 1, 2] | reverse | list }}|{{ 'abc' | reverse }}",
     false, "[1, 2, 'a']|['a', 'A']|[2, 1, 3]|cba"},
    {"{{ -3 | abs }}|{{ -2.5 | abs }}|{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 2.1 | r"
      "ound(0, 'ceil') }}|{{ 2.9 | round(method='floor') }}|{{ 7 | round }}|{{ 1234 | round(-2) }}",
     false, "3|2.5|2.0|4.0|2.67|3.0|2.0|7|1200"},
    {"{{ '42' | int }}|{{ '4.7' | int }}|{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ 3.9 | int }}|{{ '0x1A' | int"
      "(0, 16) }}|{{ '1A' | int(base=16) }}|{{ none | int }}|{{ true | int }}",
     false, "42|4|0|7|3|26|26|0|1"},
    {"{{ '3.5' | float }}|{{ 'x' | float }}|{{ 3 | float }}|{{ '1e3' | float }}|{{ ' 2 ' | float }}|{{ 'inf"
      "' | float }}",
     false, "3.5|0.0|3.0|1000.0|2.0|inf"},
    {"{{ 5 | string }}|{{ none | string }}|{{ [1] | string }}|{{ 'a' | string }}",
     false, "5|None|[1]|a"},
    {"{{ nope | default('d') }}|{{ nope | d('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{"
      "{ none | default('d') }}|{{ 0 | d('z', boolean=true) }}",
     false, "d|d||d|None|z"},
    {"{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }"
      "}|{{ 'a\\nb' | indent('> ') }}",
     false, "a\n"
      "    b\n"
      "\n"
      "    c|  a\n"
      "  b|a\n"
      "  \n"
      "  b|a\n"
      "> b"},
    {"{{ 'hi' | center(10) }}|{{ 'hi' | center(9) }}|{{ 'hello world foo' | wordcount }}|{{ 'one,two three'"
      " | wordcount }}",
     false, "    hi    |    hi   |3|3"},
    {"{{ 'The quick brown fox jumps over the lazy dog' | truncate(20) }}|{{ 'The quick brown fox jumps' | t"
      "runcate(10, true) }}|{{ 'short' | truncate(10) }}|{{ 'The quick brown fox' | truncate(15, end='…') }}"
      "|{{ 'abcdefghijklmnop' | truncate(10, leeway=0) }}",
     false, "The quick brown...|The qui...|short|The quick brown fox|abcdefg..."},
    {"{{ '%s is %d years' | format('Bob', 42) }}|{{ '%(a)s-%(b)s' | format(a=1, b=2) }}|{{ '%5.1f|%-5s|%05d"
      "|%x|%r' | format(3.14159, 'ab', 42, 255, 'q') }}|{{ '%s' % 'x' }}|{{ '%s %s' % (1, 2) }}|{{ '%%' % ()"
      " }}",
     false, "Bob is 42 years|1-2|  3.1|ab   |00042|ff|'q'|x|1 2|%"},
    {"{{ '<p>Hello &amp; <b>bye</b></p>  <!-- c -->  x' | striptags }}|{{ '<a href=\"x\">' | e }}|{{ '<a>' "
      "| escape }}|{{ ('<b>' | safe) ~ '<i>' }}|{{ ('<b>' | e) + '<i>' }}",
     false, "Hello & bye x|&lt;a href=&#34;x&#34;&gt;|&lt;a&gt;|<b><i>|&lt;b&gt;&lt;i&gt;"},
    {"{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ [1, 2, 3, 4, 5] | batch(2, 0) | list }}|{{ [1, 2, 3, 4, 5]"
      " | slice(2) | list }}|{{ [1, 2, 3, 4, 5] | slice(3, 'x') | list }}",
     false, "[[1, 2], [3, 4], [5]]|[[1, 2], [3, 4], [5, 0]]|[[1, 2, 3], [4, 5]]|[[1, 2], [3, 4], [5, 'x']]"},
    {"{% for g in messages | groupby('role') %}{{ g.grouper }}={{ g.list | length }};{% endfor %}|{{ [{'k':"
      " 'a', 'v': 1}, {'k': 'A', 'v': 2}] | groupby('k') }}",
     false, "assistant=1;system=1;user=1;|[('a', [{'k': 'a', 'v': 1}, {'k': 'A', 'v': 2}])]"},
    {"{{ [1, 2] | sum(start=10) }}|{{ messages | sum(attribute='nope', start=0) if false else 0 }}|{{ [[1],"
      " [2]] | sum(start=[]) }}|{{ [{'n': 1}, {'n': 2}] | sum(attribute='n') }}",
     false, "13|0|[1, 2]|3"},
    {"{{ x | tojson }}|{{ messages | tojson }}|{{ 'é\"\\n' | tojson }}|{{ [1.0, 2.5, none, true] | tojson }"
      "}|{{ x | tojson(indent=2) }}|{{ {'b': 1, 'a': [1, {}], 'c': []} | tojson(indent=2, sort_keys=true) }}",
     false, "{\"a\": 1, \"items\": [1, 2], \"b\": null}|[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"ro"
      "le\": \"user\", \"content\": \"Hi there\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}]|\"é\\"
      "\"\\n\"|[1.0, 2.5, null, true]|{\n"
      "  \"a\": 1,\n"
      "  \"items\": [\n"
      "    1,\n"
      "    2\n"
      "  ],\n"
      "  \"b\": null\n"
      "}|{\n"
      "  \"a\": [\n"
      "    1,\n"
      "    {}\n"
      "  ],\n"
      "  \"b\": 1,\n"
      "  \"c\": []\n"
      "}"},
    {"{{ x | tojson(separators=(',', ':')) }}|{{ 'é' | tojson(true) }}|{{ {1: 2, none: 3, true: 4} | tojson"
      " }}|{{ (1, 2) | tojson }}|{{ 1e20 | tojson }}|{{ 'x' | tojson(indent='\\t') }}",
     false, "{\"a\":1,\"items\":[1,2],\"b\":null}|\"\\u00e9\"|{\"1\": 4, \"null\": 3}|[1, 2]|1e+20|\"x\""},
    {"{{ nope | tojson }}",
     true, ""},  // TypeError: Object of type Undefined is not JSON serializable
    {"{{ range(2) | tojson }}",
     true, ""},  // TypeError: Object of type range is not JSON serializable
    {"{{ x.items() | tojson }}",
     true, ""},  // TypeError: Object of type dict_items is not JSON serializable
    {"{{ 1024 | filesizeformat }}|{{ 1000000 | filesizeformat }}|{{ 1 | filesizeformat }}|{{ 2048 | filesiz"
      "eformat(true) }}|{{ 'a b&c' | urlencode }}|{{ {'a': 'x y', 'b': 2} | urlencode }}|{{ {'class': 'a', '"
      "id': none} | xmlattr }}",
     false, "1.0 kB|1.0 MB|1 Byte|2.0 KiB|a%20b%26c|a=x+y&b=2| class=\"a\""},
    {"{{ messages | attr('length') }}|{{ x | attr('a') }}|{{ x | attr('items') is callable }}|{{ [1, [2]] |"
      " pprint }}",
     false, "||True|[1, [2]]"},
};

const TemplateCase kTests[] = {
    {"{{ n is defined }}|{{ nope is undefined }}|{{ none is none }}|{{ true is boolean }}|{{ 1 is boolean }"
      "}|{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ 1 is integer }}|{{ true is integer }}|{{"
      " 1.0 is float }}|{{ 1 is number }}|{{ true is number }}",
     false, "True|True|True|True|False|True|False|True|True|False|True|True|True"},
    {"{{ 's' is string }}|{{ x is mapping }}|{{ l is mapping }}|{{ l is iterable }}|{{ 's' is iterable }}|{"
      "{ 1 is iterable }}|{{ l is sequence }}|{{ x is sequence }}|{{ 's' is sequence }}|{{ nope is iterable "
      "}}|{{ range is callable }}|{{ 1 is callable }}",
     false, "True|True|False|True|True|False|True|True|True|True|True|False"},
    {"{{ 3 is odd }}|{{ 3 is even }}|{{ 9 is divisibleby 3 }}|{{ 9 is divisibleby(4) }}|{{ 1 is in [1, 2] }"
      "}|{{ 1 is eq 1 }}|{{ 1 is equalto 2 }}|{{ 1 is ne 2 }}|{{ 1 is lt 2 }}|{{ 2 is ge 2 }}|{{ 3 is gt 2 }"
      "}|{{ 1 is le 0 }}|{{ 1 is == 1 }}",
     true, ""},  // TemplateSyntaxError: expected token 'name', got '=='
    {"{{ 'abc' is lower }}|{{ 'ABC' is upper }}|{{ 'aBc' is lower }}|{{ '123' is lower }}|{{ none is sameas"
      " none }}|{{ 'upper' is filter }}|{{ 'odd' is test }}|{{ ('a'|e) is escaped }}|{{ 'a' is escaped }}",
     false, "True|True|False|False|True|True|True|True|False"},
    {"{{ n is not none }}|{{ not n is none }}|{{ n is not divisibleby 2 }}|{{ x.b is none and true }}",
     false, "True|True|True|True"},
    {"{{ 'x' is odd }}",
     true, ""},  // TypeError: not all arguments converted during string formatting
    {"{{ 1 is nosuchtest }}",
     true, ""},  // TemplateAssertionError: No test named 'nosuchtest'.
};

const TemplateCase kStatements[] = {
    {"{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loo"
      "p.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}{{ loop.depth0 }};{% endfor %}",
     false, "1032TrueFalse310;2121FalseFalse310;3210FalseTrue310;"},
    {"{% for i in range(4) %}{{ loop.previtem }}/{{ loop.nextitem }}/{{ loop.cycle('a', 'b', 'c') }};{% end"
      "for %}",
     false, "/1/a;0/2/b;1/3/c;2//a;"},
    {"{% for i in [1, 1, 2, 3, 3] %}{% if loop.changed(i) %}{{ i }}{% endif %}{% endfor %}",
     false, "123"},
    {"{% for i in range(10) if i is odd %}{{ i }}:{{ loop.index }}/{{ loop.length }} {% else %}none{% endfo"
      "r %}",
     false, "1:1/5 3:2/5 5:3/5 7:4/5 9:5/5 "},
    {"{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}"
      "{{ i }}{% endfor %}",
     false, "0134"},
    {"{% for a, b in x.items() %}{{ a }}={{ b }};{% endfor %}|{% for k in x %}{{ k }},{% endfor %}|{% for c"
      " in 'héllo' %}{{ c }}.{% endfor %}",
     false, "a=1;items=[1, 2];b=None;|a,items,b,|h.é.l.l.o."},
    {"{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in nope %}x{% else %}undef-empty{% endfor %}",
     false, "empty|undef-empty"},
    {"{% for i in none %}x{% endfor %}",
     true, ""},  // TypeError: 'NoneType' object is not iterable
    {"{% for a, b in [[1, 2, 3]] %}{% endfor %}",
     true, ""},  // ValueError: too many values to unpack (expected 2)
    {"{% for a, b in [[1]] %}{% endfor %}",
     true, ""},  // ValueError: not enough values to unpack (expected 2, got 1)
    {"{% for row in [[1, 2], [3, 4]] %}{% for c in row %}{{ loop.index }}{{ c }}{% endfor %}|{{ loop.index "
      "}};{% endfor %}",
     false, "1122|1;1324|2;"},
    {"{% for item in [{'n': 'a', 'c': [{'n': 'b', 'c': []}, {'n': 'c', 'c': [{'n': 'd', 'c': []}]}]}] recur"
      "sive %}<{{ item.n }}{{ loop.depth }}{% if item.c %}[{{ loop(item.c) }}]{% endif %}>{% endfor %}",
     false, "<a1[<b2><c2[<d3>]>]>"},
    {"{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = i + 10 %}{{ x }},{% endfor %}{{ x }}",
     false, "010,011,012,0"},
    {"{% set ns = namespace(total=0, items=[]) %}{% for i in range(5) %}{% set ns.total = ns.total + i %}{%"
      " set ns.items = ns.items + [i * 2] %}{% endfor %}{{ ns.total }}|{{ ns.items }}|{{ ns }}",
     false, "10|[0, 2, 4, 6, 8]|<Namespace {'total': 10, 'items': [0, 2, 4, 6, 8]}>"},
    {"{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.role == 'system' %}{% set ns.foun"
      "d = true %}{% endif %}{% endfor %}{{ ns.found }}",
     false, "True"},
    {"{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set c, d = [3, 4] %}{{ c }}{{ d }}|{% set t = 1, 2 %}{{ t }}",
     false, "12|34|(1, 2)"},
    {"{% set x %}captured {{ n }}{% endset %}[{{ x }}]|{% set y | upper %}shout{% endset %}{{ y }}",
     false, "[captured 5]|SHOUT"},
    {"{% set ns = namespace() %}{% set ns.a = 1 %}{{ ns.a }}|{{ ns.b }}|{% set notns = 1 %}",
     false, "1||"},
    {"{% set notns = {} %}{% set notns.a = 1 %}",
     true, ""},  // TemplateRuntimeError: cannot assign attribute on non-namespace object
    {"{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}|{{ a }}",
     false, "3|"},
    {"{% filter upper %}hello {{ n }}{% endfilter %}|{% filter trim | replace('a', 'b') %}  aaa  {% endfilt"
      "er %}",
     false, "HELLO 5|bbb"},
    {"{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }}|"
      "{{ greet('Al', 'Hi') }}|{{ greet(greeting='Yo', name='Cy') }}|{{ greet() }}",
     false, "Hello, Bob!|Hi, Al!|Yo, Cy!|Hello, !"},
    {"{% macro m(a, b=a * 2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(3) }}|{{ m(3, 1) }}",
     false, "3-6|3-1"},
    {"{% macro m() %}{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}",
     false, "(1, 2)|{'x': 3}"},
    {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
     true, ""},  // TypeError: macro 'm' takes not more than 1 argument(s)
    {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=2) }}",
     true, ""},  // TypeError: macro 'm' takes no keyword argument 'b'
    {"{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, a=2) }}",
     true, ""},  // TypeError: macro 'm' takes no keyword argument 'a'
    {"{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}inner {{ "
      "n }}{% endcall %}",
     false, "<b>inner 5</b>"},
    {"{% macro list_items(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(ite"
      "m) list_items([1, 2]) %}[{{ item }}]{% endcall %}",
     false, "[1][2]"},
    {"{% macro m() %}{{ caller is defined }}{% endmacro %}{{ m() }}",
     false, "False"},
    {"{% macro outer() %}{% macro inner() %}in{% endmacro %}{{ inner() }}-out{% endmacro %}{{ outer() }}|{{"
      " outer }}|{{ outer.name }}",
     false, "in-out|<Macro 'outer'>|outer"},
    {"{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1) | int }}{% endif %}{% endmacro %}{{ f"
      "act(5) }}",
     false, "120"},
    {"{% set c = cycler('odd', 'even') %}{% for i in range(3) %}{{ c.next() }}{% endfor %}|{{ c.current }}",
     false, "oddevenodd|even"},
    {"{% set j = joiner(' | ') %}{% for i in range(3) %}{{ j() }}{{ i }}{% endfor %}",
     false, "0 | 1 | 2"},
    {"{{ dict(a=1, b=2) }}|{{ dict([('x', 1)]) }}|{{ namespace(a=1).a }}|{{ range(5, 0, -2) | list }}|{{ ra"
      "nge(0) | list }}",
     false, "{'a': 1, 'b': 2}|{'x': 1}|1|[5, 3, 1]|[]"},
    {"{{ range(100001) | length }}",
     true, ""},  // OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).
    {"{{ range(1.5) }}",
     true, ""},  // TypeError: 'float' object cannot be interpreted as an integer
    {"{{ raise_exception('custom failure') }}",
     true, ""},  // TemplateError: custom failure
    {"{% if true %}{{ raise_exception('in if') }}{% endif %}",
     true, ""},  // TemplateError: in if
    {"{% raw %}{{ not a var }}{% endraw %}|{# comment #}after|{% raw -%}  x  {%- endraw %}|",
     false, "{{ not a var }}|after|x|"},
    {"{{ messages[0]['content'] | tojson }}{% generation %}gen {{ n }}{% endgeneration %}",
     false, "\"Be brief.\"gen 5"},
    {"{% set x = [] %}{{ x.append(1) }}",
     true, ""},  // SecurityError: access to attribute 'append' of 'list' object is unsafe.
    {"{% set d = {} %}{% set _ = d.update({'a': 1}) %}",
     true, ""},  // SecurityError: access to attribute 'update' of 'dict' object is unsafe.
    {"{{ [].pop() }}",
     true, ""},  // SecurityError: access to attribute 'pop' of 'list' object is unsafe.
    {"{{ {}.clear }}|{{ [1].copy() }}|{{ [1, 2, 1].count(1) }}|{{ [1, 2].index(2) }}",
     false, "|[1]|2|1"},
    {"{{ 'abc'.__class__ }}|{{ x.__len__ }}",
     false, "|"},
    {"{{ ''.__class__.__mro__ }}",
     true, ""},  // SecurityError: access to attribute '__class__' of 'str' object is unsafe.
    {"{{ 'a'.nosuch() }}",
     true, ""},  // UndefinedError: 'str object' has no attribute 'nosuch'
    {"{% print 'printed', n %}|{% block b %}block {{ n }}{% endblock %}",
     false, "printed5|block 5"},
    {"{% autoescape true %}{{ '<x>' }}{{ '<y>' | safe }}{% endautoescape %}{{ '<z>' }}",
     false, "&lt;x&gt;<y><z>"},
};

const TemplateCase kWhitespace[] = {
    {"a\n"
      "{% if true %}\n"
      "b\n"
      "{% endif %}\n"
      "c",
     false, "a\n"
      "b\n"
      "c"},
    {"a\n"
      "  {% if true %}\n"
      "  b\n"
      "  {% endif %}\n"
      "c\n",
     false, "a\n"
      "  b\n"
      "c"},
    {"a\n"
      "  {%- if true %}\n"
      "  b\n"
      "  {% endif -%}\n"
      "  c",
     false, "a  b\n"
      "c"},
    {"a\n"
      "  {%+ if true %}\n"
      "  b\n"
      "  {%+ endif +%}\n"
      "  c",
     false, "a\n"
      "    b\n"
      "  \n"
      "  c"},
    {"  {{ 'x' }}\n"
      "  {% for i in range(2) %}\n"
      "    {{ i }}\n"
      "  {% endfor %}\n",
     false, "  x\n"
      "    0\n"
      "    1\n"},
    {"{% for i in range(2) %}\n"
      "{{ i }}\n"
      "{% endfor %}\n"
      "\n",
     false, "0\n"
      "1\n"},
    {"x  {# comment #}  \n"
      "  {# c2 #}\n"
      "y",
     false, "x    \n"
      "y"},
    {"x\n"
      "  {#- c -#}  \n"
      "  y",
     false, "xy"},
    {"{{- '  a  ' -}}  b  {{- ' c ' }}  ",
     false, "  a  b c   "},
    {"line1   \n"
      "   {{- 'x' }}\n",
     false, "line1x"},
    {"a {% if true -%}   \n"
      "\n"
      "  b  {%- endif %} c",
     false, "a b c"},
    {"\t\t{% if true %}tabbed{% endif %}\n",
     false, "tabbed"},
    {"text {% if true %}\n"
      "  inner\n"
      "{% endif %} tail",
     false, "text   inner\n"
      " tail"},
    {"{% raw %}\n"
      "  {{ x }}\n"
      "{% endraw %}\n"
      "after",
     false, "\n"
      "  {{ x }}\n"
      "after"},
    {"  {% raw %}  x  {% endraw %}  \n"
      "y",
     false, "  x    \n"
      "y"},
    {"{%- raw -%}  x  {%- endraw -%}  y",
     false, "xy"},
    {"a\015\n"
      "b\015\n"
      "{% if true %}\015\n"
      "c\015\n"
      "{% endif %}\015\n",
     false, "a\n"
      "b\n"
      "c\n"},
    {"end with newline\n",
     false, "end with newline"},
    {"end with two\n"
      "\n",
     false, "end with two\n"},
    {"{% set x = 1 %}\n"
      "{% set y = 2 %}\n"
      "{{ x + y }}\n",
     false, "3"},
    {"<{% for m in messages %}\n"
      "  <{{ m.role }}>\n"
      "{% endfor %}>",
     false, "<  <user>\n"
      "  <assistant>\n"
      ">"},
    {"{%- for m in messages -%}\n"
      "  {{- m.role -}}\n"
      "{%- endfor -%}",
     false, "userassistant"},
    {"{% macro f() -%}\n"
      "  body\n"
      "{%- endmacro %}\n"
      "[{{ f() }}]",
     false, "[body]"},
    {"a{%+ if true %}b{% endif %}",
     false, "ab"},
    {"  {%- if true %}x{% endif %}",
     false, "x"},
    {"  \n"
      "  {% if true %}x{% endif %}",
     false, "  \n"
      "x"},
    {"x {{ '{{' }} {{ '}}' }} {{ '{%' }}",
     false, "x {{ }} {%"},
    {"{{ {'a': {'b': 1}} }}",
     false, "{'a': {'b': 1}}"},
    {"{{ {'a': 1}['a'] }}{{ {'a':1}}}",
     false, "1{'a': 1}"},
    {"{% if true %}{% endif %}\n"
      "{% if true %}x{% endif %}\n",
     false, "x"},
    {"  {% if false %}\n"
      "  no\n"
      "  {% else %}\n"
      "  yes\n"
      "  {% endif %}\n",
     false, "  yes\n"},
    {"{#\n"
      " multi\n"
      " line\n"
      "#}\n"
      "after",
     false, "after"},
    {"a {#- c #} b",
     false, "a b"},
    {"a {#+ c +#}\n"
      " b",
     false, "a \n"
      " b"},
    {"{% if true %}   {% endif %}",
     false, "   "},
    {"   {% if true %}x{% endif %}   {% if true %}y{% endif %}\n",
     false, "x   y"},
    {"{{ 'a' }}\n"
      "{% if true %}\n"
      "{{ 'b' }}\n"
      "{% endif %}",
     false, "a\n"
      "b\n"},
    {"{% for i in range(3) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}",
     false, "0, 1, 2"},
    {"\n"
      "\n"
      "{% if true %}\n"
      "\n"
      "x\n"
      "\n"
      "{% endif %}\n"
      "\n",
     false, "\n"
      "\n"
      "\n"
      "x\n"
      "\n"},
    {"  {%- if true %}nbsp{% endif %}",
     false, "nbsp"},
    {"{{ 1 }}\n"
      "\n",
     false, "1\n"},
};

const TemplateCase kBadTemplates[] = {
    {"{% if true %}unclosed",
     true, ""},  // TemplateSyntaxError: Unexpected end of template. Jinja was looking for the following tags:
    {"{% for x in y %}",
     true, ""},  // TemplateSyntaxError: Unexpected end of template. Jinja was looking for the following tags:
    {"{{ unclosed",
     true, ""},  // TemplateSyntaxError: unexpected end of template, expected 'end of print statement'.
    {"{{ 1 +}}",
     true, ""},  // TemplateSyntaxError: unexpected 'end of print statement'
    {"{% endif %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'endif'.
    {"{% if %}{% endif %}",
     true, ""},  // TemplateSyntaxError: Expected an expression, got 'end of statement block'
    {"{{ (1, 2 }}",
     true, ""},  // TemplateSyntaxError: unexpected '}', expected ')'
    {"{{ [1, 2) }}",
     true, ""},  // TemplateSyntaxError: unexpected ')', expected ']'
    {"{{ } }}",
     true, ""},  // TemplateSyntaxError: unexpected '}'
    {"{% unknowntag %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'unknowntag'.
    {"{% for %}",
     true, ""},  // TemplateSyntaxError: Expected an expression, got 'end of statement block'
    {"{% set %}",
     true, ""},  // TemplateSyntaxError: Expected an expression, got 'end of statement block'
    {"{{ 'unterminated }}",
     true, ""},  // TemplateSyntaxError: unexpected char "'" at 3
    {"{# unterminated comment",
     true, ""},  // TemplateSyntaxError: Missing end of comment tag
    {"{% raw %}unterminated",
     true, ""},  // TemplateSyntaxError: Missing end of raw directive
    {"{{ x | nosuchfilter }}",
     true, ""},  // TemplateAssertionError: No filter named 'nosuchfilter'.
    {"{% if true %}{% else %}{% else %}{% endif %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'else'. Jinja was looking for the following t
    {"{% macro m(a=1, b) %}{% endmacro %}",
     true, ""},  // TemplateSyntaxError: non-default argument follows default argument
    {"{% set 1 = 2 %}",
     true, ""},  // TemplateSyntaxError: can't assign to 'const'
    {"{% set true = 1 %}",
     true, ""},  // TemplateSyntaxError: can't assign to 'const'
    {"{{ a.1.b }}",
     true, ""},  // UndefinedError: 'a' is undefined
    {"{{ a. }}",
     true, ""},  // TemplateSyntaxError: expected name or number
    {"{{ @ }}",
     true, ""},  // TemplateSyntaxError: unexpected char '@' at 3
    {"{% include 'x' %}",
     true, ""},  // TypeError: no loader for this environment specified
    {"{% extends 'x' %}",
     true, ""},  // TypeError: no loader for this environment specified
    {"{% for x in [1] %}{% endif %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'endif'. Jinja was looking for the following 
    {"{{ 1 is }}",
     true, ""},  // TemplateSyntaxError: expected token 'name', got 'end of print statement'
    {"{% continue %}",
     true, ""},  // SyntaxError: 'continue' not properly in loop (<template>, line 11)
    {"{% break %}",
     true, ""},  // SyntaxError: 'break' outside loop (<template>, line 11)
    {"{% call m %}{% endcall %}",
     true, ""},  // TemplateSyntaxError: expected call
    {"{% filter %}{% endfilter %}",
     true, ""},  // TemplateSyntaxError: expected token 'name', got 'end of statement block'
    {"{{ f(a=1, 2) }}",
     true, ""},  // TemplateSyntaxError: invalid syntax for function call expression
    {"{{ '\\x4' }}",
     true, ""},  // TemplateSyntaxError: truncated \xXX escape
    {"{% with x %}{% endwith %}",
     true, ""},  // TemplateSyntaxError: expected token '=', got 'end of statement block'
    {"{% set x.y.z = 1 %}",
     true, ""},  // TemplateSyntaxError: expected token 'end of statement block', got '.'
    {"{% for x.y in [] %}{% endfor %}",
     true, ""},  // TemplateSyntaxError: expected token 'in', got '.'
    {"{% endfor %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'endfor'.
    {"{{ x }}{% endraw %}",
     true, ""},  // TemplateSyntaxError: Encountered unknown tag 'endraw'.
};

TEST(TemplateLanguage, Arithmetic) { check_cases(kArithmetic, 19, kContext); }
TEST(TemplateLanguage, PrintsValuesLikePython) { check_cases(kPrinting, 5, kContext); }
TEST(TemplateLanguage, AttributeItemAndSliceAccess) { check_cases(kAccess, 10, kContext); }
TEST(TemplateLanguage, PythonStringMethods) { check_cases(kStringMethods, 11, kContext); }
TEST(TemplateLanguage, Filters) { check_cases(kFilters, 30, kContext); }
TEST(TemplateLanguage, Tests) { check_cases(kTests, 7, kContext); }
TEST(TemplateLanguage, Statements) { check_cases(kStatements, 50, kContext); }
TEST(TemplateLanguage, WhitespaceControlMatchesJinja) { check_cases(kWhitespace, 41, kChatContext); }
TEST(TemplateLanguage, MalformedTemplatesFail) { check_cases(kBadTemplates, 38, kChatContext); }

}  // namespace
}  // namespace pg::jinja
