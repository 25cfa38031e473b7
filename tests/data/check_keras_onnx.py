"""Read Keras applications converted by tf2onnx and compare costcalc with a count from the Keras layers
(not run in CI: it needs TensorFlow).

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.16.1 onnx==1.16.2
    /tmp/tf/bin/python tests/data/check_keras_onnx.py --costcalc .venv/bin/costcalc MobileNetV2 ResNet50

The reference MACs are counted here from each Keras layer's documented semantics and its built shapes
(Conv2D: output positions × filters × kernel area × input channels / groups; DepthwiseConv2D: output
positions × channels × multiplier × kernel area; SeparableConv2D: both; Dense: inputs × units per row),
independently of costcalc's rules; params are Keras's trainable weights' elements, costcalc's its
count before folding (tf2onnx folds each batch norm into its conv; the figure assumes PyTorch's
batch norm, γ and β, after a conv without a bias). Exit status 1 when a model's MACs or params
differ or its file is not read.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path


def keras_macs(model) -> int:
    import tensorflow as tf

    layers = tf.keras.layers
    total = 0
    for layer in model.layers:
        if isinstance(layer, tf.keras.Model):
            total += keras_macs(layer)
            continue
        out = layer.output_shape
        if isinstance(out, list):
            out = out[0]
        positions = math.prod(d for d in out[1:-1])  # every axis between batch and channels
        if isinstance(layer, layers.SeparableConv2D):
            cin = layer.input_shape[-1]
            kh, kw = layer.kernel_size
            total += positions * cin * layer.depth_multiplier * kh * kw  # depthwise
            total += positions * cin * layer.depth_multiplier * layer.filters  # pointwise
        elif isinstance(layer, layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            total += positions * out[-1] * kh * kw
        elif isinstance(layer, layers.Conv2D):  # Conv2D (Conv2DTranspose would count per input position)
            cin = layer.input_shape[-1]
            kh, kw = layer.kernel_size
            total += positions * layer.filters * kh * kw * cin // layer.groups
        elif isinstance(layer, layers.Dense):
            total += positions * layer.input_shape[-1] * layer.units
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="tf.keras.applications names (Name@size for another size)")
    parser.add_argument("--costcalc", default="costcalc")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--keep", type=Path, help="keep the ONNX files in this folder")
    args = parser.parse_args()
    import numpy as np
    import tensorflow as tf
    import tf2onnx

    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    failed = False
    print(f"tensorflow {tf.__version__}, tf2onnx {tf2onnx.__version__}, opset {args.opset}")
    print(
        f"{'model':18} {'MACs (Keras layers)':>20} {'MACs (costcalc)':>16} {'params (Keras)':>15} {'before folding':>18}"
    )
    for item in args.models:
        name, _, size = item.partition("@")
        size = int(size or 224)
        model = getattr(tf.keras.applications, name)(weights=None, input_shape=(size, size, 3))
        # weights drawn away from zero: tf2onnx drops an all-zero bias (an untrained Dense's), trained ones keep it
        rng = np.random.default_rng(0)
        model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in model.get_weights()])
        macs = keras_macs(model)
        trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
        frozen = sum(math.prod(w.shape) for w in model.non_trainable_weights)
        path = folder / f"{name}_{size}.onnx"
        spec = (tf.TensorSpec((1, size, size, 3), tf.float32, name="input"),)
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=args.opset, output_path=str(path))
        run = subprocess.run([args.costcalc, "analyze", str(path), "-f", "json"], capture_output=True, text=True)
        if run.returncode:
            failed = True
            print(f"{name:18} {macs:20,} {'not read':>16}  {run.stderr.strip()[:400]}")
            continue
        report = json.loads(run.stdout)
        totals = report["totals"]
        # tf2onnx folds batch norms into the convs: the framework's count is the one to compare
        framework = report.get("onnx", {}).get("params_framework", totals["params"])
        same = totals["macs"] == macs and framework == trainable
        failed |= not same
        print(
            f"{name:18} {macs:20,} {totals['macs']:16,} {trainable:15,} {framework:18,}{'' if same else '  DIFFER'}"
            f"   (graph {totals['params']:,}; Keras non-trainable {frozen:,})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
