#!/usr/bin/env python3
"""Exports a DynamiCrafter-interp checkpoint to the studio's video-diffusion ONNX contracts
(DESIGN.md, src/engine/models/contracts.ts) and adds the models to the models manifest:

  video-unet         x [1,2C,T,h,w] (noisy ‖ c_concat), timesteps [1], context [1,L,D], fs [1]
                     (+ structure [1,S,D], plucker [1,6,T,h,w] when the fine-tune has them) -> v
  vae-encoder        image [1,3,8h,8w] in [-1,1] -> moments [1,2C,h,w] (mean first)
  vae-decoder        latent [1,C,h,w] (already divided by the latent scale) -> image [1,3,8h,8w]
  image-encoder      image [1,3,224,224] (CLIP mean/std) -> tokens [1,L,D] = text ‖ Resampler(CLIP)
  structure-encoder  points [1,P,6] -> tokens [1,S,D] (only with --structure)

  python3 tools/export/export_dynamicrafter.py --checkout ~/src/DynamiCrafter \\
      --ckpt ~/ckpt/dynamicrafter_512_interp_v1/model.ckpt
  python3 tools/export/export_dynamicrafter.py --standin --out /tmp/models  # testing only

The user's DynamiCrafter checkout is imported at run time; none of its code is part of this project.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.dont_write_bytecode = True  # no __pycache__ in the project tree or the user's checkout

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import Exporter, Tensors, add_checkout, add_common_args, block_modules  # noqa: E402

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
# The studio's unconditional image is all zeros in [-1,1]; after its CLIP preprocessing every pixel is
# ((0 + 1)/2 - mean)/std. This tolerance (in CLIP-normalised units) tells that image from any photo.
UNCOND_TOLERANCE = 1e-3


class UnetAdapter(nn.Module):
    """The contract around `UNetModel.forward(x, timesteps, context, fs=..., **kwargs)`. DiffusionWrapper
    ('hybrid') only concatenates c_concat to the noisy latents, and the studio sends them concatenated."""

    def __init__(self, unet: nn.Module, extra_kwargs: List[str]) -> None:
        super().__init__()
        self.unet = unet
        self.extra_kwargs = extra_kwargs

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor, context: torch.Tensor, fs: torch.Tensor,
                *extra: torch.Tensor) -> torch.Tensor:
        kwargs = dict(zip(self.extra_kwargs, extra))
        return self.unet(x, timesteps, context=context, fs=fs, **kwargs)


class VaeEncoderAdapter(nn.Module):
    """AutoencoderKL.encode -> the posterior's (mean ‖ clamped logvar); the studio takes the mean."""

    def __init__(self, ae: nn.Module) -> None:
        super().__init__()
        self.ae = ae

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        posterior = self.ae.encode(image)
        return torch.cat([posterior.mean, posterior.logvar], dim=1)


class VaeDecoderAdapter(nn.Module):
    def __init__(self, ae: nn.Module) -> None:
        super().__init__()
        self.ae = ae

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.ae.decode(latent)


class ImageEncoderAdapter(nn.Module):
    """DynamiCrafter's cross-attention context for one image: text tokens ‖ Resampler(CLIP tokens).

    The studio already resized to 224² and applied CLIP's mean/std, so the embedder's own preprocess
    is skipped. The text tokens are fixed at export (a prompt). DynamiCrafter's unconditional branch
    pairs the empty prompt with the tokens of an all-zero image; the studio sends exactly that image
    for its unconditional branch, so with `uncond_gate` that image gets the empty-prompt tokens.
    """

    def __init__(self, embedder: nn.Module, resampler: nn.Module, text: torch.Tensor,
                 text_uncond: torch.Tensor, uncond_gate: bool) -> None:
        super().__init__()
        embedder.preprocess = lambda x: x  # instance attribute: encode_with_vision_transformer calls it
        self.embedder = embedder
        self.resampler = resampler
        self.uncond_gate = uncond_gate
        self.register_buffer('text', text.detach().float())
        self.register_buffer('text_uncond', text_uncond.detach().float())
        mean = torch.tensor(CLIP_MEAN).reshape(1, 3, 1, 1)
        std = torch.tensor(CLIP_STD).reshape(1, 3, 1, 1)
        self.register_buffer('uncond_pixel', (0.5 - mean) / std)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        tokens = self.resampler(self.embedder(image))
        text = self.text
        if self.uncond_gate:
            is_uncond = (image - self.uncond_pixel).abs().max() < UNCOND_TOLERANCE  # (amax() exports badly)
            text = torch.where(is_uncond, self.text_uncond, self.text)
        return torch.cat([text, tokens], dim=1)


