#!/usr/bin/python3
"""bench/torch_ff.py: the real-valued forward-forward (FF) baseline of
firmware/ff in PyTorch (CPU), timed for the side-by-side of bench/ff_bench.sh.

The network and training step follow pbit_ff_config_default() and
pbit_ff_train_step() (firmware/ff/ff.c) exactly:

  - layers 784-500-500 (--units), ReLU, goodness g = sum_j h_j^2;
  - the image scaled by 1/255 and RMS-normalised; each layer's activities
    RMS-normalised (x / (sqrt(mean x^2) + 1e-6)) and detached before the next
    layer (no gradient between layers);
  - the label on every layer as ff.c's default "append" mode with R = 1: ten
    one-hot lines appended to the layer's input, i.e. a learned label row
    W_label[y] added to the pre-activation (the neutral pass adds nothing);
  - every training example makes C + 1 = 11 passes: the ten labels (their
    summed goodness over layers is the label score) and the neutral label (its
    activities feed the readout). Hard negatives: a wrong label drawn with
    P(c) ~ exp(score_c / 1.0);
  - per-layer SymBa loss softplus(-0.3 (g_pos - g_neg)), mean over the batch;
  - a linear softmax readout on the neutral pass' normalised activities of
    both layers (1000 -> 10, zero-initialised, trained on detached features);
  - Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8; the readout lr 1e-3), cosine
    learning-rate decay over the run, batch 64, W ~ N(0, 1/fan_in) with fan_in
    counting the label lines, b = 0.

Work matches the C trainer's: layer 0's feature product is computed once per
example and shared by its 11 passes, and the weight gradients are taken over
the positive and negative passes only (RowGradLinear below), as ff.c does.
Random streams differ from ff.c's counter-based RNG, so the numbers are not
bit-identical to the C trainer; the algorithm and the arithmetic are the same.

Fashion-MNIST is read from the IDX gzip files with gzip + struct (no
torchvision), from --data-dir, else $PBITSIM_FASHION_DIR, else
/usr/share/datasets/fashion-mnist (as the C loader does).

Output: one line
  torch_ff samples_per_s=<x> threads=<n> examples=<n> layers=784-500-500 batch=<b> ...
and, with --json FILE, the same figures as JSON. Exit codes: 0 success,
1 run-time failure, 2 bad usage, torch missing or data missing.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

PROG = "torch_ff"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def die(msg, code=2):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=PROG, description="PyTorch CPU throughput of the real-valued FF baseline (firmware/ff).")
    p.add_argument("--examples", type=int, default=10000,
                   help="training examples timed (default 10000; the first N of the training set)")
    p.add_argument("--warmup", type=int, default=640,
                   help="training examples run before the timer starts (default 640 = 10 batches)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--batch", type=int, default=64, help="examples per step (default 64, as ff.c)")
    p.add_argument("--units", default="500,500", help="hidden layer sizes (default 500,500)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", default=None,
                   help="Fashion-MNIST IDX .gz files (default $PBITSIM_FASHION_DIR or " + DEFAULT_DATA + ")")
    p.add_argument("--test", type=int, default=0,
                   help="after timing, report goodness accuracy on the first N test images (default 0: off)")
    p.add_argument("--json", default=None, help="also write the figures as JSON to this file")
    a = p.parse_args(argv)
    if a.examples < 1 or a.warmup < 0 or a.threads < 1 or a.batch < 1 or a.test < 0:
        die("--examples, --threads, --batch must be >= 1; --warmup, --test >= 0")
    try:
        a.units = [int(u) for u in a.units.split(",")]
    except ValueError:
        die(f"bad --units '{a.units}' (want e.g. 500,500)")
    if not a.units or any(u < 1 for u in a.units):
        die(f"bad --units '{a.units}'")
    return a


# ------------------------------------------------------------------ data

def read_idx_gz(path, want_dims):
    """Returns (dims, payload bytes) of an IDX unsigned-byte file."""
    if not os.path.isfile(path):
        die(f"Fashion-MNIST file missing: {path} (apt-get install dataset-fashion-mnist, or --data-dir)")
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        die(f"{path}: not a readable gzip file ({e})")
    if len(raw) < 4:
        die(f"{path}: truncated IDX header")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08 or ndim != want_dims:
        die(f"{path}: not an IDX unsigned-byte file of {want_dims} dimension(s)")
    hdr = 4 + 4 * ndim
    if len(raw) < hdr:
        die(f"{path}: truncated IDX header")
    dims = struct.unpack(">" + "I" * ndim, raw[4:hdr])
    n = 1
    for d in dims:
        n *= d
    if len(raw) != hdr + n:
        die(f"{path}: {len(raw) - hdr} data bytes, header says {n}")
    return dims, raw[hdr:]


def load_split(torch, data_dir, prefix, limit):
    dims, px = read_idx_gz(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 3)
    ldims, lb = read_idx_gz(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 1)
    if ldims[0] != dims[0]:
        die(f"{data_dir}: {prefix} has {dims[0]} images but {ldims[0]} labels")
    n = min(limit, dims[0])
    d = dims[1] * dims[2]
    x = torch.frombuffer(bytearray(px[: n * d]), dtype=torch.uint8).reshape(n, d)
    y = torch.frombuffer(bytearray(lb[:n]), dtype=torch.uint8).long()
    if int(y.max()) >= 10:
        die(f"{data_dir}: {prefix} label {int(y.max())} >= 10 classes")
    return x, y


# ------------------------------------------------------------------ model

def build(torch, units, classes, inputs, seed):
    F = torch.nn.functional

    class RowGradLinear(torch.autograd.Function):
        """z[rows] of z = x @ w + b already computed without grad for every row;
        the backward takes the weight gradient over the selected rows only
        (ff.c: gradients over the positive and negative passes, not all 11)."""

        @staticmethod
        def forward(ctx, z_all, x_sel, w, b, rows):
            ctx.save_for_backward(x_sel)
            return z_all.index_select(0, rows)

        @staticmethod
        def backward(ctx, dz):
            (x_sel,) = ctx.saved_tensors
            return None, None, x_sel.t().mm(dz), dz.sum(0), None

    gen = torch.Generator().manual_seed(seed)
    C = classes
    layers = []
    n_in = inputs
    for n in units:
        rows = n_in + C  # fan_in counts the appended label lines (R = 1)
        sd = 1.0 / math.sqrt(rows)
        w_all = torch.randn(rows, n, generator=gen) * sd
        layers.append({
            "wf": torch.nn.Parameter(w_all[:n_in].contiguous()),  # feature rows
            "wl": torch.nn.Parameter(w_all[n_in:].contiguous()),  # label rows (C x n)
            "b": torch.nn.Parameter(torch.zeros(n)),
        })
        n_in = n
    feat = sum(units)
    ro_w = torch.nn.Parameter(torch.zeros(feat, C))
    ro_b = torch.nn.Parameter(torch.zeros(C))
    eps, alpha, hard_temp = 1e-6, 0.3, 1.0

    def rms_norm(h):
        return h / (h.pow(2).mean(-1, keepdim=True).sqrt() + eps)

    def prep(xb):
        return rms_norm(xb.float() * (1.0 / 255.0))

    def forward_all(x, P, zf0=None):
        """No-grad forward of every pass: labels 0..C-1, then (P = C + 1) the
        neutral one. zf0: layer 0's feature product if already computed.
        Returns per layer (feature product b + x W_f, one row per input row;
        the layer's input rows; xn[n, P, N]) and the goodness g[n, P, L]."""
        n = x.shape[0]
        out, gs = [], []
        with torch.no_grad():
            inp = x
            for li, L in enumerate(layers):
                lab = L["wl"] if P == C else torch.cat([L["wl"], L["wl"].new_zeros(1, L["wl"].shape[1])])
                if li == 0:
                    # n x N, shared by the P passes
                    zf = zf0 if zf0 is not None else torch.addmm(L["b"], inp, L["wf"])
                    z = zf.unsqueeze(1) + lab.unsqueeze(0)              # n x P x N
                else:
                    zf = torch.addmm(L["b"], inp, L["wf"])              # (n P) x N
                    z = zf.view(n, P, -1) + lab.unsqueeze(0)
                h = z.clamp_min(0.0)
                g = h.pow(2).sum(-1)                                    # n x P
                xn = rms_norm(h)
                out.append((zf, inp, xn))
                gs.append(g)
                inp = xn.reshape(n * P, -1)
        return out, torch.stack(gs, -1)

    def train_step(xb, yb, opt):
        n = xb.shape[0]
        P = C + 1
        x = prep(xb)
        # layer 0's feature product, once per example, with autograd
        zf0 = torch.addmm(layers[0]["b"], x, layers[0]["wf"])
        fw, g = forward_all(x, P, zf0.detach())
        # hard negatives from the label scores (goodness summed over layers)
        with torch.no_grad():
            s = g[:, :C, :].sum(-1) / hard_temp
            s.scatter_(1, yb.unsqueeze(1), float("-inf"))
            yneg = torch.multinomial(torch.softmax(s, 1), 1).squeeze(1)
        ar = torch.arange(n)
        labs = torch.stack([yb, yneg], 1)                               # n x 2 (pos, neg)
        loss = x.new_zeros(())
        losses = []
        for li, L in enumerate(layers):
            zf, inp, _ = fw[li]
            if li == 0:
                # layer 0: the shared product (autograd) + the 2 label rows
                z = zf0.unsqueeze(1) + L["wl"][labs]                    # n x 2 x N
            else:
                rows = torch.cat([ar * P + yb, ar * P + yneg])          # pos rows, then neg rows
                x_sel = inp.index_select(0, rows)
                zs = RowGradLinear.apply(zf, x_sel, L["wf"], L["b"], rows)
                z = zs.view(2, n, -1).transpose(0, 1) + L["wl"][labs]   # n x 2 x N
            h = torch.relu(z)
            gg = h.pow(2).sum(-1)                                       # n x 2
            ll = F.softplus(-alpha * (gg[:, 0] - gg[:, 1])).mean()
            losses.append(ll.detach())
            loss = loss + ll
        # readout on the neutral pass' activities (detached)
        feats = torch.cat([fw[li][2][:, P - 1, :] for li in range(len(layers))], 1)
        ro = F.cross_entropy(torch.addmm(ro_b, feats, ro_w), yb)
        losses.append(ro.detach())
        opt.zero_grad(set_to_none=True)
        (loss + ro).backward()
        opt.step()
        return losses

    def predict_goodness(xb):
        fw, g = forward_all(prep(xb), C)
        return g.sum(-1).argmax(1)

    params = [p for L in layers for p in (L["wf"], L["wl"], L["b"])]
    return params, [ro_w, ro_b], train_step, predict_goodness


# ------------------------------------------------------------------ main

def blas_library():
    """The BLAS shared object torch loaded (from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    for lib in sorted(libs):
        if "openblas" in lib:
            return "openblas:" + lib
    for lib in sorted(libs):
        if "libblas" in lib:
            return ("reference:" if "/blas/" in lib else "libblas:") + lib
    return ",".join(sorted(libs)) or "none"


def main(argv):
    a = parse_args(argv)
    try:
        import torch
    except ImportError as e:
        die(f"PyTorch is not installed for {sys.executable} ({e}); "
            "install it with: scripts/setup.sh --bench (apt-get install python3-torch)")
    data_dir = a.data_dir or os.environ.get("PBITSIM_FASHION_DIR") or DEFAULT_DATA
    xtr, ytr = load_split(torch, data_dir, "train", max(a.examples, 1))
    if xtr.shape[0] < a.examples:
        die(f"--examples {a.examples} > {xtr.shape[0]} training images")
    xte = yte = None
    if a.test > 0:
        xte, yte = load_split(torch, data_dir, "t10k", a.test)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    C = 10
    params, ro_params, train_step, predict = build(torch, a.units, C, xtr.shape[1], a.seed)
    steps_warm = (a.warmup + a.batch - 1) // a.batch
    steps_time = (a.examples + a.batch - 1) // a.batch
    total = steps_warm + steps_time
    lr, ro_lr = 1e-3, 1e-3
    opt = torch.optim.Adam([{"params": params, "lr": lr}, {"params": ro_params, "lr": ro_lr}],
                           betas=(0.9, 0.999), eps=1e-8)

    def batches(count, epoch):
        """Shuffled batches over the first `examples` training images."""
        g = torch.Generator().manual_seed(a.seed * 1000003 + epoch)
        reps = (count + a.examples - 1) // a.examples
        perm = torch.cat([torch.randperm(a.examples, generator=g) for _ in range(reps)])
        for s in range(0, count, a.batch):
            idx = perm[s: min(s + a.batch, count)]
            yield xtr.index_select(0, idx), ytr.index_select(0, idx)

    step = 0

    def run(count, epoch):
        nonlocal step
        sums, n = None, 0
        for xb, yb in batches(count, epoch):
            mult = 0.5 * (1.0 + math.cos(math.pi * min(step / total, 1.0)))  # cosine, floor 0
            opt.param_groups[0]["lr"] = lr * mult
            opt.param_groups[1]["lr"] = ro_lr * mult
            ls = train_step(xb, yb, opt)
            step += 1
            w = xb.shape[0]
            sums = [l * w for l in ls] if sums is None else [s + l * w for s, l in zip(sums, ls)]
            n += w
        return [float(s) / n for s in sums] if sums else []

    try:
        if a.warmup > 0:
            run(a.warmup, 0)
        t0 = time.perf_counter()
        losses = run(a.examples, 1)
        dt = time.perf_counter() - t0
        acc = None
        if a.test > 0:
            with torch.no_grad():
                correct = sum(int((predict(xte[s:s + 1000]) == yte[s:s + 1000]).sum())
                              for s in range(0, xte.shape[0], 1000))
            acc = correct / xte.shape[0]
    except RuntimeError as e:
        die(f"training failed: {e}", 1)
    if not all(math.isfinite(l) for l in losses):
        die("loss is not finite (diverged)", 1)

    sps = a.examples / dt
    layers = "-".join(str(v) for v in [xtr.shape[1]] + a.units)
    blas = blas_library()
    line = (f"torch_ff samples_per_s={sps:.1f} threads={a.threads} examples={a.examples} "
            f"layers={layers} batch={a.batch} seconds={dt:.3f} warmup={a.warmup} "
            f"loss={','.join(f'{l:.4f}' for l in losses)} torch={torch.__version__} "
            f"blas={blas.split(':')[0]}")
    if acc is not None:
        line += f" test_goodness_acc={acc:.4f} test_n={a.test}"
    print(line, flush=True)
    if a.json:
        rec = {"name": "torch_ff", "samples_per_s": sps, "threads": a.threads, "examples": a.examples,
               "warmup": a.warmup, "seconds": dt, "layers": layers, "batch": a.batch,
               "layer_losses": losses[:-1], "readout_loss": losses[-1], "torch": torch.__version__,
               "blas": blas, "num_threads": torch.get_num_threads(), "data_dir": data_dir}
        if acc is not None:
            rec.update({"test_goodness_acc": acc, "test_n": a.test})
        tmp = a.json + ".tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(rec, f, indent=1)
                f.write("\n")
            os.replace(tmp, a.json)
        except OSError as e:
            die(f"cannot write {a.json}: {e}", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
