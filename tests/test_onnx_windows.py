"""Hand-built ONNX graphs for what Swin and MaxViT export: windows folded into the batch, a relative
position bias gathered from a learned table, an attention mask built by ScatterND, strided slices
(patch merging), Einsum products, and the dynamo exporter's as_strided with its indices kept in an
external data file.

Expected values are worked out in the comments from the ONNX operator documentation; shapes are
also checked against onnx.shape_inference (check_shapes).
"""

from __future__ import annotations

import pytest

from costcalc.errors import SpecError
from costcalc.onnx import values as V

from .onnx_support import check_shapes, floats, helper, ints, layer, model, run, weight


def node(op, inputs, outputs, name, **attrs):
    return helper.make_node(op, inputs, outputs, name=name, **attrs)


def window_attention(mask: bool = True):
    """One window-attention block as torchvision's shifted_window_attention exports it, at toy size:
    an 8-channel 4×4 map in 2×2 windows (4 windows of 4 tokens, one head), the windows folded into
    the batch axis (batch 1), q = k = v = x·W."""
    nodes = [
        node("Transpose", ["x"], ["nhwc"], "to_nhwc", perm=[0, 2, 3, 1]),  # 1×8×4×4 → 1×4×4×8
        node("Reshape", ["nhwc", "split_shape"], ["split"], "split_windows"),  # → 1×2×2×2×2×8
        node("Transpose", ["split"], ["grouped"], "group_windows", perm=[0, 1, 3, 2, 4, 5]),
        node("Reshape", ["grouped", "window_shape"], ["windows"], "windows"),  # → 4×4×8 (nW·B, N, C)
        node("MatMul", ["windows", "W"], ["q0"], "qkv"),  # 16 tokens × 8·8 = 1,024 MACs, 64 params
        node("Reshape", ["q0", "head_shape"], ["q1"], "heads"),  # → 4×4×1×8
        node("Transpose", ["q1"], ["q"], "heads_first", perm=[0, 2, 1, 3]),  # → 4×1×4×8
        node("Transpose", ["q"], ["kt"], "keys", perm=[0, 1, 3, 2]),  # → 4×1×8×4
        node("MatMul", ["q", "kt"], ["scores"], "scores"),  # 4 windows · 4×4 outputs · 8 = 512 MACs
        # the relative position bias: a 9×1 table gathered by a 16-entry index into 1×4×4, per head
        node("Gather", ["table", "index"], ["picked"], "bias_gather", axis=0),  # → 16×1
        node("Reshape", ["picked", "bias_shape"], ["bias_hw"], "bias_view"),  # → 4×4×1
        node("Transpose", ["bias_hw"], ["bias_t"], "bias_heads", perm=[2, 0, 1]),  # → 1×4×4
        node("Unsqueeze", ["bias_t", "axis0"], ["bias"], "bias_batch"),  # → 1×1×4×4
        node("Add", ["scores", "bias"], ["biased"], "add_bias"),
    ]
    inits = [
        ints("split_shape", [1, 2, 2, 2, 2, 8]),
        ints("window_shape", [4, 4, 8]),
        weight("W", 8, 8),
        ints("head_shape", [4, 4, 1, 8]),
        weight("table", 9, 1),
        ints("index", [4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]),
        ints("bias_shape", [4, 4, 1]),
        ints("axis0", [0]),
    ]
    last = "biased"
    if mask:
        # the shifted window's mask: a 4×4 map of region numbers written by ScatterND on zeros, in windows,
        # region differences per pair of tokens (4×4×4), one per window, broadcast over the head axis
        nodes += [
            node("ConstantOfShape", ["map_dims"], ["zeros"], "mask_zeros"),
            node("ScatterND", ["zeros", "regions_at", "regions"], ["regions_map"], "mask_regions"),
            node("Reshape", ["regions_map", "mask_split"], ["m1"], "mask_split"),  # → 2×2×2×2
            node("Transpose", ["m1"], ["m2"], "mask_group", perm=[0, 2, 1, 3]),
            node("Reshape", ["m2", "mask_windows"], ["m3"], "mask_windows"),  # → 4×4
            node("Unsqueeze", ["m3", "axis1"], ["m4"], "mask_rows"),  # 4×1×4
            node("Unsqueeze", ["m3", "axis2"], ["m5"], "mask_cols"),  # 4×4×1
            node("Sub", ["m4", "m5"], ["pairs"], "mask_pairs"),  # 4×4×4
            node("Unsqueeze", ["pairs", "axis1"], ["mask"], "mask_heads"),  # 4×1×4×4
            node("Add", ["biased", "mask"], ["masked"], "add_mask"),
        ]
        # as TorchScript exports them: Constant nodes, not stored tensors (nothing here is a parameter)
        constants = [
            ints("map_dims", [4, 4]),
            ints("regions_at", [[2, 2], [2, 3], [3, 2], [3, 3]]),  # ScatterND indices: 4 positions of depth 2
            floats("regions", [1.0, 1.0, 2.0, 3.0]),
            ints("mask_split", [2, 2, 2, 2]),
            ints("mask_windows", [4, 4]),
            ints("axis1", [1]),
            ints("axis2", [2]),
        ]
        nodes = [node("Constant", [], [c.name], f"const_{c.name}", value=c) for c in constants] + nodes
        last = "masked"
    nodes += [
        node("Softmax", [last], ["weights"], "softmax", axis=-1),
        node("MatMul", ["weights", "q"], ["y"], "weighted"),  # 4 · 4×8 outputs · 4 = 512 MACs
    ]
    return model(nodes, [("x", [1, 8, 4, 4])], ["y"], inits)


