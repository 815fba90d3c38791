#!/usr/bin/python3
"""scripts/bsff_screen.py: a float screen of layer-local forward-forward
variants, from BSFF's tied-copy counts to real-valued ReLU FF, on
Fashion-MNIST (docs/results.md, "Where the gap to FF comes from").

It is not the firmware: it trains in float with mini-batches (PyTorch,
Debian python3-torch), so that a question such as "what do binarised
pixels cost?" takes minutes instead of an hour of cycle-level simulation.
Ideas that pay here are then built into firmware/bsff and measured there.

What it shares with firmware/bsff (docs/firmware.md):
  - layers 784-N-N (--units, --layers); C x R label lines appended to every
    layer's input (--R); hard negatives drawn with P(c) ~ exp(score_c / temp)
    from the summed goodness of a scoring pass (--neg, --temp); the paired
    loss softplus(-alpha (g_pos - g_neg)) per layer, no gradient between
    layers; cosine learning-rate decay to 0; goodness-argmax inference over
    the 10 labels, and a softmax readout on the neutral-label pass;
  - --act count: K tied copies, z_k = beta a + c_k, c_k = -(k - 1/2) step,
    the expected count m = sum_k sigmoid(z_k); the next layer gets a sampled
    count (--fwd sample) or m (--fwd expect). --good mean: g = mean_j m_j;
    --good sq: g = mean_j E[n_j^2] / K (the firmware's goodness: square);
  - --pix: stoch (Bernoulli draws), thresh (0.5), therm (thermometer), real
    (grey levels); --P planes summed (the firmware's pixel_samples), divided
    by P with --pnorm 1 (what the firmware's larger DAC shift does).
What it does not share: float weights, no p-bit dynamics, mini-batch
averaging (--batch), and --opt adam.

--act relu is Hinton's FF as firmware/ff runs it: ReLU, --good sum is the
sum of squares, activities RMS-normalised between layers.

Example (one line of the table in docs/results.md):
  /usr/bin/python3 scripts/bsff_screen.py --epochs 5 --train 20000 \\
      --opt adam --lr 1e-3 --pix real --good sq --alpha 16
Prints one line per epoch and a final "FINAL <args> <goodness %> <readout %>".

Speed: one thread per run. An epoch of 60,000 images takes about 50 s with
OpenBLAS under torch. Debian's torch links the generic libblas.so.3, which
is the slow reference BLAS unless another provider is installed. To use
OpenBLAS without switching the machine's BLAS (docs/performance.md):
  cd /tmp/ob && apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb root
  LD_LIBRARY_PATH=/tmp/ob/root/usr/lib/x86_64-linux-gnu/openblas-pthread \
      /usr/bin/python3 scripts/bsff_screen.py ...
With the reference BLAS, expect 2-3x longer.
"""
import argparse
import gzip
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--train', type=int, default=60000, help='training examples used')
    ap.add_argument('--units', type=int, default=500)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--K', type=int, default=4)
    ap.add_argument('--R', type=int, default=10)
    ap.add_argument('--act', default='count', choices=['count', 'relu'])
    ap.add_argument('--good', default='mean', choices=['mean', 'sq', 'sum'])
    ap.add_argument('--fwd', default='sample', choices=['sample', 'expect'])
    ap.add_argument('--opt', default='sgd', choices=['sgd', 'adam'])
    ap.add_argument('--lr', type=float, default=1.0, help='sgd: per example (loss summed)')
    ap.add_argument('--alpha', type=float, default=4.0)
    ap.add_argument('--beta', type=float, default=1.0)
    ap.add_argument('--step', type=float, default=1.0)
    ap.add_argument('--neg', default='hard', choices=['hard', 'random'])
    ap.add_argument('--temp', type=float, default=0.05)
    ap.add_argument('--pix', default='stoch', choices=['stoch', 'thresh', 'therm', 'real'])
    ap.add_argument('--P', type=int, default=1)
    ap.add_argument('--pnorm', type=int, default=0)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--readout', type=int, default=1)
    ap.add_argument('--eval_every', type=int, default=0, help='0: at the end only')
    ap.add_argument('--threads', type=int, default=1)
    return ap.parse_args()


