"""The node structure of a TF1 Saver's subgraph, to compare a rewritten saver with
the one TensorFlow itself builds for the same variables."""
import collections


def saver_structure(graph_def, scope, filename_tensor, save_side_only=False):
    """A saver's node structure: the multiset of (consumer op, input slot or
    'ctrl', producer op) edges under scope/, the filename tensor as FILENAME (TF
    2.21 feeds it through PlaceholderWithDefault nodes, old graphs through a Const)."""
    nodes = {n.name: n for n in graph_def.node if n.name.startswith(scope + "/")}
    filename = filename_tensor.split(":")[0]

    def feeding(name):
        n = nodes.get(name)
        return name != filename and n is not None and (n.op == "PlaceholderWithDefault" or name.endswith("/filename/input"))

    def kind(name):
        return "FILENAME" if name == filename else nodes[name].op if name in nodes else "OUTSIDE"

    edges = collections.Counter()
    for n in nodes.values():
        if n.name == filename or feeding(n.name):
            continue
        if save_side_only and (n.op in ("RestoreV2", "Assign", "NoOp") or "/RestoreV2" in n.name):
            continue
        for slot, inp in enumerate(n.input):
            src = inp.lstrip("^").split(":")[0]
            if not feeding(src):
                edges[(kind(n.name), "ctrl" if inp.startswith("^") else slot, kind(src))] += 1
    return edges
