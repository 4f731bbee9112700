"""Tiny stand-ins for DynamiCrafter's LatentVisualDiffusion (lvdm/models/ddpm3d.py), for testing the
export path only. They expose the attributes and calls the exporter uses on the real model:

- `model.diffusion_model(x, timesteps, context=None, features_adapter=None, fs=None, **kwargs)`: the
  UNet (x [B,2C,T,h,w] -> [B,C,T,h,w]), with DynamiCrafter's per-frame split of the image tokens
  when len(context) == text tokens + T x queries;
- `first_stage_model.encode(x)` -> a Gaussian with .mean/.logvar, `.decode(z)`: the VAE (/8);
- `embedder(image)` -> CLIP-like tokens (it calls `preprocess`, as FrozenOpenCLIPImageEmbedderV2 does)
  and `image_proj_model(tokens)` -> T x queries tokens (the Resampler);
- `get_learned_conditioning([prompt])` -> text tokens; the schedule attributes (parameterization,
  linear_start/end, num_timesteps, rescale_betas_zero_snr, scale_factor, scale_arr, ...).

Plus two things DynamiCrafter itself does not have, for ReconX/SpatialCrafter-style fine-tunes: the
UNet's optional `structure` tokens and `plucker` rays, and a `structure_encoder` (points -> tokens).
Random weights: none of this generates anything.
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from standin_dust3r import Attention

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [B, dim] of (possibly fractional) timesteps [B]: cos half, then sin half."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class StandinUNet(nn.Module):
    def __init__(self, channels: int, frames: int, ctx_dim: int, text_tokens: int, queries: int,
                 width: int = 16, structure: bool = False, plucker: bool = False) -> None:
        super().__init__()
        self.model_channels = width
        self.text_tokens = text_tokens
        self.queries = queries
        self.use_structure = structure
        self.use_plucker = plucker
        self.time_embed = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.fps_embedding = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.conv_in = nn.Conv2d(2 * channels + (6 if plucker else 0), width, 3, padding=1)
        self.norm = nn.GroupNorm(4, width)
        self.ctx_proj = nn.Linear(ctx_dim, width)
        self.cross = Attention(width, 2)
        self.temporal = nn.Conv1d(width, width, 3, padding=1)
        self.out = nn.Sequential(nn.GroupNorm(4, width), nn.SiLU(), nn.Conv2d(width, channels, 3, padding=1))

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, context: Optional[torch.Tensor] = None,
                features_adapter: Optional[List[torch.Tensor]] = None, fs: Optional[torch.Tensor] = None,
                structure: Optional[torch.Tensor] = None, plucker: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        b, _, t, h, w = x.shape
        emb = self.time_embed(timestep_embedding(timesteps, self.model_channels))
        if fs is not None:
            emb = emb + self.fps_embedding(timestep_embedding(fs, self.model_channels))
        assert context is not None
        if context.shape[1] == self.text_tokens + t * self.queries:  # per-frame image tokens
            text = context[:, :self.text_tokens].repeat_interleave(t, dim=0)
            img = context[:, self.text_tokens:].reshape(b * t, self.queries, -1)
            ctx = torch.cat([text, img], dim=1)
        else:
            ctx = context.repeat_interleave(t, dim=0)
        if self.use_structure and structure is not None:
            ctx = torch.cat([ctx, structure.repeat_interleave(t, dim=0)], dim=1)
        if self.use_plucker and plucker is not None:
            x = torch.cat([x, plucker], dim=1)
        hid = x.permute(0, 2, 1, 3, 4).reshape(b * t, -1, h, w)
        hid = self.conv_in(hid) + emb.repeat_interleave(t, dim=0)[:, :, None, None]
        hid = F.silu(self.norm(hid))
        c = hid.shape[1]
        tokens = hid.flatten(2).transpose(1, 2)
        tokens = tokens + self.cross(tokens, self.ctx_proj(ctx))
        hid = tokens.transpose(1, 2).reshape(b * t, c, h, w)
        # Temporal mixing along the frames, per pixel.
        seq = hid.reshape(b, t, c, h * w).permute(0, 3, 2, 1).reshape(b * h * w, c, t)
        seq = seq + self.temporal(seq)
        hid = seq.reshape(b, h * w, c, t).permute(0, 3, 2, 1).reshape(b * t, c, h, w)
        out = self.out(hid)
        return out.reshape(b, t, -1, h, w).permute(0, 2, 1, 3, 4)


class Gaussian:
    """DiagonalGaussianDistribution's fields: mean and clamped log-variance from the moments."""

    def __init__(self, moments: torch.Tensor) -> None:
        self.parameters = moments
        self.mean, logvar = torch.chunk(moments, 2, dim=1)
        self.logvar = torch.clamp(logvar, -30.0, 20.0)


class StandinAutoencoderKL(nn.Module):
    def __init__(self, embed_dim: int, z_channels: int = 4, width: int = 16) -> None:
        super().__init__()
        down = []
        for i in range(3):
            down += [nn.Conv2d(3 if i == 0 else width, width, 3, stride=2, padding=1), nn.SiLU()]
        self.encoder = nn.Sequential(*down, nn.Conv2d(width, 2 * z_channels, 3, padding=1))
        self.quant_conv = nn.Conv2d(2 * z_channels, 2 * embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z_channels, 1)
        up: List[nn.Module] = [nn.Conv2d(z_channels, width, 3, padding=1)]
        for _ in range(3):
            up += [nn.Upsample(scale_factor=2.0, mode='nearest'), nn.Conv2d(width, width, 3, padding=1),
                   nn.SiLU()]
        self.decoder = nn.Sequential(*up, nn.Conv2d(width, 3, 3, padding=1))

    def encode(self, x: torch.Tensor) -> Gaussian:
        return Gaussian(self.quant_conv(self.encoder(x)))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(z))


