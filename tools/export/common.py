"""Shared parts of the exporters: ONNX export (with external data when large), hashing, the models
manifest (public/models/manifest.json, format in src/engine/models/manifest.ts) and reference cases."""

from __future__ import annotations

import argparse
import base64
import hashlib
import inspect
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import onnx
import torch

OPSET = 17
CONTRACT_VERSION = 1
MANIFEST_VERSION = 1
# protobuf cannot serialise a message over 2 GiB; stay clear of it with the weights alone.
EXTERNAL_DATA_AUTO_BYTES = 1_800_000_000
# Tensors smaller than this stay inside the .onnx when the weights go to a .data file.
EXTERNAL_SIZE_THRESHOLD = 1024

Tensors = Dict[str, torch.Tensor]


def block_modules(*names: str) -> None:
    """Make `import name` raise ImportError, so a checkout falls back to its exportable PyTorch code
    (croco's compiled RoPE kernel, xformers' attention)."""
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]


def add_checkout(path: Path, marker: str) -> None:
    """Put a user's checkout first on sys.path; `marker` is a file it must contain."""
    if not (path / marker).exists():
        raise SystemExit(f'{path} does not look like the right checkout: {marker} is missing')
    sys.path.insert(0, str(path.resolve()))


def add_common_args(parser: argparse.ArgumentParser, default_prefix: str) -> None:
    parser.add_argument('--out', type=Path, default=Path('public/models'),
                        help='folder for the .onnx files (default: public/models)')
    parser.add_argument('--manifest', type=Path, default=None,
                        help='manifest.json to create or update (default: OUT/manifest.json)')
    parser.add_argument('--id-prefix', default=default_prefix, help='prefix of the manifest ids')
    parser.add_argument('--external-data', choices=['auto', 'always', 'never'], default='auto',
                        help='weights in a separate .onnx.data file: when over ~1.8 GB (auto), always, never')
    parser.add_argument('--reference-dir', type=Path, default=None,
                        help='also write <id>.reference.json (inputs and PyTorch outputs) for parity tests')
    parser.add_argument('--license', default=None, help='license string recorded in the manifest')
    parser.add_argument('--standin', action='store_true',
                        help='export tiny random stand-in modules instead of a checkpoint (testing only)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the stand-ins and reference inputs')


def _expm1(g: Any, x: Any) -> Any:
    return g.op('Sub', g.op('Exp', x), g.op('Constant', value_t=torch.tensor(1.0, dtype=torch.float32)))


def register_symbolics() -> None:
    """ONNX lowerings torch 1.13 lacks for ops these models use (DUSt3R's 'exp' depth mode: expm1)."""
    torch.onnx.register_custom_op_symbolic('aten::expm1', _expm1, OPSET)


def _tensor_bytes(t: onnx.TensorProto) -> int:
    if t.raw_data:
        return len(t.raw_data)
    if t.data_location == onnx.TensorProto.EXTERNAL:
        return next((int(e.value) for e in t.external_data if e.key == 'length'), 0)
    return int(np.prod(t.dims, dtype=np.int64)) * 4


def export_onnx(module: torch.nn.Module, inputs: Tensors, output_names: Sequence[str], path: Path,
                external_data: str = 'auto', dynamic_axes: Optional[Dict[str, Dict[int, str]]] = None
                ) -> List[Path]:
    """Exports `module(*inputs.values())` (inputs named by the keys) to `path`; returns the written files,
    the .onnx first. The weights go to one `<name>.onnx.data` file when large (or when asked)."""
    module.eval()
    register_symbolics()
    names = list(inputs)
    options: Dict[str, Any] = {}
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        options['dynamo'] = False  # newer torch: keep the TorchScript exporter this code is written for
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / path.name
        with torch.no_grad(), warnings.catch_warnings():
            # Tracing fixed-size models: constants baked from shapes are intended, not a problem.
            warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
            warnings.filterwarnings('ignore', message='The shape inference of prim::Constant')
            torch.onnx.export(module, tuple(inputs[n] for n in names), str(staged), input_names=names,
                              output_names=list(output_names), opset_version=OPSET,
                              do_constant_folding=True, dynamic_axes=dynamic_axes or {}, **options)
        # Loads any external tensors torch wrote next to it (it does so by itself above 2 GB).
        model = onnx.load(str(staged))
    graph_inputs = [i.name for i in model.graph.input]
    missing = [n for n in names if n not in graph_inputs]
    if missing:
        raise SystemExit(f'{path.name}: the model ignores input(s) {missing}: the exported graph dropped '
                         'them. Leave out the option that adds them, or check that the model uses them.')
    weights = sum(_tensor_bytes(t) for t in model.graph.initializer)
    external = external_data == 'always' or (external_data == 'auto' and weights > EXTERNAL_DATA_AUTO_BYTES)
    data_path = path.with_name(path.name + '.data')
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, data_path):
        stale.unlink(missing_ok=True)
    if external:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_path.name, size_threshold=EXTERNAL_SIZE_THRESHOLD,
                        convert_attribute=False)
    else:
        onnx.save_model(model, str(path))
    onnx.checker.check_model(str(path))  # by path, so it also works above 2 GB
    return [path, data_path] if data_path.exists() else [path]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def manifest_entry(model_id: str, role: str, name: str, dims: Dict[str, int], files: Sequence[Path],
                   manifest_dir: Path, sampler: Optional[Dict[str, Any]] = None,
                   license: Optional[str] = None) -> Dict[str, Any]:
    """One `models[]` entry: paths relative to the manifest, bytes and SHA-256 of every file."""
    listed = []
    for f in files:
        try:
            rel = f.resolve().relative_to(manifest_dir.resolve()).as_posix()
        except ValueError:
            raise SystemExit(f'{f} is not inside {manifest_dir}: model files must sit under the manifest')
        listed.append({'path': rel, 'bytes': f.stat().st_size, 'sha256': sha256_file(f)})
    entry: Dict[str, Any] = {'id': model_id, 'role': role, 'contract': CONTRACT_VERSION, 'name': name}
    if license:
        entry['license'] = license
    entry['dims'] = {k: int(v) for k, v in dims.items()}
    entry['files'] = listed
    if sampler:
        entry['sampler'] = sampler
    return entry


