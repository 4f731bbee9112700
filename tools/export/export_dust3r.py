#!/usr/bin/env python3
"""Exports a DUSt3R checkpoint to the studio's `pointmap` ONNX contract (DESIGN.md, contracts.ts):
img1, img2 [1,3,H,W] in [-1,1] -> pts3d_1 [1,H,W,3], conf_1 [1,H,W], pts3d_2 [1,H,W,3] (view 2 in
view 1's frame), conf_2 [1,H,W] (conf >= 1), and adds the model to the models manifest.

  python3 tools/export/export_dust3r.py --checkout ~/src/dust3r \\
      --ckpt ~/ckpt/DUSt3R_ViTLarge_BaseDecoder_512_dpt.pth --width 512 --height 384
  python3 tools/export/export_dust3r.py --standin --out /tmp/models --width 48 --height 32  # testing

The user's dust3r checkout is imported at run time; none of its code is part of this project.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List

sys.dont_write_bytecode = True  # no __pycache__ in the project tree or the user's checkout

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import Exporter, Tensors, add_checkout, add_common_args, block_modules  # noqa: E402

OUTPUTS = ['pts3d_1', 'conf_1', 'pts3d_2', 'conf_2']


class PointmapAdapter(nn.Module):
    """The contract around DUSt3R's `model(view1, view2)`, one ordered pair per call.

    - normalisation: the studio feeds RGB mapped to [-1,1], which is DUSt3R's own ImgNorm, so the
      images go in unchanged;
    - the symmetric pair: the studio runs (i, j) and (j, i) as two calls, so each call is one
      direction with batch 1 (DUSt3R's is_symmetrized is false for a batch of 1);
    - layout and confidence: res1['pts3d'] and res2['pts3d_in_other_view'] are [B,H,W,3] in view 1's
      frame; conf is DUSt3R's 1 + exp(x) (>= 1), which the studio maps to [0,1] itself.
    """

    def __init__(self, net: nn.Module, height: int, width: int) -> None:
        super().__init__()
        self.net = net
        self.height = height
        self.width = width
        self.register_buffer('true_shape', torch.tensor([[height, width]], dtype=torch.int64))

    def forward(self, img1: torch.Tensor, img2: torch.Tensor):
        view1 = {'img': img1, 'true_shape': self.true_shape, 'instance': ['0'], 'idx': [0]}
        view2 = {'img': img2, 'true_shape': self.true_shape, 'instance': ['1'], 'idx': [1]}
        res1, res2 = self.net(view1, view2)
        h, w = self.height, self.width
        return (res1['pts3d'].reshape(1, h, w, 3), res1['conf'].reshape(1, h, w),
                res2['pts3d_in_other_view'].reshape(1, h, w, 3), res2['conf'].reshape(1, h, w))


def load_dust3r(checkout: Path, ckpt: str) -> nn.Module:
    """A DUSt3R model from a .pth checkpoint (dust3r's load_model) or a Hugging Face folder/name."""
    # croco picks its CUDA RoPE kernel when compiled; that cannot be exported, its PyTorch fallback can.
    block_modules('models.curope')
    add_checkout(checkout, 'dust3r/model.py')
    from dust3r.model import AsymmetricCroCo3DStereo, load_model  # type: ignore[import-not-found]
    from dust3r.patch_embed import PatchEmbedDust3R  # type: ignore[import-not-found]
    from dust3r.utils.misc import transpose_to_landscape  # type: ignore[import-not-found]

    net = load_model(ckpt, 'cpu') if Path(ckpt).is_file() else AsymmetricCroCo3DStereo.from_pretrained(ckpt)
    # What load_model does for .pth files, also for Hugging Face checkpoints: a plain strided patch
    # embedding and no landscape transposition (the export has one fixed size).
    if not isinstance(net.patch_embed, PatchEmbedDust3R):
        net.patch_embed.__class__ = PatchEmbedDust3R
    for name, head in (('head1', net.downstream_head1), ('head2', net.downstream_head2)):
        net._modules.pop(name, None)  # a plain function attribute in dust3r; never a child module
        setattr(net, name, transpose_to_landscape(head, activate=False))
    compiled = [type(m).__name__ for m in net.modules() if 'cuRoPE' in type(m).__name__]
    if compiled:
        raise SystemExit(f'the model still uses {compiled[0]} (compiled RoPE), which cannot be exported')
    return net.float().eval()


def random_images(gen: torch.Generator, height: int, width: int) -> torch.Tensor:
    """A smooth random image in [-1,1] (upsampled noise), more photo-like than white noise."""
    coarse = torch.rand(1, 3, max(1, height // 8), max(1, width // 8), generator=gen)
    img = nn.functional.interpolate(coarse, size=(height, width), mode='bilinear', align_corners=False)
    return img * 2 - 1


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkout', type=Path, help="path of the user's naver/dust3r checkout")
    parser.add_argument('--ckpt', help='DUSt3R checkpoint: a .pth file, or a Hugging Face folder or name')
    parser.add_argument('--width', type=int, default=512, help='input width (a multiple of the patch size)')
    parser.add_argument('--height', type=int, default=384, help='input height (a multiple of the patch size)')
    add_common_args(parser, 'dust3r')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    if args.standin:
        from standin_dust3r import StandinDust3R

        net: nn.Module = StandinDust3R().eval()
        name = 'DUSt3R stand-in (random weights, for testing the export only)'
    else:
        if args.checkout is None or args.ckpt is None:
            parser.error('--checkout and --ckpt are required (or --standin)')
        net = load_dust3r(args.checkout, args.ckpt)
        name = f'DUSt3R ({Path(args.ckpt).name})'
    patch = net.patch_embed.patch_size
    if args.height % patch[0] or args.width % patch[1]:
        parser.error(f'--width/--height must be multiples of the patch size {tuple(patch)}')

    adapter = PointmapAdapter(net, args.height, args.width).eval()
    gen = torch.Generator().manual_seed(args.seed)
    a = random_images(gen, args.height, args.width)
    b = random_images(gen, args.height, args.width)
    inputs: Tensors = {'img1': a, 'img2': b}
    with torch.no_grad():
        out = adapter(a, b)
    if not all(torch.isfinite(t).all() for t in out) or bool((out[1] < 1).any() or (out[3] < 1).any()):
        raise SystemExit('the model gives non-finite values or conf < 1 on a test pair')

    exporter = Exporter(args)
    exporter.add('pointmap', 'pointmap', name, adapter, inputs, OUTPUTS,
                 dims={'H': args.height, 'W': args.width},
                 reference_cases=lambda: [inputs, {'img1': b, 'img2': a}])
    exporter.finish()


if __name__ == '__main__':
    main()
