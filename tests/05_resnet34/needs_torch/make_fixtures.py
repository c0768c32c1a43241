#!/usr/bin/env python3
"""Writes the whole-network parity fixtures of chapter 5 into OUT_DIR (run by CTest).

For each case, a torchvision ResNet with its own initialisation (plus random batch-norm
weights, so that gamma and beta matter) is saved with torch.save and converted by
tools/convert_checkpoint.py, exactly as a user converts pretrained weights, into
OUT_DIR/<case>.weights.safetensors. Then, from those same float32 weights and a float32
batch, PyTorch computes in float64 (so the C++ float32 model is measured against the exact
answer and the C++ float64 model can be held to ~1e-10):

  logits       training mode (batch statistics)
  loss         cross-entropy, averaged over the batch
  grad.<name>  the gradient of the loss with respect to every parameter
  after.<name> every batch-norm running statistic after that forward pass
  eval_logits  evaluation mode (running statistics) on the same batch, after the step

saved with the batch in OUT_DIR/<case>.expected.safetensors.

Every case comes twice. "<case>" has torchvision's random initialisation (batch-norm
biases near 0), so about half of every ReLU's inputs are negative; among millions of them
a few lie within float32 rounding of 0, where the gradient jumps, and no float32
implementation (PyTorch's own included: up to 34% of a tensor's scale, measured) can match
the exact gradient there. "<case>_margin" adds 2 to every batch-norm bias, which keeps
pre-activations away from 0, so that float32 gradients are well defined and must match.

The fixtures are about a gigabyte, so they are generated at test time into the build folder, not committed; a stamp file
skips the work when this script has not changed.

Exits with 77 (CTest's "skipped") when PyTorch is not installed.
"""
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

SKIPPED = 77

# name, torchvision model, stem, classes, input shape
CASES = [
    ("resnet34_imagenet", "resnet34", "imagenet", 10, (4, 3, 64, 64)),
    ("resnet34_cifar", "resnet34", "cifar", 10, (4, 3, 32, 32)),
    ("resnet18_imagenet", "resnet18", "imagenet", 10, (4, 3, 64, 64)),
    ("resnet50_imagenet", "resnet50", "imagenet", 10, (2, 3, 64, 64)),
]


def make_model(torchvision, name, stem, classes):
    import torch
    model = getattr(torchvision.models, name)(num_classes=classes)
    if stem == "cifar":
        model.conv1 = torch.nn.Conv2d(3, model.conv1.out_channels, 3, stride=1, padding=1, bias=False)
        model.maxpool = torch.nn.Identity()
    with torch.no_grad():  # gamma and beta away from 1 and 0, so that a bug in either shows
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.add_(0.1 * torch.randn_like(module.weight))
                module.bias.add_(0.1 * torch.randn_like(module.bias))
    return model


def write_case(out_dir, case, margin, torch, torchvision, convert):
    name, architecture, stem, classes, input_shape = case
    torch.manual_seed(sum(map(ord, name)))
    model = make_model(torchvision, architecture, stem, classes)
    if margin:
        name += "_margin"
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.bias.add_(2.0)
    pth = os.path.join(out_dir, f"{name}.pth")
    torch.save(model.state_dict(), pth)
    weights = os.path.join(out_dir, f"{name}.weights.safetensors")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "convert_checkpoint.py"), "to-safetensors", pth,
                    weights], check=True, stdout=subprocess.DEVNULL)
    os.remove(pth)

    x = torch.randn(input_shape)
    labels = torch.randint(0, classes, (input_shape[0],))
    model = model.double().train()
    logits = model(x.double())
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    expected = {"input": x, "labels": labels, "logits": logits.detach(), "loss": loss.detach()}
    for parameter_name, parameter in model.named_parameters():
        expected[f"grad.{parameter_name}"] = parameter.grad
    for buffer_name, buffer in model.named_buffers():
        if not buffer_name.endswith("num_batches_tracked"):
            expected[f"after.{buffer_name}"] = buffer.clone()
    model.eval()
    with torch.no_grad():
        expected["eval_logits"] = model(x.double())
    convert.save_safetensors(os.path.join(out_dir, f"{name}.expected.safetensors"), expected,
                             {"model": architecture, "stem": stem, "classes": str(classes),
                              "produced_by": f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
                                             "float64 from float32 weights and input"})


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} OUT_DIR", file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    try:
        import torch
        import torchvision
    except ImportError:
        print("skipped: PyTorch is not installed (sudo apt-get install python3-torch python3-torchvision); "
              "the whole-network parity tests need it")
        return SKIPPED
    import convert_checkpoint as convert

    with open(__file__, "rb") as f:
        script_hash = hashlib.sha256(f.read() + open(convert.__file__, "rb").read()).hexdigest()
    stamp = os.path.join(out_dir, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == script_hash:
        print(f"parity fixtures in {out_dir} are up to date")
        return 0
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for case in CASES:
        for margin in (False, True):
            write_case(out_dir, case, margin, torch, torchvision, convert)
        print(f"wrote {case[0]} and {case[0]}_margin")
    with open(stamp, "w") as f:
        f.write(script_hash)
    return 0


if __name__ == "__main__":
    sys.exit(main())