def update_manifest(manifest_path: Path, entries: Sequence[Dict[str, Any]]) -> None:
    """Replaces the entries with the same ids (in place) and appends the new ones; keeps the rest."""
    models: List[Dict[str, Any]] = []
    if manifest_path.exists():
        data = json.loads(manifest_path.read_text(encoding='utf-8'))
        if data.get('version') != MANIFEST_VERSION or not isinstance(data.get('models'), list):
            raise SystemExit(f'{manifest_path} is not a version-{MANIFEST_VERSION} models manifest')
        models = data['models']
    for entry in entries:
        at = next((i for i, m in enumerate(models) if m.get('id') == entry['id']), None)
        if at is None:
            models.append(entry)
        else:
            models[at] = entry
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({'version': MANIFEST_VERSION, 'models': models}, indent=2)
    manifest_path.write_text(text + '\n', encoding='utf-8')


def _flat(t: torch.Tensor) -> Dict[str, Any]:
    a = t.detach().to(torch.float32).contiguous().numpy().astype('<f4')
    return {'dims': list(a.shape), 'base64': base64.b64encode(a.tobytes()).decode('ascii')}


def write_reference(ref_dir: Path, model_id: str, module: torch.nn.Module, cases: Sequence[Tensors],
                    output_names: Sequence[str]) -> None:
    """<id>.reference.json: inputs and the PyTorch module's outputs, so a test can check that the ONNX
    graph computes the same thing in the studio's runtime."""
    out = []
    with torch.no_grad():
        for inputs in cases:
            result = module(*inputs.values())
            result = result if isinstance(result, (tuple, list)) else (result,)
            out.append({'inputs': {k: _flat(v) for k, v in inputs.items()},
                        'outputs': {k: _flat(v) for k, v in zip(output_names, result)}})
    ref_dir.mkdir(parents=True, exist_ok=True)
    (ref_dir / f'{model_id}.reference.json').write_text(json.dumps({'id': model_id, 'cases': out}))


class Exporter:
    """Collects exported models of one run and writes the manifest at the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.manifest_path: Path = args.manifest or (args.out / 'manifest.json')
        self.entries: List[Dict[str, Any]] = []
        # Checked before the (long) exports: manifest paths are relative and may not climb out.
        try:
            self.out.resolve().relative_to(self.manifest_path.parent.resolve())
        except ValueError:
            raise SystemExit(f'--out {self.out} must be inside the folder of {self.manifest_path}')

    def add(self, suffix: str, role: str, name: str, module: torch.nn.Module, inputs: Tensors,
            output_names: Sequence[str], dims: Dict[str, int], sampler: Optional[Dict[str, Any]] = None,
            dynamic_axes: Optional[Dict[str, Dict[int, str]]] = None,
            reference_cases: Optional[Callable[[], Sequence[Tensors]]] = None) -> None:
        model_id = f'{self.args.id_prefix}-{suffix}'
        path = self.out / f'{model_id}.onnx'
        files = export_onnx(module, inputs, output_names, path, self.args.external_data, dynamic_axes)
        entry = manifest_entry(model_id, role, name, dims, files, self.manifest_path.parent, sampler,
                               self.args.license)
        self.entries.append(entry)
        if self.args.reference_dir is not None:
            cases = reference_cases() if reference_cases else [inputs]
            write_reference(self.args.reference_dir, model_id, module, cases, output_names)
        size = sum(f['bytes'] for f in entry['files'])
        print(f'  {role:<17} {model_id}: {len(files)} file(s), {size / 1e6:.2f} MB, dims {entry["dims"]}')

    def finish(self) -> None:
        update_manifest(self.manifest_path, self.entries)
        print(f'updated {self.manifest_path} ({len(self.entries)} model(s))')
