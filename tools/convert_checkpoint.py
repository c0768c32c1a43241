#!/usr/bin/env python3
"""Converts checkpoints between PyTorch's .pth files and safetensors files.

Run with Debian's Python, which has python3-torch and torchvision:

    /usr/bin/python3 tools/convert_checkpoint.py to-safetensors resnet34.pth resnet34.safetensors
    /usr/bin/python3 tools/convert_checkpoint.py to-pth checkpoint.safetensors resnet34.pth

to-safetensors  reads a state dict saved with torch.save (raw, or inside a dict under
                "state_dict" or "model", as training scripts often save it) and writes
                every tensor with its dtype (float32 -> F32, float64 -> F64, int64 -> I64)
                and a "source" metadata entry. The C++ side loads the result with
                resnet::load_model (see lib/include/resnet/io/checkpoint.hpp).
to-pth          reads a safetensors file (a checkpoint written by the C++ code, or plain
                weights), drops the optimizer state (names starting with "optimizer."),
                and saves the model tensors with torch.save, so that
                torchvision.models.resnet34().load_state_dict(torch.load(OUT)) works.

The safetensors format is written here with struct, json and numpy only (the `safetensors`
package is not needed): an 8-byte little-endian header length N, N bytes of JSON header
padded with spaces to a multiple of 8, then the raw little-endian tensor data. As the
C++ writer does, the metadata gets "crc32:<name>" for every tensor: the CRC-32 of its bytes
(zlib.crc32) as 8 hex digits; reading checks them when a file has them.
save_safetensors() and load_safetensors() can be imported by other scripts.
"""
import argparse
import json
import os
import struct
import sys
import tempfile
import zlib

import numpy as np

FORMAT_KEY = "format"
CHECKPOINT_FORMAT = "resnet-from-scratch checkpoint 1"
OPTIMIZER_PREFIX = "optimizer."
MAX_HEADER_BYTES = 100_000_000  # what the official reader accepts
CHECKSUM_PREFIX = "crc32:"  # metadata "crc32:<name>": the CRC-32 of the tensor's bytes
DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}


class FormatError(ValueError):
    """A file is not valid safetensors, or holds what this tool cannot convert."""


def _as_numpy(value, name):
    """A tensor or array as a little-endian numpy array of a supported dtype."""
    if hasattr(value, "detach"):  # a torch.Tensor; numpy() needs it on the CPU
        value = value.detach().cpu().contiguous().numpy()
    array = np.asarray(value)
    kinds = {"f4": "F32", "f8": "F64", "i8": "I64"}  # numpy kind + size -> safetensors dtype
    code = kinds.get(f"{array.dtype.kind}{array.dtype.itemsize}")
    if code is not None:
        # little-endian, row-major (np.ascontiguousarray would turn a scalar into shape (1,))
        return code, np.array(array, dtype=DTYPES[code], order="C")
    raise FormatError(f"tensor '{name}' has dtype {array.dtype}; only float32, float64 and int64 "
                      "are supported (convert half-precision tensors with .float() first)")