def idx(path):
    try:
        with gzip.open(path) as f:
            d = f.read()
    except OSError as e:
        sys.exit(f'bsff_screen: {path}: {e}')
    nd = d[3]
    dims = struct.unpack('>' + 'I' * nd, d[4:4 + 4 * nd])
    return np.frombuffer(d, np.uint8, offset=4 + 4 * nd).reshape(dims)


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    C = 10
    D = a.data.rstrip('/') + '/'
    xtr = torch.tensor(idx(D + 'train-images-idx3-ubyte.gz').reshape(-1, 784)[:a.train]
                       .astype(np.float32) / 255)
    ytr = torch.tensor(idx(D + 'train-labels-idx1-ubyte.gz')[:a.train].astype(np.int64))
    xte = torch.tensor(idx(D + 't10k-images-idx3-ubyte.gz').reshape(-1, 784)
                       .astype(np.float32) / 255)
    yte = torch.tensor(idx(D + 't10k-labels-idx1-ubyte.gz').astype(np.int64))
    n_train = xtr.shape[0]

    def binz(x):
        if a.pix in ('stoch', 'therm'):
            if a.pix == 'stoch':
                n = sum((torch.rand_like(x) < x).float() for _ in range(a.P))
            else:
                n = sum((x > (p + 0.5) / a.P).float() for p in range(a.P))
            return n / a.P if a.pnorm else n
        if a.pix == 'thresh':
            return (x > 0.5).float()
        return x

    ck = -(torch.arange(a.K, dtype=torch.float32) + 0.5) * a.step

    class Layer:
        def __init__(self, din):
            r = math.sqrt(3.0 / (din + C * a.R))
            self.W = ((torch.rand(din, a.units) * 2 - 1) * r).requires_grad_()
            self.U = ((torch.rand(C, a.R, a.units) * 2 - 1) * r).requires_grad_()
            self.b = torch.zeros(a.units, requires_grad=True)
            self.params = [self.W, self.U, self.b]

        def pre(self, x, lab):  # lab None: the neutral label
            z = x @ self.W + self.b
            return z if lab is None else z + self.U.sum(1)[lab]

        def act(self, z):
            if a.act == 'relu':
                h = F.relu(z)
                g = h.mean(1) if a.good == 'mean' else (h * h).sum(1)
                return h, g
            p = torch.sigmoid(a.beta * z.unsqueeze(-1) + ck)  # (B, N, K)
            m = p.sum(-1)
            if a.good == 'sq':
                g = ((p * (1 - p)).sum(-1) + m * m).mean(1) / a.K
            else:
                g = m.mean(1)
            return p, g

        def out(self, h):
            h = h.detach()
            if a.act == 'relu':
                return h / (h.pow(2).mean(1, keepdim=True).sqrt() + 1e-6)
            if a.fwd == 'sample':
                return (torch.rand_like(h) < h).float().sum(-1)
            return h.sum(-1)

    L = [Layer(d) for d in [784] + [a.units] * (a.layers - 1)]
    params = [p for l in L for p in l.params]
    ro = torch.zeros(a.units * a.layers, C, requires_grad=True)
    opt = torch.optim.Adam(params, lr=a.lr) if a.opt == 'adam' else torch.optim.SGD(params, lr=a.lr)
    ropt = torch.optim.Adam([ro], lr=1e-3)
    steps = a.epochs * ((n_train + a.batch - 1) // a.batch)

    def scores(x):
        B = x.shape[0]
        xs = x.repeat_interleave(C, 0)
        lab = torch.arange(C).repeat(B)
        tot = torch.zeros(B * C)
        for l in L:
            h, g = l.act(l.pre(xs, lab))
            tot += g
            xs = l.out(h)
        return tot.view(B, C)

    def neutral_feats(x):
        fs = []
        for l in L:
            h, _ = l.act(l.pre(x, None))
            o = l.out(h)
            fs.append(o / (a.K if a.act == 'count' else 1.0))
            x = o
        return torch.cat(fs, 1)

    def evaluate():
        ok = rok = 0
        with torch.no_grad():
            for i in range(0, xte.shape[0], 100):
                x, y = binz(xte[i:i + 100]), yte[i:i + 100]
                ok += (scores(x).argmax(1) == y).sum().item()
                if a.readout:
                    rok += ((neutral_feats(x) @ ro).argmax(1) == y).sum().item()
        return 100.0 * ok / xte.shape[0], 100.0 * rok / xte.shape[0]

    step, t0 = 0, time.time()
    acc = racc = float('nan')
    for ep in range(a.epochs):
        perm = torch.randperm(n_train)
        tr_ok = 0
        for i in range(0, n_train, a.batch):
            idb = perm[i:i + a.batch]
            x, y = binz(xtr[idb]), ytr[idb]
            B = x.shape[0]
            with torch.no_grad():
                if a.neg == 'hard':
                    sc = scores(x)
                    tr_ok += (sc.argmax(1) == y).sum().item()
                    sc[torch.arange(B), y] = -1e9
                    w = torch.softmax((sc - sc.max(1, keepdim=True).values) / a.temp, 1)
                    neg = torch.multinomial(w, 1).squeeze(1)
                else:
                    r = torch.randint(0, C - 1, (B,))
                    neg = torch.where(r >= y, r + 1, r)
            for gr in opt.param_groups:
                gr['lr'] = a.lr * 0.5 * (1 + math.cos(math.pi * step / steps))
            opt.zero_grad()
            xp, xn, loss = x, x, 0
            for l in L:
                hp, gp = l.act(l.pre(xp, y))
                hn, gn = l.act(l.pre(xn, neg))
                lo = F.softplus(-a.alpha * (gp - gn))
                loss = loss + (lo.sum() if a.opt == 'sgd' else lo.mean())
                xp, xn = l.out(hp), l.out(hn)
            loss.backward()
            opt.step()
            if a.readout:
                with torch.no_grad():
                    fe = neutral_feats(x)
                rl = F.cross_entropy(fe @ ro, y)
                ropt.zero_grad()
                rl.backward()
                ropt.step()
            step += 1
        line = f'ep {ep + 1} train_score {100.0 * tr_ok / n_train:.2f}'
        if ep + 1 == a.epochs or (a.eval_every and (ep + 1) % a.eval_every == 0):
            acc, racc = evaluate()
            line += f' test good {acc:.2f} readout {racc:.2f}'
        print(f'{line} t {time.time() - t0:.0f}s', flush=True)
    print('FINAL', ' '.join(sys.argv[1:]), f'{acc:.2f}', f'{racc:.2f}')


if __name__ == '__main__':
    main()
