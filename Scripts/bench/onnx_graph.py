"""Builds an ONNX (opset 17) ResNet-50 graph from torchvision-layout weights.

Each conv is emitted either with its BatchNorm folded in (weights and bias computed in
float64, stored as float32: the same folding an inference engine does) or as a Conv node
followed by a BatchNormalization node (ONNX Runtime then folds it itself at load time).
Input `input` [N,3,224,224] float32 with a symbolic batch; output `logits` [N,1].
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import resnet

OPSET = 17


def fold_bn(params, conv):
    """Conv weight and bias with the BN folded in, computed in float64."""
    w = params[conv.weight].astype(np.float64)
    g = params[f"{conv.bn}.weight"].astype(np.float64)
    b = params[f"{conv.bn}.bias"].astype(np.float64)
    m = params[f"{conv.bn}.running_mean"].astype(np.float64)
    v = params[f"{conv.bn}.running_var"].astype(np.float64)
    scale = g / np.sqrt(v + resnet.BN_EPS)
    return (w * scale[:, None, None, None]).astype(np.float32), (b - m * scale).astype(np.float32)


class _Builder:
    def __init__(self, params, fold):
        self.params = params
        self.fold = fold
        self.nodes = []
        self.inits = []

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def conv_bn(self, conv, x):
        pad = conv.k // 2
        attrs = dict(kernel_shape=[conv.k, conv.k], strides=[conv.stride] * 2, pads=[pad] * 4)
        out = conv.weight.replace(".weight", "")
        if self.fold:
            w, b = fold_bn(self.params, conv)
            ins = [x, self.init(conv.weight, w), self.init(f"{out}.bias", b)]
            self.nodes.append(helper.make_node("Conv", ins, [out], name=out, **attrs))
            y = out
        else:
            ins = [x, self.init(conv.weight, self.params[conv.weight])]
            self.nodes.append(helper.make_node("Conv", ins, [out], name=out, **attrs))
            bn_ins = [out] + [self.init(f"{conv.bn}.{q}", self.params[f"{conv.bn}.{q}"])
                              for q in ("weight", "bias", "running_mean", "running_var")]
            y = conv.bn
            self.nodes.append(helper.make_node("BatchNormalization", bn_ins, [y], name=y,
                                               epsilon=resnet.BN_EPS))
        if conv.relu:
            self.nodes.append(helper.make_node("Relu", [y], [y + ".relu"], name=y + ".relu"))
            y = y + ".relu"
        return y

    def node(self, op, ins, out, **attrs):
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return out


def build(params, fold=True):
    """onnx.ModelProto for the weights in `params` (name -> float32 array)."""
    base = resnet.check_params(params)
    stem, blocks, features = resnet.architecture(base)
    g = _Builder(params, fold)
    h = g.conv_bn(stem, "input")
    h = g.node("MaxPool", [h], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    for blk in blocks:
        main = h
        for conv in blk.convs:
            main = g.conv_bn(conv, main)
        short = g.conv_bn(blk.downsample, h) if blk.downsample is not None else h
        s = g.node("Add", [main, short], f"{blk.name}.add")
        h = g.node("Relu", [s], f"{blk.name}.out")
    h = g.node("GlobalAveragePool", [h], "avgpool")
    h = g.node("Flatten", [h], "pooled", axis=1)
    fc_w = g.init("fc.weight", params["fc.weight"])
    fc_b = g.init("fc.bias", params["fc.bias"])
    g.node("Gemm", [h, fc_w, fc_b], "logits", transB=1)
    graph = helper.make_graph(
        g.nodes, f"resnet50_w{base}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="ctscreen-bench")
    model.ir_version = 8  # opset 17 pairs with IR 8; keeps older runtimes able to load it
    onnx.checker.check_model(model)
    return model
