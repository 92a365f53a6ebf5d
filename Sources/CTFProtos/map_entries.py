#!/usr/bin/env python3
"""Makes protobuf-c write map entries the way TensorFlow's serializers do.

C++ and upb always write a map entry's key and value, even when they equal the
default (`arg_attr { key: 0 … }` is `08 00 12 …` on the wire). protoc-c generates
map entries as ordinary proto3 messages, whose default-valued fields protobuf-c
leaves out, so a `.meta` with such an entry would not round-trip byte for byte.

This rewrites the generated code of every proto3 map entry (a `…Entry` message with
fields key = 1 and value = 2) so that its key and value have explicit presence:
string and message fields get LABEL_OPTIONAL (present when the pointer is set, and
protobuf-c initializes strings to a non-NULL empty string), scalar fields get
LABEL_OPTIONAL with a `has_` flag added to the struct and its initializer.
Called by regenerate.sh on protoc-c's output directory.
"""
import re
import sys
from pathlib import Path

SCALARS = {"UINT32", "INT32", "UINT64", "INT64", "BOOL", "FIXED32", "FIXED64", "SFIXED32",
           "SFIXED64", "SINT32", "SINT64", "FLOAT", "DOUBLE", "ENUM"}

FIELD = re.compile(
    r'  \{\n    "(key|value)",\n    ([12]),\n    PROTOBUF_C_LABEL_NONE,\n    PROTOBUF_C_TYPE_(\w+),\n'
    r'    0,   /\* quantifier_offset \*/\n    offsetof\((\w+), (key|value)\),\n')


def patch(c_path: Path, h_path: Path) -> int:
    c = c_path.read_text()
    h = h_path.read_text()
    count = 0
    blocks = re.finditer(r'static const ProtobufCFieldDescriptor (\w+_entry)__field_descriptors\[2\] =\n\{\n(.*?)\n\};',
                         c, re.S)
    edits = []
    for b in blocks:
        body = b.group(2)
        fields = list(FIELD.finditer(body))
        if len(fields) != 2:
            continue  # a proto2 entry (already optional) or not a map entry
        struct = fields[0].group(4)
        new_body = body
        scalar_fields = []
        for f in fields:
            name, kind = f.group(1), f.group(3)
            if kind == "BYTES":
                sys.exit(f"map_entries.py: {struct}.{name} is bytes; protobuf-c needs a has_ flag: extend this script")
            if kind in SCALARS:
                scalar_fields.append(name)
                quant = f"offsetof({struct}, has_{name}),   /* quantifier_offset */"
            else:
                quant = "0,   /* quantifier_offset */"
            old = f.group(0)
            new = (f'  {{\n    "{name}",\n    {f.group(2)},\n    PROTOBUF_C_LABEL_OPTIONAL,\n    PROTOBUF_C_TYPE_{kind},\n'
                   f'    {quant}\n    offsetof({struct}, {name}),\n')
            new_body = new_body.replace(old, new)
        edits.append((b.group(2), new_body))
        if scalar_fields:
            m = re.search(r'struct  ' + struct + r'\n\{\n  ProtobufCMessage base;\n(.*?)\n\};', h, re.S)
            members = m.group(1).split("\n")
            out = []
            for line in members:
                fname = line.strip().rstrip(";").split()[-1].lstrip("*")
                if fname in scalar_fields:
                    out.append(f"  protobuf_c_boolean has_{fname};")
                out.append(line)
            h = h.replace(m.group(0), f"struct  {struct}\n{{\n  ProtobufCMessage base;\n" + "\n".join(out) + "\n};")
            # The initializer lists key's then value's default after the base.
            desc = b.group(1)
            mm = re.search(r'(#define \w+__INIT \\\n \{ PROTOBUF_C_MESSAGE_INIT \(&' + desc + r'__descriptor\) \\\n    , )([^}]*)( \})', h)
            values = [v.strip() for v in mm.group(2).split(",")]
            assert len(values) == 2, (struct, values)
            new_values = []
            for name, v in zip(["key", "value"], values):
                if name in scalar_fields:
                    new_values.append("0")
                new_values.append(v)
            h = h.replace(mm.group(0), mm.group(1) + ", ".join(new_values) + mm.group(3))
        count += 1
    for old, new in edits:
        c = c.replace(old, new)
    c_path.write_text(c)
    h_path.write_text(h)
    return count


def main():
    gen = Path(sys.argv[1])
    total = 0
    for c_path in sorted(gen.rglob("*.pb-c.c")):
        total += patch(c_path, c_path.with_suffix(".h"))
    print(f"map_entries.py: {total} map entries now keep key and value presence")


if __name__ == "__main__":
    main()