def test_window_attention_with_a_gathered_bias_and_a_computed_mask(tmp_path):
    m = window_attention()
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "qkv").macs == 4 * 4 * 8 * 8
    assert layer(analysis, "scores").macs == 4 * 4 * 4 * 8
    assert layer(analysis, "weighted").macs == 4 * 4 * 8 * 4
    assert analysis.totals.macs == 1024 + 512 + 512
    # the bias's parameters are the table's 9, not the 16 positions it is gathered into
    assert layer(analysis, "add_bias").params == 9
    # the mask is computed from the input's size alone: no parameters, an add per score (64)
    assert layer(analysis, "add_mask").params == 0
    assert layer(analysis, "add_mask").other_ops == 4 * 4 * 4
    assert analysis.totals.params == 64 + 9
    check_shapes(m, spec)


def test_the_mask_is_counted_the_same_when_it_is_too_large_to_hold(tmp_path, monkeypatch):
    """Swin-T's first-stage mask has 64·49·49 = 153,664 values, more than the converter holds as a
    constant: then only its dims are kept, and it still counts no parameters."""
    monkeypatch.setattr(V, "MAX_ELEMENTS", 32)
    spec, analysis = run(window_attention(), tmp_path)
    assert layer(analysis, "add_mask").params == 0
    assert layer(analysis, "add_mask").other_ops == 64
    assert analysis.totals.params == 64 + 9 and analysis.totals.macs == 2048


def test_scatter_nd_on_constants_follows_the_onnx_reference():
    # ONNX's reference: output = copy(data); output[indices[i]] = updates[i] for each i; indices of depth 2
    # name elements, of depth 1 whole rows; reduction 'add' adds instead
    data = V.Const((3, 3), [0] * 9, False)
    out = V.scatter_nd(data, V.Const((2, 2), [0, 1, 2, -1], False), V.Const((2,), [5, 7], False))
    assert out.values == [0, 5, 0, 0, 0, 0, 0, 0, 7]
    rows = V.Const((2, 3), [1, 1, 1, 1, 1, 1], False)
    out = V.scatter_nd(rows, V.Const((1, 1), [1], False), V.Const((1, 3), [4, 5, 6], False))
    assert out.values == [1, 1, 1, 4, 5, 6]
    out = V.scatter_nd(rows, V.Const((2, 1), [0, 0], False), V.Const((2, 3), [1, 2, 3, 1, 2, 3], False), "add")
    assert out.values == [3, 5, 7, 1, 1, 1]
    with pytest.raises(V.FoldError, match="out of range"):
        V.scatter_nd(data, V.Const((1, 2), [3, 0], False), V.Const((1,), [1], False))
    with pytest.raises(V.FoldError, match="updates of dims"):
        V.scatter_nd(data, V.Const((1, 2), [0, 0], False), V.Const((2,), [1, 2], False))