class ResidualAttentionBlock(nn.Module):
    """open_clip's transformer block: nn.MultiheadAttention on sequence-first (L, N, D) tokens."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class StandinImageEmbedder(nn.Module):
    """FrozenOpenCLIPImageEmbedderV2's shape: preprocess (resize to 224, CLIP mean/std), then patch
    tokens + class token through open_clip-style blocks, all tokens out (before ln_post)."""

    def __init__(self, width: int = 32, patch: int = 32) -> None:
        super().__init__()
        grid = 224 // patch
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * 0.1)
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, width) * 0.1)
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = nn.Sequential(ResidualAttentionBlock(width, 2))
        self.register_buffer('mean', torch.tensor(CLIP_MEAN).reshape(1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(CLIP_STD).reshape(1, 3, 1, 1), persistent=False)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=(224, 224), mode='bicubic', align_corners=True)
        return ((x + 1) / 2 - self.mean) / self.std

    def forward(self, image: torch.Tensor, no_dropout: bool = False) -> torch.Tensor:
        return self.encode_with_vision_transformer(image)

    def encode_with_vision_transformer(self, x: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(x)
        x = self.conv1(x).flatten(2).transpose(1, 2)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1])
        x = self.ln_pre(torch.cat([cls, x], dim=1) + self.positional_embedding)
        return self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)  # NLD -> LND -> NLD


class StandinResampler(nn.Module):
    """Learned queries (queries per frame x frames) attending to the image tokens."""

    def __init__(self, in_dim: int, out_dim: int, queries: int, frames: int) -> None:
        super().__init__()
        self.latents = nn.Parameter(torch.randn(1, queries * frames, out_dim) * 0.1)
        self.proj_in = nn.Linear(in_dim, out_dim)
        self.attn = Attention(out_dim, 2)
        self.norm_out = nn.LayerNorm(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.latents.expand(x.shape[0], -1, -1)
        return self.norm_out(q + self.attn(q, self.proj_in(x)))


class StandinTextEncoder(nn.Module):
    """Bytes of the prompt (padded) -> token embeddings; encode(list of str) like FrozenOpenCLIPEmbedder."""

    def __init__(self, tokens: int, dim: int) -> None:
        super().__init__()
        self.tokens = tokens
        self.embed = nn.Embedding(256, dim)
        self.pos = nn.Parameter(torch.randn(tokens, dim) * 0.1)

    def encode(self, prompts: List[str]) -> torch.Tensor:
        ids = torch.zeros(len(prompts), self.tokens, dtype=torch.long)
        for i, p in enumerate(prompts):
            raw = list(p.encode('utf-8'))[: self.tokens]
            ids[i, : len(raw)] = torch.tensor(raw, dtype=torch.long)
        return self.embed(ids) + self.pos


class StandinStructureEncoder(nn.Module):
    """ReconX-style point-cloud tokens: per-point MLP on (xyz, rgb), max over groups of P/S points."""

    def __init__(self, tokens: int, dim: int) -> None:
        super().__init__()
        self.tokens = tokens
        self.mlp = nn.Sequential(nn.Linear(6, dim), nn.GELU(), nn.Linear(dim, dim))
        self.out = nn.Linear(dim, dim)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        b, p, _ = points.shape
        feat = self.mlp(points).reshape(b, self.tokens, p // self.tokens, -1)
        return self.out(feat.amax(dim=2))


class StandinLatentVisualDiffusion(nn.Module):
    """The attributes of DynamiCrafter-interp's LatentVisualDiffusion (512 config) at tiny sizes."""

    def __init__(self, channels: int = 4, frames: int = 4, latent_size: Tuple[int, int] = (4, 6),
                 ctx_dim: int = 32, text_tokens: int = 5, queries: int = 2, structure_tokens: int = 0,
                 plucker: bool = False) -> None:
        super().__init__()
        self.parameterization = 'v'
        self.beta_schedule = 'linear'
        self.given_betas = None
        self.linear_start = 0.00085
        self.linear_end = 0.012
        self.num_timesteps = 1000
        self.rescale_betas_zero_snr = True
        self.scale_factor = 0.18215
        self.use_dynamic_rescale = True
        base_scale, turning_step = 0.7, 400
        scale_arr = np.concatenate([np.linspace(1.0, base_scale, turning_step),
                                    np.full(self.num_timesteps, base_scale)])
        self.register_buffer('scale_arr', torch.tensor(scale_arr, dtype=torch.float32))
        self.uncond_type = 'empty_seq'
        self.channels = channels
        self.temporal_length = frames
        self.image_size = list(latent_size)

        self.model = nn.Module()
        self.model.conditioning_key = 'hybrid'  # type: ignore[assignment]
        self.model.diffusion_model = StandinUNet(channels, frames, ctx_dim, text_tokens, queries,
                                                 structure=structure_tokens > 0, plucker=plucker)
        self.first_stage_model = StandinAutoencoderKL(channels)
        self.cond_stage_model = StandinTextEncoder(text_tokens, ctx_dim)
        self.embedder = StandinImageEmbedder()
        self.image_proj_model = StandinResampler(32, ctx_dim, queries, frames)
        if structure_tokens > 0:
            self.structure_encoder = StandinStructureEncoder(structure_tokens, ctx_dim)

    def get_learned_conditioning(self, prompts: List[str]) -> torch.Tensor:
        return self.cond_stage_model.encode(prompts)
