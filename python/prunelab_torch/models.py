"""The image kind's networks, written out (no model zoo), and their initialization.

- `mlp-1024-1024`: 784-1024-1024-10 with ReLU; layers `fc1`, `fc2`, `fc3` as the TypeScript MLP
  trainer names them (`fc3` is the output layer).
- `vgg16`: the CIFAR VGG-16 with batch norm. Convolutions 3×3, padding 1, with biases, each followed
  by batch norm and ReLU, widths 64, 64, M, 128, 128, M, 256×3, M, 512×3, M, 512×3 (M: 2×2 max
  pool), then a 2×2 average pool so the classifier sees 512 features of a 1×1 map, then the 10-way
  linear layer. Our reading of the issue's list, which ends at the last 512×3 block: the four
  listed pools leave a 2×2 map, and the final 2×2 pool is the CIFAR VGG of the lottery-ticket
  experiments. 14,728,266 parameters (IMAGE_ARCHS.vgg16.parameters).
- `resnet20`: a 3×3 stem convolution of width 16, 3 stages × 3 basic blocks of widths 16/32/64
  (stride 2 at the first block of stages 2 and 3), global average pool, 10-way linear layer. A
  block is conv-BN-ReLU-conv-BN plus its shortcut, then ReLU. Shortcuts are option B: identity
  where the shape stays, a 1×1 convolution (stride 2) plus batch norm where it changes. Convolutions
  have no biases. 272,474 parameters (IMAGE_ARCHS.resnet20.parameters).
- `resnet20-128`: the same with widths 128/256/512: 17,289,866 parameters.

Prunable: every convolution and linear weight except the output layer's (shortcut convolutions
included); never biases or batch norm. A prunable layer's name is its module path (`fc1`,
`features.0`, `blocks.3.shortcut.0`).

Initialization, seeded by a torch.Generator: Kaiming-normal weights N(0, 2/fan_in) (fan_in =
in × kh × kw, ReLU gain), zero biases, batch norm weight 1 and bias 0, drawn on the CPU in module
order so every device starts from the same numbers. The TypeScript trainer draws its MLP weights
from its own generator: the two trainers' numbers agree statistically, not bit for bit.
"""

import math

import torch
from torch import nn

MLP_HIDDEN = {"mlp-1024-1024": (1024, 1024)}


class MLP(nn.Module):
    def __init__(self, inputs=784, hidden=(1024, 1024), classes=10):
        super().__init__()
        sizes = [inputs, *hidden, classes]
        for l in range(len(sizes) - 1):
            self.add_module(f"fc{l + 1}", nn.Linear(sizes[l], sizes[l + 1]))
        self.depth = len(sizes) - 1
        self.output_name = f"fc{self.depth}"

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        for l in range(1, self.depth + 1):
            x = getattr(self, f"fc{l}")(x)
            if l < self.depth:
                x = torch.relu(x)
        return x


VGG16_PLAN = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)


class VGG(nn.Module):
    def __init__(self, plan=VGG16_PLAN, classes=10):
        super().__init__()
        layers = []
        channels = 3
        for item in plan:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(channels, item, 3, padding=1), nn.BatchNorm2d(item), nn.ReLU(inplace=True)]
                channels = item
        layers.append(nn.AvgPool2d(2))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, classes)
        self.output_name = "classifier"

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks_per_stage=3, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, widths[0], 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        blocks = []
        channels = widths[0]
        for stage, width in enumerate(widths):
            for block in range(blocks_per_stage):
                stride = 2 if stage > 0 and block == 0 else 1
                blocks.append(BasicBlock(channels, width, stride))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(channels, classes)
        self.output_name = "fc"

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = self.blocks(x)
        # a mean over the map, not adaptive_avg_pool2d, whose CUDA backward is nondeterministic
        x = x.mean(dim=(2, 3))
        return self.fc(x)


def build_model(arch, hidden=None):
    """The untrained module of an architecture (`hidden` replaces the MLP's widths, for tests)."""
    if arch in MLP_HIDDEN:
        return MLP(hidden=tuple(hidden) if hidden else MLP_HIDDEN[arch])
    if arch == "vgg16":
        return VGG()
    if arch == "resnet20":
        return ResNet((16, 32, 64))
    if arch == "resnet20-128":
        return ResNet((128, 256, 512))
    raise ValueError(f"unknown architecture {arch}")


def prunable_layers(model):
    """[(name, weight parameter)] of every conv and linear layer but the output, in module order."""
    layers = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)) and name != model.output_name:
            layers.append((name, module.weight))
    return layers


@torch.no_grad()
def initialize(model, generator):
    """Kaiming-normal N(0, 2/fan_in) weights, zero biases, batch norm 1 and 0; drawn in module order from `generator` (a CPU generator)."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            values = torch.empty(module.weight.shape, dtype=torch.float32).normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
            module.weight.copy_(values)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.BatchNorm2d):
            module.weight.fill_(1.0)
            module.bias.zero_()
            module.reset_running_stats()
    return model


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())
