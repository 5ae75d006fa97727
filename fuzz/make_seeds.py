#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (small, deterministic).

What it is for: regenerating the committed seeds. Templates and tokenizer
texts come from ../shared when it is there (skipped otherwise); everything
else is written from the tables below. It must never copy large files: each
seed is a few KB at most. Usage: python3 fuzz/make_seeds.py
"""
import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("PG_SHARED_DIR", os.path.join(ROOT, "..", "..", "shared"))
CORPUS = os.path.join(ROOT, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- GGUF: tiny valid v3 (and one v2) files ---------------------------------
def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == 8:
        return gstr(v)
    if t == 9:
        et, items = v
        out = struct.pack("<IQ", et, len(items))
        for it in items:
            out += gval(et, it)
        return out
    fmt = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}[t]
    return struct.pack(fmt, v)


def gguf(kvs, tensors, version=3, alignment=32):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gstr(k) + struct.pack("<I", t) + gval(t, v)
    offset = 0
    infos = b""
    datas = []
    for name, ttype, dims, nbytes in tensors:
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", ttype, offset)
        datas.append((offset, bytes((i * 7) & 0xFF for i in range(nbytes))))
        offset += (nbytes + alignment - 1) // alignment * alignment
    out += infos
    out += b"\0" * ((-len(out)) % alignment)
    data = bytearray(offset)
    for off, b in datas:
        data[off:off + len(b)] = b
    return out + bytes(data)


def gguf_seeds():
    vocab = ["<unk>", "<s>", "</s>", "\u2581a", "b", "<0x41>"]
    base = [("general.architecture", 8, "llama"), ("general.name", 8, "seed"),
            ("llama.context_length", 4, 64), ("llama.embedding_length", 4, 8),
            ("llama.rope.freq_base", 6, 10000.0)]
    tok = [("tokenizer.ggml.model", 8, "llama"), ("tokenizer.ggml.tokens", 9, (8, vocab)),
           ("tokenizer.ggml.scores", 9, (6, [0.0, 0.0, 0.0, -1.0, -2.0, -3.0])),
           ("tokenizer.ggml.token_type", 9, (5, [2, 3, 3, 1, 1, 6])),
           ("tokenizer.ggml.bos_token_id", 4, 1), ("tokenizer.ggml.eos_token_id", 4, 2)]
    write("gguf", "empty.gguf", gguf([], []))
    write("gguf", "meta-only.gguf", gguf(base + tok, []))
    write("gguf", "v2.gguf", gguf(base, [], version=2))
    write("gguf", "f32-tensor.gguf", gguf(base, [("token_embd.weight", 0, [8, 6], 8 * 6 * 4)]))
    write("gguf", "f16-q8-tensors.gguf", gguf(base, [("a", 1, [32, 2], 32 * 2 * 2), ("b", 8, [32, 2], 34 * 2)]))
    write("gguf", "q4k-tensor.gguf", gguf(base, [("c", 12, [256, 1], 144)]))
    write("gguf", "align64.gguf", gguf(base + [("general.alignment", 4, 64)], [("x", 0, [4], 16), ("y", 0, [2, 2], 16)], alignment=64))
    all_types = [("u8", 0, 1), ("i8", 1, -1), ("u16", 2, 2), ("i16", 3, -2), ("u32", 4, 3), ("i32", 5, -3),
                 ("f32", 6, 1.5), ("b", 7, True), ("s", 8, "t\u00e9xt"), ("u64", 10, 2**63), ("i64", 11, -2**40),
                 ("f64", 12, 2.25), ("arr", 9, (9, [(4, [1, 2]), (8, ["x"])])), ("empty", 9, (0, []))]
    write("gguf", "all-value-types.gguf", gguf(all_types, []))
    write("gguf", "gpt2-vocab.gguf", gguf([("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.pre", 8, "llama-bpe"),
                                           ("tokenizer.ggml.tokens", 9, (8, ["a", "b", "ab", "\u0120"])),
                                           ("tokenizer.ggml.merges", 9, (8, ["a b"]))], []))


# ---- tokenizer: control byte (vocabulary, flags) + text ----------------------
def tokenizer_seeds():
    path = os.path.join(SHARED, "testdata", "vocab", "llama-spm.inp")
    texts = []
    if os.path.exists(path):
        with open(path, "rb") as f:
            texts = [t.strip(b"\n") for t in f.read().split(b"\n__ggml_vocab_test__\n")]
    texts += [b"<s>hello</s> <|im_start|>user\n", b"\xff\xfe\xc3(\xe2\x82", b"caf\xc3\xa9 na\xc3\xafve \xf0\x9f\x98\x80",
              b"[CLS] Hello, WORLD! [SEP]", b"   \t\r\n  ", b"3333333 1,234.5 don't I'm"]
    texts = [t for t in texts if t][:24]
    for i, t in enumerate(texts):
        write("tokenizer", "t%02d" % i, bytes([i % 3 | (8 if i % 4 == 0 else 0) | (4 if i % 5 == 0 else 0)]) + t)


# ---- template: the chat templates of basic.jsonl and tools.jsonl --------------
def template_seeds():
    seen = set()
    for name in ("basic.jsonl", "tools.jsonl"):
        path = os.path.join(SHARED, "testdata", "chat-templates", name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                case = json.loads(line)
                src = case["template"]
                h = hashlib.sha1(src.encode()).hexdigest()[:10]
                if h in seen:
                    continue
                seen.add(h)
                write("template", "%s-%s.jinja" % (case.get("template_id", "t").replace("/", "_")[:40], h), src)
    small = ["{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
             "{% set ns = namespace(x=0) %}{% for i in range(3) %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}",
             "{% macro f(a, b=2) %}{{ a ~ b }}{% endmacro %}{{ f(1) }}{{ messages | tojson(indent=2) }}",
             "{{ messages[0].content | upper | replace('A', 'b') | trim }}{% if tools %}{{ tools | length }}{% endif %}",
             "{{ '%s-%d' % ('a', 3) }}{{ 'x'.join(['a','b']) }}{{ (1, 2)[1:] }}{{ {'k': 1}.items() | list }}",
             "{% raw %}{{ x }}{% endraw %}{#- c -#}{%- if not x is defined -%}u{%- endif %}{{ raise_exception('no') }}"]
    for i, s in enumerate(small):
        write("template", "small%02d.jinja" % i, s)


# ---- json_request: request bodies of every route family ----------------------
def json_seeds():
    bodies = [
        {"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}],
         "temperature": 0.7, "top_p": 0.9, "stop": ["\n", "###"], "stream": True, "stream_options": {"include_usage": True},
         "max_completion_tokens": 16, "seed": 18446744073709551615},
        {"model": "m", "prompt": "Once", "max_tokens": 5, "n": 1, "logit_bias": {}, "echo": False, "top_k": 40, "min_p": 0.05},
        {"model": "m", "prompt": [1, 2, 3, 511], "repeat_penalty": 1.1, "repeat_last_n": 64, "frequency_penalty": 0.5},
        {"model": "m:latest", "prompt": "x", "options": {"temperature": 0, "num_predict": -1, "num_ctx": 2048, "seed": -1},
         "format": "", "keep_alive": "5m", "stream": False},
        {"model": "m", "messages": [{"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function",
         "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c", "name": "f", "content": "1"}]},
        {"name": "docs", "description": "d", "chunking": {"unit": "characters", "size": 500, "overlap": 50},
         "tags": ["a", "b"], "metadata": {"author": "x", "year": 2024}},
        {"query": "what?", "collection": "docs", "top_k": 5, "min_score": 0.1, "model": "m"},
        {"title": "t", "role": "user", "content": "c", "params": {"temperature": 1.0, "max_tokens": 10}},
        {"username": "admin", "password": "hunter22", "is_admin": True, "expires_in_days": 30},
        {"input": ["a", "b"], "encoding_format": "base64", "dimensions": 64},
        {"source": "hf:org/repo/file.gguf", "quantization": "Q4_K_M", "keep_alive": -1},
    ]
    for i, b in enumerate(bodies):
        write("json_request", "b%02d.json" % i, json.dumps(b))
    raw = ['{}', '[]', '{"messages": []}', '{"messages": [1]}', '{"temperature": 1e400}', '{"top_k": 5.0, "stop": "x"}',
           '{"a": "\\ud800"}', '{"seed": -2}', '{"max_tokens": -9223372036854775808}', '{"messages": [{"role": "user"}]}',
           '{"max_tokens": 9223372036854775808.0}']
    for i, b in enumerate(raw):
        write("json_request", "r%02d.json" % i, b)


# ---- multipart: "<boundary>\n<body>" -----------------------------------------
def multipart_seeds():
    b = "XyZ"
    parts = [
        "--XyZ\r\nContent-Disposition: form-data; name=\"collection\"\r\n\r\ndocs\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a b.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
        "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=files; filename=\"q\\\"x.md\"\r\n\r\n# T\r\n\r\n--XyZ--",
        "--XyZ\r\n\r\nno disposition\r\n--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\r\n--XyZ\r\n--XyZ--\r\n",
        "--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ndata \r\n--XyZX not a delimiter\r\n--XyZ--",
    ]
    for i, p in enumerate(parts):
        write("multipart", "m%02d" % i, b + "\n" + p)
    write("multipart", "quoted", '"a;b=c"\n--a;b=c\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--a;b=c--\r\n')


# ---- extract: control byte (file name) + file --------------------------------
def tiny_pdf(text_ops):
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length %d >>\nstream\n%s\nendstream" % (len(text_ops), text_ops),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Title (Seed) >>"]
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += ("%d 0 obj\n%s\nendobj\n" % (i + 1, o)).encode("latin-1")
    xref = len(out)
    out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode()
    for o in offs:
        out += ("%010d 00000 n \n" % o).encode()
    out += ("trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)).encode()
    return out


def extract_seeds():
    write("extract", "pdf-hello", b"\x00" + tiny_pdf("BT /F1 12 Tf 10 50 Td (Hello PDF seed-) Tj 0 -14 Td (ing world) Tj ET"))
    write("extract", "pdf-empty-page", b"\x00" + tiny_pdf(""))
    write("extract", "txt-utf8", b"\x01" + "Plain caf\u00e9 text\r\nline two\n".encode())
    write("extract", "txt-utf16le", b"\x01" + b"\xff\xfe" + "UTF-16 text\n".encode("utf-16-le"))
    write("extract", "txt-utf16-nobom", b"\x03" + "no bom here\n".encode("utf-16-le"))
    write("extract", "txt-cp1252", b"\x01" + "caf\u00e9 \u201cquoted\u201d \u20ac".encode("cp1252"))
    write("extract", "md-headings", b"\x02" + b"# Title\n\nIntro\n\nSub\n---\n\n```\n# not a heading\n```\n## Two ##\n- item **b** [l](u)\n")
    write("extract", "md-unnamed", b"\x03" + b"# A\n\ntext\n\n## B\n\n**bold** and [x](y)\n")
    write("extract", "txt-pdf-header", b"\x01" + b"About %PDF-1.7 headers\n")
    write("extract", "binary", b"\x03" + bytes(range(0, 64)))


# ---- request_head: split byte, limits byte, head bytes ------------------------
def head_seeds():
    heads = [
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"model\": \"m\"}",
        b"POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"\r\n\r\nGET /x HTTP/1.0\nConnection: keep-alive\n\n",
        b"GET / HTTP/1.1\r\nContent-Length: 5, 5\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"GET / HTTP/1.1\r\n Folded: x\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /a\x01b HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: \x7f\r\n\r\n",
        b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n",
    ]
    for i, h in enumerate(heads):
        write("request_head", "h%02d" % i, bytes([(i * 37) % 256, 0x85 if i % 3 == 0 else 0]) + h)


if __name__ == "__main__":
    gguf_seeds()
    tokenizer_seeds()
    template_seeds()
    json_seeds()
    multipart_seeds()
    extract_seeds()
    head_seeds()
    sys.exit(0)