def encode_safetensors(tensors, metadata=None):
    """The bytes of a safetensors file holding `tensors` (name -> array or torch tensor,
    in their order) and `metadata` (str -> str)."""
    header, chunks, offset = {}, [], 0
    metadata = dict(metadata or {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("metadata must map strings to strings")
    if any(key.startswith(CHECKSUM_PREFIX) for key in metadata):
        raise FormatError(f"metadata keys starting with '{CHECKSUM_PREFIX}' are reserved for the checksums")
    header["__metadata__"] = metadata  # filled with the checksums below, before it is written
    for name, value in tensors.items():
        if name == "__metadata__":
            raise FormatError("the name '__metadata__' is reserved for the metadata")
        code, array = _as_numpy(value, name)
        data = array.tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        metadata[CHECKSUM_PREFIX + name] = f"{zlib.crc32(data):08x}"
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_safetensors(path, tensors, metadata=None):
    """Writes a safetensors file atomically (temporary file in the same folder, then rename)."""
    data = encode_safetensors(tensors, metadata)
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _header(data, path):
    """The parsed JSON header and the data section of a safetensors file's bytes."""
    if len(data) < 8:
        raise FormatError(f"{path}: the file has {len(data)} bytes, fewer than the 8 of the header length")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or length > len(data) - 8:
        raise FormatError(f"{path}: the header length {length} does not fit the file of {len(data)} bytes "
                          "(truncated, or not a safetensors file)")
    def refuse_duplicates(pairs):  # json.loads would keep the last of two equal keys
        keys = [key for key, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                raise FormatError(f"{path}: the header names '{key}' twice")
        return dict(pairs)

    try:
        header = json.loads(data[8:8 + length].decode("utf-8"), object_pairs_hook=refuse_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{path}: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise FormatError(f"{path}: the header is not a JSON object")
    return header, data[8 + length:]


def _tensor_info(name, entry, path):
    """(dtype code, shape, begin, end) of one header entry, checked."""
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        raise FormatError(f"{path}: tensor '{name}' needs dtype, shape and data_offsets")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in DTYPES:
        raise FormatError(f"{path}: tensor '{name}' has dtype {code}, which this tool does not support "
                          f"(supported: {', '.join(DTYPES)})")
    counts = lambda xs: isinstance(xs, list) and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0
                                                     for x in xs)
    if not counts(shape) or not counts(offsets) or len(offsets) != 2 or offsets[0] > offsets[1]:
        raise FormatError(f"{path}: tensor '{name}' has a malformed shape {shape} or data_offsets {offsets}")
    expected = int(np.prod(shape, dtype=object)) * DTYPES[code].itemsize
    if expected != offsets[1] - offsets[0]:
        raise FormatError(f"{path}: tensor '{name}' ({code}, shape {shape}) needs {expected} bytes, "
                          f"but its data_offsets {offsets} hold {offsets[1] - offsets[0]}")
    return code, shape, offsets[0], offsets[1]


def load_safetensors(path):
    """Reads a safetensors file: returns (tensors, metadata), tensors a dict name -> numpy
    array in the order of the data, metadata a dict str -> str. Raises FormatError naming
    the file when it is truncated or malformed."""
    with open(path, "rb") as f:
        data = f.read()
    header, body = _header(data, path)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError(f"{path}: __metadata__ must map strings to strings")
    infos = sorted(((_tensor_info(name, entry, path), name) for name, entry in header.items()),
                   key=lambda item: (item[0][2], item[0][3]))
    checksums = {key[len(CHECKSUM_PREFIX):]: metadata.pop(key) for key in list(metadata)
                 if key.startswith(CHECKSUM_PREFIX)}
    tensors, covered = {}, 0
    for (code, shape, begin, end), name in infos:
        if begin != covered:
            raise FormatError(f"{path}: tensor '{name}' starts at byte {begin} of the data section, "
                              f"expected {covered} (a gap or an overlap)")
        if end > len(body):
            raise FormatError(f"{path}: tensor '{name}' ends at byte {end} but the data section has "
                              f"{len(body)} bytes: the file is truncated")
        _check_checksum(name, body[begin:end], checksums, path)
        tensors[name] = np.frombuffer(body, dtype=DTYPES[code], count=(end - begin) // DTYPES[code].itemsize,
                                      offset=begin).reshape(shape).copy()
        covered = end
    if covered != len(body):
        raise FormatError(f"{path}: {len(body) - covered} bytes at the end of the data section belong to no tensor")
    unknown = checksums.keys() - tensors.keys()
    if unknown:
        raise FormatError(f"{path}: the metadata has a checksum for tensor '{sorted(unknown)[0]}', "
                          "which the file does not hold")
    return tensors, metadata


def _check_checksum(name, data, checksums, path):
    """A file with checksums has one for every tensor, and the tensor's bytes match it."""
    if not checksums:
        return  # written by a tool that stores none
    if name not in checksums:
        raise FormatError(f"{path}: tensor '{name}' has no checksum while the other tensors have one")
    computed = f"{zlib.crc32(data):08x}"
    if computed != checksums[name]:
        raise FormatError(f"{path}: tensor '{name}' does not match its checksum (stored CRC-32 {checksums[name]}, "
                          f"its bytes give {computed}): the file was damaged after it was written")


def _state_dict_of(loaded, path):
    """The state dict inside what torch.load returned."""
    import torch

    if isinstance(loaded, torch.nn.Module):  # a whole pickled model (needs --allow-pickle)
        loaded = loaded.state_dict()
    if isinstance(loaded, dict):
        for key in ("state_dict", "model"):
            if isinstance(loaded.get(key), dict):
                loaded = loaded[key]
                break
    if not isinstance(loaded, dict) or not loaded:
        raise FormatError(f"{path}: holds no state dict (expected a dict of tensors, or one under "
                          "'state_dict' or 'model')")
    for name, value in loaded.items():
        if not isinstance(value, torch.Tensor):
            raise FormatError(f"{path}: entry '{name}' holds a value of type {type(value).__name__}, not a tensor")
    return loaded


def to_safetensors(source, target, allow_pickle=False):
    import pickle

    import torch

    try:
        # weights_only: unpickle tensors and plain containers only, never arbitrary code.
        loaded = torch.load(source, map_location="cpu", weights_only=not allow_pickle)
    except pickle.UnpicklingError as error:
        raise FormatError(f"{source}: holds Python objects other than tensors ({error}); if you "
                          "trust the file, rerun with --allow-pickle") from None
    state = _state_dict_of(loaded, source)
    try:
        save_safetensors(target, state, {"source": os.path.basename(source)})
    except FormatError as error:
        raise FormatError(f"{source}: {error}") from None
    print(f"wrote {len(state)} tensors to {target}")


def to_pth(source, target):
    import torch

    tensors, metadata = load_safetensors(source)
    model = {name: torch.from_numpy(array) for name, array in tensors.items()
             if not (metadata.get(FORMAT_KEY) == CHECKPOINT_FORMAT and name.startswith(OPTIMIZER_PREFIX))}
    torch.save(model, target)
    dropped = len(tensors) - len(model)
    print(f"wrote {len(model)} tensors to {target}" + (f" ({dropped} optimizer tensors left out)" if dropped else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    forward = commands.add_parser("to-safetensors", help="a PyTorch .pth state dict -> a safetensors file")
    forward.add_argument("input", metavar="IN.pth")
    forward.add_argument("output", metavar="OUT.safetensors")
    forward.add_argument("--allow-pickle", action="store_true",
                         help="unpickle any Python object in IN.pth (runs code from the file: trusted files only)")
    backward = commands.add_parser("to-pth", help="a safetensors file -> a PyTorch .pth state dict")
    backward.add_argument("input", metavar="IN.safetensors")
    backward.add_argument("output", metavar="OUT.pth")
    args = parser.parse_args(argv)
    try:
        if args.command == "to-safetensors":
            to_safetensors(args.input, args.output, args.allow_pickle)
        else:
            to_pth(args.input, args.output)
    except (FormatError, OSError) as error:
        print(f"convert_checkpoint: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
