"""Checkpoint failures that the notebook does not cover: each is one clear line."""
import json

import pytest
import torch
from safetensors.torch import safe_open, save_file

import liif_edu.checkpoint as ckpt

from liif_edu.paths import BUNDLED_MODEL
from liif_edu.model import LIIF
from liif_edu.official import official_checkpoint


def test_no_bundled_model(monkeypatch, tmp_path):
    monkeypatch.setattr(ckpt, 'BUNDLED_MODEL', tmp_path / 'model.safetensors')
    with pytest.raises(ckpt.CheckpointError, match='no bundled model .* reinstall liif_edu, or clone its repository'):
        ckpt.load_model('bundled')


def test_tensors_disagree_with_config(tmp_path):
    path = ckpt.save_model(LIIF(hidden=(16,)), tmp_path / 'm.safetensors')
    with safe_open(str(path), 'pt') as f:
        meta, state = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    config = json.loads(meta['liif_edu'])
    config['hidden'] = [32]
    save_file(state, tmp_path / 'bad.safetensors', metadata={'liif_edu': json.dumps(config)})
    with pytest.raises(ckpt.CheckpointError, match=r"tensor .decoder.layers.0.(weight|bias). has shape \(16.*\) but the model needs \(32") as e:
        ckpt.load_model(tmp_path / 'bad.safetensors')
    assert '\n' not in str(e.value)


def test_unknown_encoder_in_config(tmp_path):
    path = ckpt.save_model(LIIF(hidden=(8,)), tmp_path / 'm.safetensors')
    with safe_open(str(path), 'pt') as f:
        meta, state = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    config = json.loads(meta['liif_edu'])
    config['encoder']['name'] = 'SwinIR'
    save_file(state, tmp_path / 'odd.safetensors', metadata={'liif_edu': json.dumps(config)})
    with pytest.raises(ckpt.CheckpointError, match="unknown encoder 'SwinIR'"):
        ckpt.load_model(tmp_path / 'odd.safetensors')


def test_truncated_official_checkpoint(tmp_path):
    torch.save(official_checkpoint(LIIF(hidden=(8,))), tmp_path / 'full.pth')
    data = (tmp_path / 'full.pth').read_bytes()
    (tmp_path / 'cut.pth').write_bytes(data[: len(data) // 2])
    with pytest.raises(ckpt.CheckpointError, match='not a readable PyTorch checkpoint') as e:
        ckpt.load_official(tmp_path / 'cut.pth')
    assert '\n' not in str(e.value)


def test_loads_onto_requested_device(tmp_path):
    path = ckpt.save_model(LIIF(hidden=(8,)), tmp_path / 'm.safetensors')
    model = ckpt.load_model(path, device='cpu')
    assert not model.training
    assert next(model.parameters()).device == torch.device('cpu')