def test_a_scattered_constant_can_be_a_shape(tmp_path):
    # the scattered values are used, not only its dims: [0, 0, 0] with 4 written at 1 and 2 → [1, 4, 4]
    # after adding [1, 0, 0]
    nodes = [
        node("ConstantOfShape", ["three"], ["z"], "zeros", value=helper.make_tensor("v", 7, [1], [0])),
        node("ScatterND", ["z", "at", "fours"], ["s"], "scatter"),
        node("Add", ["s", "one_first"], ["shape"], "shape"),
        node("Reshape", ["x", "shape"], ["y"], "view"),
    ]
    inits = [ints("three", [3]), ints("at", [[1], [2]]), ints("fours", [4, 4]), ints("one_first", [1, 0, 0])]
    m = model(nodes, [("x", [1, 16])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "view").output == (4, 4)
    check_shapes(m, spec)


def test_scatter_nd_on_activations_is_refused(tmp_path):
    nodes = [node("ScatterND", ["x", "at", "u"], ["y"], "scatter")]
    m = model(nodes, [("x", [1, 4])], ["y"], [ints("at", [[0, 1]]), floats("u", [1.0])])
    with pytest.raises(SpecError, match="ScatterND on activations"):
        run(m, tmp_path)


def test_patch_merging_by_strided_slices(tmp_path):
    """Swin's patch merging: x[..., 0::2, 0::2, :] and its three neighbours, joined on the channels:
    each strided slice is a free channel_slice with a step (on the axis moved last), 4×4×8 → 2×2×32."""
    nodes = [node("Transpose", ["x"], ["nhwc"], "to_nhwc", perm=[0, 2, 3, 1])]  # 1×4×4×8
    parts = []
    for dh in (0, 1):
        for dw in (0, 1):
            rows, cols = f"r{dh}{dw}", f"p{dh}{dw}"
            nodes += [
                node("Slice", ["nhwc", f"s{dh}", "end", "ax1", "two"], [rows], f"rows_{dh}{dw}"),
                node("Slice", [rows, f"s{dw}", "end", "ax2", "two"], [cols], f"cols_{dh}{dw}"),
            ]
            parts.append(cols)
    nodes.append(node("Concat", parts, ["y"], "merge", axis=-1))
    inits = [ints("s0", [0]), ints("s1", [1]), ints("end", [4]), ints("ax1", [1]), ints("ax2", [2]), ints("two", [2])]
    m = model(nodes, [("x", [1, 8, 4, 4])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "merge").output == (2, 2, 32)
    sliced = [e for e in spec.layers if e.kind == "channel_slice"]
    assert len(sliced) == 8 and {e.params.get("step") for e in sliced} == {2}
    assert analysis.totals.macs == 0 and analysis.totals.params == 0
    check_shapes(m, spec)


def test_a_strided_slice_keeps_every_step_th(tmp_path):
    # 10 channels from 1 to 9 by 3: 1, 4, 7 — three channels
    nodes = [node("Slice", ["x", "one", "nine", "ax", "three"], ["y"], "cut")]
    inits = [ints("one", [1]), ints("nine", [9]), ints("ax", [1]), ints("three", [3])]
    m = model(nodes, [("x", [1, 10, 5, 5])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "cut").output == (5, 5, 3)
    assert spec.layers[0].params == {"start": 1, "stop": 9, "step": 3}
    check_shapes(m, spec)


def test_maxvit_einsums_as_batched_matrix_products(tmp_path):
    """MaxViT's attention as TorchScript exports it: scores = einsum('BGHID,BGHJD->BGHIJ', q, k), then
    einsum('BGHIJ,BGHJD->BGHID', weights, v); here q = k = v = the input, 2 groups × 3 heads of 5 tokens × 4."""
    nodes = [
        node("Identity", ["x"], ["k"], "keys"),
        node("Einsum", ["x", "k"], ["s"], "scores", equation="B G H I D, B G H J D -> B G H I J"),
        node("Softmax", ["s"], ["w"], "softmax", axis=-1),
        node("Einsum", ["w", "x"], ["y"], "weighted", equation="B G H I J, B G H J D -> B G H I D"),
    ]
    m = model(nodes, [("x", [1, 2, 3, 5, 4])], ["y"])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "scores").output == (2, 3, 5, 5)
    assert layer(analysis, "scores").macs == 2 * 3 * 5 * 5 * 4  # 5×5 outputs of 4 multiplies per head
    assert layer(analysis, "weighted").macs == 2 * 3 * 5 * 4 * 5  # 5×4 outputs of 5 multiplies per head
    assert analysis.totals.macs == 1200


def einsum_of_one_input(tmp_path, equation, dims):
    nodes = [
        node("Transpose", ["x"], ["t"], "t", perm=list(range(len(dims)))),
        node("Einsum", ["x", "t"], ["y"], "einsum", equation=equation),
    ]
    return run(model(nodes, [("x", dims)], ["y"]), tmp_path)


def test_an_einsum_that_is_a_matmul_of_one_input_by_itself(tmp_path):
    # x·xᵀ per batch: 'bik,bjk->bij' on 1×3×4: 3×3 outputs of 4 multiplies
    spec, analysis = einsum_of_one_input(tmp_path, "bik,bjk->bij", [1, 3, 4])
    assert layer(analysis, "einsum").macs == 3 * 3 * 4


@pytest.mark.parametrize(
    "equation",
    ["bii->bi", "bij,bjk", "...ij,...jk->...ij", "bij,bkj->bji", "bij,bjk->bik,", "bij,cjk->bik"],
)
def test_other_einsums_are_refused_with_the_equation(tmp_path, equation):
    with pytest.raises(SpecError) as caught:
        einsum_of_one_input(tmp_path, equation, [1, 3, 3])
    assert "Einsum" in str(caught.value) and "batched matrix product" in str(caught.value)


def as_strided_model():
    """The dynamo exporter's as_strided of a contiguous pooled tensor: flatten to 6 values, Gather them
    all in order by a stored index of dims 1×6×1×1 (a reshape), as ConvNeXt's and Swin's heads export."""
    nodes = [
        node("GlobalAveragePool", ["x"], ["p"], "pool"),
        node("Reshape", ["p", "flat"], ["f"], "flatten"),
        node("Gather", ["f", "order"], ["y"], "as_strided", axis=0),
    ]
    inits = [ints("flat", [-1]), ints("order", [[[[0]], [[1]], [[2]], [[3]], [[4]], [[5]]]])]
    return model(nodes, [("x", [1, 6, 3, 3])], ["y"], inits)


def test_a_gather_of_every_element_in_order_is_a_reshape(tmp_path):
    spec, analysis = run(as_strided_model(), tmp_path)
    assert spec.layers[-1].kind == "reshape"
    # the flatten took the batch of 1 into the values: every axis after it is the sample's
    assert layer(analysis, "as_strided").output == (1, 6, 1, 1)


def external(m, tmp_path, location="model.data"):
    from onnx.external_data_helper import convert_model_to_external_data

    convert_model_to_external_data(m, all_tensors_to_one_file=True, location=location, size_threshold=0)
    return m


def test_small_indices_in_an_external_data_file_are_read_from_beside_the_model(tmp_path):
    import onnx

    m = external(as_strided_model(), tmp_path)
    onnx.save_model(m, tmp_path / "model.onnx")  # writes model.data beside it
    from costcalc.onnx import load_onnx

    spec = load_onnx(tmp_path / "model.onnx")
    assert spec.layers[-1].kind == "reshape"


def test_external_indices_that_cannot_be_read_are_errors_naming_the_file(tmp_path):
    import onnx

    from costcalc.onnx import load_onnx

    m = external(as_strided_model(), tmp_path)
    onnx.save_model(m, tmp_path / "model.onnx")
    (tmp_path / "model.data").unlink()
    with pytest.raises(SpecError, match=r"external file 'model\.data'.*cannot be read"):
        load_onnx(tmp_path / "model.onnx")
    # a location outside the model's folder is never opened
    m = external(as_strided_model(), tmp_path, location="../outside.data")
    for tensor in m.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../outside.data"
    (tmp_path / "bad.onnx").write_bytes(m.SerializeToString())
    with pytest.raises(SpecError, match="outside the model's folder"):
        load_onnx(tmp_path / "bad.onnx")


def test_the_window_attention_imports_to_a_spec_that_counts_the_same(tmp_path):
    from costcalc.analysis import analyze
    from costcalc.graph import build_graph
    from costcalc.onnx.writer import spec_text
    from costcalc.spec import parse_spec

    spec, analysis = run(window_attention(), tmp_path)
    text = spec_text(spec)
    assert "table: [9, 1]" in text
    again = analyze(build_graph(parse_spec(text, "window.yaml")))
    assert (again.totals.params, again.totals.macs, again.totals.other_ops) == (
        analysis.totals.params,
        analysis.totals.macs,
        analysis.totals.other_ops,
    )


def test_a_gathered_operand_builds_in_pytorch_with_the_table_as_its_parameters():
    torch = pytest.importorskip("torch")
    from costcalc.onnx.torch_parts import Elementwise

    module = Elementwise("add", (4, 4, 1), learned=True, table=(9, 1))  # operand channels last: 4×4×1
    assert sum(p.numel() for p in module.parameters()) == 9
    x = torch.zeros(2, 1, 4, 4)  # N×C×H×W: costcalc's 4×4×1 with a batch of 2
    out = module(x)
    assert out.shape == (2, 1, 4, 4)
    out.sum().backward()  # every table entry reaches the output: 16 positions over 9 entries
    assert module.table.grad is not None and int((module.table.grad > 0).sum()) == 9


def position_mlp(folded: bool = False, gather: str = "Gather"):
    """Swin V2's continuous position bias at toy size, as torchvision's export writes it: an MLP (2 → 8 → 3
    heads) on a stored 3×3 coordinate table, gathered by a 16-entry index into 3 heads × 4×4, 16·sigmoid,
    added to the attention logits x (1×3×4×4) after F.normalize (x / ‖x‖ expanded). ``folded``: the first
    Linear evaluated at export into a stored 3×3×8 table, as the dynamo exporter writes it."""
    first = (
        [node("Add", ["table_w1", "b1"], ["h0"], "cpb_bias")]
        if folded
        else [node("MatMul", ["coords", "W1"], ["h"], "cpb_0"), node("Add", ["h", "b1"], ["h0"], "cpb_bias")]
    )
    index = (
        node("Gather", ["flat", "index"], ["picked"], "bias_gather", axis=0)
        if gather == "Gather"
        else node("GatherND", ["flat", "index_rows"], ["picked"], "bias_gather")
    )
    nodes = [
        node("ReduceL2", ["x", "last"], ["norm"], "norm", keepdims=1),  # → 1×3×4×1
        node("Clip", ["norm", "eps"], ["safe"], "clamp"),
        node("Shape", ["x"], ["x_shape"], "shape"),
        node("Expand", ["safe", "x_shape"], ["wide"], "expand"),  # → 1×3×4×4, read only by the Div
        node("Div", ["x", "wide"], ["unit"], "normalize"),
        *first,
        node("Relu", ["h0"], ["h1"], "cpb_relu"),
        node("MatMul", ["h1", "W2"], ["h2"], "cpb_2"),  # → 1×3×3×3
        node("Reshape", ["h2", "rows"], ["flat"], "table_rows"),  # → 9×3
        index,  # → 16×3
        node("Reshape", ["picked", "grid"], ["grid_hwc"], "bias_grid"),  # → 4×4×3
        node("Transpose", ["grid_hwc"], ["chw"], "heads_first", perm=[2, 0, 1]),  # → 3×4×4
        node("Unsqueeze", ["chw", "zero"], ["bias4"], "batch_axis"),  # → 1×3×4×4
        node("Sigmoid", ["bias4"], ["gate"], "sigmoid"),
        node("Mul", ["gate", "sixteen"], ["bias"], "times_16"),
        node("Add", ["unit", "bias"], ["y"], "add_bias"),
    ]
    stored = [weight("table_w1", 1, 3, 3, 8)] if folded else [weight("coords", 1, 3, 3, 2), weight("W1", 2, 8)]
    initializers = [
        *stored,
        weight("b1", 8),
        weight("W2", 8, 3),
        ints("last", [-1]),
        floats("eps", [1e-12]),
        ints("rows", [-1, 3]),
        ints("index", [(i * 5) % 9 for i in range(16)]),
        ints("index_rows", [[(i * 5) % 9] for i in range(16)]),
        ints("grid", [4, 4, 3]),
        ints("zero", [0]),
        floats("sixteen", [16.0]),
    ]
    return model(nodes, [("x", [1, 3, 4, 4])], ["y"], initializers, opset=18)


@pytest.mark.parametrize("gather", ["Gather", "GatherND"])
def test_swin_v2_position_mlp_on_a_stored_table_is_counted(tmp_path, gather):
    """Its MLP runs on stored values, not on the input, and PyTorch counts it: 9 table rows · 2 · 8 = 144 MACs and
    9 · 8 · 3 = 216; params 2·8 + 8 + 8·3 = 48 (the coordinate table is a buffer, data not params)."""
    m = position_mlp(gather=gather)
    spec, analysis = run(m, tmp_path)
    assert [(x.kind, x.macs) for x in analysis.layers if x.macs] == [("linear", 144), ("linear", 216)]
    assert (analysis.totals.macs, analysis.totals.params) == (360, 48)
    assert layer(analysis, "coords").kind == "stored" and layer(analysis, "coords").params == 0
    assert layer(analysis, "bias_gather").output == (16, 3)  # 16 picks of the 9 rows
    assert check_shapes(m, spec) > 10  # every tensor as onnx.shape_inference has it


def test_a_first_linear_folded_at_export_is_not_counted(tmp_path):
    """The dynamo exporter evaluates the first Linear on the table at export: the file computes only the second
    (216 MACs, 24 params); the folded table and its bias, added on stored values, are data."""
    spec, analysis = run(position_mlp(folded=True), tmp_path)
    assert (analysis.totals.macs, analysis.totals.params) == (216, 24)


def test_a_stored_table_needs_a_batch_of_one(tmp_path):
    m = position_mlp()
    with pytest.raises(SpecError, match=r"'cpb_0' \(MatMul\).*computed once per forward pass.*batch of 1"):
        run(m, tmp_path, input_dims=(2, 3, 4, 4))


def test_an_expand_of_an_activation_read_by_other_than_arithmetic_is_refused(tmp_path):
    nodes = [
        node("ReduceL2", ["x", "last"], ["norm"], "norm", keepdims=1),
        node("Shape", ["x"], ["x_shape"], "shape"),
        node("Expand", ["norm", "x_shape"], ["wide"], "expand"),
        node("Concat", ["x", "wide"], ["y"], "join", axis=1),
    ]
    m = model(nodes, [("x", [1, 3, 4, 4])], ["y"], [ints("last", [-1])], opset=18)
    with pytest.raises(SpecError, match=r"'expand' \(Expand\).*read by something other than elementwise"):
        run(m, tmp_path)


def test_an_expand_wider_than_what_reads_it_is_refused(tmp_path):
    """Read unexpanded, x / ‖x‖ expanded to 2×… would lose the Expand's axis: refused at the Div."""
    nodes = [
        node("ReduceL2", ["x", "last"], ["norm"], "norm", keepdims=1),
        node("Expand", ["norm", "wider"], ["wide"], "expand"),
        node("Div", ["x", "wide"], ["y"], "normalize"),
    ]
    m = model(nodes, [("x", [1, 3, 4, 4])], ["y"], [ints("last", [-1]), ints("wider", [2, 1, 3, 4, 4])], opset=18)
    with pytest.raises(SpecError, match=r"'normalize' \(Div\).*expanded to \[2, 1, 3, 4, 4\]"):
        run(m, tmp_path)


def test_a_pad_of_a_channels_last_grid(tmp_path):
    """Swin V2 pads its N×H×W×C map to whole windows (28 → 32): zero_pad of height and width."""
    nodes = [
        node("Transpose", ["x"], ["nhwc"], "to_nhwc", perm=[0, 2, 3, 1]),  # 1×5×6×3
        node("Pad", ["nhwc", "pads"], ["y"], "pad"),
    ]
    m = model(nodes, [("x", [1, 3, 5, 6])], ["y"], [ints("pads", [0, 0, 0, 0, 0, 3, 2, 0])], opset=18)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "pad").kind == "zero_pad" and layer(analysis, "pad").output == (8, 8, 3)
    check_shapes(m, spec)


def test_the_once_per_run_note_is_in_every_format(tmp_path):
    """The table's MLP runs once per forward pass; costcalc counts per sample: the report says so (JSON warnings, table)."""
    import json

    from typer.testing import CliRunner

    from costcalc.cli import app

    from .onnx_support import save

    path = save(position_mlp(), tmp_path / "v2.onnx")
    result = CliRunner().invoke(app, ["analyze", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    notes = [w for w in json.loads(result.stdout)["warnings"] if w["code"] == "onnx"]
    assert len(notes) == 1 and "run once per forward pass" in notes[0]["message"] and "'coords'" in notes[0]["message"]
    table = CliRunner().invoke(app, ["analyze", str(path)])
    assert "run once per forward pass" in table.stdout