def _instantiate(cfg: Any) -> Any:
    module, name = str(cfg['target']).rsplit('.', 1)
    return getattr(importlib.import_module(module), name)(**cfg.get('params', {}))


def load_dynamicrafter(checkout: Path, config: Path, ckpt: Path) -> nn.Module:
    """LatentVisualDiffusion from the checkout's config and a checkpoint (as their inference script)."""
    block_modules('xformers', 'xformers.ops')  # memory-efficient attention cannot be exported
    add_checkout(checkout, 'lvdm/models/ddpm3d.py')
    from omegaconf import OmegaConf  # type: ignore[import-not-found]

    model_cfg = OmegaConf.load(str(config)).model
    model_cfg.params.unet_config.params.use_checkpoint = False
    ldm = _instantiate(model_cfg)
    state = torch.load(str(ckpt), map_location='cpu')
    if 'state_dict' in state:
        state = state['state_dict']
    elif 'module' in state:  # DeepSpeed: keys under '_forward_module.'
        state = {k[len('_forward_module.'):]: v for k, v in state['module'].items()}
    # Older checkpoints call the frame-stride embedding framestride_embed.
    state = {k.replace('framestride_embed', 'fps_embedding'): v for k, v in state.items()}
    ldm.load_state_dict(state, strict=True)
    # The OpenCLIP embedders move their tokens to .device ('cuda' by default); the export runs on CPU.
    for encoder in (getattr(ldm, 'cond_stage_model', None), getattr(ldm, 'embedder', None)):
        if encoder is not None and hasattr(encoder, 'device'):
            encoder.device = 'cpu'
    return ldm.float().eval()


