"""The library's layer-spec language (include/fmnist/net.h) as a PyTorch network.

The benchmarks and torch_train.py pass the spec of the network they run on
the library's side (the examples' report module is its one home), so both
sides build the same network from the same text:

  build(torch, "noise:0.1 conv:32:3 bn:0.9:1e-5 relu pool:2 ... dense:10")

Semantics follow the library: conv:F:K[:S[:same|valid]] with "same" padding
split as the library does (the extra row and column after), bn[:M[:EPS]]
keeps running statistics as M * running + (1 - M) * batch (PyTorch's
momentum is 1 - M; defaults 0.99 and 1e-3, Keras's), noise:STD is Gaussian
input noise in training only, pool:P is max-pooling that drops the rest,
a flatten is inserted before a dense layer whose input is not flat, and
res( ... ) is a residual block: its layers' output plus its input, or plus
a 1x1 projection of its input (convolution of the stride that gives the
output's plane, then a bn like the block's last, none if it has none)
where the block changes the shape.
"""


def build(torch, spec):
    nn = torch.nn

    class Noise(nn.Module):  # Keras GaussianNoise: training only
        def __init__(self, std):
            super().__init__()
            self.std = std

        def forward(self, x):
            return x + self.std * torch.randn_like(x) if self.training else x

    class Residual(nn.Module):  # res( ... ): branch(x) + x, or + the projection of x
        def __init__(self, branch, projection):
            super().__init__()
            self.branch = branch
            self.projection = projection

        def forward(self, x):
            return self.branch(x) + (self.projection(x) if self.projection is not None else x)

    tokens = spec.split()

    def layers_of(i, c, h, w, flat, inside):
        """The layers from token i to the end (or to the ')' closing a block
        if inside): (layers, next token, c, h, w, flat, last bn token)."""
        layers, last_bn = [], None
        while i < len(tokens):
            token = tokens[i]
            i += 1
            name, *f = token.split(":")
            if name == ")":
                if not inside:
                    raise ValueError("')' closes no block in %r" % spec)
                return layers, i, c, h, w, flat, last_bn
            if name == "res(":
                if inside:
                    raise ValueError("blocks do not nest in %r" % spec)
                branch, i, bc, bh, bw, bflat, bn_token = layers_of(i, c, h, w, flat, True)
                if not branch:
                    raise ValueError("an empty block in %r" % spec)
                projection = None
                if (bc, bh, bw) != (c, h, w):
                    # the library's projection: a 1x1 convolution of the
                    # smallest stride that gives the branch's plane, with a
                    # bn like the branch's last (none if it has none)
                    if bflat and not flat:
                        raise ValueError("a block that flattens its input in %r" % spec)
                    s = next(s for s in range(1, max(h, w) + 1)
                             if -(-h // s) == bh and -(-w // s) == bw)
                    proj = [nn.Linear(c, bc) if flat else nn.Conv2d(c, bc, 1, stride=s)]
                    if bn_token is not None:
                        bf = bn_token.split(":")[1:]
                        m = float(bf[0]) if bf else 0.99
                        eps = float(bf[1]) if len(bf) > 1 else 1e-3
                        bn = nn.BatchNorm1d if flat else nn.BatchNorm2d
                        proj.append(bn(bc, eps=eps, momentum=float("%.15g" % (1 - m))))
                    projection = nn.Sequential(*proj)
                layers.append(Residual(nn.Sequential(*branch), projection))
                c, h, w, flat = bc, bh, bw, bflat
            elif name == "noise":
                layers.append(Noise(float(f[0])))
            elif name == "conv":
                filters, k = int(f[0]), int(f[1])
                s = int(f[2]) if len(f) > 2 else 1
                same = (f[3] if len(f) > 3 else "same") == "same"
                pad = (0, 0)
                if same:
                    oh, ow = -(-h // s), -(-w // s)
                    ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
                    pad = (ph // 2, pw // 2)
                    if ph % 2 or pw % 2:  # the library pads the extra row/column after
                        layers.append(nn.ZeroPad2d((0, pw % 2, 0, ph % 2)))
                    h, w = oh, ow
                else:
                    h, w = (h - k) // s + 1, (w - k) // s + 1
                # symmetric padding inside the convolution, as a hand-written
                # PyTorch net would (an extra pad layer would slow this side)
                layers.append(nn.Conv2d(c, filters, k, stride=s, padding=pad))
                c = filters
            elif name == "bn":
                m = float(f[0]) if f else 0.99
                eps = float(f[1]) if len(f) > 1 else 1e-3
                bn = nn.BatchNorm1d if flat else nn.BatchNorm2d
                # 1 - m to 15 digits: 0.1 for bn:0.9, not 0.09999999999999998
                layers.append(bn(c, eps=eps, momentum=float("%.15g" % (1 - m))))
                last_bn = token
            elif name in ("relu", "tanh", "sigmoid"):
                layers.append({"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]())
            elif name == "pool":
                p = int(f[0])
                layers.append(nn.MaxPool2d(p))
                h, w = h // p, w // p
            elif name == "drop":
                layers.append(nn.Dropout(float(f[0])))
            elif name in ("flatten", "dense"):
                if not flat:
                    layers.append(nn.Flatten())
                    c, h, w, flat = c * h * w, 1, 1, True
                if name == "dense":
                    layers.append(nn.Linear(c, int(f[0])))
                    c = int(f[0])
            else:
                raise ValueError("unknown layer token %r in %r" % (token, spec))
        if inside:
            raise ValueError("a block not closed in %r" % spec)
        return layers, i, c, h, w, flat, last_bn

    return nn.Sequential(*layers_of(0, 1, 28, 28, False, False)[0])


def mlp_shape(spec):
    """(hidden sizes, activation) of a dense-only spec, for scikit-learn's MLPClassifier."""
    tokens = spec.split()
    units = [int(t.split(":")[1]) for t in tokens if t.startswith("dense:")]
    acts = [t for t in tokens if t in ("relu", "tanh", "sigmoid")]
    activation = {"sigmoid": "logistic"}.get(acts[0], acts[0]) if acts else "identity"
    return tuple(units[:-1]), activation
