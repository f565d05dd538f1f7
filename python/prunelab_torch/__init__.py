"""prunelab's PyTorch trainer: the image kind's networks trained in a child process of the runner.

docs/decisions/013-image-kind.md fixes what a spec means; this package trains it with PyTorch and
speaks the JSON-lines protocol described in python/README.md.
"""

ARCHS = ("mlp-1024-1024", "vgg16", "resnet20", "resnet20-128")