def sampler_block(ldm: nn.Module, args: argparse.Namespace) -> Dict[str, Any]:
    """The manifest's sampler settings (SamplerParams in manifest.ts), read from the model."""
    if ldm.parameterization not in ('v', 'eps'):
        raise SystemExit(f"parameterization '{ldm.parameterization}' is not supported (v or eps)")
    schedules = {'linear': 'scaled-linear', 'sqrt_linear': 'linear'}  # LDM names -> manifest names
    if getattr(ldm, 'given_betas', None) is not None or ldm.beta_schedule not in schedules:
        raise SystemExit(f"beta schedule '{ldm.beta_schedule}' is not supported")
    steps = int(ldm.num_timesteps)
    sampler: Dict[str, Any] = {
        'prediction': ldm.parameterization,
        'betaStart': float(ldm.linear_start),
        'betaEnd': float(ldm.linear_end),
        'trainSteps': steps,
        'betaSchedule': schedules[ldm.beta_schedule],
        'zeroTerminalSnr': bool(getattr(ldm, 'rescale_betas_zero_snr', False)),
        'timestepSpacing': 'uniform-trailing',
        'steps': args.steps,
        'eta': args.eta,
        'cfgScale': args.cfg_scale,
        'guidanceRescale': args.guidance_rescale,
        'latentScale': float(ldm.scale_factor),
        'frameStride': args.frame_stride,
        'dynamicRescale': bool(getattr(ldm, 'use_dynamic_rescale', False)),
    }
    if sampler['dynamicRescale']:
        # scale_arr = linspace(1, base_scale, turning_step) ‖ full(num_timesteps, base_scale)
        scale_arr = ldm.scale_arr
        sampler['baseScale'] = round(float(scale_arr[-1]), 6)
        sampler['turningStep'] = int(scale_arr.shape[0]) - steps
    return sampler


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkout', type=Path, help="path of the user's Doubiiu/DynamiCrafter checkout")
    p.add_argument('--config', type=Path,
                   help='model config (default: CHECKOUT/configs/inference_512_v1.0.yaml)')
    p.add_argument('--ckpt', type=Path, help='checkpoint, e.g. dynamicrafter_512_interp_v1/model.ckpt')
    p.add_argument('--prompt', default='Rotating view of a scene', help='text prompt baked into the context')
    p.add_argument('--no-uncond-gate', dest='uncond_gate', action='store_false',
                   help='give the unconditional (all-zero) image the prompt tokens too')
    p.add_argument('--frames', type=int, help='frames T (default: the model\'s temporal_length)')
    p.add_argument('--latent-size', type=int, nargs=2, metavar=('h', 'w'),
                   help="latent height and width (default: the model's image_size, e.g. 40 64)")
    p.add_argument('--structure', action='store_true',
                   help='the fine-tuned UNet takes structure tokens; also export its structure encoder')
    p.add_argument('--structure-attr', default='structure_encoder', help='attribute of the structure encoder')
    p.add_argument('--structure-kwarg', default='structure', help="UNet keyword of the structure tokens")
    p.add_argument('--points', type=int, default=1024, help='points P fed to the structure encoder')
    p.add_argument('--plucker', action='store_true', help='the fine-tuned UNet takes Plücker rays')
    p.add_argument('--plucker-kwarg', default='plucker', help='UNet keyword of the Plücker rays')
    p.add_argument('--steps', type=int, default=50, help='DDIM steps recorded in the manifest')
    p.add_argument('--eta', type=float, default=1.0)
    p.add_argument('--cfg-scale', type=float, default=7.5)
    p.add_argument('--guidance-rescale', type=float, default=0.7)
    p.add_argument('--frame-stride', type=int, default=5,
                   help='fs fed to the UNet (5 for the 512 interp model)')
    add_common_args(p, 'dynamicrafter')
    args = p.parse_args(argv)
    if not args.standin and (args.checkout is None or args.ckpt is None):
        p.error('--checkout and --ckpt are required (or --standin)')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    if args.standin:
        from standin_dynamicrafter import StandinLatentVisualDiffusion

        ldm: nn.Module = StandinLatentVisualDiffusion(structure_tokens=8 if args.structure else 0,
                                                      plucker=args.plucker).eval()
        if args.structure:
            args.points = min(args.points, 64)
        label = 'stand-in, random weights, for testing the export only'
    else:
        config = args.config or args.checkout / 'configs' / 'inference_512_v1.0.yaml'
        ldm = load_dynamicrafter(args.checkout, config, args.ckpt)
        label = args.ckpt.parent.name or args.ckpt.name
    if getattr(ldm.model, 'conditioning_key', None) != 'hybrid':
        raise SystemExit("the contract needs a 'hybrid' model (c_concat + cross-attention), "
                         'as DynamiCrafter-interp is')

    C = int(ldm.channels)
    T = args.frames or int(ldm.temporal_length)
    if T != int(ldm.temporal_length):
        print(f'warning: T={T} but the model was trained with {ldm.temporal_length} frames')
    h, w = args.latent_size or [int(v) for v in ldm.image_size]
    H, W = 8 * h, 8 * w
    gen = torch.Generator().manual_seed(args.seed)

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=gen)

    with torch.no_grad():
        text = ldm.get_learned_conditioning([args.prompt]).float()
        if getattr(ldm, 'uncond_type', 'empty_seq') == 'empty_seq':
            text_uncond = ldm.get_learned_conditioning(['']).float()
        else:
            text_uncond = torch.zeros_like(text)
    image_encoder = ImageEncoderAdapter(ldm.embedder, ldm.image_proj_model, text, text_uncond,
                                        args.uncond_gate).eval()
    uncond_image = image_encoder.uncond_pixel.expand(1, 3, 224, 224).clone()
    photo = {'image': randn(1, 3, 224, 224)}
    with torch.no_grad():
        uncond_tokens = image_encoder(uncond_image)
        cond_tokens = image_encoder(photo['image'])
    _, L, D = uncond_tokens.shape
    Lt = text.shape[1]
    if args.uncond_gate and not (torch.equal(uncond_tokens[:, :Lt], text_uncond)
                                 and torch.equal(cond_tokens[:, :Lt], text)):
        raise SystemExit('image encoder: the unconditional gate did not pick the right text tokens')

    extras: Dict[str, torch.Tensor] = {}
    kwargs: List[str] = []
    structure_encoder: Optional[nn.Module] = None
    S = P = 0
    if args.structure:
        structure_encoder = getattr(ldm, args.structure_attr, None)
        if structure_encoder is None:
            raise SystemExit(f'--structure: the model has no structure encoder at .{args.structure_attr}')
        structure_encoder.eval()
        P = args.points
        with torch.no_grad():
            _, S, Ds = structure_encoder(torch.zeros(1, P, 6)).shape
        if Ds != D:
            raise SystemExit(f'structure tokens have width {Ds}, the context has {D}')
        extras['structure'] = randn(1, S, D)
        kwargs.append(args.structure_kwarg)
    if args.plucker:
        extras['plucker'] = randn(1, 6, T, h, w)
        kwargs.append(args.plucker_kwarg)

    unet = UnetAdapter(ldm.model.diffusion_model, kwargs).eval()
    fs = torch.tensor([float(args.frame_stride)])

    def unet_inputs(t: float) -> Tensors:
        return {'x': randn(1, 2 * C, T, h, w), 'timesteps': torch.tensor([t]), 'context': randn(1, L, D),
                'fs': fs, **{k: randn(*v.shape) for k, v in extras.items()}}

    unet_in = unet_inputs(499.0)
    with torch.no_grad():
        v = unet(*unet_in.values())
    if tuple(v.shape) != (1, C, T, h, w):
        raise SystemExit(f'the UNet returned {tuple(v.shape)}, expected {(1, C, T, h, w)}')

    tag = f'DynamiCrafter-interp ({label})'
    exporter = Exporter(args)
    exporter.add('unet', 'video-unet', f'{tag}: video U-Net (v-prediction)', unet, unet_in, ['v'],
                 dims={'C': C, 'T': T, 'h': h, 'w': w, 'L': L, 'D': D, **({'S': S} if S else {})},
                 sampler=sampler_block(ldm, args),
                 reference_cases=lambda: [unet_in, unet_inputs(999.0)])
    ae = ldm.first_stage_model.eval()
    image = torch.rand(1, 3, H, W, generator=gen) * 2 - 1
    exporter.add('vae-encoder', 'vae-encoder', f'{tag}: VAE encoder', VaeEncoderAdapter(ae).eval(),
                 {'image': image}, ['moments'], dims={'H': H, 'W': W, 'C': C})
    exporter.add('vae-decoder', 'vae-decoder', f'{tag}: VAE decoder', VaeDecoderAdapter(ae).eval(),
                 {'latent': randn(1, C, h, w)}, ['image'], dims={'C': C, 'h': h, 'w': w})
    exporter.add('image-encoder', 'image-encoder', f'{tag}: text + Resampler(CLIP image tokens)',
                 image_encoder, photo, ['tokens'], dims={'Lp': L, 'D': D},
                 reference_cases=lambda: [photo, {'image': uncond_image}])
    if structure_encoder is not None:
        exporter.add('structure-encoder', 'structure-encoder', f'{tag}: structure encoder',
                     structure_encoder, {'points': randn(1, P, 6)}, ['tokens'], dims={'P': P, 'S': S, 'D': D})
    exporter.finish()


if __name__ == '__main__':
    main()
