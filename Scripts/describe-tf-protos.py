#!/usr/bin/env python3
"""Print the schema facts (names, field numbers, types, labels, packing) of the
TensorFlow messages MetaGraphKit needs, as read from the descriptors compiled into
an installed TensorFlow wheel.

This is how Protos/ was checked: run it with the interop virtual environment's
Python and compare its output with our hand-kept schemas:

    ~/.cache/metagraphkit/venv-tf/bin/python Scripts/describe-tf-protos.py OUTDIR

It renders each file TensorFlow defines into OUTDIR under our own layout
(tensorflow/<basename>.proto, google/protobuf/<basename>.proto). It carries facts
only: no comments and no options other than those that change the wire
(packed) or the schema's meaning (allow_alias, map entries, reserved).
"""
import os
import sys

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FieldDescriptor as FD

from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2, saver_pb2
from tensorflow.core.protobuf import trackable_object_graph_pb2, queue_runner_pb2
from tensorflow.core.protobuf import control_flow_pb2, tensor_bundle_pb2
from tensorflow.core.framework import tensor_slice_pb2, graph_debug_info_pb2
from tensorflow.core.util import saved_tensor_slice_pb2
from tensorflow.python.training import checkpoint_state_pb2

ROOTS = [meta_graph_pb2, saved_model_pb2, saver_pb2, trackable_object_graph_pb2,
         queue_runner_pb2, control_flow_pb2, tensor_bundle_pb2, tensor_slice_pb2,
         graph_debug_info_pb2, saved_tensor_slice_pb2, checkpoint_state_pb2]

TYPE_NAMES = {
    FD.TYPE_DOUBLE: "double", FD.TYPE_FLOAT: "float", FD.TYPE_INT64: "int64",
    FD.TYPE_UINT64: "uint64", FD.TYPE_INT32: "int32", FD.TYPE_FIXED64: "fixed64",
    FD.TYPE_FIXED32: "fixed32", FD.TYPE_BOOL: "bool", FD.TYPE_STRING: "string",
    FD.TYPE_BYTES: "bytes", FD.TYPE_UINT32: "uint32", FD.TYPE_SFIXED32: "sfixed32",
    FD.TYPE_SFIXED64: "sfixed64", FD.TYPE_SINT32: "sint32", FD.TYPE_SINT64: "sint64",
}


def our_path(name):
    return ("google/protobuf/" if name.startswith("google/protobuf/") else "tensorflow/") + os.path.basename(name)


def collect(files, fd):
    if fd.name in files:
        return
    for dep in fd.dependencies:
        collect(files, dep)
    files[fd.name] = fd


def type_ref(f, package):
    if f.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
        full = f.message_type.full_name
    elif f.type == FD.TYPE_ENUM:
        full = f.enum_type.full_name
    else:
        return TYPE_NAMES[f.type]
    return "." + full


def render_field(f, package, indent, proto3):
    if f.type == FD.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
        k, v = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
        return f"{indent}map<{type_ref(k, package)}, {type_ref(v, package)}> {f.name} = {f.number};"
    label = ""
    if f.is_repeated:
        label = "repeated "
    elif not proto3 and f.containing_oneof is None:
        label = "required " if f.is_required else "optional "
    elif proto3 and f.has_presence and f.containing_oneof is not None and f.containing_oneof.name.startswith("_"):
        label = "optional "
    opts = []
    fo = f.GetOptions()
    if fo.HasField("packed"):
        opts.append(f"packed = {'true' if fo.packed else 'false'}")
    if fo.deprecated:
        opts.append("deprecated = true")
    if not proto3 and f.has_default_value:
        d = f.default_value
        if f.type == FD.TYPE_ENUM:
            d = f.enum_type.values_by_number[d].name
        elif isinstance(d, str):
            d = '"' + d + '"'
        elif isinstance(d, bool):
            d = "true" if d else "false"
        opts.append(f"default = {d}")
    tail = f" [{', '.join(opts)}]" if opts else ""
    return f"{indent}{label}{type_ref(f, package)} {f.name} = {f.number}{tail};"


def render_enum(e, indent):
    out = [f"{indent}enum {e.name} {{"]
    if e.GetOptions().allow_alias:
        out.append(f"{indent}  option allow_alias = true;")
    for v in e.values:
        out.append(f"{indent}  {v.name} = {v.number};")
    ep = descriptor_pb2.EnumDescriptorProto()
    e.CopyToProto(ep)
    for r in ep.reserved_range:
        out.append(f"{indent}  reserved {r.start}" + (f" to {r.end}" if r.end != r.start else "") + ";")
    out.append(f"{indent}}}")
    return out


def render_message(m, package, indent, proto3):
    out = [f"{indent}message {m.name} {{"]
    inner = indent + "  "
    for e in m.enum_types:
        out += render_enum(e, inner)
    for n in m.nested_types:
        if n.GetOptions().map_entry:
            continue
        out += render_message(n, package, inner, proto3)
    done_oneofs = set()
    for f in sorted(m.fields, key=lambda f: f.index):
        o = f.containing_oneof
        if o is not None and not o.name.startswith("_"):
            if o.name in done_oneofs:
                continue
            done_oneofs.add(o.name)
            out.append(f"{inner}oneof {o.name} {{")
            for of in o.fields:
                out.append(render_field(of, package, inner + "  ", proto3))
            out.append(f"{inner}}}")
        else:
            out.append(render_field(f, package, inner, proto3))
    mp = descriptor_pb2.DescriptorProto()
    m.CopyToProto(mp)
    for r in mp.reserved_range:
        out.append(f"{inner}reserved {r.start}" + (f" to {r.end - 1}" if r.end - 1 != r.start else "") + ";")
    for n in mp.reserved_name:
        out.append(f'{inner}reserved "{n}";')
    out.append(f"{indent}}}")
    return out


def render_file(fd):
    fp = descriptor_pb2.FileDescriptorProto()
    fd.CopyToProto(fp)
    proto3 = fp.syntax == "proto3"
    out = [f'syntax = "{"proto3" if proto3 else "proto2"}";', "", f"package {fd.package};", ""]
    for dep in fd.dependencies:
        out.append(f'import "{our_path(dep.name)}";')
    if fd.dependencies:
        out.append("")
    for e in fd.enum_types_by_name.values():
        out += render_enum(e, "") + [""]
    for m in fd.message_types_by_name.values():
        out += render_message(m, fd.package, "", proto3) + [""]
    return "\n".join(out)


def main():
    outdir = sys.argv[1]
    files = {}
    for mod in ROOTS:
        collect(files, mod.DESCRIPTOR)
    for name, fd in files.items():
        if fd.package.endswith(".dummy"):
            continue  # a forwarding file; its real content lives under xla/tsl
        path = os.path.join(outdir, our_path(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(render_file(fd))
        print(name, "->", our_path(name))


if __name__ == "__main__":
    main()
