"""A tiny stand-in for DUSt3R's AsymmetricCroCo3DStereo, for testing the export path only.

Same call as the real model: `net(view1, view2)` with view dicts ('img' [B,3,H,W] in [-1,1],
'true_shape' [B,2], 'instance'), returning `res1 = {pts3d [B,H,W,3], conf [B,H,W]}` and
`res2 = {pts3d_in_other_view [B,H,W,3], conf [B,H,W]}`. Inside: a patch embedding, a shared encoder,
two decoders that cross-attend to each other's tokens, and DUSt3R's head post-processing
(pts3d = xyz/|xyz|·expm1(|xyz|), conf = 1 + exp(c)). Random weights: it predicts nothing useful.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head attention written out with matmuls (exports at any opset)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        m = ctx.shape[1]
        hd = d // self.heads
        q = self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2)
        k, v = self.kv(ctx).reshape(b, m, 2, self.heads, hd).permute(2, 0, 3, 1, 4)
        w = torch.softmax(q @ k.transpose(-1, -2) * hd ** -0.5, dim=-1)
        return self.proj((w @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """Pre-norm transformer block; with `cross`, it also attends to the other view's tokens."""

    def __init__(self, dim: int, heads: int, cross: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.cross = Attention(dim, heads) if cross else None
        self.norm_x = nn.LayerNorm(dim)
        self.norm_y = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor, other: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h)
        if self.cross is not None and other is not None:
            x = x + self.cross(self.norm_x(x), self.norm_y(other))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """Strided conv to tokens plus integer (row, col) patch positions, like croco's PatchEmbed."""

    def __init__(self, patch: int, dim: int) -> None:
        super().__init__()
        self.patch_size = (patch, patch)
        self.proj = nn.Conv2d(3, dim, patch, patch)

    def forward(self, img: torch.Tensor,
                true_shape: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.proj(img)
        b, _, h, w = x.shape
        rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
        pos = torch.stack([rows, cols], dim=-1).reshape(1, h * w, 2).expand(b, -1, -1)
        return x.flatten(2).transpose(1, 2), pos


class Head(nn.Module):
    """Linear head to 4 channels per pixel, then DUSt3R's post-processing ('exp' depth and conf)."""

    def __init__(self, dim: int, patch: int) -> None:
        super().__init__()
        self.patch = patch
        self.proj = nn.Linear(dim, 4 * patch * patch)
        with torch.no_grad():
            self.proj.weight.mul_(0.1)  # keeps expm1(|xyz|) in a sane range with random weights

    def forward(self, tokens: torch.Tensor, shape: Tuple[int, int]) -> Dict[str, torch.Tensor]:
        height, width = shape
        b = tokens.shape[0]
        p = self.patch
        feat = self.proj(tokens).transpose(1, 2).reshape(b, 4 * p * p, height // p, width // p)
        out = F.pixel_shuffle(feat, p).permute(0, 2, 3, 1)  # B,H,W,4
        xyz = out[..., :3]
        d = xyz.norm(dim=-1, keepdim=True)
        pts3d = xyz / d.clamp(min=1e-8) * torch.expm1(d)
        return {'pts3d': pts3d, 'conf': 1 + out[..., 3].exp()}


class StandinDust3R(nn.Module):
    """Two views in, both pointmaps in view 1's frame out (see the module docstring)."""

    def __init__(self, patch: int = 16, dim: int = 32, heads: int = 2, freq: float = 100.0) -> None:
        super().__init__()
        self.patch_embed = PatchEmbed(patch, dim)
        self.freq = freq
        self.pos_proj = nn.Linear(8, dim)
        self.enc_blocks = nn.ModuleList([Block(dim, heads)])
        self.enc_norm = nn.LayerNorm(dim)
        self.dec_blocks = nn.ModuleList([Block(dim, heads, cross=True)])
        self.dec_blocks2 = nn.ModuleList([Block(dim, heads, cross=True)])
        self.downstream_head1 = Head(dim, patch)
        self.downstream_head2 = Head(dim, patch)

    def _positions(self, pos: torch.Tensor) -> torch.Tensor:
        # Sinusoids of row and column at two frequencies (DUSt3R uses RoPE with base 100).
        f = torch.tensor([1.0, 1.0 / self.freq])
        ang = pos.to(torch.float32)[..., None] * f  # B,N,2,2
        return self.pos_proj(torch.cat([ang.sin(), ang.cos()], dim=-1).flatten(2))

    def forward(self, view1: Dict, view2: Dict) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
        img1, img2 = view1['img'], view2['img']
        b = img1.shape[0]
        shape1 = view1.get('true_shape', torch.tensor(img1.shape[-2:])[None].repeat(b, 1))
        shape2 = view2.get('true_shape', torch.tensor(img2.shape[-2:])[None].repeat(b, 1))
        if len(view1['instance']) != b or len(view2['instance']) != b:
            raise ValueError("views need one 'instance' per image, as DUSt3R's is_symmetrized reads them")
        x, pos = self.patch_embed(torch.cat([img1, img2]), torch.cat([shape1, shape2]))
        x = x + self._positions(pos)
        for blk in self.enc_blocks:
            x = blk(x)
        f1, f2 = self.enc_norm(x).chunk(2)
        for blk1, blk2 in zip(self.dec_blocks, self.dec_blocks2):
            f1, f2 = blk1(f1, f2), blk2(f2, f1)
        hw1 = tuple(int(v) for v in shape1[0].tolist())
        hw2 = tuple(int(v) for v in shape2[0].tolist())
        res1 = self.downstream_head1(f1, hw1)
        res2 = self.downstream_head2(f2, hw2)
        res2['pts3d_in_other_view'] = res2.pop('pts3d')
        return res1, res2
