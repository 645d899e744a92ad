"""The ONNX checker's side of `make onnx-check`: every model that export.c
exported passes onnx.checker.check_model with full_check (the schema of
every node, then shape inference over the graph), declares the IR
version and operator sets the library documents, and has the inputs and
outputs of include/fmnist/model.h. Also: the forest of single-leaf trees
has them, and the final CNN's graph is written out as text
(DIR/cnn_final.txt, onnx.helper.printable_graph).
Usage: python3 check.py DIR (export.c's output directory)"""
import collections
import os
import sys

import onnx

IR_VERSION, OPSETS = 8, {"": 17, "ai.onnx.ml": 3}


def io(values):
    return [(v.name, v.type.tensor_type.elem_type,
             [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in values]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == IR_VERSION, model.ir_version
    for o in model.opset_import:
        assert OPSETS[o.domain] == o.version, (o.domain, o.version)
    assert io(model.graph.input) == [("images", onnx.TensorProto.UINT8, ["N", 784])]
    assert io(model.graph.output) == [("probabilities", onnx.TensorProto.FLOAT, ["N", 10]),
                                      ("label", onnx.TensorProto.INT64, ["N"])]
    return model


def main(dir):
    names = open(os.path.join(dir, "models")).read().split()
    print("onnx %s checker (full_check), IR version %d, opsets %s" % (onnx.__version__, IR_VERSION,
                                                                      OPSETS))
    for name in names:
        model = check(os.path.join(dir, name + ".onnx"))
        ops = collections.Counter(n.op_type for n in model.graph.node)
        print("checker: %-15s valid: %s" % (name, ", ".join("%s x%d" % kv for kv in ops.items())))
        if name == "forest_stub":
            trees = [n for n in model.graph.node if n.op_type == "TreeEnsembleClassifier"][0]
            ids = [a for a in trees.attribute if a.name == "nodes_treeids"][0].ints
            single = sum(1 for count in collections.Counter(ids).values() if count == 1)
            assert single > 0, "forest_stub: no single-leaf tree"
            print("checker: %-15s %d of %d trees are a single leaf" % (
                name, single, len(set(ids))))
        if name == "cnn_final":
            with open(os.path.join(dir, "cnn_final.txt"), "w") as f:
                f.write(onnx.helper.printable_graph(model.graph) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
